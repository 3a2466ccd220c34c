#!/usr/bin/env python3
"""Static figures of encoder_8_3_8, written to viz/ (or --outdir).

Per-seed figures (backprop CE with restarts, trained here in a few seconds): training curves,
the 8 hidden codes in the cube, the code table, Hinton diagrams of both weight matrices.
Sweep and study figures, read from the JSON in results/ (written by encoder_8_3_8.py and
studies_encoder_8_3_8.py; `--recompute` reruns the studies they need first, which takes
about 20 minutes): backprop vs Boltzmann, the Boltzmann learners side by side, the AHS
objective along the runs, colliding pairs, solve rate against N.

    python3 encoder_8_3_8/visualize_encoder_8_3_8.py
"""
import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import encoder_8_3_8 as enc  # noqa: E402
import studies_encoder_8_3_8 as studies  # noqa: E402

import matplotlib  # noqa: E402
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

DPI = 110


def save(fig, outdir, name):
    """Write a PNG atomically (a temporary file in the same folder, mode 0644)."""
    path = os.path.join(outdir, name)
    try:
        enc.write_atomic(path, lambda tmp: fig.savefig(tmp, format="png", dpi=DPI, bbox_inches="tight"))
    finally:
        plt.close(fig)
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
                ax.plot(*zip([(a >> k) & 1 for k in range(3)], [(b >> k) & 1 for k in range(3)]),
                        color="0.35", lw=1.0)
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
    ax.set_box_aspect(None, zoom=0.85)


def recorded_run(seed, restarts=9, snapshot_every=0):
    """Backprop CE for one seed with the per-epoch history (and snapshots of the codes)."""
    cfg = enc.config_of(enc.parse_args(["--seed", str(seed), "--restarts", str(restarts)]))
    hist = {k: [] for k in ("loss", "acc", "distinct", "wnorm")}
    snaps = []

    def record(st):
        if not st["active"][0]:
            return
        p = st["params"]
        hist["loss"].append(st["loss"][0])
        hist["acc"].append(st["acc"][0])
        hist["distinct"].append(st["distinct"][0])
        hist["wnorm"].append(np.sqrt((p["W1"][0] ** 2).sum() + (p["W2"][0] ** 2).sum()))
        e = int(st["epoch"][0])
        if snapshot_every and (e % snapshot_every == 0 or st["distinct"][0] == 8 and st["acc"][0] == 1):
            snaps.append((e, st["H"][0].copy(), int(st["attempts"][0])))
    res = enc.train_backprop([seed], cfg, callback=record)
    return res, {k: np.array(v) for k, v in hist.items()}, snaps


def curves(axes, hist, restarts):
    T = len(hist["loss"])
    spec = [("loss", "loss", True), ("acc", "reconstruction accuracy", False),
            ("distinct", "distinct binarized codes", False), ("wnorm", "weight norm", False)]
    for ax, (k, name, logy) in zip(axes, spec):
        ax.plot(np.arange(T), hist[k], color="k", lw=1)
        if logy:
            ax.set_yscale("log")
        for r in restarts:
            ax.axvline(r, color="tab:red", ls="--", lw=1)
        ax.set_ylabel(name, fontsize=9)
        ax.set_xlim(0, T)
    axes[-1].set_xlabel("epoch (restarts dashed red)")


