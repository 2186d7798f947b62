"""The `keras-gans` command: real subprocess runs on tiny data, errors in-process.

Two subprocesses (TensorFlow takes seconds to start): `train` through the
installed console script, then `python -m keras_gans train --resume --verbose`
in a new process; both also check that TensorFlow's logs stay hidden unless
`--verbose`. Everything else calls `keras_gans.cli.main([...])` in this
process, which is the code the console script runs.
"""

import importlib.util
import json
import os
import re
import sys
import types

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import keras_gans
from keras_gans import (
    callbacks,
    cli,
    datasets,
    inference,
    metrics,
    networks,
    presets,
    runs,
)
from tests import cli as cli_tests
from tests import shared
from tests.cli import error_line
from tests.layers import run_docstring_examples
from tests.test_case import require_torch

REPO = cli_tests.REPO

# 16x16 glyphs, tiny networks, one residual block, 2 steps per epoch.
TINY = ["--image-size", "16", *cli_tests.TINY, *cli_tests.ONE_BLOCK]


def _two_runs(root):
    """A tiny CycleGAN run in `root`/run: 1 epoch of `keras-gans train
    cyclegan`, then `--resume --epochs 2 --verbose` continues it. Neither
    process is told to hide TensorFlow's logs (`TF_CPP_MIN_LOG_LEVEL` unset):
    the first must be quiet on its own, the second (bare `--verbose`) lets
    them through. Returns both outputs and a snapshot after the first."""
    run = str(root / "run")
    first = cli_tests.run_command(
        ["train", "cyclegan", *TINY, "--epochs", "1", "--output", run],
        cwd=str(root),
        command=cli_tests.console_command(),
        tf_log_level=None,
    )
    snapshot = {
        "epoch_1_png": os.path.getmtime(os.path.join(run, "samples", "epoch_0001.png")),
        "checkpoints": sorted(os.listdir(os.path.join(run, "checkpoints"))),
    }
    second = cli_tests.run_command(
        ["train", "cyclegan", "--output", run, "--resume", "--epochs", "2"]
        + ["--verbose"],
        cwd=str(root),
        tf_log_level=None,
    )
    outputs = [{"stdout": r.stdout, "stderr": r.stderr} for r in (first, second)]
    return {"outputs": outputs, "snapshot": snapshot}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """(run folder, both outputs, a snapshot after the first) of `_two_runs`,
    made once per session; the tests only read the run."""
    root, made = shared.made_once(tmp_path_factory, "cli_run", _two_runs)
    first, second = (types.SimpleNamespace(**o) for o in made["outputs"])
    return str(root / "run"), first, second, made["snapshot"]


# === train / --resume (subprocesses) ===


def test_train_writes_a_complete_run(run_dir):
    run, first, _, snapshot = run_dir
    assert "2/2" in first.stdout  # Keras' progress bar: 2 steps of 2
    for name in ("model.keras", "config.json", "losses.png", "history.csv"):
        assert os.path.isfile(os.path.join(run, name)), name
    assert any(n.endswith(".manifest.json") for n in snapshot["checkpoints"])
    with Image.open(os.path.join(run, "samples", "epoch_0001.png")) as grid:
        # Rows a, G(a), F(G(a)), b, F(b), G(F(b)) of 2 samples at 16x16,
        # enlarged x6 to 96x96 tiles with 2 px gaps, after the margins of
        # the row labels (left) and the characters (top).
        width, height = grid.size
        assert 2 * 98 - 2 < width < 2 * 98 - 2 + 200
        assert 6 * 98 - 2 < height < 6 * 98 - 2 + 100
    events = os.listdir(os.path.join(run, "logs"))
    assert any(e.startswith("events.out.tfevents") for e in events)
    tags = set()
    for event_file in events:
        path = os.path.join(run, "logs", event_file)
        for event in tf.compat.v1.train.summary_iterator(path):
            tags |= {v.tag for v in event.summary.value}
    assert {"epoch_g_loss", "epoch_d_a_loss", "samples", "loss_weight_cycle"} <= tags
    config = json.load(open(os.path.join(run, "config.json")))
    assert config["preset"] == "cyclegan_fast"
    assert config["data"] == {"kind": "demo"}


