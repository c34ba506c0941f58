"""``sagemaker-rollout abort``: trip the brake of an endpoint's running rollout (issue 24).

The running request is found in the rollout journal (the endpoint's newest unanswered request). The
reason is journaled on the endpoint's item first (the request's answer reads it: "aborted by the
operator: ..."), then the brake alarm is tripped: the same PutMetricAlarm the provider makes
(:func:`sagemaker_rollout.aws.brake.trip`), so SageMaker rolls the deployment back when it next
watches its alarms (baking periods: developer guide, "Auto-Rollback Configuration and Monitoring").
Safe to repeat. Exit 1 with one line when there is nothing to abort. A request that ends while the
command runs: its clean-up journals that it deletes the brake before it does, and the command reads
the journal again after its put, deleting what it put when the request is over (nothing is left).

The operator's least privilege: ``cloudformation:DescribeStacks`` on the provider stack (or pass
``--table``), ``dynamodb:Query`` on the journal table's endpoint index and ``dynamodb:GetItem`` /
``dynamodb:UpdateItem`` on the table, ``sagemaker:DescribeEndpoint`` and ``sagemaker:ListTags`` on
the endpoint, ``cloudwatch:PutMetricAlarm`` on ``alarm:sagemaker-rollout-brake-*`` (docs/reference.md,
"Deadline aborts").
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sagemaker_rollout_tools.cli.history import DEFAULT_STACK, find_table

__all__ = ["check_abortable", "register", "run"]

_OWNERS = ("sagemaker-rollout", "SageMakerRollout::SageMaker::Endpoint")
_SETTLED = ("verify", "restore", "cleanup", "untag", "answer")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "abort",
        help="trip the brake of an endpoint's running rollout (SageMaker rolls it back)",
        description=(
            "Trip the provider's brake alarm of the rollout running on an endpoint: SageMaker rolls the "
            "deployment back when it next watches its alarms (during a bake), and the request answers "
            "FAILED with the reason. Uses your AWS credentials."
        ),
    )
    parser.add_argument("--endpoint", required=True, help="endpoint name")
    parser.add_argument(
        "--reason", default="", help="why (journaled; the request's answer and history show it)"
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--stack-name",
        default=DEFAULT_STACK,
        help=f"provider stack whose RolloutJournalTableName output names the table (default {DEFAULT_STACK})",
    )
    source.add_argument("--table", help="the journal table's name (skips the stack lookup)")
    parser.add_argument("--region", help="AWS region (default: your configuration's)")
    parser.set_defaults(func=run)


def check_abortable(
    endpoint: str, described: dict[str, Any] | None, tags: dict[str, str], entries: list[dict[str, Any]]
) -> tuple[dict[str, Any] | None, str]:
    """The journal entry of the request to abort, or why there is none (one line)."""
    if described is None:
        return None, f"no endpoint named {endpoint}"
    if tags.get("sagemaker-rollout:managed-by") not in _OWNERS:
        return None, f"endpoint {endpoint} is not the provider's (no sagemaker-rollout:managed-by tag of it)"
    running = [e for e in entries if e.get("answer") is None]
    if not running:
        return None, f"nothing is rolling out on {endpoint}"
    entry = running[0]
    state = entry.get("state") or {}
    target = state.get("target_config")
    if state.get("phase") in _SETTLED or (
        target
        and described.get("EndpointConfigName") == target
        and described.get("EndpointStatus") == "InService"
    ):
        return None, "too late to brake: the rollout completed"
    if not state.get("brake"):
        return None, f"the rollout on {endpoint} has no brake (no DeploymentConfig, Inf1, or 10 user alarms)"
    if not state.get("brake_armed") or state.get("update_intent_at") is None:
        return None, f"the rollout on {endpoint} has not started its update yet: try again in a minute"
    return entry, ""


def run(args: argparse.Namespace) -> int:
    import boto3
    from botocore.exceptions import ClientError

    from sagemaker_rollout.aws import brake
    from sagemaker_rollout.clock import SystemClock
    from sagemaker_rollout.journal import Journal

    session = boto3.Session(region_name=args.region)
    clock = SystemClock()
    sm = session.client("sagemaker")
    try:
        table = args.table or find_table(session.client("cloudformation"), args.stack_name)
        try:
            described: dict[str, Any] | None = dict(sm.describe_endpoint(EndpointName=args.endpoint))
        except ClientError as error:
            if "Could not find" not in str(error):
                raise
            described = None
        tags = (
            {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=described["EndpointArn"])["Tags"]}
            if described
            else {}
        )
        journal = Journal(session.client("dynamodb"), table, clock)
        entry, why = check_abortable(args.endpoint, described, tags, journal.history(args.endpoint))
        if entry is None:
            print(f"sagemaker-rollout abort: {why}", file=sys.stderr)
            return 1
        reason = " ".join(args.reason.split())[:200] or "no reason given"
        journal.note_abort(args.endpoint, str(entry["key"]), reason, clock.now())
        cloudwatch, alarm = session.client("cloudwatch"), str(entry["state"]["brake"])
        brake.trip(cloudwatch, clock, alarm, args.endpoint, ())
        # The request may have ended meanwhile: its clean-up journals that it is deleting the brake
        # before it does, so a put that came too late is seen here and deleted (nothing left behind).
        record = journal.load(str(entry["key"]))
        if record is None or record.answered or not record.state.brake or record.state.brake_removing:
            brake.remove(cloudwatch, clock, alarm)
            print("sagemaker-rollout abort: too late to brake: the rollout completed", file=sys.stderr)
            return 1
    except LookupError as error:
        print(f"sagemaker-rollout abort: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        from sagemaker_rollout_tools.cli._common import aws_setup_problem

        problem = aws_setup_problem(error)
        if problem is not None:
            print(f"sagemaker-rollout abort: {problem}; configure credentials and a region", file=sys.stderr)
            return 2
        text = " ".join(str(error).split())[:300]
        print(f"sagemaker-rollout abort: {text}", file=sys.stderr)
        return 1
    print(
        f"brake of {args.endpoint}'s rollout tripped ({reason}): SageMaker rolls it back at its next bake; "
        "the request answers FAILED (sagemaker-rollout history shows it)"
    )
    return 0
