"""Finding image files and checking them once, up front, with TF's own decoders.

The check decodes every image once in a parallel `tf.data` pass with the
decoders the training pipeline uses (`decode_native`), keeps the index of each
element that decoded (`ignore_errors` drops the others), and asks the few that
failed for their error message in a second, eager pass. So a file that passes
here cannot fail later in the pipeline (unless it changes on disk), and the
dataset's length is exact. The cost is one full decode per image: about
1.5 ms of CPU for a 400x300 JPEG (see benchmarks/data_pipeline.py).
"""

import dataclasses
import os
import re
import time
import warnings

import tensorflow as tf

from keras_gans.data._decode import (
    array_info,
    convertible,
    decode_native,
    decode_pixels,
    is_array_format,
    png_is_16bit,
    read_array,
    sniff_format,
)
from keras_gans.data._pipeline import graph_fn

#: File name endings read as images (case-insensitive): TensorFlow's image
#: formats, TIFF and NumPy `.npy` arrays.
IMAGE_EXTENSIONS = (
    ".jpg",
    ".jpeg",
    ".jpe",
    ".png",
    ".bmp",
    ".gif",
    ".webp",
    ".tif",
    ".tiff",
    ".npy",
)

#: The pixel dtype of a set of images, by the largest depth code found
#: (0: 8-bit, 1: 16-bit, 2: float arrays).
DEPTH_OF_CODE = ("uint8", "uint16", "float32")

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class BadImageWarning(UserWarning):
    """A file was skipped or fixed while loading images (one per file, then a count)."""


def _stacklevel():
    """The stacklevel that points a warning at the first caller outside keras_gans."""
    import inspect

    level = 1
    frame = inspect.currentframe()
    while frame is not None:
        filename = os.path.abspath(frame.f_code.co_filename)
        if not filename.startswith(_PACKAGE_DIR) and level > 1:
            return level - 1
        frame = frame.f_back
        level += 1
    return 2


def warn(message):
    warnings.warn(message, BadImageWarning, stacklevel=_stacklevel())


@dataclasses.dataclass
class ScanReport:
    """What a scan of images found.

    Attributes:
        source: str. The folder or TFRecord files that were scanned.
        images: list of str. The readable images, in sorted order (file paths;
            for TFRecords, `"<file> (record <i>)"` names).
        sizes: list of (height, width). The stored size of each image in
            `images` (None for each when `validate=False`).
        skipped: dict. File (or record) -> why it was skipped.
        fixed: dict. File (or record) -> what is fixed while loading it.
        seconds: float. Wall time of the scan.
        depth: str. The pixel dtype the images are read at: `"uint8"`,
            `"uint16"` when one of them has 16 bits per sample (16-bit PNG
            or TIFF, uint16 arrays), `"float32"` when one is a float array.
        arrays: bool. Whether a TIFF or `.npy` file is among the images.
    """

    source: str
    images: list
    sizes: list
    skipped: dict = dataclasses.field(default_factory=dict)
    fixed: dict = dataclasses.field(default_factory=dict)
    seconds: float = 0.0
    depth: str = "uint8"
    arrays: bool = False

    def __len__(self):
        return len(self.images)

    def warn(self):
        """Emit one `BadImageWarning` per skipped or fixed file, then a count."""
        for name, reason in self.skipped.items():
            warn(f"Skipped {name}: {reason}.")
        for name, reason in self.fixed.items():
            warn(f"Fixed {name}: {reason}.")
        if self.skipped or self.fixed:
            warn(
                f"{self.source}: skipped {len(self.skipped)} bad file(s), "
                f"fixed {len(self.fixed)}; {len(self.images)} image(s) used."
            )


