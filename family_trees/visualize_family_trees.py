"""Static figures for family_trees into viz/*.png.

training_curves.png       error, train correct and test correct per sweep, seeds 0..19, the
                          paper's schedule against the rescue (trained here, a few seconds)
person_units_best.png     the 6 person units' weights from the 24 people as Hinton diagrams
person_units_typical.png  (English row above Italian, tree order, as the paper's Fig. 4) for
person_units_seed.png     the best and the median seed by mean eta^2, and for --seed
person_codes_pca.png      the --seed network's 24 person codes on their first two principal
                          components, coloured by nationality, generation and branch
sweep_hist.png            held-out correct over the 50 seeds beside the paper and the public
                          numbers, and the best-unit eta^2 of each feature
cv_hist.png               26-fold CV correct per repeat (10 repeats)
cv_per_relation.png       CV accuracy per relation
search.png                the nested search: every configuration's inner CV accuracy against
                          its held-out mean, and the nested result beside the paper

The rescued 50-seed sweep, the CV and the search are drawn from results/*.json (written by
family_trees.py --sweep 50 --init 1.0 --eps2 0.1 --json and studies_family_trees.py cv|search
--json); --recompute reruns the sweep and the CV (about 30 s). The search (about 20 minutes)
is always read from results/search.json.
"""
import argparse
import json
import os
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import PatchCollection  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import family_trees as ft  # noqa: E402
import studies_family_trees as st  # noqa: E402

DPI = 110
RESULTS = os.path.join(HERE, "results")
C_PAPER, C_RESCUE, C_CASE = "tab:red", "tab:blue", "tab:green"
FEATURE_COLOURS = {"nationality": ["tab:red", "tab:green"],
                   "generation": ["tab:blue", "tab:orange", "tab:purple"],
                   "branch": ["tab:brown", "tab:cyan", "lightgrey"]}
GROUP_NAMES = {"nationality": ["English", "Italian"], "generation": ["1st", "2nd", "3rd"],
               "branch": ["left family", "right family", "3rd generation (both)"]}
INPUTS = {"sweep": ("sweep50_rescued.json", ("per_seed", "summary")),
          "cv": ("cv.json", ("results",)), "search": ("search.json", ("results",))}


def input_file(keys):
    """argparse type: a JSON file written by this folder's scripts, with these keys."""
    def read(text):
        try:
            with open(text, encoding="utf-8") as fh:
                d = json.load(fh)
        except (OSError, ValueError) as exc:
            raise argparse.ArgumentTypeError(f"cannot read {text}: {exc}")
        if not isinstance(d, dict) or any(k not in d for k in keys):
            raise argparse.ArgumentTypeError(f"{text} lacks one of {', '.join(keys)}")
        return d
    return read


def output_dir(text):
    """argparse type: a directory (made if missing) in which a file can be created."""
    try:
        os.makedirs(text, exist_ok=True)
        os.close(os.open(os.path.join(text, ".check"), os.O_CREAT | os.O_WRONLY, 0o644))
        os.remove(os.path.join(text, ".check"))
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"cannot write into {text}: {exc.strerror or exc}")
    return text


def save(fig, outdir, name):
    """PNG written atomically with mode 0644."""
    try:
        ft.atomic_write(os.path.join(outdir, name),
                        lambda tmp: fig.savefig(tmp, dpi=DPI, bbox_inches="tight"), ".png")
    finally:
        plt.close(fig)
    print("wrote", os.path.join(outdir, name))


# ---- person units as Hinton diagrams (also the GIF's frames) --------------------------------
def hinton(ax, W, vmax):
    """Hinton diagram of W (rows, cols): square area = |w| / vmax, white +, black -."""
    ax.set_facecolor("0.55")
    squares, colours = [], []
    for (r, c), w in np.ndenumerate(W):
        s = np.sqrt(min(abs(w) / vmax, 1.0)) * 0.92
        squares.append(plt.Rectangle((c - s / 2, r - s / 2), s, s))
        colours.append("white" if w > 0 else "black")
    ax.add_collection(PatchCollection(squares, facecolors=colours, edgecolors="none"))
    ax.set_xlim(-0.6, W.shape[1] - 0.4)
    ax.set_ylim(W.shape[0] - 0.4, -0.6)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])


