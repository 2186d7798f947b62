"""Official PyTorch pix2pix generators (`latest_net_G.pth`) -> Keras U-Nets.

The official pix2pix (junyanz/pytorch-CycleGAN-and-pix2pix, `--model
pix2pix`) trains a `UnetGenerator` (`--netG unet_256`, or `unet_128`) with
batch norm and dropout; its `state_dict` keys (`model.model.0.weight`,
`model.model.1.model.1.weight`, ...) are mapped onto
`keras_gans.networks.unet_generator` by `keras_gans.networks.load_torch_state_dict`.
The file is read with `torch.load(weights_only=True)`
(`keras_gans.convert.load_torch_checkpoint`); `torch_generator` of
`keras_gans.convert.torch_checkpoint` builds and loads the network.

Batch norm of a converted generator runs on its stored statistics
(`training=False`); the official `test.py` without `--eval` uses the test
batch's statistics and dropout instead.

Reference: [Isola et al., 2017](https://arxiv.org/abs/1611.07004).
"""

from keras_gans.convert.torch_checkpoint import ngf_hint, torch_generator

#: Official `--netG` of pix2pix -> its number of downsamplings.
UNETS = {"unet_256": 8, "unet_128": 7}


def _unet_hint(state, ngf, num_downs):
    """What the checkpoint says about ngf / the U-Net depth, where they differ."""
    hints = ngf_hint(state, "model.model.0.weight", ngf)
    # Level k of the U-Net has k + 1 `model.` segments in its keys.
    depths = [key.count("model.") - 1 for key in state if "model." in key]
    found = max(depths, default=num_downs)
    if depths and found != num_downs:
        name = {v: k for k, v in UNETS.items()}.get(found)
        hints.append(f"netG={name!r}" if name else f"{found} downsamplings")
    return hints


def from_torch_pix2pix(
    path,
    netG="unet_256",
    *,
    ngf=64,
    norm="batch",
    use_dropout=True,
    input_nc=3,
    output_nc=3,
    name=None,
    strict=True,
):
    """A Keras U-Net with the weights of an official pix2pix generator.

    The arguments are the official options the checkpoint was trained with
    (`--netG`, `--ngf`, `--norm`, `--no_dropout`, `--input_nc`,
    `--output_nc`); the pix2pix defaults are the defaults here. The result
    is `keras_gans.networks.create(netG, ...)` (NHWC in [-1, 1], height and
    width multiples of 256 / 128), ready for `keras_gans.export` or as the
    generator of a `keras_gans.Pix2Pix` (batch norm: see the module docstring).

    Args:
        path: str. The `state_dict` file, e.g. `latest_net_G.pth` or a
            published `facades_label2photo` generator.
        netG: str. `"unet_256"` or `"unet_128"`. Defaults to `"unet_256"`.
        ngf: int. Filters of the first conv. Defaults to `64`.
        norm: str. `"batch"`, `"instance"` or `"none"`. Defaults to
            `"batch"` (pix2pix).
        use_dropout: bool. Trained without `--no_dropout`. Defaults to `True`.
        input_nc: int. Input channels. Defaults to `3`.
        output_nc: int. Output channels. Defaults to `3`.
        name: str. The Keras model name. Defaults to `None` (`netG`).
        strict: bool. Missing or unexpected keys raise a `ValueError` naming
            them. Defaults to `True`.

    Returns:
        keras.Model: the generator.

    Example:

    ```python
    import os, tempfile
    import numpy as np
    import torch
    from keras_gans import convert, networks

    # A stand-in for an official checkpoint: the same keys and shapes.
    gen = networks.create("unet_128", ngf=4)
    state = networks.keras_to_torch_state_dict(gen, "unet_generator")
    path = os.path.join(tempfile.mkdtemp(), "latest_net_G.pth")
    torch.save({k: torch.from_numpy(v) for k, v in state.items()}, path)
    keras_gen = convert.from_torch_pix2pix(path, "unet_128", ngf=4)
    x = np.zeros((1, 128, 128, 3), "float32")
    assert np.allclose(keras_gen(x), gen(x), atol=1e-6)
    ```
    """
    return torch_generator(
        path,
        netG,
        {unet: (unet, "unet_generator") for unet in UNETS},
        ngf=ngf,
        norm=norm,
        use_dropout=use_dropout,
        input_nc=input_nc,
        output_nc=output_nc,
        name=name,
        strict=strict,
        note=(" (a ResNet generator: `from_torch_cyclegan(path, netG, norm='batch')`)"),
        hint=lambda state: _unet_hint(state, ngf, UNETS[netG]),
    )


__all__ = ["UNETS", "from_torch_pix2pix"]
