"""keras_gans.convert: official PyTorch CycleGAN / pix2pix checkpoints -> Keras.

Importing this package does not import torch; reading a `.pth` file does
(`pip install keras-gans[torch]`).
"""

from keras_gans.convert.torch_checkpoint import NORMS, load_torch_checkpoint
from keras_gans.convert.torch_cyclegan import (
    GENERATORS,
    from_torch_cyclegan,
    from_torch_patchgan,
)
from keras_gans.convert.torch_pix2pix import UNETS, from_torch_pix2pix

__all__ = [
    "GENERATORS",
    "NORMS",
    "UNETS",
    "from_torch_cyclegan",
    "from_torch_patchgan",
    "from_torch_pix2pix",
    "load_torch_checkpoint",
]
