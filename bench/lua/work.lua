-- work.lua — peer of Bench.Work (bench/lua/bench.mdl): the Lua action's body as a plain Lua 5.4
-- function, called N times from a loop. Usage: lua5.4 work.lua N
local n = math.tointeger(tonumber(arg[1])) or error("usage: lua5.4 work.lua N")
local function work(X)
  local s = 0
  for i = 1, 50 do
    s = s + (X * i + s) % 7
  end
  return s
end
local i, sum = 0, 0
while i < n do
  sum = sum + work(i)
  i = i + 1
end
print(sum)
