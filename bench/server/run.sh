#!/usr/bin/env bash
# Load and soak benchmark of `mmfuse serve` on loopback (issue 6, "Load and soak").
#
#  1. load: closed-loop clients (java.net.http or gRPC, HdrHistogram) at concurrency 1, 8, 64 for
#     text embedding, image embedding (real Flickr8k JPEGs) and search (a collection of 2,000
#     images), against the same checkpoint served twice: dynamic batching on
#     (--max-batch $MAX_BATCH --max-wait-us $MAX_WAIT_US, default 64 and 2000) and off (--max-batch 1);
#  2. soak: 8 clients of mixed traffic for SOAK_MIN minutes against the batching server, sampling
#     RSS and JavaCPP's Pointer.physicalBytes() every 10 s; fails when either grows > 5 % after
#     the 2-minute warm-up.
# Writes bench/results/server-<date>-<host>.md (+ raw .jsonl/.csv and a PNG when matplotlib is there).
# Exit: 0 all good, 3 load target not met, 4 soak failed (results are written either way).
#
# Knobs (environment): CKPT (a checkpoint dir; default: train a 64 px one), TRAIN_MIN (0.3),
# IMAGE_SIZE (64), QUERIES (a file of query texts, one a line; default: the training captions of
# the checkpoint trained here, else the Flickr8k captions), TRANSPORTS (any of "http", "grpc" and
# "wrk"; wrk = image embedding over HTTP driven by wrk, installed from Debian when missing), CASES (text,image,search), GRPC_CASES (cases over gRPC; default CASES), CONCURRENCY (1,8,64), WARMUP_S (3), MEASURE_S (10),
# ITEMS (2000), MAX_BATCH (64) and MAX_WAIT_US (2000) of the batching server, SOAK_MIN (10), SOAK_CLIENTS (8), SOAK_WARMUP_S (120), SOAK_SAMPLE_S (10),
# SKIP_LOAD=1, SKIP_SOAK=1, WORK (scratch dir), RESULTS_DIR (bench/results), RESULTS_NAME (server-<date>-<host>),
# MMFUSE_DIST (a frozen build: mmfuse.jar + lib/), FLICKR (dataset dir), HTTP_PORT, GRPC_PORT (the
# interleaved comparison also uses the next port of each), SERVE_ARGS (extra serve options),
# INTERLEAVE_ROUNDS (0; > 0 adds the interleaved on/off comparison over wrk: both servers at once,
# SLICE_S (10) seconds per server per round, for each of INTERLEAVE_CASES ("image"; "image text"
# adds text embedding); needs /usr/bin/python3 for its report).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$repo/bench/server"
cd "$repo"

CKPT_GIVEN="${CKPT:-}"
WORK="${WORK:-/tmp/mmfuse-server-bench}"
TRAIN_MIN="${TRAIN_MIN:-0.3}"
IMAGE_SIZE="${IMAGE_SIZE:-64}"
TRANSPORTS="${TRANSPORTS:-http}"
CASES="${CASES:-text,image,search}"
GRPC_CASES="${GRPC_CASES:-$CASES}"
CONCURRENCY="${CONCURRENCY:-1,8,64}"
WARMUP_S="${WARMUP_S:-3}"
MEASURE_S="${MEASURE_S:-10}"
ITEMS="${ITEMS:-2000}"
SOAK_MIN="${SOAK_MIN:-10}"
SOAK_CLIENTS="${SOAK_CLIENTS:-8}"
SOAK_WARMUP_S="${SOAK_WARMUP_S:-120}"
SOAK_SAMPLE_S="${SOAK_SAMPLE_S:-10}"
RESULTS_DIR="${RESULTS_DIR:-$repo/bench/results}"
FLICKR="${FLICKR:-/work/shared/data/flickr8k}"
MAX_BATCH="${MAX_BATCH:-64}"
MAX_WAIT_US="${MAX_WAIT_US:-2000}"
HTTP_PORT="${HTTP_PORT:-18080}"
GRPC_PORT="${GRPC_PORT:-19090}"
LOAD_JAVA_OPTS="${LOAD_JAVA_OPTS:--Xmx1g}"
# Fixed, pre-touched heap for the soak: heap pages first touched during the run would show up as
# RSS growth that is not a leak; with them touched up front, growth is native (or metaspace).
SOAK_JAVA_OPTS="${SOAK_JAVA_OPTS:--Xms512m -Xmx512m -XX:+AlwaysPreTouch}"
mkdir -p "$WORK" "$RESULTS_DIR"

