"""DCGAN sample quality: diversity, KID and colour coverage per epoch.

Trains a DCGAN preset (default: the shapes demo `cspup_demo`, as
`python examples/dcgan_cspup_celeba.py --demo` and `keras-gans train dcgan`
build it: the same data, seed, noise and schedule) for `--epochs` epochs,
once per seed, and scores the generator after every epoch (epoch 0 is the
untrained one; with `ema_decay` the EMA generator, what `generate` uses,
with the batch-norm statistics of its own weights that the model's
`ema_statistics` gives it at every epoch's end):

- `diversity_ratio`: the demo's collapse signal, the mean pairwise RMS
  distance of 64 fixed-noise samples over that of 64 real images
  (`keras_gans.callbacks.SampleDiversity`, as the example and its test
  compute it; the test wants > its threshold after 2 epochs).
- `kid_pool8`: KID between `--samples` generated images and as many
  held-out real shapes (other seeds than the training set's), on 8x8
  average-pooled pixels (`quality.py`'s cheap KID, no Inception network).
  `kid_pool8_real` in the settings is the same between two held-out real
  sets: the floor a perfect generator would reach.
- `kid_pixels`: the same KID on the full-resolution pixels, which also sees
  what pooling hides (edges, the checkerboard of transposed convolutions);
  `kid_pixels_real`: its floor.
- Colour coverage: the hue histogram (`--hue-bins` bins over the circle) of
  the foreground pixels (HSV saturation >= 0.35 and value >= 0.25: the
  shapes, not the light gray background) of the samples against that of
  the held-out real shapes (whose hues are uniform). `hue_bins_covered`:
  bins holding at least half a uniform share (1 / (2 * bins)) of the
  foreground mass (real shapes: every bin); `hue_tv`: the total variation
  distance between the two histograms (0: the same colour distribution, 1:
  disjoint); `hue_spread`: the mean circular variance of the hue within
  each sample's foreground (0: one colour per shape, as the real ones;
  rainbow-coloured blobs score high); `foreground`: the share of
  foreground pixels (real: about 0.17).

Examples:

```
python benchmarks/dcgan_quality.py --seeds 0 1 2 3 --epochs 8
TF_ENABLE_ONEDNN_OPTS=1 python benchmarks/dcgan_quality.py --seeds 0 1 --epochs 2
python benchmarks/dcgan_quality.py --model-config '{"ema_decay": 0}' \
    --lr 1e-3 --d-lr-ratio 1.0 --pictures runs/dcgan_quality  # the trained G
python benchmarks/dcgan_quality.py --ema-statistics 0   # the EMA generator
    # with the trained generator's batch-norm statistics (copied every step)
```

`--onednn on|off` sets `TF_ENABLE_ONEDNN_OPTS` before TensorFlow starts
(TensorFlow turns oneDNN on by default only on CPUs with AVX-512 VNNI,
BF16 or AMX), and stops if TensorFlow had already started with the other
kernels; the JSON records which kernels ran. Prints one JSON object
(`--output FILE` also writes it): the settings, the machine, one row per
(seed, epoch) and a summary per epoch (mean, min, max over the seeds).
`--pictures DIR` writes the 64 fixed-noise samples of the last epoch (and of
epoch 2) of every seed as a grid. This is a benchmark, not a test.
"""

import argparse
import json
import os
import platform
import sys
import time

#: Foreground pixels: saturated and not dark (the shapes' colours have
#: saturation 0.6-1 and value 0.5-0.95; the background is gray).
MIN_SATURATION = 0.35
MIN_VALUE = 0.25


