"""The hand-written cases of the corpus, as compact tables.

Each ``case(slug, description, *steps, rules=...)`` becomes one case in
``corpus/cases/<area>/<topic>.json`` (set by the preceding ``area(...)``).
The slug is the case's key in ids.json (its id never changes); ``rules``
names the RULES.md rules the case demonstrates. The step helpers are
documented in corpuslib.py; ``N``/``E`` are newaxis/ellipsis, ``S`` a slice,
``X`` an index array, ``M`` a mask, ``V`` a bound array as an index array
(format 1.2); a write value is an int (scalar) or a name (var).
"""

from corpuslib import (  # noqa: F401
    A, ADD, AS, BT, CP, DG, E, ED, FL, FULL, I, M, MV, N, R, RAV, S, SET, SQ, SW, T, V, X,
    area, case, raw_case, text_case,
)

t, f = True, False

# ==========================================================================
# basic-indexing
# ==========================================================================

area("basic-indexing", "integers")
case("int-row-2d", "An integer on the first axis of a 2-d array gives a 1-d view of that row",
     A("a", 3, 4), I("r", "a", 1), rules=["R-INDEX-1", "R-INDEX-2"])
case("int-col-2d", "A full slice then an integer gives a strided view of one column",
     A("a", 3, 4), I("c", "a", FULL, 2), rules=["R-INDEX-1", "R-FLAGS-3"])
case("int-negative", "A negative integer counts once from the end of its axis",
     A("a", 3, 4), I("r", "a", -1), rules=["R-INDEX-3"])
case("int-negative-lowest", "-n is the lowest integer accepted on an axis of extent n",
     A("a", 10), I("s", "a", -10), rules=["R-INDEX-3", "R-INDEX-1"])
case("int-oob-high", "An integer equal to the extent raises IndexError",
     A("a", 10), I("s", "a", 10), rules=["R-INDEX-3"])
case("int-oob-low", "An integer below -n raises IndexError",
     A("a", 10), I("s", "a", -11), rules=["R-INDEX-3"])
case("int-oob-second-axis", "Bounds are checked per axis: 3 is out of range on an axis of extent 3",
     A("a", 2, 3), I("s", "a", 0, 3), rules=["R-INDEX-3"])
case("int-oob-huge", "The largest format integer is out of bounds on a short axis",
     A("a", 5), I("s", "a", 2147483647), rules=["R-INDEX-3"])
case("int-oob-huge-negative", "The most negative format integer is out of bounds",
     A("a", 5), I("s", "a", -2147483647), rules=["R-INDEX-3"])
case("int-full-scalar", "Integers on every axis give a scalar, not an array",
     A("a", 2, 3), I("s", "a", 1, 2), rules=["R-INDEX-1"])
case("int-scalar-is-copy", "A scalar read by integers keeps its value when the array is written later",
     A("a", 2, 3), I("s", "a", 1, 2), SET("a", [1, 2], 99), rules=["R-INDEX-1", "V-STEP-2"])
case("int-3d-middle", "An integer on the middle axis removes that axis and moves the offset",
     A("a", 2, 3, 4), I("m", "a", FULL, 1), rules=["R-INDEX-2"])
case("int-implicit-ellipsis", "Fewer indices than axes leave the trailing axes whole",
     A("a", 2, 3, 4), I("v", "a", 1), I("w", "a", 1, 2), rules=["R-INDEX-2"])
case("int-row-write-through", "Adding to a row view taken by an integer changes the parent",
     A("a", 3, 4), I("r", "a", 1), ADD("r", [], 100), rules=["R-WRITE-2", "R-INDEX-1"])
case("int-chain-equals-pair", "Indexing a row view by an integer gives the same scalar as a pair of integers",
     A("a", 3, 4), I("r", "a", 2), I("s", "r", 3), I("u", "a", 2, 3), rules=["R-INDEX-1"])
case("int-on-reversed", "An integer on a reversed view addresses the logical position",
     A("a", 5), I("r", "a", S(None, None, -1)), I("s", "r", 0), I("u", "r", -1), rules=["R-INDEX-3", "R-SLICE-1"])
case("int-on-view-offset", "A row of a shifted view has an offset relative to the owner",
     A("a", 4, 5), I("v", "a", S(1, None), S(2, None)), I("r", "v", 1), rules=["R-BUF-1", "R-INDEX-2"])

area("basic-indexing", "newaxis-ellipsis")
case("newaxis-middle", "newaxis inserts a length-1 axis with stride 0",
     A("a", 2, 3), I("b", "a", FULL, N, FULL), rules=["R-INDEX-4", "R-FLAGS-1"])
case("newaxis-both-ends", "newaxis before and after an ellipsis adds stride-0 axes at both ends",
     A("a", 2, 3), I("b", "a", N, E, N), rules=["R-INDEX-4", "R-INDEX-5"])
case("newaxis-leading", "A single newaxis prepends a length-1 axis",
     A("a", 2, 3), I("b", "a", N), rules=["R-INDEX-4"])
case("newaxis-strided-column", "newaxis on a strided 1-d view gives a column that is neither C nor F",
     A("a", 6), I("s", "a", S(None, None, 2)), I("c", "s", FULL, N), rules=["R-INDEX-4", "R-FLAGS-1"])
case("newaxis-not-counted", "newaxis and ellipsis do not count towards the number of indexed axes",
     A("a", 2, 3), I("b", "a", 0, N, 1, E, N), rules=["R-INDEX-6", "R-INDEX-4"])
case("newaxis-on-0d", "newaxis on a 0-d array gives a (1,) view with stride 0",
     A("z"), I("b", "z", N), rules=["R-INDEX-7", "R-INDEX-4"])
case("newaxis-many", "Ten newaxis items on a 1-d array give an 11-d view",
     A("a", 3), I("b", "a", *([N] * 10)), rules=["R-INDEX-4"])
case("ellipsis-alone", "An ellipsis alone gives a new view with the same layout",
     A("a", 2, 3), I("b", "a", E), rules=["R-INDEX-5"])
case("ellipsis-middle", "An ellipsis between two integers covers the middle axes",
     A("a", 2, 3, 4), I("b", "a", 0, E, 1), rules=["R-INDEX-5"])
case("ellipsis-zero-axes", "Integers on every axis plus an ellipsis give a 0-d view, not a scalar",
     A("a", 2, 3), I("v", "a", 1, 2, E), rules=["R-INDEX-5", "R-INDEX-1"])
case("ellipsis-0d-view-writes", "Writing through a 0-d view made with an ellipsis changes the parent",
     A("a", 2, 3), I("v", "a", 1, 2, E), ADD("v", [], 100), rules=["R-INDEX-5", "R-WRITE-2"])
case("ellipsis-twice", "A second ellipsis raises IndexError",
     A("a", 2, 3), I("b", "a", E, 0, E), rules=["R-INDEX-5"])
case("ellipsis-trailing-newaxis", "An ellipsis then newaxis appends a stride-0 axis",
     A("a", 2, 3, 4), I("b", "a", E, N), rules=["R-INDEX-5", "R-INDEX-4"])
case("ellipsis-leading-slice", "An ellipsis then a slice slices the last axis",
     A("a", 2, 3, 4), I("b", "a", E, S(None, None, 2)), rules=["R-INDEX-5"])
case("too-many-ints", "Three integers on a 2-d array raise IndexError",
     A("a", 2, 3), I("b", "a", 0, 1, 0), rules=["R-INDEX-6"])
case("too-many-slices", "Three slices on a 2-d array raise IndexError",
     A("a", 2, 3), I("b", "a", FULL, FULL, FULL), rules=["R-INDEX-6"])
case("too-many-with-ellipsis", "An ellipsis does not rescue an index that consumes too many axes",
     A("a", 2, 3), I("b", "a", 0, E, 1, 0), rules=["R-INDEX-6", "R-INDEX-5"])
case("empty-tuple-view", "The empty index tuple on a 2-d array gives a new view",
     A("a", 2, 3), I("b", "a"), rules=["R-INDEX-1"])
case("index-items-129", "More than 128 index items raise IndexError",
     A("a", 2), I("b", "a", *([N] * 129)), rules=["R-INDEX-10"])
case("index-result-65-dims", "A view with more than 64 axes raises IndexError",
     A("a", 2), I("b", "a", *([N] * 64)), rules=["R-INDEX-10"])
case("index-result-64-dims", "A view with exactly 64 axes is allowed",
     A("a", 2), I("b", "a", *([N] * 63)), rules=["R-INDEX-10"])

area("basic-indexing", "zero-d")
case("zd-flags", "A fresh 0-d array is both C- and F-contiguous and owns its data",
     A("z"), rules=["R-FLAGS-3", "R-OWN-1"])
case("zd-empty-tuple-scalar", "The empty tuple on a 0-d array gives a scalar",
     A("z"), I("s", "z"), rules=["R-INDEX-7"])
case("zd-ellipsis-view", "An ellipsis on a 0-d array gives a 0-d view",
     A("z"), I("v", "z", E), rules=["R-INDEX-7", "R-INDEX-5"])
case("zd-int-error", "An integer on a 0-d array raises IndexError",
     A("z"), I("s", "z", 0), rules=["R-INDEX-7", "R-INDEX-6"])
case("zd-array-error", "An index array on a 0-d array raises IndexError",
     A("z"), I("s", "z", X([0])), rules=["R-INDEX-7"])
case("zd-slice-error", "A slice on a 0-d array raises IndexError",
     A("z"), I("s", "z", FULL), rules=["R-INDEX-7"])
case("zd-write-ellipsis", "Writing a 0-d array through an ellipsis",
     A("z"), SET("z", [E], 7), rules=["R-INDEX-7", "R-WRITE-1"])
case("zd-write-empty-tuple", "Writing a 0-d array through the empty tuple",
     A("z"), SET("z", [], -7), rules=["R-INDEX-7", "R-WRITE-1"])
case("zd-transpose", "Transposing a 0-d array gives a 0-d view",
     A("z"), T("t", "z"), T("u", "z", []), rules=["R-TRANS-1", "R-INDEX-7"])
case("zd-view-of-view", "A 0-d view of a 0-d view points at the same owner",
     A("z"), I("v", "z", E), I("w", "v", E), SET("w", [], 5), rules=["R-BUF-1", "R-INDEX-7"])

area("basic-indexing", "index-types")
case("arr0d-full-scalar", "0-d index arrays on every axis give a scalar like integers",
     A("a", 3, 4), I("s", "a", X(1), X(2)), rules=["R-INDEX-8"])
case("arr0d-partial-copies", "A 0-d index array on the first axis copies the row instead of viewing it",
     A("a", 3, 4), I("r", "a", X(1)), rules=["R-INDEX-8", "R-OWN-1"])
case("arr0d-vs-int", "An integer views a row while a 0-d index array copies it",
     A("a", 3, 4), I("v", "a", 1), I("c", "a", X(1)), rules=["R-INDEX-8", "R-INDEX-1"])
case("arr0d-1d-scalar", "A 0-d index array on a 1-d array gives a scalar",
     A("a", 5), I("s", "a", X(3)), rules=["R-INDEX-8"])
case("arr0d-after-slice", "A slice then a 0-d index array gives a copied column",
     A("a", 3, 4), I("c", "a", FULL, X(1)), rules=["R-INDEX-8"])
case("arr0d-oob", "An out-of-bounds 0-d index array raises IndexError",
     A("a", 3, 4), I("r", "a", X(5)), rules=["R-INDEX-8", "R-INDEX-3"])
case("arr0d-negative", "A negative 0-d index array counts from the end",
     A("a", 3, 4), I("r", "a", X(-1)), rules=["R-INDEX-8", "R-INDEX-3"])
case("arr0d-copy-not-aliased", "A write into the copy made by a 0-d index array leaves the source alone",
     A("a", 3, 4), I("r", "a", X(1)), SET("r", [0], -1), rules=["R-INDEX-8", "R-FANCY-1"])
case("bool0d-true", "A 0-d True index adds a length-1 axis and copies",
     A("a", 2, 3), I("b", "a", M(t)), rules=["R-INDEX-9"])
case("bool0d-false", "A 0-d False index adds a length-0 axis; the empty copy has zero strides",
     A("a", 2, 3), I("b", "a", M(f)), rules=["R-INDEX-9", "R-STRIDE-2"])
case("bool0d-after-int", "An integer then a 0-d True index",
     A("a", 2, 3), I("b", "a", 0, M(t)), rules=["R-INDEX-9"])
case("bool0d-middle-false", "A 0-d False after a slice gives an empty result placed in the middle",
     A("b", 3, 4), I("r", "b", FULL, M(f)), rules=["R-INDEX-9", "R-FANCY-2"])
case("bool0d-broadcast-mismatch", "A 0-d False broadcasts as length 0 and clashes with a length-2 index array",
     A("b", 3, 4), I("r", "b", X([0, 1]), M(f)), rules=["R-INDEX-9", "R-FANCY-3"])
case("bool0d-on-0d", "0-d booleans on a 0-d array give (1,) and (0,) copies",
     A("z"), I("p", "z", M(t)), I("q", "z", M(f)), rules=["R-INDEX-9", "R-INDEX-7"])
case("bool0d-assign-true", "Assigning through a 0-d True index writes everything",
     A("a", 2, 3), SET("a", [M(t)], 5), rules=["R-INDEX-9", "R-WRITE-3"])
case("bool0d-assign-false", "Assigning through a 0-d False index writes nothing",
     A("a", 2, 3), SET("a", [M(f)], 5), rules=["R-INDEX-9", "R-WRITE-3"])
case("bool0d-65", "More than 64 advanced items (0-d booleans) raise IndexError",
     A("a", 2), I("b", "a", *([M(t)] * 65)), rules=["R-INDEX-10"])
case("bool0d-64-no-subspace", "64 index arrays and no subspace raise IndexError",
     A("a", 2), I("b", "a", X([0]), *([M(t)] * 63)), rules=["R-INDEX-10"])
case("bool0d-63-no-subspace", "63 index arrays without a subspace are allowed",
     A("a", 2), I("b", "a", X([1]), *([M(t)] * 62)), rules=["R-INDEX-10"])

# ==========================================================================
# slicing
# ==========================================================================

area("slicing", "basic")
case("slice-full", "A full slice gives a view with the same layout",
     A("a", 10), I("b", "a", FULL), rules=["R-SLICE-1", "R-OWN-1"])
case("slice-start", "A start moves the offset",
     A("a", 10), I("b", "a", S(2, None)), rules=["R-SLICE-1"])
case("slice-stop", "A stop shortens the axis",
     A("a", 10), I("b", "a", S(None, 7)), rules=["R-SLICE-1"])
case("slice-step2", "A step multiplies the stride",
     A("a", 10), I("b", "a", S(1, 8, 2)), rules=["R-SLICE-1", "R-FLAGS-3"])
case("slice-step3-uneven", "A step that does not divide the extent rounds the length up",
     A("a", 10), I("b", "a", S(None, None, 3)), rules=["R-SLICE-1"])
case("slice-neg-start", "A negative start counts from the end",
     A("a", 10), I("b", "a", S(-3, None)), rules=["R-SLICE-1"])
case("slice-neg-stop", "A negative stop counts from the end",
     A("a", 10), I("b", "a", S(None, -3)), rules=["R-SLICE-1"])
case("slice-2d-both", "Slicing both axes multiplies both strides",
     A("a", 4, 6), I("b", "a", S(1, 3), S(None, None, 2)), rules=["R-SLICE-1"])
case("slice-of-slice", "A slice of a slice of a slice points straight at the owner",
     A("a", 10), I("b", "a", S(1, None)), I("c", "b", S(1, None)), I("d", "c", S(None, None, 2)),
     rules=["R-BUF-1", "R-SLICE-1"])
case("slice-view-write", "A write through a slice shows in the original",
     A("a", 10), I("b", "a", S(2, 5)), SET("b", [0], -1), rules=["R-WRITE-2", "R-SLICE-1"])
case("slice-3d-mixed", "Slices with different steps on three axes",
     A("a", 2, 3, 4), I("b", "a", FULL, S(None, None, -1), S(1, 3)), rules=["R-SLICE-1"])
case("slice-len1-axis", "Slicing the long axis of a (1, n) array",
     A("a", 1, 6), I("b", "a", FULL, S(None, None, 2)), rules=["R-SLICE-1", "R-FLAGS-1"])
case("slice-max-step", "The largest step keeps one element",
     A("a", 10), I("b", "a", S(None, None, 2147483647)), rules=["R-SLICE-1", "R-FLAGS-3"])
case("slice-step-zero", "A zero step raises ValueError",
     A("a", 10), I("b", "a", S(None, None, 0)), rules=["R-SLICE-3"])
case("slice-step-zero-2d", "A zero step on the second axis raises ValueError",
     A("a", 3, 4), I("b", "a", FULL, S(1, 3, 0)), rules=["R-SLICE-3"])
case("slice-step-zero-empty", "A zero step raises even on an empty axis",
     A("a", 0), I("b", "a", S(None, None, 0)), rules=["R-SLICE-3"])

area("slicing", "negative-step")
case("slice-neg-step", "A negative step walks backwards from the start",
     A("a", 10), I("b", "a", S(8, 2, -2)), rules=["R-SLICE-1"])
case("slice-reverse", "A full reverse has stride -1 and offset at the last element",
     A("a", 10), I("b", "a", S(None, None, -1)), rules=["R-SLICE-1", "R-FLAGS-3"])
case("slice-reverse-twice", "Reversing twice gives a contiguous view at offset 0",
     A("a", 10), I("b", "a", S(None, None, -1)), I("c", "b", S(None, None, -1)), rules=["R-SLICE-1"])
case("slice-neg-from-start", "A negative step from a start to the beginning",
     A("a", 10), I("b", "a", S(5, None, -1)), rules=["R-SLICE-1"])
case("slice-neg-to-stop", "A negative step from the end down to a stop",
     A("a", 10), I("b", "a", S(None, 3, -1)), rules=["R-SLICE-1"])
case("slice-2d-reverse-both", "Reversing both axes of a 2-d array",
     A("a", 3, 4), I("b", "a", S(None, None, -1), S(None, None, -1)), rules=["R-SLICE-1"])
case("slice-min-step", "The most negative step keeps only the last element",
     A("a", 10), I("b", "a", S(None, None, -2147483647)), rules=["R-SLICE-1", "R-FLAGS-3"])
case("slice-neg-step-on-strided", "A negative step on a strided view multiplies signed strides",
     A("a", 12), I("s", "a", S(1, None, 3)), I("b", "s", S(None, None, -2)), rules=["R-SLICE-1", "R-BUF-1"])

area("slicing", "clamping")
case("slice-clamp-both", "Out-of-range bounds are clamped to the axis",
     A("a", 10), I("b", "a", S(-100, 100)), rules=["R-SLICE-1"])
case("slice-clamp-neg-step", "Clamping with a negative step covers the whole axis reversed",
     A("a", 10), I("b", "a", S(10, -20, -1)), rules=["R-SLICE-1"])
case("slice-clamp-neg-stop-step3", "A stop below -n with step -3 runs to the first element",
     A("a", 10), I("b", "a", S(None, -20, -3)), rules=["R-SLICE-1"])
case("slice-huge-start", "The largest start gives an empty slice",
     A("a", 10), I("b", "a", S(2147483647, None)), rules=["R-SLICE-1", "R-SLICE-2"])
case("slice-huge-neg-start", "The most negative start clamps to 0",
     A("a", 10), I("b", "a", S(-2147483647, None)), rules=["R-SLICE-1"])
case("slice-huge-stop-neg-step", "The largest start with a negative step starts at the last element",
     A("a", 10), I("b", "a", S(2147483647, None, -4)), rules=["R-SLICE-1"])

area("slicing", "empty")
case("slice-empty-forward", "An empty slice keeps offset 0 and stride 1",
     A("a", 10), I("b", "a", S(7, 3)), rules=["R-SLICE-2", "R-FLAGS-2"])
case("slice-empty-same", "start == stop with a step gives an empty slice with stride 1",
     A("a", 10), I("b", "a", S(5, 5, 3)), rules=["R-SLICE-2"])
