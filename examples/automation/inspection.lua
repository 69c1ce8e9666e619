-- inspection.lua — Lua automation of the demo app (docs/lua-automation.md): loads the module,
-- runs nanoflows with arguments, reads results (values, objects, lists), synchronizes with a
-- server and lists the quarantine.
--
--   LUA_CPATH='build/lua/?.so;;' lua5.4 examples/automation/inspection.lua \
--       APP DEVICE.db [SERVER_URL USER PASSWORD]
--
-- APP is examples/inspection or a compiled .nfb. Without a server the sync step is skipped.
local nanoflow = require "nanoflow"

local app_path, db, server, user, password = ...
assert(app_path and db, "usage: inspection.lua APP DEVICE.db [SERVER_URL USER PASSWORD]")

local app = nanoflow.load(app_path)
local names, is_nanoflow = app:flows()
local count = 0
for _, name in ipairs(names) do
  if is_nanoflow[name] then count = count + 1 end
end
print(("loaded %s: %d flows, %d nanoflows"):format(app_path, #names, count))

-- UI actions come back as Lua calls; anything not given here is ignored.
local rt = app:runtime {
  database = db, server = server, user = user, password = password,
  timezone = "Europe/Amsterdam",
  max_instructions = 10000000,
  on_message = function(type, text) print(("[%s] %s"):format(type, text)) end,
  on_progress = function(show, text) print(show and ("progress: " .. text) or "progress: done") end,
  on_log = function(level, node, text)
    if level ~= "debug" and level ~= "trace" then print(("[log %s] %s: %s"):format(level, node, text)) end
  end,
}

-- 1. Values: arguments are converted by each parameter's declared type.
print("score:", rt:call("Inspection.PreviewScore", { Critical = 0, High = 1, Medium = 2, Low = 3 }))
print("due:", rt:call("Inspection.DueLabel", { PlannedOn = "2026-03-27T09:00", DaysAllowed = 3 }))
print("reference:", rt:call("Inspection.ReferenceFor", { SiteCode = " ams ", Sequence = 42 }))

-- 2. Errors are Lua errors carrying the nanoflow error type and message.
local ok, err = pcall(rt.call, rt, "Inspection.DueLabel", { DaysAllowed = "three" })
print("bad argument:", ok, err.type, err.message)

-- 3. Synchronize: the app's own sync nanoflow (it catches and reports failures itself).
if server then
  rt:call("Inspection.ACT_Synchronize")
  local me = rt:call("Inspection.SUB_CurrentInspector")
  print("inspector on this device:", me) -- an object prints as "Module.Entity <id>"
end

-- 4. Objects and lists: proxies read attributes by name; lists are sequences.
-- (only a signed-in inspector may register a site: offline, the flow says so and returns empty)
local site = rt:call("Inspection.SUB_Site_GetOrCreate", { Code = "ams1", Name = "Amsterdam" })
if site then print("site:", site.Code, site.Name, nanoflow.entity(site)) end
local settings = rt:call("Inspection.SUB_DeviceSettings_Get")
print("auto sync:", settings.AutoSync, "pending photos:", settings.PendingPhotoCount)
local open = rt:call("Inspection.DS_Inspections_Open")
print("open inspections:", #open)
for i, inspection in ipairs(open) do print(i, inspection.Reference, inspection.Status) end

if server then
  rt:call("Inspection.ACT_Synchronize") -- uploads the site
  for _, q in ipairs(rt:quarantine()) do
    print("quarantined:", q.qid, q.entity, q.status, q.reason)
  end
  print("quarantine entries:", #rt:quarantine())
end
rt:close()
