"""Repository-level checks, written once for every folder.

The README's commands and requirements, the folder contract (files, README shape, the
two-script layout, folder independence), the command-line contract every script shares
(bad values, output paths, modes, sweep sizes, JSON, Ctrl-C, progress, divergence), the
figure scripts' default runs, and reproduce.py. Folder test files keep only their own flags
and their own science.

Conventions the checks rely on (stated in the top-level README):
  * every script has ``build_parser()`` and ``main(argv=None) -> int``; a usage error is
    ``parser.error`` (exit status 2), checked by argparse ``type=`` functions so that
    ``script --FLAG BAD`` alone fails naming FLAG;
  * a flag that writes a file has ``metavar="PATH"``, one that writes into a directory
    ``metavar="DIR"``, one that reads a JSON file ``metavar="FILE"``; every other flag that
    takes a value rejects NaN and infinities.
"""
import argparse
import ast
import contextlib
import importlib
import io
import json
import os
import pty
import re
import select
import signal
import stat
import subprocess
import sys
import textwrap
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXPERIMENTS = ["vector_symmetry", "family_trees", "encoder_8_3_8", "grapheme_sememe",
               "fast_weights_deblur", "replay_autoencoder"]
EXISTING = [n for n in EXPERIMENTS if os.path.isfile(os.path.join(ROOT, n, f"{n}.py"))]
VENV = "python3 -m venv .venv && . .venv/bin/activate && "
MAIN_COMMAND = VENV + "python3 -m pip install -r requirements.txt && python3 reproduce.py"
TEST_COMMAND = VENV + "python3 -m pip install -r requirements-dev.txt && python3 -m pytest -q"
QUICK_COMMAND = 'python3 -m pytest -q -m "not slow"'
MAIN_SCRIPT_MAX_LINES = 650
# encoder_8_3_8.py holds two learners and two ways to compute the Boltzmann statistics; the
# exact clamped phase over pairs of half-vectors, which keeps its 100-seed sweeps within their
# time budget, takes it past the common cap.
MAIN_SCRIPT_MAX_LINES_FOR = {"encoder_8_3_8": 675}
LONG_BLOCK_LINES = 20          # a printed block longer than this is folded in <details>

# Per-folder command lines for the end-to-end checks below (each folder owns its entries).
# QUICK_RUN: one seed in a few seconds at most. QUICK_SWEEP: a small sweep (seeds 0 and 1).
QUICK_RUN = {
    "vector_symmetry": ["--seed", "3"],
    "family_trees": ["--seed", "1", "--sweeps", "60"],
    "encoder_8_3_8": ["--seed", "1", "--epochs", "300"],
    "grapheme_sememe": ["--seed", "1", "--train-cycles", "200"],
    "fast_weights_deblur": ["--seed", "1"],
    "replay_autoencoder": ["--seed", "1", "--scenario", "under", "--runs", "2", "--epochs", "50",
                           "--student-epochs", "50", "--chains", "200", "--replay-chains", "50"],
}
QUICK_SWEEP = {
    "vector_symmetry": ["--sweep", "2"],
    "family_trees": ["--sweep", "2", "--sweeps", "60"],
    "encoder_8_3_8": ["--sweep", "2", "--epochs", "300"],
    "grapheme_sememe": ["--sweep", "2", "--train-cycles", "200"],
    "fast_weights_deblur": ["--sweep", "2"],
    "replay_autoencoder": ["--sweep", "2", "--scenario", "under", "--runs", "2", "--epochs", "50",
                           "--student-epochs", "50", "--chains", "200", "--replay-chains", "50"],
}
# LONG_RUN: at least 5 s of computation, so that Ctrl-C lands in the middle of it.
LONG_RUN = {
    "vector_symmetry": ["--sweep", "2000"],
    "family_trees": ["--sweep", "200"],
    "encoder_8_3_8": ["--algo", "boltzmann", "--sweep", "20"],
    "grapheme_sememe": ["--sweep", "100", "--algo", "boltzmann"],
    "fast_weights_deblur": ["--sweep", "200"],
    "replay_autoencoder": ["--sweep", "5"],
}
# DIVERGE: a command line whose learner blows up (NaN or overflow) and must stop with a clear
# message and exit status 1. None only where the flags' ranges make divergence impossible;
# the folder README then says why.
DIVERGE = {
    "vector_symmetry": ["--lr", "1e300"],
    "family_trees": ["--eps2", "1e6"],
    "encoder_8_3_8": ["--lr", "1e300"],
    "grapheme_sememe": ["--relearn-lr", "1e300"],
    "fast_weights_deblur": ["--eps-slow", "1e6"],
    "replay_autoencoder": ["--lr", "1e6"],
}
SWEEP_TOO_BIG = "1000000000"


