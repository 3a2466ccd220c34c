"""Static figures for grapheme_sememe into viz/*.png.

timeline.png         seed 0, both learners: held-out and trained bits and words through damage
                     and relearning
reconstructions.png  seed 0, both learners: the two held-out words' 30 outputs after training,
                     damage and relearning, against their meanings
weights.png          Hinton diagrams of the backprop weights after 50% permanent zeroing, and
                     the noise the default damage adds
recovery_bars.png    100-seed means (95% intervals) of held-out and trained bits and words at
                     the three points, both learners (axes from 0)
dose_response.png    share of the loss regained (bits, words) against damage size and
                     relearning length, both learners, with the shrink control
heatmap.png          share of the lost bits regained over damage size x relearning length,
                     one colour scale for every panel
conditions.png       per-seed recovery for every learner x meaning kind x damage model

The last four are drawn from results/*.json (written by grapheme_sememe.py --sweep 100 --json and
studies_grapheme_sememe.py {dose,conditions} --json); --recompute reruns them (minutes).
"""
import argparse
import json
import os
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import grapheme_sememe as gs  # noqa: E402
import studies_grapheme_sememe as studies  # noqa: E402

DPI = 110
C_TR, C_HO, C_BM = "#1f77b4", "#d62728", "#2ca02c"
RESULTS = os.path.join(HERE, "results")
RECOMPUTE_SEEDS = 100                   # seeds of the sweeps and studies --recompute reruns
INPUTS = {"bp_sweep": ("backprop_sweep100.json", ("summary", "per_seed")),
          "bm_sweep": ("boltzmann_sweep100.json", ("summary", "per_seed")),
          "dose": ("dose.json", ("rows", "lengths", "noise_sizes", "shrink_sizes")),
          "conditions": ("conditions.json", ("rows",))}


def input_file(keys):
    """argparse type: a JSON file written by this folder's scripts, with these keys."""
    def f(text):
        try:
            with open(text, encoding="utf-8") as fh:
                d = json.load(fh)
        except (OSError, ValueError) as e:
            raise argparse.ArgumentTypeError(f"cannot read {text}: {e}")
        if not isinstance(d, dict) or any(k not in d for k in keys):
            raise argparse.ArgumentTypeError(f"{text} lacks one of {', '.join(keys)}")
        return d
    return f


def output_dir(text):
    """argparse type: a directory (made if missing) in which a file can be created."""
    try:
        os.makedirs(text, exist_ok=True)
        os.close(os.open(os.path.join(text, ".check"), os.O_CREAT | os.O_WRONLY, 0o644))
        os.remove(os.path.join(text, ".check"))
    except OSError as e:
        raise argparse.ArgumentTypeError(f"cannot write into {text}: {e.strerror}")
    return text


def save(fig, outdir, name):
    """PNG written atomically with mode 0644."""
    try:
        gs.atomic_write(os.path.join(outdir, name),
                        lambda tmp: fig.savefig(tmp, dpi=DPI, bbox_inches="tight"), ".png")
    finally:
        plt.close(fig)
    print("wrote", os.path.join(outdir, name))


def run_seed(algo, seed, *flags):
    cfg = gs.parse_config(["--algo", algo, *flags])[1]
    state, res = gs.run_batch([seed], cfg)
    return cfg, state, res


