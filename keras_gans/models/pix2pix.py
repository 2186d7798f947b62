"""Pix2Pix: paired image-to-image translation trained with `model.fit`."""

import contextlib

import keras
from keras import ops

from keras_gans import losses as gan_losses
from keras_gans.imaging import make_grid
from keras_gans.losses import gradient_penalty, r1_penalty
from keras_gans.models.base import TwoNetworkGAN, check_number
from keras_gans.models.tracing import call_once, is_per_sample

#: The rows of `Pix2Pix.sample_grid`, top to bottom.
GRID_ROWS = ("x", "G(x)", "y")

_PAIR_ERROR = (
    "Pix2Pix needs batches of (input, target) pairs; got a single tensor. "
    "Use keras_gans.data.paired_folder or pass fit(x, y)."
)


def pix2pix_losses(
    generator,
    discriminator,
    x,
    y,
    *,
    lambda_l1,
    gan_loss,
    training=True,
    seen=None,
    discriminator_tape=None,
    gradient_penalty_fn=gradient_penalty,
):
    """Every loss of one pix2pix step, from one forward pass (paper notation).

    ```
    g_gan    = adv_G(D(x, G(x)))                 D on the channel-concatenated pair
    g_l1     = |y - G(x)|_1
    g_loss   = g_gan + lambda_l1 * g_l1
    d_loss   = 0.5 * adv_D(D(x, y), D(x, G(x)))  (+ R1, WGAN-GP if the loss has them)
    ```

    `adv_D(real, fake)` is the official `loss_D_real + loss_D_fake`. The same
    fake logits serve both losses: a train step takes D's gradients of
    `d_loss` (on `discriminator_tape`, entered around D only, so they stop
    at its inputs) and G's of `g_loss`.

    Args:
        generator: callable. `x` -> images in [-1, 1].
        discriminator: callable. `(batch, H, W, C_x + C_y)` pairs -> logits.
        x, y: tensors. Inputs `(batch, H, W, C_x)`, targets `(..., C_y)`.
        lambda_l1: float or scalar tensor. Weight of the L1 term.
        gan_loss: `keras_gans.losses.GANLoss`. The adversarial loss.
        training: bool. Training mode. Defaults to `True`.
        seen: callable or None. Applied to the pairs D sees. Defaults to `None`.
        discriminator_tape: `tf.GradientTape` or None. Defaults to `None`.
        gradient_penalty_fn: callable. `(D, real, fake)` -> WGAN-GP penalty.

    Returns:
        A dict: `g_loss`, `g_gan`, `g_l1`, `d_loss`, `d_real`, `d_fake`, `fake`.

    Example:

    ```python
    import numpy as np
    from keras_gans import losses, networks
    from keras_gans.models.pix2pix import pix2pix_losses

    gen = networks.create("unet_256", num_downs=5, ngf=8)
    disc = networks.create("patchgan", ndf=8, input_shape=(None, None, 6))
    x = np.zeros((1, 32, 32, 3), "float32")
    adv = losses.get("vanilla")
    values = pix2pix_losses(gen, disc, x, x, lambda_l1=100.0, gan_loss=adv)
    values["g_loss"]  # g_gan + 100 * g_l1
    ```
    """
    x, y = ops.cast(x, "float32"), ops.cast(y, "float32")
    # 1) translate: fake = G(x)
    fake = ops.cast(generator(x, training=training), "float32")
    # 2) the conditional discriminator judges (input, output) pairs
    real_pair = ops.concatenate([x, y], axis=-1)
    fake_pair = ops.concatenate([x, fake], axis=-1)
    if seen is not None:
        real_pair, fake_pair = seen(real_pair), seen(fake_pair)
    with discriminator_tape or contextlib.nullcontext():
        real_logits, fake_logits, d_loss = _discriminator_terms(
            discriminator, real_pair, fake_pair, gan_loss, training, gradient_penalty_fn
        )
    # 4) generator loss: fool D on the pair, stay close to y
    g_gan = gan_loss.generator_loss(fake_logits)
    g_l1 = gan_losses.l1_loss(y, fake)
    return {
        "g_loss": g_gan + lambda_l1 * g_l1,
        "g_gan": g_gan,
        "g_l1": g_l1,
        "d_loss": d_loss,
        "d_real": ops.mean(real_logits),
        "d_fake": ops.mean(fake_logits),
        "fake": fake,
    }


