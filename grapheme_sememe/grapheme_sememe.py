"""Damage, relearning and spontaneous recovery (Hinton & Sejnowski 1986, PDP vol. 1 ch. 7).

A 30-20-30 network learns 20 word -> meaning associations (3-letter words, one-hot per letter
position: 30 grapheme units; 30-bit meanings: sememe units); its weights are damaged, it
relearns 18 of the 20, and we measure whether the 2 never relearned come back, in bits and in
words (nearest meaning among the 20). Learners, vectorised over patterns and seeds: the
chapter's Boltzmann machine (Gibbs sampling, annealing to T = 1, dw ~ <s_i s_j>+ - <s_i s_j>-)
and a logistic MLP trained by hand-written backprop. Damage: noise on every weight, zeroing a
fraction of them (optionally for good), or shrinking them all towards zero.

`--seed S` prints bits and words (held-out 2, trained 18) after training, damage and
relearning, and a headline line with the share of the loss regained; `--sweep N` the same for
seeds 0..N-1 (one batch) as means with 95% intervals. Studies: studies_grapheme_sememe.py.
"""
import argparse
import copy
import json
import os
import sys
import tempfile
import time

# single-threaded BLAS: the arrays are small and threads only contend on a shared 2-core machine
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

# ---- the chapter's network and task ----------------------------------------------------------
N_LETTERS, N_POS = 10, 3        # paper: 3 letter positions x 10 possible letters
N_IN = N_LETTERS * N_POS        # paper: 30 grapheme units
N_HIDDEN = 20                   # paper: 20 intermediate units
N_OUT = 30                      # paper: 30 sememe units
N_WORDS, N_HELDOUT = 20, 2      # paper: 20 associations, 2 of them never relearned
ALPHABET = "abcdefghij"
STAGES = ("post_train", "post_damage", "post_relearn")

# ---- our choices for what the chapter leaves open (README "Deviations") ----------------------
DENSITY = 0.5                   # ours: P(sememe bit on) of a random meaning
DAMAGE = "noise"                # ours: isotropic uniform noise on every weight (biases intact)
FRACTION, SHRINK = 0.5, 0.5     # ours: zeroed fraction / shrink factor of the other damages
RELEARN_CYCLES = 30             # ours: full-batch relearning cycles on the 18
MAX_WEIGHT = 1e6                # |w| beyond this: the learner has diverged
MIN_LOST = (100 / 60, 0.1)      # a share needs >= 1 of 60 bits / 0.1 of 2 words lost per seed
MAX_SWEEP = 1000                # seeds in one batched computation (memory of the sampler)

# each learner's values; noise_scale is chosen so that about half the held-out words are lost
BACKPROP = dict(init_scale=0.5, lr=0.5, momentum=0.9, train_cycles=3000, criterion=0.2,
                relearn_lr=0.3, relearn_momentum=0.0, noise_scale=1.0)
BOLTZMANN = dict(init_scale=0.1, lr=0.4, momentum=0.8, train_cycles=3000, criterion=0.3,
                 relearn_lr=0.4, relearn_momentum=0.0, noise_scale=0.5,
                 bm_schedule="2@8,2@4,2@2,2@1",    # ours: annealing, sweeps@temperature, to T=1
                 bm_stat_sweeps=30,                # sweeps at T = 1 that collect <s_i s_j>-
                 bm_eval_sweeps=10,                # sweeps at T = 1 averaged for the outputs
                 bm_step="proportional",           # or "fixed": dw = lr * sign(p+ - p-)
                 bm_intra=False)                   # links within the sememe layer
BM_EVAL_CHAINS = 5              # ours: independent chains per word averaged for the outputs
FIXED_STEP_LR = 0.02            # ours: lr (step size) default of --bm-step fixed
LEARNERS = {"backprop": BACKPROP, "boltzmann": BOLTZMANN}


class Diverged(RuntimeError):
    """The weights stopped being finite or exceeded MAX_WEIGHT."""


# ---- data: one generator per seed, draws in a fixed order (data, initial weights, damage) ----
def make_meanings(rng, density):
    """20 distinct, non-empty random 30-bit meanings (20, 30) in {0, 1}."""
    while True:
        T = rng.random((N_WORDS, N_OUT)) < density
        if T.sum(1).min() > 0 and len({row.tobytes() for row in T}) == N_WORDS:
            return T.astype(float)


