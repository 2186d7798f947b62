"""The `keras-gans` command (also `python -m keras_gans`).

Subcommands, each a thin layer over the library:

- `train cyclegan|dcgan`: a preset (`keras_gans.presets`) on image folders,
  TFRecords or, with no data arguments, the built-in demo set, through the
  resumable driver `keras_gans.training.train` (checkpoints, `--resume`, NaN
  guard), with sample grids, a loss plot, TensorBoard logs and a final
  `model.keras` in the run folder;
- `translate`: images or folders through a CycleGAN generator, each at its
  own size;
- `sample`: a grid of DCGAN samples;
- `presets`: every preset with its source;
- `export`: a generator as a TF Serving SavedModel or ONNX
  (`keras_gans.export`);
- `convert`: an official PyTorch CycleGAN generator checkpoint to `.keras`
  (`keras_gans.convert`);
- `evaluate`: FID / KID of a CycleGAN's translations (`keras_gans.metrics`).

User errors (a missing folder, an unknown preset, a bad size, a file that
is not a model) are printed as one line on stderr with exit status 1 and no
traceback; `--debug` shows the traceback. See `docs/cli.md`.

Example:

```python
from keras_gans import cli

cli.main(["presets"])  # prints every preset with its source, returns 0
```
"""

import argparse
import csv
import datetime
import json
import math
import os
import sys
import traceback
import warnings

import keras
import numpy as np
import tensorflow as tf
from PIL import Image

import keras_gans
from keras_gans import (
    convert,
    data,
    datasets,
    distribute,
    metrics,
    networks,
    presets,
    training,
)
from keras_gans.callbacks import (
    LinearDecay,
    LossPlotter,
    LossWeightScheduler,
    SampleDiversity,
    SampleGridLogger,
)
from keras_gans.data import IMAGE_EXTENSIONS, decode_rgb, list_image_files
from keras_gans.export import (
    SIGNATURE_NAMES,
    export_generator,
    export_onnx,
    generator_stride,
)
from keras_gans.imaging import make_grid
from keras_gans.utils import (
    CPU_ALLOCATORS,
    configure_allocator,
    configure_threads,
    set_seed,
)
from keras_gans.version import __version__

PROG = "keras-gans"
MODELS = ("cyclegan", "dcgan")
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")
CONFIG_FILE = "config.json"
FINAL_MODEL = "model.keras"

#: The preset `train` uses when `--preset` is not given.
DEFAULT_PRESETS = {"cyclegan": "residualgan_monet", "dcgan": "dcgan_cspup_celeba"}

#: The preset `train` uses on the built-in demo data when `--preset` is not
#: given (else `DEFAULT_PRESETS`): the paper's and the seeds' settings learn
#: too little in a CPU demo's ~1000 steps (docs/quality.md; seed 004's DCGAN
#: collapses, docs/dcgan.md).
DEMO_PRESETS = {"cyclegan": "cyclegan_fast", "dcgan": "dcgan_cspup_shapes_demo"}

#: What `train` changes when it runs on the built-in demo data (no data
#: arguments): small images and narrow networks, so that the default
#: `keras-gans train cyclegan` finishes in a few minutes on 2 CPU cores. Each
#: value is only a default: `--image-size`, `--ngf`, ... override it.
DEMO_SETTINGS = {
    "cyclegan": {  # cyclegan_fast's own widths
        "image_size": 32,
        "batch_size": 4,
        "epochs": 8,
        "samples": 8,
    },
    "dcgan": {  # the settings of the demo preset, also for `--preset cspup`
        "image_size": 32,
        "batch_size": 16,
        "epochs": 8,
        "ngf": 16,
        "ndf": 16,
        "samples": 64,
    },
}

#: Characters of the fixed demo samples in the CycleGAN grids.
DEMO_GRID_CHARS = "AbGkRw35"

#: Training images of the DCGAN demo set (`keras_gans.datasets.shapes`).
DEMO_SHAPES = 2048

#: DCGAN images (seed 004 follows the PyTorch DCGAN tutorial): the width
#: scaled to the size, a centre crop, no flips.
DCGAN_PREPROCESSING = {
    "preprocess": "scale_width_and_crop",
    "crop": "center",
    "flip": False,
}


class CLIError(Exception):
    """A user error: `main` prints it as one line on stderr, exit status 1.

    Args:
        message: str. What is wrong, quoting the bad value.

    Example:

    ```python
    from keras_gans import cli

    try:
        raise cli.CLIError("--data: folder not found: 'photos'")
    except cli.CLIError as e:
        print(f"keras-gans: error: {e}")
    ```
    """


# === Entry point ===


