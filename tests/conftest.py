"""Shared pytest configuration: quiet TensorFlow, the tensorflow backend, seeds,
and the library's switches restored after every test."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
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


@pytest.fixture(autouse=True)
def _restore_library_switches():
    """No test leaks a `keras_gans.config` switch into the next one."""
    from keras_gans import config

    saved = config.conv_gradients(), config.winograd()
    yield
    config.set_conv_gradients(saved[0])
    config.set_winograd(saved[1])
