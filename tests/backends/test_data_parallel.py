"""Data parallelism on JAX (`--strategy mirrored` = Keras' DataParallel):
two virtual CPU devices train exactly like one device."""

import json
import os

from tests.backends import run


def test_jax_data_parallel_matches_one_device():
    flags = os.environ.get("XLA_FLAGS", "")
    flags = f"{flags} --xla_force_host_platform_device_count=2".strip()
    out = run("data_parallel", "jax", env={"XLA_FLAGS": flags})
    result = json.loads(out.strip().splitlines()[-1])
    assert result["replicas"] == 2
    assert result["devices"] == 2  # the weights live on both devices
    assert result["moved"] > 1e-4  # training changed them
    assert result["log_diff"] < 1e-4
    assert result["weight_diff"] < 1e-5
