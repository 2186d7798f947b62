"""keras_gans.inference: the one translation path (pad, crop, resize, ranges)."""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from PIL import Image

from keras_gans import cli, imaging, inference, networks
from keras_gans.runs import translate as translate_runs
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
    "name",
    [
        "ImageTranslator",
        "pad_amounts",
        "pad",
        "crop",
        "generator_shape",
        "check_tiling",
        "tile_windows",
    ],
)
def test_docstring_examples_run(name):
    run_docstring_examples(getattr(inference, name))


def test_translate_run_docstring_examples_run():
    run_docstring_examples(translate_runs.check_translate_flags)
    run_docstring_examples(translate_runs.downscale)


# === Tiles ===


def _receptive_field_net(channels=3):
    """No normalization, stride 2, receptive field radius 7 pixels: a tile's
    output is exact at 7 pixels or more from its border."""
    inputs = keras.Input((None, None, channels))
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu")(inputs)
    x = keras.layers.Conv2D(16, 3, strides=2, padding="same", activation="relu")(x)
    x = keras.layers.Conv2D(16, 3, padding="same", activation="relu")(x)
    x = keras.layers.Conv2DTranspose(8, 3, strides=2, padding="same")(x)
    x = keras.layers.Conv2D(channels, 3, padding="same", activation="tanh")(x)
    return keras.Model(inputs, x)


def test_tile_windows_cross_fade():
    starts, weights = inference.tile_windows(100, 48, 16)
    assert starts == [0, 32, 52]
    assert weights[0][0] == 1 and weights[-1][-1] == 1  # image borders kept
    assert weights[1][:4].max() == 0 and weights[1][12:36].min() == 1  # dead band
    total = np.zeros(100, "float32")
    for start, w in zip(starts[:2], weights[:2]):
        total[start : start + 48] += w
    # Tiles 0 and 1 overlap on [32, 48): their weights sum to 1 there.
    np.testing.assert_allclose(total[:64], 1.0, atol=1e-6)
    assert inference.tile_windows(30, 48, 16)[0] == [0]


def test_tiles_equal_whole_image_for_a_finite_receptive_field():
    # Overlap 32: the outer 8 pixels of each tile edge are dropped, more than
    # the receptive field's 7, so the blend is the whole-image output up to
    # float rounding (measured 3e-8).
    keras.utils.set_random_seed(5)
    generator = _receptive_field_net()
    x = np.random.default_rng(5).uniform(-1, 1, (2, 75, 93, 3)).astype("float32")
    whole = inference.ImageTranslator(generator)(x)
    tiled = inference.ImageTranslator(
        generator, tile_size=48, tile_overlap=32, batch_size=3
    )
    assert (tiled.tile_size, tiled.tile_overlap) == (48, 32)
    np.testing.assert_allclose(tiled(x), whole, atol=1e-5)
    # Overlap 0 (hard seams) shows the receptive field: far from equal.
    seams = inference.ImageTranslator(generator, tile_size=48, tile_overlap=0)(x)
    assert np.abs(seams - whole).max() > 1e-2


def test_tiles_with_instance_norm_stay_close(generator):
    # Each tile normalizes with its own statistics, so tiles are not the
    # whole image's numbers; on a 130x150 image with 64-pixel tiles the
    # blend stays within 0.03 mean / 0.2 max of the [-1, 1] range (measured
    # 0.02 / 0.14), and uint8 pixels round the same way as a whole image's.
    x = np.random.default_rng(6).uniform(-1, 1, (1, 130, 150, 3)).astype("float32")
    whole = inference.ImageTranslator(generator)(x)
    tiled = inference.ImageTranslator(generator, tile_size=64, tile_overlap=32)(x)
    error = np.abs(tiled - whole)
    assert error.mean() < 0.03 and error.max() < 0.2, (error.mean(), error.max())
    pixels = imaging.to_uint8(x[0])
    out = inference.ImageTranslator(generator, tile_size=64)(pixels)
    assert out.shape == pixels.shape and out.dtype == np.uint8


def test_tile_size_is_rounded_to_the_stride(generator):
    tiled = inference.ImageTranslator(generator, tile_size=30, tile_overlap=5)
    assert (tiled.stride, tiled.tile_size, tiled.tile_overlap) == (4, 32, 8)
    assert inference.ImageTranslator(generator, tile_size=64).tile_overlap == 16
    small = inference.ImageTranslator(generator, tile_size=2, tile_overlap=0)
    assert small.tile_size == 8  # the generator's minimum size
    image = np.zeros((21, 30, 3), "uint8")  # smaller than a tile: one tile
    assert (
        inference.ImageTranslator(generator, tile_size=64)(image).shape == image.shape
    )


def test_tile_errors_name_the_problem(generator):
    with pytest.raises(ValueError, match=r"tile_overlap=64, tile_size=64"):
        inference.ImageTranslator(generator, tile_size=64, tile_overlap=64)
    with pytest.raises(ValueError, match="needs a `tile_size`"):
        inference.ImageTranslator(generator, tile_overlap=8)
    with pytest.raises(ValueError, match="tile_size=0"):
        inference.ImageTranslator(generator, tile_size=0)
    with pytest.raises(ValueError, match="rounded up to the stride"):
        inference.ImageTranslator(generator, tile_size=8, tile_overlap=6)
    fixed = networks.create("uvcgan", ngf=4, n_blocks=1, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match="fully convolutional"):
        inference.ImageTranslator(fixed, tile_size=16)


