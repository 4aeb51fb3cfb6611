package collector

import "golang.org/x/sys/unix"

// sysFstatat is fstatat(2)'s number: newfstatat on amd64.
const sysFstatat = unix.SYS_NEWFSTATAT
