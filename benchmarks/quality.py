"""Known-answer quality benchmark: does an unpaired GAN learn the right map?

Each task is an unpaired translation A -> B whose correct answer `T(x)` is
known for every input, so a trained generator `G` can be scored against
the truth instead of by eye:

    ratio = mean |G(x) - T(x)|  /  mean |x - T(x)|     (held-out inputs x)

`ratio < 1` means better than returning the input unchanged (the identity
baseline), `0` is a perfect translation. `ratio_ba` is the same for the
other generator `F: B -> A` against `T^-1`. Training is unpaired: domain B
is built from other images than domain A, so no A image has its partner in
B, as in a real CycleGAN data set.

Tasks (`--tasks`, default all):

- `glyph_font`: DejaVu Sans -> DejaVu Serif glyphs with random position,
  size and colours (`keras_gans.datasets`); the held-out pairs of
  `datasets.glyph_pairs` share the jitter, so `T(x)` is exact.
- `glyph_bold` (morphological): Sans glyphs -> the same glyphs with the ink
  grown by one pixel (a 3x3 minimum filter; the ink is darker than the
  paper in every channel).
- `colour_matrix`: 32x32 crops of real photos (scikit-image's and
  matplotlib's sample images, shipped in the packages) -> a fixed 3x3
  colour matrix plus offset, clipped to [0, 1].
- `gamma`: photo crops -> `x ** 0.5` per channel (in [0, 1]).
- `hue`: photo crops -> hue rotated by 90 degrees (HSV).

Photo crops come from the photos downscaled to a short side of 128
pixels; training crops from the left three quarters of each photo, held-out
crops from the right quarter.

Budgets: `--budgets 300,900` trains one run of 900 steps and scores it after
300 and 900 steps. `--seeds 0 1 2` repeats everything per seed (weights,
data order, crops, augmentation draws). With EMA on (`ema_decay` in
`--model-config`), the scores are of the EMA generators (what `translate`
uses) and `ratio_raw` is the raw generator's.

`kid_pool8` is a cheap KID (no Inception network): the polynomial-kernel MMD
of 8x8 average-pooled images (192 features) between G's outputs and held-out
real B images; it says whether the outputs look like domain B, whatever
their pairing.

`glyph_font` also reports what a font judge says (`glyph_judge.py`): a small
CNN trained on exact Sans / Serif pairs of other jitter calls `serif_rate`
of the translations `G(x)` Serif (returning the input: about 0.02, the true
glyphs: about 0.95) and `sans_rate_ba` of `F(T(x))` Sans. The pixel ratio
asks "is G(x) the true glyph?", which a serif drawn one pixel off fails;
the judge asks "does G(x) look like the other font?".

Examples:

```
python benchmarks/quality.py --generator resnet_6blocks \
    --generator-config '{"ngf": 16}' --budgets 300,900 --seeds 0 1 2
python benchmarks/quality.py --preset cyclegan_fast --tasks colour_matrix,gamma
python benchmarks/quality.py --generator unet_128 \
    --generator-config '{"ngf": 16, "num_downs": 5}' --tasks glyph_font \
    --model-config '{"ema_decay": 0.999, "augment": "color,translation"}'
python benchmarks/quality.py --preset cyclegan_fast --tasks glyph_font \
    --loss-weights '100:{"0": {"identity": 0.5}, "3": {"identity": 0}}'
```

`--loss-weights` changes the loss coefficients by epoch as
`keras_gans.callbacks.LossWeightScheduler` does in `fit` (above: the
identity loss for the first 300 steps only, a warm-up).

Prints one JSON object (`--output FILE` also writes it): the settings, the
machine, one row per (task, seed, budget) and a summary per (task, budget)
with the mean, min and max ratio over the seeds. `--pictures DIR` writes one
PNG per task (rows: input x, truth T(x), G(x)) for the first seed.

This is a benchmark, not a test: it asserts nothing.
"""

import argparse
import json
import os
import platform
import sys
import time
import warnings

TASKS = ("glyph_font", "glyph_bold", "colour_matrix", "gamma", "hue")
PHOTO_TASKS = ("colour_matrix", "gamma", "hue")

