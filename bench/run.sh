#!/usr/bin/env bash
# mmfuse side by side with the alternatives, in one command:
#   bench/run.sh            full run (< 15 min on 2 cores), writes bench/results/<date>-<host>.md + .png
#   bench/run.sh --quick    smoke run (small N only, 1 thread, no start-up rounds), report under /tmp
# Options: --no-install (do not apt-get the anchors), --out DIR (where the report goes),
#          --inherited-env (also time CpuKnn with the machine's OPENBLAS_CORETYPE/L2_SIZE left set).
#
# Installs the anchors from Debian (python3-faiss, python3-torch, python3-opencv, python3-pil,
# python3-matplotlib, libopenblas0-pthread; none of them is a project dependency), builds the library
# and bench/, then runs each comparison with mmfuse and its anchors interleaved block by block, so
# that load from other processes on the machine hits both sides alike. Every number is a median of
# 5 measured iterations of ~1 s after 1 warm-up iteration, on both sides.
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$bench")"
quick=0
install=1
inherited=0
results="$bench/results"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=1; results="${TMPDIR:-/tmp}/mmfuse-bench-quick" ;;
    --no-install) install=0 ;;
    --inherited-env) inherited=1 ;;
    --out) results="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
command_line="bench/run.sh"; [[ $quick == 1 ]] && command_line+=" --quick"
started=$(date +%s)
log() { printf '[%4ss] %s\n' "$(( $(date +%s) - started ))" "$*" >&2; }

# Debian's python3 (the anchors are Debian packages); a pyenv python first on PATH would not see them.
PY=/usr/bin/python3
DEBS=(python3-faiss python3-torch python3-opencv python3-pil python3-numpy python3-matplotlib libopenblas0-pthread)

if [[ $install == 1 ]]; then
  missing=()
  for p in "${DEBS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    log "installing anchors: ${missing[*]}"
    sudo_cmd=(); [[ $(id -u) == 0 ]] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${DEBS[@]}" >/dev/null
  fi
fi
# FAISS without OpenBLAS runs on the reference BLAS, ~25x slower: refuse to measure that.
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 || true)
[[ "$blas" == *openblas* ]] || { echo "libblas.so.3 -> $blas is not OpenBLAS: FAISS would be crippled" >&2; exit 1; }

log "building mmfuse and bench/"
(cd "$root" && { mvn -q -B -o install -DskipTests || mvn -q -B install -DskipTests; })
(cd "$bench" && { mvn -q -B -o package -DskipTests || mvn -q -B package -DskipTests; })
# The freshly built classes go first, ahead of the ~/.m2 jar that other builds may overwrite.
CP="$root/target/classes:$bench/target/classes:$(cat "$bench/target/classpath.txt")"

run="$(mktemp -d "${TMPDIR:-/tmp}/mmfuse-bench.XXXXXX")"
data="${BENCH_DATA:-$bench/target/bench-data}"
images="${BENCH_IMAGES:-$root/../shared/data/flickr8k/images}"
[[ -d "$images" ]] || images=/work/shared/data/flickr8k/images
captions="$(dirname "$images")/captions.tsv"
anchors="$bench/anchors"
log "run folder $run"

java -cp "$CP" io.mmfuse.bench.BenchVectors "$data" >/dev/null
db="$(ls "$data"/vectors-s42-1000000x256.npy)"
queries="$(ls "$data"/queries-s4242-64x256.npy)"

# Both sides get the same BLAS environment: the machine's OPENBLAS_CORETYPE/L2_SIZE are meant for
# old OpenBLAS builds and slow both Debian's 0.3.21 and LibTorch's bundled 0.3.31 (ANCHORS.md).
# clean [VAR=value...] command: runs command (also a shell function) in a subshell with that environment.
clean() { ( unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE; while [[ "$1" == *=* ]]; do export "${1?}"; shift; done; "$@" ); }
load() { echo "$1 $(cut -d' ' -f1-3 /proc/loadavg)" >> "$run/load.txt"; }
jmh() {
  local tag="$1"; shift
  java -cp "$CP" org.openjdk.jmh.Main "$@" -rf json -rff "$run/jmh-$tag.json" \
    -jvmArgsPrepend "-Dbench.data=$data -Dbench.out=$run -Dbench.images=$images -Dbench.captions=$captions" \
    > "$run/jmh-$tag.log" 2>&1 || { tail -30 "$run/jmh-$tag.log" >&2; return 1; }
}
py() { (cd "$anchors" && "$PY" "$@" --out "$run/anchors.jsonl" >> "$run/anchors.log" 2>&1) || { tail -20 "$run/anchors.log" >&2; return 1; }; }

