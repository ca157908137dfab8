//! NumPy version specs of cases (`>=2.4.6,<2.5`): [`version_matches`].

pub(crate) fn parse_version(v: &str) -> Option<Vec<u64>> {
    let parts: Option<Vec<u64>> = v.split('.').map(|p| p.parse().ok()).collect();
    parts.filter(|p| !p.is_empty() && p.len() <= 4)
}

fn cmp_versions(a: &[u64], b: &[u64]) -> std::cmp::Ordering {
    let n = a.len().max(b.len());
    (0..n)
        .map(|i| {
            a.get(i)
                .copied()
                .unwrap_or(0)
                .cmp(&b.get(i).copied().unwrap_or(0))
        })
        .find(|o| o.is_ne())
        .unwrap_or(std::cmp::Ordering::Equal)
}

/// Whether NumPy `version` (e.g. `2.4.6`) satisfies `spec`: an exact version
/// (`2.4.6`) or comma-separated clauses `OPversion` with OP one of `>=`,
/// `<=`, `>`, `<`, `==`, `!=` (e.g. `>=2.4.6,<2.5`). Versions compare
/// numerically, missing components counting as 0. `None` when the spec or
/// the version is malformed.
pub fn version_matches(spec: &str, version: &str) -> Option<bool> {
    let v = parse_version(version)?;
    let mut all = true;
    for clause in spec.split(',') {
        let clause = clause.trim();
        let (op, rest) = ["==", ">=", "<=", "!=", ">", "<"]
            .iter()
            .find_map(|op| clause.strip_prefix(op).map(|r| (*op, r)))
            .unwrap_or(("==", clause));
        let w = parse_version(rest.trim())?;
        let o = cmp_versions(&v, &w);
        let ok = match op {
            "==" => o.is_eq(),
            "!=" => o.is_ne(),
            ">=" => o.is_ge(),
            "<=" => o.is_le(),
            ">" => o.is_gt(),
            _ => o.is_lt(),
        };
        all &= ok;
    }
    Some(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_specs() {
        assert_eq!(version_matches(">=2.4.6,<2.5", "2.4.6"), Some(true));
        assert_eq!(version_matches(">=2.4.6,<2.5", "2.5.0"), Some(false));
        assert_eq!(version_matches("2.4.6", "2.4.6"), Some(true));
        assert_eq!(version_matches("2.4", "2.4.0"), Some(true));
        assert_eq!(version_matches(">=x", "2.4.6"), None);
    }
}