def main(argv=None):
    """Run the `keras-gans` command line and return its exit status.

    Args:
        argv: list of str or None. The arguments (without the program name).
            Defaults to `None` (`sys.argv[1:]`).

    Returns:
        int: `0` on success, `1` for an error (printed as one line on
        stderr), `2` for a command-line usage error, `130` when interrupted.

    Example:

    ```python
    from keras_gans import cli

    status = cli.main(["presets", "--model", "dcgan"])  # prints, returns 0
    ```
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    argv = [a for a in argv if a != "--debug"]
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError as e:
        _print_error(str(e))
        return 2
    except SystemExit as e:  # --help, --version
        return int(e.code or 0)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    with warnings.catch_warnings():
        if not debug:
            _quiet_warnings()
        try:
            return int(args.func(args) or 0)
        except KeyboardInterrupt as e:
            if debug:
                raise
            _print_error(str(e) or "interrupted")
            return 130
        except Exception as e:  # noqa: BLE001 - every error becomes one line
            if debug:
                traceback.print_exc()
                return 1
            _print_error(_one_line(e))
            return 1


def _add_run_arguments(p):
    """The arguments of `train` (and of `pretrain`, which shares them)."""
    p.add_argument("model", choices=MODELS, help="the model class")
    p.add_argument("--preset", help="preset name (see `keras-gans presets`)")
    g = p.add_argument_group("data (none given: the built-in demo set)")
    g.add_argument(
        "--data",
        metavar="DIR",
        help="cyclegan: a folder with trainA/ and trainB/; dcgan: an image folder",
    )
    g.add_argument("--data-a", metavar="DIR", help="cyclegan: images of domain A")
    g.add_argument("--data-b", metavar="DIR", help="cyclegan: images of domain B")
    g.add_argument(
        "--tfrecords-a", nargs="+", metavar="FILE", help="cyclegan: TFRecords of A"
    )
    g.add_argument(
        "--tfrecords-b", nargs="+", metavar="FILE", help="cyclegan: TFRecords of B"
    )
    g.add_argument("--tfrecords", nargs="+", metavar="FILE", help="dcgan: TFRecords")
    g.add_argument(
        "--image-key",
        default=None,
        help="TFRecord feature holding the encoded image (default: image)",
    )
    t = p.add_argument_group("run")
    t.add_argument("--epochs", type=_positive_int, metavar="N", help="total epochs")
    t.add_argument(
        "--steps-per-epoch", type=_positive_int, metavar="N", help="batches per epoch"
    )
    t.add_argument("--batch-size", type=_positive_int, metavar="N")
    t.add_argument(
        "--image-size", type=_positive_int, metavar="N", help="training image side"
    )
    t.add_argument("--ngf", type=_positive_int, metavar="N", help="generator width")
    t.add_argument("--ndf", type=_positive_int, metavar="N", help="discriminator width")
    t.add_argument(
        "--generator-config",
        type=_json_dict,
        metavar="JSON",
        help="more generator overrides, e.g. '{\"n_blocks\": 6}'",
    )
    t.add_argument(
        "--discriminator-config",
        type=_json_dict,
        metavar="JSON",
        help="more discriminator overrides, e.g. '{\"n_layers\": 2}'",
    )
    t.add_argument(
        "--samples",
        type=_positive_int,
        metavar="N",
        help="samples in each grid (default 8/64)",
    )
    t.add_argument("--output", metavar="RUN_DIR", help="run folder (default runs/...)")
    t.add_argument("--seed", type=_seed, metavar="N", help="random seed (default 0)")
    t.add_argument(
        "--save-every-steps",
        type=_positive_int,
        metavar="N",
        help="also checkpoint every N batches (default 500)",
    )
    t.add_argument(
        "--keep", type=_positive_int, metavar="N", help="checkpoints kept (default 3)"
    )
    t.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in --output (default: the newest run of this model)",
    )
    t.add_argument(
        "--on-nan",
        choices=("stop", "rollback"),
        default=None,
        help="on a NaN loss: stop, or roll back to the last checkpoint and skip "
        "the batch (default stop)",
    )
    t.add_argument("--precision", choices=PRECISIONS, help="dtype policy")
    t.add_argument(
        "--strategy",
        choices=("default", "mirrored", "multiworker"),
        default="default",
        help="tf.distribute strategy: one device (default), MirroredStrategy over "
        "the local devices, or MultiWorkerMirroredStrategy (TF_CONFIG); "
        "--batch-size is then the global batch",
    )
    t.add_argument(
        "--devices",
        metavar="LIST",
        help="devices for --strategy mirrored, e.g. 0,1 or gpu:0,gpu:1",
    )
    t.add_argument(
        "--deterministic",
        action="store_true",
        default=None,
        help="also enable TensorFlow op determinism (bit-identical reruns; slower "
        "on GPU, and a few GPU ops refuse it)",
    )
    t.add_argument(
        "--inter-op-threads",
        type=_non_negative_int,
        metavar="N",
        help="ops TensorFlow runs side by side (default: 1 without GPU, which "
        "uses less memory and is no slower on CPU; 0: TensorFlow's default)",
    )
    t.add_argument(
        "--cpu-allocator",
        choices=CPU_ALLOCATORS,
        default="auto",
        help="TensorFlow's CPU memory allocator (default: bfc without GPU, which "
        "keeps freed memory for the next step instead of page-faulting it in "
        "again; default: malloc)",
    )
    t.add_argument(
        "--verbose", type=int, choices=(0, 1, 2), default=1, help="progress output"
    )
    return t


def build_parser():
    """The `argparse` parser of the `keras-gans` command.

    Returns:
        An `argparse.ArgumentParser` whose subcommands set `func`.

    Example:

    ```python
    from keras_gans import cli

    args = cli.build_parser().parse_args(["presets"])
    args.command  # 'presets'
    ```
    """
    parser = _Parser(
        prog=PROG,
        description="Train, run, evaluate and export the keras_gans GANs. "
        "Add --debug anywhere for full tracebacks.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    # --- train ---
    p = sub.add_parser(
        "train",
        help="train a CycleGAN or DCGAN from a preset",
        description="Train a preset on image folders, TFRecords or (with no data "
        "arguments) the built-in demo data. The run folder gets checkpoints, "
        "sample grids (samples/epoch_*.png), losses.png, TensorBoard logs "
        "(logs/) and the final model.keras.",
    )
    t = _add_run_arguments(p)
    t.add_argument(
        "--pretrained-generator",
        metavar="FILE",
        help="cyclegan: start both generators from this .keras file "
        f"(`{PROG} pretrain` writes one)",
    )
    p.set_defaults(func=_cmd_train)

    # --- pretrain ---
    p = sub.add_parser(
        "pretrain",
        help="pre-train a CycleGAN generator by masked inpainting (UVCGAN)",
        description="UVCGAN's self-supervised pre-training: the preset's generator "
        "learns to fill in randomly masked patches of the images of both domains "
        "(L1). The output folder gets generator.keras (give it to `train "
        "--pretrained-generator`), inpainting.png and config.json. Takes the "
        "data and network arguments of `train`.",
    )
    t = _add_run_arguments(p)
    t.add_argument(
        "--steps",
        type=_positive_int,
        default=1000,
        metavar="N",
        help="pre-training steps (default 1000)",
    )
    t.add_argument(
        "--mask-fraction",
        type=float,
        default=0.4,
        metavar="F",
        help="probability that a patch is masked (default 0.4, UVCGAN)",
    )
    t.add_argument(
        "--patch-size",
        type=_positive_int,
        metavar="N",
        help="masked square side (default: 1/8 of the image side)",
    )
    p.set_defaults(func=_cmd_pretrain)

    # --- translate ---
    p = sub.add_parser(
        "translate",
        help="translate images with a CycleGAN",
        description="Translate image files or folders (searched recursively) with "
        "a CycleGAN generator. Every output has its input's size: images are "
        "reflect-padded to the generator's stride and cropped back.",
    )
    p.add_argument(
        "--model", required=True, metavar="RUN_DIR|FILE", help="run folder or .keras"
    )
    p.add_argument("--direction", choices=("ab", "ba"), default="ab")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders")
    p.add_argument("--output", required=True, metavar="DIR")
    p.set_defaults(func=_cmd_translate)

    # --- sample ---
    p = sub.add_parser("sample", help="a grid of DCGAN samples")
    p.add_argument("--model", required=True, metavar="RUN_DIR|FILE")
    p.add_argument("-n", type=_positive_int, default=64, help="number of samples")
    p.add_argument("--seed", type=_seed, default=0, metavar="N")
    p.add_argument("--columns", type=_positive_int, metavar="N", help="images per row")
    p.add_argument("--output", required=True, metavar="FILE.png")
    p.set_defaults(func=_cmd_sample)

    # --- presets ---
    p = sub.add_parser("presets", help="list the presets")
    p.add_argument("--model", choices=MODELS, help="only this model's presets")
    p.add_argument("--json", action="store_true", help="print the full presets")
    p.set_defaults(func=_cmd_presets)

    # --- export ---
    p = sub.add_parser(
        "export",
        help="export a generator for serving",
        description="Export a CycleGAN generator as a TF Serving SavedModel "
        "(OUTPUT/<version>/) or as ONNX (needs tf2onnx and onnx).",
    )
    p.add_argument("model", metavar="RUN_DIR|FILE")
    p.add_argument("--format", choices=("saved_model", "onnx"), default="saved_model")
    p.add_argument("--output", required=True, metavar="DIR")
    p.add_argument("--direction", choices=("ab", "ba"), default="ab")
    p.add_argument(
        "--version", type=_positive_int, metavar="N", default=1, dest="model_version"
    )
    p.add_argument(
        "--image-size",
        type=_positive_int,
        metavar="N",
        help="run the generator at this size",
    )
    p.add_argument("--overwrite", action="store_true")
    p.set_defaults(func=_cmd_export)

    # --- convert ---
    p = sub.add_parser(
        "convert",
        help="official PyTorch CycleGAN generator -> .keras",
        description="Convert a junyanz/pytorch-CycleGAN-and-pix2pix generator "
        "state_dict (e.g. latest_net_G_A.pth) to a Keras generator (needs torch).",
    )
    p.add_argument("checkpoint", metavar="PTH")
    p.add_argument("--output", required=True, metavar="FILE.keras")
    p.add_argument("--netG", default="resnet_9blocks", help="the official --netG")
    p.add_argument("--ngf", type=_positive_int, metavar="N", default=64)
    p.add_argument("--norm", default="instance", help="instance, batch or none")
    p.set_defaults(func=_cmd_convert)

    # --- evaluate ---
    p = sub.add_parser(
        "evaluate",
        help="FID / KID of a CycleGAN's translations",
        description="Translate the images of --data-a to B (and of --data-b to A) "
        "and measure FID and KID against the real images of the target domain.",
    )
    p.add_argument("model", metavar="RUN_DIR|FILE")
    p.add_argument("--data-a", required=True, metavar="DIR")
    p.add_argument("--data-b", required=True, metavar="DIR")
    p.add_argument("--direction", choices=("ab", "ba", "both"), default="both")
    p.add_argument(
        "--image-size", type=_positive_int, metavar="N", help="default: the run's"
    )
    p.add_argument("--max-images", type=_positive_int, metavar="N", default=1000)
    p.add_argument("--batch-size", type=_positive_int, metavar="N", default=16)
    p.add_argument(
        "--weights",
        default="imagenet",
        help="InceptionV3 weights: imagenet (download), a local .h5 file, or "
        "random (smoke tests only)",
    )
    p.add_argument("--output", metavar="FILE.json", help="also write the results")
    p.set_defaults(func=_cmd_evaluate)
    return parser


# === train ===


def _configure_cpu(args):
    """`--inter-op-threads` and `--cpu-allocator` of `train` / `pretrain`.

    Thread pools and the allocator can only be set before TensorFlow runs
    its first op: call this first.
    """
    inter_op = "auto" if args.inter_op_threads is None else args.inter_op_threads
    configure_threads(inter_op)
    configure_allocator(args.cpu_allocator)


def _cmd_train(args):
    """`keras-gans train`: resolve the settings, build, train, save."""
    _configure_cpu(args)
    run_dir, config = _train_settings(args)

    # The strategy comes first: MultiWorkerMirroredStrategy must be created
    # before any other TensorFlow call.
    strategy = distribute.get_strategy(args.strategy, args.devices)
    keras.mixed_precision.set_global_policy(config["precision"])
    set_seed(config["seed"], deterministic_ops=config["deterministic"])
    with strategy.scope():
        model = build_model(config)
    if config["model"] == "dcgan" and strategy.num_replicas_in_sync > 1:
        distribute.sync_batch_norm(model)
    make_epoch = make_data(config)

    def data_fn(epoch):
        return distribute.prepare_dataset(make_epoch(epoch), strategy)

    os.makedirs(run_dir, exist_ok=True)
    _write_json(os.path.join(run_dir, CONFIG_FILE), config)
    callbacks = make_callbacks(config, model, run_dir)
    _announce(config, run_dir, args.resume)
    try:
        training.train(
            model,
            data_fn,
            epochs=config["epochs"],
            run_dir=run_dir,
            save_every_steps=config["save_every_steps"],
            keep=config["keep"],
            resume=args.resume,
            on_nan=config["on_nan"],
            # Seeded above; the data pipelines get per-epoch seeds themselves.
            seed=None,
            callbacks=callbacks,
            steps_per_epoch=config["steps_per_epoch"],
            verbose=args.verbose,
        )
    except KeyboardInterrupt as e:
        raise KeyboardInterrupt(
            f"{e} Continue with: {PROG} train {config['model']} --output "
            f"{run_dir} --resume"
        ) from None
    path = os.path.join(run_dir, FINAL_MODEL)
    tmp = os.path.join(run_dir, ".tmp-" + FINAL_MODEL)
    model.save(tmp)
    os.replace(tmp, path)
    if args.verbose:
        print(
            f"Saved {path}\n"
            f"Samples: {os.path.join(run_dir, 'samples')}  "
            f"Losses: {os.path.join(run_dir, 'losses.png')}  "
            f"TensorBoard: tensorboard --logdir {run_dir}"
        )
    return 0


#: Settings a run's config.json may lack (written by an earlier version).
_RESUME_DEFAULTS = {
    "deterministic": False,
    "image_key": "image",
    "keep": 3,
    "on_nan": "stop",
    "save_every_steps": 500,
    "steps_per_epoch": None,
}


def _train_settings(args):
    """The run folder and the resolved run config (from config.json on resume)."""
    kind = args.model
    explicit = {
        k: getattr(args, k)
        for k in (
            "preset",
            "image_size",
            "batch_size",
            "ngf",
            "ndf",
            "generator_config",
            "discriminator_config",
            "samples",
            "seed",
            "precision",
            "deterministic",
            "image_key",
        )
        if getattr(args, k) is not None
    }
    data_spec = _data_spec(kind, args)
    if args.resume:
        run_dir = args.output or _newest_run(kind)
        config_path = os.path.join(run_dir, CONFIG_FILE)
        if not os.path.isfile(config_path):
            raise CLIError(
                f"--resume: {run_dir!r} is not a run folder (no {CONFIG_FILE}); "
                "give the --output of the run to continue."
            )
        config = {**_RESUME_DEFAULTS, **_read_json(config_path)}
        if "preset" in explicit:
            explicit["preset"] = presets.ALIASES.get(args.preset, args.preset)
        if config.get("model") != kind:
            raise CLIError(
                f"--resume: {run_dir!r} is a {config.get('model')} run, not {kind}."
            )
        changed = sorted(
            k for k, v in explicit.items() if _jsonable(v) != config.get(k)
        )
        if data_spec is not None and data_spec != config["data"]:
            changed.append("data")
        if changed:
            flags = ["--" + c.replace("_", "-") for c in changed]
            raise CLIError(
                f"--resume continues {run_dir!r} with its own settings; these "
                f"differ from it: {', '.join(flags)}"
                " (only --epochs, --steps-per-epoch, --save-every-steps, --keep and "
                "--on-nan may change)"
            )
        for key in ("epochs", "steps_per_epoch", "save_every_steps", "keep", "on_nan"):
            value = getattr(args, key)
            if value is not None:
                config[key] = value
        return os.path.abspath(run_dir), config
    config = resolve_config(kind, data_spec, args)
    if args.output:
        run_dir = args.output
    else:
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        suffix = "-demo" if config["data"]["kind"] == "demo" else ""
        run_dir = os.path.join("runs", f"{kind}-{config['preset']}{suffix}-{stamp}")
    run_dir = os.path.abspath(run_dir)
    checkpoints = os.path.join(run_dir, "checkpoints")
    if os.path.isdir(checkpoints) and os.listdir(checkpoints):
        raise CLIError(
            f"{run_dir!r} already holds a run: add --resume to continue it, or "
            "give a new --output."
        )
    return run_dir, config


def resolve_config(kind, data_spec, args):
    """The full, JSON-able settings of a new run from the parsed arguments.

    Precedence: command-line option, then the demo settings (when training
    on the built-in demo data), then the preset.

    Args:
        kind: str. `"cyclegan"` or `"dcgan"`.
        data_spec: dict or None. The data arguments (`{"kind": "folders",
            "data": ...}`, ...); `None` for the built-in demo data.
        args: `argparse.Namespace`. Parsed `keras-gans train` arguments.

    Returns:
        dict: the run config, as written to the run's `config.json`.

    Example:

    ```python
    from keras_gans import cli

    args = cli.build_parser().parse_args(["train", "cyclegan", "--epochs", "2"])
    config = cli.resolve_config("cyclegan", None, args)  # None: the demo data
    config["preset"], config["image_size"]  # ('cyclegan_fast', 32)
    ```
    """
    demo = data_spec is None
    preset_name = args.preset or (
        DEMO_PRESETS.get(kind, DEFAULT_PRESETS[kind]) if demo else DEFAULT_PRESETS[kind]
    )
    preset_name = presets.ALIASES.get(preset_name, preset_name)
    if preset_name not in presets.PRESETS:
        raise CLIError(
            f"unknown preset {preset_name!r}; valid presets: "
            f"{', '.join(presets.list_presets())}"
        )
    preset = presets.get(preset_name)
    model_class = {"cyclegan": "CycleGAN", "dcgan": "DCGAN"}[kind]
    if preset["model"] != model_class:
        raise CLIError(
            f"preset {preset_name!r} is a {preset['model']} preset, not {kind}; "
            f"{kind} presets: {', '.join(presets.list_presets(model_class))}"
        )
    if demo:
        data_spec = {"kind": "demo"}
    defaults = DEMO_SETTINGS[kind] if demo else {}

    def pick(name, preset_value):
        value = getattr(args, name, None)
        if value is not None:
            return value
        return defaults.get(name, preset_value)

    image_size = pick("image_size", preset["image_size"])
    epochs = pick("epochs", preset["epochs"])
    config = {
        "model": kind,
        "preset": preset_name,
        "data": data_spec,
        "image_size": image_size,
        "batch_size": pick("batch_size", preset["batch_size"]),
        "epochs": epochs,
        "steps_per_epoch": args.steps_per_epoch,
        "ngf": pick("ngf", None),
        "ndf": pick("ndf", None),
        "generator_config": args.generator_config or {},
        "discriminator_config": args.discriminator_config or {},
        "samples": pick("samples", 8 if kind == "cyclegan" else 64),
        "seed": 0 if args.seed is None else args.seed,
        "precision": args.precision or "float32",
        "deterministic": bool(args.deterministic),
        "image_key": args.image_key or "image",
        "save_every_steps": (
            500 if args.save_every_steps is None else args.save_every_steps
        ),
        "keep": args.keep or 3,
        "on_nan": args.on_nan or "stop",
        "pretrained_generator": _pretrained_path(kind, args),
        "schedule": scaled_schedule(preset, epochs),
    }
    _check_overrides(config, preset)
    _check_image_size(config, preset)
    return config


def _check_overrides(config, preset):
    """Unknown network arguments fail here, before anything is built."""
    for role, option in (
        ("generator", "--generator-config"),
        ("discriminator", "--discriminator-config"),
    ):
        name = preset[role]["name"]
        valid = set(networks.get_network_info(name)["config"])
        unknown = sorted(set(config[f"{role}_config"]) - valid)
        if unknown:
            raise CLIError(
                f"{option}: Unknown argument(s) {unknown} for network {name!r}. "
                f"Valid arguments: {sorted(valid)}"
            )


def scaled_schedule(preset, epochs):
    """The preset's schedule with its epochs scaled to a run of `epochs` epochs.

    A preset states its schedule for its own length (seed 000 switches the
    loss weights half-way through 100 epochs, the paper decays the rate over
    the second half of 200); a shorter or longer run keeps the proportions.

    Args:
        preset: dict. A preset (`keras_gans.presets.get(name)`).
        epochs: int. The run's total epochs.

    Returns:
        A dict `{"loss_weights": {epoch: weights}, "decay_start_epoch",
        "decay_end_epoch"}` with str epoch keys (JSON).

    Example:

    ```python
    from keras_gans import cli, presets

    cli.scaled_schedule(presets.get("residualgan_monet"), 4)["loss_weights"]
    # {'2': {'identity': 0.5, 'gan': 1.5, 'cycle': 12.0}}
    ```
    """
    schedule = preset["schedule"]
    factor = epochs / float(preset["epochs"])

    def scale(epoch):
        # A change that comes after some training keeps at least one epoch
        # before it.
        return 0 if epoch == 0 else max(1, int(epoch * factor + 0.5))

    weights = {
        str(scale(int(e))): dict(w) for e, w in schedule.get("loss_weights", {}).items()
    }
    start, end = schedule.get("decay_start_epoch"), schedule.get("decay_end_epoch")
    if start is not None:
        start = scale(start)
        end = max(int(end * factor + 0.5), start + 1)
    return {"loss_weights": weights, "decay_start_epoch": start, "decay_end_epoch": end}


def _check_image_size(config, preset):
    size = config["image_size"]
    if config["model"] == "dcgan":
        if size < 8 or size & (size - 1):
            raise CLIError(
                "--image-size must be a power of two >= 8 for a DCGAN (each CSPup "
                f"block doubles the size). Received: {size}"
            )
        return
    gen = {**preset["generator"]["config"], **config["generator_config"]}

    info = networks.get_network_info(preset["generator"]["name"])["config"]
    levels = gen.get("n_downsampling", info.get("n_downsampling"))
    if levels is None:  # U-Net / UVCGAN: one level per entry of `features`
        features = gen.get("features", info.get("features"))
        levels = len(features) if features else 2
    stride = 2 ** int(levels)
    if size % stride or size < 4 * stride:
        raise CLIError(
            f"--image-size must be a multiple of {stride} and at least {4 * stride} "
            f"for preset {config['preset']!r}. Received: {size}"
        )


def _data_spec(kind, args):
    """The data arguments as a JSON-able dict (absolute paths), or None (demo)."""
    given = {
        k: getattr(args, k)
        for k in ("data", "data_a", "data_b", "tfrecords_a", "tfrecords_b", "tfrecords")
        if getattr(args, k) is not None
    }
    if not given:
        return None
    flags = ", ".join("--" + k.replace("_", "-") for k in sorted(given))
    if kind == "dcgan":
        allowed = ({"data"}, {"tfrecords"})
    else:
        allowed = ({"data"}, {"data_a", "data_b"}, {"tfrecords_a", "tfrecords_b"})
    if set(given) not in allowed:
        options = " or ".join(
            " + ".join("--" + k.replace("_", "-") for k in sorted(a)) for a in allowed
        )
        raise CLIError(f"{kind} takes {options} as data. Received: {flags}")
    spec = {}
    for key, value in given.items():
        if key.startswith("tfrecords"):
            files = []
            for item in value:
                if not (os.path.exists(item) or any(c in item for c in "*?[")):
                    raise CLIError(
                        f"--{key.replace('_', '-')}: file not found: {item!r}"
                    )
                files.append(os.path.abspath(item))  # globs too
            spec[key] = files
        else:
            if not os.path.isdir(value):
                what = "not a folder" if os.path.exists(value) else "folder not found"
                raise CLIError(f"--{key.replace('_', '-')}: {what}: {value!r}")
            spec[key] = os.path.abspath(value)
    if kind == "cyclegan" and "data" in spec:
        missing = [
            s
            for s in ("trainA", "trainB")
            if not os.path.isdir(os.path.join(spec["data"], s))
        ]
        if missing:
            raise CLIError(
                f"--data: {spec['data']!r} has no {' or '.join(missing)}/ folder "
                "(a CycleGAN data folder holds trainA/ and trainB/; or give "
                "--data-a and --data-b)"
            )
    if "data" in spec:
        spec["kind"] = "folders" if kind == "cyclegan" else "folder"
    elif "data_a" in spec:
        spec["kind"] = "domains"
    else:
        spec["kind"] = "tfrecords"
    return spec


def _newest_run(kind):
    """The newest folder under runs/ holding a run of `kind`."""
    root = "runs"
    candidates = []
    if os.path.isdir(root):
        for name in os.listdir(root):
            path = os.path.join(root, name, CONFIG_FILE)
            if os.path.isfile(path):
                try:
                    if _read_json(path).get("model") == kind:
                        candidates.append((os.path.getmtime(path), name))
                except (OSError, ValueError):
                    continue
    if not candidates:
        raise CLIError(
            f"--resume: no {kind} run under {os.path.abspath(root)!r}; give the "
            "run folder with --output."
        )
    return os.path.join(root, max(candidates)[1])


def _announce(config, run_dir, resume):
    data = config["data"]
    source = {
        "demo": "the built-in demo set ("
        + (
            "glyphs: DejaVu Sans -> Serif"
            if config["model"] == "cyclegan"
            else "shapes"
        )
        + ")",
        "folders": data.get("data"),
        "folder": data.get("data"),
        "domains": f"{data.get('data_a')} <-> {data.get('data_b')}",
        "tfrecords": "TFRecords",
    }[data["kind"]]
    print(
        f"{'Resuming' if resume else 'Training'} {config['model']} preset "
        f"{config['preset']!r} on {source}: {config['image_size']}x"
        f"{config['image_size']}, batch {config['batch_size']}, "
        f"{config['epochs']} epochs -> {run_dir}"
    )


# === Building blocks shared by train, the examples and the tests ===


def network_overrides(config):
    """`(generator, discriminator)` config overrides from a run config.

    Args:
        config: dict. A run config (see `resolve_config`).

    Returns:
        A pair of dicts for `from_preset(generator=..., discriminator=...)`.

    Example:

    ```python
    from keras_gans import cli

    args = cli.build_parser().parse_args(["train", "dcgan", "--image-size", "16"])
    cli.network_overrides(cli.resolve_config("dcgan", None, args))
    # ({'filters': (32, 16)}, {'ndf': 16})
    ```
    """
    preset = presets.get(config["preset"])
    size = config["image_size"]
    gen, disc = {}, {}
    if config["model"] == "dcgan":
        n = int(math.log2(size)) - 2
        base = preset["generator"]["config"].get("filters", (512, 256, 128, 64))
        ngf = config["ngf"] or base[-1]
        gen["filters"] = tuple(ngf * 2 ** (n - 1 - i) for i in range(n))
    else:
        if config["ngf"]:
            gen["ngf"] = config["ngf"]
        if "input_shape" in preset["generator"]["config"]:
            gen["input_shape"] = (size, size, 3)
    if config["ndf"]:
        disc["ndf"] = config["ndf"]
    gen.update(config.get("generator_config") or {})
    disc.update(config.get("discriminator_config") or {})
    for overrides in (gen, disc):
        for key in ("input_shape", "filters", "features"):
            if isinstance(overrides.get(key), list):
                overrides[key] = tuple(overrides[key])
    return gen, disc


def build_model(config):
    """A compiled CycleGAN or DCGAN for a run config.

    Args:
        config: dict. A run config (see `resolve_config`).

    Returns:
        A compiled `keras_gans.CycleGAN` or `keras_gans.DCGAN`.

    Example:

    ```python
    from keras_gans import cli

    argv = ["train", "cyclegan", "--ngf", "8", "--ndf", "8"]
    config = cli.resolve_config("cyclegan", None, cli.build_parser().parse_args(argv))
    model = cli.build_model(config)  # cyclegan_fast, 8 filters
    ```
    """
    gen, disc = network_overrides(config)
    cls = keras_gans.CycleGAN if config["model"] == "cyclegan" else keras_gans.DCGAN
    extra = {}
    if config.get("pretrained_generator"):
        extra["pretrained_generator"] = config["pretrained_generator"]
    try:
        model = cls.from_preset(
            config["preset"],
            generator=gen,
            discriminator=disc,
            seed=config["seed"],
            precision=config["precision"],
            **extra,
        )
    except (ValueError, TypeError) as e:
        raise CLIError(
            f"cannot build preset {config['preset']!r}: {_one_line(e)}"
        ) from e
    if config["model"] == "cyclegan":
        _check_networks_fit(model, config)
    return model


def _check_networks_fit(model, config):
    """Fail early (one line) when the image size is too small for a network."""
    size = config["image_size"]
    spec = keras.KerasTensor((1, size, size, 3), dtype="float32")
    for net in (model.generator_ab, model.discriminator_a):
        try:
            out = net.compute_output_spec(spec)
        except Exception as e:  # noqa: BLE001 - any shape error of the network
            raise CLIError(
                f"--image-size {size} does not fit {net.name!r} of preset "
                f"{config['preset']!r}: {_one_line(e)}"
            ) from e
        if any(d is not None and d < 1 for d in out.shape[1:]):
            raise CLIError(
                f"--image-size {size} is too small for {net.name!r} of preset "
                f"{config['preset']!r} (output {tuple(out.shape[1:])})"
            )


def _epoch_seed(seed, epoch, salt=0):
    """A 31-bit seed that is a pure function of `(seed, epoch, salt)`."""
    state = np.random.SeedSequence([int(seed), int(epoch), int(salt), 0x6B67])
    return int(state.generate_state(1)[0] >> 1)


def make_data(config):
    """The `data(epoch) -> tf.data.Dataset` function of a run config.

    Each epoch's pipeline is shuffled and augmented with seeds derived from
    `(seed, epoch)`, so a resumed run sees the same batches as an
    uninterrupted one. (The seeds are given to the pipelines, not through
    TensorFlow's global seed, whose change would retrace the train step
    every epoch.) The demo sets are rendered once and reshuffled each epoch.

    Args:
        config: dict. A run config (see `resolve_config`).

    Returns:
        A function `epoch -> tf.data.Dataset` for `keras_gans.training.train`.

    Example:

    ```python
    from keras_gans import cli

    argv = ["train", "cyclegan", "--image-size", "16", "--batch-size", "2"]
    config = cli.resolve_config("cyclegan", None, cli.build_parser().parse_args(argv))
    a, b = next(iter(cli.make_data(config)(0)))  # epoch 0: (2, 16, 16, 3) each
    ```
    """
    spec = config["data"]
    size, batch, seed = config["image_size"], config["batch_size"], config["seed"]
    kind, model = spec["kind"], config["model"]
    key = config.get("image_key", "image")
    rendered = {}

    def demo(name):
        if name not in rendered:
            if name == "glyphs":
                a, _, b, _ = datasets.glyph_domains(size, seed=seed)
                rendered[name] = (a, b)
            else:
                rendered[name] = (datasets.shape_images(DEMO_SHAPES, size, seed=seed),)
        return rendered[name]

    def cyclegan_data(epoch):
        s, s2 = _epoch_seed(seed, epoch), _epoch_seed(seed, epoch, 1)
        if kind == "demo":
            a, b = demo("glyphs")
            a, b = _shuffled_images(a, s), _shuffled_images(b, s2)
        elif kind == "folders":
            return data.cyclegan_folders(spec["data"], size, batch_size=batch, seed=s)
        elif kind == "domains":
            a = data.image_folder(spec["data_a"], size, seed=s)
            b = data.image_folder(spec["data_b"], size, seed=s2)
        else:
            a = data.tfrecords(spec["tfrecords_a"], size, image_key=key, seed=s)
            b = data.tfrecords(spec["tfrecords_b"], size, image_key=key, seed=s2)
        return data.unpaired(a, b, batch_size=batch)

    def dcgan_data(epoch):
        s = _epoch_seed(seed, epoch)
        if kind == "demo":
            (images,) = demo("shapes")
            return _shuffled_images(images, s).batch(batch).prefetch(tf.data.AUTOTUNE)
        options = {**DCGAN_PREPROCESSING, "load_size": size, "seed": s}
        options.update(batch_size=batch, drop_remainder=True)
        if kind == "folder":
            return data.image_folder(spec["data"], size, **options)
        return data.tfrecords(spec["tfrecords"], size, image_key=key, **options)

    return cyclegan_data if model == "cyclegan" else dcgan_data


def _shuffled_images(images, seed):
    """uint8 images -> shuffled dataset of single float32 images in [-1, 1]."""
    ds = tf.data.Dataset.from_tensor_slices(images).shuffle(len(images), seed=seed)
    return ds.map(
        lambda x: tf.cast(x, tf.float32) / 127.5 - 1.0,
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )


def sample_images(config):
    """The fixed images shown in a run's sample grids.

    Args:
        config: dict. A run config (see `resolve_config`).

    Returns:
        For a CycleGAN, `(samples_a, samples_b)` float32 arrays in [-1, 1]
        with the same number of images; for a DCGAN, `(real,)` (used as the
        diversity reference).

    Example:

    ```python
    from keras_gans import cli

    argv = ["train", "cyclegan", "--image-size", "16"]
    config = cli.resolve_config("cyclegan", None, cli.build_parser().parse_args(argv))
    a, b = cli.sample_images(config)  # 8 glyph pairs, (8, 16, 16, 3) each
    ```
    """
    spec, size, n = config["data"], config["image_size"], config["samples"]
    kind, key = spec["kind"], config.get("image_key", "image")
    fixed = {"preprocess": "resize", "flip": False, "shuffle": False, "batch_size": n}

    def first(ds):
        return np.asarray(next(iter(ds)))

    if config["model"] == "dcgan":
        fixed.update(DCGAN_PREPROCESSING, load_size=size)
        if kind == "demo":
            images = datasets.shape_images(n, size, seed=12345)
            return (images.astype("float32") / 127.5 - 1.0,)
        if kind == "folder":
            return (first(data.image_folder(spec["data"], size, **fixed)),)
        return (first(data.tfrecords(spec["tfrecords"], size, image_key=key, **fixed)),)
    if kind == "demo":
        a, b, _ = datasets.glyph_pairs(size, split="test", chars=demo_grid_chars(n))
        return a[:n], b[:n]
    if kind == "folders":
        root = spec["data"]
        split = (
            "test"
            if all(os.path.isdir(os.path.join(root, s)) for s in ("testA", "testB"))
            else "train"
        )
        folders = [os.path.join(root, split + side) for side in "AB"]
        a, b = (first(data.image_folder(f, size, **fixed)) for f in folders)
    elif kind == "domains":
        a = first(data.image_folder(spec["data_a"], size, **fixed))
        b = first(data.image_folder(spec["data_b"], size, **fixed))
    else:
        a = first(data.tfrecords(spec["tfrecords_a"], size, image_key=key, **fixed))
        b = first(data.tfrecords(spec["tfrecords_b"], size, image_key=key, **fixed))
    m = min(len(a), len(b))
    return a[:m], b[:m]


def demo_grid_chars(n):
    """The characters of the demo's `n` grid samples (None: all glyphs)."""
    return DEMO_GRID_CHARS[:n] if n <= len(DEMO_GRID_CHARS) else None


