"""The `keras-gans` command (also `python -m keras_gans`): argparse and dispatch
over `keras_gans.runs`, `keras_gans.inference`, `keras_gans.export` and
`keras_gans.convert`. User errors are one line on stderr with exit status 1
(`--debug`: the traceback). See `docs/cli.md`.

Example:

```python
from keras_gans import cli

cli.main(["presets"])  # prints every preset with its source, returns 0
```
"""

import argparse
import json
import os
import sys
import traceback
import warnings

from keras_gans import convert, presets, runs
from keras_gans._entry import backend_problem, split_backend
from keras_gans.inference import ImageTranslator
from keras_gans.runs import FINAL_MODEL, MODELS, RunError, load_model
from keras_gans.runs.arguments import add_train_settings, split_global_flags
from keras_gans.runs.build import one_line as _one_line
from keras_gans.runs.export import FORMATS, check_export_flags, export_files
from keras_gans.runs.folder import new_run_dir, run_image_size, save_model
from keras_gans.runs.train import write_png
from keras_gans.utils import CPU_ALLOCATORS, configure_allocator, configure_threads
from keras_gans.version import __version__

__all__ = ["CLIError", "FINAL_MODEL", "PROG", "build_parser", "main"]

PROG = "keras-gans"
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")
_MODEL = "RUN_DIR|FILE"


class CLIError(RunError):
    """A user error: `main` prints it as one line on stderr, exit status 1."""


def main(argv=None):
    """Run the command line `argv` (default `sys.argv[1:]`); return the exit
    status: `0` on success, `1` for an error (one line on stderr), `2` for a
    usage error, `130` when interrupted.

    Example:

    ```python
    from keras_gans import cli

    status = cli.main(["presets", "--model", "dcgan"])  # prints, returns 0
    ```
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    debug, _, argv = split_global_flags(argv)  # --verbose: keras_gans._entry
    backend, argv = split_backend(argv)  # set before Keras' import
    if backend_problem(backend):
        return _print_error(backend_problem(backend)) or 2
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
            return 2 if isinstance(e, runs.config.SettingError) else 1


def build_parser():
    """The `argparse` parser of the command; each subcommand sets `func`.

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
        "Add --debug anywhere for tracebacks, --verbose for TensorFlow's logs.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in (_add_train_parser, _add_pretrain_parser, _add_translate_parser):
        add(sub)
    for add in (_add_sample_parser, _add_presets_parser, _add_export_parser):
        add(sub)
    _add_convert_parser(sub)
    _add_evaluate_parser(sub)
    return parser


def _count(group, flag, help=None, **kw):
    """A positive-integer option (metavar N)."""
    return group.add_argument(flag, type=_positive_int, metavar="N", help=help, **kw)


def _add_train_parser(sub):
    p = sub.add_parser(
        "train",
        help="train a CycleGAN, DCGAN or Pix2Pix from a preset",
        description="Train a preset on image folders, TFRecords or (with no data "
        "arguments) the built-in demo data. The run folder gets checkpoints, "
        "sample grids (samples/epoch_*.png), losses.png, TensorBoard logs "
        "(logs/) and the final model.keras.",
    )
    t = _add_run_arguments(p)
    add_train_settings(p)
    help_ = f"cyclegan: start both generators from this .keras file (`{PROG} pretrain`"
    t.add_argument(
        "--pretrained-generator", metavar="FILE", help=help_ + " writes one)"
    )
    p.set_defaults(func=_cmd_train)


def _add_pretrain_parser(sub):
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
    _count(t, "--steps", "pre-training steps (default 1000)", default=1000)
    help_ = "probability that a patch is masked (default 0.4, UVCGAN)"
    t.add_argument("--mask-fraction", type=float, default=0.4, metavar="F", help=help_)
    _count(t, "--patch-size", "masked square side (default: 1/8 of the image side)")
    p.set_defaults(func=_cmd_pretrain)


def _add_translate_parser(sub):
    p = sub.add_parser(
        "translate",
        help="translate images with a CycleGAN or Pix2Pix",
        description="Translate image files or folders (searched recursively) with "
        "a CycleGAN or Pix2Pix (A -> B only) generator. Every output has its "
        "input's size: images are reflect-padded to the generator's stride and "
        "cropped back.",
    )
    model_help = "run folder or .keras"
    p.add_argument("--model", required=True, metavar=_MODEL, help=model_help)
    p.add_argument("--direction", choices=("ab", "ba"), default="ab")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders")
    p.add_argument("--output", required=True, metavar="DIR")
    _count(p, "--tile-size", "translate in overlapping tiles of N x N (bounded memory)")
    help_ = "pixels shared by neighbouring tiles (default: tile size / 4)"
    p.add_argument("--tile-overlap", type=_non_negative_int, metavar="M", help=help_)
    _count(p, "--max-size", "downscale images whose longer side exceeds N to N first")
    p.set_defaults(func=_cmd_translate, validate=runs.translate.check_translate_flags)


