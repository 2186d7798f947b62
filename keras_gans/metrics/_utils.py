"""Shared helpers of `keras_gans.metrics`: batching inputs, checking features."""

import numpy as np
from keras import ops


def is_array_like(data):
    """True for numpy arrays and backend tensors (things with shape and dtype)."""
    return hasattr(data, "shape") and hasattr(data, "dtype")


def to_numpy(x):
    """A numpy array from a numpy array or a backend tensor."""
    if isinstance(x, np.ndarray):
        return x
    return np.asarray(ops.convert_to_numpy(x))


def iter_batches(data, batch_size, name="images"):
    """Yield numpy batches from an array / tensor, a `tf.data.Dataset` or an
    iterable of batches.

    Arrays are split along their first axis into chunks of `batch_size`.
    Datasets and other iterables must already yield batches (arrays or tensors
    with a leading batch axis), not tuples or dicts.
    """
    if data is None:
        return
    if is_array_like(data):
        data = to_numpy(data)
        if data.ndim < 1:
            raise ValueError(
                f"`{name}` must have a leading batch axis. "
                f"Received: {name} with shape {data.shape}"
            )
        for start in range(0, data.shape[0], batch_size):
            yield data[start : start + batch_size]
        return
    if isinstance(data, (str, bytes, dict)):
        raise TypeError(
            f"`{name}` must be an array, a tensor, a `tf.data.Dataset` or an "
            f"iterable of batches. Received: {name} of type {type(data).__name__}"
        )
    try:
        iterator = iter(data)
    except TypeError:
        raise TypeError(
            f"`{name}` must be an array, a tensor, a `tf.data.Dataset` or an "
            f"iterable of batches. Received: {name} of type {type(data).__name__}"
        ) from None
    for batch in iterator:
        if isinstance(batch, (tuple, list, dict)):
            raise TypeError(
                f"`{name}` must yield batches of images, not "
                f"{type(batch).__name__}s. For a dataset of (a, b) pairs, pick "
                "one domain first, e.g. `ds.map(lambda a, b: b)`."
            )
        if not is_array_like(batch):
            raise TypeError(
                f"`{name}` must yield arrays or tensors with a leading batch axis. "
                f"Received a batch of type {type(batch).__name__}"
            )
        yield to_numpy(batch)


def extract_features(feature_extractor, batch):
    """Run `feature_extractor` on one batch; return (N, D) float64 features."""
    features = to_numpy(feature_extractor(batch)).astype("float64", copy=False)
    if features.ndim != 2:
        raise ValueError(
            "`feature_extractor` must map a batch of N inputs to (N, D) "
            f"features. Received features of shape {features.shape} for a "
            f"batch of shape {tuple(batch.shape)}"
        )
    if features.shape[0] != batch.shape[0]:
        raise ValueError(
            "`feature_extractor` returned features for "
            f"{features.shape[0]} inputs, but the batch has {batch.shape[0]}"
        )
    if not np.all(np.isfinite(features)):
        raise ValueError("`feature_extractor` returned non-finite (NaN/inf) features")
    return features


def as_batch(images, name="images"):
    """One batch (an array or tensor with a leading batch axis) as numpy."""
    if not is_array_like(images):
        raise TypeError(
            f"`{name}` must be one batch: an array or tensor (N, ...). For a "
            "dataset or a list of batches, call the update once per batch or use "
            f"`fid()` / `kid()`. Received: {name} of type {type(images).__name__}"
        )
    images = to_numpy(images)
    if images.ndim < 1:
        raise ValueError(
            f"`{name}` must have a leading batch axis. "
            f"Received: {name} with shape {images.shape}"
        )
    return images
