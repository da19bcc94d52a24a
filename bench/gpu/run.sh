#!/usr/bin/env bash
# The GPU visit (runs ON the device, in the repository root, with .device-carry/ carried and
# $OUT set): device facts, (1) contract + GPU tests through the JUnit console, (2) correctness
# against float64 on fresh awkward inputs and (3) kernel / Java-call timings (GpuKnnBench), then
# torch baselines and (4) ceilings (torch_bench.py), and the joined table last. Full results go to
# $OUT: run.log, selftest.log, contract.log, mmfuse.json, torch.json, results.md, ncu.log (hardware
# counters of Q = 1024 launches of the plain and lean wgmma kernels) and, with BENCH_STALLS,
# stalls.tgz.
# Step timeouts sum to under 10 minutes without stall profiles (each adds up to 110 s).
# BENCH_QUICK=1 shrinks the sizes for a smoke run.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
OUT="${OUT:-/tmp/mmfuse-gpu}"
mkdir -p "$OUT"
carry=.device-carry
java="$carry/jre/bin/java"
quick=()
[[ "${BENCH_QUICK:-0}" == 1 ]] && quick=(--quick)
cp="$carry/lib/mmfuse.jar:$carry/lib/mmfuse-tests.jar:$carry/lib/javacpp.jar:$carry/lib/javacpp-linux-x86_64.jar"
cp="$cp:$carry/lib/slf4j-api.jar:$carry/lib/slf4j-simple.jar:$carry/lib/assertj-core.jar"
jopts=(-Xmx24g -Dorg.slf4j.simpleLogger.defaultLogLevel=info -Dorg.bytedeco.javacpp.cachedir=/tmp/javacpp-cache)

# Stall profile (ncu warp-state samples per SASS instruction) of one warm Q = 1024 launch of a wgmma
# variant: the self-test's --profile-launches runs wgmma (plain) twice, then wgmma2 (lean) twice,
# so launches 1 and 3 are their warm ones. Summed by phase with stall_regions.py;
# the listing is kept gzipped in /tmp/stalls for the bundle below.
stall_profile() {   # launch-index name
  mkdir -p /tmp/stalls
  echo "== stall profile (ncu) of $2 (warm launch $1)"
  timeout 110 ncu --clock-control none --kernel-name regex:wgmma_knn --launch-skip "$1" --launch-count 1 \
    --section SpeedOfLight --section WarpStateStats --section SourceCounters --page source --print-source sass \
    "$carry/knn_selftest" --profile-launches >"/tmp/stalls/ncu-source-$2.log" 2>&1
  echo "ncu exit code: $? ($(wc -l <"/tmp/stalls/ncu-source-$2.log") lines)"
  python3 bench/gpu/stall_regions.py "/tmp/stalls/ncu-source-$2.log" | tee "/tmp/stalls/stall-regions-$2.txt"
  gzip -f "/tmp/stalls/ncu-source-$2.log"
}
# BENCH_PROFILE=1: only stall profiles, of the variants named in BENCH_STALLS (default: wgmma2),
# into $OUT/stalls.tgz.
# BENCH_STALLS="wgmma wgmma2": after the full visit, stall profiles of those variants too.
stalls() {
  local name idx
  for name in ${BENCH_STALLS:-}; do
    case "$name" in wgmma) idx=1 ;; wgmma2) idx=3 ;; *) echo "unknown variant $name"; continue ;; esac
    stall_profile "$idx" "$name"
  done
  [[ -d /tmp/stalls ]] && tar czf "$OUT/stalls.tgz" -C /tmp stalls
}
if [[ "${BENCH_PROFILE:-0}" == 1 ]]; then
  BENCH_STALLS="${BENCH_STALLS:-wgmma2}" stalls 2>&1 | tee "$OUT/run.log"
  exit "${PIPESTATUS[0]}"
fi

visit() {
status=0
echo "== device"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm,power.limit --format=csv
nvidia-smi | sed -n 3,4p
command -v nvcc >/dev/null && nvcc --version | tail -2 | sed -n 1p
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)'
"$java" -version 2>&1 | sed -n 1p
date -u

