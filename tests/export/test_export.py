"""keras_gans.export: the TF Serving SavedModel and the stride helper.

The SavedModel is TensorFlow's format: on JAX and PyTorch `export_generator`
writes it from a TensorFlow subprocess (`keras_gans.export_backends`), and
the tests marked `backends` check that on those backends too (in CI)."""

import io
import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_gans import export, inference, networks
from tests.export import reference_translate, to_uint8
from tests.test_case import assert_allclose, random_input
from tests.tiny import tiny_resnet_generator as tiny_generator

# Runs in a fresh interpreter that cannot import keras_gans (nor keras): the
# SavedModel must be plain TensorFlow. argv: work dir, export dir.
FRESH_PROCESS = r"""
import importlib.abc
import importlib.util
import sys


class _Refuse(importlib.abc.Loader):
    def create_module(self, spec):
        raise ImportError(f"import of {spec.name} blocked by the export test")

    def exec_module(self, module):
        pass


class _Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        if top == "keras_gans":
            raise ImportError(f"import of {name} blocked by the export test")
        if top == "keras":
            # TensorFlow's import probes `find_spec("keras")` and needs a
            # spec or None; the import itself is refused by the loader.
            return importlib.util.spec_from_loader(name, _Refuse())
        return None


sys.meta_path.insert(0, _Blocker())

import json
import os

import numpy as np
import tensorflow as tf

work, export_dir = sys.argv[1], sys.argv[2]
try:
    import keras_gans  # noqa: F401

    blocked = False
except ImportError:
    blocked = True
try:
    import keras  # noqa: F401

    blocked = False
except ImportError:
    pass

served = tf.saved_model.load(export_dir)
sig = served.signatures
floats = np.load(os.path.join(work, "floats.npy"))
pixels = np.load(os.path.join(work, "pixels.npy"))
np.save(
    os.path.join(work, "served_floats.npy"),
    sig["serving_default"](images=tf.constant(floats))["images"].numpy(),
)
np.save(
    os.path.join(work, "served_pixels.npy"),
    sig["translate_image"](images=tf.constant(pixels))["images"].numpy(),
)
names = ["photo.jpg", "drawing.png"]
encoded = [open(os.path.join(work, n), "rb").read() for n in names]
pngs = sig["translate_encoded"](image_bytes=tf.constant(encoded))["image_bytes"]
for name, png in zip(names, pngs.numpy()):
    with open(os.path.join(work, "served_" + name + ".png"), "wb") as f:
        f.write(png)
with open(os.path.join(work, "fresh.json"), "w") as f:
    json.dump(
        {
            "signatures": sorted(sig),
            "keras_gans_blocked": blocked,
            "imported": sorted(
                m for m in sys.modules if m.split(".")[0] in ("keras", "keras_gans")
            ),
        },
        f,
    )
"""


def _saved_model_cli():
    """`saved_model_cli` next to this Python, as pip installs it with TF."""
    path = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    if not os.path.exists(path):
        pytest.fail(f"saved_model_cli is not installed next to {sys.executable}")
    return path


