//! Living with a long history (issue 17): `history --graph` and `--format dot`, relative targets
//! `REV+N` / `REV-N`, and `--sql` scripts that start from the database.

use crate::support::{TestDb, TestProject};

/// `fixtures/merged` with 0001 and 0002a applied: a branch point, a merge, a head, some applied.
#[test]
fn history_graph_draws_lanes_with_branch_points_merges_and_what_is_applied() {
    let db = TestDb::postgres();
    let project = TestProject::with_migrations("merged");
    project.on(&db, &["up", "0002a"]).success();
    let out = project.on(&db, &["history", "--graph"]).success();
    let expected = "\
o 0004 (head) create reviews
o 0003 (merge) merge tags and cards
|\\
| o 0002b create cards
* | 0002a create tags
|/
* 0001 (branch point) create users
";
    assert_eq!(out.stdout, expected);
    assert!(out.stdout.is_ascii(), "piped output is plain ASCII");

    let ranged = project
        .on(&db, &["history", "--graph", "-r", "0002a:"])
        .success();
    assert_eq!(
        ranged.stdout,
        "o 0004 (head) create reviews\no 0003 (merge) merge tags and cards\n* 0002a create tags\n"
    );
}

#[test]
fn history_format_dot_writes_graphviz_and_other_commands_refuse_it() {
    let project = TestProject::with_migrations("merged");
    let out = project.on_sqlite(&["history", "--format", "dot"]).success();
    assert!(
        out.stdout.starts_with("digraph revisions {\n"),
        "{}",
        out.stdout
    );
    for edge in [
        "\"0004\" -> \"0003\";",
        "\"0003\" -> \"0002a\";",
        "\"0003\" -> \"0002b\";",
        "\"0002a\" -> \"0001\";",
        "\"0002b\" -> \"0001\";",
    ] {
        assert!(out.stdout.contains(edge), "{edge}\n{}", out.stdout);
    }
    assert_eq!(out.stdout.matches(" -> ").count(), 5, "{}", out.stdout);
    assert!(
        out.stdout
            .contains("\"0004\" [label=\"0004\\ncreate reviews\", shape=box];")
    );
    let refused = project
        .on_sqlite(&["current", "--format", "dot"])
        .fails_with(2);
    assert!(
        refused.stderr.contains("only for `history`"),
        "{}",
        refused.stderr
    );
}

/// Writes a history of `revisions` revisions with `merges` merges: a trunk and short side
/// branches merged back, the shape of a team's long-lived project.
fn write_long_history(project: &TestProject, revisions: usize, merges: usize) {
    let mut open: Vec<usize> = Vec::new();
    let mut trunk = 0;
    let mut merged = 0;
    let name = |n: usize| format!("{n:04}");
    project.revision(&name(0), &[], "SELECT 1;", None);
    for n in 1..revisions {
        // Every seventh revision opens a branch, every fifth merges one, while merges remain.
        let parents: Vec<usize> = if n % 7 == 0 && merged + open.len() < merges {
            open.push(n);
            vec![trunk]
        } else if n % 5 == 0 && !open.is_empty() {
            let side = open.remove(0);
            merged += 1;
            let p = vec![trunk, side];
            trunk = n;
            p
        } else if n % 3 == 0 && !open.is_empty() {
            let k = n % open.len();
            let p = vec![open[k]];
            open[k] = n;
            p
        } else {
            let p = vec![trunk];
            trunk = n;
            p
        };
        let parents: Vec<String> = parents.into_iter().map(name).collect();
        let parents: Vec<&str> = parents.iter().map(String::as_str).collect();
        project.revision(&name(n), &parents, "SELECT 1;", None);
    }
    assert_eq!(merged, merges, "the generator makes the merges asked for");
}

#[test]
fn a_history_of_320_revisions_and_30_merges_shows_each_revision_once_in_narrow_lanes() {
    let project = TestProject::empty();
    write_long_history(&project, 320, 30);
    let out = project.on_sqlite(&["history", "--graph"]).success();
    let nodes: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.contains(" revision "))
        .collect();
    assert_eq!(nodes.len(), 320, "{}", out.stdout);
    for n in 0..320 {
        let id = format!(" {n:04} ");
        assert_eq!(
            nodes.iter().filter(|l| l.contains(&id)).count(),
            1,
            "{id}\n{}",
            out.stdout
        );
    }
    assert_eq!(out.stdout.matches("(merge)").count(), 30);
    let widest = out
        .stdout
        .lines()
        .map(|l| l.find(|c: char| c.is_ascii_digit()).unwrap_or(l.len()))
        .max()
        .unwrap_or(0);
    assert!(widest <= 12, "lanes {widest} columns wide:\n{}", out.stdout);
    assert!(out.stdout.is_ascii());
}

