#!/usr/bin/env python3
"""Writes the hand-written cases of the corpus from the tables in cases_table.py.

    python3 corpus/tools/gen_cases.py            # write corpus/cases/**, ids.json, RETIRED, RULES.md Cases lines
    python3 corpus/tools/gen_cases.py --check    # write nothing; exit 1 if anything would change
    .venv/bin/python corpus/tools/gen_cases.py --preview [SLUG-OR-ID ...]
                                                 # print NumPy's step outcomes (oracle/executor.py)

Then record the new or changed cases with NumPy (`viewcheck record`, i.e.
`viewcheck::corpus::record` with the `unrecorded` filter) and run
`viewcheck validate`.

What it does:
* every table entry gets its permanent id from ids.json (slug -> id); a new
  slug gets the next unused number; an id whose slug left the tables is
  listed in corpus/RETIRED and never reused;
* a case whose program is unchanged keeps its recorded `expect`,
  `provenance.numpy` and derived `features`; a new or changed one is written
  without `expect` (to be recorded) and with its program-derived features;
* cases in the files that the tables do not produce (other provenance) are
  kept as they are;
* the `- Cases:` line of every rule in corpus/RULES.md is set to the ids of
  the cases whose table entry names that rule.
Only the Python standard library is needed (``--preview`` also needs NumPy).
"""

import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import corpuslib as cl  # noqa: E402
import cases_table  # noqa: E402,F401  (fills cl.TABLE)


def build():
    registry = cl.load_registry()
    existing = cl.load_existing()
    retired = set(cl.read_retired())
    by_id = {}
    for path, cases in existing.items():
        for c in cases:
            if isinstance(c, dict) and "id" in c:
                by_id[c["id"]] = (path, c)
    used = set(registry.values()) | set(by_id) | retired
    next_no = max((cl.id_number(i) for i in used), default=0) + 1
    generated = {}  # path -> [case dicts]
    gen_ids = set()
    rule_ids = {}
    needs_record = []
    for entry in cl.TABLE:
        cid = registry.get(entry.slug)
        if cid is None:
            cid = cl.format_id(next_no)
            next_no += 1
            registry[entry.slug] = cid
        gen_ids.add(cid)
        for r in entry.rules:
            rule_ids.setdefault(r, []).append(cid)
        manual = sorted(set(entry.manual))
        d = {
            "id": cid,
            "description": entry.description,
            "features": None,
            "numpy": entry.numpy,
            "provenance": {"kind": entry.kind, "numpy": cl.RECORDING_NUMPY},
        }
        if entry.program_text is not None:
            d["program_text"] = entry.program_text
        else:
            d["program"] = entry.program
        old = by_id.get(cid, (None, None))[1]
        same = (
            old is not None
            and old.get("program") == d.get("program")
            and old.get("program_text") == d.get("program_text")
            and ("program" in old) == ("program" in d)
            and "expect" in old
        )
        if same:
            # `viewcheck matrix --write` sets the releases an answer holds
            # for; the table's default range does not undo that.
            if entry.numpy == cl.DEFAULT_NUMPY and "numpy" in old:
                d["numpy"] = old["numpy"]
            d["expect"] = old["expect"]
            d["provenance"]["numpy"] = old.get("provenance", {}).get("numpy", cl.RECORDING_NUMPY)
            derived = set(old.get("features", [])) - set(cl.MANUAL_FEATURES)
            d["features"] = sorted(derived | set(manual))
        else:
            d["features"] = sorted(cl.program_features(entry) | set(manual))
            needs_record.append(cid)
        path = os.path.join(cl.CASES_DIR, entry.area, entry.topic + ".json")
        generated.setdefault(path, []).append(d)
    # Cases the tables do not produce stay where they are.
    outputs = {}
    for path, cases in existing.items():
        foreign = [c for c in cases if not (isinstance(c, dict) and c.get("id") in gen_ids)
                   and not (isinstance(c, dict) and c.get("id") in registry.values())]
        if path in generated:
            outputs[path] = generated[path] + foreign
        elif foreign:
            outputs[path] = foreign if len(foreign) != len(cases) else cases
        else:
            outputs[path] = None  # only retired generator cases: delete the file
    for path, cases in generated.items():
        outputs.setdefault(path, cases)
    newly_retired = sorted(set(registry.values()) - gen_ids - retired, key=cl.id_number)
    return registry, outputs, existing, rule_ids, needs_record, newly_retired


