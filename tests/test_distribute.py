"""Tests of keras_gans.distribute and of training under tf.distribute.

Training on several replicas needs several devices, and TensorFlow fixes
its devices when it first uses them: the MirroredStrategy checks run in ONE
subprocess that splits the CPU into two logical devices before anything
else, trains tiny models there and on one device, and prints a JSON report
that the tests below read (the rest of the suite keeps its single CPU).
"""

import inspect
import json
import os
import re
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gans
from keras_gans import distribute, networks
from tests import shared

ROOT = Path(__file__).resolve().parents[1]

# === The subprocesses ===

# Shared by both scripts: data, tiny networks, helpers (no TensorFlow ops, so
# that a multi-worker strategy can be created first).
COMMON = textwrap.dedent(
    """
    import json
    import os
    import sys

    import keras
    import numpy as np
    import tensorflow as tf

    import keras_gans
    from keras_gans import distribute, networks

    out = {}
    rng = np.random.default_rng(0)
    a = rng.uniform(-1, 1, (8, 16, 16, 3)).astype("float32")
    b = rng.uniform(-1, 1, (8, 16, 16, 3)).astype("float32")


    def sgd():
        # Plain SGD with a small rate: the update is linear in the gradient,
        # so float rounding is not amplified (Adam's g / sqrt(v) would be).
        return keras.optimizers.SGD(0.01)


    def max_diff(xs, ys):
        return max(
            float(np.max(np.abs(np.asarray(x, "float64") - np.asarray(y, "float64"))))
            for x, y in zip(xs, ys)
        )


    def weights(model, names):
        return [np.asarray(w) for n in names for w in getattr(model, n).weights]


    def tiny_dcgan_networks():
        # Batch norm in both networks; small, since tracing is the slow part.
        z = keras.Input((8,))
        x = keras.layers.Dense(8 * 8 * 4)(z)
        x = keras.layers.Reshape((8, 8, 4))(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.ReLU()(x)
        x = keras.layers.Conv2DTranspose(3, 4, strides=2, padding="same")(x)
        generator = keras.Model(z, keras.layers.Activation("tanh")(x))
        image = keras.Input((16, 16, 3))
        y = keras.layers.Conv2D(4, 4, strides=2, padding="same")(image)
        y = keras.layers.BatchNormalization()(y)
        y = keras.layers.LeakyReLU(0.2)(y)
        y = keras.layers.Dense(1)(keras.layers.Flatten()(y))
        return generator, keras.Model(image, y)


    def dcgan(sync, **options):
        # n_critic=2: the generator steps on every 2nd step.
        keras.utils.set_random_seed(0)
        model = keras_gans.DCGAN(
            *tiny_dcgan_networks(), latent_dim=8, n_critic=2, seed=5, **options
        )
        if sync:
            key = "dcgan_ema" if options else "dcgan"
            out[key + "_synced_batch_norms"] = distribute.sync_batch_norm(model)
        model.compile(sgd(), sgd())
        return model


    DC_NETS = ["generator", "discriminator"]
    """
)