stamp="$(date -u +%F)"
started="$(date -u '+%F %T')"
loadavg_start="$(cut -d' ' -f1-3 /proc/loadavg)"
host="$(hostname -s)"
res="$RESULTS_DIR/${RESULTS_NAME:-server-$stamp-$host}"
log() { echo "[run.sh $(date -u +%T)] $*" >&2; }

# --- build: the mmfuse dist (launcher builds it when stale) and the bench classes -------------
if [[ -n "${MMFUSE_DIST:-}" ]]; then
  dist="$MMFUSE_DIST"
else
  ./mmfuse --help >/dev/null
  dist="$repo/target"
fi
cp_dist="$dist/mmfuse.jar:$dist/lib/*"
build="$here/build"
rm -rf "$build" && mkdir -p "$build/classes" "$build/agent"
javac -d "$build/classes" -cp "$cp_dist" $(find "$here/src" -name '*.java')
javac -d "$build/agent" -cp "$cp_dist" $(find "$here/agent" -name '*.java')
printf 'Premain-Class: io.mmfuse.bench.agent.NativeMemoryAgent\n' >"$build/agent.mf"
jar cfm "$build/native-memory-agent.jar" "$build/agent.mf" -C "$build/agent" .
client() { java -Xmx1g -cp "$build/classes:$cp_dist" io.mmfuse.bench.server.Main "$@"; }

