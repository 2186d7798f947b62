"""Fréchet Inception Distance: a streaming accumulator and a one-call helper."""

import warnings

import keras
import numpy as np

from keras_gans._checks import check_int
from keras_gans.metrics._feature_metric import FeatureMetric, accumulate


def _scipy_sqrtm():
    """`scipy.linalg.sqrtm`, or None when scipy is not installed."""
    try:
        from scipy import linalg
    except ImportError:
        return None
    return linalg.sqrtm


def _trace_sqrt_product_eigh(sigma1, sigma2, decomposition=None):
    """Tr(sqrt(S1 S2)) from eigen-decompositions of symmetric matrices.

    S1 S2 is similar to sqrt(S1) S2 sqrt(S1), which is symmetric positive
    semi-definite, so Tr(sqrt(S1 S2)) is the sum of the square roots of its
    eigenvalues (tiny negative ones from round-off are clipped to 0).
    `decomposition`: `np.linalg.eigh(sigma1)` when already computed.
    """
    w, v = decomposition if decomposition is not None else np.linalg.eigh(sigma1)
    sqrt_s1 = (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T
    m = sqrt_s1 @ sigma2 @ sqrt_s1
    eig = np.linalg.eigvalsh((m + m.T) / 2.0)
    return float(np.sum(np.sqrt(np.clip(eig, 0.0, None))))


def _trace_sqrt_product(sigma1, sigma2, eps=1e-6):
    """Tr(sqrt(S1 S2)) with `scipy.linalg.sqrtm` when scipy is installed and
    S1 has full rank, else (or when sqrtm fails) with
    `_trace_sqrt_product_eigh`.

    Fewer images than feature dimensions (e.g. 2048 Inception features of a
    small evaluation) make S1 singular: `sqrtm` of a singular 2048 x 2048
    product takes several times as long as the eigen-decompositions and is
    less accurate, so those go to `_trace_sqrt_product_eigh` directly.
    """
    sqrtm = _scipy_sqrtm()
    if sqrtm is None:
        return _trace_sqrt_product_eigh(sigma1, sigma2)
    decomposition = np.linalg.eigh(sigma1)
    w = decomposition[0]
    if w.size and w[0] <= 1e-10 * max(w[-1], 1e-300):
        return _trace_sqrt_product_eigh(sigma1, sigma2, decomposition)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy's "singular matrix" notes
        covmean = sqrtm(sigma1 @ sigma2)
        if not np.all(np.isfinite(covmean)):
            # As pytorch-fid: a singular product; shift both diagonals.
            offset = np.eye(sigma1.shape[0]) * eps
            covmean = sqrtm((sigma1 + offset) @ (sigma2 + offset))
    if not np.all(np.isfinite(covmean)):
        return _trace_sqrt_product_eigh(sigma1, sigma2)
    if np.iscomplexobj(covmean):
        # Round-off gives tiny imaginary parts; large ones mean sqrtm failed.
        scale = max(np.max(np.abs(covmean.real)), 1e-12)
        if np.max(np.abs(covmean.imag)) > 1e-3 * scale:
            return _trace_sqrt_product_eigh(sigma1, sigma2)
        covmean = covmean.real
    return float(np.trace(covmean))


def frechet_distance(mu1, sigma1, mu2, sigma2):
    """Fréchet distance between two Gaussians N(mu1, sigma1) and N(mu2, sigma2).

    d^2 = ||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 sqrt(sigma1 sigma2)),
    computed in float64. The matrix square root uses `scipy.linalg.sqrtm`
    when scipy is installed and `sigma1` has full rank (falling back, like
    pytorch-fid, to a small diagonal offset when the product is singular),
    otherwise an eigen-decomposition in numpy (exact for singular
    covariances, as from fewer images than feature dimensions, and several
    times faster there); both give the same value.

    Args:
        mu1: array (D,). Mean of the first Gaussian.
        sigma1: array (D, D). Covariance of the first Gaussian.
        mu2: array (D,). Mean of the second Gaussian.
        sigma2: array (D, D). Covariance of the second Gaussian.

    Returns:
        float, the squared Fréchet distance (>= 0 up to round-off).

    Example:
    ```python
    import numpy as np
    from keras_gans.metrics import frechet_distance

    d = frechet_distance(np.zeros(2), np.eye(2), np.ones(2), 4 * np.eye(2))
    print(round(d, 6))  # 2 + (1 + 4 - 2*2) * 2 = 4.0
    ```

    Reference:
    - [Dowson & Landau, 1982. The Fréchet distance between multivariate
      normal distributions](https://doi.org/10.1016/0047-259X(82)90077-X)
    """
    mu1 = np.atleast_1d(np.asarray(mu1, dtype="float64"))
    mu2 = np.atleast_1d(np.asarray(mu2, dtype="float64"))
    sigma1 = np.atleast_2d(np.asarray(sigma1, dtype="float64"))
    sigma2 = np.atleast_2d(np.asarray(sigma2, dtype="float64"))
    d = mu1.shape[0]
    if mu2.shape != (d,) or sigma1.shape != (d, d) or sigma2.shape != (d, d):
        raise ValueError(
            "`frechet_distance` needs means of shape (D,) and covariances of "
            f"shape (D, D). Received: mu1 {mu1.shape}, sigma1 {sigma1.shape}, "
            f"mu2 {mu2.shape}, sigma2 {sigma2.shape}"
        )
    diff = mu1 - mu2
    trace_term = (
        np.trace(sigma1) + np.trace(sigma2) - 2.0 * _trace_sqrt_product(sigma1, sigma2)
    )
    return float(diff @ diff + trace_term)


class _RunningMoments:
    """Mean and covariance of a stream of (N, D) feature batches, in float64.

    Keeps the count, the mean and the sum of squared deviations M2 (D, D) and
    merges each batch with Chan et al.'s pairwise update, which, unlike raw
    sums of x x^T, does not cancel catastrophically when the mean is large.
    Memory is O(D^2), whatever the number of samples.
    """

    def __init__(self):
        self.count = 0
        self.mean = None
        self.m2 = None

    def update(self, features):
        n_b = features.shape[0]
        if n_b == 0:
            return
        mean_b = features.mean(axis=0)
        centered = features - mean_b
        m2_b = centered.T @ centered
        if self.count == 0:
            self.count, self.mean, self.m2 = n_b, mean_b, m2_b
            return
        if features.shape[1] != self.mean.shape[0]:
            raise ValueError(
                f"Feature dimension changed from {self.mean.shape[0]} to "
                f"{features.shape[1]} between batches"
            )
        n_a = self.count
        n = n_a + n_b
        delta = mean_b - self.mean
        self.mean = self.mean + delta * (n_b / n)
        self.m2 = self.m2 + m2_b + np.outer(delta, delta) * (n_a * n_b / n)
        self.count = n

    def covariance(self):
        return self.m2 / (self.count - 1)


@keras.saving.register_keras_serializable(package="keras_gans")
class FrechetInceptionDistance(FeatureMetric):
    """Streaming Fréchet Inception Distance (FID) between real and fake images.

    Feed batches with `update_state(real_batch, fake_batch)` (either may be
    None) or with `update_real` / `update_fake`, in any order and number, then
    read `result()`. Only running float64 statistics are kept per side (count,
    mean, and the (D, D) sum of squared deviations), never the features, so
    memory does not grow with the number of images, and the result equals the
    one computed from all features at once.

    FID = ||mu_r - mu_f||^2 + Tr(S_r + S_f - 2 sqrt(S_r S_f)) for the means and
    covariances of the features of the real and fake images. Lower is better;
    0 for identical sets. It is biased upwards for small samples (the bias
    depends on the generator), so compare values computed with the same
    number of images; with fewer images than feature dimensions (2048) the
    covariances are singular and the values mostly bias.

    Args:
        feature_extractor: None, `"inception"` or a callable. Maps a batch of
            images to (N, D) features. `None`/`"inception"` use
            `InceptionFeatures()` (ImageNet weights, downloaded on first use);
            any callable (a `keras.Model`, a function) can be passed instead.
            Defaults to `None`.

    Example:
    ```python
    import numpy as np
    from keras_gans.metrics import FrechetInceptionDistance

    rng = np.random.default_rng(0)
    fid = FrechetInceptionDistance(feature_extractor=lambda x: x)  # raw vectors
    for _ in range(4):
        fid.update_state(rng.normal(size=(64, 8)), rng.normal(1.0, size=(64, 8)))
    print(fid.result())  # about 8 = ||(1, ..., 1)||^2
    ```

    Reference:
    - [Heusel et al., 2017. GANs Trained by a Two Time-Scale Update Rule
      Converge to a Local Nash Equilibrium](https://arxiv.org/abs/1706.08500)
    """

    def _new_store(self, side):
        return _RunningMoments()

    def statistics(self, which):
        """`(mean, covariance)` of the features of `which` = "real" or "fake"."""
        moments = self._store(which)
        if moments.count < 2:
            raise ValueError(
                f"FID needs at least 2 {which} samples; it has {moments.count}"
            )
        return moments.mean.copy(), moments.covariance()

    def result(self):
        """The FID of everything seen so far, as a Python float."""
        mu_r, sigma_r = self.statistics("real")
        mu_f, sigma_f = self.statistics("fake")
        if mu_r.shape != mu_f.shape:
            raise ValueError(
                f"Real features have dimension {mu_r.shape[0]} but fake features "
                f"have {mu_f.shape[0]}"
            )
        dim = mu_r.shape[0]
        smallest = min(self.num_real, self.num_fake)
        if smallest <= dim:
            warnings.warn(
                f"FID from {smallest} samples of {dim}-d features: the covariance "
                "is singular and the value is dominated by small-sample bias; "
                "use more samples than feature dimensions (10k-50k are "
                "customary for Inception features).",
                stacklevel=2,
            )
        return frechet_distance(mu_r, sigma_r, mu_f, sigma_f)


def fid(real, fake, feature_extractor=None, *, batch_size=50):
    """Fréchet Inception Distance between two sets of images, in one call.

    Args:
        real: array/tensor (N, H, W, C), `tf.data.Dataset` of batches, or any
            iterable of batches: the reference images, in [-1, 1] (or uint8).
        fake: same kinds: the generated images.
        feature_extractor: None, `"inception"` or a callable batch -> (N, D)
            features; see `FrechetInceptionDistance`. Defaults to `None`
            (InceptionV3 with ImageNet weights).
        batch_size: int. Batch size used to split arrays. Defaults to `50`.

    Returns:
        float, the FID (lower is better).

    Example:
    ```python
    import numpy as np
    from keras_gans.metrics import fid

    x = np.random.default_rng(0).normal(size=(200, 4))
    # Raw vectors as features; a shift by 1 in each of 4 dimensions:
    print(round(fid(x, x + 1.0, feature_extractor=lambda b: b), 6))  # 4.0
    ```

    Reference:
    - [Heusel et al., 2017. GANs Trained by a Two Time-Scale Update Rule
      Converge to a Local Nash Equilibrium](https://arxiv.org/abs/1706.08500)
    """
    batch_size = check_int("batch_size", batch_size)
    metric = FrechetInceptionDistance(feature_extractor)
    return accumulate(metric, real, fake, batch_size).result()
