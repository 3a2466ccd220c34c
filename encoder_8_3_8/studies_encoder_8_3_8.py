#!/usr/bin/env python3
"""Studies of the 8-3-8 encoder beyond the papers, built on encoder_8_3_8.py.

    grid        the Boltzmann learners side by side, 100 seeds each: exact or sampled
                statistics x sign or proportional rule, at T = 10 and T = 1, with and without
                weight decay, and the AHS procedure as published (zero initial weights);
                writes results/bm_*.json
    objective   why the Boltzmann learners fall short: the AHS objective G (the divergence
                of the free-running visible distribution from the clamped one) along the
                runs of each learner, and G of an 8-code solution built by hand and refined
                by exact gradient descent; writes results/objective.json
    backprop    the backprop sweeps (CE, SSE, with restarts, 300 seeds); results/bp_*_n8*.json
    scaling     N-log2N-N: 4-2-4, 16-4-16, 32-5-32 with the 8-3-8 settings; results/*_n{4,16,32}*
    variants    AHS procedure without within-group connections, and off-to-on noise 0.05
    collisions  which pairs collide in the unsolved runs, where the empty corner is, where the
                colliding patterns sit (reads results/); writes results/collisions.json
    table       the README tables from results/*.json (default; takes a second)

    python3 encoder_8_3_8/studies_encoder_8_3_8.py grid
    python3 encoder_8_3_8/studies_encoder_8_3_8.py table
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import encoder_8_3_8 as enc  # noqa: E402

RESULTS = os.path.join(HERE, "results")
T1 = ["--bm-schedule", "2:2,1.5:2,1.2:2,1:4"]           # the AHS schedule divided by 10
INIT = {"T10": ["--bm-init-scale", "0.5"], "T1": ["--bm-init-scale", "0.05"]}   # |w|/T <= 0.05
BM = ["--algo", "boltzmann"]
GRID = {  # results file -> main-script flags (plus --sweep N)
    "bm_ahs.json": BM,
    "bm_sampled_sign_T10.json": BM + INIT["T10"],
    "bm_exact_sign_T10.json": BM + ["--bm-stats", "exact"] + INIT["T10"],
    "bm_sampled_prop_T10.json": BM + ["--bm-rule", "prop"] + INIT["T10"],
    "bm_exact_prop_T10.json": BM + ["--bm-stats", "exact", "--bm-rule", "prop"] + INIT["T10"],
    "bm_sampled_sign_T1.json": BM + T1 + INIT["T1"],
    "bm_exact_sign_T1.json": BM + ["--bm-stats", "exact"] + T1 + INIT["T1"],
    "bm_sampled_prop_T1.json": BM + ["--bm-rule", "prop"] + T1 + INIT["T1"],
    "bm_exact_prop_T1.json": BM + ["--bm-stats", "exact", "--bm-rule", "prop"] + T1 + INIT["T1"],
    "bm_sampled_sign_T10_decay.json": BM + INIT["T10"] + ["--bm-decay", "0.005"],
    "bm_exact_sign_T10_decay.json": BM + ["--bm-stats", "exact", "--bm-decay", "0.005"] + INIT["T10"],
    "bm_exact_prop_T10_decay.json": (BM + ["--bm-stats", "exact", "--bm-rule", "prop",
                                           "--bm-decay", "0.005"] + INIT["T10"]),
    "bm_exact_sign_T10_notie.json": BM + ["--bm-stats", "exact"] + INIT["T10"],
}
OVERRIDES = {"bm_exact_sign_T10_notie.json": {"bm_tie": 0.0}}   # the sign of rounding errors counts
BACKPROP = {"bp_ce_n8.json": [], "bp_sse_n8.json": ["--loss", "sse"],
            "bp_ce_n8_restarts.json": ["--restarts", "9"],
            "bp_sse_n8_restarts.json": ["--loss", "sse", "--restarts", "9"]}
SCALING = {f"bp_{loss}_n{n}.json": ["--n", str(n), "--loss", loss]
           for n in (4, 16, 32) for loss in ("ce", "sse")}
SCALING.update({"bm_n4.json": BM + ["--n", "4"],
                "bm_exact_prop_n4.json": BM + ["--n", "4", "--bm-stats", "exact", "--bm-rule",
                                               "prop"] + INIT["T10"]})
VARIANTS = {"bm_ahs_intra0.json": BM + ["--bm-intra", "0"],
            "bm_ahs_noise05.json": BM + ["--bm-noise-off", "0.05"]}


def load(name, folder=RESULTS):
    path = os.path.join(folder, name)
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def sweeps(cells, seeds, outdir, quiet, extra=None):
    """Run the main script's sweep for every cell, writing outdir/<file>."""
    for name, argv in cells.items():
        n = (extra or {}).get(name, seeds)
        if not quiet:
            print(f"# {name}: encoder_8_3_8.py {' '.join(argv)} --sweep {n}"
                  + (f" with {OVERRIDES[name]}" if name in OVERRIDES else ""), flush=True)
        code = enc.main(argv + ["--sweep", str(n), "--json", os.path.join(outdir, name)]
                        + ["--quiet"] * quiet, OVERRIDES.get(name))
        if code:
            return code
    return 0