def fig_seed(seed, outdir):
    res, hist, _ = recorded_run(seed)
    written = []
    scan = enc.train_backprop(list(range(seed, seed + 10)),
                              enc.config_of(enc.parse_args(["--restarts", "9"])))
    needs = [seed + i for i in range(10) if scan["attempts"][i] > 1]
    shown = [(seed, res, hist)] + [(s,) + recorded_run(s)[:2] for s in needs[:1]]
    fig, axes = plt.subplots(4, len(shown), figsize=(5 * len(shown), 8), sharex="col", squeeze=False)
    for c, (s, r, h) in enumerate(shown):
        curves(axes[:, c], h, r["restarts_at"][0])
        axes[0, c].set_title(f"backprop CE, seed {s}: attempts {r['attempts'][0]}, "
                             f"solved at epoch {r['epochs_to_solve'][0]}", fontsize=10)
    written.append(save(fig, outdir, "training_curves.png"))
    H = res["H"][0]
    fig = plt.figure(figsize=(5, 5))
    draw_cube(fig.add_subplot(projection="3d"), H,
              title=f"hidden activations of the 8 patterns, seed {seed}")
    written.append(save(fig, outdir, "hidden_codes_cube.png"))
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(6, 4))
    im = a1.imshow(H, cmap="viridis", vmin=0, vmax=1)
    bits = (H > 0.5).astype(int)
    a2.imshow(bits, cmap="gray_r", vmin=0, vmax=1)
    for a, t in ((a1, "hidden activations"), (a2, "binarized code (> 0.5)")):
        a.set_title(t)
        a.set_xlabel("hidden unit")
        a.set_ylabel("pattern")
        a.set_xticks(range(H.shape[1]))
        a.set_yticks(range(H.shape[0]))
    for (i, j), v in np.ndenumerate(H):
        a1.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7, color="w" if v < 0.5 else "k")
        a2.text(j, i, str(bits[i, j]), ha="center", va="center", fontsize=8,
                color="w" if bits[i, j] else "k")
    fig.colorbar(im, ax=a1, fraction=0.046)
    fig.suptitle(f"code table, seed {seed}: {res['n_distinct'][0]} distinct codes", y=1.03)
    written.append(save(fig, outdir, "code_table.png"))
    p = res["params"]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(8, 5), gridspec_kw={"width_ratios": [3, 8]})
    hinton(a1, p["W1"][0], "W1: input -> hidden", "hidden unit", "input unit")
    hinton(a2, p["W2"][0], "W2: hidden -> output", "output unit", "hidden unit")
    written.append(save(fig, outdir, "weights_hinton.png"))
    return written


def bar_ci(ax, x, r, color, label=None, width=0.8):
    lo, hi = r["rate"] - r["ci95"][0], r["ci95"][1] - r["rate"]
    ax.bar(x, r["rate"], width, yerr=[[lo], [hi]], color=color, capsize=3, label=label)
    ax.text(x, r["rate"] + hi + 0.02, f"{r['count']}/{r['n']}", ha="center", fontsize=7)


def fig_comparison(outdir):
    """The headline: runs that reach all 8 codes (AHS's criterion) and strict solves."""
    files = [("bp_ce_n8.json", "backprop\nCE"), ("bp_sse_n8.json", "backprop\nSSE"),
             ("bm_ahs.json", "Boltzmann\n(AHS procedure)")]
    data = [(studies.load(f), name) for f, name in files]
    if any(d is None for d, _ in data):
        return []
    fig, ax = plt.subplots(figsize=(8, 4.2))
    for i, (d, name) in enumerate(data):
        bar_ci(ax, i - 0.2, d["summary"]["first_n_codes"], "tab:blue", "all 8 codes reached" if i == 0 else None, 0.38)
        bar_ci(ax, i + 0.2, d["summary"]["solved"], "tab:orange", "strict solve" if i == 0 else None, 0.38)
    for x, k, N, name in ((3, 16, 20, "AHS 1985\n(all 8 codes)"), (4, 21, 30, "public backprop\n(strict)")):
        bar_ci(ax, x, enc.rate(k, N), "0.6", None, 0.38)
    ax.set_xticks(range(5))
    ax.set_xticklabels([n for _, n in data] + ["AHS 1985\n(all 8 codes)", "public backprop\n(strict, CE)"],
                       fontsize=8)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("fraction of runs (95% Wilson interval)")
    ax.set_title("8-3-8: how often are all 8 codes reached? (ours: 100 seeds each)", fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
    return [save(fig, outdir, "backprop_vs_boltzmann.png")]


def fig_grid(outdir):
    """The Boltzmann learners side by side: all 8 codes reached, at T = 10 and T = 1."""
    learners = [("sampled", "sign"), ("exact", "sign"), ("sampled", "prop"), ("exact", "prop")]
    data = {(s, r, T): studies.load(f"bm_{s}_{r}_T{T}.json") for s, r in learners for T in (10, 1)}
    if any(d is None for d in data.values()):
        return []
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.2), gridspec_kw={"width_ratios": [3, 2]})
    for i, (s, r) in enumerate(learners):
        for j, (T, col) in enumerate(((10, "tab:blue"), (1, "tab:purple"))):
            bar_ci(a1, i + (j - 0.5) * 0.4, data[(s, r, T)]["summary"]["first_n_codes"], col,
                   f"T = {T}" if i == 0 else None, 0.38)
    ahs = studies.load("bm_ahs.json")
    if ahs:
        a1.axhline(ahs["summary"]["first_n_codes"]["rate"], color="tab:green", ls="--", lw=1,
                   label="AHS procedure as published, zero init")
    a1.axhline(0.8, color="0.4", ls=":", lw=1, label="AHS 1985: 16/20")
    a1.set_xticks(range(4))
    a1.set_xticklabels([f"{s} statistics\n{r} rule" for s, r in learners], fontsize=8)
    a1.set_ylim(0, 1.0)
    a1.set_ylabel("all 8 codes reached (95% CI), 100 seeds")
    a1.legend(fontsize=7, loc="upper right")
    a1.set_title("Boltzmann learners, same initial weights (|w|/T <= 0.05)", fontsize=10)
    for i, (s, r) in enumerate(learners):
        for j, (T, col) in enumerate(((10, "tab:blue"), (1, "tab:purple"))):
            w = data[(s, r, T)]["summary"]["max_abs_weight_unsolved"]
            if w["count"]:
                a2.bar(i + (j - 0.5) * 0.4, w["median"] / T, 0.38, color=col)
    a2.set_yscale("log")
    a2.set_xticks(range(4))
    a2.set_xticklabels([f"{s}\n{r}" for s, r in learners], fontsize=8)
    a2.set_ylabel("median largest |w| / T, unsolved runs, end")
    a2.set_title("weights relative to the temperature", fontsize=10)
    return [save(fig, outdir, "boltzmann_learners.png")]


