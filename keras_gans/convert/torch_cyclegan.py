"""Official PyTorch CycleGAN / pix2pix checkpoints -> Keras networks.

Reads the `state_dict` files of junyanz/pytorch-CycleGAN-and-pix2pix
(`latest_net_G_A.pth`, `latest_net_D_A.pth`, the pretrained
`horse2zebra.pth` saved as `latest_net_G.pth`, ...) with
`torch.load(weights_only=True)` and copies them into the matching
`keras_gans.networks` model with `keras_gans.networks.load_torch_state_dict`
(the one key map; this module only reads files and picks the network).

torch is imported inside `load_torch_checkpoint` only: importing this module
does not need it.
"""

import os

#: Official `--netG` -> (registered keras_gans network, torch key map).
GENERATORS = {
    "resnet_9blocks": ("resnet_9blocks", "resnet_generator"),
    "resnet_6blocks": ("resnet_6blocks", "resnet_generator"),
    "unet_256": ("unet_256", "unet_generator"),
    "unet_128": ("unet_128", "unet_generator"),
}

#: Official `--norm` -> keras_gans `norm`.
NORMS = {"instance": "instance", "batch": "batch", "none": None}

_INSTALL_HINT = (
    "Reading a PyTorch checkpoint needs torch: `pip install keras-gans[torch]` "
    "(or `pip install torch`)."
)


def load_torch_checkpoint(path):
    """Read a PyTorch `state_dict` file into a dict of numpy arrays.

    Uses `torch.load(path, map_location="cpu", weights_only=True)`, which
    loads tensors only and refuses pickled code. A checkpoint saved as
    `{"state_dict": ...}` is unwrapped.

    Args:
        path: str. A `.pth` / `.pt` file written by `torch.save(state_dict)`.

    Returns:
        dict: torch key -> `np.ndarray`, in the file's order.

    Example:

    ```python
    import os
    import tempfile

    import torch
    from keras_gans.convert import load_torch_checkpoint

    path = os.path.join(tempfile.mkdtemp(), "net.pth")
    torch.save(torch.nn.Conv2d(3, 8, 3).state_dict(), path)
    state = load_torch_checkpoint(path)
    assert state["weight"].shape == (8, 3, 3, 3)
    ```
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No PyTorch checkpoint at {path!r}.")
    try:
        import torch
    except ImportError as e:
        raise ImportError(_INSTALL_HINT) from e
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - torch raises many kinds here
        raise ValueError(
            f"{path!r} is not a PyTorch state_dict that "
            "torch.load(weights_only=True) can read (a whole pickled model is "
            "refused: save `net.state_dict()` instead). torch said: "
            f"{type(e).__name__}: {str(e)[:500]}"
        ) from e
    if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict) or not obj:
        raise ValueError(
            f"{path!r} does not hold a state_dict (a dict of key -> tensor); "
            f"it holds {type(obj).__name__}"
            + (f" with keys {sorted(obj)[:10]}" if isinstance(obj, dict) else "")
        )
    state = {}
    for key, value in obj.items():
        if not isinstance(value, torch.Tensor):
            raise ValueError(
                f"{path!r} is not a plain state_dict: {key!r} holds a "
                f"{type(value).__name__}, not a tensor."
            )
        value = value.detach().cpu()
        if value.is_floating_point():
            value = value.float()  # half / bfloat16 checkpoints
        state[key] = value.numpy()
    return state


def _check_positive_int(name, value):
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(
            f"`{name}` must be a positive integer. Received: {name}={value!r}"
        )


def _norm(norm):
    if norm not in NORMS:
        raise ValueError(
            f"`norm` must be one of {sorted(NORMS)} (the official --norm). "
            f"Received: norm={norm!r}"
        )
    return NORMS[norm]


def _load(model, state, arch, path, hint, strict):
    from keras_gans import networks

    try:
        networks.load_torch_state_dict(model, state, arch, strict=strict)
    except ValueError as e:
        raise ValueError(f"{path}: {e}{hint}") from e
    return model


def _resnet_hint(state, ngf, n_blocks):
    """What the checkpoint says about ngf / residual blocks, if it differs."""
    hints = []
    stem = state.get("model.1.weight")
    if stem is not None and stem.ndim == 4 and stem.shape[0] != ngf:
        hints.append(f"ngf={stem.shape[0]}")
    blocks = {k.split(".")[1] for k in state if ".conv_block." in k}
    if blocks and len(blocks) != n_blocks:
        name = {9: "resnet_9blocks", 6: "resnet_6blocks"}.get(len(blocks))
        hints.append(f"netG={name!r}" if name else f"{len(blocks)} residual blocks")
    return f"\n  The checkpoint looks like: {', '.join(hints)}." if hints else ""


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
    from keras_gans import networks

    _check_generator_args(netG, ngf, use_dropout, input_nc, output_nc)
    network, arch = GENERATORS[netG]
    model = networks.create(
        network,
        ngf=ngf,
        norm=_norm(norm),
        use_dropout=use_dropout,
        out_channels=output_nc,
        input_shape=(None, None, input_nc),
        name=name or netG,
    )
    state = load_torch_checkpoint(path)
    n_blocks = 9 if netG == "resnet_9blocks" else 6
    hint = _resnet_hint(state, ngf, n_blocks) if arch == "resnet_generator" else ""
    return _load(model, state, arch, path, hint, strict)


def _check_generator_args(netG, ngf, use_dropout, input_nc, output_nc):
    if netG not in GENERATORS:
        raise ValueError(
            f"`netG` must be one of {sorted(GENERATORS)}. Received: netG={netG!r}"
        )
    _check_positive_int("ngf", ngf)
    _check_positive_int("input_nc", input_nc)
    _check_positive_int("output_nc", output_nc)
    if not isinstance(use_dropout, bool):
        raise ValueError(
            f"`use_dropout` must be a bool. Received: use_dropout={use_dropout!r}"
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
    _check_positive_int("ndf", ndf)
    _check_positive_int("n_layers_D", n_layers_D)
    _check_positive_int("input_nc", input_nc)
    model = networks.create(
        "patchgan",
        ndf=ndf,
        n_layers=3 if netD == "basic" else n_layers_D,
        norm=_norm(norm),
        input_shape=(None, None, input_nc),
        name=name or "patchgan",
    )
    state = load_torch_checkpoint(path)
    return _load(model, state, "nlayer_discriminator", path, "", strict)


__all__ = [
    "GENERATORS",
    "NORMS",
    "from_torch_cyclegan",
    "from_torch_patchgan",
    "load_torch_checkpoint",
]
