"""Time GAN training steps (`model.fit`) of keras_gans and print JSON.

Builds a model from a preset (or from generator / discriminator names of the
network registry), feeds it a constant synthetic batch, runs `--warmup`
steps (the first one includes tracing; they are not in the statistics) and
then `--steps` measured steps, and prints one JSON object: median, min and
max seconds per step, images per second, first-step seconds, peak RSS,
versions, device and CPU model.

`--reference` also builds, in the same process, a plain CycleGAN step on
fresh copies of the same networks, written the way the keras-io CycleGAN
example writes it (float32, no XLA, one persistent `tf.GradientTape`,
separate discriminator calls for real and fake, four Adam optimizers, and
NO image pool, as keras-io omits it), and times it interleaved with ours
(ours, reference, ours, ...), so that both see the same machine load. The
JSON then has `speedup` = reference median / our median.

Examples:

```
python benchmarks/train_step.py --image-size 128 --steps 3
python benchmarks/train_step.py --image-size 256 --warmup 2 --steps 5 --reference
python benchmarks/train_step.py --precision mixed_bfloat16 --image-size 256
python benchmarks/train_step.py --generator resnet_6blocks --discriminator patchgan \
    --generator-config '{"ngf": 32}' --image-size 128 --batch-size 4
python benchmarks/train_step.py --preset dcgan_cspup_celeba --batch-size 64
python benchmarks/train_step.py --backend jax --image-size 128 --steps 3
python benchmarks/train_step.py --backend torch --image-size 128 --steps 3
```

`--backend` picks the Keras backend (JAX steps are XLA-compiled by default,
PyTorch steps run eagerly, TensorFlow steps run as a `tf.function` graph).

This is a benchmark, not a test: it asserts nothing. Peak RSS is per
process; with `--reference` both models live in the process, so take the
memory figure of a run without it (`peak_rss_gib`), or the per-phase
sampled peaks (`phase_peak_rss_gib`).
"""

import argparse
import contextlib
import json
import os
import platform
import resource
import sys
import threading
import time
import warnings

PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")


def add_model_arguments(p, image_size=256):
    """The options that pick the model, its input and the threads."""
    p.add_argument("--preset", default="cyclegan_paper", help="keras_gans preset")
    p.add_argument("--generator", help="registry name replacing the preset's")
    p.add_argument("--discriminator", help="registry name replacing the preset's")
    p.add_argument(
        "--generator-config", default="{}", help="JSON overrides of the generator"
    )
    p.add_argument(
        "--discriminator-config",
        default="{}",
        help="JSON overrides of the discriminator",
    )
    p.add_argument(
        "--model-config",
        default="{}",
        help="JSON model constructor overrides, e.g. '{\"pool_size\": 0}'",
    )
    p.add_argument("--image-size", type=int, default=image_size)
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--precision", choices=PRECISIONS, default="float32")
    p.add_argument(
        "--backend",
        choices=("tensorflow", "jax", "torch"),
        default=None,
        help="Keras backend (default: KERAS_BACKEND, else tensorflow)",
    )
    p.add_argument(
        "--jit-compile",
        choices=("auto", "on", "off"),
        default=None,
        help="default: off on tensorflow (graph mode), auto (XLA) on jax, "
        "off on torch (eager)",
    )
    p.add_argument("--intra-op-threads", type=int, default=0, help="0: TF default")
    p.add_argument("--inter-op-threads", type=int, default=0, help="0: TF default")
    p.add_argument(
        "--cpu-allocator",
        choices=("auto", "bfc", "default"),  # keras_gans.utils.CPU_ALLOCATORS
        default="default",
        help="TensorFlow's CPU allocator (keras_gans.utils.configure_allocator; "
        "keras-gans train uses auto: bfc without GPU). Default: TF's own (malloc)",
    )
    p.add_argument(
        "--winograd",
        choices=("auto", "always", "never"),
        default="auto",
        help="Winograd gradients of the 3x3 convs (keras_gans.config.set_winograd)",
    )
    p.add_argument("--seed", type=int, default=0)


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_model_arguments(p)
    p.add_argument("--warmup", type=int, default=2, help="untimed steps (>= 1)")
    p.add_argument("--steps", type=int, default=5, help="measured steps")
    p.add_argument(
        "--reference",
        action="store_true",
        help="also time a keras-io style reference step (CycleGAN only)",
    )
    p.add_argument("--label", default="", help="free text copied into the JSON")
    p.add_argument("--output", help="also write the JSON to this file")
    args = p.parse_args(argv)
    if args.warmup < 1 or args.steps < 1:
        p.error("--warmup and --steps must be >= 1")
    return args


