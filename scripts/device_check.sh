#!/usr/bin/env bash
# The GPU figures in the README, in one bounded run on a CUDA machine (repository root; one log in $OUT):
# the device tests, the issue's full-count fidelity table on the GPU (same shipped models, fp32 with TF32
# off, so the samples are the CPU's up to round-off; MCMC and analysis stay on the CPU), the samplers'
# GPU rates and a training step time. Each part has its own time limit and log, most important first.
set -uo pipefail
OUT=${OUT:-device-logs}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
PY=${PYTHON:-python3}
BUDGET=${BUDGET:-560}  # seconds for the whole script: a part that would start later is skipped
LOG="$OUT/device_check.log"
part() {  # part NAME SECONDS COMMAND…: run COMMAND with a limit, its output appended to $LOG
  local name=$1 limit=$2; shift 2
  if (( SECONDS + 20 > BUDGET )); then echo "== $name skipped (budget spent)"; return; fi
  (( SECONDS + limit > BUDGET )) && limit=$((BUDGET - SECONDS))
  echo "== $name (limit ${limit}s)" | tee -a "$LOG"
  local start=$SECONDS
  timeout "$limit" "$@" >>"$LOG" 2>&1
  echo "   exit $? after $((SECONDS - start)) s" | tee -a "$LOG"
}
part env 60 $PY -c "import torch, numba; print(torch.__version__, numba.__version__, torch.cuda.get_device_name(0))"
part device_tests 120 $PY - <<'PYTEST'
import importlib.util, sys, traceback
spec = importlib.util.spec_from_file_location("test_device", "tests/test_device.py")
module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
failed = 0
for name in ("test_auto_picks_cuda_exactly_when_torch_sees_a_gpu", "test_noise_comes_from_the_generator_whatever_the_target_device",
             "test_one_seed_gives_the_same_diffusion_samples_on_cpu_and_gpu", "test_training_on_the_gpu_resumes_on_the_cpu"):
    try:
        getattr(module, name)(**({"tmp_path": __import__("pathlib").Path("/tmp")} if "training" in name else {}))
        print("PASS", name)
    except Exception:
        failed += 1; print("FAIL", name); traceback.print_exc()
sys.exit(failed)
PYTEST
BENCH="$PY -m boltz bench samplers --samplers diffusion --device cuda --T 1.8 2.269 2.6 3.2"
part fidelity_L16_ddim50 150 $BENCH --L 16 --n 10000 --refine 2
part fidelity_L32_ddim50 200 $BENCH --L 32 --n 10000 --refine 2
part train_L16_gpu 90 $PY -m boltz train ising --L 16 --steps 300 --batch-size 128 --n-temperatures 5 \
  --samples-per-temperature 256 --seed 0 --device cuda --cache-dir /tmp/boltz-data --out /tmp/gpu_L16
part fidelity_L32_ddim25 100 $BENCH --L 32 --n 4000 --steps 25 --refine 1
part fidelity_L32_sde100 120 $BENCH --L 32 --n 4000 --solver sde --steps 100
part fidelity_L16_sde100 100 $BENCH --L 16 --n 4000 --solver sde --steps 100
part fidelity_L32_ode25 100 $BENCH --L 32 --n 4000 --solver ode --steps 25
