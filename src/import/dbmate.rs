//! dbmate: `.sql` files directly in `db/migrations/`, named `<digits>...sql` (the digits are the
//! version), each with a `-- migrate:up` section and usually a `-- migrate:down` one; a marker
//! may carry `transaction:false`. The format is brainmig's own minus the headers, so the sections
//! carry over as they are. dbmate applies files in version order.

use std::path::Path;

use super::{ImportError, Migration, Reading, Skipped, Sql, Tool, Up, read_text};

/// `(version, name)` of a dbmate file name: leading digits, ending in `.sql`.
fn parse_name(name: &str) -> Option<(&str, &str)> {
    let stem = name.strip_suffix(".sql")?;
    let digits = stem.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let (version, rest) = stem.split_at(digits);
    Some((version, rest.trim_start_matches(['_', '-'])))
}

/// A dbmate section marker: `-- migrate:up` or `--migrate:down`, with options after it.
fn marker(line: &str) -> Option<(bool, &str)> {
    let rest = line.trim().strip_prefix("--")?.trim_start();
    let rest = rest.strip_prefix("migrate:")?;
    if let Some(options) = rest.strip_prefix("up") {
        return (options.is_empty() || options.starts_with(char::is_whitespace))
            .then_some((true, options));
    }
    let options = rest.strip_prefix("down")?;
    (options.is_empty() || options.starts_with(char::is_whitespace)).then_some((false, options))
}

/// True for a `-- migrate:up` line, which tells a dbmate (or brainmig) file apart.
pub(super) fn is_up_marker(line: &str) -> bool {
    marker(line).is_some_and(|(up, _)| up)
}

pub(super) fn read(dir: &Path) -> Result<Reading, ImportError> {
    let mut migrations = Vec::new();
    let mut skipped = Vec::new();
    for (path, name) in super::visible_entries(dir)? {
        let parsed = parse_name(&name).filter(|_| path.is_file());
        let Some((version, title)) = parsed else {
            let reason = if path.is_dir() {
                "a folder (dbmate reads only the files directly in its folder)"
            } else {
                "not named `<version>_<name>.sql`"
            };
            skipped.push(Skipped {
                path,
                reason: reason.into(),
            });
            continue;
        };
        let text = read_text(&path)?;
        let (up, down) = sections(&path, &text)?;
        migrations.push(Migration {
            version: version.to_owned(),
            name: title.to_owned(),
            source: path,
            up: Up::Sql(up),
            down,
            checksum: None,
            parents: None,
            message: None,
        });
    }
    Ok(Reading {
        tool: Tool::Dbmate,
        dir: dir.to_owned(),
        migrations,
        skipped,
    })
}

/// The up and down sections of a dbmate file, with their `transaction` options.
fn sections(path: &Path, text: &str) -> Result<(Sql, Option<Sql>), ImportError> {
    let mut up: Option<Sql> = None;
    let mut down: Option<Sql> = None;
    let mut current: Option<bool> = None;
    for line in text.split_inclusive('\n') {
        if let Some((is_up, options)) = marker(line) {
            let transactional = !options.split_whitespace().any(|o| o == "transaction:false");
            let section = Sql {
                text: String::new(),
                transactional,
            };
            if is_up {
                up = Some(section);
            } else {
                down = Some(section);
            }
            current = Some(is_up);
            continue;
        }
        let target = match current {
            Some(true) => up.as_mut(),
            Some(false) => down.as_mut(),
            None => None,
        };
        if let Some(section) = target {
            section.text.push_str(line);
        }
    }
    let Some(up) = up else {
        return Err(ImportError::WrongLayout {
            tool: Tool::Dbmate,
            path: path.to_owned(),
            reason: "it has no `-- migrate:up` line".into(),
            looks_like: super::looks_like_sqlx(path),
        });
    };
    Ok((up, down))
}
