"""Checks of executor.py internals, run in the embedded interpreter by
oracle/src/tests.rs (``executor_tests::*``).

Each ``test_*`` function gets a *fresh* copy of the executor module, so that
monkeypatching it cannot disturb programs that other test threads run on the
oracle's own copy meanwhile.
"""

import random

import numpy as np


def _raises(fn, cls):
    try:
        fn()
    except cls as exc:
        return exc
    raise AssertionError(f"expected {cls.__name__}")


def _failing_op(exc_type):
    def op(step, env):
        def thunk():
            raise exc_type("simulated")

        return thunk

    return op


def test_memory_error_in_a_step_aborts_the_program(ex):
    ex._BINDING_OPS["transpose"] = _failing_op(MemoryError)
    program = {
        "format": 1,
        "steps": [
            {"op": "array", "out": "a", "shape": [2, 3]},
            {"op": "transpose", "out": "t", "src": "a", "axes": None},
        ],
    }
    exc = _raises(lambda: ex.run_program(program), ex.ResourceError)
    msg = str(exc)
    assert "out of memory" in msg and "steps[1] (transpose)" in msg, msg
    assert not isinstance(exc, ex.ProgramError)


def test_recursion_error_in_a_step_aborts_the_program(ex):
    ex._BINDING_OPS["copy"] = _failing_op(RecursionError)
    program = {
        "format": 1,
        "steps": [
            {"op": "array", "out": "a", "shape": [3]},
            {"op": "copy", "out": "c", "src": "a"},
        ],
    }
    msg = str(_raises(lambda: ex.run_program(program), ex.ResourceError))
    assert "RecursionError" in msg and "steps[1] (copy)" in msg, msg


def test_memory_error_in_a_write_aborts_the_program(ex):
    def raw(d, idx, v):
        raise MemoryError("simulated")

    ex._raw_assign = raw
    program = {
        "format": 1,
        "steps": [
            {"op": "array", "out": "a", "shape": [3]},
            {"op": "assign", "dst": "a", "index": [0], "value": {"scalar": 1}},
        ],
    }
    msg = str(_raises(lambda: ex.run_program(program), ex.ResourceError))
    assert "out of memory" in msg and "steps[1] (assign)" in msg, msg


def test_memory_error_in_the_observation_aborts_the_program(ex):
    def observe(env, order):
        raise MemoryError("simulated")

    ex._observe = observe
    program = {"format": 1, "steps": [{"op": "array", "out": "a", "shape": [3]}]}
    msg = str(_raises(lambda: ex.run_program(program), ex.ResourceError))
    assert "while building the observation" in msg, msg


def test_numpy_errors_stay_step_outcomes(ex):
    # The guard against resource failures must not swallow NumPy's verdicts.
    program = {
        "format": 1,
        "steps": [
            {"op": "array", "out": "a", "shape": [3]},
            {"op": "index", "out": "b", "src": "a", "index": [5]},
        ],
    }
    obs = ex.run_program(program)
    assert obs["steps"] == [{"ok": True}, {"error": "IndexError"}], obs["steps"]


def _random_view(rng, base):
    """A random strided view inside ``base`` (retrying until one fits)."""
    while True:
        ndim = rng.randint(1, 4)
        shape = [rng.randint(0, 4) for _ in range(ndim)]
        strides = [rng.randint(-6, 6) * base.itemsize for _ in range(ndim)]
        lo = sum(min(0, (n - 1) * s) for n, s in zip(shape, strides) if n > 0)
        hi = sum(max(0, (n - 1) * s) for n, s in zip(shape, strides) if n > 0)
        first = -lo // base.itemsize
        last = (base.nbytes - base.itemsize - hi) // base.itemsize
        if first <= last:
            start = rng.randint(first, last)
            return np.lib.stride_tricks.as_strided(base[start:], shape, strides)


def test_address_fallback_agrees_with_the_unbounded_solver(ex):
    # The fallback on every pair, compared with NumPy's exact solver (fast on
    # these small views): sharing or not, zero strides, negative strides and
    # empty arrays included.
    rng = random.Random(20240611)
    base = np.arange(64, dtype=np.int64)
    counts = {True: 0, False: 0}
    for _ in range(5000):
        x, y = _random_view(rng, base), _random_view(rng, base)
        expected = bool(np.shares_memory(x, y))
        got = ex._Overlap().shares_by_addresses(x, y)
        assert got == expected, (x.shape, x.strides, y.shape, y.strides, got)
        counts[expected] += 1
    assert min(counts.values()) > 500, counts


