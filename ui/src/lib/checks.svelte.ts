// State of the DNS and Test message steps. Each check runs in the Rust core for the saved profile
// (the backend loads the key from the keychain); these classes only hold what came back and which
// operation is running, so that going Back and Next keeps the results. Branching is on finding codes.
import type { Action, DnsReport, Finding, Ipc, ProbeReport, SendReport, Severity, Stage } from './ipc';

let operations = 0;
/** A fresh id for a cancellable operation. */
export function operationId(kind: string): string {
  operations += 1;
  return `${kind}-${Date.now().toString(36)}-${operations}`;
}

/** `{code, message}` of a failed command (IpcFailure, or anything thrown). */
export interface CommandFailure {
  code: string;
  message: string;
}

export function failureOf(error: unknown): CommandFailure {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    const message = 'message' in error && typeof error.message === 'string' ? error.message : error.code;
    return { code: error.code, message };
  }
  return { code: 'ipc.failed', message: error instanceof Error ? error.message : String(error) };
}

/** The worst severity among findings (`pass` for none). */
export function worst(findings: Finding[]): Severity {
  if (findings.some((f) => f.severity === 'fail')) return 'fail';
  if (findings.some((f) => f.severity === 'warn')) return 'warn';
  return 'pass';
}

/** Reading order: problems first. */
const RANK: Record<Severity, number> = { fail: 0, warn: 1, pass: 2 };

export interface DnsSection {
  id: 'spf' | 'dkim' | 'records' | 'dmarc';
  title: string;
  findings: Finding[];
  status: Severity;
}

const SECTIONS: { id: DnsSection['id']; title: string; area: Finding['area'] }[] = [
  { id: 'spf', title: 'SPF', area: 'spf' },
  { id: 'dkim', title: 'DKIM', area: 'dkim' },
  { id: 'records', title: 'Return path and other records', area: 'dns' },
  { id: 'dmarc', title: 'DMARC', area: 'dmarc' },
];

/** The DNS step: the audit of the saved profile's domain. */
export class DnsCheck {
  audit = $state<DnsReport | null>(null);
  running = $state(false);
  cancelled = $state(false);
  failure = $state<CommandFailure | null>(null);
  /** The records table copied from the provider's page. */
  pasted = $state('');
  /** DKIM selectors, comma or space separated. */
  selectors = $state('');
  returnPath = $state('');
  private operation: string | null = null;

  constructor(
    private readonly ipc: Ipc,
    private readonly profile: () => string | null,
  ) {}

  /** Findings grouped by check family, problems first (fail, then warn) so nothing to fix is below the
   * fold; otherwise in the order people read them. Empty families are left out. */
  sections = $derived.by((): DnsSection[] => {
    const findings = this.audit?.findings ?? [];
    return SECTIONS.map((s) => {
      const list = findings.filter((f) => f.area === s.area);
      // Within a family too: what must change comes before what passed.
      const ordered = [...list].sort((a, b) => RANK[a.severity] - RANK[b.severity]);
      return { id: s.id, title: s.title, findings: ordered, status: worst(list) };
    })
      .filter((s) => s.findings.length > 0)
      .sort((a, b) => RANK[a.status] - RANK[b.status]);
  });

  /** The authoritative servers have a record that resolvers do not show yet. */
  propagating = $derived(this.audit?.propagating === true);

  /** Forgets the results (a new profile was saved). */
  reset(): void {
    this.operation = null;
    this.audit = null;
    this.running = false;
    this.cancelled = false;
    this.failure = null;
    this.pasted = '';
    this.selectors = '';
    this.returnPath = '';
  }

  get finished(): boolean {
    return !this.running && (this.audit !== null || this.failure !== null || this.cancelled);
  }

  async run(): Promise<void> {
    const profile = this.profile();
    if (profile === null || this.running) return;
    const operation = operationId('dns');
    this.operation = operation;
    this.running = true;
    this.cancelled = false;
    this.failure = null;
    try {
      const audit = await this.ipc.auditDns({
        profile,
        pasted: this.pasted.trim() === '' ? null : this.pasted,
        selectors: this.selectors.split(/[\s,]+/).filter((s) => s !== ''),
        returnPath: this.returnPath.trim() === '' ? null : this.returnPath.trim(),
        operation,
      });
      if (this.operation === operation) this.audit = audit;
    } catch (error) {
      if (this.operation !== operation) return;
      const failure = failureOf(error);
      if (failure.code === 'dns.cancelled') this.cancelled = true;
      else this.failure = failure;
    } finally {
      if (this.operation === operation) {
        this.running = false;
        this.operation = null;
      }
    }
  }

