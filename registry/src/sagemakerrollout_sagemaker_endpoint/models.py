# DO NOT modify this file by hand, changes will be overwritten
from dataclasses import dataclass

from cloudformation_cli_python_lib.interface import (
    BaseModel,
    BaseResourceHandlerRequest,
)
from cloudformation_cli_python_lib.recast import recast_object
from cloudformation_cli_python_lib.utils import deserialize_list

import sys
from inspect import getmembers, isclass
from typing import (
    AbstractSet,
    Any,
    Generic,
    Mapping,
    MutableMapping,
    Optional,
    Sequence,
    Type,
    TypeVar,
)

T = TypeVar("T")


def set_or_none(value: Optional[Sequence[T]]) -> Optional[AbstractSet[T]]:
    if value:
        return set(value)
    return None


@dataclass
class ResourceHandlerRequest(BaseResourceHandlerRequest):
    # pylint: disable=invalid-name
    desiredResourceState: Optional["ResourceModel"]
    previousResourceState: Optional["ResourceModel"]
    typeConfiguration: Optional["TypeConfigurationModel"]


@dataclass
class ResourceModel(BaseModel):
    AdoptExistingEndpoint: Optional[bool]
    AllowIrreversibleChanges: Optional[bool]
    AllowUnguardedRollout: Optional[bool]
    AsyncInferenceConfig: Optional["_AsyncInferenceConfig"]
    DataCaptureConfig: Optional["_DataCaptureConfig"]
    DeploymentConfig: Optional["_DeploymentConfig"]
    EnableNetworkIsolation: Optional[bool]
    EndpointName: Optional[str]
    ExcludeRetainedVariantProperties: Optional[Sequence["_VariantProperty"]]
    ExecutionRoleArn: Optional[str]
    ExplainerConfig: Optional["_ExplainerConfig"]
    KmsKeyId: Optional[str]
    MetricsConfig: Optional["_MetricsConfig"]
    ProductionVariants: Optional[Sequence["_ProductionVariant"]]
    RetainAllVariantProperties: Optional[bool]
    RetainDeploymentConfig: Optional[bool]
    ShadowProductionVariants: Optional[Sequence["_ProductionVariant"]]
    SmokeTest: Optional["_SmokeTest"]
    Tags: Optional[Sequence["_Tag"]]
    VpcConfig: Optional["_VpcConfig"]
    EndpointArn: Optional[str]
    EndpointConfigName: Optional[str]

    @classmethod
    def _deserialize(
        cls: Type["_ResourceModel"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_ResourceModel"]:
        if not json_data:
            return None
        dataclasses = {n: o for n, o in getmembers(sys.modules[__name__]) if isclass(o)}
        recast_object(cls, json_data, dataclasses)
        return cls(
            AdoptExistingEndpoint=json_data.get("AdoptExistingEndpoint"),
            AllowIrreversibleChanges=json_data.get("AllowIrreversibleChanges"),
            AllowUnguardedRollout=json_data.get("AllowUnguardedRollout"),
            AsyncInferenceConfig=AsyncInferenceConfig._deserialize(json_data.get("AsyncInferenceConfig")),
            DataCaptureConfig=DataCaptureConfig._deserialize(json_data.get("DataCaptureConfig")),
            DeploymentConfig=DeploymentConfig._deserialize(json_data.get("DeploymentConfig")),
            EnableNetworkIsolation=json_data.get("EnableNetworkIsolation"),
            EndpointName=json_data.get("EndpointName"),
            ExcludeRetainedVariantProperties=deserialize_list(json_data.get("ExcludeRetainedVariantProperties"), VariantProperty),
            ExecutionRoleArn=json_data.get("ExecutionRoleArn"),
            ExplainerConfig=ExplainerConfig._deserialize(json_data.get("ExplainerConfig")),
            KmsKeyId=json_data.get("KmsKeyId"),
            MetricsConfig=MetricsConfig._deserialize(json_data.get("MetricsConfig")),
            ProductionVariants=deserialize_list(json_data.get("ProductionVariants"), ProductionVariant),
            RetainAllVariantProperties=json_data.get("RetainAllVariantProperties"),
            RetainDeploymentConfig=json_data.get("RetainDeploymentConfig"),
            ShadowProductionVariants=deserialize_list(json_data.get("ShadowProductionVariants"), ProductionVariant),
            SmokeTest=SmokeTest._deserialize(json_data.get("SmokeTest")),
            Tags=deserialize_list(json_data.get("Tags"), Tag),
            VpcConfig=VpcConfig._deserialize(json_data.get("VpcConfig")),
            EndpointArn=json_data.get("EndpointArn"),
            EndpointConfigName=json_data.get("EndpointConfigName"),
        )


# work around possible type aliasing issues when variable has same name as a model
_ResourceModel = ResourceModel


@dataclass
class AsyncInferenceConfig(BaseModel):
    ClientConfig: Optional["_AsyncInferenceClientConfig"]
    OutputConfig: Optional["_AsyncInferenceOutputConfig"]

    @classmethod
    def _deserialize(
        cls: Type["_AsyncInferenceConfig"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_AsyncInferenceConfig"]:
        if not json_data:
            return None
        return cls(
            ClientConfig=AsyncInferenceClientConfig._deserialize(json_data.get("ClientConfig")),
            OutputConfig=AsyncInferenceOutputConfig._deserialize(json_data.get("OutputConfig")),
        )


# work around possible type aliasing issues when variable has same name as a model
_AsyncInferenceConfig = AsyncInferenceConfig


@dataclass
class AsyncInferenceClientConfig(BaseModel):
    MaxConcurrentInvocationsPerInstance: Optional[int]

    @classmethod
    def _deserialize(
        cls: Type["_AsyncInferenceClientConfig"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_AsyncInferenceClientConfig"]:
        if not json_data:
            return None
        return cls(
            MaxConcurrentInvocationsPerInstance=json_data.get("MaxConcurrentInvocationsPerInstance"),
        )


# work around possible type aliasing issues when variable has same name as a model
_AsyncInferenceClientConfig = AsyncInferenceClientConfig


@dataclass
class AsyncInferenceOutputConfig(BaseModel):
    KmsKeyId: Optional[str]
    S3OutputPath: Optional[str]
    NotificationConfig: Optional["_AsyncInferenceNotificationConfig"]
    S3FailurePath: Optional[str]

    @classmethod
    def _deserialize(
        cls: Type["_AsyncInferenceOutputConfig"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_AsyncInferenceOutputConfig"]:
        if not json_data:
            return None
        return cls(
            KmsKeyId=json_data.get("KmsKeyId"),
            S3OutputPath=json_data.get("S3OutputPath"),
            NotificationConfig=AsyncInferenceNotificationConfig._deserialize(json_data.get("NotificationConfig")),
            S3FailurePath=json_data.get("S3FailurePath"),
        )


# work around possible type aliasing issues when variable has same name as a model
_AsyncInferenceOutputConfig = AsyncInferenceOutputConfig


@dataclass
class AsyncInferenceNotificationConfig(BaseModel):
    SuccessTopic: Optional[str]
    ErrorTopic: Optional[str]
    IncludeInferenceResponseIn: Optional[Sequence[str]]

    @classmethod
    def _deserialize(
        cls: Type["_AsyncInferenceNotificationConfig"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_AsyncInferenceNotificationConfig"]:
        if not json_data:
            return None
        return cls(
            SuccessTopic=json_data.get("SuccessTopic"),
            ErrorTopic=json_data.get("ErrorTopic"),
            IncludeInferenceResponseIn=json_data.get("IncludeInferenceResponseIn"),
        )


# work around possible type aliasing issues when variable has same name as a model
_AsyncInferenceNotificationConfig = AsyncInferenceNotificationConfig


@dataclass
class DataCaptureConfig(BaseModel):
    EnableCapture: Optional[bool]
    InitialSamplingPercentage: Optional[int]
    DestinationS3Uri: Optional[str]
    KmsKeyId: Optional[str]
    CaptureOptions: Optional[Sequence["_CaptureOption"]]
    CaptureContentTypeHeader: Optional["_CaptureContentTypeHeader"]

    @classmethod
    def _deserialize(
        cls: Type["_DataCaptureConfig"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_DataCaptureConfig"]:
        if not json_data:
            return None
        return cls(
            EnableCapture=json_data.get("EnableCapture"),
            InitialSamplingPercentage=json_data.get("InitialSamplingPercentage"),
            DestinationS3Uri=json_data.get("DestinationS3Uri"),
            KmsKeyId=json_data.get("KmsKeyId"),
            CaptureOptions=deserialize_list(json_data.get("CaptureOptions"), CaptureOption),
            CaptureContentTypeHeader=CaptureContentTypeHeader._deserialize(json_data.get("CaptureContentTypeHeader")),
        )


# work around possible type aliasing issues when variable has same name as a model
_DataCaptureConfig = DataCaptureConfig


@dataclass
class CaptureOption(BaseModel):
    CaptureMode: Optional[str]

    @classmethod
    def _deserialize(
        cls: Type["_CaptureOption"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_CaptureOption"]:
        if not json_data:
            return None
        return cls(
            CaptureMode=json_data.get("CaptureMode"),
        )


# work around possible type aliasing issues when variable has same name as a model
_CaptureOption = CaptureOption


@dataclass
class CaptureContentTypeHeader(BaseModel):
    CsvContentTypes: Optional[Sequence[str]]
    JsonContentTypes: Optional[Sequence[str]]

    @classmethod
    def _deserialize(
        cls: Type["_CaptureContentTypeHeader"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_CaptureContentTypeHeader"]:
        if not json_data:
            return None
        return cls(
            CsvContentTypes=json_data.get("CsvContentTypes"),
            JsonContentTypes=json_data.get("JsonContentTypes"),
        )


# work around possible type aliasing issues when variable has same name as a model
_CaptureContentTypeHeader = CaptureContentTypeHeader


@dataclass
class DeploymentConfig(BaseModel):
    BlueGreenUpdatePolicy: Optional["_BlueGreenUpdatePolicy"]
    RollingUpdatePolicy: Optional["_RollingUpdatePolicy"]
    AutoRollbackConfiguration: Optional["_AutoRollbackConfig"]

    @classmethod
    def _deserialize(
        cls: Type["_DeploymentConfig"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_DeploymentConfig"]:
        if not json_data:
            return None
        return cls(
            BlueGreenUpdatePolicy=BlueGreenUpdatePolicy._deserialize(json_data.get("BlueGreenUpdatePolicy")),
            RollingUpdatePolicy=RollingUpdatePolicy._deserialize(json_data.get("RollingUpdatePolicy")),
            AutoRollbackConfiguration=AutoRollbackConfig._deserialize(json_data.get("AutoRollbackConfiguration")),
        )


# work around possible type aliasing issues when variable has same name as a model
_DeploymentConfig = DeploymentConfig


@dataclass
class BlueGreenUpdatePolicy(BaseModel):
    TrafficRoutingConfiguration: Optional["_TrafficRoutingConfig"]
    TerminationWaitInSeconds: Optional[int]
    MaximumExecutionTimeoutInSeconds: Optional[int]

    @classmethod
    def _deserialize(
        cls: Type["_BlueGreenUpdatePolicy"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_BlueGreenUpdatePolicy"]:
        if not json_data:
            return None
        return cls(
            TrafficRoutingConfiguration=TrafficRoutingConfig._deserialize(json_data.get("TrafficRoutingConfiguration")),
            TerminationWaitInSeconds=json_data.get("TerminationWaitInSeconds"),
            MaximumExecutionTimeoutInSeconds=json_data.get("MaximumExecutionTimeoutInSeconds"),
        )


# work around possible type aliasing issues when variable has same name as a model
_BlueGreenUpdatePolicy = BlueGreenUpdatePolicy


@dataclass
class TrafficRoutingConfig(BaseModel):
    Type: Optional[str]
    WaitIntervalInSeconds: Optional[int]
    CanarySize: Optional["_CapacitySize"]
    LinearStepSize: Optional["_CapacitySize"]

    @classmethod
    def _deserialize(
        cls: Type["_TrafficRoutingConfig"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_TrafficRoutingConfig"]:
        if not json_data:
            return None
        return cls(
            Type=json_data.get("Type"),
            WaitIntervalInSeconds=json_data.get("WaitIntervalInSeconds"),
            CanarySize=CapacitySize._deserialize(json_data.get("CanarySize")),
            LinearStepSize=CapacitySize._deserialize(json_data.get("LinearStepSize")),
        )


# work around possible type aliasing issues when variable has same name as a model
_TrafficRoutingConfig = TrafficRoutingConfig


@dataclass
class CapacitySize(BaseModel):
    Type: Optional[str]
    Value: Optional[int]

    @classmethod
    def _deserialize(
        cls: Type["_CapacitySize"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_CapacitySize"]:
        if not json_data:
            return None
        return cls(
            Type=json_data.get("Type"),
            Value=json_data.get("Value"),
        )


# work around possible type aliasing issues when variable has same name as a model
_CapacitySize = CapacitySize


@dataclass
class RollingUpdatePolicy(BaseModel):
    MaximumBatchSize: Optional["_CapacitySize"]
    WaitIntervalInSeconds: Optional[int]
    MaximumExecutionTimeoutInSeconds: Optional[int]
    RollbackMaximumBatchSize: Optional["_CapacitySize"]

    @classmethod
    def _deserialize(
        cls: Type["_RollingUpdatePolicy"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_RollingUpdatePolicy"]:
        if not json_data:
            return None
        return cls(
            MaximumBatchSize=CapacitySize._deserialize(json_data.get("MaximumBatchSize")),
            WaitIntervalInSeconds=json_data.get("WaitIntervalInSeconds"),
            MaximumExecutionTimeoutInSeconds=json_data.get("MaximumExecutionTimeoutInSeconds"),
            RollbackMaximumBatchSize=CapacitySize._deserialize(json_data.get("RollbackMaximumBatchSize")),
        )


# work around possible type aliasing issues when variable has same name as a model
_RollingUpdatePolicy = RollingUpdatePolicy


@dataclass
class AutoRollbackConfig(BaseModel):
    Alarms: Optional[Sequence["_Alarm"]]

    @classmethod
    def _deserialize(
        cls: Type["_AutoRollbackConfig"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_AutoRollbackConfig"]:
        if not json_data:
            return None
        return cls(
            Alarms=deserialize_list(json_data.get("Alarms"), Alarm),
        )


# work around possible type aliasing issues when variable has same name as a model
_AutoRollbackConfig = AutoRollbackConfig


@dataclass
class Alarm(BaseModel):
    AlarmName: Optional[str]

    @classmethod
    def _deserialize(
        cls: Type["_Alarm"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_Alarm"]:
        if not json_data:
            return None
        return cls(
            AlarmName=json_data.get("AlarmName"),
        )


# work around possible type aliasing issues when variable has same name as a model
_Alarm = Alarm


@dataclass
class VariantProperty(BaseModel):
    VariantPropertyType: Optional[str]

    @classmethod
    def _deserialize(
        cls: Type["_VariantProperty"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_VariantProperty"]:
        if not json_data:
            return None
        return cls(
            VariantPropertyType=json_data.get("VariantPropertyType"),
        )


# work around possible type aliasing issues when variable has same name as a model
_VariantProperty = VariantProperty


@dataclass
class ExplainerConfig(BaseModel):
    ClarifyExplainerConfig: Optional["_ClarifyExplainerConfig"]

    @classmethod
    def _deserialize(
        cls: Type["_ExplainerConfig"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_ExplainerConfig"]:
        if not json_data:
            return None
        return cls(
            ClarifyExplainerConfig=ClarifyExplainerConfig._deserialize(json_data.get("ClarifyExplainerConfig")),
        )


# work around possible type aliasing issues when variable has same name as a model
_ExplainerConfig = ExplainerConfig


@dataclass
class ClarifyExplainerConfig(BaseModel):
    EnableExplanations: Optional[str]
    InferenceConfig: Optional["_ClarifyInferenceConfig"]
    ShapConfig: Optional["_ClarifyShapConfig"]

    @classmethod
    def _deserialize(
        cls: Type["_ClarifyExplainerConfig"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_ClarifyExplainerConfig"]:
        if not json_data:
            return None
        return cls(
            EnableExplanations=json_data.get("EnableExplanations"),
            InferenceConfig=ClarifyInferenceConfig._deserialize(json_data.get("InferenceConfig")),
            ShapConfig=ClarifyShapConfig._deserialize(json_data.get("ShapConfig")),
        )


# work around possible type aliasing issues when variable has same name as a model
_ClarifyExplainerConfig = ClarifyExplainerConfig


@dataclass
class ClarifyInferenceConfig(BaseModel):
    FeaturesAttribute: Optional[str]
    ContentTemplate: Optional[str]
    MaxRecordCount: Optional[int]
    MaxPayloadInMB: Optional[int]
    ProbabilityIndex: Optional[int]
    LabelIndex: Optional[int]
    ProbabilityAttribute: Optional[str]
    LabelAttribute: Optional[str]
    LabelHeaders: Optional[Sequence[str]]
    FeatureHeaders: Optional[Sequence[str]]
    FeatureTypes: Optional[Sequence[str]]

    @classmethod
    def _deserialize(
        cls: Type["_ClarifyInferenceConfig"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_ClarifyInferenceConfig"]:
        if not json_data:
            return None
        return cls(
            FeaturesAttribute=json_data.get("FeaturesAttribute"),
            ContentTemplate=json_data.get("ContentTemplate"),
            MaxRecordCount=json_data.get("MaxRecordCount"),
            MaxPayloadInMB=json_data.get("MaxPayloadInMB"),
            ProbabilityIndex=json_data.get("ProbabilityIndex"),
            LabelIndex=json_data.get("LabelIndex"),
            ProbabilityAttribute=json_data.get("ProbabilityAttribute"),
            LabelAttribute=json_data.get("LabelAttribute"),
            LabelHeaders=json_data.get("LabelHeaders"),
            FeatureHeaders=json_data.get("FeatureHeaders"),
            FeatureTypes=json_data.get("FeatureTypes"),
        )


# work around possible type aliasing issues when variable has same name as a model
_ClarifyInferenceConfig = ClarifyInferenceConfig


@dataclass
class ClarifyShapConfig(BaseModel):
    ShapBaselineConfig: Optional["_ClarifyShapBaselineConfig"]
    NumberOfSamples: Optional[int]
    UseLogit: Optional[bool]
    Seed: Optional[int]
    TextConfig: Optional["_ClarifyTextConfig"]

    @classmethod
    def _deserialize(
        cls: Type["_ClarifyShapConfig"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_ClarifyShapConfig"]:
        if not json_data:
            return None
        return cls(
            ShapBaselineConfig=ClarifyShapBaselineConfig._deserialize(json_data.get("ShapBaselineConfig")),
            NumberOfSamples=json_data.get("NumberOfSamples"),
            UseLogit=json_data.get("UseLogit"),
            Seed=json_data.get("Seed"),
            TextConfig=ClarifyTextConfig._deserialize(json_data.get("TextConfig")),
        )


# work around possible type aliasing issues when variable has same name as a model
_ClarifyShapConfig = ClarifyShapConfig


@dataclass
class ClarifyShapBaselineConfig(BaseModel):
    MimeType: Optional[str]
    ShapBaseline: Optional[str]
    ShapBaselineUri: Optional[str]

    @classmethod
    def _deserialize(
        cls: Type["_ClarifyShapBaselineConfig"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_ClarifyShapBaselineConfig"]:
        if not json_data:
            return None
        return cls(
            MimeType=json_data.get("MimeType"),
            ShapBaseline=json_data.get("ShapBaseline"),
            ShapBaselineUri=json_data.get("ShapBaselineUri"),
        )


# work around possible type aliasing issues when variable has same name as a model
_ClarifyShapBaselineConfig = ClarifyShapBaselineConfig


@dataclass
class ClarifyTextConfig(BaseModel):
    Language: Optional[str]
    Granularity: Optional[str]

    @classmethod
    def _deserialize(
        cls: Type["_ClarifyTextConfig"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_ClarifyTextConfig"]:
        if not json_data:
            return None
        return cls(
            Language=json_data.get("Language"),
            Granularity=json_data.get("Granularity"),
        )


# work around possible type aliasing issues when variable has same name as a model
_ClarifyTextConfig = ClarifyTextConfig


@dataclass
class MetricsConfig(BaseModel):
    EnableEnhancedMetrics: Optional[bool]
    EnableDetailedObservability: Optional[bool]
    MetricPublishFrequencyInSeconds: Optional[int]

    @classmethod
    def _deserialize(
        cls: Type["_MetricsConfig"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_MetricsConfig"]:
        if not json_data:
            return None
        return cls(
            EnableEnhancedMetrics=json_data.get("EnableEnhancedMetrics"),
            EnableDetailedObservability=json_data.get("EnableDetailedObservability"),
            MetricPublishFrequencyInSeconds=json_data.get("MetricPublishFrequencyInSeconds"),
        )


# work around possible type aliasing issues when variable has same name as a model
_MetricsConfig = MetricsConfig


@dataclass
class ProductionVariant(BaseModel):
    VariantName: Optional[str]
    ModelName: Optional[str]
    InitialInstanceCount: Optional[int]
    InstanceType: Optional[str]
    InstancePools: Optional[Sequence["_InstancePool"]]
    VariantInstanceProvisionTimeoutInSeconds: Optional[int]
    InitialVariantWeight: Optional[float]
    AcceleratorType: Optional[str]
    CoreDumpConfig: Optional["_ProductionVariantCoreDumpConfig"]
    ServerlessConfig: Optional["_ProductionVariantServerlessConfig"]
    VolumeSizeInGB: Optional[int]
    ModelDataDownloadTimeoutInSeconds: Optional[int]
    ContainerStartupHealthCheckTimeoutInSeconds: Optional[int]
    EnableSSMAccess: Optional[bool]
    ManagedInstanceScaling: Optional["_ProductionVariantManagedInstanceScaling"]
    RoutingConfig: Optional["_ProductionVariantRoutingConfig"]
    InferenceAmiVersion: Optional[str]
    CapacityReservationConfig: Optional["_ProductionVariantCapacityReservationConfig"]
    AcceleratorPartitionLayouts: Optional[Sequence["_AcceleratorPartitionLayout"]]

    @classmethod
    def _deserialize(
        cls: Type["_ProductionVariant"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_ProductionVariant"]:
        if not json_data:
            return None
        return cls(
            VariantName=json_data.get("VariantName"),
            ModelName=json_data.get("ModelName"),
            InitialInstanceCount=json_data.get("InitialInstanceCount"),
            InstanceType=json_data.get("InstanceType"),
            InstancePools=deserialize_list(json_data.get("InstancePools"), InstancePool),
            VariantInstanceProvisionTimeoutInSeconds=json_data.get("VariantInstanceProvisionTimeoutInSeconds"),
            InitialVariantWeight=json_data.get("InitialVariantWeight"),
            AcceleratorType=json_data.get("AcceleratorType"),
            CoreDumpConfig=ProductionVariantCoreDumpConfig._deserialize(json_data.get("CoreDumpConfig")),
            ServerlessConfig=ProductionVariantServerlessConfig._deserialize(json_data.get("ServerlessConfig")),
            VolumeSizeInGB=json_data.get("VolumeSizeInGB"),
            ModelDataDownloadTimeoutInSeconds=json_data.get("ModelDataDownloadTimeoutInSeconds"),
            ContainerStartupHealthCheckTimeoutInSeconds=json_data.get("ContainerStartupHealthCheckTimeoutInSeconds"),
            EnableSSMAccess=json_data.get("EnableSSMAccess"),
            ManagedInstanceScaling=ProductionVariantManagedInstanceScaling._deserialize(json_data.get("ManagedInstanceScaling")),
            RoutingConfig=ProductionVariantRoutingConfig._deserialize(json_data.get("RoutingConfig")),
            InferenceAmiVersion=json_data.get("InferenceAmiVersion"),
            CapacityReservationConfig=ProductionVariantCapacityReservationConfig._deserialize(json_data.get("CapacityReservationConfig")),
            AcceleratorPartitionLayouts=deserialize_list(json_data.get("AcceleratorPartitionLayouts"), AcceleratorPartitionLayout),
        )


# work around possible type aliasing issues when variable has same name as a model
_ProductionVariant = ProductionVariant


@dataclass
class InstancePool(BaseModel):
    InstanceType: Optional[str]
    ModelNameOverride: Optional[str]
    Priority: Optional[int]

    @classmethod
    def _deserialize(
        cls: Type["_InstancePool"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_InstancePool"]:
        if not json_data:
            return None
        return cls(
            InstanceType=json_data.get("InstanceType"),
            ModelNameOverride=json_data.get("ModelNameOverride"),
            Priority=json_data.get("Priority"),
        )


# work around possible type aliasing issues when variable has same name as a model
_InstancePool = InstancePool


@dataclass
class ProductionVariantCoreDumpConfig(BaseModel):
    DestinationS3Uri: Optional[str]
    KmsKeyId: Optional[str]

    @classmethod
    def _deserialize(
        cls: Type["_ProductionVariantCoreDumpConfig"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_ProductionVariantCoreDumpConfig"]:
        if not json_data:
            return None
        return cls(
            DestinationS3Uri=json_data.get("DestinationS3Uri"),
            KmsKeyId=json_data.get("KmsKeyId"),
        )


# work around possible type aliasing issues when variable has same name as a model
_ProductionVariantCoreDumpConfig = ProductionVariantCoreDumpConfig


@dataclass
class ProductionVariantServerlessConfig(BaseModel):
    MemorySizeInMB: Optional[int]
    MaxConcurrency: Optional[int]
    ProvisionedConcurrency: Optional[int]

    @classmethod
    def _deserialize(
        cls: Type["_ProductionVariantServerlessConfig"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_ProductionVariantServerlessConfig"]:
        if not json_data:
            return None
        return cls(
            MemorySizeInMB=json_data.get("MemorySizeInMB"),
            MaxConcurrency=json_data.get("MaxConcurrency"),
            ProvisionedConcurrency=json_data.get("ProvisionedConcurrency"),
        )


# work around possible type aliasing issues when variable has same name as a model
_ProductionVariantServerlessConfig = ProductionVariantServerlessConfig


@dataclass
class ProductionVariantManagedInstanceScaling(BaseModel):
    Status: Optional[str]
    MinInstanceCount: Optional[int]
    MaxInstanceCount: Optional[int]
    ScaleInPolicy: Optional["_ProductionVariantManagedInstanceScalingScaleInPolicy"]

    @classmethod
    def _deserialize(
        cls: Type["_ProductionVariantManagedInstanceScaling"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_ProductionVariantManagedInstanceScaling"]:
        if not json_data:
            return None
        return cls(
            Status=json_data.get("Status"),
            MinInstanceCount=json_data.get("MinInstanceCount"),
            MaxInstanceCount=json_data.get("MaxInstanceCount"),
            ScaleInPolicy=ProductionVariantManagedInstanceScalingScaleInPolicy._deserialize(json_data.get("ScaleInPolicy")),
        )


# work around possible type aliasing issues when variable has same name as a model
_ProductionVariantManagedInstanceScaling = ProductionVariantManagedInstanceScaling


@dataclass
class ProductionVariantManagedInstanceScalingScaleInPolicy(BaseModel):
    Strategy: Optional[str]
    MaximumStepSize: Optional[int]
    CooldownInMinutes: Optional[int]

    @classmethod
    def _deserialize(
        cls: Type["_ProductionVariantManagedInstanceScalingScaleInPolicy"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_ProductionVariantManagedInstanceScalingScaleInPolicy"]:
        if not json_data:
            return None
        return cls(
            Strategy=json_data.get("Strategy"),
            MaximumStepSize=json_data.get("MaximumStepSize"),
            CooldownInMinutes=json_data.get("CooldownInMinutes"),
        )


# work around possible type aliasing issues when variable has same name as a model
_ProductionVariantManagedInstanceScalingScaleInPolicy = ProductionVariantManagedInstanceScalingScaleInPolicy


@dataclass
class ProductionVariantRoutingConfig(BaseModel):
    RoutingStrategy: Optional[str]
    PrefixAwareRoutingConfig: Optional["_PrefixAwareRoutingConfig"]

    @classmethod
    def _deserialize(
        cls: Type["_ProductionVariantRoutingConfig"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_ProductionVariantRoutingConfig"]:
        if not json_data:
            return None
        return cls(
            RoutingStrategy=json_data.get("RoutingStrategy"),
            PrefixAwareRoutingConfig=PrefixAwareRoutingConfig._deserialize(json_data.get("PrefixAwareRoutingConfig")),
        )


# work around possible type aliasing issues when variable has same name as a model
_ProductionVariantRoutingConfig = ProductionVariantRoutingConfig


@dataclass
class PrefixAwareRoutingConfig(BaseModel):
    PrefixLength: Optional[int]
    ConcurrencyThreshold: Optional[int]

    @classmethod
    def _deserialize(
        cls: Type["_PrefixAwareRoutingConfig"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_PrefixAwareRoutingConfig"]:
        if not json_data:
            return None
        return cls(
            PrefixLength=json_data.get("PrefixLength"),
            ConcurrencyThreshold=json_data.get("ConcurrencyThreshold"),
        )


# work around possible type aliasing issues when variable has same name as a model
_PrefixAwareRoutingConfig = PrefixAwareRoutingConfig


@dataclass
class ProductionVariantCapacityReservationConfig(BaseModel):
    CapacityReservationPreference: Optional[str]
    MlReservationArn: Optional[str]

    @classmethod
    def _deserialize(
        cls: Type["_ProductionVariantCapacityReservationConfig"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_ProductionVariantCapacityReservationConfig"]:
        if not json_data:
            return None
        return cls(
            CapacityReservationPreference=json_data.get("CapacityReservationPreference"),
            MlReservationArn=json_data.get("MlReservationArn"),
        )


# work around possible type aliasing issues when variable has same name as a model
_ProductionVariantCapacityReservationConfig = ProductionVariantCapacityReservationConfig


@dataclass
class AcceleratorPartitionLayout(BaseModel):
    AcceleratorPartitionTypes: Optional[Sequence[str]]

    @classmethod
    def _deserialize(
        cls: Type["_AcceleratorPartitionLayout"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_AcceleratorPartitionLayout"]:
        if not json_data:
            return None
        return cls(
            AcceleratorPartitionTypes=json_data.get("AcceleratorPartitionTypes"),
        )


# work around possible type aliasing issues when variable has same name as a model
_AcceleratorPartitionLayout = AcceleratorPartitionLayout


@dataclass
class SmokeTest(BaseModel):
    FunctionArn: Optional[str]
    Invoke: Optional["_Invoke"]
    Count: Optional[int]

    @classmethod
    def _deserialize(
        cls: Type["_SmokeTest"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_SmokeTest"]:
        if not json_data:
            return None
        return cls(
            FunctionArn=json_data.get("FunctionArn"),
            Invoke=Invoke._deserialize(json_data.get("Invoke")),
            Count=json_data.get("Count"),
        )


# work around possible type aliasing issues when variable has same name as a model
_SmokeTest = SmokeTest


@dataclass
class Invoke(BaseModel):
    Body: Optional[str]
    ContentType: Optional[str]
    ExpectStatus: Optional[int]
    ExpectContentType: Optional[str]

    @classmethod
    def _deserialize(
        cls: Type["_Invoke"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_Invoke"]:
        if not json_data:
            return None
        return cls(
            Body=json_data.get("Body"),
            ContentType=json_data.get("ContentType"),
            ExpectStatus=json_data.get("ExpectStatus"),
            ExpectContentType=json_data.get("ExpectContentType"),
        )


# work around possible type aliasing issues when variable has same name as a model
_Invoke = Invoke


@dataclass
class Tag(BaseModel):
    Key: Optional[str]
    Value: Optional[str]

    @classmethod
    def _deserialize(
        cls: Type["_Tag"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_Tag"]:
        if not json_data:
            return None
        return cls(
            Key=json_data.get("Key"),
            Value=json_data.get("Value"),
        )


# work around possible type aliasing issues when variable has same name as a model
_Tag = Tag


@dataclass
class VpcConfig(BaseModel):
    SecurityGroupIds: Optional[Sequence[str]]
    Subnets: Optional[Sequence[str]]

    @classmethod
    def _deserialize(
        cls: Type["_VpcConfig"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_VpcConfig"]:
        if not json_data:
            return None
        return cls(
            SecurityGroupIds=json_data.get("SecurityGroupIds"),
            Subnets=json_data.get("Subnets"),
        )


# work around possible type aliasing issues when variable has same name as a model
_VpcConfig = VpcConfig


@dataclass
class TypeConfigurationModel(BaseModel):
    JournalTableName: Optional[str]
    SmokeTestFunctionNamePattern: Optional[str]

    @classmethod
    def _deserialize(
        cls: Type["_TypeConfigurationModel"],
        json_data: Optional[Mapping[str, Any]],
    ) -> Optional["_TypeConfigurationModel"]:
        if not json_data:
            return None
        return cls(
            JournalTableName=json_data.get("JournalTableName"),
            SmokeTestFunctionNamePattern=json_data.get("SmokeTestFunctionNamePattern"),
        )


# work around possible type aliasing issues when variable has same name as a model
_TypeConfigurationModel = TypeConfigurationModel


