"""`keras-gans train`'s loss, model and preprocessing flags (issue 24): they
reach the model and the data, land in config.json, are restored by --resume,
and wrong combinations are one-line usage errors (exit 2) before any work."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from keras_gans import cli, datasets, presets, runs
from keras_gans.runs import settings
from tests import cli as cli_tests
from tests.cli import error_line

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

TINY = ["--image-size", "16", *cli_tests.TINY, *cli_tests.ONE_BLOCK, "--epochs", "1"]

FLAGS = [
    "--lambda-cycle", "5", "--lambda-identity", "0.25", "--gan-loss", "hinge",
    "--pool-size", "3", "--ema-decay", "0.9", "--augment", "color",
    "--r1-weight", "0.5", "--preprocess", "resize_and_crop", "--load-size", "20",
    "--no-flip",
]  # fmt: skip

EXPECTED = {
    "lambda_cycle": 5.0,
    "lambda_identity": 0.25,
    "gan_loss": "hinge",
    "pool_size": 3,
    "ema_decay": 0.9,
    "augment": "color",
    "r1_weight": 0.5,
    "preprocess": "resize_and_crop",
    "load_size": 20,
    "flip": False,
}


@pytest.fixture(scope="module")
def glyph_folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("glyphs")
    datasets.write_folders(str(root), "glyphs", image_size=24, chars="abcd")
    return str(root)


def test_flags_reach_the_model_and_config_json_and_resume(
    glyph_folders, tmp_path, capsys
):
    run = str(tmp_path / "run")
    argv = ["train", "cyclegan", "--data", glyph_folders, *TINY, *FLAGS]
    assert cli.main([*argv, "--output", run, "--verbose", "0"]) == 0
    with open(os.path.join(run, "config.json")) as f:
        config = json.load(f)
    assert {k: config[k] for k in EXPECTED} == EXPECTED
    model = runs.load_model(run)
    assert float(model.lambda_cycle.numpy()) == 5.0
    assert float(model.lambda_identity.numpy()) == 0.25
    assert model.pool_size == 3 and model.ema_decay == 0.9
    assert type(model.gan_loss).__name__ == "Hinge"
    assert model.gan_loss.r1_weight == 0.5
    assert model.augment.policy == "color"
    # --resume restores every setting; the same value again is accepted.
    resume = ["train", "cyclegan", "--output", run, "--resume", "--verbose", "0"]
    assert cli.main([*resume, "--epochs", "2", "--gan-loss", "hinge"]) == 0
    with open(os.path.join(run, "config.json")) as f:
        resumed = json.load(f)
    assert {k: resumed[k] for k in EXPECTED} == EXPECTED and resumed["epochs"] == 2
    # A changed value of a setting that fixes what the run computes: one line.
    line = error_line(capsys, [*resume, "--lambda-cycle", "3"], status=1)
    assert "--lambda-cycle" in line and "differ" in line
    line = error_line(capsys, [*resume, "--pool-size", "3", "--lambda-l1", "1"])
    assert "--lambda-l1 does not apply to cyclegan" in line


@pytest.mark.parametrize(
    "extra, expected",
    [
        (["--pool-size", "3"], "--pool-size does not apply to dcgan"),
        (["--lambda-cycle", "1"], "--lambda-cycle does not apply to dcgan"),
        (["--preprocess", "none"], "a dcgan run trains on squares"),
        (["--preprocess", "scale_width"], "a dcgan run trains on squares"),
        (["--load-size", "8", "--image-size", "16"], "--load-size 8 is smaller"),
    ],
)  # fmt: skip
def test_dcgan_combinations_are_usage_errors(
    extra, expected, glyph_folders, tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    out = str(tmp_path / "run")
    argv = ["train", "dcgan", "--data", glyph_folders, "--output", out, *extra]
    assert expected in error_line(capsys, argv)
    assert os.listdir(tmp_path) == []  # nothing written


@pytest.mark.parametrize(
    "extra, expected",
    [
        (["--load-size", "16", "--crop-size", "32"], "--load-size 16 is smaller"),
        (["--preprocess", "crop", "--load-size", "40"], "does not apply to "
         "--preprocess crop"),
        (["--preprocess", "none", "--load-size", "40"], "does not apply to "
         "--preprocess none"),
        (["--crop-size", "32", "--image-size", "64"], "name the same training size"),
        (["--lambda-l1", "10"], "--lambda-l1 does not apply to cyclegan"),
        (["--augment", "colour"], "--augment: "),
        (["--lambda-identity", "-0.5"], "must be a number >= 0.0"),
        (["--ema-decay", "1"], "must be a number in [0.0, 1.0)"),
        (["--gan-loss", "wgan"], "invalid choice: 'wgan'"),
        (["--pool-size", "-1"], "must be an integer >= 0"),
        (["--preprocess", "zoom"], "invalid choice: 'zoom'"),
    ],
)  # fmt: skip
def test_cyclegan_combinations_are_usage_errors(
    extra, expected, glyph_folders, tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    out = str(tmp_path / "run")
    argv = ["train", "cyclegan", "--data", glyph_folders, "--output", out, *extra]
    assert expected in error_line(capsys, argv)
    assert os.listdir(tmp_path) == []  # nothing written


def test_preprocessing_flags_need_image_data(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    line = error_line(capsys, ["train", "cyclegan", "--no-flip", "--load-size", "40"])
    assert "--load-size, --no-flip: preprocessing applies to image data" in line
    assert os.listdir(tmp_path) == []


def test_a_bad_combination_from_the_real_command_exits_2(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run(
        [sys.executable, "-m", "keras_gans", "train", "dcgan", "--pool-size", "3"],
        cwd=str(tmp_path),
        env={**env, "PYTHONPATH": REPO},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        "keras-gans: error: --pool-size does not apply to dcgan (its model flags: "
        "--gan-loss, --ema-decay, --augment, --r1-weight)"
    ]
    assert os.listdir(tmp_path) == []


def _write_images(folder, size, n=3):
    os.makedirs(folder)
    rng = np.random.default_rng(0)
    for i in range(n):
        pixels = rng.integers(0, 256, (*size, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(os.path.join(folder, f"{i}.png"))


def _domains(root):
    return runs.data_spec("cyclegan", data_a=str(root / "a"), data_b=str(root / "b"))


def test_preprocess_none_trains_at_the_stored_size_cropped_to_the_stride(tmp_path):
    for side in "ab":
        _write_images(str(tmp_path / side), (38, 46))
    spec = _domains(tmp_path)
    config = runs.resolve_config(
        "cyclegan",
        spec,
        {"preset": "cyclegan_paper", "preprocess": "none", "batch_size": 2},
    )
    assert (config["preprocess"], config["load_size"]) == ("none", None)
    stride = settings.generator_stride(presets.get(config["preset"]), {})
    assert stride == 4
    dataset = runs.make_data(config)(0)
    assert tuple(dataset.element_spec[0].shape[1:]) == (36, 44, 3)  # static
    a, b = next(iter(dataset))
    assert a.shape == b.shape == (2, 36, 44, 3)  # 38x46 -> multiples of 4
    # Tiny networks (1 residual block, a 1-layer PatchGAN; the stride stays
    # the preset's 4): the image pools take the size.
    tiny = {
        "generator_config": {"n_blocks": 1},
        "discriminator_config": {"n_layers": 1},
    }
    model = runs.build_model({**config, "ngf": 4, "ndf": 4, **tiny})
    model.fit(dataset.take(1), verbose=0)


def test_scale_width_keeps_the_aspect_ratio(tmp_path):
    for side in "ab":
        _write_images(str(tmp_path / side), (30, 40))
    spec = _domains(tmp_path)
    config = runs.resolve_config(
        "cyclegan",
        spec,
        {"preprocess": "scale_width", "load_size": 24, "preset": "cyclegan_paper"},
    )
    a, _ = next(iter(runs.make_data({**config, "batch_size": 2})(0)))
    assert a.shape == (2, 16, 24, 3)  # 24 wide, 18 high -> 16 (stride 4)


def test_load_and_crop_sizes_reach_the_loader(glyph_folders):
    spec = runs.data_spec("cyclegan", glyph_folders)
    config = runs.resolve_config(
        "cyclegan", spec, {"crop_size": 16, "load_size": 24, "flip": False}
    )
    assert config["image_size"] == 16 and config["load_size"] == 24
    assert config["flip"] is False
    assert settings.loader_options(config) == {
        "preprocess": "resize_and_crop",
        "flip": False,
        "load_size": 24,
    }
    a, b = next(iter(runs.make_data({**config, "batch_size": 2})(0)))
    assert a.shape == (2, 16, 16, 3)
    # The default load size is the paper's 286 / 256 of the crop.
    assert runs.resolve_config("cyclegan", spec, {"image_size": 64})["load_size"] == 72


def test_dcgan_and_pix2pix_take_their_model_flags():
    config = runs.RunConfig.from_preset(
        "dcgan", image_size=16, ngf=4, ndf=4, gan_loss="hinge", r1_weight=1.0,
        ema_decay=0.5, augment="translation",
    )  # fmt: skip
    model = runs.build_model(config)
    assert type(model.gan_loss).__name__ == "Hinge"
    assert model.gan_loss.r1_weight == 1.0 and model.ema_decay == 0.5
    assert model.augment.policy == "translation"
    if "pix2pix" in runs.MODELS:
        config = runs.RunConfig.from_preset(
            "pix2pix", image_size=32, ngf=4, ndf=4, lambda_l1=7.0, gan_loss="lsgan"
        )
        model = runs.build_model(config)
        assert float(model.lambda_l1.numpy()) == 7.0
        assert type(model.gan_loss).__name__ == "LSGAN"


def test_ema_and_augment_can_be_switched_off():
    config = runs.RunConfig.from_preset(
        "cyclegan", image_size=16, ngf=4, ndf=4, ema_decay=0.0, augment="none"
    )  # cyclegan_fast keeps an EMA of its generators by default
    model = runs.build_model(config)
    assert model.ema_decay is None and model.augment is None
    default = runs.RunConfig.from_preset("cyclegan", image_size=16, ngf=4, ndf=4)
    assert default["ema_decay"] == 0.999 and default["augment"] == "none"


def test_a_config_without_the_settings_still_builds_and_loads():
    """A run written before these settings resumes with the preset's."""
    config = runs.RunConfig.from_preset("cyclegan", image_size=16, ngf=4, ndf=4)
    old = {k: v for k, v in config.items() if k not in settings.SETTINGS}
    model = runs.build_model(old)
    assert model.pool_size == 50 and model.ema_decay == 0.999
    assert settings.loader_options(old) == {}


def test_help_lists_the_flags(capsys):
    assert cli.main(["train", "--help"]) == 0
    out = capsys.readouterr().out
    for flag in ("--lambda-cycle", "--gan-loss", "--pool-size", "--ema-decay",
                 "--augment", "--r1-weight", "--preprocess", "--load-size",
                 "--crop-size", "--no-flip", "--lambda-l1"):  # fmt: skip
        assert flag in out
