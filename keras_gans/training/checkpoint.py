"""Atomic, verified training checkpoints: a manager and a Keras callback.

A checkpoint named `ckpt-<global step>-e<epoch>-s<step>` is three files in
one folder:

- `<name>.keras`: the whole model (`model.save`): config, network weights,
  loss-weight and base-learning-rate variables, image pools, and every
  optimizer tracked as a model attribute (iterations, learning rate, Adam
  moments);
- `<name>.state.json`: what `.keras` files leave out: the states of the
  model's `keras.random.SeedGenerator`s, Python's and NumPy's global RNG
  states, and any extra dict the caller passes (the training driver stores
  its position, epoch log sums and skipped batches there);
- `<name>.manifest.json`: written **last**: position (epoch, step within
  the epoch, global step), time, optimizer iterations and the size and
  SHA-256 of the two other files.

Every file is written to a temporary name in the same folder, flushed and
fsynced, moved into place with `os.replace`, and the folder is fsynced. A
checkpoint counts as complete only when its manifest parses and both files
have the recorded size and checksum, so a checkpoint cut short by a crash
(missing or truncated file, no manifest, stray temporary file) is never the
one restored.
"""

import contextlib
import dataclasses
import datetime
import errno
import hashlib
import json
import os
import random
import re
import time
import warnings

import keras
import numpy as np

from keras_gans._checks import check_int

FORMAT = "keras_gans.checkpoint/1"
_TMP_PREFIX = ".tmp-"
_NAME_RE = re.compile(r"^ckpt-(\d{9,})-e(\d{5,})-s(\d{6,})$")
# `model.save` of a model too large for memory writes its weights to a
# `tempfile.NamedTemporaryFile` next to the target (Keras 3.15 saving_lib).
_KERAS_TMP_RE = re.compile(r"^tmp[a-z0-9_]{8}$")
_MANIFEST = ".manifest.json"
_STATE = ".state.json"
_MODEL = ".keras"
_SEED_STATE = "seed_generator_state"


class CheckpointError(OSError):
    """A checkpoint could not be written, read or verified.

    An `OSError`, so `except OSError` catches it; `errno` is the underlying
    error's number when there is one (e.g. `errno.ENOSPC`).

    Args:
        message: str. What failed, naming the folder or file.
        errno: int or None. The underlying error number. Defaults to `None`.

    Example:

    ```python
    from keras_gans.training import CheckpointError, CheckpointManager

    try:
        CheckpointManager("/dev/null/checkpoints").probe()
    except CheckpointError as e:
        print(e)  # Cannot write checkpoints to '/dev/null/checkpoints': ...
    ```
    """

    def __new__(cls, message, errno=None):
        return super().__new__(cls, message)

    def __init__(self, message, errno=None):
        super().__init__(message)
        self.errno = errno


@dataclasses.dataclass(frozen=True)
class Checkpoint:
    """A complete checkpoint on disk (see the module docs).

    Args:
        name: str. The checkpoint's name, e.g. `"ckpt-000000012-e00001-s000004"`.
        directory: str. The folder that holds its files.
        epoch: int. 0-based epoch to continue with.
        step: int. Batches of `epoch` already done (`0` at an epoch start).
        global_step: int. Batches done since the start of training.
        epoch_end: bool. Saved at the end of epoch `epoch - 1`.
        time: str. When it was written (ISO 8601, UTC).
        manifest: dict. The parsed manifest.

    Example:

    ```python
    import tempfile
    import keras
    from keras_gans.training import CheckpointManager

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    manager = CheckpointManager(tempfile.mkdtemp())
    manager.save(model, epoch=3, step=0, global_step=30, epoch_end=True)
    ckpt = manager.latest()
    print(ckpt.name, ckpt.epoch, ckpt.model_path)
    ```
    """

    name: str
    directory: str
    epoch: int
    step: int
    global_step: int
    epoch_end: bool
    time: str
    manifest: dict

    @property
    def model_path(self):
        """str: the `.keras` file."""
        return os.path.join(self.directory, self.name + _MODEL)

    @property
    def state_path(self):
        """str: the `.state.json` file."""
        return os.path.join(self.directory, self.name + _STATE)

    @property
    def manifest_path(self):
        """str: the `.manifest.json` file."""
        return os.path.join(self.directory, self.name + _MANIFEST)

    def read_state(self):
        """The parsed `.state.json` (seed-generator and RNG states, extras)."""
        with open(self.state_path, encoding="utf-8") as f:
            return json.load(f)


