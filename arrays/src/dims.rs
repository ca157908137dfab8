//! Storage for an array's shape and strides.

use std::fmt;
use std::ops::{Deref, DerefMut};

/// Axes stored inline; arrays with more axes keep theirs on the heap.
const INLINE: usize = 8;

/// The extents or strides of an array's axes: inline up to eight axes, on
/// the heap beyond (up to `MAX_DIMS`).
///
/// Why not a `Vec`: every view operation makes a new window and every
/// clone of an [`Array`](crate::Array) copies one, so a heap allocation per
/// shape and per strides list was most of the allocator traffic of a
/// program (and allocation dominates under sanitizers). Safe code only: the
/// inline form is a plain array plus a length.
#[derive(Clone)]
pub(crate) enum Dims<T: Copy + Default> {
    Inline { len: u8, items: [T; INLINE] },
    Heap(Vec<T>),
}

impl<T: Copy + Default> Dims<T> {
    /// No axes.
    pub(crate) fn new() -> Dims<T> {
        Dims::Inline {
            len: 0,
            items: [T::default(); INLINE],
        }
    }

    /// Appends one axis.
    pub(crate) fn push(&mut self, x: T) {
        match self {
            Dims::Inline { len, items } if (*len as usize) < INLINE => {
                items[*len as usize] = x;
                *len += 1;
            }
            Dims::Inline { len, items } => {
                let mut v = Vec::with_capacity(2 * INLINE);
                v.extend_from_slice(&items[..*len as usize]);
                v.push(x);
                *self = Dims::Heap(v);
            }
            Dims::Heap(v) => v.push(x),
        }
    }
}

impl<T: Copy + Default> Deref for Dims<T> {
    type Target = [T];
    #[inline]
    fn deref(&self) -> &[T] {
        match self {
            Dims::Inline { len, items } => &items[..*len as usize],
            Dims::Heap(v) => v,
        }
    }
}

impl<T: Copy + Default> DerefMut for Dims<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [T] {
        match self {
            Dims::Inline { len, items } => &mut items[..*len as usize],
            Dims::Heap(v) => v,
        }
    }
}

impl<T: Copy + Default> From<&[T]> for Dims<T> {
    fn from(s: &[T]) -> Dims<T> {
        if s.len() <= INLINE {
            let mut items = [T::default(); INLINE];
            items[..s.len()].copy_from_slice(s);
            Dims::Inline {
                len: s.len() as u8,
                items,
            }
        } else {
            Dims::Heap(s.to_vec())
        }
    }
}

impl<T: Copy + Default> From<Vec<T>> for Dims<T> {
    fn from(v: Vec<T>) -> Dims<T> {
        if v.len() <= INLINE {
            Dims::from(v.as_slice())
        } else {
            Dims::Heap(v)
        }
    }
}

impl<T: Copy + Default, const N: usize> From<[T; N]> for Dims<T> {
    fn from(a: [T; N]) -> Dims<T> {
        Dims::from(&a[..])
    }
}

impl<T: Copy + Default> FromIterator<T> for Dims<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Dims<T> {
        let mut d = Dims::new();
        for x in iter {
            d.push(x);
        }
        d
    }
}

impl<'a, T: Copy + Default> IntoIterator for &'a Dims<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T: Copy + Default + fmt::Debug> fmt::Debug for Dims<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spills_to_the_heap_past_the_inline_axes() {
        let mut d: Dims<usize> = Dims::new();
        for k in 0..20 {
            d.push(k);
            assert_eq!(&*d, (0..=k).collect::<Vec<_>>().as_slice());
        }
        assert!(matches!(d, Dims::Heap(_)));
        let small: Dims<isize> = vec![3, -1].into();
        assert!(matches!(small, Dims::Inline { .. }));
        assert_eq!(&*small, &[3, -1]);
        assert_eq!(Dims::from(vec![1usize; 9]).len(), 9);
        assert_eq!(&*Dims::<usize>::from_iter(0..3), &[0, 1, 2]);
    }

    #[test]
    fn debug_prints_the_axes_as_a_slice() {
        // Array's Debug output shows its shape and strides this way.
        assert_eq!(format!("{:?}", Dims::from([3usize, 4])), "[3, 4]");
        assert_eq!(
            format!("{:?}", Dims::from(vec![-1isize; 9])),
            format!("{:?}", [-1; 9])
        );
    }
}
