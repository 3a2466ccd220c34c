"""Tests for replay_autoencoder.py and its studies: gradients, AdamW, Jacobian, data, batching,
the protocol's invariants, the hierarchy measures on constructed models, the objective's floor
and bootstrap, the folder's own flags, and the README's numbers against a fresh run.

The command-line checks every script shares (bad values, paths, JSON, Ctrl-C, progress,
divergence) live in tests/test_repository.py."""
import contextlib
import io
import os
import re
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import replay_autoencoder as ra  # noqa: E402
import studies_replay_autoencoder as st  # noqa: E402

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


def readme():
    with open(os.path.join(HERE, "README.md"), encoding="utf-8") as fh:
        return fh.read()


# ------------------------------------------------------------------ gradients, AdamW, Jacobian

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
            theta[i] = theta[i] - lr * (m[i] / (1 - b1 ** t)) / ((v[i] / (1 - b2 ** t)) ** 0.5 + eps)
    return np.array(theta)


def test_adamw_matches_its_update_equations_and_freezes_inactive_runs():
    A = np.array([[3.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 0.5]])
    b = np.array([1.0, -2.0, 0.5])
    grad = lambda th: th @ A - b
    theta0 = np.array([2.0, -1.0, 0.3])
    hp = dict(lr=0.05, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01)
    theta = theta0[None].copy()
    state = ra.adamw_init(theta)
    for _ in range(60):
        ra.adamw_step(theta, grad(theta), state, **hp)
    ref = adamw_transcription(theta0, grad, 60, *hp.values())
    assert np.allclose(theta[0], ref, rtol=1e-12, atol=1e-12)
    theta = np.ones((3, 4))
    state = ra.adamw_init(theta)
    ra.adamw_step(theta, np.ones((3, 4)), state, active=np.array([True, False, True]), **hp)
    assert np.all(theta[1] == 1.0) and np.all(state["m"][1] == 0.0) and np.all(theta[0] < 1.0)


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


# ------------------------------------------------------------------ data, batching, protocol

def test_data_set_and_scaled_correlation():
    assert ra.DATA.shape == (8, 9) and np.linalg.matrix_rank(ra.DATA) == 6
    S = ra.scaled_correlation()
    assert S.min() == 0.0 and S.max() == 1.0 and np.allclose(np.diag(S), 1.0)
    assert np.allclose(st.SV[:6], [4.0664, 2.5222, 1.7801, 1.4142, 1.1294, 0.8115], atol=1e-4)


def test_batched_runs_equal_separate_runs_and_a_frozen_run_stays_frozen():
    cfg = dict(small_cfg(), per_epoch=8)
    patterns = np.broadcast_to(ra.DATA, (3, 8, 9)).copy()
    freeze = lambda epoch, Y: np.array([False, epoch >= 9, False])      # run 1 stops after 10
    params, curves = ra.train(patterns, ra.run_rngs(0, 3, "teacher", [0, 1, 2]), 3, 40, cfg,
                              monitor=freeze)
    for r in (0, 2):
        p1, c1 = ra.train(patterns[:1], ra.run_rngs(0, 3, "teacher", [r]), 3, 40, cfg)
        for k in params:
            assert np.allclose(params[k][r], p1[k][0], rtol=0, atol=1e-12)
    p10, _ = ra.train(patterns[:1], ra.run_rngs(0, 3, "teacher", [1]), 3, 40, cfg,
                      monitor=lambda epoch, Y: np.array([epoch >= 9]))
    for k in params:
        assert np.allclose(params[k][1], p10[k][0], rtol=0, atol=1e-12)
    assert np.all(curves[1, 10:] == curves[1, 9])


