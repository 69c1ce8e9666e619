#!/usr/bin/env bash
# CLI specification of the UI callbacks of `nanoflow run`: every UI action and log message of a
# flow goes to stderr as a readable line, or as one JSON object per line with --json; stdout
# keeps only the result.
# usage: ui.sh NANOFLOW_BINARY SOURCE_DIR
set -u
nf=$1
. "$(dirname "$0")/lib/expect.sh"

cat >"$tmp/ui.mdl" <<'MDL'
create module UI;
create entity UI.Item (Name: String(50));
create nanoflow UI.All ($N: Integer) returns String
begin
  show progress 'Loading "items"' blocking;
  $Item = create UI.Item (Name = 'x');
  show page UI.Edit (Item = $Item, Mode = 'edit') title 'Edit item' close pages $N;
  show page UI.Start close pages clear history;
  validation feedback $Item/Name message 'Name is required';
  close page;
  close pages all;
  hide progress;
  show message 'done' type Warning blocking;
  log warning 'all shown';
  log debug 'not shown';
  return 'ok';
end;
MDL

expect "the result alone goes to stdout" 0 "ok" "$nf" run "$tmp/ui.mdl" UI.All --arg N=2
expect_err "progress" '[progress] Loading "items" (blocking)'
expect_err "show page with arguments, title and pages to close" \
    '[show page] UI.Edit "Edit item" (Item = UI.Item '
expect_err "its close-pages option" ', Mode = edit) closing 2 pages'
expect_err "clear history" '[show page] UI.Start () closing all pages and the history'
expect_err "validation feedback: object, member, text" ' Name: Name is required'
expect_err "close page" '[close page] 1'
expect_err "close pages all" '[close page] all'
expect_err "hide progress" '[progress hidden]'
expect_err "blocking message" '[message warning] done (blocking)'
expect_err "log message" '[log warning] Application: all shown'
if grep -q "not shown" "$tmp/err"; then fail "debug log lines are not printed"; else pass "debug log lines are not printed"; fi
lines=$(grep -c '^\[' "$tmp/err")
[ "$lines" = 9 ] && pass "one line per action" || fail "one line per action: $lines lines"

expect "--json: the result line on stdout" 0 '{"type": "String", "value": "ok"}' \
    "$nf" run "$tmp/ui.mdl" UI.All --arg N=1 --json
expect_err "JSON progress, quotes escaped" \
    '{"event": "progress", "show": true, "text": "Loading \"items\"", "blocking": true}'
expect_err "JSON show page" '{"event": "showPage", "page": "UI.Edit", "title": "Edit item", "arguments": {"Item": {"type": "Object", "value": {"entity": "UI.Item", "id": '
expect_err "JSON page arguments and close pages" '"Mode": {"type": "String", "value": "edit"}}, "closePages": 1}'
expect_err "JSON clear history" '{"event": "showPage", "page": "UI.Start", "title": null, "arguments": {}, "closePages": "clearHistory"}'
expect_err "JSON feedback" '"member": "Name", "text": "Name is required"}'
expect_err "JSON close page" '{"event": "closePage", "count": 1}'
expect_err "JSON close all" '{"event": "closePage", "count": "all"}'
expect_err "JSON hide progress" '{"event": "progress", "show": false, "text": null, "blocking": false}'
expect_err "JSON message" '{"event": "message", "type": "Warning", "text": "done", "blocking": true}'
expect_err "JSON log" '{"event": "log", "level": "warning", "node": "Application", "text": "all shown"}'
# every stderr line is one JSON object
if command -v python3 >/dev/null; then
    if python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' <"$tmp/err"; then
        pass "every event line is valid JSON"
    else
        fail "every event line is valid JSON"
    fi
fi

expect "a negative page count is a flow error" 1 "" "$nf" run "$tmp/ui.mdl" UI.All --arg N=-1
expect_err "that says so" "the number of pages to close must be between 0 and"

finish
