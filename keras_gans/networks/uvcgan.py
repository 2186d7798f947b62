"""UVCGAN generators: a U-Net with a pixel-wise ViT bottleneck (seed 003)."""

import keras

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
    check_choice,
    check_divisible,
    check_input_shape,
    check_output_mode,
    check_positive_int,
    conv2d,
    image_output,
)
from keras_gans.networks.initializers import get_initializer
from keras_gans.networks.registry import register_network

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
    name="uvcgan_generator",
):
    """The UVCGAN generator: a U-Net whose bottleneck is a `PixelwiseViT`.

    Layout (seed 003's `UVCGANGenerator`; layer names in brackets), with
    `L = len(features)` levels:

    - stem: `ReflectPad(3)` + conv7x7 to `ngf` + norm + activation
      [`stem_*`];
    - encoder level i = 1..L: two conv3x3 + norm + activation to
      `features[i-1]` [`enc_i_conv1/2`, `enc_i_norm1/2`, `enc_i_act1/2`]:
      the skip; then a `DownsampleBlock` conv3x3 stride 2 + norm +
      activation [`down_i`];
    - bottleneck: `PixelwiseViT(features[-1], n_heads, n_blocks,
      ffn_features, embed_features)` [`vit`] at `1 / 2**L` of the input size,
      then (seed 003's `ConvBlock`, when `bottleneck_conv`) two conv3x3 + norm
      + activation to `2 * features[-1]` [`bottleneck_*`];
    - decoder level i = L..1: `UpsampleBlock` x2 to `features[i-1]` [`up_i`],
      concatenated with the level's skip [`skip_i`], two conv3x3 + norm +
      activation to `features[i-1]` [`dec_i_*`];
    - head: `ReflectPad(3)` + conv7x7 to `out_channels` + tanh [`head_*`].

    Seed 003 does not define its `EncoderBlock` / `DecoderBlock` /
    `ConvBlock`; they follow the UVCGAN reference U-Net (two 3x3 convs per
    block, the skip taken before downsampling), with the seed's CycleGAN
    choices (conv + norm + activation ordering, stride-2 conv3x3 down,
    transposed-conv up). The defaults are seed 003 (64x64 images,
    `n_downsampling=2`, ViT with 4 heads, 4 blocks, ffn 4x, gelu, no norm,
    rezero). `uvcgan_vit_unet_12` is the paper's vit-unet-12 widths: U-Net
    48/96/192/384 and a ViT of 384 features, 6 heads, 12 blocks, ffn 1536,
    layer norm.

    Args:
        ngf: int. Filters of the stem. Defaults to `64`.
        features: tuple of int or None. Encoder level widths (one per
            downsampling); `None` means `(2 * ngf, 4 * ngf)`. Defaults to
            `None`.
        n_heads: int. ViT attention heads (divides `features[-1]`). Defaults
            to `4`.
        n_blocks: int. ViT transformer blocks. Defaults to `4`.
        ffn_features: int or None. ViT feed-forward width; `None` means
            `4 * features[-1]`. Defaults to `None`.
        embed_features: int or None. Width of the ViT Fourier position
            embedding; `None` means `features[-1]`. Defaults to `None`.
        vit_norm: str or None. `"layer"` or `None` (seed 003: none) inside the
            ViT. Defaults to `None`.
        rezero: bool. ReZero scalars in the ViT blocks. Defaults to `True`.
        bottleneck_conv: bool. Seed 003's conv block after the ViT, doubling
            the width. Defaults to `True`.
        upsample: str. `"transpose"`, `"resize"` (nearest x2 + conv3x3, the
            paper's upsample-conv) or `"pixelshuffle"`. Defaults to
            `"transpose"`.
        norm: str or None. Norm of the conv blocks, see
            `keras_gans.layers.make_norm`. Defaults to `"instance"`.
        activation: str. Activation of the conv blocks, see
            `keras_gans.layers.make_activation` (paper: `"leaky_relu"`).
            Defaults to `"relu"`.
        out_channels: int. Output channels. Defaults to `3`.
        output_mode: str. `"tanh"` (the paper) or `"residual"`: the output
            is `clip(input + head_conv(x), -1, 1)` with `head_conv`
            zero-initialised, the identity map before training (input
            channels must equal `out_channels`). Defaults to `"tanh"`.
        init: str. Kernel init scheme of the convs, see `get_initializer`.
            Defaults to `"normal"` (N(0, 0.02)).
        input_shape: tuple. `(height, width, channels)`; height and width a
            multiple of `2**len(features)`, or `None`. Defaults to
            `(None, None, 3)`.
        name: str. The model name. Defaults to `"uvcgan_generator"`.

    Returns:
        A functional `keras.Model`: images in [-1, 1] -> images in [-1, 1].

    Example:

    ```python
    import numpy as np
    from keras_gans.networks import uvcgan_generator

    gen = uvcgan_generator(ngf=8, n_heads=2, n_blocks=1)
    fake = gen(np.zeros((1, 32, 32, 3), "float32"))  # (1, 32, 32, 3)
    ```

    Reference:
        [Torbunov et al., 2023](https://arxiv.org/abs/2203.02557);
        [Ronneberger et al., 2015](https://arxiv.org/abs/1505.04597).
    """
    check_positive_int("ngf", ngf)
    if features is None:
        features = (2 * ngf, 4 * ngf)
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
    ffn_features = 4 * width if ffn_features is None else ffn_features
    embed_features = width if embed_features is None else embed_features
    check_positive_int("ffn_features", ffn_features)
    check_positive_int("embed_features", embed_features)
    check_positive_int("n_heads", n_heads)
    if width % n_heads:
        raise ValueError(
            f"`n_heads` must divide features[-1]={width}. Received: n_heads={n_heads}"
        )
    check_choice("upsample", upsample, UPSAMPLE_MODES)
    check_choice("norm", norm, (*NORMALIZATIONS, None))
    check_positive_int("out_channels", out_channels)
    input_shape = check_input_shape(input_shape)
    check_output_mode(output_mode, input_shape[-1], out_channels)
    check_divisible(input_shape, 2 ** len(features), f"{len(features)} downsamplings")

    def conv_norm_act(x, filters, kernel_size, prefix, suffix="", padding="same"):
        # "same" at stride 1 with an odd kernel is symmetric (= torch padding=1).
        x = conv2d(
            filters,
            kernel_size,
            padding=padding,
            init=init,
            name=f"{prefix}_conv{suffix}",
        )(x)
        norm_layer = make_norm(norm, name=f"{prefix}_norm{suffix}")
        if norm_layer is not None:
            x = norm_layer(x)
        return make_activation(activation, name=f"{prefix}_act{suffix}")(x)

    def double_conv(x, filters, prefix):
        x = conv_norm_act(x, filters, 3, prefix, "1")
        return conv_norm_act(x, filters, 3, prefix, "2")

    block_kwargs = {"norm": norm, "activation": activation}
    inputs = keras.Input(input_shape, name="image")
    # === Stem ===
    x = ReflectPad(3, name="stem_pad")(inputs)
    x = conv_norm_act(x, ngf, 7, "stem", padding="valid")
    # === Encoder ===
    skips = []
    for i, f in enumerate(features, start=1):
        x = double_conv(x, f, f"enc_{i}")
        skips.append(x)
        x = DownsampleBlock(
            f,
            kernel_size=3,
            strides=2,
            kernel_initializer=get_initializer(init),
            name=f"down_{i}",
            **block_kwargs,
        )(x)
    # === Bottleneck ===
    x = PixelwiseViT(
        width,
        n_heads,
        n_blocks,
        ffn_features,
        embed_features,
        activation="gelu",
        norm=vit_norm,
        rezero=rezero,
        name="vit",
    )(x)
    if bottleneck_conv:
        x = double_conv(x, 2 * width, "bottleneck")
    # === Decoder ===
    for i in range(len(features), 0, -1):
        f = features[i - 1]
        x = UpsampleBlock(
            f,
            mode=upsample,
            kernel_initializer=get_initializer(init),
            name=f"up_{i}",
            **block_kwargs,
        )(x)
        x = keras.layers.Concatenate(name=f"skip_{i}")([x, skips[i - 1]])
        x = double_conv(x, f, f"dec_{i}")
    # === Head ===
    x = ReflectPad(3, name="head_pad")(x)
    head = conv2d(out_channels, 7, init=init, name="head_conv")
    outputs = image_output(inputs, head(x), head, output_mode, "head_act")
    return keras.Model(inputs, outputs, name=name)


register_network(
    "uvcgan",
    kind="generator",
    source="seed 003 (UVCGANGenerator); UVCGAN paper (Torbunov et al. 2023)",
    description="U-Net + pixel-wise ViT bottleneck generator (seed 003's 64x64 "
    "anime <-> selfie config).",
)(uvcgan_generator)

register_network(
    "uvcgan_vit_unet_12",
    kind="generator",
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
