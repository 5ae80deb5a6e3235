"""``make package``: the CloudFormation template and deployment zip, offline, into ``build/``.

1. renders the merge template (infra/render.py),
2. runs ``chalice package --stage prod --merge-template ...`` from a clean package cache,
3. adds the bytecode of every module to the zip (Lambda's /var/task is read-only: without it, every cold
   start compiles each module it imports from source again); the runtime must be this Python's version,
4. fails if Chalice left a dependency out (it only warns), if the merged template still holds
   something the merge template should have replaced (a function without the execution role or
   a log group, a stream mapping on the placeholder ARN), if a throttling setting names a method
   the API does not have (API Gateway would refuse the stage at deploy time), or if the package
   unzips to more than Lambda's 250 MB (function and layers together).
"""

from __future__ import annotations

import compileall
import json
import os
import py_compile
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from infra import render

ROOT = render.ROOT
BUILD = ROOT / "build"
STAGE = "prod"
LIMIT_BYTES = 250 * 1024 * 1024
MB = 1024 * 1024
# chalice.constants.MISSING_DEPENDENCIES_TEMPLATE starts with this line, then one package per line.
MISSING_MARKER = "Could not install dependencies:"
PLACEHOLDER = "replaced-by-infra"
EXECUTION_ROLE = {"Fn::GetAtt": ["ExecutionRole", "Arn"]}
TABLE_STREAM = {"Fn::GetAtt": ["Table", "StreamArn"]}


def missing_dependencies(output: str) -> list[str]:
    """The packages named in Chalice's 'Could not install dependencies' warning, if any."""
    _, found, rest = output.partition(MISSING_MARKER)
    if not found:
        return []
    names = []
    for line in rest.splitlines()[1:]:  # [0] is the rest of the marker's own line
        if not line.strip() or line.startswith("You will have to"):
            break
        names.append(line.strip())
    return names or ["(unnamed)"]


def _walk_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _walk_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _walk_strings(v)]
    return []


def merge_problems(template: dict[str, Any]) -> list[str]:
    """What Chalice generated that the merge template failed to override."""
    resources = template["Resources"]
    problems = [f"placeholder left in the template: {s}" for s in _walk_strings(template) if PLACEHOLDER in s]
    for name, resource in resources.items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        if props.get("Role") != EXECUTION_ROLE:
            problems.append(f"{name}: Role is not ExecutionRole (add it to infra/template.json)")
        group = resources.get(props.get("LoggingConfig", {}).get("LogGroup", {}).get("Ref", ""), {})
        if group.get("Type") != "AWS::Logs::LogGroup" or "RetentionInDays" not in group.get("Properties", {}):
            problems.append(f"{name}: no LoggingConfig.LogGroup with a retention (add one to infra/template.json)")
        for event_name, event in props.get("Events", {}).items():
            if event.get("Type") != "DynamoDB":
                continue
            ev = event["Properties"]
            if ev.get("Stream") != TABLE_STREAM:
                problems.append(f"{name}.{event_name}: Stream is not the table's stream")
            if "ReportBatchItemFailures" not in ev.get("FunctionResponseTypes", []):
                problems.append(f"{name}.{event_name}: no ReportBatchItemFailures")
            if "OnFailure" not in ev.get("DestinationConfig", {}):
                problems.append(f"{name}.{event_name}: no on-failure destination")
    api = resources.get("RestAPI", {}).get("Properties", {})
    paths = api.get("DefinitionBody", {}).get("paths", {})
    for setting in api.get("MethodSettings", []):
        if setting["ResourcePath"] == render.STAGE_DEFAULT_PATH:
            continue
        path, method = render.route_path(setting["ResourcePath"]), setting["HttpMethod"]
        if method.lower() not in paths.get(path, {}):
            problems.append(f"RestAPI.MethodSettings: the API has no {method} {path}")
    return problems


def unzipped_bytes(path: Path) -> int:
    with zipfile.ZipFile(path) as archive:
        return sum(info.file_size for info in archive.infolist())


def add_bytecode(archive: Path) -> int:
    """Compile every module in ``archive`` into its ``__pycache__`` (hash-based and unchecked: the zip's
    timestamps are not kept exactly, and the sources never change in place); returns the files added."""
    with tempfile.TemporaryDirectory(prefix="duo-package-") as tmp:
        root = Path(tmp)
        with zipfile.ZipFile(archive) as source:
            source.extractall(root)
            modes = {info.filename: info.external_attr for info in source.infolist()}
        compileall.compile_dir(root, quiet=2, workers=0, legacy=False,
                               invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        added = 0
        with zipfile.ZipFile(archive.with_suffix(".tmp"), "w", zipfile.ZIP_DEFLATED) as target:
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                name = path.relative_to(root).as_posix()
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.external_attr = modes.get(name, 0o644 << 16)
                info.compress_type = zipfile.ZIP_DEFLATED
                target.writestr(info, path.read_bytes())
                added += name not in modes
    archive.with_suffix(".tmp").replace(archive)
    return added


def run_chalice(merge_template: Path) -> str:
    for cached in (ROOT / ".chalice" / "deployments").glob("*.zip"):
        cached.unlink()  # a reused package would not repeat the missing-dependency warning
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUO_")}
    env.setdefault("AWS_DEFAULT_REGION", "eu-west-1")  # chalice wants one; the template uses AWS::Region
    chalice = Path(sys.executable).parent / "chalice"
    cmd = [str(chalice), "package", "--stage", STAGE, "--pkg-format", "cloudformation"]
    cmd += ["--merge-template", str(merge_template), str(BUILD)]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    output = done.stdout + done.stderr
    print(output, end="")
    if "policy-prod.json" in output:
        print('hint: the prod stage of .chalice/config.json needs "manage_iam_role": false and an "iam_role_arn"'
              f' containing "{PLACEHOLDER}" (infra/template.json gives every function ExecutionRole)')
    if done.returncode:
        raise SystemExit(f"chalice package failed (exit {done.returncode})")
    return output


def main() -> int:
    shutil.rmtree(BUILD, ignore_errors=True)
    merge_template = render.write(BUILD / "merge-template.json")
    output = run_chalice(merge_template)
    (BUILD / "sam.json").replace(BUILD / "template.json")
    runtime = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for archive in sorted(BUILD.glob("*.zip")):
        print(f"{archive.name}: {add_bytecode(archive)} compiled modules added for {runtime}")
    failures = [f"chalice left out a dependency: {name}" for name in missing_dependencies(output)]
    template = json.loads((BUILD / "template.json").read_text(encoding="utf-8"))
    failures += merge_problems(template)
    failures += [f"{name}: runtime {r['Properties'].get('Runtime')}, but the bytecode is for {runtime}"
                 for name, r in template["Resources"].items()
                 if r.get("Type") == "AWS::Serverless::Function" and r["Properties"].get("Runtime") != runtime]

    total = 0
    for archive in sorted(BUILD.glob("*.zip")):
        size = unzipped_bytes(archive)
        total += size
        print(f"{archive.name}: {size / MB:.1f} MB unzipped ({archive.stat().st_size / MB:.1f} MB zipped)")
    print(f"package total: {total / MB:.1f} MB unzipped, limit {LIMIT_BYTES / MB:.0f} MB")
    if total > LIMIT_BYTES:
        failures.append(f"the package unzips to {total / MB:.1f} MB, over Lambda's {LIMIT_BYTES / MB:.0f} MB")

    sys.stdout.flush()
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    if not failures:
        print(f"build/template.json and its zips are ready (stage {STAGE})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
