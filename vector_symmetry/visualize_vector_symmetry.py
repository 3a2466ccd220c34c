"""Static figures for vector_symmetry into viz/ (or --outdir).

  training_curves.png    error and number correct per sweep for --seed and two contrast seeds
  hinton_weights.png     Hinton diagram of the learned weights of --seed, with pair ratios
  hidden_net_inputs.png  both hidden units' net input for all 64 patterns
  sweep_histogram.png    sweeps to solve over --sweep-seeds seeds, paper and replication marked
  grid_heatmap.png       solve rate and median sweeps over eps x alpha, both codings
                         (from --grid-json written by `vector_symmetry.py --grid --json`,
                         or computed here with --grid-seeds seeds per cell)
"""
import argparse
import json
import os
import sys

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vector_symmetry as vs  # noqa: E402

matplotlib.rcParams.update({"font.size": 9})
DPI = 110
POS, NEG = "#c0392b", "#2c3e90"      # positive weight red, negative blue


def save(fig, path):
    tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".tmp.png")
    fig.savefig(tmp, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    os.replace(tmp, path)


def hinton(ax, M, scale=None, xlabels=(), ylabels=(), annotate=True, gap=1.9):
    """Hinton diagram of matrix M (rows top to bottom): square area = |w|, colour = sign.

    Columns sit `gap` apart so each square can carry its value to its right.
    """
    M = np.asarray(M, dtype=float)
    scale = scale or np.abs(M).max() or 1.0
    ax.set_facecolor("#eeeeee")
    for (i, j), w in np.ndenumerate(M):
        side = np.sqrt(min(abs(w) / scale, 1.0)) * 0.92
        x = j * gap
        ax.add_patch(plt.Rectangle((x - side / 2, i - side / 2), side, side,
                                   color=POS if w > 0 else NEG))
        if annotate:
            ax.text(x + 0.52, i, f"{w:+.1f}", va="center", fontsize=7)
    ax.set_xlim(-0.6, (M.shape[1] - 1) * gap + 1.3)
    ax.set_ylim(M.shape[0] - 0.4, -0.6)
    ax.set_aspect("equal")
    ax.set_xticks(np.arange(M.shape[1]) * gap, xlabels or [""] * M.shape[1])
    ax.set_yticks(range(M.shape[0]), ylabels or [""] * M.shape[0])
    ax.tick_params(length=0)


def draw_net(fig, params, s, title="", scale=None):
    """Two panels: input->hidden weights (+bias row) and hidden->output (+bias)."""
    W1, b1 = params["W1"][s], params["b1"][s]
    W2, b2 = params["W2"][s], params["b2"][s]
    M1 = np.vstack([W1, b1])                                  # (7,2)
    M2 = np.append(W2, b2)[:, None]                           # (3,1)
    scale = scale or max(np.abs(M1).max(), np.abs(M2).max())
    gs = fig.add_gridspec(1, 2, width_ratios=[3.2, 1.9], wspace=0.35)
    ax1, ax2 = fig.add_subplot(gs[0]), fig.add_subplot(gs[1])
    hinton(ax1, M1, scale, ["h1", "h2"], [f"x{i + 1}" for i in range(6)] + ["bias"])
    ratios, anti, _ = vs.pair_structure(W1)
    ax1.set_title("input -> hidden\nratio " + "; ".join(
        "1:" + ":".join(f"{x:.2f}" for x in r[1:]) for r in ratios)
        + f"\nantisymmetry {anti:.3f}", fontsize=8)
    hinton(ax2, M2, scale, ["out"], ["h1", "h2", "bias"])
    ax2.set_title("hidden -> output", fontsize=8)
    if title:
        fig.suptitle(title, fontsize=9, y=1.04)
    return ax1, ax2


def fig_training_curves(seeds, args, path):
    out = vs.train(seeds, coding=args.coding, max_sweeps=args.max_sweeps, trace_every=10 ** 9)
    E = np.array(out["trace"]["E"])
    nc = np.array(out["trace"]["n_correct"], dtype=float)
    nc[nc < 0] = np.nan
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(7.5, 5.2), sharex=True)
    t = np.arange(1, E.shape[0] + 1)                  # sweep + 1, for the log axis
    for i, s in enumerate(seeds):
        sts = out["sweeps_to_solve"][i]
        lab = f"seed {s}: " + (f"solved at {sts:,}" if sts >= 0
                               else f"not solved within {args.max_sweeps:,}")
        a1.plot(t, E[:, i], lw=1.2, label=lab)
        a2.plot(t, nc[:, i], lw=1.2)
    a1.set_xscale("log")
    a1.axhline(4.0, color="gray", ls="--", lw=0.8)
    a1.text(1, 4.25, "E = 4: output saturated near 0 for all 64 patterns", fontsize=7,
            color="gray")
    a1.set_ylabel("error E = 1/2 sum (y-d)^2")
    a1.legend(fontsize=7, loc="lower left")
    a1.set_title(f"training curves, coding {args.coding}, eps 0.1, alpha 0.9")
    a2.axhline(56, color="gray", ls=":", lw=0.8)
    a2.text(1, 56.4, "56/64: 'not symmetric' to everything", fontsize=7, color="gray")
    a2.set_ylabel("patterns correct")
    a2.set_xlabel("sweep + 1 (log scale)")
    a2.set_ylim(40, 65)
    save(fig, path)


