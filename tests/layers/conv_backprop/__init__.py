"""Helpers shared by the conv_backprop tests: twin layers and their gradients."""

import keras
import numpy as np
import pytest
from keras import ops

from tests.backend_grad import gradients
from tests.test_case import assert_allclose, random_input

#: The TensorFlow-only tests (graph tracing) skip elsewhere with this.
TF_ONLY = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="TensorFlow graph tracing (tf.function, an open batch size)",
)


def twins(filters, kernel_size, input_shape, cls, **kwargs):
    """A Conv2D and a `cls` (a Conv2D subclass) with the same weights."""
    ref = keras.layers.Conv2D(filters, kernel_size, **kwargs)
    ours = cls(filters, kernel_size, **kwargs)
    ref.build(input_shape)
    ours.build(input_shape)
    ours.set_weights(
        [random_input(w.shape, seed=i + 1) for i, w in enumerate(ref.weights)]
    )
    ref.set_weights(ours.get_weights())
    return ref, ours


def grads(layer, x, upstream):
    """`[output, d_input, d_kernel(, d_bias)]` of `sum(layer(x) * upstream)`.

    The layer runs twice: once for the output, once differentiated.
    """
    upstream = ops.convert_to_tensor(upstream)

    def loss(x, *_):
        return ops.sum(layer(x) * upstream)

    return [layer(x), *gradients(loss, [x, *layer.trainable_variables])]


def assert_gradients_equal(filters, kernel_size, input_shape, cls):
    """Outputs and first-order gradients of `cls` equal Conv2D's."""
    ref, ours = twins(filters, kernel_size, input_shape, cls=cls)
    assert ours._uses_custom_gradient()
    x = random_input(input_shape)
    y_ref = ref(x)
    upstream = random_input(tuple(y_ref.shape), seed=7)
    for name, a, b in zip(
        ("output", "d_input", "d_kernel", "d_bias"),
        grads(ours, x, upstream),
        grads(ref, x, upstream),
    ):
        b = ops.convert_to_numpy(b)
        assert_allclose(a, b, atol=1e-5 * float(np.max(np.abs(b))), msg=name)


def penalty_gradients(conv, x, variables):
    """d/d variables of a WGAN-GP-like penalty on `d sum(conv(x)^2) / dx`."""

    def penalty(*_):
        (dx,) = gradients(
            lambda x: ops.sum(ops.square(conv(x))), [x], create_graph=True
        )
        norms = ops.sqrt(ops.sum(ops.square(ops.reshape(dx, (x.shape[0], -1))), 1))
        return ops.mean(ops.square(norms - 1))

    return gradients(penalty, variables)


def assert_second_order_gradients_equal(filters, input_shape, cls):
    """The gradient penalty of WGAN-GP differentiates the input gradient."""
    x = random_input(input_shape)
    results = [
        penalty_gradients(layer, x, layer.trainable_variables)
        for layer in twins(filters, 4, input_shape, cls=cls)
    ]
    for a, b in zip(*results):
        b = ops.convert_to_numpy(b)
        assert_allclose(a, b, atol=1e-5 * float(np.max(np.abs(b))))


def assert_fit_matches_conv2d(cls, filters):
    """One `fit` step (traced train function) gives the same weights."""
    x = random_input((4, 12, 12, 8))
    y = random_input((4, 6, 6, filters), seed=3)
    weights = []
    for layer_cls in (keras.layers.Conv2D, cls):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((12, 12, 8)), layer_cls(filters, 7)])
        model.compile(keras.optimizers.SGD(0.1), "mse")
        model.fit(x, y, epochs=2, batch_size=2, verbose=0)
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        assert_allclose(a, b, atol=1e-5)
