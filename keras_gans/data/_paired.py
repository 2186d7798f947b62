"""Aligned (paired) image folders -> tf.data pipelines of (input, target) pairs.

Two layouts, those of the official pix2pix code:

- aligned: each file holds A and B side by side (A left, B right), in
  `<root>/train/`, `<root>/val/`, `<root>/test/` (what the official
  `datasets/combine_A_and_B.py` writes, and the published pix2pix sets);
- two folders of files with matching names: `<root>/A/<split>/x.jpg` is
  paired with `<root>/B/<split>/x.jpg` (any image extension), or any two
  folders given as `path` and `path_b`.

A and B are stacked on the channel axis and resized, cropped and flipped as
one 6-channel image, so both halves of a pair get the same random crop and
flip; they are split again at the end.
"""

import dataclasses
import os

import tensorflow as tf

from keras_gans._checks import check_choice
from keras_gans.data import _pipeline
from keras_gans.data._decode import decode_native, decode_pixels, to_channels
from keras_gans.data._preprocess import check_channels
from keras_gans.data._scan import ScanReport, scan_images

DIRECTIONS = ("AtoB", "BtoA")
_SPLIT_DEFAULTS = {
    "train": {},
    # The official test mode: resize to the crop size, file order, no flips.
    "val": {"shuffle": False, "flip": False, "crop": "center"},
    "test": {"shuffle": False, "flip": False, "crop": "center"},
}


@dataclasses.dataclass(frozen=True)
class _PairedPreprocessing:
    """A `Preprocessing` applied to A and B stacked on channels (internal)."""

    prep: object
    aligned: bool
    direction: str
    channels: tuple = (3, 3)  # of A and of B (the files, before `direction`)

    def __getattr__(self, name):  # output_size, mode, ... of `prep`
        return getattr(self.prep, name)

    def with_depth(self, dtype, arrays=False):
        return dataclasses.replace(self, prep=self.prep.with_depth(dtype, arrays))

    def load(self, contents):
        """Encoded bytes (one AB image, or [A, B]) -> (h, w, C_A + C_B) pixels."""
        (ca, cb), alpha, dtype = self.channels, self.prep.alpha, self.prep.dtype
        arrays = self.prep.arrays
        if self.aligned:
            ab = decode_native(contents, dtype, arrays)
            half = tf.shape(ab)[1] // 2
            a = to_channels(ab[:, :half], ca, alpha, dtype)
            b = to_channels(ab[:, half : 2 * half], cb, alpha, dtype)
        else:
            a = decode_pixels(contents[0], ca, dtype, alpha, arrays)
            b = decode_pixels(contents[1], cb, dtype, alpha, arrays)
            size = tf.shape(a)[:2]
            b = tf.cond(
                tf.reduce_all(tf.equal(tf.shape(b)[:2], size)),
                lambda: b,
                lambda: self.prep._resize(b, size),
            )
        return self.prep.fit(tf.concat([a, b], axis=-1))

    def augment(self, pair, seed):
        """One crop and flip for both halves; `(input, target)` in [-1, 1]."""
        pair = self.prep.augment(pair, seed)
        a, b = pair[..., : self.channels[0]], pair[..., self.channels[0] :]
        return (a, b) if self.direction == "AtoB" else (b, a)


def _read_pair(item):
    return tf.stack([tf.io.read_file(item[0]), tf.io.read_file(item[1])])


def _stem(path, root):
    return os.path.splitext(os.path.relpath(path, root).replace(os.sep, "/"))[0]