MIRRORED_SCRIPT = (
    textwrap.dedent(
        """
        # MirroredStrategy on 2 logical CPUs vs. one device; prints JSON.
        import os

        os.environ["KERAS_BACKEND"] = "tensorflow"
        import tensorflow as tf

        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2
        )
        """
    )
    + COMMON
    + textwrap.dedent(
        """
        folder = sys.argv[1]
        strategy = distribute.get_strategy("mirrored", devices="cpu:0,cpu:1")
        out["replicas"] = strategy.num_replicas_in_sync
        # Global batch 4: 2 samples per replica, 2 steps per epoch.
        pairs = tf.data.Dataset.from_tensor_slices((a, b)).batch(4, True)


        def log_diff(h1, h2):
            return max(abs(h1.history[k][-1] - h2.history[k][-1]) for k in h1.history)


        def error(fn):
            try:
                fn()
            except ValueError as e:
                return str(e)
            return None


        def tiny_generator():
            # Smaller than resnet_6blocks (tracing is the slow part), with its
            # instance norm: per sample, so the same on any split of a batch.
            x = keras.Input((None, None, 3))
            y = keras.layers.Conv2D(4, 3, padding="same")(x)
            y = keras_gans.layers.InstanceNormalization()(y)
            y = keras.layers.ReLU()(y)
            y = keras.layers.Conv2D(3, 3, padding="same", activation="tanh")(y)
            return keras.Model(x, y)


        # --- CycleGAN, pools of 8 that are still filling in the first 2 steps
        # (a filling pool returns its input: deterministic).
        def cyclegan(pool_size=8, **kwargs):
            keras.utils.set_random_seed(0)
            model = keras_gans.CycleGAN(
                tiny_generator(),
                tiny_generator(),
                networks.create("patchgan", ndf=4, n_layers=1),
                networks.create("patchgan", ndf=4, n_layers=1),
                pool_size=pool_size,
                seed=3,
                **kwargs,
            )
            model.compile(sgd(), sgd(), sgd())
            return model


        NETS = ["generator_ab", "generator_ba", "discriminator_a", "discriminator_b"]
        one = cyclegan()
        start = weights(one, NETS)
        h1 = one.fit(pairs, epochs=1, verbose=0)
        with strategy.scope():
            two = cyclegan()
        h2 = two.fit(distribute.prepare_dataset(pairs, strategy), epochs=1, verbose=0)
        out["cyclegan_weight_diff"] = max_diff(weights(one, NETS), weights(two, NETS))
        out["cyclegan_weight_change"] = max_diff(start, weights(one, NETS))
        out["cyclegan_log_diff"] = log_diff(h1, h2)
        r1 = {k: float(v) for k, v in one.get_metrics_result().items()}
        r2 = {k: float(v) for k, v in two.get_metrics_result().items()}
        out["cyclegan_tracker_diff"] = max(abs(r1[k] - r2[k]) for k in r1)
        out["pool_variable_type"] = type(two.pool_b.images.value).__name__
        single = np.asarray(one.pool_b.images)
        rep0, rep1 = distribute.replica_values(two.pool_b.images)
        counts = distribute.replica_values(two.pool_b.count)
        out["pool_counts"] = [int(c) for c in counts]
        # Replica 0 got samples 0-1 of each batch, replica 1 samples 2-3; the
        # one-device pool stored all 4 per step in order.
        out["pool_rows_diff"] = max_diff(
            [rep0[0:2], rep0[2:4], rep1[0:2], rep1[2:4]],
            [single[0:2], single[4:6], single[2:4], single[6:8]],
        )
        out["pool_unfilled_max"] = max(float(np.abs(r[4:]).max()) for r in (rep0, rep1))

        # --- Train on: the pools fill up (8 per replica), then swap.
        two.fit(pairs, epochs=1, verbose=0)
        full = [x.copy() for x in distribute.replica_values(two.pool_a.images)]
        counts = distribute.replica_values(two.pool_a.count)
        out["pool_full_counts"] = [int(c) for c in counts]
        h3 = two.fit(pairs, epochs=1, verbose=0)
        after = distribute.replica_values(two.pool_a.images)
        out["pool_swapped"] = [bool(np.any(f != x)) for f, x in zip(full, after)]
        out["pool_replicas_differ"] = bool(np.any(after[0] != after[1]))
        out["pool_max_abs"] = float(max(np.abs(x).max() for x in after))
        out["pool_logs_finite"] = bool(
            all(np.isfinite(v[-1]) for v in h3.history.values())
        )
        out["pool_weights_finite"] = bool(
            all(np.isfinite(w).all() for w in weights(two, NETS))
        )

        # --- Save under the strategy, load on one device: replica 0's pool.
        path = os.path.join(folder, "mirrored.keras")
        two.save(path)
        loaded = keras.models.load_model(path)
        out["reload_weight_diff"] = max_diff(weights(two, NETS), weights(loaded, NETS))
        out["reload_pool_diff"] = max_diff(
            [after[0]], [np.asarray(loaded.pool_a.images)]
        )

        # --- EMA generators under the strategy equal one device's.
        EMA = ["generator_ab_ema", "generator_ba_ema"]
        e1 = cyclegan(pool_size=0, ema_decay=0.9)
        e1.fit(pairs, epochs=1, verbose=0)
        with strategy.scope():
            e2 = cyclegan(pool_size=0, ema_decay=0.9)
        e2.fit(distribute.prepare_dataset(pairs, strategy), epochs=1, verbose=0)
        out["ema_weight_diff"] = max_diff(weights(e1, EMA), weights(e2, EMA))
        out["ema_raw_diff"] = max_diff(weights(e2, EMA), weights(e2, NETS[:2]))
        out["ema_updates"] = float(e2.ema_updates.numpy())

        # --- DCGAN with batch norm, synchronized under the strategy.
        images = tf.data.Dataset.from_tensor_slices(a).batch(4, True)
        d1 = dcgan(sync=False)
        start = weights(d1, DC_NETS)
        g1 = d1.fit(images, epochs=1, verbose=0)
        with strategy.scope():
            d2 = dcgan(sync=True)
        g2 = d2.fit(images, epochs=1, verbose=0)
        out["dcgan_weight_diff"] = max_diff(weights(d1, DC_NETS), weights(d2, DC_NETS))
        out["dcgan_weight_change"] = max_diff(start, weights(d1, DC_NETS))
        out["dcgan_log_diff"] = log_diff(g1, g2)
        out["dcgan_generator_steps"] = [
            int(d1.generator_optimizer.iterations.numpy()),
            int(d2.generator_optimizer.iterations.numpy()),
        ]
        # --- The EMA generator's own batch-norm statistics (updated at the
        # epoch's end, outside the replicas) under the strategy.
        ema = {"ema_decay": 0.9, "ema_statistics": 16}
        x1 = dcgan(sync=False, **ema)
        x1.fit(images, epochs=1, verbose=0)
        with strategy.scope():
            x2 = dcgan(sync=True, **ema)
        x2.fit(images, epochs=1, verbose=0)
        G_EMA = ["generator_ema"]
        out["dcgan_ema_diff"] = max_diff(weights(x1, G_EMA), weights(x2, G_EMA))
        moving = [
            (w, e)
            for w, e in zip(x2.generator.weights, x2.generator_ema.weights)
            if "moving" in w.path
        ]
        out["dcgan_ema_statistics"] = len(moving)
        out["dcgan_ema_own_statistics"] = max_diff(*zip(*moving))
        # The one-device result, for the multi-worker test.
        np.savez(os.path.join(folder, "dcgan_one_device.npz"), *weights(d1, DC_NETS))
        out["dcgan_one_device_logs"] = {k: v[-1] for k, v in g1.history.items()}


        # --- replica_rows with unequal shares (3 + 2 rows of a 5-row draw).
        @tf.function
        def shares():
            def fn():
                context = tf.distribute.get_replica_context()
                n = tf.gather([3, 2], context.replica_id_in_sync_group)
                return distribute.replica_rows(lambda k: tf.range(k) * 10, n)

            return strategy.experimental_local_results(strategy.run(fn))


        out["replica_rows"] = [x.numpy().tolist() for x in shares()]

        # --- Argument checks that need two replicas.
        out["odd_batch_error"] = error(
            lambda: distribute.prepare_dataset(pairs.unbatch().batch(3, True), strategy)
        )
        out["global_batch"] = distribute.global_batch_size(4, strategy)
        out["missing_device_error"] = error(
            lambda: distribute.get_strategy("mirrored", devices="cpu:0,cpu:2")
        )
        print(json.dumps(out))
        """
    )
)

