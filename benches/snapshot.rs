//! Not a criterion bench: times `schema::snapshot` against a live PostgreSQL database and
//! `schema::diff` between two snapshots, for `benches/run.py` (workload 5).
//!
//! ```text
//! snapshot URL_A URL_B [--reps N]
//! ```
//!
//! Prints `{"snapshot_ms": [...], "diff_ms": [...], "differences": N, "tables": N}` on stdout.
//! Run by `cargo bench` without URLs, it only says how to use it.
#![allow(missing_docs, clippy::print_stdout, clippy::print_stderr)]

use std::time::Instant;

use brainmig::config::DatabaseUrl;
use brainmig::db::Connection;
use brainmig::schema;

const VERSION_TABLE: &str = "brainmig_version";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut urls = Vec::new();
    let mut reps = 5usize;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--reps" => {
                reps = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--reps takes a number");
            }
            // `cargo bench` passes `--bench`; other flags are not ours.
            a if a.starts_with("--") => {}
            url => urls.push(url.to_owned()),
        }
    }
    let [a, b] = urls.as_slice() else {
        eprintln!(
            "usage: snapshot URL_A URL_B [--reps N]  (benches/run.py runs it; nothing to do)"
        );
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(measure(a, b, reps));
}

async fn measure(a: &str, b: &str, reps: usize) {
    let mut conn_a = Connection::open(&DatabaseUrl::Postgres(a.to_owned()))
        .await
        .expect("connects to URL_A");
    let mut conn_b = Connection::open(&DatabaseUrl::Postgres(b.to_owned()))
        .await
        .expect("connects to URL_B");
    // One snapshot of each to warm the server's catalog caches and the connection.
    let mut first = schema::snapshot(&mut conn_a, VERSION_TABLE)
        .await
        .expect("snapshot of A");
    let second = schema::snapshot(&mut conn_b, VERSION_TABLE)
        .await
        .expect("snapshot of B");
    let mut snapshot_ms = Vec::with_capacity(reps);
    for _ in 0..reps {
        let started = Instant::now();
        first = schema::snapshot(&mut conn_a, VERSION_TABLE)
            .await
            .expect("snapshot of A");
        snapshot_ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let mut diff_ms = Vec::with_capacity(reps);
    let mut differences = 0;
    for _ in 0..reps {
        let started = Instant::now();
        let found = schema::diff(&first, &second);
        diff_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        differences = std::hint::black_box(found).len();
    }
    conn_a.close().await;
    conn_b.close().await;
    println!(
        "{}",
        serde_json::json!({
            "snapshot_ms": snapshot_ms,
            "diff_ms": diff_ms,
            "differences": differences,
            "tables": first.tables.len(),
        })
    );
}
