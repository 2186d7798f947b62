"""CycleGAN: unpaired image-to-image translation trained with `model.fit`."""

import contextlib

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_gans import losses as gan_losses
from keras_gans.distribute import creation_scope
from keras_gans.imaging import make_grid
from keras_gans.models.base import GANModel, check_number, check_precision
from keras_gans.models.image_pool import ImagePool
from keras_gans.models.pretrainer import (
    copy_generator_weights,
    load_pretrained_generator,
)
from keras_gans.models.tracing import (
    call_once,
    is_per_sample,
    same_static_shape,
    traced,
)

IDENTITY_MODES = ("relative", "absolute")

#: The rows of `CycleGAN.sample_grid`, top to bottom.
GRID_ROWS = ("a", "G(a)", "F(G(a))", "b", "F(b)", "G(F(b))")

_PAIR_ERROR = (
    "CycleGAN needs batches of (real_a, real_b); got a single tensor. "
    "Zip the two domains, e.g. tf.data.Dataset.zip((ds_a, ds_b))."
)


@keras.saving.register_keras_serializable(package="keras_gans")
class CycleGAN(GANModel):
    """CycleGAN: two generators and two discriminators, trained by `fit`.

    Notation (the paper's): `G: A -> B` is `generator_ab`, `F: B -> A` is
    `generator_ba`. **`discriminator_a` (D_A) judges domain A** (real `a`
    vs. fake `F(b)`) and `discriminator_b` (D_B) judges domain B (real `b`
    vs. fake `G(a)`), as in the paper. (The official PyTorch code names them
    the other way round: its `netD_A` judges fake B.)

    Generator loss, with the weights held in non-trainable variables
    (`model.lambda_gan`, `model.lambda_cycle`, `model.lambda_identity`) that
    callbacks may change during `fit` without retracing:

    ```
    g_loss = lambda_gan   * (gan_ab + gan_ba)
           + lambda_cycle * (cycle_a + cycle_b)
           + w_identity   * (identity_a + identity_b)
    gan_ab     = adv_G(D_B(G(a)))   gan_ba     = adv_G(D_A(F(b)))
    cycle_a    = |F(G(a)) - a|_1    cycle_b    = |G(F(b)) - b|_1
    identity_a = |F(a) - a|_1       identity_b = |G(b) - b|_1
    ```

    **Identity weight convention.** With `identity_mode="relative"` (the
    paper and the official code) `w_identity = lambda_identity *
    lambda_cycle`: the defaults give 0.5 * 10 = 5. With
    `identity_mode="absolute"`, `w_identity = lambda_identity`: seed 000's
    weights [identity 0.5, GAN 1, cycle 10] are `lambda_identity=0.5,
    lambda_gan=1, lambda_cycle=10, identity_mode="absolute"`.

    Discriminator losses, on real images vs. fakes drawn from an
    `ImagePool` of past fakes, halved as in the paper:
    `d_a_loss = 0.5 * adv_D(D_A(a), D_A(pool_a(F(b))))`, and the same for
    B. `adv_G` / `adv_D` are the methods of `gan_loss`
    (`keras_gans.losses`).

    Data: `fit` takes batches of `(real_a, real_b)`, NHWC float32 in
    [-1, 1] (e.g. a zipped `tf.data.Dataset`).

    Args:
        generator_ab: `keras.Model`. G: A -> B, images in [-1, 1] (tanh).
        generator_ba: `keras.Model`. F: B -> A.
        discriminator_a: `keras.Model`. D_A: domain-A images -> logits.
        discriminator_b: `keras.Model`. D_B: domain-B images -> logits.
        lambda_cycle: float. Cycle-consistency weight. Defaults to `10.0`.
        lambda_identity: float. Identity weight, relative to
            `lambda_cycle` or absolute (see `identity_mode`); `0` for none.
            Defaults to `0.5`.
        lambda_gan: float. Adversarial weight of the generators. Defaults
            to `1.0`.
        identity_mode: str. `"relative"` or `"absolute"`, see above.
            Defaults to `"relative"`.
        pool_size: int. Size of each image pool; `0` disables the pools.
            Defaults to `50`.
        gan_loss: str or `keras_gans.losses.GANLoss`. `"lsgan"` (paper),
            `"vanilla"`, `"hinge"` or `"wgan-gp"`. Defaults to `"lsgan"`.
        seed: int or None. Seed of the pools' random draws (and WGAN-GP
            interpolation, augmentation). Defaults to `None`.
        ema_decay: float or None. Keep an exponential moving average of
            each generator's weights (`generator_ab_ema`,
            `generator_ba_ema`), updated after every step with this decay
            (warmed up as `min(ema_decay, (1 + n) / (10 + n))` after `n`
            steps). `translate`, `sample_grid`, export and the evaluation
            callbacks then use the averaged generators; they are saved and
            resumed with the model. `None`: off (the paper). Defaults to
            `None`.
        augment: str, `keras_gans.augment.DiffAugment` or None.
            Differentiable augmentation of every image the discriminators
            see, real and fake alike (e.g. `"color,translation,cutout"`);
            the generators' gradients flow through it. `None`: off (the
            paper). Defaults to `None`.
        **kwargs: base `keras.Model` arguments (`name`, ...).

    Example:

    ```python
    import numpy as np
    import keras_gans
    from keras_gans import networks

    model = keras_gans.CycleGAN(
        networks.create("resnet_6blocks", ngf=8, n_blocks=1),
        networks.create("resnet_6blocks", ngf=8, n_blocks=1),
        networks.create("patchgan", ndf=8, n_layers=1),
        networks.create("patchgan", ndf=8, n_layers=1),
    )
    model.compile()  # Adam(2e-4, beta_1=0.5, beta_2=0.999) x 3
    a = np.random.uniform(-1, 1, (4, 32, 32, 3)).astype("float32")
    b = np.random.uniform(-1, 1, (4, 32, 32, 3)).astype("float32")
    model.fit(a, b, batch_size=2, epochs=1, verbose=0)
    fake_b = model.translate(a, direction="ab")
    ```

    Reference:
        Zhu et al., "Unpaired Image-to-Image Translation using
        Cycle-Consistent Adversarial Networks", ICCV 2017
        (https://arxiv.org/abs/1703.10593).
    """

    OPTIMIZER_NAMES = ("generator", "discriminator_a", "discriminator_b")
    NETWORK_NAMES = (
        "generator_ab",
        "generator_ba",
        "discriminator_a",
        "discriminator_b",
    )
    GENERATOR_NAMES = ("generator_ab", "generator_ba")
    LOSS_NAMES = (
        "g_loss",
        "gan_ab",
        "gan_ba",
        "cycle_a",
        "cycle_b",
        "identity_a",
        "identity_b",
        "d_a_loss",
        "d_b_loss",
    )

    def __init__(
        self,
        generator_ab,
        generator_ba,
        discriminator_a,
        discriminator_b,
        *,
        lambda_cycle=10.0,
        lambda_identity=0.5,
        lambda_gan=1.0,
        identity_mode="relative",
        pool_size=50,
        gan_loss="lsgan",
        seed=None,
        ema_decay=None,
        augment=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        # === Validation ===
        self._check_networks(
            {
                "generator_ab": generator_ab,
                "generator_ba": generator_ba,
                "discriminator_a": discriminator_a,
                "discriminator_b": discriminator_b,
            },
            "The four networks must be distinct objects (got the same "
            "model twice); build each one separately.",
        )
        for arg, value in (
            ("lambda_cycle", lambda_cycle),
            ("lambda_identity", lambda_identity),
            ("lambda_gan", lambda_gan),
        ):
            check_number(arg, value)
        if identity_mode not in IDENTITY_MODES:
            raise ValueError(
                f"`identity_mode` must be one of {IDENTITY_MODES}. "
                f"Received: identity_mode={identity_mode!r}"
            )

        # === Networks ===
        self.generator_ab = generator_ab
        self.generator_ba = generator_ba
        self.discriminator_a = discriminator_a
        self.discriminator_b = discriminator_b
        self.identity_mode = identity_mode
        self.pool_size = pool_size
        # pool_a holds fakes of domain A (F(b)) for D_A; pool_b fakes G(a).
        # float32 whatever the networks compute in.
        self.pool_a = ImagePool(pool_size, seed=seed, name="pool_a", dtype="float32")
        self.pool_b = ImagePool(
            pool_size,
            seed=None if seed is None else seed + 1,
            name="pool_b",
            dtype="float32",
        )

        # === Loss, augmentation; state: loss weights, learning rates, EMA ===
        weights = {
            "gan": lambda_gan,
            "cycle": lambda_cycle,
            "identity": lambda_identity,
        }
        self._create_model_state(weights, gan_loss, seed, ema_decay, augment)

    # === Building ===

    def build(self, input_shape):
        """Create the image pools' buffers from `(shape_a, shape_b)`.

        Args:
            input_shape: the shape of a batch of domain-A images, or a pair
                `(shape_a, shape_b)`; static height, width and channels are
                needed when `pool_size > 0`.
        """
        shape_a, shape_b = _split_shapes(input_shape)
        # Fakes have the size of their source image and the channels of
        # their target domain. The pools' buffers are created in the model's
        # tf.distribute scope (fit builds outside it), so that they are
        # mirrored, i.e. one pool per replica (keras_gans/distribute.py).
        with creation_scope(self):
            self.pool_a.build(_fake_shape(self.generator_ba, shape_b, shape_a))
            self.pool_b.build(_fake_shape(self.generator_ab, shape_a, shape_b))

    def call(self, inputs, training=False):
        """`G(a)`, or `(G(a), F(b))` for a pair `(a, b)`."""
        if isinstance(inputs, list | tuple) and len(inputs) == 2:
            real_a, real_b = inputs
            return (
                self.generator_ab(real_a, training=training),
                self.generator_ba(real_b, training=training),
            )
        return self.generator_ab(inputs, training=training)

    # === Compile ===

    def compile(
        self,
        generator_optimizer=None,
        discriminator_a_optimizer=None,
        discriminator_b_optimizer=None,
        *,
        discriminator_lr_ratio=1.0,
        **kwargs,
    ):
        """Create (or take) and build the three optimizers.

        One optimizer updates both generators, one each discriminator (as
        the paper's code). Defaults: Adam, learning rate `2e-4`, `beta_1=0.5`,
        `beta_2=0.999` (the paper). A missing discriminator optimizer is a
        copy of the generator optimizer with its learning rate multiplied by
        `discriminator_lr_ratio` (seed 000: 1.25; seed 003: 4).

        Args:
            generator_optimizer: optimizer, str or None. For G and F.
                Defaults to `None` (Adam as above).
            discriminator_a_optimizer: optimizer, str or None. For D_A.
                Defaults to `None` (copy of the generator optimizer).
            discriminator_b_optimizer: optimizer, str or None. For D_B.
                Defaults to `None` (copy of the generator optimizer).
            discriminator_lr_ratio: float. Discriminator / generator learning
                rate for the copied optimizers. Defaults to `1.0`.
            **kwargs: `run_eagerly`, `jit_compile`, `steps_per_execution`.

        Example:

        ```python
        import keras
        import keras_gans

        model = keras_gans.CycleGAN.from_preset(
            "cyclegan_paper", compile=False,
            generator={"ngf": 8, "n_blocks": 1}, discriminator={"ndf": 8},
        )
        model.compile(keras.optimizers.Adam(1e-3), discriminator_lr_ratio=4.0)
        float(model.discriminator_a_optimizer.learning_rate.numpy())  # 0.004
        ```
        """
        optimizers = (
            generator_optimizer,
            discriminator_a_optimizer,
            discriminator_b_optimizer,
        )
        self._compile_networks(optimizers, discriminator_lr_ratio, **kwargs)

    def _optimizer_variables(self, name):
        if name == "generator":
            variables = (
                self.generator_ab.trainable_variables
                + self.generator_ba.trainable_variables
            )
        elif name == "discriminator_a":
            variables = self.discriminator_a.trainable_variables
        else:
            variables = self.discriminator_b.trainable_variables
        if not variables:
            raise ValueError(
                f"The {name} network has no trainable variables; give every "
                "network a `keras.Input` (or build it) before compiling."
            )
        return variables

    # === Training ===

    def identity_weight(self):
        """The effective identity weight (a tensor), see the class docs."""
        if self.identity_mode == "relative":
            return self.lambda_identity * self.lambda_cycle
        return ops.convert_to_tensor(self.lambda_identity)

    def _compute_gan_losses(self, real_a, real_b, training, discriminator_tape=None):
        """Every loss of one step, from one forward pass, in the paper's notation.

        `G` = `generator_ab` (A -> B), `F` = `generator_ba` (B -> A); `D_A`
        judges domain A (real `a` vs. `F(b)`), `D_B` domain B (real `b` vs.
        `G(a)`). The terms are those of the class docstring.

        `discriminator_tape`: a `tf.GradientTape` entered only around the
        discriminator calls and losses, so that the gradients of the
        discriminator losses stop at the discriminators' inputs. On a tape
        that also saw the generators, TensorFlow would trace their backward
        pass once more for the discriminator losses (dead ops, pruned before
        running, but traced and optimized: a longer first step).
        """
        D_A, D_B = self.discriminator_a, self.discriminator_b
        # 1) translate G(a), F(b); 2) reconstruct F(G(a)), G(F(b));
        # 3) identity F(a) ~ a, G(b) ~ b
        fake_b, fake_a, rec_a, rec_b, same_a, same_b = self._translations(
            real_a, real_b, training
        )
        # 4) what D_A and D_B judge: real images, fakes drawn from the pools
        #    of past fakes (no gradient to G, F) and the fresh fakes
        pooled_a = self._pooled(self.pool_a, fake_a, training)
        pooled_b = self._pooled(self.pool_b, fake_b, training)
        seen_a = self._augmented((real_a, pooled_a, fake_a), training)
        seen_b = self._augmented((real_b, pooled_b, fake_b), training)
        with discriminator_tape or contextlib.nullcontext():
            # One call per discriminator on [real; pooled; fresh fake]: with
            # per-sample norms this equals three calls, and a spectral norm
            # does one power iteration per step.
            real_la, pooled_la, fake_la = call_once(D_A, seen_a, training)
            real_lb, pooled_lb, fake_lb = call_once(D_B, seen_b, training)
            # 5) discriminator losses: real vs. pooled fakes, x 0.5 (paper)
            d_a_loss = 0.5 * self.gan_loss.discriminator_loss(real_la, pooled_la)
            d_b_loss = 0.5 * self.gan_loss.discriminator_loss(real_lb, pooled_lb)
            if training:  # R1 / WGAN-GP, when the loss has them
                d_a_loss += self._penalties(D_A, real_a, pooled_a, seen_a[0])
                d_b_loss += self._penalties(D_B, real_b, pooled_b, seen_b[0])
        # 6) generator losses: adversarial, cycle, identity
        terms = _generator_terms(
            self.gan_loss,
            (real_a, rec_a, same_a, fake_la),
            (real_b, rec_b, same_b, fake_lb),
        )
        g_loss = (
            self.lambda_gan * (terms["gan_ab"] + terms["gan_ba"])
            + self.lambda_cycle * (terms["cycle_a"] + terms["cycle_b"])
            + self.identity_weight() * (terms["identity_a"] + terms["identity_b"])
        )
        return {"g_loss": g_loss, **terms, "d_a_loss": d_a_loss, "d_b_loss": d_b_loss}

    def _translations(self, real_a, real_b, training):
        """`G(a), F(b), F(G(a)), G(F(b)), F(a), G(b)`.

        The identity images are always computed: their weight is a variable
        that a callback may raise from 0 without retracing. (Except between
        domains with different channel counts, where there are none: the
        identity images are the inputs, the identity terms 0.)
        """
        # Each generator is traced once per step, not once per call.
        G, F = traced(self.generator_ab), traced(self.generator_ba)
        if real_a.shape[-1] != real_b.shape[-1]:
            # Domains with different channel counts (e.g. gray -> RGB) have
            # no identity images: F(a) and G(b) do not exist, and the
            # identity terms are 0 (|a - a|).
            fake_b = G(real_a, training=training)
            fake_a = F(real_b, training=training)
            same_a, same_b = real_a, real_b
        elif self._batch_generator_calls(real_a, real_b):
            # One call per generator on [a; b]: the same numbers as two
            # calls (per-sample layers only), a third less graph to trace.
            fake_b, same_b = call_once(G, (real_a, real_b), training)
            fake_a, same_a = call_once(F, (real_b, real_a), training)
        else:
            fake_b = G(real_a, training=training)
            fake_a = F(real_b, training=training)
            same_b = G(real_b, training=training)
            same_a = F(real_a, training=training)
        rec_a = F(fake_b, training=training)
        rec_b = G(fake_a, training=training)
        return fake_b, fake_a, rec_a, rec_b, same_a, same_b

    def _pooled(self, pool, fakes, training):
        """The fakes a discriminator loss sees: detached, and when training
        drawn from `pool` (which stores the new ones)."""
        fakes = ops.stop_gradient(fakes)
        return pool(fakes) if training else fakes

    def _augmented(self, images, training):
        """`images` as a discriminator sees them: with `augment`, each batch
        augmented on its own draw when training; G's and F's gradients flow
        back through the augmentation of their fakes."""
        if training and self.augment is not None:
            return tuple(self._seen(x) for x in images)
        return tuple(images)

    def _penalties(self, discriminator, real, pooled, seen_real):
        """The training-only terms of a discriminator loss: R1 on the real
        images as the discriminator sees them (`seen_real`), WGAN-GP between
        the real and the pooled fake images (before augmentation)."""
        penalty = 0.0
        if self.gan_loss.r1_weight > 0:
            penalty += self._r1_term(discriminator, seen_real)
        if self.gan_loss.gradient_penalty_weight > 0:
            penalty += self.gan_loss.gradient_penalty_weight * (
                self._gradient_penalty(discriminator, real, pooled)
            )
        return penalty

    def _batch_generator_calls(self, real_a, real_b):
        """Whether G(a), G(b) (and F(b), F(a)) can be one call each."""
        return (
            same_static_shape(real_a, real_b)
            and is_per_sample(self.generator_ab)
            and is_per_sample(self.generator_ba)
        )

    def _train_step(self, data):
        real_a, real_b = self._unpack_pair(data, _PAIR_ERROR)
        if not self.built:  # data from a generator: build at trace time
            self.build((tuple(real_a.shape), tuple(real_b.shape)))
        # One forward pass: every loss sees the pre-update weights. This is
        # exactly the official order (G step, then D steps on the same fakes
        # with D's weights from before the step), since the G step does not
        # touch D and D's losses use detached fakes. The generators step once
        # per `n_critic` critic steps of D_A (WGAN-GP).
        return self._one_pass_train_step(
            real_a,
            real_b,
            {"discriminator_a": "d_a_loss", "discriminator_b": "d_b_loss"},
        )

    def _test_step(self, data):
        real_a, real_b = self._unpack_pair(data, _PAIR_ERROR)
        values = self._compute_gan_losses(real_a, real_b, training=False)
        return self._update_trackers(values)

    # === Inference ===

    def inference_generator(self, direction="ab", use_ema=None):
        """The generator that inference uses: G (`"ab"`) or F (`"ba"`).

        With `ema_decay` set, the moving average of its weights
        (`generator_ab_ema` / `generator_ba_ema`), unless `use_ema=False`.

        Args:
            direction: str. `"ab"` (G: A -> B) or `"ba"` (F: B -> A).
                Defaults to `"ab"`.
            use_ema: bool or None. `None`: the EMA generator when there is
                one. Defaults to `None`.

        Returns:
            A `keras.Model`.
        """
        _check_direction(direction)
        return self._inference_network(f"generator_{direction}", use_ema)

    def translate(self, images, direction="ab", batch_size=32, use_ema=None):
        """Translate images with G (`"ab"`) or F (`"ba"`).

        With `ema_decay` set, the EMA generators translate (see
        `inference_generator`).

        Args:
            images: array `(n, H, W, C)` or one image `(H, W, C)`: float in
                [-1, 1], or uint8 in [0, 255].
            direction: str. `"ab"` (G: A -> B) or `"ba"` (F: B -> A).
                Defaults to `"ab"`.
            batch_size: int. Images per generator call. Defaults to `32`.
            use_ema: bool or None. `None`: the EMA generators when the model
                keeps them; `False`: the trained generators. Defaults to
                `None`.

        Returns:
            A numpy array of the same shape and kind: float32 in [-1, 1] for
            float input, uint8 for uint8 input.

        Example:

        ```python
        import numpy as np
        import keras_gans

        model = keras_gans.CycleGAN.from_preset(
            "cyclegan_paper", generator={"ngf": 8, "n_blocks": 1},
            discriminator={"ndf": 8},
        )
        photo = np.zeros((32, 32, 3), "uint8")
        painting = model.translate(photo)  # (32, 32, 3) uint8
        ```
        """
        _check_direction(direction)
        return self._translate(images, direction, batch_size, use_ema)

    def update_ema_statistics(self, images_a, images_b, batch_size=32):
        """Give the EMA generators batch-norm statistics of their own weights.

        As `DCGAN.update_ema_statistics`: `generator_ab_ema` runs in
        training mode on `images_a`, `generator_ba_ema` on `images_b`, and
        each batch norm's moving mean and variance become the mean of its
        batch statistics. Only generators with batch norm change (the U-Net
        of `cyclegan_fast_unet`; instance-norm ResNets have none). Call it
        after training; training again overwrites the statistics.

        Args:
            images_a: array `(n, H, W, C)` of domain A, float in [-1, 1] or
                uint8 (training images, not the ones to translate).
            images_b: the same for domain B.
            batch_size: int. Images per call. Defaults to `32`.

        Returns:
            dict: `{"generator_ab": n_ab, "generator_ba": n_ba}`, the number
            of batch-norm layers updated in each.

        Raises:
            ValueError: when the model keeps no moving average (`ema_decay`).

        Example:

        ```python
        import numpy as np
        import keras_gans

        model = keras_gans.CycleGAN.from_preset(
            "cyclegan_fast_unet", generator={"ngf": 4}, discriminator={"ndf": 4}
        )
        # ... model.fit(...)
        a = b = np.zeros((8, 32, 32, 3), "uint8")
        model.update_ema_statistics(a, b)  # batch norms per generator
        ```
        """
        inputs = {
            "generator_ab": self._as_float(images_a),
            "generator_ba": self._as_float(images_b),
        }
        return self._update_ema_statistics(inputs, batch_size)

    def sample_grid(self, samples_a, samples_b, min_tile=96, col_labels=None):
        """A uint8 grid of translations for `SampleGridLogger`.

        Rows: `a`, `G(a)`, `F(G(a))`, `b`, `F(b)`, `G(F(b))`, labelled in a
        left margin; one column per sample. Both domains need the same
        image size and sample count. Small images are enlarged (nearest
        neighbour) to at least `min_tile` pixels a side, so that a 32x32
        translation can be seen.

        Args:
            samples_a: array `(n, H, W, C)`, float in [-1, 1] or uint8.
            samples_b: array `(n, H, W, C)`, float in [-1, 1] or uint8.
            min_tile: int or None. Smallest tile side in pixels; `None`
                keeps the images' size. Defaults to `96`.
            col_labels: list of str or None. A label above each column
                (e.g. the characters of glyph samples). Defaults to `None`.

        Returns:
            A uint8 array `(H_grid, W_grid, C)`.

        Example:

        ```python
        import numpy as np
        import keras_gans

        model = keras_gans.CycleGAN.from_preset(
            "cyclegan_paper", generator={"ngf": 8, "n_blocks": 1},
            discriminator={"ndf": 8},
        )
        x = np.zeros((2, 32, 32, 3), "float32")
        grid = model.sample_grid(x, x)  # 96x96 tiles, labelled rows
        small = model.sample_grid(x, x, min_tile=None)  # (202, 66, 3)
        ```
        """
        a = self._as_float(samples_a)
        b = self._as_float(samples_b)
        fake_b = self.translate(a, "ab")
        fake_a = self.translate(b, "ba")
        rows = [a, fake_b, self.translate(fake_b, "ba"), b, fake_a]
        rows.append(self.translate(fake_a, "ab"))
        return make_grid(
            rows, row_labels=list(GRID_ROWS), col_labels=col_labels, min_tile=min_tile
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
        precision="float32",
        pretrained_generator=None,
        **overrides,
    ):
        """Build (and compile) a CycleGAN from a named preset.

        Args:
            name: str. A preset of `keras_gans.presets.list_presets("CycleGAN")`.
            compile: bool. Compile with the preset's optimizers
                (`CycleGAN.preset_optimizers(name)`). Defaults to `True`.
            generator: dict or None. Overrides of both generators' network
                config, e.g. `{"ngf": 8}`. Defaults to `None`.
            discriminator: dict or None. Overrides of both discriminators'
                config. Defaults to `None`.
            precision: str. `"float32"`, `"mixed_bfloat16"` (CPUs with native
                bfloat16, TPUs) or `"mixed_float16"` (GPUs, with loss
                scaling): the `dtype` policy given to the four networks'
                builders (`keras_gans.models.base.check_precision`); the
                image pools, the losses and the generators' outputs stay
                float32. Defaults to `"float32"`.
            pretrained_generator: `keras.Model`, str or None. Start both
                generators from these weights (UVCGAN's joint pre-training,
                `keras_gans.models.GeneratorPretrainer`): a generator, a
                `GeneratorPretrainer`, or a `.keras` file of either (`keras-gans
                pretrain` writes one). Its network must have the preset's
                generator config (with the same overrides). Defaults to `None`.
            **overrides: CycleGAN constructor arguments replacing the
                preset's (`lambda_cycle`, `pool_size`, `seed`, ...).

        Returns:
            A `CycleGAN`.

        Example:

        ```python
        import keras_gans

        model = keras_gans.CycleGAN.from_preset(
            "residualgan_monet", generator={"ngf": 8}, discriminator={"ndf": 8}
        )
        callbacks = keras_gans.callbacks.from_preset("residualgan_monet")
        ```
        """
        check_precision(precision)  # None is not one: float32 by default
        preset = cls._load_preset(name)
        nets = [
            cls._create_network(preset[role], overrides, precision)
            for role, overrides in (
                ("generator", generator),
                ("generator", generator),
                ("discriminator", discriminator),
                ("discriminator", discriminator),
            )
        ]
        if pretrained_generator is not None:
            source = load_pretrained_generator(pretrained_generator)
            copy_generator_weights(source, nets[:2])
        return cls._finish_from_preset(name, preset, nets, overrides, compile)

    # === Config ===

    def get_config(self):
        # The networks, gan_loss, seed, ema_decay, augment: GANModel's.
        initial = self.initial_loss_weights
        return {
            **super().get_config(),
            "lambda_cycle": initial["cycle"],
            "lambda_identity": initial["identity"],
            "lambda_gan": initial["gan"],
            "identity_mode": self.identity_mode,
            "pool_size": self.pool_size,
        }


# === Helpers ===


def _check_direction(direction):
    if direction not in ("ab", "ba"):
        raise ValueError(
            f"`direction` must be 'ab' or 'ba'. Received: direction={direction!r}"
        )


def _generator_terms(gan_loss, domain_a, domain_b):
    """The generators' loss terms, in the paper's notation (keras.ops only).

    Args:
        gan_loss: `keras_gans.losses.GANLoss`. The adversarial loss.
        domain_a: tuple. `(a, F(G(a)), F(a), D_A(F(b)))`.
        domain_b: tuple. `(b, G(F(b)), G(b), D_B(G(a)))`.

    Returns:
        A dict of the six terms the model logs besides the totals.
    """
    real_a, rec_a, same_a, d_a_of_fake = domain_a
    real_b, rec_b, same_b, d_b_of_fake = domain_b
    return {
        "gan_ab": gan_loss.generator_loss(d_b_of_fake),  # D_B(G(a)) -> "real"
        "gan_ba": gan_loss.generator_loss(d_a_of_fake),  # D_A(F(b)) -> "real"
        "cycle_a": gan_losses.l1_loss(real_a, rec_a),  # |F(G(a)) - a|_1
        "cycle_b": gan_losses.l1_loss(real_b, rec_b),  # |G(F(b)) - b|_1
        "identity_a": gan_losses.l1_loss(real_a, same_a),  # |F(a) - a|_1
        "identity_b": gan_losses.l1_loss(real_b, same_b),  # |G(b) - b|_1
    }


def _is_shape(value):
    if isinstance(value, tf.TensorShape):  # e.g. `tensor.shape`
        return value.rank is not None
    return isinstance(value, list | tuple) and all(
        d is None or isinstance(d, int | np.integer) for d in value
    )


def _split_shapes(input_shape):
    if _is_shape(input_shape):
        return tuple(input_shape), tuple(input_shape)
    if isinstance(input_shape, list | tuple) and len(input_shape) == 2:
        a, b = input_shape
        if _is_shape(a) and _is_shape(b):
            return tuple(a), tuple(b)
    raise ValueError(
        "CycleGAN.build() expects the shape of a batch of images or a pair "
        f"(shape_a, shape_b). Received: input_shape={input_shape!r}"
    )


def _fake_shape(generator, source_shape, target_shape):
    """Shape of `generator(source)`, falling back to source H, W + target C."""
    try:
        shape = tuple(generator.compute_output_shape(tuple(source_shape)))
        if len(shape) == 4 and all(d is not None for d in shape[1:]):
            return shape
    except Exception:  # noqa: BLE001 - any network without shape inference
        pass
    return (source_shape[0], source_shape[1], source_shape[2], target_shape[-1])