def test_replay_batched_equals_separate_and_counts_every_transition():
    params, _ = ra.train_teachers(0, 4, 30, small_cfg(), [0, 1])
    rngs = lambda runs: ra.run_rngs(0, 4, "grid", runs)
    out, counts = ra.replay(params, rngs([0, 1]), 50, 6, [0.0, 0.1], [0.0, 0.5], True)
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert counts.shape == (2, 2, 8, 8) and np.all(counts.sum((2, 3)) == 50 * 5)
    one = {k: v[1:2] for k, v in params.items()}
    out1, counts1 = ra.replay(one, rngs([1]), 50, 6, [0.0, 0.1], [0.0, 0.5], True)
    assert np.allclose(out[1], out1[0], rtol=0, atol=1e-12) and np.all(counts[1] == counts1[0])
    x = np.random.default_rng([0, 4, ra.STAGE["grid"], 1]).random((50, 9))
    for _ in range(6):                     # without noise a chain is plain iteration of f
        x = ra.predict(one, x[None])[0]
    assert np.allclose(out1[0, 0], x)


def test_student_rows_do_not_depend_on_the_other_noise_levels():
    cfg = small_cfg()
    teacher, _ = ra.train_teachers(0, 4, 40, cfg, [0, 1])
    both = ra.train_students(0, 4, teacher, cfg, [0, 1], [(0.0, 0.0), (0.0, 0.5)])
    one = ra.train_students(0, 4, teacher, cfg, [0, 1], [(0.0, 0.5)])
    assert np.allclose(both["states"][:, 1], one["states"][:, 0], rtol=0, atol=1e-12)
    assert np.allclose(both["item_loss"][1], one["item_loss"][0], rtol=0, atol=1e-10)
    assert not np.allclose(both["states"][:, 0], both["states"][:, 1])


def test_fixed_points_of_a_trained_model_are_fixed_and_classified():
    params, _ = ra.train_teachers(0, 8, 300, small_cfg(), [0])
    fp = ra.fixed_point_analysis(params, ra.run_rngs(0, 8, "fixed_points", [0]), 20)
    x = fp["item_fixed_points"]
    assert np.abs(ra.predict(params, x) - x).max() < 1e-8
    attractor = fp["item_is_attractor"][0]
    assert np.all(fp["rho_items"][0][attractor] < 1.0)
    assert np.all(fp["item_fixed_point_nearest"][0][attractor] == np.arange(8)[attractor])


def test_sweep_equals_single_seed_runs(tmp_path):
    import json
    path = tmp_path / "sweep.json"
    assert ra.main(SMALL + ["--quiet", "--sweep", "2", "--json", str(path)]) == 0
    res = json.loads(path.read_text())
    for s in (0, 1):
        m, _ = ra.run_study(s, small_cfg())
        single = json.loads(json.dumps(ra.headline_scalars(m)))
        assert res["per_seed"][s] == {"seed": s, **single}


# ------------------------------------------------------------------ the measures

def test_probes_levels_and_modes():
    assert len(st.PROBES) == 21 and np.bincount(st.PROBE_ITEM).tolist() == [2, 2, 5, 4, 2, 2, 2, 2]
    assert not (st.PROBES[:, None] == ra.DATA[None]).all(-1).any()
    assert len(st.NON_ITEMS) == 504
    # attributes every plant shares: Grow, not Move, Roots, not Fly, not Swim
    assert st.SHARED[0, 0].tolist() == [True] * 5 + [False] * 4
    assert st.SHARED.sum(-1).tolist() == [[5] * 8, [8, 8, 6, 6, 7, 7, 7, 7], [9] * 8]


def test_hierarchy_measures_rank_constructed_models():
    models = {k: st.measures(*(np.asarray(a)[None] for a in v))
              for k, v in st.constructed_models().items()}
    score = {k: float(m["hierarchy_score"][0]) for k, m in models.items()}
    perfect, top = score.pop("perfect denoiser"), score.pop("top split only (plant/animal means)")
    assert perfect == 1.0
    for name in ("always Daisy", "knows Daisy and Rose only", "mean pattern",
                 "random net (H = 16)", "identity map"):
        assert score[name] <= 0.3, (name, score[name])          # clearly lower
        assert score[name] < top - 0.15, name                    # the top split lies between
    assert top < perfect - 0.5
    # item-balanced completion: every item weighs the same
    assert models["knows Daisy and Rose only"]["balanced_completion"][0] == 0.25
    assert models["always Daisy"]["balanced_completion"][0] == 0.125
    # the previous score ranked "always Daisy" above the best H = 2 student (0.336)
    assert np.isclose(models["always Daisy"]["previous_score"][0], 0.354, atol=5e-4)
    assert np.isclose(models["knows Daisy and Rose only"]["previous_score"][0], 0.625)
    # SVD modes: all acquired by a perfect map, only the top split's modes 1-2 by its model
    assert np.allclose(models["perfect denoiser"]["mode_strength"][0], 1.0)
    ms = models["top split only (plant/animal means)"]["mode_strength"][0]
    assert ms[0] > 0.9 and ms[1] > 0.9 and np.all(np.abs(ms[2:]) < 0.05)


