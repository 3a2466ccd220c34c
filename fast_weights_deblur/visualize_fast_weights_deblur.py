#!/usr/bin/env python3
"""Static figures of fast_weights_deblur, written to viz/ (or --outdir).

    figure2.png               the paper's Figure 2 over 30 seeds: retrained, unretrained and
                              control error per rehearsal sweep (95% bands), both error measures,
                              and the cumulative transfer ratio (bootstrap bands); 10% and 50%
    decay.png                 stages 3-4: the new and the unretrained old associations as the fast
                              weights decay, the paper's rule against no slow momentum in stage 3
    decay_settings.png        every setting of the decay study: fast share of the rehearsal
                              change against the share of the harm to the new ones undone
    stages.png                one seed through the four stages (computed here in a second)
    transfer_vs_fraction.png  the cumulative transfer ratio against the rehearsed fraction
    fast_grid.png             fast epsilon x alpha: stage 1, fast share, harm undone
    theory_*.png              sections 4.1, 5.1, 5.2 and 5.3 by simulation

Sweeps and studies are read from results/*.json (written by fast_weights_deblur.py --sweep 30
and studies_fast_weights_deblur.py); --recompute reruns them first (about 8 minutes).

    python3 fast_weights_deblur/visualize_fast_weights_deblur.py
"""
import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fast_weights_deblur as fw  # noqa: E402
import studies_fast_weights_deblur as st  # noqa: E402

import matplotlib  # noqa: E402
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

DPI = 110
SWEEPS = {"sweep30.json": [], "sweep30_no_slow_momentum.json": ["--rehearsal-mom-slow", "0"]}
COL = {"retrained": "tab:blue", "unretrained": "tab:orange", "control": "0.45", "new": "tab:green",
       "paper": "tab:red", "nomom": "tab:purple", "fast": "tab:purple", "slow": "tab:blue"}


def save(fig, outdir, name):
    """Write a PNG atomically (a temporary file in the same folder, mode 0644)."""
    path = os.path.join(outdir, name)
    try:
        fw.write_atomic(path, lambda tmp: fig.savefig(tmp, format="png", dpi=DPI, bbox_inches="tight"))
    finally:
        plt.close(fig)
    print("wrote", path)


def band(ax, x, d, color, label, ls="-"):
    """A {'mean': [...], 'ci95': [[lo...], [hi...]]} curve as a line with a shaded interval."""
    ax.plot(x, d["mean"], ls, color=color, label=label, lw=1.6)
    if d.get("ci95"):
        ax.fill_between(x, d["ci95"][0], d["ci95"][1], color=color, alpha=0.2, lw=0)


def ratio_curve(per_seed, f, m):
    """The cumulative transfer ratio of the seed means at every rehearsal sweep, with bootstrap bands."""
    R = np.array([s[f][m]["curve_retrained"] for s in per_seed])
    U = np.array([s[f][m]["curve_unretrained"] for s in per_seed])
    v, ci = fw.boot_ratio(U[:, :1] - U[:, 1:], R[:, :1] - R[:, 1:])
    return {"mean": v, "ci95": ci}


