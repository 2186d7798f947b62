"""The argparse definitions of the run settings that `keras-gans train`
registers: the loss and model flags and the official preprocessing options
(`runs.settings` checks their combinations).

Example:

```python
import argparse
from keras_gans.runs.arguments import add_train_settings

parser = argparse.ArgumentParser()
add_train_settings(parser)
args = parser.parse_args(["--gan-loss", "hinge", "--no-flip"])
args.gan_loss, args.flip  # ('hinge', False)
```
"""

import argparse

from keras_gans._entry import split_global_flags
from keras_gans.data import PREPROCESS_MODES
from keras_gans.runs.settings import GAN_LOSSES

__all__ = ["add_train_settings", "split_global_flags"]


def _number_type(low, high=None):
    """An argparse type: a float >= `low` (and < `high`)."""
    what = f"a number in [{low}, {high})" if high is not None else f"a number >= {low}"

    def parse(text):
        try:
            value = float(text)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value >= high):
            raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
        return value

    return parse


def _int_type(low):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low:
            raise argparse.ArgumentTypeError(
                f"must be an integer >= {low}, got {text!r}"
            )
        return value

    return parse


def add_train_settings(parser):
    """Add the loss, model, preprocessing and evaluation flags of `train`.

    Every flag defaults to `None` (the preset's value); `--no-flip` sets
    `flip=False`.
    """
    weight = _number_type(0.0)
    m = parser.add_argument_group(
        "loss and model (default: the preset's; see docs/cli.md)"
    )
    for name, what in (
        ("--lambda-cycle", "cyclegan: cycle-consistency weight (paper: 10)"),
        ("--lambda-identity", "cyclegan: identity weight (paper: 0.5, x cycle)"),
        ("--lambda-l1", "pix2pix: L1 weight (paper: 100)"),
    ):
        m.add_argument(name, type=weight, metavar="W", help=what)
    m.add_argument("--gan-loss", choices=GAN_LOSSES, help="adversarial loss")
    m.add_argument(
        "--pool-size",
        type=_int_type(0),
        metavar="N",
        help="cyclegan: fakes kept for the discriminators (paper: 50; 0: none)",
    )
    m.add_argument(
        "--ema-decay",
        type=_number_type(0.0, 1.0),
        metavar="D",
        help="EMA of the generator weights, e.g. 0.999 (0: off)",
    )
    m.add_argument(
        "--augment",
        metavar="POLICY",
        help="DiffAugment of what the discriminators see, e.g. "
        "color,translation,cutout (none: off)",
    )
    m.add_argument(
        "--r1-weight", type=weight, metavar="G", help="R1 penalty weight (0: off)"
    )
    c = parser.add_argument_group(
        "image channels (cyclegan, pix2pix; default 3: RGB; see docs/data.md)"
    )
    for name, what in (
        ("--input-nc", "generator input: domain A (cyclegan) or the input (pix2pix)"),
        ("--output-nc", "generator output: domain B (cyclegan) or the target"),
    ):
        help_ = f"channels of the {what}: 1 gray, 3 RGB, 4 RGBA, N bands"
        c.add_argument(name, type=_int_type(1), metavar="N", help=help_)
    d = parser.add_argument_group("preprocessing of image data (the official options)")
    d.add_argument(
        "--preprocess",
        choices=PREPROCESS_MODES,
        help="default: resize_and_crop (dcgan: scale_width_and_crop, centre crop)",
    )
    size = _int_type(1)
    help_ = "side images are resized to before the crop (default: crop x 286/256)"
    d.add_argument("--load-size", type=size, metavar="N", help=help_)
    d.add_argument(
        "--crop-size", type=size, metavar="N", help="the training size (= --image-size)"
    )
    d.add_argument(
        "--no-flip",
        dest="flip",
        action="store_false",
        default=None,
        help="no random horizontal flips",
    )
    _add_eval_settings(parser)


def _add_eval_settings(parser):
    """`--eval-data`, `--eval-every`, `--eval-weights` (`runs.best`)."""
    e = parser.add_argument_group(
        "evaluation during training: FID / KID and best.keras (docs/evaluation.md)"
    )
    e.add_argument(
        "--eval-data",
        metavar="DIR",
        help="held-out images: testA/ and testB/ (cyclegan, pix2pix) or a folder "
        "of images (dcgan)",
    )
    e.add_argument(
        "--eval-every",
        type=_int_type(1),
        metavar="N",
        help="evaluate after every N-th epoch (default: 1)",
    )
    e.add_argument(
        "--eval-weights",
        metavar="W",
        help="InceptionV3 weights: imagenet (default), a local .h5 file, or none "
        "(random: smoke tests only)",
    )
