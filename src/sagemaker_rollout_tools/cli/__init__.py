"""The ``sagemaker-rollout`` command line: one module per subcommand, each with ``register``.

A command module exposes ``register(subparsers) -> None``; it adds its parser and sets
``func=<callable(args) -> int>`` as the parser default. Add a module to :data:`COMMANDS` to add a
command.

The commands' third-party dependencies come with extras (contract section 8): ``[cli]`` for the
tools (PyYAML, cfn-lint, the SAM translator, ruamel.yaml), ``[testing]`` for the demo's simulated
AWS (moto, cryptography). A command whose extra is missing exits 2 with one line naming the
package and the extra to install, never a traceback (:func:`missing_extra`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any, NoReturn

from sagemaker_rollout.__version__ import __version__

__all__ = ["COMMANDS", "EXTRAS", "build_parser", "main", "missing_extra"]

#: Command modules, in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = ("render", "lint", "plan", "demo", "history", "abort", "migrate")

#: Top-level module of each third-party package a command may import -> (distribution, extra).
EXTRAS: dict[str, tuple[str, str]] = {
    "yaml": ("PyYAML", "cli"),
    "cfnlint": ("cfn-lint", "cli"),
    "samtranslator": ("aws-sam-translator", "cli"),
    "ruamel": ("ruamel.yaml", "cli"),
    "moto": ("moto", "testing"),
    "cryptography": ("cryptography", "testing"),
    "cloudformation_cli_python_lib": ("cloudformation-cli-python-lib", "testing"),
}


def missing_extra(error: ModuleNotFoundError, command: str) -> str | None:
    """The one-line reason for a missing optional dependency, or None when it is not one of ours.

    Parameters
    ----------
    error
        The import error a command raised.
    command
        The command's name, for the message.
    """
    top = (error.name or "").split(".")[0]
    if top not in EXTRAS:
        return None
    package, extra = EXTRAS[top]
    return (
        f"sagemaker-rollout {command}: needs {package}, which is not installed; "
        f"install the '{extra}' extra: pip install 'sagemaker-rollout[{extra}]'"
    )


def _command_modules() -> list[ModuleType | tuple[str, str]]:
    """Each command's module, or (name, reason) for a command whose extra is missing."""
    import importlib

    found: list[ModuleType | tuple[str, str]] = []
    for name in COMMANDS:
        try:
            found.append(importlib.import_module(f"sagemaker_rollout_tools.cli.{name}"))
        except ModuleNotFoundError as err:
            reason = missing_extra(err, name)
            if reason is None:
                raise
            found.append((name, reason))
    return found


def _register_unavailable(subparsers: Any, name: str, reason: str) -> None:
    """A command that only says which extra it needs (it takes any arguments)."""
    parser = subparsers.add_parser(name, help=f"(unavailable: {reason.split('; ', 1)[1]})", add_help=False)
    parser.add_argument("rest", nargs=argparse.REMAINDER)

    def unavailable(_args: argparse.Namespace) -> int:
        print(reason, file=sys.stderr)
        return 2

    parser.set_defaults(func=unavailable)


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error on one line that says where the help is (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message}; see {self.prog} --help\n")


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every command's subparser."""
    parser = _Parser(
        prog="sagemaker-rollout",
        description="Render, lint, plan and demo guarded SageMaker endpoint rollouts.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in _command_modules():
        if isinstance(module, tuple):
            _register_unavailable(subparsers, *module)
        else:
            module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 findings/refused input, 2 usage).

    No command prints a traceback: an exception no command expected is a bug, reported on one line
    (``internal error``, exit status 1) with what to send in a report.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exit_:  # --help, --version (0) and usage errors (2, already printed)
        return int(exit_.code or 0) if isinstance(exit_.code, int | None) else 2
    try:
        status: int = args.func(args)
        sys.stdout.flush()
    except ModuleNotFoundError as err:
        # A dependency a command imports only when it runs (cfn-lint for lint, moto for demo).
        reason = missing_extra(err, args.command)
        print(reason or _internal(args.command, err), file=sys.stderr)
        return 2 if reason else 1
    except KeyboardInterrupt:
        print(f"sagemaker-rollout {args.command}: interrupted", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `... | head`: the reader left; nothing more to say
        return 0
    except Exception as err:
        print(_internal(args.command, err), file=sys.stderr)
        return 1
    return status


def _internal(command: str, err: BaseException) -> str:
    """One line for an exception no command expected (a bug)."""
    where = ""
    tb = err.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is not None:
        where = f" at {tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno}"
    text = " ".join(str(err).split())[:300]
    return (
        f"sagemaker-rollout {command}: internal error (a bug, not your input's fault): "
        f"{type(err).__name__}: {text}{where}; please report it with the command you ran"
    )
