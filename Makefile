# Kali Safaris O'mari payment assistant.
#   make run    install, train if the data changed, seed, and chat in the terminal
#   make test   the whole test suite (what CI runs; tests/README.md says what each part needs)
#   make serve  Rasa (REST, port 5005) + action server (5055) + sandbox (8099) + back office (8060)
#   make test-scale  two Rasa + two action servers on PostgreSQL/Redis/nginx (CI runs it too)
#   make bench  latency, load, cold start and training figures (bench/results.json)
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
export RASA_TELEMETRY_ENABLED := false
export PYTHONDONTWRITEBYTECODE := 1

# Rasa 3.6 needs Python 3.10: take python3.10 from PATH, else pyenv's.
PYTHON310 := $(shell command -v python3.10 2>/dev/null || ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.10*/bin/python3.10 2>/dev/null | tail -n 1)

TRAINING_INPUTS := config.yml domain.yml $(wildcard data/*.yml data/*/*.yml)
# The stamp is named after the content of the training inputs (and the pinned
# packages), so a checkout or `touch` that leaves them identical never retrains.
TRAINING_HASH := $(shell sha256sum $(sort $(TRAINING_INPUTS)) requirements.txt 2>/dev/null | sha256sum | cut -c1-16)
MODEL_STAMP := models/.trained-$(TRAINING_HASH)

.PHONY: help install translations translations-status train seed run first-run-notice serve test test-unit test-integration test-e2e test-browser backoffice-screenshots test-scale validate rasa-test nlu-report nlu-gate nlu-inbox nlu-compare bench lint clean

help:
	@sed -n '2,6p' Makefile | sed 's/^# *//'

$(VENV)/.installed: requirements.txt constraints.txt
	@if [ -z "$(PYTHON310)" ]; then \
	  echo "error: Python 3.10 not found (Rasa 3.6 does not run on 3.11+)."; \
	  echo "Install it (e.g. 'pyenv install 3.10.13') so that python3.10 is on PATH."; exit 1; fi
	@[ -x $(PY) ] || $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --upgrade pip==24.2
	$(PY) -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -r requirements.txt -c constraints.txt
	@touch $@

install: $(VENV)/.installed

# Retrain only when the training inputs changed. tools/train.py shows a
# progress bar and the warnings; Rasa's whole log goes to models/train.log.
$(MODEL_STAMP): | $(VENV)/.installed
	@rm -f models/.trained*
	$(PY) -m tools.train --out models --name kali-safaris
	@touch $@

train: $(MODEL_STAMP)

# The replies in English, Shona and Ndebele live in translations/*.yml, one
# file per language with a review status per text (docs/translations.md).
# `make translations` writes domain.yml's responses from them (the next
# `make run` or `make train` then retrains); `make translations-status` lists
# what each language lacks or has not had reviewed, and fails on a broken
# placeholder, button or length.
translations: install
	$(PY) -m tools.translations build

translations-status: install
	$(PY) -m tools.translations status

seed: install
	$(PY) -m payments.ops migrate && $(PY) -m payments.ops seed

# SENDER=me make run names the chat (rest:me), to continue it later; it is never a WhatsApp customer.
# The first run says up front that it installs and trains, which takes minutes.
run: first-run-notice train seed
	$(PY) -m tools.stack run $(if $(SENDER),--sender $(SENDER))

first-run-notice:
	@if [ ! -f $(VENV)/.installed ] || [ ! -f $(MODEL_STAMP) ]; then \
	  echo "First start (or the training data changed): installing the packages and training the"; \
	  echo "assistant. That takes about eight minutes on 2 cores; a progress bar follows. Later starts take seconds."; fi

serve: train
	@if [ -z "$$OMARI_MERCHANT_KEY" ]; then $(PY) -m payments.ops migrate && $(PY) -m payments.ops seed; fi
	$(PY) -m tools.stack serve

# Through rasa_runtime.server, which filters the libraries' set-up noise
# (rasa_runtime/quiet.py); every other warning fails the check.
validate: install
	$(PY) -m rasa_runtime.server data validate --fail-on-warnings

# Static checks, configured in pyproject.toml (CI runs them before the tests):
#   ruff check .   pycodestyle errors and lines over 120, pyflakes, bugbear, blind
#                  excepts, logging calls, blocking calls in coroutines, and every
#                  noqa / type: ignore naming a code that still fires
#   mypy           the package code (actions, payments, parsing, common,
#                  rasa_runtime, omari_sandbox, tools, bench), stale ignores included
#   lint-imports   the layering contract in .importlinter (docs/architecture.md)
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# tests/README.md: each folder is named by what its tests start. tests/unit/
# starts nothing; tests/integration/ starts the O'mari sandbox, PostgreSQL,
# Redis or a fake Graph API privately on loopback (never Rasa).
# -rfEs: the summary lists failures, errors and every skip with its reason,
# since -q alone shows a skip as one letter among the dots. With
# REQUIRE_SERVER_TESTS set (CI) a skip also fails the run (tests/support/skips.py).
PYTEST := $(PY) -m pytest -q -rfEs

