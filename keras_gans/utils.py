"""Small shared utilities: seeding for reproducible runs, CPU thread pools
and memory allocator (`onednn_enabled` is `keras_gans.config`'s)."""

import os
import random

import keras
import numpy as np

# Moved to `keras_gans.config`; importable from here as before.
from keras_gans.config import onednn_enabled  # noqa: F401


def set_seed(seed, deterministic_ops=True):
    """Seed every random number generator a training run uses.

    Sets the seeds of Python's `random`, NumPy's global generator,
    TensorFlow (`tf.random.set_seed`, which also fixes the seeds of
    `tf.data` shuffles and of random ops without an explicit seed) and the
    global Keras `SeedGenerator` (via `keras.utils.set_random_seed`), sets
    `PYTHONHASHSEED` for subprocesses and, with `deterministic_ops=True`,
    calls `tf.config.experimental.enable_op_determinism()`.

    Call it *before* building the model: the initial weights and the seeds
    of the layers' `SeedGenerator`s (image pools, dropout) are drawn when the
    networks are created. With the same seed, the same data and the same
    software on the same CPU, two runs give bit-identical weights; see
    `docs/reliability.md` for what is and is not deterministic on GPU.

    Enabling op determinism is process-wide and cannot be undone through the
    public API. It makes `tf.data` maps with stateful ops run serially, and
    TensorFlow random ops without any seed raise an error (seeded ones are
    fine, and this function sets the global seed).

    Args:
        seed: int. A seed in `[0, 2**32)`.
        deterministic_ops: bool. Also enable TensorFlow op determinism.
            Defaults to `True`.

    Example:

    ```python
    from keras_gans import networks
    from keras_gans.utils import set_seed

    set_seed(42)
    g1 = networks.create("resnet_6blocks", ngf=4, n_blocks=1)
    set_seed(42)
    g2 = networks.create("resnet_6blocks", ngf=4, n_blocks=1)
    # g1 and g2 have identical initial weights.
    ```
    """
    if (
        isinstance(seed, bool)
        or not isinstance(seed, int | np.integer)
        or not 0 <= seed < 2**32
    ):
        raise ValueError(
            f"`seed` must be an integer in [0, 2**32). Received: seed={seed!r}"
        )
    if not isinstance(deterministic_ops, bool):
        raise ValueError(
            "`deterministic_ops` must be a bool. "
            f"Received: deterministic_ops={deterministic_ops!r}"
        )
    seed = int(seed)
    # Only affects child processes (hash randomization of this one is fixed
    # at interpreter start-up), e.g. data workers or a resumed run.
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    # Python, NumPy, TensorFlow and the global Keras SeedGenerator.
    keras.utils.set_random_seed(seed)
    if deterministic_ops:
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


def configure_threads(inter_op="auto", intra_op=None):
    """Size TensorFlow's thread pools, before the runtime starts.

    TensorFlow runs independent ops side by side (`inter_op` threads), each
    op on a pool of `intra_op` threads. A GAN train step on CPU has little
    to run side by side, and running it anyway keeps more buffers alive at
    once: on a 2-core CPU, one inter-op thread made a 256x256 CycleGAN step
    no slower, the first step shorter and peak memory about 1 GiB lower
    (docs/benchmarks.md). `inter_op="auto"` therefore means 1 on a machine
    without GPU and TensorFlow's default with one.

    The pools can only be sized before TensorFlow executes its first op;
    later calls change nothing and return `False`.

    Args:
        inter_op: int, `"auto"` or None. Inter-op threads; `0` or `None`:
            TensorFlow's default. Defaults to `"auto"`.
        intra_op: int or None. Threads of each op; `0` or `None`:
            TensorFlow's default (one per core). Defaults to `None`.

    Returns:
        bool: whether the pools were set as asked.

    Example:

    ```python
    from keras_gans.utils import configure_threads

    configure_threads()  # first thing, before building a model
    ```
    """
    for name, value in (("inter_op", inter_op), ("intra_op", intra_op)):
        if value is None or (name == "inter_op" and value == "auto"):
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(
                f"`{name}` must be a non-negative integer"
                + (', "auto"' if name == "inter_op" else "")
                + f" or None. Received: {name}={value!r}"
            )
    import tensorflow as tf

    if inter_op == "auto":
        inter_op = 0 if tf.config.list_physical_devices("GPU") else 1
    try:
        if inter_op:
            tf.config.threading.set_inter_op_parallelism_threads(inter_op)
        if intra_op:
            tf.config.threading.set_intra_op_parallelism_threads(intra_op)
    except RuntimeError:  # the runtime has started: too late
        return False
    return True


