--[[
  Gives a lease back (graceful hand-over) only while it is still the caller's.
  KEYS[1] lease key
  ARGV[1] "<worker>|<epoch>" as acquired
  Returns 1 when released, 0 when it was no longer the caller's.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
