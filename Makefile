# Kentongan: `make run` starts the whole platform, `make test` runs every test against the real stack.
# Only Python 3.11+ is needed: the first target bootstraps uv into .tools/ and the workspace into .venv/.

PYTHON ?= python3
UV := .tools/bin/uv
RUN := $(UV) run --frozen --all-packages
ROLE ?= operator

.PHONY: install browser run test bench token lint lock clean backup restore

install: .venv/.installed

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet "uv>=0.5,<1"

.venv/.installed: $(UV) uv.lock pyproject.toml shared/pyproject.toml $(wildcard services/*/pyproject.toml)
	$(UV) sync --frozen --all-packages --python $(PYTHON)
	touch $@

run: install  ## start PostgreSQL, Kafka, every service and demo data; Ctrl-C stops all
	$(RUN) kentongan up

test: install browser  ## the whole suite on the embedded broker and database
	$(RUN) pytest

browser:  ## the console's browser tests drive Debian's chromium (installed here if missing)
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium)

bench: install  ## load and latency figures (long; not part of `make test`)
	$(RUN) python -m bench

token: install  ## a development bearer token, printed last: make token ROLE=operator|supervisor|admin|partner AGENCY=dp3a
	@$(RUN) kentongan token --role $(ROLE) $(if $(AGENCY),--agency $(AGENCY))

backup: install  ## back up every service schema and the consumer offsets: backups/kentongan-<time>.tar
	$(RUN) kentongan backup $(if $(FILE),--output $(FILE))

restore: install  ## restore a backup into the database (stop `make run` first): make restore FILE=backups/...
	@test -n "$(FILE)" || (echo "usage: make restore FILE=backups/kentongan-<time>.tar" && exit 2)
	$(RUN) kentongan restore $(FILE)

lint: install
	$(RUN) ruff check shared services tests bench
	$(RUN) mypy

lock: $(UV)
	$(UV) lock

clean:
	rm -rf .venv .tools .devstack
