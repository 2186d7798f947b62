"""Multi-device training with `tf.distribute`: strategies, data, random rows.

The keras_gans models train under TensorFlow's own strategies, the Keras
way: create and compile the model inside `strategy.scope()`, then call
`model.fit(dataset)`; Keras splits each (global) batch over the replicas.

```python
import keras_gans
from keras_gans import distribute

strategy = distribute.get_strategy("mirrored")  # all local GPUs
with strategy.scope():
    model = keras_gans.CycleGAN.from_preset("cyclegan_paper")
model.fit(distribute.prepare_dataset(dataset, strategy), epochs=200)
```

What happens per replica and what is reduced (see `docs/distributed.md`):

- losses are means over the replica's share of the batch; the train steps
  divide their gradients by the number of replicas and the optimizers sum
  them over replicas, which gives the gradient of the global-batch mean
  (exact when every replica gets the same number of samples);
- instance norm is per sample, so per replica is the same as global; batch
  norm is per replica unless `sync_batch_norm(model)` is called;
- the CycleGAN image pools are per replica: each replica keeps `pool_size`
  of its own fakes (a saved model holds replica 0's pools);
- per-sample random draws (DCGAN noise, pool coins, WGAN-GP interpolation)
  are drawn for the global batch and each replica takes its own rows
  (`replica_rows`), so replicas never share noise and the step draws what
  one device would;
- loss trackers are summed on read across replicas (means of the replica
  means).

This module is TensorFlow code (distribution), like the train steps.
"""

import contextlib
import json
import os

import keras
import tensorflow as tf

from keras_gans._checks import check_int

STRATEGIES = ("default", "mirrored", "multiworker")
AUTO_SHARD_POLICIES = {
    "auto": tf.data.experimental.AutoShardPolicy.AUTO,
    "data": tf.data.experimental.AutoShardPolicy.DATA,
    "file": tf.data.experimental.AutoShardPolicy.FILE,
    "off": tf.data.experimental.AutoShardPolicy.OFF,
}


# === Strategies ===


def parse_devices(devices):
    """Check and normalize a device list for `MirroredStrategy`.

    Accepts what a user types: `"0,1"` or `[0, 1]` (GPU indices), `"gpu:0"`,
    `"/GPU:1"`, `"/device:CPU:0"`, or a list of these. Does not look at the
    machine (see `get_strategy` for that).

    Args:
        devices: None, int, str (comma separated) or list/tuple of int/str.

    Returns:
        None (for `None`), or a list of canonical names such as
        `["/device:GPU:0", "/device:GPU:1"]`.

    Example:

    ```python
    from keras_gans.distribute import parse_devices

    parse_devices("0,1")  # ['/device:GPU:0', '/device:GPU:1']
    parse_devices(["cpu:0", "/CPU:1"])  # ['/device:CPU:0', '/device:CPU:1']
    ```
    """
    if devices is None:
        return None
    if isinstance(devices, str):
        items = [d.strip() for d in devices.split(",")]
    elif isinstance(devices, int) and not isinstance(devices, bool):
        items = [devices]
    elif isinstance(devices, list | tuple):
        items = list(devices)
    else:
        raise ValueError(
            "`devices` must be None, a comma-separated string, an int or a "
            f"list of device names / GPU indices. Received: devices={devices!r}"
        )
    if not items:
        raise ValueError(f"`devices` must not be empty. Received: devices={devices!r}")
    names = []
    for item in items:
        names.append(_device_name(item, devices))
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(
            f"`devices` lists {duplicates} more than once. "
            f"Received: devices={devices!r}"
        )
    return names


def _device_name(item, devices):
    """`item` of `devices` as '/device:TYPE:INDEX', or a ValueError."""
    spec = None
    if isinstance(item, bool):
        pass
    elif isinstance(item, int) or (isinstance(item, str) and item.isdigit()):
        if int(item) >= 0:
            return f"/device:GPU:{int(item)}"
    elif isinstance(item, str) and item:
        try:
            spec = tf.DeviceSpec.from_string(
                item if item.startswith("/") else "/" + item
            )
        except ValueError:
            spec = None
    if spec is not None and spec.device_type and spec.device_index is not None:
        return f"/device:{spec.device_type.upper()}:{spec.device_index}"
    raise ValueError(
        f"Invalid device {item!r} in `devices`: use a GPU index (`0`) or a "
        f"name like 'gpu:0', '/GPU:1', '/device:CPU:0'. Received: devices={devices!r}"
    )


