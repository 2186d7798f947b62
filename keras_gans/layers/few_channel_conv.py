"""A Conv2D whose gradients avoid im2col, for convs with few output channels."""

import contextlib

import keras
from keras import ops


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
    """
    kh, kw, in_channels, filters = kernel.shape

    def grads(x, w, dy):
        dy_full = _pad_full(dy, kh, kw)
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
        return _input_gradient(dy_full, w), ops.transpose(dw, (1, 2, 0, 3))

    return custom_gradient_conv(inputs, kernel, grads, name=name)


def custom_gradient_conv(inputs, kernel, grads, name=None):
    """A stride-1 "valid" `ops.conv` whose backward pass is `grads`.

    `grads(x, w, dy)` returns `(d_inputs, d_kernel)` for the upstream
    gradient `dy`; its ops are created under the name scope `{name}_grad`.
    """

    @ops.custom_gradient
    def conv(x, w):
        def grad(*args, upstream=None):
            # TensorFlow passes the upstream gradient positionally, JAX as a
            # keyword.
            dy = args[0] if upstream is None else upstream
            with grad_scope(name):
                return grads(x, w, dy)

        return ops.conv(x, w, strides=1, padding="valid"), grad

    # Read a variable kernel outside the custom-gradient function, so that
    # its gradient flows through `grad` (TensorFlow otherwise asks `grad` for
    # the variables it saw being read).
    return conv(ops.convert_to_tensor(inputs), ops.copy(kernel))


def _pad_full(dy, kh, kw):
    """`dy` zero-padded by `k - 1` on each side, for a "full" correlation."""
    return ops.pad(dy, [[0, 0], [kh - 1, kh - 1], [kw - 1, kw - 1], [0, 0]])


def _input_gradient(dy_full, w):
    """d_inputs of a stride-1 "valid" conv, from `_pad_full(dy)`.

    A full correlation of `dy` with the flipped, transposed kernel (a
    forward conv from the output channels back to the input ones).
    """
    w_flipped = ops.transpose(ops.flip(w, (0, 1)), (0, 1, 3, 2))
    return ops.conv(dy_full, w_flipped, strides=1, padding="valid")


def grad_scope(name):
    """A name scope `{name}_grad` for a custom backward pass (or none)."""
    return keras.name_scope(f"{name}_grad") if name else contextlib.nullcontext()


def _is_stride1_valid(conv):
    """Whether a Conv2D's settings are those the custom gradients handle."""
    return (
        conv.padding == "valid"
        and tuple(conv.strides) == (1, 1)
        and tuple(conv.dilation_rate) == (1, 1)
        and conv.groups == 1
        and conv.data_format == "channels_last"
    )


class _CustomGradientConv2D(keras.layers.Conv2D):
    """A Conv2D whose stride-1 "valid" convs go through `_gradient_conv`."""

    _gradient_conv = None  # f(inputs, kernel, name=...): the custom-gradient conv

    def _uses_custom_gradient(self):
        # `conv_gradients` imports this module: import it when called.
        from keras_gans.layers import conv_gradients

        return _is_stride1_valid(self) and conv_gradients.custom_gradients_enabled()

    def convolution_op(self, inputs, kernel):
        if self._uses_custom_gradient():
            return type(self)._gradient_conv(inputs, kernel, name=self.name)
        return super().convolution_op(inputs, kernel)


@keras.saving.register_keras_serializable(package="keras_gans")
class FewChannelConv2D(_CustomGradientConv2D):
    """`keras.layers.Conv2D` with a faster gradient when `filters` is small.

    Same arguments, weights, config and forward pass as `keras.layers.Conv2D`
    (a checkpoint of one loads into the other). With `strides=1`,
    `dilation_rate=1`, `groups=1` and `padding="valid"` the backward pass is
    the one of `few_channel_conv`, which avoids TensorFlow's im2col
    gradient kernels; other settings fall back to `Conv2D` unchanged. The
    networks use it for the convolutions with at most 4 output channels (the
    generators' image head, the PatchGAN's last conv), where it makes a
    256x256 CycleGAN step about 1.2x faster on an AVX2 CPU. With many output
    channels it is no faster than `Conv2D`. Where TensorFlow runs oneDNN
    (by default on CPUs with AVX-512 VNNI / BF16 or AMX), whose gradient
    kernels are fast, it keeps `Conv2D`'s gradient
    (`keras_gans.layers.conv_gradients.CUSTOM_GRADIENTS`).

    Args:
        filters: int. Number of output channels.
        kernel_size: int or tuple of 2 ints.
        **kwargs: Every other `keras.layers.Conv2D` argument.

    Example:
    ```python
    import numpy as np
    from keras_gans.layers import FewChannelConv2D

    head = FewChannelConv2D(3, 7)
    print(head(np.zeros((1, 38, 38, 64), "float32")).shape)  # (1, 32, 32, 3)
    ```
    """

    _gradient_conv = staticmethod(few_channel_conv)
