#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with a real, unlocked Secret Service
# (gnome-keyring-daemon) whose keyrings live in a fresh temporary folder. Everything it starts is
# stopped by PID when the command ends, whatever its outcome.
#
#   tests/support/with-keyring.sh cargo test
set -euo pipefail

if [[ -z "${INFLOWAVE_IN_KEYRING_SESSION:-}" ]]; then
  export INFLOWAVE_IN_KEYRING_SESSION=1
  exec dbus-run-session -- "$0" "$@"
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/inflowave-keyring.XXXXXX")
chmod 700 "$scratch"
export XDG_DATA_HOME="$scratch/data" XDG_RUNTIME_DIR="$scratch/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"

keyring_pid=""
cleanup() {
  if [[ -n "$keyring_pid" ]]; then kill "$keyring_pid" 2>/dev/null || true; wait "$keyring_pid" 2>/dev/null || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT

# A throwaway password for a throwaway keyring, piped so the daemon creates and unlocks it.
printf '%s' "inflowave-test-keyring" | gnome-keyring-daemon --foreground --components=secrets --unlock \
  >"$scratch/keyring.log" 2>&1 &
keyring_pid=$!

# Wait (at most 10 s) until the Secret Service name is on the bus.
for _ in $(seq 100); do
  if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
       org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; then
    break
  fi
  if ! kill -0 "$keyring_pid" 2>/dev/null; then
    echo "gnome-keyring-daemon exited early:" >&2; cat "$scratch/keyring.log" >&2; exit 2
  fi
  sleep 0.1
done
export INFLOWAVE_TEST_SECRET_SERVICE=1
"$@"
