#!/usr/bin/env bash
# CLI specification of the reference sync server (`nanoflow serve`, docs/server.md,
# docs/sync-protocol.md): started on 127.0.0.1 with a free port, driven with curl. Login and
# sessions (no token, logout; the attacks are security.sh's list), the model hash, strict bodies,
# uploads (applied; replayed → duplicate and not applied twice; a revision conflict; rejected
# objects recorded in System.SynchronizationError; access rules with XPath; dangling
# references; changed-attributes merging), paged downloads that show each user only what it may
# read, and a graceful stop on SIGTERM (exit 0). Loopback only.
# usage: serve.sh NANOFLOW_BINARY SOURCE_DIR
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

# ---- usage ----
expect "serve without APP is a usage error" 2 "" "$nf" serve
expect "a bad --listen is refused" 1 "" "$nf" serve "$tmp/app.nfb" --listen nowhere
expect_err "a bad --listen: says why" "--listen needs HOST:PORT"

# ---- start on a free port ----
serve_start "$nf" "$tmp/app.nfb" "$db" "$tmp/log"
pid=$serve_pid
pass "the server listens on 127.0.0.1:$serve_port"
base=$serve_base
client_a=0123456789abcdef0123456789abcdef
client_b=fedcba9876543210fedcba9876543210

