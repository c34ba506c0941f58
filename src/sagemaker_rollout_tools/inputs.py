"""What a command says when its TEMPLATE argument is not a CloudFormation template.

Every command that reads a template (``render``, ``lint``, ``plan``, ``demo``, ``migrate``) reads
it through :func:`read_text` and checks what it parsed with :func:`check_template`, so a wrong file
gets the same one-line answer, saying what to pass instead:

* a directory, a missing or unreadable file, binary data;
* source code (a CDK app in TypeScript, Python, Java, C#, Go): ``run `cdk synth` and pass the
  template it writes``;
* JSON or YAML that is not a template: a CDK app's ``cdk.json``, a CloudFormation parameters file
  (``[{"ParameterKey": ...}]``), a list, a scalar, a mapping without ``Resources``.

A template is a mapping with a ``Resources`` mapping of logical ids to resources, each a mapping
with a ``Type`` ("Template anatomy", CloudFormation user guide, template-anatomy.html: Resources is
the only required section; resources-section-structure.html: each resource declares a Type).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["NotATemplateError", "check_template", "read_text"]

#: File suffixes of the languages a CDK app is written in.
_SOURCE_SUFFIXES = {
    ".ts": "TypeScript",
    ".tsx": "TypeScript",
    ".js": "JavaScript",
    ".mjs": "JavaScript",
    ".py": "Python",
    ".java": "Java",
    ".cs": "C#",
    ".go": "Go",
    ".kt": "Kotlin",
}
_SOURCE_START = re.compile(
    r"^\s*(import\s|from\s+\S+\s+import\s|export\s|const\s|let\s|var\s|package\s|using\s|"
    r"#!|//|/\*|class\s|def\s|public\s|namespace\s|require\()",
    re.MULTILINE,
)
_SYNTH = "run `cdk synth` and pass the template it writes (cdk.out/<Stack>.template.json)"


class NotATemplateError(ValueError):
    """The file is not a CloudFormation template; ``str()`` is one line saying what to pass."""


def read_text(path: Path) -> str:
    """The file's text (UTF-8), or one line saying why it cannot be a template.

    Raises
    ------
    NotATemplateError
        A directory, a missing or unreadable file, binary data, or source code.
    """
    if path.is_dir():
        raise NotATemplateError(f"{path}: is a directory; pass a template file (YAML or JSON)")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise NotATemplateError(
            f"{path}: {err.strerror or err}; pass a CloudFormation template (YAML or JSON)"
        ) from None
    if b"\x00" in data[:4096]:
        raise NotATemplateError(
            f"{path}: binary data, not a CloudFormation template; pass the template (YAML or JSON)"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise NotATemplateError(
            f"{path}: not UTF-8 text ({err.reason} at byte {err.start}); save the template as UTF-8"
        ) from None
    language = _SOURCE_SUFFIXES.get(path.suffix.lower())
    if language is None and _SOURCE_START.search(text[:2000]) and not text.lstrip().startswith(("{", "---")):
        first = text.lstrip().split("\n", 1)[0]
        if not re.match(r"^[\w\"'.-]+\s*:", first):  # YAML starts with a key; source code does not
            language = "source code"
    if language is not None:
        raise NotATemplateError(f"{path}: not a CloudFormation template ({language}, a CDK app?); {_SYNTH}")
    return text.removeprefix("\ufeff")


def check_template(path: Path, data: Any) -> dict[str, Any]:
    """``data`` if it has the shape of a template, else one line saying what the file is.

    Raises
    ------
    NotATemplateError
        Not a mapping, no ``Resources`` (with what the file looks like instead), ``Resources`` not
        a non-empty mapping of mappings with a ``Type``.
    """
    if isinstance(data, list):
        if data and all(isinstance(item, Mapping) and "ParameterKey" in item for item in data):
            raise NotATemplateError(
                f"{path}: a CloudFormation parameters file, not a template; pass the template, and this "
                "file with plan --parameters"
            )
        raise NotATemplateError(f"{path}: a list, not a CloudFormation template (a mapping with Resources)")
    if not isinstance(data, Mapping):
        shown = "empty" if data is None else f"a {type(data).__name__}"
        raise NotATemplateError(
            f"{path}: {shown}, not a CloudFormation template (a mapping with Resources); pass the template"
        )
    if "Resources" not in data:
        if "app" in data and ("context" in data or "watch" in data or isinstance(data.get("app"), str)):
            raise NotATemplateError(f"{path}: a CDK app's cdk.json, not a template; {_SYNTH}")
        keys = ", ".join(str(key) for key in list(data)[:5]) or "none"
        raise NotATemplateError(
            f"{path}: not a CloudFormation template: no Resources section (its keys: {keys}); pass the "
            "template itself (a CDK app: " + _SYNTH + ")"
        )
    resources = data["Resources"]
    if not isinstance(resources, Mapping) or not resources:
        raise NotATemplateError(
            f"{path}: Resources must be a mapping of logical ids to resources (each with a Type)"
        )
    for logical_id, resource in resources.items():
        if not isinstance(resource, Mapping) or not isinstance(resource.get("Type"), str):
            raise NotATemplateError(
                f"{path}: Resources.{logical_id}: a resource is a mapping with a Type (a string), "
                "e.g. Type: AWS::SageMaker::Endpoint"
            )
        properties = resource.get("Properties")
        if properties is not None and not isinstance(properties, Mapping):
            raise NotATemplateError(
                f"{path}: Resources.{logical_id}.Properties: must be a mapping of property names to values"
            )
    for section in ("Parameters", "Conditions", "Outputs", "Mappings"):
        value = data.get(section)
        if value is not None and not isinstance(value, Mapping):
            raise NotATemplateError(f"{path}: {section}: must be a mapping")
    return dict(data)
