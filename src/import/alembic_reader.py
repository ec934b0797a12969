# Run by `cargo brainmig import alembic` with the Python of the user's `alembic` executable.
# Prints one JSON document on stdout: the revision graph, and each revision's upgrade and
# downgrade SQL rendered by Alembic itself in offline mode through the project's own env.py.
# Arguments: alembic.ini (or "" when there is none), script location, fallback database URL.
import contextlib
import io
import json
import sys

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationStep
from alembic.script import ScriptDirectory

ini, location, fallback_url = sys.argv[1:4]
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


revisions = []
for sc in reversed(list(script.walk_revisions())):
    revisions.append(
        {
            "revision": sc.revision,
            "parents": parents(sc),
            "branch_labels": sorted(sc.branch_labels or ()),
            "message": (sc.doc or "").strip(),
            "path": sc.path,
            "upgrade": render(sc, True),
            "downgrade": render(sc, False),
        }
    )
json.dump({"script_location": script.dir, "revisions": revisions}, sys.stdout)
