"""What a run builds from its config: the model and the callbacks."""

import math
import os

import keras
import numpy as np

from keras_gans import networks, presets
from keras_gans.callbacks import (
    EventFileLogger,
    LinearDecay,
    LossWeightScheduler,
    ResumableLossPlotter,
    SampleDiversity,
    SampleGridLogger,
)
from keras_gans.models import DCGAN, CycleGAN, Pix2Pix
from keras_gans.runs.best import evaluation_callbacks
from keras_gans.runs.config import RunError
from keras_gans.runs.data import demo_grid_chars, demo_pairs, sample_images
from keras_gans.runs.settings import model_overrides


def one_line(error):
    """An exception as one line: its message, newlines folded, bounded."""
    message = str(error).strip() or error.__class__.__name__
    if isinstance(error, KeyError):
        message = f"KeyError: {message}"
    if not isinstance(error, OSError | ValueError | ImportError):
        message = f"{error.__class__.__name__}: {message}"
    message = " ".join(message.split())
    return message if len(message) <= 600 else message[:597] + "..."


def network_overrides(config):
    """`(generator, discriminator)` config overrides from a run config.

    Args:
        config: dict. A run config (`keras_gans.runs.RunConfig`).

    Returns:
        A pair of dicts for `from_preset(generator=..., discriminator=...)`.

    Example:

    ```python
    from keras_gans import runs

    runs.network_overrides(runs.RunConfig.from_preset("dcgan", image_size=16))
    # ({'filters': (32, 16)}, {'ndf': 16})
    ```
    """
    preset = presets.get(config["preset"])
    size = config["image_size"]
    gen, disc = {}, {}
    if config["model"] == "dcgan":
        n = int(math.log2(size)) - 2
        base = preset["generator"]["config"].get("filters", (512, 256, 128, 64))
        ngf = config["ngf"] or base[-1]
        gen["filters"] = tuple(ngf * 2 ** (n - 1 - i) for i in range(n))
    else:
        if config["ngf"]:
            gen["ngf"] = config["ngf"]
        c_in, c_out = config.get("input_nc", 3), config.get("output_nc", 3)
        fixed = "input_shape" in preset["generator"]["config"]
        if fixed or (c_in, c_out) != (3, 3):
            gen["input_shape"] = (size, size, c_in) if fixed else (None, None, c_in)
        if (c_in, c_out) != (3, 3):
            gen["out_channels"] = c_out
            if config["model"] == "cyclegan":  # D_A's; D_B's: `_cyclegan_networks`
                disc["input_shape"] = (None, None, c_in)
    if config["ndf"]:
        disc["ndf"] = config["ndf"]
    gen.update(config.get("generator_config") or {})
    disc.update(config.get("discriminator_config") or {})
    for overrides in (gen, disc):
        for key in ("input_shape", "filters", "features"):
            if isinstance(overrides.get(key), list):
                overrides[key] = tuple(overrides[key])
    return gen, disc


def build_model(config):
    """A compiled CycleGAN, DCGAN or Pix2Pix for a run config.

    Args:
        config: dict. A run config (`keras_gans.runs.RunConfig`).

    Returns:
        A compiled `keras_gans.CycleGAN`, `keras_gans.DCGAN` or
        `keras_gans.Pix2Pix`.

    Example:

    ```python
    from keras_gans import runs

    config = runs.RunConfig.from_preset("cyclegan", ngf=8, ndf=8)
    model = runs.build_model(config)  # cyclegan_fast, 8 filters
    ```
    """
    gen, disc = network_overrides(config)
    cls = {"cyclegan": CycleGAN, "dcgan": DCGAN, "pix2pix": Pix2Pix}[config["model"]]
    extra = model_overrides(config, presets.get(config["preset"]))
    if config.get("pretrained_generator"):
        extra["pretrained_generator"] = config["pretrained_generator"]
    try:
        if config["model"] == "cyclegan" and _domains_differ(config):
            model = _cyclegan_across_channels(config, gen, disc, extra)
        else:
            model = cls.from_preset(
                config["preset"],
                generator=gen,
                discriminator=disc,
                seed=config["seed"],
                precision=config["precision"],
                **extra,
            )
    except (ValueError, TypeError) as e:
        raise RunError(
            f"cannot build preset {config['preset']!r}: {one_line(e)}"
        ) from e
    if config["model"] != "dcgan":
        _check_networks_fit(model, config)
    return model


def _domains_differ(config):
    return config.get("input_nc", 3) != config.get("output_nc", 3)


