#!/usr/bin/env python3
"""Static figures of the replay study into replay_autoencoder/viz/*.png.

Runs the default study (both scenarios, 25 runs each, the sigma sweep included) for
--seed and draws: the data with its correlation matrix and SVD, item loss curves,
singular values over epochs, latent maps for H = 2 and H = 32, the transition matrix
against the scaled correlation, the mu x sigma grid, replay prevalence per sigma,
the students' per-item loss, and student quality against sigma.
"""
import argparse
import os
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import replay_autoencoder as ra  # noqa: E402

DPI = 110
COLORS = plt.get_cmap("tab10")(np.arange(8))


def save(fig, outdir, name):
    path = os.path.join(outdir, name)
    tmp = os.path.join(outdir, f".{name}.tmp.png")
    fig.savefig(tmp, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    os.replace(tmp, path)
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
    matrix(axes[1], ra.correlation_matrix(), ra.ITEMS, ra.ITEMS, "item correlation", "RdBu_r",
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


def fig_loss_curves(outdir, raws):
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    for ax, (key, raw) in zip(axes, raws.items()):
        L = raw["history"]["item_loss"]                           # (R, E, 8)
        ep = np.arange(1, L.shape[1] + 1)
        for k, item in enumerate(ra.ITEMS):
            mu, sd = L[:, :, k].mean(0), L[:, :, k].std(0)
            ax.plot(ep, mu, color=COLORS[k], lw=1, label=item)
            ax.fill_between(ep, np.maximum(mu - sd, 1e-4), mu + sd, color=COLORS[k], alpha=0.12)
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel("item loss (sum of squared errors)")
        ax.set_title(f"teacher {key}: per-item loss, mean ± std over {L.shape[0]} runs")
    axes[0].legend(fontsize=7, ncol=2)
    return save(fig, outdir, "item_loss_curves.png")


def fig_singular_values(outdir, raws, threshold):
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    for ax, (key, raw) in zip(axes, raws.items()):
        S = raw["history"]["singular_values"].mean(0)             # (E, 8)
        for k in range(S.shape[1]):
            ax.plot(np.arange(1, len(S) + 1), S[:, k], lw=1.2, label=f"sv {k + 1}")
        ax.axhline(threshold, color="k", ls=":", lw=1, label=f"threshold {threshold:g}")
        ax.set_yscale("log")
        ax.set_ylim(1e-4, 10)
        ax.set_xlabel("epoch")
        ax.set_title(f"{key}: singular values of the prediction matrix f(X) (mean of runs)")
    axes[0].legend(fontsize=7, ncol=3)
    return save(fig, outdir, "singular_values.png")


def latent_frame(params, run, hidden):
    """A 2-d latent frame: for H = 2 the hidden space itself, for H > 2 the first two
    principal components of the items' hidden codes.  Returns (to_2d, from_2d, evr)."""
    one = {k: v[run:run + 1] for k, v in params.items()}
    h = ra.encode(one, ra.DATA[None])[0]                           # (8, H)
    if hidden == 2:
        return one, (lambda z: z), (lambda p: p), None
    mean = h.mean(0)
    _, s, Vt = np.linalg.svd(h - mean, full_matrices=False)
    evr = s ** 2 / (s ** 2).sum()
    P = Vt[:2]
    return one, (lambda z: (z - mean) @ P.T), (lambda p: mean + p @ P), evr


def draw_latent(ax, params, run, hidden, n=100, arrows=20, steps=25):
    one, to2, from2, evr = latent_frame(params, run, hidden)
    items2 = to2(ra.encode(one, ra.DATA[None])[0])
    lo, hi = items2.min(0), items2.max(0)
    pad = 0.35 * (hi - lo) + 0.2
    lo, hi = lo - pad, hi + pad
    if hidden == 2:
        lo = np.maximum(lo, 0.0)            # ReLU codes are non-negative
    gx, gy = np.linspace(lo[0], hi[0], n), np.linspace(lo[1], hi[1], n)
    P = np.stack(np.meshgrid(gx, gy), -1).reshape(-1, 2)
    out = ra.decode(one, from2(P)[None])[0]                        # grid through the decoder
    lab = ra.nearest_item(out).reshape(n, n)
    ax.imshow(COLORS[lab][..., :3], origin="lower", extent=(lo[0], hi[0], lo[1], hi[1]),
              aspect="auto", alpha=0.45, interpolation="nearest")
    if arrows:      # arrows at half the displacement of 25 iterations from each point
        ax_, ay_ = np.linspace(lo[0], hi[0], arrows), np.linspace(lo[1], hi[1], arrows)
        A = np.stack(np.meshgrid(ax_, ay_), -1).reshape(-1, 2)
        x = ra.decode(one, from2(A)[None])
        for _ in range(steps):                                     # iterate from each point
            x = ra.predict(one, x)
        end = to2(ra.encode(one, x)[0])
        ax.quiver(A[:, 0], A[:, 1], end[:, 0] - A[:, 0], end[:, 1] - A[:, 1], angles="xy",
                  scale_units="xy", scale=2, width=0.0025, color="k", alpha=0.45)
    for k, item in enumerate(ra.ITEMS):
        ax.scatter(*items2[k], marker="*", s=160, color=COLORS[k], edgecolor="k", zorder=3)
        ax.annotate(item, items2[k], fontsize=7, xytext=(4, 4), textcoords="offset points")
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    return evr, (lo, hi), to2, from2, one


def fig_latent(outdir, raws):
    paths = []
    for key, raw in raws.items():
        hidden = raw["teacher"]["W1"].shape[-1]
        fig, axes = plt.subplots(1, 2, figsize=(12, 5.2))
        for ax, run in zip(axes, (0, 1)):
            evr, *_ = draw_latent(ax, raw["teacher"], run, hidden)
            is_att = raw["fixed_points"]["item_is_attractor"][run]
            att = [ra.ITEMS[k] for k in range(8) if is_att[k]]
            if hidden == 2:
                ax.set_xlabel("hidden unit 1")
                ax.set_ylabel("hidden unit 2")
                ax.set_title(f"run {run}: attractor items {', '.join(att) or 'none'}", fontsize=9)
            else:
                ax.set_xlabel(f"PC 1 ({evr[0]:.2f} of variance)")
                ax.set_ylabel(f"PC 2 ({evr[1]:.2f})")
                ax.set_title(f"run {run}: PC 1-3 explain {evr[0]:.2f} {evr[1]:.2f} {evr[2]:.2f};"
                             f" attractors: {', '.join(att) or 'none'}", fontsize=8)
        fig.suptitle(f"{key} latent space: grid through the decoder coloured by nearest item, "
                     "arrows = 25 iterations (half length), stars = item codes", fontsize=10)
        paths.append(save(fig, outdir, f"latent_map_{key.lower()}.png"))
    return paths


def fig_transition(outdir, raws, metrics):
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.3))
    matrix(axes[0], ra.scaled_correlation(), ra.ITEMS, ra.ITEMS, "S (scaled correlation)",
           vmin=0, vmax=1, fmt=".2f")
    for ax, (key, raw) in zip(axes[1:], raws.items()):
        mu, sg = metrics["best_mu"][key], metrics["best_sigma"][key]
        i, j = list(raw["mu_grid"]).index(mu), list(raw["sigma_grid"]).index(sg)
        matrix(ax, raw["A"][i, j], ra.ITEMS, ra.ITEMS,
               f"{key}: transition matrix A at mu={mu:g}, sigma={sg:g}", vmin=0, vmax=1,
               fmt=".2f")
    return save(fig, outdir, "transition_vs_correlation.png")


