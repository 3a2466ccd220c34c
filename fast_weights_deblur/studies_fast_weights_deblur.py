#!/usr/bin/env python3
"""Studies of fast_weights_deblur beyond the paper, built on fast_weights_deblur.py.

    decay       the paper's last claim where the fast weights carry most of the rehearsal
                change: candidate settings against the paper's rule, 30 seeds each
    departures  the measured effect of each of our choices the paper does not make (fast-weight
                warm-up, momentum reset at each stage, fast epsilon, initial weights)
    grid        fast epsilon x fast alpha, with the slow-only net
    fractions   transfer against the rehearsed fraction (5% to 90%), fast and slow-only nets
    theory      sections 4.1, 5.1, 5.2 and 5.3 by simulation, and 5.3 in the 10-100-10 net
                over 200 rehearsal sweeps
    table       (default) every study's table again, from the JSON committed in results/

Each study prints its table; --json PATH also writes its results (the README's are in
results/<study>.json):

    python3 fast_weights_deblur/studies_fast_weights_deblur.py decay --json fast_weights_deblur/results/decay.json
"""
import argparse
import dataclasses
import json
import math
import os
import platform
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fast_weights_deblur as fw  # noqa: E402

RESULTS = os.path.join(HERE, "results")
STUDIES = ("decay", "departures", "grid", "fractions", "theory")
SEEDS = 30
DECAY = {   # setting -> Config overrides; the first is the paper's rule as the main script runs it
    "paper rule (fast eps .2, slow alpha .9 in stage 3)": {},
    "no slow momentum in stage 3": {"rehearsal_mom_slow": 0.0},
    "slow weights frozen in stage 3": {"rehearsal_eps_slow": 0.0},
    "fast eps .5": {"eps_fast": 0.5},
    "fast eps 1": {"eps_fast": 1.0},
    "fast alpha .5": {"mom_fast": 0.5},
    "fast alpha .8": {"mom_fast": 0.8},
    "slow-only net (fast eps 0)": {"eps_fast": 0.0},
}
DEPARTURES = {
    "as run (warm-up 10, momentum reset, fast eps .2)": {},
    "no fast-weight warm-up": {"fast_warmup": 0},
    "no warm-up, fast eps .05": {"fast_warmup": 0, "eps_fast": 0.05},
    "warm-up 1": {"fast_warmup": 1},
    "warm-up 11": {"fast_warmup": 11},
    "warm-up 50": {"fast_warmup": 50},
    "warm-up 900 (this folder's first version)": {"fast_warmup": 900},
    "momentum kept across stages": {"keep_momentum": True},
    "initial weights U(-0.1, 0.1)": {"init_scale": 0.1},
    "initial weights U(-1, 1)": {"init_scale": 1.0},
}
GRID_EPS, GRID_MOM = (0.02, 0.05, 0.1, 0.2, 0.5, 1.0), (0.0, 0.5, 0.8)
FRACTIONS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9)
THEORY = dict(seed=0, n=1000, m=100, k=50, sets=400, noise=100, ns=(10, 20, 50, 100, 200),
              p_ternary=1 / 3, assoc_per_dim=1.0, ternary_fraction=0.5, n53=100, trials_53=400,
              steps=40, lr=0.1, trials_geom=100000, angles=(15.0, 30.0, 45.0, 60.0, 75.0),
              shrink=(1.0, 0.75, 0.5, 0.25, 0.1), net_sweeps=200,
              net_points=(1, 2, 3, 5, 10, 20, 50, 100, 200))
NET53 = {"slow-only, slow alpha .9": {"eps_fast": 0.0}, "slow-only, slow alpha 0": {"eps_fast": 0.0, "rehearsal_mom_slow": 0.0},
         "fast, slow alpha .9": {}, "fast, slow alpha 0": {"rehearsal_mom_slow": 0.0}}