def fig_timeline(outdir, runs):
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, (algo, (cfg, state, res)) in zip(axes, runs.items()):
        c, R = res["curve"], cfg["relearn_cycles"]
        x = np.arange(R + 1)
        for key, color, label in (("heldout", C_HO, "held-out 2"), ("trained", C_TR, "trained 18")):
            pre = state["train_scores"]
            for sc, ls in (("bit_acc", "-"), ("word_id", "--")):
                y = 100 * c[f"{key}_{sc}"][0]
                ax.plot(np.r_[-4, x], np.r_[100 * pre[f"{key}_{sc}"][0], y], ls, color=color,
                        lw=1.8 if key == "heldout" else 1.2,
                        label=f"{label}, {'bits' if sc == 'bit_acc' else 'words'}")
        ax.axvspan(-4, 0, color="#999999", alpha=0.25)
        ax.text(-2, 3, "damage", ha="center", fontsize=8, rotation=90)
        ax.set_ylim(0, 104)
        ax.set_xlim(-5, R + 1)
        ax.set_xlabel("relearning cycle (the 18 only); left of the grey band: after training")
        m = gs.seed_metrics(state, res, 0, cfg)
        ax.set_title(f"{algo}, seed {state['seeds'][0]}: held-out words "
                     f"{2 * m['heldout_word_id_post_train']:.0f} -> "
                     f"{2 * m['heldout_word_id_post_damage']:.0f} -> "
                     f"{2 * m['heldout_word_id_post_relearn']:.0f} of 2", fontsize=10)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("% correct (bits: right side of 0.5; words: nearest meaning)")
    axes[1].legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    save(fig, outdir, "timeline.png")


def fig_reconstructions(outdir, runs):
    fig, axes = plt.subplots(4, 1, figsize=(10, 9), sharex=True)
    x, w = np.arange(gs.N_OUT), 0.2
    row = 0
    for algo, (cfg, state, res) in runs.items():
        Ys = {"after training": state["Y_train"][0], "after damage": res["Y"][0][0],
              "after relearning": res["Y"][-1][0]}
        for i in state["held"][0]:
            ax = axes[row]
            T = state["T"][0, i]
            ax.bar(x - 1.5 * w, T, w, color="#999999", label="meaning")
            for k, ((label, Y), col) in enumerate(zip(Ys.items(), ("#2ca02c", "#ff7f0e",
                                                                   "#9467bd"))):
                near = np.argmin(((Y[i] - state["T"][0]) ** 2).sum(-1)) == i
                ax.bar(x + (k - 0.5) * w, Y[i], w, color=col, label=f"{label} "
                       f"({100 * ((Y[i] > 0.5) == (T > 0.5)).mean():.0f}% bits, word "
                       f"{'right' if near else 'wrong'})")
            ax.axhline(0.5, color="k", lw=0.5, ls=":")
            ax.set_ylim(0, 1.45)
            ax.set_ylabel("output")
            ax.set_title(f"{algo}: held-out word '{state['words'][0][i]}' (never relearned)",
                         fontsize=9, loc="left")
            ax.legend(fontsize=7, ncol=4, loc="upper right")
            row += 1
    axes[-1].set_xlabel("sememe unit")
    fig.tight_layout()
    save(fig, outdir, "reconstructions.png")


def hinton(ax, W, marked=None, title=""):
    """Hinton diagram: square area ~ |w|, red positive, blue negative; marked entries get x."""
    ax.set_facecolor("#eeeeee")
    big = np.abs(W).max() or 1.0
    for (i, j), v in np.ndenumerate(W):
        s = np.sqrt(abs(v) / big)
        ax.add_patch(plt.Rectangle((j - s / 2, i - s / 2), s, s,
                                   color="#c0392b" if v > 0 else "#2c6fbb"))
        if marked is not None and marked[i, j]:
            ax.plot(j, i, "x", color="k", ms=3, mew=0.7)
    ax.set_xlim(-0.7, W.shape[1] - 0.3)
    ax.set_ylim(W.shape[0] - 0.3, -0.7)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=9)


