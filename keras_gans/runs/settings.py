"""The loss, model and preprocessing settings of a run, checked and resolved.

`keras-gans train --lambda-cycle 5 --gan-loss hinge --preprocess crop ...`
land here: `resolve_settings` checks each value and each combination (a flag
that does not apply to the model kind, a crop larger than the load size, a
negative weight) and fills in the preset's values, so a run's `config.json`
names every setting it trains with. `model_overrides` gives the model's
constructor arguments back, `loader_options` the data loaders' arguments.
"""

import os

from keras_gans import augment as gan_augment
from keras_gans import networks
from keras_gans.data import PREPROCESS_MODES

#: The model settings each kind of run takes (the constructor arguments of
#: its model; `r1_weight` goes into `gan_loss`).
MODEL_KEYS = {
    "cyclegan": (
        "lambda_cycle",
        "lambda_identity",
        "gan_loss",
        "pool_size",
        "ema_decay",
        "augment",
        "r1_weight",
    ),
    "dcgan": ("gan_loss", "ema_decay", "augment", "r1_weight"),
    "pix2pix": ("lambda_l1", "gan_loss", "ema_decay", "augment", "r1_weight"),
}

#: The data settings of a run on image data (the official `--preprocess`,
#: `--load-size`, `--no-flip`; `crop_size` is the run's `image_size`).
PREPROCESS_KEYS = ("preprocess", "load_size", "flip")

#: Every setting of this module: all fix what a run computes.
SETTINGS = tuple(dict.fromkeys(k for keys in MODEL_KEYS.values() for k in keys))
SETTINGS += PREPROCESS_KEYS + ("crop_size",)

GAN_LOSSES = ("lsgan", "vanilla", "hinge", "wgan-gp")

#: The settings of the evaluation during training (`--eval-every N
#: --eval-data DIR --eval-weights W`): FID / KID and the best checkpoint.
EVAL_KEYS = ("eval_every", "eval_data", "eval_weights")

#: The preprocessing a run of each kind uses when none is given.
DEFAULT_PREPROCESS = {
    "cyclegan": "resize_and_crop",
    "dcgan": "scale_width_and_crop",
    "pix2pix": "resize_and_crop",
}

#: Modes whose output size depends on the image: images are centre-cropped to
#: a multiple of the generator's stride (`none`: the full stored image).
VARIABLE_SIZE_MODES = ("scale_width", "none")

#: The paper's load / crop ratio (286 / 256) for a load size left unset.
LOAD_RATIO = 286 / 256


def flag(key):
    """The `keras-gans train` flag of a setting: `lambda_cycle` -> `--lambda-cycle`."""
    return "--no-flip" if key == "flip" else "--" + key.replace("_", "-")


def resolve_settings(kind, preset, get, *, demo, image_size):
    """The model and data settings of a new run, checked, with defaults.

    Args:
        kind: str. `"cyclegan"`, `"dcgan"` or `"pix2pix"`.
        preset: dict. The run's preset (`keras_gans.presets.get(name)`).
        get: callable. `get(key)`: the override of a setting, or None.
        demo: bool. Whether the run trains on the built-in demo data.
        image_size: int. The run's image size (the crop size).

    Returns:
        A dict of settings for the run's config (with `image_size` when a
        `crop_size` was given).

    Raises:
        ValueError: a value or a combination that cannot work, naming the
            flags.

    Example:

    ```python
    from keras_gans import presets
    from keras_gans.runs.settings import resolve_settings

    given = {"lambda_cycle": 5.0}
    resolve_settings(
        "cyclegan", presets.get("cyclegan_paper"), given.get, demo=True, image_size=32
    )  # {'lambda_cycle': 5.0, 'lambda_identity': 0.5, 'gan_loss': 'lsgan', ...}
    ```
    """
    check_applicable(kind, get)
    given = {k: get(k) for k in SETTINGS if get(k) is not None}
    _check_values(given)
    result = _model_settings(kind, preset, given)
    crop = given.get("crop_size")
    if crop is not None:
        if get("image_size") is not None and get("image_size") != crop:
            raise ValueError(
                f"--crop-size {crop} and --image-size {get('image_size')} name the "
                "same training size and differ; give one of them"
            )
        result["image_size"] = image_size = crop
    if demo:
        data_flags = [flag(k) for k in PREPROCESS_KEYS if k in given]
        if data_flags:
            raise ValueError(
                f"{', '.join(data_flags)}: preprocessing applies to image data "
                "(--data, ...); the built-in demo set is rendered at --image-size"
            )
        return result
    gen_config = get("generator_config")
    result.update(_preprocessing(kind, preset, given, image_size, gen_config))
    return result


