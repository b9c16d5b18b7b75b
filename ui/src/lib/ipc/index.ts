// The only module that talks to Tauri. Commands are typed with the bindings generated from the Rust
// types (ts-rs, `cargo test`); errors arrive as `{code, message}` and are rethrown as `IpcFailure`.
import { Channel, invoke } from '@tauri-apps/api/core';
import type { AppInfo } from './bindings/AppInfo';
import type { Finding } from './bindings/Finding';
import type { AuditDnsRequest } from './bindings/AuditDnsRequest';
import type { DnsReport } from './bindings/DnsReport';
import type { DnsProgress } from './bindings/DnsProgress';
import type { ProbePortsRequest } from './bindings/ProbePortsRequest';
import type { ProbeReport } from './bindings/ProbeReport';
import type { SendReport } from './bindings/SendReport';
import type { SmtpCheckRequest } from './bindings/SmtpCheckRequest';
import type { Stage } from './bindings/Stage';
import type { CheckKeyRequest } from './bindings/CheckKeyRequest';
import type { IpcError } from './bindings/IpcError';
import type { KeyCheckReport } from './bindings/KeyCheckReport';
import type { Provider } from './bindings/Provider';
import type { ProfileList } from './bindings/ProfileList';
import type { RemoveProfileReply } from './bindings/RemoveProfileReply';
import type { SaveProfileReply } from './bindings/SaveProfileReply';
import type { SaveProfileRequest } from './bindings/SaveProfileRequest';
import type { ProfileVerification } from './bindings/ProfileVerification';
import type { VerifyReport } from './bindings/VerifyReport';
import type { SetPortRequest } from './bindings/SetPortRequest';
import type { RecordChecksRequest } from './bindings/RecordChecksRequest';
import type { VerifyRequest } from './bindings/VerifyRequest';
import type { ProviderPage } from './bindings/ProviderPage';
import type { Startup } from './bindings/Startup';
import type { RotateKeyRequest } from './bindings/RotateKeyRequest';
import type { EditProfileRequest } from './bindings/EditProfileRequest';
import type { Profile as SavedProfile } from './bindings/Profile';
import type { PreflightRequest } from './bindings/PreflightRequest';
import type { PreflightReport } from './bindings/PreflightReport';

export type {
  AppInfo,
  AuditDnsRequest,
  DnsReport,
  ProbePortsRequest,
  ProbeReport,
  SendReport,
  SmtpCheckRequest,
  Stage,
  CheckKeyRequest,
  KeyCheckReport,
  Provider,
  ProfileList,
  RemoveProfileReply,
  SaveProfileReply,
  SaveProfileRequest,
};
export type { Profile } from './bindings/Profile';
export type { Change } from './bindings/Change';
export type { ProfileSummary } from './bindings/ProfileSummary';
export type { EditProfileRequest };
export type { ProfileVerification, RecordChecksRequest, SetPortRequest, VerifyReport, VerifyRequest };
export type { Startup };
export type { TlsMode } from './bindings/TlsMode';
export type { Finding };
export type { Area } from './bindings/Area';
export type { AreaInfo } from './bindings/AreaInfo';
export type { Offer } from './bindings/Offer';
export type { StageInfo } from './bindings/StageInfo';
export type { Verdict } from './bindings/Verdict';
export type { Severity } from './bindings/Severity';
export type { WizardStep } from './bindings/WizardStep';
export type { Action } from './bindings/Action';
export type { DnsRecordFix } from './bindings/DnsRecordFix';
export type { DnsProgress };
export type { PlannedRecord } from './bindings/PlannedRecord';
export type { RecordReport } from './bindings/RecordReport';
export type { PortProbe } from './bindings/PortProbe';
export type { TranscriptLine } from './bindings/TranscriptLine';
export type { PreflightRequest, PreflightReport };
export type { ProviderRecords } from './bindings/ProviderRecords';
export type { ProviderRecord } from './bindings/ProviderRecord';
export type { Reach } from './bindings/Reach';

/** A command failed; `code` is stable (see docs/findings.md), `message` is for people, and `finding`
 *  (when the core gave one) says why with its fix. */
