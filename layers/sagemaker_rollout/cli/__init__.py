"""The ``sagemaker-rollout`` command line: one module per subcommand, each with ``register``.

A command module exposes ``register(subparsers) -> None``; it adds its parser and sets
``func=<callable(args) -> int>`` as the parser default. Add a module to :data:`COMMANDS` to add a
command.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType

from sagemaker_rollout.__version__ import __version__
from sagemaker_rollout.cli import lint, render

__all__ = ["COMMANDS", "build_parser", "main"]

#: Command modules, in the order ``--help`` lists them.
COMMANDS: list[ModuleType] = [render, lint]


def _optional_commands() -> list[ModuleType]:
    """Commands other modules add (``plan``, ``demo``, ``history``, ``migrate``) when they are present."""
    import importlib

    found = []
    for name in ("plan", "demo", "history", "migrate"):
        try:
            found.append(importlib.import_module(f"sagemaker_rollout.cli.{name}"))
        except ModuleNotFoundError as err:
            if err.name != f"sagemaker_rollout.cli.{name}":
                raise
    return found


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every command's subparser."""
    parser = argparse.ArgumentParser(
        prog="sagemaker-rollout",
        description="Render, lint, plan and demo guarded SageMaker endpoint rollouts.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in [*COMMANDS, *_optional_commands()]:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 findings/refused input, 2 usage)."""
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    status: int = args.func(args)
    sys.stdout.flush()
    return status