def fig_hinton(out, seed, path):
    fig = plt.figure(figsize=(6.2, 4.6))
    draw_net(fig, out["params"], 0, f"seed {seed}: learned weights (area = |w|, red +, blue -)")
    save(fig, path)


def fig_hidden(out, seed, coding, path):
    X, bits, d = vs.make_patterns(coding)
    one = {k: v[:1] for k, v in out["params"].items()}
    net_h, _, y = vs.predict(one, X)
    net_h = net_h[0]
    sym = d > 0.5
    fig = plt.figure(figsize=(10, 4.4))
    gs = fig.add_gridspec(1, 2, width_ratios=[2.6, 1], wspace=0.25)
    ax, ax2 = fig.add_subplot(gs[0]), fig.add_subplot(gs[1])
    p = np.arange(64)
    ax.bar(p - 0.2, net_h[:, 0], 0.4, color="#e67e22", label="hidden 1")
    ax.bar(p + 0.2, net_h[:, 1], 0.4, color="#16a085", label="hidden 2")
    ax.axhline(0, color="k", lw=0.6)
    for q in np.flatnonzero(sym):
        ax.axvspan(q - 0.5, q + 0.5, color="#f1c40f", alpha=0.35, lw=0)
    ax.set_xticks(p[::4], ["".join(str(int(b)) for b in bits[q]) for q in p[::4]], rotation=90,
                  fontsize=6)
    ax.set_xlim(-0.7, 63.7)
    ax.set_ylabel("net input")
    ax.set_title(f"seed {seed}: hidden net input for all 64 patterns (yellow = symmetric)")
    ax.legend(fontsize=7)
    ax2.scatter(net_h[~sym, 0], net_h[~sym, 1], s=14, c="gray", label="56 asymmetric")
    ax2.scatter(net_h[sym, 0], net_h[sym, 1], s=40, c="#f1c40f", edgecolors="k",
                label="8 symmetric (overlap)")
    ax2.axhline(0, color="k", lw=0.5)
    ax2.axvline(0, color="k", lw=0.5)
    ax2.fill_between([net_h.min() - 1, 0], net_h.min() - 1, 0, color="#f1c40f", alpha=0.15)
    ax2.set_xlabel("net input, hidden 1")
    ax2.set_ylabel("net input, hidden 2")
    ax2.set_title("both < 0 only for symmetric", fontsize=8)
    ax2.legend(fontsize=7, loc="upper right")
    save(fig, path)


def fig_histogram(n_seeds, coding, max_sweeps, path):
    out = vs.train(range(n_seeds), coding=coding, max_sweeps=max_sweeps)
    sts = out["sweeps_to_solve"]
    solved = sts[sts >= 0]
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    bins = np.logspace(np.log10(100), np.log10(max_sweeps), 40)
    ax.hist(solved, bins=bins, color="#7f8c8d")
    ax.set_xscale("log")
    med_all = vs.quantiles(np.where(sts >= 0, sts, np.inf))["median"]
    for x, lab, c in ((vs.PAPER_SWEEPS, f"paper {vs.PAPER_SWEEPS:,}", "#c0392b"),
                      (vs.OCTAVE["median"], f"Octave replication median {vs.OCTAVE['median']:,}",
                       "#2980b9"),
                      (med_all, f"this run median {med_all:,.0f}", "k")):
        ax.axvline(x, color=c, lw=1.5, ls="--", label=lab)
    ax.set_xlabel("sweeps to solve (all 64 on the right side of 0.5)")
    ax.set_ylabel("seeds")
    ax.set_title(f"{len(solved)}/{n_seeds} seeds solved within {max_sweeps:,} sweeps "
                 f"(coding {coding}); {n_seeds - len(solved)} not solved by then")
    ax.legend(fontsize=7)
    save(fig, path)


