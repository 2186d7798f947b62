import sys
import warnings

import numpy as np
import pytest
import scipy.linalg
import tensorflow as tf

from keras_gans.metrics import (
    FrechetInceptionDistance,
    InceptionFeatures,
    fid,
    frechet_distance,
)
from keras_gans.metrics import frechet_inception_distance as fid_module
from tests.metrics.helpers import (
    exact_moment_samples,
    identity,
    images,
    tiny_feature_extractor,
)
from tests.test_case import run_serialization_test


def reference_fid(x, y):
    """FID straight from numpy / scipy, all features at once."""
    x, y = np.asarray(x, "float64"), np.asarray(y, "float64")
    mu1, mu2 = x.mean(axis=0), y.mean(axis=0)
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    covmean = scipy.linalg.sqrtm(s1 @ s2).real
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * covmean))


def test_identical_image_sets_give_zero():
    extractor = tiny_feature_extractor()
    real = images(128, seed=0)
    value = fid(real, real, feature_extractor=extractor, batch_size=32)
    features = np.asarray(extractor(real), "float64")
    scale = np.trace(np.cov(features, rowvar=False))
    assert abs(value) < 1e-6 * scale
    # The same extractor does see a difference between different sets.
    other = fid(real, images(128, seed=1, scale=0.3), feature_extractor=extractor)
    assert other > 1e3 * abs(value) and other > 1e-3 * scale


def test_gaussians_with_diagonal_covariances_match_closed_form():
    rng = np.random.default_rng(0)
    mu1, mu2 = np.array([0.0, 1.0, -2.0, 0.5]), np.array([1.0, 1.0, 0.0, 0.0])
    sd1, sd2 = np.array([1.0, 2.0, 0.5, 1.0]), np.array([2.0, 1.0, 0.5, 3.0])
    x = exact_moment_samples(rng, 300, mu1, np.diag(sd1**2))
    y = exact_moment_samples(rng, 200, mu2, np.diag(sd2**2))
    # Commuting covariances: Tr(S1 + S2 - 2 sqrt(S1 S2)) = sum (sd1 - sd2)^2.
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((sd1 - sd2) ** 2)
    value = fid(x, y, feature_extractor=identity, batch_size=64)
    np.testing.assert_allclose(value, expected, rtol=1e-3)


def test_gaussians_with_non_commuting_covariances_match_closed_form():
    rng = np.random.default_rng(1)
    s1 = np.array([[2.0, 0.8], [0.8, 1.0]])
    s2 = np.array([[1.0, -0.3], [-0.3, 3.0]])
    mu1, mu2 = np.array([0.5, -1.0]), np.array([0.0, 2.0])
    # For a 2x2 M with positive eigenvalues: Tr sqrt(M) = sqrt(Tr M + 2 sqrt(det M)).
    m = s1 @ s2
    tr_sqrt = np.sqrt(np.trace(m) + 2 * np.sqrt(np.linalg.det(m)))
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * tr_sqrt
    x = exact_moment_samples(rng, 400, mu1, s1)
    y = exact_moment_samples(rng, 250, mu2, s2)
    np.testing.assert_allclose(fid(x, y, identity), expected, rtol=1e-3)
    np.testing.assert_allclose(frechet_distance(mu1, s1, mu2, s2), expected, rtol=1e-9)


def test_matches_numpy_scipy_reference_on_gaussian_features():
    rng = np.random.default_rng(2)
    d = 16
    a = rng.normal(size=(d, d)) / np.sqrt(d)
    x = rng.normal(size=(600, d)) @ a.T
    y = rng.normal(0.3, 1.5, size=(500, d))
    value = fid(x, y, feature_extractor=identity, batch_size=100)
    np.testing.assert_allclose(value, reference_fid(x, y), rtol=1e-6)


def test_numpy_fallback_without_scipy_gives_the_same_value(monkeypatch):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(300, 12))
    y = rng.normal(0.5, 2.0, size=(300, 12)) @ rng.normal(size=(12, 12))
    with_scipy = fid(x, y, identity)
    # `from scipy import linalg` raises ImportError when sys.modules has None.
    monkeypatch.setitem(sys.modules, "scipy", None)
    assert fid_module._scipy_sqrtm() is None
    calls = []
    eigh = fid_module._trace_sqrt_product_eigh
    monkeypatch.setattr(
        fid_module,
        "_trace_sqrt_product_eigh",
        lambda s1, s2: calls.append(1) or eigh(s1, s2),
    )
    without_scipy = fid(x, y, identity)
    assert calls, "the numpy fallback was not used"
    np.testing.assert_allclose(without_scipy, with_scipy, rtol=1e-8)
    np.testing.assert_allclose(without_scipy, reference_fid(x, y), rtol=1e-8)


def test_fewer_samples_than_dimensions_skip_sqrtm_and_are_exact(monkeypatch):
    # 8 images of 256 features: both covariances have rank 7. Tr(sqrt(S1 S2))
    # is then exactly the nuclear norm of A1 A2^T (A: centred features over
    # sqrt(n - 1)); sqrtm of the singular product is slow at D = 2048 and is
    # not called.
    rng = np.random.default_rng(5)
    x = rng.normal(size=(8, 256))
    y = rng.normal(0.3, 1.5, size=(8, 256))

    def no_sqrtm():
        def fail(matrix):
            raise AssertionError("sqrtm was called on singular covariances")

        return fail

    monkeypatch.setattr(fid_module, "_scipy_sqrtm", no_sqrtm)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fewer samples than dimensions
        value = fid(x, y, identity)
    a1 = (x - x.mean(0)) / np.sqrt(7)
    a2 = (y - y.mean(0)) / np.sqrt(7)
    nuclear = np.linalg.svd(a1 @ a2.T, compute_uv=False).sum()
    diff = x.mean(0) - y.mean(0)
    exact = diff @ diff + np.sum(a1**2) + np.sum(a2**2) - 2 * nuclear
    np.testing.assert_allclose(value, exact, rtol=1e-7)


