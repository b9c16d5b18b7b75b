// What the browser tests share: the built frontend served on loopback, Debian's headless Chromium,
// pages whose IPC is answered by the test (through Tauri's mock layer), and the fixtures the core
// would send. Each test file starts its own server and browser with `startBrowser()`.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';

const ROOT = resolve(import.meta.dirname, '../../target/ui-browser-test');
export const SHOTS = resolve(import.meta.dirname, '../../target/ui-screenshots');
/** Committed reference images; `UPDATE_REFERENCES=1` rewrites them (look at every one before committing). */
const REFERENCES = resolve(import.meta.dirname, 'reference');
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png' };
export const KEY = 'SG.abcdefghijklmnopqrstuv.ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij-_01234';

export const sendgrid = {
  id: 'sendgrid', name: 'SendGrid', best_for: 'Transactional and bulk mail from one account.',
  hosts: [{ host: 'smtp.sendgrid.net', label: 'all mail' }],
  ports: [{ port: 587, tls: 'starttls' }, { port: 465, tls: 'implicit' }],
  username: { kind: 'literal', value: 'apikey' }, key_rule: 'sendgrid_api_key', key_label: 'API key',
  key_hint: 'Settings → API Keys → Create API Key.', why: 'The username is the literal word apikey.',
  dns: [], links: null, limits: [{ label: 'Messages per SMTP connection', value: '5,000' }], message_streams: false, api_check: true, supported: true, note: null,
};
export const postmark = {
  ...sendgrid, id: 'postmark', name: 'Postmark', best_for: 'Transactional mail with strict reputation isolation.',
  hosts: [{ host: 'smtp.postmarkapp.com', label: 'transactional stream' }],
  ports: [{ port: 587, tls: 'starttls' }, { port: 25, tls: 'starttls' }, { port: 2525, tls: 'starttls' }],
  username: { kind: 'same_as_key', alternative: 'an SMTP Token: its access key as the username' },
  key_rule: 'postmark_server_token', key_label: 'Server API Token', why: 'The username and the password are the same Server API Token.',
  key_hint: 'Servers → your server → API Tokens → Server API Token (a UUID). Not the Account API Token.',
  message_streams: true, limits: [],
};
export const custom = {
  ...sendgrid, id: 'custom', name: 'Custom SMTP', best_for: 'Any other relay that takes a username and password.',
  hosts: [], ports: [{ port: 587, tls: 'starttls' }, { port: 465, tls: 'implicit' }],
  username: { kind: 'supplied', hint: 'the relay account' }, key_rule: 'generic', key_label: 'Password', why: null, limits: [], note: null, api_check: false,
};
export const providers = [sendgrid, postmark, custom];

const steps = ['provider', 'key', 'keychain', 'dns', 'test', 'done'].map((id, i) => ({ id, title: ['Provider', 'Key', 'Keychain', 'DNS', 'Test message', 'Done'][i] }));
const signIn = [
  { stage: 'resolving', label: 'Looking up the host' },
  { stage: 'connecting', label: 'Connecting' },
  { stage: 'tls', label: 'Setting up TLS' },
  { stage: 'signing_in', label: 'Signing in' },
];
/** What the core's `startup` says about the app (areas and stages with their labels). */
export const info = {
  name: 'Inflowave Setup', version: '0', steps,
  areas: [
    ['key', 'Key'], ['keychain', 'Keychain'], ['profile', 'Profile'], ['spf', 'SPF', true], ['dkim', 'DKIM', true],
    ['dns', 'Return path and other records', true], ['dmarc', 'DMARC', true], ['smtp', 'Sign-in and sending'], ['ports', 'Ports'], ['other', 'Other'],
  ].map(([area, label, dns = false]) => ({ area, label, dns })),
  smtp_stages: [
    { action: 'check_sign_in', stages: signIn },
    { action: 'send_test', stages: [...signIn, { stage: 'sending', label: 'Sending the test message' }] },
  ],
};
export const noProfiles = { profiles: [], summaries: [], findings: [] };

/** A finding as the core sends it. */
export function finding(code, severity, area, title, more = {}) {
  return { code, severity, area, title, detail: '', fix: [], offers: [], ...more };
}

let server;
let browser;
let base;

