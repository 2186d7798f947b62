import keras
import numpy as np
import pytest

from keras_gans.layers import InstanceNormalization
from tests.layers import run_docstring_examples, to_nchw, to_nhwc
from tests.test_case import max_abs_diff, random_input, require_torch, run_layer_test


@pytest.mark.parametrize(
    "affine, n_weights", [(False, 0), pytest.param(True, 2, marks=pytest.mark.backends)]
)
def test_layer(affine, n_weights, tmp_path):
    layer = run_layer_test(
        InstanceNormalization,
        {"affine": affine},
        (2, 5, 7, 4),
        (2, 5, 7, 4),
        expected_num_trainable_weights=n_weights,
        expected_num_non_trainable_weights=0,
        tmp_path=tmp_path,
    )
    if affine:
        assert sorted(w.name for w in layer.weights) == ["beta", "gamma"]


def test_config_lists_constructor_args():
    config = InstanceNormalization(epsilon=1e-3, affine=True).get_config()
    assert config["epsilon"] == 1e-3 and config["affine"] is True
    assert "groups" not in config and "center" not in config


def test_unknown_spatial_size():
    inp = keras.Input((None, None, 3))
    model = keras.Model(inp, InstanceNormalization()(inp))
    y = keras.ops.convert_to_numpy(model(random_input((2, 9, 5, 3)) * 3.0 + 2.0))
    np.testing.assert_allclose(y.mean(axis=(1, 2)), 0.0, atol=1e-5)
    np.testing.assert_allclose(y.var(axis=(1, 2)), 1.0, atol=1e-3)


@pytest.mark.torch
@pytest.mark.parametrize("affine", [False, True])
def test_parity_with_torch(affine):
    torch = require_torch()
    x = random_input((2, 8, 6, 5)) * 3.0 + 1.0
    x[..., 0] *= 0.01  # a low-variance channel: exposes a wrong epsilon
    norm_t = torch.nn.InstanceNorm2d(5, affine=affine)
    layer = InstanceNormalization(affine=affine)
    layer.build(x.shape)
    if affine:
        with torch.no_grad():
            norm_t.weight.copy_(torch.randn(5))
            norm_t.bias.copy_(torch.randn(5))
        layer.gamma.assign(norm_t.weight.detach().numpy())
        layer.beta.assign(norm_t.bias.detach().numpy())
    expected = to_nhwc(norm_t(torch.from_numpy(to_nchw(x))))
    for training in (False, True):
        assert max_abs_diff(layer(x, training=training), expected) < 1e-5


def test_is_not_layer_norm():
    # Instance norm normalizes each channel on its own: scaling one channel of
    # the input must not change the others.
    x = random_input((1, 6, 6, 3))
    x2 = x.copy()
    x2[..., 0] *= 10.0
    layer = InstanceNormalization()
    y1 = keras.ops.convert_to_numpy(layer(x))
    y2 = keras.ops.convert_to_numpy(layer(x2))
    assert max_abs_diff(y1[..., 1:], y2[..., 1:]) < 1e-6


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"epsilon": -1.0}, "epsilon=-1.0"),
        ({"epsilon": "small"}, "epsilon=small"),
        ({"affine": 1}, "affine=1"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        InstanceNormalization(**kwargs)


def test_needs_spatial_axes_and_channels():
    with pytest.raises(ValueError, match="spatial axes"):
        InstanceNormalization()(np.zeros((2, 4), "float32"))


def test_docstring_example():
    assert "(2, 8, 8, 4)" in run_docstring_examples(InstanceNormalization)
