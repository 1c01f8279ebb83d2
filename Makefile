# Jifen — the two commands are `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
WORKERS ?= 2
export JIFEN_DATA_DIR ?= $(CURDIR)/data

.PHONY: run test install messages lint lock bench audit loadtest

# python-ldap (LDAP sign-on, through django-auth-ldap) has no wheel: it builds against OpenLDAP's and SASL's
# headers, installed here when missing (as root with apt), else asked for.
$(BIN)/jifen: pyproject.toml requirements/dev.lock
	@if [ ! -f /usr/include/ldap.h ] || [ ! -f /usr/include/sasl/sasl.h ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing the headers python-ldap builds against: libldap2-dev libsasl2-dev"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libldap2-dev libsasl2-dev >/dev/null; \
	  else echo "First install OpenLDAP's and SASL's headers (Debian: apt-get install libldap2-dev libsasl2-dev)" >&2; \
	    exit 1; fi; fi
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --require-hashes -r requirements/dev.lock
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e .
	touch $@

install: $(BIN)/jifen

# Compiled message catalogues (.mo) are built, not committed.
messages: install
	cd jifen && ../$(BIN)/jifen compilemessages -v0

run: install messages
	$(BIN)/jifen migrate --noinput -v0
	$(BIN)/jifen collectstatic --noinput -v0
	$(BIN)/jifen demo --if-empty
	@echo "Jifen is serving on http://127.0.0.1:$(PORT), with its background job worker  (Ctrl-C stops both)"
	$(BIN)/jifen worker --workers 2 & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn jifen.wsgi --bind 127.0.0.1:$(PORT) --workers $(WORKERS) --threads 4 --keep-alive 5 \
	  --access-logfile - --forwarded-allow-ips 127.0.0.1

# Pinned dependencies against a copy of the OSV vulnerability database (JIFEN_OSV_DB=path, or downloaded
# when reachable; says "NOT audited" and passes when neither is there). AUDIT_FLAGS=--strict to require it.
audit: install
	$(BIN)/python scripts/audit_deps.py $(AUDIT_FLAGS)

lint: install
	$(BIN)/ruff check .

# Whole suite on SQLite; again on PostgreSQL when DATABASE_URL points at one (checked first:
# unreachable fails at once, it is never skipped). Every step must
# pass: any non-zero exit stops make, including pytest's 5 ("no tests ran"). DATABASE_URL is
# unset (not emptied) for the SQLite pass: an empty value is not a database URL.
# Browser-test failures leave screenshots in test-results/ (gitignored).
TEST_ENV := JIFEN_DATA_DIR=$(CURDIR)/.test-data SECRET_KEY=test
test: install messages lint audit
	rm -rf test-results
	@case "$$DATABASE_URL" in postgres*) $(BIN)/python scripts/check_database.py ;; esac
	env -u DATABASE_URL $(TEST_ENV) $(BIN)/jifen makemigrations --check --dry-run -v1
	@echo "== pytest on SQLite"
	env -u DATABASE_URL $(TEST_ENV) $(BIN)/pytest -q
	@case "$$DATABASE_URL" in \
	  postgres*) echo "== pytest on PostgreSQL" && \
	    $(TEST_ENV) $(BIN)/pytest -q && \
	    echo "make test: all checks passed on SQLite and PostgreSQL" ;; \
	  *) echo "DATABASE_URL is not PostgreSQL: PostgreSQL pass skipped"; \
	    echo "make test: all checks passed on SQLite" ;; \
	esac

# Re-pin every dependency (with hashes) from pyproject.toml.
lock: install
	$(BIN)/python -m pip install -q uv
	$(BIN)/uv pip compile pyproject.toml -q --generate-hashes --no-strip-extras --python-version 3.11 -o requirements/main.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev -q --generate-hashes --no-strip-extras --python-version 3.11 -o requirements/dev.lock
	$(BIN)/python scripts/lock_extras.py requirements/main.lock requirements/dev.lock

# Benchmarks on PostgreSQL (DATABASE_URL's server, database jifen_bench); results in bench/RESULTS.md.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
BENCH_EVENTS ?= 1000000
bench: install
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/bench_org.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/bench_ledger.py --events $(BENCH_EVENTS)
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/bench_boards.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/bench_reports.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/bench_home.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/bench_imports.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/bench_expiry.py --lots $(BENCH_EVENTS)
	command -v wrk >/dev/null || apt-get install -y -qq wrk
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/bench_http.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/bench_load.py

# The load test alone (about 10 minutes): learners browsing, checking in and ordering while admins import.
loadtest: install
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/bench_load.py