def get_strategy(name="mirrored", devices=None):
    """Create a `tf.distribute` strategy from a name (and a device list).

    Args:
        name: str, `tf.distribute.Strategy` or None.
            - `"mirrored"`: `tf.distribute.MirroredStrategy`, one host and
              several devices (all local GPUs, or the CPU when there are
              none, unless `devices` says which).
            - `"multiworker"`: `tf.distribute.MultiWorkerMirroredStrategy`,
              several hosts described by the `TF_CONFIG` environment
              variable (checked here), every local GPU of each host. Create
              it at the start of the program, before any other TensorFlow
              work.
            - `"default"` or `None`: the current strategy (no distribution
              outside any scope).
            - a strategy instance is returned as it is.
            Defaults to `"mirrored"`.
        devices: see `parse_devices`; only with `"mirrored"`. Every device
            must exist on this machine (`tf.config.list_logical_devices()`).
            Defaults to `None`.

    Returns:
        A `tf.distribute.Strategy`.

    Example:

    ```python
    import keras_gans
    from keras_gans import distribute, networks

    strategy = distribute.get_strategy("mirrored", devices=["cpu:0"])
    with strategy.scope():
        model = keras_gans.CycleGAN(
            networks.create("resnet_6blocks", ngf=4, n_blocks=1),
            networks.create("resnet_6blocks", ngf=4, n_blocks=1),
            networks.create("patchgan", ndf=4, n_layers=1),
            networks.create("patchgan", ndf=4, n_layers=1),
        )
        model.compile()
    strategy.num_replicas_in_sync  # 1
    ```
    """
    if isinstance(name, tf.distribute.Strategy):
        if devices is not None:
            raise ValueError(
                "`devices` cannot be used with a strategy instance. "
                f"Received: devices={devices!r}"
            )
        return name
    key = _strategy_key(name, devices)
    if key == "default":
        return tf.distribute.get_strategy()
    if keras.backend.backend() != "tensorflow":
        return _keras_data_parallel(key, devices)
    if key == "multiworker":
        check_tf_config()
        return tf.distribute.MultiWorkerMirroredStrategy()
    return _mirrored(devices)


def _strategy_key(name, devices):
    """The entry of `STRATEGIES` that `name` means; errors for bad arguments."""
    if name is not None and not isinstance(name, str):
        raise ValueError(
            f"`name` must be one of {STRATEGIES}, None or a "
            f"tf.distribute.Strategy. Received: name={name!r}"
        )
    key = "default" if name is None else name.lower().replace("_", "").replace("-", "")
    if key not in STRATEGIES:
        raise ValueError(
            f"`name` must be one of {STRATEGIES}, None or a "
            f"tf.distribute.Strategy. Received: name={name!r}"
        )
    if key != "mirrored" and devices is not None:
        raise ValueError(
            f"`devices` only applies to the 'mirrored' strategy (a multi-worker "
            "job uses every GPU of each worker: restrict them with "
            "CUDA_VISIBLE_DEVICES on the worker). Received: "
            f"name={name!r}, devices={devices!r}"
        )
    return key


def _mirrored(devices):
    """A `MirroredStrategy` over `devices` (all local GPUs for None)."""
    names = parse_devices(devices)
    if names is None:
        return tf.distribute.MirroredStrategy()
    available = {_canonical(d.name): d.name for d in tf.config.list_logical_devices()}
    missing = [n for n in names if n not in available]
    if missing:
        raise ValueError(
            f"Device(s) {missing} of `devices` are not on this machine. "
            f"Available: {sorted(available)}. Received: devices={devices!r}"
        )
    return tf.distribute.MirroredStrategy(devices=names)


class KerasDataParallel:
    """`keras.distribution.DataParallel` behind the part of a
    `tf.distribute.Strategy`'s interface that training code uses
    (`scope()`, `num_replicas_in_sync`): data parallelism on JAX.

    Creating it sets the global Keras distribution, so that variables made
    afterwards are replicated and every batch is split over the devices;
    the jitted train step then computes the global batch's mean loss and
    gradients (norm statistics over the global batch too).

    Args:
        devices: list of str or None. Keras device names (`"gpu:0"`,
            `"cpu:1"`); None for every device of the backend.

    Example:

    ```python
    from keras_gans.distribute import KerasDataParallel

    # On the JAX backend: KerasDataParallel(["gpu:0", "gpu:1"])
    KerasDataParallel.__name__  # 'KerasDataParallel'
    ```
    """

    def __init__(self, devices=None):
        self.distribution = keras.distribution.DataParallel(devices=devices)
        keras.distribution.set_distribution(self.distribution)
        self.num_replicas_in_sync = len(devices or keras.distribution.list_devices())

    def scope(self):
        """The distribution's scope (a context manager)."""
        return self.distribution.scope()


