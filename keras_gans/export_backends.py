"""Exports from models trained on JAX or PyTorch: done by TensorFlow.

SavedModel, ONNX (through tf2onnx) and TFLite are TensorFlow formats, and
`keras_gans.export` writes them with TensorFlow code (signatures that take
encoded bytes and uint8, in-graph padding). Under another Keras backend,
`export_generator`, `export_onnx` and `export_tflite` hand the work to
`run_under_tensorflow`: the generator is saved as a `.keras` file (the
format is the same on every backend) and a Python subprocess with
`KERAS_BACKEND=tensorflow` (`keras_gans._export_worker`) loads it and runs
the same function. The result
is the file TensorFlow training would have written, whatever backend
trained the weights, and a bad argument raises the error TensorFlow raises
(`ARGUMENT_ERRORS`, with the same message).

Example:

```python
from keras_gans import export_backends

export_backends.FUNCTIONS  # ('export_generator', 'export_onnx', 'export_tflite')
```
"""

import json
import os
import subprocess
import sys
import tempfile

FUNCTIONS = ("export_generator", "export_onnx", "export_tflite")
#: The exceptions of a bad export argument, raised again in the caller.
ARGUMENT_ERRORS = (ValueError, TypeError, FileExistsError)


def run_under_tensorflow(function, generator, path, kwargs):
    """Run `keras_gans.export.<function>(generator, path, **kwargs)` in a
    TensorFlow subprocess and return its result (the written path).

    Args:
        function: str. One of `FUNCTIONS`.
        generator: `keras.Model`. The generator to export (already chosen
            from its GAN, EMA copy included).
        path: str. Where to export.
        kwargs: dict. The export function's other (JSON-serializable)
            keyword arguments.

    Returns:
        The exported path (str).

    Raises:
        ValueError, TypeError, FileExistsError: what the export function
            raised under TensorFlow (a bad argument, an existing version).
        RuntimeError: any other failure of the subprocess.

    Example:

    ```python
    from keras_gans.export_backends import run_under_tensorflow

    # On the JAX backend, what export_generator(g, "out") does:
    # run_under_tensorflow("export_generator", g, "out", {"version": 1})
    run_under_tensorflow.__name__  # 'run_under_tensorflow'
    ```
    """
    if function not in FUNCTIONS:
        raise ValueError(
            f"`function` must be one of {FUNCTIONS}. Received: {function!r}"
        )
    with tempfile.TemporaryDirectory() as tmp:
        saved = os.path.join(tmp, "generator.keras")
        generator.save(saved)
        request = json.dumps(
            {
                "function": function,
                "model": saved,
                "path": os.fspath(path),
                "kwargs": kwargs,
            }
        )
        env = {**os.environ, "KERAS_BACKEND": "tensorflow"}
        done = subprocess.run(
            [sys.executable, "-m", "keras_gans._export_worker", request],
            env=env,
            capture_output=True,
            text=True,
        )
    reply = _reply(done.stdout)
    if done.returncode == 0 and "path" in reply:
        return reply["path"]
    errors = {error.__name__: error for error in ARGUMENT_ERRORS}
    if reply.get("error") in errors:
        raise errors[reply["error"]](reply["message"])
    lines = (done.stderr or done.stdout).strip().splitlines()
    last = lines[-1] if lines else f"exit code {done.returncode}"
    raise RuntimeError(f"{function} under TensorFlow failed: {last}")


def _reply(stdout):
    """The worker's JSON reply (its last line of output), or `{}`."""
    lines = stdout.strip().splitlines()
    try:
        reply = json.loads(lines[-1]) if lines else {}
    except ValueError:
        return {}
    return reply if isinstance(reply, dict) else {}
