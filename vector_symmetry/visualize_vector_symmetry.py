"""Static figures for vector_symmetry into viz/ (or --outdir).

  training_curves.png    error and number correct per sweep for --seed and seeds 999 and 4
  hinton_weights.png     Hinton diagram of the learned weights of --seed, with pair ratios
  hidden_net_inputs.png  both hidden units' net input for all 64 patterns (--seed)
  sweep_histogram.png    sweeps to solve, seeds 0-999 (results/sweep1000.json)
  grid_heatmap.png       solve rate and median sweeps over eps x alpha (results/grid.json)
  plateau.png            what sets the plateau: sweeps vs initial output bias, the intervention,
                         plateau length vs how deep the output is driven (results/plateau.json)
  octave.png             10,000 seeds against the Octave replication (results/octave.json)

The seed figures train --seed (a second or two); the others are drawn from the JSON the
scripts write (committed under results/), or recomputed with --recompute (minutes).
"""
import argparse
import json
import os
import sys

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import studies_vector_symmetry as st  # noqa: E402
import vector_symmetry as vs  # noqa: E402

matplotlib.rcParams.update({"font.size": 9})
DPI = 110
POS, NEG = "#c0392b", "#2c3e90"      # positive weight red, negative blue
CONTRAST = (999, 4)                  # drawn beside --seed in the training curves
RESULTS = os.path.join(HERE, "results")


def save(fig, path):
    vs.write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=DPI, bbox_inches="tight",
                                                  format="png"))
    plt.close(fig)


def hinton(ax, M, scale=None, xlabels=(), ylabels=(), gap=1.9):
    """Hinton diagram of matrix M (rows top to bottom): square area = |w|, colour = sign."""
    M = np.asarray(M, dtype=float)
    scale = scale or np.abs(M).max() or 1.0
    ax.set_facecolor("#eeeeee")
    for (i, j), w in np.ndenumerate(M):
        side = np.sqrt(min(abs(w) / scale, 1.0)) * 0.92
        x = j * gap
        ax.add_patch(plt.Rectangle((x - side / 2, i - side / 2), side, side,
                                   color=POS if w > 0 else NEG))
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
    M1 = np.vstack([W1, b1])                                  # (7,2)
    M2 = np.append(params["W2"][s], params["b2"][s])[:, None]  # (3,1)
    scale = scale or max(np.abs(M1).max(), np.abs(M2).max())
    gs = fig.add_gridspec(1, 2, width_ratios=[3.2, 1.9], wspace=0.35)
    ax1, ax2 = fig.add_subplot(gs[0]), fig.add_subplot(gs[1])
    hinton(ax1, M1, scale, ["h1", "h2"], [f"x{i + 1}" for i in range(6)] + ["bias"])
    ratios, anti = vs.pair_structure(W1)
    ax1.set_title("input -> hidden\nratio " + "; ".join(
        "1:" + ":".join(f"{x:.2f}" for x in r[1:]) for r in ratios)
        + f"\nantisymmetry {anti:.3f}", fontsize=8)
    hinton(ax2, M2, scale, ["out"], ["h1", "h2", "bias"])
    ax2.set_title("hidden -> output", fontsize=8)
    if title:
        fig.suptitle(title, fontsize=9, y=1.04)
    return ax1, ax2


def traced(seeds, max_sweeps=vs.MAX_SWEEPS):
    """train() with E and n_correct recorded at every sweep: (out, E (T,S), n_correct (T,S))."""
    E, nc = [], []

    def record(t, idx, W, err, n_correct, y):
        for rows, v in ((E, err), (nc, n_correct)):
            full = np.full(len(seeds), np.nan)
            full[idx] = v
            rows.append(full)
    out = vs.train(seeds, max_sweeps=max_sweeps, callback=record)
    return out, np.array(E), np.array(nc)


