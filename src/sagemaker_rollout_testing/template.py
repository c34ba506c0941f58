"""Find a function in a SAM template and import its handler, as Lambda would."""

from __future__ import annotations

import copy
import importlib.util
import re
import sys
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sagemaker_rollout_tools import cfn_yaml

__all__ = ["FunctionSpec", "TemplateError", "load_function_spec", "load_handler", "load_template"]

Handler = Callable[[dict[str, Any], Any], Any]


class TemplateError(ValueError):
    """The template, the function, or its handler cannot be resolved."""


_PARSED: dict[tuple[str, int, int], dict[str, Any]] = {}


def load_template(path: str | Path) -> dict[str, Any]:
    """Parse a CloudFormation / SAM YAML (or JSON) template (short-form tags allowed).

    Parses are remembered per file version (path, modification time, size): every test that
    starts a driver reads the same ``template.yaml``. Callers get their own deep copy.
    """
    try:
        stat = Path(path).stat()
        key = (str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size)
        if key not in _PARSED:
            document = cfn_yaml.load(Path(path).read_text(encoding="utf-8"))
            if not isinstance(document, dict):
                raise TemplateError(f"{path}: the template is not a mapping")
            _PARSED[key] = document
    except (OSError, cfn_yaml.CfnYamlError) as error:
        raise TemplateError(f"{path}: cannot read the template ({error})") from error
    return copy.deepcopy(_PARSED[key])


@dataclass(frozen=True)
class FunctionSpec:
    """What the driver needs to run one function of a template.

    Attributes
    ----------
    logical_id:
        The function's logical id.
    code_dir:
        Absolute ``CodeUri`` directory.
    module_path:
        The handler's source file.
    attribute:
        The handler's name inside the module.
    timeout_seconds, memory_mb:
        ``Timeout`` and ``MemorySize`` (``Globals.Function`` applied).
    environment:
        Environment variables whose values are literals or ``Ref``s to parameters with defaults.
    """

    logical_id: str
    code_dir: Path
    module_path: Path
    attribute: str
    timeout_seconds: int = 3
    memory_mb: int = 128
    environment: dict[str, str] = field(default_factory=dict)


def _resolve(
    value: Any, parameters: Mapping[str, Any], pseudo: Mapping[str, str] | None = None
) -> str | None:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping) and set(value) == {"Ref"}:
        name = str(value["Ref"])
        if pseudo and name in pseudo:
            return pseudo[name]
        parameter = parameters.get(name)
        if isinstance(parameter, Mapping) and "Default" in parameter:
            return _resolve(parameter["Default"], parameters)
    if isinstance(value, Mapping) and set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
        # ${Parameter} and ${AWS::Pseudo} only (what the provider's environment uses)
        unresolved: list[str] = []

        def substitute(match: re.Match[str]) -> str:
            resolved = _resolve({"Ref": match.group(1)}, parameters, pseudo)
            if resolved is None:
                unresolved.append(match.group(1))
            return resolved or ""

        text = re.sub(r"\$\{([A-Za-z0-9:]+)\}", substitute, value["Fn::Sub"])
        return None if unresolved else text
    return None


def load_function_spec(
    repo_root: str | Path,
    logical_id: str,
    template: str = "template.yaml",
    pseudo: Mapping[str, str] | None = None,
) -> FunctionSpec:
    """Read ``logical_id`` (``AWS::Serverless::Function``) from ``repo_root/template``.

    ``pseudo`` gives pseudo parameters (``AWS::Region``, ``AWS::AccountId``, ``AWS::Partition``) for
    environment values written with ``Fn::Sub``.
    """
    root = Path(repo_root).resolve()
    document = load_template(root / template)
    resources = document.get("Resources") or {}
    resource = resources.get(logical_id)
    if not isinstance(resource, Mapping) or resource.get("Type") != "AWS::Serverless::Function":
        raise TemplateError(f"Resources.{logical_id}: not an AWS::Serverless::Function in {template}")
    globals_ = ((document.get("Globals") or {}).get("Function") or {}) if isinstance(document, dict) else {}
    props: dict[str, Any] = {**globals_, **(resource.get("Properties") or {})}
    handler, code_uri = props.get("Handler"), props.get("CodeUri")
    if not isinstance(handler, str) or "." not in handler:
        raise TemplateError(
            f"Resources.{logical_id}.Properties.Handler: expected 'module.function', got {handler!r}"
        )
    if not isinstance(code_uri, str):
        raise TemplateError(f"Resources.{logical_id}.Properties.CodeUri: expected a local directory")
    module, attribute = handler.rsplit(".", 1)
    code_dir = (root / code_uri).resolve()
    module_path = code_dir.joinpath(*module.split(".")).with_suffix(".py")
    if not module_path.is_file():
        raise TemplateError(f"Resources.{logical_id}.Properties.Handler: {module_path} does not exist")
    parameters = document.get("Parameters") or {}
    environment: dict[str, str] = {}
    for source in (globals_, resource.get("Properties") or {}):
        variables = ((source.get("Environment") or {}).get("Variables")) or {}
        for name, value in variables.items():
            resolved = _resolve(value, parameters, pseudo)
            if resolved is not None:
                environment[str(name)] = resolved
    return FunctionSpec(
        logical_id=logical_id,
        code_dir=code_dir,
        module_path=module_path,
        attribute=attribute,
        timeout_seconds=int(props.get("Timeout", 3)),
        memory_mb=int(props.get("MemorySize", 128)),
        environment=environment,
    )


def load_handler(spec: FunctionSpec) -> Handler:
    """Import ``spec.module_path`` under a unique module name and return its handler.

    ``spec.code_dir`` is on ``sys.path`` while the module is imported (Lambda's working directory).
    """
    name = f"_sagemaker_rollout_fn_{spec.logical_id}_{uuid.uuid4().hex[:8]}"
    module_spec = importlib.util.spec_from_file_location(name, spec.module_path)
    if module_spec is None or module_spec.loader is None:
        raise TemplateError(f"{spec.module_path}: cannot be imported")
    module = importlib.util.module_from_spec(module_spec)
    code_dir = str(spec.code_dir)
    added = code_dir not in sys.path
    if added:
        sys.path.insert(0, code_dir)
    sys.modules[name] = module
    try:
        module_spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    finally:
        if added and code_dir in sys.path:
            sys.path.remove(code_dir)
    handler = getattr(module, spec.attribute, None)
    if not callable(handler):
        raise TemplateError(f"{spec.module_path}: has no callable {spec.attribute!r}")
    return handler  # type: ignore[no-any-return]
