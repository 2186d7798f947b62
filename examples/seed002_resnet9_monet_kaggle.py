"""Seed 002: the paper's CycleGAN on Kaggle's photo -> Monet data (or a CPU demo).

```bash
# Minutes on a CPU: the built-in glyph demo (DejaVu Sans -> Serif, 32x32).
python examples/seed002_resnet9_monet_kaggle.py --demo
# The demo adds cyclegan_fast's training aids (identity start, EMA, no
# identity loss; docs/quality.md); --paper-settings runs the seed's own.
# The seed's run: JPEG folders, 256x256, batch 4, 1 epoch (a GPU is advised).
python examples/seed002_resnet9_monet_kaggle.py --data datasets/gan-getting-started
# The same from the competition's TFRecords.
python examples/seed002_resnet9_monet_kaggle.py --data datasets/gan-getting-started \
    --tfrecords
# Then paint every photo (the competition's submission: 7038 images).
python examples/seed002_resnet9_monet_kaggle.py --data datasets/gan-getting-started \
    --translate
```

Data: Kaggle's "I'm Something of a Painter Myself",
https://www.kaggle.com/competitions/gan-getting-started/data
(`kaggle competitions download -c gan-getting-started`, then unzip). The
folder holds `photo_jpg/` (7038 photos, domain A), `monet_jpg/` (300 Monet
paintings, domain B), all 256x256, and the same images as TFRecords in
`photo_tfrec/` and `monet_tfrec/` (JPEG bytes under the feature `image`).

What it runs (preset `resnet9_monet_kaggle`): the paper's ResNet generator
with 9 residual blocks, the 70x70 PatchGAN (a 30x30 map of patch logits at
256x256), LSGAN + L1 cycle loss (lambda 10, no identity term, as in the
write-up), Adam 2e-4 with betas (0.5, 0.999), batch 4, 1 epoch. The seed's
albumentations augmentation is replaced by the paper's resize-286 /
random-crop-256 / flip pipeline of `keras_gans.data`.

This script runs the library directly (`keras_gans.runs`,
`keras_gans.inference`); `keras-gans train cyclegan --preset
resnet9_monet_kaggle --data-a ... --data-b ...` is the same run from the
command line. Run it again with `--resume` to continue an interrupted run.
"""

import argparse
import os
import sys

from keras_gans import runs
from keras_gans.inference import ImageTranslator

PRESET = "resnet9_monet_kaggle"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--demo", action="store_true", help="built-in glyph data")
    source.add_argument("--data", help="the unzipped gan-getting-started folder")
    parser.add_argument("--tfrecords", action="store_true", help="read *_tfrec/")
    parser.add_argument(
        "--translate", action="store_true", help="then paint photo_jpg/ into images/"
    )
    parser.add_argument("--epochs", type=int, help="default: the preset's 1")
    parser.add_argument("--image-size", type=int, help="default: the preset's 256")
    parser.add_argument("--batch-size", type=int, help="default: the preset's")
    parser.add_argument("--output", default="runs/seed002_resnet9_monet_kaggle")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument(
        "--paper-settings",
        action="store_true",
        help="--demo without the training aids (runs.DEMO_AIDS)",
    )
    return parser.parse_args(argv)


def settings(args):
    """`(data, overrides)` of the run for `keras_gans.runs.prepare`."""
    data = None  # the demo data
    if args.data and args.tfrecords:
        data = runs.data_spec(
            "cyclegan",
            tfrecords_a=[os.path.join(args.data, "photo_tfrec")],
            tfrecords_b=[os.path.join(args.data, "monet_tfrec")],
        )
    elif args.data:
        data = runs.data_spec(
            "cyclegan",
            data_a=os.path.join(args.data, "photo_jpg"),
            data_b=os.path.join(args.data, "monet_jpg"),
        )
    overrides = {
        "preset": PRESET,
        "epochs": args.epochs,
        "image_size": args.image_size,
        "batch_size": args.batch_size,
    }
    if args.demo and not args.paper_settings:
        overrides.update(runs.DEMO_AIDS)  # so that the CPU demo learns
    return data, overrides


def main(argv=None):
    args = parse_args(argv)
    data, overrides = settings(args)
    run_dir, config = runs.prepare(
        "cyclegan", data, overrides, output=args.output, resume=args.resume
    )
    model = runs.train(config, run_dir, resume=args.resume)
    if args.translate and args.data:
        photos = os.path.join(args.data, "photo_jpg")
        target = os.path.join(args.output, "images")
        translator = ImageTranslator(model.inference_generator("ab"))
        written, _ = runs.translate_files(translator, [photos], target)
        print(f"Painted {written} photo(s) into {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
