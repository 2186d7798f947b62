"""Helpers and settings shared by the CLI tests."""

import os
import subprocess
import sys

from keras_gans import _entry, cli

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Tiny, fast `keras-gans train` settings: 4-filter networks, 2 steps of
# batch 2 an epoch, 2 samples a grid. Each file adds its image size.
TINY = [
    "--ngf", "4", "--ndf", "4", "--batch-size", "2",
    "--steps-per-epoch", "2", "--samples", "2",
]  # fmt: skip
# CycleGAN presets' ResNet generators with one residual block: the train
# step traces in half the time of the presets' six.
ONE_BLOCK = ["--generator-config", '{"n_blocks": 1}']


def error_line(capsys, argv, status=2):
    """Run `keras-gans argv` in this process and return its one error line.

    Asserts the exit status (2: a usage error, 1: a failed command), that
    stderr holds exactly one line, `keras-gans: error: ...`, and no traceback.
    """
    code = cli.main(argv)
    err = capsys.readouterr().err
    assert code == status, (code, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("keras-gans: error: "), err
    assert "Traceback" not in err
    return lines[0]


def console_command():
    """The installed `keras-gans` console script (else `python -m keras_gans`)."""
    script = os.path.join(os.path.dirname(sys.executable), "keras-gans")
    return [script] if os.path.isfile(script) else [sys.executable, "-m", "keras_gans"]


def tensorflow_lines(text):
    """The lines of `text` that are TensorFlow's C++ log lines."""
    lines = text.splitlines()
    return [line for line in lines if _entry.TENSORFLOW_LOG_LINE.match(line)]


def run_command(args, cwd, command=None, tf_log_level="2"):
    """`keras-gans args` in a subprocess (`command`: the console script from
    `console_command()`; default `python -m keras_gans`), this checkout on
    its path. It must exit 0 without a traceback.

    `tf_log_level=None`: no `TF_CPP_MIN_LOG_LEVEL`, TensorFlow logs all it
    wants (test_quiet.py, the quiet/verbose runs of test_cli.py).
    """
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env["PYTHONPATH"] = REPO
    if tf_log_level is not None:
        env["TF_CPP_MIN_LOG_LEVEL"] = tf_log_level
    result = subprocess.run(
        (command or [sys.executable, "-m", "keras_gans"]) + args,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result