# === Machine description ===


def cpu_info():
    """CPU model, core count and the vector / matrix ISA flags that matter."""
    model, flags = platform.processor() or "unknown", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and model in ("", "unknown"):
                    model = line.split(":", 1)[1].strip()
                elif line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                elif line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    wanted = ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16")
    wanted += ("amx_bf16", "amx_tile", "avx_vnni")
    return {
        "cpu_model": model,
        "logical_cpus": os.cpu_count(),
        "isa_flags": [f for f in wanted if f in flags],
    }


def load_average():
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return None


class RssSampler:
    """Samples this process's RSS in a thread; peak per named phase."""

    def __init__(self, interval=0.02):
        import psutil

        self._proc = psutil.Process()
        self._interval = interval
        self._phase = None
        self.peaks = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def phase(self, name):
        self._phase = name

    def _run(self):
        while not self._stop.is_set():
            rss = self._proc.memory_info().rss
            if self._phase is not None:
                self.peaks[self._phase] = max(self.peaks.get(self._phase, 0), rss)
            time.sleep(self._interval)

    def stop(self):
        self._stop.set()
        self._thread.join()
        return {k: round(v / 2**30, 3) for k, v in self.peaks.items()}


# === Models ===


def build_model(args, keras_gans):
    """Our model (compiled) and the network specs used to build it."""
    from keras_gans import config, networks, presets

    config.set_winograd(args.winograd)
    preset = presets.get(args.preset)
    g_spec = dict(preset["generator"])
    d_spec = dict(preset["discriminator"])
    if args.generator:
        g_spec = {"name": args.generator, "config": {}}
    if args.discriminator:
        d_spec = {"name": args.discriminator, "config": {}}
    g_cfg = {**g_spec["config"], **json.loads(args.generator_config)}
    d_cfg = {**d_spec["config"], **json.loads(args.discriminator_config)}
    model_cfg = {**preset["model_config"], **json.loads(args.model_config)}
    jit = {"auto": "auto", "on": True, "off": False}[resolved_jit(args)]
    cls = getattr(keras_gans.models, preset["model"])
    dtype = args.precision  # the networks' dtype policy
    if preset["model"] == "CycleGAN":
        nets = [networks.create(g_spec["name"], **g_cfg, dtype=dtype) for _ in range(2)]
        nets += [
            networks.create(d_spec["name"], **d_cfg, dtype=dtype) for _ in range(2)
        ]
    else:
        nets = [networks.create(g_spec["name"], **g_cfg, dtype=dtype)]
        shape = tuple(nets[0].output_shape[1:])
        d_cfg.setdefault("input_shape", shape)
        nets.append(networks.create(d_spec["name"], **d_cfg, dtype=dtype))
        model_cfg.setdefault("latent_dim", nets[0].input_shape[-1])
    # The model's own state (image pools) stays float32.
    model = cls(*nets, **model_cfg, seed=args.seed)
    model.compile(**cls.preset_optimizers(args.preset), jit_compile=jit)
    specs = {
        "model": preset["model"],
        "generator": {"name": g_spec["name"], "config": g_cfg},
        "discriminator": {"name": d_spec["name"], "config": d_cfg},
        "model_config": model_cfg,
    }
    return model, specs


@contextlib.contextmanager
def stock_keras_layers(keras):
    """Build the networks from stock Keras layers, as the keras-io example.

    The same architecture, without keras_gans' speed-ups: instance norm is
    `keras.layers.GroupNormalization(groups=-1)` (autodiff backward, what
    keras-io uses). The convs are `FastConv2D`, which `backend_conv_gradients`
    turns into `keras.layers.Conv2D`'s ops while the reference step is traced.
    """
    from keras_gans.layers import factories

    def instance_norm(epsilon, affine, name, dtype=None):
        return keras.layers.GroupNormalization(
            groups=-1,
            epsilon=epsilon,
            center=affine,
            scale=affine,
            name=name,
            dtype=dtype,
        )

    saved = factories.InstanceNormalization
    factories.InstanceNormalization = instance_norm
    try:
        yield
    finally:
        factories.InstanceNormalization = saved


@contextlib.contextmanager
def backend_conv_gradients():
    """The backend's own conv gradients (`keras_gans.config`), no Winograd.

    A `FastConv2D` traced inside runs `keras.layers.Conv2D`'s ops: forward
    and gradients. Layers read the switches when traced, so the reference's
    train step sets them itself (a retrace gets them too).
    """
    from keras_gans import config

    saved = config.conv_gradients(), config.winograd()
    config.set_conv_gradients("never")
    config.set_winograd("never")
    try:
        yield
    finally:
        config.set_conv_gradients(saved[0])
        config.set_winograd(saved[1])