def make_callbacks(config, model, run_dir):
    """The callbacks of a run: schedule, sample grids, loss plot, TensorBoard.

    Args:
        config: dict. A run config (see `resolve_config`).
        model: the model being trained.
        run_dir: str. The run folder.

    Returns:
        A list of `keras.callbacks.Callback`.

    Example:

    ```python
    import tempfile
    from keras_gans import cli

    argv = ["train", "cyclegan", "--image-size", "16", "--ngf", "4", "--ndf", "4"]
    config = cli.resolve_config("cyclegan", None, cli.build_parser().parse_args(argv))
    model = cli.build_model(config)
    callbacks = cli.make_callbacks(config, model, tempfile.mkdtemp())
    # LossWeightScheduler, SampleGridLogger, CSVLogger, ResumableLossPlotter, ...
    ```
    """
    result = []
    schedule = config["schedule"]
    if schedule["loss_weights"]:
        result.append(LossWeightScheduler(schedule["loss_weights"], verbose=1))
    if schedule["decay_start_epoch"] is not None:
        result.append(
            LinearDecay(schedule["decay_start_epoch"], schedule["decay_end_epoch"])
        )
    samples = sample_images(config)
    if config["model"] == "dcgan":
        noise = model.sample_noise(config["samples"], seed=0)
        if len(noise) >= 2 and len(samples[0]) >= 2:
            result.append(SampleDiversity(noise, reference=samples[0]))
        samples = (noise,)
    samples_dir = os.path.join(run_dir, "samples")
    grid_fn = None
    if config["model"] == "cyclegan" and config["data"]["kind"] == "demo":
        # The demo's columns are known characters: label them.
        chars = list(demo_grid_chars(config["samples"]) or "")
        if len(chars) == len(samples[0]):

            def grid_fn(model, a, b):
                return model.sample_grid(a, b, col_labels=chars)

    result.append(
        SampleGridLogger(
            *samples, log_dir=samples_dir, tensorboard=False, grid_fn=grid_fn
        )
    )
    csv_path = os.path.join(run_dir, "history.csv")
    result.append(keras.callbacks.CSVLogger(csv_path, append=True))
    result.append(ResumableLossPlotter(os.path.join(run_dir, "losses.png"), csv_path))
    result.append(EventFileLogger(os.path.join(run_dir, "logs"), samples_dir))
    return result


