"""The logged losses, checked against a plain computation from the networks.

Every CycleGAN and DCGAN loss term is computed here keras-io style, straight
from the networks (G, F, D_A, D_B; DCGAN's G, D) and the batch, with numpy
for the losses: no loss helper of the models or of `keras_gans.losses`. The
values must equal what `train_step` / `test_step` log. Each check is shown
to fail where the model would be wrong: a model whose D_A and D_B are
exchanged, D losses computed from the fresh fakes when the image pool
returned older ones, a dropped label smoothing, a G loss judged by D before
its update.
"""

import keras
import numpy as np
import pytest

import keras_gans
from tests.test_case import random_input
from tests.tiny import (
    random_pairs,
    tiny_discriminator,
    tiny_generator,
    tiny_image_discriminator,
    tiny_noise_generator,
)

# Not the defaults, so that a wrong weight shows in g_loss.
LAMBDAS = {"lambda_gan": 1.5, "lambda_cycle": 7.0, "lambda_identity": 0.3}
CYCLEGAN_TERMS = (
    "g_loss",
    "gan_ab",
    "gan_ba",
    "cycle_a",
    "cycle_b",
    "identity_a",
    "identity_b",
    "d_a_loss",
    "d_b_loss",
)

# Every backend's train step must log these losses: CI runs this file on
# JAX and PyTorch too.
pytestmark = pytest.mark.backends
D_TERMS = ("d_a_loss", "d_b_loss")
ADVERSARIAL_TERMS = ("gan_ab", "gan_ba", "d_a_loss", "d_b_loss")
RTOL, ATOL = 2e-5, 1e-6
#: A disagreement is a gap of more than this many times the agreement's tolerance.
MARGIN = 50


# === The plain computation ===


def run(network, x, training=True):
    """A network's output as float64 numpy."""
    y = network(np.asarray(x, "float32"), training=training)
    return np.asarray(keras.ops.convert_to_numpy(y), "float64")


def lsgan_d(real_logits, fake_logits):
    return np.mean((real_logits - 1.0) ** 2) + np.mean(fake_logits**2)


def lsgan_g(fake_logits):
    return np.mean((fake_logits - 1.0) ** 2)


def l1(x, y):
    return np.mean(np.abs(np.asarray(x, "float64") - np.asarray(y, "float64")))


def bce(logits, target):
    """Binary cross-entropy of sigmoid(logits) against `target`, from logits."""
    return np.mean(
        np.maximum(logits, 0.0) - logits * target + np.log1p(np.exp(-np.abs(logits)))
    )


def cyclegan_fakes(G, F, a, b):
    """G(a) (fake B) and F(b) (fake A)."""
    return run(G, a), run(F, b)


def cyclegan_terms(G, F, D_A, D_B, a, b, w, pooled_a=None, pooled_b=None):
    """Every CycleGAN loss term, the paper's way (LSGAN, L1).

    G: A -> B, F: B -> A; D_A judges domain A (a vs. F(b)), D_B domain B
    (b vs. G(a)). `w`: the loss weights `(gan, cycle, identity)`; the pooled
    fakes default to the fresh ones (no pool).
    """
    w_gan, w_cycle, w_identity = w
    fake_b, fake_a = cyclegan_fakes(G, F, a, b)
    pooled_a = fake_a if pooled_a is None else pooled_a
    pooled_b = fake_b if pooled_b is None else pooled_b
    terms = {
        "gan_ab": lsgan_g(run(D_B, fake_b)),  # D_B(G(a)) -> 1
        "gan_ba": lsgan_g(run(D_A, fake_a)),  # D_A(F(b)) -> 1
        "cycle_a": l1(run(F, fake_b), a),  # |F(G(a)) - a|
        "cycle_b": l1(run(G, fake_a), b),  # |G(F(b)) - b|
        "identity_a": l1(run(F, a), a),  # |F(a) - a|
        "identity_b": l1(run(G, b), b),  # |G(b) - b|
        "d_a_loss": 0.5 * lsgan_d(run(D_A, a), run(D_A, pooled_a)),
        "d_b_loss": 0.5 * lsgan_d(run(D_B, b), run(D_B, pooled_b)),
    }
    terms["g_loss"] = (
        w_gan * (terms["gan_ab"] + terms["gan_ba"])
        + w_cycle * (terms["cycle_a"] + terms["cycle_b"])
        + w_identity * (terms["identity_a"] + terms["identity_b"])
    )
    return terms


