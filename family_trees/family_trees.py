"""Hinton's family trees (1986): (person1, relation) -> person2 on two isomorphic trees.

A 24-6 / 12-6 -> 12 -> 6 -> 24 logistic network learns 100 of the 104 (person, relation)
cases of an English and an Italian family tree and is tested on the 4 it never saw (Hinton
1986, Proc. 8th Cognitive Science Society; Rumelhart, Hinton & Williams 1986, Nature 323:533).
Hand-written backward pass; the seeds of a sweep train as one batched computation.

`--seed S` prints the held-out cases (each right or wrong), train correct (of 100), test correct
(of 4), the final error, and for nationality, generation and branch the best single person
unit with its eta^2; `--sweep N` a summary over seeds 0..N-1 (mean, std, min, max, 95%
interval, histogram) with the probability that two runs score 7 of 8 or more, as the paper's
did. Defaults: the paper's schedule; `--init 1.0 --eps2 0.1`: the README's rescue.
"""
import argparse
import json
import math
import os
import sys
import tempfile
import time
from functools import partial

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")    # small arrays: threads only contend

import numpy as np  # noqa: E402

try:   # glibc: numpy's temporaries of a few MB from the heap, not fresh mmap pages (M_MMAP_
    import ctypes  # and M_TRIM_THRESHOLD; measured 95 -> 60 us per network-sweep, README)
    ctypes.CDLL(None).mallopt(-3, 64 << 20), ctypes.CDLL(None).mallopt(-1, 128 << 20)
except (OSError, AttributeError):
    pass

# ---- the paper's network and schedule (REFERENCES.md section 2) ----------------------------
PERSON_UNITS, RELATION_UNITS = 6, 6   # paper: person 24 -> 6, relation 12 -> 6
CENTRAL_UNITS, HIDDEN_UNITS = 12, 6   # paper: both 6-groups -> 12 central -> 6 -> 24 outputs
SWEEPS = 1500                         # paper: sweeps through the 100 training cases
SWITCH = 20                           # paper: sweeps at EPS1, ALPHA1 before EPS2, ALPHA2
EPS1, ALPHA1 = 0.005, 0.5             # paper: first 20 sweeps
EPS2, ALPHA2 = 0.01, 0.9              # paper (two transcriptions; a third reads eps 0.001)
DECAY = 0.002                         # paper: every weight decremented by 0.2% per weight change
MARGIN_ON, MARGIN_OFF = 0.8, 0.2      # paper: no error for an on-unit above 0.8, off below 0.2
THRESHOLD = 0.5                       # paper: correct = target unit(s) above, all others below
N_TEST = 4                            # paper: 4 of the 104 cases held out
PAPER_RUNS = (4, 3)                   # paper: held-out cases correct in its two runs

# ---- our choices for what the paper leaves open (README "Deviations") ----------------------
INIT = 0.3                 # ours: initial weights U(-0.3, 0.3) (a public replication's value)
BIAS_DECAY = True          # ours: biases are weights from an always-on unit, so they decay too
UPDATE = "batch"           # ours: gradient summed over a sweep, one weight change per sweep;
#                            "case": a weight change after each case (decay / 100 per change)
RESCUE = {"init": 1.0, "eps2": 0.1}   # ours: chosen on training success only (README)
FEATURE_THRESHOLD = 0.8    # ours: eta^2 at which a feature counts as carried by one unit
N_PERMUTATIONS = 20        # ours: random relabellings of the people for the chance control
MAX_WEIGHT = 1e6           # ours: a weight beyond this means the learner has diverged
MAX_SWEEP = 10000          # ours: seeds per sweep (about 10 minutes at the paper's settings)
CHUNK = 250                # ours: networks per batched array computation (memory, cache)
PUBLIC = "public: mean 1.9/4 (catalog), about 0.67 mean test accuracy (another replication)"

