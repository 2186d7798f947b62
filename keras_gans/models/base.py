"""Shared machinery of the keras_gans GAN models (CycleGAN, DCGAN, ...).

`GANModel` is a `keras.Model` whose `train_step` drives several networks
with several optimizers. What every GAN needs lives here, once:

- several optimizers created and *built* in `compile` (so that `.keras`
  loading and `keras.callbacks.BackupAndRestore` restore their state),
  `super().compile(optimizer=None)` (no stray default optimizer), and
  `get_compile_config` / `compile_from_config`;
- `gan_optimizers`: name -> optimizer, for callbacks that act on all of them
  (`keras_gans.callbacks.LinearDecay`), and one non-trainable variable per
  optimizer with its base learning rate (saved with the model, so decay is
  resumable);
- loss coefficients as non-trainable `keras.Variable`s (`lambda_<name>`):
  a callback can change them mid-fit without retracing the train step;
- `keras.metrics.Mean` trackers and the `metrics` property;
- `fit` builds the model from the data's shapes first (a built model is
  what `BackupAndRestore` needs and what creates state such as an image
  pool before training);
- train-step helpers: gradient application (optionally every n-th step),
  the penalties' random draws, the EMA of the generators' weights. This is
  train-step code, so it may use TensorFlow directly.
- mixed precision (`GANModel.precision`): networks built with a
  `dtype="mixed_bfloat16"` / `"mixed_float16"` policy (`from_preset(...,
  precision=...)` passes it to the builders) compute in bfloat16 / float16;
  `compile` then wraps float16 models' optimizers in
  `keras.optimizers.LossScaleOptimizer` and `_gradients` scales the backward
  pass.
- presets: `from_preset` of each model reads `keras_gans.presets` (plain
  data); `preset_optimizers(name)` makes a preset's optimizers.

Helpers of other roles live next door: `models/tracing.py` (one call per
network, networks traced once, data shapes), `models/weights.py` (network
copies for the EMA and pretrained starts), `models/saving.py` (variables and
seed states in `.keras` files), and the penalties in `keras_gans.losses`.

A subclass sets `OPTIMIZER_NAMES`, `LOSS_NAMES`, `NETWORK_NAMES` (its
network arguments: `get_config` / `from_config` serialize them) and
`GENERATOR_NAMES` (those with an EMA copy); its `__init__` checks its
arguments (`_check_networks`, `check_number`), sets its networks and calls
`self._create_model_state(...)` (loss, augmentation, seed, loss-weight
variables, EMA). It implements `_optimizer_variables(name)`, `call`,
`train_step`, `test_step` and `sample_grid`, a `compile` that forwards to
`self._compile_networks` (one `<name>_optimizer` keyword per optimizer;
missing ones filled in by `self._default_optimizers`: Adam for the
generator, copies at `discriminator_lr_ratio` x its rate for the others),
and a `from_preset` that ends with `cls._finish_from_preset`. The
image-to-image models share `_one_pass_train_step`, `_unpack_pair`,
`_inference_network` and `_translate`; `TwoNetworkGAN` is the base of the
models with one generator and one discriminator (DCGAN, Pix2Pix).
"""

import copy
import inspect

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_gans import augment as gan_augment
from keras_gans import losses as gan_losses
from keras_gans import networks as gan_networks
from keras_gans import presets
from keras_gans._checks import check_int
from keras_gans.distribute import is_multi_worker, replica_rows
from keras_gans.imaging import from_uint8
from keras_gans.inference import ImageTranslator
from keras_gans.losses import gradient_penalty, r1_penalty
from keras_gans.models.backends import BackendSteps, plumbing
from keras_gans.models.saving import load_variables_and_seeds, save_variables_and_seeds
from keras_gans.models.tracing import data_shapes
from keras_gans.models.weights import (
    assign_variable,
    clone_network,
    recompute_norm_statistics,
)
from keras_gans.optimizers import FusedAdam

# === Mixed precision ===

PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")


def check_precision(precision):
    """Return `precision` if it is one of `PRECISIONS`, else raise.

    Which one: `"mixed_bfloat16"` on CPUs with native bfloat16 (AVX-512 BF16
    or AMX) and on TPUs, `"mixed_float16"` on NVIDIA GPUs (tensor cores),
    `"float32"` elsewhere: on CPUs without bfloat16 instructions (e.g. AVX2
    only) low precision is emulated and much slower (docs/benchmarks.md).
    Variables stay float32 under every policy; the networks' last layers
    (generator image, discriminator logits) and the losses are float32.

    Args:
        precision: str. `"float32"`, `"mixed_bfloat16"` or `"mixed_float16"`.

    Returns:
        `precision`.

    Example:

    ```python
    from keras_gans.models.base import check_precision

    check_precision("mixed_bfloat16")  # 'mixed_bfloat16'
    ```
    """
    if not isinstance(precision, str) or precision not in PRECISIONS:
        raise ValueError(
            f"`precision` must be one of {PRECISIONS}. Received: "
            f"precision={precision!r}"
        )
    return precision


