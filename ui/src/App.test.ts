// The wizard frame, rendered in jsdom with the IPC module replaced by a fake core.
import { render, screen, fireEvent } from '@testing-library/svelte';
import { tick } from 'svelte';
import { describe, expect, it, vi, beforeEach } from 'vitest';
import App from './App.svelte';
import type { AppInfo, KeyCheckReport, PreflightReport, Provider } from './lib/ipc';

const info: AppInfo = {
  name: 'Inflowave Setup',
  version: '0.0.0',
  steps: [
    { id: 'provider', title: 'Provider' },
    { id: 'key', title: 'Key' },
    { id: 'keychain', title: 'Keychain' },
    { id: 'dns', title: 'DNS' },
    { id: 'test', title: 'Test message' },
    { id: 'done', title: 'Done' },
  ],
  areas: [],
  smtp_stages: [],
};

const sendgrid: Provider = {
  id: 'sendgrid',
  name: 'SendGrid',
  best_for: 'Transactional and bulk.',
  hosts: [{ host: 'smtp.sendgrid.net', label: 'all mail' }],
  ports: [{ port: 587, tls: 'starttls' }],
  username: { kind: 'literal', value: 'apikey' },
  key_rule: 'sendgrid_api_key',
  key_label: 'API key',
  key_hint: 'Settings → API Keys.',
  why: 'The username is the literal word apikey.',
  dns: [],
  links: null,
  limits: [],
  message_streams: false,
  api_check: true,
  supported: true,
  note: null,
};

const report: KeyCheckReport = {
  provider: 'sendgrid',
  ok: true,
  masked: 'SG.ab…wxyz',
  findings: [{ code: 'key.trailing_newline', severity: 'warn', title: 'A line break was removed', detail: '', fix: [], area: 'key', offers: [] }],
};

/** The pre-flight's answer when no API can check the key: nothing to add. */
const notCheckable: PreflightReport = {
  provider: 'sendgrid',
  ok: true,
  reach: 'not_checkable',
  key_refused: false,
  findings: [],
  settles: [],
};

const fake = vi.hoisted(() => ({
  startup: vi.fn(),
  listProviders: vi.fn(),
  checkKey: vi.fn(),
  preflightKey: vi.fn(),
  saveProfile: vi.fn(),
  listProfiles: vi.fn(),
  removeProfile: vi.fn(),
  openProviderPage: vi.fn(),
  verifyProfiles: vi.fn(),
  cancelOperation: vi.fn(),
  rotateKey: vi.fn(),
  editProfile: vi.fn(),
  recordChecks: vi.fn(),
  auditDns: vi.fn(),
}));

vi.mock('./lib/ipc', () => ({ ipc: fake, IpcFailure: Error }));

beforeEach(() => {
  fake.listProviders.mockResolvedValue([sendgrid]);
  fake.checkKey.mockResolvedValue(report);
  fake.preflightKey.mockReset();
  fake.preflightKey.mockResolvedValue(notCheckable);
  fake.saveProfile.mockReset();
  fake.listProfiles.mockResolvedValue({ profiles: [], summaries: [], findings: [] });
  // The app asks for its first screen in one call; here it is made of the per-part fakes above.
  fake.startup.mockImplementation(async () => ({
    info,
    providers: (await fake.listProviders()) as Provider[],
    profiles: (await fake.listProfiles()) as unknown,
  }));
});

