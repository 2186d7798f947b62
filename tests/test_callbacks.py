"""Callbacks: loss-weight schedule, linear lr decay, sample grids, loss plots."""

import glob
import os

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_gans import callbacks
from tests.tiny import pair_dataset, random_pairs, tiny_cyclegan


@pytest.fixture(scope="module")
def model():
    """One compiled tiny CycleGAN: its train step is traced once for the module."""
    keras.utils.set_random_seed(0)
    model = tiny_cyclegan()
    model.compile(discriminator_lr_ratio=2.0)
    return model


class _Record(keras.callbacks.Callback):
    """Learning rates and loss weights seen at each epoch begin."""

    def __init__(self):
        super().__init__()
        self.lrs, self.weights = [], []

    def on_epoch_begin(self, epoch, logs=None):
        opts = self.model.gan_optimizers
        self.lrs.append({k: float(o.learning_rate.numpy()) for k, o in opts.items()})
        self.weights.append(
            {k: float(v.numpy()) for k, v in self.model.gan_loss_weights.items()}
        )


# === LinearDecay ===


def test_linear_decay_factor_is_the_papers_rule():
    decay = callbacks.LinearDecay(start_epoch=100, end_epoch=200)
    # official code: lambda_rule(epoch) with epoch_count=1, n_epochs=100,
    # n_epochs_decay=100 (1.0 - max(0, epoch + 1 - 100) / 101)
    for epoch in range(0, 205):
        official = max(0.0, 1.0 - max(0, epoch + 1 - 100) / float(100 + 1))
        assert decay.factor(epoch) == pytest.approx(official), epoch
    assert decay.factor(99) == 1.0
    assert decay.factor(100) == pytest.approx(100 / 101)
    assert decay.factor(199) == pytest.approx(1 / 101)
    assert decay.factor(200) == 0.0
    with pytest.raises(ValueError, match="start_epoch=5, end_epoch=5"):
        callbacks.LinearDecay(5, 5)
    with pytest.raises(ValueError, match="start_epoch=-1"):
        callbacks.LinearDecay(-1, 5)


def test_linear_decay_moves_all_three_optimizers(model):
    record = _Record()
    decay = callbacks.LinearDecay(start_epoch=1, end_epoch=4)
    model.fit(pair_dataset(n=2), epochs=4, callbacks=[decay, record], verbose=0)
    bases = {"generator": 2e-4, "discriminator_a": 4e-4, "discriminator_b": 4e-4}
    for epoch, lrs in enumerate(record.lrs):
        factor = [1.0, 0.75, 0.5, 0.25][epoch]
        assert set(lrs) == set(bases)
        for name, lr in lrs.items():
            assert lr == pytest.approx(bases[name] * factor, rel=1e-6), (epoch, name)
    # the base rates are untouched: a new fit starts from them again
    assert float(model.base_learning_rates["generator"].numpy()) == pytest.approx(2e-4)


# === LossWeightScheduler ===


def test_loss_weight_scheduler_is_a_function_of_the_epoch(model):
    scheduler = callbacks.LossWeightScheduler(
        {"2": {"gan": 1.5, "cycle": 12.0}, 4: {"identity": 0.0}}
    )
    initial = {"gan": 1.0, "cycle": 10.0, "identity": 0.5}
    assert scheduler.weights_at(1, initial) == initial
    assert scheduler.weights_at(2, initial) == {
        "gan": 1.5,
        "cycle": 12.0,
        "identity": 0.5,
    }
    assert scheduler.weights_at(9, initial) == {
        "gan": 1.5,
        "cycle": 12.0,
        "identity": 0.0,
    }
    # a resumed run starts at any epoch: the weights depend only on it
    scheduler.set_model(model)
    scheduler.on_epoch_begin(3)
    assert float(model.lambda_gan.numpy()) == 1.5
    scheduler.on_epoch_begin(0)
    assert float(model.lambda_gan.numpy()) == 1.0
    assert float(model.lambda_cycle.numpy()) == 10.0


