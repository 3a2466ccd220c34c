"""Hinton & Plaut (1987), "Using fast weights to deblur old memories": the paper's experiment.

A 10-100-10 logistic net, every connection and bias with a slow and a fast weight (summed; both
get the same derivative with their own epsilon and alpha, and every fast weight shrinks by h = 1%
after each weight change), learns 100 random associations (stage 1), is blurred by 5 new ones
(stage 2) and rehearses 10% or 50% of the old ones (stage 3: Figure 2). Stage 4 (ours) runs the
rule with no error signal, so that the fast weights decay. Beside every run: a no-rehearsal
control. Prints Figure 2, the cumulative transfer ratio (unretrained / retrained improvement
since sweep 0) and the stage-4 results, with 95% intervals for --sweep N; errors per output
unit, sq = 1/2 (y - d)^2 and abs = |y - d|. The studies: studies_fast_weights_deblur.py.
"""
import argparse
import dataclasses
import json
import math
import os
import pathlib
import platform
import sys
import tempfile
import time

# single-threaded BLAS: the matrices are small and threads only contend on a shared machine
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

# ---- the paper's network, task and learning parameters (section 4) ------------------------
N_IN, N_HID, N_OUT = 10, 100, 10    # paper: 10-100-10, biases on hidden and output units
N_OLD, N_NEW = 100, 5               # paper: 100 associations, then 5 new ones
EPS_SLOW, MOM_SLOW = 0.02, 0.9      # paper: slow epsilon and alpha (stage 1)
H = 0.01                            # paper: every fast weight shrinks by 1% per weight change
SWEEPS1, SWEEPS2, SWEEPS3 = 1300, 400, 20   # paper: stage 1, stage 2, Figure 2's 20 sweeps
FRACTIONS = (0.1, 0.5)              # paper: "10% up to 50%" of the old ones rehearsed
# ---- our choices for what the paper leaves open (README "Deviations") --------------------
EPS_FAST, MOM_FAST = 0.2, 0.0       # ours: fast epsilon and alpha (not in the paper)
FAST_WARMUP = 10                    # ours: the fast weights skip the first stage-1 sweeps
INIT_SCALE = 0.3                    # ours: initial slow weights ~ U(-0.3, 0.3), fast ones 0
DECAY_SWEEPS, DECAY_EVERY = 500, 10  # ours: stage 4 (0.99^500 = 0.0066), error every 10 sweeps
CUMULATIVE_AT = (1, 5, 10, 20)      # sweeps at which the cumulative transfer ratio is quoted
N_BOOT, BOOT_SEED = 2000, 12345     # bootstrap resamples of the seeds, and their generator
CHUNK = 8                           # seeds per batched array computation (fits the caches)
MAX_SWEEP = 2000                    # seeds per --sweep (about 0.1 s each)
MAX_WEIGHT = 1e6                    # a weight beyond this: the learner has diverged
MEASURES = ("sq", "abs")            # 1/2 (y - d)^2 and |y - d| per output unit


@dataclasses.dataclass(frozen=True)
class Config:
    eps_slow: float = EPS_SLOW
    mom_slow: float = MOM_SLOW
    eps_fast: float = EPS_FAST
    mom_fast: float = MOM_FAST
    h: float = H
    sweeps1: int = SWEEPS1
    sweeps2: int = SWEEPS2
    sweeps3: int = SWEEPS3
    fast_warmup: int = FAST_WARMUP
    init_scale: float = INIT_SCALE
    decay_sweeps: int = DECAY_SWEEPS
    fractions: tuple = FRACTIONS
    rehearsal_eps_slow: float = None   # slow epsilon in stage 3 (None: eps_slow)
    rehearsal_mom_slow: float = None   # slow alpha in stage 3 (None: mom_slow)
    keep_momentum: bool = False        # carry the momentum over from one stage to the next


class Diverged(RuntimeError):
    """Weights or errors stopped being finite, or a weight exceeded MAX_WEIGHT."""


# ---- data: one generator per seed, draws in a fixed order -----------------------------------
SHAPES = [(N_IN, N_HID), (N_HID,), (N_HID, N_OUT), (N_OUT,)]    # W1, b1, W2, b2


def make_seed(rng, cfg):
    """Inputs X (P, I): n_old + n_new distinct binary codes; targets D (P, O): random bits;
    initial slow weights [W1, b1, W2, b2]; a permutation of the old cases (the first k are the
    k rehearsed ones, so the subsets of different fractions are nested)."""
    codes = rng.choice(2 ** N_IN, size=N_OLD + N_NEW, replace=False)
    X = ((codes[:, None] >> np.arange(N_IN)) & 1).astype(np.float64)
    D = rng.integers(0, 2, size=(N_OLD + N_NEW, N_OUT)).astype(np.float64)
    params = [rng.uniform(-cfg.init_scale, cfg.init_scale, size=s) for s in SHAPES]
    return X, D, params, rng.permutation(N_OLD)


