"""The run folder: where a run goes, what it leaves, loading from it."""

import datetime
import json
import os

import keras

from keras_gans import training
from keras_gans.runs.build import one_line
from keras_gans.runs.config import (  # noqa: F401 - save_model: re-exported
    FIXED,
    RESUMABLE,
    RunError,
    get_setting,
    resolve_config,
    resume_config,
    save_model,
)

CONFIG_FILE = "config.json"
FINAL_MODEL = "model.keras"
PRETRAINED_GENERATOR = "generator.keras"


def _read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def new_run_dir(config, output=None, prefix=None):
    """The absolute folder of a new run: `output`, or a fresh
    `runs/<model>-<preset>[-demo]-<time>` (`runs/<prefix>-<preset>-<time>`
    with a `prefix`). A folder that already holds checkpoints is refused.

    Example:

    ```python
    from keras_gans import runs

    config = runs.RunConfig.from_preset("dcgan")
    runs.new_run_dir(config)  # '/.../runs/dcgan-dcgan_cspup_shapes_demo-demo-...'
    ```
    """
    if output:
        run_dir = output
    else:
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        suffix = "-demo" if config["data"]["kind"] == "demo" and not prefix else ""
        name = f"{prefix or config['model']}-{config['preset']}{suffix}-{stamp}"
        run_dir = os.path.join("runs", name)
    run_dir = os.path.abspath(run_dir)
    checkpoints = os.path.join(run_dir, "checkpoints")
    if os.path.isdir(checkpoints) and os.listdir(checkpoints):
        raise RunError(
            f"{run_dir!r} already holds a run: add --resume to continue it, or "
            "give a new --output."
        )
    return run_dir


def prepare(kind, data=None, overrides=None, *, output=None, resume=False):
    """The folder and the config of a new run, or of the run to resume.

    Args:
        kind: str. `"cyclegan"`, `"dcgan"` or `"pix2pix"`.
        data: dict or None. A data spec (`data_spec`); `None`: the demo data
            (or, on resume, the run's own).
        overrides: dict, `argparse.Namespace` or None. Run settings (see
            `resolve_config`); on resume only `RESUMABLE` ones may differ
            from the run's.
        output: str or None. The run folder. Defaults to `None`: a new one
            under `runs/` (on resume: the newest run of `kind` there).
        resume: bool. Continue the run in `output`. Defaults to `False`.

    Returns:
        `(run_dir, config)`: an absolute path and a `RunConfig`.

    Example:

    ```python
    from keras_gans import runs

    run_dir, config = runs.prepare("dcgan", overrides={"epochs": 2})
    ```
    """
    overrides = overrides if overrides is not None else {}
    if not resume:
        config = resolve_config(kind, data, overrides)
        return new_run_dir(config, output), config
    run_dir = os.path.abspath(output or newest_run(kind))
    config = resume_config(
        kind,
        run_dir,
        data=data,
        fixed={k: get_setting(overrides, k) for k in FIXED},
        changes={k: get_setting(overrides, k) for k in RESUMABLE},
    )
    return run_dir, config


def newest_run(kind, root="runs"):
    """The newest folder under runs/ holding a run of `kind`."""
    candidates = []
    if os.path.isdir(root):
        for name in os.listdir(root):
            path = os.path.join(root, name, CONFIG_FILE)
            if os.path.isfile(path):
                try:
                    if _read_json(path).get("model") == kind:
                        candidates.append((os.path.getmtime(path), name))
                except (OSError, ValueError):
                    continue
    if not candidates:
        raise RunError(
            f"--resume: no {kind} run under {os.path.abspath(root)!r}; give the "
            "run folder with --output."
        )
    return os.path.join(root, max(candidates)[1])


def announce(config, run_dir, resume):
    """Print one line: what is trained on what, where."""
    data = config["data"]
    demo = {
        "cyclegan": "glyphs: DejaVu Sans -> Serif",
        "dcgan": "shapes",
        "pix2pix": "paired glyphs: DejaVu Sans -> bold",
    }[config["model"]]
    source = {
        "demo": f"the built-in demo set ({demo})",
        "folders": data.get("data"),
        "folder": data.get("data"),
        "aligned": data.get("data"),
        "pairs": f"{data.get('data_a')} + {data.get('data_b')}",
        "domains": f"{data.get('data_a')} <-> {data.get('data_b')}",
        "tfrecords": "TFRecords",
    }[data["kind"]]
    if "direction" in config:
        source += f" ({config['direction']})"
    print(
        f"{'Resuming' if resume else 'Training'} {config['model']} preset "
        f"{config['preset']!r} on {source}: {config['image_size']}x"
        f"{config['image_size']}, batch {config['batch_size']}, "
        f"{config['epochs']} epochs -> {run_dir}"
    )


