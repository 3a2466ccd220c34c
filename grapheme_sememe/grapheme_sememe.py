"""Damage, relearning and spontaneous recovery (Hinton & Sejnowski 1986, PDP vol. 1 ch. 7).

A 30 -> 20 -> 30 network learns 20 word -> meaning associations (3-letter words, one-hot per
letter position; 30-bit binary meanings). The weights are damaged, the net relearns 18 of the
20, and we measure whether the 2 never relearned recover too ("spontaneous recovery").

Learners: a logistic MLP trained by hand-written backprop (cross-entropy), or the paper's
Boltzmann machine (Gibbs sampling under simulated annealing, dW ~ <s_i s_j>+ - <s_i s_j>-).
Damage: zero a random fraction of the weights (optionally permanently), add isotropic noise
to every weight (scale relative to each weight matrix's RMS), or shrink every weight towards
zero. A control scores the held-out outputs against the other 19 meanings, so that recovery
that is only a drift towards the typical meaning can be told apart ("specific recovery").

Running `python3 grapheme_sememe.py --seed 0` prints the configuration, the number of cycles
to criterion, a table of bit accuracy and mean absolute error for the trained 18 and the
held-out 2 after training, after damage and after relearning, then the recovery (pp), its peak
over the relearning curve, the transfer ratio and the held-out pattern accuracy. `--sweep N`
runs seeds 0..N-1 as one batched computation and prints mean / std / min / max / 95% interval
of every metric, the fraction of seeds with positive recovery and the overlap analysis.
`--analysis conditions` repeats the sweep for every learner x damage x sememe kind (16 rows);
`--analysis heatmap` prints mean recovery over damage size x relearning length.
"""
import argparse
import json
import os
import platform
import sys
import tempfile
import time

import numpy as np

N_LETTERS = 10        # alphabet size per letter position
N_POS = 3             # letters per word
N_IN = N_LETTERS * N_POS   # 30 grapheme units
N_OUT = 30            # sememe units
N_WORDS = 20          # associations
N_HELDOUT = 2         # never relearned
ALPHABET = "abcdefghij"
STAGES = ("post_train", "post_damage", "post_relearn")


class Diverged(RuntimeError):
    """Raised when the weights or outputs stop being finite."""


# ----------------------------------------------------------------------------------------------
# data
# ----------------------------------------------------------------------------------------------
def word_name(code):
    """3-digit code (letter indices) -> string, e.g. (0, 3, 9) -> 'adj'."""
    return "".join(ALPHABET[c] for c in code)


def make_meanings(rng, cfg):
    """20 distinct, non-empty 30-bit meanings (20, 30) float64 in {0, 1}."""
    while True:
        if cfg["sememes"] == "random":
            T = (rng.random((N_WORDS, N_OUT)) < cfg["density"]).astype(float)
        else:
            # OR of k of K prototypes, then flip each bit with probability `flip`
            protos = rng.random((cfg["prototypes"], N_OUT)) < cfg["proto_density"]
            T = np.zeros((N_WORDS, N_OUT), dtype=bool)
            for i in range(N_WORDS):
                pick = rng.choice(cfg["prototypes"], cfg["proto_k"], replace=False)
                T[i] = protos[pick].any(axis=0)
            T ^= rng.random((N_WORDS, N_OUT)) < cfg["flip"]
            T = T.astype(float)
        if T.sum(1).min() > 0 and len({row.tobytes() for row in T}) == N_WORDS:
            return T


