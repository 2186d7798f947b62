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


@pytest.mark.parametrize(
    "bad", [{"inter_op": -1}, {"intra_op": "auto"}, {"inter_op": 1.5}]
)
def test_configure_threads_bad_arguments(bad):
    (name, value) = next(iter(bad.items()))
    with pytest.raises(ValueError, match=f"`{name}` must be a non-negative integer"):
        configure_threads(**bad)


# Threads and allocator, both set before TensorFlow's runtime starts (one
# process for both: each is read once, when the runtime starts), then again
# after it; and `onednn_enabled()`, which follows TF_ENABLE_ONEDNN_OPTS.
_START_UP = """
import os
import tensorflow as tf
from keras_gans.utils import configure_allocator, configure_threads
from keras_gans.utils import onednn_enabled, uses_bfc_allocator
threads = configure_threads({threads})
inter = tf.config.threading.get_inter_op_parallelism_threads()
intra = tf.config.threading.get_intra_op_parallelism_threads()
first = configure_allocator({arg!r})
env = os.environ.get("TF_CPU_ALLOCATOR_USE_BFC")
bfc = uses_bfc_allocator()  # the runtime starts
tf.constant(1.0) + 1.0
late = configure_threads(inter_op=3)
after = tf.config.threading.get_inter_op_parallelism_threads()
print(threads, inter, intra, late, after)
late_same = configure_allocator("bfc" if bfc else "default")
late_other = configure_allocator("default" if bfc else "bfc")
print(first, env, bfc, late_same, late_other)
print(onednn_enabled())
"""


def _start_up(threads, arg, user_env, onednn="0"):
    """The three lines `_START_UP` prints in a fresh process."""
    # oneDNN (on by default on AVX-512 VNNI / BF16 CPUs) brings its own
    # allocator, which pools large tensors: fixed here, for every machine.
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "TF_ENABLE_ONEDNN_OPTS": onednn}
    env.pop("TF_CPU_ALLOCATOR_USE_BFC", None)
    if user_env is not None:
        env["TF_CPU_ALLOCATOR_USE_BFC"] = user_env
    code = _START_UP.format(threads=threads, arg=arg)
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.splitlines()[-3:]


# `auto` is one inter-op thread on a machine without GPU (this one).
AUTO_THREADS = ("", "True 1 0 False 1")


@pytest.mark.parametrize(
    "threads, arg, user_env, expected",
    [
        # `auto` is BFC on a machine without GPU (this one).
        (AUTO_THREADS, "auto", None, "True true True True False"),
        (("inter_op=0, intra_op=2", "True 0 2 False 0"),
         "bfc", None, "True true True True False"),
        (AUTO_THREADS, "default", None, "True false False True False"),
        # A variable the user set wins over `auto`, not over an explicit choice.
        (AUTO_THREADS, "auto", "false", "True false False True False"),
        (AUTO_THREADS, "bfc", "false", "True true True True False"),
    ],
)  # fmt: skip
def test_configure_threads_and_allocator_before_and_after_start_up(
    threads, arg, user_env, expected
):
    args, threads_expected = threads
    assert _start_up(args, arg, user_env) == [threads_expected, expected, "False"]


def test_onednn_allocator_pools_large_tensors():
    # oneDNN's own allocator (TensorFlow's default where oneDNN runs) keeps a
    # BFC pool for large tensors, as the BFC allocator; `onednn_enabled()`
    # follows TF_ENABLE_ONEDNN_OPTS=1.
    lines = _start_up("", "default", None, onednn="1")
    assert lines == [AUTO_THREADS[1], "True false True True False", "True"]


def test_configure_allocator_bad_argument():
    with pytest.raises(ValueError, match="`cpu` must be one of"):
        configure_allocator("jemalloc")
