//! Writing new revision files: ids, slugs, timestamps and the rendered template.
//! Everything but [`write_revision`] is pure.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::config::RevisionStyle;
use crate::error::ScaffoldError;
use crate::graph::RevisionGraph;
use crate::source::{self, RevisionId, template};

/// A UTC date and time, to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcTime {
    /// Seconds since the Unix epoch.
    pub unix: i64,
}

impl UtcTime {
    /// Now.
    pub fn now() -> Self {
        let unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
        UtcTime { unix }
    }

    /// (year, month, day, hour, minute, second), by the days-from-civil algorithm in reverse.
    fn fields(self) -> (i64, i64, i64, i64, i64, i64) {
        let days = self.unix.div_euclid(86_400);
        let secs = self.unix.rem_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        (year, month, day, secs / 3600, secs % 3600 / 60, secs % 60)
    }

    /// `2026-11-24 10:31:07 UTC`, for the `created:` header.
    pub fn header(self) -> String {
        let (y, mo, d, h, mi, s) = self.fields();
        format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02} UTC")
    }

    /// `20261124103107`, for timestamp-style ids.
    pub fn compact(self) -> String {
        let (y, mo, d, h, mi, s) = self.fields();
        format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}")
    }
}

/// The next revision id: one more than the largest all-digit id (at least 4 digits wide), or
/// the creation time; never one that exists.
pub fn next_id(graph: &RevisionGraph, style: RevisionStyle, now: UtcTime) -> RevisionId {
    let exists = |s: &str| {
        RevisionId::parse(s)
            .ok()
            .and_then(|id| graph.find(&id))
            .is_some()
    };
    let mut candidate = match style {
        RevisionStyle::Sequence => {
            let (max, width) = graph
                .topological()
                .iter()
                .map(|&i| graph.node(i).id.as_str())
                .filter(|s| s.bytes().all(|b| b.is_ascii_digit()) && s.len() < 19)
                .filter_map(|s| s.parse::<u64>().ok().map(|n| (n, s.len())))
                .fold((0, 4), |(m, w), (n, len)| (m.max(n), w.max(len)));
            Counter::Sequence(max + 1, width)
        }
        RevisionStyle::Timestamp => Counter::Time(now),
    };
    loop {
        let text = candidate.text();
        if !exists(&text) {
            return RevisionId::parse(&text)
                .unwrap_or_else(|_| unreachable!("digits are a valid id"));
        }
        candidate = candidate.next();
    }
}

enum Counter {
    Sequence(u64, usize),
    Time(UtcTime),
}

impl Counter {
    fn text(&self) -> String {
        match self {
            Counter::Sequence(n, width) => format!("{n:0width$}"),
            Counter::Time(t) => t.compact(),
        }
    }

    fn next(self) -> Self {
        match self {
            Counter::Sequence(n, w) => Counter::Sequence(n + 1, w),
            Counter::Time(t) => Counter::Time(UtcTime { unix: t.unix + 1 }),
        }
    }
}

/// `add email_verified to users` → `add_email_verified_to_users`, at most 60 characters.
///
/// Accented Latin letters lose their accents (`Ünïcode` → `unicode`) and a few letters that do not
/// decompose are spelled out (`ß` → `ss`); other letters and digits (Cyrillic, CJK) are kept as
/// they are, so a message in any script still names its file.
pub fn slug(message: &str) -> Result<String, ScaffoldError> {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    let mut out = String::new();
    let folded = message
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase);
    for c in folded {
        if let Some(spelled) = spelled_out(c) {
            out.push_str(spelled);
        } else if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    let mut out = out.trim_end_matches('_').to_owned();
    if out.chars().count() > 60 {
        out = out.chars().take(60).collect::<String>();
        out = out.trim_end_matches('_').to_owned();
    }
    if out.is_empty() {
        Err(ScaffoldError::BadMessage)
    } else {
        Ok(out)
    }
}

/// Latin letters with no decomposition, in the ASCII that readers of those languages use.
fn spelled_out(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'ø' => "o",
        'ł' => "l",
        'đ' | 'ð' => "d",
        'þ' => "th",
        'ı' => "i",
        _ => return None,
    })
}

/// What a new revision file says.
#[derive(Debug, Clone)]
pub struct NewRevision {
    /// Its id.
    pub id: RevisionId,
    /// Its parents.
    pub parents: Vec<RevisionId>,
    /// Its message.
    pub message: String,
    /// When it was made.
    pub created: UtcTime,
    /// Whether both sections run outside a transaction.
    pub no_transaction: bool,
}

impl NewRevision {
    /// The next revision after `graph`, made now, with the id `style` gives it.
    pub fn next(
        graph: &RevisionGraph,
        style: RevisionStyle,
        parents: Vec<RevisionId>,
        message: &str,
        no_transaction: bool,
    ) -> Self {
        let now = UtcTime::now();
        NewRevision {
            id: next_id(graph, style, now),
            parents,
            message: message.trim().to_owned(),
            created: now,
            no_transaction,
        }
    }