class CheckpointManager:
    """Write, list, verify, prune and restore atomic training checkpoints.

    Args:
        directory: str. Folder of the checkpoints (created on first write).
        keep: int. Number of complete checkpoints kept; older ones are
            deleted after each successful save. Defaults to `3`.

    Example:

    ```python
    import tempfile
    import keras
    from keras_gans.training import CheckpointManager

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    manager = CheckpointManager(tempfile.mkdtemp(), keep=2)
    manager.probe()  # fails at once on an unwritable or full folder
    ckpt = manager.save(model, epoch=1, step=0, global_step=10, epoch_end=True)
    manager.restore(model)  # the newest complete checkpoint
    ```
    """

    def __init__(self, directory, keep=3):
        if not isinstance(directory, str | os.PathLike):
            raise ValueError(
                f"`directory` must be a path. Received: directory={directory!r}"
            )
        check_int("keep", keep)
        self.directory = os.path.abspath(os.fspath(directory))
        self.keep = keep

    # === Start-up check ===

    def probe(self, required_bytes=0):
        """Check that the folder can hold a checkpoint; raise if it cannot.

        Creates the folder, writes, fsyncs and deletes a small file, and
        checks that at least `required_bytes` are free.

        Args:
            required_bytes: int. Free space needed, e.g. the size of one
                checkpoint. Defaults to `0`.

        Raises:
            CheckpointError: naming the folder, when it cannot be created or
                written, or has too little free space.
        """
        path = os.path.join(self.directory, f"{_TMP_PREFIX}probe-{os.getpid()}")
        try:
            os.makedirs(self.directory, exist_ok=True)
            with open(path, "wb") as f:
                f.write(b"keras_gans checkpoint probe\n" * 64)
                f.flush()
                os.fsync(f.fileno())
            os.remove(path)
            _fsync_dir(self.directory)
            free = _free_bytes(self.directory)
        except OSError as e:
            _remove_quietly(path)
            raise CheckpointError(
                f"Cannot write checkpoints to {self.directory!r}: {_describe(e)}. "
                "Choose a writable folder with free space (e.g. another run_dir).",
                errno=e.errno,
            ) from e
        if free is not None and free < required_bytes:
            raise CheckpointError(
                f"Not enough free space for a checkpoint in {self.directory!r}: "
                f"{free / 1e6:.1f} MB free, about {required_bytes / 1e6:.1f} MB "
                "needed. Free some space or choose another folder.",
                errno=errno.ENOSPC,
            )

    # === Saving ===

    def save(self, model, *, epoch, step, global_step, epoch_end=False, state=None):
        """Write a checkpoint atomically, then delete the oldest beyond `keep`.

        Args:
            model: `keras.Model`. A built (and compiled) model.
            epoch: int. 0-based epoch to continue with.
            step: int. Batches of `epoch` already done.
            global_step: int. Batches done since the start of training.
            epoch_end: bool. Saved at the end of epoch `epoch - 1`. Defaults
                to `False`.
            state: dict or None. Extra JSON-serializable state stored in the
                `.state.json` file under `"extra"`. Defaults to `None`.

        Returns:
            The `Checkpoint` written.

        Raises:
            CheckpointError: when a file cannot be written (e.g. a full
                disk). The partial files are removed and the previous
                complete checkpoint stays the newest.
        """
        check_int("epoch", epoch, minimum=0)
        check_int("step", step, minimum=0)
        check_int("global_step", global_step, minimum=0)
        name = f"ckpt-{global_step:09d}-e{epoch:05d}-s{step:06d}"
        final = {
            kind: os.path.join(self.directory, name + kind)
            for kind in (_MODEL, _STATE, _MANIFEST)
        }
        temps = []

        def temp_for(kind):
            path = os.path.join(
                self.directory, f"{_TMP_PREFIX}{name}-{os.getpid()}{kind}"
            )
            temps.append(path)
            return path

        optimizer = getattr(model, "optimizer", None)
        if optimizer is not None and not optimizer.built:
            # Saved with all its variables, so a restore never skips it.
            optimizer.build(model.trainable_variables)
        try:
            os.makedirs(self.directory, exist_ok=True)
            # An older checkpoint of the same name (e.g. one that failed
            # verification) stops being complete before anything is replaced.
            _remove_quietly(final[_MANIFEST])
            # 1) The model (`.keras` needs that extension, also for the temp).
            tmp = temp_for(_MODEL)
            _save_model(model, tmp)
            _fsync_file(tmp)
            os.replace(tmp, final[_MODEL])
            # 2) What `.keras` leaves out.
            payload = _state_payload(model, state)
            _write_atomic(temp_for(_STATE), final[_STATE], _to_json(payload))
            _fsync_dir(self.directory)
            # 3) The manifest, last.
            position = {"epoch": epoch, "step": step, "global_step": global_step}
            manifest = _manifest(model, name, position, epoch_end, final)
            _write_atomic(temp_for(_MANIFEST), final[_MANIFEST], _to_json(manifest))
            _fsync_dir(self.directory)
        except OSError as e:
            for path in temps + [final[_MANIFEST], final[_STATE], final[_MODEL]]:
                _remove_quietly(path)
            raise self._save_error(name, e) from e
        except BaseException:
            for path in temps:
                _remove_quietly(path)
            raise
        checkpoint = _checkpoint_from(self.directory, manifest)
        self._prune()
        return checkpoint

    def _save_error(self, name, error):
        """The `CheckpointError` for a save of `name` that failed with `error`."""
        previous = self.latest(verify=False)
        return CheckpointError(
            f"Could not write checkpoint {name!r} to {self.directory!r}: "
            f"{_describe(error)}. Its partial files were removed; the newest "
            "complete checkpoint is "
            f"{previous.name if previous else 'none'}. Free disk space (or fix "
            "the folder) and resume.",
            errno=error.errno,
        )

    def _prune(self):
        complete = self.checkpoints()
        for old in complete[: max(0, len(complete) - self.keep)]:
            self.delete(old.name)

    def delete(self, name):
        """Delete checkpoint `name`: its manifest first, then its files."""
        for kind in (_MANIFEST, _STATE, _MODEL):
            _remove_quietly(os.path.join(self.directory, name + kind))

    # === Listing ===

    def checkpoints(self):
        """The complete-looking checkpoints, oldest first.

        A checkpoint is listed when its manifest parses and names files that
        exist with the recorded sizes (checksums are checked by `verify`,
        `latest` and `restore`).

        Returns:
            A list of `Checkpoint`, sorted by (global step, epoch, step).
        """
        if not os.path.isdir(self.directory):
            return []
        found = []
        for entry in os.listdir(self.directory):
            if entry.startswith(_TMP_PREFIX) or not entry.endswith(_MANIFEST):
                continue
            try:
                with open(os.path.join(self.directory, entry), encoding="utf-8") as f:
                    manifest = json.load(f)
                ckpt = _checkpoint_from(self.directory, manifest)
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if ckpt.name + _MANIFEST != entry or not _NAME_RE.match(ckpt.name):
                continue
            if self._problem(ckpt, checksums=False) is None:
                found.append(ckpt)
        return sorted(found, key=lambda c: (c.global_step, c.epoch, c.step))

    def verify(self, checkpoint):
        """`None` if `checkpoint` is complete and intact, else what is wrong.

        Args:
            checkpoint: `Checkpoint` or str (a name).

        Returns:
            None, or a str describing the problem.
        """
        if isinstance(checkpoint, str):
            path = os.path.join(self.directory, checkpoint + _MANIFEST)
            try:
                with open(path, encoding="utf-8") as f:
                    checkpoint = _checkpoint_from(self.directory, json.load(f))
            except (OSError, ValueError, KeyError, TypeError) as e:
                return f"no readable manifest {path!r} ({e})"
        return self._problem(checkpoint, checksums=True)

    def _problem(self, ckpt, checksums):
        files = ckpt.manifest.get("files") or {}
        expected = {ckpt.name + _MODEL, ckpt.name + _STATE}
        if set(files) != expected:
            return f"manifest lists {sorted(files)}, expected {sorted(expected)}"
        for filename, info in files.items():
            path = os.path.join(self.directory, filename)
            try:
                size = os.path.getsize(path)
            except OSError:
                return f"missing file {path!r}"
            if size != info.get("size"):
                return (
                    f"{path!r} has {size} bytes, the manifest says {info.get('size')}"
                )
            if checksums and _sha256(path) != info.get("sha256"):
                return f"checksum mismatch for {path!r}"
        return None

    def latest(self, verify=True, epoch_end=False):
        """The newest complete checkpoint, or None.

        Args:
            verify: bool. Check the SHA-256 of the candidates and skip the
                corrupt ones. Defaults to `True`.
            epoch_end: bool. Only checkpoints saved at an epoch end (what
                `model.fit(initial_epoch=...)` can resume from). Defaults to
                `False`.

        Returns:
            A `Checkpoint` or None.
        """
        for ckpt in reversed(self.checkpoints()):
            if epoch_end and not ckpt.epoch_end:
                continue
            if not verify:
                return ckpt
            problem = self._problem(ckpt, checksums=True)
            if problem is None:
                return ckpt
            warnings.warn(
                f"Skipping corrupt checkpoint {ckpt.name!r}: {problem}", stacklevel=2
            )
        return None

    def cleanup(self):
        """Delete leftovers of interrupted writes (single writer only).

        Removes temporary files (ours and those Keras writes next to a
        `.keras` file for large models) and the files of checkpoints without
        a valid manifest. Call it only when no other process writes to this
        folder (the training driver holds a lock on its run folder).

        Returns:
            The list of removed file names.
        """
        if not os.path.isdir(self.directory):
            return []
        complete = {c.name for c in self.checkpoints()}
        removed = []
        for entry in sorted(os.listdir(self.directory)):
            base = entry
            for kind in (_MANIFEST, _STATE, _MODEL):
                if entry.endswith(kind):
                    base = entry[: -len(kind)]
                    break
            stale = (
                entry.startswith(_TMP_PREFIX)
                or _KERAS_TMP_RE.match(entry) is not None
                or (_NAME_RE.match(base) is not None and base not in complete)
            )
            if stale and os.path.isfile(os.path.join(self.directory, entry)):
                _remove_quietly(os.path.join(self.directory, entry))
                removed.append(entry)
        return removed

    # === Restoring ===

    def restore(self, model, checkpoint=None, restore_rng=True):
        """Load a checkpoint into `model` (built, compiled, same architecture).

        Restores everything in the `.keras` file (weights, loss-weight
        variables, image pools, optimizer iterations and moments) with
        `model.load_weights`, then the `SeedGenerator` states and, with
        `restore_rng`, Python's and NumPy's global RNG states. Fails if an
        optimizer's state would be skipped or its iterations do not match the
        manifest.

        Args:
            model: `keras.Model`. Built, with its optimizers built (as after
                `compile` for the keras_gans models).
            checkpoint: `Checkpoint`, str (a name) or None. Defaults to
                `None`: the newest complete checkpoint.
            restore_rng: bool. Also restore the Python and NumPy global RNG
                states. Defaults to `True`.

        Returns:
            The `Checkpoint` restored.
        """
        if checkpoint is None:
            checkpoint = self.latest()
            if checkpoint is None:
                raise CheckpointError(
                    f"No complete checkpoint in {self.directory!r} to restore.",
                    errno=errno.ENOENT,
                )
        elif isinstance(checkpoint, str):
            manifest = os.path.join(self.directory, checkpoint + _MANIFEST)
            try:
                with open(manifest, encoding="utf-8") as f:
                    checkpoint = _checkpoint_from(self.directory, json.load(f))
            except (OSError, ValueError, KeyError, TypeError) as e:
                raise CheckpointError(
                    f"Checkpoint {checkpoint!r} has no readable manifest in "
                    f"{self.directory!r}: {e}",
                    errno=getattr(e, "errno", None),
                ) from e
        problem = self._problem(checkpoint, checksums=True)
        if problem is not None:
            raise CheckpointError(
                f"Checkpoint {checkpoint.name!r} is incomplete: {problem}"
            )
        if not model.built:
            raise ValueError(
                "Build the model (and compile it) before restoring a checkpoint "
                f"into it. Received an unbuilt {model.__class__.__name__}."
            )
        with _no_lost_state(checkpoint):
            model.load_weights(checkpoint.model_path)
        state = checkpoint.read_state()
        _restore_seed_generators(model, state.get("seed_generators", []), checkpoint)
        if restore_rng:
            _restore_python_rng(state.get("python_random"))
            _restore_numpy_rng(state.get("numpy_random"))
        expected = checkpoint.manifest.get("optimizer_iterations") or {}
        actual = optimizer_iterations(model)
        wrong = {
            k: (v, actual.get(k)) for k, v in expected.items() if actual.get(k) != v
        }
        if wrong:
            raise ValueError(
                f"Optimizer iterations after restoring {checkpoint.name!r} do not "
                f"match its manifest (expected, got): {wrong}"
            )
        return checkpoint