def test_acquisition_epochs_and_order():
    epochs = np.array([10, 20, 30])
    s = np.array([[[0.2, 0.0], [0.6, 0.1], [0.9, 0.7]]])          # mode 1 at 20, mode 2 at 30
    assert st.acquisition(s, epochs).tolist() == [[20.0, 30.0]]
    s2 = np.array([[[0.0, 0.0], [0.1, 0.2], [0.2, 0.3]]])
    assert np.all(np.isinf(st.acquisition(s2, epochs)))


def test_objective_floor_and_bootstrap_set():
    S = ra.scaled_correlation()
    floor = st.simplex_floor(S)
    assert round(floor, 2) == 10.57
    rng = np.random.default_rng(0)
    for _ in range(200):                  # no row-stochastic matrix goes below the floor
        A = rng.dirichlet(np.ones(8) * rng.uniform(0.1, 3), size=8)
        assert ((A - S) ** 2).sum() >= floor - 1e-12
    assert np.isclose(st.simplex_floor(S / S.sum(1, keepdims=True)), 0.0, atol=1e-12)
    counts = rng.integers(0, 50, size=(6, 2, 3, 8, 8))
    o = st.objective(counts, S, np.random.default_rng(1))
    assert o["indistinguishable"][o["best"]] and o["min"] >= floor
    assert np.isclose(o["argmin_share"].sum(), 1.0)


# ------------------------------------------------------------------ this folder's flags

@pytest.mark.parametrize("argv, flag", [
    (["--hidden", "4"], "--hidden"),
    (["--epochs", "10"], "--epochs"),
    (["--scenario", "huge"], "--scenario"),
    (["--dropout", "1"], "--dropout"),
    (["--sigmas", "0,-0.5"], "--sigmas"),
    (["--mus", "0,0"], "--mus"),
    (["--runs", "201"], "--runs"),
    (["--batch-size", "8", "--student-items", "4"], "--batch-size"),
])
def test_main_refuses_its_bad_flags(argv, flag):
    with contextlib.redirect_stderr(io.StringIO()) as err, pytest.raises(SystemExit) as exc:
        ra.main(argv)
    assert exc.value.code == 2 and flag in err.getvalue().strip().splitlines()[-1]


@pytest.mark.parametrize("argv, flag", [(["table", "--runs", "3"], "--runs"),
                                        (["table", "--seed", "1"], "--seed"),
                                        (["measures", "--runs", "3"], "--runs")])
def test_studies_refuse_flags_their_study_ignores(argv, flag):
    with contextlib.redirect_stderr(io.StringIO()) as err, pytest.raises(SystemExit) as exc:
        st.main(argv)
    assert exc.value.code == 2 and flag in err.getvalue().strip().splitlines()[-1]


def test_readme_blocks_of_the_studies_are_the_committed_results():
    """The studies' printed blocks in the README are what `table` prints from results/, line
    for line (a README line that only contains a printed line does not count)."""
    lines = set(readme().splitlines())
    missing = [ln for ln in st.table_lines(st.RESULTS) if ln.strip() and ln not in lines]
    assert not missing, missing[:5]


# ------------------------------------------------------------------ README against a fresh run

def block_value(text, pattern):
    m = re.search(pattern, text)
    assert m, pattern
    return [float(g) for g in m.groups()]


