"""Static figures for grapheme_sememe into viz/*.png.

timeline.png          the 4-stage timeline of bit accuracy (trained 18 vs held-out 2), both learners
weights.png           Hinton diagrams of W1 and W2 after relearning, lesioned entries marked
reconstructions.png   per-bit outputs for the 2 held-out words after training, damage, relearning
recovery_bars.png     held-out and trained bit accuracy at the three stages (seed and sweep)
sweep_distributions.png  per-seed recovery for every learner x damage x sememe condition
heatmap.png           mean (and specific) recovery over damage size x relearning length
relearning_curve.png  backprop vs Boltzmann: recovery over a long relearning run (peak and fade)
overlap.png           recovery against how much the held-out meanings share with the 18

Usage: python3 visualize_grapheme_sememe.py [--seed 0] [--outdir viz] [--n-seeds 100]
The sweeps behind the last four figures take a few minutes (the Boltzmann ones dominate).
"""
import argparse
import json
import os
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import grapheme_sememe as gs  # noqa: E402

DPI = 110
C_TR, C_HO, C_CTL = "#1f77b4", "#d62728", "#7f7f7f"


def save(fig, outdir, name):
    path = os.path.join(outdir, name)
    tmp = os.path.join(outdir, f".{name}.tmp.png")
    fig.savefig(tmp, dpi=DPI, bbox_inches="tight")
    os.replace(tmp, path)
    plt.close(fig)
    print("wrote", path)


def config(*args):
    return gs.parse_config(list(args))[2]


def timeline_axes(ax_tr, ax_rl, res, title):
    """Bit accuracy of trained 18 / held-out 2: stage 1 on the left axis; damage, relearning
    and test on the right axis (its own cycle scale)."""
    tc = res["train_curve"][0, :res["used"][0] + 1]
    rc = res["relearn_curve"][0]
    R = len(rc) - 1
    for col, c, lab in ((0, C_TR, "trained 18"), (1, C_HO, "held-out 2")):
        ax_tr.plot(np.arange(len(tc)), 100 * tc[:, col], color=c, lw=1.4, label=lab)
        ax_rl.plot([-0.12 * R, 0], [100 * tc[-1, col], 100 * rc[0, col]], color=c, lw=1, ls=":")
        ax_rl.plot(np.arange(R + 1), 100 * rc[:, col], color=c, lw=1.8, label=lab)
        ax_rl.plot([R], [100 * rc[-1, col]], "o", color=c)
    ax_rl.plot(np.arange(R + 1), 100 * rc[:, 4], color=C_CTL, lw=1, ls="--",
               label="control: held-out outputs\nscored against other meanings")
    ax_tr.set_title("1  train all 20 to criterion", fontsize=9, loc="left")
    ax_rl.set_title("2 damage | 3  relearn the 18 only | 4 test", fontsize=9, loc="left")
    ax_rl.axvline(-0.06 * R, color="k", lw=3, alpha=0.25)
    ax_rl.set_xlim(-0.14 * R, R * 1.04)
    lo = min(40, 100 * min(tc[:, :2].min(), rc[:, [0, 1, 4]].min()) - 3)
    for ax in (ax_tr, ax_rl):
        ax.set_ylim(lo, 103)
        ax.grid(alpha=0.3)
    ax_tr.set_ylabel("bit accuracy (%)")
    ax_tr.set_xlabel("training cycle")
    ax_rl.set_xlabel("relearning cycle")
    ax_rl.set_yticklabels([])
    ax_rl.legend(fontsize=7, loc="lower right")
    ax_tr.text(0, 1.13, title, transform=ax_tr.transAxes, fontsize=10)


def fig_timeline(outdir, seed):
    fig, axes = plt.subplots(2, 2, figsize=(10, 7.5), gridspec_kw={"width_ratios": [1, 1.3],
                                                                   "wspace": 0.04,
                                                                   "hspace": 0.55})
    for row, algo in enumerate(("backprop", "boltzmann")):
        res = gs.run_batch([seed], config("--algo", algo))
        m = res["per_seed"][0]
        timeline_axes(axes[row, 0], axes[row, 1], res,
                      f"{algo}, seed {seed}: held-out 2 "
                      f"{100 * m['heldout_bit_acc_post_damage']:.1f}%"
                      f" after damage -> {100 * m['heldout_bit_acc_post_relearn']:.1f}% after "
                      f"relearning ({m['recovery_pp']:+.1f} pp; peak {m['peak_recovery_pp']:+.1f} "
                      f"pp at cycle {m['peak_cycle']})")
    save(fig, outdir, "timeline.png")


