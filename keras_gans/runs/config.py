"""`RunConfig`: a preset plus overrides, as the plain JSON of a run folder."""

import json
import os

from keras_gans import networks, presets
from keras_gans.runs.settings import (
    EVAL_KEYS,
    SETTINGS,
    check_applicable,
    check_channels,
    flag,
    resolve_evaluation,
    resolve_settings,
)

#: The preset a run uses when none is given.
DEFAULT_PRESETS = {
    "cyclegan": "residualgan_monet",
    "dcgan": "dcgan_cspup_celeba",
    "pix2pix": "pix2pix_paper",
}

#: The preset a run on the built-in demo data uses when none is given (else
#: `DEFAULT_PRESETS`): the paper's and the seeds' settings learn too little
#: in a CPU demo's ~1000 steps (docs/quality.md; seed 004's DCGAN collapses,
#: docs/dcgan.md).
DEMO_PRESETS = {
    "cyclegan": "cyclegan_fast",
    "dcgan": "dcgan_cspup_shapes_demo",
    "pix2pix": "pix2pix_demo",
}

#: `cyclegan_fast`'s training aids as run overrides (docs/quality.md): a
#: generator that starts as the identity, EMA generators, no identity loss.
#: The examples' `--demo` adds them to a seed's paper preset, whose own
#: settings do worse than returning the input at a CPU demo's budget;
#: `--paper-settings` leaves them out.
_FAST = presets.PRESETS["cyclegan_fast"]
DEMO_AIDS = {
    "generator_config": {"output_mode": _FAST["generator"]["config"]["output_mode"]},
    "lambda_identity": _FAST["model_config"]["lambda_identity"],
    "ema_decay": _FAST["model_config"]["ema_decay"],
}

#: What a run on the built-in demo data (no data given) changes: small
#: images and narrow networks, so that the default `keras-gans train
#: cyclegan` finishes in a few minutes on 2 CPU cores. Each value is only a
#: default: an explicit override (`--image-size`, `ngf=`, ...) wins.
DEMO_SETTINGS = {
    "cyclegan": {  # cyclegan_fast's own widths
        "image_size": 32,
        "batch_size": 4,
        "epochs": 8,
        "samples": 8,
    },
    "dcgan": {  # the settings of the demo preset, also for preset `cspup`
        "image_size": 32,
        "batch_size": 16,
        "epochs": 8,
        "ngf": 16,
        "ndf": 16,
        "samples": 64,
    },
    "pix2pix": {  # the demo preset's own settings (datasets.paired_glyphs)
        "image_size": 32,
        "batch_size": 4,
        "epochs": 10,
        "samples": 8,
    },
}

#: The model class of each `keras-gans train` model.
MODEL_CLASSES = {"cyclegan": "CycleGAN", "dcgan": "DCGAN", "pix2pix": "Pix2Pix"}

MODELS = tuple(MODEL_CLASSES)

#: The settings a run's config.json may lack (written by an earlier version).
RESUME_DEFAULTS = {
    "deterministic": False,
    "eval_data": None,
    "eval_every": None,
    "eval_weights": None,
    "image_key": "image",
    "input_nc": 3,
    "keep": 3,
    "on_nan": "stop",
    "output_nc": 3,
    "save_every_steps": 500,
    "steps_per_epoch": None,
}

#: The settings a resumed run may change; every other one is the run's own.
RESUMABLE = ("epochs", "steps_per_epoch", "save_every_steps", "keep", "on_nan")

#: The overrides that fix what a run computes (a resumed run refuses them).
FIXED = (
    "preset",
    "image_size",
    "batch_size",
    "ngf",
    "ndf",
    "generator_config",
    "discriminator_config",
    "samples",
    "seed",
    "precision",
    "deterministic",
    "image_key",
    "direction",
    "input_nc",
    "output_nc",
) + SETTINGS  # the loss, model and preprocessing settings (runs.settings)
FIXED += EVAL_KEYS  # FID / KID during training; the best checkpoint

_OVERRIDES = FIXED + RESUMABLE + ("pretrained_generator",)


