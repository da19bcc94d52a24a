# Sourced by bench/generation/run.sh and lever.sh, from the repository root, with $run set: the
# classpath of the build to measure (MMFUSE_DIST, a frozen build, or this checkout's), the benchmark
# classes compiled against it, and the synthetic-shapes inputs every experiment shares.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-$(nproc)}" OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
if [[ -n "${MMFUSE_DIST:-}" ]]; then cp_dist="$MMFUSE_DIST/mmfuse.jar:$MMFUSE_DIST/lib/*"
else ./mmfuse doctor >/dev/null; cp_dist="target/mmfuse.jar:target/lib/*"; fi
mkdir -p "$run/classes"
javac -d "$run/classes" -cp "$cp_dist" $(find bench/generation/src -name '*.java')
evalmain() { java -Xmx${EVAL_HEAP:-6g} ${NOISE_SEED:+-Dmmfuse.bench.noiseSeed=$NOISE_SEED} ${EVAL_JUDGES:+-Dmmfuse.bench.judges=$EVAL_JUDGES} -cp "$run/classes:$cp_dist" io.mmfuse.bench.generation.GenerationEval "$@"; }
step() { echo "== $*" >&2; }

# The evaluation data ($run/shapes-data: 3,000 training images, four colour-shape pairs held out)
# and the shapes retrieval model the GANs are conditioned on ($run/shapes-retrieval, token text
# encoder with word-order negatives), each made once. $1: the retrieval model's training minutes.
prepare_shapes() {
  [[ -d "$run/shapes-data" ]] || { step "synthetic shapes -> $run/shapes-data"; evalmain shapes-data "$run/shapes-data"; }
  if [[ ! -d "$run/shapes-retrieval/checkpoint" ]]; then
    step "retrieval model on shapes ($1 min)"
    ./mmfuse train --data "$run/shapes-data" --out "$run/shapes-retrieval" --text-encoder tokens --min-count 1 \
      --order-negatives --minutes "$1" --epochs 200 >"$run/shapes-retrieval.stdout" 2>"$run/shapes-retrieval.stderr"
  fi
}

preview=(--preview "a red square above a blue triangle" --preview "a yellow circle at the top left"
         --preview "a green circle to the left of a purple cross" --preview "a white square below an orange triangle")
