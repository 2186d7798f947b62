"""DCGAN: training under `fit`, spectral norm, sampling, collapse signal, saving.

CI also runs the tests marked `backends` on JAX and PyTorch."""

import importlib.util
import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import keras_gans
from keras_gans import networks
from keras_gans.callbacks import SampleDiversity, sample_diversity
from keras_gans.models.tracing import call_once
from tests.backend_grad import tf_only
from tests.test_case import (
    assert_allclose,
    max_abs_diff,
    random_input,
    run_serialization_test,
)
from tests.tiny import (
    LATENT,
    SIZE,
    CrashAt,
    mini_dcgan,
    real_images,
    tiny_dcgan,
)

LOG_KEYS = {"d_loss", "g_loss", "d_real", "d_fake"}


def snapshot(model):
    return [w.numpy().copy() for w in model.trainable_weights]


def changed(before, weights):
    return [max_abs_diff(b, w) > 0 for b, w in zip(before, weights)]


def spectral_layers(network):
    found = [
        layer
        for layer in network._flatten_layers(include_self=False, recursive=True)
        if isinstance(layer, keras.layers.SpectralNormalization)
    ]
    assert found, f"{network.name} has no SpectralNormalization layer"
    return found


def power_iterations(u, kernel, n):
    """Keras' SpectralNormalization power iteration, `n` times, in numpy."""
    w = kernel.reshape(-1, kernel.shape[-1]).astype("float64")
    u = u.astype("float64")
    for _ in range(n):
        v = u @ w.T
        v = v / np.linalg.norm(v)
        u = v @ w
        u = u / np.linalg.norm(u)
    return u


# === Training under model.fit (graph mode) ===


VARIANTS = {
    "plain": ("dcgan_discriminator", False),
    "residual": ("residual_discriminator", False),
    "spectral_norm": ("residual_discriminator", True),
}
_RUNS = {}


def one_fit(variant):
    """A tiny DCGAN of `variant` before and after `fit` (2 steps), cached:
    tracing the train step is what costs time, so each variant trains once."""
    if variant not in _RUNS:
        discriminator, spectral_norm = VARIANTS[variant]
        model = tiny_dcgan(discriminator, spectral_norm=spectral_norm, seed=1)
        sn_layers = []
        if spectral_norm:
            sn_layers = spectral_layers(model.discriminator) + spectral_layers(
                model.generator
            )
        before = {
            "generator": snapshot(model.generator),
            "discriminator": snapshot(model.discriminator),
            "spectral": [
                (lay.vector_u.numpy(), lay.kernel.numpy()) for lay in sn_layers
            ],
        }
        # One step (batch 4): the spectral check compares with the state
        # right before it. A second fit call reuses the traced step.
        history = model.fit(real_images(4), batch_size=4, epochs=1, verbose=0)
        after_one = [lay.vector_u.numpy() for lay in sn_layers]
        history2 = model.fit(real_images(4, seed=1), batch_size=4, epochs=1, verbose=0)
        _RUNS[variant] = (model, before, after_one, sn_layers, [history, history2])
    return _RUNS[variant]


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_fit_logs_losses_and_updates_both_networks(variant):
    model, before, _, _, histories = one_fit(variant)
    for history in histories:
        assert set(history.history) == LOG_KEYS
        for key, values in history.history.items():
            assert len(values) == 1 and np.isfinite(values[0]), (key, values)
    assert int(model.generator_optimizer.iterations.numpy()) == 2
    assert int(model.discriminator_optimizer.iterations.numpy()) == 2
    assert all(changed(before["generator"], model.generator.trainable_weights))
    assert all(changed(before["discriminator"], model.discriminator.trainable_weights))


def test_spectral_norm_does_one_power_iteration_per_step():
    # Discriminator AND generator layers: with spectral norm the model uses
    # one D call per step on [real; fake] (joint), and G is called once.
    _, before, after_one, layers, _ = one_fit("spectral_norm")
    gap = 0.0
    for layer, (u0, w0), u1 in zip(layers, before["spectral"], after_one):
        once = power_iterations(u0, w0, 1)
        twice = power_iterations(u0, w0, 2)
        assert_allclose(u1, once, atol=1e-5, msg=layer.path)
        gap = max(gap, max_abs_diff(once, twice))
    # The check can tell one iteration from two.
    assert gap > 1e-2


