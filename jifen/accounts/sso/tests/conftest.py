import pytest

from jifen.accounts.sso.tests.idp import TestIdentityProvider
from jifen.accounts.sso.tests.slapd import Slapd


@pytest.fixture(autouse=True)
def _fast_passwords(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _english(client, settings):
    """Messages are checked in English: the Chinese ones exist only once the catalogue is compiled."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture(scope="session")
def _identity_provider():
    provider = TestIdentityProvider()
    yield provider
    provider.stop()


@pytest.fixture
def idp(_identity_provider):
    """A real OpenID Connect provider on 127.0.0.1, forgetting the last test's sign-ins and tricks."""
    _identity_provider.reset()
    return _identity_provider


@pytest.fixture(scope="session")
def _directory(tmp_path_factory):
    server = Slapd(tmp_path_factory.mktemp("slapd"))
    server.start()  # fails the tests (never skips them) if slapd cannot start
    yield server
    server.stop()


@pytest.fixture
def directory(_directory):
    return _directory
