"""Tests for grapheme_sememe: the backprop gradient, the Boltzmann sampler and phases against
exact enumeration, the protocol's invariants, the recovery metrics on constructed cases, this
folder's own flags, and the README's numbers against fresh runs and the committed results.

The command-line contract every script shares (bad values, paths, JSON, Ctrl-C, progress,
divergence) is checked once in tests/test_repository.py."""
import contextlib
import io
import itertools
import json
import os
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import grapheme_sememe as gs  # noqa: E402
import studies_grapheme_sememe as studies  # noqa: E402


def config(*flags, **over):
    return studies.config(*flags, **over)


def readme():
    with open(os.path.join(HERE, "README.md"), encoding="utf-8") as f:
        return f.read()


def results(name):
    with open(os.path.join(HERE, "results", name), encoding="utf-8") as f:
        return json.load(f)


def printed(fn, *args):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        fn(*args)
    return out.getvalue().splitlines()


# ---- backprop: central-difference gradient check of every parameter array ------------------
@pytest.mark.parametrize("wd", [0.0, 0.01])
def test_gradient_check(wd):
    rng = np.random.default_rng(1)
    S, P, H = 2, 4, 5
    p = {"W1": rng.normal(0, .5, (S, gs.N_IN, H)), "b1": rng.normal(0, .5, (S, H)),
         "W2": rng.normal(0, .5, (S, H, gs.N_OUT)), "b2": rng.normal(0, .5, (S, gs.N_OUT))}
    X = (rng.random((S, P, gs.N_IN)) < 0.3).astype(float)
    T = (rng.random((S, P, gs.N_OUT)) < 0.3).astype(float)
    _, grads = gs.bp_loss_and_grads(p, X, T, wd)
    # the loss is evaluated in extended precision so that round-off in the ~20-nat loss does
    # not swamp the smallest gradient entries
    q = {k: v.astype(np.longdouble) for k, v in p.items()}
    Xq, Tq, h = X.astype(np.longdouble), T.astype(np.longdouble), 1e-5
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


# ---- Boltzmann machine: conditionals, sampler and phases against exact enumeration ----------
def tiny_bm(intra, seed=3, n_g=3, H=2, n_m=3):
    rng = np.random.default_rng(seed)
    p = {"W1": rng.normal(0, 1.5, (1, n_g, H)), "b1": rng.normal(0, 1, (1, H)),
         "W2": rng.normal(0, 1.5, (1, H, n_m)), "b2": rng.normal(0, 1, (1, n_m))}
    if intra:
        L = np.triu(rng.normal(0, 1.5, (n_m, n_m)), 1)
        p["L"] = (L + L.T)[None]
    return p


def energy(p, g, h, m):
    e = -(g @ p["W1"][0] @ h + h @ p["W2"][0] @ m + p["b1"][0] @ h + p["b2"][0] @ m)
    return e - (0.5 * m @ p["L"][0] @ m if "L" in p else 0.0)


def exact(p, g, temp):
    """Every (h, m) state with its Boltzmann probability given clamped g."""
    H, n_m = p["W2"].shape[1:]
    states = np.array(list(itertools.product([0, 1], repeat=H + n_m)), dtype=float)
    w = np.exp(-np.array([energy(p, g, s[:H], s[H:]) for s in states]) / temp)
    return states, w / w.sum()


@pytest.mark.parametrize("intra", [False, True])
def test_bm_conditionals_match_energy_differences(intra):
    p, g, temp = tiny_bm(intra), np.array([1.0, 0.0, 1.0]), 1.3
    H = 2
    for s in itertools.product([0, 1], repeat=5):
        s = np.array(s, dtype=float)
        h, m = s[:H], s[H:]
        ph = gs.bm_hidden_prob(p, (g @ p["W1"][0] + p["b1"][0])[None, None], m[None, None],
                               temp)[0, 0]
        for j in range(H):
            on, off = h.copy(), h.copy()
            on[j], off[j] = 1, 0
            d = energy(p, g, on, m) - energy(p, g, off, m)
            assert abs(ph[j] - 1 / (1 + np.exp(d / temp))) < 1e-12
        # the sememe sweep: with U = 1 nothing turns on, so unit k is sampled with every
        # earlier unit off and every later one as in m (sequential) or independently (block)
        _, pm = gs.bm_sample_sememes(p, h[None, None], m[None, None], temp,
                                     np.ones((1, 1, 3)))
        for k in range(3):
            ctx = m.copy()
            ctx[:k] = 0 if intra else ctx[:k]
            on, off = ctx.copy(), ctx.copy()
            on[k], off[k] = 1, 0
            d = energy(p, g, h, on) - energy(p, g, h, off)
            assert abs(pm[0, 0, k] - 1 / (1 + np.exp(d / temp))) < 1e-12