class ResumableLossPlotter(LossPlotter):
    """A `LossPlotter` that also plots the epochs of earlier runs of a resumed
    run, read from the run's `history.csv` (written by `keras.callbacks.CSVLogger`).

    Args:
        path: str. The PNG file to (over)write.
        csv_path: str. The run's CSV log.

    Example:

    ```python
    from keras_gans import cli

    plotter = cli.ResumableLossPlotter("run/losses.png", "run/history.csv")
    ```
    """

    def __init__(self, path, csv_path):
        super().__init__(path)
        self.csv_path = os.fspath(csv_path)
        self._earlier = None

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self._earlier = _read_history(self.csv_path)

    def on_epoch_begin(self, epoch, logs=None):
        rows, self._earlier = self._earlier or [], None
        for row in rows:
            if int(row["epoch"]) < epoch:
                super().on_epoch_end(int(row["epoch"]), _floats(row))

    def get_config(self):
        return {"path": self.path, "csv_path": self.csv_path}


class EventFileLogger(keras.callbacks.Callback):
    """TensorBoard event files without the `tensorboard` package.

    At the end of every epoch, writes each logged value as a scalar
    (`epoch_<name>`), the model's loss weights (`loss_weight_<name>`) and
    learning rates (`learning_rate_<optimizer>`), and the epoch's sample
    grid PNG from `samples_dir` (`samples`, as written by
    `SampleGridLogger`), all at step = the 1-based epoch. Only core
    TensorFlow ops are used (`tf.summary.write` with the scalar and image
    plugins' metadata), so TensorBoard reads the files while TensorFlow
    alone writes them.

    Args:
        log_dir: str. The folder of the event files.
        samples_dir: str or None. The folder of `epoch_0001.png`, ...
            Defaults to `None` (no images).

    Example:

    ```python
    from keras_gans import cli

    logger = cli.EventFileLogger("run/logs", samples_dir="run/samples")
    # model.fit(ds, epochs=2, callbacks=[logger]); tensorboard --logdir run
    ```
    """

    def __init__(self, log_dir, samples_dir=None):
        super().__init__()
        self.log_dir = os.fspath(log_dir)
        self.samples_dir = None if samples_dir is None else os.fspath(samples_dir)
        self._writer = None

    def on_train_begin(self, logs=None):
        if self._writer is None:
            self._writer = tf.summary.create_file_writer(self.log_dir)

    def on_epoch_end(self, epoch, logs=None):
        scalars = {}
        for key, value in (logs or {}).items():
            try:
                scalars[f"epoch_{key}"] = float(value)
            except (TypeError, ValueError):
                continue
        model = self.model
        for name, variable in getattr(model, "gan_loss_weights", {}).items():
            scalars[f"loss_weight_{name}"] = float(variable.numpy())
        for name, opt in getattr(model, "gan_optimizers", {}).items():
            scalars[f"learning_rate_{name}"] = float(
                keras.ops.convert_to_numpy(opt.learning_rate)
            )
        step = epoch + 1
        with self._writer.as_default():
            for tag, value in scalars.items():
                tf.summary.write(
                    tag, tf.constant(value, tf.float32), step=step, metadata=_SCALAR
                )
            png = None
            if self.samples_dir is not None:
                png = os.path.join(self.samples_dir, f"epoch_{step:04d}.png")
            if png is not None and os.path.isfile(png):
                with Image.open(png) as image:
                    width, height = image.size
                with open(png, "rb") as f:
                    encoded = f.read()
                tensor = tf.constant([str(width), str(height), encoded], tf.string)
                tf.summary.write("samples", tensor, step=step, metadata=_IMAGE)
        self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def _plugin_metadata(plugin):
    from tensorflow.core.framework import summary_pb2

    metadata = summary_pb2.SummaryMetadata()
    metadata.plugin_data.plugin_name = plugin
    return metadata.SerializeToString()


