#!/usr/bin/env bash
# The fault-injection suite with real processes (docs/sync-client.md, "Fault-injection suite"):
# three devices (`nanoflow run … --db` offline, `--server` to synchronize; two share user u1)
# write the app of tests/sim offline, then synchronize concurrently while `nanoflow serve` is
# killed with SIGKILL at a seeded random moment and restarted on the same file, ROUNDS times.
# Then every device synchronizes twice without faults and the checker holds, from plain SQL:
# no write applied twice (the server's audit log, one row per applied save, written in the
# unit's transaction), every device's last write of each object applied or recorded as refused
# with its data, deleted objects gone everywhere, and each device holding exactly what the
# server lets its user see. Loopback only.
# usage: sync_kill.sh NANOFLOW_BINARY SOURCE_DIR [ROUNDS]      (SEED=N varies the run)
set -u
nf=$1
src=$2
rounds=${3:-8}
seed=${SEED:-11}
RANDOM=$seed
. "$(dirname "$0")/lib/expect.sh"
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed"; exit 1; }

"$nf" compile "$src/tests/sim/app.mdl" -o "$tmp/app.nfb" >/dev/null 2>"$tmp/compile" || { cat "$tmp/compile"; exit 1; }
app=$tmp/app.nfb
db=$tmp/server.db
users=(u1 u1 u2)
pw() { echo "Pass-$1-1"; }

