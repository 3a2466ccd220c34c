#!/usr/bin/env python3
"""The 8-3-8 encoder (n one-hot patterns through log2(n) hidden units), learned by
backprop (cross-entropy or squared error) and by the Boltzmann machine of Ackley,
Hinton & Sejnowski (1985).

A run is "strictly solved" when every pattern is reconstructed (argmax of the output)
AND the n binarized hidden codes (threshold 0.5) are all distinct, i.e. the patterns
sit on n different corners of the hidden cube.

Running it prints, for one seed (`--seed S`): the learner and its configuration, then
`solved`, the epochs (backprop) or learning cycles (Boltzmann) to the strict solve,
the number of distinct codes, the attempts used, the code table and the colliding
pairs. With `--sweep N` (seeds 0..N-1, one batched array computation) it prints the
strict-solve rate with a Wilson 95% interval, the distribution of epochs to solve and
of attempts, and the local-minimum analysis of the unsolved seeds (which pairs
collide, a permutation test of uniformity over the n(n-1)/2 pairs, the Hamming
distance from the shared corner to the empty one, and where the colliding patterns
sit relative to their shared corner). `--table DIR` prints the README's comparison
tables from the sweep JSON files in DIR.

    python3 encoder_8_3_8/encoder_8_3_8.py --seed 0                 # backprop, CE
    python3 encoder_8_3_8/encoder_8_3_8.py --sweep 100 --loss sse
    python3 encoder_8_3_8/encoder_8_3_8.py --sweep 100 --restarts 9
    python3 encoder_8_3_8/encoder_8_3_8.py --algo boltzmann --sweep 20
"""
import argparse
import json
import math
import os
import platform
import sys
import time

import numpy as np

EXPERIMENT = "encoder_8_3_8"


class DivergenceError(RuntimeError):
    """Training produced a non-finite number."""


# ----------------------------------------------------------------------------- helpers

def sigmoid(x):
    """Logistic function written with tanh: no overflow warnings for large |x|."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def code_ints(bits):
    """(..., n, h) 0/1 array -> (..., n) integer codes (bit j has weight 2**j)."""
    return (bits.astype(np.int64) << np.arange(bits.shape[-1])).sum(-1)


def n_distinct(codes):
    """(S, n) integer codes -> (S,) number of distinct codes per row."""
    s = np.sort(codes, axis=-1)
    return 1 + (np.diff(s, axis=-1) != 0).sum(-1)


def colliding_pairs(codes):
    """Pairs (i, j), i < j, of patterns that share a code, for one row of codes."""
    n = len(codes)
    return [[i, j] for i in range(n) for j in range(i + 1, n) if codes[i] == codes[j]]


def seed_rngs(seeds):
    return [np.random.default_rng(int(s)) for s in seeds]


# ----------------------------------------------------------------------------- backprop
# Shapes: S seeds (leading axis), n patterns = n inputs = n outputs, h hidden units.
#   X (n, n) identity, W1 (S, n, h), b1 (S, h), W2 (S, h, n), b2 (S, n).

def bp_init(rng, n, h, scale):
    """One seed's parameters: weights U(-scale, scale), biases zero."""
    return {"W1": rng.uniform(-scale, scale, (n, h)), "b1": np.zeros(h),
            "W2": rng.uniform(-scale, scale, (h, n)), "b2": np.zeros(n)}


def bp_forward(p, X):
    """Hidden and output activations, (S, n, h) and (S, n, n), plus output logits."""
    H = sigmoid(X @ p["W1"] + p["b1"][:, None, :])
    Z2 = H @ p["W2"] + p["b2"][:, None, :]
    return H, Z2, sigmoid(Z2)


def bp_loss_grads(p, X, T, loss):
    """Loss per seed (S,) and its gradient with respect to every parameter array.

    Both losses are summed over output units and averaged over the n patterns:
      ce : -sum_k [t log y + (1 - t) log(1 - y)]
      sse: 1/2 sum_k (y - t)^2   (RHW's squared error)
    """
    n = X.shape[0]
    H, Z2, Y = bp_forward(p, X)
    if loss == "ce":
        # log(1 + e^z) - t z is the cross-entropy of a logistic unit with logit z
        L = (np.logaddexp(0.0, Z2) - T * Z2).sum((-1, -2)) / n
        dZ2 = (Y - T) / n                               # backprop through logistic + CE
    else:
        L = 0.5 * ((Y - T) ** 2).sum((-1, -2)) / n
        dZ2 = (Y - T) * Y * (1.0 - Y) / n               # backprop through the logistic
    dW2 = H.transpose(0, 2, 1) @ dZ2                    # output weights
    db2 = dZ2.sum(1)
    dH = dZ2 @ p["W2"].transpose(0, 2, 1)               # into the hidden activations
    dZ1 = dH * H * (1.0 - H)                            # backprop through the hidden logistic
    dW1 = X.T @ dZ1                                     # input weights
    db1 = dZ1.sum(1)
    return L, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}, H, Y


def bp_metrics(H, Y):
    """Binarized codes (S, n), distinct-code count and reconstruction accuracy (S,)."""
    n = Y.shape[-1]
    codes = code_ints(H > 0.5)
    acc = (Y.argmax(-1) == np.arange(n)).mean(-1)
    return codes, n_distinct(codes), acc


