"""PyTorch `state_dict` <-> Keras weights for the official CycleGAN/pix2pix nets.

Package code never imports torch: a state dict is a mapping of key -> array
(numpy arrays, or torch tensors, which are converted with
`.detach().cpu().numpy()` by duck typing).

Supported architectures (`arch`) and the official keys they map
(`junyanz/pytorch-CycleGAN-and-pix2pix`, `models/networks.py`):

- `"resnet_generator"` (`ResnetGenerator`, our `resnet_generator` with
  `upsample="transpose"`; `n_downsampling` down/up blocks, `n_blocks`
  residual blocks; `d = n_downsampling`, `s = 4 + 3 * d`):

  | torch key prefix | Keras layer |
  |---|---|
  | `model.1` | `stem_conv` |
  | `model.2` | `stem_norm` (only with an affine norm) |
  | `model.{4 + 3*i}` / `model.{5 + 3*i}`, i < d | `down_{i+1}.conv` / `.norm` |
  | `model.{s + j}.conv_block.1` / `.2` | `res_{j+1}.conv1` / `.norm1` |
  | `model.{s + j}.conv_block.5` / `.6` (+1 w. dropout) | `res_{j+1}.conv2` / `.norm2` |

  (with `padding_mode="zero"`, torch's `padding_type="zero"`, the blocks have
  no pad modules: `conv_block.0` / `.1` and `.3` / `.4`, `+1` with dropout)
  | `model.{s + n_blocks + 3*i}` / `+1`, i < d | `up_{i+1}.conv` / `.norm` |
  | `model.{s + n_blocks + 3*d + 1}` | `head_conv` |

- `"nlayer_discriminator"` (`NLayerDiscriminator`, our `patchgan` with
  `stride1_block=True`): `model.0` -> `conv_0`, then `model.{3*i - 1}` ->
  `conv_i` and `model.{3*i}` -> `norm_i` for i >= 1, and the last index ->
  `conv_out` (for `n_layers=3`: convs 0, 2, 5, 8, 11).

- `"unet_generator"` (`UnetGenerator`, our `unet_generator`): nested
  `UnetSkipConnectionBlock`s; level 1 (outermost) is `model.model.`, level
  k+1 is level k's prefix + `1.model.` (from the outermost) or `3.model.`.
  Outermost: `0` -> `down_1_conv`, `3` -> `up_1_conv`; middle levels:
  `1` / `2` -> `down_k_conv` / `down_k_norm`, `5` / `6` -> `up_k_conv` /
  `up_k_norm`; innermost: `1` -> `down_k_conv`, `3` / `4` -> `up_k_conv` /
  `up_k_norm`.

Tensor layouts: Conv2d `weight` (O, I, kH, kW) -> Conv2D `kernel`
(kH, kW, I, O); ConvTranspose2d `weight` (I, O, kH, kW) -> Conv2DTranspose
`kernel` (kH, kW, O, I): both are `transpose(2, 3, 1, 0)` with no spatial
flip. Norms: `weight` -> `gamma`, `bias` -> `beta`, `running_mean` /
`running_var` -> `moving_mean` / `moving_variance` (BatchNorm). Running-stat
keys of InstanceNorm layers (old checkpoints, pytorch < 0.4) are ignored, as
the official `load_networks` does.
"""

import re

import keras
import numpy as np

from keras_gans.networks._common import unwrap

ARCHS = ("resnet_generator", "nlayer_discriminator", "unet_generator")

_RUNNING_STATS = ("running_mean", "running_var", "num_batches_tracked")


