"""Text messages (短信) through a backend chosen by settings, as Django does for e-mail.

``settings.SMS_BACKEND`` is the dotted path of a class with one method, ``send(phone, text) -> provider_id``:
it sends one message and returns the provider's id for it (any string), or raises ``SmsError`` (or any exception)
with a message worth showing to staff in the outbox when the message was not accepted.

Shipped backends:
- ``core.sms.FileSmsBackend`` (the default): one line per message appended to ``SMS_FILE_PATH/sms.log``;
- ``core.sms.ConsoleSmsBackend``: the message printed to standard output (``make run``'s terminal);
- ``core.sms.LocmemSmsBackend``: kept in ``core.sms.outbox`` (the tests read it).

A real provider is one more class with the same ``send``: e.g. ``sms_providers.Aliyun`` reading its keys from
settings, calling the provider's HTTP API and returning its ``BizId``; set ``SMS_BACKEND`` to its path
(README, "短信").
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

__all__ = ["ConsoleSmsBackend", "FileSmsBackend", "LocmemSmsBackend", "SmsBackend", "SmsError", "get_backend", "send"]


class SmsError(Exception):
    """The provider refused or could not take the message (the text is shown in the outbox)."""


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> str: ...


def _new_id() -> str:
    return uuid.uuid4().hex[:16]


class FileSmsBackend:
    """Appends ``time<TAB>phone<TAB>text<TAB>id`` to ``SMS_FILE_PATH/sms.log`` (demo and development)."""

    def send(self, phone: str, text: str) -> str:
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        provider_id = _new_id()
        line = "\t".join(
            [timezone.localtime().isoformat(timespec="seconds"), phone, text.replace("\n", " "), provider_id]
        )
        with (folder / "sms.log").open("a", encoding="utf-8") as log:
            log.write(line + "\n")
        return provider_id


class ConsoleSmsBackend:
    def send(self, phone: str, text: str) -> str:
        provider_id = _new_id()
        sys.stdout.write(f"[短信] {phone}：{text}（{provider_id}）\n")
        sys.stdout.flush()
        return provider_id


outbox: list[tuple[str, str, str]] = []  # (phone, text, provider id) of LocmemSmsBackend


class LocmemSmsBackend:
    def send(self, phone: str, text: str) -> str:
        provider_id = _new_id()
        outbox.append((phone, text, provider_id))
        return provider_id


def get_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()


def send(phone: str, text: str) -> str:
    """Send one text message through the configured backend; the provider's id of it."""
    return get_backend().send(phone, text)