def hinton(ax, W, marked=None, title=""):
    """Hinton diagram: square area ~ |w|, red positive, blue negative; marked entries get x."""
    ax.set_facecolor("#eeeeee")
    big = np.abs(W).max() or 1.0
    rows, cols = W.shape
    for (i, j), w in np.ndenumerate(W):
        size = np.sqrt(abs(w) / big)
        ax.add_patch(plt.Rectangle((j - size / 2, i - size / 2), size, size,
                                   color="#c0392b" if w > 0 else "#2c6fbb"))
        if marked is not None and marked[i, j]:
            ax.plot(j, i, "x", color="k", ms=3, mew=0.7)
    ax.set_xlim(-0.7, cols - 0.3)
    ax.set_ylim(rows - 0.3, -0.7)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=9)


def fig_weights(outdir, seed):
    cfg = config("--damage", "zero", "--fraction", "0.5", "--permanent")
    res = gs.run_batch([seed], cfg)
    cfg_n = config()
    res_n = gs.run_batch([seed], cfg_n)
    fig, axes = plt.subplots(2, 2, figsize=(11, 9), gridspec_kw={"width_ratios": [1, 1]})
    p = res["params"]["post_relearn"]
    hinton(axes[0, 0], p["W1"][0].T, res["damage"]["W1"][0].T,
           "W1 (hidden x grapheme) after relearning; x = lesioned (held at 0)")
    hinton(axes[0, 1], p["W2"][0].T, res["damage"]["W2"][0].T,
           "W2 (sememe x hidden) after relearning; x = lesioned (held at 0)")
    dW2 = res_n["params"]["post_damage"]["W2"][0] - res_n["params"]["post_train"]["W2"][0]
    hinton(axes[1, 0], res_n["params"]["post_train"]["W2"][0].T, None,
           "noise damage (default): trained W2")
    hinton(axes[1, 1], dW2.T, None,
           f"noise added to W2 (every entry damaged; uniform, {cfg_n['noise_scale']} x RMS)")
    fig.suptitle(f"seed {seed}, backprop: zeroing damage (top, fraction 0.5, permanent) and "
                 f"noise damage (bottom)", fontsize=10)
    fig.tight_layout()
    save(fig, outdir, "weights.png")


def fig_reconstructions(outdir, seed):
    cfg = config()
    res = gs.run_batch([seed], cfg)
    held = res["held"][0]
    words = res["datas"][0]["words"]
    fig, axes = plt.subplots(2, 1, figsize=(10, 5.5), sharex=True)
    x = np.arange(gs.N_OUT)
    w = 0.2
    for ax, i in zip(axes, held):
        ax.bar(x - 1.5 * w, res["T"][0, i], w, color="#999999", label="target")
        for k, (st, c) in enumerate((("post_train", "#2ca02c"), ("post_damage", "#ff7f0e"),
                                     ("post_relearn", "#9467bd"))):
            y = res["Y"][st][0, i]
            acc = 100 * ((y > 0.5) == (res["T"][0, i] > 0.5)).mean()
            ax.bar(x + (k - 0.5) * w, y, w, color=c, label=f"{st.replace('_', '-')} ({acc:.0f}%)")
        ax.axhline(0.5, color="k", lw=0.5, ls=":")
        ax.set_ylabel("output")
        ax.set_title(f"held-out word '{words[i]}' (never shown during relearning)", fontsize=10)
        ax.legend(fontsize=7, ncol=4, loc="upper right")
        ax.set_ylim(0, 1.25)
    axes[1].set_xlabel("sememe unit")
    axes[1].set_xticks(x)
    fig.tight_layout()
    save(fig, outdir, "reconstructions.png")