class _Spec:
    """torch key -> (Keras variable, kind) plus keys that may be ignored."""

    def __init__(self):
        self.entries = {}
        self.ignorable = set()

    def conv(self, prefix, layer):
        conv = unwrap(layer)
        self.entries[f"{prefix}.weight"] = (conv.kernel, "kernel")
        if conv.use_bias:
            self.entries[f"{prefix}.bias"] = (conv.bias, "vector")

    def norm(self, prefix, layer):
        if layer is None:
            return
        if isinstance(layer, keras.layers.BatchNormalization):
            if layer.scale:
                self.entries[f"{prefix}.weight"] = (layer.gamma, "vector")
            if layer.center:
                self.entries[f"{prefix}.bias"] = (layer.beta, "vector")
            self.entries[f"{prefix}.running_mean"] = (layer.moving_mean, "vector")
            self.entries[f"{prefix}.running_var"] = (layer.moving_variance, "vector")
            self.ignorable.add(f"{prefix}.num_batches_tracked")
            return
        if isinstance(layer, keras.layers.GroupNormalization):  # InstanceNormalization
            if layer.scale:
                self.entries[f"{prefix}.weight"] = (layer.gamma, "vector")
            if layer.center:
                self.entries[f"{prefix}.bias"] = (layer.beta, "vector")
            self.ignorable.update(f"{prefix}.{s}" for s in _RUNNING_STATS)
            return
        raise ValueError(
            f"No torch mapping for the norm layer {layer.name!r} "
            f"({type(layer).__name__}) at {prefix!r}."
        )


def _get(model, name):
    try:
        return model.get_layer(name)
    except ValueError:
        return None


def _count(model, pattern):
    regex = re.compile(pattern)
    return sum(1 for layer in model.layers if regex.fullmatch(layer.name))


def _require(model, arch, names):
    missing = [n for n in names if _get(model, n) is None]
    if missing:
        raise ValueError(
            f"Model {model.name!r} does not have the layers of arch={arch!r}: "
            f"missing {missing}. Build it with keras_gans.networks."
        )


def _resnet_spec(model):
    arch = "resnet_generator"
    _require(model, arch, ["stem_conv", "head_conv"])
    n_down = _count(model, r"down_\d+")
    n_blocks = _count(model, r"res_\d+")
    n_up = _count(model, r"up_\d+")
    if n_up != n_down:
        raise ValueError(f"{model.name!r}: {n_down} down blocks but {n_up} up blocks.")
    spec = _Spec()
    spec.conv("model.1", model.get_layer("stem_conv"))
    spec.norm("model.2", _get(model, "stem_norm"))
    for i in range(n_down):
        block = model.get_layer(f"down_{i + 1}")
        spec.conv(f"model.{4 + 3 * i}", block.conv)
        spec.norm(f"model.{5 + 3 * i}", block.norm)
    start = 4 + 3 * n_down
    for j in range(n_blocks):
        block = model.get_layer(f"res_{j + 1}")
        prefix = f"model.{start + j}.conv_block"
        # [pad], conv, norm, relu, [dropout], [pad], conv, norm: the pads are
        # modules only for reflect padding ("zero" pads inside the conv).
        pad = 1 if getattr(block, "padding_mode", "reflect") == "reflect" else 0
        drop = 1 if getattr(block, "dropout_rate", 0.0) > 0 else 0
        spec.conv(f"{prefix}.{pad}", block.conv1)
        spec.norm(f"{prefix}.{pad + 1}", block.norm1)
        spec.conv(f"{prefix}.{2 * pad + 3 + drop}", block.conv2)
        spec.norm(f"{prefix}.{2 * pad + 4 + drop}", block.norm2)
    start += n_blocks
    for i in range(n_down):
        block = model.get_layer(f"up_{i + 1}")
        mode = getattr(block, "mode", "transpose")
        if mode != "transpose":
            raise ValueError(
                f"arch='resnet_generator' maps ConvTranspose upsampling only; "
                f"{model.name!r} has up_{i + 1} with mode={mode!r}."
            )
        spec.conv(f"model.{start + 3 * i}", block.conv)
        spec.norm(f"model.{start + 3 * i + 1}", block.norm)
    spec.conv(f"model.{start + 3 * n_down + 1}", model.get_layer("head_conv"))
    return spec


def _nlayer_spec(model):
    arch = "nlayer_discriminator"
    _require(model, arch, ["conv_0", "conv_out"])
    n = _count(model, r"conv_\d+")
    spec = _Spec()
    spec.conv("model.0", model.get_layer("conv_0"))
    for i in range(1, n):
        spec.conv(f"model.{3 * i - 1}", model.get_layer(f"conv_{i}"))
        spec.norm(f"model.{3 * i}", _get(model, f"norm_{i}"))
    spec.conv(f"model.{3 * n - 1}", model.get_layer("conv_out"))
    return spec


