"""Tests of encoder_8_3_8: gradients, the Boltzmann sampler, protocol invariants,
determinism, sweep = single runs, the CLI, and the README's numbers against a fresh run."""
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
import encoder_8_3_8 as enc  # noqa: E402

SCRIPT = os.path.join(HERE, "encoder_8_3_8.py")


def cfg_of(argv):
    return enc.config_of(enc.parse_args(argv))


# ----------------------------------------------------------------------------- gradients

@pytest.mark.parametrize("loss", ["ce", "sse"])
def test_gradient_check_every_parameter(loss):
    rng = np.random.default_rng(3)
    n, h, S = 8, 3, 2
    X = np.eye(n)
    p = {"W1": rng.normal(0, 1, (S, n, h)), "b1": rng.normal(0, 1, (S, h)),
         "W2": rng.normal(0, 1, (S, h, n)), "b2": rng.normal(0, 1, (S, n))}
    _, g, _, _ = enc.bp_loss_grads(p, X, X, loss)
    eps = 1e-5
    for k in p:
        num = np.zeros_like(p[k])
        for idx in np.ndindex(p[k].shape):
            old = p[k][idx]
            p[k][idx] = old + eps
            lp = enc.bp_loss_grads(p, X, X, loss)[0][idx[0]]
            p[k][idx] = old - eps
            lm = enc.bp_loss_grads(p, X, X, loss)[0][idx[0]]
            p[k][idx] = old
            num[idx] = (lp - lm) / (2 * eps)
        rel = np.abs(g[k] - num) / np.maximum(1e-8, np.abs(g[k]) + np.abs(num))
        assert rel.max() < 1e-6, (loss, k, rel.max())


# ----------------------------------------------------------------------------- Boltzmann sampler

def tiny_net(seed=1):
    rng = np.random.default_rng(seed)
    n, h = 2, 1                                   # V1 = 2, V2 = 2, H = 1 -> 5 units
    M = enc.bm_mask(n, h, intra=1)
    A = rng.normal(0, 3, M.shape)
    W = (np.triu(A, 1) + np.triu(A, 1).T) * M
    b = rng.normal(0, 2, M.shape[0])
    return W, b


def test_mask_joins_v1_and_v2_only_through_hidden():
    M = enc.bm_mask(8, 3, intra=1)
    assert (M == M.T).all() and (np.diag(M) == 0).all()
    assert M[:8, 8:16].sum() == 0                 # no V1-V2 edge
    assert M[:16, 16:].all()                      # every visible unit sees every hidden unit
    M0 = enc.bm_mask(8, 3, intra=0)
    assert M0[:8, :8].sum() == 0 and M0[16:, 16:].sum() == 0


def test_conditional_equals_logistic_of_energy_gap_by_enumeration():
    W, b = tiny_net()
    N, T = len(b), 7.0
    states = np.array(list(itertools.product([0.0, 1.0], repeat=N)))    # all 32 states
    E = enc.bm_energy(W, b, states)
    P = np.exp(-E / T)
    P /= P.sum()
    key = {tuple(s): i for i, s in enumerate(states)}
    for i in range(N):
        for s in states:
            on, off = s.copy(), s.copy()
            on[i], off[i] = 1.0, 0.0
            exact = P[key[tuple(on)]] / (P[key[tuple(on)]] + P[key[tuple(off)]])
            # the sampler's formula, called the way the Gibbs sweep calls it
            got = enc.bm_on_prob(W[None], b[None], s[None, None, :], np.array([i]), T)[0, 0]
            assert abs(got - exact) < 1e-12


