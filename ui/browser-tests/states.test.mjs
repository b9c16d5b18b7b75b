// Every state each step can be in, in Chromium with the core's answers mocked: each is compared with
// its committed reference image (a layout regression fails), audited by axe-core light and dark (zero
// violations), and checked for Next inside the window at 960×700 and, for the long ones, 720×540.
//   UPDATE_REFERENCES=1 npm --prefix ui run test:browser   rewrites browser-tests/reference/*.png
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEY, actionVisible, finding, info, matchesReference, noViolations, page, postmark, providers, sendgrid, startBrowser } from './harness.mjs';

startBrowser();

const DAY = 86_400_000;
const daysAgo = (n) => new Date(Date.now() - n * DAY).toISOString();
/** An answer that never comes: the state while the core is working. */
const never = () => new Promise(() => {});

const profile = {
  name: 'example.com', provider: 'sendgrid', domain: 'example.com', from: 'news@example.com',
  endpoint: { host: 'smtp.sendgrid.net', port: 587, tls: 'starttls' }, created: '', updated: '', history: [],
};
const keyOk = { provider: 'sendgrid', ok: true, masked: 'SG.ab…1234', findings: [finding('key.looks_valid', 'pass', 'key', 'The API key looks right', { detail: '69 characters, no stray whitespace. Only signing in proves it works: that is the test step.' })] };
const saved = { ok: true, masked_key: 'SG.ab…1234', profile, findings: [finding('profile.saved', 'pass', 'profile', 'Saved profile example.com')] };

/** The pre-flight's answers, as the core words them (provider_api/). */
const preflight = (provider, findings, more = {}) => ({
  provider, ok: !findings.some((f) => f.severity === 'fail'), reach: 'checked', key_refused: false, settles: [], findings, ...more,
});
const mailSendAllowed = finding('sendgrid.mail_send_allowed', 'pass', 'key', 'SendGrid accepts the key, and it may send mail', { detail: 'SendGrid lists 4 permission(s) for this key, including mail.send.' });
const sgAccepted = preflight('sendgrid', [mailSendAllowed]);
const sgNoMailSend = preflight('sendgrid', [finding('sendgrid.no_mail_send', 'fail', 'key', 'The key is valid but may not send mail (no Mail Send permission)', {
  detail: 'SendGrid accepts the key, but its 3 permission(s) do not include mail.send, which SMTP sign-in needs.',
  fix: ['Open SendGrid → Settings → API Keys, edit this key (Restricted Access), set Mail Send to Full Access and save.', 'Or create a new key with Mail Send: Full Access and paste that one.'],
  offers: ['replace_key'],
})], { key_refused: true, settles: ['key.looks_valid'] });
const sgCouldNotCheck = preflight('sendgrid', [finding('api.could_not_check', 'warn', 'key', "SendGrid's API could not check the key", {
  detail: "SendGrid's API did not answer the pre-flight: it is rate limiting requests (HTTP 429; x-ratelimit-limit: 600, x-ratelimit-remaining: 0, x-ratelimit-reset: 1764480000). Nothing was found wrong with the key; the other checks still run.",
  fix: ["Run the check again later; if it keeps failing, check this computer's network access to the provider."],
})], { reach: 'could_not_check' });
const PM_TOKEN = '3f2b6c1e-9a8d-4e7f-b0c1-2d3e4f5a6b7c';
const pmKeyOk = {
  provider: 'postmark', ok: true, masked: '3f2b…6b7c',
  findings: [
    finding('postmark.token_kind', 'warn', 'key', 'Make sure this is a Server API Token, not the Account API Token', { detail: 'Both kinds are UUIDs; only the Server API Token signs in over SMTP. The sign-in check proves which one this is.', fix: ['Postmark → Servers → your server → API Tokens.'] }),
    finding('key.looks_valid', 'pass', 'key', 'The Server API Token looks right', { detail: '36 characters, no stray whitespace. Only signing in proves it works: that is the test step.' }),
  ],
};
const pmServer = preflight('postmark', [
  finding('postmark.server_token', 'pass', 'key', 'A Server API token of the server “Production”', { detail: "Postmark's API accepts it as the Server token of “Production” (ID 1234567, Live server)." }),
  finding('postmark.stream_ok', 'pass', 'key', 'The message stream “outbound” exists and is Transactional', { detail: 'The server “Production” has the stream outbound (Default Transactional Stream).' }),
], { settles: ['postmark.token_kind'] });
const pmAccount = preflight('postmark', [finding('postmark.account_token', 'fail', 'key', 'This is an Account API token, not a Server API token', {
  detail: "Postmark's API accepts it as an Account API token (it manages servers and domains; it cannot sign in over SMTP). It sees 2 server(s): “Production” (Live) — https://account.postmarkapp.com/servers/1234567/streams; “Staging” (Sandbox) — https://account.postmarkapp.com/servers/7654321/streams.",
  fix: ['Open Postmark → Servers → the server you send from → API Tokens, and copy its Server API Token.', 'Paste that token here instead (username and password are the same Server token).'],
  offers: ['replace_key'],
})], { key_refused: true, settles: ['postmark.token_kind', 'key.looks_valid'] });
/** SendGrid's domain authentication for example.com, read with the domain (Keychain step). */
const sgRecords = {
  provider: 'sendgrid', domain: 'example.com', valid: true,
  records: [
    { label: 'Return path (mail CNAME)', type: 'CNAME', host: 'em1234.example.com', value: 'u1234.wl.sendgrid.net', valid: true },
    { label: 'DKIM 1', type: 'CNAME', host: 's1._domainkey.example.com', value: 's1.domainkey.u1234.wl.sendgrid.net', valid: true },
    { label: 'DKIM 2', type: 'CNAME', host: 's2._domainkey.example.com', value: 's2.domainkey.u1234.wl.sendgrid.net', valid: true },
  ],
};
const sgWithRecords = preflight('sendgrid', [mailSendAllowed, finding('sendgrid.domain_auth_valid', 'pass', 'key', "SendGrid marks example.com's domain authentication valid", {
  detail: "SendGrid's records for example.com (automated security) were read from its API. The DNS check compares them with what your DNS serves.",
})], { records: sgRecords });

