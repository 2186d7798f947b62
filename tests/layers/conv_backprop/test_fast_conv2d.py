"""FastConv2D: Conv2D's forward pass, gradients through the fastest path."""

import keras
import numpy as np
import pytest

from keras_gans import config
from keras_gans.layers.conv_backprop import (
    FastConv2D,
    FewChannelConv2D,
    conv_with_conv_gradients,
    custom_gradient_conv,
    dispatch,
    fast_conv,
)
from tests.layers import run_docstring_examples
from tests.layers.conv_backprop import (
    TF_ONLY,
    assert_fit_matches_conv2d,
    assert_gradients_equal,
    assert_second_order_gradients_equal,
    grads,
    twins,
)
from tests.test_case import assert_allclose, random_input, run_layer_test

pytestmark = pytest.mark.usefixtures("custom_gradients")


@pytest.mark.parametrize(
    "kwargs, input_shape, output_shape",
    [
        ({"filters": 16, "kernel_size": 3}, (2, 12, 10, 8), (2, 10, 8, 16)),
        (
            {"filters": 3, "kernel_size": 7, "use_bias": False},
            (1, 9, 9, 8),
            (1, 3, 3, 3),
        ),
        ({"filters": 8, "kernel_size": 3, "strides": 2}, (1, 9, 9, 8), (1, 4, 4, 8)),
    ],
)
def test_layer(kwargs, input_shape, output_shape, tmp_path):
    run_layer_test(
        FastConv2D,
        kwargs,
        input_shape,
        output_shape,
        expected_num_trainable_weights=2 if kwargs.get("use_bias", True) else 1,
        tmp_path=tmp_path,
    )


