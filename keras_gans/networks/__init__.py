"""keras_gans.networks: named generators and discriminators.

`create(name, **overrides)` builds a registered network as a functional
`keras.Model`; `list_networks(kind)` lists the names. Importing this package
registers every built-in network; every builder takes `dtype=` (the layers'
dtype policy). `get_network_info(name).shape(**config)` and `shape_of(model)`
give a network's `NetworkShape` (stride, minimum size, channels).
`load_torch_state_dict` copies official PyTorch CycleGAN / pix2pix weights
into them.
"""

from keras_gans.networks.cspup_dcgan import cspup_generator
from keras_gans.networks.dcgan_discriminators import (
    dcgan_discriminator,
    residual_discriminator,
)
from keras_gans.networks.initializers import INITS, get_initializer
from keras_gans.networks.patchgan import patchgan
from keras_gans.networks.registry import (
    NetworkInfo,
    create,
    get_network_info,
    list_networks,
    register_network,
    unregister_network,
)
from keras_gans.networks.resnet_generator import resnet_generator
from keras_gans.networks.shape import NetworkShape, probe_shape, shape_of
from keras_gans.networks.torch_weights import (
    ARCHS,
    keras_to_torch_state_dict,
    load_torch_state_dict,
    torch_state_dict_spec,
)
from keras_gans.networks.unet import unet_generator
from keras_gans.networks.uvcgan import uvcgan_generator

__all__ = [
    "ARCHS",
    "INITS",
    "NetworkInfo",
    "NetworkShape",
    "create",
    "cspup_generator",
    "dcgan_discriminator",
    "get_initializer",
    "get_network_info",
    "keras_to_torch_state_dict",
    "list_networks",
    "load_torch_state_dict",
    "patchgan",
    "probe_shape",
    "register_network",
    "residual_discriminator",
    "resnet_generator",
    "shape_of",
    "torch_state_dict_spec",
    "unet_generator",
    "unregister_network",
    "uvcgan_generator",
]