def make_seed(rng, cfg):
    """One seed: words, inputs X (20, 30), meanings T (20, 30), held-out pair, weights, damage."""
    codes = rng.choice(N_LETTERS ** N_POS, N_WORDS, replace=False)       # 20 distinct words
    digits = codes[:, None] // N_LETTERS ** np.arange(N_POS - 1, -1, -1) % N_LETTERS  # (20, 3)
    X = (np.arange(N_IN) == (digits + N_LETTERS * np.arange(N_POS))[:, :, None]).any(1) * 1.0
    T = make_meanings(rng, cfg["density"])
    held = np.sort(rng.choice(N_WORDS, N_HELDOUT, replace=False))
    a = cfg["init_scale"]                                           # initial weights U(-a, a)
    p = {"W1": rng.uniform(-a, a, (N_IN, N_HIDDEN)), "b1": np.zeros(N_HIDDEN),
         "W2": rng.uniform(-a, a, (N_HIDDEN, N_OUT)), "b2": np.zeros(N_OUT)}
    if cfg.get("bm_intra"):
        p["L"] = np.zeros((N_OUT, N_OUT))          # symmetric sememe-sememe links, zero diagonal
    noise = {k: rng.uniform(-np.sqrt(3), np.sqrt(3), p[k].shape) for k in ("W1", "W2")}
    cut = {k: rng.random(p[k].shape) for k in ("W1", "W2")}     # zeroed where cut < fraction
    words = ["".join(ALPHABET[c] for c in d) for d in digits]
    return {"X": X, "T": T, "held": held, "words": words, "params": p, "noise": noise, "cut": cut}


# ---- damage (leading seed axis S on every array) ---------------------------------------------
def apply_damage(p, noise, cut, cfg):
    """Damaged copy of p (W1 and W2 only; biases intact) and keep-masks of zeroed arrays."""
    new, keep = {k: v.copy() for k, v in p.items()}, {}
    for k in noise:
        if cfg["damage"] == "noise":
            rms = np.sqrt((p[k] ** 2).mean((1, 2), keepdims=True))   # per seed and matrix
            new[k] = p[k] + cfg["noise_scale"] * rms * noise[k]
        elif cfg["damage"] == "zero":
            keep[k] = (cut[k] >= cfg["fraction"]).astype(float)
            new[k] = p[k] * keep[k]
        else:                                      # shrink: decay towards zero
            new[k] = p[k] * (1.0 - cfg["shrink"])
    return new, keep


# ---- backprop learner: logistic 30-20-30 MLP, cross-entropy ----------------------------------
def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def bp_forward(p, X):
    """X (S, P, 30) -> output (S, P, 30)."""
    return sigmoid(sigmoid(X @ p["W1"] + p["b1"][:, None]) @ p["W2"] + p["b2"][:, None])


def bp_loss_and_grads(p, X, T, weight_decay=0.0):
    """Per-seed loss (S,) = mean over patterns of the summed bit cross-entropy
    + weight_decay / 2 |W|^2, and its gradient for every parameter array."""
    P = X.shape[1]                                        # S seeds, P patterns, H hidden
    Hd = sigmoid(X @ p["W1"] + p["b1"][:, None])          # (S, P, H) hidden activities
    Z = Hd @ p["W2"] + p["b2"][:, None]                    # (S, P, 30) output logits
    ce = (np.logaddexp(0.0, Z) - T * Z).sum((1, 2)) / P   # = -t log y - (1 - t) log(1 - y)
    loss = ce + 0.5 * weight_decay * ((p["W1"] ** 2).sum((1, 2)) + (p["W2"] ** 2).sum((1, 2)))
    dZ2 = (sigmoid(Z) - T) / P                            # cross-entropy through the logistic
    dW2 = Hd.transpose(0, 2, 1) @ dZ2 + weight_decay * p["W2"]
    db2 = dZ2.sum(1)
    dH = dZ2 @ p["W2"].transpose(0, 2, 1)                 # back through W2
    dZ1 = dH * Hd * (1.0 - Hd)                            # back through the hidden logistic
    dW1 = X.transpose(0, 2, 1) @ dZ1 + weight_decay * p["W1"]
    db1 = dZ1.sum(1)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


# ---- Boltzmann learner: graphemes g clamped; hidden h, sememes m stochastic binary units -----
# E(g, h, m) = -g W1 h - h W2 m - b1 h - b2 m - sum_{k<l} L_kl m_k m_l  (L only with bm_intra)
def parse_schedule(text):
    """'2@4,2@2,4@1' -> one temperature per Gibbs sweep: [4, 4, 2, 2, 1, 1, 1, 1]."""
    pairs = [(int(n), float(t)) for n, t in (part.split("@") for part in text.split(","))]
    if not all(1 <= n <= 1000 and 0 < t < 1e6 for n, t in pairs):
        raise ValueError(text)
    return [t for n, t in pairs for _ in range(n)]


def bm_hidden_prob(p, GW, M, temp):
    """p(h_j = 1 | g, m) (S, P, H); GW = g W1 + b1 (constant within a phase), M (S, P, 30)."""
    return sigmoid((GW + M @ p["W2"].transpose(0, 2, 1)) / temp)


