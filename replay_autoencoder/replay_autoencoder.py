#!/usr/bin/env python3
"""Noise-induced replay in shallow denoising autoencoders (Gerritsen 2021), in NumPy.

A denoising autoencoder 9 -> H -> 9 (ReLU, logistic output, dropout, squared error + L2,
AdamW by hand) learns 8 hierarchical items.  The "teacher" is iterated from uniform noise
with N(mu, sigma^2) noise added at every step (the thesis's Algorithm 1), and a "student"
(H = 32) is trained only on the replayed end states.  The 25 runs of a scenario are one
batched computation; each run draws from its own generators, so a batch equals its runs.

Running it prints, per scenario (H = 2 for 1,500 epochs, H = 32 for 3,500): the teachers'
per-item loss with 95% intervals over runs, the nonzero singular values of f(X), the items
that are attractors (spectral radius of the hand-derived Jacobian < 1), the mu x sigma grid
minimum of sum (A - S)^2, and replay prevalence and the students' per-item loss for replay
without noise, at the grid optimum and at the thesis's sigma = 0.5.  The studies beyond the
thesis are in studies_replay_autoencoder.py.
"""
import argparse
import json
import math
import os
import platform
import sys
import time

import numpy as np

# ----------------------------------------------------------------------------- constants
SCENARIOS = {"under": (2, 1500), "over": (32, 3500)}  # thesis: (hidden units, epochs)
RUNS = 25                  # thesis: runs per scenario
LR = 1e-2                  # thesis: AdamW learning rate
BETA1, BETA2, EPS = 0.9, 0.999, 1e-8   # ours: PyTorch's AdamW defaults (thesis gives none)
WEIGHT_DECAY = 0.01        # ours: PyTorch's AdamW default decoupled weight decay
L2 = 0.005                 # thesis: L2 penalty on the weights, in the loss
DROPOUT = 0.15             # thesis: dropout on input and hidden units while training
BATCH_SIZE = 4             # thesis: minibatches of 4, two per epoch
SV_THRESHOLD = 0.1         # ours: a singular value of f(X) counts as nonzero above this
FP_STARTS = 200            # ours: random starts per run for the fixed-point search
FP_TOL, FP_MAX_ITER = 1e-10, 5000   # ours: fixed-point convergence
STEPS = 25                 # ours: replay chain length (the thesis's latent-map arrows)
CHAINS = 10000             # thesis: chains per (mu, sigma) grid point (split over runs, ours)
MUS = [-0.2, -0.1, 0.0, 0.1, 0.2]   # ours: noise-mean grid
SIGMAS = [round(0.1 * k, 1) for k in range(11)]   # thesis: sigma grid 0..1
THESIS_SIGMA = 0.5         # thesis: the sigma it settles on (mu = 0)
REPLAY_CHAINS = 1000       # ours: replayed patterns per run and setting for a student
STUDENT_HIDDEN = 32        # thesis: student hidden units
STUDENT_EPOCHS = 3500      # ours: the H = 32 teacher's budget
STUDENT_ITEMS = 8          # thesis: replayed patterns drawn per student epoch
MAX_RUNS, MAX_SWEEP = 200, 1000   # memory / time caps of --runs and --sweep

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
assert np.linalg.matrix_rank(DATA) == 6          # the thesis: rank 6
STAGE = {"teacher": 1, "fixed_points": 2, "grid": 3, "replay": 4, "student": 5}

class DivergenceError(RuntimeError):                 # a loss became NaN or infinite
    pass

def scaled_correlation(X=DATA):
    """The Pearson correlation of the items, min-max scaled to [0, 1] (the thesis's S)."""
    C = np.corrcoef(X)
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

def loss_and_grads(params, x, target, m_in=None, m_h=None, l2=L2):
    """Summed squared error + l2 (|W1|^2 + |W2|^2) per run (R,), and its gradients; m_in
    (R, B, D), m_h (R, B, H): dropout masks scaled by 1/(1 - p), None = no dropout."""
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


# ----------------------------------------------------------------------------- AdamW