def _add_sample_parser(sub):
    p = sub.add_parser("sample", help="a grid of DCGAN samples")
    p.add_argument("--model", required=True, metavar=_MODEL)
    p.add_argument("-n", type=_positive_int, default=64, help="number of samples")
    p.add_argument("--seed", type=_seed, default=0, metavar="N")
    _count(p, "--columns", "images per row")
    p.add_argument("--output", required=True, metavar="FILE.png")
    p.set_defaults(func=_cmd_sample)


def _add_presets_parser(sub):
    p = sub.add_parser("presets", help="list the presets")
    p.add_argument("--model", choices=MODELS, help="only this model's presets")
    p.add_argument("--json", action="store_true", help="print the full presets")
    p.set_defaults(func=_cmd_presets)


def _add_export_parser(sub):
    p = sub.add_parser(
        "export",
        help="export a generator for serving",
        description="Export a CycleGAN or Pix2Pix generator as a TF Serving SavedModel "
        "(OUTPUT/<version>/), as ONNX (needs tf2onnx and onnx) or as TFLite "
        "(at one --image-size).",
    )
    p.add_argument("model", metavar=_MODEL)
    p.add_argument("--format", choices=FORMATS, default="saved_model")
    p.add_argument("--quantize", choices=("float16", "dynamic_int8"), help="tflite")
    p.add_argument("--output", required=True, metavar="DIR")
    p.add_argument("--direction", choices=("ab", "ba"), default="ab")
    _count(p, "--version", default=1, dest="model_version")
    _count(p, "--image-size", "run the generator at this size")
    p.add_argument("--overwrite", action="store_true")
    p.set_defaults(func=_cmd_export, validate=check_export_flags)


def _add_convert_parser(sub):
    p = sub.add_parser(
        "convert",
        help="official PyTorch CycleGAN generator -> .keras",
        description="Convert a junyanz/pytorch-CycleGAN-and-pix2pix generator "
        "state_dict (e.g. latest_net_G_A.pth) to a Keras generator (needs torch).",
    )
    p.add_argument("checkpoint", metavar="PTH")
    p.add_argument("--output", required=True, metavar="FILE.keras")
    p.add_argument("--netG", default="resnet_9blocks", help="the official --netG")
    _count(p, "--ngf", default=64)
    p.add_argument("--norm", default="instance", help="instance, batch or none")
    p.set_defaults(func=_cmd_convert)


def _add_evaluate_parser(sub):
    p = sub.add_parser(
        "evaluate",
        help="FID / KID of a CycleGAN's translations",
        description="Translate the images of --data-a to B (and of --data-b to A) "
        "and measure FID and KID against the real images of the target domain.",
    )
    p.add_argument("model", metavar=_MODEL)
    p.add_argument("--data-a", required=True, metavar="DIR")
    p.add_argument("--data-b", required=True, metavar="DIR")
    p.add_argument("--direction", choices=("ab", "ba", "both"), default="both")
    _count(p, "--image-size", "default: the run's")
    _count(p, "--max-images", default=1000)
    _count(p, "--batch-size", default=16)
    p.add_argument(
        "--weights",
        default="imagenet",
        help="InceptionV3 weights: imagenet (download), a local .h5 file, or "
        "random (smoke tests only)",
    )
    p.add_argument("--output", metavar="FILE.json", help="also write the results")
    p.set_defaults(func=_cmd_evaluate)


def _add_run_arguments(p):
    """The arguments of `train` (and of `pretrain`, which shares them)."""
    _add_data_arguments(p)
    t = p.add_argument_group("run")
    _count(t, "--epochs", "total epochs")
    _count(t, "--steps-per-epoch", "batches per epoch")
    _count(t, "--batch-size")
    _count(t, "--image-size", "training image side")
    _count(t, "--ngf", "generator width")
    _count(t, "--ndf", "discriminator width")
    for role, example in (
        ("generator", 'n_blocks": 6'),
        ("discriminator", 'n_layers": 2'),
    ):
        t.add_argument(
            f"--{role}-config",
            type=_json_dict,
            metavar="JSON",
            help=f"more {role} overrides, e.g. '{{\"{example}}}'",
        )
    _count(t, "--samples", "samples in each grid (default 8/64)")
    t.add_argument("--output", metavar="RUN_DIR", help="run folder (default runs/...)")
    t.add_argument("--seed", type=_seed, metavar="N", help="random seed (default 0)")
    _count(t, "--save-every-steps", "also checkpoint every N batches (default 500)")
    _count(t, "--keep", "checkpoints kept (default 3)")
    help_ = "continue the run in --output (default: the newest run of this model)"
    t.add_argument("--resume", action="store_true", help=help_)
    t.add_argument(
        "--on-nan",
        choices=("stop", "rollback"),
        help="on a NaN loss: stop, or roll back to the last checkpoint and skip "
        "the batch (default stop)",
    )
    _add_system_arguments(t)
    return t