def fig_grid(grids, path):
    fig, axes = plt.subplots(1, len(grids), figsize=(5.4 * len(grids), 4.3),
                             gridspec_kw={"wspace": 0.3})
    for ax, (coding, g) in zip(np.atleast_1d(axes), grids.items()):
        R = np.array(g["solve_rate"]) * 100
        im = ax.imshow(R, cmap="viridis", vmin=0, vmax=100, aspect="auto")
        for (i, j), r in np.ndenumerate(R):
            med = g["median_sweeps_to_solve"][i][j]
            ax.text(j, i, f"{r:.0f}%\n{'>max' if med is None else med}", ha="center",
                    va="center", fontsize=7, color="w" if r < 60 else "k")
        ax.set_xticks(range(len(g["momenta"])), [f"{m:g}" for m in g["momenta"]])
        ax.set_yticks(range(len(g["lrs"])), [f"{e:g}" for e in g["lrs"]])
        ax.set_xlabel("momentum alpha")
        ax.set_ylabel("step size eps")
        ax.set_title(f"coding {coding}: solve rate / median sweeps\n({g['n_seeds']} seeds per cell)",
                     fontsize=8)
        if 0.1 in g["lrs"] and 0.9 in g["momenta"]:
            i, j = g["lrs"].index(0.1), g["momenta"].index(0.9)
            ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="r", lw=2))
    fig.colorbar(im, ax=axes, shrink=0.8, label="solve rate %")
    save(fig, path)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seed", type=vs._int_ge(0, "--seed"), default=0)
    p.add_argument("--outdir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                    "viz"))
    p.add_argument("--coding", choices=("01", "pm1"), default=vs.CODING)
    p.add_argument("--max-sweeps", type=vs._int_ge(1, "--max-sweeps"), default=vs.MAX_SWEEPS)
    p.add_argument("--contrast-seeds", default="999,4",
                   help="comma-separated seeds drawn beside --seed in the training curves")
    p.add_argument("--sweep-seeds", type=vs._int_ge(1, "--sweep-seeds"), default=1000)
    p.add_argument("--grid-json", default=None, help="grid results from vector_symmetry.py --grid")
    p.add_argument("--grid-seeds", type=vs._int_ge(1, "--grid-seeds"), default=vs.GRID_SEEDS)
    p.add_argument("--skip", default="", help="comma-separated figure names to skip")
    args = p.parse_args(argv)
    try:
        contrast = [int(x) for x in args.contrast_seeds.split(",") if x.strip()]
        assert all(c >= 0 for c in contrast)
    except (ValueError, AssertionError):
        p.error("--contrast-seeds must be comma-separated integers >= 0")
    try:
        os.makedirs(args.outdir, exist_ok=True)
    except OSError as e:
        p.error(f"--outdir {args.outdir}: {e.strerror}")
    if not os.access(args.outdir, os.W_OK):
        p.error(f"--outdir {args.outdir} is not writable")
    if args.grid_json and not os.path.isfile(args.grid_json):
        p.error(f"--grid-json {args.grid_json} does not exist")
    skip = set(args.skip.split(","))
    out = vs.train([args.seed], coding=args.coding, max_sweeps=args.max_sweeps)
    if "training_curves" not in skip:
        seeds = [args.seed] + [c for c in contrast if c != args.seed]
        fig_training_curves(seeds, args, os.path.join(args.outdir, "training_curves.png"))
    if "hinton_weights" not in skip:
        fig_hinton(out, args.seed, os.path.join(args.outdir, "hinton_weights.png"))
    if "hidden_net_inputs" not in skip:
        fig_hidden(out, args.seed, args.coding, os.path.join(args.outdir, "hidden_net_inputs.png"))
    if "sweep_histogram" not in skip:
        fig_histogram(args.sweep_seeds, args.coding, args.max_sweeps,
                      os.path.join(args.outdir, "sweep_histogram.png"))
    if "grid_heatmap" not in skip:
        if args.grid_json:
            with open(args.grid_json) as f:
                grids = json.load(f)["metrics"]["grid"]
        else:
            grids = {c: vs.run_grid(vs.GRID_LRS, vs.GRID_MOMENTA, args.grid_seeds, c,
                                    vs.INIT_RANGE, args.max_sweeps, vs.TOLERANCE)
                     for c in ("01", "pm1")}
        fig_grid(grids, os.path.join(args.outdir, "grid_heatmap.png"))
    print(f"figures written to {args.outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