def fig_grid(outdir, raws, metrics):
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    for ax, (key, raw) in zip(axes, raws.items()):
        D = raw["grid_distance"]
        im = ax.imshow(D, cmap="magma_r", aspect="auto", origin="lower")
        ax.set_xticks(range(len(raw["sigma_grid"])), [f"{s:g}" for s in raw["sigma_grid"]])
        ax.set_yticks(range(len(raw["mu_grid"])), [f"{m:g}" for m in raw["mu_grid"]])
        i, j = np.unravel_index(np.argmin(D), D.shape)
        ax.scatter(j, i, marker="x", color="c", s=80)
        ax.set_xlabel("sigma")
        ax.set_ylabel("mu")
        ax.set_title(f"{key}: sum (A - S)^2, minimum at mu={metrics['best_mu'][key]:g}, "
                     f"sigma={metrics['best_sigma'][key]:g}", fontsize=9)
        fig.colorbar(im, ax=ax)
    return save(fig, outdir, "mu_sigma_grid.png")


def fig_prevalence(outdir, metrics):
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    for ax, key in zip(axes, metrics["sigma_sweep"]):
        sw = metrics["sigma_sweep"][key]
        P = np.array(sw["prevalence_mean"])                        # (S, 8)
        bottom = np.zeros(len(P))
        for k, item in enumerate(ra.ITEMS):
            ax.bar(range(len(P)), P[:, k], bottom=bottom, color=COLORS[k], label=item)
            bottom += P[:, k]
        ax.set_xticks(range(len(P)), [f"{s:g}" for s in sw["sigmas"]])
        ax.set_xlabel("sigma (mu = 0)")
        ax.set_ylabel("share of replayed patterns (nearest item)")
        ax.set_title(f"{key} teacher: replay prevalence per sigma (mean of runs)", fontsize=9)
    axes[1].legend(fontsize=7, loc="upper right", bbox_to_anchor=(1.25, 1))
    return save(fig, outdir, "replay_prevalence.png")