def test_address_fallback_handles_items_that_overlap_partly(ex):
    # Not produced by format-1 programs (all addresses are 8-aligned), but the
    # fallback must not depend on that: bytes 4..7 of x's first item are
    # bytes 0..3 of y's.
    raw = np.zeros(64, dtype=np.uint8)
    x = raw[0:16].view(np.int64)
    y = raw[4:20].view(np.int64)
    z = raw[16:32].view(np.int64)
    ov = ex._Overlap()
    for a, b in [(x, y), (y, x), (x, z), (z, x), (y, z)]:
        expected = bool(np.shares_memory(a, b))
        assert ov.shares_by_addresses(a, b) == expected, (a, b)
    assert ov.shares_by_addresses(x, y) and not ov.shares_by_addresses(x, z)


def _reference_write(d, idx, v, add):
    """The straightforward reading of the documented write (what
    ``_documented_write`` did before it was made memory-light): materialise
    d[idx] + v and the broadcast value, keep the last occurrence of each
    position with np.unique."""
    val = np.array(v, copy=True) if isinstance(v, np.ndarray) else v
    if add:
        val = np.asarray(d[idx]) + val
    val = np.asarray(val, dtype=np.int64)
    pos = np.asarray(np.arange(d.size, dtype=np.intp).reshape(d.shape)[idx])
    if pos.size == 0:
        return
    while val.ndim > pos.ndim and val.shape[0] == 1:
        val = val.reshape(val.shape[1:])
    val = np.broadcast_to(val, pos.shape).ravel(order="C")
    pos = pos.ravel(order="C")
    uniq, first_in_rev = np.unique(pos[::-1], return_index=True)
    d.flat[uniq] = val[::-1][first_in_rev]


def _random_index(rng, shape):
    items = []
    for n in shape:
        kind = rng.choice("isaam")
        if kind == "i":
            items.append(rng.randrange(n))
        elif kind == "s":
            items.append(slice(rng.choice([None, 0, 1]), None, rng.choice([1, 2, -1])))
        elif kind == "a":
            items.append(np.array([rng.randrange(n) for _ in range(rng.randint(0, 6))], np.intp))
        else:
            items.append(np.array([rng.random() < 0.5 for _ in range(n)]))
    return tuple(items)


def test_documented_write_matches_the_straightforward_reading(ex):
    rng = random.Random(7)
    checked = duplicates = 0
    for _ in range(3000):
        shape = [rng.randint(1, 4) for _ in range(rng.randint(1, 3))]
        base = np.arange(np.prod(shape), dtype=np.int64).reshape(shape)
        d = base if rng.random() < 0.5 else base[(slice(None, None, -1),) * len(shape)]
        idx = _random_index(rng, d.shape)
        try:
            target = np.asarray(d[idx])
        except IndexError:
            continue
        choice = rng.random()
        if choice < 0.3:
            v = rng.randint(-(2**31 - 1), 2**31 - 1)
        elif choice < 0.6:
            v = (np.arange(target.size, dtype=np.int64) * 7 - 3).reshape(target.shape)
        elif choice < 0.8 and target.ndim:
            v = np.arange(target.shape[-1], dtype=np.int64)[None, :] + 100
        else:
            v = base[(0,) * (len(shape) - 1)][: target.shape[-1] if target.ndim else 1]
        add = rng.random() < 0.5
        raw = d.copy()
        try:
            if add:
                raw[idx] += v
            else:
                raw[idx] = v
        except (IndexError, ValueError, TypeError):
            continue  # only writes NumPy accepts reach _documented_write
        expected_base = base.copy()
        expected = expected_base if d is base else expected_base[(slice(None, None, -1),) * len(shape)]
        v_ref = v
        if isinstance(v, np.ndarray) and np.shares_memory(v, base):
            v_ref = v.copy()
        _reference_write(expected, idx, v_ref, add)
        ex._documented_write(d, idx, v, add)
        assert np.array_equal(base, expected_base), (shape, idx, v, add, base, expected_base)
        checked += 1
        flat = np.asarray(np.arange(d.size).reshape(d.shape)[idx]).ravel()
        duplicates += len(set(flat.tolist())) < flat.size
    assert checked > 1000 and duplicates > 100, (checked, duplicates)


def _a2_bug(op, item):
    """NumPy's ``a[2:][a[:-2]] = 3`` (or ``+=``) with the index as ``item``."""
    return {
        "format": 1,
        "steps": [
            {"op": "array", "out": "a", "shape": [6]},
            {"op": "index", "out": "d", "src": "a", "index": [{"slice": [2, None, None]}]},
            {"op": "index", "out": "i", "src": "a", "index": [{"slice": [None, -2, None]}]},
            {"op": op, "dst": "d", "index": [item], "value": {"scalar": 3}},
        ],
    }