def test_resume_continues_from_the_last_epoch(run_dir):
    run, _, second, snapshot = run_dir
    assert "Resuming from ckpt-" in second.stdout
    assert "Epoch 2/2" in second.stdout and "Epoch 1/2" not in second.stdout
    # Epoch 1 was not trained (nor drawn) again; epoch 2 was.
    grid_1 = os.path.join(run, "samples", "epoch_0001.png")
    assert os.path.getmtime(grid_1) == snapshot["epoch_1_png"]
    assert os.path.isfile(os.path.join(run, "samples", "epoch_0002.png"))
    rows = open(os.path.join(run, "history.csv")).read().splitlines()
    assert [r.split(",")[0] for r in rows[1:]] == ["0", "1"]
    events = [json.loads(line) for line in open(os.path.join(run, "events.jsonl"))]
    resumes = [e for e in events if e["event"] == "resume"]
    assert len(resumes) == 1 and (resumes[0]["epoch"], resumes[0]["step"]) == (1, 0)
    # 2 epochs x 2 steps: the optimizers went on counting from the checkpoint.
    model = keras.saving.load_model(os.path.join(run, "model.keras"))
    for opt in model.gan_optimizers.values():
        assert int(opt.iterations.numpy()) == 4


def test_train_is_quiet_unless_verbose(run_dir):
    """The README's main command (tiny), through the console script: progress
    bar and our lines only; a bare `--verbose` (here `python -m keras_gans
    train ... --resume --verbose`) is the global flag, not `train --verbose N`.
    (The log filter itself and `presets`: test_quiet.py.)"""
    _, quiet, verbose, _ = run_dir
    assert not cli_tests.tensorflow_lines(quiet.stderr), quiet.stderr
    assert quiet.stderr == ""
    assert "Training cyclegan preset 'cyclegan_fast'" in quiet.stdout
    assert "2/2" in quiet.stdout and "g_loss" in quiet.stdout  # the progress bar
    assert "Saved " in quiet.stdout
    assert "2/2" in verbose.stdout and "Saved " in verbose.stdout
    if not cli_tests.tensorflow_lines(verbose.stderr):
        pytest.skip("this TensorFlow build logs nothing here")


# === translate ===


def test_translate_keeps_each_image_size(run_dir, tmp_path, capsys):
    run = run_dir[0]
    inputs = tmp_path / "in"
    (inputs / "sub").mkdir(parents=True)
    rng = np.random.default_rng(0)
    odd = rng.integers(0, 256, (37, 23, 3), dtype=np.uint8)
    Image.fromarray(odd).save(inputs / "odd.png")
    gray = rng.integers(0, 256, (20, 30), dtype=np.uint8)
    Image.fromarray(gray).save(inputs / "sub" / "gray.jpg")
    out = tmp_path / "out"
    argv = ["translate", "--model", run, "--direction", "ba", str(inputs)]
    assert cli.main(argv + ["--output", str(out)]) == 0
    assert "Translated 2 image(s)" in capsys.readouterr().out
    with Image.open(out / "odd.png") as image:
        translated = np.asarray(image)
    assert translated.shape == (37, 23, 3)
    with Image.open(out / "sub" / "gray.png") as image:
        assert image.size == (30, 20) and image.mode == "RGB"
    # The PNG holds exactly the generator's translation (decode, pad, crop, encode).
    # (The demo preset keeps EMA generators: translate uses them.)
    generator = runs.load_model(run).inference_generator("ba")
    assert generator.name.endswith("_ema")
    np.testing.assert_array_equal(translated, inference.ImageTranslator(generator)(odd))


# (The translator itself: tests/test_inference.py.)


# === export / evaluate / sample / convert / presets (in-process) ===


def test_export_writes_a_saved_model(run_dir, tmp_path, capsys):
    out = tmp_path / "served"
    assert cli.main(["export", run_dir[0], "--output", str(out)]) == 0
    assert "Wrote SavedModel" in capsys.readouterr().out
    served = tf.saved_model.load(str(out / "1"))
    images = tf.constant(np.zeros((1, 21, 30, 3), "uint8"))
    assert served.signatures["translate_image"](images=images)["images"].shape == (
        1,
        21,
        30,
        3,
    )
    line = error_line(capsys, ["export", run_dir[0], "--output", str(out)], status=1)
    assert "--overwrite" in line


