"""`FastConv2D`: a Conv2D with the same forward pass and faster CPU gradients."""

import keras

from keras_gans.layers.conv_backprop.custom_gradient_conv2d import (
    CustomGradientConv2D,
)
from keras_gans.layers.conv_backprop.dispatch import fast_conv
from keras_gans.layers.conv_backprop.policy import uses_winograd
from keras_gans.layers.conv_backprop.winograd import conv_with_winograd_gradients


@keras.saving.register_keras_serializable(package="keras_gans")
class FastConv2D(CustomGradientConv2D):
    """`keras.layers.Conv2D` with a faster gradient on CPU, for any width.

    Same arguments, weights, config and forward pass as `keras.layers.Conv2D`
    (a checkpoint of one loads into the other). With `strides=1`,
    `dilation_rate=1`, `groups=1` and `padding="valid"`, on a machine
    without GPU, the backward pass is `fast_conv`'s: the im2col-free
    gradient of `FewChannelConv2D` for at most 4 output channels, gradients
    computed as forward convolutions (`conv_with_conv_gradients`) from 8
    input channels on. Other settings, machines with a GPU (where cuDNN's
    gradient kernels are the fast ones) and CPUs where TensorFlow runs
    oneDNN (by default those with AVX-512 VNNI / BF16 or AMX, whose
    gradient kernels are fast too) use `Conv2D`'s own gradient
    (`keras_gans.config.set_conv_gradients` chooses). The networks build
    their stride-1 convs with it (reflect- or zero-padded before, as the
    official code): a 256x256 CycleGAN training step on a 2-core AVX2 CPU is
    about 1.15x faster than with `Conv2D`; on a 2-core AVX-512 CPU with
    oneDNN the custom gradients made it about 1.3x slower
    (docs/benchmarks.md). There, the wide 3x3 convs (at least 256 input and
    output channels, 32x32 outputs: the ResNet generator's residual blocks
    from 128x128 images on) take their gradients from Winograd's F(4x4, 3x3)
    instead (`conv_with_winograd_gradients`,
    `keras_gans.config.set_winograd`), which makes the float32 step about
    1.2x faster.

    The path is chosen each time the layer is called (traced), from
    `keras_gans.config`; it is not part of the layer's config, so a `.keras`
    file names `FastConv2D` with `Conv2D`'s config on every machine.

    Args:
        filters: int. Number of output channels.
        kernel_size: int or tuple of 2 ints.
        **kwargs: Every other `keras.layers.Conv2D` argument.

    Example:
    ```python
    import numpy as np
    from keras_gans.layers.conv_backprop import FastConv2D

    conv = FastConv2D(16, 3)
    print(conv(np.zeros((1, 34, 34, 8), "float32")).shape)  # (1, 32, 32, 16)
    ```
    """

    _gradient_conv = staticmethod(fast_conv)

    def convolution_op(self, inputs, kernel):
        if self._uses_winograd(inputs):
            return conv_with_winograd_gradients(inputs, kernel, name=self.name)
        return super().convolution_op(inputs, kernel)

    def _uses_winograd(self, inputs):
        """Whether this call's backward pass is Winograd's (`uses_winograd`)."""
        return uses_winograd(self, inputs)