# ---- data: the two trees as marriages and children; every relation derived by rule ---------
# People in "tree order" (the rows of the paper's Fig. 4): generation by generation.
TREES = {
    "English": {"order": ["Christopher", "Penelope", "Andrew", "Christine", "Margaret",
                          "Arthur", "Victoria", "James", "Jennifer", "Charles", "Colin",
                          "Charlotte"],
                "male": {"Christopher", "Andrew", "Arthur", "James", "Charles", "Colin"},
                "couples": [("Christopher", "Penelope", ["Arthur", "Victoria"]),
                            ("Andrew", "Christine", ["James", "Jennifer"]),
                            ("Arthur", "Margaret", []), ("Charles", "Jennifer", []),
                            ("James", "Victoria", ["Colin", "Charlotte"])]},
    "Italian": {"order": ["Roberto", "Maria", "Pierro", "Francesca", "Gina", "Emilio",
                          "Lucia", "Marco", "Angela", "Tomaso", "Alfonso", "Sophia"],
                "male": {"Roberto", "Pierro", "Emilio", "Marco", "Tomaso", "Alfonso"},
                "couples": [("Roberto", "Maria", ["Emilio", "Lucia"]),
                            ("Pierro", "Francesca", ["Marco", "Angela"]),
                            ("Emilio", "Gina", []), ("Tomaso", "Angela", []),
                            ("Marco", "Lucia", ["Alfonso", "Sophia"])]}}
NATIONALITIES = ["English", "Italian"]
PEOPLE = TREES["English"]["order"] + TREES["Italian"]["order"]        # index = input unit
RELATIONS = ["father", "mother", "husband", "wife", "son", "daughter",
             "uncle", "aunt", "brother", "sister", "nephew", "niece"]
N_PEOPLE, N_REL = len(PEOPLE), len(RELATIONS)
# cases and facts per tree for every relation (REFERENCES.md section 2)
EXPECTED_CASES = {"father": 6, "mother": 6, "son": 6, "daughter": 6, "husband": 5, "wife": 5,
                  "nephew": 4, "niece": 4, "brother": 3, "sister": 3, "uncle": 2, "aunt": 2}
EXPECTED_FACTS = dict(EXPECTED_CASES, uncle=4, aunt=4)


def derive_relations(tree):
    """All 12 relations of one tree as {(person, relation): sorted answers}, derived by rule."""
    male, spouse, parents, children = tree["male"], {}, {}, {}
    for husband, wife, kids in tree["couples"]:
        spouse[husband], spouse[wife] = wife, husband
        children[husband] = children[wife] = list(kids)
        for kid in kids:
            parents[kid] = [husband, wife]

    def siblings(p):
        return [c for par in parents.get(p, [])[:1] for c in children[par] if c != p]

    def piblings(p):      # the parents' siblings and those siblings' spouses
        return [q for par in parents.get(p, []) for sib in siblings(par)
                for q in [sib] + ([spouse[sib]] if sib in spouse else [])]

    def niblings(p):      # the children of one's siblings and of one's spouse's siblings
        in_law = siblings(spouse[p]) if p in spouse else []
        return [kid for sib in siblings(p) + in_law for kid in children.get(sib, [])]

    kin = {"father": lambda p: parents.get(p, []), "husband": lambda p: [spouse.get(p)],
           "son": lambda p: children.get(p, []), "uncle": piblings, "brother": siblings,
           "nephew": niblings}
    facts = {}
    for p in tree["order"]:
        for male_rel, female_rel in zip(RELATIONS[0::2], RELATIONS[1::2]):
            group = [q for q in kin[male_rel](p) if q is not None]
            for rel, want_male in ((male_rel, True), (female_rel, False)):
                answers = sorted({q for q in group if (q in male) == want_male})
                if answers:
                    facts[(p, rel)] = answers
    return {(p, r): facts[(p, r)] for p in tree["order"] for r in RELATIONS if (p, r) in facts}


def build_dataset():
    """The 104 cases: names, one-hot inputs Xp (104, 24) and Xr (104, 12), targets T (104, 24)
    with both answers on for a two-answer case; asserts the counts of REFERENCES.md section 2
    (24 people, 12 relations, 104 cases, 112 facts, and per tree and relation)."""
    cases = [(p, r, a) for nat in NATIONALITIES
             for (p, r), a in derive_relations(TREES[nat]).items()]
    pidx = np.array([PEOPLE.index(p) for p, _, _ in cases])
    ridx = np.array([RELATIONS.index(r) for _, r, _ in cases])
    T = np.zeros((len(cases), N_PEOPLE))
    for i, (_, _, answers) in enumerate(cases):
        T[i, [PEOPLE.index(a) for a in answers]] = 1.0
    assert len(set(PEOPLE)) == 24 and len(RELATIONS) == 12
    assert len(cases) == 104 and int(T.sum()) == 112
    for nat in NATIONALITIES:
        members = set(TREES[nat]["order"])
        for r in RELATIONS:
            sel = [c for c in cases if c[1] == r and c[0] in members]
            assert len(sel) == EXPECTED_CASES[r], (nat, r, len(sel))
            assert sum(len(c[2]) for c in sel) == EXPECTED_FACTS[r], (nat, r)
            assert all(set(c[2]) <= members for c in sel)
    return {"names": [f"{p}:{r}" for p, r, _ in cases], "cases": cases,
            "Xp": np.eye(N_PEOPLE)[pidx], "Xr": np.eye(N_REL)[ridx], "T": T}


