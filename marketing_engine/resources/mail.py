"""Email: reading a mailbox (journalist digests, replies, bounces) and sending outreach.

Reading: IMAP through `imap-tools` (`imap` backend), or a folder of .eml files (`folder`, the
offline default, which the offline simulator fills with digests). Sending: SMTP with STARTTLS
(`smtplib`), Amazon SES (`boto3` SendRawEmail), or the offline outbox: one .eml file per message
under `<engine home>/outbox/email/`, so no mail leaves the machine without SMTP or SES settings.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Literal, Protocol

from dagster import ConfigurableResource
from pydantic import Field

from marketing_engine.outreach.digests import read_message
from marketing_engine.settings import home_dir


class MailError(RuntimeError):
    """A mailbox or mail server that failed, naming the server (never the password)."""


class Sender(Protocol):
    name: str

    def send(self, message: EmailMessage) -> str: ...

    def delivered(self, message_id: str) -> bool | None: ...


class Mailbox(Protocol):
    def messages(self, since: datetime | None = None) -> Iterator[EmailMessage]: ...


def _file_name(message_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_.@" else "_" for c in message_id.strip("<>")) + ".eml"


class OutboxSender:
    """Writes each message as an .eml file; a file already there means it was delivered."""

    name = "outbox"

    def __init__(self, folder: Path):
        self.folder = folder

    def send(self, message: EmailMessage) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / _file_name(message["Message-ID"])
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(bytes(message))
        tmp.replace(path)
        return str(path)

    def delivered(self, message_id: str) -> bool | None:
        return (self.folder / _file_name(message_id)).exists()


class SmtpSender:
    name = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        username: str | None,
        password: str | None,
        starttls: bool,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = 30.0,
    ):
        self.host, self.port, self.username, self.password = host, port, username, password
        self.starttls, self.ssl_context, self.timeout = starttls, ssl_context, timeout

    def send(self, message: EmailMessage) -> str:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.ehlo()
                if self.starttls:
                    smtp.starttls(context=self.ssl_context or ssl.create_default_context())
                    smtp.ehlo()
                if self.username:
                    smtp.login(self.username, self.password or "")
                refused = smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(f"SMTP {self.host}:{self.port}: {type(exc).__name__}: {exc}") from None
        if refused:
            raise MailError(f"SMTP {self.host}:{self.port} refused recipients {sorted(refused)}")
        return message["Message-ID"]

    def delivered(self, message_id: str) -> bool | None:
        return None  # SMTP cannot tell afterwards: an email in doubt is never sent twice


class SesSender:
    name = "ses"

    def __init__(self, client):
        self.client = client

    def send(self, message: EmailMessage) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self.client.send_raw_email(RawMessage={"Data": bytes(message)})
        except (BotoCoreError, ClientError) as exc:
            raise MailError(f"SES: {exc}") from None
        return answer["MessageId"]

    def delivered(self, message_id: str) -> bool | None:
        return None


class FolderMailbox:
    def __init__(self, folder: Path):
        self.folder = folder

    def messages(self, since: datetime | None = None) -> Iterator[EmailMessage]:
        for path in sorted(self.folder.rglob("*.eml")):
            yield read_message(path.read_bytes())


class ImapMailbox:
    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        password: str,
        folder: str = "INBOX",
        use_ssl: bool = True,
        timeout: float = 30.0,
    ):
        self.host, self.port, self.username, self.password = host, port, username, password
        self.folder, self.use_ssl, self.timeout = folder, use_ssl, timeout

    def messages(self, since: datetime | None = None) -> Iterator[EmailMessage]:
        from imap_tools import AND, MailBox, MailBoxUnencrypted
        from imap_tools.errors import MailboxLoginError

        box_class = MailBox if self.use_ssl else MailBoxUnencrypted
        criteria = AND(date_gte=since.date()) if since else AND(all=True)
        try:
            with box_class(self.host, self.port, timeout=self.timeout).login(
                self.username, self.password, initial_folder=self.folder
            ) as box:
                for item in box.fetch(criteria, mark_seen=False, bulk=True):
                    yield read_message(item.obj.as_bytes())
        except MailboxLoginError:
            raise MailError(f"IMAP {self.host}:{self.port}: login refused for {self.username!r}") from None
        except OSError as exc:
            raise MailError(f"IMAP {self.host}:{self.port}: {type(exc).__name__}: {exc}") from None


class MailResource(ConfigurableResource):
    """`reader`: folder (offline) | imap. `sender`: outbox (offline) | smtp | ses."""

    reader: Literal["folder", "imap"] = "folder"
    sender: Literal["outbox", "smtp", "ses"] = "outbox"
    inbox_dir: str | None = Field(default=None, description="Offline mailbox (default <home>/inbox/email).")
    outbox_dir: str | None = Field(default=None, description="Offline outbox (default <home>/outbox/email).")
    imap_host: str | None = None
    imap_port: int = 993
    imap_ssl: bool = True
    imap_user: str | None = None
    imap_password: str | None = Field(default=None, description="Only through EnvVar('IMAP_PASSWORD').")
    imap_folder: str = "INBOX"
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = Field(default=None, description="Only through EnvVar('SMTP_PASSWORD').")
    smtp_starttls: bool = True
    ses_region: str = "us-east-1"
    aws_access_key_id: str | None = None
    aws_secret_access_key: str | None = None

    def inbox_path(self) -> Path:
        return Path(self.inbox_dir) if self.inbox_dir else home_dir("inbox") / "email"

    def outbox_path(self) -> Path:
        return Path(self.outbox_dir) if self.outbox_dir else home_dir("outbox") / "email"

    def mailbox(self) -> Mailbox:
        if self.reader == "folder":
            return FolderMailbox(self.inbox_path())
        if not (self.imap_host and self.imap_user):
            raise MailError("mail reader 'imap' needs imap_host and imap_user (and IMAP_PASSWORD)")
        return ImapMailbox(
            self.imap_host,
            self.imap_port,
            self.imap_user,
            self.imap_password or "",
            self.imap_folder,
            self.imap_ssl,
        )

    def outgoing(self) -> Sender:
        if self.sender == "outbox":
            return OutboxSender(self.outbox_path())
        if self.sender == "smtp":
            if not self.smtp_host:
                raise MailError("mail sender 'smtp' needs smtp_host")
            return SmtpSender(
                self.smtp_host, self.smtp_port, self.smtp_user, self.smtp_password, self.smtp_starttls
            )
        import boto3

        client = boto3.client(
            "ses",
            region_name=self.ses_region,
            aws_access_key_id=self.aws_access_key_id,
            aws_secret_access_key=self.aws_secret_access_key,
        )
        return SesSender(client)


def mail_from_env(environ: dict[str, str] | None = None) -> MailResource:
    """Production mail: IMAP when IMAP_HOST is set, SMTP when SMTP_HOST is set, else SES when
    OUTREACH_SES_REGION is set, else the offline outbox (no mail leaves without settings).
    Secrets are passed as EnvVar, never read here."""
    import os

    from dagster import EnvVar

    env = os.environ if environ is None else environ
    config: dict = {}
    if env.get("IMAP_HOST"):
        config.update(
            reader="imap",
            imap_host=EnvVar("IMAP_HOST"),
            imap_user=EnvVar("IMAP_USER"),
            imap_password=EnvVar("IMAP_PASSWORD"),
        )
    if env.get("SMTP_HOST"):
        config.update(
            sender="smtp",
            smtp_host=EnvVar("SMTP_HOST"),
            smtp_user=EnvVar("SMTP_USER"),
            smtp_password=EnvVar("SMTP_PASSWORD"),
        )
    elif env.get("OUTREACH_SES_REGION"):
        config.update(
            sender="ses",
            ses_region=EnvVar("OUTREACH_SES_REGION"),
            aws_access_key_id=EnvVar("AWS_ACCESS_KEY_ID"),
            aws_secret_access_key=EnvVar("AWS_SECRET_ACCESS_KEY"),
        )
    return MailResource(**config)
