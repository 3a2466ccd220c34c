"""Tests for vector_symmetry: gradients, determinism, batching, protocol, CLI, README numbers."""
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import vector_symmetry as vs  # noqa: E402

SCRIPT = os.path.join(HERE, "vector_symmetry.py")
README = os.path.join(HERE, "README.md")


def run_cli(*args, cwd=None):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=120)


# ---------------------------------------------------------------- data and model
def test_patterns():
    X, bits, d = vs.make_patterns("01")
    assert X.shape == (64, 6) and len({tuple(r) for r in bits}) == 64
    assert d.sum() == 8
    for p in np.flatnonzero(d):
        assert list(bits[p]) == list(bits[p][::-1])
    Xpm, _, dpm = vs.make_patterns("pm1")
    assert set(np.unique(Xpm)) == {-1.0, 1.0} and np.array_equal(d, dpm)


def test_init_range_and_stacking():
    p = vs.init_params([3, 4, 5], 0.3)
    assert p["W1"].shape == (3, 6, 2) and p["b2"].shape == (3,)
    flat = np.concatenate([p[k].reshape(3, -1) for k in ("W1", "b1", "W2")] + [p["b2"][:, None]], 1)
    assert np.all(np.abs(flat) <= 0.3) and flat.shape[1] == vs.N_PARAMS
    one = vs.init_params([4], 0.3)
    assert all(np.array_equal(one[k][0], p[k][1]) for k in p)


@pytest.mark.parametrize("coding", ["01", "pm1"])
def test_gradient_check(coding):
    """Central differences for every parameter array (3 seeds at once, weights scaled up)."""
    X, _, d = vs.make_patterns(coding)
    params = vs.init_params([0, 1, 2], 0.3)
    params = {k: v * 5.0 for k, v in params.items()}   # away from the flat start
    E, grads = vs.loss_and_grads(params, X, d)
    h = 1e-5
    for name, arr in params.items():
        num = np.zeros_like(arr)
        for i in np.ndindex(arr.shape):
            old = arr[i]
            arr[i] = old + h
            ep = vs.loss_and_grads(params, X, d)[0][i[0]]
            arr[i] = old - h
            em = vs.loss_and_grads(params, X, d)[0][i[0]]
            arr[i] = old
            num[i] = (ep - em) / (2 * h)
        a = grads[name]
        rel = np.abs(a - num) / np.maximum(1e-8, np.abs(a) + np.abs(num))
        assert rel.max() < 1e-6, (name, rel.max())


def test_error_is_half_sse():
    X, _, d = vs.make_patterns("01")
    params = vs.init_params([7], 0.3)
    E, _ = vs.loss_and_grads(params, X, d)
    _, _, y = vs.predict(params, X)
    assert E[0] == pytest.approx(0.5 * np.sum((y[0] - d) ** 2), rel=1e-12)


def test_momentum_rule_one_seed_by_hand():
    """Three sweeps of train() equal dw(t) = -eps g + alpha dw(t-1) done by hand."""
    X, _, d = vs.make_patterns("01")
    p = vs.init_params([11], 0.3)
    v = {k: np.zeros_like(a) for k, a in p.items()}
    for _ in range(3):
        _, g = vs.loss_and_grads(p, X, d)
        for k in p:
            v[k] = 0.7 * v[k] - 0.3 * g[k]
            p[k] = p[k] + v[k]
    out = vs.train([11], lr=0.3, momentum=0.7, max_sweeps=3)
    for k in p:
        np.testing.assert_allclose(out["params"][k][0], p[k][0], rtol=1e-12, atol=1e-14)
    assert out["stopped_at"][0] == 3


# ---------------------------------------------------------------- protocol
def test_batched_sweep_equals_single_runs_exactly():
    seeds = [1, 0, 999, 3, 12]    # 999 and 1 stop early, the others run on after them
    batch = vs.train(seeds, max_sweeps=1700)
    for i, s in enumerate(seeds):
        one = vs.train([s], max_sweeps=1700)
        for k in ("sweeps_to_solve", "sweeps_to_tolerance", "stopped_at", "n_correct",
                  "final_error"):
            assert one[k][0] == batch[k][i], (s, k)
        for k in one["params"]:
            assert np.array_equal(one["params"][k][0], batch["params"][k][i]), (s, k)
    assert len(set(batch["stopped_at"].tolist())) > 1   # seeds really stopped at different sweeps