def fig_bars(outdir, seed, n):
    cfg = config()
    single = gs.run_batch([seed], cfg)["per_seed"][0]
    sweep = gs.summarize(gs.run_batch(list(range(n)), cfg)["per_seed"])
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    x = np.arange(3)
    labels = ["after training", "after damage", "after relearning 18"]
    for ax, title, get in (
            (axes[0], f"seed {seed}", lambda k: (100 * single[k], 0.0)),
            (axes[1], f"mean over seeds 0-{n - 1} (95% CI)",
             lambda k: (100 * sweep[k]["mean"], 100 * (sweep[k]["ci95"][1] - sweep[k]["mean"])))):
        for off, g, c in ((-0.2, "trained", C_TR), (0.2, "heldout", C_HO)):
            vals = [get(f"{g}_bit_acc_{st}") for st in gs.STAGES]
            ax.bar(x + off, [v[0] for v in vals], 0.4, yerr=[v[1] for v in vals], color=c,
                   capsize=3, label="trained 18" if g == "trained" else "held-out 2")
            for xi, v in zip(x + off, vals):
                ax.text(xi, v[0] + 1, f"{v[0]:.1f}", ha="center", fontsize=7)
        ax.set_xticks(x)
        ax.set_xticklabels(labels, fontsize=8)
        ax.set_ylim(50, 105)
        ax.set_title(title, fontsize=10)
    axes[0].set_ylabel("bit accuracy (%)")
    axes[0].legend(fontsize=8)
    fig.suptitle(f"spontaneous recovery (default: backprop, noise {cfg['noise_scale']} x RMS, "
                 f"random meanings p={cfg['density']}): held-out "
                 f"{single['recovery_pp']:+.1f} pp at seed {seed}, "
                 f"{sweep['recovery_pp']['mean']:+.2f} pp mean", fontsize=10)
    fig.tight_layout()
    save(fig, outdir, "recovery_bars.png")


def fig_distributions(outdir, n, conditions_json=None):
    if conditions_json:                 # reuse `grapheme_sememe.py --analysis conditions --json`
        with open(conditions_json) as f:
            d = json.load(f)
        rows, n = d["metrics"]["conditions"], len(d["seeds"])
    else:
        rows = gs.run_conditions(list(range(n)), config())
    fig, ax = plt.subplots(figsize=(12, 5))
    data = [r["per_seed_recovery_pp"] for r in rows]
    spec = [r["per_seed_specific_recovery_pp"] for r in rows]
    pos = np.arange(len(rows))
    v1 = ax.violinplot(data, pos - 0.2, widths=0.35, showmeans=True)
    v2 = ax.violinplot(spec, pos + 0.2, widths=0.35, showmeans=True)
    for v, c in ((v1, C_HO), (v2, C_CTL)):
        for b in v["bodies"]:
            b.set_color(c)
            b.set_alpha(0.5)
        for k in ("cmeans", "cmins", "cmaxes", "cbars"):
            v[k].set_color(c)
    ax.axhline(0, color="k", lw=0.6)
    ax.axhline(2.0, color="#2ca02c", lw=0.8, ls="--")
    ax.text(-0.45, 2.6, "public reproduction: +2.0 pp (30 seeds)", fontsize=7,
            ha="left", color="#2ca02c")
    ax.set_xticks(pos)
    ax.set_xticklabels([f"{r['algo'][:5]}\n{r['damage'].replace('_permanent', ' perm.')}\n"
                        f"{r['sememes'][:5]}.\n{100 * r['frac_recovery_positive']:.0f}% > 0"
                        for r in rows], fontsize=7)
    ax.set_xlim(-0.6, len(rows) - 0.4)
    ax.set_ylabel("recovery of held-out 2 (pp)")
    ax.plot([], [], color=C_HO, lw=6, alpha=0.5, label="recovery_pp")
    ax.plot([], [], color=C_CTL, lw=6, alpha=0.5,
            label="specific recovery (minus control: other meanings)")
    ax.legend(fontsize=8, loc="lower left")
    ax.set_title(f"per-seed recovery, {n} seeds per condition (learner / damage / meanings)",
                 fontsize=10)
    fig.tight_layout()
    save(fig, outdir, "sweep_distributions.png")


