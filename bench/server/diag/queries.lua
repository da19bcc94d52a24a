-- wrk script: POSTs the benchmark's query texts as text embeddings (WRK_QUERY=text) or as text
-- searches of collection "soakc" (WRK_QUERY=search).
local bodies = {}
local n = 1
local search = os.getenv("WRK_QUERY") == "search"
function init(args)
  for line in io.lines("/tmp/mmfuse-server-bench/queries.txt") do
    if #bodies < 500 and #line > 0 then
      local text = line:gsub('"', '')
      bodies[#bodies + 1] = search and ('{"collection":"soakc","k":10,"text":"' .. text .. '"}')
                                   or ('{"texts":["' .. text .. '"]}')
    end
  end
end
function request()
  local b = bodies[n]; n = n % #bodies + 1
  return wrk.format("POST", search and "/v1/search" or "/v1/embeddings/text",
                    { ["Content-Type"] = "application/json" }, b)
end
