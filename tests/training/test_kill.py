"""`kill -9` of `keras-gans train` mid-epoch, `--resume`, compare with a clean run.

A `python -m keras_gans train` subprocess, the victim, trains; the test
polls its `checkpoints/` folder and sends SIGKILL as soon as the first
complete step checkpoint of epoch 1 (its manifest) appears, while the victim
trains on. Then `keras-gans train cyclegan --output RUN --resume` (the
console script's `keras_gans.cli.main`, run in this process: a fresh model
and train function that shares nothing with the dead process but its files)
finishes the victim's run, and a clean run with the same arguments and seed
(`keras_gans.cli.main` again) trains from scratch. Both runs must end with
the same optimizer iterations, the same final weights, optimizer moments and
learning rates, and the same epoch losses, and the resumed run must have
continued from the newest complete checkpoint, so only the steps trained
after it were lost.

The run: preset `cyclegan_paper` (its `LinearDecay` halves the learning
rates in epoch 1 of a 2-epoch run, so a resume that restarted the epoch
counter or the schedule would train epoch 1 at the wrong rate), tiny networks
on 16x16 demo glyphs, batches of 8 (the 50-image pools are full from step 7
on, so their contents and random draws matter after the resume), 6 steps per
epoch, a checkpoint every 2 steps.
"""

import csv
import json
import os
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

from keras_gans import cli, config
from keras_gans.training import CheckpointManager

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

STEPS_PER_EPOCH = 6
SAVE_EVERY = 2
ARGS = [
    "train", "cyclegan", "--preset", "cyclegan_paper", "--seed", "7",
    "--image-size", "16", "--batch-size", "8", "--ngf", "4", "--ndf", "4",
    "--generator-config", '{"n_blocks": 1, "n_downsampling": 1}',
    "--discriminator-config", '{"n_layers": 1}', "--samples", "2", "--epochs", "2",
    "--steps-per-epoch", str(STEPS_PER_EPOCH),
    "--save-every-steps", str(SAVE_EVERY), "--verbose", "0",
]  # fmt: skip
TIMEOUT = 400  # seconds; never reached on a healthy machine


def _start(run_dir, log_path):
    # The victim runs on the kernels this process runs on (TensorFlow reads
    # TF_ENABLE_ONEDNN_OPTS when it starts), whatever the variable says now.
    onednn = "1" if config.onednn_enabled() else "0"
    env = {
        **os.environ,
        "PYTHONPATH": REPO,
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "TF_ENABLE_ONEDNN_OPTS": onednn,
    }
    with open(log_path, "w") as log:  # a file, not a pipe: never blocks the run
        return subprocess.Popen(
            [sys.executable, "-m", "keras_gans", *ARGS, "--output", run_dir],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=REPO,
        )


def _tail(path, n=3000):
    with open(path, errors="replace") as f:
        return f.read()[-n:]


def _first_step_checkpoint_of_epoch_1(manager):
    for ckpt in manager.checkpoints():
        if ckpt.epoch == 1 and ckpt.step > 0:
            return ckpt
    return None


def _kill_at_first_step_checkpoint_of_epoch_1(victim, run_dir, log_path):
    """Poll the victim's checkpoints; SIGKILL it when the first complete
    mid-epoch checkpoint of epoch 1 exists. Returns that checkpoint."""
    manager = CheckpointManager(os.path.join(run_dir, "checkpoints"))
    deadline = time.monotonic() + TIMEOUT
    while True:
        ckpt = _first_step_checkpoint_of_epoch_1(manager)
        if ckpt is not None:
            os.kill(victim.pid, signal.SIGKILL)
            victim.wait()
            return ckpt
        if victim.poll() is not None:
            pytest.fail(
                f"the victim exited ({victim.returncode}) before it was killed:\n"
                + _tail(log_path)
            )
        if time.monotonic() > deadline:
            pytest.fail("no step checkpoint of epoch 1 in time:\n" + _tail(log_path))
        time.sleep(0.01)


def _state(model):
    """Every model variable (weights, pools, loss weights, base rates) and
    every optimizer variable (iterations, learning rate, moments)."""
    arrays = {f"model/{i}/{v.path}": v.numpy() for i, v in enumerate(model.variables)}
    for name, opt in sorted(model.gan_optimizers.items()):
        for i, v in enumerate(opt.variables):
            arrays[f"{name}/{i}/{v.path}"] = v.numpy()
    return arrays


def _history(run_dir):
    with open(os.path.join(run_dir, "history.csv")) as f:
        return list(csv.DictReader(f))