def read(*parts):
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as fh:
        return fh.read()


def env():
    return dict(os.environ, MPLBACKEND="Agg")


def run(argv, cwd=ROOT, timeout=120):
    return subprocess.run([sys.executable] + argv, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env())


def scripts_of(name):
    """{kind: relative path} of the scripts a folder has (studies is optional)."""
    paths = {"main": f"{name}/{name}.py", "studies": f"{name}/studies_{name}.py",
             "visualize": f"{name}/visualize_{name}.py", "gif": f"{name}/make_{name}_gif.py"}
    return {k: p for k, p in paths.items() if os.path.isfile(os.path.join(ROOT, p))}


SCRIPTS = [(name, kind, path) for name in EXISTING for kind, path in scripts_of(name).items()]
SCRIPT_IDS = [path for _, _, path in SCRIPTS]


def load(path):
    """Import a folder script in-process (folders are not packages: put the folder on sys.path)."""
    folder = os.path.join(ROOT, os.path.dirname(path))
    if folder not in sys.path:
        sys.path.insert(0, folder)
    return importlib.import_module(os.path.basename(path)[:-3])


def call_main(path, argv):
    """Run ``main(argv)`` in-process; return (exit status, stdout, stderr)."""
    module = load(path)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = module.main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue(), err.getvalue()


def options(parser):
    """The parser's optional arguments that take a value."""
    return [a for a in parser._actions
            if a.option_strings and a.nargs != 0 and not isinstance(a, argparse._HelpAction)]


def assert_usage_error(result, *flags):
    code, _, err = result
    assert code == 2, f"exit status {code}, stderr: {err[-500:]}"
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1] if err.strip() else ""
    for flag in flags:
        assert flag in last, f"the error line should name {flag}: {last!r}"


# ---------------------------------------------------------------- README, requirements, CI

def test_readme_holds_both_quick_start_commands_verbatim():
    readme = read("README.md")
    assert MAIN_COMMAND in readme
    assert TEST_COMMAND in readme
    assert QUICK_COMMAND in readme
    assert "OPENBLAS_CORETYPE=Sandybridge python3 -m pytest" in readme, \
        "the README says how to check portability"


def test_top_level_holds_the_folders_and_what_tests_and_ci_need():
    """The committed top level: the six folders, the README, the requirements, reproduce.py,
    and the test and CI configuration (a stray output file is caught here)."""
    try:
        files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                               check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    top = {f.split("/")[0] for f in files}
    allowed = set(EXPERIMENTS) | {"README.md", "requirements.txt", "requirements-dev.txt",
                                  "reproduce.py", "conftest.py", "pytest.ini", "tests", ".ci",
                                  ".gitignore"}
    assert top <= allowed, sorted(top - allowed)


def test_ci_runs_the_readme_test_command_and_leaves_openblas_alone():
    ci = read(".ci", "run")
    assert ci.startswith("#!/usr/bin/env bash")
    assert "set -euo pipefail" in ci
    assert TEST_COMMAND in ci
    code = "\n".join(line for line in ci.splitlines() if not line.lstrip().startswith("#"))
    assert "OPENBLAS" not in code


def test_no_test_sets_openblas_variables():
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d != "__pycache__"]
        for f in filenames:
            if f.startswith("test_") and f.endswith(".py") or f == "conftest.py":
                text = read(os.path.relpath(os.path.join(dirpath, f), ROOT))
                text = text.replace("OPENBLAS_CORETYPE=Sandybridge python3 -m pytest", "")
                assert not re.search(r"OPENBLAS_\w+['\"]?\s*\]?\s*=|environ\[.OPENBLAS|"
                                     r"(pop|setdefault|putenv|unsetenv)\(\s*.OPENBLAS", text), f


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


def test_slow_marker_is_registered_and_used():
    assert "slow:" in read("pytest.ini") and "--strict-markers" in read("pytest.ini")
    for name in EXISTING:
        assert "pytest.mark.slow" in read(name, f"test_{name}.py"), name