def make_batch(seeds, cfg):
    """make_seed for every seed, stacked on a leading seed axis S."""
    X, D, params, perm = zip(*[make_seed(np.random.default_rng(s), cfg) for s in seeds])
    return np.stack(X), np.stack(D), [np.stack(p) for p in zip(*params)], np.stack(perm)


# ---- model: forward and hand-written backward, batched over a leading row axis B ------------
def sigmoid(x):
    """1 / (1 + exp(-x)), computed in place: x must be a fresh array (a pre-activation)."""
    with np.errstate(over="ignore"):          # exp(-x) = inf gives exactly 0, as it should
        np.negative(x, out=x)
        np.exp(x, out=x)
        x += 1.0
        return np.reciprocal(x, out=x)


def forward(params, X):
    """params [W1 (B,I,H), b1 (B,H), W2 (B,H,O), b2 (B,O)], X (B,P,I) -> hid (B,P,H), y (B,P,O)."""
    W1, b1, W2, b2 = params
    hid = sigmoid(X @ W1 + b1[:, None, :])
    return hid, sigmoid(hid @ W2 + b2[:, None, :])


def loss_and_grads(params, X, D, mask=None):
    """E (B,) = 1/2 sum over cases and outputs of mask * (y - d)^2, dE/d[W1, b1, W2, b2], y;
    mask (B,P) weights the cases trained on (None: all of them)."""
    W1, b1, W2, b2 = params
    hid, y = forward(params, X)
    dy = y - D if mask is None else (y - D) * mask[:, :, None]     # dE/dy
    E = 0.5 * np.sum(dy * (y - D), axis=(1, 2))
    da2 = dy * y * (1.0 - y)                        # back through the output logistic
    dW2 = hid.transpose(0, 2, 1) @ da2              # (B,H,O)
    db2 = da2.sum(axis=1)
    dhid = da2 @ W2.transpose(0, 2, 1)              # back through W2 into the hidden states
    da1 = dhid                                      # back through the hidden logistic:
    da1 *= hid                                      #   da1 = dhid * hid * (1 - hid), in place
    da1 *= 1.0 - hid
    dW1 = X.transpose(0, 2, 1) @ da1                # (B,I,H)
    db1 = da1.sum(axis=1)
    return E, [dW1, db1, dW2, db2], y


def case_errors(y, D):
    """Error per output unit of every case, both measures: {'sq': (B,P), 'abs': (B,P)}."""
    diff = y - D
    return {"sq": 0.5 * np.mean(diff * diff, axis=-1), "abs": np.mean(np.abs(diff), axis=-1)}


# ---- slow + fast weights and the update rule ------------------------------------------------
# Each row's parameters are one vector theta (B, n) = [W1, b1, W2, b2] flattened, so that the
# update rule is a few operations on whole arrays; unpack() gives the four arrays as views.
def pack(arrays):
    return np.concatenate([a.reshape(a.shape[0], -1) for a in arrays], axis=1)


def unpack(theta):
    parts = np.split(theta, np.cumsum([math.prod(s) for s in SHAPES])[:-1], axis=1)
    return [p.reshape((theta.shape[0],) + s) for p, s in zip(parts, SHAPES)]


def new_state(slow):
    """Slow weights theta (B, n) given; fast weights and both momentum buffers start at 0."""
    return dict(slow=slow.copy(), fast=np.zeros_like(slow), v_slow=np.zeros_like(slow), v_fast=np.zeros_like(slow))


def update(state, grad, eps_slow, mom_slow, eps_fast, mom_fast, h):
    """One weight change: slow and fast weights get the same derivative, each with its own
    epsilon and alpha (momentum); then every fast weight shrinks by the fraction h."""
    state["v_slow"] = mom_slow * state["v_slow"] - eps_slow * grad
    state["slow"] = state["slow"] + state["v_slow"]
    state["v_fast"] = mom_fast * state["v_fast"] - eps_fast * grad
    state["fast"] = (state["fast"] + state["v_fast"]) * (1.0 - h)


def reset_momentum(state):
    state["v_slow"], state["v_fast"] = np.zeros_like(state["slow"]), np.zeros_like(state["slow"])


def norm(theta):
    return np.sqrt(np.sum(theta * theta, axis=-1))


