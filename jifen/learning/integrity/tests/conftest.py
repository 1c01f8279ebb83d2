import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp_and_fast_passwords(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # evidence and homework files
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
