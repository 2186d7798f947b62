"""The pixel-wise Vision Transformer bottleneck of UVCGAN."""

import keras
from keras import ops

from keras_gans._checks import check_int
from keras_gans.layers.factories import (
    _check_bool,
    make_activation,
)

_VIT_NORMS = ("layer", "none")


def _make_token_norm(norm, name, dtype):
    if norm is None or norm == "none":
        return None
    return keras.layers.LayerNormalization(
        axis=-1, epsilon=1e-5, name=name, dtype=dtype
    )


class _TransformerBlock(keras.layers.Layer):
    """Pre-norm transformer block with ReZero (internal to `PixelwiseViT`).

    `x = x + a * MHA(norm1(x)); x = x + b * FFN(norm2(x))`, with `a`, `b`
    trainable scalars initialised to 0 (`rezero=True`) or absent (1).
    """

    def __init__(
        self, features, n_heads, ffn_features, activation, norm, rezero, **kwargs
    ):
        super().__init__(**kwargs)
        self.features = features
        self.rezero = rezero
        # Sublayers share this layer's dtype policy (see `_ConvBlock`).
        dtype = self.dtype_policy
        self.norm1 = _make_token_norm(norm, "norm1", dtype)
        self.attention = keras.layers.MultiHeadAttention(
            num_heads=n_heads,
            key_dim=features // n_heads,
            name="attention",
            dtype=dtype,
        )
        self.norm2 = _make_token_norm(norm, "norm2", dtype)
        self.ffn1 = keras.layers.Dense(ffn_features, name="ffn1", dtype=dtype)
        self.ffn_act = make_activation(activation, name="ffn_act", dtype=dtype)
        self.ffn2 = keras.layers.Dense(features, name="ffn2", dtype=dtype)
        self.rezero_a = None
        self.rezero_b = None

    def build(self, input_shape):
        shape = tuple(input_shape)
        for norm in (self.norm1, self.norm2):
            if norm is not None:
                norm.build(shape)
        self.attention.build(shape, shape)
        self.ffn1.build(shape)
        self.ffn2.build(shape[:-1] + (self.ffn1.units,))
        if self.rezero:
            self.rezero_a = self.add_weight(
                shape=(), initializer="zeros", trainable=True, name="rezero_a"
            )
            self.rezero_b = self.add_weight(
                shape=(), initializer="zeros", trainable=True, name="rezero_b"
            )
        self.built = True

    def call(self, x, training=None):
        y = x if self.norm1 is None else self.norm1(x)
        y = self.attention(y, y, training=training)
        x = x + (y if self.rezero_a is None else self.rezero_a * y)
        y = x if self.norm2 is None else self.norm2(x)
        y = self.ffn2(self.ffn_act(self.ffn1(y)))
        return x + (y if self.rezero_b is None else self.rezero_b * y)

    def compute_output_shape(self, input_shape):
        return input_shape


