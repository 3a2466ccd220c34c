"""Studies beyond the paper for vector_symmetry (imports vector_symmetry.py, never the reverse).

  plateau   (default) what sets the length of the saturated "not symmetric" plateau: sweeps to
            solve of seeds 0..N-1 (cap 200,000) against the initial output bias b2 and the
            other initial statistics (Spearman correlations, a fitted curve, b2 bins), the
            mechanism (how deep the first sweeps drive the output unit, and how long it
            takes to climb back), and an intervention: the same seeds with b2 set to fixed
            values, and with every bias 0
  octave    the comparison with the public Octave replication (1,000 starts, run until all
            64 correct) on 10,000 seeds: quartiles with 95% intervals, the spread of
            1,000-seed medians and its link to their b2, sweeps to the criteria
            |y - d| < 0.4 / 0.2 / 0.1 beside "all 64 on the right side of 0.5"
  grid      solve rate and median sweeps over an eps x alpha grid, both input codings
  pm1       the paper's protocol with -1/+1 inputs instead of 0/1 (seeds 0..N-1)
  explain   one net (--seed): pair weights, why no asymmetric vector cancels, and the
            hidden net inputs and output of every pattern

--json PATH writes the results (committed under results/, which visualize_vector_symmetry.py
draws from).
"""
import argparse
import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vector_symmetry as vs  # noqa: E402

STUDIES = ("plateau", "octave", "grid", "pm1", "explain")
DEFAULT_SEEDS = {"plateau": 1000, "octave": 10000, "grid": 40, "pm1": 1000}
DEFAULT_CAP = {"plateau": 200000, "octave": 200000, "grid": 20000, "pm1": 20000,
               "explain": vs.MAX_SWEEPS}
B2_BINS = np.round(np.arange(-0.3, 0.31, 0.1), 2)            # b2 bins of width 0.1
B2_LEVELS = (-0.3, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3)           # the intervention's fixed b2
INTERVENTION_SEEDS = 200
CRITERIA = (0.4, 0.2, 0.1)                                    # |y - d| tolerances compared
BLOCK = 1000                                                  # the replication's sample size
GRID_LRS = (0.02, 0.05, 0.1, 0.2, 0.5)
GRID_MOMENTA = (0.0, 0.5, 0.8, 0.9, 0.95)


# ---------------------------------------------------------------- statistics
def ranks(x):
    """Ranks 0..n-1 with ties given their mean rank (inf allowed)."""
    x = np.asarray(x, dtype=np.float64)
    order = np.argsort(x, kind="stable")
    r = np.empty(len(x))
    r[order] = np.arange(len(x))
    _, inv, cnt = np.unique(x, return_inverse=True, return_counts=True)
    sums = np.bincount(inv, weights=r)
    return (sums / cnt)[inv]


def spearman(x, y):
    """Spearman rank correlation with a 95% interval (Fisher z, se 1.03 / sqrt(n - 3))."""
    rx, ry = ranks(x), ranks(y)
    if len(rx) < 4 or rx.std() == 0 or ry.std() == 0:
        return {"rho": None, "ci95": [None, None]}
    r = float(np.corrcoef(rx, ry)[0, 1])
    z, se = np.arctanh(np.clip(r, -0.999999, 0.999999)), 1.03 / np.sqrt(len(rx) - 3)
    return {"rho": r, "ci95": [float(np.tanh(z - 1.96 * se)), float(np.tanh(z + 1.96 * se))]}


def describe(v):
    """n, median with its 95% interval, Q1, Q3 of sweeps (inf = not solved)."""
    v = np.asarray(v, dtype=np.float64)
    if len(v) == 0:
        return {"n": 0, **dict.fromkeys(("median", "q1", "q3", "min", "max")),
                "median_ci95": [None, None]}
    q = vs.quantiles(v)
    return {"n": len(v), "median": q["median"], "median_ci95": vs.quantile_ci(v),
            "q1": q["q1"], "q3": q["q3"], "min": q["min"], "max": q["max"]}


def line_fit(x, y):
    """Least squares y = a + k x, with R^2."""
    k, a = np.polyfit(x, y, 1)
    res = y - (a + k * x)
    return {"a": float(a), "k": float(k), "r2": float(1 - res.var() / np.var(y))}


