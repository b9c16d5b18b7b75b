// The built packages, inspected without installing them: what each carries and declares, that the
// desktop entry and AppStream metainfo validate, that the CLI-only package has no WebKitGTK or GTK
// (neither declared nor linked), that the version comes from one place, that the icons are the
// generator's output, and that the CI workflow for the other platforms parses and names only make
// targets, scripts and crates that exist.
// Env: BUNDLE_DIR (make test-package sets it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ROOT, bundles, debFiles, expectedFiles, run, unpackDeb, workspaceVersion } from './packages.mjs';

const GUI_LIBRARY = /webkit|gtk|gdk|soup|cairo|pango|javascriptcore/i;

test('the window package carries the window, the CLI, its man pages, desktop entry, metainfo and icons', () => {
  const { deb } = bundles();
  const field = (name) => run('dpkg-deb', ['-f', deb, name]).trim();
  assert.equal(field('Package'), 'inflowave-setup');
  assert.equal(field('Version'), workspaceVersion(), 'the version set in Cargo.toml');
  assert.match(field('Depends'), /libwebkit2gtk-4\.1-0/);
  assert.match(field('Conflicts'), /inflowave-setup-cli/, 'it replaces the CLI-only package');
  const root = unpackDeb(deb);
  try {
    const files = debFiles(deb);
    for (const path of expectedFiles(join(root, 'usr/bin/inflowave-setup-cli'))) {
      assert.ok(files.includes(path), `${path} is in the .deb (it has: ${files.join(', ')})`);
    }
    assert.equal(
      run(join(root, 'usr/bin/inflowave-setup-cli'), ['--version']).trim(),
      `inflowave-setup-cli ${workspaceVersion()}`,
    );

    const desktop = join(root, 'usr/share/applications/Inflowave Setup.desktop');
    run('desktop-file-validate', [desktop]);
    const entry = readFileSync(desktop, 'utf8');
    assert.match(entry, /^Name=Inflowave Setup$/m);
    assert.match(entry, /^Exec=inflowave-setup$/m);
    assert.match(entry, /^Categories=Network;Email;$/m);
    assert.match(entry, /^Keywords=.*smtp;.*dkim;/m);
    const icon = entry.match(/^Icon=(.+)$/m)?.[1];
    assert.ok(existsSync(join(root, `usr/share/icons/hicolor/128x128/apps/${icon}.png`)), `the icon ${icon} is installed`);

    const metainfo = join(root, 'usr/share/metainfo/com.inflowave.setup.metainfo.xml');
    run('appstreamcli', ['validate', '--no-net', metainfo]);
    const xml = readFileSync(metainfo, 'utf8');
    const launchable = xml.match(/<launchable type="desktop-id">([^<]+)</)?.[1];
    assert.ok(existsSync(join(root, 'usr/share/applications', launchable)), `the metainfo launches ${launchable}, which is installed`);
    assert.equal(xml.match(/<release version="([^"]+)"/)?.[1], workspaceVersion(), 'the newest release notes are for this version');
    assert.ok((xml.match(/<screenshot[ >]/g) ?? []).length >= 1, 'screenshots are listed');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('rpm -qpl lists the expected files and the rpm carries the version', () => {
  const { rpm, cliDeb } = bundles();
  const listed = run('rpm', ['-qpl', rpm]).split('\n');
  const root = unpackDeb(cliDeb);
  try {
    for (const path of expectedFiles(join(root, 'usr/bin/inflowave-setup-cli'))) {
      assert.ok(listed.includes(path), `${path} is in the .rpm (it has: ${listed.join(', ')})`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  assert.equal(run('rpm', ['-qp', '--queryformat', '%{NAME} %{VERSION}', rpm]), `inflowave-setup ${workspaceVersion()}`);
  assert.match(run('rpm', ['-qp', '--requires', rpm]), /libwebkit2gtk-4\.1/);
});

test('the CLI-only package neither declares nor links WebKitGTK or GTK', () => {
  const { cliDeb } = bundles();
  const field = (name) => run('dpkg-deb', ['-f', cliDeb, name]).trim();
  assert.equal(field('Package'), 'inflowave-setup-cli');
  assert.equal(field('Version'), workspaceVersion());
  const depends = field('Depends');
  assert.match(depends, /libc6/, 'dependencies were computed');
  assert.doesNotMatch(depends, GUI_LIBRARY, `Depends: ${depends}`);
  for (const relation of ['Pre-Depends', 'Recommends', 'Suggests']) {
    assert.doesNotMatch(field(relation), GUI_LIBRARY, `${relation}: ${field(relation)}`);
  }
  const root = unpackDeb(cliDeb);
  try {
    const cli = join(root, 'usr/bin/inflowave-setup-cli');
    const linked = run('ldd', [cli]);
    assert.match(linked, /libc\.so/, 'ldd ran on the binary');
    assert.doesNotMatch(linked, GUI_LIBRARY, linked);
    const files = debFiles(cliDeb);
    for (const path of expectedFiles(cli, { window: false })) assert.ok(files.includes(path), `${path} is in the CLI .deb`);
    assert.ok(!files.includes('/usr/bin/inflowave-setup'), 'no window binary');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('on a machine with only the C runtime, apt installs the CLI-only package alone; the window package pulls WebKitGTK', () => {
  // apt plans the install against a dpkg status that holds nothing but libc6 and libgcc-s1 (and what
  // they need): a server without WebKit or GTK. Simulated (-s), so nothing is installed.
  const dir = mkdtempSync(join(tmpdir(), 'inflowave-bare-'));
  try {
    const status = join(dir, 'status');
    const runtime = new Set(['libc6', 'libgcc-s1']);
    for (const pkg of [...runtime]) {
      for (const dep of run('dpkg-query', ['-W', '-f=${Pre-Depends}, ${Depends}', pkg]).split(/[,|]/)) {
        const name = dep.trim().split(/[\s:(]/)[0];
        if (name) runtime.add(name);
      }
    }
    writeFileSync(status, [...runtime].map((p) => run('dpkg-query', ['-s', p])).join('\n'));
    const plan = (deb) =>
      run('apt-get', ['-s', '-o', `Dir::State::status=${status}`, 'install', `./${basename(deb)}`], { cwd: dirname(deb), allowFailure: true });
    const { cliDeb, deb } = bundles();
    const cli = plan(cliDeb);
    assert.equal(cli.status, 0, cli.stdout + cli.stderr);
    const installs = cli.stdout.split('\n').filter((l) => l.startsWith('Inst '));
    assert.deepEqual(installs.map((l) => l.split(' ')[1]), ['inflowave-setup-cli'], cli.stdout);
    // The contrast that shows the plan sees a bare machine: the window package needs WebKitGTK there
    // (apt plans to install it, or fails for want of it when no package lists are present).
    const window = plan(deb);
    assert.match(window.stdout + window.stderr, /libwebkit2gtk-4\.1-0/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the CLI tarball holds the binary, its man pages and install notes', () => {
  const { tarball } = bundles();
  const listed = run('tar', ['-tzf', tarball]).split('\n');
  const top = `inflowave-setup-cli-${workspaceVersion()}/`;
  for (const path of ['bin/inflowave-setup-cli', 'share/man/man1/inflowave-setup-cli.1.gz', 'share/man/man1/inflowave-setup-cli-verify.1.gz', 'README.txt']) {
    assert.ok(listed.includes(top + path), `${top + path} is in the tarball (it has: ${listed.join(', ')})`);
  }
  assert.ok(listed.every((p) => p === '' || p.startsWith(top)), 'everything unpacks into one folder');
});

test('the version is set in one place: Cargo.toml (tauri.conf.json, CHANGELOG and metainfo follow it)', () => {
  const conf = JSON.parse(readFileSync(join(ROOT, 'tauri.conf.json'), 'utf8'));
  assert.equal(conf.version, undefined, 'tauri.conf.json takes the version from Cargo.toml');
  const changelog = readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8');
  assert.equal(changelog.match(/^## \[?(\d+\.\d+\.\d+[^\]\s]*)\]?/m)?.[1], workspaceVersion(), 'CHANGELOG.md starts with this version');
  for (const icon of conf.bundle.icon) assert.ok(existsSync(join(ROOT, icon)), `${icon} exists`);
});

test('every icon in icons/ is what scripts/make-icons.py draws', () => {
  run('python3', ['scripts/make-icons.py', '--check']);
});

test('the bundles workflow parses, and names only make targets, scripts and crates that exist', () => {
  const workflow = '.github/workflows/bundles.yml';
  const parsed = JSON.parse(
    run('python3', ['-c', 'import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1])), default=str))', workflow]),
  );
  // YAML 1.1 reads the key `on` as true.
  assert.ok(parsed.on ?? parsed.true, 'it has triggers');
  const matrix = parsed.jobs.bundle.strategy.matrix.include;
  assert.deepEqual(matrix.map((m) => m.os.split('-')[0]).sort(), ['macos', 'ubuntu', 'windows']);
  const steps = parsed.jobs.bundle.steps;
  const scripts = steps.map((s) => s.run ?? '').join('\n');

  const makefile = readFileSync(join(ROOT, 'Makefile'), 'utf8');
  const targets = new Set([...makefile.matchAll(/^([A-Za-z0-9_.-]+):/gm)].map((m) => m[1]));
  const made = [...scripts.matchAll(/\bmake\s+([A-Za-z0-9_.-]+)/g)].map((m) => m[1]);
  assert.ok(made.length > 0, 'the workflow runs make');
  for (const target of made) assert.ok(targets.has(target), `make ${target} is a Makefile target`);

  const paths = [...scripts.matchAll(/(?:^|\s)((?:scripts|packaging|tests|ui\/node_modules)\/[^\s;|&]+)/g)].map((m) => m[1]);
  assert.ok(paths.length > 0, 'the workflow runs repository scripts');
  for (const path of paths) assert.ok(existsSync(join(ROOT, path)), `${path} exists`);

  const metadata = JSON.parse(run('cargo', ['metadata', '--no-deps', '--format-version', '1']));
  const crates = new Set(metadata.packages.map((p) => p.name));
  for (const [, crate] of scripts.matchAll(/\bcargo\b[^\n]*?\s-p\s+([A-Za-z0-9_-]+)/g)) assert.ok(crates.has(crate), `crate ${crate} exists`);

  const testTargets = new Set(metadata.packages.flatMap((p) => p.targets.filter((t) => t.kind.includes('test')).map((t) => t.name)));
  for (const [, name] of scripts.matchAll(/\bcargo test\b[^\n]*?--test\s+([A-Za-z0-9_-]+)/g)) {
    assert.ok(testTargets.has(name), `test target ${name} exists`);
  }

  const npmScripts = JSON.parse(readFileSync(join(ROOT, 'ui/package.json'), 'utf8')).scripts;
  for (const [, script] of scripts.matchAll(/npm --prefix ui (?:run )?(\w[\w:-]*)/g)) {
    if (script === 'ci') continue;
    assert.ok(script in npmScripts, `npm script ${script} exists in ui/package.json`);
  }
  const tauriHelp = run('node', ['ui/node_modules/@tauri-apps/cli/tauri.js', 'build', '--help']);
  for (const [, bundle] of scripts.matchAll(/--bundles\s+([a-z,]+)/g)) {
    for (const b of bundle.split(',')) {
      // The Linux tauri CLI lists only the Linux formats; the others are the documented Windows and macOS ones.
      assert.ok(tauriHelp.includes(b) || ['msi', 'nsis', 'app', 'dmg'].includes(b), `bundle format ${b}`);
    }
  }
  for (const step of steps.filter((s) => s.uses)) assert.match(step.uses, /^[\w-]+\/[\w-]+@(v\d+|stable)$/, `${step.uses} is pinned to a major version (or a toolchain channel)`);
});
