"""TFRecord files of encoded images (the Kaggle "I'm Something of a Painter
Myself" format: JPEG bytes under the feature "image") -> tf.data pipelines."""

import glob
import os
import time

import tensorflow as tf

from keras_gans.data import _pipeline
from keras_gans.data._pipeline import graph_fn
from keras_gans.data._scan import ScanReport, classify, failure_reason, probe

TFRECORD_EXTENSIONS = (".tfrec", ".tfrecord", ".tfrecords")


def _resolve(files):
    """A sorted list of TFRecord files from a path, folder, glob or list."""
    if isinstance(files, (str, os.PathLike)):
        files = [files]
    if not isinstance(files, (list, tuple)) or not files:
        raise ValueError(
            "`files` must be a path, a folder, a glob pattern or a non-empty list "
            f"of paths. Received: files={files!r}"
        )
    resolved = []
    for entry in files:
        entry = os.fspath(entry)
        if os.path.isdir(entry):
            found = sorted(
                os.path.join(entry, n)
                for n in os.listdir(entry)
                if n.lower().endswith(TFRECORD_EXTENSIONS) and not n.startswith(".")
            )
            if not found:
                raise ValueError(
                    f"No TFRecord file ({', '.join(TFRECORD_EXTENSIONS)}) in {entry!r}"
                )
            resolved += found
        elif any(c in entry for c in "*?["):
            found = sorted(glob.glob(entry))
            if not found:
                raise FileNotFoundError(f"No file matches {entry!r}")
            resolved += found
        elif os.path.isfile(entry):
            resolved.append(entry)
        else:
            raise FileNotFoundError(f"TFRecord file not found: {entry!r}")
    return resolved


def _count_records(path, compression_type):
    """(number of readable records, error message or None) of one file."""
    ds = tf.data.TFRecordDataset(path, compression_type=compression_type)
    try:
        count = ds.reduce(tf.constant(0, tf.int64), graph_fn(lambda n, _: n + 1))
        return int(count), None
    except tf.errors.OpError:
        pass  # damaged: count again record by record, up to the damage
    count = 0
    try:
        for _ in ds:
            count += 1
    except tf.errors.OpError as error:
        return count, str(error.message).splitlines()[0]
    return count, None


def _example_keys(record, path):
    example = tf.train.Example()
    try:
        example.ParseFromString(record)
    except Exception as error:  # protobuf's DecodeError
        raise ValueError(
            f"{path!r} does not hold tf.train.Example records ({error})"
        ) from None
    return example.features.feature


def _check_key(path, compression_type, image_key):
    """Raise a clear error when the first record of `path` lacks `image_key`."""
    first = next(
        iter(tf.data.TFRecordDataset(path, compression_type=compression_type).take(1))
    )
    features = _example_keys(first.numpy(), path)
    if image_key not in features:
        raise ValueError(
            f"{path!r}: its records have no feature {image_key!r}; they have "
            f"{sorted(features.keys())}. Pass image_key= one of those."
        )
    if features[image_key].WhichOneof("kind") != "bytes_list":
        raise ValueError(
            f"{path!r}: feature {image_key!r} holds "
            f"{features[image_key].WhichOneof('kind')}, not encoded image bytes "
            "(bytes_list)."
        )


def tfrecords(
    files,
    image_size=None,
    *,
    image_key="image",
    compression_type=None,
    load_size=None,
    crop_size=None,
    preprocess="resize_and_crop",
    crop="random",
    flip=True,
    alpha="white",
    interpolation="bicubic",
    batch_size=None,
    shuffle=True,
    shuffle_buffer=None,
    seed=None,
    cache=None,
    repeat=False,
    drop_remainder=False,
    validate=True,
    channels=3,
):
    """A `tf.data.Dataset` of float32 images in [-1, 1] from TFRecord files.

    Each record is a `tf.train.Example` with the encoded image (JPEG, PNG, ...)
    under `image_key`; other features (the Kaggle files' `image_name`,
    `target`) are ignored. The first record of every file is checked for the
    key, so a wrong key fails at once with the keys the file does have.
    Preprocessing, bad-image handling and randomness are those of
    `image_folder`: with `validate=True` every record is decoded once up front
    and undecodable ones are skipped with a `BadImageWarning` each and a count;
    a truncated file is read up to the damage.

    Args:
        files: str, os.PathLike or list. TFRecord files, folders of them
            (`*.tfrec`, `*.tfrecord`, `*.tfrecords`) or glob patterns.
        image_size: int, (height, width) or None. See `image_folder`.
            Defaults to `None` (256).
        image_key: str. The feature of the encoded image. Defaults to `"image"`.
        compression_type: str or None. `"GZIP"`, `"ZLIB"` or `None`.
            Defaults to `None`.
        load_size, crop_size, preprocess, crop, flip, alpha, interpolation:
            As in `image_folder`.
        batch_size, shuffle: As in `image_folder`.
        shuffle_buffer: int or None. Records held for shuffling (encoded
            bytes); `None` holds all of them, a full shuffle. Defaults to `None`.
        seed, cache, repeat, drop_remainder, validate: As in `image_folder`.
        channels: int. As in `image_folder` (16-bit records are read at 16
            bits with `validate=True`). Defaults to `3`.

    Returns:
        A `tf.data.Dataset` of float32 images in [-1, 1].

    Example:
    ```python
    import os, tempfile
    import numpy as np
    import tensorflow as tf
    from keras_gans import data

    path = os.path.join(tempfile.mkdtemp(), "monet00-4.tfrec")
    with tf.io.TFRecordWriter(path) as writer:
        for i in range(4):
            jpeg = tf.io.encode_jpeg(np.full((40, 40, 3), 60 * i, np.uint8)).numpy()
            feature = {
                "image": tf.train.Feature(bytes_list=tf.train.BytesList(value=[jpeg])),
                "target": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"x"])),
            }
            example = tf.train.Example(features=tf.train.Features(feature=feature))
            writer.write(example.SerializeToString())
    ds = data.tfrecords(path, 32, batch_size=2, seed=0)
    print(next(iter(ds)).shape)  # (2, 32, 32, 3)
    ```
    """
    # First, while `locals()` holds the arguments only.
    prep, options = _pipeline.check_arguments(locals())
    _check_image_key(image_key)
    records, read, report = _scan(files, image_key, compression_type, prep, validate)
    return _pipeline.finish(records, read, report, prep, options)


