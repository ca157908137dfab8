"""Format-1 program executor: the NumPy side of the viewcheck oracle.

``run_program(program)`` executes one format-1 program (already parsed from
JSON into plain dicts, lists, ints, bools, strings and None) with NumPy and
returns its format-1 observation as plain Python data (no NumPy types; array
values as int64 bytes, see ``run_program``), ready to be serialised as JSON.
The format is defined in ``docs/FORMAT.md``; this module is the executable
reading of its "NumPy" column.

The Rust crate ``viewcheck-oracle`` compiles this file into the binary
(``include_str!``) and calls ``run_program`` in an embedded interpreter.  The
file also runs on its own, for debugging without the Rust side, under any
Python that has the pinned NumPy (e.g. the project's ``.venv``)::

    .venv/bin/python oracle/executor.py [FILE]   # JSON Lines in, observations out

Writes (``assign`` / ``add_assign``) follow the *documented* semantics of
format-1: the raw NumPy statement runs first (it decides the step's outcome:
error class, warning), the owning buffer is restored, the documented write is
performed (value read completely first; for duplicate targets the last write in
C order of ``d[idx]`` wins), and if the raw and documented results differ the
step record gets ``"numpy_deviation": "overlap"`` (the value, or a
``{"var": ...}`` index array, shares memory with the destination) or
``"numpy_deviation": "duplicate-order"`` (otherwise).  The documented result
is kept either way.  ``run_program(program, "raw")`` keeps what NumPy's
statement did instead, unmarked: NumPy as an implementation under test.

The executor runs on every NumPy release from 1.24 on (``SUPPORTED_NUMPY`` of
the Rust crate) with the same meaning: where a spelling differs between
releases it uses one every release accepts (``reshape`` without ``copy``),
and where a release lacks an API a program asks for (``reshape(copy=...)``
before 2.1) the step's outcome is what that release does with the call: it
raises ``TypeError``.
"""

import math
import sys
import warnings

import numpy as np

#: Largest number of elements a step may produce (format-1 "Limits").
ELEMENT_LIMIT = 2**24

#: Most elements all bound arrays of a program may have together (format 1.1
#: "Limits"): a successful step whose array result would go beyond it fails
#: with LimitExceeded and binds nothing.
PROGRAM_ELEMENT_LIMIT = 2**22

#: Work bound for NumPy's exact overlap solver.  Its cost grows exponentially
#: with the number of axes (a 20-d array and eight of its diagonals took 96 s
#: unbounded); 10**4 candidate steps take a few milliseconds at most, and
#: beyond that ``_Overlap`` answers from the element addresses instead.
SHARES_MAX_WORK = 10**4

#: NumPy's exception for an overlap problem its solver gave up on
#: (``numpy.exceptions`` exists from 1.25 on; 1.24 has it at the top level).
_TOO_HARD = getattr(getattr(np, "exceptions", np), "TooHardError")

#: Element size of every array a program can create (int64).
ITEMSIZE = 8


class ResourceError(RuntimeError):
    """The interpreter ran out of a resource (memory, recursion depth) while
    running a program.

    Raised out of ``run_program`` instead of recording a step outcome: a
    MemoryError says something about this machine, not about NumPy's rules,
    so it must never become a recorded answer.
    """


#: Exceptions that are failures of the machine, never NumPy's verdict on a
#: step (NumPy's own "Unable to allocate" is a MemoryError subclass).
_RESOURCE_ERRORS = (MemoryError, RecursionError)


class ProgramError(ValueError):
    """The program is not a structurally valid format-1 program.

    Raised out of ``run_program`` (never recorded as a step outcome): a
    validating front end rejects such programs with a ``format_error`` before
    they reach the oracle.
    """


# --------------------------------------------------------------------------
# Program decoding (structure only; NumPy semantics are left to NumPy)


def _build_nested(nested, dtype, what):
    """np.array(nested, dtype) for an index array / mask, checking its shape.

    ``[]`` gives shape (0,), ``[[]]`` shape (1, 0), a bare scalar a 0-d
    array; the result is C-contiguous and owns its data.
    """
    try:
        arr = np.array(nested, dtype=dtype)
    except (ValueError, TypeError) as exc:
        raise ProgramError(f"bad {what} index item {nested!r}: {exc}") from exc
    return arr


