"""PyTorch plumbing: eager train steps with `torch.autograd.grad`.

Keras' PyTorch trainer calls `train_step(data)` eagerly on the variables (each
a `torch.nn.Parameter` underneath). `gradients` runs the forward pass once
and takes each group's gradients with `torch.autograd.grad` (the graph kept
until the last group), before any optimizer touches a weight.
"""

import torch
from keras import ops

from keras_gans.models.backends import group_variables, loss_scale, split


def gradients(model, forward, groups, frozen=()):
    """Run `forward()` and take the gradients of each group's loss.

    Args:
        model: a `keras_gans` GAN model.
        forward: callable. `() -> dict` of tensors (losses among them).
        groups: list of dicts `{optimizer name: loss key}`; each group's loss
            is the sum of its keys, differentiated with respect to the
            variables of each optimizer of the group.
        frozen: variables whose state updates in `forward` are undone (e.g.
            a generator's norm statistics when its forward pass is
            repeated).

    Returns:
        `(values, grads)`: `forward()`'s dict and `{name: [gradient per
        variable]}`.
    """
    saved = [(v, ops.copy(ops.convert_to_tensor(v))) for v in frozen]
    values = forward()
    for v, old in saved:
        v.assign(old)
    grads = {}
    for i, group in enumerate(groups):
        by_name, flat = group_variables(model, group)
        loss = sum(values[key] for key in group.values())
        loss = loss * loss_scale(model, group, loss)
        found = torch.autograd.grad(
            loss,
            [v.value for v in flat],
            retain_graph=i < len(groups) - 1,
            allow_unused=True,
        )
        found = [
            torch.zeros_like(v.value) if g is None else g for g, v in zip(found, flat)
        ]
        grads.update(split(found, by_name))
    values = {k: v.detach() if torch.is_tensor(v) else v for k, v in values.items()}
    return values, grads


def apply_every(model, name, grads, every=1, counter=None):
    """Apply `grads` with optimizer `name`; with `every > 1` only when
    `counter % every == every - 1` (eager: a plain `if`)."""
    if every == 1 or int(ops.convert_to_numpy(counter)) % every == every - 1:
        variables = model._optimizer_variables(name)
        optimizer = getattr(model, f"{name}_optimizer")
        optimizer.apply_gradients(zip(grads, variables))
