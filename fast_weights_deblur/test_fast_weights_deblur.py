"""Tests for fast_weights_deblur: gradients, the fast-weight rules, the protocol, the theory
checks, the CLI, and the README's headline numbers against a fresh run."""
import json
import os
import subprocess
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # before numpy: small arrays, shared cores

import numpy as np  # noqa: E402
import pytest  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fast_weights_deblur as fw  # noqa: E402

SCRIPT = os.path.join(HERE, "fast_weights_deblur.py")


def small_cfg(**kw):
    cfg = dict(n_in=6, n_hid=12, n_out=4, n_old=20, n_new=3, init_scale=0.3, eps_slow=0.02, mom_slow=0.9,
               eps_fast=0.02, mom_fast=0.0, h=0.01, fast_warmup=10, slow_rehearsal_scale=1.0,
               rehearsal_mom_slow=None, sweeps1=60, sweeps2=20, sweeps3=5,
               decay_sweeps=30, decay_every=10, retrain_fraction=0.1, compare_fraction=0.5,
               fractions=[0.2], nets=["fast", "slow_only"], no_fast=False)
    cfg.update(kw)
    return cfg


def default_cfg():
    return fw.config_from_args(fw.build_parser().parse_args([]))


def theory_cfg():
    return fw.config_from_args(fw.build_parser().parse_args(["--theory"]))


# ---------------------------------------------------------------- gradients -----------------
def test_gradient_check_slow_and_fast():
    """dE/d(slow) and dE/d(fast) of every array both equal the hand-written backward pass."""
    rng = np.random.default_rng(1)
    B, P, I, H, O = 2, 5, 3, 4, 2
    X = rng.integers(0, 2, (B, P, I)).astype(float)
    D = rng.integers(0, 2, (B, P, O)).astype(float)
    mask = rng.random((B, P))
    shapes = [(B, I, H), (B, H), (B, H, O), (B, O)]
    slow = [rng.normal(0, 0.7, s) for s in shapes]
    fast = [rng.normal(0, 0.3, s) for s in shapes]

    def loss(sl, fa):
        return fw.loss_and_grads([a + b for a, b in zip(sl, fa)], X, D, mask)[0].sum()

    _, grads, _ = fw.loss_and_grads([a + b for a, b in zip(slow, fast)], X, D, mask)
    eps = 1e-5
    for which in ("slow", "fast"):
        for i in range(4):
            num = np.zeros_like(grads[i])
            for idx in np.ndindex(*grads[i].shape):
                for sgn in (+1, -1):
                    sl = [a.copy() for a in slow]
                    fa = [a.copy() for a in fast]
                    (sl if which == "slow" else fa)[i][idx] += sgn * eps
                    num[idx] += sgn * loss(sl, fa) / (2 * eps)
            rel = np.abs(num - grads[i]) / np.maximum(1e-8, np.abs(num) + np.abs(grads[i]))
            assert rel.max() < 1e-6, (which, i, rel.max())


# ---------------------------------------------------------------- fast-weight rules ---------
def test_decay_rule_exact_shrink_and_update():
    rng = np.random.default_rng(2)
    shapes = [(3, 4, 5), (3, 5), (3, 5, 2), (3, 2)]
    st = fw.new_state([rng.normal(size=s) for s in shapes])
    st["fast"] = [rng.normal(size=s) for s in shapes]
    hp = {"eps_slow": np.full(3, 0.02), "mom_slow": np.full(3, 0.9), "eps_fast": np.full(3, 0.3),
          "mom_fast": np.full(3, 0.5), "h": np.array([0.01, 0.2, 0.0])}
    slow0 = [a.copy() for a in st["slow"]]
    fast0 = [a.copy() for a in st["fast"]]
    fw.apply_update(st, [np.zeros(s) for s in shapes], hp)   # zero gradient, zero velocity
    for f0, f1, s0, s1 in zip(fast0, st["fast"], slow0, st["slow"]):
        h = hp["h"].reshape((-1,) + (1,) * (f0.ndim - 1))
        assert np.array_equal(f1, f0 * (1.0 - h))              # shrinks by exactly h
        assert np.array_equal(s1, s0)                           # slow untouched
    # with a gradient: both get the same derivative, each with its own epsilon, then fast decays
    g = [rng.normal(size=s) for s in shapes]
    st2 = fw.new_state(slow0)
    st2["fast"] = [a.copy() for a in fast0]
    fw.apply_update(st2, g, hp)
    for i in range(4):
        c = lambda v: v.reshape((-1,) + (1,) * (g[i].ndim - 1))
        np.testing.assert_allclose(st2["slow"][i], slow0[i] - c(hp["eps_slow"]) * g[i], rtol=0, atol=1e-15)
        np.testing.assert_allclose(st2["fast"][i], (fast0[i] - c(hp["eps_fast"]) * g[i]) * (1 - c(hp["h"])),
                                   rtol=0, atol=1e-15)