# ---- running the main script's protocol --------------------------------------------------------
def last(d):
    """The last point of a {'mean': [...], 'ci95': ([...], [...])} curve as a scalar entry."""
    ci = d["ci95"]
    return {"mean": d["mean"][-1], "ci95": None if ci is None else [ci[0][-1], ci[1][-1]]}


def row(cfg, seeds, progress):
    """One setting over the seeds: the main script's headline, reduced to the quoted scalars."""
    H = fw.plain(fw.headline(fw.per_seed_arrays(fw.run(seeds, cfg, progress), cfg), cfg))
    out = {k: H[k] for k in ("bits_old_after_stage1", "fast_norm_after_stage1")}
    out.update({k: H[k]["sq"] for k in ("err_old_after_stage1", "err_old_after_interference",
                                         "err_new_after_interference")})
    for f in cfg.fractions:
        h = H[fw.key(f)]
        out[fw.key(f)] = {"fast_share_of_rehearsal_change": h["fast_share_of_rehearsal_change"]}
        for m in fw.MEASURES:
            a = h[m]
            e = {k: a[k] for k in ("cumulative_transfer_ratio", "transfer_ratio_first_sweep",
                                   "blur_undone_by_rehearsal", "deblurring_kept_after_decay",
                                   "new_harm_undone_by_decay")}
            for kind in ("unretrained", "new"):
                e[f"err_{kind}_after_rehearsal"] = last(a["curve_" + kind])
                e[f"err_{kind}_after_decay"] = last(a["decay_curve_" + kind])
                e[f"control_err_{kind}_after_rehearsal"] = last(a["curve_ctrl_" + kind])
                e[f"control_err_{kind}_after_decay"] = last(a["decay_curve_ctrl_" + kind])
                e[f"err_{kind}_no_fast"] = a["no_fast_" + kind]
            out[fw.key(f)][m] = e
    return out


def run_rows(settings, seeds, progress, **common):
    rows = {}
    for i, (name, kw) in enumerate(settings.items()):
        cfg = fw.Config(**dict(common, **kw))
        rows[name] = dict(config=fw.plain(dataclasses.asdict(cfg)),
                          **row(cfg, seeds, lambda t: progress(f"{i + 1}/{len(settings)} {name[:24]}: {t}")))
    return rows


def study_decay(seeds, progress):
    return {"rows": run_rows(DECAY, seeds, progress)}


def study_departures(seeds, progress):
    return {"rows": run_rows(DEPARTURES, seeds, progress)}


def study_grid(seeds, progress):
    grid = {f"fast eps {e:g}, alpha {a:g}": {"eps_fast": e, "mom_fast": a} for e in GRID_EPS for a in GRID_MOM}
    grid["slow-only net (fast eps 0)"] = {"eps_fast": 0.0}
    return {"rows": run_rows(grid, seeds, progress, fractions=(0.1,))}


def study_fractions(seeds, progress):
    nets = {"fast": {}, "slow-only": {"eps_fast": 0.0}}
    out = {"rows": run_rows(nets, seeds, progress, fractions=FRACTIONS)}
    # the linear net's expected ratio k c / (1 + (k - 1) c) with the paper's c = .25 (section 5.1)
    out["linear_prediction"] = {fw.key(f): round(f * fw.N_OLD) * 0.25 / (1 + (round(f * fw.N_OLD) - 1) * 0.25)
                                for f in FRACTIONS}
    return out


# ---- the paper's analysis (sections 4.1, 5.1, 5.2, 5.3), checked by simulation ------------------
def ci_mean(x):
    x = np.asarray(x, dtype=np.float64)
    m, se = float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size))
    return {"mean": m, "ci95": [m - 1.96 * se, m + 1.96 * se], "n": int(x.size)}