const spfOk = finding('spf.ok', 'pass', 'spf', 'SPF includes sendgrid.net', { detail: 'v=spf1 include:sendgrid.net ~all' });
const dkimOk = finding('dkim.ok', 'pass', 'dkim', 'DKIM s1._domainkey.example.com leads to a published key');
const dkim2Ok = finding('dkim.ok', 'pass', 'dkim', 'DKIM s2._domainkey.example.com leads to a published key');
const dmarcOk = finding('dmarc.ok', 'pass', 'dmarc', 'DMARC is published (p=quarantine)');
const dmarcNone = finding('dmarc.policy_none', 'warn', 'dmarc', 'DMARC only monitors (p=none)', {
  detail: 'Mail that fails authentication is still delivered.', fix: ['When the reports look clean, raise the policy to p=quarantine.'],
});
const dmarcMissing = finding('dmarc.missing', 'fail', 'dmarc', 'example.com has no DMARC record', {
  detail: 'Gmail and Yahoo require one from bulk senders.', fix: ['Add this TXT record at your DNS host.'],
  record: { type: 'TXT', host: '_dmarc.example.com', value: 'v=DMARC1; p=none; rua=mailto:dmarc@example.com' },
});
const dkimMissing = finding('dkim.cname_missing', 'fail', 'dkim', 's1._domainkey.example.com is not published', {
  fix: ['Add the CNAME record SendGrid showed under Sender Authentication.'],
  record: { type: 'CNAME', host: 's1._domainkey.example.com', value: 's1.domainkey.u1234.wl.sendgrid.net' },
});
const lookupFailed = (area, what) => finding('dns.lookup_failed', 'fail', area, `The ${what} lookup got no answer`, { detail: 'The DNS servers did not answer within 5 seconds.', fix: ['Check the network connection, then check again.'] });
const rpOk = finding('dns.record_ok', 'pass', 'dns', 'em1234.example.com points to SendGrid', { detail: 'CNAME em1234.example.com → u1234.wl.sendgrid.net' });
/** The records a SendGrid audit of example.com announces, in the core's order. */
const planned = [
  { id: 'dkim:s1', area: 'dkim', kind: 'CNAME', host: 's1._domainkey.example.com', purpose: 'DKIM key, published by SendGrid' },
  { id: 'dkim:s2', area: 'dkim', kind: 'CNAME', host: 's2._domainkey.example.com', purpose: 'DKIM key, published by SendGrid' },
  { id: 'dkim:m1', area: 'dkim', kind: 'TXT', host: 'm1._domainkey.example.com', purpose: "DKIM key for SendGrid's manual security" },
  { id: 'return_path:em1234.example.com', area: 'dns', kind: 'CNAME', host: 'em1234.example.com', purpose: "Return path: where SPF is checked for SendGrid's mail" },
  { id: 'spf', area: 'spf', kind: 'TXT', host: 'example.com', purpose: 'SPF: the servers allowed to send as your domain' },
  { id: 'dmarc', area: 'dmarc', kind: 'TXT', host: '_dmarc.example.com', purpose: 'DMARC: what receivers do with mail that fails' },
];
/** The record a finding is about (the core says so in the report's `records`). */
const recordOf = (f) => ({ spf: 'spf', dkim: /\bs2\b/.test(f.title) ? 'dkim:s2' : 'dkim:s1', dns: 'return_path:em1234.example.com', dmarc: 'dmarc' })[f.area];
/** A report as the core makes it: the findings, and each record with the indices of its own (the
 *  manual-security selector is looked up and not used by a domain on automated security). */
function dns(verdict, findings) {
  const ordered = planned.flatMap((r) => findings.filter((f) => recordOf(f) === r.id));
  const records = planned
    .map((r) => ({ ...r, in_use: r.id !== 'dkim:m1', findings: ordered.flatMap((f, i) => (recordOf(f) === r.id ? [i] : [])) }))
    .filter((r) => !r.in_use || r.findings.length > 0);
  return { verdict, propagating: false, domain: 'example.com', provider: 'sendgrid', findings: ordered, records, elapsed_ms: 13 };
}

