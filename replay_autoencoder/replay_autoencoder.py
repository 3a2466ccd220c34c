#!/usr/bin/env python3
"""Noise-induced replay in shallow denoising autoencoders (Gerritsen 2021), in NumPy.

A denoising autoencoder 9 -> H -> 9 (ReLU hidden, logistic output, dropout 0.15 on
input and hidden while training, sum-MSE + L2, AdamW written by hand) learns the
8 x 9 hierarchical items of Rogers & McClelland.  The trained "teacher" is then
iterated from uniform noise with Gaussian noise N(mu, sigma^2) added at every step
(Algorithm 1 of the thesis) to produce "replayed" patterns, and a "student" H = 32
model is trained only on those.  All --runs models of a scenario (default 25) are
one batched array computation with a leading run axis; every run draws from its
own generator, so a batched run equals the same runs trained one by one.

Running it prints, for each scenario (H = 2 for 1,500 epochs and H = 32 for 3,500
epochs by default):
  * the teacher's final per-item loss (mean +- std over runs), its stop epochs,
    and how many singular values of its prediction matrix are nonzero;
  * iterative fixed points: which items are attractors (share of runs), the
    number of distinct and of spurious attractors found from random starts;
  * the mu x sigma grid minimum of sum (A - S)^2 (A: transition matrix of 10,000
    replay chains, S: min-max scaled item correlation matrix);
  * replay prevalence per item and the students' per-item loss, level accuracies
    and hierarchy score for sigma = 0 and for the chosen sigma;
and with --sigma-sweep the student quality against sigma with 95% intervals.
"""
import argparse
import json
import math
import os
import platform
import sys
import time

import numpy as np

# ----------------------------------------------------------------------------- data

ITEMS = ["Oak", "Pine", "Daisy", "Rose", "Salmon", "Sunfish", "Canary", "Robin"]
ATTRIBUTES = ["Grow", "Move", "Roots", "Fly", "Swim", "Leaves", "Petals", "Red", "Yellow"]
# the exact 8 x 9 matrix the thesis's code trains on (REFERENCES.md section 6)
DATA = np.array([
    [1, 0, 1, 0, 0, 1, 0, 0, 0],   # Oak
    [1, 0, 1, 0, 0, 0, 0, 0, 0],   # Pine
    [1, 0, 1, 0, 0, 1, 1, 0, 1],   # Daisy
    [1, 0, 1, 0, 0, 0, 1, 1, 0],   # Rose
    [1, 1, 0, 0, 1, 0, 0, 1, 0],   # Salmon
    [1, 1, 0, 0, 1, 0, 0, 0, 1],   # Sunfish
    [1, 1, 0, 1, 0, 0, 0, 0, 1],   # Canary
    [1, 1, 0, 1, 0, 0, 0, 1, 0],   # Robin
], dtype=np.float64)
N_ITEMS, N_ATTR = DATA.shape
# the four levels of the hierarchy and the attributes that decide each level
LEVELS = {
    "living thing": ["Grow"],
    "plant/animal": ["Move", "Roots"],
    "tree/flower/bird/fish": ["Fly", "Swim", "Petals"],
    "item": ["Leaves", "Red", "Yellow"],
}
LEVEL_COLUMNS = [[ATTRIBUTES.index(a) for a in attrs] for attrs in LEVELS.values()]

# scenario name -> (hidden units, maximum epochs) of the thesis
SCENARIOS = {"under": (2, 1500), "over": (32, 3500)}
# stream labels, so every stage of every run has its own generator
STAGE = {"teacher": 1, "fixed_points": 2, "grid": 3, "replay": 4, "student": 5}


class DivergenceError(RuntimeError):
    """Raised when a loss or a parameter becomes NaN or infinite."""


def correlation_matrix(X=DATA):
    """Pearson correlation between the items (rows of X), 8 x 8."""
    return np.corrcoef(X)


def scaled_correlation(X=DATA):
    """The item correlation matrix min-max scaled to [0, 1] (the thesis's S)."""
    C = correlation_matrix(X)
    return (C - C.min()) / (C.max() - C.min())


def run_rngs(seed, hidden, stage, runs):
    """One generator per run: stream (seed, hidden, stage, run index)."""
    return [np.random.default_rng([seed, hidden, STAGE[stage], r]) for r in runs]


# ----------------------------------------------------------------------------- model
# Shapes: R runs (leading axis), B patterns, D = 9 attributes, H hidden units.
#   W1 (R, D, H), b1 (R, 1, H), W2 (R, H, D), b2 (R, 1, D)

def init_params(rngs, hidden, n_in=N_ATTR):
    """Xavier-uniform weights (one draw per run from its own generator), zero biases."""
    a = math.sqrt(6.0 / (n_in + hidden))
    W1 = np.stack([g.uniform(-a, a, size=(n_in, hidden)) for g in rngs])
    W2 = np.stack([g.uniform(-a, a, size=(hidden, n_in)) for g in rngs])
    R = len(rngs)
    return {"W1": W1, "b1": np.zeros((R, 1, hidden)), "W2": W2, "b2": np.zeros((R, 1, n_in))}


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def encode(params, x):
    """Hidden code relu(x W1 + b1); x (R, B, D) -> (R, B, H)."""
    return np.maximum(x @ params["W1"] + params["b1"], 0.0)


def decode(params, h):
    """Output sigmoid(h W2 + b2); h (R, B, H) -> (R, B, D)."""
    return sigmoid(h @ params["W2"] + params["b2"])


def predict(params, x):
    """The trained map f(x) without dropout; x (R, B, D)."""
    return decode(params, encode(params, x))


def loss_and_grads(params, x, target, m_in=None, m_h=None, l2=0.005):
    """Sum-squared error + l2 * (|W1|^2 + |W2|^2) per run, and its gradients.

    m_in (R, B, D) and m_h (R, B, H) are dropout masks already scaled by 1/(1-p)
    (None = no dropout).  Returns loss (R,) and a dict of gradients shaped like params.
    """
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    xd = x if m_in is None else x * m_in               # input dropout (the corruption)
    z1 = xd @ W1 + b1                                  # (R, B, H)
    h = np.maximum(z1, 0.0)
    hd = h if m_h is None else h * m_h                 # hidden dropout
    y = sigmoid(hd @ W2 + b2)                          # (R, B, D)
    err = y - target
    loss = (err ** 2).sum(axis=(1, 2)) + l2 * ((W1 ** 2).sum(axis=(1, 2))
                                                + (W2 ** 2).sum(axis=(1, 2)))
    dy = 2.0 * err                                     # d loss / d y
    dz2 = dy * y * (1.0 - y)                           # backprop through the logistic
    dW2 = hd.transpose(0, 2, 1) @ dz2 + 2.0 * l2 * W2  # output weights, plus the L2 term
    db2 = dz2.sum(axis=1, keepdims=True)
    dhd = dz2 @ W2.transpose(0, 2, 1)                  # into the (dropped-out) hidden layer
    dh = dhd if m_h is None else dhd * m_h             # backprop through the hidden dropout
    dz1 = dh * (z1 > 0.0)                              # backprop through the ReLU
    dW1 = xd.transpose(0, 2, 1) @ dz1 + 2.0 * l2 * W1
    db1 = dz1.sum(axis=1, keepdims=True)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def item_losses(params, X=DATA):
    """Clean (no dropout) sum-squared error of every item, (R, 8); no L2 term."""
    R = params["W1"].shape[0]
    Y = predict(params, np.broadcast_to(X, (R,) + X.shape))
    return ((Y - X) ** 2).sum(axis=2)