def load_checkpoint(path):
    """Load a model from a checkpoint with `keras.models.load_model`.

    Uses `safe_mode=True` (no arbitrary code is deserialized) and also
    restores the `SeedGenerator` states. The optimizers are rebuilt from the
    compile config with their saved state, so the model can keep training.

    Args:
        path: str. A run folder (its `checkpoints/` subfolder), a checkpoint
            folder (its newest complete checkpoint), or a checkpoint's
            `.keras` or `.manifest.json` file.

    Returns:
        The loaded `keras.Model`.

    Example:

    ```python
    import tempfile
    import keras
    from keras_gans.training import CheckpointManager, load_checkpoint

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    folder = tempfile.mkdtemp()
    CheckpointManager(folder).save(model, epoch=0, step=0, global_step=0)
    restored = load_checkpoint(folder)
    ```
    """
    path = os.path.abspath(os.fspath(path))
    if os.path.isdir(path):
        sub = os.path.join(path, "checkpoints")
        folder = sub if os.path.isdir(sub) else path
        ckpt = CheckpointManager(folder).latest()
        if ckpt is None:
            raise CheckpointError(
                f"No complete checkpoint in {folder!r}.", errno=errno.ENOENT
            )
    else:
        folder, filename = os.path.split(path)
        for kind in (_MANIFEST, _MODEL):
            if filename.endswith(kind):
                name = filename[: -len(kind)]
                break
        else:
            raise ValueError(
                "`path` must be a run folder, a checkpoint folder or a checkpoint's "
                f".keras / .manifest.json file. Received: path={path!r}"
            )
        manager = CheckpointManager(folder)
        problem = manager.verify(name)
        if problem is not None:
            raise CheckpointError(f"Checkpoint {name!r} is incomplete: {problem}")
        with open(os.path.join(folder, name + _MANIFEST), encoding="utf-8") as f:
            ckpt = _checkpoint_from(folder, json.load(f))
    with _no_lost_state(ckpt):
        model = keras.models.load_model(ckpt.model_path, safe_mode=True)
    _restore_seed_generators(model, ckpt.read_state().get("seed_generators", []), ckpt)
    return model


