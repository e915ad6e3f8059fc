// Rencana penempatan: placement rounds. Set the scope, the candidate pool and the weights; run the solver
// (a job, with its progress); read the plan with each move's explanation, the fairness report and a what-if
// side by side; approve and publish the plan as mutation proposals.

import { h, add, clear, field, select, table, card, loading, message, errorMessage, guarded, link, badge, button, dl } from '../dom.js';
import { t, label, formatDateTime, formatNumber, formatPercent, formatCount } from '../i18n.js';
import { api, getAll, request } from '../api.js';
import { agencySelect } from '../common.js';
import { positionName, unitName, later } from '../lookups.js';
import { hasRole } from '../session.js';
import { placementExplanation } from './shared/placement.js';

const BASE = '/placement-rounds';
const COMPONENTS = ['job_person_match', 'performance', 'talent', 'preference', 'distance', 'origin_workload', 'target_workload'];
const DEFAULT_WEIGHTS = { job_person_match: 40, performance: 15, talent: 10, preference: 15, distance: 10, origin_workload: 10, target_workload: 10 };
const JOB_POLL_MS = 500;

function stateBadge(state) {
  const tone = { draft: 'neutral', solved: 'info', published: 'success', proposed: 'info', approved: 'warning' }[state] || 'neutral';
  return badge(label('placement_states', state), tone);
}

function pause(ms) {
  return new Promise((resolve) => {
    setTimeout(resolve, ms);
  });
}

// Runs a job the API started (202 + job resource) to its end, showing its progress.
async function followJob(job, holder, what) {
  const bar = h('progress', { max: '4', value: '0', 'aria-label': what });
  const status = h('p', { role: 'status' }, t('penempatan.job_queued'));
  clear(holder, h('div', { class: 'card', 'data-testid': 'job-progress' }, h('p', {}, what), bar, status));
  let current = job;
  while (current.state === 'queued' || current.state === 'running') {
    await pause(JOB_POLL_MS);
    current = await api.get(`/mutation/jobs/${current.id}`);
    const p = current.progress || {};
    if (p.steps) bar.max = p.steps;
    if (p.step) bar.value = p.step;
    status.textContent = t(`penempatan.job_${current.state}`, { step: p.step || 0, steps: p.steps || bar.max });
  }
  if (current.state === 'failed') {
    const problem = current.problem || {};
    clear(holder, message(t('penempatan.job_failed_text'), 'error', problem.detail ? [problem.detail] : null));
    return null;
  }
  bar.value = bar.max;
  clear(holder, message(t('penempatan.job_done'), 'success'));
  return current;
}

export async function list(root, ctx) {
  const rounds = h('div', {}, loading());
  root.append(h('p', { class: 'lead' }, t('penempatan.intro')), rounds);
  // The form below the list appears once the list is in place: a list arriving later would push the form
  // (and the button being clicked) down the page.
  const form = hasRole('hr_officer', 'approver', 'admin') ? createForm(ctx) : null;
  await guarded(rounds, async () => {
    const items = await getAll(BASE, {}, 500);
    clear(
      rounds,
      table(
        [
          { label: t('penempatan.name'), cell: (r) => link(r.name, `#/penempatan/${r.id}`) },
          { label: t('penempatan.scope'), cell: (r) => `${label('scope_kinds', r.scope.kind)} ${r.scope.code}` },
          { label: t('common.status'), cell: (r) => stateBadge(r.state) },
          { label: t('penempatan.created'), cell: (r) => `${r.created_by} · ${formatDateTime(r.created_at)}` },
        ],
        items,
        { caption: t('penempatan.rounds_caption', { count: formatNumber(items.length) }), emptyText: t('penempatan.no_rounds') },
      ),
    );
  }, t('services.placement'));
  if (form) root.append(await form);
}

