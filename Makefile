# Convenience wrappers around packaging/dev.sh, which holds the one
# implementation (venv, editable install, Debian packages, checks).
# The README uses `bash packaging/dev.sh ...` directly because a fresh
# machine may not have make installed.
#
#   make run   [ARGS="..."]   start the GUI (workstation gui ARGS)
#   make test  [ARGS="..."]   ruff, mypy, lint-imports, pytest ARGS
#   make lint                 ruff, mypy, lint-imports
#   make bench [ARGS="..."]   python -m benchmarks ARGS
#   make clean                remove build artifacts and caches (keeps .venv)

DEV := bash packaging/dev.sh
ARGS ?=

.PHONY: run test bench lint clean

run:
	$(DEV) run $(ARGS)

test:
	$(DEV) test $(ARGS)

bench:
	$(DEV) bench $(ARGS)

lint:
	$(DEV) lint

clean:
	$(DEV) clean