def _discriminator_terms(
    discriminator, real_pair, fake_pair, gan_loss, training, gradient_penalty_fn
):
    """`(real_logits, fake_logits, d_loss)` of `pix2pix_losses`."""
    if is_per_sample(discriminator):
        # One call on [real; fake]: a spectral norm iterates once.
        real_logits, fake_logits = call_once(
            discriminator, (real_pair, fake_pair), training
        )
    else:
        # Batch norm (the paper's D): real and fake batches apart, as the
        # official code calls D.
        real_logits = discriminator(real_pair, training=training)
        fake_logits = discriminator(fake_pair, training=training)
    real_logits = ops.cast(real_logits, "float32")
    fake_logits = ops.cast(fake_logits, "float32")
    # 3) discriminator loss: (real term + fake term) x 0.5 (paper)
    d_loss = 0.5 * gan_loss.discriminator_loss(real_logits, fake_logits)
    if training and gan_loss.r1_weight > 0:
        d_loss += 0.5 * gan_loss.r1_weight * r1_penalty(discriminator, real_pair)
    if training and gan_loss.gradient_penalty_weight > 0:
        d_loss += gan_loss.gradient_penalty_weight * gradient_penalty_fn(
            discriminator, real_pair, ops.stop_gradient(fake_pair)
        )
    return real_logits, fake_logits, d_loss


