"""The one inference path: images of any size through an image generator.

`ImageTranslator` reflect-pads each image to a multiple of the generator's
stride and crops the output back, resizes images for a generator with a
fixed input size, converts pixel ranges (uint8 / uint16 <-> [-1, 1], through
`keras_gans.imaging`) and runs the generator in batches. `keras-gans
translate`, `keras-gans evaluate` and the SavedModel / ONNX graphs of
`keras_gans.export` all go through it (the export graphs call its tensor
methods, `pad` and `crop`).

`translate_floats` cuts a batch into generator calls (`_run_batches`), each
of which pads, runs and crops (`translate_tensor`). With `tile_size`, each
image is instead cut into overlapping tiles that are translated
`batch_size` at a time and blended back (`_translate_tiled`, `tile_windows`),
so the generator's memory is bounded by the tile, not by the image.
"""

import keras
import numpy as np

from keras_gans import imaging, networks
from keras_gans._checks import check_int

__all__ = [
    "ImageTranslator",
    "check_tiling",
    "generator_shape",
    "pad",
    "pad_amounts",
    "tile_windows",
]


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
    amounts = (top, bottom, left, right)
    if all(isinstance(a, int) and a == 0 for a in amounts):
        # Nothing to pad (and PyTorch's reflect pad rejects all-zero widths).
        return images, (0, 0)
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


def check_tiling(tile_size, tile_overlap):
    """Check the tiling arguments of `ImageTranslator`.

    Raises a `ValueError` quoting the argument at fault.

    Args:
        tile_size: int or None. None (no tiles) or an int >= 1.
        tile_overlap: int or None. None (the default overlap) or an int in
            `[0, tile_size)`; None without `tile_size`.

    Example:

    ```python
    from keras_gans.inference import check_tiling

    check_tiling(256, 64)  # fine
    check_tiling(None, None)  # fine: no tiles
    ```
    """
    if tile_size is None:
        if tile_overlap is not None:
            raise ValueError(
                "`tile_overlap` needs a `tile_size`. Received: "
                f"tile_size=None, tile_overlap={tile_overlap!r}"
            )
        return
    tile_size = check_int("tile_size", tile_size)
    if tile_overlap is None:
        return
    integer = isinstance(tile_overlap, int | np.integer) and not isinstance(
        tile_overlap, bool
    )
    if not integer or not 0 <= tile_overlap < tile_size:
        raise ValueError(
            "`tile_overlap` must be an integer in [0, tile_size). Received: "
            f"tile_overlap={tile_overlap!r}, tile_size={tile_size}"
        )


