-- module_spec.lua — specification of the Lua module `nanoflow` (docs/lua-automation.md), run by
-- tests/cli/lua_automation.sh with lua5.4: values both ways, errors, callbacks, lifetimes.
-- usage: lua5.4 module_spec.lua DIR   (a scratch directory)
local nanoflow = require "nanoflow"
local dir = assert(..., "usage: module_spec.lua DIR")
local fails, n = 0, 0
local function check(name, cond, detail)
  n = n + 1
  if cond then print("ok   " .. name) else fails = fails + 1; print("FAIL " .. name .. (detail and (": " .. tostring(detail)) or "")) end
end
local function eq(name, got, want) check(name, got == want, ("got %s, wanted %s"):format(tostring(got), tostring(want))) end

local src = dir .. "/spec.mdl"
local f = assert(io.open(src, "w"))
f:write([[
create module S;
create enumeration S.Size (Small 'Small', Large 'Large');
create persistent entity S.Item (Name: String(50), Price: Decimal, Size: Enumeration(S.Size), Due: DateTime, Qty: Integer, Big: Long);
create nanoflow S.Echo ($B: Boolean, $I: Integer, $L: Long, $D: Decimal, $T: String, $W: DateTime, $E: Enumeration(S.Size))
  returns String
begin
  return toString($B) + '|' + toString($I) + '|' + toString($L) + '|' + toString($D) + '|' + $T + '|'
    + formatDateTimeUTC($W, 'yyyy-MM-dd HH:mm') + '|' + getKey($E);
end;
create nanoflow S.Third () returns Decimal begin return 1 : 3; end;
create nanoflow S.When () returns DateTime begin return dateTimeUTC(2026, 1, 2, 3, 4, 5); end;
create nanoflow S.Size () returns Enumeration(S.Size) begin return S.Size.Large; end;
create nanoflow S.Nothing () begin log info 'nothing'; end;
create nanoflow S.Empty () returns String begin return empty; end;
create nanoflow S.Make ($Name: String, $Price: Decimal) returns S.Item
begin
  $It = create S.Item (Name = $Name, Price = $Price, Size = S.Size.Small, Qty = 3, Big = 5000000000);
  commit $It;
  return $It;
end;
create nanoflow S.All () returns List of S.Item
begin
  retrieve $L from S.Item sort by Name asc;
  return $L;
end;
create nanoflow S.Count ($L: List of S.Item) returns Integer begin $C = count($L); return $C; end;
create nanoflow S.NameOf ($It: S.Item) returns String begin return $It/Name; end;
create nanoflow S.Fails () returns String begin return substring('abc', 10); end;
create nanoflow S.Ui ($It: S.Item) returns String
begin
  show progress 'Working' blocking;
  show page S.Edit (Item = $It, Mode = 'edit') title 'Edit' close pages 2;
  validation feedback $It/Name message 'Too short';
  close pages all;
  hide progress;
  show message 'Saved' type Warning;
  log warning 'done';
  return 'ui';
end;
create nanoflow S.Guarded () returns String
begin
  try
    show message 'boom';
  catch
    return $latestErrorType;
  end try;
  return 'none';
end;
create nanoflow S.Loop () returns Integer
begin
  declare $N Integer = 0;
  while true begin set $N = $N + 1; end while;
  return $N;
end;
]])
f:close()