def adamw_init(theta):
    return {"m": np.zeros_like(theta), "v": np.zeros_like(theta), "t": 0}

def adamw_step(theta, grad, state, lr, beta1, beta2, eps, weight_decay, active=None):
    """One AdamW step on theta (R, P), in place; runs with active False stay frozen."""
    state["t"] += 1
    t = state["t"]
    m_new = beta1 * state["m"] + (1.0 - beta1) * grad          # first moment
    v_new = beta2 * state["v"] + (1.0 - beta2) * grad * grad   # second moment
    step = (lr / (1.0 - beta1 ** t)) * m_new / (np.sqrt(v_new / (1.0 - beta2 ** t)) + eps)
    new = theta * (1.0 - lr * weight_decay) - step             # decay, then the Adam step
    on = slice(None) if active is None else active             # frozen runs keep everything
    theta[on], state["m"][on], state["v"][on] = new[on], m_new[on], v_new[on]

def flat_views(theta, D, H):
    """The parameter dict as views into the flat (R, P) array theta."""
    shapes, views, i = {"W1": (D, H), "b1": (1, H), "W2": (H, D), "b2": (1, D)}, {}, 0
    for k, (a, b) in shapes.items():
        views[k], i = theta[:, i:i + a * b].reshape(-1, a, b), i + a * b
    return views

def flatten(params):
    R = params["W1"].shape[0]
    return np.concatenate([params[k].reshape(R, -1) for k in ("W1", "b1", "W2", "b2")], axis=1)


# ----------------------------------------------------------------------------- training

def draw_chunk(rngs, n_epochs, n_patterns, per_epoch, sample_with_replacement, dims, dropout):
    """Pattern indices (R, E, per_epoch) and scaled dropout masks for n_epochs epochs, each
    run from its own generator (so the draws do not depend on the batch)."""
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

def train(patterns, rngs, hidden, epochs, cfg, copies=1, shuffle=True, monitor=None,
          progress=None, chunk=250):
    """Train M = copies x R autoencoders at once, entry c * R + r on patterns[c * R + r]
    (N, D) with generator r.  Each epoch: cfg["per_epoch"] patterns (shuffle: a shuffled
    pass; else draws with replacement) in minibatches of cfg["batch_size"].  After every
    epoch monitor(epoch, f(X) (M, 8, D)) may return a mask (M,) of runs to freeze from
    then on.  Returns the parameters and the clean item loss per epoch (M, E, 8)."""
    R = len(rngs)
    M, N, D = patterns.shape
    assert M == copies * R
    tile = lambda a: np.broadcast_to(a[None], (copies,) + a.shape).reshape((M,) + a.shape[1:])
    theta = tile(flatten(init_params(rngs, hidden, D))).copy()          # (M, P)
    params = flat_views(theta, D, hidden)
    opt, active = adamw_init(theta), np.ones(M, dtype=bool)
    per_epoch, bs = cfg["per_epoch"], cfg["batch_size"]
    losses = np.empty((M, epochs, N_ITEMS))
    run_axis, Xb = np.arange(M)[:, None], np.broadcast_to(DATA, (M,) + DATA.shape)
    for e0 in range(0, epochs, chunk):
        if progress:
            progress(e0, epochs)
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
            Y = predict(params, Xb)
            losses[:, e0 + e] = ((Y - DATA) ** 2).sum(axis=2)              # (M, 8)
            stop = monitor(e0 + e, Y) if monitor else None
            if stop is not None:
                active &= ~stop
    return params, losses


# ----------------------------------------------------------------------------- dynamics

def nearest_item(x, X=DATA):
    """Index of the nearest item (Euclidean) for every pattern; x (..., D)."""
    d2 = (x * x).sum(-1)[..., None] - 2.0 * x @ X.T + (X * X).sum(1)
    return np.argmin(d2, axis=-1)

