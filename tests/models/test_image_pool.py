"""ImagePool: paper semantics, swap probability, save/load of its state."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.models import ImagePool
from tests.test_case import assert_allclose, run_serialization_test

# The pool is keras.ops only: CI runs this file on JAX and PyTorch too.
pytestmark = pytest.mark.backends


def constant_images(values):
    """One 2x2x1 image per value, filled with that value."""
    values = np.asarray(values, dtype="float32")
    return np.broadcast_to(values[:, None, None, None], (len(values), 2, 2, 1)).copy()


def stored_values(pool):
    return sorted(pool.images.numpy()[:, 0, 0, 0].tolist())


def test_fills_then_returns_new_images():
    pool = ImagePool(pool_size=4, seed=0)
    out = pool(constant_images([1, 2, 3]))
    np.testing.assert_array_equal(out, constant_images([1, 2, 3]))
    assert int(pool.count.numpy()) == 3
    # the 4th image fills the pool and is returned; the 5th is the first
    # image that may be swapped
    out = pool(constant_images([4]))
    np.testing.assert_array_equal(out, constant_images([4]))
    assert int(pool.count.numpy()) == 4
    assert stored_values(pool) == [1.0, 2.0, 3.0, 4.0]


def test_swap_probability_and_bookkeeping():
    """Replay the pool's outputs against a Python model of the paper's rule.

    Every value is unique, so each output is either the new image (kept out
    of the pool) or a stored one, which the new image then replaces.
    """
    pool_size, draws = 5, 4000
    pool = ImagePool(pool_size=pool_size, seed=123)
    initial = list(range(pool_size))
    pool(constant_images(initial))
    new = np.arange(100, 100 + draws)
    # one batch: the per-image loop runs in order inside the op
    call = tf.function(pool) if keras.backend.backend() == "tensorflow" else pool
    out = keras.ops.convert_to_numpy(call(constant_images(new)))[:, 0, 0, 0]

    model = set(float(v) for v in initial)
    swaps = 0
    for value, returned in zip(new.astype("float32"), out):
        if returned == value:
            continue
        assert returned in model, f"returned {returned}, never stored or already gone"
        model.remove(returned)
        model.add(float(value))
        swaps += 1
    assert sorted(model) == stored_values(pool)
    # P(swap) = 0.5; 4000 draws: standard error 0.008, tolerance > 5 sigma
    assert abs(swaps / draws - 0.5) < 0.045, swaps / draws
    assert int(keras.ops.convert_to_numpy(pool.count)) == pool_size


def test_pool_size_zero_is_identity():
    pool = ImagePool(pool_size=0)
    x = constant_images([1, 2])
    np.testing.assert_array_equal(pool(x), x)
    assert pool.weights == []


def test_save_load_round_trip_continues_the_same_draws(tmp_path):
    inputs = keras.Input((2, 2, 1))
    model = keras.Model(inputs, ImagePool(pool_size=3, seed=5, name="pool")(inputs))
    model(constant_images([1, 2, 3, 4, 5, 6]))
    path = os.path.join(str(tmp_path), "pool.keras")
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    pool, pool2 = model.get_layer("pool"), loaded.get_layer("pool")
    assert int(pool2.count.numpy()) == 3
    assert_allclose(pool2.images, pool.images, atol=0)
    # the random state was saved too: the next draws are the same
    x = constant_images(np.arange(10, 30))
    np.testing.assert_array_equal(loaded(x), model(x))


def test_config_and_validation():
    run_serialization_test(ImagePool(pool_size=7, seed=3))
    with pytest.raises(ValueError, match="pool_size=-1"):
        ImagePool(pool_size=-1)
    with pytest.raises(ValueError, match="static image shape"):
        ImagePool(pool_size=2).build((None, None, None, 3))
