"""keras_gans.export.export_onnx, checked with onnxruntime."""

import os

import keras
import numpy as np
import pytest

from keras_gans import export
from tests.export import reference_translate
from tests.test_case import assert_allclose, random_input
from tests.tiny import tiny_resnet_generator as tiny_generator

pytestmark = pytest.mark.slow  # tf2onnx conversion: several seconds

onnxruntime = pytest.importorskip("onnxruntime")
pytest.importorskip("tf2onnx")


@pytest.fixture(scope="module")
def generator():
    keras.utils.set_random_seed(11)
    return tiny_generator(ngf=8)


@pytest.fixture(scope="module")
def session(generator, tmp_path_factory):
    path = os.path.join(str(tmp_path_factory.mktemp("onnx")), "generator.onnx")
    assert export.export_onnx(generator, path) == path
    return onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])


def _run(session, x):
    (name,) = [i.name for i in session.get_inputs()]
    (y,) = session.run(None, {name: x})
    return y


def test_onnx_input_is_dynamic_nhwc(session):
    (inp,) = session.get_inputs()
    assert inp.type == "tensor(float)"
    assert len(inp.shape) == 4 and inp.shape[3] == 3
    assert all(not isinstance(d, int) for d in inp.shape[:3]), inp.shape


@pytest.mark.parametrize("shape", [(2, 16, 24, 3), (2, 21, 30, 3), (1, 9, 13, 3)])
def test_onnx_matches_keras(session, generator, shape):
    x = random_input(shape, seed=sum(shape), low=-1.0, high=1.0)
    y = _run(session, x)
    assert y.shape == x.shape
    expected = reference_translate(generator, x)
    assert_allclose(y, expected, atol=1e-4)
    assert np.std(expected) > 1e-3
    if shape[1] % 4 == 0 and shape[2] % 4 == 0:  # no padding: the bare generator
        assert_allclose(y, generator(x), atol=1e-4)


def test_onnx_bad_arguments(generator, tmp_path):
    with pytest.raises(ValueError, match="stride=0"):
        export.export_onnx(generator, tmp_path / "g.onnx", stride=0)
    with pytest.raises(ValueError, match="direction='x'"):
        export.export_onnx(generator, tmp_path / "g.onnx", direction="x")
    assert not os.listdir(tmp_path)
