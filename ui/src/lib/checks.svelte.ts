// State of the DNS and Test message steps. Each check runs in the Rust core for the saved profile
// (the backend loads the key from the keychain); these classes only hold what came back and which
// operation is running, so that going Back and Next keeps the results. Sections, stages and their
// labels, and what to offer next to a finding all come from the core's data.
import type { Errors } from './errors.svelte';
import type {
  Action,
  AppInfo,
  Area,
  DnsProgress,
  DnsReport,
  Finding,
  Ipc,
  PlannedRecord,
  ProbeReport,
  ProviderRecords,
  SendReport,
  Severity,
  Stage,
  StageInfo,
} from './ipc';

let operations = 0;
/** A fresh id for a cancellable operation. */
export function operationId(kind: string): string {
  operations += 1;
  return `${kind}-${Date.now().toString(36)}-${operations}`;
}

/** The worst severity among findings (`pass` for none). */
export function worst(findings: Finding[]): Severity {
  if (findings.some((f) => f.severity === 'fail')) return 'fail';
  if (findings.some((f) => f.severity === 'warn')) return 'warn';
  return 'pass';
}

/** Reading order: problems first. */
const RANK: Record<Severity, number> = { fail: 0, warn: 1, pass: 2 };

/** One record the DNS audit looks up: announced (`checked` false), then its result. */
export interface RecordRow {
  record: PlannedRecord;
  checked: boolean;
  /** The record applies to the domain's set-up (the core decides; false: nothing to report). */
  inUse: boolean;
  /** Its findings, problems first. */
  findings: Finding[];
}

/** What a record row shows: checking, its worst finding, or not used. */
export type RowStatus = Severity | 'checking' | 'unused';

export function rowStatus(row: RecordRow): RowStatus {
  if (!row.checked) return 'checking';
  if (!row.inUse) return 'unused';
  return worst(row.findings);
}

const problemsFirst = (findings: Finding[]) => [...findings].sort((a, b) => RANK[a.severity] - RANK[b.severity]);

/** The live list after one progress event: the announcement lists every record as checking; each
 *  result turns its record into what the core found. */
export function applyProgress(rows: RecordRow[], event: DnsProgress): RecordRow[] {
  if (event.event === 'planned') {
    return event.records.map((record) => ({ record, checked: false, inUse: true, findings: [] }));
  }
  return rows.map((row) =>
    row.record.id === event.id ? { ...row, checked: true, inUse: event.in_use, findings: problemsFirst(event.findings) } : row,
  );
}

/** The final report's records (the same rows the events built) and the findings of no one record. */
export function rowsOfReport(report: DnsReport): { rows: RecordRow[]; general: Finding[] } {
  const records = report.records ?? [];
  const rows = records.map(({ findings, in_use, ...record }) => {
    const own = findings.map((i) => report.findings[i]).filter((f): f is Finding => f !== undefined);
    return { record, checked: true, inUse: in_use, findings: problemsFirst(own) };
  });
  const owned = records.flatMap((r) => r.findings);
  return { rows, general: report.findings.filter((_, i) => !owned.includes(i)) };
}

export interface DnsSection {
  area: Area;
  title: string;
  rows: RecordRow[];
  /** Findings of this area that belong to no one record. */
  findings: Finding[];
  status: Severity | 'checking';
}

/** Record rows and other findings by area, in the core's reading order. Sections and rows keep
 *  their place while results land and when the final report replaces the live list. */
export function dnsSections(rows: RecordRow[], general: Finding[], info: AppInfo | null): DnsSection[] {
  const areas = [...(info?.areas ?? [])];
  for (const area of [...rows.map((r) => r.record.area), ...general.map((f) => f.area)]) {
    if (!areas.some((a) => a.area === area)) areas.push({ area, label: area, dns: false });
  }
  return areas
    .map(({ area, label }) => {
      const own = rows.filter((r) => r.record.area === area);
      const findings = problemsFirst(general.filter((f) => f.area === area));
      const counted = [...own.filter((r) => r.inUse).flatMap((r) => r.findings), ...findings];
      const status: DnsSection['status'] = own.some((r) => !r.checked) ? 'checking' : worst(counted);
      return { area, title: label, rows: own, findings, status };
    })
    .filter((s) => s.rows.length > 0 || s.findings.length > 0);
}

/** The stages of `action` with their labels, from the core. */
export function stagesOf(info: AppInfo | null, action: Action): StageInfo[] {
  return info?.smtp_stages.find((s) => s.action === action)?.stages ?? [];
}

/** The DNS step: the audit of the saved profile's domain. */
export class DnsCheck {
  audit = $state<DnsReport | null>(null);
  running = $state(false);
  cancelled = $state(false);
  /** The records table copied from the provider's page. */
  pasted = $state('');
  /** DKIM selectors, comma or space separated. */
  selectors = $state('');
  returnPath = $state('');
  /** The running audit's records, as the core announces them and their results land. */
  live = $state<RecordRow[]>([]);
  /** How many progress events the last run received (the plan and one per record). */
  received = $state(0);
  private operation: string | null = null;

