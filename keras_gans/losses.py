"""Adversarial and reconstruction losses for GAN training (`keras.ops` only).

An adversarial loss is an object with two methods, so that a model can
switch between them by name:

- `discriminator_loss(real_logits, fake_logits)`: the loss the
  discriminator minimizes, the real term plus the fake term (CycleGAN
  multiplies it by 0.5, as the paper does);
- `generator_loss(fake_logits)`: the loss the generator minimizes.

Logits are raw discriminator outputs (no sigmoid), of any shape; every loss
is a mean over all elements, computed in float32.

| name | discriminator | generator |
|---|---|---|
| `"lsgan"` | `mean((D(x) - 1)^2) + mean(D(G(z))^2)` | `mean((D(G(z)) - 1)^2)` |
| `"vanilla"` | `BCE(D(x), 1) + BCE(D(G(z)), 0)` | `BCE(D(G(z)), 1)` (non-saturating) |
| `"hinge"` | `mean(relu(1 - D(x))) + mean(relu(1 + D(G(z))))` | `-mean(D(G(z)))` |
| `"wgan-gp"` | `mean(D(G(z))) - mean(D(x))` (+ gradient penalty) | `-mean(D(G(z)))` |

The gradient penalties, WGAN-GP's `gradient_penalty` and `r1_penalty`, need
automatic differentiation through the discriminator: that one step
(`_input_gradient`) is backend code (a tape on TensorFlow,
`torch.autograd.grad` on PyTorch, `jax.grad` on JAX), the rest `keras.ops`. The models
call them from their train steps with the weight and the number of critic
steps that the loss object carries.
"""

import keras
from keras import ops

from keras_gans._checks import check_int

_PACKAGE = "keras_gans"


def _f32(x):
    return ops.cast(x, "float32")


def l1_loss(y_true, y_pred):
    """Mean absolute error, the CycleGAN cycle-consistency and identity loss.

    Args:
        y_true: tensor. The target images.
        y_pred: tensor. The reconstructed images, same shape.

    Returns:
        A float32 scalar: `mean(|y_true - y_pred|)`.

    Example:

    ```python
    import numpy as np
    from keras_gans import losses

    losses.l1_loss(np.zeros((1, 4, 4, 3)), np.ones((1, 4, 4, 3)))  # 1.0
    ```
    """
    return ops.mean(ops.abs(_f32(y_true) - _f32(y_pred)))


def mse_loss(y_true, y_pred):
    """Mean squared error.

    Args:
        y_true: tensor. The target.
        y_pred: tensor. The prediction, same shape.

    Returns:
        A float32 scalar: `mean((y_true - y_pred)^2)`.

    Example:

    ```python
    import numpy as np
    from keras_gans import losses

    losses.mse_loss(np.zeros((2, 3)), np.full((2, 3), 2.0))  # 4.0
    ```
    """
    return ops.mean(ops.square(_f32(y_true) - _f32(y_pred)))


class GANLoss:
    """Base class of the adversarial losses.

    Subclasses implement `discriminator_loss` and `generator_loss`. The
    attributes `gradient_penalty_weight` (0 unless WGAN-GP), `n_critic`
    (discriminator steps per generator step, 1 unless WGAN-GP) and
    `r1_weight` tell the train step what else to do.

    Every loss takes `r1_weight`: with `r1_weight > 0` the models add the
    R1 penalty on real images, `r1_weight / 2 * mean(||grad_x D(x)||^2)`
    (Mescheder et al., 2018), to each discriminator loss
    (`r1_penalty`). It keeps the discriminator
    smooth around the real data, which steadies training on small data sets.

    Args:
        r1_weight: float. Weight of the R1 penalty (gamma in the paper); 0
            for none. Defaults to `0.0`.

    Example:

    ```python
    import numpy as np
    from keras_gans import losses

    loss = losses.get("lsgan")
    d = loss.discriminator_loss(np.ones((2, 4, 4, 1)), np.zeros((2, 4, 4, 1)))
    g = loss.generator_loss(np.zeros((2, 4, 4, 1)))  # 1.0
    ```
    """

    name = None
    gradient_penalty_weight = 0.0
    n_critic = 1

    def __init__(self, r1_weight=0.0):
        if (
            isinstance(r1_weight, bool)
            or not isinstance(r1_weight, int | float)
            or r1_weight < 0
        ):
            raise ValueError(
                "`r1_weight` must be a non-negative number. "
                f"Received: r1_weight={r1_weight!r}"
            )
        self.r1_weight = float(r1_weight)

    def discriminator_loss(self, real_logits, fake_logits):
        raise NotImplementedError

    def generator_loss(self, fake_logits):
        raise NotImplementedError

    def get_config(self):
        return {"r1_weight": self.r1_weight}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{self.__class__.__name__}({args})"


