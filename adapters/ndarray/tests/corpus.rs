//! The corpus replayed in process on the ndarray backend, at level `exact`.
//!
//! These tests pin facts about ndarray 0.17.2 that were checked case by
//! case, not the whole list of outcomes (the corpus grows). Setting
//! `VIEWCHECK_NDARRAY_SUMMARY=1` prints every case's outcome and the totals.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use viewcheck::compare::Level;
use viewcheck::corpus::{self, Corpus, Status};
use viewcheck_ndarray::NdarrayBackend;

/// Each case's outcome: `pass`, `unsupported`, `error`, or `fail` with its
/// differences, one per line.
fn outcomes() -> &'static BTreeMap<String, (String, String)> {
    static OUTCOMES: OnceLock<BTreeMap<String, (String, String)>> = OnceLock::new();
    OUTCOMES.get_or_init(|| {
        let corpus = Corpus::load(corpus::default_dir()).expect("the corpus loads");
        corpus::replay(&corpus, &NdarrayBackend, Level::Exact)
            .into_iter()
            .map(|r| {
                let outcome = match r.status {
                    Status::Pass => ("pass".to_string(), String::new()),
                    Status::Fail(d) => (
                        "fail".to_string(),
                        d.iter().map(|d| format!("{d}\n")).collect(),
                    ),
                    Status::Unsupported(e) => ("unsupported".to_string(), e),
                    Status::BackendError(e) | Status::Crash(e) | Status::Timeout(e) => {
                        ("error".to_string(), e)
                    }
                    Status::Unrecorded => ("unrecorded".to_string(), String::new()),
                };
                (r.id, outcome)
            })
            .collect()
    })
}

fn outcome(id: &str) -> &'static (String, String) {
    outcomes()
        .get(id)
        .unwrap_or_else(|| panic!("{id} is not in the corpus"))
}

fn assert_pass(ids: &[&str]) {
    for id in ids {
        let (kind, detail) = outcome(id);
        assert_eq!(kind, "pass", "{id}: {detail}");
    }
}

/// `id` fails, and one of its differences is exactly `difference`.
fn assert_differs(id: &str, difference: &str) {
    let (kind, detail) = outcome(id);
    assert_eq!(kind, "fail", "{id}: {detail}");
    assert!(
        detail.lines().any(|l| l == difference),
        "{id}: expected the difference `{difference}` among\n{detail}"
    );
}

fn assert_unsupported(id: &str, reason: &str) {
    let (kind, detail) = outcome(id);
    assert_eq!(kind, "unsupported", "{id}: {detail}");
    assert!(detail.contains(reason), "{id}: {detail}");
}

#[test]
fn summary() {
    let mut totals: BTreeMap<&str, usize> = BTreeMap::new();
    let show = std::env::var_os("VIEWCHECK_NDARRAY_SUMMARY").is_some();
    for (id, (kind, detail)) in outcomes() {
        *totals.entry(kind).or_default() += 1;
        if show {
            println!("{id} {kind} {}", detail.replace('\n', " | "));
        }
    }
    if show {
        println!("{totals:?}");
    }
    // The adapter itself never fails: every case is answered.
    assert_eq!(totals.get("error"), None, "{totals:?}");
}

#[test]
fn in_range_basic_slicing_integers_and_new_axes_agree_exactly() {
    assert_pass(&[
        "VC-0001", "VC-0002", "VC-0006", "VC-0017", // integers, incl. -n-1 raising IndexError
        "VC-0018", "VC-0035", // new axis, ellipsis
        "VC-0039", "VC-0048", // 0-d arrays and scalars
        "VC-0068", "VC-0069", "VC-0070", "VC-0078", "VC-0083", // in-range slices
        "VC-0085", "VC-0089", // negative steps that agree
    ]);
}

#[test]
fn transposes_and_axis_swaps_agree_exactly() {
    assert_pass(&[
        "VC-0174", "VC-0175", "VC-0180", "VC-0185", "VC-0190", // transpose
        "VC-0192", "VC-0196", "VC-0200", "VC-0206", // swapaxes, moveaxis
    ]);
}

#[test]
fn select_copies_like_a_one_array_fancy_index() {
    assert_pass(&["VC-0342", "VC-0378"]);
    // a[:, []] on (3, 4): NumPy's result is a view of a hidden transposed
    // buffer (owndata false); `select` returns an array that owns its data.
    assert_differs("VC-0366", "arrays.r.owndata: expected false got true");
}

