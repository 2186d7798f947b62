"""NetworkShape: the registry's shape facts, `shape_of` (static) and
`probe_shape` (running the model) agree for every registered network."""

import os

import keras
import numpy as np
import pytest

from keras_gans import networks

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GLYPHS = os.path.join(ROOT, "saved_models", "glyphs_cyclegan", "model.keras")

# Configurations beyond the registered test configs: other depths, paddings,
# upsampling modes and fixed input shapes.
VARIANTS = [
    ("resnet_6blocks", {"n_downsampling": 3}),
    ("resnet_6blocks", {"n_downsampling": 0, "n_blocks": 1}),
    ("resnet_6blocks", {"n_blocks": 0}),
    ("resnet_6blocks", {"padding_mode": "zero", "n_blocks": 1}),
    ("resnet_6blocks", {"upsample": "resize", "upsample_padding": "reflect"}),
    ("residual_pixelshuffle", {"n_blocks": 0, "upsample_padding": "zero"}),
    ("resnet_6blocks", {"input_shape": (32, 48, 1), "out_channels": 1}),
    ("unet_256", {"num_downs": 5, "input_shape": (None, None, 1)}),
    ("uvcgan", {"features": (4, 8, 8)}),
    ("uvcgan", {"upsample": "pixelshuffle"}),
    ("patchgan", {"n_layers": 2}),
    ("patchgan", {"n_layers": 4, "stride1_block": False, "max_mult": None}),
    ("patchgan", {"spectral_norm": True}),
    ("dcgan_discriminator", {"input_shape": (32, 32, 1)}),
    ("cspup_dcgan", {"filters": (8, 8), "latent_dim": 8, "out_channels": 1}),
]
CASES = [(name, {}) for name in networks.list_networks()] + VARIANTS


def _build(name, overrides):
    info = networks.get_network_info(name)
    config = {**info.test_config, **overrides}
    return info.shape(**config), networks.create(name, **config)


@pytest.mark.parametrize(
    "name, overrides", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)]
)
def test_registry_shape_of_and_probe_agree(name, overrides):
    expected, model = _build(name, overrides)
    assert networks.shape_of(model, allow_probe=False) == expected
    assert networks.probe_shape(model) == expected


@pytest.mark.parametrize("name", ["resnet_9blocks", "unet_128", "patchgan"])
def test_shape_facts_hold_when_running(name):
    shape, model = _build(name, {})
    channels = shape.in_channels
    size = shape.min_size
    # The smallest size and an odd multiple of the stride run; for a
    # generator the output has the input's size.
    for h, w in ((size, size), (size + shape.stride, size + 3 * shape.stride)):
        y = model(np.zeros((1, h, w, channels), "float32"))
        assert y.shape[-1] == shape.out_channels
        if networks.get_network_info(name).kind == "generator":
            assert tuple(y.shape[1:3]) == (h, w)


def test_registry_examples():
    info = networks.get_network_info("resnet_9blocks")
    assert info.shape() == networks.NetworkShape(4, 8, 3, 3, None)
    assert info.shape(n_downsampling=3).stride == 8
    assert networks.get_network_info("unet_256").shape().stride == 256
    assert networks.get_network_info("unet_128").shape().min_size == 128
    assert networks.get_network_info("patchgan").shape().min_size == 24
    dcgan = networks.get_network_info("dcgan_discriminator").shape()
    assert (dcgan.stride, dcgan.min_size, dcgan.fixed_size) == (1, None, (64, 64))
    noise = networks.get_network_info("cspup_dcgan").shape()
    assert (noise.latent_dim, noise.in_channels) == (100, None)
    assert noise.fixed_size == (64, 64)


def test_shape_of_does_not_call_the_model(monkeypatch):
    model = networks.create("unet_128", ngf=4)

    def fail(*args, **kwargs):
        raise AssertionError("shape_of called the model")

    monkeypatch.setattr(keras.Model, "__call__", fail)
    monkeypatch.setattr(keras.Model, "compute_output_spec", fail)
    assert networks.shape_of(model, allow_probe=False).stride == 128


def test_shape_of_keras_round_trip(tmp_path):
    model = networks.create("residual_pixelshuffle_9blocks", ngf=4, n_blocks=1)
    path = os.path.join(tmp_path, "gen.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert networks.shape_of(loaded, allow_probe=False) == networks.shape_of(model)


def test_shape_of_shipped_glyph_generators():
    model = keras.saving.load_model(GLYPHS)
    for generator in (model.generator_ab, model.generator_ba):
        shape = networks.shape_of(generator, allow_probe=False)
        assert shape == networks.probe_shape(generator)
        assert shape.stride > 1 and shape.in_channels == shape.out_channels


def test_plain_keras_layers():
    inputs = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(8, 3, strides=2, padding="same")(inputs)
    x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.UpSampling2D(2)(x)
    x = keras.layers.Conv2DTranspose(3, 3, strides=2, padding="same")(x)
    model = keras.Model(inputs, x)
    static = networks.shape_of(model, allow_probe=False)
    assert static == networks.probe_shape(model)
    assert (static.stride, static.min_size) == (4, 4)


def _foreign_model():
    """A generator with a layer shape_of does not know (a Lambda)."""
    inputs = keras.Input((None, None, 2))
    x = keras.layers.Conv2D(4, 3, strides=2, padding="same")(inputs)
    x = keras.layers.Lambda(lambda t: t * 2.0)(x)
    x = keras.layers.Conv2DTranspose(2, 3, strides=2, padding="same")(x)
    return keras.Model(inputs, x, name="foreign")


def test_fallback_to_the_probe():
    model = _foreign_model()
    with pytest.raises(ValueError, match="Lambda"):
        networks.shape_of(model, allow_probe=False)
    assert networks.shape_of(model) == networks.NetworkShape(2, 2, 2, 2, None)


def test_fallback_on_a_subclassed_model():
    class Doubler(keras.Model):
        def __init__(self):
            super().__init__()
            self.down = keras.layers.Conv2D(3, 3, strides=4, padding="same")
            self.up = keras.layers.UpSampling2D(4)

        def call(self, x):
            return self.up(self.down(x))

    inputs = keras.Input((None, None, 3))
    model = keras.Model(inputs, Doubler()(inputs))
    assert networks.shape_of(model) == networks.NetworkShape(4, 4, 3, 3, None)


def test_errors():
    inputs = keras.Input((None, 8, 3))
    model = keras.Model(inputs, keras.layers.Conv2D(3, 1)(inputs))
    with pytest.raises(ValueError, match="both height and width"):
        networks.shape_of(model)


def test_sequential_model():
    model = keras.Sequential(
        [
            keras.Input((None, None, 3)),
            keras.layers.ZeroPadding2D(1),
            keras.layers.Conv2D(4, 4, strides=2),
            keras.layers.Conv2DTranspose(3, 4, strides=2, padding="same"),
        ]
    )
    static = networks.shape_of(model, allow_probe=False)
    assert static == networks.probe_shape(model)
    assert (static.stride, static.min_size) == (2, 2)
