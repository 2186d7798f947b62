import keras
import numpy as np
import pytest

from keras_gans.layers import PixelwiseViT
from tests.backend_grad import gradients
from tests.layers import run_docstring_examples
from tests.test_case import max_abs_diff, random_input, require_torch, run_layer_test

SMALL = {
    "features": 8,
    "n_heads": 2,
    "n_blocks": 2,
    "ffn_features": 16,
    "embed_features": 4,
}


def _n_weights(n_blocks, norm=True, rezero=True):
    # embed, input_proj, output_proj: 2 each; per block: q, k, v, out (2 each),
    # ffn1, ffn2 (2 each), 2 layer norms (2 each), 2 rezero scalars.
    per_block = 8 + 4 + (4 if norm else 0) + (2 if rezero else 0)
    return 6 + n_blocks * per_block


@pytest.mark.parametrize(
    "extra, input_shape",
    [({}, (2, 4, 4, 8)), ({"norm": None, "rezero": False}, (2, 3, 5, 8))],
)
def test_layer(extra, input_shape, tmp_path):
    kwargs = {**SMALL, **extra}
    layer = run_layer_test(
        PixelwiseViT,
        kwargs,
        input_shape,
        input_shape,
        expected_num_trainable_weights=_n_weights(
            2,
            norm=extra.get("norm", "layer") is not None,
            rezero=extra.get("rezero", True),
        ),
        expected_num_non_trainable_weights=0,
        tmp_path=tmp_path,
    )
    assert layer.get_config()["n_heads"] == 2


def test_unknown_spatial_size_and_any_bottleneck():
    inp = keras.Input((None, None, 8))
    out = PixelwiseViT(**SMALL)(inp)
    assert tuple(out.shape) == (None, None, None, 8)
    model = keras.Model(inp, out)
    for size in [(4, 4), (3, 6), (1, 1)]:
        y = model(random_input((2, *size, 8)))
        assert tuple(y.shape) == (2, *size, 8)
        assert np.all(np.isfinite(keras.ops.convert_to_numpy(y)))


def test_blocks_are_identity_at_init():
    vit = PixelwiseViT(**SMALL)
    vit(random_input((1, 4, 4, 8)))
    tokens = random_input((2, 16, 8), seed=3)
    for block in vit.blocks:
        assert (
            float(block.rezero_a.numpy()) == 0.0
            and float(block.rezero_b.numpy()) == 0.0
        )
        assert max_abs_diff(block(tokens), tokens) == 0.0
    # Without ReZero the same blocks are not the identity.
    plain = PixelwiseViT(**SMALL, rezero=False)
    plain(random_input((1, 4, 4, 8)))
    assert max_abs_diff(plain.blocks[0](tokens), tokens) > 1e-4


def test_all_weights_train_after_rezero_moves():
    vit = PixelwiseViT(**SMALL)
    x = random_input((2, 4, 4, 8))
    target = keras.ops.convert_to_tensor(random_input((2, 4, 4, 8), seed=1))
    vit(x)
    optimizer = keras.optimizers.SGD(0.1)

    def loss(*_):
        return keras.ops.mean(keras.ops.square(vit(x, training=True) - target))

    def grads():
        return gradients(loss, vit.trainable_weights)

    first = grads()
    grad_of = {id(w): g for w, g in zip(vit.trainable_weights, first)}

    def max_grad(weight):
        return float(np.max(np.abs(keras.ops.convert_to_numpy(grad_of[id(weight)]))))

    # At init the ReZero scalars get a gradient, the block weights behind
    # them do not (the scalars are 0).
    for block in vit.blocks:
        assert max_grad(block.rezero_a) > 0 and max_grad(block.rezero_b) > 0
        assert max_grad(block.ffn1.kernel) == 0.0
        assert max_grad(block.attention._query_dense.kernel) == 0.0
    optimizer.apply(first, vit.trainable_weights)
    assert all(float(b.rezero_a.numpy()) != 0.0 for b in vit.blocks)
    second = grads()
    dead = [
        w.path
        for w, g in zip(vit.trainable_weights, second)
        if g is None or float(np.max(np.abs(keras.ops.convert_to_numpy(g)))) == 0.0
    ]
    assert not dead, f"zero gradient after one step for {dead}"


def test_mixed_bfloat16():
    keras.config.set_dtype_policy("mixed_bfloat16")  # conftest restores float32
    inp = keras.Input((None, None, 8))
    model = keras.Model(inp, PixelwiseViT(**SMALL)(inp))
    y = model(random_input((2, 4, 6, 8)))
    assert keras.backend.standardize_dtype(y.dtype) == "bfloat16"
    assert tuple(y.shape) == (2, 4, 6, 8)
    assert model.layers[-1].blocks[0].rezero_a.dtype == "float32"


def test_position_embedding_grid():
    vit = PixelwiseViT(**SMALL)
    vit(random_input((1, 3, 5, 8)))
    # With an identity embed kernel the embedding is sin of the coordinates.
    vit.embed.kernel.assign(np.eye(2, 4, dtype="float32"))
    vit.embed.bias.assign(np.zeros(4, "float32"))
    emb = keras.ops.convert_to_numpy(vit.position_embedding(3, 5)).reshape(3, 5, 4)
    ys, xs = np.meshgrid(np.linspace(-1, 1, 3), np.linspace(-1, 1, 5), indexing="ij")
    np.testing.assert_allclose(emb[..., 0], np.sin(ys), atol=1e-6)
    np.testing.assert_allclose(emb[..., 1], np.sin(xs), atol=1e-6)
    # Position matters: permuting the pixels does not permute the output.
    x = random_input((1, 3, 5, 8))
    y = keras.ops.convert_to_numpy(vit(x))
    y_flipped = keras.ops.convert_to_numpy(vit(x[:, ::-1]))[:, ::-1]
    assert max_abs_diff(y, y_flipped) > 1e-4


