#!/usr/bin/env python3
"""GIF of backprop (CE) learning the 8-3-8 encoder: the 8 hidden codes moving in the
unit cube towards its corners, with the distinct-code count and the loss below.

    python3 encoder_8_3_8/make_encoder_8_3_8_gif.py --seed 0
"""
import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import encoder_8_3_8 as enc  # noqa: E402
import visualize_encoder_8_3_8 as viz  # noqa: E402

import imageio.v3 as iio  # noqa: E402
import matplotlib  # noqa: E402
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def frames_of(seed, n_frames):
    cfg = enc.config_of(enc.parse_args(["--seed", str(seed), "--restarts", "9"]))
    total = int(enc.train_backprop([seed], cfg)["total_epochs"][0])
    every = max(1, -(-total // (n_frames - 1)))
    r = enc.train_backprop([seed], cfg, record=True, snapshot_every=every)
    hist, snaps = r["history"], r["snapshots"]
    frames = []
    for epoch, H, attempt in snaps:
        fig = plt.figure(figsize=(6, 7.2), dpi=80)
        ax = fig.add_subplot(2, 1, 1, projection="3d", position=[0.05, 0.36, 0.9, 0.58])
        nd = hist["distinct"][epoch, 0]
        viz.draw_cube(ax, H)
        fig.suptitle(f"backprop CE, seed {seed}, attempt {attempt}, epoch {epoch}: "
                     f"{nd} distinct codes", fontsize=10, y=0.98)
        a1 = fig.add_axes([0.12, 0.19, 0.8, 0.12])
        a2 = fig.add_axes([0.12, 0.05, 0.8, 0.12], sharex=a1)
        ep = np.arange(epoch + 1)
        a1.plot(ep, hist["distinct"][:epoch + 1, 0], color="k")
        a1.set_ylim(0.5, 8.5)
        a1.set_ylabel("codes", fontsize=8)
        a2.plot(ep, hist["loss"][:epoch + 1, 0], color="tab:blue")
        a2.set_yscale("log")
        a2.set_ylim(hist["loss"][:, 0].min() * 0.8, hist["loss"][:, 0].max() * 1.2)
        a2.set_ylabel("CE loss", fontsize=8)
        a2.set_xlabel("epoch", fontsize=8)
        a1.set_xlim(0, len(hist["loss"]))
        for r0 in r["restarts_at"][0]:
            for a in (a1, a2):
                if r0 <= epoch:
                    a.axvline(r0, color="tab:red", ls="--", lw=1)
        plt.setp(a1.get_xticklabels(), visible=False)
        fig.canvas.draw()
        frames.append(np.asarray(fig.canvas.buffer_rgba())[..., :3].copy())
        plt.close(fig)
    return np.stack(frames)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=enc._int(0), default=0)
    ap.add_argument("--outdir", default=HERE, help="directory of encoder_8_3_8.gif")
    ap.add_argument("--frames", type=enc._int(2), default=48, help="frames before the hold")
    ap.add_argument("--ms", type=enc._int(20), default=120, help="milliseconds per frame")
    a = ap.parse_args(argv)
    if not (os.path.isdir(a.outdir) and os.access(a.outdir, os.W_OK)):
        ap.error(f"argument --outdir: {a.outdir} is not a writable directory")
    frames = frames_of(a.seed, a.frames)
    path = os.path.join(a.outdir, "encoder_8_3_8.gif")
    tmp = os.path.join(a.outdir, ".encoder_8_3_8.tmp.gif")
    try:
        ms = [a.ms] * (len(frames) - 1) + [a.ms * 15]     # hold the final frame
        iio.imwrite(tmp, frames, duration=ms, loop=0)
        os.replace(tmp, path)
    except OSError as e:
        sys.exit(f"error: cannot write the GIF into --outdir {a.outdir}: {e.strerror or e}")
    print(f"{path}: {len(frames)} frames, {os.path.getsize(path) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
