//! Feature tags: the ones a case's program and expectation imply
//! ([`derived_features`]) and the ones it must list ([`expected_features`]).

use super::*;

fn order_tag(o: Order) -> &'static str {
    match o {
        Order::C => "order:C",
        Order::F => "order:F",
        Order::A => "order:A",
        Order::K => "order:K",
    }
}

/// The feature tags a case's program and expectation imply: `op:<op>` for
/// every op, `item:<kind>` for every index item kind, `order:<X>` for every
/// effective memory order, `reshape-copy`, `value:array`, and outcome tags
/// (`format-error`, `limit-exceeded`, `skipped`, `scalar-result`, `warning`,
/// `numpy-deviation`, `error`). `corpus/FEATURES` gives their meanings.
pub fn derived_features(program: &CaseProgram, expect: Option<&Observation>) -> BTreeSet<String> {
    let mut t: BTreeSet<String> = BTreeSet::new();
    let mut add = |s: &str| {
        t.insert(s.to_string());
    };
    match program {
        CaseProgram::Rejected(_) => add("format-error"),
        CaseProgram::Valid(p) => {
            for step in &p.steps {
                add(&format!("op:{}", step.op()));
                match step {
                    Step::Array { order, .. }
                    | Step::Reshape { order, .. }
                    | Step::Ravel { order, .. }
                    | Step::Flatten { order, .. }
                    | Step::Copy { order, .. }
                    | Step::Asarray { order, .. } => add(order_tag(*order)),
                    _ => {}
                }
                if let Step::Reshape { copy: Some(_), .. } = step {
                    add("reshape-copy");
                }
                let index = match step {
                    Step::Index { index, .. }
                    | Step::Assign { index, .. }
                    | Step::AddAssign { index, .. } => index,
                    _ => continue,
                };
                if let Step::Assign {
                    value: Value::Var(_),
                    ..
                }
                | Step::AddAssign {
                    value: Value::Var(_),
                    ..
                } = step
                {
                    add("value:var");
                }
                if index.is_empty() {
                    add("item:empty-tuple");
                }
                for item in index {
                    add(match item {
                        Item::Int(_) => "item:int",
                        Item::Slice(..) => "item:slice",
                        Item::NewAxis => "item:newaxis",
                        Item::Ellipsis => "item:ellipsis",
                        Item::Array(a) if a.shape.is_empty() => "item:array-0d",
                        Item::Array(_) => "item:array",
                        Item::Mask(m) if m.shape.is_empty() => "item:mask-0d",
                        Item::Mask(_) => "item:mask",
                        Item::Var(_) => "item:var",
                    });
                }
            }
        }
    }
    if let Some(e) = expect {
        for s in &e.steps {
            match &s.outcome {
                StepOutcome::Error(c) if c == "LimitExceeded" => add("limit-exceeded"),
                StepOutcome::Error(_) => add("error"),
                StepOutcome::Skipped => add("skipped"),
                StepOutcome::Ok { warning: Some(_) } => add("warning"),
                StepOutcome::Ok { warning: None } => {}
            }
            if s.extra.contains_key("numpy_deviation") {
                add("numpy-deviation");
            }
        }
        if e.arrays.iter().any(|(_, b)| matches!(b, Bound::Scalar(_))) {
            add("scalar-result");
        }
    }
    t
}

/// The `features` a case should carry: its derived tags plus the manual
/// ones it has, sorted.
pub fn expected_features(case: &Case) -> Vec<String> {
    let mut t = derived_features(&case.program, case.expect.as_ref());
    for f in &case.features {
        if MANUAL_FEATURES.contains(&f.as_str()) {
            t.insert(f.clone());
        }
    }
    t.into_iter().collect()
}