def check(state, E, where):
    big = float(max(np.max(np.abs(state["slow"])), np.max(np.abs(state["fast"]))))
    if not (np.all(np.isfinite(E)) and math.isfinite(big) and big <= MAX_WEIGHT):
        raise Diverged(f"training diverged during {where} (a weight or error is NaN, inf or "
                       f"beyond {MAX_WEIGHT:g}); lower --eps-slow/--eps-fast")


def train(state, X, D, mask, sweeps, hp, where, progress, warmup=0, observe=None):
    """`sweeps` weight changes, each on the error derivative summed over the (masked) cases of
    X; the fast weights do not learn in the first `warmup` of them. observe(state) is called
    before every change and after the last."""
    frozen = (hp[0], hp[1], 0.0, 0.0, hp[4])
    for t in range(sweeps):
        if observe is not None:
            observe(state)
        E, grads, _ = loss_and_grads(unpack(state["slow"] + state["fast"]), X, D, mask)
        update(state, pack(grads), *(frozen if t < warmup else hp))
        if t % 100 == 99 or t == sweeps - 1:
            check(state, E, where)
            progress(f"{where}: sweep {t + 1}/{sweeps}")
    if observe is not None:
        observe(state)


def trace_point(trace, state, X, D, old):
    """Append the error on the old and new cases and the weight norms (for the figures)."""
    eff = state["slow"] + state["fast"]
    e = case_errors(forward(unpack(eff), X)[1], D)["sq"]
    trace["err_old"].append(e[:, old].mean(1))
    trace["err_new"].append(e[:, ~old].mean(1))
    for k, theta in (("norm_slow", state["slow"]), ("norm_fast", state["fast"]), ("norm_eff", eff)):
        trace[k].append(norm(theta))


# ---- the four stages, batched over seeds (stages 1-2) and seeds x rows (stages 3-4) ---------
def subset_means(e, sel):
    """e (T, S, R, P) per-case errors of rows [control, fraction 1, ...], sel {kind: (S,F,P)} each
    fraction's subsets -> {kind: (S,F,T)} of the rehearsed rows, {'ctrl_' + kind: ...} of the control."""
    out = {}
    for kind, s in sel.items():
        n = s.sum(-1)
        out[kind] = np.moveaxis((e[:, :, 1:] * s).sum(-1) / n, 0, -1)
        out["ctrl_" + kind] = np.moveaxis((e[:, :, :1] * s).sum(-1) / n, 0, -1)
    return out


def decay_times(cfg):
    """The stage-4 sweeps at which the errors are recorded: every DECAY_EVERY, and the last."""
    return sorted(set(range(0, cfg.decay_sweeps + 1, DECAY_EVERY)) | {cfg.decay_sweeps})


def rehearsed(perm, fractions):
    """(S, F, P) masks of the rehearsed cases: the first round(f * 100) old cases of each seed's
    permutation (nested across fractions); the new cases are never rehearsed."""
    rank = np.argsort(perm, axis=1)                   # rank[s, c]: place of old case c in perm
    ks = np.array([round(f * N_OLD) for f in fractions])
    retr = np.zeros((perm.shape[0], len(fractions), N_OLD + N_NEW), dtype=bool)
    retr[:, :, :N_OLD] = rank[:, None, :] < ks[None, :, None]
    return retr


