// End to end on the real app against real servers: a real Secret Service (gnome-keyring), a real DNS
// server (Knot serving tests/fixtures/dns), a real SMTP server (aiosmtpd as SendGrid, STARTTLS with a
// test CA that the app trusts through INFLOWAVE_EXTRA_CA_FILE). The key goes from the Key step to the
// keychain, and the DNS and SMTP checks run for the saved profile: the backend reads the key back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, refusedApis, servers } from './harness.mjs';
import { next, saveProfile } from './flows.mjs';

const WRONG_KEY = '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';

test('SendGrid happy path: provider to a delivered test message', async () => {
  const srv = await servers({ verified: ['ops@good-sg.test'] });
  const app = await launch({ keyring: true, env: srv.env }).catch(async (e) => {
    await srv.close();
    throw e;
  });
  try {
    await saveProfile(app, { key: srv.sendgrid_key, domain: 'good-sg.test', from: 'ops@good-sg.test', smtpPort: srv.smtp_port });

    // DNS: the audit runs on entering the step, against Knot.
    const dns = await app.until(async () => app.text('[data-testid="dns-summary"]'), 'the DNS result', 30_000);
    assert.match(dns, /DNS of good-sg\.test is ready/);
    assert.ok(await app.find('[data-code="dmarc.ok"]'), 'the DMARC record was found');
    // Each record has its row, and the core's progress came through the Tauri Channel while the
    // audit ran: the plan, then one result per record.
    const rows = await app.execute(
      'return Array.from(document.querySelectorAll("[data-record]")).map((r) => `${r.dataset.record} ${r.dataset.state}`);',
    );
    for (const row of ['spf pass', 'dkim:s1 pass', 'dkim:s2 pass', 'dkim:m1 unused', 'dmarc pass']) {
      assert.ok(rows.includes(row), `${row} in ${rows}`);
    }
    const events = await app.execute('return document.querySelector("[data-testid=dns-results]").dataset.events;');
    assert.equal(Number(events), rows.length + 1, 'one progress event per record, and the plan');
    await next(app, 'Test message');

    // Test message: To defaults to the From address; the message goes through the real server.
    assert.equal(await app.execute('return document.querySelector("input[name=to]").value;'), 'ops@good-sg.test');
    await app.click('[data-testid="send-test"]');
    const result = await app.until(async () => app.text('[data-testid="smtp-summary"]'), 'the test message result', 60_000);
    assert.match(result, /accepted for ops@good-sg\.test/);
    assert.ok(await app.find('[data-code="smtp.message_accepted"]'));
    // The stages streamed through the Tauri Channel while it ran (none would leave every stage "waiting").
    assert.ok(await app.find('[data-stage="tls"].done'), 'the TLS stage was reported');

    const delivered = await app.until(async () => srv.delivered()[0], 'the message in the maildir');
    assert.match(delivered, /^From: .*ops@good-sg\.test/m, 'From is the profile address');
    assert.match(delivered, /^To: .*ops@good-sg\.test/m, 'To defaults to the From address');
    assert.match(delivered, /^Subject: .*Inflowave/m, 'the test message subject');

    await next(app, 'Done');
    assert.match(await app.text('[data-testid="summary-test"]'), /passed/);
    const summary = await app.text('[data-testid="summary"]');
    assert.match(summary, /SG\.Zx…rE2w/, 'the key shown masked');
    assert.ok(!summary.includes(srv.sendgrid_key.slice(3, 40)));
  } finally {
    await app.close();
    await srv.close();
  }
});

test('a broken zone shows the record to add, and a wrong key ends in the 535 diagnosis', async () => {
  const srv = await servers({ verified: ['ops@nodmarc.test'] });
  // SendGrid's API cannot be reached here, so the pre-flight "could not check" (a warning that lets
  // the wizard go on) and the wrong key is found by the sign-in, as without a network to the API.
  const app = await launch({ keyring: true, env: { ...srv.env, ...(await refusedApis()) } }).catch(async (e) => {
    await srv.close();
    throw e;
  });
  try {
    let reach = null;
    await saveProfile(app, { key: WRONG_KEY, domain: 'nodmarc.test', from: 'ops@nodmarc.test', smtpPort: srv.smtp_port }, async (step) => {
      if (step === '2-key') reach = await app.attribute('[data-testid="preflight-findings"]', 'data-reach');
    });
    assert.equal(reach, 'could_not_check', 'the unreachable API is "could not check", and Next went on');

    // nodmarc.test has no DMARC record: the finding carries the exact TXT record to add.
    const dns = await app.until(async () => app.text('[data-testid="dns-summary"]'), 'the DNS result', 30_000);
    assert.match(dns, /not ready/);
    assert.equal(await app.text('[data-code="dmarc.missing"] [data-testid="record-type"]'), 'TXT');
    assert.equal(await app.text('[data-code="dmarc.missing"] [data-testid="record-host"]'), '_dmarc.nodmarc.test');
    assert.match(await app.text('[data-code="dmarc.missing"] [data-testid="record-value"]'), /^v=DMARC1; p=/);
    await next(app, 'Test message');

    await app.click('[data-testid="check-sign-in"]');
    const result = await app.until(async () => app.text('[data-testid="smtp-summary"]'), 'the sign-in result', 60_000);
    assert.match(result, /Sign-in failed/);
    const diagnosis = await app.text('[data-code="smtp.auth_failed_sendgrid"]');
    assert.match(diagnosis, /apikey/, 'the fix names the apikey username rule');
    const page = await app.execute('return document.documentElement.outerHTML;');
    assert.ok(!page.includes(WRONG_KEY.slice(3, 40)), 'the key never came back to the page (transcript redacted)');
  } finally {
    await app.close();
    await srv.close();
  }
});
