// Penilaian kinerja (PermenPANRB 6/2022): the supervisor's SKP list and rating forms, the finalisation of an
// evaluation point with the distribution rules it breaks, and the 9-box grid of an agency. Who acts is who is
// recorded: an HR officer enters an absent appraiser's signed form only on their behalf, with a reason, and
// every entry made on someone's behalf shows who entered it and why.

import { h, add, clear, field, select, table, card, tabs, loading, message, errorMessage, guarded, link, dl, button, dialog } from '../dom.js';
import { t, label, formatDate, formatDateTime, formatNumber } from '../i18n.js';
import { api, getAll, request } from '../api.js';
import { agencySelect, predicateBadge, PREDICATES, RATINGS, CORE_VALUES } from '../common.js';
import { agencyName, employeeName, later } from '../lookups.js';
import { currentUser, hasRole } from '../session.js';
import { nineBoxGrid, describeBox } from './shared/ninebox.js';
import { barChart } from '../charts.js';

export function pointLabel(point) {
  if (point === 'annual') return t('penilaian.annual');
  const match = /^([MQS])0?(\d+)$/.exec(point || '');
  if (!match) return point;
  return t(`penilaian.point_${match[1]}`, { n: match[2] });
}

export async function overview(root, ctx) {
  const user = currentUser();
  const items = [];
  if (user.nip) items.push({ label: t('penilaian.tab_mine'), render: (panel) => mySkps(panel, user.nip) });
  if (hasRole('admin', 'hr_officer', 'approver')) items.push({ label: t('penilaian.tab_periods'), render: (panel) => periods(panel, ctx) });
  if (hasRole('admin', 'hr_officer', 'approver', 'supervisor')) items.push({ label: t('penilaian.tab_ninebox'), render: (panel) => nineBox(panel, ctx) });
  const wanted = { periode: 'penilaian.tab_periods', '9box': 'penilaian.tab_ninebox' }[ctx.query.tab];
  const selected = Math.max(0, wanted ? items.findIndex((i) => i.label === t(wanted)) : 0);
  root.append(tabs(items, { selected }));
}

async function mySkps(panel, nip) {
  panel.append(h('p', { class: 'lead' }, t('penilaian.mine_intro')), loading());
  await guarded(panel, async () => {
    const skps = await getAll('/skp', { appraiser: nip }, 500);
    clear(
      panel,
      h('p', { class: 'lead' }, t('penilaian.mine_intro')),
      table(
        [
          { label: t('pegawai.name'), cell: (s) => link(later(employeeName(s.nip), s.nip), `#/penilaian/skp/${s.id}`) },
          { label: t('pegawai.nip'), cell: (s) => s.nip },
          { label: t('penilaian.year'), cell: (s) => s.year, numeric: true },
          { label: t('penilaian.position_type'), cell: (s) => label('position_types', s.position_type) },
          { label: t('common.actions'), cell: (s) => link(t('penilaian.rate'), `#/penilaian/skp/${s.id}`) },
        ],
        skps,
        { caption: t('penilaian.mine_caption', { count: skps.length }), emptyText: t('penilaian.no_skps') },
      ),
    );
  }, t('services.appraisal'));
}

async function periods(panel, ctx) {
  const agency = await agencySelect({ value: ctx.query.agency });
  const out = h('div');
  const show = () =>
    guarded(out, async () => {
      clear(out, loading());
      const found = await getAll('/appraisal-periods', { agency: agency.value }, 200);
      found.sort((a, b) => b.year - a.year);
      clear(
        out,
        table(
          [
            { label: t('penilaian.year'), cell: (p) => link(String(p.year), `#/penilaian/periode/${p.id}`) },
            { label: t('penilaian.frequency'), cell: (p) => label('frequency', p.frequency) },
            { label: t('penilaian.org_predicate'), cell: (p) => label('org_predicates', p.organisation_predicate) },
            { label: t('penilaian.finalised_points'), cell: (p) => `${p.points.filter((x) => x.finalisation).length} / ${p.points.length}`, numeric: true },
          ],
          found,
          { caption: t('penilaian.periods_caption'), emptyText: t('penilaian.no_periods') },
        ),
      );
    }, t('services.appraisal'));
  agency.addEventListener('change', show);
  panel.append(h('div', { class: 'filters' }, field(t('common.agency'), agency)), out);
  await show();
}