# ----------------------------------------------------------------------------- the objective

def log_free_visible(W, b, V, n, h, T):
    """log P-(v) of the free-running net for every row of V (M, 2n), per seed (S, M)."""
    hid, Hs = slice(2 * n, 2 * n + h), enc.all_states(h)
    eH = enc.quad(Hs, W[:, hid, hid]) + b[:, hid] @ Hs.T
    logp = eH / T
    for g in (slice(0, n), slice(n, 2 * n)):
        logp = logp + enc.group_given_hidden(W, b, g, hid, T)[0]
    top = logp.max(-1, keepdims=True)
    logZ = (top + np.log(np.exp(logp - top).sum(-1, keepdims=True)))[:, 0]
    vis = slice(0, 2 * n)
    L = (Hs @ W[:, hid, vis] @ V.T + eH[:, :, None]) / T                      # (S, 2^h, M)
    top = L.max(1)
    return ((enc.quad(V, W[:, vis, vis]) + b[:, vis] @ V.T) / T + top
            + np.log(np.exp(L - top[:, None]).sum(1)) - logZ[:, None])


def objective(W, b, n, h, T, V, w):
    """AHS's G = sum_v P+(v) log(P+(v) / P-(v)), P+ the noisy-clamping distribution (S,)."""
    return (w * (np.log(w) - log_free_visible(W, b, V, n, h, T))).sum(-1)


def hand_solution(n, h, gain=40.0, bias=20.0, inhibit=10.0):
    """An 8-code solution built by hand: pattern p drives the hidden units to the bits of
    p (weights +-gain), visible units are inhibited within their group."""
    N, bits = 2 * n + h, enc.all_states(h)
    W, b = np.zeros((N, N)), np.zeros(N)
    for g in (0, n):
        W[g:g + n, 2 * n:] = gain * (2 * bits - 1)
        W[g:g + n, g:g + n] = -inhibit
        b[g:g + n] = bias - gain * bits.sum(1)
    W = np.triu(W, 1)
    return ((W + W.T) * enc.bm_mask(n, h, 1))[None], b[None]


OBJECTIVE = {  # learner -> main-script flags; the AHS objective is followed along its runs
    "exact / prop": GRID["bm_exact_prop_T10.json"],
    "exact / prop, 20,000 cycles": GRID["bm_exact_prop_T10.json"] + ["--bm-cycles", "20000"],
    "exact / sign": GRID["bm_exact_sign_T10.json"],
    "sampled / sign": GRID["bm_sampled_sign_T10.json"],
    "sampled / sign, zero init (AHS)": GRID["bm_ahs.json"]}