def train_backprop(seeds, cfg, record=False, snapshot_every=0):
    """Train one backprop encoder per seed, all seeds as one batched computation.

    Every seed has its own generator (its initial weights, and those of each restart,
    come from it), and a seed stops updating once strictly solved, so row s of a
    sweep equals the single run of seed s.

    Restart-on-plateau (cfg["restarts"] > 0): an attempt is abandoned and a fresh
    initialization drawn when it has fewer than n distinct binarized codes and its
    code table (the binarized code of every pattern) has not changed for
    cfg["plateau"] consecutive epochs, or when it reaches cfg["epochs"] epochs.
    """
    n, h, S = cfg["n"], cfg["hidden"], len(seeds)
    X = np.eye(n)
    rngs = seed_rngs(seeds)

    def fresh(s):
        return bp_init(rngs[s], n, h, cfg["init_scale"])

    inits = [fresh(s) for s in range(S)]
    p = {k: np.stack([q[k] for q in inits]) for k in inits[0]}
    v = {k: np.zeros_like(a) for k, a in p.items()}
    attempts = np.ones(S, int)
    ep_attempt = np.zeros(S, int)            # epochs in the current attempt
    total = np.zeros(S, int)                 # epochs over all attempts
    solve_epoch = np.full(S, -1)             # total epochs at the strict solve
    unchanged = np.zeros(S, int)
    active = np.ones(S, bool)
    last_codes = None
    hist = {k: [] for k in ("loss", "acc", "distinct", "wnorm")} if record else None
    restarts_at = [[] for _ in range(S)]
    snaps = []
    while True:
        L, g, H, Y = bp_loss_grads(p, X, X, cfg["loss"])
        if not np.all(np.isfinite(L)):
            bad = [int(seeds[i]) for i in np.flatnonzero(~np.isfinite(L))]
            raise DivergenceError(f"loss became non-finite (seeds {bad}); lower --lr")
        codes, nd, acc = bp_metrics(H, Y)
        if record:
            hist["loss"].append(L.copy())
            hist["acc"].append(acc)
            hist["distinct"].append(nd)
            hist["wnorm"].append(np.sqrt((p["W1"] ** 2).sum((1, 2)) + (p["W2"] ** 2).sum((1, 2))))
        ok = active & (nd == n) & (acc == 1.0)
        if record and snapshot_every and active[0] and (total[0] % snapshot_every == 0 or ok[0]):
            snaps.append((int(total[0]), H[0].copy(), int(attempts[0])))
        solve_epoch[ok] = total[ok]
        active &= ~ok
        # plateau bookkeeping on the code table
        if last_codes is None:
            last_codes = codes
        same = (codes == last_codes).all(-1)
        unchanged = np.where(same, unchanged + 1, 0)
        last_codes = codes
        stuck = (nd < n) & (unchanged >= cfg["plateau"])
        out_of_epochs = ep_attempt >= cfg["epochs"]
        can_restart = attempts <= cfg["restarts"]
        for s in np.flatnonzero(active & (stuck | out_of_epochs) & can_restart):
            q = fresh(s)                       # a new attempt from the seed's own stream
            for k in p:
                p[k][s] = q[k]
                v[k][s] = 0.0
            attempts[s] += 1
            ep_attempt[s] = 0
            unchanged[s] = 0
            restarts_at[s].append(int(total[s]))
        active &= ~(out_of_epochs & ~can_restart)
        if not active.any():
            break
        # momentum step, frozen for the finished seeds (multiplying by 1.0 is exact)
        m = active.astype(float)
        for k in p:
            shape = (S,) + (1,) * (p[k].ndim - 1)
            v[k] = cfg["momentum"] * v[k] - cfg["lr"] * g[k]
            p[k] = p[k] + v[k] * m.reshape(shape)
        total += active
        ep_attempt += active
    H, _, Y = bp_forward(p, X)
    codes, nd, acc = bp_metrics(H, Y)
    res = {"params": p, "H": H, "Y": Y, "codes": codes, "n_distinct": nd, "acc": acc,
           "solved": solve_epoch >= 0, "epochs_to_solve": solve_epoch,
           "total_epochs": total, "attempts": attempts, "restarts_at": restarts_at}
    if record:
        res["history"] = {k: np.array(a) for k, a in hist.items()}
        res["snapshots"] = snaps
    return res


# ----------------------------------------------------------------------------- Boltzmann
# Units: V1 = 0..n-1, V2 = n..2n-1, hidden = 2n..2n+h-1. W (S, N, N) symmetric with a
# zero diagonal and zeros where the connectivity mask has no edge; b (S, N) thresholds.
# Energy E(s) = -1/2 s.W.s - b.s; P(s) proportional to exp(-E(s)/T).

def bm_mask(n, h, intra):
    """Connectivity: V1-H and V2-H always; within V1, V2 and H when intra; never V1-V2."""
    N = 2 * n + h
    grp = np.array([0] * n + [1] * n + [2] * h)
    M = (grp[:, None] == 2) ^ (grp[None, :] == 2)     # visible-hidden edges
    if intra:
        M |= grp[:, None] == grp[None, :]
    M &= ~np.eye(N, dtype=bool)
    return M.astype(float)


def bm_energy(W, b, s):
    """Energy of states s (..., N) under one net (W (N, N), b (N,))."""
    return -0.5 * np.einsum("...i,ij,...j->...", s, W, s) - s @ b


def bm_on_prob(W, b, state, u, T):
    """The sampler's update rule: P(s_u = 1 | all other units) = logistic(dE_u / T),
    where dE_u = sum_j w_uj s_j + b_u is the energy gap E(s_u=0) - E(s_u=1).

    W (S, N, N), b (S, N), state (S, C, N), u (S,) unit index per seed -> (S, C).
    """
    idx = np.arange(W.shape[0])
    gap = np.einsum("scn,sn->sc", state, W[idx, u]) + b[idx, u][:, None]
    return sigmoid(gap / T)


def parse_schedule(text):
    """'20:2,15:2,12:2,10:4' -> [20, 20, 15, 15, 12, 12, 10, 10, 10, 10]."""
    temps = []
    for part in text.split(","):
        t, k = part.split(":")
        t, k = float(t), int(k)
        if not (t > 0 and k >= 1 and math.isfinite(t)):
            raise ValueError(part)
        temps += [t] * k
    return temps


def bm_draws(rng, P, n, N, C, n_sweeps):
    """One learning cycle's random numbers for one seed (P positive chains)."""
    return {"flip": rng.random((P, 2 * n)),              # noisy clamping of the positive chains
            "init": rng.random((C, N)) < 0.5,           # random start state of every chain
            "order": rng.random((n_sweeps, N)).argsort(-1),   # probe order of each time unit
            "u": rng.random((n_sweeps, N, C))}          # uniforms for the stochastic decisions