def rules_text(rule_ids):
    """RULES.md with every rule's `- Cases:` line set from the tables."""
    if not os.path.exists(cl.RULES):
        return None, [], sorted(rule_ids)
    with open(cl.RULES, encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    current = None
    seen = set()
    without_line = []
    for i, line in enumerate(lines):
        m = re.match(r"^### ([RV]-[A-Z]+-\d+)\b", line)
        if m:
            current = m.group(1)
            seen.add(current)
            continue
        if line.startswith("#"):
            current = None
            continue
        if current and line.startswith("- Cases:"):
            ids = sorted(set(rule_ids.get(current, [])), key=cl.id_number)
            if ids:
                lines[i] = "- Cases: " + ", ".join(ids)
            else:
                without_line.append(current)
    missing = sorted(set(rule_ids) - seen)
    return "\n".join(lines), without_line, missing


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def main(argv):
    check = "--check" in argv
    if "--preview" in argv:
        return preview([a for a in argv[1:] if not a.startswith("--")])
    registry, outputs, existing, rule_ids, needs_record, newly_retired = build()
    changes = []
    for path, cases in sorted(outputs.items()):
        rel = os.path.relpath(path, cl.CORPUS)
        if cases is None:
            changes.append(f"delete {rel}")
            if not check:
                os.remove(path)
            continue
        text = cl.format_case_file(cases)
        old = None
        if os.path.exists(path):
            with open(path, encoding="utf-8") as fh:
                old = fh.read()
        if old != text:
            changes.append(f"write {rel} ({len(cases)} cases)")
            if not check:
                write(path, text)
    rtext, without_line, missing = rules_text(rule_ids)
    if rtext is not None:
        with open(cl.RULES, encoding="utf-8") as fh:
            if fh.read() != rtext:
                changes.append("update corpus/RULES.md Cases lines")
                if not check:
                    write(cl.RULES, rtext)
    if newly_retired:
        changes.append("retire " + ", ".join(newly_retired))
        if not check:
            with open(cl.RETIRED, "a", encoding="utf-8") as fh:
                for i in newly_retired:
                    fh.write(i + "\n")
    if not check:
        cl.save_registry(registry)
    for c in changes:
        print(c)
    counts = {}
    for e in cl.TABLE:
        counts[e.area] = counts.get(e.area, 0) + 1
    print("cases per area:", ", ".join(f"{a} {n}" for a, n in sorted(counts.items())),
          f"(total {len(cl.TABLE)})")
    if needs_record:
        print(f"{len(needs_record)} case(s) need recording:", " ".join(needs_record[:20]),
              "..." if len(needs_record) > 20 else "")
    if missing:
        print("warning: rules named in the tables but absent from RULES.md:", ", ".join(missing))
    if without_line:
        print("warning: rules in RULES.md without table cases:", ", ".join(without_line))
    return 1 if (check and changes) else 0


def preview(selectors):
    sys.path.insert(0, os.path.join(os.path.dirname(cl.CORPUS), "oracle"))
    import executor  # noqa: E402  (needs NumPy)

    registry = cl.load_registry()
    for e in cl.TABLE:
        cid = registry.get(e.slug, "new")
        if selectors and e.slug not in selectors and cid not in selectors and e.area not in selectors:
            continue
        if e.malformed:
            print(f"{cid} {e.slug}: (malformed program; recorded by viewcheck)")
            continue
        obs = executor.run_program(json.loads(json.dumps(e.program)))
        outs = []
        for s in obs["steps"]:
            if "error" in s:
                outs.append(s["error"])
            elif s.get("skipped"):
                outs.append("skip")
            else:
                outs.append("ok" + ("~" + s["warning"] if "warning" in s else "")
                            + ("!" + s["numpy_deviation"] if "numpy_deviation" in s else ""))
        print(f"{cid} {e.slug}: {' '.join(outs)}")
        for name, a in obs["arrays"].items():
            if "scalar" in a:
                print(f"    {name} = {a['scalar']}")
            else:
                vals = a["values"] if len(a["values"]) <= 24 else a["values"][:24] + ["..."]
                print(f"    {name}: shape={a['shape']} st={a['strides']} off={a['offset']} buf={a['buffer']} "
                      f"own={int(a['owndata'])} W={int(a['writeable'])} C={int(a['c_contiguous'])} "
                      f"F={int(a['f_contiguous'])} {vals}")
        if obs["shares_memory"] or obs["may_share_memory"]:
            print(f"    shares={obs['shares_memory']} may={obs['may_share_memory']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