async function createForm(ctx) {
  const name = h('input', { name: 'name', required: true, value: t('penempatan.default_name', { year: new Date().getFullYear() }) });
  const kind = select([['agency', label('scope_kinds', 'agency')], ...(hasRole('admin') ? [['province', label('scope_kinds', 'province')]] : [])], { name: 'kind' });
  const code = await agencySelect({ name: 'code' });
  const longPosting = h('input', { type: 'checkbox', name: 'long_posting', id: 'pool-long', checked: true });
  const minYears = h('input', { type: 'number', name: 'min_years', min: '0', max: '40', value: '5' });
  const overStaffed = h('input', { type: 'checkbox', name: 'over_staffed', id: 'pool-over', checked: true });
  const explicit = h('textarea', { name: 'nips', placeholder: t('penempatan.nips_hint') });
  const weights = COMPONENTS.map((c) => [c, h('input', { type: 'number', name: `w_${c}`, min: '0', max: '1000', step: '1', value: String(DEFAULT_WEIGHTS[c]) })]);
  const reason = h('textarea', { name: 'reason', value: '' });
  const release = h('input', { type: 'number', name: 'release_limit', min: '0' });
  const intake = h('input', { type: 'number', name: 'intake_limit', min: '0' });
  const feedback = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'page', 'aria-label': t('penempatan.new_round') },
    h('div', { class: 'form-row' }, field(t('penempatan.name'), name, { required: true }), field(t('penempatan.scope_kind'), kind), field(t('penempatan.scope_code'), code)),
    h(
      'fieldset',
      {},
      h('legend', {}, t('penempatan.pool')),
      h('div', {}, longPosting, ' ', h('label', { for: 'pool-long' }, t('penempatan.pool_long'))),
      field(t('penempatan.min_years'), minYears),
      h('div', {}, overStaffed, ' ', h('label', { for: 'pool-over' }, t('penempatan.pool_over'))),
      field(t('penempatan.pool_explicit'), explicit, { hint: t('penempatan.nips_hint') }),
    ),
    h('fieldset', {}, h('legend', {}, t('penempatan.weights')), h('p', { class: 'small muted' }, t('penempatan.weights_hint')), h('div', { class: 'form-row' }, weights.map(([c, input]) => field(label('placement_components', c), input)))),
    h('div', { class: 'form-row' }, field(t('penempatan.release_limit'), release), field(t('penempatan.intake_limit'), intake)),
    field(t('penempatan.reason'), reason),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('penempatan.create'))),
    feedback,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const pool = [];
    if (longPosting.checked) pool.push({ kind: 'long_posting', min_years: Number(minYears.value || 5) });
    if (overStaffed.checked) pool.push({ kind: 'over_staffed_units' });
    const nips = explicit.value.split(/[\s,;]+/).filter(Boolean);
    if (nips.length) pool.push({ kind: 'explicit', nips });
    if (!pool.length) {
      clear(feedback, message(t('penempatan.pool_needed'), 'error'));
      return;
    }
    try {
      const created = await api.post(BASE, {
        name: name.value.trim(),
        scope: { kind: kind.value, code: code.value },
        pool,
        weights: Object.fromEntries(weights.map(([c, input]) => [c, Number(input.value)])),
        reason: reason.value.trim() || null,
        release_limit: release.value ? Number(release.value) : null,
        intake_limit: intake.value ? Number(intake.value) : null,
      });
      ctx.navigate(`/penempatan/${created.id}`);
    } catch (error) {
      clear(feedback, errorMessage(error, t('services.placement')));
    }
  });
  return card(t('penempatan.new_round'), form);
}

