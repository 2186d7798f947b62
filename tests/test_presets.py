"""Every preset builds and trains one step; the seeds' presets are all there."""

import keras
import numpy as np
import pytest

import keras_gans
from keras_gans import presets
from keras_gans.callbacks import LinearDecay, LossWeightScheduler
from tests.test_case import TestCase

REQUIRED = (
    "cyclegan_paper",
    "residualgan_monet",
    "resnet9_monet_kaggle",
    "cyclegan_anime2selfie",
    "uvcgan_anime2selfie",
    "dcgan_cspup_celeba",
    "dcgan_cspup_celeba_residual_d",
    "dcgan_cspup_celeba_spectral",
)

# Tiny widths: the point is that each preset's networks, losses and
# optimizers work together, not their size.
# `n_blocks`: residual blocks of the ResNet generators, ViT blocks of UVCGAN.
TINY_CYCLEGAN = {"generator": {"ngf": 4, "n_blocks": 1}, "discriminator": {"ndf": 4}}
TINY_DCGAN = {"generator": {"filters": (8, 4)}, "discriminator": {"ndf": 4}}
# A 5-level U-Net fits 32x32 images.
TINY_PIX2PIX = {"generator": {"ngf": 4, "num_downs": 5}, "discriminator": {"ndf": 4}}
SIZE = 32
TINY = {"CycleGAN": TINY_CYCLEGAN, "DCGAN": TINY_DCGAN, "Pix2Pix": TINY_PIX2PIX}


def _tiny(preset):
    """Test-size overrides for `preset`'s networks (a U-Net has no blocks)."""
    if preset["generator"]["name"].startswith("unet"):
        return TINY_PIX2PIX
    return TINY[preset["model"]]


def test_presets_cover_the_seeds():
    names = presets.list_presets()
    for name in REQUIRED:
        assert name in names
    assert set(presets.list_presets("CycleGAN")) | set(
        presets.list_presets("DCGAN")
    ) | set(presets.list_presets("Pix2Pix")) == set(names)


@pytest.mark.parametrize("name", presets.list_presets())
def test_preset_fields_are_listed_in_one_line(name):
    preset = presets.get(name)
    for field in ("description", "source"):
        assert preset[field].strip() and "\n" not in preset[field]
    assert preset["epochs"] >= 1 and preset["batch_size"] >= 1


@pytest.mark.parametrize("name", presets.list_presets())
def test_preset_trains_one_step(name):
    TestCase.run_preset_test(name, _tiny(presets.get(name)), image_size=SIZE)


@pytest.mark.parametrize("name", presets.list_presets())
def test_preset_optimizers_follow_the_preset(name):
    preset = presets.get(name)
    kwargs = getattr(keras_gans, preset["model"]).preset_optimizers(name)
    opt = preset["optimizer"]
    rates = [float(o.learning_rate.numpy()) for o in kwargs.values()]
    assert rates[0] == pytest.approx(opt["learning_rate"])
    for rate in rates[1:]:
        assert rate == pytest.approx(
            opt["learning_rate"] * opt["discriminator_lr_ratio"]
        )


def test_seed_schedules_become_callbacks():
    # Seed 000: [id 0.5, GAN 1, cycle 10] switched to [0.5, 1.5, 12] mid-run.
    (switch,) = keras_gans.callbacks.from_preset("residualgan_monet")
    assert isinstance(switch, LossWeightScheduler)
    initial = {"identity": 0.5, "gan": 1.0, "cycle": 10.0}
    assert switch.weights_at(0, initial) == initial
    assert switch.weights_at(99, initial) == {
        "identity": 0.5,
        "gan": 1.5,
        "cycle": 12.0,
    }
    # The paper: constant for 100 epochs, linear decay to 0 over 100 more.
    (decay,) = keras_gans.callbacks.from_preset("cyclegan_paper")
    assert isinstance(decay, LinearDecay)
    assert decay.factor(99) == 1.0 and decay.factor(199) < 0.02
    assert keras_gans.callbacks.from_preset("resnet9_monet_kaggle") == []


def test_seed_hyperparameters():
    monet = presets.get("residualgan_monet")
    assert monet["optimizer"]["discriminator_lr_ratio"] == 1.25
    assert monet["generator"]["name"] == "residual_pixelshuffle"
    kaggle = presets.get("resnet9_monet_kaggle")
    assert (kaggle["image_size"], kaggle["batch_size"]) == (256, 4)
    for name in ("cyclegan_anime2selfie", "uvcgan_anime2selfie"):
        preset = presets.get(name)
        assert preset["image_size"] == 64 and preset["epochs"] == 20
        assert preset["optimizer"]["learning_rate"] == 1e-3
        assert preset["optimizer"]["discriminator_lr_ratio"] == 4.0
    assert (
        presets.get("dcgan_cspup_celeba")["optimizer"]["discriminator_lr_ratio"] == 0.5
    )


def test_fast_presets_keep_the_paper_losses_and_differ_only_in_the_generator():
    fast, unet = presets.get("cyclegan_fast"), presets.get("cyclegan_fast_unet")
    # The aids measured in docs/quality.md, on the paper's losses.
    assert fast["generator"] == {
        "name": "resnet_6blocks",
        "config": {"ngf": 16, "output_mode": "residual"},
    }
    assert fast["model_config"]["lambda_identity"] == 0.0
    assert fast["model_config"]["ema_decay"] == 0.999
    assert fast["model_config"]["gan_loss"] == "lsgan"
    assert fast["optimizer"]["discriminator_lr_ratio"] == 2.0
    assert unet["generator"] == {
        "name": "unet_128",
        "config": {"num_downs": 5, "ngf": 16, "output_mode": "residual"},
    }
    for field in fast:
        if field not in ("generator", "description"):
            assert unet[field] == fast[field], field


