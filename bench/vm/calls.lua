-- calls.lua — peer of Bench.Fib (bench/vm/bench.mdl): the naive recursive Fibonacci number.
-- Usage: lua5.4 calls.lua N
local n = math.tointeger(tonumber(arg[1])) or error("usage: lua5.4 calls.lua N")
local function fib(k)
  if k < 2 then
    return k
  end
  local a = fib(k - 1)
  local b = fib(k - 2)
  return a + b
end
print(fib(n))