case("slice-empty-same-negative-step", "start == stop with a negative step of -2 or less gives an empty slice",
     A("a", 4), I("b", "a", S(1, 1, -2)), I("c", "a", S(-1, 3, -3)), I("d", "a", S(9, 3, -2)),
     rules=["R-SLICE-2"])
case("slice-empty-neg", "A negative step that cannot start gives an empty slice",
     A("a", 10), I("b", "a", S(-20, 10, -1)), rules=["R-SLICE-2"])
case("slice-empty-of-reversed", "An empty slice of a reversed view keeps that view's offset and stride",
     A("a", 10), I("r", "a", S(None, None, -1)), I("b", "r", S(7, 3)), rules=["R-SLICE-2"])
case("slice-empty-2d", "An empty row range of a 2-d array keeps the row stride",
     A("a", 3, 4), I("b", "a", S(1, 1)), rules=["R-SLICE-2", "R-FLAGS-2", "R-STRIDE-2"])
case("slice-empty-of-strided", "An empty slice of a strided view keeps the view's stride",
     A("a", 10), I("s", "a", S(None, None, 2)), I("b", "s", S(3, 1)), rules=["R-SLICE-2"])
case("slice-empty-last-axis", "An empty slice of the last axis",
     A("a", 3, 4), I("b", "a", S(1, None), S(2, 2)), rules=["R-SLICE-2", "R-FLAGS-2"])
case("slice-of-empty-array", "Reversing a zero-length array",
     A("a", 0), I("b", "a", S(None, None, -1)), rules=["R-SLICE-2", "R-STRIDE-2"])
case("slice-empty-view-no-share", "An empty view shares no memory with its source",
     A("a", 10), I("b", "a", S(3, 3)), rules=["R-SHARE-1", "R-SLICE-2"])

# ==========================================================================
# reshape
# ==========================================================================

area("reshape", "contiguous")
case("rs-1d-to-2d", "Reshaping a contiguous 1-d array gives a view",
     A("a", 6), R("b", "a", [2, 3]), rules=["R-RESHAPE-4"])
case("rs-2d-to-1d", "Reshaping a C-contiguous 2-d array to 1-d gives a view",
     A("a", 2, 3), R("b", "a", [6]), rules=["R-RESHAPE-4"])
case("rs-zero-extent-C", "A reshape of an empty array counts zero extents as 1 in the strides",
     A("a", 0), R("b", "a", [3, 0, 2]), rules=["R-STRIDE-1", "R-RESHAPE-4"])
case("rs-zero-extent-F", "The same in F order",
     A("a", 0), R("b", "a", [3, 0, 2], order="F"), rules=["R-STRIDE-1", "R-RESHAPE-4"])
case("rs-len1-C", "A length-1 axis gets the running product as its stride",
     A("a", 24), R("b", "a", [2, 1, 12]), rules=["R-STRIDE-1", "R-FLAGS-1"])
case("rs-len1-F", "The same in F order",
     A("a", 24), R("b", "a", [2, 1, 12], order="F"), rules=["R-STRIDE-1", "R-FLAGS-1"])
case("rs-F-on-1d", "order F on a contiguous 1-d array gives an F-contiguous view",
     A("a", 24), R("b", "a", [2, 3, 4], order="F"), rules=["R-RESHAPE-4"])
case("rs-A-on-T", "order A on an F-contiguous transpose gives an F view",
     A("a", 2, 3, 4), T("t", "a"), R("b", "t", [4, 6], order="A"), rules=["R-RESHAPE-1", "R-RESHAPE-4"])
case("rs-C-on-T", "order C on the same transpose copies",
     A("a", 2, 3, 4), T("t", "a"), R("b", "t", [4, 6]), rules=["R-RESHAPE-5", "R-RESHAPE-7"])
case("rs-A-on-C", "order A on a C-contiguous array means C",
     A("a", 2, 3), R("b", "a", [3, 2], order="A"), rules=["R-RESHAPE-1"])
case("rs-A-on-1d", "order A on a 1-d array (both C and F) means C",
     A("a", 6), R("b", "a", [2, 3], order="A"), rules=["R-RESHAPE-1"])
case("rs-A-on-F-array", "order A on an F-ordered array gives an F view",
     A("f", 2, 3, order="F"), R("b", "f", [3, 2], order="A"), rules=["R-RESHAPE-1"])
case("rs-F-on-F-array", "order F on an F-ordered array is a view",
     A("f", 2, 3, order="F"), R("b", "f", [6], order="F"), rules=["R-RESHAPE-4"])
case("rs-F-on-C-2d", "order F on a C-ordered 2-d array copies",
     A("a", 2, 3), R("b", "a", [3, 2], order="F"), rules=["R-RESHAPE-5", "R-RESHAPE-7"])
case("rs-zero-size-view", "A zero-size strided view reshapes as a view with fresh strides",
     A("a", 4, 6), I("e", "a", FULL, S(None, 0)), R("b", "e", [0, 4]), rules=["R-RESHAPE-4", "R-FLAGS-2"])
case("rs-view-write", "A write through a reshaped view shows in the original",
     A("a", 12), R("b", "a", [3, 4]), SET("b", [1, 1], -5), rules=["R-WRITE-2", "R-RESHAPE-4"])

area("reshape", "zero-d")
case("rs-0d-to-1x1", "A 0-d array reshapes to (1, 1) as a view",
     A("z"), R("b", "z", [1, 1]), rules=["R-RESHAPE-8"])
case("rs-0d-to-minus1", "A 0-d array reshapes to (-1,) as a view",
     A("z"), R("b", "z", [-1]), rules=["R-RESHAPE-8", "R-RESHAPE-3"])
case("rs-to-0d", "A one-element array reshapes to a 0-d view",
     A("a", 1), R("b", "a", []), rules=["R-RESHAPE-8"])
case("rs-0d-same", "A 0-d array reshaped to () is a view",
     A("z"), R("b", "z", []), rules=["R-RESHAPE-8", "R-RESHAPE-2"])
case("rs-to-0d-wrong-size", "A two-element array cannot become 0-d",
     A("a", 2), R("b", "a", []), rules=["R-RESHAPE-8", "R-RESHAPE-3"])

area("reshape", "same-shape")
case("rs-same-shape-odd-stride", "A same-shape reshape keeps the stride of a length-1 axis; -1 recomputes it",
     A("a", 3, 4), I("z", "a", FULL, S(None, 1)), R("p", "z", [3, 1]), R("q", "z", [3, -1]),
     rules=["R-RESHAPE-2"])
case("rs-same-shape-len1-stride", "reshape(1) keeps an odd stride; reshape(-1) resets it",
     A("a", 10), I("s", "a", S(None, None, 7)), I("x", "s", S(None, 1)), R("p", "x", [1]), R("q", "x", [-1]),
     rules=["R-RESHAPE-2", "R-FLAGS-1"])
case("rs-same-shape-broadcast", "A same-shape reshape of a broadcast array keeps its zero strides and read-only flag",
     A("a", 3), BT("b", "a", [2, 3]), R("c", "b", [2, 3]), rules=["R-RESHAPE-2", "R-BCAST-1"])
case("rs-same-shape-reversed", "A same-shape reshape keeps a negative stride",
     A("a", 10), I("r", "a", S(None, None, -1)), R("b", "r", [10]), rules=["R-RESHAPE-2"])
case("rs-same-shape-copy-true", "copy=True disables the same-shape shortcut",
     A("a", 10), I("r", "a", S(None, None, -1)), R("b", "r", [10], copy=True), rules=["R-RESHAPE-6", "R-RESHAPE-7"])
case("rs-same-shape-transposed", "A same-shape reshape of a transpose is a view even though it is not C-contiguous",
     A("a", 2, 3), T("t", "a"), R("b", "t", [3, 2]), rules=["R-RESHAPE-2"])

area("reshape", "nocopy")
case("rs-nocopy-strided", "A uniformly strided 1-d view splits into a strided 2-d view",
     A("a", 24), I("s", "a", S(None, None, 2)), R("b", "s", [3, 4]), rules=["R-RESHAPE-5"])
case("rs-nocopy-f-order-merge", "An F-order reshape merges the uniformly strided F axes of a sliced F array into a view",
     A("a", 3, 2, 4, order="F"), I("s", "a", FULL, FULL, S(None, None, 2)), R("b", "s", [6, 2], order="F"),
     R("c", "s", [3, 4], order="F"), rules=["R-RESHAPE-5"])
case("rs-nocopy-strided-back", "Merging that 2-d view back is a view with stride 2",
     A("a", 24), I("s", "a", S(None, None, 2)), R("b", "s", [3, 4]), R("c", "b", [-1]), rules=["R-RESHAPE-5"])
case("rs-nocopy-reversed-split", "Merging the inner axes under a reversed outer axis is a view",
     A("a", 2, 3, 4), I("r", "a", S(None, None, -1)), R("b", "r", [2, 12]), rules=["R-RESHAPE-5"])
case("rs-copy-reversed-merge", "Merging across a reversed outer axis copies",
     A("a", 2, 3, 4), I("r", "a", S(None, None, -1)), R("b", "r", [6, 4]), rules=["R-RESHAPE-5", "R-RESHAPE-7"])
case("rs-nocopy-inner-reversed-split", "Splitting a reversed inner axis keeps negative strides",
     A("a", 2, 3, 4), I("w", "a", E, S(None, None, -1)), R("b", "w", [2, 3, 2, 2]), rules=["R-RESHAPE-5"])
case("rs-nocopy-outer-merge", "Merging outer axes above a reversed inner axis is a view",
     A("a", 2, 3, 4), I("w", "a", E, S(None, None, -1)), R("b", "w", [6, 4]), rules=["R-RESHAPE-5"])
case("rs-copy-merge-with-reversed", "Merging a reversed inner axis with its neighbour copies",
     A("a", 2, 3, 4), I("w", "a", E, S(None, None, -1)), R("b", "w", [2, 12]), rules=["R-RESHAPE-5"])
case("rs-nocopy-gap-split", "Splitting axes of a view with a gap is a view",
     A("a", 2, 3, 4), I("s", "a", FULL, S(None, None, 2), FULL), R("b", "s", [2, 2, 2, 2]), rules=["R-RESHAPE-5"])
case("rs-copy-gap-merge", "Merging across the gap copies",
     A("a", 2, 3, 4), I("s", "a", FULL, S(None, None, 2), FULL), R("b", "s", [2, 8]), rules=["R-RESHAPE-5", "R-OWN-2"])
case("rs-nocopy-broadcast-split", "Splitting a broadcast axis gives zero-stride pieces",
     A("a", 3), BT("b", "a", [4, 3]), R("c", "b", [2, 2, 3]), rules=["R-RESHAPE-5", "R-BCAST-1"])
case("rs-copy-broadcast-merge", "Merging a broadcast axis copies into a writeable array",
     A("a", 3), BT("b", "a", [4, 3]), R("c", "b", [12]), rules=["R-RESHAPE-5", "R-RESHAPE-7", "R-WFLAG-1"])
case("rs-copy-broadcast-write", "Writing into that copy leaves the broadcast source alone",
     A("a", 3), BT("b", "a", [2, 3]), R("c", "b", [6]), SET("c", [0], 100), rules=["R-RESHAPE-7"])
case("rs-nocopy-len1-C", "Length-1 axes inserted by a no-copy reshape take the next stride (C)",
     A("a", 24), I("s", "a", S(None, None, 2)), R("p", "s", [2, 1, 6]), R("q", "s", [12, 1]), R("r", "s", [1, 12]),
     rules=["R-RESHAPE-5"])
case("rs-nocopy-len1-F", "Length-1 axes inserted by a no-copy reshape in F order",
     A("a", 24), I("s", "a", S(None, None, 2)), R("p", "s", [2, 1, 6], order="F"), R("q", "s", [12, 1], order="F"),
     R("r", "s", [1, 12, 1], order="F"), rules=["R-RESHAPE-5"])
case("rs-transpose-copies", "Reshaping a transpose to 1-d silently copies (the result owns no data)",
     A("a", 2, 3), T("t", "a"), R("r", "t", [6]), rules=["R-RESHAPE-5", "R-RESHAPE-7", "R-OWN-2"])
case("rs-transpose-F-view", "Reshaping a transpose to 1-d in F order is a view",
     A("a", 2, 3), T("t", "a"), R("r", "t", [6], order="F"), rules=["R-RESHAPE-4"])
case("rs-strided-F-copy", "An F-order reshape of a column-strided view copies",
     A("a", 3, 4), I("s", "a", FULL, S(None, None, 2)), R("r", "s", [6], order="F"), rules=["R-RESHAPE-5", "R-OWN-2"])
case("rs-nocopy-F-strided", "An F-order reshape of a row-strided F view is a view",
     A("f", 4, 3, order="F"), I("s", "f", S(None, None, 2)), R("r", "s", [6], order="F"), rules=["R-RESHAPE-5"])
case("rs-nocopy-negative-1d-split", "Splitting a reversed 1-d view keeps stride -1 inside",
     A("a", 6), I("r", "a", S(None, None, -1)), R("b", "r", [2, 3]), rules=["R-RESHAPE-5"])
case("rs-copy-write-independent", "A write into a reshape copy does not reach the source",
     A("a", 2, 3), T("t", "a"), R("r", "t", [6]), SET("r", [0], 50), rules=["R-RESHAPE-7"])

area("reshape", "copy-arg")
case("rs-copy-false-raises", "copy=False raises when a reshape would need a copy",
     A("a", 2, 3), T("t", "a"), R("r", "t", [6], copy=False), rules=["R-RESHAPE-6"])
case("rs-copy-false-view", "copy=False is fine when a view is possible",
     A("a", 6), R("r", "a", [2, 3], copy=False), rules=["R-RESHAPE-6"])
case("rs-copy-false-nocopy-path", "copy=False accepts the no-copy algorithm's view",
     A("a", 24), I("s", "a", S(None, None, 2)), R("r", "s", [3, 4], copy=False), rules=["R-RESHAPE-6", "R-RESHAPE-5"])
case("rs-copy-true-contig", "copy=True copies even a contiguous array; the result is a view of the copy",
     A("a", 6), R("r", "a", [2, 3], copy=True), rules=["R-RESHAPE-6", "R-RESHAPE-7"])
case("rs-copy-true-same-shape", "copy=True with the same shape still copies",
     A("a", 6), R("r", "a", [6], copy=True), rules=["R-RESHAPE-6", "R-RESHAPE-7"])
case("rs-copy-true-readonly", "copy=True of a read-only broadcast gives a writeable result",
     A("a", 3), BT("b", "a", [2, 3]), R("r", "b", [2, 3], copy=True), rules=["R-RESHAPE-7", "R-WFLAG-1"])
case("rs-copy-true-F", "copy=True in F order gives F strides",
     A("a", 6), R("r", "a", [2, 3], order="F", copy=True), rules=["R-RESHAPE-6"])
case("rs-copy-null-explicit", "copy=null is the default: view when possible",
     A("a", 6), R("r", "a", [3, 2], copy=None), rules=["R-RESHAPE-6"])
case("rs-copy-false-zero-size", "copy=False on a zero-size strided view is fine",
     A("a", 4, 6), I("e", "a", S(None, None, 2), S(None, 0)), R("r", "e", [0], copy=False), rules=["R-RESHAPE-6", "R-RESHAPE-4"])

area("reshape", "unknown-dims")
case("rs-minus1", "One -1 extent is inferred",
     A("a", 24), R("b", "a", [-1, 4]), rules=["R-RESHAPE-3"])
case("rs-minus2", "Any negative extent counts as unknown",
     A("a", 24), R("b", "a", [-2, 12]), rules=["R-RESHAPE-3"])
case("rs-min-int-unknown", "The most negative format integer is an unknown extent too",
     A("a", 6), R("b", "a", [-2147483647, 6]), rules=["R-RESHAPE-3"])
case("rs-two-unknown", "Two unknown extents raise ValueError",
     A("a", 24), R("b", "a", [-1, -1]), rules=["R-RESHAPE-3"])
case("rs-unknown-nodivide", "An unknown extent that does not divide raises ValueError",
     A("a", 24), R("b", "a", [5, -1]), rules=["R-RESHAPE-3"])
case("rs-unknown-zero-known", "An unknown extent next to a zero extent raises ValueError",
     A("a", 0), R("b", "a", [0, -1]), rules=["R-RESHAPE-3"])
case("rs-unknown-on-empty", "An unknown extent on an empty array resolves to 0",
     A("a", 0), R("b", "a", [5, -1]), rules=["R-RESHAPE-3", "R-FLAGS-2"])
case("rs-size-mismatch", "A shape of the wrong size raises ValueError",
     A("a", 6), R("b", "a", [4]), rules=["R-RESHAPE-3"])
case("rs-size-mismatch-zero", "A zero-size shape for a non-empty array raises ValueError",
     A("a", 6), R("b", "a", [0]), rules=["R-RESHAPE-3"])
case("rs-zero-to-zero", "An empty array reshapes to another empty shape",
     A("a", 0), R("b", "a", [2, 0, 3]), rules=["R-RESHAPE-3", "R-STRIDE-1"])
case("rs-minus1-2d-source", "-1 on a strided 2-d source that copies",
     A("a", 4, 6), I("s", "a", FULL, S(None, None, 2)), R("b", "s", [-1]), rules=["R-RESHAPE-3", "R-RESHAPE-5"])

# ==========================================================================
# transpose
# ==========================================================================

area("transpose", "transpose")
case("tr-2d", "The transpose of a C 2-d array is an F-contiguous view",
     A("a", 2, 3), T("t", "a"), rules=["R-TRANS-1"])
case("tr-3d-reverse", "axes=None reverses every axis",
     A("a", 2, 3, 4), T("t", "a", None), rules=["R-TRANS-1"])
case("tr-perm", "An explicit permutation permutes shape and strides",
     A("a", 2, 3, 4), T("t", "a", [1, 0, 2]), rules=["R-TRANS-1"])
case("tr-negative-axes", "Negative axes are normalised",
     A("a", 2, 3, 4), T("t", "a", [-1, 0, 1]), rules=["R-TRANS-1"])
case("tr-1d", "Transposing a 1-d array gives a new view",
     A("a", 5), T("t", "a"), rules=["R-TRANS-1", "R-OWN-1"])
case("tr-identity", "The identity permutation gives a view with the same layout",
     A("a", 2, 3), T("t", "a", [0, 1]), rules=["R-TRANS-1"])
case("tr-keeps-offset", "A transpose keeps the offset of its source",
     A("a", 3, 4), I("v", "a", S(1, None), S(1, None)), T("t", "v"), rules=["R-TRANS-1", "R-BUF-1"])
case("tr-of-reversed", "Transposing a reversed view keeps the negative stride",
     A("a", 3, 4), I("r", "a", S(None, None, -1)), T("t", "r"), rules=["R-TRANS-1"])
case("tr-readonly", "The transpose of a read-only view is read-only",
     A("a", 3), BT("b", "a", [2, 3]), T("t", "b"), rules=["R-WFLAG-1", "R-TRANS-1"])
case("tr-zero-size", "Transposing an empty array",
     A("a", 0, 3), T("t", "a"), rules=["R-TRANS-1", "R-STRIDE-2"])
case("tr-write-through", "A write through a transpose lands at the transposed position",
     A("a", 2, 3), T("t", "a"), SET("t", [0, 1], 99), rules=["R-WRITE-2", "R-TRANS-1"])
case("tr-wrong-length", "Too few axes raise ValueError",
     A("a", 2, 3, 4), T("t", "a", [0, 1]), rules=["R-TRANS-2"])
case("tr-too-long", "Too many axes raise ValueError",
     A("a", 2, 3), T("t", "a", [0, 1, 2]), rules=["R-TRANS-2"])
case("tr-axis-oob", "An axis out of range raises AxisError",
     A("a", 2, 3, 4), T("t", "a", [0, 1, 3]), rules=["R-TRANS-2"])
case("tr-negative-oob", "A negative axis out of range raises AxisError",
     A("a", 2, 3, 4), T("t", "a", [0, 1, -4]), rules=["R-TRANS-2"])
case("tr-repeated", "A repeated axis raises ValueError",
     A("a", 2, 3, 4), T("t", "a", [0, 0, 1]), rules=["R-TRANS-2"])
