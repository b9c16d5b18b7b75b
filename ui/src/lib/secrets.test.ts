// The wizard's state after the profile is saved: the key must be nowhere in it — not in the wizard,
// the pre-flight's asks and reports, the checks, the errors. Every property and getter is walked, so a
// field added later that keeps a copy of the key is caught too.
import { describe, expect, it, vi } from 'vitest';
import { Wizard } from './wizard.svelte';
import type { Ipc, PreflightReport } from './ipc';

const key = 'SG.abcdefghijklmnopqrstuv.ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij-_01234';

/** Every string reachable from `root` through own properties and getters (the fake core excluded:
 *  it remembers its calls). */
function strings(root: unknown, skip: Set<unknown>): string[] {
  const seen = new Set<unknown>(skip);
  const found: string[] = [];
  const visit = (value: unknown, depth: number): void => {
    if (typeof value === 'string') {
      found.push(value);
      return;
    }
    if (value === null || typeof value !== 'object' || seen.has(value) || depth > 12) return;
    seen.add(value);
    const names = new Set<string>();
    for (let o: object | null = value; o !== null && o !== Object.prototype && o !== Array.prototype; o = Object.getPrototypeOf(o) as object | null) {
      for (const name of Object.getOwnPropertyNames(o)) if (name !== 'constructor') names.add(name);
    }
    for (const name of names) {
      let inner: unknown;
      try {
        inner = (value as Record<string, unknown>)[name];
      } catch {
        continue;
      }
      if (typeof inner !== 'function') visit(inner, depth + 1);
    }
  };
  visit(root, 0);
  return found;
}

describe('the key after saving', () => {
  it('is nowhere in the wizard state, its pre-flight asks or reports', async () => {
    const accepted: PreflightReport = { provider: 'sendgrid', ok: true, reach: 'checked', key_refused: false, settles: [], findings: [] };
    const ipc = {
      checkKey: vi.fn(),
      preflightKey: vi.fn((request: { domain: string | null }) =>
        Promise.resolve(request.domain === null ? accepted : { ...accepted, records: { provider: 'sendgrid', domain: 'example.com', records: [] } }),
      ),
      cancelOperation: vi.fn().mockResolvedValue(true),
    } as unknown as Ipc;
    const wizard = new Wizard(ipc);
    wizard.providerId = 'sendgrid';
    wizard.key = key;
    wizard.keyEdits += 1;
    await wizard.preflight.key.run({ provider: 'sendgrid', key: wizard.key, username: null }, wizard.keyEdits);
    await wizard.preflight.domain.run({ provider: 'sendgrid', key: wizard.key, username: null, domain: 'example.com' });
    // The walk finds the key while it is still wanted (the walk itself works).
    expect(strings(wizard, new Set([ipc]))).toContain(key);

    wizard.recordSave({
      ok: true,
      masked_key: 'SG.ab…1234',
      profile: { name: 'example.com', provider: 'sendgrid', domain: 'example.com', from: 'news@example.com', created: '', updated: '', history: [] },
      findings: [],
    });
    const left = strings(wizard, new Set([ipc]));
    expect(left.length).toBeGreaterThan(10);
    expect(left.filter((s) => s.includes(key.slice(3, 25)))).toEqual([]);
  });
});
