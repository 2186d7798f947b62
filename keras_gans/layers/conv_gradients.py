"""`FastConv2D`: a Conv2D with the same forward pass and faster CPU gradients.

For any stride-1 "valid" conv it picks the fastest backward pass for its
shape: `few_channel_conv`'s for few output channels, gradients computed as
forward convolutions (`conv_with_conv_gradients`) for wide ones.
"""

import functools

import keras
from keras import ops

from keras_gans.layers.few_channel_conv import (
    _CustomGradientConv2D,
    _input_gradient,
    _is_stride1_valid,
    _pad_full,
    custom_gradient_conv,
    few_channel_conv,
)
from keras_gans.layers.winograd import conv_with_winograd_gradients
from keras_gans.utils import onednn_enabled

# `FastConv2D` routes the gradients of a stride-1 "valid" conv through
# `few_channel_conv` up to this many output channels, and through
# `conv_with_conv_gradients` from this many input channels on (below it, as
# for a 7x7 stem on RGB images, the backend's own gradient is faster).
FEW_FILTERS = 4
MIN_IN_CHANNELS = 8
# False: the layers and networks build plain `keras.layers.Conv2D`s where they
# would build `FastConv2D`s (the benchmark's stock-layer reference).
FAST_CONVS = True
# When `FewChannelConv2D` and `FastConv2D` use their own backward passes:
# "auto" where TensorFlow does not run oneDNN (`keras_gans.utils.
# onednn_enabled()`: its convolution gradients are the fast ones, as cuDNN's
# on a GPU), "always", or "never" (the backend's gradients everywhere). On a
# GPU `FastConv2D` keeps the backend's gradient in every case.
CUSTOM_GRADIENTS = "auto"
_CUSTOM_GRADIENT_MODES = ("auto", "always", "never")
# When `FastConv2D` computes the gradients of a 3x3 conv by Winograd's
# F(4x4, 3x3) (`keras_gans.layers.conv_with_winograd_gradients`; the forward
# pass stays the backend's conv): "auto" where TensorFlow runs oneDNN on a CPU
# (its batched matrix product is fast there; on AVX2 CPUs without oneDNN the
# forward-conv gradients were measured faster), in float32, from
# `WINOGRAD_MIN_CHANNELS` input and output channels and `WINOGRAD_MIN_PIXELS`
# output pixels per image on (below, its transforms cost more than they
# save), unless `CUSTOM_GRADIENTS` is "never"; "always" for every 3x3
# stride-1 "valid" conv of static size; "never".
WINOGRAD = "auto"
WINOGRAD_MIN_CHANNELS = 256
WINOGRAD_MIN_PIXELS = 32 * 32
_WINOGRAD_MODES = ("auto", "always", "never")


def custom_gradients_enabled():
    """Whether the custom-gradient convs use their own backward passes.

    Reads `CUSTOM_GRADIENTS` (`"auto"`: where TensorFlow does not run
    oneDNN). Layers read it when they are called (traced): set it before.

    Returns:
        bool.
    """
    if CUSTOM_GRADIENTS not in _CUSTOM_GRADIENT_MODES:
        raise ValueError(
            "`keras_gans.layers.conv_gradients.CUSTOM_GRADIENTS` must be one "
            f"of {_CUSTOM_GRADIENT_MODES}. Received: {CUSTOM_GRADIENTS!r}"
        )
    if CUSTOM_GRADIENTS == "auto":
        return not onednn_enabled()
    return CUSTOM_GRADIENTS == "always"


def _winograd_mode():
    if WINOGRAD not in _WINOGRAD_MODES:
        raise ValueError(
            "`keras_gans.layers.conv_gradients.WINOGRAD` must be one of "
            f"{_WINOGRAD_MODES}. Received: {WINOGRAD!r}"
        )
    return WINOGRAD


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
        dx = _input_gradient(_pad_full(dy, kh, kw), w)
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


