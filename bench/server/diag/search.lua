local bodies = {}
local n = 1
function init(args)
  for line in io.lines("/tmp/mmfuse-server-bench/queries.txt") do
    if #bodies < 500 and #line > 0 then
      bodies[#bodies + 1] = '{"collection":"soakc","k":10,"text":"' .. line:gsub('"', '') .. '"}'
    end
  end
end
function request()
  local b = bodies[n]; n = n % #bodies + 1
  return wrk.format("POST", "/v1/search", { ["Content-Type"] = "application/json" }, b)
end
