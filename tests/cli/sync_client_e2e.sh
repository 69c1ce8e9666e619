#!/usr/bin/env bash
# End to end on loopback with real processes (docs/sync-client.md): file contents of a
# System.Image specialization uploaded in parts by one device and downloaded by another (and not
# again while unchanged); `nanoflow quarantine` listing and resubmitting a device's rejected
# object; a server with a small body limit (413) that the client splits its upload for, and a
# unit that never fits kept in the quarantine; a microflow call with non-persistable objects and
# a list, whose UI action the server ignores and logs.
# usage: sync_client_e2e.sh NANOFLOW_BINARY SOURCE_DIR
set -u
nf=$1
. "$(dirname "$0")/lib/expect.sh"
. "$(dirname "$0")/lib/serve.sh"

cat >"$tmp/app.mdl" <<'MDL'
create module Field;
create persistent entity Field.Inspector extends System.User (FullName: String(50));
create persistent entity Field.Visit (
  Code: String(20), Note: String(unlimited), Revision: Integer default 0
);
create persistent entity Field.Photo extends System.Image (Caption: String(100));
create non-persistent entity Field.Score (Value: Integer, Label: String(50));
create module role Field.Worker;
create user role Worker (Field.Worker);
grant Field.Worker on Field.Visit (create, delete, read *, write *);
grant Field.Worker on Field.Photo (create, delete, read *, write *);
grant Field.Worker on Field.Inspector (read (FullName)) where '[id = ''[%CurrentUser%]'']';
create offline profile Field.Mobile (
  Field.Inspector download by xpath '[id = ''[%CurrentUser%]'']',
  Field.Visit download all conflict revision Revision,
  Field.Photo download all
);
create microflow Field.MF_Score (In: Field.Score, Items: List of Field.Score)
  returns List of Field.Score
begin
  show message 'scoring ' + $In/Label;
  $Out = create list of Field.Score;
  $S = create Field.Score (Value = $In/Value * 2, Label = $In/Label + '!');
  add $S to $Out;
  loop $I in $Items begin
    $T = create Field.Score (Value = $I/Value + 1, Label = 'item');
    add $T to $Out;
  end loop;
  return $Out;
end;
grant execute on microflow Field.MF_Score to Field.Worker;
create nanoflow Field.Score () returns String
begin
  $In = create Field.Score (Value = 21, Label = 'x');
  $L = create list of Field.Score;
  $A = create Field.Score (Value = 1);
  add $A to $L;
  $R = call microflow Field.MF_Score(In = $In, Items = $L);
  $First = head $R;
  $N = count($R);
  return toString($N) + ' ' + toString($First/Value) + ' ' + $First/Label;
end;
create nanoflow Field.NewPhoto ($Caption: String) returns Field.Photo
begin
  $P = create Field.Photo (Caption = $Caption, Name = $Caption + '.jpg');
  commit $P;
  return $P;
end;
create nanoflow Field.PhotoNamed ($Caption: String) returns Field.Photo
begin
  retrieve $P from Field.Photo where [Caption = $Caption] first;
  return $P;
end;
create nanoflow Field.Plan ($Code: String, $Note: String) returns Integer
begin
  $V = create Field.Visit (Code = $Code, Note = $Note);
  commit $V;
  retrieve $All from Field.Visit;
  $C = count($All);
  return $C;
end;
create nanoflow Field.Annotate ($Code: String, $Note: String)
begin
  retrieve $V from Field.Visit where [Code = $Code] first;
  change $V (Note = $Note);
  commit $V;
end;
create nanoflow Field.Sync () returns String
begin
  synchronize all on error without rollback {
    return 'failed: ' + $latestErrorType + ': ' + $latestError;
  };
  retrieve $All from Field.Visit sort by Code asc;
  declare $S String = '';
  loop $V in $All begin
    set $S = $S + $V/Code + '=' + substring($V/Note, 0, 6) + ';';
  end loop;
  return 'synced ' + $S;
