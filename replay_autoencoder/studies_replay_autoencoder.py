#!/usr/bin/env python3
"""Studies of noise-induced replay beyond the thesis, built on replay_autoencoder.py.

    measures    the hierarchy measures on constructed models (a perfect denoiser, always one
                item, two items known, the mean pattern, a random net, the top split only,
                the identity map), beside the previous "hierarchy score"; instant
    replay      per scenario (H = 2, H = 32), seed 0, 25 teacher-student runs: the teachers,
                the transition-matrix objective (its floor, the grid with a bootstrap set of
                optima indistinguishable from the minimum, the row-normalised alternative),
                students for sigma = 0, 0.1, ..., 1 (mu = 0) and at the grid optimum, with
                item-balanced completion per item, the hierarchical completion score and the
                strength of each SVD mode of the data in the student's map over its epochs;
                writes results/replay_H2.json and results/replay_H32.json
    early_stop  the thesis's stopping rules (mean item loss < 1e-3 or a change < 1e-4 from one
                epoch to the next) switched on for the teachers; writes results/early_stop.json
    table       the README blocks from results/*.json (default; takes a second)

    python3 replay_autoencoder/studies_replay_autoencoder.py replay
    python3 replay_autoencoder/studies_replay_autoencoder.py table
"""
import argparse
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import replay_autoencoder as ra  # noqa: E402

RESULTS = os.path.join(HERE, "results")
X, ITEMS = ra.DATA, ra.ITEMS
SWEEP_SIGMAS = ra.SIGMAS     # students at mu = 0, at the grid's sigmas 0, 0.1, ..., 1
SNAP_EVERY = 10            # epochs between snapshots of the student's map f(X)
BOOTSTRAP = 1000           # resamples of the teachers for the objective's optimum set
ACQUIRED = 0.5             # a mode counts as acquired at this share of its singular value

# ----------------------------------------------------------------------------- probes and levels
# Completion probes: an item with one of its attributes switched off, kept when the corrupted
# pattern is not an item and no other single deletion gives it (Oak without Leaves is Pine).
_ALL = [(i, a) for i in range(ra.N_ITEMS) for a in range(ra.N_ATTR) if X[i, a] > 0.5]
_VEC = np.array([np.where(np.arange(ra.N_ATTR) == a, 0.0, X[i]) for i, a in _ALL])
_KEEP = [p for p in range(len(_ALL))
         if not (_VEC[p] == X).all(1).any() and (_VEC == _VEC[p]).all(1).sum() == 1]
PROBES = _VEC[_KEEP]                                          # (21, 9)
PROBE_ITEM = np.array([_ALL[p][0] for p in _KEEP])
PROBE_ATTR = np.array([_ALL[p][1] for p in _KEEP])
# The hierarchy below "living thing": plant/animal, tree/flower/fish/bird, the item.  At each
# level an item's group shares some attributes (plants: Grow, not Move, Roots, not Fly, not
# Swim); a completed probe "knows" the level when it carries all of them.
LEVELS = ["plant/animal", "tree/flower/fish/bird", "item"]
GROUPS = np.array([[0, 0, 0, 0, 1, 1, 1, 1], [0, 0, 1, 1, 2, 2, 3, 3], list(range(8))])
SHARED = np.array([[np.all(X[GROUPS[k] == GROUPS[k, i]] == X[i], axis=0) for i in range(8)]
                   for k in range(len(LEVELS))])              # (3, 8, 9) attribute masks
U, SV, VT = np.linalg.svd(X, full_matrices=False)             # the data's modes
N_MODES = int((SV > 1e-9).sum())                              # 6
BINARY = np.array([[(k >> b) & 1 for b in range(ra.N_ATTR)] for k in range(2 ** ra.N_ATTR)], float)
NON_ITEMS = BINARY[~(BINARY[:, None] == X[None]).all(-1).any(-1)]     # the 504 other patterns