def _cyclegan_across_channels(config, gen, disc, extra):
    """A CycleGAN whose domains differ in channels: `from_preset` gives both
    generators (and both discriminators) one config, so the four networks
    are built here, G: A -> B, F: B -> A, D_A on A's channels, D_B on B's."""
    name = config["preset"]
    preset = presets.get(name)
    c_a, c_b = config["input_nc"], config["output_nc"]
    shape = gen["input_shape"][:2]
    roles = (
        ("generator", {**gen, "input_shape": (*shape, c_a), "out_channels": c_b}),
        ("generator", {**gen, "input_shape": (*shape, c_b), "out_channels": c_a}),
        ("discriminator", {**disc, "input_shape": (None, None, c_a)}),
        ("discriminator", {**disc, "input_shape": (None, None, c_b)}),
    )
    nets = [
        networks.create(
            preset[role]["name"],
            **{**preset[role]["config"], **overrides, "dtype": config["precision"]},
        )
        for role, overrides in roles
    ]
    model_config = {**preset["model_config"], **extra, "seed": config["seed"]}
    model = CycleGAN(*nets, **model_config)
    model.compile(**CycleGAN.preset_optimizers(name))
    return model


def _check_networks_fit(model, config):
    """Fail early (one line) when the image size is too small for a network."""
    size = config["image_size"]
    if config["model"] == "pix2pix":  # D sees the (input, output) pair
        nets = (model.generator, model.discriminator)
    else:
        nets = (model.generator_ab, model.discriminator_a)
    for net in nets:
        channels = net.input_shape[-1] or 3
        spec = keras.KerasTensor((1, size, size, channels), dtype="float32")
        try:
            out = net.compute_output_spec(spec)
        except Exception as e:  # noqa: BLE001 - any shape error of the network
            raise RunError(
                f"--image-size {size} does not fit {net.name!r} of preset "
                f"{config['preset']!r}: {one_line(e)}"
            ) from e
        if any(d is not None and d < 1 for d in out.shape[1:]):
            raise RunError(
                f"--image-size {size} is too small for {net.name!r} of preset "
                f"{config['preset']!r} (output {tuple(out.shape[1:])})"
            )


def held_out_error(config, model, samples):
    """A callback logging a pix2pix run's `heldout_l1`, `mean |G(x) - y|` in
    [-1, 1] units on held-out pairs (the demo's whole test split, else the
    grid's pairs), after each epoch; the identity baseline is `mean |x - y|`.
    """
    x, y = samples
    if config["data"]["kind"] == "demo":
        x, y, _ = demo_pairs(config, "test")

    def on_epoch_end(epoch, logs):
        if logs is not None:
            logs["heldout_l1"] = float(np.mean(np.abs(model.translate(x) - y)))

    return keras.callbacks.LambdaCallback(on_epoch_end=on_epoch_end)


def make_callbacks(config, model, run_dir):
    """The callbacks of a run: schedule, sample grids, loss plot, TensorBoard.

    Args:
        config: dict. A run config (`keras_gans.runs.RunConfig`).
        model: the model being trained.
        run_dir: str. The run folder.

    Returns:
        A list of `keras.callbacks.Callback`.

    Example:

    ```python
    import tempfile
    from keras_gans import runs

    config = runs.RunConfig.from_preset("cyclegan", image_size=16, ngf=4, ndf=4)
    model = runs.build_model(config)
    callbacks = runs.make_callbacks(config, model, tempfile.mkdtemp())
    # LossWeightScheduler, SampleGridLogger, CSVLogger, ResumableLossPlotter, ...
    ```
    """
    result = []
    schedule = config["schedule"]
    if schedule["loss_weights"]:
        result.append(LossWeightScheduler(schedule["loss_weights"], verbose=1))
    if schedule["decay_start_epoch"] is not None:
        result.append(
            LinearDecay(schedule["decay_start_epoch"], schedule["decay_end_epoch"])
        )
    samples = sample_images(config)
    if config["model"] == "dcgan":
        noise = model.sample_noise(config["samples"], seed=0)
        if len(noise) >= 2 and len(samples[0]) >= 2:
            result.append(SampleDiversity(noise, reference=samples[0]))
        samples = (noise,)
    samples_dir = os.path.join(run_dir, "samples")
    grid_fn = None
    if config["model"] != "dcgan" and config["data"]["kind"] == "demo":
        # The demo's columns are known characters: label them.
        chars = list(demo_grid_chars(config["samples"]) or "")
        if len(chars) == len(samples[0]):

            def grid_fn(model, a, b):
                return model.sample_grid(a, b, col_labels=chars)

    result.append(
        SampleGridLogger(
            *samples, log_dir=samples_dir, tensorboard=False, grid_fn=grid_fn
        )
    )
    if config["model"] == "pix2pix":
        result.append(held_out_error(config, model, samples))
    # FID / KID before the loggers: the history, the loss plot and TensorBoard
    # get them.
    result.extend(evaluation_callbacks(config, model, run_dir))
    csv_path = os.path.join(run_dir, "history.csv")
    result.append(keras.callbacks.CSVLogger(csv_path, append=True))
    result.append(ResumableLossPlotter(os.path.join(run_dir, "losses.png"), csv_path))
    result.append(EventFileLogger(os.path.join(run_dir, "logs"), samples_dir))
    return result
