"""Cross-backend tests: scripts of this folder run in subprocesses with
`KERAS_BACKEND` set (Keras fixes its backend when it is first imported).

`start(script, backend, *args)` launches `python -m tests.backends.<script>`
from the repository root, GPUs hidden; `wait(process)` returns its output or
fails the test with the end of its error output; `run` does both.
"""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def start(script, backend, *args, env=None):
    """Start `python -m tests.backends.<script> *args` under `backend`.

    Args:
        script: str. A module of this folder (`"three_steps"`).
        backend: str. The `KERAS_BACKEND` of the subprocess.
        *args: its command-line arguments (converted with `str`).
        env: dict or None. Extra environment variables.

    Returns:
        The `subprocess.Popen`, with text stdout and stderr piped.
    """
    environ = {**os.environ, "KERAS_BACKEND": backend, "CUDA_VISIBLE_DEVICES": ""}
    environ.update(env or {})
    process = subprocess.Popen(
        [sys.executable, "-m", f"tests.backends.{script}", *map(str, args)],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    process.description = f"{script} on {backend}"
    return process


def wait(process, timeout=600):
    """The stdout of a `start`ed process; the test fails if it failed."""
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, f"{process.description} failed:\n{err[-3000:]}"
    return out


def run(script, backend, *args, env=None, timeout=600):
    """`wait(start(script, backend, *args, env=env))`: its stdout."""
    return wait(start(script, backend, *args, env=env), timeout=timeout)