def _keras_data_parallel(key, devices):
    """`get_strategy` on the JAX backend: "mirrored" is Keras' data
    parallelism over local devices; the rest needs TensorFlow."""
    backend = keras.backend.backend()
    if key != "mirrored" or backend != "jax":
        raise ValueError(
            f"The {key!r} strategy needs the tensorflow backend (on jax, "
            f"'mirrored' is keras.distribution.DataParallel). The backend is "
            f"{backend!r}."
        )
    names = parse_devices(devices)
    if names is not None:
        spec = [tf.DeviceSpec.from_string(n) for n in names]
        names = [f"{d.device_type.lower()}:{d.device_index}" for d in spec]
        available = keras.distribution.list_devices()
        missing = [n for n in names if n not in available]
        if missing:
            raise ValueError(
                f"Device(s) {missing} of `devices` are not on this machine. "
                f"Available: {available}. Received: devices={devices!r}"
            )
    return KerasDataParallel(names)


def _canonical(device_name):
    spec = tf.DeviceSpec.from_string(device_name)
    return f"/device:{spec.device_type.upper()}:{spec.device_index}"


def check_tf_config(tf_config=None):
    """Check a multi-worker `TF_CONFIG` (JSON) and return it parsed.

    `TF_CONFIG` tells each worker process the cluster and its own place in
    it, e.g. `{"cluster": {"worker": ["host1:12345", "host2:12345"]},
    "task": {"type": "worker", "index": 0}}`. Unset (or empty) means a
    single worker.

    Args:
        tf_config: str, dict or None. The configuration; `None` reads the
            `TF_CONFIG` environment variable. Defaults to `None`.

    Returns:
        The parsed dict, or None when there is no configuration.

    Example:

    ```python
    from keras_gans.distribute import check_tf_config

    check_tf_config(
        {"cluster": {"worker": ["localhost:12345", "localhost:23456"]},
         "task": {"type": "worker", "index": 1}}
    )["task"]["index"]  # 1
    ```
    """
    if tf_config is None:
        tf_config = os.environ.get("TF_CONFIG", "")
    config = _parse_tf_config(tf_config)
    if config is None:
        return None
    cluster = config.get("cluster")
    _check_cluster(cluster, tf_config)
    _check_task(config.get("task"), cluster, tf_config)
    return config


def _parse_tf_config(tf_config):
    """A `TF_CONFIG` str or dict as a dict; None for a blank string."""
    if isinstance(tf_config, str):
        if not tf_config.strip():
            return None
        try:
            config = json.loads(tf_config)
        except json.JSONDecodeError as error:
            raise ValueError(
                f"TF_CONFIG is not valid JSON ({error}). Received: "
                f"TF_CONFIG={tf_config!r}"
            ) from None
    else:
        config = tf_config
    if not isinstance(config, dict):
        raise ValueError(
            f"TF_CONFIG must be a JSON object. Received: TF_CONFIG={tf_config!r}"
        )
    return config


def _check_cluster(cluster, tf_config):
    """Raise unless `cluster` maps job names to lists of 'host:port'."""
    if not isinstance(cluster, dict) or not cluster:
        raise ValueError(
            "TF_CONFIG needs a 'cluster' mapping of job names ('chief', "
            f"'worker') to lists of 'host:port'. Received: TF_CONFIG={tf_config!r}"
        )
    for job, addresses in cluster.items():
        if (
            not isinstance(addresses, list)
            or not addresses
            or not all(isinstance(a, str) and ":" in a for a in addresses)
        ):
            raise ValueError(
                f"TF_CONFIG cluster job {job!r} must be a non-empty list of "
                f"'host:port' strings. Received: {addresses!r}"
            )


def _check_task(task, cluster, tf_config):
    """Raise unless `task` names a job of `cluster` and an index within it."""
    if not isinstance(task, dict) or "type" not in task or "index" not in task:
        raise ValueError(
            "TF_CONFIG needs a 'task' with 'type' and 'index' (this process's "
            f"place in the cluster). Received: TF_CONFIG={tf_config!r}"
        )
    job, index = task["type"], task["index"]
    if job not in cluster:
        raise ValueError(
            f"TF_CONFIG task type {job!r} is not a job of the cluster "
            f"{sorted(cluster)}. Received: TF_CONFIG={tf_config!r}"
        )
    if (
        isinstance(index, bool)
        or not isinstance(index, int)
        or not 0 <= index < len(cluster[job])
    ):
        raise ValueError(
            f"TF_CONFIG task index must be an int in [0, {len(cluster[job])}) "
            f"for job {job!r}. Received: index={index!r}"
        )


