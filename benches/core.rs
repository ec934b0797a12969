//! Criterion benches of the in-process parts: parsing, graph building, planning and the schema
//! diff. Inputs are generated in memory, so no file system or database is involved.
//!
//! ```sh
//! cargo bench --bench core                 # all
//! cargo bench --bench core -- parse        # one group
//! ```
#![allow(missing_docs, clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use brainmig::graph::{NodeSpec, RevisionGraph, Target};
use brainmig::plan::{self, AppliedSet};
use brainmig::schema::{
    self, Column, Constraint, ConstraintKind, Function, FunctionKind, Index, QualifiedName, Schema,
    Table, TableKind, View,
};
use brainmig::source::{self, RevisionId};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

fn rid(i: usize) -> String {
    format!("{i:06}")
}

/// Parents as in `benches/run.py`: blocks of ten with a fork, two branches of four and a merge.
fn parents_of(i: usize) -> Vec<usize> {
    let offset = (i - 1) % 10;
    let fork = i - offset;
    match offset {
        0 if i == 1 => vec![],
        0 => vec![i - 1],
        1 | 5 => vec![fork],
        9 => vec![fork + 4, fork + 8],
        _ => vec![i - 1],
    }
}

/// A realistic migration file: a table with an index and ten rows, and its down section.
fn file(i: usize) -> (PathBuf, Vec<u8>) {
    let t = format!("t{i:06}");
    let revises = parents_of(i)
        .into_iter()
        .map(rid)
        .collect::<Vec<_>>()
        .join(", ");
    let rows = (1..=10)
        .map(|k| format!("({k}, 'name {k} of {t}', {})", k * 7 % 13))
        .collect::<Vec<_>>()
        .join(", ");
    let mut text = format!("-- revision: {}\n", rid(i));
    if !revises.is_empty() {
        text.push_str(&format!("-- revises: {revises}\n"));
    }
    text.push_str(&format!(
        "-- message: create table {t}\n\n-- migrate:up\n\
         CREATE TABLE {t} (id bigint PRIMARY KEY, name text NOT NULL, \
         created_at timestamptz NOT NULL DEFAULT now(), score integer);\n\
         CREATE INDEX {t}_name_idx ON {t} (name); -- looked up by name\n\
         INSERT INTO {t} (id, name, score) VALUES {rows};\n\n\
         -- migrate:down\nDROP TABLE {t};\n"
    ));
    (
        PathBuf::from(format!("migrations/{}_create_{t}.sql", rid(i))),
        text.into_bytes(),
    )
}

fn corpus(n: usize) -> Vec<(PathBuf, Vec<u8>)> {
    (1..=n).map(file).collect()
}

fn specs(n: usize) -> Vec<NodeSpec> {
    let id = |i: usize| RevisionId::parse(&rid(i)).expect("valid id");
    (1..=n)
        .map(|i| NodeSpec {
            id: id(i),
            parents: parents_of(i).into_iter().map(id).collect(),
            path: Some(Path::new("migrations").join(format!("{}_x.sql", rid(i)))),
        })
        .collect()
}

fn bench_parse(c: &mut Criterion) {
    let files = corpus(1000);
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("1000 files", |b| {
        b.iter(|| {
            for (path, bytes) in &files {
                black_box(source::parse(path, bytes).expect("parses"));
            }
        });
    });
    let sql = String::from_utf8(files[0].1.clone()).expect("utf-8");
    group.throughput(Throughput::Bytes(sql.len() as u64));
    group.bench_function("split one file", |b| {
        b.iter(|| black_box(source::split(black_box(&sql)).expect("splits")));
    });
    group.finish();
}