test-unit: install
	$(PYTEST) tests/unit

test-integration: install
	$(PYTEST) tests/integration

rasa-test: train
	$(RASA) test core --stories tests/stories --model models --out results/core --fail-on-prediction-errors

# The two held-out NLU sets: tests/nlu/ and tests/nlu_customer/ (written from
# the customer's side; docs/training-data.md). Intent accuracy and
# entity F1 of each, with Rasa's reports, confusion matrix and histograms in
# results/nlu/ and results/nlu_customer/.
NLU_SETS := nlu nlu_customer
NLU_REPORTS := $(foreach set,$(NLU_SETS),results/$(set)/intent_report.json)
# The gate's floor is fixed here: neither the environment nor `make VAR=...`
# can lower it. To see the figures without a verdict, run `make nlu-report`.
override NLU_MIN_INTENT_ACCURACY := 0.95
override NLU_MIN_ENTITY_F1 := 0.95

define nlu_test
results/$(1)/intent_report.json: $(MODEL_STAMP) $(wildcard tests/$(1)/*.yml)
	rm -rf results/$(1)
	$(RASA) test nlu --nlu tests/$(1) --model models --out results/$(1)
endef
$(foreach set,$(NLU_SETS),$(eval $(call nlu_test,$(set))))

# The third held-out set: everyday requests from CLINC150 (its test split) and
# our own Shona and Ndebele, never trained on; at most 1 % of them may be
# taken for a booking request (docs/training-data.md).
OOS_SET := nlu_out_of_scope
OOS_REPORT := results/$(OOS_SET)/intent_report.json
override NLU_MAX_BOOKING_SHARE := 0.01
$(eval $(call nlu_test,$(OOS_SET)))

nlu-report: $(NLU_REPORTS) $(OOS_REPORT)
	$(PY) -m tools.nlu_gate $(dir $(NLU_REPORTS)) --out-of-scope $(dir $(OOS_REPORT)) --report-only

nlu-gate: $(NLU_REPORTS) $(OOS_REPORT)
	$(PY) -m tools.nlu_gate $(dir $(NLU_REPORTS)) --out-of-scope $(dir $(OOS_REPORT)) \
	  --max-booking-share $(NLU_MAX_BOOKING_SHARE) \
	  --min-intent-accuracy $(NLU_MIN_INTENT_ACCURACY) --min-entity-f1 $(NLU_MIN_ENTITY_F1)

# What real customers typed that the assistant misunderstood, from the
# conversation store (TRACKER_STORE_URL), as NLU YAML in results/nlu-inbox.yml
# (never under data/). docs/training-data.md.
INBOX_DAYS ?= 30
INBOX_THRESHOLD ?= 0.7
INBOX_MIN_COUNT ?= 1
nlu-inbox: install
	$(PY) -m tools.nlu_inbox --days $(INBOX_DAYS) --threshold $(INBOX_THRESHOLD) --min-count $(INBOX_MIN_COUNT)

# Did a training-data change help or hurt? Trains (cached by content, in
# .cache/nlu-compare/) the NLU model of BASE's data and the working tree's,
# runs both on the held-out sets (and INBOX=<file> when given), writes
# results/nlu-compare.md with a chart; exits 1 when understanding got worse.
# ACCEPTED=<file> (the back office's results/nlu-accepted.yml) adds that file's
# examples to the working tree's data first, so the report judges them.
BASE ?= main
nlu-compare: install
	$(PY) -m tools.nlu_compare --base $(BASE) $(if $(INBOX),--inbox $(INBOX)) $(if $(ACCEPTED),--accepted $(ACCEPTED))

test-e2e: train
	$(PYTEST) tests/e2e

# The back office (docs/backoffice.md) in Debian's Chromium through Playwright,
# against its real process, database and the O'mari sandbox (tests/browser/).
test-browser: install
	$(PY) -m pytest tests/browser -q

# The screenshots in docs/backoffice/, taken by the browser tests on their pages.
backoffice-screenshots: install
	BACKOFFICE_SCREENSHOTS=docs/backoffice $(PY) -m pytest tests/browser -q

test: install
	$(MAKE) test-unit
	$(MAKE) test-integration
	$(MAKE) validate
	$(MAKE) train
	$(MAKE) nlu-gate
	$(MAKE) rasa-test
	$(MAKE) test-e2e
	$(MAKE) test-browser

# The scaled-out topology for real (tests/scale/): two Rasa instances and two
# action servers behind nginx, sharing PostgreSQL and Redis, all started
# privately on loopback; installs the Debian packages first when missing.
test-scale: train
	bash tools/install_servers.sh
	$(PYTEST) tests/scale

# A benchmark, not a test: it reports figures and never fails on them.
# BENCH_ARGS=--skip-train leaves out the timed `rasa train --force`.
bench: train
	$(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf models results run .pytest_cache