case("tr-repeated-negative", "An axis repeated through a negative alias raises ValueError",
     A("a", 2, 3), T("t", "a", [1, -1]), rules=["R-TRANS-2"])
case("tr-0d-nonempty-axes", "Axes on a 0-d array raise",
     A("z"), T("t", "z", [0]), rules=["R-TRANS-2"])

area("transpose", "swapaxes-moveaxis")
case("sw-basic", "swapaxes exchanges two axes",
     A("a", 2, 3, 4), SW("s", "a", 0, 2), rules=["R-TRANS-3"])
case("sw-same", "Swapping an axis with itself gives a view with the same layout",
     A("a", 2, 3), SW("s", "a", 1, 1), rules=["R-TRANS-3"])
case("sw-negative", "swapaxes accepts negative axes",
     A("a", 2, 3, 4), SW("s", "a", -1, 0), rules=["R-TRANS-3"])
case("sw-oob-second", "An out-of-range second axis raises AxisError",
     A("a", 2, 3, 4), SW("s", "a", 0, 3), rules=["R-TRANS-3"])
case("sw-oob-first", "An out-of-range first axis raises AxisError",
     A("a", 2, 3, 4), SW("s", "a", -4, 0), rules=["R-TRANS-3"])
case("sw-1d", "swapaxes(0, -1) on a 1-d array is a view",
     A("a", 4), SW("s", "a", 0, -1), rules=["R-TRANS-3"])
case("mv-basic", "moveaxis moves one axis to the end",
     A("a", 2, 3, 4), MV("m", "a", [0], [-1]), rules=["R-TRANS-3"])
case("mv-multi", "moveaxis moves several axes at once",
     A("a", 2, 3, 4), MV("m", "a", [0, 1], [-1, -2]), rules=["R-TRANS-3"])
case("mv-oob-destination", "An out-of-range destination raises AxisError",
     A("a", 2, 3, 4), MV("m", "a", [0], [3]), rules=["R-TRANS-3"])
case("mv-oob-source", "An out-of-range source raises AxisError",
     A("a", 2, 3, 4), MV("m", "a", [5], [0]), rules=["R-TRANS-3"])
case("mv-repeated-source", "A repeated source axis raises ValueError",
     A("a", 2, 3, 4), MV("m", "a", [0, 0], [1, 2]), rules=["R-TRANS-3"])
case("mv-repeated-destination", "A repeated destination axis raises ValueError",
     A("a", 2, 3, 4), MV("m", "a", [0, 1], [2, 2]), rules=["R-TRANS-3"])
case("mv-length-mismatch", "Source and destination of different lengths raise ValueError",
     A("a", 2, 3, 4), MV("m", "a", [0, 1], [0]), rules=["R-TRANS-3"])
case("mv-empty", "Moving no axes gives a view with the same layout",
     A("a", 2, 3), MV("m", "a", [], []), rules=["R-TRANS-3"])
case("mv-write-through", "A write through a moveaxis view reaches the source",
     A("a", 2, 3, 4), MV("m", "a", [2], [0]), SET("m", [3, 1, 2], -1), rules=["R-TRANS-3", "R-WRITE-2"])

# ==========================================================================
# squeeze-expand
# ==========================================================================

area("squeeze-expand", "squeeze")
case("sq-all", "squeeze drops every length-1 axis",
     A("a", 6), R("b", "a", [1, 6, 1]), SQ("s", "b"), rules=["R-SQUEEZE-1"])
case("sq-axis", "squeeze on one axis keeps the others with their strides",
     A("a", 6), R("b", "a", [1, 6, 1]), SQ("s", "b", [0]), rules=["R-SQUEEZE-1"])
case("sq-nothing-returns-input", "squeeze with nothing to remove returns the input itself (it still owns its data)",
     A("a", 2, 3), SQ("s", "a"), rules=["R-SAME-1", "R-SQUEEZE-1"])
case("sq-empty-axis-list", "squeeze with an empty axis list removes nothing",
     A("a", 1, 3), SQ("s", "a", []), rules=["R-SQUEEZE-1", "R-SAME-1"])
case("sq-not-one", "Squeezing an axis whose extent is not 1 raises ValueError",
     A("a", 1, 6), SQ("s", "a", [1]), rules=["R-SQUEEZE-1"])
case("sq-oob", "Squeezing an out-of-range axis raises AxisError",
     A("a", 1, 6), SQ("s", "a", [2]), rules=["R-SQUEEZE-1"])
case("sq-duplicate", "A duplicate axis raises ValueError",
     A("a", 1, 6), SQ("s", "a", [0, 0]), rules=["R-SQUEEZE-1"])
case("sq-negative", "squeeze accepts negative axes",
     A("a", 3, 1), SQ("s", "a", [-1]), rules=["R-SQUEEZE-1"])
case("sq-strided-column", "Squeezing a column view keeps its row stride",
     A("a", 4, 6), I("c", "a", FULL, S(None, 1)), SQ("s", "c"), rules=["R-SQUEEZE-1"])
case("sq-0d", "squeeze on a 0-d array returns it",
     A("z"), SQ("s", "z"), rules=["R-SQUEEZE-1", "R-SAME-1"])
case("sq-all-ones", "Squeezing a (1, 1) array gives a 0-d view",
     A("a", 1, 1), SQ("s", "a"), rules=["R-SQUEEZE-1"])
case("sq-broadcast", "Squeezing a broadcast keeps its zero stride and read-only flag",
     A("a", 1), BT("b", "a", [1, 3]), SQ("s", "b"), rules=["R-SQUEEZE-1", "R-WFLAG-1"])
case("sq-write-through", "A write through a squeezed view reaches the source",
     A("a", 1, 3), SQ("s", "a"), SET("s", [1], -2), rules=["R-SQUEEZE-1", "R-WRITE-2"])

area("squeeze-expand", "expand-dims")
case("ed-front", "expand_dims at the front gives the new axis a real stride",
     A("a", 6), ED("e", "a", [0]), rules=["R-EXPAND-1"])
case("ed-strided-vs-newaxis", "expand_dims gives a strided view's new axis a non-zero stride, newaxis gives 0",
     A("a", 6), I("s", "a", S(None, None, 2)), ED("e", "s", [1]), I("n", "s", FULL, N), rules=["R-EXPAND-1", "R-INDEX-4"])
case("ed-multiple", "expand_dims with two axes",
     A("a", 2, 3), ED("e", "a", [0, 3]), rules=["R-EXPAND-1"])
case("ed-negative", "expand_dims with a negative axis",
     A("a", 2, 3), ED("e", "a", [-1]), rules=["R-EXPAND-1"])
case("ed-oob", "An axis out of range for ndim + len(axis) raises AxisError",
     A("a", 6), ED("e", "a", [2]), rules=["R-EXPAND-1"])
case("ed-boundary", "Axis 2 is in range when two axes are added to a 1-d array",
     A("a", 6), ED("e", "a", [0, 2]), rules=["R-EXPAND-1"])
case("ed-repeated", "A repeated axis raises ValueError",
     A("a", 6), ED("e", "a", [0, 0]), rules=["R-EXPAND-1"])
case("ed-repeated-negative", "An axis repeated through a negative alias raises ValueError",
     A("a", 6), ED("e", "a", [1, -2]), rules=["R-EXPAND-1"])
case("ed-0d", "expand_dims on a 0-d array",
     A("z"), ED("e", "z", [0]), rules=["R-EXPAND-1"])
case("ed-transposed", "expand_dims on a transpose is a view",
     A("a", 2, 3), T("t", "a"), ED("e", "t", [1]), rules=["R-EXPAND-1"])
case("ed-empty-axes", "expand_dims with no axes is a view with the same shape",
     A("a", 2, 3), ED("e", "a", []), rules=["R-EXPAND-1"])
case("ed-readonly", "expand_dims of a read-only broadcast is read-only",
     A("a", 3), BT("b", "a", [2, 3]), ED("e", "b", [1]), rules=["R-EXPAND-1", "R-WFLAG-1"])
case("ed-reversed", "expand_dims on a reversed view keeps the negative stride",
     A("a", 5), I("r", "a", S(None, None, -1)), ED("e", "r", [0, 2]), rules=["R-EXPAND-1"])

# ==========================================================================
# broadcast
# ==========================================================================

area("broadcast", "broadcast-to")
case("bt-row", "Broadcasting a row gives a read-only view with a zero stride",
     A("a", 3), BT("b", "a", [2, 3]), rules=["R-BCAST-1", "R-WFLAG-1"])
case("bt-same-shape", "Broadcasting to the same shape is still read-only",
     A("a", 3), BT("b", "a", [3]), rules=["R-BCAST-1", "R-WFLAG-1"])
case("bt-len1-stretched", "Stretching a length-1 axis gives stride 0 and neither contiguity",
     A("a", 1), BT("b", "a", [3]), rules=["R-BCAST-1", "R-FLAGS-3"])
case("bt-len1-kept", "A kept length-1 axis gets stride 0 but stays contiguous",
     A("a", 1), BT("b", "a", [1]), rules=["R-BCAST-1", "R-FLAGS-1"])
case("bt-len1-not-stretched", "Every length-1 axis of the result gets stride 0, even one not stretched",
     A("a", 3, 1), BT("b", "a", [2, 3, 1]), rules=["R-BCAST-1"])
case("bt-zero-extent", "Broadcasting to an empty shape is contiguous both ways",
     A("a", 3), BT("b", "a", [0, 3]), rules=["R-BCAST-1", "R-FLAGS-2"])
case("bt-column", "Broadcasting a column stretches the last axis",
     A("a", 3, 1), BT("b", "a", [3, 4]), rules=["R-BCAST-1"])
case("bt-of-view", "Broadcasting a strided column view keeps its offset",
     A("a", 2, 3), I("c", "a", FULL, 1), BT("b", "c", [4, 2]), rules=["R-BCAST-1", "R-BUF-1"])
case("bt-0d", "Broadcasting a 0-d array",
     A("z"), BT("b", "z", [2, 2]), rules=["R-BCAST-1"])
case("bt-to-0d", "Broadcasting a 0-d array to () gives a read-only 0-d view",
     A("z"), BT("b", "z", []), rules=["R-BCAST-1", "R-WFLAG-1"])
case("bt-mismatch", "Incompatible shapes raise ValueError",
     A("a", 6), BT("b", "a", [6, 2]), rules=["R-BCAST-2"])
case("bt-fewer-dims", "A target with fewer axes raises ValueError",
     A("a", 2, 3), BT("b", "a", [3]), rules=["R-BCAST-2"])
case("bt-negative", "A negative extent raises ValueError",
     A("a", 3), BT("b", "a", [-1, 3]), rules=["R-BCAST-2"])
case("bt-shrink", "Broadcasting cannot shrink an axis",
     A("a", 3), BT("b", "a", [2, 1]), rules=["R-BCAST-2"])
case("bt-write-raises", "Assigning into a broadcast raises ValueError and changes nothing",
     A("a", 3), BT("b", "a", [2, 3]), SET("b", [0, 0], 5), rules=["R-WRITE-6", "R-BCAST-1"])
case("bt-add-raises", "Adding into a broadcast raises ValueError",
     A("a", 3), BT("b", "a", [2, 3]), ADD("b", [], 1), rules=["R-WRITE-6"])
case("bt-source-write-shows", "A write to the source shows in every broadcast row",
     A("a", 3), BT("b", "a", [2, 3]), SET("a", [1], 9), rules=["R-WRITE-2", "R-SHARE-2"])
case("bt-index-view-readonly", "A column of a broadcast is a read-only view with stride 0",
     A("a", 3), BT("b", "a", [2, 3]), I("c", "b", FULL, 1), rules=["R-WFLAG-1", "R-BCAST-1"])
case("bt-fancy-copy-writeable", "A fancy index of a broadcast is a writeable copy",
     A("a", 3), BT("b", "a", [2, 3]), I("c", "b", X([0])), SET("c", [0, 0], 5), rules=["R-WFLAG-1", "R-FANCY-1"])
case("bt-copy-K", "A K copy of a broadcast is F-ordered; a C copy is C-ordered",
     A("a", 3), BT("b", "a", [2, 3]), CP("k", "b", "K"), CP("c", "b"), rules=["R-STRIDE-3", "R-COPY-1"])

# ==========================================================================
# diagonal
# ==========================================================================

area("diagonal", "diagonal")
case("dg-main", "The main diagonal is a read-only view with stride row+column",
     A("a", 3, 4), DG("d", "a"), rules=["R-DIAG-1", "R-WFLAG-1"])
case("dg-positive-offset", "A positive offset moves along the second axis",
     A("a", 3, 4), DG("d", "a", 1), rules=["R-DIAG-1"])
case("dg-negative-offset", "A negative offset moves along the first axis",
     A("a", 3, 4), DG("d", "a", -1), rules=["R-DIAG-1"])
case("dg-past-extent", "An offset past the extent gives an empty diagonal at the original offset",
     A("a", 3, 4), DG("d", "a", 10), rules=["R-DIAG-2"])
case("dg-past-extent-negative", "A negative offset past the extent gives an empty diagonal at the original offset",
     A("a", 3, 4), DG("d", "a", -10), rules=["R-DIAG-2"])
case("dg-offset-equals-extent", "An offset equal to the extent gives an empty diagonal whose offset still moved",
     A("a", 3, 4), DG("d", "a", 4), rules=["R-DIAG-2"])
case("dg-offset-equals-extent-negative", "A negative offset equal to the extent moves the empty diagonal down",
     A("a", 3, 4), DG("d", "a", -3), rules=["R-DIAG-2"])
case("dg-3d-axes", "A diagonal over axes 0 and 2 of a 3-d array goes last",
     A("a", 2, 3, 4), DG("d", "a", 0, 0, 2), rules=["R-DIAG-1"])
case("dg-3d-axes-swapped", "Swapping axis1 and axis2 with an offset",
     A("a", 2, 3, 4), DG("d", "a", 1, 2, 0), rules=["R-DIAG-1"])
case("dg-negative-axes", "Negative axes select the transposed diagonal",
     A("a", 3, 4), DG("d", "a", 1, -1, -2), rules=["R-DIAG-1"])
case("dg-reversed-source", "The diagonal of a column-reversed view",
     A("a", 3, 4), I("r", "a", FULL, S(None, None, -1)), DG("d", "r"), rules=["R-DIAG-1"])
case("dg-transposed-offset", "An offset diagonal of a transposed reversed view",
     A("a", 3, 4), I("r", "a", FULL, S(None, None, -1)), T("t", "r"), DG("d", "t", 1), rules=["R-DIAG-1"])
case("dg-write-raises", "Assigning into a diagonal raises ValueError",
     A("a", 3, 3), DG("d", "a"), SET("d", [0], 1), rules=["R-WRITE-6", "R-DIAG-1"])
case("dg-fancy-write-raises", "Fancy assignment into a diagonal raises ValueError",
     A("a", 3, 3), DG("d", "a"), SET("d", [X([0])], 5), rules=["R-WRITE-6"])
case("dg-add-raises", "Adding into a diagonal raises ValueError",
     A("a", 3, 3), DG("d", "a"), ADD("d", [], 1), rules=["R-WRITE-6"])
case("dg-1d", "The diagonal of a 1-d array raises ValueError",
     A("a", 5), DG("d", "a"), rules=["R-DIAG-3"])
case("dg-same-axes", "axis1 == axis2 raises ValueError",
     A("a", 3, 3), DG("d", "a", 0, 1, 1), rules=["R-DIAG-3"])
case("dg-same-axes-negative", "axis1 and axis2 naming the same axis raise ValueError",
     A("a", 3, 3), DG("d", "a", 0, 0, -2), rules=["R-DIAG-3"])
case("dg-axis-oob", "An out-of-range axis raises AxisError",
     A("a", 3, 3), DG("d", "a", 0, 0, 2), rules=["R-DIAG-3"])
case("dg-source-write-shows", "A write to the source shows in the diagonal",
     A("a", 3, 3), DG("d", "a"), SET("a", [1, 1], -4), rules=["R-WRITE-2", "R-DIAG-1"])
case("dg-copy-writeable", "A copy of a diagonal is writeable and owns its data",
     A("a", 3, 3), DG("d", "a"), CP("c", "d"), SET("c", [0], 7), rules=["R-WFLAG-1", "R-COPY-1"])
case("dg-huge-offsets", "The largest offsets give empty diagonals",
     A("a", 3, 3), DG("d", "a", 2147483647), DG("e", "a", -2147483647), rules=["R-DIAG-2"])
case("dg-zero-size", "The diagonal of an empty array",
     A("a", 0, 3), DG("d", "a"), rules=["R-DIAG-1", "R-FLAGS-2"])
case("dg-one-row", "The diagonal of a one-row array has one element",
     A("a", 1, 4), DG("d", "a"), rules=["R-DIAG-1", "R-FLAGS-3"])

# ==========================================================================
# ravel-flatten
# ==========================================================================

area("ravel-flatten", "ravel")
case("rv-contig", "ravel of a C-contiguous array is a view",
     A("a", 2, 3), RAV("r", "a"), rules=["R-RAVEL-1"])
case("rv-strided-copies", "ravel of a strided 1-d view copies while reshape(-1) views",
     A("a", 24), I("s", "a", S(None, None, 2)), RAV("r", "s"), R("v", "s", [-1]), rules=["R-RAVEL-3", "R-RESHAPE-5"])
case("rv-K-permuted-view", "ravel K of a permuted contiguous block is a view; ravel C copies",
     A("a", 2, 3, 4), T("p", "a", [1, 0, 2]), RAV("k", "p", "K"), RAV("c", "p"), rules=["R-RAVEL-2", "R-RAVEL-3"])
case("rv-K-negative-copies", "ravel K of a reversed axis copies in logical order",
     A("a", 3, 4), I("r", "a", FULL, S(None, None, -1)), RAV("k", "r", "K"), rules=["R-RAVEL-2", "R-STRIDE-4"])
case("rv-K-mixed", "ravel K of a transposed and reversed view copies in nditer order",
     A("a", 2, 3, 4), T("t", "a"), I("m", "t", S(None, None, -1)), RAV("k", "m", "K"), rules=["R-STRIDE-4", "R-RAVEL-3"])
case("rv-F-of-C", "ravel F of a C array copies in F order",
     A("a", 2, 3), RAV("r", "a", "F"), rules=["R-RAVEL-3"])
case("rv-A-of-T", "ravel A of a transpose is a view in memory order",
     A("a", 2, 3), T("t", "a"), RAV("r", "t", "A"), rules=["R-RAVEL-1"])
case("rv-C-of-T", "ravel C of a transpose copies",
     A("a", 2, 3), T("t", "a"), RAV("r", "t"), rules=["R-RAVEL-3"])
case("rv-K-of-T", "ravel K of an F-contiguous transpose is a view",
     A("a", 2, 3), T("t", "a"), RAV("r", "t", "K"), rules=["R-RAVEL-1"])
case("rv-F-of-T", "ravel F of an F-contiguous transpose is a view",
     A("a", 2, 3), T("t", "a"), RAV("r", "t", "F"), rules=["R-RAVEL-1"])
case("rv-0d", "ravel of a 0-d array is a (1,) view",
     A("z"), RAV("r", "z"), rules=["R-RAVEL-1"])
case("rv-len1-odd-stride", "ravel of a one-element view with an odd stride gives stride 1",
     A("a", 24), I("s", "a", S(None, None, 7)), I("x", "s", S(None, 1)), RAV("r", "x"), rules=["R-RAVEL-1"])
case("rv-broadcast-K", "ravel K of a broadcast copies in C order",
     A("a", 3), BT("b", "a", [2, 3]), RAV("r", "b", "K"), rules=["R-STRIDE-4", "R-RAVEL-3"])
case("rv-broadcast-T-K", "ravel K of a transposed broadcast copies in its C order",
     A("a", 3), BT("b", "a", [2, 3]), T("t", "b"), RAV("r", "t", "K"), rules=["R-STRIDE-4"])
case("rv-zero-size", "ravel of an empty array",
     A("a", 0, 3), RAV("r", "a"), rules=["R-RAVEL-1", "R-STRIDE-1"])
