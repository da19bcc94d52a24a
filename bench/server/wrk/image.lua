-- wrk script: POST one Flickr8k JPEG per request to /v1/embeddings/image, cycling through the
-- files listed (one path a line) in $WRK_IMAGES, and print one JSON line in the load client's
-- format (bench/server/src/.../LoadCommand) when done. Used by bench/server/run.sh for TRANSPORTS=wrk.
local bodies = {}
local next_body = 1
local headers = { ["Content-Type"] = "image/jpeg" }

function init(args)
  for path in io.lines(os.getenv("WRK_IMAGES")) do
    local f = assert(io.open(path, "rb"))
    bodies[#bodies + 1] = f:read("*a")
    f:close()
  end
  -- Threads start at different images so that they do not send the same file in lockstep.
  next_body = (id or 0) * 7 % #bodies + 1
end

function setup(thread)
  thread:set("id", setup_count or 0)
  setup_count = (setup_count or 0) + 1
end

function request()
  local body = bodies[next_body]
  next_body = next_body % #bodies + 1
  return wrk.format("POST", "/v1/embeddings/image", headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  local failed = e.connect + e.read + e.write + e.status + e.timeout
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"label":"%s","transport":"wrk","case":"image","concurrency":%s,"seconds":%.3f,"ok":%d,"failed":%d,'
    .. '"failures":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"throughput":%.3f,'
    .. '"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"mean_batch":MEAN_BATCH}\n',
    os.getenv("WRK_LABEL"), os.getenv("WRK_CONCURRENCY"), seconds, summary.requests - failed, failed,
    e.connect, e.read, e.write, e.status, e.timeout, (summary.requests - failed) / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
