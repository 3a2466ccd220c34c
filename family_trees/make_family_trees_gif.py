"""family_trees.gif: the 6 person units' incoming weights taking shape over training.

One network (--seed, rescued settings init +-1.0, eps2 0.1 unless --paper), drawn every
--every sweeps as the Hinton diagrams of visualize_family_trees.py (English row above Italian,
people in tree order), with the eta^2 of each unit for nationality, generation and branch.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imageio.v3 as iio  # noqa: E402
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import family_trees as ft  # noqa: E402
import visualize_family_trees as viz  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description="GIF of the person units over training")
    p.add_argument("--seed", type=ft._int_min(0, "--seed"), default=0)
    p.add_argument("--outdir", default=os.path.dirname(os.path.abspath(__file__)))
    p.add_argument("--every", type=ft._int_min(1, "--every"), default=40,
                   help="sweeps between frames")
    p.add_argument("--paper", action="store_true", help="paper schedule instead of the rescue")
    a = p.parse_args(argv)
    if not os.path.isdir(a.outdir) or not os.access(a.outdir, os.W_OK):
        p.error(f"argument --outdir: {a.outdir} is not a writable directory")
    data = ft.build_dataset()
    cfg = ft.default_config(**({} if a.paper else ft.RESCUE))
    per_seed, ex = ft.run_split([a.seed], cfg, data, snapshot_every=a.every)
    snaps = ex["snaps"]
    vmax = max(max(np.abs(W[0]).max(), np.abs(b[0]).max()) for _, W, b in snaps)
    frames = []
    for step, W, b in snaps:
        codes = ft.sigmoid(W[0] + b[0][None, :])
        fig = viz.person_unit_figure(W[0], b[0], viz.eta_table(codes),
                                     f"seed {a.seed}, {'paper' if a.paper else 'rescued'} settings",
                                     step=step, vmax=vmax)
        fig.set_dpi(70)
        fig.canvas.draw()
        frames.append(np.asarray(fig.canvas.buffer_rgba())[..., :3].copy())
        plt.close(fig)
    frames += [frames[-1]] * 8                       # hold the final state
    path = os.path.join(a.outdir, "family_trees.gif")
    tmp = os.path.join(a.outdir, ".family_trees.tmp.gif")
    iio.imwrite(tmp, np.stack(frames), duration=150, loop=0)
    os.replace(tmp, path)
    m = per_seed[0]
    print(f"wrote {path}: {len(frames)} frames; seed {a.seed} test {m['test_correct']}/4 "
          f"train {m['train_correct']}/100")
    return 0


if __name__ == "__main__":
    sys.exit(main())
