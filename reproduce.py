#!/usr/bin/env python3
"""Run every experiment of this repository and print one summary table.

    python3 reproduce.py                       # all six experiments, --seed 0
    python3 reproduce.py family_trees grapheme_sememe
    python3 reproduce.py --sweep 10            # seeds 0..9 of each experiment
    python3 reproduce.py --figures             # also regenerate viz/*.png and the GIFs

Each experiment's main script ``<name>/<name>.py`` runs in its own subprocess
with ``--seed S --json <tmp>`` (or ``--sweep N --json <tmp>``); this file never
imports the experiment modules and uses the standard library only.  The table
lists, per experiment, its status, a few headline metrics read back from the
JSON it wrote, and the wall-clock of the run.  A folder that does not exist yet
is listed as ``missing``; an experiment that fails is reported with the tail of
its stderr and makes the exit status 1, but the others still run.  An unknown
experiment name, a name given twice, a sweep larger than ``MAX_SWEEP`` or a
timeout that is not a finite positive number is a one-line error with exit
status 2; Ctrl-C stops the running script and ends with one line, exit 130.
Only the main scripts run here: each folder's studies script
(``<name>/studies_<name>.py``) runs on its own.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.abspath(__file__))

# The six experiments, in the order of the top-level README, each with the
# metric keys shown in the summary table (looked up anywhere in the JSON's
# "metrics", or in "summary" for a sweep).
EXPERIMENTS = {
    "vector_symmetry": ["solved", "sweeps_to_solve", "n_correct", "solve_rate",
                        "sweeps_to_solve_all.median", "paper_solution_fraction_of_solved"],
    "family_trees": ["train_correct", "test_correct"],
    "encoder_8_3_8": ["solved", "epochs_to_solve", "n_distinct_codes"],
    "grapheme_sememe": ["share_regained", "words_regained", "heldout_word_id_post_relearn"],
    "fast_weights_deblur": ["10%.sq.cumulative_transfer_ratio.20",
                            "50%.sq.cumulative_transfer_ratio.20"],
    "replay_autoencoder": ["H2.item_loss_final.mean_over_items.mean",
                           "H2.n_nonzero_singular_values", "H32.n_nonzero_singular_values"],
}
STDERR_TAIL_LINES = 15
MAX_CELL = 120
MAX_SWEEP = 10_000       # seeds per sweep; each main script also refuses what it cannot fit


def non_negative_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}")
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def sweep_size(text):
    value = non_negative_int(text)
    if not 1 <= value <= MAX_SWEEP:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_SWEEP}, got {value}")
    return value


def positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}")
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return value


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Run the experiments' main scripts and print one summary table.")
    parser.add_argument("experiments", nargs="*", metavar="NAME",
                        help="experiments to run (default: all): " + ", ".join(EXPERIMENTS))
    parser.add_argument("--seed", type=non_negative_int, default=0,
                        help="seed for single runs and figures (default 0)")
    parser.add_argument("--sweep", type=sweep_size, default=None, metavar="N",
                        help="run seeds 0..N-1 of each experiment instead of one seed")
    parser.add_argument("--figures", action="store_true",
                        help="also run each visualize script and GIF maker")
    parser.add_argument("--timeout", type=positive_float, default=3600.0,
                        help="seconds allowed per script (default 3600)")
    parser.add_argument("--root", default=ROOT, help=argparse.SUPPRESS)
    parser.error = usage_error
    args = parser.parse_args(argv)
    unknown = [name for name in args.experiments if name not in EXPERIMENTS]
    twice = [name for i, name in enumerate(args.experiments) if name in args.experiments[:i]]
    if unknown:
        usage_error(f"unknown experiment {unknown[0]!r} (choose from: {', '.join(EXPERIMENTS)})")
    if twice:
        usage_error(f"experiment {twice[0]!r} given twice")
    return args


def usage_error(message):
    """One line on stderr and exit status 2, like every other usage error."""
    sys.stderr.write(f"reproduce.py: error: {message}\n")
    sys.exit(2)


def run_script(argv, cwd, timeout):
    """Run one script; return (ok, seconds, stderr tail)."""
    start = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable] + argv, cwd=cwd, capture_output=True,
                              text=True, timeout=timeout,
                              env=dict(os.environ, MPLBACKEND="Agg"))
    except subprocess.TimeoutExpired:
        return False, time.perf_counter() - start, f"timed out after {timeout:g} s"
    seconds = time.perf_counter() - start
    tail = "\n".join(proc.stderr.strip().splitlines()[-STDERR_TAIL_LINES:])
    if proc.returncode != 0:
        return False, seconds, f"exit status {proc.returncode}\n{tail}".rstrip()
    return True, seconds, tail


def flatten(obj, prefix=""):
    """Yield (dotted key, value) for every leaf of nested dicts."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from flatten(value, f"{prefix}{key}.")
    else:
        yield prefix[:-1], obj


