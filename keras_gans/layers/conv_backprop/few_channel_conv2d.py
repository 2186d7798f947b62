"""`FewChannelConv2D`: a Conv2D whose gradients avoid im2col."""

import keras

from keras_gans.layers.conv_backprop.custom_gradient_conv2d import (
    CustomGradientConv2D,
)
from keras_gans.layers.conv_backprop.few_channel import few_channel_conv


@keras.saving.register_keras_serializable(package="keras_gans")
class FewChannelConv2D(CustomGradientConv2D):
    """`keras.layers.Conv2D` with a faster gradient when `filters` is small.

    Same arguments, weights, config and forward pass as `keras.layers.Conv2D`
    (a checkpoint of one loads into the other). With `strides=1`,
    `dilation_rate=1`, `groups=1` and `padding="valid"` the backward pass is
    the one of `few_channel_conv`, which avoids TensorFlow's im2col
    gradient kernels; other settings fall back to `Conv2D` unchanged. For
    the convolutions with at most 4 output channels (the generators' image
    head, the PatchGAN's last conv) it makes a 256x256 CycleGAN step about
    1.2x faster on an AVX2 CPU; `FastConv2D`, which the networks build,
    takes the same backward pass there. With many output channels it is no
    faster than `Conv2D`. Where TensorFlow runs oneDNN (by default on CPUs
    with AVX-512 VNNI / BF16 or AMX) or a GPU is visible, whose gradient
    kernels are fast, it keeps `Conv2D`'s gradient
    (`keras_gans.config.set_conv_gradients` chooses).

    Args:
        filters: int. Number of output channels.
        kernel_size: int or tuple of 2 ints.
        **kwargs: Every other `keras.layers.Conv2D` argument.

    Example:
    ```python
    import numpy as np
    from keras_gans.layers.conv_backprop import FewChannelConv2D

    head = FewChannelConv2D(3, 7)
    print(head(np.zeros((1, 38, 38, 64), "float32")).shape)  # (1, 32, 32, 3)
    ```
    """

    _gradient_conv = staticmethod(few_channel_conv)