@pytest.mark.parametrize("intra", [False, True])
def test_bm_free_phase_samples_the_boltzmann_distribution(intra):
    """Free-phase statistics of the Gibbs sampler match exact expectations (4000 chains)."""
    p, g, temp, H, P = tiny_bm(intra), np.array([0.0, 1.0, 1.0]), 1.0, 2, 4000
    states, prob = exact(p, g, temp)
    U = np.random.default_rng(0).random((3 + 20 + 1, 1, P, 5), dtype=np.float32)
    neg = gs.bm_free_phase(p, np.tile(g, (1, P, 1)), [2.0, 1.5, 1.0], 20, U)
    assert np.abs(neg["hm"][0] - np.einsum("s,si,sj->ij", prob, states[:, :H],
                                           states[:, H:])).max() < 0.02
    assert np.abs(neg["m"][0] - prob @ states[:, H:]).max() < 0.02
    assert np.abs(neg["h"][0] - prob @ states[:, :H]).max() < 0.02
    if intra:
        assert np.abs(neg["mm"][0] - np.einsum("s,si,sj->ij", prob, states[:, H:],
                                               states[:, H:])).max() < 0.02


def test_bm_gradient_is_negative_minus_clamped_phase(monkeypatch):
    """Positive phase: graphemes AND sememes clamped, hidden expectations exact; negative
    phase: graphemes clamped, sememes free; the update is (1/T)(<.>- - <.>+)."""
    cfg = config("--algo", "boltzmann")
    state = gs.setup([0], cfg)
    p, X, T = state["params"], state["X"][:, :5], state["T"][:, :5]
    p = {k: v + 0.3 for k, v in p.items()}
    calls = []
    real = gs.bm_free_phase

    def spy(p_, G, temps, n_stat, U):
        out = real(p_, G, temps, n_stat, U)
        calls.append((G.copy(), out))
        return out
    monkeypatch.setattr(gs, "bm_free_phase", spy)
    grads, Y = gs.bm_grads(p, X, T, cfg, [np.random.default_rng(1)])
    (G, neg), = calls
    assert np.array_equal(G, X) and np.array_equal(Y, neg["m_mean"])
    h = gs.sigmoid((X @ p["W1"] + p["b1"][:, None] + T @ p["W2"].transpose(0, 2, 1)) / 1.0)
    assert np.allclose(grads["W2"], neg["hm"] - np.einsum("spi,spj->sij", h, T) / 5)
    assert np.allclose(grads["b2"], neg["m"] - T.mean(1))
    assert np.allclose(grads["W1"], neg["gh"] - np.einsum("spi,spj->sij", X, h) / 5)


# ---- protocol invariants ---------------------------------------------------------------------
SMALL = dict(train_cycles=60, relearn_cycles=6)


@pytest.mark.parametrize("algo", ["backprop", "boltzmann"])
def test_heldout_words_are_never_relearned(monkeypatch, algo):
    cfg = config("--algo", algo, **SMALL)
    state = gs.train(gs.setup([0, 1], cfg), cfg)
    seen = []
    real = gs.gradients
    monkeypatch.setattr(gs, "gradients", lambda p, X, T, c, r: seen.append((X, T)) or
                        real(p, X, T, c, r))
    gs.damage_and_relearn(state, cfg)
    assert len(seen) == cfg["relearn_cycles"]
    for X, T in seen:
        assert X.shape[1] == gs.N_WORDS - gs.N_HELDOUT
        for s in range(2):
            assert np.array_equal(X[s], state["X"][s, state["trained"][s]])
            assert np.array_equal(T[s], state["T"][s, state["trained"][s]])
            held = state["X"][s, state["held"][s]]
            assert not (X[s][:, None] == held[None]).all(-1).any()


