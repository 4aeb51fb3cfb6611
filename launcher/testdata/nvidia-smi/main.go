// Command nvidia-smi is a stand-in for NVIDIA's tool in lineup's launcher
// integration tests. It prints what the real one prints on an 8 x H100
// 80GB node, in the formats quoted in
// /work/shared/reference/nvidia-smi-output.md:
//
//	nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
//	NVIDIA H100 80GB HBM3, 81559 MiB, 580.159.04      (one line per GPU)
//
// with --format=csv it adds the header line, and -L lists the GPUs. The
// GPUs are those of CUDA_VISIBLE_DEVICES when set (SLURM sets it from the
// job's --gres), else 8.
package main

import (
	"fmt"
	"os"
	"strings"
)

const (
	name   = "NVIDIA H100 80GB HBM3"
	memMiB = 81559
	driver = "580.159.04"
)

func main() {
	gpus := []string{"0", "1", "2", "3", "4", "5", "6", "7"}
	if v, ok := os.LookupEnv("CUDA_VISIBLE_DEVICES"); ok && v != "" {
		gpus = strings.Split(v, ",")
	}
	args := strings.Join(os.Args[1:], " ")
	switch {
	case strings.Contains(args, "--query-gpu=name,memory.total,driver_version"):
		if !strings.Contains(args, "noheader") {
			fmt.Println("name, memory.total [MiB], driver_version")
		}
		for range gpus {
			fmt.Printf("%s, %d MiB, %s\n", name, memMiB, driver)
		}
	case args == "-L":
		for i := range gpus {
			fmt.Printf("GPU %d: %s (UUID: GPU-7f988403-5903-d217-3c3a-2a4b5033a99%d)\n", i, name, i)
		}
	default:
		fmt.Fprintf(os.Stderr, "stand-in nvidia-smi: unsupported arguments %q\n", os.Args[1:])
		os.Exit(2)
	}
}
