#!/usr/bin/env bash
# Security specification of the reference sync server, as one list (issue 6, docs/server.md
# "Security"). A server on 127.0.0.1 holds ann's and bob's data; then every attack below is
# sent with curl and must be answered with the listed status, and must change nothing: after
# each one the server's tables (users, data, files, change counter) hash to the same value as
# before. Only the records the protocol itself asks for may differ: System.SynchronizationError
# rows of rejected objects, the device's lastSeq, and sessions.
# usage: security.sh NANOFLOW_BINARY SOURCE_DIR
set -u
nf=$1
src=$2
. "$(dirname "$0")/lib/expect.sh"
. "$(dirname "$0")/lib/serve.sh"
command -v curl >/dev/null || { echo "curl is needed"; exit 1; }
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed"; exit 1; }

"$nf" compile "$src/tests/cli/serve/app.mdl" -o "$tmp/app.nfb" 2>"$tmp/compile" || { cat "$tmp/compile"; exit 1; }
model=$(sed -n 's/.*model hash \([0-9a-f]*\).*/\1/p' "$tmp/compile")
db=$tmp/server.db
serve_start "$nf" "$tmp/app.nfb" "$db" "$tmp/log"
base=$serve_base
client=0123456789abcdef0123456789abcdef
token=""

# send WANT METHOD PATH [BODY|@FILE] [CURL OPTION...]: the status into $got, the body into $tmp/body
send() {
    local method=$1 path=$2 body=${3-}
    shift 2
    [ $# -gt 0 ] && shift
    local verb=(-X "$method")
    [ "$method" = HEAD ] && verb=(-I) # -X HEAD would wait for a body
    local args=(-s -o "$tmp/body" -w '%{http_code}' "${verb[@]}" -H "X-NF-Model: $model"
        -H "X-NF-Client: $client" -H "X-NF-Request: s-$RANDOM")
    [ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
    [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
    got=$(curl "${args[@]}" "$@" "$base/$path")
}
login() { # login USER PASSWORD: prints the token
    token="" send POST login "{\"user\": \"$1\", \"password\": \"$2\"}"
    sed -n 's/.*"token":"\([^"]*\)".*/\1/p' "$tmp/body"
}
user_id() { sqlite3 "$db" "SELECT id FROM _nf_srv_user WHERE name = '$1'"; }
# What must not change: every table but sessions, devices' lastSeq and the error records.
snapshot() { # snapshot FILE (one sqlite3 run: the dump without those tables and the counter)
    sqlite3 "$db" .dump | grep -v -e '^INSERT INTO _nf_srv_session ' -e '^INSERT INTO _nf_srv_client ' \
        -e '^INSERT INTO "System.SynchronizationError" ' -e "^INSERT INTO _nf_srv_meta VALUES('seq'," >"$1"
}

# ---- the data under attack ----
ann=$(user_id ann)
bob=$(user_id bob)
ann_token=$(login ann Ann-Pass-1)
bob_token=$(login bob Bob-Pass-1)
cid_token=$(login cid Cid-Pass-1)
order_a=01a20f7b-5894-7560-8ffa-00000000a001
order_b=01a20f7b-5894-7560-8ffa-00000000b001
receipt=01a20f7b-5894-7560-8ffa-00000000a0f1
token=$ann_token
send PUT "files/$receipt" "" -H 'Content-Type: application/octet-stream' --data-binary 'receipt!'
send POST upload '{"units": [{"seq": 1, "objects": [
 {"entity": "Shop.Order", "id": "'$order_a'", "op": "save", "new": true, "values": {"Number": 1, "Note": "ann", "Total": "10", "Shop.Order_Customer": "'$ann'"}},
 {"entity": "Shop.Receipt", "id": "'$receipt'", "op": "save", "new": true, "values": {"Name": "r.txt", "Note": "ann", "Shop.Receipt_Order": "'$order_a'"}},
 {"entity": "Shop.Coupon", "id": "01a20f7b-5894-7560-8ffa-00000000c030", "op": "save", "new": true, "values": {"Code": "LOW", "Percent": 30}},
 {"entity": "Shop.Coupon", "id": "01a20f7b-5894-7560-8ffa-00000000c080", "op": "save", "new": true, "values": {"Code": "HIGH", "Percent": 80}}]}]}'
