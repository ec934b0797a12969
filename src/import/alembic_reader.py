# Run by `cargo brainmig import alembic` with the Python of the user's `alembic` executable.
# Prints one JSON document on stdout: the revision graph, and each revision's upgrade and
# downgrade SQL rendered by Alembic itself in offline mode through the project's own env.py.
# Arguments: alembic.ini (or "" when there is none), script location, fallback database URL.
# BRAINMIG_SCRATCH_SERVER (in the environment, so no password shows in the process list) is a
# PostgreSQL URL on which to create a scratch database for the revisions offline mode cannot render.
import contextlib
import io
import json
import os
import sys

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationStep
from alembic.script import ScriptDirectory

ini, location, fallback_url = sys.argv[1:4]
server_url = os.environ.get("BRAINMIG_SCRATCH_SERVER", "")
config = Config(ini) if ini else Config()
if not ini:
    config.set_main_option("script_location", location.replace("%", "%%"))
if not config.get_main_option("sqlalchemy.url"):
    # env.py reads the URL in offline mode only to pick the SQL dialect.
    config.set_main_option("sqlalchemy.url", fallback_url)
script = ScriptDirectory.from_config(config)


def parents(sc):
    down = sc.down_revision
    if down is None:
        return []
    if isinstance(down, str):
        return [down]
    return list(down)


def render(sc, upgrade):
    """The SQL Alembic sends for this one step, or the reason it cannot render it offline."""
    seen = {}

    def one_step(heads, context):
        seen["version_table"] = context.version_table
        if upgrade:
            return [MigrationStep.upgrade_from_script(script.revision_map, sc)]
        return [MigrationStep.downgrade_from_script(script.revision_map, sc)]

    start = (parents(sc) or "base") if upgrade else sc.revision
    out = io.StringIO()
    try:
        with EnvironmentContext(
            config,
            script,
            fn=one_step,
            as_sql=True,
            starting_rev=start,
            destination_rev=sc.revision,
            output_buffer=out,
        ):
            # What env.py or the revision print is not SQL: keep it off the output and stdout.
            with contextlib.redirect_stdout(sys.stderr):
                script.run_env()
    except BaseException as e:  # noqa: BLE001 - any failure is reported for this revision
        return {"error": "%s: %s" % (type(e).__name__, e)}
    return {"sql": out.getvalue(), "version_table": seen.get("version_table", "alembic_version")}


def is_introspection(sql):
    """What SQLAlchemy's inspector sends to look at the database: not part of the change."""
    words = sql.lstrip().lower()
    return words.startswith(("select", "show", "with")) and (
        "pg_catalog" in words or "information_schema" in words or words.startswith("show")
    )


def render_online(scripts, server):
    """Runs the whole history with `alembic upgrade heads` on a scratch PostgreSQL database
    created (and dropped) here, recording what each revision's upgrade() sends. Every
    statement goes through a guard: one sent to any other database stops the run before it is
    sent, so an env.py that picks its own URL never touches a real database."""
    from sqlalchemy import create_engine, event, text
    from sqlalchemy.engine import Engine
    from sqlalchemy.engine.url import make_url

    try:
        import psycopg2  # noqa: F401

        driver = "postgresql+psycopg2"
    except ImportError:
        driver = "postgresql+psycopg"
    base = make_url(server).set(drivername=driver)
    name = "brainmig_alembic_scratch_%d" % os.getpid()
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text('CREATE DATABASE "%s"' % name))
    captured = {sc.revision: [] for sc in scripts}
    current = [None]

    def guard(conn, cursor, statement, parameters, context, executemany):
        if conn.engine.url.database != name:
            if conn.engine is admin:
                return
            raise RuntimeError(
                "env.py connects to database %r, not to brainmig's scratch database; "
                "brainmig runs nothing there" % conn.engine.url.database
            )
        if current[0] is None:
            return
        batches = parameters if executemany else [parameters]
        for params in batches:
            sql = statement
            if params:
                sql = cursor.mogrify(statement, params)
                sql = sql.decode() if isinstance(sql, bytes) else sql
            if not is_introspection(sql):
                captured[current[0]].append(sql.strip())

    def recording(rev, upgrade):
        def run(*args, **kw):
            current[0] = rev
            try:
                return upgrade(*args, **kw)
            finally:
                current[0] = None

        return run

    for sc in scripts:
        sc.module.upgrade = recording(sc.revision, sc.module.upgrade)
    event.listen(Engine, "before_cursor_execute", guard)
    config.set_main_option(
        "sqlalchemy.url",
        base.set(database=name).render_as_string(hide_password=False).replace("%", "%%"),
    )
    try:
        # `alembic upgrade heads`, with the script directory whose upgrade()s record.
        with EnvironmentContext(
            config,
            script,
            fn=lambda heads, context: script._upgrade_revs("heads", heads),
            as_sql=False,
            destination_rev="heads",
        ):
            with contextlib.redirect_stdout(sys.stderr):
                script.run_env()
    finally:
        event.remove(Engine, "before_cursor_execute", guard)
        with admin.connect() as c:
            c.execute(text('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name))
        admin.dispose()
    return captured


scripts = list(reversed(list(script.walk_revisions())))
revisions = []
for sc in scripts:
    revisions.append(
        {
            "revision": sc.revision,
            "parents": parents(sc),
            "message": (sc.doc or "").strip(),
            "path": sc.path,
            "upgrade": render(sc, True),
            "downgrade": render(sc, False),
        }
    )

unrendered = [r for r in revisions if "error" in r["upgrade"]]
if unrendered and server_url:
    try:
        captured = render_online(scripts, server_url)
    except BaseException as e:  # noqa: BLE001 - reported with each revision it concerns
        for r in unrendered:
            r["upgrade"]["error"] += "; running it online on a scratch database failed too: %s: %s" % (
                type(e).__name__,
                e,
            )
    else:
        for r in unrendered:
            sql = "\n\n".join(s if s.endswith(";") else s + ";" for s in captured[r["revision"]] if s)
            r["upgrade"] = {
                "sql": sql + "\n" if sql else "",
                "version_table": r["downgrade"].get("version_table", "alembic_version"),
                "online": r["upgrade"]["error"],
            }
json.dump({"script_location": script.dir, "revisions": revisions}, sys.stdout)
