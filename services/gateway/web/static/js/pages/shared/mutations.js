// Mutation pieces other pages embed: a person's proposals (dossier), the overview's open and overdue
// files, and the employee's own proposals with accept / object.

import { h, clear, card, loading, message, errorMessage, guarded, link, dl } from '../../dom.js';
import { t, label, formatDate, formatNumber } from '../../i18n.js';
import { request } from '../../api.js';
import { barChart } from '../../charts.js';
import { agencyName, positionName, later } from '../../lookups.js';

const OPEN_STATES = ['draft', 'submitted', 'returned', 'verified', 'origin_released', 'destination_accepted', 'technically_reviewed', 'decree_issued', 'effective', 'failed'];

export async function listProposals(params, { states, max = 1000 } = {}) {
  const items = [];
  let cursor = null;
  do {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...params, limit: 500, cursor })) if (v !== null && v !== undefined && v !== '') search.append(k, v);
    for (const s of states || []) search.append('state', s);
    const { data } = await request(`/mutations?${search}`);
    items.push(...data.items);
    cursor = data.next_cursor;
  } while (cursor && items.length < max);
  return items;
}

export async function mutationsOf(panel, { nip }) {
  panel.append(loading());
  const { proposalsTable } = await import('../mutasi.js');
  await guarded(panel, async () => {
    const items = await listProposals({ nip });
    clear(panel, proposalsTable(items, { caption: t('mutasi.caption', { count: items.length }) }));
  }, t('services.mutation'));
}

export async function mutationSummary(container, { kind, code }) {
  container.append(loading());
  try {
    const scope = kind === 'agency' ? { agency_code: code } : {};
    const [open, overdue] = await Promise.all([listProposals(scope, { states: OPEN_STATES }), listProposals({ ...scope, overdue: 'true' })]);
    const byState = {};
    for (const p of open) byState[p.state] = (byState[p.state] || 0) + 1;
    const agencyQuery = kind === 'agency' ? `&agency=${code}` : '';
    clear(container, h('p', {}, t('beranda.mutations_line', { open: open.length, overdue: overdue.length })));
    barChart(
      container,
      OPEN_STATES.filter((s) => byState[s]).map((s) => ({ label: label('mutation_states', s), value: byState[s], href: `#/mutasi?state=${s}${agencyQuery}` })),
      { title: t('beranda.mutations'), valueLabel: t('beranda.proposals'), horizontal: true },
    );
    if (overdue.length) container.append(h('p', {}, link(t('beranda.see_overdue', { count: overdue.length }), `#/mutasi?overdue=true${agencyQuery}`)));
    return [
      { value: formatNumber(open.length), label: t('beranda.open_mutations'), href: `#/mutasi?state=open${agencyQuery}`, testid: 'open-mutations' },
      { value: formatNumber(overdue.length), label: t('beranda.overdue_mutations'), href: `#/mutasi?overdue=true${agencyQuery}`, testid: 'overdue-mutations' },
    ];
  } catch (error) {
    clear(container, errorMessage(error, t('services.mutation')));
    return null;
  }
}

export async function myProposals(panel, nip) {
  panel.append(loading());
  const { stateBadge, respondButtons } = await import('../mutasi.js');
  const render = async () => {
    const items = await listProposals({ nip });
    clear(panel, h('p', { class: 'lead' }, t('mandiri.proposals_intro')));
    if (!items.length) {
      panel.append(message(t('mandiri.no_proposals')));
      return;
    }
    for (const p of items.reverse()) {
      const feedback = h('div', { 'aria-live': 'polite' });
      const act = async (box, work, success) => {
        clear(box, loading());
        try {
          await work();
          await render();
          panel.prepend(message(success, 'success'));
        } catch (error) {
          clear(box, errorMessage(error, t('services.mutation')));
        }
      };
      const open = !['completed', 'rejected', 'withdrawn', 'cancelled', 'effective', 'draft'].includes(p.state);
      panel.append(
        card(
          t('mandiri.proposal_card', { date: formatDate(p.created_at) }),
          h('p', {}, stateBadge(p.state)),
          dl([
            [t('mutasi.to'), h('span', {}, later(positionName(p.target.position_id)), ' · ', later(agencyName(p.target.agency_code), p.target.agency_code))],
            [t('mutasi.reason'), p.reason],
            p.entered_by ? [t('mutasi.request_entered'), t('mutasi.entry_with_reason', { who: p.entered_by, reason: p.on_behalf_reason })] : null,
            [t('mutasi.proposed_tmt'), formatDate(p.proposed_tmt)],
            [t('mutasi.tmt'), formatDate(p.tmt)],
            [t('mutasi.employee_response'), p.employee_response ? label('employee_responses', p.employee_response) : t('mandiri.not_answered')],
          ]),
          h('p', {}, link(t('mandiri.proposal_detail'), `#/mutasi/${p.id}`)),
          open && !p.employee_response ? respondButtons(p, feedback, act) : null,
          feedback,
        ),
      );
    }
  };
  await guarded(panel, render, t('services.mutation'));
}
