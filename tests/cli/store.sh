#!/usr/bin/env bash
# CLI specification of the local database (`nanoflow run --db`, DESIGN §6, §9): state kept
# across runs, bad files refused with exit 1 and left alone, and durability: a process killed
# with SIGKILL at random moments while committing in a loop, 100 times, leaves an intact file
# that holds every commit it acknowledged.
# usage: store.sh NANOFLOW_BINARY SOURCE_DIR [KILLS]
set -u
nf=$1
kills=${3:-100}
. "$(dirname "$0")/lib/expect.sh"

cat >"$tmp/app.mdl" <<'EOF'
create module Kill;
create persistent entity Kill.Row (N: Integer, Text: String(100));
create nanoflow Kill.Add ($N: Integer) returns Integer
begin
  $R = create Kill.Row (N = $N, Text = 'row ' + toString($N));
  commit $R;
  retrieve $All from Kill.Row;
  $C = count($All);
  return $C;
end;
/** Commits one row at a time, forever, and acknowledges each commit after it returned. */
create nanoflow Kill.Loop ($Start: Integer)
begin
  declare $I Integer = $Start;
  while true
  begin
    $R = create Kill.Row (N = $I, Text = 'row ' + toString($I));
    commit $R;
    log info 'ack ' + toString($I);
    set $I = $I + 1;
  end while;
end;
/** The numbers stored, as text: "n1,n2,…" in order. */
create nanoflow Kill.Numbers () returns String
begin
  retrieve $All from Kill.Row sort by N asc;
  declare $S String = '';
  loop $R in $All
  begin
    set $S = $S + toString($R/N) + ',';
  end loop;
  return $S;
end;
EOF
"$nf" compile "$tmp/app.mdl" -o "$tmp/app.nfb" >/dev/null 2>&1 || { echo "cannot compile"; exit 1; }
app=$tmp/app.nfb

# ---- state across runs ----
expect "a commit is kept in the file" 0 "1" "$nf" run "$app" Kill.Add --arg N=1 --db "$tmp/a.db"
expect "the next run sees it" 0 "2" "$nf" run "$app" Kill.Add --arg N=2 --db "$tmp/a.db"
expect "without --db each run starts empty" 0 "1" "$nf" run "$app" Kill.Add --arg N=3
expect "--db needs a path" 2 "" "$nf" run "$app" Kill.Add --arg N=3 --db
expect_err "--db needs a path: says so" "--db needs the path"

# ---- bad files: exit 1, a clear message, the file untouched ----
printf 'my shopping list\n' >"$tmp/list.txt"
expect "a text file is refused" 1 "" "$nf" run "$app" Kill.Add --arg N=1 --db "$tmp/list.txt"
expect_err "a text file: says why" "is not a SQLite database"
if [ "$(cat "$tmp/list.txt")" = "my shopping list" ]; then pass "a text file is left alone"; else fail "a text file was changed"; fi
expect "a missing directory is refused" 1 "" "$nf" run "$app" Kill.Add --arg N=1 --db "$tmp/no/such/dir.db"
expect_err "a missing directory: says why" "cannot be opened"

# ---- SIGKILL while committing ----
# Each round resumes the loop where the file left off, kills it after a random moment, and
# checks the file: integrity_check ok, every acknowledged number present, no number twice.
db=$tmp/kill.db
"$nf" run "$app" Kill.Add --arg N=0 --db "$db" >/dev/null
RANDOM=4242
acked=0
bad=0
for round in $(seq 1 "$kills"); do
    next=$(sqlite3 "$db" 'SELECT coalesce(max(N), 0) + 1 FROM "Kill.Row"' 2>&1) || { bad=1; echo "round $round: $next"; break; }
    "$nf" run "$app" Kill.Loop --arg Start="$next" --db "$db" 2>"$tmp/acks" &
    pid=$!
    sleep "0.0$((RANDOM % 9 + 1))$((RANDOM % 10))"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    last=$(grep -o 'ack [0-9]*' "$tmp/acks" | tail -1 | cut -d' ' -f2)
    [ -n "$last" ] && acked=$((acked + 1))
    check=$(sqlite3 "$db" 'PRAGMA integrity_check' 2>&1)
    if [ "$check" != "ok" ]; then bad=1; echo "round $round: integrity_check: $check"; break; fi
    if [ -n "$last" ]; then
        have=$(sqlite3 "$db" "SELECT count(*) FROM \"Kill.Row\" WHERE N = $last")
        if [ "$have" != "1" ]; then bad=1; echo "round $round: acknowledged $last is missing"; break; fi
    fi
done
dups=$(sqlite3 "$db" 'SELECT count(*) FROM (SELECT N FROM "Kill.Row" GROUP BY N HAVING count(*) > 1)')
gaps=$(sqlite3 "$db" 'SELECT max(N) + 1 - count(*) FROM "Kill.Row"')
if [ "$bad" = 0 ] && [ "$dups" = 0 ] && [ "$gaps" = 0 ]; then
    pass "$kills SIGKILLs while committing: file intact, every acknowledged commit kept ($acked rounds acknowledged commits, $(sqlite3 "$db" 'SELECT count(*) FROM "Kill.Row"') rows)"
else
    fail "SIGKILL rounds: bad=$bad duplicates=$dups gaps=$gaps"
fi
# the file is still a working database for nanoflow
n=$(sqlite3 "$db" 'SELECT count(*) FROM "Kill.Row"')
expect "after the kills the app still runs on the file" 0 "$((n + 1))" "$nf" run "$app" Kill.Add --arg N=-1 --db "$db"

finish