if [[ $quick == 1 ]]; then ns=(10007); ts=(1); rounds=0; else ns=(10007 100003 1000000); ts=(2 1); rounds=5; fi

log "CPU exact kNN: mmfuse CpuKnn, FAISS IndexFlatL2, torch.cdist+topk"
for t in "${ts[@]}"; do
  for n in "${ns[@]}"; do
    load "search n=$n t=$t"
    # As the mmfuse launcher runs it: 1-thread OpenBLAS, CpuKnn splits the tiles between t workers.
    clean OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=1 jmh "search-n$n-t$t" SearchBenchmark -p n=$n -p threads=$t
    clean OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=$t py search_faiss.py --db "$db" --queries "$queries" --n $n --threads $t --ids-dir "$run"
    clean OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=$t py search_torch.py --db "$db" --queries "$queries" --n $n --threads $t --ids-dir "$run"
    log "  n=$n threads=$t done"
  done
done
if [[ $inherited == 1 && -n "${OPENBLAS_CORETYPE:-}${OPENBLAS_L2_SIZE:-}" ]]; then
  # What a user of this machine gets without cleaning the environment (not part of the ratios).
  (export OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=1; jmh "search-inherited-env" SearchBenchmark -p n=1000000 -p q=64 -p threads=2)
fi

log "image decode + resize to 3x64x64: mmfuse ImageDecoder, OpenCV-Python, Pillow"
load "image"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1  # neither side uses BLAS here; OpenCV gets 1 thread per decode
export BENCH_ITERATION_S=0.5  # the fast operations use 500 ms iterations on both sides
jmh image-single ImageDecodeSingleBenchmark
py image_decode.py --images "$images" --lib cv2 --mode single --samples-dir "$run"
py image_decode.py --images "$images" --lib pil --mode single --samples-dir "$run"
py image_decode.py --images "$images" --lib pil-draft --mode single
for t in 1 2; do
  jmh "image-batch-t$t" ImageDecodeBatchBenchmark -p threads=$t
  py image_decode.py --images "$images" --lib cv2 --mode batch --threads $t
  py image_decode.py --images "$images" --lib pil --mode batch --threads $t
done

log "text featurisation: mmfuse Vocabulary, plain Python"
load "text"
jmh text TextFeaturisationBenchmark
py text_featurise.py --captions "$captions"
unset OMP_NUM_THREADS OPENBLAS_NUM_THREADS BENCH_ITERATION_S

if [[ $quick == 0 ]]; then
  log "model: encoder forward (batch 1, 64) and training step (batch 128), mmfuse vs the same model in PyTorch"
  for t in "${ts[@]}"; do
    load "model t=$t"
    if [[ $t == 1 ]]; then  # inference at 1 thread only, to stay within 15 minutes
      clean OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 jmh "forward-t1" EncoderForwardBenchmark -p threads=1
      clean OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 BENCH_ITERATION_S=0.5 py model_anchor.py --mode forward --batch 1 64 --threads 1
    fi
    clean OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=$t jmh "train-t$t" TrainStepBenchmark -p threads=$t
    clean OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=$t py model_anchor.py --mode train --threads $t
  done
fi

