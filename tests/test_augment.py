"""DiffAugment: shapes, ranges, the math of each operation, gradients, config."""

import keras
import numpy as np
import pytest

import keras_gans
from keras_gans import augment
from keras_gans.augment import POLICIES, DiffAugment
from tests.backend_grad import gradients
from tests.layers import run_docstring_examples
from tests.test_case import random_input, run_serialization_test

SHAPE = (4, 16, 16, 3)


def images(shape=SHAPE, seed=0):
    return random_input(shape, seed=seed, low=-1.0, high=1.0)


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def shift(x, dy, dx):
    """Reference translation of one HWC image by (dy, dx), zero fill."""
    out = np.zeros_like(x)
    h, w = x.shape[:2]
    out[max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = x[
        max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
    ]
    return out


# --- shape, dtype, ranges ---------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("policy", [*POLICIES, "color,translation,cutout"])
def test_shape_and_dtype_are_kept(policy, dtype):
    x = images().astype(dtype)
    y = DiffAugment(policy, seed=0)(x)
    assert tuple(y.shape) == SHAPE
    assert keras.backend.standardize_dtype(y.dtype) == dtype
    assert np.all(np.isfinite(numpy(y)))


@pytest.mark.parametrize("policy", ["translation", "cutout", "translation,cutout"])
def test_translation_and_cutout_stay_in_the_input_range_and_zero(policy):
    x = random_input((16, 16, 16, 3), seed=1, low=0.2, high=0.9)  # 0 not in range
    y = numpy(DiffAugment(policy, seed=0)(x))
    assert y.min() >= min(x.min(), 0.0) and y.max() <= max(x.max(), 0.0)
    # Every output value is an input value or 0: nothing is interpolated.
    assert np.all(np.isin(y, np.append(x.ravel(), 0.0)))
    assert (y == 0).any()


def test_color_changes_values_and_may_leave_the_range():
    x = images((16, 16, 16, 3))
    y = numpy(DiffAugment("color", seed=0)(x))
    assert y.shape == x.shape
    assert np.abs(y - x).min() > 0  # brightness alone moves every value
    assert y.min() < -1.0 or y.max() > 1.0


def test_color_parameters_are_in_the_documented_ranges():
    # Pixel (i, j) holds g(i, j) + d * (-1, 0, 1) with g spatially zero-mean.
    # Brightness b, saturation s and contrast c then give
    #   channel mean = mean_in + b + c * g(i, j)
    #   channel deviation = c * s * d * (-1, 0, 1)
    # so b, c and s can be read from the output.
    n, d = 64, 0.2
    g = np.linspace(-0.5, 0.5, 16 * 16).reshape(1, 16, 16, 1)
    g = g - g.mean()
    x = np.broadcast_to(g + d * np.array([-1.0, 0.0, 1.0]), (n, 16, 16, 3))
    x = x.astype("float32")
    y = numpy(DiffAugment("color", seed=0)(x)).astype("float64")
    mean = y.mean(axis=3, keepdims=True)
    b = y.mean(axis=(1, 2, 3))  # the input mean is 0
    c = (mean - b[:, None, None, None])[:, :, :, 0].std(axis=(1, 2)) / g.std()
    s = (y - mean)[..., 2].mean(axis=(1, 2)) / (c * d)
    for value, low, high in ((b, -0.5, 0.5), (s, 0.0, 2.0), (c, 0.5, 1.5)):
        assert value.min() >= low - 1e-4 and value.max() <= high + 1e-4
        # The whole range is used (64 draws, fixed seed).
        assert value.min() < low + 0.15 * (high - low)
        assert value.max() > high - 0.15 * (high - low)


# --- translation and cutout do what they say --------------------------------


def test_translation_moves_the_whole_image_by_an_integer_offset():
    x = images((32, 16, 16, 3), seed=2)
    y = numpy(DiffAugment("translation", seed=0)(x))
    t = 2  # round(0.125 * 16)
    offsets = set()
    for xi, yi in zip(x, y):
        matches = [
            (dy, dx)
            for dy in range(-t, t + 1)
            for dx in range(-t, t + 1)
            if np.array_equal(shift(xi, dy, dx), yi)
        ]
        assert len(matches) == 1, "not a zero-filled integer shift within +-2"
        offsets.add(matches[0])
    assert len(offsets) > 5  # offsets vary from image to image


def test_translation_moves_or_drops_a_single_pixel():
    x = np.zeros((32, 16, 16, 1), "float32")
    x[:, 0, 15, 0] = 0.7  # top-right corner: shifts up or right drop it
    y = numpy(DiffAugment("translation", translation_ratio=0.25, seed=0)(x))
    kept = 0
    for yi in y[..., 0]:
        where = np.argwhere(yi != 0)
        assert len(where) <= 1
        if len(where):
            (row, col) = where[0]
            assert yi[row, col] == np.float32(0.7)
            assert 0 <= row <= 4 and 11 <= col <= 15  # shift <= round(0.25 * 16)
            kept += 1
    assert 0 < kept < len(y)


@pytest.mark.parametrize(
    "size, ratio, side",
    [(16, 0.5, 8), (15, 0.5, 8), (10, 0.25, 3), (9, 0.5, 5)],  # half rounds up
)
def test_cutout_zeroes_a_square_of_the_right_size(size, ratio, side):
    x = np.ones((64, size, size, 1), "float32")
    y = numpy(DiffAugment("cutout", cutout_ratio=ratio, seed=0)(x))[..., 0]
    counts, tops = [], set()
    for yi in y:
        rows = np.flatnonzero((yi == 0).any(axis=1))
        cols = np.flatnonzero((yi == 0).any(axis=0))
        # One axis-aligned rectangle of zeros, of full side unless clipped by
        # the border, and at least half inside the image.
        assert (yi == 0).sum() == len(rows) * len(cols)
        assert np.all(yi[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1] == 0)
        for index in (rows, cols):
            assert np.array_equal(index, np.arange(index[0], index[-1] + 1))
            assert (side + 1) // 2 <= len(index) <= side
            assert len(index) == side or index[0] == 0 or index[-1] == size - 1
            clipped_at_top = index[0] == 0 and len(index) < side
            tops.add(index[-1] - side + 1 if clipped_at_top else index[0])
        counts.append((yi == 0).sum())
    assert max(counts) == side * side and min(counts) < side * side
    # As in the reference, the centre is uniform over [0, size - 1] (odd
    # side) or [0, size] (even side): the first row or column ranges over
    # [-(side // 2), size - side % 2 - side // 2].
    assert tops == set(range(-(side // 2), size - side % 2 - side // 2 + 1))


def test_zero_ratios_are_identity():
    x = images()
    for kwargs in ({"cutout_ratio": 0.0}, {"translation_ratio": 0.0}):
        y = numpy(DiffAugment("translation,cutout", **kwargs)(x))
        assert (y == 0).any()  # the other operation still runs
    np.testing.assert_array_equal(numpy(DiffAugment("cutout", cutout_ratio=0.0)(x)), x)
    np.testing.assert_array_equal(
        numpy(DiffAugment("translation", translation_ratio=0.0)(x)), x
    )
    # 0.01 * 16 rounds to 0: no shift either.
    np.testing.assert_array_equal(
        numpy(DiffAugment("translation", translation_ratio=0.01)(x)), x
    )


# --- randomness ---------------------------------------------------------------


def test_each_image_gets_its_own_augmentation():
    x = np.repeat(images((1, 16, 16, 3)), 4, axis=0)
    for policy in POLICIES:
        y = numpy(DiffAugment(policy, seed=0)(x))
        assert not np.array_equal(y[0], y[1]), policy


@pytest.mark.backends
def test_seeded_objects_agree_and_calls_differ():
    x = images()
    a, b = DiffAugment(seed=3), DiffAugment(seed=3)
    first = numpy(a(x))
    np.testing.assert_array_equal(first, numpy(b(x)))
    assert not np.array_equal(first, numpy(a(x)))  # the generator advances
    # A seed override: an int repeats, a SeedGenerator is used instead.
    np.testing.assert_array_equal(numpy(a(x, seed=5)), numpy(a(x, seed=5)))
    c, d = DiffAugment(seed=0), DiffAugment(seed=1)
    np.testing.assert_array_equal(
        numpy(c(x, seed=keras.random.SeedGenerator(7))),
        numpy(d(x, seed=keras.random.SeedGenerator(7))),
    )


# --- inside a compiled train step ---------------------------------------------


@pytest.mark.parametrize(
    "policy",
    [*POLICIES, pytest.param("color,translation,cutout", marks=pytest.mark.backends)],
)
def test_gradients_flow_to_the_images(policy):
    aug = DiffAugment(policy, seed=0)
    weights = random_input((1, 16, 16, 3), seed=4)
    w = keras.ops.convert_to_tensor(weights)
    x = np.ones((4, 16, 16, 3), "float32")
    (grad,) = gradients(lambda x: keras.ops.sum(aug(x) * w), [x])
    grad = numpy(grad)
    assert np.all(np.isfinite(grad)) and np.abs(grad).sum() > 0
    if policy == "cutout":  # d(x * mask)/dx = mask: the weights or 0
        cut = grad == 0
        expected = np.broadcast_to(weights, grad.shape)
        assert cut.any() and not cut.all()
        np.testing.assert_allclose(grad[~cut], expected[~cut], atol=1e-6)


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="TensorFlow graph tracing with an open batch size",
)
@pytest.mark.parametrize("policy", [*POLICIES, "color,translation,cutout"])
def test_gradients_flow_with_unknown_batch_size(policy):
    import tensorflow as tf

    aug = DiffAugment(policy, seed=0)
    weights = tf.constant(random_input((1, 16, 16, 3), seed=4))

    @tf.function(input_signature=[tf.TensorSpec((None, 16, 16, 3))])
    def step(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = aug(x)
            loss = tf.reduce_sum(y * weights)
        return y, tape.gradient(loss, x)

    x = np.ones((4, 16, 16, 3), "float32")
    y, grad = step(tf.constant(x))
    assert grad is not None
    grad = grad.numpy()
    assert np.all(np.isfinite(grad)) and np.abs(grad).sum() > 0
    if policy == "cutout":  # d(x * mask)/dx = mask
        kept = (y.numpy() != 0).astype("float32")
        np.testing.assert_allclose(grad, kept * weights.numpy(), atol=1e-6)
    y7, _ = step(tf.constant(images((7, 16, 16, 3))))
    assert tuple(y7.shape) == (7, 16, 16, 3)
    assert not np.array_equal(step(tf.constant(x))[0].numpy(), y.numpy())


# --- policy, validation, config -----------------------------------------------


def test_empty_policy_is_identity():
    x = images()
    for policy in ("", [], " , "):
        aug = DiffAugment(policy)
        assert aug.policy == ""
        np.testing.assert_array_equal(numpy(aug(x)), x)


def test_policy_forms():
    assert DiffAugment().policy == "color,translation,cutout"
    assert DiffAugment(" Color , cutout").policy == "color,cutout"
    assert DiffAugment(("translation", "color")).policy == "translation,color"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"policy": "colour"}, r"'colour'.*'color', 'translation', 'cutout'"),
        ({"policy": ["color", "flip"]}, r"'flip'.*Received: policy=\['color'"),
        ({"policy": 3}, r"Received: policy=3"),
        ({"translation_ratio": 1.5}, r"translation_ratio=1.5"),
        ({"cutout_ratio": -0.1}, r"cutout_ratio=-0.1"),
        ({"cutout_ratio": True}, r"cutout_ratio=True"),
        ({"seed": "3"}, r"seed='3'"),
    ],
)
def test_bad_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DiffAugment(**kwargs)


