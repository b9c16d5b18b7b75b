// Benchmark (not a test: it reports and exits 0): the wizard's release binary against an empty Tauri 2
// window built the same way (benches/empty-window), for issue 7's "Feel" budget.
//
//   start-up  time from the WebDriver `POST /session` (which launches the app) until the first <h1> is in
//             a complete document, has text and a box, and two animation frames have passed since (so
//             the frame holding it has been painted), as seen by the WebDriver client;
//   memory    after IDLE_MS of idle, the sum of PSS (/proc/<pid>/smaps_rollup) over the app process and
//             all its descendants (WebKitWebProcess, WebKitNetworkProcess, any sandbox helpers);
//   size      the binaries on disk: ours (tuned release), the empty window (same tuned profile) and the
//             empty window with cargo's default release profile;
//   bundle    ui/dist: assets gzipped at level 9 plus index.html (the same count as
//             ui/browser-tests/bundle-size.test.mjs).
//
// Every run gets a fresh Xvfb display, private D-Bus session, tauri-driver and XDG folders; one warm-up
// run per binary is discarded, then RUNS runs alternate between the binaries (the order flips each
// round) so drift in the machine's state hits both alike. Medians are reported.
//
// Env: APP (ours), EMPTY (empty window, tuned), EMPTY_DEFAULT (empty window, default profile),
//      TAURI_DRIVER, RUNS (7), IDLE_MS (2000). Paths default to $CARGO_TARGET_DIR (or ./target).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { freePort, request, start, startDbus, startXvfb } from '../tests/e2e/harness.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const TARGET = resolve(ROOT, process.env.CARGO_TARGET_DIR ?? 'target');
const APP = resolve(process.env.APP ?? join(TARGET, 'release/inflowave-setup'));
const EMPTY = resolve(process.env.EMPTY ?? join(TARGET, 'release/empty-window'));
const EMPTY_DEFAULT = resolve(process.env.EMPTY_DEFAULT ?? join(TARGET, 'release-default/empty-window'));
const DRIVER = process.env.TAURI_DRIVER ?? 'tauri-driver';
const RUNS = Number(process.env.RUNS ?? 7);
const IDLE_MS = Number(process.env.IDLE_MS ?? 2000);
const DEADLINE_MS = 30_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** pid → {ppid, comm} for every process we can read. */
function processTable() {
  const table = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      table.set(Number(name), { ppid, comm });
    } catch {
      /* exited meanwhile */
    }
  }
  return table;
}

function descendants(table, root) {
  const out = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift();
    for (const [child, { ppid }] of table) {
      if (ppid === pid) {
        out.push(child);
        queue.push(child);
      }
    }
  }
  return out;
}

function exeOf(pid) {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return null;
  }
}

/** {pss, rss} in KiB from smaps_rollup. */
function memoryOf(pid) {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  return { pss: field('Pss'), rss: field('Rss') };
}

// Returns null until the first <h1> is in a complete document with text and a box; then waits two
// animation frames (the first runs before the frame with the h1 is painted, the second after it).
const PAINTED_H1 = `
const done = arguments[arguments.length - 1];
const h1 = document.querySelector('h1');
if (document.readyState !== 'complete' || !h1 || !h1.textContent.trim() || h1.getBoundingClientRect().height === 0) {
  done(null);
} else {
  requestAnimationFrame(() => requestAnimationFrame(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    done({ text: h1.textContent.trim(), inPage: performance.now(), domContentLoaded: nav ? nav.domContentLoadedEventEnd : null,
      firstContentfulPaint: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null });
  }));
}`;