def test_slow_only_keeps_fast_at_zero_and_decay_stage_keeps_slow():
    res = fw.run_protocol([0], small_cfg(nets=["slow_only"]), keep_trace=True)
    assert np.all(res["trace12"]["norm_fast"] == 0.0)
    assert np.all(res["trace34"]["norm_fast"] == 0.0)
    assert np.all(res["fast_norm_after_stage1"] == 0.0)
    # slow-only: nothing changes in stage 4
    assert np.array_equal(res["err_old_after_decay"], res["err_old_after_deblur"])
    res = fw.run_protocol([0], small_cfg(nets=["fast"]), keep_trace=True)
    ns = res["trace34"]["norm_slow"][0, 0, 0]
    k = small_cfg()["sweeps3"] + 1
    assert np.all(ns[k:] == ns[k])                      # stage 4 leaves the slow weights alone
    nf = res["trace34"]["norm_fast"][0, 0, 0, k - 1:]
    t = res["decay_times"]
    np.testing.assert_allclose(nf[1:], nf[0] * 0.99 ** np.array(t), rtol=1e-12)


def test_retrained_subsets_are_nested_and_sized():
    X, D, params, perm = fw.make_batch_data([0, 1], n_in=10, n_old=100, n_new=5)
    codes = X @ (2 ** np.arange(10))
    assert all(len(set(c)) == 105 for c in codes)       # 105 distinct inputs per seed
    assert sorted(perm[0]) == list(range(100))


# ---------------------------------------------------------------- determinism, batching -----
def test_determinism_and_sweep_equals_single_runs():
    cfg = small_cfg()
    a = fw.run_protocol([0, 1, 2], cfg)
    b = fw.run_protocol([0, 1, 2], cfg)
    single = fw.run_protocol([1], cfg)
    for k in fw.SCALARS_NS + fw.SCALARS_NSF + fw.CURVES_NSF:
        np.testing.assert_array_equal(a[k], b[k])
        np.testing.assert_allclose(a[k][:, 1:2], single[k], rtol=1e-12, atol=1e-14)


def test_transfer_ratio_definition():
    res = fw.run_protocol([0], small_cfg())
    r, u = res["curve_retrained"], res["curve_unretrained"]
    pos = res["fractions"].index(0.1)
    np.testing.assert_allclose(res["transfer_ratio_first_sweep"][..., pos],
                               (u[..., pos, 0] - u[..., pos, 1]) / (r[..., pos, 0] - r[..., pos, 1]))
    assert np.all(np.isfinite(res["curve_retrained"]))


def test_default_protocol_invariants_seed0():
    """Paper setup, seed 0: old learned, fast weights near zero after stage 1, interference real."""
    res = fw.run_protocol([0], default_cfg())
    fi = res["nets"].index("fast")
    assert res["bits_old_after_stage1"][:, 0].min() > 0.95
    assert res["fast_norm_after_stage1"][fi, 0] < 0.1 * res["slow_norm_after_stage1"][fi, 0]
    assert np.all(res["err_old_after_interference"] > 2 * res["err_old_after_stage1"])
    pytest.fast_seed0 = res


# ---------------------------------------------------------------- theory --------------------
def test_theory_zero_one_reproduces_943_within_interval():
    cfg = theory_cfg()
    cfg.update({"theory_n": 400, "theory_m": 100, "theory_k": 50, "theory_sets": 120, "theory_noise": 100})
    z = fw.theory_01(np.random.default_rng(0), cfg)
    lo, hi = z["ratio_measured"]["ci95"]
    assert lo <= 0.943 <= hi and hi - lo < 0.02
    assert abs(z["ratio_paper"] - 0.943) < 5e-4
    # the measured cosine sits at rho*(2/pi)*asin(rho), below eq. (2)'s 0.25
    d = z["cos_measured_minus_exact"]
    assert d["ci95"][0] <= 0.0 <= d["ci95"][1]
    assert z["cos_measured_minus_eq2"]["ci95"][1] < -0.05


def test_theory_ternary_ratio_constant_and_retraining_ratio_falls():
    cfg = theory_cfg()
    cfg.update({"theory_ns": [20, 100], "theory_sets": 60, "theory_noise": 50, "theory_p_ternary": 1 / 3,
                "theory_assoc_per_dim": 1.0, "theory_ternary_fraction": 0.5})
    rows = fw.theory_ternary(np.random.default_rng(0), cfg)
    for row in rows:
        assert abs(row["ratio_measured"]["ratio"] - row["ratio_prediction"]) < 0.03
        assert abs(row["n_times_eq3"]["mean"] - 1.0) < 0.15          # eq. (3) ~ 1/n
    cfg.update({"theory_n53": 40, "theory_m": 40, "theory_k": 20, "theory_trials_53": 60, "theory_steps": 30})
    L = fw.theory_retraining_linear(np.random.default_rng(0), cfg)
    r = L["ratio_per_step"]
    assert r[0] > 0.7 and r[-1] < r[0] - 0.2


