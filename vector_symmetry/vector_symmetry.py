"""Mirror-symmetry detection with a 6-2-1 logistic net (Rumelhart, Hinton & Williams 1986).

All 64 binary 6-bit vectors; target 1 for the 8 that read the same backwards.
Plain backprop, written by hand: E = 1/2 sum (y - d)^2, the gradient accumulated
over the full sweep of 64 patterns, dw(t) = -eps dE/dw + alpha dw(t-1),
eps = 0.1, alpha = 0.9, initial weights uniform in [-0.3, 0.3].

A run stops at the first sweep where every |y - d| < --tolerance (0.2), or at
--max-sweeps (20000). Sweep t means "after t weight changes".

What running it prints:
  --seed S            one run: sweeps to solve (all 64 on the right side of 0.5)
                      and to tolerance, final error, how long the output unit sat
                      saturated, the weights along the way, the learned weights and
                      mirror-pair ratios, and why no asymmetric vector cancels
                      (add --explain for every pattern's hidden net input).
  --sweep N           seeds 0..N-1 as ONE batched array computation: solve rate,
                      sweeps-to-solve quartiles beside the paper and the public
                      Octave replication, which solution the solved runs found,
                      where the failures are stuck, time spent saturated.
  --grid              solve rate and median sweeps over an eps x alpha grid,
                      for both input codings (0/1 and -1/+1).
  --json PATH         writes config, metrics (and per_seed/summary) as JSON.
"""
import argparse
import json
import os
import platform
import sys
import time

import numpy as np

# ---- paper defaults (every one is a CLI flag) ----
LR = 0.1            # epsilon, step size on the accumulated gradient
MOMENTUM = 0.9      # alpha
INIT_RANGE = 0.3    # initial weights and biases uniform in [-INIT_RANGE, INIT_RANGE]
CODING = "01"       # input coding: "01" (paper) or "pm1" (-1/+1)
MAX_SWEEPS = 20000  # give up after this many weight changes
TOLERANCE = 0.2     # stop when every |y - d| < TOLERANCE
N_IN, N_HID = 6, 2
N_PARAMS = N_IN * N_HID + N_HID + N_HID + 1   # 17: W1, b1, W2, b2

# ---- grid defaults ----
GRID_LRS = (0.02, 0.05, 0.1, 0.2, 0.5)
GRID_MOMENTA = (0.0, 0.5, 0.8, 0.9, 0.95)
GRID_SEEDS = 40

# ---- reference numbers (shared/REFERENCES.md section 1) ----
PAPER_SWEEPS = 1425
OCTAVE = {"min": 333, "q1": 1127, "median": 2715, "q3": 7830, "max": 54770}
PAIRS = ((0, 5), (1, 4), (2, 3))   # mirror-image input positions
DEAD_OUTPUT = 0.05                 # "output saturated off": every one of the 64 outputs below this


class DivergenceError(RuntimeError):
    """Raised when the error becomes NaN or infinite."""


# ---------------------------------------------------------------- data
def make_patterns(coding=CODING):
    """All 64 6-bit vectors (row p = binary digits of p, most significant first).

    Returns X (64, 6) in the requested coding, bits (64, 6) in {0,1}, d (64,) targets.
    """
    p = np.arange(64)
    bits = ((p[:, None] >> np.arange(N_IN - 1, -1, -1)[None, :]) & 1).astype(np.float64)
    d = np.all(bits == bits[:, ::-1], axis=1).astype(np.float64)
    X = bits if coding == "01" else 2.0 * bits - 1.0
    return X, bits, d


# ---------------------------------------------------------------- model
def init_params(seeds, init_range=INIT_RANGE):
    """One default_rng(s) per seed, 17 uniform draws each, stacked on a leading axis.

    Draw order per seed: W1 (6x2, row = input), b1 (2), W2 (2), b2 (1).
    Returns dict W1 (S,6,2), b1 (S,2), W2 (S,2), b2 (S,).
    """
    v = np.stack([np.random.default_rng(int(s)).uniform(-init_range, init_range, N_PARAMS)
                  for s in seeds])
    return {"W1": v[:, :12].reshape(-1, N_IN, N_HID).copy(), "b1": v[:, 12:14].copy(),
            "W2": v[:, 14:16].copy(), "b2": v[:, 16].copy()}


def sigmoid(x):
    return _sigmoid_(np.array(x, dtype=np.float64))


def _sigmoid_(t):
    """In place: t <- 1 / (1 + exp(-t))."""
    np.negative(t, out=t)
    with np.errstate(over="ignore"):
        np.exp(t, out=t)
    t += 1.0
    return np.divide(1.0, t, out=t)


# Inside training the seed axis is LAST so every elementwise step runs over long contiguous
# rows: W1 (6,2,S), b1 (2,S), W2 (2,S), b2 (S,); hidden h (64,2,S); output y (64,S).
# Every (64,...) array lives in a preallocated Workspace and is updated in place: with
# ~1 MB temporaries per step, malloc keeps returning memory to the OS and refaulting it,
# which made a 1000-seed sweep several times slower.
def to_internal(params):
    return (np.ascontiguousarray(params["W1"].transpose(1, 2, 0)),
            np.ascontiguousarray(params["b1"].T), np.ascontiguousarray(params["W2"].T),
            params["b2"].copy())


def from_internal(W1, b1, W2, b2):
    return {"W1": W1.transpose(2, 0, 1).copy(), "b1": b1.T.copy(), "W2": W2.T.copy(),
            "b2": b2.copy()}