def reference_model(specs, keras, tf):
    """The keras-io CycleGAN step on fresh float32, stock-layer copies."""
    from keras_gans import networks

    class KerasIOCycleGAN(keras.Model):
        """`examples/generative/cyclegan.py` of keras-io, its train_step."""

        def __init__(self, gen_G, gen_F, disc_X, disc_Y, lambda_cycle=10.0):
            super().__init__()
            self.gen_G, self.gen_F = gen_G, gen_F
            self.disc_X, self.disc_Y = disc_X, disc_Y
            self.lambda_cycle = lambda_cycle
            self.lambda_identity = 0.5

        def call(self, inputs):
            return self.gen_G(inputs), self.gen_F(inputs)

        def compile(self):
            super().compile()

            def adam():
                return keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)

            self.gen_G_optimizer, self.gen_F_optimizer = adam(), adam()
            self.disc_X_optimizer, self.disc_Y_optimizer = adam(), adam()
            self.adv_loss_fn = keras.losses.MeanSquaredError()
            self.cycle_loss_fn = keras.losses.MeanAbsoluteError()
            self.identity_loss_fn = keras.losses.MeanAbsoluteError()

        def generator_loss_fn(self, fake):
            return self.adv_loss_fn(tf.ones_like(fake), fake)

        def discriminator_loss_fn(self, real, fake):
            real_loss = self.adv_loss_fn(tf.ones_like(real), real)
            fake_loss = self.adv_loss_fn(tf.zeros_like(fake), fake)
            return (real_loss + fake_loss) * 0.5

        def train_step(self, batch_data):
            real_x, real_y = batch_data
            with tf.GradientTape(persistent=True) as tape:
                fake_y = self.gen_G(real_x, training=True)
                fake_x = self.gen_F(real_y, training=True)
                cycled_x = self.gen_F(fake_y, training=True)
                cycled_y = self.gen_G(fake_x, training=True)
                same_x = self.gen_F(real_x, training=True)
                same_y = self.gen_G(real_y, training=True)
                disc_real_x = self.disc_X(real_x, training=True)
                disc_fake_x = self.disc_X(fake_x, training=True)
                disc_real_y = self.disc_Y(real_y, training=True)
                disc_fake_y = self.disc_Y(fake_y, training=True)
                gen_G_loss = self.generator_loss_fn(disc_fake_y)
                gen_F_loss = self.generator_loss_fn(disc_fake_x)
                cycle_loss_G = self.cycle_loss_fn(real_y, cycled_y) * self.lambda_cycle
                cycle_loss_F = self.cycle_loss_fn(real_x, cycled_x) * self.lambda_cycle
                id_scale = self.lambda_cycle * self.lambda_identity
                id_loss_G = self.identity_loss_fn(real_y, same_y) * id_scale
                id_loss_F = self.identity_loss_fn(real_x, same_x) * id_scale
                total_loss_G = gen_G_loss + cycle_loss_G + id_loss_G
                total_loss_F = gen_F_loss + cycle_loss_F + id_loss_F
                disc_X_loss = self.discriminator_loss_fn(disc_real_x, disc_fake_x)
                disc_Y_loss = self.discriminator_loss_fn(disc_real_y, disc_fake_y)
            grads_G = tape.gradient(total_loss_G, self.gen_G.trainable_variables)
            grads_F = tape.gradient(total_loss_F, self.gen_F.trainable_variables)
            disc_X_grads = tape.gradient(disc_X_loss, self.disc_X.trainable_variables)
            disc_Y_grads = tape.gradient(disc_Y_loss, self.disc_Y.trainable_variables)
            self.gen_G_optimizer.apply_gradients(
                zip(grads_G, self.gen_G.trainable_variables)
            )
            self.gen_F_optimizer.apply_gradients(
                zip(grads_F, self.gen_F.trainable_variables)
            )
            self.disc_X_optimizer.apply_gradients(
                zip(disc_X_grads, self.disc_X.trainable_variables)
            )
            self.disc_Y_optimizer.apply_gradients(
                zip(disc_Y_grads, self.disc_Y.trainable_variables)
            )
            return {
                "G_loss": total_loss_G,
                "F_loss": total_loss_F,
                "D_X_loss": disc_X_loss,
                "D_Y_loss": disc_Y_loss,
            }

    g, d = specs["generator"], specs["discriminator"]
    with stock_keras_layers(keras):
        nets = [networks.create(g["name"], **g["config"]) for _ in range(2)]
        nets += [networks.create(d["name"], **d["config"]) for _ in range(2)]
    lambda_cycle = specs["model_config"].get("lambda_cycle", 10.0)

    class StockGradientsCycleGAN(KerasIOCycleGAN):
        """keras-io's step, traced with stock Conv2D gradients."""

        def train_step(self, batch_data):
            with backend_conv_gradients():
                return super().train_step(batch_data)

    model = StockGradientsCycleGAN(*nets, lambda_cycle=lambda_cycle)
    model.compile()
    return model


