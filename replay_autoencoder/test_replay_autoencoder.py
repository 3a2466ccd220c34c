"""Tests for replay_autoencoder.py: gradients, AdamW, Jacobian, data, batching, CLI, README."""
import contextlib
import io
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import replay_autoencoder as ra  # noqa: E402

SCRIPT = os.path.join(HERE, "replay_autoencoder.py")
SMALL = ["--scenario", "under", "--runs", "2", "--epochs", "40", "--student-epochs", "30",
         "--chains", "100", "--replay-chains", "40", "--fp-starts", "10", "--steps", "5",
         "--mus", "0,0.1", "--sigmas", "0,0.5"]


def small_cfg(extra=()):
    parser = ra.build_parser()
    return ra.config_from_args(parser.parse_args(SMALL + list(extra)), parser)


def rel_err(a, n):
    return np.abs(a - n) / np.maximum(1e-8, np.abs(a) + np.abs(n))


def random_params(R=2, H=5, seed=0):
    rng = np.random.default_rng(seed)
    return {"W1": rng.normal(0, 0.8, (R, 9, H)), "b1": rng.normal(0, 0.3, (R, 1, H)),
            "W2": rng.normal(0, 0.8, (R, H, 9)), "b2": rng.normal(0, 0.3, (R, 1, 9))}


# ------------------------------------------------------------------ gradients

@pytest.mark.parametrize("masked", [False, True])
def test_gradient_check_every_parameter_with_l2(masked):
    R, B, H = 2, 5, 5
    params = random_params(R, H)
    rng = np.random.default_rng(1)
    x = rng.random((R, B, 9))
    target = (rng.random((R, B, 9)) > 0.5).astype(float)
    m_in = m_h = None
    if masked:                      # a fixed dropout mask, scaled like in training
        m_in = (rng.random((R, B, 9)) > 0.15) / 0.85
        m_h = (rng.random((R, B, H)) > 0.15) / 0.85
    xd = x if m_in is None else x * m_in
    assert np.abs(xd @ params["W1"] + params["b1"]).min() > 1e-3   # no ReLU kink nearby
    _, grads = ra.loss_and_grads(params, x, target, m_in, m_h, l2=0.005)
    h = 1e-5
    for k, p in params.items():
        num = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            old = p[i]
            p[i] = old + h
            lp, _ = ra.loss_and_grads(params, x, target, m_in, m_h, l2=0.005)
            p[i] = old - h
            lm, _ = ra.loss_and_grads(params, x, target, m_in, m_h, l2=0.005)
            p[i] = old
            num[i] = (lp[i[0]] - lm[i[0]]) / (2 * h)     # each run's loss has its own params
        assert rel_err(grads[k], num).max() < 1e-6, k


def test_l2_term_is_in_the_loss_and_the_gradient():
    params = random_params()
    x = np.random.default_rng(2).random((2, 3, 9))
    l0, g0 = ra.loss_and_grads(params, x, x, l2=0.0)
    l1, g1 = ra.loss_and_grads(params, x, x, l2=0.1)
    w2 = (params["W1"] ** 2).sum((1, 2)) + (params["W2"] ** 2).sum((1, 2))
    assert np.allclose(l1 - l0, 0.1 * w2)
    assert np.allclose(g1["W1"] - g0["W1"], 0.2 * params["W1"])
    assert np.allclose(g1["b1"], g0["b1"])          # biases are not penalised


# ------------------------------------------------------------------ AdamW

def adamw_transcription(theta, grad_fn, steps, lr, b1, b2, eps, wd):
    """The AdamW update equations written out element by element (PyTorch's algorithm)."""
    theta = [float(v) for v in theta]
    m = [0.0] * len(theta)
    v = [0.0] * len(theta)
    for t in range(1, steps + 1):
        g = grad_fn(np.array(theta))
        for i in range(len(theta)):
            theta[i] = theta[i] - lr * wd * theta[i]
            m[i] = b1 * m[i] + (1 - b1) * g[i]
            v[i] = b2 * v[i] + (1 - b2) * g[i] ** 2
            m_hat = m[i] / (1 - b1 ** t)
            v_hat = v[i] / (1 - b2 ** t)
            theta[i] = theta[i] - lr * m_hat / (v_hat ** 0.5 + eps)
    return np.array(theta)