export class IpcFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly finding: Finding | null = null,
  ) {
    super(message);
    this.name = 'IpcFailure';
  }
}

function isIpcError(value: unknown): value is IpcError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as IpcError).code === 'string' &&
    typeof (value as IpcError).message === 'string'
  );
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    if (isIpcError(error)) throw new IpcFailure(error.code, error.message, error.finding);
    throw new IpcFailure('ipc.failed', String(error));
  }
}

declare global {
  interface Window {
    __INFLOWAVE_STARTUP__?: Startup;
  }
}

/** The start-up data the backend put in the page when it opened the window; used once. */
function takePreloaded(): Startup | undefined {
  const preloaded = window.__INFLOWAVE_STARTUP__;
  delete window.__INFLOWAVE_STARTUP__;
  return preloaded;
}

export const ipc = {
  /** The first screen's data: handed to the page with the window when it opens (no round trip), or
   *  asked for over IPC after that. */
  startup: () => {
    const preloaded = takePreloaded();
    return preloaded ? Promise.resolve(preloaded) : call<Startup>('startup');
  },
  listProviders: () => call<Provider[]>('list_providers'),
  checkKey: (request: CheckKeyRequest) => call<KeyCheckReport>('check_key', { request }),
  /** The pre-flight: what the provider's own API says about the pasted key (and its records for the
   *  domain, when one is given). Time-boxed by the core; `cancelOperation(request.operation)` stops it. */
  preflightKey: (request: PreflightRequest) => call<PreflightReport>('preflight_key', { request }),
  saveProfile: (request: SaveProfileRequest) => call<SaveProfileReply>('save_profile', { request }),
  listProfiles: () => call<ProfileList>('list_profiles'),
  removeProfile: (name: string) => call<RemoveProfileReply>('remove_profile', { name }),
  /** The DNS audit of a saved profile's domain; asks DNS afresh every time. `onProgress` gets every
   *  record to look up when the audit starts, then each record's findings as its answer lands. */
  auditDns: (request: AuditDnsRequest, onProgress: (event: DnsProgress) => void = () => {}) => {
    const channel = new Channel<DnsProgress>();
    channel.onmessage = onProgress;
    return call<DnsReport>('audit_dns', { request, onProgress: channel });
  },
  /** "Check sign-in" / "Send test message" for a saved profile; `onStage` gets each stage as it starts. */
  smtpCheck: (request: SmtpCheckRequest, onStage: (stage: Stage) => void) => {
    const channel = new Channel<Stage>();
    channel.onmessage = onStage;
    return call<SendReport>('smtp_check', { request, onStage: channel });
  },
  probePorts: (request: ProbePortsRequest) => call<ProbeReport>('probe_ports', { request }),
  /** Cancels a running check by the operation id it was started with. */
  cancelOperation: (id: string) => call<boolean>('cancel_operation', { id }),
  /** Replaces a saved profile's key (checked first; the old one stays if the new one fails). */
  rotateKey: (request: RotateKeyRequest) => call<SaveProfileReply>('rotate_key', { request }),
  /** Edits a saved profile (not its name, provider or key), checked like an add. */
  editProfile: (request: EditProfileRequest) => call<SaveProfileReply>('edit_profile', { request }),
  /** Re-verifies saved profiles (all when `names` is empty); results are recorded in their history. */
  verifyProfiles: (request: VerifyRequest) => call<VerifyReport>('verify_profiles', { request }),
  /** Finish: records the wizard's own checks of the new profile in its history. */
  recordChecks: (request: RecordChecksRequest) => call<null>('record_checks', { request }),
  /** Keeps the port that answered: moves the profile's endpoint to it. */
  setProfilePort: (request: SetPortRequest) => call<SavedProfile>('set_profile_port', { request }),
  /** Opens a provider's dashboard page (by name, from the catalogue) in the system browser. */
  openProviderPage: (provider: string, page: ProviderPage) => call<null>('open_provider_page', { provider, page }),
};
export type Ipc = typeof ipc;