def _add_data_arguments(p):
    """The model, the preset and the data of `train` / `pretrain`."""
    p.add_argument("model", choices=MODELS, help="the model class")
    p.add_argument("--preset", help="preset name (see `keras-gans presets`)")
    g = p.add_argument_group("data (none given: the built-in demo set)")
    g.add_argument(
        "--data",
        metavar="DIR",
        help="cyclegan: a folder with trainA/ and trainB/; dcgan: an image folder; "
        "pix2pix: a folder with train/ (A and B side by side, the official layout)",
    )
    for side in "ab":
        help_ = f"cyclegan, pix2pix: images of {side.upper()} (pix2pix: same names)"
        g.add_argument(f"--data-{side}", metavar="DIR", help=help_)
    help_ = "pix2pix: input -> target (default: the preset's; demo: AtoB)"
    g.add_argument("--direction", choices=("AtoB", "BtoA"), help=help_)
    for side in "ab":
        help_ = f"cyclegan: TFRecords of {side.upper()}"
        g.add_argument(f"--tfrecords-{side}", nargs="+", metavar="FILE", help=help_)
    g.add_argument("--tfrecords", nargs="+", metavar="FILE", help="dcgan: TFRecords")
    g.add_argument(
        "--image-key",
        help="TFRecord feature holding the encoded image (default: image)",
    )


def _add_system_arguments(t):
    """Precision, distribution, threads and output of `train` / `pretrain`."""
    t.add_argument("--precision", choices=PRECISIONS, help="dtype policy")
    t.add_argument(
        "--strategy",
        choices=("default", "mirrored", "multiworker"),
        default="default",
        help="tf.distribute strategy: one device (default), MirroredStrategy over "
        "the local devices, or MultiWorkerMirroredStrategy (TF_CONFIG); "
        "--batch-size is then the global batch",
    )
    help_ = "devices for --strategy mirrored, e.g. 0,1 or gpu:0,gpu:1"
    t.add_argument("--devices", metavar="LIST", help=help_)
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


def _configure_cpu(args):
    """`--inter-op-threads` and `--cpu-allocator`: before TensorFlow's first op."""
    inter_op = "auto" if args.inter_op_threads is None else args.inter_op_threads
    configure_threads(inter_op)
    configure_allocator(args.cpu_allocator)


def _data_spec(args):
    keys = ("data_a", "data_b", "tfrecords_a", "tfrecords_b", "tfrecords")
    return runs.data_spec(args.model, args.data, **{k: getattr(args, k) for k in keys})


def _cmd_train(args):
    """`keras-gans train`: resolve the settings, build, train, save."""
    _configure_cpu(args)
    run_dir, config = runs.prepare(
        args.model, _data_spec(args), args, output=args.output, resume=args.resume
    )
    try:
        runs.train(
            config,
            run_dir,
            resume=args.resume,
            strategy=args.strategy,
            devices=args.devices,
            verbose=args.verbose,
        )
    except KeyboardInterrupt as e:
        raise KeyboardInterrupt(
            f"{e} Continue with: {PROG} train {config['model']} --output "
            f"{run_dir} --resume"
        ) from None
    if args.verbose:
        print(
            f"Saved {os.path.join(run_dir, FINAL_MODEL)}\n"
            f"Samples: {os.path.join(run_dir, 'samples')}  "
            f"Losses: {os.path.join(run_dir, 'losses.png')}  "
            f"TensorBoard: tensorboard --logdir {run_dir}"
        )
    return 0


def _cmd_pretrain(args):
    """`keras-gans pretrain`: UVCGAN's masked-inpainting generator pre-training."""
    if args.model != "cyclegan":
        raise CLIError("pretrain pre-trains image-to-image generators: use cyclegan")
    if args.resume:
        raise CLIError("pretrain has no --resume; run it again with more --steps")
    _configure_cpu(args)
    config = runs.resolve_config("cyclegan", _data_spec(args), args)
    out = new_run_dir(config, args.output, prefix="pretrain")
    path, l1 = runs.pretrain(
        config,
        out,
        steps=args.steps,
        mask_fraction=args.mask_fraction,
        patch_size=args.patch_size,
        verbose=args.verbose,
    )
    print(
        f"Wrote {path} (L1 {l1:.4f}); train with "
        f"`{PROG} train cyclegan --preset {config['preset']} "
        f"--pretrained-generator {path}`"
    )
    return 0