def test_export_onnx_without_tf2onnx_says_what_to_install(
    run_dir, tmp_path, capsys, monkeypatch
):
    monkeypatch.setitem(sys.modules, "tf2onnx", None)  # import fails
    argv = ["export", run_dir[0], "--format", "onnx", "--output", str(tmp_path)]
    assert "pip install tf2onnx onnx" in error_line(capsys, argv, status=1)


class _PixelFeatures:
    """A stand-in for InceptionV3 (minutes on a CPU): per-channel means and
    standard deviations, which is all the command's plumbing needs."""

    calls = []

    def __init__(self, weights="imagenet"):
        self.weights = weights

    def __call__(self, images):
        images = np.asarray(images, "float32")
        if images.dtype == np.uint8 or images.max() > 1.5:
            images = images / 127.5 - 1.0
        self.calls.append(images.shape)
        return np.concatenate([images.mean((1, 2)), images.std((1, 2))], axis=1)


def test_evaluate_writes_fid_and_kid(run_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(metrics, "InceptionFeatures", _PixelFeatures)
    root = tmp_path / "glyphs"
    datasets.write_folders(root, "glyphs", image_size=16, chars="abcd")
    out = tmp_path / "scores.json"
    argv = [
        "evaluate", run_dir[0], "--data-a", str(root / "testA"),
        "--data-b", str(root / "testB"), "--direction", "ab", "--weights", "random",
        "--batch-size", "3", "--output", str(out),
    ]  # fmt: skip
    assert cli.main(argv) == 0
    assert "A->B: FID" in capsys.readouterr().out
    # Real B images and translated A images, 16x16 (the run's size), 3 + 1.
    assert sorted(_PixelFeatures.calls) == [(1, 16, 16, 3)] * 2 + [(3, 16, 16, 3)] * 2
    scores = json.load(open(out))
    assert scores["image_size"] == 16  # from the run's config.json
    assert scores["ab"]["num_real"] == scores["ab"]["num_fake"] == 4
    assert np.isfinite(scores["ab"]["fid"]) and scores["ab"]["fid"] > 0
    assert np.isfinite(scores["ab"]["kid"])
    line = error_line(
        capsys, argv[:2] + ["--data-a", "/no", "--data-b", "/no"], status=1
    )
    assert "--data-a: folder not found" in line


def test_sample_writes_a_grid(tmp_path, capsys):
    model = keras_gans.DCGAN.from_preset(
        "cspup", generator={"filters": (8, 4)}, discriminator={"ndf": 4}
    )
    model.build((None, 16, 16, 3))
    path = str(tmp_path / "dcgan.keras")
    model.save(path)
    out = tmp_path / "grid.png"
    assert cli.main(["sample", "--model", path, "-n", "9", "--output", str(out)]) == 0
    assert "Wrote 9 samples" in capsys.readouterr().out
    with Image.open(out) as grid:  # 3x3 images of 16x16, enlarged, numbered
        assert grid.size[0] > 3 * 96 and grid.size[1] > 3 * 96
    expected = model.sample_grid(model.sample_noise(9, seed=0))
    np.testing.assert_array_equal(np.asarray(Image.open(out)), expected)


def test_sample_on_a_cyclegan_is_an_error(run_dir, tmp_path, capsys):
    argv = ["sample", "--model", run_dir[0], "--output", str(tmp_path / "g.png")]
    assert "needs a DCGAN" in error_line(capsys, argv, status=1)


def test_convert_and_translate_a_pytorch_generator(tmp_path, capsys):
    torch = require_torch()
    generator = networks.create("resnet_6blocks", ngf=4)
    state = networks.keras_to_torch_state_dict(generator, "resnet_generator")
    pth = str(tmp_path / "latest_net_G_A.pth")
    torch.save({k: torch.from_numpy(v) for k, v in state.items()}, pth)
    out = str(tmp_path / "g.keras")
    argv = ["convert", pth, "--netG", "resnet_6blocks", "--ngf", "4", "--output", out]
    assert cli.main(argv) == 0
    converted = keras.saving.load_model(out)
    x = np.random.default_rng(2).uniform(-1, 1, (1, 16, 16, 3)).astype("float32")
    np.testing.assert_allclose(converted(x), generator(x), atol=1e-5)
    Image.fromarray(np.zeros((19, 13, 3), "uint8")).save(tmp_path / "x.png")
    argv = [
        "translate",
        "--model",
        out,
        str(tmp_path / "x.png"),
        "--output",
        str(tmp_path),
    ]
    assert cli.main(argv) == 0
    assert Image.open(tmp_path / "x.png").size == (13, 19)
    capsys.readouterr()


def test_presets_lists_every_preset(capsys):
    assert cli.main(["presets"]) == 0
    out = capsys.readouterr().out
    for name in presets.list_presets():
        preset = presets.get(name)
        assert re.search(rf"^{name}\s+{preset['model']}\s", out, re.M), name
        assert preset["source"] in out
    assert cli.main(["presets", "--model", "dcgan", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert sorted(listed) == presets.list_presets("DCGAN")


# === errors: one line on stderr, non-zero status, no traceback ===


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["train", "cyclegan", "--preset", "nope"], "valid presets: cyclegan_"),
        (["train", "cyclegan", "--preset", "cspup"], "is a DCGAN preset"),
        (["train", "cyclegan", "--data", "/no/such/dir"], "folder not found"),
        (["train", "cyclegan", "--image-size", "6"], "--image-size must be"),
        (["train", "dcgan", "--image-size", "48"], "power of two"),
        (["train", "cyclegan", "--data-a", "."], "--data-a + --data-b"),
        (["train", "dcgan", "--data-a", ".", "--data-b", "."], "dcgan takes --data"),
        (["train", "cyclegan", "--generator-config", '{"x": 1}'], "Unknown argument"),
        (["translate", "--model", "/no/such.keras", "x", "--output", "o"], "not found"),
        (["convert", "/no/such.pth", "--output", "g.keras"], "checkpoint not found"),
        (["train", "cyclegan", *TINY, "--devices", "0,1"], "`devices`"),
        (["train", "cyclegan", *TINY, "--strategy", "mirrored", "--devices", "gpu:7"],
         "gpu:7"),
    ],
)  # fmt: skip
def test_bad_arguments_give_one_line(capsys, argv, expected):
    assert expected in error_line(capsys, argv, status=1)


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "cyclegan", "--epochs", "0"],
        ["train", "cyclegan", "--inter-op-threads", "-1"],
        ["train", "gan"],
        ["translate", "x.png"],
        ["evaluate", "run", "--data-a", "a", "--data-b", "b", "--direction", "up"],
    ],
)
def test_usage_errors_give_one_line(capsys, argv):
    assert "--help" in error_line(capsys, argv, status=2)


