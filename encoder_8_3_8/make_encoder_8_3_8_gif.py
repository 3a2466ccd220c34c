#!/usr/bin/env python3
"""GIF of backprop (CE) learning the 8-3-8 encoder: the 8 hidden codes moving in the unit
cube towards its corners, with the distinct-code count and the loss below.

    python3 encoder_8_3_8/make_encoder_8_3_8_gif.py --seed 0
"""
import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import encoder_8_3_8 as enc  # noqa: E402
import studies_encoder_8_3_8 as studies  # noqa: E402
import visualize_encoder_8_3_8 as viz  # noqa: E402

import imageio.v3 as iio  # noqa: E402
import matplotlib  # noqa: E402
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def frames_of(seed, n_frames):
    res, _, _ = viz.recorded_run(seed)
    every = max(1, -(-int(res["total_epochs"][0]) // (n_frames - 1)))
    _, hist, snaps = viz.recorded_run(seed, snapshot_every=every)
    frames = []
    for epoch, H, attempt in snaps:
        fig = plt.figure(figsize=(6, 7.2), dpi=80)
        ax = fig.add_subplot(2, 1, 1, projection="3d", position=[0.05, 0.36, 0.9, 0.58])
        viz.draw_cube(ax, H)
        fig.suptitle(f"backprop CE, seed {seed}, attempt {attempt}, epoch {epoch}: "
                     f"{hist['distinct'][epoch]} distinct codes", fontsize=10, y=0.98)
        a1 = fig.add_axes([0.12, 0.19, 0.8, 0.12])
        a2 = fig.add_axes([0.12, 0.05, 0.8, 0.12], sharex=a1)
        ep = np.arange(epoch + 1)
        a1.plot(ep, hist["distinct"][:epoch + 1], color="k")
        a1.set_ylim(0.5, 8.5)
        a1.set_ylabel("codes", fontsize=8)
        a2.plot(ep, hist["loss"][:epoch + 1], color="tab:blue")
        a2.set_yscale("log")
        a2.set_ylim(hist["loss"].min() * 0.8, hist["loss"].max() * 1.2)
        a2.set_ylabel("CE loss", fontsize=8)
        a2.set_xlabel("epoch", fontsize=8)
        a1.set_xlim(0, len(hist["loss"]))
        for r0 in res["restarts_at"][0]:
            for a in (a1, a2):
                if r0 <= epoch:
                    a.axvline(r0, color="tab:red", ls="--", lw=1)
        plt.setp(a1.get_xticklabels(), visible=False)
        fig.canvas.draw()
        frames.append(np.asarray(fig.canvas.buffer_rgba())[..., :3].copy())
        plt.close(fig)
    return np.stack(frames)


def build_parser():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=enc.number(int, 0, 2 ** 32 - 1), default=0, help="default 0")
    ap.add_argument("--outdir", type=studies.output_dir, default=HERE, metavar="DIR",
                    help="directory of encoder_8_3_8.gif (default: this folder)")
    ap.add_argument("--frames", type=enc.number(int, 2, 400), default=48,
                    help="frames before the hold (default 48)")
    ap.add_argument("--ms", type=enc.number(int, 20, 10000), default=120,
                    help="milliseconds per frame (default 120)")
    return ap


def main(argv=None):
    a = build_parser().parse_args(argv)
    frames = frames_of(a.seed, a.frames)
    path = os.path.join(a.outdir, "encoder_8_3_8.gif")
    ms = [a.ms] * (len(frames) - 1) + [a.ms * 15]                  # hold the last frame
    enc.write_atomic(path, lambda tmp: iio.imwrite(tmp, frames, extension=".gif", duration=ms, loop=0))
    print(f"{path}: {len(frames)} frames, {os.path.getsize(path) / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.stderr.write("\nmake_encoder_8_3_8_gif.py: interrupted\n")
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(1)
