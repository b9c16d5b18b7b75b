// Browser-test builds only (`vite build --mode browser-test`): answers IPC calls through Tauri's own
// mock layer, forwarding each command to a function the Playwright test exposes on the page. The real
// `invoke` path in ./index.ts is still the one exercised.
import { mockIPC } from '@tauri-apps/api/mocks';

declare global {
  interface Window {
    __inflowaveMock?: (command: string, args: unknown) => Promise<unknown>;
  }
}

mockIPC(async (command, args) => {
  // Tauri rejects with the command's serialized error ({code, message}), not an Error: so does this.
  // eslint-disable-next-line @typescript-eslint/only-throw-error
  if (!window.__inflowaveMock) throw { code: 'ipc.failed', message: 'no mock bridge on this page' };
  const reply = (await window.__inflowaveMock(command, args)) as { error?: unknown; value?: unknown };
  // eslint-disable-next-line @typescript-eslint/only-throw-error
  if (reply.error) throw reply.error;
  return reply.value;
});
