"""Seed 004: a DCGAN with a CSPup generator on CelebA 64x64 (or a CPU demo).

```bash
# About two CPU minutes on the built-in shapes set (preset cspup_demo):
python examples/dcgan_cspup_celeba.py --demo
# The same demo with seed 004's learning rates (the samples collapse):
python examples/dcgan_cspup_celeba.py --demo --preset cspup
# Seed 004 on CelebA (a GPU is advised: ~1600 steps of batch 128 per epoch):
python examples/dcgan_cspup_celeba.py --data /path/to/img_align_celeba \
    --preset cspup_residual_d
```

CelebA: the aligned and cropped faces (`img_align_celeba/`, 202,599 JPEGs of
178x218), from the Kaggle mirror `jessicali9530/celeba-dataset` that seed 004
used, or from the authors' page
(https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html). They are scaled to a width
of 64 and centre-cropped to 64x64, as in the PyTorch DCGAN tutorial.

Presets (`--preset`): `cspup` (experiment 1: plain DCGAN discriminator, Adam
G 2e-4 / D 1e-4), `cspup_residual_d` (experiment 2: residual discriminator),
`cspup_spectral` (experiments 3-4: spectral norm everywhere, G:D = 1:4), and
`cspup_demo` (the default of `--demo`: experiment 1's networks at 32x32 with
small widths, Adam G 2e-3 / D 1e-3, batch 16, 8 epochs, both rates decaying
linearly in the last 4). With `--demo` a seed preset gets the demo's
widths, batch size and epochs but keeps its own rates and schedule.

The run folder (`--output`) gets `samples/epoch_NNNN.png` (the same 64 noise
vectors every epoch; `epoch_0000.png` is the untrained generator), TensorBoard
images in `samples/`, `losses.png`, `diversity.png` and `history.json` (the
mode-collapse signal per epoch, see docs/dcgan.md, and the wall and CPU
seconds of training) and `model.keras`.
An interrupted run continues from its last finished epoch when started again
with the same `--output` (`keras.callbacks.BackupAndRestore`).
"""

import argparse
import json
import os
import time

import keras

import keras_gans
from keras_gans import callbacks, data, datasets
from keras_gans.callbacks import sample_diversity

#: The demo preset (`keras_gans.presets.get("cspup_demo")`): 32x32 shapes, a
#: CSPup generator with 8x fewer channels than the seed's (and 3 blocks
#: instead of 4), 8 epochs of 128 steps.
DEMO_PRESET = "cspup_demo"

#: The demo's data: `keras_gans.datasets.shapes` images (as many as
#: `keras-gans train dcgan` uses).
DEMO_IMAGES = 2048


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--demo", action="store_true", help="built-in shapes set")
    source.add_argument("--data", help="folder of CelebA images (searched recursively)")
    parser.add_argument(
        "--preset",
        default=None,
        choices=["cspup", "cspup_residual_d", "cspup_spectral", DEMO_PRESET],
        help=f"default: {DEMO_PRESET} with --demo, cspup with --data",
    )
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--steps-per-epoch", type=int, default=None)
    parser.add_argument("--output", default="runs/dcgan_cspup")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--compare",
        metavar="HISTORY_JSON",
        help="history.json of an earlier run to draw into diversity.png too",
    )
    return parser.parse_args(argv)


def preset_name(args):
    """The preset of the run: `--preset`, else the demo's or `cspup`."""
    return args.preset or (DEMO_PRESET if args.demo else "cspup")


def build(args):
    """(model, dataset, epochs, callbacks) for the demo or a CelebA folder.

    The callbacks carry out the preset's schedule (the demo's decay).
    """
    name = preset_name(args)
    preset = keras_gans.presets.get(name)
    schedule = keras_gans.callbacks.from_preset(name)
    if args.demo:
        # A seed preset on the demo data: the demo's sizes, its own rates.
        demo = keras_gans.presets.get(DEMO_PRESET)
        dataset = datasets.shapes(
            demo["image_size"],
            n=DEMO_IMAGES,
            batch_size=args.batch_size or demo["batch_size"],
            seed=args.seed,
            drop_remainder=True,
        )
        model = keras_gans.DCGAN.from_preset(
            name,
            generator=demo["generator"]["config"],
            discriminator=demo["discriminator"]["config"],
            seed=args.seed,
        )
        return model, dataset, args.epochs or demo["epochs"], schedule
    dataset = data.image_folder(
        args.data,
        preset["image_size"],
        load_size=preset["image_size"],
        preprocess="scale_width_and_crop",
        crop="center",
        flip=False,
        batch_size=args.batch_size or preset["batch_size"],
        seed=args.seed,
        drop_remainder=True,
    )
    model = keras_gans.DCGAN.from_preset(name, seed=args.seed)
    return model, dataset, args.epochs or preset["epochs"], schedule