def test_bad_images_raise():
    aug = DiffAugment()
    with pytest.raises(ValueError, match="rank 4"):
        aug(np.zeros((16, 16, 3), "float32"))
    with pytest.raises(ValueError, match="float"):
        aug(np.zeros(SHAPE, "int32"))


def test_config_round_trips():
    aug = DiffAugment("cutout,color", translation_ratio=0.25, cutout_ratio=0.3, seed=9)
    clone = run_serialization_test(aug)
    assert clone.get_config() == {
        "policy": "cutout,color",
        "translation_ratio": 0.25,
        "cutout_ratio": 0.3,
        "seed": 9,
    }
    x = images()
    np.testing.assert_array_equal(
        numpy(clone(x)), numpy(DiffAugment(**clone.get_config())(x))
    )


def test_get():
    for empty in (None, "", False, []):
        assert augment.get(empty) is None
    assert augment.get("color, translation").policy == "color,translation"
    assert augment.get(["cutout"]).policy == "cutout"
    aug = DiffAugment(seed=1)
    assert augment.get(aug) is aug
    assert augment.get(aug.get_config()).get_config() == aug.get_config()
    revived = augment.get(keras.saving.serialize_keras_object(aug))
    assert isinstance(revived, DiffAugment) and revived.seed == 1
    with pytest.raises(ValueError, match="Received: 42"):
        augment.get(42)
    with pytest.raises(ValueError, match="'flip'"):
        augment.get("flip")


def test_serialize():
    assert augment.serialize(None) is None
    assert augment.serialize(DiffAugment()) == "color,translation,cutout"
    assert augment.serialize("translation") == "translation"
    config = augment.serialize(DiffAugment("color", seed=2))
    assert isinstance(config, dict)
    assert augment.get(config).get_config() == DiffAugment("color", seed=2).get_config()
    assert augment.get(augment.serialize(DiffAugment("cutout"))).policy == "cutout"


def test_package_exports_augment():
    assert "augment" in keras_gans.__all__ and keras_gans.augment is augment
    assert augment.__all__ == ["POLICIES", "DiffAugment", "get", "serialize"]


@pytest.mark.parametrize(
    "obj, expected",
    [
        (DiffAugment, "(4, 32, 32, 3) (4, 32, 32, 3)"),
        (augment.get, "DiffAugment(policy='color,cutout'"),
        (augment.serialize, "color\n0.25"),
    ],
    ids=["DiffAugment", "get", "serialize"],
)
def test_docstring_examples_run(obj, expected):
    assert expected in run_docstring_examples(obj)
