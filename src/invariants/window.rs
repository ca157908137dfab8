//! One array at a time: its brute-force addresses and window, what the crate
//! reads through it, C/F order helpers, broadcast values, and the short forms
//! of lists used in messages.

use super::*;

/// What the crate reads through `t` (`for_each_value`, its C-order walk)
/// is what the buffer holds at `t`'s brute-force addresses.
pub(crate) fn check_reads(t: &Tracked, cells: &[i64]) -> Result<(), String> {
    let mut k = 0;
    let mut bad = None;
    t.array.for_each_value(|v| {
        if bad.is_none() {
            match t.addrs.get(k) {
                Some(&addr) if cells[addr] == v => {}
                Some(&addr) => {
                    bad = Some(format!(
                    "`{}` reads {v} at element {k} (address {addr}), but the buffer holds {} there",
                    t.name, cells[addr]
                ))
                }
                None => {
                    bad = Some(format!(
                        "`{}` reads more than its {} elements",
                        t.name,
                        t.addrs.len()
                    ))
                }
            }
        }
        k += 1;
    });
    if let Some(m) = bad {
        return Err(m);
    }
    if k != t.addrs.len() {
        return Err(format!(
            "`{}` reads {k} values for {} elements",
            t.name,
            t.addrs.len()
        ));
    }
    Ok(())
}

/// `np.arange(n).reshape(shape).copy(order)`: values, ownership, layout.
pub(crate) fn check_fresh_arange(
    t: &Tracked,
    cells: &[i64],
    shape: &[i64],
    order: Order,
) -> Result<(), (Property, String)> {
    let a = &t.array;
    if a.shape().len() != shape.len() || a.shape().iter().zip(shape).any(|(&x, &y)| x as i64 != y) {
        return Err((
            Property::ResultValues,
            format!("array has shape {:?}, expected {shape:?}", a.shape()),
        ));
    }
    if t.addrs
        .iter()
        .enumerate()
        .any(|(i, &addr)| cells[addr] != i as i64)
    {
        let vals: Vec<i64> = t.addrs.iter().map(|&addr| cells[addr]).collect();
        return Err((
            Property::ResultValues,
            format!("array holds {:?}, expected 0..{}", short(&vals), vals.len()),
        ));
    }
    if !a.owndata() || !a.writeable() {
        return Err((
            Property::CopyIndependence,
            "a new array must own its data and be writeable".into(),
        ));
    }
    let contiguous = if order == Order::F {
        a.is_f_contiguous()
    } else {
        a.is_c_contiguous()
    };
    if !contiguous {
        return Err((
            Property::Contiguity,
            format!(
                "array in order {} is not contiguous that way",
                order.as_str()
            ),
        ));
    }
    Ok(())
}

/// The window checks of one array: structure, addresses, bounds,
/// contiguity. Returns the array with its brute-force addresses.
pub(crate) fn check_window(name: &str, a: &va::Array) -> Result<Tracked, (Property, String)> {
    let (shape, strides, offset) = (a.shape(), a.strides(), a.offset());
    if shape.len() != strides.len() || shape.len() > 64 {
        return Err((
            Property::Structure,
            format!(
                "`{name}` has shape {shape:?} and strides {strides:?} (at most 64 axes, one stride each)"
            ),
        ));
    }
    let len = a.buffer_len();
    // One pass over the brute-force list: bounds, the usize addresses, the
    // range and C-consecutiveness.
    let mut addrs = Vec::new();
    let mut range: Option<(usize, usize)> = None;
    let mut c_contig = true;
    let out_of_bounds = with_brute_addresses(shape, strides, offset, false, |wide| {
        addrs.reserve_exact(wide.len());
        let mut prev = None;
        for (k, &x) in wide.iter().enumerate() {
            if x < 0 || x >= len as i128 {
                return Some((k, x));
            }
            let x = x as usize;
            c_contig &= prev.is_none_or(|p| x == p + 1);
            prev = Some(x);
            range = Some(range.map_or((x, x), |(lo, hi)| (lo.min(x), hi.max(x))));
            addrs.push(x);
        }
        None
    });
    if let Some((k, addr)) = out_of_bounds {
        return Err((
            Property::InBounds,
            format!(
                "`{name}` (shape {shape:?}, strides {strides:?}, offset {offset}) reaches address {addr} at element {k}, outside its buffer of {len}"
            ),
        ));
    }
    let crate_addrs = a.address_iter();
    if crate_addrs.len() != addrs.len() || crate_addrs.zip(&addrs).any(|(x, &y)| x != y as isize) {
        return Err((
            Property::Addresses,
            format!(
                "`{name}`.addresses() = {:?} but offset + Σ i·stride gives {:?}",
                short_isize(&a.addresses()),
                short_usize(&addrs)
            ),
        ));
    }
    // n addresses in F order can only be consecutive if they span exactly
    // n addresses; most views do not, and skip the second enumeration.
    let f_contig = match range {
        Some((lo, hi)) if hi - lo + 1 != addrs.len() => false,
        _ => consecutive(shape, strides, offset, true),
    };
    if a.is_c_contiguous() != c_contig || a.is_f_contiguous() != f_contig {
        return Err((
            Property::Contiguity,
            format!(
                "`{name}` (shape {shape:?}, strides {strides:?}) has c_contiguous={} f_contiguous={}, but its addresses are {}C-consecutive and {}F-consecutive",
                a.is_c_contiguous(),
                a.is_f_contiguous(),
                if c_contig { "" } else { "not " },
                if f_contig { "" } else { "not " },
            ),
        ));
    }
    Ok(Tracked {
        name: name.to_string(),
        array: a.clone(),
        addrs,
        range,
        image: usize::MAX,
    })
}

