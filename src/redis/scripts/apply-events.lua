--[==[
apply-events: applies a batch of one shop's events to its aggregates, exactly once and in order,
and never half of an event.

KEYS[1]  meta hash of the shop ({shop:N}:meta); field "seq" = last applied event seq,
         field "stuck" = seq of an event that cannot be applied (set here, cleared by a rebuild)
KEYS[2]  key registry set ({shop:N}:keys): every aggregate key of the shop, so a rebuild can drop them all
KEYS[3..] the aggregate keys the ops below address by index
ARGV[1]  JSON array of events: [[seq, [[op, keyIndex, field, value], ...]], ...] in seq order
         op "hi" = HINCRBY, "zi" = ZINCRBY (member removed when its score falls to 0 or below),
         op "hs" = HSET (snapshots such as a loyalty account after the change),
         op "hm" = HSET only when the number is greater than the stored one (last visit)
ARGV[2]  optional: the seq of the event right after this batch, which the caller could not even
         turn into ops (a malformed payload); it is marked stuck once the batch before it applies

Each event applies only when seq == applied + 1: a duplicate (seq <= applied) is skipped, a gap
stops the batch. A shop without "seq" (never built, flushed, or being rebuilt) applies nothing.

Every increment is checked before anything is written: each running value must stay a whole
number (a finite score for "zi") within +-(2^53 - 1), the range JavaScript reads exactly and far
inside Redis's int64. The events before the first one that fails are applied; that event and
everything after it are not, and its seq is recorded in "stuck": later calls apply nothing for
the shop until a rebuild clears it. So no increment is ever written twice, and one shop's bad
event never blocks another shop.

Returns {applied_now, last_applied_seq, status, stuck_seq}: status 0 = ok, 1 = gap,
2 = shop needs a rebuild, 3 = stuck at stuck_seq (0 when not stuck).
]==]
local LIMIT = 9007199254740991
local applied = redis.call('HGET', KEYS[1], 'seq')
if not applied then return {0, -1, 2, 0} end
applied = tonumber(applied)
local stuck = redis.call('HGET', KEYS[1], 'stuck')
if stuck then return {0, applied, 3, tonumber(stuck)} end
local events = cjson.decode(ARGV[1])

local function whole(v)
  return v ~= nil and v == v and v == math.floor(v) and math.abs(v) <= LIMIT
end

-- Pass 1: which events apply, and is every running value in range? Values already read or
-- changed by an earlier op of the batch are taken from `pending`, so repeated fields add up.
local pending = {}
local take = 0 -- events of the batch, counted from the start, that will be applied
local expect = applied
local status = 0
local stuckSeq = 0
for i, ev in ipairs(events) do
  local seq = tonumber(ev[1])
  if seq > expect + 1 then
    status = 1
    break
  end
  if seq == expect + 1 then
    local ok = true
    local staged = {}
    for _, op in ipairs(ev[2]) do
      local key = KEYS[op[2]]
      local kind = op[1]
      local value = tonumber(op[4])
      if key == nil or (kind ~= 'hs' and value == nil) then
        ok = false
      elseif kind == 'hi' or kind == 'zi' then
        local slot = op[2] .. '\0' .. op[3]
        local cur = staged[slot] or pending[slot]
        if cur == nil then
          local stored
          if kind == 'hi' then stored = redis.call('HGET', key, op[3]) else stored = redis.call('ZSCORE', key, op[3]) end
          cur = tonumber(stored or '0')
        end
        local nextValue = (cur or 0) + value
        if cur == nil or not whole(value) or not whole(nextValue) then ok = false else staged[slot] = nextValue end
        if kind == 'zi' and nextValue <= 0 then staged[slot] = 0 end
      elseif kind == 'hm' then
        if value ~= value then ok = false end
      elseif kind ~= 'hs' then
        ok = false
      end
      if not ok then break end
    end
    if not ok then
      status = 3
      stuckSeq = seq
      break
    end
    for slot, v in pairs(staged) do pending[slot] = v end
    expect = seq
  end
  take = i
end
if status == 0 and ARGV[2] and tonumber(ARGV[2]) == expect + 1 then
  status = 3
  stuckSeq = tonumber(ARGV[2])
end

-- Pass 2: write the events pass 1 accepted.
local n = 0
local registered = {}
for i = 1, take do
  local ev = events[i]
  local seq = tonumber(ev[1])
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
        local cur = tonumber(redis.call('HGET', key, op[3]) or '-1') or -1
        if tonumber(op[4]) > cur then redis.call('HSET', key, op[3], op[4]) end
      end
    end
    applied = seq
    n = n + 1
  end
end
if n > 0 then redis.call('HSET', KEYS[1], 'seq', applied) end
if status == 3 then redis.call('HSET', KEYS[1], 'stuck', stuckSeq) end
return {n, applied, status, stuckSeq}