def check_applicable(kind, get):
    """Raise when a setting is given that the model `kind` does not take."""
    valid = set(MODEL_KEYS[kind]) | set(PREPROCESS_KEYS) | {"crop_size"}
    wrong = [flag(k) for k in SETTINGS if k not in valid and get(k) is not None]
    if wrong:
        takes = ", ".join(flag(k) for k in MODEL_KEYS[kind])
        raise ValueError(
            f"{', '.join(wrong)} does not apply to {kind} (its model flags: {takes})"
        )


def _number(key, value, low, high=None):
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or value < low or (high is not None and value >= high):
        where = f"in [{low}, {high})" if high is not None else f">= {low}"
        raise ValueError(f"{flag(key)} must be a number {where}. Received: {value!r}")


def _check_values(given):
    for key in ("lambda_cycle", "lambda_identity", "lambda_l1", "r1_weight"):
        if key in given:
            _number(key, given[key], 0)
    if "ema_decay" in given:
        _number("ema_decay", given["ema_decay"], 0, 1)
    for key in ("pool_size", "load_size", "crop_size"):
        value = given.get(key)
        low = 0 if key == "pool_size" else 1
        if value is not None and (not isinstance(value, int) or value < low):
            raise ValueError(f"{flag(key)} must be an integer >= {low}: {value!r}")
    loss = given.get("gan_loss")
    if loss is not None and loss not in GAN_LOSSES:
        raise ValueError(f"--gan-loss must be one of {GAN_LOSSES}. Received: {loss!r}")
    policy = given.get("augment")
    if policy is not None and policy != "none":
        try:
            gan_augment.get(policy)
        except ValueError as e:
            raise ValueError(f"--augment: {e}") from None
    mode = given.get("preprocess")
    if mode is not None and mode not in PREPROCESS_MODES:
        raise ValueError(
            f"--preprocess must be one of {PREPROCESS_MODES}. Received: {mode!r}"
        )


def _preset_loss(preset):
    """`(name, r1_weight)` of the preset's `gan_loss` (a name or a dict)."""
    loss = preset["model_config"].get("gan_loss", "lsgan")
    if isinstance(loss, dict):
        return loss.get("name", "lsgan"), float(loss.get("r1_weight", 0.0))
    return str(loss).lower().replace("_", "-"), 0.0


def _model_settings(kind, preset, given):
    """Each model setting of `kind`: the given value, else the preset's."""
    model_config = preset["model_config"]
    loss, r1 = _preset_loss(preset)
    defaults = {
        "gan_loss": loss,
        "r1_weight": r1,
        "ema_decay": model_config.get("ema_decay") or 0.0,
        "augment": model_config.get("augment") or "none",
    }
    result = {}
    for key in MODEL_KEYS[kind]:
        value = given.get(key, model_config.get(key, defaults.get(key)))
        result[key] = float(value) if key in ("ema_decay", "r1_weight") else value
    return result


