"""FastConv2D: Conv2D's forward pass, gradients through the fastest path."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.layers import FastConv2D, FewChannelConv2D, conv_gradients
from tests.layers import run_docstring_examples
from tests.layers.test_few_channel_conv import (  # noqa: F401 (autouse fixture)
    _grads,
    _twins,
    assert_fit_matches_conv2d,
    assert_gradients_equal,
    assert_second_order_gradients_equal,
    custom_gradients,
)
from tests.test_case import assert_allclose, random_input, run_layer_test


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
        (16, 3, (2, 12, 12, 8), "conv"),
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
        original = getattr(conv_gradients, name)

        def spy(*args, _name=name, _original=original, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(conv_gradients, name, spy)
    assert_gradients_equal(filters, kernel_size, input_shape, FastConv2D)
    expected = {
        "conv": ["conv_with_conv_gradients"],
        "few": ["few_channel_conv"],
        "backend": [],
    }[path]
    # One custom-gradient call per forward pass of the layer (two passes).
    assert sorted(set(calls)) == expected


@pytest.mark.parametrize("batch", [1, 2, 3])
def test_gradients_with_an_unknown_batch_size(batch):
    """As in the traced generators, whose batch size is left open."""
    ref, ours = _twins(16, 3, (None, 10, 9, 8), cls=FastConv2D)
    spec = [tf.TensorSpec((None, 10, 9, 8)), tf.TensorSpec((None, 8, 7, 16))]
    x = random_input((batch, 10, 9, 8))
    upstream = random_input((batch, 8, 7, 16), seed=7)
    results = [
        tf.function(
            lambda x, u, layer=layer: _grads(layer, x, u), input_signature=spec
        )(x, upstream)
        for layer in (ours, ref)
    ]
    for name, a, b in zip(("output", "d_input", "d_kernel", "d_bias"), *results):
        assert_allclose(a, b, atol=1e-5 * float(np.max(np.abs(b))), msg=name)


def test_second_order_gradients_equal_conv2d():
    assert_second_order_gradients_equal(8, (2, 10, 10, 8), FastConv2D)


def test_fit_in_graph_mode_matches_conv2d():
    assert_fit_matches_conv2d(FastConv2D, 16)


def test_fallback_settings_and_gpu_use_conv2d(monkeypatch):
    assert not FastConv2D(8, 3, strides=2)._uses_custom_gradient()
    assert not FastConv2D(8, 3, padding="same")._uses_custom_gradient()
    assert not FastConv2D(8, 3, dilation_rate=2)._uses_custom_gradient()
    assert FastConv2D(8, 3)._uses_custom_gradient()
    # cuDNN's gradients are the fast ones on a GPU.
    monkeypatch.setattr(conv_gradients, "_has_gpu", lambda: True)
    assert not FastConv2D(8, 3)._uses_custom_gradient()


def test_custom_gradients_setting(monkeypatch):
    monkeypatch.setattr(conv_gradients, "CUSTOM_GRADIENTS", "auto")
    # oneDNN's gradient kernels are the fast ones where TensorFlow runs it.
    for onednn in (False, True):
        monkeypatch.setattr(conv_gradients, "onednn_enabled", lambda v=onednn: v)
        assert FastConv2D(8, 3)._uses_custom_gradient() is not onednn
        assert FewChannelConv2D(2, 3)._uses_custom_gradient() is not onednn
    monkeypatch.setattr(conv_gradients, "CUSTOM_GRADIENTS", "never")
    assert not FastConv2D(8, 3)._uses_custom_gradient()
    assert not FewChannelConv2D(2, 3)._uses_custom_gradient()
    monkeypatch.setattr(conv_gradients, "CUSTOM_GRADIENTS", "fast")
    with pytest.raises(ValueError, match="CUSTOM_GRADIENTS` must be one of"):
        FastConv2D(8, 3)(random_input((1, 5, 5, 2)))


def test_loads_conv2d_weights_and_config():
    conv = keras.layers.Conv2D(16, 3, name="res_conv")
    conv.build((None, 20, 20, 8))
    clone = FastConv2D.from_config(conv.get_config())
    clone.build((None, 20, 20, 8))
    clone.set_weights(conv.get_weights())
    x = random_input((1, 20, 20, 8))
    assert_allclose(clone(x), conv(x))
    assert clone.get_config() == conv.get_config()


def test_stock_layers_switch():
    """FAST_CONVS=False builds plain Conv2Ds (the benchmark's reference)."""
    from keras_gans import networks

    def conv_classes():
        g = networks.create("resnet_6blocks", ngf=8, n_blocks=1)
        return {
            type(layer).__name__
            for layer in g._flatten_layers(include_self=False, recursive=True)
            if isinstance(layer, keras.layers.Conv2D)
            and not isinstance(layer, keras.layers.Conv2DTranspose)
        }

    assert conv_classes() == {"FastConv2D"}
    saved = conv_gradients.FAST_CONVS
    conv_gradients.FAST_CONVS = False
    try:
        assert conv_classes() == {"Conv2D"}
    finally:
        conv_gradients.FAST_CONVS = saved


def test_docstring_example():
    assert "(1, 32, 32, 16)" in run_docstring_examples(FastConv2D)
