import keras
import numpy as np
import pytest

from keras_gans.layers import (
    ACTIVATIONS,
    NORMALIZATIONS,
    InstanceNormalization,
    ReflectPad,
    make_activation,
    make_norm,
    make_padding,
)
from tests.test_case import max_abs_diff, random_input, require_torch


def test_make_norm_types_and_torch_defaults():
    inorm = make_norm("instance", name="n")
    assert isinstance(inorm, InstanceNormalization) and not inorm.affine
    assert inorm.epsilon == 1e-5 and inorm.name == "n"
    assert make_norm("instance_affine").affine
    bn = make_norm("batch")
    assert isinstance(bn, keras.layers.BatchNormalization)
    assert bn.momentum == 0.9 and bn.epsilon == 1e-5
    ln = make_norm("layer")
    assert isinstance(ln, keras.layers.LayerNormalization) and ln.epsilon == 1e-5
    assert make_norm(None) is None and make_norm("none") is None
    assert make_norm("batch", epsilon=1e-3).epsilon == 1e-3
    assert set(NORMALIZATIONS) == {
        "instance",
        "instance_affine",
        "batch",
        "layer",
        "none",
    }


def test_make_norm_layer_normalizes_channels_per_position():
    x = random_input((2, 3, 3, 8)) * 4.0 + 1.0
    y = keras.ops.convert_to_numpy(make_norm("layer")(x))
    np.testing.assert_allclose(y.mean(axis=-1), 0.0, atol=1e-5)


@pytest.mark.parametrize("bad", ["group", "Instance2d", 3])
def test_make_norm_bad_name(bad):
    with pytest.raises(ValueError, match=f"norm={bad!r}") as err:
        make_norm(bad)
    assert "'instance'" in str(err.value)  # lists the valid names


def test_make_norm_bad_epsilon():
    with pytest.raises(ValueError, match="epsilon=-1"):
        make_norm("batch", epsilon=-1)


def test_make_activation_values():
    x = np.array([-2.0, -0.5, 0.0, 1.5], "float32")

    def act(name):
        return keras.ops.convert_to_numpy(make_activation(name)(x))

    np.testing.assert_allclose(act("relu"), [0, 0, 0, 1.5])
    np.testing.assert_allclose(act("leaky_relu"), [-0.4, -0.1, 0, 1.5], rtol=1e-6)
    np.testing.assert_allclose(act("tanh"), np.tanh(x), rtol=1e-6)
    np.testing.assert_allclose(act("sigmoid"), 1 / (1 + np.exp(-x)), rtol=1e-6)
    np.testing.assert_allclose(act("linear"), x)
    np.testing.assert_allclose(act(None), x)
    assert make_activation("relu", name="a").name == "a"
    assert set(ACTIVATIONS) == {
        "relu",
        "leaky_relu",
        "gelu",
        "tanh",
        "sigmoid",
        "linear",
    }


@pytest.mark.torch
def test_gelu_is_exact_like_torch():
    torch = require_torch()
    x = random_input((64,)) * 3.0
    expected = torch.nn.GELU()(torch.from_numpy(x)).numpy()
    assert max_abs_diff(make_activation("gelu")(x), expected) < 1e-6


@pytest.mark.parametrize("bad", ["swish", "ReLU6", 0])
def test_make_activation_bad_name(bad):
    with pytest.raises(ValueError, match=f"activation={bad!r}") as err:
        make_activation(bad)
    assert "'leaky_relu'" in str(err.value)


def test_make_padding():
    x = np.zeros((1, 4, 5, 2), "float32")
    assert isinstance(make_padding("reflect", 1), ReflectPad)
    zero = make_padding("zero", (1, 2))
    assert isinstance(zero, keras.layers.ZeroPadding2D)
    assert tuple(zero(x).shape) == (1, 6, 9, 2)
    assert make_padding("none", 3) is None and make_padding("zero", 0) is None
    with pytest.raises(ValueError, match="padding='same'"):
        make_padding("same", 1)
