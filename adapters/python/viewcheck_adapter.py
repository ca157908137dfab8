#!/usr/bin/env python3
"""A viewcheck implementation-protocol-v1 adapter for NumPy-like Python libraries.

    python3 viewcheck_adapter.py --module numpy
    python3 viewcheck_adapter.py --module array_api_strict

It speaks docs/PROTOCOL.md on standard input and output and runs each
format-1 program (docs/FORMAT.md) with the library named by ``--module``.

The file has two halves.  The *core* (``serve``, ``Runner``, the index
decoding and the limit rules) is the same for every library: it keeps the
binding environment, turns exceptions into step outcomes, applies format
1.1's run-time limits and assembles the observation.  A *profile* (one class
per library, at the end) says how each op and index item is written in that
library and reads the library's own layout facts.  To adapt another
library, copy the file and write a profile: anything the library has no
equivalent for is either left out of the profile's capabilities or raised as
``Unsupported`` -- never approximated.

Only the standard library is used besides the library itself.
"""

import argparse
import json
import math
import os
import sys
import warnings

PROTOCOL = 1

#: Format 1: a step whose result would need more elements fails.
STEP_ELEMENT_LIMIT = 2**24
#: Format 1.1: all bound arrays of a program together.
PROGRAM_ELEMENT_LIMIT = 2**22
#: docs/PROTOCOL.md: the longest message line.
MAX_MESSAGE_BYTES = 2**28

#: Failures of the machine rather than verdicts of the library: reported as
#: an `error` message, never as a step outcome that could be mistaken for
#: the library's answer.
RESOURCE_ERRORS = (MemoryError, RecursionError)


class Unsupported(Exception):
    """The library has no faithful way to express this program."""


class BadProgram(Exception):
    """The program is not structurally valid format 1 (the harness only
    sends validated programs, so this is the harness's bug or a hand test)."""


# --------------------------------------------------------------------------
# Index items: decoded into library-neutral tuples first, so that the limit
# rules and capability checks do not depend on the library.


def nested_shape(nested):
    shape = []
    while isinstance(nested, list):
        shape.append(len(nested))
        if not nested:
            break
        nested = nested[0]
    return shape


def count_true(nested):
    if isinstance(nested, list):
        return sum(count_true(x) for x in nested)
    return 1 if nested is True else 0


def decode_item(item):
    if isinstance(item, bool):
        raise BadProgram(f"bare boolean index item {item!r}")
    if isinstance(item, int):
        return ("int", item)
    if item == "newaxis":
        return ("newaxis", None)
    if item == "ellipsis":
        return ("ellipsis", None)
    if isinstance(item, dict) and len(item) == 1:
        (key, payload), = item.items()
        if key == "slice" and isinstance(payload, list) and len(payload) == 3:
            return ("slice", tuple(payload))
        if key in ("array", "mask"):
            zero_d = not isinstance(payload, list)
            return (key + ("0d" if zero_d else ""), payload)
        if key == "var" and isinstance(payload, str):
            # Format 1.2: a bound array as an index array; the payload is
            # its name until the step runs (Runner.resolve).
            return ("var", payload)
    raise BadProgram(f"unknown index item {item!r}")


def index_kinds(items):
    return {kind for kind, _ in items} or {"()"}


def advanced_result_size(shape, items):
    """Elements of x[items] for an x of ``shape`` when the index has index
    arrays or masks; None when it is basic (a view, never larger than x) or
    when the size is undefined (the library then raises its own error)."""
    consumed = sum(
        len(nested_shape(p)) if k in ("mask", "mask0d") else 0 if k in ("newaxis", "ellipsis") else 1
        for k, p in items
    )
    if not any(k in ("array", "mask", "mask0d") or (k == "var" and len(p)) for k, p in items):
        return None
    if sum(k == "ellipsis" for k, _ in items) > 1 or consumed > len(shape):
        return None
    broadcast = []
    sub, axis = 1, 0
    for kind, p in items:
        if kind == "ellipsis":
            span = len(shape) - consumed
            sub *= math.prod(shape[axis : axis + span])
            axis += span
        elif kind == "slice":
            if p[2] == 0:
                return None
            sub *= len(range(*slice(*p).indices(shape[axis])))
            axis += 1
        elif kind == "array":
            broadcast.append(nested_shape(p))
            axis += 1
        elif kind == "var":  # resolved: (kind, shape of the named array)
            if len(p):
                broadcast.append(list(p))
            axis += 1
        elif kind == "mask":
            broadcast.append([count_true(p)])
            axis += len(nested_shape(p))
        elif kind == "mask0d":
            broadcast.append([1 if p else 0])
        elif kind in ("int", "array0d"):
            axis += 1
    sub *= math.prod(shape[axis:])
    ndim = max((len(s) for s in broadcast), default=0)
    out = [1] * ndim
    for s in broadcast:
        for i, n in enumerate(s, start=ndim - len(s)):
            if n != out[i] and n != 1:
                if out[i] != 1:
                    return None
                out[i] = n
    return math.prod(out) * sub


