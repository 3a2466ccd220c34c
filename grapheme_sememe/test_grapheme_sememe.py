"""Tests for grapheme_sememe: gradients, Boltzmann conditionals and phases, protocol invariants,
determinism, sweep == single runs, CLI validation and the README's headline numbers."""
import itertools
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import grapheme_sememe as gs  # noqa: E402

SCRIPT = os.path.join(HERE, "grapheme_sememe.py")


def config(*args):
    return gs.parse_config(list(args))[2]


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


# ---------------------------------------------------------------------------------------------
# backprop gradient
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("wd", [0.0, 0.01])
def test_gradient_check(wd):
    rng = np.random.default_rng(1)
    S, P, H = 2, 4, 5
    p = {"W1": rng.normal(0, .5, (S, gs.N_IN, H)), "b1": rng.normal(0, .5, (S, H)),
         "W2": rng.normal(0, .5, (S, H, gs.N_OUT)), "b2": rng.normal(0, .5, (S, gs.N_OUT))}
    X = (rng.random((S, P, gs.N_IN)) < 0.3).astype(float)
    T = (rng.random((S, P, gs.N_OUT)) < 0.3).astype(float)
    _, grads = gs.bp_loss_and_grads(p, X, T, wd)
    # central differences of the same loss function; evaluated in extended precision so that
    # round-off in the ~20-nat loss does not swamp the smallest gradient entries
    q = {k: v.astype(np.longdouble) for k, v in p.items()}
    Xq, Tq = X.astype(np.longdouble), T.astype(np.longdouble)
    h = 1e-5
    for k in p:
        num = np.zeros_like(p[k])
        for idx in np.ndindex(p[k].shape):
            old = q[k][idx]
            q[k][idx] = old + h
            lp = gs.bp_loss_and_grads(q, Xq, Tq, wd)[0][idx[0]]
            q[k][idx] = old - h
            lm = gs.bp_loss_and_grads(q, Xq, Tq, wd)[0][idx[0]]
            q[k][idx] = old
            num[idx] = float((lp - lm) / (2 * h))
        rel = np.abs(grads[k] - num) / np.maximum(1e-8, np.abs(grads[k]) + np.abs(num))
        assert rel.max() < 1e-6, (k, rel.max())


# ---------------------------------------------------------------------------------------------
# Boltzmann machine: exact conditionals by enumeration, sampler and phases
# ---------------------------------------------------------------------------------------------
def tiny_bm(seed=3, n_g=3, H=2, n_m=2):
    rng = np.random.default_rng(seed)
    return {"W1": rng.normal(0, 1.5, (1, n_g, H)), "b1": rng.normal(0, 1, (1, H)),
            "W2": rng.normal(0, 1.5, (1, H, n_m)), "b2": rng.normal(0, 1, (1, n_m))}


def energy(p, g, h, m):
    return -(g @ p["W1"][0] @ h + h @ p["W2"][0] @ m + p["b1"][0] @ h + p["b2"][0] @ m)


def exact_free_distribution(p, g, temp):
    """All (h, m) states with their Boltzmann probabilities given clamped g."""
    H, n_m = p["W2"].shape[1:]
    states = [np.array(s, dtype=float) for s in itertools.product([0, 1], repeat=H + n_m)]
    w = np.array([np.exp(-energy(p, g, s[:H], s[H:]) / temp) for s in states])
    return states, w / w.sum()


def test_bm_conditionals_match_enumeration():
    p = tiny_bm()
    H, n_m = 2, 2
    g = np.array([1.0, 0.0, 1.0])
    temp = 1.3
    for s in itertools.product([0, 1], repeat=H + n_m):
        s = np.array(s, dtype=float)
        h, m = s[:H], s[H:]
        ph = gs.bm_hidden_prob(p, g[None, None], m[None, None], temp)[0, 0]
        pm = gs.bm_sememe_prob(p, h[None, None], temp)[0, 0]
        for j in range(H):                # p(h_j = 1 | everything else) from two energies
            on, off = h.copy(), h.copy()
            on[j], off[j] = 1, 0
            e1, e0 = energy(p, g, on, m), energy(p, g, off, m)
            assert abs(ph[j] - 1 / (1 + np.exp((e1 - e0) / temp))) < 1e-12
        for k in range(n_m):
            on, off = m.copy(), m.copy()
            on[k], off[k] = 1, 0
            e1, e0 = energy(p, g, h, on), energy(p, g, h, off)
            assert abs(pm[k] - 1 / (1 + np.exp((e1 - e0) / temp))) < 1e-12


