"""``sagemaker-rollout history``: what the rollout journal recorded for one endpoint."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

__all__ = ["find_table", "format_history", "register", "run"]

DEFAULT_STACK = "sagemaker-rollout"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "history",
        help="list the requests the rollout journal recorded for an endpoint",
        description=(
            "Print the rollout journal's record of requests for an endpoint, newest first: when, "
            "request type, from and to config, outcome and reason, duration, autoscaling suspended "
            "and restored. Uses your AWS credentials (DynamoDB Query; CloudFormation DescribeStacks "
            "to find the table from the provider stack)."
        ),
    )
    parser.add_argument("--endpoint", required=True, help="endpoint name")
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--stack-name",
        default=DEFAULT_STACK,
        help=f"provider stack whose RolloutJournalTableName output names the table (default {DEFAULT_STACK})",
    )
    source.add_argument("--table", help="the journal table's name (skips the stack lookup)")
    parser.add_argument("--region", help="AWS region (default: your configuration's)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run)


def find_table(cloudformation: Any, stack_name: str) -> str:
    """The journal table named by the provider stack's ``RolloutJournalTableName`` output."""
    stacks = cloudformation.describe_stacks(StackName=stack_name).get("Stacks", [])
    for output in (stacks[0].get("Outputs") or []) if stacks else []:
        if output.get("OutputKey") == "RolloutJournalTableName":
            return str(output["OutputValue"])
    raise LookupError(
        f"--stack-name: stack {stack_name} has no RolloutJournalTableName output "
        "(deploy the provider stack of this version, or pass --table)"
    )


def _when(epoch: float | None) -> str:
    if epoch is None:
        return "-"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")


def summarise(entry: dict[str, Any]) -> dict[str, Any]:
    """One journal entry as the fields users read."""
    state = entry.get("state") or {}
    answer = entry.get("answer") or {}
    finished = entry.get("finished")
    return {
        "started": _when(entry.get("started")),
        "requestType": entry.get("requestType"),
        "requestId": entry.get("requestId"),
        "fromConfig": state.get("previous_config") or None,
        "toConfig": state.get("target_config") or None,
        "outcome": answer.get("Status", "IN_PROGRESS"),
        "reason": answer.get("Reason") or None,
        "durationSeconds": round(finished - entry["started"]) if finished is not None else None,
        "phase": state.get("phase"),
        "autoscalingSuspended": bool(state.get("snapshot")),
        "autoscalingRestored": bool(state.get("snapshot")) and not state.get("suspended"),
        "aborted": state.get("abort_reason") or None,
    }


def format_history(entries: list[dict[str, Any]]) -> str:
    """A readable table, one request a block."""
    if not entries:
        return "no requests recorded for this endpoint"
    lines = []
    for raw in entries:
        item = summarise(raw)
        duration = f"{item['durationSeconds']} s" if item["durationSeconds"] is not None else "running"
        lines.append(f"{item['started']}  {item['requestType']:<6}  {item['outcome']:<11}  {duration}")
        if item["toConfig"]:
            lines.append(f"    config: {item['fromConfig'] or '-'} -> {item['toConfig']}")
        if item["autoscalingSuspended"]:
            restored = "restored" if item["autoscalingRestored"] else "NOT restored yet"
            lines.append(f"    autoscaling: suspended, {restored}")
        if item["outcome"] == "IN_PROGRESS":
            lines.append(f"    now at step: {item['phase']}")
        if item["aborted"]:
            lines.append(f"    aborted: {item['aborted']}")
        if item["reason"]:
            lines.append(f"    reason: {item['reason']}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    import boto3

    from sagemaker_rollout.clock import SystemClock
    from sagemaker_rollout.journal import Journal

    session = boto3.Session(region_name=args.region)
    try:
        table = args.table or find_table(session.client("cloudformation"), args.stack_name)
        entries = Journal(session.client("dynamodb"), table, SystemClock()).history(args.endpoint)
    except LookupError as error:
        print(f"sagemaker-rollout history: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        from sagemaker_rollout_tools.cli._common import aws_setup_problem

        problem = aws_setup_problem(error)
        if problem is not None:
            print(
                f"sagemaker-rollout history: {problem}; configure credentials and a region (or pass "
                "--region)",
                file=sys.stderr,
            )
            return 2
        text = " ".join(str(error).split())[:300]
        print(f"sagemaker-rollout history: cannot read the journal: {text}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([summarise(e) for e in entries], indent=2))
    else:
        print(format_history(entries))
    return 0