class Workspace:
    """Buffers for S seeds: h, dnet_h, tmp2 (64,2,S); y, err, dnet_y, tmp1 (64,S)."""

    def __init__(self, S):
        self.S = S
        self.h, self.dnet_h, self.tmp2 = (np.empty((64, N_HID, S)) for _ in range(3))
        self.y, self.err, self.dnet_y, self.tmp1 = (np.empty((64, S)) for _ in range(4))


def _forward(X, W1, b1, W2, b2, ws):
    """Fills ws.h (64,2,S) and ws.y (64,S); one matrix product covers all seeds."""
    S = ws.S
    h, y = ws.h, ws.y
    np.matmul(X, W1.reshape(N_IN, N_HID * S), out=h.reshape(-1, N_HID * S))
    h += b1
    _sigmoid_(h)                                       # hidden logistic
    np.multiply(h[:, 0], W2[0], out=y)
    np.multiply(h[:, 1], W2[1], out=ws.tmp1)
    y += ws.tmp1
    y += b2
    _sigmoid_(y)                                       # output logistic
    return h, y


def psum(a):
    """Sum over the pattern axis (axis 0) strictly in pattern order.

    With two or more seeds np.sum adds the 64 rows one after another; with a single seed
    it can switch to pairwise summation, which would make a one-seed run differ in the
    last bit from the same seed inside a batch. So one seed is padded to two, and the
    array is made C-contiguous (a Fortran-ordered one would be summed pairwise too).
    """
    a = np.ascontiguousarray(a)
    if a.shape[-1] == 1:
        return np.concatenate([a, a], axis=-1).sum(axis=0)[..., :1]
    return a.sum(axis=0)


def _error(d, ws):
    """ws.err = y - d; returns E = 1/2 sum_p err^2 per seed (S,)."""
    np.subtract(ws.y, d[:, None], out=ws.err)
    np.multiply(ws.err, ws.err, out=ws.tmp1)
    return 0.5 * psum(ws.tmp1)


def _backward(X, W2, ws):
    """Gradients of E for every seed (internal layout); needs _forward and _error first."""
    S = ws.S
    h, y, dnet_y, dnet_h = ws.h, ws.y, ws.dnet_y, ws.dnet_h
    np.multiply(ws.err, y, out=dnet_y)                 # backprop through the output logistic:
    np.subtract(1.0, y, out=ws.tmp1)                   #   (y - d) y (1 - y)
    dnet_y *= ws.tmp1
    np.multiply(dnet_y[:, None, :], h, out=ws.tmp2)
    dW2 = psum(ws.tmp2)                                # (2,S)
    db2 = psum(dnet_y)                                 # (S,)
    np.multiply(dnet_y[:, None, :], W2, out=dnet_h)    # into the hidden activations
    dnet_h *= h                                        # backprop through the hidden logistic
    np.subtract(1.0, h, out=ws.tmp2)
    dnet_h *= ws.tmp2
    dW1 = (X.T @ dnet_h.reshape(-1, N_HID * S)).reshape(N_IN, N_HID, S)
    db1 = psum(dnet_h)                                 # (2,S)
    return dW1, db1, dW2, db2


def loss_and_grads(params, X, d):
    """Pure function for tests: per-seed error E (S,) and gradients, params as in init_params."""
    W1, b1, W2, b2 = to_internal(params)
    ws = Workspace(len(b2))
    _forward(X, W1, b1, W2, b2, ws)
    E = _error(d, ws)
    return E, from_internal(*_backward(X, W2, ws))


def predict(params, X):
    """Hidden net inputs (S,64,2), hidden activations (S,64,2), outputs (S,64)."""
    net_h = np.einsum("pi,sij->spj", X, params["W1"]) + params["b1"][:, None, :]
    h = sigmoid(net_h)
    y = sigmoid((h * params["W2"][:, None, :]).sum(axis=2) + params["b2"][:, None])
    return net_h, h, y


