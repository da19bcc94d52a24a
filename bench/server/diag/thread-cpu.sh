#!/usr/bin/env bash
# Where the CPU goes while wrk drives image embedding: one fresh `mmfuse serve`, 3 s of wrk warm-up,
# then 10 s measured, with the server's CPU time per thread group (from /proc/PID/task/*/stat;
# OpenMP workers inherit the name of the thread that started them) and wrk's own CPU.
# Needs the checkpoint of bench/server/run.sh in /tmp/mmfuse-server-bench/ck and wrk. Usage:
#   DIST=/path/to/dist bench/server/diag/thread-cpu.sh MAX_BATCH [serve options, e.g. --threads 1]
set -uo pipefail
cd "$(dirname "$0")/../../.."
max_batch=$1; shift
ck=/tmp/mmfuse-server-bench/ck/checkpoint
work=$(mktemp -d)
export MMFUSE_DIST=${DIST:?set DIST to a frozen build} MMFUSE_JAVA_OPTS=-Xmx1g
./mmfuse serve --model "$ck" --host 127.0.0.1 --http-port 18081 --grpc-port 19091 --collections "$work/c" \
  --queue 1024 --max-batch "$max_batch" --max-wait-us 2000 "$@" >"$work/serve.log" 2>&1 &
launcher=$!
trap 'kill $launcher $(pgrep -P $launcher) 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 120); do curl -sf http://127.0.0.1:18081/v1/health >/dev/null && break; sleep 1; done
pid=$(pgrep -f -- "--http-port 18081" | while read -r p; do [[ $(cat /proc/"$p"/comm) == java ]] && echo "$p"; done | head -1)
find "${FLICKR:-../shared/data/flickr8k}/images" -name '*.jpg' | sort | sed -n 1,2000p >"$work/images.txt"
export WRK_IMAGES="$work/images.txt" WRK_LABEL="max-batch-$max_batch" WRK_CONCURRENCY=64
# Thread names without their pool index, so that a pool's threads sum into one row (clock ticks).
ticks() {
  for t in /proc/"$pid"/task/*; do echo "$(tr ' ' '_' <"$t"/comm) $(awk '{print $14 + $15}' "$t"/stat)"; done |
    awk '{n = $1; sub(/-[0-9]+$/, "", n); s[n] += $2} END {for (k in s) print k, s[k]}' | sort
}
wrk -t1 -c64 -d3s --timeout 60s -s bench/server/wrk/embed.lua http://127.0.0.1:18081 >/dev/null
ticks >"$work/before"
start=$(date +%s.%N)
wrk -t1 -c64 -d10s --timeout 60s -s bench/server/wrk/embed.lua http://127.0.0.1:18081 >"$work/wrk.txt" &
wrk_launcher=$!
sleep 0.5
wrk_pid=$(pgrep -n -x wrk)
sleep 9.3
wrk_ticks=$(awk '{print $14 + $15}' /proc/"$wrk_pid"/stat)
ticks >"$work/after"
end=$(date +%s.%N)
wait $wrk_launcher
hz=$(getconf CLK_TCK)
echo "server: max-batch $max_batch $*; window $(echo "$end - $start" | bc) s on $(nproc) cores"
join "$work/before" "$work/after" | awk -v hz="$hz" '$3 > $2 {printf "  %-20s %6.2f core-s\n", $1, ($3 - $2) / hz}' | sort -k2 -n -r
echo "  wrk (whole process)  $(echo "scale=2; $wrk_ticks / $hz" | bc) core-s"
grep '^{' "$work/wrk.txt" | sed 's/"mean_batch":MEAN_BATCH/"mean_batch":null/'
