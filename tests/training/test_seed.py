"""`keras_gans.utils.set_seed`, `configure_threads` and `configure_allocator`."""

import os
import random
import subprocess
import sys

import keras
import numpy as np
import pytest
from tensorflow.python.framework import config as tf_config

from keras_gans.utils import configure_allocator, configure_threads, set_seed


@pytest.fixture(autouse=True)
def _restore_op_determinism(monkeypatch):
    monkeypatch.setenv("PYTHONHASHSEED", "0")  # restored after the test
    was_enabled = tf_config.is_op_determinism_enabled()
    yield
    if not was_enabled:
        tf_config.disable_op_determinism()


def draws():
    layer = keras.layers.Dense(3)
    layer.build((None, 2))
    return (
        random.random(),
        np.random.rand(),
        keras.random.uniform((2,)).numpy().tolist(),
        layer.kernel.numpy().tolist(),
    )


def test_same_seed_same_draws_everywhere():
    set_seed(7, deterministic_ops=False)
    first = draws()
    set_seed(7, deterministic_ops=False)
    assert draws() == first
    set_seed(8, deterministic_ops=False)
    assert draws() != first
    assert os.environ["PYTHONHASHSEED"] == "8"
    assert not tf_config.is_op_determinism_enabled()
    set_seed(7)
    assert tf_config.is_op_determinism_enabled()


@pytest.mark.parametrize("seed", [-1, 2**32, 1.5, "3", True, None])
def test_bad_seed(seed):
    with pytest.raises(ValueError, match="`seed` must be an integer in"):
        set_seed(seed)


def test_bad_deterministic_ops():
    with pytest.raises(ValueError, match="`deterministic_ops` must be a bool"):
        set_seed(1, deterministic_ops="yes")


_THREADS = """
import tensorflow as tf
from keras_gans.utils import configure_threads
first = configure_threads({args})
inter = tf.config.threading.get_inter_op_parallelism_threads()
intra = tf.config.threading.get_intra_op_parallelism_threads()
tf.constant(1.0) + 1.0  # the runtime starts
late = configure_threads(inter_op=3)
print(first, inter, intra, late, tf.config.threading.get_inter_op_parallelism_threads())
"""


@pytest.mark.parametrize(
    "args, expected",
    [("", "True 1 0 False 1"), ("inter_op=0, intra_op=2", "True 0 2 False 0")],
)
def test_configure_threads_before_and_after_start_up(args, expected):
    """`auto` is one inter-op thread on a machine without GPU (this one)."""
    out = subprocess.run(
        [sys.executable, "-c", _THREADS.format(args=args)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "CUDA_VISIBLE_DEVICES": ""},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split("\n")[-2] == expected


@pytest.mark.parametrize(
    "bad", [{"inter_op": -1}, {"intra_op": "auto"}, {"inter_op": 1.5}]
)
def test_configure_threads_bad_arguments(bad):
    (name, value) = next(iter(bad.items()))
    with pytest.raises(ValueError, match=f"`{name}` must be a non-negative integer"):
        configure_threads(**bad)


_ALLOCATOR = """
import os
from keras_gans.utils import configure_allocator, uses_bfc_allocator
first = configure_allocator({arg!r})
env = os.environ.get("TF_CPU_ALLOCATOR_USE_BFC")
bfc = uses_bfc_allocator()  # the runtime starts
late_same = configure_allocator("bfc" if bfc else "default")
late_other = configure_allocator("default" if bfc else "bfc")
print(first, env, bfc, late_same, late_other)
"""


def _run_python(code, user_env, onednn="0"):
    # oneDNN (on by default on AVX-512 VNNI / BF16 CPUs) brings its own
    # allocator, which pools large tensors: fixed here, for every machine.
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "TF_ENABLE_ONEDNN_OPTS": onednn}
    env.pop("TF_CPU_ALLOCATOR_USE_BFC", None)
    if user_env is not None:
        env["TF_CPU_ALLOCATOR_USE_BFC"] = user_env
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.split("\n")[-2]


@pytest.mark.parametrize(
    "arg, user_env, expected",
    [
        # `auto` is BFC on a machine without GPU (this one).
        ("auto", None, "True true True True False"),
        ("bfc", None, "True true True True False"),
        ("default", None, "True false False True False"),
        # A variable the user set wins over `auto`, not over an explicit choice.
        ("auto", "false", "True false False True False"),
        ("bfc", "false", "True true True True False"),
    ],
)
def test_configure_allocator_before_and_after_start_up(arg, user_env, expected):
    assert _run_python(_ALLOCATOR.format(arg=arg), user_env) == expected


def test_onednn_allocator_pools_large_tensors():
    # oneDNN's own allocator (TensorFlow's default where oneDNN runs) keeps a
    # BFC pool for large tensors, as the BFC allocator.
    code = _ALLOCATOR.format(arg="default")
    assert _run_python(code, None, onednn="1") == "True false True True False"


@pytest.mark.parametrize("onednn", ["0", "1"])
def test_onednn_enabled_follows_tensorflow(onednn):
    code = "from keras_gans.utils import onednn_enabled\nprint(onednn_enabled())"
    assert _run_python(code, None, onednn=onednn) == str(onednn == "1")


def test_configure_allocator_bad_argument():
    with pytest.raises(ValueError, match="`cpu` must be one of"):
        configure_allocator("jemalloc")
