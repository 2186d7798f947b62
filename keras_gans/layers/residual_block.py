"""The residual block of ResNet generators and residual discriminators."""

import keras

from keras_gans._checks import check_int
from keras_gans.layers.factories import (
    ACTIVATIONS,
    _build_chain,
    _check_name,
    _ConvBlock,
)

_PADDING_MODES = ("reflect", "zero")


@keras.saving.register_keras_serializable(package="keras_gans")
class ResidualBlock(_ConvBlock):
    """Two padded convolutions with normalization, added to a skip connection.

    `output = post_act(body(x) + skip(x))` with

    - `body = pad -> conv1(kernel_size, strides) -> norm1 -> act1 ->
      [dropout] -> pad -> conv2(kernel_size) -> norm2`,
    - `skip = x`, or `proj_conv(1x1, strides) -> proj_norm` (the projection
      shortcut) when the shape changes,
    - `post_act` the identity by default.

    The defaults give the CycleGAN / pix2pix ResNet-generator block (seed 000,
    `resnet_9blocks`): reflection padding, instance norm, ReLU, no activation
    after the addition. The residual discriminator block of seed 004 is
    `ResidualBlock(f, strides=2, norm="batch", activation="leaky_relu",
    padding_mode="zero", use_bias=False, post_activation="leaky_relu")`: conv3x3
    (stride) + BN + LeakyReLU(0.2) + conv3x3 + BN, plus a 1x1 conv (stride) + BN
    shortcut, then LeakyReLU(0.2) after the addition.

    Padding is explicit (`ReflectPad(k//2)` or `ZeroPadding2D(k//2)`) followed by
    a `"valid"` convolution, so the block equals PyTorch's `Conv2d(k,
    stride, padding=k//2, padding_mode="reflect" | "zeros")` for any stride.

    Sublayer attributes (for porting PyTorch weights): `conv1`, `norm1`, `act1`,
    `dropout`, `conv2`, `norm2`, `proj_conv`, `proj_norm`, `post_act` (`None`
    where absent). With `spectral_norm=True` the convolutions are
    `keras.layers.SpectralNormalization` wrappers; the wrapped `Conv2D` is
    their `.layer`.

    Args:
        filters: int. Output channels (and channels of the body).
        kernel_size: int. Odd kernel size of both body convolutions.
            Defaults to `3`.
        strides: int. Stride of `conv1` and of the projection. Defaults to `1`.
        norm: str or None. Normalization after each convolution, see
            `make_norm`. Defaults to `"instance"`.
        activation: str or None. Activation inside the body, see
            `make_activation`. Defaults to `"relu"`.
        padding_mode: str. `"reflect"` or `"zero"`. Defaults to `"reflect"`.
        dropout: float. Dropout rate after the first activation (pix2pix's
            `use_dropout`), in `[0, 1)`. Defaults to `0.0` (no dropout layer).
        projection: `"auto"`, `True` or `False`. `"auto"` adds the 1x1
            projection shortcut only when `strides != 1` or the input channels
            differ from `filters`; `True` always adds it; `False` never does
            and raises an error if the shapes differ. Defaults to `"auto"`.
        post_activation: str or None. Activation applied after the addition;
            `None` for none. Defaults to `None`.
        use_bias: bool. Whether the convolutions have a bias. Defaults to
            `True`.
        kernel_initializer: initializer, its name/config, or None. `None`
            means `RandomNormal(0.0, 0.02)`. Defaults to `None`.
        spectral_norm: bool. Wrap every convolution in
            `keras.layers.SpectralNormalization`. Defaults to `False`.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Example:
    ```python
    import numpy as np
    from keras_gans.layers import ResidualBlock

    x = np.random.rand(2, 16, 16, 32).astype("float32")
    print(ResidualBlock(32)(x).shape)  # (2, 16, 16, 32)
    block = ResidualBlock(64, strides=2, norm="batch", activation="leaky_relu",
                          padding_mode="zero", post_activation="leaky_relu")
    print(block(x).shape)  # (2, 8, 8, 64), with a 1x1 projection shortcut
    ```

    Reference:
    - [He et al., 2016. Deep Residual Learning for Image
      Recognition](https://arxiv.org/abs/1512.03385)
    - [Johnson et al., 2016. Perceptual Losses for Real-Time Style Transfer
      and Super-Resolution](https://arxiv.org/abs/1603.08155)
    """

    def __init__(
        self,
        filters,
        *,
        kernel_size=3,
        strides=1,
        norm="instance",
        activation="relu",
        padding_mode="reflect",
        dropout=0.0,
        projection="auto",
        post_activation=None,
        use_bias=True,
        kernel_initializer=None,
        spectral_norm=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self._init_conv_args(filters, use_bias, kernel_initializer, spectral_norm)
        kernel_size = check_int("kernel_size", kernel_size)
        if kernel_size % 2 == 0:
            raise ValueError(
                "`kernel_size` must be odd (the block pads kernel_size // 2 on "
                f"each side). Received: kernel_size={kernel_size}"
            )
        strides = check_int("strides", strides)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"`padding_mode` must be one of {_PADDING_MODES}. "
                f"Received: padding_mode={padding_mode!r}"
            )
        if (
            not isinstance(dropout, (int, float))
            or isinstance(dropout, bool)
            or not 0.0 <= dropout < 1.0
        ):
            raise ValueError(
                f"`dropout` must be a float in [0, 1). Received: dropout={dropout!r}"
            )
        if not (isinstance(projection, bool) or projection == "auto"):
            raise ValueError(
                "`projection` must be 'auto', True or False. "
                f"Received: projection={projection!r}"
            )
        _check_name(post_activation, ACTIVATIONS, "post_activation")
        if projection is False and strides != 1:
            raise ValueError(
                "`projection=False` needs `strides=1` (a strided block changes the "
                f"shape, so the skip needs a projection). Received: strides={strides}"
            )
        self.kernel_size = kernel_size
        self.strides = strides
        self.norm = norm
        self.activation = activation
        self.padding_mode = padding_mode
        self.dropout_rate = float(dropout)
        self.projection = projection
        self.post_activation = post_activation

        # === Layers ===
        pad = kernel_size // 2
        self.pad1 = self._padding(padding_mode, pad, "pad1")
        self.conv1 = self._conv(kernel_size, strides, "conv1")
        self.norm1 = self._norm(norm, "norm1")
        self.act1 = self._activation(activation, "act1")
        self.dropout = (
            keras.layers.Dropout(
                self.dropout_rate, name="dropout", dtype=self.dtype_policy
            )
            if self.dropout_rate > 0
            else None
        )
        self.pad2 = self._padding(padding_mode, pad, "pad2")
        self.conv2 = self._conv(kernel_size, 1, "conv2")
        self.norm2 = self._norm(norm, "norm2")
        self.post_act = self._post_activation(post_activation)
        # The projection depends on the input channels: created in build().
        self.proj_conv = None
        self.proj_norm = None

    def _conv(self, kernel_size, strides, name):
        return self._conv_layer(
            keras.layers.Conv2D,
            self.filters,
            kernel_size,
            strides=strides,
            padding="valid",
            name=name,
        )

    def build(self, input_shape):
        channels = input_shape[-1]
        needs_projection = self.strides != 1 or channels != self.filters
        if self.projection is False and needs_projection:
            raise ValueError(
                "`ResidualBlock(projection=False)` needs input channels == filters. "
                f"Received: input_shape={input_shape}, filters={self.filters}"
            )
        if self.projection is True or (self.projection == "auto" and needs_projection):
            self.proj_conv = self._conv(1, self.strides, "proj_conv")
            self.proj_norm = self._norm(self.norm, "proj_norm")
        body = [self.pad1, self.conv1, self.norm1, self.act1, self.dropout]
        body += [self.pad2, self.conv2, self.norm2]
        out_shape = _build_chain(body, input_shape)
        _build_chain([self.proj_conv, self.proj_norm], input_shape)
        _build_chain([self.post_act], out_shape)
        self.built = True

    def call(self, inputs, training=None):
        x = inputs
        if self.pad1 is not None:
            x = self.pad1(x)
        x = self.conv1(x, training=training)
        if self.norm1 is not None:
            x = self.norm1(x, training=training)
        x = self.act1(x)
        if self.dropout is not None:
            x = self.dropout(x, training=training)
        if self.pad2 is not None:
            x = self.pad2(x)
        x = self.conv2(x, training=training)
        if self.norm2 is not None:
            x = self.norm2(x, training=training)
        skip = inputs
        if self.proj_conv is not None:
            skip = self.proj_conv(skip, training=training)
            if self.proj_norm is not None:
                skip = self.proj_norm(skip, training=training)
        x = x + skip
        if self.post_act is not None:
            x = self.post_act(x)
        return x

    def compute_output_shape(self, input_shape):
        n, h, w, _ = input_shape
        s = self.strides

        def out(size):
            return None if size is None else (size - 1) // s + 1

        return (n, out(h), out(w), self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                **self._conv_config(),
                "kernel_size": self.kernel_size,
                "strides": self.strides,
                "norm": self.norm,
                "activation": self.activation,
                "padding_mode": self.padding_mode,
                "dropout": self.dropout_rate,
                "projection": self.projection,
                "post_activation": self.post_activation,
            }
        )
        return config