@keras.saving.register_keras_serializable(package=_PACKAGE)
class LSGAN(GANLoss):
    """Least-squares GAN loss (MSE to 1 for real, 0 for fake).

    The loss of the CycleGAN paper and its official code (`gan_mode='lsgan'`).

    Example:

    ```python
    import numpy as np
    from keras_gans.losses import LSGAN

    LSGAN().generator_loss(np.full((1, 2, 2, 1), 0.5))  # 0.25
    ```

    Reference:
        Mao et al., "Least Squares Generative Adversarial Networks", ICCV 2017
        (https://arxiv.org/abs/1611.04076).
    """

    name = "lsgan"

    def discriminator_loss(self, real_logits, fake_logits):
        real = ops.mean(ops.square(_f32(real_logits) - 1.0))
        fake = ops.mean(ops.square(_f32(fake_logits)))
        return real + fake

    def generator_loss(self, fake_logits):
        return ops.mean(ops.square(_f32(fake_logits) - 1.0))


@keras.saving.register_keras_serializable(package=_PACKAGE)
class Vanilla(GANLoss):
    """The original GAN loss: binary cross-entropy on logits.

    The generator uses the non-saturating form `BCE(D(G(z)), 1)`.

    Example:

    ```python
    import numpy as np
    from keras_gans.losses import Vanilla

    Vanilla().generator_loss(np.zeros((1, 1)))  # log(2) = 0.693
    ```

    Reference:
        Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014
        (https://arxiv.org/abs/1406.2661).
    """

    name = "vanilla"

    def discriminator_loss(self, real_logits, fake_logits):
        # BCE(l, 1) = softplus(-l), BCE(l, 0) = softplus(l): stable for any l.
        real = ops.mean(ops.softplus(-_f32(real_logits)))
        fake = ops.mean(ops.softplus(_f32(fake_logits)))
        return real + fake

    def generator_loss(self, fake_logits):
        return ops.mean(ops.softplus(-_f32(fake_logits)))


@keras.saving.register_keras_serializable(package=_PACKAGE)
class Hinge(GANLoss):
    """Hinge GAN loss (as in SAGAN / spectral-norm GANs).

    Example:

    ```python
    import numpy as np
    from keras_gans.losses import Hinge

    Hinge().discriminator_loss(np.ones((1, 1)), -np.ones((1, 1)))  # 0.0
    ```

    Reference:
        Lim and Ye, "Geometric GAN", 2017 (https://arxiv.org/abs/1705.02894).
    """

    name = "hinge"

    def discriminator_loss(self, real_logits, fake_logits):
        real = ops.mean(ops.relu(1.0 - _f32(real_logits)))
        fake = ops.mean(ops.relu(1.0 + _f32(fake_logits)))
        return real + fake

    def generator_loss(self, fake_logits):
        return -ops.mean(_f32(fake_logits))


@keras.saving.register_keras_serializable(package=_PACKAGE)
class WGANGP(GANLoss):
    """Wasserstein loss with gradient penalty (WGAN-GP).

    `discriminator_loss` is the critic's Wasserstein term only; the train
    step adds `gradient_penalty_weight * mean((||grad D(x_hat)|| - 1)^2)` on
    random interpolates `x_hat` of real and fake images, and updates the
    generators once every `n_critic` discriminator steps.

    Args:
        gradient_penalty_weight: float. The penalty weight (lambda in the
            paper). Defaults to `10.0`.
        n_critic: int. Discriminator steps per generator step. Defaults to
            `5`.
        r1_weight: float. R1 penalty weight, see `GANLoss`. Defaults to
            `0.0`.

    Example:

    ```python
    import numpy as np
    from keras_gans.losses import WGANGP

    loss = WGANGP(gradient_penalty_weight=10.0, n_critic=5)
    loss.discriminator_loss(np.ones((2, 1)), np.zeros((2, 1)))  # -1.0
    ```

    Reference:
        Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS 2017
        (https://arxiv.org/abs/1704.00028).
    """

    name = "wgan-gp"

    def __init__(self, gradient_penalty_weight=10.0, n_critic=5, r1_weight=0.0):
        super().__init__(r1_weight=r1_weight)
        if not isinstance(gradient_penalty_weight, int | float) or (
            gradient_penalty_weight < 0
        ):
            raise ValueError(
                "`gradient_penalty_weight` must be a non-negative number. "
                f"Received: gradient_penalty_weight={gradient_penalty_weight!r}"
            )
        check_int("n_critic", n_critic)
        self.gradient_penalty_weight = float(gradient_penalty_weight)
        self.n_critic = n_critic

    def discriminator_loss(self, real_logits, fake_logits):
        return ops.mean(_f32(fake_logits)) - ops.mean(_f32(real_logits))

    def generator_loss(self, fake_logits):
        return -ops.mean(_f32(fake_logits))

    def get_config(self):
        return {
            **super().get_config(),
            "gradient_penalty_weight": self.gradient_penalty_weight,
            "n_critic": self.n_critic,
        }


