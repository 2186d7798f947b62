"""Package trained demo runs as the small models shipped in `saved_models/`.

The repository ships two trained demo models, so that `keras-gans translate`
/ `keras-gans sample` and the TF Serving guide work straight after install,
without training:

- `saved_models/glyphs_cyclegan/`: the CycleGAN demo (`keras-gans train
  cyclegan`, preset `cyclegan_fast`): DejaVu Sans -> Serif glyphs at 32x32.
  `model.keras` (the CycleGAN with its EMA generators as G and F, without
  optimizer state, moving averages or image pools) and `1/`, a TF Serving
  SavedModel of G: A -> B.
- `saved_models/shapes_dcgan/`: the DCGAN demo (`keras-gans train dcgan`,
  preset `dcgan_cspup_shapes_demo`): coloured shapes at 32x32, noise of 100
  values -> image. `model.keras` (the DCGAN with its EMA generator, and that
  generator's own batch-norm statistics, as its generator; no optimizer
  state or moving average) and `1/`, a SavedModel of the generator
  (`serving_default`: `noise` float32 `[N, 100]` -> `images` float32 in
  [-1, 1]).

Each folder also gets `expected.npz`: fixed inputs and the outputs the
model gave for them when it was packaged; `tests/test_saved_models.py`
checks that the shipped files still give them.

```
keras-gans train cyclegan --output runs/demo_cyclegan
keras-gans train dcgan --output runs/demo_dcgan
python examples/ship_demo_models.py --cyclegan runs/demo_cyclegan \
    --dcgan runs/demo_dcgan --output saved_models
```
"""

import argparse
import os
import shutil

#: The glyphs `expected.npz` stores for the CycleGAN: the demo grid's.
CHARS = "AbGkRw35"
#: Noise vectors stored for the DCGAN.
N_SAMPLES = 8


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cyclegan", help="a `keras-gans train cyclegan` run folder")
    p.add_argument("--dcgan", help="a `keras-gans train dcgan` run folder")
    p.add_argument("--output", default="saved_models")
    return p.parse_args(argv)


def _load(run):
    import keras

    import keras_gans  # noqa: F401 - registers the classes the file names

    path = run if run.endswith(".keras") else os.path.join(run, "model.keras")
    # compile=False: no optimizer state in the shipped file (smaller).
    return keras.saving.load_model(path, compile=False)


def _fresh(folder):
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)


def _inference_copy(trained, generators, **changes):
    """A copy of the trained model without a moving average (and with the
    config `changes`), whose generators are the ones inference uses (the
    EMA copies, batch-norm statistics included): what inference needs,
    about half the size.

    `generators`: the copy's generator attribute -> the trained network.
    """
    config = trained.get_config()
    config.update(ema_decay=None, **changes)
    model = type(trained).from_config(config)
    for name in model.NETWORK_NAMES:
        source = generators[name] if name in generators else getattr(trained, name)
        getattr(model, name).set_weights(source.get_weights())
    return model


def _inference_cyclegan(trained):
    """The trained CycleGAN with its EMA generators as G and F, no image pools."""
    generators = {
        f"generator_{d}": trained.inference_generator(d) for d in ("ab", "ba")
    }
    return _inference_copy(trained, generators, pool_size=0)


def _inference_dcgan(trained):
    """The trained DCGAN with its EMA generator as its generator."""
    return _inference_copy(trained, {"generator": trained.inference_generator()})


def ship_cyclegan(run, folder):
    import numpy as np

    from keras_gans import datasets
    from keras_gans.export import export_generator
    from keras_gans.imaging import from_uint8, to_uint8

    model = _inference_cyclegan(_load(run))
    _fresh(folder)
    model.save(os.path.join(folder, "model.keras"))
    export_generator(model, folder, direction="ab", version=1)
    a, b, _ = datasets.glyph_pairs(32, split="test", chars=CHARS)
    inputs = to_uint8(a)
    x = from_uint8(inputs)
    np.savez_compressed(
        os.path.join(folder, "expected.npz"),
        inputs=inputs,
        fake_b=model.translate(x, "ab"),
        truth_b=to_uint8(b),
    )


def export_noise_generator(generator, path, version=1):
    """A SavedModel of a noise -> image generator (`serving_default`)."""
    import keras
    import tensorflow as tf

    latent = generator.input_shape[-1]
    archive = keras.export.ExportArchive()
    archive.track(generator)

    @tf.function(input_signature=[tf.TensorSpec([None, latent], tf.float32)])
    def serve(noise):
        return {"images": tf.cast(generator(noise, training=False), tf.float32)}

    archive.add_endpoint("serving_default", serve)
    out = os.path.join(path, str(version))
    archive.write_out(out)
    return out


def ship_dcgan(run, folder):
    import numpy as np

    model = _inference_dcgan(_load(run))
    _fresh(folder)
    model.save(os.path.join(folder, "model.keras"))
    export_noise_generator(model.inference_generator(), folder)
    noise = model.sample_noise(N_SAMPLES, seed=0)
    np.savez_compressed(
        os.path.join(folder, "expected.npz"),
        noise=noise,
        images=model.generate(noise=noise),
    )


def main(argv=None):
    args = parse_args(argv)
    if args.cyclegan:
        ship_cyclegan(args.cyclegan, os.path.join(args.output, "glyphs_cyclegan"))
        print(f"Wrote {os.path.join(args.output, 'glyphs_cyclegan')}")
    if args.dcgan:
        ship_dcgan(args.dcgan, os.path.join(args.output, "shapes_dcgan"))
        print(f"Wrote {os.path.join(args.output, 'shapes_dcgan')}")


if __name__ == "__main__":
    main()
