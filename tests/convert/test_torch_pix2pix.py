"""keras_gans.convert.from_torch_pix2pix: official pix2pix U-Nets -> Keras."""

import numpy as np
import pytest

import keras_gans
from keras_gans import convert, networks
from tests.test_case import max_abs_diff, random_input, require_torch


def _reference():
    require_torch()
    from tests.networks import torch_reference

    return torch_reference


def _official_unet(num_downs, ngf=8):
    """An official-layout UnetGenerator (batch norm, dropout: the pix2pix
    defaults) whose batch-norm statistics were moved by training-mode passes,
    saved as the official code does (`torch.save(net.state_dict())`). ngf=8
    instead of 64 keeps the test fast; the key map does not depend on it."""
    import torch

    ref = _reference()
    net = ref.init_weights(
        ref.UnetGenerator(3, 3, num_downs, ngf=ngf, use_dropout=True), gain=0.1
    )
    net.train()
    with torch.no_grad():
        for seed in range(2):
            x = random_input((2, 2**num_downs, 2**num_downs, 3), seed=seed)
            net(torch.from_numpy(x).permute(0, 3, 1, 2).contiguous())
    return net


def _save(net, path):
    import torch

    torch.save(net.state_dict(), path)
    return str(path)


@pytest.mark.torch
@pytest.mark.parametrize("netG, num_downs", [("unet_256", 8), ("unet_128", 7)])
def test_official_unet_parity(netG, num_downs, tmp_path):
    ref = _reference()
    net = _official_unet(num_downs)
    path = _save(net, tmp_path / "latest_net_G.pth")
    model = convert.from_torch_pix2pix(path, netG, ngf=8)
    size = 2**num_downs
    x = random_input((2, size, size, 3), seed=5, low=-1.0, high=1.0)
    expected = ref.run_nchw(net, x)  # eval mode: stored statistics, no dropout
    assert expected.std() > 0.05  # a non-trivial output
    assert max_abs_diff(model(x, training=False), expected) < 1e-4


@pytest.mark.torch
def test_converted_generator_serves_in_a_pix2pix(tmp_path):
    net = _official_unet(7)
    path = _save(net, tmp_path / "latest_net_G.pth")
    generator = convert.from_torch_pix2pix(path, "unet_128", ngf=8)
    discriminator = networks.create("patchgan", ndf=8, input_shape=(None, None, 6))
    model = keras_gans.Pix2Pix(generator, discriminator)
    x = random_input((1, 128, 128, 3), seed=1, low=-1.0, high=1.0)
    np.testing.assert_allclose(
        model.translate(x), np.asarray(generator(x, training=False)), atol=1e-6
    )


@pytest.mark.torch
def test_wrong_depth_or_width_names_the_fix(tmp_path):
    path = _save(_official_unet(7), tmp_path / "latest_net_G.pth")
    with pytest.raises(ValueError, match="netG='unet_128'"):
        convert.from_torch_pix2pix(path, "unet_256", ngf=8)
    with pytest.raises(ValueError, match="ngf=8"):
        convert.from_torch_pix2pix(path, "unet_128", ngf=16)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"netG": "resnet_9blocks"}, "from_torch_cyclegan"),
        ({"ngf": 0}, "ngf=0"),
        ({"norm": "group"}, "norm='group'"),
        ({"use_dropout": "yes"}, "use_dropout='yes'"),
    ],
)
def test_bad_arguments(kwargs, message, tmp_path):
    with pytest.raises(ValueError, match=message):
        convert.from_torch_pix2pix(tmp_path / "missing.pth", **kwargs)