def is_multi_worker(strategy=None):
    """Whether `strategy` is a `MultiWorkerMirroredStrategy` with several workers.

    (A `MultiWorkerMirroredStrategy` without a `TF_CONFIG` cluster runs as
    one local worker, like `MirroredStrategy`.)

    Args:
        strategy: `tf.distribute.Strategy` or None. Defaults to `None` (the
            current strategy).

    Returns:
        A bool.

    Example:

    ```python
    from keras_gans.distribute import get_strategy, is_multi_worker

    is_multi_worker(get_strategy("default"))  # False
    ```
    """
    strategy = strategy or tf.distribute.get_strategy()
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and bool(
        strategy.extended._in_multi_worker_mode()
    )


# === Batches and data ===


def global_batch_size(per_replica_batch_size, strategy=None):
    """The global batch size: per-replica size x replicas in sync.

    Datasets given to `model.fit` under a strategy are batched with the
    global batch size; each replica gets `per_replica_batch_size` samples.

    Args:
        per_replica_batch_size: int. Samples per replica and step.
        strategy: `tf.distribute.Strategy` or None. Defaults to `None` (the
            current strategy).

    Returns:
        An int.

    Example:

    ```python
    from keras_gans.distribute import get_strategy, global_batch_size

    global_batch_size(4, get_strategy("default"))  # 4
    ```
    """
    check_int("per_replica_batch_size", per_replica_batch_size)
    strategy = strategy or tf.distribute.get_strategy()
    return per_replica_batch_size * strategy.num_replicas_in_sync


def prepare_dataset(dataset, strategy=None, *, auto_shard="data"):
    """A batched `tf.data.Dataset` made ready for `model.fit` under `strategy`.

    - Sets the auto-shard policy that multi-worker training uses to give
      each worker its part of the data: `"data"` (every worker reads the
      whole pipeline and keeps its share of the batches; right for
      in-memory, generated or few-file data), `"file"` (each worker reads
      its own files: needs at least as many files as workers), `"auto"`
      (files when possible, else data) or `"off"`. One host ignores it.
    - Checks that a static batch size splits evenly over the replicas:
      with unequal shares the replicas' mean losses would be weighted
      equally, which is not the mean of the global batch. (A dataset
      batched without `drop_remainder=True` has an unknown batch size and
      is not checked: only its last, partial batch is uneven.)

    Keras distributes the dataset itself in `fit`; batch it with the
    global batch size (`global_batch_size`).

    Args:
        dataset: `tf.data.Dataset`. Batches of images (or image tuples).
        strategy: `tf.distribute.Strategy` or None. Defaults to `None` (the
            current strategy).
        auto_shard: str. One of `"data"`, `"file"`, `"auto"`, `"off"`.
            Defaults to `"data"`.

    Returns:
        The dataset with its options set.

    Example:

    ```python
    import numpy as np
    import tensorflow as tf
    from keras_gans.distribute import get_strategy, prepare_dataset

    images = np.zeros((8, 16, 16, 3), "float32")
    ds = tf.data.Dataset.from_tensor_slices(images).batch(4, drop_remainder=True)
    ds = prepare_dataset(ds, get_strategy("default"))
    ```
    """
    if not isinstance(dataset, tf.data.Dataset):
        raise ValueError(
            "`dataset` must be a tf.data.Dataset of batches. "
            f"Received: dataset={dataset!r}"
        )
    if auto_shard not in AUTO_SHARD_POLICIES:
        raise ValueError(
            f"`auto_shard` must be one of {tuple(AUTO_SHARD_POLICIES)}. "
            f"Received: auto_shard={auto_shard!r}"
        )
    strategy = strategy or tf.distribute.get_strategy()
    replicas = strategy.num_replicas_in_sync
    batch = _static_batch_size(dataset.element_spec)
    if replicas > 1 and batch is not None and batch % replicas:
        raise ValueError(
            f"The global batch size {batch} does not split evenly over "
            f"{replicas} replicas: batch the dataset with a multiple of "
            f"{replicas} (e.g. keras_gans.distribute.global_batch_size(n))."
        )
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = AUTO_SHARD_POLICIES[auto_shard]
    return dataset.with_options(options)


def _static_batch_size(element_spec):
    for spec in tf.nest.flatten(element_spec):
        shape = getattr(spec, "shape", None)
        if shape is not None and shape.rank:
            return shape[0]
    return None


# === Inside the train step ===


