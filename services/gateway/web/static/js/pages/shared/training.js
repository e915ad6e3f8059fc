// Training pieces the dossier, the overview and self-service embed: JP against the yearly right of a PNS
// (20 JP, PP 11/2017 as amended) or the ceiling of a PPPK (24 JP, PP 49/2018, to confirm), both set by the
// training service; enrolments and development plans.

import { h, clear, card, table, loading, message, errorMessage, guarded, dl, button, dialog, field, select } from '../../dom.js';
import { t, label, formatDate, formatNumber } from '../../i18n.js';
import { api, getAll, request } from '../../api.js';
import { barChart } from '../../charts.js';
import { currentUser, hasRole } from '../../session.js';
import { agencyName } from '../../lookups.js';

// A PNS has a right to a minimum; a PPPK has no such right, only a ceiling, and is never "below".
function jpStanding(jp) {
  if (jp.required === null) {
    return message(t(jp.excess ? 'kompetensi.above_ceiling' : 'kompetensi.within_ceiling', { ceiling: jp.ceiling, excess: jp.excess }), jp.excess ? 'warning' : 'info', t('kompetensi.pppk_ceiling_note'));
  }
  return jp.meets_right ? message(t('kompetensi.meets_right', { required: jp.required }), 'success') : message(t('kompetensi.below_right', { shortfall: jp.shortfall, required: jp.required }), 'warning');
}

export function jpFacts(jp) {
  const underCeiling = jp.required === null;
  return h(
    'div',
    {},
    dl([
      [t('kompetensi.year'), jp.year],
      [t('kompetensi.jp_total'), h('span', { 'data-testid': 'jp-total' }, `${jp.total} JP`)],
      underCeiling ? [t('kompetensi.jp_ceiling'), `${jp.ceiling} JP`] : [t('kompetensi.jp_required'), `${jp.required} JP`],
      underCeiling ? [t('kompetensi.jp_excess'), jp.excess ? `${jp.excess} JP` : '—'] : [t('kompetensi.jp_shortfall'), jp.shortfall ? `${jp.shortfall} JP` : '—'],
    ]),
    jpStanding(jp),
    table(
      [
        { label: t('common.date'), cell: (e) => formatDate(e.completed_on) },
        { label: t('kompetensi.title'), cell: (e) => e.title },
        { label: 'JP', cell: (e) => e.jp, numeric: true },
        { label: t('kompetensi.source'), cell: (e) => label('jp_sources', e.source) },
      ],
      jp.entries,
      { caption: t('kompetensi.jp_entries', { year: jp.year }), emptyText: t('kompetensi.no_jp') },
    ),
  );
}

export function enrolmentsTable(items) {
  return table(
    [
      { label: t('kompetensi.title'), cell: (e) => e.title || e.programme_code || e.programme_id },
      { label: t('common.status'), cell: (e) => label('enrolment_status', e.status) + (e.waiting_position ? ` (#${e.waiting_position})` : '') },
      { label: 'JP', cell: (e) => (e.completion ? e.completion.jp : '—'), numeric: true },
      { label: t('kompetensi.certificate'), cell: (e) => (e.certificate ? e.certificate.number : '—') },
    ],
    items,
    { caption: t('kompetensi.enrolments'), emptyText: t('kompetensi.no_enrolments') },
  );
}

// An acceptance is the person's own, or one HR entered for them (given on paper) with the reason.
function acceptanceText(acceptance) {
  if (!acceptance) return t('common.no');
  if (!acceptance.on_behalf_reason) return formatDate(acceptance.at);
  return t('kompetensi.accepted_on_behalf', { date: formatDate(acceptance.at), by: acceptance.by, reason: acceptance.on_behalf_reason });
}

