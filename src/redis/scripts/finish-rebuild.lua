--[==[
finish-rebuild: the last step of a rebuild. Sets the applied seq the new state corresponds to and
releases the claim, atomically and in constant time: until this call the shop had no "seq", so
appliers waited and readers fell back to SQL; after it they see the new state whole.

KEYS[1]  meta hash ({shop:N}:meta)
ARGV[1]  seq the new state corresponds to
ARGV[2]  rebuild token: must equal meta field "rebuilding"
ARGV[3]  when the rebuild finished (ISO 8601): readers that read in several round trips compare it
ARGV[4]  optional: the last seq the rebuilder knows reached the live feed. When the shop has no
         "fed" (Redis lost its state) it becomes the watermark, so the events after it, which the
         rebuilder hands on next, count as a hole until they are marked sent: a rebuilder that dies
         or never hears this reply leaves them to the sweep (take-feed-hole.lua) instead of to nobody.

Returns 1 when done, 0 when the token did not match (nothing changed).
]==]
if redis.call('HGET', KEYS[1], 'rebuilding') ~= ARGV[2] then return 0 end
-- a rebuild recomputes from Postgres, so an event the shop was stuck at no longer stands in the way
-- "pushed" too: the seq may have gone back (Redis was ahead of a restored database), and clients
-- resync after a rebuild anyway, so the next update starts a new chain (prev_seq null)
redis.call('HDEL', KEYS[1], 'rebuilding', 'rebuild_started', 'stuck', 'pushed')
redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'rebuilt_at', ARGV[3])
if ARGV[4] and not redis.call('HGET', KEYS[1], 'fed') then redis.call('HSET', KEYS[1], 'fed', ARGV[4]) end
return 1
