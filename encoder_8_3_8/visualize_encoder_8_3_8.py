#!/usr/bin/env python3
"""Static figures for encoder_8_3_8, written to viz/ (or --outdir).

Per-seed figures (backprop CE, restarts on, trained here in about a second):
training curves with restarts marked, the 8 hidden codes on the 3-cube, the code
table, Hinton diagrams of both weight matrices. Sweep figures, read from the JSON
files in results/ written by the commands in the README: backprop vs Boltzmann,
colliding-pair histogram, solve rate vs N.

    python3 encoder_8_3_8/visualize_encoder_8_3_8.py --seed 0
"""
import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import encoder_8_3_8 as enc  # noqa: E402

import matplotlib  # noqa: E402
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

RESULTS = os.path.join(HERE, "results")
DPI = 110


def save(fig, outdir, name):
    path = os.path.join(outdir, name)
    tmp = os.path.join(outdir, "." + name + ".tmp.png")
    fig.savefig(tmp, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    os.replace(tmp, path)
    return path


def hinton(ax, W, title, xlabel, ylabel):
    """Hinton diagram: square area = |w| / max |w|, red positive, blue negative."""
    W = np.asarray(W)
    big = np.abs(W).max() or 1.0
    ax.set_facecolor("0.92")
    for (i, j), w in np.ndenumerate(W):
        side = np.sqrt(abs(w) / big) * 0.9
        ax.add_patch(plt.Rectangle((j - side / 2, i - side / 2), side, side,
                                   color="tab:red" if w > 0 else "tab:blue"))
    ax.set_xlim(-0.6, W.shape[1] - 0.4)
    ax.set_ylim(W.shape[0] - 0.4, -0.6)
    ax.set_aspect("equal")
    ax.set_xticks(range(W.shape[1]))
    ax.set_yticks(range(W.shape[0]))
    ax.set_title(f"{title}  (max |w| = {big:.1f})", fontsize=10)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)


def draw_cube(ax, H, labels=True, title=""):
    """Hidden activations (n, 3) as points in the unit cube, corners and edges drawn."""
    for a in range(8):
        for bit in range(3):
            b = a ^ (1 << bit)
            if b > a:
                pa = [(a >> k) & 1 for k in range(3)]
                pb = [(b >> k) & 1 for k in range(3)]
                ax.plot(*zip(pa, pb), color="0.35", lw=1.0)
    colors = plt.cm.tab10(np.arange(len(H)) % 10)
    ax.scatter(H[:, 0], H[:, 1], H[:, 2], c=colors, s=45, depthshade=False, edgecolor="k")
    if labels:
        for i, p in enumerate(H):
            ax.text(p[0], p[1], p[2] + 0.06, str(i), fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_zlim(0, 1)
    ax.set_xlabel("h0")
    ax.set_ylabel("h1")
    ax.set_zlabel("h2")
    ax.set_title(title, fontsize=10)
    ax.set_box_aspect(None, zoom=0.85)          # keep the z label inside the figure


def curves(axes, hist, restarts, upto=None):
    """Loss, accuracy, distinct codes and weight norm of one seed (column 0)."""
    T = len(hist["loss"]) if upto is None else upto + 1
    ep = np.arange(T)
    spec = [("loss", "loss", True), ("acc", "reconstruction accuracy", False),
            ("distinct", "distinct binarized codes", False), ("wnorm", "weight norm", False)]
    for ax, (k, name, logy) in zip(axes, spec):
        ax.plot(ep, hist[k][:T, 0], color="k", lw=1)
        if logy:
            ax.set_yscale("log")
        for r in restarts:
            if r < T:
                ax.axvline(r, color="tab:red", ls="--", lw=1)
        ax.set_ylabel(name, fontsize=9)
        ax.set_xlim(0, len(hist["loss"]))
    axes[-1].set_xlabel("epoch (restarts dashed red)")


def seed_run(seed, restarts=9):
    cfg = enc.config_of(enc.parse_args(["--seed", str(seed), "--restarts", str(restarts)]))
    return cfg, enc.train_backprop([seed], cfg, record=True)


def fig_seed(seed, outdir):
    cfg, r = seed_run(seed)
    written = []
    # training curves; plus a seed that needed a restart, to show the wrapper at work
    cfgb = enc.config_of(enc.parse_args(["--restarts", "9"]))
    scan = enc.train_backprop(list(range(seed, seed + 20)), cfgb)
    needs = [seed + i for i in range(20) if scan["attempts"][i] > 1]
    shown = [seed] + needs[:1]
    fig, axes = plt.subplots(4, len(shown), figsize=(5 * len(shown), 8), sharex="col",
                             squeeze=False)
    for c, s in enumerate(shown):
        _, rs = seed_run(s)
        curves(axes[:, c], rs["history"], rs["restarts_at"][0])
        axes[0, c].set_title(f"backprop CE, seed {s}: attempts {rs['attempts'][0]}, "
                             f"solved at epoch {rs['epochs_to_solve'][0]}", fontsize=10)
    written.append(save(fig, outdir, "training_curves.png"))

    H = r["H"][0]
    fig = plt.figure(figsize=(5, 5))
    ax = fig.add_subplot(projection="3d")
    draw_cube(ax, H, title=f"hidden activations of the 8 patterns, seed {seed}")
    written.append(save(fig, outdir, "hidden_codes_cube.png"))

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(6, 4))
    im = a1.imshow(H, cmap="viridis", vmin=0, vmax=1)
    a1.set_title("hidden activations")
    bits = (H > 0.5).astype(int)
    a2.imshow(bits, cmap="gray_r", vmin=0, vmax=1)
    a2.set_title("binarized code (> 0.5)")
    for a in (a1, a2):
        a.set_xlabel("hidden unit")
        a.set_ylabel("pattern")
        a.set_xticks(range(H.shape[1]))
        a.set_yticks(range(H.shape[0]))
    for (i, j), v in np.ndenumerate(H):
        a1.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7,
                color="w" if v < 0.5 else "k")
        a2.text(j, i, str(bits[i, j]), ha="center", va="center", fontsize=8,
                color="w" if bits[i, j] else "k")
    fig.colorbar(im, ax=a1, fraction=0.046)
    fig.suptitle(f"code table, seed {seed}: {r['n_distinct'][0]} distinct codes", y=1.03)
    written.append(save(fig, outdir, "code_table.png"))

    p = r["params"]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(8, 5), gridspec_kw={"width_ratios": [3, 8]})
    hinton(a1, p["W1"][0], "W1: input -> hidden", "hidden unit", "input unit")
    hinton(a2, p["W2"][0], "W2: hidden -> output", "output unit", "hidden unit")
    written.append(save(fig, outdir, "weights_hinton.png"))
    return written