# === Timing ===


def make_timer(keras, np):
    class StepTimer(keras.callbacks.Callback):
        """Wall time of each `fit` batch (data fetch + step), synced."""

        def __init__(self):
            super().__init__()
            self.times = []
            self.cpu_times = []
            self.fit_start = None
            self.first_batch_end = None

        def on_train_begin(self, logs=None):
            self.fit_start = time.perf_counter()

        def on_train_batch_begin(self, batch, logs=None):
            self._t0 = time.perf_counter()
            self._c0 = time.process_time()

        def on_train_batch_end(self, batch, logs=None):
            # Reading a value waits for the step (TF runs steps synchronously
            # on CPU anyway; this also holds for asynchronous devices).
            if logs:
                float(np.asarray(next(iter(logs.values()))))
            now = time.perf_counter()
            self.times.append(now - self._t0)
            # Process CPU time (all threads): much less disturbed than wall
            # time when other jobs share the cores.
            self.cpu_times.append(time.process_time() - self._c0)
            if self.first_batch_end is None:
                self.first_batch_end = now

    return StepTimer


def summarize(times, batch_size, cpu_times=()):
    import statistics

    med = statistics.median(times)
    cpu = {}
    if cpu_times:
        cpu = {
            "cpu_s_per_step_median": round(statistics.median(cpu_times), 4),
            "cpu_s_per_step_all": [round(t, 4) for t in cpu_times],
        }
    return {
        **cpu,
        "s_per_step_median": round(med, 4),
        "s_per_step_min": round(min(times), 4),
        "s_per_step_max": round(max(times), 4),
        "images_per_s": round(batch_size / med, 4),
        "s_per_step_all": [round(t, 4) for t in times],
    }


def resolved_jit(args):
    """`--jit-compile`, or the backend's usual mode when it is not given."""
    if args.jit_compile:
        return args.jit_compile
    return "auto" if os.environ.get("KERAS_BACKEND") == "jax" else "off"


