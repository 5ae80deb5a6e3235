"""One cold start: run as ``python benchmarks/_child.py MODULE EVENTS_JSON [--gc-paused]`` in a fresh process.

Imports MODULE (``app`` or ``benchmarks.baseline_app``), then hands each event of EVENTS_JSON
to the module's ``app`` object, the Lambda handler, with a Lambda-like context. Exits 1 unless
every event answers 200. The last stdout line is ``BENCH_RESULT {json}`` with the timings.
Nothing but ``sys``, ``time`` and ``gc`` (built into the interpreter) precedes the import.

``--gc-paused`` gives MODULE the app's own treatment of the garbage collector (``app.py`` and
``chalicelib.api.route_table``): paused while it is imported and while it handles its first event,
what is alive frozen after each. For the baseline: the like-for-like comparison.
"""

import gc
import sys
import time

GC_PAUSED = "--gc-paused" in sys.argv[3:]


def _pause() -> None:
    if GC_PAUSED:
        gc.disable()


def _resume() -> None:
    if GC_PAUSED:
        gc.freeze()
        gc.enable()


_START = time.perf_counter()
_pause()
__import__(sys.argv[1])
_resume()
_IMPORTED = time.perf_counter()

import json  # noqa: E402
import uuid  # noqa: E402
from typing import Any  # noqa: E402

RESULT_PREFIX = "BENCH_RESULT "


class LambdaContext:
    """What the Lambda runtime passes as ``context`` (the attributes Powertools reads)."""

    function_name = "duo-bench"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:duo-bench"
    memory_limit_in_mb = 1024
    log_group_name = "/aws/lambda/duo-bench"
    log_stream_name = "bench"

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + 30

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)


def main() -> int:
    module = sys.modules[sys.argv[1]]
    handler: Any = module.app
    with open(sys.argv[2], encoding="utf-8") as f:
        events: list[dict[str, Any]] = json.load(f)
    handled_at = time.perf_counter()
    per_event: list[float] = []
    for i, event in enumerate(events):
        began = time.perf_counter()
        if i == 0:
            _pause()
        response = handler(event, LambdaContext())
        if i == 0:
            _resume()
        per_event.append((time.perf_counter() - began) * 1000)
        if response.get("statusCode") != 200:
            print(f"{event['httpMethod']} {event['path']} answered {response.get('statusCode')}: "
                  f"{response.get('body')}", file=sys.stderr)
            return 1
    done = time.perf_counter()
    imports_only = getattr(module, "IMPORTS_DONE", _IMPORTED)
    print(RESULT_PREFIX + json.dumps({
        "import_ms": (_IMPORTED - _START) * 1000,
        "pure_import_ms": (imports_only - _START) * 1000,
        "handle_ms": (done - handled_at) * 1000,
        "per_event_ms": per_event,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
