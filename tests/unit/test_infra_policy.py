"""The deployed policies, proven on the rendered merge template (moto does not enforce IAM).

A small evaluator resolves the template's intrinsics to concrete ARNs and evaluates the IAM
statements the way IAM does for what we use (Allow/Deny, action and resource wildcards,
StringLike and friends, ForAllValues, Null, policy variables), so the tests can ask concrete
questions: may the platform role read ``T#antwerp#PERSON#123``? May antwerp's session?
"""

from __future__ import annotations

import json
import re
from email.utils import parseaddr
from typing import Any

import pytest
from chalice.utils import to_cfn_resource_name

from chalicelib.domain.roles import Role
from chalicelib.store import keys
from chalicelib.store.table import table_properties
from infra import package, render

REGION, ACCOUNT = "eu-west-1", "123456789012"
TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/duo"
EXECUTION_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/duo-ExecutionRole-1"
ITEM_ACTIONS = {
    "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query",
    "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem",
}
TENANT_PATTERN = "T#${aws:PrincipalTag/branch}#*"
PLATFORM_PATTERNS = {"REGISTRY", "T#*#BRANCH", "T#*#STAFF#*", "T#*#STAFFEMAIL#*", "T#*#AGG"}
PERSONAL_KEYS = ["T#antwerp#PERSON#123", "T#antwerp#DUO#42", "T#antwerp#SESSION#7", "T#antwerp#EVENT#2026-11-24"]


# --- a small IAM evaluator --------------------------------------------------------------------

_ATTRIBUTES = {
    ("Table", "Arn"): TABLE_ARN,
    ("Table", "StreamArn"): f"{TABLE_ARN}/stream/2026-11-24T00:00:00.000",
    ("ExecutionRole", "Arn"): EXECUTION_ROLE_ARN,
}
_PSEUDO = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}
MAIL_FROM = "no-reply@mail.duo.example"
_PARAMETERS = {"TableName": "duo", "MailFromAddress": MAIL_FROM, "MailFromName": "DUO for a JOB", "PublicUrl": "https://signup.duo.example",
               "AuthDomainPrefix": "duo-staff-test"}


def _get_att(logical: str, attribute: str) -> str:
    return _ATTRIBUTES.get((logical, attribute), f"arn:aws:test:{REGION}:{ACCOUNT}:{logical}/{attribute}")