def level_knowledge(Yp):
    """(..., 3, 8): per level and item, the share of the item's probes whose thresholded
    completion carries every attribute the item's group shares at that level."""
    on = (Yp > 0.5)[..., None, :, :] == (X[PROBE_ITEM] > 0.5)           # (..., 1, P, D)
    ok = np.all(on | ~SHARED[:, PROBE_ITEM], axis=-1)                   # (..., 3, P)
    count = PROBE_ITEM[:, None] == np.arange(ra.N_ITEMS)                # (P, 8)
    return (ok.astype(float) @ count) / count.sum(0)


def mode_strengths(Y):
    """(..., 6): strength u_k^T f(X) v_k / s_k of each SVD mode of the data in the map f(X)
    (Saxe, McClelland & Ganguli 2019); 1 when the map reproduces the items."""
    return np.einsum("ik,...ij,kj->...k", U[:, :N_MODES], Y, VT[:N_MODES]) / SV[:N_MODES]


def previous_score(Yp):
    """The previous 'hierarchy score': exact completion per level of the deleted attribute
    (Grow; Move, Roots; Fly, Swim, Petals; Leaves, Red, Yellow), levels averaged."""
    level = np.array([[0], [1, 2], [3, 4, 6], [5, 7, 8]], dtype=object)
    lev = np.array([next(k for k, cols in enumerate(level) if a in cols) for a in PROBE_ATTR])
    exact = np.all((Yp > 0.5) == (X[PROBE_ITEM] > 0.5), -1)
    return np.stack([exact[..., lev == k].mean(-1) for k in range(4)], -1).mean(-1)


def outputs(params):
    """f of the probes, the items and the non-items for a batch of models."""
    M = params["W1"].shape[0]
    f = lambda P: ra.predict(params, np.broadcast_to(P, (M,) + P.shape))
    return f(PROBES), f(X), f(NON_ITEMS)


def measures(Yp, Y, Yn):
    """Every measure of models given their outputs on probes, items and non-items (per model).
    The hierarchical completion score is the mean of level_knowledge over the 3 levels and the
    8 items (each item weighted equally; 1 for a perfect denoiser); item_completion (..., 8) is
    its item level, the share of each item's probes completed exactly, and its mean over the
    items the item-balanced completion."""
    known = level_knowledge(Yp)                                   # (..., 3, 8)
    return {"hierarchy_score": known.mean((-2, -1)), "item_completion": known[..., 2, :],
            "balanced_completion": known[..., 2, :].mean(-1),
            "level_knowledge": known.mean(-1), "mode_strength": mode_strengths(Y),
            "item_loss": ((Y - X) ** 2).sum(-1), "nonitem_loss": ((Yn - NON_ITEMS) ** 2).sum(-1).mean(-1),
            "previous_score": previous_score(Yp)}


# ----------------------------------------------------------------------------- constructed models

def constructed_models(seed=0):
    """{name: (outputs on probes, items, non-items)} of models whose knowledge is known."""
    mean = X.mean(0)
    plant = np.where(np.arange(8)[:, None] < 4, X[:4].mean(0), X[4:].mean(0))      # per item
    everywhere = lambda row: (np.repeat(row[None], len(PROBES), 0), np.repeat(row[None], 8, 0),
                              np.repeat(row[None], len(NON_ITEMS), 0))

    def by_item(rows):            # a model that answers rows[i] to anything derived from item i
        return rows[PROBE_ITEM], rows, np.repeat(mean[None], len(NON_ITEMS), 0)

    two = np.where(np.isin(np.arange(8), [2, 3])[:, None], X, mean)
    rng = np.random.default_rng(seed)
    net = ra.init_params([rng], 16)
    net["b1"] += 0.1
    random_out = [o[0] for o in outputs(net)]
    models = {
        "perfect denoiser": by_item(X),
        "always Daisy": everywhere(X[2]),
        "knows Daisy and Rose only": by_item(two),
        "mean pattern": everywhere(mean),
        "random net (H = 16)": tuple(random_out),
        "top split only (plant/animal means)": by_item(plant),
        "identity map": (PROBES, X, NON_ITEMS),
    }
    return models


