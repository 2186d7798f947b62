"""String -> layer factories for normalizations and activations.

Networks take `norm="instance"` or `activation="leaky_relu"` arguments and turn
them into layers here, so every block resolves the names the same way and
with PyTorch's defaults.
"""

import keras

from keras_gans._checks import check_int
from keras_gans.layers.conv_backprop import FastConv2D
from keras_gans.layers.instance_normalization import InstanceNormalization
from keras_gans.layers.reflect_pad import ReflectPad, _normalize_padding

#: Valid `norm` names for `make_norm` (`None` is accepted too).
NORMALIZATIONS = ("instance", "instance_affine", "batch", "layer", "none")

#: Valid `activation` names for `make_activation` (`None` is accepted too).
ACTIVATIONS = ("relu", "leaky_relu", "gelu", "tanh", "sigmoid", "linear")


def _check_name(value, valid, arg):
    if value is None:
        return None
    if not isinstance(value, str) or value.lower() not in valid:
        raise ValueError(
            f"`{arg}` must be one of {valid} or None. Received: {arg}={value!r}"
        )
    return value.lower()


def make_norm(norm, *, epsilon=None, name=None, dtype=None):
    """Builds a normalization layer from its name, with PyTorch's defaults.

    Args:
        norm: str or None. One of:
            - `"instance"`: `InstanceNormalization(affine=False)`, equal to
              `torch.nn.InstanceNorm2d(C)`.
            - `"instance_affine"`: `InstanceNormalization(affine=True)`, equal
              to `torch.nn.InstanceNorm2d(C, affine=True)`.
            - `"batch"`: `keras.layers.BatchNormalization(momentum=0.9,
              epsilon=1e-5)`, i.e. `torch.nn.BatchNorm2d(C)` (torch's
              `momentum=0.1` is Keras' `0.9`).
            - `"layer"`: `keras.layers.LayerNormalization(axis=-1,
              epsilon=1e-5)`: normalizes over the channels of each position
              (`torch.nn.LayerNorm(C)` on channels-last tokens).
            - `None` or `"none"`: no normalization; returns `None`.
        epsilon: float or None. Overrides the default epsilon (`1e-5` for
            every norm). Defaults to `None`.
        name: str or None. Name of the layer. Defaults to `None`.
        dtype: str, `keras.DTypePolicy` or None. The layer's dtype policy;
            `None` takes the global one. Defaults to `None`.

    Returns:
        A `keras.layers.Layer`, or `None` for `norm=None` / `"none"`.

    Example:
    ```python
    from keras_gans.layers import make_norm

    bn = make_norm("batch", name="bn")
    print(type(bn).__name__, bn.momentum, bn.epsilon)  # BatchNormalization 0.9 1e-05
    print(make_norm("none"))  # None
    ```
    """
    norm = _check_name(norm, NORMALIZATIONS, "norm")
    if epsilon is not None and (
        not isinstance(epsilon, (int, float))
        or isinstance(epsilon, bool)
        or epsilon < 0
    ):
        raise ValueError(
            "`epsilon` must be a non-negative number or None. "
            f"Received: epsilon={epsilon!r}"
        )
    eps = 1e-5 if epsilon is None else float(epsilon)
    if norm is None or norm == "none":
        return None
    if norm == "instance":
        return InstanceNormalization(epsilon=eps, affine=False, name=name, dtype=dtype)
    if norm == "instance_affine":
        return InstanceNormalization(epsilon=eps, affine=True, name=name, dtype=dtype)
    if norm == "batch":
        return keras.layers.BatchNormalization(
            momentum=0.9, epsilon=eps, name=name, dtype=dtype
        )
    return keras.layers.LayerNormalization(axis=-1, epsilon=eps, name=name, dtype=dtype)


def make_activation(activation, *, name=None, dtype=None):
    """Builds an activation layer from its name.

    Args:
        activation: str or None. One of `"relu"`, `"leaky_relu"` (negative
            slope 0.2, as in pix2pix / CycleGAN discriminators), `"gelu"`
            (exact, erf-based, = `torch.nn.GELU()`), `"tanh"`, `"sigmoid"`,
            `"linear"`; `None` means `"linear"` (identity).
        name: str or None. Name of the layer. Defaults to `None`.
        dtype: str, `keras.DTypePolicy` or None. The layer's dtype policy;
            `None` takes the global one. Defaults to `None`.

    Returns:
        A `keras.layers.Layer` (never `None`).

    Example:
    ```python
    import keras
    import numpy as np
    from keras_gans.layers import make_activation

    act = make_activation("leaky_relu")
    y = act(np.array([-1.0, 2.0], dtype="float32"))
    print(keras.ops.convert_to_numpy(y))  # [-0.2  2. ]
    ```
    """
    activation = _check_name(activation, ACTIVATIONS, "activation")
    if activation == "relu":
        return keras.layers.ReLU(name=name, dtype=dtype)
    if activation == "leaky_relu":
        return keras.layers.LeakyReLU(negative_slope=0.2, name=name, dtype=dtype)
    if activation is None:
        activation = "linear"
    return keras.layers.Activation(activation, name=name, dtype=dtype)


#: Valid `padding` names for `make_padding`.
PADDINGS = ("zero", "reflect", "none")


