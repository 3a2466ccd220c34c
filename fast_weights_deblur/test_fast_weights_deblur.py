"""Tests of fast_weights_deblur's own science: the hand-written backward pass, the slow + fast
update rule, the protocol's invariants, the statistics and the metrics on constructed cases, this
folder's own flags, the theory checks of the studies script, and the README's headline numbers
against a fresh run. The command-line contract every script shares is tested once in
tests/test_repository.py."""
import math
import os
import re
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fast_weights_deblur as fw  # noqa: E402
import studies_fast_weights_deblur as st  # noqa: E402

SHORT = dict(sweeps1=60, sweeps2=20, sweeps3=5, decay_sweeps=30)    # a few seconds at most


def readme():
    with open(os.path.join(HERE, "README.md"), encoding="utf-8") as fh:
        return fh.read()


# ---- the backward pass and the update rule ----------------------------------------------------
def test_gradient_check_every_parameter_array():
    """Central differences against the hand-written backward pass, for W1, b1, W2, b2, with a
    case mask (the rehearsal's) and without; relative error below 1e-6."""
    rng = np.random.default_rng(1)
    B, P, I, H, O = 2, 5, 3, 4, 2
    X = rng.integers(0, 2, (B, P, I)).astype(float)
    D = rng.integers(0, 2, (B, P, O)).astype(float)
    params = [rng.normal(0, 0.7, s) for s in ((B, I, H), (B, H), (B, H, O), (B, O))]
    for mask in (None, (rng.random((B, P)) < 0.5) * 1.0):
        _, grads, _ = fw.loss_and_grads([p.copy() for p in params], X, D, mask)
        h = 1e-5
        for i, p in enumerate(params):
            num = np.zeros_like(p)
            for idx in np.ndindex(*p.shape):
                for sign in (1, -1):
                    q = [a.copy() for a in params]
                    q[i][idx] += sign * h
                    num[idx] += sign * fw.loss_and_grads(q, X, D, mask)[0].sum() / (2 * h)
            rel = np.abs(num - grads[i]) / np.maximum(1e-8, np.abs(num) + np.abs(grads[i]))
            assert rel.max() < 1e-6, (i, rel.max())


def test_sigmoid_in_place_is_the_logistic_without_warnings():
    x = np.linspace(-800, 800, 4001)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = fw.sigmoid(x.copy())
    ref = np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))))
    np.testing.assert_allclose(y, ref, rtol=1e-14, atol=1e-300)
    assert y[0] == 0.0 and y[-1] == 1.0


def test_update_rule_same_derivative_own_rates_then_decay():
    rng = np.random.default_rng(2)
    slow = rng.normal(size=(3, 7))
    st_ = fw.new_state(slow)
    st_["fast"] = rng.normal(size=(3, 7))
    st_["v_slow"], st_["v_fast"] = rng.normal(size=(3, 7)), rng.normal(size=(3, 7))
    before = {k: v.copy() for k, v in st_.items()}
    g = rng.normal(size=(3, 7))
    fw.update(st_, g, 0.02, 0.9, 0.3, 0.5, 0.01)
    v_s = 0.9 * before["v_slow"] - 0.02 * g
    v_f = 0.5 * before["v_fast"] - 0.3 * g
    np.testing.assert_array_equal(st_["slow"], before["slow"] + v_s)
    np.testing.assert_array_equal(st_["fast"], (before["fast"] + v_f) * 0.99)
    zero = fw.new_state(slow)                        # no derivative, no velocity: fast only shrinks
    zero["fast"] = before["fast"].copy()
    fw.update(zero, 0.0, 0.02, 0.9, 0.3, 0.5, 0.01)
    np.testing.assert_array_equal(zero["slow"], slow)
    np.testing.assert_array_equal(zero["fast"], before["fast"] * 0.99)


def test_pack_and_unpack_are_inverse_views():
    rng = np.random.default_rng(3)
    arrays = [rng.normal(size=(2,) + s) for s in fw.SHAPES]
    theta = fw.pack(arrays)
    assert theta.shape == (2, sum(math.prod(s) for s in fw.SHAPES))
    for a, b in zip(arrays, fw.unpack(theta)):
        np.testing.assert_array_equal(a, b)
        assert np.shares_memory(b, theta)