def test_bm_free_phase_samples_the_boltzmann_distribution():
    """Negative-phase statistics from the Gibbs sampler match exact expectations."""
    p = tiny_bm()
    g = np.array([0.0, 1.0, 1.0])
    temp = 1.0
    states, prob = exact_free_distribution(p, g, temp)
    S = np.array(states)
    exact_hm = np.einsum("s,si,sj->ij", prob, S[:, :2], S[:, 2:])
    exact_m = prob @ S[:, 2:]
    P = 4000
    G = np.tile(g, (1, P, 1))
    rngs = [np.random.default_rng(0)]
    U = gs.bm_draw(rngs, np.array([True]), 3 + 20, P, 4)
    neg = gs.bm_phase(p, G, None, [2.0, 1.5, 1.0], 20, U)
    assert np.abs(neg["hm"][0] - exact_hm).max() < 0.02
    assert np.abs(neg["m"][0] - exact_m).max() < 0.02


def test_bm_statistics_come_from_right_phases(monkeypatch):
    """Positive phase: graphemes AND sememes clamped to the data; negative phase: graphemes
    clamped, sememes free; the update is -(<.>+ - <.>-)."""
    cfg = config("--algo", "boltzmann", "--bm-stat-sweeps", "5", "--hidden", "4")
    rng = np.random.default_rng(0)
    p = {k: v[None] for k, v in gs.init_params(rng, cfg).items()}
    data = gs.make_data(rng, cfg)
    X, T = data["X"][None, :5], data["T"][None, :5]
    calls = []
    real = gs.bm_phase

    def spy(p_, G, M_clamp, temps, n_stat, U):
        out = real(p_, G, M_clamp, temps, n_stat, U)
        calls.append((G.copy(), None if M_clamp is None else M_clamp.copy(), out))
        return out
    monkeypatch.setattr(gs, "bm_phase", spy)
    grads, pos, neg = gs.bm_grads(p, X, T, cfg, [np.random.default_rng(1)], np.array([True]))
    assert len(calls) == 2
    (G1, M1, o1), (G2, M2, o2) = calls
    assert np.array_equal(G1, X) and np.array_equal(G2, X)          # graphemes clamped in both
    assert np.array_equal(M1, T) and M2 is None                    # sememes clamped only in +
    assert o1 is pos and o2 is neg
    assert np.allclose(pos["m_mean"], T)                           # clamped states are data
    assert np.allclose(pos["m"], T.mean(1))
    hm_from_data = np.einsum("spi,spj->sij", pos["h_mean"], T) / T.shape[1]
    assert np.allclose(pos["hm"], hm_from_data)
    assert not np.allclose(neg["m_mean"], T)                       # free sememes are sampled
    assert np.allclose(grads["b2"], -(pos["m"] - neg["m"]))
    assert np.allclose(grads["W2"], -(pos["hm"] - neg["hm"]) + cfg["weight_decay"] * p["W2"])
    assert np.allclose(grads["W1"], -(pos["gh"] - neg["gh"]) + cfg["weight_decay"] * p["W1"])


# ---------------------------------------------------------------------------------------------
# protocol invariants
# ---------------------------------------------------------------------------------------------
SMALL = ["--train-cycles", "60", "--relearn-cycles", "8", "--transfer-k", "3"]


