#!/usr/bin/env python3
"""Start-up to migrated: an app with brainmig's embedded migrator against the same app with
`sqlx::migrate!`, for one history of N revisions (default 100), side by side (issue #15).

Each app is a tiny binary generated here: it connects to DATABASE_URL, applies every embedded
migration and exits. The same SQL is written in both tools' formats. Both are built once (release
by default, in target/bench-embedded, kept between runs), then each repetition
runs the two, interleaved, each on a fresh PostgreSQL database (`bm_bench_emb_<pid>_<n>`, dropped
afterwards). Reported: medians, min-max, and brainmig / sqlx (below 1.00 is faster).

    python3 benches/embedded.py                 # 100 revisions, 7 repetitions, release build
    python3 benches/embedded.py --revisions 300 --repeat 11
    python3 benches/embedded.py --profile debug # quicker to build; figures not the product's

Not part of `run.py --quick`: building the sqlx app compiles sqlx with its `migrate` and `macros`
features, minutes on a CI machine. Admin URL: BRAINMIG_BENCH_DATABASE_URL, else
BRAINMIG_TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQLX_FEATURES = '["runtime-tokio", "tls-rustls-ring-webpki", "postgres", "sqlite"]'


def admin_url():
    return (os.environ.get("BRAINMIG_BENCH_DATABASE_URL") or os.environ.get("BRAINMIG_TEST_DATABASE_URL")
            or "postgres://postgres@127.0.0.1:5432/postgres")


def with_db(url, name):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def psql(sql):
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", admin_url(), "-c", sql],
                   check=True, stdout=subprocess.DEVNULL)


def revision_sql(i):
    """One revision of a realistic shape: a table, an index, ten rows."""
    rows = ", ".join(f"({j}, 'row {j} of t{i}')" for j in range(10))
    return (f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, label TEXT NOT NULL, created_at TIMESTAMPTZ DEFAULT now());\n"
            f"CREATE INDEX t{i}_label_idx ON t{i} (label);\n"
            f"INSERT INTO t{i} (id, label) VALUES {rows};\n")


def write_apps(work, n):
    """Two packages under `work`: `embedded` (brainmig) and `sqlx` (sqlx::migrate!)."""
    lock = (ROOT / "Cargo.lock").read_text()
    emb, sqlx = work / "embedded", work / "sqlx"
    for app in (emb, sqlx):
        (app / "src").mkdir(parents=True, exist_ok=True)
        (app / "migrations").mkdir(exist_ok=True)
        for old in (app / "migrations").glob("*.sql"):
            old.unlink()
        # The repository's lock, so both use the versions brainmig is built and tested with.
        if not (app / "Cargo.lock").exists():
            (app / "Cargo.lock").write_text(lock)
    for i in range(1, n + 1):
        rid = f"{i:04d}"
        parent = f"{i - 1:04d}" if i > 1 else ""
        (emb / "migrations" / f"{rid}_t{i}.sql").write_text(
            f"-- revision: {rid}\n-- revises: {parent}\n-- message: t{i}\n\n-- migrate:up\n{revision_sql(i)}\n"
            f"-- migrate:down\nDROP TABLE t{i};\n")
        (sqlx / "migrations" / f"{rid}_t{i}.sql").write_text(revision_sql(i))
    (emb / "Cargo.toml").write_text(f"""[package]
name = "bench-embedded"
version = "0.1.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
brainmig = {{ package = "cargo-brainmig", path = "{ROOT}", default-features = false, features = ["migrate"] }}
tokio = {{ version = "1", features = ["rt", "macros"] }}

[build-dependencies]
brainmig = {{ package = "cargo-brainmig", path = "{ROOT}", default-features = false }}
""")
    (emb / "build.rs").write_text('fn main() { brainmig::build::embed_migrations("migrations"); }\n')
    (emb / "src" / "main.rs").write_text("""static MIGRATIONS: brainmig::embed::EmbeddedMigrations = brainmig::embedded_migrations!();

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let report = brainmig::Migrator::new(MIGRATIONS).run(&url).await.expect("migrates");
    assert!(!report.applied.is_empty());
}
""")
    (sqlx / "Cargo.toml").write_text(f"""[package]
name = "bench-sqlx"
version = "0.1.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
sqlx = {{ version = "0.9", default-features = false, features = {SQLX_FEATURES[:-1]}, "migrate", "macros"] }}
tokio = {{ version = "1", features = ["rt", "macros"] }}
""")
    (sqlx / "src" / "main.rs").write_text("""#[tokio::main(flavor = "current_thread")]
async fn main() {
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let pool = sqlx::PgPool::connect(&url).await.expect("connects");
    sqlx::migrate!().run(&pool).await.expect("migrates");
}
""")
    return emb, sqlx


def build(app, target, profile):
    cmd = ["cargo", "build", "--quiet"] + (["--release"] if profile == "release" else [])
    env = dict(os.environ, CARGO_TARGET_DIR=str(target))
    subprocess.run(cmd, cwd=app, env=env, check=True)
    name = "bench-embedded" if app.name == "embedded" else "bench-sqlx"
    return target / profile / name


def timed_run(binary, n):
    name = f"bm_bench_emb_{os.getpid()}_{n}"
    psql(f'CREATE DATABASE "{name}"')
    try:
        env = {"DATABASE_URL": with_db(admin_url(), name), "PATH": "/usr/bin:/bin"}
        started = time.perf_counter()
        subprocess.run([str(binary)], env=env, check=True)
        return time.perf_counter() - started
    finally:
        psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--revisions", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--profile", choices=["release", "debug"], default="release")
    args = ap.parse_args()
    # The apps live in a temporary folder; their builds in target/ (ignored by git) are kept.
    work = Path(tempfile.gettempdir()) / "brainmig-bench-embedded"
    target = ROOT / "target" / "bench-embedded"
    emb, sqlx = write_apps(work, args.revisions)
    print(f"building both apps ({args.profile}) ...", file=sys.stderr)
    binaries = {"brainmig embedded": build(emb, target, args.profile), "sqlx::migrate!": build(sqlx, target, args.profile)}
    times = {k: [] for k in binaries}
    run = 0
    for _ in range(args.repeat):
        for name, binary in binaries.items():
            run += 1
            times[name].append(timed_run(binary, run))
    print(f"start-up to migrated, {args.revisions} revisions, {args.repeat} interleaved repetitions, {args.profile} build")
    print(f"{'app':<20} {'median':>9} {'min-max':>17}")
    for name, ts in times.items():
        print(f"{name:<20} {statistics.median(ts) * 1000:>7.1f}ms {min(ts) * 1000:>7.1f}-{max(ts) * 1000:.1f}ms")
    ratio = statistics.median(times["brainmig embedded"]) / statistics.median(times["sqlx::migrate!"])
    print(f"brainmig / sqlx (ratio of medians): {ratio:.2f}")


if __name__ == "__main__":
    main()
