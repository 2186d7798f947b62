"""Train a tiny CycleGAN 3 steps on JAX on one device, then with
`keras_gans.distribute.get_strategy("mirrored")` (Keras' DataParallel) over
two virtual CPU devices from the same weights; print the largest
differences as JSON (a subprocess of tests/backends/test_data_parallel.py,
run with `KERAS_BACKEND=jax` and two host devices)."""

import json

import keras
import numpy as np
import tensorflow as tf

from keras_gans import distribute
from tests import tiny


def train(initial=None):
    model = tiny.tiny_cyclegan(pool_size=0)
    model.compile()
    a, b = tiny.random_pairs(n=12, size=16)
    model.build(((None, 16, 16, 3), (None, 16, 16, 3)))
    if initial is not None:
        model.set_weights(initial)
    start = model.get_weights()
    ds = tf.data.Dataset.from_tensor_slices((a, b)).batch(4)
    history = model.fit(ds, epochs=1, verbose=0)
    return model, start, history.history


def main():
    keras.utils.set_random_seed(0)
    single, start, single_logs = train()
    single_end = single.get_weights()
    strategy = distribute.get_strategy("mirrored")
    parallel, _, parallel_logs = train(start)
    sharding = parallel.generator_ab.weights[0].value.sharding
    print(
        json.dumps(
            {
                "replicas": strategy.num_replicas_in_sync,
                "devices": len(sharding.device_set),
                "log_diff": max(
                    abs(single_logs[k][-1] - parallel_logs[k][-1]) for k in single_logs
                ),
                "weight_diff": max(
                    float(np.abs(x - y).max())
                    for x, y in zip(single_end, parallel.get_weights())
                ),
                "moved": max(
                    float(np.abs(x - y).max()) for x, y in zip(start, single_end)
                ),
            }
        )
    )


if __name__ == "__main__":
    main()
