"""Tests for family_trees/: data, gradients (margin error + weight decay as implemented),
training invariants, determinism, batching, CLI validation and the README's numbers."""
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import family_trees as ft  # noqa: E402

SCRIPT = os.path.join(HERE, "family_trees.py")
DATA = ft.build_dataset()
RESCUE = ["--init", "1.0", "--eps2", "0.1"]


def run_cli(*args, timeout=120):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


# ---------------------------------------------------------------- data

def test_counts():
    assert len(ft.PEOPLE) == 24 and len(ft.RELATIONS) == 12
    assert len(DATA["cases"]) == 104 and int(DATA["T"].sum()) == 112
    ft.check_dataset(DATA)        # per-relation counts per tree
    assert sum(DATA["T"].sum(axis=1) == 2) == 8       # 4 uncle + 4 aunt cases with two answers


def test_spot_facts():
    facts = {(p, r): a for p, r, a in DATA["cases"]}
    assert facts[("Colin", "aunt")] == ["Jennifer", "Margaret"]
    assert facts[("Colin", "uncle")] == ["Arthur", "Charles"]
    assert facts[("Sophia", "aunt")] == ["Angela", "Gina"]
    assert facts[("Marco", "wife")] == ["Lucia"]
    assert facts[("Lucia", "husband")] == ["Marco"]
    assert facts[("Margaret", "nephew")] == ["Colin"]
    assert facts[("Charlotte", "brother")] == ["Colin"]
    assert facts[("Christopher", "daughter")] == ["Victoria"]
    assert facts[("Pierro", "son")] == ["Marco"]
    assert ("Christopher", "father") not in facts and ("Margaret", "brother") not in facts


def test_trees_are_isomorphic():
    eng, ita = ft.TREES["English"]["order"], ft.TREES["Italian"]["order"]
    swap = dict(zip(eng, ita))
    eng_facts = {(swap[p], r, tuple(swap[x] for x in a)) for p, r, a in DATA["cases"] if p in swap}
    ita_facts = {(p, r, tuple(a)) for p, r, a in DATA["cases"] if p in ita}
    assert eng_facts == ita_facts


def test_list_facts_cli():
    r = run_cli("--list-facts")
    assert r.returncode == 0
    lines = [x for x in r.stdout.splitlines() if not x.startswith("#")]
    assert len(lines) == 112 and "Colin aunt Margaret" in lines and "Marco wife Lucia" in lines


# ---------------------------------------------------------------- gradients

def _rel_err(a, n):
    return np.abs(a - n) / np.maximum(1e-8, np.abs(a) + np.abs(n))


@pytest.mark.parametrize("loss", ["margin", "sse", "ce"])
def test_gradient_check_with_decay(loss):
    """Central differences of E + D (error over a few training cases + the decay penalty whose
    unit step is the 0.2% decrement) against the analytic gradients used by train()."""
    cfg = ft.default_config(loss=loss, init=1.0)
    rng = np.random.default_rng(4)     # a draw with no output within 2e-3 of a kink
    params = ft.stack([ft.init_params(rng, cfg)])
    mask = np.zeros((1, 104))
    mask[0, [0, 17, 40, 55, 80, 101]] = 1.0
    y = ft.forward(params, DATA)["y"][0][mask[0] > 0]
    if loss == "margin":      # margin active on some units, off on others, away from the kinks
        assert np.min(np.abs(y - 0.8)) > 2e-3 and np.min(np.abs(y - 0.2)) > 2e-3
        e = np.where(DATA["T"][mask[0] > 0] > 0.5, y < 0.8, y > 0.2)
        assert 0 < e.mean() < 1

    def objective(p):
        return ft.loss_and_grads(p, DATA, mask, cfg)[0][0] + ft.decay_penalty(p, cfg)[0][0]

    _, g, _ = ft.loss_and_grads(params, DATA, mask, cfg)
    _, gd = ft.decay_penalty(params, cfg)
    h = 1e-5
    for k in ft.PARAM_NAMES:
        analytic = g[k] + gd[k]
        numeric = np.zeros_like(analytic)
        for idx in np.ndindex(params[k].shape[1:]):
            old = params[k][(0,) + idx]
            params[k][(0,) + idx] = old + h
            ep = objective(params)
            params[k][(0,) + idx] = old - h
            em = objective(params)
            params[k][(0,) + idx] = old
            numeric[(0,) + idx] = (ep - em) / (2 * h)
        # per array: |a - n| / (|a| + |n|) in the 2-norm; per entry wherever |a| + |n| > 1e-3
        # (the difference quotient of an E of 10-100 carries ~1e-9 of float64 rounding noise)
        assert (np.linalg.norm(analytic - numeric)
                / max(1e-8, np.linalg.norm(analytic) + np.linalg.norm(numeric))) < 1e-6, k
        big = np.abs(analytic) + np.abs(numeric) > 1e-3
        assert big.any() and np.max(_rel_err(analytic, numeric)[big]) < 1e-6, k
        assert np.max(np.abs(analytic - numeric)) < 1e-8, k
        assert np.any(np.abs(gd[k]) > 0)          # decay acts on every array (biases included)