grep -q '"status":"rejected"' "$tmp/body" && { echo "setup failed: $(cat "$tmp/body")"; exit 1; }
token=$bob_token
client=fedcba9876543210fedcba9876543210
send POST upload '{"units": [{"seq": 1, "objects": [
 {"entity": "Shop.Order", "id": "'$order_b'", "op": "save", "new": true, "values": {"Number": 2, "Note": "bob", "Total": "20", "Shop.Order_Customer": "'$bob'"}}]}]}'
[ "$(sqlite3 "$db" 'SELECT count(*) FROM "Shop.Order"')" = 2 ] || { echo "setup failed: $(cat "$tmp/body")"; exit 1; }
snapshot "$tmp/before"

# attack NAME WANT WHO METHOD PATH [BODY] [CURL OPTION...]
#   WHO: none | ann | bob | cid | forged | injected | expired | loggedout
attack() {
    local name=$1 want=$2 who=$3
    shift 3
    case $who in
    none) token="" ;;
    ann) token=$ann_token ;;
    bob) token=$bob_token ;;
    cid) token=$cid_token ;;
    forged) token=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=') ;;
    injected) token="x' OR '1'='1" ;;
    expired)
        token=$(login ann Ann-Pass-1)
        sqlite3 "$db" "UPDATE _nf_srv_session SET expires = 1 WHERE rowid = (SELECT max(rowid) FROM _nf_srv_session)" ;;
    loggedout)
        token=$(login bob Bob-Pass-1)
        send POST logout ;;
    esac
    send "$@"
    if [ "$got" = "$want" ]; then pass "$name: $want"; else fail "$name: status $got, wanted $want"; head -c 300 "$tmp/body"; echo; fi
    snapshot "$tmp/now"
    if cmp -s "$tmp/before" "$tmp/now"; then
        pass "$name: nothing changed"
    else
        fail "$name: the server's data changed"
        diff "$tmp/before" "$tmp/now" | head -5
        mv "$tmp/now" "$tmp/before"
    fi
}
# says NAME TEXT: the last answer contains TEXT; lacks NAME TEXT: it does not
says() { if grep -qF -- "$2" "$tmp/body"; then pass "$1"; else fail "$1: answer lacks '$2'"; head -c 300 "$tmp/body"; echo; fi; }
lacks() { if grep -qF -- "$2" "$tmp/body"; then fail "$1: answer has '$2'"; else pass "$1"; fi; }
# unit OBJECTS: the next unit of the device (runs in $(…), so the counter lives in a file)
echo 10 >"$tmp/seq"
unit() {
    local n=$(($(cat "$tmp/seq") + 1))
    echo "$n" >"$tmp/seq"
    printf '{"units": [{"seq": %d, "objects": [%s]}]}' "$n" "$1"
}
order_change() { # ID NOTE: a change of an order's note from revision 1
    printf '{"entity": "Shop.Order", "id": "%s", "op": "save", "new": false, "baseRev": 1, "changed": ["Note"], "values": {"Note": "%s"}}' "$1" "$2"
}