def test_streaming_equals_all_at_once():
    # Fixed features, so that batching cannot change them: exact equality.
    rng = np.random.default_rng(4)
    real = rng.normal(size=(96, 8)).astype("float32")
    fake = rng.normal(0.2, 1.3, size=(80, 8)).astype("float32")
    all_at_once = fid(real, fake, identity, batch_size=1000)

    metric = FrechetInceptionDistance(feature_extractor=identity)
    for start, stop in [(0, 7), (7, 57), (57, 58), (58, 96)]:
        metric.update_state(real[start:stop], None)
    for start in range(0, 80, 30):
        metric.update_fake(fake[start : start + 30])
    assert (metric.num_real, metric.num_fake) == (96, 80)
    np.testing.assert_allclose(metric.result(), all_at_once, rtol=1e-10)
    np.testing.assert_allclose(all_at_once, reference_fid(real, fake), rtol=1e-8)

    mean, cov = metric.statistics("real")
    real64 = real.astype("float64")
    np.testing.assert_allclose(mean, real64.mean(axis=0), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(cov, np.cov(real64, rowvar=False), atol=1e-12)

    # reset_state(real=False) keeps the real statistics.
    metric.reset_state(real=False)
    assert (metric.num_real, metric.num_fake) == (96, 0)
    metric.update_fake(fake)
    np.testing.assert_allclose(metric.result(), all_at_once, rtol=1e-10)


def test_arrays_datasets_and_lists_of_batches_agree():
    extractor = tiny_feature_extractor()
    real, fake = images(96, seed=4), images(80, seed=5, scale=0.6)
    all_at_once = fid(real, fake, extractor, batch_size=1000)
    expected = reference_fid(
        np.asarray(extractor(real), "float64"), np.asarray(extractor(fake), "float64")
    )
    # float32 convolutions differ in the last bits with the batch size.
    np.testing.assert_allclose(all_at_once, expected, rtol=1e-5)
    ds_real = tf.data.Dataset.from_tensor_slices(real).batch(17)
    ds_fake = tf.data.Dataset.from_tensor_slices(fake).batch(32)
    np.testing.assert_allclose(fid(ds_real, ds_fake, extractor), expected, rtol=1e-5)
    batches = [fake[:40], tf.constant(fake[40:])]
    np.testing.assert_allclose(fid(real, batches, extractor), expected, rtol=1e-5)


def test_running_covariance_is_accurate_with_a_large_mean():
    # Naive sums of x x^T lose ~12 of 16 digits at an offset of 1e6.
    rng = np.random.default_rng(6)
    x = rng.normal(size=(1000, 4)) + 1e6
    metric = FrechetInceptionDistance(identity)
    for start in range(0, 1000, 64):
        metric.update_real(x[start : start + 64])
    _, cov = metric.statistics("real")
    np.testing.assert_allclose(cov, np.cov(x, rowvar=False), rtol=1e-7, atol=1e-7)


def test_errors_are_clear():
    metric = FrechetInceptionDistance(identity)
    with pytest.raises(ValueError, match="at least 2 real samples"):
        metric.result()
    metric.update_real(np.ones((3, 2)))
    with pytest.raises(ValueError, match="at least 2 fake samples"):
        metric.result()
    with pytest.raises(TypeError, match="one batch"):
        metric.update_fake([np.ones((3, 2))])
    bad = FrechetInceptionDistance(lambda x: x.reshape(-1))
    with pytest.raises(ValueError, match=r"\(N, D\) features"):
        bad.update_real(np.ones((3, 2)))
    pairs = tf.data.Dataset.from_tensor_slices((np.ones((4, 2)), np.ones((4, 2))))
    with pytest.raises(TypeError, match="lambda a, b: b"):
        fid(pairs.batch(2), np.ones((4, 2)), identity)
    with pytest.raises(TypeError, match="feature_extractor"):
        FrechetInceptionDistance(feature_extractor=3).update_real(np.ones((3, 2)))
    with pytest.raises(ValueError, match="batch_size=0"):
        fid(np.ones((4, 2)), np.ones((4, 2)), identity, batch_size=0)


def test_warns_when_fewer_samples_than_feature_dimensions():
    rng = np.random.default_rng(7)
    with pytest.warns(UserWarning, match="singular"):
        fid(rng.normal(size=(10, 16)), rng.normal(size=(10, 16)), identity)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fid(rng.normal(size=(40, 16)), rng.normal(size=(40, 16)), identity)


def test_serialization():
    run_serialization_test(FrechetInceptionDistance())
    clone = run_serialization_test(
        FrechetInceptionDistance(InceptionFeatures(weights=None, image_size=75))
    )
    assert isinstance(clone.feature_extractor, InceptionFeatures)
    assert clone.feature_extractor.image_size == 75
