"""Markdown tables from `benchmarks/quality.py` JSON files (for docs/quality.md).

```
python benchmarks/quality.py ... --label resnet6 --output results/resnet6.json
python benchmarks/quality_table.py results/*.json --steps 900
```

One row per file (its `--label`), one column per task: the mean ratio over
the file's seeds at `--steps` (with the range when there are several
seeds). Files of the same label are merged (e.g. runs of other seeds or
tasks). `--metric` picks another column of the rows (`ratio_ba`,
`kid_pool8`, `ink_error`, ...).
"""

import argparse
import json


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("files", nargs="+")
    p.add_argument("--steps", type=int, default=900)
    p.add_argument("--metric", default="ratio")
    p.add_argument("--tasks", default=None, help="comma-separated column order")
    return p.parse_args(argv)


def collect(files, steps, metric):
    """label -> task -> list of values."""
    table = {}
    for path in files:
        with open(path) as f:
            result = json.load(f)
        label = result.get("label") or path
        for row in result["rows"]:
            if row.get("steps") not in (steps, None) or metric not in row:
                continue
            table.setdefault(label, {}).setdefault(row["task"], []).append(row[metric])
    return table


def cell(values):
    if not values:
        return "-"
    mean = sum(values) / len(values)
    if len(values) == 1:
        return f"{mean:.2f}"
    return f"{mean:.2f} ({min(values):.2f}-{max(values):.2f}, n={len(values)})"


def markdown(table, tasks):
    lines = ["| configuration | " + " | ".join(tasks) + " |"]
    lines.append("|---" * (len(tasks) + 1) + "|")
    for label, by_task in table.items():
        lines.append(
            f"| {label} | " + " | ".join(cell(by_task.get(t, [])) for t in tasks) + " |"
        )
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    table = collect(args.files, args.steps, args.metric)
    if args.tasks:
        tasks = args.tasks.split(",")
    else:
        tasks = sorted({t for by_task in table.values() for t in by_task})
    print(markdown(table, tasks))


if __name__ == "__main__":
    main()