def short(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        if len(value) > 4 or any(isinstance(v, dict) for v in value):
            return f"[{len(value)} values]"
        return "[" + ", ".join(short(v) for v in value) + "]"
    return str(value)


def headline(result, keys):
    """A compact 'key=value' string of the headline metrics found in a result JSON."""
    section = result.get("summary") or result.get("metrics") or {}
    leaves = list(flatten(section))
    parts = []
    for key in keys:
        want = key.split(".")
        for path, value in leaves:
            names = path.split(".")
            # a key names one level of the path, or several consecutive levels ("10%.sq")
            if not any(names[i:i + len(want)] == want for i in range(len(names))):
                continue
            if value is None:
                continue
            # in a sweep summary show the mean (or the rate) of each statistic
            if "summary" in result and names[-1] not in (want[-1], "mean", "rate",
                                                         "value"):
                continue
            parts.append(f"{path}={short(value)}")
    if not parts:
        parts = [f"{p}={short(v)}" for p, v in leaves if isinstance(v, (int, float))][:4]
    text = "; ".join(parts) if parts else "(no scalar metrics)"
    return text if len(text) <= MAX_CELL else text[:MAX_CELL - 3] + "..."


def run_experiment(name, args):
    """Run one experiment (and its figure scripts); return a row of the table."""
    folder = os.path.join(args.root, name)
    main = os.path.join(folder, f"{name}.py")
    if not os.path.isfile(main):
        return {"name": name, "status": "missing", "seconds": None,
                "headline": "not yet implemented", "error": ""}
    with tempfile.TemporaryDirectory(prefix=f"reproduce_{name}_") as tmp:
        out = os.path.join(tmp, "result.json")
        run = ["--sweep", str(args.sweep)] if args.sweep else ["--seed", str(args.seed)]
        ok, seconds, err = run_script([main] + run + ["--json", out, "--quiet"],
                                      folder, args.timeout)
        row = {"name": name, "status": "ok" if ok else "FAILED", "seconds": seconds,
               "headline": "", "error": "" if ok else err}
        if ok:
            try:
                with open(out, encoding="utf-8") as fh:
                    row["headline"] = headline(json.load(fh), EXPERIMENTS[name])
            except (OSError, ValueError) as exc:
                row.update(status="FAILED", error=f"could not read its JSON: {exc}")
    if args.figures:
        for script in (f"visualize_{name}.py", f"make_{name}_gif.py"):
            path = os.path.join(folder, script)
            if not os.path.isfile(path):
                row.update(status="FAILED", error=row["error"] + f"\n{script} is missing")
                continue
            ok, seconds, err = run_script([path, "--seed", str(args.seed)], folder,
                                          args.timeout)
            row["seconds"] += seconds
            if not ok:
                row.update(status="FAILED", error=row["error"] + f"\n{script}: {err}")
    return row


def print_table(rows):
    header = ("experiment", "status", "wall-clock", "headline metrics")
    cells = [header] + [
        (r["name"], r["status"], "-" if r["seconds"] is None else f"{r['seconds']:.1f} s",
         r["headline"]) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(3)]
    lines = []
    for i, c in enumerate(cells):
        lines.append("  ".join(c[j].ljust(widths[j]) for j in range(3)) + "  " + c[3])
        if i == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * len(header[3]))
    print("\n".join(lines))


def main(argv=None):
    args = parse_args(argv)
    names = args.experiments or list(EXPERIMENTS)
    what = f"--sweep {args.sweep}" if args.sweep else f"--seed {args.seed}"
    print(f"Running {len(names)} experiment(s) with {what}"
          + (" and their figures" if args.figures else "") + " ...", flush=True)
    rows = []
    for name in names:
        row = run_experiment(name, args)
        print(f"  {name}: {row['status']}"
              + ("" if row["seconds"] is None else f" ({row['seconds']:.1f} s)"), flush=True)
        rows.append(row)
    print()
    print_table(rows)
    failed = [r for r in rows if r["status"] == "FAILED"]
    for r in failed:
        print(f"\n{r['name']} failed:\n" + "\n".join("    " + line
                                                    for line in r["error"].strip().splitlines()))
    missing = [r["name"] for r in rows if r["status"] == "missing"]
    if missing:
        print("\nmissing (not yet implemented): " + ", ".join(missing))
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        # subprocess.run has already killed and reaped the running script
        sys.stderr.write("reproduce.py: interrupted\n")
        sys.exit(130)
