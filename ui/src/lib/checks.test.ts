// The DNS step's live list, as pure functions: the core's progress events build the rows, the final
// report gives the same rows back, and sections keep the core's order with a checking state.
import { describe, expect, it } from 'vitest';
import { applyProgress, dnsSections, rowStatus, rowsOfReport } from './checks.svelte';
import type { AppInfo, DnsReport, Finding, PlannedRecord } from './ipc';

const finding = (code: string, severity: Finding['severity'], area: Finding['area']): Finding => ({
  code, severity, area, title: code, detail: '', fix: [], offers: [],
});
const spf: PlannedRecord = { id: 'spf', area: 'spf', kind: 'TXT', host: 'bücher.test', purpose: 'SPF' };
const s1: PlannedRecord = { id: 'dkim:s1', area: 'dkim', kind: 'CNAME', host: 's1._domainkey.bücher.test', purpose: 'DKIM' };
const m1: PlannedRecord = { id: 'dkim:m1', area: 'dkim', kind: 'TXT', host: 'm1._domainkey.bücher.test', purpose: 'DKIM' };
const info = {
  areas: [
    { area: 'spf', label: 'SPF', dns: true },
    { area: 'dkim', label: 'DKIM', dns: true },
    { area: 'dns', label: 'Return path and other records', dns: true },
    { area: 'dmarc', label: 'DMARC', dns: true },
  ],
} as AppInfo;

describe('DNS progress', () => {
  it('the announcement lists every record as checking; each result lands on its own record only', () => {
    let rows = applyProgress([], { event: 'planned', domain: 'bücher.test', records: [s1, m1, spf] });
    expect(rows.map(rowStatus)).toEqual(['checking', 'checking', 'checking']);
    const ok = finding('spf.ok', 'pass', 'spf');
    const warn = finding('dns.propagating', 'warn', 'dns');
    rows = applyProgress(rows, { event: 'checked', id: 'spf', in_use: true, findings: [ok, warn] });
    rows = applyProgress(rows, { event: 'checked', id: 'dkim:m1', in_use: false, findings: [] });
    rows = applyProgress(rows, { event: 'checked', id: 'not-announced', in_use: true, findings: [finding('x', 'fail', 'dns')] });
    expect(rows.map(rowStatus)).toEqual(['checking', 'unused', 'warn']);
    // Problems first within a record.
    expect(rows[2]?.findings.map((f) => f.code)).toEqual(['dns.propagating', 'spf.ok']);
    const sections = dnsSections(rows, [], info);
    expect(sections.map((s) => [s.area, s.status])).toEqual([['spf', 'warn'], ['dkim', 'checking']]);
  });

  it('the final report gives back the rows, and the findings of no one record by area', () => {
    const idn = finding('dns.idn_domain', 'pass', 'dns');
    const key = finding('dkim.ok', 'pass', 'dkim');
    const missing = finding('spf.missing', 'fail', 'spf');
    const report = {
      domain: 'xn--bcher-kva.test', provider: 'sendgrid', elapsed_ms: 3, verdict: 'failed', propagating: false,
      findings: [idn, key, missing],
      records: [
        { ...s1, in_use: true, findings: [1] },
        { ...m1, in_use: false, findings: [] },
        { ...spf, in_use: true, findings: [2] },
      ],
    } as DnsReport;
    const { rows, general } = rowsOfReport(report);
    expect(general).toEqual([idn]);
    expect(rows.map((r) => [r.record.id, rowStatus(r)])).toEqual([['dkim:s1', 'pass'], ['dkim:m1', 'unused'], ['spf', 'fail']]);
    const sections = dnsSections(rows, general, info);
    // The core's reading order, not problems first: sections do not move when results land.
    expect(sections.map((s) => [s.area, s.status])).toEqual([['spf', 'fail'], ['dkim', 'pass'], ['dns', 'pass']]);
    expect(sections[2]?.findings).toEqual([idn]);
  });
});
