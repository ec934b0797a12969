#!/usr/bin/env python3
"""A fleet's `up` against a shell loop of `cargo-brainmig up`, and how it scales with --jobs
(issue #18).

The fleet: N PostgreSQL databases (`bm_bench_fleet_<pid>_<i>`, created here and dropped afterwards,
also on Ctrl-C; no other database is touched) and M SQLite files in a temporary folder, all listed
in one targets file, each migrated from empty through one history of R revisions (a table, an
index, ten rows each; the same SQL on both backends). Each repetition resets every target, then
runs, interleaved (the order rotates):

- `loop`: `while read url; do cargo-brainmig brainmig up --database-url "$url"; done < targets.txt`
  in bash, the way teams migrate a fleet without fleet support;
- `jobs=J`: one `cargo-brainmig brainmig up --targets-file targets.txt --jobs J` for each J.

Every run must exit 0, and afterwards each target must record R revisions (checked on the first
and last of each kind). Reported: median and min-max per run, and ratios of medians measured in the
same run: each against the loop, and each J against jobs=1.

    python3 benches/fleet.py                            # 20 PG + 100 SQLite, 20 revisions, 3 reps
    python3 benches/fleet.py --pg 200 --sqlite 1000 --revisions 50 --repeat 5
    python3 benches/fleet.py --binary target/release/cargo-brainmig   # skip the build

Not part of `run.py --quick`: a repetition is several full fleet migrations. Admin URL:
BRAINMIG_BENCH_DATABASE_URL, else BRAINMIG_TEST_DATABASE_URL, else
postgres://postgres@127.0.0.1:5432/postgres.
"""

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def admin_url():
    return (os.environ.get("BRAINMIG_BENCH_DATABASE_URL") or os.environ.get("BRAINMIG_TEST_DATABASE_URL")
            or "postgres://postgres@127.0.0.1:5432/postgres")


def with_db(url, name):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def psql(sql, url=None):
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url or admin_url()],
                   input="SET client_min_messages = warning;\n" + sql, text=True, check=True, stdout=subprocess.DEVNULL)


def write_history(folder, revisions):
    """R revisions that run unchanged on PostgreSQL and SQLite."""
    folder.mkdir(parents=True)
    for i in range(1, revisions + 1):
        parent = f"{i - 1:04}" if i > 1 else ""
        rows = ", ".join(f"({j}, 'row {j} of t{i}')" for j in range(10))
        (folder / f"{i:04}_t{i}.sql").write_text(
            f"-- revision: {i:04}\n-- revises: {parent}\n-- message: table t{i}\n\n-- migrate:up\n"
            f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, label TEXT NOT NULL);\n"
            f"CREATE INDEX t{i}_label_idx ON t{i} (label);\n"
            f"INSERT INTO t{i} (id, label) VALUES {rows};\n\n"
            f"-- migrate:down\nDROP TABLE t{i};\n")


class Fleet:
    """The targets: N databases on the server and M files, reset to empty between runs."""

    def __init__(self, work, pg, sqlite):
        self.names = [f"bm_bench_fleet_{os.getpid()}_{i}" for i in range(pg)]
        self.files = [work / "devices" / f"device{i}.db" for i in range(sqlite)]
        (work / "devices").mkdir()
        self.targets_file = work / "targets.txt"
        urls = [with_db(admin_url(), n) for n in self.names] + [f"sqlite://{f}" for f in self.files]
        self.targets_file.write_text("".join(u + "\n" for u in urls))
        self.created = []

    def reset(self):
        sql = "".join(f'DROP DATABASE IF EXISTS "{n}";\nCREATE DATABASE "{n}";\n' for n in self.names)
        if sql:
            psql(sql)
        self.created = list(self.names)
        for f in self.files:
            f.unlink(missing_ok=True)

    def drop(self):
        if self.created:
            psql("".join(f'DROP DATABASE IF EXISTS "{n}";\n' for n in self.created))
            self.created = []

    def verify(self, revisions):
        """The first and last target of each kind record every revision."""
        for n in self.names[:1] + self.names[-1:]:
            out = subprocess.run(["psql", "-X", "-tA", "-d", with_db(admin_url(), n), "-c",
                                  "SELECT count(*) FROM brainmig_version"],
                                 capture_output=True, text=True, check=True).stdout.strip()
            assert out == str(revisions), f"{n}: {out} revisions recorded, expected {revisions}"
        for f in self.files[:1] + self.files[-1:]:
            with sqlite3.connect(f) as db:
                (count,) = db.execute("SELECT count(*) FROM brainmig_version").fetchone()
            assert count == revisions, f"{f}: {count} revisions recorded, expected {revisions}"


def timed(cmd, cwd):
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(map(str, cmd))}\n{done.stderr[-2000:]}")
    return elapsed


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--pg", type=int, default=20, help="PostgreSQL databases (default 20)")
    p.add_argument("--sqlite", type=int, default=100, help="SQLite files (default 100)")
    p.add_argument("--revisions", type=int, default=20, help="revisions per target (default 20)")
    p.add_argument("--repeat", type=int, default=3, help="repetitions (default 3)")
    p.add_argument("--jobs", default="1,2,4,8", help="--jobs values (default 1,2,4,8)")
    p.add_argument("--binary", help="a built cargo-brainmig (default: cargo build --release)")
    args = p.parse_args()
    jobs = [int(j) for j in args.jobs.split(",")]
    binary = args.binary
    if not binary:
        subprocess.run(["cargo", "build", "--release", "--bin", "cargo-brainmig"], cwd=ROOT, check=True)
        binary = ROOT / "target" / "release" / "cargo-brainmig"
    binary = str(Path(binary).resolve())

    with tempfile.TemporaryDirectory(prefix="bm_bench_fleet_") as tmp:
        work = Path(tmp)
        write_history(work / "migrations", args.revisions)
        fleet = Fleet(work, args.pg, args.sqlite)
        base = [binary, "brainmig", "--color", "never", "-q", "--migrations-dir", "migrations"]
        loop = ("while read -r url; do \"$0\" brainmig --color never -q --migrations-dir migrations "
                "up --database-url \"$url\" || exit 1; done < targets.txt")
        runs = {"loop": ["bash", "-c", loop, binary]}
        for j in jobs:
            runs[f"jobs={j}"] = base + ["up", "--targets-file", "targets.txt", "--jobs", str(j)]
        samples = {name: [] for name in runs}
        order = list(runs)
        try:
            for rep in range(args.repeat):
                for name in order[rep % len(order):] + order[:rep % len(order)]:
                    fleet.reset()
                    samples[name].append(timed(runs[name], work))
                    fleet.verify(args.revisions)
                print(f"repetition {rep + 1}/{args.repeat} done", file=sys.stderr)
        finally:
            fleet.drop()

    medians = {name: statistics.median(s) for name, s in samples.items()}
    print(f"fleet up: {args.pg} PostgreSQL + {args.sqlite} SQLite targets, {args.revisions} revisions "
          f"each, {args.repeat} repetitions, {os.cpu_count()} CPUs")
    print(f"| run | median | min-max | vs loop | vs jobs=1 |")
    print(f"|---|---|---|---|---|")
    one = medians.get("jobs=1")
    for name, s in samples.items():
        vs_one = f"{medians[name] / one:.2f}" if one and name != "loop" else ""
        print(f"| {name} | {medians[name]:.2f} s | {min(s):.2f}-{max(s):.2f} s "
              f"| {medians[name] / medians['loop']:.2f} | {vs_one} |")


if __name__ == "__main__":
    main()
