"""Animated GIF of one seed of the fast-weight net through the four stages:
learn 100 (stage 1), learn 5 new (stage 2), rehearse 10% (stage 3), fast weights decay (stage 4).
Top: error on the old 100 and the new 5; bottom: slow, fast and effective weight norms.
Writes fast_weights_deblur.gif (or into --outdir).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fast_weights_deblur as fw  # noqa: E402  (sets single-threaded BLAS before numpy)

import imageio.v3 as iio  # noqa: E402
import matplotlib  # noqa: E402
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def frame_indices(cfg, n_decay):
    """Indices into the concatenated trace: ~14 frames stage 1, 10 stage 2, 11 stage 3, 12 stage 4."""
    s1, s2, s3 = cfg["sweeps1"] + 1, cfg["sweeps2"] + 1, cfg["sweeps3"] + 1
    idx = list(np.linspace(0, s1 - 1, 14).astype(int))
    idx += list(s1 + np.linspace(0, s2 - 1, 10).astype(int))
    idx += list(s1 + s2 + np.linspace(0, s3 - 1, 11).astype(int))
    idx += list(s1 + s2 + s3 + np.linspace(0, n_decay - 1, 12).astype(int))
    return idx


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seed", type=fw._int_ge(0), default=0, help="random seed")
    p.add_argument("--outdir", default=HERE, help="output directory")
    args = p.parse_args(argv)
    if not os.path.isdir(args.outdir) or not os.access(args.outdir, os.W_OK):
        p.error(f"--outdir {args.outdir} is not a writable directory")
    cfg = fw.config_from_args(fw.build_parser().parse_args([]))
    cfg["nets"] = ["fast"]
    res = fw.run_protocol([args.seed], cfg, keep_trace=True)
    fj = res["fractions"].index(cfg["retrain_fraction"])
    tr = {k: np.concatenate([res["trace12"][k][0, 0], res["trace34"][k][0, 0, fj]]) for k in res["trace12"]}
    t0 = cfg["sweeps1"] + cfg["sweeps2"]
    time = np.concatenate([np.arange(cfg["sweeps1"] + 1), cfg["sweeps1"] + np.arange(cfg["sweeps2"] + 1),
                           t0 + np.arange(cfg["sweeps3"] + 1), t0 + cfg["sweeps3"] + np.array(res["decay_times"])])
    # piecewise x axis so the 20 rehearsal sweeps get room: stage widths 1, 0.6, 0.5, 0.6
    s1, s2, s3 = cfg["sweeps1"] + 1, cfg["sweeps2"] + 1, cfg["sweeps3"] + 1
    n = len(time)
    x = np.empty(n)
    x[:s1] = np.linspace(0, 1, s1)
    x[s1:s1 + s2] = 1 + np.linspace(0, 0.6, s2)
    x[s1 + s2:s1 + s2 + s3] = 1.6 + np.linspace(0, 0.5, s3)
    x[s1 + s2 + s3:] = 2.1 + np.linspace(0, 0.6, n - s1 - s2 - s3)
    stage = np.concatenate([np.full(s1, 1), np.full(s2, 2), np.full(s3, 3), np.full(n - s1 - s2 - s3, 4)])
    titles = {1: "stage 1: learn 100 associations", 2: "stage 2: learn 5 new ones (no rehearsal)",
              3: f"stage 3: rehearse {cfg['retrain_fraction']:.0%} of the old", 4: "stage 4: fast weights decay"}
    frames = []
    fig, axes = plt.subplots(2, 1, figsize=(7.5, 6), dpi=80, sharex=True)
    ymax = max(tr["err_old"].max(), tr["err_new"].max()) * 1.05
    for i in frame_indices(cfg, n - s1 - s2 - s3):
        for a in axes:
            a.cla()
        ax = axes[0]
        ax.plot(x[:i + 1], tr["err_old"][:i + 1], color="tab:red", label="old 100")
        ax.plot(x[:i + 1], tr["err_new"][:i + 1], color="tab:green", label="new 5")
        ax.set_xlim(0, 2.7)
        ax.set_ylim(0, ymax)
        ax.set_ylabel("error per output unit")
        ax.set_title(f"seed {args.seed}, {titles[stage[i]]} (sweep {int(time[i])})", fontsize=10)
        ax.legend(loc="upper right", fontsize=8)
        ax = axes[1]
        ax.plot(x[:i + 1], tr["norm_slow"][:i + 1], color="tab:blue", label="slow |w|")
        ax.plot(x[:i + 1], tr["norm_eff"][:i + 1], color="k", ls="--", label="effective |w|")
        ax.plot(x[:i + 1], 10 * tr["norm_fast"][:i + 1], color="tab:purple", label="10 x fast |w|")
        ax.set_ylim(0, max(tr["norm_eff"].max(), 10 * tr["norm_fast"].max()) * 1.05)
        ax.set_ylabel("weight norm")
        ax.legend(loc="lower right", fontsize=8)
        ax.set_xticks([0.5, 1.3, 1.85, 2.4], ["1: learn 100", "2: learn 5", "3: rehearse", "4: decay"])
        for a in axes:
            for b in (1, 1.6, 2.1):
                a.axvline(b, color="gray", lw=0.6, ls=":")
        fig.canvas.draw()
        frames.append(np.asarray(fig.canvas.buffer_rgba())[..., :3].copy())
    plt.close(fig)
    frames += [frames[-1]] * 6                      # hold the last frame
    path = os.path.join(args.outdir, "fast_weights_deblur.gif")
    tmp = os.path.join(args.outdir, ".fast_weights_deblur.tmp.gif")
    iio.imwrite(tmp, np.stack(frames), duration=250, loop=0)
    os.replace(tmp, path)
    print("wrote", path, f"({len(frames)} frames)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