@keras.saving.register_keras_serializable(package="keras_gans")
class PixelwiseViT(keras.layers.Layer):
    """UVCGAN's pixel-wise Vision Transformer: one token per pixel.

    For an NHWC input `(N, H, W, features)`:

    1. Tokens: each pixel's feature vector, `(N, H*W, features)`.
    2. Fourier position embedding: the pixel coordinates `(y, x)`, both
       scaled to `[-1, 1]` (`2 * i / (size - 1) - 1`), go through
       `sin(Dense(embed_features))` (`embed`); the result is concatenated in
       front of each token (`[embed, token]`) and `input_proj`
       (`Dense(features)`) maps it back to `features`.
    3. `n_blocks` pre-norm transformer blocks (`blocks`):
       `x = x + a * MHA(norm1(x)); x = x + b * FFN(norm2(x))` with
       `FFN = ffn1 (Dense(ffn_features)) -> activation -> ffn2
       (Dense(features))`. With `rezero=True`, `a` and `b` (`rezero_a`,
       `rezero_b`) are trainable scalars initialised to 0, so every block is
       the identity at initialisation; with `rezero=False` they are absent and
       the blocks are plain residual.
    4. `output_proj` (`Dense(features)`), reshaped back to `(N, H, W,
       features)`.

    H and W are read from the input at call time, so the layer works for any
    bottleneck size (also unknown, `None`, ones); the position embedding
    adapts to it.

    Attention is `keras.layers.MultiHeadAttention` (`key_dim = features //
    n_heads`, with biases): it has the same structure and weights as
    `torch.nn.MultiheadAttention` (q/k/v and output projections), is
    maintained and tested upstream, and can use Keras' fused
    `dot_product_attention` path.

    Differences from the UVCGAN reference code: it uses one ReZero scalar per
    block for both sub-layers (here two; set both to the same value to port
    weights); its coordinate grid is built with `meshgrid` in "ij" order from
    `(x, y)`, which for the square images it supports is the same as this
    layer's `(row, column)` order.

    Args:
        features: int. Channels of the input and output, and token width.
        n_heads: int. Attention heads; must divide `features`.
        n_blocks: int. Number of transformer blocks.
        ffn_features: int. Hidden width of the feed-forward network (UVCGAN:
            `4 * features`).
        embed_features: int. Width of the Fourier position embedding.
        activation: str. FFN activation, see `make_activation`. Defaults to
            `"gelu"` (exact, as `torch.nn.GELU`).
        norm: str or None. `"layer"` (`LayerNormalization`, epsilon 1e-5) or
            `None` / `"none"` (no normalization in the blocks, as in seed
            003). Defaults to `"layer"`.
        rezero: bool. Use ReZero scalars (initialised to 0). Defaults to
            `True`.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Example:
    ```python
    import numpy as np
    from keras_gans.layers import PixelwiseViT

    vit = PixelwiseViT(32, n_heads=4, n_blocks=2, ffn_features=128,
                       embed_features=32)
    x = np.random.rand(2, 8, 8, 32).astype("float32")
    print(vit(x).shape)  # (2, 8, 8, 32)
    ```

    Reference:
    - [Torbunov et al., 2023. UVCGAN: UNet Vision Transformer cycle-consistent
      GAN for unpaired image-to-image translation](https://arxiv.org/abs/2203.02557)
    - [Bachlechner et al., 2021. ReZero is All You Need: Fast Convergence at
      Large Depth](https://arxiv.org/abs/2003.04887)
    - [Tancik et al., 2020. Fourier Features Let Networks Learn High Frequency
      Functions in Low Dimensional Domains](https://arxiv.org/abs/2006.10739)
    """

    def __init__(
        self,
        features,
        n_heads,
        n_blocks,
        ffn_features,
        embed_features,
        *,
        activation="gelu",
        norm="layer",
        rezero=True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        features = check_int("features", features)
        n_heads = check_int("n_heads", n_heads)
        n_blocks = check_int("n_blocks", n_blocks)
        ffn_features = check_int("ffn_features", ffn_features)
        embed_features = check_int("embed_features", embed_features)
        if features % n_heads:
            raise ValueError(
                "`features` must be divisible by `n_heads`. Received: "
                f"features={features}, n_heads={n_heads}"
            )
        if not (norm is None or (isinstance(norm, str) and norm in _VIT_NORMS)):
            raise ValueError(
                f"`norm` must be one of {_VIT_NORMS} or None. Received: norm={norm!r}"
            )
        _check_bool(rezero, "rezero")
        self.features = features
        self.n_heads = n_heads
        self.n_blocks = n_blocks
        self.ffn_features = ffn_features
        self.embed_features = embed_features
        self.activation = activation
        self.norm = norm
        self.rezero = rezero

        # === Layers ===
        make_activation(activation)  # validates the name, quoting it
        # Sublayers share this layer's dtype policy (see `_ConvBlock`).
        dtype = self.dtype_policy
        self.embed = keras.layers.Dense(embed_features, name="embed", dtype=dtype)
        self.input_proj = keras.layers.Dense(features, name="input_proj", dtype=dtype)
        self.blocks = [
            _TransformerBlock(
                features,
                n_heads,
                ffn_features,
                activation,
                norm,
                rezero,
                name=f"block_{i}",
                dtype=dtype,
            )
            for i in range(n_blocks)
        ]
        self.output_proj = keras.layers.Dense(features, name="output_proj", dtype=dtype)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def build(self, input_shape):
        if input_shape[-1] != self.features:
            raise ValueError(
                "`PixelwiseViT` expects `features` input channels. Received: "
                f"input_shape={input_shape}, features={self.features}"
            )
        tokens = (input_shape[0], None, self.features)
        self.embed.build((None, 2))
        self.input_proj.build(
            (input_shape[0], None, self.embed_features + self.features)
        )
        for block in self.blocks:
            block.build(tokens)
        self.output_proj.build(tokens)
        self.built = True

    def position_embedding(self, height, width):
        """`sin(embed(coords))` for an `height x width` grid: `(H*W, E)`."""
        dtype = self.compute_dtype

        def coords(size):
            size_f = ops.cast(size, dtype)
            step = ops.maximum(size_f - 1.0, 1.0)
            return 2.0 * ops.cast(ops.arange(size), dtype) / step - 1.0

        ys = coords(height)
        xs = coords(width)
        grid_y = ops.broadcast_to(ops.expand_dims(ys, 1), (height, width))
        grid_x = ops.broadcast_to(ops.expand_dims(xs, 0), (height, width))
        grid = ops.reshape(ops.stack([grid_y, grid_x], axis=-1), (-1, 2))
        return ops.sin(self.embed(grid))

    def call(self, inputs, training=None):
        shape = ops.shape(inputs)
        n, h, w = shape[0], shape[1], shape[2]
        tokens = ops.reshape(inputs, (n, h * w, self.features))
        embed = self.position_embedding(h, w)
        embed = ops.broadcast_to(
            ops.expand_dims(embed, 0), (n, h * w, self.embed_features)
        )
        x = self.input_proj(ops.concatenate([embed, tokens], axis=-1))
        for block in self.blocks:
            x = block(x, training=training)
        x = self.output_proj(x)
        return ops.reshape(x, (n, h, w, self.features))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.features,)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "features": self.features,
                "n_heads": self.n_heads,
                "n_blocks": self.n_blocks,
                "ffn_features": self.ffn_features,
                "embed_features": self.embed_features,
                "activation": self.activation,
                "norm": self.norm,
                "rezero": self.rezero,
            }
        )
        return config
