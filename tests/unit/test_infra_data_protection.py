"""Issue 8 in AWS, proven on the rendered merge template: the table is encrypted with the stack's own key,
recoverable to any second of the last 35 days, outlives the stack with its key, and only the functions'
roles may use that key, and only through DynamoDB. Also: every job has its log group and its error alarm.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra import render
from tests.unit.test_infra_policy import (
    ACCOUNT,
    EXECUTION_ROLE_ARN,
    REGION,
    _app_functions,
    _get_att,
    _listify,
    _role_statements,
    allowed,
)

TENANT_ROLE_ARN = _get_att("TenantRole", "Arn")
TABLE_KEY_ARN = _get_att("TableKey", "Arn")
VIA_DYNAMODB = {"kms:ViaService": f"dynamodb.{REGION}.amazonaws.com", "kms:CallerAccount": ACCOUNT}
USE = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey")


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return render.render()


@pytest.fixture(scope="module")
def key_policy(template: dict[str, Any]) -> list[dict[str, Any]]:
    return template["Resources"]["TableKey"]["Properties"]["KeyPolicy"]["Statement"]


def test_the_table_is_encrypted_with_the_stacks_own_key_and_recoverable(template):
    table = template["Resources"]["Table"]["Properties"]
    assert table["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS",
                                         "KMSMasterKeyId": {"Fn::GetAtt": ["TableKey", "Arn"]}}
    assert template["Resources"]["TableKey"]["Type"] == "AWS::KMS::Key"
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["DeletionProtectionEnabled"] is True


def test_the_table_and_its_key_outlive_the_stack(template):
    for name in ("Table", "TableKey"):
        resource = template["Resources"][name]
        assert resource["DeletionPolicy"] == "Retain" and resource["UpdateReplacePolicy"] == "Retain", name
    key = template["Resources"]["TableKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    assert key["PendingWindowInDays"] == 30, "a key scheduled for deletion by mistake can be saved for a month"


def test_only_the_functions_roles_use_the_table_key_and_only_through_dynamodb(key_policy):
    for role in (EXECUTION_ROLE_ARN, TENANT_ROLE_ARN):
        for action in USE:
            assert allowed(key_policy, action, principal=role, **VIA_DYNAMODB), (role, action)
            assert not allowed(key_policy, action, principal=role), "directly, outside DynamoDB"
            assert not allowed(key_policy, action, principal=role,
                               **{**VIA_DYNAMODB, "kms:ViaService": f"s3.{REGION}.amazonaws.com"})
            assert not allowed(key_policy, action, principal=role, **{**VIA_DYNAMODB, "kms:CallerAccount": "999"})
        for action in ("kms:ReEncryptFrom", "kms:CreateGrant", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion",
                       "kms:DisableKey", "kms:GenerateDataKeyWithoutPlaintext"):
            assert not allowed(key_policy, action, principal=role, **VIA_DYNAMODB), (role, action)
    stranger = f"arn:aws:iam::{ACCOUNT}:role/someone-else"
    assert not allowed(key_policy, "kms:Decrypt", principal=stranger, **VIA_DYNAMODB)


def test_the_key_policy_names_no_one_else(key_policy):
    root = f"arn:aws:iam::{ACCOUNT}:root"
    principals = {json.dumps(p) for st in key_policy for p in _listify(st["Principal"].get("AWS", []))}
    assert principals == {json.dumps(p) for p in [
        {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"},
        {"Fn::GetAtt": ["ExecutionRole", "Arn"]}, {"Fn::GetAtt": ["TenantRole", "Arn"]}]}
    assert all(st["Principal"] != "*" and st["Principal"].get("AWS") != "*" for st in key_policy)
    # The account administers the key (through IAM); DynamoDB itself reads only the key's metadata.
    assert allowed(key_policy, "kms:PutKeyPolicy", principal=root)
    services = [st for st in key_policy if "Service" in st["Principal"]]
    assert [st["Principal"]["Service"] for st in services] == ["dynamodb.amazonaws.com"]
    for st in services:
        assert all(a.split(":")[1].startswith(("Describe", "Get", "List")) for a in _listify(st["Action"]))


def test_the_roles_kms_permissions_are_the_table_key_through_dynamodb_only(template):
    for role in ("ExecutionRole", "TenantRole"):
        statements = _role_statements(template, role)
        kms = [st for st in statements if any(a.startswith("kms:") for a in _listify(st["Action"]))]
        assert kms, role
        for st in kms:
            assert st["Effect"] == "Allow"
            assert set(_listify(st["Action"])) <= set(USE), st["Action"]
            assert st["Resource"] == {"Fn::GetAtt": ["TableKey", "Arn"]}
            via = {"Fn::Sub": "dynamodb.${AWS::Region}.amazonaws.com"}
            assert st["Condition"] == {"StringEquals": {"kms:ViaService": via}}
        for action in USE:
            assert allowed(statements, action, resource=TABLE_KEY_ARN, **VIA_DYNAMODB), (role, action)
            assert not allowed(statements, action, resource=TABLE_KEY_ARN), (role, action)
            assert not allowed(statements, action, resource=_get_att("OpsKey", "Arn"), **VIA_DYNAMODB), (role, action)


def test_every_function_waits_for_its_key_permission(template):
    for name in _app_functions():
        assert "TableKeyUse" in template["Resources"][name].get("DependsOn", []), name


def _references(value: Any) -> set[str]:
    """The resources a template value points at (Ref, Fn::GetAtt, Fn::Sub's ${Name} and ${Name.Attr})."""
    import re

    if isinstance(value, list):
        return set().union(*map(_references, value)) if value else set()
    if not isinstance(value, dict):
        return set()
    if set(value) == {"Ref"}:
        return {value["Ref"]}
    if set(value) == {"Fn::GetAtt"}:
        return {value["Fn::GetAtt"][0]}
    if set(value) == {"Fn::Sub"}:
        text, variables = (value["Fn::Sub"], {}) if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"]
        names = {m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", text)} - set(variables)
        return names | _references(list(variables.values()))
    return set().union(*map(_references, value.values())) if value else set()


def test_the_template_has_no_dependency_cycle(template):
    """The key names the roles and the table names the key, so the roles must not name the table resource."""
    resources = template["Resources"]
    graph = {name: (_references(r.get("Properties", {})) | set(_listify(r.get("DependsOn", [])))) & set(resources)
             for name, r in resources.items()}
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph[node]):
            assert state.get(nxt) != "open", " -> ".join([*path, node, nxt])
            if nxt not in state:
                visit(nxt, [*path, node])
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
    assert "TableKey" in graph["Table"] and {"ExecutionRole", "TenantRole"} <= graph["TableKey"]


def test_the_model_keeps_its_encryption_setting_and_the_stack_adds_only_the_key(tmp_path, monkeypatch):
    assert render.table_with_stack_properties({"SSESpecification": {"SSEEnabled": True}},
                                              {"SSESpecification": {"SSEType": "KMS"}, "TableName": "t"}) == {
        "SSESpecification": {"SSEEnabled": True, "SSEType": "KMS"}, "TableName": "t"}
    source = json.loads(render.SOURCE.read_text())
    source["Resources"]["Table"]["Properties"]["SSESpecification"]["SSEEnabled"] = False
    fake = tmp_path / "template.json"
    fake.write_text(json.dumps(source))
    monkeypatch.setattr(render, "SOURCE", fake)
    with pytest.raises(ValueError, match=r"SSESpecification\.SSEEnabled"):
        render.render()


# --- the jobs -------------------------------------------------------------------------------


def test_every_function_but_the_api_has_an_error_alarm_and_a_log_group(template):
    resources = template["Resources"]
    alarmed = set()
    for alarm in resources.values():
        props = alarm.get("Properties", {})
        if alarm.get("Type") == "AWS::CloudWatch::Alarm" and props.get("MetricName") == "Errors":
            assert props["AlarmActions"] == [{"Ref": "AlarmTopic"}]
            alarmed |= {d["Value"]["Ref"] for d in props["Dimensions"] if d["Name"] == "FunctionName"}
    functions = set(_app_functions())
    assert {"RebuildReports", "SweepRetention"} <= functions
    assert functions - {"APIHandler"} <= alarmed  # the API's failures are its 5xx alarm
    for name in ("RebuildReports", "SweepRetention"):
        group = resources[resources[name]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]]["Properties"]
        assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"} and group["KmsKeyId"]


def test_the_rebuild_has_time_for_a_long_rebuild_and_a_name_to_invoke(template):
    props = template["Resources"]["RebuildReports"]["Properties"]
    assert props["Timeout"] == 900 and props["MemorySize"] >= 1024
    assert props["FunctionName"] == {"Fn::Sub": "${AWS::StackName}-rebuild-reports"}
    assert template["Outputs"]["RebuildReportsFunction"] == {"Value": {"Ref": "RebuildReports"}}


def test_the_retention_sweep_runs_once_a_day_with_time_for_a_backlog(template):
    from datetime import UTC, datetime

    from local.scheduler import parse

    sweep = _app_functions()["SweepRetention"]
    expression = sweep.schedule_expression
    schedule = parse(expression if isinstance(expression, str) else expression.to_string())
    first = schedule.next_after(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    assert first == datetime(2026, 3, 2, 3, 30, tzinfo=UTC)
    assert schedule.next_after(first) == datetime(2026, 3, 3, 3, 30, tzinfo=UTC)
    assert template["Resources"]["SweepRetention"]["Properties"]["Timeout"] == 900
