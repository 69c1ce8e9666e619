-- decimal.lua — peer of Bench.Decimal (bench/vm/bench.mdl): N order lines, price × quantity ×
-- rate rounded to cents (half away from zero), summed — exact, in integers: price in cents,
-- rate in hundredths, the product in 1/10000 units. Prints the total as the nanoflow's
-- toString of a Decimal does (no trailing zeros). Usage: lua5.4 decimal.lua N
local n = math.tointeger(tonumber(arg[1])) or error("usage: lua5.4 decimal.lua N")
local i, total = 0, 0 -- total in cents
while i < n do
  local v = (199 + i % 100) * (i % 7 + 1) * (100 + (i % 5) * 5) -- 1/10000 units, >= 0
  total = total + (v + 50) // 100
  i = i + 1
end
local s = string.format("%d.%02d", total // 100, total % 100):gsub("%.?0+$", "")
print(s)