case("rv-readonly-view", "ravel of a contiguous read-only array is a read-only view",
     A("a", 3), BT("b", "a", [3]), RAV("r", "b"), rules=["R-RAVEL-1", "R-WFLAG-1"])
case("rv-readonly-copy", "ravel of a broadcast is a writeable copy",
     A("a", 3), BT("b", "a", [2, 3]), RAV("r", "b"), rules=["R-RAVEL-3", "R-WFLAG-1"])
case("rv-K-gapped", "ravel K of a view with a gap copies",
     A("a", 4, 6), I("s", "a", S(None, None, 2), FULL), RAV("r", "s", "K"), rules=["R-RAVEL-2"])
case("rv-K-len1-axes", "ravel K skips length-1 axes when checking for a view",
     A("a", 2, 3), T("t", "a"), I("e", "t", N, FULL, N, FULL), RAV("r", "e", "K"), rules=["R-RAVEL-2"])
case("rv-view-write", "A write through a ravel view reaches the source",
     A("a", 2, 3), RAV("r", "a"), SET("r", [4], -1), rules=["R-RAVEL-1", "R-WRITE-2"])

area("ravel-flatten", "flatten")
case("fl-contig-copies", "flatten always copies, even a contiguous array",
     A("a", 6), FL("f", "a"), rules=["R-FLATTEN-1", "R-OWN-1"])
case("fl-K-reversed", "flatten K of a reversed array keeps logical order",
     A("a", 6), I("r", "a", S(None, None, -1)), FL("f", "r", "K"), rules=["R-FLATTEN-1", "R-STRIDE-4"])
case("fl-K-broadcast", "flatten K of a broadcast and of its transpose",
     A("a", 3), BT("b", "a", [2, 3]), T("t", "b"), FL("f", "b", "K"), FL("g", "t", "K"), rules=["R-STRIDE-4"])
case("fl-F", "flatten F of a C array",
     A("a", 2, 3), FL("f", "a", "F"), rules=["R-FLATTEN-1"])
case("fl-A-on-F", "flatten A of an F-ordered array uses F order",
     A("f", 2, 3, order="F"), FL("g", "f", "A"), rules=["R-FLATTEN-1"])
case("fl-A-on-C", "flatten A of a C array uses C order",
     A("a", 2, 3), FL("g", "a", "A"), rules=["R-FLATTEN-1"])
case("fl-0d", "flatten of a 0-d array owns a (1,) buffer",
     A("z"), FL("f", "z"), rules=["R-FLATTEN-1"])
case("fl-zero-size", "flatten of an empty array has a zero stride",
     A("a", 0, 3), FL("f", "a"), rules=["R-FLATTEN-1", "R-STRIDE-2"])
case("fl-K-permuted", "flatten K of a permuted array follows memory order",
     A("a", 2, 3, 4), T("p", "a", [2, 0, 1]), FL("f", "p", "K"), rules=["R-STRIDE-4"])
case("fl-K-strided-T", "flatten K of a transposed strided view",
     A("a", 4, 6), I("s", "a", S(None, None, 2), S(None, None, 3)), T("t", "s"), FL("f", "t", "K"), rules=["R-STRIDE-4"])
case("fl-write-independent", "A write into a flattened copy does not reach the source",
     A("a", 2, 3), FL("f", "a"), SET("f", [0], 99), rules=["R-FLATTEN-1"])
case("fl-K-mixed-signs", "flatten K with one reversed axis of three",
     A("a", 2, 3, 4), I("r", "a", FULL, S(None, None, -1)), T("t", "r", [2, 1, 0]), FL("f", "t", "K"), rules=["R-STRIDE-4"])

# ==========================================================================
# copy-asarray
# ==========================================================================

area("copy-asarray", "copy")
case("cp-default-C", "copy defaults to C order",
     A("a", 2, 3, 4), T("p", "a", [2, 0, 1]), CP("c", "p"), rules=["R-COPY-1"])
case("cp-K", "copy K keeps the source's stride order",
     A("a", 2, 3, 4), T("p", "a", [2, 0, 1]), CP("c", "p", "K"), rules=["R-STRIDE-3", "R-COPY-1"])
case("cp-A-not-fortran", "copy A of a neither-contiguous view uses C",
     A("a", 2, 3, 4), T("p", "a", [2, 0, 1]), CP("c", "p", "A"), rules=["R-COPY-1"])
case("cp-A-of-T", "copy A of an F-contiguous transpose uses F",
     A("a", 2, 3), T("t", "a"), CP("c", "t", "A"), rules=["R-COPY-1"])
case("cp-A-strided-T", "copy A of a strided transpose uses C",
     A("a", 2, 3), I("s", "a", FULL, S(None, None, 2)), T("t", "s"), CP("c", "t", "A"), rules=["R-COPY-1"])
case("cp-F", "copy F of a C array",
     A("a", 2, 3), CP("c", "a", "F"), rules=["R-COPY-1"])
case("cp-K-newaxis", "copy K puts a stride-0 length-1 axis innermost",
     A("a", 4, 6), I("s", "a", S(None, None, 2), S(None, None, 2)), I("w", "s", FULL, N, FULL),
     CP("k", "w", "K"), CP("c", "w"), rules=["R-STRIDE-3"])
case("cp-K-negative", "copy K of reversed axes gives positive strides",
     A("a", 2, 3, 4), I("n", "a", S(None, None, -1), FULL, S(None, None, -1)), CP("k", "n", "K"), rules=["R-STRIDE-3"])
case("cp-K-1d-reversed", "copy K of a reversed 1-d view is C",
     A("a", 5), I("r", "a", S(None, None, -1)), CP("k", "r", "K"), rules=["R-STRIDE-3"])
case("cp-K-F-contig", "copy K of an F-contiguous array is F",
     A("a", 2, 3), T("t", "a"), CP("k", "t", "K"), rules=["R-STRIDE-3"])
case("cp-K-ties", "copy K orders equal strides by axis number",
     A("a", 2, 2), I("b", "a", FULL, S(None, 1)), T("t", "b"), I("u", "t", N), CP("k", "u", "K"), rules=["R-STRIDE-3"])
case("cp-zero-size", "A copy of an empty view has zero strides",
     A("a", 3, 4), I("e", "a", S(None, 0)), CP("c", "e"), rules=["R-STRIDE-2", "R-COPY-1"])
case("cp-zero-size-F", "An F copy of an empty view has zero strides",
     A("a", 3, 4), I("e", "a", FULL, S(None, 0)), CP("c", "e", "F"), rules=["R-STRIDE-2"])
case("cp-readonly-source", "A copy of a read-only view is writeable and owns its data",
     A("a", 3), BT("b", "a", [2, 3]), CP("c", "b"), rules=["R-COPY-1", "R-WFLAG-1"])
case("cp-independent", "A copy does not see later writes to its source",
     A("a", 2, 3), CP("c", "a"), SET("a", [0, 0], 100), rules=["R-COPY-1", "R-SHARE-1"])
case("cp-independent-back", "Writes to a copy do not reach the source",
     A("a", 2, 3), CP("c", "a"), SET("c", [E], -1), rules=["R-COPY-1"])
case("cp-0d", "A copy of a 0-d array",
     A("z"), CP("c", "z"), rules=["R-COPY-1"])
case("cp-of-view-offset", "A copy of an offset view starts at offset 0 in a new buffer",
     A("a", 10), I("v", "a", S(3, 8)), CP("c", "v"), rules=["R-COPY-1", "R-BUF-1"])

area("copy-asarray", "asarray")
case("as-no-copy", "asarray of an array returns it unchanged",
     A("a", 2, 3), AS("x", "a"), rules=["R-ASARRAY-1"])
case("as-K-strided", "asarray K of a strided view returns the view",
     A("a", 2, 3), I("s", "a", FULL, S(None, None, 2)), AS("x", "s", "K"), rules=["R-ASARRAY-1"])
case("as-C-of-T", "asarray C of a transpose copies to C",
     A("a", 2, 3), T("t", "a"), AS("x", "t", "C"), rules=["R-ASARRAY-1"])
case("as-F-of-C", "asarray F of a C array copies to F",
     A("a", 2, 3), AS("x", "a", "F"), rules=["R-ASARRAY-1"])
case("as-F-of-T", "asarray F of an F-contiguous transpose returns it",
     A("a", 2, 3), T("t", "a"), AS("x", "t", "F"), rules=["R-ASARRAY-1"])
case("as-A-of-T", "asarray A never copies an array",
     A("a", 2, 3), T("t", "a"), AS("x", "t", "A"), rules=["R-ASARRAY-1"])
case("as-A-strided", "asarray A of a strided view returns the view",
     A("a", 2, 3), I("s", "a", FULL, S(None, None, 2)), AS("x", "s", "A"), rules=["R-ASARRAY-1"])
case("as-C-of-broadcast", "asarray C of a broadcast copies into a writeable array",
     A("a", 3), BT("b", "a", [2, 3]), AS("x", "b", "C"), rules=["R-ASARRAY-1", "R-WFLAG-1"])
case("as-F-of-reversed", "asarray F of a reversed view copies with positive strides",
     A("a", 2, 3), I("r", "a", S(None, None, -1)), AS("x", "r", "F"), rules=["R-ASARRAY-1"])
case("as-C-of-0d", "asarray C of a 0-d array returns it",
     A("z"), AS("x", "z", "C"), rules=["R-ASARRAY-1"])
case("as-K-broadcast", "asarray of a broadcast returns the read-only view",
     A("a", 3), BT("b", "a", [2, 3]), AS("x", "b"), rules=["R-ASARRAY-1", "R-WFLAG-1"])
case("as-C-of-C-view", "asarray C of a C-contiguous view returns the view",
     A("a", 3, 4), I("v", "a", S(1, None)), AS("x", "v", "C"), rules=["R-ASARRAY-1"])
case("as-write-through", "A write through asarray's result reaches the source",
     A("a", 2, 3), AS("x", "a"), SET("x", [0, 0], 5), rules=["R-ASARRAY-1", "R-WRITE-2"])
case("as-C-strided-1d", "asarray C of a strided 1-d view copies",
     A("a", 6), I("s", "a", S(None, None, 2)), AS("x", "s", "C"), rules=["R-ASARRAY-1"])
case("as-F-of-zero-size", "asarray F of an empty view returns it (empty arrays are F-contiguous)",
     A("a", 3, 4), I("e", "a", S(None, 0)), AS("x", "e", "F"), rules=["R-ASARRAY-1", "R-FLAGS-2"])

# ==========================================================================
# fancy-indexing
# ==========================================================================

area("fancy-indexing", "shapes")
case("fx-1d-list", "An index array copies the selected elements",
     A("a", 10), I("b", "a", X([1, 3, 5])), rules=["R-FANCY-1"])
case("fx-negative", "Negative index values wrap once",
     A("a", 10), I("b", "a", X([-1, -10])), rules=["R-FANCY-4"])
case("fx-repeated", "Repeated index values repeat elements",
     A("a", 5), I("b", "a", X([0, 0, 1])), rules=["R-FANCY-1"])
case("fx-2d-index-1d", "A 2-d index array on a 1-d array gives a 2-d result",
     A("v", 10), I("b", "v", X([[0, 1, 2], [3, 4, 5]])), rules=["R-FANCY-2", "R-FANCY-5"])
case("fx-rows", "An index array on the first axis keeps the other axes",
     A("b", 2, 3, 4), I("r", "b", X([0, 1])), rules=["R-FANCY-2", "R-FANCY-5"])
case("fx-col-consec", "An index array after a slice gives a transposed view of a hidden buffer",
     A("a", 2, 3), I("r", "a", FULL, X([0, 1])), rules=["R-FANCY-5", "R-OWN-2"])
case("fx-last-axis", "An index array on the last axis of a 3-d array",
     A("b", 2, 3, 4), I("r", "b", FULL, FULL, X([0, 1])), rules=["R-FANCY-5", "R-FANCY-2"])
case("fx-two-adjacent", "Two adjacent index arrays after a slice",
     A("b", 2, 3, 4), I("r", "b", FULL, X([0, 1]), X([0, 1])), rules=["R-FANCY-2", "R-FANCY-5"])
case("fx-split-by-slice", "Index arrays separated by a slice put the broadcast axes first",
     A("b", 2, 3, 4), I("r", "b", X([0, 1]), FULL, X([0, 1])), rules=["R-FANCY-2"])
case("fx-int-adjacent", "An integer next to an index array counts as advanced",
     A("b", 2, 3, 4), I("r", "b", FULL, 0, X([0, 1])), rules=["R-FANCY-2"])
case("fx-int-split", "An integer and an index array split by a slice",
     A("b", 2, 3, 4), I("r", "b", 0, FULL, X([0, 1])), rules=["R-FANCY-2"])
case("fx-newaxis-splits", "A newaxis between index arrays splits the block",
     A("b", 2, 3, 4), I("r", "b", FULL, X([0]), N, X([0])), rules=["R-FANCY-2"])
case("fx-ellipsis-zero-splits", "An ellipsis that expands to nothing still splits the block",
     A("b", 2, 3, 4), I("r", "b", FULL, X([0]), E, X([0])), rules=["R-FANCY-2", "R-INDEX-5"])
case("fx-adjacent-no-split", "Adjacent index arrays after a slice stay in place",
     A("b", 2, 3, 4), I("r", "b", FULL, X([0]), X([0])), rules=["R-FANCY-2"])
case("fx-broadcast-indices", "Index arrays broadcast against each other",
     A("a", 3, 4), I("r", "a", X([[0], [2]]), X([1, 3])), rules=["R-FANCY-2"])
case("fx-broadcast-mismatch", "Index arrays that do not broadcast raise IndexError",
     A("a", 3, 4), I("r", "a", X([0, 1, 2]), X([0, 1])), rules=["R-FANCY-3"])
case("fx-broadcast-mismatch-2d", "2-d index arrays that do not broadcast raise IndexError",
     A("a", 3, 4), I("r", "a", X([[0, 1], [1, 2]]), X([[0, 1, 2]])), rules=["R-FANCY-3"])
case("fx-too-many", "Two index arrays on a 1-d array raise IndexError",
     A("a", 3), I("r", "a", X([0]), X([0])), rules=["R-INDEX-6"])
case("fx-deep-index", "A 3-d index array on a 1-d array",
     A("a", 10), I("r", "a", X([[[1]], [[2]]])), rules=["R-FANCY-2"])
case("fx-empty-2d-index", "An index array of shape (1, 0)",
     A("a", 5), I("r", "a", X([[]])), rules=["R-FANCY-2", "R-STRIDE-2"])
case("fx-on-reversed", "An index array on a reversed view addresses logical positions",
     A("a", 10), I("r", "a", S(None, None, -1)), I("b", "r", X([0, 1])), rules=["R-FANCY-1"])
case("fx-with-ellipsis", "An index array before an ellipsis",
     A("a", 2, 3, 4), I("r", "a", X([1, 0]), E), rules=["R-FANCY-2", "R-INDEX-5"])
case("fx-mask-and-array", "A mask and an index array together",
     A("a", 3, 4), I("r", "a", M([t, f, t]), X([0, 1])), rules=["R-MASK-2", "R-FANCY-2"])

area("fancy-indexing", "layout")
case("fx-empty-list", "An empty index array gives an empty owner with zero strides",
     A("a", 3, 4), I("r", "a", X([])), rules=["R-FANCY-5", "R-STRIDE-2"])
case("fx-empty-list-col", "An empty index array after a slice gives a view of an empty hidden buffer",
     A("a", 3, 4), I("r", "a", FULL, X([])), rules=["R-FANCY-5", "R-OWN-2"])
case("fx-transposed-source", "The subspace of a transposed source is laid out in its K order",
     A("a", 2, 3, 4), T("bt", "a", [2, 1, 0]), I("r", "bt", X([0, 1])), rules=["R-FANCY-5"])
case("fx-transposed-source-consec", "The same source with the index array in the middle",
     A("a", 2, 3, 4), T("bt", "a", [2, 1, 0]), I("r", "bt", FULL, X([0, 1])), rules=["R-FANCY-5"])
case("fx-newaxis-first", "newaxis then an index array: C-contiguous but a view of a hidden buffer",
     A("b", 2, 3, 4), I("r", "b", N, X([0, 1])), rules=["R-FANCY-5", "R-FLAGS-1", "R-OWN-2"])
case("fx-newaxis-consec", "A slice, newaxis and an index array",
     A("b", 2, 3, 4), I("r", "b", FULL, N, X([0, 1])), rules=["R-FANCY-5"])
case("fx-subspace-one", "A one-element subspace is laid out like no subspace",
     A("x", 6, 1), I("r", "x", X([[0, 1], [2, 3], [4, 5]]), FULL), rules=["R-FANCY-5"])
case("fx-subspace-two", "A two-element subspace goes innermost",
     A("x", 6, 2), I("r", "x", X([[0, 1], [2, 3], [4, 5]])), rules=["R-FANCY-5"])
case("fx-T-rows", "Rows of a transpose selected by an index array",
     A("a", 3, 4), T("t", "a"), I("r", "t", X([0, 1])), rules=["R-FANCY-5"])
case("fx-reversed-subspace", "The subspace of a reversed view is copied with positive strides",
     A("a", 3, 4), I("r", "a", FULL, S(None, None, -1)), I("b", "r", X([2, 0])), rules=["R-FANCY-5", "R-STRIDE-3"])
case("fx-1d-fast-path", "A single index array on a 1-d array takes the index's shape in C order",
     A("a", 8), I("r", "a", X([[7, 6], [5, 4]])), rules=["R-FANCY-5"])
case("fx-consec-3d", "An index array on the middle axis of a 3-d array",
     A("a", 2, 3, 4), I("r", "a", FULL, X([2, 0]), FULL), rules=["R-FANCY-5", "R-FANCY-2"])
case("fx-two-arrays-2d-result", "Two index arrays with a 2-d broadcast shape and no subspace",
     A("a", 3, 4), I("r", "a", X([[0, 1], [2, 0]]), X([[3, 2], [1, 0]])), rules=["R-FANCY-5"])

area("fancy-indexing", "bounds")
case("fx-oob", "An out-of-bounds index value raises IndexError",
     A("a", 10), I("b", "a", X([0, 10])), rules=["R-FANCY-4"])
case("fx-oob-negative", "An index value below -n raises IndexError",
     A("a", 10), I("b", "a", X([-11])), rules=["R-FANCY-4"])
case("fx-oob-empty-result", "Bounds are checked even when the result is empty",
     A("b", 3, 4), I("r", "b", S(None, 0), X([7])), rules=["R-FANCY-6"])
case("fx-empty-broadcast-no-check", "An empty broadcast of index arrays skips the bounds check",
     A("a", 3, 4), I("r", "a", X([]), X([7])), rules=["R-FANCY-6"])
case("fx-oob-second-array", "The second index array is checked against its own axis",
     A("a", 3, 4), I("r", "a", X([0, 2]), X([3, 4])), rules=["R-FANCY-4"])
case("fx-oob-2d-index", "An out-of-bounds value inside a 2-d index array",
     A("a", 4), I("r", "a", X([[0, 1], [2, 4]])), rules=["R-FANCY-4"])
case("fx-huge-index", "The largest format integer in an index array is out of bounds",
     A("a", 4), I("r", "a", X([2147483647])), rules=["R-FANCY-4"])

area("fancy-indexing", "aliasing")
case("fx-copy-not-alias", "A write into a fancy result does not reach the source",
     A("a", 6), I("r", "a", X([2, 3])), SET("r", [0], 100), rules=["R-FANCY-1"])
case("fx-consec-not-alias", "A fancy result that is a view of a hidden buffer shares nothing with the source",
     A("a", 3, 4), I("r", "a", FULL, X([0, 1])), SET("r", [0, 0], 100), rules=["R-FANCY-1", "R-OWN-2"])
case("fx-write-through-view", "Fancy assignment through a basic view writes the original",
     A("v", 3, 4), I("w", "v", FULL, 1), SET("w", [X([0, 2])], -1), rules=["R-WRITE-3", "R-WRITE-2"])
case("fx-fancy-then-basic", "A basic view of a fancy result aliases the result, not the source",
     A("a", 3, 4), I("f", "a", X([0, 2])), I("c", "f", FULL, 1), rules=["R-FANCY-1", "R-BUF-1"])
