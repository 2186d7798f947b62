"""Seed 004's DCGAN discriminators: the plain DCGAN one and a residual one."""

import keras

from keras_gans._checks import check_choice, check_int
from keras_gans.layers import NORMALIZATIONS, ResidualBlock, make_activation, make_norm
from keras_gans.networks._common import (
    check_input_shape,
    conv2d,
    padded_conv,
)
from keras_gans.networks.initializers import get_initializer
from keras_gans.networks.registry import register_network
from keras_gans.networks.shape import image_shape


def _n_halvings(input_shape):
    """log2(size) - 2 for a square power-of-two input of size >= 8."""
    height, width = input_shape[:2]
    if height is None or height != width or height < 8 or height & (height - 1):
        raise ValueError(
            "DCGAN discriminators need a square input whose size is a power of "
            f"two >= 8, e.g. (64, 64, 3). Received: input_shape={tuple(input_shape)}"
        )
    return height.bit_length() - 3


def _stem(ndf, norm, use_bias, spectral_norm, init, input_shape, dtype):
    """Check the arguments; the input and `conv_0` + `act_0` of both builders.

    Returns:
        `(inputs, x, n, conv_kw)`: the `keras.Input`, the stem's output (at
        half the input size), the number of further halvings down to 4x4,
        and the keyword arguments of every conv.
    """
    ndf = check_int("ndf", ndf)
    check_choice("norm", norm, (*NORMALIZATIONS, None))
    if not isinstance(use_bias, bool):
        raise ValueError(f"`use_bias` must be a bool. Received: use_bias={use_bias!r}")
    input_shape = check_input_shape(input_shape)
    n = _n_halvings(input_shape)
    conv_kw = {
        "init": init,
        "spectral_norm": spectral_norm,
        "use_bias": use_bias,
        "dtype": dtype,
    }

    inputs = keras.Input(input_shape, name="image")
    x = padded_conv(inputs, ndf, 4, strides=2, name="conv_0", **conv_kw)
    x = make_activation("leaky_relu", name="act_0", dtype=dtype)(x)
    return inputs, x, n, conv_kw


def _head(inputs, x, kernel_size, conv_kw, name):
    """`conv_out` (valid, to 1 channel) + flatten to float32 `(batch, 1)` logits."""
    x = conv2d(1, kernel_size, name="conv_out", **conv_kw)(x)
    x = keras.layers.Flatten(name="flatten", dtype=conv_kw["dtype"])(x)
    outputs = keras.layers.Activation("linear", dtype="float32", name="logits")(x)
    return keras.Model(inputs, outputs, name=name)


def dcgan_discriminator(
    *,
    ndf=64,
    norm="batch",
    use_bias=False,
    spectral_norm=False,
    init="normal",
    input_shape=(64, 64, 3),
    dtype=None,
    name="dcgan_discriminator",
):
    """The DCGAN discriminator (seed 004's plain one, the PyTorch DCGAN
    tutorial's `Discriminator`), returning one logit per image.

    For a `S x S` input (S a power of two, 64 by default): `conv_0` 4x4
    stride 2 (torch `padding=1`) to `ndf` + LeakyReLU(0.2); `conv_i` 4x4
    stride 2 to `ndf * 2**i` + norm + LeakyReLU(0.2) for i = 1 ..
    log2(S) - 3 (the map is then 4x4); `conv_out` 4x4 valid to 1 channel;
    flattened to `(batch, 1)` logits (the seed's final sigmoid is left to
    the loss).

    Args:
        ndf: int. Filters of the first conv. Defaults to `64`.
        norm: str or None. See `keras_gans.layers.make_norm`. Defaults to
            `"batch"`.
        use_bias: bool. Whether the convs have a bias (DCGAN: no). Defaults
            to `False`.
        spectral_norm: bool. Wrap every conv in
            `keras.layers.SpectralNormalization` (seed 004, experiment 3).
            Defaults to `False`.
        init: str. Kernel init scheme, see `get_initializer`. Defaults to
            `"normal"` (N(0, 0.02)).
        input_shape: tuple. A square `(S, S, channels)` with S a power of two
            >= 8. Defaults to `(64, 64, 3)`.
        dtype: str, `keras.DTypePolicy` or None. Dtype policy of every layer
            (e.g. `"mixed_bfloat16"`); `None` takes the global one. The
            logits are float32 in any case. Defaults to `None`.
        name: str. The model name. Defaults to `"dcgan_discriminator"`.

    Returns:
        A functional `keras.Model`: images in [-1, 1] -> logits `(batch, 1)`.

    Example:

    ```python
    import numpy as np
    from keras_gans.networks import dcgan_discriminator

    disc = dcgan_discriminator(ndf=8)
    logits = disc(np.zeros((2, 64, 64, 3), "float32"))  # (2, 1)
    ```

    Reference:
        [Radford et al., 2015](https://arxiv.org/abs/1511.06434).
    """
    inputs, x, n, conv_kw = _stem(
        ndf, norm, use_bias, spectral_norm, init, input_shape, dtype
    )
    for i in range(1, n):
        x = padded_conv(x, ndf * 2**i, 4, strides=2, name=f"conv_{i}", **conv_kw)
        norm_layer = make_norm(norm, name=f"norm_{i}", dtype=dtype)
        if norm_layer is not None:
            x = norm_layer(x)
        x = make_activation("leaky_relu", name=f"act_{i}", dtype=dtype)(x)
    return _head(inputs, x, 4, conv_kw, name)