// One development plan: its gaps, what closes them, and who has accepted it.
export function planCard(plan, { onChange } = {}) {
  const user = currentUser();
  const feedback = h('div', { 'aria-live': 'polite' });
  const mySide = user.nip && user.nip === plan.nip ? 'employee' : user.nip && user.nip === plan.supervisor_nip ? 'supervisor' : null;
  const accepted = mySide === 'employee' ? plan.employee_accepted : mySide === 'supervisor' ? plan.supervisor_accepted : null;
  const send = async (json, done) => {
    try {
      const { etag } = await request(`/development-plans/${plan.id}`);
      const answer = await request(`/development-plans/${plan.id}/acceptance`, { method: 'POST', json, ifMatch: etag });
      clear(feedback, message(done, 'success'));
      if (onChange) onChange(answer.data);
    } catch (error) {
      clear(feedback, errorMessage(error, t('services.training')));
    }
  };
  const accept = () => send({}, t('kompetensi.plan_accepted'));
  // HR enters an acceptance given on paper: explicitly, for a named side, with the reason.
  const open = ['employee', 'supervisor'].filter((side) => !plan[`${side}_accepted`] && side !== mySide);
  const acceptFor = async () => {
    const side = select(open.map((s) => [s, t(`kompetensi.side_${s}`)]), { name: 'side' });
    const reason = h('textarea', { name: 'on_behalf_reason', required: true, maxlength: '500', rows: '3' });
    const data = await dialog(
      t('kompetensi.accept_for_title'),
      [field(t('kompetensi.accept_for_side'), side), field(t('kompetensi.on_behalf_reason'), reason, { hint: t('kompetensi.on_behalf_hint') })],
      { submitText: t('kompetensi.accept_for') },
    );
    if (!data) return;
    await send({ side: data.side, on_behalf_reason: data.on_behalf_reason }, t('kompetensi.accepted_for_done', { side: t(`kompetensi.side_${data.side}`) }));
  };
  return card(
    t('kompetensi.plan_title', { position: plan.position_name || '—' }),
    dl([
      [t('common.status'), label('plan_status', plan.status)],
      [t('kompetensi.plan_source'), label('plan_sources', plan.source)],
      [t('kompetensi.jpm'), plan.job_person_match === null ? '—' : `${formatNumber(plan.job_person_match, 1)}%`],
      [t('kompetensi.mentor'), plan.mentor ? `${plan.mentor.name} (${plan.mentor.nip})` : '—'],
      [t('kompetensi.employee_accepted'), acceptanceText(plan.employee_accepted)],
      [t('kompetensi.supervisor_accepted'), acceptanceText(plan.supervisor_accepted)],
    ]),
    table(
      [
        { label: t('kompetensi.item'), cell: (i) => (i.kind === 'coaching' ? t('kompetensi.coaching') : i.competency) },
        { label: t('kompetensi.levels'), cell: (i) => (i.required_level ? `${i.current_level ?? 0} → ${i.required_level}` : '—') },
        {
          label: t('kompetensi.chosen'),
          cell: (i) => {
            const chosen = i.recommendations.find((r) => r.programme_id === i.programme_id) || i.recommendations[0];
            if (!chosen) return i.note || t('kompetensi.mentoring_only');
            return `${chosen.title} (${chosen.jp} JP)${chosen.starts_on ? ` · ${formatDate(chosen.starts_on)}` : ''}${chosen.waitlisted ? ` · ${t('kompetensi.waitlisted')}` : ''}`;
          },
        },
        { label: t('kompetensi.target_date'), cell: (i) => formatDate(i.target_date) },
      ],
      plan.items,
      { caption: t('kompetensi.plan_items'), emptyText: t('kompetensi.no_gaps') },
    ),
    plan.status === 'proposed' && mySide && !accepted ? h('div', { class: 'actions' }, button(t('kompetensi.accept_plan'), accept, { class: 'btn btn-primary' })) : null,
    plan.status === 'proposed' && open.length && hasRole('hr_officer', 'admin') ? h('div', { class: 'actions' }, button(t('kompetensi.accept_for'), acceptFor)) : null,
    feedback,
  );
}

