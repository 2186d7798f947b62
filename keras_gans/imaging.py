"""Image values at the library's edges: range conversions and sample grids.

Inside the library images are NHWC floats in [-1, 1]; pixels (uint8, uint16)
exist only at the edges: data loaders, `translate`, export signatures, the
CLI and the PNG grids of the callbacks. Every conversion between the two goes
through this module, so the scale (`max_value / 2`) is written once.
"""

import functools
import os

import keras
import numpy as np

from keras_gans._checks import check_int

#: The largest pixel value of each integer dtype the library reads and writes.
MAX_VALUES = {"uint8": 255, "uint16": 65535}


def pixel_scale(dtype="uint8"):
    """Half the largest pixel value of `dtype`: `x / scale - 1` maps to [-1, 1].

    Args:
        dtype: str. `"uint8"` or `"uint16"`. Defaults to `"uint8"`.

    Returns:
        A float: `127.5` for uint8, `32767.5` for uint16.

    Example:

    ```python
    from keras_gans.imaging import pixel_scale

    pixel_scale("uint8")  # 127.5
    ```
    """
    dtype = str(getattr(dtype, "name", dtype))
    if dtype not in MAX_VALUES:
        raise ValueError(
            f"`dtype` must be one of {sorted(MAX_VALUES)}. Received: dtype={dtype!r}"
        )
    return MAX_VALUES[dtype] / 2.0


def to_unit_range(pixels, dtype="uint8"):
    """Pixels `0..max` (array or tensor, any numeric dtype) -> floats in [-1, 1].

    Pure arithmetic, so it works on numpy arrays and on backend tensors inside
    a traced function (cast them to float32 first).

    Args:
        pixels: float array or tensor holding pixel values of `dtype`'s range.
        dtype: str. The range the values come from. Defaults to `"uint8"`.

    Returns:
        `pixels / scale - 1` (same type as `pixels`).
    """
    return pixels / pixel_scale(dtype) - 1.0


def from_unit_range(images, dtype="uint8"):
    """Floats in [-1, 1] -> unrounded, unclipped pixel values of `dtype`'s range.

    The inverse of `to_unit_range` (pure arithmetic, see there); round and clip
    before casting (`to_uint8` / `to_uint16` do both for numpy).
    """
    return (images + 1.0) * pixel_scale(dtype)


def _to_pixels(images, dtype):
    images = np.asarray(keras.ops.convert_to_numpy(images), dtype="float32")
    top = MAX_VALUES[dtype]
    return np.clip(np.round(from_unit_range(images, dtype)), 0, top).astype(dtype)


def to_uint8(images):
    """Images in [-1, 1] -> uint8 in [0, 255] (rounded, clipped).

    Args:
        images: array-like of floats in [-1, 1].

    Returns:
        A numpy uint8 array of the same shape.

    Example:

    ```python
    from keras_gans.imaging import to_uint8

    to_uint8([-1.0, 0.0, 1.0])  # array([  0, 128, 255], dtype=uint8)
    ```
    """
    return _to_pixels(images, "uint8")


def from_uint8(images):
    """uint8 images in [0, 255] -> float32 in [-1, 1].

    Args:
        images: array-like of uint8.

    Returns:
        A numpy float32 array of the same shape.

    Example:

    ```python
    import numpy as np
    from keras_gans.imaging import from_uint8

    from_uint8(np.array([0, 255], "uint8"))  # array([-1.,  1.], dtype=float32)
    ```
    """
    return to_unit_range(np.asarray(images, dtype="float32"), "uint8")


def to_uint16(images):
    """Images in [-1, 1] -> uint16 in [0, 65535] (rounded, clipped).

    Example:

    ```python
    from keras_gans.imaging import to_uint16

    to_uint16([-1.0, 1.0])  # array([    0, 65535], dtype=uint16)
    ```
    """
    return _to_pixels(images, "uint16")


def from_uint16(images):
    """uint16 images in [0, 65535] -> float32 in [-1, 1].

    Example:

    ```python
    import numpy as np
    from keras_gans.imaging import from_uint16

    from_uint16(np.array([0, 65535], "uint16"))  # array([-1.,  1.], dtype=float32)
    ```
    """
    return to_unit_range(np.asarray(images, dtype="float32"), "uint16")


def font_path(filename):
    """The path of a font file shipped with matplotlib.

    Args:
        filename: str. A file name in matplotlib's `mpl-data/fonts/ttf/`,
            e.g. `"DejaVuSans.ttf"`.

    Returns:
        str. The absolute path of the font file.

    Example:
    ```python
    from keras_gans.imaging import font_path

    print(font_path("DejaVuSerif.ttf").endswith("DejaVuSerif.ttf"))  # True
    ```
    """
    import matplotlib

    path = os.path.join(matplotlib.get_data_path(), "fonts", "ttf", filename)
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"Font {filename!r} is not in matplotlib's fonts folder "
            f"({os.path.dirname(path)})."
        )
    return path


