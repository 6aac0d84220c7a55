# Two commands on a fresh machine:  make run   (install, seed demo data, serve)   and   make test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test serve clean

$(STAMP): pyproject.toml scripts/install-torch.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	sh scripts/install-torch.sh $(BIN)/pip
	$(BIN)/pip install -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/rengang db upgrade
	$(BIN)/rengang seed
	$(BIN)/rengang index rebuild
	$(BIN)/rengang serve

serve: install
	$(BIN)/rengang serve

test: install
	sh scripts/ensure-chromium.sh && $(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) var