    /// `<id>_<slug>.sql`.
    pub fn file_name(&self) -> Result<String, ScaffoldError> {
        Ok(format!("{}_{}.sql", self.id, slug(&self.message)?))
    }

    /// Renders `template_text` (from `template_path`, for errors) and checks that the result parses.
    pub fn render(
        &self,
        template_text: &str,
        template_path: &Path,
    ) -> Result<String, ScaffoldError> {
        let option = if self.no_transaction {
            " transaction:false"
        } else {
            ""
        };
        let parents: Vec<&str> = self.parents.iter().map(RevisionId::as_str).collect();
        let values = BTreeMap::from([
            ("revision", self.id.to_string()),
            ("revises", parents.join(", ")),
            ("message", self.message.replace(['\n', '\r'], " ")),
            ("created", self.created.header()),
            ("up_options", option.to_owned()),
            ("down_options", option.to_owned()),
        ]);
        let fail = |reason: String| ScaffoldError::Template {
            path: template_path.to_owned(),
            reason,
        };
        let text = template::render(template_text, &values).map_err(fail)?;
        // `-- revises: ` of a root would otherwise end in a space.
        let mut text: String = text
            .lines()
            .map(|l| format!("{}\n", l.trim_end()))
            .collect();
        if !template_text.ends_with('\n') {
            text.pop();
        }
        let name = self.file_name()?;
        // A template that cannot produce a loadable file is caught here, not at the next `up`.
        match source::parse(Path::new(&name), text.as_bytes()) {
            Ok(_) => Ok(text),
            Err(e) if e.kind == crate::error::ParseErrorKind::EmptyUp => Ok(text),
            Err(e) => Err(fail(format!(
                "the rendered revision does not parse: {}",
                e.kind
            ))),
        }
    }
}

/// Creates `dir/name` with `text`, refusing to overwrite.
pub fn write_revision(dir: &Path, name: &str, text: &str) -> Result<PathBuf, ScaffoldError> {
    let path = dir.join(name);
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::File::options()
            .write(true)
            .create_new(true)
            .open(&path)?;
        file.write_all(text.as_bytes())
    };
    write().map_err(|source| ScaffoldError::Write {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::test_graph;

    #[test]
    fn formats_utc_times() {
        let t = UtcTime {
            unix: 1_795_516_267,
        };
        assert_eq!(t.header(), "2026-11-24 10:31:07 UTC");
        assert_eq!(t.compact(), "20261124103107");
        assert_eq!(
            UtcTime { unix: 951_782_400 }.header(),
            "2000-02-29 00:00:00 UTC"
        );
    }

    #[test]
    fn next_sequence_id_follows_the_largest_numeric_id() {
        let now = UtcTime { unix: 0 };
        let g = test_graph(&[("0001", &[]), ("0007", &["0001"]), ("abc", &["0007"])]);
        assert_eq!(next_id(&g, RevisionStyle::Sequence, now).as_str(), "0008");
        assert_eq!(
            next_id(&RevisionGraph::default(), RevisionStyle::Sequence, now).as_str(),
            "0001"
        );
        let g = test_graph(&[("19700101000000", &[])]);
        assert_eq!(
            next_id(&g, RevisionStyle::Timestamp, now).as_str(),
            "19700101000001"
        );
    }

    #[test]
    fn slugs_are_lowercase_words_joined_by_underscores() {
        assert_eq!(
            slug("Add email_verified to users!").expect("ok"),
            "add_email_verified_to_users"
        );
        assert_eq!(slug("  Crème brûlée  ").expect("ok"), "creme_brulee");
        assert_eq!(slug("Ünïcode").expect("ok"), "unicode");
        assert_eq!(slug("Straße größe").expect("ok"), "strasse_grosse");
        assert_eq!(slug("таблица users").expect("ok"), "таблица_users");
        assert!(slug("!!!").is_err());
        assert!(slug(&"x".repeat(100)).expect("ok").len() <= 60);
    }

    #[test]
    fn built_in_template_renders_a_file_that_parses() {
        let rev = NewRevision {
            id: RevisionId::parse("0002").expect("valid"),
            parents: vec![RevisionId::parse("0001").expect("valid")],
            message: "add prefs".into(),
            created: UtcTime { unix: 0 },
            no_transaction: true,
        };
        let text = rev
            .render(template::BUILT_IN, Path::new("built-in"))
            .expect("renders");
        assert!(text.contains("-- revises: 0001"));
        assert!(text.contains("-- migrate:up transaction:false"));
        assert!(rev.render("{{oops}}", Path::new("t")).is_err());
    }
}
