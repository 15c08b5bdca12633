--[==[
clear-shop-keys: one chunk of a rebuild's first write step. Unlinks some of the shop's old
aggregate keys and takes them off its key registry, while the caller still holds the rebuild.
Called in chunks (rebuild.ts) so no call holds Redis for more than a few milliseconds.

KEYS[1]  meta hash ({shop:N}:meta)
KEYS[2]  key registry set ({shop:N}:keys)
KEYS[3..] the aggregate keys to drop (members of the registry)
ARGV[1]  rebuild token: must equal meta field "rebuilding" (else another rebuild took over)

Returns 1 when done, 0 when the token did not match (nothing changed).
]==]
if redis.call('HGET', KEYS[1], 'rebuilding') ~= ARGV[1] then return 0 end
if #KEYS > 2 then
  local drop = {}
  for i = 3, #KEYS do drop[#drop + 1] = KEYS[i] end
  redis.call('UNLINK', unpack(drop))
  redis.call('SREM', KEYS[2], unpack(drop))
end
return 1
