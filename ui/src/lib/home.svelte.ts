// The home screen's re-verification: runs the core's checks for one or all saved profiles and keeps
// what each run found and what changed. The checks and the comparison happen in Rust.
import { operationId, failureOf, type CommandFailure } from './checks.svelte';
import type { EditProfileRequest, Ipc, Profile, ProfileVerification, SaveProfileReply } from './ipc';

export class Reverify {
  /** Profiles being verified now (empty when idle). */
  running = $state<string[]>([]);
  /** The latest result per profile name. */
  results = $state<Record<string, ProfileVerification>>({});
  failure = $state<CommandFailure | null>(null);
  sendTest = $state(false);
  private operation: string | null = null;

  constructor(
    private readonly ipc: Ipc,
    private readonly refresh: () => Promise<void>,
  ) {}

  isRunning(name: string): boolean {
    return this.running.includes(name);
  }

  /** Verifies `names` (all saved profiles when empty). */
  async run(names: string[], all: string[]): Promise<void> {
    if (this.running.length > 0) return;
    const operation = operationId('verify');
    this.operation = operation;
    this.running = names.length > 0 ? names : all;
    this.failure = null;
    try {
      const reports = await this.ipc.verifyProfiles({ names, sendTest: this.sendTest, operation });
      const next = { ...this.results };
      for (const r of reports.profiles) next[r.profile] = r;
      this.results = next;
      await this.refresh();
    } catch (error) {
      this.failure = failureOf(error);
    } finally {
      this.running = [];
      this.operation = null;
    }
  }

  async cancel(): Promise<void> {
    if (this.operation) await this.ipc.cancelOperation(this.operation);
  }
}

/** Key rotation from the home screen: the new key goes to the core once, and only its masked form
 *  comes back. */
export class KeyRotation {
  /** The profile whose key is being replaced (its form is open). */
  open = $state<string | null>(null);
  saving = $state(false);
  replies = $state<Record<string, SaveProfileReply>>({});
  failure = $state<CommandFailure | null>(null);

  constructor(private readonly ipc: Ipc) {}

  toggle(name: string): void {
    this.open = this.open === name ? null : name;
  }

  async save(name: string, key: string): Promise<boolean> {
    if (this.saving || key === '') return false;
    this.saving = true;
    this.failure = null;
    try {
      const reply = await this.ipc.rotateKey({ profile: name, key });
      this.replies = { ...this.replies, [name]: reply };
      if (reply.ok) this.open = null;
      return reply.ok;
    } catch (error) {
      this.failure = failureOf(error);
      return false;
    } finally {
      this.saving = false;
    }
  }
}

/** Editing a saved profile's settings from the home screen; the core checks them like an add. */
export class ProfileEditor {
  open = $state<string | null>(null);
  saving = $state(false);
  replies = $state<Record<string, SaveProfileReply>>({});
  failure = $state<CommandFailure | null>(null);

  constructor(
    private readonly ipc: Ipc,
    private readonly refresh: () => Promise<void>,
  ) {}

  toggle(name: string): void {
    this.open = this.open === name ? null : name;
  }

  /** The edit request pre-filled from `profile`. */
  draft(profile: Profile): EditProfileRequest {
    return {
      profile: profile.name,
      domain: profile.domain,
      from: profile.from,
      host: profile.endpoint?.host ?? null,
      port: profile.endpoint?.port ?? null,
      tls: profile.endpoint?.tls ?? null,
      username: profile.username ?? null,
      stream: profile.stream ?? null,
      dkimSelectors: profile.dkim_selectors ?? [],
      returnPath: profile.return_path ?? null,
    };
  }

  async save(request: EditProfileRequest): Promise<void> {
    if (this.saving) return;
    this.saving = true;
    this.failure = null;
    try {
      const reply = await this.ipc.editProfile(request);
      this.replies = { ...this.replies, [request.profile]: reply };
      if (reply.ok) {
        this.open = null;
        await this.refresh();
      }
    } catch (error) {
      this.failure = failureOf(error);
    } finally {
      this.saving = false;
    }
  }
}
