"""The training aids of the GAN models: EMA generators, differentiable
augmentation, the R1 penalty and generators that start as the identity.

Each aid is checked against a direct computation, and for surviving
`.keras` save / load and resume. CI also runs the tests marked `backends` on
JAX and PyTorch."""

import os

import keras
import numpy as np
import pytest
from keras import ops
from keras.ops import convert_to_numpy

import keras_gans
from keras_gans import losses, networks
from keras_gans.losses import r1_penalty
from tests.backend_grad import gradients
from tests.tiny import (
    random_pairs,
    real_images,
    tiny_cyclegan,
    tiny_dcgan,
    weights_of,
)


def _train_vars(network):
    return [np.array(v.numpy()) for v in network.variables]


# === EMA ===


def test_ema_weights_follow_the_formula_step_by_step():
    model = tiny_cyclegan(ema_decay=0.9)
    model.compile()
    a, b = random_pairs(n=2)
    previous = _train_vars(model.generator_ab)
    for ema, raw in zip(weights_of(model.generator_ab_ema), previous):
        np.testing.assert_array_equal(ema, raw)
    for n in range(3):
        ema_before = _train_vars(model.generator_ab_ema)
        model.fit(a, b, batch_size=2, epochs=1, verbose=0)
        current = _train_vars(model.generator_ab)
        decay = min(0.9, (1.0 + n) / (10.0 + n))
        for before, new, got in zip(
            ema_before, current, _train_vars(model.generator_ab_ema)
        ):
            np.testing.assert_allclose(
                got, decay * before + (1.0 - decay) * new, rtol=1e-5, atol=1e-7
            )
        assert any(not np.allclose(p, c) for p, c in zip(previous, current))
        previous = current
    assert float(model.ema_updates.numpy()) == 3.0


def test_translate_and_sample_grid_use_the_ema_generators():
    model = tiny_cyclegan(ema_decay=0.5)
    model.compile()
    a, b = random_pairs(n=4)
    model.fit(a, b, batch_size=2, epochs=2, verbose=0)
    ema = convert_to_numpy(model.generator_ab_ema(a, training=False))
    raw = convert_to_numpy(model.generator_ab(a, training=False))
    assert np.abs(ema - raw).max() > 1e-6
    np.testing.assert_allclose(model.translate(a), ema, atol=1e-6)
    np.testing.assert_allclose(model.translate(a, use_ema=False), raw, atol=1e-6)
    np.testing.assert_allclose(
        model.translate(b, "ba"),
        convert_to_numpy(model.generator_ba_ema(b, training=False)),
        atol=1e-6,
    )
    assert model.inference_generator("ab") is model.generator_ab_ema
    grid = model.sample_grid(a[:1], b[:1], min_tile=None)
    x = grid.shape[1] - 32  # one column, after the labels' margin
    np.testing.assert_array_equal(grid[34:66, x:], keras_gans.imaging.to_uint8(ema[0]))


def test_export_uses_the_ema_generator(tmp_path):
    from keras_gans import export

    model = tiny_cyclegan(ema_decay=0.5)
    model.compile()
    a, b = random_pairs(n=4)
    model.fit(a, b, batch_size=2, epochs=1, verbose=0)
    assert export._select_generator(model, "ab") is model.generator_ab_ema
    assert export._select_generator(model, "ba") is model.generator_ba_ema


def test_no_ema_by_default_and_bad_decay():
    model = tiny_cyclegan()
    assert model.ema_decay is None
    assert model.inference_generator("ab") is model.generator_ab
    with pytest.raises(ValueError, match="use_ema=True"):
        model.translate(np.zeros((1, 8, 8, 3), "float32"), use_ema=True)
    for bad in (1.0, -0.1, "0.9", True):
        with pytest.raises(ValueError, match="ema_decay"):
            tiny_cyclegan(ema_decay=bad)


def _train_mode_output(network, x):
    """`network(x, training=True)` with its batch norms unfrozen (an EMA copy
    is frozen), their moving statistics left as they were."""
    norms = [
        layer
        for layer in network._flatten_layers(include_self=False)
        if isinstance(layer, keras.layers.BatchNormalization)
    ]
    saved = [
        [np.array(v.numpy()) for v in layer.non_trainable_weights] for layer in norms
    ]
    for layer in norms:
        layer.trainable = True
    out = convert_to_numpy(network(x, training=True))
    for layer, values in zip(norms, saved):
        layer.trainable = False
        for v, value in zip(layer.non_trainable_weights, values):
            v.assign(value)
    return out


