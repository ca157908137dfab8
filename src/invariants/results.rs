//! Op-specific facts about a new array: which buffer it lives on, which
//! addresses it reaches and which values it holds, per op.

use super::*;

impl Checker {
    /// Op-specific facts about a new array `k` made from source `s`.
    pub(crate) fn check_result(
        &self,
        step: &Step,
        s: usize,
        k: usize,
    ) -> Result<(), (Property, String)> {
        let (src, res) = (&self.arrays[s], &self.arrays[k]);
        let (x, r) = (&src.array, &res.array);
        let same = r.same_buffer(x);
        let identical = same
            && r.shape() == x.shape()
            && r.strides() == x.strides()
            && r.offset() == x.offset();
        let ci = |m: String| Err((Property::CopyIndependence, m));
        let rv = |m: String| Err((Property::ResultValues, m));
        // A result lives on its source's buffer or on a brand-new one.
        if !same {
            if let Some(t) = self.arrays[..k].iter().find(|t| t.array.same_buffer(r)) {
                return ci(format!(
                    "`{}` lives on the buffer of `{}`, which is not its source `{}`",
                    res.name, t.name, src.name
                ));
            }
        }
        if r.owndata() && same && !(identical && x.owndata()) {
            return ci(format!(
                "`{}` owns its data but lives on the buffer of its source `{}`",
                res.name, src.name
            ));
        }
        let must_copy = |what: &str| {
            if same {
                ci(format!(
                    "{what} `{}` shares the buffer of its source `{}`",
                    res.name, src.name
                ))
            } else {
                Ok(())
            }
        };
        let must_view = |what: &str| {
            if !same {
                return ci(format!(
                    "the {what} `{}` is not on the buffer of its source `{}`",
                    res.name, src.name
                ));
            }
            if r.owndata() && !identical {
                return ci(format!("the {what} `{}` owns its data", res.name));
            }
            Ok(())
        };
        let subset = |what: &str| {
            let mut of = self.marks.borrow_mut();
            of.set(&src.addrs, x.buffer_len());
            match res.addrs.iter().find(|&&a| !of.has(a)) {
                Some(a) => Err((
                    Property::ViewAddresses,
                    format!(
                        "the {what} `{}` reaches address {a}, which its source `{}` does not",
                        res.name, src.name
                    ),
                )),
                None => Ok(()),
            }
        };
        let same_addresses = |what: &str| {
            let mut a = src.addrs.clone();
            let mut b = res.addrs.clone();
            a.sort_unstable();
            b.sort_unstable();
            if a != b {
                return Err((
                    Property::ViewAddresses,
                    format!(
                        "the {what} `{}` does not reach exactly the addresses of its source `{}`",
                        res.name, src.name
                    ),
                ));
            }
            Ok(())
        };
        let inherits_writeable = |what: &str| {
            if r.writeable() != x.writeable() {
                return Err((
                    Property::CopyIndependence,
                    format!(
                        "the {what} `{}` has writeable={} but its source `{}` has {}",
                        res.name,
                        r.writeable(),
                        src.name,
                        x.writeable()
                    ),
                ));
            }
            Ok(())
        };
        let fresh_copy = |what: &str| -> Result<(), (Property, String)> {
            must_copy(what)?;
            if !r.owndata() || !r.writeable() {
                return ci(format!(
                    "the {what} `{}` has owndata={} writeable={}",
                    res.name,
                    r.owndata(),
                    r.writeable()
                ));
            }
            if let Some(st) = r.strides().iter().find(|&&st| st < 0) {
                return ci(format!(
                    "the {what} `{}` has a negative stride {st}",
                    res.name
                ));
            }
            Ok(())
        };
        // Values are compared in place (no copies) on the common paths;
        // the lists are built only for the rarer checks and for messages.
        let xv = || self.values(s);
        let rvals = || self.values(k);
        let values_in = |order: Order, what: &str| -> Result<(), (Property, String)> {
            // A means F for an ISFORTRAN source, C otherwise.
            let order = match order {
                Order::A if is_fortran(src) => Order::F,
                Order::A => Order::C,
                o => o,
            };
            let (xc, rc) = (&self.images[src.image].cells, &self.images[res.image].cells);
            let ok = src.addrs.len() == res.addrs.len()
                && match order {
                    Order::C | Order::A => src
                        .addrs
                        .iter()
                        .zip(&res.addrs)
                        .all(|(&a, &b)| xc[a] == rc[b]),
                    Order::F => (0..src.addrs.len()).all(|j| {
                        xc[src.addrs[f_to_c(x.shape(), j)]] == rc[res.addrs[f_to_c(r.shape(), j)]]
                    }),
                    Order::K => sorted(&rvals()) == sorted(&xv()),
                };
            if !ok {
                return rv(format!(
                    "the {what} `{}` holds {:?}, not the values of `{}` ({:?}) in {} order",
                    res.name,
                    short(&rvals()),
                    src.name,
                    short(&xv()),
                    order.as_str()
                ));
            }
            Ok(())
        };
        match step {
            Step::Index { index, .. } => {
                let basic = index.iter().all(|it| {
                    matches!(
                        it,
                        Item::Int(_) | Item::Slice(..) | Item::NewAxis | Item::Ellipsis
                    )
                });
                if basic {
                    must_view("basic-index view")?;
                    inherits_writeable("basic-index view")?;
                    subset("basic-index view")?;
                } else {
                    must_copy("the advanced-index result")?;
                    let have = sorted(&xv());
                    if let Some(val) = rvals().iter().find(|v| have.binary_search(v).is_err()) {
                        return rv(format!(
                            "the advanced-index result `{}` holds {val}, which `{}` does not",
                            res.name, src.name
                        ));
                    }
                }
            }
            Step::Transpose { .. } | Step::Swapaxes { .. } | Step::Moveaxis { .. } => {
                must_view("transposed view")?;
                inherits_writeable("transposed view")?;
                same_addresses("transposed view")?;
            }
            Step::Squeeze { .. } | Step::ExpandDims { .. } => {
                must_view("view")?;
                inherits_writeable("view")?;
                same_addresses("view")?;
                values_in(Order::C, "view")?;
            }
            Step::Reshape { order, copy, .. } => {
                if *order == Order::K {
                    return rv("reshape with order K succeeded".into());
                }
                if r.owndata() {
                    return ci(format!("the reshape result `{}` owns its data", res.name));
                }
                match copy {
                    Some(true) => must_copy("the reshape(copy=True) result")?,
                    Some(false) => must_view("reshape(copy=False) result")?,
                    None => {}
                }
                if same {
                    same_addresses("reshaped view")?;
                }
                values_in(*order, "reshape result")?;
            }
            Step::Ravel { order, .. } => {
                if same {
                    must_view("ravel view")?;
                    same_addresses("ravel view")?;
                } else {
                    fresh_copy("ravel copy")?;
                }
                values_in(*order, "ravel result")?;
            }
            Step::Flatten { order, .. } => {
                fresh_copy("flatten result")?;
                values_in(*order, "flatten result")?;
            }
            Step::Copy { .. } => {
                fresh_copy("copy")?;
                values_in(Order::C, "copy")?;
            }
            Step::Asarray { .. } => {
                if same {
                    if !identical {
                        return ci(format!(
                            "asarray result `{}` is on its source's buffer but is not the same array",
                            res.name
                        ));
                    }
                } else {
                    fresh_copy("asarray copy")?;
                }
                values_in(Order::C, "asarray result")?;
            }
            Step::BroadcastTo { .. } => {
                must_view("broadcast view")?;
                if r.writeable() {
                    return ci(format!("the broadcast view `{}` is writeable", res.name));
                }
                if !res.addrs.is_empty() {
                    let set = |v: &[usize]| {
                        let mut v = v.to_vec();
                        v.sort_unstable();
                        v.dedup();
                        v
                    };
                    if set(&src.addrs) != set(&res.addrs) {
                        return Err((
                            Property::ViewAddresses,
                            format!(
                                "the broadcast view `{}` does not reach exactly the addresses of `{}`",
                                res.name, src.name
                            ),
                        ));
                    }
                }
                let (xv, rvals) = (xv(), rvals());
                if broadcast_values(x.shape(), &xv, r.shape(), false).as_ref() != Some(&rvals) {
                    return rv(format!(
                        "the broadcast view `{}` holds {:?}, not `{}` ({:?}) broadcast",
                        res.name,
                        short(&rvals),
                        src.name,
                        short(&xv)
                    ));
                }
            }
            Step::Diagonal { .. } => {
                must_view("diagonal view")?;
                if r.writeable() {
                    return ci(format!("the diagonal view `{}` is writeable", res.name));
                }
                subset("diagonal view")?;
            }
            _ => {}
        }
        Ok(())
    }
}
