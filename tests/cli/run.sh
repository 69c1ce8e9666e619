#!/usr/bin/env bash
# CLI specification of `nanoflow run` and `nanoflow eval` (DESIGN §9): text and JSON output,
# argument parsing by parameter type, uncaught flow errors, limits, exit codes.
# usage: run.sh NANOFLOW_BINARY SOURCE_DIR
set -u
nf=$1
. "$(dirname "$0")/lib/expect.sh"

cat >"$tmp/app.mdl" <<'MDL'
create module M;
create enumeration M.Size (S 'Small', L 'Large');
create nanoflow M.Total ($Price: Decimal, $Count: Integer, $Size: Enumeration(M.Size)) returns Decimal
begin
  if $Size = M.Size.L then
    return $Price * $Count * 2;
  end if;
  return $Price * $Count;
end;
create nanoflow M.Later ($When: DateTime, $Days: Long) returns DateTime
begin
  return addDays($When, $Days);
end;
create nanoflow M.Nothing ($Flag: Boolean)
begin
  log info 'flag ' + toString($Flag);
end;
create nanoflow M.Broken ($Text: String) returns String
begin
  return substring($Text, 50);
end;
create nanoflow M.Loop () returns Integer
begin
  declare $N Integer = 0;
  while true
  begin
    set $N = $N + 1;
  end while;
  return $N;
end;
create nanoflow M.Echo ($Text: String) returns String
begin
  return $Text;
end;
create nanoflow M.Say ($Text: String)
begin
  show message $Text type Warning;
end;
MDL

expect "run prints the result" 0 "5.5" \
    "$nf" run "$tmp/app.mdl" M.Total --arg Price=1.10 --arg Count=5 --arg Size=S
expect "enumeration arguments by qualified key" 0 "11" \
    "$nf" run "$tmp/app.mdl" M.Total --arg Price=1.10 --arg Count=5 --arg Size=M.Size.L
expect "--json prints type and value" 0 '{"type": "Decimal", "value": "5.5"}' \
    "$nf" run "$tmp/app.mdl" M.Total --arg Price=1.10 --arg Count=5 --arg Size=S --json
expect "DateTime arguments are ISO-8601; results print in the time zone" 0 \
    "Sat Jan 03 10:00:00 CET 2026" \
    "$nf" run "$tmp/app.mdl" M.Later --arg When=2026-01-01T10:00 --arg Days=2 --timezone Europe/Amsterdam
expect "DateTime JSON is UTC with milliseconds" 0 \
    '{"type": "DateTime", "value": "2026-01-03T09:00:00.000Z"}' \
    "$nf" run "$tmp/app.mdl" M.Later --arg When=2026-01-01T10:00 --arg Days=2 --timezone Europe/Amsterdam --json
expect "flows without a result are Nothing in JSON" 0 '{"type": "Nothing", "value": null}' \
    "$nf" run "$tmp/app.mdl" M.Nothing --arg Flag=true --json
expect "a flow without a result prints nothing" 0 "" "$nf" run "$tmp/app.mdl" M.Nothing --arg Flag=false
expect "an empty result prints empty" 0 "empty" "$nf" run "$tmp/app.mdl" M.Echo
expect "and is null in JSON" 0 '{"type": "String", "value": null}' "$nf" run "$tmp/app.mdl" M.Echo --json
expect "arithmetic with an empty argument is an error" 1 "" \
    "$nf" run "$tmp/app.mdl" M.Total --arg Price=empty --arg Count=1 --arg Size=S
expect_err "that says so" "* with an empty operand"
"$nf" compile "$tmp/app.mdl" -o "$tmp/app.nfb" 2>/dev/null
expect "a compiled module runs the same" 0 "5.5" \
    "$nf" run "$tmp/app.nfb" M.Total --arg Price=1.10 --arg Count=5 --arg Size=S

expect "an uncaught flow error exits 1" 1 "" "$nf" run "$tmp/app.mdl" M.Broken --arg Text=short
expect_err "it prints type, flow, line and message" \
    "RuntimeError in M.Broken, line 20: substring: start position 50"
expect "the instruction budget ends a runaway flow" 1 "" \
    "$nf" run "$tmp/app.mdl" M.Loop --max-instructions 100000
expect_err "with LimitExceeded" "LimitExceeded in M.Loop"
expect "messages go to stderr" 0 "" "$nf" run "$tmp/app.mdl" M.Say --arg Text=careful
expect_err "as readable lines" "[message warning] careful"

expect "an unknown flow is a usage error" 2 "" "$nf" run "$tmp/app.mdl" M.Nope
expect_err "that names it" "there is no flow named M.Nope"
expect "an unknown parameter is a usage error" 2 "" "$nf" run "$tmp/app.mdl" M.Total --arg Nope=1
expect "an argument of the wrong type is a usage error" 2 "" \
    "$nf" run "$tmp/app.mdl" M.Total --arg Count=many
expect_err "that says why" "Count: 'many' is not an Integer"
expect "an unknown enumeration key is a usage error" 2 "" "$nf" run "$tmp/app.mdl" M.Total --arg Size=XL
expect "an unknown time zone is a usage error" 2 "" \
    "$nf" run "$tmp/app.mdl" M.Total --timezone Mars/Base
