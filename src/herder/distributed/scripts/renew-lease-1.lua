--[[
  Extends a lease only while it is still the caller's, with the caller's epoch.
  KEYS[1] lease key
  ARGV[1] "<worker>|<epoch>" as acquired
  ARGV[2] lease timeout in ms
  Returns 1 when renewed, 0 when the lease expired or belongs to a newer epoch (the caller must stop).
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