# ---------------------------------------------------------------- the folder contract

README_SECTIONS = ("Problem", "Files", "Running", "Results", "Deviations", "Open questions")


def contract_problems(folder, name):
    """What the folder contract requires of <folder> and is missing (empty if complete)."""
    problems = []
    for f in (f"{name}.py", f"visualize_{name}.py", f"make_{name}_gif.py",
              f"test_{name}.py", "README.md", f"{name}.gif"):
        if not os.path.isfile(os.path.join(folder, f)):
            problems.append(f)
    viz = os.path.join(folder, "viz")
    pngs = sorted(f for f in os.listdir(viz) if f.endswith(".png")) if os.path.isdir(viz) else []
    if not pngs:
        problems.append("viz/*.png")
    if os.path.isfile(os.path.join(folder, "README.md")):
        with open(os.path.join(folder, "README.md"), encoding="utf-8") as fh:
            problems += readme_problems(fh.read(), name, pngs)
    return problems


def readme_problems(readme, name, pngs):
    """The README shape: GIF first, the sections, three runnable commands, the comparison
    table before the results, every figure inline, long printed blocks folded."""
    problems = []
    headings = [(m.start(), m.group(1)) for m in re.finditer(r"^#+ (.*)$", readme, re.M)]

    def section(title):
        for i, (pos, text) in enumerate(headings):
            if re.match(rf"(\d+\.\s*)?{title}\b", text, re.I):
                end = headings[i + 1][0] if i + 1 < len(headings) else len(readme)
                return pos, readme[pos:end]
        return None, ""

    for title in README_SECTIONS:
        if section(title)[0] is None:
            problems.append(f"README section {title!r}")
    images = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)|<img [^>]*src=\"([^\"]+)\"", readme)
    images = [a or b for a, b in images]
    second_heading = headings[1][0] if len(headings) > 1 else len(readme)
    first_image = re.search(r"!\[[^\]]*\]\(|<img ", readme)
    if not images or images[0] != f"{name}.gif" or first_image.start() > second_heading:
        problems.append("the GIF is not the first thing shown")
    for png in pngs:
        if f"viz/{png}" not in images:
            problems.append(f"viz/{png} is not shown inline")
    _, running = section("Running")
    for script in (f"{name}/{name}.py", f"{name}/visualize_{name}.py",
                   f"{name}/make_{name}_gif.py"):
        if f"python3 {script}" not in running:
            problems.append(f"Running does not show 'python3 {script}' (run from the root)")
    results_pos = section("Results")[0]
    tables = [m.start() for m in re.finditer(r"^\|.*\bours\b.*\|\s*$", readme, re.M | re.I)]
    if not tables or results_pos is None or tables[0] > results_pos:
        problems.append("no 'ours vs paper' table before Results")
    for block in re.finditer(r"^```[^\n]*\n(.*?)^```", readme, re.M | re.S):
        if block.group(1).count("\n") > LONG_BLOCK_LINES:
            opened = readme.rfind("<details>", 0, block.start())
            closed = readme.rfind("</details>", 0, block.start())
            if opened == -1 or closed > opened:
                problems.append(f"a {block.group(1).count(chr(10))}-line block is not folded")
    if "OpenBLAS" not in readme or "numpy " + pinned("numpy") not in readme:
        problems.append("no statement of the platform (numpy version, OpenBLAS kernel)")
    return problems


def pinned(package):
    for line in requirement_lines("requirements.txt"):
        if line.lower().startswith(package + "=="):
            return line.split("==")[1]
    raise AssertionError(package)


@pytest.mark.parametrize("name", EXISTING)
def test_folder_has_every_contract_file_and_readme_shape(name):
    assert contract_problems(os.path.join(ROOT, name), name) == []


GOOD_README = textwrap.dedent("""\
    # demo

    ![demo](demo.gif)

    | | ours | paper |
    | --- | --- | --- |
    | x | 1 | 1 |

    ## Problem

    text

    ## Files

    text

    ## Running

    ```
    python3 demo/demo.py --seed 0
    python3 demo/visualize_demo.py
    python3 demo/make_demo_gif.py
    ```

    ## Results

    Printed by numpy 2.2.6 on a CPU whose OpenBLAS kernel is SkylakeX.

    ![a](viz/a.png)

    <details><summary>long</summary>

    ```
    {long}
    ```
    </details>

    ## Deviations

    text

    ## Open questions

    text
    """).replace("numpy 2.2.6", "numpy " + pinned("numpy")).replace(
        "{long}", "\n".join(["line"] * (LONG_BLOCK_LINES + 5)))


