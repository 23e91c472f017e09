"""Real mail servers for the tests, on 127.0.0.1: Dovecot (IMAP) with a throwaway Maildir store, and
aiosmtpd (SMTP) recording every message it accepts."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import uuid
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller

USER, PASSWORD = "maya", "secret-test-password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port}")


MAIL_UID = 65534  # nobody: Dovecot never lets a mail process run as root


class Dovecot:
    """Runs as root (as the brief allows) with its own config; the store is owned by `nobody`.
    `root` must be traversable by Dovecot's unprivileged users (pytest's tmp dirs are 0700)."""

    def __init__(self, root: Path):
        self.root = root
        self.port = free_port()
        self.maildir = root / "mail" / USER
        self.process: subprocess.Popen | None = None

    def start(self) -> Dovecot:
        for sub in ("run", "state", "mail"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        for sub in ("cur", "new", "tmp"):
            (self.maildir / sub).mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o755)
        for path in [self.root / "mail", self.maildir, *self.maildir.iterdir()]:
            os.chown(path, MAIL_UID, MAIL_UID)
        conf = self.root / "dovecot.conf"
        conf.write_text(f"""
protocols = imap
listen = 127.0.0.1
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{self.root}/mail/%u
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={MAIL_UID} gid={MAIL_UID} home={self.root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
""")
        self.process = subprocess.Popen(
            ["dovecot", "-F", "-c", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        try:
            wait_for_port(self.port)
        except TimeoutError:
            self.stop()
            log = self.root / "dovecot.log"
            raise RuntimeError(f"dovecot did not start: {log.read_text() if log.exists() else ''}") from None
        return self

    def deliver(self, raw: bytes) -> None:
        """Drop a message into the Maildir, the way a local delivery agent would."""
        name = f"{time.time():.6f}.{uuid.uuid4().hex}.test"
        (self.maildir / "tmp" / name).write_bytes(raw)
        os.chown(self.maildir / "tmp" / name, MAIL_UID, MAIL_UID)
        (self.maildir / "tmp" / name).rename(self.maildir / "new" / name)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


class Recorder:
    def __init__(self):
        self.messages: list = []
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"


def start_smtp(tls_context=None) -> tuple[Controller, Recorder]:
    recorder = Recorder()
    kwargs = {"tls_context": tls_context, "require_starttls": True} if tls_context else {}
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    return controller, recorder


def self_signed_tls(folder: Path):
    """A server TLS context with a fresh self-signed certificate for 127.0.0.1, and the cert's path
    (for the client to trust)."""
    import datetime as dt
    import ipaddress
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context, cert_path
