# duo: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)

.PHONY: run test e2e lint token outbox package lint-infra bench reset clean rebuild-reports export-branch import-branch

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet -r requirements-dev.txt
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

## Start the local stack: moto (DynamoDB, streams, STS, Cognito, SES) + chalice local on :8000.
run: $(STAMP)
	@$(PY) -m local.run

## Whole test suite: lint, unit, integration, end-to-end (starts what it needs).
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -n 2 --dist loadfile tests

## Only the end-to-end tests against the real local stack, HTTP and browser (a subset of `make test`).
e2e: $(STAMP)
	$(PY) -m pytest -m e2e tests/e2e tests/browser

lint: $(STAMP)
	$(VENV)/bin/ruff check .

## Print a token for a seeded demo user: make -s token ROLE=coordinator BRANCH=antwerp
token: $(STAMP)
	@$(PY) -m local.token_cli $(ROLE) $(BRANCH)

## The mails the local stack sent (newest last): make -s outbox [TO=amina@example.org] [N=50, 0 for all]
outbox: $(STAMP)
	@$(PY) -m local.outbox $(if $(TO),--to "$(TO)") $(if $(N),--limit "$(N)")

## Recompute the report aggregates of the running local stack from its events: make rebuild-reports [BRANCH=ghent]
rebuild-reports: $(STAMP)
	@$(PY) -m local.rebuild_reports $(BRANCH)

## Write docs/privacy.md (the records of processing) from chalicelib/domain/privacy.py; a test fails when it differs.
.PHONY: privacy-doc
privacy-doc: $(STAMP)
	@$(PY) -m local.privacy_doc

## Write chalicelib/api/routes.json (the route table a cold start reads) after adding or changing a route.
.PHONY: routes
routes: $(STAMP)
	@$(PY) -m local.route_table

## Back up one branch of the running local stack to a file: make export-branch BRANCH=ghent [FILE=ghent.jsonl]
export-branch: $(STAMP)
	@test -n "$(BRANCH)" || { echo "usage: make export-branch BRANCH=ghent [FILE=ghent.jsonl]" >&2; exit 2; }
	@$(PY) -m local.branch_data export "$(BRANCH)" $(if $(FILE),--file "$(FILE)")

## Restore a branch from such a file (its aggregates rebuilt): make import-branch FILE=ghent.jsonl [REPLACE=1]
import-branch: $(STAMP)
	@test -n "$(FILE)" || { echo "usage: make import-branch FILE=ghent.jsonl [REPLACE=1]" >&2; exit 2; }
	@$(PY) -m local.branch_data import "$(FILE)" $(if $(REPLACE),--replace)

## Benchmarks (cold start vs a minimal Chalice app, DynamoDB round trips, calls per signup, signups/s on the
## local stack with 20 clients and p50/p95); figures only, no verdict.
bench: $(STAMP)
	$(PY) -m benchmarks.run

## Load on its own local stack (Locust, loopback): a signup wave, coordinators and the head office at once for 30 s;
## per scenario requests, req/s, p50/p95/p99 and errors, then the table checked; fails on any error or inconsistency.
.PHONY: load
load: $(STAMP)
	$(PY) -m benchmarks.load $(ARGS)

## API fuzzing over real HTTP: its own local stack (free loopback ports, demo data), schemathesis from the stack's
## /openapi.json for every operation and role, then the stack stopped. Not in `make test` (minutes):
## make fuzz [EXAMPLES=4 per operation and role] [ARGS="-x ..." for pytest]
.PHONY: fuzz
fuzz: $(STAMP) $(MO)
	$(if $(EXAMPLES),DUO_FUZZ_EXAMPLES=$(EXAMPLES)) $(PY) -m tests.fuzz_http $(ARGS)

## Package for AWS into build/: template.json + deployment.zip (fails on a left-out dependency or > 250 MB).
package: $(STAMP)
	$(PY) -m infra.package

## cfn-lint and checkov on build/template.json (checkov lives in .venv-checkov, created on first use).
lint-infra: package
	$(PY) -m infra.lint

## Forget local data: the next `make run` seeds afresh (stop `make run` first: it saves on stop).
reset:
	@rm -f "$${DUO_STATE_DIR:-.local}/snapshot.json" "$${DUO_STATE_DIR:-.local}/outbox.jsonl"
	@echo "Local data and outbox forgotten: the next make run seeds afresh."

clean:
	rm -rf build .local $(VENV) .venv-checkov

# Translations of the pages and mails: .po files are committed, .mo files compiled here when a .po changes.
WEB := chalicelib/web
MO := $(patsubst %.po,%.mo,$(wildcard $(WEB)/locale/*/LC_MESSAGES/messages.po))
.PHONY: catalogs
run test e2e package bench: $(MO)

%.mo: %.po | $(STAMP)
	@$(VENV)/bin/pybabel compile --statistics -i $< -o $@

## Translators: extract the texts of the pages, mails and labels into messages.pot, merge into each .po;
## the refusals (N_) of the domain, the services and the API layer (request checks, schemas, console forms) too.
catalogs: $(STAMP)
	cd $(WEB) && ../../$(VENV)/bin/pybabel extract -F babel.cfg --no-location --sort-output --width 100 \
		--project=duo --copyright-holder="DUO for a JOB" -c TRANSLATORS: -k N_ -o messages.pot \
		. ../domain ../services ../api
	$(VENV)/bin/pybabel update -i $(WEB)/messages.pot -d $(WEB)/locale -D messages --width 100
