"""``make outbox``: the mails the local stack sent through (moto's) SES, to read them as a candidate would.

    make -s outbox                          # the latest 20, newest last
    make -s outbox TO=amina@example.org     # only those to this address
    make -s outbox N=100                    # more (N=0: all)

Moto keeps what SES accepted in memory only, without a time, and serves it nowhere but in its
``/moto-api/data.json`` dump, which holds every model of every service (the whole table included)
and is gone after a restart. So ``make run`` records each mail moto's SES accepts, with the time,
as one JSON line in ``<state dir>/outbox.jsonl`` (``.local/`` by default): readable while the stack
runs or after it stopped, kept across restarts like the data the personal links point to, and
deleted by ``make reset`` with that data. Tests read it with ``read(state_dir, to=...)``.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import sys
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from email.utils import getaddresses, parseaddr
from pathlib import Path
from typing import Any

from local.state import state_dir

FILE_NAME = "outbox.jsonl"
DEFAULT_LIMIT = 20


@dataclass(frozen=True)
class Mail:
    sent_at: str  # ISO 8601, UTC
    message_id: str
    sender: str
    to: list[str]
    subject: str
    text: str

    @property
    def when(self) -> datetime:
        return datetime.fromisoformat(self.sent_at)

    def is_to(self, address: str) -> bool:
        wanted = parseaddr(address)[1].lower()
        return any(parseaddr(recipient)[1].lower() == wanted for recipient in self.to)


def outbox_file(directory: Path | None = None) -> Path:
    return (directory or state_dir()) / FILE_NAME


# --- recording, inside the process that runs moto's server ---------------------------------------

_target: Path | None = None
_write_lock = threading.Lock()


def _raw_parts(raw_data: str) -> tuple[str, str, list[str], str]:
    """From, subject, recipients (To, Cc) and the text of a MIME message (text/plain, else the first text part)."""
    # Moto hands the message over decoded as UTF-8; parsed from bytes, 8bit bodies decode as sent.
    message = email.message_from_bytes(raw_data.encode("utf-8", "surrogateescape"), policy=email.policy.default)
    sender = str(message.get("from", ""))
    subject = str(message.get("subject", ""))
    recipients = [formatted for _, formatted in getaddresses(
        [str(v) for header in ("to", "cc") for v in message.get_all(header, [])]
    )]
    body = message.get_body(preferencelist=("plain", "html")) if message.is_multipart() else message
    text = body.get_content() if body is not None else ""
    return sender, subject, recipients, str(text)


def _mail_of(message: Any) -> Mail:
    """Moto's ``Message`` (SendEmail) or ``RawMessage`` (SendRawEmail) as a ``Mail``."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    if hasattr(message, "raw_data"):
        sender, subject, recipients, text = _raw_parts(message.raw_data)
        to = [d for d in message.destinations if parseaddr(d)[1]] or recipients
        return Mail(now, message.id, sender or message.source or "", to, subject, text)
    destinations = message.destinations or {}
    to = [*destinations.get("ToAddresses", []), *destinations.get("CcAddresses", []),
          *destinations.get("BccAddresses", [])]
    return Mail(now, message.id, message.source, to, message.subject or "", message.body or "")


def _append(mail: Mail) -> None:
    target = _target
    if target is None:
        return
    line = json.dumps(asdict(mail), ensure_ascii=False) + "\n"
    with _write_lock:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a", encoding="utf-8") as out:
            out.write(line)


def _recording(method: Callable[..., Any]) -> Callable[..., Any]:
    def send(self: Any, *args: Any, **kwargs: Any) -> Any:
        message = method(self, *args, **kwargs)  # refused mails raise here and are not recorded
        try:
            _append(_mail_of(message))
        except Exception as error:  # the mail was sent: a broken outbox must not turn it into an SES error
            print(f"[duo] outbox: could not record a mail ({type(error).__name__}: {error})", flush=True)
        return message

    send.records_outbox = True  # type: ignore[attr-defined]
    return send


def record_to(path: Path | None) -> None:
    """From now on, append every mail moto's SES accepts (SendEmail, SendRawEmail, SES v1 and v2) to ``path``.

    ``None`` stops recording. Patches moto's SES backend in this process, once.
    """
    global _target
    from moto.ses.models import SESBackend

    for name in ("send_email", "send_raw_email"):
        method = getattr(SESBackend, name)
        if not getattr(method, "records_outbox", False):
            setattr(SESBackend, name, _recording(method))
    _target = path


# --- reading ---------------------------------------------------------------------------------------


def read(directory: Path | None = None, *, to: str | None = None, limit: int | None = None) -> list[Mail]:
    """The recorded mails, oldest first; only those ``to`` an address; the last ``limit`` of them."""
    path = outbox_file(directory)
    if not path.exists():
        return []
    mails = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            mail = Mail(**json.loads(line))
        except (ValueError, TypeError):
            continue  # a line cut short by a killed process
        if to is None or mail.is_to(to):
            mails.append(mail)
    return mails[-limit:] if limit else mails


def format_mail(mail: Mail) -> str:
    local_time = mail.when.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    header = f"── {local_time}  to {', '.join(mail.to)} "
    lines = [
        header + "─" * max(3, 100 - len(header)),
        f"From:    {mail.sender}",
        f"Subject: {mail.subject}",
        "",
        mail.text.rstrip("\n"),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make -s outbox", description="The mails the local stack sent.")
    parser.add_argument("--to", default=None, help="only mails to this address (TO=...)")
    parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT, help="the latest N (N=...; 0 for all)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line, as recorded")
    args = parser.parse_args(argv)
    to = args.to or None
    path = outbox_file()
    everything = read(to=to)
    shown = everything[-args.limit:] if args.limit > 0 else everything
    if args.json:
        for mail in shown:
            print(json.dumps(asdict(mail), ensure_ascii=False))
        return 0
    for mail in shown:
        print(format_mail(mail))
    whose = f" to {to}" if to else ""
    if not everything:
        print(f"No mail{whose} yet (the local stack records what it sends in {path}).")
    else:
        more = "" if len(shown) == len(everything) else "; N=50 shows more, N=0 all"
        print(f"{len(shown)} of {len(everything)} mails{whose}, newest last ({path}{more}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
