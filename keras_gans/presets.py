"""Named experiment configurations: the paper's defaults and the seeds' runs.

A preset is plain data (keras-hub style): which networks (registry name +
config), the model's loss settings, the optimizer settings, the schedule,
the image size, batch size and epochs, where it comes from, and which
fields the source does not state (`assumed`, filled with the paper's
defaults or the closest reasonable value).

```python
import keras_gans

model = keras_gans.CycleGAN.from_preset("residualgan_monet")  # compiled
callbacks = keras_gans.presets.callbacks("residualgan_monet")
# model.fit(dataset_of_256px_pairs.batch(1), epochs=100, callbacks=callbacks)
```

Fields of a preset:

- `model`: the model class name (`"CycleGAN"` or `"DCGAN"`);
- `description`, `source`: one line each; `assumed`: list of field names
  the source leaves open;
- `generator`, `discriminator`: `{"name": <keras_gans.networks name>,
  "config": {...overrides}}`, one for each of the two generators and two
  discriminators (a DCGAN has one of each);
- `model_config`: constructor arguments of the model (loss weights,
  `identity_mode`, `pool_size`, `gan_loss`);
- `optimizer`: `{"name": "adam", "learning_rate", "beta_1", "beta_2",
  "discriminator_lr_ratio"}` (the discriminators' rate is the generators'
  times the ratio);
- `schedule`: `{"loss_weights": {epoch: {name: weight}}, "decay_start_epoch",
  "decay_end_epoch"}` (both `None` for a constant rate); see `callbacks`;
- `image_size`, `batch_size`, `epochs`: the training run.
"""

import copy

import keras

from keras_gans.optimizers import FusedAdam

_PAPER = (
    "Zhu et al., CycleGAN, ICCV 2017 (arXiv:1703.10593) and the official "
    "code's defaults (junyanz/pytorch-CycleGAN-and-pix2pix)"
)

_ADAM_PAPER = {
    "name": "adam",
    "learning_rate": 2e-4,
    "beta_1": 0.5,
    "beta_2": 0.999,
    "discriminator_lr_ratio": 1.0,
}

#: A constant learning rate and fixed loss weights.
_NO_SCHEDULE = {"loss_weights": {}, "decay_start_epoch": None, "decay_end_epoch": None}


def _derive(base, **changes):
    """A preset: `base` with some top-level fields replaced (a deep copy, so no
    two presets share a nested dict)."""
    return copy.deepcopy({**base, **changes})


# === CycleGAN ===

#: The paper's CycleGAN: the base of every CycleGAN preset.
_CYCLEGAN = {
    "model": "CycleGAN",
    "description": "The paper's CycleGAN: ResNet-9 generators, 70x70 PatchGAN, "
    "LSGAN, 100 epochs constant + 100 epochs linear decay.",
    "source": _PAPER,
    "assumed": [],
    "generator": {"name": "resnet_9blocks", "config": {}},
    "discriminator": {"name": "patchgan", "config": {"n_layers": 3}},
    "model_config": {
        "lambda_cycle": 10.0,
        "lambda_identity": 0.5,
        "lambda_gan": 1.0,
        "identity_mode": "relative",
        "pool_size": 50,
        "gan_loss": "lsgan",
    },
    "optimizer": _ADAM_PAPER,
    "schedule": {**_NO_SCHEDULE, "decay_start_epoch": 100, "decay_end_epoch": 200},
    "image_size": 256,
    "batch_size": 1,
    "epochs": 200,
}

#: Seed 003's CycleGAN and UVCGAN runs share everything but the generator.
_ANIME2SELFIE = _derive(
    _CYCLEGAN,
    assumed=["model_config (loss weights, pool_size)", "batch_size"],
    discriminator={"name": "patchgan_pooled", "config": {"n_layers": 3}},
    # torch.optim.Adam(lr=1e-3) with its default betas (0.9, 0.999).
    optimizer={
        **_ADAM_PAPER,
        "learning_rate": 1e-3,
        "beta_1": 0.9,
        "discriminator_lr_ratio": 4.0,
    },
    schedule=_NO_SCHEDULE,
    image_size=64,
    epochs=20,
)