def bm_eval(W, b, n, h, T, recon=True):
    """Exact evaluation at temperature T by enumerating states.

    Codes: P(h_j = 1 | V1 = V2 = pattern p) from the 2^h hidden states.
    Reconstruction: P(V2_k = 1 | V1 = pattern p) summed over all 2^n x 2^h (V2, H)
    states; pattern p counts as reconstructed when unit p has the largest marginal.
    Returns hidden marginals (S, n, h) and reconstruction accuracy (S,) (or None).
    """
    v1, v2, hid = slice(0, n), slice(n, 2 * n), slice(2 * n, 2 * n + h)
    Hs = ((np.arange(2 ** h)[:, None] >> np.arange(h)) & 1).astype(float)      # (2^h, h)
    Whh = W[:, hid, hid]
    qh = np.einsum("ki,sij,kj->sk", Hs, Whh, Hs) / 2                          # (S, 2^h)
    # input to the hidden units from V1 = V2 = pattern p (one-hot): rows p of W1h and W2h
    a = W[:, v1, hid] + W[:, v2, hid] + b[:, None, hid]                          # (S, n, h)
    logit = (a @ Hs.T + qh[:, None, :]) / T                                      # (S, n, 2^h)
    P = np.exp(logit - logit.max(-1, keepdims=True))
    P /= P.sum(-1, keepdims=True)
    marg = P @ Hs                                                                # (S, n, h)
    if not recon:
        return marg, None
    V2s = ((np.arange(2 ** n)[:, None] >> np.arange(n)) & 1).astype(float)      # (2^n, n)
    q2 = np.einsum("ki,sij,kj->sk", V2s, W[:, v2, v2], V2s) / 2 + b[:, v2] @ V2s.T  # (S, 2^n)
    cross = np.einsum("ki,sij,lj->skl", V2s, W[:, v2, hid], Hs)                  # (S, 2^n, 2^h)
    a1 = W[:, v1, hid] + b[:, None, hid]                                         # (S, n, h) from V1 only
    lh = a1 @ Hs.T + qh[:, None, :]                                              # (S, n, 2^h)
    logit = (cross[:, None] + q2[:, None, :, None] + lh[:, :, None, :]) / T      # (S, n, 2^n, 2^h)
    logit -= logit.max((-1, -2), keepdims=True)
    P = np.exp(logit)
    Pv2 = P.sum(-1)
    Pv2 /= Pv2.sum(-1, keepdims=True)                                            # (S, n, 2^n)
    mv2 = Pv2 @ V2s                                                              # (S, n, n)
    acc = (mv2.argmax(-1) == np.arange(n)).mean(-1)
    return marg, acc


def gibbs_sweep(W, b, state, order, U, free, T):
    """One time unit of asynchronous Gibbs sampling, in place: every unit is probed
    once, in the seed's random order, in all C chains of the seed at once.

    state (S, C, N) of 0/1 floats; order (S, N) unit order; U (S, N, C) uniforms;
    free (C, N) bool (clamped units keep their value).
    """
    sidx = np.arange(W.shape[0])
    for k in range(W.shape[1]):
        u = order[:, k]
        new = (U[:, k, :] < bm_on_prob(W, b, state, u, T)).astype(float)
        state[sidx, :, u] = np.where(free[:, u].T, new, state[sidx, :, u])
    return state


def bm_phase_stats(W, b, d, pattern, free, temps, n_anneal, cfg):
    """One learning cycle's statistics for S seeds: p_ij - p'_ij, shape (S, N, N)
    (the diagonal holds p_i - p'_i, used for the thresholds).

    d: per-seed random draws (bm_draws); free (C, N): which units of each chain may
    change; the first n chains are the positive (clamped) phase, the rest negative.
    """
    S, N = W.shape[0], W.shape[1]
    P, n2 = pattern.shape                                        # P positive chains, 2n visible
    flipu = np.stack([x["flip"] for x in d])                     # (S, P, 2n)
    on_off = pattern * (flipu < cfg["bm_noise_on"])            # clamped on-unit turned off
    off_on = (1 - pattern) * (flipu < cfg["bm_noise_off"])     # clamped off-unit turned on
    state = np.stack([x["init"] for x in d]).astype(float)      # (S, C, N)
    state[:, :P, :n2] = pattern + off_on - on_off
    order = np.stack([x["order"] for x in d])                   # (S, sweeps, N)
    U = np.stack([x["u"] for x in d])                           # (S, sweeps, N, C)
    pos = np.zeros((S, N, N))
    neg = np.zeros((S, N, N))
    for t, T in enumerate(temps):
        gibbs_sweep(W, b, state, order[:, t], U[:, t], free, T)
        if t >= n_anneal:                    # statistics at the final temperature
            pos += np.einsum("sci,scj->sij", state[:, :P], state[:, :P])
            neg += np.einsum("sci,scj->sij", state[:, P:], state[:, P:])
    return (pos - neg) / (P * cfg["bm_collect"])


