"""Inline models of the compact schema: ``Model``, ``Container``, ``ModelDataSource``."""

from __future__ import annotations

from sagemaker_rollout.macro.props import Obj, Prop
from sagemaker_rollout.macro.schema.common import json_prop, name_prop, string_prop

__all__ = ["CONTAINER", "CONTAINER_KEYS", "MODEL", "MODEL_DATA_SOURCE", "S3_DATA_SOURCE"]

S3_DATA_SOURCE = Obj(
    "S3DataSource",
    "Model.ModelDataSource.S3DataSource",
    "Where an uncompressed model lies (AWS::SageMaker::Model ModelDataSource.S3DataSource).",
    {
        "S3Uri": string_prop("S3 URI of the model artefacts.", required=True),
        "S3DataType": string_prop(
            "S3Prefix (every object under the prefix) or S3Object.",
            required=True,
            enum=("S3Prefix", "S3Object"),
            literal=True,
        ),
        "CompressionType": string_prop(
            "None for an uncompressed model, Gzip for a tar.gz.",
            required=True,
            enum=("None", "Gzip"),
            literal=True,
        ),
        "ModelAccessConfig": json_prop("Acceptance of the model's end-user licence agreement."),
        "HubAccessConfig": json_prop("The hub content the model comes from."),
    },
)
MODEL_DATA_SOURCE = Obj(
    "ModelDataSource",
    "Model.ModelDataSource",
    'An uncompressed model (SageMaker\'s "Deploy uncompressed models").',
    {"S3DataSource": Prop("object", "The model's S3 location.", required=True, ref="S3DataSource")},
)
CONTAINER = Obj(
    "Container",
    "Model.Containers[i]",
    "One container of the model: its image and artefacts.",
    {
        "Image": string_prop("Inference image URI (ECR).", required=True),
        "ModelDataUrl": string_prop("S3 URI of the model artefacts (model.tar.gz)."),
        "Environment": Prop(
            "json",
            "Environment variables: names to strings; numbers and booleans pass as CloudFormation "
            "converts them; lists and mappings are refused.",
            json={"type": "object", "additionalProperties": {}},
        ),
        "ContainerHostname": string_prop("Host name of the container in an inference pipeline."),
        "Mode": string_prop("SingleModel or MultiModel."),
        "ImageConfig": json_prop("Where the image comes from (a private registry)."),
        "ModelDataSource": Prop(
            "object", "An uncompressed model instead of ModelDataUrl.", ref="ModelDataSource"
        ),
    },
)
CONTAINER_KEYS: tuple[str, ...] = CONTAINER.keys
"""The keys of one container: an inline model takes them directly, or a list under ``Containers``."""

MODEL = Obj(
    "Model",
    "Variants[i].Model",
    "An inline AWS::SageMaker::Model: one container's keys, or Containers.",
    {
        "ModelName": name_prop(
            "A fixed model name (CloudFormation cannot replace a custom-named model, so a changed model "
            "needs a new name too).",
            "SageMaker model name",
        ),
        **CONTAINER.props,
        "Image": string_prop("Inference image URI (ECR); required unless Containers is given."),
        "Containers": Prop(
            "array",
            "An inference pipeline: 1-15 containers (then none of the single container's keys).",
            items=Prop("object", "", ref="Container"),
            min_items=1,
            max_items=15,
            literal=True,
        ),
        "ExecutionRoleArn": string_prop("IAM role SageMaker assumes to run the model.", required=True),
        "VpcConfig": json_prop("Security groups and subnets of the model's network."),
        "EnableNetworkIsolation": Prop(
            "boolean", "Run the containers without network access.", default=False
        ),
        "InferenceExecutionConfig": json_prop("How a pipeline's containers are invoked (Serial or Direct)."),
    },
)