# --------------------------------------------------------------------------
# The interpreter


class Runner:
    """One program's run: the names bound so far and the step records."""

    def __init__(self, profile):
        self.profile = profile
        self.env = {}  # bound name -> array or scalar
        self.order = []  # bound names, binding order
        self.known = set()  # names some step bound, successfully or not
        self.elements = 0

    def run(self, program):
        if not isinstance(program, dict) or program.get("format") != 1:
            raise BadProgram('a program is an object with "format": 1')
        steps = [self.check_step(s) for s in program.get("steps", [])]
        self.check_capabilities(steps)
        records = []
        for step, items in steps:
            records.append(self.step(step, items))
        return self.observe(records)

    def check_step(self, step):
        if not isinstance(step, dict) or "op" not in step:
            raise BadProgram(f"not a step: {step!r}")
        items = [decode_item(i) for i in step["index"]] if "index" in step else None
        return step, items

    def check_capabilities(self, steps):
        p = self.profile
        for k, (step, items) in enumerate(steps):
            if p.OPS is not None and step["op"] not in p.OPS:
                raise Unsupported(f"steps[{k}]: op `{step['op']}` has no {p.NAME} equivalent")
            if items is not None and p.INDEX_KINDS is not None:
                for kind in sorted(index_kinds(items) - set(p.INDEX_KINDS)):
                    raise Unsupported(f"steps[{k}]: index kind `{kind}` has no {p.NAME} equivalent")

    def uses(self, step, items=None):
        names = [step[k] for k in ("src", "dst") if k in step]
        names.extend(p for kind, p in items or () if kind == "var")
        value = step.get("value")
        if isinstance(value, dict) and "var" in value:
            names.append(value["var"])
        return names

    def step(self, step, items):
        p = self.profile
        op = step["op"]
        for name in self.uses(step, items):
            if name not in self.known:
                raise BadProgram(f"name {name!r} used before it is bound")
        if "out" in step:
            self.known.add(step["out"])
        if any(name not in self.env for name in self.uses(step, items)):
            return {"skipped": True}
        if any(k in step and not p.is_array(self.env[step[k]]) for k in ("src", "dst")):
            return {"skipped": True}
        # A scalar may not be a var index item either (format 1.2).
        if any(kind == "var" and not p.is_array(self.env[n]) for kind, n in items or ()):
            return {"skipped": True}
        target = self.env.get(step.get("src", step.get("dst")))
        if items is not None:
            shaped = [(k, tuple(p.shape(self.env[n]))) if k == "var" else (k, n) for k, n in items]
            size = advanced_result_size(p.shape(target), shaped)
            items = [(k, self.env[n]) if k == "var" else (k, n) for k, n in items]
            if size is not None and size > STEP_ELEMENT_LIMIT:
                return {"error": "LimitExceeded"}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                if op in ("assign", "add_assign"):
                    value = step["value"]
                    v = self.env[value["var"]] if "var" in value else p.scalar(value["scalar"])
                    p.write(target, p.index(items), v, op == "add_assign")
                    result = None
                elif op == "array":
                    result = p.array(tuple(step["shape"]), step.get("order", "C"))
                elif op == "index":
                    result = p.getitem(target, p.index(items))
                else:
                    result = p.op(op, target, step)
            except (Unsupported, *RESOURCE_ERRORS):
                raise
            except Exception as exc:  # the library's verdict: its class name
                return {"error": type(exc).__name__}
        if result is not None:
            size = p.size(result) if p.is_array(result) else 0
            if self.elements + size > PROGRAM_ELEMENT_LIMIT:
                return {"error": "LimitExceeded"}
            self.elements += size
            self.env[step["out"]] = result
            self.order.append(step["out"])
        record = {"ok": True}
        if caught and "warnings" in p.observes():
            record["warning"] = caught[0].category.__name__
        return record

    def observe(self, records):
        p = self.profile
        fields = set(p.observes())
        arrays, buffers, names = {}, {}, []
        for name in self.order:
            x = self.env[name]
            if not p.is_array(x):
                arrays[name] = {"scalar": p.scalar_value(x)}
                continue
            facts = p.describe(x)
            owner = facts.pop("owner")
            facts["buffer"] = buffers.setdefault(owner, len(buffers))
            entry = {"shape": list(p.shape(x))}
            entry.update({k: v for k, v in facts.items() if k in fields})
            entry["values"] = p.values(x)
            arrays[name] = entry
            names.append(name)
        obs = {"format": 1, "steps": records, "arrays": arrays}
        pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]
        sharing = p.sharing()
        if "shares_memory" in fields:
            obs["shares_memory"] = [[a, b] for a, b in pairs if sharing.shares(self.env[a], self.env[b])]
        if "may_share_memory" in fields:
            obs["may_share_memory"] = [[a, b] for a, b in pairs if sharing.may_share(self.env[a], self.env[b])]
        return obs