def test_adamw_matches_its_update_equations_on_a_quadratic():
    A = np.array([[3.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 0.5]])
    b = np.array([1.0, -2.0, 0.5])
    grad = lambda th: th @ A - b                       # gradient of th A th / 2 - b th
    theta0 = np.array([2.0, -1.0, 0.3])
    hp = dict(lr=0.05, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01)
    theta = theta0[None].copy()
    state = ra.adamw_init(theta)
    for _ in range(60):
        ra.adamw_step(theta, grad(theta), state, **hp)
    ref = adamw_transcription(theta0, grad, 60, hp["lr"], hp["beta1"], hp["beta2"], hp["eps"],
                              hp["weight_decay"])
    assert np.allclose(theta[0], ref, rtol=1e-12, atol=1e-12)
    # and it descends the quadratic
    f = lambda th: 0.5 * th @ A @ th - b @ th
    assert f(theta[0]) < f(theta0)


def test_adamw_freezes_inactive_runs():
    theta = np.ones((3, 4))
    state = ra.adamw_init(theta)
    ra.adamw_step(theta, np.ones((3, 4)), state, 0.1, 0.9, 0.999, 1e-8, 0.01,
                  active=np.array([True, False, True]))
    assert np.all(theta[1] == 1.0) and np.all(state["m"][1] == 0.0)
    assert np.all(theta[0] < 1.0)


# ------------------------------------------------------------------ Jacobian, data

def test_jacobian_matches_finite_differences():
    params = random_params(R=2, H=6, seed=3)
    x = np.random.default_rng(4).random((2, 4, 9))
    J = ra.jacobian(params, x)
    h = 1e-6
    num = np.zeros_like(J)
    for i in range(9):
        e = np.zeros(9)
        e[i] = h
        num[..., :, i] = (ra.predict(params, x + e) - ra.predict(params, x - e)) / (2 * h)
    assert np.abs(J - num).max() < 1e-8
    assert ra.spectral_radius(J).shape == (2, 4)


def test_data_set_and_scaled_correlation():
    assert ra.DATA.shape == (8, 9)
    assert np.linalg.matrix_rank(ra.DATA) == 6
    S = ra.scaled_correlation()
    assert S.min() == 0.0 and S.max() == 1.0 and np.allclose(np.diag(S), 1.0)
    # every attribute belongs to exactly one level of the hierarchy
    assert sorted(sum(ra.LEVEL_COLUMNS, [])) == list(range(9))


def test_completion_probes_and_hierarchy_metric():
    # 21 unambiguous single deletions: 8 Grow, 8 Move/Roots, 2 Petals, 3 Leaves/Red/Yellow
    assert len(ra.PROBES) == 21
    assert np.bincount(ra.PROBE_LEVEL).tolist() == [8, 8, 2, 3]
    assert np.all(ra.PROBES.sum(1) == ra.DATA[ra.PROBE_ITEM].sum(1) - 1)
    assert not (ra.PROBES[:, None] == ra.DATA[None]).all(-1).any()
    assert len(ra.NON_ITEMS) == 512 - 8
    # a perfect denoiser completes every probe; the identity map completes none
    perfect = ra.DATA[ra.PROBE_ITEM] * 0.8 + 0.1
    assert np.all(ra.level_accuracy(perfect[None]) == 1.0)
    assert np.all(ra.level_accuracy(ra.PROBES[None]) == 0.0)
    assert np.isclose(ra.similarity_correlation(ra.DATA[None])[0], 1.0)


def test_identity_like_model_has_low_item_loss_but_no_hierarchy():
    # W1 = W2 = large identity-ish maps: f(x) ~ x for binary x
    H = 9
    params = {"W1": np.eye(9)[None] * 1.0, "b1": np.zeros((1, 1, H)),
              "W2": np.eye(9)[None] * 20.0, "b2": np.full((1, 1, 9), -10.0)}
    q = ra.quality(params)
    assert q["item_loss"].max() < 1e-3 and q["nonitem_loss"][0] < 1e-3
    assert q["hierarchy_score"][0] == 0.0