@pytest.mark.parametrize("algo", ["backprop", "boltzmann"])
def test_heldout_never_passed_to_relearning(monkeypatch, algo):
    cfg = config("--algo", algo, *SMALL)
    seen = {"relearning": False, "X": []}
    real_relearn, real_grad = gs.relearn, gs.gradients

    def spy_relearn(p, X18, T18, *a, **k):
        seen["relearning"] = True
        seen["relearn_args"] = (X18.copy(), T18.copy())
        return real_relearn(p, X18, T18, *a, **k)

    def spy_grad(p, X, T, *a, **k):
        if seen["relearning"]:
            seen["X"].append(X.copy())
        return real_grad(p, X, T, *a, **k)
    monkeypatch.setattr(gs, "relearn", spy_relearn)
    monkeypatch.setattr(gs, "gradients", spy_grad)
    res = gs.run_batch([0, 1], cfg)
    assert len(seen["X"]) == cfg["relearn_cycles"]
    for s in range(2):
        held_rows = res["X"][s, res["held"][s]]
        held_targets = res["T"][s, res["held"][s]]
        for X in seen["X"] + [seen["relearn_args"][0]]:
            assert X.shape[1] == gs.N_WORDS - gs.N_HELDOUT
            assert not (X[s][:, None, :] == held_rows[None]).all(-1).any()
        T18 = seen["relearn_args"][1][s]
        X18 = seen["relearn_args"][0][s]
        # every pattern passed is one of the trained 18, with its own target
        trained = res["trained"][s]
        assert np.array_equal(X18, res["X"][s, trained])
        assert np.array_equal(T18, res["T"][s, trained])
        assert not np.isin(res["held"][s], trained).any()
        assert held_targets.shape == (2, gs.N_OUT)


@pytest.mark.parametrize("algo", ["backprop", "boltzmann"])
def test_permanent_lesions_stay_zero(algo):
    cfg = config("--algo", algo, "--damage", "zero", "--fraction", "0.5", "--permanent", *SMALL)
    res = gs.run_batch([0, 1], cfg)
    for k in ("W1", "W2"):
        lesioned = res["damage"][k]
        assert 0.4 < lesioned.mean() < 0.6
        assert np.all(res["params"]["post_damage"][k][lesioned] == 0)
        assert np.all(res["params"]["post_relearn"][k][lesioned] == 0)
        assert np.any(res["params"]["post_relearn"][k][~lesioned]
                      != res["params"]["post_damage"][k][~lesioned])
    # biases are not damaged unless asked
    assert np.array_equal(res["params"]["post_damage"]["b2"], res["params"]["post_train"]["b2"])
    # without --permanent the zeroed weights regrow
    res2 = gs.run_batch([0, 1], config("--algo", algo, "--damage", "zero", *SMALL))
    assert np.any(res2["params"]["post_relearn"]["W2"][res2["damage"]["W2"]] != 0)


def test_noise_damage_scale_and_biases():
    cfg = config("--noise-scale", "0.7", "--noise-dist", "gaussian", "--damage-biases", *SMALL)
    res = gs.run_batch([0], cfg)
    for k in ("W1", "W2", "b1", "b2"):
        before, after = res["params"]["post_train"][k], res["params"]["post_damage"][k]
        ratio = np.sqrt(((after - before) ** 2).mean()) / np.sqrt((before ** 2).mean())
        assert 0.45 < ratio < 0.95, (k, ratio)     # sample std of the noise, 0.7 x RMS


def test_data_and_named_heldout():
    cfg = config()
    d = gs.make_data(np.random.default_rng(5), cfg)
    assert len(set(d["words"])) == gs.N_WORDS
    assert np.all(d["X"].sum(1) == gs.N_POS)
    assert len({r.tobytes() for r in d["T"]}) == gs.N_WORDS
    assert len(set(d["heldout"])) == 2
    named = d["words"][3], d["words"][11]
    d2 = gs.make_data(np.random.default_rng(5), dict(cfg, heldout=list(named)))
    assert [d2["words"][i] for i in d2["heldout"]] == sorted(named, key=d2["words"].index)
    proto = gs.make_data(np.random.default_rng(5), config("--sememes", "prototype"))
    sparse = gs.make_data(np.random.default_rng(5), config("--density", "0.2"))
    o_rand = gs.overlap_stats(sparse)["meaning_overlap_mean"]
    o_proto = gs.overlap_stats(proto)["meaning_overlap_mean"]
    assert o_proto > o_rand                                # shared micro-features overlap more


