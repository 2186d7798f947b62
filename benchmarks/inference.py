"""Time generator inference: the Keras forward pass and the exported SavedModel.

Builds a registered generator (random weights: speed does not depend on
them), then times, after `--warmup` untimed calls:

- `keras`: `generator(x, training=False)` inside a `tf.function` (what
  `predict` and `CycleGAN.translate` run);
- `saved_model`: the `serving_default` signature (float32 in [-1, 1]) of
  the SavedModel written by `keras_gans.export.export_generator`, loaded back
  with `tf.saved_model.load` in this process (what TF Serving runs); skipped
  with `--no-export` or when `keras_gans.export` is missing.

Prints one JSON object: latency per batch (median, min, max, in ms), images
per second, first-call seconds, export seconds, peak RSS, versions, device,
CPU model.

Examples:

```
python benchmarks/inference.py --generator resnet_9blocks --image-size 256
python benchmarks/inference.py --image-size 512 --batch-size 4 \
    --precision mixed_bfloat16
python benchmarks/inference.py --generator residual_pixelshuffle --no-export
```

This is a benchmark, not a test: it asserts nothing.
"""

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import time

PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--generator", default="resnet_9blocks", help="registry name")
    p.add_argument("--generator-config", default="{}", help="JSON overrides")
    p.add_argument("--image-size", type=int, default=256)
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--precision", choices=PRECISIONS, default="float32")
    p.add_argument("--jit-compile", action="store_true", help="XLA for `keras`")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--no-export", action="store_true", help="skip the SavedModel")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--label", default="")
    p.add_argument("--output", help="also write the JSON to this file")
    args = p.parse_args(argv)
    if args.warmup < 1 or args.steps < 1:
        p.error("--warmup and --steps must be >= 1")
    return args


def time_calls(fn, x, warmup, steps):
    """First-call seconds, then per-call seconds of `steps` calls."""
    t0 = time.perf_counter()
    fn(x).numpy()
    first = time.perf_counter() - t0
    for _ in range(warmup - 1):
        fn(x).numpy()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        fn(x).numpy()  # .numpy() waits for the result
        times.append(time.perf_counter() - t0)
    return first, times


def summarize(first, times, batch_size):
    med = statistics.median(times)
    return {
        "latency_ms_median": round(1000 * med, 2),
        "latency_ms_min": round(1000 * min(times), 2),
        "latency_ms_max": round(1000 * max(times), 2),
        "images_per_s": round(batch_size / med, 3),
        "first_call_s": round(first, 3),
    }


def main(argv=None):
    args = parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import keras
    import numpy as np
    import tensorflow as tf
    from train_step import cpu_info, load_average

    import keras_gans
    from keras_gans import networks

    keras.utils.set_random_seed(args.seed)
    load_before = load_average()
    generator = networks.create(
        args.generator, **json.loads(args.generator_config), dtype=args.precision
    )
    s, b = args.image_size, args.batch_size
    channels = generator.input_shape[-1]
    x = np.random.default_rng(args.seed).uniform(-1, 1, (b, s, s, channels))
    x = tf.constant(x.astype("float32"))

    forward = tf.function(
        lambda images: generator(images, training=False),
        jit_compile=args.jit_compile,
    )
    first, times = time_calls(forward, x, args.warmup, args.steps)
    out = {
        "label": args.label,
        "date_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        "command": "python benchmarks/inference.py " + " ".join(sys.argv[1:]),
        "generator": args.generator,
        "generator_config": json.loads(args.generator_config),
        "parameters": int(generator.count_params()),
        "image_size": s,
        "batch_size": b,
        "precision": args.precision,
        "jit_compile": args.jit_compile,
        "keras": summarize(first, times, b),
    }

    export = getattr(keras_gans, "export", None)
    if not args.no_export and hasattr(export, "export_generator"):
        tmp = tempfile.mkdtemp(prefix="keras_gans_bench_")
        try:
            t0 = time.perf_counter()
            version_dir = export.export_generator(generator, tmp, overwrite=True)
            export_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            loaded = tf.saved_model.load(version_dir)
            load_s = time.perf_counter() - t0
            signature = loaded.signatures["serving_default"]
            (key,) = signature.structured_input_signature[1]

            def serve(images):
                return next(iter(signature(**{key: images}).values()))

            first, times = time_calls(serve, x, args.warmup, args.steps)
            out["saved_model"] = {
                **summarize(first, times, b),
                "export_s": round(export_s, 3),
                "load_s": round(load_s, 3),
                "signature": "serving_default",
            }
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    else:
        out["saved_model"] = None

    out["peak_rss_gib"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 3
    )
    out["load_average_before"] = load_before
    out["load_average_after"] = load_average()
    out["versions"] = {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "keras_gans": keras_gans.__version__,
    }
    gpus = tf.config.list_physical_devices("GPU")
    out["device"] = "GPU: " + ", ".join(g.name for g in gpus) if gpus else "CPU"
    out["machine"] = cpu_info()
    text = json.dumps(out, indent=2)
    print(text)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text + "\n")
    return out


if __name__ == "__main__":
    main()