def fig_objective(outdir):
    d = studies.load("objective.json")
    if d is None:
        return []
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.2))
    colors = ["tab:blue", "tab:purple", "tab:red", "tab:orange", "tab:green"]
    for (lab, t), col in zip(d["learners"].items(), colors):
        c, G, Wm = np.array(t["cycle"]), np.array(t["G"]), np.array(t["max_abs_weight"])
        a1.plot(c, np.median(G, 1), color=col, label=lab)
        a1.fill_between(c, *np.percentile(G, [25, 75], 1), color=col, alpha=0.2)
        a2.plot(c, np.median(Wm, 1), color=col, label=lab)
    a1.axhline(d["solution"]["G_refined"], color="k", ls="--", lw=1,
               label=f"an 8-code solution: G = {d['solution']['G_refined']:.3f}")
    a1.set_yscale("log")
    a1.set_xscale("symlog", linthresh=100)
    a2.set_xscale("symlog", linthresh=100)
    for a in (a1, a2):
        a.set_xlim(0, 2.2e4)
    a1.set_xlabel("learning cycle (linear to 100, then log; exact / prop lies under its 20,000-cycle run)")
    a1.set_ylabel("AHS objective G (median, quartiles)")
    a1.legend(fontsize=7)
    a1.set_title(f"G along the runs, T = 10, seeds 0-{d['seeds'] - 1}", fontsize=10)
    a2.set_yscale("log")
    a2.set_xlabel("learning cycle")
    a2.set_ylabel("largest |w| (median over seeds)")
    a2.legend(fontsize=7)
    a2.set_title("weight growth (runs stop when solved)", fontsize=10)
    return [save(fig, outdir, "objective_curves.png")]