@keras.saving.register_keras_serializable(package="keras_gans")
class CheckpointCallback(keras.callbacks.Callback):
    """Atomic checkpoints during `model.fit`, every N steps and every epoch.

    Uses a `CheckpointManager`. It never saves a state whose logged losses
    or weights are not finite. `model.fit` can only resume at an epoch start
    (`initial_epoch`), so resume a `fit` run from
    `manager.latest(epoch_end=True)`; the step checkpoints are for
    `keras_gans.training.train`, which resumes mid-epoch.

    Args:
        directory: str. Checkpoint folder.
        save_every_steps: int or None. Also save every N batches. Defaults
            to `None`.
        save_every_epochs: int. Save at the end of every N-th epoch.
            Defaults to `1`.
        keep: int. Complete checkpoints kept. Defaults to `3`.
        initial_global_step: int. Global step at the start of this `fit`
            (the restored checkpoint's `global_step` when resuming).
            Defaults to `0`.

    Example:

    ```python
    import tempfile
    import numpy as np
    import keras
    from keras_gans.training import CheckpointCallback, CheckpointManager

    folder = tempfile.mkdtemp()
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = np.zeros((8, 2), "float32")
    model.fit(x, x[:, :1], batch_size=2, epochs=2, verbose=0,
              callbacks=[CheckpointCallback(folder, save_every_steps=3)])
    CheckpointManager(folder).latest().epoch  # 2
    ```
    """

    def __init__(
        self,
        directory,
        save_every_steps=None,
        save_every_epochs=1,
        keep=3,
        initial_global_step=0,
    ):
        super().__init__()
        check_int("save_every_steps", save_every_steps, allow_none=True)
        check_int("save_every_epochs", save_every_epochs)
        check_int("initial_global_step", initial_global_step, minimum=0)
        self.directory = os.fspath(directory)
        self.save_every_steps = save_every_steps
        self.save_every_epochs = save_every_epochs
        self.keep = keep
        self.initial_global_step = initial_global_step
        self.manager = CheckpointManager(self.directory, keep=keep)
        self._global_step = initial_global_step
        self._epoch = 0

    def on_train_begin(self, logs=None):
        self.manager.probe()
        self._global_step = self.initial_global_step

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def _save_if_finite(self, logs, **position):
        from keras_gans.training import guards

        bad = guards.nonfinite_logs(logs)
        bad_vars = guards.nonfinite_variables(self.model)
        if bad or bad_vars:
            warnings.warn(
                "CheckpointCallback: not saving a non-finite state at global step "
                f"{position['global_step']} (losses {sorted(bad)}, variables "
                f"{bad_vars[:3]}).",
                stacklevel=2,
            )
            return None
        return self.manager.save(self.model, **position)

    def on_train_batch_end(self, batch, logs=None):
        self._global_step += 1
        steps = (self.params or {}).get("steps")
        if (
            steps is not None
            and batch + 1 >= steps
            and (self._epoch + 1) % self.save_every_epochs == 0
        ):
            return  # the epoch-end checkpoint follows at the same global step
        if self.save_every_steps and self._global_step % self.save_every_steps == 0:
            self._save_if_finite(
                logs, epoch=self._epoch, step=batch + 1, global_step=self._global_step
            )

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.save_every_epochs == 0:
            self._save_if_finite(
                logs,
                epoch=epoch + 1,
                step=0,
                global_step=self._global_step,
                epoch_end=True,
            )

    def get_config(self):
        return {
            "directory": self.directory,
            "save_every_steps": self.save_every_steps,
            "save_every_epochs": self.save_every_epochs,
            "keep": self.keep,
            "initial_global_step": self.initial_global_step,
        }


