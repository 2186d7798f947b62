"""The shared tf.data pipeline: order, decode, cache, augment, batch, prefetch.

Order and randomness:
- the shuffle is `Dataset.shuffle` over the *items* (file paths or records),
  or over the decoded images when `cache` is set; both see the same seed and
  length, so they give the same order and caching never changes the output;
- crops and flips use stateless ops seeded per element from a
  `Dataset.random(rerandomize_each_iteration=True)` stream zipped alongside,
  so they differ every epoch yet repeat exactly for the same `seed`.
With a `seed` (or `shuffle=False`), every parallel map keeps its order
(`deterministic=True`); without one, maps may reorder for throughput.
Seeded results also depend on TensorFlow's global seed
(`keras.utils.set_random_seed` / `tf.random.set_seed`), as all seeded
`tf.data` randomness does.
"""

import random

import numpy as np
import tensorflow as tf

from keras_gans._checks import check_int
from keras_gans.data._preprocess import Preprocessing
from keras_gans.data._preprocess import image_size_repr as size_repr

AUTOTUNE = tf.data.AUTOTUNE

#: Wrap every tf.data function with this: the functions use `tf.cond` where
#: they branch on tensors, so AutoGraph's source conversion (which was ~90% of
#: the tracing time, about 2 s per pipeline) is not needed.
graph_fn = tf.autograph.experimental.do_not_convert


def mix_seed(seed, salt):
    """A well-mixed 63-bit seed from a small user seed and a salt."""
    sequence = np.random.SeedSequence([int(seed), int(salt)])
    return int(sequence.generate_state(1, np.uint64)[0] >> np.uint64(1))


def repeat_count(repeat):
    """`Dataset.repeat`'s count for a `repeat` argument: None (forever) or passes."""
    return None if repeat is True else (1 if repeat is False else int(repeat))


def check_common(batch_size, repeat, seed, cache, shuffle_buffer=None):
    check_int("batch_size", batch_size, allow_none=True)
    if not (isinstance(repeat, bool) or (isinstance(repeat, int) and repeat >= 1)):
        raise ValueError(
            "`repeat` must be False (one pass), True (forever) or a positive "
            f"number of passes. Received: repeat={repeat!r}"
        )
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise ValueError(f"`seed` must be an integer or None. Received: seed={seed!r}")
    if cache is not None and not isinstance(cache, str):
        raise ValueError(
            "`cache` must be None, 'memory' or a file path prefix (str). "
            f"Received: cache={cache!r}"
        )
    check_int("shuffle_buffer", shuffle_buffer, allow_none=True)


#: The arguments of `Preprocessing.create` that the public readers take.
PREPROCESS_ARGUMENTS = (
    "preprocess",
    "image_size",
    "load_size",
    "crop_size",
    "crop",
    "flip",
    "alpha",
    "interpolation",
    "channels",
)
#: The arguments of `build` that the public readers take.
BUILD_ARGUMENTS = (
    "batch_size",
    "shuffle",
    "shuffle_buffer",
    "seed",
    "cache",
    "repeat",
    "drop_remainder",
)


def check_arguments(arguments):
    """Check the arguments that `image_folder` and `tfrecords` share.

    Args:
        arguments: dict. The reader's arguments by name (its `locals()` on
            entry): every name of `PREPROCESS_ARGUMENTS` and of
            `BUILD_ARGUMENTS` (`shuffle_buffer` may be missing: None), and
            `validate`.

    Returns:
        `(prep, options)`: the `Preprocessing`, and the keyword arguments of
        `build` (a new dict, the caller may change it), `skip_errors` included
        (`not validate`).
    """
    prep = Preprocessing.create(
        **{k: arguments[k] for k in PREPROCESS_ARGUMENTS if k in arguments}
    )
    options = {k: arguments.get(k) for k in BUILD_ARGUMENTS}
    check_common(
        options["batch_size"],
        options["repeat"],
        options["seed"],
        options["cache"],
        options["shuffle_buffer"],
    )
    # Without validation, files that fail to decode are dropped in the pipeline.
    options["skip_errors"] = not arguments["validate"]
    return prep, options


def check_not_empty(source, count, batch_size, drop_remainder):
    """Raise when `drop_remainder` would leave no batch of `count` images."""
    if batch_size is not None and drop_remainder and count < batch_size:
        raise ValueError(
            f"{source!r} has {count} readable image(s), fewer than "
            f"batch_size={batch_size} with drop_remainder=True, so the dataset "
            "would be empty."
        )


