# The two commands: `make run` opens the wizard, `make test` runs every suite and gate.
# Both install what is missing first (Debian/Ubuntu packages, npm packages, tauri-driver).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Tauri 2's Linux build needs (https://v2.tauri.app/start/prerequisites/#linux).
APT_BUILD := build-essential pkg-config curl file libwebkit2gtk-4.1-dev libxdo-dev libssl-dev \
             libayatana-appindicator3-dev librsvg2-dev
# What the real-component tests start: Xvfb + WebKitWebDriver (window), gnome-keyring in a private
# D-Bus session (keychain), a Python SMTP server with TLS (SMTP), openssl (test CA).
APT_TEST := xvfb xauth webkit2gtk-driver dbus gnome-keyring libsecret-tools python3-aiosmtpd openssl knot swaks \
            libnet-ssleay-perl chromium \
            desktop-file-utils appstream rpm dpkg-dev python3-yaml
TAURI_DRIVER_VERSION := 2.1.0
TOOLS := .tools
TAURI_DRIVER := $(TOOLS)/bin/tauri-driver
CARGO ?= cargo
# Every target honours CARGO_TARGET_DIR (a shared target directory), like cargo itself.
TARGET_DIR := $(abspath $(or $(CARGO_TARGET_DIR),target))
APP_BIN := $(TARGET_DIR)/debug/inflowave-setup

.PHONY: help run test deps test-deps ui lint layering-check test-rust test-ui test-browser test-e2e bindings-check screenshot clean bench-smtp bench-window

help:
	@echo "make run    install what is missing, build, and open the wizard window"
	@echo "make test   install what is missing and run every test suite and gate"

deps:
	@scripts/ensure-apt.sh $(APT_BUILD)
	@if [[ ! -f ui/node_modules/.package-lock.json || ui/package-lock.json -nt ui/node_modules/.package-lock.json ]]; then \
	  npm --prefix ui ci --no-audit --no-fund; fi

test-deps: deps
	@scripts/ensure-apt.sh $(APT_TEST)
	@if [[ ! -x $(TAURI_DRIVER) ]]; then \
	  $(CARGO) install tauri-driver --version $(TAURI_DRIVER_VERSION) --locked --root $(TOOLS); fi

# The frontend bundle the Rust build embeds (tauri's generate_context! reads ui/dist at compile time).
# Rebuilt only when a UI source changed: a rebuild rewrites ui/dist, which recompiles the Rust crate.
UI_SOURCES := $(shell find ui/src ui/index.html ui/package.json ui/package-lock.json ui/vite.config.ts \
                ui/svelte.config.js ui/tsconfig.json -type f 2>/dev/null)
ui: deps ui/dist/index.html
ui/dist/index.html: $(UI_SOURCES)
	npm --prefix ui run build
	@touch $@

run: ui
	$(CARGO) build -p inflowave-setup --bin inflowave-setup
	@if [[ -z "$${DISPLAY:-}" && -z "$${WAYLAND_DISPLAY:-}" ]]; then \
	  echo "No display: DISPLAY and WAYLAND_DISPLAY are unset. The wizard is a window and needs one."; \
	  echo "On a headless machine run:  xvfb-run -a make run"; exit 2; fi
	$(APP_BIN)

lint: deps
	$(CARGO) fmt --check
	npm --prefix ui run check
	npm --prefix ui run lint

# One debug build serves every Rust suite and the end-to-end tests. Tests that need a real component
# start it themselves on loopback (tests/support/): the keychain tests a private D-Bus session with an
# unlocked gnome-keyring, and so on. The window binary the end-to-end tests drive is built here too
# (tests/window_cli_parity.rs is an integration test of the app crate, so cargo builds its binary).
test-rust: test-deps ui layering-check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(CARGO) test --workspace --locked --no-fail-fast

# The layering the compiler enforces: the CLI (and the core under it) must build on a headless server
# without WebKitGTK, so neither may have Tauri, wry or WebKitGTK anywhere in its dependency tree.
layering-check:
	@for crate in inflowave-setup-cli inflowave-core; do \
	  if $(CARGO) tree --locked -p $$crate -e normal,build --prefix none | grep -iE '^(tauri|wry|webkit2gtk|gtk|tao)[- ]'; then \
	    echo "$$crate depends on Tauri/WebKit (above): it must build on a headless server."; exit 1; fi; \
	done
	@echo "Layering: inflowave-core and inflowave-setup-cli have no Tauri, wry or WebKitGTK in their trees."

# ts-rs regenerates the TypeScript bindings during `cargo test`; stale checked-in bindings fail here.
bindings-check:
	@if [[ -n "$$(git status --porcelain -- ui/src/lib/ipc/bindings)" ]]; then \
	  echo "The IPC bindings in ui/src/lib/ipc/bindings are stale; commit the regenerated files:"; \
	  git status --porcelain -- ui/src/lib/ipc/bindings; exit 1; fi

