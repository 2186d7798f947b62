"""Image folders -> tf.data pipelines; the CycleGAN trainA/trainB/testA/testB layout."""

import os

import tensorflow as tf

from keras_gans._checks import check_choice
from keras_gans.data import _pipeline
from keras_gans.data._scan import IMAGE_EXTENSIONS, scan_images
from keras_gans.data._unpaired import two_domains


def image_folder(
    path,
    image_size=None,
    *,
    load_size=None,
    crop_size=None,
    preprocess="resize_and_crop",
    crop="random",
    flip=True,
    alpha="white",
    interpolation="bicubic",
    batch_size=None,
    shuffle=True,
    seed=None,
    cache=None,
    repeat=False,
    drop_remainder=False,
    validate=True,
    channels=3,
):
    """A `tf.data.Dataset` of float32 images in [-1, 1] from a folder tree.

    Files are found recursively, read in sorted order (16-bit ones at 16
    bits) and given `channels` channels; unreadable ones are skipped with a
    `BadImageWarning`. See "Reading images" and "Preprocessing modes" (the
    CycleGAN paper's code) in `keras_gans.data`.

    Args:
        path: str or os.PathLike. The folder, searched recursively.
        image_size: int, (height, width) or None. The output size: the crop
            size, the resize target for `"resize"`, the width for
            `"scale_width"`. Defaults to `None` (256, or the stored size).
        load_size: int, (height, width) or None. The size resized to before
            cropping. Defaults to `None` (see the modes).
        crop_size: int, (height, width) or None. `image_size` of the crop
            modes. Defaults to `None`.
        preprocess: str. One of `PREPROCESS_MODES`. Defaults to `"resize_and_crop"`.
        crop: str. `"random"` or `"center"` crops. Defaults to `"random"`.
        flip: bool. Random horizontal flips. Defaults to `True`.
        alpha: str. `"white"` or `"black"` composites transparent images on
            that colour, `"drop"` ignores alpha. Defaults to `"white"`.
        interpolation: str. `"bicubic"` (the paper's code), `"bilinear"`,
            `"area"`, `"lanczos3"` or `"nearest"`. Defaults to `"bicubic"`.
        batch_size: int or None. `None` yields single images. Defaults to `None`.
        shuffle: bool. Reshuffle the files every epoch. Defaults to `True`.
        seed: int or None. Reproducible order, crops, flips. Defaults to `None`.
        cache: None, `"memory"` or str. Cache decoded, resized images in
            memory or in files with this path prefix. Defaults to `None`.
        repeat: bool or int. `False`: one pass per iteration (what `fit`
            expects); `True`: forever; an int: that many. Defaults to `False`.
        drop_remainder: bool. Drop a last, smaller batch. Defaults to `False`.
        validate: bool. Decode every file once up front. With `False`, files
            that fail to decode are dropped silently inside the pipeline
            instead, and the dataset's length is unknown. Defaults to `True`.
        channels: int. 1 (gray), 3 (RGB), 4 (RGBA, alpha kept) or the N of
            multi-band TIFF / .npy arrays (`decode_pixels`); an image that
            cannot give it raises a `ValueError` naming it. Defaults to `3`.

    Returns:
        A `tf.data.Dataset` of float32 images in [-1, 1], (batch, height,
        width, channels) or, without `batch_size`, (height, width, channels).

    Example:
    ```python
    import tempfile
    from keras_gans import data, datasets

    root = tempfile.mkdtemp()
    datasets.write_folders(root, "shapes", image_size=32, n=8)
    ds = data.image_folder(f"{root}/train", 32, batch_size=4, seed=0)
    print(next(iter(ds)).shape)  # (4, 32, 32, 3)
    ```
    """
    # First, while `locals()` holds the arguments only.
    prep, options = _pipeline.check_arguments(locals())
    report = _scan_folder(os.fspath(path), prep, validate)
    files = tf.data.Dataset.from_tensor_slices(tf.constant(report.images, tf.string))
    options["shuffle_buffer"] = len(report.images)  # a full shuffle of the file names
    read, check = tf.io.read_file, validate
    return _pipeline.finish(files, read, report, prep, options, check_count=check)


