package launcher_test

import (
	"context"
	"os"

	"github.com/lineup-dev/lineup/launcher"
)

// A dry run of the bundled small sweep (examples/small.yaml): six runs,
// each with the sbatch command that would submit it.
func ExampleLaunch_dryRun() {
	_, err := launcher.Launch(context.Background(), launcher.Options{
		Config:   "examples/small.yaml",
		WorkDir:  "/srv/sweeps",
		DryRun:   true,
		Executor: &launcher.Slurm{},
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
	})
	if err != nil {
		panic(err)
	}
	// Output:
	// submit gemma-3-1b (not submitted)
	//     sbatch --parsable --job-name=lineup_gemma-3-1b --output=/srv/sweeps/data/gemma-3-1b/google--gemma-3-1b-it/tp1-pp1-dp1/spec_none/mns_256-mnbt_8192-gmu_90-bs_16-kvc_auto-quant_none/inference/slurm_logs/%j.out /srv/sweeps/data/gemma-3-1b/google--gemma-3-1b-it/tp1-pp1-dp1/spec_none/mns_256-mnbt_8192-gmu_90-bs_16-kvc_auto-quant_none/job.sbatch
	// submit gemma-3-1b_spec-ngram_6 (not submitted)
	//     sbatch --parsable --job-name=lineup_gemma-3-1b_spec-ngram_6 --output=/srv/sweeps/data/gemma-3-1b/google--gemma-3-1b-it/tp1-pp1-dp1/spec_ngram_6/mns_256-mnbt_8192-gmu_90-bs_16-kvc_auto-quant_none/inference/slurm_logs/%j.out /srv/sweeps/data/gemma-3-1b/google--gemma-3-1b-it/tp1-pp1-dp1/spec_ngram_6/mns_256-mnbt_8192-gmu_90-bs_16-kvc_auto-quant_none/job.sbatch
	// submit gemma-3-1b_tp2 (not submitted)
	//     sbatch --parsable --job-name=lineup_gemma-3-1b_tp2 --output=/srv/sweeps/data/gemma-3-1b/google--gemma-3-1b-it/tp2-pp1-dp1/spec_none/mns_256-mnbt_8192-gmu_90-bs_16-kvc_auto-quant_none/inference/slurm_logs/%j.out /srv/sweeps/data/gemma-3-1b/google--gemma-3-1b-it/tp2-pp1-dp1/spec_none/mns_256-mnbt_8192-gmu_90-bs_16-kvc_auto-quant_none/job.sbatch
	// submit gemma-3-1b_tp2_spec-ngram_6 (not submitted)
	//     sbatch --parsable --job-name=lineup_gemma-3-1b_tp2_spec-ngram_6 --output=/srv/sweeps/data/gemma-3-1b/google--gemma-3-1b-it/tp2-pp1-dp1/spec_ngram_6/mns_256-mnbt_8192-gmu_90-bs_16-kvc_auto-quant_none/inference/slurm_logs/%j.out /srv/sweeps/data/gemma-3-1b/google--gemma-3-1b-it/tp2-pp1-dp1/spec_ngram_6/mns_256-mnbt_8192-gmu_90-bs_16-kvc_auto-quant_none/job.sbatch
	// submit gemma-3-1b_tp4 (not submitted)
	//     sbatch --parsable --job-name=lineup_gemma-3-1b_tp4 --output=/srv/sweeps/data/gemma-3-1b/google--gemma-3-1b-it/tp4-pp1-dp1/spec_none/mns_256-mnbt_8192-gmu_90-bs_16-kvc_auto-quant_none/inference/slurm_logs/%j.out /srv/sweeps/data/gemma-3-1b/google--gemma-3-1b-it/tp4-pp1-dp1/spec_none/mns_256-mnbt_8192-gmu_90-bs_16-kvc_auto-quant_none/job.sbatch
	// submit gemma-3-1b_tp4_spec-ngram_6 (not submitted)
	//     sbatch --parsable --job-name=lineup_gemma-3-1b_tp4_spec-ngram_6 --output=/srv/sweeps/data/gemma-3-1b/google--gemma-3-1b-it/tp4-pp1-dp1/spec_ngram_6/mns_256-mnbt_8192-gmu_90-bs_16-kvc_auto-quant_none/inference/slurm_logs/%j.out /srv/sweeps/data/gemma-3-1b/google--gemma-3-1b-it/tp4-pp1-dp1/spec_ngram_6/mns_256-mnbt_8192-gmu_90-bs_16-kvc_auto-quant_none/job.sbatch
	// dry run: 6 runs: would submit 6 (nothing written, nothing submitted)
}
