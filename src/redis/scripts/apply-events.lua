--[==[
apply-events: applies a batch of one shop's events to its aggregates, exactly once and in order.

KEYS[1]  meta hash of the shop ({shop:N}:meta); field "seq" = last applied event seq
KEYS[2]  key registry set ({shop:N}:keys): every aggregate key of the shop, so a rebuild can drop them all
KEYS[3..] the aggregate keys the ops below address by index
ARGV[1]  JSON array of events: [[seq, [[op, keyIndex, field, value], ...]], ...] in seq order
         op "hi" = HINCRBY, "zi" = ZINCRBY (member removed when its score falls to 0 or below),
         op "hs" = HSET (snapshots such as a loyalty account after the change),
         op "hm" = HSET only when the number is greater than the stored one (last visit)

Each event applies only when seq == applied + 1: a duplicate (seq <= applied) is skipped, a gap
stops the batch. A shop without "seq" (never built, flushed, or being rebuilt) applies nothing.

Returns {applied_now, last_applied_seq, status}: status 0 = ok, 1 = gap, 2 = shop needs a rebuild.
]==]
local applied = redis.call('HGET', KEYS[1], 'seq')
if not applied then return {0, -1, 2} end
applied = tonumber(applied)
local events = cjson.decode(ARGV[1])
local n = 0
local registered = {}
for _, ev in ipairs(events) do
  local seq = tonumber(ev[1])
  if seq > applied + 1 then
    return {n, applied, 1}
  end
  if seq == applied + 1 then
    for _, op in ipairs(ev[2]) do
      local idx = op[2]
      local key = KEYS[idx]
      if not registered[idx] then
        redis.call('SADD', KEYS[2], key)
        registered[idx] = true
      end
      local kind = op[1]
      if kind == 'hi' then
        redis.call('HINCRBY', key, op[3], op[4])
      elseif kind == 'zi' then
        local score = tonumber(redis.call('ZINCRBY', key, op[4], op[3]))
        if score <= 0 then redis.call('ZREM', key, op[3]) end
      elseif kind == 'hs' then
        redis.call('HSET', key, op[3], op[4])
      elseif kind == 'hm' then
        local cur = tonumber(redis.call('HGET', key, op[3]) or '-1')
        if tonumber(op[4]) > cur then redis.call('HSET', key, op[3], op[4]) end
      end
    end
    applied = seq
    n = n + 1
  end
end
redis.call('HSET', KEYS[1], 'seq', applied)
return {n, applied, 0}
