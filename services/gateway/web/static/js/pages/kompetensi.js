// Pengembangan kompetensi: the training catalogue, sessions and enrolment, JP compliance (a PNS's right to
// 20 JP a year; PPPK apart, under their ceiling), and development plans.

import { h, clear, field, select, table, tabs, loading, message, errorMessage, guarded, dialog, button, link } from '../dom.js';
import { t, label, formatDate, formatNumber } from '../i18n.js';
import { api, getAll } from '../api.js';
import { agencySelect, nipOk } from '../common.js';
import { employeeName, later } from '../lookups.js';
import { hasRole, currentUser } from '../session.js';
import { planCard } from './shared/training.js';

const FORMS = ['education', 'classical', 'bimtek', 'seminar', 'workshop', 'e_learning', 'distance_learning', 'coaching', 'mentoring', 'on_the_job', 'internship'];

export async function overview(root, ctx) {
  const names = ['katalog', 'sesi', 'jp', 'rencana'];
  const selected = Math.max(0, names.indexOf(ctx.query.tab || 'katalog'));
  root.append(
    tabs(
      [
        { label: t('kompetensi.tab_catalogue'), render: (panel) => catalogue(panel, ctx) },
        { label: t('kompetensi.tab_sessions'), render: (panel) => sessions(panel, ctx) },
        { label: t('kompetensi.tab_jp'), render: (panel) => compliance(panel, ctx) },
        { label: t('kompetensi.tab_plans'), render: (panel) => plans(panel, ctx) },
      ],
      { selected },
    ),
  );
}

async function catalogue(panel) {
  const form = select([['', t('common.any')], ...FORMS.map((f) => [f, label('forms', f)])], { name: 'form' });
  const competency = h('input', { name: 'competency', autocomplete: 'off' });
  const out = h('div');
  const show = () =>
    guarded(out, async () => {
      clear(out, loading());
      const items = await getAll('/programmes', { form: form.value, competency: competency.value.trim(), active: true }, 500);
      clear(
        out,
        table(
          [
            { label: t('kompetensi.code'), cell: (p) => p.code },
            { label: t('kompetensi.title'), cell: (p) => p.title },
            { label: t('kompetensi.form'), cell: (p) => label('forms', p.form) },
            { label: 'JP', cell: (p) => p.jp, numeric: true },
            { label: t('kompetensi.develops'), cell: (p) => p.competencies.map((c) => `${c.competency} (${c.level})`).join(', ') || '—' },
            { label: t('kompetensi.provider'), cell: (p) => p.provider },
            { label: t('kompetensi.sessions'), cell: (p) => link(t('kompetensi.see_sessions'), `#/kompetensi?tab=sesi&programme=${p.id}`) },
          ],
          items,
          { caption: t('kompetensi.catalogue_caption', { count: items.length }), emptyText: t('kompetensi.no_programmes') },
        ),
      );
    }, t('services.training'));
  const filters = h('form', { class: 'filters', role: 'search' }, field(t('kompetensi.form'), form), field(t('kompetensi.competency'), competency), h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.search'))));
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    show();
  });
  panel.append(filters, out);
  await show();
}

async function sessions(panel, ctx) {
  const out = h('div');
  const feedback = h('div', { 'aria-live': 'polite' });
  const user = currentUser();
  const enrol = async (session) => {
    const nip = h('input', { name: 'nip', inputmode: 'numeric', required: true, pattern: '\\d{18}', value: hasRole('hr_officer', 'admin') ? '' : user.nip || '' });
    const data = await dialog(t('kompetensi.enrol_title', { title: session.title }), field(t('pegawai.nip'), nip, { hint: t('kompetensi.enrol_hint') }), { submitText: t('kompetensi.enrol') });
    if (!data || !nipOk(data.nip)) return;
    try {
      const enrolment = await api.post(`/sessions/${session.id}/enrolments`, { nip: data.nip, join_waiting_list: true });
      clear(feedback, message(t(enrolment.status === 'waitlisted' ? 'kompetensi.waitlisted_done' : 'kompetensi.enrolled_done', { nip: data.nip }), 'success'));
      show();
    } catch (error) {
      clear(feedback, errorMessage(error, t('services.training')));
    }
  };
  const show = () =>
    guarded(out, async () => {
      clear(out, loading());
      const items = await getAll('/sessions', { programme: ctx.query.programme }, 500);
      clear(
        out,
        table(
          [
            { label: t('kompetensi.title'), cell: (s) => `${s.title} (${s.programme_code})` },
            { label: t('kompetensi.dates'), cell: (s) => `${formatDate(s.starts_on)} – ${formatDate(s.ends_on)}` },
            { label: t('kompetensi.delivery'), cell: (s) => label('delivery', s.delivery) + (s.place ? ` · ${s.place}` : '') },
            { label: 'JP', cell: (s) => s.jp, numeric: true },
            { label: t('kompetensi.free_seats'), cell: (s) => `${s.free_seats} / ${s.capacity}`, numeric: true },
            { label: t('kompetensi.waiting'), cell: (s) => `${s.waiting} / ${s.waiting_list_capacity}`, numeric: true },
            { label: t('common.actions'), cell: (s) => button(t('kompetensi.enrol'), () => enrol(s), { 'aria-label': t('kompetensi.enrol_in', { title: s.title }) }) },
          ],
          items,
          { caption: t('kompetensi.sessions_caption', { count: items.length }), emptyText: t('kompetensi.no_sessions') },
        ),
      );
    }, t('services.training'));
  panel.append(feedback, out);
  await show();
}

