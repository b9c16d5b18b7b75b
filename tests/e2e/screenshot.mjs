// Saves a screenshot of each wizard step from a real run of the real window (Xvfb, WebDriver, the real
// Secret Service, Knot DNS and the aiosmtpd SendGrid persona) for the README:
//   APP=… TAURI_DRIVER=… node tests/e2e/screenshot.mjs [docs/screenshots]
// The domain is nodmarc.test (no DMARC record), so the DNS step shows a record to add.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { launch, servers } from './harness.mjs';
import { next, saveProfile } from './flows.mjs';

const outDir = process.argv[2] ?? 'docs/screenshots';
mkdirSync(outDir, { recursive: true });
const srv = await servers({ verified: ['ops@nodmarc.test'] });
let app;
try {
  app = await launch({ keyring: true, env: srv.env });
  // WebKitWebDriver's screenshot waits for a repaint, which a page that has stopped changing (no
  // caret blinking, nothing animating) never makes: keep one invisible pixel moving for a few frames.
  const repaint =
    "const el = document.createElement('div');" +
    "el.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;opacity:0.01;pointer-events:none';" +
    'document.body.append(el); let n = 0;' +
    "(function f() { el.style.transform = 'translateX(' + (n++ % 2) + 'px)'; if (n < 240) requestAnimationFrame(f); else el.remove(); })();";
  const shot = async (name) => {
    let png;
    for (let attempt = 1; !png; attempt += 1) {
      await app.execute(repaint);
      try {
        png = await app.screenshot({ timeoutMs: 8_000 });
      } catch (error) {
        if (attempt >= 4) throw error;
      }
    }
    const file = join(outDir, `${name}.png`);
    writeFileSync(file, png);
    console.log(`wrote ${file}`);
  };
  await saveProfile(app, { key: srv.sendgrid_key, domain: 'nodmarc.test', from: 'ops@nodmarc.test', smtpPort: srv.smtp_port }, shot);
  await app.until(async () => app.text('[data-testid="dns-summary"]'), 'the DNS result', 30_000);
  // Scroll the record to add into view.
  await app.execute(
    'const c = document.querySelector(".content"); const el = document.querySelector(\'[data-code="dmarc.missing"]\');' +
      'if (c && el) c.scrollTop += el.getBoundingClientRect().top - c.getBoundingClientRect().top - 120;',
  );
  await shot('4-dns');
  await next(app, 'Test message');
  await app.click('[data-testid="send-test"]');
  await app.until(async () => app.text('[data-testid="smtp-summary"]'), 'the test message result', 60_000);
  await shot('5-test');
  await next(app, 'Done');
  await shot('6-done');
  // Finish: the home screen lists the new sending domain, the wizard's own checks counted.
  await app.click('nav.actions button.primary');
  await app.until(async () => ((await app.text('h1')) === 'Sending domains' ? true : null), 'the home screen');
  await app.until(async () => ((await app.text('[data-profile="nodmarc.test"] .status')).includes('Never') ? null : true), 'the recorded checks');
  await shot('7-home');
  // The README's lead picture: the provider step.
  const lead = join(dirname(outDir), 'screenshot.png');
  copyFileSync(join(outDir, '1-provider.png'), lead);
  console.log(`wrote ${lead}`);
} finally {
  await app?.close();
  await srv.close();
}