def fig_training_curves(seeds, path):
    """Draws the curves; returns the train() result (seeds in the order given)."""
    out, E, nc = traced(seeds)
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(7.5, 5.4), sharex=True)
    t = np.arange(1, E.shape[0] + 1)                  # sweep + 1, for the log axis
    for i, s in enumerate(seeds):
        sts = out["sweeps_to_solve"][i]
        lab = f"seed {s}: " + (f"solved at {sts:,}" if sts >= 0
                               else f"not solved within {vs.MAX_SWEEPS:,}")
        a1.plot(t, E[:, i], lw=1.2, label=lab)
        a2.plot(t, nc[:, i], lw=1.2)
    a1.set_xscale("log")
    a1.axhline(4.0, color="gray", ls="--", lw=0.8, zorder=0)
    a1.set_ylim(0, 11.5)
    a1.text(1.2, 9.9, "dashed: E = 4 = 1/2 x 8 x 1^2, the output near 0 for all 64 patterns "
            "(the 8 symmetric ones wrong)", fontsize=7, color="dimgray")
    a1.set_ylabel("error E = 1/2 sum (y-d)^2")
    a1.legend(fontsize=7, loc="lower left")
    a1.set_title("training curves at the paper's settings (eps 0.1, alpha 0.9)")
    a2.axhline(56, color="gray", ls=":", lw=0.8, zorder=0)
    a2.text(1.2, 62.5, "dotted: 56/64, 'not symmetric' to everything", fontsize=7,
            color="dimgray")
    a2.set_ylabel("patterns correct")
    a2.set_xlabel("sweep + 1 (log scale)")
    a2.set_ylim(40, 65)
    save(fig, path)
    return out


def fig_hinton(params, seed, path):
    fig = plt.figure(figsize=(6.2, 4.6))
    draw_net(fig, params, 0, f"seed {seed}: learned weights (area = |w|, red +, blue -)")
    save(fig, path)


def fig_hidden(params, seed, path):
    _, bits, d = vs.make_patterns()
    net_h, _ = st.net_inputs(params, 0)
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


def fig_histogram(sweep, path):
    per, cap = sweep["per_seed"], sweep["config"]["max_sweeps"]
    sts = np.array([m["sweeps_to_solve"] if m["solved"] else np.inf for m in per], float)
    solved = sts[np.isfinite(sts)]
    n = len(sts)
    fig, ax = plt.subplots(figsize=(7.5, 4.0))
    lo = max(1.0, solved.min() / 1.5) if len(solved) else 1.0
    bins = np.logspace(np.log10(lo), np.log10(max(cap, lo * 2)), 40)
    ax.hist(solved, bins=bins, color="#7f8c8d", label=f"{len(solved)} solved seeds")
    ax.set_xscale("log")
    med_all, med_solved = vs.quantiles(sts)["median"], np.median(solved) if len(solved) else np.nan
    for x, lab, c, ls in (
            (vs.PAPER_SWEEPS, f"paper {vs.PAPER_SWEEPS:,} (one run)", "#c0392b", "--"),
            (vs.OCTAVE["median"], f"Octave replication median {vs.OCTAVE['median']:,}",
             "#2980b9", "--"),
            (med_all, f"our median, all {n} seeds (unsolved counted as > {cap:,}): "
             f"{vs.fmt(med_all)}", "k", "-"),
            (med_solved, f"our median, solved seeds only: {vs.fmt(med_solved)}", "k", ":")):
        if np.isfinite(x):
            ax.axvline(x, color=c, lw=1.5, ls=ls, label=lab)
    ax.set_xlabel("sweeps to solve (all 64 on the right side of 0.5), log scale")
    ax.set_ylabel("seeds")
    ax.set_title(f"seeds 0-{n - 1}: {len(solved)} solved within {cap:,} sweeps, "
                 f"{n - len(solved)} not (not drawn)", pad=10)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
    save(fig, path)


def fig_grid(grids, path):
    fig, axes = plt.subplots(1, len(grids), figsize=(5.4 * len(grids), 4.9),
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
        ax.set_title(f"coding {coding}: solve rate / median sweeps to solve\n"
                     f"({g['n_seeds']} seeds per cell)", fontsize=8)
        if vs.LR in g["lrs"] and vs.MOMENTUM in g["momenta"]:
            i, j = g["lrs"].index(vs.LR), g["momenta"].index(vs.MOMENTUM)
            ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="r", lw=2))
    fig.colorbar(im, ax=axes, shrink=0.8, label="solve rate %")
    fig.text(0.1, -0.02, "red box: the paper's eps 0.1, alpha 0.9.  '>max': fewer than half the"
             " seeds of the cell solved within 20,000 sweeps, so the median is beyond the cap.",
             fontsize=8)
    save(fig, path)