def _unet_spec(model):
    arch = "unet_generator"
    _require(model, arch, ["down_1_conv", "up_1_conv"])
    n = _count(model, r"down_\d+_conv")
    spec = _Spec()
    prefix = "model.model."
    for k in range(1, n + 1):
        down_conv = model.get_layer(f"down_{k}_conv")
        up_conv = model.get_layer(f"up_{k}_conv")
        if k == 1:
            spec.conv(f"{prefix}0", down_conv)
            spec.conv(f"{prefix}3", up_conv)
            prefix += "1.model."
        elif k == n:
            spec.conv(f"{prefix}1", down_conv)
            spec.conv(f"{prefix}3", up_conv)
            spec.norm(f"{prefix}4", _get(model, f"up_{k}_norm"))
        else:
            spec.conv(f"{prefix}1", down_conv)
            spec.norm(f"{prefix}2", _get(model, f"down_{k}_norm"))
            spec.conv(f"{prefix}5", up_conv)
            spec.norm(f"{prefix}6", _get(model, f"up_{k}_norm"))
            prefix += "3.model."
    return spec


_SPECS = {
    "resnet_generator": _resnet_spec,
    "nlayer_discriminator": _nlayer_spec,
    "unet_generator": _unet_spec,
}


def _spec(model, arch):
    if arch not in _SPECS:
        raise ValueError(f"`arch` must be one of {ARCHS}. Received: arch={arch!r}")
    return _SPECS[arch](model)


def _torch_shape(variable, kind):
    shape = tuple(variable.shape)
    if kind == "kernel":
        return (shape[3], shape[2], shape[0], shape[1])
    return shape


def _to_keras(array, kind):
    if kind == "kernel":
        return np.transpose(array, (2, 3, 1, 0))
    return array


def _to_numpy(key, value):
    if hasattr(value, "detach"):  # a torch tensor, without importing torch
        value = value.detach().cpu().numpy()
    try:
        return np.asarray(value)
    except Exception as e:  # noqa: BLE001 - report the key at fault
        raise ValueError(
            f"state_dict[{key!r}] is not array-like: {type(value).__name__}"
        ) from e


def _format(title, items, limit=20):
    items = list(items)
    shown = "\n    ".join(items[:limit])
    more = f"\n    ... and {len(items) - limit} more" if len(items) > limit else ""
    return f"\n  {title} ({len(items)}):\n    {shown}{more}"


def torch_state_dict_spec(model, arch):
    """The torch keys and shapes that `load_torch_state_dict` expects.

    Args:
        model: `keras.Model`. A network built by `keras_gans.networks`.
        arch: str. One of `"resnet_generator"`, `"nlayer_discriminator"`,
            `"unet_generator"`.

    Returns:
        A dict of torch key -> torch tensor shape (a tuple), in order.

    Example:

    ```python
    from keras_gans import networks

    disc = networks.create("patchgan", ndf=8)
    spec = networks.torch_state_dict_spec(disc, "nlayer_discriminator")
    spec["model.0.weight"]  # (8, 3, 4, 4)
    ```
    """
    spec = _spec(model, arch)
    return {key: _torch_shape(var, kind) for key, (var, kind) in spec.entries.items()}


