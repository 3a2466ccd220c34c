#!/usr/bin/env python3
"""Static figures of the replay study into replay_autoencoder/viz/*.png.

Draws from the JSON the studies script writes (results/replay_H2.json, replay_H32.json,
measures.json; seed 0, 25 teacher-student runs per scenario), so a default run takes
seconds: the data with its correlation matrix and SVD, the teachers' item-loss curves and
singular values, latent maps of runs 0 and 1, the transition matrices beside S and its
row-normalised alternative, the mu x sigma grid with the objective's floor, replay
prevalence and the students' per-item loss against sigma, the hierarchy measures against
sigma, the SVD mode strengths over student epochs, and the measures on constructed models.
--recompute reruns the studies first (a few minutes) into --results.
"""
import argparse
import json
import os
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import replay_autoencoder as ra  # noqa: E402
import studies_replay_autoencoder as st  # noqa: E402

DPI = 110
COLORS = plt.get_cmap("tab10")(np.arange(8))
KEYS = ("H2", "H32")


def save(fig, outdir, name):
    """PNG written atomically (temporary file beside it, mode 0644, os.replace)."""
    path = os.path.join(outdir, name)
    ra.write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=DPI, bbox_inches="tight", format="png"))
    plt.close(fig)
    return path


def matrix(ax, M, rows, cols, title, cmap="viridis", vmin=None, vmax=None, fmt=None):
    im = ax.imshow(M, cmap=cmap, vmin=vmin, vmax=vmax)
    ax.set_xticks(range(len(cols)), cols, rotation=60, fontsize=7)
    ax.set_yticks(range(len(rows)), rows, fontsize=7)
    ax.set_title(title, fontsize=9)
    if fmt:
        for (i, j), v in np.ndenumerate(M):
            ax.text(j, i, format(v, fmt), ha="center", va="center", fontsize=5.5,
                    color="w" if v < (np.nanmax(M) + np.nanmin(M)) / 2 else "k")
    return im


def fig_data(outdir):
    U, s, Vt = np.linalg.svd(ra.DATA.T, full_matrices=False)     # attributes x items
    fig, axes = plt.subplots(1, 5, figsize=(17, 3.6),
                             gridspec_kw={"width_ratios": [1.1, 1, 1, 1, 1]})
    matrix(axes[0], ra.DATA, ra.ITEMS, ra.ATTRIBUTES, "data X (items x attributes)", "Greys")
    matrix(axes[1], np.corrcoef(ra.DATA), ra.ITEMS, ra.ITEMS, "item correlation", "RdBu_r",
           -1, 1, ".2f")
    matrix(axes[2], ra.scaled_correlation(), ra.ITEMS, ra.ITEMS, "S: min-max scaled", "viridis",
           0, 1, ".2f")
    matrix(axes[3], U, ra.ATTRIBUTES, [f"m{k + 1}" for k in range(8)],
           "U (attribute modes)", "RdBu_r", -1, 1)
    matrix(axes[4], Vt, [f"m{k + 1}" for k in range(8)], ra.ITEMS, "V^T (item modes)",
           "RdBu_r", -1, 1)
    axes[3].set_xlabel("singular values: " + " ".join(f"{v:.2f}" for v in s), fontsize=7)
    fig.suptitle(f"8 x 9 hierarchical data set (rank {np.linalg.matrix_rank(ra.DATA)})")
    return save(fig, outdir, "data_correlation_svd.png")


def arr(x):
    return np.array(x, dtype=float)


def fig_loss_curves(outdir, res):
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    for ax, key in zip(axes, KEYS):
        t = res[key]["teacher"]
        ep, mu, sd = arr(t["curve_epochs"]), arr(t["item_loss_curve_mean"]), arr(t["item_loss_curve_std"])
        for k, item in enumerate(ra.ITEMS):
            ax.plot(ep, mu[:, k], color=COLORS[k], lw=1, label=item)
            ax.fill_between(ep, np.maximum(mu[:, k] - sd[:, k], 1e-4), mu[:, k] + sd[:, k],
                            color=COLORS[k], alpha=0.12)
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel("item loss (sum of squared errors)")
        ax.set_title(f"teacher {key}: per-item loss, mean ± std over {res[key]['runs']} runs")
    axes[0].legend(fontsize=7, ncol=2)
    return save(fig, outdir, "item_loss_curves.png")


