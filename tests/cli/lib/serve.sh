# serve.sh — starting `nanoflow serve` for the CLI specifications (sourced after expect.sh).
# serve_start NANOFLOW APP DB LOG [OPTION...]: starts the server on 127.0.0.1 with a port the
# system picks, waits until it listens, and sets $serve_pid, $serve_port and $serve_base
# (http://127.0.0.1:PORT/nf/v1). Exits the script when the server does not start.
serve_start() {
    local nf=$1 app=$2 db=$3 log=$4
    shift 4
    "$nf" serve "$app" --db "$db" --listen 127.0.0.1:0 "$@" 2>"$log" &
    serve_pid=$!
    serve_port=""
    for _ in $(seq 200); do
        serve_port=$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$log")
        [ -n "$serve_port" ] && break
        kill -0 "$serve_pid" 2>/dev/null || break
        sleep 0.05
    done
    if [ -z "$serve_port" ]; then
        echo "the server did not start"
        cat "$log"
        kill "$serve_pid" 2>/dev/null
        exit 1
    fi
    serve_base=http://127.0.0.1:$serve_port/nf/v1
}
# serve_stop: SIGTERM, then waits; returns the server's exit status.
serve_stop() {
    kill -TERM "$serve_pid" 2>/dev/null
    wait "$serve_pid"
}
