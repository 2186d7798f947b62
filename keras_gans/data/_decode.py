"""Decoding encoded image bytes to pixels of a chosen channel count and depth,
inside tf.data graphs.

`tf.io.decode_image` does most of the work. Three things it gets wrong or
leaves to the caller are fixed here:

- the channel count varies (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA): gray is
  repeated to RGB and alpha is composited on a background (white by default);
- an 8-bit palette BMP comes back as its palette *indices* (one channel): the
  palette is read from the BMP header and applied;
- WebP with an alpha channel comes back as RGB unless 4 channels are asked for,
  so the alpha flag is read from the WebP header; an animated WebP can corrupt
  memory in TF's decoder (observed with TF 2.21), so it is refused before
  decoding.

`decode_pixels` also reads 16-bit PNGs at full precision, and TIFF and NumPy
`.npy` arrays (through `tifffile` / `numpy` in a `tf.numpy_function`), and
gives any channel count: the same count as stored is kept as it is (RGBA too),
and 1 (gray), 2 (gray + alpha), 3 (RGB) and 4 (RGBA) convert into each other
(`convertible`). `decode_rgb` is `decode_pixels(contents, 3, "uint8")`; a
16-bit PNG is then reduced to 8 bits by libpng.
"""

import functools
import io

import numpy as np
import tensorflow as tf

from keras_gans._checks import check_choice

ALPHA_MODES = ("white", "black", "drop")

_HEADER_LEN = 64

# Byte signatures checked in one vectorized comparison: (offset, bytes) pieces.
_SIGNATURES = (
    ((0, b"BM"), (28, b"\x08\x00")),  # BMP with 8 bits per pixel (palette)
    ((0, b"RIFF"), (8, b"WEBPVP8X")),  # extended WebP (flags at byte 20)
    ((0, b"RIFF"), (8, b"WEBPVP8L")),  # lossless WebP (alpha bit in byte 24)
)
_TEMPLATE = np.zeros((len(_SIGNATURES), _HEADER_LEN), np.int64)
_IGNORED = np.ones((len(_SIGNATURES), _HEADER_LEN), bool)
for _row, _pieces in enumerate(_SIGNATURES):
    for _offset, _bytes in _pieces:
        _TEMPLATE[_row, _offset : _offset + len(_bytes)] = list(_bytes)
        _IGNORED[_row, _offset : _offset + len(_bytes)] = False


def _header_bytes(contents):
    """The first bytes as an int64 vector, zero-padded so every read is in range."""
    head = tf.strings.substr(contents, 0, _HEADER_LEN) + (b"\0" * _HEADER_LEN)
    head = tf.strings.substr(head, 0, _HEADER_LEN)
    return tf.cast(tf.io.decode_raw(head, tf.uint8), tf.int64)


def _uint32(head, pos):
    """The little-endian uint32 at `pos` of the header vector."""
    return tf.reduce_sum(head[pos : pos + 4] * np.array([1, 256, 65536, 16777216]))


def _apply_bmp_palette(indices, contents, head):
    """Map the (H, W, 1) palette indices of an 8-bit BMP to (H, W, 3) RGB."""
    dib_size = _uint32(head, 14)
    n_colors = _uint32(head, 46)
    n_colors = tf.where(n_colors == 0, np.int64(256), tf.minimum(n_colors, 256))
    table = tf.io.decode_raw(
        tf.strings.substr(contents, 14 + dib_size, n_colors * 4), tf.uint8
    )
    table = tf.reverse(tf.reshape(table, (-1, 4))[:, :3], axis=[1])  # BGRX -> RGB
    table = tf.pad(table, [[0, 256 - tf.shape(table)[0]], [0, 0]])
    return tf.gather(table, tf.cast(indices[..., 0], tf.int32))


#: The depths (stage-1 pixel dtypes) of `decode_pixels`: integer pixels of
#: their full range, or float32 already in [-1, 1].
DEPTHS = ("uint8", "uint16", "float32")