@pytest.mark.backends
def test_norm_statistics_are_the_mean_of_the_batch_statistics():
    from keras_gans.models.weights import recompute_norm_statistics

    dense = keras.layers.Dense(3, kernel_initializer="ones")
    norm = keras.layers.BatchNormalization(momentum=0.9)
    net = keras.Sequential([keras.Input((4,)), dense, norm])
    net.trainable = False  # as an EMA copy
    x = np.random.default_rng(0).normal(1.0, 2.0, (3, 16, 4)).astype("float32")
    assert recompute_norm_statistics(net, list(x)) == 1
    h = x @ np.ones((4, 3), "float32")  # the dense layer's output per batch
    np.testing.assert_allclose(norm.moving_mean, h.mean(axis=1).mean(0), rtol=1e-5)
    np.testing.assert_allclose(norm.moving_variance, h.var(axis=1).mean(0), rtol=1e-4)
    assert norm.momentum == 0.9 and not norm.trainable and not net.trainable
    # No batch: an error, the statistics as they were; no batch norm: nothing.
    before = np.array(norm.moving_mean.numpy())
    with pytest.raises(ValueError, match="no batch"):
        recompute_norm_statistics(net, [])
    np.testing.assert_array_equal(norm.moving_mean, before)
    assert norm.momentum == 0.9 and not norm.trainable

    def failing():  # one batch runs, then the input fails
        yield x[0] + 5.0
        raise RuntimeError("bad batch")

    with pytest.raises(RuntimeError, match="bad batch"):
        recompute_norm_statistics(net, failing())
    np.testing.assert_array_equal(norm.moving_mean, before)
    assert norm.momentum == 0.9 and not norm.trainable
    plain = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    assert recompute_norm_statistics(plain, list(x)) == 0


def test_dcgan_ema_statistics_match_its_own_weights():
    model = tiny_dcgan(ema_decay=0.9)
    images = real_images(8)
    model.fit(images, batch_size=4, epochs=2, verbose=0)
    ema = model.generator_ema
    noise = model.sample_noise(16, seed=3)
    stale = model.generate(noise=noise)
    assert model.update_ema_statistics(16, seed=3, batch_size=16) > 0
    # One batch: inference with the new statistics is the train-mode pass.
    fresh = model.generate(noise=noise)
    np.testing.assert_allclose(fresh, _train_mode_output(ema, noise), atol=1e-4)
    assert np.abs(fresh - stale).max() > 1e-3
    with pytest.raises(ValueError, match="ema_decay"):
        tiny_dcgan().update_ema_statistics()


