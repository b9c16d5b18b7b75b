// The built frontend in a real headless Chromium (Debian's), with IPC answered by this test through
// Tauri's mock layer: layout at the window's default and minimum sizes, light and dark, and the flow
// through the first three steps. Screenshots go to target/ui-screenshots/ as artifacts.
//   npm --prefix ui run test:browser   (builds with --mode browser-test first)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { KEY, SHOTS, noHorizontalOverflow, page, startBrowser } from './harness.mjs';

startBrowser();

test('the provider step fits the default and the minimum window, light and dark', async () => {
  for (const [width, height, scheme] of [[960, 700, 'light'], [720, 540, 'light'], [960, 700, 'dark']]) {
    const { p, context } = await page({ width, height, colorScheme: scheme });
    await p.getByRole('radio', { name: /SendGrid/ }).check();
    await p.getByText('smtp.sendgrid.net').waitFor();
    assert.ok(await noHorizontalOverflow(p), `no horizontal scrolling at ${width}×${height}`);
    const bg = await p.evaluate(() => getComputedStyle(document.body).backgroundColor);
    if (scheme === 'dark') assert.notEqual(bg, 'rgb(246, 247, 251)', 'dark scheme changes the background');
    await p.screenshot({ path: join(SHOTS, `provider-${width}x${height}-${scheme}.png`) });
    await context.close();
  }
});

test('provider → key → keychain: findings render, Next waits for the core, the key is sent once', async () => {
  const answer = (command, args) => {
    if (command === 'check_key') {
      const ok = args.request.key.trim().length === 69;
      return {
        value: {
          provider: 'sendgrid',
          ok,
          masked: ok ? 'SG.ab…1234' : null,
          findings: ok
            ? [{ code: 'key.looks_valid', severity: 'pass', area: 'key', title: 'The API key looks right', detail: '', fix: [], offers: [] }]
            : [{ code: 'sendgrid.key_length', severity: 'fail', area: 'key', title: 'The key is 68 characters; SendGrid keys are 69', detail: '', fix: ['Copy the whole key again.'], offers: [] }],
        },
      };
    }
    if (command === 'preflight_key') {
      return { value: { provider: 'sendgrid', ok: true, reach: 'checked', key_refused: false, settles: [], findings: [] } };
    }
    if (command === 'save_profile') {
      return {
        value: {
          ok: true, masked_key: 'SG.ab…1234', findings: [],
          profile: { name: 'example.com', provider: 'sendgrid', domain: 'example.com', from: 'news@example.com', created: '', updated: '', history: [] },
        },
      };
    }
    return undefined;
  };
  const { p, calls, context } = await page({ answer });
  const next = p.getByRole('button', { name: 'Next' });
  assert.equal(await next.isDisabled(), true);
  await p.getByRole('radio', { name: /SendGrid/ }).check();
  await next.click();

  await p.getByTestId('key-input').fill(KEY.slice(0, 68));
  await p.locator('[data-code="sendgrid.key_length"]').waitFor();
  assert.equal(await next.isDisabled(), true, 'a failing key blocks Next');
  await p.screenshot({ path: join(SHOTS, 'key-failing.png') });
  await p.getByTestId('key-input').fill(KEY);
  await p.locator('[data-code="key.looks_valid"]').waitFor();
  await next.click();

  await p.getByLabel('Sending domain').fill('example.com');
  await p.getByLabel('From address').fill('news@example.com');
  await p.getByRole('button', { name: 'Save' }).click();
  await p.getByTestId('saved').waitFor();
  await p.screenshot({ path: join(SHOTS, 'keychain-saved.png') });
  const saves = calls.filter((c) => c.command === 'save_profile');
  assert.equal(saves.length, 1);
  assert.equal(saves[0].args.request.key, KEY);
  const html = await p.content();
  assert.ok(!html.includes(KEY.slice(3, 40)), 'the key is not in the page after saving');
  assert.ok(await noHorizontalOverflow(p));
  await context.close();
});

test('everything is reachable with the keyboard and focus is visible', async () => {
  const { p, context } = await page();
  await p.keyboard.press('Tab');
  const outline = await p.evaluate(() => {
    const el = document.activeElement;
    return el ? getComputedStyle(el).outlineStyle : 'none';
  });
  assert.notEqual(outline, 'none', 'the focused control shows an outline');
  // Arrow keys move through the provider radio group; Space selects.
  await p.getByRole('radio', { name: /SendGrid/ }).focus();
  await p.keyboard.press('Space');
  assert.equal(await p.getByRole('radio', { name: /SendGrid/ }).isChecked(), true);
  await context.close();
});
