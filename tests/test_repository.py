"""Repository-level checks: README commands, pinned requirements, the folder
contract, folder independence, every main script's CLI, and reproduce.py."""
import ast
import json
import os
import re
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXPERIMENTS = ["vector_symmetry", "family_trees", "encoder_8_3_8", "grapheme_sememe",
               "fast_weights_deblur", "replay_autoencoder"]
EXISTING = [n for n in EXPERIMENTS if os.path.isfile(os.path.join(ROOT, n, f"{n}.py"))]
MAIN_COMMAND = "python3 -m pip install -r requirements.txt && python3 reproduce.py"
TEST_COMMAND = "python3 -m pip install -r requirements-dev.txt && python3 -m pytest -q"


def read(*parts):
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as fh:
        return fh.read()


def run(argv, cwd=ROOT, timeout=120):
    return subprocess.run([sys.executable] + argv, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=dict(os.environ, MPLBACKEND="Agg"))


# ---------------------------------------------------------------- README, requirements, CI

def test_readme_holds_both_quick_start_commands_verbatim():
    readme = read("README.md")
    assert MAIN_COMMAND in readme
    assert TEST_COMMAND in readme


def test_ci_runs_the_readme_test_command():
    ci = read(".ci", "run")
    assert ci.startswith("#!/usr/bin/env bash")
    assert "set -euo pipefail" in ci
    assert TEST_COMMAND in ci


def requirement_lines(name):
    lines = []
    for line in read(name).splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            lines.append(line)
    return lines


def test_runtime_requirements_are_exactly_the_three_pinned_packages():
    lines = requirement_lines("requirements.txt")
    names = sorted(re.split(r"==", line)[0].lower() for line in lines)
    assert names == ["imageio", "matplotlib", "numpy"]
    for line in lines:
        assert re.fullmatch(r"[A-Za-z0-9_.-]+==\d+(\.\d+)*", line), line


def test_dev_requirements_pin_pytest_on_top_of_the_runtime_ones():
    lines = requirement_lines("requirements-dev.txt")
    assert "-r requirements.txt" in lines
    others = [line for line in lines if not line.startswith("-r")]
    assert any(line.lower().startswith("pytest==") for line in others)
    for line in others:
        assert re.fullmatch(r"[A-Za-z0-9_.-]+==\d+(\.\d+)*", line), line


def test_no_package_markers_and_unique_python_basenames():
    seen = {}
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in
                       ("venv", "__pycache__")]
        assert "__init__.py" not in filenames, dirpath
        for f in filenames:
            if f.endswith(".py") and f != "conftest.py":
                assert f not in seen, f"{f} in both {seen.get(f)} and {dirpath}"
                seen[f] = dirpath


# ---------------------------------------------------------------- the folder contract

def contract_problems(folder, name):
    """What the folder contract requires of <folder> and is missing (empty if complete)."""
    problems = []
    for f in (f"{name}.py", f"visualize_{name}.py", f"make_{name}_gif.py",
              f"test_{name}.py", "README.md", f"{name}.gif"):
        if not os.path.isfile(os.path.join(folder, f)):
            problems.append(f)
    viz = os.path.join(folder, "viz")
    if not os.path.isdir(viz) or not any(f.endswith(".png") for f in os.listdir(viz)):
        problems.append("viz/*.png")
    if os.path.isfile(os.path.join(folder, "README.md")):
        readme = read(folder, "README.md")
        for section in ("Problem", "Files", "Running", "Results", "Comparison",
                        "Visualizations", "Deviations", "Open questions"):
            if not re.search(rf"^#+ .*{section}", readme, re.MULTILINE | re.IGNORECASE):
                problems.append(f"README section {section!r}")
    return problems


@pytest.mark.parametrize("name", EXISTING)
def test_folder_has_every_contract_file(name):
    assert contract_problems(os.path.join(ROOT, name), name) == []


def test_contract_check_notices_a_missing_file(tmp_path):
    # Copy one folder's file list into tmp_path, then remove each file in turn.
    name = "demo"
    folder = tmp_path / name
    (folder / "viz").mkdir(parents=True)
    files = [f"{name}.py", f"visualize_{name}.py", f"make_{name}_gif.py", f"test_{name}.py",
             f"{name}.gif", "viz/a.png"]
    for f in files:
        (folder / f).write_text("x")
    sections = ["Problem", "Files", "Running", "Results", "Comparison with the paper",
                "Visualizations", "Deviations", "Open questions"]
    (folder / "README.md").write_text("".join(f"## {s}\n\ntext\n\n" for s in sections))
    assert contract_problems(str(folder), name) == []
    for f in files + ["README.md"]:
        content = (folder / f).read_text()
        (folder / f).unlink()
        assert contract_problems(str(folder), name), f"removing {f} went unnoticed"
        (folder / f).write_text(content)


def imported_modules(path):
    tree = ast.parse(read(path), filename=path)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "import_module"
              and node.args and isinstance(node.args[0], ast.Constant)):
            names.add(str(node.args[0].value).split(".")[0])
    return names


def modules_of(name):
    folder = os.path.join(ROOT, name)
    return {f[:-3] for f in os.listdir(folder) if f.endswith(".py")}


@pytest.mark.parametrize("name", EXISTING)
def test_folder_imports_no_other_folder(name):
    foreign = set()
    for other in EXPERIMENTS:
        if other != name and os.path.isdir(os.path.join(ROOT, other)):
            foreign |= modules_of(other) | {other}
    folder = os.path.join(ROOT, name)
    for f in sorted(os.listdir(folder)):
        if f.endswith(".py"):
            bad = imported_modules(os.path.join(name, f)) & foreign
            assert not bad, f"{name}/{f} imports {sorted(bad)} from another folder"
            text = read(name, f)
            for other in EXPERIMENTS:
                if other != name:
                    assert not re.search(rf"['\"/\\\\]{other}['\"/\\\\]", text), \
                        f"{name}/{f} refers to the folder {other}"