@pytest.mark.parametrize("algo", ["backprop", "boltzmann"])
def test_permanent_zeroing_stays_zero_and_biases_are_intact(algo):
    cfg = config("--algo", algo, "--damage", "zero", "--permanent", **SMALL)
    state, res = gs.run_batch([0, 1], cfg)
    for k in ("W1", "W2"):
        zeroed = state["cut"][k] < cfg["fraction"]
        assert 0.4 < zeroed.mean() < 0.6
        assert np.all(res["p_dam"][k][zeroed] == 0) and np.all(res["p_rel"][k][zeroed] == 0)
        assert np.any(res["p_rel"][k][~zeroed] != res["p_dam"][k][~zeroed])
    for k in ("b1", "b2"):
        assert np.array_equal(res["p_dam"][k], state["trained_params"][k])
    res2 = gs.damage_and_relearn(state, dict(cfg, permanent=False), fork=True)
    assert np.any(res2["p_rel"]["W2"][state["cut"]["W2"] < 0.5] != 0)        # regrowth


def test_damage_models():
    cfg = config("--noise-scale", "0.7", **SMALL)
    state = gs.train(gs.setup([0], cfg), cfg)
    W = state["trained_params"]["W2"]
    noisy = gs.apply_damage(state["trained_params"], state["noise"], state["cut"], cfg)[0]
    ratio = np.sqrt(((noisy["W2"] - W) ** 2).mean() / (W ** 2).mean())
    assert 0.6 < ratio < 0.8                                  # uniform noise, 0.7 x RMS
    shrunk = gs.apply_damage(state["trained_params"], state["noise"], state["cut"],
                             dict(cfg, damage="shrink", shrink=0.3))[0]
    assert np.allclose(shrunk["W2"], 0.7 * W) and np.array_equal(shrunk["b2"],
                                                                  state["trained_params"]["b2"])


def test_data_invariants():
    d = gs.make_seed(np.random.default_rng(5), config())
    assert len(set(d["words"])) == gs.N_WORDS and np.all(d["X"].sum(1) == gs.N_POS)
    for w, x in zip(d["words"], d["X"]):                     # one-hot per letter position
        assert all(x[q * gs.N_LETTERS + gs.ALPHABET.index(c)] == 1 for q, c in enumerate(w))
    assert len({r.tobytes() for r in d["T"]}) == gs.N_WORDS and d["T"].sum(1).min() > 0
    assert len(set(d["held"])) == 2
    T = studies.prototype_meanings(5)
    assert len({r.tobytes() for r in T}) == gs.N_WORDS


@pytest.mark.parametrize("algo", ["backprop", "boltzmann"])
def test_a_batch_gives_each_seed_what_it_gives_alone(algo):
    cfg = config("--algo", algo, "--damage", "zero", **SMALL)
    state, res = gs.run_batch([0, 1, 2], cfg)
    for s in range(3):
        alone = gs.run_batch([s], cfg)
        assert gs.seed_metrics(state, res, s, cfg) == gs.seed_metrics(*alone, 0, cfg)


def test_committed_boltzmann_sweep_reached_criterion_on_every_seed():
    """The issue's target: 100 of 100 seeds reach criterion, and fresh evaluation after it
    identifies (nearly) every word."""
    d = results("boltzmann_sweep100.json")
    assert len(d["per_seed"]) == 100 and all(m["converged"] for m in d["per_seed"])
    assert d["summary"]["trained_word_id_post_train"]["mean"] >= 0.99
    assert d["summary"]["heldout_word_id_post_train"]["mean"] >= 0.99


# ---- the metrics on constructed cases --------------------------------------------------------
def constructed(kind):
    """Outputs of a constructed model for one seed: the held-out words (0, 1) after damage
    have half their bits wrong; after relearning they are repaired ('good'), unchanged ('none'),
    entirely wrong ('worse'), or become another word's meaning ('confused')."""
    rng = np.random.default_rng(0)
    T = (rng.random((1, 20, 30)) < 0.5).astype(float)
    held, trained = np.array([[0, 1]]), np.array([list(range(2, 20))])
    dam = T.copy()
    dam[0, :2, :15] = 1 - T[0, :2, :15]                       # 15 of 30 bits wrong
    rel = {"good": T.copy(), "none": dam.copy(), "worse": 1 - T, "confused": dam.copy()}[kind]
    if kind == "confused":
        rel[0, 0], rel[0, 1] = T[0, 5], T[0, 6]
    return T, held, trained, dam, rel


