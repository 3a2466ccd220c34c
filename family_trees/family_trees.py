"""Hinton's family trees (1986): two isomorphic trees, (person1, relation) -> person2.

A 24-6 / 12-6 -> 12 -> 6 -> 24 logistic network learns 100 of the 104 (person, relation)
cases of an English and an Italian family tree and is tested on the 4 it never saw
(Hinton 1986, Proc. 8th Cognitive Science Society; Rumelhart, Hinton & Williams 1986, Nature).
Everything is NumPy with a hand-written backward pass; seeds and CV folds run as one batched
array computation along a leading axis.

Running it prints:
  * default (`--seed 0`): the held-out cases, train correct (of 100), test correct (of 4) with
    each held-out case marked, the final training error, and for each feature (nationality,
    generation, branch) the best single person unit with its correlation ratio eta^2;
  * `--sweep N`: one line per seed, then the distribution of test_correct (mean, std, min, max,
    95% interval of the mean, histogram of 0..4) beside the paper and public numbers, and how
    often each feature is carried by one unit (eta^2 >= --feature-threshold);
  * `--cv`: 26-fold leave-4-out cross-validation (every case tested once per seed), overall and
    per relation; combine with `--sweep N` for N repeats with different fold assignments;
  * `--ablations`: the same protocol (same seeds, splits and initial weights) for the paper's
    settings and for no weight decay, plain squared error, cross-entropy, and fewer sweeps;
  * `--diagnose`: why a run sits on the early plateau: its error beside the best input-independent
    output, the per-layer gradient against the weight decay, the smallest Hessian eigenvalue of
    the error against the decay's effective L2 penalty, then (unless `--no-scan`) single changes
    of the settings, same seeds;
  * `--list-facts`: every fact of the two trees, one per line, then exits.
"""
import argparse
import json
import math
import os
import platform
import sys
import time

import numpy as np

# ----------------------------------------------------------------------------------------------
# Data: two isomorphic trees from an explicit description; every relation derived by rule.
# ----------------------------------------------------------------------------------------------

# Each tree: (couples as (husband, wife, [children])), and the sex of every person.
# People are listed in "tree order" (the order of the paper's Fig. 4 rows): generation by
# generation, left to right.
TREES = {
    "English": {
        "order": ["Christopher", "Penelope", "Andrew", "Christine", "Margaret", "Arthur",
                  "Victoria", "James", "Jennifer", "Charles", "Colin", "Charlotte"],
        "male": {"Christopher", "Andrew", "Arthur", "James", "Charles", "Colin"},
        "couples": [("Christopher", "Penelope", ["Arthur", "Victoria"]),
                    ("Andrew", "Christine", ["James", "Jennifer"]),
                    ("Arthur", "Margaret", []),
                    ("James", "Victoria", ["Colin", "Charlotte"]),
                    ("Charles", "Jennifer", [])],
    },
    "Italian": {
        "order": ["Roberto", "Maria", "Pierro", "Francesca", "Gina", "Emilio",
                  "Lucia", "Marco", "Angela", "Tomaso", "Alfonso", "Sophia"],
        "male": {"Roberto", "Pierro", "Emilio", "Marco", "Tomaso", "Alfonso"},
        "couples": [("Roberto", "Maria", ["Emilio", "Lucia"]),
                    ("Pierro", "Francesca", ["Marco", "Angela"]),
                    ("Emilio", "Gina", []),
                    ("Marco", "Lucia", ["Alfonso", "Sophia"]),
                    ("Tomaso", "Angela", [])],
    },
}
NATIONALITIES = ["English", "Italian"]
PEOPLE = TREES["English"]["order"] + TREES["Italian"]["order"]            # 24, index = unit
RELATIONS = ["father", "mother", "husband", "wife", "son", "daughter",
             "uncle", "aunt", "brother", "sister", "nephew", "niece"]
N_PEOPLE, N_REL = len(PEOPLE), len(RELATIONS)
# Cases per tree and facts per tree for every relation (REFERENCES.md section 2).
EXPECTED_CASES = {"father": 6, "mother": 6, "son": 6, "daughter": 6, "husband": 5, "wife": 5,
                  "nephew": 4, "niece": 4, "brother": 3, "sister": 3, "uncle": 2, "aunt": 2}
EXPECTED_FACTS = dict(EXPECTED_CASES, uncle=4, aunt=4)


def derive_relations(tree):
    """All 12 relations of one tree as {(person, relation): sorted answers}, derived by rule."""
    male = tree["male"]
    spouse, parents, children = {}, {}, {}
    for husband, wife, kids in tree["couples"]:
        spouse[husband], spouse[wife] = wife, husband
        children[husband] = children[wife] = list(kids)
        for kid in kids:
            parents[kid] = [husband, wife]

    def siblings(p):
        return [c for par in parents.get(p, [])[:1] for c in children[par] if c != p]

    def piblings(p):  # parents' siblings and the spouses of those siblings
        out = []
        for par in parents.get(p, []):
            for sib in siblings(par):
                out += [sib] + ([spouse[sib]] if sib in spouse else [])
        return out

    def niblings(p):  # children of one's siblings and of one's spouse's siblings
        in_law = siblings(spouse[p]) if p in spouse else []
        return [kid for sib in siblings(p) + in_law for kid in children.get(sib, [])]

    def by_sex(people, want_male):
        return sorted(set(q for q in people if (q in male) == want_male))

    facts = {}
    for p in tree["order"]:
        rel = {
            "father": by_sex(parents.get(p, []), True),
            "mother": by_sex(parents.get(p, []), False),
            "husband": by_sex([spouse[p]] if p in spouse else [], True),
            "wife": by_sex([spouse[p]] if p in spouse else [], False),
            "son": by_sex(children.get(p, []), True),
            "daughter": by_sex(children.get(p, []), False),
            "uncle": by_sex(piblings(p), True),
            "aunt": by_sex(piblings(p), False),
            "brother": by_sex(siblings(p), True),
            "sister": by_sex(siblings(p), False),
            "nephew": by_sex(niblings(p), True),
            "niece": by_sex(niblings(p), False),
        }
        for r in RELATIONS:
            if rel[r]:
                facts[(p, r)] = rel[r]
    return facts


