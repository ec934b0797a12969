//! The statement splitter and the checksum: arbitrary text must never panic; statements come in
//! order, without overlap, in bounds and on char boundaries; what lies between them is only
//! whitespace and comments; each statement re-splits to itself; and the checksum ignores line
//! endings and the whitespace and comments between statements.
#![no_main]

use brainmig::source::{self, Statement};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|sql: &str| {
    let split = source::split(sql);
    let sum = source::checksum(sql);
    assert_eq!(
        split.is_ok(),
        sum.is_ok(),
        "split and checksum disagree on lexing"
    );
    let (Ok(statements), Ok(sum)) = (split, sum) else {
        return;
    };
    assert_eq!(sum.len(), 64);

    let mut prev_end = 0;
    for (i, s) in statements.iter().enumerate() {
        assert!(
            prev_end <= s.start,
            "statements overlap or are out of order"
        );
        assert!(
            s.start < s.end && s.end <= sql.len(),
            "statement out of bounds"
        );
        assert!(sql.is_char_boundary(s.start) && sql.is_char_boundary(s.end));
        assert_eq!(s.line, source::line_of(sql, s.start));
        let text = s.text(sql);
        let bytes = text.as_bytes();
        assert!(!bytes[0].is_ascii_whitespace() && !bytes[bytes.len() - 1].is_ascii_whitespace());
        assert!(
            text.ends_with(';') || i + 1 == statements.len(),
            "only the last may lack `;`"
        );
        // Alone, a statement splits to exactly itself.
        let alone = source::split(text).expect("a statement lexes alone");
        assert_eq!(
            alone,
            vec![Statement {
                start: 0,
                end: text.len(),
                line: 1
            }]
        );
        // Between statements there are only whitespace and comments.
        let gap = &sql[prev_end..s.start];
        assert_eq!(source::split(gap).expect("a gap lexes"), Vec::new());
        prev_end = s.end;
    }
    assert_eq!(
        source::split(&sql[prev_end..]).expect("the tail lexes"),
        Vec::new()
    );

    // Whitespace and comments between statements do not count.
    let joined: Vec<&str> = statements.iter().map(|s| s.text(sql)).collect();
    assert_eq!(source::checksum(&joined.join("\n")).expect("lexes"), sum);

    // LF to CRLF changes neither the statements' lines nor the checksum.
    if !sql.contains('\r') {
        let crlf = sql.replace('\n', "\r\n");
        let lines = |v: &[Statement]| v.iter().map(|s| s.line).collect::<Vec<_>>();
        let crlf_statements = source::split(&crlf).expect("CRLF lexes too");
        assert_eq!(lines(&crlf_statements), lines(&statements));
        assert_eq!(source::checksum(&crlf).expect("CRLF lexes too"), sum);
    }
});
