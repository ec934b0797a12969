//! Target expressions: `head`, `heads`, `base`, a revision or unique prefix, `+N`, `-N`.

use std::fmt;
use std::str::FromStr;

use crate::error::PlanError;

/// Where `up` or `down` should take the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The single head; refused when there are several.
    Head,
    /// Every head.
    Heads,
    /// Nothing applied.
    Base,
    /// A revision id or a unique prefix of one, resolved against the graph later.
    Revision(String),
    /// `+N` (forward) or `-N` (back) from the current state.
    Relative(i64),
}

impl FromStr for Target {
    type Err = PlanError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || PlanError::BadTarget(s.to_owned());
        Ok(match s {
            "head" => Target::Head,
            "heads" => Target::Heads,
            "base" => Target::Base,
            "" => return Err(bad()),
            _ if s.starts_with(['+', '-']) => {
                let n: i64 = s.parse().map_err(|_| bad())?;
                if n == 0 {
                    return Err(bad());
                }
                Target::Relative(n)
            }
            _ if s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') => {
                Target::Revision(s.to_owned())
            }
            _ => return Err(bad()),
        })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Head => f.write_str("head"),
            Target::Heads => f.write_str("heads"),
            Target::Base => f.write_str("base"),
            Target::Revision(r) => f.write_str(r),
            Target::Relative(n) => write!(f, "{n:+}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        let cases = [
            ("head", Target::Head),
            ("heads", Target::Heads),
            ("base", Target::Base),
            ("0007", Target::Revision("0007".into())),
            ("3fa", Target::Revision("3fa".into())),
            ("+2", Target::Relative(2)),
            ("-1", Target::Relative(-1)),
        ];
        for (text, expected) in cases {
            assert_eq!(text.parse::<Target>().expect(text), expected);
            assert_eq!(expected.to_string(), text);
        }
    }

    #[test]
    fn rejects_garbage() {
        for text in ["", "+0", "-x", "+", "a b", "head;drop", "--1"] {
            assert!(
                matches!(text.parse::<Target>(), Err(PlanError::BadTarget(_))),
                "{text}"
            );
        }
    }
}

/// The invariants of `fuzz/fuzz_targets/target_expr.rs`, so that the normal test suite keeps
/// them honest: parsing never panics, and whatever parses prints back to itself.
#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Text near the grammar (signs, digits, id characters, keywords, huge numbers) or anything.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[+-]{0,2}[0-9a-zA-Z-]{0,12}",
            "[+-]?[0-9]{17,22}",
            proptest::sample::select(vec!["head", "heads", "base", "Head", "head ", "+", "-"])
                .prop_map(str::to_owned),
            any::<i64>().prop_map(|n| format!("{n:+}")),
            "(?s).{0,16}",
        ]
    }

    proptest! {
        #[test]
        fn whatever_parses_prints_back_to_the_same_target(s in text()) {
            if let Ok(target) = s.parse::<Target>() {
                let printed = target.to_string();
                prop_assert_eq!(printed.parse::<Target>().ok(), Some(target.clone()));
                match target {
                    Target::Relative(n) => prop_assert_ne!(n, 0),
                    Target::Revision(r) => {
                        prop_assert!(!r.is_empty() && !r.starts_with(['+', '-']));
                        prop_assert_eq!(&printed, &s);
                    }
                    _ => prop_assert_eq!(&printed, &s),
                }
            }
        }

        #[test]
        fn every_target_round_trips(
            target in prop_oneof![
                Just(Target::Head),
                Just(Target::Heads),
                Just(Target::Base),
                any::<i64>().prop_filter("nonzero", |&n| n != 0).prop_map(Target::Relative),
                "[0-9a-zA-Z][0-9a-zA-Z-]{0,12}"
                    .prop_filter("not a keyword", |r| !["head", "heads", "base"].contains(&r.as_str()))
                    .prop_map(Target::Revision),
            ],
        ) {
            prop_assert_eq!(target.to_string().parse::<Target>().ok(), Some(target));
        }
    }
}
