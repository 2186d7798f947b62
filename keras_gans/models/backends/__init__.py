"""The gradient plumbing of the train steps, one module per Keras backend.

A GAN's train step is written once (`_compute_gan_losses` and friends, in
`keras.ops`); what differs between backends is only how gradients are taken
and how state is threaded:

- TensorFlow: `tf.GradientTape`s in `keras_gans.models.base` and
  `keras_gans.models.dcgan` (unchanged since the first release, with their
  tracing shortcuts).
- JAX (`keras_gans.models.backends.jax`): Keras calls
  `train_step(state, data)`; the step's stateful code runs in a
  `keras.StatelessScope` mapping every variable to its value in `state`, and
  gradients come from `jax.vjp` over the trained variables' values.
- PyTorch (`keras_gans.models.backends.torch`): the step runs eagerly on the
  variables and gradients come from `torch.autograd.grad`.

Both non-TensorFlow modules offer the same two functions: `gradients(model,
forward, groups, frozen=())` (run `forward()`, return its values and the
gradients of each group's loss) and `apply_every(model, name, grads, every,
counter)`.
"""

import importlib

import keras
import numpy as np


def plumbing():
    """The plumbing module of the current backend (None for TensorFlow).

    Returns:
        `keras_gans.models.backends.jax`, `keras_gans.models.backends.torch`
        or None.
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        return None
    if backend not in ("jax", "torch"):
        raise NotImplementedError(
            f"keras_gans trains on the tensorflow, jax and torch backends; "
            f"KERAS_BACKEND is {backend!r}."
        )
    return importlib.import_module(f"keras_gans.models.backends.{backend}")


def optimizer_variables(model):
    """Every variable of the model's GAN optimizers, in `OPTIMIZER_NAMES`
    order (the `optimizer_variables` part of Keras' JAX training state)."""
    names = getattr(model, "OPTIMIZER_NAMES", ())
    variables = []
    for name in names:
        optimizer = getattr(model, f"{name}_optimizer", None)
        if optimizer is not None:
            variables.extend(optimizer.variables)
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and not names:
        variables.extend(optimizer.variables)
    return variables


def group_variables(model, group):
    """`{name: variables}` of optimizer names `group`, and their flat list."""
    by_name = {name: list(model._optimizer_variables(name)) for name in group}
    return by_name, [v for variables in by_name.values() for v in variables]


def split(flat, by_name):
    """Cut `flat` (one entry per variable of `by_name`) back into a dict."""
    out, start = {}, 0
    for name, variables in by_name.items():
        out[name] = list(flat[start : start + len(variables)])
        start += len(variables)
    return out


def loss_scale(model, group, like):
    """The loss scale of the group's first optimizer (1 without loss
    scaling), as a tensor like `like`."""
    optimizer = getattr(model, f"{next(iter(group))}_optimizer", None)
    ones = keras.ops.ones_like(like)
    return ones if optimizer is None else optimizer.scale_loss(ones)


_STATE_KEYS = (
    "trainable_variables",
    "non_trainable_variables",
    "optimizer_variables",
    "metrics_variables",
)


def state_variables(model):
    """The four lists of variables of Keras' JAX training state: trainable,
    non-trainable, every GAN optimizer's, metrics."""
    return (
        model.trainable_variables,
        model.non_trainable_variables,
        optimizer_variables(model),
        model.metrics_variables,
    )


class BackendSteps:
    """Mixin of the models: one stateful step, on every backend.

    A model implements `_train_step(data)` and `_test_step(data)` as on
    TensorFlow (variables, `assign`, optimizers' `apply_gradients`). On
    TensorFlow and PyTorch Keras calls `train_step(data)`, which is that.
    On JAX Keras calls `train_step(state, data)`:
    `keras_gans.models.backends.jax.stateless_step` runs the same code on
    the state's values. The JAX trainer's state handling
    (`_get_jax_state`, `jax_state_sync`, `_purge_model_variables`) reads
    the variables of all the model's optimizers instead of Keras' single
    `model.optimizer`.
    """

    def train_step(self, *args):
        if len(args) == 2:  # JAX: (state, data)
            state, data = args
            return plumbing().stateless_step(self, state, data, self._train_step)
        return self._train_step(*args)

    def test_step(self, *args):
        if len(args) == 2:  # JAX: ((trainable, non-trainable, metrics), data)
            state, data = args
            return plumbing().stateless_step(
                self, state, data, self._test_step, parts=(0, 1, 3)
            )
        return self._test_step(*args)

    def _get_jax_state(self, purge_model_variables=False, **wanted):
        lists = [
            variables
            for key, variables in zip(_STATE_KEYS, state_variables(self))
            if wanted.get(key)
        ]
        seen = set()
        state = tuple(
            [_unshared(v.value, seen) for v in variables] for variables in lists
        )
        if purge_model_variables:
            for variables in lists:
                for v in variables:
                    v._value = None
        return state

    def _purge_model_variables(self, **wanted):
        for key, variables in zip(_STATE_KEYS, state_variables(self)):
            if wanted.get(key):
                for v in variables:
                    v._value = None

    def _get_state_sharding_spec(self):
        return tuple(
            [v.value.sharding for v in variables] for variables in state_variables(self)
        )

    def jax_state_sync(self):
        state = getattr(self, "_jax_state", None)
        if not state or self._jax_state_synced:
            return
        for key, variables in zip(_STATE_KEYS, state_variables(self)):
            for ref, value in zip(variables, state.get(key) or ()):
                ref.assign(value)
        self._jax_state_synced = True


def _unshared(value, seen):
    """`value`, copied if an earlier variable holds the same buffer: JAX
    arrays are immutable, so two variables assigned one array share it, and
    a jitted step may not take a donated buffer twice."""
    if id(value) in seen:
        return keras.ops.copy(value)
    seen.add(id(value))
    return value


def run_train_step(model, batch):
    """One training step of a compiled model on one batch, on any backend:
    what `fit` does per step (for drivers that iterate themselves).

    Args:
        model: a compiled `keras.Model` whose `make_train_function()` ran.
        batch: the batch (tensors of any backend, or numpy arrays).

    Returns:
        The step's logs (dict of tensors).
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        return model.train_function([batch])
    batch = keras.tree.map_structure(
        lambda t: keras.ops.convert_to_tensor(np.asarray(t)), batch
    )
    if backend != "jax":
        return model.train_function([batch])
    if keras.distribution.distribution() is not None:
        # Split over the devices, as Keras' JAX `fit` does per batch.
        from keras.src.backend.jax.trainer import _distribute_data

        batch = _distribute_data(batch)
    keys = dict.fromkeys(_STATE_KEYS, True)
    state = model._get_jax_state(purge_model_variables=True, **keys)
    logs, state = model.train_function(state, iter([batch]))
    model._jax_state = dict(zip(_STATE_KEYS, state))
    model._jax_state_synced = False
    model.jax_state_sync()
    return logs