describe('wizard frame', () => {
  it('shows the step rail from the core and starts on the provider step', async () => {
    render(App);
    const rail = await screen.findByRole('navigation', { name: 'Setup steps' });
    await screen.findByRole('heading', { level: 1, name: 'Choose your email provider' });
    const labels = Array.from(rail.querySelectorAll('button')).map((b) => b.textContent?.replace(/\s+/g, ' ').trim());
    // Nothing chosen yet: the later steps are marked blocked (for screen readers too).
    const blocked = '(blocked until the current step is complete)';
    expect(labels).toEqual(['1 Provider', `2 Key ${blocked}`, `3 Keychain ${blocked}`, `4 DNS ${blocked}`, `5 Test message ${blocked}`, `6 Done ${blocked}`]);
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Choose your email provider');
    expect(rail.querySelector('[aria-current="step"]')).toHaveTextContent('Provider');
    // About: the version the core reports (Cargo.toml's), under the app's name.
    expect(screen.getByTestId('app-version')).toHaveTextContent('Version 0.0.0');
  });

  it('keeps Next disabled until a provider is chosen, then shows its settings and moves on', async () => {
    render(App);
    const next = await screen.findByRole('button', { name: 'Next' });
    expect(next).toBeDisabled();
    await fireEvent.click(await screen.findByRole('radio', { name: /SendGrid/ }));
    expect(screen.getByText('apikey', { selector: 'code' })).toBeInTheDocument();
    expect(next).toBeEnabled();
    await fireEvent.click(next);
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Paste your SendGrid API key');
  });

  it('validates the pasted key in the core and renders its findings', async () => {
    vi.useFakeTimers();
    try {
      render(App);
      await vi.waitFor(() => expect(screen.getByRole('radio', { name: /SendGrid/ })).toBeInTheDocument());
      await fireEvent.click(screen.getByRole('radio', { name: /SendGrid/ }));
      await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
      const input = screen.getByTestId('key-input');
      // Pasted with its trailing newline, which a single-line input would silently drop.
      await fireEvent.paste(input, { clipboardData: { getData: () => 'SG.x\n' } });
      await vi.advanceTimersByTimeAsync(250);
      await tick();
      expect(fake.checkKey).toHaveBeenCalledWith({ provider: 'sendgrid', username: null, key: 'SG.x\n' });
      expect(document.querySelector('[data-code="key.trailing_newline"]')).toHaveTextContent('A line break was removed');
    } finally {
      vi.useRealTimers();
    }
  });

  it('Back returns to the previous step with the choice kept', async () => {
    render(App);
    await fireEvent.click(await screen.findByRole('radio', { name: /SendGrid/ }));
    await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Back' }));
    expect(screen.getByRole('radio', { name: /SendGrid/ })).toBeChecked();
  });
});

describe('errors', () => {
  it('a key check that cannot run is shown in the Key step; the rest of the window keeps working', async () => {
    fake.checkKey.mockRejectedValueOnce(
      Object.assign(new Error('unknown provider'), {
        code: 'provider.unknown',
        finding: { code: 'provider.unknown', severity: 'fail', title: 'There is no provider sendgrid', detail: '', fix: ['Choose a provider from the list.'], area: 'other', offers: [] },
      }),
    );
    render(App);
    await fireEvent.click(await screen.findByRole('radio', { name: /SendGrid/ }));
    await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await fireEvent.paste(screen.getByTestId('key-input'), { clipboardData: { getData: () => 'SG.x' } });
    await vi.waitFor(() => expect(screen.getByTestId('key-failure')).toHaveTextContent('There is no provider sendgrid'));
    expect(screen.getByTestId('key-failure')).toHaveTextContent('Choose a provider from the list.');
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Paste your SendGrid API key');
    expect(screen.queryByText(/could not load/)).toBeNull();
    expect(screen.getByRole('button', { name: 'Back' })).toBeEnabled();
  });

  it('only a start-up failure takes the whole window, with the core\'s finding', async () => {
    fake.startup.mockRejectedValueOnce(Object.assign(new Error('settings unreadable'), { code: 'profile.store_unreadable', finding: null }));
    render(App);
    await vi.waitFor(() => expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('could not load'));
    expect(screen.getByTestId('load-error')).toHaveTextContent('settings unreadable');
  });
});

describe('key step for Postmark', () => {
  it('offers an optional username for an SMTP Token and sends none when it is left empty', async () => {
    vi.useFakeTimers();
    try {
      const postmark: Provider = {
        ...sendgrid,
        id: 'postmark',
        name: 'Postmark',
        username: { kind: 'same_as_key', alternative: 'an SMTP Token: its access key as the username' },
        key_rule: 'postmark_server_token',
        key_label: 'Server API Token',
        message_streams: true,
      };
      fake.listProviders.mockResolvedValue([postmark]);
      render(App);
      await vi.waitFor(() => expect(screen.getByRole('radio', { name: /Postmark/ })).toBeInTheDocument());
      await fireEvent.click(screen.getByRole('radio', { name: /Postmark/ }));
      await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
      expect(screen.getByLabelText(/Username/)).toHaveAttribute('placeholder', 'Leave empty for a Server API Token');
      await fireEvent.paste(screen.getByTestId('key-input'), { clipboardData: { getData: () => '3f2b6c1e-9a8d-4e7f-b0c1-2d3e4f5a6b7c' } });
      await vi.advanceTimersByTimeAsync(250);
      expect(fake.checkKey).toHaveBeenLastCalledWith(expect.objectContaining({ provider: 'postmark', username: null }));
    } finally {
      vi.useRealTimers();
      fake.listProviders.mockResolvedValue([sendgrid]);
    }
  });
});