def build_dataset():
    """The 104 cases: names, person/relation indices, one-hot inputs and (multi-)hot targets."""
    cases = []
    for nat in NATIONALITIES:
        facts = derive_relations(TREES[nat])
        cases += [(p, r, facts[(p, r)]) for p in TREES[nat]["order"] for r in RELATIONS
                  if (p, r) in facts]
    pidx = np.array([PEOPLE.index(p) for p, _, _ in cases])
    ridx = np.array([RELATIONS.index(r) for _, r, _ in cases])
    targets = np.zeros((len(cases), N_PEOPLE))
    for i, (_, _, answers) in enumerate(cases):
        targets[i, [PEOPLE.index(a) for a in answers]] = 1.0
    data = {
        "names": [f"{p}:{r}" for p, r, _ in cases],
        "cases": cases,
        "pidx": pidx, "ridx": ridx,
        "Xp": np.eye(N_PEOPLE)[pidx],     # (104, 24) person one-hot
        "Xr": np.eye(N_REL)[ridx],        # (104, 12) relation one-hot
        "T": targets,                     # (104, 24) target units
    }
    check_dataset(data)
    return data


def check_dataset(data):
    """The counts of REFERENCES.md section 2; raises AssertionError if the trees are wrong."""
    assert len(PEOPLE) == 24 and len(set(PEOPLE)) == 24
    assert len(RELATIONS) == 12
    assert len(data["cases"]) == 104, len(data["cases"])
    assert int(data["T"].sum()) == 112, data["T"].sum()
    for nat in NATIONALITIES:
        members = set(TREES[nat]["order"])
        for r in RELATIONS:
            sel = [c for c in data["cases"] if c[1] == r and c[0] in members]
            assert len(sel) == EXPECTED_CASES[r], (nat, r, len(sel))
            assert sum(len(c[2]) for c in sel) == EXPECTED_FACTS[r], (nat, r)
            assert all(set(c[2]) <= members for c in sel)


def fact_lines(data):
    return [f"{p} {r} {a}" for p, r, answers in data["cases"] for a in answers]


# Features of the person codes (for the interpretability analysis).
GENERATION = {p: g for nat in NATIONALITIES for g, grp in
              enumerate([TREES[nat]["order"][:4], TREES[nat]["order"][4:10],
                         TREES[nat]["order"][10:]]) for p in grp}
# Branch: the left family (first grandparent couple and the people born or married into it)
# against the right family. The third generation descends from both and is left out.
BRANCH = {}
for _nat in NATIONALITIES:
    _o = TREES[_nat]["order"]
    BRANCH.update({p: 0 for p in [_o[0], _o[1], _o[4], _o[5], _o[6]]})
    BRANCH.update({p: 1 for p in [_o[2], _o[3], _o[7], _o[8], _o[9]]})
FEATURES = {
    "nationality": np.array([0] * 12 + [1] * 12),
    "generation": np.array([GENERATION[p] for p in PEOPLE]),
    "branch": np.array([BRANCH.get(p, -1) for p in PEOPLE]),   # -1 = excluded
}

# ----------------------------------------------------------------------------------------------
# Model: person 24->6, relation 12->6, concatenated 12 -> 12 -> 6 -> 24, logistic, biases.
# ----------------------------------------------------------------------------------------------

PARAM_NAMES = ["Wp", "bp", "Wr", "br", "Wc", "bc", "Wh", "bh", "Wo", "bo"]


def param_shapes(cfg):
    P, R, C, H = cfg["person_units"], cfg["relation_units"], cfg["central_units"], cfg["hidden_units"]
    return {"Wp": (N_PEOPLE, P), "bp": (P,), "Wr": (N_REL, R), "br": (R,),
            "Wc": (P + R, C), "bc": (C,), "Wh": (C, H), "bh": (H,), "Wo": (H, N_PEOPLE),
            "bo": (N_PEOPLE,)}


def init_params(rng, cfg):
    """Uniform(-init, init) for every weight and bias, drawn in PARAM_NAMES order."""
    shapes = param_shapes(cfg)
    return {k: rng.uniform(-cfg["init"], cfg["init"], size=shapes[k]) for k in PARAM_NAMES}


def stack(list_of_dicts):
    return {k: np.stack([d[k] for d in list_of_dicts]) for k in list_of_dicts[0]}


def sigmoid(z):
    """Logistic function; overwrites and returns z (callers pass fresh temporaries)."""
    np.negative(z, out=z)
    with np.errstate(over="ignore"):          # exp(+large) = inf gives 0, as it should
        np.exp(z, out=z)
    z += 1.0
    return np.reciprocal(z, out=z)


def forward(params, data):
    """Batched forward pass. params[k] has a leading batch axis B; returns the activations.

    Shapes: B runs, N = 104 cases; a_p (B,N,6), a_r (B,N,6), a_c (B,N,12), a_h (B,N,6),
    y (B,N,24).
    """
    a_p = sigmoid(params["Wp"][:, data["pidx"]] + params["bp"][:, None, :])   # one-hot input
    a_r = sigmoid(params["Wr"][:, data["ridx"]] + params["br"][:, None, :])
    pr = np.concatenate([a_p, a_r], axis=-1)
    a_c = sigmoid(pr @ params["Wc"] + params["bc"][:, None, :])
    a_h = sigmoid(a_c @ params["Wh"] + params["bh"][:, None, :])
    y = sigmoid(a_h @ params["Wo"] + params["bo"][:, None, :])
    return {"a_p": a_p, "a_r": a_r, "pr": pr, "a_c": a_c, "a_h": a_h, "y": y}


def output_error(y, T, mask, cfg):
    """Error summed over the masked cases, per run, and its derivative w.r.t. the output net input.

    margin: E = 1/2 sum e^2 with e = min(y - on, 0) for target units and max(y - off, 0) for the
            others (zero once an on-unit is above `margin_on` and an off-unit below `margin_off`);
    sse:    E = 1/2 sum (y - t)^2;
    ce:     E = -sum t log y + (1 - t) log(1 - y).
    """
    m = mask[..., None]
    if cfg["loss"] == "ce":
        yc = np.clip(y, 1e-300, 1.0)
        yc1 = np.clip(1.0 - y, 1e-300, 1.0)
        E = -(m * (T * np.log(yc) + (1 - T) * np.log(yc1))).sum(axis=(1, 2))
        dz = m * (y - T)                                  # logistic + cross-entropy
        return E, dz
    if cfg["loss"] == "margin":
        on = T > 0.5
        e = y - np.where(on, cfg["margin_on"], cfg["margin_off"])
        np.clip(e, np.where(on, -np.inf, 0.0), np.where(on, 0.0, np.inf), out=e)
    else:
        e = y - T
    e *= m                                                # only training cases count
    E = 0.5 * np.einsum("bnk,bnk->b", e, e)
    e *= y * (1.0 - y)                                    # backprop through the logistic
    return E, e


