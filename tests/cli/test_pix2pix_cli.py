"""`keras-gans train pix2pix`, and `translate` / `export` of its runs.

Everything calls `keras_gans.cli.main([...])` in this process, the code the
console runs: `train pix2pix` on the demo, its `--resume` (a fresh model that
shares nothing with the first run but its files), `train pix2pix --data` on
an official-layout folder. (The command itself in subprocesses, its
`train` and `train --resume` included: test_cli.py.)
"""

import contextlib
import io
import json
import os
import re
import types

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_gans import cli, datasets, inference, presets, runs
from tests import cli as cli_tests
from tests.cli import error_line

# Tiny settings: 32x32 (the demo U-Net's smallest size), 4-filter networks.
TINY = ["--image-size", "32", *cli_tests.TINY]


def _main(argv):
    """`keras_gans.cli.main(argv)` in this process: status 0, no traceback;
    its stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    assert "Traceback" not in err.getvalue(), err.getvalue()
    assert code == 0, out.getvalue()[-2000:] + err.getvalue()[-3000:]
    return types.SimpleNamespace(stdout=out.getvalue(), stderr=err.getvalue())


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """1 epoch of `keras-gans train pix2pix` (the demo), then `--resume
    --epochs 2`. Returns (run folder, first result, second result, epoch 1's
    grid mtime)."""
    root = tmp_path_factory.mktemp("pix2pix")
    run = str(root / "run")
    first = _main(["train", "pix2pix", *TINY, "--epochs", "1", "--output", run])
    grid_1 = os.path.getmtime(os.path.join(run, "samples", "epoch_0001.png"))
    second = _main(["train", "pix2pix", "--output", run, "--resume", "--epochs", "2"])
    return run, first, second, grid_1


def _grid_size(path):
    with Image.open(path) as grid:
        return grid.size


def test_train_pix2pix_runs_the_demo(demo_run):
    run, first, _, _ = demo_run
    assert "preset 'pix2pix_demo'" in first.stdout and "paired glyphs" in first.stdout
    for name in ("model.keras", "config.json", "losses.png", "history.csv"):
        assert os.path.isfile(os.path.join(run, name)), name
    config = json.load(open(os.path.join(run, "config.json")))
    assert (config["model"], config["preset"]) == ("pix2pix", "pix2pix_demo")
    assert (config["data"], config["direction"]) == ({"kind": "demo"}, "AtoB")
    # Rows input | G(x) | target of 2 held-out pairs, 96 px tiles, labelled.
    width, height = _grid_size(os.path.join(run, "samples", "epoch_0001.png"))
    assert 2 * 98 - 2 < width < 2 * 98 - 2 + 200
    assert 3 * 98 - 2 < height < 3 * 98 - 2 + 100
    # The held-out error is logged each epoch; the residual U-Net starts
    # at the identity, whose error is the baseline mean |x - y| ~ 0.1.
    header, *rows = open(os.path.join(run, "history.csv")).read().splitlines()
    column = header.split(",").index("heldout_l1")
    assert 0 < float(rows[0].split(",")[column]) < 0.5


def test_resume_continues_a_pix2pix_run(demo_run):
    run, _, second, grid_1 = demo_run
    assert "Resuming from ckpt-" in second.stdout
    assert "Epoch 2/2" in second.stdout and "Epoch 1/2" not in second.stdout
    assert os.path.getmtime(os.path.join(run, "samples", "epoch_0001.png")) == grid_1
    assert os.path.isfile(os.path.join(run, "samples", "epoch_0002.png"))
    model = keras.saving.load_model(os.path.join(run, "model.keras"))
    assert model.__class__.__name__ == "Pix2Pix"
    for opt in model.gan_optimizers.values():
        assert int(opt.iterations.numpy()) == 4  # 2 epochs x 2 steps


def test_train_pix2pix_on_the_official_layout(tmp_path, monkeypatch):
    root = tmp_path / "paired"
    datasets.write_folders(root, "paired_glyphs", image_size=32, chars="abcd")
    assert sorted(os.listdir(root)) == ["test", "train"]
    run = str(tmp_path / "run")
    # The default preset with data: pix2pix_paper (BtoA), its U-Net made
    # 5 levels deep for 32x32; --direction overrides the preset's.
    argv = ["train", "pix2pix", *TINY, "--epochs", "1", "--data", str(root)]
    argv += ["--generator-config", '{"num_downs": 5}', "--direction", "AtoB"]
    monkeypatch.chdir(tmp_path)
    result = _main(argv + ["--output", run])
    assert f"preset 'pix2pix_paper' on {root} (AtoB)" in result.stdout
    config = json.load(open(os.path.join(run, "config.json")))
    assert config["data"] == {"data": str(root), "kind": "aligned"}
    assert config["direction"] == "AtoB"
    assert os.path.isfile(os.path.join(run, "model.keras"))
    width, height = _grid_size(os.path.join(run, "samples", "epoch_0001.png"))
    assert 3 * 98 - 2 <= height < 3 * 98 - 2 + 100  # input | output | target


def test_two_folders_of_matching_names(tmp_path):
    """`--data-a` / `--data-b`: inputs and targets paired by file name."""
    root = tmp_path / "paired"
    datasets.write_folders(root, "paired_glyphs", image_size=32, chars="ab")
    for side in "AB":
        (tmp_path / side).mkdir()
    for name in os.listdir(root / "train"):
        pair = np.asarray(Image.open(root / "train" / name))
        Image.fromarray(pair[:, :32]).save(tmp_path / "A" / name)
        Image.fromarray(pair[:, 32:]).save(tmp_path / "B" / name)
    folders = {f"data_{s.lower()}": str(tmp_path / s) for s in "AB"}
    spec = runs.data_spec("pix2pix", **folders)
    assert spec["kind"] == "pairs"
    settings = {"image_size": 32, "samples": 2, "generator_config": {"num_downs": 5}}
    config = runs.resolve_config("pix2pix", spec, settings)
    assert config["direction"] == "BtoA"  # pix2pix_paper's (facades)
    x, y = runs.sample_images(config)  # inputs from B, targets from A
    first = sorted(os.listdir(root / "train"))[0]
    pair = np.asarray(Image.open(root / "train" / first), "float32") / 127.5 - 1
    np.testing.assert_allclose(x[0], pair[:, 32:], atol=1e-5)
    np.testing.assert_allclose(y[0], pair[:, :32], atol=1e-5)
    config["batch_size"] = 2
    x, y = next(iter(runs.make_data(config)(0)))
    assert x.shape == y.shape == (2, 32, 32, 3)


# === translate / export of a pix2pix run (in-process) ===


def test_translate_a_folder_with_a_pix2pix_run(demo_run, tmp_path, capsys):
    run = demo_run[0]
    inputs = tmp_path / "in"
    inputs.mkdir()
    x, _, _ = datasets.paired_glyph_arrays(32, split="test", chars="xy")
    for i, image in enumerate(x):
        Image.fromarray(((image + 1) * 127.5).round().astype("uint8")).save(
            inputs / f"{i}.png"
        )
    odd = np.random.default_rng(0).integers(0, 256, (37, 23, 3), dtype=np.uint8)
    Image.fromarray(odd).save(inputs / "odd.png")
    out = tmp_path / "out"
    argv = ["translate", "--model", run, str(inputs), "--output", str(out)]
    assert cli.main(argv) == 0
    assert "Translated 5 image(s) (ab)" in capsys.readouterr().out
    generator = runs.load_model(run).inference_generator()
    translated = np.asarray(Image.open(out / "odd.png"))
    assert translated.shape == (37, 23, 3)  # padded to 32, cropped back
    np.testing.assert_array_equal(translated, inference.ImageTranslator(generator)(odd))
    # The run's model.keras works as well as its folder.
    model_file = os.path.join(run, "model.keras")
    argv = ["translate", "--model", model_file, str(inputs / "odd.png")]
    assert cli.main(argv + ["--output", str(tmp_path / "out2")]) == 0
    again = np.asarray(Image.open(tmp_path / "out2" / "odd.png"))
    np.testing.assert_array_equal(again, translated)


def test_export_a_pix2pix_run(demo_run, tmp_path, capsys):
    run = demo_run[0]
    out = tmp_path / "served"
    assert cli.main(["export", run, "--output", str(out)]) == 0
    assert "Wrote SavedModel" in capsys.readouterr().out
    served = tf.saved_model.load(str(out / "1"))
    image = np.random.default_rng(1).integers(0, 256, (1, 37, 45, 3), dtype=np.uint8)
    result = served.signatures["translate_image"](images=tf.constant(image))
    exported = result["images"].numpy()
    generator = runs.load_model(run).inference_generator()
    expected = inference.ImageTranslator(generator)(image)
    assert exported.shape == expected.shape == (1, 37, 45, 3)
    diff = np.abs(exported.astype(int) - expected.astype(int))
    assert diff.max() <= 1, diff.max()  # one rounding step at most


@pytest.mark.slow  # tf2onnx conversion: several seconds
def test_export_a_pix2pix_run_as_onnx(demo_run, tmp_path):
    onnxruntime = pytest.importorskip("onnxruntime")
    pytest.importorskip("tf2onnx")
    argv = ["export", demo_run[0], "--format", "onnx", "--output", str(tmp_path)]
    assert cli.main(argv) == 0
    path = str(tmp_path / "generator_ab.onnx")
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    x = np.random.default_rng(2).uniform(-1, 1, (1, 37, 45, 3)).astype("float32")
    (name,) = [i.name for i in session.get_inputs()]
    (y,) = session.run(None, {name: x})
    generator = runs.load_model(demo_run[0]).inference_generator()
    expected = inference.ImageTranslator(generator).translate_floats(x)
    np.testing.assert_allclose(y, expected, atol=1e-4)


# === presets and errors ===


def test_presets_lists_the_pix2pix_presets(capsys):
    assert cli.main(["presets", "--model", "pix2pix"]) == 0
    out = capsys.readouterr().out
    names = presets.list_presets("Pix2Pix")
    assert {"pix2pix_paper", "pix2pix_maps", "pix2pix_edges2shoes"} < set(names)
    assert {"pix2pix_demo"} < set(names)
    for name in names:
        assert re.search(rf"^{name}\s+Pix2Pix\s", out, re.M), name
    assert "cyclegan_fast" not in out


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["train", "pix2pix", "--preset", "cyclegan_fast"],
         "is a CycleGAN preset, not pix2pix; pix2pix presets: pix2pix_demo, "
         "pix2pix_edges2shoes, pix2pix_maps, pix2pix_paper"),
        (["train", "cyclegan", "--preset", "pix2pix_demo"], "cyclegan presets: "),
        (["train", "pix2pix", "--data", "missing"], "--data: folder not found"),
        (["train", "pix2pix", "--data", "."], "has no train/ folder"),
        (["train", "pix2pix", "--data-a", "missing", "--data-b", "."],
         "--data-a: folder not found"),
        (["train", "pix2pix", "--data-a", "."], "--data-a + --data-b"),
        (["train", "pix2pix", "--tfrecords", "x"], "pix2pix takes --data"),
        (["train", "cyclegan", "--direction", "AtoB"], "--direction is for pix2pix"),
        (["train", "pix2pix", "--image-size", "48"], "multiple of 32"),
    ],
)  # fmt: skip
def test_bad_train_arguments_write_nothing(
    tmp_path, monkeypatch, capsys, argv, expected
):
    monkeypatch.chdir(tmp_path)
    assert expected in error_line(capsys, argv, status=1)
    assert os.listdir(tmp_path) == []  # no runs/ folder, no run


@pytest.mark.parametrize("command", ["translate", "export"])
def test_direction_ba_on_a_pix2pix_is_one_line(demo_run, tmp_path, capsys, command):
    out = tmp_path / "out"
    if command == "translate":
        argv = ["translate", "--model", demo_run[0], "x.png", "--output", str(out)]
    else:
        argv = ["export", demo_run[0], "--output", str(out)]
    line = error_line(capsys, argv + ["--direction", "ba"], status=1)
    assert "a Pix2Pix translates A -> B only; use --direction ab" in line
    assert not out.exists()


def test_usage_error_for_a_bad_direction_value(capsys):
    argv = ["train", "pix2pix", "--direction", "ab"]
    assert "--help" in error_line(capsys, argv, status=2)