#[test]
fn ndarray_slices_are_not_python_slices() {
    // -100:100 on 10 elements: NumPy clamps to 0:10, ndarray panics
    // ("Slice begin ... is past end of axis").
    assert_differs("VC-0092", "steps[1]: expected ok got error IndexError");
    // 8:2:-2: NumPy walks back from 8 ([8, 6, 4]); ndarray's range 8..2 is
    // empty before the step is applied.
    assert_differs("VC-0084", "arrays.b.shape: expected [3] got [0]");
    // 5::-1: NumPy [5, 4, 3, 2, 1, 0]; ndarray reverses the range 5..10.
    assert_differs("VC-0087", "arrays.b.shape: expected [6] got [5]");
}

#[test]
fn axes_of_extent_at_most_one_get_ndarrays_own_strides() {
    // The empty slice 7:3: NumPy keeps stride 1, `do_slice` sets 0.
    assert_differs("VC-0098", "arrays.b.strides[0]: expected 1 got 0");
    // `broadcast` keeps a source stride for a kept length-1 axis, where
    // NumPy sets 0.
    assert_differs("VC-0236", "arrays.b.strides[0]: expected 0 got 1");
    // `insert_axis` inserts stride 1; NumPy's expand_dims gives the front
    // axis of a (6,) array stride 6.
    assert_differs("VC-0220", "arrays.e.strides[0]: expected 6 got 1");
}

#[test]
fn reshape_views_are_read_only_and_reshape_copies_own_their_data() {
    // `to_shape` returns a CowArray whose borrowed side is an ArrayView.
    assert_differs("VC-0107", "arrays.b.writeable: expected true got false");
    // Its owned side is a plain Array; NumPy's copying reshape returns a
    // view of the copy.
    assert_differs("VC-0115", "arrays.b.owndata: expected false got true");
    // `into_shape_with_order` (copy=False) needs a contiguous source, where
    // NumPy's no-copy reshape also handles a strided one (a[::2] to (3, 4)).
    assert_differs("VC-0156", "steps[2]: expected ok got error ValueError");
    // `flatten_with_order` of a strided 1-d view is the view itself.
    assert_differs("VC-0278", "arrays.r.strides[0]: expected 1 got 2");
}

#[test]
fn to_owned_keeps_the_source_layout() {
    // The C copy of a (2, 0, 1)-transposed (2, 3, 4) array.
    assert_differs("VC-0309", "arrays.c.c_contiguous: expected true got false");
    // A copying reshape of a[::-1] keeps the negative stride.
    assert_differs("VC-0132", "arrays.b.strides[0]: expected 1 got -1");
}

#[test]
fn the_diagonal_is_writeable_in_ndarray() {
    // NumPy's diagonal is a read-only view; ndarray has `diag_mut`.
    assert_differs("VC-0253", "arrays.d.writeable: expected false got true");
    assert_differs("VC-0265", "steps[2]: expected error ValueError got ok");
}

#[test]
fn remove_axis_takes_index_zero_of_any_extent() {
    // squeeze(axis=1) on (1, 6): NumPy raises, `remove_axis` keeps row 0.
    assert_differs("VC-0211", "steps[1]: expected error ValueError got ok");
}

#[test]
fn assign_broadcasting_does_not_drop_leading_length_one_axes() {
    // a[0] = v with a (4,) destination and a (1, 1, 4) value.
    assert_differs("VC-0427", "steps[2]: expected ok got error ValueError");
}

#[test]
fn ndarray_has_no_dimension_or_size_limit_of_numpys() {
    // 129 new axes: NumPy allows 64 dimensions.
    assert_differs("VC-0036", "steps[1]: expected error IndexError got ok");
    // A zero-size broadcast whose other extents multiply to 2^60.
    assert_differs("VC-0637", "steps[1]: expected error ValueError got ok");
}

#[test]
fn i64_add_assign_overflow_depends_on_the_build() {
    // Repeated doubling: NumPy wraps; ndarray's `+=` is i64's `+=`, which
    // panics under overflow checks (debug builds) and wraps otherwise.
    if cfg!(debug_assertions) {
        assert_differs("VC-0479", "steps[34]: expected ok got error OverflowError");
    } else {
        assert_pass(&["VC-0479"]);
    }
}

#[test]
fn what_ndarray_cannot_express_is_unsupported() {
    assert_unsupported("VC-0049", "index kind `array0d`");
    assert_unsupported("VC-0389", "index kind `mask`");
    assert_unsupported("VC-0254", "diagonal other than the main one");
    assert_unsupported("VC-0266", "writes through an index array");
    assert_unsupported("VC-0252", "copy order K");
}