def load_model(path):
    """Load a model for inference from a run folder or a `.keras` file.

    A run folder gives its final `model.keras`, or, for a run that has not
    finished, its newest complete checkpoint.

    Args:
        path: str. A run folder or a `.keras` file (a CycleGAN, a DCGAN or a
            bare generator, e.g. from `keras-gans convert`).

    Returns:
        The loaded `keras.Model`.

    Example:

    ```python
    import os
    import tempfile
    from keras_gans import networks, runs

    path = os.path.join(tempfile.mkdtemp(), "generator.keras")
    networks.create("resnet_6blocks", ngf=8).save(path)
    generator = runs.load_model(path)
    ```
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise RunError(f"model not found: {path!r}")
    if os.path.isdir(path):
        final = os.path.join(path, FINAL_MODEL)
        if os.path.isfile(final):
            path = final
        else:
            try:
                return training.load_checkpoint(path)
            except (OSError, ValueError) as e:
                raise RunError(
                    f"{path!r} holds neither {FINAL_MODEL} nor a complete "
                    f"checkpoint ({one_line(e)})"
                ) from e
    if not path.endswith(".keras"):
        raise RunError(f"not a .keras model file: {path!r}")
    try:
        return keras.saving.load_model(path, compile=False)
    except Exception as e:  # noqa: BLE001 - keras raises many kinds here
        raise RunError(f"cannot load model {path!r}: {one_line(e)}") from e


def generator_of(model, direction, command):
    """The image-to-image generator of `model` for `direction`.

    A CycleGAN's G (`"ab"`) or F (`"ba"`), a Pix2Pix's generator (`"ab"`
    only), with the EMA weights when the model keeps them; a bare generator
    is itself.

    Args:
        model: a `keras_gans.CycleGAN`, a `keras_gans.Pix2Pix` or a
            `keras.Model` mapping images to images.
        direction: str. `"ab"` or `"ba"`.
        command: str. The caller, named in the error (e.g. `"translate"`).

    Returns:
        A `keras.Model`.

    Example:

    ```python
    import keras_gans
    from keras_gans import runs

    model = keras_gans.CycleGAN.from_preset(
        "cyclegan_fast", generator={"ngf": 4}, discriminator={"ndf": 4}
    )
    g = runs.generator_of(model, "ba", "translate")
    print(g is model.inference_generator("ba"))  # True
    ```
    """
    if hasattr(model, "inference_generator") and not hasattr(model, "generate"):
        if not hasattr(model, "generator_ab") and direction != "ab":
            raise RunError(
                f"{command}: a {model.__class__.__name__} translates A -> B only; "
                f"use --direction ab (got {direction!r})"
            )
        if hasattr(model, "generator_ab"):
            return model.inference_generator(direction)  # EMA weights when kept
        return model.inference_generator()
    if hasattr(model, "generate") or not isinstance(model, keras.Model):
        raise RunError(
            f"{command} needs a CycleGAN, a Pix2Pix or an image-to-image generator; "
            f"this is a {model.__class__.__name__} (use `keras-gans sample` for a "
            "DCGAN)"
        )
    shape = model.input_shape
    if not (isinstance(shape, tuple) and len(shape) == 4):
        raise RunError(
            f"{command} needs an image-to-image generator; {model.name!r} takes "
            f"inputs of shape {shape}"
        )
    return model


def run_image_size(path):
    """The `image_size` of the run holding `path` (a run folder or a file in
    one), or None."""
    folder = path if os.path.isdir(path) else os.path.dirname(path)
    config = os.path.join(folder, CONFIG_FILE)
    if os.path.isfile(config):
        try:
            return int(_read_json(config)["image_size"])
        except (KeyError, TypeError, ValueError, OSError):
            return None
    return None
