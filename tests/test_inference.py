"""keras_gans.inference: the one translation path (pad, crop, resize, ranges)."""

import keras
import numpy as np
import pytest

from keras_gans import imaging, inference, networks
from tests.layers import run_docstring_examples


def _reference(generator, image):
    """The generator on one uint8 image whose sides are already multiples of
    its stride, in plain numpy + Keras."""
    x = image[None].astype("float32") / 127.5 - 1.0
    y = keras.ops.convert_to_numpy(generator(x, training=False))[0]
    return np.clip(np.round((y + 1.0) * 127.5), 0, 255).astype("uint8")


@pytest.fixture(scope="module")
def generator():
    return networks.create("resnet_6blocks", ngf=4, n_blocks=1)


def test_pad_amounts_split_evenly():
    assert inference.pad_amounts(21, 30, 4) == (1, 2, 1, 1)
    assert inference.pad_amounts(24, 32, 4) == (0, 0, 0, 0)
    assert inference.pad_amounts(5, 5, 1) == (0, 0, 0, 0)


def test_pad_reflects_and_crop_undoes_it():
    x = np.arange(2 * 5 * 6 * 1, dtype="float32").reshape(2, 5, 6, 1)
    padded, offsets = inference.pad(x, 4)
    padded = keras.ops.convert_to_numpy(padded)
    assert padded.shape == (2, 8, 8, 1)
    expected = np.pad(x, [[0, 0], [1, 2], [1, 1], [0, 0]], mode="reflect")
    np.testing.assert_array_equal(padded, expected)
    np.testing.assert_array_equal(inference.crop(padded, offsets, 5, 6), x)


def test_uint8_image_matches_the_generator(generator):
    translate = inference.ImageTranslator(generator)
    assert translate.stride == 4
    image = np.random.default_rng(1).integers(0, 256, (24, 32, 3), dtype=np.uint8)
    np.testing.assert_array_equal(translate(image), _reference(generator, image))


def test_any_size_keeps_its_size_and_kind(generator):
    translate = inference.ImageTranslator(generator)
    rng = np.random.default_rng(2)
    odd = rng.integers(0, 256, (21, 30, 3), dtype=np.uint8)
    assert translate(odd).shape == (21, 30, 3) and translate(odd).dtype == np.uint8
    wide = rng.integers(0, 65536, (2, 9, 13, 3), dtype=np.uint16)
    out = translate(wide)
    assert out.shape == (2, 9, 13, 3) and out.dtype == np.uint16
    floats = imaging.from_uint8(odd)[None]
    y = translate(floats)
    assert y.dtype == np.float32 and y.shape == (1, 21, 30, 3)
    # uint8 in, uint8 out = the float path, converted once.
    np.testing.assert_array_equal(translate(odd), imaging.to_uint8(y[0]))


def test_batches_give_the_same_numbers(generator):
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, (5, 8, 8, 3)).astype("float32")
    whole = inference.ImageTranslator(generator, batch_size=5)(x)
    split = inference.ImageTranslator(generator, batch_size=2)(x)
    np.testing.assert_allclose(whole, split, atol=1e-5)


def test_errors_name_the_problem(generator):
    translate = inference.ImageTranslator(generator)
    with pytest.raises(ValueError, match="too small"):
        translate(np.zeros((2, 2, 3), "uint8"))
    with pytest.raises(ValueError, match="3-channel"):
        translate(np.zeros((8, 8, 1), "uint8"))
    with pytest.raises(ValueError, match="batch_size"):
        inference.ImageTranslator(generator, batch_size=0)


def test_fixed_size_generator_is_resized():
    generator = networks.create("uvcgan", ngf=4, n_blocks=1, input_shape=(16, 16, 3))
    translate = inference.ImageTranslator(generator)
    assert translate.fixed_size == (16, 16) and translate.stride == 1
    image = np.random.default_rng(4).integers(0, 256, (27, 41, 3), dtype=np.uint8)
    assert translate(image).shape == (27, 41, 3)
    square = image[:16, :16]
    np.testing.assert_array_equal(translate(square), _reference(generator, square))


@pytest.mark.parametrize(
    "name", ["ImageTranslator", "pad_amounts", "pad", "crop", "generator_shape"]
)
def test_docstring_examples_run(name):
    run_docstring_examples(getattr(inference, name))
