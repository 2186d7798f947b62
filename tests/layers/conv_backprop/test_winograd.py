"""Winograd F(4x4, 3x3) gradients: autodiff's gradients of a 3x3 conv."""

import keras
import numpy as np
import pytest
from keras import ops

from keras_gans import config
from keras_gans.layers.conv_backprop import (
    FastConv2D,
    conv_with_winograd_gradients,
    fast_conv2d,
    winograd_conv_gradients,
)
from keras_gans.layers.conv_backprop import winograd as winograd_module
from tests.backend_grad import gradients
from tests.layers import run_docstring_examples
from tests.layers.conv_backprop import TF_ONLY, grads, penalty_gradients, twins
from tests.test_case import assert_allclose, random_input


def _reference_gradients(x, w, dy):
    """Autodiff's `d_inputs`, `d_kernel` of `ops.conv` for the upstream `dy`."""
    dy = ops.convert_to_tensor(dy)
    return gradients(lambda x, w: ops.sum(ops.conv(x, w) * dy), [x, w])


def _assert_close(actual, expected, rtol, msg=""):
    expected = ops.convert_to_numpy(expected)
    scale = float(np.max(np.abs(expected)))
    assert_allclose(actual, expected, atol=rtol * scale, msg=msg)


@pytest.mark.parametrize(
    "input_shape, filters",
    [
        ((1, 10, 10, 8), 16),  # an 8x8 output: two whole tiles a side
        # 11x7: tiles hanging over both edges
        pytest.param((2, 13, 9, 5), 7, marks=pytest.mark.backends),
        ((3, 3, 3, 4), 2),  # the smallest input: a 1x1 output
        # One tile high, eight wide (2 filters: PyTorch's CPU conv cannot
        # differentiate 3 -> 1 channels, "grad_weight must be contiguous").
        ((1, 6, 31, 3), 2),
    ],
)
def test_gradients_equal_autodiff(input_shape, filters):
    x = random_input(input_shape)
    w = random_input((3, 3, input_shape[3], filters), seed=2)
    dy = random_input(
        (input_shape[0], input_shape[1] - 2, input_shape[2] - 2, filters), seed=3
    )
    d_x, d_w = winograd_conv_gradients(x, w, dy)
    ref_x, ref_w = _reference_gradients(x, w, dy)
    assert tuple(d_x.shape) == input_shape
    assert tuple(d_w.shape) == tuple(w.shape)
    _assert_close(d_x, ref_x, 1e-5, "d_inputs")
    _assert_close(d_w, ref_w, 1e-5, "d_kernel")


def test_full_size_residual_conv():
    """The ResNet generator's 3x3 256 -> 256 conv at 64x64, batch 2."""
    x = random_input((2, 66, 66, 256))
    w = random_input((3, 3, 256, 256), seed=2) * 0.05
    dy = random_input((2, 64, 64, 256), seed=3)
    d_x, d_w = winograd_conv_gradients(x, w, dy)
    ref_x, ref_w = _reference_gradients(x, w, dy)
    # F(4x4, 3x3) adds rounding: about 1e-5 of the largest value here.
    _assert_close(d_x, ref_x, 1e-4, "d_inputs")
    _assert_close(d_w, ref_w, 1e-4, "d_kernel")


def test_forward_is_the_backends_conv():
    x = random_input((2, 12, 11, 6))
    w = random_input((3, 3, 6, 5), seed=2)
    expected = ops.convert_to_numpy(ops.conv(x, w))
    actual = ops.convert_to_numpy(conv_with_winograd_gradients(x, w))
    assert np.array_equal(actual, expected)