# Features of the people for the interpretability score, by position in a tree's order.
# Branch: the left family (the first grandparents, their children and Margaret) against the
# right family (the other grandparents, their children and Charles); the third generation
# descends from both and is left out (-1).
FEATURES = {"nationality": np.repeat([0, 1], 12),
            "generation": np.array([0] * 4 + [1] * 6 + [2] * 2)[np.arange(24) % 12],
            "branch": np.array([0, 0, 1, 1, 0, 0, 0, 1, 1, 1, -1, -1])[np.arange(24) % 12]}
DATA = build_dataset()

# ---- model: one-hot person -> 6, one-hot relation -> 6, 12 -> 12 -> 6 -> 24, logistic -------
PARAM_SHAPES = {"Wp": (N_PEOPLE, PERSON_UNITS), "bp": (PERSON_UNITS,),
                "Wr": (N_REL, RELATION_UNITS), "br": (RELATION_UNITS,),
                "Wc": (PERSON_UNITS + RELATION_UNITS, CENTRAL_UNITS), "bc": (CENTRAL_UNITS,),
                "Wh": (CENTRAL_UNITS, HIDDEN_UNITS), "bh": (HIDDEN_UNITS,),
                "Wo": (HIDDEN_UNITS, N_PEOPLE), "bo": (N_PEOPLE,)}
PARAM_NAMES = list(PARAM_SHAPES)


def init_params(rng, scale):
    """Every weight and bias uniform in [-scale, scale], drawn in PARAM_NAMES order."""
    return {k: scale * rng.uniform(-1.0, 1.0, PARAM_SHAPES[k]) for k in PARAM_NAMES}


def stack(dicts):
    return {k: np.stack([d[k] for d in dicts]) for k in dicts[0]}


def sigmoid(z):
    """Logistic function, in place on a fresh temporary z (exp(-z) = inf gives 0, as it should;
    callers silence the overflow warning with np.errstate)."""
    np.negative(z, out=z)
    np.exp(z, out=z)
    z += 1.0
    return np.reciprocal(z, out=z)


def layer(x, W, b):
    """sigmoid(x @ W + b) for B networks: x (B, N, i) or shared (N, i), W (B, i, o), b (B, o)."""
    z = x @ W
    z += b[:, None]
    return sigmoid(z)


def forward(p, Xp, Xr):
    """Activations of B networks. Xp (N, 24), Xr (N, 12): one-hot inputs shared by all
    networks, or (B, N, .) per network. a_p, a_r (B, N, 6); pr (B, N, 12) both groups side by
    side; a_c (B, N, 12); a_h (B, N, 6); y (B, N, 24)."""
    a_p, a_r = layer(Xp, p["Wp"], p["bp"]), layer(Xr, p["Wr"], p["br"])
    pr = np.concatenate([a_p, a_r], axis=-1)
    a_c = layer(pr, p["Wc"], p["bc"])
    a_h = layer(a_c, p["Wh"], p["bh"])
    return {"a_p": a_p, "a_r": a_r, "pr": pr, "a_c": a_c, "a_h": a_h,
            "y": layer(a_h, p["Wo"], p["bo"])}


def through_logistic(d, a):
    """Back through a logistic unit with output a: d * a (1 - a), in place on d."""
    slope = 1.0 - a
    slope *= a
    d *= slope
    return d


def margin_error(y, T, mask):
    """The paper's error over the cases where mask (B, N) is 1: E = 1/2 sum e^2 with
    e = min(y - 0.8, 0) on a target unit and max(y - 0.2, 0) on every other unit (zero once an
    on-unit is above 0.8 and an off-unit below 0.2). Returns E (B,) and dE/dz, the derivative
    with respect to the output units' net input (B, N, 24)."""
    e = np.where(T > 0.5, np.minimum(y - MARGIN_ON, 0.0), np.maximum(y - MARGIN_OFF, 0.0))
    e *= mask[..., None]                                   # only training cases count
    return 0.5 * np.einsum("bnk,bnk->b", e, e), through_logistic(e, y)