# ---- the protocol ------------------------------------------------------------------------------
def test_data_and_rehearsed_subsets():
    X, D, params, perm = fw.make_batch([0, 1], fw.Config())
    codes = X @ (2 ** np.arange(fw.N_IN))
    assert all(len(set(c)) == fw.N_OLD + fw.N_NEW for c in codes)       # 105 distinct inputs
    assert set(np.unique(D)) == {0.0, 1.0}
    retr = fw.rehearsed(perm, (0.1, 0.5))
    assert retr.shape == (2, 2, fw.N_OLD + fw.N_NEW)
    assert (retr.sum(-1) == [[10, 50], [10, 50]]).all()
    assert not retr[:, :, fw.N_OLD:].any()                                # new ones never rehearsed
    assert (retr[:, 0] <= retr[:, 1]).all()                              # 10% inside 50%
    for s in range(2):
        assert set(np.flatnonzero(retr[s, 0])) == set(perm[s, :10])


def trace_run(cfg, seed=0):
    trace = {k: [] for k in ("err_old", "err_new", "norm_slow", "norm_fast", "norm_eff")}
    res = fw.run([seed], cfg, trace=trace)
    return res, {k: np.array([np.asarray(v)[..., -1] if np.ndim(v) else v for v in vals])
                 for k, vals in trace.items()}


def test_warmup_stage_boundaries_and_decay_are_as_specified():
    cfg = fw.Config(**SHORT, fast_warmup=7, fractions=(0.1,))
    res, tr = trace_run(cfg)
    n1, n2, n3 = cfg.sweeps1 + 1, cfg.sweeps2 + 1, cfg.sweeps3 + 1
    assert len(tr["norm_fast"]) == n1 + n2 + n3 + len(res["decay_times"])
    assert np.all(tr["norm_fast"][:8] == 0.0) and tr["norm_fast"][8] > 0     # frozen for 7 changes
    fast4, slow4 = tr["norm_fast"][n1 + n2 + n3:], tr["norm_slow"][n1 + n2 + n3:]
    assert np.all(slow4 == slow4[0])                                          # stage 4: slow fixed
    np.testing.assert_allclose(fast4, fast4[0] * 0.99 ** np.array(res["decay_times"]), rtol=1e-12)


def test_fast_share_is_0_without_fast_learning_and_1_with_frozen_slow_weights():
    for kw, share in (({"eps_fast": 0.0}, 0.0), ({"rehearsal_eps_slow": 0.0}, 1.0)):
        res = fw.run([0, 1], fw.Config(**SHORT, **kw))
        assert np.all(res["fast_share"] == share), kw
    res = fw.run([0, 1], fw.Config(**SHORT))
    assert np.all((res["fast_share"] > 0.2) & (res["fast_share"] < 0.8))


def test_slow_only_net_is_unchanged_by_the_decay_and_the_control_rehearses_nothing():
    res = fw.run([0, 1], fw.Config(**SHORT, eps_fast=0.0))
    np.testing.assert_array_equal(res["fast_norm1"], 0.0)
    for m in fw.MEASURES:
        c, d = res[m]["curve"], res[m]["decay"]
        for kind in ("unretrained", "new", "ctrl_unretrained", "ctrl_new"):
            np.testing.assert_array_equal(d[kind], np.repeat(c[kind][..., -1:], d[kind].shape[-1], -1))
        np.testing.assert_array_equal(c["ctrl_old"], np.repeat(c["ctrl_old"][..., :1], c["ctrl_old"].shape[-1], -1))


def test_sweep_is_bit_identical_to_single_seeds_and_to_any_chunking(monkeypatch):
    cfg = fw.Config(**SHORT)
    monkeypatch.setattr(fw, "CHUNK", 2)
    a = fw.run([0, 1, 2], cfg)
    monkeypatch.setattr(fw, "CHUNK", 16)
    b, one = fw.run([0, 1, 2], cfg), fw.run([2], cfg)

    def same(x, y, i=None):
        if isinstance(x, dict):
            return all(same(x[k], y[k], i) for k in x if k not in ("seeds", "decay_times"))
        return np.array_equal(x if i is None else x[i:i + 1], y)
    assert same(a, b) and same(a, one, 2)