def fig_collisions(outdir):
    c = studies.load("collisions.json")
    if c is None or "bp_ce_n8.json" not in c:
        return []
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4))
    fig.subplots_adjust(wspace=0.35)
    for ax, name, lab in ((axes[0], "bp_ce_n8.json", "CE"), (axes[1], "bp_sse_n8.json", "SSE")):
        u = c[name]["uniformity"]
        M = np.full((8, 8), np.nan)
        M[np.triu_indices(8, 1)] = u["counts"]
        ax.imshow(M, cmap="Oranges", vmin=0)
        for (i, j), v in np.ndenumerate(M):
            if not np.isnan(v):
                ax.text(j, i, f"{v:.0f}", ha="center", va="center", fontsize=8)
        ax.set_xticks(range(8))
        ax.set_yticks(range(8))
        ax.set_xlabel("pattern j")
        ax.set_ylabel("pattern i")
        ax.set_title(f"colliding pairs, backprop {lab} ({u['n_pairs_counted']} pairs)\nchi2 = "
                     f"{u['chi2']:.1f}, df {u['df']}, more concentrated than uniform: "
                     f"{studies.pval(u['p_upper'], u['reps'])}", fontsize=9)
    ax, width = axes[2], 0.2
    sets = [(n, lab) for n, lab in (("bp_ce_n8.json", "backprop CE"), ("bp_sse_n8.json", "backprop SSE"),
                                    ("bm_sampled_sign_T10_decay.json", "Boltzmann, sampled / sign, decay 0.005"))
            if n in c]
    for i, (name, lab) in enumerate(sets):
        e = c[name]["empty_corner"]
        if e["runs"]:
            ax.bar(np.arange(1, 4) + (i - 1) * width, np.array(e["observed"]) / e["runs"], width,
                   label=f"{lab}: {e['runs']} runs, {studies.pval(e['p_upper'], e['reps'])}")
    ax.plot(np.arange(1, 4), [3 / 7, 3 / 7, 1 / 7], "k_", ms=28, mew=2,
            label="random empty corner (3/7, 3/7, 1/7)")
    ax.set_xticks([1, 2, 3])
    ax.set_xlim(0.5, 4.6)
    ax.set_ylim(0, 1)
    ax.set_xlabel("Hamming distance, shared to empty corner")
    ax.set_ylabel("fraction of unsolved runs with 7 codes")
    ax.set_ylim(0, 1.15)
    ax.legend(fontsize=7, loc="upper left")
    ax.set_title(f"where is the free corner? (p from {c['bp_ce_n8.json']['empty_corner']['reps']:,} "
                 f"Monte Carlo draws)", fontsize=9)
    return [save(fig, outdir, "colliding_pairs.png")]


def fig_scaling(outdir):
    rows = [(n, studies.load(f"bp_ce_n{n}.json"), studies.load(f"bp_sse_n{n}.json"),
             studies.load("bm_ahs.json" if n == 8 else f"bm_n{n}.json")) for n in (4, 8, 16, 32)]
    if not all(r[1] for r in rows):
        return []
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    for idx, name, col in ((1, "backprop CE", "tab:blue"), (2, "backprop SSE", "tab:orange"),
                           (3, "Boltzmann (AHS procedure)", "tab:green")):
        pts = [(r[0], r[idx]["summary"]) for r in rows if r[idx]]
        xs = [n for n, _ in pts]
        rate = np.array([s["solved"]["rate"] for _, s in pts])
        lo = rate - np.array([s["solved"]["ci95"][0] for _, s in pts])
        hi = np.array([s["solved"]["ci95"][1] for _, s in pts]) - rate
        a1.errorbar(xs, rate, yerr=[lo, hi], marker="o", capsize=3, color=col, label=name)
        a2.plot(xs, [s["epochs_to_solve"].get("median", np.nan) for _, s in pts], marker="o",
                color=col, label=name)
    for a in (a1, a2):
        a.set_xscale("log", base=2)
        a.set_xticks([4, 8, 16, 32])
        a.set_xticklabels(["4-2-4", "8-3-8", "16-4-16", "32-5-32"])
        a.legend(fontsize=8)
    a1.set_ylim(0, 1.05)
    a1.set_ylabel("strict solve rate (95% CI), 100 seeds")
    a2.set_yscale("log")
    a2.set_ylabel("median epochs / cycles to solve")
    fig.suptitle("N-log2N-N encoders with the 8-3-8 settings")
    return [save(fig, outdir, "solve_rate_vs_n.png")]


def build_parser():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=enc.number(int, 0, 2 ** 32 - 1), default=0,
                    help="seed of the per-seed figures (default 0)")
    ap.add_argument("--outdir", type=studies.output_dir, default=os.path.join(HERE, "viz"),
                    metavar="DIR", help="output directory (default viz/)")
    ap.add_argument("--recompute", action="store_true",
                    help="rerun the studies the figures read (writes results/; about 20 minutes)")
    return ap


def main(argv=None):
    a = build_parser().parse_args(argv)
    if a.recompute:
        for study in ("backprop", "grid", "scaling", "variants", "objective", "collisions"):
            code = studies.main([study, "--quiet"])
            if code:
                return code
    written = (fig_seed(a.seed, a.outdir) + fig_comparison(a.outdir) + fig_grid(a.outdir)
               + fig_objective(a.outdir) + fig_collisions(a.outdir) + fig_scaling(a.outdir))
    for w in written:
        print(w)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.stderr.write("\nvisualize_encoder_8_3_8.py: interrupted\n")
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(1)
