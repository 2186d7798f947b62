"""Named experiment configurations: the paper's defaults and the seeds' runs.

A preset is plain data (keras-hub style): which networks (registry name +
config), the model's loss settings, the optimizer settings, the schedule,
the image size, batch size and epochs, where it comes from, and which
fields the source does not state (`assumed`, filled with the paper's
defaults or the closest reasonable value).

```python
import keras_gans

model = keras_gans.CycleGAN.from_preset("residualgan_monet")  # compiled
callbacks = keras_gans.callbacks.from_preset("residualgan_monet")
# model.fit(dataset_of_256px_pairs.batch(1), epochs=100, callbacks=callbacks)
```

This module is data and imports nothing of keras_gans: the models read it
(`from_preset`, `preset_optimizers`), and so does
`keras_gans.callbacks.from_preset` (the schedule's callbacks).

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
  times the ratio); `<Model>.preset_optimizers(name)` makes them;
- `schedule`: `{"loss_weights": {epoch: {name: weight}}, "decay_start_epoch",
  "decay_end_epoch"}` (both `None` for a constant rate); see
  `keras_gans.callbacks.from_preset`;
- `image_size`, `batch_size`, `epochs`: the training run;
- `data` (Pix2Pix only): `keras_gans.data.paired_folder` arguments
  (`direction`, `preprocess`, `load_size`).
"""

import copy

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
    "EMA generators (0.999), no identity loss, a 34x34 PatchGAN learning at "
    "twice the generators' rate; Adam 2e-4. "
    "Chosen on benchmarks/quality.py (docs/quality.md).",
    source="keras_gans: the best configuration of benchmarks/quality.py's "
    "known-answer tasks at 900 steps of batch 4 (docs/quality.md)",
    # Everything that differs from the paper was chosen by the benchmark.
    assumed=[
        "generator.config",
        "discriminator.config",
        "model_config",
        "optimizer",
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
    # A discriminator at twice the rate learns the font sooner: more of the
    # demo's translations look Serif, the colour tasks no worse.
    optimizer={**_ADAM_PAPER, "discriminator_lr_ratio": 2.0},
    schedule=_NO_SCHEDULE,
    image_size=32,
    batch_size=4,
    epochs=8,
)

PRESETS["cyclegan_fast_unet"] = _derive(
    PRESETS["cyclegan_fast"],
    description="cyclegan_fast with a 5-level U-Net generator (ngf 16, batch "
    "norm, output_mode='residual'): better on colour and tone changes, 2-3x "
    "faster a step, less of a shape change (the font) in the same steps; "
    "image sides a multiple of 32. Chosen on benchmarks/quality.py (docs/quality.md).",
    generator={
        "name": "unet_128",
        "config": {"num_downs": 5, "ngf": 16, "output_mode": "residual"},
    },
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
    "the last 4; samples from an EMA of the generator (0.999) with batch-norm "
    "statistics of its own.",
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
        "model_config.ema_decay",
    ],
    generator={"name": "cspup_dcgan", "config": {"filters": (64, 32, 16)}},
    discriminator={"name": "dcgan_discriminator", "config": {"ndf": 16}},
    # With the seed's 2e-4 / 1e-4, ~1000 steps are too few for the output
    # batch norms' scale and shift to reach the data's light background, and
    # the samples collapse to one blob (docs/dcgan.md, "The demo run").
    optimizer={**_ADAM_PAPER, "learning_rate": 2e-3, "discriminator_lr_ratio": 0.5},
    # The decay settles the oscillating samples: x0.8, 0.6, 0.4, 0.2 in epochs 5-8.
    schedule={**_NO_SCHEDULE, "decay_start_epoch": 4, "decay_end_epoch": 8},
    # The samples of an EMA of G, whose batch norms get statistics of its own
    # weights after every epoch (DCGAN's `ema_statistics`): KID 0.075 / 0.068
    # (oneDNN off / on) after 8 epochs against 0.117 / 0.103 for the trained
    # G, colours closer to the real ones (docs/quality.md, "DCGAN").
    model_config={**_DCGAN_SEED004["model_config"], "ema_decay": 0.999},
    image_size=32,
    batch_size=16,
    epochs=8,
)

