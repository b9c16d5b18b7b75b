// The one error path of the window: every failed IPC call goes through `handleError(where, error)`,
// which keeps it under the place it happened (a step, or an action on a profile), so that place shows
// it — with the core's finding (title, detail, fix) when there is one — and the rest of the window
// keeps working.
import type { Finding } from './ipc';

/** A command that failed, and where. */
export interface Failure {
  /** The place that shows it: `key`, `dns`, `smtp`, `profile:example.com`, … */
  where: string;
  /** Stable code (see docs/findings.md). */
  code: string;
  /** For people, when there is no finding. */
  message: string;
  finding: Finding | null;
}

/** `{code, message, finding}` of anything thrown: an `IpcFailure`, or anything else. */
function toFailure(where: string, error: unknown): Failure {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    const message = 'message' in error && typeof error.message === 'string' ? error.message : error.code;
    const finding = 'finding' in error && typeof error.finding === 'object' ? (error.finding as Finding | null) : null;
    return { where, code: error.code, message, finding };
  }
  return { where, code: 'ipc.failed', message: error instanceof Error ? error.message : String(error), finding: null };
}

/** The failures shown now, by place; one instance serves the whole window. */
export class Errors {
  private byPlace = $state<Record<string, Failure>>({});

  /** Records `error` as the failure at `where` (replacing the one before) and returns it. */
  handle(where: string, error: unknown): Failure {
    const failure = toFailure(where, error);
    this.byPlace = { ...this.byPlace, [where]: failure };
    return failure;
  }

  /** The failure shown at `where`, if any. */
  at(where: string): Failure | null {
    return this.byPlace[where] ?? null;
  }

  /** Forgets the failure at `where` (the action is tried again). */
  clear(where: string): void {
    if (!(where in this.byPlace)) return;
    const rest = { ...this.byPlace };
    delete rest[where];
    this.byPlace = rest;
  }

  /** Forgets every failure (a new sending domain is set up). */
  clearAll(): void {
    this.byPlace = {};
  }
}
