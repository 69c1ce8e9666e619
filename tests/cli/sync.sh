#!/usr/bin/env bash
# sync.sh — `nanoflow run --server URL --user NAME --password PW` (docs/cli.md, docs/sync-client.md):
# refused URLs are usage errors, an unreachable server is a catchable ConnectionError that
# changes nothing, and the password never appears in any output.
nf=$1
. "$2/tests/cli/lib/expect.sh"

cat >"$tmp/app.mdl" <<'MDL'
create module S;
create persistent entity S.Note (Text: String(100));
create offline profile S.Mobile (S.Note download all);
create nanoflow S.Sync () returns String
begin
  $N = create S.Note (Text = 'hello');
  commit $N;
  synchronize all on error without rollback begin
    return $latestErrorType + ': ' + $latestError;
  end error;
  return 'ok';
end;
create nanoflow S.Pending () returns Integer
begin
  retrieve $All from S.Note;
  declare $N Integer = 0;
  loop $X in $All begin
    if not(isSynced($X)) then
      set $N = $N + 1;
    end if;
  end loop;
  return $N;
end;
MDL

expect "no server: a ConnectionError the flow catches" 0 \
    "ConnectionError: cannot synchronize: no server is configured" "$nf" run "$tmp/app.mdl" S.Sync
expect "plain http to another host is a usage error" 2 "" \
    "$nf" run "$tmp/app.mdl" S.Sync --server http://example.com
expect_err "that says why" "must start with https://"
expect "a password in the URL is refused" 2 "" \
    "$nf" run "$tmp/app.mdl" S.Sync --server https://ann:hunter2@example.com
if grep -q hunter2 "$tmp/err" "$tmp/out"; then fail "the URL's password is not echoed"; else pass "the URL's password is not echoed"; fi
expect "--server needs a value" 2 "" "$nf" run "$tmp/app.mdl" S.Sync --server
expect "an unreachable server is a ConnectionError" 0 \
    "" sh -c "'$nf' run '$tmp/app.mdl' S.Sync --db '$tmp/app.db' --server http://127.0.0.1:1 --user ann --password hunter2 | grep -q '^ConnectionError: synchronization failed: cannot reach the server'"
if grep -rq hunter2 "$tmp/err" "$tmp/out"; then fail "the password is never printed"; else pass "the password is never printed"; fi
expect "nothing changed locally" 0 "1" "$nf" run "$tmp/app.mdl" S.Pending --db "$tmp/app.db"

finish