@TF_ONLY
def test_unknown_batch_size():
    """Traced with an open batch size, as the generators are."""
    import tensorflow as tf

    spec = [tf.TensorSpec((None, 10, 9, 8)), tf.TensorSpec((3, 3, 8, 4))]

    @tf.function(input_signature=spec)
    def grads(x, w):
        with tf.GradientTape() as tape:
            tape.watch([x, w])
            loss = tf.reduce_sum(tf.sin(conv_with_winograd_gradients(x, w)))
        return tape.gradient(loss, [x, w])

    w = random_input((3, 3, 8, 4), seed=2)
    for batch in (1, 3):
        x = random_input((batch, 10, 9, 8))
        with tf.GradientTape() as tape:
            xt, wt = tf.convert_to_tensor(x), tf.convert_to_tensor(w)
            tape.watch([xt, wt])
            loss = tf.reduce_sum(tf.sin(tf.nn.conv2d(xt, wt, 1, "VALID")))
        for a, b in zip(grads(x, w), tape.gradient(loss, [xt, wt])):
            _assert_close(a, b, 1e-5)


@pytest.mark.backends
def test_second_order_gradients():
    """WGAN-GP differentiates the input gradient once more."""
    x = random_input((2, 9, 9, 3))
    w = keras.Variable(random_input((3, 3, 3, 4), seed=2))
    (expected,) = penalty_gradients(lambda x: ops.conv(x, w), x, [w])
    (actual,) = penalty_gradients(lambda x: conv_with_winograd_gradients(x, w), x, [w])
    _assert_close(actual, expected, 1e-5)


def test_after_returns_its_input_whatever_the_gradient():
    x = random_input((1, 5, 5, 2))
    for value in (0.0, np.inf, -np.inf, np.nan):
        y = np.full((1, 3, 3, 4), value, "float32")
        (x_after,) = winograd_module._after(y, x)
        assert np.array_equal(x_after, x)


@TF_ONLY
def test_no_transform_runs_before_the_output_gradient():
    """Every product and transpose of the backward pass depends on `dy`.

    Otherwise TensorFlow runs the input and kernel transforms of every conv
    as soon as the backward pass starts and holds them all (for the kernels,
    0.4 GiB more peak RSS in a 128x128 CycleGAN step).
    """
    import tensorflow as tf

    x_spec = tf.TensorSpec((1, 10, 10, 8), "float32")
    w_spec = tf.TensorSpec((3, 3, 8, 16), "float32")
    dy_spec = tf.TensorSpec((1, 8, 8, 16), "float32")

    @tf.function
    def gradients(x, w, dy):
        with tf.GradientTape() as tape:
            tape.watch([x, w])
            y = conv_with_winograd_gradients(x, w)
        return tape.gradient(y, [x, w], output_gradients=dy)

    graph = gradients.get_concrete_function(x_spec, w_spec, dy_spec).graph
    dy_op = graph.inputs[2].op

    def depends_on_dy(op, seen):
        if op is dy_op:
            return True
        if op.name in seen:
            return False
        seen.add(op.name)
        return any(depends_on_dy(t.op, seen) for t in op.inputs)

    heavy = [
        op
        for op in graph.get_operations()
        if op.type in ("MatMul", "BatchMatMulV2", "Einsum", "Transpose")
    ]
    assert len(heavy) >= 7
    late = [op.name for op in heavy if depends_on_dy(op, set())]
    assert late == [op.name for op in heavy]


@pytest.mark.parametrize(
    "inputs, kernel, match",
    [
        ((1, 8, 8, 4), (5, 5, 4, 2), "3x3 kernel"),
        ((1, 8, 8, 4), (3, 3, 3, 2), "input channels"),
        ((1, 2, 8, 4), (3, 3, 4, 2), "at least 3"),
    ],
)
def test_bad_shapes_raise(inputs, kernel, match):
    with pytest.raises(ValueError, match=match):
        conv_with_winograd_gradients(random_input(inputs), random_input(kernel))


# --- FastConv2D: when it takes Winograd's gradients ------------------------


def _uses(layer, shape):
    layer.build(shape)
    return layer._uses_winograd(keras.KerasTensor(shape))


