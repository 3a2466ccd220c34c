"""Mirror-symmetry detection with a 6-2-1 logistic net (Rumelhart, Hinton & Williams 1986).

All 64 binary 6-bit vectors; target 1 for the 8 that read the same backwards. Backprop by
hand: E = 1/2 sum_p (y_p - d_p)^2, the gradient accumulated over the sweep of 64 patterns,
dw(t) = -eps dE/dw + alpha dw(t-1), eps = 0.1, alpha = 0.9, initial weights U(-0.3, 0.3).
A run stops at the first sweep with every |y - d| < --tolerance (0.2), or at --max-sweeps
(20000); sweep t means "after t weight changes".

  --seed S     one run: sweeps to solve (all 64 on the right side of 0.5) and to tolerance,
               final error, the learned weights and mirror-pair ratios, how long the output
               unit sat saturated, and the weights along the way
  --sweep N    seeds 0..N-1 as one batched array computation: solve rate, sweeps-to-solve
               quartiles beside the paper and the Octave replication, which solution the
               solved runs found, where the failures are stuck, time spent saturated
  --json PATH  also writes config and metrics (and per_seed, summary for a sweep); the
               studies beyond the paper are in studies_vector_symmetry.py
"""
import argparse
import collections
import ctypes
import json
import math
import os
import platform
import sys
import time

import numpy as np

# ---- the paper's values (every one is a flag) ----
LR = 0.1            # paper: epsilon, step size on the gradient accumulated over a sweep
MOMENTUM = 0.9      # paper: alpha
INIT_RANGE = 0.3    # paper: initial weights uniform in [-0.3, 0.3] (ours: biases too)
# ---- our choices ----
MAX_SWEEPS = 20000  # ours: give up after this many weight changes
TOLERANCE = 0.2     # ours: stop when every |y - d| < TOLERANCE (the paper gives no rule)
DEAD_OUTPUT = 0.05  # ours: "output saturated off" = every one of the 64 outputs below this
WEIGHT_LIMIT = 1e12  # ours: a weight beyond this counts as divergence
MAX_SEEDS = 100000  # ours: --sweep cap (about 20 kB of working memory and JSON per seed)
N_IN, N_HID = 6, 2
N_PARAMS = N_IN * N_HID + N_HID + N_HID + 1   # 17: W1, b1, W2, b2

# ---- reference numbers (shared/REFERENCES.md section 1) ----
PAPER_SWEEPS = 1425
OCTAVE = {"min": 333, "q1": 1127, "median": 2715, "q3": 7830, "max": 54770}
PAIRS = ((0, 5), (1, 4), (2, 3))   # mirror-image input positions, outermost first


