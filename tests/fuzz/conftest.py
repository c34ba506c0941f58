"""The command-line fuzz (slow tier): outside tests/functional, whose IAM audit judges the provider's
calls against moto's case-sensitive ARNs (SageMaker lowercases names in ARNs; a fuzzed template's
mixed-case endpoint name would read as untagged there)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
