"""When a conv layer takes which backward pass: `keras_gans.config` + shape.

The machine-wide part (modes, GPU, oneDNN) is `keras_gans.config`'s; this
module adds what each layer checks of its own settings and input shape.
"""

from keras_gans import config

#: Under `config.set_winograd("auto")`, `FastConv2D` takes Winograd gradients
#: from this many input and output channels...
WINOGRAD_MIN_CHANNELS = 256
#: ...and this many output pixels per image on (below, the transforms cost
#: more than they save).
WINOGRAD_MIN_PIXELS = 32 * 32


def is_stride1_valid(conv):
    """Whether a Conv2D's settings are those the custom gradients handle."""
    return (
        conv.padding == "valid"
        and tuple(conv.strides) == (1, 1)
        and tuple(conv.dilation_rate) == (1, 1)
        and conv.groups == 1
        and conv.data_format == "channels_last"
    )


def uses_custom_gradients(conv):
    """Whether `conv` (a Conv2D) takes its own backward pass when called."""
    return is_stride1_valid(conv) and config.conv_gradients_active()


def uses_winograd(conv, inputs):
    """Whether `conv` (a 3x3 Conv2D) takes Winograd gradients for `inputs`.

    See `keras_gans.config.set_winograd`: `"always"` for every 3x3 stride-1
    "valid" conv of static size; `"auto"` where `config.winograd_active()`,
    in float32, from `WINOGRAD_MIN_CHANNELS` input and output channels and
    `WINOGRAD_MIN_PIXELS` output pixels per image on.
    """
    if not config.winograd_active() or tuple(conv.kernel_size) != (3, 3):
        return False
    height, width = inputs.shape[1], inputs.shape[2]
    if not is_stride1_valid(conv) or height is None or width is None:
        return False
    if config.winograd() == "always":
        return True
    return (
        conv.compute_dtype == "float32"
        and min(inputs.shape[-1], conv.filters) >= WINOGRAD_MIN_CHANNELS
        and (height - 2) * (width - 2) >= WINOGRAD_MIN_PIXELS
    )
