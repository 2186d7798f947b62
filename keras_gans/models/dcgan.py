"""DCGAN: a noise-to-image GAN trained with `model.compile(); model.fit(ds)`."""

import math

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_gans import losses as gan_losses
from keras_gans._checks import check_int
from keras_gans.callbacks import EMAStatistics
from keras_gans.distribute import replica_rows
from keras_gans.imaging import make_grid, to_uint8
from keras_gans.models.backends import plumbing
from keras_gans.models.base import TwoNetworkGAN, _read_now, check_number
from keras_gans.models.tracing import call_once

OUTPUT_DTYPES = ("float32", "uint8")


@keras.saving.register_keras_serializable(package="keras_gans")
class DCGAN(TwoNetworkGAN):
    """DCGAN: a generator `G: z -> image` and a discriminator `D`, trained by `fit`.

    One `train_step` per batch of real images `x` (NHWC float32 in [-1, 1];
    labels in `(x, y)` batches are ignored), in one of two ways:

    **Alternating** (`joint_discriminator_call=False`, the default without
    spectral norm), the PyTorch DCGAN tutorial that seed 004 builds on:

    ```
    1) z ~ N(0, I) (batch, latent_dim) from the model's SeedGenerator;
       fake = G(z, training=True)
    2) D step: d_loss = adv_D(D(x), D(stop_gradient(fake))) [+ lambda_gp * GP]
       (two calls: batch norm sees all-real and all-fake batches)
    3) G step: g_loss = adv_G(D(fake)), the same fakes through the updated D
    ```

    **Joint** (`joint_discriminator_call=True`, the default when the
    discriminator has `keras.layers.SpectralNormalization` layers):

    ```
    1) fake = G(z, training=True)
    2) [D(x); D(fake)] = D([x; fake], training=True): ONE call
    3) d_loss = adv_D(D(x), D(fake)) [+ GP], g_loss = adv_G(D(fake));
       D and G are updated from this same forward pass
    ```

    In joint mode a spectrally normalized discriminator does exactly one
    power iteration per step (Keras' `SpectralNormalization` does one per
    call in training mode) and judges real and fake images with the same
    weights. The G step always calls D in training mode: with a
    batch-normalized D (all of seed 004's), an inference-mode call would
    judge with the moving statistics, a different function from the one D
    trains, and training collapses (see docs/dcgan.md). G is called once per
    step in both modes, so a spectrally normalized generator also does one
    power iteration per step. `adv_D` / `adv_G` are the methods of
    `gan_loss` (`keras_gans.losses`); the gradient penalty calls D in
    inference mode, so it moves no power iteration or BN statistics. G's
    update is applied once every `n_critic` steps.

    Logged: `d_loss`, `g_loss`, `d_real` and `d_fake` (the mean raw
    discriminator outputs on real and fake images in the D step; for the
    vanilla loss these are logits: above 0 means "real").

    Args:
        generator: `keras.Model`. Noise `(batch, latent_dim)` -> images in
            [-1, 1] (e.g. `keras_gans.networks.create("cspup_dcgan")`).
        discriminator: `keras.Model`. Images -> logits (any shape, e.g.
            `(batch, 1)`; no sigmoid).
        latent_dim: int. Size of the noise vector; must match the
            generator's input. Defaults to `100`.
        gan_loss: str or `keras_gans.losses.GANLoss`. `"vanilla"` (the
            DCGAN's BCE), `"lsgan"`, `"hinge"` or `"wgan-gp"`. Defaults to
            `"vanilla"`.
        label_smoothing: float. One-sided label smoothing: the real target
            of the discriminator is `1 - label_smoothing` (vanilla and lsgan
            only). Defaults to `0.0`.
        n_critic: int or None. Discriminator steps per generator step; every
            step trains D on a new batch, G is updated on every
            `n_critic`-th step. `None` takes the loss's own (`5` for
            `"wgan-gp"`, else `1`). Defaults to `None`.
        gp_weight: float or None. Weight of the WGAN-GP gradient penalty
            (held in the variable `model.lambda_gp`); the penalty is computed
            only if it is > 0 at construction. `None` takes the loss's own
            (`10.0` for `"wgan-gp"`, else `0.0`). Defaults to `None`.
        joint_discriminator_call: bool or None. Train with one
            discriminator call per step (joint) or the alternating steps,
            see above. `None`: joint if the discriminator has spectral
            norm. Defaults to `None`.
        seed: int or None. Seed of the training noise (and of the penalty's
            interpolation, the augmentation). Defaults to `None`.
        ema_decay: float or None. Keep an exponential moving average of
            the generator's weights (`generator_ema`), updated after every
            step (warmed up as `min(ema_decay, (1 + n) / (10 + n))`);
            `generate`, `sample_grid` and export then use it. It is saved
            and resumed with the model. `None`: off. Defaults to `None`.
        ema_statistics: int or None. With `ema_decay`: at the end of every
            epoch of `fit` (and of `keras_gans.training.train`), give
            `generator_ema` batch-norm statistics of its own weights from
            this many noise vectors (`update_ema_statistics`; the
            `EMAStatistics` callback, run before the user's callbacks, so
            that their samples and checkpoints use them). Without it the
            EMA generator keeps the trained generator's statistics, which do
            not fit its averaged weights (grey samples early in training;
            docs/quality.md, "DCGAN"). `None` or `0`: off. Defaults to
            `1024`.
        augment: str, `keras_gans.augment.DiffAugment` or None.
            Differentiable augmentation of the real and fake images the
            discriminator sees (e.g. `"color,translation,cutout"`), for
            small data sets. `None`: off. Defaults to `None`.
        **kwargs: base `keras.Model` arguments (`name`, ...).

    Example:

    ```python
    import numpy as np
    import keras_gans
    from keras_gans import networks

    model = keras_gans.DCGAN(
        networks.create("cspup_dcgan", latent_dim=16, filters=(16, 8)),
        networks.create("dcgan_discriminator", ndf=8, input_shape=(16, 16, 3)),
        latent_dim=16,
    )
    model.compile()  # Adam, G lr 2e-4, D lr 1e-4, beta_1 0.5 (seed 004)
    images = np.random.uniform(-1, 1, (8, 16, 16, 3)).astype("float32")
    history = model.fit(images, batch_size=4, epochs=1, verbose=0)
    samples = model.generate(4, seed=0)  # (4, 16, 16, 3) in [-1, 1]
    ```

    Reference:
        Radford et al., "Unsupervised Representation Learning with Deep
        Convolutional Generative Adversarial Networks", ICLR 2016
        (https://arxiv.org/abs/1511.06434).
    """

    LOSS_NAMES = ("d_loss", "g_loss", "d_real", "d_fake")

    def __init__(
        self,
        generator,
        discriminator,
        *,
        latent_dim=100,
        gan_loss="vanilla",
        label_smoothing=0.0,
        n_critic=None,
        gp_weight=None,
        joint_discriminator_call=None,
        seed=None,
        ema_decay=None,
        ema_statistics=1024,
        augment=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        # === Validation ===
        self._check_two_networks(generator, discriminator)
        _check_network_shapes(generator, discriminator, latent_dim)
        loss = gan_losses.get(gan_loss)
        _check_settings(
            loss,
            gan_loss=gan_loss,
            label_smoothing=label_smoothing,
            n_critic=n_critic,
            gp_weight=gp_weight,
            joint_discriminator_call=joint_discriminator_call,
        )

        # === Networks and settings ===
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.label_smoothing = float(label_smoothing)
        self._n_critic_arg = n_critic
        self._gp_weight_arg = gp_weight
        self.n_critic = loss.n_critic if n_critic is None else n_critic
        gp = loss.gradient_penalty_weight if gp_weight is None else gp_weight
        # Whether the train step computes the penalty is fixed when it is
        # traced: a schedule may change `lambda_gp`, not switch it on from 0.
        self._use_gradient_penalty = gp > 0
        self._joint_arg = joint_discriminator_call
        self.joint_discriminator_call = (
            _has_spectral_norm(discriminator)
            if joint_discriminator_call is None
            else joint_discriminator_call
        )

        # === Loss, augmentation; state: loss weight, learning rates, EMA ===
        self._create_model_state({"gp": float(gp)}, loss, seed, ema_decay, augment)
        self.ema_statistics = check_int(
            "ema_statistics", ema_statistics or 0, minimum=0
        )

    # === Building ===

    def build(self, input_shape):
        """Check that a batch of real images of `input_shape` fits the networks.

        Args:
            input_shape: the shape of a batch of real images `(batch, H, W,
                C)`, or a pair `(image_shape, label_shape)`.
        """
        shape = input_shape
        if (
            isinstance(shape, list | tuple)
            and shape
            and isinstance(shape[0], list | tuple)
        ):
            shape = shape[0]
        shape = tuple(shape)
        g_out = _static_shape(self.generator, "output_shape")
        if len(shape) != 4 or (g_out is not None and not _compatible(g_out, shape)):
            raise ValueError(
                f"The real images must be batches shaped like the generator's "
                f"output {g_out}. Received: input_shape={input_shape!r}"
            )

    def call(self, inputs, training=False):
        """`G(z)`: noise `(batch, latent_dim)` -> images."""
        return self.generator(inputs, training=training)

    # === Compile ===

    def compile(
        self,
        generator_optimizer=None,
        discriminator_optimizer=None,
        *,
        discriminator_lr_ratio=0.5,
        **kwargs,
    ):
        """Create (or take) and build the generator and discriminator optimizers.

        Defaults (seed 004): Adam with `beta_1=0.5`, `beta_2=0.999`,
        generator learning rate `2e-4`, discriminator `1e-4`. A missing
        discriminator optimizer is a copy of the generator optimizer with its
        learning rate multiplied by `discriminator_lr_ratio` (`0.5`: seed
        004's D:G = 1:2; `4.0`: its spectral-norm run, G:D = 1:4).

        Args:
            generator_optimizer: optimizer, str or None. Defaults to `None`
                (Adam as above).
            discriminator_optimizer: optimizer, str or None. Defaults to
                `None` (copy of the generator optimizer, rate x ratio).
            discriminator_lr_ratio: float. Discriminator / generator learning
                rate for the copied optimizer. Defaults to `0.5`.
            **kwargs: `run_eagerly`, `jit_compile`, `steps_per_execution`.

        Example:

        ```python
        import keras_gans

        model = keras_gans.DCGAN.from_preset(
            "cspup", compile=False, generator={"filters": (16, 8)},
            discriminator={"ndf": 8},
        )
        model.compile(discriminator_lr_ratio=4.0)
        float(model.discriminator_optimizer.learning_rate.numpy())  # 0.0008
        ```
        """
        optimizers = (generator_optimizer, discriminator_optimizer)
        self._compile_networks(optimizers, discriminator_lr_ratio, **kwargs)

    # === Training ===

    def _noise(self, batch):
        # Under tf.distribute each replica takes its own rows of the noise of
        # the global batch: no noise shared by replicas, and the same draws
        # as one device (keras_gans.distribute.replica_rows).
        return replica_rows(
            lambda n: keras.random.normal(
                (n, self.latent_dim), seed=self.seed_generator
            ),
            batch,
        )

    def _frozen_discriminator(self, images, training=None):
        # For the gradient penalty: inference mode, so that a spectral norm's
        # power iteration and batch-norm statistics move once per step only.
        return self.discriminator(images, training=False)

    def discriminator_loss(self, real_logits, fake_logits):
        """The discriminator's adversarial loss, with one-sided label smoothing.

        `gan_loss.discriminator_loss(real_logits, fake_logits)` with the real
        target `1 - label_smoothing`: for the vanilla loss
        `BCE(D(x), 1 - s) = BCE(D(x), 1) + s * D(x)`, for lsgan
        `mean((D(x) - 1 + s)^2)`. (The gradient penalty is added in the
        train step.)

        Args:
            real_logits: tensor. Discriminator outputs on real images.
            fake_logits: tensor. Discriminator outputs on fake images.

        Returns:
            A float32 scalar.
        """
        loss = self.gan_loss.discriminator_loss(real_logits, fake_logits)
        s = self.label_smoothing
        if s:
            real = ops.cast(real_logits, "float32")
            if isinstance(self.gan_loss, gan_losses.Vanilla):
                loss = loss + s * ops.mean(real)
            else:  # LSGAN: (l - 1 + s)^2 = (l - 1)^2 + 2 s (l - 1) + s^2
                loss = loss + 2.0 * s * ops.mean(real - 1.0) + s * s
        return loss

    def _discriminator_objective(self, real, fake, real_logits, fake_logits):
        """`discriminator_loss` plus, if enabled, the R1 and gradient
        penalties (`real`, `fake`: the images as the discriminator saw them)."""
        d_loss = self.discriminator_loss(real_logits, fake_logits)
        if self.gan_loss.r1_weight > 0:
            d_loss = d_loss + self._r1_term(self.discriminator, real)
        if self._use_gradient_penalty:
            d_loss = d_loss + self.lambda_gp * self._gradient_penalty(
                self._frozen_discriminator, real, ops.stop_gradient(fake)
            )
        return d_loss

    def _train_step(self, data):
        real = ops.cast(_unpack_images(data), "float32")
        if plumbing() is not None:
            return self._train_step_other_backends(real)
        G, D = self.generator, self.discriminator
        batch = ops.shape(real)[0]
        # D's step count before this step: G steps when it is n - 1 mod n.
        critic_steps = _read_now(self.discriminator_optimizer.iterations)
        if self.joint_discriminator_call:
            # D's loss on its own tape, entered after G ran: its gradient
            # stops at D's input instead of tracing G's backward pass once
            # more (dead ops, pruned before running, but traced).
            d_tape = tf.GradientTape()
            with tf.GradientTape() as g_tape:
                # 1) fakes from fresh noise
                fake = G(self._noise(batch), training=True)
                seen_real, seen_fake = self._seen(real), self._seen(fake)
                with d_tape:
                    # 2) ONE discriminator call on [real; fake] serves both
                    real_logits, fake_logits = call_once(
                        D, (seen_real, seen_fake), training=True
                    )
                    d_loss = self._discriminator_objective(
                        seen_real, seen_fake, real_logits, fake_logits
                    )
                g_loss = self.gan_loss.generator_loss(fake_logits)
            # 3) both updates from the same forward pass
            d_grads = self._gradients("discriminator", d_tape, d_loss)
            g_grads = self._gradients("generator", g_tape, g_loss)
            del g_tape, d_tape
            self._apply_gradients("discriminator", d_grads)
        else:
            with tf.GradientTape() as g_tape:
                # 1) fakes from fresh noise
                fake = G(self._noise(batch), training=True)
                # 2) D step (not on G's tape): real and fake batches apart
                with g_tape.stop_recording():
                    seen_real = self._seen(real)
                    seen_fake = self._seen(ops.stop_gradient(fake))
                    with tf.GradientTape() as d_tape:
                        real_logits = D(seen_real, training=True)
                        fake_logits = D(seen_fake, training=True)
                        d_loss = self._discriminator_objective(
                            seen_real, seen_fake, real_logits, fake_logits
                        )
                    d_grads = self._gradients("discriminator", d_tape, d_loss)
                    self._apply_gradients("discriminator", d_grads)
                # 3) G step: the same fakes through the updated D
                g_loss = self.gan_loss.generator_loss(
                    D(self._seen(fake), training=True)
                )
            g_grads = self._gradients("generator", g_tape, g_loss)
        self._apply_gradients(
            "generator", g_grads, every=self.n_critic, counter=critic_steps
        )
        self._update_ema()
        return self._update_trackers(_logs(d_loss, g_loss, real_logits, fake_logits))

    def _train_step_other_backends(self, real):
        """`train_step` on JAX and PyTorch: the same two modes, gradients
        from `keras_gans.models.backends`. Alternating mode repeats G's
        forward pass for G's loss (D's update in between), its state updates
        (norm statistics) dropped so that they move once per step."""
        G, D = self.generator, self.discriminator
        noise = self._noise(ops.shape(real)[0])
        critic_steps = _read_now(self.discriminator_optimizer.iterations)
        if self.joint_discriminator_call:
            values, grads = plumbing().gradients(
                self,
                lambda: self._joint_losses(real, noise),
                [{"discriminator": "d_loss"}, {"generator": "g_loss"}],
            )
            self._apply_gradients("discriminator", grads["discriminator"])
        else:
            values, grads = plumbing().gradients(
                self,
                lambda: self._discriminator_losses(real, noise),
                [{"discriminator": "d_loss"}],
            )
            self._apply_gradients("discriminator", grads["discriminator"])
            g_values, grads = plumbing().gradients(
                self,
                lambda: {
                    "g_loss": self.gan_loss.generator_loss(
                        D(self._seen(G(noise, training=True)), training=True)
                    )
                },
                [{"generator": "g_loss"}],
                frozen=G.non_trainable_variables,
            )
            values["g_loss"] = g_values["g_loss"]
        self._apply_gradients(
            "generator", grads["generator"], every=self.n_critic, counter=critic_steps
        )
        self._update_ema()
        return self._update_trackers(
            _logs(values["d_loss"], values["g_loss"], values["real"], values["fake"])
        )

    def _joint_losses(self, real, noise):
        """Joint mode's forward pass: fakes, ONE discriminator call on
        [real; fake], both losses."""
        fake = self.generator(noise, training=True)
        seen_real, seen_fake = self._seen(real), self._seen(fake)
        real_logits, fake_logits = call_once(
            self.discriminator, (seen_real, seen_fake), training=True
        )
        d_loss = self._discriminator_objective(
            seen_real, seen_fake, real_logits, fake_logits
        )
        g_loss = self.gan_loss.generator_loss(fake_logits)
        return {
            "d_loss": d_loss,
            "g_loss": g_loss,
            "real": real_logits,
            "fake": fake_logits,
        }

    def _discriminator_losses(self, real, noise):
        """Alternating mode's discriminator pass: fakes (detached), real and
        fake batches through D apart, D's objective."""
        fake = ops.stop_gradient(self.generator(noise, training=True))
        seen_real, seen_fake = self._seen(real), self._seen(fake)
        real_logits = self.discriminator(seen_real, training=True)
        fake_logits = self.discriminator(seen_fake, training=True)
        d_loss = self._discriminator_objective(
            seen_real, seen_fake, real_logits, fake_logits
        )
        return {"d_loss": d_loss, "real": real_logits, "fake": fake_logits}

    def _test_step(self, data):
        real = ops.cast(_unpack_images(data), "float32")
        fake = self.generator(self._noise(ops.shape(real)[0]), training=False)
        real_logits, fake_logits = call_once(
            self.discriminator, (real, fake), training=False
        )
        return self._update_trackers(
            {
                "d_loss": self.discriminator_loss(real_logits, fake_logits),
                "g_loss": self.gan_loss.generator_loss(fake_logits),
                "d_real": ops.mean(ops.cast(real_logits, "float32")),
                "d_fake": ops.mean(ops.cast(fake_logits, "float32")),
            }
        )

    # === Inference ===

    def sample_noise(self, n, seed=None):
        """Noise vectors `z ~ N(0, I)` of shape `(n, latent_dim)`.

        Independent of the training noise: the same `seed` gives the same
        noise in any process (numpy's `default_rng`).

        Args:
            n: int. Number of vectors.
            seed: int or None. Defaults to `None` (fresh randomness).

        Returns:
            A float32 numpy array `(n, latent_dim)`.

        Example:

        ```python
        import keras_gans

        model = keras_gans.DCGAN.from_preset(
            "cspup", generator={"filters": (16, 8)}, discriminator={"ndf": 8}
        )
        z = model.sample_noise(16, seed=0)  # (16, 100)
        ```
        """
        n = check_int("n", n)
        rng = np.random.default_rng(seed)
        return rng.standard_normal((n, self.latent_dim)).astype("float32")

    def inference_generator(self):
        """The generator that inference uses: `generator_ema` when the model
        keeps a moving average (`ema_decay`), else `generator`.

        Returns:
            A `keras.Model`.
        """
        return self.ema_network("generator")

    def update_ema_statistics(self, n=1024, seed=0, batch_size=128):
        """Give the EMA generator batch-norm statistics of its own weights.

        The EMA generator averages the trained generator's weights but takes
        its batch-norm moving statistics as they are, which do not match the
        averaged weights; this runs it in training mode on `n` noise vectors
        and sets each batch norm's moving mean and variance to the mean of
        its batch statistics (`keras_gans.models.weights.
        recompute_norm_statistics`, as torch's `swa_utils.update_bn`). `fit`
        calls it at the end of every epoch when the model's `ema_statistics`
        is set (the default); call it yourself after a custom loop, before
        `generate`, `sample_grid` or export. Training again overwrites the
        statistics (they are copied at every step). docs/quality.md
        measures what it does.

        Args:
            n: int. Noise vectors to run. Defaults to `1024`.
            seed: int or None. Seed of the noise. Defaults to `0`.
            batch_size: int. Vectors per call. Defaults to `128`.

        Returns:
            int: the number of batch-norm layers updated (0 for a generator
            without batch norm).

        Raises:
            ValueError: when the model keeps no moving average (`ema_decay`).

        Example:

        ```python
        import keras_gans

        model = keras_gans.DCGAN.from_preset(
            "cspup", generator={"filters": (16, 8)}, discriminator={"ndf": 8},
            ema_decay=0.999,
        )
        # ... model.fit(...)
        model.update_ema_statistics(256)  # the batch norms of generator_ema
        images = model.generate(8, seed=0)
        ```
        """
        noise = self.sample_noise(n, seed)
        return self._update_ema_statistics({"generator": noise}, batch_size)[
            "generator"
        ]

    def _model_callbacks(self):
        if self.ema_decay and self.ema_statistics:
            return [EMAStatistics(self.ema_statistics)]
        return []

    def generate(
        self, n=None, seed=None, *, noise=None, batch_size=64, dtype="float32"
    ):
        """Images from the generator (inference mode; the EMA generator when
        the model keeps one).

        Args:
            n: int or None. Number of images, from `sample_noise(n, seed)`.
                Give `n` or `noise`. Defaults to `None`.
            seed: int or None. Seed of the noise: the same seed gives the same
                images. Defaults to `None`.
            noise: array or None. Noise `(n, latent_dim)` to use instead.
                Defaults to `None`.
            batch_size: int. Images per generator call. Defaults to `64`.
            dtype: str. `"float32"` (images in [-1, 1]) or `"uint8"` ([0,
                255]). Defaults to `"float32"`.

        Returns:
            A numpy array `(n, H, W, C)`.

        Example:

        ```python
        import keras_gans

        model = keras_gans.DCGAN.from_preset(
            "cspup", generator={"filters": (16, 8)}, discriminator={"ndf": 8}
        )
        images = model.generate(8, seed=0)  # (8, 16, 16, 3) in [-1, 1]
        pixels = model.generate(8, seed=0, dtype="uint8")
        ```
        """
        if (n is None) == (noise is None):
            raise ValueError(
                "Give exactly one of `n` and `noise`. "
                f"Received: n={n!r}, noise={'None' if noise is None else 'an array'}"
            )
        batch_size = check_int("batch_size", batch_size)
        if dtype not in OUTPUT_DTYPES:
            raise ValueError(
                f"`dtype` must be one of {OUTPUT_DTYPES}. Received: dtype={dtype!r}"
            )
        if noise is None:
            z = self.sample_noise(n, seed)
        else:
            z = np.asarray(keras.ops.convert_to_numpy(noise), dtype="float32")
            if z.ndim != 2 or z.shape[1] != self.latent_dim:
                raise ValueError(
                    f"`noise` must have shape (n, {self.latent_dim}). "
                    f"Received shape: {z.shape}"
                )
        generator = self.ema_network("generator")  # the EMA one when kept
        out = [
            keras.ops.convert_to_numpy(
                generator(z[i : i + batch_size], training=False)
            ).astype("float32")
            for i in range(0, len(z), batch_size)
        ]
        images = np.concatenate(out, axis=0)
        return to_uint8(images) if dtype == "uint8" else images

    def sample_grid(self, noise, n_cols=None, min_tile=96, labels=True):
        """A uint8 grid of `generate(noise=noise)` for `SampleGridLogger`.

        Pass the same noise every epoch (`SampleGridLogger(model.sample_noise(
        64, seed=0))`) to watch the same samples evolve. Small images are
        enlarged (nearest neighbour) to at least `min_tile` pixels a side,
        and the rows and columns are numbered (row `"4-6"`, column `"2"`:
        sample 5), so that a 32x32 sample can be seen and named.

        Args:
            noise: array `(n, latent_dim)`.
            n_cols: int or None. Images per row. Defaults to `None`
                (`ceil(sqrt(n))`; a last incomplete row is padded white).
            min_tile: int or None. Smallest tile side in pixels; `None`
                keeps the images' size. Defaults to `96`.
            labels: bool. Number the rows and columns. Defaults to `True`.

        Returns:
            A uint8 array `(H_grid, W_grid, C)`.

        Example:

        ```python
        import keras_gans

        model = keras_gans.DCGAN.from_preset(
            "cspup", generator={"filters": (16, 8)}, discriminator={"ndf": 8}
        )
        noise = model.sample_noise(9, seed=0)
        grid = model.sample_grid(noise)  # 3x3 tiles of 96x96, numbered
        plain = model.sample_grid(noise, min_tile=None, labels=False)  # (52, 52, 3)
        ```
        """
        images = self.generate(noise=noise, dtype="uint8")
        n = len(images)
        if n_cols is None:
            n_cols = math.ceil(math.sqrt(n))
        n_cols = check_int("n_cols", n_cols)
        n_rows = math.ceil(n / n_cols)
        blank = np.full((n_rows * n_cols - n,) + images.shape[1:], 255, "uint8")
        images = np.concatenate([images, blank], axis=0)
        rows = [images[r * n_cols : (r + 1) * n_cols] for r in range(n_rows)]
        if not labels:
            return make_grid(rows, min_tile=min_tile)
        row_labels = [
            f"{r * n_cols + 1}-{min(n, (r + 1) * n_cols)}" for r in range(n_rows)
        ]
        col_labels = [str(c + 1) for c in range(n_cols)]
        return make_grid(
            rows, row_labels=row_labels, col_labels=col_labels, min_tile=min_tile
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
        """Build (and compile) a DCGAN from a named preset.

        The discriminator's `input_shape` follows the generator's output
        unless given, so `generator={"filters": (64, 32, 16)}` (32x32 images)
        needs no discriminator change.

        Args:
            name: str. A preset of `keras_gans.presets.list_presets("DCGAN")`
                or a short name: `"cspup"`, `"cspup_residual_d"`,
                `"cspup_spectral"`.
            compile: bool. Compile with the preset's optimizers
                (`DCGAN.preset_optimizers(name)`). Defaults to `True`.
            generator: dict or None. Overrides of the generator's network
                config, e.g. `{"filters": (32, 16)}`. Defaults to `None`.
            discriminator: dict or None. Overrides of the discriminator's
                config, e.g. `{"ndf": 8}`. Defaults to `None`.
            precision: str or None. `"float32"`, `"mixed_bfloat16"` or
                `"mixed_float16"`: the `dtype` policy given to both networks'
                builders (`keras_gans.models.base.check_precision`); `None`
                leaves the builders' default (the global policy). Defaults
                to `None`.
            **overrides: DCGAN constructor arguments replacing the preset's
                (`gan_loss`, `label_smoothing`, `seed`, ...).

        Returns:
            A `DCGAN`.

        Example:

        ```python
        import keras_gans

        model = keras_gans.DCGAN.from_preset(
            "cspup_spectral", generator={"filters": (16, 8)}, discriminator={"ndf": 8}
        )
        float(model.discriminator_optimizer.learning_rate.numpy())  # 0.0004
        ```
        """
        preset = cls._load_preset(name)
        gen = cls._create_network(preset["generator"], generator, precision)
        d_config = dict(discriminator or {})
        g_out = _static_shape(gen, "output_shape")
        if "input_shape" not in {**preset["discriminator"]["config"], **d_config}:
            if g_out is not None:
                d_config["input_shape"] = tuple(g_out[1:])
        disc = cls._create_network(preset["discriminator"], d_config, precision)
        # The generator's input size is the latent size, unless overridden.
        overrides = {"latent_dim": gen.input_shape[-1], **overrides}
        return cls._finish_from_preset(name, preset, (gen, disc), overrides, compile)

    # === Config ===

    def get_config(self):
        # The networks, gan_loss, seed, ema_decay, augment: GANModel's.
        return {
            **super().get_config(),
            "latent_dim": self.latent_dim,
            "label_smoothing": self.label_smoothing,
            "n_critic": self._n_critic_arg,
            "gp_weight": self._gp_weight_arg,
            "joint_discriminator_call": self._joint_arg,
            "ema_statistics": self.ema_statistics,
        }


# === Helpers ===


def _check_network_shapes(generator, discriminator, latent_dim):
    """Raise unless the networks fit together and `latent_dim`."""
    latent_dim = check_int("latent_dim", latent_dim)
    g_in = _static_shape(generator, "input_shape")
    if g_in is not None and g_in[-1] is not None and g_in[-1] != latent_dim:
        raise ValueError(
            f"`latent_dim` must match the generator's input size {g_in[-1]}. "
            f"Received: latent_dim={latent_dim}"
        )
    g_out = _static_shape(generator, "output_shape")
    d_in = _static_shape(discriminator, "input_shape")
    if g_out is not None and d_in is not None and not _compatible(g_out, d_in):
        raise ValueError(
            f"The generator makes images of shape {g_out[1:]} but the "
            f"discriminator takes {d_in[1:]}; build them for the same size "
            "(e.g. `input_shape=` of the discriminator)."
        )


def _check_settings(
    loss, *, gan_loss, label_smoothing, n_critic, gp_weight, joint_discriminator_call
):
    """Raise unless the training settings are valid for the loss `loss`."""
    check_number("label_smoothing", label_smoothing, below_one=True)
    if label_smoothing and not isinstance(loss, gan_losses.Vanilla | gan_losses.LSGAN):
        raise ValueError(
            "`label_smoothing` needs a loss with targets ('vanilla' or "
            f"'lsgan'). Received: gan_loss={gan_loss!r}, "
            f"label_smoothing={label_smoothing!r}"
        )
    if n_critic is not None:
        n_critic = check_int("n_critic", n_critic)
    if joint_discriminator_call not in (None, True, False):
        raise ValueError(
            "`joint_discriminator_call` must be None, True or False. "
            f"Received: joint_discriminator_call={joint_discriminator_call!r}"
        )
    if gp_weight is not None:
        expected = "a non-negative number or None"
        check_number("gp_weight", gp_weight, expected=expected)


def _unpack_images(data):
    """The real images of a batch `x`, `(x,)` or `(x, y)`."""
    x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
    return x


def _has_spectral_norm(network):
    """Whether `network` contains a `keras.layers.SpectralNormalization`."""
    return any(
        isinstance(layer, keras.layers.SpectralNormalization)
        for layer in network._flatten_layers(include_self=True, recursive=True)
    )


def _static_shape(model, attr):
    """`model.input_shape` / `output_shape` as a tuple, or None if unknown."""
    try:
        shape = getattr(model, attr)
    except (AttributeError, ValueError, RuntimeError):
        return None
    if isinstance(shape, list | tuple) and shape and isinstance(shape[0], list | tuple):
        return None  # several inputs / outputs: not a plain DCGAN network
    return tuple(shape) if shape is not None else None


def _compatible(a, b):
    """Equal shapes, ignoring the batch axis and unknown dimensions."""
    if len(a) != len(b):
        return False
    return all(x is None or y is None or x == y for x, y in zip(a[1:], b[1:]))


def _logs(d_loss, g_loss, real_logits, fake_logits):
    """What a DCGAN step logs: both losses and D's mean logits."""
    return {
        "d_loss": d_loss,
        "g_loss": g_loss,
        "d_real": ops.mean(ops.cast(real_logits, "float32")),
        "d_fake": ops.mean(ops.cast(fake_logits, "float32")),
    }