@pytest.mark.slow
def test_cli_sigkill_mid_epoch_then_resume_equals_a_clean_run(tmp_path, capsys):
    clean_dir, run_dir = str(tmp_path / "clean"), str(tmp_path / "killed")
    victim_log = str(tmp_path / "victim.log")
    victim = _start(run_dir, victim_log)
    try:
        watched = _kill_at_first_step_checkpoint_of_epoch_1(victim, run_dir, victim_log)
        assert victim.returncode == -signal.SIGKILL, _tail(victim_log)
        assert (watched.epoch, watched.step) == (1, SAVE_EVERY)

        # Killed mid-epoch 1: the newest complete checkpoint is the watched
        # one or the next step checkpoint (the victim trained on while the
        # poll noticed it); a checkpoint cut short by the kill is not listed.
        latest = CheckpointManager(os.path.join(run_dir, "checkpoints")).latest()
        assert latest.epoch == 1 and not latest.epoch_end, latest.name
        assert latest.step in (SAVE_EVERY, 2 * SAVE_EVERY), latest.name
        assert not os.path.exists(os.path.join(run_dir, cli.FINAL_MODEL))

        # keras-gans train cyclegan --output RUN --resume (fresh model and
        # train function; only the files on disk come from the dead process).
        argv = ["train", "cyclegan", "--output", run_dir, "--resume", "--verbose", "0"]
        assert cli.main(argv) == 0, capsys.readouterr().err
    finally:
        if victim.poll() is None:
            victim.kill()
            victim.wait()
    # The clean run: the same command from scratch, uninterrupted.
    assert cli.main([*ARGS, "--output", clean_dir]) == 0, capsys.readouterr().err
    capsys.readouterr()

    # It continued from the newest complete checkpoint: the steps trained
    # after it (at most SAVE_EVERY, if the kill hit the next checkpoint's
    # write) were the only ones lost.
    with open(os.path.join(run_dir, "events.jsonl")) as f:
        events = [json.loads(line) for line in f]
    resumes = [e for e in events if e["event"] == "resume"]
    assert len(resumes) == 1
    assert resumes[0]["global_step"] == latest.global_step
    assert (resumes[0]["epoch"], resumes[0]["step"]) == (latest.epoch, latest.step)

    # Same optimizer iterations: 2 epochs x 6 steps, for each optimizer.
    total = 2 * STEPS_PER_EPOCH
    final = {}
    for name, folder in (("clean", clean_dir), ("resumed", run_dir)):
        ckpt = CheckpointManager(os.path.join(folder, "checkpoints")).latest()
        assert (ckpt.epoch, ckpt.step, ckpt.global_step) == (2, 0, total), name
        assert ckpt.manifest["optimizer_iterations"] == {
            "generator": total,
            "discriminator_a": total,
            "discriminator_b": total,
        }, name
        path = os.path.join(folder, cli.FINAL_MODEL)
        final[name] = keras.saving.load_model(path, safe_mode=True)
    for model in final.values():
        for opt in model.gan_optimizers.values():
            assert int(opt.iterations.numpy()) == total
        # LinearDecay's phase: epoch 1 of 2 trains at half the base rate.
        lr = float(model.generator_optimizer.learning_rate.numpy())
        np.testing.assert_allclose(lr, 0.5 * 2e-4, rtol=1e-6)

    # Same final weights, pools and optimizer states.
    clean_state, resumed_state = _state(final["clean"]), _state(final["resumed"])
    assert len(clean_state) == len(resumed_state)
    differ = {}
    for (key, a), b in zip(clean_state.items(), resumed_state.values()):
        assert a.shape == b.shape, key
        if not np.array_equal(a, b):
            diff = a.astype("float64") - b.astype("float64")
            differ[key] = float(np.max(np.abs(diff)))
    assert max(differ.values(), default=0.0) <= 1e-6, (
        f"{len(differ)} of {len(clean_state)} arrays differ: {differ}"
    )

    # The epoch losses too (the running sums of epoch 1 were checkpointed).
    clean_rows, rows = _history(clean_dir), _history(run_dir)
    assert [r["epoch"] for r in rows] == [r["epoch"] for r in clean_rows] == ["0", "1"]
    for clean_row, row in zip(clean_rows, rows):
        assert row.keys() == clean_row.keys()
        for key, value in clean_row.items():
            if value != "NA":  # CSVLogger's empty validation columns
                np.testing.assert_allclose(float(row[key]), float(value), rtol=1e-5)