def fig_singular_values(outdir, res):
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    for ax, key in zip(axes, KEYS):
        t = res[key]["teacher"]
        ep, S = arr(t["curve_epochs"]), arr(t["singular_value_curve"])
        for k in range(S.shape[1]):
            ax.plot(ep, S[:, k], lw=1.2, label=f"sv {k + 1}")
        ax.axhline(ra.SV_THRESHOLD, color="k", ls=":", lw=1, label=f"threshold {ra.SV_THRESHOLD:g}")
        ax.set_yscale("log")
        ax.set_ylim(1e-4, 10)
        ax.set_xlabel("epoch")
        ax.set_title(f"{key}: singular values of the prediction matrix f(X) (mean of runs)")
    axes[0].legend(fontsize=7, ncol=3)
    return save(fig, outdir, "singular_values.png")


def latent_frame(one, hidden):
    """For H = 2 the hidden plane itself, else the items' first two principal components."""
    h = ra.encode(one, ra.DATA[None])[0]
    if hidden == 2:
        return (lambda z: z), (lambda p: p), None
    mean = h.mean(0)
    _, s, Vt = np.linalg.svd(h - mean, full_matrices=False)
    return (lambda z: (z - mean) @ Vt[:2].T), (lambda p: mean + p @ Vt[:2]), s ** 2 / (s ** 2).sum()


def draw_latent(ax, one, hidden, n=100, arrows=20, steps=ra.STEPS):
    """The latent plane through the decoder coloured by nearest item, arrows of 25
    iterations (half length), stars at the items' codes with their names."""
    to2, from2, evr = latent_frame(one, hidden)
    items2 = to2(ra.encode(one, ra.DATA[None])[0])
    lo, hi = items2.min(0), items2.max(0)
    pad = 0.25 * (hi - lo) + 0.2
    lo, hi = lo - pad, hi + pad
    if hidden == 2:
        lo = np.maximum(lo, -0.05 * (hi - lo))             # ReLU codes are non-negative
    gx, gy = np.linspace(lo[0], hi[0], n), np.linspace(lo[1], hi[1], n)
    P = np.stack(np.meshgrid(gx, gy), -1).reshape(-1, 2)
    lab = ra.nearest_item(ra.decode(one, from2(P)[None])[0]).reshape(n, n)
    ax.imshow(COLORS[lab][..., :3], origin="lower", extent=(lo[0], hi[0], lo[1], hi[1]),
              aspect="auto", alpha=0.45, interpolation="nearest")
    if arrows:
        A = np.stack(np.meshgrid(np.linspace(lo[0], hi[0], arrows),
                                 np.linspace(lo[1], hi[1], arrows)), -1).reshape(-1, 2)
        x = ra.decode(one, from2(A)[None])
        for _ in range(steps):
            x = ra.predict(one, x)
        end = to2(ra.encode(one, x)[0])
        ax.quiver(A[:, 0], A[:, 1], end[:, 0] - A[:, 0], end[:, 1] - A[:, 1], angles="xy",
                  scale_units="xy", scale=2, width=0.0025, color="k", alpha=0.45)
    order = np.argsort(items2[:, 1])
    for rank, k in enumerate(order):                 # alternate the label side: no overlaps
        ax.scatter(*items2[k], marker="*", s=160, color=COLORS[k], edgecolor="k", zorder=3)
        dx = 8 if rank % 2 == 0 else -8
        ax.annotate(ra.ITEMS[k], items2[k], fontsize=7, xytext=(dx, 3 + 4 * (rank % 3)),
                    textcoords="offset points", ha="left" if dx > 0 else "right", zorder=4,
                    bbox=dict(boxstyle="round,pad=0.15", fc="w", ec="none", alpha=0.7))
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    return evr


def item_legend(fig):
    fig.legend(handles=[Patch(color=COLORS[k], alpha=0.6, label=item) for k, item in
                        enumerate(ra.ITEMS)], loc="lower center", ncol=8, fontsize=8,
               title="region colour: nearest item of the decoded point", title_fontsize=8,
               bbox_to_anchor=(0.5, -0.06), frameon=False)