_SCALAR = _plugin_metadata("scalars")
_IMAGE = _plugin_metadata("images")


def _floats(row):
    """The numeric values of a CSV row (Keras writes "NA" for missing ones)."""
    values = {}
    for key, value in row.items():
        if key == "epoch":
            continue
        try:
            values[key] = float(value)
        except (TypeError, ValueError):
            continue
    return {k: v for k, v in values.items() if not math.isnan(v)}


def _read_history(csv_path):

    if not os.path.isfile(csv_path):
        return []
    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    # A resumed run may have logged an epoch twice: keep the last one.
    by_epoch = {}
    for row in rows:
        try:
            by_epoch[int(row["epoch"])] = row
        except (KeyError, ValueError):
            continue
    return [by_epoch[e] for e in sorted(by_epoch)]


# === Loading models ===


def load_model(path):
    """Load a model for inference from a run folder or a `.keras` file.

    A run folder gives its final `model.keras`, or, for a run that has not
    finished, its newest complete checkpoint.

    Args:
        path: str. A run folder or a `.keras` file (a CycleGAN, a DCGAN or a
            bare generator, e.g. from `keras-gans convert`).

    Returns:
        The loaded `keras.Model`.

    Example:

    ```python
    import os
    import tempfile
    from keras_gans import cli, networks

    path = os.path.join(tempfile.mkdtemp(), "generator.keras")
    networks.create("resnet_6blocks", ngf=8).save(path)
    generator = cli.load_model(path)
    ```
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise CLIError(f"model not found: {path!r}")
    if os.path.isdir(path):
        final = os.path.join(path, FINAL_MODEL)
        if os.path.isfile(final):
            path = final
        else:
            try:
                return training.load_checkpoint(path)
            except (OSError, ValueError) as e:
                raise CLIError(
                    f"{path!r} holds neither {FINAL_MODEL} nor a complete "
                    f"checkpoint ({_one_line(e)})"
                ) from e
    if not path.endswith(".keras"):
        raise CLIError(f"not a .keras model file: {path!r}")
    try:
        return keras.saving.load_model(path, compile=False)
    except Exception as e:  # noqa: BLE001 - keras raises many kinds here
        raise CLIError(f"cannot load model {path!r}: {_one_line(e)}") from e


def _generator_of(model, direction, command):

    if hasattr(model, "generator_ab"):
        return model.inference_generator(direction)  # EMA weights when kept
    if hasattr(model, "generate") or not isinstance(model, keras.Model):
        raise CLIError(
            f"{command} needs a CycleGAN or an image-to-image generator; this is "
            f"a {model.__class__.__name__} (use `{PROG} sample` for a DCGAN)"
        )
    shape = model.input_shape
    if not (isinstance(shape, tuple) and len(shape) == 4):
        raise CLIError(
            f"{command} needs an image-to-image generator; {model.name!r} takes "
            f"inputs of shape {shape}"
        )
    return model


# === translate ===


def _pretrained_path(kind, args):
    """`--pretrained-generator` as an absolute path (checked), or None."""
    path = getattr(args, "pretrained_generator", None)
    if path is None:
        return None
    if kind != "cyclegan":
        raise CLIError("--pretrained-generator is for cyclegan (its generators)")
    if not os.path.isfile(path):
        raise CLIError(f"--pretrained-generator: file not found: {path!r}")
    return os.path.abspath(path)


# === pretrain ===

PRETRAINED_GENERATOR = "generator.keras"


def _cmd_pretrain(args):
    """`keras-gans pretrain`: UVCGAN's masked-inpainting generator pre-training."""
    from keras_gans.models import GeneratorPretrainer

    if args.model != "cyclegan":
        raise CLIError("pretrain pre-trains image-to-image generators: use cyclegan")
    if args.resume:
        raise CLIError("pretrain has no --resume; run it again with more --steps")
    _configure_cpu(args)
    config = resolve_config("cyclegan", _data_spec("cyclegan", args), args)
    config.update(
        pretrain_steps=args.steps,
        mask_fraction=args.mask_fraction,
        patch_size=args.patch_size,
    )
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = os.path.abspath(
        args.output or os.path.join("runs", f"pretrain-{config['preset']}-{stamp}")
    )
    path = os.path.join(out, PRETRAINED_GENERATOR)
    if os.path.exists(path):
        raise CLIError(f"{path!r} exists: give a new --output")
    set_seed(config["seed"], deterministic_ops=config["deterministic"])
    generator = build_model(config).generator_ab  # the preset's, with overrides
    try:
        pretrainer = GeneratorPretrainer(
            generator,
            patch_size=args.patch_size,
            mask_fraction=args.mask_fraction,
            seed=config["seed"],
        )
    except ValueError as e:
        raise CLIError(_one_line(e)) from e
    pretrainer.compile()
    os.makedirs(out, exist_ok=True)
    _write_json(os.path.join(out, CONFIG_FILE), config)
    print(
        f"Pre-training the {config['preset']!r} generator by inpainting "
        f"({args.steps} steps, {int(args.mask_fraction * 100)}% of the patches "
        f"masked) -> {out}"
    )
    history = pretrainer.fit(
        make_data(config)(0).repeat(),
        steps_per_epoch=args.steps,
        epochs=1,
        verbose=args.verbose,
    )
    generator.save(path)
    a, b = sample_images(config)
    x = np.concatenate([a, b])[: config["samples"]]
    masked, _ = pretrainer.mask(x)
    rows = [np.asarray(masked), np.asarray(generator(masked, training=False)), x]
    grid = make_grid(rows, row_labels=["masked", "G(masked)", "image"], min_tile=96)
    _write_png(os.path.join(out, "inpainting.png"), grid)
    print(
        f"Wrote {path} (L1 {history.history['l1'][-1]:.4f}); train with "
        f"`{PROG} train cyclegan --preset {config['preset']} "
        f"--pretrained-generator {path}`"
    )
    return 0