# ---------------------------------------------------------------- tracking during training
class Track:
    """Callback for vs.train: per seed, the lowest value the largest output net input
    (max over the 64 patterns) reaches, the sweep where it does, the lowest output bias b2,
    and the first sweep at which every |y - d| is below each of CRITERIA."""

    def __init__(self, S):
        self.depth, self.depth_at = np.full(S, np.inf), np.zeros(S, dtype=int)
        self.b2_min = np.full(S, np.inf)
        self.first = {c: np.full(S, -1) for c in CRITERIA}
        _, _, self.d = vs.make_patterns()

    def __call__(self, t, idx, W, E, n_correct, y):
        top = y.max(axis=0)
        net = np.log(top) - np.log1p(-top)                   # logit: the output net input
        lower = net < self.depth[idx]
        self.depth[idx[lower]], self.depth_at[idx[lower]] = net[lower], t
        self.b2_min[idx] = np.minimum(self.b2_min[idx], W[3])
        err = np.abs(y - self.d[:, None]).max(axis=0)
        for c, first in self.first.items():
            new = (err < c) & (first[idx] < 0)
            first[idx[new]] = t


def sweeps(out):
    s = out["sweeps_to_solve"].astype(np.float64)
    s[s < 0] = np.inf
    return s


def initial_stats(p):
    """Initial statistics of each start (params as from vs.init_params)."""
    X, _, d = vs.make_patterns()
    _, y = vs.forward(X, *vs.seed_last(p))                   # (64,S)
    dnet_y = (y - d[:, None]) * y * (1 - y)
    return {"b2": p["b2"], "W2_sum": p["W2"].sum(axis=1), "b1_mean": p["b1"].mean(axis=1),
            "W1_abs_mean": np.abs(p["W1"]).mean(axis=(1, 2)), "y0_mean": y.mean(axis=0),
            "db2_0": dnet_y.sum(axis=0)}


# ---------------------------------------------------------------- plateau
def study_plateau(n, cap, progress):
    seeds = list(range(n))
    p = vs.init_params(seeds)
    track = Track(n)
    out = vs.train(seeds, max_sweeps=cap, callback=track, progress=progress, init=p)
    st, sat = sweeps(out), out["sweeps_saturated"].astype(np.float64)
    init = initial_stats(p)
    corr = {k: spearman(v, st) for k, v in init.items()}
    capped = np.where(st > vs.MAX_SWEEPS, np.inf, st)          # as a 20,000-sweep sweep sees it
    corr_capped = spearman(init["b2"], capped)
    bins = []
    for lo, hi in zip(B2_BINS[:-1], B2_BINS[1:]):
        sel = (init["b2"] >= lo) & ((init["b2"] < hi) | (hi == B2_BINS[-1]))
        bins.append({"lo": float(lo), "hi": float(hi), **describe(st[sel]),
                     "unsolved_at_20000": int(np.sum(st[sel] > vs.MAX_SWEEPS))})
    ok = np.isfinite(st)
    fit = line_fit(init["b2"][ok], np.log(st[ok]))           # log sweeps = a + k b2
    mech = {"rho_depth_b2": spearman(init["b2"], -track.depth),
            "rho_depth_db2_0": spearman(init["db2_0"], -track.depth),
            "rho_saturated_depth": spearman(-track.depth, sat),
            "rho_solve_saturated": spearman(sat, st),
            "fit_log_saturated_vs_depth": line_fit(-track.depth[ok & (sat > 0)],
                                                   np.log(sat[ok & (sat > 0)])),
            "depth_median": float(np.median(track.depth)),
            "depth_at_median": float(np.median(track.depth_at)),
            "b2_min_median": float(np.median(track.b2_min))}
    # the intervention: the same starts with b2 set to each level, then every bias set to 0
    m = min(INTERVENTION_SEEDS, n)
    levels = list(B2_LEVELS) + ["all biases 0"]
    starts = []
    for level in levels:
        q = {k: v[:m].copy() for k, v in p.items()}
        if level == "all biases 0":
            q["b1"][:] = 0.0
            q["b2"][:] = 0.0
        else:
            q["b2"][:] = level
        starts.append(q)
    both = {k: np.concatenate([q[k] for q in starts]) for k in p}
    track2 = Track(len(both["b2"]))
    out2 = vs.train(list(range(m)) * len(levels), max_sweeps=cap, init=both, callback=track2,
                    progress=progress)
    st2 = sweeps(out2).reshape(len(levels), m)
    dep2 = track2.depth.reshape(len(levels), m)
    inter = [{"b2": lev, **describe(st2[i]), "depth_median": float(np.median(dep2[i]))}
             for i, lev in enumerate(levels)]
    return {"seeds": seeds, "max_sweeps": cap, "correlations": corr,
            "rho_b2_capped_20000": corr_capped, "b2_bins": bins,
            "fit_log_sweeps_vs_b2": fit, "mechanism": mech, "intervention_seeds": m,
            "intervention": inter, "overall": describe(st),
            "per_seed": {"b2": init["b2"], "sweeps_to_solve": st, "sweeps_saturated": sat,
                         "depth": track.depth, "depth_at": track.depth_at,
                         "db2_0": init["db2_0"]}}