def loss_and_grads(p, Xp, Xr, T, mask, error=margin_error):
    """Error E (B,) summed over the masked cases and dE/dp for every parameter array."""
    act = forward(p, Xp, Xr)
    E, dz_o = error(act["y"], T, mask)
    sum_cases = partial(np.einsum, "bnk->bk")              # a bias gradient: sum over cases
    g = {"Wo": act["a_h"].swapaxes(1, 2) @ dz_o, "bo": sum_cases(dz_o)}
    dz_h = through_logistic(dz_o @ p["Wo"].swapaxes(1, 2), act["a_h"])  # back through Wo
    g["Wh"], g["bh"] = act["a_c"].swapaxes(1, 2) @ dz_h, sum_cases(dz_h)
    dz_c = through_logistic(dz_h @ p["Wh"].swapaxes(1, 2), act["a_c"])  # back through Wh
    g["Wc"], g["bc"] = act["pr"].swapaxes(1, 2) @ dz_c, sum_cases(dz_c)
    d_pr = dz_c @ p["Wc"].swapaxes(1, 2)                   # back into both 6-unit groups
    dz_p = through_logistic(d_pr[..., :PERSON_UNITS], act["a_p"])
    dz_r = through_logistic(d_pr[..., PERSON_UNITS:], act["a_r"])
    g["Wp"], g["bp"] = Xp.swapaxes(-1, -2) @ dz_p, sum_cases(dz_p)    # one-hot inputs
    g["Wr"], g["br"] = Xr.swapaxes(-1, -2) @ dz_r, sum_cases(dz_r)
    return E, g, act


def correct_cases(y, T):
    """(B, N) bool: the target unit(s) above THRESHOLD and every other unit below it."""
    return np.all((y > THRESHOLD) == (T > 0.5), axis=-1)


# ---- training ---------------------------------------------------------------------------------
class Diverged(RuntimeError):  # a weight stopped being finite or grew beyond MAX_WEIGHT
    pass


def rates(cfg, late, live, share):
    """Per parameter array: (alpha, eps, shrink), each one value or one per network, shaped to
    broadcast over the array's networks; a frozen (diverged) network gets eps = shrink = 0."""
    eps, alpha = (cfg["eps2"], cfg["alpha2"]) if late else (cfg["eps1"], cfg["alpha1"])
    bias = np.asarray(cfg["bias_decay"], dtype=float)

    def per_run(value, ndim):
        v = np.asarray(value, dtype=float)
        return v if v.ndim == 0 else v.reshape(v.shape + (1,) * (ndim - 1))
    return {k: (per_run(alpha, len(s) + 1), per_run(eps * live, len(s) + 1),
                per_run(cfg["decay"] * share * (bias if k[0] == "b" else 1.0) * live, len(s) + 1))
            for k, s in PARAM_SHAPES.items()}


def train(params, mask, cfg, order=None, error=margin_error, monitor=None, every=0,
          progress=None, strict=True):
    """Train B networks at once for cfg["sweeps"] sweeps; returns (params, diverged (B,)).
    mask (B, 104): 1 for a network's training cases; a hyperparameter is one value or (B,).
    Rule (paper): v <- alpha v - eps dE/dw, w <- w + v, then every weight shrinks by decay.
    update "batch": dE/dw summed over the training cases, one change per sweep; "case": one
    change per case of order (B, n), same eps and alpha (a summed gradient is each case's at
    that eps), decay / n (a sweep still shrinks by 0.2%). cfg["decay_in_momentum"] (a reading
    the studies try) puts the shrink into v. monitor(t, params) runs after sweeps 0, every, ..;
    strict: divergence raises Diverged, else the network is frozen at zero weights, flagged."""
    p = {k: v.copy() for k, v in params.items()}
    vel = {k: np.zeros_like(v) for k, v in p.items()}
    B, live = mask.shape[0], np.ones(mask.shape[0], bool)
    steps, share = [(DATA["Xp"], DATA["Xr"], DATA["T"], mask)], 1.0
    if cfg["update"] == "case":                 # one case per network and step: (B, 1, .)
        steps = [(DATA["Xp"][c][:, None], DATA["Xr"][c][:, None], DATA["T"][c][:, None],
                  np.ones((B, 1))) for c in order.T]
        share = 1.0 / order.shape[1]
    in_momentum = cfg.get("decay_in_momentum", False)
    if monitor and every:
        monitor(0, p)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        for t in range(cfg["sweeps"]):
            if t in (0, cfg["switch"]):
                r = rates(cfg, t >= cfg["switch"], live, share)
            for Xp, Xr, T, m in steps:
                _, g, _ = loss_and_grads(p, Xp, Xr, T, m, error)
                for k, (alpha, eps, shrink) in r.items():
                    vel[k] *= alpha                             # momentum step on dE/dw
                    vel[k] -= eps * g[k]
                    if in_momentum:
                        vel[k] -= shrink * p[k]
                    p[k] += vel[k]
                    if not in_momentum:
                        p[k] -= shrink * p[k]                   # every weight shrinks by decay
            big = ~np.all([(np.abs(v.reshape(B, -1)) <= MAX_WEIGHT).all(axis=1)
                           for v in p.values()], axis=0)
            if (big & live).any():
                if strict:
                    raise Diverged(f"a weight passed {MAX_WEIGHT:g} by sweep {t + 1}")
                live &= ~big
                for k in PARAM_NAMES:            # frozen at zero: outputs 0.5, none correct
                    p[k][big], vel[k][big] = 0.0, 0.0
                r = rates(cfg, t >= cfg["switch"], live, share)
            if progress:
                progress(t + 1)
            if monitor and every and (t + 1) % every == 0:
                monitor(t + 1, p)
    return p, ~live


