#!/usr/bin/env bash
# Latency of the first three image requests after /v1/health reports ready, on one fresh
# `mmfuse serve` (what warm-up leaves to the first caller). Needs the checkpoint of
# bench/server/run.sh in /tmp/mmfuse-server-bench/ck. Usage:
#   DIST=/path/to/dist bench/server/diag/first-request.sh
set -uo pipefail
cd "$(dirname "$0")/../../.."
work=$(mktemp -d)
img=$(find /work/shared/data/flickr8k/images -name '*.jpg' | sort | sed -n 1p)
MMFUSE_DIST=${DIST:?set DIST to a frozen build} ./mmfuse serve --model /tmp/mmfuse-server-bench/ck/checkpoint \
  --host 127.0.0.1 --http-port 18090 --grpc-port 19099 --collections "$work/c" >"$work/serve.log" 2>&1 &
pid=$!
until curl -sf http://127.0.0.1:18090/v1/health >/dev/null 2>&1; do
  kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log"; exit 1; }
  sleep 0.1
done
for i in 1 2 3; do
  curl -s -o /dev/null -w "request $i: %{time_total} s, HTTP %{http_code}\n" -H 'Content-Type: image/jpeg' \
    --data-binary @"$img" http://127.0.0.1:18090/v1/embeddings/image
done
kill -TERM "$pid"; wait "$pid" 2>/dev/null
rm -rf "$work"