  constructor(
    private readonly ipc: Ipc,
    private readonly profile: () => string | null,
    private readonly info: () => AppInfo | null,
    private readonly errors: Errors,
    /** The provider's records for the domain from the Key step's pre-flight, checked when nothing is pasted. */
    readonly providerRecords: () => ProviderRecords | null = () => null,
  ) {}

  /** Why the audit could not run, if it could not. */
  get failure() {
    return this.errors.at('dns');
  }

  /** The areas the audit checks, shown while it runs until its records are announced. */
  get checking() {
    return (this.info()?.areas ?? []).filter((a) => a.dns);
  }

  /** The rows shown: the live ones while the audit runs, then the final report's. */
  view = $derived.by((): { rows: RecordRow[]; general: Finding[] } =>
    this.running || this.audit === null ? { rows: this.live, general: [] } : rowsOfReport(this.audit),
  );

  /** How many of the announced records have their result. */
  get progress(): { done: number; total: number } {
    return { done: this.view.rows.filter((r) => r.checked).length, total: this.view.rows.length };
  }

  /** Record rows and findings by area, in the core's reading order. */
  get sections(): DnsSection[] {
    return dnsSections(this.view.rows, this.view.general, this.info());
  }

  /** The authoritative servers have a record that resolvers do not show yet. */
  propagating = $derived(this.audit?.propagating === true);

  /** Forgets the results (a new profile was saved); a running audit is stopped in the core, and
   *  whatever it still sends is dropped. */
  reset(): void {
    const operation = this.operation;
    this.operation = null;
    if (operation !== null) void this.ipc.cancelOperation(operation).catch(() => {});
    this.audit = null;
    this.live = [];
    this.running = false;
    this.cancelled = false;
    this.errors.clear('dns');
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
    this.live = [];
    this.received = 0;
    this.running = true;
    this.cancelled = false;
    this.errors.clear('dns');
    try {
      const audit = await this.ipc.auditDns(
        {
          profile,
          pasted: this.pasted.trim() === '' ? null : this.pasted,
          selectors: this.selectors.split(/[\s,]+/).filter((s) => s !== ''),
          returnPath: this.returnPath.trim() === '' ? null : this.returnPath.trim(),
          providerRecords: this.pasted.trim() === '' ? (this.providerRecords() ?? undefined) : undefined,
          operation,
        },
        (event) => {
          if (this.operation !== operation) return;
          this.live = applyProgress(this.live, event);
          this.received += 1;
        },
      );
      if (this.operation === operation) this.audit = audit;
    } catch (error) {
      if (this.operation !== operation) return;
      if (this.errors.handle('dns', error).code === 'dns.cancelled') {
        this.errors.clear('dns');
        this.cancelled = true;
      }
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
    private readonly info: () => AppInfo | null,
    private readonly errors: Errors,
  ) {}

  /** Why the last action could not run, if it could not. */
  get failure() {
    return this.errors.at('smtp');
  }

  /** The action whose stages are shown: the running one, else the last one. */
  shown = $derived<Action | null>(this.running ?? this.report?.action ?? null);

  /** The stages of the shown action, with the core's labels. */
  get stages(): StageInfo[] {
    return this.shown === null ? [] : stagesOf(this.info(), this.shown);
  }

  /** The label of the stage the running check is in. */
  get stageLabel(): string | null {
    return this.stages.find((s) => s.stage === this.stage)?.label ?? null;
  }

  /** Forgets the results (a new profile was saved); a running check is stopped in the core (a
   *  test message to the old profile's address must not go out behind the admin's back), and
   *  whatever it still sends is dropped. */
  reset(): void {
    const operation = this.operation;
    this.operation = null;
    if (operation !== null) void this.ipc.cancelOperation(operation).catch(() => {});
    this.to = '';
    this.running = null;
    this.stage = null;
    this.report = null;
    this.signIn = null;
    this.sent = null;
    this.errors.clear('smtp');
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
    (this.probe?.ports ?? []).filter((p) => p.finding.severity === 'pass' && p.port !== this.report?.target?.port),
  );

  async run(action: Action): Promise<void> {
    const profile = this.profile();
    if (profile === null || this.running !== null) return;
    const operation = operationId('smtp');
    this.operation = operation;
    this.running = action;
    this.stage = null;
    this.report = null;
    this.errors.clear('smtp');
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
      if (this.operation === operation) this.errors.handle('smtp', error);
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
    this.errors.clear('probe');
    try {
      this.probe = await this.ipc.probePorts({ profile, operation });
    } catch (error) {
      this.errors.handle('probe', error);
    } finally {
      this.probing = false;
    }
  }

  /** Keeps the chosen port: the profile's endpoint moves to it (the core picks its TLS mode). */
  async savePort(): Promise<void> {
    const profile = this.profile();
    const port = this.port;
    if (profile === null || port === null) return;
    this.errors.clear('save-port');
    try {
      await this.ipc.setProfilePort({ profile, port });
      this.savedPort = port;
      this.port = null;
    } catch (error) {
      this.errors.handle('save-port', error);
    }
  }

  /** Uses `port` for the next attempts and runs the last action again on it. */
  async usePort(port: number): Promise<void> {
    this.port = port;
    this.probe = null;
    await this.run(this.report?.action ?? 'check_sign_in');
  }
}
