"""keras_gans.convert: official PyTorch CycleGAN checkpoints -> Keras -> serving."""

import importlib
import sys

import numpy as np
import pytest
import tensorflow as tf

from keras_gans import convert, export
from tests.test_case import max_abs_diff, random_input, require_torch


def _reference():
    require_torch()
    from tests.networks import torch_reference

    return torch_reference


def _save(torch_module, path):
    import torch

    torch.save(torch_module.state_dict(), path)
    return str(path)


@pytest.fixture(scope="module")
def resnet_checkpoint(tmp_path_factory):
    """An official-layout ResnetGenerator (9 blocks, instance norm, no
    dropout: the CycleGAN defaults) with random weights, saved as the
    official code does (`torch.save(net.state_dict())`). ngf=16 instead of
    the official 64 keeps the test fast; the key map does not depend on it."""
    ref = _reference()
    net = ref.init_weights(
        ref.ResnetGenerator(3, 3, ngf=16, norm_layer=ref.instance_norm(), n_blocks=9)
    )
    path = tmp_path_factory.mktemp("torch") / "latest_net_G.pth"
    return net, _save(net, path)


@pytest.mark.torch
@pytest.mark.slow
def test_resnet_parity_and_serving_at_256(resnet_checkpoint, tmp_path):
    net, path = resnet_checkpoint
    ref = _reference()
    model = convert.from_torch_cyclegan(path, "resnet_9blocks", ngf=16)
    x = random_input((1, 256, 256, 3), seed=0, low=-1.0, high=1.0)
    expected = ref.run_nchw(net, x)
    assert expected.std() > 0.1  # a non-trivial output
    assert max_abs_diff(model(x, training=False), expected) < 1e-4

    # The converted generator, exported and served, gives the same result.
    served = tf.saved_model.load(export.export_generator(model, tmp_path))
    y = served.signatures["serving_default"](images=tf.constant(x))["images"]
    assert max_abs_diff(y, expected) < 1e-4


@pytest.mark.torch
def test_patchgan_parity(tmp_path):
    ref = _reference()
    net = ref.init_weights(
        ref.NLayerDiscriminator(3, ndf=8, n_layers=3, norm_layer=ref.instance_norm())
    )
    path = _save(net, tmp_path / "latest_net_D_A.pth")
    model = convert.from_torch_patchgan(path, ndf=8)
    x = random_input((2, 64, 64, 3), seed=1, low=-1.0, high=1.0)
    expected = ref.run_nchw(net, x)
    assert expected.shape == (2, 6, 6, 1)
    assert max_abs_diff(model(x, training=False), expected) < 1e-4


@pytest.mark.torch
def test_wrong_netg_names_the_keys_and_the_fix(resnet_checkpoint):
    _, path = resnet_checkpoint
    with pytest.raises(ValueError) as info:
        convert.from_torch_cyclegan(path, "resnet_6blocks", ngf=16)
    message = str(info.value)
    assert path in message
    assert "unexpected keys" in message and "model.18.conv_block.1.weight" in message
    assert "netG='resnet_9blocks'" in message


@pytest.mark.torch
def test_wrong_ngf_names_the_shapes_and_the_fix(resnet_checkpoint):
    _, path = resnet_checkpoint
    with pytest.raises(ValueError) as info:
        convert.from_torch_cyclegan(path, "resnet_9blocks", ngf=8)
    message = str(info.value)
    assert "model.1.weight: expected shape (8, 3, 7, 7), got (16, 3, 7, 7)" in message
    assert "ngf=16" in message


@pytest.mark.torch
def test_foreign_checkpoint_names_missing_and_unexpected_keys(tmp_path):
    torch = require_torch()
    path = _save(torch.nn.Conv2d(3, 8, 3), tmp_path / "foreign.pth")
    with pytest.raises(ValueError) as info:
        convert.from_torch_patchgan(path, ndf=8)
    message = str(info.value)
    assert "missing keys" in message and "model.0.weight" in message
    assert "unexpected keys (2)" in message and "    weight" in message


@pytest.mark.torch
def test_discriminator_checkpoint_is_not_a_generator(tmp_path):
    ref = _reference()
    net = ref.NLayerDiscriminator(3, ndf=8, n_layers=3, norm_layer=ref.instance_norm())
    path = _save(net, tmp_path / "latest_net_D.pth")
    with pytest.raises(ValueError, match="missing keys") as info:
        convert.from_torch_cyclegan(path, "resnet_6blocks", ngf=8)
    assert "model.0.weight" in str(info.value)  # an unexpected discriminator key


@pytest.mark.torch
@pytest.mark.parametrize(
    "content, message",
    [
        (b"this is not a checkpoint", "torch.load(weights_only=True)"),
        ("module", "torch.load(weights_only=True)"),  # a whole pickled model
        ("list", "does not hold a state_dict"),
        ("nested", "'meta' holds a dict, not a tensor"),
    ],
)
def test_malformed_files(tmp_path, content, message):
    torch = require_torch()
    path = tmp_path / "bad.pth"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content == "module":
        torch.save(torch.nn.Conv2d(3, 8, 3), path)
    elif content == "list":
        torch.save([torch.zeros(3)], path)
    else:
        torch.save({"weight": torch.zeros(3), "meta": {"epoch": 3}}, path)
    with pytest.raises(ValueError) as info:
        convert.load_torch_checkpoint(path)
    assert message in str(info.value)


@pytest.mark.torch
def test_state_dict_wrapper_and_half_precision_are_read(tmp_path):
    torch = require_torch()
    path = tmp_path / "wrapped.pth"
    weight = torch.randn(8, 3, 3, 3)
    torch.save({"state_dict": {"weight": weight.half()}}, path)
    state = convert.load_torch_checkpoint(path)
    assert state["weight"].dtype == np.float32
    np.testing.assert_allclose(state["weight"], weight.half().float().numpy())


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.pth"):
        convert.load_torch_checkpoint(tmp_path / "nope.pth")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"netG": "resnet_12blocks"}, "netG='resnet_12blocks'"),
        ({"ngf": 0}, "ngf=0"),
        ({"norm": "group"}, "norm='group'"),
        ({"use_dropout": "no"}, "use_dropout='no'"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError) as info:
        convert.from_torch_cyclegan("unused.pth", **kwargs)
    assert message in str(info.value)


def test_works_without_torch_until_a_file_is_read(monkeypatch):
    # `import torch` raises ImportError while sys.modules["torch"] is None.
    monkeypatch.setitem(sys.modules, "torch", None)
    checkpoint = importlib.reload(sys.modules["keras_gans.convert.torch_checkpoint"])
    module = importlib.reload(sys.modules["keras_gans.convert.torch_cyclegan"])
    assert module.from_torch_cyclegan is not None
    with pytest.raises(ImportError, match=r"pip install keras-gans\[torch\]"):
        checkpoint.load_torch_checkpoint(__file__)