def test_contract_check_notices_each_missing_piece(tmp_path):
    name = "demo"
    folder = tmp_path / name
    (folder / "viz").mkdir(parents=True)
    files = [f"{name}.py", f"visualize_{name}.py", f"make_{name}_gif.py", f"test_{name}.py",
             f"{name}.gif", "viz/a.png"]
    for f in files:
        (folder / f).write_text("x")
    (folder / "README.md").write_text(GOOD_README)
    assert contract_problems(str(folder), name) == []
    for f in files + ["README.md"]:
        content = (folder / f).read_text()
        (folder / f).unlink()
        assert contract_problems(str(folder), name), f"removing {f} went unnoticed"
        (folder / f).write_text(content)
    broken = {
        "no GIF first": GOOD_README.replace("![demo](demo.gif)\n", ""),
        "section missing": GOOD_README.replace("## Deviations", "## Changes"),
        "figure not inline": GOOD_README.replace("![a](viz/a.png)", ""),
        "command not from root": GOOD_README.replace("python3 demo/visualize_demo.py",
                                                     "python3 visualize_demo.py"),
        "no comparison table": GOOD_README.replace("| | ours | paper |", "| | a | b |"),
        "long block unfolded": GOOD_README.replace("<details><summary>long</summary>", ""),
        "no platform": GOOD_README.replace("OpenBLAS", "BLAS"),
    }
    for what, text in broken.items():
        (folder / "README.md").write_text(text)
        assert contract_problems(str(folder), name), what


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
def test_two_script_layout(name):
    """The main script is the paper's experiment: it imports no figure library and none of
    its own folder's other scripts, and a student reads it in one sitting; a studies script
    (optional) builds on it and on nothing else of the folder."""
    own = modules_of(name)
    main = imported_modules(f"{name}/{name}.py")
    assert "matplotlib" not in main
    assert not main & (own - {name}), f"{name}.py imports {sorted(main & own)}"
    lines = read(name, f"{name}.py").count("\n")
    assert lines <= MAIN_SCRIPT_MAX_LINES_FOR.get(name, MAIN_SCRIPT_MAX_LINES), f"{name}.py has {lines} lines"
    if os.path.isfile(os.path.join(ROOT, name, f"studies_{name}.py")):
        studies = imported_modules(f"{name}/studies_{name}.py")
        assert "matplotlib" not in studies
        assert studies & own <= {name}, f"studies_{name}.py imports {sorted(studies & own)}"


def test_import_check_sees_imports(tmp_path):
    path = tmp_path / "m.py"
    path.write_text("import numpy as np\nfrom family_trees import x\n"
                    "import importlib\nimportlib.import_module('encoder_8_3_8')\n")
    assert {"numpy", "family_trees", "encoder_8_3_8"} <= imported_modules(str(path))


# ---------------------------------------------------------------- every script's CLI (in-process)

@pytest.mark.parametrize("name,kind,path", SCRIPTS, ids=SCRIPT_IDS)
def test_script_help_and_standard_flags(name, kind, path):
    code, out, err = call_main(path, ["--help"])
    assert code == 0, err
    wanted = {"main": ("--seed", "--sweep", "--json", "--quiet"), "studies": ("--quiet",),
              "visualize": ("--seed", "--outdir"), "gif": ("--seed", "--outdir")}[kind]
    for flag in wanted:
        assert flag in out, f"{path} has no {flag}"


@pytest.mark.parametrize("name,kind,path", SCRIPTS, ids=SCRIPT_IDS)
def test_script_rejects_an_unknown_flag(name, kind, path):
    assert_usage_error(call_main(path, ["--no-such-flag"]), "--no-such-flag")


@pytest.mark.parametrize("name", EXISTING)
@pytest.mark.parametrize("bad", [["--seed", "-1"], ["--sweep", "0"], ["--seed", "x"],
                                 ["--sweep", "2.5"], ["--seed", "1e3"]])