def answer(profile, seq, program):
    try:
        observation = Runner(profile).run(program)
    except Unsupported as exc:
        return {"type": "unsupported", "seq": seq, "reason": str(exc)}
    except RESOURCE_ERRORS as exc:
        return {"type": "error", "seq": seq, "message": f"resource exhausted: {type(exc).__name__}: {exc}"}
    except BadProgram as exc:
        return {"type": "error", "seq": seq, "message": f"invalid program: {exc}"}
    except Exception as exc:  # a bug of this adapter, not the library's answer
        return {"type": "error", "seq": seq, "message": f"adapter failure: {type(exc).__name__}: {exc}"}
    return {"type": "result", "seq": seq, "observation": observation}


def serve(profile, stdin, stdout):
    def send(message):
        stdout.write(json.dumps(message, separators=(",", ":")) + "\n")
        stdout.flush()

    while True:
        # Requests are ASCII JSON in practice, so characters count bytes.
        line = stdin.readline(MAX_MESSAGE_BYTES + 2)
        if not line:
            return 0
        if len(line.rstrip("\n")) > MAX_MESSAGE_BYTES:
            print("a request line over the message limit", file=sys.stderr)
            return 1
        if not line.strip():
            continue
        request = json.loads(line)
        kind = request.get("type")
        if kind == "stop":
            return 0
        if kind == "start":
            started = {
                "type": "started",
                "protocol": PROTOCOL,
                "implementation": {"name": profile.NAME, "version": profile.version(), "language": "python"},
                "capabilities": {"observes": list(profile.observes())},
            }
            if profile.OPS is not None:
                started["capabilities"]["ops"] = sorted(profile.OPS)
            if profile.INDEX_KINDS is not None:
                started["capabilities"]["index_kinds"] = sorted(profile.INDEX_KINDS)
            send(started)
        elif kind == "run":
            send(answer(profile, request["seq"], request["program"]))
        else:
            print(f"unknown request type {kind!r}", file=sys.stderr)
            return 1


# --------------------------------------------------------------------------
# Profiles