def test_gibbs_sweeps_sample_the_boltzmann_distribution():
    W, b = tiny_net(2)
    N, T, C = len(b), 5.0, 50000
    rng = np.random.default_rng(0)
    states = np.array(list(itertools.product([0.0, 1.0], repeat=N)))
    P = np.exp(-enc.bm_energy(W, b, states) / T)
    P /= P.sum()
    state = (rng.random((1, C, N)) < 0.5).astype(float)
    free = np.ones((C, N), bool)
    for _ in range(30):
        order = rng.random((1, N)).argsort(-1)
        enc.gibbs_sweep(W[None], b[None], state, order, rng.random((1, N, C)), free, T)
    idx = (state[0] * (2 ** np.arange(N)[::-1])).sum(-1).astype(int)
    freq = np.bincount(idx, minlength=2 ** N) / C
    assert 0.5 * np.abs(freq - P).sum() < 0.015    # total variation (noise ~0.008)


def test_exact_evaluation_matches_enumeration():
    rng = np.random.default_rng(4)
    n, h, T = 2, 1, 3.0
    M = enc.bm_mask(n, h, 1)
    A = rng.normal(0, 3, M.shape)
    W = (np.triu(A, 1) + np.triu(A, 1).T) * M
    b = rng.normal(0, 2, len(M))
    marg, acc = enc.bm_eval(W[None], b[None], n, h, T)
    states = np.array(list(itertools.product([0.0, 1.0], repeat=len(M))))
    P = np.exp(-enc.bm_energy(W, b, states) / T)
    for p in range(n):
        v1 = np.eye(n)[p]
        sel = (states[:, :n] == v1).all(-1) & (states[:, n:2 * n] == v1).all(-1)
        ph = (P[sel, None] * states[sel, 2 * n:]).sum(0) / P[sel].sum()
        assert np.allclose(marg[0, p], ph)
    rec = []
    for p in range(n):
        sel = (states[:, :n] == np.eye(n)[p]).all(-1)
        mv2 = (P[sel, None] * states[sel, n:2 * n]).sum(0) / P[sel].sum()
        rec.append(mv2.argmax() == p)
    assert acc[0] == np.mean(rec)


# ----------------------------------------------------------------------------- protocol

def test_backprop_single_run_invariants():
    cfg = cfg_of(["--epochs", "3000"])
    res = enc.run([0, 1, 2, 3], cfg)
    for s in range(4):
        m = enc.per_seed_metrics(res, s, cfg)
        if m["solved"]:
            assert m["n_distinct_codes"] == 8 and m["reconstruction_accuracy"] == 1.0
            assert m["colliding_pairs"] == [] and m["epochs_to_solve"] <= 3000
            assert len({tuple(r) for r in m["code_table"]}) == 8
        else:
            assert m["epochs_to_solve"] is None and m["total_epochs"] == 3000
            assert len(m["colliding_pairs"]) >= 1
        H = np.array(m["hidden_activations"])
        assert ((H > 0.5).astype(int) == np.array(m["code_table"])).all()


def test_restarts_obey_the_plateau_rule():
    cfg = cfg_of(["--epochs", "2500", "--restarts", "3", "--plateau", "300"])
    res = enc.run(range(12), cfg)
    single = enc.run(range(12), cfg_of(["--epochs", "2500"]))
    assert (res["attempts"] <= 4).all() and (res["attempts"] > 1).any()
    for s in range(12):
        r = res["restarts_at"][s]
        assert len(r) == res["attempts"][s] - 1
        assert all(b - a >= 300 for a, b in zip([0] + r, r))   # a plateau lasts >= P epochs
        if res["attempts"][s] == 1:                              # first attempt = the plain run
            assert res["epochs_to_solve"][s] == single["epochs_to_solve"][s]
    assert (res["epochs_to_solve"][res["solved"]] == res["total_epochs"][res["solved"]]).all()


def test_determinism_and_sweep_equals_single_runs_backprop():
    cfg = cfg_of(["--epochs", "1500", "--restarts", "1", "--plateau", "300"])
    seeds = [0, 1, 2, 3]
    a = enc.run(seeds, cfg)
    b = enc.run(seeds, cfg)
    for k in ("W1", "W2", "b1", "b2"):
        assert np.array_equal(a["params"][k], b["params"][k])
    for i, s in enumerate(seeds):
        one = enc.run([s], cfg)
        for k in ("W1", "W2", "b1", "b2"):
            assert np.array_equal(one["params"][k][0], a["params"][k][i])
        for k in ("epochs_to_solve", "attempts", "total_epochs", "codes"):
            assert np.array_equal(one[k][0], a[k][i])


