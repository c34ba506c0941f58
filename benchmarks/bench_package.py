"""Cold import time of each Lambda handler, and the built layer's unzipped size.

Import time: ``python -X importtime -c "import app"`` in a fresh interpreter with ``PYTHONPATH`` set
to the handler's directory and ``layers/`` (what Lambda puts on the path), best of 5, cumulative
microseconds of ``app``; goal 300 ms. Layer size: ``sam build`` into a temporary directory (when
``sam`` is available, from ``.venv-tools``: the venv's ``bin`` on ``PATH`` for ``python3.12``,
telemetry off), size of the built layer directory; Lambda's limit for a function and its layers
unzipped is 250 MB. Run::

    .venv/bin/python benchmarks/bench_package.py [--no-sam]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess  # nosec B404 - fixed commands, no shell
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HANDLERS = ("endpoint_provider", "rollout_macro")
IMPORT_GOAL_MS = 300.0
LAMBDA_UNZIPPED_LIMIT_MB = 250.0


@dataclass(frozen=True)
class ImportTime:
    handler: str
    best_ms: float


def import_time(handler: str, repeat: int = 5) -> ImportTime:
    """Best-of-``repeat`` cumulative import time of ``handlers/<handler>/app.py``, in ms."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "handlers" / handler), str(ROOT / "layers")]),
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "PYTHONDONTWRITEBYTECODE": "",
    }
    samples = []
    for _ in range(repeat):
        done = subprocess.run(  # nosec B603 - our own interpreter, fixed arguments
            [sys.executable, "-X", "importtime", "-c", "import app"],
            env=env,
            cwd=tempfile.gettempdir(),
            capture_output=True,
            text=True,
            check=True,
        )
        for line in done.stderr.splitlines():
            parts = [p.strip() for p in line.removeprefix("import time:").split("|")]
            if len(parts) == 3 and parts[2] == "app":
                samples.append(int(parts[1]) / 1000)
    return ImportTime(handler, min(samples))


def layer_size_mb() -> tuple[float | None, str]:
    """Unzipped size of the built layer (MB) and how it was measured, or None and why not."""
    venv_bin = Path(sys.executable).parent
    tools_bin = ROOT / ".venv-tools" / "bin"  # sam's own environment (`make tools`)
    sam = shutil.which("sam", path=os.pathsep.join([str(tools_bin), os.environ.get("PATH", "")]))
    if sam is None:
        return None, "skipped: sam not found"
    with tempfile.TemporaryDirectory() as build:
        env = {
            **os.environ,
            "PATH": os.pathsep.join([str(venv_bin), os.environ.get("PATH", "")]),
            "SAM_CLI_TELEMETRY": "0",
        }
        try:
            subprocess.run(  # nosec B603 - fixed arguments
                [sam, "build", "--build-dir", build, "--template-file", str(ROOT / "template.yaml")],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=True,
                timeout=900,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            tail = (getattr(error, "stderr", "") or "").strip().splitlines()[-1:] or [str(error)]
            return None, f"skipped: sam build failed ({tail[0][:120]})"
        layers = [d for d in Path(build).iterdir() if d.is_dir() and (d / "python").is_dir()]
        if not layers:
            return None, "skipped: no layer directory (python/) in the build output"
        size = sum(f.stat().st_size for d in layers for f in d.rglob("*") if f.is_file())
        return size / 1_000_000, f"sam build ({', '.join(d.name for d in layers)})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-sam", action="store_true", help="skip the sam build")
    args = parser.parse_args(argv)
    for handler in HANDLERS:
        measured = import_time(handler)
        print(f"cold import {handler}: {measured.best_ms:.0f} ms (goal {IMPORT_GOAL_MS:.0f} ms)")
    if not args.no_sam:
        size, how = layer_size_mb()
        shown = f"{size:.1f} MB" if size is not None else "n/a"
        print(f"layer unzipped: {shown} of {LAMBDA_UNZIPPED_LIMIT_MB:.0f} MB ({how})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
