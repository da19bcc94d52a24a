#!/usr/bin/env bash
# Diagnostic used for the 2026-11-27 soak follow-up: RSS of a server under mixed wrk load for two 60 s windows.
# Needs the checkpoint and queries of bench/server/run.sh in /tmp/mmfuse-server-bench, /tmp/add*.json items,
# /tmp/wrk-images.txt, and Srv.java compiled into bench/server/diag/build against DIST. Usage:
#   INTRA=2 DECODE=2 DIST=/path/to/dist bench/server/diag/mixed-rss.sh text image
set -uo pipefail
cd "$(dirname "$0")/../../.."
OMP_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=1 java -Xms512m -Xmx512m -XX:+AlwaysPreTouch -cp "bench/server/diag/build:${DIST:-target}/mmfuse.jar:${DIST:-target}/lib/*" Srv $INTRA $DECODE /tmp/mix-coll-$$ 18081 > /tmp/mix-server.log 2>&1 &
pid=$!
for i in $(seq 1 120); do curl -sf http://127.0.0.1:18081/v1/health >/dev/null && break; sleep 0.5; done
jpid=$pid
rss() { awk '/VmRSS/ {print $2}' /proc/$jpid/status; }
curl -sf -X POST http://127.0.0.1:18081/v1/collections/soakc >/dev/null
for b in $(seq 0 19); do curl -sf -X POST -H 'Content-Type: application/json' --data-binary @/tmp/add$b.json http://127.0.0.1:18081/v1/collections/soakc/items >/dev/null; done
export WRK_IMAGES=/tmp/wrk-images.txt WRK_LABEL=x WRK_CONCURRENCY=3
mix() { # seconds, which
  local d=$1; shift
  local pids=()
  for w in "$@"; do
    case $w in
      text) WRK_QUERY=text wrk -t1 -c3 -d${d}s -s bench/server/diag/queries.lua http://127.0.0.1:18081 >/dev/null & pids+=($!);;
      image) wrk -t1 -c3 -d${d}s -s bench/server/wrk/embed.lua http://127.0.0.1:18081 >/dev/null & pids+=($!);;
      search) WRK_QUERY=search wrk -t1 -c2 -d${d}s -s bench/server/diag/queries.lua http://127.0.0.1:18081 >/dev/null & pids+=($!);;
    esac
  done
  wait "${pids[@]}"
}
mix 30 text image search
r0=$(rss); mix 60 "$@"; r1=$(rss); echo "mix [$*]: RSS $r0 -> $r1 kB (+$(( (r1 - r0) ))) kB in 60 s"
r0=$(rss); mix 60 "$@"; r1=$(rss); echo "mix [$*] again: RSS $r0 -> $r1 kB (+$(( (r1 - r0) ))) kB in 60 s"
kill -TERM $pid; wait $pid
