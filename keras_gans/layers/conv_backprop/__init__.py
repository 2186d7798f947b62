"""keras_gans.layers.conv_backprop: faster CPU gradients for convolutions.

`FastConv2D` and `FewChannelConv2D` are `keras.layers.Conv2D` with the same
arguments, weights, config and forward pass, whose stride-1 "valid" convs
compute their gradients with other kernels than TensorFlow's slow CPU
gradient kernels. The networks build `FastConv2D` where they would build a
stride-1 `Conv2D`; the blocks of `keras_gans.layers` do the same. This is not
layer API of `keras_gans.layers`: import the classes from here.

The files, by role (each imports only those above it and `keras_gans.config`):

- `custom_gradient`: `custom_gradient_conv`, an `ops.conv` with a given
  backward pass, and the pieces the backward passes share;
- `few_channel`, `forward_convs`, `winograd`: the backward passes
  (`few_channel_conv`, `conv_with_conv_gradients`,
  `conv_with_winograd_gradients` / `winograd_conv_gradients`);
- `dispatch`: `fast_conv`, the fastest of them for a conv's shape;
- `policy`: when a layer takes which, from `keras_gans.config` and its shape;
- `custom_gradient_conv2d`, `few_channel_conv2d`, `fast_conv2d`: the layers.

The switches are functions of `keras_gans.config`: `set_conv_gradients`
(`"auto"`: own gradients on a CPU without oneDNN, the backend's with a GPU
or oneDNN; `"never"`; `"always"`) and `set_winograd`.

Saving: a `.keras` file names `FastConv2D` (`"keras_gans>FastConv2D"`, the
name files written before this package existed use too), with `Conv2D`'s
config. Which backward pass runs is not part of that config: each layer
reads `keras_gans.config` when it is called (traced). So the same network is
written on every machine, CPU or GPU, with or without oneDNN, and a file
loads wherever keras_gans is installed and takes the gradients that suit the
machine that loads it (a plain `Conv2D` in the file would lose the faster
CPU gradients once loaded and trained on; a class chosen per machine would
make files differ between machines). The networks need keras_gans to load
anyway (`ReflectPad`, `InstanceNormalization`).

Example:
```python
import numpy as np
from keras_gans import config
from keras_gans.layers.conv_backprop import FastConv2D

conv = FastConv2D(16, 3)
print(conv(np.zeros((1, 10, 10, 8), "float32")).shape)  # (1, 8, 8, 16)
print(config.conv_gradients())  # auto
```
"""

from keras_gans.layers.conv_backprop.custom_gradient import custom_gradient_conv
from keras_gans.layers.conv_backprop.dispatch import fast_conv
from keras_gans.layers.conv_backprop.fast_conv2d import FastConv2D
from keras_gans.layers.conv_backprop.few_channel import few_channel_conv
from keras_gans.layers.conv_backprop.few_channel_conv2d import FewChannelConv2D
from keras_gans.layers.conv_backprop.forward_convs import conv_with_conv_gradients
from keras_gans.layers.conv_backprop.winograd import (
    conv_with_winograd_gradients,
    winograd_conv_gradients,
)

__all__ = [
    "FastConv2D",
    "FewChannelConv2D",
    "conv_with_conv_gradients",
    "conv_with_winograd_gradients",
    "custom_gradient_conv",
    "fast_conv",
    "few_channel_conv",
    "winograd_conv_gradients",
]
