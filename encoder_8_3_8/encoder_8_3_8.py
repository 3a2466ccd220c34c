#!/usr/bin/env python3
"""The 8-3-8 encoder learned by backprop (Rumelhart, Hinton & Williams 1986) and by the Boltzmann
machine of Ackley, Hinton & Sejnowski 1985 ("AHS"), with sampled or exact statistics. A run is
strictly solved when every pattern is reconstructed and the 8 binarized hidden codes are distinct;
AHS count the runs that reach all 8 codes. `--seed S` prints a result line and the code table;
`--sweep N` (seeds 0..N-1, batched) prints both rates with 95% intervals, epochs or cycles to
solve, the unsolved seeds by distinct codes, the largest |weight|.
    python3 encoder_8_3_8/encoder_8_3_8.py --algo boltzmann --bm-stats exact --bm-init-scale 0.5
"""
import argparse
import itertools
import json
import math
import os
import platform
import sys
import time

import numpy as np

# ----------------------------------------------------------------------------- constants
N_PATTERNS = 8           # paper: 8 one-hot patterns, log2 8 = 3 hidden units
LOSS = "ce"              # public reproduction: cross-entropy (RHW 1986: squared error, sse)
LR = 0.5                 # public: learning rate
MOMENTUM = 0.9           # public and RHW: momentum
INIT_SCALE = 0.1         # public: weights U(-0.1, 0.1), biases 0
EPOCHS = 20000           # ours: epoch cap per attempt
PLATEAU = 2000           # ours: a restart needs the code table unchanged for this many epochs
BM_CYCLES = 4000         # AHS: learning cycles per run
BM_SCHEDULE = "20:2,15:2,12:2,10:4"   # AHS: annealing, temperature:time units
BM_COLLECT = 10          # AHS: time units of statistics at the final temperature
BM_STEP = 2.0            # AHS: every weight moves by 2 with the sign of p_ij - p'_ij
BM_LR = 10.0             # ours: proportional-rule rate (descent from a solution is monotone)
BM_NOISE_ON = 0.15       # AHS: noisy clamping, a clamped on-unit is off with p = 0.15
BM_NOISE_OFF = 0.02      # AHS ("8-3-8 used 0.02"): a clamped off-unit is on with p = 0.02
BM_INTRA = 1             # ours (AHS unclear): connections within V1, within V2, within H
BM_INIT_SCALE = 0.0      # AHS: weights start at zero; exact statistics need > 0
BM_DECAY = 0.0           # AHS: none
BM_FLIPS = 2             # ours: the exact clamped phase enumerates <= 2 off-to-on flips
BM_TIE = 1e-12           # ours: sign rule, |p - p'| at or below this is a tie: no step
MAX_SWEEP, MAX_SWEEP_BM = 10000, 1000   # seeds per sweep (Boltzmann: ~1 MB per seed)
WEIGHT_LIMIT = 1e12      # a weight beyond this counts as divergence


class DivergenceError(RuntimeError):
    """A learner produced a non-finite or exploding number."""


def check_finite(arrays, what):
    if not all(np.all(np.isfinite(a)) and np.abs(a).max() <= WEIGHT_LIMIT for a in arrays):
        raise DivergenceError(f"{what} diverged (non-finite or |w| > {WEIGHT_LIMIT:g})")


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))                # the logistic, without overflow


def code_ints(bits):
    return (bits.astype(np.int64) << np.arange(bits.shape[-1])).sum(-1)   # (.., n, h) bits -> codes


def n_distinct(codes):
    return 1 + (np.diff(np.sort(codes, axis=-1), axis=-1) != 0).sum(-1)   # distinct codes per row


def all_states(m):
    return ((np.arange(2 ** m)[:, None] >> np.arange(m)) & 1).astype(float)   # row k = bits of k


# ----------------------------------------------------------------------------- backprop
# Shapes: S seeds (leading axis), n patterns = n inputs = n outputs, h hidden units.
#   X (n, n) identity, W1 (S, n, h), b1 (S, h), W2 (S, h, n), b2 (S, n).

def bp_init(rng, n, h, scale):
    """One seed's parameters: weights U(-scale, scale), biases zero."""
    return {"W1": rng.uniform(-scale, scale, (n, h)), "b1": np.zeros(h),
            "W2": rng.uniform(-scale, scale, (h, n)), "b2": np.zeros(n)}


def bp_forward(p, X):
    """Hidden (S, n, h) and output (S, n, n) activations, plus the output logits."""
    H = sigmoid(X @ p["W1"] + p["b1"][:, None, :])
    Z2 = H @ p["W2"] + p["b2"][:, None, :]
    return H, Z2, sigmoid(Z2)


def bp_loss_grads(p, X, T, loss):
    """Loss per seed (S,) and its gradient for every parameter array; summed over outputs,
    averaged over patterns: ce -sum_k [t log y + (1 - t) log(1 - y)], sse 1/2 sum_k (y - t)^2."""
    n = X.shape[0]
    H, Z2, Y = bp_forward(p, X)
    if loss == "ce":
        L = (np.logaddexp(0.0, Z2) - T * Z2).sum((-1, -2)) / n    # CE of a logistic unit
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
    return code_ints(H > 0.5), n_distinct(code_ints(H > 0.5)), (Y.argmax(-1) == np.arange(Y.shape[-1])).mean(-1)