def run_chunk(seeds, cfg, progress, trace=None):
    """Stages 1-4 for a few seeds as one array computation; a dict of arrays, seed axis first."""
    S, F = len(seeds), len(cfg.fractions)
    X, D, params, perm = make_batch(seeds, cfg)
    P, old = X.shape[1], np.arange(X.shape[1]) < N_OLD
    hp = (cfg.eps_slow, cfg.mom_slow, cfg.eps_fast, cfg.mom_fast, cfg.h)
    observe = None if trace is None else (lambda st: trace_point(trace, st, X, D, old))
    state = new_state(pack(params))
    # stage 1: the 100 old associations; stage 2: the 5 new ones, no rehearsal
    train(state, X[:, old], D[:, old], None, cfg.sweeps1, hp, "stage 1", progress,
          warmup=cfg.fast_warmup, observe=observe)
    y1 = forward(unpack(state["slow"] + state["fast"]), X)[1]
    e1 = case_errors(y1, D)
    out = {"fast_norm1": norm(state["fast"]), "slow_norm1": norm(state["slow"]),
           "bits1": ((y1[:, old] > 0.5) == (D[:, old] > 0.5)).mean(axis=(1, 2))}
    if not cfg.keep_momentum:
        reset_momentum(state)
    train(state, X[:, ~old], D[:, ~old], None, cfg.sweeps2, hp, "stage 2", progress,
          observe=observe)
    e2 = case_errors(forward(unpack(state["slow"] + state["fast"]), X)[1], D)
    # stage 3: rows (seed, r), r = 0 the no-rehearsal control, r = 1..F the rehearsed fractions
    R = F + 1
    state = {k: np.repeat(v, R, axis=0) for k, v in state.items()}
    if not cfg.keep_momentum:
        reset_momentum(state)
    slow2, fast2 = state["slow"], state["fast"]
    retr = rehearsed(perm, cfg.fractions)
    sel = {"retrained": retr, "unretrained": old & ~retr,
           "new": np.broadcast_to(~old, retr.shape), "old": np.broadcast_to(old, retr.shape)}
    mask = np.concatenate([np.zeros((S, 1, P), dtype=bool), retr], 1).reshape(S * R, P) * 1.0
    X3, D3 = np.repeat(X, R, axis=0), np.repeat(D, R, axis=0)
    scores = {m: [] for m in MEASURES}

    def score(st):
        y = forward(unpack(st["slow"] + st["fast"]), X3)[1]
        for m, e in case_errors(y, D3).items():
            scores[m].append(e.reshape(S, R, P))
        if trace is not None:
            trace_point(trace, st, X3, D3, old)
    hp3 = (cfg.eps_slow if cfg.rehearsal_eps_slow is None else cfg.rehearsal_eps_slow,
           cfg.mom_slow if cfg.rehearsal_mom_slow is None else cfg.rehearsal_mom_slow) + hp[2:]
    train(state, X3, D3, mask, cfg.sweeps3, hp3, "stage 3", progress, observe=score)
    # the fast weights' share of the rehearsal change |d fast| / (|d fast| + |d slow|)
    d_fast, d_slow = norm(state["fast"] - fast2), norm(state["slow"] - slow2)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["fast_share"] = (d_fast / (d_fast + d_slow)).reshape(S, R)[:, 1:]
    curves = {m: subset_means(np.stack(v), sel) for m, v in scores.items()}
    # stage 4: the same rule with no error signal, so the fast weights shrink by h per sweep
    if not cfg.keep_momentum:
        reset_momentum(state)
    scores, times = {m: [] for m in MEASURES}, decay_times(cfg)
    for t in range(cfg.decay_sweeps + 1):
        if t in times:
            score(state)
        if t < cfg.decay_sweeps:
            update(state, 0.0, *hp3)
    decay = {m: subset_means(np.stack(v), sel) for m, v in scores.items()}
    y0 = forward(unpack(state["slow"]), X3)[1]     # the fast weights gone altogether
    no_fast = {m: subset_means(e.reshape(1, S, R, P), sel) for m, e in case_errors(y0, D3).items()}
    for m in MEASURES:
        s12 = {f"stage{i}": {k: (e[m][:, None, :] * s).sum(-1) / s.sum(-1) for k, s in sel.items()}
               for i, e in ((1, e1), (2, e2))}
        out[m] = dict(s12, curve=curves[m], decay=decay[m],
                      no_fast={k: v[..., 0] for k, v in no_fast[m].items()})
    return out


def concat(parts):
    """Concatenate the chunks' nested dicts of arrays along the seed axis."""
    if isinstance(parts[0], dict):
        return {k: concat([p[k] for p in parts]) for k in parts[0]}
    return np.concatenate(parts, axis=0)


def run(seeds, cfg, progress=lambda text: None, trace=None):
    """Every seed through stages 1-4, CHUNK seeds at a time (one chunk with a trace)."""
    seeds, parts = list(seeds), []
    for i in range(0, len(seeds), CHUNK):
        chunk = seeds[i:i + CHUNK]
        tag = f"seeds {chunk[0]}-{chunk[-1]} of {len(seeds)}" if len(seeds) > 1 else f"seed {chunk[0]}"
        with np.errstate(over="ignore", invalid="ignore"):
            parts.append(run_chunk(chunk, cfg, lambda text: progress(f"{tag}, {text}"), trace))
    res = concat(parts)
    res["seeds"] = seeds
    res["decay_times"] = decay_times(cfg)
    return res


