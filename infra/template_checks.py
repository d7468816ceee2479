"""The template gates of `make test`, run in their own venv (.venv-checks; checkov pins an older boto3):

1. cfn-lint on template.yaml, with the serverless rules (cfn-lint-serverless);
2. the SAM transform, offline (aws-sam-translator), and cfn-lint on the CloudFormation it produces;
3. checkov (--skip-download) with zero unsuppressed findings (each suppression in the template has a reason).

Exit status 1 and the findings if any gate fails. `python -m infra.template_checks [TEMPLATE]`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
# Pseudo parameters for translating the template offline: any values do (it runs in a venv of its own,
# without newsfeed, so it does not borrow the local stack's).
REGION = "us-east-1"
PSEUDO: dict[str, Any] = {
    "AWS::Region": REGION,
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::StackName": "newsfeed",
    "AWS::StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/newsfeed/x",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::NotificationARNs": [],
}
# The AWS-managed policies SAM attaches to functions with these event sources (names are stable public ARNs).
MANAGED_POLICIES = {
    name: f"arn:aws:iam::aws:policy/{path}{name}"
    for path, name in [
        ("service-role/", "AWSLambdaBasicExecutionRole"),
        ("", "AWSXrayWriteOnlyAccess"),
        ("service-role/", "AWSLambdaSQSQueueExecutionRole"),
        ("service-role/", "AWSLambdaDynamoDBExecutionRole"),
    ]
}


def translate(template: Path = TEMPLATE) -> dict[str, Any]:
    """template.yaml through the SAM transform, offline: the CloudFormation that `sam deploy` would create."""
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator
    from samtranslator.yaml_helper import yaml_parse

    document = yaml_parse(template.read_text())
    # `sam package` replaces the local code folders with uploaded artifacts; do the same with placeholders.
    document["Globals"]["Function"]["CodeUri"] = "s3://newsfeed-artifacts/functions.zip"
    for spec in document["Resources"].values():
        if spec["Type"] == "AWS::Serverless::LayerVersion":
            spec["Properties"]["ContentUri"] = "s3://newsfeed-artifacts/layer.zip"
    import boto3

    translator = Translator(
        MANAGED_POLICIES, Parser(), boto_session=boto3.session.Session(region_name=REGION)
    )
    translated: dict[str, Any] = translator.translate(
        document, dict(PSEUDO), get_managed_policy_map=lambda: MANAGED_POLICIES
    )
    return translated


def _run(title: str, command: list[str]) -> bool:
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    ok = result.returncode == 0
    print(f"{'ok' if ok else 'FAILED'}: {title}")
    if not ok:
        print(result.stdout[-8000:], result.stderr[-4000:], sep="\n")
    return ok


def main(argv: list[str] | None = None) -> int:
    template = Path((argv if argv is not None else sys.argv[1:] or [str(TEMPLATE)])[0]).resolve()
    bin_dir = Path(sys.executable).parent
    results = [
        _run(
            "cfn-lint template.yaml (with the serverless rules)",
            [str(bin_dir / "cfn-lint"), str(template), "-a", "cfn_lint_serverless.rules"],
        )
    ]
    with tempfile.TemporaryDirectory() as scratch:
        translated = Path(scratch) / "translated.json"
        resources = translate(template)
        translated.write_text(json.dumps(resources, indent=1))
        print(f"ok: SAM transform ({len(resources['Resources'])} CloudFormation resources)")
        results.append(
            _run("cfn-lint on the SAM-translated template", [str(bin_dir / "cfn-lint"), str(translated)])
        )
    results.append(
        _run(
            "checkov --skip-download (no unsuppressed findings)",
            [
                str(bin_dir / "checkov"),
                "-f",
                str(template),
                "--framework",
                "cloudformation",
                "--skip-download",
                "--quiet",
                "--compact",
            ],
        )
    )
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