export async function trainingOf(panel, nip) {
  const jpBox = h('div', {}, loading());
  const enrolBox = h('div', {}, loading());
  const planBox = h('div', {}, loading());
  panel.append(card(t('kompetensi.jp'), jpBox), card(t('kompetensi.enrolments'), enrolBox), h('div', { class: 'page' }, planBox));
  guarded(jpBox, async () => clear(jpBox, jpFacts(await api.get(`/jp/${nip}`))), t('services.training'));
  guarded(enrolBox, async () => clear(enrolBox, enrolmentsTable(await getAll('/enrolments', { nip }, 200))), t('services.training'));
  guarded(planBox, async () => {
    const plans = await getAll('/development-plans', { nip }, 50);
    clear(planBox, plans.length ? plans.map((p) => planCard(p)) : message(t('kompetensi.no_plans')));
  }, t('services.training'));
}

export async function myDevelopment(panel, nip) {
  const jpBox = h('div', {}, loading());
  const planBox = h('div', { class: 'page' }, loading());
  const enrolBox = h('div', {}, loading());
  panel.append(card(t('kompetensi.my_jp'), jpBox), planBox, card(t('kompetensi.enrolments'), enrolBox));
  guarded(jpBox, async () => clear(jpBox, jpFacts(await api.get(`/jp/${nip}`))), t('services.training'));
  const showPlans = async () => {
    const plans = await getAll('/development-plans', { nip }, 50);
    clear(planBox, plans.length ? plans.map((p) => planCard(p, { onChange: () => guarded(planBox, showPlans) })) : message(t('kompetensi.no_plans')));
  };
  guarded(planBox, showPlans, t('services.training'));
  guarded(enrolBox, async () => clear(enrolBox, enrolmentsTable(await getAll('/enrolments', { nip }, 200))), t('services.training'));
}

async function complianceOf(codes) {
  const reports = await Promise.all(codes.map((code) => api.get('/jp/compliance', { agency: code })));
  return reports;
}

// Returns the overview's stat tiles; draws compliance per agency (province) or who is below (agency).
export async function jpSummary(container, { kind, code, agencies }) {
  container.append(loading());
  try {
    const codes = kind === 'province' ? await agencies : [code];
    const reports = await complianceOf(codes);
    const employees = reports.reduce((sum, r) => sum + r.employees, 0);
    const compliant = reports.reduce((sum, r) => sum + r.compliant, 0);
    const percent = employees ? (100 * compliant) / employees : null;
    // The right is the service's setting: the same for every agency.
    const required = reports[0] ? reports[0].required : null;
    const pppk = reports.reduce((sum, r) => sum + r.pppk.employees, 0);
    clear(
      container,
      h('p', {}, t('kompetensi.compliance_line', { compliant, employees, required, year: reports[0] ? reports[0].year : '' })),
      pppk ? h('p', { class: 'small' }, t('kompetensi.pppk_apart', { count: pppk, required })) : null,
    );
    if (kind === 'province') {
      barChart(
        container,
        await Promise.all(reports.map(async (r) => ({ label: `${await agencyName(r.agency_code)}`, value: r.compliance_percent ?? 0, href: `#/kompetensi?tab=jp&agency=${r.agency_code}` }))),
        { title: t('beranda.jp'), valueLabel: '%', horizontal: true },
      );
    } else {
      const report = reports[0];
      const buckets = [
        { label: t('kompetensi.bucket_0'), value: report.below.filter((b) => b.jp === 0).length },
        { label: t('kompetensi.bucket_low'), value: report.below.filter((b) => b.jp > 0 && b.jp < 10).length },
        { label: t('kompetensi.bucket_mid', { last: report.required - 1 }), value: report.below.filter((b) => b.jp >= 10).length },
        { label: t('kompetensi.bucket_ok', { required: report.required }), value: report.compliant },
      ].map((b) => ({ ...b, href: `#/kompetensi?tab=jp&agency=${code}` }));
      barChart(container, buckets, { title: t('beranda.jp'), valueLabel: t('kompetensi.people') });
    }
    return [{ value: percent === null ? '—' : `${formatNumber(percent, 0)}%`, label: t('kompetensi.compliance_stat', { required }), href: `#/kompetensi?tab=jp&agency=${kind === 'agency' ? code : codes[0] || ''}`, testid: 'jp-compliance' }];
  } catch (error) {
    clear(container, errorMessage(error, t('services.training')));
    return null;
  }
}
