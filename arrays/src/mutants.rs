//! Semantic mutants: deliberate, plausible NumPy-semantics bugs, for
//! measuring how strong viewcheck's corpus and campaign are (feature
//! `mutants`, test-only; without the feature this module does not exist and
//! every `mutant!` point is the constant `false`).
//!
//! One build serves every mutant: the active one is named by the
//! environment variable `VIEWCHECK_MUTANT`, read once per process (child
//! processes inherit it, so a `check` campaign's workers run the same
//! mutant). Unset or empty: no mutant, the crate behaves as without the
//! feature. An unknown name panics at the first mutation point, so a typo
//! cannot pass for a surviving mutant.
//!
//! Each entry of [`CATALOG`] is a name and the bug it models; the code has
//! a `mutant!("name")` predicate at the one place the bug lives.

use std::sync::OnceLock;

/// The environment variable that selects the active mutant.
pub const ENV: &str = "VIEWCHECK_MUTANT";

/// A mutant: its name (what `VIEWCHECK_MUTANT` takes) and the bug it models.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mutant {
    /// The name used at its mutation point and in `VIEWCHECK_MUTANT`.
    pub name: &'static str,
    /// The NumPy rule it breaks, as the bug an implementer would make.
    pub description: &'static str,
}

const fn m(name: &'static str, description: &'static str) -> Mutant {
    Mutant { name, description }
}

/// Every mutant, grouped by area.
pub const CATALOG: &[Mutant] = &[
    // Arithmetic.
    m("add-overflow-no-warning", "scalar `+=` that overflows int64 wraps but emits no RuntimeWarning"),
    m("add-saturates", "array `+=` saturates at the int64 limits instead of wrapping around"),
    // Flags.
    m("contig-strict-len1", "C/F contiguity also checks the strides of length-1 axes"),
    m("contig-empty-by-strides", "an empty array's contiguity is decided by its strides instead of always both"),
    m("broadcast-writeable", "broadcast_to returns a writeable view"),
    m("diagonal-writeable", "diagonal returns a writeable view"),
    m("fancy-transposed-owndata", "a fancy result handed out as a transposed view of its buffer reports owndata true"),
    m("reshape-copy-owndata", "a reshape that has to copy returns the copy itself (owndata true) rather than a view of it"),
    m("squeeze-noop-new-view", "squeeze with nothing to remove returns a new view (owndata false) instead of the same object"),
    // Strides and layout.
    m("empty-alloc-fill-strides", "fresh empty allocations get contiguous strides instead of all zeros"),
    m("fill-strides-zero-extent", "recomputed view strides multiply by a zero extent instead of treating it as 1"),
    m("k-copy-ignores-fortran", "a K-order copy of an F-contiguous array sorts axes by |stride| (wrong with odd length-1 strides)"),
    m("fancy-result-c-order", "advanced-index results are always C-ordered, ignoring the subspace's stride order"),
    m("newaxis-stride-one", "newaxis inserts an axis with stride 1 instead of 0"),
    m("broadcast-len1-keeps-stride", "broadcast_to keeps the source stride of a length-1 axis instead of 0"),
    m("expand-dims-zero-stride", "expand_dims gives the new axes stride 0, as newaxis does, instead of reshape's strides"),
    m("nbytes-zero-size-exempt", "the too-big byte-size check skips shapes with a zero extent"),
    // Views and copies.
    m("ravel-k-abs-stride", "K-order ravel compares |stride|, so a reversed array ravels to a (wrong) view"),
    m("flatten-k-stride-sort", "K-order flatten orders axes by |stride| like a K copy, not by NumPy's iterator"),
    m("reshape-noncontig-copies", "reshape of a non-contiguous array always copies, never tries the no-copy strides"),
    m("reshape-same-shape-recomputes", "reshape to the literal same shape recomputes strides instead of keeping them"),
    m("asarray-a-copies", "asarray with order A copies arrays that are not C-contiguous"),
    m("scalar-array-index-view", "a 0-d integer index array acts as an integer without the copy"),
    m("diagonal-negative-moves-start", "an empty diagonal (offset beyond the array) still moves the start"),
    // Indexing.
    m("slice-empty-keeps-start", "an empty slice moves the offset and applies the step"),
    m("slice-negative-stop-clamp", "a negative step's very negative stop is clamped to 0 instead of -1 (drops element 0)"),
    m("index-upper-bound-inclusive", "an integer index equal to the extent is accepted"),
    m("index-cap-maxdims", "the index tuple is capped at NPY_MAXDIMS items instead of 2*NPY_MAXDIMS"),
    m("fancy-cap-off-by-one", "64 advanced indices with a subspace are rejected (cap at >= 64 instead of > 64)"),
    m("mask-zero-extent-checked", "a mask axis of extent 0 is checked against the array's extent"),
    m("mask-memory-order", "a full-shape mask selects in memory order instead of logical C order"),
    m("limit-mask-full-size", "LimitExceeded counts a mask as its full size instead of its number of Trues"),
    m("limit-ignores-subspace", "LimitExceeded ignores the axes the basic items and the ellipsis keep"),
    // Errors.
    m("squeeze-axis-error-class", "squeeze of an axis whose length is not 1 raises AxisError instead of ValueError"),
    m("transpose-repeat-accepted", "transpose accepts a repeated axis"),
    m("swapaxes-wraps", "swapaxes wraps out-of-range axes around instead of raising AxisError"),
    m("moveaxis-unsorted", "moveaxis inserts the moved axes in source order instead of by destination"),
    // Writes and overlap.
    m("write-first-wins", "duplicate targets: the first write in C order wins instead of the last"),
    m("assign-unbuffered", "a basic assignment from an overlapping value reads it while writing"),
    m("shares-memory-offset-b", "shares_memory uses the second array's offset instead of its lowest address (negative strides)"),
    m("overlap-bound-off-by-one", "the overlap search's last term excludes its upper bound"),
    m("may-share-empty", "may_share_memory counts an empty array as reaching its offset"),
];