_LOSSES = {"lsgan": LSGAN, "vanilla": Vanilla, "hinge": Hinge, "wgan-gp": WGANGP}


def get(identifier):
    """Return an adversarial loss object from a name, config or instance.

    Args:
        identifier: str, dict or `GANLoss`. One of `"lsgan"`, `"vanilla"`,
            `"hinge"`, `"wgan-gp"` (case-insensitive; `"wgan_gp"` also
            works), a dict of a name and arguments (`{"name": "lsgan",
            "r1_weight": 1.0}`), a dict from
            `keras.saving.serialize_keras_object(loss)`, or a `GANLoss`
            instance (returned as is).

    Returns:
        A `GANLoss` with `discriminator_loss(real_logits, fake_logits)` and
        `generator_loss(fake_logits)`.

    Example:

    ```python
    from keras_gans import losses

    losses.get("hinge").generator_loss([[2.0]])  # -2.0
    ```
    """
    if isinstance(identifier, GANLoss):
        return identifier
    if isinstance(identifier, dict) and "class_name" not in identifier:
        # {"name": "lsgan", "r1_weight": 1.0}: a name with arguments.
        config = dict(identifier)
        name = config.pop("name", None)
        key = name.lower().replace("_", "-") if isinstance(name, str) else None
        if key not in _LOSSES:
            raise ValueError(
                f"Unknown GAN loss: {name!r}. Valid names: {sorted(_LOSSES)}. "
                f"Received: {identifier!r}"
            )
        return _LOSSES[key](**config)
    if isinstance(identifier, dict):
        obj = keras.saving.deserialize_keras_object(identifier)
        if not isinstance(obj, GANLoss):
            raise ValueError(
                f"The config does not describe a GANLoss. Received: {identifier!r}"
            )
        return obj
    if isinstance(identifier, str):
        key = identifier.lower().replace("_", "-")
        if key in _LOSSES:
            return _LOSSES[key]()
    raise ValueError(
        f"Unknown GAN loss: {identifier!r}. Valid names: {sorted(_LOSSES)} "
        "(or a GANLoss instance)."
    )


def serialize(loss):
    """The config form of a loss: its name when it has default arguments.

    Args:
        loss: str or `GANLoss`. The loss to serialize.

    Returns:
        A str (e.g. `"lsgan"`) or a `keras.saving.serialize_keras_object`
        dict.

    Example:

    ```python
    from keras_gans import losses

    losses.serialize(losses.get("lsgan"))  # 'lsgan'
    ```
    """
    loss = get(loss)
    if (
        type(loss) in _LOSSES.values()
        and loss.get_config() == type(loss)().get_config()
    ):
        return loss.name
    return keras.saving.serialize_keras_object(loss)


def list_losses():
    """The names `get` accepts.

    Returns:
        A sorted list of str.

    Example:

    ```python
    from keras_gans import losses

    losses.list_losses()  # ['hinge', 'lsgan', 'vanilla', 'wgan-gp']
    ```
    """
    return sorted(_LOSSES)


# === Gradient penalties (train-step code) ===


