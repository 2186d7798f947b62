"""keras_gans.layers: the building blocks of the generators and discriminators.

Every layer uses `keras.ops` only, is registered for serialization under the
`keras_gans` package, and matches its PyTorch counterpart numerically.
"""

from keras_gans.layers.conv_gradients import (
    FastConv2D,
    conv_with_conv_gradients,
    fast_conv,
)
from keras_gans.layers.cspup_block import CSPupBlock
from keras_gans.layers.factories import (
    ACTIVATIONS,
    NORMALIZATIONS,
    PADDINGS,
    make_activation,
    make_norm,
    make_padding,
)
from keras_gans.layers.few_channel_conv import FewChannelConv2D, few_channel_conv
from keras_gans.layers.instance_normalization import InstanceNormalization
from keras_gans.layers.pixel_shuffle import PixelShuffle
from keras_gans.layers.pixelwise_vit import PixelwiseViT
from keras_gans.layers.reflect_pad import ReflectPad
from keras_gans.layers.residual_block import ResidualBlock
from keras_gans.layers.residual_output import ResidualOutput
from keras_gans.layers.sampling_blocks import DownsampleBlock, UpsampleBlock
from keras_gans.layers.winograd import (
    conv_with_winograd_gradients,
    winograd_conv_gradients,
)

__all__ = [
    "ACTIVATIONS",
    "NORMALIZATIONS",
    "PADDINGS",
    "CSPupBlock",
    "DownsampleBlock",
    "FastConv2D",
    "FewChannelConv2D",
    "InstanceNormalization",
    "PixelShuffle",
    "PixelwiseViT",
    "ReflectPad",
    "ResidualBlock",
    "ResidualOutput",
    "UpsampleBlock",
    "conv_with_conv_gradients",
    "conv_with_winograd_gradients",
    "fast_conv",
    "few_channel_conv",
    "make_activation",
    "make_norm",
    "make_padding",
    "winograd_conv_gradients",
]