# ------------------------------------------------------------------ batching, protocol

def test_batched_runs_equal_separate_runs_with_early_stopping():
    cfg = dict(small_cfg(), early_stop=True, stop_delta=3e-3)
    params, hist = ra.train_teachers(0, 3, 120, cfg, [0, 1, 2])
    stops = hist["stop_epoch"]
    assert (stops < 120).any(), "the test needs a run that stops early"
    for r in range(3):
        p1, h1 = ra.train_teachers(0, 3, 120, cfg, [r])
        for k in params:
            assert np.allclose(params[k][r], p1[k][0], rtol=0, atol=1e-12)
        assert h1["stop_epoch"][0] == stops[r]
        # a frozen run's loss stays at its value at the stop epoch
        assert np.all(hist["item_loss"][r, stops[r]:] == hist["item_loss"][r, stops[r] - 1])


def test_replay_batched_equals_separate_and_stays_in_unit_cube():
    params, _ = ra.train_teachers(0, 4, 30, small_cfg(), [0, 1])
    rngs = lambda runs: ra.run_rngs(0, 4, "grid", runs)
    out, counts = ra.replay(params, rngs([0, 1]), 50, 6, [0.0, 0.1], [0.0, 0.5], True)
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert counts.sum() == 2 * 2 * 50 * 5            # runs x pairs x chains x (steps - 1)
    one = {k: v[1:2] for k, v in params.items()}
    out1, _ = ra.replay(one, rngs([1]), 50, 6, [0.0, 0.1], [0.0, 0.5], True)
    assert np.allclose(out[1], out1[0], rtol=0, atol=1e-12)
    # without noise a chain is plain iteration of f from its uniform start
    x = np.random.default_rng([0, 4, ra.STAGE["grid"], 1]).random((50, 9))
    for _ in range(6):
        x = ra.predict(one, x[None])[0]
    assert np.allclose(out1[0, 0], x)


def test_student_rows_do_not_depend_on_the_other_noise_levels():
    cfg = small_cfg()
    teacher, _ = ra.train_teachers(0, 4, 40, cfg, [0, 1])
    both = ra.train_students(0, 4, teacher, cfg, [0, 1], [(0.0, 0.0), (0.0, 0.5)])
    one = ra.train_students(0, 4, teacher, cfg, [0, 1], [(0.0, 0.5)])
    assert np.allclose(both["states"][:, 1], one["states"][:, 0], rtol=0, atol=1e-12)
    for k in ("item_loss", "completion_loss", "hierarchy_score"):
        assert np.allclose(both["quality"][k][1], one["quality"][k][0], rtol=0, atol=1e-10)
    # and noise changes the replayed patterns
    assert not np.allclose(both["states"][:, 0], both["states"][:, 1])


def test_fixed_points_of_a_trained_model_are_fixed_and_classified():
    params, _ = ra.train_teachers(0, 8, 300, small_cfg(), [0])
    fp = ra.fixed_point_analysis(params, ra.run_rngs(0, 8, "fixed_points", [0]), 20,
                                 1e-10, 5000)
    x = fp["item_fixed_points"]
    assert np.abs(ra.predict(params, x) - x).max() < 1e-8
    attractor = fp["item_is_attractor"][0]
    assert np.all(fp["rho_items"][0][attractor] < 1.0)
    assert np.all(fp["item_fixed_point_nearest"][0][attractor] == np.arange(8)[attractor])


def test_run_is_deterministic_and_json_is_complete(tmp_path):
    outs = []
    for name in ("a.json", "b.json"):
        path = tmp_path / name
        assert ra.main(SMALL + ["--quiet", "--json", str(path)]) == 0
        outs.append(json.loads(path.read_text()))
    a, b = outs
    a.pop("wallclock_s"), b.pop("wallclock_s")
    assert a == b
    for key in ("item_loss_final", "n_nonzero_singular_values", "attractor_items",
                "n_spurious_attractors", "replay_prevalence", "best_mu", "best_sigma",
                "student_item_loss", "hierarchy_score"):
        assert "H2" in a["metrics"][key], key
    assert a["config"]["hidden"] == [2] and a["experiment"] == "replay_autoencoder"
    assert set(a["versions"]) == {"python", "numpy"}