# ---------------------------------------------------------------- training
def train(seeds, coding=CODING, lr=LR, momentum=MOMENTUM, init_range=INIT_RANGE,
          max_sweeps=MAX_SWEEPS, tolerance=TOLERANCE, trace_every=0):
    """Train one net per seed, all seeds in one batched computation.

    lr and momentum may be scalars or arrays with one value per seed (used by the grid).
    Each seed stops (and its state is frozen) at its first sweep with every |y-d| <
    tolerance, or at max_sweeps; finished seeds are dropped from the working arrays.
    Also counts, per seed, the sweeps with the output saturated off (every y < DEAD_OUTPUT).
    With trace_every > 0, records E, n_correct and the largest output at every sweep and
    the weights every trace_every sweeps (meant for a handful of seeds).
    """
    seeds = [int(s) for s in seeds]
    S = len(seeds)
    X, _, d = make_patterns(coding)
    p0 = init_params(seeds, init_range)
    lr = np.broadcast_to(np.asarray(lr, dtype=np.float64), (S,)).copy()
    mom = np.broadcast_to(np.asarray(momentum, dtype=np.float64), (S,)).copy()
    final = {k: v.copy() for k, v in p0.items()}
    out = {"sweeps_to_solve": np.full(S, -1), "sweeps_to_tolerance": np.full(S, -1),
           "stopped_at": np.zeros(S, dtype=int), "final_error": np.zeros(S),
           "n_correct": np.zeros(S, dtype=int),
           "sweeps_saturated": np.zeros(S, dtype=int)}   # sweeps with every y < DEAD_OUTPUT
    # working arrays of the still-running seeds, internal layout (seed axis last)
    idx = np.arange(S)
    W1, b1, W2, b2 = to_internal(p0)
    vW1, vb1, vW2, vb2 = (np.zeros_like(a) for a in (W1, b1, W2, b2))
    lr_a, mom_a = lr, mom
    ws = Workspace(S)
    target_on = d[:, None] > 0.5
    trace = ({"E": [], "n_correct": [], "max_y": [], "snap_sweeps": [], "snaps": []}
             if trace_every else None)
    for t in range(max_sweeps + 1):
        _, y = _forward(X, W1, b1, W2, b2, ws)
        E = _error(d, ws)
        if not np.all(np.isfinite(E)):
            bad = [seeds[i] for i in idx[~np.isfinite(E)]]
            raise DivergenceError(f"error became non-finite at sweep {t} for seed(s) {bad[:5]}")
        nc = ((y > 0.5) == target_on).sum(axis=0)
        out["sweeps_saturated"][idx] += y.max(axis=0) < DEAD_OUTPUT
        new_solve = (nc == 64) & (out["sweeps_to_solve"][idx] < 0)
        out["sweeps_to_solve"][idx[new_solve]] = t
        within = np.abs(ws.err, out=ws.tmp1).max(axis=0) < tolerance
        out["sweeps_to_tolerance"][idx[within]] = t
        if trace is not None:
            e_full, n_full, y_full = np.full(S, np.nan), np.full(S, -1), np.full(S, np.nan)
            e_full[idx], n_full[idx], y_full[idx] = E, nc, y.max(axis=0)
            trace["E"].append(e_full)
            trace["n_correct"].append(n_full)
            trace["max_y"].append(y_full)
            if t % trace_every == 0 or within.any() or t == max_sweeps:
                trace["snap_sweeps"].append(t)
                trace["snaps"].append((idx.copy(), from_internal(W1, b1, W2, b2)))
        done = within if t < max_sweeps else np.ones_like(within)
        if done.any():
            j = idx[done]
            fin = from_internal(W1[..., done], b1[:, done], W2[:, done], b2[done])
            for k in final:
                final[k][j] = fin[k]
            out["stopped_at"][j], out["final_error"][j], out["n_correct"][j] = t, E[done], nc[done]
            keep = ~done
            if not keep.any():
                break
            idx = idx[keep]
            W1, b1, W2, b2, vW1, vb1, vW2, vb2 = (
                np.ascontiguousarray(a[..., keep]) for a in (W1, b1, W2, b2, vW1, vb1, vW2, vb2))
            lr_a, mom_a = lr_a[keep], mom_a[keep]
            old, ws = ws, Workspace(len(idx))
            for name in ("h", "y", "err"):
                getattr(ws, name)[...] = getattr(old, name)[..., keep]
        dW1, db1, dW2, db2 = _backward(X, W2, ws)
        # dw(t) = -eps dE/dw + alpha dw(t-1); then w += dw (all in place)
        for w, v, g in ((W1, vW1, dW1), (b1, vb1, db1), (W2, vW2, dW2), (b2, vb2, db2)):
            v *= mom_a
            g *= lr_a
            v -= g
            w += v
    out["params"] = final
    out["seeds"] = seeds
    out["coding"] = coding
    if trace is not None:
        out["trace"] = trace
    return out


# ---------------------------------------------------------------- analysis
def pair_structure(W1):
    """Mirror-pair analysis of one net's input weights W1 (6,2).

    Returns weight_ratio (2 lists of 3: pair magnitudes sorted, divided by the smallest),
    antisymmetry (max over pairs and units of |w_i + w_{5-i}| / (|w_i| + |w_{5-i}|)),
    and per-unit pair magnitudes in input order (pair 0 = outermost).
    """
    mags, ratios, anti = [], [], 0.0
    for j in range(N_HID):
        m = [0.5 * (abs(W1[a, j]) + abs(W1[b, j])) for a, b in PAIRS]
        mags.append(m)
        s = sorted(m)
        ratios.append([x / s[0] if s[0] > 0 else float("inf") for x in s])
        for a, b in PAIRS:
            den = abs(W1[a, j]) + abs(W1[b, j])
            anti = max(anti, abs(W1[a, j] + W1[b, j]) / den if den > 0 else 0.0)
    return ratios, anti, mags


def ratio_is(ratios, anti, target, rel=0.10):
    """Antisymmetric pairs (within rel) and magnitudes 1:target[0]:target[1] within rel."""
    ok = anti <= rel
    for r in ratios:
        ok = ok and abs(r[1] / target[0] - 1.0) <= rel and abs(r[2] / target[1] - 1.0) <= rel
    return bool(ok)


def is_paper_solution(ratios, anti, rel=0.10):
    """Antisymmetric pairs and magnitudes 1:2:4, both within rel, in both hidden units."""
    return ratio_is(ratios, anti, (2.0, 4.0), rel)


SIGNED_DIFFS = np.array([d for d in np.ndindex(3, 3, 3) if d != (1, 1, 1)]) - 1  # 26 nonzero


def min_asymmetric_drive(W1, coding=CODING):
    """Per hidden unit, min over asymmetric inputs of |sum_k c_k (x_k - x_{5-k})|.

    c_k = (w_k - w_{5-k}) / 2 is the antisymmetric part of mirror pair k; x_k - x_{5-k} runs
    over the 26 nonzero vectors of {-1,0,1}^3 times the coding's step (1 for 0/1, 2 for -1/+1);
    each one is hit by some asymmetric input.
    """
    c = np.array([0.5 * (W1[a] - W1[b]) for a, b in PAIRS])     # (3, 2)
    step = 1.0 if coding == "01" else 2.0
    return step * np.abs(SIGNED_DIFFS @ c).min(axis=0)


