"""The three packages' rooms (contract section 8): imports point one way.

``sagemaker_rollout`` (the runtime, the only package in the Lambda layer) imports neither the tools
nor the test kit, nor any third-party package the layer does not ship. The tools reach the test kit
only from inside the ``demo`` command's function, when it runs. Every import is read from the
source (function-level imports included), so a lazy import cannot hide an edge.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ROOTS = {
    "sagemaker_rollout": REPO / "layers" / "sagemaker_rollout",
    "sagemaker_rollout_tools": REPO / "src" / "sagemaker_rollout_tools",
    "sagemaker_rollout_testing": REPO / "src" / "sagemaker_rollout_testing",
}
#: Third-party top-level modules the layer ships (layers/requirements.txt) plus the standard library.
LAYER_THIRD_PARTY = {
    "boto3",
    "botocore",
    "crhelper",
    "aws_lambda_powertools",
    "aws_xray_sdk",
    "jmespath",
    "typing_extensions",
    "mypy_boto3_sagemaker",
    "mypy_boto3_application_autoscaling",
    "mypy_boto3_cloudwatch",
    "mypy_boto3_lambda",
    "mypy_boto3_dynamodb",
    "mypy_boto3_cloudformation",
}


def _module_name(package: str, path: Path) -> str:
    relative = path.relative_to(ROOTS[package]).with_suffix("")
    parts = [package, *relative.parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, module: str) -> list[tuple[str, int, bool]]:
    """(imported module, line, inside a function) for every import statement of a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, int, bool]] = []

    def visit(node: ast.AST, in_function: bool, type_checking: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            guarded = type_checking or (
                isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test)
            )
            if isinstance(child, ast.Import) and not type_checking:
                found.extend((alias.name, child.lineno, in_function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and not type_checking:
                if child.level:
                    base = module.split(".")
                    if path.name != "__init__.py":
                        base = base[:-1]
                    base = base[: len(base) - (child.level - 1)]
                    name = ".".join([*base, child.module] if child.module else base)
                else:
                    name = child.module or ""
                found.append((name, child.lineno, in_function))
            visit(child, nested, guarded)

    visit(tree, False, False)
    return found


def _all_imports(package: str) -> list[tuple[str, str, int, bool]]:
    rows = []
    for path in sorted(ROOTS[package].rglob("*.py")):
        module = _module_name(package, path)
        rows.extend((module, name, line, lazy) for name, line, lazy in _imports(path, module))
    return rows


def test_the_runtime_imports_neither_the_tools_nor_the_test_kit() -> None:
    """GIVEN every import in the runtime WHEN read THEN none names the tools or the test kit."""
    offending = [
        f"{module}:{line} imports {name}"
        for module, name, line, _lazy in _all_imports("sagemaker_rollout")
        if name.split(".")[0] in {"sagemaker_rollout_tools", "sagemaker_rollout_testing"}
    ]
    assert offending == []


def test_the_runtime_imports_only_what_the_layer_ships() -> None:
    """GIVEN every import in the runtime WHEN its top-level package is looked up THEN it is the
    standard library, the runtime itself or a package of the runtime lock (no yaml, moto, cfnlint)."""
    stdlib = set(sys.stdlib_module_names)
    offending = sorted(
        f"{module}:{line} imports {name}"
        for module, name, line, _lazy in _all_imports("sagemaker_rollout")
        if (top := name.split(".")[0]) not in stdlib
        and top not in LAYER_THIRD_PARTY
        and top not in {"sagemaker_rollout", "__future__"}
    )
    assert offending == []


def test_the_tools_reach_the_test_kit_only_when_the_demo_runs() -> None:
    """GIVEN every import in the tools WHEN one names the test kit THEN it is inside a function of
    the ``demo`` command (the test kit is imported only when ``demo`` runs)."""
    offending = [
        f"{module}:{line} imports {name}"
        for module, name, line, lazy in _all_imports("sagemaker_rollout_tools")
        if name.split(".")[0] == "sagemaker_rollout_testing"
        and not (lazy and module == "sagemaker_rollout_tools.cli.demo")
    ]
    assert offending == []


def test_the_simulator_keeps_its_own_copy_of_sagemakers_rules() -> None:
    """GIVEN the simulator (the oracle the provider is tested against) WHEN its imports are read THEN
    of the runtime it uses only the clock: never the domain module, the spec or the planner."""
    used = {
        name
        for module, name, _line, _lazy in _all_imports("sagemaker_rollout_testing")
        if module.startswith("sagemaker_rollout_testing.simulator") and name.startswith("sagemaker_rollout.")
    }
    assert used == {"sagemaker_rollout.clock"}


#: The runtime's layers (contract section 9; docs/architecture.md), lowest first. A module may import
#: its own layer and the layers below it, never one above.
RUNTIME_LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "domain",
        (
            "sagemaker_rollout",
            "sagemaker_rollout.__version__",
            "sagemaker_rollout.clock",
            "sagemaker_rollout.current",
            "sagemaker_rollout.naming",
            "sagemaker_rollout.sagemaker",
            "sagemaker_rollout.tracing",
        ),
    ),
    ("aws", ("sagemaker_rollout.aws",)),
    ("spec", ("sagemaker_rollout.spec",)),
    ("planner", ("sagemaker_rollout.planner",)),
    ("engine", ("sagemaker_rollout.rollout", "sagemaker_rollout.journal")),
    (
        "front end",
        ("sagemaker_rollout.custom_resource", "sagemaker_rollout.registry_type", "sagemaker_rollout.events"),
    ),
)
#: Front ends stand side by side: none imports another.
FRONT_ENDS = RUNTIME_LAYERS[-1][1]
#: The macro stands beside the layers: it uses the domain and the spec, and nothing imports it.
MACRO = "sagemaker_rollout.macro"
MACRO_MAY_USE = ("domain", "spec")


