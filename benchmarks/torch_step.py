"""Time the official PyTorch CycleGAN training step on this machine; JSON out.

The issue that asks keras_gans to be faster than the official PyTorch code
(junyanz/pytorch-CycleGAN-and-pix2pix) quotes its step time on another
machine. This script measures that step *here*, so that the comparison is
made on one machine: `CycleGANModel.optimize_parameters` with the paper's
networks (`resnet_9blocks` generators, 70x70 `NLayerDiscriminator`, instance
norm without affine parameters, reflect padding), LSGAN (`MSELoss`),
lambda_A = lambda_B = 10, lambda_identity = 0.5, Adam(2e-4, betas (0.5,
0.999)), image pools of 50, batch 1:

1. forward: `fake_B = G_A(A)`, `rec_A = G_B(fake_B)`, `fake_A = G_B(B)`,
   `rec_B = G_A(fake_A)`;
2. generator step (discriminators frozen): identity `G_A(B)`, `G_B(A)`,
   GAN + cycle + identity losses, backward, `optimizer_G.step()`;
3. discriminator step: `D_A` on `B` and a pooled `fake_B`, `D_B` on `A` and
   a pooled `fake_A`, each loss x 0.5, backward, `optimizer_D.step()`.

The networks are those of `tests/networks/torch_reference.py` (the official
module structure, used by the parity tests). Threads: `torch.set_num_threads`
(default: every core, as PyTorch does). Needs `torch` (`pip install
torch`); it is not a dependency of keras_gans.

Examples:

```
python benchmarks/torch_step.py --image-size 256 --warmup 1 --steps 3
python benchmarks/torch_step.py --image-size 128 --threads 2
```

This is a benchmark, not a test: it asserts nothing.
"""

import argparse
import os
import random
import resource
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import train_step  # noqa: E402  (machine info, load average, summary)


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--image-size", type=int, default=256)
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--warmup", type=int, default=1, help="untimed steps (>= 1)")
    p.add_argument("--steps", type=int, default=3, help="measured steps")
    p.add_argument("--threads", type=int, default=0, help="0: PyTorch's default")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--label", default="")
    p.add_argument("--output", help="also write the JSON to this file")
    args = p.parse_args(argv)
    if args.warmup < 1 or args.steps < 1:
        p.error("--warmup and --steps must be >= 1")
    return args


class ImagePool:
    """The official image pool: 50 past fakes, each query 50 % old, 50 % new."""

    def __init__(self, pool_size):
        self.pool_size, self.images = pool_size, []

    def query(self, images):
        import torch

        if self.pool_size == 0:
            return images
        out = []
        for image in images:
            image = image.unsqueeze(0)
            if len(self.images) < self.pool_size:
                self.images.append(image)
                out.append(image)
            elif random.uniform(0, 1) > 0.5:
                i = random.randint(0, self.pool_size - 1)
                old = self.images[i].clone()
                self.images[i] = image
                out.append(old)
            else:
                out.append(image)
        return torch.cat(out, 0)


