"""The same 3 training steps on TensorFlow, JAX and PyTorch give the same
losses and weights (CycleGAN with EMA, with its default Adam, with R1;
DCGAN in both modes, with spectral norm, and WGAN-GP with a generator step
every 2nd step; Pix2Pix).

`tests/backends/three_steps.py` runs in one subprocess per other backend
(`KERAS_BACKEND` is fixed when Keras is imported) while this process, on
TensorFlow, runs it too. All start from the weights built here; the steps
draw nothing at random.
"""

import numpy as np

from tests import backends
from tests.backends import three_steps

OTHERS = ("jax", "torch")


def _train_everywhere(folder):
    """{backend: the npz of tests/backends/three_steps.py}."""
    initial = folder / "initial.npz"
    np.savez(initial, **three_steps.initial_weights())
    # JAX and PyTorch in subprocesses while TensorFlow trains here.
    others = [
        backends.start("three_steps", b, folder / f"{b}.npz", initial) for b in OTHERS
    ]
    try:
        three_steps.main(folder / "tensorflow.npz", initial)
    except BaseException:
        for process in others:
            process.kill()
        raise
    for process in others:
        backends.wait(process)
    return {b: np.load(folder / f"{b}.npz") for b in ("tensorflow", *OTHERS)}


def _models(run):
    return sorted({k.split("/")[0] for k in run.files if "/" in k})


def _weights(run, model, prefix):
    n = len([k for k in run.files if k.startswith(f"{model}/{prefix}")])
    return [run[f"{model}/{prefix}{i}"] for i in range(n)]


def _assert_the_steps_change_the_weights(reference):
    """Not vacuous: every model's weights moved, and the two DCGAN modes
    (different updates) end apart."""
    for model in _models(reference):
        start = _weights(reference, model, "w")
        end = _weights(reference, model, "end")
        assert max(np.abs(a - b).max() for a, b in zip(start, end)) > 1e-4, model
    joint = _weights(reference, "dcgan_joint", "end")
    alternating = _weights(reference, "dcgan_alternating", "end")
    assert max(np.abs(a - b).max() for a, b in zip(joint, alternating)) > 1e-4


def test_every_backend_trains_like_tensorflow(tmp_path):
    # One test: a module fixture would run the subprocesses once per
    # pytest-xdist worker.
    runs = _train_everywhere(tmp_path)
    reference = runs["tensorflow"]
    _assert_the_steps_change_the_weights(reference)
    assert _models(reference) == [
        "cyclegan",
        "cyclegan_adam",
        "cyclegan_r1",
        "dcgan_alternating",
        "dcgan_joint",
        "dcgan_spectral_norm",
        "dcgan_wgan_gp",
        "pix2pix",
    ]
    problems = []
    for backend in OTHERS:
        run = runs[backend]
        assert str(run["backend"]) == backend
        for model in _models(reference):
            keys = list(reference[f"{model}/log_keys"])
            assert list(run[f"{model}/log_keys"]) == keys, (backend, model)
            logs, expected = run[f"{model}/logs"], reference[f"{model}/logs"]
            if not np.allclose(logs, expected, rtol=1e-4, atol=1e-5):
                problems.append(f"{backend} {model}: logs {logs} != {expected}")
            ends = _weights(run, model, "end")
            for i, (got, want) in enumerate(
                zip(ends, _weights(reference, model, "end"))
            ):
                if not np.allclose(got, want, rtol=1e-4, atol=1e-5):
                    diff = np.abs(got - want).max()
                    problems.append(f"{backend} {model}: weight {i} differs by {diff}")
    assert not problems, "\n".join(problems)