def fmt(x):
    return vs.fmt(x) if x is not None else ">max"      # in the JSON, None is "not solved"


def sgn(x):
    return "n/a" if x is None else f"{x:+.3f}"


def plateau_lines(r):
    n = len(r["seeds"])
    L = [f"plateau: seeds 0..{n - 1}, paper settings, cap {r['max_sweeps']:,} sweeps; "
         f"median sweeps to solve {fmt(r['overall']['median'])}"]
    L.append("Spearman correlation of sweeps to solve with the initial ...")
    names = {"b2": "output bias b2", "W2_sum": "sum of the two output weights",
             "b1_mean": "mean hidden bias", "W1_abs_mean": "mean |input weight|",
             "y0_mean": "mean output over the 64 patterns", "db2_0": "first gradient dE/db2"}
    for k, c in r["correlations"].items():
        L.append(f"  {names[k]:<34} {sgn(c['rho'])} (95% CI {sgn(c['ci95'][0])} to "
                 f"{sgn(c['ci95'][1])})")
    L.append(f"  (output bias b2, sweeps capped at {vs.MAX_SWEEPS:,}, unsolved tied last: "
             f"{sgn(r['rho_b2_capped_20000']['rho'])})")
    L.append("initial b2 bin    n   median (95% CI)          Q1      Q3  unsolved at 20,000")
    for b in (b for b in r["b2_bins"] if b["n"]):
        lo, hi = b["median_ci95"]
        L.append(f"[{b['lo']:+.1f}, {b['hi']:+.1f}) {b['n']:4d}  {fmt(b['median']):>7} "
                 f"({fmt(lo)}-{fmt(hi)}){'':<4} {fmt(b['q1']):>7} {fmt(b['q3']):>7}  "
                 f"{b['unsolved_at_20000']}")
    f = r["fit_log_sweeps_vs_b2"]
    L.append(f"fit: sweeps to solve = {np.exp(f['a']):,.0f} x exp({f['k']:.2f} b2), R^2 of log "
             f"sweeps {f['r2']:.2f}: x{np.exp(0.1 * f['k']):.2f} per +0.1 of b2, "
             f"x{np.exp(0.6 * f['k']):.1f} from b2 = -0.3 to +0.3")
    m = r["mechanism"]
    L.append(f"mechanism: the largest output net input falls to a median {m['depth_median']:.2f}"
             f" (at sweep {m['depth_at_median']:.0f}; output bias down to "
             f"{m['b2_min_median']:.2f})")
    L.append(f"  Spearman of the depth |D| with the initial b2 {sgn(m['rho_depth_b2']['rho'])},"
             f" with the first gradient dE/db2 {sgn(m['rho_depth_db2_0']['rho'])}")
    g = m["fit_log_saturated_vs_depth"]
    L.append(f"  saturated sweeps vs |D|: Spearman {sgn(m['rho_saturated_depth']['rho'])}; "
             f"fit saturated sweeps = {np.exp(g['a']):.3g} x exp({g['k']:.2f} |D|), R^2 "
             f"{g['r2']:.2f}; sweeps to solve vs saturated sweeps "
             f"{sgn(m['rho_solve_saturated']['rho'])}")
    L.append(f"intervention: seeds 0..{r['intervention_seeds'] - 1}, all else equal, initial "
             "b2 set to")
    for i in r["intervention"]:
        lo, hi = i["median_ci95"]
        lab = f"{i['b2']:+.1f}" if isinstance(i["b2"], float) else i["b2"]
        L.append(f"  {lab:<13} median {fmt(i['median']):>7} (95% CI {fmt(lo)}-{fmt(hi)})  "
                 f"Q1 {fmt(i['q1'])}  Q3 {fmt(i['q3'])}  max {fmt(i['max'])}  "
                 f"depth {i['depth_median']:.2f}")
    return L