def test_main_script_rejects_bad_seed_and_sweep(name, bad):
    assert_usage_error(call_main(f"{name}/{name}.py", bad), bad[0])


@pytest.mark.parametrize("name", EXISTING)
def test_main_script_refuses_a_seed_that_a_sweep_would_ignore(name):
    assert_usage_error(call_main(f"{name}/{name}.py", ["--seed", "3", "--sweep", "2"]),
                       "--seed", "--sweep")


def value_flags(path):
    parser = load(path).build_parser()
    return [a for a in options(parser) if a.metavar not in ("PATH", "DIR", "FILE")]


@pytest.mark.parametrize("name,kind,path", SCRIPTS, ids=SCRIPT_IDS)
def test_every_value_flag_rejects_nan_and_infinities(name, kind, path):
    for action in value_flags(path):
        flag = action.option_strings[0]
        for bad in ("nan", "inf", "-inf"):
            assert_usage_error(call_main(path, [flag, bad]), flag)


def bad_output_files(tmp_path):
    (tmp_path / "a_file").write_text("x")
    return {"/proc/x.json": "/proc/x.json", "/sys/x.json": "/sys/x.json",
            "a directory": str(tmp_path), "a missing folder": str(tmp_path / "no" / "x.json"),
            "under a file": str(tmp_path / "a_file" / "x.json")}


def bad_output_dirs(tmp_path):
    (tmp_path / "a_file").write_text("x")
    return {"/proc/x": "/proc/x", "/sys/x": "/sys/x", "a file": str(tmp_path / "a_file"),
            "under a file": str(tmp_path / "a_file" / "sub")}


def bad_input_files(tmp_path):
    (tmp_path / "broken.json").write_text("{not json")
    return {"missing": str(tmp_path / "missing.json"), "a directory": str(tmp_path),
            "not JSON": str(tmp_path / "broken.json")}


@pytest.mark.parametrize("name,kind,path", SCRIPTS, ids=SCRIPT_IDS)
def test_every_path_flag_is_checked_before_any_computation(name, kind, path, tmp_path):
    parser = load(path).build_parser()
    kinds = {"PATH": bad_output_files, "DIR": bad_output_dirs, "FILE": bad_input_files}
    flags = [(a.option_strings[0], a.metavar) for a in options(parser) if a.metavar in kinds]
    if kind == "main":
        assert ("--json", "PATH") in flags
    if kind in ("visualize", "gif"):
        assert ("--outdir", "DIR") in flags
    for flag, metavar in flags:
        for what, bad in kinds[metavar](tmp_path).items():
            result = call_main(path, [flag, bad])
            assert_usage_error(result, flag)
        assert set(os.listdir(tmp_path)) <= {"a_file", "broken.json"}, \
            f"{path} {flag} left files behind"


def test_path_checks_notice_a_missing_check(tmp_path):
    """assert_usage_error fails for a script that accepts a bad path."""
    with pytest.raises(AssertionError):
        assert_usage_error((0, "", ""), "--json")
    with pytest.raises(AssertionError):
        assert_usage_error((2, "", "usage: x\nx: error: argument --seed: bad\n"), "--json")


# ---------------------------------------------------------------- every main script, end to end

@pytest.mark.parametrize("name", EXISTING)
def test_main_script_refuses_a_sweep_that_cannot_run(name):
    start = time.perf_counter()
    proc = run([f"{name}/{name}.py", "--sweep", SWEEP_TOO_BIG], timeout=60)
    assert proc.returncode == 2, proc.stderr[-500:]
    last = proc.stderr.strip().splitlines()[-1]
    assert "--sweep" in last and re.search(r"\d", last.replace(SWEEP_TOO_BIG, "")), \
        f"the message should give the limit: {last!r}"
    assert time.perf_counter() - start < 30


def strict_json(path):
    def no_constant(token):
        raise ValueError(f"{token} is not JSON")
    with open(path, encoding="utf-8") as fh:
        return json.load(fh, parse_constant=no_constant)


def quick(name, argv, tmp_path, tag, quiet):
    out = tmp_path / tag / "result.json"
    out.parent.mkdir()
    proc = run([f"{name}/{name}.py"] + argv + ["--json", str(out)] + (["--quiet"] if quiet else []),
               timeout=300)
    return proc, out