PRESETS = {
    "cyclegan_paper": _derive(_CYCLEGAN),
    "residualgan_monet": _derive(
        _CYCLEGAN,
        description="Seed 000's ResidualGAN (hidden 96, 1 down, 2 residual blocks, "
        "pixel-shuffle up); weights [id 0.5, GAN 1, cycle 10] then [0.5, 1.5, 12]; "
        "discriminator lr x1.25.",
        source="seeds 000 (architecture, losses, weight switch) and 001 "
        "(model 2: 100 epochs; discriminator lr +25%)",
        assumed=[
            "optimizer.learning_rate",
            "schedule.loss_weights (epoch of the switch)",
            "discriminator.config (hidden_n=2, ndf=64)",
            "image_size",
            "batch_size",
            "model_config.pool_size",
        ],
        generator={"name": "residual_pixelshuffle", "config": {}},
        # Seed 000's discriminator with hidden_n hidden blocks is a PatchGAN
        # with n_layers=hidden_n + 1, no stride-1 block, uncapped filters.
        discriminator={
            "name": "patchgan",
            "config": {"n_layers": 3, "stride1_block": False, "max_mult": None},
        },
        model_config={**_CYCLEGAN["model_config"], "identity_mode": "absolute"},
        optimizer={**_ADAM_PAPER, "discriminator_lr_ratio": 1.25},
        schedule={
            **_NO_SCHEDULE,
            "loss_weights": {50: {"identity": 0.5, "gan": 1.5, "cycle": 12.0}},
        },
        epochs=100,
    ),
    "resnet9_monet_kaggle": _derive(
        _CYCLEGAN,
        description="Seed 002's Kaggle photo -> Monet CycleGAN: ResNet-9, 70x70 "
        "PatchGAN (30x30 map), cycle lambda 10, batch 4 (the write-up trained "
        "1 epoch).",
        source="seed 002 (Kaggle 'I'm Something of a Painter Myself')",
        assumed=["model_config.gan_loss", "model_config.pool_size"],
        # The write-up's total loss is adversarial + cycle: no identity.
        model_config={**_CYCLEGAN["model_config"], "lambda_identity": 0.0},
        schedule=_NO_SCHEDULE,
        batch_size=4,
        epochs=1,
    ),
    "cyclegan_anime2selfie": _derive(
        _ANIME2SELFIE,
        description="Seed 003's CycleGAN on anime <-> selfie at 64x64: ResNet-6, "
        "pooled PatchGAN, MSE + L1, Adam 1e-3 (D 4x), 20 epochs.",
        source="seed 003 (Anime2Selfie, CycleGAN experiment)",
        generator={"name": "resnet_6blocks", "config": {}},
    ),
    "uvcgan_anime2selfie": _derive(
        _ANIME2SELFIE,
        description="Seed 003's UVCGAN on anime <-> selfie at 64x64: U-Net + "
        "pixel-wise ViT generator, pooled PatchGAN, Adam 1e-3 (D 4x), 20 epochs.",
        source="seed 003 (Anime2Selfie, UVCGAN experiment)",
        generator={"name": "uvcgan", "config": {}},
    ),
}

# === CycleGAN for short CPU budgets (not a seed's run) ===

PRESETS["cyclegan_fast"] = _derive(
    _CYCLEGAN,
    description="Small data and short CPU budgets (32-64 px, ~1000 steps): a "
    "narrow ResNet-6 that starts as the identity (output_mode='residual'), "
    "EMA generators (0.999), no identity loss, a 34x34 PatchGAN; Adam 2e-4. "
    "Chosen on benchmarks/quality.py (docs/quality.md).",
    source="keras_gans: the best configuration of benchmarks/quality.py's "
    "known-answer tasks at 900 steps of batch 4 (docs/quality.md)",
    # Everything that differs from the paper was chosen by the benchmark.
    assumed=[
        "generator.config",
        "discriminator.config",
        "model_config",
        "schedule",
        "image_size",
        "batch_size",
        "epochs",
    ],
    generator={
        "name": "resnet_6blocks",
        "config": {"ngf": 16, "output_mode": "residual"},
    },
    discriminator={"name": "patchgan", "config": {"ndf": 16, "n_layers": 2}},
    model_config={
        **_CYCLEGAN["model_config"],
        # The identity loss pulls G(b) towards b: for a colour change it
        # fights the translation (docs/quality.md).
        "lambda_identity": 0.0,
        "ema_decay": 0.999,
    },
    schedule=_NO_SCHEDULE,
    image_size=32,
    batch_size=4,
    epochs=8,
)

# === DCGAN (seed 004: CSPup generator on CelebA 64x64) ===