def keep_freed_memory():
    """Speed only, never a result: a sweep allocates and frees ~1 MB arrays every step, and
    with glibc's defaults the freed memory goes back to the OS and faults in again (measured
    on 1,000 seeds: 634,000 page faults, up to 1.6x slower). Ask glibc to keep it."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 32 << 20)      # M_MMAP_THRESHOLD: arrays below 32 MB from the heap
        libc.mallopt(-1, 256 << 20)     # M_TRIM_THRESHOLD: keep up to 256 MB of freed heap
    except (OSError, AttributeError):   # not glibc: nothing to do
        pass


keep_freed_memory()


class DivergenceError(RuntimeError):
    """Raised when a weight or the error becomes non-finite or beyond WEIGHT_LIMIT."""


# ---------------------------------------------------------------- data
def make_patterns(coding="01"):
    """All 64 6-bit vectors (row p = binary digits of p): X (64,6) in the coding ("01", the
    paper's, or "pm1"), bits (64,6) in {0,1}, targets d (64,), 1 for the 8 symmetric ones."""
    p = np.arange(64)
    bits = ((p[:, None] >> np.arange(N_IN - 1, -1, -1)[None, :]) & 1).astype(np.float64)
    d = np.all(bits == bits[:, ::-1], axis=1).astype(np.float64)
    X = bits if coding == "01" else 2.0 * bits - 1.0
    return X, bits, d


assert make_patterns()[2].sum() == 8      # the paper: 8 of the 64 vectors are symmetric


# ---------------------------------------------------------------- model
def init_params(seeds, init_range=INIT_RANGE):
    """One default_rng(s) per seed, 17 uniform draws each in the order W1 (6x2, row = input),
    b1, W2, b2, stacked on a leading seed axis: W1 (S,6,2), b1 (S,2), W2 (S,2), b2 (S,)."""
    v = np.stack([np.random.default_rng(int(s)).uniform(-init_range, init_range, N_PARAMS)
                  for s in seeds])
    return {"W1": v[:, :12].reshape(-1, N_IN, N_HID).copy(), "b1": v[:, 12:14].copy(),
            "W2": v[:, 14:16].copy(), "b2": v[:, 16].copy()}


def sigmoid(x):
    with np.errstate(over="ignore"):          # exp(-x) = inf for x < -709 gives exactly 0
        return 1.0 / (1.0 + np.exp(-x))


def pattern_sum(a):
    """Sum over the 64 patterns (axis 0), added one pattern after another.

    With two or more seeds on the last axis numpy adds the rows in order; with one it would
    add pairwise, and a seed run alone would differ in the last bit from the same seed in a
    sweep. So a single seed is summed as two copies of itself.
    """
    if a.shape[-1] == 1:
        return np.concatenate([a, a], axis=-1).sum(axis=0)[..., :1]
    return a.sum(axis=0)


# Inside training the seed axis is LAST, so that one matrix product covers every seed:
#   X (P,6) with P = 64 patterns; W1 (6,2,S); b1 (2,S); W2 (2,S); b2 (S,)
#   hidden h (P,2,S); output y (P,S); targets d (P,)
def forward(X, W1, b1, W2, b2):
    net_h = np.tensordot(X, W1, axes=1) + b1            # (P,2,S) hidden net input
    h = sigmoid(net_h)                                   # (P,2,S) hidden logistic
    y = sigmoid((h * W2).sum(axis=1) + b2)               # (P,S)   output logistic
    return h, y


def backward(X, err, h, y, W2):
    """Gradients of E = 1/2 sum_p (y - d)^2 for every seed; err = y - d (P,S)."""
    dnet_y = err * y * (1.0 - y)                         # (P,S)   through the output logistic
    dW2 = pattern_sum(dnet_y[:, None, :] * h)            # (2,S)   dE/dW2 = sum_p dnet_y h
    db2 = pattern_sum(dnet_y)                            # (S,)
    dh = dnet_y[:, None, :] * W2                         # (P,2,S) into the hidden activations
    dnet_h = dh * h * (1.0 - h)                          # (P,2,S) through the hidden logistic
    dW1 = np.tensordot(X.T, dnet_h, axes=1)              # (6,2,S) dE/dW1 = sum_p x dnet_h
    db1 = pattern_sum(dnet_h)                            # (2,S)
    return dW1, db1, dW2, db2


def error(err):
    return 0.5 * pattern_sum(err ** 2)                   # (S,) E = 1/2 sum_p (y - d)^2


def seed_last(params):
    return [np.moveaxis(params[k], 0, -1).copy() for k in ("W1", "b1", "W2", "b2")]


def seed_first(*W):
    return {k: np.moveaxis(a, -1, 0).copy() for k, a in zip(("W1", "b1", "W2", "b2"), W)}


def loss_and_grads(params, X, d):
    """Pure function (tests): per-seed E (S,) and gradients, params as from init_params."""
    W1, b1, W2, b2 = seed_last(params)
    h, y = forward(X, W1, b1, W2, b2)
    err = y - d[:, None]
    return error(err), seed_first(*backward(X, err, h, y, W2))


# ---------------------------------------------------------------- training
def train(seeds, coding="01", lr=LR, momentum=MOMENTUM, init_range=INIT_RANGE,
          max_sweeps=MAX_SWEEPS, tolerance=TOLERANCE, callback=None, progress=None,
          init=None):
    """One net per seed, all in one batched computation; lr, momentum: scalars or per seed.
    A seed stops (weights frozen, dropped from the arrays) at its first sweep with every
    |y - d| < tolerance, or at max_sweeps. callback(t, idx, W, E, n_correct, y) sees every
    sweep before the weight change (idx: the running seeds' positions; W: [W1, b1, W2, b2],
    seed axis last); progress(t, n_running) every 100 sweeps; init: a study's own start."""
    seeds = [int(s) for s in seeds]
    S = len(seeds)
    X, _, d = make_patterns(coding)
    target_on = d[:, None] > 0.5
    p0 = init_params(seeds, init_range) if init is None else init
    lr = np.broadcast_to(np.asarray(lr, dtype=np.float64), (S,)).copy()
    mom = np.broadcast_to(np.asarray(momentum, dtype=np.float64), (S,)).copy()
    final = {k: v.copy() for k, v in p0.items()}
    out = {"sweeps_to_solve": np.full(S, -1), "sweeps_to_tolerance": np.full(S, -1),
           "stopped_at": np.zeros(S, dtype=int), "final_error": np.zeros(S),
           "n_correct": np.zeros(S, dtype=int), "sweeps_saturated": np.zeros(S, dtype=int)}
    idx = np.arange(S)                                   # which seeds are still running
    W = seed_last(p0)                                    # [W1, b1, W2, b2], seed axis last
    V = [np.zeros_like(w) for w in W]                    # the previous weight changes dw(t-1)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(max_sweeps + 1):
            h, y = forward(X, *W)
            err = y - d[:, None]                          # (P,S)
            E = error(err)
            bad = ~np.isfinite(E) | (np.abs(W[0]).max(axis=(0, 1)) > WEIGHT_LIMIT)
            if bad.any():
                raise DivergenceError(f"weights or error non-finite or beyond {WEIGHT_LIMIT:g}"
                                      f" at sweep {t} (seed {seeds[idx[bad][0]]})")
            n_correct = ((y > 0.5) == target_on).sum(axis=0)
            out["sweeps_saturated"][idx] += y.max(axis=0) < DEAD_OUTPUT
            new_solve = (n_correct == 64) & (out["sweeps_to_solve"][idx] < 0)
            out["sweeps_to_solve"][idx[new_solve]] = t
            within = np.abs(err).max(axis=0) < tolerance
            out["sweeps_to_tolerance"][idx[within]] = t
            if callback:
                callback(t, idx, W, E, n_correct, y)
            done = within if t < max_sweeps else np.ones_like(within)
            if done.any():                                # freeze the finished seeds
                j = idx[done]
                for k, v in seed_first(*(w[..., done] for w in W)).items():
                    final[k][j] = v
                out["stopped_at"][j], out["final_error"][j] = t, E[done]
                out["n_correct"][j] = n_correct[done]
                keep = ~done
                if not keep.any():
                    break
                idx, lr, mom = idx[keep], lr[keep], mom[keep]
                # keep C order (a boolean index may not), which pattern_sum relies on
                W, V = ([np.ascontiguousarray(a[..., keep]) for a in A] for A in (W, V))
                h, y, err = (np.ascontiguousarray(a[..., keep]) for a in (h, y, err))
            grads = backward(X, err, h, y, W[2])
            for w, v, g in zip(W, V, grads):              # dw(t) = -eps dE/dw + alpha dw(t-1)
                v[...] = mom * v - lr * g
                w += v
            if progress and t % 100 == 0:
                progress(t, len(idx))
    out.update(params=final, seeds=seeds, coding=coding)
    return out


# ---------------------------------------------------------------- what a net learned
def pair_structure(W1):
    """Mirror pairs of one net's input weights W1 (6,2): weight_ratio (per hidden unit, the
    pair magnitudes, mean of the two |w|, sorted and divided by the smallest) and
    antisymmetry (max over pairs and units of |w_i + w_{5-i}| / (|w_i| + |w_{5-i}|))."""
    ratios, anti = [], 0.0
    for j in range(N_HID):
        s = sorted(0.5 * (abs(W1[a, j]) + abs(W1[b, j])) for a, b in PAIRS)
        ratios.append([x / s[0] if s[0] > 0 else float("inf") for x in s])
        for a, b in PAIRS:
            den = abs(W1[a, j]) + abs(W1[b, j])
            anti = max(anti, abs(W1[a, j] + W1[b, j]) / den if den > 0 else 0.0)
    return ratios, anti


def ratio_is(ratios, anti, target, rel=0.10):
    """Antisymmetric pairs (within rel) and magnitudes 1:target[0]:target[1] within rel."""
    ok = anti <= rel
    for r in ratios:
        ok = ok and abs(r[1] / target[0] - 1.0) <= rel and abs(r[2] / target[1] - 1.0) <= rel
    return bool(ok)


def is_paper_solution(ratios, anti, rel=0.10):
    """Antisymmetric pairs and magnitudes 1:2:4, both within rel, in both hidden units."""
    return ratio_is(ratios, anti, (2.0, 4.0), rel)


def pair_weights(W1):
    """Antisymmetric part c_k = (w_k - w_{5-k}) / 2 of each mirror pair of W1 (6,2): (3,2)."""
    return np.array([0.5 * (W1[a] - W1[b]) for a, b in PAIRS])


SIGNED_DIFFS = np.array([v for v in np.ndindex(3, 3, 3) if v != (1, 1, 1)]) - 1  # 26 nonzero


def min_asymmetric_drive(W1, coding="01"):
    """Per hidden unit, min over asymmetric inputs of |sum_k c_k (x_k - x_{5-k})|, with
    c_k = (w_k - w_{5-k}) / 2 and x_k - x_{5-k} over {-1,0,1}^3 minus 0 (times 2 for pm1)."""
    c = pair_weights(W1)                                         # (3, 2)
    step = 1.0 if coding == "01" else 2.0
    return step * np.abs(SIGNED_DIFFS @ c).min(axis=0)


def run_metrics(out, s):
    """The JSON metrics of the net with index s in a train() result."""
    params, coding = out["params"], out["coding"]
    X, _, _ = make_patterns(coding)
    W1 = params["W1"][s]
    ratios, anti = pair_structure(W1)
    w = {k: params[k][s].tolist() for k in ("W1", "b1", "W2")}
    w["b2"] = float(params["b2"][s])
    solve, tol = int(out["sweeps_to_solve"][s]), int(out["sweeps_to_tolerance"][s])
    _, y = forward(X, *seed_last({k: params[k][s:s + 1] for k in params}))
    y = y.T
    return {
        "solved": solve >= 0,
        "sweeps_to_solve": solve if solve >= 0 else None,
        "sweeps_to_tolerance": tol if tol >= 0 else None,
        "stopped_at": int(out["stopped_at"][s]),
        "sweeps_saturated": int(out["sweeps_saturated"][s]),
        "final_error": float(out["final_error"][s]),
        "n_correct": int(out["n_correct"][s]),
        "weight_ratio": [[round(x, 6) for x in r] for r in ratios],
        "antisymmetry": float(anti),
        "hidden_bias_signs": [int(np.sign(b)) for b in params["b1"][s]],
        "output_bias_sign": int(np.sign(params["b2"][s])),
        "hidden_units_sign_flipped": bool(np.all(np.sign(W1[:, 0]) == -np.sign(W1[:, 1]))),
        "paper_solution": is_paper_solution(ratios, anti),
        "ratio_1_1.5_2": ratio_is(ratios, anti, (1.5, 2.0)),
        "min_asymmetric_drive": [float(x) for x in min_asymmetric_drive(W1, coding)],
        "always_not_symmetric": bool(np.all(y[0] < 0.5)),
        "output_saturated_off": bool(np.all(y[0] < DEAD_OUTPUT)),
        "final_weights": w,
    }


def classify(m):
    """A short label for what a run ended up as."""
    if m["solved"]:
        if m["paper_solution"]:
            return "paper 1:2:4 antisymmetric"
        if m["ratio_1_1.5_2"]:
            return "antisymmetric 1:1.5:2 (within 10%)"
        return "antisymmetric, other ratio" if m["antisymmetry"] <= 0.1 else "not antisymmetric"
    if m["output_saturated_off"]:
        return f"stuck: 'not symmetric' to all, output saturated (every y < {DEAD_OUTPUT})"
    if m["always_not_symmetric"]:
        return "stuck: 'not symmetric' to all (56/64), output not saturated"
    return f"stuck: {m['n_correct']}/64 correct"


# ---------------------------------------------------------------- statistics
def quantiles(values):
    """min, q1, median, q3, max (linear interpolation); a quantile touching inf is inf."""
    v = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(v)
    q = np.quantile(np.where(finite, v, 1e300), [0.0, 0.25, 0.5, 0.75, 1.0])
    if not finite.all():
        q[q > (v[finite].max() if finite.any() else -np.inf)] = np.inf
    return dict(zip(("min", "q1", "median", "q3", "max"), (float(x) for x in q)))


def wilson(k, n, z=1.96):
    """95% Wilson score interval for a proportion k/n."""
    p = k / n
    c = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    mid = (p + z * z / (2 * n)) / (1 + z * z / n)
    return (float(max(0.0, mid - c)), float(min(1.0, mid + c)))


def quantile_ci(values, q=0.5, z=1.96):
    """Distribution-free 95% interval of the q-quantile from order statistics (inf allowed)."""
    v = np.sort(np.asarray(values, dtype=np.float64))
    n, half = len(v), z * np.sqrt(len(v) * q * (1 - q))
    lo, hi = int(np.floor(n * q - half)), int(np.ceil(n * q + half))
    return [float(v[max(lo, 0)]), float(v[min(hi, n - 1)])]


def counts(values):                                       # {value as text: count}, largest first
    return dict(collections.Counter(map(str, values)).most_common())


def summarize(per_seed, max_sweeps):
    """Summary dict of a sweep's per-seed metrics."""
    n = len(per_seed)
    solved = [m for m in per_seed if m["solved"]]
    k = len(solved)
    all_s = [m["sweeps_to_solve"] if m["solved"] else np.inf for m in per_seed]
    s_solved = np.array([m["sweeps_to_solve"] for m in solved], dtype=np.float64)
    tol = np.array([m["sweeps_to_tolerance"] for m in per_seed
                    if m["sweeps_to_tolerance"] is not None], dtype=np.float64)
    paper = [m for m in solved if m["paper_solution"]]
    families = {}
    for name, key in (("paper 1:2:4", "paper_solution"), ("1:1.5:2", "ratio_1_1.5_2")):
        fam = [m for m in solved if m[key]]
        if fam:
            r = np.array([m["weight_ratio"] for m in fam]).reshape(-1, 3)
            families[name] = {
                "n": len(fam),
                "median_ratio": [round(float(x), 3) for x in np.median(r, axis=0)],
                "median_min_asymmetric_drive": float(np.median(
                    [m["min_asymmetric_drive"] for m in fam])),
                "median_abs_hidden_bias": float(np.median(
                    [np.abs(m["final_weights"]["b1"]) for m in fam])),
                "median_sweeps_to_solve": float(np.median([m["sweeps_to_solve"] for m in fam]))}
    sat = np.array([m["sweeps_saturated"] for m in per_seed])
    rest = np.array([m["sweeps_to_solve"] - m["sweeps_saturated"] for m in solved])
    return {
        "n_seeds": n, "max_sweeps": max_sweeps,
        "solve_rate": k / n, "solve_rate_ci95": list(wilson(k, n)), "n_solved": k,
        "sweeps_to_solve_all": quantiles(all_s),
        "sweeps_to_solve_all_median_ci95": quantile_ci(all_s),
        "sweeps_to_solve_solved": ({**quantiles(s_solved), "mean": float(s_solved.mean()),
                                    "std": float(s_solved.std(ddof=1)) if k > 1 else 0.0}
                                   if k else None),
        "solved_by_paper_sweeps": int(np.sum(s_solved <= PAPER_SWEEPS)),
        "sweeps_to_tolerance_reached": int(len(tol)),
        "sweeps_to_tolerance": quantiles(tol) if len(tol) else None,
        "outcomes": counts(classify(m) for m in per_seed),
        "paper_solution_fraction_of_solved": len(paper) / k if k else 0.0,
        "paper_solution_sign_flipped": sum(m["hidden_units_sign_flipped"] for m in paper),
        "paper_solution_bias_signs_as_paper": sum(
            m["hidden_bias_signs"] == [-1, -1] and m["output_bias_sign"] == 1 for m in paper),
        "families": families,
        "saturation": {
            "runs_ever_saturated": int(np.sum(sat > 0)),
            "sweeps_saturated_median": float(np.median(sat)),
            "solved_sweeps_not_saturated": quantiles(rest) if k else None,
            "solved_fraction_of_sweeps_saturated_median": float(np.median(
                [m["sweeps_saturated"] / max(m["sweeps_to_solve"], 1) for m in solved]))
            if k else None},
        "failures_by_n_correct": counts(m["n_correct"] for m in per_seed if not m["solved"]),
        "final_error_mean": float(np.mean([m["final_error"] for m in per_seed]))}


# ---------------------------------------------------------------- printed lines
def fmt(x):
    return ">max" if not np.isfinite(x) else f"{x:,.0f}"


def summary_lines(summ, coding="01"):
    """The printed sweep summary; the README quotes these lines verbatim."""
    n, k = summ["n_seeds"], summ["n_solved"]
    lo, hi = summ["solve_rate_ci95"]
    a = summ["sweeps_to_solve_all"]
    mlo, mhi = summ["sweeps_to_solve_all_median_ci95"]
    lines = [f"sweep: {n} seeds (0..{n - 1}), coding {coding}, max {summ['max_sweeps']} sweeps",
             f"solved: {k}/{n} = {100 * k / n:.1f}% (95% CI {100 * lo:.1f}-{100 * hi:.1f}%)",
             "sweeps to solve, all seeds (unsolved = >max): "
             f"min {fmt(a['min'])}  Q1 {fmt(a['q1'])}  median {fmt(a['median'])} "
             f"(95% CI {fmt(mlo)}-{fmt(mhi)})  Q3 {fmt(a['q3'])}  max {fmt(a['max'])}"]
    s = summ["sweeps_to_solve_solved"]
    if s:
        lines.append(f"sweeps to solve, solved seeds: mean {s['mean']:,.0f}  std {s['std']:,.0f}  "
                     f"min {fmt(s['min'])}  Q1 {fmt(s['q1'])}  median {fmt(s['median'])}  "
                     f"Q3 {fmt(s['q3'])}  max {fmt(s['max'])}")
    t = summ["sweeps_to_tolerance"]
    if t:
        lines.append(f"sweeps to tolerance (reached by {summ['sweeps_to_tolerance_reached']}): "
                     f"min {fmt(t['min'])}  median {fmt(t['median'])}  max {fmt(t['max'])}")
    lines.append(f"solved within the paper's {PAPER_SWEEPS:,} sweeps: "
                 f"{summ['solved_by_paper_sweeps']}/{n}")
    lines.append(f"paper {PAPER_SWEEPS:,}; Octave replication (1000 starts): min {OCTAVE['min']}  "
                 f"Q1 {OCTAVE['q1']:,}  median {OCTAVE['median']:,}  Q3 {OCTAVE['q3']:,}  "
                 f"max {OCTAVE['max']:,}")
    npap = round(summ["paper_solution_fraction_of_solved"] * k)
    lines.append(f"paper solution (antisymmetric, 1:2:4 within 10%): {npap}/{k} solved "
                 f"({100 * summ['paper_solution_fraction_of_solved']:.1f}%); of these "
                 f"sign-flipped {summ['paper_solution_sign_flipped']}, biases -,-,+ "
                 f"{summ['paper_solution_bias_signs_as_paper']}")
    lines += [f"  {c:5d}  {kind}" for kind, c in summ["outcomes"].items()]
    for name, f in summ["families"].items():
        lines.append(f"{name}: n {f['n']}, median ratio 1:{f['median_ratio'][1]:.2f}:"
                     f"{f['median_ratio'][2]:.2f}, min asymmetric drive "
                     f"{f['median_min_asymmetric_drive']:.2f} vs |hidden bias| "
                     f"{f['median_abs_hidden_bias']:.2f}, median sweeps to solve "
                     f"{f['median_sweeps_to_solve']:,.0f}")
    sa = summ["saturation"]
    lines.append(f"output saturated (every y < {DEAD_OUTPUT}) at some sweep in "
                 f"{sa['runs_ever_saturated']}/{n} runs; saturated sweeps per run: median "
                 f"{sa['sweeps_saturated_median']:,.0f}")
    if sa["solved_sweeps_not_saturated"]:
        r = sa["solved_sweeps_not_saturated"]
        lines.append(f"solved runs, sweeps to solve minus saturated sweeps: median "
                     f"{fmt(r['median'])}, max {fmt(r['max'])}; median share of sweeps "
                     f"saturated {100 * sa['solved_fraction_of_sweeps_saturated_median']:.1f}%")
    lines.append("failures by final n_correct: " + (", ".join(
        f"{a}/64: {b}" for a, b in sorted(summ["failures_by_n_correct"].items())) or "none"))
    return lines


def single_run(seed, coding="01", **kw):
    """One run with its trace: (printed lines, metrics, train() result)."""
    E, max_y, snaps = [], [], {}

    def record(t, idx, W, err, n_correct, y):
        E.append(err[0])
        max_y.append(y.max())
        if t % 100 == 0:
            snaps[t] = seed_first(*W)
    out = train([seed], coding=coding, callback=record, **kw)
    m = run_metrics(out, 0)
    dead = np.flatnonzero(np.array(max_y) < DEAD_OUTPUT)
    at = [t for t in (0, 10, 100, 1000, 10000) if t < len(E)]
    ratios = "; ".join("1:" + ":".join(f"{x:.2f}" for x in r[1:]) for r in m["weight_ratio"])
    lines = [f"seed {seed}, coding {coding}: solved {m['solved']} at sweep "
             f"{m['sweeps_to_solve']}; tolerance at sweep {m['sweeps_to_tolerance']} "
             f"(paper: solved after {PAPER_SWEEPS:,})",
             f"final error {m['final_error']:.4f}, {m['n_correct']}/64 correct; "
             f"weight ratio per hidden unit {ratios}; antisymmetry {m['antisymmetry']:.4f}",
             f"hidden bias signs {m['hidden_bias_signs']}, output bias sign "
             f"{m['output_bias_sign']:+d}, hidden units sign-flipped "
             f"{m['hidden_units_sign_flipped']}, paper solution {m['paper_solution']}; "
             f"outcome: {classify(m)}",
             "error E at sweep " + ", ".join(f"{t:,}" for t in at) + ": "
             + ", ".join(f"{E[t]:.3f}" for t in at),
             f"output saturated off (every y < {DEAD_OUTPUT}) during {len(dead):,} of "
             f"{len(E):,} sweeps" + (f", sweeps {dead[0]:,} to {dead[-1]:,}" if len(dead) else "")]
    stop = len(E) - 1
    snaps[stop] = out["params"]
    marks = [t for t in (0, 1000, 10000) if t < stop]
    if m["solved"] and m["sweeps_to_solve"] >= 600:
        marks.append((m["sweeps_to_solve"] - 500) // 100 * 100)
    for t in sorted(set(marks)) + [stop]:
        p = snaps[t]
        _, anti = pair_structure(p["W1"][0])
        lines.append(f"sweep {t:,}: output bias {p['b2'][0]:+.2f}, output weights "
                     + " ".join(f"{w:+.2f}" for w in p["W2"][0])
                     + f", max |input weight| {np.abs(p['W1'][0]).max():.2f}, "
                     f"antisymmetry {anti:.3f}, E {E[t]:.3f}")
    W1 = out["params"]["W1"][0]
    c = pair_weights(W1)
    for j in range(N_HID):
        lines.append(f"hidden {j + 1}: weights " + " ".join(f"{w:+.2f}" for w in W1[:, j])
                     + f" | bias {out['params']['b1'][0][j]:+.2f} | pair weights c = "
                     + " ".join(f"{x:+.2f}" for x in c[:, j]))
    return lines, m, out


# ---------------------------------------------------------------- CLI
def number(cast, lo, hi, lo_open=False, hi_open=False):
    """argparse type: a finite int or float in [lo, hi] (open ends as asked)."""
    def f(text):
        try:
            v = cast(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {cast.__name__}, got {text!r}")
        if (not math.isfinite(v) or v < lo or v > hi or (lo_open and v == lo)
                or (hi_open and v == hi)):
            raise argparse.ArgumentTypeError(f"must be finite, in {'(' if lo_open else '['}"
                                             f"{lo:g}, {hi:g}{')' if hi_open else ']'}, got {text}")
        return v
    return f


def output_path(text):
    """argparse type: a file to write; its folder must take a new file (checked by making one)."""
    try:
        if os.path.isdir(text):
            raise IsADirectoryError(21, "is a directory")
        tmp = os.path.join(os.path.dirname(os.path.abspath(text)),
                           f".{os.path.basename(text)}.{os.getpid()}.check")
        open(tmp, "w").close()
        os.remove(tmp)
    except OSError as e:
        raise argparse.ArgumentTypeError(f"cannot write {text}: {e.strerror or e}")
    return text


def write_atomic(path, write):
    """write(tmp) into a temporary file beside path, mode 0644, then os.replace it onto path;
    the temporary file is removed on any failure or interrupt."""
    path = os.path.abspath(path)
    tmp = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def jsonable(x):
    """Plain-Python copy for strict JSON (numpy scalars -> Python, inf and nan -> None)."""
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, np.ndarray)):
        return [jsonable(v) for v in x]
    if isinstance(x, (float, np.floating)):
        return float(x) if np.isfinite(x) else None
    return x.item() if isinstance(x, np.generic) else x


def write_json(path, obj):
    def write(tmp):
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(json.dumps(jsonable(obj), indent=1, allow_nan=False) + "\n")
    write_atomic(path, write)


def progress_printer(quiet, label):
    """(report(t, n_running), end()): a one-line counter on stderr if it is a terminal."""
    show, started = sys.stderr.isatty() and not quiet, [False]

    def report(t, n):
        if show:
            sys.stderr.write(f"\r{label}: sweep {t:,}, {n:,} runs still training   ")
            sys.stderr.flush()
            started[0] = True

    def end():
        if started[0]:
            sys.stderr.write("\n")
    return report, end


def build_parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=number(int, 0, 2 ** 63 - 1), default=None,
                   help="seed of a single run (default 0)")
    p.add_argument("--sweep", type=number(int, 1, MAX_SEEDS), default=None, metavar="N",
                   help=f"run seeds 0..N-1 as one batched computation (N <= {MAX_SEEDS})")
    p.add_argument("--json", type=output_path, default=None, metavar="PATH",
                   help="write results to this JSON file")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    p.add_argument("--lr", "--epsilon", dest="lr", type=number(float, 0, 1e300, lo_open=True),
                   default=LR, help=f"epsilon, step size (paper {LR})")
    p.add_argument("--momentum", "--alpha", dest="momentum",
                   type=number(float, 0, 1, hi_open=True), default=MOMENTUM,
                   help=f"alpha, momentum in [0, 1) (paper {MOMENTUM})")
    p.add_argument("--init-range", type=number(float, 0, 10, lo_open=True), default=INIT_RANGE,
                   help=f"initial weights and biases U(-r, r) (paper {INIT_RANGE})")
    p.add_argument("--max-sweeps", type=number(int, 1, 10 ** 7), default=MAX_SWEEPS,
                   help=f"give up after this many sweeps (default {MAX_SWEEPS})")
    p.add_argument("--tolerance", type=number(float, 0, 0.5, lo_open=True), default=TOLERANCE,
                   help=f"stop when every |y - d| < this (default {TOLERANCE})")
    return p


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.seed is not None and args.sweep is not None:
        parser.error("argument --seed: not used with --sweep (a sweep runs seeds 0..N-1)")
    say = (lambda *a: None) if args.quiet else print
    report, end = progress_printer(args.quiet, "vector_symmetry")
    t0 = time.perf_counter()
    kw = {k: getattr(args, k) for k in ("lr", "momentum", "init_range", "max_sweeps",
                                        "tolerance")}
    res = {"experiment": "vector_symmetry", "config": dict(kw)}
    try:
        if args.sweep is not None:
            seeds = list(range(args.sweep))
            out = train(seeds, progress=report, **kw)
            per_seed = [{"seed": s, **run_metrics(out, i)} for i, s in enumerate(seeds)]
            summ = summarize(per_seed, args.max_sweeps)
            headline = ("n_solved", "solve_rate", "solve_rate_ci95", "sweeps_to_solve_all",
                        "sweeps_to_solve_all_median_ci95", "sweeps_to_tolerance",
                        "paper_solution_fraction_of_solved", "final_error_mean")
            res.update(seeds=seeds, metrics={k: summ[k] for k in headline}, per_seed=per_seed,
                       summary=summ)
            lines = summary_lines(summ)
        else:
            res["seed"] = args.seed or 0
            lines, res["metrics"], _ = single_run(res["seed"], progress=report, **kw)
    except DivergenceError as e:
        print(f"vector_symmetry.py: diverged: {e}", file=sys.stderr)
        return 1
    finally:
        end()
    res["versions"] = {"python": platform.python_version(), "numpy": np.__version__}
    res["wallclock_s"] = round(time.perf_counter() - t0, 3)
    for line in lines + [f"wallclock {res['wallclock_s']:.2f} s"]:
        say(line)
    if args.json:
        write_json(args.json, res)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.stderr.write("\nvector_symmetry.py: interrupted\n")
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(1)
