# Sourced by the tests/e2e/serve cases (a folder without a `cmd` is no case):
#   train_model [DIR]    a model trained on fixture/trips.csv (default ./model)
#   start_server ARGS... `sluice serve --port 0 ARGS...` in the background:
#                        sets $server (its pid), $url and $port; killed on exit
#   rss                  the server's resident memory in KiB
#   metric NAME          a sample's value on /metrics (NAME with its labels)
#   rawhttp ...          tests/e2e/serve/rawhttp.py (slow, idle, chunked, raw clients)
serve_dir="$SLUICE_SOURCE_DIR/tests/e2e/serve"
rawhttp() { /usr/bin/python3 "$serve_dir/rawhttp.py" "$@"; }
train_model() {
  cp "$serve_dir/fixture/trips.csv" "$serve_dir/fixture/pipeline.yaml" .
  $SLUICE run pipeline.yaml --set output="${1:-model}" >/dev/null 2>&1
}
start_server() {
  $SLUICE serve --port 0 "$@" > server.log 2>&1 &
  server=$!
  trap 'kill -9 $server 2>/dev/null || true' EXIT
  for _ in $(seq 100); do grep -q "http://" server.log && break; sleep 0.1; done
  url="$(grep -o 'http://[0-9.:]*' server.log)"
  port="${url##*:}"
}
rss() { awk '/VmRSS/ {print $2}' "/proc/$server/status"; }
metric() { curl -s "${auth[@]}" "$url/metrics" | awk -v name="$1" '$1 == name {print $2}'; }
auth=()