# ---------------------------------------------------------------- octave
def study_octave(n, cap, progress):
    seeds = list(range(n))
    st, first = np.zeros(n), {c: np.zeros(n) for c in CRITERIA}
    for i in range(0, n, BLOCK):          # blocks of 1,000 seeds stay in the CPU's cache; a
        block = seeds[i:i + BLOCK]        # seed's run does not depend on its batch
        track = Track(len(block))
        st[i:i + BLOCK] = sweeps(vs.train(block, max_sweeps=cap, tolerance=min(CRITERIA),
                                          callback=track, progress=progress))
        for c in CRITERIA:
            first[c][i:i + BLOCK] = track.first[c]
    b2 = vs.init_params(seeds)["b2"]
    quart = {q: {"value": vs.quantiles(st)[q], "ci95": vs.quantile_ci(st, p)}
             for q, p in (("q1", 0.25), ("median", 0.5), ("q3", 0.75))}
    blocks = [{"seeds": [i, min(i + BLOCK, n) - 1], "median": float(np.median(st[i:i + BLOCK])),
               "b2_median": float(np.median(b2[i:i + BLOCK]))} for i in range(0, n, BLOCK)]
    crit = {"0.5 (right side)": describe(st)}
    for c, fc in first.items():
        f = np.where(fc >= 0, fc, np.inf)
        both = np.isfinite(f) & np.isfinite(st)
        crit[str(c)] = {**describe(f), "extra_median": float(np.median(f[both] - st[both]))}
    return {"seeds": seeds, "max_sweeps": cap, "n_solved": int(np.isfinite(st).sum()),
            "min": float(st.min()), "max": float(st.max()), "quartiles": quart,
            "blocks": blocks, "rho_block_median_b2": spearman(
                [b["b2_median"] for b in blocks], [b["median"] for b in blocks])
            if len(blocks) > 3 else None,
            "criteria": crit, "per_seed": {"sweeps_to_solve": st, "b2": b2}}


def octave_lines(r):
    n, q, o = len(r["seeds"]), r["quartiles"], vs.OCTAVE
    L = [f"octave: seeds 0..{n - 1}, paper settings, cap {r['max_sweeps']:,}; solved "
         f"{r['n_solved']}/{n}"]
    L.append("            ours (95% CI)                Octave replication (1,000 starts)")
    L.append(f"min         {fmt(r['min']):<28} {o['min']:,}")
    for k, lab in (("q1", "Q1"), ("median", "median"), ("q3", "Q3")):
        lo, hi = q[k]["ci95"]
        L.append(f"{lab:<11} {fmt(q[k]['value']) + f' ({fmt(lo)}-{fmt(hi)})':<28} {o[k]:,}")
    L.append(f"max         {fmt(r['max']):<28} {o['max']:,}")
    meds = [b["median"] for b in r["blocks"]]
    L.append(f"medians of the {len(meds)} blocks of {BLOCK:,} seeds: min {min(meds):,.0f}, "
             f"max {max(meds):,.0f}; blocks with median <= {o['median']:,}: "
             f"{sum(m <= o['median'] for m in meds)}")
    for b in r["blocks"]:
        L.append(f"  seeds {b['seeds'][0]}-{b['seeds'][1]}: median {b['median']:,.0f}, median "
                 f"initial b2 {b['b2_median']:+.3f}")
    if r["rho_block_median_b2"]:
        L.append(f"  Spearman, block median vs block median b2: "
                 f"{sgn(r['rho_block_median_b2']['rho'])}")
    L.append("criterion                     median (95% CI)        Q1      Q3  median extra")
    for c, d in r["criteria"].items():
        lo, hi = d["median_ci95"]
        name = "all 64 on the right side" if c.startswith("0.5") else f"every |y - d| < {c}"
        extra = f"{d['extra_median']:+,.0f}" if "extra_median" in d else ""
        L.append(f"{name:<29} {fmt(d['median']):>6} ({fmt(lo)}-{fmt(hi)})  {fmt(d['q1']):>6}"
                 f"  {fmt(d['q3']):>6}  {extra}")
    return L


