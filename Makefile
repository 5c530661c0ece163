# Client Portal. `make run` serves the demo on SQLite; `make test` runs every test.
PY        ?= python3
VENV      := .venv
BIN       := $(VENV)/bin
PORT      ?= $(shell scripts/profile.py port)
HOST      ?= $(shell scripts/profile.py host)
SITE      ?= $(shell scripts/profile.py default_site)
WORKERS   ?= $(shell scripts/profile.py web_workers)
THREADS   ?= $(shell scripts/profile.py web_threads)
MARIADB_URL ?= mysql://root@127.0.0.1:3306/client_portal
export CLIENT_PORTAL_SITE := $(SITE)

.PHONY: run serve setup venv node fuzz demo test test-sqlite test-mariadb bench lint messages lock clean

# Exact versions with their hashes from requirements.lock (refreshed by `make lock`);
# the project itself, editable, on top.
$(BIN)/.installed: pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	@touch $@

venv: $(BIN)/.installed

# The signing module's Node.js helper (DSTU 4145 signatures), installed from its lock file.
SIGNING_NODE := apps/client_portal/documents/signing/node
$(SIGNING_NODE)/node_modules/.package-lock.json: $(SIGNING_NODE)/package-lock.json
	@$(SIGNING_NODE)/setup.sh

node: $(SIGNING_NODE)/node_modules/.package-lock.json

setup: ## virtualenv, dependencies, database and demo data on SQLite
	scripts/system-deps.sh run
	$(MAKE) venv node
	@mkdir -p sites/$(SITE)
	@test -s sites/$(SITE)/secret_key || $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > sites/$(SITE)/secret_key
	$(BIN)/python manage.py migrate --noinput -v0
	$(MAKE) var/static/.collected
	$(BIN)/python manage.py seed_demo --if-empty

# Static files are collected (hashed and compressed) only when they change.
STATIC_SOURCES := $(shell find apps -path '*/static/*' -type f 2>/dev/null)
var/static/.collected: $(BIN)/.installed $(STATIC_SOURCES)
	$(BIN)/python manage.py collectstatic --noinput -v0
	@touch $@

run: setup ## serve the demo on http://$(HOST):$(PORT)
	@$(BIN)/python manage.py demo_banner --port $(PORT)
	PORTAL_BASE_URL=http://$(HOST):$(PORT) $(BIN)/gunicorn config.wsgi --bind $(HOST):$(PORT) \
	  --workers $(WORKERS) --threads $(THREADS) --access-logfile - --no-control-socket

serve: setup ## the production stack on http://$(HOST):$(PORT): nginx in front of gunicorn (unix socket)
	scripts/system-deps.sh serve
	@$(BIN)/python manage.py demo_banner --port $(PORT)
	PORTAL_BASE_URL=http://$(HOST):$(PORT) HOST=$(HOST) PORT=$(PORT) \
	  WEB_WORKERS=$(WORKERS) WEB_THREADS=$(THREADS) scripts/serve_prod.sh

test: ## every test: SQLite and MariaDB (utf8mb4) side by side, browser tests included
	scripts/system-deps.sh test
	$(MAKE) venv node
	@scripts/services.sh | tee var-services.txt
	@scripts/test_legs.sh "$$(grep -q 'mariadb: up' var-services.txt && echo up || echo down)"
	@rm -f var-services.txt

test-sqlite:
	@echo ">> tests on SQLite"
	$(BIN)/python -m pytest --durations=20 $(PYTEST_ARGS)

test-mariadb:
	@echo ">> tests on MariaDB ($(MARIADB_URL))"
	DATABASE_URL=$(MARIADB_URL) $(BIN)/python -m pytest -m "not browser and not faults" --durations=20 $(PYTEST_ARGS)

bench: ## benchmarks, each prints "<name>: ratio=<x> target=<y> met|short"
	scripts/system-deps.sh test
	$(MAKE) venv
	$(BIN)/python bench/run.py

fuzz: venv ## fuzz the Metro 2 reader (atheris) for ten minutes
	$(BIN)/python -m apps.client_portal.bureau.metro2.fuzz -max_total_time=600 -rss_limit_mb=2048

lint: venv
	$(BIN)/ruff check .

messages: venv ## extract and compile translation catalogs
	DJANGO_SETTINGS_MODULE=config.settings_test $(BIN)/python manage.py makemessages -a --no-obsolete -i '.venv/*' -i 'var/*' -i 'tests/*' -i 'bench/*' -i 'sites/*'
	DJANGO_SETTINGS_MODULE=config.settings_test $(BIN)/python manage.py compilemessages -i .venv
	$(BIN)/python scripts/check_translations.py

lock: venv ## refresh requirements.lock: newest versions pyproject.toml allows, with hashes
	$(BIN)/pip install -q pip-tools
	$(BIN)/pip-compile --quiet --upgrade --generate-hashes --allow-unsafe --strip-extras \
	  --extra test --extra s3 --no-emit-index-url --no-emit-find-links \
	  --output-file requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) var
