--[==[
replace-shop: the last step of a rebuild. Drops every aggregate key of one shop and writes the
freshly computed ones, then sets the applied seq, all atomically: readers see the old state or
the new one, never a mix.

KEYS[1]  meta hash ({shop:N}:meta)
KEYS[2]  key registry set ({shop:N}:keys)
ARGV[1]  seq the new state corresponds to
ARGV[2]  JSON object {key: {"h": {field: value}} | {"z": {member: score}}}
ARGV[3]  rebuild token: must equal meta field "rebuilding" (else another rebuild took over)

Returns 1 when written, 0 when the token did not match (nothing changed).
]==]
if redis.call('HGET', KEYS[1], 'rebuilding') ~= ARGV[3] then return 0 end
local old = redis.call('SMEMBERS', KEYS[2])
for i = 1, #old, 500 do
  redis.call('DEL', unpack(old, i, math.min(i + 499, #old)))
end
redis.call('DEL', KEYS[2])
local data = cjson.decode(ARGV[2])
for key, v in pairs(data) do
  redis.call('SADD', KEYS[2], key)
  if v.h then
    for field, value in pairs(v.h) do redis.call('HSET', key, field, value) end
  elseif v.z then
    for member, score in pairs(v.z) do redis.call('ZADD', key, score, member) end
  end
end
-- a rebuild recomputes from Postgres, so an event the shop was stuck at no longer stands in the way
redis.call('HDEL', KEYS[1], 'rebuilding', 'stuck')
redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'rebuilt_at', ARGV[4] or '')
return 1
