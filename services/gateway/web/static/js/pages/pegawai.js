// Pegawai: search with filters, and the dossier of one person.

import { h, clear, field, select, table, dl, card, tabs, loading, message, errorMessage, pager, guarded, link } from '../dom.js';
import { t, label, formatDate, formatCount } from '../i18n.js';
import { api } from '../api.js';
import { agencySelect, RANKS, EMPLOYEE_STATUSES, rankText, canSee, masked, predicateBadge } from '../common.js';
import { agencyName, positionName, unitName, later } from '../lookups.js';
import { nineBoxMini } from './shared/ninebox.js';
import { mutationsOf } from './shared/mutations.js';
import { trainingOf } from './shared/training.js';

export async function search(root, ctx) {
  const q = ctx.query;
  const name = h('input', { name: 'name', value: q.name || '', autocomplete: 'off' });
  const nip = h('input', { name: 'nip', value: q.nip || '', inputmode: 'numeric', autocomplete: 'off' });
  const agency = await agencySelect({ value: q.agency, allOption: true });
  const rank = select([['', t('common.any')], ...RANKS.map((r) => [r, rankText(r)])], { name: 'rank', value: q.rank || '' });
  const status = select([['', t('common.any')], ...EMPLOYEE_STATUSES.map((s) => [s, label('employee_status', s)])], {
    name: 'status',
    value: q.status || 'active',
  });
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': t('pegawai.search') },
    field(t('pegawai.name'), name),
    field(t('pegawai.nip'), nip),
    field(t('common.agency'), agency),
    field(t('pegawai.rank'), rank),
    field(t('pegawai.status'), status),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.search'))),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    ctx.navigate('/pegawai', { name: name.value.trim(), nip: nip.value.trim(), agency: agency.value, rank: rank.value, status: status.value });
  });
  const results = h('div', { 'aria-live': 'polite' });
  root.append(form, results);

  const rows = [];
  const columns = [
    { label: t('pegawai.nip'), cell: (e) => link(e.nip, `#/pegawai/${e.nip}`) },
    { label: t('pegawai.name'), cell: (e) => e.display_name },
    { label: t('pegawai.rank'), cell: (e) => rankText(e.rank_code) },
    { label: t('pegawai.position'), cell: (e) => later(positionName(e.position_id)) },
    { label: t('common.agency'), cell: (e) => later(agencyName(e.agency_code), e.agency_code) },
    { label: t('pegawai.status'), cell: (e) => label('employee_status', e.status) },
  ];
  const tableHolder = h('div');
  results.append(tableHolder);
  await guarded(results, () =>
    pager(
      results,
      (cursor) =>
        api.get('/employees', {
          name: q.name, nip: q.nip, agency: q.agency, rank: q.rank, status: q.status || 'active', limit: 25, cursor,
        }),
      (items, more) => {
        rows.push(...items);
        const count = formatCount({ loaded: rows.length, more });
        clear(tableHolder, table(columns, rows, { caption: t('pegawai.results', { count }), emptyText: t('pegawai.none') }));
        tableHolder.querySelector('table').classList.add('stack');
      },
    ),
    t('services.employee'),
  );
}

export async function dossier(root, ctx) {
  const { nip } = ctx.params;
  let employee;
  try {
    employee = await api.get(`/employees/${nip}`);
  } catch (error) {
    if (error.status === 404 && error.detail) root.append(message(t('pegawai.not_found', { nip }), 'warning'));
    else root.append(errorMessage(error, t('services.employee')));
    return;
  }
  ctx.setTitle(employee.display_name);
  root.append(
    h('p', { class: 'lead' }, `${t('pegawai.nip')} ${employee.nip} · ${rankText(employee.rank_code)}`),
    tabs([
      { label: t('pegawai.tab_data'), render: (panel) => dataPanel(panel, employee) },
      { label: t('pegawai.tab_history'), render: (panel) => historyPanel(panel, nip) },
      { label: t('pegawai.tab_performance'), render: (panel) => performancePanel(panel, nip) },
      { label: t('pegawai.tab_training'), render: (panel) => trainingOf(panel, nip) },
      { label: t('pegawai.tab_mutations'), render: (panel) => mutationsOf(panel, { nip }) },
    ]),
  );
}

