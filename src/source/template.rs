//! Revision templates: the built-in one from `templates/revision.sql`, or the project's own.
//! Placeholders are `{{name}}`; an unknown one is an error rather than text left in the file.

use std::collections::BTreeMap;

/// The template compiled into the binary.
pub const BUILT_IN: &str = include_str!("../../templates/revision.sql");

/// Placeholders a template may use.
pub const PLACEHOLDERS: &[&str] = &[
    "revision",
    "revises",
    "message",
    "created",
    "up_options",
    "down_options",
];

/// Replaces every `{{name}}` in `template` with its value.
///
/// ```
/// use std::collections::BTreeMap;
/// use brainmig::source::template::render;
/// let values = BTreeMap::from([("revision", "0002".to_string())]);
/// assert_eq!(render("-- revision: {{revision}}", &values).unwrap(), "-- revision: 0002");
/// assert!(render("{{nope}}", &values).is_err());
/// ```
pub fn render(template: &str, values: &BTreeMap<&str, String>) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let close = after
            .find("}}")
            .ok_or_else(|| "a `{{` is never closed with `}}`".to_owned())?;
        let name = after[..close].trim();
        let value = values
            .get(name)
            .ok_or_else(|| format!("unknown placeholder `{{{{{name}}}}}`"))?;
        out.push_str(value);
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    Ok(out)
}