def hyperparameters(name):
    parser = load(f"{name}/{name}.py").build_parser()
    return {a.dest for a in options(parser)} - {"seed", "sweep", "json", "quiet"}


def without_wallclock(result):
    return {k: v for k, v in result.items() if k != "wallclock_s"}


@pytest.mark.slow
@pytest.mark.parametrize("name", EXISTING)
def test_quick_run_writes_the_json_contract_deterministically(name, tmp_path):
    argv = QUICK_RUN[name]
    loud, loud_json = quick(name, argv, tmp_path, "loud", quiet=False)
    hush, hush_json = quick(name, argv, tmp_path, "quiet", quiet=True)
    for proc in (loud, hush):
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert proc.stderr == "", "warnings or progress on a stderr that is not a terminal"
    assert loud.stdout.strip() and hush.stdout == ""
    for path in (loud_json, hush_json):
        assert os.listdir(path.parent) == ["result.json"], "temporary files left behind"
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    result = strict_json(loud_json)
    assert without_wallclock(result) == without_wallclock(strict_json(hush_json)), \
        "same seed, same machine: identical JSON apart from wallclock_s"
    assert result["experiment"] == name
    assert result["seed"] == int(argv[argv.index("--seed") + 1])
    assert "seeds" not in result and "per_seed" not in result
    assert isinstance(result["metrics"], dict) and result["metrics"]
    assert set(result["versions"]) >= {"python", "numpy"}
    assert isinstance(result["wallclock_s"], (int, float)) and result["wallclock_s"] >= 0
    missing = hyperparameters(name) - set(result["config"])
    assert not missing, f"config lacks {sorted(missing)}"


@pytest.mark.slow
@pytest.mark.parametrize("name", EXISTING)
def test_quick_sweep_writes_seeds_per_seed_and_summary(name, tmp_path):
    proc, path = quick(name, QUICK_SWEEP[name], tmp_path, "sweep", quiet=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = strict_json(path)
    assert result["experiment"] == name and "seed" not in result
    assert result["seeds"] == [0, 1]
    assert len(result["per_seed"]) == 2
    assert isinstance(result["summary"], dict) and result["summary"]
    assert isinstance(result["metrics"], dict)
    assert not hyperparameters(name) - set(result["config"])


def start(argv, cwd, stderr):
    return subprocess.Popen([sys.executable] + argv, cwd=cwd, env=env(), stdout=subprocess.DEVNULL,
                            stderr=stderr,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def read_pty(fd, seconds, until=lambda text: False):
    data, end = b"", time.monotonic() + seconds
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
            if until(data.decode(errors="replace")):
                break
    return data.decode(errors="replace")


def lines_of(text):
    return [line for line in re.split(r"[\r\n]", text) if line.strip()]


def interrupt(proc):
    try:
        proc.send_signal(signal.SIGINT)
        return proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.mark.slow
@pytest.mark.parametrize("name", EXISTING)
def test_a_long_run_shows_progress_on_a_terminal_and_ctrl_c_ends_it_in_one_line(name, tmp_path):
    master, slave = pty.openpty()
    out = tmp_path / "result.json"
    proc = start([os.path.join(ROOT, name, f"{name}.py")] + LONG_RUN[name] + ["--json", str(out)],
                 tmp_path, slave)
    os.close(slave)
    try:
        progress = read_pty(master, 60, until=lambda text: text.strip())
        assert progress.strip(), "no progress on a terminal"
        assert proc.poll() is None, "the long run ended before it was interrupted"
        code = interrupt(proc)
        text = progress + read_pty(master, 2)
    finally:
        os.close(master)
    assert code == 130
    assert "Traceback" not in text
    assert "interrupted" in lines_of(text)[-1]
    assert os.listdir(tmp_path) == [], "a partial or temporary file was left"


@pytest.mark.slow
@pytest.mark.parametrize("name", EXISTING)
@pytest.mark.parametrize("terminal", [False, True], ids=["pipe", "terminal-quiet"])
def test_ctrl_c_without_progress_is_exactly_one_line(name, terminal, tmp_path):
    """No progress when stderr is not a terminal, nor with --quiet; Ctrl-C is one line."""
    master, slave = pty.openpty() if terminal else (None, subprocess.PIPE)
    argv = LONG_RUN[name] + ["--json", str(tmp_path / "r.json")] + (["--quiet"] if terminal else [])
    proc = start([os.path.join(ROOT, name, f"{name}.py")] + argv, tmp_path, slave)
    try:
        if terminal:
            os.close(slave)
            early = read_pty(master, 2.0)
        else:
            time.sleep(2.0)
            early = ""
        assert proc.poll() is None, "the long run ended before it was interrupted"
        code = interrupt(proc)
        text = early + (read_pty(master, 2) if terminal else proc.stderr.read().decode())
    finally:
        if terminal:
            os.close(master)
        elif proc.stderr:
            proc.stderr.close()
    assert code == 130
    assert len(lines_of(text)) == 1 and "interrupted" in text, text[-1000:]
    assert os.listdir(tmp_path) == []


@pytest.mark.slow
@pytest.mark.parametrize("name", EXISTING)
def test_a_diverging_learner_stops_with_a_clear_message(name, tmp_path):
    argv = DIVERGE[name]
    if argv is None:
        readme = read(name, "README.md")
        assert re.search(r"cannot diverge|divergence is impossible", readme), \
            "DIVERGE is None but the README does not say why"
        return
    out = tmp_path / "r.json"
    proc = run([f"{name}/{name}.py"] + argv + ["--json", str(out), "--quiet"], timeout=300)
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-1000:])
    assert "Traceback" not in proc.stderr and "Warning" not in proc.stderr
    assert len(lines_of(proc.stderr)) == 1 and "diverge" in proc.stderr.lower(), proc.stderr
    assert not out.exists()


