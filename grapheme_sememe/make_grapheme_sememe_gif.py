"""Animated GIF: the held-out meanings degrading and recovering through the four stages.

Top: the 30 sememe outputs for each of the 2 held-out words (bars) against their targets
(grey). Bottom: bit accuracy of the trained 18 and the held-out 2 over the whole protocol, with
a marker at the current frame. Writes grapheme_sememe.gif (default backprop configuration).

Usage: python3 make_grapheme_sememe_gif.py [--seed 0] [--outdir .] [--algo backprop]
"""
import argparse
import os
import sys

import matplotlib
matplotlib.use("Agg")
import imageio.v3 as iio  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import grapheme_sememe as gs  # noqa: E402

FIGSIZE, DPI = (8, 5.6), 80
C_TR, C_HO = "#1f77b4", "#d62728"


def frame_plan(n_train, R):
    """(stage, index) per frame: ~16 training frames, 4 damage, R+1 relearning (<= 26), 5 test."""
    tr = np.unique(np.round(np.geomspace(1, n_train, 16)).astype(int) - 1)
    rl = np.unique(np.round(np.linspace(0, R, min(R + 1, 26))).astype(int))
    return ([("train", int(i)) for i in tr] + [("damage", 0)] * 4
            + [("relearn", int(i)) for i in rl] + [("test", R)] * 5)


def render(fig, res, stage, i, tr_trace, rl_trace):
    fig.clf()
    held, words, T = res["held"][0], res["datas"][0]["words"], res["T"][0]
    tc = res["train_curve"][0, :res["used"][0] + 1]
    rc = res["relearn_curve"][0]
    n1 = len(tc)
    Y = (tr_trace[i] if stage == "train" else rl_trace[i])[0]
    label = {"train": f"1  training all 20, cycle {i}",
             "damage": "2  damage: noise added to every weight",
             "relearn": f"3  relearning the 18 only, cycle {i}",
             "test": "4  test the 2 never relearned"}[stage]
    gsp = fig.add_gridspec(3, 2, height_ratios=[1, 1, 1.2], hspace=0.7)
    x = np.arange(gs.N_OUT)
    for r, w in enumerate(held):
        ax = fig.add_subplot(gsp[r, :])
        ax.bar(x, T[w], 0.8, color="#cccccc", label="target")
        ok = (Y[w] > 0.5) == (T[w] > 0.5)
        ax.bar(x, Y[w], 0.45, color=np.where(ok, "#2ca02c", C_HO))
        ax.axhline(0.5, color="k", lw=0.5, ls=":")
        ax.set_ylim(0, 1.05)
        ax.set_xticks([])
        ax.set_yticks([0, 1])
        ax.set_title(f"held-out '{words[w]}': {100 * ok.mean():.0f}% of bits right "
                     "(green right, red wrong, grey target)", fontsize=9)
    ax = fig.add_subplot(gsp[2, :])
    gap = 6
    xr = n1 + gap + np.arange(len(rc)) * max(1.0, 0.8 * n1 / max(1, len(rc) - 1))
    for col, c, lab in ((0, C_TR, "trained 18"), (1, C_HO, "held-out 2")):
        ax.plot(np.arange(n1), 100 * tc[:, col], color=c, lw=1.2, label=lab)
        ax.plot([n1 - 1, xr[0]], [100 * tc[-1, col], 100 * rc[0, col]], color=c, lw=1, ls=":")
        ax.plot(xr, 100 * rc[:, col], color=c, lw=1.6)
    xpos = {"train": i, "damage": (n1 - 1 + xr[0]) / 2, "relearn": xr[min(i, len(xr) - 1)],
            "test": xr[-1]}[stage]
    ax.axvline(xpos, color="k", lw=1.2)
    ax.axvspan(n1 - 1, xr[0], color="#999999", alpha=0.25)
    ax.set_ylim(40, 103)
    ax.set_xticks([0, n1 - 1, xr[-1]])
    ax.set_xticklabels(["train 0", f"{n1 - 1} | damage | relearn 0", f"relearn {len(rc) - 1}"],
                       fontsize=7)
    ax.set_ylabel("bit acc (%)", fontsize=8)
    ax.legend(fontsize=7, loc="lower left")
    fig.suptitle(label, fontsize=11, x=0.02, ha="left")


def main(argv=None):
    ap = argparse.ArgumentParser(description="GIF of the held-out meanings through the protocol")
    ap.add_argument("--seed", type=gs._type(int, 0), default=0)
    ap.add_argument("--outdir", default=HERE)
    ap.add_argument("--algo", choices=("backprop", "boltzmann"), default="backprop")
    ap.add_argument("--ms", type=gs._type(int, 20), default=160, help="milliseconds per frame")
    args = ap.parse_args(argv)
    if not os.path.isdir(args.outdir) or not os.access(args.outdir, os.W_OK):
        ap.error(f"argument --outdir: cannot write to {args.outdir}")
    cfg = gs.parse_config(["--algo", args.algo])[2]
    res = gs.run_batch([args.seed], cfg, trace=True)
    tr_trace = res["trace"]["train"] + [res["Y"]["post_train"]]
    rl_trace = res["trace"]["relearn"]
    fig = plt.figure(figsize=FIGSIZE, dpi=DPI)
    frames = []
    for stage, i in frame_plan(len(tr_trace), len(rl_trace) - 1):
        render(fig, res, stage, i, tr_trace, rl_trace)
        fig.canvas.draw()
        frames.append(np.asarray(fig.canvas.buffer_rgba())[..., :3].copy())
    plt.close(fig)
    path = os.path.join(args.outdir, "grapheme_sememe.gif")
    tmp = os.path.join(args.outdir, ".grapheme_sememe.tmp.gif")
    iio.imwrite(tmp, np.stack(frames), duration=args.ms, loop=0)
    os.replace(tmp, path)
    print(f"wrote {path} ({len(frames)} frames, {os.path.getsize(path) / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