def fig_plateau(r, path):
    ps = r["per_seed"]
    b2, sts = np.array(ps["b2"], float), np.array([np.inf if x is None else x
                                                   for x in ps["sweeps_to_solve"]], float)
    sat = np.array(ps["sweeps_saturated"], float)
    depth = -np.array(ps["depth"], float)
    fig, (a1, a2, a3) = plt.subplots(1, 3, figsize=(13.5, 4.2), gridspec_kw={"wspace": 0.3})
    ok = np.isfinite(sts)
    a1.scatter(b2[ok], sts[ok], s=5, c="gray", alpha=0.5, label=f"{ok.sum()} seeds")
    f = r["fit_log_sweeps_vs_b2"]
    xs = np.linspace(-0.3, 0.3, 50)
    a1.plot(xs, np.exp(f["a"] + f["k"] * xs), "r-", lw=1.5,
            label=f"fit {np.exp(f['a']):,.0f} exp({f['k']:.2f} b2), R^2 {f['r2']:.2f}")
    bins = [b for b in r["b2_bins"] if b["n"] and b["median"] is not None]
    a1.plot([(b["lo"] + b["hi"]) / 2 for b in bins], [b["median"] for b in bins], "ko", ms=5,
            label="bin medians")
    a1.set_yscale("log")
    a1.set_xlabel("initial output bias b2")
    a1.set_ylabel("sweeps to solve (log)")
    rho = r["correlations"]["b2"]["rho"]
    a1.set_title(f"seeds 0-{len(b2) - 1}: Spearman " + st.sgn(rho), fontsize=9)
    a1.legend(fontsize=7, loc="upper left")
    iv = [i for i in r["intervention"] if isinstance(i["b2"], float)]
    x = [i["b2"] for i in iv]
    med = np.array([np.nan if i["median"] is None else i["median"] for i in iv], float)
    ci = np.array([[np.nan if v is None else v for v in i["median_ci95"]] for i in iv], float)
    a2.errorbar(x, med, yerr=[med - ci[:, 0], ci[:, 1] - med], fmt="o-",
                color="#2c3e90", capsize=3, label="median, 95% CI")
    zero = [i for i in r["intervention"] if not isinstance(i["b2"], float)]
    if zero and zero[0]["median"] is not None:
        a2.plot([0], [zero[0]["median"]], "s", color="#e67e22", label="every bias 0")
    a2.set_yscale("log")
    a2.set_xlabel("initial b2, set by hand (all other weights as drawn)")
    a2.set_ylabel("sweeps to solve (log)")
    a2.set_title(f"intervention: seeds 0-{r['intervention_seeds'] - 1} at each b2", fontsize=9)
    a2.legend(fontsize=7, loc="upper left")
    good = sat > 0
    a3.scatter(depth[good], sat[good], s=5, c=b2[good], cmap="coolwarm", vmin=-0.3, vmax=0.3)
    g = r["mechanism"]["fit_log_saturated_vs_depth"]
    xs = np.linspace(depth.min(), depth.max(), 50)
    a3.plot(xs, np.exp(g["a"] + g["k"] * xs), "k-", lw=1.2,
            label=f"fit {np.exp(g['a']):.2g} exp({g['k']:.2f} |D|), R^2 {g['r2']:.2f}")
    a3.set_yscale("log")
    a3.set_xlabel("depth |D|: lowest largest output net input (colour: initial b2)")
    a3.set_ylabel("sweeps with every output < 0.05 (log)")
    a3.set_title("mechanism: deeper start of the plateau, longer plateau", fontsize=9)
    a3.legend(fontsize=7, loc="upper left")
    save(fig, path)


def fig_octave(r, path):
    s = np.sort(np.array([np.inf if x is None else x for x in r["per_seed"]["sweeps_to_solve"]],
                         float))
    fig, ax = plt.subplots(figsize=(7.5, 4.0))
    ax.step(s, np.arange(1, len(s) + 1) / len(s), where="post", color="k",
            label=f"ours, seeds 0-{len(s) - 1}")
    o = vs.OCTAVE
    ax.plot([o["min"], o["q1"], o["median"], o["q3"], o["max"]], [0, 0.25, 0.5, 0.75, 1.0],
            "D", color="#2980b9", label="Octave replication: min, quartiles, max (1,000 starts)")
    for b in r["blocks"]:
        ax.plot([b["median"]], [0.5], "|", color="#c0392b", ms=14)
    ax.plot([], [], "|", color="#c0392b", ms=10, label="medians of our 1,000-seed blocks")
    ax.set_xscale("log")
    ax.set_xlabel("sweeps to solve (log)")
    ax.set_ylabel("fraction of seeds solved")
    ax.set_title("sweeps to solve: our distribution against the Octave replication", pad=8)
    ax.legend(fontsize=7, loc="upper left")
    save(fig, path)


