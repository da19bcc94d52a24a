#!/usr/bin/env bash
# Diagnostic visit 14: one scratch library build per variant of knn_wgmma.cu, timed by ktime.
cd "$(dirname "$0")"
OUT="${OUT:-/tmp/out}"; mkdir -p "$OUT"
{
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader
date -u
for v in base bound noepi noappend vote8 boundvote8 base; do
  timeout 60 ./ktime_$v $v || echo "$v: exit $?"
done
for v in bound boundvote8; do
  echo "== selftest $v"
  timeout 90 ./selftest_$v --quick --no-timing | grep -E "^(FAIL|ALL|FAILED)|wgmma2"
done
} 2>&1 | tee "$OUT/diag.log"
