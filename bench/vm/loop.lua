-- loop.lua — peer of Bench.Loop (bench/vm/bench.mdl): N iterations of a while loop with
-- mod and add. Usage: lua5.4 loop.lua N
local n = math.tointeger(tonumber(arg[1])) or error("usage: lua5.4 loop.lua N")
local i, sum = 0, 0
while i < n do
  sum = sum + i % 7
  i = i + 1
end
print(sum)