def fig_latent(outdir, res):
    paths = []
    for key in KEYS:
        t = res[key]["teacher"]
        params = {k: arr(v) for k, v in t["params_runs_0_1"].items()}
        hidden = params["W1"].shape[-1]
        fig, axes = plt.subplots(1, 2, figsize=(12, 5.4))
        for ax, run in zip(axes, (0, 1)):
            one = {k: v[run:run + 1] for k, v in params.items()}
            evr = draw_latent(ax, one, hidden)
            att = [ra.ITEMS[k] for k in range(8) if t["attractor"][run][k]]
            if hidden == 2:
                ax.set_xlabel("hidden unit 1")
                ax.set_ylabel("hidden unit 2")
            else:
                ax.set_xlabel(f"PC 1 of the item codes ({evr[0]:.2f} of variance)")
                ax.set_ylabel(f"PC 2 ({evr[1]:.2f})")
            ax.set_title(f"run {run}: attractor items {', '.join(att) or 'none'}", fontsize=9)
        fig.suptitle(f"{key} teacher latent space: arrows = 25 iterations of f (half length), "
                     "stars = item codes", fontsize=10)
        item_legend(fig)
        paths.append(save(fig, outdir, f"latent_map_{key.lower()}.png"))
    return paths


def fig_transition(outdir, res):
    S = ra.scaled_correlation()
    fig, axes = plt.subplots(1, 4, figsize=(19, 4.4))
    matrix(axes[0], S, ra.ITEMS, ra.ITEMS, "S (scaled correlation; rows sum to 3.6-4.8)",
           vmin=0, vmax=1, fmt=".2f")
    matrix(axes[1], S / S.sum(1, keepdims=True), ra.ITEMS, ra.ITEMS,
           "row-normalised S (rows sum to 1)", vmin=0, vmax=0.5, fmt=".2f")
    for ax, key in zip(axes[2:], KEYS):
        o = res[key]["objective"]
        matrix(ax, arr(o["transition_matrix_best"]), ra.ITEMS, ra.ITEMS,
               f"{key}: A at the grid optimum mu={o['S_best'][0]:g}, sigma={o['S_best'][1]:g}",
               vmin=0, vmax=1, fmt=".2f")
    return save(fig, outdir, "transition_vs_correlation.png")


def fig_grid(outdir, res):
    fig, axes = plt.subplots(2, 2, figsize=(13, 7))
    for col, key in enumerate(KEYS):
        o = res[key]["objective"]
        for row, (name, title) in enumerate((("S", "sum (A - S)^2"),
                                             ("row_normalised", "sum (A - S_row)^2"))):
            ax, D = axes[row, col], arr(o[f"{name}_dist"])
            im = ax.imshow(D, cmap="magma_r", aspect="auto", origin="lower",   # from the floor
                           vmin=o["floor"] if name == "S" else 0.0)
            ax.set_xticks(range(len(o["grid_sigmas"])), [f"{s:g}" for s in o["grid_sigmas"]])
            ax.set_yticks(range(len(o["grid_mus"])), [f"{m:g}" for m in o["grid_mus"]])
            ii, jj = np.nonzero(np.array(o[f"{name}_indistinguishable"]))
            ax.scatter(jj, ii, marker="s", facecolor="none", edgecolor="c", s=150, lw=1.5,
                       label="indistinguishable from the minimum (bootstrap)")
            i, j = np.unravel_index(np.argmin(D), D.shape)
            ax.scatter(j, i, marker="x", color="c", s=80, label="minimum")
            ax.set_xlabel("sigma")
            ax.set_ylabel("mu")
            floor = f"; floor {o['floor']:.2f}" if name == "S" else "; floor 0"
            ax.set_title(f"{key}: {title}, minimum {D.min():.3f}{floor}", fontsize=9)
            fig.colorbar(im, ax=ax, label="colour scale starts at the floor")
        axes[0, col].legend(fontsize=7, loc="upper right")
    fig.suptitle("the transition-matrix objective over the mu x sigma grid (10,000 chains per point)",
                 fontsize=10)
    fig.tight_layout()
    return save(fig, outdir, "mu_sigma_grid.png")


def sweep_rows(r):
    """Indices of the mu = 0 sigma sweep in a replay study, and its sigmas."""
    idx = [p for p, m in enumerate(r["mus"]) if m == 0.0]
    return idx, arr([r["sigmas"][p] for p in idx])