class RunError(ValueError):
    """A run setting that cannot work (an unknown preset, a bad size, a
    missing folder): the message names the setting and the value.

    Example:

    ```python
    from keras_gans import runs

    try:
        runs.RunConfig.from_preset("cyclegan", "nope")
    except runs.RunError as e:
        print(e)  # unknown preset 'nope'; valid presets: ...
    ```
    """


class SettingError(RunError):
    """A setting or a combination of settings that cannot work (a crop
    larger than the load size, a negative weight, a flag that the model does
    not take): `keras-gans` reports it as a usage error, before any work.

    Example:

    ```python
    from keras_gans import runs

    try:
        runs.RunConfig.from_preset("dcgan", pool_size=10)
    except runs.config.SettingError as e:
        print(e)  # --pool-size does not apply to dcgan (its model flags: ...)
    ```
    """


class RunConfig(dict):
    """The full settings of a run: a dict of plain JSON data.

    Built from a preset plus overrides (`from_preset`), written to and read
    from the run folder's `config.json` (`to_json` / `from_json`, which is
    what a resumed run restores). Keys: `model`, `preset`, `data`,
    `image_size`, `batch_size`, `epochs`, `steps_per_epoch`, `ngf`, `ndf`,
    `generator_config`, `discriminator_config`, `samples`, `seed`,
    `precision`, `deterministic`, `image_key`, `save_every_steps`, `keep`,
    `on_nan`, `pretrained_generator`, `eval_every`, `eval_data`,
    `eval_weights`, `input_nc` and `output_nc` (the channels of the
    generator's input and output: of domains A and B for a CycleGAN, of
    input and target for a Pix2Pix; 3 for DCGAN), `schedule` (the preset's,
    scaled to `epochs`), for pix2pix `direction` (`"AtoB"` or `"BtoA"`), the model
    settings of `runs.settings.MODEL_KEYS` (e.g. `lambda_cycle`, `gan_loss`,
    `r1_weight`) and, on image data, `preprocess`, `load_size` and `flip`.
    Keys read as attributes too (`config.image_size`).

    Example:

    ```python
    import os
    import tempfile
    from keras_gans.runs import RunConfig

    config = RunConfig.from_preset("cyclegan", image_size=16, epochs=2)
    config["preset"], config.image_size  # ('cyclegan_fast', 16): the demo's
    path = os.path.join(tempfile.mkdtemp(), "config.json")
    config.to_json(path)
    assert RunConfig.from_json(path) == config
    ```
    """

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    @classmethod
    def from_preset(cls, model, preset=None, *, data=None, **overrides):
        """A new run's config: `resolve_config(model, data, overrides)`.

        Args:
            model: str. `"cyclegan"`, `"dcgan"` or `"pix2pix"`.
            preset: str or None. A preset name or alias. Defaults to `None`
                (`DEMO_PRESETS` on the demo data, else `DEFAULT_PRESETS`).
            data: dict or None. A data spec (see `data_spec`). Defaults to
                `None`: the built-in demo data.
            **overrides: any of `image_size`, `batch_size`, `epochs`, ...
        """
        return resolve_config(model, data, {**overrides, "preset": preset})

    @classmethod
    def from_json(cls, path):
        """The config of a run folder's `config.json` (old ones completed)."""
        with open(path, encoding="utf-8") as f:
            return cls({**RESUME_DEFAULTS, **json.load(f)})

    def to_json(self, path):
        """Write the config to `path` atomically (a temporary file, renamed)."""
        write_json(path, dict(self))