WORKER_SCRIPT = (
    textwrap.dedent(
        """
        # One worker of a 2-worker MultiWorkerMirroredStrategy job (TF_CONFIG
        # set by the test): trains the DCGAN of the mirrored script; prints JSON.
        import os
        import sys

        os.environ["KERAS_BACKEND"] = "tensorflow"
        from keras_gans import distribute

        strategy = distribute.get_strategy("multiworker")  # before any TF work
        """
    )
    + COMMON
    + textwrap.dedent(
        """
        out["replicas"] = strategy.num_replicas_in_sync
        out["multi_worker"] = distribute.is_multi_worker(strategy)
        images = tf.data.Dataset.from_tensor_slices(a).batch(4, True)
        with strategy.scope():
            model = dcgan(sync=True)
        history = model.fit(distribute.prepare_dataset(images, strategy), verbose=0)
        out["logs"] = {k: v[-1] for k, v in history.history.items()}
        out["generator_steps"] = int(model.generator_optimizer.iterations.numpy())
        np.savez(sys.argv[1], *weights(model, DC_NETS))
        print(json.dumps(out))
        """
    )
)


def _env(**extra):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.pop("TF_CONFIG", None)
    env.update(extra)
    return env


def _last_json(stdout):
    return json.loads(stdout.strip().splitlines()[-1])


