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