end;
create demo user 'ann' password 'Ann-Pass-1' entity Field.Inspector (Worker);
MDL
"$nf" compile "$tmp/app.mdl" -o "$tmp/app.nfb" >/dev/null 2>&1 || { echo "cannot compile"; "$nf" check "$tmp/app.mdl"; exit 1; }
app=$tmp/app.nfb

server=
start_server() { # extra serve options...
    serve_start "$nf" "$app" "$tmp/server.db" "$tmp/server.log" "$@"
    server=$serve_pid
    url=http://127.0.0.1:$serve_port
}
stop_server() {
    kill -TERM "$server" 2>/dev/null
    wait "$server" 2>/dev/null
}
trap 'stop_server; rm -rf "$tmp"' EXIT
dev() { # device DB, flow, args...
    local db=$1
    shift
    "$nf" run "$app" "$@" --db "$tmp/$db.db" --server "$url" --user ann --password Ann-Pass-1
}

start_server

# ---- files: 2.5 MB in three parts from A, downloaded by B ----
head -c 2621440 /dev/urandom >"$tmp/photo.bin"
expect "A takes a photo (contents set from a file)" 0 "" \
    sh -c "'$nf' run '$app' Field.NewPhoto --arg Caption=roof --db '$tmp/a.db' --contents '$tmp/photo.bin' >/dev/null"
expect "A synchronizes" 0 "synced " dev a Field.Sync
puts=$(grep -c "PUT /nf/v1/files/" "$tmp/server.log")
if [ "$puts" = 3 ]; then pass "the contents went up in three parts"; else fail "file PUTs: $puts"; cat "$tmp/server.log"; fi
linked=$(sqlite3 "$tmp/server.db" 'SELECT linked, received, total FROM _nf_srv_file' 2>&1)
if [ "$linked" = "1|2621440|2621440" ]; then pass "the server linked the whole file"; else fail "server file: $linked"; fi
has=$(sqlite3 "$tmp/server.db" 'SELECT "HasContents", "Size" FROM "Field.Photo"' 2>&1)
if [ "$has" = "1|2621440" ]; then pass "the server's object has the contents' size"; else fail "server photo: $has"; fi
expect "B synchronizes" 0 "synced " dev b Field.Sync
expect "B has the photo's contents" 0 "" \
    sh -c "'$nf' run '$app' Field.PhotoNamed --arg Caption=roof --db '$tmp/b.db' --save-contents '$tmp/got.bin' >/dev/null"
if cmp -s "$tmp/photo.bin" "$tmp/got.bin"; then pass "byte for byte"; else fail "B's contents differ"; fi
gets=$(grep -c "GET /nf/v1/files/" "$tmp/server.log")
expect "B synchronizes again" 0 "synced " dev b Field.Sync
gets2=$(grep -c "GET /nf/v1/files/" "$tmp/server.log")
if [ "$gets" = 1 ] && [ "$gets2" = 1 ]; then pass "unchanged contents are not downloaded again"; else fail "file GETs: $gets then $gets2"; fi
expect "A creates a photo without contents" 0 "" sh -c "'$nf' run '$app' Field.NewPhoto --arg Caption=blank --db '$tmp/a.db' >/dev/null"
expect "which synchronizes as an object without contents" 0 "synced " dev a Field.Sync
blank=$(sqlite3 "$tmp/server.db" "SELECT \"HasContents\" FROM \"Field.Photo\" WHERE \"Caption\" = 'blank'" 2>&1)
if [ "$blank" = 0 ]; then pass "on the server, HasContents false"; else fail "blank photo on the server: '$blank'"; fi
expect "a flow result that is not a file has no contents" 1 "" \
    "$nf" run "$app" Field.Plan --arg Code=X --arg Note=n --db "$tmp/c.db" --contents "$tmp/photo.bin"
expect_err "and says why" "file contents belong to an object of System.FileDocument"

