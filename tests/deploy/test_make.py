"""The README's two commands on a fresh machine: `make test` needs Debian's Chromium for the browser tests.
Where it is missing, root on Debian gets it installed; anyone else gets one line saying what to install, and
the run stops before any test (never a browser test failing for want of a browser)."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deploy.support import REPO

pytestmark = pytest.mark.unit


def _make_chromium(tmp_path: Path, *, uid: str, apt: bool) -> subprocess.CompletedProcess[str]:
    """`make chromium` for a browser that is not there, with `id -u` answering `uid` and `apt-get` present
    (recording its calls, installing nothing) or not."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "apt-calls"
    (bin_dir / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    if apt:
        (bin_dir / "apt-get").write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    # Only what make and the recipe need besides the fakes: no real apt-get on this PATH.
    for tool in ("sh", "test", "echo", "make"):
        found = shutil.which(tool)
        if found and not (bin_dir / tool).exists():
            (bin_dir / tool).symlink_to(found)
    env = {**os.environ, "PATH": str(bin_dir)}
    env.pop("ASN_CHROMIUM", None)
    return subprocess.run(
        ["make", "--no-print-directory", "-s", "chromium", f"CHROMIUM={tmp_path / 'no-such-chromium'}"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_chromium_and_without_root_make_says_in_one_line_what_to_install(tmp_path):
    run = _make_chromium(tmp_path, uid="1000", apt=True)
    assert run.returncode != 0
    # Make's own closing line ("make: *** ... Error 1", "make[1]: ..." when nested) aside.
    said = [
        line for line in run.stderr.splitlines() if line.strip() and not re.match(r"make(\[\d+\])?: ", line)
    ]
    assert len(said) == 1 and "apt-get install chromium" in said[0], run.stderr
    assert not (tmp_path / "apt-calls").exists()


def test_without_chromium_root_on_debian_gets_it_installed(tmp_path):
    run = _make_chromium(tmp_path, uid="0", apt=True)
    assert run.returncode == 0, run.stderr
    calls = (tmp_path / "apt-calls").read_text().splitlines()
    assert calls[0].startswith("update") and "install" in calls[1] and calls[1].endswith("chromium")


def test_without_chromium_and_without_apt_make_says_what_to_install(tmp_path):
    run = _make_chromium(tmp_path, uid="0", apt=False)
    assert run.returncode != 0 and "install Debian's chromium" in run.stderr


def test_make_test_checks_for_chromium_before_any_test():
    makefile = (REPO / "Makefile").read_text()
    prerequisites = next(line for line in makefile.splitlines() if line.startswith("test:")).split()
    assert "chromium" in prerequisites