def train_boltzmann(seeds, cfg, record=False, snapshot_every=0):
    """AHS 1985 Boltzmann learning of the encoder, all seeds as one batched computation.

    One learning cycle = n positive-phase chains (V1 and V2 noisily clamped to pattern
    p, p = 1..n, hidden units free) and n negative-phase chains (every unit free), each
    annealed through cfg["schedule"] (one time unit = every free unit probed once, in a
    random order), then cfg["collect"] more time units at the final temperature during
    which s_i s_j is averaged (once per time unit, over the n chains of the phase);
    then every weight and threshold takes one step: step * sign(p_ij - p'_ij) ("sign")
    or lr * (p_ij - p'_ij) ("prop"). A seed stops learning once strictly solved
    (exact evaluation after every cycle, see bm_eval).
    """
    n, h, S = cfg["n"], cfg["hidden"], len(seeds)
    P = n * cfg["bm_anneals"]                      # positive chains = negative chains
    N, C = 2 * n + h, 2 * P
    temps = parse_schedule(cfg["bm_schedule"])
    temps = temps + [temps[-1]] * cfg["bm_collect"]
    n_sweeps, n_anneal = len(temps), len(temps) - cfg["bm_collect"]
    T_eval = cfg["bm_eval_T"] if cfg["bm_eval_T"] else temps[-1]
    mask = bm_mask(n, h, cfg["bm_intra"])
    rngs = seed_rngs(seeds)
    W = np.zeros((S, N, N))
    b = np.zeros((S, N))
    if cfg["bm_init_scale"] > 0:
        for s in range(S):
            A = rngs[s].uniform(-cfg["bm_init_scale"], cfg["bm_init_scale"], (N, N))
            W[s] = np.triu(A, 1) + np.triu(A, 1).T
        W *= mask
    free = np.ones((C, N), bool)
    free[:P, :2 * n] = False                       # positive chains: visible units clamped
    pattern = np.tile(np.hstack([np.eye(n), np.eye(n)]), (cfg["bm_anneals"], 1))   # (P, 2n)
    sidx = np.arange(S)
    active = np.ones(S, bool)
    solve_cycle = np.full(S, -1)
    first_n = np.full(S, -1)                      # first cycle with n distinct codes
    first_n1 = np.full(S, -1)                     # first cycle with n - 1 distinct codes
    hist = {k: [] for k in ("distinct", "acc", "wnorm")} if record else None
    snaps = []

    def evaluate(cycle):
        marg, _ = bm_eval(W, b, n, h, T_eval, recon=False)
        codes = code_ints(marg > 0.5)
        nd = n_distinct(codes)
        acc = np.zeros(S)
        check = np.flatnonzero(active & (nd == n)) if not record else sidx
        if len(check):
            acc[check] = bm_eval(W[check], b[check], n, h, T_eval)[1]
        hit = active & (nd >= n - 1) & (first_n1 < 0)
        first_n1[hit] = cycle
        hit = active & (nd == n) & (first_n < 0)
        first_n[hit] = cycle
        ok = active & (nd == n) & (acc == 1.0)
        solve_cycle[ok] = cycle
        active[ok] = False
        if record:
            hist["distinct"].append(nd)
            hist["acc"].append(acc)
            hist["wnorm"].append(np.sqrt((W ** 2).sum((1, 2)) / 2))
            if snapshot_every and (cycle % snapshot_every == 0 or ok[0]):
                snaps.append((cycle, marg[0].copy(), 1))

    evaluate(0)
    for cycle in range(1, cfg["bm_cycles"] + 1):
        if not active.any():
            break
        act = np.flatnonzero(active)            # only the seeds still learning
        d = [bm_draws(rngs[s], P, n, N, C, n_sweeps) for s in act]
        diff = bm_phase_stats(W[act], b[act], d, pattern, free, temps, n_anneal, cfg)
        if cfg["bm_rule"] == "sign":
            dW = cfg["bm_step"] * np.sign(diff)
        else:
            dW = cfg["bm_lr"] * diff
        keep = 1.0 - cfg["bm_decay"]             # optional weight decay (0 = none, the default)
        W[act] = (W[act] + dW * mask) * keep
        b[act] = (b[act] + np.diagonal(dW, axis1=1, axis2=2)) * keep   # thresholds
        if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
            raise DivergenceError("Boltzmann weights became non-finite; lower --bm-lr")
        evaluate(cycle)
    marg, acc = bm_eval(W, b, n, h, T_eval)
    codes = code_ints(marg > 0.5)
    res = {"params": {"W": W, "b": b}, "H": marg, "codes": codes,
           "n_distinct": n_distinct(codes), "acc": acc, "solved": solve_cycle >= 0,
           "epochs_to_solve": solve_cycle, "first_n_codes": first_n,
           "first_n_minus_1_codes": first_n1,
           "total_epochs": np.where(solve_cycle >= 0, solve_cycle, cfg["bm_cycles"]),
           "attempts": np.ones(S, int), "restarts_at": [[] for _ in range(S)]}
    if record:
        res["history"] = {k: np.array(a) for k, a in hist.items()}
        res["snapshots"] = snaps
    return res


# ----------------------------------------------------------------------------- analysis

def wilson(k, N, z=1.959964):
    """Wilson score 95% interval for k successes out of N."""
    if N == 0:
        return [0.0, 1.0]
    ph = k / N
    den = 1 + z * z / N
    c = (ph + z * z / (2 * N)) / den
    w = z * math.sqrt(ph * (1 - ph) / N + z * z / (4 * N * N)) / den
    return [max(0.0, c - w), min(1.0, c + w)]


def describe(x):
    """mean, std, min, quartiles, max and a t-free normal 95% interval of the mean."""
    x = np.asarray(x, float)
    if x.size == 0:
        return {"count": 0}
    out = {"count": int(x.size), "mean": float(x.mean()), "std": float(x.std(ddof=1)) if x.size > 1 else 0.0,
           "min": float(x.min()), "q1": float(np.percentile(x, 25)),
           "median": float(np.median(x)), "q3": float(np.percentile(x, 75)), "max": float(x.max())}
    half = 1.959964 * out["std"] / math.sqrt(x.size)
    out["ci95_mean"] = [out["mean"] - half, out["mean"] + half]
    return out


def pair_index(n):
    """Map (i, j), i < j, -> 0 .. n(n-1)/2 - 1 as an (n, n) table."""
    idx = -np.ones((n, n), int)
    k = 0
    for i in range(n):
        for j in range(i + 1, n):
            idx[i, j] = idx[j, i] = k
            k += 1
    return idx


def uniformity_test(pair_lists, n, reps, rng):
    """Chi-square statistic of the colliding-pair counts against uniform over the
    n(n-1)/2 pairs, with a Monte Carlo p-value under the symmetry null: relabel the
    patterns of every unsolved run by an independent uniform permutation (this keeps
    each run's collision structure; the chi-square table is unreliable at ~1 count
    per cell)."""
    idx = pair_index(n)
    npairs = n * (n - 1) // 2
    runs = [np.array(pl) for pl in pair_lists if len(pl)]
    counts = np.zeros(npairs, int)
    for r in runs:
        np.add.at(counts, idx[r[:, 0], r[:, 1]], 1)
    total = counts.sum()
    if total == 0:
        return {"counts": counts.tolist(), "n_pairs_counted": 0}
    E = total / npairs

    def chi2(c):
        return ((c - E) ** 2 / E).sum(-1)

    stat = float(chi2(counts))
    sim = np.zeros((reps, npairs))
    for r in runs:
        perm = rng.random((reps, n)).argsort(-1)                  # (reps, n)
        k = idx[perm[:, r[:, 0]], perm[:, r[:, 1]]]               # (reps, pairs in run)
        np.add.at(sim, (np.repeat(np.arange(reps), k.shape[1]), k.ravel()), 1)
    csim = chi2(sim)
    pval = float(((csim >= stat - 1e-12).sum() + 1) / (reps + 1))
    plow = float(((csim <= stat + 1e-12).sum() + 1) / (reps + 1))
    return {"counts": counts.tolist(), "n_pairs_counted": int(total), "expected_per_pair": E,
            "chi2": stat, "df": npairs - 1, "p_monte_carlo": pval,
            "p_lower_tail": plow, "reps": reps}