def test_var_items_index_numpy_with_the_bound_view_itself(ex):
    # Format 1.2: the raw statement sees the aliasing view, not a copy.
    seen = []
    raw = ex._raw_assign

    def spy(d, idx, v):
        seen.append((d, idx))
        raw(d, idx, v)

    ex._raw_assign = spy
    ex._INDEX_ALIAS_BUG = False  # as on NumPy >= 2.3, whatever runs here
    obs = ex.run_program(_a2_bug("assign", {"var": "i"}))
    (d, idx), = seen
    assert isinstance(idx, tuple) and len(idx) == 1, idx
    assert idx[0].dtype == np.intp and not idx[0].flags.owndata, idx[0].flags
    assert np.shares_memory(idx[0], d)
    assert obs["steps"][3] == {"ok": True}, obs["steps"]
    # On releases that read such an index while writing, NumPy still gets
    # the view when the write can only put in-bounds values into it (3 < 4,
    # the extent of d), so that their bug shows ...
    ex._INDEX_ALIAS_BUG = True
    seen.clear()
    ex.run_program(_a2_bug("assign", {"var": "i"}))
    (d, idx), = seen
    assert np.shares_memory(idx[0], d)
    # ... and a copy when it could write anything (+=): reading the index
    # while writing would then reach outside the array.
    raw_add = ex._raw_add_assign

    def spy_add(d, idx, v):
        seen.append((d, idx))
        raw_add(d, idx, v)

    ex._raw_add_assign = spy_add
    seen.clear()
    ex.run_program(_a2_bug("add_assign", {"var": "i"}))
    (d, idx), = seen
    assert idx[0].flags.owndata and not np.shares_memory(idx[0], d)
    assert list(idx[0]) == [0, 1, 2, 3], idx[0]
    ex._raw_add_assign = raw_add
    ex._INDEX_ALIAS_BUG = False
    # ... and means the literal of its values at the time of the step, for
    # both writes (the documented path computes the targets first).
    for op in ("assign", "add_assign"):
        via_var = ex.run_program(_a2_bug(op, {"var": "i"}))
        literal = ex.run_program(_a2_bug(op, {"array": [0, 1, 2, 3]}))
        values = lambda o, n: ex.values_list(o["arrays"][n]["values"])  # noqa: E731
        assert values(via_var, "a") == values(literal, "a"), (op, values(via_var, "a"))
        assert via_var["steps"] == literal["steps"], via_var["steps"]


def test_var_items_naming_scalars_or_unbound_names_skip(ex):
    program = {
        "format": 1,
        "steps": [
            {"op": "array", "out": "a", "shape": [3]},
            {"op": "index", "out": "s", "src": "a", "index": [1]},
            {"op": "index", "out": "f", "src": "a", "index": [7]},
            {"op": "index", "out": "b", "src": "a", "index": [{"var": "s"}]},
            {"op": "assign", "dst": "a", "index": [{"var": "f"}], "value": {"scalar": 0}},
            {"op": "index", "out": "c", "src": "a", "index": [{"slice": [None, None, -1]}, {"var": "a"}]},
        ],
    }
    obs = ex.run_program(program)
    outcomes = [next(iter(r)) + ":" + str(next(iter(r.values()))) for r in obs["steps"]]
    assert outcomes == ["ok:True", "ok:True", "error:IndexError", "skipped:True", "skipped:True",
                        "error:IndexError"], outcomes
    # A name no earlier step binds is a structural error, as for src/dst.
    bad = {"format": 1, "steps": [{"op": "array", "out": "a", "shape": [3]},
                                  {"op": "index", "out": "b", "src": "a", "index": [{"var": "z"}]}]}
    _raises(lambda: ex.run_program(bad), ex.ProgramError)


def test_var_items_count_for_the_element_limit_by_their_shape(ex):
    a = np.arange(8, dtype=np.int64).reshape(2, 2, 2)
    big = np.zeros(257, dtype=np.int64)
    # Views with the broadcasting shapes (257,1,1), (1,257,1), (1,1,257).
    idx = (big[:, None, None], big[None, :, None], big[None, None, :])
    assert ex._exceeds_limit(a, idx)
    assert not ex._exceeds_limit(a, idx[:2])
    zero_d = np.arange(3, dtype=np.int64)[1, ...]
    assert ex._advanced_result_size((4, 5), (zero_d,)) is None


def test_c_order_bytes_of_arrays_with_more_than_32_axes(ex):
    # NumPy before 2.1 iterates over at most 32 axes; the values must not
    # depend on that.
    a = np.arange(6, dtype=np.int64).reshape(2, 3)[:, ::-2]
    deep = a[(np.newaxis,) * 20 + (slice(None),) + (np.newaxis,) * 20]
    assert deep.ndim == 42 and not deep.flags.c_contiguous
    assert ex.values_list(ex._c_order_bytes(deep)) == a.ravel().tolist()
    empty = np.zeros((0,) + (1,) * 40, dtype=np.int64)
    assert ex._c_order_bytes(empty) == b""
    assert ex._c_order_bytes(a) == a.tobytes(order="C")