def test_train_step_is_momentum_then_decay():
    """One sweep of train() = w <- (1 - decay) * (w - eps1 * dE/dw), using the checked gradient."""
    cfg = ft.default_config(sweeps=1)
    p0, mask, _ = ft.split_runs([5], cfg, DATA)
    _, g, _ = ft.loss_and_grads(p0, DATA, mask, cfg)
    p1, _, _ = ft.train(p0, DATA, mask, cfg)
    for k in ft.PARAM_NAMES:
        np.testing.assert_allclose(p1[k], (1 - cfg["decay"]) * (p0[k] - cfg["eps1"] * g[k]),
                                   rtol=1e-12, atol=1e-15)
    cfg_nb = dict(cfg, bias_decay=False)
    p1, _, _ = ft.train(p0, DATA, mask, cfg_nb)
    np.testing.assert_allclose(p1["bo"], p0["bo"] - cfg["eps1"] * g["bo"], rtol=1e-12)


def test_margin_error_zero_inside_margin():
    cfg = ft.default_config()
    T = DATA["T"][:3]
    y = np.where(T > 0.5, 0.85, 0.15)[None]
    E, dz = ft.output_error(y, T, np.ones((1, 3)), cfg)
    assert E[0] == 0 and np.all(dz == 0)
    y2 = np.where(T > 0.5, 0.7, 0.15)[None]
    E2, _ = ft.output_error(y2, T, np.ones((1, 3)), cfg)
    np.testing.assert_allclose(E2[0], 0.5 * 0.01 * T.sum())


def test_test_criterion():
    T = DATA["T"][:2]
    y = np.where(T > 0.5, 0.6, 0.4)[None]
    assert ft.correct_cases(y, T, 0.5).all()
    y[0, 0, np.argmax(T[0] < 0.5)] = 0.51          # one wrong unit above 0.5
    assert not ft.correct_cases(y, T, 0.5)[0, 0]


# ---------------------------------------------------------------- protocol

def test_split_and_cv_invariants():
    cfg = ft.default_config()
    _, mask, tests = ft.split_runs([0, 1, 2], cfg, DATA)
    assert mask.shape == (3, 104) and np.all(mask.sum(axis=1) == 100)
    for m, t in zip(mask, tests):
        assert len(set(t)) == 4 and np.all(m[t] == 0)
    _, mask, tests = ft.cv_runs([0, 1], cfg, DATA)
    assert mask.shape == (52, 104)
    for s in range(2):
        folds = np.concatenate(tests[26 * s:26 * (s + 1)])
        assert sorted(folds.tolist()) == list(range(104))     # each case tested exactly once


def test_named_test_cases():
    cfg = ft.default_config(test_cases=["Colin:aunt", "Marco:wife"], n_test=2)
    _, mask, tests = ft.split_runs([0, 1], cfg, DATA)
    assert [DATA["names"][i] for i in tests[1]] == ["Colin:aunt", "Marco:wife"]


def test_sweep_equals_single_runs_and_determinism():
    cfg = ft.default_config(init=1.0, eps2=0.1, sweeps=150)
    batch, _ = ft.run_split([0, 1, 2], cfg, DATA)
    for s in range(3):
        single, _ = ft.run_split([s], cfg, DATA)
        assert single[0] == batch[s]
    again, _ = ft.run_split([0, 1, 2], cfg, DATA)
    assert again == batch