def cancellation_count(pair_weights, bits):
    """How many asymmetric patterns give exactly zero antisymmetric drive sum_k c_k (x_k - x_{5-k}).

    pair_weights: the three pair weights c_k (signed). bits (64,6) 0/1.
    """
    D = bits[:, [a for a, _ in PAIRS]] - bits[:, [b for _, b in PAIRS]]   # (64,3) in {-1,0,1}
    drive = D @ np.asarray(pair_weights, dtype=np.float64)
    asym = np.any(D != 0, axis=1)
    return int(np.sum(np.isclose(drive[asym], 0.0, atol=1e-9)))


def run_metrics(params, s, coding, out):
    """Metrics of the net with index s in a train() result."""
    X, bits, d = make_patterns(coding)
    W1 = params["W1"][s]
    ratios, anti, _ = pair_structure(W1)
    w = {k: params[k][s].tolist() for k in ("W1", "b1", "W2")}
    w["b2"] = float(params["b2"][s])
    sweeps_solve = int(out["sweeps_to_solve"][s])
    sweeps_tol = int(out["sweeps_to_tolerance"][s])
    nc = int(out["n_correct"][s])
    _, _, y = predict({k: params[k][s:s + 1] for k in params}, X)
    all_no = bool(np.all(y[0] < 0.5))
    dead = bool(np.all(y[0] < DEAD_OUTPUT))
    return {
        "solved": sweeps_solve >= 0,
        "sweeps_to_solve": sweeps_solve if sweeps_solve >= 0 else None,
        "sweeps_to_tolerance": sweeps_tol if sweeps_tol >= 0 else None,
        "stopped_at": int(out["stopped_at"][s]),
        "sweeps_saturated": int(out["sweeps_saturated"][s]),
        "final_error": float(out["final_error"][s]),
        "n_correct": nc,
        "weight_ratio": [[round(x, 6) for x in r] for r in ratios],
        "antisymmetry": float(anti),
        "hidden_bias_signs": [int(np.sign(b)) for b in params["b1"][s]],
        "output_bias_sign": int(np.sign(params["b2"][s])),
        "hidden_units_sign_flipped": bool(np.all(np.sign(W1[:, 0]) == -np.sign(W1[:, 1]))),
        "paper_solution": is_paper_solution(ratios, anti),
        "ratio_1_1.5_2": ratio_is(ratios, anti, (1.5, 2.0)),
        "min_asymmetric_drive": [float(x) for x in min_asymmetric_drive(W1, coding)],
        "always_not_symmetric": all_no,
        "output_saturated_off": dead,
        "final_weights": w,
    }


def classify(m):
    """A short label for what a run ended up as."""
    if m["solved"]:
        if m["paper_solution"]:
            return "paper 1:2:4 antisymmetric"
        if m["ratio_1_1.5_2"]:
            return "antisymmetric 1:1.5:2 (within 10%)"
        if m["antisymmetry"] <= 0.1:
            return "antisymmetric, other ratio"
        return "not antisymmetric"
    if m["output_saturated_off"]:
        return f"stuck: 'not symmetric' to all, output saturated (every y < {DEAD_OUTPUT})"
    if m["always_not_symmetric"]:
        return "stuck: 'not symmetric' to all (56/64), output not saturated"
    return f"stuck: {m['n_correct']}/64 correct"


# ---------------------------------------------------------------- statistics
def quantiles(values):
    """min, q1, median, q3, max by numpy's default (linear) interpolation.

    inf (a run that never solved) is allowed: a quantile that touches one is inf.
    """
    v = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(v)
    q = np.quantile(np.where(finite, v, 1e300), [0.0, 0.25, 0.5, 0.75, 1.0])
    if not finite.all():
        q[q > (v[finite].max() if finite.any() else -np.inf)] = np.inf
    return dict(zip(("min", "q1", "median", "q3", "max"), (float(x) for x in q)))


