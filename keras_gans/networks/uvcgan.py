"""UVCGAN generators: a U-Net with a pixel-wise ViT bottleneck (seed 003).

Layout (seed 003's `UVCGANGenerator`; layer names in brackets), with
`L = len(features)` levels:

- stem: `ReflectPad(3)` + conv7x7 to `ngf` + norm + activation [`stem_*`];
- encoder level i = 1..L: two conv3x3 + norm + activation to `features[i-1]`
  [`enc_i_conv1/2`, `enc_i_norm1/2`, `enc_i_act1/2`]: the skip; then a
  `DownsampleBlock` conv3x3 stride 2 + norm + activation [`down_i`];
- bottleneck: `PixelwiseViT(features[-1], n_heads, n_blocks, ffn_features,
  embed_features)` [`vit`] at `1 / 2**L` of the input size, then (seed 003's
  `ConvBlock`, when `bottleneck_conv`) two conv3x3 + norm + activation to
  `2 * features[-1]` [`bottleneck_*`];
- decoder level i = L..1: `UpsampleBlock` x2 to `features[i-1]` [`up_i`],
  concatenated with the level's skip [`skip_i`], two conv3x3 + norm +
  activation to `features[i-1]` [`dec_i_*`];
- head: `ReflectPad(3)` + conv7x7 to `out_channels` + tanh [`head_*`].

See also [Ronneberger et al., 2015](https://arxiv.org/abs/1505.04597) (U-Net).

Seed 003 does not define its `EncoderBlock` / `DecoderBlock` / `ConvBlock`;
they follow the UVCGAN reference U-Net (two 3x3 convs per block, the skip
taken before downsampling), with the seed's CycleGAN choices (conv + norm +
activation ordering, stride-2 conv3x3 down, transposed-conv up). The defaults
are seed 003 (64x64 images, `n_downsampling=2`, ViT with 4 heads, 4 blocks,
ffn 4x, gelu, no norm, rezero). `uvcgan_vit_unet_12` is the paper's
vit-unet-12 widths: U-Net 48/96/192/384 and a ViT of 384 features, 6 heads,
12 blocks, ffn 1536, layer norm.
"""

import keras

from keras_gans._checks import check_choice, check_int
from keras_gans.layers import (
    NORMALIZATIONS,
    DownsampleBlock,
    PixelwiseViT,
    ReflectPad,
    UpsampleBlock,
    make_activation,
    make_norm,
)
from keras_gans.networks._common import (
    check_divisible,
    check_input_shape,
    check_output_mode,
    conv2d,
    image_output,
)
from keras_gans.networks.initializers import get_initializer
from keras_gans.networks.registry import register_network
from keras_gans.networks.shape import image_shape, smallest_multiple

UPSAMPLE_MODES = ("transpose", "resize", "pixelshuffle")


