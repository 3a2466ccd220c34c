"""Studies beyond the chapter for grapheme_sememe (imports grapheme_sememe.py, never the reverse).

  conditions  every learner x meaning kind x damage model (100 seeds each): bits and words
              before damage / after damage / after relearning, the share of the loss regained
              with its 95% interval, the control, the fraction of seeds that reached criterion
  dose        dose-response: share of the loss regained (bits and words) against damage size
              (noise 0.25-1.5 x RMS, and the shrink control 0.1-0.9) and relearning length
              (1-50 cycles), both learners, 100 seeds
  boltzmann   the choices the chapter leaves open for its learner: annealing ending at T = 1 or
              1.5, links within the sememe layer, fixed-size vs proportional weight steps
  public      the public reproduction's setting (50% zeroed permanently, prototype meanings,
              weight decay, momentum 0.5, 50 cycles) and one change at a time
  fresh       the headline configuration of both learners on fresh seeds (100-399 backprop,
              100-199 Boltzmann), chosen after the defaults were fixed on seeds 0-99

Each study is one batched training per learner and meaning kind, followed by every damage
setting on copies of the trained weights and random streams. `--json PATH` writes the results
(committed under results/, which visualize_grapheme_sememe.py draws from).
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import grapheme_sememe as gs  # noqa: E402

LENGTHS = (1, 2, 5, 10, 20, 30, 50)
NOISE_SIZES = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5)
SHRINK_SIZES = (0.1, 0.3, 0.5, 0.7, 0.9)
STUDIES = ("conditions", "dose", "boltzmann", "public", "fresh")
PROTOTYPES, PROTO_K, PROTO_DENSITY, FLIP = 4, 2, 0.2, 0.05   # the public reproduction's meanings


def config(*flags, **over):
    """The main script's resolved configuration for these flags, then overrides (also keys
    that are not flags: sememes, density, weight_decay, bm_stat_sweeps, ...)."""
    cfg = dict(gs.parse_config(list(flags))[1], sememes="random")
    cfg.update(over)
    if "bm_schedule" in over:
        cfg["bm_temps"] = gs.parse_schedule(over["bm_schedule"])
    return cfg


def prototype_meanings(seed):
    """The public reproduction's construction: each meaning is the OR of PROTO_K of PROTOTYPES
    random prototypes (bit density PROTO_DENSITY), with FLIP of its bits flipped; 20 distinct,
    non-empty. Drawn from a generator of its own, so everything else about the seed stays."""
    rng = np.random.default_rng([seed, 1])
    while True:
        protos = rng.random((PROTOTYPES, gs.N_OUT)) < PROTO_DENSITY
        pick = np.stack([rng.choice(PROTOTYPES, PROTO_K, replace=False)
                         for _ in range(gs.N_WORDS)])
        T = protos[pick].any(axis=1) ^ (rng.random((gs.N_WORDS, gs.N_OUT)) < FLIP)
        if T.sum(1).min() > 0 and len({row.tobytes() for row in T}) == gs.N_WORDS:
            return T.astype(float)


def control_acc(Y, T, held):
    """Control for non-specific recovery: the held-out outputs' bit accuracy scored against
    each of the OTHER 19 meanings, averaged -> (S,). A drift of every output towards the
    typical meaning raises it as much as the true score; recovery of the held-out words
    themselves does not."""
    agree = ((Y > 0.5)[:, :, None] == (T > 0.5)[:, None]).mean(-1)          # (S, 20, 20)
    others = (agree.sum(-1) - np.diagonal(agree, axis1=1, axis2=2)) / (gs.N_WORDS - 1)
    return np.take_along_axis(others, held, axis=1).mean(1)


def meaning_overlap(T, held):
    """Mean cosine between the held-out meanings and the other 18."""
    others = np.setdiff1d(np.arange(gs.N_WORDS), held)
    a, b = T[held][:, None], T[others][None]
    return float(((a * b).sum(-1) / np.sqrt(a.sum(-1) * b.sum(-1))).mean())


def evaluate(state, cfg, progress, lengths=None):
    """Damage and relearn a trained state (on copies of its random streams); summary of the
    final point and, with lengths, of the relearning curve read at those cycles."""
    res = gs.damage_and_relearn(state, cfg, progress, fork=True)
    per = [gs.seed_metrics(state, res, s, cfg) for s in range(len(state["seeds"]))]
    ctl = [control_acc(Y, state["T"], state["held"]) for Y in
           (state["Y_train"], res["Y"][0], res["Y"][-1])]
    for s, m in enumerate(per):
        for st, c in zip(gs.STAGES, ctl):
            m[f"heldout_control_bit_acc_{st}"] = float(c[s])
        m["specific_recovery_pp"] = m["recovery_pp"] - 100 * (ctl[2][s] - ctl[1][s])
    summ = gs.summarize(per)
    row = {"summary": {k: summ[k] for k in ("share_regained", "word_share_regained",
                                            "frac_converged", "frac_recovery_positive",
                                            "frac_recovery_negative")},
           "per_seed_recovery_pp": [m["recovery_pp"] for m in per],
           "per_seed_bits_lost_pp": [m["bits_lost_pp"] for m in per]}
    for k, v in summ.items():
        if isinstance(v, dict) and "mean" in v:
            row["summary"][k] = {"mean": v["mean"], "ci95": v["ci95"], "std": v["std"]}
    overlap = np.array([meaning_overlap(state["T"][s], state["held"][s])
                        for s in range(len(per))])
    rec = np.array(row["per_seed_recovery_pp"])
    row["corr_recovery_meaning_overlap"] = (float(np.corrcoef(overlap, rec)[0, 1])
                                            if rec.std() > 0 else None)
    if lengths:
        c = res["curve"]
        lost_b = 100 * (state["train_scores"]["heldout_bit_acc"] - c["heldout_bit_acc"][:, 0])
        lost_w = gs.N_HELDOUT * (state["train_scores"]["heldout_word_id"]
                                 - c["heldout_word_id"][:, 0])
        row["curve"] = {"lengths": list(lengths), "share": [], "word_share": [],
                        "recovery_pp": [], "words_regained": []}
        for L in lengths:
            gain_b = 100 * (c["heldout_bit_acc"][:, L] - c["heldout_bit_acc"][:, 0])
            gain_w = gs.N_HELDOUT * (c["heldout_word_id"][:, L] - c["heldout_word_id"][:, 0])
            row["curve"]["share"].append(gs.pooled_share(gain_b, lost_b, gs.MIN_LOST[0]))
            row["curve"]["word_share"].append(gs.pooled_share(gain_w, lost_w, gs.MIN_LOST[1]))
            row["curve"]["recovery_pp"].append(gs.describe(gain_b))
            row["curve"]["words_regained"].append(gs.describe(gain_w))
    return row


def trained(seeds, cfg, progress):
    """Stage 1 for every seed (prototype meanings swapped in before training if asked)."""
    t0 = time.time()
    state = gs.setup(seeds, cfg)
    if cfg["sememes"] == "prototype":
        state["T"] = np.stack([prototype_meanings(s) for s in seeds])
    return gs.train(state, cfg, progress), time.time() - t0


def fmt_row(label, r):
    s = r["summary"]
    b = [100 * s[f"heldout_bit_acc_{st}"]["mean"] for st in gs.STAGES]
    w = [100 * s[f"heldout_word_id_{st}"]["mean"] for st in gs.STAGES]
    return (f"{label:<34} bits {b[0]:5.1f} -> {b[1]:5.1f} -> {b[2]:5.1f}  share "
            f"{gs.share_text(s['share_regained']):<19} words {w[0]:3.0f} -> {w[1]:3.0f} -> "
            f"{w[2]:3.0f}  share {gs.share_text(s['word_share_regained']):<20}"
            f"  recovery {s['recovery_pp']['mean']:+5.2f} pp [{s['recovery_pp']['ci95'][0]:+.2f}, "
            f"{s['recovery_pp']['ci95'][1]:+.2f}] +{100 * s['frac_recovery_positive']:.0f}%/"
            f"-{100 * s['frac_recovery_negative']:.0f}%  specific "
            f"{s['specific_recovery_pp']['mean']:+5.2f}  conv {100 * s['frac_converged']:.0f}%")


DAMAGES = {"noise (headline)": {},
           "noise 0.5 x RMS": {"noise_scale": 0.5},
           "noise 1.0 x RMS": {"noise_scale": 1.0},
           "zero 0.5": {"damage": "zero", "fraction": 0.5},
           "zero 0.5, permanent": {"damage": "zero", "fraction": 0.5, "permanent": True},
           "shrink 0.5": {"damage": "shrink", "shrink": 0.5}}


def study_conditions(seeds, progress):
    rows = []
    for algo in ("backprop", "boltzmann"):
        for sem in ("random", "prototype"):
            base = config("--algo", algo, sememes=sem)
            state, t_train = trained(seeds, base, progress)
            for label, over in DAMAGES.items():
                if over.keys() == {"noise_scale"} and over["noise_scale"] == base["noise_scale"]:
                    continue                                 # the headline row already
                t0 = time.time()
                r = evaluate(state, dict(base, **over), progress)
                r.update(algo=algo, sememes=sem, damage=label, train_s=t_train,
                         relearn_s=time.time() - t0,
                         noise_scale=dict(base, **over)["noise_scale"])
                rows.append(r)
    return {"rows": rows}


def print_conditions(out, n):
    print(f"conditions, {n} seeds each: held-out bits (%) after training -> damage -> "
          "relearning, share of the loss regained [95% CI], held-out words (%) at the same "
          "points and their share regained, recovery of held-out bits (pp) [95% CI], % of "
          "seeds with recovery > 0 / < 0, specific recovery (pp), % reaching criterion")
    for r in out["rows"]:
        dmg = r["damage"] + (f" ({r['noise_scale']:g})" if r["damage"].endswith("(headline)")
                             else "")
        print(fmt_row(f"{r['algo'][:5]} {r['sememes'][:5]} {dmg}", r))


def study_dose(seeds, progress):
    out = {"lengths": list(LENGTHS), "noise_sizes": list(NOISE_SIZES),
           "shrink_sizes": list(SHRINK_SIZES), "rows": []}
    for algo in ("backprop", "boltzmann"):
        base = config("--algo", algo, relearn_cycles=max(LENGTHS))
        state, t_train = trained(seeds, base, progress)
        for dmg, sizes, key in (("noise", NOISE_SIZES, "noise_scale"),
                                ("shrink", SHRINK_SIZES, "shrink")):
            for size in sizes:
                r = evaluate(state, dict(base, damage=dmg, **{key: size}), progress, LENGTHS)
                r.update(algo=algo, damage=dmg, size=size)
                rows = out["rows"]
                rows.append(r)
    return out


def print_dose(out, n):
    for what, key in (("share of the lost held-out bits regained", "share"),
                      ("share of the lost held-out words regained", "word_share")):
        for algo in ("backprop", "boltzmann"):
            print(f"{what}, {algo}, {n} seeds: damage (rows) x relearning cycles (columns)")
            print(f"{'damage':>14}" + "".join(f"{L:>7d}" for L in out["lengths"])
                  + f"{'lost (bits pp / words %)':>28}")
            for r in out["rows"]:
                if r["algo"] != algo:
                    continue
                cells = "".join("    n/a" if c["value"] is None else f"{c['value']:>+7.2f}"
                                for c in r["curve"][key])
                s = r["summary"]
                lost = (f"{s['bits_lost_pp']['mean']:.1f} / "
                        f"{100 * s['words_lost']['mean'] / gs.N_HELDOUT:.0f}")
                print(f"{r['damage']:>8} {r['size']:<5g}" + cells + f"{lost:>28}")


BM_OPTIONS = {"default (T -> 1, proportional, no sememe links)": {},
              "learning rate 0.7 (default 0.4)": {"lr": 0.7, "relearn_lr": 0.7},
              "annealing ending at T = 1.5": {"bm_schedule": "2@8,2@4,2@2,2@1.5"},
              "fixed-size steps": {"bm_step": "fixed", "lr": gs.FIXED_STEP_LR,
                                   "relearn_lr": gs.FIXED_STEP_LR},
              "links within the sememe layer": {"bm_intra": True}}


def study_boltzmann(seeds, progress):
    rows = []
    for label, over in BM_OPTIONS.items():
        cfg = config("--algo", "boltzmann", **over)
        state, t_train = trained(seeds, cfg, progress)
        t0 = time.time()
        r = evaluate(state, cfg, progress)
        r.update(option=label, train_s=t_train, relearn_s=time.time() - t0,
                 train_cycles_mean=float(state["used"].mean()),
                 train_cycles_max=int(state["used"].max()))
        rows.append(r)
    return {"rows": rows}


def print_boltzmann(out, n):
    print(f"Boltzmann machine options, {n} seeds each (noise "
          f"{gs.BOLTZMANN['noise_scale']} x RMS): same columns as conditions; stage-1 cycles "
          "mean / max; wall-clock of training + relearning")
    for r in out["rows"]:
        print(fmt_row(r["option"].split(" (")[0], r) + f"  cycles {r['train_cycles_mean']:.0f}/"
              f"{r['train_cycles_max']}  ({r['train_s'] + r['relearn_s']:.0f} s)")


PUBLIC = ("--damage", "zero", "--fraction", "0.5", "--permanent", "--lr", "0.3",
          "--momentum", "0.5", "--relearn-lr", "0.3")
PUBLIC_VARIANTS = {"their setting": dict(weight_decay=1e-3, relearn_momentum=0.5,
                                         relearn_cycles=50),
                   "no weight decay": dict(relearn_momentum=0.5, relearn_cycles=50),
                   "no relearning momentum": dict(weight_decay=1e-3, relearn_cycles=50),
                   "10 relearning cycles": dict(weight_decay=1e-3, relearn_momentum=0.5,
                                                relearn_cycles=10),
                   "not permanent": dict(weight_decay=1e-3, relearn_momentum=0.5,
                                         relearn_cycles=50, permanent=False)}


def study_public(seeds, progress):
    rows = []
    for n in (30, len(seeds)):
        for label, over in PUBLIC_VARIANTS.items():
            if n == 30 and label != "their setting":
                continue
            cfg = config(*PUBLIC, sememes="prototype", **over)
            state, _ = trained(seeds[:n], cfg, progress)
            r = evaluate(state, cfg, progress)
            r.update(variant=label, n_seeds=n)
            rows.append(r)
    return {"rows": rows}


def print_public(out, n):
    print("public reproduction's setting (backprop, 50% zeroed permanently, prototype "
          "meanings, lr 0.3, momentum 0.5) and one change at a time")
    for r in out["rows"]:
        print(fmt_row(f"{r['variant']} ({r['n_seeds']} seeds)", r)
              + f"  std {r['summary']['recovery_pp']['std']:.2f}")


def study_fresh(seeds, progress):
    rows = []
    for algo, first, n in (("backprop", 100, 300), ("boltzmann", 100, 100)):
        cfg = config("--algo", algo)
        state, t_train = trained(list(range(first, first + n)), cfg, progress)
        r = evaluate(state, cfg, progress)
        r.update(algo=algo, seeds=[first, first + n - 1])
        rows.append(r)
    return {"rows": rows, "seeds": list(range(100, 400))}


def print_fresh(out, n):
    print("headline configuration on fresh seeds (not used to choose any value)")
    for r in out["rows"]:
        print(fmt_row(f"{r['algo']} seeds {r['seeds'][0]}-{r['seeds'][1]}", r))


def build_parser():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("study", nargs="?", choices=STUDIES, default="conditions")
    ap.add_argument("--seeds", type=gs.checked(int, 1, gs.MAX_SWEEP), default=None,
                    help="seeds 0..N-1 (default 100; the fresh study has its own seeds)")
    ap.add_argument("--json", type=gs.output_path, default=None, metavar="PATH",
                    help="write the study's results to PATH")
    ap.add_argument("--quiet", action="store_true", help="print nothing, no progress counter")
    return ap


def main(argv=None):
    ap = build_parser()
    a = ap.parse_args(argv)
    if a.study == "fresh" and a.seeds is not None:
        ap.error("argument --seeds: ignored by the fresh study (seeds 100-399 and 100-199)")
    seeds = list(range(a.seeds or 100))
    progress = gs.Progress(sys.stderr.isatty() and not a.quiet)
    t0 = time.time()
    try:
        with np.errstate(over="ignore", under="ignore"):
            out = globals()[f"study_{a.study}"](seeds, progress)
    except gs.Diverged as e:
        progress()
        sys.stderr.write(f"studies_grapheme_sememe.py: training diverged: {e}\n")
        return 1
    progress()
    out = dict({"seeds": seeds}, **out)               # the fresh study names its own seeds
    out.update(experiment="grapheme_sememe", study=a.study,
               wallclock_s=round(time.time() - t0, 1),
               versions={"python": sys.version.split()[0], "numpy": np.__version__})
    if not a.quiet:
        globals()[f"print_{a.study}"](out, len(seeds))
        print(f"wall-clock {out['wallclock_s']:.0f} s")
    if a.json:
        gs.write_json(a.json, out)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.stderr.write("\nstudies_grapheme_sememe.py: interrupted\n")
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(1)
