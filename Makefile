# Two commands a newcomer needs: `make run` (demo on SQLite, no services) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/erp
PYTEST_WORKERS ?= 2

.PHONY: run test lint fmt migrate worker beat messages vendor clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)  ## demo data on SQLite, http://127.0.0.1:8000
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --no-input
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py sync_periodic_tasks
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(STAMP)  ## the whole suite on PostgreSQL (DATABASE_URL, default $(TEST_DATABASE_URL))
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(BIN)/pytest -n $(PYTEST_WORKERS) $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run

fmt: $(STAMP)
	$(BIN)/ruff check --fix .

migrate: $(STAMP)
	$(BIN)/python manage.py migrate

worker: $(STAMP)  ## needs REDIS_URL
	$(BIN)/celery -A config worker --loglevel=info

beat: $(STAMP)  ## needs REDIS_URL; schedule from CELERY_BEAT_SCHEDULE, editable in the admin
	$(BIN)/celery -A config beat --loglevel=info

messages: $(STAMP)  ## refresh the Arabic catalogue after changing translatable strings
	$(BIN)/python manage.py makemessages -l ar --ignore=.venv --ignore=node_modules --ignore=staticfiles
	$(BIN)/python manage.py compilemessages -l ar --ignore=.venv

vendor:  ## refresh static/vendor from the npm registry (package.json pins the versions)
	npm ci && npm run vendor

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
