// Audit: the append-only, hash-chained decision logs (ARCHITECTURE.md §6) with filters, and a button that
// asks the chosen service to verify its whole chain. Each service that records decisions keeps its own chain
// (shared/audit): the mutation service's (proposals, decrees, policies) and the appraisal service's
// (finalisations, overrides, decisions on objections, entries made on someone's behalf) and the training
// service's (acceptances and follow-ups entered on someone's behalf).

import { h, clear, field, select, table, card, loading, message, errorMessage, guarded, pager, button, link } from '../dom.js';
import { t, label, formatDateTime, formatNumber, formatCount } from '../i18n.js';
import { api } from '../api.js';

const CHAINS = {
  mutasi: { list: '/audit', verify: '/audit/verify' },
  penilaian: { list: '/appraisal/audit', verify: '/appraisal/audit/verify' },
  pengembangan: { list: '/training/audit', verify: '/training/audit/verify' },
};

function subjectLink(entry) {
  if (entry.subject_type === 'proposal' || entry.subject_type === 'mutation') return link(entry.subject_id.slice(0, 8), `#/mutasi/${entry.subject_id}`);
  if (entry.subject_type === 'employee') return link(entry.subject_id, `#/pegawai/${entry.subject_id}`);
  if (entry.subject_type === 'appraisal_period') return link(entry.subject_id.slice(0, 8), `#/penilaian/periode/${entry.subject_id}`);
  if (entry.subject_type === 'skp') return link(entry.subject_id.slice(0, 8), `#/penilaian/skp/${entry.subject_id}`);
  // A development plan or an enrolment has no page of its own: its employee's dossier shows it.
  if ((entry.subject_type === 'development_plan' || entry.subject_type === 'enrolment') && entry.data && entry.data.nip) return link(entry.subject_id.slice(0, 8), `#/pegawai/${entry.data.nip}`);
  return entry.subject_id;
}

function dataSummary(data) {
  if (!data || typeof data !== 'object') return '';
  const parts = [];
  for (const [key, value] of Object.entries(data)) {
    if (value === null || value === undefined || typeof value === 'object') continue;
    parts.push(`${key}: ${value}`);
    if (parts.length >= 4) break;
  }
  return parts.join(' · ');
}

export async function log(root, ctx) {
  const q = ctx.query;
  const chainName = CHAINS[q.chain] ? q.chain : 'mutasi';
  const chain = CHAINS[chainName];
  const chainSelect = select(Object.keys(CHAINS).map((name) => [name, t(`audit.chain_${name}`)]), { name: 'chain', value: chainName });
  const subject = h('input', { name: 'subject', value: q.subject || '', autocomplete: 'off' });
  const actor = h('input', { name: 'actor', value: q.actor || '', autocomplete: 'off' });
  const action = h('input', { name: 'action', value: q.action || '', autocomplete: 'off' });
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': t('audit.filters') },
    field(t('audit.chain_of'), chainSelect),
    field(t('audit.subject'), subject, { hint: t('audit.subject_hint') }),
    field(t('audit.actor'), actor),
    field(t('audit.action'), action),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.show'))),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    ctx.navigate('/audit', { chain: chainSelect.value, subject: subject.value.trim(), actor: actor.value.trim(), action: action.value.trim() });
  });

  const verifyResult = h('div', { 'aria-live': 'polite', 'data-testid': 'verify-result' });
  const verify = button(t('audit.verify'), async () => {
    verify.disabled = true;
    clear(verifyResult, loading(t('audit.verifying')));
    try {
      const result = await api.get(chain.verify);
      clear(
        verifyResult,
        result.valid
          ? message(t('audit.chain_ok', { count: formatNumber(result.checked), head: result.head_seq ?? result.checked }), 'success', result.head_hash ? t('audit.head_hash', { hash: result.head_hash }) : null)
          : message(t('audit.chain_broken', { seq: result.first_bad_seq }), 'error', result.problem ? [result.problem] : null),
      );
    } catch (error) {
      clear(verifyResult, errorMessage(error, t('services.audit')));
    } finally {
      verify.disabled = false;
    }
  }, { class: 'btn btn-primary' });

  const entries = h('div');
  root.append(
    h('p', { class: 'lead' }, t('audit.intro')),
    card(t('audit.chain'), h('p', {}, t('audit.chain_intro', { chain: t(`audit.chain_${chainName}`) })), verify, verifyResult),
    form,
    entries,
  );
  const rows = [];
  const holder = h('div');
  entries.append(holder);
  const columns = [
    { label: t('audit.seq'), cell: (e) => e.seq, numeric: true },
    { label: t('common.date'), cell: (e) => formatDateTime(e.at) },
    { label: t('audit.actor'), cell: (e) => e.actor },
    { label: t('audit.action'), cell: (e) => label('audit_actions', e.action) },
    { label: t('audit.subject'), cell: (e) => subjectLink(e) },
    { label: t('common.agency'), cell: (e) => e.agency_code || '—' },
    { label: t('audit.data'), cell: (e) => h('span', { class: 'small' }, dataSummary(e.data)) },
  ];
  await guarded(entries, () =>
    pager(
      entries,
      (cursor) => api.get(chain.list, { subject_id: q.subject, limit: 200, cursor }),
      (items, more) => {
        // The log is filtered by subject on the server; actor and action narrow each loaded page here.
        rows.push(...items.filter((e) => (!q.actor || e.actor.includes(q.actor)) && (!q.action || e.action.includes(q.action))));
        const count = formatCount({ loaded: rows.length, more });
        clear(holder, table(columns, rows, { caption: t('audit.caption', { count }), emptyText: t('audit.empty') }));
        holder.querySelector('table').classList.add('stack');
      },
    ),
    t('services.audit'),
  );
}
