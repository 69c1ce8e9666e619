#!/usr/bin/env bash
# CLI specification of `nanoflow test` (docs/testing.md): TAP output, exit codes, failures and
# their YAML diagnostics, --filter, --junit, --coverage, usage errors, and that check/compile
# leave tests out. Fixtures: tests/cli/test_cmd/ (app/ the app, pass.mdl and fail.mdl tests).
# usage: test_cmd.sh NANOFLOW_BINARY SOURCE_DIR
set -u
nf=$1
src=$2
. "$src/tests/cli/lib/expect.sh"
dir=$src/tests/cli/test_cmd
cd "$dir" || exit 1 # file names in the output are relative

# name, text wanted in the last command's stdout
expect_out() {
    if grep -qF -- "$2" "$tmp/out"; then pass "$1"; else fail "$1: stdout lacks '$2'"; cat "$tmp/out"; fi
}
expect_no_out() {
    if grep -qF -- "$2" "$tmp/out"; then fail "$1: stdout has '$2'"; else pass "$1"; fi
}

# ---- passing tests: the exact TAP, and coverage ---------------------------------------------
expect "passing tests: TAP, exit 0" 0 "TAP version 14
1..10
ok 1 - Shop.Test_PlaceOrder
ok 2 - Shop.Test_NothingToOrder
ok 3 - Shop.Test_SyncUploads
ok 4 - Shop.Test_SyncOfflineThenOnline
ok 5 - Shop.Test_FailNextRequestIsCaught
ok 6 - Shop.Test_MockedDiscount
ok 7 - Shop.Test_ServerDiscount
ok 8 - Shop.Test_DiscountServiceDown
ok 9 - Shop.Test_Scan
ok 10 - Shop.Test_Classify
10 passed, 0 failed" "$nf" test app pass.mdl

expect "--coverage: branches and handlers per nanoflow" 0 "TAP version 14
1..10
ok 1 - Shop.Test_PlaceOrder
ok 2 - Shop.Test_NothingToOrder
ok 3 - Shop.Test_SyncUploads
ok 4 - Shop.Test_SyncOfflineThenOnline
ok 5 - Shop.Test_FailNextRequestIsCaught
ok 6 - Shop.Test_MockedDiscount
ok 7 - Shop.Test_ServerDiscount
ok 8 - Shop.Test_DiscountServiceDown
ok 9 - Shop.Test_Scan
ok 10 - Shop.Test_Classify
# coverage: decision branches and error handlers run, per nanoflow
#   Shop.Place: 2/2 branches, 0/0 handlers
#   Shop.Sync: 1/2 branches, 1/1 handlers
#     missed: line 50: else branch
#   Shop.Discount: 0/0 branches, 1/1 handlers
#   Shop.Scan: 0/0 branches, 0/0 handlers
#   Shop.Classify: 2/3 branches, 0/0 handlers
#     missed: line 76: elsif branch
# coverage total: 5/5 nanoflows run, 5/7 branches (71.4%), 2/2 handlers (100.0%)
10 passed, 0 failed" "$nf" test --coverage app pass.mdl

expect "--coverage of one test: what it did not reach" 0 "TAP version 14
1..1
ok 1 - Shop.Test_NothingToOrder
# coverage: decision branches and error handlers run, per nanoflow
#   Shop.Place: 1/2 branches, 0/0 handlers
#     missed: line 31: if without else: no condition held
#   Shop.Sync: 0/2 branches, 0/1 handlers (never run)
#   Shop.Discount: 0/0 branches, 0/1 handlers (never run)
#   Shop.Scan: 0/0 branches, 0/0 handlers (never run)
#   Shop.Classify: 0/3 branches, 0/0 handlers (never run)
# coverage total: 1/5 nanoflows run, 1/7 branches (14.3%), 0/2 handlers (0.0%)
1 passed, 0 failed" "$nf" test app pass.mdl --coverage --filter NothingToOrder

# ---- --filter: substring, or glob with * ? [ ---------------------------------------------------
expect "--filter substring" 0 "TAP version 14
1..2
ok 1 - Shop.Test_SyncUploads
ok 2 - Shop.Test_SyncOfflineThenOnline
2 passed, 0 failed" "$nf" test app pass.mdl --filter Sync
expect "--filter glob" 0 "TAP version 14
1..2
ok 1 - Shop.Test_MockedDiscount
ok 2 - Shop.Test_ServerDiscount
2 passed, 0 failed" "$nf" test app pass.mdl --filter='Shop.Test_*Discount'
expect "--filter that matches nothing exits 1" 1 "" "$nf" test app pass.mdl --filter Nope
expect_err "--filter that matches nothing says so" "no test matches the filter"

