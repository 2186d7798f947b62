import keras
import numpy as np
import pytest
from keras import ops

from keras_gans.layers import ResidualOutput
from tests.backend_grad import gradients
from tests.layers import run_docstring_examples
from tests.test_case import run_model_saving_test, run_serialization_test


def _dtype(x):
    return keras.backend.standardize_dtype(x.dtype)


@pytest.mark.backends
def test_output_is_the_clipped_sum_in_float32():
    rng = np.random.default_rng(0)
    image = rng.uniform(-1, 1, (2, 5, 7, 3)).astype("float32")
    delta = rng.normal(0, 1, (2, 5, 7, 3)).astype("float32")
    out = ResidualOutput()([image, delta])
    assert _dtype(out) == "float32"
    np.testing.assert_allclose(ops.convert_to_numpy(out), np.clip(image + delta, -1, 1))
    # bfloat16 inputs (mixed precision) come out float32.
    out16 = ResidualOutput()([image, ops.cast(delta, "bfloat16")])
    assert _dtype(out16) == "float32"


@pytest.mark.backends
def test_gradient_is_one_inside_and_zero_where_clipped():
    image = np.array([[[[0.0, 0.9, -0.9]]]], "float32")
    delta = np.array([[[[0.5, 0.5, -0.5]]]], "float32")
    layer = ResidualOutput()
    (grad,) = gradients(lambda d: ops.sum(layer([image, d])), [delta])
    np.testing.assert_array_equal(ops.convert_to_numpy(grad).ravel(), [1, 0, 0])


def test_in_a_functional_model_with_unknown_size(tmp_path):
    inp = keras.Input((None, None, 3))
    delta = keras.layers.Conv2D(3, 3, padding="same", name="head")(inp)
    model = keras.Model(inp, ResidualOutput(name="out")([inp, delta]))
    assert tuple(model.output_shape) == (None, None, None, 3)
    x = np.random.default_rng(1).uniform(-1, 1, (2, 9, 11, 3)).astype("float32")
    run_model_saving_test(model, x, tmp_path)
    run_serialization_test(ResidualOutput(name="r"))


def test_bad_inputs():
    with pytest.raises(ValueError, match="pair"):
        ResidualOutput()(np.zeros((1, 2, 2, 3), "float32"))


def test_docstring_example():
    run_docstring_examples(ResidualOutput)
