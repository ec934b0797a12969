//! The migration-file parser: arbitrary bytes must never panic, and whatever parses must be
//! self-consistent (each section's stored statements are what the splitter finds in its SQL,
//! in bounds and on char boundaries; the checksum is the up section's).
#![no_main]

use std::path::Path;

use brainmig::source::{self, RevisionFile, Section};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("0001_x.sql");
    let parsed = source::parse(path, data);
    if let Ok(file) = &parsed {
        check_file(file);
    }
    // CRLF line endings (and a leading BOM) parse to exactly the same result, errors included.
    if !data.contains(&b'\r') {
        let crlf: Vec<u8> = data
            .iter()
            .flat_map(|&b| {
                if b == b'\n' {
                    vec![b'\r', b'\n']
                } else {
                    vec![b]
                }
            })
            .collect();
        assert_eq!(source::parse(path, &crlf), parsed, "CRLF changed the parse");
    }
    if !data.starts_with("\u{feff}".as_bytes()) {
        let mut bom = "\u{feff}".as_bytes().to_vec();
        bom.extend_from_slice(data);
        assert_eq!(source::parse(path, &bom), parsed, "a BOM changed the parse");
    }
});

fn check_file(file: &RevisionFile) {
    assert_eq!(file.id.as_str(), "0001");
    check_section(&file.up);
    if let Some(down) = &file.down {
        check_section(down);
    }
    assert_eq!(
        source::checksum(&file.up.sql).expect("up section lexes"),
        file.checksum
    );
    if file.parents.len() < 2 {
        assert!(!file.up.statements.is_empty(), "empty up accepted");
    }
}

fn check_section(section: &Section) {
    let sql = &section.sql;
    assert!(section.first_line >= 2, "a section starts after its marker");
    let again = source::split(sql).expect("a parsed section re-splits");
    assert_eq!(again, section.statements);
    let mut prev_end = 0;
    for s in &section.statements {
        assert!(prev_end <= s.start && s.start < s.end && s.end <= sql.len());
        assert!(sql.is_char_boundary(s.start) && sql.is_char_boundary(s.end));
        assert_eq!(s.line, source::line_of(sql, s.start));
        assert!(section.file_line(s) >= section.first_line);
        prev_end = s.end;
    }
}
