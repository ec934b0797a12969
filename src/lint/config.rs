//! `[package.metadata.brainmig.lint]`: rules turned off, severities changed, the target version.
//!
//! ```toml
//! [package.metadata.brainmig.lint]
//! disable = ["BM013"]                          # codes or names
//! severity = { BM014 = "warning", BM009 = "error", BM020 = "off" }
//! target-version = 15                          # when no server answers
//! ```
//!
//! Unknown keys, codes and severities are errors, as everywhere else in the configuration.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use super::rules::{self, Rule, Severity};
use crate::error::ConfigError;

/// The lint table, read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LintConfig {
    /// Severity per code, where it differs from the rule's; `None` turns the rule off.
    overrides: HashMap<&'static str, Option<Severity>>,
    /// `target-version`.
    pub target_version: Option<u32>,
}

impl LintConfig {
    /// Reads the table (`value`) named `table` in `manifest`.
    pub fn read(value: &Value, table: &str, manifest: &Path) -> Result<Self, ConfigError> {
        let bad = |key: &str, expected: &'static str| ConfigError::BadValue {
            key: key.to_owned(),
            table: table.to_owned(),
            manifest: manifest.to_owned(),
            expected,
        };
        let Value::Object(map) = value else {
            return Err(bad("lint", "a table"));
        };
        let rule = |key: &str, code: &str| {
            rules::find(code).ok_or_else(|| bad(key, "a list of rule codes such as \"BM001\""))
        };
        let mut config = LintConfig::default();
        for (key, value) in map {
            match (key.as_str(), value) {
                ("disable", Value::Array(codes)) => {
                    for code in codes {
                        let Value::String(code) = code else {
                            return Err(bad(key, "a list of rule codes such as \"BM001\""));
                        };
                        config.overrides.insert(rule(key, code)?.code, None);
                    }
                }
                ("disable", _) => return Err(bad(key, "a list of rule codes such as \"BM001\"")),
                ("severity", Value::Object(levels)) => {
                    let expected =
                        "a table of rule codes to \"error\", \"warning\", \"style\" or \"off\"";
                    for (code, level) in levels {
                        let rule = rules::find(code).ok_or_else(|| bad(key, expected))?;
                        let level = match level {
                            Value::String(s) => Severity::parse(s),
                            _ => None,
                        }
                        .ok_or_else(|| bad(key, expected))?;
                        config.overrides.entry(rule.code).or_insert(level);
                    }
                }
                ("severity", _) => {
                    return Err(bad(
                        key,
                        "a table of rule codes to \"error\", \"warning\", \"style\" or \"off\"",
                    ));
                }
                ("target-version", Value::Number(n)) => {
                    let version = n
                        .as_u64()
                        .filter(|v| (9..=99).contains(v))
                        .ok_or_else(|| bad(key, "a PostgreSQL major version such as 15"))?;
                    config.target_version = Some(version as u32);
                }
                ("target-version", _) => {
                    return Err(bad(key, "a PostgreSQL major version such as 15"));
                }
                _ => {
                    return Err(ConfigError::UnknownKey {
                        key: key.clone(),
                        table: table.to_owned(),
                        manifest: manifest.to_owned(),
                    });
                }
            }
        }
        Ok(config)
    }

    /// True when the configuration turns `rule` off (not merely a style rule left off).
    pub fn turns_off(&self, rule: &Rule) -> bool {
        matches!(self.overrides.get(rule.code), Some(None))
    }

    /// The severity `rule` reports at, or `None` when it is off (style rules are off unless
    /// the configuration gives them a severity).
    pub fn severity(&self, rule: &Rule) -> Option<Severity> {
        match self.overrides.get(rule.code) {
            Some(level) => *level,
            None if rule.severity == Severity::Style => None,
            None => Some(rule.severity),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(value: Value) -> Result<LintConfig, ConfigError> {
        LintConfig::read(
            &value,
            "package.metadata.brainmig.lint",
            Path::new("Cargo.toml"),
        )
    }

    #[test]
    fn disables_changes_severities_and_enables_style_rules() {
        let c = read(json!({
            "disable": ["BM013", "drop-table"],
            "severity": {"BM014": "warning", "BM009": "error"},
            "target-version": 12
        }))
        .expect("ok");
        assert_eq!(c.severity(&rules::PREFER_BIGINT_IDENTITY), None);
        assert_eq!(c.severity(&rules::DROP_TABLE), None);
        assert_eq!(c.severity(&rules::PREFER_TEXT), Some(Severity::Warning));
        assert_eq!(c.severity(&rules::PREFER_TIMESTAMPTZ), None);
        assert_eq!(c.severity(&rules::DROP_COLUMN), Some(Severity::Error));
        assert_eq!(c.severity(&rules::CREATE_INDEX), Some(Severity::Error));
        assert_eq!(c.target_version, Some(12));
    }

    #[test]
    fn unknown_keys_codes_and_levels_are_errors() {
        let unknown = read(json!({"disabled": ["BM001"]})).expect_err("refused");
        assert!(matches!(unknown, ConfigError::UnknownKey { ref key, .. } if key == "disabled"));
        assert!(read(json!({"disable": ["BM999"]})).is_err());
        assert!(read(json!({"severity": {"BM001": "fatal"}})).is_err());
        assert!(read(json!({"target-version": "15"})).is_err());
    }
}
