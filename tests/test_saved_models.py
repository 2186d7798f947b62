"""The trained demo models shipped in saved_models/ load and give the
outputs stored with them (examples/ship_demo_models.py wrote both)."""

import os

import keras
import numpy as np
import tensorflow as tf
from PIL import Image

import keras_gans  # noqa: F401 - registers the classes the files name
from keras_gans import cli

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAVED = os.path.join(ROOT, "saved_models")
GLYPHS = os.path.join(SAVED, "glyphs_cyclegan")
SHAPES = os.path.join(SAVED, "shapes_dcgan")
# Float outputs of the same weights differ across CPUs by far less.
ATOL = 2e-3


def _expected(folder):
    with np.load(os.path.join(folder, "expected.npz")) as f:
        return dict(f)


def _size_mib(folder):
    total = 0
    for root, _, files in os.walk(folder):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    return total / 2**20


def test_glyph_cyclegan_keras_file_translates_as_stored():
    expected = _expected(GLYPHS)
    model = keras.saving.load_model(os.path.join(GLYPHS, "model.keras"))
    x = expected["inputs"].astype("float32") / 127.5 - 1.0
    np.testing.assert_allclose(model.translate(x, "ab"), expected["fake_b"], atol=ATOL)
    # It learned something: closer to the true Serif glyphs than the input
    # in colour (a greyed translation would not be).
    fake = (expected["fake_b"] + 1.0) * 127.5
    truth = expected["truth_b"].astype("float32")
    assert np.abs(fake - truth).mean() < 12.0
    assert _size_mib(GLYPHS) < 10  # a 4.7 MB .keras and a 4 MB SavedModel


def test_glyph_cyclegan_saved_model_serves_the_same_outputs():
    expected = _expected(GLYPHS)
    served = tf.saved_model.load(os.path.join(GLYPHS, "1"))
    x = expected["inputs"].astype("float32") / 127.5 - 1.0
    out = served.signatures["serving_default"](images=tf.constant(x))["images"]
    np.testing.assert_allclose(out.numpy(), expected["fake_b"], atol=ATOL)
    pixels = served.signatures["translate_image"](
        images=tf.constant(expected["inputs"])
    )["images"].numpy()
    ref = np.clip(np.round((expected["fake_b"] + 1.0) * 127.5), 0, 255)
    assert np.abs(pixels.astype(int) - ref).max() <= 1


def test_shapes_dcgan_keras_file_and_saved_model_generate_as_stored():
    expected = _expected(SHAPES)
    model = keras.saving.load_model(os.path.join(SHAPES, "model.keras"))
    np.testing.assert_allclose(
        model.generate(noise=expected["noise"]), expected["images"], atol=ATOL
    )
    served = tf.saved_model.load(os.path.join(SHAPES, "1"))
    out = served.signatures["serving_default"](noise=tf.constant(expected["noise"]))
    np.testing.assert_allclose(out["images"].numpy(), expected["images"], atol=ATOL)
    # Varied samples, not one collapsed image.
    images = expected["images"]
    assert np.std(images, axis=0).mean() > 0.1
    assert _size_mib(SHAPES) < 8


def test_translate_cli_runs_on_the_shipped_model(tmp_path, capsys):
    # `keras_gans.cli.main`, the command's code, in this process (the
    # command in a subprocess: tests/test_inference.py).
    src = tmp_path / "in"
    src.mkdir()
    inputs = _expected(GLYPHS)["inputs"]
    Image.fromarray(inputs[0]).save(src / "A.png")
    out = tmp_path / "out"
    argv = ["translate", "--model", GLYPHS, str(src), "--output", str(out)]
    assert cli.main(argv) == 0, capsys.readouterr().err[-2000:]
    files = os.listdir(out)
    assert len(files) == 1
    with Image.open(out / files[0]) as image:
        assert image.size == (32, 32)


def test_sample_cli_runs_on_the_shipped_dcgan(tmp_path, capsys):
    out = tmp_path / "shapes.png"
    argv = ["sample", "--model", SHAPES, "-n", "4", "--output", str(out)]
    assert cli.main(argv) == 0, capsys.readouterr().err[-2000:]
    with Image.open(out) as image:
        assert min(image.size) >= 32


def test_the_shipped_dcgan_is_the_ema_generator_without_the_average(tmp_path):
    import importlib.util

    from tests.tiny import real_images, tiny_dcgan

    path = os.path.join(ROOT, "examples", "ship_demo_models.py")
    spec = importlib.util.spec_from_file_location("ship_demo_models", path)
    ship = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ship)
    trained = tiny_dcgan(ema_decay=0.9, ema_statistics=16)
    trained.fit(real_images(8), batch_size=4, epochs=1, verbose=0)
    trained.save(tmp_path / "model.keras")
    ship.ship_dcgan(str(tmp_path), str(tmp_path / "shipped"))
    shipped = keras.saving.load_model(tmp_path / "shipped" / "model.keras")
    assert shipped.ema_decay is None and not hasattr(shipped, "generator_ema")
    noise = trained.sample_noise(8, seed=0)
    # The EMA generator with its own statistics (not the trained generator).
    expected = trained.generate(noise=noise)
    raw = keras.ops.convert_to_numpy(trained.generator(noise, training=False))
    assert np.abs(expected - raw).max() > 1e-3
    np.testing.assert_allclose(shipped.generate(noise=noise), expected, atol=1e-5)
    stored = _expected(tmp_path / "shipped")
    np.testing.assert_allclose(stored["images"], expected, atol=1e-5)