_MAX = {"uint8": 255.0, "uint16": 65535.0}

#: Array dtypes read from TIFF and .npy files, by depth code (see `array_info`).
_ARRAY_DTYPES = {"uint8": 0, "uint16": 1, "float16": 2, "float32": 2, "float64": 2}


def _unit(image, dtype):
    """Pixels of `dtype` -> float32 in [0, 1]."""
    image = tf.cast(image, tf.float32)
    if dtype == "float32":
        return (image + 1.0) / 2.0
    return image / _MAX[dtype]


def _from_unit(image, dtype):
    """float32 in [0, 1] -> pixels of `dtype` (rounded, clipped)."""
    image = tf.clip_by_value(image, 0.0, 1.0)
    if dtype == "float32":
        return image * 2.0 - 1.0
    return tf.cast(tf.round(image * _MAX[dtype]), dtype)


def _composite(color, alpha, alpha_mode, dtype):
    """Composite `color` over a background using `alpha` (both of `dtype`)."""
    if alpha_mode == "drop":
        return color
    background = 1.0 if alpha_mode == "white" else 0.0
    a = _unit(alpha, dtype)
    return _from_unit(_unit(color, dtype) * a + background * (1.0 - a), dtype)


def _luma(rgb, dtype):
    """(H, W, 3) -> (H, W, 1): ITU-R BT.601 luma (`tf.image.rgb_to_grayscale`)."""
    weights = tf.constant([0.2989, 0.5870, 0.1140], tf.float32)
    gray = tf.reduce_sum(_unit(rgb, dtype) * weights, axis=-1, keepdims=True)
    return _from_unit(gray, dtype)


def convertible(stored, channels):
    """Whether an image of `stored` channels can give `channels` channels.

    The same count always can; 1 (gray), 2 (gray + alpha), 3 (RGB) and 4
    (RGBA) convert into each other; other counts (multi-band TIFF or .npy
    arrays) must match exactly.
    """
    return stored == channels or (1 <= stored <= 4 and 1 <= channels <= 4)


def to_channels(image, channels, alpha="white", dtype="uint8"):
    """(H, W, c) pixels of `dtype`, any c -> (H, W, `channels`) (graph code).

    Gray is repeated to RGB, alpha composited (see `alpha`) when the result
    has no alpha channel, RGB made gray by its BT.601 luma, an opaque alpha
    added when one is asked for and the image has none. A count that cannot
    be converted (`convertible`) fails with an `InvalidArgumentError`.
    """
    opaque = 255.0 if dtype == "uint8" else (65535.0 if dtype == "uint16" else 1.0)

    def color(x):  # (H, W, 1 or 3) with alpha composited, of 1..4 channels
        c = x.shape[-1]
        if c in (2, 4):
            return _composite(x[..., : c - 1], x[..., c - 1 :], alpha, dtype)
        return x

    def alpha_of(x):
        c = x.shape[-1]
        if c in (2, 4):
            return x[..., c - 1 :]
        return tf.fill(tf.concat([tf.shape(x)[:2], [1]], 0), tf.cast(opaque, dtype))

    def convert(c):
        def branch():
            x = tf.ensure_shape(image, [None, None, c])
            if c == channels:
                return x
            if channels in (1, 3):
                x = color(x)
                if channels == 1 and x.shape[-1] == 3:
                    return _luma(x, dtype)
                return tf.concat([x] * 3, axis=-1) if x.shape[-1] == 1 else x
            gray = x[..., :1] if c < 3 else _luma(x[..., :3], dtype)
            base = gray if channels == 2 else (x[..., :3] if c >= 3 else None)
            if base is None:
                base = tf.concat([gray] * 3, axis=-1)  # (no uint16 tf.tile)
            return tf.concat([base, alpha_of(x)], axis=-1)

        return branch

    def unconvertible():
        stored = tf.shape(image)[-1]
        ok = tf.equal(stored, channels)
        check = tf.debugging.Assert(
            ok, ["image has", stored, f"channels, which cannot give {channels}"]
        )
        with tf.control_dependencies([check]):
            return tf.identity(image)

    if channels > 4:
        out = unconvertible()
    else:
        branches = [convert(c) for c in range(1, 5)]
        out = tf.switch_case(tf.shape(image)[-1] - 1, branches, default=unconvertible)
    return tf.ensure_shape(out, [None, None, channels])


