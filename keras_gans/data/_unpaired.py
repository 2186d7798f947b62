"""Zip two unpaired image datasets into (a, b) batches, the way CycleGAN trains."""

import tensorflow as tf

from keras_gans._checks import check_int


def _length(ds, name):
    n = int(ds.cardinality())
    if n == tf.data.INFINITE_CARDINALITY:
        raise ValueError(
            f"`{name}` is infinite; pass one pass of each domain (repeat=False): "
            "`unpaired` repeats the smaller one itself."
        )
    if n == tf.data.UNKNOWN_CARDINALITY:
        raise ValueError(
            f"The length of `{name}` is unknown (e.g. after `filter` or with "
            "validate=False); `unpaired` needs it to know which domain is larger. "
            "Apply `tf.data.experimental.assert_cardinality(n)` if you know it."
        )
    return n


def unpaired(a, b, *, batch_size=1, drop_remainder=False):
    """Zip two image datasets of different sizes into `(a, b)` batches.

    One epoch covers the larger domain once; the smaller one is repeated, and,
    when it shuffles (as `image_folder(shuffle=True)` does), every repetition
    comes in a new order. The two domains are not paired in any way: a and b
    at the same position are unrelated images.

    Args:
        a: tf.data.Dataset. Unbatched images of domain A, one pass
            (finite, known length), e.g. `image_folder(path_a, 256)`.
        b: tf.data.Dataset. Unbatched images of domain B, likewise. Give the
            two domains different seeds, or equal-sized domains with the same
            seed are shuffled into the same order.
        batch_size: int. Pairs per batch. Defaults to `1`.
        drop_remainder: bool. Drop a last, smaller batch. Defaults to `False`.

    Returns:
        A `tf.data.Dataset` of `(a_batch, b_batch)` tuples with
        `ceil(max(len(a), len(b)) / batch_size)` elements.

    Example:
    ```python
    import tensorflow as tf
    from keras_gans import data

    a = tf.data.Dataset.from_tensor_slices(tf.zeros((5, 8, 8, 3)))
    b = tf.data.Dataset.from_tensor_slices(tf.ones((2, 8, 8, 3))).shuffle(2)
    ds = data.unpaired(a, b, batch_size=2)
    print(len(ds))  # 3
    ```
    """
    check_int("batch_size", batch_size)
    for name, ds in (("a", a), ("b", b)):
        if not isinstance(ds, tf.data.Dataset):
            raise ValueError(
                f"`{name}` must be a tf.data.Dataset. Received: {name}={ds!r}"
            )
        rank = ds.element_spec.shape.rank if hasattr(ds.element_spec, "shape") else None
        if rank != 3:
            raise ValueError(
                f"`{name}` must yield single images (height, width, channels); "
                f"received elements {ds.element_spec}. Build it without batch_size."
            )
    len_a, len_b = _length(a, "a"), _length(b, "b")
    if len_a == 0 or len_b == 0:
        raise ValueError(
            f"Both domains need images. Received: len(a)={len_a}, len(b)={len_b}"
        )
    if len_a >= len_b:
        ds = tf.data.Dataset.zip(a, b.repeat())
    else:
        ds = tf.data.Dataset.zip(a.repeat(), b)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    return ds.prefetch(tf.data.AUTOTUNE)


def two_domains(make, sources, *, zip_domains, batch_size, drop_remainder):
    """Datasets of domains A and B: zipped by `unpaired`, or a batched pair.

    Args:
        make: callable. `make(source, batch_size=..., drop_remainder=...)`
            returns one domain's dataset.
        sources: the two domains' sources (A, B), each passed to `make`.
        zip_domains: bool. `True`: one dataset of `(a, b)` batches made by
            `unpaired` from unbatched domains; `False`: `(dataset_a,
            dataset_b)`, each batched.
        batch_size: int. The batch size.
        drop_remainder: bool. Drop a last, smaller batch.
    """
    if zip_domains:
        a, b = (make(s, batch_size=None, drop_remainder=False) for s in sources)
        return unpaired(a, b, batch_size=batch_size, drop_remainder=drop_remainder)
    return tuple(
        make(s, batch_size=batch_size, drop_remainder=drop_remainder) for s in sources
    )
