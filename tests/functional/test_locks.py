"""The lock files: complete, hashed, consistent with each other and with what the tests run on.

Four locks (``make lock`` writes them with uv; README "Dependencies and upgrades"):

- ``layers/requirements.txt``, the runtime: what ``sam build`` puts in the Lambda layer.
- ``requirements/dev.txt``, runtime + development: what ``.venv`` holds, compiled against the
  runtime lock so the tests run on the layer's boto3/botocore (botocore's SageMaker model *is* the
  property schema: a different botocore means different schemas, see ``schemas/``).
- ``requirements/tools.txt`` (aws-sam-cli, the CloudFormation CLI) and ``requirements/checkov.txt``:
  tools that pin their own boto3, each in its own environment so their pins never reach the runtime.
- ``requirements/bootstrap.txt``: pip and uv, installed first into ``.venv`` (the dev lock's releases);
  uv then installs the locks.

These tests fail when a lock drifts from pyproject.toml, from another lock or from ``.venv``.
"""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
RUNTIME_LOCK = REPO / "layers" / "requirements.txt"
DEV_LOCK = REPO / "requirements" / "dev.txt"
TOOLS_LOCK = REPO / "requirements" / "tools.txt"
CHECKOV_LOCK = REPO / "requirements" / "checkov.txt"
BOOTSTRAP_LOCK = REPO / "requirements" / "bootstrap.txt"
ALL_LOCKS = (RUNTIME_LOCK, DEV_LOCK, TOOLS_LOCK, CHECKOV_LOCK, BOOTSTRAP_LOCK)
#: Tools that pin their own boto3: never in the runtime or development locks.
SEPARATE_TOOLS = {"aws-sam-cli", "checkov", "cloudformation-cli", "cloudformation-cli-python-plugin"}

_ENTRY = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(?P<version>[^\s;\\]+)")
_HASH = re.compile(r"--hash=sha256:(?P<digest>[0-9a-f]{64})\b")


def _parse_lock(path: Path) -> dict[str, tuple[str, list[str]]]:
    """Parse a ``--generate-hashes`` lock into {canonical name: (version, sha256 digests)}.

    Every requirement line must be an exact ``==`` pin; anything else (a range, a URL, an
    ``-e``/``-r`` include) fails the parse with the offending line.
    """
    entries: dict[str, tuple[str, list[str]]] = {}
    current: str | None = None
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("--hash="):
            match = _HASH.search(line)
            assert current is not None and match, f"{path.name}:{number}: stray or malformed hash {raw!r}"
            entries[current][1].append(match["digest"])
            continue
        match = _ENTRY.match(line)
        assert match, f"{path.name}:{number}: not an exact pin: {raw!r}"
        current = canonicalize_name(match["name"])
        assert current not in entries, f"{path.name}:{number}: {current} pinned twice"
        entries[current] = (match["version"], [])
    return entries


def lock_pins(path: Path) -> dict[str, str]:
    return {name: version for name, (version, _) in _parse_lock(path).items()}


def _pyproject() -> dict[str, object]:
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def _runtime_requirements() -> list[Requirement]:
    project = _pyproject()["project"]
    assert isinstance(project, dict)
    return [Requirement(spec) for spec in project["dependencies"]]


def _dev_requirements() -> list[Requirement]:
    project = _pyproject()["project"]
    assert isinstance(project, dict)
    return [Requirement(spec) for spec in project["optional-dependencies"]["dev"]]


def _closure(roots: list[Requirement]) -> dict[str, set[str]]:
    """Every distribution ``roots`` need on this interpreter, by installed metadata: {name: extras}."""
    needed: dict[str, set[str]] = {}
    todo = [(req, set(req.extras)) for req in roots]
    while todo:
        req, extras = todo.pop()
        name = canonicalize_name(req.name)
        known = needed.get(name)
        if known is not None and extras <= known:
            continue
        needed[name] = (known or set()) | extras
        for spec in importlib.metadata.requires(req.name) or []:
            dep = Requirement(spec)
            # A dependency applies when its marker holds without an extra or with a requested one.
            if dep.marker is None or any(
                dep.marker.evaluate({**default_environment(), "extra": extra}) for extra in {"", *extras}
            ):
                todo.append((dep, set(dep.extras)))
    return needed