def check_number(arg, value, *, below_one=False, expected=None):
    """Raise a `ValueError` quoting `arg` unless `value` is a number >= 0.

    Args:
        arg: str. The argument's name, for the message.
        value: the value to check; bools are not numbers here.
        below_one: bool. Also require `value < 1`. Defaults to `False`.
        expected: str or None. What the message says was expected.
            Defaults to `None`: "a non-negative number" or "a float in
            [0, 1)".

    Example:

    ```python
    from keras_gans.models.base import check_number

    check_number("lambda_l1", 100.0)  # passes; -1.0 would raise
    check_number("label_smoothing", 0.1, below_one=True)
    ```
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        bad = True
    else:
        bad = not 0.0 <= value < 1.0 if below_one else value < 0
    if bad:
        if expected is None:
            expected = "a float in [0, 1)" if below_one else "a non-negative number"
        raise ValueError(f"`{arg}` must be {expected}. Received: {arg}={value!r}")


class GANModel(BackendSteps, keras.Model):
    """Base class of the keras_gans GAN models (not used directly).

    Subclasses declare:

    - `OPTIMIZER_NAMES`: tuple of str, e.g. `("generator", "discriminator")`.
      `compile` takes one `<name>_optimizer` argument per name and stores the
      optimizer in the attribute of the same name.
    - `LOSS_NAMES`: tuple of str, the values logged by `train_step`.
    - `NETWORK_NAMES`: tuple of str, the network arguments of `__init__`
      (and attributes), serialized by `get_config`.
    - `GENERATOR_NAMES`: tuple of str, those of them with an EMA copy.

    Args:
        **kwargs: base `keras.Model` arguments (`name`, ...).

    Example:

    ```python
    import keras_gans

    model = keras_gans.CycleGAN.from_preset(
        "cyclegan_paper",
        generator={"ngf": 8, "n_blocks": 1},
        discriminator={"ndf": 8, "n_layers": 1},
    )
    sorted(model.gan_optimizers)  # ['discriminator_a', 'discriminator_b', 'generator']
    ```
    """

    OPTIMIZER_NAMES = ()
    LOSS_NAMES = ()
    #: The constructor's network arguments (and attributes), in order.
    NETWORK_NAMES = ()
    #: The generators among them (those with an EMA copy).
    GENERATOR_NAMES = ()

    # === Arguments checked in __init__ ===

    @staticmethod
    def _check_networks(networks, distinct_error):
        """Raise unless every value of `networks` (argument name -> network)
        is a Keras layer, and with `distinct_error` if one is given twice."""
        for arg, net in networks.items():
            if not isinstance(net, keras.layers.Layer):
                raise ValueError(
                    f"`{arg}` must be a keras.Model. Received: {arg}={net!r}"
                )
        if len({id(n) for n in networks.values()}) != len(networks):
            raise ValueError(distinct_error)

    # === State created in __init__ ===

    def _create_model_state(self, loss_weights, gan_loss, seed, ema_decay, augment):
        """What every model's `__init__` ends with, after its networks: the
        adversarial loss (`gan_loss`), the discriminators' augmentation
        (`augment`), `seed`, the loss-weight / learning-rate / tracker state
        (`_create_gan_state`) and the EMA copies of the `GENERATOR_NAMES`
        networks (`_create_ema`)."""
        self.gan_loss = gan_losses.get(gan_loss)
        self.augment = gan_augment.get(augment)
        self.seed = seed
        self._create_gan_state(loss_weights, seed=seed)
        generators = {name: getattr(self, name) for name in self.GENERATOR_NAMES}
        self._create_ema(generators, ema_decay)

    def _create_gan_state(self, loss_weights, seed=None):
        """Create coefficient variables, base-lr variables and trackers.

        Must be called from the subclass `__init__` (all variables of a
        Keras model must exist before it is built).

        Args:
            loss_weights: dict. Coefficient name -> initial value; creates
                the non-trainable float32 variable `self.lambda_<name>`.
            seed: int or None. Seed of `self.seed_generator`, used for the
                gradient-penalty interpolation.
        """
        self._initial_loss_weights = {k: float(v) for k, v in loss_weights.items()}
        for name, value in self._initial_loss_weights.items():
            setattr(
                self,
                f"lambda_{name}",
                keras.Variable(
                    value, trainable=False, dtype="float32", name=f"lambda_{name}"
                ),
            )
        for name in self.OPTIMIZER_NAMES:
            setattr(
                self,
                f"{name}_base_learning_rate",
                keras.Variable(
                    0.0,
                    trainable=False,
                    dtype="float32",
                    name=f"{name}_base_learning_rate",
                ),
            )
            setattr(self, f"{name}_optimizer", None)
        self._trackers = {n: keras.metrics.Mean(name=n) for n in self.LOSS_NAMES}
        # Saved with the model by `save_own_variables` (see below).
        self.seed_generator = keras.random.SeedGenerator(seed, name="gan_seed")

    # === Loss coefficients ===

    @property
    def gan_loss_weights(self):
        """dict: coefficient name -> its non-trainable `keras.Variable`."""
        return {n: getattr(self, f"lambda_{n}") for n in self._initial_loss_weights}

    @property
    def initial_loss_weights(self):
        """dict: coefficient name -> the value given to the constructor."""
        return dict(self._initial_loss_weights)

    def set_loss_weights(self, **weights):
        """Assign loss coefficients (takes effect at the next step, no retrace).

        Args:
            **weights: coefficient name -> float, e.g. `cycle=12.0`.

        Example:

        ```python
        import keras_gans

        model = keras_gans.CycleGAN.from_preset(
            "cyclegan_paper", generator={"ngf": 8}, discriminator={"ndf": 8}
        )
        model.set_loss_weights(gan=1.5, cycle=12.0)
        float(model.lambda_cycle.numpy())  # 12.0
        ```
        """
        variables = self.gan_loss_weights
        unknown = sorted(set(weights) - set(variables))
        if unknown:
            raise ValueError(
                f"Unknown loss weight(s) {unknown} for {self.__class__.__name__}. "
                f"Valid names: {sorted(variables)}"
            )
        for name, value in weights.items():
            variables[name].assign(float(value))

    # === Precision ===

    @property
    def precision(self):
        """str: `"float32"`, `"mixed_bfloat16"` or `"mixed_float16"`.

        Read from the compute dtypes of the model's layers (the networks'),
        i.e. the dtype policy they were built with (`dtype=` of the network
        builders; `from_preset(..., precision=...)`).
        """
        # Only layers with variables of their own: Keras' `InputLayer` and a
        # functional model's container take the global policy whatever
        # `dtype` the builder was given, and compute nothing.
        dtypes = {
            layer.compute_dtype
            for layer in self._flatten_layers(include_self=False, recursive=True)
            if layer._trainable_variables or layer._non_trainable_variables
        }
        if "float16" in dtypes:
            return "mixed_float16"
        if "bfloat16" in dtypes:
            return "mixed_bfloat16"
        return "float32"

    # === Optimizers ===

    @property
    def gan_optimizers(self):
        """dict: optimizer name -> optimizer (empty before `compile`)."""
        optimizers = {
            n: getattr(self, f"{n}_optimizer", None) for n in self.OPTIMIZER_NAMES
        }
        return {n: o for n, o in optimizers.items() if o is not None}

    @property
    def base_learning_rates(self):
        """dict: optimizer name -> variable holding its base learning rate.

        Set by `compile` from each optimizer's learning rate and saved with
        the model; learning-rate schedules (`LinearDecay`) scale it, so they
        give the same rates after a reload or a `BackupAndRestore` resume.
        """
        return {
            n: getattr(self, f"{n}_base_learning_rate") for n in self.OPTIMIZER_NAMES
        }

    def _optimizer_variables(self, name):
        """The variables optimizer `name` updates (subclass responsibility)."""
        raise NotImplementedError

    def _compile_gan(self, optimizers, **kwargs):
        """Store and build the optimizers; `super().compile(optimizer=None)`.

        Args:
            optimizers: dict. Name -> optimizer instance (or a name / config
                that `keras.optimizers.get` accepts), for every name of
                `OPTIMIZER_NAMES`.
            **kwargs: forwarded to `keras.Model.compile` (`run_eagerly`,
                `jit_compile`, `steps_per_execution`).
        """
        unknown = sorted(
            set(kwargs) - {"run_eagerly", "jit_compile", "steps_per_execution"}
        )
        if unknown:
            raise ValueError(
                f"{self.__class__.__name__}.compile() got unsupported argument(s) "
                f"{unknown}: losses and metrics are fixed by the model; pass "
                "optimizers and `run_eagerly`, `jit_compile` or "
                "`steps_per_execution`."
            )
        # `optimizer=None`: no unused default optimizer that `BackupAndRestore`
        # would build over all variables (KERAS3_NOTES 7).
        super().compile(optimizer=None, **kwargs)
        self._gan_compile_kwargs = dict(kwargs)
        seen = {}
        for name in self.OPTIMIZER_NAMES:
            optimizer = keras.optimizers.get(optimizers[name])
            if self.precision == "mixed_float16" and not isinstance(
                optimizer, keras.optimizers.LossScaleOptimizer
            ):
                # float16 gradients underflow without loss scaling; the
                # wrapper unscales them and skips steps with inf / nan.
                optimizer = keras.optimizers.LossScaleOptimizer(
                    optimizer, name=f"{optimizer.name}_loss_scale"
                )
            if id(optimizer) in seen:
                raise ValueError(
                    "The same optimizer instance was passed for "
                    f"{seen[id(optimizer)]!r} "
                    f"and {name!r}: each network group needs its own optimizer."
                )
            seen[id(optimizer)] = name
            variables = self._optimizer_variables(name)
            if optimizer.built:
                known = {id(v) for v in getattr(optimizer, "_trainable_variables", [])}
                if known != {id(v) for v in variables}:
                    raise ValueError(
                        f"The optimizer for {name!r} was already built on other "
                        "variables; pass a fresh optimizer."
                    )
            else:
                # Built now, not at the first step: loading weights and
                # BackupAndRestore need the variables to exist (KERAS3_NOTES 6).
                optimizer.build(variables)
            setattr(self, f"{name}_optimizer", optimizer)
            lr = optimizer.learning_rate
            if isinstance(lr, keras.Variable):
                self.base_learning_rates[name].assign(float(lr.numpy()))

    def _default_optimizers(self, optimizers, discriminator_lr_ratio):
        """Fill in the optimizers a subclass' `compile` was not given.

        A missing generator optimizer is `FusedAdam` (Adam, learning rate `2e-4`,
        `beta_1=0.5`, `beta_2=0.999`, the paper's); every other missing one is
        a copy of the generator optimizer with its learning rate multiplied by
        `discriminator_lr_ratio`.

        Args:
            optimizers: dict. Name -> optimizer, str or None, for every name
                of `OPTIMIZER_NAMES` (`"generator"` among them).
            discriminator_lr_ratio: float. Discriminator / generator learning
                rate of the copies; must be positive.

        Returns:
            A dict name -> optimizer (or what `keras.optimizers.get` accepts)
            for `_compile_gan`.
        """
        if (
            isinstance(discriminator_lr_ratio, bool)
            or not isinstance(discriminator_lr_ratio, int | float)
            or discriminator_lr_ratio <= 0
        ):
            raise ValueError(
                "`discriminator_lr_ratio` must be a positive number. "
                f"Received: discriminator_lr_ratio={discriminator_lr_ratio!r}"
            )
        generator_optimizer = optimizers["generator"]
        if generator_optimizer is None:
            # Adam, with one fused kernel per variable (a smaller graph).
            generator_optimizer = FusedAdam(
                2e-4, beta_1=0.5, beta_2=0.999, name="generator_optimizer"
            )
        generator_optimizer = keras.optimizers.get(generator_optimizer)
        filled = {"generator": generator_optimizer}
        for name in self.OPTIMIZER_NAMES:
            if name == "generator":
                continue
            optimizer = optimizers[name]
            if optimizer is None:
                optimizer = _scaled_copy(
                    generator_optimizer, discriminator_lr_ratio, f"{name}_optimizer"
                )
            filled[name] = optimizer
        return filled

    def _compile_networks(self, optimizers, discriminator_lr_ratio, **kwargs):
        """The body of a subclass' `compile`.

        Args:
            optimizers: tuple. The `<name>_optimizer` arguments (optimizer,
                str or None), in the order of `OPTIMIZER_NAMES`; the missing
                ones are filled in by `_default_optimizers`.
            discriminator_lr_ratio: float. See `_default_optimizers`.
            **kwargs: forwarded to `_compile_gan`.
        """
        optimizers = dict(zip(self.OPTIMIZER_NAMES, optimizers, strict=True))
        self._compile_gan(
            self._default_optimizers(optimizers, discriminator_lr_ratio), **kwargs
        )

    def get_compile_config(self):
        if not self.compiled or not self.gan_optimizers:
            return {}
        return {
            "optimizers": {
                name: keras.optimizers.serialize(opt)
                for name, opt in self.gan_optimizers.items()
            },
            **getattr(self, "_gan_compile_kwargs", {}),
        }

    def compile_from_config(self, config):
        config = dict(config)
        optimizers = config.pop("optimizers")
        self.compile(
            **{
                f"{name}_optimizer": keras.optimizers.deserialize(cfg)
                for name, cfg in optimizers.items()
            },
            **config,
        )

    # === Metrics ===

    @property
    def metrics(self):
        # Listed here so that Keras resets them at each epoch.
        return list(self._trackers.values())

    def _update_trackers(self, values):
        for name, value in values.items():
            self._trackers[name].update_state(value)
        results = {name: tracker.result() for name, tracker in self._trackers.items()}
        if is_multi_worker():
            # Keras reduces a multi-worker step's outputs with
            # `strategy.reduce("MEAN", v, axis=0)`, which fails on scalars
            # (keras-team/keras#20585): shape (1,) reduces to the scalar mean.
            results = {name: ops.reshape(v, (1,)) for name, v in results.items()}
        return results

    # === EMA of the generators' weights ===

    def _create_ema(self, networks, ema_decay):
        """Create `<attr>_ema` copies of `networks` (attr -> network).

        Must be called from the subclass `__init__`, after
        `_create_gan_state`. With `ema_decay` None or 0 nothing is created.
        """
        if ema_decay is not None:
            expected = "a float in [0, 1) or None, e.g. 0.999"
            check_number("ema_decay", ema_decay, below_one=True, expected=expected)
        self.ema_decay = float(ema_decay) if ema_decay else None
        self._ema_attrs = tuple(networks) if self.ema_decay else ()
        if not self.ema_decay:
            return
        for attr, network in networks.items():
            setattr(self, f"{attr}_ema", clone_network(network, f"{network.name}_ema"))
        self.ema_updates = keras.Variable(
            0.0, trainable=False, dtype="float32", name="ema_updates"
        )

    def ema_network(self, attr):
        """The network that inference uses for `attr` (e.g. `"generator"`).

        The EMA copy `<attr>_ema` when `ema_decay` is set, else the trained
        network itself.

        Args:
            attr: str. The attribute name of a generator.

        Returns:
            A `keras.Model`.
        """
        if attr in getattr(self, "_ema_attrs", ()):
            return getattr(self, f"{attr}_ema")
        return getattr(self, attr)

    def _update_ema_statistics(self, inputs, batch_size):
        """`recompute_norm_statistics` of each EMA generator `<attr>_ema` on
        `inputs[attr]` (an array) in batches of `batch_size`; returns attr ->
        the number of batch-norm layers updated."""
        if not self.ema_decay:
            raise ValueError(
                "`update_ema_statistics` needs a model built with `ema_decay`; "
                "this one keeps no moving average."
            )
        batch_size = check_int("batch_size", batch_size)
        updated = {}
        for attr, x in inputs.items():
            batches = (x[i : i + batch_size] for i in range(0, len(x), batch_size))
            updated[attr] = recompute_norm_statistics(
                getattr(self, f"{attr}_ema"), batches
            )
        return updated

    def _inference_network(self, attr, use_ema=None):
        """`ema_network(attr)`, or the trained network with `use_ema=False`;
        `use_ema=True` raises when the model keeps no moving average."""
        if use_ema is False:
            return getattr(self, attr)
        if use_ema and not self.ema_decay:
            raise ValueError(
                "`use_ema=True` needs a model built with `ema_decay`; this one "
                "keeps no moving average."
            )
        return self.ema_network(attr)

    def _translate(self, images, direction, batch_size, use_ema):
        """`translate` of the image-to-image models: `images` through
        `inference_generator(direction, use_ema)` with
        `keras_gans.inference.ImageTranslator` (which checks `batch_size`)."""
        translator = ImageTranslator(
            self.inference_generator(direction, use_ema), batch_size=batch_size
        )
        return translator(images)

    @staticmethod
    def _as_float(images):
        """Images (uint8 or float in [-1, 1]) as a float32 numpy array in [-1, 1]."""
        x = np.asarray(keras.ops.convert_to_numpy(images))
        return from_uint8(x) if x.dtype == np.uint8 else x.astype("float32")

    def _update_ema(self):
        """One EMA step: `ema = d * ema + (1 - d) * weights` for every
        trainable weight, other weights (norm statistics, spectral-norm
        vectors) copied. `d = min(ema_decay, (1 + n) / (10 + n))` after `n`
        updates, so that early averages do not hold on to the random
        initial weights (as `tf.train.ExponentialMovingAverage` with
        `num_updates`)."""
        if not getattr(self, "_ema_attrs", ()):
            return
        n = ops.convert_to_tensor(self.ema_updates)
        decay = ops.minimum(self.ema_decay, (1.0 + n) / (10.0 + n))
        for attr in self._ema_attrs:
            network = getattr(self, attr)
            ema = getattr(self, f"{attr}_ema")
            for source, target in zip(network.variables, ema.variables):
                value = ops.cast(source, target.dtype)
                if source.trainable:
                    value = decay * target + (1.0 - decay) * value
                assign_variable(target, value)
        assign_variable(self.ema_updates, n + 1.0)

    # === What the discriminators see (training aids) ===

    def _seen(self, images):
        """`images` as a discriminator sees them while training: through the
        model's `augment` (a `keras_gans.augment.DiffAugment`, drawing from
        the model's seed generator) when it has one, else unchanged."""
        augment = getattr(self, "augment", None)
        if augment is None:
            return images
        return augment(images, seed=self.seed_generator)

    def _r1_term(self, discriminator, real):
        """`r1_weight / 2 * r1_penalty(discriminator, real)` of the model's GAN
        loss (`real`: the real images as the discriminator saw them)."""
        return 0.5 * self.gan_loss.r1_weight * r1_penalty(discriminator, real)

    def _gradient_penalty(self, discriminator, real, fake):
        """`keras_gans.losses.gradient_penalty` with its interpolation weights
        drawn from the model's seed generator: under `tf.distribute`, each
        replica's rows of the global batch's draw (`replica_rows`)."""
        batch = ops.shape(real)[0]
        ones = (1,) * (len(real.shape) - 1)
        alpha = replica_rows(
            lambda n: keras.random.uniform((n, *ones), seed=self.seed_generator),
            batch,
        )
        return gradient_penalty(discriminator, real, fake, alpha=alpha)

    # === Saving: random state too ===

    def save_own_variables(self, store):
        save_variables_and_seeds(self, store)

    def load_own_variables(self, store):
        load_variables_and_seeds(self, store)

    # === Building ===

    def fit(self, x=None, y=None, *args, **kwargs):
        """`keras.Model.fit`, after building the model from the data's shapes,
        with the callbacks of the model's own options first
        (`with_model_callbacks`; not added to a `keras.callbacks.CallbackList`,
        which is used as it is).

        Building first creates all model state (e.g. image pools) before the
        train step is traced, and is what `keras.callbacks.BackupAndRestore`
        requires. Datasets and arrays are inspected without consuming them;
        other inputs (generators) are used as they are.
        """
        if not self.built:
            shapes = data_shapes(x, y)
            if shapes is not None:
                self.build(shapes)
        bound = inspect.signature(super().fit).bind(x, y, *args, **kwargs)
        callbacks = bound.arguments.get("callbacks")
        if not isinstance(callbacks, keras.callbacks.CallbackList):
            bound.arguments["callbacks"] = self.with_model_callbacks(callbacks)
        return super().fit(*bound.args, **bound.kwargs)

    def with_model_callbacks(self, callbacks=None):
        """`callbacks` with those that the model's own options need first.

        Some options act at the end of every epoch, e.g. a DCGAN's
        `ema_statistics` (`keras_gans.callbacks.EMAStatistics`). `fit` and
        `keras_gans.training.train` call this, so that the options work
        without callbacks of the user's; a callback of the same class (or a
        subclass) in `callbacks` replaces the model's.

        Args:
            callbacks: list of `keras.callbacks.Callback` or None.

        Returns:
            A new list: the model's callbacks, then `callbacks`.
        """
        callbacks = list(callbacks or [])
        own = [
            c
            for c in self._model_callbacks()
            if not any(isinstance(given, type(c)) for given in callbacks)
        ]
        return own + callbacks

    def _model_callbacks(self):
        """The callbacks the model's options need (none here); subclasses add."""
        return []

    def evaluate(self, x=None, y=None, *args, **kwargs):
        """`keras.Model.evaluate`, after building the model from the data's
        shapes (as `fit`)."""
        if not self.built:
            shapes = data_shapes(x, y)
            if shapes is not None:
                self.build(shapes)
        return super().evaluate(x, y, *args, **kwargs)

    def _symbolic_build(self, iterator=None, data_batch=None):
        # JAX and PyTorch call this at every `fit` / `evaluate`; a built GAN
        # has nothing to build symbolically (its networks build when first
        # called), and calling it on a batch would misread the batch (a
        # DCGAN's `call` takes noise).
        if self.built:
            return
        if data_batch is None:
            for _, _, data in iterator:  # as Keras does; fit resets it
                data_batch = data[0] if isinstance(data, list | tuple) else next(data)
                break
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data_batch)
        value = x if y is None else (x, y)
        self.build(
            keras.tree.map_structure(lambda t: (None, *tuple(t.shape)[1:]), value)
        )

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # Keras (TF backend, model made in a strategy scope) peeks at a first
        # batch here and all-reduces it to build an unbuilt model. Under
        # MultiWorkerMirroredStrategy that reduce fails on (a, b) batches
        # (keras-team/keras#20585). `fit` above has built the model from the
        # data's shapes: skip it when there is nothing left to build.
        if self.built and all(layer.built for layer in self._flatten_layers()):
            return
        super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)

    # === Train-step helpers (TensorFlow allowed here) ===

    @staticmethod
    def _unpack_pair(data, error):
        """`(a, b)` from a batch `(a, b)` or `((a, b),)`; a single tensor
        raises a `ValueError` saying `error`."""
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        if y is None and isinstance(x, list | tuple) and len(x) == 2:
            x, y = x
        if y is None:
            raise ValueError(error)
        return x, y

    def _one_pass_train_step(self, a, b, discriminator_losses):
        """A train step whose losses all come from one forward pass.

        `self._compute_gan_losses(a, b, training=True, discriminator_tape=t)`
        gives every loss: the generators' gradients are taken of `g_loss` on
        the outer tape, each discriminator's of its loss on `t` (entered
        around the discriminators only, so their gradients stop at their
        inputs). The generators step once per `n_critic` critic steps
        (WGAN-GP), then every discriminator steps, then the EMA.

        Args:
            a, b: the batch's two tensors.
            discriminator_losses: dict. Discriminator optimizer name -> the
                key of its loss, the first one counting the critic steps.

        Returns:
            The trackers' results, for `train_step` to return.
        """
        if plumbing() is not None:  # JAX, PyTorch
            values, grads = plumbing().gradients(
                self,
                lambda: self._compute_gan_losses(a, b, training=True),
                [{"generator": "g_loss"}, dict(discriminator_losses)],
            )
        else:
            values, grads = self._tape_gradients(a, b, discriminator_losses)
        critic = getattr(self, f"{next(iter(discriminator_losses))}_optimizer")
        critic_steps = _read_now(critic.iterations)
        self._apply_gradients(
            "generator",
            grads["generator"],
            every=self.gan_loss.n_critic,
            counter=critic_steps,
        )
        for name in discriminator_losses:
            self._apply_gradients(name, grads[name])
        self._update_ema()
        return self._update_trackers(values)

    def _tape_gradients(self, a, b, discriminator_losses):
        """TensorFlow's gradients of `_one_pass_train_step`: the generators'
        of `g_loss` on the outer tape, each discriminator's of its loss on a
        tape entered around the discriminators only. Returns `(values,
        {optimizer name: gradients})`."""
        d_tape = tf.GradientTape(persistent=len(discriminator_losses) > 1)
        with tf.GradientTape() as tape:
            values = self._compute_gan_losses(
                a, b, training=True, discriminator_tape=d_tape
            )
        grads = {"generator": self._gradients("generator", tape, values["g_loss"])}
        for name, key in discriminator_losses.items():
            grads[name] = self._gradients(name, d_tape, values[key])
        del tape, d_tape
        return values, grads

    def _replica_scale(self, loss):
        """Scale a per-replica mean loss so that summed gradients average."""
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        return loss if replicas == 1 else loss / replicas

    def _gradients(self, name, tape, loss):
        """`d loss / d variables` of optimizer `name` (as a list).

        Under a `tf.distribute` strategy with N replicas the gradients are of
        `loss / N` (`_replica_scale`): the optimizer sums them over replicas,
        which gives the gradient of the global-batch mean. With loss scaling
        the scale is multiplied in too. The scale is fed
        as `output_gradients` because the tape has stopped recording here
        (dividing `loss` now would be invisible to it: no gradients at all).
        """
        variables = self._optimizer_variables(name)
        scale = self._replica_scale(ops.ones_like(loss))
        # Loss scaling (a LossScaleOptimizer under mixed_float16, or an
        # optimizer's `loss_scale_factor`), fed the same way: the gradient of
        # `s * loss` is `s * d loss`; `apply_gradients` divides it out.
        optimizer = getattr(self, f"{name}_optimizer", None)
        if optimizer is not None:
            scale = optimizer.scale_loss(scale)
        return tape.gradient(loss, variables, output_gradients=scale)

    def _apply_gradients(self, name, grads, every=1, counter=None):
        """Apply `grads` with optimizer `name`.

        With `every > 1` the update happens only when `counter % every ==
        every - 1`, e.g. one generator step per `n_critic` critic steps with
        `counter` = the critic optimizer's iterations before this step.
        """
        if plumbing() is not None:  # JAX, PyTorch
            plumbing().apply_every(self, name, grads, every, counter)
            return
        variables = self._optimizer_variables(name)
        optimizer = getattr(self, f"{name}_optimizer")
        if every == 1:
            optimizer.apply_gradients(zip(grads, variables))
            return

        due = ops.equal(ops.mod(counter, every), every - 1)
        if tf.distribute.get_strategy().num_replicas_in_sync > 1:
            # Under tf.distribute, apply_gradients synchronizes the replicas
            # (merge_call), which TensorFlow does not allow inside a tf.cond.
            # So apply every step and put the old weights and optimizer state
            # (moments, iterations) back where no update was due: the same
            # result as skipping, at the cost of one update's compute.
            state = list(variables) + list(optimizer.variables)
            before = [tf.identity(v.value) for v in state]
            optimizer.apply_gradients(zip(grads, variables))
            for v, old in zip(state, before):
                v.assign(ops.where(due, v.value, old))
            return

        def apply():
            optimizer.apply_gradients(zip(grads, variables))
            return tf.constant(True)

        def skip():
            return tf.constant(False)

        tf.cond(due, apply, skip)

    def sample_grid(self, *samples):
        """A uint8 `(H, W, C)` image grid for `SampleGridLogger` (subclass)."""
        raise NotImplementedError(
            f"{self.__class__.__name__} does not implement sample_grid()."
        )

    # === Presets ===

    @classmethod
    def _load_preset(cls, name):
        """`keras_gans.presets.get(name)`, checked to be a preset of `cls`."""
        preset = presets.get(name)
        if preset["model"] != cls.__name__:
            raise ValueError(
                f"Preset {name!r} is for {preset['model']}, not {cls.__name__}. "
                f"{cls.__name__} presets: {presets.list_presets(cls.__name__)}"
            )
        return preset

    @staticmethod
    def _create_network(spec, overrides=None, precision=None):
        """The network of a preset's `generator` / `discriminator` entry.

        Args:
            spec: dict. `{"name": <registry name>, "config": {...}}`.
            overrides: dict or None. Config entries replacing the preset's.
            precision: str or None. One of `PRECISIONS`, given to the
                builder as its `dtype` (the policy its layers compute in);
                `None`: the builder's default (the global policy).
        """
        config = {**spec["config"], **(overrides or {})}
        if precision is not None:
            config["dtype"] = check_precision(precision)
        return gan_networks.create(spec["name"], **config)

    @classmethod
    def _finish_from_preset(cls, name, preset, networks, overrides, compile):
        """`cls(*networks, **preset's model_config updated by overrides)`,
        compiled with `preset_optimizers(name)` when `compile`."""
        model = cls(*networks, **{**preset["model_config"], **overrides})
        if compile:
            model.compile(**cls.preset_optimizers(name))
        return model

    @classmethod
    def preset_optimizers(cls, name):
        """Fresh optimizers for `model.compile(**cls.preset_optimizers(name))`.

        `"adam"` is `keras_gans.optimizers.FusedAdam` (Keras' Adam with one
        fused update kernel per variable). The first optimizer of the model
        (the generators') gets the preset's learning rate; every other (the
        discriminators') gets it times `discriminator_lr_ratio`.

        Args:
            name: str. A preset of this model class (or an alias of one).

        Returns:
            A dict `<optimizer name>_optimizer -> keras optimizer`, e.g.
            `generator_optimizer`, `discriminator_a_optimizer`,
            `discriminator_b_optimizer` for a CycleGAN.

        Example:

        ```python
        import keras_gans

        kwargs = keras_gans.CycleGAN.preset_optimizers("residualgan_monet")
        float(kwargs["discriminator_a_optimizer"].learning_rate.numpy())  # 0.00025
        ```
        """
        opt = dict(cls._load_preset(name)["optimizer"])
        ratio = float(opt.pop("discriminator_lr_ratio", 1.0))
        class_name = opt.pop("name")
        lr = float(opt.pop("learning_rate"))
        kwargs = {}
        for i, opt_name in enumerate(cls.OPTIMIZER_NAMES):
            config = {
                **opt,
                "learning_rate": lr if i == 0 else lr * ratio,
                "name": f"{opt_name}_optimizer",
            }
            if class_name.lower() == "adam":
                # The same Adam, one fused update kernel per variable.
                optimizer = FusedAdam(**config)
            else:
                optimizer = keras.optimizers.get(
                    {"class_name": class_name, "config": config}
                )
            kwargs[f"{opt_name}_optimizer"] = optimizer
        return kwargs

    # === Config ===

    def get_config(self):
        """The networks (`NETWORK_NAMES`) and the arguments every model has;
        a subclass adds its own."""
        return {
            **super().get_config(),
            **{
                name: keras.saving.serialize_keras_object(getattr(self, name))
                for name in self.NETWORK_NAMES
            },
            "gan_loss": gan_losses.serialize(self.gan_loss),
            "seed": self.seed,
            "ema_decay": self.ema_decay,
            "augment": gan_augment.serialize(self.augment),
        }

    @classmethod
    def from_config(cls, config):
        # deserialize_keras_object consumes nested dicts: work on a copy.
        config = copy.deepcopy(config)
        for name in cls.NETWORK_NAMES:
            config[name] = keras.saving.deserialize_keras_object(config[name])
        return cls(**config)


