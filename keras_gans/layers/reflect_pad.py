"""Reflection (and symmetric / constant) padding of the spatial axes."""

import keras
from keras import ops

_MODES = ("reflect", "symmetric", "constant", "zero")


def _symmetric_pad(x, top, bottom, left, right):
    """NumPy's "symmetric" padding of axes 1 and 2 (the edge repeated)."""

    def pad_axis(x, before, after, axis):
        size = x.shape[axis]
        parts = [ops.flip(ops.take(x, range(before), axis=axis), axis)]
        parts += [x, ops.flip(ops.take(x, range(size - after, size), axis=axis), axis)]
        return ops.concatenate(parts, axis=axis)

    return pad_axis(pad_axis(x, top, bottom, 1), left, right, 2)


def _normalize_padding(padding):
    """int | (ph, pw) | ((top, bottom), (left, right)) -> ((t, b), (l, r))."""

    def is_int(v):
        return isinstance(v, int) and not isinstance(v, bool)

    def bad():
        return ValueError(
            "`padding` must be a non-negative int, a pair (pad_h, pad_w) or "
            "((top, bottom), (left, right)) of non-negative ints. "
            f"Received: padding={padding!r}"
        )

    if is_int(padding):
        pairs = ((padding, padding), (padding, padding))
    elif isinstance(padding, (tuple, list)) and len(padding) == 2:
        if all(is_int(p) for p in padding):
            pairs = ((padding[0], padding[0]), (padding[1], padding[1]))
        elif all(
            isinstance(p, (tuple, list)) and len(p) == 2 and all(is_int(q) for q in p)
            for p in padding
        ):
            pairs = (tuple(padding[0]), tuple(padding[1]))
        else:
            raise bad()
    else:
        raise bad()
    if any(q < 0 for p in pairs for q in p):
        raise bad()
    return pairs


@keras.saving.register_keras_serializable(package="keras_gans")
class ReflectPad(keras.layers.Layer):
    """Pads the H and W axes of an NHWC tensor by reflection.

    With `mode="reflect"` this equals `torch.nn.ReflectionPad2d` (the edge
    pixel is not repeated: `[a, b, c]` padded by 2 gives `[c, b, a, b, c, b,
    a]`). `"symmetric"` repeats the edge (`[b, a, a, b, c, c, b]`), and
    `"constant"` (alias `"zero"`) pads with zeros. Works on any height and
    width, also unknown (`None`) ones in a functional model. In `"reflect"`
    mode each padding must be smaller than the padded dimension (as in PyTorch),
    in `"symmetric"` mode at most as large; a larger one raises a `ValueError`
    on every backend.

    Args:
        padding: int, tuple of 2 ints `(pad_h, pad_w)`, or tuple of 2 tuples
            of 2 ints `((top, bottom), (left, right))`. Defaults to `1`.
        mode: str. One of `"reflect"`, `"symmetric"`, `"constant"` or
            `"zero"`. Defaults to `"reflect"`.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Example:
    ```python
    import numpy as np
    from keras_gans.layers import ReflectPad

    x = np.arange(9, dtype="float32").reshape(1, 3, 3, 1)
    y = ReflectPad(1)(x)
    print(y.shape)  # (1, 5, 5, 1)
    print(ReflectPad(((3, 3), (1, 2)))(np.zeros((2, 20, 17, 3))).shape)
    # (2, 26, 20, 3)
    ```
    """

    def __init__(self, padding=1, mode="reflect", **kwargs):
        super().__init__(**kwargs)
        pairs = _normalize_padding(padding)
        if not isinstance(mode, str) or mode.lower() not in _MODES:
            raise ValueError(f"`mode` must be one of {_MODES}. Received: mode={mode!r}")
        self.padding = pairs
        self.mode = mode.lower()
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def build(self, input_shape):
        self._check_size(input_shape)
        super().build(input_shape)

    def _check_size(self, input_shape):
        """Reflect padding must be smaller than the padded dimension,
        symmetric padding at most as large: TensorFlow and PyTorch raise
        otherwise, JAX would pad by reflecting again; every backend raises
        this error instead, at build and on each call of a known size."""
        excess = {"reflect": 1, "symmetric": 0}.get(self.mode)
        if excess is None:
            return
        for axis, pads in ((1, self.padding[0]), (2, self.padding[1])):
            size = input_shape[axis]
            if size is not None and max(pads) > size - excess:
                raise ValueError(
                    f"`ReflectPad` in {self.mode!r} mode needs each padding to "
                    f"be {'smaller than' if excess else 'at most'} the padded "
                    f"dimension. Received: padding={self.padding} for "
                    f"input_shape={tuple(input_shape)}"
                )

    def call(self, inputs):
        self._check_size(inputs.shape)
        (top, bottom), (left, right) = self.padding
        pad_width = [[0, 0], [top, bottom], [left, right], [0, 0]]
        mode = "constant" if self.mode == "zero" else self.mode
        if mode == "symmetric" and keras.backend.backend() == "torch":
            # Keras pads "symmetric" as torch's "replicate" there.
            return _symmetric_pad(inputs, top, bottom, left, right)
        return ops.pad(inputs, pad_width, mode=mode)

    def compute_output_shape(self, input_shape):
        (top, bottom), (left, right) = self.padding
        n, h, w, c = input_shape
        h = None if h is None else h + top + bottom
        w = None if w is None else w + left + right
        return (n, h, w, c)

    def get_config(self):
        config = super().get_config()
        config.update({"padding": self.padding, "mode": self.mode})
        return config