# ---- who you are ----
attack "a wrong password" 401 none POST login '{"user": "ann", "password": "Bob-Pass-1"}'
says "a wrong password: the same message as an unknown user" '"message":"wrong user name or password"'
attack "an unknown user" 401 none POST login '{"user": "mallory", "password": "x"}'
says "an unknown user: the same message" '"message":"wrong user name or password"'
attack "an empty password" 401 none POST login '{"user": "ann", "password": ""}'
attack "a password of another type" 400 none POST login '{"user": "ann", "password": 1}'
attack "no token: upload" 401 none POST upload "$(unit "$(order_change $order_a none)")"
attack "no token: download" 401 none GET "download?entity=Shop.Order"
attack "no token: a file" 401 none GET "files/$receipt"
attack "no token: a microflow" 401 none POST call/Shop.MF_Total '{"args": {}}'
attack "a forged token" 401 forged POST upload "$(unit "$(order_change $order_a forged)")"
attack "an injected token" 401 injected GET "download?entity=Shop.Order"
attack "an expired token" 401 expired POST upload "$(unit "$(order_change $order_a expired)")"
says "an expired token: says so" "unknown or expired session"
attack "a token after logout" 401 loggedout POST upload "$(unit "$(order_change $order_b gone)")"
model=0000000000000000 attack "another model's hash" 409 ann GET "download?entity=Shop.Order"

# ---- other users' objects ----
attack "bob changes ann's order" 200 bob POST upload "$(unit "$(order_change $order_a bob)")"
says "bob changes ann's order: rejected" '"status":"rejected","reason":"access denied"'
attack "bob deletes ann's order" 200 bob POST upload "$(unit '{"entity": "Shop.Order", "id": "'$order_a'", "op": "delete", "baseRev": 1}')"
says "bob deletes ann's order: rejected" '"status":"rejected"'
attack "bob creates an order for ann" 200 bob POST upload "$(unit '{"entity": "Shop.Order", "id": "01a20f7b-5894-7560-8ffa-00000000b002", "op": "save", "new": true, "values": {"Number": 3, "Shop.Order_Customer": "'$ann'"}}')"
says "an order outside bob's XPath constraint: rejected" '"status":"rejected"'
attack "bob takes over ann's order by id" 200 bob POST upload "$(unit '{"entity": "Shop.Order", "id": "'$order_a'", "op": "save", "new": true, "values": {"Number": 9, "Shop.Order_Customer": "'$bob'"}}')"
says "an existing id as a new object: not applied" '"status":"rejected"'
attack "ann moves her order to bob" 200 ann POST upload "$(unit '{"entity": "Shop.Order", "id": "'$order_a'", "op": "save", "new": false, "baseRev": 1, "changed": ["Shop.Order_Customer"], "values": {"Shop.Order_Customer": "'$bob'"}}')"
says "a change that leaves the user's XPath: rejected" '"status":"rejected"'
attack "bob changes ann's account" 200 bob POST upload "$(unit '{"entity": "Shop.Customer", "id": "'$ann'", "op": "save", "new": false, "baseRev": 1, "changed": ["FullName"], "values": {"FullName": "owned"}}')"
says "another user's account: rejected" '"status":"rejected"'
attack "a buyer creates a user" 200 bob POST upload "$(unit '{"entity": "Shop.Customer", "id": "01a20f7b-5894-7560-8ffa-00000000e001", "op": "save", "new": true, "values": {"Name": "eve", "FullName": "Eve"}}')"
says "creating an account: rejected" '"status":"rejected"'
attack "an online-only entity" 200 ann POST upload "$(unit '{"entity": "Shop.Secret", "id": "01a20f7b-5894-7560-8ffa-00000000e002", "op": "save", "new": true, "values": {"Code": "x"}}')"
says "an online-only entity: rejected" '"status":"rejected","reason":"access denied"'
attack "a clerk reads coupons" 200 cid GET "download?entity=Shop.Coupon"
says "the clerk sees every code" '"Code":"LOW"'
lacks "the XPath-restricted Percent of 30 stays hidden" '"Percent":30'
says "the Percent over 50 is readable" '"Percent":80'
attack "bob downloads orders" 200 bob GET "download?entity=Shop.Order"
lacks "bob does not see ann's order" "$order_a"
says "bob sees his own" "$order_b"
attack "bob reads ann's file" 404 bob GET "files/$receipt"
attack "bob asks how much of ann's file the server has" 404 bob HEAD "files/$receipt"
attack "bob overwrites ann's file" 403 bob PUT "files/$receipt" "" -H 'Content-Type: application/octet-stream' --data-binary 'mine'
attack "a clerk runs a buyer's microflow … or a buyer a clerk's" 403 bob POST call/Shop.MF_ClerksOnly '{}'
attack "a microflow the app never calls" 404 ann POST call/Shop.MF_NotCalled '{}'

