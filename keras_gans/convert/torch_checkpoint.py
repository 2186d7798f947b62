"""Reading official PyTorch checkpoints into `keras_gans.networks` models.

What `torch_cyclegan` and `torch_pix2pix` share: `load_torch_checkpoint`
(a `state_dict` file -> numpy arrays), the official `--norm` names, the
checks of the official options, and `torch_generator`, which builds the
generator those options describe and copies a checkpoint into it with
`keras_gans.networks.load_torch_state_dict` (the one key map).

torch is imported inside `load_torch_checkpoint` only: importing this module
does not need it.
"""

import os

from keras_gans._checks import check_int

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


def keras_norm(norm):
    """The keras_gans `norm` of an official `--norm` (`NORMS`), or raise.

    Args:
        norm: str. `"instance"`, `"batch"` or `"none"`.

    Returns:
        `"instance"`, `"batch"` or None.

    Example:

    ```python
    from keras_gans.convert.torch_checkpoint import keras_norm

    keras_norm("none")  # None
    ```
    """
    if norm not in NORMS:
        raise ValueError(
            f"`norm` must be one of {sorted(NORMS)} (the official --norm). "
            f"Received: norm={norm!r}"
        )
    return NORMS[norm]


def load_state_into(model, state, arch, path, hint="", strict=True):
    """Copy a torch `state` into `model`; a key error names `path` and `hint`.

    Args:
        model: `keras.Model`. A `keras_gans.networks` network.
        state: dict. Torch key -> numpy array (`load_torch_checkpoint`).
        arch: str. The key map of `keras_gans.networks.load_torch_state_dict`.
        path: str. The checkpoint file, for the error message.
        hint: str. Appended to a key-mismatch error. Defaults to `""`.
        strict: bool. Missing or unexpected keys raise. Defaults to `True`.

    Returns:
        `model`.

    Example:

    ```python
    from keras_gans import networks
    from keras_gans.convert.torch_checkpoint import load_state_into

    disc = networks.create("patchgan", ndf=8)
    state = networks.keras_to_torch_state_dict(disc, "nlayer_discriminator")
    load_state_into(disc, state, "nlayer_discriminator", "net_D.pth")
    ```
    """
    from keras_gans import networks

    try:
        networks.load_torch_state_dict(model, state, arch, strict=strict)
    except ValueError as e:
        raise ValueError(f"{path}: {e}{hint}") from e
    return model


def ngf_hint(state, key, ngf):
    """`["ngf=<n>"]` when the conv `key` of `state` has other than `ngf`
    filters, else `[]`: a hint for `torch_generator`.

    Args:
        state: dict. Torch key -> numpy array.
        key: str. The torch key of the generator's first conv weight.
        ngf: int. The `ngf` the network was built with.

    Returns:
        A list of str.

    Example:

    ```python
    import numpy as np
    from keras_gans.convert.torch_checkpoint import ngf_hint

    state = {"model.1.weight": np.zeros((64, 3, 7, 7), "float32")}
    ngf_hint(state, "model.1.weight", 8)  # ['ngf=64']
    ```
    """
    weight = state.get(key)
    if weight is not None and weight.ndim == 4 and weight.shape[0] != ngf:
        return [f"ngf={weight.shape[0]}"]
    return []


def _check_generator_options(netG, generators, note, ngf, use_dropout, channels):
    if netG not in generators:
        raise ValueError(
            f"`netG` must be one of {sorted(generators)}{note}. Received: netG={netG!r}"
        )
    ngf = check_int("ngf", ngf)
    for name, value in zip(("input_nc", "output_nc"), channels):
        check_int(name, value)
    if not isinstance(use_dropout, bool):
        raise ValueError(
            f"`use_dropout` must be a bool. Received: use_dropout={use_dropout!r}"
        )


def torch_generator(
    path,
    netG,
    generators,
    *,
    ngf,
    norm,
    use_dropout,
    input_nc,
    output_nc,
    name,
    strict,
    note="",
    hint=None,
):
    """The generator an official `--netG` names, with a checkpoint's weights.

    The official options are checked (in the order `netG`, `ngf`,
    `input_nc`, `output_nc`, `use_dropout`, `norm`), the network is built
    and the checkpoint is copied into it.

    Args:
        path: str. The `state_dict` file.
        netG: str. The official `--netG`, a key of `generators`.
        generators: dict. `--netG` -> (registered keras_gans network, torch
            key map).
        ngf, norm, use_dropout, input_nc, output_nc: the official `--ngf`,
            `--norm` (`NORMS`), `not --no_dropout`, `--input_nc`,
            `--output_nc`.
        name: str or None. The Keras model name; `None`: `netG`.
        strict: bool. Missing or unexpected keys raise a `ValueError`.
        note: str. Added to the error for an unknown `netG`. Defaults to
            `""`.
        hint: callable or None. `state -> list of str`, what the
            checkpoint says about its options (e.g. `["ngf=64"]`), added to
            a key-mismatch error. Defaults to `None`.

    Returns:
        keras.Model: the generator.

    Example:

    ```python
    import os
    import tempfile

    import torch
    from keras_gans import networks
    from keras_gans.convert.torch_checkpoint import torch_generator

    net = networks.create("resnet_6blocks", ngf=4, name="net_G")
    path = os.path.join(tempfile.mkdtemp(), "net_G.pth")
    state = networks.keras_to_torch_state_dict(net, "resnet_generator")
    torch.save({key: torch.tensor(array) for key, array in state.items()}, path)
    generators = {"resnet_6blocks": ("resnet_6blocks", "resnet_generator")}
    options = dict(norm="instance", use_dropout=False, input_nc=3, output_nc=3)
    copy = torch_generator(
        path, "resnet_6blocks", generators, ngf=4, name=None, strict=True, **options
    )
    ```
    """
    from keras_gans import networks

    channels = (input_nc, output_nc)
    _check_generator_options(netG, generators, note, ngf, use_dropout, channels)
    network, arch = generators[netG]
    model = networks.create(
        network,
        ngf=ngf,
        norm=keras_norm(norm),
        use_dropout=use_dropout,
        out_channels=output_nc,
        input_shape=(None, None, input_nc),
        name=name or netG,
    )
    state = load_torch_checkpoint(path)
    hints = hint(state) if hint is not None else []
    hint = f"\n  The checkpoint looks like: {', '.join(hints)}." if hints else ""
    return load_state_into(model, state, arch, path, hint, strict)


__all__ = [
    "NORMS",
    "keras_norm",
    "load_state_into",
    "load_torch_checkpoint",
    "ngf_hint",
    "torch_generator",
]