def hamming_structure(codes_rows, h, reps, rng):
    """For unsolved runs with exactly n-1 distinct codes (one shared corner, one empty
    corner): Hamming distance between the shared and the empty corner. Under a random
    choice of the empty corner among the other 2^h - 1 corners, distance d has
    probability C(h, d) / (2^h - 1). Returns observed counts, expected counts, the
    chi-square statistic and a Monte Carlo p-value."""
    d_obs = []
    for codes in codes_rows:
        vals, cnt = np.unique(codes, return_counts=True)
        if len(vals) != 2 ** h - 1 or cnt.max() != 2:
            continue
        shared = int(vals[cnt == 2][0])
        empty = int(np.setdiff1d(np.arange(2 ** h), vals)[0])
        d_obs.append(bin(shared ^ empty).count("1"))
    probs = np.array([math.comb(h, d) for d in range(1, h + 1)], float) / (2 ** h - 1)
    obs = np.bincount(np.array(d_obs, int), minlength=h + 1)[1:]
    m = len(d_obs)
    out = {"runs": m, "observed_by_distance": obs.tolist(),
           "expected_by_distance": (m * probs).tolist()}
    if m == 0:
        return out
    E = m * probs
    stat = float(((obs - E) ** 2 / E).sum())
    sim = rng.multinomial(m, probs, size=reps)
    pval = float((((((sim - E) ** 2) / E).sum(-1) >= stat - 1e-12).sum() + 1) / (reps + 1))
    out.update({"chi2": stat, "df": h - 1, "p_monte_carlo": pval, "reps": reps})
    return out


def collision_geometry(runs, h):
    """Where the two members of each colliding pair sit relative to their shared corner.

    runs: (code_table, hidden_activations, colliding_pairs) of unsolved runs. For a
    pattern with code c, its deviation is |h - c| per unit; its "edge" is the unit of
    largest deviation. A pair is on "two edges" when both members deviate by more
    than 0.2, along different units (each sits part-way along a different edge
    leaving the shared corner), "one edge" when along the same unit, else "corner".
    """
    kinds = {"two_edges": 0, "one_edge": 0, "corner": 0}
    devs = []
    for bits, H, pairs in runs:
        bits, H = np.asarray(bits, float), np.asarray(H, float)
        for i, j in pairs:
            di, dj = np.abs(H[i] - bits[i]), np.abs(H[j] - bits[j])
            mi, mj = di.max(), dj.max()
            devs += [mi, mj]
            if min(mi, mj) <= 0.2:
                kinds["corner"] += 1
            elif di.argmax() != dj.argmax():
                kinds["two_edges"] += 1
            else:
                kinds["one_edge"] += 1
    out = dict(kinds, pairs=sum(kinds.values()))
    if devs:
        out["median_max_deviation"] = float(np.median(devs))
    return out


def constant_units(H, tol=0.1):
    """Hidden units whose activation varies by less than tol over the patterns
    (they carry no code bit)."""
    H = np.asarray(H, float)
    return int((H.max(0) - H.min(0) < tol).sum())


def per_seed_metrics(res, s, cfg):
    solved = bool(res["solved"][s])
    H = res["H"][s]
    bits = ((res["codes"][s][:, None] >> np.arange(cfg["hidden"])) & 1).astype(int)
    out = {"algo": cfg["algo"], "seed": None, "solved": solved,
           "epochs_to_solve": int(res["epochs_to_solve"][s]) if solved else None,
           "n_distinct_codes": int(res["n_distinct"][s]),
           "code_table": bits.tolist(),
           "hidden_activations": np.round(H, 6).tolist(),
           "reconstruction_accuracy": float(res["acc"][s]),
           "attempts": int(res["attempts"][s]),
           "total_epochs": int(res["total_epochs"][s]),
           "max_abs_weight": float(max(np.abs(a[s]).max() for a in res["params"].values())),
           "colliding_pairs": [] if solved else colliding_pairs(res["codes"][s])}
    if cfg["algo"] == "boltzmann":
        for k in ("first_n_codes", "first_n_minus_1_codes"):
            out[k] = int(res[k][s]) if res[k][s] >= 0 else None
    else:
        out["restarts_at_epoch"] = res["restarts_at"][s]
    return out


def summarize(per_seed, cfg):
    N = len(per_seed)
    k = sum(r["solved"] for r in per_seed)
    ep = [r["epochs_to_solve"] for r in per_seed if r["solved"]]
    unsolved = [r for r in per_seed if not r["solved"]]
    rng = np.random.default_rng(cfg["mc_seed"])
    n, h = cfg["n"], cfg["hidden"]
    codes_rows = [np.array([int("".join(map(str, row[::-1])), 2) for row in r["code_table"]])
                  for r in unsolved]
    out = {"solved": {"count": k, "n": N, "rate": k / N, "ci95": wilson(k, N)},
           "epochs_to_solve": describe(ep),
           "n_distinct_codes": describe([r["n_distinct_codes"] for r in per_seed]),
           "n_distinct_codes_unsolved": {str(v): sum(r["n_distinct_codes"] == v for r in unsolved)
                                         for v in sorted({r["n_distinct_codes"] for r in unsolved})},
           "reconstruction_accuracy": describe([r["reconstruction_accuracy"] for r in per_seed]),
           "attempts": describe([r["attempts"] for r in per_seed]),
           "attempts_histogram": {str(a): sum(r["attempts"] == a for r in per_seed)
                                  for a in sorted({r["attempts"] for r in per_seed})},
           "total_epochs": describe([r["total_epochs"] for r in per_seed]),
           "max_abs_weight_solved": describe([r["max_abs_weight"] for r in per_seed if r["solved"]]),
           "max_abs_weight_unsolved": describe([r["max_abs_weight"] for r in per_seed
                                                if not r["solved"]]),
           "colliding_pair_uniformity": uniformity_test([r["colliding_pairs"] for r in unsolved],
                                                        n, cfg["mc_reps"], rng),
           "shared_to_empty_corner": hamming_structure(codes_rows, h, cfg["mc_reps"], rng),
           "constant_hidden_units": {str(v): c for v, c in zip(*np.unique(
               [constant_units(r["hidden_activations"]) for r in per_seed], return_counts=True))},
           "collision_geometry": collision_geometry(
               [(r["code_table"], r["hidden_activations"], r["colliding_pairs"]) for r in unsolved], h),
}
    if cfg["algo"] == "boltzmann":
        for key in ("first_n_codes", "first_n_minus_1_codes"):
            vals = [r[key] for r in per_seed if r[key] is not None]
            out[key] = describe(vals)
            out[key]["reached"] = len(vals)
    return out


