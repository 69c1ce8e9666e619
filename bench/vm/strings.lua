-- strings.lua — peer of Bench.Strings (bench/vm/bench.mdl): N naive appends of one digit,
-- `s = s .. x` (each append copies the whole string, as the nanoflow's `+` does).
-- Usage: lua5.4 strings.lua N
local n = math.tointeger(tonumber(arg[1])) or error("usage: lua5.4 strings.lua N")
local i, s = 0, ""
while i < n do
  s = s .. tostring(i % 10)
  i = i + 1
end
print(#s .. ":" .. s:sub(-10))
