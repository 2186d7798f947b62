"""The TensorFlow side of `keras_gans.export_backends`: `python -m
keras_gans._export_worker REQUEST` loads a generator saved as `.keras` and
runs one `keras_gans.export` function on it, printing `{"path": ...}`."""

import json
import os
import sys


def main(request):
    """The subprocess: load the generator under TensorFlow and export it."""
    import keras

    from keras_gans import export

    request = json.loads(request)
    generator = keras.saving.load_model(request["model"], compile=False)
    function = getattr(export, request["function"])
    path = function(generator, request["path"], **request["kwargs"])
    print(json.dumps({"path": os.fspath(path)}))


if __name__ == "__main__":
    main(sys.argv[1])