echo; echo "== 0. kernels alone: C++ self-test against float64 (small cases)"
timeout 90 "$carry/knn_selftest" --quick --no-timing >"$OUT/selftest.log" 2>&1
rc=$?
if [[ $rc -eq 126 || $rc -eq 127 ]] && command -v nvcc >/dev/null; then
  echo "prebuilt self-test does not run here (rc $rc); building it with this machine's nvcc"
  nvcc -O3 -std=c++17 -gencode arch=compute_90a,code=sm_90a -I "$carry/kernels" "$carry"/kernels/*.cu "$carry/kernels/test/knn_selftest.cpp" \
    -o /tmp/knn_selftest && timeout 120 /tmp/knn_selftest --quick --no-timing >"$OUT/selftest.log" 2>&1
  rc=$?
fi
grep -E "^(PASS|FAIL|ALL|FAILED|runtime|device)" "$OUT/selftest.log"
# The wgmma kernel must really use Hopper's warpgroup MMA (SASS HGMMA), not a fallback.
if command -v cuobjdump >/dev/null; then
  echo "SASS HGMMA instructions in the self-test binary: $(cuobjdump --dump-sass "$carry/knn_selftest" 2>/dev/null | grep -c HGMMA)"
fi
echo "self-test exit code: $rc"
[[ $rc -eq 0 ]] || status=1

echo; echo "== 1. contract and GPU tests (JUnit console)"
timeout 140 "$java" "${jopts[@]}" -jar "$carry/lib/junit-platform-console-standalone.jar" execute \
  --class-path "$cp" --disable-banner --details=tree \
  --select-class io.mmfuse.cuda.CudaKnnContractTest --select-class io.mmfuse.cuda.CudaKnnGpuTest \
  --select-class io.mmfuse.cuda.CudaDevicesTest --select-class io.mmfuse.cuda.KnnNativeLoadTest \
  >"$OUT/contract.log" 2>&1
rc=$?
tail -25 "$OUT/contract.log"
echo "contract tests exit code: $rc"
[[ $rc -eq 0 ]] || status=1
# The one test that expects NO device aborts on a GPU machine ("a CUDA device is present"); any
# "no usable CUDA device" abort means the GPU tests did not really run.
if grep -q "no usable CUDA device" "$OUT/contract.log"; then
  echo "contract tests were skipped (aborted by assumption): the JVM saw no usable CUDA device"
  status=1
fi

echo; echo "== 2+3. correctness vs float64 and timings (Java, mmfuse)"
timeout 170 "$java" "${jopts[@]}" -cp "$cp" io.mmfuse.cuda.GpuKnnBench --out "$OUT/mmfuse.json" "${quick[@]}"
rc=$?
echo "GpuKnnBench exit code: $rc"
[[ $rc -eq 0 ]] || status=1

echo; echo "== 3+4. torch baselines and ceilings"
PYTHONUNBUFFERED=1 timeout 110 python3 bench/gpu/torch_bench.py --out "$OUT/torch.json" "${quick[@]}" || status=1

echo; echo "== 5. hardware counters of Q=1024 k=10 launches (ncu; plain wgmma warm, lean wgmma cold and warm)"
if command -v ncu >/dev/null; then
  timeout 70 ncu --clock-control none --kernel-name regex:'wgmma_knn' --launch-skip 1 --launch-count 3 \
    --section SpeedOfLight --section MemoryWorkloadAnalysis --section Occupancy \
    --metrics lts__t_bytes.sum,sm__inst_executed_pipe_tensor.sum,smsp__cycles_active.avg \
    "$carry/knn_selftest" --profile-launches >"$OUT/ncu.log" 2>&1
  echo "ncu exit code: $? (full output in ncu.log)"
  grep -E "wgmma_knn|Duration|Throughput|lts__t_bytes|pipe_tensor|Achieved Occupancy|L2 Hit" "$OUT/ncu.log" | head -70
fi

[[ -n "${BENCH_STALLS:-}" ]] && stalls
# The joined table last. results.json stays on the device (at most 8 files come back):
# summarize.py rebuilds it here from the two inputs.
python3 bench/gpu/summarize.py "$OUT/mmfuse.json" "$OUT/torch.json" --md "$OUT/results.md" --json /tmp/results.json
echo "visit status: $status (0 = all tests and correctness cases passed)"
return $status
}

visit 2>&1 | tee "$OUT/run.log"
exit "${PIPESTATUS[0]}"
