"""Time to render 1, 10 and 100 compact endpoints of 10 variants each, and whether growth is linear.

Each variant has an inline model, autoscaling and two alarms (about 60 generated resources per
endpoint), so the larger sizes exceed CloudFormation's 500-resource limit: the limit check is
switched off here to measure the expansion itself. Run::

    PYTHONPATH=layers .venv/bin/python benchmarks/bench_render.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "layers"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sagemaker_rollout.macro import expand_template, strip_transform
from sagemaker_rollout_tools import cfn_yaml

SIZES = (1, 10, 100)
VARIANTS = 10
ROLE = "arn:aws:iam::123456789012:role/sagemaker"


def build_template(endpoints: int, variants: int = VARIANTS) -> dict[str, Any]:
    """A template with ``endpoints`` compact endpoints of ``variants`` variants each."""
    resources: dict[str, Any] = {}
    for e in range(endpoints):
        resources[f"Endpoint{e}"] = {
            "Type": "SageMakerRollout::Endpoint",
            "Properties": {
                "EndpointName": f"bench-endpoint-{e}",
                "Variants": [
                    {
                        "Name": f"variant-{v}",
                        "Model": {
                            "Image": f"img:{v}",
                            "ModelDataUrl": f"s3://b/{e}/{v}.tar.gz",
                            "ExecutionRoleArn": ROLE,
                        },
                        "InstanceType": "ml.c5.xlarge",
                        "InstanceCount": 2,
                        "Weight": 1,
                        "AutoScaling": {
                            "MinCapacity": 2,
                            "MaxCapacity": 4,
                            "TargetInvocationsPerInstance": 70,
                        },
                        "Alarms": {
                            "Invocation5XXErrors": 5,
                            "ModelLatency": {"Threshold": 1e6, "Statistic": "p99"},
                        },
                    }
                    for v in range(variants)
                ],
                "Deployment": {"Strategy": "Canary", "CanarySize": 1, "RollbackOnAlarms": False},
                "Dashboard": True,
            },
        }
    return {"Transform": "SageMakerRollout", "Resources": resources}


def time_render(template: dict[str, Any], repeat: int) -> tuple[float, int]:
    """Median seconds to expand and dump ``template``; and the number of generated resources."""
    samples = []
    count = 0
    for _ in range(repeat):
        start = time.perf_counter()
        expanded = expand_template(
            template, service_token="arn:aws:lambda:us-east-1:1:function:p", max_resources=None
        )
        cfn_yaml.dump(strip_transform(expanded))
        samples.append(time.perf_counter() - start)
        count = len(expanded["Resources"])
    return statistics.median(samples), count


def main(argv: list[str] | None = None) -> int:
    """Print a table of timings and a linearity verdict; exit 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"{'endpoints':>9} {'variants':>8} {'resources':>9} {'seconds':>9} {'ms/endpoint':>11}")
    per_endpoint: dict[int, float] = {}
    for size in SIZES:
        seconds, resources = time_render(build_template(size), args.repeat)
        per_endpoint[size] = seconds / size * 1000
        print(f"{size:>9} {size * VARIANTS:>8} {resources:>9} {seconds:>9.4f} {per_endpoint[size]:>11.2f}")
    ratio = per_endpoint[SIZES[-1]] / per_endpoint[SIZES[1]]
    verdict = "linear" if ratio < 2.0 else "super-linear"
    print(f"growth: {verdict} (per-endpoint time at {SIZES[-1]} is {ratio:.2f}x that at {SIZES[1]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
