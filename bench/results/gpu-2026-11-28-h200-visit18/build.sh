#!/usr/bin/env bash
# Visit 18's builds (run from the repo root with .diag/ktime.cpp = ktime.cpp here, on the kernels of
# bench/results/gpu-2026-11-28-h200-visit17/resident-and-deep.diff, which carries the three macros).
set -euo pipefail
declare -A defs=([base]="" [div4]="-DMMFUSE_TRIM_DIV=4" [lim64]="-DMMFUSE_SMALL_LIMIT=64"
                 [lim64div4]="-DMMFUSE_SMALL_LIMIT=64 -DMMFUSE_TRIM_DIV=4" [slack05]="-DMMFUSE_SLACK_SCALE=0.5f"
                 [lim64slack05]="-DMMFUSE_SMALL_LIMIT=64 -DMMFUSE_SLACK_SCALE=0.5f")
for v in "${!defs[@]}"; do
  CUDA_ARCH_FLAGS="-gencode arch=compute_90,code=sm_90 ${defs[$v]}" \
  WGMMA_ARCH_FLAGS="-gencode arch=compute_90a,code=sm_90a ${defs[$v]}" \
    bash kernels/build.sh ".diag/build-$v" >/dev/null
  g++ -O3 -std=c++17 -pthread -I kernels .diag/ktime.cpp ".diag/build-$v/libmmfuse_knn.a" \
    -L/usr/local/cuda/lib64 -lcudart_static -ldl -lrt -o ".diag/ktime_$v"
done
