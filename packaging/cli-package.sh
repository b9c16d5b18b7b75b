#!/usr/bin/env bash
# The CLI-only packages for servers (no window, so no WebKitGTK or GTK): a .deb built with dpkg-deb
# from a control file written here, and a tarball. Both carry the staged CLI and its man pages
# (packaging/stage.sh). The .deb's Depends come from dpkg-shlibdeps (the libraries the binary really
# links); the build fails when that names anything beyond the C runtime, so a GUI library can never
# slip into the server package.
#
# Usage: packaging/cli-package.sh [debug|release]     (default release)
# Output: <target>/<profile>/bundle/cli/inflowave-setup-cli_<version>_<arch>.deb
#         <target>/<profile>/bundle/cli/inflowave-setup-cli-<version>-<machine>-linux-gnu.tar.gz
set -euo pipefail
cd "$(dirname "$0")/.."

profile="${1:-release}"
packaging/stage.sh "$profile"

CARGO="${CARGO:-cargo}"
metadata="$("$CARGO" metadata --no-deps --format-version 1)"
field() { python3 -c "import json,sys; m=json.load(sys.stdin); $1" <<<"$metadata"; }
target_dir="$(field 'print(m["target_directory"])')"
version="$(field 'print(next(p["version"] for p in m["packages"] if p["name"]=="inflowave-setup-cli"))')"
arch="$(dpkg --print-architecture)"
machine="$(uname -m)"
out="$target_dir/$profile/bundle/cli"
mkdir -p "$out"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# --- the .deb ---
root="$work/deb"
install -D -m 0755 packaging/stage/bin/inflowave-setup-cli "$root/usr/bin/inflowave-setup-cli"
install -d "$root/usr/share/man/man1" "$root/usr/share/doc/inflowave-setup-cli"
install -m 0644 packaging/stage/man/*.1.gz "$root/usr/share/man/man1/"
install -m 0644 packaging/cli/README.txt "$root/usr/share/doc/inflowave-setup-cli/README"

mkdir -p "$work/shlibs/debian"
printf 'Source: inflowave-setup-cli\n\nPackage: inflowave-setup-cli\nArchitecture: any\n' >"$work/shlibs/debian/control"
depends="$(cd "$work/shlibs" && dpkg-shlibdeps -O -e "$root/usr/bin/inflowave-setup-cli" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')"
for dep in ${depends//,/ }; do
  case "$dep" in
    libc6 | libgcc-s1 | \(* | *\)) ;;
    *) echo "The CLI links $dep (Depends: $depends): the server package allows only the C runtime." >&2; exit 1 ;;
  esac
done

mkdir -p "$root/DEBIAN"
cat >"$root/DEBIAN/control" <<CONTROL
Package: inflowave-setup-cli
Version: $version
Architecture: $arch
Maintainer: Inflowave
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: $depends
Suggests: gnome-keyring, dbus-user-session, libsecret-tools
Conflicts: inflowave-setup
Section: mail
Priority: optional
Homepage: https://inflowave.netlify.app/
Description: Inflowave Setup's checks from the command line, for servers
 The headless inflowave-setup-cli: checks a provider's API key, saves sending
 profiles (keys in the Secret Service), audits the sending domain's DNS records,
 sends test messages and re-verifies saved profiles from cron (verify --all).
 No window: it needs no WebKitGTK or GTK. The inflowave-setup package (the
 window app) includes this command too.
CONTROL
deb="$out/inflowave-setup-cli_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null

# --- the tarball ---
name="inflowave-setup-cli-$version"
tree="$work/tar/$name"
install -D -m 0755 packaging/stage/bin/inflowave-setup-cli "$tree/bin/inflowave-setup-cli"
install -d "$tree/share/man/man1"
install -m 0644 packaging/stage/man/*.1.gz "$tree/share/man/man1/"
sed "s/VERSION/$version/g; s/ARCH/$machine/g" packaging/cli/README.txt >"$tree/README.txt"
tarball="$out/$name-$machine-linux-gnu.tar.gz"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$work/tar" -cf - "$name" | gzip -9n >"$tarball"

echo "$deb"
echo "$tarball"