def parse_args(argv=None):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from quality import add_onednn_option, parse_json_options, request_onednn

    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--preset", default="cspup_demo")
    p.add_argument("--generator-config", default=None, help="JSON overrides")
    p.add_argument("--discriminator-config", default=None, help="JSON overrides")
    p.add_argument(
        "--model-config",
        default="{}",
        help="JSON DCGAN constructor overrides (ema_decay, augment, "
        'label_smoothing, gan_loss: {"name": "vanilla", "r1_weight": 1.0}, ...)',
    )
    p.add_argument(
        "--ema-statistics",
        type=int,
        default=None,
        metavar="N",
        help="with an EMA: the model's ema_statistics, the noise vectors "
        "that give the EMA generator batch-norm statistics of its own "
        "weights at each epoch's end, before the scores; 0: off (default: "
        "the model's, 1024)",
    )
    p.add_argument("--lr", type=float, default=None, help="generator lr")
    p.add_argument("--beta-1", type=float, default=None)
    p.add_argument("--d-lr-ratio", type=float, default=None)
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--images", type=int, default=2048, help="training images")
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--steps-per-epoch", type=int, default=None)
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--samples", type=int, default=512, help="for KID and colour")
    p.add_argument("--hue-bins", type=int, default=12)
    add_onednn_option(p)
    p.add_argument("--threads", type=int, default=0, help="intra-op, 0: all")
    p.add_argument("--pictures", default=None, help="folder for PNG grids")
    p.add_argument("--grid-tile", type=int, default=48, help="tile side (px)")
    p.add_argument("--output", default=None, help="also write the JSON here")
    p.add_argument("--label", default=None, help="a name for this configuration")
    args = p.parse_args(argv)
    request_onednn(args.onednn)  # before keras_gans (and TensorFlow) below

    parse_json_options(p, args)
    from keras_gans import presets

    preset_ema = presets.get(args.preset)["model_config"].get("ema_decay")
    if args.ema_statistics and not args.model_config.get("ema_decay", preset_ema):
        p.error("--ema-statistics needs an EMA (ema_decay in --model-config)")
    if args.ema_statistics is not None and args.ema_statistics < 0:
        p.error("--ema-statistics must be >= 0")
    if args.epochs < 1 or args.samples < 4 or args.hue_bins < 2:
        p.error("--epochs must be >= 1, --samples >= 4, --hue-bins >= 2")
    return args


# === Colour coverage ===


def _hsv_foreground(images):
    """(hue, foreground mask) of uint8 images (n, H, W, 3)."""
    import numpy as np
    from matplotlib.colors import rgb_to_hsv

    hsv = rgb_to_hsv(np.asarray(images, np.float32) / 255.0)
    fg = (hsv[..., 1] >= MIN_SATURATION) & (hsv[..., 2] >= MIN_VALUE)
    return hsv[..., 0], fg


def hue_histogram(images, bins):
    """(normalized hue histogram of the foreground pixels, foreground share).

    Args:
        images: uint8 array (n, H, W, 3).
        bins: int. Hue bins over the circle.
    """
    import numpy as np

    hue, fg = _hsv_foreground(images)
    counts, _ = np.histogram(hue[fg], bins=bins, range=(0.0, 1.0))
    total = counts.sum()
    hist = counts / total if total else np.zeros(bins)
    return hist, float(fg.mean())


def hue_spread(images, min_pixels=8):
    """Mean circular variance of the foreground hue within each image.

    0: every sample's shape has one hue (as the real shapes); up to 1.
    Images with fewer than `min_pixels` foreground pixels are left out;
    `None` when all are.
    """
    import numpy as np

    hue, fg = _hsv_foreground(images)
    unit = np.exp(2j * np.pi * hue) * fg
    count = fg.sum(axis=(1, 2))
    keep = count >= min_pixels
    if not keep.any():
        return None
    mean = np.abs(unit.sum(axis=(1, 2))[keep]) / count[keep]
    return float(np.mean(1.0 - mean))


def colour_coverage(fake, real_hist, bins):
    """`hue_bins_covered`, `hue_tv`, `hue_spread`, `foreground` of uint8 samples."""
    import numpy as np

    hist, foreground = hue_histogram(fake, bins)
    # No foreground at all: nothing in common with the real colours.
    tv = 0.5 * np.abs(hist - real_hist).sum() if hist.any() else 1.0
    return {
        "hue_bins_covered": int(np.sum(hist >= 0.5 / bins)),
        "hue_tv": float(tv),
        "hue_spread": hue_spread(fake),
        "foreground": foreground,
    }


# === Training and scoring ===