def _encode(array, fmt, **kwargs):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def _smooth_image(height, width, seed):
    """A uint8 RGB picture with structure (JPEG of pure noise is all noise)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width] / max(height, width)
    phase = rng.uniform(0, 6, size=3)
    planes = [np.sin(6 * xx + 4 * yy + p) for p in phase]
    image = (np.stack(planes, -1) + 1) * 110 + rng.uniform(0, 30, (height, width, 3))
    return image.astype("uint8")


@pytest.fixture(scope="module")
def generator():
    keras.utils.set_random_seed(7)
    return networks.create("resnet_6blocks", ngf=8, n_blocks=1)


@pytest.fixture(scope="module")
def exported(generator, tmp_path_factory):
    return export.export_generator(generator, tmp_path_factory.mktemp("export"))


@pytest.fixture(scope="module")
def served(exported):
    return tf.saved_model.load(exported)


@pytest.fixture(scope="module")
def fresh(exported, tmp_path_factory):
    """Inputs written here, served in one fresh keras_gans-free process,
    while `saved_model_cli show --all` runs beside it."""
    work = str(tmp_path_factory.mktemp("fresh"))
    inputs = {
        # Odd sizes: not multiples of the generator's stride (4).
        "floats": random_input((2, 21, 30, 3), seed=1, low=-1.0, high=1.0),
        "pixels": random_input((3, 17, 26, 3), seed=2, low=0, high=256).astype("uint8"),
        "photo.jpg": _encode(_smooth_image(37, 45, seed=3), "JPEG", quality=90),
        "drawing.png": _encode(_smooth_image(29, 50, seed=4), "PNG"),
    }
    for name, value in inputs.items():
        if isinstance(value, bytes):
            with open(os.path.join(work, name), "wb") as f:
                f.write(value)
        else:
            np.save(os.path.join(work, name + ".npy"), value)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    served_proc = subprocess.Popen(
        [sys.executable, "-c", FRESH_PROCESS, work, exported],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    cli_proc = subprocess.Popen(
        [_saved_model_cli(), "show", "--all", "--dir", exported],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    served_out, served_err = served_proc.communicate(timeout=300)
    cli_out, cli_err = cli_proc.communicate(timeout=300)
    assert served_proc.returncode == 0, f"fresh process failed:\n{served_err[-3000:]}"
    assert cli_proc.returncode == 0, f"saved_model_cli failed:\n{cli_err[-3000:]}"
    with open(os.path.join(work, "fresh.json")) as f:
        info = json.load(f)
    return {"work": work, "inputs": inputs, "info": info, "cli": cli_out}


# === The exported SavedModel, used from a fresh process ===


def test_export_layout_is_versioned(exported):
    assert os.path.basename(exported) == "1"
    assert os.path.exists(os.path.join(exported, "saved_model.pb"))
    assert os.path.isdir(os.path.join(exported, "variables"))


@pytest.mark.backends
def test_served_floats_and_pixels_equal_the_generator_on_this_backend(
    exported, served, generator
):
    """Exported from the backend running the tests (through TensorFlow on
    JAX and PyTorch), the SavedModel serves what the generator computes on
    that backend, here in this process."""
    assert os.path.exists(os.path.join(exported, "saved_model.pb"))
    floats = random_input((2, 21, 30, 3), seed=1, low=-1.0, high=1.0)
    y = served.signatures["serving_default"](images=tf.constant(floats))["images"]
    expected = reference_translate(generator, floats)
    assert_allclose(y.numpy(), expected, atol=1e-5)
    assert np.std(expected) > 1e-3
    pixels = random_input((1, 17, 26, 3), seed=2, low=0, high=256).astype("uint8")
    y = served.signatures["translate_image"](images=tf.constant(pixels))["images"]
    expected = to_uint8(reference_translate(generator, pixels / 127.5 - 1.0))
    assert np.abs(y.numpy().astype(int) - expected.astype(int)).max() <= 1


@pytest.mark.slow  # the fresh-process tests share one subprocess
def test_fresh_process_cannot_import_keras_gans(fresh):
    info = fresh["info"]
    assert info["keras_gans_blocked"]
    assert info["imported"] == [], f"loaded without the blocker: {info['imported']}"
    assert set(export.SIGNATURE_NAMES) <= set(info["signatures"])


@pytest.mark.slow
def test_serving_default_matches_keras(fresh, generator):
    floats = fresh["inputs"]["floats"]
    served = np.load(os.path.join(fresh["work"], "served_floats.npy"))
    assert served.shape == floats.shape and served.dtype == np.float32
    expected = reference_translate(generator, floats)
    assert_allclose(served, expected, atol=1e-5)
    # The generator output is not trivially constant.
    assert np.std(expected) > 1e-3


@pytest.mark.slow
def test_translate_image_matches_keras(fresh, generator):
    pixels = fresh["inputs"]["pixels"]
    served = np.load(os.path.join(fresh["work"], "served_pixels.npy"))
    assert served.shape == pixels.shape and served.dtype == np.uint8
    expected = to_uint8(reference_translate(generator, pixels / 127.5 - 1.0))
    assert np.abs(served.astype(int) - expected.astype(int)).max() <= 1


@pytest.mark.slow
@pytest.mark.parametrize("name", ["photo.jpg", "drawing.png"])
def test_translate_encoded_matches_keras(fresh, generator, name):
    encoded = fresh["inputs"][name]
    with open(os.path.join(fresh["work"], f"served_{name}.png"), "rb") as f:
        png = f.read()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    served = np.asarray(Image.open(io.BytesIO(png)))
    # The same decoder as the graph: libjpeg settings differ between PIL and
    # TensorFlow by a few levels, and that is not what is tested here.
    pixels = tf.io.decode_image(encoded, channels=3).numpy()
    assert served.shape == pixels.shape  # each image at its own size
    expected = to_uint8(reference_translate(generator, pixels[None] / 127.5 - 1.0))
    assert np.abs(served.astype(int) - expected[0].astype(int)).max() <= 1


@pytest.mark.slow
def test_saved_model_cli_lists_signatures(fresh):
    out = fresh["cli"]
    for name, dtype in [
        ("serving_default", "DT_FLOAT"),
        ("translate_image", "DT_UINT8"),
        ("translate_encoded", "DT_STRING"),
    ]:
        assert f"signature_def['{name}']" in out
        section = out.split(f"signature_def['{name}']")[1].split("signature_def[")[0]
        assert f"dtype: {dtype}" in section, section
    assert "inputs['image_bytes']" in out and "outputs['image_bytes']" in out


# === Bad input gives an error that says what is wrong ===

BAD_INPUTS = {
    "rank": ("serving_default", np.zeros((21, 30, 3), "float32"), "rank 4"),
    "rank_5": ("translate_image", np.zeros((1, 8, 8, 3, 1), "uint8"), "rank 4"),
    "channels": ("serving_default", np.zeros((1, 16, 16, 4), "float32"), "3 channels"),
    "channels_uint8": (
        "translate_image",
        np.zeros((1, 16, 16, 1), "uint8"),
        "3 channels",
    ),
    "too_small": ("translate_image", np.zeros((1, 5, 30, 3), "uint8"), "at least 8x8"),
    "range_0_255": (
        "serving_default",
        np.full((1, 16, 16, 3), 200.0, "float32"),
        "scaled to [-1, 1]",
    ),
    "nan": ("serving_default", np.full((1, 16, 16, 3), np.nan, "float32"), "finite"),
    "float_to_uint8": (
        "translate_image",
        np.zeros((1, 16, 16, 3), "float32"),
        "uint8 tensor but is a float tensor",
    ),
    "uint8_to_float": (
        "serving_default",
        np.zeros((1, 16, 16, 3), "uint8"),
        "float tensor but is a uint8 tensor",
    ),
    "bytes_rank": ("translate_encoded", np.array(b"\x89PNG"), "1-D batch"),
    "not_an_image": ("translate_encoded", np.array([b"hello"]), "JPEG, PNG"),
    "empty_bytes": ("translate_encoded", np.array([b""]), "JPEG, PNG"),
    "truncated_jpeg": (
        "translate_encoded",
        np.array([_encode(_smooth_image(40, 40, 0), "JPEG")[:200]]),
        "JPEG",
    ),
    "tiny_png": (
        "translate_encoded",
        np.array([_encode(_smooth_image(6, 30, 0), "PNG")]),
        "at least 8x8",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_fails_with_message(served, case):
    signature, value, message = BAD_INPUTS[case]
    name = "image_bytes" if signature == "translate_encoded" else "images"
    # tf.constant keeps the dtype: the Python signature wrapper would silently
    # convert a numpy array to the expected dtype (TF Serving does not).
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        served.signatures[signature](**{name: tf.constant(value)})
    assert message in str(info.value), str(info.value)[-1000:]


@pytest.mark.parametrize(
    "value, message, not_message",
    [
        (np.full((16, 16, 3), 200.0, "float32"), "rank 4", "[-1, 1]"),
        (np.full((1, 16, 16, 4), 200.0, "float32"), "3 channels", "[-1, 1]"),
        (np.full((1, 5, 5, 3), 200.0, "float32"), "at least 8x8", "[-1, 1]"),
    ],
)
def test_first_broken_rule_is_reported(served, value, message, not_message):
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        served.signatures["serving_default"](images=tf.constant(value))
    assert message in str(info.value) and not_message not in str(info.value)


def test_empty_batches_give_empty_results(served):
    out = served.signatures["translate_image"](images=tf.zeros([0, 9, 9, 3], tf.uint8))
    assert tuple(out["images"].shape) == (0, 9, 9, 3)
    out = served.signatures["translate_encoded"](image_bytes=tf.zeros([0], tf.string))
    assert tuple(out["image_bytes"].shape) == (0,)


def test_grayscale_and_rgba_pngs_are_translated_as_rgb(served, generator):
    gray = _smooth_image(20, 24, 5)[..., 0]
    rgba = np.concatenate(
        [_smooth_image(20, 24, 6), np.full((20, 24, 1), 9, "uint8")], -1
    )
    pngs = served.signatures["translate_encoded"](
        image_bytes=tf.constant([_encode(gray, "PNG"), _encode(rgba, "PNG")])
    )["image_bytes"].numpy()
    for source, png in zip([np.repeat(gray[..., None], 3, -1), rgba[..., :3]], pngs):
        out = np.asarray(Image.open(io.BytesIO(png)))
        expected = to_uint8(reference_translate(generator, source[None] / 127.5 - 1))
        assert np.abs(out.astype(int) - expected[0].astype(int)).max() <= 1


# === Arguments ===


def test_cyclegan_direction_and_fixed_size_generator(tmp_path):
    class TwoGenerators:  # duck-typed CycleGAN; "ba" only runs at 16x16
        generator_ab = tiny_generator(ngf=4, name="g_ab")
        generator_ba = tiny_generator(ngf=4, size=16, name="g_ba")

    model = TwoGenerators()
    path = export.export_generator(model, tmp_path, direction="ba", version=3)
    assert path == os.path.join(str(tmp_path), "3")
    served = tf.saved_model.load(path).signatures["serving_default"]
    # Any size: resized to the generator's 16x16 and back.
    x = random_input((1, 23, 19, 3), seed=6, low=-1.0, high=1.0)
    y = served(images=tf.constant(x))["images"]
    small = tf.image.resize(x, (16, 16), antialias=True).numpy()
    g_small = keras.ops.convert_to_numpy(model.generator_ba(small))
    expected = tf.image.resize(g_small, (23, 19))
    assert_allclose(y, tf.clip_by_value(expected, -1, 1), atol=1e-5)
    x = random_input((1, 16, 16, 3), seed=5, low=-1.0, high=1.0)
    y = served(images=tf.constant(x))["images"]
    assert_allclose(y, model.generator_ba(x), atol=1e-5)
    assert np.abs(y - keras.ops.convert_to_numpy(model.generator_ab(x))).max() > 1e-3


def test_existing_version_is_not_overwritten(exported, generator):
    base = os.path.dirname(exported)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        export.export_generator(generator, base)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"version": 0}, ValueError, "version=0"),
        ({"version": "1"}, ValueError, "version='1'"),
        ({"direction": "ab2"}, ValueError, "direction='ab2'"),
        ({"image_size": (16, 0)}, ValueError, "image_size=(16, 0)"),
        ({"stride": 0}, ValueError, "stride=0"),
    ],
)
def test_bad_arguments(generator, tmp_path, kwargs, error, message):
    with pytest.raises(error) as info:
        export.export_generator(generator, tmp_path, **kwargs)
    assert message in str(info.value)
    assert not os.listdir(tmp_path)


def test_not_a_generator_is_refused(tmp_path):
    with pytest.raises(TypeError, match="keras.Model"):
        export.export_generator("generator.keras", tmp_path)
    noise = keras.Input((16,))
    decoder = keras.Model(noise, keras.layers.Reshape((2, 2, 4))(noise))
    with pytest.raises(ValueError, match="NHWC images to NHWC images"):
        export.export_generator(decoder, tmp_path)


# === the stride (keras_gans.inference.generator_shape) ===


def _stride(generator):
    """The stride the export pads to: read from the layers, no probing."""
    return inference.generator_shape(generator).stride


def _conv_net(downsamples, size=None):
    inputs = keras.Input((size, size, 3))
    x = keras.layers.Conv2D(4, 3, padding="same")(inputs)
    for _ in range(downsamples):
        x = keras.layers.Conv2D(4, 3, strides=2, padding="same")(x)
    for _ in range(downsamples):
        x = keras.layers.Conv2DTranspose(4, 3, strides=2, padding="same")(x)
    return keras.Model(inputs, keras.layers.Conv2D(3, 1)(x))


@pytest.mark.parametrize("downsamples, stride", [(0, 1), (1, 2), (3, 8)])
def test_generator_stride(downsamples, stride):
    assert _stride(_conv_net(downsamples)) == stride


def test_generator_stride_of_resnet_generators(generator):
    assert _stride(generator) == 4
    assert _stride(tiny_generator(ngf=4)) == 4


def test_generator_stride_of_a_unet_is_its_depth():
    # Keras' shape inference lets mismatched skip concatenations through, so
    # only the smallest feature map tells the U-Net's stride.
    unet = networks.create("unet_128", ngf=4)
    assert _stride(unet) == 128
    assert unet(np.zeros((1, 128, 128, 3), "float32")).shape == (1, 128, 128, 3)
    with pytest.raises(Exception, match="Concat"):
        unet(np.zeros((1, 132, 132, 3), "float32"))


def test_generator_stride_ignores_global_pooling_branches():
    inputs = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(4, 3, strides=2, padding="same")(inputs)
    gate = keras.layers.GlobalAveragePooling2D(keepdims=True)(x)  # 1x1 at any size
    x = keras.layers.Multiply()([x, gate])
    x = keras.layers.Conv2DTranspose(3, 3, strides=2, padding="same")(x)
    assert _stride(keras.Model(inputs, x)) == 2


def test_generator_stride_fixed_size_is_one():
    assert _stride(_conv_net(2, size=32)) == 1


def test_generator_stride_refuses_size_changing_networks(tmp_path):
    inputs = keras.Input((None, None, 3))
    upsampler = keras.Model(inputs, keras.layers.UpSampling2D()(inputs))
    with pytest.raises(ValueError, match="same size"):
        inference.generator_shape(upsampler)
    with pytest.raises(ValueError, match="same size"):
        export.export_generator(upsampler, tmp_path)


def test_a_gray_to_rgb_generator_exports_every_signature(tmp_path):
    from keras_gans import networks

    generator = networks.create(
        "resnet_6blocks", input_shape=(None, None, 1), out_channels=3, ngf=4,
        n_blocks=1,
    )  # fmt: skip
    path = export.export_generator(generator, str(tmp_path / "gray"))
    served = tf.saved_model.load(path)
    gray = np.zeros((1, 12, 16, 1), "float32")
    y = served.signatures["serving_default"](images=tf.constant(gray))["images"]
    assert tuple(y.shape) == (1, 12, 16, 3)
    png = tf.io.encode_png(np.full((12, 16, 1), 90, "uint8"))
    out = served.signatures["translate_encoded"](image_bytes=tf.stack([png]))
    decoded = tf.io.decode_png(out["image_bytes"][0])
    assert tuple(decoded.shape) == (12, 16, 3)