#[test]
fn relative_targets_count_from_a_revision_and_refuse_to_guess_at_a_fork() {
    let db = TestDb::postgres();
    let project = TestProject::linear(4);
    project.on(&db, &["up", "0001+2"]).success();
    assert_eq!(db.applied(), ["0001", "0002", "0003"]);
    project.on(&db, &["down", "head-3"]).success();
    assert_eq!(db.applied(), ["0001"]);
    let past = project.on(&db, &["up", "0002+5"]).fails_with(2);
    assert!(
        past.stderr
            .contains("`0002+5` cannot be followed: `0004` is a head, 2 step(s) after `0002`"),
        "{}",
        past.stderr
    );
    assert_eq!(db.applied(), ["0001"], "nothing ran");

    let merged = TestProject::with_migrations("merged");
    let db = TestDb::postgres();
    let fork = merged.on(&db, &["up", "0001+1"]).fails_with(2);
    assert!(
        fork.stderr.contains(
            "`0001` is a branch point, so the next step could be any of `0002a`, `0002b`"
        ),
        "{}",
        fork.stderr
    );
    assert!(
        fork.stderr.contains("count from the branch you mean"),
        "{}",
        fork.stderr
    );
    merged.on(&db, &["up", "0002b+1"]).success();
    assert_eq!(db.applied(), ["0001", "0002a", "0002b", "0003"]);
}

/// Two people each ran `new` on `0002` with sequence ids: the folder holds two `0003` files.
/// `new` explains and offers `renumber`; `renumber` moves the unapplied one (and what follows
/// it on its branch) after the other; a branch the database applied is refused.
#[test]
fn renumber_puts_a_conflicting_sequence_branch_after_the_other() {
    let project = TestProject::linear(2);
    let db = TestDb::postgres();
    project.revision(
        "0003",
        &["0002"],
        "CREATE TABLE tags (id INTEGER);",
        Some("DROP TABLE tags;"),
    );
    project.on(&db, &["up"]).success();
    // Bob's branch, merged in git afterwards: 0003 (cards), then nothing else yet.
    project.write(
        "migrations/0003_cards.sql",
        &crate::support::rev(
            "0003",
            &["0002"],
            "CREATE TABLE cards (id INTEGER);",
            Some("DROP TABLE cards;"),
        ),
    );
    // `new` reads no database, so it cannot tell which file is applied; `up` can.
    let out = project.on(&db, &["new", "-m", "more"]).fails_with(1);
    assert!(
        out.stderr
            .contains("or let `cargo brainmig renumber migrations/0003_"),
        "{}",
        out.stderr
    );
    let out = project.on(&db, &["up"]).fails_with(1);
    assert!(
        out.stderr
            .contains("or let `cargo brainmig renumber migrations/0003_cards.sql` do the renaming"),
        "{}",
        out.stderr
    );
    // The applied file cannot move: the database recorded it.
    let refused = project
        .on(&db, &["renumber", "migrations/0003_r.sql"])
        .fails_with(2);
    assert!(
        refused
            .stderr
            .contains("the configured database has applied `0003`"),
        "{}",
        refused.stderr
    );
    assert!(project.path("migrations/0003_r.sql").exists());

    let out = project
        .on(&db, &["renumber", "migrations/0003_cards.sql"])
        .success();
    assert!(
        out.stderr
            .contains("Renumbered 0003 as 0004, now revising 0003"),
        "{}",
        out.stderr
    );
    assert!(!project.path("migrations/0003_cards.sql").exists());
    let moved = project.read("migrations/0004_cards.sql");
    assert!(
        moved.starts_with("-- revision: 0004\n-- revises: 0003\n"),
        "{moved}"
    );
    project.on(&db, &["up"]).success();
    assert_eq!(db.applied(), ["0001", "0002", "0003", "0004"]);
    assert!(db.tables().contains(&"cards".to_owned()));

    // Two heads with a branch of two: `new` and `check` explain, renumber moves both in order.
    project.revision("0005", &["0004"], "SELECT 1;", None);
    project.revision("0006", &["0004"], "SELECT 1;", None);
    project.revision("0007", &["0006"], "SELECT 1;", None);
    let out = project.on(&db, &["new", "-m", "x"]).fails_with(2);
    for wanted in [
        "`0005` (1 revision after `0004`) and `0007` (2 revisions after `0004`) are both heads",
        "`cargo brainmig merge -m \"merge heads\" heads`",
        "`cargo brainmig renumber 0006`",
    ] {
        assert!(out.stderr.contains(wanted), "{wanted}\n{}", out.stderr);
    }
    project.on(&db, &["renumber", "0006"]).success();
    let seven = project.read("migrations/0007_r.sql");
    assert!(
        seven.starts_with("-- revision: 0007\n-- revises: 0006\n"),
        "{seven}"
    );
    let six = project.read("migrations/0006_r.sql");
    assert!(
        six.starts_with("-- revision: 0006\n-- revises: 0005\n"),
        "{six}"
    );
    let heads = project.on(&db, &["heads"]).success();
    assert!(heads.stdout.contains("0007"), "{}", heads.stdout);
    assert_eq!(heads.stdout.lines().count(), 1, "{}", heads.stdout);
}