def ci_ratio(num, den):
    """Ratio of means num.mean()/den.mean() with a delta-method 95% interval (paired samples)."""
    num, den = np.asarray(num, np.float64), np.asarray(den, np.float64)
    n = num.size
    mn, md = num.mean(), den.mean()
    r = mn / md
    cov = np.cov(np.stack([num, den]))
    var = (cov[0, 0] - 2 * r * cov[0, 1] + r * r * cov[1, 1]) / (md * md * n)
    half = 1.96 * math.sqrt(max(var, 0.0))
    return {"ratio": float(r), "ci95": [float(r - half), float(r + half)], "n": int(n)}


def random_inputs(rng, shape, kind, p):
    """0/1 inputs (1 with prob p) or 1/0/-1 inputs (1 and -1 each with prob p)."""
    u = rng.random(shape)
    if kind == "01":
        return (u < p).astype(np.float64)
    return np.where(u < p, 1.0, np.where(u < 2 * p, -1.0, 0.0))


def linear_transfer_trials(rng, n_sets, n_noise, n, m, k, kind, p, chunk=50):
    """Linear net, one output unit, noise g ~ N(0, 1) added to weights that solved m associations.

    n_sets random input sets (m vectors of n components) x n_noise noise vectors each. For
    infinitesimal retraining on the first k associations (steepest descent on their summed
    error) it returns, per input set, the mean rate of improvement of a retrained and of an
    unretrained association (averaged over the noise draws), and, per input set, the mean cosine
    between the gradients of two associations (all pairs among the first 10, all noise draws),
    the mean of eq. (2)/(3) over the same pairs, and the mean of the exact expectation
    rho (2/pi) asin(rho) (rho = cos(a, b); E sign(e_a e_b) = (2/pi) asin(rho) for gaussian noise). The error of association j is e_j = a_j . g,
    so the targets never need to be drawn.
    """
    imp_r, imp_u, cos_ab, pred_ab, rho_ab = [], [], [], [], []
    done = 0
    while done < n_sets:
        t = min(chunk, n_sets - done)
        A = random_inputs(rng, (t, m, n), kind, p)              # (t, m, n) input vectors
        g = rng.standard_normal((t, n, n_noise))                 # weight noise, n_noise draws
        e = A @ g                                                # (t, m, G) output errors
        step = -A[:, :k].transpose(0, 2, 1) @ e[:, :k]           # (t, n, G) = -dE_S/dw
        rate = -e * (A @ step)                                   # improvement rate of every case
        imp_r.append(rate[:, :k].mean(axis=(1, 2)))
        imp_u.append(rate[:, k:].mean(axis=(1, 2)))
        # pairwise cosines among the first q associations: grad E_j = e_j a_j, so
        # cos(grad_i, grad_j) = (a_i . a_j) e_i e_j / (|a_i| |a_j| |e_i e_j|)
        q = min(m, 10)
        Aq, eq = A[:, :q], e[:, :q]                              # (t, q, n), (t, q, G)
        gram = Aq @ Aq.transpose(0, 2, 1)                        # (t, q, q)
        nrm = np.sqrt(np.einsum("tii->ti", gram))
        iu_, ju_ = np.triu_indices(q, 1)
        ab, na, nb = gram[:, iu_, ju_], nrm[:, iu_], nrm[:, ju_]   # (t, pairs)
        ee = eq[:, iu_] * eq[:, ju_]                             # (t, pairs, G)
        den = (na * nb)[:, :, None] * np.abs(ee)
        ok = (den > 0).astype(np.float64)                        # skip all-zero input vectors
        with np.errstate(divide="ignore", invalid="ignore"):
            cos = np.where(ok > 0, ab[:, :, None] * ee / den, 0.0)
            pr = np.where(na * nb > 0, ab ** 2 / (na * nb) ** 2, 0.0)    # eq. (2) / (3), per pair
            rh = np.where(na * nb > 0, ab / (na * nb), 0.0)
        cnt = ok.sum(axis=(1, 2))                                # per input set: mean over pairs, noise
        cos_ab.append(cos.sum(axis=(1, 2)) / cnt)
        pred_ab.append((pr[:, :, None] * ok).sum(axis=(1, 2)) / cnt)
        rho_ab.append(((rh * (2 / math.pi) * np.arcsin(rh))[:, :, None] * ok).sum(axis=(1, 2)) / cnt)
        done += t
    cat = np.concatenate
    return cat(imp_r), cat(imp_u), cat(cos_ab), cat(pred_ab), cat(rho_ab)


