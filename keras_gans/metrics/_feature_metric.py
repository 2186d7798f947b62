"""The plumbing FID and KID share: features of real and fake image batches.

`FeatureMetric` resolves the feature extractor lazily (InceptionV3 is built
at the first batch, not at construction), turns each batch into (N, D)
features and hands them to one store per side. A subclass says what a store
is (`_new_store`) and what the result is; `accumulate` feeds a metric from
arrays, datasets or iterables of batches for the one-call helpers.
"""

import keras

from keras_gans.metrics._utils import (
    as_batch,
    extract_features,
    iter_batches,
)
from keras_gans.metrics.features import resolve_feature_extractor

SIDES = ("real", "fake")


class FeatureMetric:
    """Base of the streaming feature-distribution metrics (not public).

    A store (`_new_store(side)`) takes `update(features)` with (N, D) float64
    features and has `count`, the number of samples it was given.

    Args:
        feature_extractor: None, `"inception"` or a callable mapping a batch
            of images to (N, D) features.
    """

    def __init__(self, feature_extractor=None):
        self.feature_extractor = feature_extractor
        self._extractor = None
        self.reset_state()

    def _new_store(self, side):
        """A fresh, empty store for `side` ("real" or "fake")."""
        raise NotImplementedError

    def _features(self, images):
        if self._extractor is None:
            self._extractor = resolve_feature_extractor(self.feature_extractor)
        return extract_features(self._extractor, images)

    def _store(self, which):
        """The store of `which` = "real" or "fake" (checked)."""
        if which not in SIDES:
            raise ValueError(f"`which` must be 'real' or 'fake'. Received: {which!r}")
        return self._real if which == "real" else self._fake

    @property
    def num_real(self):
        """Number of real samples added so far (also any not kept)."""
        return self._real.count

    @property
    def num_fake(self):
        """Number of fake samples added so far (also any not kept)."""
        return self._fake.count

    def update_real(self, images):
        """Add one batch of real images (N, ...)."""
        self._real.update(self._features(as_batch(images)))

    def update_fake(self, images):
        """Add one batch of generated images (N, ...)."""
        self._fake.update(self._features(as_batch(images)))

    def update_state(self, real_images=None, fake_images=None):
        """Add a batch of real and/or a batch of fake images."""
        if real_images is not None:
            self.update_real(real_images)
        if fake_images is not None:
            self.update_fake(fake_images)

    def reset_state(self, *, real=True, fake=True):
        """Forget the real and/or fake samples (e.g. keep fixed real ones)."""
        if real:
            self._real = self._new_store("real")
        if fake:
            self._fake = self._new_store("fake")

    def get_config(self):
        return {
            "feature_extractor": keras.saving.serialize_keras_object(
                self.feature_extractor
            )
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["feature_extractor"] = keras.saving.deserialize_keras_object(
            config["feature_extractor"]
        )
        return cls(**config)


def accumulate(metric, real, fake, batch_size):
    """Feed `metric` all batches of `real` and `fake`; return the metric.

    `real` and `fake` are arrays / tensors (split into chunks of
    `batch_size`, a positive int the caller has checked with
    `keras_gans._checks.check_int`), `tf.data.Dataset`s of batches or iterables of
    batches.
    """
    for batch in iter_batches(real, batch_size, name="real"):
        metric.update_real(batch)
    for batch in iter_batches(fake, batch_size, name="fake"):
        metric.update_fake(batch)
    return metric
