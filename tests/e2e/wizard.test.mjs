// End to end: the real built app in a real WebKit window under Xvfb, driven through WebDriver.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './harness.mjs';

test('the window opens on the provider step and Next leads to the key step', async () => {
  const app = await launch();
  try {
    assert.equal(await app.title(), 'Inflowave Setup');
    const heading = await app.until(async () => app.text('h1'), 'the first heading');
    assert.equal(heading, 'Choose your email provider');
    assert.match(await app.text('[aria-current="step"]'), /Provider/);

    // Next stays disabled until a provider is chosen.
    assert.equal(await app.attribute('nav.actions button.primary', 'disabled'), 'true');
    await app.click('input[value="sendgrid"]');
    // The settings come from the Rust catalogue through the typed IPC call.
    assert.match(await app.text('.settings'), /smtp\.sendgrid\.net/);
    await app.click('nav.actions button.primary');

    const next = await app.until(async () => {
      const h = await app.text('h1');
      return h.includes('API key') ? h : null;
    }, 'the key step');
    assert.equal(next, 'Paste your SendGrid API key');
    assert.match(await app.text('[aria-current="step"]'), /Key/);
  } finally {
    await app.close();
  }
});

test('a pasted key is checked by the Rust core and its findings are shown', async () => {
  const app = await launch();
  try {
    await app.click('input[value="sendgrid"]');
    await app.click('nav.actions button.primary');
    await app.type('[data-testid="key-input"]', 'SG.too-short');
    const finding = await app.until(async () => app.text('[data-code="sendgrid.key_length"]'), 'the length finding');
    assert.match(finding, /12 characters; SendGrid keys are 69/);
  } finally {
    await app.close();
  }
});