def theory_01(rng, T):
    """Section 5.1: 0/1 inputs with p = .5; cosine between two gradients and the 50-of-100 ratio."""
    n, m, k = T["n"], T["m"], T["k"]
    T, G = T["sets"], T["noise"]
    ir, iu, cos, pred, exact = linear_transfer_trials(rng, T, G, n, m, k, "01", 0.5)
    c_paper = 0.25
    # finite-n expected overlap E[(a.b)^2] / E[|a|^2 |b|^2] for p = .5 (enters the ratio exactly)
    # E[(a.b)^2] / E[|a|^4] = (3n/16 + n^2/16) / (n/4 + n^2/4) = (n + 3) / (4 (n + 1)) -> 0.25
    c_n = (n + 3) / (4 * (n + 1))
    rat = ci_ratio(iu, ir)
    return {
        "n_inputs": n, "n_associations": m, "n_retrained": k, "input_sets": T, "noise_per_set": G,
        "cos_measured": ci_mean(cos), "cos_eq2_mean": ci_mean(pred),
        "cos_exact_rho_arcsin_mean": ci_mean(exact), "cos_paper": c_paper,
        "cos_measured_minus_exact": ci_mean(cos - exact), "cos_measured_minus_eq2": ci_mean(cos - pred),
        "ratio_measured": rat,
        "ratio_mean_of_trial_ratios": ci_mean(iu / ir),
        "ratio_paper": k * c_paper / (1 + (k - 1) * c_paper),
        "ratio_finite_n_prediction": k * c_n / (1 + (k - 1) * c_n),
        "ratio_in_ci": bool(rat["ci95"][0] <= k * c_paper / (1 + (k - 1) * c_paper) <= rat["ci95"][1]),
    }


def theory_ternary(rng, T):
    """Section 5.2: 1/0/-1 inputs for n = 10..200; pair cosine ~ 1/n, ratio constant when
    #associations = n * assoc_per_dim and a fixed fraction is retrained."""
    rows = []
    p = T["p_ternary"]
    for n in T["ns"]:
        m = max(2, int(round(T["assoc_per_dim"] * n)))
        k = max(1, int(round(T["ternary_fraction"] * m)))
        ir, iu, cos, pred, exact = linear_transfer_trials(rng, T["sets"], T["noise"], n, m, k,
                                                     "ternary", p)
        rat = ci_ratio(iu, ir)
        c_pred = 1.0 / n                                       # 4 p^2 n / (2 p n)^2
        rows.append({"n": n, "m": m, "k": k, "cos_measured": ci_mean(cos), "cos_eq3_mean": ci_mean(pred),
                     "cos_paper_1_over_n": c_pred, "n_times_cos_measured": ci_mean(n * cos),
                     "n_times_eq3": ci_mean(n * pred), "n_times_exact": ci_mean(n * exact),
                     "ratio_measured": rat,
                     "ratio_prediction": k * c_pred / (1 + (k - 1) * c_pred)})
    return rows