def loss_and_grads(params, data, mask, cfg):
    """Error E (per run) and dE/dparams, accumulated over the cases where mask == 1."""
    act = forward(params, data)
    E, dz_o = output_error(act["y"], data["T"], mask, cfg)
    g = {}
    g["Wo"] = act["a_h"].transpose(0, 2, 1) @ dz_o
    g["bo"] = dz_o.sum(axis=1)
    dz_h = (dz_o @ params["Wo"].transpose(0, 2, 1)) * act["a_h"] * (1 - act["a_h"])
    g["Wh"] = act["a_c"].transpose(0, 2, 1) @ dz_h
    g["bh"] = dz_h.sum(axis=1)
    dz_c = (dz_h @ params["Wh"].transpose(0, 2, 1)) * act["a_c"] * (1 - act["a_c"])
    g["Wc"] = act["pr"].transpose(0, 2, 1) @ dz_c
    g["bc"] = dz_c.sum(axis=1)
    d_pr = dz_c @ params["Wc"].transpose(0, 2, 1)         # back into the two 6-unit groups
    P = params["Wp"].shape[-1]
    dz_p = d_pr[..., :P] * act["a_p"] * (1 - act["a_p"])
    dz_r = d_pr[..., P:] * act["a_r"] * (1 - act["a_r"])
    g["Wp"] = data["Xp"].T @ dz_p
    g["bp"] = dz_p.sum(axis=1)
    g["Wr"] = data["Xr"].T @ dz_r
    g["br"] = dz_r.sum(axis=1)
    return E, g, act


def decay_penalty(params, cfg):
    """Weight decay as a penalty D = decay/2 * sum w^2 (per run) and its gradient decay * w.

    A unit gradient step on D is the paper's rule "every weight decremented by 0.2%":
    w - dD/dw = (1 - decay) w. Training applies it right after each weight change.
    """
    names = PARAM_NAMES if cfg["bias_decay"] else [k for k in PARAM_NAMES if k.startswith("W")]
    d = cfg["decay"]
    D = sum(0.5 * d * (params[k] ** 2).reshape(len(params[k]), -1).sum(axis=1) for k in names)
    g = {k: (d * params[k] if k in names else np.zeros_like(params[k])) for k in PARAM_NAMES}
    return D, g


def correct_cases(y, T, threshold):
    """(B, N) bool: the target unit(s) above threshold and every other unit below it."""
    return np.all((y > threshold) == (T > 0.5), axis=-1)


class Diverged(RuntimeError):
    pass


def train(params, data, mask, cfg, snapshot_every=0):
    """Full-batch training with momentum and post-step weight decay; all runs at once.

    mask (B, 104): 1 for training cases. Returns final params and per-sweep curves (B, S).
    """
    B, S = mask.shape[0], cfg["sweeps"]
    params = {k: v.copy() for k, v in params.items()}
    vel = {k: np.zeros_like(v) for k, v in params.items()}
    test_mask = 1.0 - mask
    curves = {"error": np.zeros((B, S)), "train_correct": np.zeros((B, S), int),
              "test_correct": np.zeros((B, S), int)}
    snaps = []
    for t in range(S):
        eps, alpha = ((cfg["eps1"], cfg["alpha1"]) if t < cfg["switch"]
                      else (cfg["eps2"], cfg["alpha2"]))
        E, g, act = loss_and_grads(params, data, mask, cfg)
        ok = correct_cases(act["y"], data["T"], cfg["threshold"])
        curves["error"][:, t] = E
        curves["train_correct"][:, t] = (ok * mask).sum(axis=1)
        curves["test_correct"][:, t] = (ok * test_mask).sum(axis=1)
        if snapshot_every and t % snapshot_every == 0:
            snaps.append((t, params["Wp"].copy(), params["bp"].copy()))
        for k in PARAM_NAMES:
            vel[k] = -eps * g[k] + alpha * vel[k]        # momentum step on the summed gradient
            params[k] += vel[k]
        _, gd = decay_penalty(params, cfg)               # then every weight shrinks by `decay`
        for k in PARAM_NAMES:
            params[k] -= gd[k]
        if t % 100 == 99 and not np.all(np.isfinite(E)):
            raise Diverged(f"training diverged (non-finite weights) by sweep {t + 1}")
    if not all(np.all(np.isfinite(v)) for v in params.values()):
        raise Diverged("training diverged (non-finite weights)")
    if snapshot_every:
        snaps.append((S, params["Wp"].copy(), params["bp"].copy()))
    return params, curves, snaps


# ----------------------------------------------------------------------------------------------
# Interpretability: the best single person unit for each feature.
# ----------------------------------------------------------------------------------------------

def eta_squared(x, labels):
    """Correlation ratio of activations x (..., n) grouped by labels (n,): between / total var.

    Labels < 0 are left out. 1 means the unit separates the groups perfectly (constant within
    each group); for two groups it equals the squared point-biserial correlation.
    """
    keep = labels >= 0
    x, labels = x[..., keep], labels[keep]
    mean = x.mean(axis=-1, keepdims=True)
    total = ((x - mean) ** 2).sum(axis=-1)
    between = sum((labels == g).sum() * (x[..., labels == g].mean(axis=-1) - mean[..., 0]) ** 2
                  for g in np.unique(labels))
    return between / np.maximum(total, 1e-300)


def person_codes(params):
    """(B, 24, P): activation of the person layer for each person alone."""
    return sigmoid(params["Wp"] + params["bp"][:, None, :])


def feature_units(codes, threshold):
    """Per run and feature: the unit with the highest eta^2, its eta^2, and whether >= threshold."""
    out = {}
    for name, labels in FEATURES.items():
        eta = eta_squared(codes.transpose(0, 2, 1), labels)      # (B, P)
        best = eta.argmax(axis=1)
        score = eta[np.arange(len(eta)), best]
        out[name] = {"unit": best, "eta2": score, "carried": score >= threshold, "all": eta}
    return out


