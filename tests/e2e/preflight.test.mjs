// End to end: the Key step's pre-flight in the real window, against the providers' APIs played by the
// loopback HTTPS emulator (tests/support/provider_api_server.py, started by examples/e2e_servers with a
// throwaway CA the app trusts through INFLOWAVE_EXTRA_CA_FILE; INFLOWAVE_API_URL_* point the app at it),
// and — for SendGrid — the DNS step checking the records SendGrid's API listed against Knot, with
// nothing pasted. The key is looked for in every output, log and file the test can see.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, providerKey, servers } from './harness.mjs';
import { next, saveProfile } from './flows.mjs';

/** Fails when `key` (or a long piece of it) is in the app's and driver's output or in any file the app wrote. */
function assertKeyNowhere(app, key, where) {
  const piece = key.slice(4, 30);
  assert.ok(app.logs().length > 0, 'the app and driver output was captured');
  assert.ok(!app.logs().includes(piece), `${where}: the key is in no log`);
  for (const { path, text } of app.writtenFiles()) assert.ok(!text.includes(piece), `${where}: ${path} holds the key`);
}

test('a Postmark Account token: the Key step says so, lists the servers and where the Server token is', async () => {
  const token = providerKey('PM_ACCOUNT');
  const srv = await servers();
  const app = await launch({ env: srv.env }).catch(async (e) => {
    await srv.close();
    throw e;
  });
  try {
    await app.until(async () => app.text('h1'), 'the first heading');
    await app.click('input[value="postmark"]');
    await next(app, 'Key');
    await app.type('[data-testid="key-input"]', token);

    const account = await app.until(async () => app.text('[data-code="postmark.account_token"]'), "Postmark's answer", 30_000);
    assert.match(account, /This is an Account API token, not a Server API token/);
    assert.match(account, /“Production” \(Live\)/, 'the servers the token sees');
    assert.match(account, /“Staging” \(Sandbox\)/);
    assert.match(account, /API Tokens, and copy its Server API Token/, 'where the Server token is');
    assert.match(await app.text('[data-testid="preflight-verdict"]'), /Postmark says this key cannot send mail/);
    // Postmark's answer settles the format check's "make sure this is a Server token".
    const codes = await app.execute('return [...document.querySelectorAll("[data-code]")].map((e) => e.dataset.code);');
    assert.ok(!codes.includes('postmark.token_kind'), `no "make sure" beside Postmark's answer: ${codes}`);
    assert.ok(!codes.includes('key.looks_valid'), `no "looks right" beside Postmark's refusal: ${codes}`);
    assert.equal(await app.attribute('nav.actions button.primary', 'disabled'), 'true', 'a refused key does not go on');

    await app.click('[data-testid="paste-another"]');
    assert.equal(await app.execute('return document.querySelector("[data-testid=key-input]").value;'), '', 'the field is emptied');
    const text = await app.execute('return document.body.innerText;');
    assert.ok(!text.includes(token.slice(4, 30)), 'the token is not in the window text');
    assertKeyNowhere(app, token, 'Postmark');
  } finally {
    await app.close();
    await srv.close();
  }
});

test("SendGrid: the records come from SendGrid's API and the DNS step checks them against Knot, nothing pasted", async () => {
  const srv = await servers({ verified: ['ops@good-sg.test'] });
  const key = srv.sendgrid_key;
  assert.equal(key, providerKey('SG_FULL'), 'the SMTP server and the API emulator know the same key');
  const app = await launch({ keyring: true, env: srv.env }).catch(async (e) => {
    await srv.close();
    throw e;
  });
  try {
    let keyStep = null;
    await saveProfile(app, { key, domain: 'good-sg.test', from: 'ops@good-sg.test', smtpPort: srv.smtp_port }, async (step) => {
      if (step === '2-key') keyStep = await app.text('[data-testid="preflight-findings"]');
    });
    assert.match(keyStep, /SendGrid accepts the key, and it may send mail/, "the Key step showed SendGrid's answer");

    // On saving, SendGrid's API was asked again with the domain (Next waited for it); now on the DNS step.
    const dns = await app.until(async () => app.text('[data-testid="dns-summary"]'), 'the DNS result', 30_000);
    assert.match(dns, /DNS of good-sg\.test is ready/);
    assert.equal(await app.text('[data-testid="records-from"]'), "Records from SendGrid's API — nothing to paste.");
    assert.equal(await app.execute('return document.querySelector("textarea[name=pasted]").value;'), '', 'nothing was pasted');
    // The return-path host came from SendGrid's records (it is not guessable): checked, not "unknown".
    const codes = await app.execute('return [...document.querySelectorAll("[data-code]")].map((e) => e.dataset.code + " " + e.textContent);');
    assert.ok(!codes.some((c) => c.startsWith('dns.return_path_unknown')), `the return path was known: ${codes.join(' | ')}`);
    assert.ok(codes.some((c) => c.startsWith('dns.record_ok') && c.includes('em1234.good-sg.test')), `em1234 was checked: ${codes.join(' | ')}`);
    assert.ok(!codes.some((c) => c.startsWith('api.provider_dns_disagree')), 'SendGrid and Knot agree');

    const page = await app.execute('return document.documentElement.outerHTML + [...document.querySelectorAll("input, textarea")].map((i) => i.value).join("|");');
    assert.ok(!page.includes(key.slice(4, 30)), 'the page no longer holds the key');
    assertKeyNowhere(app, key, 'SendGrid');
  } finally {
    await app.close();
    await srv.close();
  }
});