# req NAME WANTED_STATUS METHOD PATH [BODY] — with $token, $client and $model; the answer's
# body is in $tmp/body
token=""
client=$client_a
req() {
    local name=$1 want=$2 method=$3 path=$4 body=${5-}
    local args=(-s -o "$tmp/body" -w '%{http_code}' -X "$method" -H "X-NF-Model: $model"
        -H "X-NF-Client: $client" -H "X-NF-Request: t-$RANDOM")
    [ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
    [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
    local got
    got=$(curl "${args[@]}" "$base/$path")
    if [ "$got" = "$want" ]; then pass "$name"; else fail "$name (status $got, wanted $want)"; cat "$tmp/body"; echo; fi
}
# has NAME TEXT — the last answer contains TEXT
has() {
    if grep -qF -- "$2" "$tmp/body"; then pass "$1"; else fail "$1: answer lacks '$2'"; cat "$tmp/body"; echo; fi
}
hasnt() {
    if grep -qF -- "$2" "$tmp/body"; then fail "$1: answer has '$2'"; cat "$tmp/body"; echo; else pass "$1"; fi
}
sql() { sqlite3 "$db" "$1"; }
login() { # login USER PASSWORD: sets $token and $me
    token=""
    req "login $1" 200 POST login "{\"user\": \"$1\", \"password\": \"$2\"}"
    token=$(sed -n 's/.*"token":"\([^"]*\)".*/\1/p' "$tmp/body")
    me=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$tmp/body")
}
check_sql() { # NAME WANTED SQL
    local got
    got=$(sql "$3")
    if [ "$got" = "$2" ]; then pass "$1"; else fail "$1: '$got', wanted '$2'"; fi
}

# ---- model hash, login, sessions ----
saved=$model
model=0000000000000000
req "another model hash gets 409" 409 POST login '{"user": "ann", "password": "Ann-Pass-1"}'
has "another model hash: ModelError" '"type":"ModelError"'
model=$saved
# wrong passwords, missing, forged and expired tokens and the other attacks: security.sh
req "malformed JSON gets 400" 400 POST login '{"user": "ann", "password": '
req "duplicate keys get 400" 400 POST login '{"user": "ann", "user": "bob", "password": "x"}'
req "no token gets 401" 401 GET "download?entity=Shop.Order"
has "no token: AccessDenied" '"type":"AccessDenied"'
check_sql "passwords are stored hashed (yescrypt)" "3" "SELECT count(*) FROM _nf_srv_user WHERE hash LIKE '\$y\$%'"
check_sql "no password in clear" "0" "SELECT count(*) FROM _nf_srv_user WHERE hash LIKE '%Pass-1%'"

login bob Bob-Pass-1
check_sql "session tokens are stored hashed" "0" "SELECT count(*) FROM _nf_srv_session WHERE token = '$token'"
bob=$me
bob_token=$token
login ann Ann-Pass-1
ann=$me
ann_token=$token
has "login answers the user's roles" '"roles":["Buyer"]'
req "an unknown endpoint gets 404" 404 GET "nothing"
req "a path with a line break gets 404" 404 GET "x%0Aforged%20log%20line"

# ---- upload: applied, replayed, conflicts ----
order=01a20f7b-5894-7560-8ffa-c197b4204dcb
unit1='{"units": [{"seq": 1, "objects": [{"entity": "Shop.Order", "id": "'$order'", "op": "save", "new": true, "baseRev": null, "changed": null, "values": {"Number": 1, "Note": "first", "Total": "12.95", "PlacedOn": "2026-01-01T09:30:00.000Z", "Status": "Open", "Paid": true, "Shop.Order_Customer": "'$ann'"}}]}]}'
client="" req "an upload without a client id gets 400" 400 POST upload "$unit1"
req "a new order is applied" 200 POST upload "$unit1"
has "applied: status" '"status":"applied","rev":1'
has "applied: lastSeq" '"lastSeq":1'
has "applied: the default of a member ann may not write" '"Paid":false'
has "applied: members not writable are reported" '"ignored":["Paid"]'
req "the same unit again" 200 POST upload "$unit1"
has "replayed: duplicate" '"seq":1,"status":"duplicate"'
has "replayed: the current row" '"row":{"entity":"Shop.Order"'
check_sql "replayed: applied once" "1|1" "SELECT count(*), max(_rev) FROM \"Shop.Order\""
check_sql "the before-commit handler ran once (Revision 1 for a new order)" "1" "SELECT Revision FROM \"Shop.Order\""

unit2='{"units": [{"seq": 2, "objects": [{"entity": "Shop.Order", "id": "'$order'", "op": "save", "new": false, "baseRev": 1, "changed": ["Note"], "values": {"Number": 1, "Note": "second", "Total": "12.95", "PlacedOn": "2026-01-01T09:30:00.000Z", "Status": "Open", "Shop.Order_Customer": "'$ann'"}}]}]}'
req "a change with the current revision" 200 POST upload "$unit2"
has "the change is applied as revision 2" '"status":"applied","rev":2'
has "the handler's change of the object is in the row" '"Revision":2'
client=$client_b
unit_b='{"units": [{"seq": 7, "objects": [{"entity": "Shop.Order", "id": "'$order'", "op": "save", "new": false, "baseRev": 1, "changed": ["Note"], "values": {"Number": 1, "Note": "stale", "Total": "12.95", "PlacedOn": "2026-01-01T09:30:00.000Z", "Status": "Open", "Shop.Order_Customer": "'$ann'"}}]}]}'
req "another device's change from revision 1" 200 POST upload "$unit_b"
has "a revision conflict" '"status":"conflict","rev":2,"reason":"changed on the server since revision 1"'
has "the conflict returns the server's row" '"Note":"second"'
check_sql "a conflict is recorded in SynchronizationError" "$order|Shop.Order|changed on the server since revision 1" \
    "SELECT ObjectId, ObjectType, Reason FROM \"System.SynchronizationError\""
check_sql "the record keeps the uploaded data" "1" \
    "SELECT count(*) FROM \"System.SynchronizationError\" WHERE ObjectContent LIKE '%\"stale\"%'"
req "a gap in seq is allowed; a replay of the conflicting unit is a duplicate" 200 POST upload "$unit_b"
has "the replayed unit is a duplicate" '"status":"duplicate"'
check_sql "the conflict is recorded once" "1" "SELECT count(*) FROM \"System.SynchronizationError\""

# ---- event handlers: the revision-ID pattern of a before-commit handler ----
unit_h='{"units": [{"seq": 3, "objects": [{"entity": "Shop.Order", "id": "'$order'", "op": "save", "new": false, "baseRev": 2, "changed": ["Note"], "values": {"Note": "forbidden", "Revision": 2}}]}, {"seq": 4, "objects": [{"entity": "Shop.Order", "id": "'$order'", "op": "save", "new": false, "baseRev": 2, "changed": ["Note"], "values": {"Note": "stale", "Revision": 1}}]}]}'
client=$client_a
req "uploads a before-commit handler refuses" 200 POST upload "$unit_h"
has "a handler returning false rejects the object" '"reason":"rejected by the before-commit event handler Shop.BCo_Order"'
check_sql "the handler compares with the stored version; nothing changed" "second|2|2" "SELECT Note, Revision, _rev FROM \"Shop.Order\""
check_sql "handler rejections are recorded" "3" "SELECT count(*) FROM \"System.SynchronizationError\""

# ---- rejected objects ----
line1=01a20f7b-5894-7560-8ffa-000000000001
line2=01a20f7b-5894-7560-8ffa-000000000002
line3=01a20f7b-5894-7560-8ffa-000000000003
ghost=01a20f7b-5894-7560-8ffa-0000000000ff
client=$client_a
unit3='{"units": [{"seq": 5, "objects": [
 {"entity": "Shop.Line", "id": "'$line1'", "op": "save", "new": true, "values": {"Product": "Tea", "Qty": 2, "Shop.Line_Order": "'$order'"}},
 {"entity": "Shop.Line", "id": "'$line2'", "op": "save", "new": true, "values": {"Product": null, "Qty": 1, "Shop.Line_Order": "'$order'"}},
 {"entity": "Shop.Line", "id": "'$line3'", "op": "save", "new": true, "values": {"Product": "Jam", "Qty": 1, "Shop.Line_Order": "'$ghost'"}},
 {"entity": "Shop.Secret", "id": "'$ghost'", "op": "save", "new": true, "values": {"Code": "x"}}]}]}'