fn bench_graph(c: &mut Criterion) {
    let mut group = c.benchmark_group("graph build");
    for n in [1000, 10_000] {
        let input = specs(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(format!("{n} revisions, branched"), |b| {
            b.iter_batched(
                || input.clone(),
                |specs| black_box(RevisionGraph::build(specs).expect("valid")),
                BatchSize::LargeInput,
            );
        });
    }
    group.finish();
}

fn bench_plan(c: &mut Criterion) {
    let mut group = c.benchmark_group("plan");
    for n in [1000, 10_000] {
        let graph = RevisionGraph::build(specs(n)).expect("valid");
        let none = AppliedSet::default();
        let all = AppliedSet::from_applied_order(graph.topological().to_vec());
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function(format!("up heads, {n} pending"), |b| {
            b.iter(|| black_box(plan::upgrade(&graph, &none, &Target::Heads).expect("plans")));
        });
        group.bench_function(format!("down base, {n} applied"), |b| {
            b.iter(|| black_box(plan::downgrade(&graph, &all, &Target::Base).expect("plans")));
        });
        group.bench_function(format!("current, {n} applied"), |b| {
            b.iter(|| black_box(all.current(&graph)));
        });
    }
    group.finish();
}

/// A snapshot like the one of `benches/run.py`'s 300-table schema.
fn schema_of(tables: usize, changed: bool) -> Schema {
    let name = |n: String| QualifiedName::new("public", n);
    let mut s = Schema::default();
    s.schemas.insert("public".into(), Default::default());
    for i in 1..=tables {
        let t = format!("s_t{i:04}");
        let mut table = Table {
            kind: TableKind::Table,
            comment: Some(format!("table {i}")),
            ..Table::default()
        };
        let columns = [
            (
                "id",
                "bigint",
                Some(format!("nextval('{t}_id_seq'::regclass)")),
            ),
            ("name", "text", None),
            ("email", "character varying(255)", None),
            ("score", "integer", Some("0".to_owned())),
            (
                "created_at",
                "timestamp with time zone",
                Some("now()".to_owned()),
            ),
            ("note", "text", None),
            ("parent_id", "bigint", None),
        ];
        for (column, data_type, default) in columns {
            table.column_order.push(column.into());
            table.columns.insert(
                column.into(),
                Column {
                    data_type: data_type.into(),
                    not_null: matches!(column, "id" | "name" | "score" | "created_at"),
                    default,
                    ..Column::default()
                },
            );
        }
        let constraint = |kind: ConstraintKind, definition: String| Constraint {
            kind,
            definition,
            comment: None,
        };
        table.constraints = BTreeMap::from([
            (
                format!("{t}_pkey"),
                constraint(ConstraintKind::PrimaryKey, "PRIMARY KEY (id)".into()),
            ),
            (
                format!("{t}_email_key"),
                constraint(ConstraintKind::Unique, "UNIQUE (email)".into()),
            ),
            (
                format!("{t}_score_check"),
                constraint(ConstraintKind::Check, "CHECK ((score >= 0))".into()),
            ),
            (
                format!("{t}_parent_id_fkey"),
                constraint(
                    ConstraintKind::ForeignKey,
                    format!(
                        "FOREIGN KEY (parent_id) REFERENCES s_t{:04}(id) ON DELETE CASCADE",
                        i - 1
                    ),
                ),
            ),
        ]);
        if changed && i == 5 {
            table.column_order.push("extra".into());
            table.columns.insert(
                "extra".into(),
                Column {
                    data_type: "text".into(),
                    ..Column::default()
                },
            );
        }
        if changed
            && i == 20
            && let Some(c) = table.columns.get_mut("score")
        {
            c.default = Some("1".into());
        }
        if !(changed && i == 10) {
            s.indexes.insert(
                name(format!("{t}_name_idx")),
                Index {
                    table: name(t.clone()),
                    unique: false,
                    definition: "USING btree (lower(name)) WHERE (score > 0)".into(),
                    comment: None,
                },
            );
        }
        if i % 10 == 0 {
            let threshold = if changed && i == 30 { 11 } else { 10 };
            s.views.insert(
                name(format!("s_v{i:04}")),
                View {
                    definition: format!(
                        " SELECT id, name, score FROM {t} WHERE (score > {threshold});"
                    ),
                    ..View::default()
                },
            );
            s.functions.insert(
                name(format!("s_f{i:04}(integer)")),
                Function {
                    kind: FunctionKind::Function,
                    arguments: "x integer".into(),
                    result: Some("integer".into()),
                    language: "plpgsql".into(),
                    body: format!(" BEGIN RETURN x + {i}; END "),
                    attributes: "IMMUTABLE".into(),
                    ..Function::default()
                },
            );
        }
        s.tables.insert(name(t), table);
    }
    s
}

fn bench_diff(c: &mut Criterion) {
    let a = schema_of(300, false);
    let b = schema_of(300, true);
    assert!(schema::diff(&a, &a).is_empty());
    assert!(schema::diff(&a, &b).len() >= 4);
    let mut group = c.benchmark_group("schema diff");
    group.bench_function("300 tables, equal", |bench| {
        bench.iter(|| black_box(schema::diff(&a, &a)));
    });
    group.bench_function("300 tables, 4 changes", |bench| {
        bench.iter(|| black_box(schema::diff(&a, &b)));
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_parse, bench_graph, bench_plan, bench_diff
}
criterion_main!(benches);
