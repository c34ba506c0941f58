"""The built Lambda layer: what ships, its size, and that the handlers run from it alone (``slow``).

The layer is built by ``layers/Makefile`` (what ``sam build`` runs, ``BuildMethod: makefile``)
into temporary directories: for arm64 (what deploys; its size and contents: the layer of the
session's one ``sam build``, conftest.py's ``sam_build``, or of ``make`` without sam) and for x86_64
(this machine: the arm64 build's compiled modules do not load here), from which both handlers are
imported in a fresh interpreter whose ``sys.path`` is the standard library, the layer and the
handler's directory only. Each is built once a test session, whichever xdist worker needs it first
(builds.py); the tests only read them.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import importlib.metadata
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from builds import SamBuild, once_a_session
from packaging.utils import canonicalize_name
from test_locks import RUNTIME_LOCK, lock_pins

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
LAYERS = REPO / "layers"
VENV_BIN = Path(sys.executable).parent
SERVICES_FILE = LAYERS / "botocore-services.txt"
# The budget of issue 11 (decimal megabytes; Lambda's own limit for a function and its layers is
# 250 MB unzipped: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
BUDGET_BYTES = 15_000_000
ABSENT = ("sagemaker_rollout_tools", "sagemaker_rollout_testing", "yaml", "moto", "cfnlint")
HANDLERS = ("endpoint_provider", "rollout_macro")
X86 = "x86_64-manylinux2014"


def make_layer(target: Path, platform: str | None = None) -> dict[str, Any]:
    """``make build-SageMakerRolloutLayer`` into ``target`` (uv and python3.12 from .venv): its exit
    status and output."""
    command = ["make", "-s", "-C", str(LAYERS), "build-SageMakerRolloutLayer", f"ARTIFACTS_DIR={target}"]
    if platform:
        command.append(f"LAYER_PLATFORM={platform}")
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("MAKEFLAGS", None)
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
    return {"returncode": done.returncode, "output": done.stdout + done.stderr}


def build_layer(target: Path, platform: str | None = None) -> Path:
    """``make build-SageMakerRolloutLayer`` into ``target``, which must succeed."""
    outcome = make_layer(target, platform)
    assert outcome["returncode"] == 0, outcome["output"]
    return target


def tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def unzipped_size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def declared_services() -> set[str]:
    lines = SERVICES_FILE.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")}


DEPENDENCY_SERVICES = {"xray"}
"""Services a dependency of the runtime builds a client for (botocore-services.txt says which, why)."""


_CLIENT = re.compile(r"""\.(?:client|bounded_client|get_service_model)\(\s*["']([a-z0-9-]+)["']""")


def services_in_source() -> set[str]:
    """Every service the runtime builds a client for or reads the model of (its source, by regex)."""
    found: set[str] = set()
    for path in (LAYERS / "sagemaker_rollout").rglob("*.py"):
        found.update(_CLIENT.findall(path.read_text(encoding="utf-8")))
    return found


def run_in_layer(layer: Path, code: str, *extra_path: Path) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh Python 3.12 whose path is the stdlib, the layer and ``extra_path``.

    ``-I`` (no PYTHON* variables, no user site) and ``-S`` (no site-packages): nothing of .venv is
    importable; ``-B``: nothing is written into the layer (Lambda's /opt is read-only).
    """
    paths = [str(layer / "python"), *map(str, extra_path)]
    prelude = f"import sys; sys.path[:0] = {paths!r}\n"
    env = {"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", "PATH": os.environ.get("PATH", "")}
    return subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", prelude + code],
        env=env,
        cwd=layer,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def arm_layer(tmp_path_factory: pytest.TempPathFactory, sam_build: SamBuild | None) -> Path:
    """The arm64 layer: the one of the session's ``sam build`` (``make`` once a session without sam)."""
    if sam_build is not None:
        assert sam_build.returncode == 0, sam_build.output
        return sam_build.build / "SageMakerRolloutLayer"
    directory, outcome = once_a_session(tmp_path_factory, "layer-arm64", lambda d: make_layer(d / "layer"))
    assert outcome["returncode"] == 0, outcome["output"]
    return directory / "layer"


@pytest.fixture(scope="module")
def x86_layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The x86_64 layer, built once a session."""
    directory, outcome = once_a_session(
        tmp_path_factory, "layer-x86_64", lambda d: make_layer(d / "layer", X86)
    )
    assert outcome["returncode"] == 0, outcome["output"]
    return directory / "layer"


def test_layer_arm64_is_within_15_mb_unzipped(arm_layer: Path) -> None:
    # GIVEN the arm64 layer (what deploys) WHEN its files are summed and zipped
    size = unzipped_size(arm_layer)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(arm_layer.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(arm_layer))
    print(f"arm64 layer: {size / 1e6:.2f} MB unzipped, {len(buffer.getvalue()) / 1e6:.2f} MB zipped")
    # THEN it stays within the budget
    assert size <= BUDGET_BYTES, f"{size / 1e6:.2f} MB unzipped, budget {BUDGET_BYTES / 1e6:.0f} MB"


def test_layer_build_is_reproducible(arm_layer: Path, tmp_path: Path) -> None:
    # GIVEN one arm64 build (sam build's) WHEN the same inputs are built again elsewhere (make)
    again = build_layer(tmp_path / "layer")
    # THEN every file is the same, byte for byte
    assert tree_digest(again) == tree_digest(arm_layer)


@pytest.mark.parametrize("platform", ["arm64", "x86_64"])
def test_layer_ships_the_runtime_and_exactly_the_runtime_lock(
    platform: str, arm_layer: Path, x86_layer: Path
) -> None:
    # GIVEN a built layer
    python = (arm_layer if platform == "arm64" else x86_layer) / "python"
    # WHEN its distributions and top-level entries are listed
    dists = list(importlib.metadata.distributions(path=[str(python)]))
    shipped = {canonicalize_name(d.metadata["Name"]): d.version for d in dists}
    # THEN the distributions are the runtime lock's releases, plus the runtime package alone
    assert shipped == lock_pins(RUNTIME_LOCK)
    assert (python / "sagemaker_rollout" / "__init__.py").is_file()
    assert not (python / "bin").exists()
    for name in ABSENT:
        assert not (python / name).exists() and not (python / f"{name}.py").exists(), name


@pytest.mark.parametrize("platform", ["arm64", "x86_64"])
def test_layer_files_are_a_subset_of_the_locked_releases(
    platform: str, arm_layer: Path, x86_layer: Path
) -> None:
    # GIVEN a built layer
    python = (arm_layer if platform == "arm64" else x86_layer) / "python"
    # WHEN every file is matched against its distribution's RECORD (the hashes of the released
    # wheel, itself checked against the lock)
    recorded: dict[str, str] = {}
    for record in python.glob("*.dist-info/RECORD"):
        for row in csv.reader(record.read_text(encoding="utf-8").splitlines()):
            recorded[row[0]] = row[1]
    unaccounted = []
    for path in sorted(python.rglob("*")):
        relative = path.relative_to(python).as_posix()
        if not path.is_file() or path.suffix == ".pyc" or relative.startswith("sagemaker_rollout/"):
            continue
        if relative not in recorded:
            unaccounted.append(relative)
            continue
        if recorded[relative]:
            algorithm, _, expected = recorded[relative].partition("=")
            digest = base64.urlsafe_b64encode(hashlib.new(algorithm, path.read_bytes()).digest())
            assert digest.rstrip(b"=").decode() == expected, relative
    # THEN every file is a released one, unchanged, and every recorded file ships
    assert unaccounted == []
    missing = [name for name in recorded if not name.startswith("..") and not (python / name).exists()]
    assert missing == []
    # AND the only services with data are the declared ones
    services = {p.name for p in (python / "botocore" / "data").iterdir() if p.is_dir()}
    assert services == declared_services()


def test_layer_declares_the_services_the_runtime_uses() -> None:
    # GIVEN the runtime's source WHEN the services it builds clients for are found
    used = services_in_source()
    # THEN the layer's list (layers/botocore-services.txt) names exactly those
    assert "sagemaker" in used and "dynamodb" in used  # the regex still finds the calls
    assert used | DEPENDENCY_SERVICES == declared_services(), (
        f"the runtime uses {sorted(used)}; {SERVICES_FILE.name} must list them"
    )


def test_layer_loads_every_service_the_runtime_uses(x86_layer: Path) -> None:
    # GIVEN the services of the runtime's source and of its dependencies
    services = sorted(services_in_source() | DEPENDENCY_SERVICES)
    # WHEN the layer's own Python loads each model and builds each client (no call is made)
    code = (
        "import botocore, botocore.session\n"
        f"assert botocore.__file__.startswith({str(x86_layer)!r}), botocore.__file__\n"
        "session = botocore.session.get_session()\n"
        f"for name in {services!r}:\n"
        "    session.get_service_model(name)\n"
        "    session.create_client(name, region_name='us-east-1', aws_access_key_id='x',\n"
        "                          aws_secret_access_key='y')\n"
        "print('loaded', len(session.get_available_services()))\n"
    )
    done = run_in_layer(x86_layer, code)
    # THEN each one loads from the layer's data, and nothing else is there
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"loaded {len(services)}"


@pytest.mark.parametrize("handler", HANDLERS)
def test_handler_imports_from_the_built_layer_alone(handler: str, x86_layer: Path) -> None:
    # GIVEN the x86_64 layer and the handler's directory (all that Lambda puts on the path)
    handler_dir = REPO / "handlers" / handler
    code = (
        "import importlib.util, json, sysconfig\n"
        "import app\n"
        "assert callable(app.handler)\n"
        f"absent = [n for n in {list(ABSENT)!r} if importlib.util.find_spec(n) is not None]\n"
        "stdlib = sysconfig.get_paths()['stdlib']\n"
        "files = {getattr(m, '__file__', None) for m in list(sys.modules.values())} - {None}\n"
        f"allowed = ({str(x86_layer)!r}, {str(handler_dir)!r}, stdlib)\n"
        "foreign = sorted(f for f in files if not f.startswith(allowed))\n"
        "print(json.dumps({'absent': absent, 'foreign': foreign}))\n"
    )
    # WHEN the handler module is imported in a fresh interpreter
    done = run_in_layer(x86_layer, code, handler_dir)
    # THEN it imports, every module comes from the layer, the handler or the standard library, and
    # the tools, the test kit, PyYAML, moto and cfn-lint are not importable
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"absent": [], "foreign": []}


def test_logging_metrics_and_tracing_run_from_the_pruned_layer(x86_layer: Path) -> None:
    """GIVEN the layer, whose aws_lambda_powertools lacks event_handler/ and most utilities/
    (layers/Makefile) WHEN the provider's telemetry logs and flushes a metric, the tracer is built as
    in Lambda (tracing on) and the macro's handler is imported THEN all of it runs, every module
    from the layer or the standard library."""
    code = (
        "import json, os, sysconfig\n"
        "os.environ.update(AWS_LAMBDA_FUNCTION_NAME='provider', POWERTOOLS_TRACE_DISABLED='false')\n"
        "from sagemaker_rollout.custom_resource.telemetry import Telemetry\n"
        "from sagemaker_rollout.tracing import _tracer\n"
        "import sagemaker_rollout.macro.handler\n"
        "telemetry = Telemetry()\n"
        "telemetry.notify('metric', 'RolloutSucceeded')\n"
        "telemetry.logger.info('from the layer')\n"
        "telemetry.flush()\n"
        "assert _tracer() is not None\n"
        "stdlib = sysconfig.get_paths()['stdlib']\n"
        "files = {getattr(m, '__file__', None) for m in list(sys.modules.values())} - {None}\n"
        f"foreign = sorted(f for f in files if not f.startswith(({str(x86_layer)!r}, stdlib)))\n"
        "print(json.dumps(foreign))\n"
    )
    done = run_in_layer(x86_layer, code)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
    assert '"RolloutSucceeded"' in done.stdout and "from the layer" in done.stdout
    assert not (x86_layer / "python" / "aws_lambda_powertools" / "event_handler").exists()


def cold_start_modules_without_bytecode(layer: Path, handler: str) -> list[str]:
    """Modules that importing ``handler``'s ``app`` loads from ``layer`` with no .pyc beside them.

    Each is compiled again at every cold start: /opt is read-only in Lambda, so Python cannot cache
    the bytecode it compiles there (see layers/Makefile).
    """
    code = (
        "import importlib.util, json, os\n"
        "import app\n"
        f"layer = {str(layer / 'python')!r}\n"
        "missing = sorted(\n"
        "    name for name, m in list(sys.modules.items())\n"
        "    if (getattr(m, '__file__', None) or '').startswith(layer)\n"
        "    and m.__file__.endswith('.py')\n"
        "    and not os.path.isfile(importlib.util.cache_from_source(m.__file__))\n"
        ")\n"
        "print(json.dumps(missing))\n"
    )
    done = run_in_layer(layer, code, REPO / "handlers" / handler)
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def test_every_module_the_provider_imports_at_cold_start_has_bytecode(x86_layer: Path) -> None:
    # GIVEN the x86_64 layer (its bytecode is the arm64 build's: .pyc does not depend on the machine)
    # WHEN the provider's handler is imported from it
    missing = cold_start_modules_without_bytecode(x86_layer, "endpoint_provider")
    # THEN every module it loads from the layer has its .pyc (PYC_PACKAGES in layers/Makefile)
    assert missing == [], f"no bytecode in the layer for {missing}: add their packages to PYC_PACKAGES"


def test_the_macro_lacks_bytecode_only_for_the_packages_too_large_for_the_budget(x86_layer: Path) -> None:
    # GIVEN the x86_64 layer WHEN the macro's handler is imported from it
    missing = cold_start_modules_without_bytecode(x86_layer, "rollout_macro")
    # THEN only aws_lambda_powertools (2.1 MB of bytecode) and typing_extensions, which does not fit
    # beside it in the 15 MB budget, are compiled at its cold start
    assert missing, "the check found no module at all: it no longer reads the layer"
    assert {name.split(".")[0] for name in missing} <= {"aws_lambda_powertools", "typing_extensions"}, missing


def run_functional(layer: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """pytest on ``args`` with every provider client built from ``layer``'s botocore data only."""
    env = {
        **os.environ,
        "SAGEMAKER_ROLLOUT_BUILT_LAYER": str(layer),
        "PYTHONPATH": str(REPO / "tests" / "functional"),
    }
    command = [sys.executable, "-m", "pytest", "-q", "-p", "built_layer_data", "-p", "no:cacheprovider"]
    return subprocess.run(
        [*command, "-n", "0", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )


def test_functional_suites_pass_with_the_built_layers_botocore_data(x86_layer: Path) -> None:
    # GIVEN the provider's functional suites (create, update, delete, autoscaling kept and
    # restored, alarms, hand-offs, the journal), less the input checks (no AWS call) and the
    # long throttling waits (the same clients) to keep the slow tier short
    suites = ["tests/functional/test_provider.py", "tests/functional/test_rollout_journal.py"]
    chosen = "not bad_input and not throttled and not request_deadline and not five_invocations"
    # WHEN they run with every provider client built from the layer's botocore data only
    done = run_functional(x86_layer, "-k", chosen, *suites)
    # THEN they pass, and the provider did build its clients that way
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    summary = re.search(r"built-layer botocore data: clients built for (\S+)", done.stdout)
    assert summary is not None, done.stdout[-2000:]
    # (a wait for SageMaker suspends: its wake-ups are SQS messages, issue 23; lambda is the
    # hand-off of other waits, which these suites may not reach)
    assert {"sagemaker", "application-autoscaling", "cloudwatch", "dynamodb", "sqs"} <= set(
        summary.group(1).split(",")
    )


def test_functional_mode_fails_when_the_layer_lacks_a_service(x86_layer: Path, tmp_path: Path) -> None:
    # GIVEN a copy of the layer without Application Auto Scaling's data
    layer = tmp_path / "layer"
    shutil.copytree(x86_layer, layer)
    shutil.rmtree(layer / "python" / "botocore" / "data" / "application-autoscaling")
    # WHEN a provider test that keeps autoscaling runs on it
    test = "test_update_instance_type_canary_keeps_autoscaling_and_removes_old_config"
    done = run_functional(layer, f"tests/functional/test_provider.py::{test}")
    # THEN it fails for want of that service's data (the mode does read the layer's data)
    assert done.returncode != 0
    assert "Unknown service: 'application-autoscaling'" in done.stdout + done.stderr
