"""Static checks of template.yaml for what moto's CloudFormation would silently ignore."""

import json
from typing import Any

import pytest
from infra.template import load_template, resources_of_type

from newsfeed.models import limits

TEMPLATE = load_template()
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
FUNCTIONS = sorted(resources_of_type(TEMPLATE, "AWS::Serverless::Function"))


def props(name: str) -> dict[str, Any]:
    result: dict[str, Any] = RESOURCES[name]["Properties"]
    return result


def statements(function: str) -> list[dict[str, Any]]:
    return [s for policy in props(function)["Policies"] for s in policy["Statement"]]


def test_functions_run_python_313() -> None:
    assert TEMPLATE["Globals"]["Function"]["Runtime"] == "python3.13"
    assert all(
        "Runtime" not in spec["Properties"]
        for spec in resources_of_type(TEMPLATE, "AWS::Serverless::Function").values()
    )


def test_content_table_has_pitr_and_a_full_stream() -> None:
    table = props("ContentTable")
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert RESOURCES["ContentTable"]["DeletionPolicy"] == "Retain"


@pytest.mark.parametrize("bucket", ["UploadsBucket", "PublicBucket"])
def test_buckets_are_private_and_encrypted(bucket: str) -> None:
    config = props(bucket)
    assert set(config["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(config["PublicAccessBlockConfiguration"]) == 4
    assert config["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert config["BucketEncryption"]["ServerSideEncryptionConfiguration"]


def test_uploads_are_versioned_and_notify_the_ingest_for_inbox_and_import_bundles_only() -> None:
    uploads = props("UploadsBucket")
    assert uploads["VersioningConfiguration"] == {"Status": "Enabled"}
    queues = uploads["NotificationConfiguration"]["QueueConfigurations"]
    notified = {
        (q["Event"], q["Filter"]["S3Key"]["Rules"][0]["Value"], q["Queue"]["Fn::GetAtt"][0]) for q in queues
    }
    assert notified == {  # bundles on a queue of their own: a live upload never waits behind them
        ("s3:ObjectCreated:*", "inbox/", "IngestQueue"),
        ("s3:ObjectRemoved:*", "inbox/", "IngestQueue"),
        ("s3:ObjectCreated:*", "imports/", "ImportQueue"),
    }
    events = props("IngestFunction")["Events"]
    assert {e["Properties"]["Queue"]["Fn::GetAtt"][0] for e in events.values()} == {
        "IngestQueue",
        "ImportQueue",
    }
    assert all(len(q["Filter"]["S3Key"]["Rules"]) == 1 for q in queues)
    expiring = [r for r in uploads["LifecycleConfiguration"]["Rules"] if r.get("Prefix") == "imports/"]
    assert expiring[0]["ExpirationInDays"] == limits.IMPORT_RETENTION_DAYS


def test_public_bucket_is_read_only_by_its_cloudfront_distribution() -> None:
    allow = [s for s in props("PublicBucketPolicy")["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert allow == [s for s in allow if s["Principal"] == {"Service": "cloudfront.amazonaws.com"}]
    assert allow[0]["Action"] == "s3:GetObject"
    assert "AWS:SourceArn" in allow[0]["Condition"]["StringEquals"]
    origin = props("FeedsDistribution")["DistributionConfig"]["Origins"][0]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["FeedsOriginAccessControl", "Id"]}


def test_queues_have_dead_letter_queues() -> None:
    for queue, dead in (("IngestQueue", "Ingest"), ("ImportQueue", "Ingest"), ("BulkQueue", "Bulk")):
        assert props(queue)["RedrivePolicy"]["deadLetterTargetArn"] == {
            "Fn::GetAtt": [f"{dead}DeadLetterQueue", "Arn"]
        }
    for function in ("PublisherFunction", "RelatedFunction"):  # the stream's two consumers
        stream = props(function)["Events"]["ContentChanges"]["Properties"]
        assert stream["DestinationConfig"]["OnFailure"]["Destination"] == {
            "Fn::GetAtt": [function.replace("Function", "DeadLetterQueue"), "Arn"]
        }
        assert stream["BisectBatchOnFunctionError"] is True
        assert stream["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert (
            stream["FilterCriteria"]
            == props("PublisherFunction")["Events"]["ContentChanges"]["Properties"]["FilterCriteria"]
        )  # article records only: never the index's own items


def test_least_privilege() -> None:
    every = [
        a
        for f in FUNCTIONS
        for s in statements(f)
        if "Action" in s  # (not a conditional statement)
        for a in s["Action"]
    ]
    assert "dynamodb:Scan" not in every
    assert not [a for a in every if a.endswith("*")]
    api = {a for s in statements("ApiFunction") for a in s["Action"]}
    assert api == {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"}  # (a search's matches)
    deletes = [s for s in statements("IngestFunction") if "s3:DeleteObject" in s["Action"]]
    assert [s["Resource"] for s in deletes] == [{"Fn::Sub": "${UploadsBucket.Arn}/rejected/*"}]
    s3_deleters = {f for f in FUNCTIONS for s in statements(f) if "s3:DeleteObject" in s.get("Action", [])}
    # rejection reports (of articles, of photos); unpublishing; pages, feeds and photos no longer shown
    assert s3_deleters == {
        "IngestFunction",
        "PhotoFunction",
        "WriteApiFunction",
        "PublisherFunction",
        "BulkPublisherFunction",
    }
    photo_deletes = [s for s in statements("PhotoFunction") if "s3:DeleteObject" in s["Action"]]
    assert [s["Resource"] for s in photo_deletes] == [{"Fn::Sub": "${UploadsBucket.Arn}/rejected/*"}]


def test_site_settings_are_parameters_passed_to_every_function() -> None:
    env = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    for parameter, variable in [
        ("SiteName", "SITE_NAME"),
        ("SiteUrl", "SITE_URL"),
        ("SiteDescription", "SITE_DESCRIPTION"),
        ("SiteLanguage", "SITE_LANGUAGE"),
    ]:
        assert parameter in TEMPLATE["Parameters"]
        assert env[variable] == {"Ref": parameter}


def test_outputs_name_everything_a_client_needs() -> None:
    assert {"ApiUrl", "FeedsUrl", "UploadsBucketName", "ContentTableName"} <= set(TEMPLATE["Outputs"])


def test_each_function_may_do_what_its_code_does() -> None:
    """The DynamoDB and S3 operations each function's code performs, against its policy (moto checks none)."""
    actions = {
        f: {a for s in statements(f) for a in s.get("Action", [])}
        for f in (
            "IngestFunction",
            "PhotoFunction",
            "PublisherFunction",
            "RelatedFunction",
            "SchedulerFunction",
            "WriteApiFunction",
        )
    }
    # ingest: reads, one TransactWriteItems of puts/deletes/condition checks, rejection reports
    assert {
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
        "dynamodb:ConditionCheckItem",
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
    } <= actions["IngestFunction"]
    # publisher: list queries and batch reads, archive transactions (put, update, delete), feeds, pings
    assert {
        "dynamodb:Query",
        "dynamodb:BatchGetItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "s3:GetObject",
        "s3:PutObject",
        "sqs:SendMessage",
    } <= actions["PublisherFunction"]
    # related lists: lookups, signature and record batches, list updates, index batches, note deletes
    assert actions["RelatedFunction"] == {
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:BatchGetItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:BatchWriteItem",
        "sqs:SendMessage",  # (its dead-letter queue)
    }
    # scheduler: the schedule's Query, the record's GetItem, the ingest's kind of transaction
    assert {
        "dynamodb:Query",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
        "dynamodb:ConditionCheckItem",
    } <= actions["SchedulerFunction"]
    # write API: finds the article's upload, then writes or deletes it (or sends a takedown bundle)
    assert actions["WriteApiFunction"] == {
        "dynamodb:GetItem",
        "s3:GetObject",  # (HeadObject: does the upload have an object?)
        "s3:ListBucket",
        "s3:PutObject",
        "s3:DeleteObject",
    }
    # image function: the photo, its report, its renditions (written once: HeadObject-free), its record
    assert actions["PhotoFunction"] == {
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:ListBucket",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
    }
    assert "sqs:SendMessage" in json.dumps(statements("IngestFunction"))  # photos passed on
    # fediverse: sections and articles, followers (transactions of puts, updates, deletes), keys, accepts
    assert {a for s in statements("FediverseFunction") for a in s["Action"]} == {
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:BatchGetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:ConditionCheckItem",
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
        "sqs:SendMessage",
    }
    # deliveries: follower servers, forgetting them, the key, fan-out and delays
    assert {a for s in statements("DeliveryFunction") for a in s["Action"]} == {
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
        "sqs:SendMessage",
        "sqs:ChangeMessageVisibility",
    }
    notifier = json.dumps(statements("NotifierFunction"))
    assert "sqs:ChangeMessageVisibility" in notifier and "secretsmanager:GetSecretValue" in notifier


def test_the_api_function_uses_snapstart_through_its_alias() -> None:
    api = props("ApiFunction")
    assert api["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    assert api["AutoPublishAlias"]
    variables = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["PYDANTIC_DISABLE_PLUGINS"] == "__all__"


DEAD_LETTER_QUEUES = [
    "IngestDeadLetterQueue",
    "PublisherDeadLetterQueue",
    "RelatedDeadLetterQueue",
    "PingDeadLetterQueue",
    "PhotoDeadLetterQueue",
]


def alarms() -> dict[str, dict[str, Any]]:
    return {
        name: spec["Properties"]
        for name, spec in resources_of_type(TEMPLATE, "AWS::CloudWatch::Alarm").items()
    }


def test_every_dead_letter_queue_and_function_error_raises_an_alarm() -> None:
    watched = {
        (alarm["MetricName"], json.dumps(alarm["Dimensions"][0]["Value"]))
        for alarm in alarms().values()
        if alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    }
    for queue in DEAD_LETTER_QUEUES:
        assert (
            "ApproximateNumberOfMessagesVisible",
            json.dumps({"Fn::GetAtt": [queue, "QueueName"]}),
        ) in watched
    for function in FUNCTIONS:
        assert ("Errors", json.dumps({"Ref": function})) in watched
    assert ("IteratorAge", json.dumps({"Ref": "PublisherFunction"})) in watched
    assert ("IteratorAge", json.dumps({"Ref": "RelatedFunction"})) in watched
    subscription = RESOURCES["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"


@pytest.mark.parametrize("policy", ["UploadsBucketPolicy", "PublicBucketPolicy"])
def test_buckets_refuse_plain_http_and_tls_below_1_2(policy: str) -> None:
    denials = [s for s in props(policy)["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    conditions = [s["Condition"] for s in denials if s["Action"] == "s3:*" and s["Principal"] == "*"]
    assert {"Bool": {"aws:SecureTransport": "false"}} in conditions
    assert {"NumericLessThan": {"s3:TlsVersion": 1.2}} in conditions


def test_functions_are_traced_and_their_logs_expire() -> None:
    assert TEMPLATE["Globals"]["Function"]["Tracing"] == "Active"
    groups = resources_of_type(TEMPLATE, "AWS::Logs::LogGroup")
    for function in FUNCTIONS:
        group = next(g for g in groups.values() if function in json.dumps(g["Properties"]["LogGroupName"]))
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert props("HttpApi")["AccessLogSettings"]["DestinationArn"] == {
        "Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]
    }


def test_the_ingest_keeps_its_idempotency_ledger_and_nothing_else_may() -> None:
    ledger = [
        s
        for s in statements("IngestFunction")
        if s["Resource"] == {"Fn::GetAtt": ["IdempotencyTable", "Arn"]}
    ]
    assert {a for s in ledger for a in s["Action"]} == {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
    }
    for function in ("PublisherFunction", "RelatedFunction", "ApiFunction"):
        assert "IdempotencyTable" not in json.dumps(statements(function))
    assert props("IdempotencyTable")["TimeToLiveSpecification"] == {
        "AttributeName": "expiration",
        "Enabled": True,
    }


def test_background_functions_cannot_starve_the_api() -> None:
    assert props("IngestFunction")["ReservedConcurrentExecutions"] <= 50
    assert props("PublisherFunction")["ReservedConcurrentExecutions"] <= 10
    assert props("RelatedFunction")["ReservedConcurrentExecutions"] <= 10
    assert "ReservedConcurrentExecutions" not in props("ApiFunction")


def test_every_suppressed_finding_says_why() -> None:
    for name, spec in RESOURCES.items():
        for skip in spec.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert len(skip.get("comment", "")) >= 40, (name, skip["id"])


def test_the_local_stack_resolves_the_templates_conditions() -> None:
    from infra.template import Resolver, parameter_defaults

    def resolver(**parameters: str) -> Resolver:
        return Resolver(
            parameters={**parameter_defaults(TEMPLATE), **parameters},
            ref=lambda logical: f"ref-{logical}",
            get_att=lambda logical, attribute: f"{logical}.{attribute}",
            conditions=TEMPLATE["Conditions"],
        )

    feeds_url = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]["FEEDS_URL"]
    assert resolver()(feeds_url) == "https://FeedsDistribution.DomainName"
    assert resolver(FeedsDomainName="feeds.kazpost.kz")(feeds_url) == "https://feeds.kazpost.kz"
    config = props("FeedsDistribution")["DistributionConfig"]
    assert "Aliases" not in resolver()(config)
    custom = resolver(FeedsDomainName="feeds.kazpost.kz", FeedsCertificateArn="arn:cert")(config)
    assert custom["Aliases"] == ["feeds.kazpost.kz"]
    assert custom["ViewerCertificate"]["MinimumProtocolVersion"] == "TLSv1.2_2021"


def test_every_route_that_is_not_a_get_requires_an_iam_signature() -> None:
    """In the CloudFormation `sam deploy` creates: GET routes are public, every other route needs SigV4, but
    the fediverse's inboxes, which other servers sign with HTTP signatures (checked by the function:
    tests/integration/test_fediverse.py)."""
    from infra.template_checks import translate

    translated = translate()["Resources"]
    routes = {
        spec["Properties"]["RouteKey"]: spec["Properties"].get("AuthorizationType", "NONE")
        for spec in translated.values()
        if spec["Type"] == "AWS::ApiGatewayV2::Route"
    }
    body = next(s for s in translated.values() if s["Type"] == "AWS::ApiGatewayV2::Api")["Properties"]
    schemes = body["Body"]["components"]["securitySchemes"]
    assert schemes["AWS_IAM"]["x-amazon-apigateway-authtype"] == "awsSigv4"
    for path, methods in body.get("Body", {}).get("paths", {}).items():
        for method, operation in methods.items():
            verb = "ANY" if method == "x-amazon-apigateway-any-method" else method.upper()
            auth = "AWS_IAM" if {"AWS_IAM": []} in operation.get("security", []) else "NONE"
            routes[f"{verb} {path}"] = auth
    assert {"PUT /articles/{slug}", "DELETE /articles/{slug}"} <= set(routes)
    assert {key: auth for key, auth in routes.items() if not key.startswith("GET ")} == {
        "PUT /articles/{slug}": "AWS_IAM",
        "DELETE /articles/{slug}": "AWS_IAM",
        "POST /articles/{slug}/photos/{name+}": "AWS_IAM",
        "POST /fediverse/{path+}": "NONE",
    }
    assert {auth for key, auth in routes.items() if key.startswith("GET ")} == {"NONE"}


def test_the_publisher_may_write_and_delete_every_file_it_writes() -> None:
    """moto enforces no policy: each path the publisher writes (and deletes) is checked against its own."""
    from fnmatch import fnmatch

    from newsfeed.logic.site.pages import LOGO_PATH
    from newsfeed.logic.site.paths import (
        NOT_FOUND_PAGE,
        FeedFormat,
        article_page_path,
        feed_path,
        scope_page_path,
    )
    from newsfeed.logic.site.sitemap import ROBOTS_PATH, SITEMAP_PATH
    from newsfeed.models.scope import SITE, Scope, ScopeKind

    section = Scope(ScopeKind.SECTION, "sport", "Sport")
    paths = [article_page_path("a-story"), SITEMAP_PATH, ROBOTS_PATH, NOT_FOUND_PAGE, LOGO_PATH]
    paths += [scope_page_path(scope, page) for scope in (SITE, section) for page in (None, 3)]
    paths += [feed_path(scope, FeedFormat.RSS, page) for scope in (SITE, section) for page in (None, 3)]
    for action in ("s3:PutObject", "s3:DeleteObject", "s3:GetObject"):
        allowed = [
            json.dumps(s["Resource"])
            for s in statements("PublisherFunction")
            if action in s.get("Action", [])
        ]
        for path in paths:
            assert any(
                fnmatch(json.dumps({"Fn::Sub": f"${{PublicBucket.Arn}}/{path}"}), a) for a in allowed
            ), (action, path)


def test_the_distribution_hands_the_search_page_and_the_fediverse_to_the_routes_the_apps_serve() -> None:
    from infra.web import api_path, site_routes
    from starlette.routing import Route

    from newsfeed.api.app import SITE_SEARCH
    from newsfeed.api.fediverse import create_fediverse_app
    from newsfeed.logic.site.paths import SEARCH_PAGE
    from newsfeed.models.fediverse import ACTORS, NODEINFO, NODEINFO_LINKS, SHARED_INBOX, WEBFINGER

    routes = site_routes()
    assert api_path(routes, f"/{SEARCH_PAGE}") == SITE_SEARCH
    served = [r for r in create_fediverse_app(lambda: None).routes if isinstance(r, Route)]  # type: ignore[arg-type, return-value]
    for path in (
        WEBFINGER,
        NODEINFO_LINKS,
        NODEINFO,
        f"{ACTORS}/kazpost",
        f"{ACTORS}/sport/inbox",
        SHARED_INBOX,
    ):
        target = api_path(routes, path)
        assert target is not None and any(r.path_regex.match(target) for r in served), path
    assert api_path(routes, "/articles/a-story") is None  # the bucket's