#[test]
fn check_explains_two_heads_and_offers_merge_or_renumber() {
    let project = TestProject::with_migrations("branched");
    let out = project.on_sqlite(&["check"]).fails_with(4);
    for wanted in [
        "`0002a` (1 revision after `0001`) and `0002b` (1 revision after `0001`) are both heads",
        "`cargo brainmig merge -m \"merge heads\" heads`",
        "`cargo brainmig renumber 0002b`",
    ] {
        assert!(out.stderr.contains(wanted), "{wanted}\n{}", out.stderr);
    }
}

/// `squash --to 0003` on `fixtures/merged` (a branch point and a merge): the baseline builds the
/// same schema; databases that applied the old revisions are at it; one part-way is told what to do.
#[test]
fn squash_replaces_a_merged_history_with_a_baseline_databases_recognise() {
    let project = TestProject::with_migrations("merged");
    let at_head = TestDb::postgres();
    let at_rev = TestDb::postgres();
    let part_way = TestDb::postgres();
    let stamped = TestDb::postgres();
    project.on(&at_head, &["up"]).success();
    project.on(&stamped, &["up"]).success();
    project.on(&at_rev, &["up", "0003"]).success();
    project.on(&part_way, &["up", "0002a"]).success();
    let unsquashed = crate::support::pg_dump_schema(&at_head, &["brainmig_version"]);

    let beside = project
        .on(&at_head, &["squash", "--to", "0002a"])
        .fails_with(2);
    assert!(
        beside
            .stderr
            .contains("`0002b` neither leads to nor descends from `0002a`"),
        "{}",
        beside.stderr
    );
    let out = project.on(&at_head, &["squash", "--to", "0003"]).success();
    assert!(
        out.stderr
            .contains("Squashed 4 revisions into baseline 0005"),
        "{}",
        out.stderr
    );
    let baseline = project.read("migrations/0005_baseline_up_to_0003.sql");
    assert!(
        baseline.contains("-- revises:\n")
            && baseline.contains("-- replaces: 0001, 0002a, 0002b, 0003\n"),
        "{baseline}"
    );
    assert!(
        project
            .read("migrations/0004_create_reviews.sql")
            .contains("-- revises: 0005\n")
    );
    for old in [
        "0001_create_users",
        "0002a_create_tags",
        "0002b_create_cards",
        "0003_merge_tags_and_cards",
    ] {
        assert!(
            project
                .path(&format!("migrations/squashed/{old}.sql"))
                .exists(),
            "{old}"
        );
        assert!(
            !project.path(&format!("migrations/{old}.sql")).exists(),
            "{old}"
        );
    }

    // A fresh database: the same schema as the old revisions built.
    let fresh = TestDb::postgres();
    project.on(&fresh, &["up"]).success();
    assert_eq!(
        crate::support::pg_dump_schema(&fresh, &["brainmig_version"]),
        unsquashed
    );
    assert_eq!(fresh.applied(), ["0004", "0005"]);

    // At the old head: nothing to run; the baseline is recorded in place of the old rows.
    let out = project.on(&at_head, &["up"]).success();
    assert!(
        out.stderr.contains("Recorded baseline 0005"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("Applied"), "{}", out.stderr);
    assert_eq!(at_head.applied(), ["0004", "0005"]);
    assert_eq!(
        crate::support::pg_dump_schema(&at_head, &["brainmig_version"]),
        unsquashed
    );

    // At the squash point: `current` names the baseline before anything is written.
    let current = project.on(&at_rev, &["current"]).success();
    assert!(current.stdout.contains("-> 0005"), "{}", current.stdout);
    project.on(&at_rev, &["up"]).success();
    assert_eq!(at_rev.applied(), ["0004", "0005"]);
    // And the baseline goes down like any revision.
    project.on(&at_rev, &["down", "base"]).success();
    assert!(at_rev.applied().is_empty());
    assert_eq!(at_rev.tables(), ["brainmig_version"]);

    // `stamp` records the baseline too, so no replaced row stays behind.
    project.on(&stamped, &["stamp", "0004"]).success();
    assert_eq!(stamped.applied(), ["0004", "0005"]);

    // Part-way: told exactly what to do, nothing run.
    let out = project.on(&part_way, &["up"]).fails_with(1);
    for wanted in [
        "part-way through the revisions baseline `0005` replaces: it applied `0001`, `0002a` but not `0002b`, `0003`",
        "check out the commit before it and run `cargo brainmig up 0003`",
    ] {
        assert!(out.stderr.contains(wanted), "{wanted}\n{}", out.stderr);
    }
    assert_eq!(part_way.applied(), ["0001", "0002a"]);

    project.on(&fresh, &["test-roundtrip"]).success();
}

#[test]
fn sql_scripts_from_a_database_that_has_not_recorded_its_baseline_are_refused() {
    let project = TestProject::linear(3);
    let db = TestDb::postgres();
    project.on(&db, &["up", "0002"]).success();
    project
        .on(&db, &["squash", "--to", "0002", "--delete"])
        .success();
    assert!(!project.path("migrations/squashed").exists());
    assert!(!project.path("migrations/0001_r.sql").exists());
    let out = project.on(&db, &["up", "--sql"]).fails_with(2);
    assert!(
        out.stderr.contains("has not recorded it yet"),
        "{}",
        out.stderr
    );
    assert_eq!(db.applied(), ["0001", "0002"], "nothing written");
    // The same script from the baseline needs no database.
    project.on(&db, &["up", "--sql", "0004:head"]).success();
}

/// Every file of the migrations folder, with its text.
fn folder_listing(project: &TestProject) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(project.path("migrations"))
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap_or_else(|_| "<folder>".into());
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                text,
            )
        })
        .collect();
    files.sort();
    files
}