/// `offset + Σ i_k·strides[k]` for every element, in C (or F) index order,
/// computed from the definition (independent of the crate's incremental
/// walk) and handed to `f`: the addresses of the last (first) axes are
/// built up one axis at a time — `k` copies of the list so far, the `i`-th
/// shifted by `i·stride`. The list lives in a per-thread scratch buffer
/// (this runs for every new array and every write target), so `f` must not
/// call back into this function.
fn with_brute_addresses<R>(
    shape: &[usize],
    strides: &[isize],
    offset: isize,
    f_order: bool,
    f: impl FnOnce(&[i128]) -> R,
) -> R {
    thread_local! {
        static SCRATCH: RefCell<Vec<i128>> = const { RefCell::new(Vec::new()) };
    }
    SCRATCH.with(|scratch| {
        let mut out = scratch.borrow_mut();
        let n: usize = shape.iter().product();
        out.clear();
        if n == 0 {
            return f(&out);
        }
        out.resize(n, 0);
        // `out[..m]` holds the addresses of the axes processed so far (the
        // fastest-varying ones, the others at index 0), in index order.
        out[0] = offset as i128;
        let mut m = 1;
        let mut axis = |k: usize, out: &mut [i128]| {
            let (e, st) = (shape[k], strides[k] as i128);
            for i in (1..e).rev() {
                let shift = i as i128 * st;
                let (head, tail) = out.split_at_mut(i * m);
                for (dst, &src) in tail[..m].iter_mut().zip(&head[..m]) {
                    *dst = src + shift;
                }
            }
            m *= e;
        };
        if f_order {
            (0..shape.len()).for_each(|k| axis(k, &mut out));
        } else {
            (0..shape.len()).rev().for_each(|k| axis(k, &mut out));
        }
        f(&out)
    })
}

/// [`with_brute_addresses`] as a list (for tests).
#[cfg(test)]
fn brute_addresses(shape: &[usize], strides: &[isize], offset: isize, f_order: bool) -> Vec<i128> {
    with_brute_addresses(shape, strides, offset, f_order, |w| w.to_vec())
}

/// The brute-force contiguity definition: the addresses in C (or F) index
/// order are consecutive, or there are none.
fn consecutive(shape: &[usize], strides: &[isize], offset: isize, f_order: bool) -> bool {
    with_brute_addresses(shape, strides, offset, f_order, |w| {
        w.windows(2).all(|w| w[1] == w[0] + 1)
    })
}

/// NumPy's ISFORTRAN from the brute-force definitions (the C half from the
/// C-order addresses the array was tracked with).
pub(crate) fn is_fortran(t: &Tracked) -> bool {
    let a = &t.array;
    consecutive(a.shape(), a.strides(), a.offset(), true)
        && !t.addrs.windows(2).all(|w| w[1] == w[0] + 1)
}

/// The C-order position of the element that comes `j`-th in F index order
/// of an array of `shape`.
pub(crate) fn f_to_c(shape: &[usize], j: usize) -> usize {
    let mut rest = j;
    // The product of the extents after axis k (the C weight of axis k).
    let mut after: usize = shape.iter().product();
    let mut pos = 0;
    for &e in shape {
        // e > 0: only elements that exist are asked for.
        after /= e;
        pos += (rest % e) * after;
        rest /= e;
    }
    pos
}