# ----------------------------------------------------------------------------- AdamW

def adamw_init(theta):
    return {"m": np.zeros_like(theta), "v": np.zeros_like(theta), "t": 0}


def adamw_step(theta, grad, state, lr, beta1, beta2, eps, weight_decay, active=None):
    """One AdamW step (decoupled weight decay, bias-corrected moments) on theta, in place.

    theta, grad (R, P); active (R,) bool freezes the runs that are False (their
    parameters and moments stay unchanged).
    """
    state["t"] += 1
    t = state["t"]
    m_new = beta1 * state["m"] + (1.0 - beta1) * grad          # first moment
    v_new = beta2 * state["v"] + (1.0 - beta2) * grad * grad   # second moment
    step = (lr / (1.0 - beta1 ** t)) * m_new / (np.sqrt(v_new / (1.0 - beta2 ** t)) + eps)
    new = theta * (1.0 - lr * weight_decay) - step             # decay, then the Adam step
    if active is None:
        theta[...], state["m"], state["v"] = new, m_new, v_new
    else:
        a = active[:, None]
        theta[...] = np.where(a, new, theta)
        state["m"] = np.where(a, m_new, state["m"])
        state["v"] = np.where(a, v_new, state["v"])


def flat_views(theta, D, H):
    """The parameter dict as views into the flat (R, P) array theta."""
    R = theta.shape[0]
    views, i = {}, 0
    for k, shape in (("W1", (D, H)), ("b1", (1, H)), ("W2", (H, D)), ("b2", (1, D))):
        n = shape[0] * shape[1]
        views[k] = theta[:, i:i + n].reshape((R,) + shape)
        i += n
    return views


def flatten(params):
    R = params["W1"].shape[0]
    return np.concatenate([params[k].reshape(R, -1) for k in ("W1", "b1", "W2", "b2")], axis=1)


# ----------------------------------------------------------------------------- training

def draw_chunk(rngs, n_epochs, n_patterns, per_epoch, sample_with_replacement, dims, dropout):
    """Per-run draws for n_epochs epochs: pattern indices and scaled dropout masks.

    Every run draws from its own generator in a fixed order (indices, input mask,
    hidden mask), so the draws do not depend on how many runs share the batch.
    Returns idx (R, E, per_epoch) and masks (R, E, per_epoch, D), (R, E, per_epoch, H).
    """
    D, H = dims
    keep = 1.0 - dropout
    idx, m_in, m_h = [], [], []
    for g in rngs:
        if sample_with_replacement:
            idx.append(g.integers(0, n_patterns, size=(n_epochs, per_epoch)))
        else:      # a shuffled pass over the patterns every epoch
            idx.append(np.argsort(g.random((n_epochs, n_patterns)), axis=1)[:, :per_epoch])
        m_in.append(g.random((n_epochs, per_epoch, D)) < keep)
        m_h.append(g.random((n_epochs, per_epoch, H)) < keep)
    scale = 1.0 / keep
    return np.stack(idx), np.stack(m_in) * scale, np.stack(m_h) * scale


def train(patterns, rngs, hidden, epochs, cfg, copies=1, shuffle=True, early_stop=True,
          record_sv=True, chunk=250):
    """Train copies x len(rngs) autoencoders at once on their own pattern sets.

    patterns: (copies * R, N, D); batch entry c * R + r uses generator r (so copies
    of one run share initial weights, pattern order and dropout masks; only their
    patterns differ).  Each epoch draws cfg["per_epoch"] patterns (shuffle: a shuffled
    pass over the items, for a teacher; else uniform draws with replacement) in
    minibatches of cfg["batch_size"].  With early_stop a run is frozen after the
    first epoch whose clean mean item loss is < stop_loss or changed by < stop_delta
    (stop_delta 0 switches that rule off).  Returns params and a history dict: clean
    per-item loss on the true items per epoch (M, E, 8), the singular values of the
    prediction matrix f(X) per epoch (M, E, 8) if record_sv, and the stop epochs.
    """
    R = len(rngs)
    M, N, D = patterns.shape
    assert M == copies * R
    tile = lambda a: np.broadcast_to(a[None], (copies,) + a.shape).reshape((M,) + a.shape[1:])
    theta = tile(flatten(init_params(rngs, hidden, D))).copy()          # (M, P)
    params = flat_views(theta, D, hidden)
    opt = adamw_init(theta)
    per_epoch, bs = cfg["per_epoch"], cfg["batch_size"]
    active = np.ones(M, dtype=bool)
    stop_epoch = np.full(M, epochs)
    prev = None
    losses = np.empty((M, epochs, N_ITEMS))
    svals = np.empty((M, epochs, min(N_ITEMS, D))) if record_sv else None
    run_axis = np.arange(M)[:, None]
    Xb = np.broadcast_to(DATA, (M,) + DATA.shape)
    for e0 in range(0, epochs, chunk):
        n_ep = min(chunk, epochs - e0)
        idx, m_in, m_h = draw_chunk(rngs, n_ep, N, per_epoch, not shuffle, (D, hidden),
                                    cfg["dropout"])
        idx, m_in, m_h = tile(idx), tile(m_in), tile(m_h)
        for e in range(n_ep):
            for b0 in range(0, per_epoch, bs):
                x = patterns[run_axis, idx[:, e, b0:b0 + bs]]              # (M, bs, D)
                loss, grads = loss_and_grads(params, x, x, m_in[:, e, b0:b0 + bs],
                                             m_h[:, e, b0:b0 + bs], cfg["l2"])
                if not np.all(np.isfinite(loss)):
                    raise DivergenceError(f"training diverged (non-finite loss) in epoch "
                                          f"{e0 + e + 1}; try a smaller --lr")
                adamw_step(theta, flatten(grads), opt, cfg["lr"], cfg["beta1"], cfg["beta2"],
                           cfg["eps"], cfg["weight_decay"], None if active.all() else active)
            epoch = e0 + e
            Y = predict(params, Xb)
            il = ((Y - DATA) ** 2).sum(axis=2)                             # (M, 8)
            losses[:, epoch] = il
            if record_sv:
                svals[:, epoch] = np.linalg.svd(Y, compute_uv=False)
            if early_stop:
                cur = il.mean(axis=1)
                done = cur < cfg["stop_loss"]
                if prev is not None:
                    done |= np.abs(cur - prev) < cfg["stop_delta"]
                stop_epoch[active & done] = epoch + 1
                active &= ~done
                prev = cur
                if not active.any():      # every run frozen: the rest is constant
                    losses[:, epoch + 1:] = losses[:, epoch:epoch + 1]
                    if record_sv:
                        svals[:, epoch + 1:] = svals[:, epoch:epoch + 1]
                    return params, {"item_loss": losses, "singular_values": svals,
                                    "stop_epoch": stop_epoch}
    return params, {"item_loss": losses, "singular_values": svals, "stop_epoch": stop_epoch}


