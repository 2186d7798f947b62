"""`fast_conv`: the fastest CPU backward pass for a conv's shape (its dispatch)."""

from keras import ops

from keras_gans.layers.conv_backprop.few_channel import few_channel_conv
from keras_gans.layers.conv_backprop.forward_convs import conv_with_conv_gradients

#: `fast_conv` routes the gradients of a stride-1 "valid" conv through
#: `few_channel_conv` up to this many output channels...
FEW_FILTERS = 4
#: ...and through `conv_with_conv_gradients` from this many input channels on
#: (below it, as for a 7x7 stem on RGB images, the backend's own gradient is
#: faster).
MIN_IN_CHANNELS = 8


def fast_conv(inputs, kernel, name=None):
    """A stride-1 "valid" conv with the fastest CPU backward for its shape.

    `few_channel_conv` for at most `FEW_FILTERS` (4) output channels,
    `conv_with_conv_gradients` for at least `MIN_IN_CHANNELS` (8) input
    channels, `ops.conv` (the backend's gradient) otherwise. The forward
    pass is `ops.conv` in every case.

    Args:
        inputs: tensor `(batch, height, width, in_channels)`.
        kernel: tensor `(kh, kw, in_channels, filters)`.
        name: str or None. The backward pass's ops are named
            `{name}_grad/...`. Defaults to `None`.

    Returns:
        The "valid" convolution.

    Example:
    ```python
    import numpy as np
    from keras_gans.layers.conv_backprop import fast_conv

    x = np.ones((1, 12, 12, 8), "float32")
    w = np.ones((3, 3, 8, 16), "float32")
    print(fast_conv(x, w).shape)  # (1, 10, 10, 16)
    ```
    """
    in_channels, filters = kernel.shape[2], kernel.shape[3]
    if filters <= FEW_FILTERS:
        return few_channel_conv(inputs, kernel, name=name)
    if in_channels >= MIN_IN_CHANNELS:
        return conv_with_conv_gradients(inputs, kernel, name=name)
    return ops.conv(inputs, kernel, strides=1, padding="valid")
