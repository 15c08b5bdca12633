--[==[
abandon-rebuild: releases a rebuild claim that its holder could not finish (a Redis or PostgreSQL
error, a command that timed out after Redis had run it). Without this the shop waited the whole
stale-claim time (60 s) before anybody rebuilt it again; after a Redis restart every shop that the
burst of rebuilds timed out was blind for that minute. The shop keeps no "seq", so the next
catch-up rebuilds it.

KEYS[1]  meta hash ({shop:N}:meta)
ARGV[1]  token of the rebuild that gives up: only that claim is released

Returns 1 when released, 0 when the claim was not this token's (nothing changed).
]==]
if redis.call('HGET', KEYS[1], 'rebuilding') ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], 'rebuilding', 'rebuild_started')
return 1
