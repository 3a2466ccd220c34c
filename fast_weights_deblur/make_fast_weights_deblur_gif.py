#!/usr/bin/env python3
"""Animated GIF of one seed through the four stages, the paper's rule, 10% rehearsed: learn the
100 (stage 1), learn 5 new ones without rehearsal (stage 2), rehearse 10 of the 100 (stage 3),
let the fast weights decay (stage 4). Top: error on the old 100 and on the new 5; bottom: slow,
fast (x 10) and effective weight norms. Writes fast_weights_deblur.gif (or into --outdir).

    python3 fast_weights_deblur/make_fast_weights_deblur_gif.py
"""
import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fast_weights_deblur as fw  # noqa: E402
import visualize_fast_weights_deblur as viz  # noqa: E402

import imageio.v3 as iio  # noqa: E402
import matplotlib  # noqa: E402
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

FRAMES = (14, 10, 11, 12)        # frames per stage (stage 3 is only 20 sweeps but gets room)
TITLES = ("stage 1: learn the 100 old associations", "stage 2: learn 5 new ones, no rehearsal",
          "stage 3: rehearse 10% of the old ones", "stage 4: no error signal, the fast weights decay")


def trace_of(seed):
    """Errors and norms of one seed at every recorded point, the stage of each, and its sweep."""
    cfg = fw.Config()
    trace = {k: [] for k in ("err_old", "err_new", "norm_slow", "norm_fast", "norm_eff")}
    res = fw.run([seed], cfg, trace=trace)
    n12 = cfg.sweeps1 + cfg.sweeps2 + 2
    tr = {k: np.array([v[i][0] if i < n12 else v[i][1] for i in range(len(v))]) for k, v in trace.items()}
    sweep = np.concatenate([np.arange(cfg.sweeps1 + 1), cfg.sweeps1 + np.arange(cfg.sweeps2 + 1),
                            cfg.sweeps1 + cfg.sweeps2 + np.arange(cfg.sweeps3 + 1),
                            cfg.sweeps1 + cfg.sweeps2 + cfg.sweeps3 + np.array(res["decay_times"])])
    sizes = (cfg.sweeps1 + 1, cfg.sweeps2 + 1, cfg.sweeps3 + 1, len(res["decay_times"]))
    stage = np.repeat(np.arange(4), sizes)
    return tr, sweep, stage, sizes


def build_parser():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=fw.number(int, 0, 2 ** 32 - 1), default=0, help="random seed")
    ap.add_argument("--outdir", type=viz.output_dir, default=HERE, metavar="DIR",
                    help="where the GIF goes (default: this folder)")
    return ap


def main(argv=None):
    args = build_parser().parse_args(argv)
    tr, sweep, stage, sizes = trace_of(args.seed)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    x = np.concatenate([b + np.linspace(0, w, n) for b, w, n in zip((0, 1, 1.6, 2.1), (1, 0.6, 0.5, 0.6), sizes)])
    frames, ymax = [], max(tr["err_old"].max(), tr["err_new"].max()) * 1.05
    fig, axes = plt.subplots(2, 1, figsize=(7.5, 6), dpi=80, sharex=True)
    for i in np.concatenate([s + np.linspace(0, n - 1, k).astype(int) for s, n, k in zip(starts, sizes, FRAMES)]):
        for ax in axes:
            ax.cla()
            for b in (1, 1.6, 2.1):
                ax.axvline(b, color="0.6", lw=0.6, ls=":")
        axes[0].plot(x[:i + 1], tr["err_old"][:i + 1], color="tab:red", label="old 100")
        axes[0].plot(x[:i + 1], tr["err_new"][:i + 1], color="tab:green", label="new 5")
        axes[0].set_xlim(0, 2.7)
        axes[0].set_ylim(0, ymax)
        axes[0].set_ylabel("error per output unit")
        axes[0].set_title(f"seed {args.seed}, {TITLES[stage[i]]} (sweep {int(sweep[i])})", fontsize=9)
        axes[0].legend(loc="upper right", fontsize=8)
        axes[1].plot(x[:i + 1], tr["norm_slow"][:i + 1], color="tab:blue", label="|slow|")
        axes[1].plot(x[:i + 1], tr["norm_eff"][:i + 1], "k--", lw=1, label="|effective|")
        axes[1].plot(x[:i + 1], 10 * tr["norm_fast"][:i + 1], color="tab:purple", label="10 x |fast|")
        axes[1].set_ylim(0, max(tr["norm_eff"].max(), 10 * tr["norm_fast"].max()) * 1.05)
        axes[1].set_ylabel("weight norm")
        axes[1].legend(loc="lower right", fontsize=8)
        axes[1].set_xticks([0.5, 1.3, 1.85, 2.4], ["1: learn 100", "2: learn 5", "3: rehearse", "4: decay"])
        fig.canvas.draw()
        frames.append(np.asarray(fig.canvas.buffer_rgba())[..., :3].copy())
    plt.close(fig)
    frames += [frames[-1]] * 6                       # hold the last frame
    path = os.path.join(args.outdir, "fast_weights_deblur.gif")
    fw.write_atomic(path, lambda tmp: iio.imwrite(tmp, np.stack(frames), extension=".gif", duration=250, loop=0))
    print("wrote", path, f"({len(frames)} frames)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.stderr.write("\nmake_fast_weights_deblur_gif.py: interrupted\n")
        sys.exit(130)