@functools.lru_cache(maxsize=256)
def load_font(filename, pixel_size):
    """A Pillow TrueType font: `filename` from matplotlib's fonts, `pixel_size` px."""
    from PIL import ImageFont

    return ImageFont.truetype(font_path(filename), pixel_size)


def make_grid(
    rows, padding=2, pad_value=255, *, row_labels=None, col_labels=None, min_tile=None
):
    """Tile rows of images into one uint8 image, optionally upscaled and labelled.

    Layout: the tiles fill the bottom-right corner of the grid, `padding`
    pixels apart; row labels go in a left margin, column labels in a top
    margin (no margin without labels, so with no new argument the result is
    the plain tiling). With `T = len(rows) * (H' + padding) - padding` and
    `L = n * (W' + padding) - padding` (`H'`, `W'`: the tile size after
    `min_tile`), tile `(i, j)` starts at row `top + i * (H' + padding)` and
    column `left + j * (W' + padding)`, where `top = grid.shape[0] - T` and
    `left = grid.shape[1] - L`.

    Labels are drawn with DejaVu Sans (matplotlib's copy; Pillow's default
    font if it is missing) at `max(10, H' // 8)` pixels, black on the
    padding colour (white if `pad_value` is dark), not wrapped, and only
    inside the margins (never over the tiles). With
    `gap = max(padding, font_size // 2)`:

    - left margin: widest row label + `2 * gap` pixels; each label starts
      `gap` pixels from the left edge, centred on its row;
    - top margin: tallest column label + `2 * gap` pixels; labels centred
      over their columns on one baseline (keep them about as wide as a tile:
      a longer one runs over its neighbours).

    Margins are `pad_value` with the text blended in on every channel.

    Channels are shown as `display_channels` says (grey, RGB, alpha
    composited on white, bands by their first three); a grid is grey when
    every row is, else RGB (rows of different channel counts mix).

    Args:
        rows: list of arrays. Row `i` is a `(n, H, W, C)` batch (uint8, or
            float in [-1, 1]); all rows have the same `n`, `H`, `W` (`C`
            may differ).
        padding: int. Pixels between tiles (not scaled by `min_tile`).
            Defaults to `2`.
        pad_value: int. Value of the padding and margin pixels. Defaults to
            `255`.
        row_labels: list of str or None. One label per row, drawn in a left
            margin. Defaults to `None` (no margin).
        col_labels: list of str or None. One label per column (`n`), drawn
            in a top margin. Defaults to `None` (no margin).
        min_tile: int or None. Smallest tile side: each image is upscaled
            (nearest neighbour) by the smallest integer factor `k` with
            `min(H, W) * k >= min_tile`; images already that large are kept
            as they are. Defaults to `None` (no upscaling).

    Returns:
        A uint8 array `(top + T, left + L, C)` with `C` 1 or 3; `top = left
        = 0` without labels, i.e. `(rows * (H + p) - p, n * (W + p) - p, C)`.

    Example:

    ```python
    import numpy as np
    from keras_gans.imaging import make_grid

    rows = [np.zeros((3, 32, 32, 3), "uint8")] * 2  # 2 rows of 3 images
    print(make_grid(rows).shape)  # (66, 100, 3)
    grid = make_grid(
        rows, row_labels=["a", "G(a)"], col_labels=["x", "y", "z"], min_tile=96
    )
    top = grid.shape[0] - (2 * 98 - 2)  # tiles of 96x96, 2 pixels apart
    left = grid.shape[1] - (3 * 98 - 2)
    print(top > 0, left > 0)  # True True
    print(grid[top : top + 96, left : left + 96].shape)  # (96, 96, 3)
    ```
    """
    rows = _uint8_rows(rows)
    n, h, w, _ = rows[0].shape
    row_labels = _check_labels("row_labels", row_labels, len(rows), "rows")
    col_labels = _check_labels("col_labels", col_labels, n, "columns")
    rows = _upscaled(rows, min_tile)
    body = _tile(rows, padding, pad_value)
    if row_labels is None and col_labels is None:
        return body
    h, w = rows[0].shape[1:3]
    return _add_labels(body, row_labels, col_labels, h, w, padding, pad_value)


def display_channels(images):
    """uint8 images `(..., C)` as a grid shows them: `(..., 1)` or `(..., 3)`.

    1 channel (grey) and 3 (RGB) are kept; 2 (grey + alpha) and 4 (RGBA)
    are composited on white (what a viewer shows for a transparent PNG);
    more than 4 (bands of a multi-band image) show their first three as
    RGB.

    Args:
        images: uint8 array whose last axis is the channels.

    Returns:
        A uint8 array with 1 or 3 channels.

    Example:

    ```python
    import numpy as np
    from keras_gans.imaging import display_channels

    rgba = np.zeros((2, 8, 8, 4), "uint8")  # black, fully transparent
    display_channels(rgba)[0, 0, 0]  # array([255, 255, 255], dtype=uint8)
    display_channels(np.zeros((8, 8, 6), "uint8")).shape  # (8, 8, 3)
    ```
    """
    images = np.asarray(images)
    c = images.shape[-1]
    if c in (1, 3):
        return images
    if c > 4:
        return images[..., :3]
    alpha = images[..., c - 1 :].astype("float32") / 255.0
    colour = images[..., : c - 1].astype("float32")
    return np.round(colour * alpha + 255.0 * (1.0 - alpha)).astype("uint8")


