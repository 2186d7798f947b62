"""`train`: a resumable training driver for the keras_gans models.

`model.fit` cannot start in the middle of an epoch: `BackupAndRestore`
replays an interrupted epoch from its first batch. `train` runs the model's
own `train_function` batch by batch, so it can checkpoint every N steps and
resume exactly where the last complete checkpoint was written: epoch, step
within the epoch, optimizer states, learning-rate and loss-weight schedule
phases (callbacks are told the right epoch), image pools, random-generator
states and the position in the data.

The arguments of `train` in detail:

**Data order.** `data` is a function `epoch -> tf.data.Dataset` (one
epoch of batches) or a `tf.data.Dataset`. With a function, epoch `e`'s
data is `data(e)`, which must be a pure function of `e`: give every
shuffle and random augmentation an explicit seed derived from the epoch
(e.g. `shuffle(n, seed=base_seed + epoch)`); ops without a seed take
one from a per-process counter and differ after a resume. A resumed or
rolled-back run re-creates the epoch with `data(e)` and skips the
batches already trained (`Dataset.skip`), so it sees exactly the batches
an uninterrupted run would. A plain dataset is iterated once per epoch
like `model.fit` does; after a resume in a new process its iterations
restart at the dataset's first order, so the data order is then exact
only for datasets that give the same order on every iteration.

**Checkpoints** (`CheckpointManager` in `run_dir/checkpoints`) are
written at the start of a fresh run, every `save_every_steps` batches,
at the end of every `save_every_epochs`-th epoch and at the last epoch,
and on SIGINT/SIGTERM (after the running step), keeping the newest
`keep`. A checkpoint is never written with non-finite losses or weights.
The folder is probed (write + fsync, free space for one checkpoint) at
start-up, and a failing save raises `CheckpointError` naming it.

**Resume** (`resume=True`): restores the newest complete checkpoint
(complete = manifest written, sizes and SHA-256 checksums right) and
continues at its epoch and step. `run_dir/events.jsonl` records starts,
resumes, checkpoints, non-finite losses and rollbacks.

**Non-finite losses** are checked after every step, on every logged
value. `on_nan="stop"` raises `NonFiniteLossError` naming the losses and
the step. `on_nan="rollback"` restores the newest complete checkpoint
and continues from it, *skipping the offending batch* (its position is
stored in later checkpoints, so a resume skips it too); learning rates
and loss weights are not changed. After `max_rollbacks` rollbacks the
next non-finite loss raises.

Callbacks get Keras' calls: `on_train_begin`, `on_epoch_begin(epoch)`
with the true 0-based epoch (also when resuming mid-epoch),
`on_train_batch_begin/end(step)` with the step's index in its epoch, and
`on_epoch_end` with the epoch's mean losses (exact after a mid-epoch
resume: the running sums are checkpointed). The step's own loss values
are checked for NaN; the logs passed to `on_train_batch_end` are running
means, as in `fit`.

**Seed.** `seed` calls `keras_gans.utils.set_seed(seed)` at the start (which
also enables TensorFlow op determinism) and is recorded in the checkpoints (a
resume with another seed warns). Seed the model's construction yourself (call
`set_seed` before building it).

**Signals.** With `handle_signals=True`, on SIGINT/SIGTERM (main thread only)
`train` finishes the running step, saves a checkpoint, then raises
`KeyboardInterrupt` / `SystemExit(143)`; a second signal acts at once.
"""

import contextlib
import json
import os
import signal
import threading
import time
import warnings

import keras
import numpy as np
import tensorflow as tf

from keras_gans._checks import check_int
from keras_gans.models.backends import run_train_step
from keras_gans.training.checkpoint import (
    CheckpointError,
    CheckpointManager,
)
from keras_gans.training.guards import (
    NonFiniteLossError,
    nonfinite_logs,
    nonfinite_variables,
)
from keras_gans.utils import set_seed

ON_NAN = ("stop", "rollback")


