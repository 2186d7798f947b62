"""Run a config: the resumable training run, and UVCGAN's generator pre-training."""

import os

import keras
import numpy as np
from PIL import Image

from keras_gans import distribute, training
from keras_gans.imaging import make_grid
from keras_gans.models import GeneratorPretrainer
from keras_gans.runs.build import build_model, make_callbacks, one_line
from keras_gans.runs.config import RunError
from keras_gans.runs.data import make_data, sample_images
from keras_gans.runs.folder import (
    CONFIG_FILE,
    FINAL_MODEL,
    PRETRAINED_GENERATOR,
    announce,
    save_model,
)
from keras_gans.utils import set_seed


def train(
    config, run_dir, *, resume=False, strategy="default", devices=None, verbose=1
):
    """Train the run of `config` in `run_dir`, resumably; return the model.

    Writes `config.json`, checkpoints, sample grids, `history.csv`,
    `losses.png`, TensorBoard logs (`logs/`) and, at the end, `model.keras`
    into `run_dir` (`keras_gans.training.train` does the checkpointing: a
    killed run continues with `resume=True`).

    Args:
        config: `RunConfig`. The run's settings.
        run_dir: str. The run folder.
        resume: bool. Continue the run in `run_dir`. Defaults to `False`.
        strategy: str. `"default"`, `"mirrored"` or `"multiworker"`
            (`keras_gans.distribute.get_strategy`). Defaults to `"default"`.
        devices: str or None. Devices of a mirrored strategy (e.g. `"0,1"`).
            Defaults to `None`.
        verbose: int. Keras' progress output (0, 1, 2). Defaults to `1`.

    Returns:
        The trained model.

    Example:

    ```python
    import tempfile
    from keras_gans import runs

    config = runs.RunConfig.from_preset(
        "cyclegan", image_size=16, ngf=4, ndf=4, batch_size=2, epochs=1,
        steps_per_epoch=2, samples=2,
    )
    model = runs.train(config, tempfile.mkdtemp(), verbose=0)
    ```
    """
    # The strategy comes first: MultiWorkerMirroredStrategy must be created
    # before any other TensorFlow call.
    strategy = distribute.get_strategy(strategy, devices)
    keras.mixed_precision.set_global_policy(config["precision"])
    set_seed(config["seed"], deterministic_ops=config["deterministic"])
    with strategy.scope():
        model = build_model(config)
    batch_norm = config["model"] in ("dcgan", "pix2pix")
    if batch_norm and strategy.num_replicas_in_sync > 1:
        distribute.sync_batch_norm(model)
    make_epoch = make_data(config)

    def data_fn(epoch):
        return distribute.prepare_dataset(make_epoch(epoch), strategy)

    os.makedirs(run_dir, exist_ok=True)
    config.to_json(os.path.join(run_dir, CONFIG_FILE))
    callbacks = make_callbacks(config, model, run_dir)
    announce(config, run_dir, resume)
    training.train(
        model,
        data_fn,
        epochs=config["epochs"],
        run_dir=run_dir,
        save_every_steps=config["save_every_steps"],
        keep=config["keep"],
        resume=resume,
        on_nan=config["on_nan"],
        # Seeded above; the data pipelines get per-epoch seeds themselves.
        seed=None,
        callbacks=callbacks,
        steps_per_epoch=config["steps_per_epoch"],
        verbose=verbose,
    )
    save_model(model, os.path.join(run_dir, FINAL_MODEL))
    return model


def pretrain(config, out, *, steps, mask_fraction=0.4, patch_size=None, verbose=1):
    """UVCGAN's masked-inpainting pre-training of the config's generator.

    Writes `generator.keras` (for `pretrained_generator=`), `inpainting.png`
    and `config.json` into `out`.

    Args:
        config: `RunConfig`. A CycleGAN run's settings (preset, data, sizes).
        out: str. The output folder.
        steps: int. Pre-training steps.
        mask_fraction: float. Probability that a patch is masked. Defaults to
            `0.4` (UVCGAN).
        patch_size: int or None. Masked square side. Defaults to `None` (1/8
            of the image side).
        verbose: int. Keras' progress output. Defaults to `1`.

    Returns:
        `(path, l1)`: the generator file and the last step's L1 loss.

    Example:

    ```python
    import tempfile
    from keras_gans import runs

    config = runs.RunConfig.from_preset(
        "cyclegan", image_size=16, ngf=4, ndf=4, batch_size=2, samples=2
    )
    path, l1 = runs.pretrain(config, tempfile.mkdtemp(), steps=2, verbose=0)
    print(path.endswith("generator.keras"))  # True
    ```
    """
    path = os.path.join(out, PRETRAINED_GENERATOR)
    if os.path.exists(path):
        raise RunError(f"{path!r} exists: give a new --output")
    config.update(
        pretrain_steps=steps, mask_fraction=mask_fraction, patch_size=patch_size
    )
    set_seed(config["seed"], deterministic_ops=config["deterministic"])
    generator = build_model(config).generator_ab  # the preset's, with overrides
    try:
        pretrainer = GeneratorPretrainer(
            generator,
            patch_size=patch_size,
            mask_fraction=mask_fraction,
            seed=config["seed"],
        )
    except ValueError as e:
        raise RunError(one_line(e)) from e
    pretrainer.compile()
    os.makedirs(out, exist_ok=True)
    config.to_json(os.path.join(out, CONFIG_FILE))
    print(
        f"Pre-training the {config['preset']!r} generator by inpainting "
        f"({steps} steps, {int(mask_fraction * 100)}% of the patches "
        f"masked) -> {out}"
    )
    history = pretrainer.fit(
        make_data(config)(0).repeat(), steps_per_epoch=steps, epochs=1, verbose=verbose
    )
    generator.save(path)
    a, b = sample_images(config)
    x = np.concatenate([a, b])[: config["samples"]]
    masked, _ = pretrainer.mask(x)
    rows = [
        keras.ops.convert_to_numpy(masked),
        keras.ops.convert_to_numpy(generator(masked, training=False)),
        x,
    ]
    grid = make_grid(rows, row_labels=["masked", "G(masked)", "image"], min_tile=96)
    write_png(os.path.join(out, "inpainting.png"), grid)
    return path, float(history.history["l1"][-1])


def write_png(path, image):
    """A uint8 `(H, W, C)` image as a PNG file (folders made as needed)."""
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image).save(path)
