"""Facts the template, the Makefile or the OpenAPI document must state again, because their language cannot
import ours, agree with the one place the code keeps them."""

import json
import re
from typing import Any

from infra.template import load_template, resources_of_type

from newsfeed.api.app import create_app
from newsfeed.api.write import create_write_app
from newsfeed.cli import local
from newsfeed.dal.keys import ARTICLE_SK
from newsfeed.models import limits
from newsfeed.models.site import ARTICLES, article_path
from tests.support import ROOT
from tests.support.factories import SITE

TEMPLATE = load_template()


def test_the_templates_parameters_are_the_codes_limits_and_patterns() -> None:
    parameters = TEMPLATE["Parameters"]
    assert int(parameters["FeedItems"]["Default"]) == limits.FEED_ITEMS
    assert (parameters["FeedItems"]["MinValue"], parameters["FeedItems"]["MaxValue"]) == (
        1,
        limits.MAX_FEED_ITEMS,
    )
    assert parameters["SiteUrl"]["AllowedPattern"] == limits.SITE_URL_PATTERN
    assert parameters["SiteLanguage"]["AllowedPattern"] == limits.LANGUAGE_PATTERN


def stream_filters() -> list[dict[str, Any]]:
    functions = resources_of_type(TEMPLATE, "AWS::Serverless::Function").values()
    events = [
        e for f in functions for e in f["Properties"].get("Events", {}).values() if e["Type"] == "DynamoDB"
    ]
    assert len(events) == 2  # the publisher and the related-lists function
    return [json.loads(f["Pattern"]) for e in events for f in e["Properties"]["FilterCriteria"]["Filters"]]


def test_both_stream_readers_take_exactly_the_article_records() -> None:
    assert stream_filters() == [{"dynamodb": {"Keys": {"sk": {"S": [ARTICLE_SK]}}}}] * 2


def test_import_bundles_and_their_results_expire_after_the_stated_days() -> None:
    rules = TEMPLATE["Resources"]["UploadsBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    expiring = {rule["Prefix"]: rule["ExpirationInDays"] for rule in rules if "ExpirationInDays" in rule}
    assert expiring == {
        limits.IMPORT_PREFIX: limits.IMPORT_RETENTION_DAYS,
        limits.IMPORT_RESULTS_PREFIX: limits.IMPORT_RETENTION_DAYS,
    }


def test_the_write_routes_and_the_apis_article_routes_are_at_the_articles_path() -> None:
    write_api = TEMPLATE["Resources"]["WriteApiFunction"]["Properties"]["Events"].values()
    in_template = {e["Properties"]["Path"] for e in write_api}
    writes = create_write_app(None, None)  # type: ignore[arg-type]
    in_app = {route.path.replace("{name:path}", "{name+}") for route in writes.routes}  # type: ignore[attr-defined]
    assert in_template == in_app
    assert all(path.startswith(f"/{article_path('{slug}')}") for path in in_template)
    app = create_app(SITE, None, lambda: None)  # type: ignore[arg-type,return-value]
    routes = [route.path for route in app.routes]  # type: ignore[attr-defined]
    article = f"/{article_path('{slug}')}"
    assert {article, f"{article}/related", f"{article}/revisions", f"/{ARTICLES}"} <= set(routes)


def test_the_documented_years_pattern_accepts_exactly_the_accepted_years() -> None:
    matched = [year for year in range(10_000) if re.match(limits.YEARS_PATTERN, f"{year:04d}-01-01")]
    assert matched == list(range(limits.EARLIEST_YEAR, limits.LATEST_YEAR + 1))


def test_the_makefiles_ports_are_the_local_stacks() -> None:
    makefile = (ROOT / "Makefile").read_text()
    defaults = dict(re.findall(r"^(PORT|AWS_PORT) \?= (\d+)$", makefile, re.M))
    assert defaults == {"PORT": str(local.LOCAL_PORT), "AWS_PORT": str(local.LOCAL_AWS_PORT)}