def decode_pixels(contents, channels=3, dtype="uint8", alpha="white", arrays=True):
    """Decode encoded image bytes into an (H, W, `channels`) pixel tensor.

    Graph-friendly (use it inside `tf.data` maps). Reads what `decode_rgb`
    reads, plus 16-bit PNG at full precision and TIFF and NumPy `.npy`
    arrays of any channel count (see "Reading images" in `keras_gans.data`
    for the rules). An image with the asked channel count is kept as it is
    (RGBA keeps its alpha); 1, 2, 3 and 4 channels convert into each other
    (gray repeated, alpha composited on `alpha` when the result has none,
    RGB to gray by its BT.601 luma).

    Args:
        contents: string scalar tensor. The encoded file contents.
        channels: int. The channel count of the result. Defaults to `3`.
        dtype: str. `"uint8"`, `"uint16"` (8-bit images scaled by 257, an
            exact map of 0..255 onto 0..65535) or `"float32"` (values in
            [-1, 1]). Defaults to `"uint8"`.
        alpha: str. `"white"`, `"black"` or `"drop"`, as in `decode_rgb`.
            Defaults to `"white"`.
        arrays: bool. Read TIFF and `.npy` too (a `tf.numpy_function` in
            the graph); `False` leaves it out of the graph. Defaults to
            `True`.

    Returns:
        A tensor of `dtype` and shape (H, W, `channels`).

    Example:
    ```python
    import numpy as np
    import tensorflow as tf
    from keras_gans import data

    deep = tf.io.encode_png(np.full((4, 5, 1), 1001, np.uint16))
    print(data.decode_pixels(deep, 1, "uint16").numpy()[0, 0])  # [1001]
    ```
    """
    _check_decode_arguments(channels, dtype, alpha)
    return _pixel_decoder(int(channels), dtype, alpha, bool(arrays))(contents)


def _check_decode_arguments(channels, dtype, alpha):
    if not isinstance(channels, int | np.integer) or isinstance(channels, bool):
        channels = -1
    if channels < 1:
        raise ValueError(
            f"`channels` must be a positive integer. Received: channels={channels!r}"
        )
    check_choice("dtype", dtype, DEPTHS)
    check_choice("alpha", alpha, ALPHA_MODES)


@functools.cache
def _pixel_decoder(channels, dtype, alpha, arrays):
    """One traced decoder per (channels, dtype, alpha, arrays), as `_decoder`."""

    def decode(contents):
        image = decode_native(contents, dtype, arrays)
        return to_channels(image, channels, alpha, dtype)

    return tf.function(
        decode, input_signature=[tf.TensorSpec([], tf.string)], autograph=False
    )


def decode_native(contents, dtype, arrays=True):
    """Encoded bytes -> (H, W, stored channels) pixels of `dtype` (graph code).

    TIFF and .npy go through `read_array` (a `tf.numpy_function`, only in
    the graph with `arrays`); other formats through TensorFlow's decoders
    (a 16-bit PNG at 16 bits unless `dtype` is uint8).
    """
    is_array = is_array_format(contents)

    def from_array():
        image = tf.numpy_function(
            functools.partial(_array_as, dtype=dtype), [contents], tf.as_dtype(dtype)
        )
        return tf.ensure_shape(image, [None, None, None])

    def from_image():
        if dtype == "uint8":
            return _decode_native8(contents)

        def deep():
            return tf.io.decode_png(contents, channels=0, dtype=tf.uint16)

        def shallow():
            return tf.cast(_decode_native8(contents), tf.uint16) * 257

        image = tf.cond(png_is_16bit(contents), deep, shallow)
        if dtype == "float32":
            image = tf.cast(image, tf.float32) / 32767.5 - 1.0
        return image

    if not arrays:
        return from_image()
    return tf.cond(is_array, from_array, from_image)