req "a unit with good and bad objects" 200 POST upload "$unit3"
has "the good line is applied" '"id":"'$line1'","status":"applied"'
has "a validation failure is rejected with its message" '"status":"rejected","reason":"a line needs a product","row":null'
has "a dangling reference is rejected" '"reason":"reference to an object that is not on the server: Shop.Line_Order"'
has "an online entity is not uploaded" '"id":"'$ghost'","status":"rejected","reason":"access denied"'
check_sql "only the good line is stored" "$line1" "SELECT _id FROM \"Shop.Line\""
check_sql "rejections are recorded" "6" "SELECT count(*) FROM \"System.SynchronizationError\""

req "an unknown member fails the whole upload" 400 POST upload '{"units": [{"seq": 6, "objects": [{"entity": "Shop.Line", "id": "'$line2'", "op": "save", "new": true, "values": {"Nope": 1}}]}]}'
req "a value of the wrong type fails the upload" 400 POST upload '{"units": [{"seq": 6, "objects": [{"entity": "Shop.Line", "id": "'$line2'", "op": "save", "new": true, "values": {"Qty": "many"}}]}]}'
req "a Decimal as a JSON number fails the upload" 400 POST upload '{"units": [{"seq": 6, "objects": [{"entity": "Shop.Order", "id": "'$line2'", "op": "save", "new": true, "values": {"Total": 1.5}}]}]}'
req "an unknown entity fails the upload" 400 POST upload '{"units": [{"seq": 6, "objects": [{"entity": "Shop.Nope", "id": "'$line2'", "op": "save", "new": true, "values": {}}]}]}'
req "units out of order fail the upload" 400 POST upload '{"units": [{"seq": 7, "objects": []}, {"seq": 6, "objects": []}]}'
check_sql "nothing of a failed upload is applied" "5" "SELECT last_seq FROM _nf_srv_client WHERE client = '$client_a'"
head -c 17000000 /dev/zero | tr '\0' ' ' >"$tmp/big"
req "a body over 16 MB gets 413" 413 POST upload "@$tmp/big"
req "deep nesting gets 400" 400 POST upload "$(printf '{"a":%.0s' $(seq 70))1$(printf '}%.0s' $(seq 70))"

# changed attributes: only the members changed on the device replace the server's
unit4='{"units": [{"seq": 6, "objects": [{"entity": "Shop.Line", "id": "'$line1'", "op": "save", "new": false, "baseRev": 1, "changed": ["Qty"], "values": {"Product": "Old tea", "Qty": 5, "Shop.Line_Order": "'$order'"}}]}]}'
req "a change of one attribute" 200 POST upload "$unit4"
check_sql "changed attributes: only Qty is taken" "Tea|5|2" "SELECT Product, Qty, _rev FROM \"Shop.Line\""

