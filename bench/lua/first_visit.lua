-- First visits: no cookie, one of eight pages in turn, a browser's
-- headers (given with -H); wrk keeps no cookies, so every request is a
-- new visitor's.
local paths = {}
for i = 0, 7 do
    paths[#paths + 1] = "/p" .. i .. ".html"
end
local n = 0

request = function()
    n = n + 1
    return wrk.format(nil, paths[n % #paths + 1])
end