const target = { provider: 'sendgrid', host: 'smtp.sendgrid.net', port: 587, tls: 'starttls', username: 'apikey' };
const transcript = [{ dir: 'server', text: '220 smtp.sendgrid.net ESMTP' }, { dir: 'client', text: 'AUTH PLAIN [redacted]' }];
const smtp = (action, findings) => ({ ok: !findings.some((f) => f.severity === 'fail'), provider: 'sendgrid', action, target, findings, transcript, elapsedMs: 420 });
const signedIn = finding('smtp.signed_in', 'pass', 'smtp', 'Signed in to smtp.sendgrid.net as apikey');
const accepted = finding('smtp.message_accepted', 'pass', 'smtp', 'SendGrid accepted the test message for news@example.com');
const refused = finding('smtp.auth_failed_sendgrid', 'fail', 'smtp', 'SendGrid refused the sign-in (535)', {
  detail: 'Bad username / password.', fix: ['Check that the username is the literal word apikey.', 'Create a new key with Mail Send permission and replace the saved one.'], offers: ['replace_key'],
});
const timeout = finding('smtp.connect_timeout', 'fail', 'smtp', 'Port 587 did not answer', { detail: 'No reply within 10 seconds: the network probably blocks it.', offers: ['probe_ports'] });
const probe = {
  ok: true, provider: 'sendgrid', host: 'smtp.sendgrid.net', elapsedMs: 900,
  findings: [finding('probe.use_other_port', 'warn', 'ports', 'Port 2525 answers: use it', { detail: 'Port 587 is blocked on this network.' })],
  ports: [
    { port: 587, tls: 'starttls', tcp: false, banner: null, bannerHost: null, ehlo: false, tlsOk: false, elapsedMs: 5000, finding: timeout },
    { port: 2525, tls: 'starttls', tcp: true, banner: '220 smtp.sendgrid.net', bannerHost: 'smtp.sendgrid.net', ehlo: true, tlsOk: true, elapsedMs: 30, finding: finding('probe.port_ok', 'pass', 'ports', 'Port 2525 answers') },
  ],
};

/** The core's answers, with `overrides` per command (a value, or a function of the request). */
function core(overrides = {}) {
  const defaults = {
    check_key: keyOk,
    preflight_key: sgAccepted,
    save_profile: saved,
    audit_dns: dns('passed', [spfOk, dkimOk, dkim2Ok, rpOk, dmarcOk]),
    smtp_check: smtp('send_test', [signedIn, accepted]),
    cancel_operation: true,
    record_checks: null,
  };
  const answers = { ...defaults, ...overrides };
  return async (command, args) => {
    if (!(command in answers)) return undefined;
    const answer = answers[command];
    const value = typeof answer === 'function' ? await answer(args) : answer;
    return value && value.error ? value : { value };
  };
}

/** A page on the wizard's `step`, walked to through the steps before it with the given answers. */
async function wizardAt(step, overrides = {}, options = {}) {
  const opened = await page({ answer: core(overrides), ...options });
  const { p } = opened;
  const next = p.getByRole('button', { name: 'Next' });
  if (step === 'provider') return opened;
  await p.getByRole('radio', { name: /SendGrid/ }).check();
  await next.click();
  if (step === 'key') return opened;
  await p.getByTestId('key-input').fill(KEY);
  await p.locator('[data-code="key.looks_valid"]').waitFor();
  await next.click();
  if (step === 'keychain') return opened;
  await p.getByLabel('Sending domain').fill('example.com');
  await p.getByLabel('From address').fill('news@example.com');
  await p.getByRole('button', { name: 'Save' }).click();
  await p.getByTestId('saved').waitFor();
  await next.click();
  if (step === 'dns') return opened;
  await p.getByTestId('dns-summary').waitFor();
  await next.click();
  if (step === 'test') return opened;
  await p.getByTestId('send-test').click();
  await p.getByTestId('smtp-summary').waitFor();
  await next.click();
  return opened;
}

/** Sends `events` through a command's channel, as the core does while the command runs. */
async function emit(p, channel, events) {
  for (const [index, message] of events.entries()) {
    await p.evaluate(({ id, index, message }) => window.__TAURI_INTERNALS__.runCallback(id, { index, message }), { id: channel.id, index, message });
  }
}

/** Sends `stages` through the check's channel, as the core does while the check runs. */
async function emitStages(p, channel, stages) {
  for (const [index, stage] of stages.entries()) {
    await p.evaluate(({ id, index, stage }) => window.__TAURI_INTERNALS__.runCallback(id, { index, message: stage }), { id: channel.id, index, stage });
  }
}

