"""Static figures for family_trees/ into viz/*.png.

Runs the networks it draws (nothing is read from disk):
  training_curves.png     error and train/test correct per sweep, paper schedule vs rescued
  person_units_best.png   the 6 person units' incoming weights (Hinton diagrams, English row
  person_units_typical.png above Italian, people in tree order) for the best / a typical seed
  person_units_seed.png   the same for --seed
  person_codes_pca.png    PCA of the 24 person codes coloured by nationality, generation, branch
  sweep_hist.png          test correct (of 4) over seeds, with the paper's and public numbers,
                          and the best-unit eta^2 of each feature over seeds
  cv_hist.png             CV correct (of 104) per repeat
  cv_per_relation.png     CV accuracy per relation
The rescued settings (init +-1.0, eps2 0.1; README "Deviations") are used unless stated.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import family_trees as ft  # noqa: E402

DPI = 110
FEATURE_COLOURS = {"nationality": ["tab:red", "tab:green"],
                   "generation": ["tab:blue", "tab:orange", "tab:purple"],
                   "branch": ["tab:brown", "tab:cyan", "lightgrey"]}


def save(fig, path):
    tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".tmp.png")
    fig.savefig(tmp, dpi=DPI, bbox_inches="tight")
    os.replace(tmp, path)
    plt.close(fig)


def hinton(ax, W, vmax):
    """Hinton diagram of W (rows, cols): square area = |w| / vmax, white = +, black = -."""
    ax.set_facecolor("0.55")
    for (r, c), w in np.ndenumerate(W):
        s = np.sqrt(min(abs(w) / vmax, 1.0)) * 0.92
        ax.add_patch(plt.Rectangle((c - s / 2, r - s / 2), s, s,
                                   color="white" if w > 0 else "black", lw=0))
    ax.set_xlim(-0.6, W.shape[1] - 0.4)
    ax.set_ylim(W.shape[0] - 0.4, -0.6)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])


def person_unit_figure(Wp, bp, eta, title, step=None, vmax=None):
    """6 panels, one per person unit: its weights from the 24 people, English row above Italian
    (tree order, as the paper's Fig. 4), the bias as a separate square on the right."""
    P = Wp.shape[1]
    vmax = vmax or max(np.abs(Wp).max(), np.abs(bp).max(), 1e-9)
    fig, axes = plt.subplots(P, 1, figsize=(8.2, 1.25 * P + 0.9))
    for u, ax in enumerate(np.atleast_1d(axes)):
        grid = np.full((2, 14), 0.0)
        grid[0, :12], grid[1, :12] = Wp[:12, u], Wp[12:, u]
        grid[0, 13] = bp[u]
        hinton(ax, grid, vmax)
        ax.axvline(12.0, color="0.3", lw=0.8)
        best = max(eta, key=lambda n: eta[n][u])
        ax.set_ylabel(f"unit {u + 1}", rotation=0, ha="right", va="center", fontsize=9)
        ax.set_title(" ".join(f"{n} {eta[n][u]:.2f}" for n in eta) + f"   (best: {best})",
                     fontsize=8, loc="left", pad=2)
    ax.set_xticks(range(12))
    ax.set_xticklabels([f"{e}\n{i}" for e, i in zip(ft.PEOPLE[:12], ft.PEOPLE[12:])],
                       rotation=90, fontsize=7)
    axes[0].text(13, -1.0, "bias", ha="center", fontsize=7)
    head = title + (f" - sweep {step}" if step is not None else "")
    fig.suptitle(head + f"\nrows: English (top), Italian; white +, black -; max |w| {vmax:.2f};"
                 " numbers: eta^2 of the unit's activation per feature", fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    return fig


def eta_table(codes):
    return {n: ft.eta_squared(codes.T, lab) for n, lab in ft.FEATURES.items()}


def fig_curves(data, outdir, seed, n):
    seeds = list(range(n))
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for label, over, col in [("paper schedule (init 0.3, eps2 0.01)", {}, "tab:red"),
                             ("rescued (init 1.0, eps2 0.1)", ft.RESCUE, "tab:blue")]:
        _, ex = ft.run_split(seeds, ft.default_config(**over), data)
        c = ex["curves"]
        x = np.arange(1, c["error"].shape[1] + 1)
        axes[0].semilogy(x, c["error"].T, color=col, alpha=0.15, lw=0.7)
        axes[0].semilogy(x, np.median(c["error"], axis=0), color=col, lw=2, label=label)
        axes[1].plot(x, c["train_correct"].mean(axis=0), color=col, lw=2, label=label)
        axes[2].plot(x, c["test_correct"].mean(axis=0), color=col, lw=2, label=label)
    axes[0].set(xlabel="sweep", ylabel="training error (margin)", title=f"error, seeds 0..{n - 1}")
    axes[1].set(xlabel="sweep", ylabel="train correct (of 100)", title="mean train correct")
    axes[2].set(xlabel="sweep", ylabel="test correct (of 4)", title="mean test correct", ylim=(0, 4))
    axes[2].axhline(3.5, color="k", ls=":", lw=1)
    axes[2].text(30, 3.55, "paper 3.5 (7/8)", fontsize=8)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    save(fig, os.path.join(outdir, "training_curves.png"))


def fig_sweep_and_units(data, outdir, seed, n):
    cfg = ft.default_config(**ft.RESCUE)
    seeds = sorted(set(range(n)) | {seed})
    per_seed, ex = ft.run_split(seeds, cfg, data)
    codes, params = ex["codes"], ex["params"]
    score = np.array([np.mean([m[f]["eta2"] for f in ft.FEATURES]) for m in per_seed])
    best = int(np.argmax(score))
    typical = int(np.argsort(score)[len(score) // 2])
    for tag, i in [("best", best), ("typical", typical), ("seed", seeds.index(seed))]:
        name = {"best": "best seed by mean eta^2", "typical": "typical (median) seed",
                "seed": "--seed"}[tag]
        m = per_seed[i]
        fig = person_unit_figure(params["Wp"][i], params["bp"][i], eta_table(codes[i]),
                                 f"person units, seed {m['seed']} ({name}); "
                                 f"test {m['test_correct']}/4, train {m['train_correct']}/100")
        save(fig, os.path.join(outdir, f"person_units_{tag}.png"))

    # PCA of the --seed person codes
    X = codes[seeds.index(seed)]
    Xc = X - X.mean(axis=0)
    _, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    Z = Xc @ Vt[:2].T
    var = s ** 2 / np.sum(s ** 2)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.8))
    names = {"nationality": ["English", "Italian"], "generation": ["1st", "2nd", "3rd"],
             "branch": ["left", "right", "3rd gen (both)"]}
    for ax, (feat, lab) in zip(axes, ft.FEATURES.items()):
        for g in sorted(set(lab)):
            sel = lab == g
            ax.scatter(Z[sel, 0], Z[sel, 1], s=45, color=FEATURE_COLOURS[feat][g],
                       label=names[feat][g], edgecolor="k", lw=0.4)
        for k, p in enumerate(ft.PEOPLE):
            ax.annotate(p, Z[k], fontsize=6.5, xytext=(3, 3), textcoords="offset points")
        ax.set(title=f"coloured by {feat}", xlabel=f"PC1 ({var[0]:.0%})", ylabel=f"PC2 ({var[1]:.0%})")
        ax.legend(fontsize=8)
    fig.suptitle(f"person codes (6 person-unit activations) of seed {seed}, rescued settings", fontsize=10)
    fig.tight_layout()
    save(fig, os.path.join(outdir, "person_codes_pca.png"))

    # sweep histogram beside the paper and public numbers, plus feature scores over seeds
    tc = np.array([per_seed[seeds.index(s)]["test_correct"] for s in range(n)])
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    axes[0].bar(range(5), [np.sum(tc == k) for k in range(5)], color="tab:blue")
    axes[0].axvline(tc.mean(), color="tab:blue", ls="--", label=f"this repo, mean {tc.mean():.2f}")
    axes[0].axvline(3.5, color="k", ls=":", label="paper, 2 runs: 3.5 (4 and 3)")
    axes[0].axvline(1.9, color="tab:orange", ls="-.", label="public catalog: mean 1.9")
    axes[0].axvline(4 * 0.67, color="tab:green", ls="-.", label="public replication: ~0.67 x 4")
    axes[0].set(xlabel="held-out cases correct (of 4)", ylabel="seeds",
                title=f"random 4-case splits, seeds 0..{n - 1}, rescued settings")
    axes[0].legend(fontsize=7, loc="upper right", framealpha=0.9)
    eta = np.array([[per_seed[seeds.index(s)][f]["eta2"] for s in range(n)] for f in ft.FEATURES])
    bins = np.linspace(0, 1, 21)
    for f, e, col in zip(ft.FEATURES, eta, ["tab:red", "tab:blue", "tab:brown"]):
        axes[1].hist(e, bins=bins, histtype="step", lw=2, color=col, label=f)
    axes[1].axvline(cfg["feature_threshold"], color="k", ls=":", label="threshold")
    axes[1].set(xlabel="eta^2 of the best single person unit", ylabel="seeds",
                title="is a feature carried by one unit?")
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    save(fig, os.path.join(outdir, "sweep_hist.png"))


def fig_cv(data, outdir, n_cv):
    cfg = ft.default_config(**ft.RESCUE)
    tested, train_ok = ft.run_cv(list(range(n_cv)), cfg, data)
    cv = ft.summarize_cv(tested, train_ok, data)
    fig, ax = plt.subplots(figsize=(6, 3.8))
    per = tested.sum(axis=1)
    ax.hist(per, bins=np.arange(per.min() - 0.5, per.max() + 1.5, 1), color="tab:blue")
    ax.axvline(104 * 0.875, color="k", ls=":", label="paper rate 7/8 (91 of 104)")
    ax.axvline(104 * 1.9 / 4, color="tab:orange", ls="-.", label="public catalog 1.9/4 (49 of 104)")
    ax.set(xlabel="held-out cases correct in a 26-fold CV (of 104)", ylabel="CV repeats",
           title=f"26-fold CV, {n_cv} repeats, mean {cv['cv_accuracy']:.3f}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    save(fig, os.path.join(outdir, "cv_hist.png"))

    fig, ax = plt.subplots(figsize=(8, 3.8))
    acc = [cv["per_relation"][r]["accuracy"] for r in ft.RELATIONS]
    n_t = [cv["per_relation"][r]["tested"] for r in ft.RELATIONS]
    ax.bar(ft.RELATIONS, acc, color="tab:blue")
    for k, (a, t) in enumerate(zip(acc, n_t)):
        ax.text(k, a + 0.02, f"{a:.2f}\nn={t}", ha="center", fontsize=7)
    ax.axhline(cv["cv_accuracy"], color="k", ls="--", lw=1, label="all relations")
    ax.set(ylim=(0, 1.15), ylabel="held-out accuracy",
           title=f"which relations generalize? 26-fold CV x {n_cv} repeats, rescued settings")
    ax.legend(fontsize=8)
    plt.setp(ax.get_xticklabels(), rotation=30)
    fig.tight_layout()
    save(fig, os.path.join(outdir, "cv_per_relation.png"))


def main(argv=None):
    p = argparse.ArgumentParser(description="figures for family_trees into viz/")
    p.add_argument("--seed", type=ft._int_min(0, "--seed"), default=0)
    p.add_argument("--outdir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "viz"))
    p.add_argument("--n-seeds", type=ft._int_min(2, "--n-seeds"), default=50,
                   help="seeds 0..N-1 for the sweep figures and the best/typical choice")
    p.add_argument("--cv-seeds", type=ft._int_min(1, "--cv-seeds"), default=10,
                   help="CV repeats for the CV figures")
    a = p.parse_args(argv)
    try:
        os.makedirs(a.outdir, exist_ok=True)
    except OSError as exc:
        p.error(f"argument --outdir: cannot create {a.outdir}: {exc.strerror or exc}")
    if not os.access(a.outdir, os.W_OK):
        p.error(f"argument --outdir: {a.outdir} is not writable")
    data = ft.build_dataset()
    fig_curves(data, a.outdir, a.seed, min(a.n_seeds, 20))
    fig_sweep_and_units(data, a.outdir, a.seed, a.n_seeds)
    fig_cv(data, a.outdir, a.cv_seeds)
    print(f"figures written to {a.outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