def train_backprop(seeds, cfg, callback=None, progress=None):
    """One encoder per seed, all seeds batched; each seed has its own generator and stops once
    strictly solved (row s of a sweep = the run of seed s). Restarts: an attempt is abandoned
    for fresh weights after cfg["plateau"] epochs with < n codes and an unchanged code table,
    or at cfg["epochs"]. callback(state) sees every epoch before its step."""
    n, h, S, X = cfg["n"], cfg["hidden"], len(seeds), np.eye(cfg["n"])
    rngs = [np.random.default_rng(int(s)) for s in seeds]
    inits = [bp_init(r, n, h, cfg["init_scale"]) for r in rngs]
    p = {k: np.stack([q[k] for q in inits]) for k in inits[0]}
    v = {k: np.zeros_like(a) for k, a in p.items()}
    attempts, ep_attempt, total, unchanged = (np.ones(S, int),) + tuple(np.zeros((3, S), int))
    solve_epoch, first_n, active = np.full(S, -1), np.full(S, -1), np.ones(S, bool)
    last_codes, restarts_at = None, [[] for _ in range(S)]
    while True:
        with np.errstate(over="ignore", invalid="ignore"):
            L, g, H, Y = bp_loss_grads(p, X, X, cfg["loss"])
        check_finite([L] + list(p.values()), "backprop: the loss or the weights")
        codes, nd, acc = bp_metrics(H, Y)
        if callback:
            callback(dict(epoch=total.copy(), loss=L, H=H, acc=acc, distinct=nd, params=p,
                          attempts=attempts.copy(), active=active.copy()))
        hit, ok = active & (nd == n) & (first_n < 0), active & (nd == n) & (acc == 1.0)
        first_n[hit], solve_epoch[ok] = total[hit], total[ok]
        active &= ~ok
        same = (codes == (codes if last_codes is None else last_codes)).all(-1)
        unchanged, last_codes = np.where(same, unchanged + 1, 0), codes
        out_of_epochs, can_restart = ep_attempt >= cfg["epochs"], attempts <= cfg["restarts"]
        stuck = (nd < n) & (unchanged >= cfg["plateau"])
        for s in np.flatnonzero(active & (stuck | out_of_epochs) & can_restart):
            q = bp_init(rngs[s], n, h, cfg["init_scale"])     # a new attempt, same stream
            for k in p:
                p[k][s], v[k][s] = q[k], 0.0
            attempts[s] += 1
            ep_attempt[s] = unchanged[s] = 0
            restarts_at[s].append(int(total[s]))
        active &= ~(out_of_epochs & ~can_restart)
        if not active.any():
            break
        m = active.astype(float)            # momentum step, frozen for the finished seeds
        with np.errstate(over="ignore", invalid="ignore"):
            for k in p:
                v[k] = cfg["momentum"] * v[k] - cfg["lr"] * g[k]
                p[k] = p[k] + v[k] * m.reshape((S,) + (1,) * (p[k].ndim - 1))
        total += active
        ep_attempt += active
        if progress and total.max() % 500 == 0:
            progress(f"epoch {total.max()}, {active.sum()} of {S} seeds learning")
    H, _, Y = bp_forward(p, X)
    codes, nd, acc = bp_metrics(H, Y)
    return {"params": p, "H": H, "codes": codes, "n_distinct": nd, "acc": acc,
            "solved": solve_epoch >= 0, "epochs_to_solve": solve_epoch, "first_n_codes": first_n,
            "total_epochs": total, "attempts": attempts, "restarts_at": restarts_at}


# ----------------------------------------------------------------------------- Boltzmann
# Units V1 = 0..n-1, V2 = n..2n-1, H = 2n..2n+h-1 (N = 2n + h), 0/1. W (S, N, N) symmetric, zero
# off the mask; b (S, N) thresholds. E(s) = -1/2 s.W.s - b.s, P(s) ~ exp(-E(s)/T).

def bm_mask(n, h, intra):
    """Connectivity: V1-H and V2-H always; within V1, V2 and H when intra; never V1-V2."""
    grp = np.array([0] * n + [1] * n + [2] * h)
    M = ((grp[:, None] == 2) ^ (grp[None, :] == 2)) | (intra and grp[:, None] == grp[None, :])
    return (M & ~np.eye(len(grp), dtype=bool)).astype(float)


def parse_schedule(text):
    """'20:2,15:2,12:2,10:4' -> [20, 20, 15, 15, 12, 12, 10, 10, 10, 10]."""
    temps = []
    for t, k in (part.split(":") for part in text.split(",")):
        if not (0 < float(t) < 1e6 and 1 <= int(k) <= 1000):
            raise ValueError(text)
        temps += [float(t)] * int(k)
    return temps


def probe(WT, flat, chains, rows, u):
    """Probe rows (S, k) of flat (S * R, C) in place, in the chains (S, R, c) of its view chains:
    on iff u = 2U - 1 < tanh(gap / 2T), i.e. w.p. logistic(gap / T); WT (S * R, R) = [W b] / 2T."""
    flat[rows, -chains.shape[2]:] = u < np.tanh(WT[rows] @ chains)


def n_uniforms(n, h, n_temps):                            # uniforms per seed and cycle
    return 2 * n * n + (2 * n + h) * 2 * n + n_temps * (2 * n + h + h * 2 * n + 2 * n * n)


