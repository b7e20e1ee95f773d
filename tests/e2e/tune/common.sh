# Shared by the tune cases: a small taxi file and a pipeline tuning it.
# tune_pipeline FILE writes examples/taxi.yaml (10 rounds) with the tune
# section read from stdin.
$SLUICE datagen taxi --rows 6000 --seed 5 --out taxi.csv >/dev/null
tune_pipeline() {
  sed -e "s#^  uri: .*#  uri: taxi.csv#" -e "s#^output: .*#output: model#" -e "s#^  rounds: .*#  rounds: 10#" \
    -e "s#^  early_stopping_rounds: .*#  early_stopping_rounds: 0#" "$SLUICE_SOURCE_DIR/examples/taxi.yaml" > "$1"
  cat >> "$1"
}
# trials FILE: "number status params score" per trial of a trials.jsonl, seconds left out.
trials() {
  /usr/bin/python3 -c '
import json, sys
for line in list(open(sys.argv[1]))[1:]:
    t = json.loads(line)
    print(t["trial"], t["status"], json.dumps(t["params"], sort_keys=True), t["score"])' "$1"
}
