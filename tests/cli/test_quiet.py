"""`keras-gans` shows no TensorFlow C++ log line unless --verbose (issue 24).

The lines come from TensorFlow's runtime on file descriptor 2 while it is
imported and when it looks for devices, so only a real process shows them.
Each entry point is checked quiet and verbose across two commands: a tiny
`keras-gans train`, quiet through the console script and `--verbose` with
`python -m`, on the subprocess runs of tests/cli/test_cli.py
(`test_train_is_quiet_unless_verbose`); `keras-gans presets` here, quiet
with `python -m` and `--verbose` through the console script.
"""

import sys

import pytest

from keras_gans import _entry
from tests import cli as cli_tests

TF_LINES = [
    "WARNING: All log messages before absl::InitializeLog() is called are "
    "written to STDERR",
    "I0000 00:00:1796456000.396380   14290 cudart_stub.cc:31] Could not find cuda "
    "drivers on your machine, GPU will not be used.",
    "E0000 00:00:1796456004.128501   14290 cuda_platform.cc:52] failed call to "
    "cuInit: INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)",
    "2024-03-01 10:00:00.123456: I tensorflow/core/util/port.cc:113] oneDNN custom "
    "operations are on. You may see slightly different numerical results.",
    "2024-03-01 10:00:00.123456: W tensorflow/core/grappler/optimizers/"
    "remapper.cc:1000] Skipping the fusion",
    "To enable the following instructions: AVX2 FMA, in other operations, rebuild "
    "TensorFlow with the appropriate compiler flags.",
]

OUR_LINES = [
    "keras-gans: error: --pool-size does not apply to dcgan",
    "keras-gans: warning: skipped x.png: cannot identify image file",
    "Traceback (most recent call last):",
    "F0000 00:00:1796456004.128501   14290 something.cc:52] Check failed: x",
    "Info: I0000 is not at the start",
]


@pytest.mark.parametrize("line", TF_LINES)
def test_tensorflow_log_lines_are_recognised(line):
    assert _entry.TENSORFLOW_LOG_LINE.match(line)


@pytest.mark.parametrize("line", OUR_LINES)
def test_other_lines_pass(line):
    assert not _entry.TENSORFLOW_LOG_LINE.match(line)


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["presets"], (False, False, ["presets"])),
        (["--verbose", "presets"], (False, True, ["presets"])),
        (["train", "cyclegan", "--verbose", "0"],
         (False, False, ["train", "cyclegan", "--verbose", "0"])),
        (["train", "--verbose", "--verbose", "2"],
         (False, True, ["train", "--verbose", "2"])),
        (["train", "--debug", "--epochs", "1"],
         (True, False, ["train", "--epochs", "1"])),
    ],
)  # fmt: skip
def test_split_global_flags(argv, expected):
    assert _entry.split_global_flags(argv) == expected


@pytest.mark.parametrize(
    "argv0, orig, expected",
    [
        ("/venv/bin/keras-gans", None, ["presets"]),
        ("-m", ["python", "-m", "keras_gans", "presets"], ["presets"]),
        ("-m", ["python", "-X", "dev", "-m", "keras_gans", "presets"], ["presets"]),
        ("-m", ["python", "-m", "pytest", "presets"], None),
        ("-c", ["python", "-c", "import keras_gans", "presets"], None),
        ("script.py", ["python", "script.py", "presets"], None),
    ],
)
def test_command_argv(argv0, orig, expected, monkeypatch):
    monkeypatch.setattr(sys, "argv", [argv0, "presets"])
    monkeypatch.setattr(sys, "orig_argv", orig or ["python", argv0, "presets"])
    assert _entry.command_argv() == expected


def test_presets_is_quiet_unless_verbose(tmp_path):
    quiet = cli_tests.run_command(["presets"], str(tmp_path), tf_log_level=None)
    assert quiet.stderr == "" and "cyclegan_fast" in quiet.stdout
    verbose = cli_tests.run_command(
        ["--verbose", "presets"],
        str(tmp_path),
        command=cli_tests.console_command(),
        tf_log_level=None,
    )
    assert verbose.stdout == quiet.stdout
    if not cli_tests.tensorflow_lines(verbose.stderr):
        pytest.skip("this TensorFlow build logs nothing at import")
    assert (
        cli_tests.tensorflow_lines(verbose.stderr)
        == verbose.stderr.strip().splitlines()
    )