def _torch_vit(torch, features, n_heads, n_blocks, ffn_features, embed_features, h, w):
    """UVCGAN's PixelwiseViT (pre-norm, ReZero, Fourier embedding) in PyTorch,
    with two ReZero scalars per block as in PixelwiseViT."""
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm1 = nn.LayerNorm(features)
            self.atten = nn.MultiheadAttention(features, n_heads, batch_first=True)
            self.norm2 = nn.LayerNorm(features)
            self.ffn = nn.Sequential(
                nn.Linear(features, ffn_features),
                nn.GELU(),
                nn.Linear(ffn_features, features),
            )
            self.re_a = nn.Parameter(torch.randn(()))
            self.re_b = nn.Parameter(torch.randn(()))

        def forward(self, x):
            y = self.norm1(x)
            x = x + self.re_a * self.atten(y, y, y, need_weights=False)[0]
            return x + self.re_b * self.ffn(self.norm2(x))

    class ViT(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Linear(2, embed_features)
            self.input_proj = nn.Linear(embed_features + features, features)
            self.blocks = nn.ModuleList([Block() for _ in range(n_blocks)])
            self.output_proj = nn.Linear(features, features)

        def forward(self, x):  # NCHW
            n = x.shape[0]
            tokens = x.flatten(2).permute(0, 2, 1)
            ys = 2 * torch.arange(h, dtype=torch.float32) / (h - 1) - 1
            xs = 2 * torch.arange(w, dtype=torch.float32) / (w - 1) - 1
            gy, gx = torch.meshgrid(ys, xs, indexing="ij")
            coords = torch.stack([gy, gx], dim=-1).reshape(-1, 2)
            emb = torch.sin(self.embed(coords)).expand(n, -1, -1)
            y = self.input_proj(torch.cat([emb, tokens], dim=2))
            for block in self.blocks:
                y = block(y)
            y = self.output_proj(y)
            return y.permute(0, 2, 1).reshape(n, features, h, w)

    return ViT()


def _copy_linear(lin, dense):
    dense.kernel.assign(lin.weight.detach().numpy().T)
    dense.bias.assign(lin.bias.detach().numpy())


@pytest.mark.torch
def test_parity_with_torch_reimplementation():
    torch = require_torch()
    f, heads, h, w = 8, 2, 3, 4
    vit_t = _torch_vit(torch, f, heads, 2, 16, 4, h, w)
    with torch.no_grad():
        for p in vit_t.parameters():  # layer norms away from (1, 0) too
            p.add_(0.1 * torch.randn(p.shape))
    vit = PixelwiseViT(**SMALL)
    x = random_input((2, h, w, f))
    vit(x)
    _copy_linear(vit_t.embed, vit.embed)
    _copy_linear(vit_t.input_proj, vit.input_proj)
    _copy_linear(vit_t.output_proj, vit.output_proj)
    hd = f // heads
    for bt, bk in zip(vit_t.blocks, vit.blocks):
        for nt, nk in ((bt.norm1, bk.norm1), (bt.norm2, bk.norm2)):
            nk.gamma.assign(nt.weight.detach().numpy())
            nk.beta.assign(nt.bias.detach().numpy())
        w_in = bt.atten.in_proj_weight.detach().numpy()
        b_in = bt.atten.in_proj_bias.detach().numpy()
        att = bk.attention
        for i, dense in enumerate((att._query_dense, att._key_dense, att._value_dense)):
            dense.kernel.assign(w_in[i * f : (i + 1) * f].T.reshape(f, heads, hd))
            dense.bias.assign(b_in[i * f : (i + 1) * f].reshape(heads, hd))
        w_out = bt.atten.out_proj.weight.detach().numpy()
        att._output_dense.kernel.assign(w_out.T.reshape(heads, hd, f))
        att._output_dense.bias.assign(bt.atten.out_proj.bias.detach().numpy())
        _copy_linear(bt.ffn[0], bk.ffn1)
        _copy_linear(bt.ffn[2], bk.ffn2)
        bk.rezero_a.assign(float(bt.re_a.detach()))
        bk.rezero_b.assign(float(bt.re_b.detach()))
    expected = vit_t(torch.from_numpy(x.transpose(0, 3, 1, 2))).detach().numpy()
    assert max_abs_diff(vit(x), expected.transpose(0, 2, 3, 1)) < 1e-5


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"features": 0}, "features=0"),
        ({"n_heads": 3}, "features=8, n_heads=3"),
        ({"n_blocks": -1}, "n_blocks=-1"),
        ({"ffn_features": 2.5}, "ffn_features=2.5"),
        ({"embed_features": None}, "embed_features=None"),
        ({"norm": "batch"}, "norm='batch'"),
        ({"activation": "swish"}, "activation='swish'"),
        ({"rezero": "yes"}, "rezero='yes'"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        PixelwiseViT(**{**SMALL, **kwargs})


def test_wrong_input_channels():
    with pytest.raises(ValueError, match="features=8"):
        PixelwiseViT(**SMALL)(np.zeros((1, 2, 2, 6), "float32"))


def test_docstring_example():
    assert "(2, 8, 8, 32)" in run_docstring_examples(PixelwiseViT)
