#!/usr/bin/env python3
"""Writes corpus/schema/{program,observation,case}.schema.json (JSON Schema 2020-12).

    python3 corpus/tools/gen_schema.py

The schemas are the machine-readable form of docs/FORMAT.md (programs and
observations) and corpus/README.md (cases). They are generated from the
tables below so that the sixteen step kinds stay consistent; edit here, run,
and commit the JSON. viewcheck::corpus::SchemaSet compiles them (with the
`boon` crate, offline: they refer to each other by their `$id`s).
"""

import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), "schema")

OPS = ["array", "index", "transpose", "swapaxes", "moveaxis", "reshape", "ravel", "flatten", "squeeze",
       "expand_dims", "broadcast_to", "diagonal", "copy", "asarray", "assign", "add_assign"]
BASE = "https://viewcheck.invalid/schema/"


def ref(n):
    return {"$ref": "#/$defs/" + n}


def obj(required, props):
    return {"type": "object", "required": ["op"] + required, "additionalProperties": False,
            "properties": dict({"op": True}, **props)}


def binding(extra, req):
    return obj(["out", "src"] + req, dict({"out": ref("name"), "src": ref("name")}, **extra))


STEPS = {
    "array": obj(["out", "shape"], {"out": ref("name"), "shape": ref("array_shape"), "order": ref("order_cf")}),
    "index": binding({"index": ref("index")}, ["index"]),
    "transpose": binding({"axes": ref("ints_or_null")}, []),
    "swapaxes": binding({"axis1": ref("int"), "axis2": ref("int")}, ["axis1", "axis2"]),
    "moveaxis": binding({"source": ref("ints"), "destination": ref("ints")}, ["source", "destination"]),
    "reshape": binding({"shape": ref("shape"), "order": ref("order_cfa"), "copy": {"type": ["boolean", "null"]}},
                       ["shape"]),
    "ravel": binding({"order": ref("order_cfak")}, []),
    "flatten": binding({"order": ref("order_cfak")}, []),
    "squeeze": binding({"axis": ref("ints_or_null")}, []),
    "expand_dims": binding({"axis": ref("ints")}, ["axis"]),
    "broadcast_to": binding({"shape": ref("shape")}, ["shape"]),
    "diagonal": binding({"offset": ref("int"), "axis1": ref("int"), "axis2": ref("int")}, []),
    "copy": binding({"order": ref("order_cfak")}, []),
    "asarray": binding({"order": ref("order_cfak")}, []),
    "assign": obj(["dst", "index", "value"], {"dst": ref("name"), "index": ref("index"), "value": ref("value")}),
    "add_assign": obj(["dst", "index", "value"], {"dst": ref("name"), "index": ref("index"), "value": ref("value")}),
}

DEFS = {
    "int": {"description": "every integer of a program lies in [-(2^31 - 1), 2^31 - 1]", "type": "integer",
            "minimum": -2147483647, "maximum": 2147483647},
    "ints": {"type": "array", "items": ref("int")},
    "ints_or_null": {"oneOf": [{"type": "null"}, ref("ints")]},
    "name": {"type": "string", "pattern": "^[a-z_][a-z0-9_]{0,31}$"},
    "extent": {"allOf": [ref("int")], "maximum": 1048576},
    "shape": {"description": "reshape / broadcast_to shape: at most 32 axes, extents at most 2^20 (negative extents go to NumPy)",
              "type": "array", "maxItems": 32, "items": ref("extent")},
    "array_shape": {"description": "array shape: at most 32 axes, extents in [0, 2^20] (and at most 2^20 elements, checked by the typed parser)",
                    "type": "array", "maxItems": 32, "items": {"allOf": [ref("extent")], "minimum": 0}},
    "order_cf": {"enum": ["C", "F"]},
    "order_cfa": {"enum": ["C", "F", "A"]},
    "order_cfak": {"enum": ["C", "F", "A", "K"]},
    "int_nest": {"description": "nested lists of integers, at most 32 deep; the nesting is the index array's shape (raggedness is checked by the typed parser)",
                 "$ref": "#/$defs/int_nest_32"},
    "bool_nest": {"description": "nested lists of booleans, at most 32 deep (a mask's shape)",
                  "$ref": "#/$defs/bool_nest_32"},
    "item": {"oneOf": [
        ref("int"),
        {"enum": ["newaxis", "ellipsis"]},
        {"type": "object", "required": ["slice"], "additionalProperties": False, "properties": {"slice": {
            "type": "array", "minItems": 3, "maxItems": 3, "items": {"oneOf": [{"type": "null"}, ref("int")]}}}},
        {"type": "object", "required": ["array"], "additionalProperties": False, "properties": {"array": ref("int_nest")}},
        {"type": "object", "required": ["mask"], "additionalProperties": False, "properties": {"mask": ref("bool_nest")}},
    ]},
    "index": {"type": "array", "items": ref("item")},
    "value": {"oneOf": [
        {"type": "object", "required": ["scalar"], "additionalProperties": False, "properties": {"scalar": ref("int")}},
        {"type": "object", "required": ["var"], "additionalProperties": False, "properties": {"var": ref("name")}},
    ]},
    "step": {
        "type": "object", "required": ["op"],
        "properties": {"op": {"enum": OPS}},
        "allOf": [{"if": {"required": ["op"], "properties": {"op": {"const": op}}}, "then": ref("step_" + op)}
                  for op in OPS],
    },
}
for _op, _s in STEPS.items():
    DEFS["step_" + _op] = _s