def fig_weights(outdir, seed, noise_run):
    cfg, state, res = run_seed("backprop", seed, "--damage", "zero", "--fraction", "0.5",
                               "--permanent")
    fig, axes = plt.subplots(2, 2, figsize=(11, 9))
    p, lesioned = res["p_rel"], {k: state["cut"][k][0] < cfg["fraction"] for k in ("W1", "W2")}
    hinton(axes[0, 0], p["W1"][0].T, lesioned["W1"].T, "W1 (hidden x grapheme) after "
           "relearning; x = zeroed, held at 0")
    hinton(axes[0, 1], p["W2"][0].T, lesioned["W2"].T, "W2 (sememe x hidden) after "
           "relearning; x = zeroed, held at 0")
    ncfg, nstate, nres = noise_run
    W2 = nstate["trained_params"]["W2"][0]
    hinton(axes[1, 0], W2.T, None, "trained W2 (the default backprop run)")
    hinton(axes[1, 1], (nres["p_dam"]["W2"][0] - W2).T, None,
           f"noise added to W2 (uniform, {ncfg['noise_scale']:g} x RMS, every weight)")
    fig.suptitle(f"seed {seed}, backprop: 50% of the weights zeroed permanently (top) and the "
                 "default noise damage (bottom); same scale within each diagram", fontsize=10)
    fig.tight_layout()
    save(fig, outdir, "weights.png")


def fig_bars(outdir, sweeps):
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    x = np.arange(3)
    for ax, (algo, d) in zip(axes, sweeps.items()):
        s = d["summary"]
        for off, key, color, label in ((-0.3, "heldout_bit_acc", C_HO, "held-out 2, bits"),
                                       (-0.1, "heldout_word_id", "#ff9896", "held-out 2, words"),
                                       (0.1, "trained_bit_acc", C_TR, "trained 18, bits"),
                                       (0.3, "trained_word_id", "#aec7e8", "trained 18, words")):
            v = [100 * s[f"{key}_{st}"]["mean"] for st in gs.STAGES]
            err = [100 * (s[f"{key}_{st}"]["ci95"][1] - s[f"{key}_{st}"]["mean"])
                   for st in gs.STAGES]
            ax.bar(x + off, v, 0.2, yerr=err, color=color, capsize=2, label=label)
            for xi, vi, ei in zip(x + off, v, err):
                ax.text(xi, vi + ei + 1.5, f"{vi:.0f}", ha="center", fontsize=7)
        ax.set_xticks(x)
        ax.set_xticklabels(["after training", "after damage", "after relearning the 18"])
        ax.set_ylim(0, 112)
        sh, wsh = s["share_regained"], s["word_share_regained"]
        ax.set_title(f"{algo}, {len(d['per_seed'])} seeds\nshare of the loss regained: "
                     f"bits {sh['value']:.2f}, words {wsh['value']:.2f}", fontsize=10)
    axes[0].set_ylabel("% correct (mean, 95% interval)")
    axes[0].legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    save(fig, outdir, "recovery_bars.png")


def dose_rows(dose, algo, damage):
    return [r for r in dose["rows"] if r["algo"] == algo and r["damage"] == damage]


def share_points(cells):
    v = np.array([np.nan if c["value"] is None else c["value"] for c in cells])
    lo = np.array([np.nan if c["value"] is None else c["ci95"][0] for c in cells])
    hi = np.array([np.nan if c["value"] is None else c["ci95"][1] for c in cells])
    return v, lo, hi