def _read_now(variable):
    """The variable's value now, as a tensor that later updates of the
    variable do not change. (`ops.convert_to_tensor` of a variable is the
    variable itself on TensorFlow and its storage on PyTorch: a counter read
    that way before an optimizer step would show the count after it.)"""
    return ops.copy(ops.convert_to_tensor(variable))


def _scaled_copy(optimizer, ratio, name):
    """A fresh optimizer like `optimizer` with learning rate x `ratio`."""
    config = optimizer.get_config()
    config["name"] = name
    lr = config.get("learning_rate")
    if ratio != 1.0:
        if not isinstance(lr, int | float):
            raise ValueError(
                "`discriminator_lr_ratio` needs a generator optimizer with a "
                "constant learning rate; pass the discriminator optimizers "
                f"explicitly. Received learning_rate={lr!r}"
            )
        config["learning_rate"] = float(lr) * ratio
    return optimizer.__class__.from_config(config)


class TwoNetworkGAN(GANModel):
    """Base class of the GANs with one generator and one discriminator.

    `DCGAN` and `Pix2Pix`: the attributes `generator` and `discriminator`,
    one optimizer each (`generator_optimizer`, `discriminator_optimizer`)
    and the checks of the two networks.

    Args:
        **kwargs: base `keras.Model` arguments (`name`, ...).

    Example:

    ```python
    import keras_gans
    from keras_gans.models.base import TwoNetworkGAN

    issubclass(keras_gans.Pix2Pix, TwoNetworkGAN)  # True
    keras_gans.DCGAN.OPTIMIZER_NAMES  # ('generator', 'discriminator')
    ```
    """

    OPTIMIZER_NAMES = ("generator", "discriminator")
    NETWORK_NAMES = ("generator", "discriminator")
    GENERATOR_NAMES = ("generator",)

    @classmethod
    def _check_two_networks(cls, generator, discriminator):
        """Raise unless both are Keras models and not the same one."""
        cls._check_networks(
            {"generator": generator, "discriminator": discriminator},
            "`generator` and `discriminator` must be distinct models.",
        )

    def _optimizer_variables(self, name):
        network = self.generator if name == "generator" else self.discriminator
        variables = network.trainable_variables
        if not variables:
            raise ValueError(
                f"The {name} network has no trainable variables; give it a "
                "`keras.Input` (or build it) before compiling."
            )
        return variables
