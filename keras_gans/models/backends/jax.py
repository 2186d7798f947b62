"""JAX plumbing: stateless train steps (Keras' `train_step(state, data)`).

Keras' JAX trainer keeps the model's variables out of the variables during
`fit` and passes their values to `train_step(state, data)` as
`(trainable, non_trainable, optimizer, metrics)` lists. `stateless_step`
maps every variable to its value in a `keras.StatelessScope`, runs the
model's ordinary (stateful) step code inside it, and reads the new values
back: every `assign` of the step (optimizer updates, image pools, EMA,
seeds, loss trackers, norm statistics) lands in the returned state.

`gradients` differentiates a forward pass with `jax.vjp` over the values of
the variables being trained, in a nested scope that sees the outer scope's
values for everything else; the forward pass's own state updates come out
as auxiliary outputs and are assigned in the outer scope.
"""

import jax
import keras
from keras import ops
from keras.src.backend.common.stateless_scope import get_stateless_scope

from keras_gans.models.backends import (
    group_variables,
    loss_scale,
    split,
    state_variables,
)


def stateless_step(model, state, data, step, parts=(0, 1, 2, 3)):
    """Run `step(data)` (stateful code) on the values of `state`.

    Args:
        model: the `keras.Model`.
        state: tuple of value lists, one per entry of `parts` (indices into
            `state_variables(model)`).
        data: the batch.
        step: callable. `data -> logs`, written with variables and
            `assign`s as on the other backends.
        parts: tuple of int. Which variable lists `state` holds (a test
            step gets no optimizer variables).

    Returns:
        `(logs, new_state)`.
    """
    lists = state_variables(model)
    groups = [lists[i] for i in parts]
    mapping = [
        (v, value)
        for variables, values in zip(groups, state)
        for v, value in zip(variables, values)
    ]
    with keras.StatelessScope(state_mapping=mapping) as scope:
        logs = step(data)
    new_state = tuple(
        [_current(scope, v, value) for v, value in zip(variables, values)]
        for variables, values in zip(groups, state)
    )
    return logs, new_state


def _current(scope, variable, default):
    value = scope.get_current_value(variable)
    return default if value is None else value


def _outer_values(model, exclude):
    """`[(variable, value)]` of every variable the current scope maps, but
    those with ids in `exclude`."""
    outer = get_stateless_scope()
    pairs = []
    for variables in state_variables(model):
        for v in variables:
            if id(v) in exclude:
                continue
            value = outer.get_current_value(v) if outer is not None else None
            if value is not None:
                pairs.append((v, value))
    return pairs


def gradients(model, forward, groups, frozen=()):
    """Run `forward()` and take the gradients of each group's loss.

    Args:
        model: a `keras_gans` GAN model.
        forward: callable. `() -> dict` of tensors (losses among them).
        groups: list of dicts `{optimizer name: loss key}`. Each group's
            loss is the sum of its keys; its gradient is taken with respect
            to the variables of each optimizer of the group (so a loss must
            not depend on the variables of another optimizer of its group,
            as D_A's loss and D_B's).
        frozen: variables whose state updates in `forward` are dropped
            (e.g. a generator's norm statistics when its forward pass is
            repeated).

    Returns:
        `(values, grads)`: `forward()`'s dict and `{name: [gradient per
        variable]}`.
    """
    by_name, wrt = {}, []
    for group in groups:
        names, flat = group_variables(model, group)
        by_name.update(names)
        wrt.extend(v for v in flat if all(v is not w for w in wrt))
    wrt_ids = {id(v) for v in wrt}
    others = _outer_values(model, wrt_ids)
    outer = get_stateless_scope()
    dropped = {id(v) for v in frozen}

    def fn(values):
        mapping = others + list(zip(wrt, values))
        with _TrainedScope(mapping, dict(zip(wrt_ids_ordered, values))) as inner:
            out = forward()
        updates = [
            inner.get_current_value(v) for v, _ in others if id(v) not in dropped
        ]
        trained = [inner.get_current_value(v) for v in wrt]
        losses = [sum(out[key] for key in group.values()) for group in groups]
        return losses, (out, updates, trained)

    wrt_ids_ordered = [id(v) for v in wrt]
    primals = [outer.get_current_value(v) for v in wrt]
    losses, pullback, aux = jax.vjp(fn, primals, has_aux=True)
    values, updates, trained = aux
    kept = [v for v, _ in others if id(v) not in dropped]
    for v, value in zip(kept + list(wrt), updates + trained):
        v.assign(value)
    index = {id(v): i for i, v in enumerate(wrt)}
    grads = {}
    for i, group in enumerate(groups):
        cotangent = [
            loss_scale(model, group, loss) if j == i else ops.zeros_like(loss)
            for j, loss in enumerate(losses)
        ]
        (flat,) = pullback(cotangent)
        names = {n: by_name[n] for n in group}
        picked = [flat[index[id(v)]] for vs in names.values() for v in vs]
        grads.update(split(picked, names))
    return values, grads


class _TrainedScope(keras.StatelessScope):
    """The scope of a differentiated forward pass. An `assign` to a trained
    variable in it (a spectral norm writes its normalized kernel back) acts
    as on TensorFlow and PyTorch: later reads see the assigned value, and
    their gradient goes to the variable as if it had been read directly
    (`stop_gradient(new) + v - stop_gradient(v)`: the value `new`, the
    derivative 1 with respect to `v`)."""

    def __init__(self, state_mapping, trained):
        super().__init__(state_mapping=state_mapping)
        self._trained = trained

    def add_update(self, update):
        variable, value = update
        traced = self._trained.get(id(variable))
        if traced is not None:
            value = ops.stop_gradient(value) + (traced - ops.stop_gradient(traced))
        super().add_update((variable, value))


def apply_every(model, name, grads, every=1, counter=None):
    """Apply `grads` with optimizer `name` through its `stateless_apply`
    (which handles loss scaling's conditional update functionally); with
    `every > 1` only when `counter % every == every - 1`: under `jit` the
    update is computed and the old weights and optimizer state are kept
    where none was due."""
    variables = list(model._optimizer_variables(name))
    optimizer = getattr(model, f"{name}_optimizer")
    scope = get_stateless_scope()
    state = variables + list(optimizer.variables)
    before = [scope.get_current_value(v) for v in state]
    new_weights, new_slots = optimizer.stateless_apply(
        before[len(variables) :], grads, before[: len(variables)]
    )
    after = list(new_weights) + list(new_slots)
    if every > 1:
        due = ops.equal(ops.mod(counter, every), every - 1)
        after = [ops.where(due, new, old) for new, old in zip(after, before)]
    for v, value in zip(state, after):
        v.assign(value)
