"""boto3 clients typed with boto3-stubs, for type checking only (issue 11).

The runtime's clients carry their ``mypy_boto3_<service>`` types, so ``mypy --strict`` checks every
direct call; the stubs are a development dependency the Lambda layer does not ship, so the runtime
imports them only under ``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RUNTIME = REPO / "layers" / "sagemaker_rollout"
STUBS = (
    "mypy_boto3_sagemaker",
    "mypy_boto3_application_autoscaling",
    "mypy_boto3_cloudwatch",
    "mypy_boto3_cloudformation",
    "mypy_boto3_dynamodb",
    "mypy_boto3_lambda",
)


def _stub_imports(path: Path) -> list[tuple[int, bool]]:
    """(line, under TYPE_CHECKING) of every import of a boto3-stubs package in ``path``."""
    found: list[tuple[int, bool]] = []

    def visit(node: ast.AST, guarded: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = guarded or (isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test))
            names = (
                [a.name for a in child.names]
                if isinstance(child, ast.Import)
                else [child.module or ""]
                if isinstance(child, ast.ImportFrom)
                else []
            )
            if any(n.split(".")[0].startswith("mypy_boto3_") for n in names):
                found.append((child.lineno, guarded))
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


def test_the_runtime_imports_the_stubs_only_for_type_checking() -> None:
    """GIVEN every runtime module WHEN its boto3-stubs imports are read THEN each is under
    ``if TYPE_CHECKING:`` (and there are some: the clients are typed)."""
    imports = {
        f"{path.relative_to(REPO)}:{line}": guarded
        for path in RUNTIME.rglob("*.py")
        for line, guarded in _stub_imports(path)
    }
    assert imports, "no runtime module types its boto3 clients"
    assert [where for where, guarded in imports.items() if not guarded] == []


def test_every_service_the_runtime_asks_for_has_a_typed_client() -> None:
    """GIVEN the services named in ``runtime.client("<service>")`` calls WHEN compared with the
    overloads of ``ProviderRuntime.client`` THEN each has one (mypy then types the call)."""
    asked = {
        m.group(1)
        for path in RUNTIME.rglob("*.py")
        if "macro" not in path.parts
        for m in re.finditer(r"\.client\(\"([a-z-]+)\"\)", path.read_text(encoding="utf-8"))
    }
    source = (RUNTIME / "aws" / "runtime.py").read_text(encoding="utf-8")
    typed = set(re.findall(r'def client\(self, service: Literal\["([a-z-]+)"\]\)', source))
    assert asked and asked <= typed


@pytest.mark.parametrize(
    "module",
    [
        "sagemaker_rollout.custom_resource.handler",
        "sagemaker_rollout.rollout.engine",
        "sagemaker_rollout.aws.autoscaling",
        "sagemaker_rollout.registry_type",
    ],
)
def test_the_runtime_imports_without_the_stubs(module: str) -> None:
    """GIVEN a Python where importing any boto3-stubs package fails (as in the layer) WHEN a runtime
    module is imported THEN it imports."""
    code = (
        "import sys\n"
        f"for name in {STUBS!r}: sys.modules[name] = None\n"
        f"import {module}\n"
        "import sagemaker_rollout.rollout.create, sagemaker_rollout.journal\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False, cwd=REPO
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"
