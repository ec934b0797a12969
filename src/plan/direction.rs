//! The direction of a run, on its own so that `error.rs` and `db/script.rs` can name it without
//! importing the planner, which returns the errors `error.rs` defines.

/// Apply or revert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Run up sections.
    Up,
    /// Run down sections.
    Down,
}
