"""Adversarial and reconstruction losses, and the WGAN-GP gradient penalty."""

import keras
import numpy as np
import pytest

from keras_gans import losses
from keras_gans.losses import gradient_penalty
from tests.test_case import random_input


def softplus(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


REAL = random_input((2, 4, 4, 1), seed=1)
FAKE = random_input((2, 4, 4, 1), seed=2)

EXPECTED = {
    "lsgan": (
        np.mean((REAL - 1) ** 2) + np.mean(FAKE**2),
        np.mean((FAKE - 1) ** 2),
    ),
    "vanilla": (
        np.mean(softplus(-REAL)) + np.mean(softplus(FAKE)),
        np.mean(softplus(-FAKE)),
    ),
    "hinge": (
        np.mean(np.maximum(0, 1 - REAL)) + np.mean(np.maximum(0, 1 + FAKE)),
        -np.mean(FAKE),
    ),
    "wgan-gp": (np.mean(FAKE) - np.mean(REAL), -np.mean(FAKE)),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_adversarial_losses_match_their_formulas(name):
    loss = losses.get(name)
    d_expected, g_expected = EXPECTED[name]
    d = float(loss.discriminator_loss(REAL, FAKE))
    g = float(loss.generator_loss(FAKE))
    assert d == pytest.approx(d_expected, rel=1e-5)
    assert g == pytest.approx(g_expected, rel=1e-5)


def test_vanilla_is_binary_cross_entropy_on_logits():
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    loss = losses.get("vanilla")
    expected = float(bce(np.ones_like(REAL), REAL)) + float(
        bce(np.zeros_like(FAKE), FAKE)
    )
    assert float(loss.discriminator_loss(REAL, FAKE)) == pytest.approx(
        expected, rel=1e-5
    )


def test_reconstruction_losses():
    a = random_input((2, 8, 8, 3), seed=3)
    b = random_input((2, 8, 8, 3), seed=4)
    assert float(losses.l1_loss(a, b)) == pytest.approx(
        np.mean(np.abs(a - b)), rel=1e-6
    )
    assert float(losses.mse_loss(a, b)) == pytest.approx(
        np.mean((a - b) ** 2), rel=1e-6
    )


def test_get_names_errors_and_serialization():
    assert losses.list_losses() == ["hinge", "lsgan", "vanilla", "wgan-gp"]
    assert isinstance(losses.get("LSGAN"), losses.LSGAN)
    assert isinstance(losses.get("wgan_gp"), losses.WGANGP)
    instance = losses.Hinge()
    assert losses.get(instance) is instance
    with pytest.raises(ValueError, match=r"'bce'.*hinge.*lsgan.*vanilla.*wgan-gp"):
        losses.get("bce")
    custom = losses.WGANGP(gradient_penalty_weight=5.0, n_critic=3)
    config = losses.serialize(custom)
    revived = losses.get(config)
    assert isinstance(revived, losses.WGANGP)
    assert (revived.gradient_penalty_weight, revived.n_critic) == (5.0, 3)
    assert losses.serialize("lsgan") == "lsgan"
    assert losses.get("wgan-gp").n_critic == 5
    assert losses.get("lsgan").n_critic == 1
    assert losses.get("lsgan").gradient_penalty_weight == 0.0
    with pytest.raises(ValueError, match="n_critic=0"):
        losses.WGANGP(n_critic=0)
    with pytest.raises(ValueError, match="gradient_penalty_weight=-1"):
        losses.WGANGP(gradient_penalty_weight=-1)


@pytest.mark.parametrize("scale", [0.5, 3.0])
def test_gradient_penalty_of_a_linear_critic(scale):
    # D(x) = w . x has gradient w everywhere: penalty = (|w| - 1)^2.
    critic = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(1, use_bias=False)]
    )
    w = np.full((4, 1), scale / 2.0, "float32")  # |w| = scale
    critic.layers[0].set_weights([w])
    real = random_input((3, 4), seed=5)
    fake = random_input((3, 4), seed=6)
    penalty = float(gradient_penalty(critic, real, fake, seed=0))
    assert penalty == pytest.approx((scale - 1.0) ** 2, rel=1e-4)


def test_gradient_penalty_of_a_patch_critic_uses_mean_patch_score():
    # A 1x1 conv critic: the per-sample score is the mean over 4 patches,
    # so the input gradient per pixel is w / 4 and its norm |w| / 2.
    critic = keras.Sequential(
        [keras.Input((2, 2, 3)), keras.layers.Conv2D(1, 1, use_bias=False)]
    )
    critic.layers[0].set_weights([np.full((1, 1, 3, 1), 2.0, "float32")])
    norm = np.sqrt(4 * 3 * (2.0 / 4) ** 2)
    real = random_input((2, 2, 2, 3), seed=7)
    fake = random_input((2, 2, 2, 3), seed=8)
    penalty = float(gradient_penalty(critic, real, fake, seed=1))
    assert penalty == pytest.approx((norm - 1.0) ** 2, rel=1e-4)
