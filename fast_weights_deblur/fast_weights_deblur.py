"""Hinton & Plaut (1987), "Using fast weights to deblur old memories", reproduced in NumPy.

A 10-100-10 logistic net learns 100 random associations (stage 1), is blurred by learning 5 new
ones without rehearsal (stage 2), rehearses a subset of the old ones for 20 sweeps (stage 3, the
paper's Figure 2), and then lets its fast weights decay with no error signal (stage 4). Every
connection and bias has a slow and a fast weight; the effective weight is their sum.

Running it prints, for the fast-weight net and the slow-only net side by side:
  * the error per output unit after each stage (old 100, new 5, retrained, unretrained subsets),
  * the Figure-2 curves (retrained vs unretrained error per rehearsal sweep) and the transfer
    ratio (unretrained improvement / retrained improvement), first sweep and cumulative,
  * the error on the old and the new associations after the fast weights have decayed, beside a
    no-rehearsal control (same stages, nothing rehearsed),
  * a table over retrained fractions (5% .. 90%),
  * the headline lines "[seed S] net rehearse F: ratio1 ... | old ... | new ..." (quoted in README).
With --sweep N it runs seeds 0..N-1 as one batched computation and prints mean, std, min, max and
a 95% interval of every scalar. With --theory it instead checks the paper's analysis (sections
4.1, 5.1, 5.2, 5.3) by simulation and prints measured vs predicted values with 95% intervals.
With --fast-grid it prints the results over a grid of fast-weight epsilon and alpha.

"Error per output unit" is E / (cases x output units) with E = 1/2 sum (y - d)^2.
"""
import argparse
import json
import math
import os
import platform
import sys
import tempfile
import time
import warnings

# single-threaded BLAS: the arrays are small and threads only contend on a shared machine
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

# ---- paper values (section 4) and our choices for what the paper leaves open ----------------
N_IN, N_HID, N_OUT = 10, 100, 10     # 10-100-10 logistic net with hidden and output biases
N_OLD, N_NEW = 100, 5                # 100 old associations, 5 new interfering ones
EPS_SLOW, MOM_SLOW = 0.02, 0.9       # slow weights: paper's epsilon and alpha
EPS_FAST, MOM_FAST = 0.2, 0.0        # fast weights: NOT in the paper (our choice, swept)
FAST_WARMUP = 900                    # stage-1 sweeps before the fast weights start learning (ours)
DECAY_H = 0.01                       # fast weights shrink by 1% after every weight change
SWEEPS_1, SWEEPS_2, SWEEPS_3 = 1300, 400, 20
DECAY_SWEEPS = 500                   # stage 4: sweeps of pure decay (0.99^500 = 0.0066)
DECAY_EVERY = 10                     # stage 4: record the error every 10 sweeps
INIT_SCALE = 0.3                     # initial slow weights ~ U(-0.3, 0.3): not in the paper
RETRAIN_FRACTION, COMPARE_FRACTION = 0.1, 0.5
FRACTIONS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9)
NETS = ("fast", "slow_only")


class DivergenceError(RuntimeError):
    """Raised when the weights or errors become NaN or infinite."""


# ---------------------------------------------------------------------------------------------
# data and parameters (one generator per seed, draws stacked on a leading seed axis)
# ---------------------------------------------------------------------------------------------
def make_seed_data(rng, n_in=N_IN, n_hid=N_HID, n_out=N_OUT, n_old=N_OLD, n_new=N_NEW,
                   init_scale=INIT_SCALE):
    """Draw one seed's task and initial slow weights, in a fixed order.

    Inputs: n_old + n_new distinct codes out of 2**n_in (the 5 new inputs differ from the old).
    Outputs: independent random bits. Returns X (P, n_in), D (P, n_out), params, permutation
    of the old cases (its first k entries are the retrained subset for any fraction).
    """
    codes = rng.choice(2 ** n_in, size=n_old + n_new, replace=False)
    X = ((codes[:, None] >> np.arange(n_in)) & 1).astype(np.float64)
    D = rng.integers(0, 2, size=(n_old + n_new, n_out)).astype(np.float64)
    params = [rng.uniform(-init_scale, init_scale, size=s)
              for s in ((n_in, n_hid), (n_hid,), (n_hid, n_out), (n_out,))]
    perm = rng.permutation(n_old)
    return X, D, params, perm


def make_batch_data(seeds, **kw):
    """Stack make_seed_data over seeds: X (S,P,I), D (S,P,O), params [(S,..)], perm (S,n_old)."""
    items = [make_seed_data(np.random.default_rng(s), **kw) for s in seeds]
    X = np.stack([it[0] for it in items])
    D = np.stack([it[1] for it in items])
    params = [np.stack([it[2][j] for it in items]) for j in range(4)]
    perm = np.stack([it[3] for it in items])
    return X, D, params, perm


# ---------------------------------------------------------------------------------------------
# model: forward and hand-written backward, batched over a leading axis B
# ---------------------------------------------------------------------------------------------
def sigmoid(x):
    with np.errstate(over="ignore"):                 # exp overflow -> output exactly 0, as it should
        return 1.0 / (1.0 + np.exp(-x))


def forward(params, X):
    """params = [W1 (B,I,H), b1 (B,H), W2 (B,H,O), b2 (B,O)]; X (B,P,I) -> hidden (B,P,H), y (B,P,O)."""
    W1, b1, W2, b2 = params
    hid = sigmoid(X @ W1 + b1[:, None, :])
    y = sigmoid(hid @ W2 + b2[:, None, :])
    return hid, y


def loss_and_grads(params, X, D, mask):
    """E = 1/2 sum_p mask_p sum_o (y - d)^2 per batch row, and dE/d(every parameter array).

    mask (B,P) selects (weights) the cases whose error is trained on. Returns E (B,), grads, y.
    """
    W1, b1, W2, b2 = params
    hid, y = forward(params, X)
    dy = (y - D) * mask[:, :, None]                 # dE/dy
    E = 0.5 * np.sum(dy * (y - D), axis=(1, 2))
    da2 = dy * y * (1.0 - y)                        # backprop through the output logistic
    dW2 = hid.transpose(0, 2, 1) @ da2              # (B,H,O)
    db2 = da2.sum(axis=1)
    dhid = da2 @ W2.transpose(0, 2, 1)              # backprop into the hidden states
    da1 = dhid * hid * (1.0 - hid)                  # backprop through the hidden logistic
    dW1 = X.transpose(0, 2, 1) @ da1                # (B,I,H)
    db1 = da1.sum(axis=1)
    return E, [dW1, db1, dW2, db2], y


def case_errors(y, D):
    """Error per output unit of every case: mean_o 1/2 (y - d)^2, shape (B,P)."""
    return 0.5 * np.mean((y - D) ** 2, axis=2)


def _col(v, ndim):
    """Per-row hyperparameter (B,) reshaped to broadcast against a (B, ...) array of ndim dims."""
    return np.asarray(v, dtype=np.float64).reshape((-1,) + (1,) * (ndim - 1))


def new_state(params_slow):
    """Slow weights given; fast weights and both momentum buffers start at zero."""
    z = [np.zeros_like(p) for p in params_slow]
    return {"slow": [p.copy() for p in params_slow], "fast": [a.copy() for a in z],
            "v_slow": [a.copy() for a in z], "v_fast": [a.copy() for a in z]}


def effective(state):
    return [s + f for s, f in zip(state["slow"], state["fast"])]


def apply_update(state, grads, hp):
    """One weight change. Slow and fast weights get the same derivative, each with its own
    epsilon and alpha (momentum); then every fast weight shrinks by the fraction h."""
    for i, g in enumerate(grads):
        nd = g.ndim
        state["v_slow"][i] = _col(hp["mom_slow"], nd) * state["v_slow"][i] - _col(hp["eps_slow"], nd) * g
        state["slow"][i] = state["slow"][i] + state["v_slow"][i]
        state["v_fast"][i] = _col(hp["mom_fast"], nd) * state["v_fast"][i] - _col(hp["eps_fast"], nd) * g
        state["fast"][i] = (state["fast"][i] + state["v_fast"][i]) * (1.0 - _col(hp["h"], nd))


def reset_momentum(state):
    for key in ("v_slow", "v_fast"):
        state[key] = [np.zeros_like(a) for a in state[key]]


def _norm(arrs):
    """Euclidean norm over all parameter arrays, per batch row."""
    return np.sqrt(sum(np.sum(a.reshape(a.shape[0], -1) ** 2, axis=1) for a in arrs))


def _check_finite(E, state, where):
    if not np.all(np.isfinite(E)) or not all(np.all(np.isfinite(a)) for a in state["fast"] + state["slow"]):
        raise DivergenceError(f"training diverged (NaN/inf) during {where}; lower --eps-fast/--eps-slow")


