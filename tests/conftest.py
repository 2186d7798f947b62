"""Shared pytest configuration: quiet TensorFlow, the tensorflow backend, seeds,
and the library's switches restored after every test."""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
# On the JAX backend most of a small test's time is XLA compiling each train
# step; its cheapest CPU optimization level compiles several times faster
# (the same results, within float rounding). Subprocesses inherit it.
os.environ.setdefault(
    "XLA_FLAGS",
    "--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true",
)

import keras  # noqa: E402

if keras.backend.backend() == "torch":
    # One intra-op thread per pytest-xdist worker: torch's and TensorFlow's
    # thread pools in each of two workers oversubscribe a 2-core machine
    # (torch backward passes were seen stalling under `-n 2`).
    import torch  # noqa: E402

    torch.set_num_threads(1)
import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _seed_everything():
    """Every test starts from the same seeds and the default dtype policy."""
    keras.utils.set_random_seed(1234)
    np.random.seed(1234)
    keras.config.set_dtype_policy("float32")
    yield
    keras.config.set_dtype_policy("float32")


@pytest.fixture
def benchmarks(monkeypatch):
    """The `benchmarks/` folder, importable during the test (`import
    quality`); the scripts' modules are forgotten after it."""
    folder = os.path.join(os.path.dirname(os.path.dirname(__file__)), "benchmarks")
    monkeypatch.syspath_prepend(folder)
    yield folder
    for name in (
        "train_step",
        "profile_step",
        "torch_step",
        "conv_backward",
        "quality",
        "quality_table",
        "glyph_judge",
    ):
        sys.modules.pop(name, None)


@pytest.fixture(autouse=True)
def _restore_environment():
    """No test leaks an environment variable into the next one: later tests'
    subprocesses inherit `os.environ` (a leaked `TF_ENABLE_ONEDNN_OPTS=0`
    once started the SIGKILL test's victim on other kernels than the test
    process). Also what the library sets on purpose, e.g. `set_seed`'s
    `PYTHONHASHSEED`."""
    saved = dict(os.environ)
    yield
    if dict(os.environ) != saved:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(autouse=True)
def _restore_op_determinism():
    """`set_seed` (and `train(seed=...)`) turn TensorFlow's op determinism
    on for the whole process; undone after the test, so that the tests after
    it on the same worker run as they would alone (under it, unseeded
    TensorFlow random ops raise and stateful `tf.data` maps run serially)."""
    from tensorflow.python.framework import config as tf_config

    was = tf_config.is_op_determinism_enabled()
    yield
    if tf_config.is_op_determinism_enabled() != was:
        if was:
            tf_config.enable_op_determinism()
        else:
            tf_config.disable_op_determinism()


@pytest.fixture(autouse=True)
def _restore_library_switches():
    """No test leaks a `keras_gans.config` switch into the next one."""
    from keras_gans import config

    saved = config.conv_gradients(), config.winograd()
    yield
    config.set_conv_gradients(saved[0])
    config.set_winograd(saved[1])