expect "a malformed --arg is a usage error" 2 "" "$nf" run "$tmp/app.mdl" M.Total --arg Count
expect "a bad --max-instructions is a usage error" 2 "" \
    "$nf" run "$tmp/app.mdl" M.Loop --max-instructions lots
expect "no flow is a usage error" 2 "" "$nf" run "$tmp/app.mdl"
expect "a missing APP is a usage error" 2 "" "$nf" run "$tmp/missing.nfb" M.Total
expect_err "that names it" "cannot read $tmp/missing.nfb"
head -c 64 /dev/urandom >"$tmp/junk.nfb"
expect "a damaged module exits 1" 1 "" "$nf" run "$tmp/junk.nfb" M.Total
expect_err "with the loader's message" "not a nanoflow module"
expect "a parameter given twice is a usage error" 2 "" \
    "$nf" run "$tmp/app.mdl" M.Total --arg Count=1 --arg Count=2
expect_err "that says so" "Count is given twice"
expect "a String argument that is not UTF-8 is a usage error" 2 "" \
    "$nf" run "$tmp/app.mdl" M.Echo --arg Text=$'a\xffb'
expect_err "that says so" "not valid UTF-8"

expect "eval: nanoflow division" 0 "0.42857142857142857143" "$nf" eval '3 : 7'
expect "eval: microflow division" 0 "0.4285714285714285714285714285714286" \
    "$nf" eval --microflow '3 : 7'
expect "eval --json" 0 '{"type": "Integer", "value": 42}' "$nf" eval --json '6 * 7'
expect "eval: strings count UTF-16 units" 0 "3" "$nf" eval "length('a😀')"
expect "eval: a DateTime in a time zone" 0 "Mon Jan 01 00:00:00 CET 2007" \
    "$nf" eval --timezone Europe/Amsterdam 'dateTime(2007, 1, 1)'
expect "eval: empty" 0 "empty" "$nf" eval 'empty'
expect "eval: a negative literal is not an option" 0 "-4" "$nf" eval '-2 * 2'
expect "eval: a compile error exits 1" 1 "" "$nf" eval "1 + 'a' * 2"
expect_err "with a caret under the expression" "^^^^^^^"
expect "eval: a runtime error exits 1" 1 "" "$nf" eval "parseInteger('x')"
expect_err "with its type" "RuntimeError"
expect "eval: an expression cannot close its flow" 1 "" \
    "$nf" eval '1); end; create nanoflow Eval.Other () begin return (2'
expect_err "it is refused" "cannot close the flow"
expect "eval: no expression is a usage error" 2 "" "$nf" eval

# ---- object parameters by id, from the local database ----
cat >"$tmp/objects.mdl" <<'MDL'
create module O;
create persistent entity O.Box (Label: String(20));
create persistent entity O.Tag (Name: String(20));
create nanoflow O.NewBox ($Label: String) returns O.Box
begin
  $B = create O.Box (Label = $Label);
  commit $B;
  return $B;
end;
create nanoflow O.NewTag () returns O.Tag
begin
  $T = create O.Tag (Name = 'red');
  commit $T;
  return $T;
end;
create nanoflow O.Relabel ($Box: O.Box, $Label: String) returns String
begin
  declare $Old String = $Box/Label;
  change $Box (Label = $Label);
  commit $Box;
  return $Old + ' -> ' + $Box/Label;
end;
create nanoflow O.Count ($Boxes: List of O.Box) returns Integer
begin
  $N = count $Boxes;
  return $N;
end;
MDL
"$nf" run "$tmp/objects.mdl" O.NewBox --arg Label=first --db "$tmp/objects.db" >/dev/null
crate=$(sqlite3 "$tmp/objects.db" 'SELECT _id FROM "O.Box"')
expect "an object parameter by id" 0 "first -> second" \
    "$nf" run "$tmp/objects.mdl" O.Relabel --arg Box="$crate" --arg Label=second --db "$tmp/objects.db"
expect "the change was committed" 0 "second -> third" \
    "$nf" run "$tmp/objects.mdl" O.Relabel --arg Box="$crate" --arg Label=third --db "$tmp/objects.db"
expect "an id of no object" 2 "" \
    "$nf" run "$tmp/objects.mdl" O.Relabel --arg Box=01a2100a-3f31-7f2c-802e-000000000000 --arg Label=x --db "$tmp/objects.db"
expect_err "says there is none" "there is no O.Box with id 01a2100a-3f31-7f2c-802e-000000000000"
"$nf" run "$tmp/objects.mdl" O.NewTag --db "$tmp/objects.db" >/dev/null
tag=$(sqlite3 "$tmp/objects.db" 'SELECT _id FROM "O.Tag"')
expect "the id of an object of another entity" 2 "" \
    "$nf" run "$tmp/objects.mdl" O.Relabel --arg Box="$tag" --arg Label=x --db "$tmp/objects.db"
expect_err "is not a Box" "there is no O.Box with id $tag"
expect "text that is not an id" 2 "" \
    "$nf" run "$tmp/objects.mdl" O.Relabel --arg Box="x' OR 1=1" --arg Label=x --db "$tmp/objects.db"
expect_err "says so" "is not an object id (a UUID)"
expect "a list cannot be text" 2 "" "$nf" run "$tmp/objects.mdl" O.Count --arg Boxes="$crate"
expect_err "says so" "Boxes: a List cannot be given as text"

finish