def train(
    model,
    data,
    *,
    epochs,
    run_dir,
    save_every_steps=None,
    save_every_epochs=1,
    keep=3,
    resume=True,
    on_nan="stop",
    max_rollbacks=3,
    seed=None,
    callbacks=None,
    steps_per_epoch=None,
    handle_signals=True,
    verbose=1,
):
    """Train `model` for `epochs` epochs with checkpoints, resume and NaN guards.

    The data order, checkpoints, resume, non-finite losses, seed, signals and
    callbacks are described in the `keras_gans.training.fit` module docstring.

    Args:
        model: `keras.Model`. A compiled model with a `train_step` (e.g. a
            keras_gans `CycleGAN`); built here from the data's shapes if needed.
        data: callable or `tf.data.Dataset`. `data(epoch)` returns the finite,
            batched dataset of one epoch; or one dataset used for every epoch.
        epochs: int. Total number of epochs (also when resuming).
        run_dir: str. Folder of the run: `checkpoints/`, `events.jsonl`, `.lock`.
        save_every_steps: int or None. Also checkpoint every N batches.
            Defaults to `None`.
        save_every_epochs: int. Checkpoint at the end of every N-th epoch
            (and always after the last one). Defaults to `1`.
        keep: int. Complete checkpoints kept. Defaults to `3`.
        resume: bool. Continue from the newest complete checkpoint in `run_dir`;
            with `False`, existing checkpoints are an error. Defaults to `True`.
        on_nan: str. `"stop"` or `"rollback"`. Defaults to `"stop"`.
        max_rollbacks: int. Rollbacks allowed (counted across resumes). Defaults to `3`.
        seed: int or None. Passed to `keras_gans.utils.set_seed`. Defaults to `None`.
        callbacks: list of `keras.callbacks.Callback` or None. Defaults to `None`.
        steps_per_epoch: int or None. Batches per epoch (required for infinite
            datasets; otherwise the dataset's length). Defaults to `None`.
        handle_signals: bool. Checkpoint and exit on SIGINT/SIGTERM. Defaults to `True`.
        verbose: int. 0 silent, 1 progress bar, 2 one line per epoch. Defaults to `1`.

    Returns:
        The `keras.callbacks.History` of the epochs run by this call, with extra
        attributes `resumed_from` (the restored `Checkpoint` or None),
        `last_checkpoint` and `rollbacks` (list of dicts).

    Example:
    ```python
    import tempfile
    import numpy as np
    import tensorflow as tf
    import keras_gans
    from keras_gans import networks
    from keras_gans.training import train

    keras_gans.utils.set_seed(0)
    nets = [networks.create("resnet_6blocks", ngf=4, n_blocks=1) for _ in "GF"]
    nets += [networks.create("patchgan", ndf=4, n_layers=1) for _ in "AB"]
    model = keras_gans.CycleGAN(*nets, pool_size=4, seed=0)  # G, F, D_A, D_B
    model.compile()
    a, b = np.random.uniform(-1, 1, (2, 8, 16, 16, 3)).astype("float32")

    def data(epoch):  # a pure function of the epoch
        ds = tf.data.Dataset.from_tensor_slices((a, b))
        return ds.shuffle(8, seed=epoch).batch(2)

    run_dir = tempfile.mkdtemp()  # killed half-way? The same call resumes:
    train(model, data, epochs=2, run_dir=run_dir, save_every_steps=2, seed=0, verbose=0)
    ```
    """
    arguments = dict(locals())  # first, while it holds the arguments only
    _check_args(arguments)
    run_dir, manager = _open_run(run_dir, keep)
    with _RunLock(run_dir), _SignalCatcher(enabled=handle_signals) as signals:
        return _runner(arguments, run_dir, manager).run(resume=resume, signals=signals)


def _open_run(run_dir, keep):
    """`(run_dir, manager)`: the absolute folder and its probed `CheckpointManager`."""
    run_dir = os.path.abspath(os.fspath(run_dir))
    manager = CheckpointManager(os.path.join(run_dir, "checkpoints"), keep=keep)
    # Fail fast on an unwritable folder, before anything else.
    manager.probe()
    return run_dir, manager


def _runner(arguments, run_dir, manager):
    """The `_Runner` of a `train` call with these `arguments`."""
    own = ("keep", "resume", "handle_signals")  # used by `train` itself
    options = {k: v for k, v in arguments.items() if k not in own}
    return _Runner(**{**options, "run_dir": run_dir, "manager": manager})


