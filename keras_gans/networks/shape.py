"""What sizes a network takes: `NetworkShape` and `shape_of(model)`.

`shape_of` reads a built network's stride, minimum input size and channel
counts from its layers (conv strides and paddings, transposed-conv and
pixel-shuffle factors, reflect-pad amounts, its input shape), with plain
integer arithmetic: the model is never called. A model with layers it does
not know falls back to `probe_shape`, which measures the same facts by
running shape inference and the model itself on test inputs.

The registry gives the same `NetworkShape` for a name and a config without
building anything: `networks.get_network_info(name).shape(**config)`.
"""

import dataclasses

import keras
import numpy as np

from keras_gans.layers import (
    DownsampleBlock,
    PixelShuffle,
    PixelwiseViT,
    ReflectPad,
    ResidualBlock,
    ResidualOutput,
    UpsampleBlock,
)

# The strides tried, as the old probe did: 1, 2, 4, ..., 4096.
_MAX_STRIDE = 4096
# A stride holds when this many consecutive multiples from the first valid
# one are valid (odd and even multiples, as `66 -> 33 -> 17 -> 34` fails).
_WINDOW = 8
# The first valid multiple of a stride is looked for up to this multiple.
_MAX_MULTIPLE = 32


@dataclasses.dataclass(frozen=True)
class NetworkShape:
    """The input and output sizes a network takes and gives.

    Args:
        stride: int. Input heights and widths must be multiples of it (for
            an image-to-image generator: so that the output has the input's
            size). `1` for a network that takes any size above `min_size`
            (a PatchGAN), a fixed-size network and a noise-input generator.
        min_size: int or None. The smallest square input side (a multiple
            of `stride`) the network runs on: its reflect paddings need each
            feature map larger than the padding, its valid convs need at
            least a kernel. `None` where the input size is fixed or the
            input is not an image.
        in_channels: int or None. Channels of the input image; `None` for a
            noise-input generator (see `latent_dim`).
        out_channels: int. Channels of the output: image channels for a
            generator, `1` for a discriminator's logits.
        fixed_size: tuple or None. `(height, width)` when the network works
            at one image size only: its input size for an image network
            built on a fixed `input_shape` (DCGAN discriminators), its output
            size for a noise-input generator (DCGAN generators). `None` when
            any multiple of `stride` >= `min_size` works.
        latent_dim: int or None. Length of the noise vector of a
            noise-input generator, else `None`. Defaults to `None`.

    Example:

    ```python
    from keras_gans import networks

    shape = networks.get_network_info("resnet_9blocks").shape()
    (shape.stride, shape.min_size)  # (4, 8)
    ```
    """

    stride: int
    min_size: int | None
    in_channels: int | None
    out_channels: int
    fixed_size: tuple | None
    latent_dim: int | None = None


def image_shape(input_shape, *, stride, min_size, out_channels):
    """The `NetworkShape` of an image network built on `input_shape`.

    For the registry's shape functions: `stride` and `min_size` are what the
    network takes at any size; a fixed `input_shape` makes it fixed-size
    (stride 1, no minimum, `fixed_size=(height, width)`), as `shape_of`
    reads it from the built model.

    Args:
        input_shape: tuple. `(height, width, channels)`, sizes `None` or not.
        stride: int. The stride at any size.
        min_size: int. The smallest square side at any size.
        out_channels: int. Output channels (1 for logits).

    Returns:
        A `NetworkShape`.

    Example:

    ```python
    from keras_gans.networks.shape import image_shape

    image_shape((None, None, 3), stride=4, min_size=8, out_channels=3).stride  # 4
    ```
    """
    height, width, channels = input_shape
    if height is not None and width is not None:
        return NetworkShape(1, None, channels, out_channels, (height, width))
    return NetworkShape(stride, min_size, channels, out_channels, None)