def test_the_unet_preset_starts_as_the_identity_and_saves_its_ema(tmp_path):
    model = keras_gans.CycleGAN.from_preset("cyclegan_fast_unet", seed=0)
    images = np.random.default_rng(0).uniform(-1, 1, (2, 32, 32, 3))
    images = images.astype("float32")
    # It starts as the identity map, as cyclegan_fast does.
    np.testing.assert_allclose(model.translate(images), images, atol=1e-6)
    # The EMA U-Nets (batch norm) save and load (one training step of the
    # preset: test_preset_trains_one_step).
    assert model.ema_decay == 0.999
    path = str(tmp_path / "fast_unet.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    for use_ema in (True, False):
        np.testing.assert_allclose(
            loaded.translate(images, use_ema=use_ema),
            model.translate(images, use_ema=use_ema),
            atol=0,
        )


def test_unknown_preset_lists_the_valid_ones():
    with pytest.raises(ValueError, match="residualgan_monet"):
        presets.get("no_such_preset")


def _containers(obj):
    """Every dict and list inside `obj` (itself included)."""
    if isinstance(obj, dict):
        yield obj
        for value in obj.values():
            yield from _containers(value)
    elif isinstance(obj, list):
        yield obj
        for value in obj:
            yield from _containers(value)


def test_presets_share_no_nested_containers():
    # Presets derive from base dicts; a change to one preset's nested dict or
    # list must not show up in another.
    owner = {}
    for name, preset in presets.PRESETS.items():
        for container in _containers(preset):
            assert owner.setdefault(id(container), name) == name, (
                f"{name} shares {container!r} with {owner[id(container)]}"
            )


def test_seed_004_presets_keep_the_seed_settings():
    for name in presets.list_presets("DCGAN"):
        if not name.startswith("dcgan_cspup_celeba"):
            continue
        preset = presets.get(name)
        assert (preset["image_size"], preset["batch_size"]) == (64, 128), name
        assert preset["epochs"] == 10, name
        assert preset["model_config"] == {"latent_dim": 100, "gan_loss": "vanilla"}
        assert preset["generator"]["name"] == "cspup_dcgan"
        assert "filters" not in preset["generator"]["config"]  # 512/256/128/64
        assert keras_gans.callbacks.from_preset(name) == []  # constant rates
    assert presets.get("cspup")["optimizer"]["learning_rate"] == 2e-4


def test_dcgan_demo_preset_differs_from_seed_004_only_where_it_says():
    demo, seed = presets.get("cspup_demo"), presets.get("cspup")
    assert presets.get("dcgan_cspup_shapes_demo") == demo
    # Experiment 1's networks, loss and D:G ratio ...
    for role in ("generator", "discriminator"):
        assert demo[role]["name"] == seed[role]["name"]
    # ... plus the EMA generator's samples (docs/quality.md, "DCGAN") ...
    assert demo["model_config"] == {**seed["model_config"], "ema_decay": 0.999}
    for key in ("name", "beta_1", "beta_2", "discriminator_lr_ratio"):
        assert demo["optimizer"][key] == seed["optimizer"][key]
    # ... at 10x the rates and CPU sizes; every change is listed in `assumed`.
    assert demo["optimizer"]["learning_rate"] == pytest.approx(2e-3)
    assert demo["generator"]["config"] == {"filters": (64, 32, 16)}
    assert (demo["image_size"], demo["batch_size"], demo["epochs"]) == (32, 16, 8)
    for field in demo:
        if field in ("description", "source", "assumed") or demo[field] == seed[field]:
            continue
        if isinstance(demo[field], dict):
            ours, theirs = demo[field], seed[field]
            changed = [f"{field}.{k}" for k in ours if ours[k] != theirs.get(k)]
        else:
            changed = [field]
        for name in changed:
            assert name in demo["assumed"] or field in demo["assumed"], name
    (decay,) = keras_gans.callbacks.from_preset("cspup_demo")
    assert isinstance(decay, LinearDecay)
    factors = [decay.factor(epoch) for epoch in range(demo["epochs"])]
    assert factors == pytest.approx([1, 1, 1, 1, 0.8, 0.6, 0.4, 0.2])


def test_cli_trains_the_demo_preset_on_the_demo_data():
    from keras_gans import runs

    config = runs.resolve_config("dcgan", None, {})
    assert config["preset"] == "dcgan_cspup_shapes_demo"
    assert (config["image_size"], config["batch_size"], config["epochs"]) == (
        32,
        16,
        8,
    )
    assert config["schedule"]["decay_start_epoch"] == 4
    assert runs.network_overrides(config) == ({"filters": (64, 32, 16)}, {"ndf": 16})
    model = runs.build_model(config)
    assert float(model.generator_optimizer.learning_rate.numpy()) == pytest.approx(2e-3)
    # An explicit preset, or real data, gets seed 004's experiment 1.
    assert runs.resolve_config("dcgan", None, {"preset": "cspup"})["preset"] == (
        "dcgan_cspup_celeba"
    )
    folder = {"kind": "folder", "data": "faces"}
    config = runs.resolve_config("dcgan", folder, {})
    assert config["preset"] == "dcgan_cspup_celeba" and config["image_size"] == 64
