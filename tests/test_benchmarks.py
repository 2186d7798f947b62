"""The benchmark scripts run and print what they promise (nothing is timed).

Tiny networks at 32x32, one step: this only guards the scripts against
rotting as the library changes. The figures themselves come from running
them by hand (docs/benchmarks.md).
"""

import json
import os
import sys

import pytest

from tests.test_case import require_torch

BENCHMARKS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "benchmarks")
TINY = [
    "--image-size",
    "32",
    "--generator-config",
    '{"ngf": 8, "n_blocks": 1}',
    "--discriminator-config",
    '{"ndf": 8}',
    "--warmup",
    "1",
    "--steps",
    "1",
]


@pytest.fixture
def benchmarks(monkeypatch):
    monkeypatch.syspath_prepend(BENCHMARKS)
    yield
    for name in ("train_step", "profile_step", "torch_step", "conv_backward"):
        sys.modules.pop(name, None)


def test_profile_step_sums_op_time_per_type_and_part(benchmarks, tmp_path):
    import profile_step

    out = tmp_path / "profile.json"
    profile_step.main(TINY + ["--output", str(out)])
    result = json.loads(out.read_text())
    assert result["op_ms_per_step"] > 0
    types = {row["name"] for row in result["by_op_type"]}
    # oneDNN renames the kernels it runs (`_MklNativeConv2DBackpropFilter`).
    for op in ("Conv2DBackpropFilter", "Conv2DBackpropInput"):
        assert any(op in name for name in types), (op, types)
    parts = {row["name"]: row["share"] for row in result["by_part"]}
    assert sum(parts.values()) == pytest.approx(1.0, abs=0.01)
    # The generator's residual block and the discriminator are found in the
    # op names (the generators run inside traced functions).
    assert parts["generator residual blocks"] > 0.05
    assert parts["discriminator"] > 0.01
    assert len(result["top_ops"]) == 15


def test_part_of_reads_name_scopes(benchmarks):
    import profile_step

    assert (
        profile_step.part_of(
            "StatefulPartitionedCall/gradient_tape/resnet_9blocks_1/res_2_1/"
            "conv1_1/convolution/Conv2DBackpropInput",
            "Conv2DBackpropInput",
        )
        == "generator residual blocks"
    )
    assert profile_step.part_of("x/res_2/norm1/Mean", "Mean") == "instance norm"
    assert profile_step.part_of("a/pad2_1/MirrorPad", "MirrorPad") == "reflect pad"
    assert (
        profile_step.part_of(
            "generator_optimizer/ResourceApplyAdam", "ResourceApplyAdam"
        )
        == "optimizer"
    )
    assert profile_step.part_of("mul_3", "Mul") == "losses, gradients glue, rest"


def test_torch_step_times_the_official_step(benchmarks, tmp_path):
    require_torch()
    import torch_step

    out = tmp_path / "torch.json"
    torch_step.main(
        ["--image-size", "32", "--warmup", "1", "--steps", "1", "--output", str(out)]
    )
    result = json.loads(out.read_text())
    assert result["torch"]["s_per_step_median"] > 0
    assert result["torch"]["first_step_s"] > 0
    assert result["image_size"] == 32 and result["threads"] >= 1


def test_train_step_runs_as_the_cli_does(tmp_path):
    """One inter-op thread and the BFC allocator (a fresh process: both are
    read when TensorFlow starts), with the keras-io style reference."""
    import subprocess

    out = tmp_path / "train_step.json"
    # Winograd's gradients for every 3x3 conv: the step runs with them too.
    args = TINY + ["--inter-op-threads", "1", "--cpu-allocator", "bfc"]
    args += ["--winograd", "always"]
    result = subprocess.run(
        [sys.executable, os.path.join(BENCHMARKS, "train_step.py"), *args]
        + ["--reference", "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["cpu_allocator"] == "bfc"
    assert report["tf_threads"]["inter_op"] == 1
    assert isinstance(report["onednn"], bool)
    assert report["winograd"] == "always"
    for run in ("ours", "reference"):
        assert report[run]["s_per_step_median"] > 0
        assert report[run]["first_step_s"] > 0
    assert report["speedup"] > 0 and report["peak_rss_gib"] > 0


def test_conv_backward_times_each_gradient_path(benchmarks, tmp_path):
    import conv_backward

    out = tmp_path / "conv.json"
    conv_backward.main(
        ["--shape", "2", "10", "9", "8", "--filters", "4", "--repeats", "2"]
        + ["--output", str(out)]
    )
    result = json.loads(out.read_text())
    assert set(result["paths"]) == {"backend", "forward_convs", "winograd"}
    for name, path in result["paths"].items():
        assert path["median_ms"] > 0, name
        assert path["max_relative_error_d_input"] < 1e-5, name
        assert path["max_relative_error_d_kernel"] < 1e-5, name
    assert result["kernel"] == [3, 3, 8, 4]