export async function round(root, ctx) {
  const { id } = ctx.params;
  const show = async (selectedPlan, notice) => {
    let found;
    let plans;
    try {
      [found, plans] = await Promise.all([request(`${BASE}/${id}`), api.get(`${BASE}/${id}/plans`)]);
    } catch (error) {
      clear(root, errorMessage(error, t('services.placement')));
      return;
    }
    const r = found.data;
    ctx.setTitle(t('penempatan.round_title', { name: r.name }));
    const jobBox = h('div', { 'aria-live': 'polite' });
    const planBox = h('div', { class: 'page' });
    const canSolve = hasRole('hr_officer', 'approver', 'admin') && r.state !== 'published';
    const run = button(t(plans.length ? 'penempatan.run_again' : 'penempatan.run'), async () => {
      run.disabled = true;
      try {
        const job = await api.post(`${BASE}/${id}/solutions`, {});
        const done = await followJob(job, jobBox, t('penempatan.solving'));
        if (done) await show(done.result && done.result.plan_id, t('penempatan.job_done'));
      } catch (error) {
        clear(jobBox, errorMessage(error, t('services.placement')));
      } finally {
        run.disabled = false;
      }
    }, { class: 'btn btn-primary' });
    clear(
      root,
      h('p', {}, link(t('penempatan.back'), '#/penempatan')),
      card(
        t('penempatan.round'),
        h('p', {}, stateBadge(r.state)),
        dl([
          [t('penempatan.scope'), `${label('scope_kinds', r.scope.kind)} ${r.scope.code}`],
          [t('penempatan.pool'), r.pool.map((p) => label('pool_kinds', p.kind) + (p.min_years ? ` (> ${formatNumber(p.min_years)} ${t('penempatan.years')})` : '') + (p.nips ? ` (${formatNumber(p.nips.length)})` : '')).join('; ')],
          [t('penempatan.weights'), COMPONENTS.map((c) => `${label('placement_components', c)} ${weightText(r.weights[c])}`).join(' · ')],
          [t('penempatan.release_limit'), formatNumber(r.release_limit)],
          [t('penempatan.intake_limit'), formatNumber(r.intake_limit)],
          [t('penempatan.reason'), r.reason || '—'],
        ]),
        canSolve ? h('div', { class: 'actions' }, run) : null,
        jobBox,
      ),
      planBox,
    );
    if (notice) jobBox.append(message(notice, 'success'));
    if (!plans.length) {
      planBox.append(message(t('penempatan.no_plans')));
      return;
    }
    const chosen = plans.find((p) => p.id === selectedPlan) || plans[plans.length - 1];
    const picker = select(plans.map((p) => [p.id, `${label('plan_kinds', p.kind)} · ${formatDateTime(p.created_at)} · ${t('penempatan.moves_n', { n: formatNumber(p.moves) })}`]), { name: 'plan', value: chosen.id });
    picker.addEventListener('change', () => show(picker.value));
    planBox.append(h('div', { class: 'filters' }, field(t('penempatan.plan'), picker)));
    await planView(planBox, r, chosen, plans, show);
  };
  await show(ctx.query.plan);
}

function summaryList(s) {
  if (!s) return '—';
  const spread = (x) => (x ? t('penempatan.spread_text', { std: formatNumber(x.ej_std, 3), min: formatNumber(x.ej_min, 2), max: formatNumber(x.ej_max, 2), short: formatNumber(x.understaffed_units) }) : '—');
  return dl([
    [t('penempatan.moves'), formatNumber(s.moves)],
    [t('penempatan.total_score'), formatNumber(s.total_score, 1)],
    [t('penempatan.open_seats'), `${formatNumber(s.open_seats_before)} → ${formatNumber(s.open_seats_after)}`],
    [t('penempatan.understaffed_positions'), `${formatNumber(s.understaffed_positions_before)} → ${formatNumber(s.understaffed_positions_after)}`],
    [t('penempatan.spread_before'), spread(s.spread_before)],
    [t('penempatan.spread_after'), spread(s.spread_after)],
  ]);
}

// Weights are whole points as a rule; a fractional one keeps two decimals.
function weightText(weight) {
  return formatNumber(weight, Number.isInteger(weight) ? 0 : 2);
}