def evaluate(p, mask):
    """Final error E (B,) on the training cases and the (B, 104) correctness of every case."""
    with np.errstate(over="ignore", under="ignore"):
        y = forward(p, DATA["Xp"], DATA["Xr"])["y"]
        E, _ = margin_error(y, DATA["T"], mask)
    return E, correct_cases(y, DATA["T"])


# ---- the protocol: a random 4-case split per seed -----------------------------------------
def draw_seed(seed, cfg):
    """Seed s's own generator draws, in this order: the 4 held-out cases, the initial weights,
    and the order of the training cases for per-case updates."""
    rng = np.random.default_rng(seed)
    test = np.sort(rng.choice(len(DATA["names"]), N_TEST, replace=False))
    params = init_params(rng, cfg["init"])
    return test, params, rng.permutation(np.setdiff1d(np.arange(len(DATA["names"])), test))


def masks(tests):
    """(B, 104): 1 for the training cases, 0 for each network's held-out cases."""
    mask = np.ones((len(tests), len(DATA["names"])))
    for i, t in enumerate(tests):
        mask[i, t] = 0.0
    return mask


def run_split(seeds, cfg, progress=None, error=margin_error):
    """Train one network per seed (chunks of CHUNK seeds, each one batch); per-seed metrics."""
    per_seed = []
    for lo in range(0, len(seeds), CHUNK):
        chunk = seeds[lo:lo + CHUNK]
        tests, plist, orders = zip(*(draw_seed(s, cfg) for s in chunk))
        mask = masks(tests)
        tick = progress and (lambda t, lo=lo: progress(f"seeds {lo}-{lo + len(chunk) - 1} of "
                                                       f"{len(seeds)}: sweep {t}/{cfg['sweeps']}"))
        params, _ = train(stack(plist), mask, cfg, np.array(orders), error, progress=tick)
        (E, ok), codes = evaluate(params, mask), person_codes(params)
        feats = feature_units(codes)
        for i, s in enumerate(chunk):
            m = {"seed": int(s), "train_correct": int(ok[i][mask[i] > 0].sum()),
                 "test_correct": int(ok[i, tests[i]].sum()),
                 "test_cases": [DATA["names"][j] for j in tests[i]],
                 "test_case_correct": [bool(ok[i, j]) for j in tests[i]],
                 "final_error": float(E[i]), "person_codes": codes[i].round(6).tolist(),
                 "person_weights": np.vstack([params["Wp"][i], params["bp"][i]]).round(6).tolist()}
            for name, f in feats.items():
                m[name] = {"unit": int(f["unit"][i]), "eta2": round(float(f["eta2"][i]), 6),
                           "carried": bool(f["carried"][i])}
            per_seed.append(m)
    return per_seed


# ---- interpretability: the best single person unit for each feature -------------------------
def eta_squared(x, labels):
    """Correlation ratio of x (..., n) grouped by labels (n,; < 0 left out): between-group over
    total variance; 1 for a unit constant within each group (2 groups: squared point-biserial r)."""
    keep = labels >= 0
    x, labels = x[..., keep], labels[keep]
    mean = x.mean(axis=-1, keepdims=True)
    total = ((x - mean) ** 2).sum(axis=-1)
    between = sum((labels == g).sum() * (x[..., labels == g].mean(axis=-1) - mean[..., 0]) ** 2
                  for g in np.unique(labels))
    return between / np.maximum(total, 1e-300)


def person_codes(p):
    """(B, 24, 6): the person units' activations for each person presented alone."""
    with np.errstate(over="ignore"):
        return sigmoid(p["Wp"] + p["bp"][:, None])