/** Serves the browser-test build and starts Chromium for the tests of one file. */
export function startBrowser() {
  before(async () => {
    assert.ok(existsSync(join(ROOT, 'index.html')), `build the browser-test bundle into ${ROOT} first`);
    server = createServer((req, res) => {
      const pathname = new URL(req.url, 'http://x').pathname;
      const path = join(ROOT, pathname === '/' ? 'index.html' : pathname);
      if (!path.startsWith(ROOT) || !existsSync(path)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(readFileSync(path));
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${server.address().port}/`;
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--font-render-hinting=none'],
      timeout: 30_000,
    });
    mkdirSync(SHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
  });
}

/** A page whose IPC answers come from `answer(command, args)` (`undefined`: the defaults below). */
export async function page({ width = 960, height = 700, colorScheme = 'light', answer = () => undefined, startup = {}, ready = true } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme, reducedMotion: 'reduce' });
  const p = await context.newPage();
  const calls = [];
  await p.exposeFunction('__inflowaveMock', async (command, args) => {
    calls.push({ command, args });
    const custom = await answer(command, args);
    if (custom !== undefined) return custom;
    switch (command) {
      case 'startup':
        return { value: { info, providers: [sendgrid], profiles: noProfiles, ...startup } };
      case 'list_providers': return { value: [sendgrid] };
      case 'list_profiles': return { value: startup.profiles ?? noProfiles };
      default: return { error: { code: 'test.unexpected', message: `unexpected command ${command}`, finding: null } };
    }
  });
  await p.goto(base);
  if (ready) await p.getByRole('heading', { level: 1 }).waitFor();
  return { p, calls, context };
}

export async function noHorizontalOverflow(p) {
  return p.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
}

/** Share of pixels that may differ from the reference (anti-aliasing, font rasterizing): a moved or
 *  resized block changes far more than this. */
const TOLERANCE = 0.002;

/** The page looks as its committed reference image `name` does (within TOLERANCE); the screenshot
 *  and, on a mismatch, a diff image are written to target/ui-screenshots/. */
export async function matchesReference(p, name) {
  await p.evaluate(() => document.fonts.ready);
  const png = await p.screenshot({ animations: 'disabled', caret: 'hide' });
  writeFileSync(join(SHOTS, `${name}.png`), png);
  const reference = join(REFERENCES, `${name}.png`);
  if (process.env.UPDATE_REFERENCES === '1') {
    mkdirSync(REFERENCES, { recursive: true });
    writeFileSync(reference, png);
    return;
  }
  assert.ok(existsSync(reference), `no reference image ${reference}: run with UPDATE_REFERENCES=1, look at it, commit it`);
  const actual = PNG.sync.read(png);
  const expected = PNG.sync.read(readFileSync(reference));
  assert.deepEqual([actual.width, actual.height], [expected.width, expected.height], `${name}: the window size changed`);
  const diff = new PNG({ width: actual.width, height: actual.height });
  const changed = pixelmatch(actual.data, expected.data, diff.data, actual.width, actual.height, { threshold: 0.1 });
  const share = changed / (actual.width * actual.height);
  if (share > TOLERANCE) writeFileSync(join(SHOTS, `${name}.diff.png`), PNG.sync.write(diff));
  assert.ok(share <= TOLERANCE, `${name}: ${(share * 100).toFixed(2)}% of the pixels differ from the reference (see ${name}.diff.png)`);
}

/** axe-core finds no violation on the page as it is now. */
export async function noViolations(p, label) {
  if (!(await p.evaluate(() => 'axe' in window))) await p.addScriptTag({ path: AXE });
  const violations = await p.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => `${v.id} (${v.help}): ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
  });
  assert.deepEqual(violations, [], `axe-core on ${label}`);
}

/** Next (or Finish) is inside the window without scrolling. */
export async function actionVisible(p, label) {
  const visible = await p.evaluate(() => {
    const button = document.querySelector('nav.actions button.primary');
    if (!button) return false;
    const box = button.getBoundingClientRect();
    return box.top >= 0 && box.left >= 0 && box.bottom <= window.innerHeight && box.right <= window.innerWidth;
  });
  assert.ok(visible, `${label}: Next is visible without scrolling`);
}