def study_objective(seeds, every=50):
    cfg0 = enc.config_of(enc.parse_args(BM))
    n, h, T = cfg0["n"], cfg0["hidden"], 10.0
    V, w, _ = enc.flip_set(n, cfg0["bm_noise_on"], cfg0["bm_noise_off"], cfg0["bm_flips"])
    mask = enc.bm_mask(n, h, 1) + np.eye(2 * n + h)
    out = {"every": every, "seeds": seeds, "learners": {}}
    for name, argv in OBJECTIVE.items():
        cfg = enc.config_of(enc.parse_args(argv))
        trace = {k: [] for k in ("cycle", "G", "max_abs_gradient", "max_abs_weight", "n_distinct")}

        def record(cycle, W, b, active):
            if cycle % every == 0 or cycle == cfg["bm_cycles"]:
                d = enc.clamped_stats(W, b, n, h, T, V, w) - enc.free_stats(W, b, n, h, T)
                marg = enc.bm_eval(W, b, n, h, T, recon=False)[0]
                trace["cycle"].append(cycle)
                trace["G"].append(objective(W, b, n, h, T, V, w).tolist())
                trace["max_abs_gradient"].append((np.abs(d * mask).max((1, 2)) / T).tolist())
                trace["max_abs_weight"].append(np.abs(W).max((1, 2)).tolist())
                trace["n_distinct"].append(enc.n_distinct(enc.code_ints(marg > 0.5)).tolist())
        res = enc.run(range(seeds), cfg, callback=record)
        trace["solved"] = res["solved"].tolist()
        trace["first_n_codes"] = res["first_n_codes"].tolist()
        out["learners"][name] = trace
    # an 8-code solution: hand-built, then refined by exact gradient descent on G
    W, b = hand_solution(n, h)
    G = [objective(W, b, n, h, T, V, w)[0]]
    for _ in range(3000):
        d = enc.clamped_stats(W, b, n, h, T, V, w) - enc.free_stats(W, b, n, h, T)
        W, b = W + enc.BM_LR * d * (mask - np.eye(len(mask))), b + enc.BM_LR * np.diagonal(d, axis1=1, axis2=2)
        G.append(objective(W, b, n, h, T, V, w)[0])
    marg, acc = enc.bm_eval(W, b, n, h, T)
    out["solution"] = {"G_hand": G[0], "G_refined": G[-1], "increases": int((np.diff(G) > 1e-12).sum()),
                       "n_distinct": int(enc.n_distinct(enc.code_ints(marg > 0.5))[0]),
                       "reconstruction": float(acc[0]), "max_abs_gradient": float(np.abs(d * mask).max() / T),
                       "max_abs_weight": float(np.abs(W).max())}
    return out


def objective_lines(out):
    s = out["solution"]
    lines = [f"an 8-code solution (hand-built, then 3000 steps of exact descent, lr {enc.BM_LR:g}): "
             f"G {s['G_hand']:.4f} -> {s['G_refined']:.4f} ({s['increases']} increases), "
             f"{s['n_distinct']} codes, reconstruction {s['reconstruction']:.3f}, largest |dG/dw| "
             f"{s['max_abs_gradient']:.1e}, largest |w| {s['max_abs_weight']:.1f}"]
    for name, t in out["learners"].items():
        solved = np.array(t["solved"])
        lines.append(f"{name}, T = 10, seeds 0-{out['seeds'] - 1}: solved {solved.sum()}, "
                     f"all 8 codes reached {sum(x >= 0 for x in t['first_n_codes'])}")
        marks = [c for c in (0, 100, 500, 1000, 2000, 4000, 10000, 20000) if c in t["cycle"]]
        for c in marks:
            i = t["cycle"].index(c)
            G, grad = np.array(t["G"][i]), np.array(t["max_abs_gradient"][i])
            lines.append(f"  cycle {c:>6}: G median {np.median(G):.3f} (min {G.min():.3f}), "
                         f"largest |dG/dw| median {np.median(grad):.1e}, largest |w| median "
                         f"{np.median(t['max_abs_weight'][i]):.0f}, distinct codes median "
                         f"{np.median(t['n_distinct'][i]):.0f}")
    return lines


# ----------------------------------------------------------------------------- collisions

def pair_index(n):
    idx, k = -np.ones((n, n), int), 0
    for i in range(n):
        for j in range(i + 1, n):
            idx[i, j] = idx[j, i] = k
            k += 1
    return idx