async function planView(holder, r, plan, plans, show) {
  const moves = h('div', {}, loading());
  const fairness = h('div', {}, loading());
  const compare = h('div', { 'data-testid': 'comparison' });
  const feedback = h('div', { 'aria-live': 'polite', 'data-testid': 'plan-feedback' });
  const whatIfBox = h('div', { 'aria-live': 'polite' });
  const actions = h('div', { class: 'actions' });
  const { etag } = await request(`${BASE}/${r.id}/plans/${plan.id}`);
  if (plan.state === 'proposed' && hasRole('approver', 'admin')) {
    actions.append(
      button(t('penempatan.approve'), async () => {
        try {
          await request(`${BASE}/${r.id}/plans/${plan.id}/approval`, { method: 'POST', ifMatch: etag, json: {} });
          await show(plan.id);
        } catch (error) {
          clear(feedback, errorMessage(error, t('services.placement')));
        }
      }, { class: 'btn btn-primary' }),
    );
  }
  if (plan.state === 'approved' && hasRole('hr_officer', 'approver', 'admin')) {
    actions.append(
      button(t('penempatan.publish'), async () => {
        try {
          await request(`${BASE}/${r.id}/plans/${plan.id}/publication`, { method: 'POST', ifMatch: etag, json: {} });
          await show(plan.id);
        } catch (error) {
          clear(feedback, errorMessage(error, t('services.placement')));
        }
      }, { class: 'btn btn-primary' }),
    );
  }
  const others = plans.filter((p) => p.id !== plan.id && p.snapshot_id === plan.snapshot_id);
  if (others.length) {
    const other = select(others.map((p) => [p.id, `${label('plan_kinds', p.kind)} · ${formatDateTime(p.created_at)}`]), { name: 'other', value: plan.parent_id || others[0].id });
    actions.append(field(t('penempatan.compare_with'), other), button(t('penempatan.compare'), () => comparison(compare, r, other.value, plan.id)));
  }
  add(
    holder,
    card(
      t('penempatan.plan_title', { kind: label('plan_kinds', plan.kind) }),
      h('p', {}, stateBadge(plan.state), ' ', plan.optimality_gap === 0 ? badge(t('penempatan.optimal'), 'success') : badge(t('penempatan.gap', { gap: formatNumber(plan.optimality_gap) }), 'warning')),
      summaryList(plan.summary ? { ...plan.summary, total_score: plan.total_score } : null),
      plan.mutation_round_id ? message(t('penempatan.published_as'), 'success', [link(t('penempatan.see_proposals'), `#/mutasi?round=${plan.mutation_round_id}`)]) : null,
      actions,
      feedback,
    ),
    compare,
    card(t('penempatan.moves_title'), moves),
    card(t('penempatan.fairness'), fairness),
    r.state !== 'published' && hasRole('hr_officer', 'approver', 'admin') ? card(t('penempatan.what_if'), whatIfForm(r, plan, whatIfBox, show), whatIfBox) : null,
  );
  guarded(moves, async () => {
    const rows = await getAll(`${BASE}/${r.id}/plans/${plan.id}/moves`, {}, 2000);
    const rendered = table(
      [
        { label: t('mutasi.employee'), cell: (m) => h('span', {}, link(m.employee_name, `#/pegawai/${m.nip}`), h('br'), h('span', { class: 'small muted' }, m.nip)) },
        { label: t('mutasi.from'), cell: (m) => h('span', {}, later(positionName(m.origin_position_id)), ' · ', later(unitName(m.origin_unit_id))) },
        { label: t('mutasi.to'), cell: (m) => h('span', {}, later(positionName(m.target_position_id)), ' · ', later(unitName(m.target_unit_id))) },
        { label: t('penempatan.score'), cell: (m) => formatNumber(m.score, 2), numeric: true },
        { label: t('penempatan.explanation'), cell: (m) => placementExplanation(m.explanation, m) },
      ],
      rows,
      { caption: t('penempatan.moves_caption', { count: formatCount({ loaded: rows.length, total: plan.moves }) }), emptyText: t('penempatan.no_moves') },
    );
    rendered.querySelector('table').classList.add('stack');
    clear(moves, rows.length < plan.moves ? message(t('penempatan.moves_shown', { shown: formatNumber(rows.length), total: formatNumber(plan.moves) })) : null, rendered);
  }, t('services.placement'));
  guarded(fairness, async () => {
    const report = await api.get(`${BASE}/${r.id}/plans/${plan.id}/fairness`);
    clear(
      fairness,
      report.flagged.length ? message(t('penempatan.fairness_flagged', { count: formatNumber(report.flagged.length), threshold: formatNumber(report.threshold, 2) }), 'warning') : message(t('penempatan.fairness_ok', { threshold: formatNumber(report.threshold, 2) }), 'success'),
      table(
        [
          { label: t('penempatan.dimension'), cell: (g) => label('fairness_dimensions', g.dimension) },
          { label: t('penempatan.group'), cell: (g) => label('fairness_groups', g.group) },
          { label: t('penempatan.in_pool'), cell: (g) => formatNumber(g.pool), numeric: true },
          { label: t('penempatan.moved'), cell: (g) => formatNumber(g.moved), numeric: true },
          { label: t('penempatan.move_rate'), cell: (g) => formatPercent(g.move_rate), numeric: true },
          { label: t('penempatan.move_ratio'), cell: (g) => formatNumber(g.move_ratio, 2), numeric: true },
          { label: t('penempatan.preference_rate'), cell: (g) => formatPercent(g.preference_rate), numeric: true },
          { label: t('penempatan.flags'), cell: (g) => (g.flags.length ? badge(g.flags.map((f) => label('fairness_flags', f)).join(', '), 'warning') : '—') },
        ],
        report.groups,
        { caption: t('penempatan.fairness_caption') },
      ),
    );
  }, t('services.placement'));
}