def resolve(value: Any) -> Any:
    """Template values with Ref, Fn::GetAtt, Fn::Sub, Fn::Select and Fn::Split replaced by made-up concrete ones."""
    if isinstance(value, list):
        return [resolve(v) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        return _PSEUDO.get(value["Ref"], _PARAMETERS.get(value["Ref"], value["Ref"]))
    if set(value) == {"Fn::GetAtt"}:
        return _get_att(*value["Fn::GetAtt"])
    if set(value) == {"Fn::Select"}:
        index, items = value["Fn::Select"]
        return resolve(items)[int(index)]
    if set(value) == {"Fn::Split"}:
        separator, text = value["Fn::Split"]
        return resolve(text).split(separator)
    if set(value) == {"Fn::Sub"}:
        text, variables = (value["Fn::Sub"], {}) if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"]

        def sub(m: re.Match[str]) -> str:
            name = m.group(1)
            if name in variables:
                return str(resolve(variables[name]))
            return _get_att(*name.split(".", 1)) if "." in name else resolve({"Ref": name})

        return re.sub(r"\$\{([^}]+)\}", sub, text)
    return {k: resolve(v) for k, v in value.items()}


def like(pattern: str, value: str, variables: dict[str, Any] | None = None) -> bool:
    """IAM's StringLike: ``*`` and ``?`` wildcards, ``${*}``/``${?}``/``${$}`` literals, ``${var}``
    from the request context (no match when the variable is absent)."""
    regex = ""
    for token in re.split(r"(\$\{[^}]*\}|\*|\?)", pattern):
        if token == "*":
            regex += ".*"
        elif token == "?":
            regex += "."
        elif token in ("${*}", "${?}", "${$}"):
            regex += re.escape(token[2])
        elif token.startswith("${"):
            if (variables or {}).get(token[2:-1]) is None:
                return False
            regex += re.escape(variables[token[2:-1]])
        else:
            regex += re.escape(token)
    return re.fullmatch(regex, value, re.DOTALL) is not None


def _condition_holds(operator: str, key: str, expected: Any, context: dict[str, Any]) -> bool:
    patterns = expected if isinstance(expected, list) else [expected]
    if operator == "Null":
        return (context.get(key) is None) == (str(patterns[0]).lower() == "true")
    qualifier, _, base = operator.rpartition(":")
    negated = base in ("StringNotLike", "StringNotEquals")
    if base in ("StringLike", "StringNotLike", "ArnLike"):
        def one(v: str) -> bool:
            return any(like(p, v, context) for p in patterns)
    elif base in ("StringEquals", "StringNotEquals"):
        def one(v: str) -> bool:
            return v in patterns
    else:
        raise NotImplementedError(f"evaluator does not know {operator}: teach it before relying on it")
    value = context.get(key)
    if qualifier == "ForAllValues":  # true for an absent or empty key: why the Null guard matters
        return all(one(v) for v in value or [])
    if qualifier:
        raise NotImplementedError(operator)
    if value is None:
        return negated
    return not one(value) if negated else one(value)


def _listify(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statement_matches(st: dict[str, Any], action: str, resource: str | None, principal: str | None,
                       context: dict[str, Any]) -> bool:
    st = resolve(st)
    if not any(like(a, action) for a in _listify(st["Action"])):
        return False
    if resource is not None and not any(like(r, resource) for r in _listify(st["Resource"])):
        return False
    if principal is not None and principal not in _listify(st["Principal"].get("AWS", [])):
        return False
    return all(
        _condition_holds(op, key, expected, context)
        for op, block in st.get("Condition", {}).items()
        for key, expected in block.items()
    )


def allowed(statements: list[dict[str, Any]], action: str, *, resource: str | None = None,
            principal: str | None = None, **context: Any) -> bool:
    matching = [st for st in statements if _statement_matches(st, action, resource, principal, context)]
    return any(st["Effect"] == "Allow" for st in matching) and not any(st["Effect"] == "Deny" for st in matching)


# --- the rendered template ------------------------------------------------------------------


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return render.render()


def _role_statements(template: dict[str, Any], role: str) -> list[dict[str, Any]]:
    """Every statement granted to a role: inline policies, and policy resources attached to it."""
    resources = template["Resources"]
    props = resources[role]["Properties"]
    assert not props.get("ManagedPolicyArns"), f"{role} must not carry managed policies"
    statements = [st for p in props.get("Policies", []) for st in p["PolicyDocument"]["Statement"]]
    for resource in resources.values():
        attached = resource.get("Properties", {})
        targets = [attached.get("RoleName"), *attached.get("Roles", [])]
        if resource.get("Type") in ("AWS::IAM::Policy", "AWS::IAM::RolePolicy") and {"Ref": role} in targets:
            statements += attached["PolicyDocument"]["Statement"]
    return statements


@pytest.fixture(scope="module")
def tenant(template: dict[str, Any]) -> list[dict[str, Any]]:
    return _role_statements(template, "TenantRole")


@pytest.fixture(scope="module")
def platform(template: dict[str, Any]) -> list[dict[str, Any]]:
    return _role_statements(template, "ExecutionRole")


def _dynamodb_statements(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [st for st in statements if any(a.startswith("dynamodb:") for a in _listify(st["Action"]))]


# --- the evaluator itself -------------------------------------------------------------------


def test_the_matcher_follows_iam_string_like():
    assert like("T#*#BRANCH", "T#antwerp#BRANCH")
    assert not like("T#*#BRANCH", "T#antwerp#BRANCHES")
    assert like("T#${aws:PrincipalTag/branch}#*", "T#antwerp#X", {"aws:PrincipalTag/branch": "antwerp"})
    assert not like("T#${aws:PrincipalTag/branch}#*", "T#antwerp#X", {})
    assert like("*${*}*", "a*b") and not like("*${*}*", "ab")
    assert _condition_holds("ForAllValues:StringLike", "k", ["x"], {}), "IAM: ForAllValues of nothing is true"


# --- the tenant role ------------------------------------------------------------------------


def _tenant_may(tenant: list[dict[str, Any]], branch: str, action: str, leading_keys: list[str] | None,
                resource: str = TABLE_ARN) -> bool:
    return allowed(tenant, action, resource=resource,
                   **{"aws:PrincipalTag/branch": branch, "dynamodb:LeadingKeys": leading_keys})


def test_a_tenant_session_reaches_its_own_branch_only(tenant):
    person = ["T#antwerp#PERSON#123"]
    assert _tenant_may(tenant, "antwerp", "dynamodb:GetItem", person)
    assert _tenant_may(tenant, "antwerp", "dynamodb:PutItem", person)
    assert _tenant_may(tenant, "antwerp", "dynamodb:Query", ["T#antwerp#PERSON#waiting"],
                       resource=f"{TABLE_ARN}/index/gsi1")
    assert not _tenant_may(tenant, "ghent", "dynamodb:GetItem", person)
    assert not _tenant_may(tenant, "ghent", "dynamodb:Query", person, resource=f"{TABLE_ARN}/index/gsi1")
    assert not _tenant_may(tenant, "antwerp", "dynamodb:GetItem", ["T#antwerpen#PERSON#1"]), "prefix must end at #"
    assert not _tenant_may(tenant, "antwerp", "dynamodb:BatchGetItem", ["T#antwerp#PERSON#1", "T#ghent#PERSON#2"])
    assert not _tenant_may(tenant, "antwerp", "dynamodb:GetItem", ["REGISTRY"])
    assert not _tenant_may(tenant, "antwerp", "dynamodb:GetItem", None), "no key, no access (Null guard)"
    assert not _tenant_may(tenant, "antwerp", "dynamodb:Scan", None)
    assert not _tenant_may(tenant, "antwerp", "dynamodb:GetItem", person, resource=TABLE_ARN + "-other")


def test_every_tenant_dynamodb_statement_is_bound_to_the_branch_prefix(tenant):
    statements = _dynamodb_statements(tenant)
    assert statements
    for st in statements:
        assert st["Effect"] == "Allow"
        assert set(_listify(st["Action"])) <= ITEM_ACTIONS, "no Scan, PartiQL or wildcard actions"
        assert st["Condition"]["ForAllValues:StringLike"] == {"dynamodb:LeadingKeys": [TENANT_PATTERN]}
        assert st["Condition"]["Null"] == {"dynamodb:LeadingKeys": "false"}
        for arn in _listify(resolve(st["Resource"])):
            assert arn in (TABLE_ARN, f"{TABLE_ARN}/index/*"), arn
    assert all(_listify(st["Action"]) != ["*"] for st in tenant)


def test_only_the_execution_role_with_one_branch_tag_can_become_a_tenant(template):
    trust = template["Resources"]["TenantRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]

    def may(action: str, tags: dict[str, str], principal: str = EXECUTION_ROLE_ARN) -> bool:
        context = {f"aws:RequestTag/{k}": v for k, v in tags.items()} | {"aws:TagKeys": list(tags)}
        return allowed(trust, action, principal=principal, **context)

    for action in ("sts:AssumeRole", "sts:TagSession"):
        assert may(action, {"branch": "antwerp"})
        assert not may(action, {}), "the branch tag is required"
        assert not may(action, {"branch": ""})
        assert not may(action, {"branch": "antwerp", "role": "head_office"}), "no other tag"
        for wildcard in ("*", "ant*", "ant?erp", "antwerp#PERSON"):
            assert not may(action, {"branch": wildcard}), wildcard
        assert not may(action, {"branch": "antwerp"}, principal=f"arn:aws:iam::{ACCOUNT}:role/someone-else")


def test_the_execution_role_may_assume_the_tenant_role_with_a_tag(platform):
    tenant_arn = _get_att("TenantRole", "Arn")
    assert allowed(platform, "sts:AssumeRole", resource=tenant_arn)
    assert allowed(platform, "sts:TagSession", resource=tenant_arn)
    assert not allowed(platform, "sts:AssumeRole", resource=f"arn:aws:iam::{ACCOUNT}:role/other")


# --- the execution (platform) role ----------------------------------------------------------


def _platform_may(platform: list[dict[str, Any]], action: str, leading_keys: list[str] | None,
                  resource: str = TABLE_ARN) -> bool:
    return allowed(platform, action, resource=resource, **{"dynamodb:LeadingKeys": leading_keys})


def test_the_platform_role_reaches_platform_items_and_no_personal_data(platform):
    own = [keys.registry_key("antwerp")[0], keys.branch_key("antwerp")[0], keys.staff_key("antwerp", "s-1")[0],
           keys.staff_email_key("antwerp", "ann@example.org")[0]]
    for key in own:
        for action in ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"):
            assert _platform_may(platform, action, [key]), (action, key)
    assert _platform_may(platform, "dynamodb:BatchWriteItem", own)
    for key in PERSONAL_KEYS:
        for action in ITEM_ACTIONS:
            assert not _platform_may(platform, action, [key]), (action, key)
        assert not _platform_may(platform, "dynamodb:Query", [key], resource=f"{TABLE_ARN}/index/gsi1")
    assert not _platform_may(platform, "dynamodb:BatchGetItem", [own[0], PERSONAL_KEYS[0]])
    assert not _platform_may(platform, "dynamodb:GetItem", None)
    assert not _platform_may(platform, "dynamodb:Scan", None)
    assert not _platform_may(platform, "dynamodb:Query", [own[1]], resource=f"{TABLE_ARN}/index/gsi2")


def test_the_head_office_reads_report_aggregates_and_nothing_personal(platform):
    aggregates = keys.aggregate_list_key("antwerp")
    assert _platform_may(platform, "dynamodb:Query", [aggregates])
    assert _platform_may(platform, "dynamodb:GetItem", [aggregates])
    for action in ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"):
        assert not _platform_may(platform, action, [aggregates]), action
    for key in (keys.candidate_key("antwerp", "c-1")[0], keys.duo_key("antwerp", "d-1")[0],
                keys.applied_key("antwerp", "e-1")[0], keys.candidate_status_key("antwerp", "ready")):
        assert not _platform_may(platform, "dynamodb:Query", [key]), key
        assert not _platform_may(platform, "dynamodb:GetItem", [key]), key


def test_platform_key_patterns_are_exactly_the_platform_kinds(platform):
    table_statements = [st for st in _dynamodb_statements(platform) if set(_listify(st["Action"])) & ITEM_ACTIONS]
    assert table_statements
    patterns = set()
    for st in table_statements:
        assert st["Effect"] == "Allow"
        assert set(_listify(st["Action"])) <= ITEM_ACTIONS
        assert st["Condition"]["Null"] == {"dynamodb:LeadingKeys": "false"}
        patterns |= set(st["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"])
        for arn in _listify(resolve(st["Resource"])):
            assert arn in (TABLE_ARN, f"{TABLE_ARN}/index/gsi1"), arn
    assert patterns == PLATFORM_PATTERNS
    # Other DynamoDB grants are stream reads only: never item access.
    for st in _dynamodb_statements(platform):
        if st not in table_statements:
            assert set(_listify(st["Action"])) <= {"dynamodb:DescribeStream", "dynamodb:GetRecords",
                                                    "dynamodb:GetShardIterator", "dynamodb:ListStreams"}


def test_the_platform_role_reads_the_stream_and_calls_the_directory(platform):
    stream = _get_att("Table", "StreamArn")
    for action in ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"):
        assert allowed(platform, action, resource=stream)
    pool = _get_att("UserPool", "Arn")
    for action in ("AdminCreateUser", "AdminAddUserToGroup", "AdminRemoveUserFromGroup", "AdminDeleteUser"):
        assert allowed(platform, f"cognito-idp:{action}", resource=pool)
    assert not allowed(platform, "cognito-idp:AdminSetUserPassword", resource=pool)
    assert not allowed(platform, "cognito-idp:AdminUpdateUserAttributes", resource=pool), "branch is fixed at invite"
    assert allowed(platform, "sqs:SendMessage", resource=_get_att("StreamDeadLetters", "Arn"))
    assert allowed(platform, "xray:PutTraceSegments", resource="*")
    assert not allowed(platform, "cloudwatch:PutMetricData", resource="*"), "metrics go through EMF logs"


# --- the table ------------------------------------------------------------------------------


def test_the_table_is_retained_and_defined_by_the_model(template):
    table = template["Resources"]["Table"]
    assert table["Type"] == "AWS::DynamoDB::Table"
    assert table["DeletionPolicy"] == "Retain" and table["UpdateReplacePolicy"] == "Retain"
    props = {k: v for k, v in table["Properties"].items() if k != "TableName"}
    model = table_properties()
    assert {k: v for k, v in props.items() if k != "SSESpecification"} == {
        k: v for k, v in model.items() if k != "SSESpecification"}
    assert props["SSESpecification"] == {**model["SSESpecification"], "SSEType": "KMS",
                                         "KMSMasterKeyId": {"Fn::GetAtt": ["TableKey", "Arn"]}}
    assert props["DeletionProtectionEnabled"] is True
    assert {i["IndexName"] for i in props["GlobalSecondaryIndexes"]} == {"gsi1", "gsi2", "gsi3"}


def test_the_template_cannot_hand_write_what_the_model_owns(tmp_path, monkeypatch):
    source = json.loads(render.SOURCE.read_text())
    source["Resources"]["Table"]["Properties"]["KeySchema"] = [{"AttributeName": "id", "KeyType": "HASH"}]
    fake = tmp_path / "template.json"
    fake.write_text(json.dumps(source))
    monkeypatch.setattr(render, "SOURCE", fake)
    with pytest.raises(ValueError, match="KeySchema"):
        render.render()


# --- the functions Chalice generates --------------------------------------------------------


def _app_functions() -> dict[str, Any]:
    """The CloudFormation names Chalice gives the app's functions, with their config."""
    from app import app

    functions: dict[str, Any] = {"APIHandler": None} if app.routes else {}
    for source in app.event_sources:
        functions[to_cfn_resource_name(source.name)] = source
    for function in app.pure_lambda_functions:
        functions[to_cfn_resource_name(function.name)] = function
    return functions


def test_every_function_runs_as_the_execution_role_and_logs_with_a_retention(template, platform):
    resources = template["Resources"]
    functions = _app_functions()
    assert {"APIHandler", "OnTableChange", "ReconcileCounts", "SendReminders"} <= set(functions)
    log_writers = [st for st in platform if "logs:PutLogEvents" in _listify(st["Action"])]
    for name in functions:
        assert name in resources, f"{name} is not overridden in infra/template.json"
        props = resources[name]["Properties"]
        assert props["Role"] == {"Fn::GetAtt": ["ExecutionRole", "Arn"]}, name
        group = resources[props["LoggingConfig"]["LogGroup"]["Ref"]]
        assert group["Type"] == "AWS::Logs::LogGroup"
        assert group["Properties"]["RetentionInDays"], name
        group_arn = _get_att(props["LoggingConfig"]["LogGroup"]["Ref"], "Arn")
        assert allowed(log_writers, "logs:PutLogEvents", resource=group_arn), name


def test_the_merge_template_overrides_only_resources_chalice_generates(template):
    untyped = {name for name, resource in template["Resources"].items() if "Type" not in resource}
    assert untyped == set(_app_functions()) | {"RestAPI"}, "a stale override would create a typeless resource"


def test_the_stream_mapping_reports_partial_failures_and_dead_letters(template):
    resources = template["Resources"]
    streams = {n: s for n, s in _app_functions().items() if type(s).__name__ == "DynamoDBEventConfig"}
    assert streams
    for name in streams:
        mapping = resources[name]["Properties"]["Events"][f"{name}DynamodbEventSource"]["Properties"]
        assert mapping["Stream"] == {"Fn::GetAtt": ["Table", "StreamArn"]}
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert mapping["BisectBatchOnFunctionError"] is True
        assert mapping["MaximumRetryAttempts"] >= 1
        queue = resources[mapping["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]]
        assert queue["Type"] == "AWS::SQS::Queue"
        assert queue["Properties"].get("SqsManagedSseEnabled") or queue["Properties"].get("KmsMasterKeyId")
        alarmed = {(a["Properties"].get("MetricName"), json.dumps(a["Properties"].get("Dimensions")))
                   for a in resources.values() if a.get("Type") == "AWS::CloudWatch::Alarm"}
        dimensions = json.dumps([{"Name": "FunctionName", "Value": {"Ref": name}}])
        assert ("Errors", dimensions) in alarmed and ("IteratorAge", dimensions) in alarmed


def test_functions_are_told_the_deployed_resources(template):
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    assert env["DUO_TABLE"] == {"Ref": "Table"}
    assert env["DUO_TABLE_STREAM_ARN"] == {"Fn::GetAtt": ["Table", "StreamArn"]}
    assert env["DUO_TENANT_ROLE_ARN"] == {"Fn::GetAtt": ["TenantRole", "Arn"]}
    assert env["DUO_USER_POOL_ID"] == {"Ref": "UserPool"}
    assert env["DUO_TOKEN_AUDIENCE"] == {"Ref": "ConsoleClient"}
    issuer = resolve(env["DUO_TOKEN_ISSUER"])
    assert issuer == f"https://cognito-idp.{REGION}.amazonaws.com/UserPool"
    assert resolve(env["DUO_JWKS_URL"]) == f"{issuer}/.well-known/jwks.json"
    assert template["Globals"]["Function"]["Tracing"] == "Active"


def test_the_user_pool_carries_roles_as_groups_and_a_fixed_branch(template):
    resources = template["Resources"].values()
    groups = {r["Properties"]["GroupName"] for r in resources if r.get("Type") == "AWS::Cognito::UserPoolGroup"}
    assert groups == {r.value for r in Role} - {Role.ANONYMOUS.value}
    pool = template["Resources"]["UserPool"]["Properties"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    branch = next(a for a in pool["Schema"] if a["Name"] == "branch")
    assert branch["Mutable"] is False
    client = template["Resources"]["ConsoleClient"]["Properties"]
    assert client["GenerateSecret"] is False
    assert "custom:branch" in client["ReadAttributes"], "the ID token must carry the branch"
    assert "custom:branch" not in client["WriteAttributes"], "a user must not move themselves to another branch"


def test_the_console_signs_in_through_the_hosted_ui_with_the_code_flow(template):
    client = template["Resources"]["ConsoleClient"]["Properties"]
    assert client["AllowedOAuthFlows"] == ["code"] and client["AllowedOAuthFlowsUserPoolClient"] is True
    assert client["GenerateSecret"] is False  # a public client: the code exchange sends no secret
    assert set(client["AllowedOAuthScopes"]) == {"openid", "email", "profile"}
    assert client["CallbackURLs"] == [{"Fn::Sub": "${PublicUrl}/console/callback"}]
    domain = template["Resources"]["UserPoolDomain"]
    assert domain["Type"] == "AWS::Cognito::UserPoolDomain"
    assert domain["Properties"] == {"Domain": {"Ref": "AuthDomainPrefix"}, "UserPoolId": {"Ref": "UserPool"}}
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    assert env["DUO_AUTH_CLIENT_ID"] == {"Ref": "ConsoleClient"}
    assert env["DUO_AUTH_DOMAIN"] == {"Fn::Sub": "${AuthDomainPrefix}.auth.${AWS::Region}.amazoncognito.com"}


def _alarmed_errors(template: dict[str, Any]) -> set[str]:
    """Functions whose Errors metric has an alarm that notifies the alarm topic."""
    names = set()
    for alarm in template["Resources"].values():
        props = alarm.get("Properties", {})
        if alarm.get("Type") == "AWS::CloudWatch::Alarm" and props.get("MetricName") == "Errors":
            assert props["AlarmActions"] == [{"Ref": "AlarmTopic"}]
            names |= {d["Value"]["Ref"] for d in props["Dimensions"] if d["Name"] == "FunctionName"}
    return names


def test_every_scheduled_job_has_an_error_alarm(template):
    jobs = {n for n, s in _app_functions().items() if type(s).__name__ == "ScheduledEventConfig"}
    assert {"ReconcileCounts", "SendReminders"} <= jobs
    assert jobs <= _alarmed_errors(template)


# --- mail (SES) -----------------------------------------------------------------------------


def _identity(name: str) -> str:
    return f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/{name}"


def test_the_functions_send_mail_from_the_configured_sender_only(platform):
    for action in ("ses:SendEmail", "ses:SendRawEmail"):
        for identity in ("mail.duo.example", MAIL_FROM):  # a verified domain, or the address itself
            assert allowed(platform, action, resource=_identity(identity), **{"ses:FromAddress": MAIL_FROM})
        domain = _identity("mail.duo.example")
        assert not allowed(platform, action, resource=domain, **{"ses:FromAddress": "director@mail.duo.example"})
        assert not allowed(platform, action, resource=domain, **{"ses:FromAddress": MAIL_FROM.upper()})
        assert not allowed(platform, action, resource=domain), "no From address, no mail"
        assert not allowed(platform, action, resource=_identity("other.example"), **{"ses:FromAddress": MAIL_FROM})
    for action in ("ses:SendTemplatedEmail", "ses:SendBulkEmail", "ses:VerifyEmailIdentity", "ses:CreateEmailIdentity"):
        assert not allowed(platform, action, resource=_identity("mail.duo.example"), **{"ses:FromAddress": MAIL_FROM})
    for st in platform:
        if any(a.startswith("ses:") for a in _listify(st["Action"])):
            assert st["Condition"] == {"StringEquals": {"ses:FromAddress": {"Ref": "MailFromAddress"}}}


def test_functions_send_from_the_address_the_policy_allows_and_link_to_the_public_url(template):
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    mail_from = resolve(env["DUO_MAIL_FROM"])
    assert mail_from == f"DUO for a JOB <{MAIL_FROM}>"
    assert parseaddr(mail_from)[1] == MAIL_FROM, "the From address is what ses:FromAddress is compared with"
    assert env["DUO_PUBLIC_URL"] == {"Ref": "PublicUrl"}


def _accepts(template: dict[str, Any], parameter: str, value: str) -> bool:
    """CloudFormation's AllowedPattern: the whole value must match."""
    return re.fullmatch(template["Parameters"][parameter]["AllowedPattern"], value) is not None


def test_the_mail_and_url_parameters_refuse_what_would_break_mails(template):
    assert "Default" not in template["Parameters"]["MailFromAddress"], "no stack without a sender"
    assert "Default" not in template["Parameters"]["PublicUrl"], "no stack whose mails link nowhere"
    assert _accepts(template, "MailFromAddress", MAIL_FROM)
    for bad in ("DUO <no-reply@duo.example>", "no-reply", "no-reply@duo", "a b@duo.example", ""):
        assert not _accepts(template, "MailFromAddress", bad), bad
    assert _accepts(template, "MailFromName", "DUO for a JOB")
    for bad in ('DUO "for" a JOB', "DUO, a JOB", "DUO <x@y.org>", ""):
        assert not _accepts(template, "MailFromName", bad), bad
    for good in ("https://signup.duo.example", "https://abc123.execute-api.eu-west-1.amazonaws.com/api"):
        assert _accepts(template, "PublicUrl", good), good
    for bad in ("http://signup.duo.example", "https://signup.duo.example/", "signup.duo.example", "https://x.org/a b"):
        assert not _accepts(template, "PublicUrl", bad), bad


# --- API Gateway throttling -----------------------------------------------------------------

SES_DEFAULT_SENDING_RATE = 14  # mails per second, SES's starting quota out of the sandbox
SIGNUP_PUBLIC_METHODS = {  # issue 4: the form and the personal link (HTML), the JSON API for branch websites
    ("/branches/{branch}/signup", "GET"), ("/branches/{branch}/signup", "POST"),
    ("/branches/{branch}/registrations/{candidate_id}", "GET"),
    ("/branches/{branch}/registrations/{candidate_id}", "POST"),
    ("/branches/{branch}/signups", "POST"), ("/branches/{branch}/signups", "OPTIONS"),
    ("/branches/{branch}/public/sessions", "GET"), ("/branches/{branch}/public/sessions", "OPTIONS"),
}


def _throttled(template: dict[str, Any]) -> dict[tuple[str, str], tuple[str, str]]:
    """(route path, method) -> (rate parameter, burst parameter) of each method-specific setting."""
    settings = template["Resources"]["RestAPI"]["Properties"]["MethodSettings"]
    return {
        (render.route_path(s["ResourcePath"]), s["HttpMethod"]): (s["ThrottlingRateLimit"]["Ref"],
                                                                 s["ThrottlingBurstLimit"]["Ref"])
        for s in settings
        if s["ResourcePath"] != "/*"
    }


def _app_methods() -> dict[tuple[str, str], bool]:
    """Every (path, method) of the app, and whether anyone may call it (anonymous routes, CORS preflights)."""
    from app import app
    from chalicelib.api.route_table import load_all

    public = {(spec.path, spec.method) for spec in load_all() if spec.public}
    return {(path, method): method == "OPTIONS" or (path, method) in public
            for path, methods in app.routes.items() for method in methods}


def test_every_public_method_gets_the_lower_public_limits_and_no_staff_method_does(template):
    throttled = _throttled(template)
    methods = _app_methods()
    assert set(methods) >= SIGNUP_PUBLIC_METHODS
    assert set(throttled) == {m for m, public in methods.items() if public}
    for (path, method), limits in throttled.items():
        tier = "PublicRead" if method in ("GET", "HEAD", "OPTIONS") else "PublicWrite"
        assert limits == (f"{tier}RateLimit", f"{tier}BurstLimit"), (path, method)
    for path, method in SIGNUP_PUBLIC_METHODS:
        if method == "POST":
            assert throttled[(path, method)] == ("PublicWriteRateLimit", "PublicWriteBurstLimit"), path
    for route, public in methods.items():
        if not public:
            assert route not in throttled, f"{route} is a staff route: it keeps the stage default"


def test_the_stage_default_covers_every_other_method(template):
    settings = template["Resources"]["RestAPI"]["Properties"]["MethodSettings"]
    assert settings[0] == {"ResourcePath": "/*", "HttpMethod": "*", "ThrottlingRateLimit": {"Ref": "ApiRateLimit"},
                           "ThrottlingBurstLimit": {"Ref": "ApiBurstLimit"}}


def test_the_public_limits_default_below_the_staff_limits_and_the_ses_sending_rate(template):
    default = {name: p.get("Default") for name, p in template["Parameters"].items()}
    assert default["PublicWriteRateLimit"] <= default["PublicReadRateLimit"] < default["ApiRateLimit"]
    assert default["PublicWriteBurstLimit"] <= default["PublicReadBurstLimit"] < default["ApiBurstLimit"]
    assert default["PublicWriteBurstLimit"] < SES_DEFAULT_SENDING_RATE, "a burst of signups must not outrun SES"
    for name in ("ApiRateLimit", "ApiBurstLimit", "PublicReadRateLimit", "PublicReadBurstLimit",
                 "PublicWriteRateLimit", "PublicWriteBurstLimit"):
        assert template["Parameters"][name]["Type"] == "Number" and template["Parameters"][name]["MinValue"] >= 1


def test_resource_paths_are_encoded_as_api_gateway_names_them():
    assert render.resource_path("/branches/{branch}/signup") == "/~1branches~1{branch}~1signup"
    assert render.resource_path("/openapi.json") == "/~1openapi.json"
    for path in ("/branches/{branch}/registrations/{candidate_id}", "/a~b/c"):
        assert render.route_path(render.resource_path(path)) == path


def test_the_template_cannot_hand_write_public_method_settings(tmp_path, monkeypatch):
    source = json.loads(render.SOURCE.read_text())
    settings = source["Resources"]["RestAPI"]["Properties"]["MethodSettings"]
    settings.append({"ResourcePath": "/~1branches~1{branch}~1signups", "HttpMethod": "POST",
                     "ThrottlingRateLimit": 1000})
    fake = tmp_path / "template.json"
    fake.write_text(json.dumps(source))
    monkeypatch.setattr(render, "SOURCE", fake)
    with pytest.raises(ValueError, match="MethodSettings"):
        render.render()


def test_packaging_fails_on_a_setting_for_a_method_the_api_lacks():
    """API Gateway refuses a stage whose MethodSettings name a method it does not have."""
    body = {"paths": {"/branches/{branch}/signups": {"post": {}, "options": {}}}}
    settings = [{"ResourcePath": "/*", "HttpMethod": "*"},
                {"ResourcePath": "/~1branches~1{branch}~1signups", "HttpMethod": "POST"}]
    api = {"Type": "AWS::Serverless::Api", "Properties": {"DefinitionBody": body, "MethodSettings": settings}}
    assert package.merge_problems({"Resources": {"RestAPI": api}}) == []
    settings.append({"ResourcePath": "/~1branches~1{branch}~1signup", "HttpMethod": "GET"})
    assert package.merge_problems({"Resources": {"RestAPI": api}}) == [
        "RestAPI.MethodSettings: the API has no GET /branches/{branch}/signup"
    ]
