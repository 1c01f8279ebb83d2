import email
import email.policy

import pytest
from aiosmtpd.controller import Controller


@pytest.fixture(autouse=True)
def _fast_passwords(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


class Mailbox:
    """An aiosmtpd handler keeping what it receives; it can refuse recipients or defer messages."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes = []
        self.rcpt_reply = "250 OK"
        self.data_reply = "250 Message accepted for delivery"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply.startswith("250"):
            envelope.rcpt_tos.append(address)
        return self.rcpt_reply

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply.startswith("250"):
            self.envelopes.append(envelope)
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return self.data_reply


class _LocalController(Controller):
    """aiosmtpd on port 0: learn the port the system chose before aiosmtpd connects to itself."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@pytest.fixture
def smtp_server(settings):
    mailbox = Mailbox()
    controller = _LocalController(mailbox, hostname="127.0.0.1", port=0)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "积分 <jifen@training.example.com>"
    yield mailbox
    controller.stop()