# ---- statistics and metrics on constructed cases ----------------------------------------------
def test_t_quantile_and_intervals():
    for n, t, tol in ((4, 3.182446, 4e-3), (10, 2.262157, 1e-4), (30, 2.045230, 1e-4), (1000, 1.962341, 1e-4)):
        assert abs(fw.t95(n) - t) < tol, n
    a = np.array([1.0, 2.0, 3.0, 4.0])
    m, (lo, hi) = fw.mean_ci(a)
    assert m == 2.5 and abs(hi - lo - 2 * fw.t95(4) * a.std(ddof=1) / 2) < 1e-12
    assert fw.mean_ci(a[:1])[1] is None


def test_bootstrap_ratio_is_the_ratio_of_means_with_a_covering_interval():
    rng = np.random.default_rng(4)
    den = rng.normal(1.0, 0.2, (30, 3))
    num = 0.6 * den + rng.normal(0, 0.05, (30, 3))
    v, (lo, hi) = fw.boot_ratio(num, den)
    np.testing.assert_allclose(v, num.mean(0) / den.mean(0))
    assert np.all(lo < v) and np.all(v < hi) and np.all(lo < 0.6) and np.all(0.6 < hi)
    v2, ci2 = fw.boot_ratio(num, den)
    assert np.array_equal(lo, ci2[0]), "the bootstrap is deterministic"
    assert fw.boot_ratio(num[:1], den[:1])[1] is None


def constructed_A(R, U, C, N3, M3, N4, M4, U4, C4, U1):
    """A per_seed_arrays-shaped dict whose curves are given (seeds x sweeps), for headline()."""
    S, T = R.shape
    a = {"curve_retrained": R, "curve_unretrained": U, "curve_ctrl_unretrained": C,
         "curve_new": np.repeat(N3[:, None], T, 1), "curve_ctrl_new": np.repeat(M3[:, None], T, 1),
         "decay_curve_new": np.stack([N3, N4], 1), "decay_curve_ctrl_new": np.stack([M3, M4], 1),
         "decay_curve_unretrained": np.stack([U[:, -1], U4], 1), "decay_curve_ctrl_unretrained": np.stack([C[:, -1], C4], 1),
         "err_unretrained_after_stage1": U1,
         "transfer_ratio_first_sweep": (U[:, 0] - U[:, 1]) / (R[:, 0] - R[:, 1]),
         "cumulative_transfer_ratio": {str(t): None for t in (1, T - 1)}}
    one = np.ones(S)
    A = {"bits_old_after_stage1": one, "fast_norm_after_stage1": one, "slow_norm_after_stage1": one}
    A.update({k: {m: one for m in fw.MEASURES} for k in ("err_old_after_stage1", "err_old_after_interference",
                                                         "err_new_after_interference")})
    A["10%"] = {"fast_share_of_rehearsal_change": one, **{m: a for m in fw.MEASURES}}
    return A


def test_metrics_rank_constructed_good_and_bad_models():
    """Perfect transfer gives a cumulative ratio of 1, none gives 0; new associations that come
    back to the control give 'harm undone' 1, staying harmed gives 0; deblurring that vanishes
    with the decay gives 'kept' 0, deblurring that stays gives 1."""
    S, T = 6, 21
    rng = np.random.default_rng(5)
    R = 0.05 * np.exp(-np.arange(T) / 5)[None] * (1 + 0.1 * rng.random((S, 1)))
    flat = np.full((S, T), 0.05)
    cfg = fw.Config(fractions=(0.1,))
    new2, harmed = np.full(S, 0.04), np.full(S, 0.08)
    good = fw.headline(constructed_A(R, R.copy(), flat, harmed, new2, new2, new2, flat[:, 0], flat[:, 0], R[:, -1]), cfg)
    bad = fw.headline(constructed_A(R, flat, flat, harmed, new2, harmed, new2, R[:, -1], flat[:, 0], R[:, -1]), cfg)
    g, b = good["10%"]["sq"], bad["10%"]["sq"]
    for t in ("1", "20"):
        assert abs(g["cumulative_transfer_ratio"][t]["value"] - 1) < 1e-12
        assert abs(b["cumulative_transfer_ratio"][t]["value"]) < 1e-12
    assert abs(g["new_harm_undone_by_decay"]["value"] - 1) < 1e-12
    assert abs(b["new_harm_undone_by_decay"]["value"]) < 1e-12
    assert abs(g["deblurring_kept_after_decay"]["value"]) < 1e-12          # back to the control
    assert abs(g["blur_undone_by_rehearsal"]["value"] - 1) < 1e-12          # back to stage 1
    assert abs(b["transfer_ratio_first_sweep"]["mean"]) < 1e-12