def bm_sample_sememes(p, Hs, M, temp, U):
    """Gibbs sweep over the sememes given h: as one block without links within the layer, else
    one unit at a time. Returns the states and the probabilities they were sampled from."""
    drive = Hs @ p["W2"] + p["b2"][:, None]
    if "L" not in p:
        prob = sigmoid(drive / temp)
        return (U < prob).astype(float), prob
    M, prob = M.copy(), np.empty_like(M)
    for k in range(M.shape[2]):
        prob[:, :, k] = sigmoid((drive[:, :, k] + np.einsum("spl,sl->sp", M, p["L"][:, :, k]))
                                / temp)
        M[:, :, k] = (U[:, :, k] < prob[:, :, k]).astype(float)
    return M, prob


def bm_draw(rngs, n_sweeps, P):
    """float32 uniforms, one call per seed, for n_sweeps + 1 sweeps -> (n + 1, S, P, H + 30)."""
    U = np.empty((n_sweeps + 1, len(rngs), P, N_HIDDEN + N_OUT), dtype=np.float32)
    for s, r in enumerate(rngs):
        U[:, s] = r.random((n_sweeps + 1, P, N_HIDDEN + N_OUT), dtype=np.float32)
    return U


def bm_free_phase(p, G, temps, n_stat, U):
    """Graphemes clamped, hidden and sememes free: anneal from random sememe states through
    temps, then n_stat sweeps at the last temperature collect <g h>, <h m>, <h>, <m>, <m m>
    and the per-pattern <m>, using the exact conditional probabilities where there are any."""
    (S, P, _), H = G.shape, p["W2"].shape[1]
    M = (U[0, :, :, H:] < 0.5).astype(float)
    GW = G @ p["W1"] + p["b1"][:, None]
    acc = {"gh": 0.0, "hm": 0.0, "mm": 0.0, "h": 0.0, "m": 0.0}
    for i, temp in enumerate(list(temps) + [temps[-1]] * n_stat, start=1):
        ph = bm_hidden_prob(p, GW, M, temp)
        Hs = (U[i, :, :, :H] < ph).astype(float)
        M, pm = bm_sample_sememes(p, Hs, M, temp, U[i, :, :, H:])
        if i > len(temps):                   # with sememe links, p(m | h) is not exact: use m
            mstat = M if "L" in p else pm
            acc["h"], acc["m"] = acc["h"] + ph, acc["m"] + mstat
            acc["hm"] = acc["hm"] + Hs.transpose(0, 2, 1) @ mstat
            acc["mm"] = acc["mm"] + (M.transpose(0, 2, 1) @ M if "L" in p else 0.0)
    h, m = acc["h"] / n_stat, acc["m"] / n_stat                    # (S, P, H), (S, P, 30)
    return {"gh": G.transpose(0, 2, 1) @ h / P, "hm": acc["hm"] / (n_stat * P),
            "mm": acc["mm"] / (n_stat * P), "h": h.mean(1), "m": m.mean(1), "m_mean": m}


def bm_grads(p, X, T, cfg, rngs):
    """Minus the log-likelihood gradient estimate (1/T)(<.>- - <.>+) per parameter array, and
    the free phase's per-pattern <m> (the current outputs). In the positive phase graphemes
    and sememes are clamped, so the hidden units are independent: exact expectations."""
    temps, n = cfg["bm_temps"], cfg["bm_stat_sweeps"]
    P = X.shape[1]
    neg = bm_free_phase(p, X, temps, n, bm_draw(rngs, len(temps) + n, P))
    h = bm_hidden_prob(p, X @ p["W1"] + p["b1"][:, None], T, temps[-1])    # clamped: exact
    pos = {"gh": X.transpose(0, 2, 1) @ h / P, "hm": h.transpose(0, 2, 1) @ T / P,
           "mm": T.transpose(0, 2, 1) @ T / P, "h": h.mean(1), "m": T.mean(1)}
    grads = {"W1": neg["gh"] - pos["gh"], "b1": neg["h"] - pos["h"],
             "W2": neg["hm"] - pos["hm"], "b2": neg["m"] - pos["m"]}
    if "L" in p:
        grads["L"] = (neg["mm"] - pos["mm"]) * (1.0 - np.eye(N_OUT))
    return {k: g / temps[-1] for k, g in grads.items()}, neg["m_mean"]


def bm_output(p, X, cfg, rngs):
    """Outputs (S, P, 30): the sememes' mean activity at the last temperature over
    bm_eval_sweeps sweeps, averaged over BM_EVAL_CHAINS chains per word (one chain can stay in
    one mode of a two-mode distribution)."""
    temps, n, C = cfg["bm_temps"], cfg["bm_eval_sweeps"], BM_EVAL_CHAINS
    S, P, _ = X.shape
    U = bm_draw(rngs, len(temps) + n, P * C)
    m = bm_free_phase(p, np.repeat(X, C, axis=1), temps, n, U)["m_mean"]
    return m.reshape(S, P, C, N_OUT).mean(2)


