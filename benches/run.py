#!/usr/bin/env python3
"""Benchmark harness for cargo-brainmig: brainmig against a psql baseline and the peer tools.

Generates the workloads, runs each tool on a fresh PostgreSQL database per run (named
`bm_bench_<pid>_<n>`, dropped afterwards; no other database is touched), interleaves the tools
within each repetition, and prints medians, min-max, the ratio to the baseline measured in the
same run, and peak RSS (from wait4's rusage of each child).

    python3 benches/run.py                 # full run: brainmig, psql, and the peers that are installed
    python3 benches/run.py --install-peers # first install sqlx-cli, diesel_cli, Alembic (minutes)
    python3 benches/run.py --quick         # seconds; brainmig + psql only; CI runs this
    python3 benches/run.py --only realistic --repeat 3 --json
    python3 benches/run.py --only mysql --repeat 3   # MariaDB: brainmig against the `mysql` client

The admin URL comes from BRAINMIG_BENCH_DATABASE_URL, else BRAINMIG_TEST_DATABASE_URL, else
postgres://postgres@127.0.0.1:5432/postgres; the `mysql` workload's from BRAINMIG_BENCH_MYSQL_URL, else
BRAINMIG_TEST_MYSQL_URL, else mysql://root@127.0.0.1:3306 (it is not part of --quick). The exit code is 1 if any measured command failed
(a missed target is reported, not an error).
"""

import argparse
import atexit
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKLOADS = ["realistic", "overhead", "roundtrip", "scale", "snapshot", "roundtrip-broken", "mysql"]
VERSION_TABLE = "bench_version"  # the psql baseline's bookkeeping table


# ---------------------------------------------------------------------------------------------
# Running things


def pg_bin_dir():
    """The server's own client binaries: Debian's /usr/bin/psql is a Perl wrapper (~20 ms)."""
    env = os.environ.get("BRAINMIG_BENCH_PG_BIN")
    if env:
        return Path(env)
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/psql"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    preferred = Path("/usr/lib/postgresql/15/bin")
    if (preferred / "psql").exists():
        return preferred
    if candidates:
        return candidates[-1].parent
    found = shutil.which("psql")
    return Path(found).parent if found else preferred


PG_BIN = pg_bin_dir()
PSQL = str(PG_BIN / "psql")
MYSQL = os.environ.get("BRAINMIG_BENCH_MYSQL_CLIENT") or "mysql"
PG_DUMP = str(PG_BIN / "pg_dump")


class Sample:
    def __init__(self, ms, rss_kib, rc, out, err):
        self.ms, self.rss_kib, self.rc, self.out, self.err = ms, rss_kib, rc, out, err


# Peak RSS: a child's ru_maxrss (wait4) starts at the RSS of the process that spawned it, which
# for this harness is Python's ~17 MiB, so a small tool would never show less. GNU time forks the
# command from a ~2 MiB process and reports its own wait4 figure; without it, wait4 is used and the
# floor is noted.
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


# Commands run from the work folder, outside any cargo project, so that `--migrations-dir` and
# `--database-url` are all brainmig needs (inside a project it would also run `cargo metadata`).
DEFAULT_CWD = None


def run(cmd, env=None, cwd=None):
    """Runs `cmd`, returning wall time, the child's peak RSS, exit code and output."""
    cmd = [str(c) for c in cmd]
    cwd = cwd or DEFAULT_CWD
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile() as rss:
        if GNU_TIME:
            cmd = [GNU_TIME, "-f", "%M", "-o", rss.name, *cmd]
        started = time.perf_counter()
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env, cwd=cwd
        )
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = (time.perf_counter() - started) * 1000.0
        proc.returncode = os.waitstatus_to_exitcode(status)
        peak = usage.ru_maxrss
        if GNU_TIME:
            lines = [l for l in Path(rss.name).read_text().split() if l.isdigit()]
            peak = int(lines[-1]) if lines else 0
        out.seek(0)
        err.seek(0)
        return Sample(
            elapsed,
            peak,
            proc.returncode,
            out.read().decode(errors="replace"),
            err.read().decode(errors="replace"),
        )


class Failure(Exception):
    pass


def must(cmd, what, env=None, cwd=None):
    sample = run(cmd, env=env, cwd=cwd)
    if sample.rc != 0:
        tail = (sample.err.strip() or sample.out.strip())[-1500:]
        raise Failure(f"{what} failed (exit {sample.rc}): {' '.join(map(str, cmd))}\n{tail}")
    return sample


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Databases


class Databases:
    """Creates uniquely named bm_bench_ databases and drops them, also on exit and on signals."""

    def __init__(self, admin_url):
        self.admin_url = admin_url
        self.live = []
        self.counter = 0
        atexit.register(self.drop_all)

    def url(self, name):
        parts = urllib.parse.urlsplit(self.admin_url)
        return urllib.parse.urlunsplit(parts._replace(path="/" + name))

    def admin(self, sql):
        must([PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.admin_url, "-c", sql], "admin query")

    def create(self):
        self.counter += 1
        name = f"bm_bench_{os.getpid()}_{int(time.time())}_{self.counter}"
        self.admin(f'CREATE DATABASE "{name}"')
        self.live.append(name)
        return name, self.url(name)

    def drop(self, name):
        self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.live:
            self.live.remove(name)

    def drop_all(self):
        for name in list(self.live):
            try:
                self.drop(name)
            except Exception as e:  # noqa: BLE001 - best effort on the way out
                log(f"bench: could not drop {name}: {e}")


