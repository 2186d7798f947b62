"""Expensive test inputs made once per test session, for every pytest-xdist
worker: `made_once(tmp_path_factory, name, make)`.

A module-scoped fixture runs once per worker that runs a test of its module;
with `-n auto` both workers often do, so a fixture that trains in a
subprocess for 25 s costs 50. `made_once` makes it in one worker while the
others wait on a file lock, then hands every worker the same folder and
result. Only for inputs that tests read: files in the folder and a JSON
result, no objects of the process that made them.
"""

import json
import os
import shutil

try:
    import fcntl
except ImportError:  # not POSIX: every worker makes its own
    fcntl = None


def _session_folder(tmp_path_factory):
    """The base temporary folder of the whole session (under pytest-xdist,
    the parent of this worker's)."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER") and fcntl is not None:
        return base.parent
    return base


def made_once(tmp_path_factory, name, make):
    """`make(folder)` run once per session; every caller gets its outputs.

    Args:
        tmp_path_factory: pytest's fixture.
        name: str. A name for the folder, unique in the test suite.
        make: callable. Takes a new empty `pathlib.Path` folder, writes what
            it makes there and returns a JSON-serializable result.

    Returns:
        `(folder, result)`: the folder `make` wrote and what it returned (read
        back from JSON in every caller, the maker included, so that all see
        the same types). When `make` fails, the caller sees its exception and
        the next caller tries again.
    """
    root = _session_folder(tmp_path_factory)
    folder, done = root / name, root / f"{name}.json"
    with open(root / f"{name}.lock", "w") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)  # a failed try's files
            folder.mkdir()
            result = make(folder)
            done.write_text(json.dumps(result))
    return folder, json.loads(done.read_text())