def png_is_16bit(contents):
    """Whether `contents` is a PNG of 16 bits per sample (graph code)."""
    header = tf.strings.substr(contents, 0, 25) + tf.constant(b"\0" * 25)
    is_png = tf.equal(tf.strings.substr(header, 0, 8), b"\x89PNG\r\n\x1a\n")
    depth = tf.io.decode_raw(tf.strings.substr(header, 24, 1), tf.uint8)[0]
    return tf.logical_and(is_png, tf.equal(depth, 16))


#: Leading bytes of the array formats: TIFF (classic and BigTIFF), NumPy .npy.
ARRAY_MAGIC = (b"II*\0", b"MM\0*", b"II+\0", b"MM\0+", b"\x93NUMPY")


def is_array_format(contents):
    """Whether `contents` is a TIFF or .npy file (graph code)."""
    head4 = tf.strings.substr(contents, 0, 4)
    head6 = tf.strings.substr(contents, 0, 6)
    found = [tf.equal(head4, m) for m in ARRAY_MAGIC[:4]]
    found.append(tf.equal(head6, ARRAY_MAGIC[4]))
    return tf.reduce_any(tf.stack(found))


def read_array(contents):
    """A TIFF (its first image) or .npy file's bytes -> an (H, W, C) array.

    A 2-D array gets one channel. In a TIFF, samples (`YXS`), separate planes
    (`SYX`) or a stack of pages become the channels. Raises `ValueError`
    for other shapes.
    """
    if isinstance(contents, np.ndarray):  # a 0-d array from tf.numpy_function
        contents = contents.item()
    contents = bytes(contents)
    if contents.startswith(ARRAY_MAGIC[4]):
        array = np.load(io.BytesIO(contents), allow_pickle=False)
        axes = "YX" if array.ndim == 2 else "YXS"
    else:
        import tifffile

        with tifffile.TiffFile(io.BytesIO(contents)) as tif:
            series = tif.series[0]
            array, axes = series.asarray(), series.axes
    if array.ndim == 2:
        return array[..., None]
    if array.ndim == 3 and "Y" in axes and "X" in axes:
        other = [i for i, a in enumerate(axes) if a not in "YX"][0]
        return np.moveaxis(array, other, -1)
    raise ValueError(
        f"an array of shape {array.shape} is not an image (height, width) or "
        "(height, width, channels)"
    )


def array_info(contents):
    """`(height, width, channels, depth code, min, max)` of an array file.

    The depth code is 0 (uint8), 1 (uint16), 2 (float) or -1 (a dtype that
    is not read). min and max are those of float arrays (0 otherwise).
    """
    array = read_array(contents)
    code = _ARRAY_DTYPES.get(array.dtype.name, -1)
    low = high = 0.0
    if code == 2 and array.size:
        low, high = float(np.nanmin(array)), float(np.nanmax(array))
        if np.isnan(array).any():
            low = high = float("nan")
    h, w, c = array.shape
    return (np.int64(h), np.int64(w), np.int64(c), np.int64(code)) + (
        np.float32(low),
        np.float32(high),
    )


def _array_as(contents, dtype):
    """`read_array` converted to the pixels of `dtype` (numpy)."""
    array = read_array(contents)
    name = array.dtype.name
    if _ARRAY_DTYPES.get(name, -1) < 0:
        raise ValueError(f"arrays of dtype {name} are not read")
    if name.startswith("float"):
        unit = (np.clip(array.astype("float32"), -1.0, 1.0) + 1.0) / 2.0
    else:
        unit = array.astype("float32") / _MAX[name]
    if dtype == "float32":
        return unit * 2.0 - 1.0
    return np.round(unit * _MAX[dtype]).astype(dtype)


