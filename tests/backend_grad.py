"""Gradients in tests, on whichever Keras backend runs them.

`gradients(fn, sources)` is the tests' `tf.GradientTape`: the gradient of the
scalar `fn(*values)` with respect to each source, a Keras variable or an
array. TensorFlow records it on a tape, PyTorch with `torch.autograd.grad`,
JAX with `jax.grad`, variables mapped through a `keras.StatelessScope` (as
Keras' `stateless_call` does) and the state that `fn` updates (BatchNorm
statistics, spectral-norm vectors) assigned afterwards, so that every backend
ends in the same state. Calls nest: a `fn` may call `gradients` itself (a
gradient penalty), with `create_graph=True` on the inner call.

`tf_only(reason)` marks a test that is TensorFlow-only by nature (graph
tracing, retracing, `tf.function`, TensorFlow tapes compared with the
TensorFlow step): it skips on the other backends, saying why.
"""

import keras
import pytest
from keras import ops


def backend():
    return keras.backend.backend()


def tf_only(reason):
    """Skip the test on every backend but TensorFlow, with `reason`."""
    return pytest.mark.skipif(
        backend() != "tensorflow", reason=f"TensorFlow only: {reason}"
    )


def gradients(fn, sources, create_graph=False):
    """The gradients of the scalar `fn(*values)` with respect to `sources`.

    Args:
        fn: callable. Takes one tensor per source (an array source's tensor,
            a variable's current value, which the variable itself also
            reads inside `fn`) and returns a scalar.
        sources: list of `keras.Variable`s and arrays.
        create_graph: bool. Whether the gradients are differentiable
            themselves (an outer `gradients` call differentiates them).
            TensorFlow and JAX always allow it; PyTorch needs it.

    Returns:
        A list with one backend tensor per source: `None` where `fn` does not
        depend on it (TensorFlow and PyTorch; JAX returns zeros).
    """
    name = backend()
    if name == "tensorflow":
        return _tf_gradients(fn, sources)
    if name == "torch":
        return _torch_gradients(fn, sources, create_graph)
    if name == "jax":
        return _jax_gradients(fn, sources)
    raise NotImplementedError(f"No gradients for the {name!r} backend.")


def value_and_gradients(fn, sources, create_graph=False):
    """`(fn(*values), gradients(fn, sources))`, from one forward pass."""
    if backend() == "jax":
        return _jax_gradients(fn, sources, with_value=True)
    out = {}

    def record(*values):
        out["value"] = fn(*values)
        return out["value"]

    grads = gradients(record, sources, create_graph=create_graph)
    return out["value"], grads


def _is_variable(source):
    return isinstance(source, keras.Variable)


def _current(source):
    return source.value if _is_variable(source) else ops.convert_to_tensor(source)


def _tf_gradients(fn, sources):
    import tensorflow as tf

    values = [_current(s) for s in sources]
    with tf.GradientTape() as tape:
        for s, v in zip(sources, values):
            if not _is_variable(s):
                tape.watch(v)
        y = fn(*values)
    targets = [s if _is_variable(s) else v for s, v in zip(sources, values)]
    return tape.gradient(y, targets)


def _torch_gradients(fn, sources, create_graph):
    import torch

    values = []
    for s in sources:
        if _is_variable(s):
            values.append(s.value)
        else:
            v = ops.convert_to_tensor(s)
            values.append(v if v.requires_grad else v.detach().requires_grad_(True))
    with torch.enable_grad():
        y = fn(*values)
        return list(
            torch.autograd.grad(y, values, allow_unused=True, create_graph=create_graph)
        )


class _RecordingScope(keras.StatelessScope):
    """A `StatelessScope` that remembers which variables `fn` updated."""

    def __init__(self):
        super().__init__()
        self.updated = {}

    def add_update(self, update):
        self.updated[id(update[0])] = update[0]
        super().add_update(update)


def _jax_gradients(fn, sources, with_value=False):
    import jax
    from keras.src.backend.common.stateless_scope import get_stateless_scope

    outer = get_stateless_scope()
    updated = []

    def f(values):
        scope = _RecordingScope()
        if outer is not None:  # an outer call's mapped values stay visible
            scope.state_mapping.update(outer.state_mapping)
        for source, value in zip(sources, values):
            if _is_variable(source):
                scope.state_mapping[id(source)] = value
        with scope:
            y = fn(*values)
        updated[:] = scope.updated.values()
        return y, [scope.get_current_value(v) for v in updated]

    values = [_current(s) for s in sources]
    (value, updates), grads = jax.value_and_grad(f, has_aux=True)(values)
    # Updates made by `fn` (BatchNorm statistics, spectral-norm vectors,
    # seeds) land as they would on the other backends, eagerly.
    for variable, update in zip(updated, updates):
        variable.assign(update)
    return (value, list(grads)) if with_value else list(grads)
