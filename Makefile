# Two entry points for a fresh Debian 12 / Ubuntu 24.04 machine:
#   make run    install everything, then show the demo wall on every connected screen
#   make test   install everything, then run the whole test suite (what CI runs)
# Installing system packages needs root; as a normal user the commands use sudo.

# Debian's python3 where there is one: it is what the mini-PC runs, and the runtime tests run the
# wall as an unprivileged user, who may not enter a home-made interpreter's folder (pyenv's).
PYTHON ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
LAYOUT ?= layouts/demo.yaml

# What Qt (PySide6 wheels) needs from the system on a bare Debian: GL/EGL, fontconfig, xkb,
# fonts for Arabic, Hebrew and colour emoji in posts (Inter has Latin only),
# the xcb and wayland platform plugins' libraries, Xvfb for tests that need a real X display,
# systemd (systemd-analyze checks the mini-PC unit file in the tests), and the mini-PC runtime
# that tests/test_runtime.py boots headless: sway, grim for its screenshots, xkbcli to check
# that the keyboard cannot switch to a text console; chromium and its driver for the control
# page's browser test (tests/test_control_web.py); shellcheck for packaging/install.sh;
# mosquitto, the MQTT broker the fleet tests start on loopback (tests/test_fleet*.py).
SYSTEM_PACKAGES := python3-venv python3-pip libgl1 libegl1 libopengl0 libglib2.0-0 \
	libfontconfig1 libfreetype6 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0 \
	libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 \
	libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 \
	libxcb-xfixes0 libxrender1 libxi6 libsm6 libice6 fonts-dejavu-core fonts-noto-color-emoji xvfb xauth \
	libwayland-client0 libwayland-cursor0 libwayland-egl1 systemd sway grim libxkbcommon-tools \
	chromium chromium-driver shellcheck mosquitto

.PHONY: run test setup system lint shots bench clean

run: $(VENV)/.installed
	$(VENV)/bin/kiosk run $(LAYOUT)

# The serial part runs even when the parallel one failed, so one run reports both; make fails
# if either did.
test: lint
	$(PY) -m pytest -q -n 2 --dist loadfile -m "not serial"; parallel=$$?; \
	$(PY) -m pytest -q -m serial; serial=$$?; \
	if [ $$parallel -ne 0 ] || [ $$serial -ne 0 ]; then \
		echo "make test: parallel part exit $$parallel, serial part exit $$serial"; exit 1; fi

setup: $(VENV)/.installed

system: .system-installed

.system-installed: Makefile
	@if command -v apt-get >/dev/null 2>&1; then \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES); \
	else echo "not a Debian/Ubuntu system: install the equivalents of: $(SYSTEM_PACKAGES)"; fi
	@touch $@

$(VENV)/.installed: pyproject.toml .system-installed
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $@

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check kiosk tests benchmarks
	$(VENV)/bin/ruff format --check kiosk tests benchmarks
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

shots: $(VENV)/.installed
	$(VENV)/bin/kiosk shot $(LAYOUT) --out docs/shots --seconds 4

bench: $(VENV)/.installed
	$(VENV)/bin/kiosk bench $(LAYOUT) --seconds 60 --rate 100 --screens 1

clean:
	rm -rf $(VENV) .system-installed .pytest_cache .mypy_cache .ruff_cache
