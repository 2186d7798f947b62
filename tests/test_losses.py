"""Adversarial and reconstruction losses, and the WGAN-GP gradient penalty."""

import keras
import numpy as np
import pytest

from keras_gans import losses
from keras_gans.losses import gradient_penalty
from tests.backend_grad import value_and_gradients
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


# --- Gradient penalties on every backend, against a direct computation ----


def _mlp_critic():
    """D(x) = tanh(x W1 + b1) W2: its input gradient has a closed form."""
    critic = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(3, activation="tanh"),
            keras.layers.Dense(1, use_bias=False),
        ]
    )
    critic.set_weights(
        [
            random_input((4, 3), seed=1),
            random_input((3,), seed=2),
            random_input((3, 1), seed=3),
        ]
    )
    return critic


def _direct_input_gradient(weights, x):
    """`d D(x) / d x` per sample, in numpy float64."""
    w1, b1, w2 = (np.asarray(w, "float64") for w in weights)
    h = np.tanh(x.astype("float64") @ w1 + b1)
    return ((1.0 - h**2) * w2[:, 0]) @ w1.T


def _direct_r1(weights, real):
    return np.mean(np.sum(_direct_input_gradient(weights, real) ** 2, axis=1))


def _direct_gp(weights, real, fake, alpha):
    x_hat = real + alpha * (fake - real)
    norms = np.sqrt(np.sum(_direct_input_gradient(weights, x_hat) ** 2, axis=1))
    return np.mean((norms - 1.0) ** 2)


def _finite_differences(f, weights, eps=1e-6):
    """Central differences of the float64 `f(weights)` for every weight."""
    grads = []
    for i, w in enumerate(weights):
        g = np.zeros_like(w, "float64")
        for idx in np.ndindex(w.shape):
            hi = [np.array(v, "float64") for v in weights]
            lo = [np.array(v, "float64") for v in weights]
            hi[i][idx] += eps
            lo[i][idx] -= eps
            g[idx] = (f(hi) - f(lo)) / (2 * eps)
        grads.append(g)
    return grads


@pytest.mark.backends
@pytest.mark.parametrize("penalty", ["r1", "wgan-gp"])
def test_penalties_and_their_weight_gradients_match_a_direct_computation(penalty):
    # The value and the second-order gradient with respect to the critic's
    # weights (what a train step takes) on the active backend, against
    # numpy: the closed-form input gradient and finite differences.
    critic = _mlp_critic()
    weights = critic.get_weights()
    real = random_input((3, 4), seed=5)
    fake = random_input((3, 4), seed=6)
    alpha = random_input((3, 1), seed=7, low=0.0, high=1.0)
    if penalty == "r1":

        def loss(*_):
            return losses.r1_penalty(critic, real)

        def direct(w):
            return _direct_r1(w, real)

    else:

        def loss(*_):
            return gradient_penalty(critic, real, fake, alpha=alpha)

        def direct(w):
            return _direct_gp(w, real, fake, alpha)

    value, grads = value_and_gradients(loss, critic.trainable_weights)
    assert float(value) == pytest.approx(direct(weights), rel=1e-5)
    for got, want in zip(grads, _finite_differences(direct, weights)):
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(got), want, rtol=1e-4, atol=1e-5
        )


@pytest.mark.backends
@pytest.mark.skipif(
    keras.backend.backend() != "jax", reason="the stateless train step of JAX"
)
def test_r1_in_a_jitted_stateless_step_keeps_the_first_order_state_on_jax():
    # As a JAX train step calls it: variables mapped through a StatelessScope,
    # jitted and differentiated. The discriminator's state (spectral-norm
    # vector, BatchNorm statistics) must come from the first-order pass only:
    # the R1 pass's updates hold inner tracers and are dropped.
    import jax

    critic = keras.Sequential(
        [
            keras.Input((4, 4, 2)),
            keras.layers.SpectralNormalization(keras.layers.Conv2D(3, 3)),
            keras.layers.BatchNormalization(momentum=0.5),
            keras.layers.Activation("tanh"),  # else sum_batch(BN(x)) is constant
            keras.layers.Conv2D(1, 1),
        ]
    )
    trainable, state = critic.trainable_variables, critic.non_trainable_variables
    real = random_input((2, 4, 4, 2), seed=9)

    def loss_fn(trainable_values, state_values, with_r1):
        mapping = list(zip(trainable, trainable_values))
        mapping += list(zip(state, state_values))
        with keras.StatelessScope(state_mapping=mapping) as scope:
            loss = keras.ops.mean(critic(real, training=True))
            if with_r1:
                loss = loss + losses.r1_penalty(critic, real)
        return loss, [scope.get_current_value(v) for v in state]

    values = [v.value for v in trainable], [v.value for v in state]
    step = jax.jit(jax.value_and_grad(loss_fn, has_aux=True), static_argnums=2)
    (_, new_state), grads = step(*values, True)
    (_, plain_state), plain_grads = step(*values, False)
    for new, plain in zip(new_state, plain_state):
        np.testing.assert_allclose(np.asarray(new), np.asarray(plain), rtol=1e-6)
    assert any(
        not np.allclose(np.asarray(g), np.asarray(p))
        for g, p in zip(grads, plain_grads)
    ), "the R1 term changed no weight gradient"