export function dataPanel(panel, e) {
  const show = (fieldName, value) => (canSee(fieldName, e.nip) ? value : masked());
  panel.append(
    card(
      t('pegawai.identity'),
      dl([
        [t('pegawai.name'), e.display_name],
        [t('pegawai.nip'), e.nip],
        [t('pegawai.nik'), show('nik', e.nik || '—')],
        [t('pegawai.birth'), show('birth_date', `${canSee('birth_place', e.nip) ? `${e.birth_place || '—'}, ` : ''}${formatDate(e.birth_date)}`)],
        [t('pegawai.gender'), label('gender', e.gender)],
        [t('pegawai.employment_type'), e.employment_type],
        [t('pegawai.status'), label('employee_status', e.status)],
        [t('pegawai.disciplinary'), show('disciplinary_status', label('disciplinary', e.disciplinary_status))],
      ]),
    ),
    card(
      t('pegawai.placement'),
      dl([
        [t('common.agency'), later(agencyName(e.agency_code), e.agency_code)],
        [t('pegawai.unit'), later(unitName(e.unit_id))],
        [t('pegawai.position'), later(positionName(e.position_id))],
        [t('pegawai.position_tmt'), formatDate(e.position_tmt)],
        [t('pegawai.rank'), rankText(e.rank_code)],
        [t('pegawai.rank_tmt'), formatDate(e.rank_tmt)],
        [t('pegawai.tmt_cpns'), formatDate(e.tmt_cpns)],
        [t('pegawai.work_location'), e.work_location || '—'],
        [t('pegawai.bond'), show('ten_year_bond_until', e.ten_year_bond_until ? t('pegawai.bond_until', { date: formatDate(e.ten_year_bond_until) }) : t('pegawai.no_bond'))],
      ]),
    ),
    card(
      t('pegawai.education'),
      table(
        [
          { label: t('pegawai.education_level'), cell: (x) => x.level },
          { label: t('pegawai.institution'), cell: (x) => x.institution },
          { label: t('pegawai.major'), cell: (x) => x.major || '—' },
          { label: t('pegawai.graduation'), cell: (x) => x.graduation_year, numeric: true },
        ],
        e.education || [],
      ),
    ),
    card(
      t('pegawai.competencies'),
      table(
        [
          { label: t('pegawai.competency'), cell: (c) => c.competency },
          { label: t('pegawai.level'), cell: (c) => c.level, numeric: true },
          { label: t('pegawai.assessed_on'), cell: (c) => formatDate(c.assessed_on) },
        ],
        e.competencies || [],
      ),
    ),
  );
}

async function historyPanel(panel, nip) {
  panel.append(loading());
  await guarded(panel, async () => {
    const history = await api.get(`/employees/${nip}/history`);
    const entries = [
      ...history.ranks.map((r) => ({ tmt: r.tmt, text: t('pegawai.history_rank', { rank: rankText(r.rank_code) }), note: r.decree_number })),
      ...history.positions.map((p) => ({
        tmt: p.tmt,
        node: h('span', {}, later(positionName(p.position_id)), ' · ', later(unitName(p.unit_id)), ' · ', later(agencyName(p.agency_code), p.agency_code)),
        note: p.reason,
        mutation: p.mutation_id,
      })),
    ].sort((a, b) => String(b.tmt).localeCompare(String(a.tmt)));
    clear(
      panel,
      h('h2', {}, t('pegawai.timeline')),
      entries.length === 0
        ? message(t('common.empty'))
        : h(
            'ol',
            { class: 'timeline' },
            entries.map((entry) =>
              h(
                'li',
                {},
                h('time', { datetime: entry.tmt }, formatDate(entry.tmt)),
                entry.text || entry.node,
                entry.note ? h('div', { class: 'small muted' }, entry.note) : null,
                entry.mutation ? h('div', { class: 'small' }, link(t('pegawai.see_mutation'), `#/mutasi/${entry.mutation}`)) : null,
              ),
            ),
          ),
    );
  }, t('services.employee'));
}

export async function performancePanel(panel, nip, { linkSkp = true } = {}) {
  const skpBox = h('div', {}, loading());
  const talentBox = h('div');
  panel.append(card(t('pegawai.appraisals'), skpBox), card(t('pegawai.talent'), talentBox));
  guarded(skpBox, async () => {
    const page = await api.get('/skp', { nip, limit: 50 });
    const details = await Promise.all(page.items.map((s) => api.get(`/skp/${s.id}`)));
    const rows = details
      .flatMap((skp) => skp.evaluations.map((e) => ({ skp, e })))
      .sort((a, b) => String(b.e.ends_on).localeCompare(String(a.e.ends_on)));
    clear(
      skpBox,
      table(
        [
          { label: t('penilaian.year'), cell: (r) => r.skp.year, numeric: true },
          { label: t('penilaian.point'), cell: (r) => pointLabel(r.e.point) },
          { label: t('penilaian.predicate'), cell: (r) => predicateBadge(r.e.predicate) },
          { label: t('penilaian.final'), cell: (r) => (r.e.finalised_at ? t('common.yes') : t('common.no')) },
          ...(linkSkp ? [{ label: t('common.detail'), cell: (r) => link(t('common.open'), `#/penilaian/skp/${r.skp.id}`) }] : []),
        ],
        rows,
        { emptyText: t('penilaian.no_evaluations') },
      ),
    );
  }, t('services.appraisal'));
  guarded(talentBox, async () => {
    const talent = await api.get(`/talent/employees/${nip}`);
    clear(
      talentBox,
      talent.box
        ? h('p', {}, t('penilaian.in_box', { box: talent.box, performance: label('performance', talent.performance), potential: label('potential', talent.potential) }))
        : message(t('penilaian.no_box')),
      nineBoxMini(talent.box),
      talent.box ? h('p', { class: 'small' }, t('penilaian.actions'), ' ', t(`ninebox.actions_${talent.box}`)) : null,
    );
  }, t('services.appraisal'));
}

export function pointLabel(point) {
  if (point === 'annual') return t('penilaian.annual');
  return point;
}
