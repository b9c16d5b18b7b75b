// End to end: saving a profile from the real window stores the key in a real Secret Service
// (gnome-keyring on the test's private bus), and the page keeps only the masked key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './harness.mjs';
import { next } from './flows.mjs';

const KEY = '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';

test('the Keychain step saves the key to the Secret Service and shows it masked only', async () => {
  const app = await launch({ keyring: true });
  try {
    await app.click('input[value="sendgrid"]');
    await app.click('nav.actions button.primary');
    await app.type('[data-testid="key-input"]', KEY);
    await app.until(async () => app.text('[data-code="key.looks_valid"]'), 'the key to pass its checks');
    // (The pre-flight gets "connection refused" from the harness's loopback port: could not check.)
    await next(app, 'Keychain');

    await app.type('input[name="domain"]', 'example.com');
    await app.type('input[name="from"]', 'news@example.com');
    await app.click('form button[type="submit"]');
    const done = await app.until(async () => app.text('[data-testid="saved"]'), 'the saved confirmation');
    assert.match(done, /SG\.Aa…Vv1W/);

    assert.equal(app.lookupSecret('example.com'), KEY, 'the key is in the Secret Service under the profile name');
    const page = await app.execute(
      'return document.documentElement.outerHTML + [...document.querySelectorAll("input")].map((i) => i.value).join("|");',
    );
    assert.ok(!page.includes(KEY.slice(3, 40)), 'the page no longer holds the key');
    for (const { path, text } of app.writtenFiles()) {
      assert.ok(!text.includes(KEY.slice(3, 40)), `${path} holds the key`);
    }
    assert.ok(app.writtenFiles().some(({ path }) => path.endsWith('profiles.json')), 'the profile was written');
    assert.ok(app.logs().length > 0, 'the app and driver output was captured');
    assert.ok(!app.logs().includes(KEY.slice(3, 40)), 'the key is in no log');
  } finally {
    await app.close();
  }
});