#: NumPy before 2.3 does not copy an index array that overlaps the
#: destination of a write: it reads the index while writing, so an element the
#: write changes can point outside the array (``a[2:][a[:-2]] += 3`` writes
#: out of bounds and corrupts the heap, and a later program crashes).  On
#: those releases a ``{"var": ...}`` index of a write that may share memory
#: with the destination is handed to NumPy as a copy -- unless the write can
#: only put values into the index that stay within every axis
#: (``_alias_stays_in_bounds``): then NumPy gets the very view, and its bug
#: shows (a wrong result, marked ``numpy_deviation``, or kept under raw
#: writes) without touching memory outside the array.
_INDEX_ALIAS_BUG = tuple(int(p) for p in np.__version__.split(".")[:2]) < (2, 3)


def _alias_stays_in_bounds(d, v, add):
    """Whether ``d[idx] = v`` can only write values v with 0 <= v < every
    extent of ``d`` (an ``add_assign`` may write anything)."""
    if add or d.ndim == 0 or min(d.shape) == 0:
        return False
    vals = np.asarray(v)
    if vals.size == 0:
        return True
    return bool(vals.min() >= 0 and vals.max() < min(d.shape))


def _decode_item(item, env, dst=None):
    """One ITEM of an index -> the Python/NumPy object NumPy is indexed with.

    ``{"var": NAME}`` (format 1.2) is the bound array itself, not a copy:
    NumPy is indexed with the very view, so the raw statement sees any
    aliasing between the index and what is written (except on the releases
    of ``_INDEX_ALIAS_BUG``, for a write to ``dst``).  The step runner has
    already skipped the step if NAME is unbound or a scalar.
    """
    if isinstance(item, bool):
        raise ProgramError(f"bare boolean index item {item!r} (use {{'mask': ...}})")
    if isinstance(item, int):
        return item
    if item == "newaxis":
        return None
    if item == "ellipsis":
        return Ellipsis
    if isinstance(item, dict) and len(item) == 1:
        if "slice" in item:
            parts = item["slice"]
            if not (isinstance(parts, list) and len(parts) == 3):
                raise ProgramError(f"bad slice item {item!r}")
            for p in parts:
                if p is not None and (isinstance(p, bool) or not isinstance(p, int)):
                    raise ProgramError(f"bad slice bound in {item!r}")
            return slice(*parts)
        if "array" in item:
            return _build_nested(item["array"], np.intp, "array")
        if "mask" in item:
            return _build_nested(item["mask"], np.bool_, "mask")
        if "var" in item:
            arr = env[item["var"]]
            # int64 data as an intp index array: the same array where intp
            # is int64, else a converted copy (an index is read before any
            # write, so a copy means the same).
            if dst is not None and _INDEX_ALIAS_BUG and np.may_share_memory(arr, dst):
                return arr.astype(np.intp, copy=True)
            return arr if arr.dtype == np.intp else arr.astype(np.intp)
    raise ProgramError(f"unknown index item {item!r}")


def _decode_index(items, env, dst=None):
    """An index as NumPy's tuple; ``dst`` is the destination of a write."""
    if not isinstance(items, list):
        raise ProgramError(f"index must be a list of items, got {items!r}")
    return tuple(_decode_item(it, env, dst) for it in items)


def _index_vars(step):
    """The names of the ``{"var": NAME}`` items of a step's index (format 1.2)."""
    items = step.get("index")
    if not isinstance(items, list):
        return []
    return [it["var"] for it in items if isinstance(it, dict) and len(it) == 1 and "var" in it]


def _is_array(v):
    return isinstance(v, np.ndarray)


# --------------------------------------------------------------------------
# LimitExceeded: the size of x[idx] without executing it
#
# Rule (format-1 "Limits"): a step whose result would need more than 2**24
# elements fails with {"error": "LimitExceeded"} without allocating.  Only an
# index with advanced items (index arrays, masks) can produce a result larger
# than its source, so only those are measured; a purely basic index is a view
# of at most x.size elements.  The measured size is
#
#     prod(broadcast(B_1, ..., B_k)) * prod(subspace extents)
#
# where B_i is the shape of each advanced item: an integer array contributes
# its own shape, an n-d boolean mask contributes (count_nonzero,) (it stands
# for its n nonzero() arrays, all of that shape) and consumes n axes, a 0-d
# boolean contributes (1,) for True or (0,) for False and consumes no axis.
# The subspace extents are those of the axes left to the basic items: a slice
# contributes len(range(*s.indices(n))), an integer and newaxis contribute 1,
# the ellipsis (explicit, or implicit at the end) the full extents of the axes
# it covers.  The consec transposition does not change the element count.  If
# this computation fails (too many indices, two ellipses, shapes that do not
# broadcast, a zero slice step ...) no limit is applied and NumPy runs and
# raises its own error.