def test_cv_batch_equals_single_seeds():
    cfg = ft.default_config(init=1.0, eps2=0.1, sweeps=60)
    both, _ = ft.run_cv([0, 1], cfg, DATA)
    one, _ = ft.run_cv([1], cfg, DATA)
    assert np.array_equal(both[1], one[0])


def test_eta_squared():
    lab = ft.FEATURES["nationality"]
    assert ft.eta_squared(lab.astype(float)[None], lab)[0] == pytest.approx(1.0)
    x = np.tile([0.0, 1.0], 12)                                      # orthogonal to nationality
    assert ft.eta_squared(x[None], lab)[0] == pytest.approx(0.0)
    gen = ft.FEATURES["generation"]
    assert ft.eta_squared(gen.astype(float)[None] ** 2, gen)[0] == pytest.approx(1.0)
    br = ft.FEATURES["branch"]
    assert (br == -1).sum() == 4 and (br == 0).sum() == 10


def test_training_learns_with_rescue():
    # (the paper schedule's plateau is checked by test_readme_diagnosis_matches_fresh_run)
    rescued, _ = ft.run_split([0, 1, 2], ft.default_config(init=1.0, eps2=0.1, sweeps=800), DATA)
    assert all(m["train_correct"] >= 95 for m in rescued)


@pytest.mark.parametrize("loss", ["margin", "sse"])
def test_best_constant_error_against_brute_force(loss):
    """The analytic best input-independent error equals a grid search over constant outputs."""
    cfg = ft.default_config(loss=loss)
    _, mask, _ = ft.split_runs([3], cfg, DATA)
    grid = np.linspace(0.0, 1.0, 20001)
    # error of output unit k held at the constant c, for every c of the grid, summed over cases
    best = 0.0
    for k in range(ft.N_PEOPLE):
        y = np.broadcast_to(grid[:, None, None], (grid.size, 104, 1)).copy()
        E, _ = ft.output_error(y, DATA["T"][:, k:k + 1], np.repeat(mask, grid.size, axis=0), cfg)
        best += E.min()
    np.testing.assert_allclose(ft.best_constant_error(DATA["T"], mask, cfg)[0], best, rtol=1e-6)


def test_effective_l2_is_the_fixed_point_of_momentum_and_decay():
    """At w* = -g/lambda (constant gradient g) the late-phase update leaves w unchanged."""
    cfg = ft.default_config()
    lam, g = ft.effective_l2(cfg), 0.37
    w = -g / lam
    v = -cfg["eps2"] * g / (1 - cfg["alpha2"])            # the steady momentum velocity
    assert np.isclose((1 - cfg["decay"]) * (w + v), w, rtol=1e-12)


def test_diverging_run_stops_with_message(monkeypatch, capsys):
    """Logistic units keep the weights finite in practice, so poison the initial weights."""
    real = ft.init_params
    monkeypatch.setattr(ft, "init_params", lambda rng, cfg: {
        k: v * np.nan for k, v in real(rng, cfg).items()})
    assert ft.main(["--seed", "0", "--sweeps", "5"]) == 1
    err = capsys.readouterr().err
    assert "diverged" in err and "Traceback" not in err


# ---------------------------------------------------------------- CLI

@pytest.mark.parametrize("args", [["--seed", "-1"], ["--sweep", "0"], ["--sweep", "-3"],
                                  ["--eps2", "0"], ["--eps1", "-0.1"], ["--test-cases", "Bob:aunt"],
                                  ["--test-cases", "Colin:cousin"], ["--alpha2", "1.5"],
                                  ["--n-test", "5", "--cv"], ["--loss", "hinge"],
                                  ["--decay", "nan"], ["--json", "/nonexistent_dir/x.json"],
                                  ["--diagnose", "--cv"], ["--diagnose", "--loss", "ce"]])
def test_bad_cli_values_exit_2(args):
    r = run_cli(*args)
    assert r.returncode == 2, (args, r.stderr)
    assert "Traceback" not in r.stderr and "error:" in r.stderr


def test_help_exits_0():
    assert run_cli("--help").returncode == 0


