"""Images that are not 8-bit RGB on the command line (issue 24): `train
--input-nc / --output-nc` (gray, RGBA), `translate` at 16 bits and on `.npy`
arrays, `export`, and the bad combinations (one line, exit 2, nothing
written). In-process `keras_gans.cli.main([...])` calls, the code the
console runs."""

import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_gans import cli, runs
from tests import cli as cli_tests
from tests.cli import error_line

TINY = ["--image-size", "16", *cli_tests.TINY, "--epochs", "1", "--verbose", "0"]


def _write_pngs(folder, images):
    os.makedirs(folder, exist_ok=True)
    for i, image in enumerate(images):
        Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image).save(
            os.path.join(folder, f"{i}.png")
        )


@pytest.fixture(scope="module")
def gray_folders(tmp_path_factory):
    """trainA/ and trainB/ of 1-channel PNGs (PIL mode "L")."""
    root = str(tmp_path_factory.mktemp("gray"))
    rng = np.random.default_rng(0)
    for side in "AB":
        _write_pngs(
            os.path.join(root, "train" + side),
            rng.integers(0, 256, (4, 20, 20, 1), dtype=np.uint8),
        )
    return root


def test_gray_cyclegan_trains_translates_and_exports(gray_folders, tmp_path, capsys):
    run = str(tmp_path / "run")
    argv = ["train", "cyclegan", "--data", gray_folders, *TINY, *cli_tests.ONE_BLOCK]
    argv += ["--input-nc", "1", "--output-nc", "1", "--output", run]
    assert cli.main(argv) == 0, capsys.readouterr().err
    config = json.load(open(os.path.join(run, "config.json")))
    assert (config["input_nc"], config["output_nc"]) == (1, 1)
    model = runs.load_model(run)
    for net in (model.generator_ab, model.generator_ba):
        assert net.input_shape[-1] == 1 and net.output_shape[-1] == 1
    for net in (model.discriminator_a, model.discriminator_b):
        assert net.input_shape[-1] == 1
    with Image.open(os.path.join(run, "samples", "epoch_0001.png")) as grid:
        assert grid.mode == "L"  # a grey grid
    # --resume restores the channels; another count is refused.
    resume = ["train", "cyclegan", "--output", run, "--resume", "--verbose", "0"]
    line = error_line(capsys, [*resume, "--input-nc", "3"], status=1)
    assert "--input-nc" in line
    # translate: a gray PNG in, a gray PNG of the same size out.
    src = tmp_path / "in"
    _write_pngs(str(src), [np.full((13, 18, 1), 90, np.uint8)])
    out = str(tmp_path / "out")
    assert cli.main(["translate", "--model", run, str(src), "--output", out]) == 0
    with Image.open(os.path.join(out, "0.png")) as image:
        assert (image.mode, image.size) == ("L", (18, 13))
    # An RGB input is made gray (its luma) for the 1-channel generator.
    _write_pngs(str(tmp_path / "rgb"), [np.full((12, 12, 3), 200, np.uint8)])
    rgb_out = str(tmp_path / "rgb_out")
    argv = ["translate", "--model", run, str(tmp_path / "rgb"), "--output", rgb_out]
    assert cli.main(argv) == 0
    # export: a SavedModel whose signatures take 1-channel images.
    export = str(tmp_path / "export")
    assert cli.main(["export", run, "--output", export]) == 0
    served = tf.saved_model.load(os.path.join(export, "1"))
    y = served.signatures["serving_default"](images=tf.zeros((1, 16, 16, 1)))
    assert tuple(y["images"].shape) == (1, 16, 16, 1)


def test_rgba_pix2pix_keeps_alpha_trains_translates_and_exports(tmp_path, capsys):
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (4, 32, 32, 4), dtype=np.uint8)
    _write_pngs(str(tmp_path / "A"), images)
    _write_pngs(str(tmp_path / "B"), 255 - images)
    run = str(tmp_path / "run")
    argv = ["train", "pix2pix", "--data-a", str(tmp_path / "A")]
    argv += ["--data-b", str(tmp_path / "B"), "--preset", "pix2pix_demo", *TINY]
    argv[argv.index("16")] = "32"  # the demo U-Net's smallest size
    argv += ["--input-nc", "4", "--output-nc", "4", "--output", run]
    assert cli.main(argv) == 0, capsys.readouterr().err
    model = runs.load_model(run)
    assert model.generator.input_shape[-1] == 4
    assert model.generator.output_shape[-1] == 4
    assert model.discriminator.input_shape[-1] == 8  # (input, output) pairs
    out = str(tmp_path / "out")
    argv = ["translate", "--model", run, str(tmp_path / "A"), "--output", out]
    assert cli.main(argv) == 0
    with Image.open(os.path.join(out, "0.png")) as image:
        assert (image.mode, image.size) == ("RGBA", (32, 32))
    export = str(tmp_path / "export")
    assert cli.main(["export", run, "--output", export]) == 0
    assert os.path.isfile(os.path.join(export, "1", "saved_model.pb"))