def study_measures(args, progress=None):
    rows = {}
    for name, (Yp, Y, Yn) in constructed_models(args.seed).items():
        m = measures(Yp[None], Y[None], Yn[None])
        rows[name] = {k: np.asarray(v[0]).tolist() for k, v in m.items()}
    out = {"study": "measures", "seed": args.seed, "levels": LEVELS, "models": rows,
           "data_singular_values": SV[:N_MODES].tolist(), "n_probes": len(PROBES),
           "probes_per_item": np.bincount(PROBE_ITEM, minlength=8).tolist()}
    save(args, "measures.json", out)
    return out


# ----------------------------------------------------------------------------- the objective

def simplex_floor(S):
    """min over row-stochastic A of sum (A - S)^2: each row of S projected on the simplex."""
    total = 0.0
    for s in S:
        u = np.sort(s)[::-1]
        css = np.cumsum(u) - 1.0
        k = np.nonzero(u - css / np.arange(1, len(u) + 1) > 0)[0][-1]
        total += float(((s - np.maximum(s - css[k] / (k + 1), 0.0)) ** 2).sum())
    return total


def objective(counts, S, rng):
    """Grid of sum (A - S)^2, its minimum and the bootstrap over teachers (resampling runs):
    the grid points whose resampled distance minus the resampled distance at the minimum has
    a 2.5% quantile <= 0 are 'indistinguishable from the minimum'."""
    R = counts.shape[0]
    dist = ((ra.transition_matrix(counts.sum(0)) - S) ** 2).sum((-2, -1))       # (n_mu, n_sg)
    best = np.unravel_index(np.argmin(dist), dist.shape)
    idx = rng.integers(0, R, (BOOTSTRAP, R))                       # resample b: runs idx[b]
    times = (idx[:, :, None] == np.arange(R)).sum(1).astype(float)  # (B, R) copies of each run
    boot_counts = (times @ counts.reshape(R, -1)).reshape((BOOTSTRAP,) + counts.shape[1:])  # exact
    boot = ((ra.transition_matrix(boot_counts) - S) ** 2).sum((-2, -1))
    diff = boot - boot[(slice(None),) + best][:, None, None]
    arg = np.bincount(boot.reshape(BOOTSTRAP, -1).argmin(1), minlength=dist.size).reshape(dist.shape)
    return {"dist": dist, "best": best, "min": float(dist[best]),
            "indistinguishable": np.quantile(diff, 0.025, axis=0) <= 0.0,
            "argmin_share": arg / BOOTSTRAP, "boot_min_ci": np.quantile(boot.min((1, 2)), [0.025, 0.975])}


# ----------------------------------------------------------------------------- the replay study

def interval_rows(values):
    """[interval] over runs for each setting: values (n_settings, R, ...) -> nested lists."""
    v = np.asarray(values)
    if v.ndim == 2:
        return [ra.interval(row) for row in v]
    return [interval_rows(v[:, :, k]) for k in range(v.shape[2])]


def acquisition(strength, epochs):
    """Epoch at which each mode first reaches ACQUIRED of its singular value (inf: never);
    strength (..., T, modes), epochs (T,) -> (..., modes)."""
    reached = strength >= ACQUIRED
    first = np.where(reached.any(-2), epochs[np.argmax(reached, axis=-2)], np.inf)
    return first


