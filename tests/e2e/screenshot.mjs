// Saves a screenshot of the real window (under Xvfb, through WebDriver) for the README.
//   APP=… TAURI_DRIVER=… node tests/e2e/screenshot.mjs docs/screenshot.png
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { launch } from './harness.mjs';

const out = process.argv[2] ?? 'docs/screenshot.png';
const app = await launch();
try {
  await app.until(async () => app.text('h1'), 'the first heading');
  await app.click('input[value="sendgrid"]');
  await app.until(async () => app.text('.settings'), 'the settings panel');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, await app.screenshot());
  console.log(`wrote ${out}`);
} finally {
  await app.close();
}