if [[ $rounds -gt 0 ]]; then
  log "start-up to first result, $rounds rounds (cold = empty JavaCPP cache)"
  load "startup"
  # Without pre-extraction a cold start crashes where Debian's libtorch is installed (see
  # StartupProbe); record whether it still does, then measure cold starts with the proposed fix.
  cache="$(mktemp -d "${TMPDIR:-/tmp}/javacpp-cold.XXXXXX")"
  if (BENCH_T0_NS=$(date +%s%N) java -XX:ErrorFile="$run/hs_err_%p.log" -Dorg.bytedeco.javacpp.cachedir="$cache" -cp "$CP" \
      io.mmfuse.bench.StartupProbe embed) > "$run/startup-unfixed.log" 2>&1; then echo ok > "$run/startup-unfixed.txt"
  else echo "exit $? $(grep -m1 -oE 'SIGSEGV|SIGABRT|UnsatisfiedLinkError[^ ]*' "$run/startup-unfixed.log" || true)" > "$run/startup-unfixed.txt"; fi
  rm -rf "$cache"
  for ((i = 1; i <= rounds; i++)); do
    cache="$(mktemp -d "${TMPDIR:-/tmp}/javacpp-cold.XXXXXX")"
    BENCH_T0_NS=$(date +%s%N) java -Dorg.bytedeco.javacpp.cachedir="$cache" -cp "$CP" \
      io.mmfuse.bench.StartupProbe embed --preextract | sed 's/^{/{"impl": "mmfuse-cold", /' >> "$run/startup.jsonl"
    rm -rf "$cache"
    for mode in embed search; do
      BENCH_T0_NS=$(date +%s%N) java -cp "$CP" io.mmfuse.bench.StartupProbe $mode \
        | sed 's/^{/{"impl": "mmfuse-warm", /' >> "$run/startup.jsonl"
    done
    for lib in faiss torch-embed; do
      (cd "$anchors" && clean BENCH_T0_NS="$(date +%s%N)" "$PY" startup.py $lib) >> "$run/startup.jsonl"
    done
  done
fi
load "end"

log "machine and versions"
{
  echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
  echo "cpu_flags_avx512=$(grep -c avx512f /proc/cpuinfo | head -1)"
  echo "cores=$(nproc)"
  echo "memory=$(free -g | awk '/^Mem:/ {print $2 " GiB"}')"
  echo "kernel=$(uname -r)"
  echo "jdk=$(java -version 2>&1 | head -2 | tail -1)"
  echo "maven=$(mvn -v 2>/dev/null | head -1 | sed 's/\x1b\[[0-9;]*m//g')"
  echo "mmfuse_commit=$(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- src pom.xml bench || echo '+dirty')"
  echo "libtorch_javacpp=$(tr ':' '\n' < "$bench/target/classpath.txt" | sed -n 's#.*/pytorch-\([0-9.]*-[0-9.]*\)\.jar#\1#p' | head -1)"
  echo "opencv_javacpp=$(tr ':' '\n' < "$bench/target/classpath.txt" | sed -n 's#.*/opencv-\([0-9.]*-[0-9.]*\)\.jar#\1#p' | head -1)"
  echo "openblas_javacpp=$(tr ':' '\n' < "$bench/target/classpath.txt" | sed -n 's#.*/openblas-\([0-9.]*-[0-9.]*\)\.jar#\1#p' | head -1)"
  for p in "${DEBS[@]}"; do echo "deb_$p=$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null)"; done
  echo "blas_alternative=$blas"
  echo "anchor_openblas_core=$(cd "$anchors" && clean OPENBLAS_VERBOSE=2 "$PY" -c 'import faiss, numpy; numpy.ones((64,64),numpy.float32)@numpy.ones((64,64),numpy.float32)' 2>&1 | sed -n 's/^Core: //p' | head -1)"
  echo "inherited_env=OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-}"
  "$PY" -c 'import faiss, torch, cv2, PIL, numpy, matplotlib; print("py_versions=faiss %s, torch %s, cv2 %s, Pillow %s, numpy %s, matplotlib %s" % (faiss.__version__, torch.__version__, cv2.__version__, PIL.__version__, numpy.__version__, matplotlib.__version__))'
  echo "python=$("$PY" --version 2>&1)"
  echo "elapsed_s=$(( $(date +%s) - started ))"
} > "$run/machine.txt"

mkdir -p "$results"
"$PY" "$anchors/report.py" --run "$run" --results "$results" --command "$command_line"
log "done in $(( $(date +%s) - started )) s; raw data in $run"