pid=""
trap 'kill -KILL $pid 2>/dev/null; rm -rf "$tmp"' EXIT
start() {
    : >"$tmp/log"
    "$nf" serve "$app" --db "$db" --listen 127.0.0.1:0 >/dev/null 2>"$tmp/log" &
    pid=$!
    port=""
    for _ in $(seq 300); do
        port=$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$tmp/log")
        [ -n "$port" ] && return 0
        sleep 0.02
    done
    echo "the server did not start"; cat "$tmp/log"; exit 1
}
sync_dev() { # DEVICE -> the flow's answer on stdout
    "$nf" run "$app" Sim.SyncAll --db "$tmp/d$1.db" --server "http://127.0.0.1:$port" \
        --user "${users[$1]}" --password "$(pw "${users[$1]}")" 2>>"$tmp/synclog$1"
}
# the oracle: one line per acknowledged operation, "DEVICE ENTITY KEY STAMP N" (STAMP - : deleted)
: >"$tmp/oracle"
key=0
stamp=0
local_write() { # DEVICE
    local d=$1 e n k
    e=$((RANDOM % 2)) # 0 Item, 1 Note
    n=$((RANDOM % 1000))
    local ent=Item
    [ $e = 1 ] && ent=Note
    local keys
    keys=$(sqlite3 "$tmp/d$d.db" "SELECT Key FROM \"Sim.$ent\" WHERE _state != 3 ORDER BY Key" 2>/dev/null | tr '\n' ' ')
    set -- $keys
    local what=$((RANDOM % 10))
    stamp=$((stamp + 1))
    if [ $# = 0 ] || [ $what -lt 4 ]; then
        key=$((key + 1))
        k=$key
        if [ $ent = Item ]; then
            "$nf" run "$app" Sim.NewItem --arg Key=$k --arg Stamp=p$stamp --arg N=$n --arg Text=x --db "$tmp/d$d.db" >/dev/null 2>&1
        else
            "$nf" run "$app" Sim.NewNote --arg Key=$k --arg Stamp=p$stamp --arg N=$n --db "$tmp/d$d.db" >/dev/null 2>&1
        fi && echo "$d $ent $k p$stamp $n" >>"$tmp/oracle"
        return
    fi
    shift $((RANDOM % $#))
    k=$1
    if [ $what -lt 8 ]; then
        if [ $ent = Item ]; then
            "$nf" run "$app" Sim.SetItem --arg Key=$k --arg Stamp=p$stamp --arg N=$n --arg Text=y --arg SetText=true --db "$tmp/d$d.db" >/dev/null 2>&1
        else
            "$nf" run "$app" Sim.SetNote --arg Key=$k --arg Stamp=p$stamp --arg N=$n --db "$tmp/d$d.db" >/dev/null 2>&1
        fi && echo "$d $ent $k p$stamp $n" >>"$tmp/oracle"
    else
        "$nf" run "$app" Sim.Del$ent --arg Key=$k --db "$tmp/d$d.db" >/dev/null 2>&1 &&
            echo "$d $ent $k - 0" >>"$tmp/oracle"
    fi
}

start
for d in 0 1 2; do # sign in and download the user's own account object
    out=$(sync_dev $d)
    [ "$out" = ok ] || { fail "device $d's first synchronization: $out"; finish; }
done
kills=0
for r in $(seq 1 "$rounds"); do
    for d in 0 1 2; do
        for _ in 1 2 3; do local_write $d; done
    done
    pids=()
    for d in 0 1 2; do
        sync_dev $d >"$tmp/sync$d" &
        pids+=($!)
    done
    sleep "$(printf "0.%03d" $((RANDOM % 120)))"
    kill -KILL "$pid" 2>/dev/null && kills=$((kills + 1))
    wait "$pid" 2>/dev/null
    for p in "${pids[@]}"; do wait "$p"; done
    start
done
pass "$rounds rounds of concurrent synchronizations, the server killed with SIGKILL in each (seed $seed)"

for round in 1 2; do
    for d in 0 1 2; do
        out=$(sync_dev $d)
        [ "$out" = ok ] || fail "clean synchronization $round of device $d: $out"
    done
done
kill -TERM "$pid"
wait "$pid"

check_empty() { # NAME SQL-RESULT
    if [ -z "$2" ]; then pass "$1"; else fail "$1: $(echo "$2" | head -5 | tr '\n' ';') (SEED=$seed)"; fi
}
check_empty "the server's database is intact" "$(sqlite3 "$db" 'PRAGMA integrity_check' | grep -v '^ok$')"
check_empty "no write was applied twice" \
    "$(sqlite3 "$db" 'SELECT Stamp, count(*) FROM "Sim.Audit" GROUP BY Stamp HAVING count(*) > 1')"

# each device's last operation on each object
lost="" gone=""
while read -r d ent k st n; do
    if [ "$st" = - ]; then
        c=$(sqlite3 "$db" "SELECT count(*) FROM \"Sim.$ent\" WHERE Key = $k")
        [ "$c" = 0 ] || gone+="$ent $k deleted by device $d is on the server; "
        continue
    fi
    applied=$(sqlite3 "$db" "SELECT count(*) || '|' || ifnull(max(N), '') FROM \"Sim.Audit\" WHERE Stamp = '$st'")
    if [ "$applied" = "1|$n" ]; then continue; fi
    refused=$(sqlite3 "$db" "SELECT count(*) FROM \"System.SynchronizationError\" WHERE instr(ObjectContent, '\"Stamp\":\"$st\"') > 0")
    quarantined=$(sqlite3 "$tmp/d$d.db" "SELECT count(*) FROM _nf_quarantine WHERE instr(device, '\"Stamp\":\"$st\"') > 0")
    [ "$refused" != 0 ] || [ "$quarantined" != 0 ] || lost+="device $d's $ent $k ($st: audit '$applied'); "
done < <(awk '{ last[$1 " " $2 " " $3] = $0 } END { for (k in last) print last[k] }' "$tmp/oracle" | sort)
check_empty "every device's last write is applied once (with its value) or recorded as refused" "$lost"
check_empty "objects deleted by a device are gone from the server" "$gone"

cols="_id || '~' || ifnull(_rev, '-') || '~' || quote(Key) || quote(Stamp) || quote(N)"
diverged=""
for d in 0 1 2; do
    uid=$(sqlite3 "$db" "SELECT id FROM _nf_srv_user WHERE name = '${users[$d]}'")
    for ent in Sim.Item Sim.Note; do
        c="$cols || quote(Text)" where=1
        [ $ent = Sim.Note ] && c=$cols where="\"Sim.Note_Person\" = '$uid'"
        mine=$(sqlite3 -bail "$tmp/d$d.db" "SELECT $c FROM \"$ent\" WHERE $where ORDER BY _id") || mine=error
        theirs=$(sqlite3 -bail "$db" "SELECT $c FROM \"$ent\" WHERE $where ORDER BY _id") || theirs=error2
        pending=$(sqlite3 "$tmp/d$d.db" "SELECT count(*) FROM \"$ent\" WHERE _state != 0")
        [ "$mine" = "$theirs" ] && [ "$pending" = 0 ] || diverged+="device $d $ent; "
    done
done
check_empty "every device holds exactly what the server lets its user see" "$diverged"
echo "($(wc -l <"$tmp/oracle") operations, $kills kills, $(sqlite3 "$db" 'SELECT count(*) FROM "Sim.Audit"') applied writes, $(sqlite3 "$db" 'SELECT count(*) FROM "System.SynchronizationError"') refused)"
finish