# === Model state that `.keras` files leave out ===

_SKIP_RE = re.compile(r"has (\d+) variables whereas the saved optimizer has (\d+)")


@contextlib.contextmanager
def _no_lost_state(checkpoint):
    """Turn Keras' "Skipping variable loading" warnings that drop saved
    state (the saved object has more variables) into an error."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    lost = []
    for w in caught:
        text = str(w.message)
        match = _SKIP_RE.search(text)
        if "Skipping variable loading" in text and (
            match is None or int(match.group(2)) > int(match.group(1))
        ):
            lost.append(text)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if lost:
        raise ValueError(
            f"Restoring {checkpoint.name!r} would lose saved state: {lost[0]} "
            "Compile the model (which builds its optimizers) before restoring."
        )


def optimizer_iterations(model):
    """The iterations of a model's optimizers, as plain ints.

    Args:
        model: `keras.Model`. A keras_gans GAN model (all of
            `model.gan_optimizers`) or a model with `model.optimizer`.

    Returns:
        A dict optimizer name -> iterations (`{"optimizer": n}` for a plain
        model, `{}` without optimizer).

    Example:

    ```python
    import keras
    from keras_gans.training import optimizer_iterations

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    print(optimizer_iterations(model))  # {'optimizer': 0}
    ```
    """
    optimizers = dict(getattr(model, "gan_optimizers", None) or {})
    if not optimizers and getattr(model, "optimizer", None) is not None:
        optimizers = {"optimizer": model.optimizer}
    return {name: int(opt.iterations.numpy()) for name, opt in optimizers.items()}


def _seed_state_variables(model):
    return [
        (i, v)
        for i, v in enumerate(model.variables)
        if v.path.split("/")[-1] == _SEED_STATE
    ]


def _seed_generator_states(model):
    return [
        {
            "index": i,
            "path": v.path,
            "dtype": str(v.dtype),
            "value": np.asarray(v.numpy()).tolist(),
        }
        for i, v in _seed_state_variables(model)
    ]


def _restore_seed_generators(model, saved, checkpoint):
    # Matched by position in `model.variables` (as Keras matches weights):
    # paths carry instance-unique names (`seed_generator_2`) that differ
    # between processes and model instances.
    current = _seed_state_variables(model)
    if len(current) != len(saved) or any(
        i != s["index"] for (i, _), s in zip(current, saved)
    ):
        raise ValueError(
            f"Checkpoint {checkpoint.name!r} has {len(saved)} SeedGenerator states "
            f"{[s['path'] for s in saved]}, the model has {len(current)} "
            f"{[v.path for _, v in current]}: is it the same architecture?"
        )
    for (_, variable), s in zip(current, saved):
        variable.assign(np.asarray(s["value"], dtype=s["dtype"]))


def _python_rng_state():
    version, internal, gauss = random.getstate()
    return {"version": version, "state": list(internal), "gauss": gauss}


def _restore_python_rng(state):
    if state:
        random.setstate((state["version"], tuple(state["state"]), state["gauss"]))


def _numpy_rng_state():
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    return {
        "kind": kind,
        "keys": np.asarray(keys).tolist(),
        "pos": int(pos),
        "has_gauss": int(has_gauss),
        "cached_gaussian": float(cached),
    }


def _restore_numpy_rng(state):
    if state:
        np.random.set_state(
            (
                state["kind"],
                np.asarray(state["keys"], dtype=np.uint32),
                state["pos"],
                state["has_gauss"],
                state["cached_gaussian"],
            )
        )


# === Files ===


def _save_model(model, path):
    """`model.save(path)`, without the warnings Keras gives for every save."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*has not yet been built.*")
        # Keras + NumPy 2 noise from inside `model.save`.
        warnings.filterwarnings(
            "ignore",
            message=".*__array__ implementation",
            category=DeprecationWarning,
        )
        model.save(path)