# ---- statistics over seeds --------------------------------------------------------------------
def t95(n):
    """Two-sided 95% Student-t quantile with n - 1 degrees of freedom (Cornish-Fisher series:
    within 1e-4 of the exact value from n = 10 up, 4e-3 at n = 4)."""
    z, v = 1.959964, max(n - 1, 1)
    return z + (z ** 3 + z) / (4 * v) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * v ** 2) + (
        3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / (384 * v ** 3) + (
        79 * z ** 9 + 776 * z ** 7 + 1482 * z ** 5 - 1920 * z ** 3 - 945 * z) / (92160 * v ** 4)


def mean_ci(a):
    """Mean over the seed axis 0 and its 95% t-interval (None for one seed)."""
    a = np.asarray(a, dtype=np.float64)
    m = a.mean(0)
    if a.shape[0] < 2:
        return m, None
    half = t95(a.shape[0]) * a.std(0, ddof=1) / math.sqrt(a.shape[0])
    return m, (m - half, m + half)


def boot_ratio(num, den):
    """Ratio of the seed means num.mean(0) / den.mean(0) and its percentile-bootstrap 95%
    interval (N_BOOT resamples of the seeds with replacement; None for one seed)."""
    num, den = np.asarray(num, np.float64), np.asarray(den, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = num.mean(0) / den.mean(0)
        if num.shape[0] < 2:
            return value, None
        idx = np.random.default_rng(BOOT_SEED).integers(0, num.shape[0], (N_BOOT, num.shape[0]))
        b = num[idx].mean(1) / den[idx].mean(1)
        return value, tuple(np.percentile(b, [2.5, 97.5], axis=0))


def plain(x):
    """numpy -> plain Python for JSON (10 significant digits; None for NaN and infinities)."""
    if isinstance(x, dict):
        return {k: plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, np.ndarray)):
        return [plain(v) for v in x]
    if x is None or isinstance(x, (bool, int, np.integer)):
        return x if not isinstance(x, np.integer) else int(x)
    return float(f"{x:.10g}") if math.isfinite(x) else None


def key(f):
    return f"{100 * f:g}%"


def per_seed_arrays(res, cfg):
    """Every per-seed result as a nested dict of arrays, seed axis first (JSON 'per_seed')."""
    A = {"bits_old_after_stage1": res["bits1"], "fast_norm_after_stage1": res["fast_norm1"],
         "slow_norm_after_stage1": res["slow_norm1"]}
    for name, stage, kind in (("err_old_after_stage1", "stage1", "old"),
                              ("err_old_after_interference", "stage2", "old"),
                              ("err_new_after_interference", "stage2", "new")):
        A[name] = {m: res[m][stage][kind][:, 0] for m in MEASURES}
    T = [t for t in CUMULATIVE_AT if t <= cfg.sweeps3]
    for j, f in enumerate(cfg.fractions):
        d = A[key(f)] = {"fast_share_of_rehearsal_change": res["fast_share"][:, j]}
        for m in MEASURES:
            c, dec, z = (res[m][s] for s in ("curve", "decay", "no_fast"))
            R, U = c["retrained"][:, j], c["unretrained"][:, j]
            with np.errstate(divide="ignore", invalid="ignore"):
                d[m] = {"transfer_ratio_first_sweep": (U[:, 0] - U[:, 1]) / (R[:, 0] - R[:, 1]),
                        "cumulative_transfer_ratio": {str(t): (U[:, 0] - U[:, t]) / (R[:, 0] - R[:, t])
                                                      for t in T}}
            for kind in ("retrained", "unretrained", "new", "ctrl_unretrained", "ctrl_new"):
                d[m]["curve_" + kind], d[m]["decay_curve_" + kind] = c[kind][:, j], dec[kind][:, j]
                d[m]["no_fast_" + kind] = z[kind][:, j]
            d[m]["err_unretrained_after_stage1"] = res[m]["stage1"]["unretrained"][:, j]
            d[m]["err_new_after_decay"] = dec["new"][:, j, -1]
    return A


def take(A, i):
    """Seed i's entry of A (without the decay curves, whose means the headline holds)."""
    return {k: take(v, i) if isinstance(v, dict) else v[i] for k, v in A.items() if "decay_curve" not in k}


def describe(a):
    """A per-seed array (S,) -> mean, std, min, max, median and the 95% t-interval."""
    m, ci = mean_ci(a)
    sd = float(a.std(ddof=1)) if a.shape[0] > 1 else None
    return {"mean": m, "std": sd, "min": a.min(), "max": a.max(), "median": np.median(a), "ci95": ci}


def summarize(A):
    """describe() of every per-seed scalar of A (the curves' means are in the headline)."""
    return {k: summarize(v) if isinstance(v, dict) else describe(v) for k, v in A.items()
            if isinstance(v, dict) or v.ndim == 1}


def headline(A, cfg):
    """The results quoted: means with 95% t-intervals (stage errors, Figure 2's curves), ratios of
    seed means with bootstrap intervals (transfer, shares), the first-sweep ratio per seed."""
    ci = lambda a: dict(zip(("mean", "ci95"), mean_ci(a)))
    br = lambda n, d: dict(zip(("value", "ci95"), boot_ratio(n, d)))
    H = {k: ({m: ci(v[m]) for m in MEASURES} if isinstance(v, dict) else ci(v))
         for k, v in A.items() if not k.endswith("%")}
    for f in cfg.fractions:
        d = A[key(f)]
        H[key(f)] = {"fast_share_of_rehearsal_change": ci(d["fast_share_of_rehearsal_change"])}
        for m in MEASURES:
            a = d[m]
            R, U, r1 = a["curve_retrained"], a["curve_unretrained"], a["transfer_ratio_first_sweep"]
            U3, C3 = a["curve_unretrained"][:, -1], a["curve_ctrl_unretrained"][:, -1]
            U4, C4 = a["decay_curve_unretrained"][:, -1], a["decay_curve_ctrl_unretrained"][:, -1]
            N3, M3 = a["curve_new"][:, -1], a["curve_ctrl_new"][:, -1]
            N4, M4 = a["decay_curve_new"][:, -1], a["decay_curve_ctrl_new"][:, -1]
            H[key(f)][m] = {k: ci(a[k]) for k in a if k.startswith(("curve_", "decay_", "no_fast_"))}
            H[key(f)][m].update(
                cumulative_transfer_ratio={t: br(U[:, 0] - U[:, int(t)], R[:, 0] - R[:, int(t)])
                                           for t in a["cumulative_transfer_ratio"]},
                transfer_ratio_first_sweep={"mean": r1.mean(), "std": r1.std(ddof=1) if r1.size > 1 else None,
                                            "median": np.median(r1)},
                err_new_after_decay=ci(N4),
                blur_undone_by_rehearsal=br(C3 - U3, C3 - a["err_unretrained_after_stage1"]),
                deblurring_kept_after_decay=br(C4 - U4, C3 - U3),
                new_harm_undone_by_decay=br((N3 - M3) - (N4 - M4), N3 - M3))
    return H


# ---- printing ---------------------------------------------------------------------------------
def fmt(d, p=4):
    """'mean [lo, hi]' of a {'mean' or 'value', 'ci95'} dict (an interval only for a sweep)."""
    v, ci = d.get("mean", d.get("value")), d["ci95"]
    text = "n/a" if v is None else f"{v:.{p}f}"
    return text if ci is None or None in ci else f"{text} [{ci[0]:.{p}f}, {ci[1]:.{p}f}]"


def report(H, cfg, seeds):
    """The printed lines; the last five (starting with '[seed') are the headline."""
    tag = f"seed {seeds[0]}" if len(seeds) == 1 else f"seeds {seeds[0]}-{seeds[-1]}"
    L = [f"fast_weights_deblur, {tag}: " + ", ".join(f"{k} {v}" for k, v in dataclasses.asdict(cfg).items()),
         "error per output unit: sq = 1/2 (y - d)^2, abs = |y - d|" + (
             "; means over seeds [95% t-interval], ratios of seed means [bootstrap 95% interval]"
             if len(seeds) > 1 else "")]
    L += [f"{m:>3}: old 100 after stage 1 {fmt(H['err_old_after_stage1'][m])}, after stage 2 "
          f"{fmt(H['err_old_after_interference'][m])}; new 5 after stage 2 "
          f"{fmt(H['err_new_after_interference'][m])}" for m in MEASURES]
    L.append(f"stage 1: old bits right {fmt(H['bits_old_after_stage1'], 3)}, |fast| "
             f"{fmt(H['fast_norm_after_stage1'], 2)}, |slow| {fmt(H['slow_norm_after_stage1'], 1)}")
    pts = [t for t in (0, 1, 2, 5, 10, 20) if t <= cfg.sweeps3]
    for f in cfg.fractions:
        h = H[key(f)]
        L.append(f"rehearse {key(f)} ({round(f * N_OLD)} of {N_OLD}): fast share of the rehearsal "
                 f"change {fmt(h['fast_share_of_rehearsal_change'], 3)}")
        for m in MEASURES:
            a = h[m]
            end = {k: a[k]["mean"][-1] for k in a if k.startswith(("curve_", "decay_curve_"))}
            L.append(f"  {m} error, sweep      " + "".join(f"{t:>8d}" for t in pts))
            L += [f"    {label:<18}" + "".join(f"{a['curve_' + k]['mean'][t]:8.4f}" for t in pts) for k, label in
                  (("retrained", "retrained"), ("unretrained", "unretrained"), ("ctrl_unretrained", "control, unretr."))]
            L.append("    cumulative transfer ratio: " + ", ".join(
                f"sweep {t} {fmt(r, 3)}" for t, r in a["cumulative_transfer_ratio"].items()))
            r1 = a["transfer_ratio_first_sweep"]
            L.append(f"    first-sweep ratio per seed: mean {r1['mean']:.3f}" + (
                "" if r1["std"] is None else f", std {r1['std']:.3f}, median {r1['median']:.3f}"))
            L.append(f"    after {cfg.decay_sweeps} decay sweeps: unretrained {end['decay_curve_unretrained']:.4f} "
                     f"(control {end['decay_curve_ctrl_unretrained']:.4f}); new 5 {end['curve_new']:.4f} after "
                     f"rehearsal (control {end['curve_ctrl_new']:.4f}), {end['decay_curve_new']:.4f} after decay "
                     f"(control {end['decay_curve_ctrl_new']:.4f})")
            L.append(f"    shares: blur of the unretrained undone by the rehearsal {fmt(a['blur_undone_by_rehearsal'], 3)}"
                     f", deblurring kept after decay {fmt(a['deblurring_kept_after_decay'], 3)}, rehearsal's "
                     f"harm to the new 5 undone by decay {fmt(a['new_harm_undone_by_decay'], 3)}")
    for f in cfg.fractions:
        for m in MEASURES:
            a = H[key(f)][m]
            R, U, cum = a["curve_retrained"]["mean"], a["curve_unretrained"]["mean"], a["cumulative_transfer_ratio"]
            L.append(f"[{tag}] rehearse {key(f)}, {m}: cumulative transfer ratio at sweeps {'/'.join(cum)} "
                     + " / ".join(fmt(r, 3) for r in cum.values())
                     + f" | unretrained {U[0]:.4f} -> {U[-1]:.4f}, retrained {R[0]:.4f} -> {R[-1]:.4f}")
    h = H[key(cfg.fractions[0])]
    a = h["sq"]
    L.append(f"[{tag}] decay after rehearsing {key(cfg.fractions[0])}, sq: new 5 "
             f"{H['err_new_after_interference']['sq']['mean']:.4f} -> {a['curve_new']['mean'][-1]:.4f} -> "
             f"{a['decay_curve_new']['mean'][-1]:.4f} (control {a['decay_curve_ctrl_new']['mean'][-1]:.4f}), "
             f"harm undone {fmt(a['new_harm_undone_by_decay'], 3)} | fast share "
             f"{fmt(h['fast_share_of_rehearsal_change'], 3)}")
    return L


# ---- command line -------------------------------------------------------------------------------
def number(kind, lo, hi, lo_open=False, hi_open=False):
    """argparse type: a finite int or float in [lo, hi] (open at an end if asked)."""
    def parse(text):
        try:
            v = kind(text)
            if math.isfinite(v) and (v > lo if lo_open else v >= lo) and (v < hi if hi_open else v <= hi):
                return v
        except ValueError:
            pass
        raise argparse.ArgumentTypeError(f"{text!r} is not {'an integer' if kind is int else 'a number'} in "
                                         f"{'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}")
    return parse


def fractions(text):
    """argparse type: distinct rehearsed fractions, each leaving at least one old case on both sides."""
    fr = [number(float, 0, 1, True, True)(t) for t in text.split(",")]
    if len(set(fr)) != len(fr) or len(fr) > 10 or any(not 1 <= round(f * N_OLD) < N_OLD for f in fr):
        raise argparse.ArgumentTypeError(f"{text!r}: up to 10 distinct fractions, each rehearsing 1 to "
                                         f"{N_OLD - 1} of the {N_OLD} old associations")
    return tuple(fr)


def output_path(text):
    """argparse type: a file that can be written (checked by creating a temporary file beside it)."""
    try:
        if os.path.isdir(text):
            raise IsADirectoryError(21, "it is a directory")
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(text)), prefix=".")
        os.close(fd)
        os.remove(tmp)
    except OSError as e:
        raise argparse.ArgumentTypeError(f"cannot write to {text}: {e.strerror}")
    return text


