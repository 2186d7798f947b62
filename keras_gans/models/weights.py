"""Copying and assigning network weights: EMA copies, pretrained starts.

`GANModel` keeps its exponential moving averages of the generators in
copies made by `clone_network` and updated with `assign_variable` (which
also works inside a `tf.distribute` replica context), and gives a copy with
batch norm statistics of its own weights with `recompute_norm_statistics`;
`GeneratorPretrainer` users start both CycleGAN generators from one
pretrained network with `copy_weights`.
"""

import keras
import tensorflow as tf


def clone_network(network, name):
    """A copy of `network` with its own variables holding the same values.

    Args:
        network: `keras.Model`. A functional network (as the registry's).
        name: str. The name of the copy.

    Returns:
        A `keras.Model` with `trainable=False`.

    Example:

    ```python
    import keras
    from keras_gans.models.weights import clone_network

    net = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    ema = clone_network(net, "net_ema")
    ema.trainable  # False
    ```
    """
    copy = keras.models.clone_model(network)
    copy.name = name
    copy_weights(network, copy)
    copy.trainable = False
    return copy


def copy_weights(source, target):
    """Assign the weights of network `source` to network `target`.

    Args:
        source: `keras.Model`. The network to copy from.
        target: `keras.Model`. A network of the same config.

    Raises:
        ValueError: naming the first weight whose shape differs, or the
            weight counts when they differ.

    Example:

    ```python
    import keras
    from keras_gans.models.weights import copy_weights

    def net():
        return keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])

    source, target = net(), net()
    copy_weights(source, target)  # target now computes as source
    ```
    """
    if len(source.weights) != len(target.weights):
        raise ValueError(
            f"{source.name!r} has {len(source.weights)} weights, {target.name!r} "
            f"has {len(target.weights)}: build both with the same network config."
        )
    for s, t in zip(source.weights, target.weights):
        if tuple(s.shape) != tuple(t.shape):
            raise ValueError(
                f"Weight {s.path} of {source.name!r} has shape {tuple(s.shape)}, "
                f"but {t.path} of {target.name!r} has {tuple(t.shape)}: build "
                "both with the same network config."
            )
        t.assign(s)


def assign_variable(variable, value):
    """`variable.assign(value)`, also in a `tf.distribute` replica context.

    There a mirrored variable is updated through the strategy
    (`merge_call`), so that every replica's copy takes the same value.

    Args:
        variable: `keras.Variable`.
        value: tensor of the variable's shape.

    Example:

    ```python
    import keras
    from keras_gans.models.weights import assign_variable

    v = keras.Variable(0.0)
    assign_variable(v, 2.0)
    ```
    """
    context = tf.distribute.get_replica_context()
    if tf.distribute.has_strategy() and context is not None:

        def update(strategy, var, val):
            strategy.extended.update(
                var, lambda v, x: v.assign(x), args=(val,), group=False
            )

        target = getattr(variable, "value", variable)
        context.merge_call(update, args=(target, value))
        return
    variable.assign(value)


def recompute_norm_statistics(network, batches):
    """Set the moving statistics of `network`'s batch norms for its weights.

    Runs `network` in training mode on each batch and sets every
    `BatchNormalization` layer's moving mean and variance to the mean of its
    batch statistics over the batches (as `torch.optim.swa_utils.update_bn`
    does for averaged weights). An EMA copy takes the trained network's
    statistics with its averaged weights, which do not match them; this
    gives it its own. The layers' `trainable` and `momentum` are restored.

    Args:
        network: `keras.Model`. May be frozen (`trainable=False`).
        batches: iterable of network inputs (arrays), at least one.

    Returns:
        int: the number of batch-norm layers updated (0: nothing to do).

    Raises:
        ValueError: when `batches` is empty.

    Example:

    ```python
    import keras
    import numpy as np
    from keras_gans.models.weights import recompute_norm_statistics

    net = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(3), keras.layers.BatchNormalization()]
    )
    x = np.random.default_rng(0).normal(size=(2, 32, 4)).astype("float32")
    recompute_norm_statistics(net, x)  # 1; the moving stats: x's two batches
    ```
    """
    norms = [
        layer
        for layer in network._flatten_layers(include_self=False)
        if isinstance(layer, keras.layers.BatchNormalization)
    ]
    if not norms:
        return 0
    stats = [(layer.moving_mean, layer.moving_variance) for layer in norms]
    before = [[keras.ops.convert_to_numpy(v) for v in pair] for pair in stats]
    saved = [(layer.momentum, layer.trainable) for layer in norms]
    sums, count = [[0.0, 0.0] for _ in norms], 0
    try:
        for layer in norms:
            layer.momentum, layer.trainable = 0.0, True  # moving := batch stats
        for batch in batches:
            network(batch, training=True)
            for total, pair in zip(sums, stats):
                for i, variable in enumerate(pair):
                    total[i] = total[i] + keras.ops.convert_to_numpy(variable)
            count += 1
    except BaseException:  # the statistics as they were
        for pair, values in zip(stats, before):
            for variable, value in zip(pair, values):
                variable.assign(value)
        raise
    finally:
        for layer, (momentum, trainable) in zip(norms, saved):
            layer.momentum, layer.trainable = momentum, trainable
    if not count:  # no batch ran: nothing changed
        raise ValueError(
            f"`batches` gave no batch to run {network.name!r} on: pass at least one."
        )
    for pair, total in zip(stats, sums):
        for variable, value in zip(pair, total):
            variable.assign(value / count)
    return len(norms)
