//! `shares_memory` against brute force: the exact answer must equal whether
//! the two address sets intersect, on many random pairs of views of one
//! buffer (slices with any step, transposes, newaxis, broadcasts, diagonals,
//! reshapes).

use std::collections::HashSet;
use viewcheck_arrays::{may_share_memory, shares_memory, Array, Index, Indexed, Order};

/// xorshift64*: deterministic, no dependencies.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
}

fn random_view(base: &Array, rng: &mut Rng) -> Array {
    let mut a = base.clone();
    for _ in 0..rng.below(5) {
        let nd = a.ndim();
        let next = match rng.below(6) {
            0 | 1 if nd > 0 => {
                let axis = rng.below(nd as u64) as usize;
                let n = a.shape()[axis] as i64;
                let step = *[1i64, 1, 2, 3, -1, -2, 5]
                    .get(rng.below(7) as usize)
                    .unwrap();
                let mut idx = vec![Index::full(); axis];
                idx.push(Index::Slice(
                    Some(rng.range(-n, n)),
                    Some(rng.range(-n, n + 1)),
                    Some(step),
                ));
                match a.get(&idx) {
                    Ok(Indexed::Array(v)) => Some(v),
                    _ => None,
                }
            }
            2 => {
                let mut axes: Vec<i64> = (0..nd as i64).collect();
                for i in (1..axes.len()).rev() {
                    axes.swap(i, rng.below(i as u64 + 1) as usize);
                }
                a.transpose(Some(&axes)).ok()
            }
            3 => {
                let mut shape: Vec<i64> = a.shape().iter().map(|&e| e as i64).collect();
                shape.insert(rng.below(nd as u64 + 1) as usize, rng.range(1, 3));
                a.broadcast_to(&shape).ok()
            }
            4 if nd >= 2 => a.diagonal(rng.range(-2, 2), 0, 1).ok(),
            _ => {
                let n = a.size() as i64;
                let d = [2i64, 3, 4].iter().copied().find(|d| n > 0 && n % d == 0);
                d.and_then(|d| a.reshape(&[d, -1], Order::C, Some(false)).ok())
            }
        };
        if let Some(v) = next {
            a = v;
        }
    }
    a
}

fn brute(a: &Array, b: &Array) -> bool {
    let sa: HashSet<isize> = a.addresses().into_iter().collect();
    b.addresses().iter().any(|x| sa.contains(x))
}

fn bounds(a: &Array, b: &Array) -> bool {
    let ea = viewcheck_arrays::layout::extent(a.shape(), a.strides(), a.offset());
    let eb = viewcheck_arrays::layout::extent(b.shape(), b.strides(), b.offset());
    match (ea, eb) {
        (Some((al, ah)), Some((bl, bh))) => al <= bh && bl <= ah,
        _ => false,
    }
}

#[test]
fn shares_memory_equals_address_intersection_on_100k_pairs() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut yes, mut no) = (0, 0);
    for pair in 0..100_000u32 {
        let nd = rng.below(4) as usize + 1;
        let shape: Vec<usize> = (0..nd).map(|_| rng.below(6) as usize).collect();
        let base = Array::arange(
            &shape,
            if rng.below(2) == 0 {
                Order::C
            } else {
                Order::F
            },
        );
        let a = random_view(&base, &mut rng);
        let b = random_view(&base, &mut rng);
        let expected = brute(&a, &b);
        assert_eq!(
            shares_memory(&a, &b),
            expected,
            "pair {pair}: a shape {:?} strides {:?} offset {}; b shape {:?} strides {:?} offset {}",
            a.shape(),
            a.strides(),
            a.offset(),
            b.shape(),
            b.strides(),
            b.offset()
        );
        assert_eq!(may_share_memory(&a, &b), bounds(&a, &b), "pair {pair}");
        if expected {
            yes += 1;
        } else {
            no += 1;
        }
    }
    // Both answers must be well represented, or the test proves little.
    assert!(yes > 20_000 && no > 20_000, "yes {yes} no {no}");
}

#[test]
fn separate_buffers_never_share() {
    let a = Array::arange(&[4], Order::C);
    let b = a.copy(Order::C);
    assert!(!shares_memory(&a, &b) && !may_share_memory(&a, &b));
}

/// Eight diagonals chained on a `[2; 20]` array (axes taken modulo the
/// shrinking ndim), the layout on which NumPy's exact `shares_memory` runs
/// for minutes: every pair of the chain, and each against a disjoint
/// neighbour, must be decided by the search with little work, never by the
/// fallback.
#[test]
fn diagonal_chain_on_many_length_2_axes_needs_little_search() {
    use viewcheck_arrays::{shares_memory_bounded, Overlap};
    let base = Array::arange(&[2; 20], Order::C);
    let half = |i: i64| match base.get(&[Index::Int(i)]).unwrap() {
        Indexed::Array(v) => v,
        Indexed::Scalar(_) => unreachable!(),
    };
    let mut names = vec![base.clone(), half(0), half(1)];
    let mut cur = half(1);
    for (x, y) in [
        (1, 19),
        (17, 16),
        (2, 18),
        (15, 14),
        (0, 19),
        (16, 15),
        (3, 19),
        (18, 17),
    ] {
        let nd = cur.ndim() as i64;
        cur = cur.diagonal(0, x % nd, y % nd).unwrap();
        names.push(cur.clone());
    }
    let (mut yes, mut no) = (0, 0);
    for a in &names {
        for b in &names {
            let r = shares_memory_bounded(a, b, Some(10_000));
            assert_ne!(r, Overlap::TooHard, "{:?} {:?}", a.strides(), b.strides());
            assert_eq!(r == Overlap::Yes, shares_memory(a, b));
            if r == Overlap::Yes {
                yes += 1;
            } else {
                no += 1;
            }
        }
    }
    assert!(yes > 0 && no > 0, "yes {yes} no {no}");
}