def uniformity_test(pair_lists, n, reps, rng):
    """Chi-square of the colliding-pair counts against uniform over the n(n-1)/2 pairs, with a
    Monte Carlo p-value under the symmetry null: the patterns of every unsolved run relabelled
    by an independent uniform permutation (keeps each run's collision structure)."""
    idx, npairs = pair_index(n), n * (n - 1) // 2
    runs = [np.array(pl) for pl in pair_lists if len(pl)]
    counts = np.zeros(npairs, int)
    for r in runs:
        np.add.at(counts, idx[r[:, 0], r[:, 1]], 1)
    if counts.sum() == 0:
        return {"counts": counts.tolist(), "n_pairs_counted": 0}
    E = counts.sum() / npairs
    stat = float(((counts - E) ** 2 / E).sum())
    sim = np.zeros((reps, npairs))
    for r in runs:
        perm = rng.random((reps, n)).argsort(-1)
        k = idx[perm[:, r[:, 0]], perm[:, r[:, 1]]]
        np.add.at(sim, (np.repeat(np.arange(reps), k.shape[1]), k.ravel()), 1)
    csim = ((sim - E) ** 2 / E).sum(-1)
    return {"counts": counts.tolist(), "n_pairs_counted": int(counts.sum()), "chi2": stat,
            "df": npairs - 1, "reps": reps, "p_upper": float(((csim >= stat - 1e-12).sum() + 1) / (reps + 1)),
            "p_lower": float(((csim <= stat + 1e-12).sum() + 1) / (reps + 1))}


def hamming_structure(code_rows, h, reps, rng):
    """Runs with exactly 2^h - 1 codes (one shared, one empty corner): Hamming distance from
    the shared to the empty corner, against a uniformly chosen empty corner."""
    d_obs = []
    for codes in code_rows:
        vals, cnt = np.unique(codes, return_counts=True)
        if len(vals) == 2 ** h - 1 and cnt.max() == 2:
            empty = int(np.setdiff1d(np.arange(2 ** h), vals)[0])
            d_obs.append(bin(int(vals[cnt == 2][0]) ^ empty).count("1"))
    probs = np.array([math.comb(h, d) for d in range(1, h + 1)], float) / (2 ** h - 1)
    obs, m = np.bincount(np.array(d_obs, int), minlength=h + 1)[1:], len(d_obs)
    out = {"runs": m, "observed": obs.tolist(), "expected": (m * probs).tolist()}
    if m:
        E = m * probs
        stat = float(((obs - E) ** 2 / E).sum())
        sim = rng.multinomial(m, probs, size=reps)
        out.update(chi2=stat, df=h - 1, reps=reps,
                   p_upper=float(((((sim - E) ** 2 / E).sum(-1) >= stat - 1e-12).sum() + 1) / (reps + 1)))
    return out


def collision_geometry(per):
    """Where the two members of each colliding pair sit relative to their shared corner:
    "two edges" when both deviate by more than 0.2 along different units, "one edge" along
    the same unit, else "corner"."""
    kinds, devs = {"two_edges": 0, "one_edge": 0, "corner": 0}, []
    for r in per:
        bits, H = np.array(r["code_table"], float), np.array(r["hidden_activations"])
        for i, j in ([] if r["solved"] else r["colliding_pairs"]):
            di, dj = np.abs(H[i] - bits[i]), np.abs(H[j] - bits[j])
            devs += [di.max(), dj.max()]
            kind = ("corner" if min(di.max(), dj.max()) <= 0.2 else
                    "two_edges" if di.argmax() != dj.argmax() else "one_edge")
            kinds[kind] += 1
    return dict(kinds, pairs=sum(kinds.values()), median_deviation=float(np.median(devs)) if devs else None)


