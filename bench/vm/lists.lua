-- lists.lua — peer of Bench.Lists (bench/vm/bench.mdl): create N objects (tables) into a list,
-- filter with a loop, table.sort by an attribute, sum an attribute with a loop.
-- Usage: lua5.4 lists.lua N
local n = math.tointeger(tonumber(arg[1])) or error("usage: lua5.4 lists.lua N")
local l = {}
local i = 0
while i < n do
  l[#l + 1] = { key = (i * 7919) % 100003, grp = i % 3, amount = i % 1000 }
  i = i + 1
end
local f = {}
for _, o in ipairs(l) do
  if o.grp ~= 0 then f[#f + 1] = o end
end
table.sort(f, function(a, b) return a.key < b.key end)
local sum = 0
for _, o in ipairs(f) do sum = sum + o.amount end
local count = #f
local first, m = f[1], f[count // 2 + 1]
print(count .. ":" .. sum .. ":" .. first.key .. ":" .. m.key .. ":" .. m.amount)
