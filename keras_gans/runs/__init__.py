"""The run layer: a run's config, and what it builds and writes.

A run is a preset plus overrides (`RunConfig`, the run folder's
`config.json`), the model, data and callbacks built from it, and a run
folder that `keras_gans.training` checkpoints into. `keras-gans train`,
`pretrain` and `evaluate` are argparse over these functions; the examples
and tests call them directly.

Example:

```python
import tempfile
from keras_gans import runs

config = runs.RunConfig.from_preset(
    "cyclegan", image_size=16, ngf=4, ndf=4, batch_size=2, epochs=1,
    steps_per_epoch=2, samples=2,
)  # no data: the built-in demo set
run_dir = tempfile.mkdtemp()
model = runs.train(config, run_dir, verbose=0)  # or, step by step:
model = runs.build_model(config)
dataset = runs.make_data(config)(0)  # epoch 0
callbacks = runs.make_callbacks(config, model, run_dir)
```
"""

from keras_gans.runs.best import BEST_MODEL, BestCheckpoint
from keras_gans.runs.build import build_model, make_callbacks, network_overrides
from keras_gans.runs.config import (
    DEFAULT_PRESETS,
    DEMO_AIDS,
    DEMO_PRESETS,
    DEMO_SETTINGS,
    MODELS,
    RunConfig,
    RunError,
    resolve_config,
    scaled_schedule,
)
from keras_gans.runs.data import data_spec, make_data, sample_images
from keras_gans.runs.evaluate import evaluate
from keras_gans.runs.folder import (
    CONFIG_FILE,
    FINAL_MODEL,
    PRETRAINED_GENERATOR,
    generator_of,
    load_model,
    prepare,
)
from keras_gans.runs.train import pretrain, train
from keras_gans.runs.translate import translate_files

# The run layer's API; its folder helpers (`folder.new_run_dir`,
# `folder.newest_run`, `config.resume_config`, `folder.run_image_size`,
# `folder.save_model`, `train.write_png`) are for the CLI, not part of it.
__all__ = [
    "BEST_MODEL",
    "BestCheckpoint",
    "CONFIG_FILE",
    "DEFAULT_PRESETS",
    "DEMO_AIDS",
    "DEMO_PRESETS",
    "DEMO_SETTINGS",
    "FINAL_MODEL",
    "MODELS",
    "PRETRAINED_GENERATOR",
    "RunConfig",
    "RunError",
    "build_model",
    "data_spec",
    "evaluate",
    "generator_of",
    "load_model",
    "make_callbacks",
    "make_data",
    "network_overrides",
    "prepare",
    "pretrain",
    "resolve_config",
    "sample_images",
    "scaled_schedule",
    "train",
    "translate_files",
]
