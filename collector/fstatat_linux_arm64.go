package collector

import "golang.org/x/sys/unix"

// sysFstatat is fstatat(2)'s number.
const sysFstatat = unix.SYS_FSTATAT