test-ui: deps
	npm --prefix ui test

# The built frontend in Debian's headless Chromium with IPC mocked (layout, flow, keyboard);
# screenshots land in target/ui-screenshots/.
test-browser: test-deps ui
	npm --prefix ui run test:browser

test-e2e: test-deps
	TAURI_DRIVER=$(abspath $(TAURI_DRIVER)) APP=$(APP_BIN) node --test tests/e2e/

test: lint test-rust bindings-check test-ui test-browser test-e2e test-package
	@echo "All suites passed."

# Regenerates docs/screenshots/*.png (each step) and docs/screenshot.png from a real run of the real
# window (under Xvfb, through WebDriver) against the real keychain, DNS and SMTP test servers.
screenshot: test-deps ui
	$(CARGO) build -p inflowave-setup --bin inflowave-setup
	$(CARGO) build -p inflowave-core --example e2e_servers
	TAURI_DRIVER=$(abspath $(TAURI_DRIVER)) APP=$(APP_BIN) node tests/e2e/screenshot.mjs docs/screenshots

# Benchmark (not part of `make test`): send-test vs swaks, and the port probe with a black-holed port.
bench-smtp: test-deps ui
	$(CARGO) test --locked -p inflowave-setup-cli --test smtp_bench -- --ignored --nocapture

clean:
	$(CARGO) clean
	rm -rf ui/dist ui/node_modules $(TOOLS)

# Benchmark (not part of `make test`): the full DNS audit vs its slowest lookup chain, with a fixed
# 100 ms per-query delay injected in front of a real Knot server. Figures go in docs/benchmarks.md.
.PHONY: bench-dns
bench-dns: test-deps
	$(CARGO) test --locked -p inflowave-core --test bench_dns -- --ignored --nocapture

# Benchmark (not part of `make test`): the release window against an empty Tauri 2 window built the same
# way (benches/empty-window, tauri versions pinned to ours by copying our Cargo.lock in): start-up to the
# first painted <h1>, idle PSS of the whole process tree, binary sizes (tuned and cargo-default empty
# builds), UI bundle gzipped. Release builds with LTO take minutes. Figures go in docs/benchmarks.md.
BENCH_TARGET = $(TARGET_DIR)
bench-window: test-deps ui
	$(CARGO) build --release --locked -p inflowave-setup --bin inflowave-setup
	cp Cargo.lock benches/empty-window/Cargo.lock
	CARGO_TARGET_DIR=$(BENCH_TARGET) $(CARGO) build --release --manifest-path benches/empty-window/Cargo.toml
	CARGO_TARGET_DIR=$(BENCH_TARGET) $(CARGO) build --profile release-default --manifest-path benches/empty-window/Cargo.toml
	CARGO_TARGET_DIR=$(BENCH_TARGET) TAURI_DRIVER=$(abspath $(TAURI_DRIVER)) node benches/window.mjs

# Release bundles, without downloads: the window app's .deb and .rpm with the CLI and its man pages
# inside (`tauri build`; tauri.linux.conf.json's beforeBundleCommand, packaging/stage.sh, stages them),
# and the CLI-only .deb and tarball for servers (packaging/cli-package.sh). Output in
# $(TARGET_DIR)/release/bundle/{deb,rpm,cli}/. AppImage, MSI/NSIS and .dmg: .github/workflows/bundles.yml.
.PHONY: package test-package
package: deps
	ui/node_modules/.bin/tauri build --ci --bundles deb,rpm
	packaging/cli-package.sh release

# The packages, installed for real (as root, as CI runs it): bundled from the debug build the other
# suites use (`tauri bundle --debug` reuses $(TARGET_DIR)/debug, no rebuild), then tests/package/
# inspects them (dpkg -I, rpm -qpl, ldd, desktop-file-validate, appstreamcli), installs each with
# apt-get, opens the installed window through WebDriver, runs the installed CLI, purges, and checks
# nothing is left. It also checks the icons and the bundles workflow.
test-package: test-deps ui
	$(CARGO) build --locked -p inflowave-setup --bin inflowave-setup
	ui/node_modules/.bin/tauri bundle --ci --debug --bundles deb,rpm
	packaging/cli-package.sh debug
	BUNDLE_DIR=$(TARGET_DIR)/debug/bundle TAURI_DRIVER=$(abspath $(TAURI_DRIVER)) node --test tests/package/

# Benchmark (not part of `make test`): package and installed sizes of the release bundles next to an
# empty Tauri 2 window bundled the same way (benches/empty-window). Figures go in docs/benchmarks.md.
.PHONY: bench-package
bench-package: package
	benches/package-sizes.sh
