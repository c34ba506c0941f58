"""Builds the slow tier makes once a test session: ``sam build`` and the layers of ``layers/Makefile``.

A build takes seconds of a worker's time (wheels copied, bytecode compiled), the same inputs give
the same files (``test_built_layer.py::test_layer_build_is_reproducible``), and the tests only read
what it made. :func:`once_a_session` runs one the first time any pytest-xdist worker asks for it
and hands every later caller, on any worker, the same directory and the same outcome: a failed
build fails every test that uses it, with the build's own output.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "REPO",
    "TEMPLATE_PATH",
    "VENV_BIN",
    "SamBuild",
    "once_a_session",
    "run_sam_build",
    "sam",
    "sam_env",
]

REPO = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = REPO / "template.yaml"
VENV_BIN = Path(sys.executable).parent
#: sam lives in its own environment (it pins its own boto3): `make tools`, requirements/tools.txt.
TOOLS_BIN = REPO / ".venv-tools" / "bin"


def once_a_session(
    tmp_path_factory: Any, name: str, build: Callable[[Path], dict[str, Any]]
) -> tuple[Path, dict[str, Any]]:
    """``build(directory)`` run once a test session: (the directory, what ``build`` returned).

    ``build`` returns a JSON-able outcome (its exit status and output, say); the first caller runs
    it under a lock in the session's temporary directory (the one the xdist workers share), later
    callers wait for that lock and read the recorded outcome. An exception leaves nothing recorded:
    the next caller builds again.
    """
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # pytest-N: this session's, shared by its workers (popen-gwN below it)
    directory, record = root / f"once-{name}", root / f"once-{name}.json"
    with open(root / f"once-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not record.is_file():
            shutil.rmtree(directory, ignore_errors=True)
            directory.mkdir()
            outcome = build(directory)
            record.write_text(json.dumps(outcome), encoding="utf-8")
    outcome = json.loads(record.read_text(encoding="utf-8"))
    assert isinstance(outcome, dict)
    return directory, outcome


@dataclass(frozen=True)
class SamBuild:
    """The outcome of ``sam build``: its build directory, exit status and output."""

    build: Path
    returncode: int
    output: str


def sam() -> str | None:
    """The ``sam`` command (.venv-tools first), or None when it is not installed."""
    return shutil.which("sam", path=str(TOOLS_BIN)) or shutil.which("sam")


def sam_env() -> dict[str, str]:
    env = dict(os.environ)
    env["SAM_CLI_TELEMETRY"] = "0"
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def run_sam_build(command: str, directory: Path) -> dict[str, Any]:
    """``sam build`` of template.yaml (no container; python3.12 from the venv on PATH) into
    ``directory/build``: its exit status and output."""
    result = subprocess.run(
        [
            command,
            "build",
            "--template-file",
            str(TEMPLATE_PATH),
            "--build-dir",
            str(directory / "build"),
            "--cache-dir",
            str(directory / "cache"),
        ],
        cwd=REPO,
        env=sam_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return {"returncode": result.returncode, "output": result.stdout + result.stderr}
