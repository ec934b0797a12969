//! Revision ids, on their own so that `error.rs` can name them without importing the module
//! whose parse errors it defines (which would make the two import each other).

use std::fmt;

/// A revision's id: ASCII letters, digits and `-`, never empty.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct RevisionId(String);

impl RevisionId {
    /// Validates `s` as a revision id.
    ///
    /// ```
    /// use brainmig::RevisionId;
    /// assert!(RevisionId::parse("0007").is_ok());
    /// assert!(RevisionId::parse("20261124-a").is_ok());
    /// assert!(RevisionId::parse("no spaces").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Self, InvalidRevisionId> {
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            Ok(RevisionId(s.to_owned()))
        } else {
            Err(InvalidRevisionId(s.to_owned()))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RevisionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

/// A string that is not a valid revision id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", if .0.is_empty() { "empty revision id: use ASCII letters, digits and `-`".to_owned() } else { format!("`{}` is not a valid revision id: use ASCII letters, digits and `-` only", .0) })]
pub struct InvalidRevisionId(pub String);