def _scan_aligned(folder, prep, validate, channels):
    """Scan side-by-side files; report the sizes of one half."""
    min_size = prep.min_source_size()
    if min_size is not None:
        min_size = (min_size[0], 2 * min_size[1])
    report = scan_images(
        folder, min_size=min_size, validate=validate, channels=tuple(channels)
    )
    images, sizes = [], []
    for name, size in zip(report.images, report.sizes):
        if size is not None and size[1] < 2:
            report.skipped[name] = (
                f"{size[1]} pixel(s) wide: too narrow to hold A and B side by side"
            )
            continue
        images.append(name)
        sizes.append(None if size is None else (size[0], size[1] // 2))
    report.images, report.sizes = images, sizes
    return report


def _scan_two_folders(folder_a, folder_b, prep, validate, channels):
    """Scan both folders and pair files by relative name (extension aside)."""
    min_size = prep.min_source_size()
    reports = [
        scan_images(f, min_size=min_size, validate=validate, channels=c)
        for f, c in zip((folder_a, folder_b), channels)
    ]
    found = []
    for report, folder in zip(reports, (folder_a, folder_b)):
        entries = {}
        for name, size in zip(report.images, report.sizes):
            entries.setdefault(_stem(name, folder), (name, size))
        found.append(entries)
    merged = ScanReport(source=f"{folder_a} + {folder_b}", images=[], sizes=[])
    depths = [r.depth for r in reports]
    merged.depth = max(depths, key=("uint8", "uint16", "float32").index)
    merged.arrays = any(r.arrays for r in reports)
    for report in reports:
        merged.skipped.update(report.skipped)
        merged.fixed.update(report.fixed)
    for mine, other, other_folder in (
        (found[0], found[1], folder_b),
        (found[1], found[0], folder_a),
    ):
        for stem, (name, _) in mine.items():
            if stem not in other:
                merged.skipped[name] = (
                    f"no file named {stem}.* in {other_folder} to pair it with"
                )
    for stem, (name_a, size_a) in sorted(found[0].items()):
        if stem not in found[1]:
            continue
        name_b, size_b = found[1][stem]
        if size_a is not None and size_b is not None and size_a != size_b:
            merged.fixed[name_b] = (
                f"{size_b[0]}x{size_b[1]}, its partner {size_a[0]}x{size_a[1]}: "
                "resized to its partner's size"
            )
        merged.images.append((name_a, name_b))
        merged.sizes.append(size_a)
    return merged


def _resolve_folders(path, path_b, split):
    """(folder_a, folder_b or None): the aligned folder, or the two folders."""
    path = os.fspath(path)
    if path_b is not None:
        return path, os.fspath(path_b)
    if not os.path.isdir(path):
        raise FileNotFoundError(f"Paired data folder not found: {path!r}")
    two = [os.path.join(path, side, split) for side in ("A", "B")]
    if all(os.path.isdir(f) for f in two):
        return two[0], two[1]
    aligned = os.path.join(path, split)
    if os.path.isdir(aligned):
        return aligned, None
    present = sorted(
        d for d in os.listdir(path) if os.path.isdir(os.path.join(path, d))
    )
    raise FileNotFoundError(
        f"No {split!r} split in {path!r}: a paired data folder holds {split}/ "
        f"(A and B side by side in each file) or A/{split}/ and B/{split}/ "
        f"(files with matching names). Sub-folders found: {present}"
    )


def paired_folder(
    path,
    image_size=256,
    *,
    split="train",
    path_b=None,
    direction="AtoB",
    batch_size=1,
    seed=None,
    validate=True,
    channels=3,
    **options,
):
    """A `tf.data.Dataset` of `(input, target)` pairs for pix2pix.

    Finds the layout under `path` (see the module docs): `path/A/<split>/`
    with `path/B/<split>/`, else `path/<split>/` of side-by-side files; or,
    with `path_b`, the two folders `path` and `path_b`. Each pair gets the
    same resize, random crop and flip (A and B stacked on channels, then
    split). Unreadable files, and in two folders files without a partner
    of the same name, are skipped with a `BadImageWarning` naming each one;
    a partner of another size is resized to its partner's. `split="train"`
    augments as the official code (resize to `image_size * 286 / 256`,
    random crop, flip, shuffle); `"val"` / `"test"` resize to `image_size`,
    in file order, without flips.

    Args:
        path: str. The dataset root (holding `train/`, `val/`, `test/` or
            `A/` and `B/`), or the A folder when `path_b` is given.
        image_size: int or (height, width). Output size. Defaults to `256`.
        split: str. `"train"`, `"val"` or `"test"`. Defaults to `"train"`.
        path_b: str or None. The B folder (files named as in `path`).
            Defaults to `None`.
        direction: str. `"AtoB"` (input A, target B) or `"BtoA"`. Defaults
            to `"AtoB"`.
        batch_size: int or None. Pairs per batch; `None`: single pairs.
            Defaults to `1` (the paper's).
        seed: int or None. Makes order, crops and flips reproducible.
            Defaults to `None`.
        validate: bool. Decode every file once up front. Defaults to `True`.
        channels: int or (int, int). Channels of the input and of the target
            (after `direction`), as `image_folder`'s `channels`; one int for
            both. In side-by-side files both halves come from one image of
            one channel count. Defaults to `3`.
        **options: `keras_gans.data.image_folder` arguments (`preprocess`,
            `load_size`, `crop`, `flip`, `shuffle`, `cache`, `repeat`,
            `drop_remainder`, `alpha`, `interpolation`), overriding the
            split's defaults.

    Returns:
        A `tf.data.Dataset` of `(input, target)` float32 images in [-1, 1].

    Example:
    ```python
    import tempfile
    from keras_gans import data, datasets

    root = tempfile.mkdtemp()
    datasets.write_folders(root, "paired_glyphs", image_size=32, chars="abcd")
    x, y = next(iter(data.paired_folder(root, 32, batch_size=2, seed=0)))
    print(x.shape, y.shape)  # (2, 32, 32, 3) (2, 32, 32, 3)
    ```
    """
    arguments = _arguments(image_size, split, batch_size, seed, validate, options)
    folder_a, folder_b = _resolve_folders(path, path_b, split)
    check_choice("direction", direction, DIRECTIONS)
    prep, build_options = _pipeline.check_arguments(arguments)
    by_file = _file_channels(channels, direction)
    report, items = _scan(folder_a, folder_b, prep, validate, by_file)
    paired = _PairedPreprocessing(prep, folder_b is None, direction, by_file)
    read_fn = tf.io.read_file if folder_b is None else _read_pair
    build_options.setdefault("shuffle_buffer", None)
    build_options["shuffle_buffer"] = build_options["shuffle_buffer"] or len(items)
    dataset = tf.data.Dataset.from_tensor_slices(tf.constant(items, tf.string))
    return _pipeline.finish(dataset, read_fn, report, paired, build_options)


def _file_channels(channels, direction):
    """`(channels of A, channels of B)` from `channels` of (input, target)."""
    pair = tuple(channels) if isinstance(channels, list | tuple) else (channels,) * 2
    if len(pair) != 2:
        raise ValueError(
            "`channels` must be an int or an (input, target) pair of ints. "
            f"Received: channels={channels!r}"
        )
    for c in pair:
        check_channels(c)
    return pair if direction == "AtoB" else pair[::-1]


def _scan(folder_a, folder_b, prep, validate, channels):
    """`(report, items)`: the readable pairs (paths, or [path_a, path_b])."""
    if folder_b is None:
        report = _scan_aligned(folder_a, prep, validate, channels)
        items = report.images
    else:
        report = _scan_two_folders(folder_a, folder_b, prep, validate, channels)
        items = [list(pair) for pair in report.images]
    if not report.images:
        report.warn()
        raise ValueError(f"No readable image pair in {report.source!r}.")
    return report, items


def _arguments(image_size, split, batch_size, seed, validate, options):
    """The reader arguments of `_pipeline.check_arguments`, split defaults in."""
    check_choice("split", split, _SPLIT_DEFAULTS)
    known = set(_pipeline.PREPROCESS_ARGUMENTS) | set(_pipeline.BUILD_ARGUMENTS)
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(
            f"paired_folder() got unexpected argument(s) {unknown}; valid: "
            f"{sorted(known - {'image_size', 'batch_size', 'seed'})}"
        )
    defaults = {
        "preprocess": "resize_and_crop",
        "load_size": None,
        "crop_size": None,
        "crop": "random",
        "flip": True,
        "alpha": "white",
        "interpolation": "bicubic",
        "shuffle": True,
        "shuffle_buffer": None,
        "cache": None,
        "repeat": False,
        "drop_remainder": False,
        **_SPLIT_DEFAULTS[split],
    }
    if split != "train" and "load_size" not in options:
        defaults["load_size"] = image_size
    return {
        **defaults,
        **options,
        "image_size": image_size,
        "batch_size": batch_size,
        "seed": seed,
        "validate": validate,
    }


__all__ = ["DIRECTIONS", "paired_folder"]