class _Runner:
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)
        self.events_path = os.path.join(self.run_dir, "events.jsonl")
        self._events_warned = False

    # === Set-up ===

    def _dataset(self, epoch):
        cached = getattr(self, "_cached_dataset", None)
        self._cached_dataset = None
        if cached is not None and cached[0] == epoch:
            return cached[1]
        if isinstance(self.data, tf.data.Dataset):
            ds = self.data
        else:
            # No `tf.random.set_seed` here: it clears TensorFlow's caches, and
            # the next step then re-instantiates the whole train function.
            ds = self.data(epoch)
            if not isinstance(ds, tf.data.Dataset):
                raise ValueError(
                    "`data(epoch)` must return a tf.data.Dataset. "
                    f"Received for epoch {epoch}: {ds!r}"
                )
        if self.steps_per_epoch is not None:
            ds = ds.take(self.steps_per_epoch)
        elif int(ds.cardinality()) == int(tf.data.INFINITE_CARDINALITY):
            raise ValueError(
                "The dataset of an epoch is infinite (e.g. `repeat()`): pass "
                "`steps_per_epoch`, or give one epoch of data."
            )
        return ds

    def _prepare_model(self, ds):
        model = self.model
        spec = ds.element_spec
        if not model.built:
            if hasattr(model, "gan_optimizers"):
                # keras_gans models build from the data's shapes (as their fit).
                model.build(_spec_shapes(spec))
            else:
                # What `fit` does for other models (Keras-private, no public
                # equivalent): build from symbolic inputs of the data's spec.
                model._symbolic_build(data_batch=spec)
        optimizer = getattr(model, "optimizer", None)
        if optimizer is not None and not optimizer.built:
            # Built before a restore, or its saved state would be skipped.
            optimizer.build(model.trainable_variables)
        model.make_train_function()

    def _required_bytes(self):
        total = 0
        variables = list(self.model.variables)
        optimizers = dict(getattr(self.model, "gan_optimizers", None) or {})
        if getattr(self.model, "optimizer", None) is not None:
            optimizers["optimizer"] = self.model.optimizer
        for opt in optimizers.values():
            variables += list(opt.variables)
        for v in variables:
            try:
                itemsize = np.dtype(v.dtype).itemsize
            except TypeError:
                itemsize = 4
            total += int(np.prod(v.shape)) * itemsize
        # Weights + optimizer state, plus config, zip and h5 overhead.
        return int(total * 1.2) + (64 << 10)

    # === Main loop ===

    def run(self, resume, signals):
        if self.seed is not None:
            set_seed(self.seed)
        manager = self.manager
        latest = manager.latest() if resume else None
        if not resume and manager.checkpoints():
            raise ValueError(
                f"{manager.directory!r} already holds checkpoints; pass resume=True "
                "to continue that run, or use a new run_dir."
            )
        first_epoch = min(latest.epoch if latest is not None else 0, self.epochs - 1)
        first_ds = self._dataset(first_epoch)
        # Not iterated here: reused as is by the epoch loop (a reshuffling
        # dataset gives a new order on each iteration).
        self._cached_dataset = (first_epoch, first_ds)
        self._prepare_model(first_ds)
        manager.probe(required_bytes=self._required_bytes())
        removed = manager.cleanup()
        if removed:
            self._event("cleanup", removed=removed)

        self.skipped = set()
        self._last_step = (0, 0, 0)
        self.rollbacks = []
        self.rollback_count = 0
        if latest is not None:
            self._restore(latest)
            self._event("resume", **_where(latest))
            if self.verbose:
                print(
                    f"Resuming from {latest.name} (epoch {latest.epoch}, step "
                    f"{latest.step}, global step {latest.global_step})."
                )
        else:
            self.position = _Position(0, 0, 0, {}, 0)
            if nonfinite_variables(self.model):
                raise ValueError(
                    "The model has non-finite initial weights: "
                    f"{nonfinite_variables(self.model)[:5]}"
                )
            self.last_checkpoint = self._save(epoch_end=False)
            self._event("start", seed=self.seed, epochs=self.epochs)

        own = getattr(self.model, "with_model_callbacks", None)
        callbacks = keras.callbacks.CallbackList(
            own(self.callbacks) if own else self.callbacks,
            add_history=True,
            add_progbar=self.verbose != 0,
            verbose=self.verbose,
            epochs=self.epochs,
            steps=self.steps_per_epoch or _cardinality(first_ds),
            model=self.model,
        )
        self.model.stop_training = False
        callbacks.on_train_begin()
        logs = None
        while True:
            try:
                logs = self._run_epochs(callbacks, signals)
                break
            except _NonFinite as bad:
                self._handle_nonfinite(bad)
        self._event("done", **self.position.where())
        callbacks.on_train_end(logs)
        history = self.model.history
        history.resumed_from = latest
        history.last_checkpoint = self.last_checkpoint
        history.rollbacks = list(self.rollbacks)
        return history

    def _run_epochs(self, callbacks, signals):
        model = self.model
        pos = self.position
        epoch_logs = None
        strategy = getattr(model, "distribute_strategy", None)
        for epoch in range(pos.epoch, self.epochs):
            ds = self._dataset(epoch)
            length = _cardinality(ds)
            start = pos.step if epoch == pos.epoch else 0
            if start == 0:
                pos.sums, pos.count = {}, 0
            if start:
                ds = ds.skip(start)
            if strategy is not None and strategy.num_replicas_in_sync > 1:
                ds = strategy.experimental_distribute_dataset(ds)
            pos.epoch, pos.step = epoch, start
            model.reset_metrics()
            callbacks.on_epoch_begin(epoch)
            for batch in ds:
                step = pos.step
                if (epoch, step) not in self.skipped:
                    callbacks.on_train_batch_begin(step)
                    model.reset_metrics()
                    values = _to_python(run_train_step(model, batch))
                    bad = nonfinite_logs(values)
                    if bad:
                        raise _NonFinite(bad, epoch, step, pos.global_step)
                    pos.add(values)
                    self._last_step = (epoch, step, pos.global_step)
                    pos.step += 1
                    pos.global_step += 1
                    callbacks.on_train_batch_end(step, pos.means())
                else:
                    pos.step += 1
                    pos.global_step += 1
                last_of_epoch = length is not None and pos.step >= length
                if signals.received is not None:
                    self._save_and_exit(signals.received)
                if (
                    self.save_every_steps
                    and pos.global_step % self.save_every_steps == 0
                    and not last_of_epoch
                ):
                    self.last_checkpoint = self._save(epoch_end=False)
                if model.stop_training:
                    break
            epoch_logs = pos.means()
            callbacks.on_epoch_end(epoch, epoch_logs)
            finished = length is None or pos.step >= length
            if model.stop_training and not finished:
                self.last_checkpoint = self._save(epoch_end=False)
                break
            pos.epoch, pos.step, pos.sums, pos.count = epoch + 1, 0, {}, 0
            if (epoch + 1) % self.save_every_epochs == 0 or epoch + 1 == self.epochs:
                self.last_checkpoint = self._save(epoch_end=True)
            elif signals.received is not None:
                self._save_and_exit(signals.received)
            if model.stop_training:
                break
        return epoch_logs

    # === Checkpoints ===

    def _save(self, epoch_end):
        pos = self.position
        bad_vars = nonfinite_variables(self.model)
        if bad_vars:
            # Finite losses but broken weights: blame the last trained batch.
            epoch, step, global_step = self._last_step
            raise _NonFinite(
                {bad_vars[0]: float("nan")}, epoch, step, global_step, kind="weights"
            )
        state = {
            "trainer": {
                "epoch_sums": pos.sums,
                "epoch_count": pos.count,
                "skipped": sorted([list(s) for s in self.skipped]),
                "rollback_count": self.rollback_count,
                "seed": self.seed,
                "epochs": self.epochs,
            }
        }
        ckpt = self.manager.save(
            self.model,
            epoch=pos.epoch,
            step=pos.step,
            global_step=pos.global_step,
            epoch_end=epoch_end,
            state=state,
        )
        self._event("checkpoint", name=ckpt.name, **_where(ckpt))
        return ckpt

    def _restore(self, ckpt):
        self.manager.restore(self.model, ckpt)
        trainer = ckpt.read_state().get("extra", {}).get("trainer", {})
        saved_seed = trainer.get("seed")
        if saved_seed != self.seed:
            warnings.warn(
                f"{ckpt.name} was written by a run with seed={saved_seed}, this run "
                f"has seed={self.seed}: the data order after the resume differs.",
                stacklevel=3,
            )
        self.skipped = {tuple(s) for s in trainer.get("skipped", [])}
        self.rollback_count = int(trainer.get("rollback_count", 0))
        self.position = _Position(
            ckpt.epoch,
            ckpt.step,
            ckpt.global_step,
            dict(trainer.get("epoch_sums", {})),
            int(trainer.get("epoch_count", 0)),
        )
        self.last_checkpoint = ckpt

    def _handle_nonfinite(self, bad):
        latest = self.manager.latest()
        where = {"epoch": bad.epoch, "step": bad.step, "global_step": bad.global_step}
        self._event(
            "nonfinite",
            kind=bad.kind,
            values={k: repr(v) for k, v in bad.values.items()},
            **where,
        )
        can_roll_back = (
            self.on_nan == "rollback"
            and latest is not None
            and self.rollback_count < self.max_rollbacks
        )
        if not can_roll_back:
            if self.on_nan == "rollback" and latest is not None:
                detail = (
                    f"Gave up after {self.rollback_count} rollback(s) "
                    f"(max_rollbacks={self.max_rollbacks})."
                )
            elif self.on_nan == "stop":
                detail = (
                    "Training stopped (on_nan='stop'); resume from the checkpoint, "
                    "or use on_nan='rollback' to skip the batch."
                )
            else:
                detail = "No checkpoint to roll back to."
            raise NonFiniteLossError(
                bad.values,
                epoch=bad.epoch,
                step=bad.step,
                global_step=bad.global_step,
                checkpoint=latest.name if latest else None,
                detail=detail,
                kind=bad.kind,
            ) from None
        # Batches skipped and rollbacks made since that checkpoint still count.
        skipped, count = set(self.skipped), self.rollback_count + 1
        self._restore(latest)
        self.skipped |= skipped | {(bad.epoch, bad.step)}
        self.rollback_count = max(count, self.rollback_count)
        record = {
            "values": dict(bad.values),
            **where,
            "restored": latest.name,
            "rollback": self.rollback_count,
        }
        self.rollbacks.append(record)
        shown = {k: repr(v) for k, v in bad.values.items()}
        self._event("rollback", **{**record, "values": shown})
        warnings.warn(
            f"Non-finite {bad.kind} {bad.values} at global step "
            f"{bad.global_step} (epoch {bad.epoch}, step {bad.step}): rolled "
            f"back to {latest.name} and "
            f"skipping that batch (rollback {self.rollback_count} of at most "
            f"{self.max_rollbacks}).",
            stacklevel=2,
        )

    def _save_and_exit(self, signum):
        ckpt = self._save(epoch_end=False)
        self.last_checkpoint = ckpt
        self._event("interrupted", signal=int(signum), name=ckpt.name)
        if self.verbose:
            print(f"Signal {int(signum)}: saved {ckpt.name}; resume to continue.")
        if signum == signal.SIGINT:
            raise KeyboardInterrupt(f"Interrupted; saved checkpoint {ckpt.name}.")
        raise SystemExit(128 + int(signum))

    def _event(self, event, **fields):
        record = {"time": time.strftime("%Y-%m-%dT%H:%M:%S"), "event": event, **fields}
        try:
            with open(self.events_path, "a", encoding="utf-8") as f:
                f.write(json.dumps(record, default=str) + "\n")
        except OSError as e:
            if not self._events_warned:
                self._events_warned = True
                warnings.warn(
                    f"Could not write {self.events_path!r}: {e}", stacklevel=2
                )


