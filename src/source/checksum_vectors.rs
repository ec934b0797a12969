//! Golden vectors for the checksum: whole file text in, checksum hex out.
//!
//! The checksum is stored in users' version tables, and `up` refuses a revision whose file no
//! longer has its recorded checksum. A change to the lexer, to how tokens are fed to SHA-256 or to
//! what counts as the up section would therefore make every applied revision look edited on the
//! next deploy. These values are fixed by hand: if one of these tests fails, the change breaks
//! users' databases, whatever the other tests say.
//!
//! The format: SHA-256, in lowercase hex, of each significant token of the up section (not
//! whitespace, not comments), its CRLF line endings made LF, each followed by the byte 0x1F.
//! So `select 1;` is SHA-256 of `select\x1f1\x1f;\x1f`, and an empty up section is SHA-256 of
//! nothing.

use std::path::Path;

use super::parse;

/// `create table` and an insert, as a user writes them.
const BASE: &str = "\
-- revision: 0001
-- message: create users

-- migrate:up
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
INSERT INTO users (name) VALUES ('Ada Lovelace');

-- migrate:down
DROP TABLE users;
";
/// Also computed outside brainmig, from the token list as the module doc describes.
const BASE_SUM: &str = "a3606d184b93f38ecff6055677d31f1ecdeebc54aedfef50f01d0757a37776ed";

fn checksum_of(file_text: &str) -> String {
    let name = file_text
        .lines()
        .find_map(|l| {
            l.trim_start_matches('\u{feff}')
                .strip_prefix("-- revision: ")
        })
        .map(|id| format!("{}_x.sql", id.trim()))
        .unwrap_or_else(|| "0001_x.sql".to_owned());
    parse(Path::new(&name), file_text.as_bytes())
        .unwrap_or_else(|e| panic!("golden vector does not parse: {e}"))
        .checksum
}

#[test]
fn checksum_of_one_statement_is_sha256_of_its_tokens_each_followed_by_0x1f() {
    // sha256(b"select\x1f1\x1f;\x1f"), computed outside brainmig.
    let sum = "554bc172060c3ee7efd6654bdd236c69011bf6e3687055f7c2ed882b55944175";
    assert_eq!(
        checksum_of("-- revision: 0001\n-- migrate:up\nselect 1;\n"),
        sum
    );
    assert_eq!(super::checksum("select 1;").expect("lexes"), sum);
}