def load_torch_state_dict(model, state_dict, arch, *, strict=True):
    """Copy an official PyTorch `state_dict` into a Keras network.

    Every key is checked before any weight is assigned, so a failed load
    leaves the model unchanged. See the module docstring for the key map.

    Args:
        model: `keras.Model`. A network built by `keras_gans.networks` (e.g.
            `create("resnet_9blocks")`, `create("patchgan")`).
        state_dict: mapping. torch key -> numpy array (or torch tensor), e.g.
            `torch.load("latest_net_G.pth", map_location="cpu")`. A common
            `"module."` prefix (DataParallel) is stripped.
        arch: str. `"resnet_generator"`, `"nlayer_discriminator"` or
            `"unet_generator"`.
        strict: bool. When `True`, missing or unexpected keys raise a
            `ValueError` naming them; when `False` they are skipped and
            reported in the result. Mis-shaped tensors always raise. Defaults
            to `True`.

    Returns:
        A dict with lists `loaded`, `missing`, `unexpected` and `ignored`
        (InstanceNorm running statistics and `num_batches_tracked`).

    Example:

    ```python
    import numpy as np
    from keras_gans import networks

    gen = networks.create("resnet_6blocks", ngf=8)
    spec = networks.torch_state_dict_spec(gen, "resnet_generator")
    state_dict = {k: np.zeros(s, "float32") for k, s in spec.items()}
    result = networks.load_torch_state_dict(gen, state_dict, "resnet_generator")
    len(result["loaded"]) == len(spec)  # True
    ```
    """
    state = _strip_module_prefix(state_dict)
    spec = _spec(model, arch)
    missing = [k for k in spec.entries if k not in state]
    ignored = [k for k in state if k not in spec.entries and k in spec.ignorable]
    unexpected = [k for k in state if k not in spec.entries and k not in spec.ignorable]
    values, mismatched = _converted_values(spec, state)
    if mismatched or (strict and (missing or unexpected)):
        header = (
            f"Cannot load the state_dict into {model.name!r} as arch={arch!r} "
            f"({len(spec.entries)} keys expected, {len(state)} given)."
        )
        shown = (missing, unexpected) if strict else ([], [])
        raise ValueError(_load_error(header, *shown, mismatched))
    for key, array in values.items():
        variable = spec.entries[key][0]
        variable.assign(array.astype(keras.backend.standardize_dtype(variable.dtype)))
    return {
        "loaded": list(values),
        "missing": missing,
        "unexpected": unexpected,
        "ignored": ignored,
    }


def _strip_module_prefix(state_dict):
    """`state_dict` as a dict, without a common DataParallel `"module."`."""
    if not hasattr(state_dict, "items"):
        raise ValueError(
            "`state_dict` must be a mapping of key -> array. "
            f"Received: {type(state_dict).__name__}"
        )
    state = dict(state_dict.items())
    if state and all(k.startswith("module.") for k in state):
        state = {k[len("module.") :]: v for k, v in state.items()}
    return state


def _converted_values(spec, state):
    """`(values, mismatched)`: the given tensors in Keras layout, by key, and
    a line per tensor whose shape is not the expected one."""
    mismatched = []
    values = {}
    for key, (variable, kind) in spec.entries.items():
        if key not in state:
            continue
        array = _to_numpy(key, state[key])
        expected = _torch_shape(variable, kind)
        if tuple(array.shape) != expected:
            mismatched.append(
                f"{key}: expected shape {expected}, got {tuple(array.shape)}"
            )
            continue
        values[key] = _to_keras(array, kind)
    return values, mismatched


def _load_error(header, missing, unexpected, mismatched):
    """The message of a failed load: `header` and the lists that are not empty."""
    message = header
    if missing:
        message += _format("missing keys", missing)
    if unexpected:
        message += _format("unexpected keys", unexpected)
    if mismatched:
        message += _format("shape mismatches", mismatched)
    if missing or unexpected:
        message += "\n  Pass strict=False to load the matching keys only."
    return message


def keras_to_torch_state_dict(model, arch):
    """The weights of a Keras network as an official PyTorch `state_dict`.

    The inverse of `load_torch_state_dict` (numpy arrays; wrap them with
    `torch.from_numpy` to load them into the official torch module).

    Args:
        model: `keras.Model`. A network built by `keras_gans.networks`.
        arch: str. `"resnet_generator"`, `"nlayer_discriminator"` or
            `"unet_generator"`.

    Returns:
        A dict of torch key -> numpy array.

    Example:

    ```python
    from keras_gans import networks

    disc = networks.create("patchgan", ndf=8)
    state_dict = networks.keras_to_torch_state_dict(disc, "nlayer_discriminator")
    state_dict["model.0.weight"].shape  # (8, 3, 4, 4)
    ```
    """
    spec = _spec(model, arch)
    result = {}
    for key, (variable, kind) in spec.entries.items():
        array = keras.ops.convert_to_numpy(variable)
        result[key] = np.transpose(array, (3, 2, 0, 1)) if kind == "kernel" else array
    return result