# ---- training and relearning (either learner) ------------------------------------------------
def outputs(p, X, cfg, rngs):
    return bp_forward(p, X) if cfg["algo"] == "backprop" else bm_output(p, X, cfg, rngs)


def gradients(p, X, T, cfg, rngs):
    """Gradient of the learner's objective on (X, T); for the BM also the free-phase outputs."""
    if cfg["algo"] == "backprop":
        return bp_loss_and_grads(p, X, T, cfg["weight_decay"])[1], None
    grads, Yfree = bm_grads(p, X, T, cfg, rngs)
    wd = cfg["weight_decay"]
    return {k: g + wd * p[k] if k[0] in "WL" else g for k, g in grads.items()}, Yfree


def step(p, vel, grads, lr, momentum, cfg, keep=None):
    """Momentum step (--bm-step fixed: lr * sign(-grad)); zeroed entries (keep 0) stay zero."""
    with np.errstate(over="ignore", invalid="ignore"):
        for k in p:
            g = np.sign(grads[k]) if cfg.get("bm_step") == "fixed" else grads[k]
            if keep is not None and k in keep:
                g = g * keep[k]
            vel[k] = momentum * vel[k] - lr * g
            p[k] = p[k] + vel[k]
    for k, v in p.items():
        if not np.all(np.abs(v) <= MAX_WEIGHT):          # also catches NaN
            raise Diverged(f"weights {k} exceeded {MAX_WEIGHT:g} or became NaN: "
                           "lower the learning rate")


def train_to_criterion(p, X, T, cfg, rngs, progress):
    """Stage 1 (p updated in place): learn all 20 until every output is within `criterion`
    of its target (BM: the free phase, confirmed on fresh output chains). Only seeds still
    learning are computed and draw random numbers, so a seed gives the same in a batch as
    alone. Returns the cycles used (S,) and whether each seed reached criterion (S,)."""
    S, take = X.shape[0], lambda d, i: {k: v[i] for k, v in d.items()}  # noqa: E731
    vel = {k: np.zeros_like(v) for k, v in p.items()}
    active, used = np.ones(S, bool), np.zeros(S, int)
    for cycle in range(cfg["train_cycles"] + 1):
        idx = np.flatnonzero(active)
        q, v, sub = take(p, idx), take(vel, idx), [rngs[i] for i in idx]
        grads, Y = gradients(q, X[idx], T[idx], cfg, sub)
        if Y is None:
            Y = bp_forward(q, X[idx])
        done = np.abs(Y - T[idx]).max((1, 2)) < cfg["criterion"]
        if cfg["algo"] == "boltzmann" and done.any():   # confirm on fresh evaluation chains
            ok = np.flatnonzero(done)
            Yc = bm_output(take(q, ok), X[idx[ok]], cfg, [sub[i] for i in ok])
            done[ok] = np.abs(Yc - T[idx[ok]]).max((1, 2)) < cfg["criterion"]
        active[idx[done]] = False
        if cycle == cfg["train_cycles"] or not active.any():
            break
        keep = ~done
        step(q, v, grads, cfg["lr"], cfg["momentum"], cfg)
        for k in p:
            p[k][idx[keep]], vel[k][idx[keep]] = q[k][keep], v[k][keep]
        used[idx[keep]] += 1
        progress(f"stage 1: cycle {cycle + 1}/{cfg['train_cycles']}, "
                 f"{int(active.sum())} of {S} seeds still learning")
    return used, ~active


# ---- scores: bits, words (nearest meaning among the 20), share of the loss regained --------
def scores(Y, T, held, trained):
    """Scores of outputs Y (S, 20, 30) against meanings T -> dict of (S,) arrays. bit_acc:
    bits on the right side of 0.5; word_id: the nearest of the 20 meanings (squared distance)
    is the word's own; exact: every bit right."""
    right = (Y > 0.5) == (T > 0.5)                                    # (S, 20, 30)
    own = ((Y[:, :, None] - T[:, None]) ** 2).sum(-1).argmin(-1) == np.arange(N_WORDS)
    pick = lambda a, idx: np.take_along_axis(a, idx, axis=1).mean(1)  # noqa: E731
    return {"heldout_bit_acc": pick(right.mean(-1), held), "heldout_word_id": pick(own, held),
            "trained_bit_acc": pick(right.mean(-1), trained),
            "trained_word_id": pick(own, trained), "heldout_exact": pick(right.all(-1), held)}


SCORES = ("heldout_bit_acc", "heldout_word_id", "heldout_exact", "trained_bit_acc",
          "trained_word_id")


