"""Data parallelism on JAX (`--strategy mirrored` = Keras' DataParallel):
two virtual CPU devices train exactly like one device."""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))


def test_jax_data_parallel_matches_one_device():
    flags = os.environ.get("XLA_FLAGS", "")
    env = {
        **os.environ,
        "KERAS_BACKEND": "jax",
        "XLA_FLAGS": f"{flags} --xla_force_host_platform_device_count=2".strip(),
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.backends.data_parallel"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["replicas"] == 2
    assert result["devices"] == 2  # the weights live on both devices
    assert result["moved"] > 1e-4  # training changed them
    assert result["log_diff"] < 1e-4
    assert result["weight_diff"] < 1e-5