def save_png(path, grid):
    from PIL import Image

    Image.fromarray(grid).save(path)


def diversity_curve(record):
    """(epochs, diversity values) of a `history.json` record, epoch 0 first."""
    epochs = [0, *record["epoch"]]
    return epochs, [record["initial_diversity"], *record["diversity"]]


def plot_diversity(path, epochs, values, real_value, label="generated", others=()):
    """Diversity per epoch of this run (and of `others`: history.json records)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5, 3.2), layout="constrained")
    ax = fig.subplots()
    ax.plot(epochs, values, marker="o", label=f"{label} (fixed noise)")
    for other in others:
        other_epochs, other_values = diversity_curve(other)
        name = other.get("preset", "earlier run")
        ax.plot(other_epochs, other_values, marker="s", label=f"{name} (fixed noise)")
    ax.axhline(real_value, color="gray", ls="--", label="real images")
    ax.set_xlabel("epoch (0 = before training)")
    ax.set_ylabel("diversity (mean pairwise RMS distance)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.savefig(path, dpi=100)


def main(argv=None):
    args = parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    os.makedirs(args.output, exist_ok=True)
    samples_dir = os.path.join(args.output, "samples")
    os.makedirs(samples_dir, exist_ok=True)

    model, dataset, epochs, schedule = build(args)
    noise = model.sample_noise(64, seed=args.seed)  # the same every epoch
    # 64 real images, the reference of the diversity ratio.
    reference = next(iter(dataset.unbatch().batch(64))).numpy()
    g_params = model.generator.count_params()
    print(
        f"DCGAN preset {preset_name(args)!r}: generator {g_params:,} "
        f"weights, discriminator {model.discriminator.count_params():,}; "
        f"images {reference.shape[1:]}"
    )

    # Epoch 0: the untrained generator (inference mode, as every grid).
    save_png(os.path.join(samples_dir, "epoch_0000.png"), model.sample_grid(noise))
    real_diversity = sample_diversity(reference)
    initial = sample_diversity(model.generate(noise=noise))

    start, start_cpu = time.time(), time.process_time()
    history = model.fit(
        dataset,
        epochs=epochs,
        steps_per_epoch=args.steps_per_epoch,
        shuffle=False,  # the datasets shuffle themselves
        callbacks=[
            *schedule,
            callbacks.SampleGridLogger(noise, log_dir=samples_dir),
            callbacks.SampleDiversity(noise, reference=reference),
            callbacks.LossPlotter(os.path.join(args.output, "losses.png")),
            keras.callbacks.BackupAndRestore(os.path.join(args.output, "backup")),
        ],
        verbose=2,
    )
    wall, cpu = time.time() - start, time.process_time() - start_cpu
    print(f"trained in {wall:.0f} s wall time, {cpu:.0f} s CPU time")

    # After a resume, `history` holds the resumed epochs only.
    epochs_run = [0] + [e + 1 for e in history.epoch]
    values = [initial] + [float(v) for v in history.history["diversity"]]
    logs = {k: [float(v) for v in vs] for k, vs in history.history.items()}
    record = {"epoch": epochs_run[1:], "real_diversity": real_diversity, **logs}
    record["initial_diversity"] = initial
    record.update(preset=preset_name(args), wall_seconds=wall, cpu_seconds=cpu)
    others = []
    if args.compare:
        with open(args.compare) as f:
            others.append(json.load(f))
    plot_diversity(
        os.path.join(args.output, "diversity.png"),
        epochs_run,
        values,
        real_diversity,
        label=preset_name(args),
        others=others,
    )
    with open(os.path.join(args.output, "history.json"), "w") as f:
        json.dump(record, f, indent=1)
    model.save(os.path.join(args.output, "model.keras"))
    ratios = [round(v / real_diversity, 3) for v in values]
    print("diversity / real, by epoch (0 = untrained):", ratios)
    print(f"results in {args.output}")


if __name__ == "__main__":
    main()