case("fx-mask-copy-not-alias", "A write into a mask result does not reach the source",
     A("a", 5), I("r", "a", M([t, f, t, f, t])), SET("r", [E], 0), rules=["R-FANCY-1", "R-MASK-1"])

area("fancy-indexing", "limits")
_I0 = [[[0]]] * 256
_I1 = [[[0]] * 256]
_I2 = [[[0] * 257]]
case("lim-index", "A fancy index whose result needs more than 2^24 elements fails with LimitExceeded",
     A("a", 1, 1, 1), I("r", "a", X(_I0), X(_I1), X(_I2)), rules=["V-LIMIT-1"])
case("lim-assign", "A write through such an index fails with LimitExceeded and changes nothing",
     A("a", 1, 1, 1), SET("a", [X(_I0), X(_I1), X(_I2)], 5), rules=["V-LIMIT-1", "R-WRITE-6"])
case("lim-add-assign", "An add through such an index fails with LimitExceeded",
     A("a", 1, 1, 1), ADD("a", [X(_I0), X(_I1), X(_I2)], 5), rules=["V-LIMIT-1"])
case("lim-subspace-counts", "The subspace extent counts towards the limit",
     A("a", 1, 1, 257), I("r", "a", X([[0]] * 256), X([[0] * 256])), rules=["V-LIMIT-1"])
case("lim-then-skipped", "A step that uses the name of a LimitExceeded step is skipped",
     A("a", 1, 1, 1), I("r", "a", X(_I0), X(_I1), X(_I2)), I("s", "r", 0), rules=["V-LIMIT-1", "V-STEP-1"])
case("lim-mismatch-is-numpy-error", "When index arrays do not broadcast NumPy's IndexError wins over the limit",
     A("a", 1, 1), I("r", "a", X([0] * 256), X([0] * 255)), rules=["V-LIMIT-1", "R-FANCY-3"])

# The program budget (V-LIMIT-2). Only failing bindings are cheap to record:
# every element a program keeps bound is in its observation, so a case that
# succeeds at the budget would carry 2^22 values (the oracle and backend
# tests check that boundary against the live NumPy instead).
_COL2048 = [[0]] * 2048  # (2048, 1)
case("budget-result-alone", "A fancy result above 2^22 elements (but within 2^24) is refused by the program budget",
     A("a", 1, 1), I("r", "a", X(_COL2048), X([0] * 2049)), I("s", "r", 0), rules=["V-LIMIT-2", "V-STEP-1"])
case("budget-counts-bound-arrays", "A 2^22-element result does not fit next to an array already bound",
     A("a", 1, 1), I("r", "a", X(_COL2048), X([0] * 2048)), rules=["V-LIMIT-2"])
case("budget-writes-unaffected", "A write through a 2^22 + 2048-element fancy target succeeds: writes bind nothing",
     A("a", 1, 1), SET("a", [X(_COL2048), X([0] * 2049)], 5), rules=["V-LIMIT-2"])

# ==========================================================================
# masks
# ==========================================================================

_M34 = [[f, f, f, f], [f, f, t, t], [t, t, t, t]]  # a > 5 on arange(12).reshape(3, 4)
_MT = [[f, f, t], [f, f, t], [f, t, t], [f, t, t]]  # t > 5 on its transpose

area("masks", "getitem")
case("mk-full-shape", "A full-shape mask gives a 1-d copy in C order",
     A("a", 3, 4), I("r", "a", M(_M34)), rules=["R-MASK-1"])
case("mk-T-logical-order", "A full-shape mask on a transpose follows logical, not memory, order",
     A("a", 3, 4), T("t", "a"), I("r", "t", M(_MT)), rules=["R-MASK-1"])
case("mk-all-false", "An all-false mask gives an empty owner",
     A("a", 2, 2), I("r", "a", M([[f, f], [f, f]])), rules=["R-MASK-1", "R-STRIDE-2"])
case("mk-all-true", "An all-true mask copies everything",
     A("a", 2, 2), I("r", "a", M([[t, t], [t, t]])), rules=["R-MASK-1"])
case("mk-row-mask", "A mask on the first axis selects rows",
     A("a", 3, 4), I("r", "a", M([t, f, t])), rules=["R-MASK-2"])
case("mk-col-mask", "A mask on the last axis after a slice",
     A("a", 3, 4), I("r", "a", FULL, M([t, f, t, f])), rules=["R-MASK-2", "R-FANCY-5"])
case("mk-size-mismatch", "A mask shorter than its axis raises IndexError",
     A("a", 3, 4), I("r", "a", M([f, t])), rules=["R-MASK-2"])
case("mk-size-mismatch-axis1", "A mask of the wrong length on the second axis raises IndexError",
     A("a", 3, 4), I("r", "a", FULL, M([t, t, t])), rules=["R-MASK-2"])
case("mk-2d-partial", "A 2-d mask over the first two axes of a 3-d array",
     A("a", 2, 3, 4), I("r", "a", M([[t, f, t], [f, t, f]])), rules=["R-MASK-2"])
case("mk-2d-partial-mismatch", "A 2-d mask with swapped extents raises IndexError",
     A("a", 2, 3, 4), I("r", "a", M([[t, f], [f, t], [t, t]])), rules=["R-MASK-2"])
case("mk-with-int", "An integer then a mask",
     A("a", 3, 4), I("r", "a", 1, M([t, f, f, t])), rules=["R-MASK-2"])
case("mk-empty", "An empty mask on an empty array",
     A("a", 0), I("r", "a", M([])), rules=["R-MASK-1", "R-STRIDE-2"])
case("mk-3d-full", "A full-shape 3-d mask",
     A("a", 2, 2, 2), I("r", "a", M([[[t, f], [f, t]], [[t, t], [f, f]]])), rules=["R-MASK-1"])
case("mk-ellipsis-mask", "An ellipsis then a mask on the last axis",
     A("a", 3, 4), I("r", "a", E, M([f, t, t, f])), rules=["R-MASK-2"])
case("mk-mask-array-mismatch", "A mask's true count must broadcast with the index arrays",
     A("a", 3, 4), I("r", "a", M([t, f, t]), X([0, 1, 2])), rules=["R-MASK-2", "R-FANCY-3"])
case("mk-on-reversed", "A mask on a reversed view selects in logical order",
     A("a", 6), I("r", "a", S(None, None, -1)), I("b", "r", M([t, t, f, f, t, f])), rules=["R-MASK-1"])
case("mk-on-broadcast", "A full-shape mask on a broadcast gives a writeable copy",
     A("a", 3), BT("b", "a", [2, 3]), I("r", "b", M([[t, f, t], [f, t, f]])), rules=["R-MASK-1", "R-WFLAG-1"])

area("masks", "setitem")
case("mk-write-scalar", "A scalar written through a full-shape mask",
     A("a", 3, 4), SET("a", [M(_M34)], 0), rules=["R-WRITE-4"])
case("mk-write-1d-value", "A 1-d value fills the selected elements in C order",
     A("a", 3, 4), A("v", 6), SET("a", [M(_M34)], "v"), rules=["R-WRITE-4"])
case("mk-write-T-order", "A 1-d value fills a transposed target in its logical order",
     A("a", 2, 3), SET("a", [E], 0), T("t", "a"), A("w", 5), I("v", "w", S(1, None)),
     SET("t", [M([[f, t], [t, f], [t, t]])], "v"), rules=["R-WRITE-4"])
case("mk-write-count-mismatch", "A 1-d value with the wrong length raises ValueError",
     A("a", 3, 4), A("v", 2), SET("a", [M(_M34)], "v"), rules=["R-WRITE-4"])
case("mk-write-2d-value", "A 2-d value raises TypeError",
     A("a", 3, 4), A("v", 2, 3), SET("a", [M(_M34)], "v"), rules=["R-WRITE-4"])
case("mk-write-len1-value", "A length-1 value is repeated",
     A("a", 3, 4), A("v", 1), SET("a", [M(_M34)], "v"), rules=["R-WRITE-4"])
case("mk-write-0d-value", "A 0-d value is repeated",
     A("a", 3, 4), A("z"), SET("a", [M(_M34)], "z"), rules=["R-WRITE-4"])
case("mk-write-partial-mismatch", "A partial mask uses the fancy path and its shape-mismatch ValueError",
     A("a", 3, 4), A("v", 2), SET("a", [M([t, f, t])], "v"), rules=["R-WRITE-3", "R-MASK-2"])
case("mk-write-partial-broadcast", "A row value broadcast to the rows a partial mask selects",
     A("a", 3, 4), A("v", 4), SET("a", [M([t, f, t])], "v"), rules=["R-WRITE-3", "R-MASK-2"])
case("mk-add-assign", "Adding through a full-shape mask",
     A("a", 3, 4), ADD("a", [M(_M34)], 10), rules=["R-WRITE-4"])
case("mk-write-size-mismatch", "A mask of the wrong shape raises IndexError on assignment",
     A("a", 3, 4), SET("a", [M([t, f])], 1), rules=["R-MASK-2", "R-WRITE-6"])
case("mk-write-through-view", "Mask assignment into a view writes the original",
     A("a", 3, 4), I("v", "a", FULL, S(None, None, 2)), SET("v", [M([[t, f], [f, t], [t, t]])], -9),
     rules=["R-WRITE-4", "R-WRITE-2"])
case("mk-write-readonly", "Mask assignment into a read-only broadcast raises ValueError",
     A("a", 3), BT("b", "a", [2, 3]), SET("b", [M([[t, f, t], [f, f, f]])], 1), rules=["R-WRITE-6"])

# ==========================================================================
# writes
# ==========================================================================

area("writes", "basic")
case("wr-row-value", "A 1-d value broadcast over a row",
     A("a", 3, 4), A("v", 4), SET("a", [0], "v"), rules=["R-WRITE-1"])
case("wr-leading-ones", "Extra leading length-1 axes of the value are dropped",
     A("a", 3, 4), A("v", 1, 1, 4), SET("a", [0], "v"), rules=["R-WRITE-1"])
case("wr-column-value", "A column value broadcast over every column",
     A("a", 3, 4), A("v", 3, 1), SET("a", [FULL], "v"), rules=["R-WRITE-1"])
case("wr-mismatch", "A value that does not broadcast raises ValueError",
     A("a", 3, 4), A("v", 2), SET("a", [0], "v"), rules=["R-WRITE-1"])
case("wr-too-many-dims", "A value with more axes than the target raises ValueError",
     A("a", 3, 4), A("v", 2, 3, 4), SET("a", [FULL], "v"), rules=["R-WRITE-1"])
case("wr-scalar-one", "A scalar written at one position",
     A("a", 2, 3), SET("a", [1, 2], -5), rules=["R-WRITE-1"])
case("wr-ellipsis-all", "A scalar written through an ellipsis fills everything",
     A("a", 2, 3), SET("a", [E], 0), rules=["R-WRITE-1"])
case("wr-empty-tuple", "A scalar written through the empty tuple fills everything",
     A("a", 2, 3), SET("a", [], 7), rules=["R-WRITE-1"])
case("wr-strided", "A scalar written through a strided slice",
     A("a", 10), SET("a", [S(None, None, 2)], 1), rules=["R-WRITE-1"])
case("wr-reversed-copy", "Writing a copy back through a reversed slice reverses the array",
     A("a", 6), CP("c", "a"), SET("a", [S(None, None, -1)], "c"), rules=["R-WRITE-1"])
case("wr-oob", "An out-of-bounds integer raises IndexError and changes nothing",
     A("a", 5), SET("a", [5], 1), rules=["R-WRITE-6", "R-INDEX-3"])
case("wr-empty-target", "Writing an unbroadcastable value into an empty slice raises ValueError",
     A("a", 5), A("v", 2), SET("a", [S(2, 2)], "v"), rules=["R-WRITE-1"])
case("wr-empty-target-ok", "Writing a scalar into an empty slice changes nothing",
     A("a", 5), SET("a", [S(2, 2)], 9), rules=["R-WRITE-1"])
case("wr-value-from-readonly", "A read-only array can be the value of a write",
     A("a", 3), BT("b", "a", [2, 3]), A("c", 2, 3), SET("c", [E], "b"), rules=["R-WRITE-1", "R-BCAST-1"])
case("wr-scalar-var", "A scalar bound by an earlier step is written as a value",
     A("a", 2, 3), I("s", "a", 0, 1), SET("a", [FULL], "s"), rules=["V-STEP-2"])
case("wr-0d-value", "A 0-d array value is broadcast",
     A("a", 2, 3), A("z"), SET("a", [1], "z"), rules=["R-WRITE-1"])

area("writes", "fancy")
case("wr-fancy-broadcast", "Fancy assignment broadcasts the value to the index result shape",
     A("a", 3, 4), A("w", 4), I("v", "w", S(1, None), N), SET("a", [FULL, X([0, 1])], "v"), rules=["R-WRITE-3"])
case("wr-fancy-mismatch", "A value that does not broadcast to the index result raises ValueError",
     A("a", 3, 4), A("v", 3), SET("a", [X([0, 1])], "v"), rules=["R-WRITE-3"])
case("wr-fancy-consec-mismatch", "A value shaped like the untransposed result raises ValueError",
     A("a", 3, 4), A("v", 2, 3), SET("a", [FULL, X([0, 1])], "v"), rules=["R-WRITE-3"])
case("wr-fancy-consec-ok", "A value shaped like the index result fits",
     A("a", 3, 4), A("v", 3, 2), SET("a", [FULL, X([0, 1])], "v"), rules=["R-WRITE-3"])
case("wr-fancy-2d-index", "A 2-d index array and a matching value",
     A("a", 5), A("v", 2, 2), SET("a", [X([[4, 3], [2, 1]])], "v"), rules=["R-WRITE-3"])
case("wr-fancy-scalar", "A scalar written through an index array",
     A("a", 5), SET("a", [X([1, 3])], 0), rules=["R-WRITE-3"])
case("wr-fancy-empty", "An empty index array still checks the value's shape: ValueError",
     A("a", 5), A("v", 3), SET("a", [X([])], "v"), rules=["R-WRITE-3"])
case("wr-fancy-negative", "Negative index values in an assignment",
     A("a", 5), SET("a", [X([-1, -2])], 0), rules=["R-WRITE-3"])
case("wr-fancy-oob-unchanged", "An out-of-bounds index value raises IndexError before anything is written",
     A("a", 5), SET("a", [X([0, 10])], 99), rules=["R-WRITE-3", "R-WRITE-6", "R-FANCY-4"])
case("wr-fancy-oob-2d", "An out-of-bounds value in the second index array leaves the array unchanged",
     A("a", 3, 4), SET("a", [X([0, 1]), X([0, 4])], -1), rules=["R-WRITE-3", "R-WRITE-6"])
case("wr-fancy-leading-ones", "Extra leading length-1 axes of a fancy value are dropped",
     A("a", 5), A("v", 1, 1, 2), SET("a", [X([0, 4])], "v"), rules=["R-WRITE-3"])
case("wr-fancy-through-transpose", "Fancy assignment through a transpose",
     A("a", 3, 4), T("t", "a"), SET("t", [X([0, 3])], 0), rules=["R-WRITE-3", "R-WRITE-2"])
case("wr-fancy-mixed-slice", "An index array and a strided slice in one assignment",
     A("a", 3, 4), SET("a", [X([2, 0]), S(None, None, 3)], -1), rules=["R-WRITE-3"])

area("writes", "duplicates")
case("dup-last-wins-1d", "With duplicate targets the last value in order wins",
     A("a", 5), SET("a", [E], 0), A("w", 5), I("v", "w", S(1, None)), SET("a", [X([0, 0, 1, 0])], "v"),
     rules=["R-WRITE-5"])
case("dup-add-once", "add_assign applies a duplicated target once",
     A("a", 4), ADD("a", [X([0, 0, 1])], 1), rules=["R-WRITE-5"])
case("dup-2d-index-C-order", "Duplicates in a 2-d index: the last in C order wins",
     A("a", 3), SET("a", [E], 0), A("w", 5), I("v", "w", S(1, None)), R("u", "v", [2, 2]),
     SET("a", [X([[0, 0], [0, 1]])], "u"), rules=["R-WRITE-5"])
case("dup-F-value", "Duplicates with an F-ordered value still follow C order of the result",
     A("a", 3), A("v", 2, 2, order="F"), SET("a", [X([[0, 0], [0, 1]])], "v"), rules=["R-WRITE-5"])
case("dup-reversed-value", "Duplicates with a reversed value",
     A("a", 3), A("v0", 2, 2), I("v", "v0", FULL, S(None, None, -1)), SET("a", [X([[0, 0], [0, 0]])], "v"),
     rules=["R-WRITE-5"])
case("dup-subspace", "Duplicate rows with a subspace: the last row wins",
     A("a", 3, 2), A("v", 2, 2), SET("a", [X([0, 0])], "v"), rules=["R-WRITE-5"])
case("dup-add-var", "add_assign with duplicates and an array value",
     A("a", 4), A("v", 3), ADD("a", [X([1, 1, 1])], "v"), rules=["R-WRITE-5"])
case("dup-order-deviation", "NumPy iterates these broadcast index arrays in F order; the documented last-in-C-order result is recorded",
     A("a", 3, 2), A("v", 3, 2, 3, order="F"),
     SET("a", [X([[[1, 2, 2], [2, 0, 0]]]), X([[[1, 0, 0]], [[0, 0, 1]], [[1, 0, 0]]])], "v"),
     rules=["R-OVERLAP-4", "R-WRITE-5"])
case("dup-order-deviation-2", "A transposed value makes NumPy iterate in F order; the documented result is recorded",
     A("a", 2, 2), A("v0", 2, 3, 2), T("v", "v0"),
     SET("a", [X([[[0, 1]], [[1, 0]]]), X([[[0, 1], [0, 1], [1, 0]]])], "v"),
     rules=["R-OVERLAP-4", "R-WRITE-5"])
case("dup-order-deviation-add", "Under add_assign the summed value is a fresh C-ordered array, so NumPy agrees with the documented result",
     A("a", 2, 2), A("v0", 2, 3, 2), T("v", "v0"),
     ADD("a", [X([[[0, 1]], [[1, 0]]]), X([[[0, 1], [0, 1], [1, 0]]])], "v"),
     rules=["R-WRITE-5"])

area("writes", "readonly")
case("ro-view-of-broadcast", "A row view of a broadcast is read-only too",
     A("a", 3), BT("b", "a", [2, 3]), I("v", "b", 0), SET("v", [0], 1), rules=["R-WRITE-6", "R-WFLAG-1"])
case("ro-empty-target", "A read-only destination raises even when nothing would be written",
     A("a", 3), BT("b", "a", [2, 3]), SET("b", [S(0, 0)], 1), rules=["R-WRITE-6"])
case("ro-before-oob", "A read-only destination raises ValueError before the index is bounds-checked",
     A("a", 3), BT("b", "a", [2, 3]), SET("b", [X([10])], 1), rules=["R-WRITE-6"])
case("ro-self-assign", "Assigning a read-only array to itself raises ValueError",
     A("a", 3), BT("b", "a", [2, 3]), SET("b", [E], "b"), rules=["R-WRITE-6"])
case("ro-diagonal-add", "add_assign into a diagonal view raises ValueError",
     A("a", 3, 3), DG("d", "a"), ADD("d", [S(None, 2)], 1), rules=["R-WRITE-6"])
case("ro-transposed-diagonal", "The transpose of a diagonal stays read-only",
     A("a", 2, 3, 3), DG("d", "a", 0, 1, 2), T("t", "d"), SET("t", [0, 0], 5), rules=["R-WRITE-6", "R-WFLAG-1"])
case("ro-failed-step-changes-nothing", "A write that fails on a shape mismatch leaves every alias unchanged",
     A("a", 2, 3), I("v", "a", 0), A("w", 2), SET("v", [FULL], "w"), rules=["R-WRITE-6", "R-WRITE-1"])

area("writes", "add-assign")
case("add-slice", "add_assign through a slice",
     A("a", 6), ADD("a", [S(1, None)], 10), rules=["R-WRITE-1", "R-WRITE-2"])