# ---- this folder's own flags -------------------------------------------------------------------
@pytest.mark.parametrize("flag,bad", [("--fractions", "0"), ("--fractions", "1"), ("--fractions", "0.1,0.1"),
                                      ("--fractions", "0.004"), ("--fractions", "0.1,x"),
                                      ("--rehearsal-mom-slow", "1"), ("--mom-fast", "-0.1"), ("--h", "1"),
                                      ("--sweeps3", "0"), ("--init-scale", "0"), ("--eps-fast", "-1")])
def test_own_flags_refuse_bad_values(flag, bad, capsys):
    with pytest.raises(SystemExit) as exc:
        fw.main([flag, bad])
    assert exc.value.code == 2
    assert flag in capsys.readouterr().err.strip().splitlines()[-1]


def test_config_holds_every_flag_and_the_defaults_are_the_constants():
    args = fw.build_parser().parse_args([])
    cfg = fw.config(args)
    assert cfg == fw.Config()
    assert (cfg.eps_slow, cfg.mom_slow, cfg.h, cfg.sweeps1, cfg.sweeps2, cfg.sweeps3) == (0.02, 0.9, 0.01, 1300, 400, 20)
    dests = {a.dest for a in fw.build_parser()._actions} - {"help", "seed", "sweep", "json", "quiet"}
    assert dests <= {f.name for f in fw.dataclasses.fields(fw.Config)}