def wilson(k, n, z=1.96):
    """95% Wilson score interval for a proportion k/n."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    c = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    mid = (p + z * z / (2 * n)) / (1 + z * z / n)
    return (float(max(0.0, mid - c)), float(min(1.0, mid + c)))


def median_ci(values, z=1.96):
    """Distribution-free 95% interval of the median from order statistics (inf allowed)."""
    v = np.sort(np.asarray(values, dtype=np.float64))
    n = len(v)
    lo = int(np.floor(n / 2 - z * np.sqrt(n) / 2))
    hi = int(np.ceil(n / 2 + z * np.sqrt(n) / 2))
    return (float(v[max(lo, 0)]), float(v[min(hi, n - 1)]))


def summarize(per_seed, max_sweeps):
    """Summary dict of a sweep's per-seed metrics."""
    n = len(per_seed)
    solved = [m for m in per_seed if m["solved"]]
    k = len(solved)
    # every seed, an unsolved one counted as "more than max_sweeps" (inf)
    all_s = [m["sweeps_to_solve"] if m["solved"] else np.inf for m in per_seed]
    s_solved = np.array([m["sweeps_to_solve"] for m in solved], dtype=np.float64)
    tol = np.array([m["sweeps_to_tolerance"] for m in per_seed
                    if m["sweeps_to_tolerance"] is not None], dtype=np.float64)
    kinds = {}
    for m in per_seed:
        c = classify(m)
        kinds[c] = kinds.get(c, 0) + 1
    paper = [m for m in solved if m["paper_solution"]]
    other_ratios = [m["weight_ratio"] for m in solved
                    if not m["paper_solution"] and m["antisymmetry"] <= 0.1]
    families = {}
    for name, sel in (("paper 1:2:4", lambda m: m["paper_solution"]),
                      ("1:1.5:2", lambda m: m["ratio_1_1.5_2"])):
        fam = [m for m in solved if sel(m)]
        if fam:
            r = np.array([m["weight_ratio"] for m in fam])
            families[name] = {
                "n": len(fam),
                "median_ratio": [round(float(x), 3) for x in np.median(r.reshape(-1, 3), axis=0)],
                "median_min_asymmetric_drive": float(np.median(
                    [m["min_asymmetric_drive"] for m in fam])),
                "median_abs_hidden_bias": float(np.median(
                    [np.abs(m["final_weights"]["b1"]) for m in fam])),
                "median_sweeps_to_solve": float(np.median([m["sweeps_to_solve"] for m in fam]))}
    sat = np.array([m["sweeps_saturated"] for m in per_seed])
    rest = np.array([m["sweeps_to_solve"] - m["sweeps_saturated"] for m in solved])
    saturation = {"runs_ever_saturated": int(np.sum(sat > 0)),
                  "sweeps_saturated_median": float(np.median(sat)),
                  "solved_sweeps_not_saturated": quantiles(rest) if k else None,
                  "solved_fraction_of_sweeps_saturated_median": float(np.median(
                      [m["sweeps_saturated"] / max(m["sweeps_to_solve"], 1) for m in solved]))
                  if k else None}
    fail_nc = {}
    for m in per_seed:
        if not m["solved"]:
            fail_nc[m["n_correct"]] = fail_nc.get(m["n_correct"], 0) + 1
    summ = {
        "n_seeds": n, "max_sweeps": max_sweeps,
        "solve_rate": k / n, "solve_rate_ci95": list(wilson(k, n)), "n_solved": k,
        "sweeps_to_solve_all": quantiles(all_s),
        "sweeps_to_solve_all_median_ci95": list(median_ci(all_s)),
        "sweeps_to_solve_solved": ({**quantiles(s_solved), "mean": float(s_solved.mean()),
                                    "std": float(s_solved.std(ddof=1)) if k > 1 else 0.0}
                                   if k else None),
        "solved_by_paper_sweeps": int(np.sum(s_solved <= PAPER_SWEEPS)),
        "sweeps_to_tolerance_reached": int(len(tol)),
        "sweeps_to_tolerance": quantiles(tol) if len(tol) else None,
        "outcomes": dict(sorted(kinds.items(), key=lambda kv: -kv[1])),
        "paper_solution_fraction_of_solved": len(paper) / k if k else 0.0,
        "paper_solution_sign_flipped": sum(m["hidden_units_sign_flipped"] for m in paper),
        "paper_solution_bias_signs_as_paper": sum(
            m["hidden_bias_signs"] == [-1, -1] and m["output_bias_sign"] == 1 for m in paper),
        "other_antisymmetric_ratios": other_ratios,
        "families": families,
        "saturation": saturation,
        "failures_by_n_correct": {str(a): b for a, b in sorted(fail_nc.items())},
        "final_error": {"mean": float(np.mean([m["final_error"] for m in per_seed])),
                        "std": float(np.std([m["final_error"] for m in per_seed], ddof=1))
                        if n > 1 else 0.0},
    }
    return summ


def sweep_metrics(per_seed, summ):
    """The per-run metric keys, aggregated over a sweep (each run's values are in per_seed)."""
    def counts(key):
        c = {}
        for m in per_seed:
            k = str(m[key])
            c[k] = c.get(k, 0) + 1
        return c
    solved = [m for m in per_seed if m["solved"]]
    anti = [m["antisymmetry"] for m in solved]
    return {
        "solved": summ["n_solved"], "solve_rate": summ["solve_rate"],
        "sweeps_to_solve": summ["sweeps_to_solve_all"],
        "sweeps_to_tolerance": summ["sweeps_to_tolerance"],
        "final_error": summ["final_error"], "n_correct": counts("n_correct"),
        "weight_ratio": {k: f["median_ratio"] for k, f in summ["families"].items()},
        "antisymmetry": ({"median": float(np.median(anti)), "max": float(np.max(anti))}
                         if anti else None),
        "hidden_bias_signs": counts("hidden_bias_signs"),
        "output_bias_sign": counts("output_bias_sign"),
        "hidden_units_sign_flipped": sum(m["hidden_units_sign_flipped"] for m in per_seed),
        "final_weights": "per run in per_seed[i]['final_weights']",
    }


def _fmt(x):
    return ">max" if not np.isfinite(x) else f"{x:,.0f}"


