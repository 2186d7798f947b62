"""The resumable driver `keras_gans.training.train`: resume, NaN, disk, seeds.

These tests use a tiny two-loss model (fast to trace) so the driver's logic
can be checked exactly; `test_kill.py` runs a CycleGAN in a subprocess and
kills it with SIGKILL.
"""

import errno
import json
import os
import signal

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.training import (
    CheckpointError,
    CheckpointManager,
    NonFiniteLossError,
    checkpoint,
    train,
)
from keras_gans.utils import set_seed

BATCH = 4
N = 16  # 4 batches per epoch


@keras.saving.register_keras_serializable(package="keras_gans_tests")
class TwoLossModel(keras.Model):
    """Two heads, two logged losses; `loss_b` only sees the third input.

    Dropout (a `SeedGenerator`) makes the result depend on RNG state.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = keras.layers.Dense(8, activation="relu")
        self.dropout = keras.layers.Dropout(0.3)
        self.head_a = keras.layers.Dense(1)
        self.head_b = keras.layers.Dense(1)
        self.tracker_a = keras.metrics.Mean(name="loss_a")
        self.tracker_b = keras.metrics.Mean(name="loss_b")

    def call(self, x, training=False):
        h = self.dropout(self.hidden(x), training=training)
        return self.head_a(h), self.head_b(x)

    @property
    def metrics(self):
        return [self.tracker_a, self.tracker_b]

    def train_step(self, data):
        x, y, z = data
        with tf.GradientTape() as tape:
            pred_a, pred_b = self(x, training=True)
            loss_a = keras.ops.mean(keras.ops.square(pred_a - y))
            loss_b = keras.ops.mean(keras.ops.square(pred_b - z))
            loss = loss_a + loss_b
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        self.tracker_a.update_state(loss_a)
        self.tracker_b.update_state(loss_b)
        return {"loss_a": self.tracker_a.result(), "loss_b": self.tracker_b.result()}


def make_model(seed=5):
    set_seed(seed)
    model = TwoLossModel()
    model(np.zeros((1, 4), "float32"))
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    return model


def make_data(poison=(), drop=(), shuffle=False):
    """`data(epoch)`: 4 batches; `poison` / `drop`: (epoch, batch) to spoil / omit."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N, 4)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    z = (x[:, :1] - x[:, 1:2]).astype("float32")

    def data(epoch):
        zz = z.copy()
        for e, b in poison:
            if e == epoch:
                zz[b * BATCH : (b + 1) * BATCH] = np.nan
        ds = tf.data.Dataset.from_tensor_slices((x, y, zz))
        if shuffle:  # seeded from the epoch: `data` is a pure function of it
            ds = ds.shuffle(N, seed=100 + epoch)
        ds = ds.batch(BATCH)
        kept = [b for b in range(N // BATCH) if (epoch, b) not in drop]
        if len(kept) < N // BATCH:
            ds = ds.enumerate().filter(
                lambda i, _: tf.reduce_any(tf.equal(i, tf.constant(kept, "int64")))
            )
            ds = ds.map(lambda i, batch: batch)
        return ds

    return data


def state_of(model):
    values = [v.numpy() for v in model.weights]
    values += [v.numpy() for v in model.optimizer.variables]
    return values


def assert_same_state(a, b):
    assert len(a) == len(b)
    for i, (x, y) in enumerate(zip(a, b)):
        np.testing.assert_array_equal(x, y, err_msg=f"variable {i} differs")


class Recorder(keras.callbacks.Callback):
    def __init__(self, crash_at=None, signal_at=None):
        super().__init__()
        self.calls = []
        self.crash_at = crash_at
        self.signal_at = signal_at
        self.epoch = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        self.calls.append(("epoch", epoch))

    def on_train_batch_end(self, batch, logs=None):
        self.calls.append(("batch", self.epoch, batch))
        if self.crash_at == (self.epoch, batch):
            raise RuntimeError("simulated crash")
        if self.signal_at == (self.epoch, batch):
            os.kill(os.getpid(), signal.SIGTERM)


def read_events(run_dir):
    with open(os.path.join(run_dir, "events.jsonl")) as f:
        return [json.loads(line) for line in f]


def test_resume_mid_epoch_equals_uninterrupted_run(tmp_path):
    reference = make_model()
    ref_history = train(
        reference,
        make_data(shuffle=True),
        epochs=3,
        run_dir=str(tmp_path / "ref"),
        save_every_steps=3,
        seed=5,
        verbose=0,
    )

    run_dir = str(tmp_path / "run")
    model = make_model()
    with pytest.raises(RuntimeError, match="simulated crash"):
        train(
            model,
            make_data(shuffle=True),
            epochs=3,
            run_dir=run_dir,
            save_every_steps=3,
            seed=5,
            callbacks=[Recorder(crash_at=(1, 2))],
            verbose=0,
        )
    # Crashed in epoch 1 after batch 2 (7 batches done); checkpoints every 3
    # steps: the newest is global step 6 = epoch 1 after 2 batches.
    latest = CheckpointManager(os.path.join(run_dir, "checkpoints")).latest()
    assert (latest.epoch, latest.step, latest.global_step) == (1, 2, 6)

    resumed = make_model()
    recorder = Recorder()
    history = train(
        resumed,
        make_data(shuffle=True),
        epochs=3,
        run_dir=run_dir,
        save_every_steps=3,
        seed=5,
        callbacks=[recorder],
        verbose=0,
    )
    assert history.resumed_from.name == latest.name
    # Callbacks see the true epochs and batch indices, from batch 2 of epoch 1.
    assert recorder.calls[0] == ("epoch", 1)
    assert recorder.calls[1] == ("batch", 1, 2)
    assert [c[1] for c in recorder.calls if c[0] == "epoch"] == [1, 2]
    assert int(resumed.optimizer.iterations.numpy()) == 12
    assert_same_state(state_of(resumed), state_of(reference))
    # Epoch means are exact too: the running sums are checkpointed.
    for key in ("loss_a", "loss_b"):
        np.testing.assert_allclose(
            history.history[key], ref_history.history[key][1:], rtol=1e-12
        )
    assert [e["event"] for e in read_events(run_dir)].count("resume") == 1


def test_nan_stops_with_loss_name_and_step(tmp_path):
    run_dir = str(tmp_path / "run")
    model = make_model()
    with pytest.raises(NonFiniteLossError) as info:
        train(
            model,
            make_data(poison=[(1, 2)]),
            epochs=3,
            run_dir=run_dir,
            save_every_steps=2,
            verbose=0,
        )
    err = info.value
    assert err.names == ["loss_b"]  # loss_a stayed finite
    assert (err.epoch, err.step, err.global_step) == (1, 2, 6)
    message = str(err)
    assert "loss_b=nan" in message and "global step 6" in message
    assert "epoch 1" in message and "step 2 of the epoch" in message
    latest = CheckpointManager(os.path.join(run_dir, "checkpoints")).latest()
    assert latest.global_step == 6 and latest.name in message
    events = read_events(run_dir)
    assert events[-1]["event"] == "nonfinite" and events[-1]["global_step"] == 6


def test_nan_rollback_skips_the_batch_and_finishes(tmp_path):
    run_dir = str(tmp_path / "run")
    model = make_model()
    with pytest.warns(UserWarning, match="rolled back"):
        history = train(
            model,
            make_data(poison=[(1, 2)]),
            epochs=3,
            run_dir=run_dir,
            save_every_steps=2,
            on_nan="rollback",
            seed=5,
            verbose=0,
        )
    assert len(history.rollbacks) == 1
    assert history.rollbacks[0]["global_step"] == 6
    assert history.rollbacks[0]["restored"].startswith("ckpt-000000006")
    assert int(model.optimizer.iterations.numpy()) == 11  # 12 batches - 1 skipped
    assert all(np.isfinite(w).all() for w in state_of(model))
    # The skip is recorded in later checkpoints, so a resume skips it too.
    latest = CheckpointManager(os.path.join(run_dir, "checkpoints")).latest()
    assert latest.read_state()["extra"]["trainer"]["skipped"] == [[1, 2]]

    # Same weights as a run whose data never had that batch.
    clean = make_model()
    train(
        clean,
        make_data(drop=[(1, 2)]),
        epochs=3,
        run_dir=str(tmp_path / "clean"),
        seed=5,
        verbose=0,
    )
    assert_same_state(state_of(model), state_of(clean))


def test_non_finite_weights_are_never_checkpointed(tmp_path):
    class Corrupt(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:  # finite losses, broken weights
                self.model.head_b.kernel.assign(np.full((4, 1), np.inf, "float32"))

    run_dir = str(tmp_path / "run")
    with pytest.raises(
        NonFiniteLossError, match="Non-finite weights .*kernel=nan"
    ) as info:
        train(
            make_model(),
            make_data(),
            epochs=1,
            run_dir=run_dir,
            save_every_steps=2,
            callbacks=[Corrupt()],
            verbose=0,
        )
    assert (info.value.epoch, info.value.step) == (0, 1)
    latest = CheckpointManager(os.path.join(run_dir, "checkpoints")).latest()
    assert latest.global_step == 0  # only the start checkpoint was written


def test_rollback_gives_up_after_max_rollbacks(tmp_path):
    model = make_model()
    with pytest.warns(UserWarning, match="rolled back"):
        with pytest.raises(NonFiniteLossError, match=r"Gave up after 1 rollback"):
            train(
                model,
                make_data(poison=[(0, 1), (0, 3)]),
                epochs=2,
                run_dir=str(tmp_path / "run"),
                on_nan="rollback",
                max_rollbacks=1,
                verbose=0,
            )


def test_seeded_runs_are_bit_identical(tmp_path):
    states = []
    for i, seed in enumerate((11, 11, 12)):
        model = make_model(seed)
        train(
            model,
            make_data(shuffle=True),
            epochs=1,
            run_dir=str(tmp_path / f"run{i}"),
            seed=seed,
            verbose=0,
        )
        states.append(state_of(model))
    assert_same_state(states[0], states[1])
    assert not all(np.array_equal(a, b) for a, b in zip(states[0], states[2]))


def test_seeded_training_traces_once_and_never_reseeds_mid_run(tmp_path, monkeypatch):
    """`train(seed=...)` traces the train step once over 3 epochs.

    Changing TensorFlow's global seed (`tf.random.set_seed`) mid-run clears
    TensorFlow's caches: the next step re-instantiates the traced function
    without a Python retrace (observed: ~5 s per epoch for the tiny CLI
    CycleGAN on 2 cores, vs 0.2 s). So the test also checks that the global
    seed is only ever set before the first step.
    """
    model = make_model()
    traces = []
    train_step = model.train_step

    def counted_train_step(data):
        traces.append(len(traces))  # runs once per (re)trace, never per step
        return train_step(data)

    model.train_step = counted_train_step
    reseeded_at = []
    set_tf_seed = tf.random.set_seed

    def spy(seed):
        reseeded_at.append(int(model.optimizer.iterations.numpy()))
        set_tf_seed(seed)

    monkeypatch.setattr(tf.random, "set_seed", spy)
    train(
        model,
        make_data(shuffle=True),  # a new dataset every epoch
        epochs=3,
        run_dir=str(tmp_path / "run"),
        save_every_steps=3,
        seed=5,
        verbose=0,
    )
    assert int(model.optimizer.iterations.numpy()) == 12
    assert len(traces) == 1, f"the train step was traced {len(traces)} times"
    assert reseeded_at and set(reseeded_at) == {0}, reseeded_at


def test_unwritable_run_dir_fails_at_start_up(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    run_dir = blocker / "run"
    recorder = Recorder()
    with pytest.raises(CheckpointError, match="Cannot write checkpoints to") as info:
        train(
            make_model(),
            make_data(),
            epochs=1,
            run_dir=str(run_dir),
            callbacks=[recorder],
            verbose=0,
        )
    assert str(run_dir) in str(info.value)
    assert recorder.calls == []  # failed before training


def test_disk_full_at_a_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    run_dir = str(tmp_path / "run")
    real_write = checkpoint._write_atomic
    calls = {"n": 0}

    def failing_write(tmp, path, data):
        calls["n"] += 1
        if calls["n"] == 7:  # the state file of the 4th checkpoint (2 per save)
            with open(tmp, "wb") as f:
                f.write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(tmp, path, data)

    monkeypatch.setattr(checkpoint, "_write_atomic", failing_write)
    with pytest.raises(CheckpointError, match="No space left on device") as info:
        train(
            make_model(),
            make_data(),
            epochs=2,
            run_dir=run_dir,
            save_every_steps=2,
            verbose=0,
        )
    folder = os.path.join(run_dir, "checkpoints")
    assert info.value.errno == errno.ENOSPC
    assert folder in str(info.value)
    # Saves: start (0), 2, 4 (epoch end), then 6 failed: 4 stays the newest,
    # and nothing of the failed one is left.
    manager = CheckpointManager(folder)
    assert manager.latest().global_step == 4
    assert sorted(os.listdir(folder)) == sorted(
        f"{c.name}{kind}"
        for c in manager.checkpoints()
        for kind in (".keras", ".state.json", ".manifest.json")
    )
    monkeypatch.setattr(checkpoint, "_write_atomic", real_write)
    model = make_model()
    history = train(model, make_data(), epochs=2, run_dir=run_dir, verbose=0)
    assert history.resumed_from.global_step == 4
    assert int(model.optimizer.iterations.numpy()) == 8


def test_sigterm_saves_a_checkpoint_then_exits(tmp_path):
    run_dir = str(tmp_path / "run")
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(SystemExit) as info:
        train(
            make_model(),
            make_data(),
            epochs=2,
            run_dir=run_dir,
            callbacks=[Recorder(signal_at=(0, 2))],
            verbose=0,
        )
    assert info.value.code == 128 + signal.SIGTERM
    latest = CheckpointManager(os.path.join(run_dir, "checkpoints")).latest()
    assert (latest.epoch, latest.step) == (0, 3)
    assert signal.getsignal(signal.SIGTERM) == before


def test_resume_false_refuses_a_used_run_dir(tmp_path):
    run_dir = str(tmp_path / "run")
    train(make_model(), make_data(), epochs=1, run_dir=run_dir, verbose=0)
    with pytest.raises(ValueError, match="already holds checkpoints"):
        train(make_model(), make_data(), epochs=2, run_dir=run_dir, resume=False)


def test_plain_dataset_and_finished_run(tmp_path):
    run_dir = str(tmp_path / "run")
    dataset = make_data()(0)
    model = make_model()
    history = train(model, dataset, epochs=2, run_dir=run_dir, verbose=0)
    assert len(history.history["loss_a"]) == 2
    assert int(model.optimizer.iterations.numpy()) == 8
    # Resuming a finished run trains nothing more.
    again = make_model()
    history = train(again, dataset, epochs=2, run_dir=run_dir, verbose=0)
    assert history.history == {}
    assert int(again.optimizer.iterations.numpy()) == 8


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"epochs": 0}, "`epochs` must be a positive integer"),
        ({"save_every_steps": 0}, "`save_every_steps` must be"),
        ({"on_nan": "ignore"}, "`on_nan` must be one of"),
        ({"max_rollbacks": -1}, "`max_rollbacks` must be"),
        ({"seed": -3}, "`seed` must be None or an integer"),
        ({"data": [1, 2]}, "`data` must be a function"),
    ],
)
def test_bad_arguments(tmp_path, kwargs, match):
    args = {"data": make_data(), "epochs": 1, "run_dir": str(tmp_path), **kwargs}
    with pytest.raises(ValueError, match=match):
        train(make_model(), **args)


def test_a_second_trainer_in_the_same_run_dir_is_refused(tmp_path):
    fcntl = pytest.importorskip("fcntl")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    with open(run_dir / ".lock", "a+") as held:  # what a live trainer holds
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(CheckpointError, match="Another process is training"):
            train(make_model(), make_data(), epochs=1, run_dir=str(run_dir))