def test_loss_weight_scheduler_in_fit_and_errors(model):
    record = _Record()
    scheduler = callbacks.LossWeightScheduler({1: {"gan": 2.0}})
    model.fit(pair_dataset(n=2), epochs=2, callbacks=[scheduler, record], verbose=0)
    assert [w["gan"] for w in record.weights] == [1.0, 2.0]
    bad = callbacks.LossWeightScheduler({1: {"adversarial": 2.0}})
    with pytest.raises(ValueError, match=r"'adversarial'.*Valid names"):
        model.fit(pair_dataset(n=2), epochs=1, callbacks=[bad], verbose=0)
    with pytest.raises(ValueError, match="-1"):
        callbacks.LossWeightScheduler({-1: {"gan": 1.0}})
    with pytest.raises(ValueError, match="-2"):
        callbacks.LossWeightScheduler({0: {"gan": -2}})


# === SampleGridLogger ===


def _image_summaries(log_dir, tag):
    """{step: image} of the TensorBoard "images" summaries named `tag`."""
    images = {}
    for path in glob.glob(os.path.join(log_dir, "events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                if value.tag != tag:
                    continue
                assert value.metadata.plugin_data.plugin_name == "images"
                width, height, png = tf.make_ndarray(value.tensor)
                image = tf.io.decode_png(png).numpy()
                assert image.shape[:2] == (int(height), int(width))
                images[event.step] = image
    return images


def test_sample_grid_logger_writes_pngs_and_tensorboard(model, tmp_path):
    a, b = random_pairs(n=2, seed=3)
    log_dir = os.path.join(str(tmp_path), "samples")
    logger = callbacks.SampleGridLogger(a, b, every_n_epochs=1, log_dir=log_dir)
    model.fit(pair_dataset(n=2), epochs=2, callbacks=[logger], verbose=0)
    pngs = sorted(os.listdir(log_dir))
    assert [p for p in pngs if p.endswith(".png")] == [
        "epoch_0001.png",
        "epoch_0002.png",
    ]
    image = np.asarray(Image.open(os.path.join(log_dir, "epoch_0002.png")))
    np.testing.assert_array_equal(image, model.sample_grid(a, b))
    summaries = _image_summaries(log_dir, "samples")
    assert sorted(summaries) == [1, 2]
    np.testing.assert_array_equal(summaries[2], image)


def test_sample_grid_logger_every_n_epochs_and_grid_fn(model, tmp_path):
    calls = []

    def grid_fn(m, noise):
        calls.append(noise.shape)
        assert m is model
        return np.zeros((8, 16, 3), "uint8")

    noise = np.zeros((4, 10), "float32")  # e.g. a DCGAN's fixed noise
    logger = callbacks.SampleGridLogger(
        noise,
        every_n_epochs=2,
        log_dir=str(tmp_path),
        grid_fn=grid_fn,
        tensorboard=False,
    )
    model.fit(pair_dataset(n=2), epochs=3, callbacks=[logger], verbose=0)
    assert calls == [(4, 10)]
    assert sorted(f for f in os.listdir(str(tmp_path))) == ["epoch_0002.png"]
    bad = callbacks.SampleGridLogger(
        noise,
        log_dir=str(tmp_path),
        grid_fn=lambda m, n: np.zeros((8, 8, 3)),
        tensorboard=False,
    )
    with pytest.raises(ValueError, match="uint8"):
        model.fit(pair_dataset(n=2), epochs=1, callbacks=[bad], verbose=0)
    with pytest.raises(ValueError, match="every_n_epochs=0"):
        callbacks.SampleGridLogger(noise, every_n_epochs=0)


# === LossPlotter ===


def test_loss_plotter_writes_a_png(model, tmp_path):
    path = os.path.join(str(tmp_path), "plots", "losses.png")
    plotter = callbacks.LossPlotter(path)
    ds = pair_dataset(n=2)
    model.fit(ds, validation_data=ds, epochs=2, callbacks=[plotter], verbose=0)
    image = Image.open(path)
    assert image.format == "PNG" and image.size[0] > 500
    assert plotter.epochs == [1, 2]
    assert {"g_loss", "d_a_loss", "val_g_loss"} <= set(plotter.history)
    assert all(len(v) == 2 for v in plotter.history.values())
    assert np.isfinite(plotter.history["g_loss"]).all()
