-- Returning visitors, many of them: each request one of the cookies in
-- the file LEAD_COOKIES names (one "lv=..." a line) in turn, a page of
-- eight, a referrer and a campaign of a few, as a site's traffic varies;
-- the browser's other headers come with -H.
local cookies = {}
for line in io.lines(os.getenv("LEAD_COOKIES")) do
    cookies[#cookies + 1] = line
end

local paths = {}
for i = 0, 7 do
    paths[#paths + 1] = "/p" .. i .. ".html"
end
local tags = {
    "",
    "?utm_source=newsletter&utm_medium=email&utm_campaign=fibre-2026-spring",
    "?utm_source=linkedin&utm_medium=social&utm_campaign=rural-broadband",
    "?utm_source=google&utm_medium=cpc&utm_campaign=backhaul-guide",
}
local referrers = {
    "https://www.google.com/",
    "https://www.linkedin.com/feed/",
    "https://news.example.org/articles/2026/fibre-rollout-in-the-north",
    "https://www.example.com/",
}

local n = 0
local step = 7919        -- a prime: cookies and pages do not pair up

request = function()
    n = n + 1
    local h = {}
    for k, v in pairs(wrk.headers) do
        h[k] = v
    end
    h["Cookie"] = cookies[(n * step) % #cookies + 1]
    h["Referer"] = referrers[n % #referrers + 1]
    local tag = tags[math.floor(n / 8) % #tags + 1]
    return wrk.format(nil, paths[n % #paths + 1] .. tag, h)
end