def test_ema_statistics_are_updated_every_epoch_of_fit():
    from keras_gans.callbacks import EMAStatistics

    model = tiny_dcgan(ema_decay=0.9, ema_statistics=16)
    images = real_images(8)
    updates = []
    original = model.update_ema_statistics

    def counted(n, seed=0):
        updates.append((n, seed))
        return original(n, seed=seed)

    model.update_ema_statistics = counted
    model.fit(images, batch_size=4, epochs=2, verbose=0)  # the model's option
    assert updates == [(16, 0), (16, 0)]
    # A callback of the user's replaces the model's (not run twice).
    model.fit(
        images, batch_size=4, epochs=2, verbose=0, callbacks=[EMAStatistics(16, 3)]
    )
    assert updates[2:] == [(16, 3), (16, 3)]
    for off in (0, None):
        off_model = tiny_dcgan(ema_decay=0.9, ema_statistics=off)
        assert off_model.with_model_callbacks() == []
    assert tiny_dcgan(ema_statistics=16).with_model_callbacks() == []  # no EMA
    with pytest.raises(ValueError, match="`ema_statistics` must be a non-negative"):
        tiny_dcgan(ema_decay=0.9, ema_statistics=-1)
    noise = model.sample_noise(16, seed=3)  # the callback's noise: one batch
    np.testing.assert_allclose(
        model.generate(noise=noise),
        _train_mode_output(model.generator_ema, noise),
        atol=1e-4,
    )
    for bad in ({"n": 0}, {"n": 2.0}, {"seed": -1}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            EMAStatistics(**bad)
    with pytest.raises(ValueError, match="ema_decay"):
        tiny_dcgan().fit(images, batch_size=4, verbose=0, callbacks=[EMAStatistics()])


def test_cyclegan_ema_statistics_for_a_batch_norm_unet(tmp_path):
    model = keras_gans.CycleGAN.from_preset(
        "cyclegan_fast_unet", generator={"ngf": 4}, discriminator={"ndf": 4}
    )
    a, b = random_pairs(n=8)  # untrained: the copied statistics are 0 and 1
    rng = np.random.default_rng(0)
    for ema in (model.generator_ab_ema, model.generator_ba_ema):
        last = ema.get_layer("up_1_conv")  # zeros: the identity, whatever the norms
        last.set_weights(
            [0.1 * rng.standard_normal(w.shape) for w in last.get_weights()]
        )
    before = model.translate(a)
    counts = model.update_ema_statistics(a, b, batch_size=8)
    assert counts["generator_ab"] == counts["generator_ba"] > 0
    np.testing.assert_allclose(
        model.translate(a),
        _train_mode_output(model.generator_ab_ema, a),
        atol=1e-4,
    )
    np.testing.assert_allclose(
        model.translate(b, "ba"),
        _train_mode_output(model.generator_ba_ema, b),
        atol=1e-4,
    )
    assert np.abs(model.translate(a) - before).max() > 1e-3
    # They are saved with the model.
    path = str(tmp_path / "unet.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.translate(a), model.translate(a), atol=0)


# === R1 ===


def test_r1_penalty_of_a_linear_discriminator_is_its_squared_weight_norm():
    disc = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    w = disc.layers[0].kernel.numpy()[:, 0]
    x = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    np.testing.assert_allclose(float(r1_penalty(disc, x)), np.sum(w**2), rtol=1e-5)


def test_r1_penalty_matches_a_direct_computation_on_a_patch_discriminator():
    disc = networks.create("patchgan", ndf=4, n_layers=1)
    x = np.random.default_rng(1).uniform(-1, 1, (2, 16, 16, 3)).astype("float32")

    def score(xi):
        return ops.mean(disc(xi, training=True))

    expected = []
    for i in range(2):
        (grad,) = gradients(score, [x[i : i + 1]])
        expected.append(float(np.sum(convert_to_numpy(grad) ** 2)))
    np.testing.assert_allclose(float(r1_penalty(disc, x)), np.mean(expected), rtol=1e-4)


def test_r1_is_added_to_each_discriminator_loss():
    a, b = random_pairs(n=2)
    plain = tiny_cyclegan(pool_size=0)
    with_r1 = tiny_cyclegan(
        pool_size=0, gan_loss=losses.LSGAN(r1_weight=2.0), seed=plain.seed
    )
    with_r1.set_weights(plain.get_weights())
    base = plain._compute_gan_losses(a, b, training=True)
    got = with_r1._compute_gan_losses(a, b, training=True)
    for side, real in (("a", a), ("b", b)):
        disc = getattr(plain, f"discriminator_{side}")
        expected = float(base[f"d_{side}_loss"]) + 0.5 * 2.0 * float(
            r1_penalty(disc, real)
        )
        np.testing.assert_allclose(float(got[f"d_{side}_loss"]), expected, rtol=1e-5)
    np.testing.assert_allclose(float(got["g_loss"]), float(base["g_loss"]), rtol=1e-6)


def test_every_gan_loss_takes_r1_weight_and_serializes_it():
    for name in losses.list_losses():
        loss = losses.get({"name": name, "r1_weight": 0.5})
        assert loss.r1_weight == 0.5
        again = losses.get(losses.serialize(loss))
        assert type(again) is type(loss) and again.r1_weight == 0.5
        assert losses.get(name).r1_weight == 0.0
        assert losses.serialize(losses.get(name)) == name
    with pytest.raises(ValueError, match="r1_weight"):
        losses.LSGAN(r1_weight=-1)
    with pytest.raises(ValueError, match="Unknown GAN loss"):
        losses.get({"name": "lsgn"})


# === Augmentation in the model ===


def test_augmentation_reaches_the_discriminators_only_when_training():
    a, b = random_pairs(n=2)
    plain = tiny_cyclegan(pool_size=0)
    augmented = tiny_cyclegan(pool_size=0, augment="translation,cutout")
    augmented.set_weights(plain.get_weights())
    base = plain._compute_gan_losses(a, b, training=True)
    got = augmented._compute_gan_losses(a, b, training=True)
    assert abs(float(got["d_a_loss"]) - float(base["d_a_loss"])) > 1e-6
    # The reconstruction terms do not see the augmentation.
    for key in ("cycle_a", "cycle_b", "identity_a", "identity_b"):
        np.testing.assert_allclose(float(got[key]), float(base[key]), rtol=1e-6)
    # Evaluation is not augmented.
    base = plain._compute_gan_losses(a, b, training=False)
    got = augmented._compute_gan_losses(a, b, training=False)
    np.testing.assert_allclose(float(got["d_a_loss"]), float(base["d_a_loss"]))


def test_generator_gradients_flow_through_the_augmentation():
    a, b = random_pairs(n=2)
    model = tiny_cyclegan(pool_size=0, augment="color,translation,cutout")

    def gan_ab(*_):
        return model._compute_gan_losses(a, b, training=True)["gan_ab"]

    grads = gradients(gan_ab, model.generator_ab.trainable_variables)
    assert all(g is not None for g in grads)
    assert any(np.abs(convert_to_numpy(g)).max() > 0 for g in grads)


# === Identity-start generators ===


@pytest.mark.parametrize(
    "name, config",
    [
        ("resnet_6blocks", {"ngf": 8, "n_blocks": 1}),
        ("residual_pixelshuffle", {"ngf": 8}),
        ("unet_128", {"ngf": 8, "num_downs": 5}),
        ("uvcgan", {"ngf": 8, "n_blocks": 1}),
    ],
)
def test_residual_output_generators_start_as_the_identity(name, config):
    x = np.random.default_rng(0).uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    residual = networks.create(name, output_mode="residual", **config)
    np.testing.assert_allclose(convert_to_numpy(residual(x)), x, atol=1e-6)
    tanh = networks.create(name, **config)
    assert residual.count_params() == tanh.count_params()
    assert np.abs(convert_to_numpy(tanh(x)) - x).max() > 0.1
    # The head conv learns: a step of gradient descent changes the output.
    grads = gradients(
        lambda *_: ops.mean(ops.abs(residual(x) - 0.5)), residual.trainable_variables
    )
    assert any(np.abs(convert_to_numpy(g)).max() > 0 for g in grads if g is not None)


def test_residual_output_needs_matching_channels():
    with pytest.raises(ValueError, match="channels must be equal"):
        networks.create("resnet_6blocks", ngf=8, output_mode="residual", out_channels=1)
    with pytest.raises(ValueError, match="output_mode"):
        networks.create("resnet_6blocks", ngf=8, output_mode="linear")


# === Save / load / resume with every aid on ===


def test_every_aid_survives_save_load_and_resume(tmp_path):
    def build():
        gens = [
            networks.create("resnet_6blocks", ngf=4, n_blocks=1, output_mode="residual")
            for _ in range(2)
        ]
        discs = [networks.create("patchgan", ndf=4, n_layers=1) for _ in range(2)]
        return keras_gans.CycleGAN(
            *gens,
            *discs,
            ema_decay=0.8,
            augment="color,translation",
            gan_loss={"name": "lsgan", "r1_weight": 1.0},
            pool_size=2,
            seed=3,
        )

    a, b = random_pairs(n=4, size=16)
    model = build()
    model.compile()
    model.fit(a, b, batch_size=2, epochs=1, verbose=0)
    path = os.path.join(tmp_path, "aids.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.ema_decay == 0.8
    assert loaded.augment.policy == "color,translation"
    assert loaded.gan_loss.r1_weight == 1.0
    assert float(loaded.ema_updates.numpy()) == 2.0
    np.testing.assert_array_equal(loaded.translate(a), model.translate(a))
    for w1, w2 in zip(loaded.weights, model.weights):
        np.testing.assert_array_equal(w1.numpy(), w2.numpy())
    # Resume: both continue identically (seeded pools and augmentation).
    model.fit(a, b, batch_size=2, epochs=1, verbose=0, shuffle=False)
    loaded.fit(a, b, batch_size=2, epochs=1, verbose=0, shuffle=False)
    assert float(loaded.ema_updates.numpy()) == 4.0
    np.testing.assert_allclose(loaded.translate(a), model.translate(a), atol=1e-5)


# === DCGAN ===


@pytest.mark.parametrize(
    "joint", [False, pytest.param(True, marks=pytest.mark.backends)]
)
def test_dcgan_aids_train_and_generate_from_the_ema_generator(joint, tmp_path):
    from tests.tiny import real_images, tiny_dcgan

    model = tiny_dcgan(
        ema_decay=0.9,
        ema_statistics=None,  # the statistics as copied (the next test: updated)
        augment="color,translation,cutout",
        gan_loss={"name": "vanilla", "r1_weight": 1.0},
        joint_discriminator_call=joint,
        seed=5,
    )
    before = _train_vars(model.generator)
    d_before = _train_vars(model.discriminator)
    ema_before = _train_vars(model.generator_ema)
    history = model.fit(real_images(4), batch_size=4, epochs=1, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    after = _train_vars(model.generator)
    assert any(not np.allclose(b, a) for b, a in zip(before, after))
    d_after = _train_vars(model.discriminator)
    assert any(not np.allclose(b, a) for b, a in zip(d_before, d_after))
    # One step: d = min(0.9, 1 / 10) for the weights; the batch-norm
    # statistics are copied.
    trainable = [v.trainable for v in model.generator.variables]
    assert any(trainable) and not all(trainable)
    for e0, w1, got, t in zip(
        ema_before, after, _train_vars(model.generator_ema), trainable
    ):
        expected = 0.1 * e0 + 0.9 * w1 if t else w1
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)
    z = model.sample_noise(3, seed=0)
    np.testing.assert_allclose(
        model.generate(noise=z),
        convert_to_numpy(model.generator_ema(z, training=False)),
        atol=1e-6,
    )
    assert model.inference_generator() is model.generator_ema
    grid = model.sample_grid(z, min_tile=None, labels=False)
    first = keras_gans.imaging.to_uint8(model.generate(noise=z[:1])[0])
    np.testing.assert_array_equal(grid[:8, :8], first)  # 8x8 tiles, unlabelled
    path = os.path.join(tmp_path, "dcgan.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert (
        loaded.ema_decay,
        loaded.ema_statistics,
        loaded.augment.policy,
        loaded.gan_loss.r1_weight,
    ) == (0.9, 0, "color,translation,cutout", 1.0)
    np.testing.assert_array_equal(loaded.generate(noise=z), model.generate(noise=z))
    # The next step is the same step: noise, augmentation and EMA carry on.
    # (`fit` as before: on JAX the model's compiled step is reused.)
    images = real_images(4, seed=1)
    logs = [
        m.fit(images, batch_size=4, shuffle=False, verbose=0).history
        for m in (model, loaded)
    ]
    for key, value in logs[0].items():
        assert logs[1][key] == pytest.approx(value, rel=1e-5, abs=1e-6), key
    np.testing.assert_allclose(
        loaded.generate(noise=z), model.generate(noise=z), atol=1e-5
    )


def test_dcgan_r1_is_added_to_the_discriminator_loss():
    from tests.tiny import mini_dcgan, real_images

    model = mini_dcgan(gan_loss={"name": "lsgan", "r1_weight": 3.0})
    real = real_images(4)
    fake = model.generator(model.sample_noise(4, seed=1))
    real_logits = model.discriminator(real)
    fake_logits = model.discriminator(fake)
    got = float(model._discriminator_objective(real, fake, real_logits, fake_logits))
    expected = float(
        losses.LSGAN().discriminator_loss(real_logits, fake_logits)
    ) + 1.5 * float(r1_penalty(model.discriminator, real))
    np.testing.assert_allclose(got, expected, rtol=1e-5)