_SEED004 = "seed 004 (DCGAN with a CSPup generator on CelebA 64x64)"

#: Seed 004, experiment 1: the base of the DCGAN presets.
_DCGAN_SEED004 = {
    "model": "DCGAN",
    "description": "Seed 004, experiment 1: CSPup generator, plain DCGAN "
    "discriminator, Adam G 2e-4 / D 1e-4, 10 epochs (mode collapse was observed).",
    "source": _SEED004 + ", experiment 1",
    # The PyTorch DCGAN tutorial that seed 004 follows: batch 128, Adam
    # beta_1 0.5.
    "assumed": ["batch_size", "optimizer.beta_1", "optimizer.beta_2"],
    "generator": {"name": "cspup_dcgan", "config": {}},
    "discriminator": {"name": "dcgan_discriminator", "config": {}},
    # The seed's discriminators end in a sigmoid trained with BCE.
    "model_config": {"latent_dim": 100, "gan_loss": "vanilla"},
    # Seed 004's learning rates: D 1e-4, G 2e-4 (D:G = 1:2).
    "optimizer": {**_ADAM_PAPER, "discriminator_lr_ratio": 0.5},
    "schedule": _NO_SCHEDULE,
    "image_size": 64,
    "batch_size": 128,
    "epochs": 10,
}

PRESETS.update(
    {
        "dcgan_cspup_celeba": _derive(_DCGAN_SEED004),
        "dcgan_cspup_celeba_residual_d": _derive(
            _DCGAN_SEED004,
            description="Seed 004, experiment 2: CSPup generator, residual "
            "discriminator (1x1 projection skips), Adam G 2e-4 / D 1e-4.",
            source=_SEED004 + ", experiment 2",
            discriminator={"name": "residual_discriminator", "config": {}},
        ),
        "dcgan_cspup_celeba_spectral": _derive(
            _DCGAN_SEED004,
            description="Seed 004, experiments 3-4: spectral norm on every conv of "
            "G and D (residual D), learning rates G:D = 1:4 (G 1e-4, D 4e-4).",
            source=_SEED004 + ", experiments 3 and 4 (the 1:4 rate from "
            "https://sthalles.github.io/advanced_gans/)",
            assumed=[
                *_DCGAN_SEED004["assumed"],
                "optimizer.learning_rate (1e-4 / 4e-4 as in the cited post)",
                "discriminator.name (the residual D of experiment 2)",
            ],
            generator={"name": "cspup_dcgan", "config": {"spectral_norm": True}},
            discriminator={
                "name": "residual_discriminator",
                "config": {"spectral_norm": True},
            },
            optimizer={
                **_ADAM_PAPER,
                "learning_rate": 1e-4,
                "discriminator_lr_ratio": 4.0,
            },
        ),
    }
)

# === DCGAN demo (not a seed's run: seed 004's networks sized for a CPU) ===

PRESETS["dcgan_cspup_shapes_demo"] = _derive(
    _DCGAN_SEED004,
    description="CPU demo on datasets.shapes at 32x32: seed 004's CSPup generator "
    "(filters 64/32/16) and plain D (ndf 16), Adam G 2e-3 / D 1e-3 (the seed's "
    "1:2 at 10x the rate), batch 16, 8 epochs, the rates decaying linearly in "
    "the last 4.",
    source="keras_gans demo (docs/dcgan.md): seed 004 experiment 1 with the "
    "widths, batch, rates and decay tuned for ~1000 CPU steps",
    # Everything that differs from seed 004 was chosen for the demo.
    assumed=[
        "generator.config",
        "discriminator.config",
        "optimizer.learning_rate",
        "schedule",
        "image_size",
        "batch_size",
        "epochs",
    ],
    generator={"name": "cspup_dcgan", "config": {"filters": (64, 32, 16)}},
    discriminator={"name": "dcgan_discriminator", "config": {"ndf": 16}},
    # With the seed's 2e-4 / 1e-4, ~1000 steps are too few for the output
    # batch norms' scale and shift to reach the data's light background, and
    # the samples collapse to one blob (docs/dcgan.md, "The demo run").
    optimizer={**_ADAM_PAPER, "learning_rate": 2e-3, "discriminator_lr_ratio": 0.5},
    # The decay settles the oscillating samples: x0.8, 0.6, 0.4, 0.2 in epochs 5-8.
    schedule={**_NO_SCHEDULE, "decay_start_epoch": 4, "decay_end_epoch": 8},
    image_size=32,
    batch_size=16,
    epochs=8,
)