def pooled_share(regained, lost, min_lost):
    """Share of the loss regained over seeds as a ratio of means, sum(regained) / sum(lost),
    with a delta-method 95% interval (stable where per-seed ratios are not: a seed that lost
    one bit and regained two would count 200%). None if the mean loss is below min_lost."""
    y, x = np.asarray(regained, float), np.asarray(lost, float)
    if len(x) == 0 or x.mean() < max(min_lost, 1e-12):
        return {"value": None, "ci95": [None, None], "n": len(x)}
    r, se = y.mean() / x.mean(), (y - y.mean() / x.mean() * x).std(ddof=1) / (
        np.sqrt(len(x)) * x.mean()) if len(x) > 1 else 0.0
    return {"value": float(r), "ci95": [float(r - 1.96 * se), float(r + 1.96 * se)],
            "n": len(x)}


def describe(values):
    """n, mean, std (ddof 1), min, max and a normal-approximation 95% interval of the mean."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return {"n": 0, "mean": None, "std": None, "min": None, "max": None, "ci95": [None, None]}
    m, sd = float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0
    h = 1.96 * sd / np.sqrt(len(v))
    return {"n": len(v), "mean": m, "std": sd, "min": float(v.min()), "max": float(v.max()),
            "ci95": [m - h, m + h]}


# ---- the four-stage protocol, batched over seeds ---------------------------------------------
def setup(seeds, cfg):
    """Draw every seed's task, initial weights and damage; stack them on a leading seed axis."""
    rngs = [np.random.default_rng(s) for s in seeds]
    ds = [make_seed(r, cfg) for r in rngs]
    out = {k: np.stack([d[k] for d in ds]) for k in ("X", "T", "held")}
    out.update({k: {n: np.stack([d[k][n] for d in ds]) for n in ds[0][k]}
                for k in ("params", "noise", "cut")})
    out["trained"] = np.stack([np.setdiff1d(np.arange(N_WORDS), h) for h in out["held"]])
    return dict(out, seeds=list(seeds), rngs=rngs, words=[d["words"] for d in ds])


def train(state, cfg, progress=lambda text: None):
    """Stage 1 on a setup() state; adds the trained weights and their scores."""
    p = {k: v.copy() for k, v in state["params"].items()}
    used, conv = train_to_criterion(p, state["X"], state["T"], cfg, state["rngs"], progress)
    Y = outputs(p, state["X"], cfg, state["rngs"])
    state.update(trained_params=p, used=used, converged=conv, Y_train=Y,
                 train_scores=scores(Y, state["T"], state["held"], state["trained"]))
    return state


def damage_and_relearn(state, cfg, progress=lambda text: None, fork=False, trace=False):
    """Stages 2-4: damage, relearn the 18 only, test all 20 (fork=True copies the random
    streams first, so that several damage settings can follow one training)."""
    rngs = copy.deepcopy(state["rngs"]) if fork else state["rngs"]
    X, T, held, trained = state["X"], state["T"], state["held"], state["trained"]
    p_dam, keep = apply_damage(state["trained_params"], state["noise"], state["cut"], cfg)
    p = {k: v.copy() for k, v in p_dam.items()}
    X18 = np.take_along_axis(X, trained[:, :, None], axis=1)     # the held-out rows removed
    T18 = np.take_along_axis(T, trained[:, :, None], axis=1)
    keep = keep if (cfg["damage"] == "zero" and cfg["permanent"]) else None
    vel = {k: np.zeros_like(v) for k, v in p.items()}
    ys = [outputs(p, X, cfg, rngs)]                 # outputs on all 20: evaluation only
    curve = [scores(ys[0], T, held, trained)]
    for c in range(cfg["relearn_cycles"]):          # stage 3: relearn ONLY the 18
        grads, _ = gradients(p, X18, T18, cfg, rngs)
        step(p, vel, grads, cfg["relearn_lr"], cfg["relearn_momentum"], cfg, keep)
        Y = outputs(p, X, cfg, rngs)
        ys[1 if not trace else len(ys):] = [Y]
        curve.append(scores(Y, T, held, trained))
        progress(f"stage 3: relearning cycle {c + 1}/{cfg['relearn_cycles']}")
    curve = {k: np.stack([c[k] for c in curve], axis=1) for k in SCORES}   # (S, R + 1)
    return {"p_dam": p_dam, "p_rel": p, "curve": curve, "Y": ys}


def run_batch(seeds, cfg, progress=lambda text: None, trace=False):
    """The whole protocol for every seed at once; returns the state and the stage results."""
    with np.errstate(over="ignore", under="ignore"):
        state = train(setup(seeds, cfg), cfg, progress)
        return state, damage_and_relearn(state, cfg, progress, trace=trace)


