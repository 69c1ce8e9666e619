#!/usr/bin/env bash
# CLI specification of the sync server's durability (docs/sync-protocol.md §5.2): `nanoflow
# serve` killed with SIGKILL at random moments while it applies uploads, ROUNDS times. After
# each kill the database is intact, each unit is either wholly applied with the client's lastSeq
# or not applied at all, and the client's retry (the same units again) applies the missing ones
# exactly once: at the end every object is on the server once. Sessions survive restarts (they
# are rows, not process memory). Loopback only.
# usage: serve_kill.sh NANOFLOW_BINARY SOURCE_DIR [ROUNDS]
set -u
nf=$1
src=$2
rounds=${3:-20}
RANDOM=${SEED:-6} # the kill moments are a seeded sequence (SEED=N to vary it)
. "$(dirname "$0")/lib/expect.sh"
command -v curl >/dev/null || { echo "curl is needed"; exit 1; }
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed"; exit 1; }

"$nf" compile "$src/tests/cli/serve/app.mdl" -o "$tmp/app.nfb" 2>"$tmp/compile" || { cat "$tmp/compile"; exit 1; }
model=$(sed -n 's/.*model hash \([0-9a-f]*\).*/\1/p' "$tmp/compile")
db=$tmp/server.db
client=0123456789abcdef0123456789abcdef
per_unit=400

pid=""
start() {
    : >"$tmp/log"
    "$nf" serve "$tmp/app.nfb" --db "$db" --listen 127.0.0.1:0 2>"$tmp/log" &
    pid=$!
    port=""
    for _ in $(seq 200); do
        port=$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$tmp/log")
        [ -n "$port" ] && return 0
        sleep 0.02
    done
    echo "the server did not start"; cat "$tmp/log"; exit 1
}
post() { # PATH BODY_FILE -> status
    curl -s -o "$tmp/body" -w '%{http_code}' -H "X-NF-Model: $model" -H "X-NF-Client: $client" \
        ${token:+-H "Authorization: Bearer $token"} --data-binary "@$2" \
        "http://127.0.0.1:$port/nf/v1/$1"
}
unit_file() { # SEQ -> $tmp/unitSEQ.json: per_unit new lines with ids from the seq
    local seq=$1 objs="" i
    for i in $(seq 1 $per_unit); do
        objs+="${objs:+,}{\"entity\": \"Shop.Line\", \"id\": \"01a20f7b-5894-7560-8ffa-$(printf '%06d%06d' "$seq" "$i")\", \"op\": \"save\", \"new\": true, \"values\": {\"Product\": \"u$seq\", \"Qty\": $i}}"
    done
    echo "{\"units\": [{\"seq\": $seq, \"objects\": [$objs]}]}" >"$tmp/unit$seq.json"
}

start
token=""
echo '{"user": "ann", "password": "Ann-Pass-1"}' >"$tmp/login.json"
[ "$(post login "$tmp/login.json")" = 200 ] || { echo "cannot log in"; cat "$tmp/body"; exit 1; }
token=$(sed -n 's/.*"token":"\([^"]*\)".*/\1/p' "$tmp/body")

bad=0
for r in $(seq 1 "$rounds"); do
    unit_file "$r"
    post upload "$tmp/unit$r.json" >/dev/null &
    cpid=$!
    sleep "$(printf "0.%03d" $((RANDOM % 50)))"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    wait "$cpid" 2>/dev/null
    ok=$(sqlite3 "$db" "PRAGMA integrity_check")
    last=$(sqlite3 "$db" "SELECT coalesce(max(last_seq), 0) FROM _nf_srv_client")
    n=$(sqlite3 "$db" "SELECT count(*) FROM \"Shop.Line\" WHERE Product = 'u$r'")
    want=0
    [ "$last" -ge "$r" ] && want=$per_unit
    if [ "$ok" != ok ] || [ "$n" != "$want" ]; then
        fail "round $r: integrity '$ok', lastSeq $last, $n rows of the unit (wanted $want)"
        bad=$((bad + 1))
    fi
    start
    # the client retries: applied now, or a duplicate when it was applied before the kill
    status=$(post upload "$tmp/unit$r.json")
    if [ "$status" != 200 ]; then
        fail "round $r: the retry answered $status (the session must survive the restart)"
        bad=$((bad + 1))
    fi
done
[ "$bad" = 0 ] && pass "$rounds kills during uploads: every unit all or nothing, with its lastSeq"
check_sql() {
    local got
    got=$(sqlite3 "$db" "$3")
    if [ "$got" = "$2" ]; then pass "$1"; else fail "$1: '$got', wanted '$2'"; fi
}
check_sql "after the retries every object is on the server once" "$((rounds * per_unit))|$((rounds * per_unit))" \
    "SELECT count(*), count(DISTINCT _id) FROM \"Shop.Line\""
check_sql "and each after-commit handler ran once per object" "$((rounds * per_unit))" \
    "SELECT count(*) FROM \"Shop.Audit\""
check_sql "the client's lastSeq is the last unit" "$rounds" "SELECT last_seq FROM _nf_srv_client"
kill -TERM "$pid"
wait "$pid"
[ $? = 0 ] && pass "SIGTERM after the kills: exit 0" || fail "SIGTERM: nonzero exit"
check_sql "the database is intact" "ok" "PRAGMA integrity_check"
finish