class _Position:
    """Where training is: the next batch is batch `step` of `epoch`."""

    def __init__(self, epoch, step, global_step, sums, count):
        self.epoch = epoch
        self.step = step
        self.global_step = global_step
        self.sums = sums
        self.count = count

    def add(self, values):
        for name, value in values.items():
            if isinstance(value, float):
                self.sums[name] = self.sums.get(name, 0.0) + value
        self.count += 1

    def means(self):
        if not self.count:
            return {}
        return {name: total / self.count for name, total in self.sums.items()}

    def where(self):
        return {"epoch": self.epoch, "step": self.step, "global_step": self.global_step}


class _NonFinite(Exception):
    def __init__(self, values, epoch, step, global_step, kind="loss"):
        super().__init__(values)
        self.kind = kind
        self.values = values
        self.epoch = epoch
        self.step = step
        self.global_step = global_step


class _RunLock:
    """An exclusive lock on `run_dir/.lock` (released by the OS on kill -9)."""

    def __init__(self, run_dir):
        self.path = os.path.join(run_dir, ".lock")
        self._file = None

    def __enter__(self):
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks, single writer assumed
            return self
        self._file = open(self.path, "a+")  # noqa: SIM115 - held while training
        try:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            self._file.close()
            self._file = None
            raise CheckpointError(
                f"Another process is training in {os.path.dirname(self.path)!r} "
                f"(it holds {self.path!r}); one run per folder.",
                errno=e.errno,
            ) from e
        return self

    def __exit__(self, *exc):
        if self._file is not None:
            self._file.close()
            self._file = None
        return False


