"""FID / KID on held-out images during a run, and its best checkpoint.

`keras-gans train --eval-data DIR --eval-every N` adds two callbacks:
`keras_gans.metrics.EvaluationCallback` (FID / KID of the model's inference
generator, the EMA one when the model keeps it, logged as `val_fid` and
`val_kid`) and `BestCheckpoint`, which saves the model as `best.keras` in the
run folder whenever `val_fid` is the lowest seen, and records that score in
`best.json` so that a resumed run keeps it.
"""

import json
import math
import os

import keras

from keras_gans import metrics
from keras_gans.runs.config import save_model, write_json
from keras_gans.runs.data import image_batches

#: The run folder's best checkpoint and the record of its score.
BEST_MODEL = "best.keras"
BEST_RECORD = "best.json"

#: The log keys of the evaluation (`EvaluationCallback`'s defaults).
EVAL_LOGS = ("val_fid", "val_kid")


class BestCheckpoint(keras.callbacks.Callback):
    """Save the model as `best.keras` when `monitor` is the lowest seen.

    Place it after the callback that writes `monitor` into the epoch's logs
    (`keras_gans.metrics.EvaluationCallback`). The best score and its epoch
    are kept in `best.json` next to the model, and read back at the start
    of training, so that a resumed run only replaces `best.keras` with a
    better one. On epochs without an evaluation, the `fill` keys are logged
    as NaN, so that `history.csv` has their columns from the first epoch.
    The checkpoint manager's `keep` does not touch these files.

    Args:
        run_dir: str. The folder of `best.keras` and `best.json`.
        monitor: str. The log key to minimise. Defaults to `"val_fid"`.
        fill: tuple of str. Log keys set to NaN when absent. Defaults to
            `("val_fid", "val_kid")`.

    Example:

    ```python
    import tempfile
    import keras
    import numpy as np
    from keras_gans.runs.best import BestCheckpoint

    x = np.zeros((4, 2), "float32")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    scores = iter([3.0, 1.0, 2.0])
    fid = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: logs.update(val_fid=next(scores))
    )
    best = BestCheckpoint(tempfile.mkdtemp())
    model.fit(x, x[:, :1], epochs=3, verbose=0, callbacks=[fid, best])
    print(best.best)  # {'monitor': 'val_fid', 'value': 1.0, 'epoch': 2}
    ```
    """

    def __init__(self, run_dir, monitor="val_fid", fill=EVAL_LOGS):
        super().__init__()
        self.run_dir = run_dir
        self.monitor = monitor
        self.fill = tuple(fill)
        #: `{"monitor", "value", "epoch"}` of the best checkpoint, or None.
        self.best = None

    @property
    def model_path(self):
        return os.path.join(self.run_dir, BEST_MODEL)

    @property
    def record_path(self):
        return os.path.join(self.run_dir, BEST_RECORD)

    def on_train_begin(self, logs=None):
        self.best = None
        if os.path.isfile(self.record_path) and os.path.isfile(self.model_path):
            with open(self.record_path, encoding="utf-8") as f:
                record = json.load(f)
            if record.get("monitor") == self.monitor:
                self.best = record

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        value = logs.get(self.monitor)
        for key in self.fill:
            logs.setdefault(key, float("nan"))
        if value is None or not math.isfinite(float(value)):
            return
        value = float(value)
        if self.best is not None and value >= self.best["value"]:
            return
        save_model(self.model, self.model_path)
        # The 1-based epoch, as in history.csv's `epoch` + 1 and the samples.
        self.best = {"monitor": self.monitor, "value": value, "epoch": epoch + 1}
        write_json(self.record_path, self.best)


def evaluation_callbacks(config, model, run_dir, feature_extractor=None):
    """The callbacks of a run's `--eval-data`: FID / KID, then `BestCheckpoint`.

    Args:
        config: dict. A run config (`keras_gans.runs.RunConfig`).
        model: the model being trained.
        run_dir: str. The run folder.
        feature_extractor: None or a callable images -> features. Defaults
            to `None` (InceptionV3 with the run's `eval_weights`).

    Returns:
        A list of two callbacks, or an empty list without `eval_data`.

    Example:

    ```python
    import tempfile
    from keras_gans import runs
    from keras_gans.runs.best import evaluation_callbacks

    config = runs.RunConfig.from_preset("dcgan", image_size=16)
    evaluation_callbacks(config, None, tempfile.mkdtemp())  # []: no eval_data
    ```
    """
    folder = config.get("eval_data")
    if not folder:
        return []
    size, batch = config["image_size"], config["batch_size"]
    if feature_extractor is None:
        weights = config["eval_weights"]
        # Random weights are for smoke tests: the smallest input InceptionV3
        # takes (75 px) keeps them fast; real scores use the standard 299 px.
        smoke = weights == "none"
        feature_extractor = metrics.InceptionFeatures(
            weights=None if smoke else weights, image_size=75 if smoke else 299
        )
    options = dict(
        every_n_epochs=config["eval_every"],
        feature_extractor=feature_extractor,
        batch_size=batch,
    )
    if config["model"] == "dcgan":  # model.generate: the EMA generator if any
        evaluation = metrics.EvaluationCallback(
            image_batches(folder, size, batch), **options
        )
    else:
        source, target = ("testA", "testB")
        if config.get("direction") == "BtoA":
            source, target = target, source

        def translate(images):
            return model.inference_generator()(images, training=False)

        evaluation = metrics.EvaluationCallback(
            image_batches(os.path.join(folder, target), size, batch),
            image_batches(os.path.join(folder, source), size, batch),
            model_fn=translate,
            **options,
        )
    return [evaluation, BestCheckpoint(run_dir)]