class MysqlDatabases:
    """The same for MariaDB/MySQL, through the `mysql` client: bm_bench_ databases, dropped after."""

    def __init__(self, admin_url):
        parts = urllib.parse.urlsplit(admin_url)
        self.admin_url = admin_url
        self.client = [MYSQL, "--batch", "--skip-column-names", "-h", parts.hostname or "127.0.0.1",
                       "-P", str(parts.port or 3306), "-u", urllib.parse.unquote(parts.username or "root")]
        if parts.password:
            self.client.append("-p" + urllib.parse.unquote(parts.password))
        self.live = []
        self.counter = 0
        atexit.register(self.drop_all)

    def url(self, name):
        parts = urllib.parse.urlsplit(self.admin_url)
        return urllib.parse.urlunsplit(parts._replace(path="/" + name))

    def sql(self, sql, database=None):
        return must([*self.client, *([database] if database else []), "-e", sql], "mysql query").out.strip()

    def create(self):
        self.counter += 1
        name = f"bm_bench_{os.getpid()}_{int(time.time())}_{self.counter}"
        self.sql(f"CREATE DATABASE `{name}`")
        self.live.append(name)
        return name, self.url(name)

    def drop(self, name):
        self.sql(f"DROP DATABASE IF EXISTS `{name}`")
        if name in self.live:
            self.live.remove(name)

    def drop_all(self):
        for name in list(self.live):
            try:
                self.drop(name)
            except Exception as e:  # noqa: BLE001 - best effort on the way out
                log(f"bench: could not drop {name}: {e}")


def query(url, sql):
    s = must([PSQL, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql], "check query")
    return s.out.strip()


