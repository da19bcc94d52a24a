-- wrk script: one embedding per request, and one JSON line in the load client's format
-- (bench/server/src/.../LoadCommand) when done. Used by bench/server/run.sh (TRANSPORTS=wrk and the
-- interleaved comparison) and bench/server/diag/.
--   WRK_CASE=image (default): POST one Flickr8k JPEG to /v1/embeddings/image, cycling through the
--     files listed (one path a line) in $WRK_IMAGES;
--   WRK_CASE=text: POST {"texts": [one line of $WRK_QUERIES]} to /v1/embeddings/text.
local bodies = {}
local next_body = 1
local case = os.getenv("WRK_CASE") or "image"
local path, headers

local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end

function init(args)
  if case == "text" then
    path, headers = "/v1/embeddings/text", { ["Content-Type"] = "application/json" }
    for line in io.lines(os.getenv("WRK_QUERIES")) do
      if line:match("%S") then
        bodies[#bodies + 1] = '{"texts":[' .. json_string(line) .. ']}'
      end
    end
  else
    path, headers = "/v1/embeddings/image", { ["Content-Type"] = "image/jpeg" }
    for p in io.lines(os.getenv("WRK_IMAGES")) do
      local f = assert(io.open(p, "rb"))
      bodies[#bodies + 1] = f:read("*a")
      f:close()
    end
  end
  -- Threads start at different bodies so that they do not send the same one in lockstep.
  next_body = (id or 0) * 7 % #bodies + 1
end

function setup(thread)
  thread:set("id", setup_count or 0)
  setup_count = (setup_count or 0) + 1
end

function request()
  local body = bodies[next_body]
  next_body = next_body % #bodies + 1
  return wrk.format("POST", path, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  local failed = e.connect + e.read + e.write + e.status + e.timeout
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"label":"%s","transport":"wrk","case":"%s","concurrency":%s,"seconds":%.3f,"ok":%d,"failed":%d,'
    .. '"failures":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"throughput":%.3f,'
    .. '"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"mean_batch":MEAN_BATCH}\n',
    os.getenv("WRK_LABEL"), case, os.getenv("WRK_CONCURRENCY"), seconds, summary.requests - failed, failed,
    e.connect, e.read, e.write, e.status, e.timeout, (summary.requests - failed) / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