def test_sweep_equals_single_runs_boltzmann():
    cfg = cfg_of(["--algo", "boltzmann", "--n", "4", "--bm-cycles", "25"])
    seeds = [0, 1, 2]
    a = enc.run(seeds, cfg)
    for i, s in enumerate(seeds):
        one = enc.run([s], cfg)
        assert np.array_equal(one["params"]["W"][0], a["params"]["W"][i])
        assert np.array_equal(one["params"]["b"][0], a["params"]["b"][i])
        assert one["epochs_to_solve"][0] == a["epochs_to_solve"][i]
    W = a["params"]["W"]
    M = enc.bm_mask(4, 2, 1)
    assert (W == W.transpose(0, 2, 1)).all() and (W[:, M == 0] == 0).all()
    assert set(np.unique(W)) <= set(2.0 * np.arange(-25, 26))   # sign steps of size 2


def test_uniformity_test_detects_structure_and_accepts_uniform():
    rng = np.random.default_rng(0)
    concentrated = [[[0, 1]]] * 20 + [[[2, 3]]] * 10
    u = enc.uniformity_test(concentrated, 8, 2000, rng)
    assert u["p_monte_carlo"] < 0.001 and u["counts"][0] == 20
    pairs = [[list(c)] for c in itertools.combinations(range(8), 2)]
    u = enc.uniformity_test(pairs, 8, 2000, rng)
    assert u["chi2"] == 0.0 and u["p_monte_carlo"] == 1.0
    lo, hi = enc.wilson(65, 100)
    assert 0.54 < lo < 0.56 and 0.73 < hi < 0.75


# ----------------------------------------------------------------------------- CLI

def cli(*args, **kw):
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True,
                          timeout=120, **kw)


@pytest.mark.parametrize("bad", [["--seed", "-1"], ["--sweep", "0"], ["--n", "6"]])
def test_bad_cli_values_exit_2(bad):
    proc = cli(*bad)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert bad[0] in proc.stderr


@pytest.mark.parametrize("bad", [["--hidden", "0"], ["--algo", "hopfield"], ["--loss", "mae"],
                                 ["--lr", "nan"], ["--momentum", "1"], ["--bm-schedule", "20:0"],
                                 ["--bm-noise-on", "-0.1"], ["--epochs", "x"],
                                 ["--algo", "boltzmann", "--n", "16"],
                                 ["--algo", "boltzmann", "--restarts", "2"]])
def test_bad_cli_values_exit_2_in_process(bad, capsys):
    with pytest.raises(SystemExit) as e:
        enc.parse_args(bad)
    assert e.value.code == 2
    assert bad[-2] in capsys.readouterr().err


def test_divergence_and_unwritable_json_are_clean_errors(tmp_path):
    proc = cli("--lr", "1e308", "--epochs", "50")
    assert proc.returncode == 1 and "error:" in proc.stderr and "Traceback" not in proc.stderr
    proc = cli("--epochs", "10", "--json", str(tmp_path / "no" / "x.json"))
    assert proc.returncode == 2 and "--json" in proc.stderr and "Traceback" not in proc.stderr