def feature_units(codes, threshold=FEATURE_THRESHOLD):
    """Per network and feature: the unit of highest eta^2, its eta^2, and if >= threshold."""
    out = {}
    for name, labels in FEATURES.items():
        eta = eta_squared(codes.swapaxes(1, 2), labels)                  # (B, 6)
        best = eta.argmax(axis=1)
        score = eta[np.arange(len(eta)), best]
        out[name] = {"unit": best, "eta2": score, "carried": score >= threshold}
    return out


def permutation_control(codes, threshold=FEATURE_THRESHOLD, seed=12345):
    """Chance baseline: how often one of N_PERMUTATIONS random relabellings of the people (same
    group sizes, a generator of its own) reaches the threshold."""
    rng = np.random.default_rng(seed)
    return {name: float(np.mean([eta_squared(codes.swapaxes(1, 2), rng.permutation(labels))
                                 .max(axis=1) >= threshold for _ in range(N_PERMUTATIONS)]))
            for name, labels in FEATURES.items()}


# ---- summaries ---------------------------------------------------------------------------------
def describe(values):
    """n, mean, std (ddof 1), min, max and a t-based 95% interval of the mean (the 0.975
    quantile of Student's t by its Cornish-Fisher expansion, within 1e-3 for n >= 4)."""
    v, z = np.asarray(values, dtype=float), 1.959963984540054
    out = {"n": int(v.size), "mean": float(v.mean()),
           "std": float(v.std(ddof=1)) if v.size > 1 else 0.0,
           "min": float(v.min()), "max": float(v.max())}
    df = max(v.size - 1, 1)
    t = (z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2)
         + (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / (384 * df ** 3))
    half = t * out["std"] / math.sqrt(v.size)
    out["ci95"] = [out["mean"] - half, out["mean"] + half]
    return out


