--[[
  Writes the assignment only while the caller is still the leader of the epoch it computed it under:
  a deposed leader (paused past its lease) cannot overwrite its successor's assignment.
  KEYS[1] leader lease key (value "<worker>|<epoch>")
  KEYS[2] assignment key
  ARGV[1] "<worker>|<epoch>" of the leader
  ARGV[2] the assignment JSON
  Returns 1 when written, 0 when the caller is no longer the leader.
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
return 1
