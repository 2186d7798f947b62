"""Official PyTorch CycleGAN checkpoints -> Keras networks.

Reads the `state_dict` files of junyanz/pytorch-CycleGAN-and-pix2pix
(`latest_net_G_A.pth`, `latest_net_D_A.pth`, the pretrained
`horse2zebra.pth` saved as `latest_net_G.pth`, ...) and copies them into the
matching `keras_gans.networks` model: this module picks the network, and
`keras_gans.convert.torch_checkpoint` reads the file
(`torch.load(weights_only=True)`) and loads it with
`keras_gans.networks.load_torch_state_dict` (the one key map).

Importing this module does not import torch; reading a checkpoint does.
"""

from keras_gans._checks import check_int
from keras_gans.convert.torch_checkpoint import (
    NORMS,
    keras_norm,
    load_state_into,
    load_torch_checkpoint,
    ngf_hint,
    torch_generator,
)

#: Official `--netG` -> (registered keras_gans network, torch key map).
GENERATORS = {
    "resnet_9blocks": ("resnet_9blocks", "resnet_generator"),
    "resnet_6blocks": ("resnet_6blocks", "resnet_generator"),
    "unet_256": ("unet_256", "unet_generator"),
    "unet_128": ("unet_128", "unet_generator"),
}


def _resnet_hint(state, netG, ngf):
    """What the checkpoint says about ngf / residual blocks, where they
    differ (nothing for the U-Nets)."""
    if GENERATORS[netG][1] != "resnet_generator":
        return []
    n_blocks = 9 if netG == "resnet_9blocks" else 6
    hints = ngf_hint(state, "model.1.weight", ngf)
    blocks = {k.split(".")[1] for k in state if ".conv_block." in k}
    if blocks and len(blocks) != n_blocks:
        name = {9: "resnet_9blocks", 6: "resnet_6blocks"}.get(len(blocks))
        hints.append(f"netG={name!r}" if name else f"{len(blocks)} residual blocks")
    return hints


def from_torch_cyclegan(
    path,
    netG="resnet_9blocks",
    *,
    ngf=64,
    norm="instance",
    use_dropout=False,
    input_nc=3,
    output_nc=3,
    name=None,
    strict=True,
):
    """A Keras generator with the weights of an official PyTorch checkpoint.

    The arguments are the official options the checkpoint was trained with
    (`--netG`, `--ngf`, `--norm`, `--no_dropout`, `--input_nc`,
    `--output_nc`); the CycleGAN defaults are the defaults here. The result
    is a `keras_gans.networks` generator (NHWC in [-1, 1]) ready for
    `keras_gans.export.export_generator`.

    Args:
        path: str. The `state_dict` file, e.g. `latest_net_G_A.pth` or the
            pretrained `horse2zebra.pth`.
        netG: str. `"resnet_9blocks"`, `"resnet_6blocks"`, `"unet_256"` or
            `"unet_128"`. Defaults to `"resnet_9blocks"`.
        ngf: int. Filters of the first conv. Defaults to `64`.
        norm: str. `"instance"`, `"batch"` or `"none"`. Defaults to
            `"instance"` (CycleGAN; pix2pix uses `"batch"`).
        use_dropout: bool. The checkpoint was trained without `--no_dropout`
            (pix2pix). Defaults to `False` (CycleGAN).
        input_nc: int. Input channels. Defaults to `3`.
        output_nc: int. Output channels. Defaults to `3`.
        name: str. The Keras model name. Defaults to `None` (`netG`).
        strict: bool. Missing or unexpected keys raise a `ValueError` naming
            them. Defaults to `True`.

    Returns:
        keras.Model: the generator (`networks.shape_of` gives its stride).

    Example:

    ```python
    import os
    import tempfile

    import numpy as np
    import torch
    from keras_gans import convert, networks

    # A stand-in for an official checkpoint: the same keys and shapes.
    gen = networks.create("resnet_6blocks", ngf=8)
    state = networks.keras_to_torch_state_dict(gen, "resnet_generator")
    path = os.path.join(tempfile.mkdtemp(), "latest_net_G.pth")
    torch.save({k: torch.from_numpy(v) for k, v in state.items()}, path)
    keras_gen = convert.from_torch_cyclegan(path, "resnet_6blocks", ngf=8)
    x = np.zeros((1, 32, 32, 3), "float32")
    assert np.allclose(keras_gen(x), gen(x), atol=1e-6)
    ```

    Reference:
        [Zhu et al., 2017](https://arxiv.org/abs/1703.10593);
        [Isola et al., 2017](https://arxiv.org/abs/1611.07004).
    """
    return torch_generator(
        path,
        netG,
        GENERATORS,
        ngf=ngf,
        norm=norm,
        use_dropout=use_dropout,
        input_nc=input_nc,
        output_nc=output_nc,
        name=name,
        strict=strict,
        hint=lambda state: _resnet_hint(state, netG, ngf),
    )