def paper_outcome(test_correct, n_test=N_TEST, draws=20000, seed=2024):
    """How probable the paper's outcome, two runs totalling >= 7 of 8 held-out cases (its 4/4
    and 3/4), is under a measured distribution of per-run test correct (0..n_test). Estimate:
    the share of the pairs of distinct runs that total >= 7 (unbiased). 95% interval: of
    p4^2 + 2 p4 p3 under the posterior Dirichlet(counts + 1/2) of the outcome shares (`draws`
    draws, own generator; it keeps 95% coverage where a bootstrap does not: the tests)."""
    x, need = np.asarray(test_correct, dtype=int), sum(PAPER_RUNS)
    counts, pairs = np.bincount(x, minlength=n_test + 1), len(x) * (len(x) - 1)
    good = x[:, None] + x[None, :] >= need
    estimate = float((good.sum() - np.trace(good)) / pairs) if pairs else None
    share = np.random.default_rng(seed).dirichlet(counts + 0.5, size=draws)
    prob = sum(share[:, a] * share[:, b] for a in range(n_test + 1) for b in range(n_test + 1)
               if a + b >= need)
    return {"estimate": estimate, "ci95": [float(q) for q in np.quantile(prob, [0.025, 0.975])],
            "pairs": pairs // 2, "counts": counts.tolist()}


def summarize(per_seed):
    """Sweep summary: test and train correct, the paper's outcome, features carried."""
    tc = [m["test_correct"] for m in per_seed]
    n_train = len(DATA["names"]) - len(per_seed[0]["test_cases"])
    s = {"test_correct": describe(tc),
         "test_correct_hist": np.bincount(tc, minlength=N_TEST + 1).tolist(),
         "paper_outcome": paper_outcome(tc),
         "train_correct": describe([m["train_correct"] for m in per_seed]),
         "all_train_correct": int(sum(m["train_correct"] == n_train for m in per_seed)),
         "final_error": describe([m["final_error"] for m in per_seed])}
    for name in FEATURES:
        s[name] = {"carried_frac": float(np.mean([m[name]["carried"] for m in per_seed])),
                   "eta2": describe([m[name]["eta2"] for m in per_seed])}
    s["all_three_distinct_units_frac"] = float(np.mean(     # each by a unit of its own
        [len({m[n]["unit"] for n in FEATURES if m[n]["carried"]}) == 3 for m in per_seed]))
    s["permutation_control_carried_frac"] = permutation_control(
        np.array([m["person_codes"] for m in per_seed]))
    return s


# ---- printing ------------------------------------------------------------------------------------
def fmt_describe(d, prec=2):
    num = lambda v: f"{int(v)}" if float(v).is_integer() else f"{v:.{prec}f}"  # noqa: E731
    lo, hi = d["ci95"]
    return (f"mean {d['mean']:.{prec}f}, std {d['std']:.{prec}f}, min {num(d['min'])}, "
            f"max {num(d['max'])}, 95% CI of mean [{lo:.{prec}f}, {hi:.{prec}f}]")


def fmt_outcome(o):
    if o["estimate"] is None:
        return "paper's outcome: needs two seeds"
    return (f"paper's outcome (two runs totalling >= {sum(PAPER_RUNS)} of {2 * N_TEST}, as its "
            f"{PAPER_RUNS[0]}/4 and {PAPER_RUNS[1]}/4): {o['estimate']:.3f} of the {o['pairs']} "
            f"pairs of seeds, 95% interval [{o['ci95'][0]:.3f}, {o['ci95'][1]:.3f}]")


def report_single(m):
    n_test = len(m["test_cases"])
    return [f"held-out cases: " + ", ".join(f"{n} ({'correct' if ok else 'wrong'})" for n, ok
                                             in zip(m["test_cases"], m["test_case_correct"])),
            f"train correct {m['train_correct']}/{104 - n_test}  test correct "
            f"{m['test_correct']}/{n_test}  final error {m['final_error']:.4f}"] + [
        f"  {n:<11s} best person unit {m[n]['unit'] + 1}  eta^2 {m[n]['eta2']:.3f}  "
        f"{'carried' if m[n]['carried'] else 'not carried'}" for n in FEATURES]


def report_sweep(s, n_test):
    tc = s["test_correct"]
    return [f"test correct (of {n_test}): {fmt_describe(tc)}",
            f"test correct histogram 0..{n_test}: {s['test_correct_hist']}",
            fmt_outcome(s["paper_outcome"]),
            f"mean test accuracy {tc['mean'] / n_test:.3f} | paper: 4/4 and 3/4 on its two runs "
            f"(7/8 = 0.875) | {PUBLIC}",
            f"train correct: {fmt_describe(s['train_correct'])}; all {104 - n_test} learned in "
            f"{s['all_train_correct']}/{tc['n']} runs",
            f"features carried by one unit (eta^2 >= {FEATURE_THRESHOLD}), fraction of seeds: "
            + ", ".join(f"{n} {s[n]['carried_frac']:.2f}" for n in FEATURES)
            + f"; all three, each by a unit of its own {s['all_three_distinct_units_frac']:.2f}",
            "  best-unit eta^2 per feature: " + "; ".join(
                f"{n} mean {s[n]['eta2']['mean']:.3f} [min {s[n]['eta2']['min']:.3f}]"
                for n in FEATURES),
            "  chance control (people relabelled at random): " + ", ".join(
                f"{n} {v:.2f}" for n, v in s["permutation_control_carried_frac"].items())]


# ---- command line -------------------------------------------------------------------------
def number(kind, interval):
    """argparse type: a finite int or float in the interval, written "[lo, hi)" and so on."""
    lo, hi = (float(x) for x in interval[1:-1].split(","))

    def check(text):
        try:
            v = kind(text)
        except ValueError:
            v = None
        if v is None or not (math.isfinite(v) and (v > lo if interval[0] == "(" else v >= lo)
                             and (v < hi if interval[-1] == ")" else v <= hi)):
            what = "an integer" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"expected {what} in {interval}, got {text!r}")
        return v
    return check


def output_path(text):
    """An output file in a writable folder: checked by creating and removing a file there."""
    try:
        if os.path.isdir(text):
            raise OSError(f"{text} is a directory")
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(text)), prefix=".")
        os.close(fd)
        os.remove(tmp)
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"cannot write to {text}: {exc.strerror or exc}")
    return text


