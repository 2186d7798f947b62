"""A callback that logs FID / KID of a generator during `fit`."""

import keras
import numpy as np

from keras_gans._checks import check_int
from keras_gans.metrics._utils import (
    extract_features,
    is_array_like,
    iter_batches,
    to_numpy,
)
from keras_gans.metrics.features import resolve_feature_extractor
from keras_gans.metrics.frechet_inception_distance import FrechetInceptionDistance
from keras_gans.metrics.kernel_inception_distance import KernelInceptionDistance

_METRICS = ("fid", "kid")
_DIRECTIONS = ("ab", "ba")


def _identity(features):
    return features


def _check_reiterable(data, name):
    if data is None or is_array_like(data):
        return
    try:
        iterator = iter(data)
    except TypeError:
        raise TypeError(
            f"`{name}` must be an array, a tensor, a `tf.data.Dataset` or a list "
            f"of batches. Received: {name} of type {type(data).__name__}"
        ) from None
    if iterator is data:
        raise TypeError(
            f"`{name}` is evaluated every few epochs, so it must be re-iterable "
            "(an array, a tensor, a `tf.data.Dataset` or a list of batches), not "
            f"a one-shot iterator. Received: {name} of type {type(data).__name__}"
        )


class EvaluationCallback(keras.callbacks.Callback):
    """Compute FID / KID of generated or translated images every N epochs.

    At the end of every `every_n_epochs`-th epoch the callback makes fake
    images, measures them against `real_images` and writes the values into
    `logs`, so they show in the progress bar, in `History` (`fit(...).history`)
    and in callbacks placed after this one (TensorBoard, CSVLogger,
    ModelCheckpoint / EarlyStopping on `val_fid`). Epochs without an
    evaluation have no such key, as with Keras' `validation_freq`.

    Fake images come from, in order of precedence:
    - `model_fn`: called as `model_fn(source_batch)` for each batch of
      `source_images` (translation), or `model_fn(n)` for `n` new images
      when there are no source images (generation);
    - the model being fit, by duck typing: `model.translate(source_batch,
      direction=direction)` when `source_images` is given (e.g. CycleGAN),
      else `model.generate(n, seed=...)` (e.g. DCGAN), with fixed seeds so
      every evaluation uses the same noise.

    The real images' features are computed once, at the first evaluation, and
    reused. Log keys are `prefix + metric`; the default prefix is `"val_"`
    (`val_fid`, `val_kid`), or with a `direction` the keys are `fid_ab`,
    `kid_ab` (`fid_ba`, ...).

    Args:
        real_images: array/tensor (N, H, W, C), `tf.data.Dataset` of batches or
            list of batches: real images of the target domain, in [-1, 1] or
            uint8. Must be re-iterable.
        source_images: None or the same kinds: images to translate (domain A
            for `direction="ab"`). None means generation. Defaults to `None`.
        model_fn: None or a callable making fake images (see above).
            Defaults to `None` (use the model's `translate` / `generate`).
        direction: None, `"ab"` or `"ba"`: passed to `model.translate` and
            used in the log keys. Required for `translate`. Defaults to `None`.
        every_n_epochs: int. Evaluate after epochs N, 2N, ... Defaults to `1`.
        metrics: sequence of `"fid"`, `"kid"`. Defaults to `("fid", "kid")`.
        feature_extractor: None, `"inception"` or a callable batch -> (N, D)
            features, shared by both metrics. Defaults to `None`
            (`InceptionFeatures()`, ImageNet weights).
        prefix: None or str. Prefix of the log keys (see above).
            Defaults to `None`.
        num_samples: None or int. In generation mode, the number of images to
            generate; None = as many as real images. Defaults to `None`.
        batch_size: int. Batch size for splitting arrays and for generation.
            Defaults to `32`.
        kid_subsets: int. KID subsets. Defaults to `100`.
        kid_subset_size: int. KID subset size (clipped to the sample size).
            Defaults to `1000`.
        seed: int. Seed of the generation noise and of KID's subsets.
            Defaults to `0`.

    Example:
    ```python
    import keras
    import numpy as np
    from keras_gans.metrics import EvaluationCallback

    images = np.random.uniform(-1, 1, (64, 8, 8, 3)).astype("float32")
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Dense(3)])
    model.compile(optimizer="adam", loss="mse")
    # A tiny stand-in for InceptionV3, to run offline.
    extractor = keras.Sequential(
        [keras.Input((8, 8, 3)), keras.layers.Flatten(), keras.layers.Dense(4)]
    )
    callback = EvaluationCallback(
        images,  # real target-domain images
        images,  # source images, translated by model_fn
        model_fn=lambda x: model(x),
        metrics=("fid",),
        feature_extractor=extractor,
    )
    history = model.fit(images, images, epochs=2, verbose=0, callbacks=[callback])
    print(len(history.history["val_fid"]))  # 2
    ```

    References:
    - [Heusel et al., 2017. GANs Trained by a Two Time-Scale Update Rule
      Converge to a Local Nash Equilibrium](https://arxiv.org/abs/1706.08500)
    - [Binkowski et al., 2018. Demystifying MMD
      GANs](https://arxiv.org/abs/1801.01401)
    """

    def __init__(
        self,
        real_images,
        source_images=None,
        *,
        model_fn=None,
        direction=None,
        every_n_epochs=1,
        metrics=("fid", "kid"),
        feature_extractor=None,
        prefix=None,
        num_samples=None,
        batch_size=32,
        kid_subsets=100,
        kid_subset_size=1000,
        seed=0,
    ):
        super().__init__()
        _check_reiterable(real_images, "real_images")
        _check_reiterable(source_images, "source_images")
        if real_images is None:
            raise ValueError("`real_images` is required")
        if model_fn is not None and not callable(model_fn):
            raise TypeError(
                "`model_fn` must be a callable or None. "
                f"Received: model_fn={model_fn!r}"
            )
        if direction is not None and direction not in _DIRECTIONS:
            raise ValueError(
                "`direction` must be None, 'ab' or 'ba'. "
                f"Received: direction={direction!r}"
            )
        if isinstance(metrics, str):
            metrics = (metrics,)
        metrics = tuple(metrics)
        unknown = [m for m in metrics if m not in _METRICS]
        if not metrics or unknown or len(set(metrics)) != len(metrics):
            raise ValueError(
                "`metrics` must be a non-empty sequence of distinct names from "
                f"{_METRICS}. Received: metrics={metrics!r}"
            )
        if prefix is not None and not isinstance(prefix, str):
            raise ValueError(f"`prefix` must be a string. Received: prefix={prefix!r}")
        if num_samples is not None:
            num_samples = check_int("num_samples", num_samples, minimum=2)
        self.real_images = real_images
        self.source_images = source_images
        self.model_fn = model_fn
        self.direction = direction
        self.every_n_epochs = check_int("every_n_epochs", every_n_epochs)
        self.metrics = metrics
        self.feature_extractor = feature_extractor
        self.prefix = prefix
        self.num_samples = num_samples
        self.batch_size = check_int("batch_size", batch_size)
        self.kid_subsets = check_int("kid_subsets", kid_subsets)
        self.kid_subset_size = check_int("kid_subset_size", kid_subset_size, minimum=2)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise ValueError(f"`seed` must be an integer. Received: seed={seed!r}")
        self.seed = int(seed)
        #: The values of every evaluation: a list of {"epoch": ..., key: value}.
        self.results = []
        self._extractor = None
        self._fid = None
        self._kid = None

    # === Naming ===

    def log_key(self, metric):
        """The `logs` key under which `metric` ("fid"/"kid") is written."""
        if self.prefix is not None:
            return self.prefix + metric
        if self.direction is not None:
            return f"{metric}_{self.direction}"
        return "val_" + metric

    # === Fake images ===

    def _fake_batches(self):
        model_fn = self.model_fn
        if self.source_images is not None:
            if model_fn is None:
                translate = getattr(self.model, "translate", None)
                if translate is None or self.direction is None:
                    raise TypeError(
                        "EvaluationCallback with `source_images` needs "
                        "`model_fn=` or a model with a "
                        "`translate(images, direction=...)` method and "
                        "`direction='ab'|'ba'`. Received: model "
                        f"{type(self.model).__name__}, direction={self.direction!r}"
                    )

                def model_fn(batch):
                    return translate(batch, direction=self.direction)

            for batch in iter_batches(
                self.source_images, self.batch_size, name="source_images"
            ):
                yield to_numpy(model_fn(batch))
            return
        total = self.num_samples or self._fid_or_kid_num_real()
        if model_fn is None:
            generate = getattr(self.model, "generate", None)
            if generate is None:
                raise TypeError(
                    "EvaluationCallback without `source_images` needs `model_fn=` "
                    "or a model with a `generate(n, seed=...)` method. Received: "
                    f"model {type(self.model).__name__}"
                )
        for i, start in enumerate(range(0, total, self.batch_size)):
            n = min(self.batch_size, total - start)
            if model_fn is not None:
                images = model_fn(n)
            else:
                images = generate(n, seed=self.seed + i)
            yield to_numpy(images)

    def _fid_or_kid_num_real(self):
        metric = self._fid if self._fid is not None else self._kid
        return metric.num_real

    # === Evaluation ===

    def _build_metrics(self):
        extractor = resolve_feature_extractor(self.feature_extractor)
        self._fid = self._kid = None
        if "fid" in self.metrics:
            self._fid = FrechetInceptionDistance(_identity)
        if "kid" in self.metrics:
            self._kid = KernelInceptionDistance(
                _identity,
                subsets=self.kid_subsets,
                subset_size=self.kid_subset_size,
                seed=self.seed,
            )
        active = [m for m in (self._fid, self._kid) if m is not None]
        for batch in iter_batches(self.real_images, self.batch_size, "real_images"):
            features = extract_features(extractor, batch)
            for metric in active:
                metric.update_real(features)
        # Set last: if anything above fails, the next evaluation starts over.
        self._extractor = extractor

    def evaluate(self):
        """Compute the metrics now; returns {log key: value}."""
        if self._extractor is None:
            self._build_metrics()
        active = [m for m in (self._fid, self._kid) if m is not None]
        for metric in active:
            metric.reset_state(real=False, fake=True)
        for images in self._fake_batches():
            features = extract_features(self._extractor, images)
            for metric in active:
                metric.update_fake(features)
        values = {}
        if self._fid is not None:
            values[self.log_key("fid")] = self._fid.result()
        if self._kid is not None:
            values[self.log_key("kid")] = self._kid.result()
        return values

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs != 0:
            return
        values = self.evaluate()
        self.results.append({"epoch": epoch, **values})
        if logs is not None:
            logs.update(values)
