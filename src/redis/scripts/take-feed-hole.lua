--[==[
take-feed-hole: one aggregator takes over the events a dead process applied but never sent to
the shop's feed. Called when "fed" has not moved for a while although events after it were
applied; only the caller that still sees the "fed" it observed wins, so the hole is sent once.

KEYS[1]  meta hash ({shop:N}:meta); field "fed"
KEYS[2]  the shop's feed set ({shop:N}:feed)
ARGV[1]  the "fed" the caller observed
ARGV[2]  the applied seq the caller observed (the hole ends before the next sent seq, or here)

Returns {from, to}: the seqs the caller must send (then "fed" is past them and every seq already
sent after them); {} when another process moved "fed" first.
]==]
if redis.call('HGET', KEYS[1], 'fed') ~= ARGV[1] then return {} end
local from = tonumber(ARGV[1]) + 1
local to = tonumber(ARGV[2])
local next = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ARGV[1], '+inf', 'LIMIT', 0, 1)
if next[1] then to = math.min(to, tonumber(next[1]) - 1) end
if to < from then return {} end
local fed = to
while redis.call('ZSCORE', KEYS[2], tostring(fed + 1)) do fed = fed + 1 end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', fed)
redis.call('HSET', KEYS[1], 'fed', fed)
return {from, to}