def pool_output(before, after, fakes, atol=1e-5):
    """What an image pool returned, read from its buffer before and after.

    The pool was full before the call, so each fake either went back
    unchanged (buffer untouched) or was swapped in for a stored image, which
    was returned instead (the fake now sits in that slot).
    """
    buffer, returned = before.copy(), []
    for fake in fakes:
        slots = [
            s
            for s in range(len(buffer))
            if np.allclose(after[s], fake, atol=atol)
            and not np.allclose(buffer[s], fake, atol=atol)
        ]
        assert len(slots) <= 1, "ambiguous pool state"
        if slots:
            returned.append(buffer[slots[0]].copy())
            buffer[slots[0]] = fake
        else:
            returned.append(fake)
    np.testing.assert_allclose(buffer, after, atol=atol, err_msg="pool state unread")
    return np.stack(returned)


def snapshot(network):
    """A copy of `network` with its current weights (frozen in time)."""
    copy = keras.models.clone_model(network)
    copy.set_weights(network.get_weights())
    return copy


# === Comparisons ===


def assert_terms_match(logged, expected, names):
    for name in names:
        np.testing.assert_allclose(
            logged[name], expected[name], rtol=RTOL, atol=ATOL, err_msg=name
        )


def assert_terms_differ(logged, expected, names):
    for name in names:
        gap = abs(logged[name] - expected[name])
        assert gap > MARGIN * (ATOL + RTOL * abs(expected[name])), (name, gap)


# === CycleGAN ===


def networks_ab():
    """G, F, D_A, D_B: four tiny networks, each with its own random weights."""
    keras.utils.set_random_seed(3)
    generators = [tiny_generator() for _ in "GF"]
    return (*generators, tiny_discriminator(), tiny_discriminator())


def cyclegan(G, F, D_A, D_B, **kwargs):
    model = keras_gans.CycleGAN(G, F, D_A, D_B, seed=7, **LAMBDAS, **kwargs)
    model.compile(*(keras.optimizers.Adam(1e-2) for _ in range(3)))
    return model


def weights(identity_mode="relative"):
    """The (gan, cycle, identity) weights of `LAMBDAS`: the identity weight
    is relative to the cycle weight in the paper's convention."""
    w_identity = LAMBDAS["lambda_identity"]
    if identity_mode == "relative":
        w_identity *= LAMBDAS["lambda_cycle"]
    return LAMBDAS["lambda_gan"], LAMBDAS["lambda_cycle"], w_identity


@pytest.mark.parametrize("identity_mode", ["relative", "absolute"])
def test_cyclegan_evaluation_logs_the_plain_losses(identity_mode):
    G, F, D_A, D_B = networks_ab()
    model = cyclegan(G, F, D_A, D_B, identity_mode=identity_mode)
    a, b = random_pairs(n=4, size=32, seed=11)
    logged = model.test_on_batch(a, b, return_dict=True)
    w = weights(identity_mode)  # identity: 0.3 * 7 (relative) or 0.3
    expected = cyclegan_terms(G, F, D_A, D_B, a, b, w)
    assert set(logged) == set(CYCLEGAN_TERMS)
    assert_terms_match(logged, expected, CYCLEGAN_TERMS)


def test_cyclegan_with_exchanged_discriminators_fails_the_check():
    # A model that judges domain A with D_B and domain B with D_A: the plain
    # computation (D_A for A, D_B for B) must catch it.
    G, F, D_A, D_B = networks_ab()
    swapped = cyclegan(G, F, D_B, D_A)
    a, b = random_pairs(n=4, size=32, seed=11)
    logged = swapped.test_on_batch(a, b, return_dict=True)
    expected = cyclegan_terms(G, F, D_A, D_B, a, b, weights())
    assert_terms_differ(logged, expected, ADVERSARIAL_TERMS)
    # The cycle and identity terms do not involve the discriminators.
    assert_terms_match(logged, expected, ("cycle_a", "cycle_b", "identity_b"))


def pooled_train_step(model, G, F, D_A, D_B, a, b, max_steps=8):
    """One `train_step` in which each full pool returns at least one old fake.

    Returns the logged values, the snapshots of the four networks before
    that step, and what each pool returned in it.
    """
    for _ in range(max_steps):
        nets = [snapshot(n) for n in (G, F, D_A, D_B)]
        before = [np.array(p.images.numpy()) for p in (model.pool_a, model.pool_b)]
        full = all(
            int(p.count.numpy()) == p.pool_size for p in (model.pool_a, model.pool_b)
        )
        logged = model.train_on_batch(a, b, return_dict=True)
        if not full:  # the first step fills the pools
            continue
        fake_b, fake_a = cyclegan_fakes(nets[0], nets[1], a, b)
        after = [np.array(p.images.numpy()) for p in (model.pool_a, model.pool_b)]
        pooled_a = pool_output(before[0], after[0], fake_a)
        pooled_b = pool_output(before[1], after[1], fake_b)
        swapped = [
            not np.allclose(p, f, atol=1e-5)
            for p, f in ((pooled_a, fake_a), (pooled_b, fake_b))
        ]
        if all(swapped):
            return logged, nets, (pooled_a, pooled_b)
    pytest.fail(f"no step in {max_steps} where both pools returned an old fake")