# ---- failing tests ------------------------------------------------------------------------------
"$nf" test app fail.mdl --max-instructions 100000 >"$tmp/out" 2>"$tmp/err"
status=$?
if [ "$status" = 1 ]; then pass "failing tests exit 1"; else fail "failing tests exit $status, wanted 1"; fi
expect_out "a failed assert: not ok with its name" "not ok 1 - Shop.Test_AssertFails"
expect_out "a failed assert: YAML block" "  ---
  message: 'the total is 3'
  severity: fail
  kind: assertion
  expression: '\$Order/Total = 3'
  flow: Shop.Test_AssertFails
  file: 'fail.mdl'
  line: 6
  ..."
expect_no_out "the first failed assert stops the test" "never reached"
expect_out "an expected message that was not shown" \
    "message: 'expected message ''Synchronized'' of type Information to be shown'"
expect_out "  …lists the messages that were shown" \
    "shown: 'Warning ''Offline: your orders are saved on this device'''"
expect_out "  …at the line of the expect statement" "  line: 12"
expect_out "an uncaught error (a mocked microflow raising without a handler)" \
    "message: 'uncaught RuntimeError: no prices today'"
expect_out "  …with its type" "error_type: RuntimeError"
expect_out "  …and the server's log (its login request)" "  server_log: |
    POST /nf/v1/login 200"
expect_out "an assert inside try … catch still fails the test" \
    "not ok 4 - Shop.Test_AssertInsideCatch"
expect_out "  …with its own message" \
    "message: 'a failed assert is not an error a handler can catch'"
expect_out "an unmocked custom action is a HostError" \
    "message: 'uncaught HostError: action Shop.JS_Scan failed (not found)'"
expect_out "  …located in the flow that called it" "  flow: Shop.Scan
  file: 'app/shop.mdl'
  line: 67"
expect_out "an endless loop runs out of its instruction budget" \
    "uncaught LimitExceeded: the flow ran past its instruction budget (100000)"
expect_out "an expected message shown only before the expect statement" \
    "expected message ''Nothing to order'' of type Warning to be shown after the expect statement (it was shown before it)"
expect_out "an expected page that was not shown, with the pages that were" \
    "message: 'expected page Shop.Order_List to be shown'
  severity: fail
  kind: expectation
  flow: Shop.Test_PageNotShown
  file: 'fail.mdl'
  line: 54
  shown: 'page ''Shop.Order_Edit'''"
expect_out "the closing line counts" "0 passed, 8 failed"
if [ "$(tail -n 1 "$tmp/out")" = "0 passed, 8 failed" ]; then pass "the count is the last line"; else fail "the count is not the last line"; fi

expect "one failure among passes" 1 "TAP version 14
1..2
ok 1 - Shop.Test_PlaceOrder
not ok 2 - Shop.Test_AssertFails
  ---
  message: 'the total is 3'
  severity: fail
  kind: assertion
  expression: '\$Order/Total = 3'
  flow: Shop.Test_AssertFails
  file: 'fail.mdl'
  line: 6
  ...
1 passed, 1 failed" "$nf" test app pass.mdl fail.mdl --filter 'Shop.Test_[PA][ls]*[rs]'

# ---- JUnit XML -------------------------------------------------------------------------------------
"$nf" test app pass.mdl fail.mdl --filter 'Shop.Test_[AP][sl]*' --junit "$tmp/junit.xml" >"$tmp/out" 2>"$tmp/err"
status=$?
if [ "$status" = 1 ]; then pass "--junit: exit 1 with a failure"; else fail "--junit: exit $status"; fi
j=$tmp/junit.xml
if [ -s "$j" ]; then pass "--junit writes the file"; else fail "--junit wrote nothing"; fi
grep -q '<testsuite name="nanoflow" tests="3" failures="2"' "$j" && pass "junit: counts" ||
    { fail "junit: counts"; cat "$j"; }
grep -q '<testcase classname="Shop" name="Test_PlaceOrder" file="pass.mdl" line="3" time="[0-9.]*"/>' "$j" &&
    pass "junit: a passed testcase" || { fail "junit: a passed testcase"; cat "$j"; }
grep -q '<failure message="the total is 3" type="assertion">fail.mdl:6: the total is 3' "$j" &&
    pass "junit: a failure with file and line" || { fail "junit: a failure"; cat "$j"; }
grep -q 'message="a failed assert is not an error a handler can catch"' "$j" &&
    pass "junit: every failure" || { fail "junit: every failure"; cat "$j"; }
if command -v python3 >/dev/null; then
    python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$j" &&
        pass "junit: well-formed XML" || fail "junit: not well-formed"
fi
expect "--junit to an unwritable place fails the run" 1 "TAP version 14
1..1
ok 1 - Shop.Test_Classify
0 passed, 1 failed" "$nf" test app pass.mdl --filter Classify --junit /nonexistent/dir/j.xml
expect_err "  …and says why" "cannot write /nonexistent/dir/j.xml"

