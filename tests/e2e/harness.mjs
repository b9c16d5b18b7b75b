// Starts the real app under WebDriver for end-to-end tests: a private Xvfb display, a private D-Bus
// session, tauri-driver (which runs WebKitWebDriver, which runs the app). Each process is started in
// its own process group and stopped by PID when the session ends, whatever happened.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const DEADLINE_MS = 30_000;

/** Every provider API base URL the app reads (INFLOWAVE_API_URL_*), with the emulator's path prefix. */
const PROVIDER_APIS = [
  ['INFLOWAVE_API_URL_SENDGRID', 'sendgrid'],
  ['INFLOWAVE_API_URL_SENDGRID_EU', 'sendgrid-eu'],
  ['INFLOWAVE_API_URL_POSTMARK', 'postmark'],
  ['INFLOWAVE_API_URL_MAILGUN', 'mailgun'],
  ['INFLOWAVE_API_URL_MAILGUN_EU', 'mailgun-eu'],
  ['INFLOWAVE_API_URL_RESEND', 'resend'],
  ['INFLOWAVE_API_URL_BREVO', 'brevo'],
];

/** The providers' APIs at a loopback port nobody listens on: the pre-flight gets "connection refused"
 *  at once ("could not check"), and nothing ever leaves the machine. */
export async function refusedApis() {
  const port = await freePort();
  return Object.fromEntries(PROVIDER_APIS.map(([name, prefix]) => [name, `https://127.0.0.1:${port}/${prefix}`]));
}

/** A key the provider API emulator knows, by its name in tests/support/provider_api_server.py
 *  (`PM_ACCOUNT`): one list of keys for the emulator and the tests. */
export function providerKey(name) {
  const script = new URL('../support/provider_api_server.py', import.meta.url);
  const line = readFileSync(script, 'utf8').split('\n').find((l) => l.startsWith(`${name} = "`));
  if (!line) throw new Error(`no key ${name} in provider_api_server.py`);
  return line.slice(name.length + 4, -1);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Spawns `cmd` in its own process group; the returned handle kills the whole group. */
function start(cmd, args, options = {}) {
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  child.on('error', (e) => (output += `\nspawn failed: ${e.message}`));
  return {
    child,
    output: () => output,
    stop() {
      if (child.exitCode === null && child.signalCode === null && child.pid) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
      }
    },
    kill() {
      if (child.pid) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    },
  };
}

