// The UI bundle the window embeds stays small (issue budget: under 60 KB gzipped, scripts and styles).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const DIST = resolve(import.meta.dirname, '../dist');
const BUDGET = 60 * 1024;

test('the production bundle is under 60 KB gzipped and holds no test mock', () => {
  const assets = join(DIST, 'assets');
  assert.ok(existsSync(assets), 'build the UI first (npm run build)');
  let total = 0;
  for (const name of readdirSync(assets)) {
    const bytes = readFileSync(join(assets, name));
    total += gzipSync(bytes, { level: 9 }).length;
    assert.ok(!bytes.toString('utf8').includes('__inflowaveMock'), `${name} contains the browser-test IPC mock`);
  }
  total += gzipSync(readFileSync(join(DIST, 'index.html'))).length;
  console.log(`UI bundle: ${(total / 1024).toFixed(1)} KB gzipped`);
  assert.ok(total < BUDGET, `${total} bytes gzipped exceeds the ${BUDGET}-byte budget`);
});
