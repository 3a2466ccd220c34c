"""Animated GIF: the two held-out meanings through damage, relearning of the other 18, and test.

Top: the 30 sememe outputs of each held-out word (bars: green right side of 0.5, red wrong)
against its meaning (grey), and which of the 20 meanings is nearest. Bottom: held-out bits and
words over the protocol, with a marker at the current frame. Default: the Boltzmann machine
(the chapter's learner), seed 0; writes grapheme_sememe.gif.
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
import visualize_grapheme_sememe as viz  # noqa: E402

FIGSIZE, DPI = (8, 5.6), 80
C_HO, C_OK = "#d62728", "#2ca02c"


def frame_plan(R):
    """(stage, relearning cycle) per frame: every cycle up to 10, then every other one."""
    cycles = sorted(set(range(min(R, 10) + 1)) | set(range(10, R + 1, 2)) | {R})
    return ([("train", 0)] * 3 + [("damage", 0)] * 3 + [("relearn", c) for c in cycles]
            + [("test", R)] * 5)


def render(fig, state, res, stage, c):
    fig.clf()
    T, words, held = state["T"][0], state["words"][0], state["held"][0]
    Y = (state["Y_train"] if stage == "train" else res["Y"][c])[0]
    title = {"train": "1  after training on all 20 words",
             "damage": "2  damage: noise added to every weight",
             "relearn": f"3  relearning the other 18 words only: cycle {c}",
             "test": "4  test: the 2 words never relearned"}[stage]
    grid = fig.add_gridspec(3, 1, height_ratios=[1, 1, 1.2], hspace=0.75)
    x = np.arange(gs.N_OUT)
    for r, i in enumerate(held):
        ax = fig.add_subplot(grid[r])
        ok = (Y[i] > 0.5) == (T[i] > 0.5)
        ax.bar(x, T[i], 0.8, color="#cccccc")
        ax.bar(x, Y[i], 0.45, color=np.where(ok, C_OK, C_HO))
        ax.axhline(0.5, color="k", lw=0.5, ls=":")
        ax.set_ylim(0, 1.05)
        ax.set_xticks([])
        ax.set_yticks([0, 1])
        near = int(np.argmin(((Y[i] - T) ** 2).sum(-1)))
        ax.set_title(f"held-out '{words[i]}': {100 * ok.mean():.0f}% of bits right; nearest "
                     f"meaning: '{words[near]}' ({'right' if near == i else 'wrong'})",
                     fontsize=9, color="k" if near == i else C_HO)
    ax = fig.add_subplot(grid[2])
    R = len(res["Y"]) - 1
    xs = np.r_[-3, np.arange(R + 1)]
    for key, ls, label in (("heldout_bit_acc", "-", "held-out bits"),
                           ("heldout_word_id", "--", "held-out words")):
        ax.plot(xs, 100 * np.r_[state["train_scores"][key][0], res["curve"][key][0]], ls,
                color=C_HO, label=label)
    ax.axvspan(-3, 0, color="#999999", alpha=0.25)
    ax.axvline({"train": -3, "damage": -1.5}.get(stage, c), color="k", lw=1.2)
    ax.set_ylim(-3, 105)
    ax.set_xlabel("relearning cycle (grey: damage)", fontsize=8)
    ax.set_ylabel("% correct", fontsize=8)
    ax.legend(fontsize=7, loc="lower right")
    fig.suptitle(title, fontsize=11, x=0.02, ha="left")


def build_parser():
    ap = argparse.ArgumentParser(description="GIF of the held-out meanings through the protocol")
    ap.add_argument("--seed", type=gs.checked(int, 0), default=0)
    ap.add_argument("--outdir", type=viz.output_dir, default=HERE, metavar="DIR")
    ap.add_argument("--algo", choices=tuple(gs.LEARNERS), default="boltzmann")
    ap.add_argument("--ms", type=gs.checked(int, 20, 2000), default=180,
                    help="milliseconds per frame")
    return ap


def main(argv=None):
    a = build_parser().parse_args(argv)
    cfg = gs.parse_config(["--algo", a.algo])[1]
    with np.errstate(over="ignore", under="ignore"):
        state = gs.train(gs.setup([a.seed], cfg), cfg)
        res = gs.damage_and_relearn(state, cfg, trace=True)
    fig = plt.figure(figsize=FIGSIZE, dpi=DPI)
    frames = []
    for stage, c in frame_plan(cfg["relearn_cycles"]):
        render(fig, state, res, stage, c)
        fig.canvas.draw()
        frames.append(np.asarray(fig.canvas.buffer_rgba())[..., :3].copy())
    plt.close(fig)
    path = os.path.join(a.outdir, "grapheme_sememe.gif")
    gs.atomic_write(path, lambda tmp: iio.imwrite(tmp, np.stack(frames), duration=a.ms, loop=0),
                    ".gif")
    print(f"wrote {path} ({len(frames)} frames, {os.path.getsize(path) / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.stderr.write("\nmake_grapheme_sememe_gif.py: interrupted\n")
        sys.exit(130)