def eta_table(codes):
    """eta^2 of every person unit for each feature, from the (24, 6) person codes."""
    return {n: ft.eta_squared(codes.T, lab) for n, lab in ft.FEATURES.items()}


def person_unit_figure(weights, title, vmax=None, dpi=None):
    """One panel per person unit: its weights from the 24 people (English row above Italian,
    tree order, as the paper's Fig. 4) and its bias on the right. weights (25, 6): the 24
    people's rows, then the biases."""
    W, b = np.asarray(weights)[:24], np.asarray(weights)[24]
    codes = 1.0 / (1.0 + np.exp(-(W + b)))
    eta = eta_table(codes)
    vmax = vmax or max(np.abs(weights).max(), 1e-9)
    fig, axes = plt.subplots(ft.PERSON_UNITS, 1, figsize=(8.2, 1.25 * ft.PERSON_UNITS + 0.9),
                             dpi=dpi)
    for u, ax in enumerate(axes):
        grid = np.zeros((2, 14))
        grid[0, :12], grid[1, :12], grid[0, 13] = W[:12, u], W[12:, u], b[u]
        hinton(ax, grid, vmax)
        ax.axvline(12.0, color="0.3", lw=0.8)
        best = max(eta, key=lambda n: eta[n][u])
        ax.set_ylabel(f"unit {u + 1}", rotation=0, ha="right", va="center", fontsize=9)
        ax.set_title("eta^2: " + ", ".join(f"{n} {eta[n][u]:.2f}" for n in eta)
                     + f"   (best: {best})", fontsize=8, loc="left", pad=2)
    axes[-1].set_xticks(range(12))
    axes[-1].set_xticklabels([f"{e}\n{i}" for e, i in zip(ft.PEOPLE[:12], ft.PEOPLE[12:])],
                             rotation=90, fontsize=7)
    axes[0].text(13, -1.0, "bias", ha="center", fontsize=7)
    fig.suptitle(title + f"\nrows: English (top), Italian; white +, black -, area ~ |w|, "
                 f"largest |w| {vmax:.2f}", fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    return fig


# ---- figures -----------------------------------------------------------------------------------
def curves(seeds, cfgs, every=15):
    """Error, train correct and test correct of seeds x cfgs (batch updates; the cfgs differ
    in init and eps2 only) every `every` sweeps, trained as one batch; arrays (T, cfgs, seeds)."""
    draws = [ft.draw_seed(s, c) for c in cfgs for s in seeds]
    mask, rec = ft.masks([d[0] for d in draws]), []
    cfg = dict(cfgs[0], eps2=np.repeat([c["eps2"] for c in cfgs], len(seeds)))

    def monitor(t, p):
        E, ok = ft.evaluate(p, mask)
        rec.append((t, E, (ok * mask).sum(1), (ok * (1 - mask)).sum(1)))
    ft.train(ft.stack([d[1] for d in draws]), mask, cfg, monitor=monitor, every=every)
    t, E, tr, te = (np.array(x) for x in zip(*rec))
    return t, *(x.reshape(len(t), len(cfgs), len(seeds)) for x in (E, tr, te))


def fig_curves(outdir, n=20):
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    runs = [("paper's schedule (init 0.3, eps2 0.01)", st.PAPER, C_PAPER),
            ("rescue (init 1.0, eps2 0.1)", st.RESCUED, C_RESCUE)]
    t, E, tr, te = curves(list(range(n)), [cfg for _, cfg, _ in runs])
    for i, (label, _, col) in enumerate(runs):
        axes[0].semilogy(t, E[:, i], color=col, alpha=0.15, lw=0.7)
        axes[0].semilogy(t, np.median(E[:, i], axis=1), color=col, lw=2, label=label)
        axes[1].plot(t, tr[:, i].mean(1), color=col, lw=2, label=label)
        axes[2].plot(t, te[:, i].mean(1), color=col, lw=2, label=label)
    axes[2].axhline(3.5, color="k", ls=":", lw=1, label="paper: 3.5 (4/4 and 3/4)")
    axes[0].set(xlabel="sweep", ylabel="training error (margin)",
                title=f"error, seeds 0..{n - 1} (median bold)")
    axes[1].set(xlabel="sweep", ylabel="train correct (of 100)", title="mean train correct",
                ylim=(-2, 102))
    axes[2].set(xlabel="sweep", ylabel="test correct (of 4)", title="mean test correct",
                ylim=(-0.1, 4.1))
    axes[0].legend(fontsize=7, loc="lower left")
    axes[1].legend(fontsize=7, loc="center right")
    axes[2].legend(fontsize=7, loc="center left", bbox_to_anchor=(0.2, 0.68))
    fig.tight_layout()
    save(fig, outdir, "training_curves.png")


def fig_person_units(outdir, per_seed, seed):
    score = [np.mean([m[f]["eta2"] for f in ft.FEATURES]) for m in per_seed]
    order = np.argsort(score)
    by_seed = {m["seed"]: m for m in per_seed}
    if seed not in by_seed:
        by_seed[seed] = ft.run_split([seed], st.RESCUED)[0]
    picks = [("best", per_seed[order[-1]], "the best seed by mean eta^2"),
             ("typical", per_seed[order[len(order) // 2]], "the median seed by mean eta^2"),
             ("seed", by_seed[seed], "--seed")]
    for tag, m, why in picks:
        fig = person_unit_figure(m["person_weights"], f"person units of seed {m['seed']} ({why}),"
                                 f" rescued settings; test {m['test_correct']}/4, train "
                                 f"{m['train_correct']}/100")
        save(fig, outdir, f"person_units_{tag}.png")
    return by_seed[seed]


def place_labels(ax, xy, names, fontsize=7):
    """Label every point, each at the one of 8 offsets that overlaps least with the labels and
    points placed so far (text extents measured by the renderer)."""
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    pts = ax.transData.transform(xy)
    taken = [np.array([x - 4, y - 4, x + 4, y + 4]) for x, y in pts]
    offsets = [(5, 3, "left", "bottom"), (5, -3, "left", "top"), (-5, 3, "right", "bottom"),
               (-5, -3, "right", "top"), (0, 7, "center", "bottom"), (0, -7, "center", "top"),
               (9, 0, "left", "center"), (-9, 0, "right", "center")]

    def overlap(a, b):
        return max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))
    for k in np.argsort(-xy[:, 1]):
        best = None
        for dx, dy, ha, va in offsets:
            t = ax.annotate(names[k], xy[k], xytext=(dx, dy), textcoords="offset points",
                            fontsize=fontsize, ha=ha, va=va)
            e = t.get_window_extent(renderer)
            box = np.array([e.x0, e.y0, e.x1, e.y1])
            cost = sum(overlap(box, o) for i, o in enumerate(taken) if i != k)
            if best is None or cost < best[0]:
                if best:
                    best[1].remove()
                best = (cost, t, box)
            else:
                t.remove()
        taken.append(best[2])


def fig_pca(outdir, m):
    X = np.asarray(m["person_codes"])
    Xc = X - X.mean(axis=0)
    _, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    Z, var = Xc @ Vt[:2].T, s ** 2 / np.sum(s ** 2)
    fig, axes = plt.subplots(1, 3, figsize=(16, 5.4))
    for ax, (feat, lab) in zip(axes, ft.FEATURES.items()):
        for g in sorted(set(lab)):
            sel = lab == g
            ax.scatter(Z[sel, 0], Z[sel, 1], s=40, color=FEATURE_COLOURS[feat][g],
                       label=GROUP_NAMES[feat][g], edgecolor="k", lw=0.4, zorder=3)
        ax.set(title=f"coloured by {feat}", xlabel=f"PC1 ({var[0]:.0%} of the variance)",
               ylabel=f"PC2 ({var[1]:.0%})")
        pad = 0.15 * (Z.max(axis=0) - Z.min(axis=0))
        ax.set_xlim(Z[:, 0].min() - pad[0], Z[:, 0].max() + pad[0])
        ax.set_ylim(Z[:, 1].min() - pad[1], Z[:, 1].max() + pad[1])
        ax.legend(fontsize=7, loc="best")
        place_labels(ax, Z, ft.PEOPLE)
    fig.suptitle(f"person codes (the 6 person units' activations) of seed {m['seed']}, rescued "
                 "settings", fontsize=10)
    fig.tight_layout()
    save(fig, outdir, "person_codes_pca.png")


def fig_sweep(outdir, sweep):
    per, summ = sweep["per_seed"], sweep["summary"]
    tc = np.array([m["test_correct"] for m in per])
    o = summ["paper_outcome"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    axes[0].bar(range(5), np.bincount(tc, minlength=5), color=C_RESCUE)
    axes[0].axvline(tc.mean(), color=C_RESCUE, ls="--", label=f"this repo, mean {tc.mean():.2f}")
    axes[0].axvline(3.5, color="k", ls=":", label="paper, 2 runs: 4/4 and 3/4")
    axes[0].axvline(1.9, color="tab:orange", ls="-.", label="public catalog: mean 1.9")
    axes[0].axvline(4 * 0.67, color="tab:green", ls="-.", label="public replication: ~0.67 x 4")
    axes[0].set(xlabel="held-out cases correct (of 4)", ylabel="seeds",
                title=f"{len(tc)} random 4-case splits, rescued settings\nP(two runs total >= 7 "
                      f"of 8, as the paper's) = {o['estimate']:.3f} [{o['ci95'][0]:.3f}, "
                      f"{o['ci95'][1]:.3f}]")
    axes[0].legend(fontsize=7, loc="upper right")
    bins = np.linspace(0, 1, 21)
    for f, col in zip(ft.FEATURES, ["tab:red", "tab:blue", "tab:brown"]):
        axes[1].hist([m[f]["eta2"] for m in per], bins=bins, histtype="step", lw=2, color=col,
                     label=f)
    axes[1].axvline(ft.FEATURE_THRESHOLD, color="k", ls=":", label="threshold 0.8")
    axes[1].set(xlabel="eta^2 of the best single person unit", ylabel="seeds",
                title="is a feature carried by one unit?")
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    save(fig, outdir, "sweep_hist.png")


def fig_cv(outdir, cv):
    per = np.array(cv["cv_correct_per_repeat"])
    fig, ax = plt.subplots(figsize=(6, 3.8))
    ax.hist(per, bins=np.arange(per.min() - 0.5, per.max() + 1.5, 1), color=C_RESCUE)
    ax.axvline(104 * 0.875, color="k", ls=":", label="paper's rate 7/8 (91 of 104)")
    ax.axvline(104 * 1.9 / 4, color="tab:orange", ls="-.", label="public catalog 1.9/4 (49 of 104)")
    ax.set(xlabel="held-out cases correct in a 26-fold CV (of 104)", ylabel="CV repeats",
           xlim=(min(per.min(), 49) - 3, 95),
           title=f"26-fold CV, {len(per)} repeats, accuracy {cv['cv_accuracy']:.3f}")
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    save(fig, outdir, "cv_hist.png")
    fig, ax = plt.subplots(figsize=(8, 3.8))
    rel = cv["per_relation"]
    acc = [rel[r][0] / rel[r][1] for r in ft.RELATIONS]
    ax.bar(ft.RELATIONS, acc, color=C_RESCUE)
    for k, r in enumerate(ft.RELATIONS):
        ax.text(k, acc[k] + 0.02, f"{acc[k]:.2f}\n{rel[r][0]}/{rel[r][1]}", ha="center", fontsize=7)
    ax.axhline(cv["cv_accuracy"], color="k", ls="--", lw=1, label="all relations")
    ax.set(ylim=(0, 1.15), ylabel="held-out accuracy",
           title=f"which relations generalize? 26-fold CV x {len(per)} repeats, rescued settings")
    ax.legend(fontsize=8)
    plt.setp(ax.get_xticklabels(), rotation=30)
    fig.tight_layout()
    save(fig, outdir, "cv_per_relation.png")


def fig_search(outdir, d):
    grid, cps, reps = d["grid"], d["checkpoints"], d["repeats"]
    K = len(grid) * len(cps)
    inner = np.mean([np.reshape(r["inner"], (K, -1)).mean(1) / (4 * r["inner_folds"])
                     for r in reps], axis=0)
    outer = np.mean([np.reshape(r["outer"], (K, -1)).mean(1) for r in reps], axis=0)
    case = np.repeat([s["update"] == "case" for s in grid], len(cps))
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4), gridspec_kw={"width_ratios": [3, 2]})
    axes[0].scatter(4 * inner[~case], outer[~case], s=12, color=C_RESCUE, alpha=0.6,
                    label="batch updates")
    axes[0].scatter(4 * inner[case], outer[case], s=20, color=C_CASE, marker="s",
                    label="per-case updates")
    lim = (0, max(3.6, outer.max() + 0.2))
    axes[0].plot(lim, lim, color="0.6", lw=0.8, label="held-out = inner estimate")
    axes[0].axhline(3.5, color="k", ls=":", lw=1, label="paper 3.5 of 4")
    axes[0].set(xlim=lim, ylim=lim, xlabel="inner CV estimate (x 4), what selection sees",
                ylabel="held-out mean of 4 (never used to choose)",
                title=f"{K} configurations, {len(reps) * 26} outer folds")
    axes[0].legend(fontsize=7, loc="upper left")
    test = np.concatenate([n["test_correct"] for n in d["nested"]])
    tc = ft.describe(test)
    names = ["nested selection", "the rescue", "best in hindsight"]
    rescue = [k for k, (s, c) in enumerate((s, c) for s in grid for c in cps)
              if s == dict(update="batch", init=1.0, eps2=0.1, alpha2=0.9, bias_decay=True)
              and c == ft.SWEEPS]
    vals = [tc["mean"], outer[rescue[0]] if rescue else np.nan, outer.max()]
    axes[1].bar(names, vals, color=[C_RESCUE, "0.6", "0.8"])
    axes[1].errorbar([0], [tc["mean"]], color="k", capsize=4,
                     yerr=[[tc["mean"] - tc["ci95"][0]], [tc["ci95"][1] - tc["mean"]]])
    axes[1].axhline(3.5, color="k", ls=":", lw=1, label="paper 3.5")
    axes[1].axhline(2.5, color="tab:red", ls="--", lw=1, label="target 2.5")
    axes[1].set(ylim=(0, 4), ylabel="held-out correct of 4, mean",
                title="nested result (95% CI) and references")
    axes[1].legend(fontsize=7)
    fig.tight_layout()
    save(fig, outdir, "search.png")


def build_parser():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=ft.number(int, "[0, 1e18]"), default=0,
                    help="seed of the single-network figures (default 0)")
    ap.add_argument("--outdir", type=output_dir, default=os.path.join(HERE, "viz"), metavar="DIR",
                    help="where the PNGs go (default viz/ beside this script)")
    for name, (_, keys) in INPUTS.items():
        ap.add_argument(f"--{name}-json", type=input_file(keys), default=None, metavar="FILE",
                        help=f"read the {name} from FILE (default results/{INPUTS[name][0]})")
    ap.add_argument("--recompute", action="store_true",
                    help="rerun the 50-seed sweep and the 10 CV repeats instead of reading them")
    return ap