# ----------------------------------------------------------------------------- dynamics

def nearest_item(x, X=DATA):
    """Index of the nearest item (Euclidean) for every pattern; x (..., D)."""
    d2 = (x * x).sum(-1)[..., None] - 2.0 * x @ X.T + (X * X).sum(1)
    return np.argmin(d2, axis=-1)


def jacobian(params, x):
    """Hand-derived Jacobian of f at x: J[..., j, i] = d f_j / d x_i; x (R, B, D) -> (R, B, D, D).

    f(x) = sigmoid(relu(x W1 + b1) W2 + b2), so
    J = diag(sigmoid'(z2)) W2^T diag(relu'(z1)) W1^T.
    """
    W1, W2 = params["W1"], params["W2"]
    z1 = x @ W1 + params["b1"]
    y = sigmoid(np.maximum(z1, 0.0) @ W2 + params["b2"])
    d1 = (z1 > 0.0).astype(float)                       # relu'(z1), (R, B, H)
    d2 = y * (1.0 - y)                                  # sigmoid'(z2), (R, B, D)
    # JT[i, j] = sum_k W1[i, k] d1[k] W2[k, j] d2[j]
    JT = (W1[:, None] * d1[:, :, None, :]) @ W2[:, None] * d2[:, :, None, :]
    return JT.swapaxes(-1, -2)


def spectral_radius(J):
    return np.abs(np.linalg.eigvals(J)).max(axis=-1)


def iterate_to_fixed_point(params, x, tol=1e-10, max_iter=5000):
    """Iterate x <- f(x) until max |f(x) - x| < tol for every pattern (or max_iter)."""
    for _ in range(max_iter):
        y = predict(params, x)
        step = np.abs(y - x).max(axis=-1)
        x = y
        if step.max() < tol:
            break
    return x, step < tol


def distinct_points(points, tol):
    """Greedy clustering: representatives of points closer than tol (max-norm)."""
    reps = []
    for p in points:
        if not any(np.abs(p - q).max() < tol for q in reps):
            reps.append(p)
    return np.array(reps).reshape(-1, points.shape[-1])


def fixed_point_analysis(params, rngs, n_starts, tol, max_iter):
    """Fixed points reached from every item and from n_starts uniform random starts.

    An item is an attractor in a run when iterating from it converges to a fixed point
    whose Jacobian spectral radius is < 1 and whose nearest item is that item.  A
    spurious attractor is a stable fixed point reached from a random start that no
    item reaches.
    """
    R = params["W1"].shape[0]
    starts = np.stack([g.random((n_starts, N_ATTR)) for g in rngs])           # (R, n, D)
    x0 = np.concatenate([np.broadcast_to(DATA, (R,) + DATA.shape), starts], axis=1)
    fp, conv = iterate_to_fixed_point(params, x0, tol, max_iter)
    rho = spectral_radius(jacobian(params, fp))
    stable = conv & (rho < 1.0)
    near = nearest_item(fp)
    item_attr = stable[:, :N_ITEMS] & (near[:, :N_ITEMS] == np.arange(N_ITEMS))
    same = max(1e3 * tol, 1e-6)        # stable fixed points closer than this are one
    n_distinct, n_spurious = [], []
    for r in range(R):
        items_fp = distinct_points(fp[r, :N_ITEMS][stable[r, :N_ITEMS]], same)
        all_fp = distinct_points(fp[r][stable[r]], same)
        n_distinct.append(len(all_fp))
        n_spurious.append(sum(not any(np.abs(p - q).max() < same for q in items_fp)
                              for p in all_fp))
    return {"item_is_attractor": item_attr, "n_distinct": np.array(n_distinct),
            "n_spurious": np.array(n_spurious), "n_unconverged": int((~conv).sum()),
            "n_unstable_fixed_points": int((conv & (rho >= 1.0)).sum()),
            "item_fixed_point_nearest": near[:, :N_ITEMS], "item_fixed_points": fp[:, :N_ITEMS],
            "rho_items": rho[:, :N_ITEMS]}


# ----------------------------------------------------------------------------- replay

