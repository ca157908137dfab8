#!/usr/bin/env python3
"""The plain-Python baseline of `viewcheck bench`.

Runs format-1 programs (JSON Lines) in NumPy in one plain loop -- parse a
line, run its steps, observe naively, write the observation as JSON -- so
that viewcheck's throughput can be compared with what a Python script doing
the same job gets. The steps run in the oracle's own executor
(oracle/executor.py: the same ops, errors and documented writes); only the
observation is the naive one: `tolist()` per array and `np.shares_memory`
(exact, unbounded) and `np.may_share_memory` on every pair of arrays.

    python bench/baseline.py PROGRAMS.jsonl [OUT]

Prints one JSON line: {"programs": N, "seconds": S, "programs_per_second": R},
timing the loop only (not the interpreter's start-up nor NumPy's import).
Observations go to OUT (default: discarded). Run it with the Python of the
project's virtual environment (the pinned NumPy).
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracle"))

import numpy as np  # noqa: E402

import executor  # noqa: E402


def observe(env, order):
    arrays = {}
    names = []
    for name in order:
        value = env[name]
        if isinstance(value, np.ndarray):
            base = value
            while isinstance(base.base, np.ndarray):
                base = base.base
            arrays[name] = {
                "shape": list(value.shape),
                "strides": [s // value.itemsize for s in value.strides],
                "offset": (value.__array_interface__["data"][0] - base.__array_interface__["data"][0])
                // value.itemsize,
                "owndata": bool(value.flags.owndata),
                "writeable": bool(value.flags.writeable),
                "c_contiguous": bool(value.flags.c_contiguous),
                "f_contiguous": bool(value.flags.f_contiguous),
                "values": value.tolist(),
            }
            names.append(name)
        else:
            arrays[name] = {"scalar": int(value)}
    shares, may_share = [], []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if np.may_share_memory(env[a], env[b]):
                may_share.append([a, b])
            if np.shares_memory(env[a], env[b]):
                shares.append([a, b])
    return arrays, shares, may_share


def run(program):
    state = executor._State()
    records = []
    for step in program["steps"]:
        try:
            records.append(executor._run_step(step, state))
        except executor.ProgramError as exc:
            return {"format": 1, "format_error": str(exc)}
    arrays, shares, may_share = observe(state.env, state.order)
    return {
        "format": 1,
        "steps": records,
        "arrays": arrays,
        "shares_memory": shares,
        "may_share_memory": may_share,
    }


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        lines = [line for line in f if line.strip()]
    out = open(argv[2] if len(argv) == 3 else os.devnull, "w", encoding="utf-8")
    start = time.perf_counter()
    with out:
        for line in lines:
            observation = run(json.loads(line))
            out.write(json.dumps(observation, separators=(",", ":")) + "\n")
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "programs": len(lines),
                "seconds": seconds,
                "programs_per_second": len(lines) / seconds if seconds > 0 else None,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