// Who sits in a box: boxes 7-9 are the succession pool the API lists. The API has no list for the other
// boxes, so their people are found by asking for each SKP holder's box (bounded, a few at a time).
const BOX_SCAN_LIMIT = 300;

async function peopleInBox(agency, box, progress) {
  if (box >= 7) {
    const pool = await getAll('/talent/succession-pool', { agency }, 1000);
    return { people: pool.filter((p) => p.box === box), truncated: false };
  }
  const skps = await getAll('/skp', { agency }, 2000);
  const all = [...new Set(skps.map((s) => s.nip))];
  const nips = all.slice(0, BOX_SCAN_LIMIT);
  const people = [];
  for (let i = 0; i < nips.length; i += 4) {
    const batch = await Promise.all(nips.slice(i, i + 4).map((nip) => api.get(`/talent/employees/${nip}`).catch(() => null)));
    people.push(...batch.filter((p) => p && p.box === box));
    progress(Math.min(i + 4, nips.length), nips.length);
  }
  return { people, truncated: all.length > nips.length };
}

async function nineBox(panel, ctx) {
  const agency = await agencySelect({ value: ctx.query.agency });
  const gridHolder = h('div');
  const people = h('div', { 'aria-live': 'polite', 'data-testid': 'box-people' });
  const showPeople = async (box) => {
    const bar = h('progress', { max: '1', value: '0', 'aria-label': t('ninebox.scanning') });
    clear(people, loading(), bar);
    await guarded(people, async () => {
      const { people: found, truncated } = await peopleInBox(agency.value, box, (done, total) => {
        bar.max = total;
        bar.value = done;
      });
      clear(
        people,
        h('h3', {}, describeBox(box)),
        h('p', { class: 'small' }, t(`ninebox.actions_${box}`)),
        truncated ? message(t('ninebox.truncated', { count: BOX_SCAN_LIMIT }), 'info') : null,
        table(
          [
            { label: t('pegawai.name'), cell: (p) => link(later(employeeName(p.nip), p.nip), `#/pegawai/${p.nip}`) },
            { label: t('pegawai.nip'), cell: (p) => p.nip },
            { label: t('penilaian.predicate'), cell: (p) => predicateBadge(p.predicate) },
            { label: t('penilaian.potential'), cell: (p) => label('potential', p.potential) },
            { label: t('penilaian.year'), cell: (p) => p.year ?? '—', numeric: true },
          ],
          found,
          { caption: t('ninebox.people_caption', { box, count: found.length }), emptyText: t('ninebox.nobody') },
        ),
      );
    }, t('services.appraisal'));
  };
  const show = () =>
    guarded(gridHolder, async () => {
      clear(gridHolder, loading());
      clear(people);
      const grid = await api.get('/talent/grid', { agency: agency.value });
      const counts = Object.fromEntries(grid.boxes.map((b) => [b.box, b.employees]));
      const total = grid.boxes.reduce((sum, b) => sum + b.employees, 0);
      const selected = ctx.query.box ? Number(ctx.query.box) : null;
      clear(
        gridHolder,
        h('p', {}, t('ninebox.total', { count: total })),
        nineBoxGrid({ counts, onSelect: showPeople, selected }),
        h('p', { class: 'small muted' }, t('ninebox.hint')),
      );
      if (selected) showPeople(selected);
    }, t('services.appraisal'));
  agency.addEventListener('change', show);
  panel.append(h('div', { class: 'filters' }, field(t('common.agency'), agency)), gridHolder, people);
  await show();
}

function violationText(v) {
  const predicates = v.predicates.map((p) => label('predicates', p)).join(' / ');
  const text = t(v.limit === 'at most' ? 'penilaian.violation_at_most' : 'penilaian.violation_at_least', {
    allowed: v.allowed,
    population: v.population,
    predicates,
    actual: v.actual,
  });
  return v.unit_id ? t('penilaian.violation_in_unit', { unit: v.unit_id, text }) : text;
}

// Who entered an entry made on someone's behalf, and why; nothing when the person entered it themself.
function onBehalfNote(entry, nip) {
  if (!entry.entered_by) return null;
  return h('span', { class: 'small', 'data-testid': 'on-behalf' }, t('penilaian.on_behalf', { who: entry.entered_by, nip, reason: entry.on_behalf_reason || '' }));
}

