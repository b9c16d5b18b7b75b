// Helpers for the package tests: where the built bundles are, the one version they must carry, and
// running commands with their output in the failure message.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Runs `cmd` and returns its stdout; throws with everything it printed when it fails. */
export function run(cmd, args, { env, input, cwd = ROOT, allowFailure = false } = {}) {
  const out = spawnSync(cmd, args, {
    cwd,
    env: env ?? process.env,
    input,
    encoding: 'utf8',
    timeout: 300_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (!allowFailure && out.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${out.status ?? out.signal ?? out.error}:\n${out.stdout}\n${out.stderr}`);
  }
  return allowFailure ? out : out.stdout;
}

/** The version set once, in the root Cargo.toml's [workspace.package]. */
export function workspaceVersion() {
  const toml = readFileSync(join(ROOT, 'Cargo.toml'), 'utf8');
  const section = toml.split(/^\[workspace\.package\]$/m)[1]?.split(/^\[/m)[0] ?? '';
  const found = section.match(/^version\s*=\s*"([^"]+)"/m);
  if (!found) throw new Error('no version in [workspace.package] of Cargo.toml');
  return found[1];
}

/** The bundles `make test-package` (or `make package`) built; BUNDLE_DIR is <target>/<profile>/bundle. */
export function bundles() {
  const dir = process.env.BUNDLE_DIR;
  if (!dir) throw new Error('Set BUNDLE_DIR to <target>/<profile>/bundle (make test-package does).');
  const v = workspaceVersion();
  const arch = run('dpkg', ['--print-architecture']).trim();
  const machine = run('uname', ['-m']).trim();
  return {
    deb: join(dir, 'deb', `Inflowave Setup_${v}_${arch}.deb`),
    rpm: join(dir, 'rpm', `Inflowave Setup-${v}-1.${machine}.rpm`),
    cliDeb: join(dir, 'cli', `inflowave-setup-cli_${v}_${arch}.deb`),
    tarball: join(dir, 'cli', `inflowave-setup-cli-${v}-${machine}-linux-gnu.tar.gz`),
  };
}

/** Unpacks a .deb's files into a fresh temporary folder and returns it. */
export function unpackDeb(deb) {
  const dir = mkdtempSync(join(tmpdir(), 'inflowave-deb-'));
  run('dpkg-deb', ['-x', deb, dir]);
  return dir;
}

/** The files (not folders) a .deb holds, as absolute install paths. */
export function debFiles(deb) {
  return run('dpkg-deb', ['-c', deb])
    .split('\n')
    .filter((line) => line.startsWith('-') || line.startsWith('l'))
    .map((line) => line.match(/^\S+\s+\S+\s+\d+\s+\S+\s+\S+\s+(.*)$/)?.[1] ?? line)
    .map((path) => `/${path.replace(/^\.?\//, '').replace(/ -> .*$/, '')}`);
}

/** The subcommands `inflowave-setup-cli --help` lists (the clap definition, as the binary has it). */
export function subcommands(cli) {
  const help = run(cli, ['--help']);
  const section = help.split(/^Commands:$/m)[1]?.split(/^\S/m)[0] ?? '';
  return [...section.matchAll(/^ {2}(\S+)/gm)].map((m) => m[1]).filter((name) => name !== 'help');
}

/** What a package must install: the window, the CLI, a man page per command, desktop entry, metainfo, icons. */
export function expectedFiles(cli, { window = true } = {}) {
  const man = ['inflowave-setup-cli', ...subcommands(cli).map((c) => `inflowave-setup-cli-${c}`)].map(
    (page) => `/usr/share/man/man1/${page}.1.gz`,
  );
  const cliFiles = ['/usr/bin/inflowave-setup-cli', ...man];
  if (!window) return cliFiles;
  return [
    '/usr/bin/inflowave-setup',
    ...cliFiles,
    '/usr/share/applications/Inflowave Setup.desktop',
    '/usr/share/metainfo/com.inflowave.setup.metainfo.xml',
    '/usr/share/icons/hicolor/32x32/apps/inflowave-setup.png',
    '/usr/share/icons/hicolor/128x128/apps/inflowave-setup.png',
    '/usr/share/icons/hicolor/512x512/apps/inflowave-setup.png',
  ];
}