def test_readme_data_and_objective_floor_are_computed():
    """Kind (a), exact at the printed precision: the data's singular values (Problem) and the
    objective's floor and the row sums of S, recomputed here rather than copied."""
    text = readme()
    sv = re.search(r"singular values ([\d.]+), ([\d.]+), ([\d.]+),\s+([\d.]+), ([\d.]+) and ([\d.]+)",
                   text).groups()
    assert list(sv) == [f"{v:.2f}" for v in st.SV[:st.N_MODES]]
    S = ra.scaled_correlation()
    printed = re.findall(r"floor for any row-stochastic A (\S+) \(rows of S sum to (\S+)-(\S+)\)", text)
    assert len(printed) == 2 and set(printed) == {(f"{st.simplex_floor(S):.2f}",
                                                  f"{S.sum(1).min():.2f}", f"{S.sum(1).max():.2f}")}


@pytest.mark.slow
def test_readme_numbers_match_a_fresh_default_run():
    """Re-run the default study (seed 0, both scenarios) and compare with the README.

    (Kind (a), the data and the objective's floor: the test above.)  Kind (b), within tolerances
    derived from the results' own spread, because last-bit differences between BLAS kernels
    change the 1,500-3,500-epoch training of a few runs: the teachers' mean item loss within a
    quarter of its 95% half-width over the 25 runs (H = 2: 0.049, so 0.012); the number of
    nonzero singular values within 0.08 (two of 25 runs changing their count); the grid
    minimum within 0.05 (a tenth of the grid's spread between the optimum and its neighbours is
    larger; the README's bootstrap shows the surface is flat) and the fresh optimum inside the
    README's set of optima indistinguishable from the minimum; the students' hierarchy score
    and item-balanced completion at sigma = 0, the grid optimum and sigma = 0.5 within a half of
    their 95% half-widths.  Each tolerance adds half a unit of the printed last digit."""
    parser = ra.build_parser()
    cfg = ra.config_from_args(parser.parse_args([]), parser)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), np.errstate(all="ignore"):
        metrics, raws = ra.run_study(0, cfg, quiet=False)
    text = readme()
    for key, block in zip(("H2", "H32"), re.split(r"== H32: ", text.split("== H2: ", 1)[1], 1)):
        m = metrics[key]
        loss, lo, hi = block_value(block, r"teacher mean item loss (\S+) \[(\S+), (\S+)\]")
        assert abs(m["item_loss_final"]["mean_over_items"]["mean"] - loss) <= (hi - lo) / 8 + 5e-4
        nz, = block_value(block, r"nonzero \(> 0\.1\): (\S+) per run")
        assert abs(m["n_nonzero_singular_values"] - nz) <= 0.08 + 5e-3
        gmin, = block_value(block, r"sum \(A - S\)\^2 = (\S+);")
        assert abs(m["grid_distance_min"] - gmin) <= 0.05 + 5e-4
        line = re.search(rf"== {key}: seed 0.*?indistinguishable from the minimum[^:]*: (.*)",
                         text, re.S).group(1)
        assert f"({m['best_mu']:g}, {m['best_sigma']:g})" in line
        # the students of the default run are the study's students for these settings
        q = st.measures(*st.outputs(raws[key]["students"]["student"]))
        P, R = len(raws[key]["pairs"]), cfg["runs"]
        rows = re.search(rf"== {key}: seed 0(.*?)per item", text, re.S).group(1)
        for p, (mu, sigma) in enumerate(raws[key]["pairs"]):
            label = ra.pair_label(mu, sigma)
            vals = block_value(rows, rf"  {re.escape(label)} +(\S+) \[(\S+), (\S+)\]  (\S+) \[(\S+), (\S+)\]")
            for k, name in enumerate(("hierarchy_score", "balanced_completion")):
                fresh = q[name].reshape(P, R)[p].mean()
                mean, lo, hi = vals[3 * k: 3 * k + 3]
                assert abs(fresh - mean) <= (hi - lo) / 4 + 5e-4, (key, label, name, fresh, mean)