def fast_conv(inputs, kernel, name=None):
    """A stride-1 "valid" conv with the fastest CPU backward for its shape.

    `few_channel_conv` for at most `FEW_FILTERS` output channels,
    `conv_with_conv_gradients` for at least `MIN_IN_CHANNELS` input
    channels, `ops.conv` (the backend's gradient) otherwise. The forward
    pass is `ops.conv` in every case.

    Args:
        inputs: tensor `(batch, height, width, in_channels)`.
        kernel: tensor `(kh, kw, in_channels, filters)`.
        name: str or None. The backward pass's ops are named
            `{name}_grad/...`. Defaults to `None`.

    Returns:
        The "valid" convolution.
    """
    in_channels, filters = kernel.shape[2], kernel.shape[3]
    if filters <= FEW_FILTERS:
        return few_channel_conv(inputs, kernel, name=name)
    if in_channels >= MIN_IN_CHANNELS:
        return conv_with_conv_gradients(inputs, kernel, name=name)
    return ops.conv(inputs, kernel, strides=1, padding="valid")


@functools.cache
def _has_gpu():
    try:
        return bool(keras.distribution.list_devices("gpu"))
    except Exception:  # a backend without device listing: assume none
        return False


@keras.saving.register_keras_serializable(package="keras_gans")
class FastConv2D(_CustomGradientConv2D):
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
    (`CUSTOM_GRADIENTS` in this module chooses). The networks build their
    stride-1 convs with it (reflect- or zero-padded before, as the official
    code): a 256x256 CycleGAN training step on a 2-core AVX2 CPU is about
    1.15x faster than with `Conv2D`; on a 2-core AVX-512 CPU with oneDNN the
    custom gradients made it about 1.3x slower (docs/benchmarks.md). There,
    the wide 3x3 convs (at least 256 input and output channels, 32x32
    outputs: the ResNet generator's residual blocks from 128x128 images on)
    take their gradients from Winograd's F(4x4, 3x3) instead
    (`conv_with_winograd_gradients`, `WINOGRAD` in this module), which makes
    the float32 step about 1.2x faster.

    Args:
        filters: int. Number of output channels.
        kernel_size: int or tuple of 2 ints.
        **kwargs: Every other `keras.layers.Conv2D` argument.

    Example:
    ```python
    import numpy as np
    from keras_gans.layers import FastConv2D

    conv = FastConv2D(16, 3)
    print(conv(np.zeros((1, 34, 34, 8), "float32")).shape)  # (1, 32, 32, 16)
    ```
    """

    _gradient_conv = staticmethod(fast_conv)

    def convolution_op(self, inputs, kernel):
        if self._uses_winograd(inputs):
            return conv_with_winograd_gradients(inputs, kernel, name=self.name)
        return super().convolution_op(inputs, kernel)

    def _uses_custom_gradient(self):
        return super()._uses_custom_gradient() and not _has_gpu()

    def _uses_winograd(self, inputs):
        """Whether this call's backward pass is Winograd's, see `WINOGRAD`."""
        mode = _winograd_mode()
        if mode == "never" or tuple(self.kernel_size) != (3, 3):
            return False
        height, width = inputs.shape[1], inputs.shape[2]
        if not _is_stride1_valid(self) or height is None or width is None:
            return False
        if mode == "always":
            return True
        return (
            CUSTOM_GRADIENTS != "never"
            and onednn_enabled()
            and not _has_gpu()
            and self.compute_dtype == "float32"
            and min(inputs.shape[-1], self.filters) >= WINOGRAD_MIN_CHANNELS
            and (height - 2) * (width - 2) >= WINOGRAD_MIN_PIXELS
        )


def conv_class():
    """`FastConv2D`, or `keras.layers.Conv2D` when `FAST_CONVS` is False."""
    return FastConv2D if FAST_CONVS else keras.layers.Conv2D