def _two_replicas(folder):
    """Run the two-replica script in `folder`; its JSON report."""
    script = folder / "two_replicas.py"
    script.write_text(MIRRORED_SCRIPT)
    proc = subprocess.run(
        [sys.executable, str(script), str(folder)],
        cwd=str(ROOT),
        env=_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"subprocess failed:\n{proc.stderr[-4000:]}"
    return _last_json(proc.stdout)


@pytest.fixture(scope="module")
def two_replicas(tmp_path_factory):
    """(folder, report) of the two-replica script, run once per session."""
    return shared.made_once(tmp_path_factory, "distribute", _two_replicas)


@pytest.fixture(scope="module")
def folder(two_replicas):
    return two_replicas[0]


@pytest.fixture(scope="module")
def report(two_replicas):
    return two_replicas[1]


# Weights after 2 SGD steps move by ~1e-2; rounding differences between one
# and two replicas (summation order) stay below 1e-5.
ATOL = 1e-5


def test_ema_generators_under_mirrored_equal_one_device(report):
    assert report["ema_updates"] == 2.0
    assert report["ema_weight_diff"] < ATOL
    assert report["ema_raw_diff"] > 1e-4  # the average is not the weights


def test_two_replicas(report):
    assert report["replicas"] == 2
    assert report["global_batch"] == 8


def test_cyclegan_mirrored_equals_one_device(report):
    assert report["cyclegan_weight_change"] > 100 * ATOL, "training did not move"
    assert report["cyclegan_weight_diff"] < ATOL, report
    # Loss trackers: per-step logs and the cross-replica (on-read) results.
    assert report["cyclegan_log_diff"] < ATOL, report
    assert report["cyclegan_tracker_diff"] < ATOL, report


def test_image_pool_is_per_replica(report):
    assert report["pool_variable_type"] == "MirroredVariable"
    # Each replica stored its own 2 fakes per step, in the order the
    # one-device pool stored the corresponding samples.
    assert report["pool_counts"] == [4, 4]
    assert report["pool_rows_diff"] < ATOL, report
    assert report["pool_unfilled_max"] == 0.0


def test_image_pool_swaps_under_strategy(report):
    assert report["pool_full_counts"] == [8, 8]
    assert report["pool_swapped"] == [True, True]
    assert report["pool_replicas_differ"]
    assert report["pool_max_abs"] <= 1.0  # tanh fakes, nothing else
    assert report["pool_logs_finite"]
    assert report["pool_weights_finite"]


def test_save_under_strategy_reload_on_one_device(report):
    assert report["reload_weight_diff"] == 0.0
    assert report["reload_pool_diff"] == 0.0  # replica 0's pool is saved


def test_dcgan_ema_statistics_under_mirrored_equal_one_device(report):
    assert report["dcgan_ema_synced_batch_norms"] == 3  # G's, D's, G_ema's
    assert report["dcgan_ema_statistics"] == 2  # a moving mean and variance
    # Not the trained generator's statistics (copied at every step) ...
    assert report["dcgan_ema_own_statistics"] > 1e-4, report
    # ... and the same as on one device.
    assert report["dcgan_ema_diff"] < ATOL, report


def test_dcgan_mirrored_equals_one_device(report):
    assert report["dcgan_synced_batch_norms"] == 2
    assert report["dcgan_weight_change"] > 100 * ATOL, "training did not move"
    assert report["dcgan_weight_diff"] < ATOL, report
    assert report["dcgan_log_diff"] < ATOL, report
    # n_critic=2 over 2 steps: one generator update on both.
    assert report["dcgan_generator_steps"] == [1, 1]


def test_replica_rows_unequal_shares(report):
    assert report["replica_rows"] == [[0, 10, 20], [30, 40]]


def test_two_replica_argument_errors(report):
    assert "global batch size 3" in report["odd_batch_error"]
    assert "2 replicas" in report["odd_batch_error"]
    assert "/device:CPU:2" in report["missing_device_error"]
    assert "Available" in report["missing_device_error"]


def _free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for sock in sockets:
        sock.bind(("localhost", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


@pytest.mark.slow
def test_multi_worker_dcgan_equals_one_device(folder, report):
    """Two worker processes on this host (gRPC collectives, one CPU replica
    each) train the DCGAN of the mirrored script: same weights as one device."""
    script = folder / "worker.py"
    script.write_text(WORKER_SCRIPT)
    cluster = {"worker": [f"localhost:{p}" for p in _free_ports(2)]}
    procs = []
    for index in range(2):
        tf_config = {"cluster": cluster, "task": {"type": "worker", "index": index}}
        procs.append(
            subprocess.Popen(
                [sys.executable, str(script), str(folder / f"worker{index}.npz")],
                cwd=str(ROOT),
                env=_env(TF_CONFIG=json.dumps(tf_config)),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    outputs = []
    try:
        for proc in procs:
            stdout, stderr = proc.communicate(timeout=300)
            assert proc.returncode == 0, f"worker failed:\n{stderr[-4000:]}"
            outputs.append(_last_json(stdout))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    one_device = np.load(folder / "dcgan_one_device.npz")
    expected = [one_device[k] for k in one_device.files]
    for index, out in enumerate(outputs):
        assert out["replicas"] == 2 and out["multi_worker"]
        assert out["generator_steps"] == 1
        for name, value in report["dcgan_one_device_logs"].items():
            assert abs(out["logs"][name] - value) < ATOL, (name, out["logs"])
        got = np.load(folder / f"worker{index}.npz")
        got = [got[k] for k in got.files]
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g, e, atol=ATOL, rtol=0)


# === One device (this process) ===


@pytest.mark.parametrize(
    "devices, expected",
    [
        (None, None),
        ("0,1", ["/device:GPU:0", "/device:GPU:1"]),
        ([0, "gpu:1"], ["/device:GPU:0", "/device:GPU:1"]),
        (2, ["/device:GPU:2"]),
        ("cpu:0, /CPU:1", ["/device:CPU:0", "/device:CPU:1"]),
        (["/job:localhost/replica:0/task:0/device:CPU:0"], ["/device:CPU:0"]),
    ],
)
def test_parse_devices(devices, expected):
    assert distribute.parse_devices(devices) == expected


@pytest.mark.parametrize(
    "devices, match",
    [
        ("", "Invalid device ''"),
        ([], "must not be empty"),
        (-1, "Invalid device -1"),
        ([True], "Invalid device True"),
        ("foo", "Invalid device 'foo'"),
        ("gpu", "Invalid device 'gpu'"),
        ("0,gpu:0", "more than once"),
        (1.5, "Received: devices=1.5"),
    ],
)
def test_parse_devices_errors(devices, match):
    with pytest.raises(ValueError, match=match):
        distribute.parse_devices(devices)


def test_get_strategy_default_and_instance():
    default = distribute.get_strategy(None)
    assert default is tf.distribute.get_strategy()
    assert distribute.get_strategy("default") is default
    assert distribute.get_strategy(default) is default


def test_get_strategy_mirrored_one_cpu():
    strategy = distribute.get_strategy("Mirrored", devices=["cpu:0"])
    assert isinstance(strategy, tf.distribute.MirroredStrategy)
    assert strategy.num_replicas_in_sync == 1
    assert distribute.global_batch_size(3, strategy) == 3


def test_get_strategy_errors(monkeypatch):
    with pytest.raises(ValueError, match="Received: name='ps'"):
        distribute.get_strategy("ps")
    with pytest.raises(ValueError, match="Received: name=3"):
        distribute.get_strategy(3)
    with pytest.raises(ValueError, match="only applies to the 'mirrored'"):
        distribute.get_strategy("default", devices="0")
    with pytest.raises(ValueError, match="CUDA_VISIBLE_DEVICES"):
        distribute.get_strategy("multiworker", devices="0")
    with pytest.raises(ValueError, match="not on this machine"):
        distribute.get_strategy("mirrored", devices="gpu:7")
    with pytest.raises(ValueError, match="strategy instance"):
        distribute.get_strategy(tf.distribute.get_strategy(), devices="0")
    # A broken TF_CONFIG is reported before any strategy is created.
    monkeypatch.setenv("TF_CONFIG", '{"cluster": {"worker": []}}')
    with pytest.raises(ValueError, match="non-empty list"):
        distribute.get_strategy("multiworker")


def test_check_tf_config():
    cluster = {"worker": ["localhost:12345", "localhost:23456"]}
    ok = {"cluster": cluster, "task": {"type": "worker", "index": 1}}
    assert distribute.check_tf_config(ok) == ok
    assert distribute.check_tf_config(json.dumps(ok)) == ok
    assert distribute.check_tf_config("") is None
    bad = {
        "{cluster": "not valid JSON",
        "[1, 2]": "must be a JSON object",
        json.dumps({"task": ok["task"]}): "needs a 'cluster'",
        json.dumps({"cluster": {"worker": ["nohost"]}}): "'host:port'",
        json.dumps({"cluster": cluster}): "needs a 'task'",
        json.dumps({"cluster": cluster, "task": {"type": "chief", "index": 0}}): (
            "'chief' is not a job"
        ),
        json.dumps({"cluster": cluster, "task": {"type": "worker", "index": 2}}): (
            r"int in \[0, 2\)"
        ),
    }
    for text, match in bad.items():
        with pytest.raises(ValueError, match=match):
            distribute.check_tf_config(text)


def test_check_tf_config_reads_environment(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    assert distribute.check_tf_config() is None
    monkeypatch.setenv("TF_CONFIG", "{")
    with pytest.raises(ValueError, match="TF_CONFIG is not valid JSON"):
        distribute.check_tf_config()


def test_global_batch_size_errors():
    for value in (0, -2, 2.0, True, None):
        with pytest.raises(ValueError, match="per_replica_batch_size"):
            distribute.global_batch_size(value)


def test_prepare_dataset_sets_shard_policy():
    images = np.zeros((6, 4, 4, 3), "float32")
    ds = tf.data.Dataset.from_tensor_slices(images).batch(3, drop_remainder=True)
    policy = tf.data.experimental.AutoShardPolicy
    out = distribute.prepare_dataset(ds)
    assert out.options().experimental_distribute.auto_shard_policy == policy.DATA
    out = distribute.prepare_dataset(ds, auto_shard="file")
    assert out.options().experimental_distribute.auto_shard_policy == policy.FILE
    # One replica: any batch size; the data itself is unchanged.
    np.testing.assert_array_equal(next(iter(out)).numpy(), images[:3])
    with pytest.raises(ValueError, match="auto_shard='files'"):
        distribute.prepare_dataset(ds, auto_shard="files")
    with pytest.raises(ValueError, match="must be a tf.data.Dataset"):
        distribute.prepare_dataset(images)


def test_replica_rows_one_replica_is_plain_draw():
    seed = keras.random.SeedGenerator(4)
    rows = distribute.replica_rows(lambda n: keras.random.normal((n, 3), seed=seed), 5)
    expected = keras.random.normal((5, 3), seed=keras.random.SeedGenerator(4))
    np.testing.assert_array_equal(np.asarray(rows), np.asarray(expected))


def test_sync_batch_norm():
    model = keras_gans.DCGAN(
        networks.create("cspup_dcgan", latent_dim=8, filters=(8, 4)),
        networks.create("dcgan_discriminator", ndf=4, input_shape=(16, 16, 3)),
        latent_dim=8,
    )
    norms = [
        layer
        for layer in model._flatten_layers()
        if isinstance(layer, keras.layers.BatchNormalization)
    ]
    assert norms and not any(layer.synchronized for layer in norms)
    assert distribute.sync_batch_norm(model) == len(norms)
    assert all(layer.get_config()["synchronized"] for layer in norms)
    # Instance norm (CycleGAN's) is per sample: nothing to synchronize.
    generator = networks.create("resnet_6blocks", ngf=4, n_blocks=1)
    assert distribute.sync_batch_norm(generator) == 0
    with pytest.raises(ValueError, match="must be a Keras model"):
        distribute.sync_batch_norm("model")


def test_replica_values_and_creation_scope():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    with distribute.creation_scope(model):
        state = keras.Variable(np.ones(3, "float32"), trainable=False)
    values = distribute.replica_values(state)
    assert len(values) == 1
    np.testing.assert_array_equal(values[0], np.ones(3, "float32"))


PUBLIC = [
    distribute.parse_devices,
    distribute.get_strategy,
    distribute.check_tf_config,
    distribute.is_multi_worker,
    distribute.global_batch_size,
    distribute.prepare_dataset,
    distribute.replica_rows,
    distribute.sync_batch_norm,
    distribute.replica_values,
    distribute.creation_scope,
]


@pytest.mark.parametrize("fn", PUBLIC, ids=lambda f: f.__name__)
def test_docstring_example_runs(fn):
    blocks = re.findall(r"```python\n(.*?)```", inspect.getdoc(fn) or "", re.S)
    assert len(blocks) == 1, f"{fn.__name__}: expected one ```python example"
    exec(compile(blocks[0], f"<{fn.__name__} example>", "exec"), {})