def start(args):
    """Quiet logs, size the thread pools, seed; `(np, tf, keras, keras_gans)`."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if args.backend:  # before Keras is imported
        os.environ["KERAS_BACKEND"] = args.backend
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    # fit() on a Dataset warns that `shuffle` is ignored: noise here.
    warnings.filterwarnings("ignore", message=".*shuffle=True.*")
    import numpy as np
    import tensorflow as tf

    from keras_gans.utils import configure_allocator, configure_threads

    # 0: TensorFlow's default (the benchmark does not pick "auto").
    configure_threads(inter_op=args.inter_op_threads, intra_op=args.intra_op_threads)
    configure_allocator(args.cpu_allocator)
    import keras

    import keras_gans

    keras.utils.set_random_seed(args.seed)
    return np, tf, keras, keras_gans


def synthetic_dataset(args, model, specs, np, tf):
    """One constant random batch, repeated: `(dataset, image size)`."""
    s, b = args.image_size, args.batch_size
    rng = np.random.default_rng(args.seed)
    if specs["model"] == "CycleGAN":
        a = rng.uniform(-1, 1, (b, s, s, 3)).astype("float32")
        bb = rng.uniform(-1, 1, (b, s, s, 3)).astype("float32")
        return tf.data.Dataset.from_tensors((a, bb)).repeat().prefetch(2), s
    shape = tuple(model.generator.output_shape[1:])
    x = rng.uniform(-1, 1, (b, *shape)).astype("float32")
    return tf.data.Dataset.from_tensors(x).repeat().prefetch(2), shape[0]


def emit(out, output=None):
    """Print the JSON result, and write it to `output` if given."""
    text = json.dumps(out, indent=2)
    print(text)
    if output:
        with open(output, "w") as f:
            f.write(text + "\n")


def main(argv=None):
    args = parse_args(argv)
    np, tf, keras, keras_gans = start(args)
    sampler = RssSampler()
    load_before = load_average()
    StepTimer = make_timer(keras, np)

    sampler.phase("build")
    t0 = time.perf_counter()
    model, specs = build_model(args, keras_gans)
    build_s = time.perf_counter() - t0

    ds, s = synthetic_dataset(args, model, specs, np, tf)
    b = args.batch_size

    runs = {"ours": model}
    if args.reference:
        if keras.backend.backend() != "tensorflow":
            raise SystemExit(
                "--reference is a TensorFlow step: use --backend tensorflow"
            )
        if specs["model"] != "CycleGAN":
            raise SystemExit("--reference is only defined for CycleGAN presets")
        runs["reference"] = reference_model(specs, keras, tf)

    results = {name: {"times": [], "cpu_times": []} for name in runs}
    # Warm-up: the first step includes tracing and graph optimization.
    for name, m in runs.items():
        sampler.phase(name)
        timer = StepTimer()
        m.fit(ds, steps_per_epoch=args.warmup, epochs=1, verbose=0, callbacks=[timer])
        results[name]["first_step_s"] = round(
            timer.first_batch_end - timer.fit_start, 3
        )
        results[name]["warmup_s_per_step"] = [round(t, 4) for t in timer.times]
    # Measured steps, interleaved when there is a reference.
    if len(runs) == 1:
        timer = StepTimer()
        model.fit(
            ds, steps_per_epoch=args.steps, epochs=1, verbose=0, callbacks=[timer]
        )
        results["ours"]["times"] = timer.times
        results["ours"]["cpu_times"] = timer.cpu_times
    else:
        for _ in range(args.steps):
            for name, m in runs.items():
                sampler.phase(name)
                timer = StepTimer()
                m.fit(ds, steps_per_epoch=1, epochs=1, verbose=0, callbacks=[timer])
                results[name]["times"].extend(timer.times)
                results[name]["cpu_times"].extend(timer.cpu_times)
    phase_peaks = sampler.stop()

    out = {
        "label": args.label,
        "date_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        "command": "python benchmarks/train_step.py " + " ".join(sys.argv[1:]),
        "model": specs["model"],
        "preset": args.preset,
        "generator": specs["generator"],
        "discriminator": specs["discriminator"],
        "model_config": specs["model_config"],
        "image_size": s,
        "batch_size": b,
        "precision": args.precision,
        "backend": keras.backend.backend(),
        "jit_compile": resolved_jit(args),
        "warmup_steps": args.warmup,
        "measured_steps": args.steps,
        "build_s": round(build_s, 3),
    }
    for name, r in results.items():
        summary = summarize(r["times"], b, r["cpu_times"])
        summary["first_step_s"] = r["first_step_s"]
        summary["warmup_s_per_step"] = r["warmup_s_per_step"]
        out[name] = summary
    if args.reference:
        ref = out["reference"]
        ref["description"] = (
            "keras-io CycleGAN example's train_step on the same networks: "
            "float32, no XLA, persistent tape, separate D calls, no image pool"
        )
        out["speedup"] = round(
            ref["s_per_step_median"] / out["ours"]["s_per_step_median"], 3
        )
        out["cpu_speedup"] = round(
            ref["cpu_s_per_step_median"] / out["ours"]["cpu_s_per_step_median"], 3
        )
    out["peak_rss_gib"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 3
    )
    out["phase_peak_rss_gib"] = phase_peaks
    out["load_average_before"] = load_before
    out["load_average_after"] = load_average()
    out["versions"] = {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "keras_gans": keras_gans.__version__,
        "numpy": np.__version__,
    }
    gpus = tf.config.list_physical_devices("GPU")
    out["device"] = "GPU: " + ", ".join(g.name for g in gpus) if gpus else "CPU"
    out["machine"] = cpu_info()
    out["tf_threads"] = {
        "intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
        "inter_op": tf.config.threading.get_inter_op_parallelism_threads(),
    }
    from keras_gans.config import onednn_enabled
    from keras_gans.utils import uses_bfc_allocator

    # "bfc": large tensors come from a BFC pool (the BFC allocator, or
    # oneDNN's default allocator where TensorFlow runs oneDNN).
    out["cpu_allocator"] = "bfc" if uses_bfc_allocator() else "default"
    out["onednn"] = onednn_enabled()
    out["winograd"] = args.winograd
    out["env"] = {
        k: os.environ[k]
        for k in ("TF_ENABLE_ONEDNN_OPTS", "OMP_NUM_THREADS", "TF_XLA_FLAGS")
        if k in os.environ
    }
    emit(out, args.output)
    return out


if __name__ == "__main__":
    main()
