--[==[
lease-tokens: grants a node up to ARGV[2] requests of one subject's per-minute budget at once,
never more than the window has left, so the nodes together never admit more than the budget.
The counter is the same fixed window the per-token limit always kept: requests counted so far,
expiring with the window.

KEYS[1]  the subject's counter (rl:token:<kind>:<id>)
ARGV[1]  the budget per window
ARGV[2]  how many the node asks for
ARGV[3]  the window in ms

Returns {granted, ms left in the window}; granted is 0 when the budget is spent.
]==]
local budget = tonumber(ARGV[1])
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local take = math.min(tonumber(ARGV[2]), budget - used)
if take <= 0 then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then
    -- a counter without expiry (written by hand): start its window now
    redis.call('PEXPIRE', KEYS[1], ARGV[3])
    ttl = tonumber(ARGV[3])
  end
  return {0, ttl}
end
local n = redis.call('INCRBY', KEYS[1], take)
if n == take then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  ttl = tonumber(ARGV[3])
end
return {take, ttl}
