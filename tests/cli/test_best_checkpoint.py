"""`keras-gans train --eval-every N --eval-data DIR` (issue 24): FID / KID of
held-out images in the history, and the best checkpoint `best.keras` next to
the last ones, kept by `--keep`, remembered by a resumed run."""

import contextlib
import csv
import io
import json
import os

import keras
import numpy as np
import pytest

from keras_gans import cli, datasets, metrics, runs
from keras_gans.runs.best import BEST_MODEL, BEST_RECORD, BestCheckpoint
from tests import cli as cli_tests
from tests.cli import error_line

TINY = ["--image-size", "32", *cli_tests.TINY, *cli_tests.ONE_BLOCK]
TINY += ["--epochs", "2", "--verbose", "0"]


@pytest.fixture(scope="module")
def eval_data(tmp_path_factory):
    root = tmp_path_factory.mktemp("eval")
    datasets.write_folders(str(root), "glyphs", image_size=32, chars="AB")
    return str(root)


class _FirstInceptionFeatures(metrics.InceptionFeatures):
    """The InceptionV3 the run builds (`--eval-weights none`: random weights
    at 75 px), keeping the first `DIM` of its 2048 features. FID on 2048-d
    features of 2 images is the square root of a singular 2048 x 2048 matrix,
    about a minute of CPU per evaluation; the plumbing is the same in 16-d.
    Records the arguments the run built it with."""

    DIM = 16
    built_with = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.built_with.append((args, kwargs))

    def __call__(self, images):
        features = super().__call__(images)
        assert features.shape[1] == 2048  # InceptionV3's own features
        return features[:, : self.DIM]


@pytest.fixture(scope="module")
def run(eval_data, tmp_path_factory):
    """A tiny demo CycleGAN run, evaluated every epoch, keeping 1 checkpoint
    (`keras_gans.cli.main`, the command's code, in this process)."""
    out = str(tmp_path_factory.mktemp("run") / "run")
    argv = ["train", "cyclegan", "--output", out, *TINY, "--keep", "1"]
    argv += ["--eval-data", eval_data, "--eval-weights", "none"]
    err = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stderr(err):
        patch.setattr(metrics, "InceptionFeatures", _FirstInceptionFeatures)
        code = cli.main(argv)
    assert code == 0, err.getvalue()[-3000:]
    assert "Traceback" not in err.getvalue(), err.getvalue()
    return out


def _history(run_dir):
    with open(os.path.join(run_dir, "history.csv"), encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_history_has_fid_and_kid(run):
    # One InceptionV3, random weights at its smallest input size.
    assert _FirstInceptionFeatures.built_with == [
        ((), {"weights": None, "image_size": 75})
    ]
    rows = _history(run)
    assert len(rows) == 2
    for row in rows:
        assert np.isfinite(float(row["val_fid"])) and float(row["val_fid"]) >= 0
        assert np.isfinite(float(row["val_kid"]))
    config = runs.RunConfig.from_json(os.path.join(run, "config.json"))
    assert config["eval_every"] == 1 and config["eval_weights"] == "none"


def test_best_is_the_lowest_fid_and_survives_keep(run):
    rows = _history(run)
    fids = [float(row["val_fid"]) for row in rows]
    with open(os.path.join(run, BEST_RECORD), encoding="utf-8") as f:
        record = json.load(f)
    assert record["monitor"] == "val_fid"
    assert record["epoch"] == int(np.argmin(fids)) + 1
    assert record["value"] == pytest.approx(min(fids), rel=1e-5)
    checkpoints = [
        n
        for n in os.listdir(os.path.join(run, "checkpoints"))
        if n.endswith(".manifest.json")
    ]
    assert len(checkpoints) == 1  # --keep 1 ...
    model = runs.load_model(os.path.join(run, BEST_MODEL))  # ... left it in place
    assert model.__class__.__name__ == "CycleGAN"
    final = runs.load_model(os.path.join(run, "model.keras"))  # after epoch 2
    same = all(
        np.array_equal(a, b)
        for a, b in zip(
            model.generator_ab.get_weights(),
            final.generator_ab.get_weights(),
            strict=True,
        )
    )
    assert same == (record["epoch"] == 2)


def _fit(run_dir, scores, epochs):
    """`(BestCheckpoint, weights after each epoch)` of a tiny fit whose logged
    FID is the stubbed sequence `scores`."""
    x = np.ones((4, 2), "float32")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    scores, weights = iter(scores), []

    def stub(epoch, logs):
        weights.append(model.get_weights()[0].copy())
        value = next(scores)
        if value is not None:
            logs["val_fid"] = value

    fid = keras.callbacks.LambdaCallback(on_epoch_end=stub)
    best = BestCheckpoint(run_dir)
    history = model.fit(x, x[:, :1], epochs=epochs, verbose=0, callbacks=[fid, best])
    return best, weights, history


def test_stubbed_scores_pick_the_best_epoch_and_resume_keeps_it(tmp_path):
    run_dir = str(tmp_path)
    best, weights, history = _fit(run_dir, [3.0, 1.0, None, 2.0], epochs=4)
    assert best.best == {"monitor": "val_fid", "value": 1.0, "epoch": 2}
    saved = keras.saving.load_model(os.path.join(run_dir, BEST_MODEL))
    np.testing.assert_allclose(saved.get_weights()[0], weights[1])
    assert np.isnan(history.history["val_fid"][2])  # no evaluation: NaN
    mtime = os.path.getmtime(os.path.join(run_dir, BEST_MODEL))
    best, _, _ = _fit(run_dir, [1.5], epochs=1)  # a resumed run: not better
    assert best.best["value"] == 1.0
    assert os.path.getmtime(os.path.join(run_dir, BEST_MODEL)) == mtime
    best, weights, _ = _fit(run_dir, [0.5], epochs=1)  # better: replaced
    assert best.best["value"] == 0.5


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--eval-every", "0"], "--eval-every"),
        (["--eval-data", "{missing}"], "--eval-data: folder not found"),
        (["--eval-every", "2"], "--eval-every needs --eval-data"),
        (["--eval-weights", "{missing}.h5"], "needs --eval-data"),
    ],
)
def test_bad_eval_flags_are_one_line_errors(
    capsys, tmp_path, eval_data, flags, message
):
    missing = str(tmp_path / "missing")
    flags = [f.format(missing=missing) for f in flags]
    if "--eval-data" not in flags and flags[0] == "--eval-every" and flags[1] == "0":
        flags += ["--eval-data", eval_data]
    out = str(tmp_path / "run")
    line = error_line(capsys, ["train", "cyclegan", "--output", out, *TINY, *flags])
    assert message in line
    assert os.listdir(tmp_path) == []  # nothing written


def test_eval_data_without_test_folders(capsys, tmp_path, eval_data):
    folder = os.path.join(eval_data, "testA")  # images, no testA/testB inside
    out = str(tmp_path / "run")
    argv = ["train", "cyclegan", "--output", out, *TINY, "--eval-data", folder]
    line = error_line(capsys, argv)
    assert "has no testA or testB folder" in line
    assert os.listdir(tmp_path) == []