def test_bad_model_file_and_missing_inputs(run_dir, tmp_path, capsys):
    bad = tmp_path / "model.keras"
    bad.write_text("not a zip file")
    image = tmp_path / "a.png"
    Image.fromarray(np.zeros((8, 8, 3), "uint8")).save(image)
    argv = ["translate", "--model", str(bad), str(image), "--output", str(tmp_path)]
    assert "cannot load model" in error_line(capsys, argv, status=1)
    argv = ["translate", "--model", run_dir[0], "nope.png", "--output", str(tmp_path)]
    assert "input not found: 'nope.png'" in error_line(capsys, argv, status=1)
    (tmp_path / "unfinished").mkdir()
    unfinished = str(tmp_path / "unfinished")
    argv = ["translate", "--model", unfinished, str(image), "--output", "o"]
    assert "neither model.keras nor a complete checkpoint" in error_line(
        capsys, argv, status=1
    )


def test_translate_skips_unreadable_files_with_a_warning(run_dir, tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    Image.fromarray(np.zeros((10, 12, 3), "uint8")).save(folder / "good.png")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff not really a jpeg")
    argv = ["translate", "--model", run_dir[0], str(folder), "--output", str(tmp_path)]
    assert cli.main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "Traceback" not in "".join(err)
    assert err[0].startswith("keras-gans: warning: skipped ") and "broken.jpg" in err[0]
    assert err[1] == "keras-gans: error: 1 of 2 input(s) could not be read"
    assert Image.open(tmp_path / "good.png").size == (12, 10)


def test_resume_errors(run_dir, tmp_path, capsys, monkeypatch):
    empty = str(tmp_path / "empty")
    argv = ["train", "cyclegan", "--resume", "--output", empty]
    assert "not a run folder" in error_line(capsys, argv, status=1)
    argv = ["train", "dcgan", "--resume", "--output", run_dir[0]]
    assert "is a cyclegan run, not dcgan" in error_line(capsys, argv, status=1)
    argv = ["train", "cyclegan", "--resume", "--output", run_dir[0], "--ngf", "8"]
    assert "differ from it: --ngf" in error_line(capsys, argv, status=1)
    argv = ["train", "cyclegan", "--output", run_dir[0]]
    assert "already holds a run: add --resume" in error_line(capsys, argv, status=1)
    monkeypatch.chdir(tmp_path)
    argv = ["train", "cyclegan", "--resume"]
    assert "no cyclegan run under" in error_line(capsys, argv, status=1)


def test_debug_shows_the_traceback(capsys):
    assert cli.main(["--debug", "train", "cyclegan", "--preset", "nope"]) == 1
    assert "Traceback" in capsys.readouterr().err


# === run settings ===


def test_demo_defaults_and_explicit_options():
    config = runs.resolve_config("cyclegan", None, {"epochs": 9})
    demo = runs.DEMO_SETTINGS["cyclegan"]
    assert config["epochs"] == 9
    assert config["preset"] == "cyclegan_fast"  # the demo's own preset
    # cyclegan_fast's widths: the demo settings change only size and length.
    assert (config["image_size"], config["ngf"]) == (demo["image_size"], None)
    # With data, the default preset's own settings apply.
    data = {"kind": "folders", "data": "x"}
    config = runs.resolve_config("cyclegan", data, {"epochs": 9})
    preset = presets.get("residualgan_monet")
    assert config["preset"] == "residualgan_monet"
    assert config["image_size"] == preset["image_size"] and config["ngf"] is None


def test_schedules_scale_with_the_run_length():
    # Seed 000 switches its loss weights half-way through its 100 epochs.
    half = runs.scaled_schedule(presets.get("residualgan_monet"), 4)
    assert list(half["loss_weights"]) == ["2"]
    # The paper decays over the second half of 200 epochs.
    paper = runs.scaled_schedule(presets.get("cyclegan_paper"), 10)
    assert (paper["decay_start_epoch"], paper["decay_end_epoch"]) == (5, 10)
    same = runs.scaled_schedule(presets.get("cyclegan_paper"), 200)
    assert (same["decay_start_epoch"], same["decay_end_epoch"]) == (100, 200)


def test_dcgan_networks_follow_the_image_size():
    config = runs.RunConfig.from_preset("dcgan", image_size=16)
    generator, _ = runs.network_overrides(config)
    assert generator["filters"] == (32, 16)  # ngf 16, two blocks up to 16x16
    model = runs.build_model(config)
    assert model.generator.output_shape == (None, 16, 16, 3)
    assert model.discriminator.input_shape == (None, 16, 16, 3)


@pytest.mark.parametrize("model", ["cyclegan", "dcgan"])
def test_precision_reaches_the_networks(model):
    # `train --precision` builds every network under the policy (the
    # CycleGAN presets' own `precision` argument included).
    settings = {"ngf": 8, "ndf": 8, "image_size": 16, "precision": "mixed_bfloat16"}
    built = runs.build_model(runs.RunConfig.from_preset(model, **settings))
    assert built.precision == "mixed_bfloat16"
    assert keras.mixed_precision.global_policy().name == "float32"


@pytest.mark.parametrize(
    "module, name",
    [
        (cli, "main"), (cli, "build_parser"),
        (callbacks, "ResumableLossPlotter"), (callbacks, "EventFileLogger"),
    ],
)  # fmt: skip
def test_docstring_examples_run(module, name, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    run_docstring_examples(getattr(module, name))
    capsys.readouterr()


def test_loss_plot_of_a_resumed_run_has_the_earlier_epochs(tmp_path):
    csv_path = tmp_path / "history.csv"
    # As Keras' CSVLogger writes it (NA for missing values); epoch 1 twice
    # (an epoch replayed after a crash): the last row wins.
    csv_path.write_text(
        "epoch,d_loss,g_loss,val_g_loss\n0,1.0,5.0,NA\n1,0.9,9.9,NA\n1,0.8,4.0,NA\n"
    )
    png = str(tmp_path / "losses.png")
    plotter = callbacks.ResumableLossPlotter(png, str(csv_path))
    plotter.on_train_begin()
    plotter.on_epoch_begin(2)
    plotter.on_epoch_end(2, {"d_loss": 0.7, "g_loss": 3.0})
    assert plotter.epochs == [1, 2, 3]
    assert plotter.history["g_loss"] == [5.0, 4.0, 3.0]
    assert "val_g_loss" not in plotter.history
    assert os.path.isfile(tmp_path / "losses.png")


# === README ===


def _readme():
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as f:
        return f.read()


def test_readme_commands_and_links():
    readme = _readme()
    main = re.search(r"<!-- main-command -->\n```bash\n(.+)\n```", readme)
    assert main and main.group(1) == (
        "python3 -m venv .venv && . .venv/bin/activate && pip install -e . && "
        "keras-gans train cyclegan"
    )
    assert re.search(r"<!-- test-command -->\n```bash\n.+\n```", readme)
    for page in os.listdir(os.path.join(REPO, "docs")):
        if page.endswith(".md"):
            assert f"(docs/{page})" in readme, page
    for image in re.findall(r"\]\((docs/images/[^)]+)\)", readme):
        assert os.path.isfile(os.path.join(REPO, image)), image


def test_readme_quickstart_runs(tmp_path, monkeypatch):
    code = re.search(r"## Quickstart.*?```python\n(.*?)```", _readme(), re.S).group(1)
    assert len(code.strip().splitlines()) <= 12
    monkeypatch.chdir(tmp_path)
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    fake_b = namespace["fake_b"]
    assert fake_b.shape == (5, 32, 32, 3)
    assert os.path.isfile(tmp_path / "glyphs_cyclegan.keras")


def _example(name):
    path = os.path.join(REPO, "examples", f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"example_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _folders(root):
    for side in ("trainA", "trainB"):
        os.makedirs(os.path.join(root, side), exist_ok=True)
    return str(root)


def test_seed000_example_runs_the_preset_then_translates(tmp_path):
    example = _example("seed000_residualgan_monet")
    args = example.parse_args(["--demo", "--output", "r"])
    data, overrides = example.settings(args)
    assert data is None and overrides["preset"] == "residualgan_monet"
    config = runs.resolve_config("cyclegan", data, overrides)
    assert config["image_size"] == runs.DEMO_SETTINGS["cyclegan"]["image_size"]
    # The demo adds cyclegan_fast's aids to the seed's preset, unless asked not to.
    assert config["generator_config"] == {"output_mode": "residual"}
    assert config["lambda_identity"] == 0.0 and config["ema_decay"] == 0.999
    paper = example.parse_args(["--demo", "--paper-settings"])
    config = runs.resolve_config("cyclegan", *example.settings(paper))
    assert config["generator_config"] == {} and config["lambda_identity"] == 0.5
    assert not config["ema_decay"]
    source, _ = example.translation(args)
    assert source == os.path.join("r", "demo_data", "testB")
    m2p = _folders(tmp_path / "m2p")
    args = example.parse_args(["--data", m2p, "--image-size", "64"])
    data, overrides = example.settings(args)
    assert data == {"kind": "folders", "data": m2p} and "ema_decay" not in overrides
    assert runs.resolve_config("cyclegan", data, overrides)["image_size"] == 64
    with pytest.raises(SystemExit):
        example.parse_args([])  # --demo or --data is required


def test_seed002_example_reads_folders_or_tfrecords(tmp_path):
    example = _example("seed002_resnet9_monet_kaggle")
    for name in ("photo_tfrec", "monet_tfrec", "photo_jpg", "monet_jpg"):
        (tmp_path / name).mkdir()
    args = example.parse_args(["--data", str(tmp_path), "--tfrecords"])
    data, overrides = example.settings(args)
    assert overrides["preset"] == "resnet9_monet_kaggle"
    assert data["tfrecords_a"] == [str(tmp_path / "photo_tfrec")]
    assert data["tfrecords_b"] == [str(tmp_path / "monet_tfrec")]
    data, _ = example.settings(example.parse_args(["--data", str(tmp_path)]))
    assert data == {
        "kind": "domains",
        "data_a": str(tmp_path / "photo_jpg"),
        "data_b": str(tmp_path / "monet_jpg"),
    }


def test_seed003_example_trains_both_models(tmp_path):
    example = _example("seed003_anime2selfie")
    args = example.parse_args(["--demo", "--output", "r", "--epochs", "2"])
    planned = example.planned_runs(args)
    assert [o["preset"] for _, _, o in planned] == [
        "cyclegan_anime2selfie",
        "uvcgan_anime2selfie",
    ]
    assert [r for r, _, _ in planned] == [
        os.path.join("r", "cyclegan"),
        os.path.join("r", "uvcgan"),
    ]
    assert all(o["epochs"] == 2 and d is None for _, d, o in planned)
    assert all(o["ema_decay"] == 0.999 for _, _, o in planned)  # the demo's aids
    planned = example.planned_runs(example.parse_args(["--data", _folders(tmp_path)]))
    assert not any("ema_decay" in o for _, _, o in planned)  # not on real data
    (tmp_path / "history.csv").write_text(
        "epoch,d_a_loss,d_b_loss,g_loss\n0,1,2,3\n1,0.5,0.25,2.5\n"
    )
    assert example.last_losses(str(tmp_path)) == {
        "g_loss": 2.5,
        "d_a_loss": 0.5,
        "d_b_loss": 0.25,
    }


def test_train_under_a_mirrored_strategy(tmp_path, capsys):
    """`--strategy mirrored` builds and trains the model in the strategy's scope."""
    run = str(tmp_path / "run")
    argv = ["train", "cyclegan", *TINY, "--epochs", "1", "--output", run]
    assert cli.main([*argv, "--strategy", "mirrored", "--devices", "cpu:0"]) == 0
    model = keras.models.load_model(os.path.join(run, "model.keras"))
    assert int(model.generator_optimizer.iterations.numpy()) == 2
    capsys.readouterr()


# === pretrain ===


def test_pretrain_then_train_from_the_pretrained_generator(
    tmp_path, capsys, monkeypatch
):
    # In this process: `keras_gans.cli.main`, the code the console runs.
    monkeypatch.chdir(tmp_path)
    out = str(tmp_path / "pretrain")
    argv = ["pretrain", "cyclegan", *TINY, "--steps", "3", "--output", out]
    assert cli.main(argv) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err, captured.err
    assert "Wrote" in captured.out and "--pretrained-generator" in captured.out
    for name in ("generator.keras", "config.json", "inpainting.png"):
        assert os.path.isfile(os.path.join(out, name)), name
    config = json.load(open(os.path.join(out, "config.json")))
    assert (config["pretrain_steps"], config["mask_fraction"]) == (3, 0.4)
    pretrained = keras.saving.load_model(os.path.join(out, "generator.keras"))
    run = str(tmp_path / "run")
    generator = os.path.join(out, "generator.keras")
    argv = ["train", "cyclegan", *TINY, "--epochs", "1", "--output", run]
    assert cli.main([*argv, "--pretrained-generator", generator]) == 0
    assert "Traceback" not in capsys.readouterr().err
    config = json.load(open(os.path.join(run, "config.json")))
    assert config["pretrained_generator"] == generator
    # Both generators started from the pretrained weights (2 steps later
    # they are near them, far from a fresh init's).
    model = keras.saving.load_model(os.path.join(run, "model.keras"))
    for net in (model.generator_ab, model.generator_ba):
        diffs = [
            np.abs(w - p).max()
            for w, p in zip(net.get_weights(), pretrained.get_weights())
        ]
        assert max(diffs) < 0.05, max(diffs)


def test_pretrain_errors_are_one_line(capsys, tmp_path):
    line = error_line(
        capsys, ["pretrain", "dcgan", "--output", str(tmp_path)], status=1
    )
    assert "use cyclegan" in line
    line = error_line(
        capsys,
        ["train", "cyclegan", "--pretrained-generator", str(tmp_path / "no.keras")],
        status=1,
    )
    assert "file not found" in line
    line = error_line(
        capsys,
        ["pretrain", "cyclegan", *TINY, "--mask-fraction", "1.5", "--output",
         str(tmp_path / "p")],
        status=1,
    )  # fmt: skip
    assert "mask_fraction" in line
