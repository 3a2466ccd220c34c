"""family_trees.gif: the 6 person units' weights taking shape during training.

One network (--seed, the rescued settings init 1.0, eps2 0.1; --paper for the paper's
schedule), drawn every --every sweeps as the Hinton diagrams of visualize_family_trees.py
(English row above Italian, people in tree order, bias on the right) on one fixed scale, with
each unit's eta^2 for nationality, generation and branch.
"""
import argparse
import os
import sys

import imageio.v3 as iio
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import family_trees as ft  # noqa: E402
import studies_family_trees as st  # noqa: E402
import visualize_family_trees as viz  # noqa: E402

HOLD = 8          # extra frames showing the final state
FRAME_MS = 150    # milliseconds per frame


def build_parser():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=ft.number(int, "[0, 1e18]"), default=0,
                    help="seed of the network (default 0)")
    ap.add_argument("--outdir", type=viz.output_dir, default=HERE, metavar="DIR",
                    help="where family_trees.gif goes (default: this folder)")
    ap.add_argument("--every", type=ft.number(int, f"[10, {ft.SWEEPS}]"), default=50,
                    help="sweeps between frames (10 to 1500, default 50)")
    ap.add_argument("--paper", action="store_true",
                    help="the paper's schedule instead of the rescue (it stays on the plateau)")
    return ap


def main(argv=None):
    a = build_parser().parse_args(argv)
    cfg = st.PAPER if a.paper else st.RESCUED
    test, params, order = ft.draw_seed(a.seed, cfg)
    mask = ft.masks([test])
    snaps = []
    ft.train(ft.stack([params]), mask, cfg, monitor=lambda t, p: snaps.append(
        (t, np.vstack([p["Wp"][0], p["bp"][0]]), ft.evaluate(p, mask)[1][0])), every=a.every)
    vmax = max(np.abs(w).max() for _, w, _ in snaps)
    frames = []
    for t, w, ok in snaps:
        title = (f"seed {a.seed}, {'paper' if a.paper else 'rescued'} settings, sweep {t}: "
                 f"train {int(ok[mask[0] > 0].sum())}/100, test {int(ok[test].sum())}/4")
        fig = viz.person_unit_figure(w, title, vmax=vmax, dpi=70)
        fig.canvas.draw()
        frames.append(np.asarray(fig.canvas.buffer_rgba())[..., :3].copy())
        plt.close(fig)
    frames += [frames[-1]] * HOLD
    path = os.path.join(a.outdir, "family_trees.gif")
    ft.atomic_write(path, lambda tmp: iio.imwrite(tmp, np.stack(frames), duration=FRAME_MS,
                                                  loop=0, extension=".gif"), ".gif")
    print(f"wrote {path}: {len(frames)} frames")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.stderr.write("\nmake_family_trees_gif.py: interrupted\n")
        sys.exit(130)