@pytest.mark.parametrize("joint, calls_per_step", [(True, 1), (False, 3)])
def test_discriminator_training_calls_per_step(joint, calls_per_step):
    # Joint: one call on [real; fake] for both losses. Alternating (the
    # PyTorch DCGAN tutorial): D(real), D(fake) in the D step, D(fake) in the
    # G step, all in training mode (batch statistics).
    model = mini_dcgan(joint_discriminator_call=joint, seed=0)
    g_before = snapshot(model.generator)
    d_before = snapshot(model.discriminator)
    model.fit(real_images(8), batch_size=4, epochs=1, verbose=0)  # 2 steps
    counter = model.discriminator.get_layer("counter")
    assert float(counter.calls.numpy()) == 2 * calls_per_step
    assert all(changed(g_before, model.generator.trainable_weights))
    assert all(changed(d_before, model.discriminator.trainable_weights))


def test_joint_call_defaults_to_spectral_norm():
    assert not tiny_dcgan(compile=False).joint_discriminator_call
    sn = tiny_dcgan("residual_discriminator", spectral_norm=True, compile=False)
    assert sn.joint_discriminator_call
    forced = tiny_dcgan(
        "residual_discriminator",
        spectral_norm=True,
        joint_discriminator_call=False,
        compile=False,
    )
    assert not forced.joint_discriminator_call


@pytest.mark.backends
def test_wgan_gp_with_n_critic_steps_generator_every_n_steps():
    model = mini_dcgan(gan_loss="wgan-gp", n_critic=2, seed=3)
    g_before = snapshot(model.generator)
    assert model.lambda_gp.numpy() == pytest.approx(10.0)
    history = model.fit(real_images(8), batch_size=2, epochs=1, verbose=0)
    assert set(history.history) == LOG_KEYS
    assert all(np.isfinite(v[0]) for v in history.history.values())
    assert int(model.discriminator_optimizer.iterations.numpy()) == 4
    assert int(model.generator_optimizer.iterations.numpy()) == 2
    assert all(changed(g_before, model.generator.trainable_weights))


def test_n_critic_generator_steps_after_the_nth_critic_step():
    """G steps at D's steps n, 2n, ... (D's count is read before D's update
    of the same step; a read of the variable after it stepped G at D's
    first step)."""
    model = mini_dcgan(gan_loss="wgan-gp", n_critic=2, seed=3)
    images = real_images(2)
    g_steps = []
    for _ in range(4):
        model.train_on_batch(images)
        g_steps.append(int(model.generator_optimizer.iterations.numpy()))
    assert g_steps == [0, 1, 1, 2]


# === Losses and configuration ===


@pytest.mark.parametrize("gan_loss", ["vanilla", "lsgan"])
def test_one_sided_label_smoothing(gan_loss):
    model = tiny_dcgan(gan_loss=gan_loss, label_smoothing=0.1, compile=False)
    real = np.array([[-2.0], [0.5], [3.0]], "float32")
    fake = np.array([[-1.0], [0.0], [2.0]], "float32")
    sig = 1.0 / (1.0 + np.exp(-real.astype("float64")))
    if gan_loss == "vanilla":
        real_term = -np.mean(0.9 * np.log(sig) + 0.1 * np.log(1.0 - sig))
        fake_term = np.mean(np.log1p(np.exp(fake.astype("float64"))))
    else:
        real_term = np.mean((real - 0.9) ** 2)
        fake_term = np.mean(fake**2)
    loss = model.discriminator_loss(real, fake)
    assert float(loss) == pytest.approx(real_term + fake_term, abs=1e-5)


