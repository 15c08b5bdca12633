--[==[
read-dashboard: everything GET /api/dashboard shows for one shop, in one round trip. It replaced
two pipelines of ~55 commands: at 200 bills/s the publisher reads a dashboard per bill, and the
client-side cost of that many commands was the largest part of a push.

KEYS[1]  meta hash ({shop:N}:meta); field "seq"
KEYS[2]  today's day hash, KEYS[3] this month's hash, KEYS[4] the totals hash
KEYS[5 .. 4+D]        the D day hashes of the daily series, oldest first
KEYS[5+D .. 4+D+M]    the M month hashes of the monthly series, oldest first
then the month's top lists: pr (product revenue), pq (product quantity), area, cust, emp,
then empb (bills per employee) and the names hash
ARGV[1] D, ARGV[2] M, ARGV[3] entries per top list,
ARGV[4] the day hash fields the daily series shows, ARGV[5] the month's, comma-separated (their
one list is SERIES_FIELDS in dashboard/read.ts)

Returns a JSON object with named fields (decoded by dashboard/read.ts, the one reader):
{"seq": false} when the shop has no aggregates (never built, flushed, or being rebuilt), else
{seq, rebuilt_at, today, month, totals, days, months, tops, pq_of_pr, pr_of_pq, empb_of_emp, names}
(rebuilt_at: when the state was last rebuilt, false if never: with seq, what a cached copy is of):
hashes and top lists flat [field, value, ...]; days and months the values of ARGV[4] / ARGV[5]
in that order, one after another, false where missing; *_of_* the other score of each top member.
Every value is a string Redis returned (or false), so the JSON carries them exactly; an empty
list may come as {} (cjson cannot tell an empty array from an empty object).
]==]
local seq = redis.call('HGET', KEYS[1], 'seq')
if not seq then return cjson.encode({seq = false}) end
local D, M, N = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local function split(s)
  local out = {}
  for f in string.gmatch(s, '[^,]+') do out[#out + 1] = f end
  return out
end
local dayFields, monthFields = split(ARGV[4]), split(ARGV[5])

local function series(first, n, fields)
  local out = {}
  for i = 1, n do
    local v = redis.call('HMGET', KEYS[first + i], unpack(fields))
    for j = 1, #fields do out[#out + 1] = v[j] end
  end
  return out
end
local days = series(4, D, dayFields)
local months = series(4 + D, M, monthFields)

local t = 4 + D + M
local tops = {}
for i = 1, 5 do tops[i] = redis.call('ZREVRANGE', KEYS[t + i], 0, N - 1, 'WITHSCORES') end

local function members(flat)
  local ids = {}
  for i = 1, #flat, 2 do ids[#ids + 1] = flat[i] end
  return ids
end
local function scores(key, ids)
  if #ids == 0 then return {} end
  return redis.call('ZMSCORE', key, unpack(ids))
end
local pr, pq, cust, emp = members(tops[1]), members(tops[2]), members(tops[4]), members(tops[5])

local fields, seen = {}, {}
local function want(f)
  if not seen[f] then seen[f] = true; fields[#fields + 1] = f end
end
for _, id in ipairs(pr) do want('p:' .. id) end
for _, id in ipairs(pq) do want('p:' .. id) end
for _, id in ipairs(cust) do want('c:' .. id) end
for _, id in ipairs(emp) do want('e:' .. id) end
local names = {}
if #fields > 0 then
  local v = redis.call('HMGET', KEYS[t + 7], unpack(fields))
  for i = 1, #fields do
    if v[i] then names[#names + 1] = fields[i]; names[#names + 1] = v[i] end
  end
end

return cjson.encode({
  seq = seq,
  rebuilt_at = redis.call('HGET', KEYS[1], 'rebuilt_at'),
  today = redis.call('HGETALL', KEYS[2]),
  month = redis.call('HGETALL', KEYS[3]),
  totals = redis.call('HGETALL', KEYS[4]),
  days = days,
  months = months,
  tops = tops,
  pq_of_pr = scores(KEYS[t + 2], pr),
  pr_of_pq = scores(KEYS[t + 1], pq),
  empb_of_emp = scores(KEYS[t + 6], emp),
  names = names,
})