fn active_index() -> Option<usize> {
    static ACTIVE: OnceLock<Option<usize>> = OnceLock::new();
    *ACTIVE.get_or_init(|| {
        let name = std::env::var(ENV).unwrap_or_default();
        if name.is_empty() {
            return None;
        }
        match CATALOG.iter().position(|m| m.name == name) {
            Some(i) => Some(i),
            None => panic!("{ENV}={name}: no such mutant (see viewcheck_arrays::mutants::CATALOG)"),
        }
    })
}

/// The active mutant, if any.
pub fn active() -> Option<&'static Mutant> {
    active_index().map(|i| &CATALOG[i])
}

/// Whether the mutant `name` is active (what `mutant!("name")` expands to).
/// `name` must be in [`CATALOG`] (checked in debug builds).
pub fn is(name: &str) -> bool {
    debug_assert!(
        CATALOG.iter().any(|m| m.name == name),
        "mutation point `{name}` is not in the catalog"
    );
    active().is_some_and(|m| m.name == name)
}

#[cfg(test)]
mod tests {
    use super::CATALOG;

    /// Every name is unique, and every catalog entry has exactly one
    /// mutation point in the sources (and every point is catalogued).
    #[test]
    fn catalog_matches_the_mutation_points() {
        let mut names: Vec<&str> = CATALOG.iter().map(|m| m.name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "duplicate mutant names");
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        let mut points: Vec<String> = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path
                .file_name()
                .is_some_and(|n| n == "mutants.rs" || n == "lib.rs")
            {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for piece in text.split("mutant!(\"").skip(1) {
                points.push(piece.split('"').next().unwrap().to_string());
            }
        }
        points.sort();
        let expected: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        assert_eq!(points, expected, "mutation points vs catalog");
    }
}