/** Xvfb on the first free display; resolves to ":N". */
async function startXvfb(procs) {
  const xvfb = start('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x900x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  procs.push(xvfb);
  const display = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Xvfb did not start:\n${xvfb.output()}`)), DEADLINE_MS);
    let text = '';
    xvfb.child.stdio[3].on('data', (d) => {
      text += d;
      if (text.includes('\n')) {
        clearTimeout(timer);
        resolve(`:${text.trim()}`);
      }
    });
    xvfb.child.on('exit', () => reject(new Error(`Xvfb exited:\n${xvfb.output()}`)));
  });
  return display;
}

/** A private session bus; resolves to its address. */
async function startDbus(procs) {
  const dbus = start('dbus-daemon', ['--session', '--nofork', '--print-address=1']);
  procs.push(dbus);
  const deadline = Date.now() + DEADLINE_MS;
  while (Date.now() < deadline) {
    const line = dbus.output().split('\n')[0];
    if (line.startsWith('unix:')) return line.trim();
    if (dbus.child.exitCode !== null) break;
    await sleep(50);
  }
  throw new Error(`dbus-daemon did not start:\n${dbus.output()}`);
}

async function request(base, method, path, body, timeoutMs = DEADLINE_MS) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const json = await response.json();
  if (!response.ok || json.value?.error) {
    throw new Error(`WebDriver ${method} ${path} failed: ${JSON.stringify(json.value)}`);
  }
  return json.value;
}

// The pieces the window benchmark (benches/window.mjs) starts its runs with, too.
export { freePort, request, start, startDbus, startXvfb };

/** gnome-keyring on the private bus, unlocked with a throwaway password; resolves when it is on the bus. */
async function startKeyring(procs, env) {
  const keyring = start('gnome-keyring-daemon', ['--foreground', '--components=secrets', '--unlock'], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  keyring.child.stdin.end('inflowave-e2e-keyring');
  procs.push(keyring);
  const deadline = Date.now() + DEADLINE_MS;
  while (Date.now() < deadline) {
    const probe = spawnSync(
      'dbus-send',
      ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', 'string:org.freedesktop.secrets'],
      { env, encoding: 'utf8', timeout: 5000 },
    );
    if (probe.stdout?.includes('boolean true')) return;
    if (keyring.child.exitCode !== null) break;
    await sleep(100);
  }
  throw new Error(`gnome-keyring-daemon did not start:\n${keyring.output()}`);
}

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

/**
 * Launches the app and returns a small WebDriver client. Always call `close()` (in `finally`).
 * Env: APP (absolute path of the built binary), TAURI_DRIVER (path of tauri-driver).
 */
export async function launch({ env = {}, keyring = false } = {}) {
  const app = process.env.APP;
  const driver = process.env.TAURI_DRIVER ?? 'tauri-driver';
  if (!app) throw new Error('Set APP to the absolute path of the built inflowave-setup binary.');
  const procs = [];
  const scratch = mkdtempSync(join(tmpdir(), 'inflowave-e2e-'));
  let base;
  let session;
  let keyringEnv;
  const close = async () => {
    if (session) {
      await request(base, 'DELETE', `/session/${session}`).catch(() => {});
      session = undefined;
    }
    for (const p of procs.reverse()) p.stop();
    await sleep(300);
    for (const p of procs) p.kill();
    rmSync(scratch, { recursive: true, force: true });
  };
  try {
    const display = await startXvfb(procs);
    const bus = await startDbus(procs);
    const [port, nativePort] = [await freePort(), await freePort()];
    const childEnv = {
      ...process.env,
      DISPLAY: display,
      DBUS_SESSION_BUS_ADDRESS: bus,
      NO_AT_BRIDGE: '1',
      WEBKIT_DISABLE_COMPOSITING_MODE: '1',
      XDG_CONFIG_HOME: join(scratch, 'config'),
      XDG_DATA_HOME: join(scratch, 'data'),
      XDG_CACHE_HOME: join(scratch, 'cache'),
      XDG_RUNTIME_DIR: join(scratch, 'run'),
      INFLOWAVE_SETUP_CONFIG_DIR: join(scratch, 'config'),
      // The Key step asks the provider's API: never a real provider from a test (servers() points
      // these at its emulator).
      ...(await refusedApis()),
      ...env,
    };
    mkdirSync(childEnv.XDG_RUNTIME_DIR, { recursive: true, mode: 0o700 });
    mkdirSync(childEnv.XDG_DATA_HOME, { recursive: true });
    if (keyring) await startKeyring(procs, childEnv);
    keyringEnv = childEnv;
    const tauriDriver = start(driver, ['--port', String(port), '--native-port', String(nativePort)], { env: childEnv });
    procs.push(tauriDriver);
    base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + DEADLINE_MS;
    for (;;) {
      try {
        const status = await fetch(`${base}/status`, { signal: AbortSignal.timeout(1000) });
        if (status.ok) break;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline || tauriDriver.child.exitCode !== null) {
        throw new Error(`tauri-driver did not answer /status:\n${tauriDriver.output()}`);
      }
      await sleep(100);
    }
    const created = await request(base, 'POST', '/session', {
      capabilities: { alwaysMatch: { 'tauri:options': { application: app } } },
    });
    session = created.sessionId;
  } catch (error) {
    await close();
    throw error;
  }

  const s = () => `/session/${session}`;
  const client = {
    close,
    /** Everything the driver, the app (its stdout and stderr go through the driver) and the helpers printed. */
    logs() {
      return procs.map((p) => p.output()).join('\n');
    },
    /** Quits the app and starts it again: same display, bus, keyring and config folder. */
    async restart() {
      await request(base, 'DELETE', `${s()}`);
      session = undefined;
      const created = await request(base, 'POST', '/session', {
        capabilities: { alwaysMatch: { 'tauri:options': { application: app } } },
      });
      session = created.sessionId;
    },
    async find(css, { timeoutMs = 15_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          const found = await request(base, 'POST', `${s()}/element`, { using: 'css selector', value: css });
          return found[ELEMENT];
        } catch (error) {
          if (Date.now() > deadline) throw new Error(`no element matches ${css}: ${error.message}`);
          await sleep(100);
        }
      }
    },
    async text(css) {
      return request(base, 'GET', `${s()}/element/${await client.find(css)}/text`);
    },
    async click(css) {
      await request(base, 'POST', `${s()}/element/${await client.find(css)}/click`, {});
    },
    async attribute(css, name) {
      return request(base, 'GET', `${s()}/element/${await client.find(css)}/attribute/${name}`);
    },
    async type(css, value) {
      await request(base, 'POST', `${s()}/element/${await client.find(css)}/value`, { text: value });
    },
    /** Runs `script` in the page (W3C execute/sync) and returns its result. */
    async execute(script, args = []) {
      return request(base, 'POST', `${s()}/execute/sync`, { script, args });
    },
    /** Reads a keychain entry of the app straight from the Secret Service (secret-tool). */
    lookupSecret(account) {
      const out = spawnSync('secret-tool', ['lookup', 'service', 'com.inflowave.setup', 'username', account], {
        env: keyringEnv,
        encoding: 'utf8',
        timeout: 10_000,
      });
      return out.status === 0 ? out.stdout : null;
    },
    /** Every file the app wrote under its config, data and cache folders, as text. */
    writtenFiles() {
      const found = [];
      const walk = (dir) => {
        let names = [];
        try {
          names = readdirSync(dir);
        } catch {
          return;
        }
        for (const name of names) {
          const path = join(dir, name);
          if (statSync(path).isDirectory()) walk(path);
          else found.push({ path, text: readFileSync(path).toString('latin1') });
        }
      };
      walk(join(scratch, 'config'));
      walk(join(scratch, 'cache'));
      return found;
    },
    async title() {
      return request(base, 'GET', `${s()}/title`);
    },
    async windowRect() {
      return request(base, 'GET', `${s()}/window/rect`);
    },
    async screenshot({ timeoutMs = DEADLINE_MS } = {}) {
      return Buffer.from(await request(base, 'GET', `${s()}/screenshot`, undefined, timeoutMs), 'base64');
    },
    /** Polls `fn` until it returns a truthy value (or the deadline passes) and returns that value. */
    async until(fn, what, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      let last;
      for (;;) {
        try {
          last = await fn();
          if (last) return last;
        } catch (error) {
          last = error.message;
        }
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${last})`);
        await sleep(100);
      }
    },
  };
  return client;
}