def test_scores_and_shares_rank_constructed_models_correctly():
    shares, words = {}, {}
    for kind in ("good", "none", "worse", "confused"):
        T, held, trained, dam, rel = constructed(kind)
        sc = [gs.scores(Y, T, held, trained) for Y in (T, dam, rel)]
        assert sc[0]["heldout_bit_acc"][0] == 1 and sc[0]["heldout_word_id"][0] == 1
        assert sc[1]["heldout_bit_acc"][0] == 0.5
        regained = 100 * (sc[2]["heldout_bit_acc"] - sc[1]["heldout_bit_acc"])
        lost = 100 * (sc[0]["heldout_bit_acc"] - sc[1]["heldout_bit_acc"])
        shares[kind] = gs.pooled_share(regained, lost, gs.MIN_LOST[0])["value"]
        words[kind] = sc[2]["heldout_word_id"][0]
    assert shares["good"] == 1.0 and shares["none"] == 0.0 and shares["worse"] == -1.0
    assert words["good"] == 1.0 and words["none"] == 0.5 or words["none"] < 1
    assert words["confused"] == 0.0                 # each output is exactly another meaning


def test_pooled_share_is_a_ratio_of_means_with_an_interval():
    sh = gs.pooled_share([1, 2, 3, 6], [2, 4, 6, 8], 1.0)
    assert sh["value"] == pytest.approx(12 / 20)
    assert sh["ci95"][0] < 0.6 < sh["ci95"][1]
    assert gs.pooled_share([1, 2], [0, 0], 0)["value"] is None       # nothing lost: no share
    assert gs.pooled_share([1, 2], [0.5, 0.5], 1.0)["value"] is None  # too little lost
    # one seed that lost little and regained a lot cannot dominate (unlike a mean of ratios)
    assert gs.pooled_share([5, 0, 0, 0], [1, 10, 10, 10], 1.0)["value"] < 0.2


# ---- this folder's own flags -----------------------------------------------------------------
@pytest.mark.parametrize("argv,flags", [
    (["--fraction", "0.3"], ["--fraction", "--damage"]),
    (["--damage", "zero", "--noise-scale", "1"], ["--noise-scale", "--damage"]),
    (["--damage", "noise", "--permanent"], ["--permanent", "--damage"]),
    (["--damage", "zero", "--shrink", "0.2"], ["--shrink", "--damage"]),
    (["--bm-intra"], ["--bm-intra", "--algo"]),
    (["--bm-step", "fixed"], ["--bm-step", "--algo"]),
    (["--bm-schedule", "2@1"], ["--bm-schedule", "--algo"]),
    (["--fraction", "1.5", "--damage", "zero"], ["--fraction"]),
    (["--noise-scale", "-1"], ["--noise-scale"]), (["--relearn-cycles", "0"], ["--relearn-cycles"]),
    (["--algo", "boltzmann", "--bm-schedule", "2@-1"], ["--bm-schedule"]),
    (["--algo", "boltzmann", "--bm-schedule", "x"], ["--bm-schedule"]),
    (["--lr", "0"], ["--lr"]), (["--damage", "burn"], ["--damage"])])
def test_own_flags_refuse_bad_and_ignored_values(argv, flags, capsys):
    with pytest.raises(SystemExit) as e:
        gs.parse_config(argv)
    assert e.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert all(f in last for f in flags), last


def test_each_learner_gets_its_own_defaults():
    bp, bm = config(), config("--algo", "boltzmann")
    assert (bp["lr"], bp["noise_scale"]) == (gs.BACKPROP["lr"], gs.BACKPROP["noise_scale"])
    assert bm["bm_temps"][-1] == 1.0 and bm["noise_scale"] == gs.BOLTZMANN["noise_scale"]
    assert config("--algo", "boltzmann", "--bm-step", "fixed")["lr"] == gs.FIXED_STEP_LR


def test_divergence_is_detected():
    p, vel = {"W1": np.ones((1, 2, 2))}, {"W1": np.zeros((1, 2, 2))}
    with pytest.raises(gs.Diverged):
        gs.step(p, vel, {"W1": np.full((1, 2, 2), -1.0)}, 1e300, 0.0, config())


# ---- README numbers ----------------------------------------------------------------------------
# Backprop runs are deterministic gradient descent: a different BLAS kernel changes the weights
# in their last bits only, and a printed number would change only if an output sat within
# ~1e-15 of the 0.5 threshold or of the stopping criterion. Those lines are compared exactly
# (kind a in the top-level README's terms). The Boltzmann machine compares float32 uniforms
# with float64 probabilities; a last-bit difference flips a sample only if a uniform falls
# within ~1e-16 of a probability, and then the seed's whole trajectory changes (kind b).