# ---- access rules: another user's objects ----
token=$bob_token
client=$client_b
unit_bob='{"units": [{"seq": 8, "objects": [{"entity": "Shop.Order", "id": "'$order'", "op": "save", "new": false, "baseRev": 2, "changed": ["Note"], "values": {"Note": "bob was here"}}]}]}'
req "bob writes ann's order" 200 POST upload "$unit_bob"
has "another user's object is rejected" '"status":"rejected","reason":"access denied","row":null'
check_sql "ann's order is unchanged" "second" "SELECT Note FROM \"Shop.Order\""
req "bob downloads orders" 200 GET "download?entity=Shop.Order"
hasnt "bob does not see ann's order" "$order"
req "bob downloads customers" 200 GET "download?entity=Shop.Customer"
has "bob sees his own account" "$bob"
hasnt "bob does not see ann's account" "$ann"
req "an online entity is not downloaded" 400 GET "download?entity=Shop.Secret"
req "an unknown entity is not downloaded" 400 GET "download?entity=Shop.Nope"
req "a bad cursor gets 400" 400 GET "download?entity=Shop.Order&after=x'%20OR%201=1--"

# ---- download: pages ----
token=$ann_token
client=$client_a
objs=""
for i in 1 2 3 4 5; do
    objs+="${objs:+,}{\"entity\": \"Shop.Line\", \"id\": \"01a20f7b-5894-7560-8ffa-00000000010$i\", \"op\": \"save\", \"new\": true, \"values\": {\"Product\": \"P$i\", \"Qty\": $i, \"Shop.Line_Order\": \"$order\"}}"
done
# and one whose text needs escaping on the way back (quotes, backslash, control characters,
# non-ASCII inside and outside the BMP)
special=01a20f7b-5894-7560-8ffa-000000000200
objs+=',{"entity": "Shop.Line", "id": "'$special'", "op": "save", "new": true, "values": {"Product": "q\"uote\\ back\nline\ttab \u00e9 \ud83d\ude00 \u0001\u001f end", "Qty": 1}}'
req "five more lines" 200 POST upload "{\"units\": [{\"seq\": 9, \"objects\": [$objs]}]}"
req "download page 1" 200 GET "download?entity=Shop.Line&limit=4&pass=p1"
has "page 1 is ordered by id" '"rows":[{"id":"'$line1'"'
has "page 1 ends at its 4th row" '"next":"01a20f7b-5894-7560-8ffa-000000000103"'
has "the pass is echoed" '"pass":"p1"'
has "values as on the wire" '"Product":"Tea","Qty":5'
req "download page 2" 200 GET "download?entity=Shop.Line&limit=4&pass=p1&after=01a20f7b-5894-7560-8ffa-000000000103"
has "page 2 is the rest" '"rows":[{"id":"01a20f7b-5894-7560-8ffa-000000000104"'
has "page 2 is the last" '"next":null'
if python3 -c 'import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
want = "q\"uote\\ back\nline\ttab \u00e9 \U0001F600 \x01\x1f end"
sys.exit(0 if [r["values"]["Product"] for r in rows if r["id"] == sys.argv[2]] == [want] else 1)' "$tmp/body" "$special"; then
    pass "text with quotes, control characters and non-ASCII comes back as it was uploaded"
else
    fail "the downloaded text differs from the uploaded one"; cat "$tmp/body"; echo
fi
req "a limit over 5000 gets 400" 400 GET "download?entity=Shop.Line&limit=5001"
req "ann downloads her order" 200 GET "download?entity=Shop.Order"
has "the order's values" '"Note":"second","Total":"12.95","PlacedOn":"2026-01-01T09:30:00.000Z","Status":"Open"'
check_sql "after-commit handlers' rows are server rows" "8|0|0|1" \
    "SELECT count(*), min(_state), max(_state), min(_rev) FROM \"Shop.Audit\""