def _check_image_key(image_key):
    if not isinstance(image_key, str) or not image_key:
        raise ValueError(
            f"`image_key` must be a non-empty string. Received: image_key={image_key!r}"
        )


def _scan(files, image_key, compression_type, prep, validate):
    """`(records, read, report)`: the readable records of `files` in order, the
    function that reads the image bytes of a record, and the `ScanReport`."""
    start = time.perf_counter()
    paths = _resolve(files)
    counts, skipped = _count_files(paths, compression_type, image_key)
    source = (
        ", ".join(paths)
        if len(paths) <= 3
        else f"{len(paths)} TFRecord files in {os.path.dirname(paths[0])}"
    )
    read = _reader(image_key)
    records = _records(paths, counts, compression_type)
    total = sum(counts)
    names = [f"{p} (record {j})" for p, k in zip(paths, counts) for j in range(k)]
    if validate:
        found = probe(records, total, read)
        bad = sorted(set(range(total)) - set(found))
        reasons = _bad_reasons(records, bad, image_key) if bad else {}
        min_size = prep.min_source_size()
        report = classify(
            names, found, min_size, reasons.get, source, start, skipped, prep.channels
        )
    else:
        bad = []
        report = ScanReport(source, names, [None] * total, skipped)
    if not report.images:
        raise ValueError(
            f"No readable image record in {source!r} (image_key={image_key!r})."
        )
    return _without(records, bad, len(report.images)), read, report


def _count_files(paths, compression_type, image_key):
    """Records per file, and the files skipped (damaged or empty) with why.

    The first record of each file is checked for `image_key`.
    """
    counts, skipped = [], {}
    for path in paths:
        n, error = _count_records(path, compression_type)
        if error is not None:
            skipped[f"{path} (after record {n})"] = (
                f"truncated or corrupt TFRecord file ({error})"
            )
        counts.append(n)
        if n > 0:
            _check_key(path, compression_type, image_key)
        elif error is None:
            skipped[path] = "no records"
    return counts, skipped


def _reader(image_key):
    """A tf.data function: serialized `tf.train.Example` -> its image bytes."""
    spec = {image_key: tf.io.FixedLenFeature([], tf.string, default_value="")}

    @graph_fn
    def read(record):
        return tf.io.parse_single_example(record, spec)[image_key]

    return read


def _records(paths, counts, compression_type):
    """One dataset of the first `counts[i]` records of each file `paths[i]`."""

    @graph_fn
    def file_records(f, k):
        return tf.data.TFRecordDataset(f, compression_type=compression_type).take(k)

    files_t = tf.constant(paths, tf.string)
    counts_t = tf.constant(counts, tf.int64)
    return tf.data.Dataset.from_tensor_slices((files_t, counts_t)).flat_map(
        file_records
    )


def _without(records, bad, count):
    """`records` less the indices `bad`, with its length `count` known."""
    if bad:
        bad_t = tf.constant(bad, tf.int64)
        records = records.enumerate().filter(
            graph_fn(lambda i, r: tf.reduce_all(tf.not_equal(i, bad_t)))
        )
        records = records.map(graph_fn(lambda i, r: r))
    return records.apply(tf.data.experimental.assert_cardinality(count))


def _bad_reasons(records, bad, image_key):
    """Index -> reason for the records that failed to decode (eager, few)."""
    wanted, reasons = set(bad), {}
    for i, record in records.enumerate():
        i = int(i)
        if i not in wanted:
            continue
        try:
            features = tf.train.Example.FromString(record.numpy()).features.feature
        except Exception:  # protobuf's DecodeError
            reasons[i] = "not a tf.train.Example record"
            continue
        if image_key not in features:
            reasons[i] = f"record has no feature {image_key!r}"
        elif len(features[image_key].bytes_list.value) != 1:
            reasons[i] = f"feature {image_key!r} does not hold exactly one bytes value"
        else:
            reasons[i] = failure_reason(features[image_key].bytes_list.value[0])
        if len(reasons) == len(wanted):
            break
    return reasons