def _preprocessing(kind, preset, given, size, generator_config):
    """`preprocess`, `load_size` and `flip` of a run on image data."""
    default = preset.get("data", {}).get("preprocess", DEFAULT_PREPROCESS[kind])
    mode = given.get("preprocess", default)
    load = given.get("load_size")
    if kind != "cyclegan" and mode in VARIABLE_SIZE_MODES:
        raise ValueError(
            f"--preprocess {mode} keeps each image's aspect ratio; a {kind} run "
            "trains on squares (resize_and_crop, resize, crop or "
            "scale_width_and_crop)"
        )
    if mode in ("crop", "none", "resize") and load is not None:
        raise ValueError(
            f"--load-size does not apply to --preprocess {mode} "
            + ("(it trains at --image-size)" if mode == "resize" else "(no resize)")
        )
    if mode in ("resize_and_crop", "scale_width_and_crop") and load is None:
        load = size if kind == "dcgan" else int(round(size * LOAD_RATIO))
    if mode == "scale_width" and load is None:
        load = size
    if load is not None and mode.endswith("crop") and load < size:
        raise ValueError(
            f"--load-size {load} is smaller than the crop (--crop-size / "
            f"--image-size {size}) of --preprocess {mode}"
        )
    fixed = generator_shape(preset, generator_config).fixed_size
    if mode in VARIABLE_SIZE_MODES and fixed is not None:
        raise ValueError(
            f"--preprocess {mode} trains on images of their own size; the "
            f"{preset['generator']['name']!r} generator takes one fixed size"
        )
    flip = given.get("flip", kind != "dcgan")
    return {"preprocess": mode, "load_size": load, "flip": bool(flip)}


def model_overrides(config, preset):
    """The model constructor arguments of a run config's settings.

    Args:
        config: dict. A run config (`keras_gans.runs.RunConfig`); settings
            it lacks (an older run's) are left to the preset.
        preset: dict. Its preset.

    Returns:
        A dict for `from_preset(**overrides)`.

    Example:

    ```python
    from keras_gans import presets
    from keras_gans.runs.settings import model_overrides

    model_overrides({"model": "dcgan", "gan_loss": "hinge", "r1_weight": 1.0},
                    presets.get("cspup"))
    # {'gan_loss': {'name': 'hinge', 'r1_weight': 1.0}}
    ```
    """
    out = {k: config[k] for k in MODEL_KEYS[config["model"]] if k in config}
    if "augment" in out:
        out["augment"] = None if out["augment"] == "none" else out["augment"]
    if "ema_decay" in out:
        out["ema_decay"] = out["ema_decay"] or None
    r1 = out.pop("r1_weight", 0.0)
    name = out.get("gan_loss")
    preset_loss = preset["model_config"].get("gan_loss")
    if name is not None:
        loss = {"name": name}
        if isinstance(preset_loss, dict) and _preset_loss(preset)[0] == name:
            loss = dict(preset_loss)  # keep its other arguments
        loss["r1_weight"] = r1
        out["gan_loss"] = loss if r1 or len(loss) > 2 else name
    return out


def loader_options(config):
    """The `keras_gans.data` loader arguments of a run on image data:
    `preprocess`, `load_size`, `flip` (empty for older runs, which used the
    loaders' defaults)."""
    if config.get("preprocess") is None:
        return {}
    options = {"preprocess": config["preprocess"], "flip": config["flip"]}
    if config["preprocess"] in VARIABLE_SIZE_MODES:
        if config["preprocess"] == "scale_width":
            options["load_size"] = config["load_size"]
        options["image_size"] = None
    elif config.get("load_size") is not None:
        options["load_size"] = config["load_size"]
    return options


def generator_shape(preset, generator_config):
    """The `networks.NetworkShape` of the preset's generator with
    `generator_config` overrides (the registry's facts, nothing built)."""
    gen = {**preset["generator"]["config"], **(generator_config or {})}
    return networks.get_network_info(preset["generator"]["name"]).shape(**gen)


def generator_stride(preset, generator_config):
    """The stride of the preset's generator with `generator_config` overrides."""
    gen = {**preset["generator"]["config"], **(generator_config or {})}
    channels = tuple(gen.get("input_shape") or (None, None, 3))[-1]
    gen["input_shape"] = (None, None, channels)
    return generator_shape(preset, gen).stride