class _SignalCatcher:
    """Turn the first SIGINT/SIGTERM into a flag checked between steps."""

    SIGNALS = tuple(
        s
        for s in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None))
        if s
    )

    def __init__(self, enabled):
        self.enabled = enabled and threading.current_thread() is threading.main_thread()
        self.received = None
        self._previous = {}

    def _handler(self, signum, frame):
        self.received = signum
        self._restore()  # a second signal acts at once

    def _restore(self):
        for signum, handler in self._previous.items():
            with contextlib.suppress(ValueError, OSError):
                signal.signal(signum, handler)
        self._previous = {}

    def __enter__(self):
        if self.enabled:
            for signum in self.SIGNALS:
                self._previous[signum] = signal.getsignal(signum)
                signal.signal(signum, self._handler)
        return self

    def __exit__(self, *exc):
        self._restore()
        return False


# === Helpers ===


def _check_args(arguments):
    """Raise for an argument of `train` (by name in `arguments`) out of range."""
    model, data = arguments["model"], arguments["data"]
    if not isinstance(model, keras.Model):
        raise ValueError(f"`model` must be a keras.Model. Received: model={model!r}")
    if not getattr(model, "compiled", False):
        raise ValueError(
            f"Compile the model before training. Received an uncompiled "
            f"{model.__class__.__name__}."
        )
    if not (isinstance(data, tf.data.Dataset) or callable(data)):
        raise ValueError(
            "`data` must be a function epoch -> tf.data.Dataset or a "
            f"tf.data.Dataset. Received: data={data!r}"
        )

    for name in ("epochs", "save_every_steps", "save_every_epochs", "keep"):
        check_int(name, arguments[name], allow_none=name == "save_every_steps")
    check_int("steps_per_epoch", arguments["steps_per_epoch"], allow_none=True)
    on_nan, max_rollbacks = arguments["on_nan"], arguments["max_rollbacks"]
    seed = arguments["seed"]
    if on_nan not in ON_NAN:
        raise ValueError(
            f"`on_nan` must be one of {ON_NAN}. Received: on_nan={on_nan!r}"
        )
    check_int("max_rollbacks", max_rollbacks, minimum=0)
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32
    ):
        raise ValueError(
            f"`seed` must be None or an integer in [0, 2**32). Received: seed={seed!r}"
        )


def _spec_shapes(spec):
    if isinstance(spec, tuple) and len(spec) == 1:
        spec = spec[0]
    return tf.nest.map_structure(lambda s: tuple(s.shape), spec)


def _cardinality(ds):
    if ds is None:
        return None
    n = int(ds.cardinality())
    return n if n >= 0 else None


def _to_python(logs):
    out = {}
    for name, value in logs.items():
        array = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
        out[name] = float(array) if array.ndim == 0 else array
    return out


def _where(ckpt):
    return {"epoch": ckpt.epoch, "step": ckpt.step, "global_step": ckpt.global_step}
