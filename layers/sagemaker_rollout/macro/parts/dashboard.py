"""The optional CloudWatch dashboard: per variant, invocations, latency, errors and instances."""

from __future__ import annotations

import json
from typing import Any

from sagemaker_rollout.macro.parts.common import Variant
from sagemaker_rollout.sagemaker import INSTANCE_NAMESPACE, INVOCATION_NAMESPACE

__all__ = ["dashboard_body"]


def dashboard_body(variants: list[Variant], endpoint_name: Any) -> dict[str, Any]:
    """CloudWatch dashboard JSON (``Fn::Sub`` of the endpoint name and intrinsic variant names)."""
    widgets: list[dict[str, Any]] = []
    variables: dict[str, Any] = {"EndpointName": endpoint_name}
    for row, variant in enumerate(variants):
        shown_name = variant.name
        if not isinstance(shown_name, str):  # resolved by Fn::Sub, like the endpoint name
            variables[f"{variant.key}Name"] = variant.name
            shown_name = f"${{{variant.key}Name}}"
        dims = ["EndpointName", "${EndpointName}", "VariantName", shown_name]
        panels: list[tuple[str, list[list[Any]]]] = [
            ("Invocations", [[INVOCATION_NAMESPACE, "Invocations", *dims, {"stat": "Sum"}]]),
            (
                "Latency (microseconds)",
                [
                    [INVOCATION_NAMESPACE, "ModelLatency", *dims, {"stat": "p99"}],
                    [INVOCATION_NAMESPACE, "OverheadLatency", *dims, {"stat": "p99"}],
                ],
            ),
            (
                "Errors",
                [
                    [INVOCATION_NAMESPACE, "Invocation4XXErrors", *dims, {"stat": "Sum"}],
                    [INVOCATION_NAMESPACE, "Invocation5XXErrors", *dims, {"stat": "Sum"}],
                ],
            ),
        ]
        if not variant.serverless:
            panels.append(
                (
                    "Instances",
                    [
                        [
                            INSTANCE_NAMESPACE,
                            "CPUUtilization",
                            *dims,
                            {"stat": "SampleCount", "label": "instances reporting"},
                        ]
                    ],
                )
            )
        for column, (title, metrics) in enumerate(panels):
            widgets.append(
                {
                    "type": "metric",
                    "x": column * 6,
                    "y": row * 6,
                    "width": 6,
                    "height": 6,
                    "properties": {
                        "title": f"{shown_name}: {title}",
                        "region": "${AWS::Region}",
                        "metrics": metrics,
                        "period": 60,
                        "view": "timeSeries",
                    },
                }
            )
    body = json.dumps({"widgets": widgets}, sort_keys=True, separators=(",", ":"))
    return {"Fn::Sub": [body, variables]}