def load(name):
    path = os.path.join(RESULTS, name)
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def fig_sweeps(outdir):
    written = []
    ce, sse, bm = load("bp_ce_n8.json"), load("bp_sse_n8.json"), load("bm_n8.json")
    if ce and sse and bm:
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.4))
        fig.subplots_adjust(wspace=0.3)
        names = ["backprop\nCE", "backprop\nSSE", "Boltzmann\n(this repo)", "AHS 1985\n(all 8 codes)",
                 "public\nbackprop"]
        rates, lo, hi = [], [], []
        for d in (ce, sse, bm):
            s = d["summary"]["solved"]
            rates.append(s["rate"])
            lo.append(s["rate"] - s["ci95"][0])
            hi.append(s["ci95"][1] - s["rate"])
        for k, N in ((16, 20), (21, 30)):
            ci = enc.wilson(k, N)
            rates.append(k / N)
            lo.append(k / N - ci[0])
            hi.append(ci[1] - k / N)
        ns = [d["summary"]["solved"]["n"] for d in (ce, sse, bm)] + [20, 30]
        cols = ["tab:blue", "tab:orange", "tab:green", "0.6", "0.6"]
        a1.bar(range(5), rates, yerr=[lo, hi], color=cols, capsize=4)
        for i, (r, nn) in enumerate(zip(rates, ns)):
            a1.text(i, 0.02, f"{r:.0%}\nof {nn}", ha="center", fontsize=8, color="w")
        a1.set_xticks(range(5))
        a1.set_xticklabels(names, fontsize=8)
        a1.set_ylim(0, 1.05)
        a1.set_ylabel("strict solve rate, one attempt (95% CI)")
        a1.set_title("8-3-8: how often are all 8 codes distinct?", fontsize=10)
        meds = [d["summary"]["epochs_to_solve"].get("median", np.nan) for d in (ce, sse, bm)]
        a2.bar(range(3), meds, color=cols[:3])
        a2.axhline(1570, color="0.4", ls="--", lw=1)
        a2.text(2.45, 1570, "AHS median\n1,570 cycles", fontsize=8, va="bottom", ha="right")
        a2.axhline(3631, color="0.6", ls=":", lw=1)
        a2.text(-0.4, 3631, "public repro seed 0: 3,631 epochs", fontsize=8, va="bottom")
        for i, m in enumerate(meds):
            a2.text(i, m, f"{m:.0f}", ha="center", va="bottom", fontsize=9)
        a2.set_xticks(range(3))
        a2.set_xticklabels(names[:3], fontsize=8)
        a2.set_ylabel("median epochs or cycles to solve\n(solved runs only)")
        a2.set_ylim(0, 4200)
        written.append(save(fig, outdir, "backprop_vs_boltzmann.png"))

    if ce and sse:
        fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
        fig.subplots_adjust(wspace=0.35)
        for ax, d, name in ((axes[0], ce, "CE"), (axes[1], sse, "SSE")):
            u = d["summary"]["colliding_pair_uniformity"]
            M = np.full((8, 8), np.nan)
            k = 0
            for i in range(8):
                for j in range(i + 1, 8):
                    M[i, j] = u["counts"][k]
                    k += 1
            ax.imshow(M, cmap="Oranges", vmin=0)
            for (i, j), v in np.ndenumerate(M):
                if not np.isnan(v):
                    ax.text(j, i, f"{v:.0f}", ha="center", va="center", fontsize=8)
            ax.set_xticks(range(8))
            ax.set_yticks(range(8))
            ax.set_xlabel("pattern j")
            ax.set_ylabel("pattern i")
            ax.set_title(f"colliding pairs, backprop {name} ({u['n_pairs_counted']} pairs)\n"
                         f"chi2 = {u['chi2']:.1f}, df 27, MC p = {u['p_monte_carlo']:.3f}",
                         fontsize=9)
        ax = axes[2]
        width = 0.2
        sets = [(ce, "backprop CE"), (sse, "backprop SSE")]
        bmd = load("bm_n8_decay.json")
        if bmd:
            sets.append((bmd, "Boltzmann, --bm-decay 0.005"))
        for i, (d, name) in enumerate(sets):
            hs = d["summary"]["shared_to_empty_corner"]
            if hs.get("runs"):
                ax.bar(np.arange(1, 4) + (i - 1) * width, hs["observed_by_distance"], width,
                       label=f"{name} (p = {hs['p_monte_carlo']:.3f})")
        hs = ce["summary"]["shared_to_empty_corner"]
        frac = np.array(hs["expected_by_distance"]) / max(hs["runs"], 1)
        ax.plot(np.arange(1, 4), frac * hs["runs"], "k_", ms=25, mew=2,
                label="random empty corner (CE)")
        ax.set_xticks([1, 2, 3])
        ax.set_xlabel("Hamming distance, shared to empty corner")
        ax.set_ylabel("unsolved runs with 7 codes")
        ax.legend(fontsize=7)
        ax.set_title("where is the free corner?", fontsize=9)
        written.append(save(fig, outdir, "colliding_pairs.png"))

    rows = []
    for n in (4, 8, 16, 32):
        rows.append((n, load(f"bp_ce_n{n}.json"), load(f"bp_sse_n{n}.json"), load(f"bm_n{n}.json")))
    if any(r[1] for r in rows):
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
        for idx, name, col in ((1, "backprop CE", "tab:blue"), (2, "backprop SSE", "tab:orange"),
                               (3, "Boltzmann", "tab:green")):
            pts = [(r[0], r[idx]["summary"]) for r in rows if r[idx]]
            if not pts:
                continue
            xs = [n for n, _ in pts]
            rate = np.array([s["solved"]["rate"] for _, s in pts])
            lo = rate - np.array([s["solved"]["ci95"][0] for _, s in pts])
            hi = np.array([s["solved"]["ci95"][1] for _, s in pts]) - rate
            lbl = name + " (" + ", ".join(str(s["solved"]["n"]) for _, s in pts) + " seeds)"
            a1.errorbar(xs, rate, yerr=[lo, hi], marker="o", capsize=3, color=col, label=lbl)
            med = [s["epochs_to_solve"].get("median", np.nan) for _, s in pts]
            a2.plot(xs, med, marker="o", color=col, label=name)
        for a in (a1, a2):
            a.set_xscale("log", base=2)
            a.set_xticks([4, 8, 16, 32])
            a.set_xticklabels(["4-2-4", "8-3-8", "16-4-16", "32-5-32"])
            a.legend(fontsize=8)
        a1.set_ylim(0, 1.05)
        a1.set_ylabel("strict solve rate, one attempt (95% CI)")
        a2.set_yscale("log")
        a2.set_ylabel("median epochs / cycles to solve")
        fig.suptitle("N-log2N-N encoders")
        written.append(save(fig, outdir, "solve_rate_vs_n.png"))
    return written


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=enc._int(0), default=0, help="seed of the per-seed figures")
    ap.add_argument("--outdir", default=os.path.join(HERE, "viz"), help="output directory")
    a = ap.parse_args(argv)
    try:
        os.makedirs(a.outdir, exist_ok=True)
    except OSError as e:
        ap.error(f"argument --outdir: cannot create {a.outdir}: {e.strerror or e}")
    if not os.access(a.outdir, os.W_OK):
        ap.error(f"argument --outdir: {a.outdir} is not a writable directory")
    try:
        written = fig_seed(a.seed, a.outdir) + fig_sweeps(a.outdir)
    except OSError as e:
        sys.exit(f"error: cannot write figures to --outdir {a.outdir}: {e.strerror or e}")
    for w in written:
        print(w)


if __name__ == "__main__":
    main()