def test_loss_defaults_from_gan_loss():
    model = tiny_dcgan(compile=False)
    assert model.n_critic == 1 and float(model.lambda_gp.numpy()) == 0.0
    wgan = tiny_dcgan(gan_loss="wgan-gp", compile=False)
    assert wgan.n_critic == 5 and float(wgan.lambda_gp.numpy()) == 10.0
    custom = tiny_dcgan(gan_loss="wgan-gp", n_critic=3, gp_weight=1.0, compile=False)
    assert custom.n_critic == 3 and float(custom.lambda_gp.numpy()) == 1.0


def test_compile_defaults_are_seed_004_learning_rates():
    model = tiny_dcgan(compile=False)
    model.compile()
    g, d = model.generator_optimizer, model.discriminator_optimizer
    assert isinstance(g, keras.optimizers.Adam) and isinstance(d, keras.optimizers.Adam)
    assert float(g.learning_rate.numpy()) == pytest.approx(2e-4)
    assert float(d.learning_rate.numpy()) == pytest.approx(1e-4)
    assert g.beta_1 == pytest.approx(0.5) and d.beta_1 == pytest.approx(0.5)
    assert model.optimizer is None
    model = tiny_dcgan(compile=False)
    model.compile(discriminator_lr_ratio=4.0)
    assert float(model.discriminator_optimizer.learning_rate.numpy()) == pytest.approx(
        8e-4
    )


@pytest.mark.parametrize(
    "name, disc_class, spectral, g_lr, d_lr",
    [
        ("cspup", "dcgan_discriminator", False, 2e-4, 1e-4),
        ("cspup_residual_d", "residual_discriminator", False, 2e-4, 1e-4),
        ("dcgan_cspup_celeba_spectral", "residual_discriminator", True, 1e-4, 4e-4),
        ("cspup_demo", "dcgan_discriminator", False, 2e-3, 1e-3),
    ],
)
def test_presets(name, disc_class, spectral, g_lr, d_lr):
    model = keras_gans.DCGAN.from_preset(
        name, generator={"filters": (8,)}, discriminator={"ndf": 8}
    )
    assert model.discriminator.name == disc_class
    assert model.discriminator.input_shape == (None, SIZE, SIZE, 3)
    assert model.latent_dim == 100
    has_sn = [
        bool(
            [
                layer
                for layer in net._flatten_layers(include_self=False, recursive=True)
                if isinstance(layer, keras.layers.SpectralNormalization)
            ]
        )
        for net in (model.generator, model.discriminator)
    ]
    assert has_sn == [spectral, spectral]
    lr = float(model.generator_optimizer.learning_rate.numpy())
    assert lr == pytest.approx(g_lr)
    lr = float(model.discriminator_optimizer.learning_rate.numpy())
    assert lr == pytest.approx(d_lr)
    assert {
        "dcgan_cspup_celeba",
        "dcgan_cspup_celeba_residual_d",
        "dcgan_cspup_celeba_spectral",
    } <= set(keras_gans.presets.list_presets("DCGAN"))


def test_invalid_arguments_are_rejected():
    g = networks.create("cspup_dcgan", latent_dim=LATENT, filters=(8,))
    d = networks.create("dcgan_discriminator", ndf=8, input_shape=(SIZE, SIZE, 3))
    with pytest.raises(ValueError, match="latent_dim=100"):
        keras_gans.DCGAN(g, d)
    with pytest.raises(ValueError, match="label_smoothing"):
        keras_gans.DCGAN(g, d, latent_dim=LATENT, gan_loss="hinge", label_smoothing=0.1)
    with pytest.raises(ValueError, match="n_critic=0"):
        keras_gans.DCGAN(g, d, latent_dim=LATENT, n_critic=0)
    d16 = networks.create("dcgan_discriminator", ndf=8, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match="discriminator takes"):
        keras_gans.DCGAN(g, d16, latent_dim=LATENT)
    model = keras_gans.DCGAN(g, d, latent_dim=LATENT)
    model.compile()
    with pytest.raises(ValueError, match="generator's output"):
        model.fit(random_input((4, 32, 32, 3)), batch_size=2, verbose=0)