@pytest.mark.parametrize("exchanged", [False, True], ids=["model", "swapped_d"])
def test_cyclegan_train_step_logs_the_plain_losses(exchanged):
    G, F, D_A, D_B = networks_ab()
    # pool_size == batch: the first step fills the pools, later steps swap.
    model = cyclegan(G, F, *((D_B, D_A) if exchanged else (D_A, D_B)), pool_size=2)
    a, b = random_pairs(n=2, size=32, seed=5)
    model.build((a.shape, b.shape))  # the pools' buffers
    logged, nets, (pooled_a, pooled_b) = pooled_train_step(model, G, F, D_A, D_B, a, b)
    w = weights()
    expected = cyclegan_terms(*nets, a, b, w, pooled_a=pooled_a, pooled_b=pooled_b)
    if exchanged:
        assert_terms_differ(logged, expected, ADVERSARIAL_TERMS)
        return
    assert_terms_match(logged, expected, CYCLEGAN_TERMS)
    # Without the pool (D losses on the fresh fakes) the check fails.
    no_pool = cyclegan_terms(*nets, a, b, w)
    assert_terms_differ(logged, no_pool, D_TERMS)


# === DCGAN ===

LATENT, SIZE = 8, 16
SMOOTHING = 0.2


def dcgan(**kwargs):
    keras.utils.set_random_seed(4)
    model = keras_gans.DCGAN(
        tiny_noise_generator(LATENT, SIZE),
        tiny_image_discriminator(SIZE),
        latent_dim=LATENT,
        label_smoothing=SMOOTHING,
        seed=9,
        **kwargs,
    )
    model.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(5e-2))
    return model


def next_noise(model, batch):
    """The noise the model's next step draws, from a copy of its seed state."""
    seed = keras.random.SeedGenerator(0)
    seed.state.assign(model.seed_generator.state.value)
    return keras.ops.convert_to_numpy(keras.random.normal((batch, LATENT), seed=seed))


def dcgan_terms(G, D, D_for_g, real, z, smoothing=SMOOTHING, training=True):
    """The DCGAN losses (vanilla BCE, one-sided label smoothing); `D_for_g`
    judges the fakes for G's loss."""
    fake = run(G, z, training)
    real_logits, fake_logits = run(D, real, training), run(D, fake, training)
    return {
        "d_loss": bce(real_logits, 1.0 - smoothing) + bce(fake_logits, 0.0),
        "g_loss": bce(run(D_for_g, fake, training), 1.0),
        "d_real": np.mean(real_logits),
        "d_fake": np.mean(fake_logits),
    }


@pytest.mark.parametrize("joint", [False, True], ids=["alternating", "joint"])
def test_dcgan_train_step_logs_the_plain_losses(joint):
    model = dcgan(joint_discriminator_call=joint)
    real = random_input((4, SIZE, SIZE, 3), seed=2, low=-1.0, high=1.0)
    G, D = snapshot(model.generator), snapshot(model.discriminator)
    z = next_noise(model, len(real))
    logged = model.train_on_batch(real, return_dict=True)
    # Alternating: G's loss is judged by D after its update this step;
    # joint: every loss comes from the one forward pass before the updates.
    D_for_g = D if joint else model.discriminator
    expected = dcgan_terms(G, D, D_for_g, real, z)
    assert set(logged) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert_terms_match(logged, expected, expected)
    # The check sees the label smoothing ...
    assert_terms_differ(logged, dcgan_terms(G, D, D_for_g, real, z, 0.0), ["d_loss"])
    # ... and which discriminator judged G's fakes.
    other = model.discriminator if joint else D
    assert_terms_differ(logged, dcgan_terms(G, D, other, real, z), ["g_loss"])


def test_dcgan_evaluation_logs_the_plain_losses():
    model = dcgan()
    real = random_input((4, SIZE, SIZE, 3), seed=3, low=-1.0, high=1.0)
    z = next_noise(model, len(real))
    logged = model.test_on_batch(real, return_dict=True)
    G, D = model.generator, model.discriminator
    expected = dcgan_terms(G, D, D, real, z, training=False)
    assert_terms_match(logged, expected, expected)
    # Without the label smoothing the check fails.
    other = dcgan_terms(G, D, D, real, z, smoothing=0.0, training=False)
    assert_terms_differ(logged, other, ["d_loss"])
