"""Fail loudly when DATABASE_URL's database cannot be reached (CI must not skip PostgreSQL)."""

import os
import sys

import dj_database_url
import psycopg

url = os.environ.get("DATABASE_URL", "")
config = dj_database_url.parse(url)
try:
    with psycopg.connect(
        host=config["HOST"] or None, port=config["PORT"] or None, user=config["USER"] or None,
        password=config["PASSWORD"] or None, dbname=config["NAME"], connect_timeout=5,
    ) as connection:
        version = connection.execute("SHOW server_version").fetchone()[0]
except psycopg.Error as exc:
    sys.exit(f"PostgreSQL at {config['HOST']}:{config['PORT']} is unreachable: {exc}")
print(f"PostgreSQL {version} at {config['HOST']}:{config['PORT']}: running the suite there too")
