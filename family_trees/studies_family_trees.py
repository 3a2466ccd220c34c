"""Studies beyond the paper for family_trees (imports family_trees.py, never the reverse).

  facts      the 112 facts of the two trees, one per line (to check the trees by eye)
  readings   every reading of the paper's schedule (no decay, no decay on biases, decay inside
             the momentum term, 0.2/0.8 targets, eps2 0.001, larger initial weights, per-case
             updates, ...): how many of the 100 training cases each learns in 1,500 sweeps
  diagnose   why the schedule stalls: the plateau's error beside the best input-independent
             output, the gradient against the decay per layer, the smallest Hessian eigenvalue
             against the decay's L2 strength, with and without decay, and how slowly the
             plateau is left without decay
  ablations  from the rescued settings, one change at a time on the same seeds and splits
             (50 random splits and 4 repeats of the 26-fold CV), paired differences
  cv         26-fold leave-4-out cross-validation of the rescued settings (every case tested
             once per repeat): overall, per tree, per relation
  search     the nested search: init scale, eps2, alpha2, sweeps, decay on biases, per-case
             updates; a setting is chosen for each outer fold on its inner leave-4-out folds
             of the 100 training cases only, then tested on the held-out 4
  portability  the rescued 50-seed sweep and CV repeat 0 rerun and compared with the committed
             results/: how many held-out outcomes differ, on this machine's BLAS kernel (run it
             with OPENBLAS_CORETYPE=Sandybridge to see another) and after small real changes

Every study trains its networks as batched array computations (settings and seeds side by
side). `--json PATH` writes the results (committed under results/, which the figure script
draws from). `--seeds`, `--repeats` size a study; a flag the study does not use is refused.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import family_trees as ft  # noqa: E402

N_CASES, N_BLOCKS = 104, 26
STUDIES = ("readings", "facts", "diagnose", "ablations", "cv", "search", "portability")
DEFAULTS = {"readings": {"seeds": 20}, "diagnose": {"seeds": 10, "escape_sweeps": 10000},
            "ablations": {"seeds": 50, "repeats": 4}, "cv": {"repeats": 10},
            "search": {"repeats": 2}, "facts": {}, "portability": {}}
RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def config(**over):
    """The main script's configuration (the paper's values), then overrides."""
    return dict(ft.parse_config([])[1], **over)


PAPER = config()
RESCUED = config(**ft.RESCUE)


# ---- error functions other than the paper's margin (same contract as ft.margin_error) ------
def squared_error(on, off):
    """E = 1/2 sum (y - t)^2 with targets t = on for a target unit and off for the others."""
    def error(y, T, mask):
        e = y - np.where(T > 0.5, on, off)
        e *= mask[..., None]
        return 0.5 * np.einsum("bnk,bnk->b", e, e), ft.through_logistic(e, y)
    return error


def cross_entropy(y, T, mask):
    """E = -sum t log y + (1 - t) log(1 - y) for 0/1 targets t; dE/dz = y - t through the
    logistic (a saturated output's log is taken at 1e-300)."""
    terms = np.log(np.maximum(np.where(T > 0.5, y, 1.0 - y), 1e-300))
    E = -(mask[..., None] * terms).sum(axis=(1, 2))
    return E, (y - T) * mask[..., None]


ERRORS = {"margin": ft.margin_error, "targets": squared_error(ft.MARGIN_ON, ft.MARGIN_OFF),
          "sse": squared_error(1.0, 0.0), "ce": cross_entropy}


def split_runs(seeds, cfg, loss="margin", **kw):
    """The main script's protocol with another error function (per-seed metrics)."""
    return ft.run_split(seeds, cfg, error=ERRORS[loss], **kw)


# ---- readings of the paper's schedule ------------------------------------------------------
READINGS = [
    ("the paper's schedule as transcribed", {}, "margin"),
    ("no weight decay", {"decay": 0.0}, "margin"),
    ("no decay on the biases", {"bias_decay": False}, "margin"),
    ("decay inside the momentum term", {"decay_in_momentum": True}, "margin"),
    ("squared error to targets 0.2 / 0.8", {}, "targets"),
    ("squared error to targets 0 / 1", {}, "sse"),
    ("cross-entropy", {}, "ce"),
    ("eps2 0.001 (the third transcription)", {"eps2": 0.001}, "margin"),
    ("init 0.5", {"init": 0.5}, "margin"),
    ("init 1.0", {"init": 1.0}, "margin"),
    ("init 2.0", {"init": 2.0}, "margin"),
    ("no decay, init 1.0", {"decay": 0.0, "init": 1.0}, "margin"),
    ("per-case updates (0.2% decay per sweep)", {"update": "case"}, "margin"),
    # train() divides the decay by the 100 changes of a sweep; 0.2 makes it 0.2% per change
    ("per-case updates, 0.2% decay per change", {"update": "case", "decay": 100 * ft.DECAY},
     "margin"),
    ("rescue: init 1.0, eps2 0.1", dict(ft.RESCUE), "margin"),
]


def readings(seeds, progress):
    rows = []
    for i, (label, over, loss) in enumerate(READINGS):
        progress(f"readings: {i + 1}/{len(READINGS)} {label}")
        per = split_runs(seeds, config(**over), loss)
        tc = [m["train_correct"] for m in per]
        rows.append({"label": label, "overrides": over, "loss": loss, "train_correct": tc,
                     "final_error": [m["final_error"] for m in per]})
    return {"seeds": list(seeds), "sweeps": ft.SWEEPS, "rows": rows}


def print_readings(r):
    n = len(r["seeds"])
    yield (f"readings of the schedule, seeds 0..{n - 1}, {r['sweeps']} sweeps each: training "
           f"cases learned (of 100), mean [min, max]; seeds with none; seeds with all 100")
    for row in r["rows"]:
        tc = np.array(row["train_correct"])
        yield (f"  {row['label']:<44s} {tc.mean():6.2f} [{tc.min():3d}, {tc.max():3d}]   "
               f"none in {int((tc == 0).sum()):2d}/{n}   all in {int((tc == 100).sum()):2d}/{n}")


# ---- the plateau: best constant output, gradient against decay, curvature against L2 ------
def best_constant_error(mask):
    """Per network: the smallest margin error an input-independent output can reach. An
    output unit on in n of the N training cases, held at a constant y between 0.2 and 0.8,
    costs 1/2 [n (0.8 - y)^2 + (N - n)(y - 0.2)^2], least at y = 0.2 + 0.6 n / N:
    1/2 0.6^2 n (N - n) / N."""
    n_on, N = mask @ ft.DATA["T"], mask.sum(axis=1, keepdims=True)
    return 0.5 * (ft.MARGIN_ON - ft.MARGIN_OFF) ** 2 * (n_on * (N - n_on) / N).sum(axis=1)


def effective_l2(cfg):
    """The L2 strength whose stationary points are the late-phase fixed points of train():
    with v = -eps2 g / (1 - alpha2) and w = (1 - decay)(w + v), dE/dw = -lambda w,
    lambda = decay (1 - alpha2) / (eps2 (1 - decay))."""
    return cfg["decay"] * (1 - cfg["alpha2"]) / (cfg["eps2"] * (1 - cfg["decay"]))


def hessian_min_eig(params, mask, h=1e-4):
    """Per network: the smallest eigenvalue of the Hessian of E, by central differences of
    the hand-written gradient (the 2 x 630 perturbed copies of one network in one batch)."""
    B = mask.shape[0]
    flat = np.concatenate([params[k].reshape(B, -1) for k in ft.PARAM_NAMES], axis=1)
    n = flat.shape[1]
    cuts = np.cumsum([int(np.prod(ft.PARAM_SHAPES[k])) for k in ft.PARAM_NAMES])[:-1]
    out = []
    for b in range(B):
        P = np.repeat(flat[b:b + 1], 2 * n, axis=0)
        P[np.arange(n), np.arange(n)] += h
        P[n + np.arange(n), np.arange(n)] -= h
        pert = {k: c.reshape((2 * n,) + ft.PARAM_SHAPES[k])
                for k, c in zip(ft.PARAM_NAMES, np.split(P, cuts, axis=1))}
        D = ft.DATA
        _, g, _ = ft.loss_and_grads(pert, D["Xp"], D["Xr"], D["T"], np.repeat(mask[b:b + 1],
                                                                             2 * n, axis=0))
        G = np.concatenate([g[k].reshape(2 * n, -1) for k in ft.PARAM_NAMES], axis=1)
        H = (G[:n] - G[n:]) / (2 * h)
        out.append(float(np.linalg.eigvalsh(0.5 * (H + H.T))[0]))
    return np.array(out)


LAYER_GROUPS = [("person+relation in", ["Wp", "bp", "Wr", "br"]), ("central", ["Wc", "bc"]),
                ("hidden", ["Wh", "bh"]), ("output", ["Wo", "bo"])]
DIAGNOSE = [("the paper's settings", {}), ("the paper's settings without decay", {"decay": 0.0})]


def plateau(seeds, cfg):
    """Train the seeds at cfg and measure where they end."""
    tests, plist, _ = zip(*(ft.draw_seed(s, cfg) for s in seeds))
    mask, p0 = ft.masks(tests), ft.stack(plist)
    params, _ = ft.train(p0, mask, cfg)
    D = ft.DATA
    with np.errstate(over="ignore"):
        E, g, act = ft.loss_and_grads(params, D["Xp"], D["Xr"], D["T"], mask)
    ok = ft.correct_cases(act["y"], D["T"])
    y, m = act["y"], mask[..., None]
    mean = (m * y).sum(1, keepdims=True) / m.sum(1, keepdims=True)
    spread = np.sqrt((m * (y - mean) ** 2).sum(1) / m.sum(1)).max(axis=1)
    B = len(seeds)

    def norm(d, names):
        return np.sqrt(sum((d[k].reshape(B, -1) ** 2).sum(axis=1) for k in names))
    return {"train_correct": (ok * mask).sum(axis=1).astype(int).tolist(),
            "final_error": E.tolist(), "best_constant_error": best_constant_error(mask).tolist(),
            "output_spread": spread.tolist(), "effective_l2": effective_l2(cfg),
            "hessian_min_eig": hessian_min_eig(params, mask).tolist(),
            "wp_shrink": (norm(params, ["Wp"]) / norm(p0, ["Wp"])).tolist(),
            "layers": {name: {"w": float(norm(params, ks).mean()),
                              "grad": float(norm(g, ks).mean())} for name, ks in LAYER_GROUPS}}


def escape(seeds, cfg, sweeps, every=50):
    """The first sweep (checked every `every`) at which a training case is correct, per seed
    (None if none by `sweeps`)."""
    tests, plist, _ = zip(*(ft.draw_seed(s, cfg) for s in seeds))
    mask = ft.masks(tests)
    first = [None] * len(seeds)

    def monitor(t, p):
        _, ok = ft.evaluate(p, mask)
        for i, n in enumerate((ok * mask).sum(axis=1)):
            if n > 0 and first[i] is None:
                first[i] = t
    ft.train(ft.stack(plist), mask, dict(cfg, sweeps=sweeps), monitor=monitor, every=every)
    return first


def diagnose(seeds, escape_sweeps, progress):
    out = {"seeds": list(seeds), "sweeps": ft.SWEEPS, "escape_sweeps": escape_sweeps, "rows": []}
    for label, over in DIAGNOSE:
        progress(f"diagnose: {label}")
        out["rows"].append(dict(plateau(seeds, config(**over)), label=label, overrides=over))
    out["escape"] = []
    for label, over in DIAGNOSE:
        progress(f"diagnose: escape, {label}")
        out["escape"].append({"label": label, "first_sweep": escape(seeds, config(**over),
                                                                    escape_sweeps)})
    return out


def print_diagnose(d):
    n = len(d["seeds"])
    for row in d["rows"]:
        E, C = np.array(row["final_error"]), np.array(row["best_constant_error"])
        lam, eig = row["effective_l2"], np.array(row["hessian_min_eig"])
        yield f"{row['label']}, seeds 0..{n - 1}, {d['sweeps']} sweeps:"
        yield f"  train correct: mean {np.mean(row['train_correct']):.2f} of 100"
        yield (f"  final error {E.mean():.4f} vs best input-independent output {C.mean():.4f} "
               f"(mean over seeds; largest gap {np.max(np.abs(E - C)):.1e})")
        yield (f"  output spread over training cases (largest std of a unit): "
               f"{max(row['output_spread']):.1e}")
        yield (f"  decay as an L2 penalty at a fixed point: lambda = decay(1-alpha2)/"
               f"(eps2(1-decay)) = {lam:.5f}")
        if lam > 0:
            yield f"  {'layer group':<19s} |w|      |dE/dw|   lambda|w|  |dE/dw|/(lambda|w|)"
            for name, v in row["layers"].items():
                yield (f"  {name:<19s} {v['w']:.2e} {v['grad']:.2e}  {lam * v['w']:.2e}   "
                       f"{v['grad'] / (lam * v['w']):.2f}")
        pure = (1 - config(**row["overrides"])["decay"]) ** d["sweeps"]
        yield (f"  |Wp| at the end / at init: {np.mean(row['wp_shrink']):.4f} (pure decay would "
               f"give (1-decay)^sweeps = {pure:.4f})")
        kind = ("minimum" if np.all(lam + eig > 0) else "saddle" if np.all(lam + eig < 0)
                else "mixed")
        yield (f"  smallest Hessian eigenvalue of E: mean {eig.mean():.5f} [{eig.min():.5f}, "
               f"{eig.max():.5f}]; lambda + eigenvalue {lam + eig.mean():+.5f}; E + lambda/2 |w|^2 "
               f"curves up in every direction in {int(np.sum(lam + eig > 0))}/{n} seeds ({kind})")
    for e in d["escape"]:
        got = [s for s in e["first_sweep"] if s is not None]
        text = (f"median {int(np.median(got))}, range {min(got)}-{max(got)}" if got else "none")
        yield (f"escape, {e['label']}: first sweep with a training case correct (checked every "
               f"50, up to {d['escape_sweeps']}): {text}; {len(got)}/{n} seeds escaped")


# ---- cross-validation: 26 blocks of 4 cases; every case held out once per repeat ----------
def cv_slots(repeat, pairs=True, ring=None):
    """Repeat r's own generator draws the 26 blocks of 4 cases, then for each slot its
    initial weights (uniform in [-1, 1], scaled by a setting's init) and its case order. The
    26 outer slots hold out block i (train on 100); with pairs, the 325 slots of the pairs
    i < j hold out blocks i and j (train on 96): inner fold j of outer fold i and inner fold i
    of outer fold j (neither ever trains on its outer fold's block). With ring = k only the
    pairs of blocks at most k apart around the ring of 26 are kept (26 k slots): each outer
    fold then has 2 k inner folds, its neighbours i +- 1..k."""
    rng = np.random.default_rng(repeat)
    blocks = np.sort(rng.permutation(N_CASES).reshape(N_BLOCKS, 4), axis=1)
    held = [(i,) for i in range(N_BLOCKS)]
    if pairs and ring:
        held += sorted({tuple(sorted((i, (i + d) % N_BLOCKS))) for i in range(N_BLOCKS)
                        for d in range(1, ring + 1)})
    elif pairs:
        held += [(i, j) for i in range(N_BLOCKS) for j in range(i + 1, N_BLOCKS)]
    slots = []
    for h in held:
        out = np.concatenate([blocks[b] for b in h])
        unit = ft.init_params(rng, 1.0)
        slots.append({"held": h, "unit": unit,
                      "order": rng.permutation(np.setdiff1d(np.arange(N_CASES), out))})
    return blocks, slots


def train_slots(jobs, blocks, checkpoints, progress=None, label=""):
    """Train every (setting, slot) job; returns correct (n_jobs, n_checkpoints, 104) bool.

    Jobs run in chunks of ft.CHUNK networks of one update mode and training-set size, each
    a single batched train() with the settings' values per network; the networks of a chunk
    are evaluated at every checkpoint (sweeps). Diverged networks count as learning nothing."""
    correct = np.zeros((len(jobs), len(checkpoints), N_CASES), bool)
    groups = {}
    for n, (setting, slot) in enumerate(jobs):
        groups.setdefault((setting["update"], len(slot["held"])), []).append(n)
    chunks = [g[lo:lo + ft.CHUNK] for g in groups.values() for lo in range(0, len(g), ft.CHUNK)]
    step = np.gcd.reduce(list(checkpoints))
    for c, idx in enumerate(chunks):
        sets, slots = [jobs[n][0] for n in idx], [jobs[n][1] for n in idx]
        mask = ft.masks([np.concatenate([blocks[b] for b in s["held"]]) for s in slots])
        p0 = ft.stack([{k: s["unit"][k] * st["init"] for k in ft.PARAM_NAMES}
                       for s, st in zip(slots, sets)])
        cfg = dict(PAPER, sweeps=max(checkpoints), update=sets[0]["update"],
                   **{k: np.array([st[k] for st in sets])
                      for k in ("eps2", "alpha2", "bias_decay")})

        def monitor(t, p, idx=idx):
            if t in checkpoints:
                correct[idx, list(checkpoints).index(t)] = ft.evaluate(p, mask)[1]
        tick = progress and (lambda t, c=c: progress(f"{label}chunk {c + 1}/{len(chunks)}, "
                                                     f"sweep {t}/{max(checkpoints)}"))
        ft.train(p0, mask, cfg, np.array([s["order"] for s in slots]), monitor=monitor,
                 every=step, progress=tick, strict=False)
    return correct


def cv_correct(repeats, cfg, loss="margin", progress=None):
    """26-fold CV of one configuration: (R, 104) held-out correctness, (R, 26) train correct."""
    tested, train_ok = np.zeros((len(repeats), N_CASES), bool), np.zeros((len(repeats), 26), int)
    for r, rep in enumerate(repeats):
        blocks, slots = cv_slots(rep, pairs=False)
        mask = ft.masks(list(blocks))
        p0 = ft.stack([{k: s["unit"][k] * cfg["init"] for k in ft.PARAM_NAMES} for s in slots])
        tick = progress and (lambda t, r=r: progress(f"CV repeat {r + 1}/{len(repeats)}: sweep "
                                                     f"{t}/{cfg['sweeps']}"))
        params, _ = ft.train(p0, mask, cfg, np.array([s["order"] for s in slots]),
                             ERRORS[loss], progress=tick)
        ok = ft.evaluate(params, mask)[1]
        for i, b in enumerate(blocks):
            tested[r, b] = ok[i, b]
        train_ok[r] = (ok * mask).sum(axis=1)
    return tested, train_ok


def cv_summary(tested, train_ok):
    rel = np.array([ft.RELATIONS.index(r) for _, r, _ in ft.DATA["cases"]])
    italian = np.array([ft.PEOPLE.index(p) >= 12 for p, _, _ in ft.DATA["cases"]])
    return {"cv_accuracy": float(tested.mean()), "cv_correct_per_repeat": tested.sum(1).tolist(),
            "per_tree": {"English": float(tested[:, ~italian].mean()),
                         "Italian": float(tested[:, italian].mean())},
            "per_relation": {r: [int(tested[:, rel == i].sum()), int(tested[:, rel == i].size)]
                             for i, r in enumerate(ft.RELATIONS)},
            "per_case_correct": dict(zip(ft.DATA["names"], tested.sum(0).tolist())),
            "train_correct_per_fold": ft.describe(train_ok.ravel())}


def cv_study(repeats, progress):
    tested, train_ok = cv_correct(repeats, RESCUED, progress=progress)
    return dict(cv_summary(tested, train_ok), repeats=list(repeats), config=RESCUED,
                tested=tested.astype(int).tolist())


def print_cv(d):
    n = len(d["repeats"])
    per = d["cv_correct_per_repeat"]
    acc = ft.describe(np.array(per) / N_CASES)
    yield (f"26-fold CV of the rescued settings, {n} repeat{'s' * (n > 1)} x 104 held-out cases: "
           f"accuracy {d['cv_accuracy']:.3f}" + (f", 95% CI over repeats [{acc['ci95'][0]:.3f}, "
                                                 f"{acc['ci95'][1]:.3f}]" if n > 1 else ""))
    yield f"  correct per repeat (of 104): {per}"
    yield (f"  per tree: English {d['per_tree']['English']:.3f}, Italian "
           f"{d['per_tree']['Italian']:.3f}; train correct per fold: mean "
           f"{d['train_correct_per_fold']['mean']:.2f} of 100")
    yield "  per relation, correct/tested (accuracy): " + ", ".join(
        f"{r} {c}/{t} ({c / t:.2f})" for r, (c, t) in d["per_relation"].items())


# ---- ablations from the rescued settings ---------------------------------------------------
ABLATIONS = [("baseline: rescued settings", {}, "margin"),
             ("no weight decay", {"decay": 0.0}, "margin"),
             ("no decay on the biases", {"bias_decay": False}, "margin"),
             ("decay inside the momentum term", {"decay_in_momentum": True}, "margin"),
             ("squared error to targets 0/1 (no margin)", {}, "sse"),
             ("squared error to targets 0.2/0.8", {}, "targets"),
             ("cross-entropy", {}, "ce"),
             ("cross-entropy, eps2 0.01", {"eps2": 0.01}, "ce"),
             ("fewer sweeps (500)", {"sweeps": 500}, "margin"),
             ("per-case updates", {"update": "case"}, "margin")]


def ablations(seeds, repeats, progress):
    rows = []
    for i, (label, over, loss) in enumerate(ABLATIONS):
        cfg = dict(RESCUED, **over)
        progress(f"ablations: {i + 1}/{len(ABLATIONS)} {label}")
        per = split_runs(seeds, cfg, loss)
        tested, train_ok = cv_correct(repeats, cfg, loss)
        rows.append({"label": label, "overrides": over, "loss": loss,
                     "test_correct": [m["test_correct"] for m in per],
                     "train_correct": [m["train_correct"] for m in per],
                     "carried": {n: float(np.mean([m[n]["carried"] for m in per]))
                                 for n in ft.FEATURES},
                     "cv_correct": tested.sum(1).tolist()})
    return {"seeds": list(seeds), "repeats": list(repeats), "rows": rows}


def print_ablations(d):
    n, base = len(d["seeds"]), d["rows"][0]
    yield (f"ablations from the rescued settings: {n} random splits (seeds 0..{n - 1}) and "
           f"{len(d['repeats'])} repeats of the 26-fold CV, same splits, folds and initial weights")
    yield ("  change                                     test correct of 4 [95% CI]  minus "
           "baseline, paired   train (all 100)   nat/gen/branch carried  CV acc  CV minus "
           "baseline (of 104)")
    for row in d["rows"]:
        tc, tr = ft.describe(row["test_correct"]), np.array(row["train_correct"])
        cv = np.array(row["cv_correct"])
        if row is base:
            diff = cvd = " " * 16
        else:
            dt = ft.describe(np.subtract(row["test_correct"], base["test_correct"]))
            dc = ft.describe(cv - np.array(base["cv_correct"]))
            diff = f"{dt['mean']:+.2f} [{dt['ci95'][0]:+.2f}, {dt['ci95'][1]:+.2f}]"
            cvd = f"{dc['mean']:+.2f} [{dc['ci95'][0]:+.2f}, {dc['ci95'][1]:+.2f}]"
        car = " / ".join(f"{row['carried'][f]:.2f}" for f in ft.FEATURES)
        yield (f"  {row['label']:<42s} {tc['mean']:.2f} [{tc['ci95'][0]:.2f}, {tc['ci95'][1]:.2f}]"
               f"   {diff:<22s} {tr.mean():6.2f} ({int((tr == 100).sum())}/{n})   {car}"
               f"      {cv.mean() / N_CASES:.3f}   {cvd}")


# ---- the nested search ---------------------------------------------------------------------
def search_grid():
    """The settings searched, everything else as in the paper (eps1, alpha1, the switch, the
    0.2% decay, the margin error); nearest the rescue first (the tie-break order)."""
    batch = [dict(update="batch", init=i, eps2=e, alpha2=a, bias_decay=b)
             for b in (True, False) for a in (0.9, 0.95) for i in (1.0, 0.5, 2.0)
             for e in (0.1, 0.05, 0.2)]
    case = [dict(update="case", init=1.0, eps2=e, alpha2=0.9, bias_decay=True)
            for e in (0.1, 0.03)]
    return batch + case


CHECKPOINTS = (500, 1000, 1500, 2000)
# inner folds of an outer fold: its ring neighbours i +- 1..3 (6 of the 25 leave-4-out folds of
# its 100 training cases; all 25 would cost 351 networks per setting and repeat instead of 104)
SEARCH_RING = 3


def search_repeat(repeat, grid, checkpoints, progress=None, ring=SEARCH_RING):
    """One repeat of the nested search on its 26 blocks, for every setting and checkpoint:
    outer[i], the correct cases of block i (of 4) of the network trained on the other 100;
    inner[i], the correct cases of its inner blocks j (of 4 per inner fold), each by the
    network trained without blocks i and j (inner fold j of outer fold i: it never saw block
    i either); and the training cases learned by these networks (outer_train of 100,
    inner_train summed over the inner folds). outer_cases: the outer folds' held-out
    correctness, as 104 digits."""
    blocks, slots = cv_slots(repeat, ring=ring)
    jobs = [(s, slot) for s in grid for slot in slots]
    ok = train_slots(jobs, blocks, checkpoints, progress, f"search repeat {repeat}: ")
    ok = ok.reshape(len(grid), len(slots), len(checkpoints), N_CASES).swapaxes(1, 2)
    G, C = len(grid), len(checkpoints)
    outer, inner, outer_train, inner_train = (np.zeros((G, C, N_BLOCKS), int) for _ in range(4))
    for n, slot in enumerate(slots):
        out = np.concatenate([blocks[b] for b in slot["held"]])
        trained = ok[:, :, n].sum(-1) - ok[:, :, n][..., out].sum(-1)
        if len(slot["held"]) == 1:
            i = slot["held"][0]
            outer[..., i], outer_train[..., i] = ok[:, :, n][..., blocks[i]].sum(-1), trained
        else:
            i, j = slot["held"]
            inner[..., i] += ok[:, :, n][..., blocks[j]].sum(-1)      # fold j of outer i
            inner[..., j] += ok[:, :, n][..., blocks[i]].sum(-1)      # fold i of outer j
            inner_train[..., i] += trained
            inner_train[..., j] += trained
    outer_cases = np.zeros((G, C, N_CASES), bool)
    for i, b in enumerate(blocks):
        outer_cases[..., b] = ok[:, :, i][..., b]
    return {"repeat": repeat, "inner_folds": 2 * ring if ring else N_BLOCKS - 1,
            "blocks": blocks.tolist(), "outer": outer.tolist(),
            "outer_train": outer_train.tolist(), "inner": inner.tolist(),
            "inner_train": inner_train.tolist(),
            "outer_cases": [["".join("01"[int(v)] for v in c) for c in g] for g in outer_cases]}


def select(inner, inner_train):
    """The configuration (setting, checkpoint) chosen for each outer fold: the one with the
    most inner held-out cases correct, inner (K, 26); ties go to more inner training cases
    learned, inner_train (K, 26), then to the earlier configuration. Returns (26,) indices.
    Column i alone decides outer fold i, and no number in it involves block i."""
    K = inner.shape[0]
    key = inner * 10 ** 6 + inner_train * 10 - np.arange(K)[:, None] / K
    return key.argmax(axis=0)


def nested(repeats):
    """The nested result from the stored repeats: per outer fold the chosen configuration
    and its held-out correct (of 4)."""
    out = []
    for rep in repeats:
        G, C = np.shape(rep["outer"])[:2]
        chosen = select(np.reshape(rep["inner"], (G * C, N_BLOCKS)),
                        np.reshape(rep["inner_train"], (G * C, N_BLOCKS)))
        outer = np.reshape(rep["outer"], (G * C, N_BLOCKS))
        out.append({"chosen": chosen.tolist(),
                    "test_correct": outer[chosen, np.arange(N_BLOCKS)].tolist()})
    return out


def search(repeats, progress, grid=None, checkpoints=CHECKPOINTS):
    grid = grid or search_grid()
    reps = [search_repeat(r, grid, checkpoints, progress) for r in repeats]
    return {"grid": grid, "checkpoints": list(checkpoints), "repeats": reps,
            "nested": nested(reps)}


def config_label(s, sweeps):
    return (f"{s['update']:<5s} init {s['init']:<3g} eps2 {s['eps2']:<4g} alpha2 {s['alpha2']:<4g}"
            f" {'bias decay' if s['bias_decay'] else 'no bias decay'} {sweeps:>4d} sweeps")


def print_search(d, top=12):
    grid, cps, reps = d["grid"], d["checkpoints"], d["repeats"]
    G, C, R = len(grid), len(cps), len(reps)
    labels = [config_label(s, c) for s in grid for c in cps]
    inner = np.array([np.reshape(r["inner"], (G * C, N_BLOCKS)) for r in reps])  # (R, K, 26)
    outer = np.array([np.reshape(r["outer"], (G * C, N_BLOCKS)) for r in reps])  # (R, K, 26)
    train = np.array([np.reshape(r["outer_train"], (G * C, N_BLOCKS)) for r in reps])
    folds = reps[0]["inner_folds"]
    inner_acc, outer_mean = inner.mean(axis=(0, 2)) / (4 * folds), outer.mean(axis=(0, 2))
    yield (f"nested search: {G} settings x {C} sweep counts = {G * C} configurations, "
           f"{R} repeat{'s' * (R > 1)} of the 26-fold CV ({R * N_BLOCKS} outer folds); "
           f"for each outer fold the "
           f"configuration is chosen on {folds} inner leave-4-out folds of its 100 training "
           f"cases, then trained on the 100 and tested on the held-out 4")
    yield (f"  configurations by inner CV accuracy (pooled over all outer folds; the held-out "
           f"column is shown for reference, never used to choose):")
    yield f"  {'configuration':<62s} inner acc  held-out of 4  train (of 100)"
    order = np.argsort(-inner_acc, kind="stable")
    rescue = config_label(dict(update="batch", bias_decay=True, alpha2=0.9, **ft.RESCUE),
                          ft.SWEEPS)
    rescue = labels.index(rescue) if rescue in labels else None
    for k in list(order[:top]) + ([rescue] if rescue not in list(order[:top]) + [None] else []):
        yield (f"  {labels[k]:<62s} {inner_acc[k]:.3f}      {outer_mean[k]:.2f}           "
               f"{train[:, k].mean():6.2f}" + ("   (the rescue)" if k == rescue else ""))
    yield "  best inner accuracy (and its held-out mean) for each value of each searched choice:"
    values = [dict(s, sweeps=c) for s in grid for c in cps]
    for key in ("update", "init", "eps2", "alpha2", "bias_decay", "sweeps"):
        cells = []
        for v in sorted({x[key] for x in values}, key=str):
            ks = [k for k, x in enumerate(values) if x[key] == v]
            k = ks[int(np.argmax(inner_acc[ks]))]
            cells.append(f"{v}: {inner_acc[k]:.3f} ({outer_mean[k]:.2f})")
        yield f"    {key:<10s} " + ", ".join(cells)
    best_outer = int(np.argmax(outer_mean))
    yield (f"  best held-out mean in hindsight (selection on the test cases, optimistic): "
           f"{labels[best_outer]}: {outer_mean[best_outer]:.2f} of 4")
    chosen = np.concatenate([n["chosen"] for n in d["nested"]])
    test = np.concatenate([n["test_correct"] for n in d["nested"]])
    tc = ft.describe(test)
    yield (f"nested result over {len(test)} outer folds: test correct (of 4) {ft.fmt_describe(tc)}"
           f"; accuracy {tc['mean'] / 4:.3f}")
    yield "  26-fold CV accuracy per repeat: " + ", ".join(
        f"{sum(n['test_correct']) / N_CASES:.3f}" for n in d["nested"])
    if rescue is not None:
        base = outer[:, rescue].ravel()
        diff = ft.describe(test - base)
        yield (f"  the rescue on the same folds: {base.mean():.2f} of 4; nested minus rescue, "
               f"paired: {diff['mean']:+.2f} [{diff['ci95'][0]:+.2f}, {diff['ci95'][1]:+.2f}]")
    yield f"  test correct histogram 0..4: {np.bincount(test, minlength=5).tolist()}"
    yield "  " + ft.fmt_outcome(ft.paper_outcome(test)).replace("pairs of seeds", "pairs of folds")
    picks = np.bincount(chosen, minlength=G * C)
    yield (f"  chosen configurations ({len(np.flatnonzero(picks))} distinct): " + "; ".join(
        f"{labels[k].strip()} x{picks[k]}" for k in np.argsort(-picks, kind="stable")[:4]
        if picks[k]))
    target = "reaches" if tc["ci95"][0] >= 2.5 else "is consistent with" if tc["ci95"][1] >= 2.5 \
        else "falls short of"
    yield (f"  the paper's level (2.5 of 4 or more): the nested mean {target} it "
           f"(95% CI [{tc['ci95'][0]:.2f}, {tc['ci95'][1]:.2f}])")


# ---- portability: what another BLAS kernel changes, against what a real change does -------
PERTURBATIONS = [("the committed settings", {}), ("eps2 0.105", {"eps2": 0.105}),
                 ("alpha2 0.91", {"alpha2": 0.91}), ("decay 0.0021", {"decay": 0.0021})]


def portability(progress):
    with open(os.path.join(RESULTS, "sweep50_rescued.json"), encoding="utf-8") as fh:
        sweep = [m["test_correct"] for m in json.load(fh)["per_seed"]]
    with open(os.path.join(RESULTS, "cv.json"), encoding="utf-8") as fh:
        cv = np.array(json.load(fh)["results"]["tested"][0], bool)
    rows = []
    for label, over in PERTURBATIONS:
        progress(f"portability: {label}")
        fresh = ft.run_split(list(range(len(sweep))), dict(RESCUED, **over))
        tested, _ = cv_correct([0], dict(RESCUED, **over))
        rows.append({"label": label, "overrides": over,
                     "sweep_changed": sum(m["test_correct"] != t for m, t in zip(fresh, sweep)),
                     "cv_changed": int((tested[0] != cv).sum()),
                     "test_correct_mean": float(np.mean([m["test_correct"] for m in fresh]))})
    return {"kernel": os.environ.get("OPENBLAS_CORETYPE", "chosen by OpenBLAS"), "rows": rows}


def print_portability(d):
    yield (f"rerun against the committed results (OPENBLAS_CORETYPE: {d['kernel']}): held-out "
           f"scores that differ, of the 50 rescued seeds, and held-out outcomes that differ, of "
           f"the 104 of CV repeat 0")
    for r in d["rows"]:
        yield (f"  {r['label']:<24s} seeds {r['sweep_changed']:2d} of 50 (mean test correct "
               f"{r['test_correct_mean']:.2f})   CV outcomes {r['cv_changed']:2d} of 104")


# ---- command line ----------------------------------------------------------------------------
def facts():
    return {"facts": [f"{p} {r} {a}" for p, r, answers in ft.DATA["cases"] for a in answers]}


def print_facts(d):
    yield from d["facts"]
    yield (f"# {len(ft.PEOPLE)} people, {len(ft.RELATIONS)} relations, "
           f"{len(ft.DATA['cases'])} cases, {len(d['facts'])} facts")


def build_parser():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("study", nargs="?", choices=STUDIES, default=STUDIES[0],
                    help=f"the study to run (default {STUDIES[0]})")
    ap.add_argument("--seeds", type=ft.number(int, f"[1, {ft.MAX_SWEEP}]"), default=None,
                    metavar="N",
                    help="seeds 0..N-1 (readings 20, diagnose 10, ablations 50)")
    ap.add_argument("--repeats", type=ft.number(int, "[1, 20]"), default=None, metavar="R",
                    help="CV repeats, seeds 0..R-1 (ablations 4, cv 10, search 2)")
    ap.add_argument("--json", type=ft.output_path, default=None, metavar="PATH",
                    help="write the results to PATH")
    ap.add_argument("--quiet", action="store_true", help="print nothing")
    return ap


def main(argv=None):
    ap = build_parser()
    a = ap.parse_args(argv)
    sizes = dict(DEFAULTS[a.study])
    for flag in ("seeds", "repeats"):
        if getattr(a, flag) is not None:
            if flag not in sizes:
                ap.error(f"argument --{flag}: not used by the {a.study} study")
            sizes[flag] = getattr(a, flag)
    progress, t0 = ft.Progress(sys.stderr.isatty() and not a.quiet), time.time()
    seeds, repeats = list(range(sizes.get("seeds", 0))), list(range(sizes.get("repeats", 0)))
    try:
        result = {"readings": lambda: readings(seeds, progress),
                  "facts": facts,
                  "diagnose": lambda: diagnose(seeds, sizes["escape_sweeps"], progress),
                  "ablations": lambda: ablations(seeds, repeats, progress),
                  "cv": lambda: cv_study(repeats, progress),
                  "search": lambda: search(repeats, progress),
                  "portability": lambda: portability(progress)}[a.study]()
    finally:
        progress.close()
    out = {"experiment": "family_trees", "study": a.study, "config": dict(PAPER, **sizes),
           "results": result,
           "versions": {"python": sys.version.split()[0], "numpy": np.__version__},
           "wallclock_s": round(time.time() - t0, 3)}
    if not a.quiet:
        for line in globals()[f"print_{a.study}"](result):
            print(line)
        if a.study != "facts":
            print(f"wall-clock {out['wallclock_s']:.0f} s")
    if a.json:
        ft.write_json(a.json, out, indent=None if a.study == "search" else 1)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.stderr.write("\nstudies_family_trees.py: interrupted\n")
        sys.exit(130)