def test_studies_refuse_flags_the_table_ignores(capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        st.main(["table", "--seeds", "3"])
    assert exc.value.code == 2 and "--seeds" in capsys.readouterr().err


# ---- the theory checks (studies script) --------------------------------------------------------
def theory(**kw):
    return dict(st.THEORY, **kw)


def test_theory_zero_one_reproduces_943_and_the_cosine_is_below_eq2():
    z = st.theory_01(np.random.default_rng(0), theory(n=200, sets=60, noise=50))
    lo, hi = z["ratio_measured"]["ci95"]
    assert lo <= 0.943 <= hi and hi - lo < 0.02
    assert abs(z["ratio_paper"] - 0.943) < 5e-4
    d = z["cos_measured_minus_exact"]                 # measured cosine = rho (2/pi) asin(rho)
    assert d["ci95"][0] <= 0.0 <= d["ci95"][1]
    assert z["cos_measured_minus_eq2"]["ci95"][1] < -0.05


def test_theory_ternary_ratio_constant_and_linear_retraining_ratio_falls():
    rows = st.theory_ternary(np.random.default_rng(0), theory(ns=(20, 100), sets=60, noise=50))
    for row in rows:
        assert abs(row["ratio_measured"]["ratio"] - row["ratio_prediction"]) < 0.03
        assert abs(row["n_times_eq3"]["mean"] - 1.0) < 0.15
    lin = st.theory_retraining_linear(np.random.default_rng(0), theory(n53=40, m=40, k=20, trials_53=60, steps=30))
    assert lin["ratio_per_step"][0] > 0.7 and lin["ratio_per_step"][-1] < lin["ratio_per_step"][0] - 0.2


def test_theory_geometry_matches_the_arc_prediction():
    rows = st.theory_geometry(np.random.default_rng(0), theory(trials_geom=20000, angles=(30.0, 60.0), shrink=(1.0,)))
    for row in rows:
        fp = row["by_shrink"][0]["fraction_positive"]
        assert fp["ci95"][0] - 0.005 <= row["arc_prediction_circle"] <= fp["ci95"][1] + 0.005


# ---- the README's headline numbers against a fresh run -----------------------------------------
NUM = r"-?\d+\.\d+"


def readme_lines(prefix, after):
    """The README's printed lines starting with prefix, in the block that follows `after`."""
    text = readme()
    start = text.index(after)
    block = text[start:text.index("```\n", text.index("```", start) + 4)]
    return [ln for ln in block.splitlines() if ln.startswith(prefix)]


def compare(quoted, fresh, metrics):
    """Every number of the quoted headline lines against the fresh ones.

    Tolerance: a tenth of the fresh 95% half-width of the quantity a number belongs to (a
    ratio, its interval bounds, or an error), and never less than one unit of the last printed
    digit (so that a value on a rounding boundary cannot fail). Why a tenth: the runs are long
    but not chaotic (gradient descent to a minimum): the OpenBLAS SkylakeX and Sandybridge
    kernels change no per-seed value of the 30-seed sweep by more than 1e-10 relative, so any
    machine reprints the README's digits; a real change of the model that moves a headline by
    a tenth of its sampling uncertainty still fails (tried: fast epsilon .2 -> .21 moves the 10%
    ratio after one sweep from 0.394 to 0.419, eight times its tolerance of 0.003; slow alpha
    .9 -> .91 to 0.430, initial scale .3 -> .31 to 0.382, warm-up 10 -> 11 to 0.442)."""
    assert len(quoted) == len(fresh) and quoted, (quoted, fresh)
    for q, f in zip(quoted, fresh):
        qn, fn = [float(x) for x in re.findall(NUM, q)], [float(x) for x in re.findall(NUM, f)]
        assert re.sub(NUM, "#", q) == re.sub(NUM, "#", f), (q, f)
        for a, b, tol in zip(qn, fn, tolerances(f, metrics)):
            assert abs(a - b) <= tol, (q, f, a, b, tol)


def tolerances(line, metrics):
    """One tolerance per number of a headline line (see compare)."""
    nums = re.findall(NUM, line)
    digits = [10 ** -len(x.split(".")[1]) for x in nums]
    m = re.match(r"\[seeds? [\d-]+\] (?:rehearse|decay after rehearsing) (\d+%), (sq|abs)", line)
    h = metrics[m.group(1)][m.group(2)]
    half = lambda d: (d["ci95"][1] - d["ci95"][0]) / 2 if d["ci95"] else 0.0
    if "cumulative" in line:                         # 4 ratios with 2 bounds each, then 4 errors
        spans = [half(r) for r in h["cumulative_transfer_ratio"].values() for _ in range(3)]
        curves = [h["curve_unretrained"], h["curve_unretrained"], h["curve_retrained"], h["curve_retrained"]]
        spans += [(c["ci95"][1][t] - c["ci95"][0][t]) / 2 for c, t in zip(curves, (0, -1, 0, -1))]
    else:                                            # new 5: 4 errors, harm undone [2 bounds], share [2]
        e = [metrics["err_new_after_interference"]["sq"], None, None, None]
        spans = [half(e[0])] + [half({"ci95": [c["ci95"][0][-1], c["ci95"][1][-1]]}) for c in
                                (h["curve_new"], h["decay_curve_new"], h["decay_curve_ctrl_new"])]
        spans += [half(h["new_harm_undone_by_decay"])] * 3
        spans += [half(metrics[m.group(1)]["fast_share_of_rehearsal_change"])] * 3
    return [max(0.1 * s, d) for s, d in zip(spans, digits)]


@pytest.fixture(scope="module")
def fresh_default():
    return fw.experiment(list(range(30)), fw.Config())


@pytest.mark.slow
def test_readme_figure2_headline_matches_a_fresh_30_seed_run(fresh_default):
    quoted = readme_lines("[seeds 0-29]", "python3 fast_weights_deblur/fast_weights_deblur.py --sweep 30 (printed)")
    fresh = [ln for ln in fw.report(fresh_default["metrics"], fw.Config(), list(range(30))) if ln.startswith("[")]
    compare(quoted, fresh, fresh_default["metrics"])


@pytest.mark.slow
def test_readme_decay_claim_matches_a_fresh_30_seed_run():
    cfg = fw.Config(rehearsal_mom_slow=0.0)
    out = fw.experiment(list(range(30)), cfg)
    quoted = readme_lines("[seeds 0-29]", "--sweep 30 --rehearsal-mom-slow 0 (printed)")
    fresh = [ln for ln in fw.report(out["metrics"], cfg, list(range(30))) if ln.startswith("[")]
    compare(quoted, fresh, out["metrics"])