def test_json_has_the_required_keys(tmp_path):
    path = tmp_path / "o.json"
    enc.main(["--sweep", "3", "--epochs", "500", "--quiet", "--json", str(path), "--mc-reps", "100"])
    d = json.loads(path.read_text())
    assert {"experiment", "seeds", "config", "metrics", "versions", "wallclock_s",
            "per_seed", "summary"} <= set(d)
    need = {"algo", "solved", "epochs_to_solve", "n_distinct_codes", "code_table",
            "hidden_activations", "reconstruction_accuracy", "attempts", "colliding_pairs"}
    assert all(need <= set(r) for r in d["per_seed"])
    assert need <= set(d["metrics"]) and len(d["metrics"]["code_table"]) == 3
    assert d["metrics"]["solved"]["count"] == sum(r["solved"] for r in d["per_seed"])
    path2 = tmp_path / "s.json"
    enc.main(["--epochs", "500", "--quiet", "--json", str(path2)])
    d2 = json.loads(path2.read_text())
    assert need <= set(d2["metrics"]) and d2["seed"] == 0
    enc.main(["--epochs", "500", "--quiet", "--json", str(path)])
    d3 = json.loads(path.read_text())
    d2.pop("wallclock_s"), d3.pop("wallclock_s")
    assert d2 == d3


# ----------------------------------------------------------------------------- README

def readme_blocks():
    text = open(os.path.join(HERE, "README.md")).read()
    return text


def strip_wall(lines):
    return [re.sub(r",? ?wall-clock [0-9.]+ s$", "", ln).rstrip() for ln in lines
            if not ln.strip().startswith("wall-clock")]


def test_readme_numbers_match_a_fresh_run():
    readme = readme_blocks()
    # the headline: backprop CE, 100 seeds, one attempt each
    cfg = cfg_of(["--sweep", "100"])
    res = enc.run(range(100), cfg)
    per = [dict(enc.per_seed_metrics(res, i, cfg), seed=i) for i in range(100)]
    summ = enc.summarize(per, cfg)
    for line in strip_wall(enc.summary_lines(summ, cfg, 0.0)):
        assert line in readme, line
    # backprop seed 0 and Boltzmann 4-2-4 seed 0
    for argv in (["--seed", "0"], ["--seed", "2"], ["--algo", "boltzmann", "--n", "4", "--seed", "0"]):
        cfg = cfg_of(argv)
        seed = int(argv[-1])
        r = enc.run([seed], cfg)
        m = dict(enc.per_seed_metrics(r, 0, cfg), seed=seed)
        for line in strip_wall(enc.single_lines(m, cfg, 0.0)):
            assert line in readme, line


def test_readme_tables_match_the_committed_sweep_results():
    readme = readme_blocks()
    for block in enc.tables(os.path.join(HERE, "results")).split("\n\n"):
        assert block.strip() in readme
    d = json.load(open(os.path.join(HERE, "results", "bp_ce_n8.json")))
    assert d["summary"]["solved"]["count"] == sum(r["solved"] for r in d["per_seed"])


def results_lines():
    """The summary lines the script printed for every committed sweep JSON, rebuilt from it."""
    out = {}
    for f in sorted(os.listdir(os.path.join(HERE, "results"))):
        d = json.load(open(os.path.join(HERE, "results", f)))
        out[f] = (d, enc.summary_lines(d["summary"], d["config"], d["wallclock_s"]))
    return out


def test_readme_summary_blocks_match_the_committed_sweep_results():
    readme = readme_blocks()
    found = results_lines()
    blocks = [b for lang, b in re.findall(r"^```(\w*)\n(.*?)^```", readme, re.S | re.M)
              if not lang]
    segments = []
    for block in blocks:
        seg = None
        for line in block.rstrip("\n").split("\n"):
            if line.startswith("# "):
                seg = {"flag": line[2:].split(), "lines": []}
                segments.append(seg)
            elif "strict solve" in line:
                if seg is None or seg["lines"]:
                    seg = {"flag": None, "lines": []}
                    segments.append(seg)
                seg["lines"].append(line)
            elif seg is not None:
                seg["lines"].append(line)
    assert len(segments) >= 13
    for seg in segments:
        match = [f for f, (d, lines) in found.items() if all(x in lines for x in seg["lines"])]
        if seg["flag"]:                       # "# --bm-intra 0": the JSON must have that value
            key, val = seg["flag"][0][2:].replace("-", "_"), seg["flag"][1]
            match = [f for f in match if str(found[f][0]["config"][key]) == val
                     or found[f][0]["config"][key] == pytest.approx(float(val)
                                                                    if val[0].isdigit() else val)]
        assert match, seg