def study_replay(args, progress):
    cfg = ra.config_from_args(*parse_main([]))
    cfg["runs"] = args.runs
    runs = list(range(args.runs))
    S = ra.scaled_correlation()
    S_row = S / S.sum(1, keepdims=True)
    files = {}
    for hidden, epochs in cfg["scenarios"]:
        key, t0 = f"H{hidden}", time.perf_counter()
        tell = lambda what: (lambda k, n: progress(f"{key} {what}: epoch {k}/{n}"))
        sv_curve = np.empty((epochs, ra.N_ITEMS))

        def teacher_monitor(epoch, Y):
            sv_curve[epoch] = np.linalg.svd(Y, compute_uv=False).mean(0)

        teacher, curves = ra.train_teachers(args.seed, hidden, epochs, cfg, runs,
                                            tell("teachers"), teacher_monitor)
        progress(f"{key}: the mu x sigma grid")
        grid = ra.grid_search(args.seed, hidden, teacher, cfg, runs)
        rng = np.random.default_rng([args.seed, hidden, 77])
        obj, obj_row = objective(grid["counts"], S, rng), objective(grid["counts"], S_row, rng)
        best = grid["best"]
        pairs = [(0.0, s) for s in SWEEP_SIGMAS] + ([best] if best[0] != 0.0 else [])
        snaps = np.arange(SNAP_EVERY, cfg["student_epochs"] + 1, SNAP_EVERY)
        strength = np.empty((len(pairs) * len(runs), len(snaps), N_MODES))

        def student_monitor(epoch, Y):
            if (epoch + 1) % SNAP_EVERY == 0:
                strength[:, (epoch + 1) // SNAP_EVERY - 1] = mode_strengths(Y)

        st = ra.train_students(args.seed, hidden, teacher, cfg, runs, pairs, tell("students"),
                               student_monitor)
        P, R = len(pairs), len(runs)
        m = {k: v.reshape((P, R) + v.shape[1:]) for k, v in measures(*outputs(st["student"])).items()}
        strength = strength.reshape(P, R, len(snaps), N_MODES)
        acq = acquisition(strength, snaps)                                       # (P, R, modes)
        order = np.all(np.diff(np.where(np.isfinite(acq), acq, 1e9), axis=-1) >= 0, axis=-1)
        tm = measures(*outputs(teacher))
        fp = ra.fixed_point_analysis(teacher, ra.run_rngs(args.seed, hidden, "fixed_points", runs),
                                     cfg["fp_starts"])
        near = fp["item_fixed_point_nearest"]
        h = ra.encode(teacher, np.broadcast_to(X, (R,) + X.shape))
        ev = np.linalg.svd(h - h.mean(1, keepdims=True), compute_uv=False) ** 2
        step = max(1, epochs // 300)
        res = {
            "study": "replay", "scenario": key, "seed": args.seed, "runs": R, "config": cfg,
            "settings": [ra.pair_label(*p) for p in pairs], "mus": [p[0] for p in pairs],
            "sigmas": [p[1] for p in pairs], "grid_best": list(best), "levels": LEVELS,
            "teacher": {"item_loss": ra.per_item(curves[:, -1]),
                        "item_loss_mean": ra.interval(curves[:, -1].mean(1)),
                        "curve_epochs": list(range(1, epochs + 1, step)),
                        "item_loss_curve_mean": curves[:, ::step].mean(0),
                        "item_loss_curve_std": curves[:, ::step].std(0),
                        "singular_value_curve": sv_curve[::step],
                        "hierarchy_score": ra.interval(tm["hierarchy_score"]),
                        "balanced_completion": ra.interval(tm["balanced_completion"]),
                        "mode_strength": [ra.interval(v) for v in tm["mode_strength"].T],
                        "fixed_point_nearest": {it: [ITEMS[j] for j in near[:, i]]
                                                for i, it in enumerate(ITEMS)},
                        "attractor": fp["item_is_attractor"],
                        "pca_explained_variance": (ev / ev.sum(1, keepdims=True))[:, :3].mean(0),
                        "params_runs_0_1": {k: v[:2] for k, v in teacher.items()}},
            "objective": {
                "grid_mus": cfg["mus"], "grid_sigmas": cfg["sigmas"],
                "floor": simplex_floor(S), "row_sums_S": S.sum(1),
                **{f"{name}_{k}": (v.tolist() if isinstance(v, np.ndarray) else v)
                   for name, o in (("S", obj), ("row_normalised", obj_row))
                   for k, v in o.items() if k != "best"},
                "S_best": [cfg["mus"][obj["best"][0]], cfg["sigmas"][obj["best"][1]]],
                "row_normalised_best": [cfg["mus"][obj_row["best"][0]],
                                        cfg["sigmas"][obj_row["best"][1]]],
                "transition_matrix_best": grid["A"][obj["best"]]},
            "students": {
                "hierarchy_score": interval_rows(m["hierarchy_score"]),
                "balanced_completion": interval_rows(m["balanced_completion"]),
                "item_completion": interval_rows(m["item_completion"]),
                "level_knowledge": interval_rows(m["level_knowledge"]),
                "mode_strength": interval_rows(m["mode_strength"]),
                "previous_score": interval_rows(m["previous_score"]),
                "mean_item_loss": interval_rows(m["item_loss"].mean(-1)),
                "item_loss": interval_rows(m["item_loss"]),
                "nonitem_loss": interval_rows(m["nonitem_loss"]),
                "prevalence": interval_rows(st["prevalence"]),
                "snap_epochs": snaps.tolist(), "mode_strength_curve": strength.mean(1),
                "acquired_share": np.isfinite(acq).mean(1),
                "acquisition_epoch": [[ra.interval(acq[p, :, k]) for k in range(N_MODES)]
                                      for p in range(P)],
                "in_order_share": order.mean(1)},
            "wallclock_s": time.perf_counter() - t0}
        files[key] = save(args, f"replay_{key}.json", res)
    return files


def study_early_stop(args, progress):
    cfg = ra.config_from_args(*parse_main([]))
    cfg["runs"] = args.runs
    out = {"study": "early_stop", "seed": args.seed, "stop_loss": 1e-3, "stop_delta": 1e-4}
    for hidden, epochs in cfg["scenarios"]:
        prev, stop = [None], np.full(args.runs, epochs)

        def monitor(epoch, Y):
            cur = ((Y - X) ** 2).sum(-1).mean(-1)
            done = (cur < 1e-3) | (np.abs(cur - prev[0]) < 1e-4 if prev[0] is not None else False)
            stop[(stop == epochs) & done] = epoch + 1
            prev[0] = cur
            return stop < epochs

        teacher, curves = ra.train_teachers(args.seed, hidden, epochs, cfg, list(range(args.runs)),
                                            lambda k, n: progress(f"H{hidden}: epoch {k}/{n}"),
                                            monitor)
        sv = np.linalg.svd(ra.predict(teacher, np.broadcast_to(X, (args.runs,) + X.shape)),
                           compute_uv=False)
        final = curves[np.arange(args.runs), stop - 1]                    # (runs, 8) at the stop
        out[f"H{hidden}"] = {"stop_epoch": ra.interval(stop), "stopped_early": int((stop < epochs).sum()),
                             "item_loss_mean": ra.interval(final.mean(1)),
                             "singular_values_mean": sv.mean(0),
                             "n_nonzero": float((sv > ra.SV_THRESHOLD).sum(1).mean())}
    save(args, "early_stop.json", out)
    return out


# ----------------------------------------------------------------------------- printing

def load(name, folder=RESULTS):
    path = os.path.join(folder, name)
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def table_lines(folder):
    out = []
    ms = load("measures.json", folder)
    if ms:
        out += ["== measures on constructed models ==",
                f"{'model':<38}{'hier.':>7}{'balanced':>9}{'previous':>9}  "
                "level knowledge (plant/animal, group, item); mode strengths 1-6"]
        for name, m in ms["models"].items():
            out.append(f"{name:<38}{m['hierarchy_score']:7.3f}{m['balanced_completion']:9.3f}"
                       f"{m['previous_score']:9.3f}  "
                       + " ".join(f"{v:.2f}" for v in m["level_knowledge"]) + "; "
                       + " ".join(f"{v:.2f}" for v in m["mode_strength"]))
    for key in ("H2", "H32"):
        r = load(f"replay_{key}.json", folder)
        if not r:
            continue
        o, s, t = r["objective"], r["students"], r["teacher"]
        mus, sgs = o["grid_mus"], o["grid_sigmas"]
        cells = lambda mask: ", ".join(f"({mus[i]:g}, {sgs[j]:g})" for i, j in zip(*np.nonzero(mask)))
        out += [f"== {key}: seed {r['seed']}, {r['runs']} teacher-student runs ==",
                f"teacher: hierarchy score {ra.mean_ci(t['hierarchy_score'])}, balanced completion "
                f"{ra.mean_ci(t['balanced_completion'])}, mode strengths "
                + " ".join(f"{v['mean']:.2f}" for v in t["mode_strength"]),
                "teacher: fixed point reached from each item (most common nearest item, share of "
                "runs): " + "  ".join(f"{it}->{max(ITEMS, key=v.count)} "
                                      f"{v.count(max(ITEMS, key=v.count)) / len(v):.2f}"
                                      for it, v in t["fixed_point_nearest"].items()),
                "teacher: PCA of the item codes, explained variance "
                + " ".join(f"{v:.2f}" for v in t["pca_explained_variance"]),
                f"objective sum (A - S)^2: floor for any row-stochastic A {o['floor']:.2f} "
                f"(rows of S sum to {min(o['row_sums_S']):.2f}-{max(o['row_sums_S']):.2f}); grid "
                f"minimum {o['S_min']:.3f} at (mu, sigma) = ({o['S_best'][0]:g}, {o['S_best'][1]:g}); "
                f"at (0, 0.5) {o['S_dist'][mus.index(0.0)][sgs.index(0.5)]:.3f}",
                f"  indistinguishable from the minimum (bootstrap over teachers, {BOOTSTRAP}): "
                + cells(np.array(o["S_indistinguishable"])),
                f"row-normalised S: minimum {o['row_normalised_min']:.3f} at ({o['row_normalised_best'][0]:g}, "
                f"{o['row_normalised_best'][1]:g}); indistinguishable: "
                + cells(np.array(o["row_normalised_indistinguishable"])),
                "students (mean [95% interval] over runs): setting | hierarchy score | balanced "
                "completion | item loss | non-item loss | modes acquired in order | previous score"]
        for p, name in enumerate(r["settings"]):
            cols = ("hierarchy_score", "balanced_completion", "mean_item_loss", "nonitem_loss")
            out.append(f"  {name:<18} " + "  ".join(ra.mean_ci(s[c][p]) for c in cols)
                       + f"  {s['in_order_share'][p]:.2f}  {s['previous_score'][p]['mean']:.3f}")
        show = [r["settings"].index(x) for x in dict.fromkeys(
            ["mu=0,sigma=0", ra.pair_label(*r["grid_best"]), "mu=0,sigma=0.5"])]
        out.append("per item, " + " | ".join(r["settings"][p] for p in show)
                   + ": completion; replay prevalence; student item loss")
        for i, item in enumerate(ITEMS):
            out.append(f"  {item:<8}" + " | ".join(
                f"{ra.mean_ci(s['item_completion'][i][p], 2)}; {ra.mean_ci(s['prevalence'][i][p])}; "
                f"{ra.mean_ci(s['item_loss'][i][p], 2)}" for p in show))
        out.append("mode strength at the last epoch (modes 1-6, singular values "
                   + " ".join(f"{v:.2f}" for v in SV[:N_MODES]) + "), acquisition epoch (mean):")
        for p in show:
            out.append(f"  {r['settings'][p]:<18}" + " ".join(
                f"{s['mode_strength'][k][p]['mean']:.2f}" for k in range(N_MODES)) + "  epochs "
                + " ".join("never" if a["mean"] is None else f"{a['mean']:.0f}"
                           for a in s["acquisition_epoch"][p]))
    es = load("early_stop.json", folder)
    if es:
        out.append("== early stopping (the thesis's rules) ==")
        for key in ("H2", "H32"):
            e = es[key]
            out.append(f"  {key}: stopped early {e['stopped_early']}/{e['stop_epoch']['n']}, stop "
                       f"epoch {e['stop_epoch']['mean']:.0f} (min {e['stop_epoch']['min']:.0f}, "
                       f"max {e['stop_epoch']['max']:.0f}); mean item loss "
                       f"{ra.mean_ci(e['item_loss_mean'])}; nonzero singular values {e['n_nonzero']:.2f}")
    return out


# ----------------------------------------------------------------------------- CLI

def parse_main(argv):
    parser = ra.build_parser()
    return parser.parse_args(argv), parser


def output_dir(text):
    """A directory to write into: checked by making and removing a file there."""
    try:
        if not os.path.isdir(text):
            raise NotADirectoryError(20, "not a directory")
        tmp = os.path.join(text, f".{os.getpid()}.check")
        open(tmp, "w").close()
        os.remove(tmp)
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"cannot write into {text}: {exc.strerror or exc}")
    return text


def plain(obj):
    """numpy values -> plain Python for strict JSON (NaN and infinities -> null)."""
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [plain(v) for v in obj]
    if isinstance(obj, (float, np.floating)):
        return float(obj) if np.isfinite(obj) else None
    return obj.item() if isinstance(obj, np.generic) else obj


def save(args, name, obj):
    path = os.path.join(args.outdir, name)
    ra.write_json(path, plain(obj))
    return path


STUDIES = {"measures": study_measures, "replay": study_replay, "early_stop": study_early_stop}


def build_parser():
    p = argparse.ArgumentParser(description="Studies of replay_autoencoder.py beyond the thesis.")
    p.add_argument("study", nargs="?", default="table", choices=["table"] + list(STUDIES),
                   help="which study (default: print the tables from results/)")
    p.add_argument("--seed", type=ra.number(int, 0, 2 ** 32 - 1), default=None, help="default 0")
    p.add_argument("--runs", type=ra.number(int, 1, ra.MAX_RUNS), default=None,
                   help=f"teacher-student runs per scenario (default {ra.RUNS})")
    p.add_argument("--outdir", type=output_dir, default=None, metavar="DIR",
                   help="where results are written (default replay_autoencoder/results)")
    p.add_argument("--quiet", action="store_true", help="print nothing")
    return p


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.study in ("table", "measures"):
        if args.runs is not None:
            parser.error(f"argument --runs: not used by the {args.study} study")
    if args.study == "table" and args.seed is not None:
        parser.error("argument --seed: not used by the table study (it reads results/)")
    args.seed, args.runs = args.seed or 0, args.runs or ra.RUNS
    args.outdir = args.outdir or RESULTS
    if args.study == "table":
        lines = table_lines(args.outdir)
        if not args.quiet:
            print("\n".join(lines) if lines else f"no results in {args.outdir}")
        return 0
    progress = ra.Progress(args.quiet)
    try:
        with np.errstate(all="ignore"):
            STUDIES[args.study](args, progress)
    except ra.DivergenceError as exc:
        progress(None)
        sys.stderr.write(f"studies_replay_autoencoder.py: {exc}\n")
        return 1
    progress(None)
    if not args.quiet:
        print("\n".join(table_lines(args.outdir)))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.stderr.write("\nstudies_replay_autoencoder.py: interrupted\n")
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(1)