def headline_of(argv):
    """The headline line of a fresh run: the line before the wall-clock."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert gs.main(argv) == 0
    return out.getvalue().strip().splitlines()[-2]


@pytest.mark.slow
def test_readme_backprop_headlines_match_a_fresh_run():
    text = readme()
    for argv in (["--seed", "0"], ["--sweep", "100"]):
        line = headline_of(argv)
        assert line in text, f"README lacks the fresh line:\n{line}"


def test_readme_sweep_lines_are_the_committed_results():
    """Every README headline line of a 100-seed sweep is the one the committed JSON prints
    (exact: formatting of stored numbers)."""
    text = readme()
    for name in ("backprop_sweep100.json", "boltzmann_sweep100.json"):
        d = results(name)
        line = gs.headline(d["summary"], d["seeds"])
        assert line in text, f"README lacks {name}'s line:\n{line}"


SHORT = ["--sweep", "8", "--algo", "boltzmann", "--train-cycles", "30", "--relearn-cycles", "10"]


def test_boltzmann_first_cycles_are_the_committed_ones(tmp_path):
    """Kind a: 30 training and 10 relearning cycles of 8 seeds, exactly as committed in
    results/boltzmann_30cycles.json (written by the main script with these flags). Over so
    few cycles the sampling paths agree across BLAS kernels (checked with Sandybridge vs
    SkylakeX); any change to the learner, the sampler or the random streams breaks it."""
    out = tmp_path / "short.json"
    with contextlib.redirect_stdout(io.StringIO()):
        assert gs.main(SHORT + ["--quiet", "--json", str(out)]) == 0
    fresh, committed = json.loads(out.read_text()), results("boltzmann_30cycles.json")
    assert fresh["per_seed"] == committed["per_seed"]


@pytest.mark.slow
def test_boltzmann_sweep_agrees_with_the_readme_on_fresh_seeds():
    """Kind b: the Boltzmann machine's sampling paths diverge between BLAS kernels after about
    100 cycles, so a seed's numbers are not portable, only their distribution. Seeds 0-11 are
    run afresh and their means compared with the same seeds of the committed 100-seed sweep
    behind the README line, within 3 standard errors of a 12-seed mean (times sqrt 2 for two
    independent means) from the committed per-seed spread; on the reference platform they are
    identical. Every seed must reach criterion (the issue's target; at most 1 of 12 may not on
    another kernel)."""
    d = results("boltzmann_sweep100.json")
    cfg = config("--algo", "boltzmann")
    state, res = gs.run_batch(list(range(12)), cfg)
    fresh = [gs.seed_metrics(state, res, s, cfg) for s in range(12)]
    assert sum(not m["converged"] for m in fresh) <= 1
    for key in ("heldout_bit_acc_post_damage", "heldout_bit_acc_post_relearn",
                "heldout_word_id_post_relearn", "recovery_pp"):
        old = np.array([m[key] for m in d["per_seed"]])
        tol = 3 * np.sqrt(2) * old.std(ddof=1) / np.sqrt(12)
        assert abs(np.mean([m[key] for m in fresh]) - old[:12].mean()) < tol, key


def test_readme_boltzmann_seed0_line_is_the_committed_seed0():
    """The README's Boltzmann seed-0 line is seed 0 of the committed sweep (a single run and
    the batched sweep give a seed the same numbers: test_a_batch_gives_each_seed_...)."""
    m = results("boltzmann_sweep100.json")["per_seed"][0]
    assert gs.headline(m, [0]) in readme()


def test_readme_study_blocks_are_the_committed_results():
    """The printed blocks of the studies in the README are what the committed JSON prints."""
    text = readme()
    for name in ("conditions", "dose", "boltzmann", "public", "fresh"):
        d = results(f"{name}.json")
        for line in printed(getattr(studies, f"print_{name}"), d, len(d["seeds"])):
            assert line in text, f"README lacks a {name} line:\n{line}"


@pytest.mark.slow
def test_a_dose_row_matches_a_fresh_computation():
    """The backprop rows of the dose study at the headline noise and at shrink 0.5, fresh
    (backprop: exact, see above)."""
    d = results("dose.json")
    base = config(relearn_cycles=max(studies.LENGTHS))
    state = gs.train(gs.setup(list(range(100)), base), base)
    for damage, key, size in (("noise", "noise_scale", 1.0), ("shrink", "shrink", 0.5)):
        row = studies.evaluate(state, dict(base, damage=damage, **{key: size}),
                               lambda t: None, studies.LENGTHS)
        committed = [r for r in d["rows"] if r["algo"] == "backprop" and r["damage"] == damage
                     and r["size"] == size][0]
        assert [c["value"] for c in row["curve"]["share"]] == \
            [c["value"] for c in committed["curve"]["share"]]