_BFC_ENV = "TF_CPU_ALLOCATOR_USE_BFC"
CPU_ALLOCATORS = ("auto", "bfc", "default")


def configure_allocator(cpu="auto"):
    """Pick TensorFlow's CPU memory allocator, before the runtime starts.

    By default TensorFlow allocates CPU tensors with `malloc`, which maps
    large buffers (above 32 MiB at the latest, such as the 64-channel
    activations of a 256x256 batch of 2) straight from the kernel and unmaps
    them on `free`: the kernel zero-fills their pages again at every step.
    TensorFlow's BFC allocator (the one it uses on GPUs) keeps freed memory
    for the next step instead. In a 256x256 CycleGAN run on a 2-core CPU
    (3 runs each) it took the kernel (system) time from 9.4 to 3.5 s, the
    first step from 29.9 to 28.0 s and the step from 19.4 to 19.1 s
    (medians), with the same peak memory (docs/benchmarks.md).

    `cpu="auto"` means `"bfc"` on a machine without GPU and TensorFlow's
    default with one. A `TF_CPU_ALLOCATOR_USE_BFC` environment variable set
    by the user wins over `"auto"`. TensorFlow reads the setting when it
    creates its devices (its first op): later calls change nothing and
    return `False`.

    Args:
        cpu: str. `"auto"`, `"bfc"` or `"default"` (`malloc`). Defaults to
            `"auto"`.

    Returns:
        bool: whether the runtime will use the allocator asked for.

    Example:

    ```python
    from keras_gans.utils import configure_allocator, configure_threads

    configure_threads()  # first thing, before building a model
    configure_allocator()
    ```
    """
    if cpu not in CPU_ALLOCATORS:
        raise ValueError(
            f"`cpu` must be one of {CPU_ALLOCATORS}. Received: cpu={cpu!r}"
        )
    import tensorflow as tf

    if cpu == "auto":
        if _BFC_ENV in os.environ:
            return True
        cpu = "default" if tf.config.list_physical_devices("GPU") else "bfc"
    from tensorflow.python.eager import context

    if getattr(context.context(), "_initialized", False):  # too late
        return uses_bfc_allocator() == (cpu == "bfc")
    os.environ[_BFC_ENV] = "true" if cpu == "bfc" else "false"
    return True


def uses_bfc_allocator():
    """Whether TensorFlow takes large CPU tensors from a BFC memory pool.

    That is the BFC allocator (`configure_allocator("bfc")`), and also the
    default allocator of a TensorFlow that runs oneDNN (`onednn_enabled()`):
    oneDNN's allocator serves large tensors from a BFC pool and small ones
    with `malloc`. Starts the runtime if it has not started yet (so call it
    after `configure_allocator`).

    Returns:
        bool: `True` for a BFC pool, `False` for `malloc`.

    Example:

    ```python
    from keras_gans.utils import uses_bfc_allocator

    print(uses_bfc_allocator())
    ```
    """
    import tensorflow as tf

    try:
        # Only allocators with a BFC pool keep statistics.
        tf.config.experimental.get_memory_info("CPU:0")
    except ValueError:
        return False
    return True