def test_sweep_equals_single_seed_runs(tmp_path):
    sweep = tmp_path / "sweep.json"
    assert ra.main(SMALL + ["--quiet", "--sweep", "2", "--json", str(sweep)]) == 0
    res = json.loads(sweep.read_text())
    assert res["seeds"] == [0, 1] and set(res["summary"]) == set(res["metrics"])
    for s in (0, 1):
        m, _ = ra.run_study(s, small_cfg())
        single = ra.headline_scalars(json.loads(json.dumps(ra.to_plain(m))))
        assert res["per_seed"][s] == {"seed": s, **single}


# ------------------------------------------------------------------ CLI

@pytest.mark.parametrize("bad, flag", [
    (["--hidden", "0", "--scenario", "under"], "--hidden"),
    (["--dropout", "1"], "--dropout"),
    (["--dropout", "-0.1"], "--dropout"),
    (["--sigmas", "0,-0.5"], "--sigmas"),
    (["--sweep-sigmas", "-1"], "--sweep-sigmas"),
    (["--scenario", "huge"], "--scenario"),
    (["--hidden", "4"], "--hidden"),
    (["--seed", "-1"], "--seed"),
    (["--sweep", "0"], "--sweep"),
    (["--lr", "nan"], "--lr"),
])
def test_bad_cli_values_exit_2(bad, flag):
    proc = subprocess.run([sys.executable, SCRIPT] + bad, capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and flag in proc.stderr


def test_unwritable_json_path_is_a_clear_error(tmp_path):
    proc = subprocess.run([sys.executable, SCRIPT, "--json", str(tmp_path / "no" / "x.json")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "--json" in proc.stderr and "Traceback" not in proc.stderr


def test_divergence_is_a_clear_error(capsys):
    assert ra.main(SMALL + ["--quiet", "--lr", "1e300"]) == 1
    assert "diverged" in capsys.readouterr().err


# ------------------------------------------------------------------ README

def test_readme_numbers_match_a_fresh_default_run():
    """The README quotes the default run's printed lines verbatim and tabulates its
    headline metrics; re-derive both from a fresh run (seed 0, both scenarios)."""
    parser = ra.build_parser()
    cfg = ra.config_from_args(parser.parse_args([]), parser)
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        metrics, raws = ra.run_study(0, cfg, quiet=False)
    with open(os.path.join(HERE, "README.md"), encoding="utf-8") as fh:
        readme = fh.read()
    lines = [ln for ln in buf.getvalue().splitlines() if "wall-clock" not in ln]
    assert len(lines) > 30
    # one row of the README's sigma sweep per scenario (every sigma row is computed
    # independently of the others: same chain starts, noise and student draws)
    for key, sigma in (("H2", 0.3), ("H32", 0.4)):
        hidden = raws[key]["teacher"]["W1"].shape[-1]
        sw = ra.sigma_sweep(0, hidden, raws[key]["teacher"], dict(cfg, sweep_sigmas=[sigma]))
        lines.append(ra.sweep_line(sw, 0))
    missing = [ln for ln in lines if ln not in readme]
    assert not missing, missing
    # the results table: | quantity | H = 2 | H = 32 | (values at the printed precision)
    table = {}
    for row in re.findall(r"^\| (.+?) \| (\S+) \| (\S+) \|.*$", readme, re.MULTILINE):
        table[row[0]] = (row[1], row[2])
    m = metrics
    expect = {
        "teacher mean item loss": [f"{m['item_loss_final'][k]['mean_over_items']:.3f}"
                                   for k in ("H2", "H32")],
        "nonzero singular values of f(X) (> 0.1)": [f"{m['n_nonzero_singular_values'][k]:.2f}"
                                                    for k in ("H2", "H32")],
        "spurious attractors per run": [f"{m['n_spurious_attractors'][k]:.2f}"
                                        for k in ("H2", "H32")],
        "grid optimum mu": [f"{m['best_mu'][k]:g}" for k in ("H2", "H32")],
        "grid optimum sigma": [f"{m['best_sigma'][k]:g}" for k in ("H2", "H32")],
    }
    for name, values in expect.items():
        assert name in table, name
        assert list(table[name]) == values, name