# ----------------------------------------------------------------------------- tables

RESULT_FILES = {  # file in results/ -> row label; written by the commands in the README
    "bp_ce_n8.json": "backprop CE, 1 attempt",
    "bp_sse_n8.json": "backprop SSE, 1 attempt",
    "bp_ce_n8_restarts.json": "backprop CE, restarts",
    "bp_sse_n8_restarts.json": "backprop SSE, restarts",
    "bm_n8.json": "Boltzmann (AHS 1985 procedure)",
}


def _load(path):
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def tables(results_dir):
    """Markdown tables (8-3-8 side by side; N-log2N-N) from the sweep JSON files."""
    rows = ["| learner (8-3-8) | seeds | strict solve (95% CI) | median epochs or cycles to solve "
            "| attempts (mean, max) | sweep wall-clock |", "|---|---|---|---|---|---|"]
    for fname, name in RESULT_FILES.items():
        d = _load(os.path.join(results_dir, fname))
        if d is None:
            continue
        s, e, a = d["summary"]["solved"], d["summary"]["epochs_to_solve"], d["summary"]["attempts"]
        unit = "cycles" if d["config"]["algo"] == "boltzmann" else "epochs"
        med = f"{e['median']:.0f} {unit}" if e["count"] else "-"
        if unit == "cycles":
            f8 = d["summary"]["first_n_codes"]
            med += (f"; all 8 codes first reached in {f8['reached']}/{s['n']}"
                    + (f", median cycle {f8['median']:.0f}" if f8["reached"] else ""))
        rows.append(f"| {name} | {s['n']} | {s['count']}/{s['n']} = {100 * s['rate']:.0f}% "
                    f"({100 * s['ci95'][0]:.0f}-{100 * s['ci95'][1]:.0f}%) | {med} "
                    f"| {a['mean']:.2f}, {a['max']:.0f} | {d['wallclock_s']:.0f} s |")
    rows.append("| AHS 1985 Boltzmann (paper) | 20 | 16/20 = 80% with all 8 codes "
                "| 1,570 cycles (all 8 codes) | 1 | - |")
    rows.append("| public backprop reproduction (CE) | 30 | 21/30 = 70% | seed 0: 3,631 epochs "
                "| 1 | about 0.6 s per seed |")
    out = ["\n".join(rows), ""]
    rows = ["| net | backprop CE: solve, median epochs, sweep wall-clock | backprop SSE: same "
            "| Boltzmann: solve, median cycles, sweep wall-clock |", "|---|---|---|---|"]
    for n in (4, 8, 16, 32):
        cells = []
        for pre in ("bp_ce", "bp_sse", "bm"):
            d = _load(os.path.join(results_dir, f"{pre}_n{n}.json"))
            if d is None:
                cells.append("not run")
                continue
            s, e = d["summary"]["solved"], d["summary"]["epochs_to_solve"]
            med = f"{e['median']:.0f}" if e["count"] else "-"
            cells.append(f"{s['count']}/{s['n']} = {100 * s['rate']:.0f}%, {med}, "
                         f"{d['wallclock_s']:.0f} s")
        h = int(round(math.log2(n)))
        rows.append(f"| {n}-{h}-{n} | " + " | ".join(cells) + " |")
    out.append("\n".join(rows))
    return "\n".join(out)


# ----------------------------------------------------------------------------- CLI

def _int(lo, name_hint=""):
    def f(text):
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}")
        if v < lo:
            raise argparse.ArgumentTypeError(f"must be >= {lo}, got {v}")
        return v
    return f


def _float(lo=None, hi=None, lo_open=False, hi_open=False):
    def f(text):
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}")
        if not math.isfinite(v):
            raise argparse.ArgumentTypeError(f"must be finite, got {text}")
        if lo is not None and (v < lo or (lo_open and v == lo)):
            raise argparse.ArgumentTypeError(f"must be {'>' if lo_open else '>='} {lo}, got {v}")
        if hi is not None and (v > hi or (hi_open and v == hi)):
            raise argparse.ArgumentTypeError(f"must be {'<' if hi_open else '<='} {hi}, got {v}")
        return v
    return f


def _schedule(text):
    try:
        parse_schedule(text)
    except (ValueError, TypeError):
        raise argparse.ArgumentTypeError(f"expected 'T:steps,T:steps,...' with T > 0, got {text!r}")
    return text


