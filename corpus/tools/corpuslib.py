"""Shared machinery of the corpus tools (standard library only).

* a small DSL that builds format-1 steps (``A``, ``I``, ``S``, ``R``, ...);
* ``Case`` and the case table (``case(...)``, ``area(...)``);
* the id registry ``corpus/tools/ids.json`` (slug -> permanent id);
* the canonical file layout (``format_case_file``), identical to
  ``viewcheck::corpus::format_case_file`` in ``src/corpus/layout.rs``;
* the program-derived feature tags, identical to the program part of
  ``viewcheck::corpus::derived_features``.

See ``corpus/README.md`` ("Authoring cases") for the workflow.
"""

import json
import os
import re

CORPUS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES_DIR = os.path.join(CORPUS, "cases")
REGISTRY = os.path.join(CORPUS, "tools", "ids.json")
RETIRED = os.path.join(CORPUS, "RETIRED")
RULES = os.path.join(CORPUS, "RULES.md")

DEFAULT_NUMPY = [">=2.4.6,<2.5"]
RECORDING_NUMPY = "2.4.6"
MANUAL_FEATURES = ("seed-claim", "regression")

# --------------------------------------------------------------------------
# Step DSL (format 1; see docs/FORMAT.md)

N = "newaxis"
E = "ellipsis"
_UNSET = object()


def S(start=None, stop=None, step=None):
    """A slice item start:stop:step."""
    return {"slice": [start, stop, step]}


FULL = S()


def X(nested):
    """An intp index array item (nested lists of ints; a bare int is 0-d)."""
    return {"array": nested}


def M(nested):
    """A boolean mask item (nested lists of bools; a bare bool is 0-d)."""
    return {"mask": nested}


def _val(v):
    if isinstance(v, str):
        return {"var": v}
    if isinstance(v, bool) or not isinstance(v, int):
        raise TypeError(f"value must be an int or a name, got {v!r}")
    return {"scalar": v}


def A(out, *shape, order=None):
    """array: np.arange(n).reshape(shape).copy(order)."""
    st = {"op": "array", "out": out, "shape": list(shape)}
    if order is not None:
        st["order"] = order
    return st


def I(out, src, *items):
    """index: out = src[items]."""
    return {"op": "index", "out": out, "src": src, "index": list(items)}


def T(out, src, axes=_UNSET):
    """transpose (axes None/omitted reverses)."""
    st = {"op": "transpose", "out": out, "src": src}
    if axes is not _UNSET:
        st["axes"] = axes
    return st


def SW(out, src, a1, a2):
    return {"op": "swapaxes", "out": out, "src": src, "axis1": a1, "axis2": a2}


def MV(out, src, source, destination):
    return {"op": "moveaxis", "out": out, "src": src, "source": source, "destination": destination}


def R(out, src, shape, order=None, copy=_UNSET):
    st = {"op": "reshape", "out": out, "src": src, "shape": list(shape)}
    if order is not None:
        st["order"] = order
    if copy is not _UNSET:
        st["copy"] = copy
    return st


def _with_order(op, out, src, order):
    """A step of an op whose only option is `order` (omitted: the op's default)."""
    st = {"op": op, "out": out, "src": src}
    if order is not None:
        st["order"] = order
    return st


def RAV(out, src, order=None):
    return _with_order("ravel", out, src, order)


def FL(out, src, order=None):
    return _with_order("flatten", out, src, order)


def SQ(out, src, axis=_UNSET):
    st = {"op": "squeeze", "out": out, "src": src}
    if axis is not _UNSET:
        st["axis"] = axis
    return st


def ED(out, src, axis):
    return {"op": "expand_dims", "out": out, "src": src, "axis": list(axis)}


def BT(out, src, shape):
    return {"op": "broadcast_to", "out": out, "src": src, "shape": list(shape)}


def DG(out, src, offset=None, axis1=None, axis2=None):
    st = {"op": "diagonal", "out": out, "src": src}
    for k, v in (("offset", offset), ("axis1", axis1), ("axis2", axis2)):
        if v is not None:
            st[k] = v
    return st


def CP(out, src, order=None):
    return _with_order("copy", out, src, order)


def AS(out, src, order=None):
    return _with_order("asarray", out, src, order)


def SET(dst, items, value):
    """assign: dst[items] = value (int -> scalar, str -> var)."""
    return {"op": "assign", "dst": dst, "index": list(items), "value": _val(value)}


def ADD(dst, items, value):
    """add_assign: dst[items] += value."""
    return {"op": "add_assign", "dst": dst, "index": list(items), "value": _val(value)}


# --------------------------------------------------------------------------
# The case table