case("add-var-row", "add_assign of a row into one row",
     A("a", 3, 4), A("v", 4), ADD("a", [0], "v"), rules=["R-WRITE-1"])
case("add-mismatch", "add_assign with a value that does not broadcast raises ValueError",
     A("a", 3, 4), A("v", 3), ADD("a", [0], "v"), rules=["R-WRITE-1", "R-WRITE-6"])
case("add-fancy", "add_assign through an index array",
     A("a", 5), A("v", 2), ADD("a", [X([0, 4])], "v"), rules=["R-WRITE-3"])
case("add-scalar-var", "add_assign of a scalar bound earlier",
     A("a", 2, 3), I("s", "a", 1, 1), ADD("a", [], "s"), rules=["V-STEP-2"])
case("add-oob", "add_assign at an out-of-bounds integer raises IndexError",
     A("a", 5), ADD("a", [5], 1), rules=["R-WRITE-6", "R-INDEX-3"])
case("add-negative-scalar", "add_assign of a negative scalar",
     A("a", 4), ADD("a", [S(None, None, 2)], -100), rules=["R-WRITE-1"])
case("add-wraparound", "Repeated doubling wraps around at int64",
     A("a", 1), SET("a", [], 2147483647), *([ADD("a", [], "a")] * 33), rules=["R-WRITE-7", "R-OVERLAP-1"])
case("add-wrap-min", "Doubling a negative value past the most negative int64 wraps to positive",
     A("a", 1), SET("a", [], -2147483647), *([ADD("a", [], "a")] * 33), rules=["R-WRITE-7"])
case("add-wrap-scalar-result", "A scalar read after wrap-around carries the wrapped value",
     A("a", 2), SET("a", [], 2147483647), *([ADD("a", [], "a")] * 33), I("s", "a", 0), rules=["R-WRITE-7"])
case("add-through-broadcast-value", "add_assign of a broadcast value",
     A("a", 2, 3), A("w", 3), BT("v", "w", [2, 3]), ADD("a", [E], "v"), rules=["R-WRITE-1"])
case("add-skipped", "add_assign to a name whose step failed is skipped",
     A("a", 3), I("b", "a", 9), ADD("b", [], 1), rules=["V-STEP-1"])
case("add-mask-2d-value", "add_assign through a full-shape mask with a 2-d value raises ValueError",
     A("a", 3, 4), A("v", 2, 3), ADD("a", [M(_M34)], "v"), rules=["R-WRITE-1", "R-WRITE-6"])
case("add-readonly-fancy", "add_assign through an index array into a read-only broadcast raises ValueError",
     A("a", 3), BT("b", "a", [2, 3]), ADD("b", [X([0])], 1), rules=["R-WRITE-6"])
case("add-scalar-overflow-warning", "add_assign at one element adds NumPy scalars, which warn on int64 overflow",
     A("a", 1), SET("a", [], 2147483647), *([ADD("a", [], "a")] * 32), I("s", "a", 0), ADD("a", [0], "s"),
     rules=["R-WRITE-7", "V-STEP-2"])
case("add-array-overflow-silent", "The same overflow through a slice wraps silently",
     A("a", 1), SET("a", [], 2147483647), *([ADD("a", [], "a")] * 32), I("s", "a", 0), ADD("a", [S(None, None)], "s"),
     rules=["R-WRITE-7"])
case("chained-indexing", "x = a[1]; x += 100 changes a, the same through a[[0]] does not",
     A("a", 2, 3), I("x", "a", 1), ADD("x", [], 100), I("y", "a", 0, 0), I("z", "a", X([0])), ADD("z", [], 100),
     rules=["R-WRITE-2", "R-FANCY-1", "R-INDEX-1"])

# ==========================================================================
# overlap
# ==========================================================================

area("overlap", "assign")
case("ov-shift-right", "Shifting right by assigning an overlapping slice behaves as if copied first",
     A("a", 6), I("v", "a", S(None, -1)), SET("a", [S(1, None)], "v"), rules=["R-OVERLAP-1"])
case("ov-shift-left", "Shifting left by assigning an overlapping slice",
     A("a", 6), I("v", "a", S(1, None)), SET("a", [S(None, -1)], "v"), rules=["R-OVERLAP-1"])
case("ov-reverse-self", "Assigning an array to its own reverse",
     A("a", 6), SET("a", [S(None, None, -1)], "a"), rules=["R-OVERLAP-1"])
case("ov-transpose-self", "Assigning a square array its own transpose",
     A("a", 3, 3), T("t", "a"), SET("a", [E], "t"), rules=["R-OVERLAP-1"])
case("ov-2d-shift", "Shifting a 2-d block down and right",
     A("a", 3, 4), I("v", "a", S(None, -1), S(None, -1)), SET("a", [S(1, None), S(1, None)], "v"), rules=["R-OVERLAP-1"])
case("ov-fancy", "Fancy assignment from an overlapping view",
     A("a", 6), I("v", "a", S(None, -1)), SET("a", [X([1, 2, 3, 4, 5])], "v"), rules=["R-OVERLAP-1"])
case("ov-mask-contiguous", "Mask assignment from an overlapping contiguous view happens to be right",
     A("a", 6), I("v", "a", S(None, -1)), SET("a", [M([f, t, t, t, t, t])], "v"), rules=["R-OVERLAP-1"])
case("ov-add-shift", "add_assign of an overlapping shifted view",
     A("a", 6), I("v", "a", S(None, -1)), ADD("a", [S(1, None)], "v"), rules=["R-OVERLAP-1"])
case("ov-add-reverse", "add_assign of an array to its own reverse",
     A("a", 6), ADD("a", [S(None, None, -1)], "a"), rules=["R-OVERLAP-1"])
case("ov-2d-dest-strided", "2-d destinations with different strides are as-if-copied",
     A("r", 2, 12), I("v", "r", FULL, S(0, 3)), SET("r", [FULL, S(0, 6, 2)], "v"), rules=["R-OVERLAP-1"])
case("ov-opposite-sign", "A 1-d source with the opposite stride sign is as-if-copied",
     A("a", 12), I("v", "a", S(2, None, -1)), SET("a", [S(0, 6, 2)], "v"), rules=["R-OVERLAP-1"])
case("ov-equal-strides", "Same-direction equal strides behave like memmove",
     A("a", 12), I("v", "a", S(0, 6, 2)), SET("a", [S(2, 8, 2)], "v"), rules=["R-OVERLAP-1"])
case("ov-add-strided", "add_assign with same-direction different strides is as-if-copied",
     A("a", 12), I("v", "a", S(0, 3)), ADD("a", [S(0, 6, 2)], "v"), rules=["R-OVERLAP-1"])
case("ov-a1-deviation", "1-d same-direction overlap with different strides: the documented result is recorded",
     A("a", 12), I("v", "a", S(0, 3)), SET("a", [S(0, 6, 2)], "v"), rules=["R-OVERLAP-2"])
case("ov-a1-deviation-2", "A strided source read into a contiguous overlapping destination",
     A("a", 12), I("v", "a", S(0, 8, 2)), SET("a", [S(1, 5)], "v"), rules=["R-OVERLAP-2"])
case("ov-a1-deviation-view-dst", "The same deviation when the destination is a view",
     A("a", 12), I("d", "a", S(0, 6, 2)), I("v", "a", S(0, 3)), SET("d", [FULL], "v"), rules=["R-OVERLAP-2"])
case("ov-a2-mask-deviation", "Full-shape mask assignment from an overlapping view: the documented result is recorded",
     A("a", 10), I("v", "a", S(None, 6)), SET("a", [M([f, t, t, f, t, t, f, t, t, f])], "v"), rules=["R-OVERLAP-3"])
case("ov-a2-mask-2d-deviation", "A 2-d full-shape mask with an overlapping ravel view",
     A("a", 3, 4), RAV("r", "a"), I("v", "r", S(None, 8)),
     SET("a", [M([[f, t, t, f], [t, t, f, t], [t, f, t, t]])], "v"), rules=["R-OVERLAP-3"])
case("ov-a2-mask-no-gap", "A mask whose trues form one run: NumPy's run-wise copy happens to match the documented result",
     A("a", 8), I("v", "a", S(None, 4)), SET("a", [M([f, f, t, t, t, t, f, f])], "v"), rules=["R-OVERLAP-3", "R-OVERLAP-1"])

area("overlap", "shares-memory")
case("sh-interleaved", "Interleaved slices share no element but their bounds overlap",
     A("a", 10), I("e", "a", S(None, None, 2)), I("o", "a", S(1, None, 2)), rules=["R-SHARE-1", "R-SHARE-2"])
case("sh-columns", "Two columns share no element; two rows do not even overlap in bounds",
     A("b", 3, 4), I("c0", "b", FULL, 0), I("c1", "b", FULL, 1), I("r0", "b", 0), I("r1", "b", 1),
     rules=["R-SHARE-1", "R-SHARE-2"])
case("sh-empty-never", "An empty view never shares memory",
     A("a", 10), I("e", "a", S(3, 3)), rules=["R-SHARE-1"])
case("sh-reversed", "An array shares memory with its reverse",
     A("a", 10), I("r", "a", S(None, None, -1)), rules=["R-SHARE-2"])
case("sh-broadcast", "A broadcast shares memory with its source",
     A("a", 10), BT("b", "a", [3, 10]), rules=["R-SHARE-2"])
case("sh-copy-none", "A copy shares nothing with its source",
     A("a", 10), CP("c", "a"), rules=["R-SHARE-1", "R-COPY-1"])
case("sh-gcd-disjoint", "Strides 6 and 4 with odd offset never meet although bounds overlap",
     A("a", 40), I("p", "a", S(None, None, 6)), I("q", "a", S(3, None, 4)), rules=["R-SHARE-2"])
case("sh-gcd-meet", "Strides 4 and 6 that do meet",
     A("a", 40), I("p", "a", S(None, None, 4)), I("q", "a", S(2, None, 6)), rules=["R-SHARE-2"])
case("sh-2d-diophantine", "Even columns of a 7-wide array meet the odd elements of its ravel view",
     A("a", 6, 7), RAV("f", "a"), I("e", "a", FULL, S(None, None, 2)), I("o", "f", S(1, None, 2)), rules=["R-SHARE-2"])
case("sh-2d-columns-odd-width", "Even and odd columns of a 7-wide array never meet",
     A("a", 6, 7), I("e", "a", FULL, S(None, None, 2)), I("o", "a", FULL, S(1, None, 2)), rules=["R-SHARE-2"])
case("sh-2d-even-width", "Even and odd columns of an 8-wide array never meet",
     A("a", 6, 8), I("e", "a", FULL, S(None, None, 2)), I("o", "a", FULL, S(1, None, 2)), rules=["R-SHARE-2"])
case("sh-adjacent-rows", "Adjacent row views do not overlap in bounds",
     A("a", 4, 5), I("r1", "a", 1), I("r2", "a", 2), rules=["R-SHARE-1"])
case("sh-zero-size-view", "A zero-width column view shares nothing",
     A("a", 3, 4), I("e", "a", FULL, S(None, 0)), rules=["R-SHARE-1"])
case("sh-scalar-excluded", "Scalars take no part in the sharing pairs",
     A("a", 3), I("s", "a", 0), I("v", "a", S(None, 1)), rules=["R-SHARE-2", "R-INDEX-1"])
case("sh-diagonal-vs-row", "A diagonal and a row meet at one element",
     A("a", 3, 3), DG("d", "a"), I("r", "a", 1), I("c", "a", 0, S(1, None)), rules=["R-SHARE-2"])
case("sh-fancy-none", "A fancy result shares nothing with its source",
     A("a", 3, 4), I("f", "a", X([0, 2])), I("g", "a", FULL, X([1])), rules=["R-FANCY-1", "R-SHARE-1"])

# ==========================================================================
# flags-contiguity
# ==========================================================================

area("flags-contiguity", "flags")
case("flag-len1-odd-stride", "A one-element view is C- and F-contiguous whatever its stride",
     A("a", 24), I("s", "a", S(None, None, 7)), I("x", "s", S(None, 1)), rules=["R-FLAGS-1", "R-FLAGS-3"])
case("flag-column-len1", "A (n, 1) column of a wider array is neither C nor F",
     A("a", 4, 6), I("c", "a", FULL, S(None, 1)), rules=["R-FLAGS-1"])
case("flag-3d-first-len1", "A leading length-1 axis is ignored by the C check",
     A("a", 2, 3, 4), I("b", "a", S(None, 1)), rules=["R-FLAGS-1"])
case("flag-3d-two-len1", "Two leading length-1 axes make it both C and F",
     A("a", 2, 3, 4), I("b", "a", S(None, 1), S(None, 1)), rules=["R-FLAGS-1"])
case("flag-3d-inner-len1", "Two inner length-1 axes with a gap make it neither",
     A("a", 2, 3, 4), I("b", "a", FULL, S(None, 1), S(None, 1)), rules=["R-FLAGS-1"])
case("flag-zero-size-any-strides", "An empty view is both C and F whatever its strides",
     A("a", 4, 6), T("t", "a"), I("r", "t", FULL, S(None, None, -1)), I("e", "r", S(None, 0)), rules=["R-FLAGS-2"])
case("flag-1d-step", "A strided 1-d view is neither; a unit-step one is both",
     A("a", 10), I("s", "a", S(None, None, 2)), I("u", "a", S(2, 7)), rules=["R-FLAGS-3"])
case("flag-F-array", "An F-ordered array is F-contiguous only",
     A("f", 2, 3, order="F"), rules=["R-FLAGS-1", "R-OWN-1"])
case("flag-negative-1d", "A reversed 1-d view is neither C nor F",
     A("a", 4), I("r", "a", S(None, None, -1)), rules=["R-FLAGS-3"])
case("flag-0d-view", "A 0-d view is both C and F",
     A("a", 3), I("v", "a", 1, E), rules=["R-FLAGS-3"])
case("flag-len1-negative-stride", "A length-1 axis with a negative stride is ignored",
     A("a", 2, 3), I("b", "a", S(None, None, -1), FULL), I("c", "b", S(None, 1)), rules=["R-FLAGS-1"])
case("flag-F-column", "A column of an F array is contiguous",
     A("f", 3, 4, order="F"), I("c", "f", FULL, 2), I("r", "f", 1), rules=["R-FLAGS-3", "R-INDEX-2"])

area("flags-contiguity", "strides")
case("st-alloc-zero", "A fresh empty array has zero strides",
     A("e", 0), A("g", 2, 0, 3), rules=["R-STRIDE-2"])
case("st-alloc-zero-F", "A fresh empty F array has zero strides",
     A("e", 0, 2, order="F"), rules=["R-STRIDE-2"])
case("st-view-zero-size-keeps", "An empty view keeps non-zero strides; its copy has zero strides",
     A("a", 3, 4), I("e", "a", S(None, 0)), CP("c", "e"), rules=["R-STRIDE-2", "R-STRIDE-1"])
case("st-alloc-len1-F", "Length-1 axes of a fresh F array get the running product",
     A("f", 1, 3, order="F"), A("g", 3, 1, 2, order="F"), rules=["R-STRIDE-1"])
case("st-alloc-len1-C", "Length-1 axes of a fresh C array get the running product",
     A("c", 3, 1), A("d", 1, 2, 1), rules=["R-STRIDE-1"])
case("st-flatten-zero", "flatten of a zero-size view allocates zero strides",
     A("a", 3, 4), I("e", "a", S(None, 0)), FL("f", "e"), rules=["R-STRIDE-2"])
case("st-buffer-numbering", "Buffers are numbered in binding order of first appearance",
     A("a", 3), A("b", 2), I("v", "b", FULL), CP("c", "a"), I("w", "a", 1, E), rules=["R-BUF-1"])
case("st-own-chain", "A view of a view of a copy belongs to the copy's buffer",
     A("a", 2, 3), CP("c", "a", "F"), I("v", "c", 1), I("w", "v", S(None, None, 2)), rules=["R-BUF-1", "R-OWN-1"])

# ==========================================================================
# errors
# ==========================================================================

_OK = {"op": "array", "out": "a", "shape": [3]}

area("errors", "format-errors")
raw_case("fe-not-object", "A program that is a list is rejected", [], rules=["V-FORMAT-1"])
raw_case("fe-format-missing", "A program without `format` is rejected", {"steps": []}, rules=["V-FORMAT-1"])
raw_case("fe-format-2", "format 2 is rejected", {"format": 2, "steps": []}, rules=["V-FORMAT-1"])
raw_case("fe-format-string", "A string format is rejected", {"format": "1", "steps": []}, rules=["V-FORMAT-1"])
raw_case("fe-format-float", "format 1.0 is not the integer 1", {"format": 1.0, "steps": []}, rules=["V-FORMAT-1"])
raw_case("fe-steps-missing", "A program without `steps` is rejected", {"format": 1}, rules=["V-FORMAT-1"])
raw_case("fe-steps-not-list", "`steps` must be a list", {"format": 1, "steps": {}}, rules=["V-FORMAT-1"])
raw_case("fe-steps-null", "`steps` may not be null", {"format": 1, "steps": None}, rules=["V-FORMAT-1"])
raw_case("fe-unknown-top-field", "An unknown top-level field is rejected",
         {"format": 1, "steps": [], "dtype": "int64"}, rules=["V-FORMAT-1"])
raw_case("fe-name-not-string", "`name` must be a string", {"format": 1, "name": 5, "steps": []}, rules=["V-FORMAT-1"])
raw_case("fe-step-not-object", "A step must be an object", {"format": 1, "steps": ["array"]}, rules=["V-FORMAT-1"])
raw_case("fe-op-missing", "A step without `op` is rejected", {"format": 1, "steps": [{"out": "a", "shape": [3]}]},
         rules=["V-FORMAT-1"])
raw_case("fe-unknown-op", "An unknown op is rejected",
         {"format": 1, "steps": [_OK, {"op": "view", "out": "b", "src": "a"}]}, rules=["V-FORMAT-1"])
raw_case("fe-unknown-field", "An unknown step field is rejected",
         {"format": 1, "steps": [{"op": "array", "out": "a", "shape": [3], "dtype": "int8"}]}, rules=["V-FORMAT-1"])
raw_case("fe-missing-out", "A binding step without `out` is rejected",
         {"format": 1, "steps": [{"op": "array", "shape": [3]}]}, rules=["V-FORMAT-1"])
raw_case("fe-name-upper", "Names are lower case", {"format": 1, "steps": [{"op": "array", "out": "A", "shape": [3]}]},
         rules=["V-FORMAT-1"])
raw_case("fe-name-digit-first", "Names do not start with a digit",
         {"format": 1, "steps": [{"op": "array", "out": "1a", "shape": [3]}]}, rules=["V-FORMAT-1"])
raw_case("fe-name-too-long", "Names have at most 32 characters",
         {"format": 1, "steps": [{"op": "array", "out": "a" * 33, "shape": [3]}]}, rules=["V-FORMAT-1"])
raw_case("fe-unbound-src", "A step may not use a name no earlier step binds",
         {"format": 1, "steps": [{"op": "copy", "out": "b", "src": "a"}]}, rules=["V-FORMAT-1"])
raw_case("fe-src-bound-later", "A name bound by a later step is unbound here",
         {"format": 1, "steps": [{"op": "copy", "out": "b", "src": "a"}, _OK]}, rules=["V-FORMAT-1"])
raw_case("fe-rebind", "A name may be bound only once",
         {"format": 1, "steps": [_OK, {"op": "copy", "out": "a", "src": "a"}]}, rules=["V-FORMAT-1"])
raw_case("fe-rebind-after-error", "A name whose step would fail still may not be bound again",
         {"format": 1, "steps": [_OK, {"op": "index", "out": "b", "src": "a", "index": [7]},
                                 {"op": "copy", "out": "b", "src": "a"}]}, rules=["V-FORMAT-1"])
raw_case("fe-unbound-var", "A value may not use an unbound name",
         {"format": 1, "steps": [_OK, {"op": "assign", "dst": "a", "index": [], "value": {"var": "v"}}]},
         rules=["V-FORMAT-1"])
raw_case("fe-self-reference", "A step may not use the name it binds",
         {"format": 1, "steps": [{"op": "copy", "out": "a", "src": "a"}]}, rules=["V-FORMAT-1"])