def test_trains_to_criterion_and_metrics_consistent():
    res = gs.run_batch([0], config())
    m = res["per_seed"][0]
    assert m["converged"] and m["trained_bit_acc_post_train"] == 1.0
    assert m["heldout_bit_acc_post_train"] == 1.0
    assert m["heldout_bit_acc_post_damage"] < 1.0
    rc = m["curves"]["relearn"]["heldout_bit_acc"]
    assert len(rc) == config()["relearn_cycles"] + 1
    assert rc[0] == m["heldout_bit_acc_post_damage"] and rc[-1] == m["heldout_bit_acc_post_relearn"]
    assert abs(m["recovery_pp"] - 100 * (rc[-1] - rc[0])) < 1e-9
    assert abs(m["peak_recovery_pp"] - 100 * (max(rc) - rc[0])) < 1e-9


# ---------------------------------------------------------------------------------------------
# determinism and batching
# ---------------------------------------------------------------------------------------------
def strip(ms):
    return json.loads(json.dumps(gs.to_py(ms)))


@pytest.mark.parametrize("algo", ["backprop", "boltzmann"])
def test_sweep_equals_single_runs(algo):
    cfg = config("--algo", algo, *SMALL, "--damage", "zero")
    batch = gs.run_batch([0, 1, 2], cfg)["per_seed"]
    for s in range(3):
        assert strip(batch[s]) == strip(gs.run_batch([s], cfg)["per_seed"][0])


def test_cli_deterministic_json(tmp_path):
    outs = []
    for i in range(2):
        path = tmp_path / f"r{i}.json"
        r = run_cli("--seed", "3", "--json", str(path), "--quiet", *SMALL)
        assert r.returncode == 0, r.stderr
        d = json.loads(path.read_text())
        d.pop("wallclock_s")
        outs.append(d)
    assert outs[0] == outs[1]
    d = outs[0]
    for key in ("experiment", "seed", "config", "metrics", "versions"):
        assert key in d
    required = ["recovery_pp", "peak_recovery_pp", "peak_cycle", "transfer_ratio",
                "heldout_pattern_acc", "curves"]
    required += [f"{g}_{q}_{st}" for g in ("heldout", "trained") for q in ("bit_acc", "mae")
                 for st in gs.STAGES]
    for key in required:
        assert key in d["metrics"], key
    assert set(d["config"]) >= {"algo", "damage", "fraction", "noise_scale", "relearn_cycles",
                                "lr", "relearn_lr", "sememes", "density", "transfer_k"}


def test_cli_sweep_json(tmp_path):
    path = tmp_path / "s.json"
    r = run_cli("--sweep", "3", "--json", str(path), "--quiet", *SMALL)
    assert r.returncode == 0, r.stderr
    d = json.loads(path.read_text())
    assert d["seeds"] == [0, 1, 2] and len(d["per_seed"]) == 3
    assert "recovery_pp" in d["summary"] and "ci95" in d["summary"]["recovery_pp"]


# ---------------------------------------------------------------------------------------------
# CLI validation
# ---------------------------------------------------------------------------------------------
BAD = [["--seed", "-1"], ["--sweep", "0"], ["--fraction", "1.5"], ["--fraction", "-0.1"],
       ["--noise-scale", "-1"], ["--damage", "burn"], ["--algo", "hebb"], ["--heldout", "abc"],
       ["--lr", "0"], ["--relearn-cycles", "0"], ["--density", "1"], ["--bm-schedule", "2@-1"],
       ["--transfer-k", "500"], ["--lr", "nan"], ["--proto-k", "9"], ["--first-seed", "-2"],
       ["--sizes", "0.5,2", "--damage", "zero", "--analysis", "heatmap"]]


@pytest.mark.parametrize("args", [BAD[0], BAD[1], BAD[2], BAD[4], BAD[5], BAD[6]])
def test_bad_cli_values_exit_2(args):
    r = run_cli(*args)
    assert r.returncode == 2, (args, r.stderr)
    assert "Traceback" not in r.stderr
    assert "error" in r.stderr and args[0] in r.stderr


def test_bad_cli_values_exit_2_in_process(capsys):
    """The same argparse path, in-process for the remaining flags (fast)."""
    for args in BAD:
        with pytest.raises(SystemExit) as e:
            gs.main(args)
        assert e.value.code == 2, args
        assert args[0] in capsys.readouterr().err


