"""keras_gans.layers: the building blocks of the generators and discriminators.

Every layer uses `keras.ops` only, is registered for serialization under the
`keras_gans` package, and matches its PyTorch counterpart numerically.

The convolutions with faster CPU gradients that the blocks build
(`FastConv2D`, `FewChannelConv2D`) and their backward passes live in
`keras_gans.layers.conv_backprop`; `keras_gans.config` switches them.
"""

from keras_gans.layers.cspup_block import CSPupBlock
from keras_gans.layers.factories import (
    ACTIVATIONS,
    NORMALIZATIONS,
    PADDINGS,
    make_activation,
    make_norm,
    make_padding,
)
from keras_gans.layers.instance_normalization import InstanceNormalization
from keras_gans.layers.pixel_shuffle import PixelShuffle
from keras_gans.layers.pixelwise_vit import PixelwiseViT
from keras_gans.layers.reflect_pad import ReflectPad
from keras_gans.layers.residual_block import ResidualBlock
from keras_gans.layers.residual_output import ResidualOutput
from keras_gans.layers.sampling_blocks import DownsampleBlock, UpsampleBlock

__all__ = [
    "ACTIVATIONS",
    "NORMALIZATIONS",
    "PADDINGS",
    "CSPupBlock",
    "DownsampleBlock",
    "InstanceNormalization",
    "PixelShuffle",
    "PixelwiseViT",
    "ReflectPad",
    "ResidualBlock",
    "ResidualOutput",
    "UpsampleBlock",
    "make_activation",
    "make_norm",
    "make_padding",
]
