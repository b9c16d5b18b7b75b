// The wizard walked through in the real window, step by step; shared by the end-to-end tests and the
// screenshot script. `shot(name)` is called on each step once it shows its result.

/** Provider → Key → Keychain (with the test server as the SMTP endpoint); ends on the DNS step. */
export async function saveProfile(app, { key, domain, from, smtpPort }, shot = async () => {}) {
  await app.until(async () => app.text('h1'), 'the first heading');
  await app.click('input[value="sendgrid"]');
  await app.until(async () => app.text('.settings'), 'the settings panel');
  await shot('1-provider');
  await app.click('nav.actions button.primary');
  await app.type('[data-testid="key-input"]', key);
  await app.until(async () => app.text('[data-code="key.looks_valid"]'), 'the key to pass its checks');
  // The pre-flight asks the provider's API (the emulator, or a refused port): Next waits for it.
  await app.until(async () => app.text('[data-testid="preflight-findings"]'), "the provider's answer (or why it could not be asked)", 30_000);
  await shot('2-key');
  await next(app, 'Keychain');

  await app.type('input[name="domain"]', domain);
  await app.type('input[name="from"]', from);
  await app.click('form details summary');
  await app.type('input[name="host"]', 'localhost');
  await app.type('input[name="port"]', String(smtpPort));
  // (The filled-in form: WebKitWebDriver's screenshot of the confirmation that replaces it hangs.)
  await shot('3-keychain');
  await app.click('form button[type="submit"]');
  await app.until(async () => app.text('[data-testid="saved"]'), 'the saved confirmation');
  await next(app, 'DNS');
}

/** Clicks Next once it is enabled and waits for the step `title` on the rail. */
export async function next(app, title) {
  await app.until(async () => (await app.attribute('nav.actions button.primary', 'disabled')) === null, 'Next to be enabled', 30_000);
  await app.click('nav.actions button.primary');
  await app.until(async () => (await app.text('[aria-current="step"]')).includes(title), `the ${title} step`);
}