def _identity_generator(path, channels):
    """A saved generator that returns its input (a 1x1 convolution of
    identity weights): whatever differs from the input comes from the I/O."""
    inputs = keras.Input((None, None, channels))
    conv = keras.layers.Conv2D(channels, 1, use_bias=False, name="identity")
    outputs = conv(inputs)
    conv.set_weights([np.eye(channels, dtype="float32")[None, None]])
    keras.Model(inputs, outputs, name="identity").save(path)
    return path


def test_translate_keeps_16_bits(tmp_path, capsys):
    # Values 256 * k + an odd offset: no 8-bit value (a multiple of 257
    # once scaled to 16 bits) gives them, and neighbours differ by less
    # than 1/255 of the range.
    values = 256 * np.arange(64).reshape(8, 8) + 3 + 2 * (np.arange(8) % 3)
    image = np.stack([values, 65535 - values, values // 2], axis=-1)
    image = image.astype(np.uint16)
    src = tmp_path / "in"
    os.makedirs(src)
    tf.io.write_file(str(src / "deep.png"), tf.io.encode_png(image))
    model = _identity_generator(str(tmp_path / "identity.keras"), 3)
    out = str(tmp_path / "out")
    assert cli.main(["translate", "--model", model, str(src), "--output", out]) == 0
    result = tf.io.decode_png(
        tf.io.read_file(os.path.join(out, "deep.png")), dtype=tf.uint16
    )
    result = result.numpy()
    assert result.dtype == np.uint16 and result.shape == image.shape
    assert (result % 257 != 0).any()  # not an 8-bit image scaled to 16 bits
    # float32 arithmetic keeps every 16-bit value to within one step
    assert np.abs(result.astype(int) - image.astype(int)).max() <= 1
    diffs = np.diff(image[..., 0].astype(int), axis=1)
    assert (np.abs(diffs) < 257).any()  # steps an 8-bit image cannot hold


def test_translate_npy_round_trip(tmp_path, capsys):
    src = tmp_path / "in"
    os.makedirs(src)
    bands = np.linspace(-1, 1, 10 * 12 * 6, dtype="float32").reshape(10, 12, 6)
    np.save(src / "bands.npy", bands)
    counts = (np.arange(10 * 12 * 6) * 90).astype(np.uint16).reshape(10, 12, 6)
    np.save(src / "counts.npy", counts)
    model = _identity_generator(str(tmp_path / "identity.keras"), 6)
    out = tmp_path / "out"
    argv = ["translate", "--model", model, str(src), "--output", str(out)]
    assert cli.main(argv) == 0
    result = np.load(out / "bands.npy")
    assert result.dtype == np.float32 and result.shape == (10, 12, 6)
    np.testing.assert_allclose(result, bands, atol=1e-6)
    result = np.load(out / "counts.npy")
    assert result.dtype == np.uint16
    assert np.abs(result.astype(int) - counts.astype(int)).max() <= 1
    # A 16-bit TIFF gives a 16-bit TIFF.
    import tifffile

    layout = {"photometric": "minisblack", "planarconfig": "contig"}
    tifffile.imwrite(src / "deep.tif", counts, **layout)
    assert cli.main(argv) == 0
    result = tifffile.imread(out / "deep.tif")
    assert result.dtype == np.uint16 and result.shape == (10, 12, 6)
    assert np.abs(result.astype(int) - counts.astype(int)).max() <= 1
    # Floats outside [-1, 1] are skipped with a warning naming the file.
    np.save(src / "wide.npy", bands * 3)
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert "wide.npy" in err and "[-1, 1]" in err


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--input-nc", "0"], "--input-nc: must be an integer >= 1"),
        (["--output-nc", "x"], "--output-nc: must be an integer >= 1"),
        (["--input-nc", "1", "--output-nc", "3"], "--lambda-identity 0"),
        (
            ["--input-nc", "1", "--output-nc", "3", "--lambda-identity", "0"],
            "output_mode",
        ),  # with --preset cyclegan_fast: a residual generator output
    ],
)
def test_bad_channel_combinations_are_one_line(
    gray_folders, tmp_path, capsys, extra, message
):
    run = str(tmp_path / "run")
    argv = ["train", "cyclegan", "--data", gray_folders, *TINY, "--output", run]
    # cyclegan_fast: a residual generator output; cyclegan_paper: no
    # scheduled identity weight (the default preset's schedule raises it)
    argv += [
        "--preset",
        "cyclegan_fast" if message == "output_mode" else "cyclegan_paper",
    ]
    line = error_line(capsys, [*argv, *extra])
    assert message in line, line
    assert not os.path.exists(run)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "cyclegan", "--input-nc", "1"], "demo set is RGB"),
        (["train", "dcgan", "--output-nc", "1"], "cyclegan and pix2pix"),
    ],
)
def test_channels_need_image_data_and_an_image_model(tmp_path, capsys, argv, message):
    line = error_line(capsys, [*argv, "--output", str(tmp_path / "run")])
    assert message in line, line
    assert not os.path.exists(tmp_path / "run")