# === Pix2Pix (paired translation) ===

_PIX2PIX_PAPER = (
    "Isola et al., pix2pix, CVPR 2017 (arXiv:1611.07004) and the official "
    "code's defaults (junyanz/pytorch-CycleGAN-and-pix2pix, "
    "scripts/train_pix2pix.sh)"
)

#: The paper's pix2pix on facades: the base of every Pix2Pix preset.
_PIX2PIX = {
    "model": "Pix2Pix",
    "description": "The paper's pix2pix on facades (labels -> photo, BtoA): U-Net "
    "256, 70x70 PatchGAN on the 6-channel (input, output) pair, batch norm, "
    "vanilla GAN + 100 x L1, batch 1, 100 epochs constant + 100 linear decay.",
    "source": _PIX2PIX_PAPER,
    "assumed": [],
    "generator": {"name": "unet_256", "config": {"norm": "batch", "use_dropout": True}},
    "discriminator": {
        "name": "patchgan",
        "config": {"n_layers": 3, "norm": "batch", "input_shape": (None, None, 6)},
    },
    "model_config": {"lambda_l1": 100.0, "gan_loss": "vanilla"},
    "optimizer": _ADAM_PAPER,
    "schedule": {**_NO_SCHEDULE, "decay_start_epoch": 100, "decay_end_epoch": 200},
    # keras_gans.data.paired_folder arguments (the official aligned loader).
    "data": {"direction": "BtoA", "preprocess": "resize_and_crop", "load_size": 286},
    "image_size": 256,
    "batch_size": 1,
    "epochs": 200,
}

PRESETS.update(
    {
        "pix2pix_paper": _derive(_PIX2PIX),
        "pix2pix_maps": _derive(
            _PIX2PIX,
            description="pix2pix on maps (aerial photo -> map, AtoB): the facades "
            "settings in the other direction (200 epochs, batch 1).",
            source=_PIX2PIX_PAPER + "; maps: the paper's appendix (1096 training "
            "images, 200 epochs, batch 1)",
            data={**_PIX2PIX["data"], "direction": "AtoB"},
        ),
        "pix2pix_edges2shoes": _derive(
            _PIX2PIX,
            description="pix2pix on edges2shoes (edges -> photo, AtoB): batch 4, "
            "15 epochs (the paper's appendix), the rate constant.",
            source=_PIX2PIX_PAPER + "; edges2shoes: the paper's appendix (50k "
            "training images, 15 epochs, batch size 4)",
            assumed=["schedule"],
            schedule=_NO_SCHEDULE,
            data={**_PIX2PIX["data"], "direction": "AtoB"},
            batch_size=4,
            epochs=15,
        ),
    }
)

# === Pix2Pix demo (not a paper run: sized for a CPU and datasets.paired_glyphs) ===

PRESETS["pix2pix_demo"] = _derive(
    _PIX2PIX,
    description="CPU demo on datasets.paired_glyphs at 32x32 (Sans glyphs -> the "
    "ink grown by one pixel): a 5-level U-Net (ngf 32) that starts as the "
    "identity (output_mode='residual'), a 2-layer PatchGAN (ndf 32) on the pair, "
    "vanilla GAN + 100 x L1, Adam 2e-4, batch 4, 10 epochs (1240 steps).",
    source="keras_gans demo (docs/pix2pix.md): the paper's pix2pix sized for "
    "a few CPU minutes",
    # Everything that differs from the paper was chosen for the demo.
    assumed=[
        "generator.config",
        "discriminator.config",
        "schedule",
        "data",
        "image_size",
        "batch_size",
        "epochs",
    ],
    generator={
        "name": "unet_256",
        "config": {
            "num_downs": 5,
            "ngf": 32,
            "norm": "batch",
            "use_dropout": True,
            "output_mode": "residual",
        },
    },
    discriminator={
        "name": "patchgan",
        "config": {"ndf": 32, "n_layers": 2, "norm": "batch"},
    },
    schedule=_NO_SCHEDULE,
    # keras_gans.datasets.paired_glyphs arguments.
    data={"direction": "AtoB", "task": "bold"},
    image_size=32,
    batch_size=4,
    epochs=10,
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