def uvcgan_generator(
    *,
    ngf=64,
    features=None,
    n_heads=4,
    n_blocks=4,
    ffn_features=None,
    embed_features=None,
    vit_norm=None,
    rezero=True,
    bottleneck_conv=True,
    upsample="transpose",
    norm="instance",
    activation="relu",
    out_channels=3,
    output_mode="tanh",
    init="normal",
    input_shape=(None, None, 3),
    dtype=None,
    name="uvcgan_generator",
):
    """The UVCGAN generator: a U-Net whose bottleneck is a `PixelwiseViT`
    (layout in the module docstring).

    Args:
        ngf: int. Filters of the stem. Defaults to `64`.
        features: tuple of int or None. Encoder level widths, one per
            downsampling; `None`: `(2 * ngf, 4 * ngf)`. Defaults to `None`.
        n_heads, n_blocks: int. ViT heads (dividing `features[-1]`) and
            transformer blocks. Default to `4` and `4`.
        ffn_features, embed_features: int or None. Widths of the ViT
            feed-forward and Fourier position embedding; `None` means
            `4 * features[-1]` and `features[-1]`. Default to `None`.
        vit_norm: str or None. `"layer"` or `None` (seed 003, the default).
        rezero: bool. ReZero scalars in the ViT blocks. Defaults to `True`.
        bottleneck_conv: bool. Seed 003's conv block after the ViT, doubling
            the width. Defaults to `True`.
        upsample: str. `"transpose"` (the default), `"resize"` (the paper's
            nearest x2 + conv3x3) or `"pixelshuffle"`.
        norm, activation: str. Norm and activation of the conv blocks (see
            `make_norm`, `make_activation`). Default to `"instance"`, `"relu"`.
        out_channels: int. Output channels. Defaults to `3`.
        output_mode: str. `"tanh"` (the paper) or `"residual"` (see
            `resnet_generator`). Defaults to `"tanh"`.
        init: str. Kernel init, see `get_initializer`. Defaults to `"normal"`.
        input_shape: tuple. `(height, width, channels)`; height and width a
            multiple of `2**len(features)`, or `None`. Defaults to
            `(None, None, 3)`.
        dtype: str, `keras.DTypePolicy` or None. Dtype policy of every layer
            (e.g. `"mixed_bfloat16"`); `None` takes the global one. The
            output is float32 in any case. Defaults to `None`.
        name: str. The model name. Defaults to `"uvcgan_generator"`.

    Returns:
        A functional `keras.Model`, images in [-1, 1] -> images in [-1, 1].

    Example:

    ```python
    import numpy as np
    from keras_gans.networks import uvcgan_generator

    gen = uvcgan_generator(ngf=8, n_heads=2, n_blocks=1)
    fake = gen(np.zeros((1, 32, 32, 3), "float32"))  # (1, 32, 32, 3)
    ```

    Reference:
        [Torbunov et al., 2023](https://arxiv.org/abs/2203.02557).
    """
    args = _check_args(dict(locals()))
    blocks = _Blocks(norm, activation, init, dtype)
    inputs = keras.Input(args["input_shape"], name="image")
    x = ReflectPad(3, name="stem_pad", dtype=dtype)(inputs)
    x = blocks.conv_norm_act(x, ngf, 7, "stem", padding="valid")
    x, skips = _encoder(x, args["features"], blocks)
    x = _bottleneck(x, args, blocks)
    x = _decoder(x, args["features"], skips, upsample, blocks)
    outputs = _head(inputs, x, args)
    return keras.Model(inputs, outputs, name=name)


def _head(inputs, x, args):
    """`head_pad` ReflectPad(3), `head_conv` 7x7, `head_act` (the output)."""
    dtype = args["dtype"]
    x = ReflectPad(3, name="head_pad", dtype=dtype)(x)
    head = conv2d(
        args["out_channels"], 7, init=args["init"], name="head_conv", dtype=dtype
    )
    return image_output(inputs, head(x), head, args["output_mode"], "head_act")


def _check_args(args):
    """Validate `uvcgan_generator`'s arguments; returns them with `features`,
    `ffn_features`, `embed_features` and `input_shape` resolved."""
    args["ngf"] = check_int("ngf", args["ngf"])
    features = args["features"]
    if features is None:
        features = (2 * args["ngf"], 4 * args["ngf"])
    try:
        features = tuple(features)
    except TypeError:
        features = None
    if not features or any(
        isinstance(f, bool) or not isinstance(f, int) or f < 1 for f in features
    ):
        raise ValueError(
            "`features` must be a non-empty sequence of positive integers. "
            f"Received: features={features!r}"
        )
    width = features[-1]
    if args["ffn_features"] is None:
        args["ffn_features"] = 4 * width
    if args["embed_features"] is None:
        args["embed_features"] = width
    args["ffn_features"] = check_int("ffn_features", args["ffn_features"])
    args["embed_features"] = check_int("embed_features", args["embed_features"])
    n_heads = args["n_heads"]
    n_heads = check_int("n_heads", n_heads)
    if width % n_heads:
        raise ValueError(
            f"`n_heads` must divide features[-1]={width}. Received: n_heads={n_heads}"
        )
    check_choice("upsample", args["upsample"], UPSAMPLE_MODES)
    check_choice("norm", args["norm"], (*NORMALIZATIONS, None))
    args["out_channels"] = check_int("out_channels", args["out_channels"])
    input_shape = check_input_shape(args["input_shape"])
    check_output_mode(args["output_mode"], input_shape[-1], args["out_channels"])
    check_divisible(input_shape, 2 ** len(features), f"{len(features)} downsamplings")
    return {**args, "features": features, "input_shape": input_shape}


