--[[
  Takes the lease of one unit of work (a connector with its tasks) and a new fencing epoch.
  KEYS[1] lease key   (value "<worker>|<epoch>", expires after the lease timeout)
  KEYS[2] epoch key   (INCR counter, never expires: epochs only grow)
  ARGV[1] worker id
  ARGV[2] lease timeout in ms
  ARGV[3] floor: the newest epoch known to have been used outside Redis (statuses carry it); the counter
          is raised to it first, so a Redis that lost its data never hands out an epoch already used
  Returns the new epoch, or -1 while another worker holds the lease.
  The same worker id taking its own lease again still gets a new epoch: a restarted process must fence
  its previous incarnation.
]]
local held = redis.call('GET', KEYS[1])
if held then
  local owner = string.match(held, '^(.*)|')
  if owner ~= ARGV[1] then return -1 end
end
local floor = tonumber(ARGV[3] or '0') or 0
if floor > (tonumber(redis.call('GET', KEYS[2]) or '0') or 0) then redis.call('SET', KEYS[2], floor) end
local epoch = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. epoch, 'PX', ARGV[2])
return epoch