/** One launch of `binary`: start-up, idle memory of the process tree. */
async function measure(binary) {
  const procs = [];
  const scratch = mkdtempSync(join(tmpdir(), 'inflowave-bench-'));
  let base;
  let session;
  let tree = [];
  try {
    const display = await startXvfb(procs);
    const bus = await startDbus(procs);
    const [port, nativePort] = [await freePort(), await freePort()];
    const env = {
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
    };
    mkdirSync(env.XDG_RUNTIME_DIR, { recursive: true, mode: 0o700 });
    mkdirSync(env.XDG_DATA_HOME, { recursive: true });
    const driver = start(DRIVER, ['--port', String(port), '--native-port', String(nativePort)], { env });
    procs.push(driver);
    base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + DEADLINE_MS;
    for (;;) {
      try {
        if ((await fetch(`${base}/status`, { signal: AbortSignal.timeout(1000) })).ok) break;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline || driver.child.exitCode !== null) throw new Error(`tauri-driver did not answer /status:\n${driver.output()}`);
      await sleep(50);
    }
    // Let WebKitWebDriver (started by tauri-driver) settle so its start-up is not counted.
    await sleep(300);

    const t0 = performance.now();
    const created = await request(base, 'POST', '/session', {
      capabilities: { alwaysMatch: { 'tauri:options': { application: binary } } },
    });
    session = created.sessionId;
    const sessionMs = performance.now() - t0;
    let painted;
    for (;;) {
      painted = await request(base, 'POST', `/session/${session}/execute/async`, { script: PAINTED_H1, args: [] });
      if (painted) break;
      if (performance.now() - t0 > DEADLINE_MS) throw new Error('no painted <h1> within the deadline');
      await sleep(5);
    }
    const startupMs = performance.now() - t0;

    await sleep(IDLE_MS);
    const table = processTable();
    const real = realpathSync(binary);
    const appPid = descendants(table, driver.child.pid).find((pid) => exeOf(pid) === real);
    if (!appPid) throw new Error(`no process running ${real} under tauri-driver`);
    tree = [appPid, ...descendants(table, appPid)];
    let pss = 0;
    let rss = 0;
    const names = [];
    const perProcess = {};
    for (const pid of tree) {
      try {
        const m = memoryOf(pid);
        const name = (exeOf(pid) ?? table.get(pid).comm).split('/').pop();
        pss += m.pss;
        rss += m.rss;
        names.push(name);
        perProcess[name] = (perProcess[name] ?? 0) + m.pss;
      } catch {
        /* exited meanwhile */
      }
    }
    return { startupMs, sessionMs, pageMs: painted.inPage, dclMs: painted.domContentLoaded, fcpMs: painted.firstContentfulPaint, h1: painted.text, pssKiB: pss, rssKiB: rss, processes: names, perProcess };
  } finally {
    if (session) await request(base, 'DELETE', `/session/${session}`).catch(() => {});
    for (const p of [...procs].reverse()) p.stop();
    await sleep(300);
    for (const p of procs) p.kill();
    // Wait until the app and its WebKit helpers are gone: a dying tree still shares library pages
    // (lowering the next run's PSS) and still uses CPU (slowing the next start-up).
    const gone = Date.now() + 5000;
    while (tree.some((pid) => existsSync(`/proc/${pid}`)) && Date.now() < gone) await sleep(50);
    for (const pid of tree) {
      try {
        process.kill(pid, 'SIGKILL'); // our own descendants, by PID, only if still there after 5 s
      } catch {
        /* already gone */
      }
    }
    await sleep(200);
    rmSync(scratch, { recursive: true, force: true });
  }
}

function bundleGzipBytes() {
  const dist = join(ROOT, 'ui/dist');
  const assets = join(dist, 'assets');
  if (!existsSync(assets)) return null;
  let total = 0;
  for (const name of readdirSync(assets)) total += gzipSync(readFileSync(join(assets, name)), { level: 9 }).length;
  return total + gzipSync(readFileSync(join(dist, 'index.html'))).length;
}

function lockedVersion(lockPath, name) {
  try {
    const m = new RegExp(`name = "${name}"\\nversion = "([^"]+)"`).exec(readFileSync(lockPath, 'utf8'));
    return m?.[1] ?? '?';
  } catch {
    return '?';
  }
}

const fmtMs = (x) => `${x.toFixed(0)} ms`;
const fmtMiB = (kib) => `${(kib / 1024).toFixed(1)} MiB`;
const fmtBytes = (b) => `${(b / 1024 / 1024).toFixed(2)} MB (${b} B)`;
const range = (xs, f) => `${f(Math.min(...xs))}–${f(Math.max(...xs))}`;