class _ShapeUnknown(Exception):
    pass


def _broadcast_shapes(shapes):
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for s in shapes:
        for i, n in enumerate(s, start=ndim - len(s)):
            if n == out[i] or n == 1:
                continue
            if out[i] == 1:
                out[i] = n
            else:
                raise _ShapeUnknown
    return out


def _advanced_result_size(shape, idx):
    """Element count of x[idx] for an x of ``shape``, or None if basic-only."""
    consumed = 0
    n_ellipsis = 0
    advanced = []
    for it in idx:
        if it is Ellipsis:
            n_ellipsis += 1
        elif it is None:
            pass
        elif isinstance(it, np.ndarray) and it.dtype == np.bool_:
            consumed += it.ndim
            advanced.append(it)
        elif isinstance(it, np.ndarray):
            consumed += 1
            if it.ndim > 0:
                advanced.append(it)
        else:  # int or slice
            consumed += 1
    if not advanced:
        return None
    if n_ellipsis > 1 or consumed > len(shape):
        raise _ShapeUnknown
    b_shapes = []
    sub = 1
    axis = 0
    for it in idx:
        if it is Ellipsis:
            span = len(shape) - consumed
            sub *= math.prod(shape[axis : axis + span])
            axis += span
        elif it is None:
            pass
        elif isinstance(it, slice):
            if it.step == 0:
                raise _ShapeUnknown
            sub *= len(range(*it.indices(shape[axis])))
            axis += 1
        elif isinstance(it, np.ndarray) and it.dtype == np.bool_:
            if it.ndim == 0:
                b_shapes.append((1 if bool(it) else 0,))
            else:
                b_shapes.append((int(np.count_nonzero(it)),))
            axis += it.ndim
        elif isinstance(it, np.ndarray):
            b_shapes.append(it.shape)
            axis += 1
        else:  # int
            axis += 1
    sub *= math.prod(shape[axis:])  # implicit trailing ellipsis
    return math.prod(_broadcast_shapes(b_shapes)) * sub


def _exceeds_limit(x, idx):
    try:
        size = _advanced_result_size(x.shape, idx)
    except _ShapeUnknown:
        return False
    return size is not None and size > ELEMENT_LIMIT


# --------------------------------------------------------------------------
# Writes


def _owner(arr):
    """The array that owns arr's memory: follow .base while it is an ndarray."""
    while isinstance(arr.base, np.ndarray):
        arr = arr.base
    return arr


def _raw_assign(d, idx, v):
    d[idx] = v


def _raw_add_assign(d, idx, v):
    # Python's augmented assignment on a subscription, verbatim:
    # t = d.__getitem__(idx); t = t.__iadd__(v) (or t + v); d.__setitem__(idx, t)
    d[idx] += v


def _restore(owner, snapshot):
    if owner.flags.writeable:
        np.copyto(owner, snapshot, casting="no")
    else:  # an owner can always be made writeable again
        owner.flags.writeable = True
        try:
            np.copyto(owner, snapshot, casting="no")
        finally:
            owner.flags.writeable = False


#: Positions handled per ``np.maximum.at`` call in ``_documented_write``: the
#: write numbers k passed along then take 8 MiB at a time instead of an array
#: as long as the target (up to ELEMENT_LIMIT elements, 128 MiB).
_WRITE_CHUNK = 2**20