def test_sweep_json_equals_single_run_json(tmp_path):
    """The CLI's --sweep per-seed metrics equal the --seed runs' metrics, key for key."""
    sw = tmp_path / "sweep.json"
    assert vs.main(["--sweep", "4", "--max-sweeps", "1500", "--quiet", "--json", str(sw)]) == 0
    sweep = json.loads(sw.read_text())
    for key in ("solved", "sweeps_to_solve", "sweeps_to_tolerance", "final_error", "n_correct",
                "weight_ratio", "antisymmetry", "hidden_bias_signs", "output_bias_sign",
                "hidden_units_sign_flipped", "final_weights"):
        assert key in sweep["metrics"] and key in sweep["per_seed"][0]
    assert sweep["seeds"] == [0, 1, 2, 3] and "summary" in sweep
    for seed in (1, 3):
        one = tmp_path / f"s{seed}.json"
        assert vs.main(["--seed", str(seed), "--max-sweeps", "1500", "--quiet",
                        "--json", str(one)]) == 0
        per = dict(sweep["per_seed"][seed])
        assert per.pop("seed") == seed
        assert per == json.loads(one.read_text())["metrics"]


def test_determinism_json(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    for p in (a, b):
        r = run_cli("--seed", "3", "--max-sweeps", "3000", "--quiet", "--json", str(p))
        assert r.returncode == 0, r.stderr
    ja, jb = json.loads(a.read_text()), json.loads(b.read_text())
    ja.pop("wallclock_s"), jb.pop("wallclock_s")
    assert ja == jb
    for key in ("experiment", "seed", "config", "metrics", "versions"):
        assert key in ja
    for key in ("solved", "sweeps_to_solve", "sweeps_to_tolerance", "final_error", "n_correct",
                "weight_ratio", "antisymmetry", "hidden_bias_signs", "output_bias_sign",
                "hidden_units_sign_flipped", "final_weights"):
        assert key in ja["metrics"]
    assert ja["config"]["lr"] == 0.1 and ja["config"]["momentum"] == 0.9
    assert not list(tmp_path.glob(".*tmp"))


def test_stopping_and_solve_criteria():
    out = vs.train([1, 3], max_sweeps=5000)
    X, _, d = vs.make_patterns("01")
    for i in range(2):
        one = {k: v[i:i + 1] for k, v in out["params"].items()}
        _, _, y = vs.predict(one, X)
        assert out["sweeps_to_tolerance"][i] == out["stopped_at"][i]
        assert np.max(np.abs(y[0] - d)) < 0.2 and out["n_correct"][i] == 64
        assert 0 <= out["sweeps_to_solve"][i] <= out["sweeps_to_tolerance"][i]
    # one sweep fewer than the tolerance sweep is not yet within tolerance
    t = int(out["stopped_at"][0])
    early = vs.train([1], max_sweeps=t - 1)
    assert early["sweeps_to_tolerance"][0] == -1 and early["stopped_at"][0] == t - 1


def test_metrics_on_handmade_paper_solution():
    """The paper's Fig. 1 structure gives ratio 1:2:4, antisymmetry 0, no cancellation."""
    c = np.array([4.0, 8.0, 2.0])                       # pairs: outer, middle, inner
    w = np.array([c[0], c[1], c[2], -c[2], -c[1], -c[0]])
    params = {"W1": np.stack([w, -w], axis=1)[None], "b1": np.array([[-1.5, -1.5]]),
              "W2": np.array([[-10.0, -10.0]]), "b2": np.array([4.5])}
    ratios, anti, _ = vs.pair_structure(params["W1"][0])
    assert ratios == [[1.0, 2.0, 4.0], [1.0, 2.0, 4.0]] and anti == 0.0
    assert vs.is_paper_solution(ratios, anti)
    np.testing.assert_allclose(vs.min_asymmetric_drive(params["W1"][0]), [2.0, 2.0])
    X, bits, d = vs.make_patterns("01")
    _, _, y = vs.predict(params, X)
    assert np.all((y[0] > 0.5) == (d > 0.5))
    assert vs.cancellation_count(c, bits) == 0
    assert vs.cancellation_count([1.0, 2.0, 3.0], bits) > 0
    assert vs.cancellation_count([1.0, 1.0, 1.0], bits) > 0


def test_quantiles_with_unsolved():
    q = vs.quantiles([1, 2, 3, np.inf])
    assert q["min"] == 1 and q["max"] == np.inf and q["median"] == 2.5
    assert vs.quantiles([np.inf, np.inf])["min"] == np.inf
    lo, hi = vs.wilson(936, 1000)
    assert lo < 0.936 < hi


# ---------------------------------------------------------------- CLI
@pytest.mark.parametrize("args", [["--seed", "-1"], ["--sweep", "0"], ["--lr", "0"],
                                  ["--momentum", "1"], ["--coding", "bits"]])
def test_bad_cli_values_exit_2(args):
    r = run_cli(*args)
    assert r.returncode == 2, (args, r.stderr)
    assert "Traceback" not in r.stderr and r.stderr.strip()


@pytest.mark.parametrize("args", [["--sweep", "-3"], ["--lr", "-0.1"], ["--lr", "nan"],
                                  ["--momentum", "-0.1"], ["--max-sweeps", "0"],
                                  ["--tolerance", "0.7"], ["--grid-seeds", "0"],
                                  ["--grid-momenta", "0.5,1.2"], ["--grid-lrs", ","],
                                  ["--seed", "x"], ["--sweep", "3", "--grid"]])
def test_bad_cli_values_exit_2_in_process(args, capsys):
    with pytest.raises(SystemExit) as e:
        vs.main(args)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "error" in err and "Traceback" not in err


def test_help_and_unwritable_json(tmp_path):
    assert run_cli("--help").returncode == 0
    r = run_cli("--max-sweeps", "5", "--json", str(tmp_path / "no" / "x.json"))
    assert r.returncode != 0 and "Traceback" not in r.stderr


def test_divergence_is_reported():
    # a NaN initial range cannot be passed on the CLI; force one through the API
    with pytest.raises(vs.DivergenceError):
        vs.train([0], lr=np.nan, max_sweeps=3)


# ---------------------------------------------------------------- README against a fresh run
def _readme_block(tag):
    text = open(README).read()
    m = re.search(rf"<!-- {tag} -->\s*```text\n(.*?)```", text, re.S)
    assert m, f"README has no block tagged {tag}"
    return [ln for ln in m.group(1).splitlines() if ln.strip() and not ln.startswith("$")]


def test_readme_seed0_matches_fresh_run():
    lines = vs.single_run(0)[0]
    block = _readme_block("seed0")
    assert [ln for ln in block if not ln.startswith("wallclock")] == lines


@pytest.mark.parametrize("n, tag", [(100, "sweep100"), (1000, "sweep1000")])
def test_readme_sweep_matches_fresh_run(n, tag):
    """The README's 100- and 1,000-seed summaries (paper settings) equal a fresh batched run."""
    seeds = list(range(n))
    out = vs.train(seeds)
    per_seed = [vs.run_metrics(out["params"], i, "01", out) for i in range(n)]
    lines = vs.format_summary(vs.summarize(per_seed, vs.MAX_SWEEPS), "01")
    block = _readme_block(tag)
    assert [ln for ln in block if not ln.startswith("wallclock")] == lines


# ---------------------------------------------------------------- figure scripts (small settings)
def test_figure_and_gif_scripts_write_into_outdir(tmp_path):
    import make_vector_symmetry_gif as gif
    import visualize_vector_symmetry as viz
    assert viz.main(["--seed", "1", "--outdir", str(tmp_path), "--max-sweeps", "300",
                     "--sweep-seeds", "5", "--grid-seeds", "1", "--contrast-seeds", "2"]) == 0
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {"training_curves.png", "hinton_weights.png", "hidden_net_inputs.png",
                     "sweep_histogram.png", "grid_heatmap.png"}
    assert gif.main(["--seed", "1", "--outdir", str(tmp_path), "--max-sweeps", "200",
                     "--frames", "3"]) == 0
    import imageio.v3 as iio
    frames = iio.imread(tmp_path / "vector_symmetry.gif", index=None)
    assert frames.shape[0] == 3 and frames.ndim == 4
    assert not [p for p in tmp_path.iterdir() if "tmp" in p.name]


def test_readme_table_matches_its_printed_1000_seed_blocks():
    """The sweeps-to-solve table rows equal the quartiles printed in the 1,000-seed blocks."""
    text = open(README).read()
    for tag, row in (("sweep1000long", "this repo, seeds 0–999, cap 200,000"),
                     ("sweep1000", "this repo, seeds 0–999, cap 20,000")):
        q = re.search(r"sweeps to solve, all seeds .*?: min (\S+)  Q1 (\S+)  median (\S+) .*?"
                      r"Q3 (\S+)  max (\S+)", "\n".join(_readme_block(tag)))
        solved = re.search(r"solved: (\d+/\d+)", "\n".join(_readme_block(tag))).group(1)
        m = re.search(rf"\| {re.escape(row)}[^|]*\|(.*)\|\n", text)
        cells = [c.strip() for c in m.group(1).split("|")]
        printed = [x.replace(">max", ">cap") for x in q.groups()]
        assert cells == printed + [solved], (tag, cells, printed, solved)