def _cmd_translate(args):
    """`keras-gans translate`: files or folders in, same-size PNGs out."""
    files = _collect_images(args.inputs)
    model = load_model(args.model)
    generator = _generator_of(model, args.direction, "translate")
    translator = ImageTranslator(generator)
    os.makedirs(args.output, exist_ok=True)
    failed, written, used = [], 0, set()
    for path, relative in files:
        try:
            image = _read_image(path)
        except ValueError as e:
            _print_error(f"skipped {path}: {e}", level="warning")
            failed.append(path)
            continue
        out = translator(image)
        target = os.path.join(args.output, os.path.splitext(relative)[0] + ".png")
        base, i = target, 1
        while target in used:
            target = f"{os.path.splitext(base)[0]}_{i}.png"
            i += 1
        used.add(target)
        _write_png(target, out)
        written += 1
    print(f"Translated {written} image(s) ({args.direction}) into {args.output}")
    if failed:
        raise CLIError(f"{len(failed)} of {len(files)} input(s) could not be read")
    return 0


class ImageTranslator:
    """Translate single images of any size with an image-to-image generator.

    Each image is reflect-padded to a multiple of the generator's stride
    (`keras_gans.export.generator_stride`), translated and cropped back; a
    generator with a fixed input size gets the image resized to it and the
    output resized back.

    Args:
        generator: `keras.Model`. Images in [-1, 1] -> images in [-1, 1].

    Example:

    ```python
    import numpy as np
    from keras_gans import cli, networks

    translate = cli.ImageTranslator(networks.create("resnet_6blocks", ngf=8))
    out = translate(np.zeros((37, 51, 3), "uint8"))  # (37, 51, 3) uint8
    ```
    """

    def __init__(self, generator):

        self.generator = generator
        shape = tuple(generator.input_shape)
        self.fixed_size = None if shape[1] is None else (shape[1], shape[2])
        self.channels = shape[3]
        self.stride = 1 if self.fixed_size else generator_stride(generator)

    def __call__(self, image):
        """uint8 `(H, W, C)` -> uint8 `(H, W, C)`."""
        h, w = image.shape[:2]
        x = image.astype("float32") / 127.5 - 1.0
        if x.shape[-1] != self.channels:
            raise CLIError(
                f"the generator takes {self.channels}-channel images. Received: "
                f"{x.shape[-1]} channels"
            )
        if self.fixed_size is not None:
            x = keras.ops.image.resize(
                x[None], self.fixed_size, interpolation="bicubic"
            )
            y = self._run(keras.ops.clip(x, -1.0, 1.0), (h, w))
            y = keras.ops.image.resize(y, (h, w), interpolation="bicubic")
            y = keras.ops.convert_to_numpy(y)[0]
        else:
            s = self.stride
            ph, pw = (s - h % s) % s, (s - w % s) % s
            top, left = ph // 2, pw // 2
            if ph >= h or pw >= w:
                raise CLIError(
                    f"image of {h}x{w} is too small for a generator of stride {s}"
                )
            padded = np.pad(
                x, ((top, ph - top), (left, pw - left), (0, 0)), mode="reflect"
            )
            y = self._run(padded[None], (h, w))[0]
            y = keras.ops.convert_to_numpy(y)[top : top + h, left : left + w]
        return np.clip(np.round((np.asarray(y) + 1.0) * 127.5), 0, 255).astype("uint8")

    def _run(self, x, size):
        try:
            return self.generator(x, training=False)
        except Exception as e:  # noqa: BLE001 - e.g. a reflect pad larger than the map
            raise CLIError(
                f"the generator cannot translate an image of {size[0]}x{size[1]}: "
                f"{_one_line(e)}"
            ) from e