def fig_dose(outdir, dose):
    L = dose["lengths"]
    at = L.index(gs.RELEARN_CYCLES)
    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    for row, key, what in ((0, "share", "bits"), (1, "word_share", "words")):
        ax = axes[row, 0]
        for algo, color in (("backprop", C_TR), ("boltzmann", C_BM)):
            for damage, ls in (("noise", "-o"), ("shrink", "--s")):
                rows = dose_rows(dose, algo, damage)
                v, lo, hi = share_points([r["curve"][key][at] for r in rows])
                sizes = [r["size"] for r in rows]
                ax.plot(sizes, v, ls, color=color, ms=4, label=f"{algo}, {damage}")
                ax.fill_between(sizes, lo, hi, color=color, alpha=0.12)
        ax.axhline(0, color="k", lw=0.6)
        ax.set_ylim(max(ax.get_ylim()[0], -3), min(ax.get_ylim()[1], 1.5))
        ax.set_xlabel("damage size (noise: x RMS of the weights; shrink: w -> (1 - s) w)")
        ax.set_ylabel(f"share of the lost held-out {what} regained")
        ax.set_title(f"after {gs.RELEARN_CYCLES} relearning cycles", fontsize=10)
        ax = axes[row, 1]
        for algo, color in (("backprop", C_TR), ("boltzmann", C_BM)):
            head = gs.LEARNERS[algo]["noise_scale"]
            for damage, size, ls in (("noise", head, "-o"), ("shrink", 0.5, "--s")):
                r = [r for r in dose_rows(dose, algo, damage) if r["size"] == size][0]
                v, lo, hi = share_points(r["curve"][key])
                ax.plot(L, v, ls, color=color, ms=4, label=f"{algo}, {damage} {size:g}")
                ax.fill_between(L, lo, hi, color=color, alpha=0.12)
        ax.axhline(0, color="k", lw=0.6)
        ax.set_xscale("log")
        ax.set_xticks(L)
        ax.set_xticklabels(L)
        ax.set_xlabel("relearning cycles")
        ax.set_title("at each learner's headline noise, and shrink 0.5", fontsize=10)
        ax.legend(fontsize=8)
    axes[0, 0].legend(fontsize=8)
    n = len(dose["seeds"])
    fig.suptitle(f"dose-response, {n} seeds per point (95% intervals shaded; words need a "
                 "loss to regain, so small damage has no word point)", fontsize=10)
    fig.tight_layout()
    save(fig, outdir, "dose_response.png")