def fig_figure2(sweep, outdir):
    M, n = sweep["metrics"], len(sweep["seeds"])
    fr = [fw.key(f) for f in sweep["config"]["fractions"]]
    fig, axes = plt.subplots(len(fr), 3, figsize=(15, 4.2 * len(fr)), squeeze=False)
    for r, f in enumerate(fr):
        for c, m in enumerate(fw.MEASURES):
            ax, a = axes[r, c], M[f][m]
            x = np.arange(len(a["curve_retrained"]["mean"]))
            band(ax, x, a["curve_retrained"], COL["retrained"], "retrained")
            band(ax, x, a["curve_unretrained"], COL["unretrained"], "unretrained")
            band(ax, x, a["curve_ctrl_unretrained"], COL["control"], "unretrained, no-rehearsal control", "--")
            ax.axhline(M["err_old_after_stage1"][m]["mean"], color="k", lw=0.8, ls=":", label="old, after stage 1")
            ax.set_ylim(bottom=0)
            ax.set_xlabel("rehearsal sweep")
            ax.set_ylabel({"sq": "error per output unit, 1/2 (y - d)^2", "abs": "error per output unit, |y - d|"}[m])
            ax.set_title(f"rehearse {f}: {m} error", fontsize=10)
            ax.legend(fontsize=7, loc="center right")
        ax = axes[r, 2]
        for m, ls in (("sq", "-"), ("abs", "--")):
            d = ratio_curve(sweep["per_seed"], f, m)
            band(ax, np.arange(1, len(d["mean"]) + 1), d, "k" if m == "sq" else "tab:brown", f"{m} error", ls)
        ax.axhline(1, color="0.6", lw=0.8)
        ax.set_ylim(0, 1.3)
        ax.set_xlabel("rehearsal sweep t")
        ax.set_ylabel("(U0 - Ut) / (R0 - Rt) of the seed means")
        ax.set_title(f"rehearse {f}: cumulative transfer ratio (bootstrap 95%)", fontsize=10)
        ax.legend(fontsize=7, loc="lower right")
    fig.suptitle(f"Figure 2 recreated: {n} seeds, means with 95% intervals (fast eps "
                 f"{sweep['config']['eps_fast']:g}, slow alpha {sweep['config']['mom_slow']:g})", y=1.0)
    fig.tight_layout()
    save(fig, outdir, "figure2.png")


def stage34_axis(n3, times):
    """A piecewise x axis: the 20 rehearsal sweeps get as much room as the 500 decay sweeps."""
    x3 = np.linspace(0, 1, n3)
    return x3, 1 + np.asarray(times) / max(times[-1], 1)


def fig_decay(paper, nomom, outdir):
    f = fw.key(paper["config"]["fractions"][0])
    times = list(range(0, paper["config"]["decay_sweeps"] + 1, fw.DECAY_EVERY))
    if times[-1] != paper["config"]["decay_sweeps"]:
        times.append(paper["config"]["decay_sweeps"])
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.6))
    for ax, kind, title in ((axes[0], "new", "the 5 new associations"),
                            (axes[1], "unretrained", "the unretrained old associations")):
        for res, color, label in ((paper, COL["paper"], "paper's rule (slow alpha .9 in stage 3)"),
                                  (nomom, COL["nomom"], "no slow momentum in stage 3")):
            a = res["metrics"][f]["sq"]
            x3, x4 = stage34_axis(len(a["curve_" + kind]["mean"]), times)
            band(ax, x3, a["curve_" + kind], color, f"{label}: rehearse {f}")
            band(ax, x4, a["decay_curve_" + kind], color, None)
        a = paper["metrics"][f]["sq"]
        band(ax, x3, a["curve_ctrl_" + kind], COL["control"], "no-rehearsal control", "--")
        band(ax, x4, a["decay_curve_ctrl_" + kind], COL["control"], None, "--")
        ax.axvline(1, color="0.5", lw=0.8, ls=":")
        ax.set_xticks([0, 0.5, 1, 1.5, 2], ["0", "10\nrehearsal", "20 | 0", "250\ndecay", "500"])
        ax.set_ylim(bottom=0)
        ax.set_ylabel("error per output unit, 1/2 (y - d)^2")
        ax.set_title(f"{title} ({len(paper['seeds'])} seeds, 95% bands)", fontsize=10)
        ax.legend(fontsize=7, loc="upper right")
    fig.suptitle("stage 3 (rehearsal) and stage 4 (the fast weights decay, no error signal)")
    save(fig, outdir, "decay.png")