#: Short names accepted wherever a preset name is (`DCGAN.from_preset("cspup")`).
ALIASES = {
    "cspup": "dcgan_cspup_celeba",
    "cspup_residual_d": "dcgan_cspup_celeba_residual_d",
    "cspup_spectral": "dcgan_cspup_celeba_spectral",
    "cspup_demo": "dcgan_cspup_shapes_demo",
}


def list_presets(model=None):
    """The sorted preset names, optionally only those of one model class.

    Args:
        model: str or None. A model class name, e.g. `"CycleGAN"`; `None`
            for all. Defaults to `None`.

    Returns:
        A sorted list of str.

    Example:

    ```python
    from keras_gans import presets

    presets.list_presets("CycleGAN")  # ['cyclegan_anime2selfie', ...]
    ```
    """
    return sorted(n for n, p in PRESETS.items() if model is None or p["model"] == model)


def get(name):
    """A deep copy of preset `name` (plain data; changing it is safe).

    Args:
        name: str. A preset name (see `list_presets()`) or a short name
            of `ALIASES` (e.g. `"cspup"`).

    Returns:
        A dict with the fields described in the module docstring.

    Example:

    ```python
    from keras_gans import presets

    presets.get("cyclegan_paper")["optimizer"]["learning_rate"]  # 0.0002
    ```
    """
    name = ALIASES.get(name, name)
    if name not in PRESETS:
        raise ValueError(f"Unknown preset: {name!r}. Valid presets: {list_presets()}")
    return copy.deepcopy(PRESETS[name])


def compile_kwargs(name):
    """Fresh optimizers for `model.compile(**compile_kwargs(name))`.

    `"adam"` is `keras_gans.optimizers.FusedAdam` (Keras' Adam with one
    fused update kernel per variable). The first optimizer of the model (the
    generators') gets the preset's
    learning rate; every other (the discriminators') gets it times
    `discriminator_lr_ratio`.

    Args:
        name: str. A preset name.

    Returns:
        A dict `<optimizer name>_optimizer -> keras optimizer`, e.g.
        `generator_optimizer`, `discriminator_a_optimizer`,
        `discriminator_b_optimizer` for a CycleGAN.

    Example:

    ```python
    from keras_gans import presets

    kwargs = presets.compile_kwargs("residualgan_monet")
    float(kwargs["discriminator_a_optimizer"].learning_rate.numpy())  # 0.00025
    ```
    """
    preset = get(name)
    opt = dict(preset["optimizer"])
    ratio = float(opt.pop("discriminator_lr_ratio", 1.0))
    class_name = opt.pop("name")
    lr = float(opt.pop("learning_rate"))
    names = _model_class(preset["model"]).OPTIMIZER_NAMES
    kwargs = {}
    for i, opt_name in enumerate(names):
        config = {
            **opt,
            "learning_rate": lr if i == 0 else lr * ratio,
            "name": f"{opt_name}_optimizer",
        }
        if class_name.lower() == "adam":
            # The same Adam, one fused update kernel per variable.
            optimizer = FusedAdam(**config)
        else:
            optimizer = keras.optimizers.get(
                {"class_name": class_name, "config": config}
            )
        kwargs[f"{opt_name}_optimizer"] = optimizer
    return kwargs


def callbacks(name):
    """The callbacks that carry out preset `name`'s schedule.

    A `LossWeightScheduler` when the preset switches loss weights, a
    `LinearDecay` when it decays the learning rates.

    Args:
        name: str. A preset name.

    Returns:
        A list of `keras.callbacks.Callback` (possibly empty).

    Example:

    ```python
    from keras_gans import presets

    presets.callbacks("cyclegan_paper")  # [LinearDecay(100 -> 200)]
    ```
    """
    from keras_gans.callbacks import LinearDecay, LossWeightScheduler

    schedule = get(name)["schedule"]
    result = []
    if schedule.get("loss_weights"):
        result.append(LossWeightScheduler(schedule["loss_weights"]))
    if schedule.get("decay_start_epoch") is not None:
        result.append(
            LinearDecay(schedule["decay_start_epoch"], schedule["decay_end_epoch"])
        )
    return result


def _model_class(model_name):
    from keras_gans import models

    cls = getattr(models, model_name, None)
    if cls is None:
        raise ValueError(f"Unknown model class in preset: {model_name!r}")
    return cls