class NumpyProfile:
    """NumPy itself: the reference, every op, index kind and field.

    The documented write semantics (FORMAT.md section 4) and the bounded
    exact overlap test are taken from the oracle's ``oracle/executor.py``
    rather than written again: those are the parts where NumPy needs tricks
    (``ufunc.at`` for the last-write-wins order, a fallback when
    ``np.shares_memory`` gives up), the corpus was recorded with them, and a
    second copy would drift.  Everything NumPy-independent stays in the core,
    so the profile is still the template for other libraries.
    """

    NAME = "numpy"
    OPS = None  # all of them
    INDEX_KINDS = None
    OBSERVABLE = (
        "strides", "offset", "buffer", "owndata", "writeable", "c_contiguous",
        "f_contiguous", "shares_memory", "may_share_memory", "warnings",
    )

    def __init__(self):
        import importlib.util

        import numpy

        # Loaded by path under a name of its own, so that nothing else
        # called `executor` on sys.path can stand in for the oracle's.
        here = os.path.dirname(os.path.abspath(__file__))
        path = os.path.join(here, "..", "..", "oracle", "executor.py")
        spec = importlib.util.spec_from_file_location("viewcheck_oracle_executor", path)
        executor = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(executor)
        self.np, self.ex = numpy, executor

    def version(self):
        return self.np.__version__

    def observes(self):
        return self.OBSERVABLE

    def is_array(self, v):
        return isinstance(v, self.np.ndarray)

    def shape(self, x):
        return x.shape

    def size(self, x):
        return int(x.size)

    def scalar(self, n):
        return n

    def scalar_value(self, v):
        return int(v)

    def index(self, items):
        np = self.np
        out = []
        for kind, p in items:
            if kind == "int":
                out.append(p)
            elif kind == "slice":
                out.append(slice(*p))
            elif kind == "newaxis":
                out.append(None)
            elif kind == "ellipsis":
                out.append(Ellipsis)
            elif kind.startswith("array"):
                out.append(np.array(p, dtype=np.intp))
            elif kind == "var":
                # The bound array itself (format 1.2), as the oracle does.
                out.append(p if p.dtype == np.intp else p.astype(np.intp))
            else:
                out.append(np.array(p, dtype=np.bool_))
        return tuple(out)

    def array(self, shape, order):
        return self.np.arange(math.prod(shape), dtype=self.np.int64).reshape(shape).copy(order=order)

    def getitem(self, x, idx):
        return x[idx]

    def op(self, op, x, s):
        np = self.np
        if op == "transpose":
            return np.transpose(x, s.get("axes"))
        if op == "swapaxes":
            return np.swapaxes(x, s["axis1"], s["axis2"])
        if op == "moveaxis":
            return np.moveaxis(x, s["source"], s["destination"])
        if op == "reshape":
            return np.reshape(x, tuple(s["shape"]), order=s.get("order", "C"), copy=s.get("copy"))
        if op == "ravel":
            return np.ravel(x, order=s.get("order", "C"))
        if op == "flatten":
            return x.flatten(order=s.get("order", "C"))
        if op == "squeeze":
            axis = s.get("axis")
            return np.squeeze(x, axis=None if axis is None else tuple(axis))
        if op == "expand_dims":
            return np.expand_dims(x, tuple(s["axis"]))
        if op == "broadcast_to":
            return np.broadcast_to(x, tuple(s["shape"]))
        if op == "diagonal":
            return np.diagonal(x, s.get("offset", 0), s.get("axis1", 0), s.get("axis2", 1))
        if op == "copy":
            return x.copy(order=s.get("order", "C"))
        if op == "asarray":
            return np.asarray(x, order=s.get("order", "K"))
        raise Unsupported(f"op `{op}`")

    def write(self, d, idx, v, add):
        # The raw statement decides the outcome (error class, warning); the
        # state is then put back and the documented write performed.
        ex = self.ex
        owner = ex._owner(d)
        snapshot = owner.copy(order="K")
        try:
            if add:
                d[idx] += v
            else:
                d[idx] = v
        finally:
            ex._restore(owner, snapshot)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the int64 wrap, already reported
            ex._documented_write(d, idx, v, add)

    def describe(self, x):
        owner = self.ex._owner(x)
        ptr = lambda a: a.__array_interface__["data"][0]
        item = x.itemsize
        return {
            "owner": id(owner),
            "strides": [s // item for s in x.strides],
            "offset": (ptr(x) - ptr(owner)) // item,
            "owndata": bool(x.flags.owndata),
            "writeable": bool(x.flags.writeable),
            "c_contiguous": bool(x.flags.c_contiguous),
            "f_contiguous": bool(x.flags.f_contiguous),
        }

    def values(self, x):
        return x.ravel(order="C").tolist()

    def sharing(self):
        np, overlap = self.np, self.ex._Overlap()

        class Sharing:
            shares = staticmethod(overlap.shares)
            may_share = staticmethod(lambda a, b: bool(np.may_share_memory(a, b)))

        return Sharing()


class ArrayApiStrictProfile:
    """array-api-strict: the Python array API standard, strictly.

    The standard has no strides, offsets, flags or memory-sharing queries
    (whether an operation returns a view is left to implementations), so
    only shapes, values and step outcomes are observed: a write through a
    view still shows in the values of every name that aliases it.  Ops the
    standard lacks (ravel, flatten, swapaxes, a NumPy-style diagonal) are
    not declared, and arguments it lacks (memory orders) are unsupported.
    """

    NAME = "array-api-strict"
    OPS = {
        "array", "index", "transpose", "moveaxis", "reshape", "squeeze",
        "expand_dims", "broadcast_to", "copy", "asarray", "assign", "add_assign",
    }
    # Every kind but format 1.2's `var`, which this profile does not run.
    INDEX_KINDS = {"int", "slice", "newaxis", "ellipsis", "array", "array0d", "mask", "mask0d", "()"}

    def __init__(self):
        import array_api_strict

        self.xp = array_api_strict
        # The standard names no array class; this is the type asarray makes.
        self.Array = type(array_api_strict.asarray(0))

    def version(self):
        return self.xp.__version__

    def observes(self):
        return ()

    def is_array(self, v):
        return isinstance(v, self.Array)

    def shape(self, x):
        return x.shape

    def size(self, x):
        return math.prod(x.shape)

    def scalar(self, n):
        return n

    def scalar_value(self, v):
        return int(v)

    def index(self, items):
        xp = self.xp
        out = []
        for kind, p in items:
            if kind == "int":
                out.append(p)
            elif kind == "slice":
                out.append(slice(*p))
            elif kind == "newaxis":
                out.append(None)
            elif kind == "ellipsis":
                out.append(Ellipsis)
            elif kind.startswith("array"):
                out.append(xp.asarray(p, dtype=xp.int64))
            elif kind == "var":
                raise Unsupported("{\"var\": ...} index items (format 1.2): not declared")
            else:
                out.append(xp.asarray(p, dtype=xp.bool))
        return tuple(out)

    def _order(self, s, default, allowed):
        order = s.get("order", default)
        if order not in allowed:
            raise Unsupported(f"order {order!r}: the array API has no memory orders")

    def array(self, shape, order):
        if order != "C":
            raise Unsupported("order 'F': the array API has no memory orders")
        return self.xp.reshape(self.xp.arange(math.prod(shape), dtype=self.xp.int64), shape)

    def getitem(self, x, idx):
        return x[idx]

    def op(self, op, x, s):
        xp = self.xp
        if op == "transpose":
            axes = s.get("axes")
            return xp.permute_dims(x, tuple(range(x.ndim))[::-1] if axes is None else tuple(axes))
        if op == "moveaxis":
            return xp.moveaxis(x, s["source"], s["destination"])
        if op == "reshape":
            self._order(s, "C", ("C",))
            return xp.reshape(x, tuple(s["shape"]), copy=s.get("copy"))
        if op == "squeeze":
            axis = s.get("axis")
            if axis is None:
                raise Unsupported("squeeze without axes: the array API requires them")
            return xp.squeeze(x, axis=tuple(axis))
        if op == "expand_dims":
            if len(s["axis"]) != 1:
                raise Unsupported("expand_dims of several axes: the array API takes one")
            return xp.expand_dims(x, axis=s["axis"][0])
        if op == "broadcast_to":
            return xp.broadcast_to(x, tuple(s["shape"]))
        if op == "copy":
            self._order(s, "C", ("C", "K"))
            return xp.asarray(x, copy=True)
        if op == "asarray":
            self._order(s, "K", ("K",))
            return xp.asarray(x)
        raise Unsupported(f"op `{op}`")

    def write(self, d, idx, v, add):
        # Rule 1 of the write semantics: the value is read completely first.
        if self.is_array(v):
            v = self.xp.asarray(v, copy=True)
        if add:
            d[idx] += v
        else:
            d[idx] = v

    def describe(self, x):
        return {"owner": id(x)}  # never reported: "buffer" is not observed

    def values(self, x):
        # The standard's only way out to Python numbers: one element at a time.
        flat = self.xp.reshape(x, (-1,))
        return [int(flat[i]) for i in range(flat.shape[0])]

    def sharing(self):
        return None


PROFILES = {"numpy": NumpyProfile, "array_api_strict": ArrayApiStrictProfile}


def _environment_with(module):
    """A Python of this repository's environments that has `module`.

    So that `python3 adapters/python/viewcheck_adapter.py --module numpy`
    works with the project's NumPy (.venv, or VIEWCHECK_VENV_DIR) and the
    other libraries' environment (.venv-adapters) without naming them.
    """
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    dirs = [os.environ.get("VIEWCHECK_VENV_DIR"), os.path.join(root, ".venv")]
    if module != "numpy":
        dirs.insert(0, os.path.join(root, ".venv-adapters"))
    for d in dirs:
        if not d:
            continue
        python = os.path.join(d, "bin", "python")
        # A venv's python links to the base interpreter: compare the
        # environments (prefixes), not the executables.
        if os.path.exists(python) and os.path.realpath(d) != os.path.realpath(sys.prefix):
            return python
    return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", required=True, choices=sorted(PROFILES))
    args = parser.parse_args(argv)
    try:
        __import__(args.module)
    except ImportError as exc:
        python = None if os.environ.get("VIEWCHECK_ADAPTER_REEXEC") else _environment_with(args.module)
        if python:
            os.environ["VIEWCHECK_ADAPTER_REEXEC"] = "1"
            os.execv(python, [python, os.path.abspath(__file__)] + sys.argv[1:])
        print(
            f"viewcheck_adapter: cannot import {args.module} with {sys.executable}: {exc}\n"
            f"Fix: run the adapter with a Python that has it, e.g. "
            f"`python3 -m venv .venv-adapters && .venv-adapters/bin/pip install -r adapters/python/requirements.txt`",
            file=sys.stderr,
        )
        return 3
    profile = PROFILES[args.module]()
    return serve(profile, sys.stdin, sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
