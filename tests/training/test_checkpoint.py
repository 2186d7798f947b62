"""Atomic checkpoints: what is saved and restored, and crash leftovers."""

import errno
import os

import keras
import numpy as np
import pytest

from keras_gans.training import (
    CheckpointCallback,
    CheckpointError,
    CheckpointManager,
    load_checkpoint,
)
from tests.test_case import random_input
from tests.tiny import tiny_registry_cyclegan


def small_model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    model.optimizer.build(model.trainable_variables)
    change(model, seed=0, iterations=1)  # non-trivial optimizer state
    return model


def change(model, seed, iterations):
    """Give every weight and optimizer variable new values (no training)."""
    rng = np.random.default_rng(seed)
    for v in list(model.weights) + list(model.optimizer.variables):
        if "int" in str(v.dtype):
            v.assign(np.full(v.shape, iterations, v.dtype))
        else:
            v.assign(rng.normal(size=v.shape).astype(v.dtype))


def weights_of(model):
    return [v.numpy() for v in model.weights] + [
        v.numpy() for v in model.optimizer.variables
    ]


def files_in(folder):
    return sorted(os.listdir(folder))


def test_save_writes_manifest_with_checksums_and_prunes(tmp_path):
    model = small_model()
    manager = CheckpointManager(str(tmp_path), keep=2)
    for step in range(4):
        ckpt = manager.save(model, epoch=1, step=step, global_step=10 + step)
    names = [c.name for c in manager.checkpoints()]
    assert names == ["ckpt-000000012-e00001-s000002", "ckpt-000000013-e00001-s000003"]
    assert files_in(str(tmp_path)) == sorted(
        n + kind for n in names for kind in (".keras", ".state.json", ".manifest.json")
    )
    manifest = ckpt.manifest
    assert (manifest["epoch"], manifest["step"], manifest["global_step"]) == (1, 3, 13)
    assert manifest["optimizer_iterations"] == {"optimizer": 1}
    assert set(manifest["files"]) == {ckpt.name + ".keras", ckpt.name + ".state.json"}
    assert all(len(f["sha256"]) == 64 for f in manifest["files"].values())
    assert manager.verify(ckpt) is None


def test_restore_brings_back_weights_and_optimizer(tmp_path):
    model = small_model()
    manager = CheckpointManager(str(tmp_path))
    manager.save(model, epoch=0, step=1, global_step=1)
    saved = weights_of(model)
    change(model, seed=1, iterations=2)
    restored = manager.restore(model)
    assert restored.global_step == 1
    for a, b in zip(weights_of(model), saved):
        np.testing.assert_array_equal(a, b)


