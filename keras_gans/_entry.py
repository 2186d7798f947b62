"""What the `keras-gans` command does before TensorFlow is imported.

TensorFlow's C++ runtime writes log lines straight to file descriptor 2 while
it is imported and when it first looks for devices ("All log messages before
absl::InitializeLog() ...", "Could not find cuda drivers", "failed call to
cuInit", oneDNN and CPU-feature notices, grappler remapper warnings);
`TF_CPP_MIN_LOG_LEVEL` does not reach all of them. When this process is the
command (`keras-gans ...` or `python -m keras_gans ...`) and the command line
has no `--verbose` (bare, anywhere) or `--debug`, `keras_gans/__init__.py`
calls `hide_tensorflow_logs` first: descriptor 2 then goes through a small
filter process that drops those lines and passes every other one (our
messages, warnings, tracebacks) on. The command's global `--backend NAME`
(`tensorflow`, `jax`, `torch`) is turned into `KERAS_BACKEND` here too,
before Keras is imported. Nothing here imports TensorFlow.

Example:

```python
from keras_gans import _entry

_entry.split_global_flags(["train", "cyclegan", "--verbose", "--verbose", "0"])
# (False, True, ['train', 'cyclegan', '--verbose', '0'])
```
"""

import atexit
import os
import re
import subprocess
import sys

#: A line of TensorFlow's C++ logging: absl's `I0000 00:00:... file.cc:31]`,
#: TSL's `2024-01-01 12:00:00.000000: W tensorflow/...cc:113]`, and the
#: notices that come with them. Fatal (`F`) lines stay.
TENSORFLOW_LOG_LINE = re.compile(
    r"^(?:[IWE]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ \S+:\d+\] "
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWE] \S+:\d+\] "
    r"|WARNING: All log messages before absl::InitializeLog\(\) is called"
    r"|To enable the following instructions: .* rebuild TensorFlow with)"
)

#: The filter process: stdin lines -> stdout, TensorFlow's dropped. It
#: ignores Ctrl-C (its own session) and ends when the command's stderr closes.
_FILTER = """\
import re, sys
line_re = re.compile(sys.argv[1].encode())
out = sys.stdout.buffer
for line in iter(sys.stdin.buffer.readline, b""):
    if not line_re.match(line):
        out.write(line)
        out.flush()
"""

_COMMAND = "keras-gans"
_PACKAGE = "keras_gans"
_filter = None


def split_global_flags(argv):
    """`(debug, verbose, rest)`: the command's `--debug` and bare `--verbose`
    (allowed anywhere; `--verbose` followed by 0, 1 or 2 is `train`'s
    progress level and stays in `rest`).

    Example:

    ```python
    from keras_gans._entry import split_global_flags

    split_global_flags(["presets", "--verbose"])  # (False, True, ['presets'])
    ```
    """
    argv = list(argv)
    rest, debug, verbose = [], False, False
    for i, arg in enumerate(argv):
        following = argv[i + 1] if i + 1 < len(argv) else None
        if arg == "--debug":
            debug = True
        elif arg == "--verbose" and following not in ("0", "1", "2"):
            verbose = True
        else:
            rest.append(arg)
    return debug, verbose, rest


BACKENDS = ("tensorflow", "jax", "torch")


def split_backend(argv):
    """`(backend, rest)`: the command's global `--backend NAME` (or
    `--backend=NAME`, anywhere on the line) and the other arguments;
    `backend` is None when not given.

    Example:

    ```python
    from keras_gans._entry import split_backend

    split_backend(["train", "cyclegan", "--backend", "jax"])
    # ('jax', ['train', 'cyclegan'])
    ```
    """
    argv, rest, backend, i = list(argv), [], None, 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--backend" and i + 1 < len(argv):
            backend, i = argv[i + 1], i + 2
            continue
        if arg.startswith("--backend="):
            backend = arg.split("=", 1)[1]
        else:
            rest.append(arg)
        i += 1
    return backend, rest


def select_backend(argv):
    """Set `KERAS_BACKEND` from the command's `--backend` (before Keras is
    imported); an unknown name is left for the command to report."""
    backend, _ = split_backend(argv)
    if backend in BACKENDS and "keras" not in sys.modules:
        os.environ["KERAS_BACKEND"] = backend


def backend_problem(backend):
    """Why the command cannot run on `backend` (`--backend`'s value), or
    None: an unknown name, or another backend already imported (in a
    process that imported Keras before the command ran)."""
    if backend is None:
        return None
    if backend not in BACKENDS:
        return f"--backend must be one of {', '.join(BACKENDS)}; got {backend!r}"
    import keras

    if keras.backend.backend() != backend:
        return (
            f"--backend {backend}: Keras was imported with the "
            f"{keras.backend.backend()} backend first; set KERAS_BACKEND="
            f"{backend} before starting Python"
        )
    return None


def command_argv():
    """The arguments of this process when it runs the command (`keras-gans`
    or `python -m keras_gans`), else None."""
    name = os.path.basename(sys.argv[0] or "")
    if name.removesuffix(".exe").removesuffix("-script.py") == _COMMAND:
        return sys.argv[1:]
    orig = list(getattr(sys, "orig_argv", ()))
    i = 1
    while i < len(orig):
        arg = orig[i]
        if arg == "-m":
            return orig[i + 2 :] if orig[i + 1 : i + 2] == [_PACKAGE] else None
        if arg in ("-X", "-W"):
            i += 2
        elif arg.startswith("-") and arg != "-c" and arg != "-":
            i += 1
        else:
            return None  # a script, `-c` or stdin
    return None


def hide_tensorflow_logs():
    """Send file descriptor 2 through a filter of TensorFlow's C++ log lines
    until `restore_stderr` (or exit); also sets `TF_CPP_MIN_LOG_LEVEL=2`
    unless it is set. Does nothing if already done or where there is no
    `fork` (Windows)."""
    global _filter
    if _filter is not None or os.name != "posix":
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        process = subprocess.Popen(
            [sys.executable, "-S", "-c", _FILTER, TENSORFLOW_LOG_LINE.pattern],
            stdin=subprocess.PIPE,
            stdout=saved,
            stderr=saved,
            start_new_session=True,
        )
    except OSError:
        os.close(saved)
        return
    os.dup2(process.stdin.fileno(), 2)
    process.stdin.close()  # descriptor 2 is now the pipe's only writer
    _filter = (process, saved)
    atexit.register(restore_stderr)


def restore_stderr():
    """Put file descriptor 2 back and let the filter pass on what it holds."""
    global _filter
    if _filter is None:
        return
    process, saved = _filter
    _filter = None
    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os.dup2(saved, 2)
    os.close(saved)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def quiet_command():
    """Hide TensorFlow's log lines when this process is the command and its
    command line has neither `--verbose` nor `--debug` (called by
    `keras_gans/__init__.py` before anything imports TensorFlow)."""
    argv = command_argv()
    if argv is not None:
        select_backend(argv)
        debug, verbose, _ = split_global_flags(argv)
        if not (debug or verbose):
            hide_tensorflow_logs()