@pytest.mark.slow
@pytest.mark.parametrize("name", EXISTING)
def test_visualize_default_run_redraws_every_committed_figure(name, figure_runs):
    """The run itself starts in the background with the session (conftest.py)."""
    tmp_path, proc = figure_runs.result(
        "test_visualize_default_run_redraws_every_committed_figure", name)
    assert proc.returncode == 0, proc.stderr[-2000:]
    committed = sorted(f for f in os.listdir(os.path.join(ROOT, name, "viz")) if f.endswith(".png"))
    assert sorted(os.listdir(tmp_path)) == committed
    for f in committed:
        with open(tmp_path / f, "rb") as fh:
            assert fh.read(8) == b"\x89PNG\r\n\x1a\n"
        assert stat.S_IMODE(os.stat(tmp_path / f).st_mode) == 0o644


@pytest.mark.slow
@pytest.mark.parametrize("name", EXISTING)
def test_gif_default_run_writes_an_animated_gif(name, figure_runs):
    """The run itself starts in the background with the session (conftest.py)."""
    tmp_path, proc = figure_runs.result("test_gif_default_run_writes_an_animated_gif", name)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert os.listdir(tmp_path) == [f"{name}.gif"]
    data = (tmp_path / f"{name}.gif").read_bytes()
    assert data[:6] == b"GIF89a" and data.count(b"\x21\xf9\x04") > 1, "not an animated GIF"
    assert stat.S_IMODE(os.stat(tmp_path / f"{name}.gif").st_mode) == 0o644


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


@pytest.mark.parametrize("bad", [["--sweep", "0"], ["--sweep", SWEEP_TOO_BIG], ["--seed", "-1"],
                                 ["--timeout", "inf"], ["--timeout", "nan"], ["--timeout", "0"],
                                 ["family_trees", "family_trees"]])
def test_reproduce_rejects_bad_values(bad):
    proc = run(["reproduce.py"] + bad, timeout=30)
    assert proc.returncode == 2, proc.stdout[-500:] + proc.stderr[-500:]
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert (bad[0] if bad[0].startswith("--") else "family_trees") in proc.stderr


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
FAKE_SLOW = "import time\ntime.sleep(60)\n"


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


def test_reproduce_ctrl_c_is_one_line_and_stops_the_child(fake_root):
    (fake_root / "family_trees" / "family_trees.py").write_text(FAKE_SLOW)
    proc = subprocess.Popen([sys.executable, "reproduce.py", "--root", str(fake_root),
                             "family_trees"], cwd=ROOT, env=env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(1.5)
    code = interrupt(proc)
    err = proc.stderr.read().decode()
    proc.stdout.close()
    proc.stderr.close()
    assert code == 130
    assert len(lines_of(err)) == 1 and "interrupted" in err, err


# ---------------------------------------------------------------- the experiments table

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
