"""Library-wide switches of keras_gans, set and read through functions.

As `keras.config` does for Keras (`keras.config.enable_flash_attention()` /
`is_flash_attention_enabled()`), each switch has a setter and a getter here
instead of a module global assigned from outside:

- `set_conv_gradients(mode)` / `conv_gradients()`: whether the convolutions
  of `keras_gans.layers.conv_backprop` (`FastConv2D`, `FewChannelConv2D`)
  compute their gradients with their own backward passes (faster on CPUs
  without oneDNN, with TensorFlow) or take the backend's;
  `conv_gradients_active()` says what `"auto"` resolves to on this machine
  and backend (the backend's gradients on JAX and PyTorch).
- `set_winograd(mode)` / `winograd()`: whether `FastConv2D` may compute the
  gradients of its wide 3x3 convs by Winograd's F(4x4, 3x3);
  `winograd_active()` says what `"auto"` resolves to.
- `onednn_enabled()` and `gpu_available()`: what the machine offers, which
  `"auto"` looks at.

The layers read the switches when they are called (traced), not when they are
built: a `.keras` file holds the same layers whatever the switches were, and a
switch set before the first training step applies to that model. A traced
step keeps the gradients it was traced with.

This module imports nothing else of keras_gans.
"""

import functools

import keras

#: Valid modes of `set_conv_gradients`.
CONV_GRADIENT_MODES = ("auto", "never", "always")
#: Valid modes of `set_winograd`.
WINOGRAD_MODES = ("auto", "never", "always")

_state = {"conv_gradients": "auto", "winograd": "auto"}


def _check_mode(mode, valid, setter):
    if not isinstance(mode, str) or mode not in valid:
        raise ValueError(
            f"`mode` of `keras_gans.config.{setter}` must be one of {valid}. "
            f"Received: mode={mode!r}"
        )
    return mode


def set_conv_gradients(mode):
    """Chooses the gradients of `FastConv2D` and `FewChannelConv2D`.

    Both layers (`keras_gans.layers.conv_backprop`) have `Conv2D`'s forward
    pass; for a stride-1 `"valid"` conv they can compute its gradients with
    their own backward passes, which avoid TensorFlow's slow CPU gradient
    kernels. Layers read the mode when they are called (traced): set it
    before the first training step.

    Args:
        mode: str. One of:
            - `"auto"` (the default): their own backward passes on a CPU
              where TensorFlow does not run oneDNN; the backend's gradients
              where it does (oneDNN's gradient kernels are fast), on a
              machine with a GPU (cuDNN's are) and on the JAX and PyTorch
              backends (the backward passes replace TensorFlow's kernels;
              they were not measured faster than XLA's or PyTorch's).
            - `"never"`: the backend's gradients everywhere.
            - `"always"`: their own backward passes everywhere, GPU, JAX and
              PyTorch included (`keras.ops.custom_gradient`; the gradients,
              second order included, equal the backend's up to float32
              rounding).

    Example:
    ```python
    from keras_gans import config

    config.set_conv_gradients("never")
    print(config.conv_gradients(), config.conv_gradients_active())  # never False
    config.set_conv_gradients("auto")
    ```
    """
    _state["conv_gradients"] = _check_mode(
        mode, CONV_GRADIENT_MODES, "set_conv_gradients"
    )


def conv_gradients():
    """The mode set by `set_conv_gradients`: `"auto"`, `"never"` or `"always"`.

    Returns:
        str.

    Example:
    ```python
    from keras_gans import config

    print(config.conv_gradients())  # auto
    ```
    """
    return _state["conv_gradients"]


def conv_gradients_active():
    """Whether the conv layers take their own backward passes on this machine.

    `conv_gradients()` resolved: `"always"` -> `True`, `"never"` -> `False`,
    `"auto"` -> `True` on the TensorFlow backend unless a GPU is visible
    (`gpu_available()`) or TensorFlow runs oneDNN (`onednn_enabled()`);
    `False` on JAX and PyTorch, whose layers then run `Conv2D` unchanged
    (the backward passes exist to avoid TensorFlow's slow CPU gradient
    kernels). A layer with settings that
    its backward pass does not handle (strides, `"same"` padding, dilation,
    groups) takes the backend's gradient in every case.

    Returns:
        bool.

    Example:
    ```python
    from keras_gans import config

    config.set_conv_gradients("always")
    print(config.conv_gradients_active())  # True
    config.set_conv_gradients("auto")
    ```
    """
    mode = conv_gradients()
    if mode == "auto":
        return (
            keras.backend.backend() == "tensorflow"
            and not gpu_available()
            and not onednn_enabled()
        )
    return mode == "always"