class Case:
    def __init__(self, slug, area, topic, description, program=None, program_text=None,
                 rules=(), manual=(), kind="hand-written", numpy=None, malformed=False):
        self.slug = slug
        self.area = area
        self.topic = topic
        self.description = description
        self.program = program
        self.program_text = program_text
        self.rules = tuple(rules)
        self.manual = tuple(manual)
        self.kind = kind
        self.numpy = list(numpy or DEFAULT_NUMPY)
        # raw_case / text_case programs are meant to be rejected whole
        self.malformed = malformed


TABLE = []
_current = {"area": None, "topic": None, "manual": (), "kind": "hand-written"}


def area(name, topic, manual=(), kind="hand-written"):
    """Sets the area / topic (file) that the following ``case`` calls go to."""
    _current.update(area=name, topic=topic, manual=tuple(manual), kind=kind)


def case(slug, description, *steps, rules=(), tags=(), numpy=None):
    """A case whose program is the given steps."""
    program = {"format": 1, "steps": list(steps)}
    _add(Case(slug, _current["area"], _current["topic"], description, program=program,
              rules=_rules(rules), manual=_current["manual"] + tuple(tags), kind=_current["kind"],
              numpy=numpy))


def raw_case(slug, description, program, rules=(), tags=()):
    """A case whose program is given as a raw JSON value (e.g. malformed)."""
    _add(Case(slug, _current["area"], _current["topic"], description, program=program,
              rules=_rules(rules), manual=_current["manual"] + tuple(tags), kind=_current["kind"],
              malformed=True))


def text_case(slug, description, text, rules=(), tags=()):
    """A case whose program is text that is not JSON at all."""
    _add(Case(slug, _current["area"], _current["topic"], description, program_text=text,
              rules=_rules(rules), manual=_current["manual"] + tuple(tags), kind=_current["kind"],
              malformed=True))


def _rules(r):
    return (r,) if isinstance(r, str) else tuple(r)


_SLUG = re.compile(r"^[a-z0-9][A-Za-z0-9-]*$")


def _add(c):
    if not _SLUG.match(c.slug):
        raise ValueError(f"bad slug {c.slug!r}")
    if any(o.slug == c.slug for o in TABLE):
        raise ValueError(f"duplicate slug {c.slug!r}")
    if "\n" in c.description or not c.description.strip():
        raise ValueError(f"{c.slug}: description must be one line")
    TABLE.append(c)


# --------------------------------------------------------------------------
# Feature tags derived from the program (mirror of src/corpus/features.rs)

_DEFAULT_ORDER = {"array": "C", "reshape": "C", "ravel": "C", "flatten": "C", "copy": "C", "asarray": "K"}


def _nd_is_0d(v):
    return not isinstance(v, list)


def program_features(c):
    """Tags implied by the program alone (the rest come from `record`)."""
    if c.malformed:
        return {"format-error"}
    tags = set()
    for st in c.program["steps"]:
        op = st["op"]
        tags.add("op:" + op)
        if op in _DEFAULT_ORDER:
            tags.add("order:" + st.get("order", _DEFAULT_ORDER[op]))
        if op == "reshape" and st.get("copy") is not None:
            tags.add("reshape-copy")
        if op in ("index", "assign", "add_assign"):
            if op != "index" and "var" in st["value"]:
                tags.add("value:var")
            if not st["index"]:
                tags.add("item:empty-tuple")
            for it in st["index"]:
                if isinstance(it, int):
                    tags.add("item:int")
                elif it == N:
                    tags.add("item:newaxis")
                elif it == E:
                    tags.add("item:ellipsis")
                elif "slice" in it:
                    tags.add("item:slice")
                elif "array" in it:
                    tags.add("item:array-0d" if _nd_is_0d(it["array"]) else "item:array")
                elif "mask" in it:
                    tags.add("item:mask-0d" if _nd_is_0d(it["mask"]) else "item:mask")
    return tags


# --------------------------------------------------------------------------
# Canonical layout (mirror of format_case_file in src/corpus/layout.rs)

_KEYS = {
    "case": ["id", "description", "features", "numpy", "provenance", "variant_of", "program", "program_text", "expect"],
    "provenance": ["kind", "numpy"],
    "program": ["format", "name", "note", "steps"],
    "step": ["op", "out", "dst", "src", "index", "value", "shape", "offset", "axis1", "axis2",
             "source", "destination", "axes", "axis", "order", "copy"],
    "observation": ["format", "numpy", "format_error", "steps", "arrays", "shares_memory",
                    "may_share_memory"],
    "step_record": ["ok", "error", "skipped", "warning", "numpy_deviation"],
    "array_record": ["scalar", "shape", "strides", "offset", "buffer", "owndata", "writeable",
                     "c_contiguous", "f_contiguous", "values"],
}