def theory_retraining_linear(rng, T):
    """Section 5.3 in the linear net: retrain on k of m associations with finite steps of plain
    gradient descent from w* + g; per-step ratio of mean improvements (unretrained / retrained)."""
    n, m, k, steps, trials, lr = T["n53"], T["m"], T["k"], T["steps"], T["trials_53"], T["lr"]
    A = random_inputs(rng, (trials, m, n), "01", 0.5)
    w = rng.standard_normal((trials, n))                       # deviation from the solution w*
    H = np.einsum("tkn,tkj->tnj", A[:, :k], A[:, :k])           # Hessian of the retrained error
    lam = np.linalg.eigvalsh(H)[:, -1]
    eps = lr / lam                                               # step = lr / largest curvature
    errs = []
    for t in range(steps + 1):
        e = np.einsum("tmn,tn->tm", A, w)
        errs.append(np.stack([0.5 * (e[:, :k] ** 2).mean(1), 0.5 * (e[:, k:] ** 2).mean(1)], 1))
        if t < steps:
            w = w - eps[:, None] * np.einsum("tk,tkn->tn", e[:, :k], A[:, :k])
    errs = np.stack(errs)                                          # (steps+1, trials, 2)
    dimp = errs[:-1] - errs[1:]                                     # per-step improvement
    ratio = dimp[:, :, 1].mean(1) / dimp[:, :, 0].mean(1)
    rat_ci = [ci_ratio(dimp[s, :, 1], dimp[s, :, 0]) for s in range(steps)]
    return {"n_inputs": n, "n_associations": m, "n_retrained": k, "trials": trials, "lr": lr,
            "ratio_per_step": fw.plain(ratio), "ratio_per_step_ci95": [r["ci95"] for r in rat_ci],
            "err_retrained_mean": fw.plain(errs[:, :, 0].mean(1)), "err_unretrained_mean": fw.plain(errs[:, :, 1].mean(1))}


def theory_geometry(rng, T):
    """Section 4.1 (figure 4): two inputs, one linear output, two associations x1, x2 whose
    solution lines cross at O. Noise of fixed length r in a uniform direction; a tiny gradient
    step on association 1; does the error on association 2 fall? Measured fraction vs the arc
    prediction 1 - phi/pi (phi = angle between x1 and x2). Then section 5.3: after retraining on
    association 1 by a factor s (circle -> ellipse) the measured chance vs the ellipse arc fraction."""
    N, r = T["trials_geom"], 1.0
    rows = []
    for deg in T["angles"]:
        phi = math.radians(deg)
        x1, x2 = np.array([1.0, 0.0]), np.array([math.cos(phi), math.sin(phi)])
        th = rng.uniform(0, 2 * math.pi, N)
        v = r * np.stack([np.cos(th), np.sin(th)], 1)             # w - O, uniform orientation
        ent = []
        for s in T["shrink"]:
            vs = v.copy()
            vs[:, 0] *= s                                          # retraining on 1 shrinks the x1 part
            e1, e2 = vs @ x1, vs @ x2
            dstep = 1e-6
            w_new = vs - dstep * e1[:, None] * x1                  # tiny step down dE1/dw
            E2_before, E2_after = 0.5 * e2 ** 2, 0.5 * (w_new @ x2) ** 2
            pos = (E2_after < E2_before).astype(np.float64)
            # arc-length prediction on the ellipse {(s cos t, sin t)}: fraction of its perimeter
            # where the transfer sign is positive
            tt = (np.arange(20000) + 0.5) * (2 * math.pi / 20000)
            pts = np.stack([s * np.cos(tt), np.sin(tt)], 1)
            dl = np.sqrt((s * np.sin(tt)) ** 2 + np.cos(tt) ** 2)
            good = ((pts @ x1) * (pts @ x2) * (x1 @ x2) > 0).astype(np.float64)
            arc = float(np.sum(good * dl) / np.sum(dl))
            ent.append({"shrink": s, "fraction_positive": ci_mean(pos), "arc_prediction": arc})
        rows.append({"angle_deg": deg, "arc_prediction_circle": 1 - phi / math.pi if deg <= 90 else phi / math.pi,
                     "by_shrink": ent})
    return rows