function whatIfForm(r, plan, box, show) {
  const weights = COMPONENTS.map((c) => [c, h('input', { type: 'number', min: '0', max: '1000', step: '1', name: `wi_${c}`, value: String(plan.weights[c] ?? DEFAULT_WEIGHTS[c]) })]);
  const forbid = h('textarea', { name: 'forbid', placeholder: t('penempatan.pairs_hint') });
  const lock = h('textarea', { name: 'lock', placeholder: t('penempatan.pairs_hint') });
  const pairs = (text) =>
    text
      .split('\n')
      .map((line) => line.trim().split(/[\s,;]+/))
      .filter((parts) => parts.length === 2)
      .map(([nip, position_id]) => ({ nip, position_id }));
  const form = h(
    'form',
    {},
    h('p', { class: 'small muted' }, t('penempatan.what_if_hint')),
    h('div', { class: 'form-row' }, weights.map(([c, input]) => field(label('placement_components', c), input))),
    h('div', { class: 'form-row' }, field(t('penempatan.forbid'), forbid), field(t('penempatan.lock'), lock)),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('penempatan.run_what_if'))),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const job = await api.post(`${BASE}/${r.id}/plans/${plan.id}/what-ifs`, {
        weights: Object.fromEntries(weights.map(([c, input]) => [c, Number(input.value)])),
        forbids: pairs(forbid.value),
        locks: pairs(lock.value),
      });
      const done = await followJob(job, box, t('penempatan.solving_what_if'));
      if (done) await show(done.result && done.result.plan_id, t('penempatan.what_if_done'));
    } catch (error) {
      clear(box, errorMessage(error, t('services.placement')));
    }
  });
  return form;
}

async function comparison(holder, r, a, b) {
  clear(holder, loading());
  await guarded(holder, async () => {
    const c = await api.get(`${BASE}/${r.id}/plans/${a}/comparison`, { with: b });
    clear(
      holder,
      card(
        t('penempatan.comparison'),
        h('p', {}, t('penempatan.comparison_line', { both: formatNumber(c.in_both), a: formatNumber(c.only_in_a.length), b: formatNumber(c.only_in_b.length), diff: formatNumber(c.score_difference, 2) })),
        h('div', { class: 'split' }, h('div', {}, h('h3', {}, t('penempatan.plan_a')), summaryList(c.summary_a)), h('div', {}, h('h3', {}, t('penempatan.plan_b')), summaryList(c.summary_b))),
        table(
          [
            { label: t('workload.unit'), cell: (u) => later(unitName(u.unit_id)) },
            { label: t('penempatan.need'), cell: (u) => formatNumber(u.need, 1), numeric: true },
            { label: t('penempatan.present_now'), cell: (u) => formatNumber(u.present_before), numeric: true },
            { label: t('penempatan.after_a'), cell: (u) => formatNumber(u.present_after_a), numeric: true },
            { label: t('penempatan.after_b'), cell: (u) => formatNumber(u.present_after_b), numeric: true },
            { label: t('penempatan.ej_now'), cell: (u) => formatNumber(u.ej_before, 2), numeric: true },
            { label: t('penempatan.ej_a'), cell: (u) => formatNumber(u.ej_after_a, 2), numeric: true },
            { label: t('penempatan.ej_b'), cell: (u) => formatNumber(u.ej_after_b, 2), numeric: true },
          ],
          c.units,
          { caption: t('penempatan.units_caption') },
        ),
      ),
    );
  }, t('services.placement'));
}