def tile_windows(size, tile, overlap):
    """Tile starts along one axis and each tile's blending weights.

    Tiles of length `tile` start every `tile - overlap` pixels, the last one
    flush with the end of the axis. Along an edge shared with another tile,
    a tile's weight is 0 over the outer quarter of the overlap, rises as a
    raised cosine over the middle half and is 1 beyond; edges on the
    image's border keep weight 1. Two tiles overlapping by `overlap` then
    cross-fade with weights summing to 1, and a tile's outer `overlap / 4`
    pixels (where its output sees its own border instead of the image) are
    not used.

    Args:
        size: int. The axis length (one tile of `size` if not above `tile`).
        tile: int. The tile length.
        overlap: int. The overlap of neighbouring tiles, in `[0, tile)`.

    Returns:
        `(starts, weights)`: a list of ints and a list of float32 arrays of
        length `tile`.

    Example:

    ```python
    from keras_gans.inference import tile_windows

    starts, weights = tile_windows(100, 48, 16)
    starts  # [0, 32, 52]
    ```
    """
    if size <= tile:
        return [0], [np.ones(size, "float32")]
    starts = list(range(0, size - tile, tile - overlap)) + [size - tile]
    distance = np.arange(tile, dtype="float32") + 0.5
    ramp = np.ones(tile, "float32")
    if overlap > 0:
        t = np.clip((distance - overlap / 4) / (overlap / 2), 0.0, 1.0)
        ramp = (0.5 - 0.5 * np.cos(np.pi * t)).astype("float32")
    weights = []
    for start in starts:
        w = np.ones(tile, "float32")
        if start > 0:
            w = w * ramp
        if start + tile < size:
            w = w * ramp[::-1]
        weights.append(w)
    return starts, weights


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
        tile_size: int or None. Translate each image in overlapping tiles of
            this side (rounded up to a multiple of the stride and to the
            generator's minimum size), `batch_size` tiles per generator
            call, and blend them (`tile_windows`): the generator's memory is
            that of a tile, whatever the image's size. Only for fully
            convolutional generators. Defaults to `None`: whole images.
        tile_overlap: int or None. Pixels shared by neighbouring tiles
            (rounded up to a multiple of the stride), less than `tile_size`.
            The outer quarter of the overlap is dropped and the middle half
            cross-faded, so a generator whose receptive field reaches less
            than `tile_overlap / 4` pixels gives the whole-image result;
            with instance norm each tile has its own statistics and the
            result is close, not equal. Defaults to `None`: `tile_size // 4`.

    Example:

    ```python
    import numpy as np
    from keras_gans import networks
    from keras_gans.inference import ImageTranslator

    translate = ImageTranslator(networks.create("resnet_6blocks", ngf=8))
    out = translate(np.zeros((37, 51, 3), "uint8"))  # (37, 51, 3) uint8
    batch = translate(np.zeros((2, 20, 24, 3), "float32"))  # float32 [-1, 1]
    tiled = ImageTranslator(translate.generator, tile_size=32, tile_overlap=8)
    big = tiled(np.zeros((70, 90, 3), "uint8"))  # 12 tiles of 32x32
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
        tile_size=None,
        tile_overlap=None,
    ):
        batch_size = check_int("batch_size", batch_size)
        check_tiling(tile_size, tile_overlap)
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
        self.tile_size, self.tile_overlap = self._tiling(tile_size, tile_overlap)

    def _tiling(self, tile_size, overlap):
        """`(tile_size, tile_overlap)` rounded up to the stride, or `(None, None)`."""
        if tile_size is None:
            return None, None
        if self.fixed_size:
            h, w = self.fixed_size
            raise ValueError(
                f"`tile_size` needs a fully convolutional generator; this one "
                f"takes only {h}x{w} inputs (images are resized to it instead). "
                f"Received: tile_size={tile_size}"
            )
        s = self.stride
        tile = s * -(-max(tile_size, self.min_size) // s)
        rounded = s * -(-(tile_size // 4 if overlap is None else overlap) // s)
        if rounded >= tile:
            raise ValueError(
                f"`tile_overlap` rounded up to the stride ({s}) is {rounded}, not "
                f"less than the tile ({tile}). Received: tile_size={tile_size}, "
                f"tile_overlap={overlap}"
            )
        return tile, rounded

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
            self.check_size(h, w)
            if self.tile_size:
                return np.stack([self._translate_tiled(image) for image in images])
            return self._run_batches(images, (h, w))
        if (h, w) == self.fixed_size:
            return self._run_batches(images, (h, w))
        resize = keras.ops.image.resize
        x = resize(images, self.fixed_size, interpolation=self.interpolation)
        y = self._run_batches(keras.ops.clip(x, -1.0, 1.0), (h, w))
        y = resize(y, (h, w), interpolation=self.interpolation)
        return np.clip(keras.ops.convert_to_numpy(y), -1.0, 1.0)

    def check_size(self, h, w):
        """Raise a `ValueError` unless the generator can translate `h` x `w` images.

        Args:
            h: int. The image height.
            w: int. The image width.

        Example:

        ```python
        from keras_gans import networks
        from keras_gans.inference import ImageTranslator

        translate = ImageTranslator(networks.create("resnet_6blocks", ngf=4))
        translate.check_size(21, 30)  # fine; (2, 2) raises "too small"
        ```
        """
        s = self.stride
        top, bottom, left, right = pad_amounts(h, w, s)
        too_small = min(h + top + bottom, w + left + right) < self.min_size
        if too_small or top + bottom >= h or left + right >= w:
            raise ValueError(
                f"image of {h}x{w} is too small for a generator of stride {s} "
                f"(at least {self.min_size}x{self.min_size})"
            )

    def _translate_tiled(self, image):
        """One `(H, W, C)` float image in overlapping tiles, blended."""
        h, w = image.shape[:2]
        top, bottom, left, right = pad_amounts(h, w, self.stride)
        x = np.pad(image, [[top, bottom], [left, right], [0, 0]], mode="reflect")
        (rows, row_w), (cols, col_w) = (
            tile_windows(n, min(self.tile_size, n), self.tile_overlap)
            for n in x.shape[:2]
        )
        th, tw = len(row_w[0]), len(col_w[0])
        boxes = [(i, j) for i in range(len(rows)) for j in range(len(cols))]
        out, total = None, np.zeros((*x.shape[:2], 1), "float32")
        for k in range(0, len(boxes), self.batch_size):
            chunk = boxes[k : k + self.batch_size]
            tiles = np.stack([x[rows[i] :][:th, cols[j] :][:, :tw] for i, j in chunk])
            y = self._run(tiles, (th, tw))
            if out is None:
                out = np.zeros((*x.shape[:2], y.shape[-1]), "float32")
            for (i, j), tile in zip(chunk, y):
                weight = (row_w[i][:, None] * col_w[j][None, :])[..., None]
                window = (slice(rows[i], rows[i] + th), slice(cols[j], cols[j] + tw))
                out[window] += tile * weight
                total[window] += weight
        return (out / total)[top : top + h, left : left + w]

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