async function compliance(panel, ctx) {
  const agency = await agencySelect({ value: ctx.query.agency });
  const year = h('input', { name: 'year', type: 'number', min: '2000', max: '2100', value: ctx.query.year || String(new Date().getFullYear()) });
  const out = h('div');
  const show = () =>
    guarded(out, async () => {
      clear(out, loading());
      const report = await api.get('/jp/compliance', { agency: agency.value, year: year.value });
      const { required, pppk } = report;
      clear(
        out,
        h(
          'div',
          { class: 'stats' },
          h('div', { class: 'stat' }, h('span', { class: 'value' }, report.compliance_percent === null ? '—' : `${formatNumber(report.compliance_percent, 0)}%`), h('span', { class: 'label' }, t('kompetensi.compliance_stat', { required }))),
          h('div', { class: 'stat' }, h('span', { class: 'value' }, formatNumber(report.compliant)), h('span', { class: 'label' }, t('kompetensi.compliant', { required }))),
          h('div', { class: 'stat' }, h('span', { class: 'value' }, formatNumber(report.below.length)), h('span', { class: 'label' }, t('kompetensi.below', { required }))),
        ),
        table(
          [
            { label: t('pegawai.name'), cell: (b) => link(b.name, `#/pegawai/${b.nip}`) },
            { label: t('pegawai.nip'), cell: (b) => b.nip },
            { label: 'JP', cell: (b) => b.jp, numeric: true },
            { label: t('kompetensi.jp_shortfall'), cell: (b) => b.shortfall, numeric: true },
          ],
          report.below.slice(0, 200),
          { caption: t('kompetensi.below_caption', { year: report.year, count: report.below.length, required }), emptyText: t('kompetensi.all_compliant', { required }) },
        ),
        // PPPK have a ceiling, not a right: counted apart, never as below the PNS right.
        h('h2', {}, t('kompetensi.pppk_title')),
        message(t('kompetensi.pppk_summary', { employees: formatNumber(pppk.employees), within: formatNumber(pppk.within_ceiling), ceiling: pppk.ceiling, required, year: report.year }), 'info', t('kompetensi.pppk_ceiling_note')),
        table(
          [
            { label: t('pegawai.name'), cell: (a) => link(a.name, `#/pegawai/${a.nip}`) },
            { label: t('pegawai.nip'), cell: (a) => a.nip },
            { label: 'JP', cell: (a) => a.jp, numeric: true },
            { label: t('kompetensi.jp_excess'), cell: (a) => a.excess, numeric: true },
          ],
          pppk.above_ceiling.slice(0, 200),
          { caption: t('kompetensi.pppk_above_caption', { year: report.year, count: pppk.above_ceiling.length, ceiling: pppk.ceiling }), emptyText: t('kompetensi.pppk_none_above') },
        ),
      );
    }, t('services.training'));
  const filters = h('form', { class: 'filters' }, field(t('common.agency'), agency), field(t('kompetensi.year'), year), h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.show'))));
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    show();
  });
  panel.append(filters, out);
  await show();
}

async function plans(panel, ctx) {
  const user = currentUser();
  const agency = await agencySelect({ value: ctx.query.agency });
  const status = select([['', t('common.any')], ...['proposed', 'accepted', 'withdrawn'].map((s) => [s, label('plan_status', s)])], { name: 'status', value: 'proposed' });
  const mine = h('input', { type: 'checkbox', name: 'mine', checked: hasRole('supervisor') && !hasRole('hr_officer', 'admin') });
  const out = h('div', { class: 'page' });
  const show = () =>
    guarded(out, async () => {
      clear(out, loading());
      const query = mine.checked && user.nip ? { supervisor: user.nip, status: status.value } : { agency: agency.value, status: status.value };
      const items = await getAll('/development-plans', query, 200);
      clear(out, h('p', {}, t('kompetensi.plans_found', { count: items.length })));
      for (const plan of items.slice(0, 50)) {
        const holder = h('div', {}, h('h3', {}, link(later(employeeName(plan.nip), plan.nip), `#/pegawai/${plan.nip}`)), planCard(plan, { onChange: show }));
        out.append(holder);
      }
      if (!items.length) out.append(message(t('kompetensi.no_plans')));
    }, t('services.training'));
  const filters = h(
    'form',
    { class: 'filters' },
    field(t('common.agency'), agency),
    field(t('common.status'), status),
    user.nip ? h('div', { class: 'field' }, h('label', {}, mine, ' ', t('kompetensi.only_mine'))) : null,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.show'))),
  );
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    show();
  });
  panel.append(filters, out);
  await show();
}
