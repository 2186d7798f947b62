import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.layers import FewChannelConv2D, conv_gradients
from tests.layers import run_docstring_examples
from tests.test_case import assert_allclose, random_input, run_layer_test


@pytest.fixture(autouse=True)
def custom_gradients(monkeypatch):
    """The layers' own backward passes, also where oneDNN turns them off."""
    monkeypatch.setattr(conv_gradients, "CUSTOM_GRADIENTS", "always")


@pytest.mark.parametrize(
    "kwargs, input_shape, output_shape",
    [
        ({"filters": 3, "kernel_size": 7}, (2, 12, 10, 5), (2, 6, 4, 3)),
        (
            {"filters": 1, "kernel_size": 4, "use_bias": False},
            (1, 9, 9, 6),
            (1, 6, 6, 1),
        ),
        # Settings that fall back to Conv2D's own gradient.
        ({"filters": 2, "kernel_size": 3, "strides": 2}, (1, 9, 9, 4), (1, 4, 4, 2)),
        (
            {"filters": 2, "kernel_size": 3, "padding": "same"},
            (1, 5, 5, 4),
            (1, 5, 5, 2),
        ),
    ],
)
def test_layer(kwargs, input_shape, output_shape, tmp_path):
    run_layer_test(
        FewChannelConv2D,
        kwargs,
        input_shape,
        output_shape,
        expected_num_trainable_weights=2 if kwargs.get("use_bias", True) else 1,
        tmp_path=tmp_path,
    )


def _twins(filters, kernel_size, input_shape, cls=FewChannelConv2D, **kwargs):
    """A Conv2D and a `cls` (FewChannelConv2D) with the same weights."""
    ref = keras.layers.Conv2D(filters, kernel_size, **kwargs)
    ours = cls(filters, kernel_size, **kwargs)
    ref.build(input_shape)
    ours.build(input_shape)
    ours.set_weights(
        [random_input(w.shape, seed=i + 1) for i, w in enumerate(ref.weights)]
    )
    ref.set_weights(ours.get_weights())
    return ref, ours


def _grads(layer, x, upstream):
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x)
        loss = tf.reduce_sum(y * upstream)
    return [y, *tape.gradient(loss, [x, *layer.trainable_variables])]


@pytest.mark.parametrize(
    "filters, kernel_size, input_shape",
    [(3, 7, (2, 16, 13, 8)), (1, 4, (1, 11, 11, 16)), (4, (3, 5), (3, 9, 12, 5))],
)
def test_gradients_equal_conv2d(filters, kernel_size, input_shape):
    assert_gradients_equal(filters, kernel_size, input_shape, FewChannelConv2D)


def assert_gradients_equal(filters, kernel_size, input_shape, cls):
    """Outputs and first-order gradients of `cls` equal Conv2D's."""
    ref, ours = _twins(filters, kernel_size, input_shape, cls=cls)
    assert ours._uses_custom_gradient()
    x = random_input(input_shape)
    y_ref = ref(x)
    upstream = random_input(tuple(y_ref.shape), seed=7)
    for name, a, b in zip(
        ("output", "d_input", "d_kernel", "d_bias"),
        _grads(ours, x, upstream),
        _grads(ref, x, upstream),
    ):
        scale = float(np.max(np.abs(b)))
        assert_allclose(a, b, atol=1e-5 * scale, msg=name)


def assert_second_order_gradients_equal(filters, input_shape, cls):
    """The gradient penalty of WGAN-GP differentiates the input gradient."""
    x = tf.convert_to_tensor(random_input(input_shape))
    results = []
    for layer in _twins(filters, 4, input_shape, cls=cls):
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = tf.reduce_sum(tf.square(layer(x)))
            dx = inner.gradient(y, x)
            penalty = tf.reduce_mean(
                tf.square(tf.norm(tf.reshape(dx, (2, -1)), axis=1) - 1)
            )
        results.append(outer.gradient(penalty, layer.trainable_variables))
    for a, b in zip(*results):
        assert_allclose(a, b, atol=1e-5 * float(np.max(np.abs(b))))


def test_second_order_gradients_equal_conv2d():
    assert_second_order_gradients_equal(1, (2, 10, 10, 6), FewChannelConv2D)


def assert_fit_matches_conv2d(cls, filters):
    """One `fit` step (traced train function) gives the same weights."""
    x = random_input((4, 12, 12, 8))
    y = random_input((4, 6, 6, filters), seed=3)
    weights = []
    for layer_cls in (keras.layers.Conv2D, cls):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((12, 12, 8)), layer_cls(filters, 7)])
        model.compile(keras.optimizers.SGD(0.1), "mse")
        model.fit(x, y, epochs=2, batch_size=2, verbose=0)
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        assert_allclose(a, b, atol=1e-5)


def test_fit_in_graph_mode_matches_conv2d():
    assert_fit_matches_conv2d(FewChannelConv2D, 3)


def test_fallback_settings_use_conv2d():
    assert not FewChannelConv2D(2, 3, strides=2)._uses_custom_gradient()
    assert not FewChannelConv2D(2, 3, padding="same")._uses_custom_gradient()
    assert not FewChannelConv2D(2, 3, dilation_rate=2)._uses_custom_gradient()
    assert FewChannelConv2D(2, 3)._uses_custom_gradient()


def test_loads_conv2d_weights_and_config():
    conv = keras.layers.Conv2D(3, 7, use_bias=False, name="head")
    conv.build((None, 20, 20, 4))
    clone = FewChannelConv2D.from_config(conv.get_config())
    clone.build((None, 20, 20, 4))
    clone.set_weights(conv.get_weights())
    x = random_input((1, 20, 20, 4))
    assert_allclose(clone(x), conv(x))
    assert clone.get_config() == conv.get_config()


def test_docstring_example():
    assert "(1, 32, 32, 3)" in run_docstring_examples(FewChannelConv2D)
