"""Seeds 000/001: CycleGAN with the small "ResidualGAN" generator, Monet <-> photo.

```bash
# Minutes on a CPU: the built-in glyph demo (DejaVu Sans <-> Serif, 32x32).
python examples/seed000_residualgan_monet.py --demo
# The demo adds cyclegan_fast's training aids (identity start, EMA, no
# identity loss; docs/quality.md); --paper-settings runs the seed's own.
# The seed's run: monet2photo at 256x256, 100 epochs (a GPU is advised).
python examples/seed000_residualgan_monet.py --data datasets/monet2photo
```

Data: `monet2photo` from the CycleGAN authors,
https://efrosgans.eecs.berkeley.edu/cyclegan/datasets/monet2photo.zip
(`trainA/` 1072 Monet paintings, `trainB/` 6287 photos, `testA/`, `testB/`;
unzip it anywhere and pass the folder). Any folder with `trainA/` and
`trainB/` works.

What it runs (preset `residualgan_monet`, see `keras-gans presets`): the
generator of seed 000 (hidden 96, one stride-2 down block, 2 residual blocks,
one pixel-shuffle up block; seed 001's "model 2"), PatchGAN discriminators,
LSGAN + L1 cycle + L1 identity with weights [identity 0.5, GAN 1, cycle 10]
switched to [0.5, 1.5, 12] half-way, discriminator learning rate x1.25. Then
it translates the test photos (`testB/`) into paintings.

This script runs the library directly (`keras_gans.runs` for the training
run, `keras_gans.inference` for the translation); `keras-gans train cyclegan
--preset residualgan_monet --data ...` is the same run from the command line.
The run folder holds checkpoints, `samples/`, `losses.png`, TensorBoard logs
(`logs/`) and `model.keras`; run the script again with `--resume` to continue
an interrupted run.
"""

import argparse
import os
import sys

from keras_gans import datasets, runs
from keras_gans.inference import ImageTranslator

PRESET = "residualgan_monet"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--demo", action="store_true", help="built-in glyph data")
    source.add_argument("--data", help="folder with trainA/ (Monet), trainB/ (photos)")
    parser.add_argument("--epochs", type=int, help="default: the preset's 100")
    parser.add_argument("--image-size", type=int, help="default: the preset's 256")
    parser.add_argument("--batch-size", type=int, help="default: the preset's")
    parser.add_argument("--output", default="runs/seed000_residualgan_monet")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument(
        "--paper-settings",
        action="store_true",
        help="--demo without the training aids (runs.DEMO_AIDS)",
    )
    return parser.parse_args(argv)


def settings(args):
    """`(data, overrides)` of the run for `keras_gans.runs.prepare`."""
    data = runs.data_spec("cyclegan", args.data) if args.data else None  # None: demo
    overrides = {
        "preset": PRESET,
        "epochs": args.epochs,
        "image_size": args.image_size,
        "batch_size": args.batch_size,
    }
    if args.demo and not args.paper_settings:
        overrides.update(runs.DEMO_AIDS)  # so that the CPU demo learns
    return data, overrides


def translation(args):
    """`(source folder, target folder)`: B -> A, photos (or Serif glyphs) into
    paintings (or Sans)."""
    root = args.data or os.path.join(args.output, "demo_data")
    return os.path.join(root, "testB"), os.path.join(args.output, "translated")


def main(argv=None):
    args = parse_args(argv)
    if args.demo:  # test images for the translate step
        root = os.path.join(args.output, "demo_data")
        if not os.path.isdir(os.path.join(root, "testB")):
            datasets.write_folders(root, "glyphs", image_size=32, samples_per_char=1)
    data, overrides = settings(args)
    run_dir, config = runs.prepare(
        "cyclegan", data, overrides, output=args.output, resume=args.resume
    )
    model = runs.train(config, run_dir, resume=args.resume)
    source, target = translation(args)
    translator = ImageTranslator(model.inference_generator("ba"))
    written, _ = runs.translate_files(translator, [source], target)
    print(f"Translated {written} image(s) from {source} into {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
