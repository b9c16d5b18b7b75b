// The pre-flight: the Key step asks the provider's own API about the pasted key (its kind, whether the
// provider accepts it, what it may do), and the Keychain step, once the sending domain is typed, asks
// again for the provider's records of that domain, which the DNS step then checks with no pasting.
// What the answers mean is decided in the Rust core (findings, `key_refused`, `settles`); this class
// holds what came back and which ask is running. It never keeps the key: each ask gets it as an
// argument, and only the reports (no secret in them) are kept.
import type { Errors } from './errors.svelte';
import type { Finding, Ipc, KeyCheckReport, PreflightReport, ProviderRecords } from './ipc';
import { operationId } from './checks.svelte';

/** What one ask is about. */
export interface PreflightAsk {
  provider: string;
  key: string;
  username: string | null;
  domain?: string | null;
  stream?: string | null;
}

/** One running or finished ask: its answer, whether it was skipped, why it could not run. */
class Ask {
  report = $state<PreflightReport | null>(null);
  running = $state(false);
  /** The admin skipped it (Cancel) — nothing is known, nothing is wrong. */
  skipped = $state(false);
  /** Which edit of the key (`Wizard.keyEdits`) it was asked about. */
  askedFor = $state<number | null>(null);
  /** The sending domain it was asked about, as typed (the provider's answer names it in A-labels). */
  askedDomain = $state<string | null>(null);
  private operation: string | null = null;

  constructor(
    private readonly ipc: Ipc,
    private readonly errors: Errors,
    /** Where its failure shows (`Errors` place). */
    readonly place: string,
  ) {}

  get failure() {
    return this.errors.at(this.place);
  }

  /** Asks; a newer ask (or `reset`) makes this one's answer unwanted. */
  async run(ask: PreflightAsk, edits: number | null = null): Promise<void> {
    const operation = operationId('preflight');
    this.askedFor = edits;
    this.askedDomain = ask.domain ?? null;
    if (this.operation !== null) void this.ipc.cancelOperation(this.operation).catch(() => {});
    this.operation = operation;
    this.running = true;
    this.skipped = false;
    this.report = null;
    this.errors.clear(this.place);
    try {
      const report = await this.ipc.preflightKey({
        provider: ask.provider,
        key: ask.key,
        username: ask.username,
        domain: ask.domain ?? null,
        stream: ask.stream ?? null,
        operation,
      });
      if (this.operation === operation) this.report = report;
    } catch (error) {
      if (this.operation !== operation) return;
      if (this.errors.handle(this.place, error).code === 'api.cancelled') {
        this.errors.clear(this.place);
        this.skipped = true;
      }
    } finally {
      if (this.operation === operation) {
        this.running = false;
        this.operation = null;
      }
    }
  }

  /** Skips the running ask: the core stops it and answers `api.cancelled`. */
  async cancel(): Promise<void> {
    const operation = this.operation;
    if (operation === null) return;
    // Skipped at once: the answer that may still arrive is no longer wanted.
    this.operation = null;
    this.running = false;
    this.skipped = true;
    this.errors.clear(this.place);
    await this.ipc.cancelOperation(operation);
  }

  /** Forgets the answer (another key); a running ask is stopped. */
  reset(): void {
    const operation = this.operation;
    this.operation = null;
    if (operation !== null) void this.ipc.cancelOperation(operation).catch(() => {});
    this.report = null;
    this.running = false;
    this.skipped = false;
    this.askedFor = null;
    this.askedDomain = null;
    this.errors.clear(this.place);
  }
}

export class KeyPreflight {
  /** The Key step's ask: the key alone. */
  readonly key: Ask;
  /** The Keychain step's ask, with the sending domain (and stream): the provider's records. */
  readonly domain: Ask;

  constructor(ipc: Ipc, errors: Errors) {
    this.key = new Ask(ipc, errors, 'preflight');
    this.domain = new Ask(ipc, errors, 'preflight-domain');
  }

  /** The provider itself refused the key: a sign-in would fail too, so the Key step does not go on. */
  get refused(): boolean {
    return this.key.report?.key_refused === true;
  }

  /** The provider answered about the key (and did not refuse it): worth asking it for the records. */
  get answered(): boolean {
    return this.key.report?.reach === 'checked' && !this.refused;
  }

  /** The format check's findings, without those the provider's answer settles. */
  formatFindings(check: KeyCheckReport | null): Finding[] {
    const settles = this.key.report?.settles ?? [];
    return (check?.findings ?? []).filter((f) => !settles.includes(f.code));
  }

  /** The domain ask's findings that the Key step's answer did not already show. */
  get domainFindings(): Finding[] {
    const shown = (this.key.report?.findings ?? []).map((f) => f.code);
    return (this.domain.report?.findings ?? []).filter((f) => !shown.includes(f.code));
  }

  /** The provider's records for the domain the Keychain step asked about, when its API listed any.
   *  Not secret: kept for the DNS step (also after the key itself is gone from the window). An empty
   *  list is no records: the core does not check it, so the window does not say it will. */
  get records(): { records: ProviderRecords; domain: string } | null {
    const records = this.domain.report?.records;
    const domain = this.domain.askedDomain;
    if (!records || records.records.length === 0 || domain === null) return null;
    return { records, domain };
  }

  reset(): void {
    this.key.reset();
    this.domain.reset();
  }
}
