"""Pix2Pix on the built-in paired glyphs (DejaVu Sans -> bold), on CPU.

```bash
# A few CPU minutes (preset pix2pix_demo: 32x32, batch 4, 10 epochs):
python examples/pix2pix_demo.py
python examples/pix2pix_demo.py --epochs 2 --output /tmp/pix2pix_demo
```

Every input has a known target (`datasets.paired_glyphs(task="bold")`: the
same glyph with its ink grown by one pixel), so the held-out error
`mean |G(x) - y|` on the test split (different jitter from training) can be
compared with the identity baseline `mean |x - y|` (output = input). The
script prints both, per epoch and at the end, and writes to `--output`:
`grid.png` (rows: input, G(x), target; 96 px tiles), `history.json` (losses,
held-out errors, wall seconds) and `model.keras`.
"""

import argparse
import json
import os
import time

import keras
import numpy as np
from PIL import Image

import keras_gans
from keras_gans import datasets, presets

PRESET = "pix2pix_demo"


def held_out_error(model, x, y):
    """`mean |G(x) - y|` in [-1, 1] units on the held-out pairs."""
    return float(np.mean(np.abs(model.translate(x) - y)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--output", default="pix2pix_demo_run")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    preset = presets.get(PRESET)
    epochs = args.epochs or preset["epochs"]
    size, batch = preset["image_size"], preset["batch_size"]
    os.makedirs(args.output, exist_ok=True)

    task = preset["data"]["task"]
    train = datasets.paired_glyphs(size, task=task, batch_size=batch, seed=args.seed)
    x_test, y_test, chars = datasets.paired_glyph_arrays(
        size, task=task, split="test", seed=args.seed
    )
    baseline = float(np.mean(np.abs(x_test - y_test)))
    model = keras_gans.Pix2Pix.from_preset(PRESET, seed=args.seed)
    errors = []
    report = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: (
            errors.append(held_out_error(model, x_test, y_test))
            or print(
                f"epoch {epoch + 1}: held-out |G(x)-y| {errors[-1]:.4f}", flush=True
            )
        )
    )
    start = time.perf_counter()
    history = model.fit(
        train,
        epochs=epochs,
        callbacks=[*keras_gans.callbacks.from_preset(PRESET), report],
        verbose=2,
    )
    seconds = time.perf_counter() - start

    picks = np.arange(0, len(chars), max(1, len(chars) // 10))[:10]
    grid = model.sample_grid(
        x_test[picks], y_test[picks], col_labels=[chars[i] for i in picks]
    )
    Image.fromarray(grid).save(os.path.join(args.output, "grid.png"))
    model.save(os.path.join(args.output, "model.keras"))
    summary = {
        "preset": PRESET,
        "epochs": epochs,
        "steps": int(model.generator_optimizer.iterations.numpy()),
        "train_seconds": round(seconds, 1),
        "held_out_pairs": len(chars),
        "identity_baseline": round(baseline, 4),
        "held_out_error": [round(e, 4) for e in errors],
        "ratio_to_baseline": round(errors[-1] / baseline, 3),
        "losses": {
            k: [round(float(v), 4) for v in vs] for k, vs in history.history.items()
        },
    }
    with open(os.path.join(args.output, "history.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print(
        f"held-out mean |G(x) - y| = {errors[-1]:.4f}, identity baseline "
        f"mean |x - y| = {baseline:.4f} (ratio {summary['ratio_to_baseline']}), "
        f"{summary['steps']} steps in {seconds:.0f} s"
    )
    return summary


if __name__ == "__main__":
    main()