def from_torch_patchgan(
    path,
    netD="basic",
    *,
    ndf=64,
    n_layers_D=3,
    norm="instance",
    input_nc=3,
    name=None,
    strict=True,
):
    """A Keras PatchGAN with the weights of an official PyTorch discriminator.

    Reads `latest_net_D_A.pth` / `latest_net_D.pth` (`NLayerDiscriminator`).
    The result is `keras_gans.networks.create("patchgan", ...)`: logits of
    shape `(batch, h, w, 1)`, no sigmoid, as the official network.

    Args:
        path: str. The `state_dict` file.
        netD: str. `"basic"` (the 70x70 PatchGAN, `n_layers_D` ignored) or
            `"n_layers"`. Defaults to `"basic"`.
        ndf: int. Filters of the first conv. Defaults to `64`.
        n_layers_D: int. Stride-2 convs, for `netD="n_layers"`. Defaults to
            `3`.
        norm: str. `"instance"`, `"batch"` or `"none"`. Defaults to
            `"instance"`.
        input_nc: int. Input channels (pix2pix: input + output channels).
            Defaults to `3`.
        name: str. The Keras model name. Defaults to `None` (`"patchgan"`).
        strict: bool. Missing or unexpected keys raise a `ValueError` naming
            them. Defaults to `True`.

    Returns:
        keras.Model: the discriminator.

    Example:

    ```python
    import os
    import tempfile

    import torch
    from keras_gans import convert, networks

    disc = networks.create("patchgan", ndf=8)
    state = networks.keras_to_torch_state_dict(disc, "nlayer_discriminator")
    path = os.path.join(tempfile.mkdtemp(), "latest_net_D.pth")
    torch.save({k: torch.from_numpy(v) for k, v in state.items()}, path)
    keras_disc = convert.from_torch_patchgan(path, ndf=8)
    ```

    Reference:
        [Isola et al., 2017](https://arxiv.org/abs/1611.07004).
    """
    from keras_gans import networks

    if netD not in ("basic", "n_layers"):
        raise ValueError(
            f'`netD` must be "basic" or "n_layers" (the official PixelDiscriminator '
            f"is not supported). Received: netD={netD!r}"
        )
    ndf = check_int("ndf", ndf)
    n_layers_D = check_int("n_layers_D", n_layers_D)
    input_nc = check_int("input_nc", input_nc)
    model = networks.create(
        "patchgan",
        ndf=ndf,
        n_layers=3 if netD == "basic" else n_layers_D,
        norm=keras_norm(norm),
        input_shape=(None, None, input_nc),
        name=name or "patchgan",
    )
    state = load_torch_checkpoint(path)
    return load_state_into(model, state, "nlayer_discriminator", path, "", strict)


__all__ = [
    "GENERATORS",
    "NORMS",
    "from_torch_cyclegan",
    "from_torch_patchgan",
    "load_torch_checkpoint",
]