def build(args, seed):
    """(model, dataset, schedule, settings), as the demo example builds them."""
    import keras

    import keras_gans
    from keras_gans import datasets, presets

    preset = presets.get(args.preset)
    keras.utils.set_random_seed(seed)
    dataset = datasets.shapes(
        preset["image_size"],
        n=args.images,
        batch_size=args.batch_size or preset["batch_size"],
        seed=seed,
        drop_remainder=True,
    )
    overrides = {"seed": seed, **args.model_config}
    if args.ema_statistics is not None:
        overrides["ema_statistics"] = args.ema_statistics
    model = keras_gans.DCGAN.from_preset(
        args.preset,
        generator=args.generator_config,
        discriminator=args.discriminator_config,
        compile=False,
        **overrides,
    )
    opt = preset["optimizer"]
    lr = opt["learning_rate"] if args.lr is None else args.lr
    beta_1 = opt["beta_1"] if args.beta_1 is None else args.beta_1
    ratio = args.d_lr_ratio
    if ratio is None:
        ratio = opt["discriminator_lr_ratio"]
    if (args.lr, args.beta_1, args.d_lr_ratio) == (None, None, None):
        model.compile(**keras_gans.DCGAN.preset_optimizers(args.preset))
    else:
        from keras_gans.optimizers import FusedAdam

        model.compile(
            FusedAdam(lr, beta_1=beta_1, beta_2=opt["beta_2"]),
            discriminator_lr_ratio=ratio,
        )
    settings = {
        "generator": {**preset["generator"]["config"], **(args.generator_config or {})},
        "discriminator": {
            **preset["discriminator"]["config"],
            **(args.discriminator_config or {}),
        },
        "model_config": {**preset["model_config"], **args.model_config},
        "ema_statistics": model.ema_statistics if model.ema_decay else 0,
        "optimizer": {"learning_rate": lr, "beta_1": beta_1, "d_lr_ratio": ratio},
        "batch_size": args.batch_size or preset["batch_size"],
    }
    schedule = keras_gans.callbacks.from_preset(args.preset)
    return model, dataset, schedule, settings


def held_out(args, image_size):
    """Two sets of real shapes no training run sees (uint8)."""
    from keras_gans import datasets

    return [
        datasets.shape_images(args.samples, image_size, seed=10_000 + i)
        for i in range(2)
    ]


def _cheap_kid(real, fake, features):
    """KID (50 subsets of up to 200) of uint8 images turned into [-1, 1]
    and then into `features` (no Inception network)."""
    from keras_gans.imaging import to_unit_range
    from keras_gans.metrics import kid

    real, fake = (to_unit_range(x.astype("float32")) for x in (real, fake))
    n = min(len(real), len(fake))
    return float(
        kid(real, fake, feature_extractor=features, subsets=50, subset_size=min(n, 200))
    )


def kid_pool8(real, fake):
    """`quality.py`'s cheap KID: 8x8 average-pooled pixels."""
    from quality import _pool8

    return _cheap_kid(real, fake, _pool8)


def _pixels(images):
    return images.reshape(len(images), -1)


def kid_pixels(real, fake):
    """KID on the full-resolution pixels."""
    return _cheap_kid(real, fake, _pixels)


def scores(model, seed, real, real_hist, args):
    """KID and colour coverage of `--samples` generated images."""
    fake = model.generate(args.samples, seed=20_000 + seed, dtype="uint8")
    return {
        "kid_pool8": kid_pool8(real, fake),
        "kid_pixels": kid_pixels(real, fake),
        **colour_coverage(fake, real_hist, args.hue_bins),
    }