def theory_net(seeds, progress):
    """Section 5.3 in the 10-100-10 net: the cumulative transfer ratio of the seed means over 200
    rehearsal sweeps, and the ratio of the mean improvements in windows of sweeps."""
    out = {}
    pts = [0] + [t for t in THEORY["net_points"] if t <= THEORY["net_sweeps"]]
    for i, (name, kw) in enumerate(NET53.items()):
        cfg = fw.Config(**kw, sweeps3=THEORY["net_sweeps"], decay_sweeps=0)
        A = fw.per_seed_arrays(fw.run(seeds, cfg, lambda t: progress(f"5.3 net {i + 1}/4: {t}")), cfg)
        out[name] = {}
        for f in cfg.fractions:
            R, U = A[fw.key(f)]["sq"]["curve_retrained"], A[fw.key(f)]["sq"]["curve_unretrained"]
            cum = [fw.boot_ratio(U[:, 0] - U[:, t], R[:, 0] - R[:, t]) for t in pts[1:]]
            win = [fw.boot_ratio(U[:, a] - U[:, b], R[:, a] - R[:, b]) for a, b in zip(pts[:-1], pts[1:])]
            out[name][fw.key(f)] = fw.plain({
                "sweeps": pts, "err_retrained_mean": R.mean(0)[pts], "err_unretrained_mean": U.mean(0)[pts],
                "cumulative_ratio": [{"value": v, "ci95": c} for v, c in cum],
                "window_ratio": [{"value": v, "ci95": c} for v, c in win]})
    return out


def study_theory(seeds, progress):
    rng = np.random.default_rng(THEORY["seed"])
    progress("sections 5.1, 5.2 (linear net)")
    out = {"zero_one": theory_01(rng, THEORY), "ternary": theory_ternary(rng, THEORY)}
    progress("section 5.3 (linear net), 4.1 (geometry)")
    out.update(retraining_linear=theory_retraining_linear(rng, THEORY), geometry=theory_geometry(rng, THEORY))
    out["retraining_net"], out["retraining_net_seeds"] = theory_net(seeds, progress), seeds
    out["constants"] = fw.plain(THEORY)
    return out


# ---- tables ---------------------------------------------------------------------------------------
def f3(d):
    return fw.fmt(d, 3)


def table_rows(res, fraction, header):
    """The decay / departures / grid table: one line per setting at one rehearsed fraction."""
    L = [header, "setting                                            | old st1  bits | blurred | fast share    "
         "| cum. ratio 1 (sq)    | cum. ratio 20 (sq)   | unretrained: control -> rehearsed -> decayed | new 5: st2 -> rehearsed -> decayed "
         "(control) | harm to new 5 undone by decay | deblurring kept | new 5 with the fast weights removed"]
    for name, r in res["rows"].items():
        h, a = r[fraction], r[fraction]["sq"]
        v = lambda k: a[k]["mean"]
        L.append(f"{name[:50]:<50} | {r['err_old_after_stage1']['mean']:.4f} {r['bits_old_after_stage1']['mean']:.3f} | "
                 f"{r['err_old_after_interference']['mean']:.4f} | {f3(h['fast_share_of_rehearsal_change']):<13} | "
                 f"{f3(a['cumulative_transfer_ratio']['1']):<20} | "
                 f"{f3(a['cumulative_transfer_ratio']['20']):<20} | {v('control_err_unretrained_after_rehearsal'):.4f} -> "
                 f"{v('err_unretrained_after_rehearsal'):.4f} -> {v('err_unretrained_after_decay'):.4f}"
                 f"                   | {r['err_new_after_interference']['mean']:.4f} -> {v('err_new_after_rehearsal'):.4f} -> "
                 f"{v('err_new_after_decay'):.4f} ({v('control_err_new_after_decay'):.4f})        | "
                 f"{f3(a['new_harm_undone_by_decay']):<29} | {f3(a['deblurring_kept_after_decay']):<20} | "
                 f"{a['err_new_no_fast']['mean']:.4f}")
    return L