raw_case("fe-order-bad", "An unknown order is rejected",
         {"format": 1, "steps": [_OK, {"op": "copy", "out": "b", "src": "a", "order": "X"}]}, rules=["V-FORMAT-1"])
raw_case("fe-reshape-order-K", "reshape does not take order K",
         {"format": 1, "steps": [_OK, {"op": "reshape", "out": "b", "src": "a", "shape": [3], "order": "K"}]},
         rules=["V-FORMAT-1"])
raw_case("fe-array-order-A", "array takes only orders C and F",
         {"format": 1, "steps": [{"op": "array", "out": "a", "shape": [3], "order": "A"}]}, rules=["V-FORMAT-1"])
raw_case("fe-order-lowercase", "Orders are upper case",
         {"format": 1, "steps": [_OK, {"op": "ravel", "out": "b", "src": "a", "order": "c"}]}, rules=["V-FORMAT-1"])
raw_case("fe-copy-string", "reshape copy must be true, false or null",
         {"format": 1, "steps": [_OK, {"op": "reshape", "out": "b", "src": "a", "shape": [3], "copy": "yes"}]},
         rules=["V-FORMAT-1"])
raw_case("fe-float-extent", "A float extent is not an integer",
         {"format": 1, "steps": [{"op": "array", "out": "a", "shape": [2.0]}]}, rules=["V-FORMAT-1"])
raw_case("fe-bool-extent", "A boolean is not an integer",
         {"format": 1, "steps": [{"op": "array", "out": "a", "shape": [True]}]}, rules=["V-FORMAT-1"])
raw_case("fe-shape-not-list", "A shape must be a list",
         {"format": 1, "steps": [{"op": "array", "out": "a", "shape": 3}]}, rules=["V-FORMAT-1"])
raw_case("fe-ragged-index", "A ragged index array is rejected",
         {"format": 1, "steps": [_OK, {"op": "index", "out": "b", "src": "a", "index": [{"array": [[0], [1, 2]]}]}]},
         rules=["V-FORMAT-1"])
raw_case("fe-ragged-mask", "A ragged mask is rejected",
         {"format": 1, "steps": [_OK, {"op": "index", "out": "b", "src": "a", "index": [{"mask": [[True], []]}]}]},
         rules=["V-FORMAT-1"])
raw_case("fe-mask-ints", "A mask holds booleans only",
         {"format": 1, "steps": [_OK, {"op": "index", "out": "b", "src": "a", "index": [{"mask": [1, 0, 1]}]}]},
         rules=["V-FORMAT-1"])
raw_case("fe-array-bools", "An index array holds integers only",
         {"format": 1, "steps": [_OK, {"op": "index", "out": "b", "src": "a", "index": [{"array": [True, False]}]}]},
         rules=["V-FORMAT-1"])
raw_case("fe-bare-bool-item", "A bare boolean is not an index item (use a mask)",
         {"format": 1, "steps": [_OK, {"op": "index", "out": "b", "src": "a", "index": [True]}]}, rules=["V-FORMAT-1"])
raw_case("fe-slice-two-parts", "A slice has exactly three parts",
         {"format": 1, "steps": [_OK, {"op": "index", "out": "b", "src": "a", "index": [{"slice": [1, 2]}]}]},
         rules=["V-FORMAT-1"])
raw_case("fe-slice-float", "A float slice bound is rejected",
         {"format": 1, "steps": [_OK, {"op": "index", "out": "b", "src": "a", "index": [{"slice": [1.5, None, None]}]}]},
         rules=["V-FORMAT-1"])
raw_case("fe-float-index", "A float index item is rejected",
         {"format": 1, "steps": [_OK, {"op": "index", "out": "b", "src": "a", "index": [1.0]}]}, rules=["V-FORMAT-1"])
raw_case("fe-unknown-item-string", "An unknown string item is rejected",
         {"format": 1, "steps": [_OK, {"op": "index", "out": "b", "src": "a", "index": ["all"]}]}, rules=["V-FORMAT-1"])
raw_case("fe-unknown-item-kind", "An unknown item kind is rejected",
         {"format": 1, "steps": [_OK, {"op": "index", "out": "b", "src": "a", "index": [{"range": [0, 2]}]}]},
         rules=["V-FORMAT-1"])
raw_case("fe-index-not-list", "An index is a list of items",
         {"format": 1, "steps": [_OK, {"op": "index", "out": "b", "src": "a", "index": 0}]}, rules=["V-FORMAT-1"])
raw_case("fe-value-two-keys", "A value has exactly one key",
         {"format": 1, "steps": [_OK, {"op": "assign", "dst": "a", "index": [], "value": {"scalar": 1, "var": "a"}}]},
         rules=["V-FORMAT-1"])
raw_case("fe-value-bare-int", "A value is an object, not a bare integer",
         {"format": 1, "steps": [_OK, {"op": "assign", "dst": "a", "index": [], "value": 5}]}, rules=["V-FORMAT-1"])
raw_case("fe-assign-with-out", "A write has no `out`",
         {"format": 1, "steps": [_OK, {"op": "assign", "out": "b", "dst": "a", "index": [], "value": {"scalar": 1}}]},
         rules=["V-FORMAT-1"])
raw_case("fe-moveaxis-int", "moveaxis source and destination are lists",
         {"format": 1, "steps": [_OK, {"op": "moveaxis", "out": "b", "src": "a", "source": 0, "destination": 0}]},
         rules=["V-FORMAT-1"])
text_case("fe-invalid-json", "Text that is not JSON is rejected", '{"format": 1, "steps": [', rules=["V-FORMAT-1"])
text_case("fe-trailing-comma", "JSON with a trailing comma is rejected", '{"format": 1, "steps": [],}',
          rules=["V-FORMAT-1"])
text_case("fe-empty-text", "Empty text is rejected", "", rules=["V-FORMAT-1"])
text_case("fe-duplicate-key", "A key given twice in a step is rejected (JSON readers would keep the last)",
          '{"format": 1, "steps": [{"op": "array", "out": "a", "out": "b", "shape": [3]}]}', rules=["V-FORMAT-1"])
text_case("fe-duplicate-format", "A key given twice at the top is rejected",
          '{"format": 2, "format": 1, "steps": []}', rules=["V-FORMAT-1"])
text_case("fe-exponent-extent", "An integer written with an exponent is not a format-1 integer",
          '{"format": 1, "steps": [{"op": "array", "out": "a", "shape": [1e3]}]}', rules=["V-FORMAT-1"])
text_case("fe-huge-exponent", "A number too large for a float is named as written",
          '{"format": 1, "steps": [{"op": "array", "out": "a", "shape": [1e400]}]}', rules=["V-FORMAT-1"])
text_case("fe-byte-order-mark", "A byte-order mark before the program is rejected",
          '\ufeff{"format": 1, "steps": []}', rules=["V-FORMAT-1"])
text_case("fe-trailing-text", "Text after the program is rejected", '{"format": 1, "steps": []} x',
          rules=["V-FORMAT-1"])
text_case("fe-nul-byte", "A NUL byte where a value belongs is rejected", '{"format": 1, "steps": [\u0000]}',
          rules=["V-FORMAT-1"])
text_case("fe-truncated-string", "A line cut inside a string is rejected", '{"format": 1, "steps": [{"op": "arr',
          rules=["V-FORMAT-1"])

area("errors", "format-limits")


def _nest(depth, leaf):
    for _ in range(depth):
        leaf = [leaf]
    return leaf


raw_case("fe-int-too-big", "Integers above 2^31 - 1 are rejected",
         {"format": 1, "steps": [_OK, {"op": "index", "out": "b", "src": "a", "index": [2147483648]}]},
         rules=["V-FORMAT-2"])
raw_case("fe-int-too-small", "-2^31 is outside the format's integer range",
         {"format": 1, "steps": [_OK, {"op": "index", "out": "b", "src": "a", "index": [-2147483648]}]},
         rules=["V-FORMAT-2"])
raw_case("fe-array-negative-extent", "array extents are not negative",
         {"format": 1, "steps": [{"op": "array", "out": "a", "shape": [-1]}]}, rules=["V-FORMAT-2"])
raw_case("fe-extent-too-big", "An extent above 2^20 is rejected",
         {"format": 1, "steps": [{"op": "array", "out": "a", "shape": [1048577]}]}, rules=["V-FORMAT-2"])
raw_case("fe-too-many-elements", "array has at most 2^20 elements",
         {"format": 1, "steps": [{"op": "array", "out": "a", "shape": [1024, 1025]}]}, rules=["V-FORMAT-2"])
raw_case("fe-too-many-axes", "Shapes have at most 32 axes",
         {"format": 1, "steps": [{"op": "array", "out": "a", "shape": [1] * 33}]}, rules=["V-FORMAT-2"])
raw_case("fe-bt-too-many-elements", "broadcast_to has at most 2^20 elements",
         {"format": 1, "steps": [_OK, {"op": "broadcast_to", "out": "b", "src": "a", "shape": [1025, 1024]}]},
         rules=["V-FORMAT-2"])
raw_case("fe-reshape-extent-too-big", "reshape extents are at most 2^20",
         {"format": 1, "steps": [_OK, {"op": "reshape", "out": "b", "src": "a", "shape": [1048577, 0]}]},
         rules=["V-FORMAT-2"])
raw_case("fe-too-many-steps", "A program has at most 1,024 steps",
         {"format": 1, "steps": [0] * 1025}, rules=["V-FORMAT-2"])
raw_case("fe-index-array-too-big", "Index arrays have at most 2^16 elements (counted from the nesting)",
         {"format": 1, "steps": [_OK, {"op": "index", "out": "b", "src": "a",
                                       "index": [{"array": [[0] * 257] + [[0]] * 255}]}]},
         rules=["V-FORMAT-2"])
raw_case("fe-index-array-33-axes", "Index arrays have at most 32 axes (NumPy 1.x builds no more)",
         {"format": 1, "steps": [_OK, {"op": "index", "out": "b", "src": "a", "index": [{"array": _nest(33, 0)}]}]},
         rules=["V-FORMAT-2"])
raw_case("fe-mask-65-axes", "Masks have at most 32 axes (NumPy 2.x builds at most 64)",
         {"format": 1, "steps": [_OK, {"op": "index", "out": "b", "src": "a", "index": [{"mask": _nest(65, True)}]}]},
         rules=["V-FORMAT-2"])
text_case("fe-int-beyond-64-bits", "An integer beyond 64 bits is named as written (2^70)",
          '{"format": 1, "steps": [{"op": "array", "out": "a", "shape": [1180591620717411303424]}]}',
          rules=["V-FORMAT-2"])
text_case("fe-json-nesting", "Lists and objects nest at most 128 deep", "[" * 129 + "]" * 129, rules=["V-FORMAT-2"])
raw_case("fe-diag-min-int", "diagonal offset -2^31 is out of range (NumPy 2.4.6 crashes on it)",
         {"format": 1, "steps": [{"op": "array", "out": "a", "shape": [2, 2]},
                                 {"op": "diagonal", "out": "d", "src": "a", "offset": -2147483648}]},
         rules=["V-FORMAT-2"])
case("fe-max-steps-ok", "Exactly 1,024 steps are allowed",
     A("a", 2), *([ADD("a", [0], 1)] * 1023), rules=["V-FORMAT-2"])
case("fe-reshape-negative-extent-ok", "Negative reshape extents reach NumPy (as unknowns)",
     A("a", 4), R("b", "a", [-5, 2]), rules=["V-FORMAT-2", "R-RESHAPE-3"])

area("errors", "skipped")
case("sk-after-error", "A step that uses a name whose step failed is skipped and the name stays unbound",
     A("a", 3), I("b", "a", 5), CP("c", "b"), rules=["V-STEP-1"])
case("sk-chain", "Skipping propagates along a chain of names",
     A("a", 3), T("b", "a", [1]), I("c", "b", 0), CP("d", "c"), rules=["V-STEP-1"])
case("sk-write-to-failed", "A write to an unbound name is skipped",
     A("a", 3), R("b", "a", [2]), SET("b", [], 1), rules=["V-STEP-1"])
case("sk-value-from-failed", "A write whose value names an unbound name is skipped",
     A("a", 3), R("b", "a", [2]), SET("a", [], "b"), rules=["V-STEP-1"])
case("sk-scalar-as-src", "A scalar used as a step's source skips the step",
     A("a", 2, 2), I("s", "a", 0, 0), I("t", "s"), rules=["V-STEP-1", "V-STEP-2"])
case("sk-scalar-as-dst", "A scalar used as a write destination skips the step",
     A("a", 2, 2), I("s", "a", 0, 0), SET("s", [], 5), rules=["V-STEP-1"])
case("sk-scalar-transpose", "Transposing a scalar is skipped",
     A("a", 3), I("s", "a", 1), T("t", "s"), rules=["V-STEP-1"])
case("sk-empty-program", "A program with no steps observes nothing", rules=["V-STEP-1"])
case("sk-later-steps-run", "Steps after a failure that do not use its name still run",
     A("a", 3), I("b", "a", 3), I("c", "a", 2), rules=["V-STEP-1"])
case("sk-error-in-write-continues", "A failing write does not stop the program",
     A("a", 3), SET("a", [3], 1), SET("a", [2], 1), rules=["V-STEP-1", "R-WRITE-6"])

# ==========================================================================
# seed-claims: the claims the project started from, as checked facts
# ==========================================================================

area("seed-claims", "claims", manual=("seed-claim",))
case("seed-slice-rows-view", "Slicing rows gives a view that shares the array's buffer",
     A("a", 4, 3), I("b", "a", S(1, 3)), rules=["R-SLICE-1", "R-OWN-1", "R-SHARE-2"])
case("seed-write-through-view", "A write through a view shows in the original",
     A("a", 4, 3), I("b", "a", S(1, 3)), SET("b", [0, 0], -1), rules=["R-WRITE-2"])
case("seed-transpose-view", "Transposing gives a view; writes through it show in the original",
     A("a", 2, 3), T("t", "a"), SET("t", [2, 1], -1), rules=["R-TRANS-1", "R-WRITE-2"])
case("seed-reshape-view", "Reshaping a contiguous array gives a view; writes show in the original",
     A("a", 12), R("r", "a", [3, 4]), SET("r", [2, 3], -1), rules=["R-RESHAPE-4", "R-WRITE-2"])
case("seed-reshape-silent-copy", "Reshaping a transpose silently copies: writes to the result are lost",
     A("a", 3, 4), T("t", "a"), R("r", "t", [12]), SET("r", [0], -1), rules=["R-RESHAPE-5", "R-RESHAPE-7"])
case("seed-reshape-copy-false", "reshape(copy=False) refuses where it would silently copy",
     A("a", 3, 4), T("t", "a"), R("r", "t", [12], copy=False), rules=["R-RESHAPE-6"])
case("seed-fancy-copies", "Fancy indexing copies: writes into the result are lost",
     A("a", 4, 3), I("f", "a", X([0, 2])), SET("f", [0, 0], -1), rules=["R-FANCY-1"])
case("seed-fancy-assign-writes", "Assigning through a fancy index changes the original",
     A("a", 4, 3), SET("a", [X([0, 2])], -1), rules=["R-WRITE-3"])
case("seed-fancy-assign-through-view", "Fancy assignment through a column view changes the original",
     A("a", 3, 4), I("c", "a", FULL, 1), SET("c", [X([0, 2])], -1), rules=["R-WRITE-3", "R-WRITE-2"])
case("seed-copy-independent", ".copy() is independent in both directions",
     A("a", 2, 3), CP("c", "a"), SET("c", [0, 0], -1), SET("a", [1, 1], -2), rules=["R-COPY-1"])
case("seed-mask-copies", "Boolean-mask indexing copies while mask assignment writes",
     A("a", 6), I("m", "a", M([t, f, t, f, t, f])), SET("m", [E], -1), SET("a", [M([f, t, f, t, f, t])], -2),
     rules=["R-MASK-1", "R-WRITE-4"])
case("seed-ravel-view-or-copy", "ravel views a contiguous array and copies a transposed one",
     A("a", 2, 3), RAV("v", "a"), T("t", "a"), RAV("c", "t"), rules=["R-RAVEL-1", "R-RAVEL-3"])
case("seed-newaxis-view", "Adding an axis with newaxis is a view",
     A("a", 3), I("b", "a", N), SET("b", [0, 1], -1), rules=["R-INDEX-4", "R-WRITE-2"])

# ==========================================================================
# regressions: corrections found after the first rules catalog
# ==========================================================================

area("regressions", "catalog-corrections", manual=("regression",), kind="regression")
case("rg-bcast-len1-unstretched", "broadcast_to gives stride 0 to a length-1 axis it does not stretch",
     A("a", 3, 1), BT("b", "a", [2, 3, 1]), I("c", "b", 0), rules=["R-BCAST-1"])
case("rg-diag-offset-eq-extent", "A diagonal whose offset equals the extent is empty but its offset moved",
     A("a", 2, 5), DG("d", "a", 5), DG("e", "a", -2), rules=["R-DIAG-2"])
case("rg-empty-broadcast-skips-bounds", "An empty broadcast index shape skips the bounds check",
     A("a", 3, 4), I("r", "a", X([]), X([7])), SET("a", [X([]), X([9])], 1), rules=["R-FANCY-6"])
case("rg-readonly-before-oob", "A read-only destination raises ValueError before an out-of-bounds index",
     A("a", 3, 3), DG("d", "a"), SET("d", [7], 1), rules=["R-WRITE-6"])
case("rg-readonly-self-assign", "Assigning a read-only array to itself raises ValueError",
     A("a", 3, 3), DG("d", "a"), SET("d", [E], "d"), rules=["R-WRITE-6"])

# ==========================================================================
# zero-size shapes over NumPy's byte-size limit, and wrapped byte strides
# ==========================================================================

MEG = 1 << 20
BIGSTEP = (1 << 31) - 1
# 1048575 * 838201 * 437251 * 3 == 2**60 - 1: the most elements per zero that fit
EDGE = [1048575, 838201, 437251, 3]

area("errors", "too-big")
case("big-bt-zero-extent", "broadcast_to a zero-size shape of 2^60 elements per zero raises ValueError",
     A("a", 1), BT("b", "a", [0, MEG, MEG, MEG]), rules=["R-STRIDE-5", "R-BCAST-2"])
case("big-bt-zero-extent-edge", "broadcast_to a zero-size shape of 2^60 - 1 elements per zero is a view",
     A("a", 1), BT("b", "a", [0] + EDGE), rules=["R-STRIDE-5", "R-BCAST-1"])