def _collect_images(inputs):
    """`[(path, output name relative to the output folder)]` for files/folders."""
    files = []
    for item in inputs:
        if os.path.isdir(item):
            images, _ = list_image_files(item)
            if not images:
                raise CLIError(
                    f"no image in folder {item!r} (searched recursively for "
                    f"{', '.join(IMAGE_EXTENSIONS)})"
                )
            files += [(p, os.path.relpath(p, item)) for p in images]
        elif os.path.isfile(item):
            files.append((item, os.path.basename(item)))
        else:
            raise CLIError(f"input not found: {item!r}")
    return files


def _read_image(path):
    """uint8 RGB `(H, W, 3)` of an image file (any format the loaders read)."""
    try:
        image = decode_rgb(tf.io.read_file(path))
    except (tf.errors.OpError, ValueError) as e:
        raise ValueError(f"not a readable image ({_one_line(e)[:200]})") from e
    return np.clip(np.round(image.numpy()), 0, 255).astype("uint8")


def _write_png(path, image):

    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image).save(path)


# === sample ===


def _cmd_sample(args):
    """`keras-gans sample`: a grid of DCGAN samples as one PNG."""
    model = load_model(args.model)
    if not hasattr(model, "sample_grid") or not hasattr(model, "sample_noise"):
        raise CLIError(
            f"sample needs a DCGAN; this is a {model.__class__.__name__} (use "
            f"`{PROG} translate` for a CycleGAN)"
        )
    noise = model.sample_noise(args.n, seed=args.seed)
    grid = model.sample_grid(noise, n_cols=args.columns)
    _write_png(args.output, grid)
    print(f"Wrote {args.n} samples to {args.output}")
    return 0


