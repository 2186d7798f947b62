"""The same 3 training steps on TensorFlow, JAX and PyTorch give the same
losses and weights (CycleGAN with EMA, with its default Adam, with R1;
DCGAN in both modes, with spectral norm, and WGAN-GP with a generator step
every 2nd step; Pix2Pix).

`tests/backends/three_steps.py` runs in one subprocess per backend
(`KERAS_BACKEND` is fixed when Keras is imported). The TensorFlow run writes
the initial weights that the others load; the steps draw nothing at random.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
OTHERS = ("jax", "torch")


def _start(backend, out, initial=None):
    env = {**os.environ, "KERAS_BACKEND": backend, "CUDA_VISIBLE_DEVICES": ""}
    cmd = [sys.executable, "-m", "tests.backends.three_steps", str(out)]
    if initial is not None:
        cmd.append(str(initial))
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def _wait(process, backend):
    output, _ = process.communicate(timeout=600)
    assert process.returncode == 0, f"{backend} run failed:\n{output.decode()[-3000:]}"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """{backend: the npz of tests/backends/three_steps.py}."""
    folder = tmp_path_factory.mktemp("backends")
    reference = folder / "tensorflow.npz"
    _wait(_start("tensorflow", reference), "tensorflow")
    processes = {b: _start(b, folder / f"{b}.npz", reference) for b in OTHERS}
    for backend, process in processes.items():
        _wait(process, backend)
    return {b: np.load(folder / f"{b}.npz") for b in ("tensorflow", *OTHERS)}


def _models(run):
    return sorted({k.split("/")[0] for k in run.files if "/" in k})


def _weights(run, model, prefix):
    n = len([k for k in run.files if k.startswith(f"{model}/{prefix}")])
    return [run[f"{model}/{prefix}{i}"] for i in range(n)]


def test_every_backend_trains_like_tensorflow(runs):
    reference = runs["tensorflow"]
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


def test_the_steps_change_the_weights(runs):
    """Not vacuous: every model's weights moved, and the two DCGAN modes
    (different updates) end apart."""
    reference = runs["tensorflow"]
    for model in _models(reference):
        start = _weights(reference, model, "w")
        end = _weights(reference, model, "end")
        assert max(np.abs(a - b).max() for a, b in zip(start, end)) > 1e-4, model
    joint = _weights(reference, "dcgan_joint", "end")
    alternating = _weights(reference, "dcgan_alternating", "end")
    assert max(np.abs(a - b).max() for a, b in zip(joint, alternating)) > 1e-4