def check_batchable(report, prep, batch_size, validate):
    """Batching needs one size: check the size-keeping modes before training."""
    if batch_size is None or prep.output_size is not None:
        return
    if not validate:
        raise ValueError(
            f"preprocess={prep.mode!r} keeps per-image sizes; batching it needs "
            "validate=True (to check the sizes up front) or batch_size=None."
        )
    first = None
    for name, (h, w) in zip(report.images, report.sizes):
        size = prep.output_size_for(h, w)
        if first is None:
            first = (name, size)
        elif size != first[1]:
            raise ValueError(
                f"preprocess={prep.mode!r} keeps sizes that differ here, so images "
                f"cannot be batched (batch_size={batch_size}): {first[0]} gives "
                f"{size_repr(first[1])}, {name} gives {size_repr(size)}. "
                "Use batch_size=None or a mode that crops or resizes to one size."
            )


def finish(items, read_fn, report, prep, options, *, check_count=True):
    """Report skipped files, check the batch set-up, then `build` the pipeline.

    Args:
        items: tf.data.Dataset of the readable items (`report.images`).
        read_fn: item -> encoded bytes (string scalar tensor).
        report: `ScanReport` of the items (its `source` names them in errors).
        prep: `Preprocessing`.
        options: dict. The keyword arguments of `build` (`check_arguments`).
        check_count: bool. Raise when `drop_remainder` leaves no batch.
    """
    report.warn()
    prep = prep.with_depth(report.depth, report.arrays)  # 16-bit stays 16-bit
    count = len(report.images)
    validated = not options["skip_errors"]
    check_batchable(report, prep, options["batch_size"], validated)
    if check_count:
        batch_size, drop_remainder = options["batch_size"], options["drop_remainder"]
        check_not_empty(report.source, count, batch_size, drop_remainder)
    return build(items, count if validated else None, read_fn, prep, **options)


def build(
    items,
    count,
    read_fn,
    prep,
    *,
    batch_size,
    shuffle,
    shuffle_buffer,
    seed,
    cache,
    repeat,
    drop_remainder,
    skip_errors=False,
):
    """Turn a dataset of `count` items into the training pipeline.

    Args:
        items: tf.data.Dataset of items in canonical (sorted) order.
        count: int or None. The number of items (None: unknown).
        read_fn: item -> encoded bytes (string scalar tensor).
        prep: `Preprocessing`. Stage 1 (`load`) and stage 2 (`augment`).
        skip_errors: bool. Drop elements whose decoding fails (when the items
            were not validated up front).
    """
    # Keep the order when seeded, or when unshuffled (file order was asked for).
    deterministic = seed is not None or not shuffle
    base = seed if seed is not None else random.SystemRandom().randrange(2**62)
    order_seed, augment_seed = mix_seed(base, 1), mix_seed(base, 2)
    passes = repeat_count(repeat)
    buffer = shuffle_buffer or count or 1024

    @graph_fn
    def load(item):
        return prep.load(read_fn(item))

    @graph_fn
    def load_and_augment(item, r):
        return prep.augment(prep.load(read_fn(item)), r)

    augment = graph_fn(prep.augment)
    ds = items
    if cache is not None:
        # Stage 1 once, in file order; the cache then feeds every epoch.
        ds = ds.map(load, num_parallel_calls=AUTOTUNE, deterministic=True)
        if skip_errors:
            ds = ds.ignore_errors()
        ds = ds.cache("" if cache == "memory" else cache)
        if count is not None and not skip_errors:
            ds = ds.apply(tf.data.experimental.assert_cardinality(count))
    if shuffle:
        ds = ds.shuffle(buffer, seed=order_seed, reshuffle_each_iteration=True)
    ds = ds.repeat(passes)
    randoms = tf.data.Dataset.random(seed=augment_seed, rerandomize_each_iteration=True)
    ds = tf.data.Dataset.zip(ds, randoms)
    fn = augment if cache is not None else load_and_augment
    ds = ds.map(fn, num_parallel_calls=AUTOTUNE, deterministic=deterministic)
    if skip_errors and cache is None:
        ds = ds.ignore_errors()
    if batch_size is not None:
        ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    return ds.prefetch(AUTOTUNE)