def format_summary(summ, coding):
    """The printed sweep summary; the README quotes these lines verbatim."""
    n, k = summ["n_seeds"], summ["n_solved"]
    lo, hi = summ["solve_rate_ci95"]
    a = summ["sweeps_to_solve_all"]
    mlo, mhi = summ["sweeps_to_solve_all_median_ci95"]
    lines = [f"sweep: {n} seeds (0..{n - 1}), coding {coding}, max {summ['max_sweeps']} sweeps",
             f"solved: {k}/{n} = {100 * k / n:.1f}% (95% CI {100 * lo:.1f}-{100 * hi:.1f}%)",
             "sweeps to solve, all seeds (unsolved = >max): "
             f"min {_fmt(a['min'])}  Q1 {_fmt(a['q1'])}  median {_fmt(a['median'])} "
             f"(95% CI {_fmt(mlo)}-{_fmt(mhi)})  Q3 {_fmt(a['q3'])}  max {_fmt(a['max'])}"]
    s = summ["sweeps_to_solve_solved"]
    if s:
        lines.append(f"sweeps to solve, solved seeds: mean {s['mean']:,.0f}  std {s['std']:,.0f}  "
                     f"min {_fmt(s['min'])}  Q1 {_fmt(s['q1'])}  median {_fmt(s['median'])}  "
                     f"Q3 {_fmt(s['q3'])}  max {_fmt(s['max'])}")
    t = summ["sweeps_to_tolerance"]
    if t:
        lines.append(f"sweeps to tolerance (reached by {summ['sweeps_to_tolerance_reached']}): "
                     f"min {_fmt(t['min'])}  median {_fmt(t['median'])}  max {_fmt(t['max'])}")
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
    for kind, c in summ["outcomes"].items():
        lines.append(f"  {c:5d}  {kind}")
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
                     f"{_fmt(r['median'])}, max {_fmt(r['max'])}; median share of sweeps "
                     f"saturated {100 * sa['solved_fraction_of_sweeps_saturated_median']:.1f}%")
    lines.append("failures by final n_correct: " + (", ".join(
        f"{a}/64: {b}" for a, b in summ["failures_by_n_correct"].items()) or "none"))
    return lines


# ---------------------------------------------------------------- single-run explanation
def explain(params, s, coding):
    """Lines explaining one net: pair weights, cancellation check, per-pattern net inputs."""
    X, bits, d = make_patterns(coding)
    one = {k: params[k][s:s + 1] for k in params}
    net_h, _, y = predict(one, X)
    net_h, y = net_h[0], y[0]
    W1 = params["W1"][s]
    lines = []
    for j in range(N_HID):
        c = [0.5 * (W1[a, j] - W1[b, j]) for a, b in PAIRS]   # antisymmetric part per pair
        lines.append(f"hidden {j + 1}: weights " + " ".join(f"{w:+.2f}" for w in W1[:, j])
                     + f" | bias {params['b1'][s][j]:+.2f} | pair weights c = "
                     + " ".join(f"{x:+.2f}" for x in c))
    sym = d > 0.5
    drive = net_h - params["b1"][s]                       # net input minus bias
    for j in range(N_HID):
        a = np.abs(drive[~sym, j])
        lines.append(f"hidden {j + 1}: |net - bias| over the 8 symmetric patterns <= "
                     f"{np.abs(drive[sym, j]).max():.3f}; over the 56 asymmetric ones >= "
                     f"{a.min():.3f} (smallest pair magnitude "
                     f"{min(0.5 * abs(W1[a_, j] - W1[b_, j]) for a_, b_ in PAIRS):.3f})")
    lines.append(f"max hidden net input, symmetric patterns: {net_h[sym].max():+.3f}; "
                 f"min over asymmetric patterns of the larger hidden net input: "
                 f"{net_h[~sym].max(axis=1).min():+.3f}")
    cw = [0.5 * (W1[a, 0] - W1[b, 0]) for a, b in PAIRS]
    sg = np.sign(cw)
    lines.append("asymmetric patterns whose antisymmetric drive cancels to 0 "
                 "(pair weights with the learned signs): "
                 + ", ".join(f"{name} {cancellation_count(sg * np.asarray(r, float), bits)}"
                             for name, r in (("1:1:1", (1, 1, 1)), ("1:2:3", (1, 2, 3)),
                                             ("1:1.5:2", (1, 1.5, 2)), ("1:2:4", (1, 2, 4)))))
    return lines, net_h, y