def _documented_write(d, idx, v, add):
    """Perform d[idx] = v (or d[idx] += v) with format-1's documented semantics.

    Only called after the raw NumPy statement succeeded on the same state, so
    the index and the value are known to be acceptable.  Memory stays a small
    multiple of the target's size (a fancy target may have 2**24 elements):
    only the flat positions of the target are materialised, never the
    broadcast value or d[idx] itself.
    """
    if d.size == 0:
        # Nothing to write, and nothing to compute: the positions of an
        # empty target under a huge index can exceed what NumPy allocates
        # (NumPy before 2.3 accepts such a write).
        return
    # 1. The value is read completely before anything is written.
    val = np.array(v, copy=True) if _is_array(v) else v
    val = np.asarray(val, dtype=np.int64)
    # 2. Target positions: flat C-order positions within d of d[idx].
    pos = np.asarray(np.arange(d.size, dtype=np.intp).reshape(d.shape)[idx])
    if pos.size == 0:
        # Nothing is written (NumPy does not even check the value's shape
        # against an empty fancy target).
        return
    # Broadcast like NumPy's assignment: drop leading length-1 axes of the
    # value while it has more axes than the target, then broadcast.
    while val.ndim > pos.ndim and val.shape[0] == 1:
        val = val.reshape(val.shape[1:])
    val = np.broadcast_to(val, pos.shape)
    pos = pos.ravel(order="C")
    # 3. The last write in C order wins: for each target position, the
    #    largest k with pos[k] == position.  ufunc.at applies every k
    #    (unbuffered), unlike a fancy assignment, whose order with repeated
    #    indices NumPy does not promise.
    last = np.full(d.size, -1, dtype=np.intp)
    for start in range(0, pos.size, _WRITE_CHUNK):
        stop = min(start + _WRITE_CHUNK, pos.size)
        np.maximum.at(last, pos[start:stop], np.arange(start, stop, dtype=np.intp))
    targets = np.flatnonzero(last >= 0)
    winners = last[targets]
    if val.ndim:
        new = val[np.unravel_index(winners, val.shape)]
    else:
        new = np.full(winners.size, val[()], dtype=np.int64)
    if add:
        # d[idx] + v from the pre-write state (each target's own old value),
        # int64 wrap-around
        new = d.flat[targets] + new
    d.flat[targets] = new


def _run_write(step, env, add, raw_writes):
    try:
        d = env[step["dst"]]
        value = step["value"]
        v = env[value["var"]] if "var" in value else value["scalar"]
        guard = None if _alias_stays_in_bounds(d, v, add) else d
        idx = _decode_index(step["index"], env, guard)
    except (KeyError, TypeError) as exc:
        raise ProgramError(f"malformed {step.get('op')!r} step {step!r}: {exc!r}") from exc
    if _exceeds_limit(d, idx):
        return {"error": "LimitExceeded"}
    owner = _owner(d)
    snapshot = owner.copy(order="K")
    raw = _raw_add_assign if add else _raw_assign
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            raw(d, idx, v)
        except _RESOURCE_ERRORS:
            raise
        except Exception as exc:  # NumPy's verdict: record its class
            _restore(owner, snapshot)
            return {"error": type(exc).__name__}
    record = {"ok": True}
    if caught:
        record["warning"] = caught[0].category.__name__
    if raw_writes:
        return record
    raw_result = owner.copy(order="K")
    _restore(owner, snapshot)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. int64 scalar overflow wrap
        _documented_write(d, idx, v, add)
    if not np.array_equal(raw_result, owner):
        # The value, or (format 1.2) an index array, overlapping the
        # destination is an overlap; a literal index never does.
        overlap = _Overlap()
        if any(_is_array(x) and overlap.shares(x, d) for x in (v, *idx)):
            record["numpy_deviation"] = "overlap"
        else:
            record["numpy_deviation"] = "duplicate-order"
    return record


# --------------------------------------------------------------------------
# Steps


def _op_array(step, env):
    shape = tuple(step["shape"])
    n = math.prod(shape)
    order = step.get("order", "C")
    return lambda: np.arange(n, dtype=np.int64).reshape(shape).copy(order=order)


def _op_index(step, env):
    x = env[step["src"]]
    idx = _decode_index(step["index"], env)
    if _exceeds_limit(x, idx):
        return "LimitExceeded"
    return lambda: x[idx]


def _op_transpose(step, env):
    x = env[step["src"]]
    axes = step.get("axes")
    return lambda: np.transpose(x, axes)


def _op_swapaxes(step, env):
    x = env[step["src"]]
    a1, a2 = step["axis1"], step["axis2"]
    return lambda: np.swapaxes(x, a1, a2)


def _op_moveaxis(step, env):
    x = env[step["src"]]
    src, dst = step["source"], step["destination"]
    return lambda: np.moveaxis(x, src, dst)