# ---- files (§7): in parts, resumable, linked by the unit that saves the object ----
receipt=01a20f7b-5894-7560-8ffa-00000000f001
fput() { # NAME WANTED RANGE BODY
    printf '%s' "$4" >"$tmp/part"
    local got
    got=$(curl -s -D "$tmp/headers" -o "$tmp/body" -w '%{http_code}' -X PUT -H "X-NF-Model: $model" \
        -H "Authorization: Bearer $token" -H 'Content-Type: application/octet-stream' \
        ${3:+-H "Content-Range: $3"} --data-binary "@$tmp/part" "$base/files/$receipt")
    if [ "$got" = "$2" ]; then pass "$1"; else fail "$1 (status $got, wanted $2)"; cat "$tmp/body"; echo; fi
}
header() { # NAME TEXT
    if grep -qiF -- "$2" "$tmp/headers"; then pass "$1"; else fail "$1: no '$2' header"; cat "$tmp/headers"; fi
}
fput "the first part of a file" 308 "bytes 0-4/10" "hello"
header "308 says how much the server has" "Range: bytes=0-4"
curl -s -I -D "$tmp/headers" -o /dev/null -H "X-NF-Model: $model" -H "Authorization: Bearer $token" "$base/files/$receipt"
header "HEAD says how much the server has" "Range: bytes=0-4"
fput "a part at the wrong place" 308 "bytes 7-9/10" "rld"
header "the answer says where to resume" "Range: bytes=0-4"
fput "the last part" 201 "bytes 5-9/10" " worl"
req "a file not linked yet is not served" 404 GET "files/$receipt"
fput "a file over the limit" 413 "bytes 0-0/60000000" "x"
req "a new receipt with its file" 200 POST upload '{"units": [{"seq": 10, "objects": [{"entity": "Shop.Receipt", "id": "'$receipt'", "op": "save", "new": true, "values": {"Name": "../../etc/passwd", "Note": "lunch", "Shop.Receipt_Order": "'$order'"}}]}]}'
has "the object says it has contents" '"HasContents":true,"Size":10'
curl -s -D "$tmp/headers" -o "$tmp/file" -H "X-NF-Model: $model" -H "Authorization: Bearer $token" "$base/files/$receipt"
if [ "$(cat "$tmp/file")" = "hello worl" ]; then pass "the file is served whole"; else fail "the file: '$(cat "$tmp/file")'"; fi
header "its ETag is the object's revision" 'ETag: "1"'
req "new receipts without their files" 200 POST upload '{"units": [{"seq": 11, "objects": [{"entity": "Shop.Receipt", "id": "01a20f7b-5894-7560-8ffa-00000000f002", "op": "save", "new": true, "values": {"Name": "x", "HasContents": true, "Shop.Receipt_Order": "'$order'"}}, {"entity": "Shop.Receipt", "id": "01a20f7b-5894-7560-8ffa-00000000f003", "op": "save", "new": true, "values": {"Name": "y", "Shop.Receipt_Order": "'$order'"}}]}]}'
has "one that says it has contents is rejected" '"id":"01a20f7b-5894-7560-8ffa-00000000f002","status":"rejected","reason":"file not uploaded"'
has "one without contents (HasContents false) is applied" '"id":"01a20f7b-5894-7560-8ffa-00000000f003","status":"applied"'
req "a path instead of an id" 404 GET "files/..%2F..%2Fetc%2Fpasswd"
saved_token=$token
token=$bob_token
req "another user's file is not served" 404 GET "files/$receipt"
fput "nor can another user overwrite it" 403 "" "mine"
token=$saved_token

# ---- delete ----
sqlite3 "$db" "UPDATE \"Shop.Order\" SET Paid = 1"
req "deleting a paid order" 200 POST upload '{"units": [{"seq": 12, "objects": [{"entity": "Shop.Order", "id": "'$order'", "op": "delete", "baseRev": 2}]}]}'
has "a before-delete handler refuses" '"status":"rejected","rev":2,"reason":"rejected by the before-delete event handler Shop.BDe_Order"'
sqlite3 "$db" "UPDATE \"Shop.Order\" SET Paid = 0"
req "a delete ann may do" 200 POST upload '{"units": [{"seq": 13, "objects": [{"entity": "Shop.Order", "id": "'$order'", "op": "delete", "baseRev": 2}]}]}'
check_sql "the order is deleted and references to it cleared" "0|7" \
    "SELECT (SELECT count(*) FROM \"Shop.Order\" WHERE _id = '$order'), (SELECT count(*) FROM \"Shop.Line\" WHERE \"Shop.Line_Order\" IS NULL)"
check_sql "the after-delete handler saw the deleted object" "1" "SELECT count(*) FROM \"Shop.Audit\" WHERE Text = 'deleted second'"
req "deleting twice is harmless" 200 POST upload '{"units": [{"seq": 14, "objects": [{"entity": "Shop.Order", "id": "'$order'", "op": "delete", "baseRev": 2}]}]}'
has "deleting twice: applied" '"status":"applied","row":null'