def test_json_output_and_determinism(tmp_path):
    out1, out2 = tmp_path / "a.json", tmp_path / "b.json"
    for out in (out1, out2):
        assert run_cli("--seed", "0", "--sweeps", "200", "--json", str(out), "--quiet").returncode == 0
    j1, j2 = json.loads(out1.read_text()), json.loads(out2.read_text())
    j1.pop("wallclock_s"), j2.pop("wallclock_s")
    assert j1 == j2
    for key in ["train_correct", "test_correct", "test_cases", "final_error", "person_codes",
                "nationality", "generation", "branch"]:
        assert key in j1["metrics"]
    assert np.array(j1["metrics"]["person_codes"]).shape == (24, 6)
    assert j1["seed"] == 0 and j1["config"]["decay"] == 0.002
    assert set(j1["versions"]) == {"python", "numpy"}


# ---------------------------------------------------------------- README numbers

def _readme():
    with open(os.path.join(HERE, "README.md")) as fh:
        return fh.read()


def _block(readme, tag):
    """The lines of a README code block that follows a line containing `tag`."""
    m = re.search(re.escape(tag) + r".*?\n```\n(.*?)\n```", readme, re.S)
    assert m, tag
    return [x for x in m.group(1).splitlines() if not x.startswith("family trees:")
            and not x.startswith("wall-clock") and not x.startswith("$")]


def test_readme_seed0_matches_fresh_run():
    r = run_cli("--seed", "0")
    got = [x for x in r.stdout.splitlines() if not x.startswith(("family trees:", "wall-clock"))]
    assert got == _block(_readme(), "<!-- seed0 -->")


def test_readme_rescued_sweep50_headline_matches_fresh_run():
    """The headline: 50 seeds, random splits, rescued settings (one batch, ~7 s CPU)."""
    r = run_cli("--sweep", "50", "--quiet", *RESCUE)
    got = [x for x in r.stdout.splitlines() if not x.startswith(("family trees:", "wall-clock"))]
    assert got == _block(_readme(), "<!-- sweep50 -->")


def test_readme_rescued_cv_seed0_matches_fresh_run():
    r = run_cli("--cv", "--quiet", *RESCUE)
    got = [x for x in r.stdout.splitlines() if not x.startswith(("family trees:", "wall-clock"))]
    assert got == _block(_readme(), "<!-- cv0 -->")


def test_readme_diagnosis_matches_fresh_run():
    """The plateau diagnosis of the paper settings, seeds 0..9 (the README block's lines up to
    the single-change scan, which is not re-run here: ~12 s CPU)."""
    lines = []
    d = ft.diagnose(list(range(10)), ft.default_config(), DATA, lines.append, scan=False)
    block = _block(_readme(), "<!-- diagnose10 -->")
    cut = next(i for i, x in enumerate(block) if x.startswith("single changes"))
    assert lines == block[:cut]
    assert all(c == 0 for c in d["train_correct"])                  # the plateau: nothing learned
    assert np.max(np.abs(np.subtract(d["final_error"], d["best_constant_error"]))) < 1e-3
    assert d["effective_l2"] + max(d["hessian_min_eig"]) > 0        # a trap, not a saddle


# ---------------------------------------------------------------- figure scripts (smoke)

def test_gif_script_writes_gif(tmp_path):
    r = subprocess.run([sys.executable, os.path.join(HERE, "make_family_trees_gif.py"),
                        "--outdir", str(tmp_path), "--every", "750"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "family_trees.gif").stat().st_size > 1000
    assert sorted(os.listdir(tmp_path)) == ["family_trees.gif"]      # no temp file left


def test_figure_script_bad_outdir_exit_2(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = subprocess.run([sys.executable, os.path.join(HERE, "visualize_family_trees.py"),
                        "--outdir", str(blocker / "sub")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "--outdir" in r.stderr


@pytest.mark.parametrize("extra", [[], ["--sweep", "2"], ["--cv", "--sweep", "2"]])
def test_ablation_and_cv_modes_run(tmp_path, extra):
    out = tmp_path / "o.json"
    assert ft.main(["--ablations", "--sweeps", "8", "--quiet", "--json", str(out)] + extra) == 0
    j = json.loads(out.read_text())
    assert [k for k in j["ablations"]] == [label for label, _ in ft.ABLATIONS]
    if "--sweep" in extra:
        assert "paired_diff_vs_baseline" in j["ablations"]["no weight decay"]
        assert len(j["per_seed"]) == 2
    if "--cv" in extra:
        assert sum(j["metrics"]["per_case_correct"].values()) == sum(j["metrics"]["cv_correct_per_seed"])
