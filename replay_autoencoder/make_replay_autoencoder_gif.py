#!/usr/bin/env python3
"""GIF of replay chains moving through the H = 2 latent map, from noise to attractors.

Trains the --seed's H = 2 teacher of run 0 (identical to run 0 of the default run),
then runs 40 replay chains (Algorithm 1) from uniform noise without injected noise
(left) and with N(0, sigma^2) noise (right, default sigma = 0.5, the thesis's value)
and draws the hidden code of every chain state over the decoder's latent map.
Writes replay_autoencoder/replay_autoencoder.gif.
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
import replay_autoencoder as ra  # noqa: E402
import studies_replay_autoencoder as st  # noqa: E402
import visualize_replay_autoencoder as viz  # noqa: E402


def chain_states(params, seed, n_chains, steps, mu, sigma):
    """States x_0..x_steps of n_chains replay chains of the single model params."""
    rng = np.random.default_rng([seed, 2, 99])
    x = rng.random((1, n_chains, ra.N_ATTR))
    z = rng.standard_normal((steps, 1, n_chains, ra.N_ATTR))
    states = [x]
    for t in range(steps):
        x = np.clip(ra.predict(params, x) + mu + sigma * z[t], 0.0, 1.0)
        states.append(x)
    return np.stack(states)[:, 0]                                  # (steps + 1, n, D)


def build_parser():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=ra.number(int, 0, 2 ** 32 - 1), default=0, help="random seed (default 0)")
    p.add_argument("--outdir", type=st.output_dir, default=HERE, metavar="DIR",
                   help="output directory (default: this folder)")
    p.add_argument("--sigma", type=ra.number(float, 0.0, 10.0), default=ra.THESIS_SIGMA,
                   help="replay noise of the right panel (default 0.5, the thesis's)")
    p.add_argument("--steps", type=ra.number(int, 1, 200), default=ra.STEPS,
                   help="chain length, one frame per step (default 25, at most 200)")
    p.add_argument("--quiet", action="store_true", help="print nothing")
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    parser = ra.build_parser()
    cfg = ra.config_from_args(parser.parse_args(["--scenario", "under"]), parser)
    hidden, epochs = cfg["scenarios"][0]
    with np.errstate(all="ignore"):
        teacher, _ = ra.train_teachers(args.seed, hidden, epochs, cfg, [0])
    panels = [(0.0, 0.0), (0.0, args.sigma)]
    chains = [chain_states(teacher, args.seed, 40, args.steps, mu, sg) for mu, sg in panels]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.6), dpi=80)
    for ax in axes:
        viz.draw_latent(ax, teacher, hidden, n=100, arrows=0)
    dots, trails = [], []
    for ax, (mu, sg) in zip(axes, panels):
        dots.append(ax.scatter([], [], s=22, edgecolor="k", linewidth=0.5, zorder=4))
        trails.append([ax.plot([], [], color="k", lw=0.5, alpha=0.5)[0] for _ in range(40)])
        ax.set_xlabel("hidden unit 1")
        ax.set_ylabel("hidden unit 2")
    frames = []
    for t in list(range(args.steps + 1)) + [args.steps] * 6:
        for k, (ax, states, (mu, sg)) in enumerate(zip(axes, chains, panels)):
            h = ra.encode(teacher, states[: t + 1])                # (t + 1, n, 2) codes
            lab = ra.nearest_item(states[t])
            dots[k].set_offsets(h[t])
            dots[k].set_facecolor(viz.COLORS[lab])
            for c, line in enumerate(trails[k]):
                line.set_data(h[max(0, t - 4): t + 1, c, 0], h[max(0, t - 4): t + 1, c, 1])
            prev = np.bincount(lab, minlength=8) / len(lab)
            top = ", ".join(f"{ra.ITEMS[i]} {prev[i]:.2f}" for i in np.argsort(-prev)[:3])
            ax.set_title(f"mu={mu:g}, sigma={sg:g}, step {t}\nnearest: {top}", fontsize=9)
        fig.suptitle("H = 2 teacher: replay chains from uniform noise (dots: hidden codes, "
                     "colour: nearest item)", fontsize=10)
        fig.canvas.draw()
        frames.append(np.asarray(fig.canvas.buffer_rgba())[..., :3].copy())
    plt.close(fig)
    path = os.path.join(args.outdir, "replay_autoencoder.gif")
    ra.write_atomic(path, lambda tmp: iio.imwrite(tmp, np.stack(frames), duration=250, loop=0,
                                                  extension=".gif"))
    if not args.quiet:
        print(f"wrote {path} ({len(frames)} frames, {os.path.getsize(path) / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.stderr.write("\nmake_replay_autoencoder_gif.py: interrupted\n")
        sys.exit(130)