def _child_ctx(ctx, key):
    if ctx == "case":
        return {"provenance": "provenance", "program": "program", "expect": "observation"}.get(key, "other")
    if ctx == "observation" and key == "arrays":
        return "arrays"
    if ctx == "arrays":
        return "array_record"
    return "other"


def _element_ctx(ctx, key):
    if key == "steps":
        return {"program": "step", "observation": "step_record"}.get(ctx, "other")
    return "other"


def _ordered(m, ctx, binding):
    known = binding if ctx == "arrays" else _KEYS.get(ctx, [])
    big = len(known) + 1

    def key(k):
        return (known.index(k) if k in known else big, _utf8(k))

    return sorted(m.keys(), key=key)


def _utf8(s):
    return s.encode("utf-8")


def _scalar(v):
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    return json.dumps(v)


def _inline(v, ctx, list_ctx, binding):
    if isinstance(v, list):
        return "[" + ", ".join(_inline(x, list_ctx, "other", binding) for x in v) + "]"
    if isinstance(v, dict):
        parts = []
        for k in _ordered(v, ctx, binding):
            parts.append(_scalar(k) + ": " + _inline(v[k], _child_ctx(ctx, k), _element_ctx(ctx, k), binding))
        return "{" + ", ".join(parts) + "}"
    return _scalar(v)


def _member(key, v, ctx, binding, indent):
    pad = " " * indent
    if key == "steps" and isinstance(v, list) and v:
        ectx = _element_ctx(ctx, key)
        lines = [pad + "  " + _inline(x, ectx, "other", binding) for x in v]
        return "[\n" + ",\n".join(lines) + "\n" + pad + "]"
    if key == "arrays" and ctx == "observation" and isinstance(v, dict) and v:
        lines = [pad + "  " + _scalar(k) + ": " + _inline(v[k], "array_record", "other", binding)
                 for k in _ordered(v, "arrays", binding)]
        return "{\n" + ",\n".join(lines) + "\n" + pad + "}"
    return _inline(v, _child_ctx(ctx, key), _element_ctx(ctx, key), binding)


def _binding_order(program):
    names = []
    if isinstance(program, dict) and isinstance(program.get("steps"), list):
        for s in program["steps"]:
            if isinstance(s, dict) and isinstance(s.get("out"), str):
                names.append(s["out"])
    return names


def _case_text(c):
    if not isinstance(c, dict):
        return "  " + _inline(c, "other", "other", [])
    binding = _binding_order(c.get("program"))
    lines = []
    for k in _ordered(c, "case", []):
        v = c[k]
        if k in ("program", "expect") and isinstance(v, dict) and v:
            ctx = _child_ctx("case", k)
            inner = ["      " + _scalar(k2) + ": " + _member(k2, v[k2], ctx, binding, 6)
                     for k2 in _ordered(v, ctx, binding)]
            text = "{\n" + ",\n".join(inner) + "\n    }"
        else:
            text = _inline(v, _child_ctx("case", k), "other", binding)
        lines.append("    " + _scalar(k) + ": " + text)
    return "  {\n" + ",\n".join(lines) + "\n  }"


def format_case_file(cases):
    if not cases:
        return "[]\n"
    return "[\n" + ",\n".join(_case_text(c) for c in cases) + "\n]\n"


# --------------------------------------------------------------------------
# Files, ids


def load_existing():
    """{path: [case dict, ...]} for every case file under cases/."""
    out = {}
    for root, _dirs, files in os.walk(CASES_DIR):
        for f in sorted(files):
            if f.endswith(".json"):
                p = os.path.join(root, f)
                with open(p, encoding="utf-8") as fh:
                    out[p] = json.load(fh)
    return out


def id_number(i):
    return int(i.split("-", 1)[1])


def format_id(n):
    return f"VC-{n:04d}"


def load_registry():
    if not os.path.exists(REGISTRY):
        return {}
    with open(REGISTRY, encoding="utf-8") as fh:
        return json.load(fh)["ids"]


def save_registry(ids):
    items = sorted(ids.items(), key=lambda kv: id_number(kv[1]))
    body = ",\n".join(f"    {json.dumps(k)}: {json.dumps(v)}" for k, v in items)
    text = ('{\n  "comment": "slug -> permanent case id; append-only (an id is never reused)",\n'
            '  "ids": {\n' + body + "\n  }\n}\n")
    with open(REGISTRY, "w", encoding="utf-8") as fh:
        fh.write(text)


def read_retired():
    if not os.path.exists(RETIRED):
        return []
    out = []
    with open(RETIRED, encoding="utf-8") as fh:
        for line in fh:
            s = line.split("#", 1)[0].strip()
            if s:
                out.append(s)
    return out
