"""Where a training step spends its time: a TensorFlow profile, as JSON.

Builds a model like `train_step.py` (same options: preset, networks, image
size, batch, precision, threads), runs `--warmup` untimed steps, records
`--steps` steps with the TensorFlow profiler (`tf.profiler.experimental`),
reads the trace (the `.xplane.pb` file the profiler writes) and prints one
JSON object:

- `by_op_type`: the time of every TensorFlow op of the steps, summed per op
  type (`Conv2DBackpropFilter`, `MirrorPadGrad`, ...), with its share;
- `by_part`: the same time summed per part of the model, from the op's name
  scope: generator residual blocks, generator head, discriminator convs,
  instance norms, reflect padding, optimizer, image pool, ...;
- `top_ops`: the slowest single ops (name, type, milliseconds per step);
- `op_ms_per_step` and `wall_s_per_step`: the summed op time per step and the
  wall time per step while profiling (op time can exceed wall time: several
  ops run at once on different threads).

Example:

```
python benchmarks/profile_step.py --image-size 128 --warmup 2 --steps 2
python benchmarks/profile_step.py --image-size 256 --warmup 1 --steps 1 \
    --inter-op-threads 1 --output profile_256.json
```

Times are of the kernels as the profiler records them ("TF op" events of
the host threads). Profiling adds a little overhead; use `train_step.py` for
step times. This is a benchmark, not a test: it asserts nothing.
"""

import argparse
import collections
import glob
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import train_step  # noqa: E402  (the model builder and the machine info)

# Parts of a CycleGAN / DCGAN step, matched in order against an op's full
# name (its name scopes; `{layer}_grad` for the hand-written backward passes
# of FastConv2D / FewChannelConv2D). Layer names, not model names: inside the
# traced generator functions the model's own scope is absent. The first
# pattern that matches wins.
PARTS = (
    ("image pool", r"(^|/)pool_[ab]"),
    ("optimizer", r"optimizer|ResourceApply"),
    ("instance norm", r"(^|/)norm[^/]*/|InstanceNorm|instance_norm"),
    ("reflect pad", r"(^|/)pad[^/]*/|MirrorPad"),
    ("generator residual blocks", r"(^|/)res_\d+"),
    ("generator head", r"(^|/)head_"),
    ("generator stem", r"(^|/)stem_"),
    ("generator down / up", r"(^|/)(down|up)_\d+"),
    ("discriminator", r"patchgan|discriminator|critic|(^|/)conv_(\d+|out)"),
    ("generator, other", r"resnet|unet|residualgan|cspup|generator"),
)

# Profiler events named like ops that are the executor's, not kernels.
EXECUTOR_EVENTS = {"Run", "Process"}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    train_step.add_model_arguments(parser, image_size=128)
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps (>= 1)")
    parser.add_argument("--steps", type=int, default=2, help="profiled steps")
    parser.add_argument("--top", type=int, default=15, help="slowest ops to list")
    parser.add_argument("--logdir", help="keep the profile here (TensorBoard)")
    parser.add_argument("--output", help="also write the JSON to this file")
    args = parser.parse_args(argv)
    if args.warmup < 1 or args.steps < 1:
        parser.error("--warmup and --steps must be >= 1")
    return args


def read_op_events(logdir):
    """`[(op name, op type, duration ns)]` of the host "TF op" events."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    paths = glob.glob(os.path.join(logdir, "**", "*.xplane.pb"), recursive=True)
    if not paths:
        raise SystemExit(f"The profiler wrote no .xplane.pb file under {logdir}")
    space = xplane_pb2.XSpace()
    with open(max(paths, key=os.path.getmtime), "rb") as f:
        space.ParseFromString(f.read())
    events = []
    for plane in space.planes:
        if not plane.name.startswith("/host:CPU"):
            continue
        names = {k: m.name for k, m in plane.event_metadata.items()}
        for line in plane.lines:
            for ev in line.events:
                name = names.get(ev.metadata_id, "")
                # TF op events are named "scope/op_name:OpType".
                if ":" not in name or name.startswith("$"):
                    continue
                op_name, op_type = name.rsplit(":", 1)
                # Op types are CamelCase (fused ones start with "_"); the
                # executor's own events ("KernelAndDeviceFunc:Run", ...)
                # span whole steps and are not ops.
                if not re.fullmatch(r"_?[A-Z][A-Za-z0-9_]*", op_type):
                    continue
                if op_type in EXECUTOR_EVENTS:
                    continue
                events.append((op_name, op_type, ev.duration_ps / 1000.0))
    return events


def part_of(op_name, op_type):
    full = f"{op_name}:{op_type}"
    for part, pattern in PARTS:
        if re.search(pattern, full):
            return part
    return "losses, gradients glue, rest"


def summarize(events, steps, top):
    total = sum(d for _, _, d in events)
    by_type = collections.Counter()
    by_part = collections.Counter()
    by_op = collections.Counter()
    for name, op_type, d in events:
        by_type[op_type] += d
        by_part[part_of(name, op_type)] += d
        by_op[(name, op_type)] += d

    def table(counter):
        return [
            {
                "name": k,
                "ms_per_step": round(v / 1e6 / steps, 2),
                "share": round(v / total, 4),
            }
            for k, v in counter.most_common()
        ]

    return {
        "op_ms_per_step": round(total / 1e6 / steps, 1),
        "op_events": len(events),
        "by_op_type": table(by_type)[:30],
        "by_part": table(by_part),
        "top_ops": [
            {
                "name": name,
                "type": op_type,
                "ms_per_step": round(v / 1e6 / steps, 2),
                "share": round(v / total, 4),
            }
            for (name, op_type), v in by_op.most_common(top)
        ],
    }


def main(argv=None):
    args = parse_args(argv)
    np, tf, keras, keras_gans = train_step.start(args)
    model, specs = train_step.build_model(args, keras_gans)
    ds, s = train_step.synthetic_dataset(args, model, specs, np, tf)
    b = args.batch_size

    model.fit(ds, steps_per_epoch=args.warmup, epochs=1, verbose=0)
    logdir = args.logdir or tempfile.mkdtemp(prefix="keras_gans_profile_")
    tf.profiler.experimental.start(logdir)
    t0 = time.perf_counter()
    model.fit(ds, steps_per_epoch=args.steps, epochs=1, verbose=0)
    wall = time.perf_counter() - t0
    tf.profiler.experimental.stop()

    out = {
        "date_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        "command": "python benchmarks/profile_step.py " + " ".join(sys.argv[1:]),
        "model": specs["model"],
        "preset": args.preset,
        "generator": specs["generator"],
        "discriminator": specs["discriminator"],
        "image_size": s,
        "batch_size": b,
        "precision": args.precision,
        "profiled_steps": args.steps,
        "wall_s_per_step": round(wall / args.steps, 3),
        **summarize(read_op_events(logdir), args.steps, args.top),
        "profile_dir": logdir if args.logdir else None,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "cpu": train_step.cpu_info(),
    }
    train_step.emit(out, args.output)


if __name__ == "__main__":
    main()