case("big-bt-from-empty", "Broadcasting an empty array with huge extents counts the new axis too",
     A("a", 0), R("e", "a", [0, MEG, MEG, MEG // 8]), BT("b", "e", [8, 0, MEG, MEG, MEG // 8]),
     BT("c", "e", [7, 0, MEG, MEG, MEG // 8]), rules=["R-STRIDE-5", "R-STRIDE-1"])
case("big-rs-zero-first", "Reshaping an empty array to (0, 2^20, 2^20, 2^20) raises ValueError",
     A("a", 0), R("b", "a", [0, MEG, MEG, MEG]), R("c", "a", [0, MEG, MEG, MEG // 8]),
     rules=["R-STRIDE-5", "R-RESHAPE-3"])
case("big-rs-zero-edge", "The largest zero-size reshape gets strides up to 2^60 - 1",
     A("a", 0), R("b", "a", [0] + EDGE), R("c", "a", EDGE + [0], order="F"),
     rules=["R-STRIDE-5", "R-STRIDE-1"])
case("big-rs-unknown-overflow", "Known extents whose product overflows 64 bits make an unknown one fail",
     A("a", 0), R("b", "a", [-1, MEG, MEG, MEG, MEG]), R("c", "a", [-1, MEG, MEG, MEG]),
     R("d", "a", [MEG, MEG, MEG, MEG, 0]), R("e", "a", [0, MEG, MEG, MEG, MEG]),
     rules=["R-STRIDE-5", "R-RESHAPE-3"])
case("big-rs-copy-modes", "Every copy mode of reshape applies the size limit",
     A("a", 0), R("b", "a", [-1, MEG, MEG, MEG], copy=True), R("c", "a", [-1, MEG, MEG, MEG], copy=False),
     R("d", "a", [MEG, MEG, MEG, -1], order="F", copy=True), R("e", "a", [MEG, MEG, -1, MEG // 8], order="F", copy=False),
     rules=["R-STRIDE-5", "R-RESHAPE-6"])
case("big-array-zero-edge", "An empty array with 2^57 elements per zero has zero strides",
     A("a", 0, MEG, MEG, MEG // 8), A("f", MEG // 8, MEG, MEG, 0, order="F"), rules=["R-STRIDE-5", "R-STRIDE-2"])
case("big-fancy-before-bounds", "An advanced-index result too big raises ValueError before its values are checked",
     A("a", 0), R("e", "a", [0, MEG, MEG, MEG // 64, 1, 1]),
     I("b", "e", E, X([[0]] * 8), X([[0] * 8])), I("c", "e", E, X([[5]] * 8), X([[0] * 8])),
     I("d", "e", E, X([[0]] * 4), X([[0] * 8])), rules=["R-STRIDE-5", "R-FANCY-4"])
# Not here: a plain assignment through such an index, which NumPy accepts
# but the oracle's documented-write replay cannot run (it builds the same
# too-big index result).
case("big-fancy-write", "Adding through a too-big empty index raises ValueError; assigning checks bounds",
     A("a", 0), R("e", "a", [0, MEG, MEG, MEG // 64, 1, 1]),
     ADD("e", [E, X([[0]] * 8), X([[0] * 8])], 5),
     SET("e", [E, X([[3]] * 8), X([[0] * 8])], 5), rules=["R-STRIDE-5", "R-WRITE-3"])

area("slicing", "wrapped-strides")
case("wrap-step-thrice", "Three slices with step 2^31 - 1 wrap the byte stride around 2^64",
     A("a", 4), I("b", "a", S(None, None, BIGSTEP)), I("c", "b", S(None, None, BIGSTEP)),
     I("d", "c", S(None, None, BIGSTEP)), I("r", "c", S(None, None, -BIGSTEP)), rules=["R-STRIDE-6", "R-SLICE-1"])
case("wrap-step-empty", "A huge step on a huge-stride axis of an empty array wraps its stride",
     A("a", 0), R("e", "a", [0, MEG, MEG, MEG // 8]), I("b", "e", FULL, S(None, None, BIGSTEP)),
     I("c", "e", FULL, S(None, None, -BIGSTEP)), I("d", "e", FULL, FULL, S(None, None, BIGSTEP)),
     rules=["R-STRIDE-6", "R-STRIDE-1"])
case("wrap-diagonal-sum", "A diagonal adds two wrapped strides with wrap-around too",
     A("a", 4, 3), I("b", "a", S(None, None, BIGSTEP), S(None, None, BIGSTEP)),
     I("c", "b", S(None, None, BIGSTEP), S(None, None, BIGSTEP)), DG("d", "c"), DG("e", "c", 0, 1, 0),
     rules=["R-STRIDE-6", "R-DIAG-1"])
case("wrap-diagonal-offset-moves-start", "A diagonal offset as long as a wrapped-stride axis moves the start by that stride, wrapped",
     A("a", 2, 4), I("b", "a", FULL, S(None, None, -BIGSTEP)), I("c", "b", FULL, S(None, None, 2**28)),
     DG("d", "c", 1, 0, 1), DG("e", "c", 1, 1, 0), rules=["R-STRIDE-6", "R-DIAG-1"])

# --------------------------------------------------------------------------
# Behaviour that changed between supported NumPy releases, found by
# `viewcheck check --numpy VERSION` campaigns (NumPy 1.24.4 and 2.2.6 as
# oracle against the strided crate); `viewcheck matrix --write` records the
# older releases' answers as variant cases.

area("writes", "scalar-position")
case("wr-1d-into-integer-position", "A 1-element 1-d value written at an integer position raises ValueError",
     A("a", 1, 1, 1), A("b", 1), SET("a", [0, 0, 0], "b"), rules=["R-WRITE-8"])
case("wr-1d-into-0d", "A 1-element 1-d value written into a 0-d array through () raises ValueError",
     A("a"), FL("b", "a"), SET("a", [], "b"), rules=["R-WRITE-8"])
case("wr-mask-result-into-position", "A 1-element mask result written at an integer position raises ValueError",
     A("a", 10), I("b", "a", M([f, f, f, t, f, f, f, f, f, f])), SET("a", [0], "b"), rules=["R-WRITE-8"])
case("wr-empty-into-0d", "An empty 1-d value written into a 0-d array raises ValueError",
     A("a", 2), I("b", "a", S(None, 0, -1)), A("c"), SET("c", [], "b"), rules=["R-WRITE-8"])
case("wr-0d-into-integer-position", "A 0-d value written at an integer position is its element",
     A("a", 3), A("z"), SET("a", [1], "z"), rules=["R-WRITE-8", "R-WRITE-1"])

area("fancy-indexing", "bounds")
case("fx-oob-empty-assign", "Assigning through an out-of-bounds index array checks bounds on an empty target",
     A("a", 1, 0), SET("a", [X([1])], 0), rules=["R-FANCY-6"])
case("fx-oob-empty-subspace", "An out-of-bounds index array is checked when the subspace is empty",
     A("a", 0, 0), I("b", "a", X([1])), rules=["R-FANCY-6"])
case("fx-oob-empty-slice-assign", "An index array after an empty slice is bounds-checked on assignment",
     A("a", 1, 0), SET("a", [S(2147483647, None, None), X([-1])], 0), rules=["R-FANCY-6"])

# ===================================================================
# fancy-indexing: bound arrays as index arrays (format 1.2, {"var": NAME})
# ==========================================================================

area("fancy-indexing", "var-index")
case("var-dst-view-assign", "a[2:][a[:-2]] = 3: an index that is a view of the destination's array is read before the write",
     A("a", 6), I("d", "a", S(2, None)), I("i", "a", S(None, -2)), SET("d", [V("i")], 3),
     rules=["R-OVERLAP-5", "V-VAR-1"])
case("var-dst-view-add-assign", "a[2:][a[:-2]] += 3: the in-place form reads the aliasing index first too",
     A("a", 6), I("d", "a", S(2, None)), I("i", "a", S(None, -2)), ADD("d", [V("i")], 3),
     rules=["R-OVERLAP-5", "V-VAR-1"])
case("var-is-dst", "a[a] += 10: the destination itself as its index",
     A("a", 5), ADD("a", [V("a")], 10), rules=["R-OVERLAP-5", "V-VAR-1"])
case("var-dst-reversed-duplicates", "A reversed view of the destination with duplicate values as the index of a write",
     A("a", 6), I("h", "a", S(None, None, -2)), SET("a", [S(3, None)], 1), SET("a", [V("h")], "h"),
     rules=["R-OVERLAP-5", "R-WRITE-5", "V-VAR-1"])
case("var-is-value", "b[i] += i with i a view of b: index and value are both read before the write",
     A("b", 4), I("i", "b", S(1, None)), ADD("b", [V("i")], "i"), rules=["R-OVERLAP-5", "R-OVERLAP-1", "V-VAR-1"])
case("var-view-of-value", "The index is a view of the value, which a later write changes",
     A("a", 6), A("b", 4), I("w", "b", S(1, None)), SET("a", [V("w")], "w"), SET("b", [V("w")], 0),
     I("c", "a", V("w")), rules=["V-VAR-1", "R-FANCY-1"])
case("var-src-is-index", "a[a]: an array indexed by itself gives a copy",
     A("a", 5), I("b", "a", V("a")), rules=["V-VAR-1", "R-FANCY-1"])
case("var-src-view-is-index", "r[r] with r a reversed view: the values, not the layout, of the index count",
     A("a", 4), I("r", "a", S(None, None, -1)), I("b", "r", V("r")), I("c", "a", V("r")),
     rules=["V-VAR-1", "R-FANCY-1"])
case("var-0d", "A 0-d view as an index acts as the 0-d literal: a scalar of a 1-d array, a row copy of a 2-d one",
     A("a", 5), I("z", "a", 2, E), I("b", "a", V("z")), I("c", "a", X(2)), A("m", 3, 4), I("e", "m", V("z")),
     SET("a", [V("z")], -1), rules=["V-VAR-1", "R-INDEX-8"])
case("var-with-slice-newaxis-mask", "A bound array next to slices, newaxis and masks, read and written",
     A("a", 3, 4), I("i", "a", 0, S(None, 3)), I("b", "a", S(None, None, -1), N, V("i")),
     I("c", "a", V("i"), M([t, f, t, t])), ADD("a", [N, V("i"), M([t, f, t, t])], 100),
     rules=["V-VAR-1", "R-FANCY-2", "R-MASK-2"])
case("var-2d-transposed", "A transposed 2-d view as an index: its logical shape and values, not its strides",
     A("p", 2, 2), T("q", "p"), A("a", 4, 3), I("b", "a", V("q")), SET("a", [V("q"), S(1, None)], 7),
     I("c", "a", V("q"), V("p")), rules=["V-VAR-1", "R-FANCY-2"])
case("var-layout", "The result of indexing by a bound array follows its memory layout: F-ordered, broadcast, strided",
     A("f", 2, 3, order="F"), A("v", 12), I("b", "v", V("f")), BT("w", "f", [2, 2, 3]), I("m", "v", V("w")),
     I("s", "v", S(None, None, 2)), R("q", "s", [2, 3]), I("c", "v", V("q")), A("a", 6, 1), I("e", "a", V("f")),
     rules=["V-VAR-1", "R-FANCY-5"])
case("var-oob", "Out-of-bounds values in a bound array raise IndexError, and the write changes nothing",
     A("a", 6), I("d", "a", S(3, None)), I("b", "d", V("a")), SET("d", [V("a")], 0),
     rules=["V-VAR-1", "R-FANCY-4", "R-WRITE-6"])
case("var-limit", "Bound arrays broadcasting beyond 2^24 elements are LimitExceeded, before bounds are checked",
     A("a", 2, 2, 2), A("r", 257, 1, 1), A("c", 1, 257, 1), A("d", 1, 1, 257),
     I("b", "a", V("r"), V("c"), V("d")), SET("a", [V("r"), V("c"), V("d")], 1),
     rules=["V-VAR-1", "R-INDEX-10"])
case("var-failed-skipped", "A var item naming a failed step skips the step",
     A("a", 3), I("f", "a", 5), I("b", "a", V("f")), SET("a", [V("f")], 0), rules=["V-VAR-1", "V-STEP-1"])
case("var-scalar-skipped", "A var item naming a scalar skips the step: a scalar is only a value",
     A("a", 3), I("s", "a", 1), I("b", "a", V("s")), ADD("a", [V("s")], 1), SET("a", [0], "s"),
     rules=["V-VAR-1", "V-STEP-1"])
raw_case("var-unbound-later", "A var item naming a name bound only by a later step is rejected whole",
         {"format": 1, "steps": [A("a", 3), I("b", "a", V("c")), A("c", 2)]}, rules=["V-FORMAT-1", "V-VAR-1"])
raw_case("var-own-out", "A var item naming the step's own out is rejected whole",
         {"format": 1, "steps": [A("a", 3), I("b", "a", V("b"))]}, rules=["V-FORMAT-1"])
raw_case("var-bad-name", "A var item whose name breaks the name rules is rejected whole",
         {"format": 1, "steps": [A("a", 3), SET("a", [V("A")], 0)]}, rules=["V-FORMAT-1"])
# ==========================================================================
# Found missing by mutation analysis (`viewcheck mutants`, DESIGN.md): each
# case kills a semantic mutant of viewcheck-arrays that no case killed.
# ==========================================================================

area("copy-asarray", "copy")
case("copy-k-fortran-len1", "A K copy of an F-contiguous array keeps F strides, even on a length-1 axis",
     A("a", 3, 1, 4, order="F"), CP("c", "a", "K"), T("t", "a"), CP("d", "t", "K"),
     rules=["R-STRIDE-3", "R-FLAGS-1"])
case("copy-k-c-and-f-contiguous", "A K copy of an array both C- and F-contiguous takes C strides",
     A("a", 1, 3), CP("c", "a", "K"), A("b", 3, 1), CP("d", "b", "K"), A("z", 0, 3), CP("e", "z", "K"),
     rules=["R-STRIDE-3", "R-COPY-1"])

area("basic-indexing", "newaxis-ellipsis")
case("index-items-71", "71 index items (0-d booleans, newaxis, an ellipsis) are within the 128-item limit",
     A("a", 3), I("b", "a", *([M(True)] * 40), *([N] * 30), E), rules=["R-INDEX-10", "R-INDEX-9"])
case("index-bool0d-64", "64 0-d booleans and an ellipsis: 64 advanced indices with a subspace are allowed",
     A("a", 3), I("b", "a", *([M(True)] * 64), E), I("c", "a", *([M(True)] * 64)),
     I("d", "a", *([M(True)] * 65), E), rules=["R-INDEX-10", "R-INDEX-9"])
case("index-bool0d-64-one-element-subspace", "A subspace of one element counts as none: 64 0-d booleans fail on (1,) and (1, 1), not on (1, 2)",
     A("a", 1), I("b", "a", *([M(True)] * 64)), I("c", "a", *([M(True)] * 64), E), I("d", "a", *([M(True)] * 63)),
     A("e", 1, 1), I("f", "e", *([M(True)] * 64)), A("g", 1, 2), I("h", "g", *([M(True)] * 64)),
     rules=["R-INDEX-10", "R-INDEX-9"])

area("masks", "getitem")
case("mask-empty-axis-unchecked", "An empty 1-d mask on a non-empty axis is not checked against its extent",
     A("a", 3, 4), I("b", "a", M([])), I("c", "a", FULL, M([])), SET("a", [M([])], 7),
     rules=["R-MASK-2", "R-FANCY-6"])

area("fancy-indexing", "limits")
_P256 = [[[0]]] * 256
_Q128 = [[[0]] * 128]
_ONE_OF_64 = [t] + [f] * 63
case("lim-mask-counts-trues", "A mask counts towards the limit by its number of Trues, not its size",
     A("a", 1, 1, 64, 16), SET("a", [X(_P256), X(_Q128), M(_ONE_OF_64)], 5),
     ADD("a", [X(_P256), X(_Q128), M(_ONE_OF_64)], 1), rules=["V-LIMIT-1", "R-MASK-2"])
case("lim-implied-trailing-axes", "The trailing axes an index leaves whole count towards the limit of a write",
     A("a", 1, 1, 257), SET("a", [X([[0]] * 256), X([[0] * 256])], 5),
     ADD("a", [X([[0]] * 256), X([[0] * 256])], 5), rules=["V-LIMIT-1", "R-WRITE-6"])

# Found missing by cargo-mutants on arrays/ (docs/MUTANTS.md): each case
# kills survivors in the size computation of the LimitExceeded rule. An
# over-the-limit index carries one out-of-bounds value, so a mutant that
# forgets the limit answers IndexError at once instead of building 2^24
# elements; an under-the-limit write is where a mutant that counts too
# many axes answers LimitExceeded.
_I2_OOB = [[[0] * 256 + [5]]]
case("lim-before-bounds-all-axes", "Over the limit with every axis indexed, the index arrays' out-of-bounds values are never looked at",
     A("a", 1, 1, 1), I("r", "a", X(_I0), X(_I1), X(_I2_OOB)), SET("a", [X(_I0), X(_I1), X(_I2_OOB)], 5),
     ADD("a", [X(_I0), X(_I1), X(_I2_OOB)], 5), rules=["V-LIMIT-1", "R-FANCY-4"])
case("lim-ellipsis-axes-count", "The axes an ellipsis spans between two index arrays count towards the limit",
     A("a", 1, 257, 1), I("r", "a", X([[0]] * 256), E, X([[0] * 255 + [5]])),
     SET("a", [X([[0]] * 256), E, X([[0] * 255 + [5]])], 5), rules=["V-LIMIT-1", "R-INDEX-5"])
case("lim-leading-ellipsis-within", "An ellipsis before the index arrays counts only the axes it spans: a write of 2 x 256 x 256 targets fits",
     A("a", 2, 1, 257), SET("a", [E, X([[0]] * 256), X([[0] * 256])], 5), rules=["V-LIMIT-1", "R-WRITE-6"])
case("lim-slices-multiply", "The lengths of the slices multiply: 64 x 64 x 4097 elements are over the limit",
     A("a", 64, 64, 1), I("r", "a", FULL, FULL, X([0] * 4096 + [5])), SET("a", [FULL, FULL, X([0] * 4096 + [5])], 5),
     rules=["V-LIMIT-1", "R-SLICE-1"])
case("lim-slice-then-arrays-within", "A slice counts its own axis only: a write of 2 x 256 x 256 targets next to an axis of 200 fits",
     A("a", 2, 1, 200), SET("a", [FULL, X([[0]] * 256), X([[0] * 256])], 5), rules=["V-LIMIT-1", "R-WRITE-6"])
case("lim-mask-2d-too-many-indices", "A 2-d mask consumes two axes: with two index arrays more it is too many indices for a 2-d array",
     A("a", 1, 1), I("r", "a", M([[t]]), X([0]), X([0])), SET("a", [M([[t]]), X([0]), X([0])], 5),
     rules=["R-INDEX-6", "R-MASK-2"])
case("lim-two-ellipses-with-array", "Two ellipses next to an index array are NumPy's IndexError, whatever the limit",
     A("a", 2, 2), I("r", "a", E, E, X([0])), SET("a", [E, E, X([0])], 5), rules=["R-INDEX-5"])

case("lim-int-then-arrays-within", "An integer counts its own axis only: a write of 256 x 256 targets next to an axis of 300 fits",
     A("a", 2, 1, 300), SET("a", [0, X([[0]] * 256), X([[0] * 256])], 5), rules=["V-LIMIT-1", "R-WRITE-6"])
case("lim-exactly-at-limit", "A write of exactly 2^24 targets is within the limit: its out-of-bounds value raises IndexError",
     A("a", 1, 1, 1), SET("a", [X(_I0), X(_I1), X([[[0] * 255 + [5]]])], 5), rules=["V-LIMIT-1", "R-FANCY-4"])

area("basic-indexing", "newaxis-ellipsis")
case("index-items-128", "128 index items (an integer, 63 0-d booleans, 63 newaxis, an ellipsis) are allowed",
     A("a", 3), I("b", "a", 0, *([M(True)] * 63), *([N] * 63), E), rules=["R-INDEX-10", "R-INDEX-9"])
case("index-slice-newaxis-65-dims", "A slice keeps its axis: with 64 newaxis the result would have 65 dimensions, with 63 it has 64",
     A("a", 2), I("b", "a", FULL, *([N] * 64)), I("c", "a", FULL, *([N] * 63)), rules=["R-INDEX-10", "R-INDEX-4"])
case("index-mask-after-72-items", "A 2-d mask after 40 0-d booleans and 30 newaxis: 72 entries are within the caps",
     A("a", 2, 2), I("b", "a", *([M(True)] * 40), *([N] * 30), M([[t, f], [f, t]])), rules=["R-INDEX-10", "R-MASK-2"])

area("masks", "getitem")
case("mask-after-ellipsis", "A mask after an ellipsis is checked against the axis after the ones the ellipsis spans",
     A("a", 2, 3, 4), I("b", "a", E, M([t, f, t, f])), SET("a", [E, M([t, f, t, f])], 0),
     I("c", "a", E, M([t, f, t])), rules=["R-MASK-2", "R-INDEX-5"])

area("writes", "basic")
case("write-0d-value-into-0d", "A 0-d array written into a 0-d array, through an ellipsis and through an empty index",
     A("z"), A("v"), ADD("v", [], 7), SET("z", [E], "v"), ADD("v", [], 1), SET("z", [], "v"), ADD("z", [E], "v"),
     rules=["R-INDEX-7", "R-WRITE-1"])

area("overlap", "shares-memory")
case("share-reversed-second", "shares_memory with a reversed second array measures from its lowest address",
     A("a", 10), I("x", "a", S(0, 3)), I("y", "a", S(5, None, -1)), I("z", "a", S(6, 9)),
     rules=["R-SHARE-2", "R-SHARE-1"])
