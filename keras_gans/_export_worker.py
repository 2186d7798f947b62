"""The TensorFlow side of `keras_gans.export_backends`: `python -m
keras_gans._export_worker REQUEST` loads a generator saved as `.keras` and
runs one `keras_gans.export` function on it, printing `{"path": ...}`."""

import json
import os
import sys


def main(request):
    """The subprocess: load the generator under TensorFlow and export it.

    Prints `{"path": ...}`, or `{"error": ..., "message": ...}` for a bad
    argument (`keras_gans.export_backends.ARGUMENT_ERRORS`) and returns 1.
    """
    import keras

    from keras_gans import export
    from keras_gans.export_backends import ARGUMENT_ERRORS

    request = json.loads(request)
    # The file was written a moment ago by the calling process from its own
    # generator: trusted, Lambda layers included.
    generator = keras.saving.load_model(
        request["model"], compile=False, safe_mode=False
    )
    function = getattr(export, request["function"])
    try:
        path = function(generator, request["path"], **request["kwargs"])
    except ARGUMENT_ERRORS as error:
        print(json.dumps({"error": type(error).__name__, "message": str(error)}))
        return 1
    print(json.dumps({"path": os.fspath(path)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
