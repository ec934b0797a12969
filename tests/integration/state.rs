//! Tests for what the version table records: checksums, `rehash`, `stamp`, and revisions whose
//! file is gone (the database is ahead of the code).

use crate::support::{TestDb, TestProject};

#[test]
fn an_edited_applied_revision_is_refused_until_rehashed() {
    let db = TestDb::postgres();
    let project = TestProject::linear(2);
    project.on(&db, &["up", "+1"]).success();
    let file = "migrations/0001_r.sql";
    let original = project.read(file);

    // Comments, blank lines and spacing outside literals do not count as edits.
    project.write(
        file,
        &original.replace("CREATE TABLE t1", "-- reworded\nCREATE   TABLE\tt1"),
    );
    project.on(&db, &["up"]).success();
    project.on(&db, &["down"]).success();

    project.write(
        file,
        &original.replace("id INTEGER PRIMARY KEY", "id BIGINT PRIMARY KEY"),
    );
    let out = project.on(&db, &["up"]).fails_with(1);
    assert!(
        out.stderr
            .contains("revision `0001` was applied with checksum"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("migrations/0001_r.sql"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("cargo brainmig rehash 0001"),
        "{}",
        out.stderr
    );
    assert_eq!(db.applied(), ["0001"], "nothing ran");

    project.on(&db, &["up", "--ignore-checksums"]).success();
    assert_eq!(db.applied(), ["0001", "0002"]);
    let out = project.on(&db, &["rehash", "0001"]).success();
    assert!(out.stderr.contains("Rehashed"), "{}", out.stderr);
    project.on(&db, &["down"]).success();
    assert_eq!(db.applied(), ["0001"]);
}

#[test]
fn stamp_records_a_state_without_running_sql() {
    let db = TestDb::postgres();
    let project = TestProject::linear(3);
    let out = project.on(&db, &["stamp", "0002"]).success();
    assert!(
        out.stderr.contains("no migration SQL was run"),
        "{}",
        out.stderr
    );
    assert_eq!(db.applied(), ["0001", "0002"]);
    assert_eq!(
        db.tables(),
        ["brainmig_version"],
        "stamp runs no migration SQL"
    );

    project.on(&db, &["up"]).success();
    assert_eq!(db.tables(), ["brainmig_version", "t3"], "only 0003 ran");

    project.on(&db, &["stamp", "0001"]).success();
    assert_eq!(db.applied(), ["0001"]);
    project.on(&db, &["stamp", "base"]).success();
    assert!(db.applied().is_empty());
    assert_eq!(db.tables(), ["brainmig_version", "t3"]);
}

#[test]
fn a_recorded_revision_without_file_blocks_up_and_can_still_be_reverted() {
    let db = TestDb::postgres();
    let project = TestProject::linear(3);
    project.on(&db, &["up"]).success();
    std::fs::remove_file(project.path("migrations/0003_r.sql")).unwrap();

    let current = project.on(&db, &["current"]).success();
    assert!(current.stdout.contains("0003"), "{}", current.stdout);
    assert!(
        current.stdout.contains("(file missing)"),
        "{}",
        current.stdout
    );
    assert!(
        current.stderr.contains("Revision not found"),
        "{}",
        current.stderr
    );
    let history = project.on(&db, &["history"]).success();
    assert!(
        history
            .stdout
            .contains("0002 -> 0003 (head) (file missing)"),
        "{}",
        history.stdout
    );

    let out = project.on(&db, &["up"]).fails_with(1);
    assert!(out.stderr.contains("Revision not found"), "{}", out.stderr);
    assert!(out.stderr.contains("`0003`"), "{}", out.stderr);
    assert!(out.stderr.contains("stamp"), "{}", out.stderr);

    // The down section stored when 0003 was applied reverts it.
    let out = project.on(&db, &["down"]).success();
    assert!(out.stderr.contains("Reverted 0003"), "{}", out.stderr);
    assert_eq!(db.tables(), ["brainmig_version", "t1", "t2"]);
    project.on(&db, &["up"]).success();
}

#[test]
fn stamp_refuses_to_forget_a_revision_without_file_unless_purged() {
    let db = TestDb::postgres();
    let project = TestProject::linear(3);
    project.on(&db, &["up"]).success();
    std::fs::remove_file(project.path("migrations/0003_r.sql")).unwrap();
    let out = project.on(&db, &["stamp", "0002"]).fails_with(1);
    assert!(
        out.stderr.contains("stamping would forget `0003`"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--purge"), "{}", out.stderr);
    assert_eq!(db.applied(), ["0001", "0002", "0003"]);
    project.on(&db, &["stamp", "0002", "--purge"]).success();
    assert_eq!(db.applied(), ["0001", "0002"]);
    project.on(&db, &["up"]).success();
}

#[test]
fn the_version_table_records_checksum_time_and_down_section() {
    let db = TestDb::postgres();
    let project = TestProject::linear(1);
    project.on(&db, &["up"]).success();
    let row = db.strings(
        "SELECT concat_ws('|', revision, parents, message, length(checksum), down_sql, down_transactional, \
         duration_ms >= 0, applied_at <= now()) FROM brainmig_version",
    );
    assert_eq!(row, ["0001||revision 0001|64|DROP TABLE t1;\n|t|t|t"]);
}

#[test]
fn a_version_table_of_another_shape_is_refused() {
    let db = TestDb::postgres();
    db.execute("CREATE TABLE brainmig_version (version TEXT)");
    let project = TestProject::linear(1);
    let out = project.on(&db, &["up"]).fails_with(1);
    assert!(
        out.stderr
            .contains("exists but is not a brainmig version table"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("version_table"), "{}", out.stderr);
    assert_eq!(db.tables(), ["brainmig_version"]);
}