# delete behaviours: cascade takes the basket's items along; restrict (prevent) keeps a pinned
# item, and with it the whole delete
client=$client_b
bk=01a20f7b-5894-7560-8ffa-0000000b0001
it1=01a20f7b-5894-7560-8ffa-0000000b0011
it2=01a20f7b-5894-7560-8ffa-0000000b0012
pin=01a20f7b-5894-7560-8ffa-0000000b0021
obj() { echo "{\"entity\": \"Shop.$1\", \"id\": \"$2\", \"op\": \"save\", \"new\": true, \"values\": {$3}}"; }
req "a basket, two items, a pin" 200 POST upload "{\"units\": [{\"seq\": 100, \"objects\": [$(obj Basket $bk '"Label": "b"'), $(obj Item $it1 '"Name": "i1", "Shop.Item_Basket": "'$bk'"'), $(obj Item $it2 '"Name": "i2", "Shop.Item_Basket": "'$bk'"'), $(obj Pin $pin '"Name": "p", "Shop.Pin_Item": "'$it2'"')]}]}"
req "deleting the basket while an item is pinned" 200 POST upload '{"units": [{"seq": 101, "objects": [{"entity": "Shop.Basket", "id": "'$bk'", "op": "delete", "baseRev": 1}]}]}'
has "prevent refuses, even down a cascade" '"status":"rejected","rev":1,"reason":"Shop.Pin objects still refer to it through Shop.Pin_Item (delete behavior prevent)"'
check_sql "nothing of the refused delete happened" "1|2|1" \
    "SELECT (SELECT count(*) FROM \"Shop.Basket\"), (SELECT count(*) FROM \"Shop.Item\"), (SELECT count(*) FROM \"Shop.Pin\")"
req "the pin goes, then the basket" 200 POST upload '{"units": [{"seq": 102, "objects": [{"entity": "Shop.Pin", "id": "'$pin'", "op": "delete", "baseRev": 1}, {"entity": "Shop.Basket", "id": "'$bk'", "op": "delete", "baseRev": 1}]}]}'
hasnt "both deletes are applied" '"status":"rejected"'
check_sql "cascade deleted the basket's items" "0|0|0" \
    "SELECT (SELECT count(*) FROM \"Shop.Basket\"), (SELECT count(*) FROM \"Shop.Item\"), (SELECT count(*) FROM \"Shop.Pin\")"
client=$client_a

# ---- many objects whose handlers create objects, in one unit ----
objs=""
for i in $(seq 100 299); do
    objs+="${objs:+,}{\"entity\": \"Shop.Line\", \"id\": \"01a20f7b-5894-7560-8ffa-000000002$i\", \"op\": \"save\", \"new\": true, \"values\": {\"Product\": \"Q$i\", \"Qty\": 1}}"
done
req "200 lines in one unit" 200 POST upload "{\"units\": [{\"seq\": 15, \"objects\": [$objs]}]}"
hasnt "none of them is rejected" '"status":"rejected"'
check_sql "each after-commit handler created its own audit row" "209|209" \
    "SELECT count(*), count(DISTINCT _id) FROM \"Shop.Audit\""

# ---- validation rules: range, regex, unique ----
cp() { echo "{\"entity\": \"Shop.Coupon\", \"id\": \"01a20f7b-5894-7560-8ffa-00000000c00$1\", \"op\": \"save\", \"new\": true, \"values\": {\"Code\": \"$2\", \"Percent\": $3}}"; }
req "coupons" 200 POST upload "{\"units\": [{\"seq\": 16, \"objects\": [$(cp 1 SPRING10 10), $(cp 2 AUTUMN 0), $(cp 3 spring 5), $(cp 4 SPRING10 20)]}]}"
has "a valid coupon is applied" '"id":"01a20f7b-5894-7560-8ffa-00000000c001","status":"applied"'
has "a range rule rejects" '"status":"rejected","reason":"a percentage from 1 to 100"'
has "a regex rule rejects" '"status":"rejected","reason":"codes are capitals, then digits"'
has "a unique attribute rejects" '"status":"rejected","reason":"this code is taken"'
check_sql "only the valid coupon is stored" "SPRING10" 'SELECT Code FROM "Shop.Coupon"'
req "a big coupon" 200 POST upload "{\"units\": [{\"seq\": 17, \"objects\": [$(cp 5 BIG60 60)]}]}"
saved_token=$token
login cid Cid-Pass-1
req "a clerk downloads coupons" 200 GET "download?entity=Shop.Coupon"
has "members of a rule whose XPath the row fails are left out" '{"id":"01a20f7b-5894-7560-8ffa-00000000c001","rev":1,"values":{"Code":"SPRING10"}}'
has "members of a rule whose XPath the row matches are there" '{"id":"01a20f7b-5894-7560-8ffa-00000000c005","rev":1,"values":{"Code":"BIG60","Percent":60}}'
token=$saved_token