def fig_heatmap(outdir, n):
    seeds = list(range(n))
    hms = [gs.run_heatmap(seeds, config()),
           gs.run_heatmap(seeds, config("--damage", "zero", "--permanent")),
           gs.run_heatmap(seeds, config("--damage", "shrink"))]
    fig, axes = plt.subplots(2, 3, figsize=(16, 7))
    for col, hm in enumerate(hms):
        for row, key in enumerate(("mean_recovery_pp", "mean_specific_recovery_pp")):
            ax = axes[row, col]
            G = np.array(hm[key])
            lim = max(1e-9, np.abs(G).max())
            im = ax.imshow(G, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
            for (i, j), v in np.ndenumerate(G):
                ax.text(j, i, f"{v:+.1f}", ha="center", va="center", fontsize=7)
            ax.set_xticks(range(len(hm["lengths"])))
            ax.set_xticklabels(hm["lengths"])
            ax.set_yticks(range(len(hm["sizes"])))
            ax.set_yticklabels(hm["sizes"])
            ax.set_xlabel("relearning cycles")
            what = {"noise": "noise scale (x RMS)", "zero": "zeroed fraction (permanent)",
                    "shrink": "shrink factor (w -> (1-s) w)"}[hm["damage"]]
            ax.set_ylabel(what)
            ax.set_title(("mean recovery (pp)" if row == 0 else "mean specific recovery (pp)")
                         + f", {hm['damage']} damage", fontsize=9)
            fig.colorbar(im, ax=ax, shrink=0.8)
    fig.suptitle(f"backprop, {n} seeds per cell", fontsize=10)
    fig.tight_layout()
    save(fig, outdir, "heatmap.png")


def fig_relearning_curve(outdir, n, R=100):
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, algo in zip(axes, ("backprop", "boltzmann")):
        res = gs.run_batch(list(range(n)), config("--algo", algo, "--relearn-cycles", str(R)))
        rc = res["relearn_curve"]
        gain = 100 * (rc[:, :, 1] - rc[:, :1, 1])
        ctl = 100 * (rc[:, :, 4] - rc[:, :1, 4])
        x = np.arange(R + 1)
        for y, c, lab in ((gain, C_HO, "held-out 2 recovery"),
                          (gain - ctl, "k", "specific (minus control)")):
            mu = y.mean(0)
            half = 1.96 * y.std(0, ddof=1) / np.sqrt(n)
            ax.plot(x, mu, color=c, label=lab)
            ax.fill_between(x, mu - half, mu + half, color=c, alpha=0.2)
        ax.plot(x, 100 * (rc[:, :, 0] - rc[:, :1, 0]).mean(0) / 4, color=C_TR, lw=1, ls="--",
                label="trained 18 gain / 4")
        ax.axhline(0, color="k", lw=0.5)
        ax.set_xlabel("relearning cycle")
        ax.set_title(f"{algo}: mean over {n} seeds (95% CI)", fontsize=10)
        ax.legend(fontsize=8)
    axes[0].set_ylabel("change in bit accuracy since damage (pp)")
    fig.tight_layout()
    save(fig, outdir, "relearning_curve.png")


def fig_overlap(outdir, n):
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, sem in zip(axes, ("random", "prototype")):
        per = gs.run_batch(list(range(n)), config("--sememes", sem))["per_seed"]
        x = np.array([m["heldout_meaning_overlap"] for m in per])
        y = np.array([m["recovery_pp"] for m in per])
        r = np.corrcoef(x, y)[0, 1]
        ax.scatter(x, y, s=12, color=C_HO, alpha=0.7)
        b = np.polyfit(x, y, 1)
        xs = np.linspace(x.min(), x.max(), 10)
        ax.plot(xs, np.polyval(b, xs), color="k", lw=1)
        ax.axhline(0, color="k", lw=0.5)
        ax.set_xlabel("held-out meaning overlap with the 18 (mean cosine)")
        ax.set_title(f"{sem} meanings, backprop, {n} seeds: r = {r:+.2f}", fontsize=10)
    axes[0].set_ylabel("recovery (pp)")
    fig.tight_layout()
    save(fig, outdir, "overlap.png")


def main(argv=None):
    ap = argparse.ArgumentParser(description="static figures for grapheme_sememe")
    ap.add_argument("--seed", type=gs._type(int, 0), default=0)
    ap.add_argument("--outdir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                     "viz"))
    ap.add_argument("--n-seeds", type=gs._type(int, 3), default=100,
                    help="seeds for the sweep figures")
    ap.add_argument("--only", default=None, help="comma-separated subset of figure names")
    ap.add_argument("--conditions-json", default=None,
                    help="reuse the JSON of `grapheme_sememe.py --analysis conditions` for "
                         "sweep_distributions.png instead of recomputing it")
    args = ap.parse_args(argv)
    os.makedirs(args.outdir, exist_ok=True)
    if not os.access(args.outdir, os.W_OK):
        ap.error(f"argument --outdir: cannot write to {args.outdir}")
    figs = {"timeline": lambda: fig_timeline(args.outdir, args.seed),
            "weights": lambda: fig_weights(args.outdir, args.seed),
            "reconstructions": lambda: fig_reconstructions(args.outdir, args.seed),
            "recovery_bars": lambda: fig_bars(args.outdir, args.seed, args.n_seeds),
            "heatmap": lambda: fig_heatmap(args.outdir, args.n_seeds),
            "overlap": lambda: fig_overlap(args.outdir, args.n_seeds),
            "relearning_curve": lambda: fig_relearning_curve(args.outdir, args.n_seeds),
            "sweep_distributions": lambda: fig_distributions(args.outdir, args.n_seeds,
                                                             args.conditions_json)}
    only = args.only.split(",") if args.only else list(figs)
    for name in only:
        if name not in figs:
            ap.error(f"argument --only: unknown figure {name!r}")
    for name in only:
        figs[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