/** The window speaks to people, not to a terminal: no command-line flag (`--profile`) in its text. */
async function noCommandLineFlags(p, name) {
  const text = await p.evaluate(() => document.body.innerText);
  const flag = text.match(/(^|[\s("'`])--[a-z][a-z-]*/m);
  assert.equal(flag, null, `${name}: the window's text holds a command-line flag: ${flag?.[0]}`);
}

/** Reference image (light; dark and 720×540 when asked), axe light and dark, Next in view, no
 *  command-line flag in the text. */
async function check(p, name, { dark = false, small = false, wizard = true } = {}) {
  await matchesReference(p, name);
  await noCommandLineFlags(p, name);
  if (wizard) await actionVisible(p, name);
  await noViolations(p, `${name} (light)`);
  await p.emulateMedia({ colorScheme: 'dark' });
  await noViolations(p, `${name} (dark)`);
  if (dark) await matchesReference(p, `${name}-dark`);
  await p.emulateMedia({ colorScheme: 'light' });
  if (small) {
    await p.setViewportSize({ width: 720, height: 540 });
    await matchesReference(p, `${name}-720x540`);
    if (wizard) await actionVisible(p, `${name} at 720×540`);
    await p.setViewportSize({ width: 960, height: 700 });
  }
}

test('start-up: loading, and a start-up that failed', async () => {
  const loading = await page({ answer: (command) => (command === 'startup' ? never() : undefined), ready: false });
  await loading.p.getByText('Loading…').waitFor();
  await check(loading.p, 'startup-loading', { wizard: false });
  await loading.context.close();

  const failed = await page({
    answer: (command) => (command === 'startup'
      ? { error: { code: 'profile.store_unreadable', message: 'The profiles file could not be read', finding: finding('profile.store_unreadable', 'fail', 'profile', 'The profiles file could not be read', { detail: 'Permission denied (os error 13).', fix: ['Give your user read access to the settings folder.'] }) } }
      : undefined),
  });
  await failed.p.getByTestId('load-error').waitFor();
  await check(failed.p, 'startup-failed', { wizard: false });
  await failed.context.close();
});

test('provider step: nothing chosen, and a provider chosen with its settings in view', async () => {
  const { p, context } = await page({ startup: { providers } });
  await check(p, 'provider-idle', { dark: true });
  await p.getByRole('radio', { name: /Custom SMTP/ }).check();
  await p.getByRole('radio', { name: /SendGrid/ }).check();
  await p.getByRole('heading', { name: 'SendGrid connection settings' }).waitFor();
  const inView = await p.evaluate(() => {
    const box = document.querySelector('.settings').getBoundingClientRect();
    const frame = document.querySelector('.content').getBoundingClientRect();
    return box.top >= frame.top && box.top < frame.bottom;
  });
  assert.ok(inView, 'the chosen provider\'s settings are scrolled into view');
  await check(p, 'provider-chosen', { small: true });
  await context.close();
});

test('key step: idle, checking, failing, passed with a warning, and a check that could not run', async () => {
  let checkKey = keyOk;
  const { p, context } = await wizardAt('key', { check_key: () => (typeof checkKey === 'function' ? checkKey() : checkKey) });
  await check(p, 'key-idle');
  checkKey = never;
  await p.getByTestId('key-input').fill(KEY.slice(0, 20));
  await p.getByText('Checking…').waitFor();
  await check(p, 'key-checking');
  checkKey = { provider: 'sendgrid', ok: false, masked: null, findings: [finding('sendgrid.key_length', 'fail', 'key', 'The key is 68 characters; SendGrid keys are 69', { detail: 'A character was lost when copying.', fix: ['Copy the whole key again from Settings → API Keys.'] })] };
  await p.getByTestId('key-input').fill(KEY.slice(0, 68));
  await p.locator('[data-code="sendgrid.key_length"]').waitFor();
  await p.getByText('Checking…').waitFor({ state: 'detached' });
  await check(p, 'key-failing');
  checkKey = {
    ...keyOk,
    findings: [
      finding('key.surrounding_whitespace', 'warn', 'key', 'Spaces around the key were removed', { detail: 'The pasted value had a trailing space; the wizard saves the key without it.', fix: ['Nothing to do: the whitespace is not saved.'] }),
      finding('key.looks_valid', 'pass', 'key', 'The API key looks right', { detail: '69 characters once the whitespace around it is removed. Only signing in proves it works: that is the test step.' }),
    ],
  };
  await p.getByTestId('key-input').fill(`${KEY} `);
  await p.locator('[data-code="key.surrounding_whitespace"]').waitFor();
  await p.getByText('Checking…').waitFor({ state: 'detached' });
  await check(p, 'key-warning', { dark: true, small: true });
  checkKey = { error: { code: 'provider.unknown', message: 'There is no provider sendgrid', finding: finding('provider.unknown', 'fail', 'other', 'There is no provider called sendgrid', { fix: ['Choose a provider from the list.'] }) } };
  await p.getByTestId('key-input').fill(KEY);
  await p.getByTestId('key-failure').waitFor();
  await p.getByText('Checking…').waitFor({ state: 'detached' });
  assert.equal(await p.getByRole('heading', { level: 1 }).textContent(), 'Paste your SendGrid API key', 'the step stays');
  await check(p, 'key-could-not-run');
  await context.close();
});

test('key step pre-flight: asking, accepted, no Mail Send, could not check, skipped', async () => {
  let ask = never;
  const { p, context } = await wizardAt('key', { preflight_key: () => ask() });
  const next = p.getByRole('button', { name: 'Next' });
  await p.getByTestId('key-input').fill(KEY);
  await p.getByTestId('preflight-running').waitFor();
  assert.equal(await next.isDisabled(), true, 'Next waits for the pre-flight (or its Skip)');
  await check(p, 'key-preflight-running', { small: true });
  await p.getByTestId('preflight-skip').click();
  await p.getByTestId('preflight-skipped').waitFor();
  assert.equal(await next.isEnabled(), true, 'a skipped pre-flight does not hold anything up');

  const states = [
    ['key-preflight-accepted', sgAccepted, { dark: true }, true],
    ['key-preflight-no-mail-send', sgNoMailSend, { small: true }, false],
    ['key-preflight-could-not-check', sgCouldNotCheck, {}, true],
  ];
  for (const [name, answer, options, goesOn] of states) {
    ask = () => answer;
    await p.getByTestId('preflight-again').click();
    await p.locator(`[data-testid="preflight-findings"][data-reach="${answer.reach}"]`).waitFor();
    assert.equal(await p.getByTestId('preflight-verdict').count(), answer.key_refused ? 1 : 0, `${name}: the refusal banner only for a refused key`);
    await p.locator(`[data-code="${answer.findings[0].code}"]`).waitFor();
    assert.equal(await next.isEnabled(), goesOn, `${name}: Next ${goesOn ? 'enabled' : 'disabled'}`);
    const codes = await p.locator('[data-code]').evaluateAll((els) => els.map((e) => e.getAttribute('data-code')));
    assert.equal(codes.includes('key.looks_valid'), !answer.settles.includes('key.looks_valid'), `${name}: "looks right" only where the provider did not refuse the key`);
    // A refused key scrolls what to do into view; the others are looked at from the top.
    if (!answer.key_refused) await p.evaluate(() => document.querySelector('.content').scrollTo({ top: 0 }));
    await check(p, name, options);
  }
  await context.close();
});

test('key step pre-flight for Postmark: a Server token, and an Account token with its servers', async () => {
  for (const [name, answer, options] of [['key-preflight-postmark-server', pmServer, {}], ['key-preflight-account-token', pmAccount, { dark: true, small: true }]]) {
    const { p, context } = await page({ startup: { providers: [postmark] }, answer: core({ check_key: pmKeyOk, preflight_key: answer }) });
    await p.getByRole('radio', { name: /Postmark/ }).check();
    await p.getByRole('button', { name: 'Next' }).click();
    await p.getByTestId('key-input').fill(PM_TOKEN);
    await p.locator(`[data-code="${answer.findings[0].code}"]`).waitFor();
    assert.equal(await p.locator('[data-code="postmark.token_kind"]').count(), 0, 'settled by Postmark\'s answer: no "make sure it is a Server token" beside it');
    if (answer.key_refused) {
      assert.match(await p.getByTestId('preflight-verdict').textContent(), /Postmark says this key cannot send mail/);
      assert.match(await p.locator('[data-code="postmark.account_token"]').textContent(), /Production.*Staging/s, 'the servers it sees');
      assert.equal(await p.getByRole('button', { name: 'Next' }).isDisabled(), true, 'a refused key does not go on');
    } else {
      assert.equal(await p.getByRole('button', { name: 'Next' }).isEnabled(), true);
    }
    await check(p, name, options);
    if (answer.key_refused) {
      await p.setViewportSize({ width: 720, height: 540 });
      const fits = await p.evaluate(() => { const c = document.querySelector('.content'); return c.scrollWidth <= c.clientWidth; });
      assert.ok(fits, 'the servers\' long dashboard links wrap: nothing is wider than the step at 720×540');
      await p.setViewportSize({ width: 960, height: 700 });
      await p.getByTestId('paste-another').click();
      assert.equal(await p.getByTestId('key-input').inputValue(), '', 'the field is emptied for the Server token');
      assert.equal(await p.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'key-input');
    }
    await context.close();
  }
});

test('keychain step: the form, saving, saved, and a keychain that is not there', async () => {
  let save = never;
  const { p, context } = await wizardAt('keychain', { save_profile: () => save() });
  await check(p, 'keychain-form', { small: true });
  await p.getByLabel('Sending domain').fill('example.com');
  await p.getByLabel('From address').fill('news@example.com');
  await p.getByRole('button', { name: 'Save' }).click();
  await p.getByRole('button', { name: 'Saving…' }).waitFor();
  await check(p, 'keychain-saving');
  await context.close();

  save = () => ({ ok: false, masked_key: null, profile: null, findings: [finding('keychain.unavailable', 'fail', 'keychain', 'No keychain is available to store the key', { detail: 'The Secret Service is not running on this desktop.', fix: ['Start GNOME Keyring (or KWallet) and log in again.', 'Then save again.'] })] });
  const failed = await wizardAt('keychain', { save_profile: () => save() });
  await failed.p.getByLabel('Sending domain').fill('example.com');
  await failed.p.getByLabel('From address').fill('news@example.com');
  await failed.p.getByRole('button', { name: 'Save' }).click();
  await failed.p.locator('[data-code="keychain.unavailable"]').waitFor();
  await check(failed.p, 'keychain-failed');
  save = () => saved;
  await failed.p.getByRole('button', { name: 'Save' }).click();
  await failed.p.getByTestId('saved').waitFor();
  await check(failed.p, 'keychain-saved', { dark: true });
  await failed.context.close();
});

test('DNS step: running, records landing, passed, passed with warnings, failed, could not check, cancelled, could not run', async () => {
  let release;
  let channel = null;
  let audit = () => new Promise((resolve) => (release = resolve));
  const { p, context } = await wizardAt('dns', {
    audit_dns: (args) => {
      channel = args.onProgress;
      return audit();
    },
  });
  await p.locator('.section.running').first().waitFor();
  assert.deepEqual(await p.locator('.section.running').allTextContents().then((t) => t.map((s) => s.trim())), [
    'SPF — checking…', 'DKIM — checking…', 'Return path and other records — checking…', 'DMARC — checking…',
  ]);
  await check(p, 'dns-running');
  // The core announces every record, then each one's result as its answer lands: some are done,
  // the others still checking.
  await emit(p, channel, [
    { event: 'planned', domain: 'example.com', records: planned },
    { event: 'checked', id: 'dkim:s1', in_use: true, findings: [dkimOk] },
    { event: 'checked', id: 'dkim:m1', in_use: false, findings: [] },
    { event: 'checked', id: 'return_path:em1234.example.com', in_use: true, findings: [rpOk] },
    { event: 'checked', id: 'dmarc', in_use: true, findings: [dmarcMissing] },
  ]);
  await p.locator('[data-record="dmarc"][data-state="fail"]').waitFor();
  assert.deepEqual(
    await p.locator('[data-record]').evaluateAll((rows) => rows.map((r) => `${r.dataset.record} ${r.dataset.state}`)),
    ['spf checking', 'dkim:s1 pass', 'dkim:s2 checking', 'dkim:m1 unused', 'return_path:em1234.example.com pass', 'dmarc fail'],
  );
  assert.match(await p.getByTestId('dns-progress').textContent(), /4 of 6 records/);
  await check(p, 'dns-live', { dark: true, small: true });
  await p.getByTestId('dns-cancel').click();
  // The core answers a cancelled audit with its error.
  release({ error: { code: 'dns.cancelled', message: 'The DNS check was cancelled.', finding: null } });
  await p.getByTestId('dns-cancelled').waitFor();
  await check(p, 'dns-cancelled');

  const states = [
    ['dns-passed', dns('passed', [spfOk, dkimOk, dkim2Ok, rpOk, dmarcOk]), { dark: true }],
    ['dns-warnings', dns('passed', [spfOk, dkimOk, dkim2Ok, rpOk, dmarcNone]), {}],
    ['dns-failed', dns('failed', [spfOk, dkimMissing, dkim2Ok, rpOk, dmarcMissing]), { dark: true, small: true }],
    ['dns-could-not-check', dns('could_not_check', [lookupFailed('spf', 'SPF'), lookupFailed('dkim', 'DKIM'), lookupFailed('dmarc', 'DMARC')]), {}],
  ];
  for (const [name, report, options] of states) {
    audit = () => report;
    await p.getByTestId('dns-run').click();
    await p.locator(`[data-testid="dns-summary"][data-verdict="${report.verdict}"]`).waitFor();
    await p.evaluate(() => document.querySelector('.content').scrollTo({ top: 0 }));
    await check(p, name, options);
  }
  assert.match(await p.getByTestId('dns-summary').textContent(), /could not be checked/);
  assert.doesNotMatch(await p.getByTestId('dns-summary').textContent(), /add or fix/, 'could not check is not "broken"');

  audit = () => ({ error: { code: 'dns.resolver_unavailable', message: 'No DNS resolver', finding: finding('dns.resolver_unavailable', 'fail', 'dns', 'No DNS server is configured on this computer', { fix: ['Connect to a network, then check again.'] }) } });
  await p.getByTestId('dns-run').click();
  await p.getByTestId('dns-failure').waitFor();
  await check(p, 'dns-could-not-run');
  await context.close();
});

test('Keychain and DNS steps with the records from SendGrid\'s API: nothing to paste', async () => {
  const disagree = finding('api.provider_dns_disagree', 'warn', 'dkim', 'SendGrid marks s2._domainkey.example.com valid, but DNS disagrees', {
    detail: "SendGrid's API marks the DKIM 2 record CNAME s2._domainkey.example.com → s2.domainkey.u1234.wl.sendgrid.net valid, but the DNS check found: s2._domainkey.example.com is not published. The provider checked it earlier; it has changed since, or this computer's resolver sees another answer.",
    fix: ['Publish the record exactly as listed (the DNS finding shows it), then verify again.'],
  });
  const s2Missing = finding('dkim.cname_missing', 'fail', 'dkim', 's2._domainkey.example.com is not published', {
    fix: ['Add the CNAME record SendGrid showed under Sender Authentication.'],
    record: { type: 'CNAME', host: 's2._domainkey.example.com', value: 's2.domainkey.u1234.wl.sendgrid.net' },
  });
  const returnPathOk = finding('dns.record_ok', 'pass', 'dns', 'em1234.example.com points to u1234.wl.sendgrid.net');
  const fromApi = (findings, verdict) => ({ ...dns(verdict, findings), records_from: 'sendgrid' });
  let audit = fromApi([spfOk, dkimOk, returnPathOk, dmarcOk, dkim2Ok], 'passed');
  const { p, calls, context } = await wizardAt('keychain', {
    preflight_key: (args) => (args.request.domain ? sgWithRecords : sgAccepted),
    audit_dns: () => audit,
  });
  await p.getByLabel('Sending domain').fill('example.com');
  await p.getByLabel('From address').fill('news@example.com');
  await p.getByRole('button', { name: 'Save' }).click();
  await p.getByTestId('records-read').waitFor();
  assert.match(await p.getByTestId('records-read').textContent(), /3 record\(s\) read from SendGrid's API/);
  await check(p, 'keychain-saved-records', { small: true });
  await p.getByRole('button', { name: 'Next' }).click();
  await p.getByTestId('records-from').waitFor();
  assert.equal(await p.getByTestId('records-from').textContent(), "Records from SendGrid's API — nothing to paste.");
  const request = calls.filter((c) => c.command === 'audit_dns').at(-1).args.request;
  assert.deepEqual(request.providerRecords, sgRecords, 'the records from the pre-flight go with the audit');
  assert.equal(request.pasted, null);
  await check(p, 'dns-records-from', { dark: true });

  audit = fromApi([spfOk, dkimOk, returnPathOk, dmarcOk, s2Missing, disagree], 'failed');
  await p.getByTestId('dns-run').click();
  await p.locator('[data-testid="dns-summary"][data-verdict="failed"]').waitFor();
  assert.equal(await p.locator('[data-section="dkim"] [data-code="api.provider_dns_disagree"]').count(), 1, 'the disagreement is listed with the DKIM findings');
  await p.evaluate(() => document.querySelector('.content').scrollTo({ top: 0 }));
  await check(p, 'dns-records-disagree', { small: true });
  await context.close();
});

test('Test message step: idle, running stage by stage, sent, refused, port blocked and probed, cancelled', async () => {
  let channel = null;
  const { p, context } = await wizardAt('test', {
    smtp_check: (args) => {
      channel = args.onStage;
      return never();
    },
  });
  await check(p, 'test-idle');

  await p.getByTestId('send-test').click();
  await p.locator('[data-stage="resolving"]').waitFor();
  await emitStages(p, channel, ['resolving', 'connecting']);
  await p.locator('[data-stage="connecting"].active').waitFor();
  await check(p, 'test-running');
  await p.getByTestId('smtp-cancel').click();
  await context.close();

  const states = [
    ['test-sent', 'send-test', smtp('send_test', [signedIn, accepted]), ['resolving', 'connecting', 'tls', 'signing_in', 'sending', 'done'], { dark: true }],
    ['test-refused', 'check-sign-in', smtp('check_sign_in', [refused]), ['resolving', 'connecting', 'tls', 'signing_in'], { small: true }],
    ['test-cancelled', 'send-test', smtp('send_test', [finding('smtp.cancelled', 'fail', 'smtp', 'Cancelled')]), ['resolving', 'connecting'], {}],
    ['test-blocked', 'check-sign-in', smtp('check_sign_in', [timeout]), ['resolving', 'connecting'], {}],
  ];
  for (const [name, button, report, reached, options] of states) {
    let current = null;
    const opened = await wizardAt('test', {
      smtp_check: async (args) => {
        await emitStages(current, args.onStage, reached);
        return report;
      },
      probe_ports: probe,
    });
    current = opened.p;
    await opened.p.getByTestId(button).click();
    await opened.p.locator(name === 'test-cancelled' ? '[data-testid="smtp-cancelled"]' : '[data-testid="smtp-summary"]').waitFor();
    await check(opened.p, name, options);
    if (name === 'test-blocked') {
      await opened.p.getByTestId('probe-run').click();
      await opened.p.getByTestId('use-port-2525').waitFor();
      await opened.p.getByTestId('probe').scrollIntoViewIfNeeded();
      await check(opened.p, 'test-probed');
    }
    if (name === 'test-refused') {
      await opened.p.getByTestId('offer-replace_key').click();
      await opened.p.getByTestId('new-key-example.com').waitFor();
      await check(opened.p, 'test-replace-key');
    }
    await opened.context.close();
  }
});

test('Done step: what ran, and Finish to the home screen', async () => {
  const { p, context } = await wizardAt('done', {
    audit_dns: dns('passed', [spfOk, dkimOk, dkim2Ok, rpOk, dmarcNone]),
    list_profiles: { profiles: [profile], summaries: [{ name: 'example.com', last_verified: null, worst: null, failing: [] }], findings: [] },
  });
  assert.match(await p.getByTestId('summary-sign-in').textContent(), /passed/, 'a delivered test message signed in');
  await check(p, 'done', { dark: true, small: true });
  await p.getByRole('button', { name: 'Finish' }).click();
  await p.getByRole('heading', { name: 'Sending domains', exact: true }).waitFor();
  await context.close();
});

const outcome = (code, severity) => ({ code, severity });
function homeProfile(name, provider, from, history = []) {
  return { ...profile, name, provider, domain: name, from, history };
}

test('home: the overview, verifying, 24 sending domains, and empty', async () => {
  const list = {
    profiles: [
      homeProfile('example.com', 'sendgrid', 'news@example.com', [{ at: daysAgo(1), outcomes: [outcome('spf.ok', 'pass'), outcome('dmarc.ok', 'pass')] }]),
      homeProfile('shop.example.org', 'postmark', 'orders@shop.example.org', [{ at: daysAgo(3), outcomes: [outcome('dkim.missing', 'fail')] }]),
      homeProfile('mail.example.net', 'custom', 'alerts@mail.example.net', [{ at: daysAgo(2), outcomes: [outcome('dmarc.policy_none', 'warn')] }]),
      homeProfile('new.example', 'sendgrid', 'hello@new.example'),
    ],
    summaries: [
      { name: 'example.com', last_verified: daysAgo(1), worst: 'pass', failing: [] },
      { name: 'shop.example.org', last_verified: daysAgo(3), worst: 'fail', failing: [{ area: 'dkim', label: 'DKIM', since: daysAgo(3) }] },
      { name: 'mail.example.net', last_verified: daysAgo(2), worst: 'warn', failing: [] },
      { name: 'new.example', last_verified: null, worst: null, failing: [] },
    ],
    findings: [],
  };
  const { p, context } = await page({
    startup: { info, providers, profiles: list },
    answer: core({ verify_profiles: never, remove_profile: { ok: true, findings: [] } }),
  });
  await check(p, 'home', { dark: true, small: true, wizard: false });
  assert.match(await p.locator('[data-profile="shop.example.org"]').textContent(), /Postmark · From orders@shop\.example\.org/);
  assert.equal(await p.locator('[aria-current="step"]').count(), 0, 'no wizard step is current on the home screen');
  await p.getByTestId('verify-all').click();
  await p.getByRole('button', { name: 'Verifying…' }).waitFor();
  await check(p, 'home-verifying', { wizard: false });
  await context.close();

  const many = Array.from({ length: 24 }, (_, i) => homeProfile(`site${String(i + 1).padStart(2, '0')}.example.com`, i % 3 === 0 ? 'postmark' : 'sendgrid', `mail@site${i + 1}.example.com`));
  const crowded = await page({
    startup: { info, providers, profiles: { profiles: many, summaries: many.map((m, i) => ({ name: m.name, last_verified: daysAgo(i % 5), worst: i % 7 === 0 ? 'fail' : 'pass', failing: i % 7 === 0 ? [{ area: 'spf', label: 'SPF', since: daysAgo(i % 5) }] : [] })), findings: [] } },
  });
  assert.equal(await crowded.p.locator('[data-profile]').count(), 24);
  const frameFixed = await crowded.p.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight);
  assert.ok(frameFixed, 'the list scrolls inside the frame; the window does not');
  await check(crowded.p, 'home-many', { small: true, wizard: false });
  await crowded.context.close();

  const single = { profiles: [list.profiles[0]], summaries: [list.summaries[0]], findings: [] };
  const last = await page({ startup: { info, providers: [sendgrid], profiles: single }, answer: core({ remove_profile: { ok: true, findings: [] } }) });
  last.p.on('dialog', (dialog) => void dialog.accept());
  await last.p.getByRole('button', { name: 'Remove example.com' }).click();
  await last.p.getByTestId('home-empty').waitFor();
  await check(last.p, 'home-empty', { wizard: false });
  await last.context.close();
});

/** Presses Tab (Shift+Tab with `back`) until the focused element matches `selector`. */
async function tabTo(p, selector, { back = false, most = 80 } = {}) {
  for (let i = 0; i < most; i += 1) {
    if (await p.evaluate((s) => document.activeElement?.matches(s) === true, selector)) return;
    await p.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  assert.fail(`${selector} cannot be reached with the keyboard`);
}

test('the whole wizard can be completed with the keyboard alone, ending on the home screen', async () => {
  const { p, calls, context } = await page({
    answer: core({ list_profiles: { profiles: [profile], summaries: [{ name: 'example.com', last_verified: null, worst: null, failing: [] }], findings: [] } }),
  });
  await tabTo(p, 'input[value="sendgrid"]');
  await p.keyboard.press('Space');
  await tabTo(p, 'nav.actions button.primary');
  await p.keyboard.press('Enter');
  await tabTo(p, '[data-testid="key-input"]', { back: true });
  await p.keyboard.type(KEY);
  await p.locator('[data-code="key.looks_valid"]').waitFor();
  await tabTo(p, 'nav.actions button.primary');
  await p.keyboard.press('Enter');
  await tabTo(p, 'input[name="domain"]', { back: true });
  await p.keyboard.type('example.com');
  await p.keyboard.press('Tab');
  await p.keyboard.type('news@example.com');
  await tabTo(p, 'form button[type="submit"]');
  await p.keyboard.press('Enter');
  await p.getByTestId('saved').waitFor();
  await tabTo(p, 'nav.actions button.primary');
  await p.keyboard.press('Enter');
  await p.getByTestId('dns-summary').waitFor();
  await tabTo(p, 'nav.actions button.primary');
  await p.keyboard.press('Enter');
  await tabTo(p, '[data-testid="send-test"]', { back: true });
  await p.keyboard.press('Enter');
  await p.getByTestId('smtp-summary').waitFor();
  await tabTo(p, 'nav.actions button.primary');
  await p.keyboard.press('Enter');
  await p.getByRole('heading', { name: 'Done' }).waitFor();
  await tabTo(p, 'nav.actions button.primary');
  assert.equal(await p.evaluate(() => document.activeElement.textContent.trim()), 'Finish');
  await p.keyboard.press('Enter');
  await p.getByRole('heading', { name: 'Sending domains', exact: true }).waitFor();
  assert.deepEqual(
    calls.map((c) => c.command).filter((c) => c !== 'check_key'),
    ['startup', 'preflight_key', 'preflight_key', 'save_profile', 'audit_dns', 'smtp_check', 'record_checks', 'list_profiles'],
    'every step ran its check once (the pre-flight for the key, then with the domain on saving); Finish recorded them and read the profiles again',
  );
  await context.close();
});
