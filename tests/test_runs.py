"""keras_gans.runs: run configs, the run folder and what a run builds."""

import json
import os
import re

import pytest

from keras_gans import presets, runs


def test_run_config_round_trips_through_json(tmp_path):
    config = runs.RunConfig.from_preset("dcgan", "cspup", image_size=16, epochs=2)
    assert config.preset == "dcgan_cspup_celeba"  # the one alias table
    assert config["data"] == {"kind": "demo"}
    path = str(tmp_path / "config.json")
    config.to_json(path)
    assert json.load(open(path))["epochs"] == 2
    assert runs.RunConfig.from_json(path) == config


def test_overrides_beat_demo_settings_beat_the_preset():
    demo = runs.RunConfig.from_preset("cyclegan")
    assert demo["preset"] == runs.DEMO_PRESETS["cyclegan"]
    assert demo["image_size"] == runs.DEMO_SETTINGS["cyclegan"]["image_size"]
    given = runs.RunConfig.from_preset("cyclegan", image_size=64)
    assert given["image_size"] == 64
    data = {"kind": "folders", "data": "x"}
    real = runs.resolve_config("cyclegan", data, {})
    preset = presets.get(runs.DEFAULT_PRESETS["cyclegan"])
    assert real["image_size"] == preset["image_size"]


@pytest.mark.parametrize(
    "model, overrides, message",
    [
        ("cyclegan", {"preset": "nope"}, "unknown preset 'nope'"),
        ("dcgan", {"preset": "cyclegan_paper"}, "is a CycleGAN preset"),
        ("dcgan", {"image_size": 12}, "power of two"),
        ("cyclegan", {"image_size": 30}, "multiple of 4"),
        ("cyclegan", {"image_size": 8}, "at least 16"),  # room for the blocks
        ("cyclegan", {"preset": "cyclegan_fast_unet", "image_size": 48}, "of 32 "),
        ("cyclegan", {"generator_config": {"nope": 1}}, "Unknown argument"),
        ("cyclegan", {"colour": 1}, "unknown run setting"),
    ],
)
def test_bad_settings_are_run_errors(model, overrides, message):
    with pytest.raises(runs.RunError, match=message):
        runs.resolve_config(model, None, overrides)


def test_a_unet_cyclegan_takes_any_multiple_of_its_stride():
    # A 5-level U-Net has a 1x1 bottleneck at 32x32: the demo's size.
    config = runs.resolve_config("cyclegan", None, {"preset": "cyclegan_fast_unet"})
    assert config["image_size"] == 32
    for size in (64, 96):
        overrides = {"preset": "cyclegan_fast_unet", "image_size": size}
        assert runs.resolve_config("cyclegan", None, overrides)["image_size"] == size


def test_a_dcgan_run_with_ema_updates_its_statistics_first(tmp_path):
    from keras_gans.callbacks import EMAStatistics, SampleDiversity

    def callbacks(**overrides):
        config = runs.RunConfig.from_preset(
            "dcgan", image_size=16, ngf=4, ndf=4, samples=4, **overrides
        )
        model = runs.build_model(config)
        # What `keras_gans.training.train` runs: the model's callbacks first.
        given = runs.make_callbacks(config, model, str(tmp_path))
        return [type(c) for c in model.with_model_callbacks(given)]

    with_ema = callbacks()  # the demo preset's EMA
    assert with_ema.index(EMAStatistics) < with_ema.index(SampleDiversity)
    assert EMAStatistics not in callbacks(ema_decay=0.0)