def _input_gradient(discriminator, images):
    """`d score / d images`, flattened per sample, the score of a sample being
    the mean of its (patch) logits, summed over the batch.

    The one step of this module that is backend code: TensorFlow records it
    on a tape inside the train step's tape, PyTorch with
    `torch.autograd.grad(create_graph=True)`, JAX with `jax.grad` (a
    `jax.vjp` of the score). In every case the train step differentiates
    through it (second order) on every backend.
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        grads = _tf_input_gradient(_score_fn(discriminator), images)
    elif backend == "torch":
        grads = _torch_input_gradient(_score_fn(discriminator), images)
    elif backend == "jax":
        grads = _jax_input_gradient(_score_fn(discriminator), images)
    else:
        raise NotImplementedError(
            "The gradient penalties support the tensorflow, jax and torch "
            f"backends. Received: backend={backend!r}"
        )
    return ops.reshape(grads, (ops.shape(images)[0], -1))


def _score_fn(discriminator):
    def score(images):
        logits = _f32(discriminator(images, training=True))
        batch = ops.shape(images)[0]
        return ops.sum(ops.mean(ops.reshape(logits, (batch, -1)), axis=1))

    return score


def _tf_input_gradient(score, images):
    import tensorflow as tf  # TensorFlow-only plumbing

    images = tf.convert_to_tensor(images)
    with tf.GradientTape() as tape:
        tape.watch(images)
        value = score(images)
    return tape.gradient(value, images)


def _torch_input_gradient(score, images):
    import torch  # PyTorch-only plumbing

    images = ops.convert_to_tensor(images)
    if not images.requires_grad:  # a leaf; else keep its link to the graph
        images = images.detach().requires_grad_(True)
    with torch.enable_grad():  # also inside a `torch.no_grad()` test step
        (grads,) = torch.autograd.grad(score(images), [images], create_graph=True)
    return grads


def _jax_input_gradient(score, images):
    """`jax.grad` of the score inside a nested `keras.StatelessScope`.

    Variables read what the enclosing scope maps (the train step's traced
    values, so its outer `jax.grad` differentiates through them) and updates
    made inside (spectral-norm power iterations, BatchNorm statistics, seed
    states) stay in the inner scope and are dropped: they hold this inner
    trace's values, and the first-order pass of the step makes them anyway.
    """
    import jax  # JAX-only plumbing
    from keras.src.backend.common.stateless_scope import get_stateless_scope

    outer = get_stateless_scope()

    def inner_score(x):
        scope = keras.StatelessScope()
        if outer is not None:  # a nested scope only reads its own mapping
            scope.state_mapping.update(outer.state_mapping)
        with scope:
            return score(x)

    return jax.grad(inner_score)(ops.convert_to_tensor(images))


def gradient_penalty(discriminator, real, fake, seed=None, alpha=None):
    """The WGAN-GP penalty `mean((||grad_x D(x_hat)||_2 - 1)^2)`.

    `x_hat = real + alpha * (fake - real)` with one `alpha ~ U(0, 1)` per
    sample. A patch discriminator's score of a sample is the mean of its
    patch logits. Called from train steps, which differentiate
    through it (second order) on every backend.

    Args:
        discriminator: callable. Images -> logits.
        real: tensor. Real images `(batch, ...)`.
        fake: tensor. Fake images, same shape.
        seed: int, `keras.random.SeedGenerator` or None. Seed of `alpha`
            when it is drawn here. Defaults to `None`.
        alpha: tensor or None. The interpolation weights, shape `(batch,
            1, ..., 1)` (the models draw them per replica of a distributed
            batch); `None` draws them from `seed`. Defaults to `None`.

    Returns:
        A float32 scalar.

    Example:

    ```python
    import keras
    import numpy as np
    from keras_gans.losses import gradient_penalty

    disc = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    gp = gradient_penalty(disc, np.ones((2, 4), "float32"), np.zeros((2, 4), "float32"))
    ```

    Reference:
        Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS 2017
        (https://arxiv.org/abs/1704.00028).
    """
    real, fake = _f32(real), _f32(fake)
    if alpha is None:
        alpha_shape = (ops.shape(real)[0],) + (1,) * (len(real.shape) - 1)
        alpha = keras.random.uniform(alpha_shape, seed=seed)
    alpha = _f32(alpha)
    x_hat = real + alpha * (fake - real)
    grads = _input_gradient(discriminator, x_hat)
    norms = ops.sqrt(ops.sum(ops.square(grads), axis=1) + 1e-12)
    return ops.mean(ops.square(norms - 1.0))


def r1_penalty(discriminator, real):
    """The R1 penalty `mean(||grad_x D(x)||^2)` on real images.

    A patch discriminator's score of a sample is the mean of its patch
    logits. The train step differentiates through it (second order), as
    for `gradient_penalty`. A GAN loss with
    `r1_weight > 0` makes the models add `r1_weight / 2 * r1_penalty(D,
    real)` to each discriminator loss.

    Args:
        discriminator: callable. Images -> logits.
        real: tensor. Real images `(batch, ...)`.

    Returns:
        A float32 scalar.

    Example:

    ```python
    import keras
    import numpy as np
    from keras_gans.losses import r1_penalty

    disc = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    r1 = r1_penalty(disc, np.ones((2, 4), "float32"))  # |w|^2
    ```

    Reference:
        Mescheder et al., "Which Training Methods for GANs do actually
        Converge?", ICML 2018 (https://arxiv.org/abs/1801.04406).
    """
    grads = _input_gradient(discriminator, _f32(real))
    return ops.mean(ops.sum(ops.square(grads), axis=1))