def fig_prevalence(outdir, res):
    fig, axes = plt.subplots(1, 2, figsize=(13, 4))
    for ax, key in zip(axes, KEYS):
        r = res[key]
        idx, sig = sweep_rows(r)
        P = arr([[r["students"]["prevalence"][k][p]["mean"] for k in range(8)] for p in idx])
        bottom = np.zeros(len(P))
        for k, item in enumerate(ra.ITEMS):
            ax.bar(range(len(P)), P[:, k], bottom=bottom, color=COLORS[k], label=item)
            bottom += P[:, k]
        ax.set_xticks(range(len(P)), [f"{s:g}" for s in sig])
        ax.set_xlabel("replay sigma (mu = 0)")
        ax.set_ylabel("share of replayed patterns (nearest item)")
        ax.set_title(f"{key} teacher: replay prevalence per sigma (mean of {r['runs']} runs)",
                     fontsize=9)
    axes[1].legend(fontsize=7, loc="upper right", bbox_to_anchor=(1.22, 1))
    return save(fig, outdir, "replay_prevalence.png")


def heat(ax, L, sig, title):
    im = ax.imshow(L.T, aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(sig)), [f"{s:g}" for s in sig])
    ax.set_yticks(range(8), ra.ITEMS, fontsize=8)
    for (i, j), v in np.ndenumerate(L.T):
        ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=5.5,
                color="w" if v < (L.max() + L.min()) / 2 else "k")
    ax.set_xlabel("replay sigma (mu = 0)")
    ax.set_title(title, fontsize=9)
    return im


def fig_student_items(outdir, res):
    fig, axes = plt.subplots(2, 2, figsize=(13, 7.5))
    for col, key in enumerate(KEYS):
        r = res[key]
        idx, sig = sweep_rows(r)
        s = r["students"]
        L = arr([[s["item_loss"][k][p]["mean"] for k in range(8)] for p in idx])
        C = arr([[s["item_completion"][k][p]["mean"] for k in range(8)] for p in idx])
        fig.colorbar(heat(axes[0, col], L, sig, f"students of the {key} teachers: item loss "
                          "(the thesis's measure)"), ax=axes[0, col])
        fig.colorbar(heat(axes[1, col], C, sig, f"students of the {key} teachers: share of the "
                          "item's probes completed exactly"), ax=axes[1, col])
    fig.tight_layout()
    return save(fig, outdir, "student_item_loss.png")


def fig_quality_vs_sigma(outdir, res):
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.2))
    names = [("hierarchy_score", "hierarchical completion score (3 levels x 8 items)"),
             ("balanced_completion", "item-balanced exact completion"),
             ("mean_item_loss", "item loss (thesis measure; x: non-item loss / 10)")]
    for ax, (name, title) in zip(axes, names):
        for c, key in enumerate(KEYS):
            r = res[key]
            idx, sig = sweep_rows(r)
            v = [r["students"][name][p] for p in idx]
            m, lo, hi = (arr([x["mean"] for x in v]), arr([x["ci95"][0] for x in v]),
                         arr([x["ci95"][1] for x in v]))
            ax.plot(sig, m, "o-", color=f"C{c}", label=f"{key} teacher")
            ax.fill_between(sig, lo, hi, color=f"C{c}", alpha=0.2)
            b = r["grid_best"]
            opt = r["students"][name][r["settings"].index(ra.pair_label(*b))]
            ax.errorbar([b[1]], [opt["mean"]], fmt="*", ms=12, color=f"C{c}", mec="k",
                        yerr=[[opt["mean"] - opt["ci95"][0]], [opt["ci95"][1] - opt["mean"]]],
                        label=f"{key}: grid optimum (mu={b[0]:g}, sigma={b[1]:g})")
            if name == "mean_item_loss":
                ax.plot(sig, [r["students"]["nonitem_loss"][p]["mean"] / 10 for p in idx], "x--",
                        color=f"C{c}", lw=0.8)
        ax.axvline(0.5, color="grey", ls=":", lw=1)
        ax.set_xlabel("replay sigma (mu = 0; dotted: the thesis's 0.5)")
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7)
    fig.suptitle("students against replay noise: mean and 95% interval over 25 teacher-student runs",
                 fontsize=10)
    return save(fig, outdir, "quality_vs_sigma.png")


