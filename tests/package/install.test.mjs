// The packages installed for real, as an admin installs them (root; CI runs `make test` as root on
// Debian): `apt-get install ./….deb`, the installed window opened under Xvfb and its first step
// checked through WebDriver, the installed CLI run, then `apt-get purge` and a look that nothing of
// the package is left on disk while the user's profiles stay. Then the same for the CLI-only package.
// Env: BUNDLE_DIR, TAURI_DRIVER (make test-package sets them).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ROOT, bundles, expectedFiles, run, workspaceVersion } from './packages.mjs';
import { launch } from '../e2e/harness.mjs';

const APT_ENV = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const apt = (args, cwd = ROOT) => run('apt-get', ['-o', 'DPkg::Lock::Timeout=300', '-y', '-q', ...args], { env: APT_ENV, cwd });
const installed = (pkg) =>
  run('dpkg-query', ['-W', '-f=${db:Status-Status}', pkg], { allowFailure: true }).stdout === 'installed';

/** The regular files a package installed (dpkg -L lists folders too). */
const filesOf = (pkg) =>
  run('dpkg', ['-L', pkg])
    .split('\n')
    .filter((p) => p && existsSync(p) && statSync(p).isFile());

/** Installs a local .deb as the README says: `apt-get install ./<file>.deb` (apt resolves its dependencies). */
function install(deb) {
  apt(['install', `./${basename(deb)}`], dirname(deb));
}

/** A user's profiles file (a copy of the schema fixture) in a config folder of its own. */
function userProfiles() {
  const config = mkdtempSync(join(tmpdir(), 'inflowave-user-'));
  mkdirSync(config, { recursive: true });
  const file = join(config, 'profiles.json');
  copyFileSync(join(ROOT, 'tests/fixtures/profiles/schema-1.json'), file);
  return { config, file, bytes: readFileSync(file) };
}

function checkCli(userConfig) {
  const v = workspaceVersion();
  assert.equal(run('/usr/bin/inflowave-setup-cli', ['--version']).trim(), `inflowave-setup-cli ${v}`);
  const providers = JSON.parse(run('/usr/bin/inflowave-setup-cli', ['providers', '--json']));
  const ids = JSON.stringify(providers);
  assert.match(ids, /"sendgrid"/);
  assert.match(ids, /"postmark"/);
  assert.match(run('/usr/bin/inflowave-setup-cli', ['providers']), /smtp\.sendgrid\.net/);
  // The installed CLI reads a user's saved profiles.
  const listed = run('/usr/bin/inflowave-setup-cli', ['profile', 'list', '--json'], {
    env: { ...process.env, INFLOWAVE_SETUP_CONFIG_DIR: userConfig },
  });
  assert.match(listed, /mail\.example\.org/);
}

function purgeAndCheckNothingLeft(pkg, files, user) {
  apt(['purge', pkg]);
  assert.equal(installed(pkg), false, `${pkg} is removed`);
  const left = files.filter((p) => existsSync(p));
  assert.deepEqual(left, [], `nothing of ${pkg} is left on disk`);
  assert.deepEqual(readFileSync(user.file), user.bytes, "the user's profiles stay, unchanged");
}

before(() => {
  assert.equal(process.getuid?.(), 0, 'the package tests install packages: run them as root (CI does)');
  for (const pkg of ['inflowave-setup', 'inflowave-setup-cli']) if (installed(pkg)) apt(['purge', pkg]);
});

test('the window package installs, opens on its first step, runs the CLI, and purges without a trace', async () => {
  const { deb } = bundles();
  const user = userProfiles();
  install(deb);
  try {
    assert.equal(installed('inflowave-setup'), true);
    const files = filesOf('inflowave-setup');
    for (const path of expectedFiles('/usr/bin/inflowave-setup-cli')) assert.ok(files.includes(path), `${path} installed`);
    run('desktop-file-validate', ['/usr/share/applications/Inflowave Setup.desktop']);
    checkCli(user.config);

    process.env.APP = '/usr/bin/inflowave-setup';
    const app = await launch();
    try {
      const first = await app.until(async () => {
        const heading = await app.text('h1');
        return heading && { heading, window: await app.title(), step: await app.text('[aria-current="step"]') };
      }, 'the first step');
      assert.deepEqual(first, { heading: 'Choose your email provider', window: 'Inflowave Setup', step: first.step });
      assert.match(first.step, /Provider/, 'the step rail starts at Provider');
      const v = workspaceVersion();
      assert.equal(await app.text('[data-testid="app-version"]'), `Version ${v}`, 'the window shows the version set in Cargo.toml');
      await app.click('input[value="sendgrid"]');
      assert.match(await app.text('.settings'), /smtp\.sendgrid\.net/, 'the installed window reaches its Rust core');
    } finally {
      await app.close();
    }

    purgeAndCheckNothingLeft('inflowave-setup', files, user);
  } finally {
    if (installed('inflowave-setup')) apt(['purge', 'inflowave-setup']);
    rmSync(user.config, { recursive: true, force: true });
  }
});

test('the CLI-only package installs without WebKit, runs, and purges without a trace', () => {
  const { cliDeb } = bundles();
  const user = userProfiles();
  install(cliDeb);
  try {
    const depends = run('dpkg-query', ['-W', '-f=${Depends}', 'inflowave-setup-cli']);
    assert.doesNotMatch(depends, /webkit|gtk/i, depends);
    assert.match(depends, /libc6/);
    const linked = run('ldd', ['/usr/bin/inflowave-setup-cli']);
    assert.doesNotMatch(linked, /webkit|gtk|gdk|soup/i, linked);
    assert.equal(existsSync('/usr/bin/inflowave-setup'), false, 'no window binary');
    const files = filesOf('inflowave-setup-cli');
    for (const path of expectedFiles('/usr/bin/inflowave-setup-cli', { window: false })) assert.ok(files.includes(path), `${path} installed`);
    checkCli(user.config);
    purgeAndCheckNothingLeft('inflowave-setup-cli', files, user);
  } finally {
    if (installed('inflowave-setup-cli')) apt(['purge', 'inflowave-setup-cli']);
    rmSync(user.config, { recursive: true, force: true });
  }
});

test('the CLI-only and the window package replace each other, and nothing of either is left', () => {
  const { cliDeb, deb } = bundles();
  const owner = (path) => run('dpkg-query', ['-S', path]).split(':')[0];
  try {
    install(cliDeb);
    const cliFiles = filesOf('inflowave-setup-cli');
    // A server that later gets a desktop: the window package takes the CLI over.
    install(deb);
    assert.equal(installed('inflowave-setup-cli'), false, 'the CLI-only package was removed');
    assert.equal(owner('/usr/bin/inflowave-setup-cli'), 'inflowave-setup', 'the window package now provides the CLI');
    const windowFiles = filesOf('inflowave-setup');
    // And back: the CLI-only package takes over from the window package.
    install(cliDeb);
    assert.equal(installed('inflowave-setup'), false, 'the window package was removed');
    assert.equal(existsSync('/usr/bin/inflowave-setup'), false, 'no window binary is left');
    assert.equal(owner('/usr/bin/inflowave-setup-cli'), 'inflowave-setup-cli');
    apt(['purge', 'inflowave-setup-cli']);
    const left = [...new Set([...cliFiles, ...windowFiles])].filter((p) => existsSync(p));
    assert.deepEqual(left, [], 'nothing of either package is left');
  } finally {
    for (const pkg of ['inflowave-setup', 'inflowave-setup-cli']) if (installed(pkg)) apt(['purge', pkg]);
  }
});
