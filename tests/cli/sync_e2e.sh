#!/usr/bin/env bash
# End to end on loopback, real processes: `nanoflow serve` and two offline devices running
# nanoflows with `nanoflow run --db … --server …` (docs/sync-protocol.md). Device A creates and
# synchronizes; device B downloads it; both change it offline; A synchronizes first, so B's
# change meets a revision conflict: the server keeps A's, B's goes to B's quarantine and to the
# server's System.SynchronizationError, and B ends with the server's version. Then microflow
# calls over the session (a result, and an error caught in the nanoflow), a wrong password, and
# SIGTERM stops the server cleanly.
# usage: sync_e2e.sh NANOFLOW_BINARY SOURCE_DIR
set -u
nf=$1
. "$(dirname "$0")/lib/expect.sh"
. "$(dirname "$0")/lib/serve.sh"

cat >"$tmp/app.mdl" <<'EOF'
create module Field;
create persistent entity Field.Inspector extends System.User (FullName: String(50));
create persistent entity Field.Visit (
  Code: String(20), Note: String(200), Revision: Integer default 0
);
create module role Field.Worker;
create user role Worker (Field.Worker);
grant Field.Worker on Field.Visit (create, delete, read *, write *);
grant Field.Worker on Field.Inspector (read (FullName)) where '[id = ''[%CurrentUser%]'']';
create offline profile Field.Mobile (
  Field.Inspector download by xpath '[id = ''[%CurrentUser%]'']',
  Field.Visit download all conflict revision Revision
);
create microflow Field.MF_Label (Code: String, N: Integer) returns String
begin
  return 'visit ' + $Code + ' #' + toString($N);
end;
grant execute on microflow Field.MF_Label to Field.Worker;
create microflow Field.MF_Fails (Text: String) returns String
begin
  return substring($Text, 10);
end;
grant execute on microflow Field.MF_Fails to Field.Worker;
create nanoflow Field.Fails () returns String
begin
  $L = call microflow Field.MF_Fails(Text = 'abc') on error without rollback {
    return 'caught ' + $latestErrorType;
  };
  return $L;
end;

create nanoflow Field.Plan ($Code: String) returns Integer
begin
  $V = create Field.Visit (Code = $Code, Note = 'planned');
  commit $V;
  retrieve $All from Field.Visit;
  $C = count($All);
  return $C;
end;
create nanoflow Field.Sync () returns String
begin
  synchronize all on error without rollback {
    return 'failed: ' + $latestErrorType + ': ' + $latestError;
  };
  retrieve $All from Field.Visit sort by Code asc;
  declare $S String = '';
  loop $V in $All begin
    set $S = $S + $V/Code + '=' + $V/Note + ';';
  end loop;
  return 'synced ' + $S;
end;
create nanoflow Field.Annotate ($Code: String, $Note: String)
begin
  retrieve $V from Field.Visit where [Code = $Code] first;
  change $V (Note = $Note);
  commit $V;
end;
create nanoflow Field.Label ($Code: String) returns String
begin
  $L = call microflow Field.MF_Label(Code = $Code, N = 7) on error without rollback {
    return 'failed: ' + $latestError;
  };
  return $L;
end;
create demo user 'ann' password 'Ann-Pass-1' entity Field.Inspector (Worker);
EOF
"$nf" compile "$tmp/app.mdl" -o "$tmp/app.nfb" >/dev/null 2>&1 || { echo "cannot compile"; cat "$tmp/app.mdl"; exit 1; }
app=$tmp/app.nfb

# on loopback, on a port the system picks
serve_start "$nf" "$app" "$tmp/server.db" "$tmp/server.log"
server=$serve_pid
url=http://127.0.0.1:$serve_port
dev() { # device DB, flow, args...
    local db=$1
    shift
    "$nf" run "$app" "$@" --db "$tmp/$db.db" --server "$url" --user ann --password Ann-Pass-1
}

expect "device A plans a visit offline" 0 "1" dev a Field.Plan --arg Code=V1
expect "device A synchronizes" 0 "synced V1=planned;" dev a Field.Sync
expect "device B downloads it" 0 "synced V1=planned;" dev b Field.Sync
expect "device A changes the visit offline" 0 "" dev a Field.Annotate --arg Code=V1 --arg Note=from-a
expect "device B changes it too" 0 "" dev b Field.Annotate --arg Code=V1 --arg Note=from-b
expect "A synchronizes first: its change is on the server" 0 "synced V1=from-a;" dev a Field.Sync
expect "B's change meets a revision conflict: B now holds the server's version" 0 "synced V1=from-a;" dev b Field.Sync
q=$(sqlite3 "$tmp/b.db" 'SELECT count(*) FROM _nf_quarantine' 2>&1)
if [ "$q" = 1 ]; then pass "B's version is in B's quarantine, with its data"; else fail "B's quarantine holds '$q'"; fi
if sqlite3 "$tmp/b.db" 'SELECT * FROM _nf_quarantine' | grep -q "from-b"; then pass "the quarantine keeps B's note"; else fail "B's note is not in the quarantine"; fi
e=$(sqlite3 "$tmp/server.db" 'SELECT count(*) FROM "System.SynchronizationError"' 2>&1)
if [ "$e" = 1 ]; then pass "the server recorded B's rejected version"; else fail "SynchronizationError rows: '$e'"; fi
n=$(sqlite3 "$tmp/server.db" 'SELECT count(*) FROM "Field.Visit"' 2>&1)
if [ "$n" = 1 ]; then pass "the visit is on the server exactly once"; else fail "server visits: '$n'"; fi
expect "a microflow call over the session" 0 "visit V1 #7" dev a Field.Label --arg Code=V1
expect "a microflow's error is caught in the nanoflow with its type" 0 "caught RuntimeError" dev a Field.Fails
expect "a wrong password fails the synchronize, catchably" 0 "failed: AccessDenied" \
    sh -c "'$nf' run '$app' Field.Sync --db '$tmp/c.db' --server '$url' --user ann --password nope | cut -d: -f1,2"

kill -TERM "$server"
wait "$server"
status=$?
if [ "$status" = 0 ]; then pass "SIGTERM stops the server cleanly"; else fail "server exit status $status"; cat "$tmp/server.log"; fi
finish
