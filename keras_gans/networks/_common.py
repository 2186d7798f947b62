"""Small helpers shared by the network builders (argument checks, convs)."""

import keras

from keras_gans._checks import check_choice
from keras_gans.layers.conv_backprop import FastConv2D
from keras_gans.layers.residual_output import ResidualOutput
from keras_gans.networks.initializers import get_initializer


def check_input_shape(input_shape, ndim=3):
    """A tuple of `ndim` dims, each a positive int or None."""
    try:
        shape = tuple(input_shape)
    except TypeError:
        shape = None
    if (
        shape is None
        or len(shape) != ndim
        or any(d is not None and (not isinstance(d, int) or d < 1) for d in shape)
    ):
        raise ValueError(
            f"`input_shape` must be a tuple of {ndim} positive ints or None "
            f"(batch excluded). Received: input_shape={input_shape!r}"
        )
    return shape


def check_divisible(input_shape, factor, what):
    """Raise if a known spatial size is not a multiple of `factor`."""
    for axis, size in zip(("height", "width"), input_shape[:2]):
        if size is not None and size % factor:
            raise ValueError(
                f"The input {axis} must be a multiple of {factor} ({what}). "
                f"Received: input_shape={tuple(input_shape)}"
            )


def conv2d(
    filters,
    kernel_size,
    *,
    name,
    strides=1,
    padding="valid",
    use_bias=True,
    init="normal",
    spectral_norm=False,
    dtype=None,
):
    """A Conv2D, wrapped in `keras.layers.SpectralNormalization` when asked.

    A `FastConv2D` (the same conv with a faster gradient on CPU) when
    `strides == 1` and `padding == "valid"`: every conv after an explicit
    reflect or zero pad (stems, image heads, the PatchGAN's last two convs).
    With `spectral_norm=True` the wrapper gets `name` and the inner conv
    `name + "_conv"`; `unwrap` returns the conv in both cases. `dtype` is
    the dtype policy of both (`None`: the global one).
    """
    fast = strides in (1, (1, 1)) and padding == "valid"
    conv = (FastConv2D if fast else keras.layers.Conv2D)(
        filters,
        kernel_size,
        strides=strides,
        padding=padding,
        use_bias=use_bias,
        kernel_initializer=get_initializer(init),
        name=f"{name}_conv" if spectral_norm else name,
        dtype=dtype,
    )
    if spectral_norm:
        return keras.layers.SpectralNormalization(conv, name=name, dtype=dtype)
    return conv


def padded_conv(x, filters, kernel_size, *, name, strides=1, padding=1, **kwargs):
    """torch `Conv2d(k, stride, padding=p)` exactly: ZeroPadding2D(p) + valid conv.

    (Keras `padding="same"` pads asymmetrically for stride 2, torch does not.)
    """
    if padding:
        x = keras.layers.ZeroPadding2D(
            padding, name=f"{name}_pad", dtype=kwargs.get("dtype")
        )(x)
    return conv2d(filters, kernel_size, name=name, strides=strides, **kwargs)(x)


def unwrap(layer):
    """The layer inside a `SpectralNormalization` wrapper, else `layer`."""
    if isinstance(layer, keras.layers.SpectralNormalization):
        return layer.layer
    return layer


OUTPUT_MODES = ("tanh", "residual")


def check_output_mode(output_mode, in_channels, out_channels):
    """Validate a generator's `output_mode` against its channel counts."""
    check_choice("output_mode", output_mode, OUTPUT_MODES)
    if output_mode == "residual" and in_channels != out_channels:
        raise ValueError(
            '`output_mode="residual"` adds the output to the input image, so '
            "the input and output channels must be equal. Received: "
            f"{in_channels} input and {out_channels} output channels."
        )
    return output_mode


def image_output(inputs, x, head, output_mode, name):
    """A generator's output from its last conv's output `x`.

    `"tanh"`: `tanh(x)` (the papers). `"residual"`: `clip(inputs + x, -1,
    1)` (`keras_gans.layers.ResidualOutput`) with the last conv `head`
    zero-initialised, so that the untrained generator is the identity map.
    The layer is named `name` in both modes and has no weights, so the
    weight layout (and the torch weight map) is the same.
    """
    if output_mode == "tanh":
        return keras.layers.Activation("tanh", dtype="float32", name=name)(x)
    for variable in unwrap(head).trainable_variables:
        variable.assign(keras.ops.zeros(variable.shape, variable.dtype))
    return ResidualOutput(name=name)([inputs, x])