export async function period(root, ctx) {
  const { id } = ctx.params;
  let current = await request(`/appraisal-periods/${id}`).catch((error) => {
    root.append(errorMessage(error, t('services.appraisal')));
    return null;
  });
  if (!current) return;
  const render = async () => {
    const p = current.data;
    ctx.setTitle(t('penilaian.period_title', { year: p.year, agency: p.agency_code }));
    const points = h('div', { class: 'page' });
    clear(
      root,
      h('p', {}, link(t('penilaian.back_periods'), `#/penilaian?tab=periode&agency=${p.agency_code}`)),
      card(
        t('penilaian.period_info'),
        dl([
          [t('common.agency'), later(agencyName(p.agency_code), p.agency_code)],
          [t('penilaian.frequency'), label('frequency', p.frequency)],
          [t('penilaian.org_predicate'), label('org_predicates', p.organisation_predicate)],
          [t('penilaian.approver'), later(employeeName(p.approver_nip), p.approver_nip)],
          [t('penilaian.objection_window'), t('penilaian.days', { n: p.objection_window_days })],
          ...Object.entries(p.unit_predicates || {}).map(([unit, predicate]) => [t('penilaian.unit_predicate', { unit }), label('org_predicates', predicate)]),
        ]),
      ),
      points,
    );
    for (const point of p.points) points.append(await pointCard(p, point));
  };

  const pointCard = async (p, point) => {
    const body = h('div');
    const holder = card(`${pointLabel(point.key)} (${formatDate(point.starts_on)} – ${formatDate(point.ends_on)})`, body);
    holder.dataset.point = point.key;
    if (point.finalisation) {
      const f = point.finalisation;
      add(
        body,
        message(t('penilaian.finalised_on', { when: formatDateTime(f.finalised_at), population: f.population }), 'success'),
        f.overridden_by ? message(t('penilaian.overridden', { who: f.overridden_by, reason: f.override_reason }), 'warning', f.violations.map(violationText)) : null,
        distributionTable(f.counts, f.population),
      );
      return holder;
    }
    try {
      const d = await api.get(`/appraisal-periods/${p.id}/points/${point.key}/distribution`);
      const feedback = h('div', { 'aria-live': 'polite' });
      body.append(distributionChart(d), distributionTable(d.counts, d.population));
      if (d.unrated.length) body.append(message(t('penilaian.unrated', { count: d.unrated.length }), 'warning'));
      if (d.violations === null) body.append(message(t('penilaian.no_org_predicate'), 'info'));
      else if (d.violations.length) body.append(message(t('penilaian.violations_title', { count: d.violations.length }), 'error', d.violations.map(violationText)));
      else if (Object.values(d.counts).some(Boolean)) body.append(message(t('penilaian.no_violations'), 'success'));
      if (hasRole('admin', 'hr_officer', 'approver')) {
        body.append(
          h('div', { class: 'actions' }, button(t('penilaian.finalise'), () => finalise(p, point.key, feedback), { class: 'btn btn-primary' })),
          feedback,
        );
      }
    } catch (error) {
      body.append(errorMessage(error, t('services.appraisal')));
    }
    return holder;
  };

  const finalise = async (p, key, feedback, override) => {
    clear(feedback, loading());
    try {
      await api.post(`/appraisal-periods/${p.id}/points/${key}/finalisation`, override ? { override } : {});
      current = await request(`/appraisal-periods/${id}`);
      await render();
      root.querySelector(`[data-point="${key}"]`)?.scrollIntoView();
    } catch (error) {
      if (error.code === 'distribution-violated') {
        const user = currentUser();
        const mayOverride = user.nip && user.nip === p.approver_nip;
        clear(
          feedback,
          message(t('penilaian.refused_violations'), 'error', error.errors.map((e) => e.message)),
          mayOverride
            ? button(t('penilaian.override'), async () => {
                const reason = h('textarea', { name: 'reason', required: true, minlength: '5' });
                const data = await dialog(t('penilaian.override_title'), field(t('penilaian.override_reason'), reason), { submitText: t('penilaian.override_confirm'), danger: true });
                if (data) finalise(p, key, feedback, { approver_nip: user.nip, reason: data.reason });
              }, { class: 'btn btn-danger' })
            : message(t('penilaian.only_approver', { nip: p.approver_nip }), 'info'),
        );
      } else if (error.code === 'ratings-missing') {
        clear(feedback, message(t('penilaian.ratings_missing'), 'error', error.errors.map((e) => String(e.value))));
      } else {
        clear(feedback, errorMessage(error, t('services.appraisal')));
      }
    }
  };
  await render();
}

