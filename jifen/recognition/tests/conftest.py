import pytest


@pytest.fixture(autouse=True)
def _media_and_fast_passwords(settings, tmp_path):
    """Uploads (evidence, parked bulk files) go to a temporary folder; logins hash fast."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