def sampled_stats(W, b, U, n, temps, n_collect, cfg):
    """AHS statistics by Gibbs sampling, p_ij - p'_ij (S, N, N) (diagonal p_i - p'_i): n clamped
    chains (V1, V2 = a noisy copy of pattern p) and n free chains start at random and run one
    time unit per entry of temps, every free unit probed once (the hidden units in random order,
    then the visible ones, a V1 and a V2 unit at a time: they share no edge); s_i s_j is averaged
    at the end of each of the last n_collect units. U (S, n_uniforms): each seed's uniforms."""
    (S, N), K, C = W.shape[:2], len(temps), 2 * n
    h, R, si, ti = N - 2 * n, N + 1, np.arange(S)[:, None, None], np.arange(K)[:, None]
    U = np.split(U, np.cumsum([2 * n * n, N * C, K * N, K * h * C]), axis=1)
    state = np.ones((S, R, C))                                        # chains: n clamped, n free
    state[:, :N] = U[1].reshape(S, N, C) < 0.5
    pat, flip = np.vstack([np.eye(n), np.eye(n)]), U[0].reshape(S, C, n)   # unit x pattern
    state[:, :C, :n] = np.where(pat == 1, flip >= cfg["bm_noise_on"], flip < cfg["bm_noise_off"])
    keys = U[2].reshape(S, K, N)
    hid = 2 * n + keys[:, :, 2 * n:].argsort(-1)                      # (S, K, h) probe orders
    pairs = np.stack([keys[:, :, :n].argsort(-1), n + keys[:, :, n:2 * n].argsort(-1)], -1)
    u_hid = 2 * U[3].reshape(S, K, h, 1, C) - 1                       # (S, K, h, 1, C)
    u_vis = 2 * U[4].reshape(S, K, C, n)[si[..., None], ti[..., None], pairs] - 1   # (S, K, n, 2, n)
    WT = np.concatenate([np.concatenate([W, b[:, :, None]], 2), np.zeros((S, 1, R))], 1)   # state row N: 1
    WT = {T: (WT * (0.5 / T)).reshape(S * R, R) for T in set(temps)}
    flat, free, kept = state.reshape(S * R, C), state[:, :, n:], np.empty((2, S, N, n_collect, n))
    hid, pairs = hid + R * si, pairs + R * si[..., None]              # rows of flat
    for t, T in enumerate(temps):
        for k in range(h):
            probe(WT[T], flat, state, hid[:, t, k:k + 1], u_hid[:, t, k])
        for k in range(n):                                            # (S, 2): a V1 and a V2 unit
            probe(WT[T], flat, free, pairs[:, t, k], u_vis[:, t, k])
        if t >= K - n_collect:
            kept[:, :, :, t - K + n_collect] = state[:, :N, :n], state[:, :N, n:]
    pos, neg = kept.reshape(2, S, N, -1)
    return (pos @ pos.transpose(0, 2, 1) - neg @ neg.transpose(0, 2, 1)) / (n * n_collect)


def flip_set(n, p_on, p_off, max_flips):
    """Noisy clamping as a distribution over visible vectors, averaged over the n patterns
    (a clamped on-unit is off with p_on, an off-unit on with p_off), keeping the vectors with
    at most max_flips off-to-on flips: V (M, 2n), weights w (M,) summing to 1, mass left out."""
    V, P = all_states(2 * n), 0.0
    for p in range(n):
        on = np.isin(np.arange(2 * n), [p, n + p])
        pr = np.where(on, np.where(V == 1, 1 - p_on, p_on), np.where(V == 1, p_off, 1 - p_off)).prod(1)
        P = P + pr * (V[:, ~on].sum(1) <= max_flips) / n
    keep = P > 0
    return V[keep], P[keep] / P.sum(), 1 - P.sum()


def softexp(L, axis):
    """exp(L - max over axis) in place, floored at exp(-200) (below 1e-87 of the largest a term
    changes nothing in double precision; the floor keeps products clear of slow subnormals)."""
    L -= L.max(axis, keepdims=True)
    return np.exp(np.maximum(L, -200.0, out=L), out=L)


def mm(A, B):
    """A (..., k) @ B (k, c) as one 2-D matrix product (numpy loops over stacked ones)."""
    return (A.reshape(math.prod(A.shape[:-1]), A.shape[-1]) @ B).reshape(A.shape[:-1] + (B.shape[1],))


def quad(X, A):
    """1/2 x.A.x for every row x of X (K, m) and every seed's A (S, m, m) -> (S, K)."""
    return 0.5 * A.reshape(len(A), -1) @ (X[:, :, None] * X[:, None, :]).reshape(len(X), -1).T


def second_moment(p, X):
    """sum_k p[s, k] x_k x_k^T for weights p (S, K) over the rows of X (K, m): (S, m, m)."""
    return (p @ (X[:, :, None] * X[:, None, :]).reshape(len(X), -1)).reshape(len(p), X.shape[1], -1)