/// Broadcasts C-order `values` of `from` to `to` (NumPy's rule: right
/// aligned, extents equal or 1). With `drop_leading`, leading length-1 axes
/// of `from` beyond `to`'s rank are dropped first, as assignment does.
pub(crate) fn broadcast_values(
    from: &[usize],
    values: &[i64],
    to: &[usize],
    drop_leading: bool,
) -> Option<Vec<i64>> {
    let mut from = from;
    while drop_leading && from.len() > to.len() && from[0] == 1 {
        from = &from[1..];
    }
    if from.len() > to.len() {
        return None;
    }
    let pad = to.len() - from.len();
    for (k, &e) in from.iter().enumerate() {
        if e != 1 && e != to[pad + k] {
            return None;
        }
    }
    let nd = from.len();
    let mut cst = vec![1usize; nd];
    for k in (0..nd.saturating_sub(1)).rev() {
        cst[k] = cst[k + 1] * from[k + 1];
    }
    let n: usize = to.iter().product();
    Some(
        (0..n)
            .map(|linear| {
                let mut rest = linear;
                let mut pos = 0;
                for k in (0..to.len()).rev() {
                    let i = rest % to[k];
                    rest /= to[k];
                    if k >= pad && from[k - pad] != 1 {
                        pos += i * cst[k - pad];
                    }
                }
                values[pos]
            })
            .collect(),
    )
}

pub(crate) fn sorted(v: &[i64]) -> Vec<i64> {
    let mut v = v.to_vec();
    v.sort_unstable();
    v
}

const SHOWN: usize = 24;

pub(crate) fn short(v: &[i64]) -> Vec<i64> {
    v.iter().take(SHOWN).copied().collect()
}

fn short_isize(v: &[isize]) -> Vec<isize> {
    v.iter().take(SHOWN).copied().collect()
}

fn short_usize(v: &[usize]) -> Vec<usize> {
    v.iter().take(SHOWN).copied().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcast_values_follows_numpy() {
        assert_eq!(
            broadcast_values(&[3], &[1, 2, 3], &[2, 3], false),
            Some(vec![1, 2, 3, 1, 2, 3])
        );
        assert_eq!(
            broadcast_values(&[2, 1], &[1, 2], &[2, 3], false),
            Some(vec![1, 1, 1, 2, 2, 2])
        );
        assert_eq!(broadcast_values(&[1, 3], &[1, 2, 3], &[3], false), None);
        assert_eq!(
            broadcast_values(&[1, 3], &[1, 2, 3], &[3], true),
            Some(vec![1, 2, 3])
        );
        assert_eq!(broadcast_values(&[2], &[1, 2], &[3], false), None);
        assert_eq!(broadcast_values(&[], &[5], &[2], false), Some(vec![5, 5]));
    }

    #[test]
    fn brute_addresses_follow_the_definition() {
        assert_eq!(
            brute_addresses(&[2, 3], &[3, 1], 0, false),
            vec![0, 1, 2, 3, 4, 5]
        );
        assert_eq!(
            brute_addresses(&[2, 3], &[3, 1], 0, true),
            vec![0, 3, 1, 4, 2, 5]
        );
        assert_eq!(
            brute_addresses(&[2, 2], &[-1, 4], 5, false),
            vec![5, 9, 4, 8]
        );
        assert_eq!(brute_addresses(&[], &[], 7, false), vec![7]);
        assert_eq!(
            brute_addresses(&[3, 0], &[1, 1], 0, true),
            Vec::<i128>::new()
        );
        assert!(consecutive(&[2, 1, 3], &[1, 100, 2], 0, true));
        assert!(!consecutive(&[2, 1, 3], &[1, 100, 2], 0, false));
    }

    #[test]
    fn f_order_reads_columns_first() {
        let c: Vec<usize> = (0..6).map(|j| f_to_c(&[2, 3], j)).collect();
        assert_eq!(c, vec![0, 3, 1, 4, 2, 5]);
        let c: Vec<usize> = (0..24).map(|j| f_to_c(&[2, 3, 4], j)).collect();
        assert_eq!(&c[..5], &[0, 12, 4, 16, 8]);
        assert_eq!(f_to_c(&[], 0), 0);
    }
}
