"""AWS clients that share botocore's service definitions.

Every new botocore session reads the service and endpoint definitions again (about 100 ms on a
cold start); sessions made here share one data loader, so a branch's own credentials cost a few
milliseconds. Endpoints follow boto3's configuration (``AWS_ENDPOINT_URL`` locally).
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
import botocore.session

_lock = threading.Lock()
_loader: Any = None


def new_session() -> botocore.session.Session:
    """A fresh botocore session (own credentials) that reuses the shared data loader."""
    global _loader
    session = botocore.session.get_session()
    with _lock:
        if _loader is None:
            _loader = session.get_component("data_loader")
        else:
            session.register_component("data_loader", _loader)
    return session


def client(service: str, region: str) -> Any:
    """A boto3 client with the process's default credentials."""
    return boto3.Session(botocore_session=new_session(), region_name=region).client(service)
