#!/usr/bin/env bash
# Visit 18 (on the device, `bash .diag/run.sh` with carry [".diag"]): every scratch build, timed;
# the base build first and last.
cd "$(dirname "$0")"
OUT="${OUT:-/tmp/out}"; mkdir -p "$OUT"
{
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader
date -u
for v in base div4 lim64 lim64div4 slack05 lim64slack05 base; do
  timeout 75 ./ktime_$v $v || echo "$v: exit $?"
done
date -u
} 2>&1 | tee "$OUT/diag.log"
