"""Writes vector_symmetry.gif: the weight Hinton diagram and the error curve through training.

One run (--seed, paper settings), --frames snapshots evenly spaced from sweep 0 to the sweep
where the run stops; each frame shows the weights at that sweep and the error curve so far.
"""
import argparse
import os
import sys

import imageio.v3 as iio
import matplotlib.pyplot as plt
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import vector_symmetry as vs  # noqa: E402
from visualize_vector_symmetry import draw_net, output_dir  # noqa: E402

FRAMES, MS = 40, 160
SNAP_EVERY = 20          # weights kept every this many sweeps; frames pick from them


def frame_of(fig):
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


def build_parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seed", type=vs.number(int, 0, 2 ** 63 - 1), default=0,
                   help="the run to animate (default 0)")
    p.add_argument("--outdir", type=output_dir, default=HERE, metavar="DIR",
                   help="where vector_symmetry.gif goes (default: this folder)")
    p.add_argument("--frames", type=vs.number(int, 2, 500), default=FRAMES,
                   help=f"snapshots (default {FRAMES})")
    p.add_argument("--ms", type=vs.number(int, 20, 10000), default=MS,
                   help=f"milliseconds per frame (default {MS})")
    return p


def main(argv=None):
    a = build_parser().parse_args(argv)
    E, nc, snaps = [], [], {}

    def record(t, idx, W, err, n_correct, y):
        E.append(err[0])
        nc.append(int(n_correct[0]))
        if t % SNAP_EVERY == 0:
            snaps[t] = vs.seed_first(*W)
    out = vs.train([a.seed], callback=record)
    stop = int(out["stopped_at"][0])
    snaps[stop] = out["params"]
    want = np.linspace(0, stop, a.frames)                 # frames evenly spaced in sweeps
    have = np.array(sorted(snaps))
    shown = sorted({int(have[np.abs(have - w).argmin()]) for w in want})
    p = out["params"]
    scale = max(np.abs(np.vstack([p["W1"][0], p["b1"]])).max(), np.abs(p["W2"][0]).max(),
                abs(p["b2"][0]))
    frames = []
    for t in shown:
        fig = plt.figure(figsize=(9.5, 4.2), dpi=72)
        sub = fig.subfigures(1, 2, width_ratios=[1.15, 1])
        draw_net(sub[0], snaps[t], 0, scale=scale)
        ax = sub[1].add_subplot(111)
        ax.plot(np.arange(t + 1), E[:t + 1], color="k", lw=1.2)
        ax.set_xlim(0, stop)
        ax.set_ylim(0, max(5.0, E[0] * 1.05))
        ax.axhline(4.0, color="gray", ls="--", lw=0.8)
        ax.set_xlabel("sweep")
        ax.set_ylabel("error E")
        ax.set_title(f"seed {a.seed}, sweep {t:,}: E = {E[t]:.3f}, {nc[t]}/64 correct",
                     fontsize=9)
        frames.append(frame_of(fig))
        plt.close(fig)
    path = os.path.join(a.outdir, "vector_symmetry.gif")
    durations = [a.ms] * (len(frames) - 1) + [a.ms * 12]      # linger on the solution
    vs.write_atomic(path, lambda tmp: iio.imwrite(tmp, np.stack(frames), extension=".gif",
                                                  duration=durations, loop=0))
    print(f"{len(frames)} frames written to {path} ({os.path.getsize(path) / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.stderr.write("\nmake_vector_symmetry_gif.py: interrupted\n")
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(1)
