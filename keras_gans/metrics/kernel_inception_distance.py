"""Kernel Inception Distance: a streaming accumulator and a one-call helper."""

import keras
import numpy as np

from keras_gans._checks import check_int
from keras_gans.metrics._feature_metric import FeatureMetric, accumulate


def _polynomial_mmd2(x, y):
    """Unbiased MMD^2 between samples x (m, D) and y (n, D), cubic kernel.

    k(a, b) = (a.b / D + 1)^3. The within-set sums leave out the diagonal
    k(x_i, x_i), which is what makes the estimator unbiased.
    """
    m, n = x.shape[0], y.shape[0]
    dim = x.shape[1]
    k_xx = (x @ x.T / dim + 1.0) ** 3
    k_yy = (y @ y.T / dim + 1.0) ** 3
    k_xy = (x @ y.T / dim + 1.0) ** 3
    sum_xx = k_xx.sum() - np.trace(k_xx)
    sum_yy = k_yy.sum() - np.trace(k_yy)
    return float(sum_xx / (m * (m - 1)) + sum_yy / (n * (n - 1)) - 2.0 * k_xy.mean())


class _FeatureStore:
    """All features of a stream (float32), or a uniform reservoir of them."""

    def __init__(self, max_samples, rng):
        self.max_samples = max_samples
        self.rng = rng
        self.count = 0
        self._chunks = []
        self._reservoir = None
        self._filled = 0

    def update(self, features):
        features = features.astype("float32")
        n = features.shape[0]
        if n == 0:
            return
        if self.max_samples is None:
            self._chunks.append(features)
            self.count += n
            return
        k = self.max_samples
        if self._reservoir is None:
            self._reservoir = np.empty((k, features.shape[1]), "float32")
        # Algorithm R: fill the reservoir, then row t replaces a random slot
        # with probability k / (t + 1), so every row seen is kept with
        # probability k / seen.
        take = min(k - self._filled, n)
        self._reservoir[self._filled : self._filled + take] = features[:take]
        self._filled += take
        self.count += take
        for row in features[take:]:
            slot = self.rng.integers(0, self.count + 1)
            if slot < k:
                self._reservoir[slot] = row
            self.count += 1

    def features(self):
        if self.max_samples is not None:
            if self._reservoir is None:
                return np.zeros((0, 0), "float32")
            return self._reservoir[: self._filled]
        if not self._chunks:
            return np.zeros((0, 0), "float32")
        if len(self._chunks) > 1:
            self._chunks = [np.concatenate(self._chunks, axis=0)]
        return self._chunks[0]