def set_winograd(mode):
    """Chooses when `FastConv2D` takes Winograd gradients for 3x3 convs.

    The backward pass of a 3x3 stride-1 `"valid"` conv by Winograd's F(4x4,
    3x3) (`keras_gans.layers.conv_backprop.conv_with_winograd_gradients`;
    the forward pass stays the backend's). Layers read the mode when they are
    called (traced).

    Args:
        mode: str. One of:
            - `"auto"` (the default): where `winograd_active()` (a CPU where
              TensorFlow runs oneDNN, no GPU, `conv_gradients()` not
              `"never"`), for float32 convs from 256 input and output
              channels and 32x32 output pixels on (below, its transforms
              cost more than they save).
            - `"never"`.
            - `"always"`: every 3x3 stride-1 `"valid"` conv of static size,
              whatever the machine and the conv-gradient mode.

    Example:
    ```python
    from keras_gans import config

    config.set_winograd("never")
    print(config.winograd(), config.winograd_active())  # never False
    config.set_winograd("auto")
    ```
    """
    _state["winograd"] = _check_mode(mode, WINOGRAD_MODES, "set_winograd")


def winograd():
    """The mode set by `set_winograd`: `"auto"`, `"never"` or `"always"`.

    Returns:
        str.

    Example:
    ```python
    from keras_gans import config

    print(config.winograd())  # auto
    ```
    """
    return _state["winograd"]


def winograd_active():
    """Whether `FastConv2D` may take Winograd gradients on this machine.

    `winograd()` resolved: `"always"` -> `True`, `"never"` -> `False`,
    `"auto"` -> `True` where TensorFlow runs oneDNN (its batched matrix
    product is fast there; on CPUs without oneDNN the other backward passes
    were measured faster), no GPU is visible and `conv_gradients()` is not
    `"never"`: never on JAX or PyTorch. Each layer then checks its own
    shape (3x3 kernel, stride 1, `"valid"`, static size, and under `"auto"`
    float32, at least 256 input and output channels and 32x32 output
    pixels).

    Returns:
        bool.

    Example:
    ```python
    from keras_gans import config

    config.set_winograd("always")
    print(config.winograd_active())  # True
    config.set_winograd("auto")
    ```
    """
    mode = winograd()
    if mode == "auto":
        return conv_gradients() != "never" and onednn_enabled() and not gpu_available()
    return mode == "always"


@functools.cache
def onednn_enabled():
    """Whether TensorFlow runs its CPU ops with oneDNN.

    TensorFlow turns oneDNN on by default on x86 CPUs with AVX-512 VNNI,
    AVX-512 BF16 or AMX (and off on older ones); the environment variable
    `TF_ENABLE_ONEDNN_OPTS=0` or `=1`, read when TensorFlow is imported,
    overrides that. oneDNN's convolution gradients are fast, so
    `FastConv2D` and `FewChannelConv2D` keep them there under
    `set_conv_gradients("auto")`.

    Returns:
        bool: `False` as well with another Keras backend than TensorFlow.

    Example:
    ```python
    from keras_gans import config

    print(config.onednn_enabled())
    ```
    """
    if keras.backend.backend() != "tensorflow":
        return False
    try:
        from tensorflow.python.util import _pywrap_util_port

        return bool(_pywrap_util_port.IsMklEnabled())
    except (ImportError, AttributeError):  # a TensorFlow without the query
        return False


@functools.cache
def gpu_available():
    """Whether the Keras backend sees a GPU.

    Under `set_conv_gradients("auto")` the conv layers take the backend's
    gradients on a machine with a GPU (cuDNN's gradient kernels are the fast
    ones there). Asked once per process.

    Returns:
        bool: `False` as well for a backend that cannot list its devices.

    Example:
    ```python
    from keras_gans import config

    print(config.gpu_available())
    ```
    """
    try:
        return bool(keras.distribution.list_devices("gpu"))
    except Exception:  # a backend without device listing: assume none
        return False


__all__ = [
    "CONV_GRADIENT_MODES",
    "WINOGRAD_MODES",
    "conv_gradients",
    "conv_gradients_active",
    "gpu_available",
    "onednn_enabled",
    "set_conv_gradients",
    "set_winograd",
    "winograd",
    "winograd_active",
]
