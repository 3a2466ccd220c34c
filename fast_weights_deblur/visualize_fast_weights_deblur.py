"""Static figures for fast_weights_deblur into viz/ (or --outdir).

figure2.png               the paper's Figure 2: retrained vs unretrained error over the 20 rehearsal
                          sweeps (10% and 50% rehearsed; fast-weight and slow-only nets; mean +- std)
stages.png                one seed through the four stages: old/new error and slow/fast/effective norms
decay.png                 stage 4: old and new error as the fast weights decay, with the no-rehearsal control
transfer_vs_fraction.png  first-sweep transfer ratio, deblurred error and surviving new associations vs fraction
hinton_rehearsal_vs_blur.png  Hinton diagrams: the stage-3 weight change (fast, slow) against minus the blur
theory_cosine_ratio.png   sections 5.1 and 5.2 by simulation (cosines and ratios against the paper)
theory_retraining.png     section 5.3: the ratio as retraining proceeds (linear net and 10-100-10 net)
theory_geometry.png       section 4.1 / figure 4: circle, arcs and the measured fraction of positive transfer
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fast_weights_deblur as fw  # noqa: E402  (sets single-threaded BLAS before numpy)

import matplotlib  # noqa: E402
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
COL = {"retrained": "tab:blue", "unretrained": "tab:orange", "old": "tab:red", "new": "tab:green",
       "fast": "tab:purple", "slow_only": "tab:gray"}
LABEL = {"fast": "fast + slow weights", "slow_only": "slow weights only"}


def save(fig, outdir, name):
    path = os.path.join(outdir, name)
    tmp = os.path.join(outdir, "." + name + ".tmp.png")
    fig.savefig(tmp, dpi=110, bbox_inches="tight")
    plt.close(fig)
    os.replace(tmp, path)
    print("wrote", path)


def band(ax, x, a, color, label, ls="-"):
    """Mean line and +-1 std band over the seed axis 0 of a."""
    m, s = np.nanmean(a, 0), (np.nanstd(a, 0, ddof=1) if a.shape[0] > 1 else np.zeros(a.shape[1]))
    ax.plot(x, m, ls, color=color, label=label, lw=1.8)
    ax.fill_between(x, m - s, m + s, color=color, alpha=0.18, lw=0)


def fig_figure2(res, cfg, outdir):
    fr = res["fractions"]
    fig, axes = plt.subplots(2, 2, figsize=(10, 7), sharex=True)
    for r, f in enumerate((cfg["retrain_fraction"], cfg["compare_fraction"])):
        fj = fr.index(f)
        for c, net in enumerate(res["nets"]):
            ni = res["nets"].index(net)
            ax = axes[r, c]
            x = np.arange(cfg["sweeps3"] + 1)
            band(ax, x, res["curve_retrained"][ni, :, fj], COL["retrained"], f"retrained ({f:.0%})")
            band(ax, x, res["curve_unretrained"][ni, :, fj], COL["unretrained"], f"unretrained ({1 - f:.0%})")
            ax.axhline(np.mean(res["err_old_after_stage1"][ni]), color="k", lw=0.8, ls=":",
                       label="old error after stage 1")
            ax.set_title(f"{LABEL[net]}, rehearse {f:.0%}", fontsize=10)
            ax.set_ylim(bottom=0)
            if r == 1:
                ax.set_xlabel("rehearsal sweep")
            if c == 0:
                ax.set_ylabel("error per output unit")
            ax.legend(fontsize=8)
    S = res["curve_retrained"].shape[1]
    fig.suptitle(f"Figure 2 recreated: blurred old associations during rehearsal (mean +- std, {S} seeds)")
    save(fig, outdir, "figure2.png")


def _time_axis(res, cfg):
    n12 = res["trace12"]["err_old"].shape[-1]
    t12 = np.concatenate([np.arange(cfg["sweeps1"] + 1), cfg["sweeps1"] + np.arange(cfg["sweeps2"] + 1)])[:n12]
    t0 = cfg["sweeps1"] + cfg["sweeps2"]
    t3 = t0 + np.arange(cfg["sweeps3"] + 1)
    t4 = t0 + cfg["sweeps3"] + np.array(res["decay_times"])
    return t12, np.concatenate([t3, t4]), [cfg["sweeps1"], t0, t0 + cfg["sweeps3"]]


def fig_stages(res, cfg, outdir, si=0):
    fr = res["fractions"]
    fj = fr.index(cfg["retrain_fraction"])
    t12, t34, marks = _time_axis(res, cfg)
    fig, axes = plt.subplots(3, 1, figsize=(10, 9), sharex=True)
    for ni, net in enumerate(res["nets"]):
        ax = axes[ni]
        for key, lab in (("err_old", "old 100"), ("err_new", "new 5")):
            y = np.concatenate([res["trace12"][key][ni, si], res["trace34"][key][ni, si, fj]])
            ax.plot(np.concatenate([t12, t34]), y, color=COL[key[4:]], label=lab, lw=1.3)
        ax.set_ylabel("error per output unit")
        ax.set_title(f"{LABEL[net]} (seed index {si}, rehearse {cfg['retrain_fraction']:.0%})", fontsize=10)
        ax.legend(fontsize=8)
    ni = res["nets"].index("fast") if "fast" in res["nets"] else 0
    ax = axes[2]
    for key, c in (("norm_slow", "tab:blue"), ("norm_eff", "k")):
        y = np.concatenate([res["trace12"][key][ni, si], res["trace34"][key][ni, si, fj]])
        ax.plot(np.concatenate([t12, t34]), y, color=c, label=key[5:] + " |w|", lw=1.3)
    ax.set_ylabel("weight norm")
    ax2 = ax.twinx()
    y = np.concatenate([res["trace12"]["norm_fast"][ni, si], res["trace34"]["norm_fast"][ni, si, fj]])
    ax2.plot(np.concatenate([t12, t34]), y, color=COL["fast"], label="fast |w| (right axis)", lw=1.3)
    ax2.set_ylabel("fast-weight norm", color=COL["fast"])
    ax.legend(loc="upper left", fontsize=8)
    ax2.legend(loc="upper right", fontsize=8)
    ax.set_xlabel("sweep (stage 1 | 2 | 3 | 4: decay)")
    for a in axes:
        for mk in marks:
            a.axvline(mk, color="k", lw=0.6, ls="--")
    save(fig, outdir, "stages.png")


def fig_decay(res, cfg, outdir):
    fr = res["fractions"]
    t = np.array(res["decay_times"])
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, f in zip(axes, (cfg["retrain_fraction"], cfg["compare_fraction"])):
        fj = fr.index(f)
        for net, ls in (("fast", "-"), ("slow_only", "--")):
            if net not in res["nets"]:
                continue
            ni = res["nets"].index(net)
            band(ax, t, res["decay_old"][ni, :, fj], COL["old"], f"old 100, {LABEL[net]}", ls)
            band(ax, t, res["decay_new"][ni, :, fj], COL["new"], f"new 5, {LABEL[net]}", ls)
        if "fast" in res["nets"]:
            ni = res["nets"].index("fast")
            ax.plot(t, np.nanmean(res["decay_old"][ni, :, 0], 0), ":", color=COL["old"], label="old, no rehearsal (fast)")
            ax.plot(t, np.nanmean(res["decay_new"][ni, :, 0], 0), ":", color=COL["new"], label="new, no rehearsal (fast)")
        ax.set_title(f"after rehearsing {f:.0%}: fast weights decay (h = {cfg['h']:g} per sweep)", fontsize=10)
        ax.set_xlabel("decay sweep (no error signal)")
        ax.legend(fontsize=7)
    axes[0].set_ylabel("error per output unit")
    save(fig, outdir, "decay.png")


def fig_fraction(res, cfg, outdir):
    fr = [f for f in res["fractions"] if f > 0]
    idx = [res["fractions"].index(f) for f in fr]
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    for ni, net in enumerate(res["nets"]):
        r = res["transfer_ratio_first_sweep"][ni][:, idx]
        med = np.nanmedian(r, 0)
        q1, q3 = np.nanpercentile(r, 25, 0), np.nanpercentile(r, 75, 0)
        axes[0].plot(fr, med, "o-", color=COL[net], label=LABEL[net] + " (median, IQR)")
        axes[0].fill_between(fr, q1, q3, color=COL[net], alpha=0.15, lw=0)
        band(axes[1], fr, res["err_unretrained_after_deblur"][ni][:, idx], COL[net], LABEL[net] + ": after rehearsal")
        if net == "fast":
            band(axes[1], fr, res["err_unretrained_after_decay"][ni][:, idx], COL[net], LABEL[net] + ": after decay", ":")
        band(axes[2], fr, res["err_new_after_decay"][ni][:, idx], COL[net], LABEL[net])
    k = np.array(fr) * 100
    axes[0].plot(fr, k * 0.25 / (1 + (k - 1) * 0.25), "k--", lw=1, label="linear-net theory, c = .25")
    axes[0].set_ylim(-0.5, 1.6)
    axes[0].set_title("first-sweep transfer ratio", fontsize=10)
    axes[1].set_title("error on the unretrained old associations", fontsize=10)
    axes[2].set_title("error on the 5 new associations after decay", fontsize=10)
    for ni, net in enumerate(res["nets"]):
        axes[2].axhline(np.nanmean(res["err_new_after_interference"][ni]), color=COL[net], lw=0.8, ls=":")
    axes[2].text(0.98, 0.03, "dotted: before rehearsal", transform=axes[2].transAxes, fontsize=8, ha="right")
    for a in axes:
        a.set_xlabel("rehearsed fraction of the 100")
        a.legend(fontsize=7)
    save(fig, outdir, "transfer_vs_fraction.png")


def hinton(ax, W, title, vmax):
    """Hinton diagram: square area = |w| / vmax, red = positive, blue = negative."""
    ax.set_facecolor("0.92")
    rows, cols = W.shape
    for (i, j), w in np.ndenumerate(W):
        side = np.sqrt(min(abs(w) / vmax, 1.0)) * 0.95
        ax.add_patch(plt.Rectangle((j - side / 2, i - side / 2), side, side,
                                   color="tab:red" if w > 0 else "tab:blue", lw=0))
    ax.set_xlim(-0.6, cols - 0.4)
    ax.set_ylim(rows - 0.4, -0.6)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=9)


def fig_hinton(res, cfg, outdir, si=0, n_hidden=25):
    """Hidden->output weights (first n_hidden hidden units x 10 outputs), seed index si, fast net:
    minus the stage-2 change (what deblurring would undo) beside the stage-3 changes."""
    if "fast" not in res["nets"]:
        return
    ni, fj = res["nets"].index("fast"), res["fractions"].index(cfg["retrain_fraction"])
    mats = [-res["W2_blur"][ni, si, fj][:n_hidden].T,
            res["W2_rehearsal_slow"][ni, si, fj][:n_hidden].T + res["W2_rehearsal_fast"][ni, si, fj][:n_hidden].T,
            res["W2_rehearsal_fast"][ni, si, fj][:n_hidden].T,
            res["W2_rehearsal_slow"][ni, si, fj][:n_hidden].T]
    titles = ["minus the stage-2 change (the blur, undone)", "stage-3 change, effective (fast + slow)",
              "stage-3 change held in the fast weights", "stage-3 change held in the slow weights"]
    vmax = max(np.abs(m).max() for m in mats)
    fig, axes = plt.subplots(2, 2, figsize=(13, 4.6))
    for ax, m, t in zip(axes.ravel(), mats, titles):
        hinton(ax, m, t, vmax)
    fig.suptitle(f"hidden->output weights (first {n_hidden} hidden units x 10 outputs), seed index {si}, "
                 f"rehearse {cfg['retrain_fraction']:.0%}; red +, blue -", fontsize=10)
    save(fig, outdir, "hinton_rehearsal_vs_blur.png")


def fig_theory(th, outdir):
    z = th["zero_one"]
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    ax = axes[0]
    names = ["measured", "exact", "eq. (2)", "paper"]
    vals = [z["cos_measured"]["mean"], z["cos_exact_rho_arcsin_mean"]["mean"], z["cos_eq2_mean"]["mean"], 0.25]
    ci = z["cos_measured"]["ci95"]
    ax.bar(range(4), vals, color=["tab:blue", "tab:cyan", "tab:orange", "tab:gray"])
    ax.errorbar([0], [vals[0]], yerr=[[vals[0] - ci[0]], [ci[1] - vals[0]]], color="k", capsize=4)
    ax.set_xticks(range(4), names, fontsize=8)
    ax.text(0.02, 0.97, "exact = rho (2/pi) asin(rho)\neq. (2) = n_ab^2 / (n_a n_b)", transform=ax.transAxes,
            fontsize=7, va="top")
    ax.set_title(f"5.1: E[cos] of two gradients, 0/1 inputs, n = {z['n_inputs']}", fontsize=10)
    ax = axes[1]
    r = z["ratio_measured"]
    ax.errorbar([0], [r["ratio"]], yerr=[[r["ratio"] - r["ci95"][0]], [r["ci95"][1] - r["ratio"]]], fmt="o",
                capsize=5, label="measured (95% CI)")
    ax.axhline(z["ratio_paper"], color="k", ls="--", label=f"paper {z['ratio_paper']:.3f}")
    ax.axhline(z["ratio_finite_n_prediction"], color="tab:orange", ls=":", label="finite-n prediction")
    ax.set_xticks([])
    ax.set_ylim(0.93, 0.955)
    ax.set_title(f"5.1: ratio, retrain {z['n_retrained']} of {z['n_associations']}", fontsize=10)
    ax.legend(fontsize=8)
    ax = axes[2]
    ns = [row["n"] for row in th["ternary"]]
    ax.plot(ns, [row["n_times_cos_measured"]["mean"] for row in th["ternary"]], "o-", label="n x E[cos] measured")
    ax.plot(ns, [row["n_times_eq3"]["mean"] for row in th["ternary"]], "s--", label="n x eq. (3)")
    ax.plot(ns, [row["ratio_measured"]["ratio"] for row in th["ternary"]], "^-", label="ratio measured (m = n, half retrained)")
    ax.plot(ns, [row["ratio_prediction"] for row in th["ternary"]], "k:", label="ratio predicted (c = 1/n)")
    ax.set_xscale("log")
    ax.set_xlabel("input dimension n")
    ax.set_ylim(0, 1.2)
    ax.set_title("5.2: 1/0/-1 inputs: pair transfer ~ 1/n, ratio constant", fontsize=10)
    ax.legend(fontsize=7)
    save(fig, outdir, "theory_cosine_ratio.png")

    L = th["retraining_linear"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    ax = axes[0]
    rs = np.array(L["ratio_per_step"])
    ci = np.array(L["ratio_per_step_ci95"])
    x = np.arange(1, len(rs) + 1)
    ax.plot(x, rs, "o-", ms=3, label="per-step ratio")
    ax.fill_between(x, ci[:, 0], ci[:, 1], alpha=0.2)
    ax.set_xlabel("retraining step (plain gradient descent)")
    ax.set_ylabel("unretrained / retrained improvement")
    ax.set_title(f"5.3 linear net: n = {L['n_inputs']}, retrain {L['n_retrained']} of {L['n_associations']}", fontsize=10)
    ax.legend(fontsize=8)
    ax = axes[1]
    for net, d in th["retraining_net"].items():
        for f, e in d.items():
            ls = "-" if float(f) < 0.3 else "--"
            xx = np.arange(1, len(e["ratio_cumulative_median"]) + 1)
            ax.plot(xx, e["ratio_cumulative_median"], ls, color=COL[net], label=f"{LABEL[net]}, {float(f):.0%}: cumulative")
            ax.plot(xx, e["ratio_per_sweep_median"], ls, color=COL[net], alpha=0.35, lw=1,
                    label=f"{LABEL[net]}, {float(f):.0%}: per sweep")
    ax.set_ylim(0, 2)
    ax.set_xlabel("rehearsal sweep (momentum .9)")
    ax.set_title("5.3 in the 10-100-10 net (median over seeds)", fontsize=10)
    ax.legend(fontsize=6)
    save(fig, outdir, "theory_retraining.png")

    fig, axes = plt.subplots(1, 3, figsize=(14, 4.4))
    ax = axes[0]                                         # figure 4 drawn for phi = 30 deg
    phi = np.radians(30)
    x1, x2 = np.array([1.0, 0.0]), np.array([np.cos(phi), np.sin(phi)])
    t = np.linspace(0, 2 * np.pi, 721)
    pts = np.stack([np.cos(t), np.sin(t)], 1)
    good = (pts @ x1) * (pts @ x2) > 0
    ax.scatter(pts[good, 0], pts[good, 1], s=2, color="tab:green", label="positive transfer (larger arcs)")
    ax.scatter(pts[~good, 0], pts[~good, 1], s=2, color="tab:red", label="negative transfer")
    for x, lab in ((x1, "line 1"), (x2, "line 2")):
        d = np.array([-x[1], x[0]])
        ax.plot([-1.4 * d[0], 1.4 * d[0]], [-1.4 * d[1], 1.4 * d[1]], "k-", lw=1)
        ax.text(1.45 * d[0], 1.45 * d[1], lab, fontsize=8)
    s = 0.4
    ax.plot(s * np.cos(t), np.sin(t), color="tab:blue", lw=0.8, label=f"after retraining on 1 (s = {s})")
    ax.plot(0, 0, "ko")
    ax.text(0.05, -0.15, "O", fontsize=9)
    ax.set_aspect("equal")
    ax.set_title("figure 4, phi = 30 deg", fontsize=10)
    ax.legend(fontsize=6, loc="lower left")
    ax.axis("off")
    ax = axes[1]
    angles = [row["angle_deg"] for row in th["geometry"]]
    meas = [row["by_shrink"][0]["fraction_positive"]["mean"] for row in th["geometry"]]
    aa = np.linspace(1, 89, 100)
    ax.plot(aa, 1 - np.radians(aa) / np.pi, "k--", label="arc prediction 1 - phi/pi")
    ax.plot(angles, meas, "o", label="measured (uniform noise directions)")
    ax.set_xlabel("angle phi between the two input vectors (deg)")
    ax.set_ylabel("P(positive transfer)")
    ax.set_title("4.1: P(positive transfer) vs angle", fontsize=10)
    ax.legend(fontsize=8)
    ax = axes[2]
    for row in th["geometry"]:
        sh = [e["shrink"] for e in row["by_shrink"]]
        l, = ax.plot(sh, [e["fraction_positive"]["mean"] for e in row["by_shrink"]], "o-", ms=3,
                     label=f"{row['angle_deg']:.0f} deg measured")
        ax.plot(sh, [e["arc_prediction"] for e in row["by_shrink"]], "--", color=l.get_color(), lw=1)
    ax.invert_xaxis()
    ax.set_xlabel("s: part of the x1-component left after retraining on 1")
    ax.set_title("5.3 ellipse: measured (solid) vs arc length (dashed)", fontsize=10)
    ax.legend(fontsize=6)
    save(fig, outdir, "theory_geometry.png")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seed", type=fw._int_ge(0), default=0, help="first seed")
    p.add_argument("--n-seeds", type=fw._int_ge(1), default=10, help="seeds seed..seed+N-1 for the bands")
    p.add_argument("--outdir", default=os.path.join(HERE, "viz"), help="output directory")
    p.add_argument("--no-theory", action="store_true", help="skip the theory figures (about 25 s)")
    args = p.parse_args(argv)
    if not os.path.isdir(args.outdir) or not os.access(args.outdir, os.W_OK):
        p.error(f"--outdir {args.outdir} is not a writable directory")
    cfg = fw.config_from_args(fw.build_parser().parse_args([]))
    seeds = list(range(args.seed, args.seed + args.n_seeds))
    res = fw.run_protocol(seeds, cfg, keep_trace=True)
    fig_figure2(res, cfg, args.outdir)
    fig_stages(res, cfg, args.outdir)
    fig_decay(res, cfg, args.outdir)
    fig_fraction(res, cfg, args.outdir)
    fig_hinton(res, cfg, args.outdir)
    if not args.no_theory:
        tcfg = fw.config_from_args(fw.build_parser().parse_args(["--theory", "--theory-net-seeds", str(args.n_seeds)]))
        fig_theory(fw.run_theory(args.seed, tcfg), args.outdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