def fig_modes(outdir, res):
    """One panel per scenario and SVD mode; one curve per replay sigma (mu = 0), dashed: the
    grid optimum."""
    fig, axes = plt.subplots(2, st.N_MODES, figsize=(19, 6.8), sharey=True, sharex=True)
    cmap = plt.get_cmap("viridis")
    for row, key in enumerate(KEYS):
        r, s = res[key], res[key]["students"]
        for k, ax in enumerate(axes[row]):
            for p, (mu, sigma) in enumerate(zip(r["mus"], r["sigmas"])):
                best = [mu, sigma] == r["grid_best"] and mu != 0.0
                ax.plot(s["snap_epochs"], arr(s["mode_strength_curve"][p])[:, k],
                        color="r" if best else cmap(sigma), lw=1.6 if best else 1.0,
                        ls="--" if best else "-",
                        label=(f"grid optimum ({mu:g}, {sigma:g})" if best else f"sigma {sigma:g}"))
            ax.axhline(st.ACQUIRED, color="k", ls=":", lw=0.8)
            ax.set_xscale("log")
            ax.set_title(f"{key} students, mode {k + 1} (s = {st.SV[k]:.2f})", fontsize=8)
            if row == 1:
                ax.set_xlabel("student epoch")
        axes[row, 0].set_ylabel("mode strength u^T f(X) v / s")
    axes[1, -1].legend(fontsize=6, ncol=2, loc="lower right")
    fig.suptitle("strength of each SVD mode of the data in the student's map, for every replay "
                 "sigma (mean of 25 runs; dotted: 'acquired')", fontsize=10)
    fig.tight_layout()
    return save(fig, outdir, "mode_strength.png")


def fig_measures(outdir, ms):
    names = list(ms["models"])
    fig, ax = plt.subplots(figsize=(11, 4))
    for c, (k, label) in enumerate((("hierarchy_score", "hierarchical completion score (new)"),
                                    ("balanced_completion", "item-balanced completion"),
                                    ("previous_score", "previous 'hierarchy score'"))):
        ax.bar(np.arange(len(names)) + (c - 1) * 0.27, [ms["models"][n][k] for n in names],
               width=0.27, label=label, color=f"C{c}")
    ax.set_xticks(range(len(names)), names, rotation=20, ha="right", fontsize=8)
    ax.set_ylabel("score")
    ax.set_title("the measures on constructed models (the previous score ranks 'knows Daisy and "
                 "Rose only' second)", fontsize=9)
    ax.legend(fontsize=8)
    return save(fig, outdir, "measures.png")


def results_file(text):
    """An input results folder: the three JSON files must be there and parse."""
    for name in ("replay_H2.json", "replay_H32.json", "measures.json"):
        try:
            with open(os.path.join(text, name), encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError) as exc:
            raise argparse.ArgumentTypeError(f"cannot read {name} in {text}: {exc}")
        if not isinstance(data, dict) or "study" not in data:
            raise argparse.ArgumentTypeError(f"{name} in {text} is not a study result")
    return text


def build_parser():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=ra.number(int, 0, 2 ** 32 - 1), default=None,
                   help="seed of the studies (default 0; another seed needs --recompute)")
    p.add_argument("--outdir", type=st.output_dir, default=None, metavar="DIR",
                   help="output directory (default replay_autoencoder/viz)")
    p.add_argument("--results", type=st.output_dir, default=None, metavar="DIR",
                   help="where the studies' JSON is read from (and written by --recompute)")
    p.add_argument("--recompute", action="store_true",
                   help="rerun the measures and replay studies first (a few minutes)")
    p.add_argument("--quiet", action="store_true", help="print nothing")
    return p


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.seed not in (None, 0) and not args.recompute:
        parser.error("argument --seed: the committed results are seed 0; use it with --recompute")
    results = args.results or st.RESULTS
    if args.recompute:
        extra = ["--seed", str(args.seed or 0), "--outdir", results] + ["--quiet"] * args.quiet
        for study in ("measures", "replay"):
            code = st.main([study] + (extra if study == "replay" else extra[2:]))
            if code:
                return code
    try:
        results_file(results)
    except argparse.ArgumentTypeError as exc:
        parser.error(f"argument --results: {exc}")
    outdir = args.outdir or os.path.join(HERE, "viz")
    res = {key: st.load(f"replay_{key}.json", results) for key in KEYS}
    paths = [fig_data(outdir), fig_loss_curves(outdir, res), fig_singular_values(outdir, res)]
    paths += fig_latent(outdir, res)
    paths += [fig_transition(outdir, res), fig_grid(outdir, res), fig_prevalence(outdir, res),
              fig_student_items(outdir, res), fig_quality_vs_sigma(outdir, res),
              fig_modes(outdir, res), fig_measures(outdir, st.load("measures.json", results))]
    if not args.quiet:
        print("\n".join(f"wrote {p}" for p in paths))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.stderr.write("\nvisualize_replay_autoencoder.py: interrupted\n")
        sys.exit(130)