def main(argv=None):
    ap = build_parser()
    a = ap.parse_args(argv)
    given = [n for n in ("sweep", "cv") if getattr(a, f"{n}_json") is not None]
    if a.recompute and given:
        ap.error(f"argument --{given[0]}-json: not allowed with --recompute")
    inputs = {}
    for name, (fname, keys) in INPUTS.items():
        inputs[name] = getattr(a, f"{name}_json")
        if inputs[name] is None and not (a.recompute and name != "search"):
            try:
                inputs[name] = input_file(keys)(os.path.join(RESULTS, fname))
            except argparse.ArgumentTypeError as exc:
                ap.error(f"argument --{name}-json: {exc}")
    if a.recompute:
        per = ft.run_split(list(range(50)), st.RESCUED)
        inputs["sweep"] = {"per_seed": per, "summary": ft.summarize(per)}
        inputs["cv"] = {"results": st.cv_study(list(range(10)), lambda text: None)}
    fig_curves(a.outdir)
    m = fig_person_units(a.outdir, inputs["sweep"]["per_seed"], a.seed)
    fig_pca(a.outdir, m)
    fig_sweep(a.outdir, inputs["sweep"])
    fig_cv(a.outdir, inputs["cv"]["results"])
    fig_search(a.outdir, inputs["search"]["results"])
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.stderr.write("\nvisualize_family_trees.py: interrupted\n")
        sys.exit(130)