def _cmd_translate(args):
    """`keras-gans translate`: files or folders in, same-size PNGs out."""
    model = load_model(args.model)
    translator = ImageTranslator(
        runs.generator_of(model, args.direction, "translate"),
        batch_size=1 if args.tile_size else 32,
        tile_size=args.tile_size,
        tile_overlap=args.tile_overlap,
    )

    def skip(path, error):
        _print_error(f"skipped {path}: {error}", level="warning")

    written, failed = runs.translate_files(
        translator, args.inputs, args.output, skip, max_size=args.max_size
    )
    print(f"Translated {written} image(s) ({args.direction}) into {args.output}")
    if failed:
        raise CLIError(
            f"{len(failed)} of {written + len(failed)} input(s) could not be read"
        )
    return 0


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
    write_png(args.output, grid)
    print(f"Wrote {args.n} samples to {args.output}")
    return 0


def _cmd_presets(args):
    """`keras-gans presets`: every preset, its source and one line."""
    names = presets.list_presets(runs.config.MODEL_CLASSES.get(args.model))
    if args.json:
        print(json.dumps({n: presets.get(n) for n in names}, indent=2, default=str))
        return 0
    print(runs.config.describe_presets(names))
    return 0


def _cmd_export(args):
    """`keras-gans export`: a SavedModel for TF Serving, ONNX or TFLite."""
    model = load_model(args.model)
    generator = runs.generator_of(model, args.direction, "export")
    options = ("format", "direction", "image_size", "quantize", "overwrite")
    options = {k: getattr(args, k) for k in options}
    print(export_files(generator, args.output, version=args.model_version, **options))
    return 0


def _cmd_convert(args):
    """`keras-gans convert`: an official PyTorch generator -> `.keras`."""
    if not args.output.endswith(".keras"):
        raise CLIError(f"--output must end in .keras. Received: {args.output!r}")
    if not os.path.isfile(args.checkpoint):
        raise CLIError(f"PyTorch checkpoint not found: {args.checkpoint!r}")
    generator = convert.from_torch_cyclegan(
        args.checkpoint, args.netG, ngf=args.ngf, norm=args.norm
    )
    save_model(generator, args.output)
    print(
        f"Wrote {args.output} ({generator.count_params():,} parameters); translate "
        f"with: {PROG} translate --model {args.output} IMAGES --output DIR"
    )
    return 0


def _cmd_evaluate(args):
    """`keras-gans evaluate`: FID / KID of translations vs. the target domain."""
    model = load_model(args.model)
    size = args.image_size or run_image_size(args.model) or 256
    results = runs.evaluate(
        model,
        args.data_a,
        args.data_b,
        directions=("ab", "ba") if args.direction == "both" else (args.direction,),
        image_size=size,
        max_images=args.max_images,
        batch_size=args.batch_size,
        weights=None if args.weights == "random" else args.weights,
    )
    for direction, r in results.items():
        arrow = "A->B" if direction == "ab" else "B->A"
        print(
            f"{arrow}: FID {r['fid']:.3f}  KID {r['kid']:.5f} +- {r['kid_std']:.5f}  "
            f"({r['num_fake']} translated vs {r['num_real']} real, {size}x{size}, "
            f"weights={args.weights})"
        )
    if args.output:
        summary = {"model": os.path.abspath(args.model), "image_size": size}
        runs.config.write_json(args.output, {**summary, **results})
        print(f"Wrote {args.output}")
    return 0


# === Helpers ===


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors as one line (no usage dump)."""

    def parse_known_args(self, args=None, namespace=None):
        namespace, extras = super().parse_known_args(args, namespace)
        validate = self.get_default("validate")  # a check of flag combinations
        if validate and (message := validate(**vars(namespace))):
            self.error(message)
        return namespace, extras

    def error(self, message):
        command = self.prog[len(PROG) :].strip()
        where = f"{command}: " if command else ""
        raise _UsageError(f"{where}{message} (see `{self.prog} --help`)")


def _int_type(low, high, what):
    """An argparse type: an int in `[low, high)`, else "must be <what>"."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if not low <= value < high:
            raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
        return value

    return parse


_positive_int = _int_type(1, float("inf"), "a positive integer")
_non_negative_int = _int_type(0, float("inf"), "a non-negative integer")
_seed = _int_type(0, 2**32, "an integer in [0, 2**32)")


def _json_dict(text):
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise argparse.ArgumentTypeError(f"not valid JSON ({e}): {text!r}") from e
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"must be a JSON object, got {text!r}")
    return value


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