describe('keychain step', () => {
  it('sends the key once to be saved, then holds only its masked form', async () => {
    const key = 'SG.abcdefghijklmnopqrstuv.ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij-_01234';
    fake.saveProfile.mockResolvedValue({
      ok: true,
      masked_key: 'SG.ab…1234',
      profile: { name: 'example.com', provider: 'sendgrid', domain: 'example.com', from: 'news@example.com', created: '', updated: '', history: [] },
      findings: [{ code: 'profile.saved', severity: 'pass', title: 'Saved profile example.com', detail: '', fix: [], area: 'profile', offers: [] }],
    });
    render(App);
    await fireEvent.click(await screen.findByRole('radio', { name: /SendGrid/ }));
    await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await fireEvent.paste(screen.getByTestId('key-input'), { clipboardData: { getData: () => key } });
    await vi.waitFor(() => expect(screen.getByRole('button', { name: 'Next' })).toBeEnabled());
    await fireEvent.click(screen.getByRole('button', { name: 'Next' }));

    await fireEvent.input(screen.getByLabelText('Sending domain'), { target: { value: 'example.com' } });
    await fireEvent.input(screen.getByLabelText('From address'), { target: { value: 'news@example.com' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));

    await vi.waitFor(() => expect(screen.getByRole('status')).toHaveTextContent('SG.ab…1234'));
    expect(fake.saveProfile).toHaveBeenCalledWith(expect.objectContaining({ provider: 'sendgrid', domain: 'example.com', key }));
    expect(document.body.innerHTML).not.toContain(key.slice(3, 40));
    // Back on the key step, the field is gone: only the masked key is shown.
    await fireEvent.click(screen.getByRole('button', { name: 'Back' }));
    expect(screen.queryByTestId('key-input')).toBeNull();
    expect(screen.getByRole('status')).toHaveTextContent('SG.ab…1234');
  });

  it('shows why nothing was saved when the keychain is unavailable', async () => {
    fake.saveProfile.mockResolvedValue({
      ok: false,
      masked_key: null,
      profile: null,
      findings: [{ code: 'keychain.unavailable', severity: 'fail', title: 'No keychain is available to store the key', detail: 'no bus', fix: ['Start GNOME Keyring'], area: 'keychain', offers: [] }],
    });
    render(App);
    await fireEvent.click(await screen.findByRole('radio', { name: /SendGrid/ }));
    await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await fireEvent.paste(screen.getByTestId('key-input'), { clipboardData: { getData: () => 'SG.x' } });
    await vi.waitFor(() => expect(screen.getByRole('button', { name: 'Next' })).toBeEnabled());
    await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await fireEvent.input(screen.getByLabelText('Sending domain'), { target: { value: 'example.com' } });
    await fireEvent.input(screen.getByLabelText('From address'), { target: { value: 'news@example.com' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await vi.waitFor(() => expect(document.querySelector('[data-code="keychain.unavailable"]')).toHaveTextContent('Start GNOME Keyring'));
    expect(screen.getByRole('button', { name: 'Next' })).toBeDisabled();
  });
});

describe('home', () => {
  it('opens on the saved sending domains with their last verification', async () => {
    fake.listProfiles.mockResolvedValue({
      profiles: [
        {
          name: 'example.com', provider: 'sendgrid', domain: 'example.com', from: 'news@example.com', created: '', updated: '',
          history: [{ at: new Date(Date.now() - 3 * 86_400_000).toISOString(), outcomes: [{ code: 'dns.dkim_missing', severity: 'fail', area: 'dns', offers: [] }] }],
        },
        { name: 'b.example', provider: 'postmark', domain: 'b.example', from: 'a@b.example', created: '', updated: '', history: [] },
      ],
      // The core's summary of each history (worded by the UI).
      summaries: [
        {
          name: 'example.com', last_verified: new Date(Date.now() - 3 * 86_400_000).toISOString(), worst: 'fail',
          failing: [{ area: 'dkim', label: 'DKIM', since: new Date(Date.now() - 3 * 86_400_000).toISOString() }],
        },
        { name: 'b.example', last_verified: null, worst: null, failing: [] },
      ],
      findings: [],
    });
    render(App);
    // (The loading screen's heading comes first: wait for the home screen's.)
    await vi.waitFor(() => expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Sending domains'));
    expect(document.querySelector('[data-profile="example.com"]')).toHaveTextContent('DKIM failing since 3 days ago');
    expect(document.querySelector('[data-profile="b.example"]')).toHaveTextContent('Never verified');
    // The provider by its catalogue name; the rail marks the home screen, not a wizard step.
    expect(document.querySelector('[data-profile="example.com"]')).toHaveTextContent('SendGrid · From news@example.com');
    const rail = screen.getByRole('navigation', { name: 'Setup steps' });
    expect(rail.querySelector('[aria-current="step"]')).toBeNull();
    expect(rail.querySelector('[aria-current="page"]')).toHaveTextContent('Sending domains');
    await fireEvent.click(screen.getByRole('button', { name: 'Add a sending domain' }));
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Choose your email provider');
  });

  it('re-verifies one profile in the core and shows what changed', async () => {
    const profile = { name: 'example.com', provider: 'sendgrid', domain: 'example.com', from: 'news@example.com', created: '', updated: '', history: [] };
    fake.listProfiles.mockClear();
    fake.listProfiles.mockResolvedValue({ profiles: [profile], summaries: [], findings: [] });
    fake.verifyProfiles.mockResolvedValue({ ok: false, could_not_run: false, profiles: [
      {
        profile: 'example.com', provider: 'sendgrid', domain: 'example.com', ok: false, could_not_run: false,
        verified_at: new Date().toISOString(), previous_at: new Date(Date.now() - 86_400_000).toISOString(), elapsed_ms: 300,
        findings: [{ code: 'dmarc.missing', severity: 'fail', title: 'No DMARC record', detail: '', fix: ['Add it'], area: 'dmarc', offers: [] }],
        changes: [{ area: 'dmarc', label: 'DMARC', before: 'pass', after: 'fail', new_failures: ['dmarc.missing'], fixed: [], summary: 'DMARC: pass → fail' }],
      },
    ] });
    render(App);
    await fireEvent.click(await screen.findByRole('button', { name: 'Re-verify example.com' }));
    expect(fake.verifyProfiles).toHaveBeenCalledWith(expect.objectContaining({ names: ['example.com'], sendTest: false }));
    await vi.waitFor(() => expect(screen.getByTestId('result-example.com')).toHaveTextContent('DMARC: pass → fail'));
    expect(document.querySelector('[data-code="dmarc.missing"]')).toHaveTextContent('No DMARC record');
    expect(fake.listProfiles).toHaveBeenCalledTimes(2); // on opening, and again after the run recorded it
  });

  it('a re-verification that could not run says so, apart from what failed', async () => {
    const profile = { name: 'example.com', provider: 'sendgrid', domain: 'example.com', from: 'news@example.com', created: '', updated: '', history: [] };
    fake.listProfiles.mockResolvedValue({ profiles: [profile], summaries: [], findings: [] });
    fake.verifyProfiles.mockResolvedValue({ ok: false, could_not_run: true, profiles: [
      {
        profile: 'example.com', provider: 'sendgrid', domain: 'example.com', ok: false, could_not_run: true,
        verified_at: new Date().toISOString(), previous_at: null, elapsed_ms: 300, changes: [],
        findings: [{ code: 'keychain.locked', severity: 'fail', title: 'The keychain is locked', detail: '', fix: ['Unlock it'], area: 'keychain', offers: [] }],
      },
    ] });
    render(App);
    await fireEvent.click(await screen.findByRole('button', { name: 'Re-verify example.com' }));
    await vi.waitFor(() => expect(screen.getByTestId('could-not-run-example.com')).toHaveTextContent('Not everything could be checked'));
    expect(document.querySelector('[data-code="keychain.locked"]')).toHaveTextContent('The keychain is locked');
  });

  it('edits a profile: the core checks the change and the list is read again', async () => {
    const profile = { name: 'example.com', provider: 'sendgrid', domain: 'example.com', from: 'news@example.com', created: '', updated: '', history: [] };
    fake.listProfiles.mockResolvedValue({ profiles: [profile], summaries: [], findings: [] });
    fake.editProfile
      .mockResolvedValueOnce({
        ok: false, masked_key: null, profile: null,
        findings: [{ code: 'profile.from_outside_domain', severity: 'fail', title: 'The From address is not at the sending domain', detail: '', fix: [], area: 'profile', offers: [] }],
      })
      .mockResolvedValueOnce({ ok: true, masked_key: null, profile: { ...profile, from: 'ops@example.com' }, findings: [] });
    render(App);
    await fireEvent.click(await screen.findByRole('button', { name: 'Edit example.com' }));
    const form = screen.getByTestId('edit-form-example.com');
    const from = form.querySelector('input[name="from"]') as HTMLInputElement;
    expect(from.value).toBe('news@example.com');
    await fireEvent.input(from, { target: { value: 'ops@other.org' } });
    await fireEvent.submit(form);
    expect(fake.editProfile).toHaveBeenLastCalledWith(expect.objectContaining({ profile: 'example.com', from: 'ops@other.org', port: null }));
    await vi.waitFor(() => expect(document.querySelector('[data-code="profile.from_outside_domain"]')).toBeInTheDocument());
    await fireEvent.input(from, { target: { value: 'ops@example.com' } });
    await fireEvent.submit(form);
    await vi.waitFor(() => expect(screen.queryByTestId('edit-form-example.com')).toBeNull());
  });

  it('replaces a key from the home screen and keeps only its masked form; shows the history', async () => {
    const key = 'SG.abcdefghijklmnopqrstuv.ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij-_01234';
    const profile = {
      name: 'example.com', provider: 'sendgrid', domain: 'example.com', from: 'news@example.com', created: '', updated: '',
      history: [
        { at: new Date(Date.now() - 2 * 86_400_000).toISOString(), outcomes: [{ code: 'spf.ok', severity: 'pass' as const, area: 'spf', offers: [] }] },
        { at: new Date(Date.now() - 86_400_000).toISOString(), outcomes: [{ code: 'dkim.missing', severity: 'fail' as const, area: 'dkim', offers: [] }] },
      ],
    };
    fake.listProfiles.mockResolvedValue({ profiles: [profile], summaries: [], findings: [] });
    fake.rotateKey.mockResolvedValue({ ok: true, masked_key: 'SG.ab…1234', profile, findings: [] });
    render(App);
    await fireEvent.click(await screen.findByRole('button', { name: 'Replace the key of example.com' }));
    await fireEvent.input(screen.getByTestId('new-key-example.com'), { target: { value: key } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save new key' }));
    expect(fake.rotateKey).toHaveBeenCalledWith({ profile: 'example.com', key });
    await vi.waitFor(() => expect(screen.getByRole('status')).toHaveTextContent('New key saved: SG.ab…1234'));
    expect(screen.queryByTestId('new-key-example.com')).toBeNull();
    expect(document.body.innerHTML).not.toContain(key.slice(3, 40));
    const history = screen.getByText('History (2)').closest('details');
    expect(history).toHaveTextContent('1 failing: dkim.missing');
    expect(history).toHaveTextContent('passed');
  });
});

describe('key step: the provider pre-flight', () => {
  const postmark: Provider = {
    ...sendgrid,
    id: 'postmark',
    name: 'Postmark',
    username: { kind: 'same_as_key', alternative: 'an SMTP Token: its access key as the username' },
    key_rule: 'postmark_server_token',
    key_label: 'Server API Token',
    message_streams: true,
  };
  const token = '9d8c7b6a-5f4e-4d3c-a2b1-0f9e8d7c6b5a';
  const f = (code: string, severity: 'pass' | 'warn' | 'fail', title: string, more: Partial<PreflightReport['findings'][number]> = {}) => ({
    code, severity, title, detail: '', fix: [], area: 'key' as const, offers: [], ...more,
  });
  const tokenKind = f('postmark.token_kind', 'warn', 'Make sure this is a Server API Token, not the Account API Token');
  const accountToken: PreflightReport = {
    provider: 'postmark', ok: false, reach: 'checked', key_refused: true, settles: ['postmark.token_kind', 'key.looks_valid'],
    findings: [f('postmark.account_token', 'fail', 'This is an Account API token, not a Server API token', {
      detail: 'It sees 2 server(s): “Production” (Live); “Staging” (Sandbox).',
      fix: ['Open Postmark → Servers → the server you send from → API Tokens, and copy its Server API Token.'],
      offers: ['replace_key'],
    })],
  };

  async function pasteOnKeyStep(provider: Provider, key: string) {
    fake.listProviders.mockResolvedValue([provider]);
    fake.checkKey.mockResolvedValue({ provider: provider.id, ok: true, masked: 'x…y', findings: [tokenKind, f('key.looks_valid', 'pass', 'The Server API Token looks right')] });
    render(App);
    await fireEvent.click(await screen.findByRole('radio', { name: new RegExp(provider.name) }));
    await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await fireEvent.paste(screen.getByTestId('key-input'), { clipboardData: { getData: () => key } });
  }

  it('asks the provider once the format check passes; a refused Account token stops the step and offers another paste', async () => {
    fake.preflightKey.mockResolvedValue(accountToken);
    try {
      await pasteOnKeyStep(postmark, token);
      await vi.waitFor(() => expect(screen.getByTestId('preflight-verdict')).toHaveTextContent('Postmark says this key cannot send mail'));
      expect(fake.preflightKey).toHaveBeenCalledTimes(1);
      expect(fake.preflightKey).toHaveBeenCalledWith(expect.objectContaining({ provider: 'postmark', key: token, username: null, domain: null }));
      expect(document.querySelector('[data-code="postmark.account_token"]')).toHaveTextContent('Production');
      // Settled by Postmark's answer: the format check's "make sure" and "looks right" are gone.
      expect(document.querySelector('[data-code="postmark.token_kind"]')).toBeNull();
      expect(document.querySelector('[data-code="key.looks_valid"]')).toBeNull();
      expect(screen.getByRole('button', { name: 'Next' })).toBeDisabled();

      await fireEvent.click(screen.getByTestId('paste-another'));
      expect(screen.getByTestId<HTMLInputElement>('key-input').value).toBe('');
      expect(screen.getByTestId('key-input')).toHaveFocus();
      expect(screen.queryByTestId('preflight')).toBeNull();
      expect(screen.getByRole('button', { name: 'Next' })).toBeDisabled();
    } finally {
      fake.listProviders.mockResolvedValue([sendgrid]);
      fake.checkKey.mockResolvedValue(report);
    }
  });

  it('"could not check" is a warning that never holds up Next', async () => {
    fake.preflightKey.mockResolvedValue({
      provider: 'sendgrid', ok: true, reach: 'could_not_check', key_refused: false, settles: [],
      findings: [f('api.could_not_check', 'warn', "SendGrid's API could not check the key")],
    });
    await pasteOnKeyStep(sendgrid, 'SG.x');
    await vi.waitFor(() => expect(screen.getByTestId('preflight-findings')).toHaveAttribute('data-reach', 'could_not_check'));
    expect(document.querySelector('[data-code="api.could_not_check"]')).toBeInTheDocument();
    expect(screen.queryByTestId('preflight-verdict')).toBeNull();
    expect(screen.getByRole('button', { name: 'Next' })).toBeEnabled();
    fake.listProviders.mockResolvedValue([sendgrid]);
    fake.checkKey.mockResolvedValue(report);
  });

  it('Next waits for a running pre-flight; Skip cancels it by its operation id and lets the admin go on', async () => {
    fake.preflightKey.mockReturnValue(new Promise(() => {}));
    fake.cancelOperation.mockResolvedValue(true);
    await pasteOnKeyStep(sendgrid, 'SG.x');
    await vi.waitFor(() => expect(screen.getByTestId('preflight-running')).toHaveTextContent("Asking SendGrid's API"));
    expect(screen.getByRole('button', { name: 'Next' })).toBeDisabled();
    await fireEvent.click(screen.getByTestId('preflight-skip'));
    const operation = (fake.preflightKey.mock.calls[0]?.[0] as { operation: string }).operation;
    expect(fake.cancelOperation).toHaveBeenCalledWith(operation);
    expect(screen.getByTestId('preflight-skipped')).toHaveTextContent('SendGrid was not asked');
    expect(screen.getByRole('button', { name: 'Next' })).toBeEnabled();
    fake.listProviders.mockResolvedValue([sendgrid]);
    fake.checkKey.mockResolvedValue(report);
  });

  it('asks again with the domain when saving; the records stay for the DNS step, the key does not', async () => {
    const key = 'SG.abcdefghijklmnopqrstuv.ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij-_01234';
    const accepted: PreflightReport = {
      provider: 'sendgrid', ok: true, reach: 'checked', key_refused: false, settles: [],
      findings: [f('sendgrid.mail_send_allowed', 'pass', 'SendGrid accepts the key, and it may send mail')],
    };
    const records = {
      provider: 'sendgrid', domain: 'example.com', valid: true,
      records: [{ label: 'DKIM 1', type: 'CNAME', host: 's1._domainkey.example.com', value: 's1.domainkey.u7.wl.sendgrid.net', valid: true }],
    };
    fake.preflightKey.mockImplementation((request: { domain: string | null }) =>
      Promise.resolve(
        request.domain === null
          ? accepted
          : { ...accepted, records, findings: [...accepted.findings, f('sendgrid.domain_auth_valid', 'pass', "SendGrid marks example.com's domain authentication valid")] },
      ),
    );
    fake.saveProfile.mockResolvedValue({
      ok: true,
      masked_key: 'SG.ab…1234',
      profile: { name: 'example.com', provider: 'sendgrid', domain: 'example.com', from: 'news@example.com', created: '', updated: '', history: [] },
      findings: [],
    });
    render(App);
    await fireEvent.click(await screen.findByRole('radio', { name: /SendGrid/ }));
    await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await fireEvent.paste(screen.getByTestId('key-input'), { clipboardData: { getData: () => key } });
    await vi.waitFor(() => expect(document.querySelector('[data-code="sendgrid.mail_send_allowed"]')).toBeInTheDocument());
    await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await fireEvent.input(screen.getByLabelText('Sending domain'), { target: { value: 'example.com' } });
    await fireEvent.input(screen.getByLabelText('From address'), { target: { value: 'news@example.com' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await vi.waitFor(() => expect(screen.getByTestId('records-read')).toHaveTextContent("1 record(s) read from SendGrid's API"));
    expect(fake.preflightKey).toHaveBeenLastCalledWith(expect.objectContaining({ key, domain: 'example.com', stream: null }));
    expect(document.querySelector('[data-code="sendgrid.domain_auth_valid"]')).toBeInTheDocument();
    // Only what the Key step did not show already.
    expect(screen.getByTestId('provider-records').querySelector('[data-code="sendgrid.mail_send_allowed"]')).toBeNull();
    expect(document.body.innerHTML).not.toContain(key.slice(3, 40));
    expect(screen.getByRole('button', { name: 'Next' })).toBeEnabled();
  });

  it('after saving, nothing in the window holds the key: not on the DNS step, not Back on the Key step, whose username can no longer undo the records', async () => {
    const postmark: Provider = {
      ...sendgrid, id: 'postmark', name: 'Postmark', key_rule: 'postmark_server_token', key_label: 'Server API Token', message_streams: true,
      username: { kind: 'same_as_key', alternative: 'an SMTP Token: its access key as the username' },
    };
    const key = '9d8c7b6a-5f4e-4d3c-a2b1-0f9e8d7c6b5a';
    const accepted: PreflightReport = {
      provider: 'postmark', ok: true, reach: 'checked', key_refused: false, settles: [],
      findings: [f('postmark.server_token', 'pass', 'Postmark accepts this Server API Token')],
    };
    const records = {
      provider: 'postmark', domain: 'example.com', valid: true,
      records: [{ label: 'DKIM', type: 'TXT', host: '20240101pm._domainkey.example.com', value: 'k=rsa; p=MIGf', valid: true }],
    };
    fake.listProviders.mockResolvedValue([postmark]);
    fake.checkKey.mockResolvedValue({ provider: 'postmark', ok: true, masked: '9d8c…6b5a', findings: [f('key.looks_valid', 'pass', 'The Server API Token looks right')] });
    fake.preflightKey.mockImplementation((request: { domain: string | null }) =>
      Promise.resolve(request.domain === null ? accepted : { ...accepted, records, findings: [] }),
    );
    fake.saveProfile.mockResolvedValue({
      ok: true,
      masked_key: '9d8c…6b5a',
      profile: { name: 'example.com', provider: 'postmark', domain: 'example.com', from: 'news@example.com', created: '', updated: '', history: [] },
      findings: [],
    });
    fake.auditDns.mockReturnValue(new Promise(() => {}));
    try {
      render(App);
      await fireEvent.click(await screen.findByRole('radio', { name: /Postmark/ }));
      await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
      await fireEvent.paste(screen.getByTestId('key-input'), { clipboardData: { getData: () => key } });
      await vi.waitFor(() => expect(document.querySelector('[data-code="postmark.server_token"]')).toBeInTheDocument());
      await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
      await fireEvent.input(screen.getByLabelText('Sending domain'), { target: { value: 'example.com' } });
      await fireEvent.input(screen.getByLabelText('From address'), { target: { value: 'news@example.com' } });
      await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
      await vi.waitFor(() => expect(screen.getByTestId('records-read')).toHaveTextContent("1 record(s) read from Postmark's API"));

      /** Every text, attribute and form value in the window. */
      const windowText = () =>
        document.documentElement.outerHTML +
        Array.from(document.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('input, textarea')).map((i) => i.value).join('\n');
      await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
      await screen.findByRole('heading', { level: 1, name: /Check DNS/ });
      expect(fake.auditDns).toHaveBeenCalledWith(expect.objectContaining({ providerRecords: records }), expect.any(Function));
      expect(JSON.stringify(fake.auditDns.mock.lastCall)).not.toContain(key);
      expect(windowText()).not.toContain(key);

      // Back on the Key step: the saved key's masked form, no field to paste into or edit.
      await fireEvent.click(screen.getByRole('button', { name: 'Back' }));
      await fireEvent.click(screen.getByRole('button', { name: 'Back' }));
      await screen.findByRole('heading', { level: 1, name: /Paste your Postmark/ });
      expect(screen.getByRole('status')).toHaveTextContent('Saved in the OS keychain as 9d8c…6b5a');
      expect(screen.queryByTestId('key-input')).toBeNull();
      expect(screen.queryByRole('textbox', { name: /Username/ })).toBeNull();
      expect(windowText()).not.toContain(key);
      await vi.waitFor(() => expect(screen.getByRole('button', { name: 'Next' })).toBeEnabled());
      await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
      // The records read from Postmark are still there for the DNS step.
      expect(screen.getByTestId('records-read')).toHaveTextContent("1 record(s) read from Postmark's API");
      expect(fake.preflightKey).toHaveBeenCalledTimes(2);
    } finally {
      fake.listProviders.mockResolvedValue([sendgrid]);
      fake.checkKey.mockResolvedValue(report);
    }
  });

  it('an answer about the key as it was never lets Next go on with the key as it is now', async () => {
    fake.preflightKey.mockResolvedValue(notCheckable);
    render(App);
    await fireEvent.click(await screen.findByRole('radio', { name: /SendGrid/ }));
    await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await fireEvent.paste(screen.getByTestId('key-input'), { clipboardData: { getData: () => 'SG.first' } });
    await vi.waitFor(() => expect(screen.getByRole('button', { name: 'Next' })).toBeEnabled());
    // The key is edited; its check has not answered yet.
    const pending = new Promise<KeyCheckReport>(() => {});
    fake.checkKey.mockReturnValue(pending);
    const calls = fake.checkKey.mock.calls.length;
    await fireEvent.input(screen.getByTestId('key-input'), { target: { value: 'SG.first-and-more' } });
    await vi.waitFor(() => expect(fake.checkKey.mock.calls.length).toBe(calls + 1));
    expect(screen.getByRole('button', { name: 'Next' })).toBeDisabled();
    expect(screen.queryByTestId('preflight-again')).toBeNull();
    fake.checkKey.mockResolvedValue(report);
  });
});