@pytest.mark.parametrize("lock", ALL_LOCKS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_lock_entry_is_an_exact_pin_with_hashes(lock: Path) -> None:
    """GIVEN a lock WHEN it is parsed THEN every entry is `name==version` with sha256 hashes.

    pip's ``--require-hashes`` refuses a lock with a missing hash, but only at install time.
    """
    entries = _parse_lock(lock)
    assert entries, f"{lock.name} pins nothing"
    unhashed = sorted(name for name, (_, digests) in entries.items() if not digests)
    assert not unhashed, f"{lock.name}: no --hash for {unhashed}"


def test_runtime_lock_pins_every_runtime_dependency_within_its_range() -> None:
    """GIVEN pyproject.toml's runtime dependencies and the runtime lock
    WHEN each dependency and everything it needs (installed metadata) is looked up in the lock
    THEN each is pinned, the pin is inside pyproject's range, and nothing else is in the lock.
    """
    pins = lock_pins(RUNTIME_LOCK)
    for req in _runtime_requirements():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is a runtime dependency but layers/requirements.txt lacks it"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"layers/requirements.txt pins {name}=={pins[name]} outside pyproject's {req}: run `make lock`"
        )
    needed = set(_closure(_runtime_requirements()))
    assert needed == set(pins), (
        f"runtime lock out of step with pyproject.toml: missing {sorted(needed - set(pins))}, "
        f"extra {sorted(set(pins) - needed)}: run `make lock`"
    )
    assert {"boto3", "botocore", "crhelper", "aws-lambda-powertools", "aws-xray-sdk"} <= set(pins)


def test_runtime_lock_has_no_separately_installed_tool() -> None:
    """GIVEN the runtime and development locks THEN no tool that pins its own boto3 is in them."""
    for lock in (RUNTIME_LOCK, DEV_LOCK):
        assert not SEPARATE_TOOLS & set(lock_pins(lock)), (
            f"{lock.name} holds {SEPARATE_TOOLS & set(lock_pins(lock))}"
        )


def test_dev_lock_pins_the_runtime_lock_releases() -> None:
    """GIVEN the runtime and development locks
    WHEN every runtime pin is looked up in the development lock
    THEN it is the same release: the tests run on the botocore (and boto3, crhelper, ...) the layer ships.
    """
    runtime, dev = lock_pins(RUNTIME_LOCK), lock_pins(DEV_LOCK)
    different = {
        name: (version, dev.get(name)) for name, version in runtime.items() if dev.get(name) != version
    }
    assert not different, f"runtime lock vs dev lock (runtime, dev): {different}"
    assert dev["botocore"] == runtime["botocore"]
    assert lock_pins(BOOTSTRAP_LOCK) == {"pip": dev["pip"], "uv": dev["uv"]}


def test_dev_lock_pins_every_development_dependency_within_its_range() -> None:
    """GIVEN pyproject.toml's `dev` extra THEN each is pinned in the development lock inside its range."""
    dev = lock_pins(DEV_LOCK)
    for req in _dev_requirements():
        name = canonicalize_name(req.name)
        assert name in dev, (
            f"{req.name} is in the dev extra but requirements/dev.txt lacks it: run `make lock`"
        )
        assert req.specifier.contains(dev[name], prereleases=True), f"{name}=={dev[name]} outside {req}"


def test_installed_environment_is_the_development_lock() -> None:
    """GIVEN the interpreter running the tests (.venv, `make venv`)
    WHEN each distribution of the development lock is looked up
    THEN the installed version is the locked one (boto3 and botocore included).
    """
    dev = lock_pins(DEV_LOCK)
    installed = {
        canonicalize_name(dist.metadata["Name"]): dist.version for dist in importlib.metadata.distributions()
    }
    mismatched = {
        name: (version, installed.get(name))
        for name, version in dev.items()
        if installed.get(name) != version
    }
    assert not mismatched, f"(locked, installed): {mismatched}: run `make venv`"
    runtime = lock_pins(RUNTIME_LOCK)
    assert importlib.metadata.version("botocore") == runtime["botocore"]
    assert importlib.metadata.version("boto3") == runtime["boto3"]


@pytest.mark.parametrize(
    ("lock", "tools"),
    [
        (TOOLS_LOCK, {"aws-sam-cli", "cloudformation-cli", "cloudformation-cli-python-plugin"}),
        (CHECKOV_LOCK, {"checkov"}),
    ],
    ids=["tools", "checkov"],
)
def test_tool_locks_hold_their_tools(lock: Path, tools: set[str]) -> None:
    """GIVEN a tools lock THEN it pins its tools, with the boto3 and botocore they need."""
    pins = lock_pins(lock)
    assert tools <= set(pins), f"{lock.name} lacks {tools - set(pins)}"
    assert {"boto3", "botocore"} <= set(pins)