function distributionTable(counts, population) {
  return table(
    [
      { label: t('penilaian.predicate'), cell: (r) => predicateBadge(r.predicate) },
      { label: t('penilaian.count'), cell: (r) => formatNumber(r.count), numeric: true },
      { label: t('penilaian.share'), cell: (r) => (population ? `${formatNumber((100 * r.count) / population, 0)}%` : '—'), numeric: true },
    ],
    PREDICATES.map((predicate) => ({ predicate, count: counts[predicate] || 0 })),
  );
}

function distributionChart(d) {
  const holder = h('div');
  barChart(
    holder,
    PREDICATES.map((predicate) => ({ label: label('predicates', predicate), value: d.counts[predicate] || 0 })),
    { title: t('penilaian.distribution'), valueLabel: t('penilaian.count') },
  );
  return holder;
}

export async function skp(root, ctx) {
  const { id } = ctx.params;
  let current;
  try {
    current = await request(`/skp/${id}`);
  } catch (error) {
    root.append(errorMessage(error, t('services.appraisal')));
    return;
  }
  const user = currentUser();
  const period = await api.get(`/appraisal-periods/${current.data.period_id}`).catch(() => null);
  const render = () => {
    const s = current.data;
    ctx.setTitle(t('penilaian.skp_title', { year: s.year }));
    const isAppraiser = user.nip && user.nip === s.appraiser_nip;
    const isReviewer = user.nip && user.nip === s.reviewer_nip;
    // The agency's HR enters an absent appraiser's signed form for them (PermenPANRB 6/2022 paper forms).
    const mayEnterOnBehalf = hasRole('admin', 'hr_officer');
    clear(
      root,
      card(
        t('penilaian.skp_info'),
        dl([
          [t('pegawai.name'), link(later(employeeName(s.nip), s.nip), `#/pegawai/${s.nip}`)],
          [t('pegawai.nip'), s.nip],
          [t('penilaian.appraiser'), later(employeeName(s.appraiser_nip), s.appraiser_nip)],
          [t('penilaian.reviewer'), s.reviewer_nip ? later(employeeName(s.reviewer_nip), s.reviewer_nip) : '—'],
          [t('penilaian.position_type'), label('position_types', s.position_type)],
          [t('penilaian.year'), s.year],
        ]),
      ),
      card(
        t('penilaian.indicators'),
        table(
          [
            { label: t('penilaian.indicator'), cell: (i) => i.description },
            { label: t('penilaian.target'), cell: (i) => `${formatNumber(i.target.quantity)} ${i.target.quantity_unit} · ${formatNumber(i.target.quality_percent)}% · ${i.target.time_months} ${t('penilaian.months')}` },
            {
              label: t('penilaian.realisations'),
              cell: (i) => (i.realisations.length ? h('div', {}, i.realisations.map((r) => h('div', {}, `${pointLabel(r.point)}: ${r.quantity ?? '—'} `, onBehalfNote(r, r.recorded_by)))) : '—'),
            },
          ],
          s.indicators,
        ),
      ),
      card(
        t('penilaian.evaluations'),
        table(
          [
            { label: t('penilaian.point'), cell: (e) => pointLabel(e.point) },
            { label: t('penilaian.results'), cell: (e) => label('ratings', e.results) },
            { label: t('penilaian.behaviour'), cell: (e) => label('ratings', e.behaviour) },
            { label: t('penilaian.predicate'), cell: (e) => predicateBadge(e.predicate) },
            { label: t('penilaian.final'), cell: (e) => (e.finalised_at ? t('common.yes') : t('common.no')) },
            { label: t('penilaian.entered_by'), cell: (e) => onBehalfNote(e, e.rated_by) || h('span', { class: 'muted' }, t('penilaian.entered_by_self')) },
          ],
          s.evaluations,
          { emptyText: t('penilaian.no_evaluations') },
        ),
      ),
      isAppraiser || mayEnterOnBehalf ? ratingForm(s, period, { onBehalf: !isAppraiser }) : message(t('penilaian.not_appraiser'), 'info'),
      objectionsCard(s, { isReviewer }),
    );
  };

  const ratingForm = (s, p, { onBehalf }) => {
    const open = (p ? p.points : []).filter((pt) => !pt.finalisation);
    const reason = h('textarea', { name: 'on_behalf_reason', required: true, minlength: '5', maxlength: '2000' });
    const point = select(open.map((pt) => [pt.key, pointLabel(pt.key)]), { name: 'point' });
    const results = select(RATINGS.map((r) => [r, label('ratings', r)]), { name: 'results', value: 'sesuai_ekspektasi' });
    const values = CORE_VALUES.map((v) => [v, select(RATINGS.map((r) => [r, label('ratings', r)]), { name: v, value: 'sesuai_ekspektasi' })]);
    const overall = select(RATINGS.map((r) => [r, label('ratings', r)]), { name: 'behaviour', value: 'sesuai_ekspektasi' });
    const needsOverall = !p || p.behaviour_rule === 'supervisor_overall';
    const feedback = h('div', { 'aria-live': 'polite' });
    const form = h(
      'form',
      {},
      h('div', { class: 'form-row' }, field(t('penilaian.point'), point), field(t('penilaian.results'), results)),
      h('fieldset', {}, h('legend', {}, t('penilaian.behaviour_values')), h('div', { class: 'form-row' }, values.map(([v, control]) => field(label('core_values', v), control)))),
      needsOverall ? h('div', { class: 'form-row' }, field(t('penilaian.behaviour_overall'), overall)) : null,
      onBehalf ? field(t('penilaian.on_behalf_reason'), reason, { hint: t('penilaian.on_behalf_hint', { nip: s.appraiser_nip }) }) : null,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('penilaian.save_rating'))),
      feedback,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        current = await request(`/skp/${s.id}/evaluations/${point.value}`, {
          method: 'PUT',
          ifMatch: current.etag,
          json: {
            appraiser_nip: onBehalf ? s.appraiser_nip : user.nip,
            results: results.value,
            behaviour_values: Object.fromEntries(values.map(([v, control]) => [v, control.value])),
            behaviour: needsOverall ? overall.value : null,
            ...(onBehalf ? { on_behalf_reason: reason.value.trim() } : {}),
          },
        });
        render();
        root.prepend(message(t('penilaian.rating_saved'), 'success'));
      } catch (error) {
        clear(feedback, error.status === 412 ? message(t('common.stale'), 'error') : errorMessage(error, t('services.appraisal')));
      }
    });
    return card(
      t(onBehalf ? 'penilaian.rating_on_behalf' : 'penilaian.rating_form'),
      onBehalf ? h('p', { class: 'small' }, t('penilaian.on_behalf_intro')) : null,
      open.length ? form : message(t('penilaian.all_final'), 'info'),
    );
  };

  const objectionsCard = (s, { isReviewer }) =>
    card(
      t('penilaian.objections'),
      s.objections.length === 0
        ? h('p', { class: 'muted' }, t('penilaian.no_objections'))
        : h(
            'ul',
            { class: 'checks' },
            s.objections.map((o) =>
              h(
                'li',
                { class: 'check' },
                h('strong', {}, `${pointLabel(o.point)} · ${formatDateTime(o.filed_at)}`),
                h('p', { class: 'reason' }, o.reason),
                onBehalfNote(o, o.filed_by),
                o.decision
                  ? h('p', {}, t('penilaian.objection_decided', { decision: label('objection_decisions', o.decision), note: o.decision_note || '' }))
                  : isReviewer
                    ? button(t('penilaian.decide_objection'), () => decide(s, o))
                    : h('p', { class: 'muted' }, t('penilaian.objection_pending')),
              ),
            ),
          ),
    );

  const decide = async (s, o) => {
    const decision = select([['upheld', label('objection_decisions', 'upheld')], ['rejected', label('objection_decisions', 'rejected')]], { name: 'decision' });
    const note = h('textarea', { name: 'note', required: true });
    const results = select([['', '—'], ...RATINGS.map((r) => [r, label('ratings', r)])], { name: 'results' });
    const behaviour = select([['', '—'], ...RATINGS.map((r) => [r, label('ratings', r)])], { name: 'behaviour' });
    const data = await dialog(t('penilaian.decide_objection'), h('div', {}, field(t('penilaian.decision'), decision), field(t('penilaian.note'), note), field(t('penilaian.revised_results'), results), field(t('penilaian.revised_behaviour'), behaviour)));
    if (!data) return;
    try {
      await api.post(`/skp/${s.id}/objections/${o.id}/decision`, {
        decider_nip: user.nip,
        decision: data.decision,
        note: data.note,
        results: data.results || null,
        behaviour: data.behaviour || null,
      });
      current = await request(`/skp/${s.id}`);
      render();
    } catch (error) {
      root.prepend(errorMessage(error, t('services.appraisal')));
    }
  };
  render();
}
