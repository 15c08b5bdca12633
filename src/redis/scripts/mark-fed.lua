--[==[
mark-fed: records that events of a shop reached its live feed (bill:created and the other
messages of applied events), and moves the shop's "fed" watermark over every seq now covered
without a hole. Several processes send events (each the ones it applied), so seqs may be marked
out of order; a seq applied by a process that died before sending it leaves a hole at "fed"
that an aggregator's sweep fills (take-feed-hole.lua).

KEYS[1]  meta hash ({shop:N}:meta); field "fed" = every event up to it reached the feed
KEYS[2]  the shop's feed set ({shop:N}:feed): seqs sent beyond "fed", waiting for the hole before them
ARGV[1..] the seqs just sent

Returns the watermark after the call.
]==]
local fed = tonumber(redis.call('HGET', KEYS[1], 'fed') or '-1')
if fed < 0 then
  -- unknown (a new shop, or Redis lost its state): start from what is sent now
  local low = tonumber(ARGV[1])
  for i = 2, #ARGV do low = math.min(low, tonumber(ARGV[i])) end
  fed = low - 1
end
for i = 1, #ARGV do
  local seq = tonumber(ARGV[i])
  if seq > fed then redis.call('ZADD', KEYS[2], seq, ARGV[i]) end
end
while redis.call('ZSCORE', KEYS[2], tostring(fed + 1)) do fed = fed + 1 end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', fed)
redis.call('HSET', KEYS[1], 'fed', fed)
return fed
