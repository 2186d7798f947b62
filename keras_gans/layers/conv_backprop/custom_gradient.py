"""The primitive of every backward pass here: a conv with a given gradient.

`custom_gradient_conv(inputs, kernel, grads)` is a stride-1 "valid"
`ops.conv` whose backward pass is `grads`; `pad_full` and `input_gradient`
are the pieces the backward passes share.
"""

import contextlib

import keras
from keras import ops


def custom_gradient_conv(inputs, kernel, grads, name=None):
    """A stride-1 "valid" `ops.conv` whose backward pass is `grads`.

    `grads(x, w, dy)` returns `(d_inputs, d_kernel)` for the upstream
    gradient `dy`; its ops are created under the name scope `{name}_grad`.

    Args:
        inputs: tensor `(batch, height, width, in_channels)`.
        kernel: tensor or variable `(kh, kw, in_channels, filters)`.
        grads: callable `(x, w, dy) -> (d_inputs, d_kernel)`.
        name: str or None. Prefix of the backward pass's name scope.
            Defaults to `None`.

    Returns:
        The "valid" convolution.

    Example:
    ```python
    import numpy as np
    from keras_gans.layers.conv_backprop import custom_gradient_conv

    def zero_grads(x, w, dy):
        return 0 * x, 0 * w

    x = np.ones((1, 5, 5, 2), "float32")
    w = np.ones((3, 3, 2, 4), "float32")
    print(custom_gradient_conv(x, w, zero_grads).shape)  # (1, 3, 3, 4)
    ```
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


def pad_full(dy, kh, kw):
    """`dy` zero-padded by `k - 1` on each side, for a "full" correlation."""
    return ops.pad(dy, [[0, 0], [kh - 1, kh - 1], [kw - 1, kw - 1], [0, 0]])


def input_gradient(dy_full, w):
    """d_inputs of a stride-1 "valid" conv, from `pad_full(dy)`.

    A full correlation of `dy` with the flipped, transposed kernel (a
    forward conv from the output channels back to the input ones).
    """
    w_flipped = ops.transpose(ops.flip(w, (0, 1)), (0, 1, 3, 2))
    return ops.conv(dy_full, w_flipped, strides=1, padding="valid")


def grad_scope(name):
    """A name scope `{name}_grad` for a custom backward pass (or none)."""
    return keras.name_scope(f"{name}_grad") if name else contextlib.nullcontext()
