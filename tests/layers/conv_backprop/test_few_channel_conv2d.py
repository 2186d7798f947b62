import keras
import pytest

from keras_gans.layers.conv_backprop import FewChannelConv2D, few_channel_conv
from tests.layers import run_docstring_examples
from tests.layers.conv_backprop import (
    assert_fit_matches_conv2d,
    assert_gradients_equal,
    assert_second_order_gradients_equal,
)
from tests.test_case import assert_allclose, random_input, run_layer_test

pytestmark = pytest.mark.usefixtures("custom_gradients")


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


@pytest.mark.parametrize(
    "filters, kernel_size, input_shape",
    [
        pytest.param(3, 7, (2, 16, 13, 8), marks=pytest.mark.backends),
        (1, 4, (1, 11, 11, 16)),
        (4, (3, 5), (3, 9, 12, 5)),
    ],
)
def test_gradients_equal_conv2d(filters, kernel_size, input_shape):
    assert_gradients_equal(filters, kernel_size, input_shape, FewChannelConv2D)


def test_second_order_gradients_equal_conv2d():
    assert_second_order_gradients_equal(1, (2, 10, 10, 6), FewChannelConv2D)


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


@pytest.mark.parametrize(
    "obj, printed",
    [(FewChannelConv2D, "(1, 32, 32, 3)"), (few_channel_conv, "(1, 4, 4, 3)")],
)
def test_docstring_examples(obj, printed):
    assert printed in run_docstring_examples(obj)
