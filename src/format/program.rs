//! The program types: memory orders, nested lists, index items, values, the
//! sixteen steps and [`Program`] itself.

/// Memory order argument of `array`, `reshape`, `ravel`, `flatten`, `copy`, `asarray`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Order {
    C,
    F,
    A,
    K,
}

impl Order {
    /// The string used in JSON and in NumPy.
    pub fn as_str(self) -> &'static str {
        match self {
            Order::C => "C",
            Order::F => "F",
            Order::A => "A",
            Order::K => "K",
        }
    }
}

/// A nested list of index values with its shape (`[]` has shape `(0,)`; a
/// bare value is 0-d).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NdList<T> {
    pub shape: Vec<usize>,
    /// The values in C order.
    pub data: Vec<T>,
}

/// One entry of an index tuple.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Item {
    /// An integer: selects one position and removes the axis.
    Int(i64),
    /// `start:stop:step`, each optional.
    Slice(Option<i64>, Option<i64>, Option<i64>),
    /// `np.newaxis`: inserts a length-1 axis.
    NewAxis,
    /// `...`.
    Ellipsis,
    /// An intp index array (advanced index); a 0-d one acts as an integer that copies.
    Array(NdList<i64>),
    /// A boolean mask (advanced index).
    Mask(NdList<bool>),
    /// `{"var": NAME}` (format 1.2): the array bound to NAME, used as an
    /// intp index array. Its values are read when the step runs, before
    /// anything is written, so it acts as an [`Item::Array`] with NAME's
    /// current shape and values (a 0-d one included).
    Var(String),
}

/// The right-hand side of a write.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    Scalar(i64),
    Var(String),
}

/// One step of a program. Field meanings follow NumPy (see `docs/FORMAT.md`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    Array {
        out: String,
        shape: Vec<i64>,
        order: Order,
    },
    Index {
        out: String,
        src: String,
        index: Vec<Item>,
    },
    Transpose {
        out: String,
        src: String,
        axes: Option<Vec<i64>>,
    },
    Swapaxes {
        out: String,
        src: String,
        axis1: i64,
        axis2: i64,
    },
    Moveaxis {
        out: String,
        src: String,
        source: Vec<i64>,
        destination: Vec<i64>,
    },
    Reshape {
        out: String,
        src: String,
        shape: Vec<i64>,
        order: Order,
        copy: Option<bool>,
    },
    Ravel {
        out: String,
        src: String,
        order: Order,
    },
    Flatten {
        out: String,
        src: String,
        order: Order,
    },
    Squeeze {
        out: String,
        src: String,
        axis: Option<Vec<i64>>,
    },
    ExpandDims {
        out: String,
        src: String,
        axis: Vec<i64>,
    },
    BroadcastTo {
        out: String,
        src: String,
        shape: Vec<i64>,
    },
    Diagonal {
        out: String,
        src: String,
        offset: i64,
        axis1: i64,
        axis2: i64,
    },
    Copy {
        out: String,
        src: String,
        order: Order,
    },
    Asarray {
        out: String,
        src: String,
        order: Order,
    },
    Assign {
        dst: String,
        index: Vec<Item>,
        value: Value,
    },
    AddAssign {
        dst: String,
        index: Vec<Item>,
        value: Value,
    },
}

/// Every op name of format 1, in the order of the format's table.
pub const OPS: [&str; 16] = [
    "array",
    "index",
    "transpose",
    "swapaxes",
    "moveaxis",
    "reshape",
    "ravel",
    "flatten",
    "squeeze",
    "expand_dims",
    "broadcast_to",
    "diagonal",
    "copy",
    "asarray",
    "assign",
    "add_assign",
];

