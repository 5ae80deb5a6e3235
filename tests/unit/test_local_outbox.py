"""The local outbox: what moto's SES accepted, recorded with the time and readable by ``make outbox``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local import outbox
from local.run import DEFAULT_MAIL_FROM, Options, _environment

SENDER = "DUO for a JOB <no-reply@duo.example>"
LINK = "http://127.0.0.1:8000/branches/liege/registrations/c-1?token=t0k3n"


@pytest.fixture
def ses(tmp_path: Path) -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("ses", region_name="eu-west-1")
        client.verify_email_identity(EmailAddress="no-reply@duo.example")
        outbox.record_to(outbox.outbox_file(tmp_path))
        try:
            yield client
        finally:
            outbox.record_to(None)


def send(ses: Any, to: str, subject: str, text: str) -> None:
    ses.send_email(
        Source=SENDER, Destination={"ToAddresses": [to]},
        Message={"Subject": {"Data": subject, "Charset": "UTF-8"},
                 "Body": {"Text": {"Data": text, "Charset": "UTF-8"}}},
    )


def test_a_sent_mail_is_recorded_with_its_time_recipient_subject_and_text(ses, tmp_path):
    send(ses, "Amina <amina@example.org>", "Votre inscription à la séance d'information", f"Bonjour Amina,\n{LINK}\n")
    [mail] = outbox.read(tmp_path)
    assert mail.to == ["Amina <amina@example.org>"]
    assert mail.sender == SENDER
    assert mail.subject == "Votre inscription à la séance d'information"
    assert LINK in mail.text
    assert mail.when.tzinfo is not None


def test_raw_mails_are_decoded(ses, tmp_path):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = SENDER, "jan@example.org", "Één herinnering"
    message.set_content("Dag Jan,\nTot morgen — één link: http://x/y\n")
    ses.send_raw_email(RawMessage={"Data": message.as_bytes()})
    [mail] = outbox.read(tmp_path)
    assert (mail.sender, mail.to, mail.subject) == (SENDER, ["jan@example.org"], "Één herinnering")
    assert mail.text == "Dag Jan,\nTot morgen — één link: http://x/y\n"


def test_a_refused_mail_is_not_recorded(ses, tmp_path):
    with pytest.raises(ses.exceptions.MessageRejected):
        ses.send_email(Source="someone@elsewhere.example", Destination={"ToAddresses": ["a@example.org"]},
                       Message={"Subject": {"Data": "x"}, "Body": {"Text": {"Data": "y"}}})
    assert outbox.read(tmp_path) == []


def test_read_filters_by_address_and_keeps_the_latest(ses, tmp_path):
    for n in range(5):
        send(ses, f"Person {n} <p{n % 2}@example.org>", f"mail {n}", "text")
    assert [m.subject for m in outbox.read(tmp_path)] == [f"mail {n}" for n in range(5)], "oldest first"
    assert [m.subject for m in outbox.read(tmp_path, to="P1@Example.org")] == ["mail 1", "mail 3"]
    assert [m.subject for m in outbox.read(tmp_path, limit=2)] == ["mail 3", "mail 4"]
    assert outbox.read(tmp_path, to="nobody@example.org") == []


def test_a_line_cut_short_is_skipped(ses, tmp_path):
    send(ses, "a@example.org", "whole", "text")
    with outbox.outbox_file(tmp_path).open("a") as out:
        out.write('{"sent_at": "2026-')
    assert [m.subject for m in outbox.read(tmp_path)] == ["whole"]


def test_nothing_is_recorded_once_recording_stops(ses, tmp_path):
    outbox.record_to(None)
    send(ses, "a@example.org", "not recorded", "text")
    assert outbox.read(tmp_path) == []
    assert not outbox.outbox_file(tmp_path).exists()


def test_the_command_prints_the_mails_newest_last(ses, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DUO_STATE_DIR", str(tmp_path))
    for n in range(3):
        send(ses, "amina@example.org", f"mail {n}", f"link {n}: {LINK}")
    send(ses, "jan@example.org", "for jan", "text")

    assert outbox.main(["--to", "amina@example.org", "--limit", "2"]) == 0
    printed = capsys.readouterr().out
    assert "mail 0" not in printed and "for jan" not in printed
    assert printed.index("mail 1") < printed.index("mail 2")
    assert f"link 2: {LINK}" in printed and "Subject: mail 2" in printed
    assert "2 of 3 mails to amina@example.org" in printed

    assert outbox.main(["--json", "--limit", "0"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [m["subject"] for m in lines] == ["mail 0", "mail 1", "mail 2", "for jan"]

    assert outbox.main(["--to", "nobody@example.org"]) == 0
    assert "No mail to nobody@example.org yet" in capsys.readouterr().out


def test_the_local_stack_sends_from_a_verified_sender_and_links_to_itself(tmp_path, monkeypatch):
    monkeypatch.delenv("DUO_MAIL_FROM", raising=False)
    opts = Options.from_env()
    assert opts.mail_from == DEFAULT_MAIL_FROM
    env = _environment(Options(tmp_path, 5000, 8123), "http://127.0.0.1:5000", tmp_path / "jwks.json")
    assert env["DUO_MAIL_FROM"] == DEFAULT_MAIL_FROM
    assert env["DUO_PUBLIC_URL"] == "http://127.0.0.1:8123"
    monkeypatch.setenv("DUO_MAIL_FROM", "Test <test@duo.example>")
    assert Options.from_env().mail_from == "Test <test@duo.example>"
