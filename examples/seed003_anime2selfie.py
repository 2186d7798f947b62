"""Seed 003: CycleGAN vs. UVCGAN on anime <-> selfie at 64x64 (or a CPU demo).

```bash
# Minutes on a CPU: both models on the built-in glyph demo (32x32).
python examples/seed003_anime2selfie.py --demo
# The demo adds cyclegan_fast's training aids (identity start, EMA, no
# identity loss; docs/quality.md); --paper-settings runs the seed's own.
# The seed's runs: 64x64, 20 epochs each (a GPU is advised).
python examples/seed003_anime2selfie.py --data datasets/selfie2anime
python examples/seed003_anime2selfie.py --data datasets/selfie2anime --model uvcgan
```

Data: Kaggle's "selfie2anime" (https://www.kaggle.com/datasets/arnaud58/selfie2anime,
`kaggle datasets download -d arnaud58/selfie2anime`): `trainA/` 3400
selfies, `trainB/` 3400 anime faces, `testA/`, `testB/`. The write-up calls
anime "A" and selfies "B" (4000 and 4400 images in its split); the direction
names are the only difference, the training is symmetric.

What it runs: presets `cyclegan_anime2selfie` (ResNet generator with 2
stride-2 down blocks and 6 residual blocks) and `uvcgan_anime2selfie` (the
same stem and depth as a U-Net whose bottleneck is a pixel-wise ViT: 4
heads, 4 blocks, ffn 4x, gelu, rezero). Both use the same PatchGAN whose
patch logits are averaged to one score, MSE (LSGAN) + L1 cycle + L1
identity, Adam with base learning rate 1e-3 for the generators and 4x for
the discriminators, 20 epochs. The write-up compared the loss curves and the
samples of the two; this script prints the last epoch's losses of each run
side by side (from `history.csv`) and leaves `samples/` and `losses.png` in
each run folder (`<output>/cyclegan`, `<output>/uvcgan`).

This script runs the library directly (`keras_gans.runs`); `keras-gans
train cyclegan --preset cyclegan_anime2selfie --data ...` is the same run
from the command line. Run it again with `--resume` to continue interrupted
runs.
"""

import argparse
import csv
import os
import sys

from keras_gans import runs

PRESETS = {"cyclegan": "cyclegan_anime2selfie", "uvcgan": "uvcgan_anime2selfie"}
REPORTED = ("g_loss", "d_a_loss", "d_b_loss")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--demo", action="store_true", help="built-in glyph data")
    source.add_argument("--data", help="folder with trainA/ and trainB/")
    parser.add_argument(
        "--model", choices=("cyclegan", "uvcgan", "both"), default="both"
    )
    parser.add_argument("--epochs", type=int, help="default: the presets' 20")
    parser.add_argument("--image-size", type=int, help="default: the presets' 64")
    parser.add_argument("--batch-size", type=int, help="default: the presets'")
    parser.add_argument("--output", default="runs/seed003_anime2selfie")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument(
        "--paper-settings",
        action="store_true",
        help="--demo without the training aids (runs.DEMO_AIDS)",
    )
    return parser.parse_args(argv)


def planned_runs(args):
    """`[(run folder, data, overrides)]` of the runs, for `runs.prepare`."""
    models = list(PRESETS) if args.model == "both" else [args.model]
    data = runs.data_spec("cyclegan", args.data) if args.data else None  # None: demo
    result = []
    for model in models:
        overrides = {
            "preset": PRESETS[model],
            "epochs": args.epochs,
            "image_size": args.image_size,
            "batch_size": args.batch_size,
        }
        if args.demo and not args.paper_settings:
            overrides.update(runs.DEMO_AIDS)  # so that the CPU demo learns
        result.append((os.path.join(args.output, model), data, overrides))
    return result


def last_losses(run):
    """The last epoch's logged losses of a run (from its history.csv)."""
    with open(os.path.join(run, "history.csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {k: float(rows[-1][k]) for k in REPORTED} if rows else {}


def main(argv=None):
    args = parse_args(argv)
    planned = planned_runs(args)
    for output, data, overrides in planned:
        run_dir, config = runs.prepare(
            "cyclegan", data, overrides, output=output, resume=args.resume
        )
        runs.train(config, run_dir, resume=args.resume)
    print(f"{'model':<10}" + "".join(f"{k:>12}" for k in REPORTED))
    for output, _, _ in planned:
        losses = last_losses(output)
        print(
            f"{os.path.basename(output):<10}"
            + "".join(f"{losses.get(k, float('nan')):>12.4f}" for k in REPORTED)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
