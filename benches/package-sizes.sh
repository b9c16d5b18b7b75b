#!/usr/bin/env bash
# Package sizes (`make bench-package`): the release .deb/.rpm of the window app (with the CLI inside),
# the CLI-only .deb and tarball, next to an empty Tauri 2 window (benches/empty-window) bundled the
# same way. Prints a Markdown table for docs/benchmarks.md. Expects `make package` to have run.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO="${CARGO:-cargo}"
target_dir="$("$CARGO" metadata --no-deps --format-version 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
bundle="$target_dir/release/bundle"

# The empty window, release profile (the app's size settings), bundled as .deb and .rpm.
cp Cargo.lock benches/empty-window/Cargo.lock
CARGO_TARGET_DIR="$target_dir" "$CARGO" build --release --manifest-path benches/empty-window/Cargo.toml
(cd benches/empty-window && CARGO_TARGET_DIR="$target_dir" ../../ui/node_modules/.bin/tauri bundle --ci \
  --bundles deb,rpm --config '{"bundle": {"active": true}}' >/dev/null)

kib() { echo $(( ($1 + 1023) / 1024 )); }
size() { stat -c %s "$1"; }
deb_row() { # label deb binary-inside
  local label="$1" deb="$2" inside="$3" dir
  dir="$(mktemp -d)"
  dpkg-deb -x "$deb" "$dir"
  printf '| %s | %s KiB | %s KiB | %s KiB |\n' "$label" "$(kib "$(size "$deb")")" \
    "$(dpkg-deb -f "$deb" Installed-Size)" "$(kib "$(size "$dir/$inside")")"
  rm -rf "$dir"
}

echo "| package | file | installed (Installed-Size) | main binary |"
echo "| --- | --- | --- | --- |"
deb_row "inflowave-setup .deb (window + CLI)" "$(ls "$bundle"/deb/Inflowave*.deb)" usr/bin/inflowave-setup
printf '| inflowave-setup .rpm | %s KiB | | |\n' "$(kib "$(size "$(ls "$bundle"/rpm/Inflowave*.rpm)")")"
deb_row "inflowave-setup-cli .deb (CLI only)" "$(ls "$bundle"/cli/*.deb)" usr/bin/inflowave-setup-cli
printf '| inflowave-setup-cli .tar.gz | %s KiB | | |\n' "$(kib "$(size "$(ls "$bundle"/cli/*.tar.gz)")")"
deb_row "empty Tauri 2 window .deb" "$(ls "$bundle"/deb/Empty*.deb)" usr/bin/empty-window
printf '| empty Tauri 2 window .rpm | %s KiB | | |\n' "$(kib "$(size "$(ls "$bundle"/rpm/Empty*.rpm)")")"