def fig_decay_settings(study, outdir):
    res = study["results"]
    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    for ax, f in zip(axes, ("10%", "50%")):
        for i, (name, r) in enumerate(res["rows"].items()):
            s, h = r[f]["fast_share_of_rehearsal_change"], r[f]["sq"]["new_harm_undone_by_decay"]
            if s["mean"] is None or h["value"] is None:
                continue
            ax.errorbar(s["mean"], h["value"], yerr=[[h["value"] - h["ci95"][0]], [h["ci95"][1] - h["value"]]],
                        fmt="o", color=f"C{i}", capsize=3, label=f"{name} (stage-1 error "
                        f"{r['err_old_after_stage1']['mean']:.3f})")
        ax.plot([0, 1], [0, 1], color="0.7", lw=0.8, ls="--")
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.05, 1.05)
        ax.set_xlabel("fast share of the rehearsal change |d fast| / (|d fast| + |d slow|)")
        ax.set_ylabel("share of the harm to the new 5 undone by decay")
        ax.set_title(f"rehearse {f}, {len(study['seeds'])} seeds per setting, bootstrap 95%", fontsize=10)
        ax.legend(fontsize=6, loc="upper left")
    save(fig, outdir, "decay_settings.png")


def fig_stages(seed, outdir):
    """One seed, the paper's rule, rehearsing 10%: errors and weight norms through the 4 stages."""
    cfg = fw.Config()
    trace = {k: [] for k in ("err_old", "err_new", "norm_slow", "norm_fast", "norm_eff")}
    res = fw.run([seed], cfg, trace=trace)
    n1, n2, n3, n4 = cfg.sweeps1 + 1, cfg.sweeps2 + 1, cfg.sweeps3 + 1, len(res["decay_times"])
    row = 1                                          # rows of stages 3-4: control, 10%, 50%
    tr = {k: np.array([v[i][0] if i < n1 + n2 else v[i][row] for i in range(len(v))]) for k, v in trace.items()}
    x = np.concatenate([np.linspace(0, 1, n1), 1 + np.linspace(0, 0.5, n2), 1.5 + np.linspace(0, 0.5, n3),
                        2 + np.linspace(0, 0.5, n4)])
    fig, axes = plt.subplots(2, 1, figsize=(11, 7), sharex=True)
    axes[0].plot(x, tr["err_old"], color="tab:red", label="old 100")
    axes[0].plot(x, tr["err_new"], color=COL["new"], label="new 5")
    axes[0].set_ylabel("error per output unit, 1/2 (y - d)^2")
    axes[0].set_yscale("log")
    axes[1].plot(x, tr["norm_slow"], color=COL["slow"], label="|slow weights|")
    axes[1].plot(x, tr["norm_eff"], "k--", lw=1, label="|effective weights|")
    axes[1].plot(x, 10 * tr["norm_fast"], color=COL["fast"], label="10 x |fast weights|")
    axes[1].set_ylabel("weight norm")
    labels = [f"1: learn the 100\n({cfg.sweeps1} sweeps; fast weights\nlearn from sweep {cfg.fast_warmup})",
              f"2: learn 5 new\n({cfg.sweeps2} sweeps)", f"3: rehearse 10%\n({cfg.sweeps3} sweeps)",
              f"4: decay\n({cfg.decay_sweeps} sweeps)"]
    for ax in axes:
        for b in (1, 1.5, 2):
            ax.axvline(b, color="0.5", lw=0.8, ls=":")
        ax.axvspan(1.5, 2, color="tab:orange", alpha=0.08)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    axes[1].set_xticks([0.5, 1.25, 1.75, 2.25], labels, fontsize=8)
    axes[0].set_title(f"seed {seed} through the four stages (x axis piecewise: stages 2-4 widened)", fontsize=10)
    save(fig, outdir, "stages.png")


