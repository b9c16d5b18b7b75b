#!/usr/bin/env bash
# Stages what the Linux packages carry besides the window binary, into packaging/stage/:
#   bin/inflowave-setup-cli        the headless CLI, built in the same profile as the window
#   man/inflowave-setup-cli*.1.gz  its man pages, generated from its clap definition (examples/cli_man.rs)
# tauri.linux.conf.json maps these into the .deb and .rpm and runs this script as its
# beforeBundleCommand (so `tauri build` and `tauri bundle` stage them themselves); the CLI-only
# package (packaging/cli-package.sh) uses the same stage.
#
# Usage: packaging/stage.sh [debug|release]   (default: from TAURI_ENV_DEBUG, which tauri sets; else release)
set -euo pipefail
cd "$(dirname "$0")/.."

profile="${1:-}"
if [[ -z "$profile" ]]; then
  if [[ "${TAURI_ENV_DEBUG:-false}" == "true" ]]; then profile=debug; else profile=release; fi
fi
case "$profile" in
  debug) flags=() ;;
  release) flags=(--release) ;;
  *) echo "usage: $0 [debug|release]" >&2; exit 2 ;;
esac

CARGO="${CARGO:-cargo}"
target_dir="$("$CARGO" metadata --no-deps --format-version 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
stage=packaging/stage
rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/man"

"$CARGO" build --locked "${flags[@]}" -p inflowave-setup-cli --bin inflowave-setup-cli
install -m 0755 "$target_dir/$profile/inflowave-setup-cli" "$stage/bin/inflowave-setup-cli"

"$CARGO" run --locked --quiet -p inflowave-setup-cli --example cli_man -- "$stage/man"
# Debian policy: man pages gzipped with no timestamp (reproducible).
gzip -9n "$stage"/man/*.1

echo "Staged ($profile): $(cd "$stage" && find . -type f | sort | tr '\n' ' ')"
