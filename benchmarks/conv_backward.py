"""Forward + both gradients of one conv, through each of `FastConv2D`'s paths.

Times a `tf.function` that runs the conv and its input and kernel gradients
(one upstream gradient, as in a training step) for every backward pass that
`keras_gans.layers.conv_backprop.FastConv2D` can take, and prints one JSON object:

- `backend`: `Conv2D`'s own gradients (TensorFlow's kernels; oneDNN's where
  TensorFlow runs it);
- `forward_convs`: both gradients as forward convolutions
  (`conv_with_conv_gradients`, the AVX2 path);
- `winograd`: Winograd F(4x4, 3x3) gradients (`conv_with_winograd_gradients`,
  3x3 kernels only).

For each: median and min wall milliseconds over `--repeats` runs (runs
alternate between the paths, so that the machine's drift hits all alike),
and the largest difference of its gradients from the backend's, relative to
the largest value. This is a benchmark, not a test: it asserts nothing.

Example:

```
python benchmarks/conv_backward.py --shape 1 66 66 256 --filters 256
python benchmarks/conv_backward.py --shape 2 66 66 256 --filters 256 --repeats 20
```
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import train_step  # noqa: E402  (the machine info)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--shape",
        type=int,
        nargs=4,
        default=(1, 66, 66, 256),
        metavar=("BATCH", "HEIGHT", "WIDTH", "CHANNELS"),
        help="the conv's input (already padded: the conv is 'valid')",
    )
    p.add_argument("--filters", type=int, default=256)
    p.add_argument("--kernel-size", type=int, default=3)
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--output", help="also write the JSON to this file")
    args = p.parse_args(argv)
    if args.repeats < 1:
        p.error("--repeats must be >= 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import numpy as np
    import tensorflow as tf

    from keras_gans.config import onednn_enabled
    from keras_gans.layers.conv_backprop import (
        conv_with_conv_gradients,
        conv_with_winograd_gradients,
    )

    rng = np.random.default_rng(args.seed)
    n, h, w, c = args.shape
    k = args.kernel_size
    x = tf.constant(rng.standard_normal((n, h, w, c)), tf.float32)
    kernel = tf.constant(
        rng.standard_normal((k, k, c, args.filters)) * 0.05, tf.float32
    )
    dy = tf.constant(
        rng.standard_normal((n, h - k + 1, w - k + 1, args.filters)), tf.float32
    )
    convs = {
        "backend": lambda x, w: tf.nn.conv2d(x, w, 1, "VALID"),
        "forward_convs": conv_with_conv_gradients,
    }
    if k == 3:
        convs["winograd"] = conv_with_winograd_gradients

    def step_fn(conv):
        @tf.function
        def step(x, w, dy):
            with tf.GradientTape() as tape:
                tape.watch([x, w])
                y = conv(x, w)
            return tape.gradient(y, [x, w], output_gradients=dy)

        return step

    steps = {name: step_fn(conv) for name, conv in convs.items()}
    grads = {
        name: [g.numpy() for g in step(x, kernel, dy)] for name, step in steps.items()
    }
    times = {name: [] for name in steps}
    for _ in range(args.repeats):
        for name, step in steps.items():
            t0 = time.perf_counter()
            step(x, kernel, dy)[0].numpy()
            times[name].append(1e3 * (time.perf_counter() - t0))
    results = {}
    for name, ts in times.items():
        errors = [
            float(np.max(np.abs(a - b)) / np.max(np.abs(b)))
            for a, b in zip(grads[name], grads["backend"])
        ]
        results[name] = {
            "median_ms": round(float(np.median(ts)), 2),
            "min_ms": round(float(np.min(ts)), 2),
            "max_relative_error_d_input": errors[0],
            "max_relative_error_d_kernel": errors[1],
        }
    out = {
        "date_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        "command": "python benchmarks/conv_backward.py " + " ".join(sys.argv[1:]),
        "input_shape": [n, h, w, c],
        "kernel": [k, k, c, args.filters],
        "repeats": args.repeats,
        "paths": results,
        "tensorflow": tf.__version__,
        "onednn": onednn_enabled(),
        "machine": train_step.cpu_info(),
        "load_average": train_step.load_average(),
    }
    train_step.emit(out, args.output)


if __name__ == "__main__":
    main()
