"""Self-supervised generator pre-training: masked-image inpainting (UVCGAN)."""

import copy
import os

import keras
import tensorflow as tf
from keras import ops

from keras_gans import losses as gan_losses
from keras_gans._checks import check_int
from keras_gans.models.backends import BackendSteps, plumbing
from keras_gans.models.saving import load_variables_and_seeds, save_variables_and_seeds
from keras_gans.models.weights import copy_weights


@keras.saving.register_keras_serializable(package="keras_gans")
class GeneratorPretrainer(BackendSteps, keras.Model):
    """Pre-trains an image-to-image generator to inpaint masked patches.

    UVCGAN's self-supervised pre-training (a BERT-like pretext task): each
    image is cut into `patch_size` squares, each square is blanked (set to
    0, mid-grey in [-1, 1]) with probability `mask_fraction`, and the
    generator learns to give back the whole original image, with an L1 loss.
    UVCGAN trains one generator on the images of both domains ("joint") and
    starts both CycleGAN generators from it; `fit` here takes batches of
    images, or the `(a, b)` batches of a CycleGAN data set (both halves are
    used). Afterwards pass the generator to
    `CycleGAN.from_preset(..., pretrained_generator=...)`.

    Args:
        generator: `keras.Model`. An image-to-image generator (images in
            [-1, 1] -> images of the same shape).
        patch_size: int or None. Side of the masked squares in pixels; image
            sides must be multiples of it. `None`: 1/8 of the image side
            (UVCGAN: 32 px at 256). Defaults to `None`.
        mask_fraction: float. Probability that a patch is masked, in (0, 1).
            Defaults to `0.4` (UVCGAN).
        seed: int or None. Seed of the masks. Defaults to `None`.
        **kwargs: base `keras.Model` arguments (`name`, ...).

    Example:

    ```python
    import numpy as np
    import keras_gans
    from keras_gans import networks

    generator = networks.create("uvcgan", ngf=8, n_blocks=1)
    pretrainer = keras_gans.models.GeneratorPretrainer(generator, seed=0)
    pretrainer.compile()  # AdamW(2e-4, beta_1=0.9, beta_2=0.99, weight_decay=0.05)
    images = np.random.uniform(-1, 1, (8, 32, 32, 3)).astype("float32")
    pretrainer.fit(images, batch_size=4, epochs=1, verbose=0)
    model = keras_gans.CycleGAN.from_preset(
        "uvcgan_anime2selfie", generator={"ngf": 8, "n_blocks": 1},
        discriminator={"ndf": 8, "n_layers": 1}, pretrained_generator=generator,
    )
    ```

    Reference:
        Torbunov et al., "UVCGAN: UNet Vision Transformer cycle-consistent
        GAN for unpaired image-to-image translation", WACV 2023
        (https://arxiv.org/abs/2203.02557).
    """

    def __init__(
        self, generator, *, patch_size=None, mask_fraction=0.4, seed=None, **kwargs
    ):
        super().__init__(**kwargs)
        if not isinstance(generator, keras.layers.Layer):
            raise ValueError(
                f"`generator` must be a keras.Model. Received: generator={generator!r}"
            )
        check_int("patch_size", patch_size, allow_none=True)
        if (
            isinstance(mask_fraction, bool)
            or not isinstance(mask_fraction, int | float)
            or not 0.0 < mask_fraction < 1.0
        ):
            raise ValueError(
                "`mask_fraction` must be a number in (0, 1). "
                f"Received: mask_fraction={mask_fraction!r}"
            )
        self.generator = generator
        self.patch_size = patch_size
        self.mask_fraction = float(mask_fraction)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="mask_seed")
        self.loss_tracker = keras.metrics.Mean(name="l1")

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    @property
    def metrics(self):
        return [self.loss_tracker]

    def compile(self, optimizer=None, **kwargs):
        """Compile with `optimizer` (default: UVCGAN's AdamW settings).

        Args:
            optimizer: optimizer, str or None. Defaults to `None`:
                `AdamW(2e-4, beta_1=0.9, beta_2=0.99, weight_decay=0.05)`
                (UVCGAN's betas and weight decay; its rate is `5e-3 *
                batch / 512`, which is tiny at CPU batch sizes).
            **kwargs: `run_eagerly`, `jit_compile`, `steps_per_execution`.
        """
        if optimizer is None:
            optimizer = keras.optimizers.AdamW(
                2e-4, beta_1=0.9, beta_2=0.99, weight_decay=0.05
            )
        super().compile(optimizer=optimizer, **kwargs)

    def compile_from_config(self, config):
        # Keras skips this for an overridden `compile`: without it a loaded
        # `.keras` file would come back uncompiled, its optimizer state lost.
        self.compile(**keras.saving.deserialize_keras_object(config))
        self.optimizer.build(self.trainable_variables)

    def save_own_variables(self, store):
        # The masks' seed state too: a reloaded pretrainer continues its draws.
        save_variables_and_seeds(self, store)

    def load_own_variables(self, store):
        load_variables_and_seeds(self, store)

    def mask(self, images):
        """`images` with random patches set to 0, and the mask (1: masked).

        Args:
            images: tensor `(batch, H, W, C)` in [-1, 1]; H and W multiples
                of the patch size.

        Returns:
            `(masked_images, mask)`, the mask `(batch, H, W, 1)` float32.
        """
        images = ops.cast(images, "float32")
        height, width = images.shape[1], images.shape[2]
        if height is None or width is None:
            raise ValueError(
                "GeneratorPretrainer needs images of a known height and width. "
                f"Received shape: {tuple(images.shape)}"
            )
        p = self.patch_size or max(1, min(height, width) // 8)
        if height % p or width % p:
            raise ValueError(
                f"The image size {height}x{width} is not a multiple of patch_size={p}."
            )
        grid = (ops.shape(images)[0], height // p, width // p, 1)
        drawn = keras.random.uniform(grid, seed=self.seed_generator)
        mask = ops.cast(drawn < self.mask_fraction, "float32")
        mask = ops.repeat(ops.repeat(mask, p, axis=1), p, axis=2)
        return images * (1.0 - mask), mask

    def _images(self, data):
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        if isinstance(x, list | tuple) and len(x) == 2 and y is None:
            x, y = x
        if y is not None:  # (a, b) batches of a CycleGAN data set: joint
            return ops.concatenate([ops.cast(x, "float32"), ops.cast(y, "float32")], 0)
        return ops.cast(x, "float32")

    def _train_step(self, data):
        images = self._images(data)
        masked, _ = self.mask(images)
        variables = self.generator.trainable_variables
        if plumbing() is not None:  # JAX, PyTorch
            values, grads = plumbing().gradients(
                self,
                lambda: {"l1": self._masked_l1(images, masked)},
                [{"generator": "l1"}],
            )
            loss, grads = values["l1"], grads["generator"]
        else:
            with tf.GradientTape() as tape:
                loss = self._masked_l1(images, masked)
            grads = tape.gradient(loss, variables)
        self.optimizer.apply_gradients(zip(grads, variables))
        self.loss_tracker.update_state(loss)
        return {"l1": self.loss_tracker.result()}

    def _masked_l1(self, images, masked):
        return gan_losses.l1_loss(images, self.generator(masked, training=True))

    def _optimizer_variables(self, name):
        """The variables the optimizer trains: the generator's (`name`
        is `"generator"`, for `keras_gans.models.backends`)."""
        return self.generator.trainable_variables

    def _test_step(self, data):
        images = self._images(data)
        masked, _ = self.mask(images)
        loss = gan_losses.l1_loss(images, self.generator(masked, training=False))
        self.loss_tracker.update_state(loss)
        return {"l1": self.loss_tracker.result()}

    def get_config(self):
        return {
            **super().get_config(),
            "generator": keras.saving.serialize_keras_object(self.generator),
            "patch_size": self.patch_size,
            "mask_fraction": self.mask_fraction,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config):
        config = copy.deepcopy(config)
        config["generator"] = keras.saving.deserialize_keras_object(config["generator"])
        return cls(**config)


def load_pretrained_generator(source):
    """A generator from `source`: a model, or a `.keras` file of a generator
    or of a `GeneratorPretrainer` (its generator is returned).

    Args:
        source: `keras.Model` or str (path to a `.keras` file).

    Returns:
        A `keras.Model`.
    """
    if isinstance(source, str):
        if not os.path.isfile(source):
            raise ValueError(f"Pretrained generator file not found: {source!r}")
        source = keras.saving.load_model(source, compile=False)
    if isinstance(source, GeneratorPretrainer):
        source = source.generator
    if not isinstance(source, keras.Model):
        raise ValueError(
            "`pretrained_generator` must be a keras.Model or a .keras file. "
            f"Received: {source!r}"
        )
    return source


def copy_generator_weights(source, targets):
    """Start each network of `targets` from the weights of `source`
    (`keras_gans.models.weights.copy_weights`, which names a mismatch)."""
    for target in targets:
        copy_weights(source, target)
