"""keras_gans.models: GAN models trained with `model.compile(); model.fit(ds)`."""

from keras_gans.models.base import GANModel, TwoNetworkGAN
from keras_gans.models.cyclegan import CycleGAN
from keras_gans.models.dcgan import DCGAN
from keras_gans.models.image_pool import ImagePool
from keras_gans.models.pix2pix import Pix2Pix
from keras_gans.models.pretrainer import GeneratorPretrainer

__all__ = [
    "CycleGAN",
    "DCGAN",
    "GANModel",
    "GeneratorPretrainer",
    "ImagePool",
    "Pix2Pix",
    "TwoNetworkGAN",
]