def list_image_files(path):
    """Image files under `path`, recursively, in sorted order.

    Hidden files and folders (names starting with ".") are ignored. Symbolic
    links to folders are followed once.

    Args:
        path: str or os.PathLike. The folder.

    Returns:
        (images, others): two sorted lists of paths; `others` are the visible
        files whose name does not end in one of `IMAGE_EXTENSIONS`.

    Example:

    ```python
    import os
    import tempfile
    from keras_gans.data import list_image_files

    root = tempfile.mkdtemp()
    for name in ("b.png", "a.jpg", "notes.txt", ".hidden.png"):
        open(os.path.join(root, name), "wb").close()
    images, others = list_image_files(root)
    print([os.path.basename(p) for p in images])  # ['a.jpg', 'b.png']
    print([os.path.basename(p) for p in others])  # ['notes.txt']
    ```
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"Image folder not found: {path!r}")
    if not os.path.isdir(path):
        raise NotADirectoryError(f"Not a folder of images: {path!r}")
    images, others, seen = [], [], set()
    for dirpath, dirnames, filenames in os.walk(path, followlinks=True):
        real = os.path.realpath(dirpath)
        if real in seen:
            dirnames[:] = []
            continue
        seen.add(real)
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if name.startswith("."):
                continue
            full = os.path.join(dirpath, name)
            if name.lower().endswith(IMAGE_EXTENSIONS):
                images.append(full)
            else:
                others.append(full)

    def key(p):
        return os.path.relpath(p, path).replace(os.sep, "/")

    return sorted(images, key=key), sorted(others, key=key)


_TF_PREFIX = re.compile(r"\{\{[^}]*\}\}\s*")
_TF_SUFFIX = re.compile(r"\s*\[Op:[^\]]*\]\s*$")


def _clean_tf_message(message):
    message = _TF_PREFIX.sub("", str(message).strip().splitlines()[0])
    return _TF_SUFFIX.sub("", message).strip()


def failure_reason(contents):
    """Why `contents` (bytes) cannot be decoded, in words."""
    if len(contents) == 0:
        return "empty file (0 bytes)"
    fmt = sniff_format(contents[:32])
    if fmt is None:
        return (
            "not an image (the content is not JPEG, PNG, GIF, BMP, WebP, TIFF or .npy)"
        )
    if fmt == "webp-animated":
        return "animated WebP, not supported"
    if fmt in ("tiff", "npy"):
        try:
            read_array(contents)
        except Exception as error:  # noqa: BLE001 - any reader error, in words
            message = " ".join(str(error).split())[:200]
            return f"corrupt or unsupported {fmt.upper()} ({message})"
        return "could not be read"
    try:
        decode_native(tf.constant(contents), "uint8")
    except tf.errors.OpError as error:
        message = _clean_tf_message(error.message)
        return f"corrupt, truncated or unsupported {fmt.upper()} ({message})"
    return "could not be read"


def _info(contents):
    """`(h, w, channels, depth code, min, max, is array)` of one image."""

    def from_array():
        out = tf.numpy_function(
            array_info, [contents], [tf.int64] * 4 + [tf.float32] * 2
        )
        return (*(tf.ensure_shape(x, []) for x in out), tf.constant(True))

    def from_image():
        shape = tf.cast(tf.shape(decode_native(contents, "uint8")), tf.int64)
        code = tf.cast(png_is_16bit(contents), tf.int64)
        zero = tf.constant(0.0)
        return shape[0], shape[1], shape[2], code, zero, zero, tf.constant(False)

    return tf.cond(is_array_format(contents), from_array, from_image)


def probe(items, count, read_fn):
    """Decode `count` items once, in parallel; return {index: info}.

    `items` is a dataset of whatever `read_fn` turns into encoded bytes (a
    path, or a TFRecord); `info` is `(h, w, channels, depth code, min, max,
    is array)` (see `keras_gans.data._decode.array_info`). Items that fail to decode are
    absent from the result.
    """
    indexed = tf.data.Dataset.zip(tf.data.Dataset.range(count), items)

    @graph_fn
    def check(i, item):
        return (i, *_info(read_fn(item)))

    ds = indexed.map(check, num_parallel_calls=tf.data.AUTOTUNE, deterministic=False)
    ds = ds.ignore_errors().batch(4096)
    found = {}
    for i, *columns in ds.as_numpy_iterator():
        for k, values in enumerate(zip(*(c.tolist() for c in columns))):
            found[int(i[k])] = tuple(values)
    return found


_DTYPE_RULE = (
    "images are read from uint8 or uint16 pixels, or floats in [-1, 1] "
    "(see docs/data.md)"
)


def check_image(name, info, channels):
    """Raise a `ValueError` naming `name` when its `info` (from `probe`)
    cannot give `channels` channels, or its values cannot be read."""
    _, _, stored, code, low, high = info[:6]
    wanted = channels if isinstance(channels, tuple) else (channels,)
    for c in wanted:
        if c is not None and not convertible(stored, c):
            raise ValueError(
                f"{name} has {stored} channel(s), which cannot give the {c} "
                f"asked for (channels={c}; 1, 2, 3 and 4 convert into each "
                "other, other counts must match)"
            )
    if code < 0:
        raise ValueError(f"{name}: its array dtype is not read; {_DTYPE_RULE}")
    if code == 2 and not (-1.0 - 1e-6 <= low and high <= 1.0 + 1e-6):
        raise ValueError(
            f"{name}: float values must be in [-1, 1]; this array holds "
            f"[{low:g}, {high:g}] (scale it, or save uint8 / uint16 pixels)"
        )


def classify(
    names,
    found,
    min_size,
    reasons,
    source,
    start,
    extra_skipped=None,
    channels=None,
):
    """Build a `ScanReport` from probe results (shared by folders and TFRecords).

    Raises a `ValueError` naming the first image whose channel count cannot
    give `channels` (None: any), or whose values cannot be read (`check_image`).
    """
    report = ScanReport(source=source, images=[], sizes=[])
    report.skipped.update(extra_skipped or {})
    depth, arrays = 0, False
    for i, name in enumerate(names):
        if i not in found:
            report.skipped[name] = reasons(i)
            continue
        check_image(name, found[i], channels)
        h, w, _, code = found[i][:4]
        depth, arrays = max(depth, code), arrays or bool(found[i][6])
        if min_size is not None and (h < min_size[0] or w < min_size[1]):
            report.fixed[name] = (
                f"{h}x{w} is smaller than {min_size[0]}x{min_size[1]}, enlarged"
            )
        report.images.append(name)
        report.sizes.append((h, w))
    report.depth, report.arrays = DEPTH_OF_CODE[depth], arrays
    report.seconds = time.perf_counter() - start
    return report


def header_depth(paths):
    """The depth of unvalidated files from their names and first bytes:
    float32 when one is a TIFF or .npy, uint16 when one is a 16-bit PNG."""
    depth = 0
    for path in paths:
        if path.lower().endswith((".tif", ".tiff", ".npy")):
            return "float32"
        if path.lower().endswith(".png"):
            with open(path, "rb") as fh:
                head = fh.read(25)
            if len(head) == 25 and head[24] == 16:
                depth = 1
    return DEPTH_OF_CODE[depth]


def scan_images(
    path, *, min_size=None, validate=True, alpha="white", warn=False, channels=None
):
    """Find the images under a folder and check that each one decodes.

    Every image is decoded once with the pipeline's decoder (in parallel, via
    `tf.data` with `ignore_errors` and a record of which indices came through).
    Unreadable files are listed in `skipped` with the reason, images that load
    with a change (smaller than `min_size`) in `fixed`. `depth` says the pixel
    dtype the set is read at (16-bit images keep their 16 bits).

    Args:
        path: str. The folder, searched recursively.
        min_size: int, (height, width) or None. Images smaller than this in
            either side are reported as enlarged. Defaults to `None`.
        validate: bool. Decode every image. With `False` only the file names
            are checked (no cost; bad files then have to be skipped by the
            pipeline). Defaults to `True`.
        alpha: str. Kept for compatibility (the check does not depend on
            it). Defaults to `"white"`.
        warn: bool. Emit the `BadImageWarning`s. Defaults to `False`.
        channels: int, tuple of ints or None. Raise a `ValueError` naming
            the first image whose channel count cannot give this many (each) (see
            `keras_gans.data.decode_pixels`), or whose array values cannot be
            read. Defaults to `None`: any count.

    Returns:
        A `ScanReport`.

    Example:
    ```python
    import tempfile
    from keras_gans import data, datasets

    root = tempfile.mkdtemp()
    datasets.write_folders(root, "shapes", image_size=32, n=8)
    report = data.scan_images(f"{root}/train")
    print(len(report), report.sizes[0], report.skipped)  # 8 (32, 32) {}
    ```
    """
    start = time.perf_counter()
    files, others = list_image_files(path)
    if isinstance(min_size, int):
        min_size = (min_size, min_size)
    root = os.fspath(path)
    suffixes = ", ".join(IMAGE_EXTENSIONS)
    skipped = {
        f: f"not an image file (name does not end in {suffixes})" for f in others
    }
    nonempty = []
    for f in files:
        if os.path.getsize(f) == 0:
            skipped[f] = "empty file (0 bytes)"
        else:
            nonempty.append(f)
    if validate:
        paths = tf.data.Dataset.from_tensor_slices(tf.constant(nonempty or [""]))
        found = probe(paths.take(len(nonempty)), len(nonempty), tf.io.read_file)

        def reason(i):
            with open(nonempty[i], "rb") as fh:
                return failure_reason(fh.read())

        report = classify(
            nonempty, found, min_size, reason, root, start, skipped, channels
        )
    else:
        report = ScanReport(root, nonempty, [None] * len(nonempty), skipped)
        report.depth = header_depth(nonempty)
        report.arrays = report.depth == "float32"  # a TIFF or .npy name
        report.seconds = time.perf_counter() - start

    def key(p):
        return os.path.relpath(p, root).replace(os.sep, "/")

    report.skipped = {k: report.skipped[k] for k in sorted(report.skipped, key=key)}
    if warn:
        report.warn()
    return report


def load_image(path, channels=None):
    """One image file as a numpy array at its own depth, for inference.

    Reads every format of the loaders (`IMAGE_EXTENSIONS`): 8-bit images
    come back as uint8, 16-bit PNG / TIFF and uint16 arrays as uint16,
    float arrays (TIFF, `.npy`; values in [-1, 1]) as float32, so that
    `keras_gans.inference.ImageTranslator` keeps their precision.

    Args:
        path: str. The file.
        channels: int or None. The channel count to give the image (see
            `decode_pixels`). Defaults to `None`: as stored.

    Returns:
        `(image, format)`: an (H, W, C) array, and `"png"`, `"png16"`,
        `"tiff"`, `"npy"` or another name of `sniff_format`.

    Raises:
        ValueError: the file is not a readable image, or cannot give
            `channels`, or holds floats outside [-1, 1] (naming it).

    Example:
    ```python
    import os, tempfile
    import numpy as np
    from keras_gans.data import load_image

    path = os.path.join(tempfile.mkdtemp(), "bands.npy")
    np.save(path, np.zeros((4, 5, 6), "float32"))
    image, fmt = load_image(path)
    print(image.shape, image.dtype, fmt)  # (4, 5, 6) float32 npy
    ```
    """
    with open(path, "rb") as fh:
        contents = fh.read()
    fmt = sniff_format(contents[:32]) if contents else None
    try:
        info = tuple(x.numpy().item() for x in _info(tf.constant(contents, tf.string)))
    except (tf.errors.OpError, ValueError) as error:
        reason = failure_reason(contents)
        raise ValueError(f"{path}: not a readable image ({reason})") from error
    check_image(path, info, channels)
    depth = DEPTH_OF_CODE[info[3]]
    image = decode_pixels(contents, channels or info[2], depth).numpy()
    if fmt == "png" and depth == "uint16":
        fmt = "png16"
    return image, fmt
