"""The one inference path: images of any size through an image generator.

`ImageTranslator` reflect-pads each image to a multiple of the generator's
stride and crops the output back, resizes images for a generator with a
fixed input size, converts pixel ranges (uint8 / uint16 <-> [-1, 1], through
`keras_gans.imaging`) and runs the generator in batches. `keras-gans
translate`, `keras-gans evaluate` and the SavedModel / ONNX graphs of
`keras_gans.export` all go through it (the export graphs call its tensor
methods, `pad` and `crop`).

The pieces are split so that tiling can be added later: `translate_floats`
cuts a batch into generator calls (`_run_batches`), each of which pads,
runs and crops (`translate_tensor`).
"""

import keras
import numpy as np

from keras_gans import imaging, networks

__all__ = ["ImageTranslator", "generator_shape", "pad", "pad_amounts"]


def pad_amounts(height, width, stride):
    """`(top, bottom, left, right)` padding that makes a size a multiple of `stride`.

    Works on Python ints and on integer tensors (graph code). Written
    `(s - h % s) % s`, not `(-h) % s`: tf2onnx turns FloorMod of a negative
    number into a truncating Mod, which gives a negative padding.

    Args:
        height: int or integer tensor.
        width: int or integer tensor.
        stride: int. The multiple the generator needs.

    Returns:
        A tuple of four ints (or tensors); the padding is split evenly, the
        odd pixel at the bottom / right.

    Example:

    ```python
    from keras_gans.inference import pad_amounts

    pad_amounts(21, 30, 4)  # (1, 2, 1, 1)
    ```
    """
    pad_h = (stride - height % stride) % stride
    pad_w = (stride - width % stride) % stride
    return pad_h // 2, pad_h - pad_h // 2, pad_w // 2, pad_w - pad_w // 2


def pad(images, stride):
    """Reflect-pad NHWC `images` (array or tensor) to a multiple of `stride`.

    Args:
        images: NHWC array or tensor (graph tensors included).
        stride: int.

    Returns:
        `(padded, (top, left))`: the padded images and the offsets that
        `crop` takes.

    Example:

    ```python
    import numpy as np
    from keras_gans.inference import pad

    padded, offsets = pad(np.zeros((1, 21, 30, 3), "float32"), 4)
    padded.shape, offsets  # (1, 24, 32, 3), (1, 1)
    ```
    """
    shape = keras.ops.shape(images)
    top, bottom, left, right = pad_amounts(shape[1], shape[2], stride)
    widths = [[0, 0], [top, bottom], [left, right], [0, 0]]
    return keras.ops.pad(images, widths, mode="reflect"), (top, left)


def crop(images, offsets, height, width):
    """The `height` x `width` window of NHWC `images` at `offsets` (from `pad`).

    Example:

    ```python
    import numpy as np
    from keras_gans.inference import crop, pad

    x = np.zeros((1, 21, 30, 3), "float32")
    padded, offsets = pad(x, 4)
    crop(padded, offsets, 21, 30).shape  # (1, 21, 30, 3)
    ```
    """
    top, left = offsets
    return images[:, top : top + height, left : left + width, :]


def check_positive_int(name, value):
    """Raise a `ValueError` quoting `name` unless `value` is an int >= 1."""
    if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < 1:
        raise ValueError(
            f"`{name}` must be a positive integer. Received: {name}={value!r}"
        )


def _pixel_dtype(array):
    """`"uint8"` / `"uint16"` for pixel arrays, `None` for floats in [-1, 1]."""
    name = str(array.dtype)
    return name if name in imaging.MAX_VALUES else None


