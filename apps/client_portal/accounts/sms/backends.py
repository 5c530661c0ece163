import json
import sys
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone


class BaseBackend:
    """Sends one text message; returns an id, raises ``Refused`` on failure."""

    def send(self, phone: str, text: str) -> str:
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    def send(self, phone, text):
        message_id = uuid.uuid4().hex
        sys.stdout.write(f"SMS to {phone} [{message_id}]: {text}\n")
        sys.stdout.flush()
        return message_id


class FileBackend(BaseBackend):
    """One JSON line per message in ``SMS_FILE_PATH``; handy for a demo."""

    def send(self, phone, text):
        message_id = uuid.uuid4().hex
        path = Path(settings.SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"id": message_id, "to": phone, "text": text,
                                     "at": timezone.now().isoformat()}) + "\n")
        return message_id


class LocmemBackend(BaseBackend):
    """Keeps messages in ``apps.client_portal.accounts.sms.outbox``."""

    def send(self, phone, text):
        from . import outbox

        message_id = uuid.uuid4().hex
        outbox.append({"id": message_id, "to": phone, "text": text})
        return message_id
