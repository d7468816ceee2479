"""Creating the template's data resources (tables, buckets, queues, notifications) in an AWS endpoint.

Used by the local stack (against the embedded moto server) and by the integration tests (against moto
in-process). Resources moto cannot run or that only matter on AWS (functions, the HTTP API, CloudFront,
policies, log groups) are described rather than created: the local stack plays their part.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import boto3

from infra.template import Resolver, function_environment, load_template, parameter_defaults
from newsfeed.cli.local import LOCAL_ACCOUNT, LOCAL_REGION, LOCAL_SITE_URL, LOCAL_STACK

# Resources that exist on AWS only; locally their role is played by the local stack itself.
PLAYED_LOCALLY = {
    "AWS::Serverless::Function": "run in-process by the local stack",
    "AWS::Serverless::LayerVersion": "the functions' dependencies are the local venv's",
    "AWS::Serverless::HttpApi": "served by uvicorn",
    "AWS::CloudFront::Distribution": "served by uvicorn (infra/web.py): pages, feeds, sitemap",
    "AWS::CloudFront::Function": "its redirects are answered by uvicorn (infra/web.py)",
    "AWS::CloudFront::OriginAccessControl": "not needed locally",
    "AWS::CloudFront::ResponseHeadersPolicy": "its headers are sent by uvicorn (infra/web.py)",
    "AWS::CloudFront::CachePolicy": "nothing is cached locally: every request reaches the origin",
    "AWS::S3::BucketPolicy": "not enforced by moto",
    "AWS::SQS::QueuePolicy": "not enforced by moto",
    "AWS::Logs::LogGroup": "logs go to the terminal",
    "AWS::SNS::Topic": "alarms are not evaluated locally",
    "AWS::SNS::Subscription": "alarms are not evaluated locally",
    "AWS::CloudWatch::Alarm": "failures show in the terminal and in the dead-letter queues",
}


@dataclass(frozen=True)
class EventSource:
    """A function's event source mapping, as the template declares it."""

    function: str
    kind: str  # "SQS" | "DynamoDB" | "Schedule"
    source: str  # queue URL, stream ARN or schedule expression
    batch_size: int
    properties: dict[str, Any]


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    handler: str  # "module.attribute"
    environment: dict[str, str]
    events: dict[str, dict[str, Any]]
    concurrency: int = 1  # ReservedConcurrentExecutions (1 when the template sets none)


@dataclass
class Resources:
    """What was created, by logical id, and what the local stack must play."""

    template: dict[str, Any]
    physical: dict[str, str] = field(default_factory=dict)  # logical id -> name / URL
    attributes: dict[tuple[str, str], str] = field(default_factory=dict)
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    event_sources: list[EventSource] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)


