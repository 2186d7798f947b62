"""The tiny models every test shares: networks of a few thousand weights
that trace in seconds on a CPU, and the random data they train on.

CycleGAN: `tiny_generator` / `tiny_discriminator` (two plain Keras layers
each), `tiny_cyclegan`; DCGAN: `tiny_dcgan` (the library's CSPup generator
and a discriminator at 8x8), `mini_dcgan` (two-layer networks with a call
counter); Pix2Pix: `tiny_pix2pix`. Registry networks have their own small
settings in the registry (`keras_gans.networks.get_network_info(name).test_config`).
Pix2Pix: `tiny_pix2pix` (U-Net, PatchGAN), `plain_pix2pix` (two-layer networks).
"""

import keras
import numpy as np
import tensorflow as tf

import keras_gans
from keras_gans import networks
from tests.test_case import random_input

LATENT = 8
SIZE = 8  # the smallest DCGAN image both discriminators accept: fast to trace


def tiny_generator(channels=3):
    """Two 3x3 convs, tanh output: images in [-1, 1] -> images in [-1, 1]."""
    x = keras.Input((None, None, channels))
    y = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(x)
    y = keras.layers.Conv2D(channels, 3, padding="same", activation="tanh")(y)
    return keras.Model(x, y)


def tiny_discriminator(channels=3):
    """A strided 4x4 conv + LeakyReLU and a 3x3 conv to one logit map."""
    x = keras.Input((None, None, channels))
    y = keras.layers.Conv2D(4, 4, strides=2, padding="same")(x)
    y = keras.layers.LeakyReLU(0.2)(y)
    y = keras.layers.Conv2D(1, 3, padding="same")(y)
    return keras.Model(x, y)


def tiny_noise_generator(latent_dim=8, size=16, channels=3):
    """Noise `(batch, latent_dim)` -> `size x size` images in [-1, 1]: a dense
    layer to `size / 2` squared, one strided transposed conv, tanh."""
    half = size // 2
    z = keras.Input((latent_dim,))
    y = keras.layers.Dense(half * half * 8, activation="relu")(z)
    y = keras.layers.Reshape((half, half, 8))(y)
    y = keras.layers.Conv2DTranspose(
        channels, 4, strides=2, padding="same", activation="tanh"
    )(y)
    return keras.Model(z, y)


def tiny_image_discriminator(size=16, channels=3):
    """`size x size` images -> one logit per image (no batch norm)."""
    x = keras.Input((size, size, channels))
    y = keras.layers.Conv2D(8, 4, strides=2, padding="same")(x)
    y = keras.layers.LeakyReLU(0.2)(y)
    y = keras.layers.Flatten()(y)
    y = keras.layers.Dense(1)(y)
    return keras.Model(x, y)


def tiny_cyclegan(cls=None, **kwargs):
    """A CycleGAN (or subclass `cls`) of tiny networks; kwargs go to it."""
    cls = cls or keras_gans.CycleGAN
    kwargs.setdefault("pool_size", 4)
    kwargs.setdefault("seed", 7)
    return cls(
        tiny_generator(),
        tiny_generator(),
        tiny_discriminator(),
        tiny_discriminator(),
        **kwargs,
    )


def random_pairs(n=8, size=32, seed=0):
    """Two arrays of `n` random images in [-1, 1] (domains A and B)."""
    a = random_input((n, size, size, 3), seed=seed, low=-1.0, high=1.0)
    b = random_input((n, size, size, 3), seed=seed + 1, low=-1.0, high=1.0)
    return a, b


def pair_dataset(n=8, size=32, batch_size=2, seed=0):
    """A `tf.data.Dataset` of `(a, b)` batches (not shuffled)."""
    a, b = random_pairs(n, size, seed)
    return tf.data.Dataset.from_tensor_slices((a, b)).batch(batch_size)


def weights_of(model):
    """Copies of a model's weights as numpy arrays."""
    return [np.array(w) for w in model.get_weights()]


def tiny_dcgan(
    discriminator="dcgan_discriminator",
    spectral_norm=False,
    g_norm="batch",
    compile=True,
    **kwargs,
):
    """An 8x8 DCGAN with a few thousand weights."""
    generator = networks.create(
        "cspup_dcgan",
        latent_dim=LATENT,
        filters=(8,),
        norm=g_norm,
        spectral_norm=spectral_norm,
    )
    disc = networks.create(
        discriminator,
        ndf=8,
        input_shape=(SIZE, SIZE, 3),
        spectral_norm=spectral_norm,
    )
    model = keras_gans.DCGAN(generator, disc, latent_dim=LATENT, **kwargs)
    if compile:
        model.compile()
    return model


class TrainingCallCounter(keras.layers.Layer):
    """Identity that counts the calls made in training mode."""

    def build(self, input_shape):
        self.calls = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="calls"
        )

    def call(self, x, training=None):
        if training:
            self.calls.assign_add(1.0)
        return x


