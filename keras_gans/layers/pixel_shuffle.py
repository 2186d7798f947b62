"""Sub-pixel upsampling with PyTorch's channel ordering."""

import keras
from keras import ops

from keras_gans._checks import check_int


@keras.saving.register_keras_serializable(package="keras_gans")
class PixelShuffle(keras.layers.Layer):
    """Sub-pixel upsampling: (N, H, W, C*r*r) -> (N, H*r, W*r, C).

    The channel ordering is the one of `torch.nn.PixelShuffle(r)` applied to
    the same data in NCHW: output pixel `(h*r + i, w*r + j)` of channel `c`
    reads input channel `c*r*r + i*r + j`. So a convolution whose weights were
    converted from PyTorch (kernel OIHW -> HWIO, nothing else) followed by this
    layer gives the PyTorch result.

    `keras.ops.depth_to_space` (= `tf.nn.depth_to_space`) reads channel
    `(i*r + j)*C + c` instead, so the input is first regrouped from PyTorch's
    order to that one: reshape to (N, H, W, C, r*r), swap the last two axes,
    reshape back, then `depth_to_space`. For weights trained from scratch the
    ordering makes no difference.

    Args:
        upscale_factor: int. The factor `r` by which H and W grow; the number
            of input channels must be divisible by `r*r`. Defaults to `2`.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Example:
    ```python
    import numpy as np
    from keras_gans.layers import PixelShuffle

    x = np.random.rand(2, 8, 8, 12).astype("float32")
    print(PixelShuffle(2)(x).shape)  # (2, 16, 16, 3)
    ```

    Reference:
    - [Shi et al., 2016. Real-Time Single Image and Video Super-Resolution
      Using an Efficient Sub-Pixel Convolutional Neural
      Network](https://arxiv.org/abs/1609.05158)
    """

    def __init__(self, upscale_factor=2, **kwargs):
        super().__init__(**kwargs)
        check_int("upscale_factor", upscale_factor)
        self.upscale_factor = upscale_factor
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def build(self, input_shape):
        channels = input_shape[-1]
        r2 = self.upscale_factor**2
        if channels is None or channels % r2 != 0:
            raise ValueError(
                "`PixelShuffle` needs a known number of input channels divisible "
                f"by upscale_factor**2 = {r2}. Received: input_shape={input_shape} "
                f"with upscale_factor={self.upscale_factor}"
            )
        super().build(input_shape)

    def call(self, inputs):
        r = self.upscale_factor
        if r == 1:
            return inputs
        shape = ops.shape(inputs)
        channels = inputs.shape[-1]
        out_channels = channels // (r * r)
        x = ops.reshape(inputs, (shape[0], shape[1], shape[2], out_channels, r * r))
        x = ops.transpose(x, (0, 1, 2, 4, 3))
        x = ops.reshape(x, (shape[0], shape[1], shape[2], channels))
        return ops.depth_to_space(x, r, data_format="channels_last")

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        r = self.upscale_factor
        return (
            n,
            None if h is None else h * r,
            None if w is None else w * r,
            None if c is None else c // (r * r),
        )

    def get_config(self):
        config = super().get_config()
        config.update({"upscale_factor": self.upscale_factor})
        return config