def _uint8_rows(rows):
    """`rows` as uint8 numpy batches of 1 or 3 channels (`display_channels`;
    grey repeated to RGB when the rows differ), checked to share one shape."""
    rows = [np.asarray(r) for r in rows]
    rows = [r if r.dtype == np.uint8 else to_uint8(r) for r in rows]
    rows = [display_channels(r) for r in rows]
    if len({r.shape[-1] for r in rows}) > 1:
        rows = [np.repeat(r, 3, axis=-1) if r.shape[-1] == 1 else r for r in rows]
    shape = rows[0].shape
    for r in rows:
        if r.shape != shape:
            raise ValueError(
                f"All rows of a grid need the same shape. Received: {r.shape} "
                f"and {shape}"
            )
    return rows


def _upscaled(rows, min_tile):
    """`rows` upscaled (nearest) by the smallest integer factor reaching `min_tile`."""
    if min_tile is None:
        return rows
    check_int("min_tile", min_tile, allow_none=True)
    factor = -(-min_tile // min(rows[0].shape[1:3]))  # ceil
    if factor <= 1:
        return rows
    return [r.repeat(factor, axis=1).repeat(factor, axis=2) for r in rows]


def _tile(rows, p, pad_value):
    """The rows' images tiled `p` pixels apart on a `pad_value` background."""
    n, h, w, c = rows[0].shape
    body = np.full((len(rows) * (h + p) - p, n * (w + p) - p, c), pad_value, "uint8")
    for i, r in enumerate(rows):
        for j in range(n):
            body[i * (h + p) : i * (h + p) + h, j * (w + p) : j * (w + p) + w] = r[j]
    return body


def _check_labels(name, labels, count, what):
    """`labels` as a list of str (or None), checked to have `count` entries."""
    if labels is None:
        return None
    if isinstance(labels, list | tuple):
        labels = list(labels)
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise ValueError(
            f"`{name}` must be a list of str, one per {what[:-1]}. "
            f"Received: {name}={labels!r}"
        )
    if len(labels) != count:
        raise ValueError(
            f"`{name}` needs one label per {what[:-1]}: the grid has {count} "
            f"{what}, but {len(labels)} labels were given. "
            f"Received: {name}={labels!r}"
        )
    return labels


def _label_font(size):
    """DejaVu Sans at `size` pixels, or Pillow's default font."""
    from PIL import ImageFont

    try:
        return load_font("DejaVuSans.ttf", size)
    except (ImportError, OSError):  # no matplotlib, or no font file
        try:
            return ImageFont.load_default(size=size)
        except TypeError:  # Pillow < 10.1: a fixed-size bitmap font
            return ImageFont.load_default()


def _add_labels(body, row_labels, col_labels, h, w, p, pad_value):
    """`body` with a left margin of row labels and a top margin of column labels.

    See `make_grid` for the layout. The text is rendered once as a coverage
    mask ("L" image) and blended into every channel, so grey and RGB grids
    are drawn alike.
    """
    from PIL import Image, ImageDraw

    size = max(10, h // 8)
    font = _label_font(size)
    gap = max(p, size // 2)
    measure = ImageDraw.Draw(Image.new("L", (1, 1)))

    def box(text):
        return measure.textbbox((0, 0), text, font=font) if text else (0, 0, 0, 0)

    left = top = 0
    if row_labels is not None:
        left = max(box(t)[2] for t in row_labels) + 2 * gap
    if col_labels is not None:
        boxes = [box(t) for t in col_labels if t]
        y_min = min((b[1] for b in boxes), default=0)
        y_max = max((b[3] for b in boxes), default=0)
        top = y_max - y_min + 2 * gap
    body_h, body_w, c = body.shape
    mask = Image.new("L", (left + body_w, top + body_h), 0)
    draw = ImageDraw.Draw(mask)
    for i, text in enumerate(row_labels or []):
        if text:
            _, y0, _, y1 = box(text)
            y = top + i * (h + p) + (h - (y1 - y0)) / 2 - y0
            draw.text((gap, y), text, fill=255, font=font)
    for j, text in enumerate(col_labels or []):
        if text:
            x0, _, x1, _ = box(text)
            x = left + j * (w + p) + (w - (x1 - x0)) / 2 - x0
            draw.text((x, gap - y_min), text, fill=255, font=font)

    grid = np.full((top + body_h, left + body_w, c), pad_value, "uint8")
    grid[top:, left:] = body
    background = np.broadcast_to(np.asarray(pad_value, "float32"), (c,))
    ink = 0.0 if background.mean() >= 128 else 255.0
    alpha = np.asarray(mask, "float32")[..., None] / 255.0
    margin = np.ones(grid.shape[:2], bool)
    margin[top:, left:] = False
    blended = background * (1.0 - alpha) + ink * alpha
    grid[margin] = np.round(blended[margin]).astype("uint8")
    return grid