def train_stage(state, X, D, mask, n_sweeps, hp, trace, old_mask, new_mask, where, keep_case_errors=False):
    """n_sweeps weight changes on the masked cases (gradient summed over the masked cases).

    Before every change (and once after the last) it appends to `trace` the mean error per output
    unit on the old and the new cases and the slow / fast / effective weight norms. With
    keep_case_errors it returns the per-case errors at those n_sweeps + 1 points, (T+1, B, P).
    """
    per_case = []
    for t in range(n_sweeps + 1):
        eff = effective(state)
        E, grads, y = loss_and_grads(eff, X, D, mask)
        ce = case_errors(y, D)
        if trace is not None:
            _record(trace, ce, old_mask, new_mask, state, eff)
        if keep_case_errors:
            per_case.append(ce)
        if t == n_sweeps:
            break
        apply_update(state, grads, hp)
    _check_finite(E, state, where)
    return np.stack(per_case) if keep_case_errors else None


def _record(trace, ce, old_mask, new_mask, state, eff):
    trace["err_old"].append((ce * old_mask).sum(1) / old_mask.sum(1))
    trace["err_new"].append((ce * new_mask).sum(1) / new_mask.sum(1))
    trace["norm_slow"].append(_norm(state["slow"]))
    trace["norm_fast"].append(_norm(state["fast"]))
    trace["norm_eff"].append(_norm(eff))


def decay_times(n_sweeps, every):
    """Sweeps of stage 4 at which the error is recorded: 0, every, 2 every, ..., n_sweeps."""
    t = list(range(0, n_sweeps + 1, every))
    return t if t[-1] == n_sweeps else t + [n_sweeps]


def decay_stage(state, X, D, times, h, trace, old_mask, new_mask):
    """Stage 4: no error signal and no slow change; every fast weight shrinks by the fraction h
    per sweep, so after t sweeps fast = fast_0 (1 - h)^t. Returns per-case errors at `times`
    (len(times), B, P) and leaves the state at the last time."""
    fast0 = state["fast"]
    per_case = []
    for t in times:
        state["fast"] = [f * (1.0 - _col(h, f.ndim)) ** t for f in fast0]
        eff = effective(state)
        _, y = forward(eff, X)
        ce = case_errors(y, D)
        if trace is not None:
            _record(trace, ce, old_mask, new_mask, state, eff)
        per_case.append(ce)
    return np.stack(per_case)


# ---------------------------------------------------------------------------------------------
# the four-stage protocol, batched over nets x seeds (stages 1-2) and nets x seeds x fractions
# ---------------------------------------------------------------------------------------------
def _subset_mean(ce, m):
    """Mean of per-case errors ce (..., B, P) over the cases where mask m (B, P) is 1."""
    return (ce * m).sum(-1) / np.maximum(m.sum(-1), 1)


def _bits_right(y, D, m):
    """Fraction of output bits on the right side of 0.5, over the masked cases. y (B,P,O)."""
    ok = ((y > 0.5) == (D > 0.5)).mean(axis=2)
    return (ok * m).sum(1) / np.maximum(m.sum(1), 1)


def net_fast_hp(name, cfg):
    """Fast-weight (epsilon, alpha) of a net: 'fast' (the flags), 'slow_only' (0, 0: the fast
    weights never move), or 'fast@EPS@ALPHA' (a point of the fast-weight grid)."""
    if name == "slow_only":
        return 0.0, 0.0
    if name == "fast":
        return cfg["eps_fast"], cfg["mom_fast"]
    _, e, a = name.split("@")
    return float(e), float(a)