#[test]
fn checksum_of_an_empty_merge_revision_is_sha256_of_nothing() {
    assert_eq!(
        checksum_of("-- revision: m1\n-- revises: a, b\n-- migrate:up\n\n-- migrate:down\n"),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}

#[test]
fn checksum_of_a_typical_revision_is_pinned() {
    assert_eq!(checksum_of(BASE), BASE_SUM);
}

/// Edits a checkout, an editor or a reviewer makes without changing what runs.
#[test]
fn checksum_is_blind_to_line_endings_bom_comments_whitespace_and_the_down_section() {
    let blind = [
        ("CRLF line endings", BASE.replace('\n', "\r\n")),
        ("a BOM", format!("\u{feff}{BASE}")),
        (
            "BOM and CRLF",
            format!("\u{feff}{}", BASE.replace('\n', "\r\n")),
        ),
        (
            "comments added and reworded",
            BASE.replace(
                "CREATE TABLE",
                "-- the users of the app\n/* one row per person */ CREATE TABLE",
            )
            .replace(
                "-- message: create users",
                "-- message: create the users table",
            ),
        ),
        (
            "whitespace between tokens",
            BASE.replace("users (id", "users(id")
                .replace(", name", ",\n    name")
                .replace("VALUES (", "VALUES\t\t("),
        ),
        ("blank lines", BASE.replace(";\nINSERT", ";\n\n\n\nINSERT")),
        (
            "another down section",
            BASE.replace("DROP TABLE users;", "DROP TABLE IF EXISTS users;"),
        ),
        (
            "a transaction:false up marker",
            BASE.replace("-- migrate:up", "-- migrate:up transaction:false"),
        ),
    ];
    for (edit, text) in blind {
        assert_eq!(checksum_of(&text), BASE_SUM, "{edit}");
    }
}

/// Edits that change what the database runs, however small.
#[test]
fn checksum_sees_every_edit_of_a_statement_literal_or_dollar_quoted_body() {
    let seen = [
        (
            "a space inside a string literal",
            BASE.replace("'Ada Lovelace'", "'Ada  Lovelace'"),
            "b7e162d7cc6a79f5c735695f425aa8a87f1254090b4cf5036ddd6ca461752de0",
        ),
        (
            "a line ending inside a string literal",
            BASE.replace("'Ada Lovelace'", "'Ada\nLovelace'"),
            "ffc14b848c561d299f2df50cee154d9bed0cfdbbd0c0bbc170744bc855827365",
        ),
        (
            "a changed type",
            BASE.replace("name TEXT", "name VARCHAR"),
            "378047907bebc2388252e324230fa1fe2bd32c1dc3dfbd7fefd6e88899e824b2",
        ),
        (
            "letter case of a keyword",
            BASE.replace("NOT NULL", "not null"),
            "8fddd2cb104d34b65fde5e9bbc28a7d6fe951859d91e69d755db8cd0b35656d0",
        ),
        (
            "two tokens glued into one",
            BASE.replace("PRIMARY KEY", "PRIMARYKEY"),
            "b641db903d5d210efbfd3b98c9badecdea1b65e1f604cb6397c709d32c239ff5",
        ),
    ];
    for (edit, text, sum) in seen {
        assert_ne!(checksum_of(&text), BASE_SUM, "{edit}");
        assert_eq!(checksum_of(&text), sum, "{edit}");
    }
}

/// Whitespace and comments inside a dollar-quoted body are part of the body the server stores,
/// so they count; what lies around the body does not.
#[test]
fn checksum_of_dollar_quoted_bodies_counts_what_is_inside_the_quotes() {
    let function = |body: &str, tag: &str| {
        format!(
            "-- revision: 0002\n-- revises: 0001\n-- migrate:up\n\
             CREATE FUNCTION one() RETURNS integer LANGUAGE sql AS {tag}{body}{tag};\n"
        )
    };
    let base = checksum_of(&function("SELECT 1", "$$"));
    // Also computed outside brainmig: the body and its quotes are one token.
    assert_eq!(
        base,
        "1a01900fda2014f024dbde3b0906e4469b29edd96157118e1c1da340eff541a6"
    );
    assert_eq!(
        checksum_of(&function("SELECT 1", "$$").replace(" AS $$", "\r\n  AS  $$")),
        base,
        "whitespace around the body"
    );
    let seen = [
        ("whitespace inside the body", function("SELECT  1", "$$")),
        (
            "a comment inside the body",
            function("SELECT 1 -- one", "$$"),
        ),
        ("another tag", function("SELECT 1", "$body$")),
    ];
    for (edit, text) in seen {
        assert_ne!(checksum_of(&text), base, "{edit}");
    }
    assert_eq!(
        checksum_of(&function("SELECT 1", "$body$")),
        "f9c298802060c2150d9a8d5cd2d2ea863e3c0c549403c81987eb333916442c28"
    );
}

/// MySQL's lexicon (a `mysql://` URL): a backticked name is one token, a `#` comment and the
/// `DELIMITER` lines are not counted, and the delimiter they set counts as the statement's end,
/// here `$$` right after a word. NOTE: MySQL support is not released yet, so this vector was
/// still free to change (it did when `END$$` stopped being one word); from the first release on
/// it is pinned like the others.
#[test]
fn checksum_by_mysql_rules_is_pinned() {
    let text = "-- revision: 0001\n-- migrate:up\nCREATE TABLE `a b` (id INT); # c\nDELIMITER $$\nSELECT 1$$\nDELIMITER ;\n";
    let file = super::parse_as(
        Path::new("0001_x.sql"),
        text.as_bytes(),
        super::Lexicon::Mysql,
    )
    .expect("parses");
    // Also computed outside brainmig, from the tokens `CREATE`, `TABLE`, `` `a b` ``, `(`, `id`,
    // `INT`, `)`, `;`, `SELECT`, `1`, `$$`.
    assert_eq!(
        file.checksum,
        "a259727576dbd443fd3023660ef5dd954c106ba8822a377b748823e921da1185"
    );
}