#: The colour matrix task: out = clip(M @ rgb + offset) in [0, 1].
COLOUR_MATRIX = (
    (0.70, 0.25, 0.05),
    (0.10, 0.60, 0.20),
    (0.00, 0.30, 0.55),
)
COLOUR_OFFSET = (0.10, 0.05, 0.20)
GAMMA = 0.5
HUE_SHIFT = 0.25  # of a full turn


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--tasks", default=",".join(TASKS), help="comma-separated")
    p.add_argument("--preset", default="cyclegan_paper")
    p.add_argument("--generator", default=None, help="a registry name")
    p.add_argument("--generator-config", default="{}", help="JSON overrides")
    p.add_argument("--discriminator", default=None, help="a registry name")
    p.add_argument(
        "--discriminator-config",
        default=None,
        help='JSON overrides (default for 32x32: {"ndf": 16, "n_layers": 2} '
        "with the preset's patchgan)",
    )
    p.add_argument(
        "--model-config",
        default="{}",
        help="JSON CycleGAN constructor overrides (ema_decay, augment, ...)",
    )
    p.add_argument("--lr", type=float, default=None, help="generator lr")
    p.add_argument("--beta-1", type=float, default=None)
    p.add_argument("--beta-2", type=float, default=None)
    p.add_argument("--d-lr-ratio", type=float, default=None)
    p.add_argument(
        "--decay",
        default=None,
        metavar="EPOCH_STEPS,START",
        help="the paper's linear learning-rate decay (keras_gans.callbacks."
        "LinearDecay) over epochs of EPOCH_STEPS steps: constant for START "
        "epochs, then linearly towards 0 until the epoch of the last budget "
        "(e.g. 124,4: the demo's epochs, decayed over the second half of 992 "
        "steps)",
    )
    p.add_argument(
        "--loss-weights",
        default=None,
        metavar="EPOCH_STEPS:JSON",
        help="a loss-weight schedule (keras_gans.callbacks.LossWeightScheduler: "
        "{epoch: {name: weight}}) over epochs of EPOCH_STEPS steps, e.g. "
        '\'100:{"0": {"identity": 0.5}, "3": {"identity": 0}}\': the identity '
        "loss for the first 300 steps only; with --decay, the same EPOCH_STEPS",
    )
    add_onednn_option(p)
    p.add_argument(
        "--ema-statistics",
        type=int,
        default=0,
        metavar="N",
        help="with ema_decay: before scoring, give the EMA generators "
        "batch-norm statistics of their own weights from N training images "
        "a domain (CycleGAN.update_ema_statistics); 0: off",
    )
    p.add_argument("--image-size", type=int, default=32)
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--budgets", default="900", help="steps, comma-separated")
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--train-images", type=int, default=496, help="per domain")
    p.add_argument(
        "--pretrain-steps",
        type=int,
        default=0,
        help="UVCGAN's inpainting pre-training of the generators first (steps)",
    )
    p.add_argument("--threads", type=int, default=0, help="intra-op, 0: all")
    p.add_argument("--pictures", default=None, help="folder for PNG grids")
    p.add_argument("--output", default=None, help="also write the JSON here")
    p.add_argument("--label", default=None, help="a name for this configuration")
    p.add_argument(
        "--model",
        default=None,
        help="score a saved CycleGAN (.keras, or a keras-gans run folder) "
        "instead of training; --budgets and --seeds then only name the row",
    )
    args = p.parse_args(argv)
    request_onednn(args.onednn)  # before anything below imports TensorFlow
    args.tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    bad = sorted(set(args.tasks) - set(TASKS))
    if bad:
        p.error(f"unknown task(s) {bad}; valid: {list(TASKS)}")
    args.budgets = sorted({int(b) for b in args.budgets.split(",")})
    if not args.budgets or args.budgets[0] < 1:
        p.error("--budgets must be positive step counts")
    if args.decay is not None:
        try:
            epoch_steps, start = (int(v) for v in args.decay.split(","))
        except ValueError:
            p.error(f"--decay must be EPOCH_STEPS,START. Received: {args.decay!r}")
        epochs = -(-args.budgets[-1] // max(epoch_steps, 1))
        if epoch_steps < 1 or not 0 <= start < epochs:
            p.error(
                f"--decay {args.decay}: EPOCH_STEPS must be positive and START "
                f"below the {epochs} epochs of the last budget"
            )
        args.decay = (epoch_steps, start)
    if args.loss_weights is not None:
        args.loss_weights = _loss_weights(p, args.loss_weights)
        if args.decay and args.decay[0] != args.loss_weights[0]:
            p.error(
                f"--loss-weights and --decay need the same EPOCH_STEPS. Received: "
                f"{args.loss_weights[0]} and {args.decay[0]}"
            )
    parse_json_options(p, args)
    if args.ema_statistics < 0:
        p.error("--ema-statistics must be >= 0")
    return args


def add_onednn_option(parser):
    """`--onednn on|off|default`, for `request_onednn` and `check_onednn`."""
    parser.add_argument(
        "--onednn",
        choices=("on", "off", "default"),
        default="default",
        help="TensorFlow's oneDNN kernels (TF_ENABLE_ONEDNN_OPTS, set before "
        "TensorFlow starts; default: TensorFlow's choice for this CPU)",
    )


def request_onednn(requested):
    """Set `TF_ENABLE_ONEDNN_OPTS` for `--onednn on|off` (`"default"`: leave
    it). TensorFlow reads it once, when it starts: call this before the
    first import of TensorFlow or keras_gans, and `check_onednn` after."""
    if requested != "default":
        os.environ["TF_ENABLE_ONEDNN_OPTS"] = "1" if requested == "on" else "0"


def check_onednn(requested):
    """Raise if `--onednn on|off` did not reach TensorFlow (it had started
    before `request_onednn`, e.g. by an earlier import in this process): a
    run that says `off` must not have trained on oneDNN's kernels."""
    if requested == "default":
        return
    from keras_gans.config import onednn_enabled

    if onednn_enabled() != (requested == "on"):
        raise RuntimeError(
            f"--onednn {requested}: TensorFlow runs with oneDNN "
            f"{'on' if onednn_enabled() else 'off'}; it reads "
            "TF_ENABLE_ONEDNN_OPTS when it starts, and it had started before "
            "the option was read (run the benchmark in a fresh process)"
        )


def _loss_weights(parser, value):
    """(epoch steps, schedule) of `--loss-weights EPOCH_STEPS:JSON`, checked
    as `LossWeightScheduler` checks it; a parser error otherwise."""
    from keras_gans.callbacks import LossWeightScheduler

    steps, _, schedule = value.partition(":")
    try:
        steps = int(steps)
        if steps < 1:
            raise ValueError("EPOCH_STEPS must be positive")
        schedule = LossWeightScheduler(json.loads(schedule)).schedule
    except ValueError as e:  # json.JSONDecodeError is one
        parser.error(
            f"--loss-weights must be EPOCH_STEPS:JSON ({e}). Received: {value!r}"
        )
    return steps, schedule


def parse_json_options(
    parser, args, names=("generator_config", "discriminator_config", "model_config")
):
    """Replace the JSON strings of options `names` in `args` by their values
    (a usage error naming the option when one is not JSON)."""
    for name in names:
        value = getattr(args, name)
        if value is not None:
            try:
                setattr(args, name, json.loads(value))
            except json.JSONDecodeError as e:
                parser.error(f"--{name.replace('_', '-')} is not JSON: {e}")


# === Tasks ===


def _photos():
    """Sample photos shipped by scikit-image and matplotlib (uint8 RGB)."""
    import numpy as np
    from PIL import Image

    photos = []
    try:
        import skimage.data

        for name in ("astronaut", "coffee", "chelsea", "rocket"):
            photos.append(getattr(skimage.data, name)())
    except ImportError:
        warnings.warn(
            "scikit-image is not installed (pip install -e '.[quality]'): "
            "the photo tasks use matplotlib's sample photo only.",
            stacklevel=2,
        )
    import matplotlib.cbook

    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as f:
        photos.append(np.asarray(Image.open(f).convert("RGB")))
    out = []
    for photo in photos:
        h, w = photo.shape[:2]
        scale = 128 / min(h, w)
        size = (round(w * scale), round(h * scale))
        out.append(np.asarray(Image.fromarray(photo).resize(size, Image.LANCZOS)))
    return out


def _crops(photos, n, size, rng, test):
    """`n` random `size` crops: from the left 3/4 (train) or right 1/4."""
    import numpy as np

    out = np.empty((n, size, size, 3), np.uint8)
    for i in range(n):
        photo = photos[rng.integers(len(photos))]
        h, w = photo.shape[:2]
        split = int(w * 0.75)
        x0, x1 = (split, w - size) if test else (0, split - size)
        x = rng.integers(x0, x1 + 1)
        y = rng.integers(0, h - size + 1)
        out[i] = photo[y : y + size, x : x + size]
    return out


def colour_matrix(images):
    import numpy as np

    x = images.astype(np.float32) / 255.0
    y = x @ np.asarray(COLOUR_MATRIX, np.float32).T + np.asarray(COLOUR_OFFSET)
    return _to_uint8(y)


def colour_matrix_inverse(images):
    import numpy as np

    y = images.astype(np.float32) / 255.0 - np.asarray(COLOUR_OFFSET)
    return _to_uint8(y @ np.linalg.inv(np.asarray(COLOUR_MATRIX, np.float32)).T)


def gamma(images, g=GAMMA):
    import numpy as np

    return _to_uint8((images.astype(np.float32) / 255.0) ** g)


def hue(images, shift=HUE_SHIFT):
    import numpy as np
    from matplotlib.colors import hsv_to_rgb, rgb_to_hsv

    hsv = rgb_to_hsv(images.astype(np.float32) / 255.0)
    hsv[..., 0] = (hsv[..., 0] + shift) % 1.0
    return _to_uint8(hsv_to_rgb(hsv))


def bold(images):
    """Grow dark ink by one pixel: a 3x3 minimum filter per channel."""
    import numpy as np

    p = np.pad(images, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="edge")
    h, w = images.shape[1:3]
    shifted = [p[:, i : i + h, j : j + w] for i in range(3) for j in range(3)]
    return np.min(np.stack(shifted), axis=0)


def _to_uint8(x):
    import numpy as np

    return np.clip(np.round(x * 255.0), 0, 255).astype(np.uint8)


#: task -> (forward T, inverse T^-1 or None)
TRANSFORMS = {
    "colour_matrix": (colour_matrix, colour_matrix_inverse),
    "gamma": (gamma, lambda x: gamma(x, 1.0 / GAMMA)),
    "hue": (hue, lambda x: hue(x, -HUE_SHIFT)),
    "glyph_bold": (bold, None),
}


def make_task(name, image_size, n_train, seed):
    """uint8 arrays `train_a`, `train_b` (unpaired), `test_x`, `test_y` (=T(x))."""
    import numpy as np

    from keras_gans import datasets
    from keras_gans.imaging import to_uint8

    samples = max(1, -(-n_train // len(datasets.GLYPH_CHARS)))
    if name == "glyph_font":
        a, _, b, _ = datasets.glyph_domains(
            image_size, samples_per_char=samples, seed=seed
        )
        x, y, _ = datasets.glyph_pairs(image_size, split="test", seed=seed)
        return {
            "train_a": a[:n_train],
            "train_b": b[:n_train],
            "test_x": to_uint8(x),
            "test_y": to_uint8(y),
            "glyphs": True,
            "font_judge": True,
        }
    if name == "glyph_bold":
        a, _, _, _ = datasets.glyph_domains(
            image_size, samples_per_char=samples, seed=seed
        )
        # B: other Sans glyphs (independent jitter), made bold.
        other, _, _, _ = datasets.glyph_domains(
            image_size, samples_per_char=samples, seed=seed + 1000
        )
        x, _, _ = datasets.glyph_pairs(image_size, split="test", seed=seed)
        x = to_uint8(x)
        return {
            "train_a": a[:n_train],
            "train_b": bold(other[:n_train]),
            "test_x": x,
            "test_y": bold(x),
            "glyphs": True,
        }
    photos = _photos()
    rng = np.random.default_rng([seed, TASKS.index(name)])
    forward, _ = TRANSFORMS[name]
    test_x = _crops(photos, 128, image_size, rng, test=True)
    return {
        "train_a": _crops(photos, n_train, image_size, rng, test=False),
        "train_b": forward(_crops(photos, n_train, image_size, rng, test=False)),
        "test_x": test_x,
        "test_y": forward(test_x),
    }


# === Training and scoring ===


def build_model(args, seed, task=None):
    import keras

    import keras_gans
    from keras_gans import networks, presets

    preset = presets.get(args.preset)
    g_name = args.generator or preset["generator"]["name"]
    g_config = dict(args.generator_config)
    if args.generator is None:
        g_config = {**preset["generator"]["config"], **g_config}
    d_name = args.discriminator or preset["discriminator"]["name"]
    d_config = args.discriminator_config
    if d_config is None:
        d_config = {**preset["discriminator"]["config"]}
        if args.discriminator is None and args.preset == "cyclegan_paper":
            # The paper's 70x70 PatchGAN sees a 32x32 image as one patch.
            d_config.update({"ndf": 16, "n_layers": 2})
    keras.utils.set_random_seed(seed)
    nets = [networks.create(g_name, **g_config) for _ in range(2)]
    nets += [networks.create(d_name, **d_config) for _ in range(2)]
    if args.pretrain_steps:
        pretrain(nets[:2], task, args, seed)
    model_config = {**preset["model_config"], "seed": seed, **args.model_config}
    model = keras_gans.CycleGAN(*nets, **model_config)
    kwargs = keras_gans.CycleGAN.preset_optimizers(args.preset)
    opt = preset["optimizer"]
    lr = args.lr if args.lr is not None else opt["learning_rate"]
    beta_1 = args.beta_1 if args.beta_1 is not None else opt["beta_1"]
    beta_2 = args.beta_2 if args.beta_2 is not None else opt["beta_2"]
    ratio = args.d_lr_ratio
    if ratio is None:
        ratio = opt["discriminator_lr_ratio"]
    if (args.lr, args.beta_1, args.beta_2, args.d_lr_ratio) != (None,) * 4:
        from keras_gans.optimizers import FusedAdam as adam

        kwargs = {
            f"{name}_optimizer": adam(
                lr * (1.0 if name == "generator" else ratio),
                beta_1=beta_1,
                beta_2=beta_2,
                name=f"{name}_optimizer",
            )
            for name in model.OPTIMIZER_NAMES
        }
    model.compile(**kwargs)
    settings = {
        "generator": {"name": g_name, "config": g_config},
        "discriminator": {"name": d_name, "config": d_config},
        "model_config": {k: v for k, v in model_config.items() if k != "seed"},
        "optimizer": {
            "learning_rate": lr,
            "beta_1": beta_1,
            "beta_2": beta_2,
            "d_lr_ratio": ratio,
        },
    }
    return model, settings


def pretrain(generators, task, args, seed):
    """UVCGAN's joint inpainting pre-training of the first generator on
    both domains' training images; the second starts from the same weights."""
    from keras_gans.models import GeneratorPretrainer
    from keras_gans.models.pretrainer import copy_generator_weights

    pretrainer = GeneratorPretrainer(generators[0], seed=seed)
    pretrainer.compile()
    start = time.time()
    history = pretrainer.fit(
        dataset(task, args.batch_size, seed + 1),
        steps_per_epoch=args.pretrain_steps,
        epochs=1,
        verbose=0,
    )
    copy_generator_weights(generators[0], generators[1:])
    print(
        json.dumps(
            {
                "pretrain_steps": args.pretrain_steps,
                "pretrain_l1": round(history.history["l1"][-1], 4),
                "pretrain_seconds": round(time.time() - start, 1),
            }
        ),
        file=sys.stderr,
        flush=True,
    )


def dataset(task, batch_size, seed):
    import tensorflow as tf

    def domain(images, s):
        ds = tf.data.Dataset.from_tensor_slices(images)
        ds = ds.shuffle(len(images), seed=s, reshuffle_each_iteration=True)
        return ds.repeat().map(lambda x: tf.cast(x, tf.float32) / 127.5 - 1.0)

    ds = tf.data.Dataset.zip(
        (domain(task["train_a"], seed), domain(task["train_b"], seed + 7919))
    )
    return ds.batch(batch_size, drop_remainder=True).prefetch(2)


def _pool8(images):
    import numpy as np

    x = np.asarray(images, np.float32)
    n, h, w, c = x.shape
    x = x.reshape(n, 8, h // 8, 8, w // 8, c).mean(axis=(2, 4))
    return x.reshape(n, -1)


def score(model, task):
    """Ratios of the inference generators (EMA when on) and of the raw ones."""
    import numpy as np

    from keras_gans.metrics import kid

    x = task["test_x"].astype(np.float32) / 127.5 - 1.0
    y = task["test_y"].astype(np.float32) / 127.5 - 1.0
    base = float(np.mean(np.abs(x - y)))
    fake_y = model.translate(x, "ab")
    fake_x = model.translate(y, "ba")
    out = {
        "ratio": float(np.mean(np.abs(fake_y - y))) / base,
        "ratio_ba": float(np.mean(np.abs(fake_x - x))) / base,
        "identity_mae": base,
        "kid_pool8": float(
            kid(y, fake_y, feature_extractor=_pool8, subsets=20, subset_size=50)
        ),
    }
    if getattr(model, "ema_decay", None):
        raw = model.translate(x, "ab", use_ema=False)
        out["ratio_raw"] = float(np.mean(np.abs(raw - y))) / base
    if task.get("glyphs"):
        out.update(glyph_colour_errors(task["test_y"], fake_y))
    if task.get("font_judge"):
        from glyph_judge import font_scores

        out.update(font_scores(x, y, fake_y, fake_x))
    return out, fake_y


def glyph_colour_errors(truth, fake):
    """Colour errors of translated glyphs, in [0, 255] units.

    `ink_error`: mean over images and channels of |mean ink colour of G(x)
    - mean ink colour of T(x)|, the ink being where the true glyph is dark
    (every ink channel is below 110, every paper channel above 205);
    `paper_error`: the same for the paper. A generator that keeps the
    glyph's colours scores near 0 whatever its font.
    """
    import numpy as np

    truth = truth.astype(np.float32)
    fake = (np.asarray(fake, np.float32) + 1.0) * 127.5
    ink = truth.mean(axis=-1, keepdims=True) < 128
    errors = {}
    for name, mask in (("ink_error", ink), ("paper_error", ~ink)):
        count = mask.sum(axis=(1, 2))
        mean_t = (truth * mask).sum(axis=(1, 2)) / np.maximum(count, 1)
        mean_f = (fake * mask).sum(axis=(1, 2)) / np.maximum(count, 1)
        errors[name] = float(np.mean(np.abs(mean_t - mean_f)))
    return errors


def save_picture(folder, name, task, fake_y, label):
    import numpy as np
    from PIL import Image

    from keras_gans.imaging import make_grid

    n = 8
    rows = [task["test_x"][:n], task["test_y"][:n], fake_y[:n]]
    try:
        grid = make_grid(
            rows,
            row_labels=["x", "T(x)", "G(x)"],
            col_labels=None,
            min_tile=96,
        )
    except TypeError:  # an older make_grid without labels
        grid = make_grid(rows)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{label}_{name}.png".replace("/", "_"))
    Image.fromarray(np.asarray(grid)).save(path)
    return path


def score_saved(args):
    """Rows for a saved model (no training)."""
    import keras

    path = args.model
    if os.path.isdir(path):
        path = os.path.join(path, "model.keras")
    model = keras.saving.load_model(path, compile=False)
    rows, pictures = [], {}
    for task_name in args.tasks:
        task = make_task(task_name, args.image_size, args.train_images, 0)
        values, fake_y = score(model, task)
        rows.append(
            {"task": task_name, "seed": None, "steps": None}
            | {k: round(v, 4) for k, v in values.items()}
        )
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
        if args.pictures:
            label = args.label or "model"
            pictures[task_name] = save_picture(
                args.pictures, task_name, task, fake_y, label
            )
    return rows, {"model": args.model}, pictures


def run(args):
    import keras

    from keras_gans.callbacks import LinearDecay, LossWeightScheduler
    from keras_gans.utils import configure_threads

    configure_threads(inter_op=1, intra_op=args.threads or None)
    if args.model:
        return score_saved(args)
    rows, pictures = [], {}
    total = args.budgets[-1]
    for task_name in args.tasks:
        for seed in args.seeds:
            task = make_task(task_name, args.image_size, args.train_images, seed)
            model, settings = build_model(args, seed, task)
            results = {}  # step -> ((scores, G(x)), time)

            def score_at_budgets(batch, logs=None, model=model, task=task, out=results):
                step = int(model.gan_optimizers["generator"].iterations.numpy())
                if step in args.budgets:
                    if args.ema_statistics:
                        n = args.ema_statistics
                        model.update_ema_statistics(
                            task["train_a"][:n], task["train_b"][:n]
                        )
                    out[step] = (score(model, task), time.time())
                model.stop_training = step >= total  # a last, partial epoch

            callbacks = [
                keras.callbacks.LambdaCallback(on_train_batch_end=score_at_budgets)
            ]
            epoch_steps = (args.decay or args.loss_weights or (total,))[0]
            epochs = -(-total // epoch_steps)
            if args.decay:
                callbacks.insert(0, LinearDecay(args.decay[1], epochs))
            if args.loss_weights:
                callbacks.insert(0, LossWeightScheduler(args.loss_weights[1]))
            start = time.time()
            model.fit(
                dataset(task, args.batch_size, seed),
                steps_per_epoch=epoch_steps,
                epochs=epochs,
                verbose=0,
                callbacks=callbacks,
            )
            for step, ((values, fake_y), when) in sorted(results.items()):
                rows.append(
                    {
                        "task": task_name,
                        "seed": seed,
                        "steps": step,
                        **{k: round(v, 4) for k, v in values.items()},
                        "seconds": round(when - start, 1),
                    }
                )
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
                if args.pictures and seed == args.seeds[0] and step == total:
                    label = args.label or settings["generator"]["name"]
                    pictures[task_name] = save_picture(
                        args.pictures, task_name, task, fake_y, label
                    )
            keras.backend.clear_session()
    return rows, settings, pictures


def summarize(rows):
    summary = {}
    for row in rows:
        key = f"{row['task']}@{row['steps'] or 'saved'}"
        summary.setdefault(key, []).append(row["ratio"])
    return {
        key: {
            "mean": round(sum(v) / len(v), 3),
            "min": round(min(v), 3),
            "max": round(max(v), 3),
            "seeds": len(v),
        }
        for key, v in summary.items()
    }


def main(argv=None):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    args = parse_args(argv)
    check_onednn(args.onednn)
    warnings.filterwarnings("ignore", message=".*shuffle=True.*")
    import keras
    import tensorflow as tf

    start = time.time()
    rows, settings, pictures = run(args)
    out = {
        "benchmark": "quality",
        "label": args.label,
        "preset": args.preset,
        **settings,
        "image_size": args.image_size,
        "batch_size": args.batch_size,
        "train_images": args.train_images,
        "pretrain_steps": args.pretrain_steps,
        "decay": list(args.decay) if args.decay else None,
        "loss_weights": list(args.loss_weights) if args.loss_weights else None,
        "ema_statistics": args.ema_statistics,
        "budgets": args.budgets,
        "seeds": args.seeds,
        "summary": summarize(rows),
        "rows": rows,
        "pictures": pictures,
        "seconds": round(time.time() - start, 1),
        "versions": {"keras": keras.__version__, "tensorflow": tf.__version__},
        "machine": machine(),
        "python": platform.python_version(),
    }
    emit(out, args.output)


def emit(result, output=None):
    """Print `result` as JSON, and write it to the file `output` if given."""
    text = json.dumps(result, indent=2)
    print(text)
    if output:
        with open(output, "w") as f:
            f.write(text + "\n")


def machine():
    """The CPU and what decides its rounding: the same seed trains to other
    numbers on AVX2, AVX-512 and AMX CPUs, with oneDNN's kernels or without.

    Returns:
        dict: `cpu` (model name), `cores`, `isa_flags` (those of AVX2,
        AVX-512, VNNI, BF16 and AMX the CPU has) and `onednn` (whether
        TensorFlow runs oneDNN).
    """
    from train_step import cpu_info

    from keras_gans.config import onednn_enabled

    info = cpu_info()
    return {
        "cpu": info["cpu_model"],
        "cores": info["logical_cpus"],
        "isa_flags": info["isa_flags"],
        "onednn": onednn_enabled(),
    }


if __name__ == "__main__":
    main()