# Peak memory of one 1536x1536 translation in 256-pixel tiles, then of the
# whole image, in one fresh process. Tiled first, as in a process of its own;
# the memory it frees can only make the whole translation's growth smaller
# (at 2048x2048, measured in two processes: ~260 vs ~780 MiB; in one: ~260
# vs 740-765 MiB; 1536x1536 in one: ~145 vs ~485 MiB).
MEMORY_SCRIPT = r"""
import os
import threading
import time

import numpy as np

from keras_gans import networks
from keras_gans.inference import ImageTranslator


def rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_growth(translate, image):
    translate(image[:300, :300])  # warm-up: TensorFlow's own allocations
    base, peak, done = rss_mib(), [0.0], threading.Event()

    def sample():  # the resident set's high-water mark during the call
        while not done.is_set():
            peak[0] = max(peak[0], rss_mib())
            time.sleep(0.002)

    sampler = threading.Thread(target=sample)
    sampler.start()
    assert translate(image).shape == image.shape
    done.set()
    sampler.join()
    return max(peak[0], rss_mib()) - base


generator = networks.create("resnet_6blocks", ngf=4, n_blocks=1)
tiles = dict(tile_size=256, tile_overlap=64, batch_size=1)
tiled, whole = ImageTranslator(generator, **tiles), ImageTranslator(generator)
image = np.random.default_rng(0).integers(0, 256, (1536, 1536, 3), dtype=np.uint8)
print(peak_growth(tiled, image), peak_growth(whole, image))
"""


@pytest.mark.slow  # two 1536x1536 translations in a subprocess
def test_tiles_bound_the_memory_of_a_large_image():
    result = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    tiled, whole = (float(x) for x in result.stdout.split()[-2:])
    # Growth of the resident set during the call (sampled every 2 ms; the
    # ru_maxrss high-water mark is not used: it can be set before the call).
    # Measured on CPU: ~145 MiB tiled (the image's float copies) vs ~485 MiB.
    assert whole > 200 and tiled < 0.5 * whole, (tiled, whole)


# === keras-gans translate --tile-size / --max-size (one subprocess) ===


def _cli(args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "keras_gans", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )


@pytest.mark.slow
def test_cli_translates_in_tiles_and_downscales(generator, tmp_path):
    generator.save(tmp_path / "g.keras")
    rng = np.random.default_rng(7)
    Image.fromarray(rng.integers(0, 256, (90, 120, 3), dtype=np.uint8)).save(
        tmp_path / "big.png"
    )
    Image.fromarray(rng.integers(0, 256, (40, 30, 3), dtype=np.uint8)).save(
        tmp_path / "small.png"
    )
    args = ["translate", "--model", "g.keras", "big.png", "small.png"]
    tiles = ["--tile-size", "48", "--tile-overlap", "16"]
    result = _cli([*args, *tiles, "--max-size", "60", "--output", "out"], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Translated 2 image(s)" in result.stdout
    assert Image.open(tmp_path / "out" / "big.png").size == (60, 45)  # downscaled
    assert Image.open(tmp_path / "out" / "small.png").size == (30, 40)  # kept
    # The tiled file = the library's tiled translation of the same image.
    small = np.asarray(Image.open(tmp_path / "small.png"))
    expected = inference.ImageTranslator(generator, tile_size=48, tile_overlap=16)
    out = np.asarray(Image.open(tmp_path / "out" / "small.png"))
    np.testing.assert_array_equal(out, expected(small))


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--tile-size", "32", "--tile-overlap", "32"],
         "--tile-overlap (32) must be less than --tile-size (32)"),
        (["--tile-overlap", "8"], "--tile-overlap needs --tile-size"),
        (["--max-size", "0"], "argument --max-size: must be a positive integer"),
    ],
)  # fmt: skip
def test_cli_bad_tile_flags_are_one_line_usage_errors(
    tmp_path, monkeypatch, capsys, flags, message
):
    # `keras_gans.cli.main`, the command's code, in this process (the real
    # command's one-line usage errors: tests/cli/test_train_flags.py).
    monkeypatch.chdir(tmp_path)
    args = ["translate", "--model", "g.keras", "a.png", "--output", "out", *flags]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if "keras-gans" in line]
    assert len(errors) == 1 and message in errors[0], err
    assert not os.listdir(tmp_path)


def test_check_translate_flags_and_downscale():
    assert translate_runs.check_translate_flags(tile_size=64) is None
    assert "needs --tile-size" in translate_runs.check_translate_flags(tile_overlap=4)
    image = np.full((300, 200, 3), 200, "uint8")
    small = translate_runs.downscale(image, 150)
    assert small.shape == (150, 100, 3) and small.dtype == np.uint8
    np.testing.assert_array_equal(small, 200)
    assert translate_runs.downscale(image, 300) is image
    wide = translate_runs.downscale(np.full((10, 400, 1), 60000, "uint16"), 100)
    assert wide.shape == (2, 100, 1) and wide.dtype == np.uint16 and wide.max() == 60000
    # floats (.npy arrays) are in [-1, 1]: negative values stay negative
    bands = translate_runs.downscale(np.full((40, 20, 6), -0.5, "float32"), 10)
    assert bands.shape == (10, 5, 6) and bands.dtype == np.float32
    np.testing.assert_allclose(bands, -0.5, atol=1e-6)