@keras.saving.register_keras_serializable(package="keras_gans")
class KernelInceptionDistance(FeatureMetric):
    """Streaming Kernel Inception Distance (KID) between real and fake images.

    KID is the squared maximum mean discrepancy (MMD^2) between the feature
    distributions of real and fake images, with the cubic polynomial kernel
    k(x, y) = (x.y / D + 1)^3, estimated without bias: its expectation is 0
    when both sets come from the same distribution, whatever the sample size
    (unlike FID). As in Binkowski et al., it is averaged over `subsets` random
    subsets of `subset_size` real and `subset_size` fake samples (drawn
    without replacement; `subset_size` is clipped to the smaller set). Lower
    is better; small negative values are possible.

    Feed batches with `update_state(real_batch, fake_batch)` or
    `update_real` / `update_fake`, then read `result()`. Unlike FID, the
    estimator needs the features themselves: all of them are kept, as
    float32 (8 KiB per image for 2048-d Inception features), unless
    `max_samples` is set, in which case each side keeps a uniform random
    reservoir of `max_samples` features.

    Args:
        feature_extractor: None, `"inception"` or a callable. Maps a batch of
            images to (N, D) features; `None`/`"inception"` use
            `InceptionFeatures()`. Defaults to `None`.
        subsets: int. Number of random subsets averaged. Defaults to `100`.
        subset_size: int. Samples per subset and side, at least 2.
            Defaults to `1000`.
        max_samples: int or None. Keep at most this many features per side
            (reservoir sampling); None keeps all. Defaults to `None`.
        seed: int. Seed of the subset and reservoir sampling; `result()` is
            deterministic for a given seed and data. Defaults to `0`.

    Example:
    ```python
    import numpy as np
    from keras_gans.metrics import KernelInceptionDistance

    rng = np.random.default_rng(0)
    kid = KernelInceptionDistance(lambda x: x, subsets=10, subset_size=100)
    kid.update_state(rng.normal(size=(200, 8)), rng.normal(size=(200, 8)))
    mean, std = kid.result(return_std=True)
    print(abs(mean) < 3 * std)  # True: same distribution, unbiased estimate
    ```

    Reference:
    - [Binkowski et al., 2018. Demystifying MMD
      GANs](https://arxiv.org/abs/1801.01401)
    """

    def __init__(
        self,
        feature_extractor=None,
        *,
        subsets=100,
        subset_size=1000,
        max_samples=None,
        seed=0,
    ):
        self.subsets = check_int("subsets", subsets)
        self.subset_size = check_int("subset_size", subset_size, minimum=2)
        if max_samples is not None:
            max_samples = check_int("max_samples", max_samples, minimum=2)
        self.max_samples = max_samples
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise ValueError(f"`seed` must be an integer. Received: seed={seed!r}")
        self.seed = int(seed)
        super().__init__(feature_extractor)

    def _new_store(self, side):
        # One random stream per side: the reservoirs do not depend on the
        # order in which real and fake batches arrive.
        rng = np.random.default_rng([self.seed, 1 if side == "real" else 2])
        return _FeatureStore(self.max_samples, rng)

    def features(self, which):
        """The kept features (N, D) float32 of `which` = "real" or "fake"."""
        return self._store(which).features()

    def result(self, return_std=False):
        """The KID (mean over subsets), or `(mean, std)` if `return_std`."""
        real, fake = self.features("real"), self.features("fake")
        if real.shape[0] < 2 or fake.shape[0] < 2:
            raise ValueError(
                "KID needs at least 2 real and 2 fake samples. Received: "
                f"{real.shape[0]} real, {fake.shape[0]} fake"
            )
        if real.shape[1] != fake.shape[1]:
            raise ValueError(
                f"Real features have dimension {real.shape[1]} but fake features "
                f"have {fake.shape[1]}"
            )
        size = min(self.subset_size, real.shape[0], fake.shape[0])
        rng = np.random.default_rng(self.seed)
        estimates = np.empty(self.subsets)
        for i in range(self.subsets):
            x = real[rng.choice(real.shape[0], size, replace=False)]
            y = fake[rng.choice(fake.shape[0], size, replace=False)]
            estimates[i] = _polynomial_mmd2(x.astype("float64"), y.astype("float64"))
        mean = float(estimates.mean())
        if return_std:
            return mean, float(estimates.std())
        return mean

    def get_config(self):
        return {
            **super().get_config(),
            "subsets": self.subsets,
            "subset_size": self.subset_size,
            "max_samples": self.max_samples,
            "seed": self.seed,
        }


def kid(
    real,
    fake,
    feature_extractor=None,
    *,
    subsets=100,
    subset_size=1000,
    seed=0,
    batch_size=50,
    return_std=False,
):
    """Kernel Inception Distance between two sets of images, in one call.

    Args:
        real: array/tensor (N, H, W, C), `tf.data.Dataset` of batches, or any
            iterable of batches: the reference images, in [-1, 1] (or uint8).
        fake: same kinds: the generated images.
        feature_extractor: None, `"inception"` or a callable batch -> (N, D)
            features; see `KernelInceptionDistance`. Defaults to `None`
            (InceptionV3 with ImageNet weights).
        subsets: int. Number of random subsets averaged. Defaults to `100`.
        subset_size: int. Samples per subset and side (clipped to the smaller
            set). Defaults to `1000`.
        seed: int. Seed of the subset sampling. Defaults to `0`.
        batch_size: int. Batch size used to split arrays. Defaults to `50`.
        return_std: bool. Also return the standard deviation over subsets.
            Defaults to `False`.

    Returns:
        float, the KID, or `(mean, std)` when `return_std=True`.

    Example:
    ```python
    import numpy as np
    from keras_gans.metrics import kid

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(100, 4)), rng.normal(2.0, size=(100, 4))
    print(kid(a, b, feature_extractor=lambda x: x, subsets=5, subset_size=50))
    ```

    Reference:
    - [Binkowski et al., 2018. Demystifying MMD
      GANs](https://arxiv.org/abs/1801.01401)
    """
    batch_size = check_int("batch_size", batch_size)
    metric = KernelInceptionDistance(
        feature_extractor, subsets=subsets, subset_size=subset_size, seed=seed
    )
    return accumulate(metric, real, fake, batch_size).result(return_std=return_std)
