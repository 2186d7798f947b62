"""Downsampling and upsampling blocks: conv / transposed conv + norm + act."""

import keras
from keras import ops

from keras_gans._checks import check_choice, check_int
from keras_gans.layers.factories import (
    _build_chain,
    _ConvBlock,
)
from keras_gans.layers.pixel_shuffle import PixelShuffle

_DOWN_PADDINGS = ("zero", "reflect", "none")
_UP_MODES = ("transpose", "pixelshuffle", "resize")
_UP_PADDINGS = ("zero", "reflect")


def _call_optional(layer, x, training=None):
    if layer is None:
        return x
    return layer(x, training=training)


@keras.saving.register_keras_serializable(package="keras_gans")
class DownsampleBlock(_ConvBlock):
    """Strided convolution + normalization + activation.

    `pad -> conv(kernel_size, strides, "valid") -> norm -> act`. The padding is
    explicit and symmetric, `(kernel_size - 1) // 2` on every side, so the
    block equals PyTorch's `Conv2d(k, stride, padding=(k - 1) // 2)`: for the
    usual odd kernels that is `padding=k // 2` (seed 000's and CycleGAN's
    `Conv2d(3, stride=2, padding=1)`), for `k=4` it is PatchGAN's / DCGAN's
    `Conv2d(4, stride=2, padding=1)`. (Keras' `padding="same"` pads only at
    the bottom/right for stride 2 and even sizes, so it is not used.)

    Output size: `(H + 2 * ((k - 1) // 2) - k) // strides + 1` (PyTorch's
    formula).

    Sublayer attributes: `pad`, `conv`, `norm`, `act` (`None` where absent).

    Args:
        filters: int. Output channels.
        kernel_size: int. Convolution kernel size. Defaults to `3`.
        strides: int. Convolution stride. Defaults to `2`.
        norm: str or None. See `make_norm`. Defaults to `"instance"`.
        activation: str or None. See `make_activation`. Defaults to `"relu"`.
        padding: str. `"zero"`, `"reflect"` or `"none"` (no padding, a plain
            valid convolution). Defaults to `"zero"`.
        use_bias: bool. Whether the convolution has a bias. Defaults to `True`.
        kernel_initializer: initializer, its name/config, or None. `None`
            means `RandomNormal(0.0, 0.02)`. Defaults to `None`.
        spectral_norm: bool. Wrap the convolution in
            `keras.layers.SpectralNormalization`. Defaults to `False`.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Example:
    ```python
    import numpy as np
    from keras_gans.layers import DownsampleBlock

    x = np.random.rand(2, 32, 32, 8).astype("float32")
    print(DownsampleBlock(16)(x).shape)  # (2, 16, 16, 16)
    patch = DownsampleBlock(16, kernel_size=4, norm=None, activation="leaky_relu")
    print(patch(x).shape)  # (2, 16, 16, 16)
    ```
    """

    def __init__(
        self,
        filters,
        *,
        kernel_size=3,
        strides=2,
        norm="instance",
        activation="relu",
        padding="zero",
        use_bias=True,
        kernel_initializer=None,
        spectral_norm=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self._init_conv_args(filters, use_bias, kernel_initializer, spectral_norm)
        kernel_size = check_int("kernel_size", kernel_size)
        strides = check_int("strides", strides)
        check_choice("padding", padding, _DOWN_PADDINGS)
        self.kernel_size = kernel_size
        self.strides = strides
        self.norm_name = norm  # `self.norm` is the layer (sublayer contract)
        self.activation = activation
        self.padding = padding

        # === Layers ===
        self.pad = self._padding(padding, (kernel_size - 1) // 2, "pad")
        self.conv = self._conv_layer(
            keras.layers.Conv2D,
            filters,
            kernel_size,
            strides=strides,
            padding="valid",
            name="conv",
        )
        self.norm = self._norm(norm, "norm")
        self.act = self._activation(activation, "act")

    def build(self, input_shape):
        _build_chain([self.pad, self.conv, self.norm, self.act], input_shape)
        self.built = True

    def call(self, inputs, training=None):
        x = _call_optional(self.pad, inputs)
        x = self.conv(x, training=training)
        x = _call_optional(self.norm, x, training=training)
        return self.act(x)

    def compute_output_shape(self, input_shape):
        n, h, w, _ = input_shape
        p = 0 if self.padding == "none" else (self.kernel_size - 1) // 2

        def out(size):
            if size is None:
                return None
            return (size + 2 * p - self.kernel_size) // self.strides + 1

        return (n, out(h), out(w), self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                **self._conv_config(),
                "kernel_size": self.kernel_size,
                "strides": self.strides,
                "norm": self.norm_name,
                "activation": self.activation,
                "padding": self.padding,
            }
        )
        return config


@keras.saving.register_keras_serializable(package="keras_gans")
class UpsampleBlock(_ConvBlock):
    """x2 upsampling + normalization + activation, in one of three ways.

    - `mode="transpose"`: a stride-2 transposed convolution equal to PyTorch's
      `ConvTranspose2d(k, stride=2, padding=(k - 1) // 2, output_padding=1)`
      (the CycleGAN decoder, seed 003). Keras' `Conv2DTranspose(padding=
      "same")` is *not* equal to it for k=3 (it keeps rows `[0, 2H)` of the
      full `2H + 1` output, PyTorch keeps `[1, 2H + 1)`; checked numerically),
      so the block runs a `"valid"` transposed convolution and crops
      `(k - 1) // 2` rows/columns at the top/left and `(k - 3) // 2` at the
      bottom/right.
    - `mode="pixelshuffle"`: `pad -> conv(k) to 4 * filters -> PixelShuffle(2)`
      (seed 000, ESPCN). `PixelShuffle` uses PyTorch's channel order, so
      PyTorch weights port unchanged.
    - `mode="resize"`: nearest-neighbour x2 (`UpSampling2D`) -> pad -> conv(k)
      (no checkerboard artifacts, Odena et al. 2016).

    Each is followed by `norm -> act`. Output: `(N, 2H, 2W, filters)`.

    Sublayer attributes: `upsample` (resize), `pad` (pixelshuffle / resize),
    `conv`, `shuffle` (pixelshuffle), `norm`, `act` (`None` where absent).

    Args:
        filters: int. Output channels.
        mode: str. `"transpose"`, `"pixelshuffle"` or `"resize"`. Defaults to
            `"transpose"`.
        kernel_size: int. Odd kernel size of the (transposed) convolution.
            Defaults to `3`.
        norm: str or None. See `make_norm`. Defaults to `"instance"`.
        activation: str or None. See `make_activation`. Defaults to `"relu"`.
        padding: str. `"zero"` or `"reflect"`: how the convolution of the
            `"pixelshuffle"` and `"resize"` modes is padded (seed 000 pads
            the pixel-shuffle convolution by reflection). `"transpose"` only
            accepts `"zero"`. Defaults to `"zero"`.
        use_bias: bool. Whether the convolution has a bias. Defaults to `True`.
        kernel_initializer: initializer, its name/config, or None. `None`
            means `RandomNormal(0.0, 0.02)`. Defaults to `None`.
        spectral_norm: bool. Wrap the convolution in
            `keras.layers.SpectralNormalization`. Defaults to `False`.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Example:
    ```python
    import numpy as np
    from keras_gans.layers import UpsampleBlock

    x = np.random.rand(2, 8, 8, 32).astype("float32")
    print(UpsampleBlock(16)(x).shape)  # (2, 16, 16, 16)
    print(UpsampleBlock(16, mode="pixelshuffle", padding="reflect")(x).shape)
    # (2, 16, 16, 16)
    ```

    Reference:
    - [Shi et al., 2016. Real-Time Single Image and Video Super-Resolution
      Using an Efficient Sub-Pixel Convolutional Neural
      Network](https://arxiv.org/abs/1609.05158)
    - [Odena et al., 2016. Deconvolution and Checkerboard
      Artifacts](https://distill.pub/2016/deconv-checkerboard/)
    """

    def __init__(
        self,
        filters,
        *,
        mode="transpose",
        kernel_size=3,
        norm="instance",
        activation="relu",
        padding="zero",
        use_bias=True,
        kernel_initializer=None,
        spectral_norm=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self._init_conv_args(filters, use_bias, kernel_initializer, spectral_norm)
        check_choice("mode", mode, _UP_MODES)
        kernel_size = check_int("kernel_size", kernel_size)
        if kernel_size % 2 == 0:
            raise ValueError(
                f"`kernel_size` must be odd. Received: kernel_size={kernel_size}"
            )
        check_choice("padding", padding, _UP_PADDINGS)
        if mode == "transpose" and padding != "zero":
            raise ValueError(
                "`padding` must be 'zero' for mode='transpose' (a transposed "
                f"convolution has no reflect padding). Received: padding={padding!r}"
            )
        self.mode = mode
        self.kernel_size = kernel_size
        self.norm_name = norm  # `self.norm` is the layer (sublayer contract)
        self.activation = activation
        self.padding = padding

        # === Layers ===
        self.upsample = None
        self.pad = None
        self.shuffle = None
        if mode == "transpose":
            self.conv = self._conv_layer(
                keras.layers.Conv2DTranspose,
                filters,
                kernel_size,
                strides=2,
                padding="valid",
                name="conv",
            )
        else:
            if mode == "resize":
                self.upsample = keras.layers.UpSampling2D(
                    2, interpolation="nearest", name="upsample", dtype=self.dtype_policy
                )
            self.pad = self._padding(padding, kernel_size // 2, "pad")
            conv_filters = 4 * filters if mode == "pixelshuffle" else filters
            self.conv = self._conv_layer(
                keras.layers.Conv2D,
                conv_filters,
                kernel_size,
                padding="valid",
                name="conv",
            )
            if mode == "pixelshuffle":
                self.shuffle = PixelShuffle(2, name="shuffle", dtype=self.dtype_policy)
        self.norm = self._norm(norm, "norm")
        self.act = self._activation(activation, "act")

    def build(self, input_shape):
        chain = [self.upsample, self.pad, self.conv, self.shuffle]
        shape = _build_chain(chain, input_shape)
        if self.mode == "transpose":
            shape = self.compute_output_shape(input_shape)
        _build_chain([self.norm, self.act], shape)
        self.built = True

    def call(self, inputs, training=None):
        x = _call_optional(self.upsample, inputs)
        x = _call_optional(self.pad, x)
        x = self.conv(x, training=training)
        if self.mode == "transpose":
            # Full output has 2H + k - 2 rows; PyTorch keeps [p, p + 2H).
            # `ops.slice`, not `x[:, p:-q]`: on CPU TensorFlow's gradient of
            # a strided slice is twice as slow as a slice's (a pad).
            start = (self.kernel_size - 1) // 2
            n, h, w, _ = ops.shape(inputs)
            x = ops.slice(x, (0, start, start, 0), (n, 2 * h, 2 * w, self.filters))
        x = _call_optional(self.shuffle, x)
        x = _call_optional(self.norm, x, training=training)
        return self.act(x)

    def compute_output_shape(self, input_shape):
        n, h, w, _ = input_shape
        return (
            n,
            None if h is None else 2 * h,
            None if w is None else 2 * w,
            self.filters,
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                **self._conv_config(),
                "mode": self.mode,
                "kernel_size": self.kernel_size,
                "norm": self.norm_name,
                "activation": self.activation,
                "padding": self.padding,
            }
        )
        return config
