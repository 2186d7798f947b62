"""The benchmark scripts run and print what they promise (nothing is timed).

Tiny networks at 32x32, one step: this only guards the scripts against
rotting as the library changes. The figures themselves come from running
them by hand (docs/benchmarks.md). The `benchmarks` fixture (conftest)
makes the scripts importable and gives their folder.
"""

import json
import os
import sys

import pytest

from tests.test_case import require_torch

# Test-size networks: one residual block, one down- and up-sampling, a
# one-layer PatchGAN.
TINY = [
    "--image-size",
    "32",
    "--generator-config",
    '{"ngf": 8, "n_blocks": 1, "n_downsampling": 1}',
    "--discriminator-config",
    '{"ndf": 8, "n_layers": 1}',
    "--warmup",
    "1",
    "--steps",
    "1",
]


def test_profile_step_sums_op_time_per_type_and_part(benchmarks, tmp_path):
    import profile_step

    out = tmp_path / "profile.json"
    profile_step.main(TINY + ["--output", str(out)])
    result = json.loads(out.read_text())
    assert result["op_ms_per_step"] > 0
    types = {row["name"] for row in result["by_op_type"]}
    # oneDNN renames the kernels it runs (`_MklNativeConv2DBackpropFilter`).
    for op in ("Conv2DBackpropFilter", "Conv2DBackpropInput"):
        assert any(op in name for name in types), (op, types)
    parts = {row["name"]: row["share"] for row in result["by_part"]}
    assert sum(parts.values()) == pytest.approx(1.0, abs=0.01)
    # The generator's residual block and the discriminator are found in the
    # op names (the generators run inside traced functions).
    assert parts["generator residual blocks"] > 0.05
    assert parts["discriminator"] > 0.01
    assert len(result["top_ops"]) == 15


def test_part_of_reads_name_scopes(benchmarks):
    import profile_step

    assert (
        profile_step.part_of(
            "StatefulPartitionedCall/gradient_tape/resnet_9blocks_1/res_2_1/"
            "conv1_1/convolution/Conv2DBackpropInput",
            "Conv2DBackpropInput",
        )
        == "generator residual blocks"
    )
    assert profile_step.part_of("x/res_2/norm1/Mean", "Mean") == "instance norm"
    assert profile_step.part_of("a/pad2_1/MirrorPad", "MirrorPad") == "reflect pad"
    assert (
        profile_step.part_of(
            "generator_optimizer/ResourceApplyAdam", "ResourceApplyAdam"
        )
        == "optimizer"
    )
    assert profile_step.part_of("mul_3", "Mul") == "losses, gradients glue, rest"


def test_torch_step_times_the_official_step(benchmarks, tmp_path):
    require_torch()
    import torch_step

    out = tmp_path / "torch.json"
    torch_step.main(
        ["--image-size", "32", "--warmup", "1", "--steps", "1", "--output", str(out)]
    )
    result = json.loads(out.read_text())
    assert result["torch"]["s_per_step_median"] > 0
    assert result["torch"]["first_step_s"] > 0
    assert result["image_size"] == 32 and result["threads"] >= 1