  async cancel(): Promise<void> {
    if (this.operation !== null) await this.ipc.cancelOperation(this.operation);
  }
}

/** The stages shown for each action, in order. */
export const STAGES: Record<Action, Stage[]> = {
  check_sign_in: ['resolving', 'connecting', 'tls', 'signing_in'],
  send_test: ['resolving', 'connecting', 'tls', 'signing_in', 'sending'],
};

/** The Test message step: sign-in check, test message, port probe. */
export class SmtpTest {
  to = $state('');
  running = $state<Action | null>(null);
  /** The stage the running (or last) check reached. */
  stage = $state<Stage | null>(null);
  report = $state<SendReport | null>(null);
  /** The latest result of each action, for the summary. */
  signIn = $state<SendReport | null>(null);
  sent = $state<SendReport | null>(null);
  failure = $state<CommandFailure | null>(null);
  probe = $state<ProbeReport | null>(null);
  probing = $state(false);
  /** A port chosen for the next attempts instead of the profile's. */
  port = $state<number | null>(null);
  /** The port last saved into the profile from here. */
  savedPort = $state<number | null>(null);
  private operation: string | null = null;

  constructor(
    private readonly ipc: Ipc,
    private readonly profile: () => string | null,
  ) {}

  /** Forgets the results (a new profile was saved). */
  reset(): void {
    this.operation = null;
    this.to = '';
    this.running = null;
    this.stage = null;
    this.report = null;
    this.signIn = null;
    this.sent = null;
    this.failure = null;
    this.probe = null;
    this.probing = false;
    this.port = null;
    this.savedPort = null;
  }

  /** The check was cancelled (by the admin). */
  cancelled = $derived(
    this.report?.findings.some((f) => f.code === 'smtp.cancelled') === true,
  );

  /** The last check could not reach the server on its port. */
  unreachable = $derived(
    this.report?.findings.some((f) => f.severity === 'fail' && f.offers.includes('probe_ports')) === true,
  );

  /** Ports the probe found answering, other than the one that failed. */
  openPorts = $derived(
    (this.probe?.ports ?? []).filter((p) => p.finding.code === 'probe.port_ok' && p.port !== this.report?.target?.port),
  );

  async run(action: Action): Promise<void> {
    const profile = this.profile();
    if (profile === null || this.running !== null) return;
    const operation = operationId('smtp');
    this.operation = operation;
    this.running = action;
    this.stage = null;
    this.report = null;
    this.failure = null;
    try {
      const report = await this.ipc.smtpCheck(
        { profile, action, to: this.to.trim() === '' ? null : this.to.trim(), port: this.port, operation },
        (stage) => {
          if (this.operation === operation) this.stage = stage;
        },
      );
      if (this.operation !== operation) return;
      this.report = report;
      if (action === 'check_sign_in') this.signIn = report;
      else this.sent = report;
    } catch (error) {
      if (this.operation === operation) this.failure = failureOf(error);
    } finally {
      if (this.operation === operation) {
        this.running = null;
        this.operation = null;
      }
    }
  }

  async cancel(): Promise<void> {
    if (this.operation !== null) await this.ipc.cancelOperation(this.operation);
  }

  async findPort(): Promise<void> {
    const profile = this.profile();
    if (profile === null || this.probing) return;
    this.probing = true;
    const operation = operationId('probe');
    try {
      this.probe = await this.ipc.probePorts({ profile, operation });
    } catch (error) {
      this.failure = failureOf(error);
    } finally {
      this.probing = false;
    }
  }

  /** Keeps the chosen port: the profile's endpoint moves to it (the core picks its TLS mode). */
  async savePort(): Promise<void> {
    const profile = this.profile();
    const port = this.port;
    if (profile === null || port === null) return;
    try {
      await this.ipc.setProfilePort({ profile, port });
      this.savedPort = port;
      this.port = null;
    } catch (error) {
      this.failure = failureOf(error);
    }
  }

  /** Uses `port` for the next attempts and runs the last action again on it. */
  async usePort(port: number): Promise<void> {
    this.port = port;
    this.probe = null;
    await this.run(this.report?.action ?? 'check_sign_in');
  }
}