def make_padding(padding, amount, *, name=None, dtype=None):
    """Builds an explicit spatial padding layer from its name.

    Blocks pad explicitly and then run a `"valid"` convolution, which equals
    PyTorch's symmetric `padding=p` exactly (Keras' `padding="same"` pads more
    at the bottom/right than at the top/left for stride 2).

    Args:
        padding: str. `"zero"` (`keras.layers.ZeroPadding2D`), `"reflect"`
            (`ReflectPad`, = `torch.nn.ReflectionPad2d`) or `"none"` (no
            padding; returns `None`).
        amount: int or tuple. The padding, in any form `ReflectPad` accepts.
            `0` returns `None`.
        name: str or None. Name of the layer. Defaults to `None`.
        dtype: str, `keras.DTypePolicy` or None. The layer's dtype policy;
            `None` takes the global one. Defaults to `None`.

    Returns:
        A `keras.layers.Layer`, or `None` when there is nothing to pad.

    Example:
    ```python
    import numpy as np
    from keras_gans.layers import make_padding

    pad = make_padding("reflect", 3)
    print(pad(np.zeros((1, 8, 8, 3), "float32")).shape)  # (1, 14, 14, 3)
    ```
    """
    if not isinstance(padding, str) or padding.lower() not in PADDINGS:
        raise ValueError(
            f"`padding` must be one of {PADDINGS}. Received: padding={padding!r}"
        )
    padding = padding.lower()
    pairs = _normalize_padding(amount)
    if padding == "none" or all(p == 0 for pair in pairs for p in pair):
        return None
    if padding == "reflect":
        return ReflectPad(pairs, mode="reflect", name=name, dtype=dtype)
    return keras.layers.ZeroPadding2D(pairs, name=name, dtype=dtype)


# --- helpers shared by the blocks (not public API) ---------------------------


def _resolve_initializer(value):
    """`None` -> RandomNormal(0, 0.02) (DCGAN / pix2pix init), else Keras' get."""
    if value is None:
        return keras.initializers.RandomNormal(mean=0.0, stddev=0.02)
    try:
        return keras.initializers.get(value)
    except (ValueError, TypeError) as e:
        raise ValueError(
            "`kernel_initializer` must be None, a Keras initializer, its name or "
            f"its config. Received: kernel_initializer={value!r}"
        ) from e


def _fresh_initializer(initializer):
    """A copy of `initializer` for one sublayer.

    An unseeded Keras 3 initializer draws a fixed seed when it is created, so
    one instance shared by two same-shaped kernels would give them equal
    values. Each sublayer gets its own copy (with its own seed when unseeded).
    """
    return keras.initializers.get(keras.initializers.serialize(initializer))


def _maybe_spectral(layer, spectral_norm, name):
    """Wraps `layer` in `keras.layers.SpectralNormalization` when asked."""
    if not spectral_norm:
        return layer
    return keras.layers.SpectralNormalization(
        layer, name=name, dtype=layer.dtype_policy
    )


class _ConvBlock(keras.layers.Layer):
    """Base of the blocks built around convolutions (not public API).

    It holds the arguments every block shares (`filters`, `use_bias`,
    `kernel_initializer`, `spectral_norm`), checks them, and creates the
    sublayers. Sublayers get the block's dtype policy: a block read back
    from a mixed-precision `.keras` file then computes in the precision it
    was saved with, whatever the global policy is when it is loaded.
    """

    def _init_conv_args(self, filters, use_bias, kernel_initializer, spectral_norm):
        filters = check_int("filters", filters)
        _check_bool(use_bias, "use_bias")
        _check_bool(spectral_norm, "spectral_norm")
        self.filters = filters
        self.use_bias = use_bias
        self.kernel_initializer = _resolve_initializer(kernel_initializer)
        self.spectral_norm = spectral_norm

    def _conv_layer(self, layer_cls, filters, kernel_size, *, name, **kwargs):
        """A `layer_cls` conv with the block's bias, init, spectral norm.

        `keras.layers.Conv2D` becomes `FastConv2D`: the same conv, with a
        faster gradient on CPU where its settings allow one (chosen when it
        is called, from `keras_gans.config`).
        """
        if layer_cls is keras.layers.Conv2D:
            layer_cls = FastConv2D
        conv = layer_cls(
            filters,
            kernel_size,
            use_bias=self.use_bias,
            kernel_initializer=_fresh_initializer(self.kernel_initializer),
            name=name,
            dtype=self.dtype_policy,
            **kwargs,
        )
        return _maybe_spectral(conv, self.spectral_norm, name)

    def _norm(self, norm, name):
        return make_norm(norm, name=name, dtype=self.dtype_policy)

    def _activation(self, activation, name):
        return make_activation(activation, name=name, dtype=self.dtype_policy)

    def _post_activation(self, post_activation):
        """The optional activation after the block's sum (`None` for linear)."""
        if post_activation in (None, "linear"):
            return None
        return self._activation(post_activation, "post_act")

    def _padding(self, padding, amount, name):
        return make_padding(padding, amount, name=name, dtype=self.dtype_policy)

    def _conv_config(self):
        """The shared arguments, for `get_config`."""
        return {
            "filters": self.filters,
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "spectral_norm": self.spectral_norm,
        }


def _check_bool(value, arg):
    if not isinstance(value, bool):
        raise ValueError(f"`{arg}` must be a bool. Received: {arg}={value!r}")


def _build_chain(layers, input_shape):
    """Builds `layers` (Nones skipped) one after the other; returns the shape."""
    shape = tuple(input_shape)
    for layer in layers:
        if layer is None:
            continue
        if not layer.built:
            layer.build(shape)
        shape = tuple(layer.compute_output_shape(shape))
    return shape
