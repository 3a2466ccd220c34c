"""Root pytest configuration: headless matplotlib for every test and subprocess, and the
figure scripts' default runs started in the background.

The default runs of the visualize and GIF scripts (checked in tests/test_repository.py) are
the slowest checks of the suite: one subprocess per script, 5-14 s each, computing nothing the
other tests need. When the session has selected their tests, the runs start with the first
test, one at a time, so that they use the second core while the other tests run on the
first; each of their tests then waits for its own run and checks its output."""
import concurrent.futures
import os
import subprocess
import sys

import pytest

os.environ["MPLBACKEND"] = "Agg"
ROOT = os.path.dirname(os.path.abspath(__file__))
FIGURE_SCRIPTS = {"test_visualize_default_run_redraws_every_committed_figure": "visualize_{}.py",
                  "test_gif_default_run_writes_an_animated_gif": "make_{}_gif.py"}


class FigureRuns:
    """Default runs of figure scripts, one at a time in a background thread."""

    def __init__(self, tmp_path_factory):
        self.factory, self.jobs = tmp_path_factory, {}
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)

    def submit(self, test, name):
        if (test, name) not in self.jobs:
            outdir = self.factory.mktemp(f"{FIGURE_SCRIPTS[test].format(name)[:-3]}_")
            argv = [sys.executable, os.path.join(name, FIGURE_SCRIPTS[test].format(name)),
                    "--outdir", str(outdir)]
            future = self.pool.submit(subprocess.run, argv, cwd=ROOT, capture_output=True,
                                      text=True, timeout=300, env=dict(os.environ))
            self.jobs[test, name] = outdir, future
        return self.jobs[test, name]

    def result(self, test, name):
        """(output directory, CompletedProcess) of the script's default run."""
        outdir, future = self.submit(test, name)
        return outdir, future.result()


@pytest.fixture(scope="session", autouse=True)
def figure_runs(request, tmp_path_factory):
    runs = FigureRuns(tmp_path_factory)
    for item in request.session.items:
        test = getattr(item, "originalname", None)
        params = getattr(getattr(item, "callspec", None), "params", {})
        if test in FIGURE_SCRIPTS and "name" in params:
            runs.submit(test, params["name"])
    yield runs
    runs.pool.shutdown(wait=True, cancel_futures=True)
