"""The base of the Conv2D subclasses whose gradients take another path."""

import keras

from keras_gans.layers.conv_backprop.policy import uses_custom_gradients


class CustomGradientConv2D(keras.layers.Conv2D):
    """A Conv2D whose stride-1 "valid" convs go through `_gradient_conv`.

    Subclasses set `_gradient_conv`, a function `f(inputs, kernel, name=...)`
    with `ops.conv`'s forward pass. Whether it is used is read from
    `keras_gans.config` each time the layer is called (traced), never stored
    in the layer: its config is `Conv2D`'s, on every machine.
    """

    _gradient_conv = None

    def _uses_custom_gradient(self):
        return uses_custom_gradients(self)

    def convolution_op(self, inputs, kernel):
        if self._uses_custom_gradient():
            return type(self)._gradient_conv(inputs, kernel, name=self.name)
        return super().convolution_op(inputs, kernel)
