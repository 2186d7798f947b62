"""The backward pass of a wide conv as two forward convolutions."""

from keras import ops

from keras_gans.layers.conv_backprop.custom_gradient import (
    custom_gradient_conv,
    input_gradient,
    pad_full,
)


def conv_with_conv_gradients(inputs, kernel, name=None):
    """Stride-1 "valid" convolution whose gradients are forward convolutions.

    The forward is `ops.conv(inputs, kernel)`; the backward is the same math
    as autodiff, with both gradients computed as forward convolutions
    instead of TensorFlow's `Conv2DBackpropInput` / `Conv2DBackpropFilter`
    CPU kernels, which run slower than a forward conv of the same size:

    - `d_inputs = conv(pad(dy, k - 1), flip(kernel)^T)`: a "full"
      correlation of `dy` with the flipped, transposed kernel;
    - `d_kernel = conv(x^T, dy^T)^T`: with the input channels as the batch
      and the batch as the channels, `dy` is the kernel of a convolution
      whose `kh x kw` outputs are the kernel's gradient.

    On a 2-core AVX2 CPU, forward + both gradients of a 3x3 256 -> 256 conv
    at 64x64 (the ResNet generator's residual blocks) take 170 ms instead of
    229 ms with TensorFlow's gradients, and 216 instead of 300 ms for the
    PatchGAN's 4x4 256 -> 512 conv (docs/benchmarks.md). The backward is
    made of differentiable ops: second-order gradients (WGAN-GP) work.

    Args:
        inputs: tensor `(batch, height, width, in_channels)`.
        kernel: tensor `(kh, kw, in_channels, filters)`.
        name: str or None. The backward pass's ops are named
            `{name}_grad/...`. Defaults to `None`.

    Returns:
        The "valid" convolution, `(batch, height - kh + 1, width - kw + 1,
        filters)`.

    Example:
    ```python
    import numpy as np
    from keras_gans.layers.conv_backprop import conv_with_conv_gradients

    x = np.ones((2, 10, 10, 8), "float32")
    w = np.ones((3, 3, 8, 16), "float32")
    print(conv_with_conv_gradients(x, w).shape)  # (2, 8, 8, 16)
    ```
    """
    kh, kw = kernel.shape[0], kernel.shape[1]

    def grads(x, w, dy):
        # d_kernel[i, j, c, o] = sum_{n, p} x[n, p + (i, j), c] dy[n, p, o]:
        # a conv of x (channels as batch) with dy (batch as channels).
        dw = ops.conv(
            _channels_to_batch(x),
            ops.transpose(dy, (1, 2, 0, 3)),
            strides=1,
            padding="valid",
        )
        dx = input_gradient(pad_full(dy, kh, kw), w)
        return dx, ops.transpose(dw, (1, 2, 0, 3))

    return custom_gradient_conv(inputs, kernel, grads, name=name)


def _channels_to_batch(x):
    """`(n, h, w, c) -> (c, h, w, n)`, the input of the kernel-gradient conv.

    As a 2-D transpose `(n * h * w, c) -> (c, n * h * w)`, then `n` moved
    last: TensorFlow's CPU kernel runs a 2-D transpose 2x faster than the
    4-D one (3.4 vs 8.0 ms for a `(1, 66, 66, 256)` input), and moving a
    batch of 1 costs nothing.
    """
    n, h, w, c = ops.shape(x)
    x = ops.reshape(ops.transpose(ops.reshape(x, (-1, c))), (c, n, h * w))
    return ops.reshape(ops.transpose(x, (0, 2, 1)), (c, h, w, n))