def test_config_round_trip():
    model = tiny_dcgan(
        gan_loss="lsgan",
        label_smoothing=0.2,
        joint_discriminator_call=True,
        seed=5,
        compile=False,
    )
    clone = run_serialization_test(model)
    assert clone.latent_dim == LATENT and clone.label_smoothing == 0.2
    assert clone.n_critic == 1 and clone.seed == 5
    assert clone.joint_discriminator_call is True


# === Sampling ===


def test_generate_shapes_dtypes_and_determinism():
    model = tiny_dcgan(compile=False)
    a = model.generate(5, seed=7)
    assert a.shape == (5, SIZE, SIZE, 3) and a.dtype == np.float32
    assert a.min() >= -1.0 and a.max() <= 1.0
    assert_allclose(model.generate(5, seed=7), a, atol=0.0)
    # Smaller generator calls: the same images up to float rounding.
    assert_allclose(model.generate(5, seed=7, batch_size=2), a, atol=1e-6)
    assert max_abs_diff(model.generate(5, seed=8), a) > 1e-4
    pixels = model.generate(5, seed=7, dtype="uint8")
    assert pixels.dtype == np.uint8 and pixels.shape == a.shape
    noise = model.sample_noise(5, seed=7)
    assert noise.shape == (5, LATENT)
    assert_allclose(model.generate(noise=noise), a, atol=0.0)
    plain = model.sample_grid(noise, min_tile=None, labels=False)
    # 3 columns x 2 rows, 2 px padding
    assert plain.shape == (2 * SIZE + 2, 3 * SIZE + 4, 3) and plain.dtype == np.uint8
    # By default: tiles enlarged to 96 px (nearest neighbour) in the
    # bottom-right corner, numbered rows and columns in white margins.
    grid = model.sample_grid(noise)
    tiles = grid[-(2 * 96 + 2) :, -(3 * 96 + 4) :]
    assert grid.shape[0] > tiles.shape[0] and grid.shape[1] > tiles.shape[1]
    first = np.repeat(np.repeat(plain[:SIZE, :SIZE], 96 // SIZE, 0), 96 // SIZE, 1)
    np.testing.assert_array_equal(tiles[:96, :96], first)
    margin = grid[: grid.shape[0] - tiles.shape[0]]
    assert margin.min() < 128 < margin.max()  # black label text on white
    with pytest.raises(ValueError, match="exactly one"):
        model.generate()
    with pytest.raises(ValueError, match="shape"):
        model.generate(noise=np.zeros((2, LATENT + 1), "float32"))


# === Mode-collapse signal ===


class NoiseIgnoringGenerator(keras.layers.Layer):
    """A collapsed generator: one learned image, whatever the noise."""

    def build(self, input_shape):
        self.image = self.add_weight(
            shape=(SIZE, SIZE, 3), initializer="random_normal", name="image"
        )

    def call(self, z):
        batch = keras.ops.shape(z)[0]
        return keras.ops.tanh(
            keras.ops.broadcast_to(self.image, (batch, SIZE, SIZE, 3))
        )


def test_sample_diversity_values():
    assert sample_diversity(np.zeros((4, 8, 8, 3))) == 0.0
    uniform = random_input((32, 8, 8, 3), low=-1.0, high=1.0)
    assert sample_diversity(uniform) == pytest.approx(np.sqrt(2 / 3), abs=0.02)
    assert sample_diversity(np.full((2, 4), 255, "uint8")) == 0.0


def test_collapse_signal_is_logged_and_low_for_a_collapsed_generator():
    z = keras.Input((LATENT,))
    collapsed_g = keras.Model(z, NoiseIgnoringGenerator()(z))
    collapsed = mini_dcgan(collapsed_g, seed=0)
    images = real_images(8)
    noise = collapsed.sample_noise(16, seed=0)
    history = collapsed.fit(
        images,
        batch_size=4,
        epochs=1,
        verbose=0,
        callbacks=[SampleDiversity(noise, reference=images)],
    )
    assert {"diversity", "diversity_ratio"} <= set(history.history)
    collapsed_value = history.history["diversity"][0]

    healthy = tiny_dcgan(g_norm="none")
    callback = SampleDiversity(noise, reference=images)
    callback.set_model(healthy)
    logs = {}
    callback.on_epoch_end(0, logs)
    assert collapsed_value < 1e-6
    assert logs["diversity"] > 100 * max(collapsed_value, 1e-6)
    assert logs["diversity_ratio"] == pytest.approx(
        logs["diversity"] / sample_diversity(images)
    )


# === Saving and resuming ===


def test_keras_file_round_trip_gives_identical_samples_and_steps(tmp_path):
    model = one_fit("plain")[0]  # trained 2 steps: optimizers have state
    path = os.path.join(str(tmp_path), "dcgan.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, keras_gans.DCGAN)
    assert_allclose(loaded.generate(6, seed=11), model.generate(6, seed=11), atol=0.0)
    for name in ("generator", "discriminator"):
        original = getattr(model, f"{name}_optimizer")
        restored = getattr(loaded, f"{name}_optimizer")
        assert int(restored.iterations.numpy()) == 2
        for a, b in zip(original.variables, restored.variables):
            assert_allclose(b, a, atol=0.0)
    assert_allclose(loaded.seed_generator.state, model.seed_generator.state, atol=0.0)
    # The next step is the same step (the same noise: the seed state is saved).
    images = real_images(4, seed=2)
    logs = [
        m.fit(images, batch_size=4, shuffle=False, verbose=0).history
        for m in (model, loaded)
    ]
    _RUNS.pop("plain")  # the cached model trained on: later tests build it anew
    for key in LOG_KEYS:
        assert logs[1][key] == pytest.approx(logs[0][key], rel=1e-5, abs=1e-6), key


def test_backup_and_restore_resume_matches_uninterrupted_run(tmp_path):
    dataset = tf.data.Dataset.from_tensor_slices(real_images(8)).batch(4)

    def fresh():
        keras.utils.set_random_seed(0)
        return mini_dcgan(seed=6)

    reference = fresh()
    initial = snapshot(reference)
    reference.fit(dataset, epochs=2, verbose=0, shuffle=False)

    backup = os.path.join(str(tmp_path), "backup")
    crashed = fresh()
    assert all(
        max_abs_diff(a, b) == 0 for a, b in zip(initial, crashed.trainable_weights)
    )
    with pytest.raises(RuntimeError, match="simulated crash"):
        crashed.fit(
            dataset,
            epochs=2,
            verbose=0,
            shuffle=False,
            callbacks=[
                keras.callbacks.BackupAndRestore(backup),
                CrashAt(epoch=1, batch=0),
            ],
        )
    resumed = fresh()
    history = resumed.fit(
        dataset,
        epochs=2,
        verbose=0,
        shuffle=False,
        callbacks=[keras.callbacks.BackupAndRestore(backup)],
    )
    assert len(history.history["d_loss"]) == 1  # epoch 2 only
    for name in ("generator", "discriminator"):
        steps = getattr(resumed, f"{name}_optimizer").iterations.numpy()
        assert int(steps) == 4
    # Same noise (the SeedGenerator state is in the backup), same data order:
    # the resumed run retraces the uninterrupted one.
    for a, b in zip(reference.weights, resumed.weights):
        assert_allclose(b, a, atol=1e-5, msg=a.path)


# === The CPU demo (examples/dcgan_cspup_celeba.py --demo) ===

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_example():
    path = os.path.join(REPO, "examples", "dcgan_cspup_celeba.py")
    spec = importlib.util.spec_from_file_location("dcgan_cspup_celeba", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow  # 256 steps of the demo: about 25 s on 2 CPU cores
def test_demo_example_learns_varied_samples(tmp_path):
    example = load_example()
    assert example.preset_name(example.parse_args(["--demo"])) == "cspup_demo"
    assert example.preset_name(example.parse_args(["--data", "faces"])) == "cspup"
    earlier = tmp_path / "earlier.json"
    earlier.write_text(
        json.dumps(
            {
                "preset": "cspup",
                "epoch": [1],
                "initial_diversity": 0.0,
                "diversity": [0.1],
            }
        )
    )
    run = tmp_path / "run"
    example.main(
        ["--demo", "--epochs", "2", "--output", str(run), "--compare", str(earlier)]
    )
    record = json.loads((run / "history.json").read_text())
    assert record["preset"] == "cspup_demo" and record["epoch"] == [1, 2]
    assert record["wall_seconds"] > 0 and record["cpu_seconds"] > 0
    assert record["initial_diversity"] < 0.05  # the untrained G: flat gray
    # After these 256 steps (benchmarks/dcgan_quality.py, docs/quality.md
    # "DCGAN"): the demo's EMA generator gave 0.62-0.80 over seeds 0-3 with
    # oneDNN off and on (AVX2 AMD, one intra-op thread), 0.61-0.99 over
    # seeds 0-7 on an AVX-512 AMD CPU with oneDNN on, 0.60-0.77 with it
    # off there, the trained one 0.57-1.14 (0.74-0.93 in this test before
    # the demo had an EMA, seeds 0-4; 0.44 on an AMX Intel CPU, one
    # report); seed 004's rates
    # (--preset cspup, the collapse) 0.22-0.245 on both kernels. 0.33 lies
    # halfway between the collapse and the lowest demo value: about 0.1 of
    # margin on each side. After 1 epoch the two overlap (0.35 vs 0.43).
    assert record["diversity_ratio"][-1] > 0.33, record["diversity_ratio"]
    for name in ("samples/epoch_0000.png", "samples/epoch_0002.png", "diversity.png"):
        assert (run / name).is_file(), name
    with Image.open(run / "samples" / "epoch_0002.png") as grid:
        # 64 samples of 32x32, enlarged to 96 px tiles, numbered margins
        assert min(grid.size) > 8 * 98 - 2
    model = keras.saving.load_model(run / "model.keras")
    assert model.generator.output_shape == (None, 32, 32, 3)
    assert int(model.generator_optimizer.iterations.numpy()) == 256
    rate = float(model.discriminator_optimizer.learning_rate.numpy())
    assert rate == pytest.approx(1e-3)  # the demo's D rate, before the decay


@tf_only("a TensorFlow tape against TensorFlow's joint step")
@pytest.mark.parametrize("gan_loss", ["vanilla", "wgan-gp"])
def test_joint_step_equals_a_one_tape_step(gan_loss):
    """fit's joint step (D's loss on its own tape) gives the plain gradients.

    The reference runs eagerly with one persistent tape for both losses,
    from the same noise (same seed) and weights.
    """
    # n_critic=1: the generator steps in this first step too.
    kwargs = {
        "joint_discriminator_call": True,
        "seed": 3,
        "gan_loss": gan_loss,
        "n_critic": 1,
    }
    model = tiny_dcgan(compile=False, **kwargs)
    reference = tiny_dcgan(compile=False, **kwargs)
    reference.set_weights(model.get_weights())
    real = tf.constant(real_images(4))
    with tf.GradientTape(persistent=True) as tape:
        fake = reference.generator(reference._noise(4), training=True)
        real_logits, fake_logits = call_once(
            reference.discriminator, (real, fake), training=True
        )
        d_loss = reference._discriminator_objective(
            real, fake, real_logits, fake_logits
        )
        g_loss = reference.gan_loss.generator_loss(fake_logits)
    expected = {}
    for name, loss, net in (
        ("generator", g_loss, reference.generator),
        ("discriminator", d_loss, reference.discriminator),
    ):
        grads = tape.gradient(loss, net.trainable_variables)
        expected[name] = [
            v.numpy() - 0.1 * g.numpy() for v, g in zip(net.trainable_variables, grads)
        ]

    model.compile(keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1))
    model.fit(real, batch_size=4, epochs=1, verbose=0, shuffle=False)
    for name, net in (
        ("generator", model.generator),
        ("discriminator", model.discriminator),
    ):
        got = [v.numpy() for v in net.trainable_variables]
        assert len(got) == len(expected[name])
        for g, w in zip(got, expected[name]):
            assert_allclose(g, w, atol=1e-5, msg=name)