def seed_metrics(state, res, s, cfg):
    """Every scalar metric of seed index s (plain Python types)."""
    m = {"seed": state["seeds"][s], "converged": bool(state["converged"][s]),
         "train_cycles_used": int(state["used"][s]),
         "heldout_words": [state["words"][s][i] for i in state["held"][s]]}
    for k in SCORES:
        vals = (state["train_scores"][k][s], res["curve"][k][s, 0], res["curve"][k][s, -1])
        for st, v in zip(STAGES, vals):
            m[f"{k}_{st}"] = float(v)
    lost = 100 * (m["heldout_bit_acc_post_train"] - m["heldout_bit_acc_post_damage"])
    m["bits_lost_pp"] = lost
    m["recovery_pp"] = 100 * (m["heldout_bit_acc_post_relearn"] - m["heldout_bit_acc_post_damage"])
    m["share_regained"] = m["recovery_pp"] / lost if lost > 0 else None
    w = [N_HELDOUT * m[f"heldout_word_id_{st}"] for st in STAGES]
    m["words_lost"], m["words_regained"] = w[0] - w[1], w[2] - w[1]
    h = res["curve"]["heldout_bit_acc"][s]
    m["peak_recovery_pp"], m["peak_cycle"] = float(100 * (h.max() - h[0])), int(h.argmax())
    return m


def summarize(per_seed):
    """Sweep summary: every scalar described, the pooled shares regained and seed fractions."""
    keys = [k for k, v in per_seed[0].items() if isinstance(v, (int, float, type(None)))
            and not isinstance(v, bool) and k != "seed"]
    col = {k: np.array([np.nan if m[k] is None else m[k] for m in per_seed]) for k in keys}
    summ = {k: describe(v) for k, v in col.items()}
    summ["share_regained"] = pooled_share(col["recovery_pp"], col["bits_lost_pp"], MIN_LOST[0])
    summ["word_share_regained"] = pooled_share(col["words_regained"], col["words_lost"],
                                               MIN_LOST[1])
    summ["frac_converged"] = float(np.mean([m["converged"] for m in per_seed]))
    summ["frac_recovery_positive"] = float((col["recovery_pp"] > 0).mean())
    summ["frac_recovery_negative"] = float((col["recovery_pp"] < 0).mean())
    summ["frac_words_lost"] = float((col["words_lost"] > 0).mean())
    return summ


# ---- printing --------------------------------------------------------------------------------
def fmt_cfg(cfg):
    dmg = {"noise": f"noise {cfg['noise_scale']:g} x RMS",
           "zero": f"{cfg['fraction']:g} of weights zeroed" + " permanently" * cfg["permanent"],
           "shrink": f"weights shrunk by {cfg['shrink']:g}"}[cfg["damage"]]
    bm = (f" (T -> {cfg['bm_temps'][-1]:g}, {cfg['bm_step']} steps"
          + ", sememe links" * cfg["bm_intra"] + ")") if cfg["algo"] == "boltzmann" else ""
    return (f"{cfg['algo']}{bm}, damage: {dmg}, relearning {cfg['relearn_cycles']} cycles "
            f"at lr {cfg['relearn_lr']:g}")


def ci(d, f="{:.1f}%"):
    """'mean [lo, hi]' of a describe() dict of fractions, in percent."""
    return f.format(100 * d["mean"]) + " [" + ", ".join(f.format(100 * v) for v in d["ci95"]) + "]"


def share_text(sh):
    return ("n/a (nothing lost)" if sh["value"] is None else
            f"{sh['value']:.2f} [{sh['ci95'][0]:.2f}, {sh['ci95'][1]:.2f}]")


def print_table(cell, width):
    print(f"{'':<18}" + "".join(f"{t:>{width}}" for t in ("after training", "after damage",
                                                         "after relearning")))
    for key in SCORES:
        label = key.replace("heldout_", "held-out 2, ").replace("trained_", "trained 18, ")
        label = label.replace("bit_acc", "bits").replace("word_id", "words")
        print(f"{label:<18}" + "".join(f"{cell(f'{key}_{st}'):>{width}}" for st in STAGES))


def headline(summ, seeds):
    """The headline line: held-out bits and words at the three points, shares regained."""
    if "seed" in summ:                                   # a single seed's metrics
        b, w = (" -> ".join(f(summ[f"heldout_{k}_{st}"]) for st in STAGES) for k, f in (
            ("bit_acc", lambda v: f"{100 * v:.1f}%"), ("word_id", lambda v: f"{2 * v:.0f}")))
        sh = "n/a" if summ["share_regained"] is None else f"{summ['share_regained']:.2f}"
        return (f"seed {summ['seed']}: held-out bits {b}, share of the loss regained {sh}; "
                f"held-out words {w} of 2")
    b = " -> ".join(ci(summ[f"heldout_bit_acc_{st}"]) for st in STAGES[1:])
    w = " -> ".join(ci(summ[f"heldout_word_id_{st}"], "{:.0f}%") for st in STAGES[1:])
    return (f"seeds {seeds[0]}-{seeds[-1]}: held-out bits {b}, share of the loss regained "
            f"{share_text(summ['share_regained'])}; words {w}, share regained "
            f"{share_text(summ['word_share_regained'])}; reached criterion "
            f"{100 * summ['frac_converged']:.0f}%")