def fig_student_loss(outdir, raws, metrics):
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    for ax, key in zip(axes, metrics["sigma_sweep"]):
        L = np.array(metrics["sigma_sweep"][key]["student_item_loss_mean"])   # (S, 8)
        sig = metrics["sigma_sweep"][key]["sigmas"]
        im = ax.imshow(L.T, aspect="auto", cmap="viridis")
        ax.set_xticks(range(len(sig)), [f"{s:g}" for s in sig])
        ax.set_yticks(range(8), ra.ITEMS, fontsize=8)
        for (i, j), v in np.ndenumerate(L.T):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=5.5,
                    color="w" if v < L.max() / 2 else "k")
        ax.set_xlabel("replay sigma (mu = 0)")
        ax.set_title(f"students of the {key} teachers: per-item loss on the true items",
                     fontsize=9)
        fig.colorbar(im, ax=ax)
    return save(fig, outdir, "student_item_loss.png")


def fig_quality_vs_sigma(outdir, metrics):
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    names = [("hierarchy_score", "hierarchy score (exact completion, mean of 4 levels)"),
             ("student_mean_item_loss", "item reconstruction loss (thesis measure)"),
             ("completion_loss", "completion loss (one attribute deleted)")]
    for ax, (name, title) in zip(axes, names):
        for c, key in enumerate(metrics["sigma_sweep"]):
            sw = metrics["sigma_sweep"][key]
            s = np.array(sw["sigmas"])
            m = np.array([v["mean"] for v in sw[name]])
            lo = np.array([v["ci95"][0] for v in sw[name]])
            hi = np.array([v["ci95"][1] for v in sw[name]])
            ax.plot(s, m, "o-", color=f"C{c}", label=f"{key} teacher")
            ax.fill_between(s, lo, hi, color=f"C{c}", alpha=0.2)
            b0 = metrics["best_sigma_at_mu0"][key]
            if b0 is not None:
                ax.axvline(b0, color=f"C{c}", ls=":", lw=1.2)
        if name == "student_mean_item_loss":
            for c, key in enumerate(metrics["sigma_sweep"]):
                sw = metrics["sigma_sweep"][key]
                ax.plot(sw["sigmas"], [v["mean"] / 10 for v in sw["nonitem_loss"]], "x--",
                        color=f"C{c}", lw=0.8, label=f"{key}: non-item loss / 10")
        ax.set_xlabel("replay sigma (mu = 0)")
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7)
    fig.suptitle("student quality against replay noise (mean and 95% interval over runs; "
                 "dotted: transition-matrix optimum at mu = 0)", fontsize=10)
    return save(fig, outdir, "quality_vs_sigma.png")



def check_writable_outdir(parser, outdir):
    """Exit with a one-line usage error (status 2) unless outdir is a writable directory."""
    if not os.path.isdir(outdir):
        parser.error(f"argument --outdir: not a directory: {outdir}")
    probe = os.path.join(outdir, ".write_probe.tmp")
    try:
        open(probe, "wb").close()
        os.remove(probe)
    except OSError as exc:
        parser.error(f"argument --outdir: cannot write to {outdir}: {exc.strerror}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=ra.int_ge(0), default=0, help="random seed (default 0)")
    p.add_argument("--outdir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                    "viz"), help="output directory")
    args = p.parse_args(argv)
    try:
        os.makedirs(args.outdir, exist_ok=True)
    except OSError as exc:
        p.error(f"argument --outdir: cannot create {args.outdir}: {exc.strerror}")
    check_writable_outdir(p, args.outdir)
    parser = ra.build_parser()
    cfg = ra.config_from_args(parser.parse_args(["--sigma-sweep"]), parser)
    metrics, raws = ra.run_study(args.seed, cfg)
    for raw in raws.values():
        raw["mu_grid"], raw["sigma_grid"] = cfg["mus"], cfg["sigmas"]
    paths = [fig_data(args.outdir), fig_loss_curves(args.outdir, raws),
             fig_singular_values(args.outdir, raws, cfg["sv_threshold"])]
    paths += fig_latent(args.outdir, raws)
    paths += [fig_transition(args.outdir, raws, metrics), fig_grid(args.outdir, raws, metrics),
              fig_prevalence(args.outdir, metrics), fig_student_loss(args.outdir, raws, metrics),
              fig_quality_vs_sigma(args.outdir, metrics)]
    for path in paths:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
