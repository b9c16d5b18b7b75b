// Wizard state: which step is showing, what was chosen, and what the core reported. No rules live
// here — validation results come from the Rust core through `ipc`.
import type { AppInfo, Finding, Ipc, ProfileSummary, KeyCheckReport, Profile, Provider, ProviderRecords, SaveProfileReply, WizardStep } from './ipc';
import { DnsCheck, SmtpTest } from './checks.svelte';
import { KeyPreflight } from './preflight.svelte';
import { Errors } from './errors.svelte';
import { KeyRotation } from './home.svelte';

export class Wizard {
  /** The app's facts and the labels it shows (areas, SMTP stages), from the core. */
  info = $state<AppInfo | null>(null);
  steps = $state<WizardStep[]>([]);
  current = $state(0);
  providers = $state<Provider[]>([]);
  providerId = $state<string | null>(null);
  keyReport = $state<KeyCheckReport | null>(null);
  /** Which edit of the key (`keyEdits`) `keyReport` is about: an answer about an earlier key never
   *  lets the step go on with the one in the field now. */
  keyReportFor = $state<number | null>(null);
  /** The key exactly as pasted, until it is saved; then cleared for good. */
  key = $state('');
  /** Counts edits of the key and username, so an answer is known to be about what is there now
   *  without keeping another copy of the key. */
  keyEdits = $state(0);
  /** The username field, for providers where the admin supplies one. */
  username = $state('');
  /** The result of saving the profile: the webview only ever holds the masked key after this. */
  saved = $state<SaveProfileReply | null>(null);
  /** Saved profiles; when there are any, the app opens on them instead of the wizard. */
  profiles = $state<Profile[]>([]);
  profileFindings = $state<Finding[]>([]);
  /** Each profile's standing from its history, summarized by the core. */
  summaries = $state<ProfileSummary[]>([]);
  mode = $state<'home' | 'wizard'>('wizard');

  /** The DNS and Test message steps, for the saved profile; kept across Back and Next. */
  readonly dns: DnsCheck;
  readonly smtp: SmtpTest;
  /** Replacing a saved profile's key (home screen, or the Test message step when the provider
   *  refused the key). */
  readonly rotation: KeyRotation;
  /** What the provider's API said about the key (Key step) and its records for the domain (Keychain
   *  step). Only the reports are kept: they hold no secret. */
  readonly preflight: KeyPreflight;

  constructor(
    private readonly ipc: Ipc,
    /** Every failed command of the window, by the place that shows it. */
    readonly errors: Errors = new Errors(),
  ) {
    const profile = () => this.savedProfile?.name ?? null;
    const info = () => this.info;
    this.preflight = new KeyPreflight(ipc, errors);
    this.dns = new DnsCheck(ipc, profile, info, errors, () => this.providerRecords);
    this.smtp = new SmtpTest(ipc, profile, info, errors);
    this.rotation = new KeyRotation(ipc, errors);
  }

  /** Why the first screen could not load (the one failure that takes the whole window). */
  get loadError() {
    return this.errors.at('startup');
  }

  /** The profile saved in the Keychain step. */
  savedProfile = $derived(this.saved?.ok === true ? (this.saved.profile ?? null) : null);

  provider = $derived(this.providers.find((p) => p.id === this.providerId) ?? null);

  /** The provider's records for the saved profile's domain (from the pre-flight), for the DNS step. */
  get providerRecords(): ProviderRecords | null {
    const asked = this.preflight.records;
    const domain = this.savedProfile?.domain;
    if (!asked || !domain) return null;
    // Compared with the domain as it was typed for the ask, not with the answer's: the provider
    // names an internationalized domain by its A-labels, the profile keeps it as typed.
    const bare = (name: string) => name.trim().replace(/\.$/, '').toLowerCase();
    return bare(asked.domain) === bare(domain) ? asked.records : null;
  }

  async load(): Promise<void> {
    try {
      // One round trip before the first screen paints (the start-up budget).
      const { info, providers, profiles: saved } = await this.ipc.startup();
      this.info = info;
      this.steps = info.steps;
      this.providers = providers;
      this.profiles = saved.profiles;
      this.summaries = saved.summaries;
      this.profileFindings = saved.findings;
      this.mode = saved.profiles.length > 0 ? 'home' : 'wizard';
    } catch (error) {
      this.errors.handle('startup', error);
    }
  }