def jacobian(params, x):
    """J[..., j, i] = d f_j / d x_i = [diag(sigmoid'(z2)) W2^T diag(relu'(z1)) W1^T]_ji."""
    W1, W2 = params["W1"], params["W2"]
    z1 = x @ W1 + params["b1"]
    y = sigmoid(np.maximum(z1, 0.0) @ W2 + params["b2"])
    d1 = (z1 > 0.0).astype(float)                       # relu'(z1), (R, B, H)
    d2 = y * (1.0 - y)                                  # sigmoid'(z2), (R, B, D)
    # JT[i, j] = sum_k W1[i, k] d1[k] W2[k, j] d2[j]
    JT = (W1[:, None] * d1[:, :, None, :]) @ W2[:, None] * d2[:, :, None, :]
    return JT.swapaxes(-1, -2)

def iterate_to_fixed_point(params, x, tol=FP_TOL, max_iter=FP_MAX_ITER):
    """Iterate x <- f(x) until max |f(x) - x| < tol for every pattern (or max_iter)."""
    for _ in range(max_iter):
        y = predict(params, x)
        step = np.abs(y - x).max(axis=-1)
        x = y
        if step.max() < tol:
            break
    return x, step < tol

def fixed_point_analysis(params, rngs, n_starts, tol=FP_TOL, max_iter=FP_MAX_ITER):
    """Fixed points reached from the items and from n_starts uniform random starts.  An item
    is an attractor when it converges to a stable point (Jacobian spectral radius < 1)
    nearest itself; a spurious attractor is a stable point that no item reaches."""
    R = params["W1"].shape[0]
    starts = np.stack([g.random((n_starts, N_ATTR)) for g in rngs])           # (R, n, D)
    x0 = np.concatenate([np.broadcast_to(DATA, (R,) + DATA.shape), starts], axis=1)
    fp, conv = iterate_to_fixed_point(params, x0, tol, max_iter)
    rho = np.abs(np.linalg.eigvals(jacobian(params, fp))).max(axis=-1)
    stable = conv & (rho < 1.0)
    near = nearest_item(fp)
    item_attr = stable[:, :N_ITEMS] & (near[:, :N_ITEMS] == np.arange(N_ITEMS))
    points = lambda r, k: {tuple(p) for p in np.round(fp[r, :k][stable[r, :k]], 6)}   # distinct
    n_distinct = np.array([len(points(r, None)) for r in range(R)])
    n_spurious = np.array([len(points(r, None) - points(r, N_ITEMS)) for r in range(R)])
    return {"item_is_attractor": item_attr, "n_distinct": n_distinct, "n_spurious": n_spurious, "n_unconverged": int((~conv).sum()),
            "n_unstable_fixed_points": int((conv & (rho >= 1.0)).sum()),
            "item_fixed_point_nearest": near[:, :N_ITEMS], "item_fixed_points": fp[:, :N_ITEMS],
            "rho_items": rho[:, :N_ITEMS]}


# ----------------------------------------------------------------------------- replay