def _state_payload(model, state):
    """The `.state.json` content: what `.keras` leaves out, and `state`."""
    return {
        "format": FORMAT,
        "seed_generators": _seed_generator_states(model),
        "python_random": _python_rng_state(),
        "numpy_random": _numpy_rng_state(),
        "extra": state or {},
    }


def _manifest(model, name, position, epoch_end, final):
    """The manifest of checkpoint `name` whose files `final` are written."""
    files = {os.path.basename(final[k]): _file_info(final[k]) for k in (_MODEL, _STATE)}
    now = time.time()
    return {
        "format": FORMAT,
        "name": name,
        **position,
        "epoch_end": bool(epoch_end),
        "time": datetime.datetime.fromtimestamp(now, datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),
        "unix_time": now,
        "model_class": model.__class__.__name__,
        "keras_version": keras.__version__,
        "optimizer_iterations": optimizer_iterations(model),
        "files": files,
    }


def _checkpoint_from(directory, manifest):
    if manifest.get("format") != FORMAT:
        raise ValueError(f"unknown checkpoint format {manifest.get('format')!r}")
    return Checkpoint(
        name=str(manifest["name"]),
        directory=directory,
        epoch=int(manifest["epoch"]),
        step=int(manifest["step"]),
        global_step=int(manifest["global_step"]),
        epoch_end=bool(manifest["epoch_end"]),
        time=str(manifest["time"]),
        manifest=manifest,
    )


def _to_json(obj):
    return (json.dumps(obj, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _write_atomic(tmp, path, data):
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _fsync_file(path):
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def _fsync_dir(path):
    if os.name != "posix":  # directories cannot be opened on Windows
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _file_info(path):
    return {"size": os.path.getsize(path), "sha256": _sha256(path)}


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _free_bytes(path):
    try:
        stats = os.statvfs(path)
    except (AttributeError, OSError):
        return None
    return stats.f_bavail * stats.f_frsize


def _remove_quietly(path):
    try:
        os.remove(path)
    except OSError:
        pass


def _describe(error):
    text = error.strerror or str(error)
    return f"[Errno {error.errno}] {text}" if error.errno else text