def permutation_control(codes, threshold, n_perm=20, seed=12345):
    """How often a random relabelling of people (same group sizes) reaches the threshold.

    A chance baseline for the feature scores, with its own fixed generator.
    """
    rng = np.random.default_rng(seed)
    out = {}
    for name, labels in FEATURES.items():
        hits = []
        for _ in range(n_perm):
            eta = eta_squared(codes.transpose(0, 2, 1), rng.permutation(labels))
            hits.append(eta.max(axis=1) >= threshold)
        out[name] = float(np.mean(hits))
    return out


# ----------------------------------------------------------------------------------------------
# Protocols: random held-out splits (one per seed) and 26-fold cross-validation.
# ----------------------------------------------------------------------------------------------

def split_runs(seeds, cfg, data):
    """Per seed: its own generator draws the held-out cases (unless named), then the weights."""
    masks, plist, tests = [], [], []
    for s in seeds:
        rng = np.random.default_rng(s)
        if cfg["test_cases"]:
            test = np.array([data["names"].index(n) for n in cfg["test_cases"]])
        else:
            test = np.sort(rng.choice(len(data["names"]), size=cfg["n_test"], replace=False))
        mask = np.ones(len(data["names"]))
        mask[test] = 0.0
        masks.append(mask)
        tests.append(test)
        plist.append(init_params(rng, cfg))
    return stack(plist), np.array(masks), tests