def replay(params, rngs, n_chains, steps, mus, sigmas, transitions=False):
    """Algorithm 1, x <- clip(f(x) + mu + sigma z, 0, 1), for every (mu, sigma) pair; run r
    draws its uniform starts and all z from its own generator, shared by every pair
    (common random numbers).  Returns the final states (R, G, n, D) and, with transitions,
    per-run counts (R, G, 8, 8) of nearest-item pairs of consecutive states (t >= 1)."""
    mus, sigmas = np.asarray(mus, float), np.asarray(sigmas, float)
    G = len(mus)
    x0 = np.stack([g.random((n_chains, N_ATTR)) for g in rngs])              # (R, n, D)
    z = np.stack([g.standard_normal((steps, n_chains, N_ATTR)) for g in rngs])
    R = len(rngs)
    out = np.empty((R, G, n_chains, N_ATTR))
    counts = np.zeros((R, G, N_ITEMS, N_ITEMS), dtype=np.int64)
    half_norm = 0.5 * (DATA * DATA).sum(axis=1)
    per = max(1, 1000 // n_chains)                 # grid points per chunk (cache-sized)
    for g0 in range(0, G, per):
        gs = slice(g0, min(G, g0 + per))
        k = gs.stop - gs.start
        mu, sd = mus[gs][None, :, None, None], sigmas[gs][None, :, None, None]
        x = np.broadcast_to(x0[:, None], (R, k, n_chains, N_ATTR)).reshape(R, -1, N_ATTR)
        prev = None
        for t in range(steps):
            y = predict(params, x).reshape(R, k, n_chains, N_ATTR)               # f(x)
            y = np.clip(y + sd * z[:, t][:, None] + mu, 0.0, 1.0)   # + N(mu, sigma^2), clipped
            if transitions:
                lab = np.argmin(half_norm - y @ DATA.T, axis=-1)              # nearest item
                if prev is not None:
                    cell = (np.arange(R * k).reshape(R, k, 1) * 64 + prev * 8 + lab).ravel()
                    counts[:, gs] += np.bincount(cell, minlength=R * k * 64).reshape(R, k, 8, 8)
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

def interval(values):
    """Mean, std, min, max and the normal-approximation 95% interval of the mean."""
    v = np.asarray(values, float)[np.isfinite(values)]
    n = len(v)
    if n == 0:
        return {"mean": None, "std": None, "min": None, "max": None, "ci95": [None, None], "n": 0}
    m, s = float(v.mean()), float(v.std(ddof=1)) if n > 1 else 0.0
    h = 1.96 * s / math.sqrt(n)
    return {"mean": m, "std": s, "min": float(v.min()), "max": float(v.max()),
            "ci95": [m - h, m + h], "n": n}

def per_item(values):
    """{item: interval over runs} of a (R, 8) array."""
    return {item: interval(values[:, k]) for k, item in enumerate(ITEMS)}


# ----------------------------------------------------------------------------- protocol

def train_teachers(seed, hidden, epochs, cfg, runs, progress=None, monitor=None):
    """The thesis's teachers: a shuffled pass over the 8 items per epoch."""
    patterns = np.broadcast_to(DATA, (len(runs),) + DATA.shape).copy()
    return train(patterns, run_rngs(seed, hidden, "teacher", runs), hidden, epochs,
                 dict(cfg, per_epoch=N_ITEMS), monitor=monitor, progress=progress)

def grid_search(seed, hidden, teacher, cfg, runs):
    """Algorithm 1 on the mu x sigma grid, cfg["chains"] chains per point split over the runs;
    per-run transition counts (R, n_mu, n_sigma, 8, 8), A, sum (A - S)^2 and its minimum."""
    mus, sigmas = cfg["mus"], cfg["sigmas"]
    mm, ss = np.meshgrid(mus, sigmas, indexing="ij")
    per_run = max(1, cfg["chains"] // len(runs))
    _, counts = replay(teacher, run_rngs(seed, hidden, "grid", runs), per_run,
                       cfg["steps"], mm.ravel(), ss.ravel(), transitions=True)
    counts = counts.reshape((len(runs),) + mm.shape + (N_ITEMS, N_ITEMS))
    A = transition_matrix(counts.sum(0))
    dist = ((A - scaled_correlation()) ** 2).sum(axis=(-2, -1))
    i, j = np.unravel_index(np.argmin(dist), dist.shape)
    j0 = [k for k, m in enumerate(mus) if m == 0.0]
    return {"counts": counts, "A": A, "dist": dist, "best": (float(mus[i]), float(sigmas[j])),
            "best_sigma_at_mu0": float(sigmas[int(np.argmin(dist[j0[0]]))]) if j0 else None}

def train_students(seed, hidden, teacher, cfg, runs, pairs, progress=None, monitor=None):
    """Replay sets (one per (mu, sigma) pair and run) and students trained on them; the pairs
    share each run's chain starts, noise, initial weights, draws and masks."""
    R, P = len(runs), len(pairs)
    states, _ = replay(teacher, run_rngs(seed, hidden, "replay", runs), cfg["replay_chains"],
                       cfg["steps"], [m for m, _ in pairs], [s for _, s in pairs])
    patterns = states.transpose(1, 0, 2, 3).reshape(P * R, cfg["replay_chains"], N_ATTR)
    student, curves = train(patterns, run_rngs(seed, hidden, "student", runs),
                            cfg["student_hidden"], cfg["student_epochs"],
                            dict(cfg, per_epoch=cfg["student_items"]), copies=P, shuffle=False,
                            monitor=monitor, progress=progress)
    return {"states": states, "prevalence": prevalence(states).transpose(1, 0, 2),   # (P, R, 8)
            "student": student, "item_loss": curves[:, -1].reshape(P, R, N_ITEMS)}

def pair_label(mu, sigma):
    return f"mu={mu:g},sigma={sigma:g}"

def run_scenario(seed, hidden, epochs, cfg, progress=None):
    """The thesis's study for one teacher size; returns (metrics dict, raw arrays)."""
    runs = list(range(cfg["runs"]))
    say = lambda text: progress and progress(f"H{hidden} {text}")
    tell = lambda what: (lambda k, n: say(f"{what}: epoch {k}/{n}"))
    teacher, curves = train_teachers(seed, hidden, epochs, cfg, runs, tell("teachers"))
    final = curves[:, -1]                                                      # (R, 8)
    sv_final = np.linalg.svd(predict(teacher, np.broadcast_to(DATA, (len(runs),) + DATA.shape)),
                             compute_uv=False)
    n_nonzero = (sv_final > cfg["sv_threshold"]).sum(axis=1)
    say("fixed points and the mu x sigma grid")
    fp = fixed_point_analysis(teacher, run_rngs(seed, hidden, "fixed_points", runs),
                              cfg["fp_starts"])
    grid = grid_search(seed, hidden, teacher, cfg, runs)
    pairs = list(dict.fromkeys([(0.0, 0.0), grid["best"], (0.0, THESIS_SIGMA)]))  # no noise,
    # the grid optimum, the thesis's sigma = 0.5
    st = train_students(seed, hidden, teacher, cfg, runs, pairs, progress=tell("students"))
    mi, si = cfg["mus"].index(grid["best"][0]), cfg["sigmas"].index(grid["best"][1])
    metrics = {
        "item_loss_final": {"per_item": per_item(final), "mean_over_items": interval(final.mean(1))},
        "singular_values_final_mean": sv_final.mean(0).tolist(),
        "n_nonzero_singular_values": float(n_nonzero.mean()),
        "n_nonzero_singular_values_per_run": n_nonzero.tolist(),
        "attractor_items": [ITEMS[k] for k in range(N_ITEMS)
                            if fp["item_is_attractor"][:, k].mean() > 0.5],
        "attractor_share": dict(zip(ITEMS, fp["item_is_attractor"].mean(0).tolist())),
        "n_distinct_attractors": float(fp["n_distinct"].mean()),
        "n_spurious_attractors": float(fp["n_spurious"].mean()),
        "n_unstable_fixed_points": fp["n_unstable_fixed_points"],
        "n_unconverged_iterations": fp["n_unconverged"],
        "grid_distance": grid["dist"].tolist(),
        "grid_distance_min": float(grid["dist"].min()),
        "best_mu": grid["best"][0], "best_sigma": grid["best"][1],
        "best_sigma_at_mu0": grid["best_sigma_at_mu0"],
        "transition_matrix_best": grid["A"][mi, si].tolist(),
        "student_settings": [pair_label(*p) for p in pairs],
        "replay_prevalence": {pair_label(*p): per_item(st["prevalence"][k])
                              for k, p in enumerate(pairs)},
        "student_item_loss": {pair_label(*p): {"per_item": per_item(v), "mean_over_items":
                                               interval(v.mean(1))}
                              for p, v in zip(pairs, st["item_loss"])},
    }
    raw = {"teacher": teacher, "fixed_points": fp, "grid": grid, "students": st, "pairs": pairs}
    return metrics, raw

def run_study(seed, cfg, quiet=True, progress=None):
    """Every chosen scenario; metrics and raw arrays keyed by scenario 'H<hidden>'."""
    per_scen, raws = {}, {}
    for hidden, epochs in cfg["scenarios"]:
        key = f"H{hidden}"
        per_scen[key], raws[key] = run_scenario(seed, hidden, epochs, cfg, progress)
        if not quiet:
            if progress:
                progress(None)
            print("\n".join(scenario_lines(key, epochs, per_scen[key], cfg)), flush=True)
    return per_scen, raws


# ----------------------------------------------------------------------------- output

def mean_ci(v, prec=3):
    return f"{v['mean']:.{prec}f} [{v['ci95'][0]:.{prec}f}, {v['ci95'][1]:.{prec}f}]"

def item_table(columns, prec=3):
    """Rows: items; columns: {title: {item: interval}} as 'mean [lo, hi]'."""
    width = 8 + 2 * prec + 3 * (prec + 3)
    return ["  item    " + "".join(f"{t:>{width}}" for t in columns)] + [
        f"  {item:<8}" + "".join(f"{mean_ci(c[item], prec):>{width}}" for c in columns.values())
        for item in ITEMS]

def scenario_lines(key, epochs, m, cfg):
    il, share = m["item_loss_final"], m["attractor_share"]
    out = [f"== {key}: {cfg['runs']} runs, {epochs} epochs ==",
           f"teacher mean item loss {mean_ci(il['mean_over_items'])}",
           "teacher item loss, mean [95% interval] over runs:"]
    out += item_table({"loss": il["per_item"]})
    sv = " ".join(f"{v:.3f}" for v in m["singular_values_final_mean"])
    out += [f"singular values of f(X) (mean): {sv}; nonzero (> {cfg['sv_threshold']:g}): "
            f"{m['n_nonzero_singular_values']:.2f} per run",
            "attractor share per item: " + "  ".join(f"{k} {v:.2f}" for k, v in share.items()),
            f"attractor items (majority of runs): {', '.join(m['attractor_items']) or 'none'}; "
            f"distinct attractors {m['n_distinct_attractors']:.2f}, spurious "
            f"{m['n_spurious_attractors']:.2f} per run; unstable fixed points "
            f"{m['n_unstable_fixed_points']}, unconverged {m['n_unconverged_iterations']}"]
    out += [f"grid minimum: mu = {m['best_mu']:g}, sigma = {m['best_sigma']:g}, sum (A - S)^2 = "
            f"{m['grid_distance_min']:.3f}; best sigma at mu = 0: {m['best_sigma_at_mu0']}",
            "replay prevalence (share of replayed patterns nearest each item), "
            "mean [95% interval] over runs:"]
    out += item_table(m["replay_prevalence"])
    out.append("student item loss, mean [95% interval] over runs:")
    out += item_table({s: v["per_item"] for s, v in m["student_item_loss"].items()})
    out.append("student mean item loss: " + "; ".join(
        f"{s} {mean_ci(v['mean_over_items'])}" for s, v in m["student_item_loss"].items()))
    return out

def write_atomic(path, write):
    """write(tmp) beside path, mode 0644, os.replace; the temporary file never stays."""
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
    text = json.dumps(obj, indent=1, allow_nan=False, default=lambda o: o.tolist()) + "\n"
    write_atomic(path, lambda tmp: open(tmp, "w", encoding="utf-8").write(text) and None)

class Progress:
    """A one-line counter on stderr if it is a terminal and not --quiet; None ends the line."""
    def __init__(self, quiet):
        self.show, self.prefix, self.last, self.shown = sys.stderr.isatty() and not quiet, "", 0, False

    def __call__(self, text):
        if self.show and (self.shown if text is None else time.monotonic() - self.last > 0.2
                          or not self.shown):
            sys.stderr.write("\n" if text is None else f"\r{self.prefix}{text}\033[K")
            sys.stderr.flush()
            self.last, self.shown = time.monotonic(), text is not None


# ----------------------------------------------------------------------------- CLI

def number(kind, lo=None, hi=None, lo_open=False, hi_open=False):
    """argparse type: a finite int or float in the given range."""
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {kind.__name__}, got {text!r}")
        if (not math.isfinite(value) or (lo is not None and (value < lo or lo_open and value == lo))
                or (hi is not None and (value > hi or hi_open and value == hi))):
            raise argparse.ArgumentTypeError(f"must be finite and in {'(' if lo_open else '['}"
                                             f"{lo}, {hi}{')' if hi_open else ']'}, got {text}")
        return value
    return parse

def float_list(lo, hi):
    def parse(text):
        values = [number(float, lo, hi)(p.strip()) for p in text.split(",") if p.strip()]
        if not 0 < len(values) <= 100 or len(set(values)) < len(values):
            raise argparse.ArgumentTypeError(f"expected 1 to 100 distinct numbers, got {text!r}")
        return values
    return parse

def output_path(text):
    """A file to write: its folder must take a new file (checked by making one)."""
    try:
        if os.path.isdir(text):
            raise IsADirectoryError(21, "is a directory")
        tmp = os.path.join(os.path.dirname(os.path.abspath(text)), f".{os.getpid()}.check")
        open(tmp, "w").close()
        os.remove(tmp)
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"cannot write {text}: {exc.strerror or exc}")
    return text


UNIT, POS = number(float, 0.0, 1.0, hi_open=True), number(float, 0.0, 1e6, lo_open=True)
FLAGS = {   # flag: (type or choices, default, help); the defaults are the constants above
    "--hidden": (number(int, 1, 1024), None, "teacher hidden units (None: the scenario's)"),
    "--epochs": (number(int, 1, 10 ** 6), None, "teacher epochs (None: the scenario's)"),
    "--runs": (number(int, 1, MAX_RUNS), RUNS, f"teacher-student runs per scenario (<= {MAX_RUNS})"),
    "--lr": (POS, LR, "AdamW learning rate"),
    "--l2": (number(float, 0.0, 1e6), L2, "L2 penalty on the weights"),
    "--dropout": (UNIT, DROPOUT, "dropout on input and hidden units while training"),
    "--batch-size": ([1, 2, 4, 8], BATCH_SIZE, "minibatch size"),
    "--fp-starts": (number(int, 0, 10000), FP_STARTS, "random starts per run, fixed-point search"),
    "--steps": (number(int, 1, 1000), STEPS, "replay chain length"),
    "--chains": (number(int, 1, 10 ** 5), CHAINS, "replay chains per grid point, over the runs"),
    "--mus": (float_list(-10.0, 10.0), MUS, "noise means of the grid (comma-separated)"),
    "--sigmas": (float_list(0.0, 10.0), SIGMAS, "noise standard deviations of the grid"),
    "--replay-chains": (number(int, 1, 10 ** 5), REPLAY_CHAINS, "replayed patterns per student"),
    "--student-hidden": (number(int, 1, 1024), STUDENT_HIDDEN, "student hidden units"),
    "--student-epochs": (number(int, 1, 10 ** 6), STUDENT_EPOCHS, "student epochs"),
    "--student-items": ([4, 8, 16], STUDENT_ITEMS, "replayed patterns per student epoch"),
}

def build_parser():
    p = argparse.ArgumentParser(
        description="Noise-induced replay in shallow denoising autoencoders (Gerritsen 2021).")
    p.add_argument("--seed", type=number(int, 0, 2 ** 32 - 1), default=None, help="default 0")
    p.add_argument("--sweep", type=number(int, 1, MAX_SWEEP), default=None, metavar="N",
                   help=f"run seeds 0..N-1 and summarise them (N <= {MAX_SWEEP})")
    p.add_argument("--json", type=output_path, default=None, metavar="PATH", help="write results")
    p.add_argument("--quiet", action="store_true", help="print nothing")
    p.add_argument("--scenario", choices=["under", "over", "both"], default="both",
                   help="under: H = 2, 1500 epochs; over: H = 32, 3500 epochs (default both)")
    for flag, (kind, default, text) in FLAGS.items():
        how = {"choices": kind, "type": int} if isinstance(kind, list) else {"type": kind}
        p.add_argument(flag, default=default, help=f"{text} (default {default})", **how)
    return p

def config_from_args(args, parser):
    """Cross-flag checks (naming both flags), then every hyperparameter under its dest."""
    if args.sweep is not None and args.seed is not None:
        parser.error("argument --seed: not used with --sweep (a sweep runs seeds 0..N-1)")
    for flag in ("hidden", "epochs"):
        if args.scenario == "both" and getattr(args, flag) is not None:
            parser.error(f"argument --{flag}: needs --scenario under or over, not --scenario both")
    if args.student_items % args.batch_size:
        parser.error("argument --batch-size: must divide --student-items")
    cfg = {k: v for k, v in vars(args).items() if k not in ("seed", "sweep", "json", "quiet")}
    cfg.update(beta1=BETA1, beta2=BETA2, eps=EPS, weight_decay=WEIGHT_DECAY,
               sv_threshold=SV_THRESHOLD, fp_tol=FP_TOL, fp_max_iter=FP_MAX_ITER)
    names = ["under", "over"] if args.scenario == "both" else [args.scenario]
    cfg["scenarios"] = [(args.hidden or SCENARIOS[n][0], args.epochs or SCENARIOS[n][1])
                        for n in names]
    return cfg

def headline_scalars(metrics):
    """Scalar metrics of one seed, flattened for a sweep summary."""
    out = {}
    for key, m in metrics.items():
        out[f"{key}.item_loss_final"] = m["item_loss_final"]["mean_over_items"]["mean"]
        for name in ("n_nonzero_singular_values", "n_spurious_attractors", "n_distinct_attractors",
                     "best_mu", "best_sigma", "grid_distance_min"):
            out[f"{key}.{name}"] = m[name]
        out[f"{key}.n_attractor_items"] = len(m["attractor_items"])
        roles = {"no_noise": (0.0, 0.0), "grid_optimum": (m["best_mu"], m["best_sigma"]),
                 "thesis_sigma": (0.0, THESIS_SIGMA)}          # keys that every seed has
        out.update({f"{key}.student_item_loss.{r}": m["student_item_loss"][pair_label(*p)]
                    ["mean_over_items"]["mean"] for r, p in roles.items()})
    return out

def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    cfg = config_from_args(args, parser)
    seeds = list(range(args.sweep)) if args.sweep else [args.seed or 0]
    progress, per_seed, t0 = Progress(args.quiet), [], time.perf_counter()
    try:
        with np.errstate(all="ignore"):     # saturated logistics are harmless; NaN is checked
            for s in seeds:
                progress.prefix = f"seed {s + 1}/{len(seeds)}: " if args.sweep else ""
                if args.sweep and not args.quiet:
                    print(f"--- seed {s} ---", flush=True)
                per_seed.append(run_study(s, cfg, quiet=args.quiet, progress=progress)[0])
    except DivergenceError as exc:
        progress(None)
        sys.stderr.write(f"replay_autoencoder.py: {exc}\n")
        return 1
    progress(None)
    result = {"experiment": "replay_autoencoder", "config": cfg}
    if args.sweep:
        flat = [{"seed": s, **headline_scalars(m)} for s, m in zip(seeds, per_seed)]
        summary = {k: interval([p[k] for p in flat]) for k in flat[0] if k != "seed"}
        result.update(seeds=seeds, metrics={k: v["mean"] for k, v in summary.items()},
                      per_seed=flat, summary=summary)
        if not args.quiet:
            print(f"summary over seeds 0..{args.sweep - 1} (mean, std, min, max, 95% interval):")
            for k, v in summary.items():
                print(f"  {k}: {v['mean']:.4g} {v['std']:.3g} {v['min']:.4g} {v['max']:.4g} "
                      f"[{v['ci95'][0]:.4g}, {v['ci95'][1]:.4g}]")
    else:
        result.update(seed=seeds[0], metrics=per_seed[0])
    result["versions"] = {"python": platform.python_version(), "numpy": np.__version__}
    result["wallclock_s"] = time.perf_counter() - t0
    if args.json:
        write_json(args.json, result)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.stderr.write("\nreplay_autoencoder.py: interrupted\n")
        sys.exit(130)
    except BrokenPipeError:          # output piped into a closed reader (e.g. head)
        sys.exit(1)