/// `squash` stages its files (#18's tidy-up): a failure while moving the old files away (here
/// its archive folder cannot be made: a file is in the way) leaves the folder as it was, with
/// no baseline written and no `revises:` rewritten.
#[test]
fn a_squash_that_fails_while_writing_leaves_the_folder_as_it_was() {
    let project = TestProject::linear(3);
    let db = TestDb::postgres();
    project.write("blocker", "a file where the archive's parent should be\n");
    let before = folder_listing(&project);
    let out = project
        .on(&db, &["squash", "--to", "0002", "--archive", "blocker/old"])
        .run();
    assert_ne!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("blocker"), "{}", out.stderr);
    assert_eq!(folder_listing(&project), before);
    assert!(!project.path("blocker/old").exists());

    // An archive that already holds one of the names: refused before anything is written.
    project.write("archive/0001_r.sql", "an older archive\n");
    let out = project
        .on(&db, &["squash", "--to", "0002", "--archive", "archive"])
        .fails_with(2);
    assert!(
        out.stderr.contains("0001_r.sql` already exists"),
        "{}",
        out.stderr
    );
    assert_eq!(folder_listing(&project), before);

    project
        .on(&db, &["squash", "--to", "0002", "--archive", "archive2"])
        .success();
    assert!(project.path("archive2/0002_r.sql").exists());
    assert!(
        project
            .read("migrations/0003_r.sql")
            .contains("-- revises: 0004\n")
    );
    let names: Vec<String> = folder_listing(&project)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(names, ["0003_r.sql", "0004_baseline_up_to_0002.sql"]);
}
