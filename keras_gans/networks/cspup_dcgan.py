"""Seed 004's DCGAN generator built of CSPup blocks."""

import keras

from keras_gans._checks import check_choice, check_int
from keras_gans.layers import NORMALIZATIONS, CSPupBlock
from keras_gans.networks.initializers import get_initializer
from keras_gans.networks.registry import register_network
from keras_gans.networks.shape import NetworkShape


def cspup_generator(
    *,
    latent_dim=100,
    filters=(512, 256, 128, 64),
    out_channels=3,
    norm="batch",
    spectral_norm=False,
    init="normal",
    dtype=None,
    name="cspup_generator",
):
    """Seed 004's DCGAN generator: noise -> image through CSPup blocks.

    `z (batch, latent_dim)` is reshaped to a 1x1 "image"; `cspup_1`
    (`CSPupBlock(filters[0], first=True)`, torch `ct_pad=0`) makes it 4x4;
    `cspup_2` .. double the size with `filters[1:]`; the last block
    `cspup_out` goes to `out_channels` (with its norm, as in the seed), then
    `tanh` (float32 under mixed precision). With the defaults
    (512/256/128/64/3): 4, 8, 16, 32, 64, i.e. a 64x64x3 image.

    Each CSPup block splits its input channels in two halves, so `latent_dim`
    and every entry of `filters` must be even.

    Args:
        latent_dim: int. Size of the noise vector (even). Defaults to `100`.
        filters: tuple of int. Output channels of the blocks before the last
            one (even). The image size is `2 ** (len(filters) + 2)`. Defaults
            to `(512, 256, 128, 64)`.
        out_channels: int. Image channels. Defaults to `3`.
        norm: str or None. Norm of the blocks, see
            `keras_gans.layers.make_norm`. Defaults to `"batch"` (the seed).
        spectral_norm: bool. Wrap every conv and transposed conv in
            `keras.layers.SpectralNormalization` (seed 004, experiment 3).
            Defaults to `False`.
        init: str. Kernel init scheme, see `get_initializer`. Defaults to
            `"normal"` (N(0, 0.02), DCGAN).
        dtype: str, `keras.DTypePolicy` or None. Dtype policy of every layer
            (e.g. `"mixed_bfloat16"`); `None` takes the global one. The
            output is float32 in any case. Defaults to `None`.
        name: str. The model name. Defaults to `"cspup_generator"`.

    Returns:
        A functional `keras.Model`: `(batch, latent_dim)` noise -> images
        `(batch, S, S, out_channels)` in [-1, 1].

    Example:

    ```python
    import numpy as np
    from keras_gans.networks import cspup_generator

    gen = cspup_generator(filters=(32, 16, 16, 8))
    images = gen(np.random.normal(size=(2, 100)).astype("float32"))  # (2, 64, 64, 3)
    ```

    Reference:
        [Radford et al., 2015](https://arxiv.org/abs/1511.06434);
        [Wang et al., 2020 (CSPNet)](https://arxiv.org/abs/1911.11929).
    """
    filters = _check_args(latent_dim, filters, out_channels, norm)

    def block(f, block_name, first=False):
        return CSPupBlock(
            f,
            first=first,
            norm=norm,
            kernel_initializer=get_initializer(init),
            spectral_norm=spectral_norm,
            name=block_name,
            dtype=dtype,
        )

    inputs = keras.Input((latent_dim,), name="noise")
    x = keras.layers.Reshape((1, 1, latent_dim), name="to_image", dtype=dtype)(inputs)
    for i, f in enumerate(filters):
        x = block(f, f"cspup_{i + 1}", first=i == 0)(x)
    x = block(out_channels, "cspup_out")(x)
    outputs = keras.layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(inputs, outputs, name=name)


def _check_args(latent_dim, filters, out_channels, norm):
    """Validate `cspup_generator`'s arguments; `filters` as a tuple."""
    latent_dim = check_int("latent_dim", latent_dim, minimum=2)
    out_channels = check_int("out_channels", out_channels)
    check_choice("norm", norm, (*NORMALIZATIONS, None))
    try:
        filters = tuple(filters)
    except TypeError:
        filters = None
    if not filters or any(
        isinstance(f, bool) or not isinstance(f, int) or f < 2 or f % 2 for f in filters
    ):
        raise ValueError(
            "`filters` must be a non-empty sequence of even integers >= 2 (each "
            "CSPup block splits its input channels in half). "
            f"Received: filters={filters!r}"
        )
    if latent_dim % 2:
        raise ValueError(
            "`latent_dim` must be even (the first CSPup block splits it in half). "
            f"Received: latent_dim={latent_dim}"
        )
    return filters


def _shape(config):
    """Noise of `latent_dim` -> a fixed `2**(len(filters) + 2)` square image."""
    size = 2 ** (len(config["filters"]) + 2)
    return NetworkShape(
        stride=1,
        min_size=None,
        in_channels=None,
        out_channels=config["out_channels"],
        fixed_size=(size, size),
        latent_dim=config["latent_dim"],
    )


register_network(
    "cspup_dcgan",
    kind="generator",
    shape=_shape,
    test_config={"latent_dim": 16, "filters": (16, 8, 8, 4)},
    source="seed 004 (DCGAN generator of CSPup blocks)",
    description="DCGAN generator: 100-d noise -> 64x64x3 through CSPup blocks "
    "512/256/128/64/3, tanh.",
)(cspup_generator)