def group_given_hidden(W, b, g, hid, T):
    """Visible group g given h, phi(v, h) = exp((v.W_gg.v / 2 + b_g.v + v.W_gh.h) / T): log sum_v
    phi (S, 2^h), E[v | h] (S, 2^h, m), phi / max_v phi (S, 2^h, 2^m) and its sum over v."""
    Hs, Vs = all_states(hid.stop - hid.start), all_states(g.stop - g.start)
    i, j = np.triu_indices(Vs.shape[1], 1)                            # v.W_gg.v / 2: the pairs i < j
    C = np.concatenate([Hs @ W[:, hid, g] + b[:, None, g], np.repeat(W[:, None, g, g][..., i, j], len(Hs), 1)], -1)
    L = mm(C / T, np.hstack([Vs, Vs[:, i] * Vs[:, j]]).T)             # one product: every term of the exponent
    top = L.max(-1)
    E = softexp(L, -1)
    Z = mm(E, np.ones((len(Vs), 1)))[..., 0]
    return np.log(Z) + top, mm(E, Vs) / Z[..., None], E, Z


def free_stats(W, b, n, h, T):
    """Exact <s_i s_j> (S, N, N) of the free-running net (0 for the unconnected V1-V2 pairs).
    V1 and V2 meet only through H, so given h they are independent: P(v1, v2, h) =
    exp(e_H(h)/T) phi1(v1, h) phi2(v2, h) / Z needs 2^h x 2 x 2^n terms instead of 2^N."""
    (S, N), Vs, Hs = W.shape[:2], all_states(n), all_states(h)
    groups, hid = (slice(0, n), slice(n, 2 * n)), slice(2 * n, N)
    parts = [group_given_hidden(W, b, g, hid, T) for g in groups]
    ph = softexp((quad(Hs, W[:, hid, hid]) + b[:, hid] @ Hs.T) / T + parts[0][0] + parts[1][0], -1)
    ph /= ph.sum(-1, keepdims=True)                                   # P(h) (S, 2^h)
    out = np.zeros((S, N, N))
    for g, (_, mean_v, E, Z) in zip(groups, parts):
        out[:, g, g] = second_moment(((ph / Z)[:, None, :] @ E)[:, 0], Vs)   # P(v) = sum_h P(h, v)
        out[:, hid, g] = (Hs.T * ph[:, None, :]) @ mean_v
        out[:, g, hid] = out[:, hid, g].transpose(0, 2, 1)
    out[:, hid, hid] = second_moment(ph, Hs)
    return out


def halves(V, w, n):
    """V as pairs of halves: the distinct V1 halves A (a, n) and V2 halves B (c, n) by number of units on,
    P (a, c) = P(v1 = A_i, v2 = B_j), blocks (r0, r1, k): rows r0..r1-1 of P are 0 from column k."""
    def distinct(X):                                  # its distinct rows, by number of units on, then value
        u, inv = np.unique(np.hstack([X.sum(1, keepdims=True), X]), axis=0, return_inverse=True)
        return u[:, 1:], inv.ravel()
    (A, i), (B, j) = distinct(V[:, :n]), distinct(V[:, n:])
    P = np.zeros((len(A), len(B)))
    P[i, j] = w
    edges = np.append(np.flatnonzero(np.diff(A.sum(1), prepend=-1)), len(A))
    return A, B, P, [(r0, r1, 1 + np.flatnonzero(P[r0:r1].any(0)).max()) for r0, r1 in zip(edges[:-1], edges[1:])]


def clamped_stats(W, b, n, h, T, V, w, split=None):
    """Exact <s_i s_j> (S, N, N), visible units clamped to V (M, 2n) with probabilities w (M,). P(h | v)
    ~ X1[h, i] X2[h, j] for v = (A_i, B_j) (split = halves(V, w, n)), so with Z = X1^T X2 the moments are
    block products over pairs of halves; a seed with a Z < 1e-60 is summed over V (split A = V, B empty)."""
    (S, N), vis, hid, Hs = W.shape[:2], slice(0, 2 * n), slice(2 * n, 2 * n + h), all_states(h)
    A, B, P, blocks = halves(V, w, n) if split is None else split
    X1 = mm(Hs @ (W[:, hid, :A.shape[1]] / T), A.T)
    X1 += ((quad(Hs, W[:, hid, hid]) + b[:, hid] @ Hs.T) / T)[:, :, None]
    X1, X2 = softexp(X1, 1), softexp(mm(Hs @ (W[:, hid, A.shape[1]:2 * n] / T), B.T), 1)
    Y1, Y2, bad = np.empty_like(X1), np.zeros_like(X2), np.zeros(S, bool)
    for r0, r1, k in blocks:
        Z = X1[:, :, r0:r1].transpose(0, 2, 1) @ X2[:, :, :k]
        bad |= ((Z < 1e-60) & (P[r0:r1, :k] > 0)).any((1, 2))
        R = np.divide(P[r0:r1, :k], Z, out=Z)
        Y1[:, :, r0:r1] = X2[:, :, :k] @ R.transpose(0, 2, 1)           # sum_j P_ij q(h | i, j) / X1
        Y2[:, :, :k] += X1[:, :, r0:r1] @ R
    Q1, Q2 = Y1 * X1, Y2 * X2                                         # P(h, v1 = A_i), P(h, v2 = B_j)
    out = np.empty((S, N, N))
    out[:, vis, vis] = (V.T * w) @ V
    out[:, hid, vis] = Hs.T @ np.concatenate([mm(Q1, A), mm(Q2, B)], -1)
    out[:, hid, hid] = second_moment(Q1.sum(-1), Hs)
    out[:, vis, hid] = out[:, hid, vis].transpose(0, 2, 1)
    if bad.any():
        out[bad] = clamped_stats(W[bad], b[bad], n, h, T, V, w, (V, V[:1, :0], w[:, None], [(0, len(V), 1)]))
    return out