def replay(params, rngs, n_chains, steps, mus, sigmas, transitions=False):
    """Algorithm 1 for every (mu, sigma) pair, batched over runs, chains and noise levels.

    Run r draws its uniform starts x0 (n, D) and all standard-normal noise z (steps,
    n, D) from its own generator; every (mu, sigma) pair uses the same x0 and z
    (common random numbers), noise = mu + sigma * z.  Each step: x <- clip(f(x) +
    noise, 0, 1).  Returns final states (R, G, n, D) and, with transitions, the
    counts (G, 8, 8) of nearest-item label changes between consecutive states
    x_t -> x_t+1 (t >= 1), summed over runs and chains.
    """
    mus, sigmas = np.asarray(mus, float), np.asarray(sigmas, float)
    G = len(mus)
    x0 = np.stack([g.random((n_chains, N_ATTR)) for g in rngs])              # (R, n, D)
    z = np.stack([g.standard_normal((steps, n_chains, N_ATTR)) for g in rngs])
    R = len(rngs)
    out = np.empty((R, G, n_chains, N_ATTR))
    counts = np.zeros((G, N_ITEMS, N_ITEMS), dtype=np.int64)
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    half_norm = 0.5 * (DATA * DATA).sum(axis=1)
    per = max(1, 1000 // n_chains)                 # grid points per chunk (cache-sized)
    for g0 in range(0, G, per):
        gs = slice(g0, min(G, g0 + per))
        k = gs.stop - gs.start
        mu = mus[gs][None, :, None, None]
        sd = sigmas[gs][None, :, None, None]
        x = np.broadcast_to(x0[:, None], (R, k, n_chains, N_ATTR)).reshape(R, -1, N_ATTR)
        prev = None
        for t in range(steps):
            h = x @ W1
            h += b1
            np.maximum(h, 0.0, out=h)                   # relu hidden
            y = h @ W2
            y += b2
            np.negative(y, out=y)                       # logistic output, in place
            np.exp(y, out=y)
            y += 1.0
            np.reciprocal(y, out=y)
            y = y.reshape(R, k, n_chains, N_ATTR)
            y += sd * z[:, t][:, None] + mu             # the injected noise N(mu, sigma^2)
            np.clip(y, 0.0, 1.0, out=y)
            if transitions:
                lab = np.argmin(half_norm - y @ DATA.T, axis=-1)              # nearest item
                if prev is not None:
                    pair = (np.arange(k)[None, :, None] * 64 + prev * 8 + lab).ravel()
                    counts[gs] += np.bincount(pair, minlength=k * 64).reshape(k, 8, 8)
                prev = lab
            x = y.reshape(R, -1, N_ATTR)
        out[:, gs] = x.reshape(R, k, n_chains, N_ATTR)
    return out, counts


def transition_matrix(counts):
    """Row-normalised transition counts (rows never visited stay zero)."""
    tot = counts.sum(axis=-1, keepdims=True)
    return np.divide(counts, tot, out=np.zeros(counts.shape), where=tot > 0)


def prevalence(states):
    """Share of patterns whose nearest item is each item; states (..., n, D) -> (..., 8)."""
    lab = nearest_item(states)
    return (lab[..., None] == np.arange(N_ITEMS)).mean(axis=-2)


# ----------------------------------------------------------------------------- quality

def deletion_probes(X=DATA):
    """Pattern-completion probes: an item with one of its attributes switched off.

    Only unambiguous probes are kept: the corrupted pattern is not itself an item and
    no other single deletion produces it (e.g. Oak without Leaves is Pine, Canary
    without Yellow equals Robin without Red).  Returns patterns (P, D), the source
    item (P,) and the hierarchy level of the deleted attribute (P,).
    """
    level_of = {a: k for k, cols in enumerate(LEVEL_COLUMNS) for a in cols}
    probes = [(i, a) for i in range(len(X)) for a in range(X.shape[1]) if X[i, a] > 0.5]
    vecs = np.array([np.where(np.arange(X.shape[1]) == a, 0.0, X[i]) for i, a in probes])
    keep = [p for p in range(len(probes))
            if not (vecs[p] == X).all(1).any() and (vecs == vecs[p]).all(1).sum() == 1]
    return (vecs[keep], np.array([probes[p][0] for p in keep]),
            np.array([level_of[probes[p][1]] for p in keep]))


PROBES, PROBE_ITEM, PROBE_LEVEL = deletion_probes()
# every binary pattern that is not an item: a model that learned the identity map
# reconstructs these as well as the items
BINARY = np.array([[(k >> b) & 1 for b in range(N_ATTR)] for k in range(2 ** N_ATTR)], float)
NON_ITEMS = BINARY[~(BINARY[:, None] == DATA[None]).all(-1).any(-1)]


def level_accuracy(Y, probe_item=PROBE_ITEM, probe_level=PROBE_LEVEL, X=DATA):
    """Share of completion probes restored exactly to their item, per level, (..., 4).

    Y (..., P, D) are the outputs for the probes; a probe counts as restored when every
    thresholded attribute (Y > 0.5) equals its source item; levels group the probes by
    the level of the deleted attribute.
    """
    exact = ((Y > 0.5) == (X[probe_item] > 0.5)).all(-1)                     # (..., P)
    return np.stack([exact[..., probe_level == k].mean(-1) for k in range(len(LEVELS))], -1)


def similarity_correlation(Y, X=DATA):
    """Pearson correlation between the off-diagonal item correlations of Y and of X."""
    iu = np.triu_indices(N_ITEMS, 1)
    target = correlation_matrix(X)[iu]
    flat = Y.reshape(-1, N_ITEMS, Y.shape[-1])
    out = []
    for y in flat:
        c = np.corrcoef(y) if np.all(y.std(axis=1) > 1e-12) else np.full((N_ITEMS,) * 2, np.nan)
        out.append(np.corrcoef(c[iu], target)[0, 1] if np.all(np.isfinite(c)) else np.nan)
    return np.array(out).reshape(Y.shape[:-2])


def quality(params, X=DATA):
    """How well a model knows the items.

    item_loss: clean reconstruction loss per item (the thesis's measure; an identity map
    scores 0); completion_loss: loss of the unambiguous deletion probes against their
    items; level_accuracy and hierarchy_score (mean of the four levels): exact completion
    per level; nonitem_loss: reconstruction loss of the 504 binary non-item patterns
    (near 0 means the model has learned the identity, not the items);
    similarity_corr: item-similarity of the clean outputs against the data's.
    """
    M = params["W1"].shape[0]
    Y = predict(params, np.broadcast_to(X, (M,) + X.shape))
    Yp = predict(params, np.broadcast_to(PROBES, (M,) + PROBES.shape))
    Yn = predict(params, np.broadcast_to(NON_ITEMS, (M,) + NON_ITEMS.shape))
    acc = level_accuracy(Yp)
    return {"item_loss": ((Y - X) ** 2).sum(-1),
            "completion_loss": ((Yp - X[PROBE_ITEM]) ** 2).sum(-1).mean(-1),
            "level_accuracy": acc, "hierarchy_score": acc.mean(-1),
            "nonitem_loss": ((Yn - NON_ITEMS) ** 2).sum(-1).mean(-1),
            "similarity_corr": similarity_correlation(Y, X)}


def interval(values):
    """Mean, std, min, max and the normal-approximation 95% interval of the mean."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    n = len(v)
    if n == 0:
        return {"mean": None, "std": None, "min": None, "max": None, "ci95": [None, None], "n": 0}
    m, s = float(v.mean()), float(v.std(ddof=1)) if n > 1 else 0.0
    h = 1.96 * s / math.sqrt(n)
    return {"mean": m, "std": s, "min": float(v.min()), "max": float(v.max()),
            "ci95": [m - h, m + h], "n": n}


# ----------------------------------------------------------------------------- protocol

def train_teachers(seed, hidden, epochs, cfg, runs):
    rngs = run_rngs(seed, hidden, "teacher", runs)
    patterns = np.broadcast_to(DATA, (len(runs),) + DATA.shape).copy()
    tcfg = dict(cfg, per_epoch=N_ITEMS)
    return train(patterns, rngs, hidden, epochs, tcfg, early_stop=cfg["early_stop"],
                 record_sv=True)


def train_students(seed, hidden, teacher, cfg, runs, pairs):
    """Replay sets (one per (mu, sigma) pair and run) from the teachers, and students
    trained on them; every pair shares the runs' chain starts, noise draws, student
    initial weights, pattern draws and dropout masks (common random numbers)."""
    R, P = len(runs), len(pairs)
    states, _ = replay(teacher, run_rngs(seed, hidden, "replay", runs), cfg["replay_chains"],
                       cfg["steps"], [m for m, _ in pairs], [s for _, s in pairs])
    patterns = states.transpose(1, 0, 2, 3).reshape(P * R, cfg["replay_chains"], N_ATTR)
    scfg = dict(cfg, per_epoch=cfg["student_items"])
    student, hist = train(patterns, run_rngs(seed, hidden, "student", runs),
                          cfg["student_hidden"], cfg["student_epochs"], scfg, copies=P,
                          shuffle=False, early_stop=False, record_sv=False)
    q = quality(student)
    q = {k: v.reshape((P, R) + v.shape[1:]) for k, v in q.items()}
    curves = hist["item_loss"].reshape((P, R) + hist["item_loss"].shape[1:])
    return {"prevalence": prevalence(states), "quality": q, "student": student,
            "item_loss_curves": curves, "states": states}


def pair_label(mu, sigma):
    return f"mu={mu:g},sigma={sigma:g}"


def run_scenario(seed, hidden, epochs, cfg):
    """The whole study for one teacher size; returns (metrics dict, raw arrays)."""
    runs = list(range(cfg["runs"]))
    R = len(runs)
    teacher, hist = train_teachers(seed, hidden, epochs, cfg, runs)
    final = hist["item_loss"][:, -1]                                           # (R, 8)
    sv_final = hist["singular_values"][:, -1]                                  # (R, 8)
    n_nonzero = (sv_final > cfg["sv_threshold"]).sum(axis=1)
    fp = fixed_point_analysis(teacher, run_rngs(seed, hidden, "fixed_points", runs),
                              cfg["fp_starts"], cfg["fp_tol"], cfg["fp_max_iter"])
    # mu x sigma grid: 10,000 chains per grid point, split evenly over the runs
    mus, sigmas = cfg["mus"], cfg["sigmas"]
    mm, ss = np.meshgrid(mus, sigmas, indexing="ij")
    per_run = max(1, cfg["chains"] // R)
    grid_states, counts = replay(teacher, run_rngs(seed, hidden, "grid", runs), per_run,
                                 cfg["steps"], mm.ravel(), ss.ravel(), transitions=True)
    A = transition_matrix(counts)                                              # (G, 8, 8)
    S = scaled_correlation()
    dist = ((A - S) ** 2).sum(axis=(1, 2)).reshape(mm.shape)
    i, j = np.unravel_index(np.argmin(dist), dist.shape)
    best_mu, best_sigma = float(mus[i]), float(sigmas[j])
    j0 = [k for k, m in enumerate(mus) if m == 0.0]
    best_sigma_mu0 = float(sigmas[int(np.argmin(dist[j0[0]]))]) if j0 else None
    # students trained on replay without noise and with the grid's (mu, sigma)
    pairs = [(0.0, 0.0)] + ([(best_mu, best_sigma)] if (best_mu, best_sigma) != (0.0, 0.0)
                            else [])
    st = train_students(seed, hidden, teacher, cfg, runs, pairs)
    tq = quality(teacher)
    h = encode(teacher, np.broadcast_to(DATA, (R,) + DATA.shape))               # (R, 8, H)
    hc = h - h.mean(axis=1, keepdims=True)
    ev = np.linalg.svd(hc, compute_uv=False) ** 2
    evr = ev / np.maximum(ev.sum(axis=1, keepdims=True), 1e-300)
    label = lambda s: f"sigma={s:g}"
    fp_near = fp["item_fixed_point_nearest"]                                  # (R, 8)
    fp_of_item = {}
    for k, item in enumerate(ITEMS):
        c = np.bincount(fp_near[:, k], minlength=N_ITEMS)
        fp_of_item[item] = {"nearest": ITEMS[int(np.argmax(c))], "share": float(c.max() / R)}
    metrics = {
        "item_loss_final": {"mean": dict(zip(ITEMS, final.mean(0).tolist())),
                            "std": dict(zip(ITEMS, final.std(0).tolist())),
                            "mean_over_items": float(final.mean())},
        "stop_epoch": interval(hist["stop_epoch"]),
        "stopped_early": int((hist["stop_epoch"] < epochs).sum()),
        "singular_values_final_mean": sv_final.mean(0).tolist(),
        "n_nonzero_singular_values": float(n_nonzero.mean()),
        "n_nonzero_singular_values_per_run": n_nonzero.tolist(),
        "attractor_items": [ITEMS[k] for k in range(N_ITEMS)
                            if fp["item_is_attractor"][:, k].mean() > 0.5],
        "attractor_share": dict(zip(ITEMS, fp["item_is_attractor"].mean(0).tolist())),
        "item_fixed_point_nearest": fp_of_item,
        "n_distinct_attractors": float(fp["n_distinct"].mean()),
        "n_spurious_attractors": float(fp["n_spurious"].mean()),
        "n_spurious_attractors_total": int(fp["n_spurious"].sum()),
        "n_unstable_fixed_points": fp["n_unstable_fixed_points"],
        "n_unconverged_iterations": fp["n_unconverged"],
        "pca_explained_variance": evr[:, :3].mean(0).tolist(),
        "grid_distance": dist.tolist(),
        "grid_distance_min": float(dist[i, j]),
        "best_mu": best_mu,
        "best_sigma": best_sigma,
        "best_sigma_at_mu0": best_sigma_mu0,
        "transition_matrix_best": A.reshape(mm.shape + (8, 8))[i, j].tolist(),
        "grid_prevalence_at_best_mu": {label(s): dict(zip(ITEMS, p.tolist())) for s, p in
                                       zip(sigmas, prevalence(grid_states.transpose(
                                           1, 0, 2, 3).reshape(len(mus), len(sigmas), -1,
                                                               N_ATTR))[i])},
        "replay_prevalence": {pair_label(*pr): dict(zip(ITEMS, st["prevalence"][:, k]
                                                        .mean(0).tolist()))
                              for k, pr in enumerate(pairs)},
        "student_item_loss": {pair_label(*pr): {
            "mean": dict(zip(ITEMS, st["quality"]["item_loss"][k].mean(0).tolist())),
            "std": dict(zip(ITEMS, st["quality"]["item_loss"][k].std(0).tolist())),
            "mean_over_items": float(st["quality"]["item_loss"][k].mean())}
            for k, pr in enumerate(pairs)},
        "level_accuracy": {pair_label(*pr): dict(zip(LEVELS, st["quality"]["level_accuracy"][k]
                                                     .mean(0).tolist()))
                           for k, pr in enumerate(pairs)},
        "hierarchy_score": {pair_label(*pr): interval(st["quality"]["hierarchy_score"][k])
                            for k, pr in enumerate(pairs)},
        "similarity_corr": {pair_label(*pr): interval(st["quality"]["similarity_corr"][k])
                            for k, pr in enumerate(pairs)},
        "completion_loss": {pair_label(*pr): interval(st["quality"]["completion_loss"][k])
                            for k, pr in enumerate(pairs)},
        "nonitem_loss": {pair_label(*pr): interval(st["quality"]["nonitem_loss"][k])
                         for k, pr in enumerate(pairs)},
        "teacher_hierarchy_score": interval(tq["hierarchy_score"]),
        "teacher_level_accuracy": dict(zip(LEVELS, tq["level_accuracy"].mean(0).tolist())),
        "teacher_completion_loss": interval(tq["completion_loss"]),
        "teacher_nonitem_loss": interval(tq["nonitem_loss"]),
    }
    raw = {"teacher": teacher, "history": hist, "fixed_points": fp, "grid_distance": dist,
           "A": A.reshape(mm.shape + (8, 8)), "students": st, "student_pairs": pairs}
    return metrics, raw


def sigma_sweep(seed, hidden, teacher, cfg):
    """Open question 2: student quality against sigma (mu = 0), --runs students per sigma."""
    runs = list(range(cfg["runs"]))
    sig = cfg["sweep_sigmas"]
    st = train_students(seed, hidden, teacher, cfg, runs, [(0.0, s) for s in sig])
    q = st["quality"]
    hs = q["hierarchy_score"]                                                  # (S, R)
    loss = q["item_loss"].mean(-1)                                             # (S, R)
    comp = q["completion_loss"]                                                # (S, R)
    return {
        "mu": 0.0,
        "sigmas": list(sig),
        "hierarchy_score": [interval(v) for v in hs],
        "student_mean_item_loss": [interval(v) for v in loss],
        "completion_loss": [interval(v) for v in comp],
        "nonitem_loss": [interval(v) for v in q["nonitem_loss"]],
        "similarity_corr": [interval(v) for v in q["similarity_corr"]],
        "level_accuracy_mean": q["level_accuracy"].mean(1).tolist(),
        "student_item_loss_mean": q["item_loss"].mean(1).tolist(),
        "prevalence_mean": st["prevalence"].mean(0).tolist(),
        "sigma_best_hierarchy": sig[int(np.argmax(hs.mean(1)))],
        "sigma_best_item_loss": sig[int(np.argmin(loss.mean(1)))],
        "sigma_best_completion": sig[int(np.argmin(comp.mean(1)))],
    }


def run_study(seed, cfg, quiet=True):
    """Every chosen scenario; metrics are keyed by metric name, then scenario 'H<hidden>'."""
    per_scen, raws = {}, {}
    for hidden, epochs in cfg["scenarios"]:
        key = f"H{hidden}"
        t0 = time.perf_counter()
        m, raw = run_scenario(seed, hidden, epochs, cfg)
        if cfg["sigma_sweep"]:
            m["sigma_sweep"] = sigma_sweep(seed, hidden, raw["teacher"], cfg)
        per_scen[key], raws[key] = m, raw
        if not quiet:
            print_scenario(key, epochs, m, cfg)
            print(f"wall-clock {time.perf_counter() - t0:.1f} s")
    metrics = {}
    for key, m in per_scen.items():
        for name, value in m.items():
            metrics.setdefault(name, {})[key] = value
    return metrics, raws


# ----------------------------------------------------------------------------- output

def fmt_items(d, prec=3):
    return "  ".join(f"{k} {v:.{prec}f}" for k, v in d.items())


def print_scenario(key, epochs, m, cfg):
    R = cfg["runs"]
    print(f"== {key}: {R} runs, up to {epochs} epochs ==")
    il = m["item_loss_final"]
    print(f"teacher item loss (mean over runs): {fmt_items(il['mean'])}")
    print(f"teacher mean item loss {il['mean_over_items']:.3f}; stopped early "
          f"{m['stopped_early']}/{R}, stop epoch mean {m['stop_epoch']['mean']:.0f} "
          f"(min {m['stop_epoch']['min']:.0f}, max {m['stop_epoch']['max']:.0f})")
    sv = " ".join(f"{v:.3f}" for v in m["singular_values_final_mean"])
    print(f"singular values of f(X) (mean): {sv}; nonzero (> {cfg['sv_threshold']:g}): "
          f"{m['n_nonzero_singular_values']:.2f} per run")
    print(f"attractor share per item: {fmt_items(m['attractor_share'], 2)}")
    print(f"attractor items (majority of runs): {', '.join(m['attractor_items']) or 'none'}; "
          f"distinct attractors {m['n_distinct_attractors']:.2f}, spurious "
          f"{m['n_spurious_attractors']:.2f} per run; unstable fixed points "
          f"{m['n_unstable_fixed_points']}, unconverged {m['n_unconverged_iterations']}")
    ev = m["pca_explained_variance"]
    print(f"PCA of item codes, explained variance: {' '.join(f'{v:.2f}' for v in ev)}")
    fpn = "  ".join(f"{k}->{v['nearest']} {v['share']:.2f}"
                    for k, v in m["item_fixed_point_nearest"].items())
    print(f"fixed point reached from each item (nearest item, share of runs): {fpn}")
    b0 = m["best_sigma_at_mu0"]
    print(f"grid minimum: mu = {m['best_mu']:g}, sigma = {m['best_sigma']:g}, "
          f"sum (A - S)^2 = {m['grid_distance_min']:.3f}; best sigma at mu = 0: "
          f"{'n/a' if b0 is None else f'{b0:g}'}")
    for s in m["replay_prevalence"]:
        print(f"{s}: replay prevalence {fmt_items(m['replay_prevalence'][s], 3)}")
        sl = m["student_item_loss"][s]
        print(f"{s}: student item loss {fmt_items(sl['mean'], 3)}")
        hs, sc = m["hierarchy_score"][s], m["similarity_corr"][s]
        la = " ".join(f"{v:.3f}" for v in m["level_accuracy"][s].values())
        print(f"{s}: student mean item loss {sl['mean_over_items']:.3f}; completion loss "
              f"{m['completion_loss'][s]['mean']:.3f}; non-item loss "
              f"{m['nonitem_loss'][s]['mean']:.3f}; similarity corr {sc['mean']:.3f}")
        print(f"{s}: student level accuracy {la}; hierarchy score {hs['mean']:.3f} "
              f"[{hs['ci95'][0]:.3f}, {hs['ci95'][1]:.3f}]")
    la = " ".join(f"{v:.3f}" for v in m["teacher_level_accuracy"].values())
    print(f"teacher level accuracy {la}; hierarchy score {m['teacher_hierarchy_score']['mean']:.3f}"
          f"; completion loss {m['teacher_completion_loss']['mean']:.3f}; non-item loss "
          f"{m['teacher_nonitem_loss']['mean']:.3f}")
    if "sigma_sweep" in m:
        sw = m["sigma_sweep"]
        print(f"sigma sweep at mu = 0 ({R} students each; mean [95% interval]):")
        for k in range(len(sw["sigmas"])):
            print(sweep_line(sw, k))
        print(f"  best sigma by hierarchy score {sw['sigma_best_hierarchy']:g}, by item loss "
              f"{sw['sigma_best_item_loss']:g}, by completion loss "
              f"{sw['sigma_best_completion']:g}; transition-matrix optimum at mu = 0: "
              f"{'n/a' if b0 is None else f'{b0:g}'}")


def sweep_line(sw, k):
    """One printed row of the sigma sweep."""
    s, hs, ls = sw["sigmas"][k], sw["hierarchy_score"][k], sw["student_mean_item_loss"][k]
    cl, nl = sw["completion_loss"][k], sw["nonitem_loss"][k]
    return (f"  sigma {s:4.2f}: hierarchy {hs['mean']:.3f} [{hs['ci95'][0]:.3f}, "
            f"{hs['ci95'][1]:.3f}]  item loss {ls['mean']:.3f} [{ls['ci95'][0]:.3f}, "
            f"{ls['ci95'][1]:.3f}]  completion loss {cl['mean']:.3f} [{cl['ci95'][0]:.3f}, "
            f"{cl['ci95'][1]:.3f}]  non-item loss {nl['mean']:.3f}")


def to_plain(obj):
    """numpy types -> plain Python for json."""
    if isinstance(obj, dict):
        return {str(k): to_plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_plain(obj.tolist())
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def write_json_atomic(path, obj):
    path = os.path.abspath(path)
    tmp = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(to_plain(obj), fh, indent=1)
        fh.write("\n")
    os.replace(tmp, path)


# ----------------------------------------------------------------------------- CLI

def _num(text, kind, lo=None, lo_open=False, hi=None, hi_open=False):
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {'an integer' if kind is int else 'a number'}"
                                         f", got {text!r}")
    if kind is float and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be finite, got {text!r}")
    if lo is not None and (value < lo or (lo_open and value == lo)):
        raise argparse.ArgumentTypeError(f"must be {'>' if lo_open else '>='} {lo}, got {text}")
    if hi is not None and (value > hi or (hi_open and value == hi)):
        raise argparse.ArgumentTypeError(f"must be {'<' if hi_open else '<='} {hi}, got {text}")
    return value


def int_ge(lo):
    return lambda t: _num(t, int, lo)


def float_ge(lo, lo_open=False):
    return lambda t: _num(t, float, lo, lo_open)


def unit_interval_open(t):
    return _num(t, float, 0.0, False, 1.0, True)


def float_list(lo=None):
    def parse(text):
        parts = [p for p in text.split(",") if p.strip()]
        if not parts:
            raise argparse.ArgumentTypeError(f"expected a comma-separated list, got {text!r}")
        return [_num(p.strip(), float, lo) for p in parts]
    return parse


def build_parser():
    p = argparse.ArgumentParser(
        description="Noise-induced replay in shallow denoising autoencoders (Gerritsen 2021).")
    p.add_argument("--seed", type=int_ge(0), default=0, help="random seed (default 0)")
    p.add_argument("--sweep", type=int_ge(1), default=None, metavar="N",
                   help="run seeds 0..N-1 and summarise them")
    p.add_argument("--json", default=None, metavar="PATH", help="write results to PATH")
    p.add_argument("--quiet", action="store_true", help="print nothing")
    p.add_argument("--scenario", choices=["under", "over", "both"], default="both",
                   help="under: H = 2, 1500 epochs; over: H = 32, 3500 epochs (default both)")
    p.add_argument("--hidden", type=int_ge(1), default=None,
                   help="teacher hidden units (overrides the scenario's; needs one scenario)")
    p.add_argument("--epochs", type=int_ge(1), default=None,
                   help="teacher maximum epochs (overrides the scenario's; needs one scenario)")
    p.add_argument("--runs", type=int_ge(1), default=25, help="models per scenario (25)")
    p.add_argument("--lr", type=float_ge(0, True), default=1e-2, help="AdamW learning rate")
    p.add_argument("--beta1", type=unit_interval_open, default=0.9, help="AdamW beta1")
    p.add_argument("--beta2", type=unit_interval_open, default=0.999, help="AdamW beta2")
    p.add_argument("--eps", type=float_ge(0, True), default=1e-8, help="AdamW epsilon")
    p.add_argument("--weight-decay", type=float_ge(0), default=0.01,
                   help="AdamW decoupled weight decay (PyTorch default 0.01)")
    p.add_argument("--l2", type=float_ge(0), default=0.005, help="L2 penalty on the weights")
    p.add_argument("--dropout", type=unit_interval_open, default=0.15,
                   help="dropout on input and hidden while training, in [0, 1)")
    p.add_argument("--batch-size", type=int, choices=[1, 2, 4, 8], default=4,
                   help="minibatch size (divides the 8 patterns per epoch)")
    p.add_argument("--early-stop", action="store_true",
                   help="stop (freeze) a teacher run by the two rules below (default: train "
                        "every run for the full epochs)")
    p.add_argument("--stop-loss", type=float_ge(0), default=1e-3,
                   help="early stop when the mean item loss is below this")
    p.add_argument("--stop-delta", type=float_ge(0), default=1e-4,
                   help="early stop when the mean item loss changed by less than this "
                        "from one epoch to the next")
    p.add_argument("--sv-threshold", type=float_ge(0), default=0.1,
                   help="a singular value of f(X) counts as nonzero above this")
    p.add_argument("--fp-starts", type=int_ge(0), default=200,
                   help="random starts per run for the fixed-point search")
    p.add_argument("--fp-tol", type=float_ge(0, True), default=1e-10,
                   help="fixed-point convergence tolerance (max-norm step)")
    p.add_argument("--fp-max-iter", type=int_ge(1), default=5000,
                   help="maximum iterations of the fixed-point search")
    p.add_argument("--steps", type=int_ge(1), default=25, help="replay chain length")
    p.add_argument("--chains", type=int_ge(1), default=10000,
                   help="replay chains per (mu, sigma) grid point, split over the runs")
    p.add_argument("--mus", type=float_list(), default=[-0.2, -0.1, 0.0, 0.1, 0.2],
                   help="grid of noise means (comma-separated)")
    p.add_argument("--sigmas", type=float_list(0.0),
                   default=[round(0.1 * k, 1) for k in range(11)],
                   help="grid of noise standard deviations (comma-separated, >= 0)")
    p.add_argument("--replay-chains", type=int_ge(1), default=1000,
                   help="replayed patterns per run and sigma for the students")
    p.add_argument("--student-hidden", type=int_ge(1), default=32, help="student hidden units")
    p.add_argument("--student-epochs", type=int_ge(1), default=3500, help="student epochs")
    p.add_argument("--student-items", type=int, choices=[4, 8, 16], default=8,
                   help="replayed patterns drawn per student epoch")
    p.add_argument("--sigma-sweep", action="store_true",
                   help="also train students over --sweep-sigmas (open question 2)")
    p.add_argument("--sweep-sigmas", type=float_list(0.0),
                   default=[round(0.1 * k, 1) for k in range(11)],
                   help="sigmas of the student sweep (comma-separated, >= 0)")
    return p


def config_from_args(args, parser):
    if args.scenario == "both":
        if args.hidden is not None or args.epochs is not None:
            parser.error("argument --hidden/--epochs: needs --scenario under or over")
        scenarios = [SCENARIOS["under"], SCENARIOS["over"]]
    else:
        h, e = SCENARIOS[args.scenario]
        scenarios = [(args.hidden or h, args.epochs or e)]
    if args.student_items % args.batch_size:
        parser.error("argument --batch-size: must divide --student-items")
    cfg = {k: v for k, v in vars(args).items()
           if k not in ("seed", "sweep", "json", "quiet", "hidden", "epochs", "scenario")}
    cfg["scenario"] = args.scenario
    cfg["scenarios"] = scenarios
    cfg["hidden"] = [h for h, _ in scenarios]
    cfg["epochs"] = [e for _, e in scenarios]
    return cfg


def headline_scalars(metrics):
    """Scalar metrics of one seed, flattened for a sweep summary."""
    out = {}
    for key in metrics["best_sigma"]:
        out[f"{key}.item_loss_final"] = metrics["item_loss_final"][key]["mean_over_items"]
        out[f"{key}.n_nonzero_singular_values"] = metrics["n_nonzero_singular_values"][key]
        out[f"{key}.n_attractor_items"] = len(metrics["attractor_items"][key])
        out[f"{key}.n_spurious_attractors"] = metrics["n_spurious_attractors"][key]
        out[f"{key}.best_mu"] = metrics["best_mu"][key]
        out[f"{key}.best_sigma"] = metrics["best_sigma"][key]
        for s, v in metrics["hierarchy_score"][key].items():
            out[f"{key}.hierarchy_score.{'noise' if s != 'mu=0,sigma=0' else 'no_noise'}"] = \
                v["mean"]
        for s, v in metrics["student_item_loss"][key].items():
            out[f"{key}.student_item_loss.{'noise' if s != 'mu=0,sigma=0' else 'no_noise'}"] = \
                v["mean_over_items"]
        if "sigma_sweep" in metrics:
            sw = metrics["sigma_sweep"][key]
            out[f"{key}.best_sigma_at_mu0"] = metrics["best_sigma_at_mu0"][key]
            for name in ("sigma_best_hierarchy", "sigma_best_item_loss", "sigma_best_completion"):
                out[f"{key}.{name}"] = sw[name]
            best = int(np.argmax([v["mean"] for v in sw["hierarchy_score"]]))
            out[f"{key}.hierarchy_score_max"] = sw["hierarchy_score"][best]["mean"]
            if metrics["best_sigma_at_mu0"][key] in sw["sigmas"]:
                k = sw["sigmas"].index(metrics["best_sigma_at_mu0"][key])
                out[f"{key}.hierarchy_score_at_transition_optimum"] = \
                    sw["hierarchy_score"][k]["mean"]
    return out


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    cfg = config_from_args(args, parser)
    if args.json:
        d = os.path.dirname(os.path.abspath(args.json))
        if not os.path.isdir(d) or not os.access(d, os.W_OK):
            parser.error(f"argument --json: cannot write to directory {d}")
    versions = {"python": platform.python_version(), "numpy": np.__version__}
    t0 = time.perf_counter()
    try:
        with np.errstate(over="ignore"):   # sigmoid overflow is harmless; NaN is checked
            if args.sweep is None:
                metrics, _ = run_study(args.seed, cfg, quiet=args.quiet)
                result = {"experiment": "replay_autoencoder", "seed": args.seed,
                          "config": cfg, "metrics": metrics}
            else:
                per_seed = []
                for s in range(args.sweep):
                    if not args.quiet:
                        print(f"--- seed {s} ---")
                    m, _ = run_study(s, cfg, quiet=args.quiet)
                    per_seed.append({"seed": s, **headline_scalars(m)})
                keys = list(dict.fromkeys(k for p in per_seed for k in p if k != "seed"))
                summary = {k: interval([p[k] for p in per_seed if p.get(k) is not None])
                           for k in keys}
                result = {"experiment": "replay_autoencoder", "seeds": list(range(args.sweep)),
                          "config": cfg, "metrics": {k: summary[k]["mean"] for k in keys},
                          "per_seed": per_seed, "summary": summary}
                if not args.quiet:
                    print(f"summary over seeds 0..{args.sweep - 1} "
                          "(mean, std, min, max, 95% CI):")
                    for k, v in summary.items():
                        if v["n"]:
                            print(f"  {k}: {v['mean']:.4g} {v['std']:.3g} {v['min']:.4g} "
                                  f"{v['max']:.4g} [{v['ci95'][0]:.4g}, {v['ci95'][1]:.4g}]")
    except DivergenceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    result["versions"] = versions
    result["wallclock_s"] = time.perf_counter() - t0
    if not args.quiet:
        print(f"total wall-clock {result['wallclock_s']:.1f} s")
    if args.json:
        try:
            write_json_atomic(args.json, result)
        except OSError as exc:
            print(f"error: cannot write {args.json}: {exc.strerror}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
