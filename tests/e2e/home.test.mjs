// End to end: after a restart the app opens on its saved sending domains, and "Re-verify" runs the
// DNS audit and the sign-in again for the saved profile (key from the real Secret Service, Knot, the
// aiosmtpd SendGrid persona) and records it in the profile's history.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, servers } from './harness.mjs';
import { saveProfile } from './flows.mjs';

test('after a restart the home screen lists the profile and re-verifies it', async () => {
  const srv = await servers({ verified: ['ops@good-sg.test'] });
  const app = await launch({ keyring: true, env: srv.env }).catch(async (e) => {
    await srv.close();
    throw e;
  });
  try {
    await saveProfile(app, { key: srv.sendgrid_key, domain: 'good-sg.test', from: 'ops@good-sg.test', smtpPort: srv.smtp_port });
    await app.restart();

    const heading = await app.until(async () => app.text('h1'), 'the home heading');
    assert.equal(heading, 'Sending domains');
    assert.match(await app.text('[data-profile="good-sg.test"]'), /Never verified/);

    await app.click('[data-profile="good-sg.test"] button[aria-label="Re-verify good-sg.test"]');
    const status = await app.until(async () => {
      const t = await app.text('[data-profile="good-sg.test"] .status');
      return t.startsWith('Verified') ? t : null;
    }, 'the re-verification result', 60_000);
    assert.match(status, /^Verified (with warnings )?just now$/, 'no check failed');

    // A second run compares with the first one recorded in the profile's history.
    await app.click('[data-profile="good-sg.test"] button[aria-label="Re-verify good-sg.test"]');
    const result = await app.until(async () => {
      const t = await app.text('[data-testid="result-good-sg.test"]');
      return t.includes('No change since') ? t : null;
    }, 'the comparison with the previous run', 60_000);
    assert.match(result, /No change since/);
    const page = await app.execute('return document.documentElement.outerHTML;');
    assert.ok(!page.includes(srv.sendgrid_key.slice(3, 40)), 'the key is not in the page');
  } finally {
    await app.close();
    await srv.close();
  }
});
