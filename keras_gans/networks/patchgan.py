"""PatchGAN discriminators: the official `NLayerDiscriminator` and seed 003's
average-pooled variant.

Layers (all convs 4x4 with torch `padding=1`, i.e. `ZeroPadding2D(1)` + a
valid conv, so sizes match torch exactly):

- `conv_0`: stride 2 to `ndf` + LeakyReLU(0.2) (no norm);
- `conv_1` .. `conv_{n_layers-1}`: stride 2 to `ndf * min(2**i, max_mult)` +
  norm + LeakyReLU(0.2);
- `conv_{n_layers}` (when `stride1_block`): stride 1 to
  `ndf * min(2**n_layers, max_mult)` + norm + LeakyReLU(0.2);
- `conv_out`: stride 1 to 1 channel: the logits (no sigmoid).

The default (`n_layers=3`, `ndf=64`, instance norm) is the 70x70 PatchGAN:
2,764,737 parameters, a 256x256 input gives a 30x30 map. Seed 000's
discriminator with `hidden_n` hidden blocks is `n_layers=hidden_n + 1,
stride1_block=False, max_mult=None`.
"""

import keras

from keras_gans._checks import check_choice, check_int
from keras_gans.layers import NORMALIZATIONS, make_activation, make_norm
from keras_gans.networks._common import (
    check_input_shape,
    padded_conv,
)
from keras_gans.networks.registry import register_network
from keras_gans.networks.shape import image_shape


def patchgan(
    *,
    ndf=64,
    n_layers=3,
    norm="instance",
    stride1_block=True,
    max_mult=8,
    pooled=False,
    spectral_norm=False,
    init="normal",
    input_shape=(None, None, 3),
    dtype=None,
    name="patchgan",
):
    """A PatchGAN discriminator (`NLayerDiscriminator` of CycleGAN/pix2pix);
    the layers are listed in the module docstring.

    Args:
        ndf: int. Filters of the first conv. Defaults to `64`.
        n_layers: int. Number of stride-2 convs. Defaults to `3`.
        norm: str or None. `"instance"` (torch `InstanceNorm2d`, no affine),
            `"instance_affine"`, `"batch"` or `None`. The convs followed by a
            norm have a bias unless the norm is `"batch"`, as in the official
            code. Defaults to `"instance"`.
        stride1_block: bool. Add the stride-1 conv + norm + LeakyReLU before
            the output conv (official code: yes; seed 000: no). Defaults to
            `True`.
        max_mult: int or None. Cap of the filter multiplier (official: 8;
            `None`: no cap, as seed 000). Defaults to `8`.
        pooled: bool. Average the patch map to one logit per image, shape
            `(batch, 1)` (seed 003). Defaults to `False`.
        spectral_norm: bool. Wrap every conv in
            `keras.layers.SpectralNormalization`. Defaults to `False`.
        init: str. Kernel init scheme, see `get_initializer`. Defaults to
            `"normal"` (N(0, 0.02)).
        input_shape: tuple. `(height, width, channels)`; `None` for any
            size. Defaults to `(None, None, 3)`.
        dtype: str, `keras.DTypePolicy` or None. Dtype policy of every layer
            (e.g. `"mixed_bfloat16"`); `None` takes the global one. The
            logits are float32 in any case. Defaults to `None`.
        name: str. The model name. Defaults to `"patchgan"`.

    Returns:
        A functional `keras.Model` from images in [-1, 1] to logits of shape
        `(batch, h, w, 1)`, or `(batch, 1)` when `pooled`.

    Example:

    ```python
    import numpy as np
    from keras_gans.networks import patchgan

    disc = patchgan(ndf=8)
    logits = disc(np.zeros((1, 64, 64, 3), "float32"))  # (1, 6, 6, 1)
    ```

    Reference:
        [Isola et al., 2017](https://arxiv.org/abs/1611.07004);
        [Zhu et al., 2017](https://arxiv.org/abs/1703.10593).
    """
    ndf = check_int("ndf", ndf)
    n_layers = check_int("n_layers", n_layers)
    check_choice("norm", norm, (*NORMALIZATIONS, None))
    if max_mult is not None:
        max_mult = check_int("max_mult", max_mult)
    input_shape = check_input_shape(input_shape)
    conv_kw = {"init": init, "spectral_norm": spectral_norm, "dtype": dtype}

    inputs = keras.Input(input_shape, name="image")
    x = padded_conv(inputs, ndf, 4, strides=2, name="conv_0", **conv_kw)
    x = make_activation("leaky_relu", name="act_0", dtype=dtype)(x)
    n_blocks = n_layers + 1 if stride1_block else n_layers
    for i in range(1, n_blocks):
        mult = 2**i if max_mult is None else min(2**i, max_mult)
        x = _conv_norm_act(x, ndf * mult, i, 1 if i == n_layers else 2, norm, conv_kw)
    x = padded_conv(x, 1, 4, name="conv_out", **conv_kw)
    if pooled:
        x = keras.layers.GlobalAveragePooling2D(name="pool", dtype=dtype)(x)
    outputs = keras.layers.Activation("linear", dtype="float32", name="logits")(x)
    return keras.Model(inputs, outputs, name=name)


def _conv_norm_act(x, filters, i, strides, norm, conv_kw):
    """`conv_i` 4x4 (torch `padding=1`) + `norm_i` + `act_i` LeakyReLU(0.2)."""
    dtype = conv_kw["dtype"]
    x = padded_conv(
        x,
        filters,
        4,
        strides=strides,
        use_bias=norm != "batch",
        name=f"conv_{i}",
        **conv_kw,
    )
    norm_layer = make_norm(norm, name=f"norm_{i}", dtype=dtype)
    if norm_layer is not None:
        x = norm_layer(x)
    return make_activation("leaky_relu", name=f"act_{i}", dtype=dtype)(x)


def _shape(config):
    """Any size (stride 1) from `(2 + stride1_block) * 2**n_layers` up: the
    map after the `n_layers` halvings must outlive the stride-1 4x4 convs."""
    min_size = (2 + bool(config["stride1_block"])) * 2 ** config["n_layers"]
    return image_shape(
        config["input_shape"], stride=1, min_size=min_size, out_channels=1
    )


register_network(
    "patchgan",
    kind="discriminator",
    shape=_shape,
    test_config={"ndf": 4},
    test_input_shape=(32, 32, 3),
    source="pix2pix / CycleGAN papers (70x70 PatchGAN, NLayerDiscriminator); "
    "seeds 000, 002",
    description="70x70 PatchGAN: a map of real/fake logits, one per overlapping patch.",
)(patchgan)

register_network(
    "patchgan_pooled",
    kind="discriminator",
    shape=_shape,
    test_config={"ndf": 4},
    test_input_shape=(32, 32, 3),
    source="seed 003 (PatchGAN averaged to one score)",
    description="70x70 PatchGAN with its patch logits averaged to one per image.",
    defaults={"pooled": True},
)(patchgan)