def build_parser():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    a = ap.add_argument
    eps, mom, sweeps = number(float, 0, 1e300), number(float, 0, 1, hi_open=True), number(int, 0, 100000)
    a("--seed", type=number(int, 0, 2 ** 32 - 1), default=None, help="random seed (default 0)")
    a("--sweep", type=number(int, 1, MAX_SWEEP), default=None, help="run seeds 0..N-1 and summarise")
    a("--json", type=output_path, default=None, metavar="PATH", help="write the results to PATH")
    a("--quiet", action="store_true", help="print nothing")
    a("--eps-slow", type=eps, default=EPS_SLOW, help="slow epsilon (paper)")
    a("--mom-slow", type=mom, default=MOM_SLOW, help="slow alpha (paper)")
    a("--eps-fast", type=eps, default=EPS_FAST, help="fast epsilon (ours; 0: a slow-only net)")
    a("--mom-fast", type=mom, default=MOM_FAST, help="fast alpha (ours)")
    a("--h", type=mom, default=H, help="fraction every fast weight shrinks by after each weight change (paper)")
    a("--sweeps1", type=sweeps, default=SWEEPS1, help="stage 1: sweeps on the old associations (paper)")
    a("--sweeps2", type=sweeps, default=SWEEPS2, help="stage 2: sweeps on the new associations (paper)")
    a("--sweeps3", type=number(int, 1, 100000), default=SWEEPS3, help="stage 3: rehearsal sweeps (paper)")
    a("--decay-sweeps", type=sweeps, default=DECAY_SWEEPS, help="stage 4: sweeps with no error signal (ours)")
    a("--fast-warmup", type=sweeps, default=FAST_WARMUP, help="stage-1 sweeps the fast weights skip (ours)")
    a("--init-scale", type=number(float, 0, 10, True), default=INIT_SCALE, help="initial slow weights U(-s, s)")
    a("--fractions", type=fractions, default=FRACTIONS, help="rehearsed fractions of the old associations")
    a("--rehearsal-eps-slow", type=eps, default=None, help="slow epsilon in stage 3 (default: --eps-slow)")
    a("--rehearsal-mom-slow", type=mom, default=None, help="slow alpha in stage 3 (default: --mom-slow)")
    a("--keep-momentum", action="store_true", help="carry the momentum into the next stage (default: reset)")
    return ap