def study_collisions(reps, folder=RESULTS):
    out = {}
    for name in ("bp_ce_n8.json", "bp_sse_n8.json", "bp_ce_n8_300.json", "bm_ahs.json",
                 "bm_sampled_sign_T10.json", "bm_sampled_sign_T10_decay.json", "bm_ahs_intra0.json",
                 "bm_ahs_noise05.json"):
        d = load(name, folder)
        if d is None:
            continue
        rng = np.random.default_rng(12345)
        cfg, per = d["config"], d["per_seed"]
        un = [r for r in per if not r["solved"]]
        rows = [enc.code_ints(np.array(r["code_table"])) for r in un]
        out[name] = {"unsolved": len(un), "seeds": len(per),
                     "uniformity": uniformity_test([r["colliding_pairs"] for r in un], cfg["n"], reps, rng),
                     "empty_corner": hamming_structure(rows, cfg["hidden"], reps, rng),
                     "geometry": collision_geometry(per),
                     "reconstruction_min": min(r["reconstruction_accuracy"] for r in per)}
    return out


def pval(p, reps):
    """A Monte Carlo p-value as printed: below 0.001 only the bound (the draws are named)."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def collision_lines(out):
    lines = []
    for name, c in out.items():
        u, e, g = c["uniformity"], c["empty_corner"], c["geometry"]
        lines.append(f"{name[:-5]}: {c['unsolved']} unsolved of {c['seeds']}")
        if u["n_pairs_counted"]:
            lines.append(f"  colliding pairs: {u['n_pairs_counted']} on {sum(x > 0 for x in u['counts'])} "
                         f"of {len(u['counts'])} pairs, at most {max(u['counts'])} on one; chi2 = "
                         f"{u['chi2']:.1f} (df {u['df']}), more concentrated than uniform: "
                         f"{pval(u['p_upper'], u['reps'])}, more even: {pval(u['p_lower'], u['reps'])} "
                         f"({u['reps']} relabellings)")
        if e["runs"]:
            lines.append(f"  shared-to-empty corner distance d = 1..3: observed {e['observed']}, "
                         f"expected [{', '.join(f'{x:.1f}' for x in e['expected'])}]; chi2 = "
                         f"{e['chi2']:.1f}, {pval(e['p_upper'], e['reps'])} ({e['reps']} draws)")
        if g["pairs"]:
            lines.append(f"  colliding pair geometry: {g['two_edges']} on two edges from the shared "
                         f"corner, {g['one_edge']} on one edge, {g['corner']} at the corner; median "
                         f"deviation {g['median_deviation']:.2f}; reconstruction min {c['reconstruction_min']:.2f}")
    return lines


# ----------------------------------------------------------------------------- tables

def cell(d, key="first_n_codes"):
    r = d["summary"][key]
    return f"{r['count']}/{r['n']} ({100 * r['ci95'][0]:.0f}-{100 * r['ci95'][1]:.0f}%)"


def median(d, key="first_n_codes"):
    r = d["summary"][key]
    return f"{r['median']:,.0f}" if r["count"] else "-"


def tables(folder=RESULTS):
    """The README's tables (markdown) from the sweep JSON files in folder."""
    out = []
    rows = ["| statistics / rule, temperature | initial weights | all 8 codes reached (95% CI) | "
            "median cycle | strict solve (95% CI) | median largest \\|w\\| at cycle 4,000 (unsolved) |",
            "|---|---|---|---|---|---|"]
    for name in GRID:
        d = load(name, folder)
        if d is None:
            continue
        c = d["config"]
        T = enc.parse_schedule(c["bm_schedule"])[-1]
        what = (f"{c['bm_stats']} / {c['bm_rule']}, T = {T:g}"
                + (f", decay {c['bm_decay']:g}" if c["bm_decay"] else "")
                + (", no tie threshold" if c["bm_tie"] == 0 else "")
                + (" (AHS procedure as published)" if name == "bm_ahs.json" else ""))
        wu = d["summary"]["max_abs_weight_unsolved"]
        init = f"U(-{c['bm_init_scale']:g}, {c['bm_init_scale']:g})" if c["bm_init_scale"] else "0"
        rows.append(f"| {what} | {init} | {cell(d)} | {median(d)} | {cell(d, 'solved')} | "
                    + (f"{wu['median']:,.0f} |" if wu["count"] else "- |"))
    out.append("\n".join(rows))
    rows = ["| net | backprop CE: strict solve, median epochs | backprop SSE: same | "
            "Boltzmann (AHS): strict solve, median cycles |", "|---|---|---|---|"]
    for n in (4, 8, 16, 32):
        cells = []
        for name in (f"bp_ce_n{n}.json", f"bp_sse_n{n}.json", "bm_ahs.json" if n == 8 else f"bm_n{n}.json"):
            d = load(name, folder)
            cells.append("not run" if d is None else f"{cell(d, 'solved')}, {median(d, 'epochs_to_solve')}")
        rows.append(f"| {n}-{int(math.log2(n))}-{n} | " + " | ".join(cells) + " |")
    out.append("\n".join(rows))
    return out