local app = nanoflow.load(src)
local names, nano = app:flows()
check("flows lists the flows", #names == 14 and nano["S.Echo"] == true, #names)
local rt = app:runtime { database = dir .. "/spec.db", timezone = "Europe/Amsterdam" }

-- Lua -> nanoflow by parameter type
eq("arguments by declared type", rt:call("S.Echo", { B = true, I = 42, L = 5000000000, D = "12.50", T = "hé",
  W = "2026-03-01T10:00:00Z", E = "Large" }), "true|42|5000000000|12.5|hé|2026-03-01 10:00|Large")
eq("numbers for Decimals and ms for DateTimes", rt:call("S.Echo", { D = 0.1, I = 7.0, W = 0, E = "S.Size.Small" }),
  "|7||0.1||1970-01-01 00:00|Small")
-- nanoflow -> Lua
eq("a Decimal is an exact string", rt:call("S.Third"), "0.33333333333333333333")
eq("a DateTime is ISO-8601 UTC", rt:call("S.When"), "2026-01-02T03:04:05.000Z")
eq("an Enumeration is its key", rt:call("S.Size"), "Large")
eq("no result is nil", rt:call("S.Nothing"), nil)
eq("empty is nil", rt:call("S.Empty"), nil)

-- objects and lists
local a = rt:call("S.Make", { Name = "b-item", Price = "2.50" })
rt:call("S.Make", { Name = "a-item", Price = 1 })
eq("object attributes by name", a.Name, "b-item")
eq("a Decimal attribute", a.Price, "2.5")
eq("an Enumeration attribute", a.Size, "Small")
eq("an Integer attribute", a.Qty, 3)
eq("a Long attribute", a.Big, 5000000000)
eq("an empty attribute is nil", a.Due, nil)
eq("entity", nanoflow.entity(a), "S.Item")
check("tostring names entity and id", tostring(a):match("^S%.Item %x+%-") ~= nil, tostring(a))
local ok, err = pcall(function() return a.Nope end)
check("an unknown member is an error", not ok and tostring(err):find("S.Item has no member Nope", 1, true), err)
ok, err = pcall(function() a.Name = "x" end)
check("objects are read-only", not ok and tostring(err):find("read-only", 1, true), err)
local t = nanoflow.totable(a)
eq("totable: attributes", t.attributes.Name, "b-item")
check("totable: id", type(t.id) == "string" and #t.id == 36, t.id)
eq("an object goes back to a flow", rt:call("S.NameOf", { It = a }), "b-item")
local all = rt:call("S.All")
eq("a list is a sequence", #all, 2)
eq("in the flow's order", all[1].Name .. "," .. all[2].Name, "a-item,b-item")
eq("the list's entity", nanoflow.entity(all), "S.Item")
eq("a list goes back to a flow", rt:call("S.Count", { L = all }), 2)
check("json of a list", nanoflow.json(all):find('"type": "List"', 1, true), nanoflow.json(all))

-- errors
ok, err = pcall(rt.call, rt, "S.Fails")
check("a flow error is a Lua error", not ok and type(err) == "table")
eq("with the nanoflow error type", err.type, "RuntimeError")
check("and message", err.message:find("substring", 1, true), err.message)
eq("flow", err.flow, "S.Fails")
check("line", math.type(err.line) == "integer" and err.line > 0, err.line)
check("tostring of the error", tostring(err):find("RuntimeError in S.Fails, line", 1, true), tostring(err))
ok, err = pcall(rt.call, rt, "S.Nope")
check("an unknown flow", not ok and err.type == "UsageError" and err.message == "there is no flow named S.Nope", err.message)
ok, err = pcall(rt.call, rt, "S.Echo", { Nope = 1 })
check("an unknown parameter", not ok and err.message == "S.Echo has no parameter Nope", err and err.message)
ok, err = pcall(rt.call, rt, "S.Echo", { I = "many" })
check("an argument that does not parse", not ok and err.message:find("'many' is not an Integer", 1, true), err and err.message)
ok, err = pcall(rt.call, rt, "S.Echo", { I = 1.5 })
check("a fraction for an Integer", not ok and err.message:find("not a whole number", 1, true), err and err.message)
ok, err = pcall(rt.call, rt, "S.Echo", { E = "Huge" })
check("an unknown enumeration key", not ok and err.type == "UsageError", err and err.message)
ok, err = pcall(rt.call, rt, "S.NameOf", { It = {} })
check("a table is not an object", not ok and err.message == "It: expected Object of S.Item, got a table", err and err.message)
ok, err = pcall(rt.call, rt, "S.Echo", { B = 1 })
check("a number is not a Boolean", not ok and err.message == "B: expected Boolean, got a number", err and err.message)
local limited = app:runtime { max_instructions = 10000 }
ok, err = pcall(limited.call, limited, "S.Loop")
eq("limits apply", ok == false and err.type, "LimitExceeded")
ok, err = pcall(nanoflow.load, dir .. "/missing.mdl")
check("a missing app", not ok and err.type == "LoadError", err and err.message)
ok, err = pcall(app.runtime, app, { timezone = "Mars/Base" })
check("a bad config", not ok and err.type == "ConfigError" and err.message:find("Mars/Base", 1, true), err and err.message)

-- the quarantine (filled by synchronize: see lua_automation.sh and sync_e2e.sh)
local q = rt:quarantine()
check("an empty quarantine is an empty table", type(q) == "table" and #q == 0)
ok, err = pcall(rt.resubmit, rt, 99)
check("resubmitting an unknown entry", not ok and err.status == "not found" and err.message == "no quarantine entry 99", err and err.message)
local nodb = app:runtime {}
check("in-memory runtimes have a quarantine too", #nodb:quarantine() == 0)

-- UI callbacks
local seen = {}
local ui = app:runtime {
  on_message = function(type, text, blocking) seen[#seen + 1] = ("message %s %s %s"):format(type, text, blocking) end,
  on_page = function(page, title, args, close)
    seen[#seen + 1] = ("page %s %s %s %s %s"):format(page, title, nanoflow.entity(args.Item), args.Mode, close)
  end,
  on_close_page = function(count) seen[#seen + 1] = "close " .. tostring(count) end,
  on_feedback = function(obj, member, text) seen[#seen + 1] = ("feedback %s %s %s"):format(obj.Name, member, text) end,
  on_progress = function(show, text, blocking) seen[#seen + 1] = ("progress %s %s %s"):format(show, text, blocking) end,
  on_log = function(level, node, text) seen[#seen + 1] = ("log %s %s %s"):format(level, node, text) end,
}
local item = ui:call("S.Make", { Name = "z" })
eq("the flow runs with Lua callbacks", ui:call("S.Ui", { It = item }), "ui")
eq("every UI action reached Lua", table.concat(seen, "\n"), table.concat({
  "progress true Working true",
  "page S.Edit Edit S.Item edit 2",
  "feedback z Name Too short",
  "close all",
  "progress false nil false",
  "message Warning Saved false",
  "log warning Application done",
}, "\n"))
local quiet_log = {}
local quiet = app:runtime { on_log = function(level, node, text) quiet_log[#quiet_log + 1] = level .. " " .. text end }
quiet:call("S.Ui", { It = quiet:call("S.Make", { Name = "q" }) })
check("unset callbacks: a debug line each", quiet_log[1] == "debug no host callback: show progress Working", quiet_log[1])
local failing = app:runtime { on_message = function() error("no screen") end }
warn("@off") -- the callback's error is also a Lua warning
eq("a failing Lua callback is a HostError the flow can catch", failing:call("S.Guarded"), "HostError")

-- lifetimes: values outlive a closed runtime handle but cannot be read through it
local keep = rt:call("S.Make", { Name = "kept" })
rt:close()
ok, err = pcall(function() return keep.Name end)
check("a value of a closed runtime refuses reads", not ok and tostring(err):find("closed", 1, true), err)
ok, err = pcall(rt.call, rt, "S.Third")
check("a closed runtime refuses calls", not ok and tostring(err):find("closed", 1, true), err)
keep, rt, a, all, t, item = nil, nil, nil, nil, nil, nil
collectgarbage(); collectgarbage()
do
  local scoped <close> = app:runtime {}
  eq("to-be-closed runtimes", scoped:call("S.Third"), "0.33333333333333333333")
end
print(("%d checks, %d failed"):format(n, fails))
os.exit(fails == 0 and 0 or 1)
