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
from visualize_vector_symmetry import draw_net  # noqa: E402


def frame_of(fig):
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seed", type=vs._int_ge(0, "--seed"), default=0)
    p.add_argument("--outdir", default=HERE)
    p.add_argument("--coding", choices=("01", "pm1"), default=vs.CODING)
    p.add_argument("--max-sweeps", type=vs._int_ge(1, "--max-sweeps"), default=vs.MAX_SWEEPS)
    p.add_argument("--frames", type=vs._int_ge(2, "--frames"), default=50)
    p.add_argument("--ms", type=vs._int_ge(20, "--ms"), default=160, help="ms per frame")
    args = p.parse_args(argv)
    if not os.path.isdir(args.outdir) or not os.access(args.outdir, os.W_OK):
        p.error(f"--outdir {args.outdir} is not a writable directory")
    first = vs.train([args.seed], coding=args.coding, max_sweeps=args.max_sweeps)
    stop = int(first["stopped_at"][0])
    every = max(1, int(np.ceil(stop / (args.frames - 1))))
    out = vs.train([args.seed], coding=args.coding, max_sweeps=stop, trace_every=every)
    E = np.array(out["trace"]["E"])[:, 0]
    nc = np.array(out["trace"]["n_correct"])[:, 0]
    snaps = dict(zip(out["trace"]["snap_sweeps"], out["trace"]["snaps"]))
    scale = max(np.abs(np.vstack([out["params"]["W1"][0], out["params"]["b1"]])).max(),
                np.abs(out["params"]["W2"][0]).max(), abs(out["params"]["b2"][0]))
    frames = []
    for t in sorted(snaps):
        fig = plt.figure(figsize=(9.5, 4.2), dpi=80)
        sub = fig.subfigures(1, 2, width_ratios=[1.15, 1])
        draw_net(sub[0], snaps[t][1], 0, scale=scale)
        ax = sub[1].add_subplot(111)
        ax.plot(np.arange(t + 1), E[:t + 1], color="k", lw=1.2)
        ax.set_xlim(0, stop)
        ax.set_ylim(0, max(5.0, E[0] * 1.05))
        ax.axhline(4.0, color="gray", ls="--", lw=0.8)
        ax.set_xlabel("sweep")
        ax.set_ylabel("error E")
        ax.set_title(f"seed {args.seed}, sweep {t:,}: E = {E[t]:.3f}, {nc[t]}/64 correct",
                     fontsize=9)
        frames.append(frame_of(fig))
        plt.close(fig)
    path = os.path.join(args.outdir, "vector_symmetry.gif")
    tmp = os.path.join(args.outdir, ".vector_symmetry.tmp.gif")
    durations = [args.ms] * (len(frames) - 1) + [args.ms * 12]   # linger on the solution
    iio.imwrite(tmp, np.stack(frames), duration=durations, loop=0)
    os.replace(tmp, path)
    print(f"{len(frames)} frames written to {path} ({os.path.getsize(path) / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