def table_fractions(res):
    L = ["transfer vs rehearsed fraction (sq error; cumulative ratio of the seed means [bootstrap 95%]; "
         "linear net k c / (1 + (k - 1) c), c = .25)",
         "fraction | net       | ratio at sweep 1      | ratio at sweep 20     | first-sweep ratio mean / median "
         "| unretrained after rehearsal / decay | new 5 after decay (control) | linear net"]
    for f, pred in res["linear_prediction"].items():
        for net, r in res["rows"].items():
            a = r[f]["sq"]
            L.append(f"{f:>8} | {net:<9} | {f3(a['cumulative_transfer_ratio']['1']):<21} | "
                     f"{f3(a['cumulative_transfer_ratio']['20']):<21} | "
                     f"{a['transfer_ratio_first_sweep']['mean']:7.3f} / {a['transfer_ratio_first_sweep']['median']:.3f}"
                     f"                 | {a['err_unretrained_after_rehearsal']['mean']:.4f} / "
                     f"{a['err_unretrained_after_decay']['mean']:.4f}                     | "
                     f"{a['err_new_after_decay']['mean']:.4f} ({a['control_err_new_after_decay']['mean']:.4f})"
                     f"             | {pred:.3f}")
    return L


def table_theory(th):
    L = []
    out = L.append
    z = th["zero_one"]
    out(f"5.1 0/1 inputs (p=.5), linear net, n={z['n_inputs']}, {z['n_associations']} associations, "
        f"{z['input_sets']} input sets x {z['noise_per_set']} noise draws:")
    c = z["cos_measured"]
    out(f"  E[cos(grad A, grad B)] measured {c['mean']:.4f} ci95 [{c['ci95'][0]:.4f}, {c['ci95'][1]:.4f}]; "
        f"eq.(2) n_ab^2/(n_a n_b) {z['cos_eq2_mean']['mean']:.4f}; paper 0.25; "
        f"exact rho*(2/pi)*asin(rho) {z['cos_exact_rho_arcsin_mean']['mean']:.4f}")
    r = z["ratio_measured"]
    out(f"  ratio retrain {z['n_retrained']} of {z['n_associations']}: measured {r['ratio']:.4f} "
        f"ci95 [{r['ci95'][0]:.4f}, {r['ci95'][1]:.4f}]; paper {z['ratio_paper']:.4f} "
        f"(inside: {'yes' if z['ratio_in_ci'] else 'no'}); finite-n prediction {z['ratio_finite_n_prediction']:.4f}")
    out("5.2 1/0/-1 inputs: n, m, k | n*E[cos] measured | n*eq.(3) | ratio measured [ci95] | prediction (c = 1/n)")
    for row in th["ternary"]:
        r = row["ratio_measured"]
        out(f"  {row['n']:4d} {row['m']:4d} {row['k']:4d} | {row['n_times_cos_measured']['mean']:.3f} | "
            f"{row['n_times_eq3']['mean']:.3f} | {r['ratio']:.4f} [{r['ci95'][0]:.4f}, {r['ci95'][1]:.4f}] | "
            f"{row['ratio_prediction']:.4f}")
    lin = th["retraining_linear"]
    rs = lin["ratio_per_step"]
    idx = [i for i in (0, 1, 2, 5, 10, 20, len(rs) - 1) if i < len(rs)]
    out(f"5.3 linear net (n={lin['n_inputs']}, retrain {lin['n_retrained']} of {lin['n_associations']}, "
        f"{lin['trials']} problems): "
        "per-step ratio at step " + ", ".join(f"{i}: {rs[i]:.3f}" for i in idx))
    for name, d in th["retraining_net"].items():
        for f, e in d.items():
            out(f"5.3 10-100-10 net ({name}, rehearse {f}, {len(th['retraining_net_seeds'])} seeds), sq error, "
                "cumulative ratio of the seed means at sweep " + ", ".join(
                    f"{t}: {f3(c)}" for t, c in zip(e["sweeps"][1:], e["cumulative_ratio"])))
            out("    mean error retrained/unretrained at sweep " + ", ".join(
                f"{t}: {r:.4f}/{u:.4f}" for t, r, u in zip(e["sweeps"], e["err_retrained_mean"], e["err_unretrained_mean"]))
                + "; ratio of the mean improvements, sweeps " + ", ".join(
                f"{a}-{b}: {w['value']:.3f}" for a, b, w in zip(e["sweeps"][:-1], e["sweeps"][1:], e["window_ratio"])))
    out("4.1 figure-4 geometry: angle | measured fraction of noise directions with positive transfer [ci95] | arc prediction 1-phi/pi")
    for row in th["geometry"]:
        e = row["by_shrink"][0]
        fp = e["fraction_positive"]
        out(f"  {row['angle_deg']:5.1f} deg | {fp['mean']:.4f} [{fp['ci95'][0]:.4f}, {fp['ci95'][1]:.4f}] | "
            f"{row['arc_prediction_circle']:.4f}")
    out("5.3 geometry (ellipse): angle, shrink s | measured P(positive) | ellipse arc-length fraction")
    for row in th["geometry"]:
        out(f"  {row['angle_deg']:5.1f} deg: " + "; ".join(
            f"s={e['shrink']:.2f} {e['fraction_positive']['mean']:.3f}/{e['arc_prediction']:.3f}" for e in row["by_shrink"]))
    return L


