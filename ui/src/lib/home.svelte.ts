// The home screen's re-verification: runs the core's checks for one or all saved profiles and keeps
// what each run found and what changed. The checks and the comparison happen in Rust.
import { operationId } from './checks.svelte';
import type { Errors } from './errors.svelte';
import type { EditProfileRequest, Ipc, Profile, ProfileVerification, SaveProfileReply } from './ipc';

export class Reverify {
  /** Profiles being verified now (empty when idle). */
  running = $state<string[]>([]);
  /** The latest result per profile name. */
  results = $state<Record<string, ProfileVerification>>({});
  sendTest = $state(false);
  private operation: string | null = null;

  constructor(
    private readonly ipc: Ipc,
    private readonly refresh: () => Promise<void>,
    private readonly errors: Errors,
  ) {}

  /** Why the last run could not start, if it could not. */
  get failure() {
    return this.errors.at('verify');
  }

  isRunning(name: string): boolean {
    return this.running.includes(name);
  }

  /** Verifies `names` (all saved profiles when empty). */
  async run(names: string[], all: string[]): Promise<void> {
    if (this.running.length > 0) return;
    const operation = operationId('verify');
    this.operation = operation;
    this.running = names.length > 0 ? names : all;
    this.errors.clear('verify');
    try {
      const reports = await this.ipc.verifyProfiles({ names, sendTest: this.sendTest, operation });
      const next = { ...this.results };
      for (const r of reports.profiles) next[r.profile] = r;
      this.results = next;
      await this.refresh();
    } catch (error) {
      this.errors.handle('verify', error);
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

  constructor(
    private readonly ipc: Ipc,
    private readonly errors: Errors,
  ) {}

  toggle(name: string): void {
    this.open = this.open === name ? null : name;
  }

  /** Why replacing `name`'s key could not run, if it could not. */
  failure(name: string) {
    return this.errors.at(`rotate:${name}`);
  }

  async save(name: string, key: string): Promise<boolean> {
    if (this.saving || key === '') return false;
    this.saving = true;
    this.errors.clear(`rotate:${name}`);
    try {
      const reply = await this.ipc.rotateKey({ profile: name, key });
      this.replies = { ...this.replies, [name]: reply };
      if (reply.ok) this.open = null;
      return reply.ok;
    } catch (error) {
      this.errors.handle(`rotate:${name}`, error);
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

  constructor(
    private readonly ipc: Ipc,
    private readonly refresh: () => Promise<void>,
    private readonly errors: Errors,
  ) {}

  toggle(name: string): void {
    this.open = this.open === name ? null : name;
  }

  /** Why saving `name`'s changes could not run, if it could not. */
  failure(name: string) {
    return this.errors.at(`edit:${name}`);
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
    this.errors.clear(`edit:${request.profile}`);
    try {
      const reply = await this.ipc.editProfile(request);
      this.replies = { ...this.replies, [request.profile]: reply };
      if (reply.ok) {
        this.open = null;
        await this.refresh();
      }
    } catch (error) {
      this.errors.handle(`edit:${request.profile}`, error);
    } finally {
      this.saving = false;
    }
  }
}