@pytest.mark.parametrize(
    "filters, kernel_size, input_shape, path",
    [
        # forward convolutions for both gradients (>= 8 input channels)
        pytest.param(16, 3, (2, 12, 12, 8), "conv", marks=pytest.mark.backends),
        (8, (3, 5), (3, 9, 12, 16), "conv"),
        (12, 1, (1, 7, 7, 32), "conv"),
        # few output channels: few_channel_conv's gradient
        (3, 7, (2, 16, 13, 8), "few"),
        # few input channels (an RGB stem): the backend's gradient
        (16, 7, (1, 14, 14, 3), "backend"),
    ],
)
def test_gradients_equal_conv2d(filters, kernel_size, input_shape, path, monkeypatch):
    calls = []
    for name in ("conv_with_conv_gradients", "few_channel_conv"):
        original = getattr(dispatch, name)

        def spy(*args, _name=name, _original=original, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(dispatch, name, spy)
    assert_gradients_equal(filters, kernel_size, input_shape, FastConv2D)
    expected = {
        "conv": ["conv_with_conv_gradients"],
        "few": ["few_channel_conv"],
        "backend": [],
    }[path]
    # One custom-gradient call per forward pass of the layer (two passes).
    assert sorted(set(calls)) == expected


@TF_ONLY
@pytest.mark.parametrize("batch", [1, 2, 3])
def test_gradients_with_an_unknown_batch_size(batch):
    """As in the traced generators, whose batch size is left open."""
    import tensorflow as tf

    ref, ours = twins(16, 3, (None, 10, 9, 8), cls=FastConv2D)
    spec = [tf.TensorSpec((None, 10, 9, 8)), tf.TensorSpec((None, 8, 7, 16))]
    x = random_input((batch, 10, 9, 8))
    upstream = random_input((batch, 8, 7, 16), seed=7)
    results = [
        tf.function(lambda x, u, layer=layer: grads(layer, x, u), input_signature=spec)(
            x, upstream
        )
        for layer in (ours, ref)
    ]
    for name, a, b in zip(("output", "d_input", "d_kernel", "d_bias"), *results):
        assert_allclose(a, b, atol=1e-5 * float(np.max(np.abs(b))), msg=name)


@pytest.mark.backends
def test_second_order_gradients_equal_conv2d():
    assert_second_order_gradients_equal(8, (2, 10, 10, 8), FastConv2D)


def test_fit_in_graph_mode_matches_conv2d():
    assert_fit_matches_conv2d(FastConv2D, 16)


def test_fallback_settings_use_conv2d():
    assert not FastConv2D(8, 3, strides=2)._uses_custom_gradient()
    assert not FastConv2D(8, 3, padding="same")._uses_custom_gradient()
    assert not FastConv2D(8, 3, dilation_rate=2)._uses_custom_gradient()
    assert FastConv2D(8, 3)._uses_custom_gradient()


@pytest.mark.backends
def test_conv_gradients_modes(monkeypatch):
    monkeypatch.setattr(config, "gpu_available", lambda: False)
    config.set_conv_gradients("auto")
    # oneDNN's gradient kernels are the fast ones where TensorFlow runs it;
    # JAX and PyTorch keep their own gradients.
    tensorflow = keras.backend.backend() == "tensorflow"
    for onednn in (False, True):
        monkeypatch.setattr(config, "onednn_enabled", lambda v=onednn: v)
        expected = tensorflow and not onednn
        assert FastConv2D(8, 3)._uses_custom_gradient() is expected
        assert FewChannelConv2D(2, 3)._uses_custom_gradient() is expected
    config.set_conv_gradients("always")
    assert FastConv2D(8, 3)._uses_custom_gradient()
    config.set_conv_gradients("never")
    monkeypatch.setattr(config, "onednn_enabled", lambda: False)
    assert not FastConv2D(8, 3)._uses_custom_gradient()
    assert not FewChannelConv2D(2, 3)._uses_custom_gradient()


def _spy_custom_gradient(monkeypatch):
    """Counts the custom-gradient functions that the layers create."""
    calls = []
    original = keras.ops.custom_gradient

    def spy(fn):
        calls.append(fn)
        return original(fn)

    monkeypatch.setattr(keras.ops, "custom_gradient", spy)
    return calls


@pytest.mark.parametrize(
    "cls, filters, input_shape",
    [(FastConv2D, 16, (2, 12, 12, 8)), (FewChannelConv2D, 3, (2, 12, 12, 8))],
)
def test_gpu_auto_takes_the_backends_gradients(monkeypatch, cls, filters, input_shape):
    """With a GPU visible, "auto" is the backend's gradient; "always" is ours."""
    monkeypatch.setattr(config, "gpu_available", lambda: True)
    monkeypatch.setattr(config, "onednn_enabled", lambda: False)
    calls = _spy_custom_gradient(monkeypatch)
    ref, ours = twins(filters, 3, input_shape, cls=cls)
    x = random_input(input_shape)
    upstream = random_input(tuple(ref(x).shape), seed=7)
    config.set_conv_gradients("auto")
    assert not config.conv_gradients_active()
    assert not ours._uses_custom_gradient()
    expected = grads(ref, x, upstream)
    # Bit for bit Conv2D: the same ops, no custom gradient on the way.
    for a, b in zip(grads(ours, x, upstream), expected):
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b)
        )
    assert calls == []
    config.set_conv_gradients("always")
    assert config.conv_gradients_active() and ours._uses_custom_gradient()
    for a, b in zip(grads(ours, x, upstream), expected):
        b = keras.ops.convert_to_numpy(b)
        assert_allclose(a, b, atol=1e-5 * float(np.max(np.abs(b))))
    assert len(calls) == 2  # `grads` calls the layer twice


def test_loads_conv2d_weights_and_config():
    conv = keras.layers.Conv2D(16, 3, name="res_conv")
    conv.build((None, 20, 20, 8))
    clone = FastConv2D.from_config(conv.get_config())
    clone.build((None, 20, 20, 8))
    clone.set_weights(conv.get_weights())
    x = random_input((1, 20, 20, 8))
    assert_allclose(clone(x), conv(x))
    assert clone.get_config() == conv.get_config()


@pytest.mark.parametrize(
    "obj, printed",
    [
        (FastConv2D, "(1, 32, 32, 16)"),
        (fast_conv, "(1, 10, 10, 16)"),
        (conv_with_conv_gradients, "(2, 8, 8, 16)"),
        (custom_gradient_conv, "(1, 3, 3, 4)"),
    ],
)
def test_docstring_examples(obj, printed):
    assert printed in run_docstring_examples(obj)