# ---- bad input ----
attack "malformed JSON" 400 ann POST upload '{"units": [{"seq": '
attack "duplicate keys" 400 ann POST upload '{"units": [], "units": [{"seq": 99, "objects": []}]}'
attack "a value of the wrong type" 400 ann POST upload "$(unit '{"entity": "Shop.Order", "id": "'$order_a'", "op": "save", "new": false, "baseRev": 1, "changed": ["Number"], "values": {"Number": "many"}}')"
attack "an unknown member" 400 ann POST upload "$(unit '{"entity": "Shop.Order", "id": "'$order_a'", "op": "save", "new": false, "baseRev": 1, "changed": ["_state"], "values": {"_state": 0}}')"
attack "a string over its length" 200 ann POST upload "$(unit '{"entity": "Shop.Order", "id": "'$order_a'", "op": "save", "new": false, "baseRev": 1, "changed": ["Note"], "values": {"Note": "'"$(printf 'x%.0s' $(seq 300))"'"}}')"
says "a string over its length: rejected" '"status":"rejected"'
attack "an id that is not a UUID" 400 ann POST upload "$(unit '{"entity": "Shop.Order", "id": "1 OR 1=1", "op": "save", "new": true, "values": {}}')"
attack "an entity name with SQL in it" 400 ann GET "download?entity=Shop.Order%22%3B%20DROP%20TABLE%20x%3B--"
attack "a cursor with SQL in it" 400 ann GET "download?entity=Shop.Order&after=x'%20OR%201=1--"
attack "deep nesting" 400 ann POST upload "$(printf '[%.0s' $(seq 100000))"
printf '{"units":[]}\0junk' >"$tmp/nul"
attack "a NUL byte in a body" 400 ann POST upload "" -H 'Content-Type: application/json' --data-binary "@$tmp/nul"
head -c 17000000 /dev/zero | tr '\0' ' ' >"$tmp/big"
attack "a body over 16 MB" 413 ann POST upload "@$tmp/big"
attack "a file over 50 MB" 413 ann PUT "files/01a20f7b-5894-7560-8ffa-00000000a0f2" "" -H 'Content-Type: application/octet-stream' -H 'Content-Range: bytes 0-3/60000000' --data-binary 'xxxx'
attack "a file part past its declared end" 400 ann PUT "files/01a20f7b-5894-7560-8ffa-00000000a0f3" "" -H 'Content-Type: application/octet-stream' -H 'Content-Range: bytes 0-9/4' --data-binary '0123456789'

# ---- paths ----
attack "a file name that climbs out" 404 ann GET "files/..%2F..%2F..%2Fetc%2Fpasswd"
attack "a dot-dot path" 404 ann GET "files/../../etc/passwd" --path-as-is
attack "a file id with a NUL" 404 ann GET "files/$receipt%00.txt"
attack "a file write to a path" 404 ann PUT "files/..%2Fserver.db" "" -H 'Content-Type: application/octet-stream' --data-binary 'x'
attack "a very long path" 404 ann GET "files/$(printf 'a%.0s' $(seq 8000))"
attack "a line break in the path" 404 ann GET "x%0Aforged%20log%20line"
if grep -q "^forged log line" "$tmp/log"; then fail "the request log can be forged"; else pass "the request log cannot be forged"; fi
if grep -qF -e "$ann_token" -e "Pass-1" "$tmp/log"; then fail "the log shows a token or a password"; else pass "no tokens or passwords in the log"; fi
if [ "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok ]; then pass "the database is intact"; else fail "integrity_check"; fi
serve_stop
status=$?
if [ "$status" = 0 ]; then pass "the server survived every attack and stops cleanly"; else fail "the server: exit $status"; fi
finish