def fig_fractions(study, outdir):
    res = study["results"]
    rows, pred = res["rows"], res["linear_prediction"]
    fr = list(pred)
    x = [float(f[:-1]) for f in fr]
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.6))
    for net, color in (("fast", COL["fast"]), ("slow-only", COL["slow"])):
        for t, ls in (("1", "-"), ("20", "--")):
            d = [rows[net][f]["sq"]["cumulative_transfer_ratio"][t] for f in fr]
            v = np.array([e["value"] for e in d])
            lo, hi = np.array([e["ci95"][0] for e in d]), np.array([e["ci95"][1] for e in d])
            axes[0].errorbar(x, v, yerr=[v - lo, hi - v], fmt="o" + ls, color=color, capsize=3, ms=4,
                             label=f"{net} net, sweeps 0-{t}")
        a = [rows[net][f]["sq"] for f in fr]
        axes[1].plot(x, [e["err_unretrained_after_rehearsal"]["mean"] for e in a], "o-", color=color,
                     label=f"{net}: unretrained after rehearsal")
        axes[1].plot(x, [e["err_new_after_decay"]["mean"] for e in a], "s--", color=color,
                     label=f"{net}: new 5 after decay")
    axes[0].plot(x, list(pred.values()), "k:", label="linear net, k c / (1 + (k - 1) c), c = .25")
    axes[0].set_ylabel("cumulative transfer ratio (sq error), bootstrap 95%")
    axes[0].set_ylim(0, 1.3)
    axes[1].set_ylabel("error per output unit, 1/2 (y - d)^2")
    axes[1].set_ylim(bottom=0)
    for ax in axes:
        ax.set_xlabel("rehearsed fraction of the 100 old associations (%)")
        ax.legend(fontsize=7)
    fig.suptitle(f"transfer against the rehearsed fraction ({len(study['seeds'])} seeds, sq error)")
    save(fig, outdir, "transfer_vs_fraction.png")


def fig_grid(study, outdir):
    rows = study["results"]["rows"]
    E, A = st.GRID_EPS, st.GRID_MOM
    get = {"old error after stage 1": lambda r: r["err_old_after_stage1"]["mean"],
           "fast share of the rehearsal change": lambda r: r["10%"]["fast_share_of_rehearsal_change"]["mean"],
           "harm to the new 5 undone by decay": lambda r: r["10%"]["sq"]["new_harm_undone_by_decay"]["value"],
           "new 5 after decay, no-rehearsal control": lambda r: r["10%"]["sq"]["control_err_new_after_decay"]["mean"]}
    fig, axes = plt.subplots(1, len(get), figsize=(4.2 * len(get), 3.8))
    for ax, (title, g) in zip(axes, get.items()):
        Z = np.array([[g(rows[f"fast eps {e:g}, alpha {a:g}"]) for a in A] for e in E])
        im = ax.imshow(Z, cmap="viridis", aspect="auto")
        for (i, j), v in np.ndenumerate(Z):
            ax.text(j, i, f"{v:.3f}", ha="center", va="center", fontsize=7,
                    color="w" if v < np.nanmean(Z) else "k")
        ax.set_xticks(range(len(A)), [f"{a:g}" for a in A])
        ax.set_yticks(range(len(E)), [f"{e:g}" for e in E])
        ax.set_xlabel("fast alpha")
        ax.set_ylabel("fast epsilon")
        ax.set_title(title, fontsize=9)
        fig.colorbar(im, ax=ax, shrink=0.8)
    fig.suptitle(f"fast-weight epsilon x alpha, rehearse 10%, {len(study['seeds'])} seeds (means; sq error)")
    fig.tight_layout()
    save(fig, outdir, "fast_grid.png")