def run_protocol(seeds, cfg, keep_trace=False):
    """Run stages 1-4 for every seed and every net in cfg['nets'], as one batched computation.

    Returns a dict of arrays indexed [net, seed, fraction, ...] plus the fraction list; with
    keep_trace also the per-sweep trace of stages 1-4 (stage 3/4 on the headline fraction).
    """
    seeds = list(seeds)
    S, nets = len(seeds), list(cfg["nets"])
    Nn = len(nets)
    # fraction 0 is a control: no rehearsal, the same 20 sweeps pass (fast weights decay) and stage 4
    fracs = [0.0] + sorted(set(cfg["fractions"]) | {cfg["retrain_fraction"], cfg["compare_fraction"]})
    F = len(fracs)
    n_old, n_new = cfg["n_old"], cfg["n_new"]
    X, D, params, perm = make_batch_data(seeds, n_in=cfg["n_in"], n_hid=cfg["n_hid"], n_out=cfg["n_out"],
                                         n_old=n_old, n_new=n_new, init_scale=cfg["init_scale"])
    P = n_old + n_new

    def hp_for(rows_per_net):
        ef = np.repeat([net_fast_hp(n, cfg)[0] for n in nets], rows_per_net)
        mf = np.repeat([net_fast_hp(n, cfg)[1] for n in nets], rows_per_net)
        B = Nn * rows_per_net
        return {"eps_slow": np.full(B, cfg["eps_slow"]), "mom_slow": np.full(B, cfg["mom_slow"]),
                "eps_fast": ef, "mom_fast": mf, "h": np.full(B, cfg["h"])}

    # stages 1-2: batch rows = (net, seed)
    B12 = Nn * S
    Xb, Db = np.tile(X, (Nn, 1, 1)), np.tile(D, (Nn, 1, 1))
    state = new_state([np.tile(p, (Nn,) + (1,) * (p.ndim - 1)) for p in params])
    old_mask = np.zeros((B12, P)); old_mask[:, :n_old] = 1.0
    new_mask = 1.0 - old_mask
    hp = hp_for(S)
    keys = ("err_old", "err_new", "norm_slow", "norm_fast", "norm_eff")
    trace = {k: [] for k in keys} if keep_trace else None
    warm = min(cfg["fast_warmup"], cfg["sweeps1"])
    if warm > 0:                                     # fast weights frozen at 0 for the first sweeps
        hp_w = dict(hp, eps_fast=np.zeros_like(hp["eps_fast"]), mom_fast=np.zeros_like(hp["mom_fast"]))
        train_stage(state, Xb, Db, old_mask, warm, hp_w, trace, old_mask, new_mask, "stage 1 (warm-up)")
        if trace is not None:                        # drop the duplicate record at the hand-over
            for v in trace.values():
                v.pop()
    train_stage(state, Xb, Db, old_mask, cfg["sweeps1"] - warm, hp, trace, old_mask, new_mask, "stage 1")
    _, y1 = forward(effective(state), Xb)
    ce1 = case_errors(y1, Db)
    out = {"err_old_after_stage1": _subset_mean(ce1, old_mask),
           "bits_old_after_stage1": _bits_right(y1, Db, old_mask),
           "fast_norm_after_stage1": _norm(state["fast"]),
           "slow_norm_after_stage1": _norm(state["slow"])}
    eff1 = [a.copy() for a in effective(state)]
    reset_momentum(state)
    train_stage(state, Xb, Db, new_mask, cfg["sweeps2"], hp, trace, old_mask, new_mask, "stage 2")
    _, y2 = forward(effective(state), Xb)
    ce2 = case_errors(y2, Db)
    out.update({"err_old_after_interference": _subset_mean(ce2, old_mask),
                "err_new_after_interference": _subset_mean(ce2, new_mask),
                "bits_old_after_interference": _bits_right(y2, Db, old_mask),
                "bits_new_after_interference": _bits_right(y2, Db, new_mask),
                "fast_norm_after_interference": _norm(state["fast"])})

    # stages 3-4: batch rows = (net, seed, fraction)
    rep = lambda a: np.repeat(a, F, axis=0)
    blur = [rep(e2 - e1) for e1, e2 in zip(eff1, effective(state))]    # stage-2 change of the weights
    slow2, fast2 = [rep(a) for a in state["slow"]], [rep(a) for a in state["fast"]]
    for key in state:
        state[key] = [rep(a) for a in state[key]]
    reset_momentum(state)
    B = B12 * F
    X3, D3 = rep(Xb), rep(Db)
    ks = np.array([int(round(f * n_old)) for f in fracs])
    rank = np.empty_like(perm)                       # rank[s, c] = position of old case c in perm
    np.put_along_axis(rank, perm, np.arange(n_old)[None, :].repeat(S, 0), axis=1)
    retr = (rank[:, None, :] < ks[None, :, None]).astype(np.float64)     # (S, F, n_old)
    retr = np.tile(retr.reshape(S * F, n_old), (Nn, 1))                 # (B, n_old)
    zeros_new = np.zeros((B, n_new))
    m_retr = np.concatenate([retr, zeros_new], axis=1)
    m_unre = np.concatenate([1.0 - retr, zeros_new], axis=1)
    om3, nm3 = rep(old_mask), rep(new_mask)
    hp3 = hp_for(S * F)
    hp3["eps_slow"] = hp3["eps_slow"] * cfg["slow_rehearsal_scale"]   # 1.0 = the paper's rule
    if cfg.get("rehearsal_mom_slow") is not None:                        # default: the same alpha
        hp3["mom_slow"] = np.full(B, cfg["rehearsal_mom_slow"])
    trace3 = {k: [] for k in keys} if keep_trace else None
    ce3 = train_stage(state, X3, D3, m_retr, cfg["sweeps3"], hp3, trace3, om3, nm3, "stage 3",
                      keep_case_errors=True)          # (T3+1, B, P)
    curve_r = _subset_mean(ce3, m_retr)               # (T3+1, B)
    curve_u = _subset_mean(ce3, m_unre)
    curve_new = _subset_mean(ce3, nm3)
    curve_old = _subset_mean(ce3, om3)
    # does rehearsal cancel the blur? cosine between the stage-3 change of the effective weights and
    # minus the stage-2 change, and the share of the stage-3 change carried by the fast weights
    dslow = [a - b for a, b in zip(state["slow"], slow2)]
    dfast = [a - b for a, b in zip(state["fast"], fast2)]
    deff = [a + b for a, b in zip(dslow, dfast)]
    dot = sum(np.sum((-b * d).reshape(B, -1), axis=1) for b, d in zip(blur, deff))
    with np.errstate(divide="ignore", invalid="ignore"):
        cos_cancel = dot / (_norm(blur) * _norm(deff))
        fast_share = _norm(dfast) / (_norm(dfast) + _norm(dslow))
    _, y3 = forward(effective(state), X3)
    bits_old_deblur = _bits_right(y3, D3, om3)
    bits_new_deblur = _bits_right(y3, D3, nm3)
    reset_momentum(state)
    times4 = decay_times(cfg["decay_sweeps"], cfg["decay_every"])
    ce4 = decay_stage(state, X3, D3, times4, hp3["h"], trace3, om3, nm3)
    _, y4 = forward(effective(state), X3)

    dR = curve_r[:-1] - curve_r[1:]                   # per-sweep improvements (T3, B)
    dU = curve_u[:-1] - curve_u[1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio_step = dU / dR
        ratio_cum = (curve_u[0] - curve_u[1:]) / (curve_r[0] - curve_r[1:])

    def shape_nsf(a):     # (B, ...) -> (Nn, S, F, ...)
        return a.reshape((Nn, S, F) + a.shape[1:])

    def shape_ns(a):
        return a.reshape((Nn, S) + a.shape[1:])

    res = {k: shape_ns(v) for k, v in out.items()}
    res.update({
        "curve_retrained": shape_nsf(curve_r.T), "curve_unretrained": shape_nsf(curve_u.T),
        "curve_new_stage3": shape_nsf(curve_new.T), "curve_old_stage3": shape_nsf(curve_old.T),
        "transfer_ratio_per_sweep": shape_nsf(ratio_step.T),
        "transfer_ratio_cumulative": shape_nsf(ratio_cum.T),
        "err_old_after_deblur": shape_nsf(curve_old[-1]),
        "err_retrained_after_deblur": shape_nsf(curve_r[-1]),
        "err_unretrained_after_deblur": shape_nsf(curve_u[-1]),
        "err_new_after_deblur": shape_nsf(curve_new[-1]),
        "bits_old_after_deblur": shape_nsf(bits_old_deblur),
        "cos_rehearsal_vs_minus_blur": shape_nsf(cos_cancel),
        "fast_share_of_rehearsal_change": shape_nsf(fast_share),
        "bits_new_after_deblur": shape_nsf(bits_new_deblur),
        "decay_old": shape_nsf(_subset_mean(ce4, om3).T),
        "decay_new": shape_nsf(_subset_mean(ce4, nm3).T),
        "decay_unretrained": shape_nsf(_subset_mean(ce4, m_unre).T),
        "err_old_after_decay": shape_nsf(_subset_mean(ce4[-1], om3)),
        "err_new_after_decay": shape_nsf(_subset_mean(ce4[-1], nm3)),
        "err_unretrained_after_decay": shape_nsf(_subset_mean(ce4[-1], m_unre)),
        "bits_old_after_decay": shape_nsf(_bits_right(y4, D3, om3)),
        "bits_new_after_decay": shape_nsf(_bits_right(y4, D3, nm3)),
    })
    res["transfer_ratio_first_sweep"] = res["transfer_ratio_per_sweep"][..., 0]
    res["fractions"] = fracs
    res["nets"] = nets
    res["decay_times"] = times4
    if keep_trace:
        res["trace12"] = {k: shape_ns(np.stack(v, axis=1)) for k, v in trace.items()}
        res["trace34"] = {k: shape_nsf(np.stack(v, axis=1)) for k, v in trace3.items()}
        res["n12"] = cfg["sweeps1"] + cfg["sweeps2"] + 2
        # hidden->output weight changes, for Hinton diagrams: stage-2 blur, stage-3 slow and fast
        res["W2_blur"] = shape_nsf(blur[2])
        res["W2_rehearsal_slow"] = shape_nsf(dslow[2])
        res["W2_rehearsal_fast"] = shape_nsf(dfast[2])
    return res


SCALARS_NS = ("err_old_after_stage1", "bits_old_after_stage1", "fast_norm_after_stage1",
              "slow_norm_after_stage1", "err_old_after_interference", "err_new_after_interference",
              "bits_old_after_interference", "bits_new_after_interference", "fast_norm_after_interference")
SCALARS_NSF = ("transfer_ratio_first_sweep", "err_old_after_deblur", "err_retrained_after_deblur",
               "err_unretrained_after_deblur", "err_new_after_deblur", "bits_old_after_deblur",
               "bits_new_after_deblur", "err_old_after_decay", "err_new_after_decay",
               "err_unretrained_after_decay", "bits_old_after_decay", "bits_new_after_decay",
               "cos_rehearsal_vs_minus_blur", "fast_share_of_rehearsal_change")
CURVES_NSF = ("curve_retrained", "curve_unretrained", "curve_new_stage3", "transfer_ratio_per_sweep",
              "transfer_ratio_cumulative")


def _nanmedian(a, axis=None):
    """np.nanmedian without the all-NaN warning (an undefined ratio stays NaN)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(a, axis=axis)


def _nanmean(a, axis=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(a, axis=axis)


def _f(x):
    """numpy scalar/array -> plain Python (None for NaN/inf so the JSON stays valid)."""
    if isinstance(x, np.ndarray):
        return [_f(v) for v in x]
    x = float(x)
    return x if math.isfinite(x) else None


def seed_metrics(res, si, cfg):
    """Plain-Python metrics of seed index si: required keys map net -> value (headline fraction);
    'compare_fraction' repeats the stage-3/4 keys at the comparison fraction; 'by_fraction' holds
    the scalar stage-3/4 results at every fraction."""
    fr = res["fractions"]
    fi, fc = fr.index(cfg["retrain_fraction"]), fr.index(cfg["compare_fraction"])
    nets = res["nets"]
    m = {}
    for k in SCALARS_NS:
        m[k] = {n: _f(res[k][ni, si]) for ni, n in enumerate(nets)}

    def stage34(fj):
        d = {}
        for k in SCALARS_NSF:
            d[k] = {n: _f(res[k][ni, si, fj]) for ni, n in enumerate(nets)}
        for k in CURVES_NSF:
            d[k] = {n: _f(res[k][ni, si, fj]) for ni, n in enumerate(nets)}
        for k in ("decay_old", "decay_new"):
            d[k] = {n: _f(res[k][ni, si, fj]) for ni, n in enumerate(nets)}
        return d

    m.update(stage34(fi))
    m["compare_fraction"] = stage34(fc)
    m["decay_times"] = list(res["decay_times"])
    m["by_fraction"] = {("%g" % f): {k: {n: _f(res[k][ni, si, fj]) for ni, n in enumerate(nets)}
                                    for k in ("transfer_ratio_first_sweep", "err_unretrained_after_deblur",
                                              "err_old_after_deblur", "err_new_after_decay",
                                              "err_old_after_decay")}
                        for fj, f in enumerate(fr) if f > 0}
    m["control_no_rehearsal"] = {k: {n: _f(res[k][ni, si, 0]) for ni, n in enumerate(nets)}
                                 for k in ("err_old_after_deblur", "err_new_after_deblur",
                                           "err_old_after_decay", "err_new_after_decay")}
    return m


# ---------------------------------------------------------------------------------------------
# summaries over seeds
# ---------------------------------------------------------------------------------------------
def describe(values):
    """mean, std (ddof=1), min, max and a normal-approximation 95% interval of the mean."""
    v = np.asarray([x for x in np.ravel(values) if x is not None and math.isfinite(x)], dtype=np.float64)
    n = v.size
    if n == 0:
        return {"n": 0, "mean": None, "std": None, "min": None, "max": None, "ci95": [None, None],
                "median": None, "q25": None, "q75": None}
    mean = float(v.mean())
    std = float(v.std(ddof=1)) if n > 1 else 0.0
    half = 1.96 * std / math.sqrt(n) if n > 1 else 0.0
    q25, med, q75 = (float(q) for q in np.percentile(v, [25, 50, 75]))
    return {"n": int(n), "mean": mean, "std": std, "min": float(v.min()), "max": float(v.max()),
            "ci95": [mean - half, mean + half], "median": med, "q25": q25, "q75": q75}


def sweep_summary(res, cfg):
    fr = res["fractions"]
    fi, fc = fr.index(cfg["retrain_fraction"]), fr.index(cfg["compare_fraction"])
    summ = {}
    for ni, n in enumerate(res["nets"]):
        s = {k: describe(res[k][ni]) for k in SCALARS_NS}
        for tag, fj in (("", fi), ("compare_", fc)):
            for k in SCALARS_NSF:
                s[tag + k] = describe(res[k][ni, :, fj])
            for k in ("curve_retrained", "curve_unretrained", "curve_new_stage3", "transfer_ratio_per_sweep",
                      "transfer_ratio_cumulative", "decay_old", "decay_new"):
                a = res[k][ni, :, fj]
                s[tag + k + "_mean"] = _f(_nanmean(a, axis=0))
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    sd = np.nanstd(a, axis=0, ddof=1) if a.shape[0] > 1 else np.zeros(a.shape[1])
                s[tag + k + "_std"] = _f(sd)
        s["by_fraction"] = {("%g" % f): {k: describe(res[k][ni, :, fj]) for k in
                                        ("transfer_ratio_first_sweep", "err_unretrained_after_deblur",
                                         "err_retrained_after_deblur", "err_new_after_decay",
                                         "err_old_after_decay", "err_new_after_deblur",
                                         "err_unretrained_after_decay")}
                            for fj, f in enumerate(fr) if f > 0}
        s["control_no_rehearsal"] = {k: describe(res[k][ni, :, 0]) for k in
                                     ("err_old_after_deblur", "err_new_after_deblur", "err_old_after_decay",
                                      "err_new_after_decay")}
        summ[n] = s
    return summ


# ---------------------------------------------------------------------------------------------
# the paper's analysis (sections 4.1, 5.1, 5.2, 5.3), checked by simulation
# ---------------------------------------------------------------------------------------------
def _ci_mean(x):
    x = np.asarray(x, dtype=np.float64)
    m, se = float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size))
    return {"mean": m, "ci95": [m - 1.96 * se, m + 1.96 * se], "n": int(x.size)}


def _ci_ratio(num, den):
    """Ratio of means num.mean()/den.mean() with a delta-method 95% interval (paired samples)."""
    num, den = np.asarray(num, np.float64), np.asarray(den, np.float64)
    n = num.size
    mn, md = num.mean(), den.mean()
    r = mn / md
    cov = np.cov(np.stack([num, den]))
    var = (cov[0, 0] - 2 * r * cov[0, 1] + r * r * cov[1, 1]) / (md * md * n)
    half = 1.96 * math.sqrt(max(var, 0.0))
    return {"ratio": float(r), "ci95": [float(r - half), float(r + half)], "n": int(n)}


def random_inputs(rng, shape, kind, p):
    """0/1 inputs (1 with prob p) or 1/0/-1 inputs (1 and -1 each with prob p)."""
    u = rng.random(shape)
    if kind == "01":
        return (u < p).astype(np.float64)
    return np.where(u < p, 1.0, np.where(u < 2 * p, -1.0, 0.0))


def linear_transfer_trials(rng, n_sets, n_noise, n, m, k, kind, p, chunk=50):
    """Linear net, one output unit, noise g ~ N(0, 1) added to weights that solved m associations.

    n_sets random input sets (m vectors of n components) x n_noise noise vectors each. For
    infinitesimal retraining on the first k associations (steepest descent on their summed
    error) it returns, per input set, the mean rate of improvement of a retrained and of an
    unretrained association (averaged over the noise draws), and, per input set, the mean cosine
    between the gradients of two associations (all pairs among the first 10, all noise draws),
    the mean of eq. (2)/(3) over the same pairs, and the mean of the exact expectation
    rho (2/pi) asin(rho) (rho = cos(a, b); E sign(e_a e_b) = (2/pi) asin(rho) for gaussian noise). The error of association j is e_j = a_j . g,
    so the targets never need to be drawn.
    """
    imp_r, imp_u, cos_ab, pred_ab, rho_ab = [], [], [], [], []
    done = 0
    while done < n_sets:
        t = min(chunk, n_sets - done)
        A = random_inputs(rng, (t, m, n), kind, p)              # (t, m, n) input vectors
        g = rng.standard_normal((t, n, n_noise))                 # weight noise, n_noise draws
        e = A @ g                                                # (t, m, G) output errors
        step = -A[:, :k].transpose(0, 2, 1) @ e[:, :k]           # (t, n, G) = -dE_S/dw
        rate = -e * (A @ step)                                   # improvement rate of every case
        imp_r.append(rate[:, :k].mean(axis=(1, 2)))
        imp_u.append(rate[:, k:].mean(axis=(1, 2)))
        # pairwise cosines among the first q associations: grad E_j = e_j a_j, so
        # cos(grad_i, grad_j) = (a_i . a_j) e_i e_j / (|a_i| |a_j| |e_i e_j|)
        q = min(m, 10)
        Aq, eq = A[:, :q], e[:, :q]                              # (t, q, n), (t, q, G)
        gram = Aq @ Aq.transpose(0, 2, 1)                        # (t, q, q)
        nrm = np.sqrt(np.einsum("tii->ti", gram))
        iu_, ju_ = np.triu_indices(q, 1)
        ab, na, nb = gram[:, iu_, ju_], nrm[:, iu_], nrm[:, ju_]   # (t, pairs)
        ee = eq[:, iu_] * eq[:, ju_]                             # (t, pairs, G)
        den = (na * nb)[:, :, None] * np.abs(ee)
        ok = (den > 0).astype(np.float64)                        # skip all-zero input vectors
        with np.errstate(divide="ignore", invalid="ignore"):
            cos = np.where(ok > 0, ab[:, :, None] * ee / den, 0.0)
            pr = np.where(na * nb > 0, ab ** 2 / (na * nb) ** 2, 0.0)    # eq. (2) / (3), per pair
            rh = np.where(na * nb > 0, ab / (na * nb), 0.0)
        cnt = ok.sum(axis=(1, 2))                                # per input set: mean over pairs, noise
        cos_ab.append(cos.sum(axis=(1, 2)) / cnt)
        pred_ab.append((pr[:, :, None] * ok).sum(axis=(1, 2)) / cnt)
        rho_ab.append(((rh * (2 / math.pi) * np.arcsin(rh))[:, :, None] * ok).sum(axis=(1, 2)) / cnt)
        done += t
    cat = np.concatenate
    return cat(imp_r), cat(imp_u), cat(cos_ab), cat(pred_ab), cat(rho_ab)


def theory_01(rng, cfg):
    """Section 5.1: 0/1 inputs with p = .5; cosine between two gradients and the 50-of-100 ratio."""
    n, m, k = cfg["theory_n"], cfg["theory_m"], cfg["theory_k"]
    T, G = cfg["theory_sets"], cfg["theory_noise"]
    ir, iu, cos, pred, exact = linear_transfer_trials(rng, T, G, n, m, k, "01", 0.5)
    c_paper = 0.25
    # finite-n expected overlap E[(a.b)^2] / E[|a|^2 |b|^2] for p = .5 (enters the ratio exactly)
    # E[(a.b)^2] / E[|a|^4] = (3n/16 + n^2/16) / (n/4 + n^2/4) = (n + 3) / (4 (n + 1)) -> 0.25
    c_n = (n + 3) / (4 * (n + 1))
    rat = _ci_ratio(iu, ir)
    return {
        "n_inputs": n, "n_associations": m, "n_retrained": k, "input_sets": T, "noise_per_set": G,
        "cos_measured": _ci_mean(cos), "cos_eq2_mean": _ci_mean(pred),
        "cos_exact_rho_arcsin_mean": _ci_mean(exact), "cos_paper": c_paper,
        "cos_measured_minus_exact": _ci_mean(cos - exact), "cos_measured_minus_eq2": _ci_mean(cos - pred),
        "ratio_measured": rat,
        "ratio_mean_of_trial_ratios": _ci_mean(iu / ir),
        "ratio_paper": k * c_paper / (1 + (k - 1) * c_paper),
        "ratio_finite_n_prediction": k * c_n / (1 + (k - 1) * c_n),
        "ratio_in_ci": bool(rat["ci95"][0] <= k * c_paper / (1 + (k - 1) * c_paper) <= rat["ci95"][1]),
    }


def theory_ternary(rng, cfg):
    """Section 5.2: 1/0/-1 inputs for n = 10..200; pair cosine ~ 1/n, ratio constant when
    #associations = n * assoc_per_dim and a fixed fraction is retrained."""
    rows = []
    p = cfg["theory_p_ternary"]
    for n in cfg["theory_ns"]:
        m = max(2, int(round(cfg["theory_assoc_per_dim"] * n)))
        k = max(1, int(round(cfg["theory_ternary_fraction"] * m)))
        ir, iu, cos, pred, exact = linear_transfer_trials(rng, cfg["theory_sets"], cfg["theory_noise"], n, m, k,
                                                     "ternary", p)
        rat = _ci_ratio(iu, ir)
        c_pred = 1.0 / n                                       # 4 p^2 n / (2 p n)^2
        rows.append({"n": n, "m": m, "k": k, "cos_measured": _ci_mean(cos), "cos_eq3_mean": _ci_mean(pred),
                     "cos_paper_1_over_n": c_pred, "n_times_cos_measured": _ci_mean(n * cos),
                     "n_times_eq3": _ci_mean(n * pred), "n_times_exact": _ci_mean(n * exact),
                     "ratio_measured": rat,
                     "ratio_prediction": k * c_pred / (1 + (k - 1) * c_pred)})
    return rows


def theory_retraining_linear(rng, cfg):
    """Section 5.3 in the linear net: retrain on k of m associations with finite steps of plain
    gradient descent from w* + g; per-step ratio of mean improvements (unretrained / retrained)."""
    n, m, k, T, trials = cfg["theory_n53"], cfg["theory_m"], cfg["theory_k"], cfg["theory_steps"], cfg["theory_trials_53"]
    A = random_inputs(rng, (trials, m, n), "01", 0.5)
    w = rng.standard_normal((trials, n))                       # deviation from the solution w*
    H = np.einsum("tkn,tkj->tnj", A[:, :k], A[:, :k])           # Hessian of the retrained error
    lam = np.linalg.eigvalsh(H)[:, -1]
    eps = cfg["theory_lr"] / lam                                 # step = lr / largest curvature
    errs = []
    for t in range(T + 1):
        e = np.einsum("tmn,tn->tm", A, w)
        errs.append(np.stack([0.5 * (e[:, :k] ** 2).mean(1), 0.5 * (e[:, k:] ** 2).mean(1)], 1))
        if t < T:
            w = w - eps[:, None] * np.einsum("tk,tkn->tn", e[:, :k], A[:, :k])
    errs = np.stack(errs)                                          # (T+1, trials, 2)
    dimp = errs[:-1] - errs[1:]                                     # per-step improvement
    ratio = dimp[:, :, 1].mean(1) / dimp[:, :, 0].mean(1)
    rat_ci = [_ci_ratio(dimp[s, :, 1], dimp[s, :, 0]) for s in range(T)]
    return {"n_inputs": n, "n_associations": m, "n_retrained": k, "trials": trials, "lr": cfg["theory_lr"],
            "ratio_per_step": _f(ratio), "ratio_per_step_ci95": [r["ci95"] for r in rat_ci],
            "err_retrained_mean": _f(errs[:, :, 0].mean(1)), "err_unretrained_mean": _f(errs[:, :, 1].mean(1))}


def theory_geometry(rng, cfg):
    """Section 4.1 (figure 4): two inputs, one linear output, two associations x1, x2 whose
    solution lines cross at O. Noise of fixed length r in a uniform direction; a tiny gradient
    step on association 1; does the error on association 2 fall? Measured fraction vs the arc
    prediction 1 - phi/pi (phi = angle between x1 and x2). Then section 5.3: after retraining on
    association 1 by a factor s (circle -> ellipse) the measured chance vs the ellipse arc fraction."""
    N, r = cfg["theory_trials_geom"], 1.0
    rows = []
    for deg in cfg["theory_angles"]:
        phi = math.radians(deg)
        x1, x2 = np.array([1.0, 0.0]), np.array([math.cos(phi), math.sin(phi)])
        th = rng.uniform(0, 2 * math.pi, N)
        v = r * np.stack([np.cos(th), np.sin(th)], 1)             # w - O, uniform orientation
        ent = []
        for s in cfg["theory_shrink"]:
            vs = v.copy()
            vs[:, 0] *= s                                          # retraining on 1 shrinks the x1 part
            e1, e2 = vs @ x1, vs @ x2
            dstep = 1e-6
            w_new = vs - dstep * e1[:, None] * x1                  # tiny step down dE1/dw
            E2_before, E2_after = 0.5 * e2 ** 2, 0.5 * (w_new @ x2) ** 2
            pos = (E2_after < E2_before).astype(np.float64)
            # arc-length prediction on the ellipse {(s cos t, sin t)}: fraction of its perimeter
            # where the transfer sign is positive
            tt = (np.arange(20000) + 0.5) * (2 * math.pi / 20000)
            pts = np.stack([s * np.cos(tt), np.sin(tt)], 1)
            dl = np.sqrt((s * np.sin(tt)) ** 2 + np.cos(tt) ** 2)
            good = ((pts @ x1) * (pts @ x2) * (x1 @ x2) > 0).astype(np.float64)
            arc = float(np.sum(good * dl) / np.sum(dl))
            ent.append({"shrink": s, "fraction_positive": _ci_mean(pos), "arc_prediction": arc})
        rows.append({"angle_deg": deg, "arc_prediction_circle": 1 - phi / math.pi if deg <= 90 else phi / math.pi,
                     "by_shrink": ent})
    return rows


def theory_net_points(n_sweeps):
    """Indices (0-based, improvement from sweep i to i + 1) printed for the 5.3 net check:
    1, 2, 3, 6, 11, 21, 51, 101, 201, ... below n_sweeps, and the last sweep."""
    return [i for i in (0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000) if i < n_sweeps - 1] + [n_sweeps - 1]


def run_theory(seed, cfg):
    rng = np.random.default_rng(seed)
    out = {"zero_one": theory_01(rng, cfg), "ternary": theory_ternary(rng, cfg),
           "retraining_linear": theory_retraining_linear(rng, cfg), "geometry": theory_geometry(rng, cfg)}
    net_seeds = list(range(cfg["theory_net_seeds"]))
    ncfg = dict(cfg, nets=["slow_only"] + (["fast"] if not cfg["no_fast"] else []))
    # as configured (paper: slow momentum .9 in rehearsal), and with no slow momentum in rehearsal
    for key, mom in (("retraining_net", cfg.get("rehearsal_mom_slow")), ("retraining_net_no_momentum", 0.0)):
        res = run_protocol(net_seeds, dict(ncfg, rehearsal_mom_slow=mom))
        fr = res["fractions"]
        out[key] = {}
        for ni, net in enumerate(res["nets"]):
            d = {}
            for f in (cfg["retrain_fraction"], cfg["compare_fraction"]):
                a = res["transfer_ratio_per_sweep"][ni, :, fr.index(f)]
                c = res["transfer_ratio_cumulative"][ni, :, fr.index(f)]
                R = res["curve_retrained"][ni, :, fr.index(f)].mean(0)     # mean over seeds, (T3+1,)
                U = res["curve_unretrained"][ni, :, fr.index(f)].mean(0)
                pts = [0] + [i + 1 for i in theory_net_points(len(R) - 1)]
                with np.errstate(divide="ignore", invalid="ignore"):
                    win = [(U[a] - U[b]) / (R[a] - R[b]) for a, b in zip(pts[:-1], pts[1:])]
                d["%g" % f] = {"ratio_per_sweep_mean": _f(_nanmean(a, 0)),
                               "ratio_per_sweep_median": _f(_nanmedian(a, 0)),
                               "ratio_cumulative_mean": _f(_nanmean(c, 0)),
                               "ratio_cumulative_median": _f(_nanmedian(c, 0)),
                               "err_retrained_mean": _f(R), "err_unretrained_mean": _f(U),
                               "window_sweeps": pts, "ratio_window_of_means": _f(np.array(win)),
                               "seeds": net_seeds}
            out[key][net] = d
    return out


# ---------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------
def _int_ge(lo):
    def f(s):
        try:
            v = int(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer >= {lo}, got {s!r}")
        if v < lo:
            raise argparse.ArgumentTypeError(f"must be an integer >= {lo}, got {v}")
        return v
    return f


def _int_in(lo, hi):
    def f(s):
        v = _int_ge(lo)(s)
        if v > hi:
            raise argparse.ArgumentTypeError(f"must be an integer in [{lo}, {hi}], got {v}")
        return v
    return f


def _float_in(lo, hi, lo_open=False, hi_open=False):
    def f(s):
        try:
            v = float(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {s!r}")
        ok = math.isfinite(v) and (v > lo if lo_open else v >= lo) and (v < hi if hi_open else v <= hi)
        if not ok:
            raise argparse.ArgumentTypeError(
                f"must be in {'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}, got {s}")
        return v
    return f


def _list_of(conv):
    def f(s):
        parts = [p for p in s.split(",") if p.strip()]
        if not parts:
            raise argparse.ArgumentTypeError("expected a comma-separated list")
        return [conv(p.strip()) for p in parts]
    return f


def build_parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    a = p.add_argument
    a("--seed", type=_int_ge(0), default=0, help="random seed (data, initial weights, retrained subset)")
    a("--sweep", type=_int_ge(1), default=None, help="run seeds 0..N-1 as one batch and summarise")
    a("--json", default=None, help="write results to this JSON file")
    a("--quiet", action="store_true", help="print only the headline lines")
    a("--theory", action="store_true", help="check the paper's analysis (sections 4.1, 5.1-5.3) by simulation")
    a("--no-fast", action="store_true", help="run only the slow-only network (no fast weights)")
    a("--n-in", type=_int_in(2, 20), default=N_IN, help="input units (inputs are distinct n-bit codes)")
    a("--n-hid", type=_int_ge(1), default=N_HID, help="hidden units")
    a("--n-out", type=_int_ge(1), default=N_OUT, help="output units")
    a("--n-old", type=_int_ge(2), default=N_OLD, help="old associations (stage 1)")
    a("--n-new", type=_int_ge(1), default=N_NEW, help="new associations (stage 2)")
    a("--init-scale", type=_float_in(0, 10), default=INIT_SCALE, help="initial slow weights ~ U(-s, s)")
    a("--eps-slow", type=_float_in(0, 10), default=EPS_SLOW, help="slow learning rate (paper: .02)")
    a("--mom-slow", type=_float_in(0, 1, hi_open=True), default=MOM_SLOW, help="slow momentum (paper: .9)")
    a("--eps-fast", type=_float_in(0, 10), default=EPS_FAST, help="fast learning rate (not in the paper)")
    a("--mom-fast", type=_float_in(0, 1, hi_open=True), default=MOM_FAST, help="fast momentum (not in the paper)")
    a("--h", type=_float_in(0, 1, hi_open=True), default=DECAY_H, help="fast-weight decay per weight change")
    a("--fast-warmup", type=_int_ge(0), default=FAST_WARMUP,
      help="first stage-1 sweeps during which the fast weights do not learn (not in the paper)")
    a("--slow-rehearsal-scale", type=_float_in(0, 10), default=1.0,
      help="multiplies the slow epsilon during stage 3 only (1 = paper; 0 = only fast weights rehearse)")
    a("--rehearsal-mom-slow", type=_float_in(0, 1, hi_open=True), default=None,
      help="slow momentum during stage 3 only (default: --mom-slow)")
    a("--sweeps1", type=_int_ge(0), default=SWEEPS_1, help="stage 1 sweeps on the old associations")
    a("--sweeps2", type=_int_ge(0), default=SWEEPS_2, help="stage 2 sweeps on the new associations")
    a("--sweeps3", type=_int_ge(1), default=SWEEPS_3,
      help="stage 3 rehearsal sweeps (with --theory: the rehearsal length of the 5.3 10-100-10 check)")
    a("--decay-sweeps", type=_int_ge(0), default=DECAY_SWEEPS, help="stage 4 sweeps of fast-weight decay")
    a("--decay-every", type=_int_ge(1), default=DECAY_EVERY, help="record stage-4 errors every N sweeps")
    a("--retrain-fraction", type=_float_in(0, 1, lo_open=True), default=RETRAIN_FRACTION,
      help="fraction of the old associations rehearsed in stage 3 (headline)")
    a("--compare-fraction", type=_float_in(0, 1, lo_open=True), default=COMPARE_FRACTION,
      help="second rehearsed fraction reported beside the headline")
    a("--fractions", type=_list_of(_float_in(0, 1, lo_open=True)), default=list(FRACTIONS),
      help="rehearsed fractions for the transfer-vs-fraction table")
    a("--fast-grid", action="store_true", help="sweep the fast epsilon and alpha (grid below), all batched")
    a("--grid-eps", type=_list_of(_float_in(0, 10)), default=[0.02, 0.05, 0.1, 0.2, 0.5],
      help="fast epsilons for --fast-grid")
    a("--grid-mom", type=_list_of(_float_in(0, 1, hi_open=True)), default=[0.0, 0.5, 0.8],
      help="fast alphas for --fast-grid")
    g = p.add_argument_group("theory (--theory)")
    b = g.add_argument
    b("--theory-n", type=_int_ge(2), default=1000, help="input units for the 0/1 analysis (5.1)")
    b("--theory-m", type=_int_ge(2), default=100, help="associations in the linear net (5.1, 5.3)")
    b("--theory-k", type=_int_ge(1), default=50, help="retrained associations (5.1, 5.3)")
    b("--theory-sets", type=_int_ge(2), default=400, help="random input sets per analysis")
    b("--theory-noise", type=_int_ge(1), default=100, help="weight-noise draws per input set")
    b("--theory-ns", type=_list_of(_int_ge(2)), default=[10, 20, 50, 100, 200], help="n for the 1/0/-1 case")
    b("--theory-p-ternary", type=_float_in(0, 0.5, lo_open=True), default=1 / 3,
      help="P(+1) = P(-1) per component in the 1/0/-1 case")
    b("--theory-assoc-per-dim", type=_float_in(0, 100, lo_open=True), default=1.0,
      help="associations per input unit in the 1/0/-1 case")
    b("--theory-ternary-fraction", type=_float_in(0, 1, lo_open=True), default=0.5,
      help="retrained fraction in the 1/0/-1 case")
    b("--theory-n53", type=_int_ge(2), default=100, help="input units for the 5.3 linear retraining run")
    b("--theory-trials-53", type=_int_ge(2), default=400, help="random problems for the 5.3 linear run")
    b("--theory-steps", type=_int_ge(1), default=40, help="retraining steps in the 5.3 linear run")
    b("--theory-lr", type=_float_in(0, 2, lo_open=True, hi_open=True), default=0.1,
      help="5.3 linear step size as a fraction of 1/(largest curvature)")
    b("--theory-trials-geom", type=_int_ge(2), default=100000, help="noise directions per angle (4.1)")
    b("--theory-angles", type=_list_of(_float_in(0, 90, lo_open=True, hi_open=True)),
      default=[15.0, 30.0, 45.0, 60.0, 75.0], help="angles (deg) between x1 and x2 in figure 4")
    b("--theory-shrink", type=_list_of(_float_in(0, 1, lo_open=True)), default=[1.0, 0.75, 0.5, 0.25, 0.1],
      help="figure-4 ellipse: factor left of the x1 component after retraining on association 1")
    b("--theory-net-seeds", type=_int_ge(1), default=10, help="seeds of the 10-100-10 net for 5.3")
    return p


def config_from_args(args):
    cfg = {k: getattr(args, k) for k in (
        "n_in", "n_hid", "n_out", "n_old", "n_new", "init_scale", "eps_slow", "mom_slow", "eps_fast",
        "mom_fast", "h", "fast_warmup", "slow_rehearsal_scale", "rehearsal_mom_slow", "sweeps1", "sweeps2", "sweeps3", "decay_sweeps", "decay_every", "retrain_fraction",
        "compare_fraction", "fractions", "no_fast")}
    cfg["nets"] = ["slow_only"] if args.no_fast else list(NETS)
    if args.theory:
        cfg.update({k: getattr(args, k) for k in vars(args) if k.startswith("theory_")})
    if args.fast_grid:
        cfg.update({"grid_eps": args.grid_eps, "grid_mom": args.grid_mom})
    return cfg


def validate(args, parser):
    if args.n_old + args.n_new > 2 ** args.n_in:
        parser.error(f"--n-old + --n-new ({args.n_old + args.n_new}) exceeds the 2**--n-in distinct inputs")
    for f in [args.retrain_fraction, args.compare_fraction] + list(args.fractions):
        if int(round(f * args.n_old)) < 1 or int(round(f * args.n_old)) >= args.n_old:
            parser.error(f"--retrain-fraction/--fractions value {f:g} leaves no retrained or no unretrained case "
                         f"out of {args.n_old}")
    if args.theory and args.sweep:
        parser.error("--theory uses --seed (and --theory-net-seeds for the 10-100-10 net), not --sweep")
    if args.theory and args.fast_grid:
        parser.error("--theory and --fast-grid are separate runs; give one of them")
    if args.theory and args.theory_k >= args.theory_m:
        parser.error("--theory-k must be smaller than --theory-m")


def write_json_atomic(path, obj):
    d = os.path.dirname(os.path.abspath(path)) or "."
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=d)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(obj, fh, indent=1, sort_keys=False)
            fh.write("\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _fmt(v, p=4):
    return "  nan " if v is None else f"{v:.{p}f}"


def print_run(m, cfg, out):
    """Print one seed's results (fast vs slow-only) from its metrics dict."""
    nets = cfg["nets"]
    out(f"{'error per output unit':44s}" + "".join(f"{n:>12s}" for n in nets))
    rows = [("old 100 after stage 1", m["err_old_after_stage1"]),
            ("  |fast| after stage 1 (|slow| beside)", None),
            ("old after interference (stage 2)", m["err_old_after_interference"]),
            ("new 5 after interference", m["err_new_after_interference"])]
    for name, d in rows:
        if d is None:
            out(f"{name:44s}" + "".join(f"{_fmt(m['fast_norm_after_stage1'][n], 4):>7s}/{m['slow_norm_after_stage1'][n]:<4.1f}"
                                      for n in nets))
            continue
        out(f"{name:44s}" + "".join(f"{_fmt(d[n]):>12s}" for n in nets))
    for tag, mm, f in (("", m, cfg["retrain_fraction"]), ("", m["compare_fraction"], cfg["compare_fraction"])):
        out(f"-- rehearse {f:.0%} of the old associations for {cfg['sweeps3']} sweeps, then {cfg['decay_sweeps']} decay sweeps")
        for name, key in (("transfer ratio, first sweep", "transfer_ratio_first_sweep"),
                          ("retrained after rehearsal", "err_retrained_after_deblur"),
                          ("unretrained after rehearsal", "err_unretrained_after_deblur"),
                          ("new after rehearsal", "err_new_after_deblur"),
                          ("old after decay", "err_old_after_decay"),
                          ("new after decay", "err_new_after_decay"),
                          ("new bits right after decay", "bits_new_after_decay"),
                          ("cos(rehearsal change, -blur change)", "cos_rehearsal_vs_minus_blur"),
                          ("fast share of the rehearsal change", "fast_share_of_rehearsal_change")):
            out(f"{name:44s}" + "".join(f"{_fmt(mm[key][n]):>12s}" for n in nets))
        if mm is m:
            for name, key in (("control, no rehearsal: old after decay", "err_old_after_decay"),
                              ("control, no rehearsal: new after decay", "err_new_after_decay")):
                out(f"{name:44s}" + "".join(f"{_fmt(m['control_no_rehearsal'][key][n]):>12s}" for n in nets))
        for n in nets:
            r, u = mm["curve_retrained"][n], mm["curve_unretrained"][n]
            out(f"  Figure 2 ({n}): sweep " + " ".join(f"{t:6d}" for t in (0, 1, 2, 5, 10, 20) if t < len(r)))
            out(f"    retrained   " + " ".join(f"{r[t]:6.4f}" for t in (0, 1, 2, 5, 10, 20) if t < len(r)))
            out(f"    unretrained " + " ".join(f"{u[t]:6.4f}" for t in (0, 1, 2, 5, 10, 20) if t < len(u)))


def print_fraction_table(by_fraction, nets, out, key_fmt=lambda d: _fmt(d)):
    out("transfer vs rehearsed fraction: first-sweep ratio | unretrained err after rehearsal | new err after decay")
    for f, d in by_fraction.items():
        out(f"  {float(f):5.0%} " + "  ".join(
            f"{n}: {key_fmt(d['transfer_ratio_first_sweep'][n])} | {key_fmt(d['err_unretrained_after_deblur'][n])}"
            f" | {key_fmt(d['err_new_after_decay'][n])}" for n in nets))


REQUIRED = ("err_old_after_stage1", "err_old_after_interference", "err_new_after_interference",
            "curve_retrained", "curve_unretrained", "transfer_ratio_first_sweep", "transfer_ratio_per_sweep",
            "err_new_after_deblur", "err_new_after_decay", "err_old_after_decay")


def _sweep_headline(summ, cfg):
    """Sweep metrics: every required key (and the other scalars) as net -> mean over seeds."""
    m = {}
    for n, s in summ.items():
        for k in SCALARS_NS + SCALARS_NSF:
            m.setdefault(k, {})[n] = s[k]["mean"]
        for k in CURVES_NSF:
            m.setdefault(k, {})[n] = s[k + "_mean"]
    return m


def headline_lines(res, cfg, seeds):
    """The summary lines quoted in the README (and re-derived by the tests)."""
    fr = res["fractions"]
    lines = []
    tag = f"seed {seeds[0]}" if len(seeds) == 1 else f"seeds {seeds[0]}-{seeds[-1]}"
    for ni, n in enumerate(res["nets"]):
        for f in (cfg["retrain_fraction"], cfg["compare_fraction"]):
            fj = fr.index(f)
            v = lambda k: float(_nanmean(res[k][ni, :, fj]))
            w = lambda k: float(_nanmean(res[k][ni]))
            c = lambda k: float(_nanmean(res[k][ni, :, 0]))
            lines.append(
                f"[{tag}] {n:9s} rehearse {f:4.0%}: ratio1 {_nanmedian(res['transfer_ratio_first_sweep'][ni, :, fj]):.3f}"
                f" | old {w('err_old_after_stage1'):.4f} -> blurred {w('err_old_after_interference'):.4f}"
                f" -> unretrained {v('err_unretrained_after_deblur'):.4f} -> decayed {v('err_unretrained_after_decay'):.4f}"
                f" | new {w('err_new_after_interference'):.4f} -> {v('err_new_after_deblur'):.4f}"
                f" -> decayed {v('err_new_after_decay'):.4f}"
                f" | no-rehearsal control: old {c('err_old_after_decay'):.4f} new {c('err_new_after_decay'):.4f}")
    return lines


def print_headline(res, cfg, seeds):
    print("headline (error per output unit; ratio1 = median over seeds of the first-sweep transfer ratio):")
    for line in headline_lines(res, cfg, seeds):
        print(line)


def _ms(d, p=4):
    if d["mean"] is None:
        return "n/a"
    return f"{d['mean']:.{p}f} +- {d['std']:.{p}f} [{d['min']:.{p}f}, {d['max']:.{p}f}] ci95 [{d['ci95'][0]:.{p}f}, {d['ci95'][1]:.{p}f}]"


def print_sweep(summ, cfg, out):
    for n, s in summ.items():
        out(f"== {n}: mean +- std [min, max] ci95 over {s['err_old_after_stage1']['n']} seeds")
        for k in SCALARS_NS:
            out(f"  {k:36s} {_ms(s[k])}")
        for tag, f in (("", cfg["retrain_fraction"]), ("compare_", cfg["compare_fraction"])):
            out(f"  -- rehearsing {f:.0%}")
            for k in SCALARS_NSF:
                out(f"  {k:36s} {_ms(s[tag + k])}")
            r, u = s[tag + "curve_retrained_mean"], s[tag + "curve_unretrained_mean"]
            out("  Figure 2 mean, sweep " + " ".join(f"{t:6d}" for t in (0, 1, 2, 5, 10, 20) if t < len(r)))
            out("    retrained         " + " ".join(f"{r[t]:6.4f}" for t in (0, 1, 2, 5, 10, 20) if t < len(r)))
            out("    unretrained       " + " ".join(f"{u[t]:6.4f}" for t in (0, 1, 2, 5, 10, 20) if t < len(u)))
        out("  transfer vs fraction (means over seeds; ratio: median [IQR]): first-sweep ratio | unretrained after"
            " rehearsal | unretrained after decay | new after rehearsal | new after decay")
        for f, d in s["by_fraction"].items():
            r = d["transfer_ratio_first_sweep"]
            out(f"    {float(f):4.0%}  {_fmt(r['median'], 3)} [{_fmt(r['q25'], 3)}, {_fmt(r['q75'], 3)}] | "
                f"{_fmt(d['err_unretrained_after_deblur']['mean'])} | {_fmt(d['err_unretrained_after_decay']['mean'])} | "
                f"{_fmt(d['err_new_after_deblur']['mean'])} | {_fmt(d['err_new_after_decay']['mean'])}")


GRID_KEYS = ("err_old_after_stage1", "fast_norm_after_stage1", "err_old_after_interference",
             "err_new_after_interference", "transfer_ratio_first_sweep", "err_unretrained_after_deblur",
             "err_unretrained_after_decay", "err_new_after_deblur", "err_new_after_decay")


def run_fast_grid(seeds, cfg):
    """Every (fast epsilon, fast alpha) of the grid plus the slow-only net, all seeds, one batch.
    Returns rows of summaries at the headline rehearsed fraction (and the no-rehearsal control)."""
    nets = [f"fast@{e:g}@{a:g}" for e in cfg["grid_eps"] for a in cfg["grid_mom"]] + ["slow_only"]
    res = run_protocol(seeds, dict(cfg, nets=nets))
    fj = res["fractions"].index(cfg["retrain_fraction"])
    rows = []
    for ni, n in enumerate(nets):
        e, a = net_fast_hp(n, cfg)
        row = {"net": n, "eps_fast": e, "mom_fast": a}
        for k in GRID_KEYS:
            v = res[k][ni] if res[k].ndim == 2 else res[k][ni, :, fj]
            row[k] = describe(v)
        row["control_err_new_after_decay"] = describe(res["err_new_after_decay"][ni, :, 0])
        row["control_err_old_after_decay"] = describe(res["err_old_after_decay"][ni, :, 0])
        rows.append(row)
    return rows


def print_fast_grid(rows, cfg, out):
    out(f"fast-weight grid, rehearse {cfg['retrain_fraction']:.0%}; means over seeds (ratio1: median); "
        "errors per output unit")
    out(" eps_f alpha_f | old st1 | |fast| st1 | blurred | ratio1 | unretr. rehearsed -> decayed"
        " | new interf. -> rehearsed -> decayed | control new decayed")
    for r in rows:
        m = lambda k: _fmt(r[k]["mean"])
        lab = "slow-only   " if r["net"] == "slow_only" else f"{r['eps_fast']:5.3g} {r['mom_fast']:5.2g} "
        out(f" {lab} | {m('err_old_after_stage1')} | {_fmt(r['fast_norm_after_stage1']['mean'], 3):>9s} | "
            f"{m('err_old_after_interference')} | {_fmt(r['transfer_ratio_first_sweep']['median'], 3)} | "
            f"{m('err_unretrained_after_deblur')} -> {m('err_unretrained_after_decay')} | "
            f"{m('err_new_after_interference')} -> {m('err_new_after_deblur')} -> {m('err_new_after_decay')} | "
            f"{_fmt(r['control_err_new_after_decay']['mean'])}")


def print_theory(th, out):
    z = th["zero_one"]
    out(f"5.1 0/1 inputs (p=.5), linear net, n={z['n_inputs']}, {z['n_associations']} associations, "
        f"{z['input_sets']} input sets x {z['noise_per_set']} noise draws:")
    c = z["cos_measured"]
    out(f"  E[cos(grad A, grad B)] measured {c['mean']:.4f} ci95 [{c['ci95'][0]:.4f}, {c['ci95'][1]:.4f}]; "
        f"eq.(2) n_ab^2/(n_a n_b) {z['cos_eq2_mean']['mean']:.4f}; paper 0.25; "
        f"exact rho*(2/pi)*asin(rho) {z['cos_exact_rho_arcsin_mean']['mean']:.4f}")
    r = z["ratio_measured"]
    out(f"  ratio retrain {z['n_retrained']} of {z['n_associations']}: measured {r['ratio']:.4f} "
        f"ci95 [{r['ci95'][0]:.4f}, {r['ci95'][1]:.4f}]; paper {z['ratio_paper']:.4f} "
        f"(inside: {'yes' if z['ratio_in_ci'] else 'no'}); finite-n prediction {z['ratio_finite_n_prediction']:.4f}")
    out("5.2 1/0/-1 inputs: n, m, k | n*E[cos] measured | n*eq.(3) | ratio measured [ci95] | prediction (c = 1/n)")
    for row in th["ternary"]:
        r = row["ratio_measured"]
        out(f"  {row['n']:4d} {row['m']:4d} {row['k']:4d} | {row['n_times_cos_measured']['mean']:.3f} | "
            f"{row['n_times_eq3']['mean']:.3f} | {r['ratio']:.4f} [{r['ci95'][0]:.4f}, {r['ci95'][1]:.4f}] | "
            f"{row['ratio_prediction']:.4f}")
    L = th["retraining_linear"]
    rs = L["ratio_per_step"]
    idx = [i for i in (0, 1, 2, 5, 10, 20, len(rs) - 1) if i < len(rs)]
    out(f"5.3 linear net (n={L['n_inputs']}, retrain {L['n_retrained']} of {L['n_associations']}, {L['trials']} problems): "
        "per-step ratio at step " + ", ".join(f"{i}: {rs[i]:.3f}" for i in idx))
    for key, tag in (("retraining_net", "slow momentum as configured"), ("retraining_net_no_momentum",
                                                                         "no slow momentum in rehearsal")):
        for net, d in th[key].items():
            for f, e in d.items():
                rr, cc = e["ratio_per_sweep_median"], e["ratio_cumulative_median"]
                ii = theory_net_points(len(rr))
                out(f"5.3 10-100-10 net ({net}, {tag}, rehearse {float(f):.0%}, {len(e['seeds'])} seeds), median at "
                    "sweep " + ", ".join(str(i + 1) for i in ii) + ": per-sweep ratio "
                    + ", ".join(_fmt(rr[i], 3) for i in ii) + "; cumulative " + ", ".join(_fmt(cc[i], 3) for i in ii))
                pts, R, U = e["window_sweeps"], e["err_retrained_mean"], e["err_unretrained_mean"]
                out("    mean error retrained/unretrained after sweep " + ", ".join(
                    f"{t}: {_fmt(R[t])}/{_fmt(U[t])}" for t in pts) + "; ratio of mean improvements, sweeps "
                    + ", ".join(f"{a}-{b}: {_fmt(w, 3)}" for a, b, w in zip(pts[:-1], pts[1:], e["ratio_window_of_means"])))
    out("4.1 figure-4 geometry: angle | measured fraction of noise directions with positive transfer [ci95] | arc prediction 1-phi/pi")
    for row in th["geometry"]:
        e = row["by_shrink"][0]
        fp = e["fraction_positive"]
        out(f"  {row['angle_deg']:5.1f} deg | {fp['mean']:.4f} [{fp['ci95'][0]:.4f}, {fp['ci95'][1]:.4f}] | "
            f"{row['arc_prediction_circle']:.4f}")
    out("5.3 geometry (ellipse): angle, shrink s | measured P(positive) | ellipse arc-length fraction")
    for row in th["geometry"]:
        out(f"  {row['angle_deg']:5.1f} deg: " + "; ".join(
            f"s={e['shrink']:.2f} {e['fraction_positive']['mean']:.3f}/{e['arc_prediction']:.3f}" for e in row["by_shrink"]))


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    validate(args, parser)
    if args.json:
        d = os.path.dirname(os.path.abspath(args.json))
        if not (os.path.isdir(d) and os.access(d, os.W_OK)):
            parser.error(f"argument --json: directory {d} does not exist or is not writable")
    cfg = config_from_args(args)
    out = (lambda *a, **k: None) if args.quiet else print
    t0 = time.time()
    seeds = list(range(args.sweep)) if args.sweep else [args.seed]
    result = {"experiment": "fast_weights_deblur"}
    result.update({"seeds": seeds} if args.sweep else {"seed": args.seed})
    result["config"] = {k: v for k, v in cfg.items()}
    try:
        if args.fast_grid:
            rows = run_fast_grid(seeds, cfg)
            metrics = {"fast_grid": rows}
            print_fast_grid(rows, cfg, print)
        elif args.theory:
            th = run_theory(args.seed, cfg)
            metrics = {"theory": th}
            print_theory(th, print)
        else:
            res = run_protocol(seeds, cfg)
            per_seed = [seed_metrics(res, si, cfg) for si in range(len(seeds))]
            if args.sweep:
                summ = sweep_summary(res, cfg)
                metrics = _sweep_headline(summ, cfg)
                result["per_seed"] = per_seed
                result["summary"] = summ
                print_sweep(summ, cfg, out)
            else:
                metrics = per_seed[0]
                print_run(metrics, cfg, out)
                print_fraction_table(metrics["by_fraction"], cfg["nets"], out)
            print_headline(res, cfg, seeds)
    except DivergenceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    result["metrics"] = metrics
    result["versions"] = {"python": platform.python_version(), "numpy": np.__version__}
    result["wallclock_s"] = round(time.time() - t0, 3)
    if args.json:
        try:
            write_json_atomic(args.json, result)
        except OSError as exc:
            print(f"error: cannot write --json {args.json}: {exc.strerror or exc}", file=sys.stderr)
            return 1
    print(f"wall-clock {result['wallclock_s']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
