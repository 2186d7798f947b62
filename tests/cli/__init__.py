"""Helpers and settings shared by the CLI tests."""

import os
import sys

from keras_gans import _entry, cli

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
