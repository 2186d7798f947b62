"""ResNet generators: CycleGAN's `ResnetGenerator` and seed 000's pixel-shuffle
variant, one builder.

Layers, named for the torch weight map (`torch_weights`):

- `stem_pad` `ReflectPad(3)`, `stem_conv` 7x7 to `ngf`, `stem_norm`,
  `stem_act` ReLU;
- `down_1` .. `down_{n_downsampling}`: `DownsampleBlock` conv3x3 stride 2
  (torch `padding=1`) + norm + ReLU, doubling the filters;
- `res_1` .. `res_{n_blocks}`: `ResidualBlock` (pad, conv3x3, norm, ReLU,
  [dropout 0.5], pad, conv3x3, norm, + skip; no activation after the add);
- `up_1` .. `up_{n_downsampling}`: `UpsampleBlock` x2 + norm + ReLU, halving
  the filters. `"transpose"` equals torch
  `ConvTranspose2d(3, stride=2, padding=1, output_padding=1)`;
- `head_pad` `ReflectPad(3)`, `head_conv` 7x7 to `out_channels`, `head_act`
  tanh (float32 under mixed precision).

Convs followed by a norm have a bias unless `norm="batch"` (as the official
code). `resnet_9blocks` at `ngf=64` has 11,378,179 parameters.
"""

import keras