def build_parser():
    p = argparse.ArgumentParser(
        description="n-log2(n)-n encoder by backprop or by AHS 1985 Boltzmann learning.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--seed", type=_int(0), default=0, help="seed of a single run")
    p.add_argument("--sweep", type=_int(1), default=None, metavar="N",
                   help="run seeds 0..N-1 as one batched computation and summarize")
    p.add_argument("--json", default=None, metavar="PATH", help="write results as JSON")
    p.add_argument("--quiet", action="store_true", help="print only the summary lines")
    p.add_argument("--algo", choices=["backprop", "boltzmann"], default="backprop")
    p.add_argument("--n", type=_int(2), default=8, help="number of one-hot patterns")
    p.add_argument("--hidden", type=_int(1), default=None,
                   help="hidden units (default log2 n; n must then be a power of two)")
    g = p.add_argument_group("backprop")
    g.add_argument("--loss", choices=["ce", "sse"], default="ce",
                   help="cross-entropy or RHW's squared error")
    g.add_argument("--lr", type=_float(0, lo_open=True), default=0.5, help="learning rate")
    g.add_argument("--momentum", type=_float(0, 1, hi_open=True), default=0.9)
    g.add_argument("--init-scale", type=_float(0, lo_open=True), default=0.1,
                   help="initial weights U(-s, s); biases start at 0")
    g.add_argument("--epochs", type=_int(1), default=20000, help="epoch cap per attempt")
    g.add_argument("--restarts", type=_int(0), default=0,
                   help="extra attempts allowed after a plateau or the epoch cap")
    g.add_argument("--plateau", type=_int(1), default=2000,
                   help="P: restart when < n distinct codes and the code table unchanged for P epochs")
    g = p.add_argument_group("Boltzmann (AHS 1985)")
    g.add_argument("--bm-cycles", type=_int(1), default=4000, help="learning-cycle cap")
    g.add_argument("--bm-schedule", type=_schedule, default="20:2,15:2,12:2,10:4",
                   help="annealing schedule, temperature:time-units")
    g.add_argument("--bm-collect", type=_int(1), default=10,
                   help="time units of statistics at the final temperature")
    g.add_argument("--bm-anneals", type=_int(1), default=1,
                   help="annealings per pattern per phase in one learning cycle")
    g.add_argument("--bm-rule", choices=["sign", "prop"], default="sign",
                   help="fixed step with the sign of (p - p') or proportional lr * (p - p')")
    g.add_argument("--bm-step", type=_float(0, lo_open=True), default=2.0, help="sign-rule step")
    g.add_argument("--bm-lr", type=_float(0, lo_open=True), default=20.0, help="prop-rule rate")
    g.add_argument("--bm-noise-on", type=_float(0, 1, hi_open=True), default=0.15,
                   help="noisy clamping: P(a clamped on-unit is turned off)")
    g.add_argument("--bm-noise-off", type=_float(0, 1, hi_open=True), default=0.02,
                   help="noisy clamping: P(a clamped off-unit is turned on)")
    g.add_argument("--bm-intra", type=_int(0), default=1, choices=[0, 1],
                   help="1: connections within V1, within V2 and within H")
    g.add_argument("--bm-decay", type=_float(0, 1, hi_open=True), default=0.0,
                   help="weight decay: every weight and threshold times (1 - d) after each step")
    g.add_argument("--bm-init-scale", type=_float(0), default=0.0,
                   help="initial weights U(-s, s) (0: all weights start at zero)")
    g.add_argument("--bm-eval-T", type=_float(0), default=0.0,
                   help="temperature of the exact evaluation (0: the final annealing temperature)")
    g = p.add_argument_group("analysis")
    g.add_argument("--mc-reps", type=_int(100), default=20000,
                   help="Monte Carlo replicates of the uniformity tests")
    g.add_argument("--mc-seed", type=_int(0), default=12345, help="seed of the Monte Carlo tests")
    p.add_argument("--table", default=None, metavar="DIR",
                   help="print the README's comparison tables from the sweep JSONs in DIR and exit")
    return p


def parse_args(argv=None):
    parser = build_parser()
    a = parser.parse_args(argv)
    if a.hidden is None:
        hb = int(round(math.log2(a.n)))
        if 2 ** hb != a.n:
            parser.error(f"argument --n: {a.n} is not a power of two; give --hidden explicitly")
        a.hidden = hb
    if a.algo == "boltzmann":
        if a.n > 10:
            parser.error("argument --n: the Boltzmann learner's exact evaluation enumerates 2^n "
                         "states; use n <= 10")
        if a.hidden > 8:
            parser.error("argument --hidden: the Boltzmann learner supports hidden <= 8")
        if a.restarts:
            parser.error("argument --restarts: restarts are implemented for backprop only")
    if a.json:
        d = os.path.dirname(os.path.abspath(a.json))
        if not (os.path.isdir(d) and os.access(d, os.W_OK)):
            parser.error(f"argument --json: directory {d} does not exist or is not writable")
    return a


def config_of(a):
    return {"algo": a.algo, "n": a.n, "hidden": a.hidden, "loss": a.loss, "lr": a.lr,
            "momentum": a.momentum, "init_scale": a.init_scale, "epochs": a.epochs,
            "restarts": a.restarts, "plateau": a.plateau, "bm_cycles": a.bm_cycles,
            "bm_schedule": a.bm_schedule, "bm_collect": a.bm_collect, "bm_anneals": a.bm_anneals, "bm_rule": a.bm_rule,
            "bm_step": a.bm_step, "bm_lr": a.bm_lr, "bm_noise_on": a.bm_noise_on,
            "bm_noise_off": a.bm_noise_off, "bm_intra": a.bm_intra, "bm_decay": a.bm_decay,
            "bm_init_scale": a.bm_init_scale, "bm_eval_T": a.bm_eval_T,
            "mc_reps": a.mc_reps, "mc_seed": a.mc_seed}


def run(seeds, cfg, **kw):
    train = train_backprop if cfg["algo"] == "backprop" else train_boltzmann
    return train(list(seeds), cfg, **kw)


def to_builtin(x):
    if isinstance(x, dict):
        return {str(k): to_builtin(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [to_builtin(v) for v in x]
    if isinstance(x, np.ndarray):
        return to_builtin(x.tolist())
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating,)):
        return float(x)
    if isinstance(x, (np.bool_,)):
        return bool(x)
    return x


def write_json(path, obj):
    path = os.path.abspath(path)
    tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".tmp")
    with open(tmp, "w") as f:
        json.dump(to_builtin(obj), f)
        f.write("\n")
    os.replace(tmp, path)


def label(cfg):
    if cfg["algo"] == "backprop":
        return f"backprop {cfg['loss'].upper()} {cfg['n']}-{cfg['hidden']}-{cfg['n']}"
    return f"Boltzmann {cfg['n']}-{cfg['hidden']}-{cfg['n']}"