def fig_theory(th, outdir):
    z = th["zero_one"]
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    ax = axes[0]
    vals = [z["cos_measured"]["mean"], z["cos_exact_rho_arcsin_mean"]["mean"], z["cos_eq2_mean"]["mean"], 0.25]
    ci = z["cos_measured"]["ci95"]
    ax.bar(range(4), vals, color=["tab:blue", "tab:cyan", "tab:orange", "tab:gray"])
    ax.errorbar([0], [vals[0]], yerr=[[vals[0] - ci[0]], [ci[1] - vals[0]]], color="k", capsize=4)
    ax.set_xticks(range(4), ["measured", "exact", "eq. (2)", "paper"], fontsize=8)
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
    ax.plot(ns, [row["ratio_measured"]["ratio"] for row in th["ternary"]], "^-",
            label="ratio measured (m = n, half retrained)")
    ax.plot(ns, [row["ratio_prediction"] for row in th["ternary"]], "k:", label="ratio predicted (c = 1/n)")
    ax.set_xscale("log")
    ax.set_xlabel("input dimension n")
    ax.set_ylim(0, 1.2)
    ax.set_title("5.2: 1/0/-1 inputs: pair transfer ~ 1/n, ratio constant", fontsize=10)
    ax.legend(fontsize=7)
    save(fig, outdir, "theory_cosine_ratio.png")

    lin = th["retraining_linear"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    ax = axes[0]
    rs, ci = np.array(lin["ratio_per_step"]), np.array(lin["ratio_per_step_ci95"])
    x = np.arange(1, len(rs) + 1)
    ax.plot(x, rs, "o-", ms=3, label="per-step ratio")
    ax.fill_between(x, ci[:, 0], ci[:, 1], alpha=0.2)
    ax.set_xlabel("retraining step (plain gradient descent)")
    ax.set_ylabel("unretrained / retrained improvement")
    ax.set_title(f"5.3 linear net: n = {lin['n_inputs']}, retrain {lin['n_retrained']} of "
                 f"{lin['n_associations']}", fontsize=10)
    ax.legend(fontsize=8)
    ax = axes[1]
    for i, (name, d) in enumerate(th["retraining_net"].items()):
        for f, e in d.items():
            v = [c["value"] for c in e["cumulative_ratio"]]
            lo, hi = [c["ci95"][0] for c in e["cumulative_ratio"]], [c["ci95"][1] for c in e["cumulative_ratio"]]
            ax.plot(e["sweeps"][1:], v, "o-" if f == "10%" else "s--", color=f"C{i}", ms=3, label=f"{name}, {f}")
            ax.fill_between(e["sweeps"][1:], lo, hi, color=f"C{i}", alpha=0.12, lw=0)
    ax.set_xscale("log")
    ax.set_ylim(0, 1.3)
    ax.set_xlabel("rehearsal sweep t")
    ax.set_ylabel("cumulative transfer ratio (sq error)")
    ax.set_title(f"5.3 in the 10-100-10 net ({len(th['retraining_net_seeds'])} seeds, bootstrap 95%)",
                 fontsize=10)
    ax.legend(fontsize=6, ncol=2)
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
    for xv, lab in ((x1, "line 1"), (x2, "line 2")):
        d = np.array([-xv[1], xv[0]])
        ax.plot([-1.4 * d[0], 1.4 * d[0]], [-1.4 * d[1], 1.4 * d[1]], "k-", lw=1)
        ax.text(1.45 * d[0], 1.45 * d[1], lab, fontsize=8)
    ax.plot(0.4 * np.cos(t), np.sin(t), color="tab:blue", lw=0.8, label="after retraining on 1 (s = 0.4)")
    ax.plot(0, 0, "ko")
    ax.text(0.05, -0.15, "O", fontsize=9)
    ax.set_aspect("equal")
    ax.set_title("figure 4, phi = 30 deg", fontsize=10)
    ax.legend(fontsize=6, loc="lower left")
    ax.axis("off")
    ax = axes[1]
    angles = [row["angle_deg"] for row in th["geometry"]]
    aa = np.linspace(1, 89, 100)
    ax.plot(aa, 1 - np.radians(aa) / np.pi, "k--", label="arc prediction 1 - phi/pi")
    ax.plot(angles, [row["by_shrink"][0]["fraction_positive"]["mean"] for row in th["geometry"]], "o",
            label="measured (uniform noise directions)")
    ax.set_xlabel("angle phi between the two input vectors (deg)")
    ax.set_ylabel("P(positive transfer)")
    ax.set_title("4.1: P(positive transfer) vs angle", fontsize=10)
    ax.legend(fontsize=8)
    ax = axes[2]
    for row in th["geometry"]:
        sh = [e["shrink"] for e in row["by_shrink"]]
        line, = ax.plot(sh, [e["fraction_positive"]["mean"] for e in row["by_shrink"]], "o-", ms=3,
                        label=f"{row['angle_deg']:.0f} deg measured")
        ax.plot(sh, [e["arc_prediction"] for e in row["by_shrink"]], "--", color=line.get_color(), lw=1)
    ax.invert_xaxis()
    ax.set_xlabel("s: part of the x1-component left after retraining on 1")
    ax.set_title("5.3 ellipse: measured (solid) vs arc length (dashed)", fontsize=10)
    ax.legend(fontsize=6)
    save(fig, outdir, "theory_geometry.png")


# ---- inputs ------------------------------------------------------------------------------------
NEEDED = {"sweep30.json": ("metrics", "per_seed", "config"), "sweep30_no_slow_momentum.json": ("metrics", "config"),
          "decay.json": ("results", "seeds"), "grid.json": ("results", "seeds"),
          "fractions.json": ("results", "seeds"), "theory.json": ("results", "seeds")}


def load_results():
    """Every results/*.json the figures need, read and checked before any figure is drawn."""
    out = {}
    for name, keys in NEEDED.items():
        path = os.path.join(st.RESULTS, name)
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError) as e:
            raise SystemExit(f"visualize_fast_weights_deblur.py: cannot read {path} ({e}); "
                             "run with --recompute, or see the README's Running section")
        missing = [k for k in keys if k not in data]
        if missing:
            raise SystemExit(f"visualize_fast_weights_deblur.py: {path} lacks {missing}")
        out[name] = data
    return out


