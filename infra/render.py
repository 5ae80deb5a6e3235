"""Render the merge template: ``infra/template.json`` with the table's Properties filled in.

The table is defined once, by the PynamoDB model (``chalicelib.store.table.table_properties()``);
``template.json`` only adds what belongs to the stack (its name, deletion policies, metadata).

    .venv/bin/python -m infra.render      # writes build/merge-template.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "infra" / "template.json"
OUTPUT = ROOT / "build" / "merge-template.json"


def render() -> dict[str, Any]:
    """The merge template as a dict, with ``Table.Properties`` generated from the model."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from chalicelib.store.table import table_properties

    template = json.loads(SOURCE.read_text(encoding="utf-8"))
    table = template["Resources"]["Table"]
    hand_written = table.get("Properties", {})
    generated = table_properties()
    if clash := sorted(set(hand_written) & set(generated)):
        raise ValueError(f"infra/template.json sets table properties that the model owns: {clash}")
    table["Properties"] = {**generated, **hand_written}
    return template


def write(path: Path = OUTPUT) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(render(), indent=2) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write().relative_to(ROOT))