def _scan_folder(path, prep, validate):
    """The `ScanReport` of `path`; an error naming it when no image is readable."""
    report = scan_images(
        path,
        min_size=prep.min_source_size(),
        validate=validate,
        channels=prep.channels,
    )
    if report.images:
        return report
    detail = ""
    if report.skipped:
        shown = list(report.skipped.items())[:5]
        detail = " Unreadable: " + "; ".join(f"{k}: {v}" for k, v in shown)
        if len(report.skipped) > 5:
            detail += f"; and {len(report.skipped) - 5} more"
    raise ValueError(
        f"No readable image in {path!r} (searched recursively for "
        f"{', '.join(IMAGE_EXTENSIONS)}).{detail}"
    )


_SPLITS = ("train", "test")


def cyclegan_folders(
    root,
    image_size=256,
    *,
    split="train",
    batch_size=1,
    seed=None,
    zip_domains=True,
    drop_remainder=False,
    **kwargs,
):
    """The CycleGAN dataset layout (`trainA/`, `trainB/`, `testA/`, `testB/`).

    `split="train"` applies the paper's augmentation (resize to
    `image_size * 286 / 256`, random crop `image_size`, random flip, shuffled
    each epoch). `split="test"` resizes to `image_size` only, in file order,
    without flips (the reference code's test mode).

    Args:
        root: str. The folder holding `trainA`, `trainB`, `testA`, `testB`.
        image_size: int or (height, width). Output size. Defaults to `256`.
        split: str. `"train"` or `"test"`. Defaults to `"train"`.
        batch_size: int. Batch size. Defaults to `1` (the paper's).
        seed: int or None. See `image_folder`. Defaults to `None`.
        zip_domains: bool. `True` returns one dataset of (a, b) batches made
            by `unpaired` (an epoch covers the larger domain). `False` returns
            the tuple `(dataset_a, dataset_b)` of separate, batched datasets
            (e.g. to translate or score each test domain). Defaults to `True`.
        drop_remainder: bool. Drop a last, smaller batch. Defaults to `False`.
        **kwargs: Passed to `image_folder` for both domains (`preprocess`,
            `load_size`, `flip`, `cache`, `interpolation`, ...), overriding
            the split's defaults; `channels` may be a pair `(a, b)`, one
            count per domain.

    Returns:
        A `tf.data.Dataset` of `(a, b)` batches, or a pair of datasets.

    Example:
    ```python
    import tempfile
    from keras_gans import data, datasets

    root = tempfile.mkdtemp()
    datasets.write_folders(root, "glyphs", image_size=32, chars="abcd")
    train = data.cyclegan_folders(root, 32, batch_size=2, seed=0)
    a, b = next(iter(train))
    test_a, test_b = data.cyclegan_folders(root, 32, split="test", zip_domains=False)
    print(a.shape, b.shape)  # (2, 32, 32, 3) (2, 32, 32, 3)
    ```
    """
    folders = _split_folders(root, split)
    options = {"image_size": image_size}
    if split == "test":
        options.update(shuffle=False, flip=False, crop="center", load_size=image_size)
    options.update(kwargs)
    channels = options.pop("channels", 3)
    if not isinstance(channels, list | tuple):
        channels = (channels, channels)
    # Different seeds per domain, or equal-sized domains would share one order.
    seeds = (
        (None, None) if seed is None else (seed, _pipeline.mix_seed(seed, 7) % 2**31)
    )
    return two_domains(
        lambda source, **batching: image_folder(
            source[0], seed=source[1], channels=source[2], **options, **batching
        ),
        list(zip(folders, seeds, channels)),
        zip_domains=zip_domains,
        batch_size=batch_size,
        drop_remainder=drop_remainder,
    )


def _split_folders(root, split):
    """`[root/<split>A, root/<split>B]`, or an error naming what is missing."""
    check_choice("split", split, _SPLITS)
    root = os.fspath(root)
    if not os.path.isdir(root):
        raise FileNotFoundError(f"CycleGAN data folder not found: {root!r}")
    folders = [os.path.join(root, split + side) for side in ("A", "B")]
    missing = [f for f in folders if not os.path.isdir(f)]
    if missing:
        present = sorted(
            d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d))
        )
        raise FileNotFoundError(
            f"Missing {', '.join(repr(m) for m in missing)}: a CycleGAN data folder "
            f"holds {split}A/ and {split}B/. Sub-folders of {root!r}: {present}"
        )
    return folders
