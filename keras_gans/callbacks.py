"""Callbacks for the keras_gans models: schedules, sample grids, loss plots.

They work on any `keras_gans.models.base.GANModel` (CycleGAN, DCGAN):

- `LossWeightScheduler`: switch loss coefficients at given epochs;
- `LinearDecay`: the paper's learning-rate schedule on *all* the model's
  optimizers (Keras' `LearningRateScheduler` only knows `model.optimizer`);
- `SampleGridLogger`: image grids as PNG files and TensorBoard images;
- `LossPlotter`: a PNG of the loss curves;
- `SampleDiversity`: a mode-collapse signal of a noise-to-image GAN (DCGAN)
  logged every epoch (`sample_diversity`);
- `EMAStatistics`: batch-norm statistics of a DCGAN's EMA generator for
  its own weights, every epoch;
- `ResumableLossPlotter`: a `LossPlotter` that keeps a resumed run's earlier
  epochs (from its `history.csv`);
- `EventFileLogger`: TensorBoard scalars and sample grids with TensorFlow
  alone (no `tensorboard` package).
- `from_preset(name)`: the callbacks that carry out a preset's schedule.

The schedules are functions of the epoch number only, so they give the
same values after a `keras.callbacks.BackupAndRestore` resume.
"""

import csv
import math
import os

import keras
import numpy as np

from keras_gans import imaging, presets
from keras_gans._checks import check_int


def _check_model(model, callback):
    if not hasattr(model, "gan_optimizers"):
        raise ValueError(
            f"{callback} needs a keras_gans GAN model (CycleGAN, DCGAN). "
            f"Received: {model.__class__.__name__}"
        )


