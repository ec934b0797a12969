//! Comparing SQL text the way a reviewer reads it: by its tokens, not its layout. Pure.
//!
//! Uses the project's own lexer ([`crate::source::tokens`]), so blanks inside string literals,
//! quoted identifiers and dollar-quoted text still count: only the blanks between tokens do not.

use crate::source::{TokenKind, tokens};

/// The tokens of `sql` other than whitespace, as text; `None` if it does not lex.
fn words(sql: &str) -> Option<Vec<&str>> {
    tokens(sql)
        .filter(|t| !matches!(t, Ok(t) if t.kind == TokenKind::Whitespace))
        .map(|t| t.map(|t| &sql[t.start..t.end]))
        .collect::<Result<_, _>>()
        .ok()
}

/// Whether `a` and `b` differ at most in whitespace between tokens.
pub fn same_but_blanks(a: &str, b: &str) -> bool {
    a == b || matches!((words(a), words(b)), (Some(x), Some(y)) if x == y)
}

/// When `a` and `b` are the same query except for the order of the items of its first select
/// list (a view over `t.*` after `t`'s columns moved), those items as in `a` and as in `b`,
/// each spelled with blanks only between words.
pub fn select_list_reordered(a: &str, b: &str) -> Option<(Vec<String>, Vec<String>)> {
    let (a, b) = (words(a)?, words(b)?);
    let (a_head, a_items, a_tail) = select_list(&a)?;
    let (b_head, b_items, b_tail) = select_list(&b)?;
    if a_head != b_head || a_tail != b_tail || a_items == b_items {
        return None;
    }
    let (mut sorted_a, mut sorted_b) = (a_items.clone(), b_items.clone());
    sorted_a.sort();
    sorted_b.sort();
    (sorted_a == sorted_b).then_some((a_items, b_items))
}

/// The tokens up to the first top-level `SELECT`, its items (split at top-level commas) and the tokens from the `FROM` (or end) after them.
#[allow(clippy::type_complexity)]
fn select_list<'a>(words: &'a [&'a str]) -> Option<(&'a [&'a str], Vec<String>, &'a [&'a str])> {
    let mut depth = 0usize;
    let mut select = None;
    let mut end = words.len();
    for (i, w) in words.iter().enumerate() {
        match *w {
            "(" => depth += 1,
            ")" => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            _ if select.is_none() && w.eq_ignore_ascii_case("select") => select = Some(i),
            _ if select.is_some() && (w.eq_ignore_ascii_case("from") || *w == ";") => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    let start = select? + 1;
    let mut items = Vec::new();
    let mut item: Vec<&str> = Vec::new();
    depth = 0;
    for w in &words[start..end] {
        match *w {
            "(" => depth += 1,
            ")" => depth = depth.saturating_sub(1),
            "," if depth == 0 => {
                items.push(spelled(&item));
                item.clear();
                continue;
            }
            _ => {}
        }
        item.push(w);
    }
    items.push(spelled(&item));
    Some((&words[..start], items, &words[end..]))
}

/// Tokens written back as a person would: a space only where two words would otherwise merge.
fn spelled(tokens: &[&str]) -> String {
    let wordy = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || "_$\"'".contains(c));
    let mut out = String::new();
    for t in tokens {
        if wordy(out.chars().last()) && wordy(t.chars().next()) {
            out.push(' ');
        }
        out.push_str(t);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanks_between_tokens_do_not_count_and_blanks_in_literals_do() {
        let a = "BEGIN\n    NEW.updated_at := now();\n    RETURN NEW;\nEND;";
        let b = "BEGIN NEW.updated_at:=now(); RETURN NEW;\n\n END;";
        assert!(same_but_blanks(a, b));
        assert!(!same_but_blanks("RETURN 'a b';", "RETURN 'a  b';"));
        assert!(!same_but_blanks("SELECT $x$a b$x$", "SELECT $x$a  b$x$"));
        assert!(!same_but_blanks("SELECT ab", "SELECT a b"));
        assert!(!same_but_blanks("RETURN NEW;", "RETURN OLD;"));
        // Comments are text a reviewer reads: they count.
        assert!(!same_but_blanks("x -- one\n", "x -- two\n"));
    }

    #[test]
    fn a_select_list_in_another_order_is_told_apart_from_any_other_change() {
        let a = " SELECT t.id,\n    t.name,\n    t.score\n   FROM t\n  WHERE (t.score > 0);";
        let b = " SELECT t.id,\n    t.score,\n    t.name\n   FROM t\n  WHERE (t.score > 0);";
        assert_eq!(
            select_list_reordered(a, b),
            Some((
                vec!["t.id".into(), "t.name".into(), "t.score".into()],
                vec!["t.id".into(), "t.score".into(), "t.name".into()]
            ))
        );
        // Same order, another column, another filter, or nothing moved: not an order change.
        assert_eq!(select_list_reordered(a, a), None);
        let other = " SELECT t.id, t.name, t.rank FROM t WHERE (t.score > 0);";
        assert_eq!(select_list_reordered(a, other), None);
        let filter = " SELECT t.id, t.score, t.name FROM t WHERE (t.score > 1);";
        assert_eq!(select_list_reordered(a, filter), None);
        // Commas inside calls do not split items.
        let f = "SELECT coalesce(t.a, t.b) AS c, t.d FROM t";
        let g = "SELECT t.d, coalesce(t.a, t.b) AS c FROM t";
        assert!(select_list_reordered(f, g).is_some());
    }
}