impl Step {
    /// The op name as written in JSON.
    pub fn op(&self) -> &'static str {
        match self {
            Step::Array { .. } => "array",
            Step::Index { .. } => "index",
            Step::Transpose { .. } => "transpose",
            Step::Swapaxes { .. } => "swapaxes",
            Step::Moveaxis { .. } => "moveaxis",
            Step::Reshape { .. } => "reshape",
            Step::Ravel { .. } => "ravel",
            Step::Flatten { .. } => "flatten",
            Step::Squeeze { .. } => "squeeze",
            Step::ExpandDims { .. } => "expand_dims",
            Step::BroadcastTo { .. } => "broadcast_to",
            Step::Diagonal { .. } => "diagonal",
            Step::Copy { .. } => "copy",
            Step::Asarray { .. } => "asarray",
            Step::Assign { .. } => "assign",
            Step::AddAssign { .. } => "add_assign",
        }
    }

    /// The name this step binds, if any.
    pub fn out(&self) -> Option<&str> {
        match self {
            Step::Array { out, .. }
            | Step::Index { out, .. }
            | Step::Transpose { out, .. }
            | Step::Swapaxes { out, .. }
            | Step::Moveaxis { out, .. }
            | Step::Reshape { out, .. }
            | Step::Ravel { out, .. }
            | Step::Flatten { out, .. }
            | Step::Squeeze { out, .. }
            | Step::ExpandDims { out, .. }
            | Step::BroadcastTo { out, .. }
            | Step::Diagonal { out, .. }
            | Step::Copy { out, .. }
            | Step::Asarray { out, .. } => Some(out),
            Step::Assign { .. } | Step::AddAssign { .. } => None,
        }
    }

    /// The array this step reads or writes (`src` or `dst`), if any.
    pub fn src(&self) -> Option<&str> {
        match self {
            Step::Array { .. } => None,
            Step::Index { src, .. }
            | Step::Transpose { src, .. }
            | Step::Swapaxes { src, .. }
            | Step::Moveaxis { src, .. }
            | Step::Reshape { src, .. }
            | Step::Ravel { src, .. }
            | Step::Flatten { src, .. }
            | Step::Squeeze { src, .. }
            | Step::ExpandDims { src, .. }
            | Step::BroadcastTo { src, .. }
            | Step::Diagonal { src, .. }
            | Step::Copy { src, .. }
            | Step::Asarray { src, .. } => Some(src),
            Step::Assign { dst, .. } | Step::AddAssign { dst, .. } => Some(dst),
        }
    }

    /// The index of an `index`, `assign` or `add_assign` step.
    pub fn index(&self) -> Option<&[Item]> {
        match self {
            Step::Index { index, .. }
            | Step::Assign { index, .. }
            | Step::AddAssign { index, .. } => Some(index),
            _ => None,
        }
    }

    /// The names of the `{"var": ...}` items of the step's index, in order
    /// (format 1.2).
    pub fn index_vars(&self) -> impl Iterator<Item = &str> {
        self.index()
            .unwrap_or(&[])
            .iter()
            .filter_map(|item| match item {
                Item::Var(n) => Some(n.as_str()),
                _ => None,
            })
    }

    /// Every name the step reads: `src`/`dst`, the `{"var": ...}` items of
    /// its index and a `{"var": ...}` value.
    pub fn uses(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.src().into_iter().collect();
        v.extend(self.index_vars());
        if let Step::Assign {
            value: Value::Var(n),
            ..
        }
        | Step::AddAssign {
            value: Value::Var(n),
            ..
        } = self
        {
            v.push(n);
        }
        v
    }

    /// The distinct kinds of index item the step uses (`int`, `slice`,
    /// `newaxis`, `ellipsis`, `array`, `array0d`, `mask`, `mask0d`, `var`
    /// (format 1.2, whatever the named array's shape), and `()` for an
    /// empty index), sorted; empty for steps without an index.
    pub fn index_kinds(&self) -> Vec<&'static str> {
        let Some(index) = self.index() else {
            return Vec::new();
        };
        let mut kinds: Vec<&'static str> = index
            .iter()
            .map(|item| match item {
                Item::Int(_) => "int",
                Item::Slice(..) => "slice",
                Item::NewAxis => "newaxis",
                Item::Ellipsis => "ellipsis",
                Item::Array(a) if a.shape.is_empty() => "array0d",
                Item::Array(_) => "array",
                Item::Mask(m) if m.shape.is_empty() => "mask0d",
                Item::Mask(_) => "mask",
                Item::Var(_) => "var",
            })
            .collect();
        if kinds.is_empty() {
            kinds.push("()");
        }
        kinds.sort_unstable();
        kinds.dedup();
        kinds
    }

    /// A short label for statistics and failure signatures: the op, refined
    /// for `index`, `assign` and `add_assign` by the kinds of index items
    /// they use, e.g. `index[array,slice]`.
    pub fn kind_label(&self) -> String {
        let kinds = self.index_kinds();
        if kinds.is_empty() {
            self.op().to_string()
        } else {
            format!("{}[{}]", self.op(), kinds.join(","))
        }
    }
}

/// A format-1 program.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Program {
    pub name: Option<String>,
    pub note: Option<String>,
    pub steps: Vec<Step>,
}