class OfficialCycleGANStep:
    """`CycleGANModel.optimize_parameters` of the official code."""

    def __init__(self, torch, ref, lambda_cycle=10.0, lambda_identity=0.5):
        import itertools

        nn = torch.nn
        self.torch = torch
        norm = ref.instance_norm()
        self.G_A, self.G_B = (
            ref.init_weights(ref.ResnetGenerator(3, 3, 64, norm, n_blocks=9))
            for _ in range(2)
        )
        self.D_A, self.D_B = (
            ref.init_weights(ref.NLayerDiscriminator(3, 64, 3, norm)) for _ in range(2)
        )
        self.pool_A, self.pool_B = ImagePool(50), ImagePool(50)
        self.mse, self.l1 = nn.MSELoss(), nn.L1Loss()
        self.lambda_cycle, self.lambda_identity = lambda_cycle, lambda_identity
        self.optimizer_G = torch.optim.Adam(
            itertools.chain(self.G_A.parameters(), self.G_B.parameters()),
            lr=2e-4,
            betas=(0.5, 0.999),
        )
        self.optimizer_D = torch.optim.Adam(
            itertools.chain(self.D_A.parameters(), self.D_B.parameters()),
            lr=2e-4,
            betas=(0.5, 0.999),
        )

    def gan_loss(self, prediction, target_is_real):
        target = (
            self.torch.ones_like(prediction)
            if target_is_real
            else self.torch.zeros_like(prediction)
        )
        return self.mse(prediction, target)

    def backward_D(self, D, real, fake):
        loss = (
            self.gan_loss(D(real), True) + self.gan_loss(D(fake.detach()), False)
        ) * 0.5
        loss.backward()
        return loss

    def __call__(self, real_A, real_B):
        lc, li = self.lambda_cycle, self.lambda_identity
        # forward
        fake_B = self.G_A(real_A)
        rec_A = self.G_B(fake_B)
        fake_A = self.G_B(real_B)
        rec_B = self.G_A(fake_A)
        # G_A and G_B
        for D in (self.D_A, self.D_B):
            D.requires_grad_(False)
        self.optimizer_G.zero_grad()
        idt_A = self.G_A(real_B)
        idt_B = self.G_B(real_A)
        loss_G = (
            self.gan_loss(self.D_A(fake_B), True)
            + self.gan_loss(self.D_B(fake_A), True)
            + self.l1(rec_A, real_A) * lc
            + self.l1(rec_B, real_B) * lc
            + self.l1(idt_A, real_B) * lc * li
            + self.l1(idt_B, real_A) * lc * li
        )
        loss_G.backward()
        self.optimizer_G.step()
        # D_A and D_B
        for D in (self.D_A, self.D_B):
            D.requires_grad_(True)
        self.optimizer_D.zero_grad()
        loss_D_A = self.backward_D(self.D_A, real_B, self.pool_B.query(fake_B))
        loss_D_B = self.backward_D(self.D_B, real_A, self.pool_A.query(fake_A))
        self.optimizer_D.step()
        return loss_G.item(), loss_D_A.item(), loss_D_B.item()


def main(argv=None):
    args = parse_args(argv)
    import torch

    from tests.networks import torch_reference

    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    load_before = train_step.load_average()
    t0 = time.perf_counter()
    step = OfficialCycleGANStep(torch, torch_reference)
    build_s = time.perf_counter() - t0
    s, b = args.image_size, args.batch_size
    real_A = torch.rand(b, 3, s, s) * 2 - 1
    real_B = torch.rand(b, 3, s, s) * 2 - 1

    times, cpu_times, warmup = [], [], []
    for i in range(args.warmup + args.steps):
        t, c = time.perf_counter(), time.process_time()
        step(real_A, real_B)
        t, c = time.perf_counter() - t, time.process_time() - c
        if i < args.warmup:
            warmup.append(round(t, 4))
        else:
            times.append(t)
            cpu_times.append(c)

    out = {
        "label": args.label,
        "date_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        "command": "python benchmarks/torch_step.py " + " ".join(sys.argv[1:]),
        "implementation": "official PyTorch CycleGAN step (optimize_parameters)",
        "image_size": s,
        "batch_size": b,
        "warmup_steps": args.warmup,
        "measured_steps": args.steps,
        "build_s": round(build_s, 3),
        "torch": {
            **train_step.summarize(times, b, cpu_times),
            "first_step_s": warmup[0],
            "warmup_s_per_step": warmup,
        },
        "peak_rss_gib": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 3
        ),
        "threads": torch.get_num_threads(),
        "load_average_before": load_before,
        "load_average_after": train_step.load_average(),
        "torch_version": torch.__version__,
        "cpu": train_step.cpu_info(),
    }
    train_step.emit(out, args.output)


if __name__ == "__main__":
    main()