async function main() {
  for (const [what, path] of [['APP', APP], ['EMPTY', EMPTY], ['EMPTY_DEFAULT', EMPTY_DEFAULT]]) {
    if (!existsSync(path)) {
      console.error(`${what}: ${path} does not exist; build it first (make bench-window builds all three).`);
      process.exit(2);
    }
  }
  const subjects = [
    { key: 'ours', label: 'Inflowave Setup (release)', binary: APP, runs: [] },
    { key: 'empty', label: 'empty Tauri 2 window (same profile)', binary: EMPTY, runs: [] },
  ];
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, node ${process.version}`);
  console.log(`tauri: ours ${lockedVersion(join(ROOT, 'Cargo.lock'), 'tauri')}, empty ${lockedVersion(join(ROOT, 'benches/empty-window/Cargo.lock'), 'tauri')}`);
  console.log(`runs: 1 warm-up + ${RUNS} each, alternating; idle ${IDLE_MS} ms before memory`);
  for (const s of subjects) {
    const w = await measure(s.binary);
    console.log(`  warm-up ${s.key}: ${fmtMs(w.startupMs)}, ${fmtMiB(w.pssKiB)} PSS, h1 "${w.h1}", processes ${w.processes.join(', ')}`);
  }
  for (let i = 0; i < RUNS; i++) {
    const order = i % 2 ? [...subjects].reverse() : subjects;
    for (const s of order) {
      const r = await measure(s.binary);
      s.runs.push(r);
      console.log(
        `  run ${i + 1} ${s.key.padEnd(5)}: start-up ${fmtMs(r.startupMs)} (session ${fmtMs(r.sessionMs)}, page ${fmtMs(r.pageMs)}, DOMContentLoaded ${fmtMs(r.dclMs ?? NaN)}, FCP ${fmtMs(r.fcpMs ?? NaN)}), PSS ${fmtMiB(r.pssKiB)} (${Object.entries(r.perProcess).map(([n, k]) => `${n} ${fmtMiB(k)}`).join(', ')})`,
      );
    }
  }

  const stats = Object.fromEntries(
    subjects.map((s) => {
      const pick = (k) => s.runs.map((r) => r[k]);
      const proc = (name) => median(s.runs.map((r) => Object.entries(r.perProcess).find(([n]) => n.startsWith(name))?.[1] ?? 0));
      return [s.key, { s, startup: median(pick('startupMs')), session: median(pick('sessionMs')), page: median(pick('pageMs')), dcl: median(pick('dclMs')), fcp: median(pick('fcpMs')), pss: median(pick('pssKiB')), rss: median(pick('rssKiB')), app: proc(s.runs[0].processes[0]), web: proc('WebKitWebProcess'), net: proc('WebKitNetworkProcess'), all: pick }];
    }),
  );
  const o = stats.ours;
  const e = stats.empty;
  const sizes = { ours: statSync(APP).size, empty: statSync(EMPTY).size, emptyDefault: statSync(EMPTY_DEFAULT).size };
  const bundle = bundleGzipBytes();
  const ratio = (a, b) => `${(a / b).toFixed(2)} ×`;
  // Runs of the same round are neighbours in time: their difference cancels slow drift in the machine.
  const pairedDiff = median(o.s.runs.map((r, i) => r.startupMs - e.s.runs[i].startupMs));
  const verdict = (ok) => (ok ? 'met' : 'NOT met');

  const rows = [
    ['measure', 'ours', 'empty window', 'ours / empty', 'budget'],
    ['start-up: POST /session → first <h1> painted (median)', fmtMs(o.startup), fmtMs(e.startup), ratio(o.startup, e.startup), `≤ 1.10 × — ${verdict(o.startup <= 1.1 * e.startup)}`],
    ['  range', range(o.all('startupMs'), fmtMs), range(e.all('startupMs'), fmtMs), '', ''],
    ['  median of per-round differences (ours − empty)', `${pairedDiff >= 0 ? '+' : ''}${fmtMs(pairedDiff)}`, '', `${(1 + pairedDiff / e.startup).toFixed(2)} × (vs empty median)`, ''],
    ['  of which POST /session (process + webview up)', fmtMs(o.session), fmtMs(e.session), ratio(o.session, e.session), ''],
    ['  in page: navigation start → DOMContentLoaded', fmtMs(o.dcl), fmtMs(e.dcl), ratio(o.dcl, e.dcl), ''],
    ['  in page: navigation start → first contentful paint', fmtMs(o.fcp), fmtMs(e.fcp), ratio(o.fcp, e.fcp), ''],
    ['  in page: navigation start → h1 painted', fmtMs(o.page), fmtMs(e.page), ratio(o.page, e.page), ''],
    ['idle memory: PSS of the process tree (median)', fmtMiB(o.pss), fmtMiB(e.pss), ratio(o.pss, e.pss), `≤ 1.10 × — ${verdict(o.pss <= 1.1 * e.pss)}`],
    ['  range', range(o.all('pssKiB'), fmtMiB), range(e.all('pssKiB'), fmtMiB), '', ''],
    ['  app process (PSS, median)', fmtMiB(o.app), fmtMiB(e.app), ratio(o.app, e.app), ''],
    ['  WebKitWebProcess (PSS, median)', fmtMiB(o.web), fmtMiB(e.web), ratio(o.web, e.web), ''],
    ['  WebKitNetworkProcess (PSS, median)', fmtMiB(o.net), fmtMiB(e.net), ratio(o.net, e.net), ''],
    ['  RSS sum (double-counts shared pages; for reference)', fmtMiB(o.rss), fmtMiB(e.rss), ratio(o.rss, e.rss), ''],
    ['  processes', o.s.runs[0].processes.join(', '), e.s.runs[0].processes.join(', '), '', ''],
    ['binary size, tuned profile (strip, LTO, opt-level "s")', fmtBytes(sizes.ours), fmtBytes(sizes.empty), ratio(sizes.ours, sizes.empty), ''],
    ['binary size, empty window with cargo default release', '', fmtBytes(sizes.emptyDefault), ratio(sizes.ours, sizes.emptyDefault), `ours ≤ this — ${verdict(sizes.ours <= sizes.emptyDefault)}`],
    ['UI bundle, gzipped (assets level 9 + index.html)', bundle === null ? 'ui/dist missing' : `${(bundle / 1024).toFixed(1)} KiB (${bundle} B)`, '', '', bundle === null ? '' : `< 60 KiB — ${verdict(bundle < 60 * 1024)}`],
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  console.log('');
  for (const [i, r] of rows.entries()) {
    console.log(`| ${r.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`);
    if (i === 0) console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  }
}

main().catch((error) => {
  // A benchmark reports; a failure to measure is still worth a non-zero exit.
  console.error(error);
  process.exit(1);
});
