"""Mail through Amazon SES (moto's SES on the laptop): plain text, UTF-8, from the verified sender."""

from __future__ import annotations

import threading
from typing import Any

from chalicelib.settings import get_settings
from chalicelib.store import aws


class Mailer:
    def __init__(self) -> None:
        self._client: Any = None
        self._lock = threading.Lock()

    def _ses(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = aws.client("ses", get_settings().region)
            return self._client

    def send(self, to: str, subject: str, text: str) -> str:
        """Send one mail; returns SES's message id. Raises botocore errors (the caller decides)."""
        answer = self._ses().send_email(
            Source=get_settings().mail_from,
            Destination={"ToAddresses": [to]},
            Message={
                "Subject": {"Data": subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": text, "Charset": "UTF-8"}},
            },
        )
        return str(answer["MessageId"])