def mini_dcgan(generator=None, **kwargs):
    """A DCGAN of two-layer networks: the train step traces in ~1 s. For the
    tests of the training machinery that do not depend on the architecture.
    `model.discriminator.get_layer("counter").calls` counts D's training
    calls."""
    if generator is None:
        z = keras.Input((LATENT,))
        x = keras.layers.Dense(SIZE * SIZE * 3)(z)
        x = keras.layers.Reshape((SIZE, SIZE, 3))(x)
        generator = keras.Model(z, keras.layers.Activation("tanh")(x), name="mini_g")
    image = keras.Input((SIZE, SIZE, 3))
    y = TrainingCallCounter(name="counter")(image)
    y = keras.layers.Conv2D(4, 3, strides=2, padding="same")(y)
    y = keras.layers.LeakyReLU(0.2)(y)
    y = keras.layers.Dense(1)(keras.layers.Flatten()(y))
    discriminator = keras.Model(image, y, name="mini_d")
    model = keras_gans.DCGAN(generator, discriminator, latent_dim=LATENT, **kwargs)
    model.compile()
    return model


def real_images(n=8, seed=0):
    return random_input((n, SIZE, SIZE, 3), seed=seed, low=-1.0, high=1.0)


def tiny_unet(use_dropout=False, **kwargs):
    """The pix2pix U-Net at test size: 5 levels (32x32 -> 1x1), ngf 8."""
    return networks.create(
        "unet_256", num_downs=5, ngf=8, use_dropout=use_dropout, **kwargs
    )


def tiny_patchgan(norm="batch", channels=6):
    return networks.create(
        "patchgan", ndf=8, n_layers=2, norm=norm, input_shape=(None, None, channels)
    )


def tiny_pix2pix(use_dropout=False, norm="batch", **kwargs):
    kwargs.setdefault("seed", 3)
    return keras_gans.Pix2Pix(tiny_unet(use_dropout), tiny_patchgan(norm), **kwargs)


def plain_pix2pix(**kwargs):
    """A Pix2Pix of two-layer networks (`tiny_generator`, `tiny_discriminator`
    of the 6-channel pair): its train step compiles in seconds on JAX."""
    kwargs.setdefault("seed", 3)
    return keras_gans.Pix2Pix(tiny_generator(), tiny_discriminator(6), **kwargs)


class CrashAt(keras.callbacks.Callback):
    """Raise `RuntimeError("simulated crash")` after batch `batch` of epoch
    `epoch`, to simulate a killed job."""

    def __init__(self, epoch, batch):
        super().__init__()
        self.at = (epoch, batch)
        self.epoch = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            raise RuntimeError("simulated crash")


def _reflect(p):
    """Reflect padding by `p` pixels. The library's layer, not a Lambda: a
    `.keras` file does not keep a lambda's globals, and JAX and PyTorch
    export through one (`keras_gans.export_backends`)."""
    return keras_gans.layers.ReflectPad(p)


def _norm():
    # Instance norm, as in the CycleGAN generators.
    return keras.layers.GroupNormalization(
        groups=-1, epsilon=1e-5, center=False, scale=False
    )


def tiny_resnet_generator(channels=3, ngf=8, size=None, name="tiny_generator"):
    """A stride-4 CycleGAN-style generator: reflect pad + conv7x7, two stride-2
    convs, one residual block, two stride-2 transposed convs, conv7x7 + tanh,
    instance norm throughout. Fully convolutional unless `size` is given."""
    inputs = keras.Input((size, size, channels))
    x = _reflect(3)(inputs)
    x = keras.layers.ReLU()(_norm()(keras.layers.Conv2D(ngf, 7)(x)))
    for mult in (2, 4):
        x = keras.layers.Conv2D(ngf * mult, 3, strides=2, padding="same")(x)
        x = keras.layers.ReLU()(_norm()(x))
    r = keras.layers.Conv2D(ngf * 4, 3)(_reflect(1)(x))
    r = keras.layers.Conv2D(ngf * 4, 3)(_reflect(1)(keras.layers.ReLU()(_norm()(r))))
    x = keras.layers.Add()([x, _norm()(r)])
    for mult in (2, 1):
        x = keras.layers.Conv2DTranspose(ngf * mult, 3, strides=2, padding="same")(x)
        x = keras.layers.ReLU()(_norm()(x))
    x = keras.layers.Conv2D(channels, 7, activation="tanh")(_reflect(3)(x))
    return keras.Model(inputs, x, name=name)


def tiny_registry_generator():
    """The library's ResNet generator at test width (ngf 4, one block)."""
    return networks.create("resnet_6blocks", ngf=4, n_blocks=1)


def tiny_registry_cyclegan():
    """A compiled, built CycleGAN of registry networks (ResNet, PatchGAN) at 8x8."""

    def gen(name):
        return networks.create(
            "resnet_6blocks", ngf=4, n_blocks=1, n_downsampling=1, name=name
        )

    def disc(name):
        return networks.create("patchgan", ndf=4, n_layers=1, name=name)

    model = keras_gans.CycleGAN(
        gen("g_ab"), gen("g_ba"), disc("d_a"), disc("d_b"), pool_size=3, seed=1
    )
    model.compile()
    model.build(((None, 8, 8, 3), (None, 8, 8, 3)))
    return model