def bm_eval(W, b, n, h, T, recon=True):
    """Exact read-out at T: codes P(h_j = 1 | V1 = V2 = pattern p) (S, n, h); reconstruction (S,):
    with V1 = pattern p, p is reconstructed when unit p of V2 has the largest marginal."""
    Hs, hid = all_states(h), slice(2 * n, 2 * n + h)
    q = mm(Hs @ (W[:, hid, :2 * n] / T), np.hstack([np.eye(n), np.eye(n)]).T)
    q += ((quad(Hs, W[:, hid, hid]) + b[:, hid] @ Hs.T) / T)[:, :, None]
    q = softexp(q, 1)
    marg = (q * (1.0 / q.sum(1))[:, None, :]).transpose(0, 2, 1) @ Hs
    if not recon:
        return marg, None
    logz2, mean_v2 = group_given_hidden(W, b, slice(n, 2 * n), hid, T)[:2]   # V2 summed out
    L = (W[:, :n, hid] @ Hs.T + (quad(Hs, W[:, hid, hid]) + b[:, hid] @ Hs.T)[:, None]) / T
    P = softexp(L + logz2[:, None], -1)                               # (S, n, 2^h): P(h | V1 = p)
    mv2 = (P / P.sum(-1, keepdims=True)) @ mean_v2                    # (S, n, n)
    return marg, (mv2.argmax(-1) == np.arange(n)).mean(-1)


def train_boltzmann(seeds, cfg, callback=None, progress=None):
    """AHS 1985 Boltzmann learning, all seeds batched. A cycle measures p_ij (clamped) and p'_ij (free)
    at the final temperature, sampled or exact, moves every weight and threshold by step * sign(p_ij -
    p'_ij) (none for a tie, |p - p'| <= bm_tie) or lr * (p_ij - p'_ij), multiplies them by 1 - decay and
    reads the net out exactly; a seed stops once strictly solved. Each seed draws its initial weights,
    then each cycle's uniforms, from its own generator (row s = seed s). callback(cycle, W, b, active)."""
    n, h, S, N, mask = cfg["n"], cfg["hidden"], len(seeds), 2 * cfg["n"] + cfg["hidden"], bm_mask(cfg["n"], cfg["hidden"], cfg["bm_intra"])
    temps = parse_schedule(cfg["bm_schedule"])
    temps, T = temps + [temps[-1]] * cfg["bm_collect"], temps[-1]
    rngs = [np.random.default_rng(int(s)) for s in seeds]
    sc = cfg["bm_init_scale"]            # initial weights U(-sc, sc) on every edge; 0: no draw
    W = np.stack([np.triu(r.uniform(-sc, sc, (N, N)), 1) if sc else np.zeros((N, N)) for r in rngs])
    W, b = (W + W.transpose(0, 2, 1)) * mask, np.zeros((S, N))
    V, w, _ = flip_set(n, cfg["bm_noise_on"], cfg["bm_noise_off"], cfg["bm_flips"])
    split = halves(V, w, n) if cfg["bm_stats"] == "exact" else None
    U = np.empty((0 if split else S, n_uniforms(n, h, len(temps))))      # sampled: a cycle's uniforms
    active, solve, first_n = np.ones(S, bool), np.full(S, -1), np.full(S, -1)
    for cycle in range(cfg["bm_cycles"] + 1):
        act = np.flatnonzero(active)
        if cycle:                                                     # cycle 0: the initial net
            Wa, ba = W[act], b[act]
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                if cfg["bm_stats"] == "exact":
                    diff = clamped_stats(Wa, ba, n, h, T, V, w, split) - free_stats(Wa, ba, n, h, T)
                else:
                    for i, s in enumerate(act):                     # each seed's stream, in place
                        rngs[s].random(out=U[i])
                    diff = sampled_stats(Wa, ba, U[:len(act)], n, temps, cfg["bm_collect"], cfg)
                step = (cfg["bm_step"] * np.sign(diff) * (np.abs(diff) > cfg["bm_tie"])
                        if cfg["bm_rule"] == "sign" else cfg["bm_lr"] * diff)
                W[act] = (Wa + step * mask) * (1 - cfg["bm_decay"])
                b[act] = (ba + np.diagonal(step, axis1=1, axis2=2)) * (1 - cfg["bm_decay"])
            check_finite([W[act], b[act]], "Boltzmann learning: the weights")
        nd = n_distinct(code_ints(bm_eval(W[act], b[act], n, h, T, recon=False)[0] > 0.5))
        first_n[act[(nd == n) & (first_n[act] < 0)]] = cycle
        check = act[nd == n]                                          # reconstruction too?
        ok = check[bm_eval(W[check], b[check], n, h, T)[1] == 1.0] if len(check) else check
        solve[ok], active[ok] = cycle, False
        if callback:
            callback(cycle, W, b, active)
        if progress and cycle % 20 == 0:
            progress(f"cycle {cycle}/{cfg['bm_cycles']}, {active.sum()} of {S} seeds learning")
        if not active.any():
            break
    marg, acc = bm_eval(W, b, n, h, T)
    codes = code_ints(marg > 0.5)
    return {"params": {"W": W, "b": b}, "H": marg, "codes": codes, "n_distinct": n_distinct(codes), "acc": acc,
            "solved": solve >= 0, "epochs_to_solve": solve, "first_n_codes": first_n, "attempts": np.ones(S, int),
            "total_epochs": np.where(solve >= 0, solve, cycle), "restarts_at": [[] for _ in range(S)]}


