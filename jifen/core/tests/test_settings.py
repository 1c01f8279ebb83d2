"""Production settings pass Django's deployment checks, and the environment variables mean what the README says.

Each check runs ``jifen`` in a fresh process: settings are read once, at start-up.
"""

import json
import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


def production_env(data_dir: Path, **overrides: str | None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "DEBUG", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "SECURE_SSL_REDIRECT",
                          "SECURE_HSTS_SECONDS", "BEHIND_TLS_PROXY", "LANGUAGE_CODE"}}
    env.update({
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "jifen.example.com",
        "JIFEN_HTTPS": "1",
        "JIFEN_DATA_DIR": str(data_dir),
    })
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def jifen(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jifen", *args], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=120)


def settings_in(env: dict[str, str], *names: str) -> dict:
    code = (
        "import json, django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'jifen.settings'); django.setup();"
        "from django.conf import settings as s;"
        f"print(json.dumps({{n: getattr(s, n) for n in {list(names)!r}}}, default=str))"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_production_settings_pass_the_deployment_checks_with_no_warnings(tmp_path):
    done = jifen(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_the_deployment_check_does_catch_a_site_left_in_debug_mode(tmp_path):
    # The check above is only worth something if it fails when it should.
    done = jifen(production_env(tmp_path, DEBUG="1"), "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode != 0
    assert "security.W018" in done.stdout + done.stderr


def test_https_turns_on_every_transport_protection(tmp_path):
    values = settings_in(production_env(tmp_path), "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
                         "LANGUAGE_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "DEBUG",
                         "SESSION_COOKIE_HTTPONLY", "X_FRAME_OPTIONS")
    assert values == {
        "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True, "LANGUAGE_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True, "SECURE_HSTS_SECONDS": 31536000, "DEBUG": False,
        "SESSION_COOKIE_HTTPONLY": True, "X_FRAME_OPTIONS": "DENY",
    }


def test_without_a_database_url_the_data_lives_in_sqlite_in_the_data_folder(tmp_path):
    databases = settings_in(production_env(tmp_path), "DATABASES")["DATABASES"]
    assert databases["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(databases["default"]["NAME"]) == tmp_path / "jifen.sqlite3"


def test_an_empty_database_url_means_the_embedded_sqlite_too(tmp_path):
    databases = settings_in(production_env(tmp_path, DATABASE_URL=""), "DATABASES")["DATABASES"]
    assert databases["default"]["ENGINE"] == "django.db.backends.sqlite3"


def test_without_a_secret_key_one_is_made_once_and_kept_private(tmp_path):
    env = production_env(tmp_path, SECRET_KEY=None)
    first = settings_in(env, "SECRET_KEY")["SECRET_KEY"]
    second = settings_in(env, "SECRET_KEY")["SECRET_KEY"]
    assert first == second and len(first) >= 50
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_pages_are_chinese_by_default(tmp_path):
    assert settings_in(production_env(tmp_path), "LANGUAGE_CODE") == {"LANGUAGE_CODE": "zh-hans"}


@pytest.mark.parametrize(("name", "value"), [("DEBUG", "maybe"), ("AXES_FAILURE_LIMIT", "five")])
def test_a_mistyped_setting_stops_the_start_instead_of_guessing(tmp_path, name, value):
    done = jifen(production_env(tmp_path, **{name: value}), "check")
    assert done.returncode != 0
    assert name in done.stderr and "ImproperlyConfigured" in done.stderr