class ImageTranslator:
    """Translate images of any size with an image-to-image generator.

    Each image is reflect-padded to a multiple of the generator's stride,
    translated and cropped back, so every output has its input's size. A
    generator with a fixed input size gets the images resized to it
    (bicubic) and the outputs resized back. uint8 and uint16 pixels are
    converted to [-1, 1] and back (`keras_gans.imaging`); float input is
    taken as [-1, 1] and float32 comes out.

    Args:
        generator: `keras.Model`. Images in [-1, 1] -> images in [-1, 1].
        stride: int or None. The multiple heights and widths must be.
            Defaults to `None`: the generator's own (`generator_shape`).
        batch_size: int. Images per generator call. Defaults to `32`.
        interpolation: str. Resampling for a fixed-size generator.
            Defaults to `"bicubic"`.
        call: callable or None. What runs the generator on an NHWC batch
            (e.g. a traced `tf.function` in an export graph). Defaults to
            `None`: `generator(x, training=False)`.

    Example:

    ```python
    import numpy as np
    from keras_gans import networks
    from keras_gans.inference import ImageTranslator

    translate = ImageTranslator(networks.create("resnet_6blocks", ngf=8))
    out = translate(np.zeros((37, 51, 3), "uint8"))  # (37, 51, 3) uint8
    batch = translate(np.zeros((2, 20, 24, 3), "float32"))  # float32 [-1, 1]
    ```
    """

    def __init__(
        self,
        generator,
        *,
        stride=None,
        batch_size=32,
        interpolation="bicubic",
        call=None,
    ):
        check_positive_int("batch_size", batch_size)
        self.generator = generator
        self.batch_size = batch_size
        self.interpolation = interpolation
        shape = generator_shape(generator)
        self.fixed_size = shape.fixed_size
        self.channels = shape.in_channels
        self.stride = shape.stride if stride is None else int(stride)
        # The smallest padded side the generator runs on.
        self.min_size = 1 if shape.fixed_size else shape.min_size
        self._call = call or (lambda x: generator(x, training=False))

    def __call__(self, images):
        """`(H, W, C)` or `(N, H, W, C)` pixels or floats -> the same shape and kind."""
        x = np.asarray(keras.ops.convert_to_numpy(images))
        if x.ndim not in (3, 4):
            raise ValueError(
                f"`images` must be (n, H, W, C) or (H, W, C). Received shape: {x.shape}"
            )
        pixels = _pixel_dtype(x)
        single = x.ndim == 3
        x = x[None] if single else x
        if pixels:
            x = imaging.to_unit_range(x.astype("float32"), pixels)
        y = self.translate_floats(x.astype("float32"))
        if pixels:
            y = imaging.to_uint16(y) if pixels == "uint16" else imaging.to_uint8(y)
        return y[0] if single else y

    def translate_floats(self, images):
        """float32 `(N, H, W, C)` in [-1, 1] -> numpy float32, same shape."""
        if images.shape[-1] != self.channels:
            raise ValueError(
                f"the generator takes {self.channels}-channel images. Received: "
                f"{images.shape[-1]} channels"
            )
        h, w = images.shape[1:3]
        if self.fixed_size is None:
            self._check_size(h, w)
            return self._run_batches(images, (h, w))
        if (h, w) == self.fixed_size:
            return self._run_batches(images, (h, w))
        resize = keras.ops.image.resize
        x = resize(images, self.fixed_size, interpolation=self.interpolation)
        y = self._run_batches(keras.ops.clip(x, -1.0, 1.0), (h, w))
        y = resize(y, (h, w), interpolation=self.interpolation)
        return np.clip(keras.ops.convert_to_numpy(y), -1.0, 1.0)

    def _check_size(self, h, w):
        s = self.stride
        top, bottom, left, right = pad_amounts(h, w, s)
        too_small = min(h + top + bottom, w + left + right) < self.min_size
        if too_small or top + bottom >= h or left + right >= w:
            raise ValueError(
                f"image of {h}x{w} is too small for a generator of stride {s} "
                f"(at least {self.min_size}x{self.min_size})"
            )

    def _run_batches(self, images, size):
        outputs = [
            self._run(images[i : i + self.batch_size], size)
            for i in range(0, len(images), self.batch_size)
        ]
        return np.concatenate(outputs, axis=0)

    def _run(self, x, size):
        try:
            y = self.translate_tensor(x)
        except Exception as e:  # noqa: BLE001 - e.g. a reflect pad larger than the map
            message = " ".join(str(e).split())[:500] or e.__class__.__name__
            raise ValueError(
                "the generator cannot translate an image of "
                f"{size[0]}x{size[1]}: {message}"
            ) from e
        return keras.ops.convert_to_numpy(y).astype("float32")

    def translate_tensor(self, x):
        """NHWC tensor in [-1, 1] -> pad to the stride, run, crop (graph-safe)."""
        if self.stride == 1:
            return self._call(x)
        shape = keras.ops.shape(x)
        padded, offsets = pad(x, self.stride)
        return crop(self._call(padded), offsets, shape[1], shape[2])


# === The generator's shape ===


def generator_shape(generator):
    """The `keras_gans.networks.NetworkShape` of an image-to-image generator.

    Read from the generator's layers by `keras_gans.networks.shape_of` (no
    test model is built), then checked: the generator must take images and
    give images of the input's size.

    Args:
        generator: `keras.Model`. A built image-to-image generator.

    Returns:
        A `NetworkShape` (`stride`, `min_size`, `fixed_size`, channels).

    Example:

    ```python
    from keras_gans import networks
    from keras_gans.inference import generator_shape

    shape = generator_shape(networks.create("resnet_6blocks", ngf=8))
    (shape.stride, shape.min_size)  # (4, 8)
    ```
    """
    shape = networks.shape_of(generator)
    name = getattr(generator, "name", type(generator).__name__)
    if shape.in_channels is None:
        raise ValueError(
            f"Generator {name!r} takes noise, not images: an image-to-image "
            "generator is needed."
        )
    size = shape.fixed_size or (max(shape.min_size, 16 * shape.stride),) * 2
    spec = keras.KerasTensor((1, *size, shape.in_channels), dtype="float32")
    try:
        out = tuple(generator.compute_output_spec(spec).shape)
    except Exception:  # noqa: BLE001 - any shape error
        out = None
    if out is None or len(out) != 4 or tuple(out[1:3]) != tuple(size):
        raise ValueError(
            f"Generator {name!r} does not map its {size[0]}x{size[1]} input to an "
            "image of the same size: an image-to-image generator is needed."
        )
    return shape
