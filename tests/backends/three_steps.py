"""Train each model 3 steps on the current backend (a subprocess of
tests/backends/test_same_training.py, which runs TensorFlow's in its own
process): `python -m tests.backends.three_steps OUT.npz INITIAL.npz`.

Every model starts from the weights in INITIAL.npz (`initial_weights()`,
built on TensorFlow; spectral-norm vectors included), sees
the same batches, and draws nothing at random (pools off, no augmentation,
a fixed DCGAN noise), so that the backends must agree. The R1 variant
checks the second-order gradients of each backend. OUT.npz gets, per
model, the logged values after each step and the weights after the third.
"""

import sys
import time

import keras
import numpy as np

from keras_gans.losses import LSGAN, gradient_penalty
from tests import tiny

STEPS, BATCH = 3, 2


def _sgd():
    return keras.optimizers.SGD(0.05)


def _cyclegan():
    model = tiny.tiny_cyclegan(pool_size=0, ema_decay=0.9)
    model.compile(
        generator_optimizer=_sgd(),
        discriminator_a_optimizer=_sgd(),
        discriminator_b_optimizer=_sgd(),
    )
    a, b = tiny.random_pairs(n=STEPS * BATCH, size=16)
    return model, (a, b)


def _cyclegan_adam():
    model = tiny.tiny_cyclegan(pool_size=0)
    model.compile()
    a, b = tiny.random_pairs(n=STEPS * BATCH, size=16, seed=5)
    return model, (a, b)


def _cyclegan_r1():
    model = tiny.tiny_cyclegan(pool_size=0, gan_loss=LSGAN(r1_weight=1.0))
    model.compile(
        generator_optimizer=_sgd(),
        discriminator_a_optimizer=_sgd(),
        discriminator_b_optimizer=_sgd(),
    )
    a, b = tiny.random_pairs(n=STEPS * BATCH, size=16, seed=7)
    return model, (a, b)


def _dcgan(joint, **kwargs):
    model = tiny.tiny_dcgan(compile=False, joint_discriminator_call=joint, **kwargs)
    model.compile(generator_optimizer=_sgd(), discriminator_optimizer=_sgd())
    noise = np.random.RandomState(3).normal(size=(BATCH, tiny.LATENT))
    model._noise = lambda batch: keras.ops.convert_to_tensor(noise.astype("float32"))
    return model, tiny.real_images(n=STEPS * BATCH)


def _dcgan_wgan_gp():
    """WGAN-GP with G stepping every 2nd step (the `n_critic` path) and a
    fixed interpolation (the penalty's draw is backend-specific)."""
    model, images = _dcgan(True, gan_loss="wgan-gp", n_critic=2)
    alpha = np.linspace(0.2, 0.8, BATCH).reshape(BATCH, 1, 1, 1).astype("float32")
    model._gradient_penalty = lambda d, real, fake: gradient_penalty(
        d, real, fake, alpha=keras.ops.convert_to_tensor(alpha)
    )
    return model, images


def _pix2pix():
    model = tiny.tiny_pix2pix()
    model.compile(generator_optimizer=_sgd(), discriminator_optimizer=_sgd())
    a, b = tiny.random_pairs(n=STEPS * BATCH, size=32)
    return model, (a, b)


MODELS = {
    "cyclegan": _cyclegan,
    "cyclegan_adam": _cyclegan_adam,
    "cyclegan_r1": _cyclegan_r1,
    "dcgan_joint": lambda: _dcgan(True),
    "dcgan_spectral_norm": lambda: _dcgan(True, spectral_norm=True),
    "dcgan_alternating": lambda: _dcgan(False),
    "dcgan_wgan_gp": _dcgan_wgan_gp,
    "pix2pix": _pix2pix,
}


class _Logs(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.steps = []

    def on_train_batch_end(self, batch, logs=None):
        self.steps.append({k: float(v) for k, v in sorted(logs.items())})


def _built(name):
    """The model `name` built for its data, and the data."""
    keras.utils.set_random_seed(0)
    model, data = MODELS[name]()
    model.build(
        tuple((None, *d.shape[1:]) for d in data)
        if isinstance(data, tuple)
        else (None, *data.shape[1:])
    )
    return model, data


def initial_weights():
    """{"<model>/w<i>": array}: every model's weights as built here, untrained."""
    out = {}
    for name in MODELS:
        model, _ = _built(name)
        out.update({f"{name}/w{i}": w for i, w in enumerate(model.get_weights())})
    return out


def run(name, initial):
    model, x = _built(name)
    model.set_weights([initial[f"{name}/w{i}"] for i in range(len(model.weights))])
    start = [np.array(w) for w in model.get_weights()]
    logs = _Logs()
    model.fit(x, batch_size=BATCH, epochs=1, shuffle=False, verbose=0, callbacks=[logs])
    out = {f"{name}/w{i}": w for i, w in enumerate(start)}
    out.update(
        {f"{name}/end{i}": np.array(w) for i, w in enumerate(model.get_weights())}
    )
    keys = sorted(logs.steps[0])
    out[f"{name}/log_keys"] = np.array(keys)
    out[f"{name}/logs"] = np.array([[s[k] for k in keys] for s in logs.steps])
    return out


def main(out_path, initial_path):
    initial = dict(np.load(initial_path))
    results = {}
    for name in MODELS:
        start = time.perf_counter()
        results.update(run(name, initial))
        print(f"{name}: {time.perf_counter() - start:.1f} s", file=sys.stderr)
    np.savez(out_path, backend=keras.backend.backend(), **results)


if __name__ == "__main__":
    main(*sys.argv[1:])