def replica_rows(draw, batch_size):
    """This replica's rows of a per-sample random draw for the global batch.

    `draw(n)` must return a tensor whose first axis has `n` rows (e.g.
    `lambda n: keras.random.normal((n, 100), seed=seed_generator)`). On one
    replica this is `draw(batch_size)`. With several replicas (inside a
    train step under a strategy) every replica draws the rows of the whole
    global batch from the same random state and keeps its own slice:
    replicas never share noise, and the step draws exactly what one device
    would for the same global batch. The replicas' batch sizes are
    all-gathered, so unequal shares are sliced correctly.

    Args:
        draw: callable. `n -> tensor` with `n` rows.
        batch_size: int or scalar tensor. This replica's number of rows.

    Returns:
        A tensor with `batch_size` rows.

    Example:

    ```python
    import keras
    from keras_gans.distribute import replica_rows

    seed = keras.random.SeedGenerator(0)
    z = replica_rows(lambda n: keras.random.normal((n, 8), seed=seed), 4)  # (4, 8)
    ```
    """
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return draw(batch_size)
    local = tf.cast(tf.reshape(batch_size, [1]), tf.float32)
    # float32: collectives on every device type; batch sizes are exact.
    sizes = tf.cast(context.all_gather(local, axis=0), tf.int32)
    replica = context.replica_id_in_sync_group
    start = tf.reduce_sum(sizes[:replica])
    rows = draw(tf.reduce_sum(sizes))
    return rows[start : start + tf.cast(batch_size, tf.int32)]


# === Models and variables ===


def sync_batch_norm(model):
    """Make every `BatchNormalization` of `model` use global-batch statistics.

    Under a strategy, Keras batch norm computes its statistics over each
    replica's share of the batch (and each replica updates its own moving
    averages). With `synchronized=True` the statistics are all-reduced over
    the replicas, so a step equals one device's step on the global batch.
    Call it before the first `fit` (the setting is read when the train step
    is traced; it is saved with the model). Models with instance or no
    normalization (CycleGAN) need nothing: those are per sample.

    Args:
        model: `keras.Model` (or layer). Searched recursively.

    Returns:
        The number of batch-norm layers changed.

    Example:

    ```python
    import keras_gans
    from keras_gans.distribute import sync_batch_norm

    model = keras_gans.DCGAN.from_preset(
        "cspup", generator={"filters": (16, 8)}, discriminator={"ndf": 8}
    )
    n = sync_batch_norm(model)  # > 0: the CSPup generator uses batch norm
    ```
    """
    if not isinstance(model, keras.layers.Layer):
        raise ValueError(f"`model` must be a Keras model. Received: model={model!r}")
    count = 0
    for layer in model._flatten_layers(include_self=True, recursive=True):
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.synchronized = True
            count += 1
    return count


def replica_values(variable, strategy=None):
    """The value of `variable` on each replica, as numpy arrays.

    Variables created under a strategy are mirrored. Trained weights are
    equal on all replicas; per-replica state (image pools, seed states,
    batch-norm moving averages without `sync_batch_norm`) may differ.
    Reading the variable directly outside the step gives replica 0's copy,
    which is also what is saved.

    Args:
        variable: `keras.Variable` or `tf.Variable`.
        strategy: `tf.distribute.Strategy` or None. Defaults to `None` (the
            variable's own).

    Returns:
        A list of numpy arrays, one per local replica.

    Example:

    ```python
    import keras
    from keras_gans.distribute import replica_values

    v = keras.Variable(1.0)
    replica_values(v)  # [array(1., dtype=float32)]
    ```
    """
    value = variable.value if isinstance(variable, keras.Variable) else variable
    strategy = strategy or getattr(value, "distribute_strategy", None)
    strategy = strategy or tf.distribute.get_strategy()
    return [
        keras.ops.convert_to_numpy(v)
        for v in strategy.experimental_local_results(value)
    ]


def creation_scope(model):
    """The context in which to create `model`'s state variables (in `build`).

    A model made inside `strategy.scope()` remembers its strategy, but
    `build` often runs later, outside the scope (`fit` builds before it
    distributes): variables created there would be plain, single-device
    variables that all replicas read and write. This re-enters the model's
    strategy scope (a no-op without a strategy; nothing inside a replica).

    Args:
        model: `keras.Model`.

    Returns:
        A context manager.

    Example:

    ```python
    import keras
    from keras_gans.distribute import creation_scope

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    with creation_scope(model):
        state = keras.Variable(0.0, trainable=False)
    ```
    """
    if tf.distribute.in_cross_replica_context() or not tf.distribute.has_strategy():
        strategy = getattr(model, "distribute_strategy", None)
        return (strategy or tf.distribute.get_strategy()).scope()
    return contextlib.nullcontext()