class _Blocks:
    """The conv + norm + activation blocks, with the network's settings."""

    def __init__(self, norm, activation, init, dtype):
        self.norm = norm
        self.activation = activation
        self.init = init
        self.dtype = dtype

    def conv_norm_act(self, x, filters, kernel_size, prefix, suffix="", padding="same"):
        # "same" at stride 1 with an odd kernel is symmetric (= torch padding=1).
        x = conv2d(
            filters,
            kernel_size,
            padding=padding,
            init=self.init,
            name=f"{prefix}_conv{suffix}",
            dtype=self.dtype,
        )(x)
        norm_layer = make_norm(
            self.norm, name=f"{prefix}_norm{suffix}", dtype=self.dtype
        )
        if norm_layer is not None:
            x = norm_layer(x)
        name = f"{prefix}_act{suffix}"
        return make_activation(self.activation, name=name, dtype=self.dtype)(x)

    def double_conv(self, x, filters, prefix):
        x = self.conv_norm_act(x, filters, 3, prefix, "1")
        return self.conv_norm_act(x, filters, 3, prefix, "2")

    def block_kwargs(self):
        return {
            "norm": self.norm,
            "activation": self.activation,
            "kernel_initializer": get_initializer(self.init),
            "dtype": self.dtype,
        }


def _encoder(x, features, blocks):
    """`enc_i_*` double convs (the skips) and `down_i` stride-2 blocks."""
    skips = []
    for i, f in enumerate(features, start=1):
        x = blocks.double_conv(x, f, f"enc_{i}")
        skips.append(x)
        x = DownsampleBlock(
            f, kernel_size=3, strides=2, name=f"down_{i}", **blocks.block_kwargs()
        )(x)
    return x, skips


def _bottleneck(x, args, blocks):
    """`vit` (the `PixelwiseViT`) and, when `bottleneck_conv`, `bottleneck_*`."""
    width = args["features"][-1]
    x = PixelwiseViT(
        width,
        args["n_heads"],
        args["n_blocks"],
        args["ffn_features"],
        args["embed_features"],
        activation="gelu",
        norm=args["vit_norm"],
        rezero=args["rezero"],
        name="vit",
        dtype=args["dtype"],
    )(x)
    if args["bottleneck_conv"]:
        x = blocks.double_conv(x, 2 * width, "bottleneck")
    return x


def _decoder(x, features, skips, upsample, blocks):
    """`up_i` x2 blocks, `skip_i` concatenations and `dec_i_*` double convs."""
    for i in range(len(features), 0, -1):
        f = features[i - 1]
        x = UpsampleBlock(f, mode=upsample, name=f"up_{i}", **blocks.block_kwargs())(x)
        skip = keras.layers.Concatenate(name=f"skip_{i}", dtype=blocks.dtype)
        x = skip([x, skips[i - 1]])
        x = blocks.double_conv(x, f, f"dec_{i}")
    return x


def _shape(config):
    """Stride `2**len(features)`; the 7x7 reflect pads of the stem and the
    head need a side >= 4."""
    ngf, features = config["ngf"], config["features"]
    stride = 2 ** len((2 * ngf, 4 * ngf) if features is None else features)
    return image_shape(
        config["input_shape"],
        stride=stride,
        min_size=smallest_multiple(stride, 4),
        out_channels=config["out_channels"],
    )


register_network(
    "uvcgan",
    kind="generator",
    shape=_shape,
    test_config={"ngf": 4, "n_heads": 2, "n_blocks": 1},
    test_input_shape=(32, 32, 3),
    source="seed 003 (UVCGANGenerator); UVCGAN paper (Torbunov et al. 2023)",
    description="U-Net + pixel-wise ViT bottleneck generator (seed 003's 64x64 "
    "anime <-> selfie config).",
)(uvcgan_generator)

register_network(
    "uvcgan_vit_unet_12",
    kind="generator",
    shape=_shape,
    test_config={
        "ngf": 4,
        "features": (4, 8, 8, 16),
        "n_heads": 2,
        "n_blocks": 1,
        "ffn_features": 32,
        "embed_features": 8,
    },
    test_input_shape=(32, 32, 3),
    source="UVCGAN paper (vit-unet-12)",
    description="The UVCGAN paper's vit-unet-12: U-Net 48/96/192/384, ViT 384 "
    "features, 6 heads, 12 blocks, ffn 1536.",
    defaults={
        "ngf": 48,
        "features": (48, 96, 192, 384),
        "n_heads": 6,
        "n_blocks": 12,
        "ffn_features": 1536,
        "embed_features": 384,
        "vit_norm": "layer",
        "bottleneck_conv": False,
        "upsample": "resize",
        "activation": "leaky_relu",
    },
)(uvcgan_generator)