# ---- demo users -------------------------------------------------------------------------------------
cat >"$tmp/who.mdl" <<'MDL'
create test Shop.Test_SignedIn
begin
  $Ok = call nanoflow Shop.Sync();
  assert $Ok;
end;
MDL
expect "--user picks another demo user" 0 "TAP version 14
1..1
ok 1 - Shop.Test_SignedIn
1 passed, 0 failed" "$nf" test app "$tmp/who.mdl" --user bob
expect "--user of nobody is a user error" 1 "" "$nf" test app "$tmp/who.mdl" --user carol
expect_err "  …naming the user" "no demo user named 'carol'"

# ---- compile errors, usage ---------------------------------------------------------------------------
printf 'create test Shop.Test_Bad\nbegin\n  assert $Nope = 1;\nend;\n' >"$tmp/bad.mdl"
expect "a test that does not check exits 1" 1 "" "$nf" test app "$tmp/bad.mdl"
expect_err "  …with the diagnostic" "bad.mdl:3:10: error: unknown variable"
expect "sources without tests exit 1" 1 "" "$nf" test app
expect_err "  …and say so" "declare no test"
expect "no files is a usage error" 2 "" "$nf" test
expect "an unknown option is a usage error" 2 "" "$nf" test --frobnicate app
expect "--max-instructions takes a number" 2 "" "$nf" test app pass.mdl --max-instructions lots
expect "--junit needs a file" 2 "" "$nf" test app pass.mdl --junit
"$nf" compile app -o "$tmp/x.nfb" >/dev/null 2>&1
expect "a compiled module is a usage error (it has no tests)" 2 "" "$nf" test "$tmp/x.nfb"
expect_err "  …saying so" "tests run from .mdl sources"
"$nf" test --help >"$tmp/out" 2>&1 && grep -q "docs/testing.md" "$tmp/out" && pass "--help" || fail "--help"

# ---- tests stay out of the app ---------------------------------------------------------------------
expect "check ignores create test (their bodies are not checked)" 0 "" "$nf" check app "$tmp/bad.mdl"
"$nf" compile app pass.mdl -o "$tmp/app.nfb" >/dev/null 2>&1
"$nf" compile app -o "$tmp/app-only.nfb" >/dev/null 2>&1
if cmp -s "$tmp/app.nfb" "$tmp/app-only.nfb"; then
    pass "compile leaves tests out: the same module as without them"
else
    fail "compile with tests differs from the app alone"
fi
"$nf" disasm "$tmp/app.nfb" >"$tmp/out" 2>&1
expect_no_out "no test flow in the compiled module" "Test_PlaceOrder"
expect_no_out "no NanoflowTest action in the compiled module" "NanoflowTest"

# ---- an app without an offline profile: what nanoflows use is offline, downloaded in full ----
cat >"$tmp/noprofile.mdl" <<'MDL'
create module N;
create persistent entity N.Note (Text: String(50));
create module role N.User;
create user role User (N.User);
grant N.User on N.Note (create, delete, read *, write *);
create demo user 'nina' password 'Nina-Pass-1' (User);
create nanoflow N.Write ($Text: String)
begin
  $Note = create N.Note (Text = $Text);
  commit $Note;
  synchronize all;
end;
create test N.Test_SyncWithoutProfile
begin
  call nanoflow N.Write(Text = 'hello');
  retrieve $Notes from N.Note;
  $Count = count $Notes;
  assert $Count = 1 message 'the note is still there after the download';
  $First = head($Notes);
  assert isSynced($First) message 'the note was uploaded';
end;
MDL
expect "an app without an offline profile synchronizes" 0 "TAP version 14
1..1
ok 1 - N.Test_SyncWithoutProfile
1 passed, 0 failed" "$nf" test "$tmp/noprofile.mdl"

# ---- a mocked Lua action: the mock answers, an unmocked one runs its Lua ----
cat >"$tmp/lua.mdl" <<'MDL'
create module G;
create lua action G.Distance (Km: Decimal) returns Decimal
$$
  return Km * 1000
$$;
create nanoflow G.Meters ($Km: Decimal) returns Decimal
begin
  $M = call lua action G.Distance(Km = $Km);
  return $M;
end;
create test G.Test_Real
begin
  $M = call nanoflow G.Meters(Km = 2);
  assert $M = 2000 message 'the Lua body ran';
end;
create test G.Test_Mocked
begin
  mock lua action G.Distance returns 7;
  $M = call nanoflow G.Meters(Km = 2);
  assert $M = 7 message 'the mock answered';
end;
MDL
expect "mock lua action replaces a real Lua action; others run it" 0 "TAP version 14
1..2
ok 1 - G.Test_Real
ok 2 - G.Test_Mocked
2 passed, 0 failed" "$nf" test "$tmp/lua.mdl"

finish