@keras.saving.register_keras_serializable(package="keras_gans")
class Pix2Pix(TwoNetworkGAN):
    """Pix2Pix: a generator `G: x -> y` and a conditional discriminator `D`.

    Paired translation (the paper's notation): `D` sees the input and an
    output concatenated on the channel axis, the real pair `(x, y)` or the
    fake pair `(x, G(x))`; its loss is halved, and the generator minimizes
    the adversarial term plus `lambda_l1` times the L1 distance to the
    target (`pix2pix_losses`):

    ```
    g_loss = adv_G(D(x, G(x))) + lambda_l1 * |y - G(x)|_1
    d_loss = 0.5 * (adv_D_real(D(x, y)) + adv_D_fake(D(x, G(x))))
    ```

    `lambda_l1` is a non-trainable variable (`model.lambda_l1`) that a
    callback may change without retracing. Both networks are updated from
    one forward pass per step (the generator's adversarial term uses the
    discriminator before this step's update; the official code updates D
    first, then G against the updated D). No image pool (the official
    pix2pix sets `pool_size=0`).

    Logged: `g_loss`, `g_gan`, `g_l1` (the official `G_GAN`, `G_L1 /
    lambda_L1`), `d_loss` (the official `(D_real + D_fake) / 2`), `d_real`
    and `d_fake` (mean discriminator logits on real and fake pairs, as
    DCGAN logs them).

    Data: `fit` takes batches of `(x, y)`, NHWC float32 in [-1, 1] (e.g.
    `keras_gans.data.paired_folder` or `keras_gans.datasets.paired_glyphs`).

    Args:
        generator: `keras.Model`. G: `x` -> images in [-1, 1] (e.g. the
            `unet_256` network).
        discriminator: `keras.Model`. D: pairs with the channels of `x` plus
            those of `y` (6 for RGB -> RGB) -> logits.
        lambda_l1: float. Weight of the L1 term. Defaults to `100.0`.
        gan_loss: str or `keras_gans.losses.GANLoss`. `"vanilla"` (paper),
            `"lsgan"`, `"hinge"` or `"wgan-gp"`. Defaults to `"vanilla"`.
        seed: int or None. Seed of the augmentation and the WGAN-GP
            interpolation. Defaults to `None`.
        ema_decay: float or None. Keep an exponential moving average of
            the generator's weights (`generator_ema`), used by `translate`,
            `sample_grid` and export. `None`: off (the paper). Defaults to
            `None`.
        augment: str, `keras_gans.augment.DiffAugment` or None.
            Differentiable augmentation of the pairs the discriminator sees
            (both halves of a pair with the same draw, so they stay
            aligned). `None`: off (the paper). Defaults to `None`.
        **kwargs: base `keras.Model` arguments (`name`, ...).

    Example:

    ```python
    import numpy as np
    import keras_gans
    from keras_gans import networks

    model = keras_gans.Pix2Pix(
        networks.create("unet_256", num_downs=5, ngf=8),
        networks.create("patchgan", ndf=8, input_shape=(None, None, 6)),
    )
    model.compile()  # Adam(2e-4, beta_1=0.5, beta_2=0.999) x 2
    x = np.random.uniform(-1, 1, (4, 32, 32, 3)).astype("float32")
    y = np.random.uniform(-1, 1, (4, 32, 32, 3)).astype("float32")
    model.fit(x, y, batch_size=2, epochs=1, verbose=0)
    fake_y = model.translate(x)
    ```

    Reference:
        Isola et al., "Image-to-Image Translation with Conditional
        Adversarial Networks", CVPR 2017 (https://arxiv.org/abs/1611.07004).
    """

    LOSS_NAMES = ("g_loss", "g_gan", "g_l1", "d_loss", "d_real", "d_fake")

    def __init__(
        self,
        generator,
        discriminator,
        *,
        lambda_l1=100.0,
        gan_loss="vanilla",
        seed=None,
        ema_decay=None,
        augment=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        # === Validation ===
        self._check_two_networks(generator, discriminator)
        check_number("lambda_l1", lambda_l1)
        _check_pair_channels(generator, discriminator)

        # === Networks ===
        self.generator = generator
        self.discriminator = discriminator

        # === Loss, augmentation; state: loss weight, learning rates, EMA ===
        self._create_model_state({"l1": lambda_l1}, gan_loss, seed, ema_decay, augment)

    # === Building ===

    def build(self, input_shape):
        """Nothing to create (no image pool); accepts `(shape_x, shape_y)`.

        Args:
            input_shape: the shape of a batch of inputs, or a pair
                `(shape_x, shape_y)`.
        """
        self.built = True

    def call(self, inputs, training=False):
        """`G(x)`."""
        if isinstance(inputs, list | tuple) and len(inputs) == 2:
            inputs = inputs[0]
        return self.generator(inputs, training=training)

    # === Compile ===

    def compile(
        self,
        generator_optimizer=None,
        discriminator_optimizer=None,
        *,
        discriminator_lr_ratio=1.0,
        **kwargs,
    ):
        """Create (or take) and build the two optimizers.

        Defaults: Adam, learning rate `2e-4`, `beta_1=0.5`, `beta_2=0.999`
        for both networks (the paper). A missing discriminator optimizer is
        a copy of the generator optimizer with its learning rate multiplied
        by `discriminator_lr_ratio`.

        Args:
            generator_optimizer: optimizer, str or None. Defaults to `None`
                (Adam as above).
            discriminator_optimizer: optimizer, str or None. Defaults to
                `None` (copy of the generator optimizer).
            discriminator_lr_ratio: float. Discriminator / generator learning
                rate of the copy. Defaults to `1.0`.
            **kwargs: `run_eagerly`, `jit_compile`, `steps_per_execution`.

        Example:

        ```python
        import keras_gans

        model = keras_gans.Pix2Pix.from_preset(
            "pix2pix_demo", compile=False, generator={"ngf": 8},
            discriminator={"ndf": 8},
        )
        model.compile(discriminator_lr_ratio=0.5)
        float(model.discriminator_optimizer.learning_rate.numpy())  # 0.0001
        ```
        """
        optimizers = (generator_optimizer, discriminator_optimizer)
        self._compile_networks(optimizers, discriminator_lr_ratio, **kwargs)

    # === Training ===

    def _compute_gan_losses(self, x, y, training, discriminator_tape=None):
        seen = None
        if training and self.augment is not None:
            seen = self._seen
        values = pix2pix_losses(
            self.generator,
            self.discriminator,
            x,
            y,
            lambda_l1=self.lambda_l1,
            gan_loss=self.gan_loss,
            training=training,
            seen=seen,
            discriminator_tape=discriminator_tape,
            gradient_penalty_fn=self._gradient_penalty,
        )
        values.pop("fake")
        return values

    def _train_step(self, data):
        x, y = self._unpack_pair(data, _PAIR_ERROR)
        # One forward pass: G's gradients of g_loss on the outer tape, D's of
        # d_loss on the inner one (entered around D only); G steps once per
        # `n_critic` D steps (WGAN-GP).
        return self._one_pass_train_step(x, y, {"discriminator": "d_loss"})

    def _test_step(self, data):
        x, y = self._unpack_pair(data, _PAIR_ERROR)
        return self._update_trackers(self._compute_gan_losses(x, y, training=False))

    # === Inference ===

    def inference_generator(self, direction="ab", use_ema=None):
        """The generator that inference uses.

        With `ema_decay` set, the moving average of its weights
        (`generator_ema`), unless `use_ema=False`.

        Args:
            direction: str. `"ab"` only (a pix2pix model translates one
                way; the name matches `CycleGAN.inference_generator`).
                Defaults to `"ab"`.
            use_ema: bool or None. `None`: the EMA generator when there is
                one. Defaults to `None`.

        Returns:
            A `keras.Model`.
        """
        if direction != "ab":
            raise ValueError(
                "A Pix2Pix model translates one way: `direction` must be 'ab' "
                f"(train a second model for the other way). Received: "
                f"direction={direction!r}"
            )
        return self._inference_network("generator", use_ema)

    def translate(self, images, batch_size=32, use_ema=None):
        """Translate images with G (its EMA copy when the model keeps one).

        Args:
            images: array `(n, H, W, C)` or one image `(H, W, C)`: float in
                [-1, 1], or uint8 in [0, 255].
            batch_size: int. Images per generator call. Defaults to `32`.
            use_ema: bool or None. See `inference_generator`. Defaults to
                `None`.

        Returns:
            A numpy array of the same shape and kind: float32 in [-1, 1] for
            float input, uint8 for uint8 input.

        Example:

        ```python
        import numpy as np
        import keras_gans

        model = keras_gans.Pix2Pix.from_preset(
            "pix2pix_demo", generator={"ngf": 8}, discriminator={"ndf": 8}
        )
        label_map = np.zeros((32, 32, 3), "uint8")
        photo = model.translate(label_map)  # (32, 32, 3) uint8
        ```
        """
        return self._translate(images, "ab", batch_size, use_ema)

    def sample_grid(self, inputs, targets=None, min_tile=96, col_labels=None):
        """A uint8 grid of translations for `SampleGridLogger`.

        Rows: `x`, `G(x)` and (with `targets`) `y`, labelled in a left
        margin; one column per sample. Small images are enlarged (nearest
        neighbour) to at least `min_tile` pixels a side.

        Args:
            inputs: array `(n, H, W, C)`, float in [-1, 1] or uint8.
            targets: array `(n, H, W, C)` or None. The true outputs.
                Defaults to `None`.
            min_tile: int or None. Smallest tile side in pixels; `None`
                keeps the images' size. Defaults to `96`.
            col_labels: list of str or None. A label above each column.
                Defaults to `None`.

        Returns:
            A uint8 array `(H_grid, W_grid, C)`.

        Example:

        ```python
        import numpy as np
        import keras_gans

        model = keras_gans.Pix2Pix.from_preset(
            "pix2pix_demo", generator={"ngf": 8}, discriminator={"ndf": 8}
        )
        x = np.zeros((2, 32, 32, 3), "float32")
        grid = model.sample_grid(x, x)  # 3 rows of 96x96 tiles
        ```
        """
        x = self._as_float(inputs)
        rows = [x, self.translate(x)]
        if targets is not None:
            rows.append(self._as_float(targets))
        return make_grid(
            rows,
            row_labels=list(GRID_ROWS[: len(rows)]),
            col_labels=col_labels,
            min_tile=min_tile,
        )

    # === Presets ===

    @classmethod
    def from_preset(
        cls,
        name,
        *,
        compile=True,
        generator=None,
        discriminator=None,
        precision=None,
        **overrides,
    ):
        """Build (and compile) a Pix2Pix from a named preset.

        The discriminator's input channels are the generator's input plus
        output channels (6 for RGB -> RGB) unless `discriminator` sets
        `input_shape`.

        Args:
            name: str. A preset of `keras_gans.presets.list_presets("Pix2Pix")`.
            compile: bool. Compile with the preset's optimizers. Defaults to
                `True`.
            generator: dict or None. Overrides of the generator's config,
                e.g. `{"ngf": 8}`. Defaults to `None`.
            discriminator: dict or None. Overrides of the discriminator's
                config. Defaults to `None`.
            precision: str or None. `"float32"`, `"mixed_bfloat16"` or
                `"mixed_float16"`: the dtype policy both networks compute
                in; `None`: the global policy. Defaults to `None`.
            **overrides: Pix2Pix constructor arguments replacing the
                preset's (`lambda_l1`, `gan_loss`, `seed`, ...).

        Returns:
            A `Pix2Pix`.

        Example:

        ```python
        import keras_gans

        model = keras_gans.Pix2Pix.from_preset(
            "pix2pix_paper", generator={"ngf": 8}, discriminator={"ndf": 8}
        )
        model.discriminator.input_shape  # (None, None, None, 6)
        ```
        """
        preset = cls._load_preset(name)
        gen = cls._create_network(preset["generator"], generator, precision)
        d_overrides = dict(discriminator or {})
        if "input_shape" not in d_overrides:
            channels = gen.input_shape[-1] + gen.output_shape[-1]
            d_overrides["input_shape"] = (None, None, channels)
        disc = cls._create_network(preset["discriminator"], d_overrides, precision)
        return cls._finish_from_preset(name, preset, (gen, disc), overrides, compile)

    # === Config ===

    def get_config(self):
        # The networks, gan_loss, seed, ema_decay, augment: GANModel's.
        return {**super().get_config(), "lambda_l1": self.initial_loss_weights["l1"]}


# === Helpers ===


def _check_pair_channels(generator, discriminator):
    """D must see input + output channels (when all three are known)."""
    try:
        c_in = generator.input_shape[-1]
        c_out = generator.output_shape[-1]
        c_d = discriminator.input_shape[-1]
    except (AttributeError, ValueError, IndexError, TypeError):
        return
    if None in (c_in, c_out, c_d) or not all(
        isinstance(c, int) for c in (c_in, c_out, c_d)
    ):
        return
    if c_d != c_in + c_out:
        raise ValueError(
            "The pix2pix discriminator judges (input, output) pairs "
            f"concatenated on channels: it needs {c_in} + {c_out} = "
            f"{c_in + c_out} input channels, but takes {c_d}. Build it with "
            f"input_shape=(None, None, {c_in + c_out})."
        )