@keras.saving.register_keras_serializable(package="keras_gans")
class LossWeightScheduler(keras.callbacks.Callback):
    """Set the model's loss coefficients from an epoch schedule.

    At the start of epoch `e` (0-based, as in Keras) the coefficients are the
    model's constructor values (`model.initial_loss_weights`) updated by
    every schedule entry with key `<= e`, in epoch order. Being a function of
    the epoch, the result is right after a resume. The coefficients are
    variables, so the train step is not retraced.

    Args:
        schedule: dict. `{epoch: {name: weight}}`; names are the model's
            coefficients (CycleGAN: `"gan"`, `"cycle"`, `"identity"`, the
            constructor's `lambda_*`).
        verbose: int. `1` prints each change. Defaults to `0`.

    Example:

    ```python
    from keras_gans.callbacks import LossWeightScheduler

    # Seed 000: [identity 0.5, GAN 1, cycle 10], then [0.5, 1.5, 12].
    scheduler = LossWeightScheduler({50: {"gan": 1.5, "cycle": 12.0}})
    scheduler.weights_at(60, {"gan": 1.0, "cycle": 10.0, "identity": 0.5})
    ```
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not isinstance(schedule, dict):
            raise ValueError(
                "`schedule` must be a dict {epoch: {name: weight}}. "
                f"Received: schedule={schedule!r}"
            )
        clean = {}
        for epoch, weights in schedule.items():
            try:
                epoch_int = int(epoch)  # JSON configs have str keys
            except (TypeError, ValueError):
                epoch_int = -1
            if epoch_int < 0 or not isinstance(weights, dict):
                raise ValueError(
                    "`schedule` keys must be epochs >= 0 and values dicts of "
                    f"weights. Received: {epoch!r}: {weights!r}"
                )
            for name, value in weights.items():
                if (
                    isinstance(value, bool)
                    or not isinstance(value, int | float)
                    or value < 0
                ):
                    raise ValueError(
                        f"Loss weights must be non-negative numbers. Received: "
                        f"schedule[{epoch!r}][{name!r}]={value!r}"
                    )
            clean[epoch_int] = {k: float(v) for k, v in weights.items()}
        self.schedule = dict(sorted(clean.items()))
        self.verbose = verbose

    def weights_at(self, epoch, initial):
        """The coefficients at the start of `epoch`, from `initial` ones.

        Args:
            epoch: int. 0-based epoch.
            initial: dict. Name -> the value before any schedule entry.

        Returns:
            A dict name -> float.
        """
        weights = dict(initial)
        for start, entry in self.schedule.items():
            if start <= epoch:
                weights.update(entry)
        return weights

    def on_train_begin(self, logs=None):
        _check_model(self.model, "LossWeightScheduler")
        valid = set(self.model.gan_loss_weights)
        for epoch, entry in self.schedule.items():
            unknown = sorted(set(entry) - valid)
            if unknown:
                raise ValueError(
                    f"LossWeightScheduler: unknown loss weight(s) {unknown} at epoch "
                    f"{epoch}. Valid names: {sorted(valid)}"
                )

    def on_epoch_begin(self, epoch, logs=None):
        weights = self.weights_at(epoch, self.model.initial_loss_weights)
        current = {k: float(v.numpy()) for k, v in self.model.gan_loss_weights.items()}
        self.model.set_loss_weights(**weights)
        if self.verbose and weights != current:
            print(f"Epoch {epoch + 1}: loss weights {weights}")

    def get_config(self):
        return {"schedule": self.schedule, "verbose": self.verbose}


@keras.saving.register_keras_serializable(package="keras_gans")
class LinearDecay(keras.callbacks.Callback):
    """Constant learning rates, then a linear decay to 0 (the paper's rule).

    For every optimizer in `model.gan_optimizers`, at the start of epoch `e`
    (0-based):

    ```
    lr(e) = base_lr * (1 - max(0, e + 1 - start_epoch) / (end_epoch - start_epoch + 1))
    ```

    so epochs `0 .. start_epoch - 1` use `base_lr` and the rate reaches 0 at
    epoch `end_epoch` (the paper: `start_epoch=100, end_epoch=200`, the
    official code's `n_epochs=100, n_epochs_decay=100` with `lr_policy`
    `"linear"`). `base_lr` is `model.base_learning_rates[name]`, recorded by
    `compile` and saved with the model, so a reloaded or resumed model gets
    the same rates.

    Args:
        start_epoch: int. Epochs at the base rate. Defaults to `100`.
        end_epoch: int. Epoch at which the rate reaches 0. Defaults to
            `200`.
        verbose: int. `1` prints the factor at each epoch. Defaults to `0`.

    Example:

    ```python
    from keras_gans.callbacks import LinearDecay

    decay = LinearDecay(start_epoch=100, end_epoch=200)
    decay.factor(99), decay.factor(100), decay.factor(199)  # 1.0, 0.990, 0.0099
    ```
    """

    def __init__(self, start_epoch=100, end_epoch=200, verbose=0):
        super().__init__()
        check_int("start_epoch", start_epoch, minimum=0)
        check_int("end_epoch", end_epoch, minimum=0)
        if end_epoch <= start_epoch:
            raise ValueError(
                "`end_epoch` must be greater than `start_epoch`. Received: "
                f"start_epoch={start_epoch}, end_epoch={end_epoch}"
            )
        self.start_epoch = start_epoch
        self.end_epoch = end_epoch
        self.verbose = verbose

    def factor(self, epoch):
        """The learning-rate multiplier at the start of 0-based `epoch`."""
        decayed = max(0, epoch + 1 - self.start_epoch)
        return max(0.0, 1.0 - decayed / float(self.end_epoch - self.start_epoch + 1))

    def on_train_begin(self, logs=None):
        _check_model(self.model, "LinearDecay")
        if not self.model.gan_optimizers:
            raise ValueError("LinearDecay: compile the model before fit().")
        for name, opt in self.model.gan_optimizers.items():
            if not isinstance(opt.learning_rate, keras.Variable):
                raise ValueError(
                    f"LinearDecay: the {name!r} optimizer has a learning-rate "
                    "schedule; LinearDecay needs a constant learning rate."
                )

    def on_epoch_begin(self, epoch, logs=None):
        factor = self.factor(epoch)
        bases = self.model.base_learning_rates
        for name, opt in self.model.gan_optimizers.items():
            opt.learning_rate.assign(float(bases[name].numpy()) * factor)
        if self.verbose:
            print(f"Epoch {epoch + 1}: learning-rate factor {factor:.4f}")

    def get_config(self):
        return {
            "start_epoch": self.start_epoch,
            "end_epoch": self.end_epoch,
            "verbose": self.verbose,
        }


class SampleGridLogger(keras.callbacks.Callback):
    """Write a grid of samples as PNG (`epoch_0001.png`, ...) and to TensorBoard.

    At the end of every `every_n_epochs`-th epoch, the grid is
    `grid_fn(model, *samples)` when given, else `model.sample_grid(*samples)`:
    for a CycleGAN, `SampleGridLogger(samples_a, samples_b)` gives rows
    input / translation / reconstruction for A -> B -> A and B -> A -> B; a
    model with one input (e.g. a DCGAN's fixed noise) takes
    `SampleGridLogger(noise)`. File numbers are 1-based epochs; TensorBoard
    images are written under `log_dir` with the 1-based epoch as step. A
    grid is written grey (1 channel) or RGB: images of 2 or 4 channels
    composited on white, of more than 4 by their first three
    (`keras_gans.imaging.display_channels`, which `make_grid` applies).

    Args:
        *samples: arrays passed to `sample_grid` (fixed for the whole run,
            so the grids are comparable).
        every_n_epochs: int. Write every n epochs. Defaults to `1`.
        log_dir: str. Output folder (created). Defaults to `"samples"`.
        grid_fn: callable or None. `grid_fn(model, *samples) -> uint8 (H, W,
            C)` replacing `model.sample_grid`. Defaults to `None`.
        tensorboard: bool. Also write TensorBoard image summaries. Defaults
            to `True`.
        tag: str. TensorBoard image tag. Defaults to `"samples"`.

    Example:

    ```python
    import numpy as np
    from keras_gans.callbacks import SampleGridLogger

    a = np.zeros((4, 64, 64, 3), "float32")
    b = np.zeros((4, 64, 64, 3), "float32")
    logger = SampleGridLogger(a, b, every_n_epochs=5, log_dir="runs/samples")
    # model.fit(ds, epochs=20, callbacks=[logger])
    ```
    """

    def __init__(
        self,
        *samples,
        every_n_epochs=1,
        log_dir="samples",
        grid_fn=None,
        tensorboard=True,
        tag="samples",
    ):
        super().__init__()
        if not samples:
            raise ValueError("SampleGridLogger needs at least one array of samples.")
        check_int("every_n_epochs", every_n_epochs)
        if grid_fn is not None and not callable(grid_fn):
            raise ValueError(
                f"`grid_fn` must be callable. Received: grid_fn={grid_fn!r}"
            )
        self.samples = samples
        self.every_n_epochs = every_n_epochs
        self.log_dir = os.fspath(log_dir)
        self.grid_fn = grid_fn
        self.tensorboard = tensorboard
        self.tag = tag
        self._writer = None

    def make_grid(self):
        """The current grid (uint8 `(H, W, 1 or 3)`), without writing it."""
        if self.grid_fn is not None:
            grid = self.grid_fn(self.model, *self.samples)
        else:
            grid = self.model.sample_grid(*self.samples)
        grid = np.asarray(grid)
        if grid.dtype != np.uint8 or grid.ndim != 3:
            raise ValueError(
                "The sample grid must be a uint8 (H, W, C) array. Received "
                f"dtype={grid.dtype}, shape={grid.shape}"
            )
        return imaging.display_channels(grid)

    def on_train_begin(self, logs=None):
        os.makedirs(self.log_dir, exist_ok=True)
        if self.tensorboard and self._writer is None:
            import tensorflow as tf

            self._writer = tf.summary.create_file_writer(self.log_dir)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            return
        from PIL import Image

        grid = self.make_grid()
        path = os.path.join(self.log_dir, f"epoch_{epoch + 1:04d}.png")
        Image.fromarray(grid[..., 0] if grid.shape[-1] == 1 else grid).save(path)
        if self._writer is not None:
            with self._writer.as_default():
                _write_image_summary(self.tag, grid, step=epoch + 1)
            self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def sample_diversity(images):
    """Mean pairwise RMS distance between images: a mode-collapse signal.

    `d(a, b) = sqrt(mean((a - b) ** 2))` over all pixels and channels of two
    images in [-1, 1], averaged over all pairs `i < j`. It is 0 when all
    images are identical (complete collapse) and at most 2; independent
    uniform noise in [-1, 1] gives about `sqrt(2/3) = 0.82`. Pixel distance
    is a crude measure (two shifted copies of one face are "far"), so compare
    it with the value of a batch of real images, not with a fixed threshold.

    Args:
        images: array `(n, ...)` with `n >= 2`, float in [-1, 1] or uint8
            (scaled to [-1, 1]).

    Returns:
        A Python float.

    Example:

    ```python
    import numpy as np
    from keras_gans.callbacks import sample_diversity

    sample_diversity(np.zeros((4, 8, 8, 3)))  # 0.0 (collapsed)
    sample_diversity(np.random.uniform(-1, 1, (16, 8, 8, 3)))  # ~0.82
    ```
    """
    x = np.asarray(keras.ops.convert_to_numpy(images))
    if x.dtype == np.uint8:
        x = imaging.to_unit_range(x.astype("float64"))
    x = x.reshape(len(x), -1).astype("float64")
    if len(x) < 2:
        raise ValueError(
            "`sample_diversity` needs at least 2 images. "
            f"Received shape: {np.shape(images)}"
        )
    sq = np.sum(x * x, axis=1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * (x @ x.T), 0.0)
    i, j = np.triu_indices(len(x), k=1)
    return float(np.mean(np.sqrt(d2[i, j] / x.shape[1])))


class SampleDiversity(keras.callbacks.Callback):
    """Log how different a GAN's samples from fixed noise are (mode collapse).

    At the end of each epoch, `model.generate(noise=noise)` (inference mode)
    is scored with `sample_diversity` and written into the epoch logs (so it
    is in `History.history` and in the progress bar) as `name`
    (`"diversity"`); with `reference` images (a fixed batch of real ones)
    also `<name>_ratio` = samples' diversity / the reference's. Read it as:
    a ratio near 1 means the samples differ as much as real images do; a
    value that falls steadily, or drops towards 0, while the losses look
    fine is mode collapse (many noise vectors give the same image).

    Args:
        noise: array `(n, latent_dim)`, `n >= 2`: the fixed noise (e.g.
            `model.sample_noise(64, seed=0)`).
        reference: array or None. Real images `(m, H, W, C)`, `m >= 2`, in
            [-1, 1] or uint8. Defaults to `None`.
        name: str. The log key. Defaults to `"diversity"`.

    Example:

    ```python
    import numpy as np
    from keras_gans.callbacks import SampleDiversity

    rng = np.random.default_rng(0)
    noise = rng.standard_normal((64, 100)).astype("float32")
    real_images = rng.uniform(-1, 1, (16, 64, 64, 3))  # a batch of the data
    callback = SampleDiversity(noise, reference=real_images)
    # history = model.fit(ds, epochs=10, callbacks=[callback])
    # history.history["diversity"], history.history["diversity_ratio"]
    ```
    """

    def __init__(self, noise, reference=None, name="diversity"):
        super().__init__()
        noise = np.asarray(keras.ops.convert_to_numpy(noise), dtype="float32")
        if noise.ndim != 2 or len(noise) < 2:
            raise ValueError(
                "`noise` must be an array (n, latent_dim) with n >= 2. "
                f"Received shape: {noise.shape}"
            )
        if not isinstance(name, str) or not name:
            raise ValueError(f"`name` must be a non-empty str. Received: name={name!r}")
        self.noise = noise
        self.name = name
        self.reference_diversity = (
            None if reference is None else sample_diversity(reference)
        )
        if self.reference_diversity == 0.0:
            raise ValueError("The `reference` images are all identical.")

    def on_train_begin(self, logs=None):
        if not callable(getattr(self.model, "generate", None)):
            raise ValueError(
                "SampleDiversity needs a model with `generate(noise=...)` (DCGAN). "
                f"Received: {self.model.__class__.__name__}"
            )

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        value = sample_diversity(self.model.generate(noise=self.noise))
        logs[self.name] = value
        if self.reference_diversity is not None:
            logs[f"{self.name}_ratio"] = value / self.reference_diversity


class EMAStatistics(keras.callbacks.Callback):
    """Give a DCGAN's EMA generator batch-norm statistics of its own weights
    at the end of each epoch (`DCGAN.update_ema_statistics`).

    The EMA generator copies the trained generator's batch-norm statistics
    at every step, and they do not match its averaged weights; run first,
    this callback makes the epoch's samples, scores, checkpoints and the
    model saved after `fit` use statistics of the EMA weights (on the shapes
    demo: `kid_pool8` 0.075 against 0.105 without, docs/quality.md). A
    DCGAN with `ema_decay` adds it by itself (its `ema_statistics` option,
    `fit` and `keras_gans.training.train` put it first); pass one to choose
    `n` and `seed` (it replaces the model's).

    Args:
        n: int. Noise vectors to run. Defaults to `1024`.
        seed: int. Seed of the noise. Defaults to `0`.

    Example:

    ```python
    from keras_gans.callbacks import EMAStatistics, SampleDiversity

    # model = keras_gans.DCGAN.from_preset("cspup_demo")  # ema_decay 0.999
    # model.fit(ds, epochs=8, callbacks=[EMAStatistics(512), SampleDiversity(z)])
    callback = EMAStatistics(n=512)
    ```
    """

    def __init__(self, n=1024, seed=0):
        super().__init__()
        self.n = check_int("n", n)
        self.seed = check_int("seed", seed, minimum=0)

    def on_train_begin(self, logs=None):
        if not getattr(self.model, "ema_decay", None) or not callable(
            getattr(self.model, "sample_noise", None)
        ):
            raise ValueError(
                "EMAStatistics needs a DCGAN built with `ema_decay`. Received: "
                f"{self.model.__class__.__name__} with ema_decay="
                f"{getattr(self.model, 'ema_decay', None)!r}"
            )

    def on_epoch_end(self, epoch, logs=None):
        self.model.update_ema_statistics(self.n, seed=self.seed)


def _write_image_summary(tag, image, step):
    """A TensorBoard image summary, without needing the tensorboard package.

    Writes what `tf.summary.image` writes (the "images" plugin format: a
    string tensor `[width, height, png]`), through the core
    `tf.summary.write`, so that logging works when only tensorflow is
    installed (tf 2.21 does not pull tensorboard in).
    """
    import tensorflow as tf
    from tensorflow.core.framework import summary_pb2

    metadata = summary_pb2.SummaryMetadata()
    metadata.plugin_data.plugin_name = "images"
    metadata.data_class = summary_pb2.DATA_CLASS_BLOB_SEQUENCE
    image = np.asarray(image)
    if image.ndim == 2:  # a grey PNG read back by PIL (mode "L")
        image = image[..., None]
    height, width = image.shape[:2]
    tensor = tf.stack(
        [tf.as_string(width), tf.as_string(height), tf.io.encode_png(image)]
    )
    return tf.summary.write(tag, tensor, step=step, metadata=metadata)


@keras.saving.register_keras_serializable(package="keras_gans")
class LossPlotter(keras.callbacks.Callback):
    """Plot the logged losses to a PNG at the end of each epoch.

    Two panels: discriminator values (keys starting with `d_`) and the rest
    (generator terms); validation values (`val_*`) dashed in the colour of
    their training curve. It plots the epochs of the current `fit` call
    (after a resume, from the resumed epoch on).

    Args:
        path: str. The PNG file to (over)write. Defaults to
            `"losses.png"`.
        keys: list of str or None. Only these log keys (and their `val_`
            versions); `None` for all. Defaults to `None`.

    Example:

    ```python
    from keras_gans.callbacks import LossPlotter

    plotter = LossPlotter("runs/losses.png")
    # model.fit(ds, epochs=20, callbacks=[plotter])
    ```
    """

    def __init__(self, path="losses.png", keys=None):
        super().__init__()
        self.path = os.fspath(path)
        self.keys = None if keys is None else list(keys)
        self.history = {}
        self.epochs = []

    def on_train_begin(self, logs=None):
        self.history = {}
        self.epochs = []

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epochs.append(epoch + 1)
        for key, value in logs.items():
            base = key[4:] if key.startswith("val_") else key
            if self.keys is not None and base not in self.keys:
                continue
            try:
                value = float(value)
            except (TypeError, ValueError):
                continue
            series = self.history.setdefault(key, [np.nan] * (len(self.epochs) - 1))
            series.append(value)
        for series in self.history.values():  # keys missing this epoch
            if len(series) < len(self.epochs):
                series.append(np.nan)
        self.plot()

    def plot(self):
        """Write the PNG from `self.history` (called every epoch)."""
        from matplotlib.figure import Figure  # no pyplot: no global backend

        fig = Figure(figsize=(11, 4), layout="constrained")
        ax_g, ax_d = fig.subplots(1, 2)
        colors = {}
        for key in sorted(self.history):
            base = key[4:] if key.startswith("val_") else key
            ax = ax_d if base.startswith("d_") else ax_g
            color = colors.setdefault(base, f"C{len(colors) % 10}")
            ax.plot(
                self.epochs,
                self.history[key],
                linestyle="--" if key.startswith("val_") else "-",
                marker="." if len(self.epochs) < 30 else None,
                color=color,
                label=key,
            )
        for ax, title in ((ax_g, "generator"), (ax_d, "discriminator")):
            ax.set_title(title)
            ax.set_xlabel("epoch")
            ax.grid(alpha=0.3)
            if ax.lines:
                ax.legend(fontsize=7)
        directory = os.path.dirname(self.path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        fig.savefig(self.path, dpi=100)

    def get_config(self):
        return {"path": self.path, "keys": self.keys}


def _write_scalar_summary(tag, value, step):
    """A TensorBoard scalar (the "scalars" plugin format) through the core
    `tf.summary.write`, like `_write_image_summary`."""
    import tensorflow as tf
    from tensorflow.core.framework import summary_pb2

    metadata = summary_pb2.SummaryMetadata()
    metadata.plugin_data.plugin_name = "scalars"
    value = tf.constant(value, tf.float32)
    return tf.summary.write(tag, value, step=step, metadata=metadata)


@keras.saving.register_keras_serializable(package="keras_gans")
class ResumableLossPlotter(LossPlotter):
    """A `LossPlotter` that also plots the epochs of earlier runs of a resumed
    run, read from the run's `history.csv` (written by `keras.callbacks.CSVLogger`).

    Args:
        path: str. The PNG file to (over)write.
        csv_path: str. The run's CSV log.

    Example:

    ```python
    from keras_gans.callbacks import ResumableLossPlotter

    plotter = ResumableLossPlotter("run/losses.png", "run/history.csv")
    ```
    """

    def __init__(self, path, csv_path):
        super().__init__(path)
        self.csv_path = os.fspath(csv_path)
        self._earlier = None

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self._earlier = _read_history(self.csv_path)

    def on_epoch_begin(self, epoch, logs=None):
        rows, self._earlier = self._earlier or [], None
        for row in rows:
            if int(row["epoch"]) < epoch:
                super().on_epoch_end(int(row["epoch"]), _floats(row))

    def get_config(self):
        return {"path": self.path, "csv_path": self.csv_path}


def _floats(row):
    """The numeric values of a CSV row (Keras writes "NA" for missing ones)."""
    values = {}
    for key, value in row.items():
        if key == "epoch":
            continue
        try:
            values[key] = float(value)
        except (TypeError, ValueError):
            continue
    return {k: v for k, v in values.items() if not math.isnan(v)}


def _read_history(csv_path):
    if not os.path.isfile(csv_path):
        return []
    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    # A resumed run may have logged an epoch twice: keep the last one.
    by_epoch = {}
    for row in rows:
        try:
            by_epoch[int(row["epoch"])] = row
        except (KeyError, ValueError):
            continue
    return [by_epoch[e] for e in sorted(by_epoch)]


class EventFileLogger(keras.callbacks.Callback):
    """TensorBoard event files without the `tensorboard` package.

    At the end of every epoch, writes each logged value as a scalar
    (`epoch_<name>`), the model's loss weights (`loss_weight_<name>`) and
    learning rates (`learning_rate_<optimizer>`), and the epoch's sample
    grid PNG from `samples_dir` (`samples`, as written by
    `SampleGridLogger`), all at step = the 1-based epoch. Only core
    TensorFlow ops are used (`tf.summary.write` with the scalar and image
    plugins' metadata), so TensorBoard reads the files while TensorFlow
    alone writes them.

    Args:
        log_dir: str. The folder of the event files.
        samples_dir: str or None. The folder of `epoch_0001.png`, ...
            Defaults to `None` (no images).

    Example:

    ```python
    from keras_gans.callbacks import EventFileLogger

    logger = EventFileLogger("run/logs", samples_dir="run/samples")
    # model.fit(ds, epochs=2, callbacks=[logger]); tensorboard --logdir run
    ```
    """

    def __init__(self, log_dir, samples_dir=None):
        super().__init__()
        self.log_dir = os.fspath(log_dir)
        self.samples_dir = None if samples_dir is None else os.fspath(samples_dir)
        self._writer = None

    def on_train_begin(self, logs=None):
        import tensorflow as tf

        if self._writer is None:
            self._writer = tf.summary.create_file_writer(self.log_dir)

    def _scalars(self, logs):
        scalars = {}
        for key, value in (logs or {}).items():
            try:
                scalars[f"epoch_{key}"] = float(value)
            except (TypeError, ValueError):
                continue
        model = self.model
        for name, variable in getattr(model, "gan_loss_weights", {}).items():
            scalars[f"loss_weight_{name}"] = float(variable.numpy())
        for name, opt in getattr(model, "gan_optimizers", {}).items():
            scalars[f"learning_rate_{name}"] = float(
                keras.ops.convert_to_numpy(opt.learning_rate)
            )
        return scalars

    def on_epoch_end(self, epoch, logs=None):
        from PIL import Image

        step = epoch + 1
        with self._writer.as_default():
            for tag, value in self._scalars(logs).items():
                _write_scalar_summary(tag, value, step)
            png = None
            if self.samples_dir is not None:
                png = os.path.join(self.samples_dir, f"epoch_{step:04d}.png")
            if png is not None and os.path.isfile(png):
                with Image.open(png) as image:
                    _write_image_summary("samples", np.asarray(image), step)
        self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def from_preset(name):
    """The callbacks that carry out preset `name`'s schedule.

    A `LossWeightScheduler` when the preset switches loss weights, a
    `LinearDecay` when it decays the learning rates
    (`keras_gans.presets.get(name)["schedule"]`).

    Args:
        name: str. A preset name (or an alias, e.g. `"cspup_demo"`).

    Returns:
        A list of `keras.callbacks.Callback` (possibly empty).

    Example:

    ```python
    import keras_gans

    keras_gans.callbacks.from_preset("cyclegan_paper")  # [LinearDecay(100 -> 200)]
    ```
    """
    schedule = presets.get(name)["schedule"]
    result = []
    if schedule.get("loss_weights"):
        result.append(LossWeightScheduler(schedule["loss_weights"]))
    if schedule.get("decay_start_epoch") is not None:
        result.append(
            LinearDecay(schedule["decay_start_epoch"], schedule["decay_end_epoch"])
        )
    return result
