#!/bin/bash -eu
# Builds the Python-free fuzz targets for ClusterFuzzLite / OSS-Fuzz.
#
# `cargo fuzz build -O` picks up the sanitizer and coverage flags of the
# base-builder-rust image. The targets are built without the `oracle`
# feature (the fuzz crate's default), so nothing links libpython.
cd "$SRC/viewcheck"

for target in invariants format; do
  cargo fuzz build -O "$target"
  cp "fuzz/target/x86_64-unknown-linux-gnu/release/$target" "$OUT/"
done

# Seeds for `format`: the program of every corpus case, one file each.
seeds="$WORK/format_seeds"
mkdir -p "$seeds"
python3 - "$SRC/viewcheck/corpus/cases" "$seeds" <<'PY'
import hashlib, json, pathlib, sys
cases, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for path in sorted(cases.rglob("*.json*")) if cases.exists() else []:
    text = path.read_text()
    try:
        docs = json.loads(text)  # a case file is a JSON list of cases
    except ValueError:
        docs = [json.loads(l) for l in text.splitlines() if l.strip()]
    if isinstance(docs, dict):
        docs = [docs]
    for doc in docs:
        if isinstance(doc, dict) and "program" in doc:
            p = json.dumps(doc["program"], separators=(",", ":"))
            (out / (hashlib.sha1(p.encode()).hexdigest() + ".json")).write_text(p)
PY
if [ -n "$(ls -A "$seeds")" ]; then
  (cd "$seeds" && zip -q "$OUT/format_seed_corpus.zip" ./*)
fi
