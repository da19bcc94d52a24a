#!/usr/bin/env bash
# Flickr8k retrieval benchmark: trains from scratch on the 6,000 training images, evaluates on the
# 1,000 test images, and writes bench/results/flickr8k-<date>-<host>.md.
#
#   bench/flickr8k/run.sh [main-minutes] [seed-minutes] [ablation-minutes]   (defaults: 45 45 0)
#
# Main runs: the default objective (contrastive) and the founding design's `seed` objective, same
# data, same seed. Ablations (only if ablation-minutes > 0, contrastive each, same budget each):
# text encoder BOW vs TOKENS at 64 px, and 64 vs 96 px input.
# RUNS="contrastive seed ..." picks runs; a run whose eval-test.json exists is not redone, so an
# interrupted benchmark resumes. The report lists every finished run of the day (REPORT_RUNS).
set -euo pipefail
cd "$(dirname "$0")/../.."
main_min="${1:-45}"
seed_min="${2:-$main_min}"
abl_min="${3:-0}"
data="${FLICKR8K:-../shared/data/flickr8k}"
stamp="$(date -u +%Y-%m-%d)"
host="$(hostname -s)"
runs="runs/flickr8k-$stamp"
mkdir -p "$runs" bench/results
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-$(nproc)}"

train() {  # name, extra args...
  local name="$1"; shift
  echo "== $name: ./mmfuse train --data $data --out $runs/$name $*" >&2
  ./mmfuse train --data "$data" --out "$runs/$name" --epochs 200 "$@" >"$runs/$name.stdout" 2>"$runs/$name.stderr" || {
    rc=$?; [[ $rc -eq 3 ]] || { echo "run $name failed ($rc); see $runs/$name.stderr" >&2; exit $rc; }; }
  ./mmfuse eval --checkpoint "$runs/$name/checkpoint" --data "$data" --split test --out "$runs/$name/eval-test.json" \
    >"$runs/$name.eval.stdout" 2>>"$runs/$name.stderr"
}

declare -A extra=(
  [contrastive]="--minutes $main_min"
  [contrastive-cosine]="--minutes $main_min --cosine-lr"
  [seed]="--minutes $seed_min --objective seed"
  [abl-bow-64]="--minutes $abl_min --text-encoder bow --image-size 64"
  [abl-tokens-64]="--minutes $abl_min --text-encoder tokens --image-size 64"
  [abl-bow-96]="--minutes $abl_min --text-encoder bow --image-size 96"
)
default_runs="contrastive seed"
[[ "$abl_min" != 0 ]] && default_runs="$default_runs abl-bow-64 abl-tokens-64 abl-bow-96"
for name in ${RUNS:-$default_runs}; do
  [[ -f "$runs/$name/eval-test.json" ]] && { echo "== $name: already done" >&2; continue; }
  # shellcheck disable=SC2086
  train "$name" ${extra[$name]}
done
names=(${REPORT_RUNS:-${RUNS:-$default_runs}})

out="bench/results/flickr8k-$stamp-$host.md"
python3 bench/flickr8k/report.py "$runs" "$out" "bench/flickr8k/run.sh $main_min $seed_min $abl_min" "${names[@]}"
echo "wrote $out"