# ---------------------------------------------------------------- grid and the -1/+1 coding
def run_grid(n_seeds, coding, cap, progress):
    """Every eps x alpha cell x seeds 0..n_seeds-1 in one batched computation."""
    L, M = np.meshgrid(np.asarray(GRID_LRS), np.asarray(GRID_MOMENTA), indexing="ij")
    out = vs.train(np.tile(np.arange(n_seeds), L.size), coding=coding,
                   lr=np.repeat(L.ravel(), n_seeds), momentum=np.repeat(M.ravel(), n_seeds),
                   max_sweeps=cap, progress=progress)
    st = sweeps(out).reshape(L.shape + (n_seeds,))
    X, _, _ = vs.make_patterns(coding)
    _, y = vs.forward(X, *vs.seed_last(out["params"]))     # (64, cells x seeds)
    dead = np.all(y < vs.DEAD_OUTPUT, axis=0).reshape(L.shape + (n_seeds,)).mean(axis=2)
    med = np.quantile(st, 0.5, axis=2, method="lower")      # an actual seed's count, or inf
    return {"lrs": list(GRID_LRS), "momenta": list(GRID_MOMENTA), "n_seeds": n_seeds,
            "coding": coding, "solve_rate": np.isfinite(st).mean(axis=2).tolist(),
            "output_saturated_rate": dead.tolist(),
            "median_sweeps_to_solve": [[int(x) if np.isfinite(x) else None for x in row]
                                       for row in med]}


def grid_lines(g):
    head = "eps\\alpha " + "".join(f"{m:>14g}" for m in g["momenta"])
    lines = [f"grid: coding {g['coding']}, {g['n_seeds']} seeds per cell; "
             "cell = solve rate % / median sweeps to solve", head]
    for i, lr in enumerate(g["lrs"]):
        cells = [f"{100 * g['solve_rate'][i][j]:.0f}% / {fmt(med)}"
                 for j, med in enumerate(g["median_sweeps_to_solve"][i])]
        lines.append(f"{lr:<10g}" + "".join(f"{c:>14}" for c in cells))
    lines += [f"runs ending with the output saturated off (every y < {vs.DEAD_OUTPUT}), %:", head]
    for i, lr in enumerate(g["lrs"]):
        lines.append(f"{lr:<10g}" + "".join(f"{100 * r:>13.0f}%"
                                             for r in g["output_saturated_rate"][i]))
    return lines


def study_pm1(n, cap, progress):
    out = vs.train(range(n), coding="pm1", max_sweeps=cap, progress=progress)
    per = [vs.run_metrics(out, i) for i in range(n)]
    return {"seeds": list(range(n)), "max_sweeps": cap, "summary": vs.summarize(per, cap),
            "per_seed": [{k: m[k] for k in ("solved", "sweeps_to_solve", "n_correct")}
                         for m in per]}


# ---------------------------------------------------------------- explain one net
def cancellation_count(pair_weights, bits):
    """How many asymmetric patterns give exactly zero drive sum_k c_k (x_k - x_{5-k}), for
    signed pair weights c_k; bits (64,6) in {0,1}."""
    D = bits[:, [a for a, _ in vs.PAIRS]] - bits[:, [b for _, b in vs.PAIRS]]  # (64,3)
    drive = D @ np.asarray(pair_weights, dtype=np.float64)
    return int(np.sum(np.isclose(drive[np.any(D != 0, axis=1)], 0.0, atol=1e-9)))


def net_inputs(params, s):
    """Hidden net inputs (64,2) and outputs (64,) of the net with index s (0/1 inputs)."""
    X, _, _ = vs.make_patterns()
    net_h = X @ params["W1"][s] + params["b1"][s]
    h = vs.sigmoid(net_h)
    return net_h, vs.sigmoid(h @ params["W2"][s] + params["b2"][s])