def test_theory_geometry_matches_arc_prediction():
    cfg = theory_cfg()
    cfg.update({"theory_trials_geom": 20000, "theory_angles": [30.0, 60.0], "theory_shrink": [1.0]})
    rows = fw.theory_geometry(np.random.default_rng(0), cfg)
    for row in rows:
        fp = row["by_shrink"][0]["fraction_positive"]
        assert fp["ci95"][0] - 0.005 <= row["arc_prediction_circle"] <= fp["ci95"][1] + 0.005


# ---------------------------------------------------------------- CLI -----------------------
def _run(args, **kw):
    return subprocess.run([sys.executable, SCRIPT] + args, capture_output=True, text=True, **kw)


@pytest.mark.parametrize("bad", [["--seed", "-1"], ["--sweep", "0"], ["--sweep", "-3"],
                                 ["--retrain-fraction", "0"], ["--retrain-fraction", "1.5"],
                                 ["--h", "1"], ["--h", "-0.1"], ["--eps-fast", "nan"],
                                 ["--fractions", "0.1,2"], ["--retrain-fraction", "1"]])
def test_bad_cli_values_exit_2(bad):
    p = _run(bad)
    assert p.returncode == 2, (bad, p.stderr)
    assert "Traceback" not in p.stderr
    assert "error:" in p.stderr


def test_help_and_json_and_unwritable(tmp_path):
    assert _run(["--help"]).returncode == 0
    tiny = ["--sweeps1", "30", "--sweeps2", "10", "--sweeps3", "3", "--decay-sweeps", "20", "--fractions", "0.2",
            "--n-old", "30", "--n-hid", "20", "--quiet"]
    j1, j2 = tmp_path / "a.json", tmp_path / "b.json"
    assert _run(tiny + ["--json", str(j1)]).returncode == 0
    assert _run(tiny + ["--json", str(j2)]).returncode == 0
    d1, d2 = json.loads(j1.read_text()), json.loads(j2.read_text())
    d1.pop("wallclock_s"), d2.pop("wallclock_s")
    assert d1 == d2
    for k in fw.REQUIRED:
        assert set(d1["metrics"][k]) == {"fast", "slow_only"}
    assert {"experiment", "seed", "config", "metrics", "versions"} <= set(d1)
    p = _run(tiny + ["--json", str(tmp_path / "no_such_dir" / "x.json")])
    assert p.returncode == 2 and "Traceback" not in p.stderr and "--json" in p.stderr


def test_divergence_is_a_clean_error(monkeypatch, capsys):
    st = fw.new_state([np.zeros((1, 2, 3)), np.zeros((1, 3)), np.zeros((1, 3, 2)), np.zeros((1, 2))])
    st["fast"][0][0, 0, 0] = np.nan
    with pytest.raises(fw.DivergenceError):
        fw._check_finite(np.zeros(1), st, "stage 1")

    def boom(*a, **k):
        raise fw.DivergenceError("training diverged (NaN/inf) during stage 1")
    monkeypatch.setattr(fw, "run_protocol", boom)
    assert fw.main(["--quiet"]) == 1
    assert "diverged" in capsys.readouterr().err


# ---------------------------------------------------------------- README vs a fresh run ----
def test_readme_headline_matches_fresh_run():
    readme = open(os.path.join(HERE, "README.md")).read()
    quoted = [ln.strip() for ln in readme.splitlines() if ln.strip().startswith("[seed 0]")][:4]
    assert len(quoted) == 4, quoted                     # the --seed 0 block (a --fast-warmup 0 line follows)
    res = getattr(pytest, "fast_seed0", None) or fw.run_protocol([0], default_cfg())
    fresh = [ln.strip() for ln in fw.headline_lines(res, default_cfg(), [0])]
    assert quoted == fresh


def test_theory_net_points_cover_long_rehearsals():
    """The 5.3 net check prints sweeps 1, 2, 3, 6, 11 and the last for 20 sweeps (unchanged), and
    adds 21, 51, 101 for a 200-sweep rehearsal (--theory --sweeps3 200)."""
    assert fw.theory_net_points(20) == [0, 1, 2, 5, 10, 19]
    assert fw.theory_net_points(200) == [0, 1, 2, 5, 10, 20, 50, 100, 199]
    assert fw.theory_net_points(1) == [0]
