"""Template parameter values from where deployments keep them: a parameters file, samconfig.toml.

* ``--parameters FILE``: CloudFormation's parameters file, a JSON list of
  ``{"ParameterKey": ..., "ParameterValue": ...}`` (what ``aws cloudformation create-stack
  --parameters file://FILE`` reads; CloudFormation API reference, ``Parameter`` data type:
  ``ParameterKey``, ``ParameterValue``, ``UsePreviousValue``, ``ResolvedValue``). The
  ``{"Parameters": {"Key": "Value"}}`` form of a CodePipeline template configuration file is read
  too ("CloudFormation artifacts", AWS CodePipeline user guide, continuous-delivery-codepipeline-
  cfn-artifacts.html).
* ``samconfig.toml`` beside the template (or ``--config-file``): ``parameter_overrides`` of the
  ``deploy`` command, else of ``global``, in the ``--config-env`` environment (default ``default``),
  as ``sam deploy`` reads it ("AWS SAM CLI configuration file", serverless-sam-cli-config.html:
  ``[environment.command.parameters]``, ``parameter_overrides`` a string of ``Key=Value`` pairs
  separated by spaces, or a list of them; the ``ParameterKey=K,ParameterValue=V`` form is accepted
  as by ``--parameter-overrides``).

Each problem is one line naming the file and what is allowed (:class:`ParameterFileError`).
"""

from __future__ import annotations

import json
import shlex
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["SAMCONFIG", "ParameterFileError", "parameters_file", "samconfig_overrides"]

SAMCONFIG = "samconfig.toml"
_FORMAT = (
    'a JSON list of {"ParameterKey": "...", "ParameterValue": "..."} (CloudFormation\'s parameters file)'
)


class ParameterFileError(ValueError):
    """A parameters file or samconfig.toml that cannot be used (one line, naming the file)."""


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_text(item) for item in value)
    return str(value)


def parameters_file(path: Path) -> dict[str, str]:
    """The values of a CloudFormation parameters file.

    ``UsePreviousValue: true`` items have no value here (the previous value is the stack's): they
    are left out, so the parameter's default (or another source) applies.

    Raises
    ------
    ParameterFileError
        Unreadable, not JSON, or not the format (which item, what is wrong).
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ParameterFileError(f"--parameters {path}: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise ParameterFileError(f"--parameters {path}: not UTF-8 text; expected {_FORMAT}") from None
    except ValueError as err:
        raise ParameterFileError(f"--parameters {path}: not JSON ({err}); expected {_FORMAT}") from None
    if isinstance(data, Mapping) and isinstance(data.get("Parameters"), Mapping):
        return {str(key): _text(value) for key, value in data["Parameters"].items()}
    if not isinstance(data, list):
        raise ParameterFileError(f"--parameters {path}: expected {_FORMAT}, got a {type(data).__name__}")
    values: dict[str, str] = {}
    for index, item in enumerate(data):
        if not isinstance(item, Mapping) or not isinstance(item.get("ParameterKey"), str):
            raise ParameterFileError(
                f"--parameters {path}: item {index} has no ParameterKey (a string); expected {_FORMAT}"
            )
        key = item["ParameterKey"]
        if item.get("UsePreviousValue") is True:
            continue
        if "ParameterValue" not in item:
            raise ParameterFileError(
                f"--parameters {path}: item {index} ({key}) has no ParameterValue "
                "(nor UsePreviousValue: true)"
            )
        value = item["ParameterValue"]
        if isinstance(value, Mapping | type(None)):
            raise ParameterFileError(
                f"--parameters {path}: item {index} ({key}): ParameterValue must be a string, got "
                f"{'null' if value is None else 'an object'}"
            )
        values[key] = _text(value)
    return values


def _pairs(text: str, where: str) -> dict[str, str]:
    values: dict[str, str] = {}
    try:
        tokens = shlex.split(text)
    except ValueError as err:
        raise ParameterFileError(f"{where}: {err}; write Key=Value pairs separated by spaces") from None
    for token in tokens:
        if token.startswith("ParameterKey="):
            fields = dict(part.partition("=")[::2] for part in token.split(",", 1))
            key, value = fields.get("ParameterKey", ""), fields.get("ParameterValue")
            if not key or value is None:
                raise ParameterFileError(f"{where}: {token!r}: expected ParameterKey=K,ParameterValue=V")
            values[key] = value
            continue
        key, sep, value = token.partition("=")
        if not sep or not key:
            raise ParameterFileError(f"{where}: {token!r}: expected Key=Value")
        values[key] = value
    return values


def samconfig_overrides(path: Path, environment: str = "default") -> dict[str, str]:
    """``parameter_overrides`` of ``samconfig.toml``'s ``deploy`` (else ``global``) section.

    Returns an empty mapping when the file has none.

    Raises
    ------
    ParameterFileError
        Unreadable or invalid TOML, or overrides that are not ``Key=Value`` pairs.
    """
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ParameterFileError(f"{path}: {err.strerror or err}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ParameterFileError(f"{path}: not valid TOML ({err}); fix it or pass --config-file") from None
    section = config.get(environment)
    if section is None:
        return {}
    if not isinstance(section, Mapping):
        raise ParameterFileError(f"{path}: [{environment}] is not a table")
    for command in ("deploy", "global"):
        table = section.get(command)
        parameters = table.get("parameters") if isinstance(table, Mapping) else None
        overrides = parameters.get("parameter_overrides") if isinstance(parameters, Mapping) else None
        if overrides is None:
            continue
        where = f"{path} [{environment}.{command}.parameters] parameter_overrides"
        if isinstance(overrides, str):
            return _pairs(overrides, where)
        if isinstance(overrides, list) and all(isinstance(item, str) for item in overrides):
            values: dict[str, str] = {}
            for item in overrides:
                values.update(_pairs(item, where))
            return values
        raise ParameterFileError(f"{where}: expected a string of Key=Value pairs or a list of them")
    return {}
