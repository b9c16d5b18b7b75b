// Wizard state: which step is showing, what was chosen, and what the core reported. No rules live
// here — validation results come from the Rust core through `ipc`.
import type { Finding, Ipc, ProfileSummary, KeyCheckReport, Profile, Provider, SaveProfileReply, WizardStep } from './ipc';
import { DnsCheck, SmtpTest } from './checks.svelte';

export class Wizard {
  steps = $state<WizardStep[]>([]);
  current = $state(0);
  providers = $state<Provider[]>([]);
  providerId = $state<string | null>(null);
  keyReport = $state<KeyCheckReport | null>(null);
  /** The key exactly as pasted, until it is saved; then cleared for good. */
  key = $state('');
  /** The username field, for providers where the admin supplies one. */
  username = $state('');
  /** The result of saving the profile: the webview only ever holds the masked key after this. */
  saved = $state<SaveProfileReply | null>(null);
  loadError = $state<string | null>(null);
  /** Saved profiles; when there are any, the app opens on them instead of the wizard. */
  profiles = $state<Profile[]>([]);
  profileFindings = $state<Finding[]>([]);
  /** Each profile's standing from its history, summarized by the core. */
  summaries = $state<ProfileSummary[]>([]);
  mode = $state<'home' | 'wizard'>('wizard');

  /** The DNS and Test message steps, for the saved profile; kept across Back and Next. */
  readonly dns: DnsCheck;
  readonly smtp: SmtpTest;

  constructor(private readonly ipc: Ipc) {
    const profile = () => this.savedProfile?.name ?? null;
    this.dns = new DnsCheck(ipc, profile);
    this.smtp = new SmtpTest(ipc, profile);
  }

  /** The profile saved in the Keychain step. */
  savedProfile = $derived(this.saved?.ok === true ? (this.saved.profile ?? null) : null);

  provider = $derived(this.providers.find((p) => p.id === this.providerId) ?? null);

  async load(): Promise<void> {
    try {
      // One round trip before the first screen paints (the start-up budget).
      const { info, providers, profiles: saved } = await this.ipc.startup();
      this.steps = info.steps;
      this.providers = providers;
      this.profiles = saved.profiles;
      this.summaries = saved.summaries;
      this.profileFindings = saved.findings;
      this.mode = saved.profiles.length > 0 ? 'home' : 'wizard';
    } catch (error) {
      this.loadError = error instanceof Error ? error.message : String(error);
    }
  }

  /** Whether the current step has what it needs to move on. */
  get canAdvance(): boolean {
    const id = this.steps[this.current]?.id;
    if (id === 'provider') return this.provider?.supported === true;
    if (id === 'key') return this.keyReport?.ok === true || this.saved?.ok === true;
    if (id === 'keychain') return this.saved?.ok === true;
    if (id === 'dns') return this.dns.finished;
    if (id === 'test') return this.running === false && (this.smtp.signIn !== null || this.smtp.sent !== null);
    return this.current < this.steps.length - 1;
  }

  /** A check is running: moving between steps waits for it (or its Cancel). */
  get running(): boolean {
    return this.dns.running || this.smtp.running !== null || this.smtp.probing;
  }

  next(): void {
    if (this.canAdvance && this.current < this.steps.length - 1) this.current += 1;
  }

  back(): void {
    if (this.current > 0) this.current -= 1;
  }

  goTo(index: number): void {
    if (index >= 0 && index <= this.current) this.current = index;
  }

  choose(id: string): void {
    if (id !== this.providerId) {
      this.keyReport = null;
      this.key = '';
      this.username = '';
      this.saved = null;
      this.resetChecks();
    }
    this.providerId = id;
  }

  /** Starts the wizard from the first step for a new sending domain. */
  startNew(): void {
    this.current = 0;
    this.providerId = null;
    this.key = '';
    this.username = '';
    this.keyReport = null;
    this.saved = null;
    this.resetChecks();
    this.mode = 'wizard';
  }

  /** Reads the saved profiles again (after a re-verification recorded its results). */
  async refreshProfiles(): Promise<void> {
    const saved = await this.ipc.listProfiles();
    this.profiles = saved.profiles;
    this.summaries = saved.summaries;
    this.profileFindings = saved.findings;
  }

  async remove(name: string): Promise<void> {
    const reply = await this.ipc.removeProfile(name);
    this.profileFindings = reply.findings;
    if (reply.ok) this.profiles = this.profiles.filter((p) => p.name !== name);
    if (this.profiles.length === 0) this.mode = 'wizard';
  }

  /** Records a save; on success the pasted key is dropped from the webview. */
  recordSave(reply: SaveProfileReply): void {
    this.saved = reply;
    if (reply.ok) {
      this.key = '';
      this.resetChecks();
      this.smtp.to = reply.profile?.from ?? '';
    }
  }

  /** New profile: the earlier checks were for another one. */
  private resetChecks(): void {
    this.dns.reset();
    this.smtp.reset();
  }
}