# ---------------------------------------------------------------- CLI
def output_dir(text):
    """argparse type: a directory to write into (made if missing; checked with a file)."""
    try:
        if os.path.exists(text) and not os.path.isdir(text):
            raise NotADirectoryError(20, "not a directory")
        os.makedirs(text, exist_ok=True)
        vs.output_path(os.path.join(text, "check.png"))
    except (OSError, argparse.ArgumentTypeError) as e:
        raise argparse.ArgumentTypeError(f"cannot write into {text}: "
                                         f"{getattr(e, 'strerror', None) or e}")
    return text


def results_file(*keys):
    """argparse type: a JSON file written by this folder's scripts, with these keys."""
    def f(text):
        try:
            with open(text, encoding="utf-8") as fh:
                obj = json.load(fh)
            for k in keys:
                obj = obj[k]
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise argparse.ArgumentTypeError(f"cannot use {text}: {e}")
        return text
    return f


FILES = {"sweep_json": ("sweep1000.json", ("per_seed",)),
         "grid_json": ("grid.json", ("results", "grids")),
         "plateau_json": ("plateau.json", ("results", "intervention")),
         "octave_json": ("octave.json", ("results", "blocks"))}


def build_parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seed", type=vs.number(int, 0, 2 ** 63 - 1), default=0,
                   help="seed of the one-run figures (default 0)")
    p.add_argument("--outdir", type=output_dir, default=os.path.join(HERE, "viz"),
                   metavar="DIR", help="where the PNGs go (default viz/)")
    for dest, (name, keys) in FILES.items():
        p.add_argument("--" + dest.replace("_", "-"), type=results_file(*keys), default=None,
                       metavar="FILE", help=f"results to draw (default results/{name})")
    p.add_argument("--recompute", action="store_true",
                   help="recompute the sweep and the studies instead of reading results/")
    p.add_argument("--seeds", type=vs.number(int, 10, vs.MAX_SEEDS), default=None, metavar="N",
                   help="with --recompute: seeds per study (default: each study's own)")
    return p


def main(argv=None):
    parser = build_parser()
    a = parser.parse_args(argv)
    given = [k for k in FILES if getattr(a, k) is not None]
    if a.recompute and given:
        parser.error(f"argument --{given[0].replace('_', '-')}: not used with --recompute")
    if a.seeds is not None and not a.recompute:
        parser.error("argument --seeds: only used with --recompute")
    data = {}
    if a.recompute:
        n = a.seeds
        report, end = vs.progress_printer(False, "recomputing")
        out = vs.train(range(n or 1000), progress=report)
        data["sweep_json"] = {"config": {"max_sweeps": vs.MAX_SWEEPS}, "per_seed": [
            vs.run_metrics(out, i) for i in range(n or 1000)]}
        data["grid_json"] = {"grids": {c: st.run_grid(n or 40, c, vs.MAX_SWEEPS, report)
                                       for c in ("01", "pm1")}}
        data["plateau_json"] = st.study_plateau(n or 1000, st.DEFAULT_CAP["plateau"], report)
        data["octave_json"] = st.study_octave(n or 10000, st.DEFAULT_CAP["octave"], report)
        end()
        data = {k: vs.jsonable(v) for k, v in data.items()}
    else:
        for k, (name, _) in FILES.items():
            path = getattr(a, k) or os.path.join(RESULTS, name)
            try:
                results_file(*FILES[k][1])(path)
            except argparse.ArgumentTypeError as e:
                parser.error(f"argument --{k.replace('_', '-')}: {e}")
            with open(path, encoding="utf-8") as fh:
                obj = json.load(fh)
            data[k] = obj if k == "sweep_json" else obj["results"]
    outdir = a.outdir
    out = fig_training_curves([a.seed] + [c for c in CONTRAST if c != a.seed],
                              os.path.join(outdir, "training_curves.png"))
    # index 0 is --seed: a seed's run in a batch is bit for bit its run alone (a test checks it)
    fig_hinton(out["params"], a.seed, os.path.join(outdir, "hinton_weights.png"))
    fig_hidden(out["params"], a.seed, os.path.join(outdir, "hidden_net_inputs.png"))
    fig_histogram(data["sweep_json"], os.path.join(outdir, "sweep_histogram.png"))
    fig_grid(data["grid_json"]["grids"], os.path.join(outdir, "grid_heatmap.png"))
    fig_plateau(data["plateau_json"], os.path.join(outdir, "plateau.png"))
    fig_octave(data["octave_json"], os.path.join(outdir, "octave.png"))
    print(f"figures written to {outdir}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.stderr.write("\nvisualize_vector_symmetry.py: interrupted\n")
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(1)
