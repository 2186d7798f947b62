"""The CSPup upsampling block of the seed-004 DCGAN generator."""

import keras

from keras_gans.layers.factories import (
    ACTIVATIONS,
    _build_chain,
    _check_bool,
    _check_name,
    _ConvBlock,
)


@keras.saving.register_keras_serializable(package="keras_gans")
class CSPupBlock(_ConvBlock):
    """Cross-stage-partial x2 upsampling block (two paths on split channels).

    The input channels are split in two halves (`torch.chunk(x, 2)` order: the
    first half goes to path A, the second to path B); the paths are summed:

    - path A: `deconv_a` (ConvTranspose 4x4, stride 2) -> `bn_a`;
    - path B: `conv1_b` (3x3, C/2 channels) -> `bn1_b` -> ReLU -> `deconv_b`
      (ConvTranspose 4x4, stride 2) -> `bn2_b` -> `conv3_b` (3x3) -> `bn3_b`
      -> ReLU -> `conv3_b_final` (3x3) -> `bn_final_b`;
    - `output = post_act(path_a + path_b)`, with no activation by default.

    The transposed convolutions equal PyTorch's `ConvTranspose2d(4, 2,
    ct_pad)`: `ct_pad=1` (`first=False`: H -> 2H) is Keras' `padding="same"`,
    `ct_pad=0` (`first=True`: H -> 2H + 2) is `padding="valid"`, which turns
    the 1x1 noise "image" of the first block into a 4x4 map. Both were checked
    numerically against PyTorch. The 3x3 convolutions are zero-padded by 1.

    Where seed 004 is silent or fixed, these choices are arguments: `norm`
    (BatchNorm in the seed; `"none"` for no normalization), `activation`
    (the seed's ReLU inside path B), `post_activation` (the seed has none
    after the sum; its generator applies `tanh` after the last block, which is
    `post_activation="tanh"` on the 3-channel final block) and `spectral_norm`
    (seed 004's experiment 3: spectral norm on every conv and deconv).

    Sublayer attributes use the seed's PyTorch names, whatever the norm:
    `deconv_a`, `bn_a`, `conv1_b`, `bn1_b`, `act1_b`, `deconv_b`, `bn2_b`,
    `conv3_b`, `bn3_b`, `act3_b`, `conv3_b_final`, `bn_final_b`, `post_act`
    (`bn_*` / `post_act` are `None` when absent).

    Args:
        filters: int. Output channels.
        first: bool. `True` for the first block of the generator
            (`ct_pad=0`: a 1x1 input becomes 4x4). Defaults to `False`.
        norm: str or None. See `make_norm`. Defaults to `"batch"`.
        activation: str or None. Activation inside path B. Defaults to
            `"relu"`.
        post_activation: str or None. Activation after the sum (e.g. `"tanh"`
            for the last block, or `"relu"`). Defaults to `None`.
        use_bias: bool. Whether the (transposed) convolutions have a bias
            (PyTorch's default is `True`). Defaults to `True`.
        kernel_initializer: initializer, its name/config, or None. `None`
            means `RandomNormal(0.0, 0.02)` (DCGAN). Defaults to `None`.
        spectral_norm: bool. Wrap every (transposed) convolution in
            `keras.layers.SpectralNormalization`. Defaults to `False`.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Example:
    ```python
    import numpy as np
    from keras_gans.layers import CSPupBlock

    z = np.random.normal(size=(2, 1, 1, 100)).astype("float32")
    x = CSPupBlock(64, first=True)(z)
    print(x.shape)  # (2, 4, 4, 64)
    print(CSPupBlock(3, post_activation="tanh")(x).shape)  # (2, 8, 8, 3)
    ```

    Reference:
    - [Wang et al., 2020. CSPNet: A New Backbone that can Enhance Learning
      Capability of CNN](https://arxiv.org/abs/1911.11929)
    - [Radford et al., 2016. Unsupervised Representation Learning with Deep
      Convolutional Generative Adversarial
      Networks](https://arxiv.org/abs/1511.06434)
    """

    def __init__(
        self,
        filters,
        *,
        first=False,
        norm="batch",
        activation="relu",
        post_activation=None,
        use_bias=True,
        kernel_initializer=None,
        spectral_norm=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self._init_conv_args(filters, use_bias, kernel_initializer, spectral_norm)
        _check_bool(first, "first")
        _check_name(post_activation, ACTIVATIONS, "post_activation")
        self.first = first
        self.norm = norm
        self.activation = activation
        self.post_activation = post_activation

        # === Layers ===
        # Path A.
        self.deconv_a = self._deconv("deconv_a")
        self.bn_a = self._norm(norm, "bn_a")
        # Path B; conv1_b's width (C/2) is known in build().
        self.conv1_b = None
        self.bn1_b = self._norm(norm, "bn1_b")
        self.act1_b = self._activation(activation, "act1_b")
        self.deconv_b = self._deconv("deconv_b")
        self.bn2_b = self._norm(norm, "bn2_b")
        self.conv3_b = self._conv(filters, "conv3_b")
        self.bn3_b = self._norm(norm, "bn3_b")
        self.act3_b = self._activation(activation, "act3_b")
        self.conv3_b_final = self._conv(filters, "conv3_b_final")
        self.bn_final_b = self._norm(norm, "bn_final_b")
        self.post_act = self._post_activation(post_activation)

    def _deconv(self, name):
        padding = "valid" if self.first else "same"
        return self._conv_layer(
            keras.layers.Conv2DTranspose,
            self.filters,
            4,
            strides=2,
            padding=padding,
            name=name,
        )

    def _conv(self, filters, name):
        # Stride 1, odd kernel: "same" is symmetric, = torch padding=1.
        return self._conv_layer(
            keras.layers.Conv2D, filters, 3, padding="same", name=name
        )

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None or channels < 2 or channels % 2:
            raise ValueError(
                "`CSPupBlock` splits the channels in two equal halves, so it needs "
                f"an even, known number of input channels. Received: "
                f"input_shape={input_shape}"
            )
        half = tuple(input_shape[:-1]) + (channels // 2,)
        if self.conv1_b is None:
            self.conv1_b = self._conv(channels // 2, "conv1_b")
        _build_chain([self.deconv_a, self.bn_a], half)
        _build_chain(
            [
                self.conv1_b,
                self.bn1_b,
                self.act1_b,
                self.deconv_b,
                self.bn2_b,
                self.conv3_b,
                self.bn3_b,
                self.act3_b,
                self.conv3_b_final,
                self.bn_final_b,
                self.post_act,
            ],
            half,
        )
        self.built = True

    def call(self, inputs, training=None):
        def norm(layer, x):
            return x if layer is None else layer(x, training=training)

        half = inputs.shape[-1] // 2
        x_a = inputs[..., :half]
        x_b = inputs[..., half:]
        # Path A.
        out_a = norm(self.bn_a, self.deconv_a(x_a, training=training))
        # Path B.
        x = norm(self.bn1_b, self.conv1_b(x_b, training=training))
        x = self.act1_b(x)
        x = norm(self.bn2_b, self.deconv_b(x, training=training))
        x = norm(self.bn3_b, self.conv3_b(x, training=training))
        x = self.act3_b(x)
        out_b = norm(self.bn_final_b, self.conv3_b_final(x, training=training))
        out = out_a + out_b
        if self.post_act is not None:
            out = self.post_act(out)
        return out

    def compute_output_shape(self, input_shape):
        n, h, w, _ = input_shape

        def out(size):
            if size is None:
                return None
            return 2 * size + 2 if self.first else 2 * size

        return (n, out(h), out(w), self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                **self._conv_config(),
                "first": self.first,
                "norm": self.norm,
                "activation": self.activation,
                "post_activation": self.post_activation,
            }
        )
        return config