def config(args):
    return Config(**{f.name: getattr(args, f.name) for f in dataclasses.fields(Config) if hasattr(args, f.name)})


def write_atomic(path, write):
    """write(tmp) to a temporary file beside path, then move it there with mode 0644; the
    temporary file is removed on any error or Ctrl-C (the figure scripts use this too)."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix=".tmp_")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_json(path, obj):
    text = json.dumps(obj, indent=1, allow_nan=False) + "\n"        # strict JSON: no NaN
    write_atomic(path, lambda tmp: pathlib.Path(tmp).write_text(text, encoding="utf-8"))


class Progress:
    """A one-line counter on stderr, only when it is a terminal (and not --quiet)."""
    def __init__(self, on):
        self.on, self.last, self.shown = on, 0.0, False

    def __call__(self, text):
        if self.on and time.time() - self.last > 0.2:
            sys.stderr.write(f"\r{text:<70}")
            sys.stderr.flush()
            self.last, self.shown = time.time(), True

    def end(self):
        if self.shown:
            sys.stderr.write("\n")
        self.shown = False


def experiment(seeds, cfg, progress=lambda text: None, sweep=True):
    """Run the seeds and assemble the JSON result (without wallclock_s)."""
    A = per_seed_arrays(run(seeds, cfg, progress), cfg)
    out = {"experiment": "fast_weights_deblur", **({"seeds": seeds} if sweep else {"seed": seeds[0]}),
           "config": plain(dataclasses.asdict(cfg)), "metrics": plain(headline(A, cfg)),
           "versions": {"python": platform.python_version(), "numpy": np.__version__}}
    if sweep:
        out["per_seed"] = [dict(seed=s, **plain(take(A, i))) for i, s in enumerate(seeds)]
        out["summary"] = plain(summarize(A))
    return out


def main(argv=None):
    ap = build_parser()
    args = ap.parse_args(argv)
    if args.seed is not None and args.sweep:
        ap.error("argument --seed: not allowed with --sweep (a sweep runs seeds 0..N-1)")
    seeds, cfg = list(range(args.sweep)) if args.sweep else [args.seed or 0], config(args)
    progress, t0 = Progress(sys.stderr.isatty() and not args.quiet), time.time()
    try:
        out = experiment(seeds, cfg, progress, sweep=args.sweep is not None)
    except Diverged as e:
        sys.stderr.write(f"fast_weights_deblur.py: {e}\n")
        return 1
    finally:
        progress.end()
    out["wallclock_s"] = round(time.time() - t0, 3)
    if not args.quiet:
        print("\n".join(report(out["metrics"], cfg, seeds)))
        print(f"wall-clock {out['wallclock_s']:.1f} s")
    if args.json:
        write_json(args.json, out)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.stderr.write("\nfast_weights_deblur.py: interrupted\n")
        sys.exit(130)
    except BrokenPipeError:                          # e.g. piped into head: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
