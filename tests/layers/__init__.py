"""Helpers shared by the layer tests: docstring examples and torch weight copy."""

import contextlib
import io
import re
import textwrap

import keras
import numpy as np

_EXAMPLE = re.compile(r"```python\n(.*?)```", re.DOTALL)


_TORCH_SIZE = re.compile(r"torch\.Size\(\[([^\]]*)\]\)")


def run_docstring_examples(obj):
    """Executes every ```python block of `obj.__doc__`; returns their stdout.

    A printed `torch.Size([1, 2])` (the PyTorch backend's shapes) reads as
    `(1, 2)`, as the examples' comments write them.
    """
    doc = obj.__doc__ or ""
    blocks = _EXAMPLE.findall(doc)
    assert blocks, f"{obj.__name__} has no ```python Example block"
    out = io.StringIO()
    for block in blocks:
        with contextlib.redirect_stdout(out):
            exec(
                compile(textwrap.dedent(block), f"<{obj.__name__} example>", "exec"), {}
            )
    return _TORCH_SIZE.sub(r"(\1)", out.getvalue())


# --- NCHW <-> NHWC and PyTorch -> Keras weight copies ----------------------


def to_nchw(x):
    return np.ascontiguousarray(np.transpose(x, (0, 3, 1, 2)))


def to_nhwc(t):
    return np.transpose(t.detach().cpu().numpy(), (0, 2, 3, 1))


def _unwrap(layer):
    return (
        layer.layer if isinstance(layer, keras.layers.SpectralNormalization) else layer
    )


def copy_conv(torch_conv, keras_conv):
    """Conv2d (OIHW) -> Conv2D (HWIO); ConvTranspose2d (IOHW) -> Conv2DTranspose
    (HWOI). Both are the same permutation (2, 3, 1, 0)."""
    keras_conv = _unwrap(keras_conv)
    kernel = torch_conv.weight.detach().cpu().numpy().transpose(2, 3, 1, 0)
    keras_conv.kernel.assign(kernel)
    if torch_conv.bias is not None:
        keras_conv.bias.assign(torch_conv.bias.detach().cpu().numpy())
    else:
        assert not keras_conv.use_bias


def copy_norm(torch_norm, keras_norm):
    """BatchNorm2d / affine InstanceNorm2d / LayerNorm -> the Keras layer."""
    if torch_norm.weight is not None:
        keras_norm.gamma.assign(torch_norm.weight.detach().cpu().numpy())
        keras_norm.beta.assign(torch_norm.bias.detach().cpu().numpy())
    if getattr(torch_norm, "running_mean", None) is not None:
        # Copies: JAX may alias a NumPy buffer, which torch then updates.
        keras_norm.moving_mean.assign(torch_norm.running_mean.cpu().numpy().copy())
        keras_norm.moving_variance.assign(torch_norm.running_var.cpu().numpy().copy())


def randomize_torch_norms(module, torch):
    """Random affine parameters and running statistics for every norm layer,
    so that a parity test cannot pass with default (identity) values."""
    gen = torch.Generator().manual_seed(7)
    for m in module.modules():
        if isinstance(m, (torch.nn.BatchNorm2d, torch.nn.InstanceNorm2d)):
            with torch.no_grad():
                if m.weight is not None:
                    m.weight.copy_(
                        1.0 + 0.3 * torch.randn(m.weight.shape, generator=gen)
                    )
                    m.bias.copy_(0.3 * torch.randn(m.bias.shape, generator=gen))
                if m.running_mean is not None:
                    m.running_mean.copy_(
                        0.2 * torch.randn(m.running_mean.shape, generator=gen)
                    )
                    m.running_var.copy_(
                        0.5 + torch.rand(m.running_var.shape, generator=gen)
                    )