TABLES = {"decay": lambda r: table_rows(r, "10%", "the decay claim, rehearse 10%, sq error, means over "
                                         "seeds [95% interval]") + table_rows(r, "50%", "rehearse 50%")[:1]
          + table_rows(r, "50%", "")[2:],
          "departures": lambda r: table_rows(r, "10%", "our departures, rehearse 10%, sq error"),
          "grid": lambda r: table_rows(r, "10%", "fast epsilon x fast alpha, rehearse 10%, sq error"),
          "fractions": table_fractions, "theory": table_theory}


# ---- command line -------------------------------------------------------------------------------
def build_parser():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("study", nargs="?", choices=STUDIES + ("table",), default="table")
    ap.add_argument("--seeds", type=fw.number(int, 2, fw.MAX_SWEEP), default=None,
                    help=f"seeds 0..N-1 of the 10-100-10 net (default {SEEDS})")
    ap.add_argument("--json", type=fw.output_path, default=None, metavar="PATH",
                    help="write the study's results to PATH")
    ap.add_argument("--quiet", action="store_true", help="print nothing")
    return ap


def main(argv=None):
    ap = build_parser()
    args = ap.parse_args(argv)
    if args.study == "table":
        for flag, v in (("--seeds", args.seeds), ("--json", args.json)):
            if v is not None:
                ap.error(f"argument {flag}: not allowed with the study 'table' (it reads results/*.json)")
        for name in STUDIES:
            path = os.path.join(RESULTS, f"{name}.json")
            if not os.path.isfile(path):
                print(f"{name}: {path} is missing (run the study '{name}' with --json {path})")
                continue
            with open(path, encoding="utf-8") as fh:
                res = json.load(fh)
            if not args.quiet:
                print("\n".join(TABLES[name](res["results"])))
        return 0
    seeds = list(range(args.seeds or SEEDS))
    progress, t0 = fw.Progress(sys.stderr.isatty() and not args.quiet), time.time()
    try:
        res = globals()[f"study_{args.study}"](seeds, progress)
    except fw.Diverged as e:
        sys.stderr.write(f"studies_fast_weights_deblur.py: {e}\n")
        return 1
    finally:
        progress.end()
    out = {"experiment": "fast_weights_deblur", "study": args.study, "seeds": seeds, "results": res,
           "versions": {"python": platform.python_version(), "numpy": np.__version__},
           "wallclock_s": round(time.time() - t0, 1)}
    if not args.quiet:
        print("\n".join(TABLES[args.study](res)))
        print(f"wall-clock {out['wallclock_s']:.0f} s")
    if args.json:
        fw.write_json(args.json, out)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.stderr.write("\nstudies_fast_weights_deblur.py: interrupted\n")
        sys.exit(130)
    except BrokenPipeError:                          # e.g. piped into head: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