# An index array or mask has at most MAX_INDEX_AXES = 32 axes (NumPy 1.x's
# limit): JSON Schema has no depth keyword, so the nesting is unrolled into
# one definition per remaining axis, `*_nest_0` being a bare leaf.
MAX_INDEX_AXES = 32
for _kind, _leaf in (("int", ref("int")), ("bool", {"type": "boolean"})):
    DEFS[_kind + "_nest_0"] = _leaf
    for _k in range(1, MAX_INDEX_AXES + 1):
        DEFS["%s_nest_%d" % (_kind, _k)] = {
            "oneOf": [_leaf, {"type": "array", "items": ref("%s_nest_%d" % (_kind, _k - 1))}]}

PROGRAM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": BASE + "program.schema.json",
    "title": "viewcheck format-1 program",
    "description": "A format-1 program (docs/FORMAT.md). JSON Schema cannot express every structural rule: names used only after an earlier step binds them and bound once, non-ragged index arrays and masks, the element limits of array / broadcast_to shapes (2^20), of index arrays (2^16) and of all index arrays and masks of a program (2^20), and integers written with a fraction or exponent (`1.0`, which JSON Schema counts as an integer) are checked by the typed parser (viewcheck::format::Program::from_json); duplicate keys, the line length (2^24 bytes) and the JSON nesting depth (128) are properties of the text, checked by viewcheck::format::Program::parse. A document valid here may still be rejected whole there; one invalid here is always rejected.",
    "type": "object",
    "required": ["format", "steps"],
    "additionalProperties": False,
    "properties": {
        "format": {"const": 1},
        "name": {"type": ["string", "null"]},
        "note": {"type": ["string", "null"]},
        "steps": {"type": "array", "maxItems": 1024, "items": ref("step")},
    },
    "$defs": DEFS,
}

NAME = {"type": "string", "pattern": "^[a-z_][a-z0-9_]{0,31}$"}
OBSERVATION = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": BASE + "observation.schema.json",
    "title": "viewcheck format-1 observation",
    "description": "What one backend observed running a format-1 program (docs/FORMAT.md), or the rejection of a malformed program. Objects may carry extra informational keys (a top-level `numpy` version, `numpy_deviation` on step records, timings); comparisons ignore keys they do not know.",
    "oneOf": [ref("rejected"), ref("run")],
    "$defs": {
        "rejected": {"type": "object", "required": ["format", "format_error"],
                     "properties": {"format": {"const": 1}, "format_error": {"type": "string"}},
                     "not": {"anyOf": [{"required": ["steps"]}, {"required": ["arrays"]}]}},
        "run": {"type": "object", "required": ["format", "steps", "arrays", "shares_memory", "may_share_memory"],
                "properties": {
                    "format": {"const": 1},
                    "numpy": {"description": "informational: the NumPy version that produced the observation",
                              "type": "string"},
                    "steps": {"type": "array", "items": ref("step_record")},
                    "arrays": {"description": "the final state of every bound name, in binding order",
                               "type": "object", "propertyNames": NAME, "additionalProperties": ref("bound")},
                    "shares_memory": ref("pairs"),
                    "may_share_memory": ref("pairs")},
                "not": {"required": ["format_error"]}},
        "step_record": {
            "type": "object",
            "properties": {
                "ok": {"const": True}, "skipped": {"const": True},
                "error": {"description": "the NumPy exception class name, or LimitExceeded", "type": "string",
                          "minLength": 1},
                "warning": {"description": "the warning class name", "type": "string", "minLength": 1},
                "numpy_deviation": {"description": "informational: raw NumPy differed from the documented write semantics recorded here",
                                    "enum": ["overlap", "duplicate-order"]}},
            "oneOf": [
                {"required": ["ok"], "not": {"anyOf": [{"required": ["error"]}, {"required": ["skipped"]}]}},
                {"required": ["error"],
                 "not": {"anyOf": [{"required": ["ok"]}, {"required": ["skipped"]}, {"required": ["warning"]}]}},
                {"required": ["skipped"],
                 "not": {"anyOf": [{"required": ["ok"]}, {"required": ["error"]}, {"required": ["warning"]}]}}]},
        "bound": {"oneOf": [ref("scalar"), ref("array")]},
        "scalar": {"type": "object", "required": ["scalar"], "properties": {"scalar": {"type": "integer"}},
                   "not": {"required": ["shape"]}},
        "array": {
            "type": "object",
            "required": ["shape", "strides", "offset", "buffer", "owndata", "writeable", "c_contiguous",
                         "f_contiguous", "values"],
            "properties": {
                "shape": {"type": "array", "items": {"type": "integer", "minimum": 0}},
                "strides": {"description": "in elements", "type": "array", "items": {"type": "integer"}},
                "offset": {"description": "in elements, from the start of the owning buffer", "type": "integer"},
                "buffer": {"description": "owning buffers numbered 0, 1, ... by first appearance in binding order",
                           "type": "integer", "minimum": 0},
                "owndata": {"type": "boolean"}, "writeable": {"type": "boolean"},
                "c_contiguous": {"type": "boolean"}, "f_contiguous": {"type": "boolean"},
                "values": {"description": "flat, in C order (int64)", "type": "array", "items": {"type": "integer"}}},
            "not": {"required": ["scalar"]}},
        "pairs": {"description": "unordered pairs of array names, each in binding order", "type": "array",
                  "items": {"type": "array", "prefixItems": [NAME, NAME], "minItems": 2, "maxItems": 2,
                            "items": False}},
    },
}

