--[==[
write-shop-keys: one chunk of a rebuild's second write step. Writes some of the freshly computed
aggregate buckets (or part of one) and registers their keys, while the caller still holds the
rebuild. Readers do not look at them yet: the shop has no "seq" until finish-rebuild.lua.

KEYS[1]  meta hash ({shop:N}:meta)
KEYS[2]  key registry set ({shop:N}:keys)
KEYS[3..] the aggregate keys written
ARGV[1]  rebuild token: must equal meta field "rebuilding"
ARGV[2]  JSON array of [keyIndex, "h"|"z", flat list: field, value, field, value, ...]

Returns 1 when written, 0 when the token did not match (nothing changed).
]==]
if redis.call('HGET', KEYS[1], 'rebuilding') ~= ARGV[1] then return 0 end
for _, part in ipairs(cjson.decode(ARGV[2])) do
  local key = KEYS[part[1]]
  redis.call('SADD', KEYS[2], key)
  local flat = part[3]
  if part[2] == 'h' then
    redis.call('HSET', key, unpack(flat))
  else
    -- ZADD takes score before member
    local args = {}
    for i = 1, #flat, 2 do
      args[#args + 1] = flat[i + 1]
      args[#args + 1] = flat[i]
    end
    redis.call('ZADD', key, unpack(args))
  end
end
return 1