def explain_lines(params, s):
    """Why the net works: symmetric inputs cancel, no asymmetric one does; every pattern."""
    _, bits, d = vs.make_patterns()
    net_h, y = net_inputs(params, s)
    c, sym = vs.pair_weights(params["W1"][s]), d > 0.5
    drive = net_h - params["b1"][s]                          # net input minus bias
    L = []
    for j in range(vs.N_HID):
        L.append(f"hidden {j + 1}: |net - bias| over the 8 symmetric patterns <= "
                 f"{np.abs(drive[sym, j]).max():.3f}; over the 56 asymmetric ones >= "
                 f"{np.abs(drive[~sym, j]).min():.3f} (smallest pair magnitude "
                 f"{np.abs(c[:, j]).min():.3f})")
    L.append(f"max hidden net input, symmetric patterns: {net_h[sym].max():+.3f}; "
             f"min over asymmetric patterns of the larger hidden net input: "
             f"{net_h[~sym].max(axis=1).min():+.3f}")
    sg = np.sign(c[:, 0])
    L.append("asymmetric patterns whose antisymmetric drive cancels to 0 (pair weights with "
             "the learned signs): " + ", ".join(
                 f"{name} {cancellation_count(sg * np.asarray(r, float), bits)}"
                 for name, r in (("1:1:1", (1, 1, 1)), ("1:2:3", (1, 2, 3)),
                                 ("1:1.5:2", (1, 1.5, 2)), ("1:2:4", (1, 2, 4)))))
    L.append("pattern  sym  net_h1   net_h2   y")
    for p in range(64):
        L.append(f"{''.join(str(int(b)) for b in bits[p])}   {'yes' if d[p] else ' no'}  "
                 f"{net_h[p, 0]:+7.2f}  {net_h[p, 1]:+7.2f}  {y[p]:.3f}")
    return L


# ---------------------------------------------------------------- CLI
def build_parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("study", nargs="?", choices=STUDIES, default="plateau",
                   help="which study (default plateau)")
    p.add_argument("--seeds", type=vs.number(int, 10, vs.MAX_SEEDS), default=None, metavar="N",
                   help="seeds 0..N-1 (default: plateau 1000, octave 10000, grid 40 per "
                        "cell, pm1 1000)")
    p.add_argument("--seed", type=vs.number(int, 0, 2 ** 63 - 1), default=None,
                   help="explain: the seed (default 0)")
    p.add_argument("--max-sweeps", type=vs.number(int, 1, 10 ** 7), default=None,
                   help="sweep cap (default: plateau, octave 200000; others 20000)")
    p.add_argument("--json", type=vs.output_path, default=None, metavar="PATH",
                   help="write the results to this JSON file")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    return p


def main(argv=None):
    parser = build_parser()
    a = parser.parse_args(argv)
    if a.study == "explain" and a.seeds is not None:
        parser.error("argument --seeds: not used with the explain study (it takes --seed)")
    if a.study != "explain" and a.seed is not None:
        parser.error(f"argument --seed: not used with the {a.study} study (it takes --seeds)")
    n = a.seeds or DEFAULT_SEEDS.get(a.study, 1)
    cap = a.max_sweeps or DEFAULT_CAP[a.study]
    cells = len(GRID_LRS) * len(GRID_MOMENTA)
    if a.study == "grid" and n * cells > vs.MAX_SEEDS:
        parser.error(f"argument --seeds: the grid runs {cells} cells x N seeds; N <= "
                     f"{vs.MAX_SEEDS // cells}")
    report, end = vs.progress_printer(a.quiet, f"studies {a.study}")
    t0 = time.perf_counter()
    try:
        if a.study == "plateau":
            r = study_plateau(n, cap, report)
            lines = plateau_lines(r)
        elif a.study == "octave":
            r = study_octave(n, cap, report)
            lines = octave_lines(r)
        elif a.study == "grid":
            r = {"grids": {c: run_grid(n, c, cap, report) for c in ("01", "pm1")}}
            lines = grid_lines(r["grids"]["01"]) + grid_lines(r["grids"]["pm1"])
        elif a.study == "pm1":
            r = study_pm1(n, cap, report)
            lines = vs.summary_lines(r["summary"], "pm1")
        else:
            seed = a.seed or 0
            out = vs.train([seed], max_sweeps=cap)
            r = {"seed": seed, "params": out["params"]}
            lines = explain_lines(out["params"], 0)
    except vs.DivergenceError as e:
        print(f"studies_vector_symmetry.py: diverged: {e}", file=sys.stderr)
        return 1
    finally:
        end()
    wall = round(time.perf_counter() - t0, 3)
    if not a.quiet:
        print("\n".join(lines + [f"wallclock {wall:.2f} s"]))
    if a.json:
        vs.write_json(a.json, {"experiment": "vector_symmetry", "study": a.study,
                               "config": {"seeds": n, "max_sweeps": cap, "lr": vs.LR,
                                          "momentum": vs.MOMENTUM, "init_range": vs.INIT_RANGE,
                                          "tolerance": vs.TOLERANCE},
                               "results": r, "versions": {"python": platform.python_version(),
                                                          "numpy": np.__version__},
                               "wallclock_s": wall})
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.stderr.write("\nstudies_vector_symmetry.py: interrupted\n")
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(1)
