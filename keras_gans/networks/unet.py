"""The pix2pix U-Net generator (`UnetGenerator` of the official code).

`num_downs` 4x4 stride-2 convs and as many 4x4 stride-2 transposed convs, with
skip connections between mirrored levels. Level k = 1 (outermost) ..
`num_downs` (innermost, 1x1 for 256x256 with `num_downs=8`) has
`ngf * min(2**(k-1), 8)` filters. Layer names (used by the torch weight map):
`down_k_act` LeakyReLU(0.2) (k > 1), `down_k_conv`, `down_k_norm`
(1 < k < num_downs); `up_k_act` ReLU, `up_k_conv`
(`Conv2DTranspose(4, 2, "same")` = torch `ConvTranspose2d(4, 2, 1)`),
`up_k_norm` (k > 1), `up_k_dropout` (0.5, levels 5 .. num_downs-1 when
`use_dropout`, as the official `UnetSkipConnectionBlock`), `skip_k`
(concatenation of level k-1's down output and level k's up output), and
`up_1_act_out` tanh. Convs before a BatchNorm have no bias, as the official
code.
"""

import keras

from keras_gans._checks import check_choice, check_int
from keras_gans.layers import NORMALIZATIONS, make_activation, make_norm
from keras_gans.networks._common import (
    check_divisible,
    check_input_shape,
    check_output_mode,
    image_output,
    padded_conv,
)
from keras_gans.networks.initializers import get_initializer
from keras_gans.networks.registry import register_network
from keras_gans.networks.shape import image_shape


def unet_generator(
    *,
    num_downs=8,
    ngf=64,
    norm="batch",
    use_dropout=True,
    out_channels=3,
    output_mode="tanh",
    init="normal",
    input_shape=(None, None, 3),
    dtype=None,
    name="unet_generator",
):
    """The pix2pix U-Net generator; the layers are listed in the module
    docstring.

    Args:
        num_downs: int. Number of downsamplings (>= 5): 8 for `unet_256`, 7
            for `unet_128`. Defaults to `8`.
        ngf: int. Filters of the outermost level. Defaults to `64`.
        norm: str or None. See `keras_gans.layers.make_norm`. Defaults to
            `"batch"` (the pix2pix default).
        use_dropout: bool. Dropout 0.5 in the inner decoder levels (the
            official default for pix2pix, `--no_dropout` off). Defaults to
            `True`.
        out_channels: int. Output channels. Defaults to `3`.
        output_mode: str. `"tanh"` (the paper) or `"residual"`: the output
            is `clip(input + up_1_conv(x), -1, 1)` with `up_1_conv`
            zero-initialised, the identity map before training (input
            channels must equal `out_channels`). Defaults to `"tanh"`.
        init: str. Kernel init scheme, see `get_initializer`. Defaults to
            `"normal"` (N(0, 0.02)).
        input_shape: tuple. `(height, width, channels)`; height and width a
            multiple of `2**num_downs`, or `None`. Defaults to
            `(None, None, 3)`.
        dtype: str, `keras.DTypePolicy` or None. Dtype policy of every layer
            (e.g. `"mixed_bfloat16"`); `None` takes the global one. The
            output is float32 in any case. Defaults to `None`.
        name: str. The model name. Defaults to `"unet_generator"`.

    Returns:
        A functional `keras.Model`: images in [-1, 1] -> images in [-1, 1].

    Example:

    ```python
    import numpy as np
    from keras_gans.networks import unet_generator

    gen = unet_generator(num_downs=5, ngf=8)
    fake = gen(np.zeros((2, 32, 32, 3), "float32"))  # (2, 32, 32, 3)
    ```

    Reference:
        [Isola et al., 2017](https://arxiv.org/abs/1611.07004);
        [Ronneberger et al., 2015](https://arxiv.org/abs/1505.04597).
    """
    num_downs = check_int("num_downs", num_downs, minimum=5)
    ngf = check_int("ngf", ngf)
    out_channels = check_int("out_channels", out_channels)
    check_choice("norm", norm, (*NORMALIZATIONS, None))
    if not isinstance(use_dropout, bool):
        raise ValueError(
            f"`use_dropout` must be a bool. Received: use_dropout={use_dropout!r}"
        )
    input_shape = check_input_shape(input_shape)
    check_output_mode(output_mode, input_shape[-1], out_channels)
    check_divisible(input_shape, 2**num_downs, f"num_downs={num_downs}")
    level = _Levels(num_downs, ngf, norm, use_dropout, out_channels, init, dtype)
    inputs = keras.Input(input_shape, name="image")
    downs = {0: inputs}  # downs[k]: the output of level k's down path
    x = inputs
    for k in range(1, num_downs + 1):
        x = downs[k] = level.down(x, k)
    for k in range(num_downs, 0, -1):  # from the innermost level out
        x, up = level.up(x, k, downs[k - 1])
    outputs = image_output(inputs, x, up, output_mode, "up_1_act_out")
    return keras.Model(inputs, outputs, name=name)