from keras_gans._checks import check_choice, check_int
from keras_gans.layers import (
    NORMALIZATIONS,
    DownsampleBlock,
    ReflectPad,
    ResidualBlock,
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

UPSAMPLE_MODES = ("transpose", "pixelshuffle", "resize")


def resnet_generator(
    *,
    ngf=64,
    n_blocks=9,
    n_downsampling=2,
    upsample="transpose",
    upsample_padding="zero",
    norm="instance",
    use_dropout=False,
    padding_mode="reflect",
    out_channels=3,
    output_mode="tanh",
    init="normal",
    input_shape=(None, None, 3),
    dtype=None,
    name="resnet_generator",
):
    """A ResNet image-to-image generator (CycleGAN's `ResnetGenerator`);
    the layers are listed in the module docstring.

    Args:
        ngf: int. Filters of the stem; the bottleneck has
            `ngf * 2**n_downsampling`. Defaults to `64`.
        n_blocks: int. Number of residual blocks (>= 0). Defaults to `9`.
        n_downsampling: int. Stride-2 down / x2 up blocks (>= 0). Defaults to `2`.
        upsample: str. `"transpose"` (CycleGAN), `"pixelshuffle"` (seed 000) or
            `"resize"` (nearest x2 + conv). Defaults to `"transpose"`.
        upsample_padding: str. `"zero"` or `"reflect"`: padding of the conv of
            the `"pixelshuffle"` / `"resize"` modes. Defaults to `"zero"`.
        norm: str or None. See `keras_gans.layers.make_norm`. Defaults to
            `"instance"` (torch `InstanceNorm2d`, affine=False).
        use_dropout: bool. Dropout 0.5 in the residual blocks. Defaults to `False`.
        padding_mode: str. `"reflect"` or `"zero"` padding in the residual
            blocks. Defaults to `"reflect"`.
        out_channels: int. Output channels. Defaults to `3`.
        output_mode: str. `"tanh"` (the paper) or `"residual"`: `head_act` is
            `clip(input + head_conv(x), -1, 1)` with `head_conv`
            zero-initialised, the identity map before training (input
            channels must equal `out_channels`). Defaults to `"tanh"`.
        init: str. Kernel init scheme, see `get_initializer`. Defaults to
            `"normal"` (N(0, 0.02)).
        input_shape: tuple. `(height, width, channels)`; height and width a
            multiple of `2**n_downsampling`, or `None`. Defaults to
            `(None, None, 3)`.
        dtype: str, `keras.DTypePolicy` or None. Dtype policy of every layer
            (e.g. `"mixed_bfloat16"`); `None` takes the global one. The
            output is float32 in any case. Defaults to `None`.
        name: str. The model name. Defaults to `"resnet_generator"`.

    Returns:
        A functional `keras.Model`: NHWC images in [-1, 1] -> images in
        [-1, 1] of the same size.

    Example:

    ```python
    import numpy as np
    from keras_gans.networks import resnet_generator

    gen = resnet_generator(ngf=8, n_blocks=2)
    fake = gen(np.zeros((1, 32, 32, 3), "float32"))  # (1, 32, 32, 3)
    ```

    Reference:
        [Zhu et al., 2017](https://arxiv.org/abs/1703.10593);
        [Johnson et al., 2016](https://arxiv.org/abs/1603.08155).
    """
    args = dict(locals())  # the arguments, for the helpers below
    input_shape = _check_args(args)
    kw = {"norm": norm, "use_bias": norm != "batch", "init": init, "dtype": dtype}
    inputs = keras.Input(input_shape, name="image")
    x = _stem(inputs, ngf, **kw)
    x = _resnet_trunk(x, args, kw)
    x = ReflectPad(3, name="head_pad", dtype=dtype)(x)
    head = conv2d(out_channels, 7, init=init, name="head_conv", dtype=dtype)
    outputs = image_output(inputs, head(x), head, output_mode, "head_act")
    return keras.Model(inputs, outputs, name=name)


def _check_args(args):
    """Validate `resnet_generator`'s arguments; the checked `input_shape`."""
    args["ngf"] = check_int("ngf", args["ngf"])
    args["n_blocks"] = check_int("n_blocks", args["n_blocks"], minimum=0)
    args["n_downsampling"] = check_int(
        "n_downsampling", args["n_downsampling"], minimum=0
    )
    args["out_channels"] = check_int("out_channels", args["out_channels"])
    check_choice("upsample", args["upsample"], UPSAMPLE_MODES)
    check_choice("upsample_padding", args["upsample_padding"], ("zero", "reflect"))
    check_choice("norm", args["norm"], (*NORMALIZATIONS, None))
    check_choice("padding_mode", args["padding_mode"], ("reflect", "zero"))
    use_dropout = args["use_dropout"]
    if not isinstance(use_dropout, bool):
        raise ValueError(
            f"`use_dropout` must be a bool. Received: use_dropout={use_dropout!r}"
        )
    input_shape = check_input_shape(args["input_shape"])
    check_output_mode(args["output_mode"], input_shape[-1], args["out_channels"])
    levels = args["n_downsampling"]
    check_divisible(input_shape, 2**levels, f"n_downsampling={levels}")
    return input_shape


def _stem(inputs, ngf, *, norm, use_bias, init, dtype):
    """`stem_pad` ReflectPad(3) -> `stem_conv` 7x7 -> `stem_norm` -> `stem_act`."""
    x = ReflectPad(3, name="stem_pad", dtype=dtype)(inputs)
    x = conv2d(ngf, 7, use_bias=use_bias, init=init, name="stem_conv", dtype=dtype)(x)
    norm_layer = make_norm(norm, name="stem_norm", dtype=dtype)
    if norm_layer is not None:
        x = norm_layer(x)
    return make_activation("relu", name="stem_act", dtype=dtype)(x)


def _resnet_trunk(x, args, kw):
    """`down_*` (encoder), `res_*` (residual blocks), `up_*` (decoder).

    `args` are `resnet_generator`'s arguments; `kw` the block arguments
    `norm`, `use_bias`, `init` and `dtype`.
    """
    n_downsampling = args["n_downsampling"]

    def block_kwargs():
        return {
            "norm": kw["norm"],
            "use_bias": kw["use_bias"],
            "kernel_initializer": get_initializer(kw["init"]),
            "dtype": kw["dtype"],
        }

    filters = args["ngf"]
    for i in range(n_downsampling):
        filters *= 2
        x = DownsampleBlock(
            filters, kernel_size=3, strides=2, name=f"down_{i + 1}", **block_kwargs()
        )(x)
    for j in range(args["n_blocks"]):
        x = ResidualBlock(
            filters,
            padding_mode=args["padding_mode"],
            dropout=0.5 if args["use_dropout"] else 0.0,
            name=f"res_{j + 1}",
            **block_kwargs(),
        )(x)
    upsample = args["upsample"]
    padding = "zero" if upsample == "transpose" else args["upsample_padding"]
    for i in range(n_downsampling):
        filters //= 2
        x = UpsampleBlock(
            filters,
            mode=upsample,
            padding=padding,
            name=f"up_{i + 1}",
            **block_kwargs(),
        )(x)
    return x


def _shape(config):
    """Stride `2**n_downsampling`; the 7x7 reflect pads of the stem and the
    head need a side >= 4, reflect-padded residual blocks and pixel-shuffle
    convs at the bottleneck need it >= 2."""
    stride = 2 ** config["n_downsampling"]
    reflect_padded = (config["n_blocks"] and config["padding_mode"] == "reflect") or (
        config["n_downsampling"]
        and config["upsample"] == "pixelshuffle"
        and config["upsample_padding"] == "reflect"
    )
    min_size = smallest_multiple(stride, max(4, 2 * stride if reflect_padded else 1))
    return image_shape(
        config["input_shape"],
        stride=stride,
        min_size=min_size,
        out_channels=config["out_channels"],
    )


_SMALL = {"ngf": 4, "n_blocks": 3}
_CYCLEGAN = "CycleGAN paper (Zhu et al. 2017, ResnetGenerator)"

register_network(
    "resnet_9blocks",
    kind="generator",
    shape=_shape,
    test_config=_SMALL,
    test_input_shape=(32, 32, 3),
    source=_CYCLEGAN + "; seed 002",
    description="CycleGAN generator for 256x256 images: 2 down, 9 residual, 2 up.",
    defaults={"n_blocks": 9},
)(resnet_generator)

register_network(
    "resnet_6blocks",
    kind="generator",
    shape=_shape,
    test_config=_SMALL,
    test_input_shape=(32, 32, 3),
    source=_CYCLEGAN + "; seed 003 (n_layers=6)",
    description="CycleGAN generator for 128x128 and smaller images: 6 residual.",
    defaults={"n_blocks": 6},
)(resnet_generator)

register_network(
    "residual_pixelshuffle",
    kind="generator",
    shape=_shape,
    test_config={"ngf": 6},
    test_input_shape=(32, 32, 3),
    source="seed 000 (ResidualGAN generator, model 2 of seed 001)",
    description="Small, fast CycleGAN generator: hidden 96, 1 down, 2 residual blocks, "
    "1 pixel-shuffle up.",
    defaults={
        "ngf": 96,
        "n_downsampling": 1,
        "n_blocks": 2,
        "upsample": "pixelshuffle",
        "upsample_padding": "reflect",
    },
)(resnet_generator)

register_network(
    "residual_pixelshuffle_9blocks",
    kind="generator",
    shape=_shape,
    test_config=_SMALL,
    test_input_shape=(32, 32, 3),
    source="seed 001 (model 1)",
    description="Seed 001's model 1: hidden 64, 2 down, 9 residual blocks, "
    "2 pixel-shuffle ups.",
    defaults={
        "ngf": 64,
        "n_downsampling": 2,
        "n_blocks": 9,
        "upsample": "pixelshuffle",
        "upsample_padding": "reflect",
    },
)(resnet_generator)