def test_heldout_word_not_among_words_is_named():
    words = gs.make_data(np.random.default_rng(0), config())["words"]
    absent = next(w for w in ("aaa", "bbb", "ccc", "ddd") if w not in words)
    r = run_cli("--heldout", f"{words[0]},{absent}")
    assert r.returncode == 2 and absent in r.stderr and "Traceback" not in r.stderr


def test_help_and_unwritable_json(tmp_path):
    assert run_cli("--help").returncode == 0
    r = run_cli("--json", str(tmp_path / "no" / "such" / "dir.json"), *SMALL)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "--json" in r.stderr


def test_divergence_is_reported():
    p = {"W1": np.array([[[np.nan]]])}
    with pytest.raises(gs.Diverged):
        gs.check_finite(p)


# ---------------------------------------------------------------------------------------------
# README headline numbers against a fresh run
# ---------------------------------------------------------------------------------------------
def readme_lines():
    with open(os.path.join(HERE, "README.md")) as f:
        return f.read()


@pytest.mark.parametrize("args", [["--seed", "0"], ["--seed", "0", "--algo", "boltzmann"],
                                  ["--sweep", "100"]])
def test_readme_headlines_match_fresh_run(args):
    """The headline line, and for the sweep the robustness and overlap lines, verbatim."""
    r = run_cli(*args)
    assert r.returncode == 0, r.stderr
    out = r.stdout.strip().splitlines()
    assert out[-1].startswith("wall-clock")
    checked = [out[-2]] + [ln for ln in out if ln.startswith(("converged:", "overlap:",
                                                                "  held-out meaning overlap"))]
    if "--sweep" in args:
        assert len(checked) == 6
        mean_overlap = next(ln for ln in out if ln.startswith("meaning_overlap_mean")).split()[1]
        assert f"{mean_overlap} for random meanings" in readme_lines(), mean_overlap
    for line in checked:
        assert line in readme_lines(), f"README does not contain the fresh output line:\n{line}"


def test_readme_validation_and_nonspecific_lines():
    for args in (["--sweep", "300", "--first-seed", "100"],
                 ["--density", "0.2", "--damage", "zero", "--fraction", "0.9", "--sweep", "100"],
                 ["--damage", "zero", "--fraction", "0.5", "--permanent", "--sememes",
                  "prototype", "--weight-decay", "1e-3", "--relearn-cycles", "50", "--lr", "0.3",
                  "--momentum", "0.5", "--relearn-lr", "0.3", "--relearn-momentum", "0.5",
                  "--sweep", "30"],
                 ["--damage", "zero", "--fraction", "0.5", "--permanent", "--sememes",
                  "prototype", "--weight-decay", "1e-3", "--relearn-cycles", "10", "--lr", "0.3",
                  "--momentum", "0.5", "--relearn-lr", "0.3", "--relearn-momentum", "0.5",
                  "--sweep", "100"]):
        r = run_cli(*args, "--quiet")
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip().splitlines()[-1] in readme_lines(), args


def test_readme_conditions_table_backprop_rows(capsys):
    """The backprop rows of the README's conditions table against a fresh computation (the
    Boltzmann rows take minutes and are not re-run here); the wall-clock column is dropped."""
    rows = gs.run_conditions(list(range(100)), config(), algos=("backprop",))
    capsys.readouterr()
    gs.print_conditions(rows, 100)
    fresh = capsys.readouterr().out.strip().splitlines()[1:]
    assert len(fresh) == 8
    readme = readme_lines()
    for line in fresh:
        assert re.sub(r"\s+\(\d+\.\d s\)$", "", line) in readme, line


@pytest.mark.parametrize("args", [[], ["--damage", "zero", "--permanent"]])
def test_readme_heatmap_row(args, capsys):
    """One row (damage size 0.5) of each README heatmap against a fresh computation."""
    hm = gs.run_heatmap(list(range(100)), dict(config(*args), sizes=[0.5]))
    capsys.readouterr()
    gs.print_heatmap(hm)
    row = capsys.readouterr().out.splitlines()[2]
    assert row.strip().startswith("0.50") and row in readme_lines(), row
