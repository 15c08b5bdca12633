--[==[
claim-push: a publisher claims the next dashboard:update of a shop, whichever process sends it.
The shop's "pushed" field is the seq of the last update sent by anyone; an update at `seq` may
go only when it is newer, and names that previous seq as its prev_seq. So with one aggregator
or many, a client's chain of updates has a gap only where it really missed one.

KEYS[1]  meta hash ({shop:N}:meta); field "pushed" = seq of the last dashboard:update sent
ARGV[1]  seq of the dashboard about to be pushed

Returns the previous pushed seq (-1 when unknown: first push since the state was lost), or -2
when an update at this seq or newer has already gone (the caller drops its push).
]==]
local seq = tonumber(ARGV[1])
local prev = tonumber(redis.call('HGET', KEYS[1], 'pushed') or '-1')
if prev >= seq then return -2 end
redis.call('HSET', KEYS[1], 'pushed', ARGV[1])
return prev