/**
 * Starts the real DNS, SMTP and provider API servers (`examples/e2e_servers.rs`: Knot with the fixture
 * zones, an aiosmtpd SendGrid persona and the providers' APIs with a test CA) and resolves to their addresses plus `env`, the variables
 * that point the app at them, and `close()`. `verified` are the From addresses the SMTP server accepts.
 * Env: E2E_SERVERS (path of the built example; default: examples/e2e_servers beside APP).
 */
export async function servers({ verified = [] } = {}) {
  const bin = process.env.E2E_SERVERS ?? join(dirname(process.env.APP ?? ''), 'examples', 'e2e_servers');
  const child = spawn(bin, verified, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const info = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${bin} did not start:\n${stderr}`)), 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${bin} could not run (build it with cargo test or cargo build --example e2e_servers): ${e.message}`));
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${bin} exited with ${code}:\n${stderr}`));
    });
    child.stdout.on('data', (d) => {
      stdout += d;
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n')) {
        clearTimeout(timer);
        try {
          resolve(JSON.parse(line));
        } catch (e) {
          reject(new Error(`${bin} printed ${line}: ${e.message}`));
        }
      }
    });
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return {
    ...info,
    env: {
      INFLOWAVE_DNS_SERVER: info.dns,
      INFLOWAVE_DNS_AUTHORITATIVE_PORT: String(info.authoritative_port),
      INFLOWAVE_EXTRA_CA_FILE: info.ca_file,
      // The providers' APIs on loopback, for the pre-flight (Re-verify runs it).
      ...info.api_env,
    },
    /** The delivered messages (raw), in order. */
    delivered() {
      const out = [];
      for (let n = 1; ; n += 1) {
        try {
          out.push(readFileSync(join(info.maildir, `${n}.eml`), 'utf8'));
        } catch {
          return out;
        }
      }
    },
    /** Closing stdin makes the example stop its servers by PID; SIGTERM if it does not exit. */
    async close() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGTERM'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