def build_parser():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add = ap.add_argument
    add("--seed", type=number(int, "[0, 1e18]"), default=None, help="seed of one run (0)")
    add("--sweep", type=number(int, f"[1, {MAX_SWEEP}]"), default=None, metavar="N",
        help=f"seeds 0..N-1, batched (N up to {MAX_SWEEP})")
    add("--json", type=output_path, default=None, metavar="PATH", help="write the results to PATH")
    add("--quiet", action="store_true", help="print nothing (results only in --json)")
    for flag, kind, interval, value, what in [
            ("--sweeps", int, "[1, 100000]", SWEEPS, "training sweeps"),
            ("--switch", int, "[0, 100000]", SWITCH, "sweeps at eps1/alpha1, then eps2/alpha2"),
            ("--eps1", float, "(0, 10]", EPS1, "learning rate of the first sweeps"),
            ("--alpha1", float, "[0, 1)", ALPHA1, "momentum of the first sweeps"),
            ("--eps2", float, "(0, 1e9]", EPS2, "learning rate after them (or 0.001?)"),
            ("--alpha2", float, "[0, 1)", ALPHA2, "momentum after them"),
            ("--decay", float, "[0, 1)", DECAY, "fraction every weight shrinks by per sweep"),
            ("--init", float, "(0, 100]", INIT, "initial weights uniform in [-init, init]")]:
        add(flag, type=number(kind, interval), default=value, help=f"{what} ({value})")
    add("--bias-decay", action=argparse.BooleanOptionalAction, default=BIAS_DECAY,
        help="the decay acts on the biases too (ours: yes)")
    add("--update", choices=("batch", "case"), default=UPDATE,
        help="one weight change per sweep on the summed gradient, or one after each case")
    return ap


def parse_config(argv=None):
    ap = build_parser()
    a = ap.parse_args(argv)
    if a.seed is not None and a.sweep is not None:
        ap.error("argument --seed: not allowed with --sweep (a sweep runs seeds 0..N-1)")
    cfg = {k: v for k, v in vars(a).items() if k not in ("seed", "sweep", "json", "quiet")}
    return a, cfg, list(range(a.sweep)) if a.sweep else [a.seed or 0]


def atomic_write(path, write, suffix=""):
    """write(tmp) to a temporary file beside path, then os.replace it there with mode 0644;
    the temporary file is removed on any error or Ctrl-C (the figure scripts use this too)."""
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


def write_json(path, obj, indent=1):
    """Strict JSON (allow_nan=False; numpy values as Python lists and numbers)."""
    def dump(tmp):
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(obj, fh, indent=indent, allow_nan=False, default=lambda o: o.tolist())
            fh.write("\n")
    atomic_write(path, dump)


class Progress:
    """A one-line counter on stderr, only when it is a terminal and not --quiet."""
    def __init__(self, on):
        self.on, self.last, self.shown = on, 0.0, False

    def __call__(self, text):
        if self.on and time.time() - self.last > 0.2:
            sys.stderr.write(f"\r{text:<70}")
            sys.stderr.flush()
            self.last, self.shown = time.time(), True

    def close(self):                                       # end the counter's line
        self.shown = self.shown and sys.stderr.write("\n") and False


def main(argv=None):
    a, cfg, seeds = parse_config(argv)
    t0 = time.time()
    progress = Progress(sys.stderr.isatty() and not a.quiet)
    try:
        per_seed = run_split(seeds, cfg, progress)
    except Diverged as exc:
        progress.close()
        sys.stderr.write(f"family_trees.py: training diverged: {exc}; try a smaller --eps2\n")
        return 1
    progress.close()
    out = {"experiment": "family_trees", "config": cfg,
           "versions": {"python": sys.version.split()[0], "numpy": np.__version__}}
    n_test = len(per_seed[0]["test_cases"])
    if a.sweep:
        summ = summarize(per_seed)
        metrics = {k: summ[k]["mean"] for k in ("train_correct", "test_correct", "final_error")}
        metrics.update({f"{n}_carried_frac": summ[n]["carried_frac"] for n in FEATURES},
                       test_correct_ci95=summ["test_correct"]["ci95"], paper_outcome=summ[
                           "paper_outcome"], all_train_correct=summ["all_train_correct"])
        out.update(seeds=seeds, metrics=metrics, summary=summ, per_seed=per_seed)
        lines = report_sweep(summ, n_test)
    else:
        out.update(seed=seeds[0], metrics=per_seed[0])
        lines = report_single(per_seed[0])
    out["wallclock_s"] = round(time.time() - t0, 3)
    if not a.quiet:
        print(f"family_trees: {'seeds 0..%d' % seeds[-1] if a.sweep else 'seed %d' % seeds[0]}"
              f", {cfg['update']} updates, init {cfg['init']:g}, eps {cfg['eps1']:g}/"
              f"{cfg['eps2']:g}, alpha {cfg['alpha1']:g}/{cfg['alpha2']:g}, decay {cfg['decay']:g}"
              f"{'' if cfg['bias_decay'] else ' (not on biases)'}, {cfg['sweeps']} sweeps")
        print("\n".join(lines))
        print(f"wall-clock {out['wallclock_s']:.1f} s")
    if a.json:
        write_json(a.json, out)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.stderr.write("\nfamily_trees.py: interrupted\n")
        sys.exit(130)