def cv_runs(seeds, cfg, data):
    """Per seed: a permutation of the 104 cases into 104/n_test folds, then one init per fold."""
    n, k = len(data["names"]), cfg["n_test"]
    masks, plist, tests = [], [], []
    for s in seeds:
        rng = np.random.default_rng(s)
        perm = rng.permutation(n)
        for f in range(n // k):
            test = np.sort(perm[f * k:(f + 1) * k])
            mask = np.ones(n)
            mask[test] = 0.0
            masks.append(mask)
            tests.append(test)
            plist.append(init_params(rng, cfg))
    return stack(plist), np.array(masks), tests


def run_split(seeds, cfg, data, snapshot_every=0):
    """Train one net per seed (batched); per-seed metrics as plain Python values."""
    p0, mask, tests = split_runs(seeds, cfg, data)
    params, curves, snaps = train(p0, data, mask, cfg, snapshot_every)
    E, _, act = loss_and_grads(params, data, mask, cfg)
    ok = correct_cases(act["y"], data["T"], cfg["threshold"])
    codes = person_codes(params)
    feats = feature_units(codes, cfg["feature_threshold"])
    per_seed = []
    for i, s in enumerate(seeds):
        m = {"seed": int(s),
             "train_correct": int((ok[i] * mask[i]).sum()),
             "test_correct": int(ok[i, tests[i]].sum()),
             "test_cases": [data["names"][j] for j in tests[i]],
             "test_case_correct": [bool(ok[i, j]) for j in tests[i]],
             "final_error": float(E[i]),
             "person_codes": codes[i].round(6).tolist()}
        for name, f in feats.items():
            m[name] = {"unit": int(f["unit"][i]), "eta2": round(float(f["eta2"][i]), 6),
                       "carried": bool(f["carried"][i]),
                       "eta2_all_units": f["all"][i].round(6).tolist()}
        per_seed.append(m)
    return per_seed, {"params": params, "curves": curves, "snaps": snaps, "codes": codes,
                      "mask": mask, "tests": tests, "ok": ok}


def run_cv(seeds, cfg, data):
    """26-fold CV per seed (all folds of all seeds in one batch); per-case correctness."""
    p0, mask, tests = cv_runs(seeds, cfg, data)
    params, _, _ = train(p0, data, mask, cfg)
    _, _, act = loss_and_grads(params, data, mask, cfg)
    ok = correct_cases(act["y"], data["T"], cfg["threshold"])
    n_folds = len(data["names"]) // cfg["n_test"]
    tested = np.zeros((len(seeds), len(data["names"])), bool)      # (seeds, 104)
    train_ok = np.zeros((len(seeds), n_folds), int)
    for b, test in enumerate(tests):
        s, f = divmod(b, n_folds)
        tested[s, test] = ok[b, test]
        train_ok[s, f] = int((ok[b] * mask[b]).sum())
    return tested, train_ok


# ----------------------------------------------------------------------------------------------
# Summaries
# ----------------------------------------------------------------------------------------------

def t975(df):
    """0.975 quantile of Student's t (Cornish-Fisher expansion; exact to ~1e-3 for df >= 3)."""
    z = 1.959963984540054
    return (z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2)
            + (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / (384 * df ** 3))


def describe(values):
    v = np.asarray(values, float)
    out = {"n": int(v.size), "mean": float(v.mean()), "std": float(v.std(ddof=1)) if v.size > 1 else 0.0,
           "min": float(v.min()), "max": float(v.max())}
    if v.size > 1:
        half = t975(v.size - 1) * out["std"] / math.sqrt(v.size)
        out["ci95"] = [out["mean"] - half, out["mean"] + half]
    return out


def summarize_split(per_seed, cfg, codes):
    tc = [m["test_correct"] for m in per_seed]
    summ = {"test_correct": describe(tc),
            "test_correct_hist": [int(np.sum(np.array(tc) == k)) for k in range(cfg["n_test"] + 1)],
            "train_correct": describe([m["train_correct"] for m in per_seed]),
            "all_train_correct": int(sum(m["train_correct"] == 104 - cfg["n_test"]
                                         for m in per_seed)),
            "final_error": describe([m["final_error"] for m in per_seed])}
    for name in FEATURES:
        summ[name] = {"carried_frac": float(np.mean([m[name]["carried"] for m in per_seed])),
                      "eta2": describe([m[name]["eta2"] for m in per_seed])}
    summ["all_three_carried_frac"] = float(np.mean(
        [all(m[n]["carried"] for n in FEATURES) for m in per_seed]))
    summ["all_three_distinct_units_frac"] = float(np.mean(
        [all(m[n]["carried"] for n in FEATURES) and len({m[n]["unit"] for n in FEATURES}) == 3
         for m in per_seed]))
    summ["permutation_control_carried_frac"] = permutation_control(codes, cfg["feature_threshold"])
    return summ


def summarize_cv(tested, train_ok, data):
    rel = np.array([RELATIONS.index(r) for _, r, _ in data["cases"]])
    per_seed_acc = tested.mean(axis=1)
    out = {"cv_correct_per_seed": tested.sum(axis=1).tolist(),
           "cv_accuracy": float(tested.mean()),
           "test_correct": float(tested.mean() * len(data["names"]) / train_ok.shape[1]),
           "train_correct": float(train_ok.mean()),
           "cv_accuracy_per_seed": describe(per_seed_acc),
           "train_correct_per_fold": describe(train_ok.ravel()),
           "per_relation": {r: {"correct": int(tested[:, rel == i].sum()),
                                "tested": int(tested[:, rel == i].size),
                                "accuracy": float(tested[:, rel == i].mean())}
                            for i, r in enumerate(RELATIONS)},
           "per_case_correct": {n: int(tested[:, j].sum()) for j, n in enumerate(data["names"])}}
    nat = np.array([PEOPLE.index(p) >= 12 for p, _, _ in data["cases"]])
    out["per_tree"] = {"English": float(tested[:, ~nat].mean()), "Italian": float(tested[:, nat].mean())}
    return out


# ----------------------------------------------------------------------------------------------
# Plateau diagnosis (--diagnose): why the paper's schedule as transcribed learns nothing.
# ----------------------------------------------------------------------------------------------

def best_constant_error(T, mask, cfg):
    """Per run: the smallest error any input-independent output can reach (margin or sse).

    For output unit k that is on in n_k of the N training cases, a constant y_k costs
    1/2 [n_k (on - y)^2 + (N - n_k) (y - off)^2] between off and on, minimised at
    y = off + (on - off) n_k / N, giving 1/2 (on - off)^2 n_k (N - n_k) / N.
    """
    on, off = (cfg["margin_on"], cfg["margin_off"]) if cfg["loss"] == "margin" else (1.0, 0.0)
    n_on = mask @ T                                   # (B, 24)
    N = mask.sum(axis=1, keepdims=True)
    return 0.5 * (on - off) ** 2 * (n_on * (N - n_on) / N).sum(axis=1)


def effective_l2(cfg):
    """The penalty lambda whose stationary points are the fixed points of train()'s late phase.

    At a fixed point v = -eps2 g / (1 - alpha2) and w = (1 - decay)(w + v), so
    dE/dw = -lambda w with lambda = decay (1 - alpha2) / (eps2 (1 - decay)).
    """
    return cfg["decay"] * (1 - cfg["alpha2"]) / (cfg["eps2"] * (1 - cfg["decay"]))


def hessian_min_eig(params, data, mask, cfg, h=1e-4):
    """Per run: the smallest eigenvalue of the Hessian of E, by central differences of the
    hand-written gradient (all 2 x 630 perturbed copies of one run in one batch)."""
    B = mask.shape[0]
    flat = np.concatenate([params[k].reshape(B, -1) for k in PARAM_NAMES], axis=1)
    n = flat.shape[1]
    sizes = [int(np.prod(params[k].shape[1:])) for k in PARAM_NAMES]
    out = []
    for b in range(B):
        P = np.repeat(flat[b:b + 1], 2 * n, axis=0)
        P[np.arange(n), np.arange(n)] += h
        P[n + np.arange(n), np.arange(n)] -= h
        pert = dict(zip(PARAM_NAMES, (c.reshape((2 * n,) + params[k].shape[1:]) for k, c in
                                      zip(PARAM_NAMES, np.split(P, np.cumsum(sizes)[:-1], axis=1)))))
        _, g, _ = loss_and_grads(pert, data, np.repeat(mask[b:b + 1], 2 * n, axis=0), cfg)
        G = np.concatenate([g[k].reshape(2 * n, -1) for k in PARAM_NAMES], axis=1)
        H = (G[:n] - G[n:]) / (2 * h)
        out.append(float(np.linalg.eigvalsh(0.5 * (H + H.T))[0]))
    return np.array(out)


LAYER_GROUPS = [("person+relation in", ["Wp", "bp", "Wr", "br"]), ("central", ["Wc", "bc"]),
                ("hidden", ["Wh", "bh"]), ("output", ["Wo", "bo"])]

# One change at a time from the settings given (some run longer to show slow escapes).
DIAGNOSE_CHANGES = [("init 1.0", {"init": 1.0}), ("init 2.0", {"init": 2.0}),
                    ("eps2 0.1", {"eps2": 0.1}), ("eps2 0.05, 3000 sweeps", {"eps2": 0.05, "sweeps": 3000}),
                    ("decay 0", {"decay": 0.0}),
                    ("decay 0, 5000 sweeps", {"decay": 0.0, "sweeps": 5000}),
                    ("decay 0.0005, 5000 sweeps", {"decay": 0.0005, "sweeps": 5000})]


def diagnose(seeds, cfg, data, say, scan=True):
    """Measure the plateau the given settings reach, then try single changes (same seeds)."""
    p0, mask, _ = split_runs(seeds, cfg, data)
    params, curves, _ = train(p0, data, mask, cfg)
    E, g, act = loss_and_grads(params, data, mask, cfg)
    ok = correct_cases(act["y"], data["T"], cfg["threshold"])
    const = best_constant_error(data["T"], mask, cfg)
    spread = np.sqrt((mask[..., None] * (act["y"] - (mask[..., None] * act["y"]).sum(1, keepdims=True)
                      / mask.sum(1)[:, None, None]) ** 2).sum(1) / mask.sum(1)[:, None]).max(axis=1)
    lam = effective_l2(cfg)
    hmin = hessian_min_eig(params, data, mask, cfg)
    B = len(seeds)

    def norm(d, names):
        return np.sqrt(sum((d[k].reshape(B, -1) ** 2).sum(axis=1) for k in names))
    out = {"seeds": list(seeds), "train_correct": (ok * mask).sum(axis=1).astype(int).tolist(),
           "final_error": E.tolist(), "best_constant_error": const.tolist(),
           "output_spread": spread.tolist(), "effective_l2": lam, "hessian_min_eig": hmin.tolist(),
           "wp_shrink": (norm(params, ["Wp"]) / norm(p0, ["Wp"])).tolist(), "layers": {}}
    say(f"plateau diagnosis, seeds {seeds[0]}..{seeds[-1]}, {cfg['sweeps']} sweeps, "
        f"init {cfg['init']}, eps2 {cfg['eps2']}, decay {cfg['decay']}:")
    say(f"  train correct: mean {np.mean(out['train_correct']):.2f} of {int(mask[0].sum())}")
    say(f"  final error {E.mean():.4f} vs best input-independent output {const.mean():.4f} "
        f"(mean over seeds; largest gap {np.max(np.abs(E - const)):.1e})")
    say(f"  output spread over training cases (largest std of a unit): {spread.max():.1e}")
    say(f"  decay as an L2 penalty at a fixed point: lambda = decay(1-alpha2)/(eps2(1-decay)) = {lam:.5f}")
    say(f"  {'layer group':<19s} |w|      |dE/dw|   lambda|w|  |dE/dw|/(lambda|w|)")
    for name, names in LAYER_GROUPS:
        w, gn = norm(params, names), norm(g, names)
        ratio = gn / np.maximum(lam * w, 1e-300)
        out["layers"][name] = {"w": w.mean(), "grad": gn.mean(), "ratio": ratio.mean()}
        say(f"  {name:<19s} {w.mean():.2e} {gn.mean():.2e}  {lam * w.mean():.2e}   {ratio.mean():.2f}")
    say(f"  |Wp| at the end / at init: {np.mean(out['wp_shrink']):.4f} "
        f"(pure decay would give (1-decay)^sweeps = {(1 - cfg['decay']) ** cfg['sweeps']:.4f})")
    say(f"  smallest Hessian eigenvalue of E at the plateau: mean {hmin.mean():.5f} "
        f"[{hmin.min():.5f}, {hmin.max():.5f}]; lambda + eigenvalue {lam + hmin.mean():+.5f}, > 0 "
        f"(E + lambda/2 |w|^2 curves up in every direction: a trap) in {int(np.sum(lam + hmin > 0))}/{B} seeds")
    if not scan:
        return out
    n_train = int(mask[0].sum())
    say(f"single changes from these settings, same seeds: train correct (of {n_train}) mean, "
        f"runs with all {n_train}, final error mean")
    out["changes"] = {}
    for label, over in DIAGNOSE_CHANGES:
        per, _ = run_split(seeds, dict(cfg, **over), data)
        tc = [m["train_correct"] for m in per]
        n_all = int(sum(t == n_train for t in tc))
        fe = float(np.mean([m["final_error"] for m in per]))
        out["changes"][label] = {"config_overrides": over, "train_correct_mean": float(np.mean(tc)),
                                 "all_train_correct": n_all, "final_error_mean": fe}
        say(f"  {label:<26s} train {np.mean(tc):6.2f}  all {n_train} in {n_all}/{B}"
            f"  error {fe:.3f}  (lambda {effective_l2(dict(cfg, **over)):.5f})")
    return out


# ----------------------------------------------------------------------------------------------
# CLI
# ----------------------------------------------------------------------------------------------

# The smallest change found (by a training-only scan, README "Deviations") that lets the
# paper's network leave the all-off plateau within 1,500 sweeps.
RESCUE = {"init": 1.0, "eps2": 0.1}

PAPER = "paper: 4/4 and 3/4 on its two runs (7/8 = 0.875)"
PUBLIC = "public: mean 1.9/4 (catalog), about 0.67 mean test accuracy (another replication)"

ABLATIONS = [("baseline (settings as given)", {}),
             ("no weight decay", {"decay": 0.0}),
             ("plain squared error (0/1 targets, no margin)", {"loss": "sse"}),
             ("cross-entropy output", {"loss": "ce"}),
             ("cross-entropy output, eps2 0.01", {"loss": "ce", "eps2": 0.01}),
             ("fewer sweeps (500)", {"sweeps": 500})]


def _int_min(lo, name):
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
        bad = (not math.isfinite(v) or (v <= lo if lo_open else v < lo)
               or (v >= hi if hi_open else v > hi))
        if bad:
            raise argparse.ArgumentTypeError(
                f"{name} must be in {'(' if lo_open else '['}{lo}, {hi}{')' if hi_open else ']'}, got {s}")
        return v
    return f


def build_parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--seed", type=_int_min(0, "--seed"), default=0, help="seed of a single run")
    p.add_argument("--sweep", type=_int_min(1, "--sweep"), default=None,
                   help="run seeds 0..N-1 (batched) and summarize")
    p.add_argument("--json", default=None, help="write results to this JSON file")
    p.add_argument("--quiet", action="store_true", help="print only the summary lines")
    p.add_argument("--list-facts", action="store_true", help="print all 112 facts and exit")
    p.add_argument("--cv", action="store_true",
                   help="leave-n_test-out cross-validation over all 104 cases (26 folds per seed)")
    p.add_argument("--diagnose", action="store_true",
                   help="measure the plateau of the given settings (gradient/decay balance, Hessian, "
                        "best constant output) and try single changes, same seeds")
    p.add_argument("--scan", action=argparse.BooleanOptionalAction, default=True,
                   help="with --diagnose: also train each single change of DIAGNOSE_CHANGES")
    p.add_argument("--ablations", action="store_true",
                   help="run the protocol for the paper settings and each ablation, same seeds")
    p.add_argument("--sweeps", type=_int_min(1, "--sweeps"), default=1500, help="training sweeps")
    p.add_argument("--switch", type=_int_min(0, "--switch"), default=20,
                   help="sweeps run with eps1/alpha1 before switching to eps2/alpha2")
    p.add_argument("--eps1", type=_float_in(0, 10, "--eps1", lo_open=True), default=0.005,
                   help="learning rate for the first --switch sweeps")
    p.add_argument("--alpha1", type=_float_in(0, 1, "--alpha1", hi_open=True), default=0.5,
                   help="momentum for the first --switch sweeps")
    p.add_argument("--eps2", type=_float_in(0, 10, "--eps2", lo_open=True), default=0.01,
                   help="learning rate afterwards (one transcription of the paper reads 0.001)")
    p.add_argument("--alpha2", type=_float_in(0, 1, "--alpha2", hi_open=True), default=0.9,
                   help="momentum afterwards")
    p.add_argument("--decay", type=_float_in(0, 1, "--decay", hi_open=True), default=0.002,
                   help="fraction every weight is decremented by after each weight change")
    p.add_argument("--bias-decay", action=argparse.BooleanOptionalAction, default=True,
                   help="apply the weight decay to the biases too")
    p.add_argument("--loss", choices=["margin", "sse", "ce"], default="margin",
                   help="margin error (paper), plain squared error, or cross-entropy")
    p.add_argument("--margin-on", type=_float_in(0, 1, "--margin-on"), default=0.8,
                   help="no error for a target unit above this")
    p.add_argument("--margin-off", type=_float_in(0, 1, "--margin-off"), default=0.2,
                   help="no error for a non-target unit below this")
    p.add_argument("--init", type=_float_in(0, 10, "--init", lo_open=True), default=0.3,
                   help="initial weights uniform in [-init, init] (unconfirmed in the paper)")
    for name, default in [("person-units", 6), ("relation-units", 6), ("central-units", 12),
                          ("hidden-units", 6)]:
        p.add_argument(f"--{name}", type=_int_min(1, f"--{name}"), default=default,
                       help=f"size of the {name.split('-')[0]} layer")
    p.add_argument("--n-test", type=_int_min(1, "--n-test"), default=4,
                   help="held-out cases per run (CV: cases per fold; must divide 104)")
    p.add_argument("--test-cases", default=None,
                   help="comma-separated held-out cases as Person:relation (e.g. Colin:aunt)")
    p.add_argument("--threshold", type=_float_in(0, 1, "--threshold", lo_open=True, hi_open=True),
                   default=0.5, help="test criterion: targets above, all others below")
    p.add_argument("--feature-threshold", type=_float_in(0, 1, "--feature-threshold"), default=0.8,
                   help="eta^2 at or above which a feature counts as carried by one unit")
    return p


def parse_args(argv=None, data=None):
    p = build_parser()
    a = p.parse_args(argv)
    data = data or build_dataset()
    if a.test_cases is not None:
        lookup = {n.lower(): n for n in data["names"]}
        names = [s.strip() for s in a.test_cases.split(",") if s.strip()]
        for n in names:
            if n.lower() not in lookup:
                p.error(f"argument --test-cases: unknown case {n!r} (use Person:relation, "
                        f"e.g. Colin:aunt; see --list-facts)")
        names = [lookup[n.lower()] for n in names]
        if not names or len(set(names)) != len(names):
            p.error("argument --test-cases: give distinct, non-empty case names")
        if a.cv:
            p.error("argument --test-cases: not allowed with --cv (CV chooses the folds)")
        a.test_cases = names
        a.n_test = len(names)
    if a.n_test >= len(data["names"]):
        p.error("argument --n-test: must be smaller than 104")
    if a.diagnose and (a.cv or a.ablations):
        p.error("argument --diagnose: not allowed with --cv or --ablations")
    if a.diagnose and a.loss == "ce":
        p.error("argument --diagnose: needs --loss margin or sse")
    if a.cv and len(data["names"]) % a.n_test:
        p.error("argument --n-test: must divide 104 for --cv")
    if a.json is not None:
        d = os.path.dirname(os.path.abspath(a.json))
        if not os.path.isdir(d) or not os.access(d, os.W_OK) or os.path.isdir(a.json):
            p.error(f"argument --json: cannot write {a.json!r} (directory missing or not writable)")
    if a.margin_off >= a.margin_on:
        p.error("argument --margin-off: must be below --margin-on")
    return a


def config_from_args(a):
    return {"sweeps": a.sweeps, "switch": a.switch, "eps1": a.eps1, "alpha1": a.alpha1,
            "eps2": a.eps2, "alpha2": a.alpha2, "decay": a.decay, "bias_decay": a.bias_decay,
            "loss": a.loss, "margin_on": a.margin_on, "margin_off": a.margin_off, "init": a.init,
            "person_units": a.person_units, "relation_units": a.relation_units,
            "central_units": a.central_units, "hidden_units": a.hidden_units,
            "n_test": a.n_test, "test_cases": a.test_cases, "threshold": a.threshold,
            "feature_threshold": a.feature_threshold}


def default_config(**overrides):
    return dict(config_from_args(parse_args([])), **overrides)


def write_json_atomic(path, obj):
    d = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(d, f".{os.path.basename(path)}.tmp")
    with open(tmp, "w") as fh:
        json.dump(obj, fh, indent=1)
        fh.write("\n")
    os.replace(tmp, path)


def _num(v, prec):
    return f"{int(v)}" if float(v).is_integer() else f"{v:.{prec}f}"


def fmt_summary(d, prec=2):
    s = (f"mean {d['mean']:.{prec}f}, std {d['std']:.{prec}f}, min {_num(d['min'], prec)}, "
         f"max {_num(d['max'], prec)}")
    if "ci95" in d:
        s += f", 95% CI of mean [{d['ci95'][0]:.{prec}f}, {d['ci95'][1]:.{prec}f}]"
    return s


def report_single(m, say):
    say(f"held-out cases: {', '.join(n + (' (correct)' if ok else ' (wrong)') for n, ok in zip(m['test_cases'], m['test_case_correct']))}")
    say(f"train correct {m['train_correct']}/{104 - len(m['test_cases'])}"
        f"  test correct {m['test_correct']}/{len(m['test_cases'])}  final error {m['final_error']:.4f}")
    for name in FEATURES:
        f = m[name]
        say(f"  {name:<11s} best person unit {f['unit'] + 1}  eta^2 {f['eta2']:.3f}"
            f"  {'carried' if f['carried'] else 'not carried'}")


def report_split_summary(summ, cfg, say):
    tc = summ["test_correct"]
    say(f"test correct (of {cfg['n_test']}): {fmt_summary(tc)}")
    say(f"test correct histogram 0..{cfg['n_test']}: {summ['test_correct_hist']}")
    say(f"mean test accuracy {tc['mean'] / cfg['n_test']:.3f} | {PAPER} | {PUBLIC}")
    say(f"train correct: {fmt_summary(summ['train_correct'])}; all {104 - cfg['n_test']} learned in "
        f"{summ['all_train_correct']}/{tc['n']} runs")
    say(f"features carried by one unit (eta^2 >= {cfg['feature_threshold']}), fraction of seeds: "
        + ", ".join(f"{n} {summ[n]['carried_frac']:.2f}" for n in FEATURES)
        + f"; all three {summ['all_three_carried_frac']:.2f}"
        + f" (three distinct units {summ['all_three_distinct_units_frac']:.2f})")
    say("  best-unit eta^2 per feature: " + "; ".join(
        f"{n} mean {summ[n]['eta2']['mean']:.3f} [min {summ[n]['eta2']['min']:.3f}]" for n in FEATURES))
    say("  chance control (people relabelled at random): "
        + ", ".join(f"{n} {v:.2f}" for n, v in summ["permutation_control_carried_frac"].items()))


def report_cv(cv, n_seeds, say):
    say(f"CV accuracy over {n_seeds} x 104 held-out cases: {cv['cv_accuracy']:.3f}"
        f"  (correct per seed: {cv['cv_correct_per_seed']})")
    say(f"  per tree: English {cv['per_tree']['English']:.3f}, Italian {cv['per_tree']['Italian']:.3f};"
        f" train correct per fold: mean {cv['train_correct_per_fold']['mean']:.2f} of 100")
    say("  per relation: " + ", ".join(f"{r} {v['correct']}/{v['tested']}"
                                       for r, v in cv["per_relation"].items()))


def run_protocol(cfg, seeds, data, do_cv, say):
    """One protocol run: returns (metrics, per_seed, summary)."""
    if do_cv:
        tested, train_ok = run_cv(seeds, cfg, data)
        cv = summarize_cv(tested, train_ok, data)
        report_cv(cv, len(seeds), say)
        per_seed = [{"seed": int(s), "cv_correct": int(n)}
                    for s, n in zip(seeds, cv["cv_correct_per_seed"])]
        return cv, per_seed, {"cv_accuracy_per_seed": cv["cv_accuracy_per_seed"]}
    per_seed, extra = run_split(seeds, cfg, data)
    if len(seeds) == 1:
        report_single(per_seed[0], say)
        return per_seed[0], None, None
    for m in per_seed:
        say(f"seed {m['seed']:3d}: test {m['test_correct']}/{cfg['n_test']} "
            f"train {m['train_correct']:3d}  error {m['final_error']:.3f}  "
            + " ".join(f"{n[:3]} u{m[n]['unit'] + 1} {m[n]['eta2']:.2f}" for n in FEATURES)
            + f"  held out: {' '.join(m['test_cases'])}", verbose=True)
    summ = summarize_split(per_seed, cfg, extra["codes"])
    report_split_summary(summ, cfg, say)
    metrics = {"train_correct": summ["train_correct"]["mean"],
               "test_correct": summ["test_correct"]["mean"],
               "test_cases": [m["test_cases"] for m in per_seed],
               "final_error": summ["final_error"]["mean"],
               "person_codes": [m["person_codes"] for m in per_seed]}
    for n in FEATURES:
        metrics[n] = {"carried_frac": summ[n]["carried_frac"], "eta2_mean": summ[n]["eta2"]["mean"],
                      "score": "eta^2 (correlation ratio) of the best person unit"}
    return metrics, per_seed, summ


def main(argv=None):
    data = build_dataset()
    a = parse_args(argv, data)
    if a.list_facts:
        for line in fact_lines(data):
            print(line)
        print(f"# {len(PEOPLE)} people, {len(RELATIONS)} relations, {len(data['names'])} cases, "
              f"{int(data['T'].sum())} facts")
        return 0
    cfg = config_from_args(a)
    seeds = list(range(a.sweep)) if a.sweep else [a.seed]

    def say(msg, verbose=False):
        if not (a.quiet and verbose):
            print(msg, flush=True)

    t0 = time.perf_counter()
    mode = "diagnose" if a.diagnose else "cv" if a.cv else ("sweep" if a.sweep else "single")
    say(f"family trees: mode {mode}, seeds {seeds[0]}..{seeds[-1]} ({len(seeds)}), "
        f"loss {cfg['loss']}, {cfg['sweeps']} sweeps, eps {cfg['eps1']}/{cfg['eps2']}, "
        f"alpha {cfg['alpha1']}/{cfg['alpha2']}, decay {cfg['decay']}")
    try:
        if a.diagnose:
            diag = diagnose(seeds, cfg, data, say, scan=a.scan)
            metrics = {k: diag[k] for k in ["train_correct", "final_error", "best_constant_error",
                                            "hessian_min_eig", "effective_l2"]}
            out = {"experiment": "family_trees", "mode": "diagnose", "config": cfg,
                   "metrics": metrics, "diagnosis": diag}
        elif a.ablations:
            results = {}
            for label, over in ABLATIONS:
                say(f"== {label}")
                c = dict(cfg, **over)
                ts = time.perf_counter()
                metrics, per_seed, summ = run_protocol(c, seeds, data, a.cv, say)
                results[label] = {"config_overrides": over, "metrics": metrics,
                                  "wallclock_s": round(time.perf_counter() - ts, 3)}
                score = (metrics["cv_correct_per_seed"] if a.cv
                         else [m["test_correct"] for m in per_seed] if per_seed
                         else [metrics["test_correct"]])
                if label == ABLATIONS[0][0]:
                    base, base_per_seed, base_summ = score, per_seed, summ
                elif len(seeds) > 1:
                    diff = describe(np.subtract(score, base))
                    results[label]["paired_diff_vs_baseline"] = diff
                    say(f"  {'CV' if a.cv else 'test'} correct minus baseline, same seeds: "
                        f"mean {diff['mean']:+.2f}, 95% CI [{diff['ci95'][0]:+.2f}, "
                        f"{diff['ci95'][1]:+.2f}]")
                if summ is not None:
                    results[label]["summary"] = summ
            out = {"experiment": "family_trees", "mode": mode + "+ablations", "config": cfg,
                   "metrics": results[ABLATIONS[0][0]]["metrics"], "ablations": results}
            if len(seeds) > 1:
                out["per_seed"], out["summary"] = base_per_seed, base_summ
        else:
            metrics, per_seed, summ = run_protocol(cfg, seeds, data, a.cv, say)
            out = {"experiment": "family_trees", "mode": mode, "config": cfg, "metrics": metrics}
            if len(seeds) > 1:
                out["per_seed"], out["summary"] = per_seed, summ
    except Diverged as exc:
        print(f"error: {exc}; try a smaller --eps2 or --eps1", file=sys.stderr)
        return 1
    if len(seeds) == 1 and not a.sweep:
        out["seed"] = seeds[0]
    else:
        out["seeds"] = seeds
    out["versions"] = {"python": platform.python_version(), "numpy": np.__version__}
    wall = time.perf_counter() - t0
    out["wallclock_s"] = round(wall, 3)
    say(f"wall-clock {wall:.1f} s")
    if a.json:
        try:
            write_json_atomic(a.json, out)
        except OSError as exc:
            print(f"error: cannot write --json {a.json}: {exc.strerror or exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