def damage(folder, name, how):
    path = os.path.join(folder, name)
    if how == "truncated_model":
        size = os.path.getsize(path + ".keras")
        with open(path + ".keras", "r+b") as f:
            f.truncate(size // 2)
    elif how == "missing_manifest":
        os.remove(path + ".manifest.json")
    elif how == "missing_state":
        os.remove(path + ".state.json")
    elif how == "bad_checksum":
        with open(path + ".keras", "r+b") as f:
            f.seek(100)
            byte = f.read(1)
            f.seek(100)
            f.write(bytes([byte[0] ^ 0xFF]))
    elif how == "torn_manifest":
        with open(path + ".manifest.json", "r+b") as f:
            f.truncate(40)


@pytest.mark.parametrize(
    "how",
    [
        "truncated_model",
        "missing_manifest",
        "missing_state",
        "bad_checksum",
        "torn_manifest",
    ],
)
def test_a_damaged_newest_checkpoint_is_never_restored(tmp_path, how):
    folder = str(tmp_path)
    model = small_model()
    manager = CheckpointManager(folder)
    good = manager.save(model, epoch=0, step=1, global_step=1)
    good_weights = weights_of(model)
    change(model, seed=1, iterations=2)
    newer = manager.save(model, epoch=0, step=2, global_step=2)
    damage(folder, newer.name, how)

    expect_warning = how == "bad_checksum"  # sizes right: found by the hash
    with pytest.warns(UserWarning, match="corrupt") if expect_warning else _no_op():
        assert manager.latest().name == good.name
        assert manager.restore(model).name == good.name
    for a, b in zip(weights_of(model), good_weights):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(CheckpointError, match="incomplete|no readable manifest"):
        manager.restore(model, newer.name)
    # The leftovers go; the good checkpoint stays.
    if how != "bad_checksum":  # size-correct files look complete until hashed
        manager.cleanup()
        assert all(f.startswith(good.name) for f in files_in(folder))


class _no_op:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_temp_files_of_an_interrupted_write_are_ignored_and_cleaned(tmp_path):
    folder = str(tmp_path)
    model = small_model()
    manager = CheckpointManager(folder)
    good = manager.save(model, epoch=0, step=1, global_step=1)
    # A writer killed mid-save: temp files, and a model file without manifest.
    name = "ckpt-000000002-e00000-s000002"
    with open(os.path.join(folder, f".tmp-{name}-999.keras"), "wb") as f:
        f.write(b"PK\x03\x04 partial zip")
    with open(os.path.join(folder, "tmpab_12cde"), "wb") as f:  # Keras' h5 temp
        f.write(b"\x89HDF partial")
    with open(os.path.join(good.model_path), "rb") as src:
        data = src.read()
    with open(os.path.join(folder, name + ".keras"), "wb") as f:
        f.write(data)
    assert manager.latest().name == good.name
    removed = manager.cleanup()
    assert sorted(removed) == sorted(
        [f".tmp-{name}-999.keras", "tmpab_12cde", name + ".keras"]
    )
    assert [c.name for c in manager.checkpoints()] == [good.name]


def test_disk_full_while_writing_the_model(tmp_path, monkeypatch):
    folder = str(tmp_path)
    model = small_model()
    manager = CheckpointManager(folder)
    good = manager.save(model, epoch=0, step=1, global_step=1)

    def full_disk_save(path, *args, **kwargs):
        with open(path, "wb") as f:
            f.write(b"PK\x03\x04 half a zip")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(model, "save", full_disk_save)
    with pytest.raises(CheckpointError) as info:
        manager.save(model, epoch=0, step=2, global_step=2)
    message = str(info.value)
    assert folder in message and "No space left on device" in message
    assert good.name in message  # says which checkpoint is still the newest
    assert info.value.errno == errno.ENOSPC
    assert isinstance(info.value, OSError)
    assert manager.latest().name == good.name
    assert all(f.startswith(good.name) for f in files_in(folder))


def test_probe_names_the_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    folder = str(blocker / "checkpoints")
    with pytest.raises(CheckpointError, match="Cannot write checkpoints to") as info:
        CheckpointManager(folder).probe()
    assert folder in str(info.value)
    with pytest.raises(CheckpointError, match="Not enough free space"):
        CheckpointManager(str(tmp_path / "ok")).probe(required_bytes=1 << 62)


def test_probe_reports_a_full_disk(tmp_path, monkeypatch):
    real_fsync = os.fsync

    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(CheckpointError, match="No space left") as info:
        CheckpointManager(str(tmp_path)).probe()
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert info.value.errno == errno.ENOSPC
    assert os.listdir(str(tmp_path)) == []  # the probe file was removed


def full_state(model):
    """Every variable of the model and of its optimizers, in order."""
    state = [v.numpy() for v in model.variables]
    for name in sorted(model.gan_optimizers):
        state += [v.numpy() for v in model.gan_optimizers[name].variables]
    return state


def test_cyclegan_state_round_trip(tmp_path, monkeypatch):
    """Networks, optimizer iterations + moments, loss weights, base learning
    rates, image pools and SeedGenerator states all come back."""
    model = tiny_registry_cyclegan()
    rng = np.random.default_rng(0)
    optimizer_vars = [v for o in model.gan_optimizers.values() for v in o.variables]
    for v in list(model.variables) + optimizer_vars:
        if "int" in str(v.dtype):
            v.assign(rng.integers(1, 50, size=v.shape).astype(v.dtype))
        else:
            v.assign(rng.normal(size=v.shape).astype(v.dtype))
    seed_states = [
        v for v in model.variables if v.path.endswith("seed_generator_state")
    ]
    assert len(seed_states) == 3  # model + two image pools
    expected = full_state(model)

    manager = CheckpointManager(str(tmp_path / "checkpoints"))
    manager.save(model, epoch=2, step=1, global_step=9)
    fresh = tiny_registry_cyclegan()
    manager.restore(fresh)
    actual = full_state(fresh)
    assert len(actual) == len(expected)
    for i, (a, b) in enumerate(zip(actual, expected)):
        np.testing.assert_array_equal(a, b, err_msg=f"state {i} not restored")

    # load_checkpoint: keras.models.load_model in safe mode, plus RNG states.
    calls = []
    real_load = keras.models.load_model

    def spy(*args, **kwargs):
        calls.append(kwargs.get("safe_mode"))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(keras.models, "load_model", spy)
    loaded = load_checkpoint(str(tmp_path))
    assert calls == [True]
    for i, (a, b) in enumerate(zip(full_state(loaded), expected)):
        np.testing.assert_array_equal(a, b, err_msg=f"state {i} not loaded")


def test_checkpoint_callback_with_fit(tmp_path):
    folder = str(tmp_path)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = random_input((12, 3))
    model.fit(
        x,
        x[:, :1],
        batch_size=2,
        epochs=2,
        verbose=0,
        callbacks=[CheckpointCallback(folder, save_every_steps=4, keep=10)],
    )
    manager = CheckpointManager(folder)
    positions = [(c.epoch, c.step, c.global_step) for c in manager.checkpoints()]
    assert positions == [(0, 4, 4), (1, 0, 6), (1, 2, 8), (2, 0, 12)]
    assert manager.latest(epoch_end=True).epoch == 2


def test_checkpoint_callback_skips_non_finite_states(tmp_path):
    folder = str(tmp_path)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.array([[1.0], [np.nan]], "float32")
    with pytest.warns(UserWarning, match="not saving a non-finite state"):
        model.fit(
            x,
            x,
            batch_size=1,
            epochs=1,
            verbose=0,
            callbacks=[CheckpointCallback(folder, save_every_steps=1)],
        )
    assert [c.global_step for c in CheckpointManager(folder).checkpoints()] == [1]


@pytest.mark.parametrize(
    "kwargs, match",
    [({"keep": 0}, "`keep` must be a positive integer"), ({"directory": 3}, "path")],
)
def test_manager_arguments(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        CheckpointManager(**{"directory": str(tmp_path), **kwargs})


def test_restore_refuses_to_drop_optimizer_state(tmp_path):
    manager = CheckpointManager(str(tmp_path))
    manager.save(small_model(), epoch=0, step=1, global_step=1)
    fresh = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    fresh.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    assert not fresh.optimizer.built  # its moments do not exist yet
    with pytest.raises(ValueError, match="would lose saved state"):
        manager.restore(fresh)