def test_resume_keeps_the_run_settings(tmp_path):
    run_dir, config = runs.prepare("cyclegan", output=str(tmp_path / "run"))
    os.makedirs(run_dir)
    config.to_json(os.path.join(run_dir, runs.CONFIG_FILE))
    same, resumed = runs.prepare(
        "cyclegan", overrides={"epochs": 20}, output=run_dir, resume=True
    )
    assert same == run_dir and resumed["epochs"] == 20
    assert {k: v for k, v in resumed.items() if k != "epochs"} == {
        k: v for k, v in config.items() if k != "epochs"
    }
    resume = {"output": run_dir, "resume": True}
    with pytest.raises(runs.RunError, match="--image-size"):
        runs.prepare("cyclegan", overrides={"image_size": 64}, **resume)
    with pytest.raises(runs.RunError, match="not dcgan"):
        runs.prepare("dcgan", **resume)


def test_data_spec_checks_the_folders(tmp_path):
    assert runs.data_spec("cyclegan") is None
    with pytest.raises(runs.RunError, match="has no trainA or trainB"):
        runs.data_spec("cyclegan", str(tmp_path))
    (tmp_path / "trainA").mkdir()
    (tmp_path / "trainB").mkdir()
    assert runs.data_spec("cyclegan", str(tmp_path))["kind"] == "folders"
    with pytest.raises(runs.RunError, match="takes --data or"):
        runs.data_spec("dcgan", str(tmp_path), data_a=str(tmp_path))


def test_the_docs_example_runs(tmp_path, monkeypatch):
    path = os.path.join(os.path.dirname(__file__), "..", "docs", "cli.md")
    with open(path, encoding="utf-8") as f:
        text = f.read().split("## From Python")[1]
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    namespace = {}
    exec(compile(code, "docs/cli.md", "exec"), namespace)
    assert namespace["out"].shape == (37, 51, 3)


@pytest.fixture(scope="module")
def glyph_root(tmp_path_factory):
    from keras_gans import datasets

    root = tmp_path_factory.mktemp("glyphs")
    datasets.write_folders(str(root), "glyphs", image_size=16, chars="abcd")
    return str(root)


def _across_channels(glyph_root, **overrides):
    data = runs.data_spec("cyclegan", glyph_root)
    settings = dict(
        preset="cyclegan_paper", image_size=16, ngf=4, ndf=4, batch_size=2,
        epochs=1, steps_per_epoch=1, samples=2, input_nc=1, output_nc=3,
        lambda_identity=0.0, discriminator_config={"n_layers": 2},
    )  # fmt: skip
    settings.update(overrides)
    return runs.RunConfig.from_preset("cyclegan", data=data, **settings)


def test_cyclegan_domains_of_different_channels(glyph_root):
    config = _across_channels(glyph_root)
    model = runs.build_model(config)
    g, f = model.generator_ab, model.generator_ba
    assert (g.input_shape[-1], g.output_shape[-1]) == (1, 3)  # G: A -> B
    assert (f.input_shape[-1], f.output_shape[-1]) == (3, 1)  # F: B -> A
    assert model.discriminator_a.input_shape[-1] == 1  # D_A sees A
    assert model.discriminator_b.input_shape[-1] == 3  # D_B sees B
    a, b = next(iter(runs.make_data(config)(0)))
    assert a.shape == (2, 16, 16, 1) and b.shape == (2, 16, 16, 3)
    samples_a, samples_b = runs.sample_images(config)
    assert samples_a.shape[-1] == 1 and samples_b.shape[-1] == 3
    # The identity loss compares G(b) with b: refused when channels differ.
    with pytest.raises(runs.config.SettingError, match="--lambda-identity 0"):
        _across_channels(glyph_root, lambda_identity=0.5)


def test_cyclegan_across_channels_trains(glyph_root):
    config = _across_channels(glyph_root)
    model = runs.build_model(config)
    model.run_eagerly = True  # one step without tracing
    a, b = next(iter(runs.make_data(config)(0)))
    logs = model.train_on_batch(a, b, return_dict=True)
    assert set(logs) >= {"g_loss", "cycle_a", "cycle_b"}
    assert logs["cycle_a"] > 0 and logs["cycle_b"] > 0
    # No identity images between 1 and 3 channels: the terms are 0.
    assert logs["identity_a"] == 0 and logs["identity_b"] == 0