def decode_rgb(contents, alpha="white"):
    """Decode encoded image bytes into an (H, W, 3) uint8 RGB tensor.

    Graph-friendly (use it inside `tf.data` maps). JPEG, PNG (8/16-bit, gray,
    gray+alpha, RGB, RGBA, palette), BMP (24/32-bit and 8-bit gray or palette),
    GIF (first frame) and WebP (still images) are handled.

    Args:
        contents: string scalar tensor. The encoded file contents.
        alpha: str. What to do with an alpha channel: `"white"` composites the
            image over white, `"black"` over black, `"drop"` ignores alpha.
            Defaults to `"white"`.

    Returns:
        uint8 tensor of shape (H, W, 3).

    Example:
    ```python
    import numpy as np
    import tensorflow as tf
    from keras_gans import data

    gray = tf.io.encode_png(np.full((4, 5, 1), 7, np.uint8))
    print(data.decode_rgb(gray).shape)  # (4, 5, 3)
    ```
    """
    check_choice("alpha", alpha, ALPHA_MODES)
    return _decoder(alpha)(contents)


@functools.cache
def _decoder(alpha):
    """One traced decoder per alpha mode, shared by every pipeline.

    `tf.data` traces each `map` function anew; calling this `tf.function`
    from them adds one call op instead of re-tracing ~200 ops each time.
    """
    return tf.function(
        functools.partial(_decode_rgb, alpha=alpha),
        input_signature=[tf.TensorSpec([], tf.string)],
        autograph=False,
    )


def _decode_rgb(contents, alpha):
    return to_channels(_decode_native8(contents), 3, alpha, "uint8")


def _decode_native8(contents):
    """Encoded bytes -> (H, W, stored channels) uint8 (palette BMPs applied,
    WebP alpha kept; an animated WebP refused)."""
    head = _header_bytes(contents)
    matches = tf.reduce_all(
        tf.logical_or(_IGNORED, tf.equal(head[None, :], _TEMPLATE)), axis=1
    )
    flags = tf.bitwise.bitwise_and(tf.gather(head, [20, 20, 24]), [2, 16, 16]) > 0
    is_bmp8 = matches[0]
    webp_animated = tf.logical_and(matches[1], flags[0])
    webp_alpha = tf.logical_or(
        tf.logical_and(matches[1], flags[1]), tf.logical_and(matches[2], flags[2])
    )
    # An animated WebP never reaches the decoder: empty input fails cleanly.
    contents = tf.where(webp_animated, tf.constant(b""), contents)

    def decode_native():
        return tf.io.decode_image(
            contents, channels=0, dtype=tf.uint8, expand_animations=False
        )

    def decode_rgba():
        return tf.io.decode_image(
            contents, channels=4, dtype=tf.uint8, expand_animations=False
        )

    image = tf.cond(webp_alpha, decode_rgba, decode_native)
    image = tf.cond(
        tf.logical_and(is_bmp8, tf.equal(tf.shape(image)[-1], 1)),
        lambda: _apply_bmp_palette(image, contents, head),
        lambda: image,
    )
    return tf.ensure_shape(image, [None, None, None])


def sniff_format(header_bytes):
    """Name the image format from a file's first bytes (Python, no TF).

    Returns one of "jpeg", "png", "gif", "bmp", "webp", "tiff", "npy", or
    None when the bytes are not one of the formats read. Also returns "webp-animated"
    for an animated WebP, which is refused.
    """
    h = bytes(header_bytes)
    if h.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if h.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if h.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if h.startswith(b"BM") and len(h) >= 30:
        return "bmp"
    if h.startswith(ARRAY_MAGIC[4]):
        return "npy"
    if h.startswith(ARRAY_MAGIC[:4]):
        return "tiff"
    if h.startswith(b"RIFF") and h[8:12] == b"WEBP":
        if h[12:16] == b"VP8X" and len(h) > 20 and h[20] & 2:
            return "webp-animated"
        return "webp"
    return None