# --- checkpoint ----------------------------------------------------------------------------
if [[ -z "${CKPT:-}" ]]; then
  log "training a ${IMAGE_SIZE} px checkpoint (synthetic quickstart data, ${TRAIN_MIN} min)"
  rm -rf "$WORK/qs" "$WORK/ck"
  ./mmfuse quickstart --out "$WORK/qs" --minutes "$TRAIN_MIN" >"$WORK/quickstart.log" 2>&1
  ./mmfuse train --data "$WORK/qs/data" --out "$WORK/ck" --minutes "$TRAIN_MIN" --image-size "$IMAGE_SIZE" >"$WORK/train.log" 2>&1
  CKPT="$WORK/ck/checkpoint"
  # Query texts the synthetic model knows the words of (Flickr captions are mostly out of its vocabulary).
  QUERIES="${QUERIES:-$WORK/queries.txt}"
  cat "$WORK"/qs/data/*/*.txt >"$QUERIES"
fi
QUERIES="${QUERIES:-}"
if [[ -n "$CKPT_GIVEN" && -z "$QUERIES" ]]; then
  log "warning: CKPT given without QUERIES: text queries are Flickr8k captions; those with no word in the checkpoint's vocabulary fail with 400 and count as errors"
fi

# --- server lifecycle -----------------------------------------------------------------------
SERVER_PID=""
stop_server() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" || true
  fi
  SERVER_PID=""
}
EXTRA_PIDS=()   # servers started beside SERVER_PID (the interleaved comparison runs two)
stop_all() {
  stop_server
  for p in "${EXTRA_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
  EXTRA_PIDS=()
}
trap stop_all EXIT
declare -a SERVE_CMDS=()
start_server() { # name java-opts serve-args...
  local name="$1" opts="$2"; shift 2
  rm -rf "$WORK/collections-$name"
  local hp="${port_http:-$HTTP_PORT}" gp="${port_grpc:-$GRPC_PORT}"
  local cmd=(./mmfuse serve --model "$CKPT" --host 127.0.0.1 --http-port "$hp" --grpc-port "$gp"
    --collections "$WORK/collections-$name" --queue 1024 "$@")
  SERVE_CMDS+=("$name: MMFUSE_JAVA_OPTS='$opts' ${cmd[*]}")
  MMFUSE_JAVA_OPTS="$opts" "${cmd[@]}" >"$WORK/server-$name.log" 2>&1 &
  SERVER_PID=$!  # the launcher execs java, so this is the server JVM
  for _ in $(seq 1 240); do
    if curl -sf "http://127.0.0.1:$hp/v1/health" >/dev/null 2>&1; then
      log "server '$name' ready (pid $SERVER_PID)"
      return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server-$name.log" >&2; log "server '$name' died"; exit 1; }
    sleep 0.5
  done
  log "server '$name' not ready after 120 s"; exit 1
}

load_rc=0
soak_rc=0
load_args=(--http "http://127.0.0.1:$HTTP_PORT" --grpc "127.0.0.1:$GRPC_PORT"
  --concurrency "$CONCURRENCY" --warmup-s "$WARMUP_S" --measure-s "$MEASURE_S" --collection-items "$ITEMS"
  --images "$FLICKR/images" --captions "$FLICKR/captions.tsv" --queries "$QUERIES")
cases_for() { if [[ $1 == grpc ]]; then echo "$GRPC_CASES"; else echo "$CASES"; fi; }
# The wrk transport: HTTP image embedding driven by wrk (C, one thread) instead of the JVM client,
# whose own CPU on these shared cores is a large part of each request's cost.
metric() { # metric-name batcher [http-port] -> the sample's value (0 when absent)
  curl -sf "http://127.0.0.1:${3:-$HTTP_PORT}/metrics" \
    | awk -v n="$1{" -v b="batcher=\"$2\"" 'index($0, n) == 1 && index($0, b) { v = $NF } END { print v + 0 }'
}
wrk_ready() { # the image list wrk cycles through
  command -v wrk >/dev/null || { log "installing wrk (Debian package)"; apt-get install -y -q wrk >/dev/null; }
  # sed, not head: head exits early and the SIGPIPE it leaves sort fails the pipeline under pipefail
  find "$FLICKR/images" -name '*.jpg' | sort | sed -n "1,${ITEMS}p" >"$WORK/wrk-images.txt"
  # Without QUERIES: the Flickr8k captions (the text case's fallback, as for the JVM client)
  [[ -n "${QUERIES:-}" ]] || cut -f2 "$FLICKR/captions.tsv" | sed -n '1,2000p' >"$WORK/wrk-queries.txt"
}
wrk_slice() { # label concurrency seconds http-port [case: image (default) or text] -> one JSON line, with the mean batch of the window
  local s0 n0 s1 n1 mean line case="${5:-image}"
  s0=$(metric mmfuse_batcher_batch_size_sum "$case" "$4"); n0=$(metric mmfuse_batcher_batch_size_count "$case" "$4")
  line=$(WRK_CASE="$case" WRK_IMAGES="$WORK/wrk-images.txt" WRK_QUERIES="${QUERIES:-$WORK/wrk-queries.txt}" WRK_LABEL="$1" \
    WRK_CONCURRENCY="$2" wrk -t1 -c"$2" -d"${3}s" --timeout 60s -s "$here/wrk/embed.lua" "http://127.0.0.1:$4" | grep '^{')
  s1=$(metric mmfuse_batcher_batch_size_sum "$case" "$4"); n1=$(metric mmfuse_batcher_batch_size_count "$case" "$4")
  mean=$(awk -v a="$s0" -v b="$s1" -v c="$n0" -v d="$n1" 'BEGIN { if (d > c) printf "%.4f", (b - a) / (d - c); else print "null" }')
  echo "${line/MEAN_BATCH/$mean}"
}
wrk_load() { # label out.jsonl
  local c
  wrk_ready
  for c in ${CONCURRENCY//,/ }; do
    wrk_slice "$1" "$c" "$WARMUP_S" "$HTTP_PORT" >/dev/null
    wrk_slice "$1" "$c" "$MEASURE_S" "$HTTP_PORT" >>"$2"
  done
}
if [[ "${SKIP_LOAD:-0}" != 1 ]]; then
  for mode in on off; do
    if [[ $mode == on ]]; then batching=(--max-batch "$MAX_BATCH" --max-wait-us "$MAX_WAIT_US"); else batching=(--max-batch 1); fi
    # shellcheck disable=SC2086 # SERVE_ARGS: extra serve options for every server, word-split on purpose
    start_server "load-$mode" "$LOAD_JAVA_OPTS" "${batching[@]}" ${SERVE_ARGS:-}
    for t in $TRANSPORTS; do
      log "load over $t, batching $mode"
      rm -f "$res-load-$t-$mode.jsonl"
      if [[ $t == wrk ]]; then
        wrk_load "batching-$mode" "$res-load-$t-$mode.jsonl"
      else
        client load "${load_args[@]}" --transport "$t" --cases "$(cases_for "$t")" --label "batching-$mode" \
          --out "$res-load-$t-$mode.jsonl"
      fi
    done
    stop_server
  done
  for t in $TRANSPORTS; do
    rc=0
    client report --on "$res-load-$t-on.jsonl" --off "$res-load-$t-off.jsonl" --max-batch "$MAX_BATCH" --out "$WORK/load-$t.md" || rc=$?
    if [[ $rc -ne 0 && $load_rc -eq 0 ]]; then load_rc=$rc; fi
  done
fi

# --- interleaved on/off (wrk; image, and text with INTERLEAVE_CASES) ----------------------------
# Both servers run at once (an idle one costs no CPU) and wrk alternates between them in slices of
# SLICE_S seconds, in ABBA order, so that a shared machine's drift hits both alike.
il_rc=0
if [[ "${INTERLEAVE_ROUNDS:-0}" -gt 0 ]]; then
  wrk_ready
  off_port=$((HTTP_PORT + 1))
  # shellcheck disable=SC2086
  port_http=$off_port port_grpc=$((GRPC_PORT + 1)) start_server il-off "$LOAD_JAVA_OPTS" --max-batch 1 ${SERVE_ARGS:-}
  EXTRA_PIDS+=("$SERVER_PID")
  # shellcheck disable=SC2086
  start_server il-on "$LOAD_JAVA_OPTS" --max-batch "$MAX_BATCH" --max-wait-us "$MAX_WAIT_US" ${SERVE_ARGS:-}
  rm -f "$res-interleaved.jsonl"
  for case in ${INTERLEAVE_CASES:-image}; do
    for c in ${CONCURRENCY//,/ }; do
      log "interleaved on/off, $case, concurrency $c, $INTERLEAVE_ROUNDS rounds of ${SLICE_S:-10} s each"
      wrk_slice warm-up "$c" "$WARMUP_S" "$HTTP_PORT" "$case" >/dev/null
      wrk_slice warm-up "$c" "$WARMUP_S" "$off_port" "$case" >/dev/null
      for r in $(seq 1 "$INTERLEAVE_ROUNDS"); do
        if (( r % 2 )); then order="on off"; else order="off on"; fi
        for mode in $order; do
          port=$([[ $mode == on ]] && echo "$HTTP_PORT" || echo "$off_port")
          line=$(wrk_slice "batching-$mode" "$c" "${SLICE_S:-10}" "$port" "$case")
          echo "${line%\}},\"round\":$r}" >>"$res-interleaved.jsonl"
        done
      done
    done
  done
  stop_all
  /usr/bin/python3 "$here/interleaved_report.py" "$res-interleaved.jsonl" "$MAX_BATCH" >"$WORK/interleaved.md" || il_rc=$?
fi

soak_s=$(awk -v m="$SOAK_MIN" 'BEGIN { printf "%d", m * 60 }')
if [[ "${SKIP_SOAK:-0}" != 1 ]]; then
  rm -f "$WORK/agent.txt"
  start_server soak "$SOAK_JAVA_OPTS -javaagent:$build/native-memory-agent.jar=$WORK/agent.txt,$SOAK_SAMPLE_S" --max-batch 64 --max-wait-us 2000 ${SERVE_ARGS:-}
  log "soak, $SOAK_MIN min"
  client soak --http "http://127.0.0.1:$HTTP_PORT" --pid "$SERVER_PID" --agent-file "$WORK/agent.txt" \
    --duration-s "$soak_s" --sample-s "$SOAK_SAMPLE_S" --warmup-s "$SOAK_WARMUP_S" --clients "$SOAK_CLIENTS" --max-growth 0.05 \
    --collection-items "$ITEMS" --images "$FLICKR/images" --captions "$FLICKR/captions.tsv" --queries "$QUERIES" \
    --out-csv "$res-soak.csv" --out-md "$WORK/soak.md" || soak_rc=$?
  stop_server
  if /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
    /usr/bin/python3 "$here/plot.py" "$res-soak.csv" "$res-soak.png" "$SOAK_WARMUP_S" || log "plot failed"
  fi
fi

# --- results file ---------------------------------------------------------------------------
{
  echo "# mmfuse serve: load and soak, $stamp on $host"
  echo
  echo "- Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, $(uname -sr)"
  echo "- Java: $(java -version 2>&1 | sed -n 1p); mmfuse commit $(git -C "$repo" rev-parse --short HEAD) (dist: $dist${MMFUSE_DIST:+, a frozen build})"
  echo "- Date: $started to $(date -u '+%T') UTC; load average (1/5/15 min) at start $loadavg_start, at end $(cut -d' ' -f1-3 /proc/loadavg)"
  if [[ -n "$CKPT_GIVEN" ]]; then
    echo "- Checkpoint: $CKPT (given)"
  else
    echo "- Checkpoint: $CKPT, trained by this script: \`mmfuse quickstart --minutes $TRAIN_MIN\` (synthetic shapes), then \`mmfuse train --data <quickstart data> --minutes $TRAIN_MIN --image-size $IMAGE_SIZE\`"
  fi
  echo "- Client and server share the same $(nproc) cores on loopback; the client JVM's CPU is part of what is measured."
  echo "- Command: \`$(printf '%q ' env ${CKPT_GIVEN:+CKPT="$CKPT_GIVEN"} TRANSPORTS="$TRANSPORTS" CASES="$CASES" GRPC_CASES="$GRPC_CASES" CONCURRENCY="$CONCURRENCY" MAX_BATCH="$MAX_BATCH" MAX_WAIT_US="$MAX_WAIT_US" WARMUP_S="$WARMUP_S" MEASURE_S="$MEASURE_S" SOAK_MIN="$SOAK_MIN" ${SERVE_ARGS:+SERVE_ARGS="$SERVE_ARGS"} ${INTERLEAVE_ROUNDS:+INTERLEAVE_ROUNDS="$INTERLEAVE_ROUNDS" INTERLEAVE_CASES="${INTERLEAVE_CASES:-image}" SLICE_S="${SLICE_S:-10}"} ${SKIP_LOAD:+SKIP_LOAD="$SKIP_LOAD"} ${SKIP_SOAK:+SKIP_SOAK="$SKIP_SOAK"} bench/server/run.sh)\`"
  echo
  echo "Servers:"
  echo
  for c in "${SERVE_CMDS[@]}"; do echo "    $c"; done
  if [[ "${SKIP_LOAD:-0}" != 1 ]]; then
    for t in $TRANSPORTS; do
      echo
      echo "## Load over $t (closed loop, ${WARMUP_S} s warm-up + ${MEASURE_S} s measured per row)"
      echo
      echo "One request = one text, one JPEG ($([[ $t == grpc ]] && echo 'bytes field' || echo 'raw HTTP body')) or one text search (k = 10, collection of $ITEMS Flickr8k images).$([[ $t == wrk ]] && echo " Client: wrk $(wrk -v 2>&1 | awk 'NR==1 {print $2}'), one thread, one connection per concurrent client.")"
      echo "Images: the first 2,000 Flickr8k JPEGs (224x224). Query texts: ${QUERIES:-Flickr8k captions}."
      echo "Mean batch = inputs per model call during the window, from the server's /metrics (search embeds its query text through the text batcher). Raw: \`$(basename "$res")-load-$t-{on,off}.jsonl\`."
      echo
      cat "$WORK/load-$t.md"
    done
  fi
  if [[ "${INTERLEAVE_ROUNDS:-0}" -gt 0 ]]; then
    echo
    echo "## Interleaved on/off over wrk ($INTERLEAVE_ROUNDS rounds of ${SLICE_S:-10} s per server and concurrency, ABBA order, after ${WARMUP_S} s of warm-up each)"
    echo
    echo "Both servers run at once; wrk (one thread, one connection per client) alternates between them, one JPEG or one text (${QUERIES:-Flickr8k captions}) per request. Raw: \`$(basename "$res")-interleaved.jsonl\`."
    echo
    cat "$WORK/interleaved.md"
  fi
  if [[ "${SKIP_SOAK:-0}" != 1 ]]; then
    echo
    echo "## Soak ($SOAK_MIN min, $SOAK_CLIENTS clients, batching on, server heap: $SOAK_JAVA_OPTS)"
    echo
    echo "Pointer.physicalBytes()/totalBytes() come from a -javaagent (bench/server/agent) inside the server JVM, since /metrics has no JavaCPP gauge. Raw: \`$(basename "$res")-soak.csv\`."
    echo
    [[ -f "$res-soak.png" ]] && echo "![soak memory]($(basename "$res")-soak.png)" && echo
    cat "$WORK/soak.md"
  fi
} >"$res.md"
log "wrote $res.md"
if [[ $soak_rc -ne 0 ]]; then exit "$soak_rc"; fi
if [[ $load_rc -eq 0 && $il_rc -ne 0 ]]; then exit "$il_rc"; fi
exit "$load_rc"