def recompute(progress):
    """The sweeps and studies run afresh (nothing is written to results/)."""
    out = {}
    for name, flags in SWEEPS.items():
        args = fw.build_parser().parse_args(["--sweep", "30"] + flags)
        out[name] = fw.experiment(list(range(30)), fw.config(args), progress)
    for name in ("decay", "grid", "fractions", "theory"):
        seeds = list(range(st.SEEDS))
        out[f"{name}.json"] = {"results": getattr(st, f"study_{name}")(seeds, progress), "seeds": seeds}
    return out


def output_dir(text):
    """argparse type: a directory that can be written (checked by creating a temporary file)."""
    if not os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"{text} is not a directory")
    fw.output_path(os.path.join(text, "x.png"))
    return text


def build_parser():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=fw.number(int, 0, 2 ** 32 - 1), default=0, help="seed of stages.png")
    ap.add_argument("--outdir", type=output_dir, default=os.path.join(HERE, "viz"), metavar="DIR",
                    help="where the PNGs go (default viz/)")
    ap.add_argument("--recompute", action="store_true",
                    help="rerun the 30-seed sweeps and the studies instead of reading results/ (minutes)")
    return ap


def main(argv=None):
    args = build_parser().parse_args(argv)
    progress = fw.Progress(sys.stderr.isatty())
    try:
        data = recompute(progress) if args.recompute else load_results()
    finally:
        progress.end()
    fig_figure2(data["sweep30.json"], args.outdir)
    fig_decay(data["sweep30.json"], data["sweep30_no_slow_momentum.json"], args.outdir)
    fig_decay_settings(data["decay.json"], args.outdir)
    fig_stages(args.seed, args.outdir)
    fig_fractions(data["fractions.json"], args.outdir)
    fig_grid(data["grid.json"], args.outdir)
    fig_theory(data["theory.json"]["results"], args.outdir)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.stderr.write("\nvisualize_fast_weights_deblur.py: interrupted\n")
        sys.exit(130)
