// Eligibility checks as a person reads them: the rule's title and regulation, the outcome, and the reason
// in Indonesian built from the data the check used (the service's own sentence is kept as a detail).

import { h, badge, table } from '../../dom.js';
import { t, label, formatDate, formatNumber } from '../../i18n.js';

const TONE = { pass: 'success', warn: 'warning', fail: 'danger' };

const percent = (value) => formatNumber(value, Number.isInteger(value) ? 0 : 1);

function reasonOf(check) {
  const d = check.data || {};
  const o = check.outcome;
  const k = (name, params = {}) => t(`checks.${check.rule}.${name}`, params);
  switch (check.rule) {
    case 'active_pns':
      if (o === 'pass') return k('pass');
      return d.employment_type && d.employment_type !== 'PNS' ? k('not_pns', { type: d.employment_type }) : k('not_active', { status: label('employee_status', d.status) });
    case 'minimum_posting':
      if (d.years === null || d.years === undefined) return k('unknown');
      if (o === 'pass') return k('pass', { years: d.years });
      if (o === 'warn') return k('justified', { years: d.years });
      return k('fail', { years: d.years, minimum: d.minimum });
    case 'maximum_posting':
      if (d.years === null || d.years === undefined) return k('unknown');
      return o === 'pass' ? k('pass', { years: d.years }) : k('warn', { years: d.years, maximum: d.maximum });
    case 'target_room':
      if (d.staff_needed === null || d.staff_needed === undefined) return k('no_abk');
      if (o === 'fail') return k('fail', { gap: d.gap, incoming: d.incoming, needed: d.staff_needed, present: d.present });
      return d.room > 0 ? k('pass', { room: d.room, gap: d.gap }) : k('swap');
    case 'rank_fit':
      if (!d.minimum_rank) return k('no_minimum');
      if (!d.rank_code) return k('unknown');
      return o === 'fail' ? k('fail', { rank: d.rank_code, minimum: d.minimum_rank }) : k('pass', { rank: d.rank_code, minimum: d.minimum_rank });
    case 'job_class_fit':
      if (d.current_job_class === null || d.current_job_class === undefined) return k('unknown');
      if (o === 'fail') return k('fail', { target: d.target_job_class, current: d.current_job_class });
      if (o === 'warn') return k('warn', { target: d.target_job_class, current: d.current_job_class });
      return k('pass', { target: d.target_job_class, current: d.current_job_class });
    case 'competency_match':
      if (d.job_person_match === undefined) return k('no_standard');
      // The selection band the service gives (the agency's thresholds decide it), named by its code.
      return k(d.band, { match: formatNumber(d.job_person_match, 1), pass: percent(d.pass_percent), warn: percent(d.warn_percent) });
    case 'appraisal_predicate': {
      const years = Object.entries(d.predicates || {}).map(([y, p]) => `${label('predicates', p)} (${y})`).join(', ') || '—';
      if (o === 'fail') return k('fail', { minimum: label('predicates', d.minimum), found: years });
      if (o === 'warn') return k('warn', { count: Object.keys(d.predicates || {}).length, years: d.years, found: years });
      return k('pass', { minimum: label('predicates', d.minimum), found: years });
    }
    case 'disciplinary':
      return k(d.disciplinary_status === 'under_process' ? 'fail' : d.disciplinary_status === 'sanctioned' ? 'warn' : 'pass');
    case 'study_leave_or_bond':
      if (d.status === 'study_leave') return k('study_leave');
      if (o === 'fail') return k('bond', { until: formatDate(d.service_bond_until) });
      return o === 'warn' ? k('leave') : k('pass');
    case 'ten_year_bond':
      if (!d.cross_agency) return k('within');
      if (o === 'fail') return k('fail', { until: formatDate(d.ten_year_bond_until) });
      return d.ten_year_bond_until ? k('agency_initiated', { until: formatDate(d.ten_year_bond_until) }) : k('pass');
    case 'retirement':
      return k(o, { date: formatDate(d.retirement_date), age: d.retirement_age });
    case 'conflict_of_interest':
      if (d.relative_heads_unit) return k('heads');
      if ((d.relatives_in_unit || []).length) return k('in_unit');
      if ((d.relatives_in_agency || []).length) return k('in_agency');
      return k('pass');
    default:
      return check.reason;
  }
}

export function explain(check) {
  try {
    const text = reasonOf(check);
    return text && !text.startsWith('checks.') ? text : check.reason;
  } catch {
    return check.reason;
  }
}

function gapsTable(gaps) {
  const rows = Object.entries(gaps || {}).map(([competency, g]) => ({ competency, ...g }));
  if (!rows.length) return h('p', { class: 'small' }, t('checks.no_gaps'));
  return table(
    [
      { label: t('pegawai.competency'), cell: (r) => r.competency },
      { label: t('checks.required'), cell: (r) => r.required, numeric: true },
      { label: t('checks.actual'), cell: (r) => r.actual, numeric: true },
      { label: t('checks.gap'), cell: (r) => r.gap, numeric: true },
    ],
    rows,
    { caption: t('checks.gaps_caption') },
  );
}

export function checkItem(check, { action } = {}) {
  const overridden = check.outcome === 'fail' && !check.blocking;
  return h(
    'li',
    { class: `check check-${check.outcome === 'pass' ? 'passed' : check.outcome === 'warn' ? 'warning' : 'failed'}`, 'data-rule': check.rule, 'data-outcome': check.outcome },
    h(
      'div',
      {},
      badge(label('outcomes', check.outcome), TONE[check.outcome]),
      ' ',
      overridden ? badge(t('checks.overridden'), 'info') : null,
      check.blocking ? badge(t('checks.blocking'), 'danger') : null,
      ' ',
      h('strong', {}, check.title),
    ),
    h('p', { class: 'reason' }, explain(check)),
    check.rule === 'competency_match' && check.data && check.data.gaps ? gapsTable(check.data.gaps) : null,
    h('p', { class: 'small muted' }, t('checks.regulation', { regulation: check.regulation })),
    h('p', { class: 'small muted', lang: 'en' }, t('checks.system_reason', { reason: check.reason })),
    action || null,
  );
}

export function checkList(checks, { actionFor } = {}) {
  const order = { fail: 0, warn: 1, pass: 2 };
  const sorted = [...checks].sort((a, b) => order[a.outcome] - order[b.outcome]);
  const failed = checks.filter((c) => c.outcome === 'fail').length;
  const warned = checks.filter((c) => c.outcome === 'warn').length;
  const passed = sorted.filter((c) => c.outcome === 'pass');
  return h(
    'div',
    { 'data-testid': 'checks' },
    h('p', {}, failed ? t('checks.summary_failed', { failed, warned }) : warned ? t('checks.summary_warned', { warned }) : t('checks.summary_passed')),
    h('ul', { class: 'checks' }, sorted.filter((c) => c.outcome !== 'pass').map((c) => checkItem(c, { action: actionFor ? actionFor(c) : null }))),
    passed.length
      ? h(
          'details',
          { class: 'passed-checks' },
          h('summary', {}, t('checks.passed_list', { count: passed.length })),
          h('ul', { class: 'checks' }, passed.map((c) => checkItem(c))),
        )
      : null,
  );
}