def smallest_multiple(stride, at_least):
    """The smallest multiple of `stride` that is >= `at_least`."""
    return stride * max(1, -(-at_least // stride))


def shape_of(model, *, allow_probe=True):
    """The `NetworkShape` of a built network, read from its layers.

    The stride and the minimum size come from integer arithmetic on the
    layers' configs (conv kernels, strides and paddings, `Conv2DTranspose`,
    `UpSampling2D` and `PixelShuffle` factors, `ReflectPad` /
    `ZeroPadding2D` amounts, skip concatenations whose two sides must
    agree), tried at every multiple of 1, 2, 4, ... 4096: the model is not
    called. This works for every `keras_gans` network, fresh or loaded from
    a `.keras` file. A model with a layer it does not know (a custom or
    subclassed model) falls back to `probe_shape`, which runs the model.

    Args:
        model: `keras.Model`. A built network on a `keras.Input` (a
            functional model, as `keras_gans.networks` builds).
        allow_probe: bool. Fall back to `probe_shape` for a model whose
            layers cannot be read; `False` raises a `ValueError` instead.
            Defaults to `True`.

    Returns:
        A `NetworkShape`.

    Example:

    ```python
    from keras_gans import networks

    generator = networks.create("unet_128", ngf=8)
    shape = networks.shape_of(generator)
    (shape.stride, shape.min_size, shape.out_channels)  # (128, 128, 3)
    ```
    """
    in_shape, out_shape = _io_shapes(model)
    trivial = _trivial_shape(in_shape, out_shape)
    if trivial is not None:
        return trivial
    try:
        stride, min_size = _static_stride(model)
    except _Unsupported as e:
        if not allow_probe:
            raise ValueError(
                f"shape_of cannot read model {model.name!r} from its layers ({e}); "
                "pass allow_probe=True to measure it by running it."
            ) from None
        return probe_shape(model)
    return NetworkShape(stride, min_size, in_shape[-1], out_shape[-1], None)


def probe_shape(model, *, max_stride=256):
    """The `NetworkShape` of a network, measured by running it (the fallback).

    The stride is the larger of (1) the smallest power of two `s` such that
    inputs whose sides are odd multiples of `s` pass Keras' shape inference
    (and, for an image-to-image generator, come out at the same size) and
    (2) for a functional model, input size / smallest feature map among its
    layers' outputs (Keras' shape inference does not check that the two
    sides of a skip concatenation agree, so (1) alone finds 4 for
    `unet_256`, whose stride is 256). The minimum size is the smallest
    multiple of the stride that the model runs on (zeros in, eagerly).

    Args:
        model: `keras.Model`. A built network with a known input shape.
        max_stride: int. The largest stride tried. Defaults to `256`.

    Returns:
        A `NetworkShape`.

    Example:

    ```python
    import keras
    from keras_gans import networks

    inputs = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(8, 3, strides=2, padding="same")(inputs)
    x = keras.layers.Conv2DTranspose(3, 3, strides=2, padding="same")(x)
    shape = networks.probe_shape(keras.Model(inputs, x))
    (shape.stride, shape.min_size)  # (2, 2)
    ```
    """
    in_shape, out_shape = _io_shapes(model)
    trivial = _trivial_shape(in_shape, out_shape)
    if trivial is not None:
        return trivial
    channels = in_shape[-1]
    image_to_image = len(out_shape) == 4 and _maps_size_to_itself(
        model, 3 * max_stride, 3 * max_stride, channels
    )
    stride = _probe_stride(model, channels, image_to_image, max_stride)
    min_size = _probe_min_size(model, stride, channels)
    return NetworkShape(stride, min_size, channels, out_shape[-1], None)


# --- input and output shapes --------------------------------------------------


def _io_shapes(model):
    try:
        in_shape = tuple(model.input_shape)
        out_shape = tuple(model.output_shape)
    except (AttributeError, ValueError) as e:
        raise ValueError(
            f"Model {model.name!r} has no known input shape: build it on a "
            "`keras.Input` (a functional model, as keras_gans networks are)."
        ) from e
    if any(isinstance(shape[0], (tuple, list)) for shape in (in_shape, out_shape)):
        raise ValueError(
            f"Model {model.name!r} must have one input and one output. Received: "
            f"input shape {in_shape}, output shape {out_shape}"
        )
    if len(in_shape) not in (2, 4) or in_shape[-1] is None:
        raise ValueError(
            f"Model {model.name!r} must take NHWC images with a known channel "
            f"count or (batch, latent_dim) noise. Received: input shape {in_shape}"
        )
    return in_shape, out_shape


def _trivial_shape(in_shape, out_shape):
    """The shape of a noise-input or fixed-size network, else None."""
    if len(in_shape) == 2:  # noise -> image
        size = tuple(out_shape[1:3]) if len(out_shape) == 4 else None
        channels = out_shape[-1]
        return NetworkShape(1, None, None, channels, size, latent_dim=in_shape[-1])
    height, width = in_shape[1:3]
    if height is None and width is None:
        return None
    if height is None or width is None:
        raise ValueError(
            f"A network must fix both height and width or neither. Received: "
            f"input shape {in_shape}"
        )
    return NetworkShape(1, None, in_shape[-1], out_shape[-1], (height, width))


# --- static analysis ----------------------------------------------------------


class _Unsupported(Exception):
    """The model has a layer or a graph that the static rules do not cover."""


class _Invalid(Exception):
    """The input size does not go through a layer (too small, sides differ)."""


def _static_stride(model):
    """`(stride, min_size)` from the layer arithmetic, or `_Unsupported`."""
    model = _functional(model)
    image_to_image = False
    big = 3 * _MAX_STRIDE
    try:
        out = _graph_sizes(model, [(big, big)])[0]
        image_to_image = out == (big, big)
    except _Invalid:
        pass
    cache = {}

    def valid(n):
        if n not in cache:
            try:
                out = _graph_sizes(model, [(n, n)])[0]
                cache[n] = not image_to_image or out == (n, n)
            except _Invalid:
                cache[n] = False
        return cache[n]

    stride = 1
    while stride <= _MAX_STRIDE:
        first = next(
            (k for k in range(1, _MAX_MULTIPLE + 1) if valid(k * stride)), None
        )
        if first is not None and all(
            valid(k * stride) for k in range(first, first + _WINDOW)
        ):
            return stride, first * stride
        stride *= 2
    raise _Unsupported(f"no stride up to {_MAX_STRIDE} gives valid sizes")


def _functional(model):
    """The functional graph of `model` (a `Sequential`'s inner one)."""
    model = getattr(model, "_functional", None) or model
    if not hasattr(model, "_nodes_by_depth"):
        raise _Unsupported(f"{type(model).__name__} {model.name!r} is not functional")
    return model


def _graph_sizes(model, input_sizes):
    """The spatial sizes of a functional model's outputs for `input_sizes`.

    A size is `(height, width)` for an NHWC tensor, None for any other.
    """
    sizes = {id(t): s for t, s in zip(model.inputs, input_sizes, strict=True)}
    for depth in sorted(model._nodes_by_depth, reverse=True):
        for node in model._nodes_by_depth[depth]:
            if node.operation is None or node.is_input:
                continue
            inputs = [sizes.get(id(t), _MISSING) for t in node.input_tensors]
            if any(s is _MISSING for s in inputs):
                raise _Unsupported(f"node of {node.operation.name!r} out of order")
            outputs = _layer_sizes(node.operation, inputs)
            for tensor, size in zip(node.outputs, outputs, strict=True):
                sizes[id(tensor)] = size
    return [sizes[id(t)] for t in model.outputs]


_MISSING = object()


def _layer_sizes(layer, inputs):
    """The output sizes of `layer` (a list) for its input sizes."""
    if isinstance(layer, keras.Model):
        return _graph_sizes(_functional(layer), inputs)
    spatial = [s for s in inputs if s is not None]
    if not spatial:  # vectors (after a global pooling or flatten)
        if isinstance(layer, _VECTOR_LAYERS):
            return [None]
        raise _Unsupported(f"layer {layer.name!r} ({type(layer).__name__})")
    if isinstance(layer, _MERGE_LAYERS):
        if len(spatial) != len(inputs):
            raise _Unsupported(f"layer {layer.name!r} merges images and vectors")
        if isinstance(layer, keras.layers.Concatenate) and layer.axis not in (-1, 3):
            raise _Unsupported(f"layer {layer.name!r} concatenates along space")
        if any(s != spatial[0] for s in spatial):
            raise _Invalid(f"{layer.name}: sides {spatial} differ")
        return [spatial[0]]
    if len(inputs) != 1:
        raise _Unsupported(f"layer {layer.name!r} takes {len(inputs)} inputs")
    return [_single_input_size(layer, inputs[0])]


def _single_input_size(layer, size):
    if isinstance(layer, _POINTWISE_LAYERS):
        return size
    if isinstance(
        layer, (keras.layers.GlobalAveragePooling2D, keras.layers.GlobalMaxPooling2D)
    ):
        return (1, 1) if layer.keepdims else None
    for cls, rule in _RULES:
        if isinstance(layer, cls):
            return rule(layer, size)
    raise _Unsupported(f"layer {layer.name!r} ({type(layer).__name__})")


def _chain(layers, size):
    for layer in layers:
        if layer is not None:
            size = _single_input_size(layer, size)
    return size


def _per_axis(size, fn, *params):
    """Apply `fn(n, *axis_params)` to each axis of `size`."""
    return tuple(fn(n, *p) for n, *p in zip(size, *params, strict=True))


def _check_format(layer):
    if getattr(layer, "data_format", "channels_last") != "channels_last":
        raise _Unsupported(f"layer {layer.name!r} is channels_first")


def _conv(layer, size):
    _check_format(layer)
    if layer.padding not in ("valid", "same"):
        raise _Unsupported(f"layer {layer.name!r} has padding={layer.padding!r}")

    def axis(n, k, s, d):
        k = (k - 1) * d + 1
        if layer.padding == "same":
            return -(-n // s)
        if n < k:
            raise _Invalid(f"{layer.name}: {n} < kernel {k}")
        return (n - k) // s + 1

    return _per_axis(size, axis, layer.kernel_size, layer.strides, layer.dilation_rate)


def _conv_transpose(layer, size):
    _check_format(layer)
    output_padding = layer.output_padding or (None, None)

    def axis(n, k, s, d, op):
        k = (k - 1) * d + 1
        if op is None:
            return n * s + max(k - s, 0) if layer.padding == "valid" else n * s
        pad = 0 if layer.padding == "valid" else k // 2
        return (n - 1) * s + k - 2 * pad + op

    return _per_axis(
        size,
        axis,
        layer.kernel_size,
        layer.strides,
        layer.dilation_rate,
        output_padding,
    )


def _pooling(layer, size):
    _check_format(layer)

    def axis(n, k, s):
        if layer.padding == "same":
            return -(-n // s)
        if n < k:
            raise _Invalid(f"{layer.name}: {n} < pool {k}")
        return (n - k) // s + 1

    return _per_axis(size, axis, layer.pool_size, layer.strides)


def _pad(pairs, size, limit=None, name=""):
    if limit is not None and any(
        p > n - limit for n, pair in zip(size, pairs) for p in pair
    ):
        raise _Invalid(f"{name}: padding {pairs} too large for {size}")
    return tuple(n + a + b for n, (a, b) in zip(size, pairs))


def _reflect_pad(layer, size):
    # tf.pad: REFLECT needs padding < size, SYMMETRIC padding <= size.
    limit = {"reflect": 1, "symmetric": 0}.get(layer.mode)
    return _pad(layer.padding, size, limit, layer.name)


def _zero_pad(layer, size):
    _check_format(layer)
    return _pad(layer.padding, size)


def _crop(layer, size):
    _check_format(layer)
    out = tuple(n - a - b for n, (a, b) in zip(size, layer.cropping))
    if min(out) < 1:
        raise _Invalid(f"{layer.name}: cropped to {out}")
    return out


def _upsampling(layer, size):
    _check_format(layer)
    return _per_axis(size, lambda n, f: n * f, layer.size)


def _pixel_shuffle(layer, size):
    return tuple(n * layer.upscale_factor for n in size)


def _downsample_block(layer, size):
    return _chain([layer.pad, layer.conv], size)


def _upsample_block(layer, size):
    if layer.mode == "transpose":  # a valid transposed conv cropped to 2H
        return tuple(2 * n for n in size)
    return _chain([layer.upsample, layer.pad, layer.conv, layer.shuffle], size)


def _residual_block(layer, size):
    body = _chain([layer.pad1, layer.conv1, layer.pad2, layer.conv2], size)
    skip = _chain([layer.proj_conv], size)
    if body != skip:
        raise _Invalid(f"{layer.name}: body {body} and skip {skip} differ")
    return body


def _spectral(layer, size):
    return _single_input_size(layer.layer, size)


# Checked in order: subclasses before their bases.
_RULES = (
    (keras.layers.Conv2DTranspose, _conv_transpose),
    (keras.layers.Conv2D, _conv),
    (keras.layers.DepthwiseConv2D, _conv),
    (keras.layers.SeparableConv2D, _conv),
    (keras.layers.SpectralNormalization, _spectral),
    (keras.layers.MaxPooling2D, _pooling),
    (keras.layers.AveragePooling2D, _pooling),
    (ReflectPad, _reflect_pad),
    (keras.layers.ZeroPadding2D, _zero_pad),
    (keras.layers.Cropping2D, _crop),
    (keras.layers.UpSampling2D, _upsampling),
    (PixelShuffle, _pixel_shuffle),
    (DownsampleBlock, _downsample_block),
    (UpsampleBlock, _upsample_block),
    (ResidualBlock, _residual_block),
)

# Layers whose output has their input's spatial size.
_POINTWISE_LAYERS = (
    keras.layers.Activation,
    keras.layers.ReLU,
    keras.layers.LeakyReLU,
    keras.layers.ELU,
    keras.layers.PReLU,
    keras.layers.Softmax,
    keras.layers.BatchNormalization,
    keras.layers.LayerNormalization,
    keras.layers.GroupNormalization,  # and keras_gans' InstanceNormalization
    keras.layers.UnitNormalization,
    keras.layers.Dropout,
    keras.layers.SpatialDropout2D,
    keras.layers.GaussianNoise,
    keras.layers.GaussianDropout,
    keras.layers.Identity,
    keras.layers.Rescaling,
    keras.layers.Dense,
    PixelwiseViT,
)

# Layers of several inputs that must have the same spatial size.
_MERGE_LAYERS = (
    keras.layers.Add,
    keras.layers.Subtract,
    keras.layers.Multiply,
    keras.layers.Average,
    keras.layers.Maximum,
    keras.layers.Minimum,
    keras.layers.Concatenate,
    ResidualOutput,
)

# Layers that are fine on vectors (batch, features).
_VECTOR_LAYERS = (
    keras.layers.Dense,
    keras.layers.Flatten,
    keras.layers.Activation,
    keras.layers.ReLU,
    keras.layers.LeakyReLU,
    keras.layers.Dropout,
    keras.layers.Identity,
    keras.layers.BatchNormalization,
    keras.layers.LayerNormalization,
)


# --- the probe (fallback) -----------------------------------------------------


def _maps_size_to_itself(model, height, width, channels):
    spec = keras.KerasTensor((1, height, width, channels), dtype="float32")
    try:
        out = model.compute_output_spec(spec)
    except Exception:  # a U-Net whose skip shapes do not line up, etc.
        return False
    return tuple(out.shape[1:3]) == (height, width)


def _runs_symbolically(model, height, width, channels):
    spec = keras.KerasTensor((1, height, width, channels), dtype="float32")
    try:
        model.compute_output_spec(spec)
    except Exception:
        return False
    return True


def _downsampling_factor(model, channels, size=512):
    """Input size / smallest feature map, from the output shapes of a
    functional model's layers at two input sizes (only feature maps whose
    size follows the input's count: not a global-pooling branch). None when
    the model's layers cannot be read that way."""
    outputs = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        try:
            output = layer.output  # fails for a layer called more than once
        except (AttributeError, ValueError):
            continue
        outputs += [t for t in keras.tree.flatten(output) if len(t.shape) == 4]
    if not outputs:
        return None
    try:
        probe = keras.Model(model.inputs, outputs)
        small, large = (
            keras.tree.flatten(
                probe.compute_output_spec(
                    keras.KerasTensor((1, s, s, channels), dtype="float32")
                )
            )
            for s in (size, 2 * size)
        )
    except Exception:  # a subclassed model, a graph that cannot be split, ...
        return None
    scaling = [a.shape[1] for a, b in zip(small, large) if b.shape[1] == 2 * a.shape[1]]
    if not scaling or min(scaling) < 1 or size % min(scaling):
        return None
    return size // min(scaling)


def _probe_stride(model, channels, image_to_image, max_stride):
    """The smallest power of two whose odd multiples pass shape inference
    (mapped to themselves for a generator), raised to the downsampling
    factor of a generator's deepest feature map."""
    check = _maps_size_to_itself if image_to_image else _runs_symbolically
    stride = 1
    while stride <= max_stride:
        # Two different odd multiples, large enough for reflect paddings.
        if check(model, stride * 33, stride * 35, channels):
            if not image_to_image:
                return stride
            factor = _downsampling_factor(model, channels)
            if factor is not None and factor > stride:
                if factor > max_stride:
                    break
                stride = factor
            return stride
        stride *= 2
    raise ValueError(
        f"Model {model.name!r} takes no size that is a multiple of a power of "
        f"two up to max_stride={max_stride}"
        + (" to the same size." if image_to_image else ".")
    )


def _probe_min_size(model, stride, channels, limit=64):
    """Smallest multiple of `stride` that the model runs on (its reflect
    paddings need each feature map to be larger than the padding)."""
    for k in range(1, limit + 1):
        size = k * stride
        if not _runs_symbolically(model, size, size, channels):
            continue
        try:
            model(np.zeros((1, size, size, channels), "float32"), training=False)
        except Exception:  # e.g. InvalidArgumentError from a too-large reflect pad
            continue
        return size
    raise ValueError(
        f"Model {model.name!r} fails on every square input up to "
        f"{limit * stride}x{limit * stride}."
    )