def test_train_step_runs_as_the_cli_does(benchmarks, tmp_path):
    """One inter-op thread and the BFC allocator (a fresh process: both are
    read when TensorFlow starts), with the keras-io style reference."""
    import subprocess

    out = tmp_path / "train_step.json"
    # Winograd's gradients for every 3x3 conv: the step runs with them too.
    args = TINY + ["--inter-op-threads", "1", "--cpu-allocator", "bfc"]
    args += ["--winograd", "always"]
    result = subprocess.run(
        [sys.executable, os.path.join(benchmarks, "train_step.py"), *args]
        + ["--reference", "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["cpu_allocator"] == "bfc"
    assert report["tf_threads"]["inter_op"] == 1
    assert isinstance(report["onednn"], bool)
    assert report["winograd"] == "always"
    for run in ("ours", "reference"):
        assert report[run]["s_per_step_median"] > 0
        assert report[run]["first_step_s"] > 0
    assert report["speedup"] > 0 and report["peak_rss_gib"] > 0


def test_conv_backward_times_each_gradient_path(benchmarks, tmp_path):
    import conv_backward

    out = tmp_path / "conv.json"
    conv_backward.main(
        ["--shape", "2", "10", "9", "8", "--filters", "4", "--repeats", "2"]
        + ["--output", str(out)]
    )
    result = json.loads(out.read_text())
    assert set(result["paths"]) == {"backend", "forward_convs", "winograd"}
    for name, path in result["paths"].items():
        assert path["median_ms"] > 0, name
        assert path["max_relative_error_d_input"] < 1e-5, name
        assert path["max_relative_error_d_kernel"] < 1e-5, name
    assert result["kernel"] == [3, 3, 8, 4]


def test_quality_tasks_have_the_known_answers_they_claim(benchmarks):
    import numpy as np
    import quality

    rng = np.random.default_rng(0)
    x = rng.integers(60, 190, (4, 32, 32, 3)).astype(np.uint8)
    # The colour matrix (no clipping in this range) and gamma invert.
    for name in ("colour_matrix", "gamma", "hue"):
        forward, inverse = quality.TRANSFORMS[name]
        y = forward(x)
        assert np.abs(y.astype(int) - x).mean() > 5, name  # a real change
        assert np.abs(inverse(y).astype(int) - x).max() <= 3, name
    # Bold: dark ink grows by one pixel, the paper elsewhere is untouched.
    glyph = np.full((1, 8, 8, 3), 250, np.uint8)
    glyph[0, 4, 4] = (10, 20, 30)
    bold = quality.bold(glyph)
    assert (bold[0, 3:6, 3:6] == (10, 20, 30)).all()
    assert (bold[0, :3] == 250).all() and (bold[0, :, 6:] == 250).all()
    # Every task: unpaired uint8 training sets, held-out pairs (x, T(x)).
    for name in quality.TASKS:
        task = quality.make_task(name, 32, 16, seed=0)
        assert task["train_a"].shape == task["train_b"].shape == (16, 32, 32, 3)
        assert task["test_x"].shape == task["test_y"].shape
        assert task["test_x"].dtype == np.uint8
        assert np.abs(task["test_x"].astype(int) - task["test_y"]).mean() > 1, name
        assert not np.array_equal(task["train_a"], task["test_x"][:16])


def test_glyph_colour_errors_measure_ink_and_paper(benchmarks):
    import numpy as np
    import quality

    truth = np.full((1, 8, 8, 3), 240, np.uint8)
    truth[0, 2:6, 2:6] = (20, 40, 60)
    perfect = truth.astype(np.float32) / 127.5 - 1.0
    errors = quality.glyph_colour_errors(truth, perfect)
    assert errors == pytest.approx({"ink_error": 0.0, "paper_error": 0.0}, abs=1e-4)
    grey = np.zeros_like(perfect)  # everything mid-grey (127.5)
    errors = quality.glyph_colour_errors(truth, grey)
    assert errors["ink_error"] == pytest.approx(127.5 - 40)
    assert errors["paper_error"] == pytest.approx(240 - 127.5)


@pytest.fixture
def small_judge(benchmarks, monkeypatch):
    """The font judge on a third of its data for 12 epochs (about 0.8 right)."""
    import glyph_judge

    monkeypatch.setattr(glyph_judge, "JUDGE_SAMPLES", 8)
    monkeypatch.setattr(glyph_judge, "JUDGE_EPOCHS", 12)
    glyph_judge.judge.cache_clear()
    yield glyph_judge
    glyph_judge.judge.cache_clear()


def test_font_judge_tells_sans_from_serif_and_keeps_the_seeds(small_judge):
    import keras
    import numpy as np

    from keras_gans import datasets

    keras.utils.set_random_seed(5)
    small_judge.judge(32)
    after = (np.random.rand(), float(keras.random.uniform(())))
    keras.utils.set_random_seed(5)
    # Training the judge draws from neither the global NumPy nor Keras stream.
    assert (np.random.rand(), float(keras.random.uniform(()))) == after

    x, y, _ = datasets.glyph_pairs(32, split="test")
    perfect = small_judge.font_scores(x, y, y, x)
    identity = small_judge.font_scores(x, y, x, y)
    assert perfect["judge_accuracy"] == identity["judge_accuracy"] > 0.7
    assert perfect["serif_rate"] > 0.6 > 0.4 > identity["serif_rate"]
    assert perfect["sans_rate_ba"] > 0.6 > 0.4 > identity["sans_rate_ba"]


# quality.py's options for test-size networks (a residual ResNet, 16x16 patches).
TINY_NETWORKS = (
    "--generator",
    "resnet_6blocks",
    "--generator-config",
    '{"ngf": 4, "n_blocks": 1, "output_mode": "residual"}',
    "--discriminator-config",
    '{"ndf": 4, "n_layers": 1}',
)


def test_quality_trains_scores_and_draws(small_judge, monkeypatch, tmp_path):
    import quality

    # Only the judge's keys are checked here: one epoch on one pair a glyph.
    monkeypatch.setattr(small_judge, "JUDGE_SAMPLES", 1)
    monkeypatch.setattr(small_judge, "JUDGE_EPOCHS", 1)

    out = tmp_path / "quality.json"
    quality.main(
        [
            "--tasks",
            "glyph_font,gamma",
            *TINY_NETWORKS,
            "--model-config",
            '{"ema_decay": 0.9}',
            "--budgets",
            "1,2",
            "--train-images",
            "16",
            "--pretrain-steps",
            "2",
            "--ema-statistics",
            "8",
            "--pictures",
            str(tmp_path / "pics"),
            "--output",
            str(out),
        ]
    )
    result = json.loads(out.read_text())
    assert set(result["summary"]) == {
        "glyph_font@1",
        "glyph_font@2",
        "gamma@1",
        "gamma@2",
    }
    rows = {(r["task"], r["steps"]): r for r in result["rows"]}
    # A residual generator starts as the identity: ratio about 1 after 1 step.
    assert 0.5 < rows["gamma", 1]["ratio"] < 1.5
    for row in rows.values():
        assert row["identity_mae"] > 0 and "ratio_raw" in row and "kid_pool8" in row
    assert "ink_error" in rows["glyph_font", 2]
    assert {"serif_rate", "sans_rate_ba", "judge_accuracy"} <= set(
        rows["glyph_font", 2]
    )
    assert "serif_rate" not in rows["gamma", 2]
    assert result["ema_statistics"] == 8  # a ResNet: no batch norm to update
    # What decides the rounding (docs/quality.md "Machine and timing").
    assert set(result["machine"]) == {"cpu", "cores", "isa_flags", "onednn"}
    from keras_gans import config

    assert result["machine"]["onednn"] is config.onednn_enabled()
    for path in result["pictures"].values():
        assert os.path.isfile(path)


def test_quality_decays_the_rates_as_the_library_does(benchmarks, monkeypatch):
    import quality

    from keras_gans import callbacks

    seen = []  # (epoch, generator lr, global step) at each epoch's start
    betas = set()

    class Recording(callbacks.LinearDecay):
        def on_epoch_begin(self, epoch, logs=None):
            super().on_epoch_begin(epoch, logs)
            opt = self.model.gan_optimizers["generator"]
            seen.append((epoch, float(opt.learning_rate.numpy()), int(opt.iterations)))
            betas.add((opt.beta_1, opt.beta_2))

    monkeypatch.setattr(callbacks, "LinearDecay", Recording)
    args = quality.parse_args(
        [
            "--tasks",
            "gamma",
            *TINY_NETWORKS,
            "--lr",
            "1e-3",
            "--beta-2",
            "0.99",
            "--budgets",
            "3,5",
            "--train-images",
            "16",
            "--decay",
            "2,1",
        ]
    )
    assert args.decay == (2, 1)
    rows, settings, _ = quality.run(args)
    # Epochs of 2 steps, the last one cut at step 5; constant for 1 epoch,
    # then the paper's rule (LinearDecay(1, 3): factors 1, 2/3, 1/3).
    assert [(e, s) for e, _, s in seen] == [(0, 0), (1, 2), (2, 4)]
    assert [lr for _, lr, _ in seen] == pytest.approx([1e-3, 2e-3 / 3, 1e-3 / 3])
    assert [r["steps"] for r in rows] == [3, 5]
    # The preset's beta_1 (0.5) and the beta_2 asked for, recorded as run.
    assert betas == {(0.5, 0.99)}
    assert (settings["optimizer"]["beta_1"], settings["optimizer"]["beta_2"]) == (
        0.5,
        0.99,
    )


def test_quality_schedules_the_loss_weights_by_epoch(benchmarks, monkeypatch):
    import quality

    from keras_gans import callbacks

    seen = []  # (epoch, identity weight, global step) at each epoch's start

    class Recording(callbacks.LossWeightScheduler):
        def on_epoch_begin(self, epoch, logs=None):
            super().on_epoch_begin(epoch, logs)
            weight = float(self.model.gan_loss_weights["identity"].numpy())
            step = int(self.model.gan_optimizers["generator"].iterations)
            seen.append((epoch, weight, step))

    monkeypatch.setattr(callbacks, "LossWeightScheduler", Recording)
    schedule = '2:{"0": {"identity": 0.5}, "2": {"identity": 0}}'
    args = quality.parse_args(
        ["--tasks", "gamma", *TINY_NETWORKS, "--budgets", "5"]
        + ["--train-images", "16", "--loss-weights", schedule]
    )
    assert args.loss_weights == (2, {0: {"identity": 0.5}, 2: {"identity": 0.0}})
    rows, settings, _ = quality.run(args)
    # Epochs of 2 steps (the last cut at step 5): the identity loss for the
    # first 4 steps, then none (the model's own lambda_identity is 0).
    assert seen == [(0, 0.5, 0), (1, 0.5, 2), (2, 0.0, 4)]
    assert [r["steps"] for r in rows] == [5]


@pytest.mark.parametrize(
    "options, message",
    [
        (["--loss-weights", "x:{}"], "EPOCH_STEPS:JSON"),
        (["--loss-weights", "0:{}"], "must be positive"),
        (["--loss-weights", '2:{"0": {"identity": -1}}'], "non-negative"),
        (["--loss-weights", "2:{not json"], "EPOCH_STEPS:JSON"),
        (["--loss-weights", "2:{}", "--decay", "1,1"], "the same EPOCH_STEPS"),
    ],
)
def test_quality_rejects_a_bad_loss_schedule(benchmarks, options, message, capsys):
    import quality

    with pytest.raises(SystemExit):
        quality.parse_args(["--budgets", "5", *options])
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("value", ["0,0", "2,3", "2"])
def test_quality_rejects_a_bad_decay(benchmarks, value, capsys):
    import quality

    with pytest.raises(SystemExit):
        quality.parse_args(["--budgets", "5", "--decay", value])
    assert "--decay" in capsys.readouterr().err


def test_quality_table_merges_labels_and_seeds(benchmarks, tmp_path, capsys):
    import quality_table

    def write(name, label, rows):
        path = tmp_path / name
        path.write_text(json.dumps({"label": label, "rows": rows}))
        return str(path)

    files = [
        write("a.json", "fast", [
            {"task": "gamma", "steps": 900, "ratio": 0.4},
            {"task": "gamma", "steps": 300, "ratio": 0.9},
        ]),
        write("b.json", "fast", [{"task": "gamma", "steps": 900, "ratio": 0.6}]),
        write("c.json", "paper", [{"task": "hue", "steps": 900, "ratio": 1.5}]),
    ]  # fmt: skip
    quality_table.main([*files, "--tasks", "gamma,hue"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "| configuration | gamma | hue |"
    assert lines[2] == "| fast | 0.50 (0.40-0.60, n=2) | - |"
    assert lines[3] == "| paper | - | 1.50 |"


def test_dcgan_quality_scores_colour_coverage_and_trains(
    benchmarks, tmp_path, monkeypatch
):
    import dcgan_quality
    import numpy as np

    import keras_gans
    from keras_gans import datasets

    updates = []  # (n, seed) of each update_ema_statistics call
    original = keras_gans.DCGAN.update_ema_statistics

    def counted(self, n=1024, seed=0, batch_size=128):
        updates.append((n, seed))
        return original(self, n, seed, batch_size)

    monkeypatch.setattr(keras_gans.DCGAN, "update_ema_statistics", counted)

    try:
        real = datasets.shape_images(256, 32, seed=1)
        hist, _ = dcgan_quality.hue_histogram(real, 12)
        # Real shapes cover every hue; one red shape everywhere covers one.
        assert dcgan_quality.colour_coverage(real, hist, 12)["hue_bins_covered"] == 12
        red = np.full_like(real, 235)
        red[:, 8:24, 8:24] = (200, 30, 30)
        one = dcgan_quality.colour_coverage(red, hist, 12)
        assert one["hue_bins_covered"] == 1 and one["hue_tv"] > 0.8
        out = tmp_path / "dcgan.json"
        dcgan_quality.main(
            [
                "--generator-config",
                '{"filters": [8, 8, 8]}',
                "--discriminator-config",
                '{"ndf": 4}',
                "--model-config",
                '{"ema_decay": 0.9}',
                "--ema-statistics",
                "32",
                "--epochs",
                "2",
                "--steps-per-epoch",
                "2",
                "--images",
                "64",
                "--samples",
                "16",
                "--pictures",
                str(tmp_path / "pics"),
                "--output",
                str(out),
            ]
        )
    finally:
        sys.modules.pop("dcgan_quality", None)
    result = json.loads(out.read_text())
    assert [r["epoch"] for r in result["rows"]] == [0, 1, 2]
    assert set(result["summary"]) == {"0", "1", "2"}
    for row in result["rows"]:
        assert row["diversity_ratio"] >= 0 and 0 <= row["hue_tv"] <= 1
        assert "kid_pool8" in row and "kid_pixels" in row
    assert 0.1 < result["real"]["foreground_real"] < 0.3  # the shapes' share
    assert abs(result["real"]["kid_pixels_real"]) < 0.05  # two real sets
    assert [os.path.basename(p) for p in result["pictures"]] == [
        "cspup_demo_seed0_epoch2.png"
    ]
    # The EMA generator got its own statistics before each epoch's scores.
    assert updates == [(32, 30_000), (32, 30_000)]
    assert result["ema_statistics"] == 32
    from keras_gans import config

    assert result["onednn"] is result["machine"]["onednn"] is config.onednn_enabled()


def test_dcgan_quality_ema_statistics_need_an_ema(benchmarks, capsys):
    import dcgan_quality

    try:
        # The demo preset keeps an EMA; --model-config can turn it off.
        assert dcgan_quality.parse_args(["--ema-statistics", "64"]).ema_statistics == 64
        with pytest.raises(SystemExit):
            dcgan_quality.parse_args(
                ["--ema-statistics", "64", "--model-config", '{"ema_decay": 0}']
            )
    finally:
        sys.modules.pop("dcgan_quality", None)
    assert "needs an EMA" in capsys.readouterr().err


@pytest.mark.parametrize(
    "script, args",
    [("quality", ["--tasks", "gamma", "--budgets", "1"]), ("dcgan_quality", [])],
)
def test_onednn_option_reaches_tensorflow(benchmarks, monkeypatch, script, args):
    """`--onednn` is read when TensorFlow starts: a fresh process trains on
    the kernels asked for, and a process where TensorFlow already runs with
    the others refuses instead of recording a run it did not make."""
    import importlib
    import subprocess

    from keras_gans import config

    # Set through monkeypatch, so that what `main` writes below is undone
    # after the test: a leaked value would start later subprocesses (e.g. the
    # SIGKILL test's victim) on other kernels than this process.
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "1" if config.onednn_enabled() else "0")
    other = "off" if config.onednn_enabled() else "on"  # this CPU's default flipped
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import quality; "
        f"import {script} as s; "
        "a = s.parse_args(['--onednn', sys.argv[2]]); quality.check_onednn(a.onednn); "
        "from keras_gans import config; print(config.onednn_enabled())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, benchmarks, other],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-1] == str(other == "on")
    module = importlib.import_module(script)
    try:
        with pytest.raises(RuntimeError, match=f"--onednn {other}: TensorFlow runs"):
            module.main(["--onednn", other, *args])
    finally:
        sys.modules.pop(script, None)
