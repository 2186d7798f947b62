"""What the GAN train steps' graphs need: one call per network, networks
traced once, and the data's static shapes.

These are train-step helpers (TensorFlow allowed): CycleGAN and DCGAN call
their networks through them; `GANModel.fit` builds the model from
`data_shapes` before the step is traced.
"""

import weakref

import keras
import numpy as np
import tensorflow as tf
from keras import ops


def call_once(network, batches, training):
    """Outputs of `network` for each batch in `batches`, from ONE call.

    The batches are concatenated on the batch axis, so that a spectrally
    normalized discriminator does one power iteration and judges all of
    them with the same weights. CycleGAN passes (real, pooled, fake), DCGAN
    (real, fake). CycleGAN also runs each generator once on (a, b) when the
    generator is per-sample (`is_per_sample`): fewer ops to trace.

    Args:
        network: callable. A network (or `traced(network)`).
        batches: sequence of tensors with equal non-batch shapes.
        training: bool. Passed to the network.

    Returns:
        A tuple with one output per batch, in order.

    Example:

    ```python
    import keras
    import numpy as np
    from keras_gans.models.tracing import call_once

    net = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    real, fake = call_once(net, (np.ones((2, 4)), np.zeros((3, 4))), False)
    tuple(fake.shape)  # (3, 1)
    ```
    """
    sizes = [ops.shape(b)[0] for b in batches]
    outputs = network(
        ops.concatenate([ops.cast(b, "float32") for b in batches], axis=0),
        training=training,
    )
    out, start = [], 0
    for size in sizes:
        out.append(outputs[start : start + size])
        start = start + size
    return tuple(out)


def traced(network):
    """`network`, called through `tf.function`s traced once per network.

    A train step calls each CycleGAN generator twice (on `[a; b]` and on the
    other generator's fakes). Traced inline, every call adds the whole
    network and its backward pass to the step's graph again. Called through
    a `tf.function` with the batch size left open, the network is traced
    once, however many calls and batch sizes the step has, and so is its
    backward pass: the first step (tracing, graph optimization) is shorter,
    the numbers are the same (TensorFlow inlines the function before
    running it).

    Only inside a graph being traced and without a `tf.distribute`
    strategy (a function traced on one replica must not serve another);
    otherwise `network` itself is returned.

    Not on a persistent tape: TensorFlow differentiates a function call on a
    persistent tape (or nested tapes) for every order of derivative it
    could be asked for, which makes tracing slower, not faster.

    Args:
        network: `keras.Model`. The network to call.

    Returns:
        A `TracedNetwork` (cached per network) or `network` itself.

    Example:

    ```python
    import keras
    from keras_gans.models.tracing import traced

    net = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    traced(net) is net  # True outside a traced function
    ```
    """
    if not tf.inside_function() or tf.distribute.has_strategy():
        return network
    function = TRACED.get(network)
    if function is None:
        function = TRACED[network] = TracedNetwork(network)
    return function


class TracedNetwork:
    """Calls a network through one `tf.function` per (training, input spec).

    Holds the network by a weak reference. See `traced`.

    Args:
        network: `keras.Model`. The network to call.

    Example:

    ```python
    import keras
    import numpy as np
    from keras_gans.models.tracing import TracedNetwork

    net = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    y = TracedNetwork(net)(np.ones((2, 4), "float32"), training=False)
    ```
    """

    def __init__(self, network):
        # A weak reference: the cache must not keep a network alive.
        self._network = weakref.ref(network)
        self._functions = {}

    def __call__(self, inputs, training=None):
        inputs = tf.convert_to_tensor(inputs)
        key = (training, inputs.dtype, tuple(inputs.shape[1:]))
        function = self._functions.get(key)
        if function is None:
            network = self._network
            spec = tf.TensorSpec((None, *key[2]), key[1])

            def call(x):
                return network()(x, training=training)

            function = tf.function(call, input_signature=[spec], autograph=False)
            self._functions[key] = function
        outputs = function(inputs)

        # The batch size is open inside the function: give the outputs the
        # inputs' static batch size again.
        def restore_batch(t):
            if isinstance(t, tf.Tensor) and t.shape.rank:
                t.set_shape(inputs.shape[:1].concatenate(t.shape[1:]))
            return t

        return tf.nest.map_structure(restore_batch, outputs)


#: network -> its `TracedNetwork` (weak keys: a network's cache dies with it).
TRACED = weakref.WeakKeyDictionary()


def is_per_sample(network):
    """True when no layer of `network` mixes the samples of a batch.

    Then one call on a concatenated batch equals one call per part. Batch
    normalization (the only batch-mixing layer the networks use) says no.

    Args:
        network: `keras.Model`.

    Returns:
        bool.

    Example:

    ```python
    import keras
    from keras_gans.models.tracing import is_per_sample

    bn = keras.Sequential([keras.Input((4,)), keras.layers.BatchNormalization()])
    is_per_sample(bn)  # False
    ```
    """
    return not any(
        isinstance(layer, keras.layers.BatchNormalization)
        for layer in network._flatten_layers(include_self=False, recursive=True)
    )


def same_static_shape(*tensors):
    """True when the tensors' non-batch shapes are equal and fully known.

    Example:

    ```python
    import numpy as np
    from keras_gans.models.tracing import same_static_shape

    same_static_shape(np.zeros((1, 8, 8, 3)), np.zeros((2, 8, 8, 3)))  # True
    ```
    """
    shapes = {tuple(t.shape[1:]) for t in tensors}
    return len(shapes) == 1 and None not in next(iter(shapes))


def data_shapes(x, y=None):
    """Shapes of one element of `x` (and `y`), or None if unknown.

    Datasets are read from their `element_spec`, arrays from their shape;
    nothing is consumed. Other inputs (Python generators) give None.

    Args:
        x: a `tf.data.Dataset`, array, tensor or nest of them.
        y: the targets `fit` was given, or None.

    Returns:
        A nest of shape tuples, or None.

    Example:

    ```python
    import numpy as np
    from keras_gans.models.tracing import data_shapes

    data_shapes(np.zeros((4, 8, 8, 3)), np.zeros((4, 8, 8, 3)))
    # ((4, 8, 8, 3), (4, 8, 8, 3))
    ```
    """
    leaves = []

    def shape_of(v):
        if isinstance(v, tf.TensorSpec | tf.Tensor | np.ndarray | keras.KerasTensor):
            shape = tuple(v.shape)
        else:
            shape = None
        leaves.append(shape)
        return shape

    if isinstance(x, tf.data.Dataset):
        spec = x.element_spec
        if isinstance(spec, tuple) and len(spec) == 1:
            spec = spec[0]
        shapes = tf.nest.map_structure(shape_of, spec)
    elif y is not None:
        shapes = (
            tf.nest.map_structure(shape_of, x),
            tf.nest.map_structure(shape_of, y),
        )
    elif isinstance(x, np.ndarray | tf.Tensor | list | tuple):
        shapes = tf.nest.map_structure(shape_of, x)
    else:
        return None
    if not leaves or any(s is None for s in leaves):
        return None
    return shapes