# ---- Decimals as a device stores them ----
od() { echo "{\"entity\": \"Shop.Order\", \"id\": \"01a20f7b-5894-7560-8ffa-00000000d00$1\", \"op\": \"save\", \"new\": true, \"values\": {\"Total\": \"$2\", \"Shop.Order_Customer\": \"$ann\"}}"; }
req "orders with long Decimals" 200 POST upload "{\"units\": [{\"seq\": 18, \"objects\": [$(od 1 0.123456785), $(od 2 123456789012345678901)]}]}"
has "Decimals are rounded half even to 8 places" '"Total":"0.12345678"'
has "more than 20 digits before the point is rejected" '"reason":"Total is too large for a Decimal attribute (more than 20 digits before the point)"'

# ---- microflow calls (§8) ----
req "a microflow call" 200 POST call/Shop.MF_Total '{"args": {"Qty": 2, "Price": "1.25", "Label": "total"}}'
has "its result" '{"result":"total: 2.5"}'
audits=$(sql 'SELECT count(*) FROM "Shop.Audit"')
req "a microflow that fails" 422 POST call/Shop.MF_Fails '{"args": {"Text": "abc"}}'
has "the error's type and message" '"type":"RuntimeError","message":"substring'
check_sql "a failed microflow changes nothing" "$audits" 'SELECT count(*) FROM "Shop.Audit"'
req "a microflow with non-persistable objects" 200 POST call/Shop.MF_Quote '{"args": {"Lines": [{"entity": "Shop.QuoteLine", "values": {"Product": "Tea", "Qty": 2, "Price": "1.25"}}, {"values": {"Qty": 1, "Price": "3"}}], "Discount": {"entity": "Shop.QuoteLine", "values": {"Price": "0.5"}}}}'
has "an object as the result" '{"result":{"entity":"Shop.Quote","values":{"Total":"5","Lines":2,"Status":"Open"}}}'
req "a persistable entity is not an argument" 400 POST call/Shop.MF_Quote '{"args": {"Discount": {"entity": "Shop.Order", "values": {}}}}'
req "a list must be an array" 400 POST call/Shop.MF_Quote '{"args": {"Lines": {"values": {}}}}'
req "a microflow the user's roles may not run" 403 POST call/Shop.MF_ClerksOnly '{}'
req "a microflow the app does not call" 404 POST call/Shop.MF_NotCalled '{}'
req "an unknown microflow" 404 POST call/Shop.Nope '{}'
req "an argument of the wrong type" 400 POST call/Shop.MF_Total '{"args": {"Qty": "two"}}'

# ---- logout ----
req "logout" 204 POST logout
req "the token is gone after logout" 401 GET "download?entity=Shop.Order"

# ---- the log, the stop ----
kill -TERM "$pid"
wait "$pid"
status=$?
if [ "$status" = 0 ]; then pass "SIGTERM stops the server with exit 0"; else fail "SIGTERM: exit $status"; fi
if grep -q "^POST /nf/v1/upload 200 .* client=$client_a user=ann req=t-" "$tmp/log"; then
    pass "a log line per request"
else
    fail "no request log line"; cat "$tmp/log"
fi
if grep -q "^forged" "$tmp/log"; then fail "a client wrote a line into the log"; else pass "clients cannot write lines into the log"; fi
if grep -qF -e "$ann_token" -e "Pass-1" "$tmp/log"; then fail "the log shows a token or a password"; else pass "no tokens or passwords in the log"; fi
check_sql "the database is intact" "ok" "PRAGMA integrity_check"

# ---- sessions expire; the data stays across restarts ----
serve_start "$nf" "$tmp/app.nfb" "$db" "$tmp/log" --session-ttl 1
pid=$serve_pid
base=$serve_base
login ann Ann-Pass-1
has "the demo users keep their accounts across restarts" "\"id\":\"$ann\""
req "a fresh session works" 200 GET "download?entity=Shop.Line"
has "the data is still there" "01a20f7b-5894-7560-8ffa-000000000105"
sleep 1.2
req "an expired session gets 401" 401 GET "download?entity=Shop.Line"
has "an expired session: says so" "expired session"
kill -INT "$pid"
wait "$pid"
status=$?
if [ "$status" = 0 ]; then pass "SIGINT stops the server with exit 0"; else fail "SIGINT: exit $status"; fi
finish
