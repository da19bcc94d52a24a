#!/usr/bin/env bash
# One lever of the synthetic-shapes text-to-image experiments, against the recipe it changes:
#
#   bench/generation/lever.sh train NAME MINUTES [train-gan options...]
#   bench/generation/lever.sh eval REPORT.md NAME...
#
# train: ./mmfuse train-gan on the evaluation data with the recipe of -27e (width 32, matching
#   loss 1 with a 4-px shift, word-order negatives 0.5; generation-2026-11-27e-vm.md; kept so that earlier
#   lever commands stay reproducible: the best recipe since -27i adds --caption-encoder learned) plus the given
#   options, into $RUN_DIR/NAME. The data ($RUN_DIR/shapes-data: 3,000 training images, four
#   colour-shape pairs held out) and the shapes retrieval model the GAN is conditioned on
#   ($RUN_DIR/shapes-retrieval, 5 minutes) are made first if missing, exactly as bench/generation/run.sh
#   makes them.
# eval: scores the named runs' checkpoints with GenerationEval shapes (a fresh attribute classifier
#   trained on the real images only, 60 epochs, 10 minutes at most: a judge cut short by its budget
#   reads shapes differently, generation-2026-11-27h-vm.md) into REPORT.md, all in one evaluation so
#   they share one judge. NAME@PSI scores run NAME with its noise truncated to PSI (generate --truncation),
#   NAME@PSIxC also keeps the best of C candidates by the run's retrieval model (generate --candidates),
#   and NAME@PSIxC^RANKER ranks the same candidates with the retrieval model $RUN_DIR/RANKER/checkpoint
#   instead (NAME@PSIxC^R1+R2 ranks with several together, as `generate --ranker R1 --ranker R2`); so
#   `eval R.md a a@0.5 a@0 a@1x8` compares truncations and re-ranking of one checkpoint under one judge.
# ranking: RankingStudy (GenerationEval ranking): one draw of CANDIDATES images per test caption from each named
#   run, ranked by each of the retrieval critics $RUN_DIR/CRITIC/checkpoint, by all of them, by the run's own
#   discriminator and by each judge's reading, every selection scored by JUDGES judges:
#   `lever.sh ranking R.md 3 64 shapes-retrieval-degraded,critic-s2 full-270`.
#
# EVAL_JUDGES (default 1; eval only): score with that many judges (seeds 1..N; one judge has seed 42, as before)
#   and report their mean as well; NAME@PSIxC~S refines each kept image's noise S steps (generate --refine).
# EVAL_HEAP (default 6g): the evaluation JVM's heap (ranking holds every candidate, about 1.6 GB per run at 64).
# RUN_DIR (default runs/generation-lever); MMFUSE_DIST runs a frozen build, as for ./mmfuse; TEXT_MODEL
#   (default $RUN_DIR/shapes-retrieval/checkpoint) the retrieval model a run is conditioned on and scored by
#   through the matching loss; NOISE_SEED (default 7) the noise of the generated images, to confirm a
#   result on a fresh draw.
set -euo pipefail
cd "$(dirname "$0")/../.."
run="${RUN_DIR:-runs/generation-lever}"
source bench/generation/common.sh

case "${1:-}" in
  train)
    [[ $# -ge 3 ]] || { echo "usage: $0 train NAME MINUTES [train-gan options...]" >&2; exit 2; }
    name="$2" minutes="$3"; shift 3
    prepare_shapes 5
    set -x
    ./mmfuse train-gan --text-model "${TEXT_MODEL:-$run/shapes-retrieval/checkpoint}" --data "$run/shapes-data" --out "$run/$name" \
      --minutes "$minutes" --width 32 --steps 1000000 --sample-every 500 --checkpoint-every 1000 \
      --matching-weight 1 --matching-shift 4 --order-negatives 0.5 \
      "${preview[@]}" "$@" >"$run/$name.stdout" 2>"$run/$name.stderr"
    ;;
  eval)
    [[ $# -ge 3 ]] || { echo "usage: $0 eval REPORT.md NAME..." >&2; exit 2; }
    report="$2"; shift 2
    pairs=()
    for name in "$@"; do
      base="${name%%@*}"; base="${base%%^*}"
      if [[ "$name" == *^* ]]; then
        IFS=+ read -ra rankers <<<"${name#*^}"
        paths=(); for r in "${rankers[@]}"; do paths+=("$run/$r/checkpoint"); done
        pairs+=("$name=$run/$base/checkpoint^$(IFS=+; echo "${paths[*]}")")
      else pairs+=("$name=$run/$base/checkpoint"); fi
    done
    evalmain shapes "$run/shapes-data" 10 "$report" "${pairs[@]}"
    ;;
  ranking)
    [[ $# -ge 6 ]] || { echo "usage: $0 ranking REPORT.md JUDGES CANDIDATES CRITIC[,CRITIC...] NAME..." >&2; exit 2; }
    report="$2" judges="$3" candidates="$4" critics=()
    IFS=, read -ra names <<<"$5"
    for c in "${names[@]}"; do critics+=("$run/$c/checkpoint"); done
    shift 5
    pairs=()
    for name in "$@"; do pairs+=("$name=$run/$name/checkpoint"); done
    evalmain ranking "$run/shapes-data" 10 "$report" "$judges" "$candidates" "$(IFS=,; echo "${critics[*]}")" "${pairs[@]}"
    ;;
  *) echo "usage: $0 train NAME MINUTES [options...] | eval REPORT.md NAME... | ranking REPORT.md JUDGES CANDIDATES CRITICS NAME..." >&2; exit 2 ;;
esac