def run(seeds, cfg, **kw):
    return (train_backprop if cfg["algo"] == "backprop" else train_boltzmann)(list(seeds), cfg, **kw)


# ----------------------------------------------------------------------------- summaries

def wilson(k, N, z=1.959964):
    """Wilson score 95% interval for k successes out of N."""
    ph, den = k / N, 1 + z * z / N
    c, w = (ph + z * z / (2 * N)) / den, z * math.sqrt(ph * (1 - ph) / N + z * z / (4 * N * N)) / den
    return [max(0.0, c - w), min(1.0, c + w)]


def rate(k, N):                                           # k of N, with its Wilson interval
    return {"count": int(k), "n": N, "rate": k / N, "ci95": wilson(k, N)}


def describe(x):
    """count, mean, std, min, quartiles, max and a normal 95% interval of the mean."""
    x = np.asarray(x, float)
    if x.size == 0:
        return {"count": 0}
    m, std = float(x.mean()), float(x.std(ddof=1)) if x.size > 1 else 0.0
    q1, med, q3 = (float(v) for v in np.percentile(x, [25, 50, 75]))
    half = 1.959964 * std / math.sqrt(x.size)
    return {"count": int(x.size), "mean": m, "std": std, "min": float(x.min()), "q1": q1,
            "median": med, "q3": q3, "max": float(x.max()), "ci95_mean": [m - half, m + half]}


def per_seed_metrics(res, s, cfg, seed):                  # the JSON metrics of row s of a run
    solved, first, codes = bool(res["solved"][s]), int(res["first_n_codes"][s]), res["codes"][s]
    return {"algo": cfg["algo"], "seed": seed, "solved": solved, "epochs_to_solve": int(res["epochs_to_solve"][s])
            if solved else None, "first_n_codes": first if first >= 0 else None, "n_distinct_codes": int(res["n_distinct"][s]),
            "code_table": ((codes[:, None] >> np.arange(cfg["hidden"])) & 1).tolist(),
            "hidden_activations": np.round(res["H"][s], 6).tolist(),
            "reconstruction_accuracy": float(res["acc"][s]), "attempts": int(res["attempts"][s]),
            "total_epochs": int(res["total_epochs"][s]), "restarts_at_epoch": res["restarts_at"][s],
            "max_abs_weight": float(max(np.abs(a[s]).max() for a in res["params"].values())),
            "colliding_pairs": [list(c) for c in itertools.combinations(range(len(codes)), 2)
                                if codes[c[0]] == codes[c[1]]]}


def summarize(per):
    """A sweep's summary: all-codes-reached and strict-solve rates, distributions."""
    un = [r for r in per if not r["solved"]]
    reached = [r["first_n_codes"] for r in per if r["first_n_codes"] is not None]
    out = {"solved": rate(sum(r["solved"] for r in per), len(per)),
           "epochs_to_solve": describe([r["epochs_to_solve"] for r in per if r["solved"]]),
           "first_n_codes": dict(describe(reached), **rate(len(reached), len(per))),
           "n_distinct_codes_unsolved": {str(v): sum(r["n_distinct_codes"] == v for r in un)
                                         for v in sorted({r["n_distinct_codes"] for r in un})},
           "max_abs_weight_solved": describe([r["max_abs_weight"] for r in per if r["solved"]]),
           "max_abs_weight_unsolved": describe([r["max_abs_weight"] for r in un])}
    for k in ("n_distinct_codes", "reconstruction_accuracy", "attempts", "max_abs_weight"):
        out[k] = describe([r[k] for r in per])
    return out


def label(cfg):
    net, c = f"{cfg['n']}-{cfg['hidden']}-{cfg['n']}", cfg
    if c["algo"] == "backprop":
        return f"backprop {c['loss'].upper()} {net}"
    rule = f"sign rule {c['bm_step']:g}" if c["bm_rule"] == "sign" else f"prop rule {c['bm_lr']:g}"
    return (f"Boltzmann {net} ({c['bm_stats']} statistics, {rule}, T = {parse_schedule(c['bm_schedule'])[-1]:g}, "
            f"init {c['bm_init_scale']:g}" + (f", decay {c['bm_decay']:g})" if c["bm_decay"] else ")"))


def summary_lines(summ, cfg, wall):
    """The sweep's printed summary (the README quotes these lines verbatim)."""
    unit = "epoch" if cfg["algo"] == "backprop" else "cycle"
    s, e, f, un = (summ[k] for k in ("solved", "epochs_to_solve", "first_n_codes", "n_distinct_codes_unsolved"))
    pct = lambda r: f"{r['count']}/{r['n']} = {100 * r['rate']:.0f}% (95% CI {100 * r['ci95'][0]:.0f}-{100 * r['ci95'][1]:.0f}%)"  # noqa: E731
    lines = [f"{label(cfg)}: {s['n']} seeds", f"  all {cfg['n']} codes reached: {pct(f)}"
             + (f", median {unit} {f['median']:.0f}" if f["count"] else ""), f"  strict solve: {pct(s)}"]
    if e["count"]:
        lines.append(f"  {unit}s to solve: " + ", ".join(f"{k} {e[k]:.0f}" for k in ("median", "mean", "std", "min", "q1", "q3", "max")))
    if cfg["algo"] == "backprop" and cfg["restarts"]:
        lines.append(f"  attempts: mean {summ['attempts']['mean']:.2f}, max {summ['attempts']['max']:.0f}")
    if un:
        lines.append("  unsolved seeds by distinct codes: " + ", ".join(f"{k} codes: {v}" for k, v in un.items()))
    parts = [f"{summ[k]['median']:.0f} {what}" for k, what in (("max_abs_weight_solved", "at the solve"),
             ("max_abs_weight_unsolved", "unsolved at the end")) if summ[k]["count"]]
    return lines + [f"  largest |weight|, median: {', '.join(parts)}", f"  wall-clock {wall:.1f} s"]