def _within(module: str, root: str) -> bool:
    return module == root or module.startswith(root + ".")


def _layer(module: str) -> int | None:
    """Index of ``module``'s layer in :data:`RUNTIME_LAYERS`; None for the macro or outside the runtime.

    The package itself (``sagemaker_rollout``) is the domain's; every other root covers its submodules.
    """
    if module == "sagemaker_rollout":
        return 0
    for index, (_name, roots) in enumerate(RUNTIME_LAYERS):
        if any(_within(module, root) for root in roots if root != "sagemaker_rollout"):
            return index
    return None


def test_every_runtime_module_belongs_to_a_layer() -> None:
    """GIVEN every module of the runtime WHEN its layer is looked up THEN it has one, or is the macro."""
    modules = {_module_name("sagemaker_rollout", p) for p in ROOTS["sagemaker_rollout"].rglob("*.py")}
    homeless = sorted(m for m in modules if _layer(m) is None and not _within(m, MACRO))
    assert homeless == []


def test_runtime_imports_point_down_one_way() -> None:
    """GIVEN every import inside the runtime (lazy and type-checking-free ones included) WHEN the
    importing and the imported module's layers are compared THEN no import runs up a layer, no front
    end imports another, the macro uses only the domain and the spec, and nothing imports the macro."""
    may_use = {name for name, _roots in RUNTIME_LAYERS if name in MACRO_MAY_USE}
    names = [name for name, _roots in RUNTIME_LAYERS]
    offending = []
    for module, name, line, _lazy in _all_imports("sagemaker_rollout"):
        if not _within(name, "sagemaker_rollout"):
            continue
        where = f"{module}:{line} imports {name}"
        if _within(name, MACRO):
            if not _within(module, MACRO):
                offending.append(f"{where} (nothing imports the macro)")
            continue
        target = _layer(name)
        assert target is not None, where
        if _within(module, MACRO):
            if names[target] not in may_use:
                offending.append(f"{where} (the macro uses only {', '.join(sorted(may_use))})")
            continue
        source = _layer(module)
        assert source is not None, where
        if target > source:
            offending.append(f"{where} ({names[source]} -> {names[target]}: up)")
        mine = [root for root in FRONT_ENDS if _within(module, root)]
        theirs = [root for root in FRONT_ENDS if _within(name, root)]
        if mine and theirs and mine != theirs:
            offending.append(f"{where} (one front end imports another)")
    assert offending == []


def test_the_runtime_has_no_module_over_400_lines() -> None:
    """GIVEN the runtime's modules WHEN their lines are counted THEN none is over 400 (issue 11)."""
    long = {
        str(path.relative_to(REPO)): n
        for path in ROOTS["sagemaker_rollout"].rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert long == {}


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False, cwd=REPO
    )


@pytest.mark.parametrize("command", ["render", "lint", "plan", "migrate", "history"])
def test_commands_other_than_demo_never_load_the_test_kit(command: str) -> None:
    """GIVEN the command line WHEN a command's help is built THEN no test-kit module was imported."""
    result = _run(
        "import sys, contextlib, io\n"
        "from sagemaker_rollout_tools.cli import main\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main([{command!r}, '--help'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('sagemaker_rollout_testing')))\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    ("blocked", "argv", "package", "extra"),
    [
        ("yaml", ["render", "template.yaml"], "PyYAML", "cli"),
        ("cfnlint", ["lint", "templates/canary-with-alarms.yaml"], "cfn-lint", "cli"),
        ("moto", ["demo"], "moto", "testing"),
    ],
)
def test_a_command_whose_extra_is_missing_names_the_extra(
    blocked: str, argv: list[str], package: str, extra: str
) -> None:
    """GIVEN a third-party package of an extra that is not installed WHEN a command needs it THEN it
    exits 2 with one line naming the package and the extra to install, no traceback."""
    result = _run(
        "import sys\n"
        f"sys.modules[{blocked!r}] = None  # as if not installed: importing it raises ModuleNotFoundError\n"
        "from sagemaker_rollout_tools.cli import main\n"
        f"sys.exit(main({argv!r}))\n"
    )
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert package in lines[0]
    assert f"pip install 'sagemaker-rollout[{extra}]'" in lines[0]
    assert lines[0].startswith(f"sagemaker-rollout {argv[0]}:")


#: The runtime's broad handlers: one per Lambda entry point and the engine's step barrier (issue 19).
BROAD_HANDLERS = {
    "sagemaker_rollout.custom_resource.handler": 1,
    "sagemaker_rollout.events.handler": 1,
    "sagemaker_rollout.macro.handler": 1,
    "sagemaker_rollout.rollout.barrier": 1,
}


def test_broad_except_only_at_entry_points_and_the_step_barrier() -> None:
    """GIVEN every exception handler of the runtime WHEN it catches Exception, BaseException or
    everything THEN it is one of the entry points' or the step barrier's; every other handler names
    the errors it expects (``ClientError``, ``AWS_ERRORS``, ...)."""
    broad: dict[str, int] = {}
    for path in sorted(ROOTS["sagemaker_rollout"].rglob("*.py")):
        module = _module_name("sagemaker_rollout", path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ExceptHandler) and (
                node.type is None or ast.unparse(node.type) in ("Exception", "BaseException")
            ):
                broad[module] = broad.get(module, 0) + 1
    assert broad == BROAD_HANDLERS