def single_run(seed, coding=CODING, **kw):
    """One run with its trace: (printed lines, metrics, train() result)."""
    out = train([seed], coding=coding, trace_every=100, **kw)
    m = run_metrics(out["params"], 0, coding, out)
    E = np.array(out["trace"]["E"])[:, 0]
    dead = np.flatnonzero(np.array(out["trace"]["max_y"])[:, 0] < DEAD_OUTPUT)
    at = [t for t in (0, 10, 100, 1000, 10000) if t < len(E)]
    lines = format_single(m, seed, coding)
    lines.append("error E at sweep " + ", ".join(f"{t:,}" for t in at) + ": "
                 + ", ".join(f"{E[t]:.3f}" for t in at))
    lines.append(f"output saturated off (every y < {DEAD_OUTPUT}) during {len(dead):,} of "
                 f"{len(E):,} sweeps" + (f", sweeps {dead[0]:,} to {dead[-1]:,}" if len(dead) else ""))
    snaps = dict(zip(out["trace"]["snap_sweeps"], (p for _, p in out["trace"]["snaps"])))
    stop = len(E) - 1
    marks = [t for t in (0, 1000, 10000) if t < stop]
    if m["solved"] and m["sweeps_to_solve"] >= 600:
        marks.append((m["sweeps_to_solve"] - 500) // 100 * 100)
    for t in sorted(set(marks)) + [stop]:
        p = snaps[t]
        _, anti, _ = pair_structure(p["W1"][0])
        lines.append(f"sweep {t:,}: output bias {p['b2'][0]:+.2f}, output weights "
                     + " ".join(f"{w:+.2f}" for w in p["W2"][0])
                     + f", max |input weight| {np.abs(p['W1'][0]).max():.2f}, "
                     f"antisymmetry {anti:.3f}, E {E[t]:.3f}")
    lines += explain(out["params"], 0, coding)[0]
    return lines, m, out


def pattern_table(net_h, y, bits, d):
    lines = ["pattern  sym  net_h1   net_h2   y"]
    for p in range(64):
        lines.append(f"{''.join(str(int(b)) for b in bits[p])}   {'yes' if d[p] else ' no'}  "
                     f"{net_h[p, 0]:+7.2f}  {net_h[p, 1]:+7.2f}  {y[p]:.3f}")
    return lines


def format_single(m, seed, coding):
    ratios = "; ".join("1:" + ":".join(f"{x:.2f}" for x in r[1:]) for r in m["weight_ratio"])
    return [f"seed {seed}, coding {coding}: solved {m['solved']} at sweep {m['sweeps_to_solve']}; "
            f"tolerance at sweep {m['sweeps_to_tolerance']} (paper: solved after {PAPER_SWEEPS:,})",
            f"final error {m['final_error']:.4f}, {m['n_correct']}/64 correct; "
            f"weight ratio per hidden unit {ratios}; antisymmetry {m['antisymmetry']:.4f}",
            f"hidden bias signs {m['hidden_bias_signs']}, output bias sign "
            f"{m['output_bias_sign']:+d}, hidden units sign-flipped "
            f"{m['hidden_units_sign_flipped']}, paper solution {m['paper_solution']}; "
            f"outcome: {classify(m)}"]


# ---------------------------------------------------------------- grid
def run_grid(lrs, momenta, n_seeds, coding, init_range, max_sweeps, tolerance):
    """All eps x alpha cells x seeds 0..n_seeds-1 in one batched computation."""
    L, M = np.meshgrid(np.asarray(lrs, float), np.asarray(momenta, float), indexing="ij")
    cell_lr = np.repeat(L.ravel(), n_seeds)
    cell_mom = np.repeat(M.ravel(), n_seeds)
    seeds = np.tile(np.arange(n_seeds), L.size)
    out = train(seeds, coding=coding, lr=cell_lr, momentum=cell_mom, init_range=init_range,
                max_sweeps=max_sweeps, tolerance=tolerance)
    sts = out["sweeps_to_solve"].reshape(L.shape + (n_seeds,)).astype(np.float64)
    sts[sts < 0] = np.inf
    rate = np.isfinite(sts).mean(axis=2)
    X, _, _ = make_patterns(coding)
    _, _, y = predict(out["params"], X)
    dead = np.all(y < DEAD_OUTPUT, axis=1).reshape(L.shape + (n_seeds,)).mean(axis=2)
    med = np.quantile(sts, 0.5, axis=2, method="lower")   # an actual seed's count, or inf
    return {"lrs": list(map(float, lrs)), "momenta": list(map(float, momenta)),
            "n_seeds": n_seeds, "coding": coding,
            "solve_rate": rate.tolist(), "output_saturated_rate": dead.tolist(),
            "median_sweeps_to_solve": [[None if not np.isfinite(x) else int(x) for x in row]
                                       for row in med]}


def format_grid(g):
    head = "eps\\alpha " + "".join(f"{m:>14g}" for m in g["momenta"])
    lines = [f"grid: coding {g['coding']}, {g['n_seeds']} seeds per cell; "
             "cell = solve rate % / median sweeps to solve", head]
    for i, lr in enumerate(g["lrs"]):
        cells = []
        for j in range(len(g["momenta"])):
            med = g["median_sweeps_to_solve"][i][j]
            cells.append(f"{100 * g['solve_rate'][i][j]:.0f}% / {'>max' if med is None else med}")
        lines.append(f"{lr:<10g}" + "".join(f"{c:>14}" for c in cells))
    lines.append(f"runs ending with the output saturated off (every y < {DEAD_OUTPUT}), %:")
    lines.append(head)
    for i, lr in enumerate(g["lrs"]):
        lines.append(f"{lr:<10g}" + "".join(f"{100 * r:>13.0f}%" for r in
                                             g["output_saturated_rate"][i]))
    return lines


# ---------------------------------------------------------------- CLI
def _int_ge(lo, name):
    def f(s):
        try:
            v = int(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be an integer, got {s!r}")
        if v < lo:
            raise argparse.ArgumentTypeError(f"{name} must be >= {lo}, got {v}")
        return v
    return f


def _float_in(lo, hi, name, lo_open=False, hi_open=False):
    def f(s):
        try:
            v = float(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a number, got {s!r}")
        ok = np.isfinite(v) and (v > lo if lo_open else v >= lo) and (v < hi if hi_open else v <= hi)
        if not ok:
            rng = f"{'(' if lo_open else '['}{lo}, {hi}{')' if hi_open else ']'}"
            raise argparse.ArgumentTypeError(f"{name} must be in {rng}, got {s}")
        return v
    return f


def _float_list(conv, name):
    def f(s):
        parts = [p for p in s.split(",") if p.strip()]
        if not parts:
            raise argparse.ArgumentTypeError(f"{name} needs a comma-separated list")
        return [conv(p) for p in parts]
    return f


def build_parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=_int_ge(0, "--seed"), default=0, help="seed of a single run")
    p.add_argument("--sweep", type=_int_ge(1, "--sweep"), default=None,
                   help="run seeds 0..N-1 as one batched computation")
    p.add_argument("--grid", action="store_true", help="eps x alpha grid, both codings")
    p.add_argument("--json", default=None, help="write results to this JSON file")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    p.add_argument("--explain", action="store_true",
                   help="single run: also print every pattern's hidden net inputs")
    p.add_argument("--lr", "--epsilon", dest="lr", type=_float_in(0, 100, "--lr", lo_open=True),
                   default=LR, help=f"epsilon, step size (default {LR})")
    p.add_argument("--momentum", "--alpha", dest="momentum",
                   type=_float_in(0, 1, "--momentum", hi_open=True), default=MOMENTUM,
                   help=f"alpha, momentum in [0, 1) (default {MOMENTUM})")
    p.add_argument("--init-range", type=_float_in(0, 10, "--init-range", lo_open=True),
                   default=INIT_RANGE, help="initial weights U(-r, r) (default 0.3)")
    p.add_argument("--coding", choices=("01", "pm1"), default=CODING,
                   help="input coding: 0/1 (paper) or -1/+1")
    p.add_argument("--max-sweeps", type=_int_ge(1, "--max-sweeps"), default=MAX_SWEEPS,
                   help=f"give up after this many sweeps (default {MAX_SWEEPS})")
    p.add_argument("--tolerance", type=_float_in(0, 0.5, "--tolerance", lo_open=True),
                   default=TOLERANCE, help="stop when every |y-d| < this (default 0.2)")
    p.add_argument("--grid-lrs", type=_float_list(_float_in(0, 100, "--grid-lrs", lo_open=True),
                                                  "--grid-lrs"),
                   default=list(GRID_LRS), help="comma-separated eps values of the grid")
    p.add_argument("--grid-momenta", type=_float_list(
        _float_in(0, 1, "--grid-momenta", hi_open=True), "--grid-momenta"),
        default=list(GRID_MOMENTA), help="comma-separated alpha values of the grid")
    p.add_argument("--grid-seeds", type=_int_ge(1, "--grid-seeds"), default=GRID_SEEDS,
                   help=f"seeds per grid cell (default {GRID_SEEDS})")
    return p


def atomic_write_text(path, text):
    d = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(d, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as e:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise OSError(f"cannot write {path}: {e.strerror or e}") from None


def config_of(args):
    c = {k: getattr(args, k) for k in ("lr", "momentum", "init_range", "coding", "max_sweeps",
                                        "tolerance")}
    if args.grid:
        c.update(grid_lrs=args.grid_lrs, grid_momenta=args.grid_momenta,
                 grid_seeds=args.grid_seeds)
    return c


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.sweep is not None and args.grid:
        parser.error("--sweep and --grid are mutually exclusive")
    if args.json:
        d = os.path.dirname(os.path.abspath(args.json))
        if not os.path.isdir(d) or not os.access(d, os.W_OK):
            parser.error(f"--json: directory {d} does not exist or is not writable")
    say = (lambda *a: None) if args.quiet else print
    t0 = time.perf_counter()
    res = {"experiment": "vector_symmetry", "config": config_of(args)}
    kw = dict(coding=args.coding, lr=args.lr, momentum=args.momentum,
              init_range=args.init_range, max_sweeps=args.max_sweeps, tolerance=args.tolerance)
    try:
        if args.grid:
            res["seeds"] = list(range(args.grid_seeds))
            grids = {}
            for coding in ("01", "pm1"):
                g = run_grid(args.grid_lrs, args.grid_momenta, args.grid_seeds, coding,
                             args.init_range, args.max_sweeps, args.tolerance)
                grids[coding] = g
                for line in format_grid(g):
                    say(line)
            i = args.grid_lrs.index(args.lr) if args.lr in args.grid_lrs else None
            j = args.grid_momenta.index(args.momentum) if args.momentum in args.grid_momenta else None
            res["metrics"] = {"grid": grids}
            if i is not None and j is not None:
                res["metrics"]["paper_point"] = {c: {"solve_rate": grids[c]["solve_rate"][i][j],
                                                     "median_sweeps_to_solve":
                                                         grids[c]["median_sweeps_to_solve"][i][j]}
                                                 for c in grids}
        elif args.sweep is not None:
            seeds = list(range(args.sweep))
            out = train(seeds, **kw)
            per_seed = [{"seed": s, **run_metrics(out["params"], i, args.coding, out)}
                        for i, s in enumerate(seeds)]
            summ = summarize(per_seed, args.max_sweeps)
            res["seeds"] = seeds
            res["metrics"] = sweep_metrics(per_seed, summ)
            res["per_seed"] = per_seed
            res["summary"] = _jsonable(summ)
            for line in format_summary(summ, args.coding):
                say(line)
        else:
            kw.pop("coding")
            lines, m, out = single_run(args.seed, args.coding, **kw)
            res["seed"] = args.seed
            res["metrics"] = m
            for line in lines:
                say(line)
            if args.explain:
                _, bits, d = make_patterns(args.coding)
                _, net_h, y = explain(out["params"], 0, args.coding)
                for line in pattern_table(net_h, y, bits, d):
                    say(line)
    except DivergenceError as e:
        print(f"vector_symmetry: diverged: {e}", file=sys.stderr)
        return 1
    res["versions"] = {"python": platform.python_version(), "numpy": np.__version__}
    res["wallclock_s"] = round(time.perf_counter() - t0, 3)
    say(f"wallclock {res['wallclock_s']:.2f} s")
    if args.json:
        try:
            atomic_write_text(args.json, json.dumps(_jsonable(res), indent=1) + "\n")
        except OSError as e:
            print(f"vector_symmetry: {e}", file=sys.stderr)
            return 1
    return 0


def _jsonable(x):
    """Plain-Python copy for json (numpy scalars -> Python, inf -> None)."""
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return float(x) if np.isfinite(x) else None
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    if isinstance(x, (np.bool_,)):
        return bool(x)
    return x


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:          # output piped into head etc.
        sys.exit(1)