# ----------------------------------------------------------------------------- CLI

def build_parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="\n".join(__doc__.split("\n")[2:]))
    p.add_argument("study", nargs="?", default="table",
                   choices=["grid", "objective", "backprop", "scaling", "variants", "collisions",
                            "table"], help="the study to run (default table)")
    p.add_argument("--seeds", type=enc.number(int, 1, enc.MAX_SWEEP_BM), default=None,
                   help="seeds per sweep (default 100; objective 20; variants 20)")
    p.add_argument("--reps", type=enc.number(int, 100, 10 ** 6), default=20000,
                   help="Monte Carlo draws of the collision tests (default 20000)")
    p.add_argument("--outdir", type=output_dir, default=RESULTS, metavar="DIR",
                   help="where the studies write and read their JSON (default results/)")
    p.add_argument("--quiet", action="store_true", help="print nothing")
    return p


def output_dir(text):
    """A directory that takes a new file (checked by making one)."""
    tmp = os.path.join(text, f".check.{os.getpid()}")
    try:
        if not os.path.isdir(text):
            raise NotADirectoryError(20, "not a directory")
        open(tmp, "w").close()
        os.remove(tmp)
    except OSError as e:
        raise argparse.ArgumentTypeError(f"cannot write into {text}: {e.strerror or e}")
    return text


def main(argv=None):
    parser = build_parser()
    a = parser.parse_args(argv)
    if a.seeds is not None and a.study in ("collisions", "table"):
        parser.error(f"argument --seeds: not used with the {a.study} study")
    if a.reps != 20000 and a.study != "collisions":
        parser.error(f"argument --reps: not used with the {a.study} study")
    say = (lambda lines: None) if a.quiet else (lambda lines: print("\n".join(lines), flush=True))
    t0 = time.perf_counter()
    if a.study in ("grid", "backprop", "scaling", "variants"):
        cells = {"grid": GRID, "backprop": BACKPROP, "scaling": SCALING, "variants": VARIANTS}[a.study]
        extra = {"bp_ce_n8_300.json": 300} if a.seeds is None else None
        if a.study == "backprop":
            cells = dict(cells, **{"bp_ce_n8_300.json": []})
        if a.study == "scaling":
            cells = dict(cells, **{"bp_ce_n32_lr005.json": ["--n", "32", "--lr", "0.05"]})
            extra = {"bp_ce_n32_lr005.json": 20} if a.seeds is None else None
        default = 20 if a.study == "variants" else 100
        code = sweeps(cells, a.seeds or default, a.outdir, a.quiet, extra)
        if code:
            return code
    elif a.study == "objective":
        out = study_objective(a.seeds or 20)
        say(objective_lines(out))
        enc.write_json(os.path.join(a.outdir, "objective.json"), out)
    elif a.study == "collisions":
        out = study_collisions(a.reps, a.outdir)
        say(collision_lines(out))
        enc.write_json(os.path.join(a.outdir, "collisions.json"), out)
    else:
        say(["\n\n".join(tables(a.outdir))])
    if a.study != "table":
        say([f"wall-clock {time.perf_counter() - t0:.1f} s"])
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.stderr.write("\nstudies_encoder_8_3_8.py: interrupted\n")
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(1)