# === presets ===


def _cmd_presets(args):
    """`keras-gans presets`: every preset, its source and one line."""
    model = {"cyclegan": "CycleGAN", "dcgan": "DCGAN", None: None}[args.model]
    names = presets.list_presets(model)
    if args.json:
        print(json.dumps({n: presets.get(n) for n in names}, indent=2, default=str))
        return 0
    aliases = {}
    for alias, target in presets.ALIASES.items():
        aliases.setdefault(target, []).append(alias)
    width = max(len(n) for n in names)
    for name in names:
        p = presets.get(name)
        also = f" (also: {', '.join(aliases[name])})" if name in aliases else ""
        print(f"{name:<{width}}  {p['model']:<8}  {p['description']}{also}")
        print(f"{'':<{width}}  {'':<8}  source: {p['source']}")
    return 0


# === export ===


def _cmd_export(args):
    """`keras-gans export`: a SavedModel for TF Serving, or ONNX."""
    model = load_model(args.model)
    generator = _generator_of(model, args.direction, "export")
    if args.format == "onnx":
        try:
            import onnx  # noqa: F401
            import tf2onnx  # noqa: F401
        except ImportError as e:
            raise CLIError(
                f"ONNX export needs tf2onnx and onnx: pip install tf2onnx onnx ({e})"
            ) from e
        path = args.output
        if not path.endswith(".onnx"):
            os.makedirs(path, exist_ok=True)
            path = os.path.join(path, f"generator_{args.direction}.onnx")
        if os.path.exists(path) and not args.overwrite:
            raise CLIError(f"{path!r} exists: pass --overwrite to replace it")
        export_onnx(generator, path)
        print(f"Wrote {path}")
        return 0
    try:
        written = export_generator(
            generator,
            args.output,
            version=args.model_version,
            image_size=args.image_size,
            overwrite=args.overwrite,
        )
    except FileExistsError as e:
        raise CLIError(str(e).replace("overwrite=True", "--overwrite")) from e
    print(f"Wrote SavedModel {written} (signatures: {', '.join(SIGNATURE_NAMES)})")
    return 0


# === convert ===


def _cmd_convert(args):
    """`keras-gans convert`: an official PyTorch generator -> `.keras`."""
    if not args.output.endswith(".keras"):
        raise CLIError(f"--output must end in .keras. Received: {args.output!r}")
    if not os.path.isfile(args.checkpoint):
        raise CLIError(f"PyTorch checkpoint not found: {args.checkpoint!r}")
    generator = convert.from_torch_cyclegan(
        args.checkpoint, args.netG, ngf=args.ngf, norm=args.norm
    )
    directory = os.path.dirname(args.output)
    if directory:
        os.makedirs(directory, exist_ok=True)
    generator.save(args.output)
    print(
        f"Wrote {args.output} ({generator.count_params():,} parameters); translate "
        f"with: {PROG} translate --model {args.output} IMAGES --output DIR"
    )
    return 0


# === evaluate ===


def _cmd_evaluate(args):
    """`keras-gans evaluate`: FID / KID of translations vs. the target domain."""
    for flag, folder in (("--data-a", args.data_a), ("--data-b", args.data_b)):
        if not os.path.isdir(folder):
            raise CLIError(f"{flag}: folder not found: {folder!r}")
    model = load_model(args.model)
    size = args.image_size or _run_image_size(args.model) or 256
    weights = None if args.weights == "random" else args.weights
    if weights not in (None, "imagenet") and not os.path.isfile(weights):
        raise CLIError(f"--weights: file not found: {weights!r}")
    extractor = metrics.InceptionFeatures(weights=weights)
    directions = ("ab", "ba") if args.direction == "both" else (args.direction,)
    batches = math.ceil(args.max_images / args.batch_size)

    def images(folder):
        ds = data.image_folder(
            folder,
            size,
            preprocess="resize",
            flip=False,
            shuffle=False,
            batch_size=args.batch_size,
        )
        return ds.take(batches)

    results = {}
    for direction in directions:
        generator = _generator_of(model, direction, "evaluate")
        translator = ImageTranslator(generator)
        source, target = (
            (args.data_a, args.data_b)
            if direction == "ab"
            else (args.data_b, args.data_a)
        )
        real, fake = [], []
        for batch in images(target):
            real.append(extractor(np.asarray(batch)))
        for batch in images(source):
            batch = np.clip(np.round((np.asarray(batch) + 1.0) * 127.5), 0, 255)
            out = np.stack([translator(x.astype("uint8")) for x in batch])
            fake.append(extractor(out))
        real = np.concatenate(real)[: args.max_images]
        fake = np.concatenate(fake)[: args.max_images]
        if len(real) < 2 or len(fake) < 2:
            raise CLIError("evaluate needs at least 2 images in each folder")
        identity = lambda f: f  # noqa: E731 - the features are precomputed
        fid = metrics.fid(real, fake, feature_extractor=identity)
        kid, kid_std = metrics.kid(
            real,
            fake,
            feature_extractor=identity,
            subset_size=min(1000, len(real), len(fake)),
            return_std=True,
        )
        results[direction] = {
            "fid": float(fid),
            "kid": float(kid),
            "kid_std": float(kid_std),
            "num_real": int(len(real)),
            "num_fake": int(len(fake)),
        }
        arrow = "A->B" if direction == "ab" else "B->A"
        print(
            f"{arrow}: FID {fid:.3f}  KID {kid:.5f} +- {kid_std:.5f}  "
            f"({len(fake)} translated vs {len(real)} real, {size}x{size}, "
            f"weights={args.weights})"
        )
    if args.output:
        _write_json(
            args.output,
            {"model": os.path.abspath(args.model), "image_size": size, **results},
        )
        print(f"Wrote {args.output}")
    return 0


def _run_image_size(path):
    folder = path if os.path.isdir(path) else os.path.dirname(path)
    config = os.path.join(folder, CONFIG_FILE)
    if os.path.isfile(config):
        try:
            return int(_read_json(config)["image_size"])
        except (KeyError, TypeError, ValueError, OSError):
            return None
    return None


# === Helpers ===


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors as one line (no usage dump)."""

    def error(self, message):
        command = self.prog[len(PROG) :].strip()
        where = f"{command}: " if command else ""
        raise _UsageError(f"{where}{message} (see `{self.prog} --help`)")


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def _non_negative_int(text):
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(
            f"must be a non-negative integer, got {text!r}"
        )
    return value


def _seed(text):
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(
            f"must be an integer in [0, 2**32), got {text!r}"
        )
    return value


def _json_dict(text):
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise argparse.ArgumentTypeError(f"not valid JSON ({e}): {text!r}") from e
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"must be a JSON object, got {text!r}")
    return value


def _jsonable(value):
    return json.loads(json.dumps(value))


def _read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _write_json(path, obj):
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, ".tmp-" + os.path.basename(path))
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, default=list)
        f.write("\n")
    os.replace(tmp, path)


def _one_line(error):
    """An exception as one line: its message, newlines folded, bounded."""
    message = str(error).strip() or error.__class__.__name__
    if isinstance(error, KeyError):
        message = f"KeyError: {message}"
    if not isinstance(error, CLIError | OSError | ValueError | ImportError):
        message = f"{error.__class__.__name__}: {message}"
    message = " ".join(message.split())
    return message if len(message) <= 600 else message[:597] + "..."


def _print_error(message, level="error"):
    print(f"{PROG}: {level}: {message}", file=sys.stderr)


def _quiet_warnings():
    """Hide Keras/TensorFlow housekeeping warnings (shown with --debug); print
    the others (e.g. a skipped unreadable image) as one line each."""
    for module in ("keras", "tensorflow", "absl"):
        warnings.filterwarnings("ignore", module=rf"{module}(\.|$)")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)

    def show(message, category, filename, lineno, file=None, line=None):
        _print_error(" ".join(str(message).split()), level="warning")

    warnings.showwarning = show