def _op_reshape(step, env):
    x = env[step["src"]]
    shape = tuple(step["shape"])
    order = step.get("order", "C")
    copy = step.get("copy")
    if copy is None:
        # The same meaning, and the only spelling NumPy before 2.1 accepts
        # (it has no `copy` keyword).
        return lambda: np.reshape(x, shape, order=order)
    return lambda: np.reshape(x, shape, order=order, copy=copy)


def _op_ravel(step, env):
    x = env[step["src"]]
    order = step.get("order", "C")
    return lambda: np.ravel(x, order=order)


def _op_flatten(step, env):
    x = env[step["src"]]
    order = step.get("order", "C")
    return lambda: x.flatten(order=order)


def _op_squeeze(step, env):
    x = env[step["src"]]
    axis = step.get("axis")
    axis = None if axis is None else tuple(axis)
    return lambda: np.squeeze(x, axis=axis)


def _op_expand_dims(step, env):
    x = env[step["src"]]
    axis = tuple(step["axis"])
    return lambda: np.expand_dims(x, axis)


def _op_broadcast_to(step, env):
    x = env[step["src"]]
    shape = tuple(step["shape"])
    return lambda: np.broadcast_to(x, shape)


def _op_diagonal(step, env):
    x = env[step["src"]]
    offset = step.get("offset", 0)
    axis1 = step.get("axis1", 0)
    axis2 = step.get("axis2", 1)
    return lambda: np.diagonal(x, offset, axis1, axis2)


def _op_copy(step, env):
    x = env[step["src"]]
    order = step.get("order", "C")
    return lambda: x.copy(order=order)


def _op_asarray(step, env):
    x = env[step["src"]]
    order = step.get("order", "K")
    return lambda: np.asarray(x, order=order)


_BINDING_OPS = {
    "array": _op_array,
    "index": _op_index,
    "transpose": _op_transpose,
    "swapaxes": _op_swapaxes,
    "moveaxis": _op_moveaxis,
    "reshape": _op_reshape,
    "ravel": _op_ravel,
    "flatten": _op_flatten,
    "squeeze": _op_squeeze,
    "expand_dims": _op_expand_dims,
    "broadcast_to": _op_broadcast_to,
    "diagonal": _op_diagonal,
    "copy": _op_copy,
    "asarray": _op_asarray,
}

_WRITE_OPS = {"assign": False, "add_assign": True}


def _used_names(step):
    names = [step[k] for k in ("src", "dst") if k in step]
    names.extend(_index_vars(step))
    value = step.get("value")
    if isinstance(value, dict) and "var" in value:
        names.append(value["var"])
    return names


class _State:
    """The names a running program has bound so far."""

    def __init__(self):
        self.env = {}  # name -> ndarray or NumPy integer scalar (bound names only)
        self.order = []  # bound names, in binding order
        self.known = set()  # names bound by a step so far, successful or not
        self.elements = 0  # elements of all bound arrays (PROGRAM_ELEMENT_LIMIT)
        self.raw_writes = False  # keep NumPy's own write results


def _run_step(step, state):
    env, known = state.env, state.known
    if not isinstance(step, dict):
        raise ProgramError(f"step is not an object: {step!r}")
    op = step.get("op")
    if op not in _BINDING_OPS and op not in _WRITE_OPS:
        raise ProgramError(f"unknown op {op!r}")
    for name in _used_names(step):
        if name not in known:
            raise ProgramError(f"step uses name {name!r} before any step binds it")
    out = step.get("out")
    if op in _BINDING_OPS:
        if not isinstance(out, str):
            raise ProgramError(f"step {op!r} needs an 'out' name")
        if out in known:
            raise ProgramError(f"name {out!r} is bound twice")
        known.add(out)
    # A name whose step failed or was skipped is unbound: skip.
    if any(name not in env for name in _used_names(step)):
        return {"skipped": True}
    # A scalar may only be used as a VALUE (not as src/dst, nor as a var
    # index item).
    if any(k in step and not _is_array(env[step[k]]) for k in ("src", "dst")):
        return {"skipped": True}
    if any(not _is_array(env[name]) for name in _index_vars(step)):
        return {"skipped": True}

    if op in _WRITE_OPS:
        return _run_write(step, env, _WRITE_OPS[op], state.raw_writes)

    try:
        thunk = _BINDING_OPS[op](step, env)
    except (KeyError, TypeError) as exc:
        raise ProgramError(f"malformed {op!r} step {step!r}: {exc!r}") from exc
    if thunk == "LimitExceeded":
        return {"error": "LimitExceeded"}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = thunk()
        except _RESOURCE_ERRORS:
            raise
        except Exception as exc:  # NumPy's verdict: record its class
            return {"error": type(exc).__name__}
    if not _is_array(result):
        if not isinstance(result, np.integer):
            raise TypeError(f"op {op!r} returned unexpected {type(result).__name__}")
    # Every bound array is observed with all its values (each view
    # separately, a broadcast view at its full size), so the budget counts
    # what the observation will hold, not what is allocated.
    size = int(result.size) if _is_array(result) else 0
    if state.elements + size > PROGRAM_ELEMENT_LIMIT:
        return {"error": "LimitExceeded"}
    state.elements += size
    env[out] = result
    state.order.append(out)
    record = {"ok": True}
    if caught:
        record["warning"] = caught[0].category.__name__
    return record