def test_auto_picks_wide_large_float32_convs(monkeypatch):
    config.set_winograd("auto")
    monkeypatch.setattr(config, "gpu_available", lambda: False)
    wide = (1, 66, 66, 256)
    # Where TensorFlow runs oneDNN (its batched matmul is the fast one).
    monkeypatch.setattr(config, "onednn_enabled", lambda: False)
    assert not config.winograd_active()
    assert not _uses(FastConv2D(256, 3), wide)
    monkeypatch.setattr(config, "onednn_enabled", lambda: True)
    assert config.winograd_active()
    assert _uses(FastConv2D(256, 3), wide)
    # Too few channels, too few pixels, other settings: the other gradients.
    assert not _uses(FastConv2D(128, 3), wide)
    assert not _uses(FastConv2D(256, 3), (1, 66, 66, 128))
    assert _uses(FastConv2D(256, 3), (1, 34, 34, 256))  # 32x32 outputs
    assert not _uses(FastConv2D(256, 3), (1, 33, 34, 256))
    assert not _uses(FastConv2D(256, 3), (1, 18, 18, 256))
    assert not _uses(FastConv2D(256, 3, strides=2), wide)
    assert not _uses(FastConv2D(256, 5), (1, 68, 68, 256))
    assert not _uses(FastConv2D(256, 3, dtype="mixed_bfloat16"), wide)
    assert not _uses(FastConv2D(256, 3), (1, None, None, 256))
    # cuDNN picks its own algorithms on a GPU, even under "always" conv
    # gradients.
    monkeypatch.setattr(config, "gpu_available", lambda: True)
    config.set_conv_gradients("always")
    assert not _uses(FastConv2D(256, 3), wide)
    monkeypatch.setattr(config, "gpu_available", lambda: False)
    config.set_conv_gradients("never")
    assert not _uses(FastConv2D(256, 3), wide)


def test_always_and_never(monkeypatch):
    config.set_winograd("always")
    # "always" wins over the machine and the conv-gradient mode.
    monkeypatch.setattr(config, "gpu_available", lambda: True)
    config.set_conv_gradients("never")
    assert _uses(FastConv2D(4, 3), (1, 7, 7, 2))
    assert not _uses(FastConv2D(4, 3, padding="same"), (1, 7, 7, 2))
    assert not _uses(FastConv2D(4, 5), (1, 7, 7, 2))
    config.set_winograd("never")
    monkeypatch.setattr(config, "gpu_available", lambda: False)
    monkeypatch.setattr(config, "onednn_enabled", lambda: True)
    config.set_conv_gradients("auto")
    assert not _uses(FastConv2D(256, 3), (1, 66, 66, 256))


@pytest.mark.parametrize("input_shape", [(2, 12, 10, 8), (1, 9, 14, 3)])
def test_fast_conv2d_gradients_equal_conv2d(monkeypatch, input_shape):
    config.set_winograd("always")
    calls = []
    original = fast_conv2d.conv_with_winograd_gradients

    def spy(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(fast_conv2d, "conv_with_winograd_gradients", spy)
    ref, ours = twins(6, 3, input_shape, cls=FastConv2D)
    x = random_input(input_shape)
    upstream = random_input(
        (input_shape[0], input_shape[1] - 2, input_shape[2] - 2, 6), seed=7
    )
    names = ("output", "d_input", "d_kernel", "d_bias")
    for name, a, b in zip(names, grads(ours, x, upstream), grads(ref, x, upstream)):
        _assert_close(a, b, 1e-5, name)
    assert calls


def test_resnet_generator_fit_matches_stock_gradients():
    """Two `fit` steps of a small ResNet generator, Winograd on vs off."""
    from keras_gans import networks

    x = random_input((2, 32, 32, 3))
    y = random_input((2, 32, 32, 3), seed=3)
    weights = []
    for mode in ("never", "always"):
        config.set_winograd(mode)
        keras.utils.set_random_seed(0)
        g = networks.create("resnet_6blocks", ngf=8, n_blocks=2)
        g.compile(keras.optimizers.Adam(1e-3), "mae")
        g.fit(x, y, epochs=2, batch_size=2, verbose=0)
        weights.append(g.get_weights())
    for a, b in zip(*weights):
        assert_allclose(a, b, atol=1e-4)


@pytest.mark.parametrize("obj", [conv_with_winograd_gradients, winograd_conv_gradients])
def test_docstring_examples(obj):
    out = run_docstring_examples(obj)
    if obj is conv_with_winograd_gradients:
        assert "(1, 8, 8, 16)" in out
    else:
        assert "(2, 9, 9, 4) (3, 3, 4, 8)" in out