def print_details(summ, cfg, words=None):
    """Everything above the headline: the configuration, the table and the spread."""
    print(f"{'seed %d: ' % summ['seed'] if words else ''}{fmt_cfg(cfg)}")
    if words:
        print(f"words {' '.join(words)}; held out: {' '.join(summ['heldout_words'])}; stage 1 "
              f"{'reached' if summ['converged'] else 'did NOT reach'} criterion "
              f"{cfg['criterion']:g} in {summ['train_cycles_used']} cycles")
        print_table(lambda k: f"{100 * summ[k]:.1f}%", 18)
        print(f"recovery {summ['recovery_pp']:+.1f} pp (lost {summ['bits_lost_pp']:.1f}), peak "
              f"{summ['peak_recovery_pp']:+.1f} pp at cycle {summ['peak_cycle']}")
        return
    print_table(lambda k: ci(summ[k]), 24)
    r, c = summ["recovery_pp"], summ["train_cycles_used"]
    print(f"recovery (pp): mean {r['mean']:+.2f} [{r['ci95'][0]:+.2f}, {r['ci95'][1]:+.2f}], "
          f"std {r['std']:.2f}, min {r['min']:+.1f}, max {r['max']:+.1f}; > 0 in "
          f"{100 * summ['frac_recovery_positive']:.0f}% of seeds, < 0 in "
          f"{100 * summ['frac_recovery_negative']:.0f}%; words lost in "
          f"{100 * summ['frac_words_lost']:.0f}% of seeds; stage 1 cycles mean "
          f"{c['mean']:.0f}, max {c['max']:.0f}")


# ---- command line ----------------------------------------------------------------------------
def checked(parse, lo=None, hi=None, lo_open=False, why=None):
    """argparse type: parse(text), then a finite number within [lo, hi] ((lo, hi] if lo_open)."""
    def f(text):
        try:
            v = parse(text)
            bad = isinstance(v, (int, float)) and not (np.isfinite(v) and (lo is None or v > lo or (
                v == lo and not lo_open)) and (hi is None or v <= hi))
        except (ValueError, TypeError):
            bad = True
        if bad:
            raise argparse.ArgumentTypeError(why or f"{text!r} is not a finite {parse.__name__} "
                                             + (f">= {lo}" if hi is None else
                                                f"in {'(' if lo_open else '['}{lo}, {hi}]"))
        return v
    return f


def output_path(text):
    """An output file in a folder that can be written: checked by creating a temporary file."""
    if os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"{text} is a directory")
    try:
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(text)), prefix=".")
        os.close(fd)
        os.remove(tmp)
    except OSError as e:
        raise argparse.ArgumentTypeError(f"cannot write to {text}: {e.strerror}")
    return text


def build_parser():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add, frac = ap.add_argument, checked(float, 0, 1)
    lr, mom = checked(float, 0, 1e300, True), checked(float, 0, 0.999)
    add("--seed", type=checked(int, 0), default=None, help="random seed (default 0)")
    add("--sweep", type=checked(int, 1, MAX_SWEEP, why=f"must be 1..{MAX_SWEEP} seeds (one "
                                "batched run)"), default=None, help="seeds 0..N-1 as one batch")
    add("--json", type=output_path, default=None, metavar="PATH", help="write results to PATH")
    add("--quiet", action="store_true", help="print nothing (with --json: results only there)")
    add("--algo", choices=tuple(LEARNERS), default="backprop")
    add("--damage", choices=("noise", "zero", "shrink"), default=DAMAGE)
    add("--noise-scale", type=checked(float, 0, 100), default=None,
        help=f"noise std / RMS of each weight matrix (default: backprop "
             f"{BACKPROP['noise_scale']}, boltzmann {BOLTZMANN['noise_scale']})")
    add("--fraction", type=frac, default=None, help=f"fraction zeroed (default {FRACTION})")
    add("--permanent", action="store_true", help="zeroed weights stay zero while relearning")
    add("--shrink", type=frac, default=None, help=f"w -> (1 - s) w (default {SHRINK})")
    add("--relearn-cycles", type=checked(int, 1, 10000), default=RELEARN_CYCLES,
        help=f"relearning cycles (default {RELEARN_CYCLES})")
    for flag, kind, what in (("--lr", lr, "stage-1 learning rate"),
                             ("--momentum", mom, "stage-1 momentum"),
                             ("--train-cycles", checked(int, 1, 100000), "max stage-1 cycles"),
                             ("--criterion", checked(float, 0, 1, True), "stage 1 ends when "
                              "every output is within this of its target"),
                             ("--relearn-lr", lr, "relearning learning rate"),
                             ("--relearn-momentum", mom, "relearning momentum")):
        dest = flag[2:].replace("-", "_")
        add(flag, type=kind, default=None, help=f"{what} (default: backprop {BACKPROP[dest]}, "
            f"boltzmann {BOLTZMANN[dest]})")
    g = ap.add_argument_group("Boltzmann machine only").add_argument
    g("--bm-schedule", type=checked(lambda t: parse_schedule(t) and t, why="expected N@T[,N@T"
                                    "...], N sweeps (1-1000) at temperature T (0-1e6)"),
      default=None, help=f"annealing, sweeps@temperature (default {BOLTZMANN['bm_schedule']})")
    g("--bm-step", choices=("proportional", "fixed"), default=None,
      help=f"steps lr * (p+ - p-) or lr * sign(p+ - p-) (fixed; default lr {FIXED_STEP_LR})")
    g("--bm-intra", action="store_true", help="links within the sememe layer")
    return ap