def test_readme_boltzmann_8_3_8_seed_0_line_matches_the_sweep_row():
    # a single Boltzmann 8-3-8 run takes ~20 s; row 0 of the sweep equals it (sweep = single runs)
    d = json.load(open(os.path.join(HERE, "results", "bm_n8.json")))
    line = strip_wall(enc.single_lines(d["per_seed"][0], d["config"], 0.0))[0]
    assert line.startswith("Boltzmann 8-3-8 seed 0:") and line in readme_blocks()


def test_readme_prose_numbers_match_the_committed_sweep_results():
    text = " ".join(readme_blocks().split())
    r = {f: d for f, (d, _) in results_lines().items()}
    ce = r["bp_ce_n8.json"]["summary"]
    nz = sum(c > 0 for c in ce["colliding_pair_uniformity"]["counts"])
    assert (f"the {ce['colliding_pair_uniformity']['n_pairs_counted']} colliding pairs of the "
            f"{100 - ce['solved']['count']} unsolved seeds fall on {nz} of the 28 pairs") in text
    c16 = r["bp_ce_n16.json"]["summary"]
    assert f"in {c16['constant_hidden_units']['1']} of 100 seeds one hidden unit is constant" in text
    assert f"({c16['n_distinct_codes_unsolved']['8']} seeds end at exactly 8)" in text
    c32 = r["bp_ce_n32.json"]["summary"]
    assert (f"all 5 units constant in {c32['constant_hidden_units']['5']} seeds, 4 in the other "
            f"{c32['constant_hidden_units']['4']}") in text
    assert f"mean reconstruction {c32['reconstruction_accuracy']['mean']:.2f}" in text
    for f, lo_hi in (("bp_sse_n16.json", "13-15 of 16 codes"), ("bp_sse_n32.json", "23-29 of 32")):
        nd = [p["n_distinct_codes"] for p in r[f]["per_seed"] if not p["solved"]]
        assert f"{min(nd)}-{max(nd)}" == lo_hi.split()[0] and lo_hi in text
    # "every CE seed reconstructs all 16 patterns"; SSE at 16 and 32 and CE 32 at lr 0.05:
    # every seed reconstructs everything with no dead (constant) hidden unit
    assert r["bp_ce_n16.json"]["summary"]["reconstruction_accuracy"]["min"] == 1.0
    for f in ("bp_sse_n16.json", "bp_sse_n32.json", "bp_ce_n32_lr005.json"):
        s = r[f]["summary"]
        assert s["reconstruction_accuracy"]["min"] == 1.0 and set(s["constant_hidden_units"]) == {"0"}
    for f in ("bp_ce_n8.json", "bp_sse_n8.json"):              # "perfect in every seed (100/100)"
        assert r[f]["summary"]["reconstruction_accuracy"]["min"] == 1.0
    bm = r["bm_n8.json"]["summary"]
    un = 100 - bm["solved"]["count"]
    assert (f"{bm['n_distinct_codes_unsolved']['5']} of the {un} unsolved seeds are down to 5 "
            f"distinct codes (mean reconstruction over all 100 seeds "
            f"{bm['reconstruction_accuracy']['mean']:.2f})") in text
    dec = r["bm_n8_decay.json"]["summary"]
    assert (f"{dec['n_distinct_codes_unsolved']['7']} of the {20 - dec['solved']['count']} "
            "unsolved runs end at 7 codes") in text
    for f in ("bm_n8_intra0.json", "bm_n8_decay.json"):
        hs = r[f]["summary"]["shared_to_empty_corner"]
        assert f"{hs['observed_by_distance'][2]} of {hs['runs']}" in text