# ---- the quarantine from the command line ----
expect "A plans a visit" 0 "1" dev a Field.Plan --arg Code=V1 --arg Note=planned
expect "A synchronizes it" 0 "synced V1=planne;" dev a Field.Sync
expect "B downloads it" 0 "synced V1=planne;" dev b Field.Sync
expect "A changes it" 0 "" dev a Field.Annotate --arg Code=V1 --arg Note=from-a
expect "B changes it too" 0 "" dev b Field.Annotate --arg Code=V1 --arg Note=from-b
expect "A synchronizes first" 0 "synced V1=from-a;" dev a Field.Sync
expect "B meets a revision conflict" 0 "synced V1=from-a;" dev b Field.Sync
expect "nanoflow quarantine lists B's entry" 0 "" sh -c "'$nf' quarantine '$app' --db '$tmp/b.db' >'$tmp/q.txt'"
if grep -q "^1 *conflict *Field.Visit" "$tmp/q.txt" && grep -q "changed on the server" "$tmp/q.txt"; then pass "as a table"; else fail "table: $(cat "$tmp/q.txt")"; fi
expect "--format json" 0 "" sh -c "'$nf' quarantine '$app' --db '$tmp/b.db' --format json >'$tmp/q.json'"
if python3 -c 'import json,sys; q=json.load(open(sys.argv[1])); assert q[0]["qid"]==1 and q[0]["status"]=="conflict" and q[0]["device"]["values"]["Note"]=="from-b"' "$tmp/q.json"; then pass "as JSON with the device's data"; else fail "json: $(cat "$tmp/q.json")"; fi
expect "nanoflow sync quarantine is the same command" 0 "$(cat "$tmp/q.json")" "$nf" sync quarantine "$app" --db "$tmp/b.db" --format json
expect "an unknown entry" 1 "" "$nf" quarantine "$app" --db "$tmp/b.db" --resubmit 9
expect_err "is reported" "no quarantine entry 9"
expect "a missing database is a usage error" 2 "" "$nf" quarantine "$app" --db "$tmp/none.db"
expect "--db is required" 2 "" "$nf" quarantine "$app"
expect "--resubmit 1" 0 "resubmitted entry 1: the next synchronize uploads it" "$nf" quarantine "$app" --db "$tmp/b.db" --resubmit 1
expect "the quarantine is empty" 0 "[]" "$nf" quarantine "$app" --db "$tmp/b.db" --format json
expect "B's resubmitted version wins now (it is based on the server's revision)" 0 "synced V1=from-b;" dev b Field.Sync

# ---- a microflow call with objects; its UI action is ignored and logged by the server ----
expect "objects and a list by value, a list back" 0 "2 42 x!" dev a Field.Score
if grep -q "\[ui ignored\] show message: scoring x" "$tmp/server.log"; then pass "the server logged the ignored show message"; else fail "no [ui ignored] line"; cat "$tmp/server.log"; fi

# ---- a small body limit: the client splits its upload; a unit that never fits is kept ----
stop_server
start_server --max-body 1500
for i in 2 3 4 5 6 7; do dev d Field.Plan --arg Code=S$i --arg Note=notes! >/dev/null; done
big=$(head -c 3000 /dev/zero | tr '\0' 'x')
dev d Field.Plan --arg Code=BIG --arg Note="$big" >/dev/null
expect "D synchronizes through the limit" 0 "synced S2=notes!;S3=notes!;S4=notes!;S5=notes!;S6=notes!;S7=notes!;V1=from-b;" dev d Field.Sync
n413=$(grep -c " 413 " "$tmp/server.log")
if [ "$n413" -ge 2 ]; then pass "the server answered 413 and the client split ($n413 refusals)"; else fail "413 answers: $n413"; cat "$tmp/server.log"; fi
n=$(sqlite3 "$tmp/server.db" "SELECT count(*) FROM \"Field.Visit\" WHERE \"Code\" LIKE 'S%'" 2>&1)
if [ "$n" = 6 ]; then pass "every visit that fits is on the server once"; else fail "server visits: $n"; fi
if "$nf" quarantine "$app" --db "$tmp/d.db" | grep -q "too large for the server"; then pass "the visit that never fits is in D's quarantine"; else fail "D's quarantine"; fi

stop_server
finish