def parse_config(argv=None):
    """Parse, refuse flags the mode ignores (naming both), fill each learner's defaults."""
    ap = build_parser()
    a = ap.parse_args(argv)
    damage_of = dict(noise_scale="noise", fraction="zero", permanent="zero", shrink="shrink")
    for k in sorted(k for k, v in vars(a).items() if v not in (None, False)):
        why = ("with --sweep (a sweep runs seeds 0..N-1)" if k == "seed" and a.sweep else
               f"with --damage {a.damage}" if damage_of.get(k, a.damage) != a.damage else
               "with --algo backprop" if k.startswith("bm_") and a.algo == "backprop" else None)
        if why:
            ap.error(f"argument --{k.replace('_', '-')}: ignored {why}")
    cfg = dict(vars(a), density=DENSITY, weight_decay=0.0)      # studies vary these two
    fixed = {"lr": FIXED_STEP_LR, "relearn_lr": FIXED_STEP_LR} if a.bm_step == "fixed" else {}
    for k, v in dict(LEARNERS[a.algo], **fixed, fraction=FRACTION, shrink=SHRINK).items():
        cfg[k] = v if cfg.get(k) is None else cfg[k]
    cfg["bm_temps"] = parse_schedule(cfg["bm_schedule"]) if a.algo == "boltzmann" else None
    return a, cfg, list(range(a.sweep)) if a.sweep else [a.seed or 0]


def atomic_write(path, write, suffix=""):
    """write(tmp) to a temporary file beside path, then move it there with mode 0644; on any
    error or Ctrl-C the temporary file is removed (the figure scripts use this too)."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix=".tmp_",
                               suffix=suffix)
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
    """Strict JSON (no NaN: missing values are None; numpy arrays and scalars as lists)."""
    def dump(tmp):
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(obj, f, indent=1, sort_keys=True, allow_nan=False,
                      default=lambda o: o.tolist())
    atomic_write(path, dump)


class Progress:
    """A one-line counter on stderr, only when it is a terminal and not --quiet."""

    def __init__(self, on):
        self.on, self.last, self.shown = on, 0.0, False

    def __call__(self, text=None):
        if text is None and self.shown:                 # close: end the line
            sys.stderr.write("\n")
        elif text and self.on and time.time() - self.last > 0.2:
            sys.stderr.write(f"\r{text:<72}")
            sys.stderr.flush()
            self.last, self.shown = time.time(), True


def main(argv=None):
    (a, cfg, seeds), t0 = parse_config(argv), time.time()
    progress = Progress(sys.stderr.isatty() and not a.quiet)
    try:
        state, res = run_batch(seeds, cfg, progress)
    except Diverged as e:
        progress()
        sys.stderr.write(f"grapheme_sememe.py: training diverged: {e}\n")
        return 1
    progress()
    per = [seed_metrics(state, res, s, cfg) for s in range(len(seeds))]
    out = {"experiment": "grapheme_sememe",
           "config": {k: v for k, v in cfg.items() if k not in ("seed", "sweep", "json",
                                                                "quiet", "bm_temps")},
           "versions": {"python": sys.version.split()[0], "numpy": np.__version__}}
    if a.sweep:
        summ = summarize(per)
        metrics = {k: v.get("mean", v) if isinstance(v, dict) else v
                   for k, v in summ.items()}             # means, pooled shares, fractions
        out.update(seeds=seeds, metrics=metrics, summary=summ, per_seed=per)
    else:
        summ = dict(per[0], curves={k: res["curve"][k][0] for k in SCORES})
        out.update(seed=seeds[0], metrics=summ)
    out["wallclock_s"] = round(time.time() - t0, 3)
    if not a.quiet:
        print_details(summ, cfg, None if a.sweep else state["words"][0])
        print(headline(summ, seeds))
        print(f"wall-clock {out['wallclock_s']:.1f} s")
    if a.json:
        write_json(a.json, out)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.stderr.write("\ngrapheme_sememe.py: interrupted\n")
        sys.exit(130)