def summary_lines(summ, cfg, wall):
    """The sweep's printed summary (the README quotes these lines verbatim)."""
    unit = "epochs" if cfg["algo"] == "backprop" else "cycles"
    s, e = summ["solved"], summ["epochs_to_solve"]
    lines = [f"{label(cfg)}: strict solve {s['count']}/{s['n']} = {100 * s['rate']:.0f}% "
             f"(95% CI {100 * s['ci95'][0]:.0f}-{100 * s['ci95'][1]:.0f}%)"]
    if e["count"]:
        lines.append(f"  {unit} to solve: median {e['median']:.0f}, mean {e['mean']:.0f}, "
                     f"std {e['std']:.0f}, min {e['min']:.0f}, q1 {e['q1']:.0f}, "
                     f"q3 {e['q3']:.0f}, max {e['max']:.0f}")
    if cfg["algo"] == "backprop" and cfg["restarts"]:
        a = summ["attempts"]
        lines.append(f"  attempts: mean {a['mean']:.2f}, max {a['max']:.0f}, histogram "
                     + ", ".join(f"{k}:{v}" for k, v in summ["attempts_histogram"].items())
                     + f"; total epochs median {summ['total_epochs']['median']:.0f}")
    if cfg["algo"] == "boltzmann":
        f7, f8 = summ["first_n_minus_1_codes"], summ["first_n_codes"]
        lines.append(f"  first reached {cfg['n'] - 1}+ distinct codes: {f7['reached']}/{s['n']} "
                     f"(median cycle {f7.get('median', float('nan')):.0f}); all {cfg['n']} codes: "
                     f"{f8['reached']}/{s['n']} (median cycle {f8.get('median', float('nan')):.0f})")
    un = summ["n_distinct_codes_unsolved"]
    if un:
        lines.append("  unsolved seeds by distinct codes: "
                     + ", ".join(f"{k} codes: {v}" for k, v in un.items()))
    u = summ["colliding_pair_uniformity"]
    if u.get("n_pairs_counted"):
        lines.append(f"  colliding pairs: {u['n_pairs_counted']} over {len(u['counts'])} pairs, "
                     f"max count {max(u['counts'])}; chi2 = {u['chi2']:.1f} (df {u['df']}), "
                     f"Monte Carlo p = {u['p_monte_carlo']:.3f} (lower tail {u['p_lower_tail']:.4f})")
    hs = summ["shared_to_empty_corner"]
    if hs.get("runs"):
        lines.append(f"  shared-to-empty corner Hamming distance (d=1..{cfg['hidden']}): observed "
                     f"{hs['observed_by_distance']}, expected "
                     f"[{', '.join(f'{x:.1f}' for x in hs['expected_by_distance'])}]; "
                     f"chi2 = {hs['chi2']:.1f} (df {hs['df']}), Monte Carlo p = {hs['p_monte_carlo']:.3f}")
    cu = summ["constant_hidden_units"]
    if set(cu) != {"0"}:
        lines.append("  seeds by number of constant hidden units (range < 0.1 over patterns): "
                     + ", ".join(f"{k}: {v}" for k, v in cu.items()))
    g = summ["collision_geometry"]
    if g["pairs"]:
        lines.append(f"  colliding pair geometry: {g['two_edges']} on two different edges from the "
                     f"shared corner, {g['one_edge']} on one edge, {g['corner']} at the corner; "
                     f"median deviation from the corner {g['median_max_deviation']:.2f}")
    ws, wu = summ["max_abs_weight_solved"], summ["max_abs_weight_unsolved"]
    if cfg["algo"] == "boltzmann" and ws["count"] and wu["count"]:
        lines.append(f"  largest |weight| (median over seeds): {ws['median']:.0f} at the solve, "
                     f"{wu['median']:.0f} in unsolved seeds at cycle {cfg['bm_cycles']}")
    lines.append(f"  wall-clock {wall:.1f} s")
    return lines


def single_lines(m, cfg, wall):
    unit = "epochs" if cfg["algo"] == "backprop" else "cycles"
    lines = [f"{label(cfg)} seed {m['seed']}: solved {m['solved']}, {unit} to solve "
             f"{m['epochs_to_solve']}, distinct codes {m['n_distinct_codes']}/{cfg['n']}, "
             f"reconstruction {m['reconstruction_accuracy']:.3f}, attempts {m['attempts']}, "
             f"wall-clock {wall:.2f} s"]
    return lines


def sweep_metrics(summ, per, cfg):
    """A sweep's "metrics": every metric key of a single run, aggregated over the seeds.

    solved, epochs_to_solve, n_distinct_codes, reconstruction_accuracy and attempts are
    summaries (see summarize); colliding_pairs is the count of every pattern pair over
    the unsolved seeds with its uniformity test; code_table and hidden_activations are
    lists over the seeds, in seed order.
    """
    m = {"algo": cfg["algo"]}
    for k in ("solved", "epochs_to_solve", "n_distinct_codes", "reconstruction_accuracy",
              "attempts"):
        m[k] = summ[k]
    m["colliding_pairs"] = summ["colliding_pair_uniformity"]
    m["code_table"] = [r["code_table"] for r in per]
    m["hidden_activations"] = [r["hidden_activations"] for r in per]
    return m


def main(argv=None):
    a = parse_args(argv)
    if a.table is not None:
        if not os.path.isdir(a.table):
            sys.exit(f"error: --table {a.table}: not a directory")
        print(tables(a.table))
        return None
    cfg = config_of(a)
    seeds = list(range(a.sweep)) if a.sweep else [a.seed]
    if not a.quiet:
        print(f"{label(cfg)}; config: " + ", ".join(
            f"{k}={v}" for k, v in cfg.items()
            if (cfg["algo"] == "backprop") != k.startswith("bm_") and not k.startswith("mc_")))
    t0 = time.perf_counter()
    try:
        res = run(seeds, cfg)
    except DivergenceError as e:
        sys.exit(f"error: {e}")
    per = []
    for i, s in enumerate(seeds):
        m = per_seed_metrics(res, i, cfg)
        m["seed"] = s
        per.append(m)
    wall = time.perf_counter() - t0
    out = {"experiment": EXPERIMENT, "config": cfg,
           "versions": {"python": platform.python_version(), "numpy": np.__version__}}
    if a.sweep:
        summ = summarize(per, cfg)
        out.update({"seeds": seeds, "metrics": sweep_metrics(summ, per, cfg),
                    "summary": summ, "per_seed": per})
        lines = summary_lines(summ, cfg, wall)
    else:
        m = per[0]
        out.update({"seed": a.seed, "metrics": {k: v for k, v in m.items() if k != "seed"}})
        lines = single_lines(m, cfg, wall)
        if not a.quiet:
            lines.append("  code table (pattern: code, hidden activations):")
            for i, (bits, hv) in enumerate(zip(m["code_table"], m["hidden_activations"])):
                lines.append(f"    {i}: {''.join(map(str, bits))}  "
                             + " ".join(f"{x:.3f}" for x in hv))
            if m["colliding_pairs"]:
                lines.append(f"  colliding pairs: {m['colliding_pairs']}")
    print("\n".join(lines))
    out["wallclock_s"] = wall
    if a.json:
        try:
            write_json(a.json, out)
        except OSError as e:
            sys.exit(f"error: cannot write --json {a.json}: {e.strerror}")
    return out


if __name__ == "__main__":
    main()