def write_json(path, obj):
    """`obj` as indented JSON at `path`, written atomically."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, ".tmp-" + os.path.basename(path))
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, default=list)
        f.write("\n")
    os.replace(tmp, path)


def save_model(model, path):
    """`model.save(path)` through a temporary file (never half a file); the
    folder is made as needed."""
    directory, name = os.path.split(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, ".tmp-" + name)
    model.save(tmp)
    os.replace(tmp, path)


def describe_presets(names):
    """The `keras-gans presets` listing of `names`: per preset, a line with
    its name, model class, description and aliases, and one with its source.

    Example:

    ```python
    from keras_gans import presets
    from keras_gans.runs.config import describe_presets

    print(describe_presets(presets.list_presets("Pix2Pix")))
    ```
    """
    aliases = {}
    for alias, target in presets.ALIASES.items():
        aliases.setdefault(target, []).append(alias)
    width = max(len(n) for n in names)
    lines = []
    for name in names:
        p = presets.get(name)
        also = f" (also: {', '.join(aliases[name])})" if name in aliases else ""
        lines.append(f"{name:<{width}}  {p['model']:<8}  {p['description']}{also}")
        lines.append(f"{'':<{width}}  {'':<8}  source: {p['source']}")
    return "\n".join(lines)


def get_setting(overrides, name):
    """`overrides[name]` of a dict, or the attribute of a namespace (None if unset)."""
    if isinstance(overrides, dict):
        return overrides.get(name)
    return getattr(overrides, name, None)


def _preset(kind, name, demo):
    """The checked preset name and its data for a `kind` run."""
    if kind not in MODELS:
        raise RunError(f"model must be one of {MODELS}. Received: {kind!r}")
    if name is None:
        name = DEMO_PRESETS[kind] if demo else DEFAULT_PRESETS[kind]
    name = presets.ALIASES.get(name, name)
    if name not in presets.PRESETS:
        raise RunError(
            f"unknown preset {name!r}; valid presets: "
            f"{', '.join(presets.list_presets())}"
        )
    preset = presets.get(name)
    model_class = MODEL_CLASSES[kind]
    if preset["model"] != model_class:
        raise RunError(
            f"preset {name!r} is a {preset['model']} preset, not {kind}; "
            f"{kind} presets: {', '.join(presets.list_presets(model_class))}"
        )
    return name, preset


def resolve_config(kind, data_spec, overrides):
    """The full, JSON-able settings of a new run.

    Precedence: an override, then the demo settings (on the built-in demo
    data), then the preset.

    Args:
        kind: str. `"cyclegan"`, `"dcgan"` or `"pix2pix"`.
        data_spec: dict or None. The data (see `data_spec`); `None` for the
            built-in demo data.
        overrides: dict or `argparse.Namespace`. Settings to override
            (`preset`, `image_size`, `epochs`, ...; `None` values are unset).

    Returns:
        A `RunConfig`, as written to the run's `config.json`.

    Example:

    ```python
    from keras_gans import runs

    config = runs.resolve_config("cyclegan", None, {"epochs": 2})  # demo data
    config["preset"], config["image_size"]  # ('cyclegan_fast', 32)
    ```
    """
    unknown = (
        sorted(set(overrides) - set(_OVERRIDES)) if isinstance(overrides, dict) else []
    )
    if unknown:
        raise RunError(f"unknown run setting(s) {unknown}; valid: {sorted(_OVERRIDES)}")
    demo = data_spec is None
    preset_name, preset = _preset(kind, get_setting(overrides, "preset"), demo)
    defaults = DEMO_SETTINGS[kind] if demo else {}

    def pick(name, preset_value=None, default=None):
        value = get_setting(overrides, name)
        if value is not None:
            return value
        value = defaults.get(name, preset_value)
        return default if value is None else value

    epochs = pick("epochs", preset["epochs"])
    config = RunConfig(
        model=kind,
        preset=preset_name,
        data={"kind": "demo"} if demo else data_spec,
        image_size=pick("image_size", preset["image_size"]),
        batch_size=pick("batch_size", preset["batch_size"]),
        epochs=epochs,
        steps_per_epoch=get_setting(overrides, "steps_per_epoch"),
        ngf=pick("ngf"),
        ndf=pick("ndf"),
        generator_config=pick("generator_config", default={}),
        discriminator_config=pick("discriminator_config", default={}),
        samples=pick("samples", default=64 if kind == "dcgan" else 8),
        seed=pick("seed", default=0),
        precision=pick("precision", default="float32"),
        deterministic=bool(get_setting(overrides, "deterministic")),
        image_key=pick("image_key", default="image"),
        input_nc=pick("input_nc", default=3),
        output_nc=pick("output_nc", default=3),
        save_every_steps=pick("save_every_steps", default=500),
        keep=pick("keep", default=3),
        on_nan=pick("on_nan", default="stop"),
        pretrained_generator=pretrained_path(
            kind, get_setting(overrides, "pretrained_generator")
        ),
        schedule=scaled_schedule(preset, epochs),
    )
    _set_direction(config, preset, get_setting(overrides, "direction"))
    _add_settings(config, preset, overrides)
    try:
        check_channels(config, preset)
    except ValueError as e:
        raise SettingError(str(e)) from None
    _check_overrides(config, preset)
    _check_image_size(config, preset)
    return config


def _set_direction(config, preset, direction):
    """A pix2pix run's `direction` (`AtoB` / `BtoA`): given, else the preset's
    (the demo's own `AtoB` on the built-in demo data)."""
    if config["model"] != "pix2pix":
        if direction is not None:
            raise RunError(f"--direction is for pix2pix, not {config['model']}")
        return
    if direction is None and config["data"]["kind"] != "demo":
        direction = preset.get("data", {}).get("direction")
    direction = direction or "AtoB"
    if direction not in ("AtoB", "BtoA"):
        raise RunError(f"--direction must be AtoB or BtoA. Received: {direction!r}")
    config["direction"] = direction


def _add_settings(config, preset, overrides):
    """The loss, model, preprocessing and evaluation settings (`runs.settings`)."""

    def get(key):
        return get_setting(overrides, key)

    try:
        settings = resolve_settings(
            config["model"],
            preset,
            get,
            demo=config["data"]["kind"] == "demo",
            image_size=config["image_size"],
        )
        settings.update(resolve_evaluation(config["model"], get))
    except ValueError as e:
        raise SettingError(str(e)) from None
    config.update(settings)


def resume_config(kind, run_dir, *, data=None, fixed=None, changes=None):
    """The config of the run in `run_dir`, for `kind`, with `changes`.

    Args:
        kind: str. `"cyclegan"` or `"dcgan"`: the run must be one.
        run_dir: str. The run folder.
        data: dict or None. A data spec that must equal the run's, if given.
        fixed: dict or None. Settings of `FIXED` that must equal the run's.
        changes: dict or None. New values of `RESUMABLE` settings (`None`
            values are ignored).

    Returns:
        A `RunConfig`.
    """
    config_path = os.path.join(run_dir, "config.json")
    if not os.path.isfile(config_path):
        raise RunError(
            f"--resume: {run_dir!r} is not a run folder (no config.json); "
            "give the --output of the run to continue."
        )
    config = RunConfig.from_json(config_path)
    fixed = {k: v for k, v in (fixed or {}).items() if v is not None}
    if "preset" in fixed:
        fixed["preset"] = presets.ALIASES.get(fixed["preset"], fixed["preset"])
    if config.get("model") != kind:
        raise RunError(
            f"--resume: {run_dir!r} is a {config.get('model')} run, not {kind}."
        )
    try:
        check_applicable(kind, fixed.get)
    except ValueError as e:
        raise SettingError(str(e)) from None
    for key in ("eval_data", "eval_weights"):  # stored as absolute paths
        if fixed.get(key) not in (None, "imagenet", "none"):
            fixed[key] = os.path.abspath(fixed[key])
    if "crop_size" in fixed:  # the run's image_size
        fixed.setdefault("image_size", fixed.pop("crop_size"))
    changed = sorted(k for k, v in fixed.items() if _jsonable(v) != config.get(k))
    if data is not None and data != config["data"]:
        changed.append("data")
    if changed:
        flags = [flag(c) for c in changed]
        raise RunError(
            f"--resume continues {run_dir!r} with its own settings; these "
            f"differ from it: {', '.join(flags)}"
            " (only --epochs, --steps-per-epoch, --save-every-steps, --keep and "
            "--on-nan may change)"
        )
    for key, value in (changes or {}).items():
        if key not in RESUMABLE:
            raise RunError(f"a resumed run cannot change {key!r}; only {RESUMABLE}")
        if value is not None:
            config[key] = value
    return config


def _jsonable(value):
    return json.loads(json.dumps(value))


def pretrained_path(kind, path):
    """A pretrained generator file as an absolute path (checked), or None."""
    if path is None:
        return None
    if kind != "cyclegan":
        raise RunError("--pretrained-generator is for cyclegan (its generators)")
    if not os.path.isfile(path):
        raise RunError(f"--pretrained-generator: file not found: {path!r}")
    return os.path.abspath(path)


def _check_overrides(config, preset):
    """Unknown network arguments fail here, before anything is built."""
    for role, option in (
        ("generator", "--generator-config"),
        ("discriminator", "--discriminator-config"),
    ):
        name = preset[role]["name"]
        valid = set(networks.get_network_info(name)["config"])
        unknown = sorted(set(config[f"{role}_config"]) - valid)
        if unknown:
            raise RunError(
                f"{option}: Unknown argument(s) {unknown} for network {name!r}. "
                f"Valid arguments: {sorted(valid)}"
            )


def scaled_schedule(preset, epochs):
    """The preset's schedule with its epochs scaled to a run of `epochs` epochs.

    A preset states its schedule for its own length (seed 000 switches the
    loss weights half-way through 100 epochs, the paper decays the rate over
    the second half of 200); a shorter or longer run keeps the proportions.

    Args:
        preset: dict. A preset (`keras_gans.presets.get(name)`).
        epochs: int. The run's total epochs.

    Returns:
        A dict `{"loss_weights": {epoch: weights}, "decay_start_epoch",
        "decay_end_epoch"}` with str epoch keys (JSON).

    Example:

    ```python
    from keras_gans import presets, runs

    runs.scaled_schedule(presets.get("residualgan_monet"), 4)["loss_weights"]
    # {'2': {'identity': 0.5, 'gan': 1.5, 'cycle': 12.0}}
    ```
    """
    schedule = preset["schedule"]
    factor = epochs / float(preset["epochs"])

    def scale(epoch):
        # A change that comes after some training keeps at least one epoch
        # before it.
        return 0 if epoch == 0 else max(1, int(epoch * factor + 0.5))

    weights = {
        str(scale(int(e))): dict(w) for e, w in schedule.get("loss_weights", {}).items()
    }
    start, end = schedule.get("decay_start_epoch"), schedule.get("decay_end_epoch")
    if start is not None:
        start = scale(start)
        end = max(int(end * factor + 0.5), start + 1)
    return {"loss_weights": weights, "decay_start_epoch": start, "decay_end_epoch": end}


def _check_image_size(config, preset):
    size = config["image_size"]
    if config["model"] == "dcgan":
        if size < 8 or size & (size - 1):
            raise RunError(
                "--image-size must be a power of two >= 8 for a DCGAN (each CSPup "
                f"block doubles the size). Received: {size}"
            )
        return
    gen = {**preset["generator"]["config"], **config["generator_config"]}
    # The stride at any size (the registry's shape facts, nothing built): a
    # preset's fixed `input_shape` follows the run's image size.
    gen["input_shape"] = (None, None, config.get("input_nc", 3))
    gen["out_channels"] = config.get("output_nc", 3)
    info = networks.get_network_info(preset["generator"]["name"])
    shape = info.shape(**gen)
    stride = shape.stride
    # A U-Net's bottleneck is 1x1 at its minimum size (pix2pix's, and
    # cyclegan_fast_unet's); a ResNet generator wants room for its blocks.
    unet = preset["generator"]["name"].startswith("unet")
    minimum = shape.min_size if unet or config["model"] == "pix2pix" else 4 * stride
    if size % stride or size < minimum:
        raise RunError(
            f"--image-size must be a multiple of {stride} and at least {minimum} "
            f"for preset {config['preset']!r}. Received: {size}"
        )
