"""Finding image files and checking them once, up front, with TF's own decoders.

The check decodes every image once in a parallel `tf.data` pass with the very
function the training pipeline uses (`decode_rgb`), keeps the index of each
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

from keras_gans.data._decode import decode_rgb, sniff_format
from keras_gans.data._pipeline import graph_fn

#: File name endings read as images (case-insensitive).
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".jpe", ".png", ".bmp", ".gif", ".webp")

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
    """

    source: str
    images: list
    sizes: list
    skipped: dict = dataclasses.field(default_factory=dict)
    fixed: dict = dataclasses.field(default_factory=dict)
    seconds: float = 0.0

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
        return "not an image (the content is not JPEG, PNG, GIF, BMP or WebP)"
    if fmt == "webp-animated":
        return "animated WebP, not supported"
    try:
        decode_rgb(tf.constant(contents))
    except tf.errors.OpError as error:
        message = _clean_tf_message(error.message)
        return f"corrupt, truncated or unsupported {fmt.upper()} ({message})"
    return "could not be read"


def _png_is_16bit(contents):
    header = tf.strings.substr(contents, 0, 25) + tf.constant(b"\0" * 25)
    is_png = tf.equal(tf.strings.substr(header, 0, 8), b"\x89PNG\r\n\x1a\n")
    depth = tf.io.decode_raw(tf.strings.substr(header, 24, 1), tf.uint8)[0]
    return tf.logical_and(is_png, tf.equal(depth, 16))


def probe(items, count, read_fn, alpha="white"):
    """Decode `count` items once, in parallel; return {index: (h, w, is_16bit)}.

    `items` is a dataset of whatever `read_fn` turns into encoded bytes (a
    path, or a TFRecord). Items that fail to decode are absent from the result.
    """
    indexed = tf.data.Dataset.zip(tf.data.Dataset.range(count), items)

    @graph_fn
    def check(i, item):
        contents = read_fn(item)
        shape = tf.shape(decode_rgb(contents, alpha=alpha))
        return i, shape[0], shape[1], _png_is_16bit(contents)

    ds = indexed.map(check, num_parallel_calls=tf.data.AUTOTUNE, deterministic=False)
    ds = ds.ignore_errors().batch(4096)
    found = {}
    for idx, hs, ws, deep in ds.as_numpy_iterator():
        for i, h, w, d in zip(idx.tolist(), hs.tolist(), ws.tolist(), deep.tolist()):
            found[i] = (h, w, bool(d))
    return found


def classify(names, found, min_size, reasons, source, start, extra_skipped=None):
    """Build a `ScanReport` from probe results (shared by folders and TFRecords)."""
    report = ScanReport(source=source, images=[], sizes=[])
    report.skipped.update(extra_skipped or {})
    for i, name in enumerate(names):
        if i not in found:
            report.skipped[name] = reasons(i)
            continue
        h, w, deep = found[i]
        notes = []
        if deep:
            notes.append("16-bit PNG, reduced to 8 bits per channel")
        if min_size is not None and (h < min_size[0] or w < min_size[1]):
            notes.append(
                f"{h}x{w} is smaller than {min_size[0]}x{min_size[1]}, enlarged"
            )
        if notes:
            report.fixed[name] = "; ".join(notes)
        report.images.append(name)
        report.sizes.append((h, w))
    report.seconds = time.perf_counter() - start
    return report


def scan_images(path, *, min_size=None, validate=True, alpha="white", warn=False):
    """Find the images under a folder and check that each one decodes.

    Every image is decoded once with the pipeline's decoder (in parallel, via
    `tf.data` with `ignore_errors` and a record of which indices came through).
    Unreadable files are listed in `skipped` with the reason, images that load
    with a change (16-bit PNG, smaller than `min_size`) in `fixed`.

    Args:
        path: str. The folder, searched recursively.
        min_size: int, (height, width) or None. Images smaller than this in
            either side are reported as enlarged. Defaults to `None`.
        validate: bool. Decode every image. With `False` only the file names
            are checked (no cost; bad files then have to be skipped by the
            pipeline). Defaults to `True`.
        alpha: str. Alpha handling passed to the decoder ("white", "black" or
            "drop"). Defaults to `"white"`.
        warn: bool. Emit the `BadImageWarning`s. Defaults to `False`.

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
        found = probe(
            paths.take(len(nonempty)), len(nonempty), tf.io.read_file, alpha=alpha
        )

        def reason(i):
            with open(nonempty[i], "rb") as fh:
                return failure_reason(fh.read())

        report = classify(nonempty, found, min_size, reason, root, start, skipped)
    else:
        report = ScanReport(root, nonempty, [None] * len(nonempty), skipped)
        report.seconds = time.perf_counter() - start

    def key(p):
        return os.path.relpath(p, root).replace(os.sep, "/")

    report.skipped = {k: report.skipped[k] for k in sorted(report.skipped, key=key)}
    if warn:
        report.warn()
    return report