def residual_discriminator(
    *,
    ndf=64,
    norm="batch",
    use_bias=False,
    spectral_norm=False,
    init="normal",
    input_shape=(64, 64, 3),
    dtype=None,
    name="residual_discriminator",
):
    """Seed 004's residual DCGAN discriminator, returning one logit per image.

    For a `S x S` input (64 by default): `conv_0` 4x4 stride 2 (torch
    `padding=1`) to `ndf` + LeakyReLU(0.2); `res_1` .. `res_{log2(S)-2}`:
    `ResidualBlock(ndf * 2**i, strides=2)` (conv3x3 + norm + LeakyReLU(0.2)
    + conv3x3 + norm, plus a 1x1 conv (stride 2) + norm projection skip,
    LeakyReLU(0.2) after the addition), down to 2x2; `conv_out` 2x2 valid to
    1 channel; flattened to `(batch, 1)` logits (the seed's final sigmoid is
    left to the loss).

    Args:
        ndf: int. Filters of the first conv; block i has `ndf * 2**i`.
            Defaults to `64`.
        norm: str or None. See `keras_gans.layers.make_norm`. Defaults to
            `"batch"`.
        use_bias: bool. Whether the convs have a bias (seed: no). Defaults to
            `False`.
        spectral_norm: bool. Wrap every conv (projections included) in
            `keras.layers.SpectralNormalization`. Defaults to `False`.
        init: str. Kernel init scheme, see `get_initializer`. Defaults to
            `"normal"` (N(0, 0.02)).
        input_shape: tuple. A square `(S, S, channels)` with S a power of two
            >= 8. Defaults to `(64, 64, 3)`.
        dtype: str, `keras.DTypePolicy` or None. Dtype policy of every layer
            (e.g. `"mixed_bfloat16"`); `None` takes the global one. The
            logits are float32 in any case. Defaults to `None`.
        name: str. The model name. Defaults to `"residual_discriminator"`.

    Returns:
        A functional `keras.Model`: images in [-1, 1] -> logits `(batch, 1)`.

    Example:

    ```python
    import numpy as np
    from keras_gans.networks import residual_discriminator

    disc = residual_discriminator(ndf=8)
    logits = disc(np.zeros((2, 64, 64, 3), "float32"))  # (2, 1)
    ```

    Reference:
        [He et al., 2016](https://arxiv.org/abs/1512.03385);
        [Radford et al., 2015](https://arxiv.org/abs/1511.06434).
    """
    inputs, x, n, conv_kw = _stem(
        ndf, norm, use_bias, spectral_norm, init, input_shape, dtype
    )
    for i in range(1, n + 1):
        x = ResidualBlock(
            ndf * 2**i,
            strides=2,
            norm=norm,
            activation="leaky_relu",
            padding_mode="zero",
            post_activation="leaky_relu",
            use_bias=use_bias,
            kernel_initializer=get_initializer(init),
            spectral_norm=spectral_norm,
            name=f"res_{i}",
            dtype=dtype,
        )(x)
    return _head(inputs, x, 2, conv_kw, name)


def _shape(config):
    """Fixed-size: the input size of `input_shape`, one logit."""
    return image_shape(config["input_shape"], stride=1, min_size=None, out_channels=1)


register_network(
    "dcgan_discriminator",
    kind="discriminator",
    shape=_shape,
    test_config={"ndf": 4},
    test_input_shape=(64, 64, 3),
    source="DCGAN paper (Radford et al. 2015); seed 004 (experiment 1)",
    description="Plain DCGAN discriminator for 64x64 images: strided convs, one logit.",
)(dcgan_discriminator)

register_network(
    "residual_discriminator",
    kind="discriminator",
    shape=_shape,
    test_config={"ndf": 4},
    test_input_shape=(64, 64, 3),
    source="seed 004 (experiment 2: ResidualBlock with 1x1 projection skips)",
    description="DCGAN discriminator with strided residual blocks, one logit.",
)(residual_discriminator)
