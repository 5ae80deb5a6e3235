"""``make package``'s own checks, on Chalice's real warning text and its real template merger.

Packaging itself (wheels from the registry) runs in ``make package``, not in the test suite.
"""

from __future__ import annotations

import copy
import importlib.util
import sys
import zipfile
from typing import Any

from chalice.constants import MISSING_DEPENDENCIES_TEMPLATE
from chalice.deploy.swagger import CFNSwaggerGenerator
from chalice.package import TemplateDeepMerger

from chalicelib.settings import PLACEHOLDER_STREAM_ARN
from infra import package, render


def test_chalice_s_missing_dependency_warning_is_caught():
    output = "Creating deployment package.\n" + MISSING_DEPENDENCIES_TEMPLATE % "numpy==2.4.0\nscipy==1.17.0"
    assert package.missing_dependencies(output) == ["numpy==2.4.0", "scipy==1.17.0"]
    assert package.missing_dependencies("Creating deployment package.\nReusing existing deployment package.\n") == []


def _function(handler: str, **extra: Any) -> dict[str, Any]:
    """A function as ``chalice package`` writes it with ``manage_iam_role: false``."""
    return {
        "Type": "AWS::Serverless::Function",
        "Properties": {
            "Runtime": "python3.11",
            "Handler": handler,
            "CodeUri": "./deployment.zip",
            "Environment": {"Variables": {"POWERTOOLS_SERVICE_NAME": "duo"}},
            "Role": "arn:aws:iam::000000000000:role/duo-replaced-by-infra",
            **extra,
        },
    }


def _api_definition() -> dict[str, Any]:
    """The API definition ``chalice package`` writes for the app (its paths and methods)."""
    from app import app

    return CFNSwaggerGenerator().generate_swagger(app)


CHALICE_TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Transform": "AWS::Serverless-2016-10-31",
    "Resources": {
        "APIHandler": _function("app.app"),
        "RestAPI": {
            "Type": "AWS::Serverless::Api", "Properties": {"StageName": "api", "DefinitionBody": _api_definition()}
        },
        "OnTableChange": _function("app.on_table_change", Events={
            "OnTableChangeDynamodbEventSource": {
                "Type": "DynamoDB",
                "Properties": {"Stream": PLACEHOLDER_STREAM_ARN, "BatchSize": 100, "StartingPosition": "TRIM_HORIZON"},
            }
        }),
        "ReconcileCounts": _function("app.reconcile_counts", Events={
            "ReconcileCountsEvent": {"Type": "Schedule", "Properties": {"Schedule": "cron(15 2 * * ? *)"}}
        }),
        "SendReminders": _function("app.send_reminders", Events={
            "SendRemindersEvent": {"Type": "Schedule", "Properties": {"Schedule": "rate(1 hour)"}}
        }),
    },
}


def test_the_merge_template_replaces_everything_chalice_leaves_open():
    merged = TemplateDeepMerger().merge(render.render(), copy.deepcopy(CHALICE_TEMPLATE))
    assert package.merge_problems(merged) == []
    mapping = merged["Resources"]["OnTableChange"]["Properties"]["Events"]["OnTableChangeDynamodbEventSource"]
    assert mapping["Properties"]["BatchSize"] == 100, "the merge keeps what Chalice set"


def test_a_function_the_merge_template_does_not_know_fails_the_package():
    chalice_template = copy.deepcopy(CHALICE_TEMPLATE)
    chalice_template["Resources"]["PurgeExpired"] = _function("app.purge_expired")
    problems = package.merge_problems(TemplateDeepMerger().merge(render.render(), chalice_template))
    assert any(p.startswith("PurgeExpired: Role") for p in problems)
    assert any(p.startswith("PurgeExpired: no LoggingConfig") for p in problems)
    assert any("placeholder" in p for p in problems)


def test_a_stream_left_on_the_placeholder_fails_the_package():
    merge_template = render.render()
    del merge_template["Resources"]["OnTableChange"]["Properties"]["Events"]
    problems = package.merge_problems(TemplateDeepMerger().merge(merge_template, copy.deepcopy(CHALICE_TEMPLATE)))
    assert any("Stream is not the table's stream" in p for p in problems)
    assert any(PLACEHOLDER_STREAM_ARN in p for p in problems)


def test_the_size_counted_is_the_unzipped_size(tmp_path):
    archive = tmp_path / "deployment.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("big.bin", b"\0" * 3_000_000)
        z.writestr("app.py", "print('hi')\n")
    assert archive.stat().st_size < 100_000
    assert package.unzipped_bytes(archive) == 3_000_012


def test_a_throttling_setting_for_a_method_the_api_lacks_fails_the_package():
    chalice_template = copy.deepcopy(CHALICE_TEMPLATE)
    del chalice_template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]["/branches/{branch}/signups"]
    problems = package.merge_problems(TemplateDeepMerger().merge(render.render(), chalice_template))
    assert "RestAPI.MethodSettings: the API has no POST /branches/{branch}/signups" in problems


def test_the_package_carries_bytecode_that_the_lambda_runtime_uses_without_recompiling(tmp_path):
    archive = tmp_path / "deployment.zip"
    with zipfile.ZipFile(archive, "w") as z:
        info = zipfile.ZipInfo("chalicelib/thing.py")
        info.external_attr = 0o755 << 16
        z.writestr(info, "ANSWER = 42\n")
        z.writestr("chalicelib/data.json", "{}")
    assert package.add_bytecode(archive) == 1
    with zipfile.ZipFile(archive) as z:
        names = set(z.namelist())
        pyc = z.read(f"chalicelib/__pycache__/thing.{sys.implementation.cache_tag}.pyc")
        mode = z.getinfo("chalicelib/thing.py").external_attr
    assert names == {"chalicelib/thing.py", "chalicelib/data.json",
                     f"chalicelib/__pycache__/thing.{sys.implementation.cache_tag}.pyc"}
    assert mode == 0o755 << 16  # the files' modes are kept
    assert pyc[:4] == importlib.util.MAGIC_NUMBER
    assert int.from_bytes(pyc[4:8], "little") == 0b01  # hash-based, source not checked: no stat, no recompiling