class _Builder:
    def __init__(
        self,
        session: boto3.session.Session,
        stack_name: str,
        local_urls: dict[str, str],
        parameters: dict[str, str] | None = None,
    ) -> None:
        self.s3 = session.client("s3")
        self.secrets = session.client("secretsmanager")
        self.sqs = session.client("sqs")
        self.dynamodb = session.client("dynamodb")
        self.stack_name = stack_name
        self.local_urls = local_urls
        self.template = load_template()
        self.result = Resources(template=self.template)
        self.queue_urls: dict[str, str] = {}
        self.resolve = Resolver(
            parameters=parameter_defaults(self.template) | (parameters or {}),
            ref=self.ref,
            get_att=self.get_att,
            pseudo={
                "AWS::StackName": stack_name,
                "AWS::AccountId": LOCAL_ACCOUNT,
                "AWS::Region": LOCAL_REGION,
                "AWS::Partition": "aws",
                "AWS::URLSuffix": "amazonaws.com",
            },
            conditions=self.template.get("Conditions", {}),
        )

    def spec(self, logical: str) -> dict[str, Any]:
        return dict(self.template["Resources"][logical])

    def ref(self, logical: str) -> str:
        if logical not in self.result.physical:
            self.create(logical)
        return self.result.physical[logical]

    def get_att(self, logical: str, attribute: str) -> str:
        kind = self.spec(logical)["Type"]
        if kind == "AWS::CloudFront::Distribution" and attribute == "DomainName":
            return self.local_urls["FeedsUrl"].split("://", 1)[1]
        if kind == "AWS::CloudFront::OriginAccessControl":
            return f"local-{logical}"
        self.ref(logical)
        try:
            return self.result.attributes[(logical, attribute)]
        except KeyError:
            raise NotImplementedError(f"the local stack has no {logical}.{attribute}") from None

    def create(self, logical: str) -> None:
        kind = self.spec(logical)["Type"]
        if "Condition" in self.spec(logical) and not self.resolve.condition(self.spec(logical)["Condition"]):
            return
        properties = self.spec(logical).get("Properties", {})
        creators = {
            "AWS::S3::Bucket": self._bucket,
            "AWS::SQS::Queue": self._queue,
            "AWS::DynamoDB::Table": self._table,
            "AWS::SecretsManager::Secret": self._secret,
        }
        if kind in creators:
            creators[kind](logical, properties)
        elif kind == "AWS::CloudFront::Distribution":
            self.result.physical[logical] = ""  # none: uvicorn serves the bucket, with no cache to invalidate
        elif kind in PLAYED_LOCALLY:
            self.result.physical[logical] = f"{self.stack_name}-{logical}"
        else:
            raise NotImplementedError(f"the local stack cannot create {logical} ({kind})")

    def _secret(self, logical: str, properties: dict[str, Any]) -> None:
        import secrets

        name = f"{self.stack_name}-{logical}"
        try:  # kept from an earlier run of the local stack
            self.result.physical[logical] = self.secrets.describe_secret(SecretId=name)["ARN"]
            return
        except self.secrets.exceptions.ResourceNotFoundException:
            pass
        length = int(properties.get("GenerateSecretString", {}).get("PasswordLength", 32))
        created = self.secrets.create_secret(Name=name, SecretString=secrets.token_urlsafe(length)[:length])
        self.result.physical[logical] = created["ARN"]

    def _bucket(self, logical: str, properties: dict[str, Any]) -> None:
        name = self.resolve(properties.get("BucketName")) or f"{self.stack_name}-{logical.lower()}"
        self.result.physical[logical] = name  # before notifications: they may refer back to the bucket
        self.result.attributes[(logical, "Arn")] = f"arn:aws:s3:::{name}"
        self.result.attributes[(logical, "RegionalDomainName")] = f"{name}.s3.{LOCAL_REGION}.amazonaws.com"
        if name not in {bucket["Name"] for bucket in self.s3.list_buckets().get("Buckets", [])}:
            self.s3.create_bucket(Bucket=name)  # else kept from an earlier run of the local stack
        # VersioningConfiguration is deliberately not applied: moto sends no ObjectRemoved event when a
        # delete in a versioned bucket creates a delete marker (AWS sends DeleteMarkerCreated), so a local
        # versioned uploads bucket would never unpublish. tests/unit/test_template.py checks it on AWS.
        queues = self.resolve(properties.get("NotificationConfiguration", {}).get("QueueConfigurations", []))
        if queues:
            self.s3.put_bucket_notification_configuration(
                Bucket=name,
                NotificationConfiguration={
                    "QueueConfigurations": [
                        {
                            "QueueArn": queue["Queue"],
                            "Events": [queue["Event"]],
                            "Filter": {"Key": {"FilterRules": queue["Filter"]["S3Key"]["Rules"]}},
                        }
                        for queue in queues
                    ]
                },
            )

    def _queue(self, logical: str, properties: dict[str, Any]) -> None:
        attributes: dict[Any, str] = {}
        for name in (
            "VisibilityTimeout",
            "MessageRetentionPeriod",
            "DelaySeconds",
            "ReceiveMessageWaitTimeSeconds",
        ):
            if name in properties:
                attributes[name] = str(self.resolve(properties[name]))
        if "RedrivePolicy" in properties:
            attributes["RedrivePolicy"] = json.dumps(self.resolve(properties["RedrivePolicy"]))
        name = f"{self.stack_name}-{logical}"
        if self.resolve(properties.get("FifoQueue", False)) in (True, "true"):
            attributes["FifoQueue"] = "true"
            name += ".fifo"  # as CloudFormation names a FIFO queue
        url = self.sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        self.result.physical[logical] = url
        self.result.attributes[(logical, "Arn")] = f"arn:aws:sqs:{LOCAL_REGION}:{LOCAL_ACCOUNT}:{name}"
        self.queue_urls[f"arn:aws:sqs:{LOCAL_REGION}:{LOCAL_ACCOUNT}:{name}"] = url
        self.result.attributes[(logical, "QueueName")] = name

    def _table(self, logical: str, properties: dict[str, Any]) -> None:
        props = self.resolve(properties)
        name = props.get("TableName") or f"{self.stack_name}-{logical}"
        request: dict[str, Any] = {
            "TableName": name,
            "KeySchema": props["KeySchema"],
            "AttributeDefinitions": props["AttributeDefinitions"],
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if "GlobalSecondaryIndexes" in props:
            request["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        if "StreamSpecification" in props:
            request["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
        try:  # kept from an earlier run of the local stack
            description = self.dynamodb.describe_table(TableName=name)["Table"]
            created = False
        except self.dynamodb.exceptions.ResourceNotFoundException:
            description = self.dynamodb.create_table(**request)["TableDescription"]
            created = True
        if created and props.get("TimeToLiveSpecification", {}).get("Enabled"):
            self.dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={
                    "Enabled": True,
                    "AttributeName": props["TimeToLiveSpecification"]["AttributeName"],
                },
            )
        self.result.physical[logical] = name
        self.result.attributes[(logical, "Arn")] = description["TableArn"]
        if "LatestStreamArn" in description:
            self.result.attributes[(logical, "StreamArn")] = description["LatestStreamArn"]

    def functions(self) -> None:
        for logical, spec in self.template["Resources"].items():
            if spec["Type"] != "AWS::Serverless::Function":
                continue
            properties = spec["Properties"]
            environment = {
                key: str(value)
                for key, value in self.resolve(function_environment(self.template, logical)).items()
            }
            events = properties.get("Events", {})
            self.result.functions[logical] = FunctionSpec(
                logical,
                properties["Handler"],
                environment,
                events,
                int(properties.get("ReservedConcurrentExecutions", 1)),
            )
            for event in events.values():
                kind, props = event["Type"], event.get("Properties", {})
                if kind == "SQS":
                    url = self.queue_urls[self.resolve(props["Queue"])]
                    self.result.event_sources.append(
                        EventSource(logical, kind, url, int(props.get("BatchSize", 10)), self.resolve(props))
                    )
                elif kind == "Schedule":
                    self.result.event_sources.append(EventSource(logical, kind, props["Schedule"], 1, props))
                elif kind == "DynamoDB":
                    self.result.event_sources.append(
                        EventSource(
                            logical,
                            kind,
                            self.resolve(props["Stream"]),
                            int(props.get("BatchSize", 100)),
                            self.resolve(props),
                        )
                    )

    def outputs(self) -> None:
        for name, output in self.template.get("Outputs", {}).items():
            self.result.outputs[name] = self.local_urls.get(name) or str(self.resolve(output["Value"]))


def create_resources(
    session: boto3.session.Session,
    *,
    stack_name: str = LOCAL_STACK,
    local_urls: dict[str, str] | None = None,
    hubs: str = "",
    parameters: dict[str, str] | None = None,
) -> Resources:
    """Create every data resource of template.yaml through `session`; describe the rest.

    `local_urls` gives the base URLs the local stack serves in place of API Gateway ("ApiUrl") and
    CloudFront ("FeedsUrl"); functions' FEEDS_URL follows the latter. `hubs` replaces the template's WebSub
    hubs: a local stack never pings a hub on the internet unless told to. `parameters` override the
    template's defaults (WebhookUrls, say).
    """
    urls = local_urls or {"ApiUrl": LOCAL_SITE_URL, "FeedsUrl": LOCAL_SITE_URL}
    builder = _Builder(session, stack_name, urls, parameters)
    for logical, spec in builder.template["Resources"].items():
        if spec["Type"] not in PLAYED_LOCALLY and logical not in builder.result.physical:
            builder.create(logical)
    builder.functions()
    for function in builder.result.functions.values():
        function.environment["FEEDS_URL"] = urls["FeedsUrl"]
        function.environment["WEBSUB_HUBS"] = hubs
        function.environment["FEDIVERSE_PRIVATE_PEERS"] = "true"  # its followers' servers run on 127.0.0.1
    builder.outputs()
    return builder.result
