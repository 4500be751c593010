# 综治中心工作台 — the two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_DB ?= $(CURDIR)/.demo/demo.sqlite3
TEST_DATES ?= 2027-01-05 2030-06-14
# Python may write its bytecode caches (__pycache__, ignored by git) even where the environment
# says not to: the suite starts the program as a subprocess many times, and each would compile
# every module again (tests/test_cli.py: 110 s without caches, 85 s with them).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test test-pg lint format demo bench bench-pg manual bundle deb clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $(STAMP)

# Opens the GUI on a demo database kept apart from any real one (created with demo data on first use).
run: $(STAMP)
	@mkdir -p $(dir $(DEMO_DB))
	@test -f $(DEMO_DB) || $(BIN)/zongzhi demo --db $(DEMO_DB) --matters 300
	$(BIN)/zongzhi --db $(DEMO_DB) --demo-login

# The suite runs on SQLite; its date-sensitive tests (marked `dates`, tests/conftest.py) run again
# with the program's clock set to each of TEST_DATES, one past chinese-calendar's last year. With
# ZONGZHI_TEST_PG_URL set (a PostgreSQL server's maintenance database, e.g. what .ci/pg-up
# prints) the suite runs a second time against PostgreSQL, beside the SQLite passes. The dated
# passes run beside each other, each in its own temporary folder; their outputs are shown in
# order when both have ended.
test: $(STAMP)
	$(BIN)/ruff check app tests benchmarks installer
	$(BIN)/ruff format --check app tests benchmarks installer
	@# With a PostgreSQL server given, its pass runs beside the SQLite passes (one CPU each);
	@# its output is shown when it ends.
	@pglog=$$(mktemp); pgtmp=$$(mktemp -d); pg=""; \
	if [ -n "$$ZONGZHI_TEST_PG_URL" ]; then \
	  echo "== the same suite against PostgreSQL, beside the SQLite passes (output at the end)"; \
	  ( ZONGZHI_TEST_DB=postgresql QT_QPA_PLATFORM=offscreen \
	      $(BIN)/python -m pytest -p no:cacheprovider --basetemp="$$pgtmp/t" $(PG_PYTEST_ARGS) \
	      >"$$pglog" 2>&1 ) & pg=$$!; \
	fi; \
	finish() { if [ -n "$$pg" ]; then wait $$pg; rc=$$?; echo "== PostgreSQL pass"; cat "$$pglog"; \
	  rm -rf "$$pglog" "$$pgtmp"; return $$rc; fi; rm -rf "$$pglog" "$$pgtmp"; }; \
	ZONGZHI_TEST_DB=sqlite QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest \
	  || { finish; exit 1; }; \
	dated=""; start=$$(date +%s); \
	for day in $(TEST_DATES); do \
	  ( ZONGZHI_CLOCK=$$day ZONGZHI_TEST_DB=sqlite QT_QPA_PLATFORM=offscreen \
	      $(BIN)/python -m pytest -p no:cacheprovider --basetemp="$$pgtmp/d$$day" -m dates \
	      >"$$pgtmp/$$day.log" 2>&1 ) & dated="$$dated $$!"; \
	done; \
	failed=0; for p in $$dated; do wait $$p || failed=1; done; \
	for day in $(TEST_DATES); do \
	  echo "== the date-sensitive tests (-m dates) with the clock at $$day"; \
	  cat "$$pgtmp/$$day.log"; \
	done; \
	echo "   ($$(( $$(date +%s) - start )) s for the dated passes)"; \
	if [ $$failed = 1 ]; then finish; exit 1; fi; \
	finish