# --------------------------------------------------------------------------
# Observation


def _data_ptr(arr):
    return arr.__array_interface__["data"][0]


def _c_order_bytes(arr):
    """The values of ``arr`` in C order, as native int64 bytes.

    NumPy before 2.1 has arrays of up to 64 axes but iterates (``tobytes``)
    over at most 32: more axes than that can only be of extent 1 (within the
    element limits) or the array is empty, and dropping length-1 axes keeps
    the C order.
    """
    if arr.ndim > 32:
        if arr.size == 0:
            return b""
        arr = arr.squeeze()
    return arr.tobytes(order="C")


def _describe(arr, owners):
    owner = _owner(arr)
    buf = owners.setdefault(id(owner), (len(owners), owner))[0]
    offset_bytes = _data_ptr(arr) - _data_ptr(owner)
    if arr.dtype != np.int64:  # the values bytes are read as native int64
        raise ValueError(f"array of dtype {arr.dtype}, not int64")
    for s in (offset_bytes, *arr.strides):
        if s % ITEMSIZE:
            raise ValueError(f"byte offset/stride {s} is not a multiple of {ITEMSIZE}")
    flags = arr.flags
    return {
        "shape": [int(n) for n in arr.shape],
        "strides": [int(s) // ITEMSIZE for s in arr.strides],
        "offset": offset_bytes // ITEMSIZE,
        "buffer": buf,
        "owndata": bool(flags.owndata),
        "writeable": bool(flags.writeable),
        "c_contiguous": bool(flags.c_contiguous),
        "f_contiguous": bool(flags.f_contiguous),
        # Native int64 bytes, not a list: a list of Python ints costs 40 bytes
        # per element and the observation may hold 2**22 of them; the Rust
        # side turns these bytes into the JSON list directly.
        "values": _c_order_bytes(arr),
    }


class _Overlap:
    """Exact ``np.shares_memory`` answers in bounded time.

    NumPy's solver is tried first with a work bound; when it gives up
    (``TooHardError``) the answer is computed from the sorted element
    addresses instead, which costs O(n log n) in the elements of the two
    arrays (bounded by PROGRAM_ELEMENT_LIMIT) and is just as exact.  Address
    sets are cached per array, because an array that is hard for the solver
    usually is so against several others.
    """

    def __init__(self):
        self._addresses = {}  # id(arr) -> (arr, sorted start addresses)

    def shares(self, x, y):
        try:
            return bool(np.shares_memory(x, y, max_work=SHARES_MAX_WORK))
        except _TOO_HARD:
            return self.shares_by_addresses(x, y)

    def shares_by_addresses(self, x, y):
        """Whether some item of x and some item of y have a byte in common."""
        ax, ay = self._starts(x), self._starts(y)
        if ax.size == 0 or ay.size == 0:
            return False
        # Item [p, p + x.itemsize) meets [q, q + y.itemsize) iff
        # p - y.itemsize < q < p + x.itemsize; only the nearest p on either
        # side of each q can satisfy that, whatever the alignment.
        i = np.searchsorted(ax, ay, side="right")
        below = ax[np.maximum(i - 1, 0)]
        above = ax[np.minimum(i, ax.size - 1)]
        hit_below = (i > 0) & (ay - below < x.itemsize)
        hit_above = (i < ax.size) & (above - ay < y.itemsize)
        return bool(np.any(hit_below | hit_above))

    def _starts(self, arr):
        cached = self._addresses.get(id(arr))
        if cached is not None:
            return cached[1]
        if arr.size == 0:
            starts = np.empty(0, dtype=np.int64)
        else:
            starts = np.array([_data_ptr(arr)], dtype=np.int64)
            for n, stride in zip(arr.shape, arr.strides):
                # Length-1 and zero-stride axes add no address.
                if n > 1 and stride != 0:
                    steps = np.arange(n, dtype=np.int64) * stride
                    starts = (starts[:, None] + steps).ravel()
            # Sorted, not deduplicated: the nearest-neighbour test below
            # does not mind repeats (and np.unique is 20x slower here).
            starts = np.sort(starts)
        self._addresses[id(arr)] = (arr, starts)
        return starts


def _observe(env, order):
    arrays = {}
    owners = {}  # id(owner) -> (number, owner); keeps owners alive meanwhile
    array_names = []
    for name in order:
        value = env[name]
        if _is_array(value):
            arrays[name] = _describe(value, owners)
            array_names.append(name)
        else:
            arrays[name] = {"scalar": int(value)}
    shares, may_share = [], []
    overlap = _Overlap()
    for i, a in enumerate(array_names):
        x = env[a]
        for b in array_names[i + 1 :]:
            y = env[b]
            if np.may_share_memory(x, y):  # bounds check; False => disjoint
                may_share.append([a, b])
                if overlap.shares(x, y):  # exact
                    shares.append([a, b])
    return arrays, shares, may_share


def _resource_failure(exc, where):
    kind = "out of memory" if isinstance(exc, MemoryError) else "resource exhausted"
    return ResourceError(f"{kind} ({type(exc).__name__}: {exc}) {where}")


def run_program(program, writes="documented"):
    """Execute one format-1 program; return its format-1 observation.

    ``writes`` is ``"documented"`` (format 1's semantics, deviations marked)
    or ``"raw"`` (what NumPy's own statements did).

    ``program`` is the parsed JSON object.  The result contains only dicts,
    lists, str, int and bool, except that each array's ``values`` is
    ``bytes``: the int64 values in C order, native byte order (see
    ``values_list``).  Raises ``ProgramError`` for a structurally
    invalid program and ``ResourceError`` when memory or recursion depth ran
    out (no observation exists then); any other exception is an internal
    error.
    """
    if not isinstance(program, dict) or program.get("format") != 1:
        raise ProgramError('a program must be an object with "format": 1')
    steps = program.get("steps")
    if not isinstance(steps, list):
        raise ProgramError('a program needs a "steps" list')
    if writes not in ("documented", "raw"):
        raise ValueError(f"writes must be 'documented' or 'raw', not {writes!r}")
    state = _State()
    state.raw_writes = writes == "raw"
    records = []
    for i, step in enumerate(steps):
        try:
            records.append(_run_step(step, state))
        except _RESOURCE_ERRORS as exc:
            op = step.get("op") if isinstance(step, dict) else None
            raise _resource_failure(exc, f"at steps[{i}] ({op})") from exc
    try:
        arrays, shares, may_share = _observe(state.env, state.order)
    except _RESOURCE_ERRORS as exc:
        raise _resource_failure(exc, "while building the observation") from exc
    return {
        "format": 1,
        "numpy": np.__version__,
        "steps": records,
        "arrays": arrays,
        "shares_memory": shares,
        "may_share_memory": may_share,
    }


def values_list(values):
    """The JSON list of an observation's ``values`` bytes."""
    return np.frombuffer(values, dtype=np.int64).tolist()


def _json_default(obj):
    if isinstance(obj, bytes):
        return values_list(obj)
    raise TypeError(f"not JSON: {type(obj).__name__}")


def _main(argv):
    import json

    if len(argv) > 2:
        print("usage: executor.py [FILE]  (JSON Lines programs; default stdin)", file=sys.stderr)
        return 2
    stream = open(argv[1], encoding="utf-8") if len(argv) == 2 else sys.stdin
    with stream:
        for line in stream:
            if not line.strip():
                continue
            obs = run_program(json.loads(line))
            line = json.dumps(obs, separators=(",", ":"), default=_json_default)
            sys.stdout.write(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