  /** Whether the current step has what it needs to move on. */
  get canAdvance(): boolean {
    const id = this.steps[this.current]?.id;
    if (id === 'provider') return this.provider?.supported === true;
    // A running pre-flight is waited for (or skipped with its Cancel); a key the provider refused does
    // not go on: another one is pasted. "Could not check" does not hold anything up.
    if (id === 'key') {
      if (this.saved?.ok === true) return true;
      const checked = this.keyReport?.ok === true && this.keyReportFor === this.keyEdits;
      return checked && !this.preflight.key.running && !this.preflight.refused;
    }
    if (id === 'keychain') return this.saved?.ok === true && !this.preflight.domain.running;
    if (id === 'dns') return this.dns.finished;
    if (id === 'test') return this.running === false && (this.smtp.signIn !== null || this.smtp.sent !== null);
    return !this.finishing;
  }

  /** The last step shows Finish instead of Next. */
  get last(): boolean {
    return this.current === this.steps.length - 1;
  }

  /** A check is running: moving between steps waits for it (or its Cancel). */
  get running(): boolean {
    return this.dns.running || this.smtp.running !== null || this.smtp.probing;
  }

  next(): void {
    if (!this.canAdvance) return;
    if (this.last) void this.finish();
    else this.current += 1;
  }

  /** Finish was pressed and the home screen is being prepared. */
  finishing = $state(false);

  /** Ends the wizard on the home screen, with the new profile listed and the checks it ran here
   *  (DNS, the latest sign-in or test message) recorded in its history. */
  async finish(): Promise<void> {
    if (this.finishing) return;
    this.finishing = true;
    const profile = this.savedProfile?.name;
    const smtp = this.smtp.sent ?? this.smtp.signIn;
    const findings = [...(this.dns.audit?.findings ?? []), ...(smtp?.findings ?? [])];
    this.errors.clearAll();
    if (profile !== undefined && findings.length > 0) {
      try {
        await this.ipc.recordChecks({ profile, outcomes: findings.map(({ code, severity }) => ({ code, severity })) });
      } catch (error) {
        this.errors.handle('record', error);
      }
    }
    // The list is read before the home screen shows, so it never shows without the new profile.
    await this.refreshProfiles();
    this.showHome();
    this.finishing = false;
  }

  /** The home screen: the saved sending domains. */
  showHome(): void {
    this.resetWizard();
    this.mode = 'home';
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
      this.keyEdits += 1;
      this.preflight.reset();
      this.username = '';
      this.saved = null;
      this.resetChecks();
    }
    this.providerId = id;
  }

  /** Starts the wizard from the first step for a new sending domain. */
  startNew(): void {
    this.resetWizard();
    this.errors.clearAll();
    this.mode = 'wizard';
  }

  /** Forgets everything the wizard was given and found. */
  private resetWizard(): void {
    this.current = 0;
    this.providerId = null;
    this.key = '';
    this.keyEdits += 1;
    this.username = '';
    this.keyReport = null;
    this.saved = null;
    this.preflight.reset();
    this.resetChecks();
  }

  /** Reads the saved profiles again (after a re-verification recorded its results). */
  async refreshProfiles(): Promise<void> {
    this.errors.clear('home');
    try {
      const saved = await this.ipc.listProfiles();
      this.profiles = saved.profiles;
      this.summaries = saved.summaries;
      this.profileFindings = saved.findings;
    } catch (error) {
      this.errors.handle('home', error);
    }
  }

  /** Removes a profile and its key; the home screen stays (empty when it was the last). */
  async remove(name: string): Promise<void> {
    const where = `remove:${name}`;
    this.errors.clear(where);
    try {
      const reply = await this.ipc.removeProfile(name);
      this.profileFindings = reply.findings;
      if (reply.ok) {
        this.profiles = this.profiles.filter((p) => p.name !== name);
        this.summaries = this.summaries.filter((s) => s.name !== name);
      }
    } catch (error) {
      this.errors.handle(where, error);
    }
  }

  /** Records a save; on success the pasted key is dropped from the webview (the pre-flight's reports
   *  stay: they hold no secret). */
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