def fig_heatmap(outdir, dose):
    panels = [(a, d) for a in ("backprop", "boltzmann") for d in ("noise", "shrink")]
    grids = {p: np.array([share_points(r["curve"]["share"])[0] for r in dose_rows(dose, *p)])
             for p in panels}
    lim = 1.0                       # shares beyond +-1 (tiny losses) saturate the colour
    fig, axes = plt.subplots(2, 2, figsize=(13, 9), gridspec_kw={"hspace": 0.35})
    for ax, (algo, damage) in zip(axes.ravel(), panels):
        G = grids[(algo, damage)]
        im = ax.imshow(G, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
        for (i, j), v in np.ndenumerate(G):
            ax.text(j, i, "n/a" if np.isnan(v) else f"{v:+.2f}", ha="center", va="center",
                    fontsize=10, color="w" if abs(v) > 0.6 else "k")
        ax.set_xticks(range(len(dose["lengths"])))
        ax.set_xticklabels(dose["lengths"])
        sizes = [r["size"] for r in dose_rows(dose, algo, damage)]
        ax.set_yticks(range(len(sizes)))
        ax.set_yticklabels([f"{s:g}" for s in sizes])
        ax.set_xlabel("relearning cycles")
        ax.set_ylabel("noise (x RMS)" if damage == "noise" else "shrink s")
        ax.set_title(f"{algo}, {damage}", fontsize=10)
    fig.colorbar(im, ax=axes, shrink=0.6, label="share of the lost held-out bits regained")
    fig.suptitle(f"share of the loss regained, {len(dose['seeds'])} seeds per cell; one colour "
                 f"scale for all four panels, -{lim:g} to +{lim:g} (beyond it saturates);\n"
                 "n/a: less than one of the 60 held-out bits lost per seed on average",
                 fontsize=11)
    save(fig, outdir, "heatmap.png")


def fig_conditions(outdir, cond):
    rows = cond["rows"]
    fig, ax = plt.subplots(figsize=(15, 5))
    data = [r["per_seed_recovery_pp"] for r in rows]
    v = ax.violinplot(data, np.arange(len(rows)), widths=0.7, showmeans=True)
    for b, r in zip(v["bodies"], rows):
        b.set_color(C_BM if r["algo"] == "boltzmann" else C_TR)
        b.set_alpha(0.45)
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xticks(np.arange(len(rows)))
    def label(r):
        dmg = (f"noise {r['noise_scale']:g}*" if "headline" in r["damage"] else
               r["damage"].replace(" x RMS", "").replace(", permanent", " perm."))
        sh = r["summary"]["share_regained"]["value"]
        return (f"{'bp' if r['algo'] == 'backprop' else 'BM'} {r['sememes'][:5]}\n{dmg}\n"
                + ("n/a" if sh is None else f"{sh:.2f}"))
    ax.set_xticklabels([label(r) for r in rows], fontsize=7)
    ax.set_ylabel("recovery of the held-out 2 (pp of bits)")
    ax.set_title(f"per-seed recovery, {len(cond['seeds'])} seeds per condition (blue backprop, "
                 "green Boltzmann; bar = mean; * = the learner's headline noise); under each: "
                 "the share of the lost bits regained", fontsize=10)
    fig.tight_layout()
    save(fig, outdir, "conditions.png")


def build_parser():
    ap = argparse.ArgumentParser(description="static figures for grapheme_sememe")
    ap.add_argument("--seed", type=gs.checked(int, 0), default=0, help="seed of the single runs")
    ap.add_argument("--outdir", type=output_dir, default=os.path.join(HERE, "viz"), metavar="DIR",
                    help="where the PNGs go")
    for name, (fname, keys) in INPUTS.items():
        ap.add_argument(f"--{name.replace('_', '-')}-json", type=input_file(keys), default=None,
                        metavar="FILE", help=f"results to draw (default results/{fname})")
    ap.add_argument("--recompute", action="store_true",
                    help="rerun the 100-seed sweeps and studies instead (several minutes)")
    return ap


def main(argv=None):
    ap = build_parser()
    a = ap.parse_args(argv)
    given = [n for n in INPUTS if getattr(a, f"{n}_json") is not None]
    if a.recompute and given:
        ap.error(f"argument --recompute: not allowed with --{given[0].replace('_', '-')}-json")
    data = {}
    for name, (fname, keys) in INPUTS.items():
        if getattr(a, f"{name}_json") is not None:
            data[name] = getattr(a, f"{name}_json")
        elif not a.recompute:
            try:
                data[name] = input_file(keys)(os.path.join(RESULTS, fname))
            except argparse.ArgumentTypeError as e:
                ap.error(f"argument --{name.replace('_', '-')}-json: {e} (or use --recompute)")
    if a.recompute:
        seeds, quiet = list(range(RECOMPUTE_SEEDS)), gs.Progress(False)
        for algo in ("backprop", "boltzmann"):
            cfg = gs.parse_config(["--algo", algo])[1]
            state, res = gs.run_batch(seeds, cfg)
            per = [gs.seed_metrics(state, res, s, cfg) for s in range(len(seeds))]
            data["bp_sweep" if algo == "backprop" else "bm_sweep"] = {
                "summary": gs.summarize(per), "per_seed": per}
        data["dose"] = dict(studies.study_dose(seeds, quiet), seeds=seeds)
        data["conditions"] = dict(studies.study_conditions(seeds, quiet), seeds=seeds)
    runs = {algo: run_seed(algo, a.seed) for algo in ("backprop", "boltzmann")}
    with np.errstate(over="ignore", under="ignore"):
        fig_timeline(a.outdir, runs)
        fig_reconstructions(a.outdir, runs)
        fig_weights(a.outdir, a.seed, runs["backprop"])
        fig_bars(a.outdir, {"backprop": data["bp_sweep"], "boltzmann": data["bm_sweep"]})
        fig_dose(a.outdir, data["dose"])
        fig_heatmap(a.outdir, data["dose"])
        fig_conditions(a.outdir, data["conditions"])
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.stderr.write("\nvisualize_grapheme_sememe.py: interrupted\n")
        sys.exit(130)