def check_channels(config, preset):
    """Raise a `ValueError` naming the flags when a run's `input_nc` /
    `output_nc` cannot work with its model, data and settings.

    Image channels are for image-to-image runs on image data. A CycleGAN
    whose domains differ in channels has no identity loss (`G(b)` would feed
    B's channels to the A -> B generator; the official code refuses it as
    well), no residual generator output and no pretrained generator; FID /
    KID during training need RGB.

    Example:

    ```python
    from keras_gans import presets
    from keras_gans.runs.settings import check_channels

    config = {"model": "pix2pix", "input_nc": 1, "output_nc": 3,
              "data": {"kind": "aligned"}, "generator_config": {}}
    check_channels(config, presets.get("pix2pix_paper"))  # fine: no error
    ```
    """
    c_in, c_out = config.get("input_nc", 3), config.get("output_nc", 3)
    for key, value in (("input_nc", c_in), ("output_nc", c_out)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{flag(key)} must be an integer >= 1: {value!r}")
    if (c_in, c_out) == (3, 3):
        return
    nc_flags = f"--input-nc {c_in} --output-nc {c_out}"
    if config["model"] == "dcgan":
        raise ValueError(f"{nc_flags}: channels are for cyclegan and pix2pix")
    if config["data"]["kind"] == "demo":
        raise ValueError(
            f"{nc_flags}: the built-in demo set is RGB; give image data (--data ...)"
        )
    if config.get("eval_data") is not None:
        raise ValueError(f"{nc_flags}: --eval-data (FID / KID) needs RGB images")
    if c_in == c_out:
        return
    name = preset["generator"]["name"]
    gen = {
        **networks.get_network_info(name)["config"],
        **preset["generator"]["config"],
        **(config.get("generator_config") or {}),
    }
    if gen.get("output_mode") == "residual":
        raise ValueError(
            f"{nc_flags}: the {name!r} generator of "
            f"preset {config['preset']!r} adds its output to its input "
            "(output_mode residual), which needs equal channels; add "
            '--generator-config \'{"output_mode": "tanh"}\' or another preset'
        )
    if config["model"] == "cyclegan":
        _check_cyclegan_channels(config, nc_flags)


def _check_cyclegan_channels(config, nc_flags):
    """Identity loss and a pretrained generator need equal channels."""
    scheduled = [
        w.get("identity", 0) for w in config["schedule"]["loss_weights"].values()
    ]
    if any(w > 0 for w in scheduled):
        raise ValueError(
            f"{nc_flags}: the identity loss compares G(b) with b, so it needs "
            f"equal channels; preset {config['preset']!r} schedules an identity "
            "weight: use another preset (e.g. cyclegan_paper)"
        )
    if config.get("lambda_identity", 0) > 0:
        raise ValueError(
            f"{nc_flags}: the identity loss compares G(b) with b, so it needs "
            "equal channels (as in the official code); add --lambda-identity 0"
        )
    if config.get("pretrained_generator"):
        raise ValueError(
            f"{nc_flags}: --pretrained-generator starts both generators from one "
            "network, which needs equal channels"
        )


def resolve_evaluation(kind, get):
    """The evaluation settings of a new run, checked: `eval_every`,
    `eval_data` (an absolute folder) and `eval_weights` (`"imagenet"`,
    `"none"` or an absolute `.h5` path), all None without `--eval-data`.

    Example:

    ```python
    from keras_gans.runs.settings import resolve_evaluation

    resolve_evaluation("dcgan", {}.get)
    # {'eval_every': None, 'eval_data': None, 'eval_weights': None}
    ```
    """
    every, folder, weights = (get(k) for k in EVAL_KEYS)
    if folder is None:
        pairs = (("eval_every", every), ("eval_weights", weights))
        given = [flag(k) for k, v in pairs if v is not None]
        if given:
            raise ValueError(f"{', '.join(given)} needs --eval-data DIR")
        return dict.fromkeys(EVAL_KEYS)
    if every is None:
        every = 1
    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        raise ValueError(f"--eval-every must be an integer >= 1. Received: {every!r}")
    if not os.path.isdir(folder):
        raise ValueError(f"--eval-data: folder not found: {folder!r}")
    if kind != "dcgan":
        missing = [
            d for d in ("testA", "testB") if not os.path.isdir(os.path.join(folder, d))
        ]
        if missing:
            raise ValueError(
                f"--eval-data: {folder!r} has no {' or '.join(missing)} folder "
                f"(a {kind} run translates testA to testB)"
            )
    weights = "imagenet" if weights is None else weights
    if weights not in ("imagenet", "none"):
        if not os.path.isfile(weights):
            raise ValueError(f"--eval-weights: file not found: {weights!r}")
        weights = os.path.abspath(weights)
    return {
        "eval_every": every,
        "eval_data": os.path.abspath(folder),
        "eval_weights": weights,
    }