def train_one(args, seed, real, real_hist):
    """Rows (one per epoch, 0 = untrained) and grid paths of one seed."""
    import keras

    from keras_gans import callbacks
    from keras_gans.callbacks import sample_diversity

    model, dataset, schedule, settings = build(args, seed)
    noise = model.sample_noise(64, seed=seed)  # as the example
    reference = next(iter(dataset.unbatch().batch(64))).numpy()
    real_diversity = sample_diversity(reference)
    first = sample_diversity(model.generate(noise=noise)) / real_diversity
    rows = [{"seed": seed, "epoch": 0, "diversity_ratio": first}]
    rows[0].update(scores(model, seed, real, real_hist, args))
    pictures = []
    start = time.time()

    def on_epoch_end(epoch, logs):
        row = {"seed": seed, "epoch": epoch + 1}
        row["diversity_ratio"] = float(logs["diversity_ratio"])
        row.update(scores(model, seed, real, real_hist, args))
        row.update(d_loss=float(logs["d_loss"]), g_loss=float(logs["g_loss"]))
        row["seconds"] = time.time() - start
        rows.append(row)
        print(json.dumps(_rounded(row)), file=sys.stderr, flush=True)
        if args.pictures and epoch + 1 in (2, args.epochs):
            pictures.append(save_grid(model, noise, args, seed, epoch + 1))

    model.fit(
        dataset,
        epochs=args.epochs,
        steps_per_epoch=args.steps_per_epoch,
        shuffle=False,
        verbose=0,
        callbacks=[
            *schedule,
            # The EMA generator's own batch-norm statistics before the scores:
            # the model's callback, with noise of another seed per run.
            *(
                [callbacks.EMAStatistics(model.ema_statistics, seed=30_000 + seed)]
                if model.ema_decay and model.ema_statistics
                else []
            ),
            callbacks.SampleDiversity(noise, reference=reference),
            keras.callbacks.LambdaCallback(on_epoch_end=on_epoch_end),
        ],
    )
    keras.backend.clear_session()
    return rows, settings, pictures


def save_grid(model, noise, args, seed, epoch):
    from PIL import Image

    os.makedirs(args.pictures, exist_ok=True)
    label = args.label or args.preset
    path = os.path.join(args.pictures, f"{label}_seed{seed}_epoch{epoch}.png")
    grid = model.sample_grid(noise, min_tile=args.grid_tile, labels=False)
    Image.fromarray(grid).save(path)
    return path


def _rounded(row):
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}


def summarize(rows):
    """Per epoch: mean, min and max over the seeds of every score."""
    keys = (
        "diversity_ratio",
        "kid_pool8",
        "kid_pixels",
        "hue_bins_covered",
        "hue_tv",
        "hue_spread",
    )
    summary = {}
    for epoch in sorted({row["epoch"] for row in rows}):
        at = [row for row in rows if row["epoch"] == epoch]
        summary[str(epoch)] = {}
        for key in keys:
            values = [r[key] for r in at if r.get(key) is not None]
            if values:
                summary[str(epoch)][key] = {
                    "mean": round(sum(values) / len(values), 4),
                    "min": round(min(values), 4),
                    "max": round(max(values), 4),
                }
    return summary


def run(args):
    from quality import machine

    from keras_gans import presets
    from keras_gans.utils import configure_threads

    configure_threads(inter_op=1, intra_op=args.threads or None)
    image_size = presets.get(args.preset)["image_size"]
    real, other = held_out(args, image_size)
    real_hist, real_fg = hue_histogram(real, args.hue_bins)
    reference = {
        "kid_pool8_real": round(kid_pool8(real, other), 5),
        "kid_pixels_real": round(kid_pixels(real, other), 5),
        **_rounded(colour_coverage(other, real_hist, args.hue_bins)),
        "foreground_real": round(real_fg, 4),
    }
    rows, pictures, settings = [], [], {}
    for seed in args.seeds:
        seed_rows, settings, seed_pictures = train_one(args, seed, real, real_hist)
        rows += [_rounded(r) for r in seed_rows]
        pictures += seed_pictures
    return {
        "settings": settings,
        "real": reference,
        "summary": summarize(rows),
        "rows": rows,
        "pictures": pictures,
        "machine": machine(),
    }


def main(argv=None):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    args = parse_args(argv)  # puts this folder on sys.path
    import keras
    import tensorflow as tf
    from quality import check_onednn, emit

    check_onednn(args.onednn)

    start = time.time()
    result = run(args)
    out = {
        "benchmark": "dcgan_quality",
        "label": args.label,
        "preset": args.preset,
        **result.pop("settings"),
        "epochs": args.epochs,
        "images": args.images,
        "samples": args.samples,
        "hue_bins": args.hue_bins,
        "seeds": args.seeds,
        "onednn": result["machine"]["onednn"],
        "threads": args.threads,
        **result,
        "seconds": round(time.time() - start, 1),
        "versions": {"keras": keras.__version__, "tensorflow": tf.__version__},
        "python": platform.python_version(),
    }
    emit(out, args.output)


if __name__ == "__main__":
    main()
