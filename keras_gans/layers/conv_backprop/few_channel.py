"""The backward pass of a conv with few output channels, without im2col."""

from keras import ops

from keras_gans.layers.conv_backprop.custom_gradient import (
    custom_gradient_conv,
    input_gradient,
    pad_full,
)


def few_channel_conv(inputs, kernel, name=None):
    """Stride-1 "valid" convolution with a hand-written backward pass.

    The forward is `ops.conv(inputs, kernel)`. The backward is the same math
    as autodiff, routed through other kernels:
    `d_inputs = conv(pad(dy, k - 1), flip(kernel)^T)` (a conv from the few
    output channels back to the many input ones) and
    `d_kernel = inputs^T @ patches(pad(dy, k - 1))` (one matrix product with
    `k * k * filters` columns). TensorFlow's CPU gradient kernels instead
    build an im2col buffer of `k * k * in_channels` values per output pixel
    and multiply it by a matrix with `filters` columns, which is wasteful
    when `filters` is small: for the ResNet generator's 7x7 64 -> 3 head at
    256x256 that is 205 M floats, and the op's backward is 12x slower than
    this one (see docs/benchmarks.md). Second-order gradients (WGAN-GP) work:
    the backward is made of differentiable ops.

    Args:
        inputs: tensor `(batch, height, width, in_channels)`.
        kernel: tensor `(kh, kw, in_channels, filters)`.
        name: str or None. The backward pass's ops are named
            `{name}_grad/...` (profiles tell them apart). Defaults to `None`.

    Returns:
        The "valid" convolution, `(batch, height - kh + 1, width - kw + 1,
        filters)`.

    Example:
    ```python
    import numpy as np
    from keras_gans.layers.conv_backprop import few_channel_conv

    x = np.ones((1, 10, 10, 8), "float32")
    w = np.ones((7, 7, 8, 3), "float32")
    print(few_channel_conv(x, w).shape)  # (1, 4, 4, 3)
    ```
    """
    kh, kw, in_channels, filters = kernel.shape

    def grads(x, w, dy):
        dy_full = pad_full(dy, kh, kw)
        # d_kernel[i, j, c, o] = sum_p x[p + (i, j), c] * dy[p, o], as one
        # matmul of x against the patches of the padded dy.
        patches = ops.image.extract_patches(
            dy_full, (kh, kw), strides=(1, 1), padding="valid"
        )
        dw = ops.matmul(
            ops.transpose(ops.reshape(x, (-1, in_channels))),
            ops.reshape(patches, (-1, kh * kw * filters)),
        )
        dw = ops.flip(ops.reshape(dw, (in_channels, kh, kw, filters)), (1, 2))
        return input_gradient(dy_full, w), ops.transpose(dw, (1, 2, 0, 3))

    return custom_gradient_conv(inputs, kernel, grads, name=name)