def single_lines(m, cfg, wall):
    unit = "epochs" if cfg["algo"] == "backprop" else "cycles"
    return ([f"{label(cfg)} seed {m['seed']}: solved {m['solved']}, {unit} to solve "
             f"{m['epochs_to_solve']}, all {cfg['n']} codes first at {m['first_n_codes']}, distinct "
             f"codes {m['n_distinct_codes']}/{cfg['n']}, reconstruction {m['reconstruction_accuracy']:.3f}, "
             f"attempts {m['attempts']}, largest |weight| {m['max_abs_weight']:.1f}, wall-clock {wall:.2f} s",
             "  code table (pattern: code, hidden activations):"]
            + [f"    {i}: {''.join(map(str, bits))}  " + " ".join(f"{x:.3f}" for x in hv)
               for i, (bits, hv) in enumerate(zip(m["code_table"], m["hidden_activations"]))]
            + [f"  colliding pairs: {m['colliding_pairs']}"] * bool(m["colliding_pairs"]))


# ----------------------------------------------------------------------------- CLI

def number(cast, lo, hi, lo_open=False):
    """argparse type: a finite int or float in [lo, hi] (or (lo, hi] with lo_open)."""
    def f(text):
        try:
            v = cast(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {cast.__name__}, got {text!r}")
        if not math.isfinite(v) or v < lo or v > hi or (lo_open and v == lo):
            raise argparse.ArgumentTypeError(f"must be finite, in {'(' if lo_open else '['}{lo:g}, {hi:g}], got {text}")
        return v
    return f


def schedule(text):
    """argparse type: an annealing schedule (kept as text); a bad one is a usage error."""
    return parse_schedule(text) and text


def output_path(text):
    """A file to write: its folder must take a new file (checked by making one)."""
    try:
        if os.path.isdir(text):
            raise IsADirectoryError(21, "is a directory")
        tmp = os.path.join(os.path.dirname(os.path.abspath(text)), f".{os.path.basename(text)}.check")
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


def write_json(path, obj):
    """Strict JSON (no NaN), written atomically."""
    def write(tmp):
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(json.dumps(obj, allow_nan=False, default=lambda x: x.item()) + "\n")
    write_atomic(path, write)


POS, FRAC, BIG = number(float, 0, 1e300, lo_open=True), number(float, 0, 0.999999), 10 ** 6
# flag -> (type or choices, default, help) of each learner; given with the other, an error
BACKPROP_FLAGS = {
    "--loss": (["ce", "sse"], LOSS, "cross-entropy or RHW's squared error"),
    "--lr": (POS, LR, "learning rate"), "--momentum": (FRAC, MOMENTUM, "momentum"),
    "--init-scale": (number(float, 0, 100, True), INIT_SCALE, "initial weights U(-s, s)"),
    "--epochs": (number(int, 1, BIG), EPOCHS, "epoch cap per attempt"),
    "--restarts": (number(int, 0, 100), 0, "extra attempts after a plateau or the cap"),
    "--plateau": (number(int, 1, BIG), PLATEAU, "restart after this many epochs with < n codes, same code table")}
BOLTZMANN_FLAGS = {
    "--bm-cycles": (number(int, 1, BIG), BM_CYCLES, "learning-cycle cap"),
    "--bm-stats": (["sampled", "exact"], "sampled", "Gibbs sampling (AHS) or exact enumeration"),
    "--bm-schedule": (schedule, BM_SCHEDULE, "annealing T:time units; the last T is the statistics' and read-out's"),
    "--bm-rule": (["sign", "prop"], "sign", "step * sign(p - p') (AHS) or lr * (p - p')"),
    "--bm-step": (POS, BM_STEP, "sign-rule step"), "--bm-lr": (POS, BM_LR, "prop-rule rate"),
    "--bm-noise-off": (FRAC, BM_NOISE_OFF, "P(a clamped off-unit is on)"),
    "--bm-intra": ([0, 1], BM_INTRA, "1: connections within V1, within V2 and within H"),
    "--bm-decay": (FRAC, BM_DECAY, "weights times (1 - d) after every step"),
    "--bm-init-scale": (number(float, 0, 100), BM_INIT_SCALE, "initial weights U(-s, s)"),
    "--bm-flips": (number(int, 0, 14), BM_FLIPS, "exact: off-to-on clamping flips enumerated")}
ALL_FLAGS = {**BACKPROP_FLAGS, **BOLTZMANN_FLAGS}
ONLY_WITH = {"plateau": ("restarts", 0), "bm_step": ("bm_rule", "prop"), "bm_lr": ("bm_rule", "sign"),
             "bm_flips": ("bm_stats", "sampled")}


def build_parser():
    p = argparse.ArgumentParser(description="8-3-8 encoder by backprop or by AHS 1985 "
                                "Boltzmann learning (sampled or exact statistics).")
    p.add_argument("--seed", type=number(int, 0, 2 ** 63 - 1), default=None, help="default 0")
    p.add_argument("--sweep", type=number(int, 1, MAX_SWEEP), default=None, metavar="N",
                   help=f"seeds 0..N-1, batched (N <= {MAX_SWEEP}; Boltzmann <= {MAX_SWEEP_BM})")
    p.add_argument("--json", type=output_path, default=None, metavar="PATH", help="write results")
    p.add_argument("--quiet", action="store_true", help="print nothing; no progress")
    p.add_argument("--algo", choices=["backprop", "boltzmann"], default="backprop")
    p.add_argument("--n", type=int, choices=[2, 4, 8, 16, 32], default=N_PATTERNS,
                   help="patterns, log2 n hidden units (Boltzmann n <= 8)")
    for title, flags in (("backprop", BACKPROP_FLAGS), ("Boltzmann machine", BOLTZMANN_FLAGS)):
        g = p.add_argument_group(title)
        for flag, (kind, default, text) in flags.items():
            how = {"choices": kind, "type": type(kind[0])} if isinstance(kind, list) else {"type": kind}
            g.add_argument(flag, default=None, help=f"{text} (default {default})", **how)
    return p


def parse_args(argv=None):
    """Parse; refuse a flag the chosen mode ignores (naming both); fill in the defaults."""
    parser = build_parser()
    a = parser.parse_args(argv)
    given = {k for k, v in vars(a).items() if v is not None}
    if a.sweep is not None and a.seed is not None:
        parser.error("argument --seed: not used with --sweep (a sweep runs seeds 0..N-1)")
    for flag in BOLTZMANN_FLAGS if a.algo == "backprop" else BACKPROP_FLAGS:
        if flag[2:].replace("-", "_") in given:
            parser.error(f"argument {flag}: not used with --algo {a.algo}")
    for flag, (_, default, _) in ALL_FLAGS.items():
        if getattr(a, flag[2:].replace("-", "_")) is None:
            setattr(a, flag[2:].replace("-", "_"), default)
    for d, (other, value) in ONLY_WITH.items():
        if d in given and getattr(a, other) == value:
            parser.error(f"argument --{d.replace('_', '-')}: not used with --{other.replace('_', '-')} {value}")
    if a.algo == "boltzmann" and (a.n > 8 or (a.sweep or 0) > MAX_SWEEP_BM):
        parser.error("argument --n: the Boltzmann learner enumerates 2^n states; n <= 8" if a.n > 8 else
                     f"argument --sweep: the Boltzmann learner runs at most {MAX_SWEEP_BM} seeds")
    a.hidden = int(math.log2(a.n))
    return a


def config_of(a):
    """Every hyperparameter: the flags, and three constants (AHS values and the sign rule's tie)."""
    cfg = {k: getattr(a, k) for k in ["algo", "n", "hidden"] + [f[2:].replace("-", "_") for f in ALL_FLAGS]}
    return dict(cfg, bm_collect=BM_COLLECT, bm_noise_on=BM_NOISE_ON, bm_tie=BM_TIE)


def main(argv=None, overrides=None):                      # overrides: constants a study changes
    a = parse_args(argv)
    cfg, seeds = dict(config_of(a), **(overrides or {})), list(range(a.sweep)) if a.sweep else [a.seed or 0]
    show, last = sys.stderr.isatty() and not a.quiet, [0.0]

    def progress(text):                          # a one-line counter on a terminal
        if show and time.monotonic() - last[0] > 0.2:
            sys.stderr.write(f"\r{text}   ")
            sys.stderr.flush()
            last[0] = time.monotonic()

    t0 = time.perf_counter()
    try:
        res = run(seeds, cfg, progress=progress)
    except DivergenceError as e:
        sys.stderr.write(("\n" if last[0] else "") + f"encoder_8_3_8.py: {e}\n")
        return 1
    sys.stderr.write("\n" if last[0] else "")                         # end the progress line
    per = [per_seed_metrics(res, i, cfg, s) for i, s in enumerate(seeds)]
    wall = time.perf_counter() - t0
    out = {"experiment": "encoder_8_3_8", "config": cfg,
           "versions": {"python": platform.python_version(), "numpy": np.__version__}}
    if a.sweep:
        summ = summarize(per)
        metrics = {k: summ[k] for k in ("solved", "epochs_to_solve", "first_n_codes", "attempts",
                                        "n_distinct_codes", "reconstruction_accuracy", "max_abs_weight")}
        metrics.update(algo=cfg["algo"], **{k: [r[k] for r in per] for k in
                                            ("code_table", "hidden_activations", "colliding_pairs")})
        out.update(seeds=seeds, metrics=metrics, summary=summ, per_seed=per)
    else:
        out.update(seed=seeds[0], metrics={k: v for k, v in per[0].items() if k != "seed"})
    if not a.quiet:
        print("\n".join(summary_lines(summ, cfg, wall) if a.sweep else single_lines(per[0], cfg, wall)))
    if a.json:
        write_json(a.json, dict(out, wallclock_s=wall))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.stderr.write("\nencoder_8_3_8.py: interrupted\n")
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(1)