@pytest.mark.parametrize("name", EXISTING)
def test_main_script_does_not_import_matplotlib(name):
    assert "matplotlib" not in imported_modules(os.path.join(name, f"{name}.py"))


def test_import_check_sees_imports(tmp_path):
    path = tmp_path / "m.py"
    path.write_text("import numpy as np\nfrom family_trees import x\n"
                    "import importlib\nimportlib.import_module('encoder_8_3_8')\n")
    assert {"numpy", "family_trees", "encoder_8_3_8"} <= imported_modules(str(path))


# ---------------------------------------------------------------- every main script's CLI

@pytest.mark.parametrize("name", EXISTING)
def test_main_script_help(name):
    proc = run([os.path.join(name, f"{name}.py"), "--help"])
    assert proc.returncode == 0, proc.stderr
    for flag in ("--seed", "--sweep", "--json", "--quiet"):
        assert flag in proc.stdout


@pytest.mark.parametrize("name", EXISTING)
@pytest.mark.parametrize("bad", [["--seed", "-1"], ["--sweep", "0"], ["--seed", "x"]])
def test_main_script_rejects_bad_values(name, bad):
    proc = run([os.path.join(name, f"{name}.py")] + bad)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert bad[0] in proc.stderr, "the error should name the flag"


# ---------------------------------------------------------------- reproduce.py

def test_reproduce_uses_only_the_standard_library():
    mods = imported_modules("reproduce.py")
    assert mods <= set(sys.stdlib_module_names), mods - set(sys.stdlib_module_names)
    assert not mods & set(EXPERIMENTS)


def test_reproduce_rejects_an_unknown_name():
    proc = run(["reproduce.py", "no_such_experiment"])
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "no_such_experiment" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_reproduce_rejects_a_bad_sweep():
    proc = run(["reproduce.py", "--sweep", "0"])
    assert proc.returncode == 2
    assert "--sweep" in proc.stderr and "Traceback" not in proc.stderr


FAKE_OK = textwrap.dedent("""
    import argparse, json
    p = argparse.ArgumentParser()
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--sweep', type=int)
    p.add_argument('--json')
    p.add_argument('--quiet', action='store_true')
    a = p.parse_args()
    if a.sweep:
        out = {'seeds': list(range(a.sweep)), 'summary': {'test_correct': {'mean': 3.5}}}
    else:
        out = {'seed': a.seed, 'metrics': {'train_correct': 100, 'test_correct': 3}}
    json.dump(out, open(a.json, 'w'))
""")
FAKE_FAIL = "import sys\nsys.stderr.write('line one\\nthe model diverged\\n')\nsys.exit(3)\n"


@pytest.fixture
def fake_root(tmp_path):
    (tmp_path / "family_trees").mkdir()
    (tmp_path / "family_trees" / "family_trees.py").write_text(FAKE_OK)
    (tmp_path / "encoder_8_3_8").mkdir()
    (tmp_path / "encoder_8_3_8" / "encoder_8_3_8.py").write_text(FAKE_FAIL)
    return tmp_path


def test_reproduce_reports_results_failures_and_missing(fake_root):
    proc = run(["reproduce.py", "--root", str(fake_root)])
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert "train_correct=100" in out and "test_correct=3" in out
    assert "FAILED" in out and "the model diverged" in out and "exit status 3" in out
    for missing in ("vector_symmetry", "grapheme_sememe", "fast_weights_deblur",
                    "replay_autoencoder"):
        assert re.search(rf"{missing}\s+missing", out)


def test_reproduce_subset_and_sweep(fake_root):
    proc = run(["reproduce.py", "--root", str(fake_root), "family_trees", "--sweep", "4"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "test_correct.mean=3.5" in proc.stdout
    assert "encoder_8_3_8" not in proc.stdout


def test_reproduce_figures_needs_the_figure_scripts(fake_root):
    proc = run(["reproduce.py", "--root", str(fake_root), "family_trees", "--figures"])
    assert proc.returncode == 1
    assert "visualize_family_trees.py is missing" in proc.stdout
    for script in ("visualize_family_trees.py", "make_family_trees_gif.py"):
        (fake_root / "family_trees" / script).write_text("import argparse\n"
                                                         "argparse.ArgumentParser()."
                                                         "add_argument('--seed')\n")
    proc = run(["reproduce.py", "--root", str(fake_root), "family_trees", "--figures"])
    assert proc.returncode == 0, proc.stdout


def test_experiments_table_numbers_come_from_the_folder_readmes():
    """Every number in a row's headline cell appears in that folder's README (whose headline
    numbers the folder's own tests re-derive from a fresh run)."""
    readme = read("README.md")
    table = readme[readme.index("<!-- experiments-table -->"):
                   readme.index("<!-- /experiments-table -->")]
    rows = [line for line in table.splitlines() if line.startswith("| [`")]
    assert len(rows) == len(EXPERIMENTS)
    for line in rows:
        cells = [c.strip() for c in line.split("|")[1:-1]]
        name = re.search(r"`(\w+)/`", cells[0]).group(1)
        if name not in EXISTING:
            assert "not yet implemented" in cells[3]
            continue
        folder = read(name, "README.md").replace("\u2212", "-").replace(",", "")
        for number in re.findall(r"(?<![\d.])\.?\d[\d,]*(?:\.\d+)?", cells[3]):
            plain = re.escape(number.replace(",", ""))
            assert re.search(rf"(?<![\d.]){plain}(?![\d]|\.\d)", folder), \
                f"{name}: {number} not in its README"
