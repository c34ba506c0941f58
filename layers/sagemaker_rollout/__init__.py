"""sagemaker-rollout: safe SageMaker endpoint updates from CloudFormation.

Nothing here performs I/O at import time; boto3 clients are built lazily by the code that needs
them.
"""

from __future__ import annotations

from sagemaker_rollout.__version__ import __version__

__all__ = ["__version__"]