def count_bench_tables(url):
    return int(query(url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename ~ '^t[0-9]+$'"))


# ---------------------------------------------------------------------------------------------
# Workload generation: each revision is (up_sql, down_sql, message)


def realistic_revision(i):
    t = f"t{i:06d}"
    rows = ", ".join(f"({k}, 'name {k} of {t}', {k * 7 % 13})" for k in range(1, 11))
    up = (
        f"CREATE TABLE {t} (id bigint PRIMARY KEY, name text NOT NULL, "
        f"created_at timestamptz NOT NULL DEFAULT now(), score integer);\n"
        f"CREATE INDEX {t}_name_idx ON {t} (name);\n"
        f"INSERT INTO {t} (id, name, score) VALUES {rows};\n"
    )
    return up, f"DROP TABLE {t};\n", f"create table {t}"


def mysql_revision(i):
    """`realistic_revision` in MySQL's words."""
    t = f"t{i:06d}"
    rows = ", ".join(f"({k}, 'name {k} of {t}', {k * 7 % 13})" for k in range(1, 11))
    up = (
        f"CREATE TABLE {t} (id BIGINT PRIMARY KEY, name VARCHAR(200) NOT NULL, "
        f"created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, score INT);\n"
        f"CREATE INDEX {t}_name_idx ON {t} (name);\n"
        f"INSERT INTO {t} (id, name, score) VALUES {rows};\n"
    )
    return up, f"DROP TABLE {t};\n", f"create table {t}"


def trivial_revision(i):
    t = f"t{i:06d}"
    return f"CREATE TABLE {t} (id integer);\n", f"DROP TABLE {t};\n", f"create table {t}"


def linear(n):
    """Parents of a straight chain of n revisions (1-based ids)."""
    return {i: ([i - 1] if i > 1 else []) for i in range(1, n + 1)}


def branched(n):
    """Blocks of 10: a fork point, two branches of four, and a merge of both; chained together."""
    parents = {}
    tail = None
    start = 1
    while start <= n:
        if start + 9 <= n:
            fork, merge = start, start + 9
            parents[fork] = [tail] if tail else []
            for branch in (range(start + 1, start + 5), range(start + 5, start + 9)):
                prev = fork
                for r in branch:
                    parents[r] = [prev]
                    prev = r
            parents[merge] = [start + 4, start + 8]
            tail, start = merge, start + 10
        else:
            parents[start] = [tail] if tail else []
            tail, start = start, start + 1
    return parents


def rid(i):
    return f"{i:06d}"


def write_brainmig(dir_, revs, parents):
    dir_.mkdir(parents=True, exist_ok=True)
    for i, (up, down, msg) in revs.items():
        revises = ", ".join(rid(p) for p in parents[i])
        header = f"-- revision: {rid(i)}\n" + (f"-- revises: {revises}\n" if revises else "")
        header += f"-- message: {msg}\n\n"
        body = f"-- migrate:up\n{up}" if up else "-- migrate:up\n"
        if down is not None:
            body += f"\n-- migrate:down\n{down}"
        (dir_ / f"{rid(i)}_{msg.replace(' ', '_')}.sql").write_text(header + body)


def psql_step(up_or_down_sql, bookkeeping):
    return f"BEGIN;\n{up_or_down_sql}{bookkeeping}\nCOMMIT;\n"


def write_psql(dir_, revs):
    """The baseline: one transaction per revision holding its SQL and one bookkeeping row."""
    dir_.mkdir(parents=True, exist_ok=True)
    create = f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (revision text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());\n"
    up = [create]
    down = []
    for i, (u, d, _) in revs.items():
        up.append(psql_step(u, f"INSERT INTO {VERSION_TABLE} (revision) VALUES ('{rid(i)}');"))
    for i, (u, d, _) in reversed(list(revs.items())):
        down.append(psql_step(d, f"DELETE FROM {VERSION_TABLE} WHERE revision = '{rid(i)}';"))
    (dir_ / "up.sql").write_text("".join(up))
    (dir_ / "down.sql").write_text("".join(down))


def write_mysql_client(dir_, revs):
    """The `mysql` client baseline: each revision's statements, then its bookkeeping row (DDL
    commits on its own in MySQL, so there is no transaction to wrap them in)."""
    dir_.mkdir(parents=True, exist_ok=True)
    up = [f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (revision VARCHAR(32) PRIMARY KEY, "
          f"applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);\n"]
    down = []
    for i, (u, d, _) in revs.items():
        up.append(f"{u}INSERT INTO {VERSION_TABLE} (revision) VALUES ('{rid(i)}');\n")
    for i, (u, d, _) in reversed(list(revs.items())):
        down.append(f"{d}DELETE FROM {VERSION_TABLE} WHERE revision = '{rid(i)}';\n")
    (dir_ / "up.sql").write_text("".join(up))
    (dir_ / "down.sql").write_text("".join(down))


def write_sqlx(dir_, revs):
    dir_.mkdir(parents=True, exist_ok=True)
    for i, (u, d, msg) in revs.items():
        stem = f"{i}_{msg.replace(' ', '_')}"
        (dir_ / f"{stem}.up.sql").write_text(u)
        (dir_ / f"{stem}.down.sql").write_text(d)


def write_diesel(dir_, revs):
    dir_.mkdir(parents=True, exist_ok=True)
    for i, (u, d, msg) in revs.items():
        m = dir_ / f"2026-01-01-{i:06d}_{msg.replace(' ', '_')}"
        m.mkdir()
        (m / "up.sql").write_text(u)
        (m / "down.sql").write_text(d)


ALEMBIC_ENV = '''\
import os
from alembic import context
from sqlalchemy import create_engine

engine = create_engine(os.environ["BENCH_ALEMBIC_URL"])
with engine.connect() as connection:
    # One transaction per revision, like the other tools.
    context.configure(connection=connection, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
'''


def write_alembic(dir_, revs):
    versions = dir_ / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    (dir_ / "env.py").write_text(ALEMBIC_ENV)
    (dir_ / "alembic.ini").write_text(f"[alembic]\nscript_location = {dir_}\n")
    prev = None
    for i, (u, d, _) in revs.items():
        r = f"r{rid(i)}"
        (versions / f"{r}.py").write_text(
            f'"""{r}"""\nfrom alembic import op\n\nrevision = {r!r}\ndown_revision = {prev!r}\n'
            f"branch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    op.execute({u!r})\n\n\n"
            f"def downgrade():\n    op.execute({d!r})\n"
        )
        prev = r


def write_pgdump_roundtrip(dir_, revs, restrict_key):
    """The hand-written check teams use: per revision up, dump, down, dump, up, dump; compare."""
    dir_.mkdir(parents=True, exist_ok=True)
    create = f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (revision text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());\n"
    (dir_ / "init.sql").write_text(create)
    for i, (u, d, _) in revs.items():
        (dir_ / f"up_{rid(i)}.sql").write_text(psql_step(u, f"INSERT INTO {VERSION_TABLE} (revision) VALUES ('{rid(i)}');"))
        (dir_ / f"down_{rid(i)}.sql").write_text(psql_step(d, f"DELETE FROM {VERSION_TABLE} WHERE revision = '{rid(i)}';"))
    ids = " ".join(rid(i) for i in revs)
    down_all = " ".join(rid(i) for i in reversed(list(revs)))
    key = "--restrict-key=bench " if restrict_key else ""
    (dir_ / "roundtrip.sh").write_text(f"""#!/usr/bin/env bash
set -euo pipefail
db="$1"; cd "$(dirname "$0")"
run() {{ {PSQL} -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$1"; }}
dump() {{ {PG_DUMP} {key}--schema-only -d "$db" > "$1"; }}
run init.sql
dump empty.sql
cp empty.sql before.sql
for r in {ids}; do
    run up_$r.sql;   dump after.sql
    run down_$r.sql; dump back.sql
    cmp -s before.sql back.sql || {{ echo "$r: down did not undo up" >&2; exit 3; }}
    run up_$r.sql;   dump again.sql
    cmp -s after.sql again.sql || {{ echo "$r: up again differs" >&2; exit 3; }}
    mv again.sql before.sql
done
for r in {down_all}; do run down_$r.sql; done
dump final.sql
cmp -s empty.sql final.sql || {{ echo "base: schema not empty" >&2; exit 3; }}
""")


def snapshot_schema_sql(tables, changed):
    """A schema of `tables` tables with columns, constraints, indexes, foreign keys, views and
    functions; `changed` applies a few small edits, as a slightly different copy."""
    out = []
    for i in range(1, tables + 1):
        t = f"s_t{i:04d}"
        fk = f", parent_id bigint REFERENCES s_t{i - 1:04d}(id) ON DELETE CASCADE" if i > 1 else ""
        out.append(
            f"CREATE TABLE {t} (id bigserial PRIMARY KEY, name text NOT NULL, email varchar(255) UNIQUE, "
            f"score integer NOT NULL DEFAULT 0 CHECK (score >= 0), created_at timestamptz NOT NULL DEFAULT now(), "
            f"note text COLLATE \"C\"{fk});"
        )
        out.append(f"CREATE INDEX {t}_name_idx ON {t} (lower(name)) WHERE score > 0;")
        out.append(f"COMMENT ON TABLE {t} IS 'table {i}';")
        if i % 10 == 0:
            out.append(f"CREATE VIEW s_v{i:04d} AS SELECT id, name, score FROM {t} WHERE score > 10;")
            out.append(
                f"CREATE FUNCTION s_f{i:04d}(x integer) RETURNS integer LANGUAGE plpgsql IMMUTABLE "
                f"AS $$ BEGIN RETURN x + {i}; END $$;"
            )
    if changed:
        out.append("ALTER TABLE s_t0005 ADD COLUMN extra text;")
        out.append("DROP INDEX s_t0010_name_idx;")
        out.append("ALTER TABLE s_t0020 ALTER COLUMN score SET DEFAULT 1;")
        out.append("CREATE OR REPLACE VIEW s_v0030 AS SELECT id, name, score FROM s_t0030 WHERE score > 11;")
        out.append("COMMENT ON TABLE s_t0040 IS 'changed';")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# Tools


class Tool:
    name = "?"
    peer = False

    def available(self):
        return True, ""


class Psql(Tool):
    name = "psql"

    def prepare(self, work, revs, parents):
        self.dir = work / "psql"
        write_psql(self.dir, revs)

    def cmd(self, op, url):
        base = [PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url]
        if op == "up":
            return base + ["-f", str(self.dir / "up.sql")]
        if op == "down base":
            return base + ["-f", str(self.dir / "down.sql")]
        # current / history: the one query a status command needs.
        return base + ["-A", "-t", "-c", f"SELECT revision FROM {VERSION_TABLE} ORDER BY applied_at, revision"]


class MysqlClient(Tool):
    name = "mysql client"

    def __init__(self, dbs):
        self.dbs = dbs

    def prepare(self, work, revs, parents):
        self.dir = work / "mysql-client"
        write_mysql_client(self.dir, revs)

    def cmd(self, op, url):
        database = urllib.parse.urlsplit(url).path.lstrip("/")
        base = [*self.dbs.client, database]
        if op in ("up", "down base"):
            return base + ["-e", f"source {self.dir / ('up.sql' if op == 'up' else 'down.sql')}"]
        return base + ["-e", f"SELECT revision FROM {VERSION_TABLE} ORDER BY applied_at, revision"]


class Brainmig(Tool):
    name = "brainmig"

    def __init__(self, binary):
        self.binary = binary

    def prepare(self, work, revs, parents):
        self.dir = work / "brainmig"
        write_brainmig(self.dir, revs, parents)

    def cmd(self, op, url):
        args = {"up": ["up"], "current": ["current"], "history": ["history"], "down base": ["down", "base"]}[op]
        return [str(self.binary), *args, "--migrations-dir", str(self.dir), "--database-url", url]


class BrainmigViaCargo(Tool):
    """`cargo brainmig ...` inside a tiny cargo project: cargo's start-up and cargo metadata included."""

    name = "brainmig via cargo"

    def __init__(self, binary):
        self.binary = binary

    def prepare(self, work, revs, parents, migrations):
        self.dir = work / "cargo-project"
        (self.dir / "src").mkdir(parents=True, exist_ok=True)
        (self.dir / "src" / "lib.rs").write_text("")
        (self.dir / "Cargo.toml").write_text(
            '[package]\nname = "bench-app"\nversion = "0.1.0"\nedition = "2021"\n\n'
            f'[package.metadata.brainmig]\nmigrations = "{migrations}"\n\n[workspace]\n'
        )
        # brainmig never keeps cargo metadata read from a manifest changed seconds ago; a real
        # project's manifest is older than that, so this one is made an hour old.
        hour_ago = time.time() - 3600
        os.utime(self.dir / "Cargo.toml", (hour_ago, hour_ago))
        self.cache = work / "brainmig-cache"
        self.url = None

    def env(self, url):
        env = dict(os.environ)
        env["PATH"] = f"{self.binary.parent}{os.pathsep}{env.get('PATH', '')}"
        env["DATABASE_URL"] = url
        env["BRAINMIG_CACHE_DIR"] = str(self.cache)
        return env

    def cmd(self, op, url):
        return ["cargo", "brainmig", op]

    def cwd(self):
        return self.dir


class Sqlx(Tool):
    name = "sqlx-cli"
    peer = True

    def available(self):
        self.bin = shutil.which("sqlx") or str(Path.home() / ".cargo/bin/sqlx")
        ok = Path(self.bin).exists()
        return ok, "" if ok else "not installed (--install-peers)"

    def prepare(self, work, revs, parents):
        self.dir = work / "sqlx"
        write_sqlx(self.dir, revs)

    def cmd(self, op, url):
        common = ["--source", str(self.dir), "--database-url", url]
        if op == "up":
            return [self.bin, "migrate", "run", *common]
        if op == "down base":
            return [self.bin, "migrate", "revert", "--target-version", "0", *common]
        return [self.bin, "migrate", "info", *common]


class Diesel(Tool):
    name = "diesel_cli"
    peer = True

    def available(self):
        self.bin = shutil.which("diesel") or str(Path.home() / ".cargo/bin/diesel")
        ok = Path(self.bin).exists()
        return ok, "" if ok else "not installed (--install-peers)"

    def prepare(self, work, revs, parents):
        self.dir = work / "diesel"
        write_diesel(self.dir / "migrations", revs)
        (self.dir / "diesel.toml").write_text("")

    def cmd(self, op, url):
        common = ["--migration-dir", str(self.dir / "migrations"), "--database-url", url]
        if op == "up":
            return [self.bin, "migration", "run", *common]
        if op == "down base":
            return [self.bin, "migration", "revert", "--all", *common]
        return [self.bin, "migration", "list", *common]

    def cwd(self):
        return self.dir


class Alembic(Tool):
    name = "alembic"
    peer = True

    def available(self):
        ok = run([sys.executable, "-c", "import alembic, psycopg2"]).rc == 0
        return ok, "" if ok else "not installed (--install-peers)"

    def prepare(self, work, revs, parents):
        self.dir = work / "alembic"
        write_alembic(self.dir, revs)

    def env(self, url):
        env = dict(os.environ)
        env["BENCH_ALEMBIC_URL"] = "postgresql+psycopg2://" + url.split("://", 1)[1]
        return env

    def cmd(self, op, url):
        args = {"up": ["upgrade", "head"], "current": ["current"], "history": ["history"], "down base": ["downgrade", "base"]}[op]
        return [sys.executable, "-m", "alembic", "-c", str(self.dir / "alembic.ini"), *args]


def tool_run(tool, op, url):
    env = tool.env(url) if hasattr(tool, "env") else None
    cwd = tool.cwd() if hasattr(tool, "cwd") else None
    return must(tool.cmd(op, url), f"{tool.name} {op}", env=env, cwd=cwd)


def install_peers():
    steps = [
        ["cargo", "install", "--locked", "sqlx-cli", "--no-default-features", "--features", "postgres"],
        ["cargo", "install", "--locked", "diesel_cli", "--no-default-features", "--features", "postgres"],
        [sys.executable, "-m", "pip", "install", "alembic", "psycopg2-binary"],
    ]
    for cmd in steps:
        log("bench: " + " ".join(cmd))
        if subprocess.call(cmd) != 0:
            log(f"bench: installing failed: {' '.join(cmd)} (that peer will be skipped)")


# ---------------------------------------------------------------------------------------------
# Results


class Results:
    def __init__(self):
        self.rows = {}  # (workload, n, op, tool) -> dict
        self.order = []
        self.notes = []
        self.failures = []

    def add(self, workload, n, op, tool, sample_ms, rss_kib, baseline=False, unit_n=None):
        key = (workload, n, op, tool)
        if key not in self.rows:
            self.rows[key] = {"workload": workload, "n": n, "op": op, "tool": tool, "samples_ms": [], "peak_rss_kib": 0, "baseline": baseline}
            self.order.append(key)
        row = self.rows[key]
        row["samples_ms"].append(round(sample_ms, 3))
        row["peak_rss_kib"] = max(row["peak_rss_kib"], rss_kib or 0)

    def median(self, workload, n, op, tool):
        row = self.rows.get((workload, n, op, tool))
        return statistics.median(row["samples_ms"]) if row else None

    def finish(self):
        out = []
        for key in self.order:
            row = dict(self.rows[key])
            s = row["samples_ms"]
            row["median_ms"] = round(statistics.median(s), 3)
            row["min_ms"], row["max_ms"] = min(s), max(s)
            base = next((r for k, r in self.rows.items() if k[:3] == key[:3] and r["baseline"]), None)
            row["baseline_tool"] = base["tool"] if base else None
            row["ratio"] = round(row["median_ms"] / statistics.median(base["samples_ms"]), 3) if base else None
            row["peak_rss_mib"] = round(row["peak_rss_kib"] / 1024, 1)
            out.append(row)
        return out


def fmt_ms(ms):
    if ms >= 10000:
        return f"{ms / 1000:.1f} s"
    if ms >= 1000:
        return f"{ms / 1000:.2f} s"
    if ms >= 100:
        return f"{ms:.0f} ms"
    if ms >= 10:
        return f"{ms:.1f} ms"
    return f"{ms:.2f} ms"


def print_table(rows, targets, meta):
    head = ["workload", "N", "op", "tool", "median", "min–max", "× base", "peak RSS"]
    lines = []
    for r in rows:
        lines.append([
            r["workload"], str(r["n"]), r["op"], r["tool"], fmt_ms(r["median_ms"]),
            f"{fmt_ms(r['min_ms'])} – {fmt_ms(r['max_ms'])}",
            "base" if r["baseline"] else (f"{r['ratio']:.2f}" if r["ratio"] is not None else "–"),
            f"{r['peak_rss_mib']:.1f} MiB" if r["peak_rss_kib"] else "–",
        ])
    widths = [max(len(h), *(len(l[i]) for l in lines)) if lines else len(h) for i, h in enumerate(head)]
    print(f"brainmig benchmarks: {meta['command']}")
    print(f"{meta['machine']}; {meta['repeat']} interleaved repetition(s); brainmig build: {meta['profile']}")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(head, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for l in lines:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(l, widths)) + " |")
    if targets:
        print()
        print("| target | measured | met |")
        print("|---|---|---|")
        for t in targets:
            print(f"| {t['target']} | {t['measured']} | {t['met']} |")
    for n in meta["notes"]:
        print(f"note: {n}")


def evaluate_targets(res, peers_present):
    t = []

    def add(target, measured, met):
        t.append({"target": target, "measured": measured, "met": "n/a" if met is None else ("yes" if met else "NO")})

    m = res.median
    up_b, up_p = m("realistic", 1000, "up", "brainmig"), m("realistic", 1000, "up", "psql")
    if up_b and up_p:
        peers = {p: m("realistic", 1000, "up", p) for p in peers_present}
        peers = {p: v for p, v in peers.items() if v}
        fastest = min(peers.items(), key=lambda kv: kv[1]) if peers else None
        msg = f"{up_b / up_p:.3f}× psql"
        if fastest:
            msg += f"; fastest peer {fastest[0]} {fastest[1] / up_p:.3f}×"
        add("up, realistic N=1000: ≤ 1.05× psql, ≤ fastest peer", msg, up_b <= 1.05 * up_p and (not fastest or up_b <= fastest[1]))
    ov_b, ov_p = m("overhead", 1000, "up", "brainmig"), m("overhead", 1000, "up", "psql")
    if ov_b and ov_p:
        per = (ov_b - ov_p) / 1000
        rss = res.rows[("overhead", 1000, "up", "brainmig")]["peak_rss_kib"] / 1024
        add("overhead N=1000: ≤ 0.2 ms/revision above psql", f"{per:+.3f} ms/revision", per <= 0.2)
        add("overhead N=1000: peak memory < 20 MiB", f"{rss:.1f} MiB", rss < 20)
    sqlx_info = m("realistic", 1000, "current", "sqlx-cli")
    for op in ("current", "history"):
        direct = m("realistic", 1000, op, "brainmig")
        cargo = m("realistic", 1000, op, "brainmig via cargo")
        if direct:
            add(f"`{op}`, 1000 applied: ≤ sqlx-cli `migrate info`", f"{direct:.1f} ms" + (f" vs {sqlx_info:.1f} ms" if sqlx_info else " (sqlx-cli not measured)"), direct <= sqlx_info if sqlx_info else None)
        if cargo:
            add(f"`cargo brainmig {op}`, 1000 applied: ≤ 60 ms", f"{cargo:.1f} ms", cargo <= 60)
    d_b, d_p = m("realistic", 1000, "down base", "brainmig"), m("realistic", 1000, "down base", "psql")
    if d_b and d_p:
        add("down base, realistic N=1000: ≤ 1.05× psql", f"{d_b / d_p:.3f}×", d_b <= 1.05 * d_p)
    my_b, my_c = m("mysql", 200, "up", "brainmig"), m("mysql", 200, "up", "mysql client")
    if my_b and my_c:
        add("up on MariaDB, realistic N=200: ≤ 1.10× the mysql client", f"{my_b / my_c:.3f}×", my_b <= 1.10 * my_c)
    r_b, r_s = m("roundtrip", 100, "test-roundtrip", "brainmig"), m("roundtrip", 100, "test-roundtrip", "pg_dump script")
    if r_b and r_s:
        add("test-roundtrip, 100 revisions: ≥ 5× faster than the pg_dump script", f"{r_s / r_b:.1f}× faster", r_s / r_b >= 5)
    ok = m("roundtrip-broken", 300, "test-roundtrip", "correct downs")
    bad = m("roundtrip-broken", 300, "test-roundtrip", "20 broken downs")
    if ok and bad:
        add("test-roundtrip, 300 revisions, 20 broken downs: ≤ 1.3× the same history with correct downs", f"{bad / ok:.2f}×", bad <= 1.3 * ok)
    h10 = m("scale", 10000, "history", "brainmig")
    if h10:
        rss = res.rows[("scale", 10000, "history", "brainmig")]["peak_rss_kib"] / 1024
        add("history, 10,000 files: < 150 ms and < 50 MiB", f"{h10:.0f} ms, {rss:.1f} MiB", h10 < 150 and rss < 50)
    h1, h50 = m("scale", 1000, "history", "brainmig"), m("scale", 50000, "history", "brainmig")
    if h1 and h10 and h50:
        slope_a = (h10 - h1) / 9000
        slope_b = (h50 - h10) / 40000
        add("history cost linear (slope 10k→50k ≤ 1.5× slope 1k→10k)", f"{slope_a * 1000:.1f} vs {slope_b * 1000:.1f} ms per 1000 files", slope_b <= 1.5 * slope_a)
    snap = m("snapshot", 300, "snapshot", "brainmig")
    if snap:
        add("snapshot, 300 tables: < 150 ms", f"{snap:.1f} ms", snap < 150)
    diff = m("snapshot", 300, "diff", "brainmig")
    if diff is not None:
        add("diff of two 300-table snapshots: < 20 ms", f"{diff:.2f} ms", diff < 20)
    return t


# ---------------------------------------------------------------------------------------------
# The workloads


def rotated(tools, rep):
    k = rep % len(tools)
    return tools[k:] + tools[:k]


def bench_migrations(kind, sizes, tools, cargo_tool, dbs, res, work, repeat, current_samples):
    """`realistic` and `overhead`: up from empty, current/history with all applied, down base."""
    gen = realistic_revision if kind == "realistic" else trivial_revision
    for n in sizes:
        revs = {i: gen(i) for i in range(1, n + 1)}
        parents = linear(n)
        wdir = work / f"{kind}-{n}"
        for tool in tools:
            tool.prepare(wdir, revs, parents)
        use_cargo = cargo_tool is not None and kind == "realistic" and n == max(sizes)
        if use_cargo:
            cargo_tool.prepare(wdir, revs, parents, wdir / "brainmig")
        ops_status = ["current", "history"] if kind == "realistic" else []
        for rep in range(repeat):
            for tool in rotated(tools, rep):
                log(f"bench: {kind} N={n} rep {rep + 1}/{repeat}: {tool.name}")
                name, url = dbs.create()
                try:
                    s = tool_run(tool, "up", url)
                    res.add(kind, n, "up", tool.name, s.ms, s.rss_kib, baseline=tool.name == "psql")
                    if kind == "realistic" and count_bench_tables(url) != n:
                        raise Failure(f"{tool.name} up left {count_bench_tables(url)} of {n} tables")
                    for op in ops_status:
                        for _ in range(current_samples):
                            s = tool_run(tool, op, url)
                            res.add(kind, n, op, tool.name, s.ms, s.rss_kib, baseline=tool.name == "psql")
                        if use_cargo and tool.name == "brainmig":
                            tool_run(cargo_tool, op, url)  # warm-up: Cargo.lock and brainmig's metadata cache
                            for _ in range(current_samples):
                                s = tool_run(cargo_tool, op, url)
                                res.add(kind, n, op, cargo_tool.name, s.ms, s.rss_kib)
                    s = tool_run(tool, "down base", url)
                    res.add(kind, n, "down base", tool.name, s.ms, s.rss_kib, baseline=tool.name == "psql")
                    if count_bench_tables(url) != 0:
                        raise Failure(f"{tool.name} down base left tables behind")
                finally:
                    dbs.drop(name)


def bench_mysql(sizes, binary, dbs, res, work, repeat):
    """`up` and `down base` of the realistic workload on MariaDB: brainmig against the `mysql`
    client running the same statements, on a fresh database per run."""
    tools = [MysqlClient(dbs), Brainmig(binary)]
    for n in sizes:
        revs = {i: mysql_revision(i) for i in range(1, n + 1)}
        wdir = work / f"mysql-{n}"
        for tool in tools:
            tool.prepare(wdir, revs, linear(n))
        for rep in range(repeat):
            for tool in rotated(tools, rep):
                log(f"bench: mysql N={n} rep {rep + 1}/{repeat}: {tool.name}")
                name, url = dbs.create()
                try:
                    for op in ("up", "current", "down base"):
                        s = tool_run(tool, op, url)
                        res.add("mysql", n, op, tool.name, s.ms, s.rss_kib, baseline=tool.name == "mysql client")
                        tables = int(dbs.sql(
                            "SELECT COUNT(*) FROM information_schema.TABLES "
                            f"WHERE TABLE_SCHEMA = '{name}' AND TABLE_NAME REGEXP '^t[0-9]+$'"))
                        want = 0 if op == "down base" else n
                        if tables != want:
                            raise Failure(f"{tool.name} {op} left {tables} of {want} tables")
                finally:
                    dbs.drop(name)


def bench_roundtrip(sizes, brainmig, dbs, res, work, repeat):
    restrict = "restrict-key" in run([PG_DUMP, "--help"]).out
    for n in sizes:
        revs = {i: realistic_revision(i) for i in range(1, n + 1)}
        wdir = work / f"roundtrip-{n}"
        brainmig.prepare(wdir, revs, linear(n))
        write_pgdump_roundtrip(wdir / "pgdump", revs, restrict)
        script = wdir / "pgdump" / "roundtrip.sh"
        runners = [
            ("pg_dump script", lambda url: must(["bash", str(script), url], "pg_dump round-trip script")),
            ("brainmig", lambda url: must([str(brainmig.binary), "test-roundtrip", "--migrations-dir", str(brainmig.dir), "--database-url", url], "brainmig test-roundtrip")),
        ]
        for rep in range(repeat):
            for tool, fn in rotated(runners, rep):
                log(f"bench: roundtrip N={n} rep {rep + 1}/{repeat}: {tool}")
                name, url = dbs.create()
                try:
                    s = fn(url)
                    res.add("roundtrip", n, "test-roundtrip", tool, s.ms, s.rss_kib, baseline=tool == "pg_dump script")
                finally:
                    dbs.drop(name)


def broken_down(i, kind):
    """A realistic revision whose down section is wrong in one of the ways a rebuild must absorb."""
    up, down, msg = realistic_revision(i)
    t = f"t{i:06d}"
    if kind == 0:  # fails and rolls back: no rebuild needed
        return up, f"DROP TABLE {t}_typo;\n", msg
    if kind == 1:  # forgets the table (drops only its index): the second up fails
        return up, f"DROP INDEX {t}_name_idx;\n", msg
    # Drops the table and a column of the previous one, which the second up does not bring back.
    return up, down + f"ALTER TABLE t{i - 1:06d} DROP COLUMN score;\n", msg


def roundtrip_verdicts(sample, n, broken):
    """Checks that every revision got a verdict: exit 3 with `broken` failures, else 0."""
    if sample.rc != (3 if broken else 0):
        raise Failure(f"test-roundtrip exited {sample.rc}, expected {3 if broken else 0}\n{sample.err[-1500:]}")
    counts = json.loads(sample.out)["counts"]
    if counts["failed"] != broken or counts["passed"] != n - broken or counts["not_run"]:
        raise Failure(f"test-roundtrip counts {counts}, expected {n - broken} passed and {broken} failed")


def bench_roundtrip_broken(sizes, brainmig, dbs, res, work, repeat):
    """`test-roundtrip` over N revisions, 20 of them (N/15 below 300) with wrong down sections,
    against the same history with every down section right: a failure must not slow the rest."""
    for n in sizes:
        broken_at = sorted({n * (k + 1) // (min(20, max(1, n // 15)) + 1) for k in range(min(20, max(1, n // 15)))})
        good = {i: realistic_revision(i) for i in range(1, n + 1)}
        bad = dict(good)
        for k, i in enumerate(broken_at):
            bad[i] = broken_down(i, k % 3)
        dirs = {}
        for label, revs in (("correct downs", good), (f"{len(broken_at)} broken downs", bad)):
            d = work / f"roundtrip-broken-{n}" / label.replace(" ", "-")
            Brainmig(brainmig.binary).prepare(d, revs, linear(n))
            dirs[label] = (d / "brainmig", 0 if label == "correct downs" else len(broken_at))
        for rep in range(repeat):
            for label in rotated(list(dirs), rep):
                mdir, broken = dirs[label]
                log(f"bench: roundtrip-broken N={n} rep {rep + 1}/{repeat}: {label}")
                name, url = dbs.create()
                try:
                    s = run([str(brainmig.binary), "test-roundtrip", "--format", "json", "--migrations-dir", str(mdir), "--database-url", url])
                    roundtrip_verdicts(s, n, broken)
                    res.add("roundtrip-broken", n, "test-roundtrip", label, s.ms, s.rss_kib, baseline=broken == 0)
                finally:
                    dbs.drop(name)


def bench_scale(sizes, brainmig, res, work, repeat):
    """No database: a SQLite URL to a file that does not exist, which read-only commands never create."""
    url = f"sqlite://{work / 'never-created.sqlite3'}"
    for n in sizes:
        revs = {i: realistic_revision(i) for i in range(1, n + 1)}
        parents = branched(n)
        wdir = work / f"scale-{n}"
        brainmig.prepare(wdir, revs, parents)
        for op in ("heads", "history"):  # warm the page cache
            must([str(brainmig.binary), op, "--migrations-dir", str(brainmig.dir), "--database-url", url], f"brainmig {op}")
        for rep in range(repeat):
            log(f"bench: scale N={n} rep {rep + 1}/{repeat}")
            for op in ("heads", "history"):
                for _ in range(3):
                    s = must([str(brainmig.binary), op, "--migrations-dir", str(brainmig.dir), "--database-url", url], f"brainmig {op}")
                    res.add("scale", n, op, "brainmig", s.ms, s.rss_kib)
        if (work / "never-created.sqlite3").exists():
            raise Failure("a read-only command created the SQLite file")
        shutil.rmtree(wdir)


def bench_snapshot(tables, snapshot_bin, dbs, res, work, repeat):
    work.mkdir(parents=True, exist_ok=True)
    a_sql, b_sql = work / "schema-a.sql", work / "schema-b.sql"
    a_sql.write_text(snapshot_schema_sql(tables, False))
    b_sql.write_text(snapshot_schema_sql(tables, True))
    a_name, a_url = dbs.create()
    b_name, b_url = dbs.create()
    try:
        must([PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-d", a_url, "-f", str(a_sql)], "creating the snapshot schema")
        must([PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-d", b_url, "-f", str(b_sql)], "creating the changed copy")
        for rep in range(repeat):
            log(f"bench: snapshot {tables} tables rep {rep + 1}/{repeat}")
            for which in rotated(["pg_dump", "brainmig"], rep):
                if which == "pg_dump":
                    s = must([PG_DUMP, "--schema-only", "-d", a_url, "-f", str(work / "dump.sql")], "pg_dump --schema-only")
                    res.add("snapshot", tables, "snapshot", "pg_dump -s", s.ms, s.rss_kib, baseline=True)
                    continue
                s = must([str(snapshot_bin), a_url, b_url, "--reps", "5"], "brainmig snapshot bench")
                data = json.loads(s.out)
                if data["differences"] < 5:
                    raise Failure(f"the diff found {data['differences']} differences, expected at least 5")
                for ms in data["snapshot_ms"]:
                    res.add("snapshot", tables, "snapshot", "brainmig", ms, s.rss_kib)
                for ms in data["diff_ms"]:
                    res.add("snapshot", tables, "diff", "brainmig", ms, s.rss_kib)
    finally:
        dbs.drop(a_name)
        dbs.drop(b_name)


# ---------------------------------------------------------------------------------------------


def cargo_build(profile, extra):
    cmd = ["cargo", "build", "--locked", *extra, "--message-format=json-render-diagnostics"]
    if profile == "release":
        cmd.append("--release")
    log("bench: " + " ".join(cmd))
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise Failure(f"{' '.join(cmd)} failed")
    exes = {}
    for line in proc.stdout.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if msg.get("reason") == "compiler-artifact" and msg.get("executable"):
            exes[msg["target"]["name"]] = Path(msg["executable"])
    return exes


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes, one repetition, brainmig and psql only (CI)")
    ap.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    ap.add_argument("--save", metavar="FILE", help="also write the JSON results to FILE")
    ap.add_argument("--install-peers", action="store_true", help="cargo install sqlx-cli and diesel_cli, pip install alembic first")
    ap.add_argument("--only", action="append", choices=WORKLOADS, help="run only this workload (repeatable)")
    ap.add_argument("--repeat", type=int, help="interleaved repetitions (default 5; 1 with --quick)")
    ap.add_argument("--sizes", action="append", metavar="WORKLOAD=N[,N...]", help="override the sizes of a workload, e.g. realistic=50,200")
    ap.add_argument("--peers", action="store_true", help="with --quick: also run the installed peers")
    ap.add_argument("--profile", choices=["release", "debug"], help="how to build brainmig (default release; debug with --quick)")
    args = ap.parse_args()

    profile = args.profile or ("debug" if args.quick else "release")
    repeat = args.repeat or (1 if args.quick else 5)
    # MariaDB's DDL takes tens of milliseconds a statement: the mysql workload runs when asked
    # for, or in a full run; CI's --quick leaves it out.
    only = args.only or [w for w in WORKLOADS if not (args.quick and w == "mysql")]
    if args.quick:
        sizes = {"realistic": [20], "overhead": [50], "roundtrip": [5], "scale": [100, 500], "snapshot": 50, "roundtrip-broken": [30], "mysql": [20]}
        current_samples = 1
    else:
        sizes = {"realistic": [100, 1000], "overhead": [1000], "roundtrip": [100], "scale": [1000, 10000, 50000], "snapshot": 300, "roundtrip-broken": [300], "mysql": [200]}
        current_samples = 3
    for spec in args.sizes or []:
        wl, _, ns = spec.partition("=")
        if wl not in sizes or not ns:
            ap.error(f"--sizes {spec}: expected WORKLOAD=N[,N...] with WORKLOAD one of {', '.join(WORKLOADS)}")
        values = [int(x) for x in ns.split(",")]
        sizes[wl] = values[0] if wl == "snapshot" else values
    admin = os.environ.get("BRAINMIG_BENCH_DATABASE_URL") or os.environ.get("BRAINMIG_TEST_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.install_peers and not args.quick:
        install_peers()

    res = Results()
    notes = []
    peers_present = []
    if not GNU_TIME:
        notes.append("/usr/bin/time not found: peak RSS is wait4's, which starts at the harness's own RSS (~17 MiB)")
    if profile == "debug":
        notes.append("brainmig is a debug build: the figures check that the harness runs, they are not the product's speed")
    try:
        exes = cargo_build(profile, ["--bin", "cargo-brainmig"])
        binary = exes.get("cargo-brainmig") or ROOT / "target" / profile / "cargo-brainmig"
        snapshot_bin = None
        if "snapshot" in only:
            snapshot_bin = cargo_build(profile, ["--bench", "snapshot"]).get("snapshot")
            if snapshot_bin is None:
                raise Failure("building benches/snapshot.rs produced no executable")
        if not Path(PSQL).exists():
            raise Failure(f"{PSQL} not found (set BRAINMIG_BENCH_PG_BIN)")
        dbs = Databases(admin)
        brainmig = Brainmig(binary)
        tools = [Psql(), brainmig]
        if not args.quick or args.peers:
            for peer in (Sqlx(), Diesel(), Alembic()):
                ok, why = peer.available()
                if ok:
                    tools.append(peer)
                    peers_present.append(peer.name)
                else:
                    notes.append(f"{peer.name} skipped: {why}")
        if args.quick:
            notes.append("--quick: sizes are small, so the targets are not evaluated")
        cargo_tool = BrainmigViaCargo(binary) if shutil.which("cargo") else None
        with tempfile.TemporaryDirectory(prefix="brainmig-bench-") as tmp:
            work = Path(tmp)
            global DEFAULT_CWD
            DEFAULT_CWD = work
            for wl in only:
                started = time.perf_counter()
                try:
                    if wl in ("realistic", "overhead"):
                        bench_migrations(wl, sizes[wl], tools, cargo_tool, dbs, res, work, repeat, current_samples)
                    elif wl == "roundtrip":
                        bench_roundtrip(sizes[wl], Brainmig(binary), dbs, res, work, repeat)
                    elif wl == "roundtrip-broken":
                        bench_roundtrip_broken(sizes[wl], Brainmig(binary), dbs, res, work, repeat)
                    elif wl == "scale":
                        bench_scale(sizes[wl], Brainmig(binary), res, work, repeat)
                    elif wl == "mysql":
                        admin_my = os.environ.get("BRAINMIG_BENCH_MYSQL_URL") or os.environ.get("BRAINMIG_TEST_MYSQL_URL") or "mysql://root@127.0.0.1:3306"
                        if not shutil.which(MYSQL):
                            raise Failure(f"{MYSQL} not found: the mysql workload needs the MariaDB/MySQL client")
                        bench_mysql(sizes[wl], binary, MysqlDatabases(admin_my), res, work, repeat)
                    elif wl == "snapshot":
                        bench_snapshot(sizes[wl], snapshot_bin, dbs, res, work / "snapshot", repeat)
                except Failure as e:  # the other workloads still run; the exit code says it failed
                    res.failures.append(str(e))
                    log(f"bench: FAILED: {e}")
                log(f"bench: {wl} done in {time.perf_counter() - started:.1f} s")
    except Failure as e:
        res.failures.append(str(e))
        log(f"bench: FAILED: {e}")

    rows = res.finish()
    targets = [] if args.quick else evaluate_targets(res, peers_present)
    meta = {
        "command": "python3 benches/run.py " + " ".join(sys.argv[1:]),
        "machine": f"{os.cpu_count()} cores, PostgreSQL at {urllib.parse.urlsplit(admin).hostname}, psql from {PG_BIN}",
        "repeat": repeat,
        "profile": profile,
        "notes": notes,
    }
    data = {"meta": meta, "results": rows, "targets": targets, "failures": res.failures}
    if args.save:
        Path(args.save).write_text(json.dumps(data, indent=2) + "\n")
    if args.json:
        json.dump(data, sys.stdout, indent=2)
        print()
    else:
        print_table(rows, targets, meta)
        for f in res.failures:
            print(f"FAILED: {f}")
    return 1 if res.failures else 0


if __name__ == "__main__":
    sys.exit(main())
