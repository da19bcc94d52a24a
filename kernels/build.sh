#!/usr/bin/env bash
# Builds the k-NN kernels into a static library: kernels/build.sh [out-dir]
# Fatbin: sm_80 and sm_90 machine code plus compute_90 PTX; knn_wgmma.cu (Hopper-only
# instructions) is built for sm_90a alone. Position-independent host code so that the JavaCPP
# JNI library (linked with -lcudart_static) can absorb it. Skips the build when the library is
# newer than every source. NVCC overrides the compiler, CUDA_ARCH_FLAGS / WGMMA_ARCH_FLAGS the
# targets.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/../target/kernels}"
nvcc="${NVCC:-/usr/local/cuda/bin/nvcc}"
arch="${CUDA_ARCH_FLAGS:--gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 -gencode arch=compute_90,code=compute_90}"
wgmma_arch="${WGMMA_ARCH_FLAGS:--gencode arch=compute_90a,code=sm_90a}"
sources=(knn_api knn_fused knn_aux knn_wgmma)
lib="$out/libmmfuse_knn.a"
mkdir -p "$out"

stale=0
[[ -f "$lib" ]] || stale=1
for f in "$here"/*.cu "$here"/*.cuh "$here"/*.h "$here/build.sh"; do
  [[ "$f" -nt "$lib" ]] && stale=1
done
if [[ $stale -eq 0 ]]; then
  echo "mmfuse kernels: $lib is up to date"
  exit 0
fi

echo "mmfuse kernels: $nvcc $("$nvcc" --version | tail -2 | head -1)"
pids=()
for s in "${sources[@]}"; do
  flags="$arch"
  [[ "$s" == knn_wgmma ]] && flags="$wgmma_arch"
  # shellcheck disable=SC2086
  "$nvcc" -O3 -std=c++17 $flags -Xcompiler -fPIC -Xptxas -warn-spills \
    --resource-usage -c "$here/$s.cu" -o "$out/$s.o" >"$out/$s.log" 2>&1 &
  pids+=($!)
done
rc=0
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then
    echo "mmfuse kernels: nvcc failed on ${sources[$i]}.cu:" >&2
    cat "$out/${sources[$i]}.log" >&2
    rc=1
  fi
done
[[ $rc -eq 0 ]] || exit $rc
rm -f "$lib"
objs=()
for s in "${sources[@]}"; do objs+=("$out/$s.o"); done
"$nvcc" -lib -o "$lib" "${objs[@]}"
echo "mmfuse kernels: built $lib"