# Only the PostgreSQL pass, on a throw-away local cluster (needs Debian's postgresql package).
test-pg: $(STAMP)
	@dir=$$(mktemp -d); trap '.ci/pg-up --stop '"$$dir"'; rm -rf '"$$dir" EXIT; \
	url=$$(.ci/pg-up $$dir) && \
	ZONGZHI_TEST_DB=postgresql ZONGZHI_TEST_PG_URL=$$url QT_QPA_PLATFORM=offscreen \
	  $(BIN)/python -m pytest $(PG_PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check app tests benchmarks installer

format: $(STAMP)
	$(BIN)/ruff format app tests benchmarks installer
	$(BIN)/ruff check --fix app tests benchmarks installer

# Speed benchmarks (issue 17), each printing its figures beside their targets. They share one
# demo database per size, built once and kept in .bench/demo-<n>.sqlite3 (about 4–10 min for
# 300,000 matters on the first run). `make bench BENCH_MATTERS=10000` for a quick run.
BENCH_MATTERS      ?= 300000
BENCH_SEARCH_SIZES ?= 10000,100000,300000
BENCH_RUN          := QT_QPA_PLATFORM=offscreen $(BIN)/python benchmarks
bench: $(STAMP)
	$(BENCH_RUN)/bench_print.py --matters $(BENCH_MATTERS)
	$(BENCH_RUN)/bench_reception.py --matters $(BENCH_MATTERS)
	$(BENCH_RUN)/bench_command.py --matters $(BENCH_MATTERS)
	$(BENCH_RUN)/bench_search.py --sizes $(BENCH_SEARCH_SIZES)
	$(BENCH_RUN)/bench_import.py
	$(BENCH_RUN)/bench_ledgers.py --matters $(BENCH_MATTERS)
	$(BENCH_RUN)/bench_assessment.py --matters 100000

# The same on a PostgreSQL server: BENCH_PG_URL=postgresql+psycopg://user:pw@host/db make bench-pg
# (a database of its own: the benchmark builds its demo data there once and reuses it).
bench-pg: $(STAMP)
	@test -n "$(BENCH_PG_URL)" || { echo "BENCH_PG_URL (a PostgreSQL URL) is needed"; exit 2; }
	$(BENCH_RUN)/bench_postgres.py --database-url "$(BENCH_PG_URL)"

# What the manual's screenshots and the bundles are made from: each is made again only when
# one of these changed since (stamps).
APP_INPUTS    := pyproject.toml docs/MANUAL.md $(shell find app resources -type f -not -path '*/__pycache__/*' 2>/dev/null)
BUNDLE_INPUTS := $(APP_INPUTS) installer/zongzhi.spec installer/zongzhi_entry.py
MANUAL_STAMP  := docs/manual-images/.made
BUNDLE_STAMP  := build/bundle.stamp
# Where `make deb` keeps its Debian 11 chroot (about 1.5 GB; outside the repository).
DEB_BUILDROOT ?= $(HOME)/.cache/zongzhi-deb
DEB_BUNDLE    := $(DEB_BUILDROOT)/bullseye/out/zongzhi
DEB_STAMP     := $(DEB_BUILDROOT)/bundle.stamp

# The user manual's screenshots (docs/manual-images, not kept in git): every tab on the demo
# database, at 1366×768 less a task bar.
manual: $(MANUAL_STAMP)
$(MANUAL_STAMP): $(APP_INPUTS) | $(STAMP)
	@mkdir -p $(dir $(DEMO_DB))
	@test -f $(DEMO_DB) || $(BIN)/zongzhi demo --db $(DEMO_DB) --matters 300
	QT_QPA_PLATFORM=offscreen $(BIN)/zongzhi screenshot --all --out docs/manual-images --db $(DEMO_DB) --size 1366x728
	touch $@

# One-folder PyInstaller bundle in dist/zongzhi (the same spec builds on Windows), with the
# manual's screenshots made first; installer/check_bundle.py then makes a demo database with
# it, signs in, prints a receipt and a case file, exports a ledger and renders every tab. It
# runs on this system's glibc and newer ones only; the .deb's bundle is built apart (below).
bundle: $(BUNDLE_STAMP)
$(BUNDLE_STAMP): $(BUNDLE_INPUTS) $(MANUAL_STAMP) | $(STAMP)
	$(BIN)/python -m pip install -q "pyinstaller>=6.6,<7"  # <7: installer/rthook_qt.py uses its _pyi_rth_utils
	$(BIN)/pyinstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller installer/zongzhi.spec
	$(BIN)/python installer/check_bundle.py dist/zongzhi
	@mkdir -p $(dir $@) && touch $@

# Debian package for 统信 UOS / 麒麟 Kylin: dist/zongzhi_VERSION_amd64.deb. Its bundle is built
# as root in a Debian 11 chroot (glibc 2.31; installer/deb/bullseye_bundle.sh: debootstrap,
# Python 3.11, PySide6 6.9) so that it starts on glibc 2.28; build_deb.py refuses any file that
# asks for a newer glibc (objdump -T). The bundle is rebuilt only when its inputs changed.
DEB_FILE      := dist/zongzhi_$(shell sed -n 's/^__version__ = "\(.*\)"/\1/p' app/__init__.py)_$(shell dpkg --print-architecture 2>/dev/null).deb
deb: $(DEB_FILE)
$(DEB_FILE): $(DEB_STAMP) installer/deb/build_deb.py resources/icons/zongzhi.svg | $(STAMP)
	$(BIN)/python installer/check_bundle.py $(DEB_BUNDLE)
	$(BIN)/python installer/deb/build_deb.py --bundle $(DEB_BUNDLE) --out dist
$(DEB_STAMP): $(BUNDLE_INPUTS) $(MANUAL_STAMP) installer/deb/bullseye_bundle.sh installer/deb/glibc_2_28.h
	installer/deb/bullseye_bundle.sh $(DEB_BUILDROOT)
	touch $@

clean:
	rm -rf $(VENV) .demo build dist *.egg-info
