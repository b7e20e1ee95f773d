# Shared by the bench scripts: paths, and the taxi model they score with
# (trained once on 1M generated rows, reused while bench/out/ keeps it).
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
SLUICE="${SLUICE:-$root/build/release/sluice}"
tools="$(dirname "$SLUICE")"
THREADS="${THREADS:-2}"
out="$here/out"
mkdir -p "$out"

# Echoes the directory of a taxi model trained on 1M generated rows.
taxi_model() {
  local small="$out/taxi-1000000.csv" model="$out/taxi-model-1m"
  [ -f "$small" ] || "$SLUICE" datagen taxi --rows 1000000 --seed 11 --out "$small" >/dev/null
  [ -f "$model/sluice-model.json" ] || "$SLUICE" run "$root/examples/taxi.yaml" --set source.uri="$small" \
    --set output="$model" --threads "$THREADS" >/dev/null 2>&1
  echo "$model"
}