VER = "[0-9]+(?:\\.[0-9]+){0,3}"
CLAUSE = "(?:==|!=|>=|<=|>|<)?\\s*" + VER
CASE = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": BASE + "case.schema.json",
    "title": "viewcheck corpus case",
    "description": "One conformance case (corpus/README.md): a format-1 program with the observation NumPy gave for it. A case file (corpus/cases/<area>/<topic>.json) is a JSON list of these.",
    "type": "object",
    "required": ["id", "description", "features", "numpy", "provenance"],
    "additionalProperties": False,
    "properties": {
        "id": {"description": "permanent; never reused", "type": "string",
               "pattern": "^VC-(?:[0-9]{4}|[1-9][0-9]{4,})$"},
        "description": {"description": "one line", "type": "string", "minLength": 1, "pattern": "^[^\\n\\r]+$"},
        "features": {"description": "tags from corpus/FEATURES, sorted", "type": "array", "uniqueItems": True,
                     "items": {"type": "string", "pattern": "^[a-z][a-z0-9_-]*(?::[A-Za-z0-9_-]+)?$"}},
        "numpy": {"description": "NumPy versions or specifiers (e.g. >=2.4.6,<2.5) the expectation holds for",
                  "type": "array", "minItems": 1,
                  "items": {"type": "string", "pattern": "^\\s*" + CLAUSE + "(?:\\s*,\\s*" + CLAUSE + ")*\\s*$"}},
        "provenance": {"type": "object", "required": ["kind", "numpy"], "additionalProperties": False,
                       "properties": {"kind": {"enum": ["hand-written", "generated", "fuzz", "regression", "matrix"]},
                                      "numpy": {"description": "the NumPy version that produced `expect`",
                                                "type": "string", "pattern": "^" + VER + "$"}}},
        "variant_of": {"description": "for a case `viewcheck matrix` derived: the case whose program it shares and whose answer it replaces on its own NumPy releases",
                       "type": "string", "pattern": "^VC-(?:[0-9]{4}|[1-9][0-9]{4,})$"},
        "program": {"description": "the format-1 program; kept as raw JSON when it is meant to be rejected"},
        "program_text": {"description": "a program that is not JSON at all, as text", "type": "string"},
        "expect": {"$ref": "observation.schema.json"},
    },
    "oneOf": [{"required": ["program"]}, {"required": ["program_text"]}],
    "if": {"required": ["expect"], "properties": {"expect": {"required": ["format_error"]}}},
    "then": True,
    "else": {"properties": {"program": {"$ref": "program.schema.json"}}},
}


def main():
    for name, doc in (("program", PROGRAM), ("observation", OBSERVATION), ("case", CASE)):
        with open(os.path.join(OUT, f"{name}.schema.json"), "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=2)
            fh.write("\n")


if __name__ == "__main__":
    main()