class _Levels:
    """Builds the down and up halves of the U-Net's levels."""

    def __init__(self, num_downs, ngf, norm, use_dropout, out_channels, init, dtype):
        self.num_downs = num_downs
        self.ngf = ngf
        self.norm = norm
        self.use_dropout = use_dropout
        self.out_channels = out_channels
        self.init = init
        self.dtype = dtype
        self.use_bias = norm != "batch"

    def filters(self, k):
        return self.ngf * min(2 ** (k - 1), 8)

    def maybe_norm(self, x, name):
        layer = make_norm(self.norm, name=name, dtype=self.dtype)
        return x if layer is None else layer(x)

    def down(self, x, k):
        """Level k's down path: `down_k_act`, `down_k_conv`, `down_k_norm`."""
        if k > 1:
            x = make_activation("leaky_relu", name=f"down_{k}_act", dtype=self.dtype)(x)
        x = padded_conv(
            x,
            self.filters(k),
            4,
            strides=2,
            padding=1,
            use_bias=self.use_bias,
            init=self.init,
            name=f"down_{k}_conv",
            dtype=self.dtype,
        )
        if 1 < k < self.num_downs:
            x = self.maybe_norm(x, f"down_{k}_norm")
        return x

    def up(self, x, k, skip):
        """Level k's up path, concatenated with `skip` (level k-1's down
        output) for k > 1: `(output, up_k_conv layer)`."""
        x = make_activation("relu", name=f"up_{k}_act", dtype=self.dtype)(x)
        up = keras.layers.Conv2DTranspose(
            self.out_channels if k == 1 else self.filters(k - 1),
            4,
            strides=2,
            padding="same",
            use_bias=self.use_bias or k == 1,
            kernel_initializer=get_initializer(self.init),
            name=f"up_{k}_conv",
            dtype=self.dtype,
        )
        x = up(x)
        if k == 1:
            return x, up
        x = self.maybe_norm(x, f"up_{k}_norm")
        if self.use_dropout and 5 <= k < self.num_downs:
            x = keras.layers.Dropout(0.5, name=f"up_{k}_dropout", dtype=self.dtype)(x)
        x = keras.layers.Concatenate(name=f"skip_{k}", dtype=self.dtype)([skip, x])
        return x, up


def _shape(config):
    """Stride `2**num_downs`; the innermost level is then 1x1 (no reflect
    padding), so the smallest input is one stride."""
    stride = 2 ** config["num_downs"]
    return image_shape(
        config["input_shape"],
        stride=stride,
        min_size=stride,
        out_channels=config["out_channels"],
    )


_PIX2PIX = "pix2pix paper (Isola et al. 2017, UnetGenerator)"

register_network(
    "unet_256",
    kind="generator",
    shape=_shape,
    test_config={"ngf": 4},
    test_input_shape=(256, 256, 3),
    source=_PIX2PIX,
    description="pix2pix U-Net for 256x256 images: 8 downsamplings to 1x1, skips.",
    defaults={"num_downs": 8},
)(unet_generator)

register_network(
    "unet_128",
    kind="generator",
    shape=_shape,
    test_config={"ngf": 4},
    test_input_shape=(128, 128, 3),
    source=_PIX2PIX,
    description="pix2pix U-Net for 128x128 images: 7 downsamplings.",
    defaults={"num_downs": 7},
)(unet_generator)
