--[==[
begin-rebuild: claims the rebuild of one shop's aggregates. While claimed, the shop has no "seq":
apply-events refuses to apply and readers fall back to SQL, so nobody sees a half-built state.

KEYS[1]  meta hash ({shop:N}:meta)
ARGV[1]  token of this rebuild
ARGV[2]  now, in ms
ARGV[3]  how long (ms) another rebuild's claim is honoured before it counts as abandoned

Returns 1 when claimed, 0 when another live rebuild holds the shop.
]==]
local holder = redis.call('HGET', KEYS[1], 'rebuilding')
if holder then
  local started = tonumber(redis.call('HGET', KEYS[1], 'rebuild_started') or '0')
  if tonumber(ARGV[2]) - started < tonumber(ARGV[3]) then return 0 end
end
redis.call('HDEL', KEYS[1], 'seq')
redis.call('HSET', KEYS[1], 'rebuilding', ARGV[1], 'rebuild_started', ARGV[2])
return 1
