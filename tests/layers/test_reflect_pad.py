import keras
import numpy as np
import pytest

from keras_gans.layers import ReflectPad
from tests.layers import run_docstring_examples, to_nchw, to_nhwc
from tests.test_case import max_abs_diff, random_input, require_torch, run_layer_test


@pytest.mark.parametrize(
    "padding, output_shape",
    [
        (1, (2, 7, 9, 3)),
        ((2, 1), (2, 9, 9, 3)),
        (((3, 0), (1, 2)), (2, 8, 10, 3)),
    ],
)
def test_layer(padding, output_shape, tmp_path):
    run_layer_test(
        ReflectPad,
        {"padding": padding},
        (2, 5, 7, 3),
        output_shape,
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        tmp_path=tmp_path,
    )


def test_unknown_spatial_size():
    inp = keras.Input((None, None, 3))
    out = ReflectPad(((3, 3), (1, 2)))(inp)
    assert tuple(out.shape) == (None, None, None, 3)
    model = keras.Model(inp, out)
    assert tuple(model(np.zeros((2, 20, 17, 3), "float32")).shape) == (2, 26, 20, 3)
    assert tuple(model(np.zeros((1, 4, 6, 3), "float32")).shape) == (1, 10, 9, 3)
    assert ReflectPad(2).compute_output_shape((None, None, 5, 3)) == (
        None,
        None,
        9,
        3,
    )


@pytest.mark.torch
@pytest.mark.parametrize(
    "padding, torch_padding",
    [(3, 3), (((1, 2), (3, 0)), (3, 0, 1, 2)), ((2, 1), (1, 1, 2, 2))],
)
def test_parity_with_torch(padding, torch_padding):
    torch = require_torch()
    x = random_input((2, 7, 6, 3))
    pad = torch.nn.ReflectionPad2d(torch_padding)
    expected = to_nhwc(pad(torch.from_numpy(to_nchw(x))))
    assert max_abs_diff(ReflectPad(padding)(x), expected) == 0.0


@pytest.mark.backends
def test_modes():
    x = np.array([1.0, 2.0, 3.0], "float32").reshape(1, 1, 3, 1)
    pad = ((0, 0), (2, 2))

    def row(mode):
        y = ReflectPad(pad, mode=mode)(x)
        return keras.ops.convert_to_numpy(y)[0, 0, :, 0].tolist()

    assert row("reflect") == [3, 2, 1, 2, 3, 2, 1]
    assert row("symmetric") == [2, 1, 1, 2, 3, 3, 2]
    assert row("constant") == [0, 0, 1, 2, 3, 0, 0]
    assert row("zero") == row("constant")


@pytest.mark.parametrize("bad", [-1, (1, 2, 3), ((1, 2), 3), 1.5, "1", None])
def test_bad_padding(bad):
    with pytest.raises(ValueError, match=r"Received: padding="):
        ReflectPad(bad)


def test_bad_mode():
    with pytest.raises(ValueError, match="Received: mode='wrap'"):
        ReflectPad(1, mode="wrap")


@pytest.mark.backends
def test_padding_too_large_raises_on_every_backend():
    with pytest.raises(ValueError, match="smaller than the padded dimension"):
        ReflectPad(3)(np.zeros((1, 3, 3, 1), "float32"))
    with pytest.raises(ValueError, match="at most the padded dimension"):
        ReflectPad(4, mode="symmetric")(np.zeros((1, 3, 3, 1), "float32"))
    # Checked on every call, not only the first (which builds the layer).
    pad = ReflectPad(3)
    pad(np.zeros((1, 5, 5, 1), "float32"))
    with pytest.raises(ValueError, match="smaller than the padded dimension"):
        pad(np.zeros((1, 3, 5, 1), "float32"))
    assert tuple(ReflectPad(3, mode="symmetric")(np.zeros((1, 3, 3, 1))).shape) == (
        1,
        9,
        9,
        1,
    )


def test_docstring_example():
    assert "(1, 5, 5, 1)" in run_docstring_examples(ReflectPad)