def make_data(rng, cfg):
    """One seed's task: words, one-hot inputs X (20, 30), meanings T (20, 30), held-out 2."""
    codes = rng.choice(N_LETTERS ** N_POS, N_WORDS, replace=False)
    digits = np.stack([(codes // N_LETTERS ** (N_POS - 1 - p)) % N_LETTERS
                       for p in range(N_POS)], axis=1)              # (20, 3)
    X = np.zeros((N_WORDS, N_IN))
    for p in range(N_POS):
        X[np.arange(N_WORDS), p * N_LETTERS + digits[:, p]] = 1.0
    words = [word_name(d) for d in digits]
    T = make_meanings(rng, cfg)
    heldout = np.sort(rng.choice(N_WORDS, N_HELDOUT, replace=False))
    if cfg["heldout"]:
        missing = [w for w in cfg["heldout"] if w not in words]
        if missing:
            raise KeyError(",".join(missing))
        heldout = np.sort(np.array([words.index(w) for w in cfg["heldout"]]))
    return {"X": X, "T": T, "words": words, "heldout": heldout}


def cosine01(a, b):
    """Cosine between 0/1 vectors along the last axis (H&P 1987 eq. 2's n_ab / sqrt(n_a n_b))."""
    return (a * b).sum(-1) / np.sqrt(a.sum(-1) * b.sum(-1))


def overlap_stats(data):
    """How much the held-out 2 share with the trained 18, and mean pairwise meaning overlap."""
    X, T, h = data["X"], data["T"], data["heldout"]
    tr = np.setdiff1d(np.arange(N_WORDS), h)
    iu = np.triu_indices(N_WORDS, 1)
    allpairs = cosine01(T[:, None], T[None])[iu]
    return {
        "meaning_overlap_mean": float(allpairs.mean()),
        "heldout_meaning_overlap": float(cosine01(T[h][:, None], T[tr][None]).mean()),
        "heldout_meaning_overlap_max": float(cosine01(T[h][:, None], T[tr][None]).max(1).mean()),
        "heldout_word_overlap": float(cosine01(X[h][:, None], X[tr][None]).mean()),
    }


# ----------------------------------------------------------------------------------------------
# parameters and damage (leading seed axis S everywhere)
# ----------------------------------------------------------------------------------------------
def init_params(rng, cfg):
    """W1 (30, H) grapheme->hidden, b1 (H,), W2 (H, 30) hidden->sememe, b2 (30,)."""
    a, H = cfg["init_scale"], cfg["hidden"]
    return {"W1": rng.uniform(-a, a, (N_IN, H)), "b1": np.zeros(H),
            "W2": rng.uniform(-a, a, (H, N_OUT)), "b2": np.zeros(N_OUT)}


def damaged_names(cfg):
    return ("W1", "b1", "W2", "b2") if cfg["damage_biases"] else ("W1", "W2")


def draw_damage(rng, cfg, params):
    """Draw the damage for one seed before training (so it does not depend on training length).

    zero: boolean mask per damaged array, True = lesioned; noise: unit-variance noise per array
    (scaled later by noise_scale * RMS of the trained array); shrink: nothing random."""
    out = {}
    for k in damaged_names(cfg):
        shape = params[k].shape
        if cfg["damage"] == "shrink":
            out[k] = np.zeros(shape, dtype=bool)
        elif cfg["damage"] == "zero":
            out[k] = rng.random(shape) < cfg["fraction"]
        elif cfg["noise_dist"] == "gaussian":
            out[k] = rng.standard_normal(shape)
        else:
            out[k] = rng.uniform(-np.sqrt(3.0), np.sqrt(3.0), shape)   # unit variance
    return out


def rms(a):
    """Root mean square over all but the leading seed axis, broadcastable back to a."""
    axes = tuple(range(1, a.ndim))
    return np.sqrt((a ** 2).mean(axis=axes, keepdims=True))


def apply_damage(params, damage, cfg):
    """Return damaged copies of params and the keep-masks (1 = intact) of lesioned arrays."""
    new = {k: v.copy() for k, v in params.items()}
    keep = {}
    for k, d in damage.items():
        if cfg["damage"] == "zero":
            keep[k] = (~d).astype(float)
            new[k] = new[k] * keep[k]
        elif cfg["damage"] == "shrink":          # decay of every weight towards zero
            new[k] = new[k] * (1.0 - cfg["shrink"])
        else:
            new[k] = new[k] + cfg["noise_scale"] * rms(params[k]) * d
    return new, keep


# ----------------------------------------------------------------------------------------------
# backprop learner: logistic 30-H-30 MLP, cross-entropy
# ----------------------------------------------------------------------------------------------
def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def bp_forward(p, X):
    """X (S, P, 30) -> hidden (S, P, H), output (S, P, 30)."""
    Hd = sigmoid(X @ p["W1"] + p["b1"][:, None, :])
    Y = sigmoid(Hd @ p["W2"] + p["b2"][:, None, :])
    return Hd, Y


def bp_loss_and_grads(p, X, T, weight_decay=0.0):
    """Per-seed loss (S,) = mean over patterns of summed bit cross-entropy + wd/2 |W|^2.

    Returns (loss, grads) with grads named after the parameter they belong to."""
    P = X.shape[1]
    Hd = sigmoid(X @ p["W1"] + p["b1"][:, None, :])       # (S, P, H) hidden
    Z = Hd @ p["W2"] + p["b2"][:, None, :]                 # (S, P, 30) output logits
    Y = sigmoid(Z)
    ce = (np.logaddexp(0.0, Z) - T * Z).sum((1, 2)) / P   # = -t log y - (1-t) log(1-y)
    loss = ce + 0.5 * weight_decay * ((p["W1"] ** 2).sum((1, 2)) + (p["W2"] ** 2).sum((1, 2)))
    dZ2 = (Y - T) / P                                     # CE through the logistic output
    dW2 = Hd.transpose(0, 2, 1) @ dZ2 + weight_decay * p["W2"]
    db2 = dZ2.sum(1)
    dH = dZ2 @ p["W2"].transpose(0, 2, 1)                 # back through W2
    dZ1 = dH * Hd * (1 - Hd)                              # back through the hidden logistic
    dW1 = X.transpose(0, 2, 1) @ dZ1 + weight_decay * p["W1"]
    db1 = dZ1.sum(1)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


# ----------------------------------------------------------------------------------------------
# Boltzmann learner: graphemes always clamped; hidden and sememes stochastic binary units
# E(g, h, m) = -g W1 h - h W2 m - b1 h - b2 m   (no connections within a layer)
# ----------------------------------------------------------------------------------------------
def parse_schedule(text):
    """'2@4,2@2,4@1' -> list of temperatures, one per Gibbs sweep: [4, 4, 2, 2, 1, 1, 1, 1]."""
    temps = []
    for part in text.split(","):
        n, t = part.split("@")
        n, t = int(n), float(t)
        if n < 1 or not t > 0 or not np.isfinite(t):
            raise ValueError(part)
        temps += [t] * n
    return temps


def bm_hidden_prob(p, G, M, temp, GW=None):
    """p(h_j = 1 | g, m) at temperature temp; G (S, P, 30), M (S, P, 30) -> (S, P, H).
    GW: precomputed G @ W1 + b1 (the clamped graphemes' input, constant within a phase)."""
    if GW is None:
        GW = G @ p["W1"] + p["b1"][:, None, :]
    return sigmoid((GW + M @ p["W2"].transpose(0, 2, 1)) / temp)


def bm_sememe_prob(p, Hs, temp):
    """p(m_k = 1 | h) at temperature temp; Hs (S, P, H) -> (S, P, 30)."""
    return sigmoid((Hs @ p["W2"] + p["b2"][:, None, :]) / temp)


def bm_draw(rngs, active, n_sweeps, P, n_units):
    """Uniform numbers (float32) for n_sweeps block-Gibbs sweeps plus one row for the initial
    free states, one call per seed. Seeds that are not active draw nothing, so each seed's
    stream only depends on its own history (a batched sweep reproduces single runs exactly).
    -> (n_sweeps + 1, S, P, n_units)."""
    U = np.zeros((n_sweeps + 1, len(rngs), P, n_units), dtype=np.float32)
    for s, r in enumerate(rngs):
        if active[s]:
            U[:, s] = r.random((n_sweeps + 1, P, n_units), dtype=np.float32)
    return U


def bm_phase(p, G, M_clamp, temps, n_stat, U):
    """One phase of Boltzmann learning by block Gibbs sampling under simulated annealing.

    G (S, P, 30) graphemes, always clamped. M_clamp (S, P, 30) clamps the sememes (positive
    phase) or None leaves them free (negative phase, started from random states). temps:
    annealing schedule; then n_stat sweeps at the final temperature collect statistics. Each
    sweep samples all hidden units given (g, m), then (if free) all sememes given h (no
    connections within a layer, so this is exact Gibbs sampling). Returns the mean of g h^T,
    h m^T, h, m over patterns and statistic sweeps, and per-pattern mean activities."""
    S, P, n_g = G.shape
    H, n_m = p["W2"].shape[1:]
    free = M_clamp is None
    M = (U[0, :, :, H:] < 0.5).astype(float) if free else M_clamp
    GW = G @ p["W1"] + p["b1"][:, None, :]
    sum_hm = np.zeros((S, H, n_m))
    sum_h = np.zeros((S, P, H))
    sum_m = np.zeros((S, P, n_m))
    for i, temp in enumerate(list(temps) + [temps[-1]] * n_stat, start=1):
        Hs = (U[i, :, :, :H] < bm_hidden_prob(p, G, M, temp, GW)).astype(float)
        if free:
            M = (U[i, :, :, H:] < bm_sememe_prob(p, Hs, temp)).astype(float)
        if i > len(temps):
            sum_h += Hs
            if free:
                sum_m += M
                sum_hm += Hs.transpose(0, 2, 1) @ M
    h_mean = sum_h / n_stat                                       # (S, P, H)
    m_mean = sum_m / n_stat if free else M_clamp                  # (S, P, 30)
    return {"gh": G.transpose(0, 2, 1) @ h_mean / P,              # g is clamped: <g h> = g <h>
            "hm": (sum_hm / n_stat if free else h_mean.transpose(0, 2, 1) @ M_clamp) / P,
            "h": h_mean.mean(1), "m": m_mean.mean(1), "m_mean": m_mean, "h_mean": h_mean}


def bm_n_sweeps(cfg):
    return len(cfg["bm_temps"]) + cfg["bm_stat_sweeps"]


def bm_grads(p, X, T, cfg, rngs, active):
    """Negative log-likelihood gradient estimate: -(<.>+ - <.>-) plus weight decay.

    Positive phase: graphemes and sememes clamped; negative phase: graphemes clamped, sememes
    free. Returns grads and the negative phase (its sememe means are the current outputs)."""
    P = X.shape[1]
    n = bm_n_sweeps(cfg)
    U = bm_draw(rngs, active, 2 * n + 1, P, sum(p["W2"].shape[1:]))
    pos = bm_phase(p, X, T, cfg["bm_temps"], cfg["bm_stat_sweeps"], U[:n + 1])
    neg = bm_phase(p, X, None, cfg["bm_temps"], cfg["bm_stat_sweeps"], U[n + 1:])
    wd = cfg["weight_decay"]
    grads = {"W1": -(pos["gh"] - neg["gh"]) + wd * p["W1"],
             "W2": -(pos["hm"] - neg["hm"]) + wd * p["W2"],
             "b1": -(pos["h"] - neg["h"]), "b2": -(pos["m"] - neg["m"])}
    return grads, pos, neg


def bm_output(p, X, cfg, rngs, active):
    """Sememe mean activity at the final temperature with graphemes clamped (S, P, 30),
    averaged over bm_eval_sweeps sweeps after annealing (evaluation only)."""
    n = len(cfg["bm_temps"]) + cfg["bm_eval_sweeps"]
    U = bm_draw(rngs, active, n, X.shape[1], sum(p["W2"].shape[1:]))
    return bm_phase(p, X, None, cfg["bm_temps"], cfg["bm_eval_sweeps"], U)["m_mean"]


# ----------------------------------------------------------------------------------------------
# learner-independent training loop pieces
# ----------------------------------------------------------------------------------------------
def check_finite(p):
    for k, v in p.items():
        if not np.all(np.isfinite(v)):
            raise Diverged(f"parameters {k} became non-finite (NaN/inf): lower the learning rate")


def update(p, vel, grads, lr, momentum, active, keep=None):
    """Momentum step on the active seeds; lesioned entries (keep == 0) stay exactly zero."""
    a = active.astype(float)
    for k in p:
        g = grads[k] if keep is None or k not in keep else grads[k] * keep[k]
        ak = a.reshape((-1,) + (1,) * (g.ndim - 1))
        vel[k] = ak * (momentum * vel[k] - lr * g) + (1 - ak) * vel[k]
        p[k] = p[k] + ak * vel[k]
        if keep is not None and k in keep:
            p[k] = p[k] * keep[k]
    check_finite(p)


def outputs(p, X, cfg, rngs, active):
    if cfg["algo"] == "backprop":
        return bp_forward(p, X)[1]
    return bm_output(p, X, cfg, rngs, active)


def gradients(p, X, T, cfg, rngs, active):
    """Gradient of the learner's objective on (X, T); for the BM also the free-phase outputs."""
    if cfg["algo"] == "backprop":
        return bp_loss_and_grads(p, X, T, cfg["weight_decay"])[1], None
    grads, _, neg = bm_grads(p, X, T, cfg, rngs, active)
    return grads, neg["m_mean"]


def group_scores(Y, T, idx):
    """Bit accuracy and mean absolute error of the patterns idx (S, k) -> (S,), (S,)."""
    Yi = np.take_along_axis(Y, idx[:, :, None], axis=1)
    Ti = np.take_along_axis(T, idx[:, :, None], axis=1)
    return ((Yi > 0.5) == (Ti > 0.5)).mean((1, 2)), np.abs(Yi - Ti).mean((1, 2))


def control_acc(Y, T, held):
    """Control for non-specific recovery: bit accuracy of the held-out outputs scored against
    each of the OTHER 19 meanings, averaged -> (S,). Output drift towards the typical meaning
    (e.g. relearned biases) raises this as much as the true score; recovery of the held-out
    associations themselves does not."""
    Yh = np.take_along_axis(Y, held[:, :, None], axis=1) > 0.5              # (S, 2, 30)
    agree = (Yh[:, :, None, :] == (T[:, None, :, :] > 0.5)).mean(-1)         # (S, 2, 20)
    other = np.arange(T.shape[1])[None, None, :] != held[:, :, None]
    return (agree * other).sum((1, 2)) / other.sum((1, 2))


def curve_point(Y, T, held, trained):
    ha, hm = group_scores(Y, T, held)
    ta, tm = group_scores(Y, T, trained)
    return np.stack([ta, ha, tm, hm, control_acc(Y, T, held)], axis=1)          # (S, 5)


CURVE_COLS = ("trained_bit_acc", "heldout_bit_acc", "trained_mae", "heldout_mae",
              "heldout_control_bit_acc")


def train_to_criterion(p, X, T, held, trained, cfg, rngs, trace=None):
    """Stage 1: learn all 20 until every bit is within `criterion` of its target.

    Seeds that reach criterion are frozen (and draw no more random numbers), so each seed's
    result is the same in a batch as alone. Returns cycles used (S,) and curve (S, C+1, 4)."""
    S = X.shape[0]
    vel = {k: np.zeros_like(v) for k, v in p.items()}
    active = np.ones(S, dtype=bool)
    used = np.zeros(S, dtype=int)
    Y = outputs(p, X, cfg, rngs, active) if cfg["algo"] == "backprop" else np.full_like(T, 0.5)
    curve = [curve_point(Y, T, held, trained)]
    for c in range(cfg["train_cycles"]):
        if trace is not None:
            trace.append(Y.copy())
        grads, Yfree = gradients(p, X, T, cfg, rngs, active)
        if Yfree is not None:                 # BM: the free phase before the update is the output
            Y = np.where(active[:, None, None], Yfree, Y)
            curve[-1] = np.where(active[:, None], curve_point(Y, T, held, trained), curve[-1])
            active &= ~(np.abs(Y - T).max((1, 2)) < cfg["criterion"])
            used += active
            if not active.any():
                break
        update(p, vel, grads, cfg["lr"], cfg["momentum"], active)
        if Yfree is None:
            Y = np.where(active[:, None, None], bp_forward(p, X)[1], Y)
            used += active
            active &= ~(np.abs(Y - T).max((1, 2)) < cfg["criterion"])
        curve.append(curve_point(Y, T, held, trained))     # frozen seeds: unchanged Y
        if not active.any():
            break
    return used, np.stack(curve, axis=1), ~active


def relearn(p, X18, T18, cfg, rngs, keep, evaluate):
    """Stage 3: relearn ONLY the patterns passed in (the trained 18) for relearn_cycles cycles.

    keep: keep-masks of permanently lesioned arrays (or None); evaluate(p) -> (S, 4) curve
    point on all 20 (evaluation only, never used for learning). Returns curve (S, R+1, 4)."""
    S = X18.shape[0]
    vel = {k: np.zeros_like(v) for k, v in p.items()}
    active = np.ones(S, dtype=bool)
    curve = [evaluate(p)]
    for _ in range(cfg["relearn_cycles"]):
        grads, _ = gradients(p, X18, T18, cfg, rngs, active)
        update(p, vel, grads, cfg["relearn_lr"], cfg["relearn_momentum"], active, keep)
        curve.append(evaluate(p))
    return np.stack(curve, axis=1)


# ----------------------------------------------------------------------------------------------
# protocol
# ----------------------------------------------------------------------------------------------
def stack(dicts):
    return {k: np.stack([d[k] for d in dicts]) for k in dicts[0]}


def run_batch(seeds, cfg, trace=False):
    """The 4-stage protocol for every seed at once (leading seed axis). Returns a dict with
    per-seed metrics, curves and the arrays the figures need (with trace=True also the outputs
    on all 20 words at every training and relearning cycle, for the animation)."""
    tr_trace, rl_trace = ([], []) if trace else (None, None)
    rngs = [np.random.default_rng(s) for s in seeds]
    datas, inits, dmgs = [], [], []
    for r in rngs:                              # fixed draw order per seed: data, init, damage
        datas.append(make_data(r, cfg))
        inits.append(init_params(r, cfg))
        dmgs.append(draw_damage(r, cfg, inits[-1]))
    X = np.stack([d["X"] for d in datas])
    T = np.stack([d["T"] for d in datas])
    held = np.stack([d["heldout"] for d in datas])
    trained = np.stack([np.setdiff1d(np.arange(N_WORDS), d["heldout"]) for d in datas])
    p = stack(inits)
    damage = stack(dmgs)
    S = len(seeds)
    everyone = np.ones(S, dtype=bool)

    # stage 1: train all 20 to criterion
    used, train_curve, converged = train_to_criterion(p, X, T, held, trained, cfg, rngs,
                                                      tr_trace)
    p_trained = {k: v.copy() for k, v in p.items()}
    Y_train = outputs(p, X, cfg, rngs, everyone)

    # stage 2: damage
    p_dam, keep = apply_damage(p_trained, damage, cfg)

    # stage 3: relearn the 18 only (the held-out rows are removed from the arrays here)
    X18 = np.take_along_axis(X, trained[:, :, None], axis=1)
    T18 = np.take_along_axis(T, trained[:, :, None], axis=1)
    p_rel = {k: v.copy() for k, v in p_dam.items()}

    evaluated = []                              # outputs after 0, 1, ..., R relearning cycles

    def evaluate(q):
        evaluated[:] = evaluated[:1] + [outputs(q, X, cfg, rngs, everyone)]
        if rl_trace is not None:
            rl_trace.append(evaluated[-1])
        return curve_point(evaluated[-1], T, held, trained)

    keep_perm = keep if (cfg["damage"] == "zero" and cfg["permanent"]) else None
    relearn_curve = relearn(p_rel, X18, T18, cfg, rngs, keep_perm, evaluate)

    # stage 4: test (the same evaluations as the ends of the relearning curve)
    Y_dam, Y_rel = evaluated[0], evaluated[-1]
    Ys = {"post_train": Y_train, "post_damage": Y_dam, "post_relearn": Y_rel}
    per_seed = []
    for s in range(S):
        per_seed.append(seed_metrics(seeds[s], datas[s], Ys, s, used[s], converged[s],
                                     train_curve[s, :used[s] + 1], relearn_curve[s], cfg))
    return {"per_seed": per_seed, "X": X, "T": T, "held": held, "trained": trained,
            "datas": datas, "params": {"init": stack(inits), "post_train": p_trained,
                                       "post_damage": p_dam, "post_relearn": p_rel},
            "damage": damage, "keep": keep, "Y": Ys,
            "train_curve": train_curve, "relearn_curve": relearn_curve, "used": used,
            "trace": {"train": tr_trace, "relearn": rl_trace}}


def seed_metrics(seed, data, Ys, s, used, converged, train_curve, relearn_curve, cfg):
    """All scalar metrics and curves of one seed (plain Python types)."""
    T, h = data["T"], data["heldout"]
    tr = np.setdiff1d(np.arange(N_WORDS), h)
    m = {"seed": int(seed), "train_cycles_used": int(used), "converged": bool(converged),
         "words": data["words"], "heldout_words": [data["words"][i] for i in h]}
    m.update(overlap_stats(data))
    pattern_acc = {}
    for st in STAGES:
        Y = Ys[st][s]
        for name, idx in (("heldout", h), ("trained", tr)):
            m[f"{name}_bit_acc_{st}"] = float(((Y[idx] > 0.5) == (T[idx] > 0.5)).mean())
            m[f"{name}_mae_{st}"] = float(np.abs(Y[idx] - T[idx]).mean())
        m[f"heldout_control_bit_acc_{st}"] = float(control_acc(Y[None], T[None], h[None])[0])
        thr = ((Y[h] > 0.5) == (T[h] > 0.5)).all(1).mean()
        d2 = ((Y[h][:, None, :] - T[None]) ** 2).sum(-1)          # (2, 20) distance to meanings
        near = (d2.argmin(1) == h).mean()
        m[f"heldout_pattern_acc_threshold_{st}"] = float(thr)
        m[f"heldout_pattern_acc_nearest_{st}"] = float(near)
        pattern_acc[f"threshold_{st}"] = float(thr)
        pattern_acc[f"nearest_{st}"] = float(near)
    m["heldout_pattern_acc"] = pattern_acc
    hacc = relearn_curve[:, 1]
    m["recovery_pp"] = 100.0 * (m["heldout_bit_acc_post_relearn"]
                                - m["heldout_bit_acc_post_damage"])
    m["control_recovery_pp"] = 100.0 * (m["heldout_control_bit_acc_post_relearn"]
                                        - m["heldout_control_bit_acc_post_damage"])
    m["specific_recovery_pp"] = m["recovery_pp"] - m["control_recovery_pp"]
    m["recovery_mae"] = m["heldout_mae_post_damage"] - m["heldout_mae_post_relearn"]
    m["peak_cycle"] = int(np.argmax(hacc))
    m["peak_recovery_pp"] = float(100.0 * (hacc.max() - hacc[0]))
    k = cfg["transfer_k"]
    d_held = relearn_curve[0, 3] - relearn_curve[k, 3]
    d_tr = relearn_curve[0, 2] - relearn_curve[k, 2]
    m["heldout_mae_gain_k"] = float(d_held)
    m["trained_mae_gain_k"] = float(d_tr)
    m["transfer_ratio"] = float(d_held / d_tr) if abs(d_tr) > 1e-12 else float("nan")
    m["curves"] = {"train": {c: train_curve[:, i].tolist() for i, c in enumerate(CURVE_COLS)},
                   "relearn": {c: relearn_curve[:, i].tolist() for i, c in enumerate(CURVE_COLS)}}
    return m


SCALAR_KEYS = (
    [f"{g}_{q}_{st}" for q in ("bit_acc", "mae") for g in ("heldout", "trained") for st in STAGES]
    + [f"heldout_pattern_acc_{d}_{st}" for d in ("threshold", "nearest") for st in STAGES]
    + [f"heldout_control_bit_acc_{st}" for st in STAGES]
    + ["recovery_pp", "control_recovery_pp", "specific_recovery_pp", "recovery_mae",
       "peak_recovery_pp", "peak_cycle", "transfer_ratio",
       "train_cycles_used", "meaning_overlap_mean", "heldout_meaning_overlap",
       "heldout_meaning_overlap_max", "heldout_word_overlap"])


def describe(values):
    """mean, std (ddof=1), min, max and a normal-approximation 95% interval of the mean."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    n = len(v)
    if n == 0:
        return {"n": 0}
    mean = float(v.mean())
    std = float(v.std(ddof=1)) if n > 1 else 0.0
    half = 1.96 * std / np.sqrt(n)
    return {"n": n, "mean": mean, "std": std, "min": float(v.min()), "max": float(v.max()),
            "ci95": [mean - half, mean + half], "median": float(np.median(v))}


def summarize(per_seed):
    """Sweep summary: description of every scalar, positive-recovery fraction, pooled transfer
    ratio, recovery-vs-overlap correlations and overlap terciles."""
    col = {k: np.array([m[k] for m in per_seed], dtype=float) for k in SCALAR_KEYS}
    summ = {k: describe(v) for k, v in col.items()}
    rec = col["recovery_pp"]
    n = len(rec)
    summ["frac_recovery_positive"] = float((rec > 0).mean())
    summ["frac_recovery_negative"] = float((rec < 0).mean())
    summ["frac_specific_positive"] = float((col["specific_recovery_pp"] > 0).mean())
    summ["frac_peak_recovery_positive"] = float((col["peak_recovery_pp"] > 0).mean())
    summ["frac_recovery_mae_positive"] = float((col["recovery_mae"] > 0).mean())
    summ["frac_converged"] = float(np.mean([m["converged"] for m in per_seed]))
    dh = np.array([m["heldout_mae_gain_k"] for m in per_seed])
    dt = np.array([m["trained_mae_gain_k"] for m in per_seed])
    summ["transfer_ratio_pooled"] = float(dh.mean() / dt.mean()) if abs(dt.mean()) > 1e-12 else None
    summ["frac_transfer_positive"] = float((dh > 0).mean())
    corr = {}
    for k in ("heldout_meaning_overlap", "heldout_meaning_overlap_max", "heldout_word_overlap"):
        x = col[k]
        corr[k] = (float(np.corrcoef(x, rec)[0, 1])
                   if n > 2 and x.std() > 0 and rec.std() > 0 else None)
    summ["corr_recovery_vs_overlap"] = corr
    if n >= 6:
        x = col["heldout_meaning_overlap"]
        order = np.argsort(x, kind="stable")
        terc = []
        for part in np.array_split(order, 3):
            terc.append({"overlap_lo": float(x[part].min()), "overlap_hi": float(x[part].max()),
                         "n": int(len(part)), "recovery_pp_mean": float(rec[part].mean()),
                         "frac_positive": float((rec[part] > 0).mean())})
        summ["recovery_by_overlap_tercile"] = terc
    return summ


# ----------------------------------------------------------------------------------------------
# analyses
# ----------------------------------------------------------------------------------------------
CONDITIONS = [(a, d, s) for a in ("backprop", "boltzmann")
              for d in ("noise", "zero", "zero_permanent", "shrink")
              for s in ("random", "prototype")]


def run_conditions(seeds, cfg, algos=("backprop", "boltzmann")):
    """The sweep for every learner x damage model x sememe kind (other flags unchanged, except
    each learner's own defaults)."""
    rows = []
    for algo, dmg, sem in [c for c in CONDITIONS if c[0] in algos]:
        c = dict(cfg, algo=algo, damage=dmg.split("_")[0], permanent=dmg.endswith("permanent"),
                 sememes=sem)
        if algo != cfg["algo"]:
            c.update({k: None for k in ALGO_DEFAULTS})
        c = resolve(c)
        t0 = time.time()
        res = run_batch(seeds, c)
        s = summarize(res["per_seed"])
        rows.append({"algo": algo, "damage": dmg, "sememes": sem,
                     "recovery_pp": s["recovery_pp"], "peak_recovery_pp": s["peak_recovery_pp"],
                     "frac_recovery_positive": s["frac_recovery_positive"],
                     "frac_recovery_negative": s["frac_recovery_negative"],
                     "transfer_ratio_pooled": s["transfer_ratio_pooled"],
                     "frac_transfer_positive": s["frac_transfer_positive"],
                     "heldout_bit_acc_post_damage": s["heldout_bit_acc_post_damage"]["mean"],
                     "heldout_bit_acc_post_relearn": s["heldout_bit_acc_post_relearn"]["mean"],
                     "specific_recovery_pp": s["specific_recovery_pp"],
                     "frac_converged": s["frac_converged"], "wallclock_s": time.time() - t0,
                     "per_seed_recovery_pp": [m["recovery_pp"] for m in res["per_seed"]],
                     "per_seed_specific_recovery_pp": [m["specific_recovery_pp"]
                                                       for m in res["per_seed"]]})
    return rows


SIZE_FLAG = {"noise": "noise_scale", "zero": "fraction", "shrink": "shrink"}


def run_heatmap(seeds, cfg):
    """Mean recovery (pp) over damage size x relearning length. One batched sweep per damage
    size, run for max(lengths) relearning cycles; shorter lengths are read off the curve."""
    lengths = cfg["lengths"]
    c = dict(cfg, relearn_cycles=max(lengths))
    grid, frac, sgrid, sfrac = [], [], [], []
    for size in cfg["sizes"]:
        c2 = dict(c, **{SIZE_FLAG[cfg["damage"]]: size})
        res = run_batch(seeds, c2)
        h = res["relearn_curve"][:, :, 1]                      # (S, R+1) held-out bit accuracy
        ctl = res["relearn_curve"][:, :, 4]                    # (S, R+1) control accuracy
        gain = 100.0 * (h[:, lengths] - h[:, :1])              # (S, len(lengths))
        spec = gain - 100.0 * (ctl[:, lengths] - ctl[:, :1])
        grid.append(gain.mean(0).tolist())
        frac.append((gain > 0).mean(0).tolist())
        sgrid.append(spec.mean(0).tolist())
        sfrac.append((spec > 0).mean(0).tolist())
    return {"sizes": list(cfg["sizes"]), "lengths": list(lengths), "damage": cfg["damage"],
            "mean_recovery_pp": grid, "frac_positive": frac,
            "mean_specific_recovery_pp": sgrid, "frac_specific_positive": sfrac}


# ----------------------------------------------------------------------------------------------
# CLI
# ----------------------------------------------------------------------------------------------
# learner-dependent defaults (a flag left unset takes the value for the chosen --algo)
ALGO_DEFAULTS = {
    "lr":               {"backprop": 0.5,   "boltzmann": 2.0},
    "momentum":         {"backprop": 0.9,   "boltzmann": 0.5},
    "relearn_lr":       {"backprop": 0.3,   "boltzmann": 0.5},
    "relearn_momentum": {"backprop": 0.0,   "boltzmann": 0.0},
    "train_cycles":     {"backprop": 3000,  "boltzmann": 1000},
    "criterion":        {"backprop": 0.2,   "boltzmann": 0.5},
    "init_scale":       {"backprop": 0.5,   "boltzmann": 0.1},
}


def resolve(cfg):
    """Fill learner-dependent defaults and derived entries."""
    cfg = dict(cfg)
    for k, d in ALGO_DEFAULTS.items():
        if cfg.get(k) is None:
            cfg[k] = d[cfg["algo"]]
    cfg["bm_temps"] = parse_schedule(cfg["bm_schedule"])
    return cfg


def _type(kind, lo=None, hi=None, lo_open=False, hi_open=False):
    def f(text):
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid {kind.__name__} value: {text!r}")
        if kind is float and not np.isfinite(v):
            raise argparse.ArgumentTypeError(f"must be finite, got {text!r}")
        if lo is not None and (v <= lo if lo_open else v < lo):
            raise argparse.ArgumentTypeError(
                f"must be {'>' if lo_open else '>='} {lo}, got {text!r}")
        if hi is not None and (v >= hi if hi_open else v > hi):
            raise argparse.ArgumentTypeError(
                f"must be {'<' if hi_open else '<='} {hi}, got {text!r}")
        return v
    return f


def _list(kind, lo=None, hi=None):
    one = _type(kind, lo, hi)

    def f(text):
        items = [one(t) for t in text.split(",") if t.strip()]
        if not items:
            raise argparse.ArgumentTypeError("empty list")
        return items
    return f


def _schedule(text):
    try:
        parse_schedule(text)
    except (ValueError, TypeError):
        raise argparse.ArgumentTypeError(
            f"expected N@T[,N@T...] with N >= 1 sweeps at temperature T > 0, got {text!r}")
    return text


def _words(text):
    ws = [w.strip() for w in text.split(",")]
    if len(ws) != N_HELDOUT or len(set(ws)) != N_HELDOUT or any(
            len(w) != N_POS or any(c not in ALPHABET for c in w) for w in ws):
        raise argparse.ArgumentTypeError(
            f"expected {N_HELDOUT} distinct 3-letter words over '{ALPHABET}', got {text!r}")
    return ws


def build_parser():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    nonneg_f, pos_f = _type(float, 0.0), _type(float, 0.0, lo_open=True)
    ap.add_argument("--seed", type=_type(int, 0), default=0, help="random seed")
    ap.add_argument("--sweep", type=_type(int, 1), default=None, help="run seeds 0..N-1 batched")
    ap.add_argument("--first-seed", type=_type(int, 0), default=0,
                    help="with --sweep: run seeds F..F+N-1 instead (validation on fresh seeds)")
    ap.add_argument("--json", default=None, help="write results to this JSON file")
    ap.add_argument("--quiet", action="store_true", help="print only the summary line(s)")
    ap.add_argument("--analysis", choices=("none", "conditions", "heatmap"), default="none",
                    help="conditions: sweep every learner x damage x sememe kind; heatmap: "
                         "mean recovery over damage size x relearning length")
    g = ap.add_argument_group("data")
    g.add_argument("--sememes", choices=("random", "prototype"), default="random")
    g.add_argument("--density", type=_type(float, 0.0, 1.0, lo_open=True, hi_open=True),
                   default=0.5, help="P(sememe bit on) for random meanings")
    g.add_argument("--prototypes", type=_type(int, 1), default=4, help="K prototypes")
    g.add_argument("--proto-k", type=_type(int, 1), default=2, help="k prototypes OR-ed per word")
    g.add_argument("--proto-density", type=_type(float, 0.0, 1.0, lo_open=True, hi_open=True),
                   default=0.2, help="P(bit on) in a prototype")
    g.add_argument("--flip", type=_type(float, 0.0, 0.5), default=0.05, help="bit-flip rate")
    g.add_argument("--heldout", type=_words, default=None,
                   help="name the 2 held-out words, e.g. 'abc,def' (default: chosen by seed)")
    g = ap.add_argument_group("learner")
    g.add_argument("--algo", choices=("backprop", "boltzmann"), default="backprop")
    g.add_argument("--hidden", type=_type(int, 1), default=20, help="intermediate units")
    g.add_argument("--init-scale", type=nonneg_f, default=None,
                   help="initial weights U(-a, a) (bp 0.5, bm 0.1)")
    g.add_argument("--lr", type=pos_f, default=None, help="stage-1 learning rate (bp 0.5, bm 2)")
    g.add_argument("--momentum", type=_type(float, 0.0, 1.0, hi_open=True), default=None,
                   help="stage-1 momentum (bp 0.9, bm 0.5)")
    g.add_argument("--weight-decay", type=nonneg_f, default=0.0, help="L2 on weights")
    g.add_argument("--train-cycles", type=_type(int, 1), default=None,
                   help="max stage-1 cycles (bp 3000, bm 1000)")
    g.add_argument("--criterion", type=_type(float, 0.0, 1.0, lo_open=True), default=None,
                   help="stage 1 stops when every bit is within this of its target "
                        "(bp 0.2, bm 0.5)")
    g.add_argument("--bm-schedule", type=_schedule, default="2@8,2@4,2@2,2@1.5",
                   help="annealing schedule, sweeps@temperature")
    g.add_argument("--bm-stat-sweeps", type=_type(int, 1), default=10,
                   help="Gibbs sweeps at the final temperature that collect statistics")
    g.add_argument("--bm-eval-sweeps", type=_type(int, 1), default=50,
                   help="sweeps at the final temperature averaged for the reported outputs")
    g = ap.add_argument_group("damage")
    g.add_argument("--damage", choices=("noise", "zero", "shrink"), default="noise")
    g.add_argument("--fraction", type=_type(float, 0.0, 1.0), default=0.5,
                   help="fraction of weights zeroed (--damage zero)")
    g.add_argument("--permanent", action="store_true",
                   help="zeroed weights stay zero in relearning")
    g.add_argument("--noise-scale", type=nonneg_f, default=0.5,
                   help="noise std relative to each weight matrix's RMS (--damage noise)")
    g.add_argument("--noise-dist", choices=("gaussian", "uniform"), default="uniform")
    g.add_argument("--shrink", type=_type(float, 0.0, 1.0), default=0.5,
                   help="fraction by which every weight decays towards zero (--damage shrink)")
    g.add_argument("--damage-biases", action="store_true", help="damage the biases too")
    g = ap.add_argument_group("relearning and metrics")
    g.add_argument("--relearn-cycles", type=_type(int, 1), default=30, help="R relearning cycles")
    g.add_argument("--relearn-lr", type=pos_f, default=None, help="(bp 0.3, bm 0.5)")
    g.add_argument("--relearn-momentum", type=_type(float, 0.0, 1.0, hi_open=True), default=None,
                   help="(bp 0, bm 0)")
    g.add_argument("--transfer-k", type=_type(int, 1), default=5,
                   help="cycles over which the transfer ratio is measured")
    g.add_argument("--sizes", type=_list(float, 0.0), default=None,
                   help="heatmap damage sizes (noise scales or zero fractions)")
    g.add_argument("--lengths", type=_list(int, 1), default=[1, 2, 5, 10, 20, 50, 100, 200],
                   help="heatmap relearning lengths (cycles)")
    return ap


def run_seeds(args):
    if args.sweep:
        return list(range(args.first_seed, args.first_seed + args.sweep))
    return [args.seed]


def parse_config(argv=None):
    ap = build_parser()
    args = ap.parse_args(argv)
    cfg = {k: v for k, v in vars(args).items()
           if k not in ("seed", "sweep", "json", "quiet", "first_seed")}
    if args.transfer_k > args.relearn_cycles:
        ap.error(f"argument --transfer-k: must be <= --relearn-cycles ({args.relearn_cycles})")
    if args.proto_k > args.prototypes:
        ap.error(f"argument --proto-k: must be <= --prototypes ({args.prototypes})")
    if args.sizes is None:
        cfg["sizes"] = ([0.25, 0.5, 0.75, 1.0, 1.5, 2.0] if args.damage == "noise"
                        else [0.1, 0.3, 0.5, 0.7, 0.9])
    elif args.damage != "noise" and max(args.sizes) > 1:
        ap.error("argument --sizes: fractions (zero, shrink) must lie in [0, 1]")
    cfg = resolve(cfg)
    if args.heldout is not None:
        for s in run_seeds(args):
            try:
                make_data(np.random.default_rng(s), cfg)
            except KeyError as e:
                words = make_data(np.random.default_rng(s), dict(cfg, heldout=None))["words"]
                ap.error(f"argument --heldout: {e.args[0]} is not among the words of seed {s}: "
                         + ",".join(words))
    return ap, args, cfg


def public_config(cfg):
    return {k: v for k, v in cfg.items() if not k.startswith("_") and k != "bm_temps"}


def to_py(o):
    if isinstance(o, dict):
        return {str(k): to_py(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [to_py(v) for v in o]
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating, float)):
        return None if not np.isfinite(o) else float(o)
    if isinstance(o, np.bool_):
        return bool(o)
    if isinstance(o, np.ndarray):
        return to_py(o.tolist())
    return o


def write_json_atomic(path, obj):
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp_", suffix=".json")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(to_py(obj), f, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def fmt_cfg(cfg):
    s = (f"algo={cfg['algo']} sememes={cfg['sememes']} damage={cfg['damage']} ")
    s += {"noise": f"noise_scale={cfg['noise_scale']} ({cfg['noise_dist']})",
          "zero": f"fraction={cfg['fraction']} permanent={cfg['permanent']}",
          "shrink": f"shrink={cfg['shrink']}"}[cfg["damage"]]
    s += f" relearn_cycles={cfg['relearn_cycles']} relearn_lr={cfg['relearn_lr']}"
    return s


def print_single(m, cfg):
    print(f"seed {m['seed']}: {fmt_cfg(cfg)}")
    print(f"words {' '.join(m['words'])}; held out: {' '.join(m['heldout_words'])}; "
          f"mean pairwise meaning overlap {m['meaning_overlap_mean']:.3f}")
    print(f"stage 1: {'reached' if m['converged'] else 'did NOT reach'} criterion "
          f"{cfg['criterion']} in {m['train_cycles_used']} cycles")
    print(f"{'stage':<14}{'trained-18 bit acc':>20}{'held-out-2 bit acc':>20}"
          f"{'trained MAE':>13}{'held-out MAE':>14}")
    for st in STAGES:
        print(f"{st:<14}{100 * m[f'trained_bit_acc_{st}']:>19.1f}%"
              f"{100 * m[f'heldout_bit_acc_{st}']:>19.1f}%"
              f"{m[f'trained_mae_{st}']:>13.3f}{m[f'heldout_mae_{st}']:>14.3f}")
    print(f"held-out pattern acc post-relearn: threshold "
          f"{100 * m['heldout_pattern_acc_threshold_post_relearn']:.0f}%, nearest meaning "
          f"{100 * m['heldout_pattern_acc_nearest_post_relearn']:.0f}% "
          f"(post-damage {100 * m['heldout_pattern_acc_nearest_post_damage']:.0f}%)")


def headline_single(m, cfg):
    return (f"recovery_pp {m['recovery_pp']:+.1f} (held-out bit acc "
            f"{100 * m['heldout_bit_acc_post_damage']:.1f}% -> "
            f"{100 * m['heldout_bit_acc_post_relearn']:.1f}%), peak {m['peak_recovery_pp']:+.1f} "
            f"at cycle {m['peak_cycle']}, transfer ratio (k={cfg['transfer_k']}) "
            f"{m['transfer_ratio']:.2f}")


def headline_sweep(s, seeds):
    r = s["recovery_pp"]
    tp = s["transfer_ratio_pooled"]
    sp = s["specific_recovery_pp"]
    return (f"sweep seeds {seeds[0]}-{seeds[-1]}: recovery_pp mean {r['mean']:+.2f} "
            f"95% CI [{r['ci95'][0]:+.2f}, {r['ci95'][1]:+.2f}] std {r['std']:.2f} "
            f"min {r['min']:+.1f} max {r['max']:+.1f}; positive in "
            f"{100 * s['frac_recovery_positive']:.0f}% of seeds, negative in "
            f"{100 * s['frac_recovery_negative']:.0f}%; pooled transfer ratio "
            + (f"{tp:.2f}" if tp is not None else "n/a")
            + f"; specific recovery {sp['mean']:+.2f} [{sp['ci95'][0]:+.2f}, {sp['ci95'][1]:+.2f}]"
            f", positive in {100 * s['frac_specific_positive']:.0f}%")


def print_sweep(s, n):
    print(f"{'metric':<44}{'mean':>9}{'std':>8}{'min':>8}{'max':>8}{'95% CI':>20}")
    for k in SCALAR_KEYS:
        d = s[k]
        if d.get("n", 0) == 0:
            continue
        print(f"{k:<44}{d['mean']:>9.3f}{d['std']:>8.3f}{d['min']:>8.3f}{d['max']:>8.3f}"
              f"   [{d['ci95'][0]:.3f}, {d['ci95'][1]:.3f}]")
    print(f"converged: {100 * s['frac_converged']:.0f}% of seeds; peak recovery > 0 in "
          f"{100 * s['frac_peak_recovery_positive']:.0f}%; held-out MAE improves over the first "
          f"k cycles in {100 * s['frac_transfer_positive']:.0f}%, over the whole relearning in "
          f"{100 * s['frac_recovery_mae_positive']:.0f}%")
    c = s["corr_recovery_vs_overlap"]
    print("overlap: corr(recovery, " + ", ".join(
        f"{k}) {v:+.2f}" if v is not None else f"{k}) n/a" for k, v in c.items()))
    for t in s.get("recovery_by_overlap_tercile", []):
        print(f"  held-out meaning overlap {t['overlap_lo']:.3f}-{t['overlap_hi']:.3f} "
              f"(n={t['n']}): recovery {t['recovery_pp_mean']:+.2f} pp, positive "
              f"{100 * t['frac_positive']:.0f}%")


def print_conditions(rows, n):
    print(f"conditions, {n} seeds each: recovery_pp mean [95% CI], % of seeds positive / "
          f"negative, mean peak, pooled transfer ratio, specific recovery, held-out bit acc")
    for r in rows:
        rp, sp = r["recovery_pp"], r["specific_recovery_pp"]
        tp = r["transfer_ratio_pooled"]
        print(f"{r['algo']:<10}{r['damage']:<15}{r['sememes']:<10}{rp['mean']:+6.2f} "
              f"[{rp['ci95'][0]:+6.2f}, {rp['ci95'][1]:+6.2f}] "
              f"{100 * r['frac_recovery_positive']:3.0f}%/{100 * r['frac_recovery_negative']:2.0f}%"
              f"  peak {r['peak_recovery_pp']['mean']:+6.2f}"
              f"  transfer " + (f"{tp:+.2f}" if tp is not None else "  n/a")
              + f"  specific {sp['mean']:+6.2f}"
              f"  {100 * r['heldout_bit_acc_post_damage']:.1f}% -> "
              f"{100 * r['heldout_bit_acc_post_relearn']:.1f}%"
              f"  conv {100 * r['frac_converged']:.0f}%  ({r['wallclock_s']:.1f} s)")


def print_heatmap(hm):
    what = {"noise": "noise scale", "zero": "zero fraction", "shrink": "shrink"}[hm["damage"]]
    for key, label in (("mean_recovery_pp", "mean recovery (pp)"),
                       ("mean_specific_recovery_pp", "mean specific recovery (pp)"),
                       ("frac_specific_positive", "fraction of seeds with specific recovery > 0")):
        print(f"{label} of the held-out 2, {what} (rows) x relearning cycles (columns)")
        print(f"{what:>14}" + "".join(f"{L:>8d}" for L in hm["lengths"]))
        for size, row in zip(hm["sizes"], hm[key]):
            print(f"{size:>14.2f}" + "".join(f"{v:>+8.2f}" for v in row))


def main(argv=None):
    ap, args, cfg = parse_config(argv)
    t0 = time.time()
    seeds = run_seeds(args)
    out = {"experiment": "grapheme_sememe", "config": public_config(cfg),
           "versions": {"python": platform.python_version(), "numpy": np.__version__}}
    if args.json:
        d = os.path.dirname(os.path.abspath(args.json))
        if not os.path.isdir(d) or not os.access(d, os.W_OK):
            ap.error(f"argument --json: cannot write to directory {d}")
    try:
        if args.analysis == "conditions":
            rows = run_conditions(seeds, cfg)
            out.update(seeds=seeds, metrics={"conditions": rows})
            print_conditions(rows, len(seeds))
        elif args.analysis == "heatmap":
            hm = run_heatmap(seeds, cfg)
            out.update(seeds=seeds, metrics={"heatmap": hm})
            print_heatmap(hm)
        else:
            res = run_batch(seeds, cfg)
            per = res["per_seed"]
            if args.sweep:
                summ = summarize(per)
                metrics = {k: summ[k]["mean"] for k in SCALAR_KEYS if summ[k].get("n")}
                metrics["heldout_pattern_acc"] = {
                    k.replace("heldout_pattern_acc_", ""): summ[k]["mean"] for k in SCALAR_KEYS
                    if k.startswith("heldout_pattern_acc_")}
                metrics["curves_mean"] = {
                    "relearn": {c: res["relearn_curve"][:, :, i].mean(0).tolist()
                                for i, c in enumerate(CURVE_COLS)}}
                out.update(seeds=seeds, metrics=metrics, summary=summ, per_seed=per)
                if not args.quiet:
                    print(fmt_cfg(cfg))
                    print_sweep(summ, len(seeds))
                print(headline_sweep(summ, seeds))
            else:
                m = per[0]
                out.update(seed=args.seed, metrics=m)
                if not args.quiet:
                    print_single(m, cfg)
                print(headline_single(m, cfg))
    except Diverged as e:
        print(f"error: training diverged: {e}", file=sys.stderr)
        return 1
    out["wallclock_s"] = time.time() - t0
    if not args.quiet:
        print(f"wall-clock {out['wallclock_s']:.2f} s")
    if args.json:
        try:
            write_json_atomic(args.json, out)
        except OSError as e:
            print(f"error: cannot write {args.json}: {e.strerror}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
