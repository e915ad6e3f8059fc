// Mutasi: the list with SLA state, a new proposal with its eligibility checks, and the proposal page
// (workflow timeline, documents, the actions the user's role may take, the decree PDF and objections).

import { h, clear, field, select, table, card, loading, message, errorMessage, guarded, pager, link, badge, button, dialog, dl } from '../dom.js';
import { t, label, formatDate, formatDateTime, formatNumber, formatCount } from '../i18n.js';
import { api, getAll, request, download } from '../api.js';
import { agencySelect, rankText } from '../common.js';
import { agencyName, positionName, unitName, later } from '../lookups.js';
import { currentUser, hasRole } from '../session.js';
import { checkList } from './shared/checks.js';
import { placementExplanation } from './shared/placement.js';

export const STATES = [
  'draft', 'submitted', 'returned', 'verified', 'origin_released', 'destination_accepted', 'technically_reviewed',
  'decree_issued', 'effective', 'completed', 'failed', 'rejected', 'withdrawn', 'cancelled',
];
const OPEN_STATES = ['draft', 'submitted', 'returned', 'verified', 'origin_released', 'destination_accepted', 'technically_reviewed', 'decree_issued', 'effective', 'failed'];
const STATE_TONE = { completed: 'success', decree_issued: 'success', effective: 'success', rejected: 'danger', failed: 'danger', cancelled: 'neutral', withdrawn: 'neutral', returned: 'warning', draft: 'neutral' };
// Actions that need a reason (the workflow refuses them without one).
const NEEDS_REASON = new Set(['return', 'reject', 'withdraw', 'cancel']);

export function stateBadge(state) {
  return badge(label('mutation_states', state), STATE_TONE[state] || 'info');
}

// The SLA clock runs only while a complete file waits for its decision.
const UNDER_DECISION = new Set(['verified', 'origin_released', 'destination_accepted', 'technically_reviewed']);

export function slaBadge(p) {
  if (p.overdue) return badge(t('mutasi.overdue'), 'danger');
  if (!p.due_at || !UNDER_DECISION.has(p.state)) return h('span', { class: 'muted' }, '—');
  const days = Math.ceil((new Date(p.due_at) - Date.now()) / 86400000);
  return badge(t('mutasi.days_left', { days }), days <= 3 ? 'warning' : 'info');
}

function placeText(place) {
  return h('span', {}, later(positionName(place.position_id)), ' · ', later(agencyName(place.agency_code), place.agency_code));
}

export function proposalsTable(items, { caption } = {}) {
  const rendered = table(
    [
      { label: t('mutasi.employee'), cell: (p) => h('span', {}, link(p.employee_name || p.nip, `#/mutasi/${p.id}`), h('br'), h('span', { class: 'small muted' }, p.nip)) },
      { label: t('mutasi.type'), cell: (p) => p.mutation_type_label || label('mutation_types', p.mutation_type) },
      { label: t('mutasi.from'), cell: (p) => placeText(p.origin) },
      { label: t('mutasi.to'), cell: (p) => placeText(p.target) },
      { label: t('mutasi.state'), cell: (p) => stateBadge(p.state) },
      { label: t('mutasi.sla'), cell: (p) => slaBadge(p) },
      { label: t('mutasi.created'), cell: (p) => formatDate(p.created_at) },
    ],
    items,
    { caption, emptyText: t('mutasi.none') },
  );
  rendered.querySelector('table').classList.add('stack');
  return rendered;
}

export async function list(root, ctx) {
  const q = ctx.query;
  const agency = await agencySelect({ value: q.agency, allOption: true });
  const state = select([['', t('common.any')], ['open', t('mutasi.open')], ...STATES.map((s) => [s, label('mutation_states', s)])], { name: 'state', value: q.state || '' });
  const overdue = h('input', { type: 'checkbox', name: 'overdue', id: 'overdue', checked: q.overdue === 'true' });
  const nip = h('input', { name: 'nip', value: q.nip || '', inputmode: 'numeric', autocomplete: 'off' });
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': t('mutasi.filters') },
    field(t('common.agency'), agency),
    field(t('mutasi.state'), state),
    field(t('pegawai.nip'), nip),
    h('div', { class: 'field' }, h('label', { for: 'overdue' }, overdue, ' ', t('mutasi.only_overdue'))),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.show'))),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    ctx.navigate('/mutasi', { agency: agency.value, state: state.value, nip: nip.value.trim(), overdue: overdue.checked ? 'true' : '' });
  });
  const actions = h('div', { class: 'actions' }, hasRole('hr_officer', 'admin') ? link(t('mutasi.new'), '#/mutasi/baru', { class: 'btn btn-primary' }) : null);
  const objections = h('div');
  const results = h('div');
  root.append(actions, form, objections, results);
  if (hasRole('approver', 'admin')) {
    guarded(objections, async () => {
      const open = await api.get('/mutations/objections', { limit: 50 });
      if (open.length) {
        objections.append(
          card(
            t('mutasi.objections_waiting', { count: open.length }),
            h('ul', {}, open.map((o) => h('li', {}, link(`${o.nip} · ${formatDate(o.at)}`, `#/mutasi/${o.mutation_id}`), o.reason ? ` — ${o.reason}` : ''))),
          ),
        );
      }
    }, t('services.mutation'));
  }
  const rows = [];
  const holder = h('div');
  results.append(holder);
  const states = q.state === 'open' ? OPEN_STATES : q.state ? [q.state] : null;
  await guarded(results, () =>
    pager(
      results,
      (cursor) => {
        const params = new URLSearchParams();
        for (const [k, v] of Object.entries({ agency_code: q.agency, nip: q.nip, round_id: q.round, overdue: q.overdue === 'true' ? 'true' : '', limit: 50, cursor })) if (v) params.append(k, v);
        for (const s of states || []) params.append('state', s);
        return request(`/mutations?${params}`).then((r) => r.data);
      },
      (items, more) => {
        rows.push(...items);
        clear(holder, proposalsTable(rows, { caption: t('mutasi.caption', { count: formatCount({ loaded: rows.length, more }) }) }));
      },
    ),
    t('services.mutation'),
  );
}

// --- new proposal ------------------------------------------------------------------------------------------

export async function create(root, ctx) {
  ctx.setTitle(t('mutasi.new_title'));
  let person = null;
  let target = null;
  const personBox = h('div', { 'aria-live': 'polite' });
  const preview = h('div', { 'aria-live': 'polite', 'data-testid': 'match-preview' });
  const result = h('div', { 'aria-live': 'polite' });

  // 1. The person.
  const who = h('input', { name: 'who', autocomplete: 'off', value: ctx.query.nip || '' });
  const findPerson = async () => {
    const text = who.value.trim();
    if (!text) return;
    clear(personBox, loading());
    await guarded(personBox, async () => {
      const found = /^\d+$/.test(text) ? await api.get('/employees', { nip: text, status: 'active', limit: 10 }) : await api.get('/employees', { name: text, status: 'active', limit: 10 });
      if (!found.items.length) {
        clear(personBox, message(t('mutasi.nobody_found'), 'warning'));
        return;
      }
      clear(
        personBox,
        h(
          'fieldset',
          {},
          h('legend', {}, t('mutasi.choose_person')),
          found.items.map((e) => {
            const radio = h('input', { type: 'radio', name: 'person', value: e.nip, id: `p-${e.nip}` });
            radio.addEventListener('change', () => choosePerson(e));
            return h('div', {}, radio, ' ', h('label', { for: `p-${e.nip}` }, `${e.display_name} · ${e.nip} · ${rankText(e.rank_code)}`));
          }),
        ),
      );
      if (found.items.length === 1) {
        personBox.querySelector('input[type=radio]').checked = true;
        choosePerson(found.items[0]);
      }
    }, t('services.employee'));
  };
  // The full record carries the assessed competencies the match needs.
  const choosePerson = async (found) => {
    person = found;
    try {
      person = await api.get(`/employees/${found.nip}`);
    } catch {
      person = found;
    }
    updatePreview();
  };
  const findButton = button(t('common.search'), findPerson);
  who.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      findPerson();
    }
  });

  // 2. The target position: agency, unit, position (with its ABK need).
  const agency = await agencySelect({ name: 'target_agency' });
  const unit = select([['', t('mutasi.choose_unit')]], { name: 'target_unit' });
  const position = select([['', t('mutasi.choose_position')]], { name: 'target_position' });
  let positions = [];
  const loadUnits = async () => {
    const units = await getAll('/workload', { agency: agency.value, level: 'unit' }, 1000).catch(() => []);
    clear(unit, h('option', { value: '' }, t('mutasi.choose_unit')), units.sort((a, b) => a.name.localeCompare(b.name)).map((u) => h('option', { value: u.id }, u.name)));
    positions = await getAll('/workload', { agency: agency.value, level: 'position' }, 3000).catch(() => []);
    fillPositions();
  };
  let loadedFor = null;
  const loadUnitsOnce = async () => {
    // Choosing the agency already shown (a change event without a change) keeps the lists as they are.
    if (loadedFor === agency.value) return;
    loadedFor = agency.value;
    await loadUnits();
  };
  const fillPositions = () => {
    const shown = positions.filter((p) => !unit.value || p.parent_unit_id === unit.value);
    const kept = position.value;
    clear(
      position,
      h('option', { value: '' }, t('mutasi.choose_position')),
      shown.map((p) => h('option', { value: p.id }, `${p.name} — ${t('mutasi.position_need', { needed: p.staff_needed, present: p.present, gap: p.gap > 0 ? `+${p.gap}` : p.gap })}`)),
    );
    if (shown.some((p) => p.id === kept)) position.value = kept;
  };
  agency.addEventListener('change', loadUnitsOnce);
  unit.addEventListener('change', fillPositions);
  position.addEventListener('change', async () => {
    target = null;
    if (position.value) {
      try {
        target = await api.get(`/positions/${position.value}`);
      } catch (error) {
        clear(preview, errorMessage(error, t('services.employee')));
        return;
      }
    }
    updatePreview();
  });

  // The job-person match per competency, computed here as soon as both are chosen (PermenPANRB 38/2017);
  // the mutation service's checks below are the ones that count.
  const updatePreview = () => {
    if (!person || !target) {
      clear(preview);
      return;
    }
    const standard = target.competency_standard || {};
    const actual = Object.fromEntries((person.competencies || []).map((c) => [c.competency, c.level]));
    const rows = Object.entries(standard).map(([competency, required]) => ({ competency, required, actual: actual[competency] || 0 }));
    const required = rows.reduce((s, r) => s + r.required, 0);
    const met = rows.reduce((s, r) => s + Math.min(r.actual, r.required), 0);
    clear(
      preview,
      card(
        t('mutasi.match_title'),
        rows.length
          ? h('p', {}, t('mutasi.match_value', { match: formatNumber(required ? (100 * met) / required : 100, 1) }))
          : message(t('mutasi.no_standard'), 'info'),
        rows.length
          ? table(
              [
                { label: t('pegawai.competency'), cell: (r) => r.competency },
                { label: t('checks.required'), cell: (r) => r.required, numeric: true },
                { label: t('checks.actual'), cell: (r) => r.actual, numeric: true },
                { label: t('checks.gap'), cell: (r) => (r.actual < r.required ? r.required - r.actual : 0), numeric: true },
              ],
              rows,
              { caption: t('mutasi.match_caption', { name: person.display_name, position: target.name }) },
            )
          : null,
        dl([
          [t('mutasi.rank_now'), rankText(person.rank_code)],
          [t('mutasi.minimum_rank'), target.minimum_rank ? rankText(target.minimum_rank) : '—'],
          [t('mutasi.job_class'), target.job_class],
        ]),
      ),
    );
  };

  // 3. Why, and when.
  const reason = h('textarea', { name: 'reason', required: true });
  const organisational = h('textarea', { name: 'organisational_reason' });
  const tmt = h('input', { name: 'proposed_tmt', type: 'date' });
  const check = h('button', { type: 'submit', class: 'btn btn-primary' }, t('mutasi.check_and_save'));
  const form = h(
    'form',
    { class: 'page', novalidate: true },
    card(t('mutasi.step_person'), h('div', { class: 'form-row' }, field(t('mutasi.find_person'), who, { hint: t('mutasi.find_hint') }), h('div', { class: 'actions' }, findButton)), personBox),
    card(t('mutasi.step_target'), h('div', { class: 'form-row' }, field(t('mutasi.target_agency'), agency), field(t('mutasi.target_unit'), unit), field(t('mutasi.target_position'), position))),
    preview,
    card(
      t('mutasi.step_reason'),
      field(t('mutasi.reason'), reason, { required: true }),
      field(t('mutasi.organisational_reason'), organisational, { hint: t('mutasi.organisational_hint') }),
      h('div', { class: 'form-row' }, field(t('mutasi.proposed_tmt'), tmt)),
      h('p', { class: 'small muted' }, t('mutasi.check_hint')),
      h('div', { class: 'actions' }, check),
    ),
    result,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const problems = [];
    if (!person) problems.push(t('mutasi.need_person'));
    if (!position.value) problems.push(t('mutasi.need_position'));
    if (!reason.value.trim()) problems.push(t('mutasi.need_reason'));
    if (problems.length) {
      clear(result, message(t('mutasi.incomplete'), 'error', problems));
      return;
    }
    check.disabled = true;
    clear(result, loading(t('mutasi.checking')));
    try {
      const proposal = await api.post('/mutations', {
        nip: person.nip,
        target_position_id: position.value,
        reason: reason.value.trim(),
        organisational_reason: organisational.value.trim() || null,
        proposed_tmt: tmt.value || null,
        initiator: 'agency',
      });
      clear(
        result,
        card(
          t('mutasi.checks_title'),
          message(t('mutasi.draft_saved', { name: proposal.employee_name }), 'success'),
          checkList(proposal.checks),
          h('div', { class: 'actions' }, link(t('mutasi.open_proposal'), `#/mutasi/${proposal.id}`, { class: 'btn btn-primary' })),
        ),
      );
      result.querySelector('[data-testid=checks]')?.scrollIntoView();
    } catch (error) {
      clear(result, errorMessage(error, t('services.mutation')));
    } finally {
      check.disabled = false;
    }
  });
  root.append(form);
  await loadUnitsOnce();
  if (ctx.query.nip) findPerson();
}

// --- one proposal --------------------------------------------------------------------------------------------

export async function proposal(root, ctx) {
  const { id } = ctx.params;
  const user = currentUser();
  let etag = null;

  const render = async () => {
    let explanation;
    try {
      const [found, detail] = await Promise.all([api.get(`/mutations/${id}/explanation`), request(`/mutations/${id}`)]);
      explanation = found;
      etag = detail.etag;
    } catch (error) {
      clear(root, error.status === 404 && error.detail ? message(t('mutasi.not_found'), 'warning') : errorMessage(error, t('services.mutation')));
      return;
    }
    const p = explanation.proposal;
    ctx.setTitle(t('mutasi.proposal_title', { name: p.employee_name }));
    const feedback = h('div', { 'aria-live': 'polite', 'data-testid': 'feedback' });
    const decrees = h('div');
    const documents = h('div', { 'data-testid': 'documents' });
    clear(
      root,
      h('p', { class: 'lead' }, p.mutation_type_label, ' · ', stateBadge(p.state), ' ', slaBadge(p)),
      feedback,
      card(t('mutasi.actions'), actionsOf(p, explanation, feedback)),
      card(
        t('mutasi.summary'),
        dl([
          [t('mutasi.employee'), link(`${p.employee_name} (${p.nip})`, `#/pegawai/${p.nip}`)],
          [t('mutasi.from'), h('span', {}, later(positionName(p.origin.position_id)), ', ', later(unitName(p.origin.unit_id)), ', ', later(agencyName(p.origin.agency_code), p.origin.agency_code))],
          [t('mutasi.to'), h('span', {}, later(positionName(p.target.position_id)), ', ', later(unitName(p.target.unit_id)), ', ', later(agencyName(p.target.agency_code), p.target.agency_code))],
          [t('mutasi.reason'), p.reason],
          p.organisational_reason ? [t('mutasi.organisational_reason'), p.organisational_reason] : null,
          [t('mutasi.initiator'), label('initiators', p.initiator)],
          p.entered_by ? [t('mutasi.request_entered'), t('mutasi.entry_with_reason', { who: p.entered_by, reason: p.on_behalf_reason })] : null,
          [t('mutasi.deciding_official'), p.deciding_official],
          [t('mutasi.technical_consideration'), p.technical_consideration || '—'],
          [t('mutasi.next_step'), p.next_step ? t('mutasi.next_step_text', { action: label('mutation_actions', p.next_step.action), role: label('roles', p.next_step.role), agency: p.next_step.agency_code || t('mutasi.national') }) : '—'],
          [t('mutasi.sla'), p.due_at ? h('span', {}, formatDateTime(p.due_at), ' ', slaBadge(p)) : '—'],
          [t('mutasi.proposed_tmt'), formatDate(p.proposed_tmt)],
          [t('mutasi.tmt'), formatDate(p.tmt)],
          [t('mutasi.decree_number'), p.decree_number || '—'],
          ['effective', 'completed'].includes(p.state) && hasRole('admin', 'hr_officer', 'bkn_reviewer', 'auditor') ? [t('mutasi.siasn_status'), later(siasnStatus(p.id))] : null,
          p.failure_reason ? [t('mutasi.failure'), failureOf(p, explanation)] : null,
          [t('mutasi.employee_response'), p.employee_response ? label('employee_responses', p.employee_response) : '—'],
        ]),
      ),
      card(t('mutasi.checks_title'), checkList(explanation.checks, { actionFor: (c) => overrideButton(p, c, feedback) })),
      card(t('mutasi.timeline'), timeline(explanation)),
      card(t('mutasi.decrees'), decrees),
      card(t('mutasi.documents'), documents),
      card(t('mutasi.responses'), responsesOf(p, explanation, feedback)),
      explanation.placement_explanation ? card(t('mutasi.placement_explanation'), placementExplanation(explanation.placement_explanation)) : null,
    );
    guarded(decrees, () => decreesOf(decrees, p), t('services.mutation'));
    guarded(documents, () => documentsOf(documents, p, explanation.missing_documents, feedback), t('services.mutation'));
  };

  const act = async (feedback, work, success) => {
    clear(feedback, loading());
    try {
      await work();
      await render();
      const fresh = root.querySelector('[data-testid=feedback]');
      if (fresh) clear(fresh, message(success, 'success'));
    } catch (error) {
      clear(feedback, errorMessage(error, t('services.mutation')));
      if (error.code === 'checks-failed' || error.status === 409) feedback.append(message(t('mutasi.see_checks'), 'info'));
    }
  };

  const transition = (p, action, feedback) => async () => {
    let reason = null;
    if (NEEDS_REASON.has(action)) {
      const text = h('textarea', { name: 'reason', required: true });
      const data = await dialog(t('mutasi.action_title', { action: label('mutation_actions', action) }), field(t('common.reason'), text, { required: true }), { submitText: label('mutation_actions', action), danger: action !== 'return' });
      if (!data) return;
      reason = data.reason;
    }
    await act(feedback, () => request(`/mutations/${p.id}/transitions`, { method: 'POST', json: { action, reason }, ifMatch: etag }), t('mutasi.action_done', { action: label('mutation_actions', action) }));
  };

  // The decree is its signatory's act: the user signs it themself (their NIP names them), or enters the
  // decree the official signed and says why, which the decree and the timeline then show.
  const issueDecree = (p, feedback) => async () => {
    const tmt = h('input', { name: 'tmt', type: 'date', required: true, value: p.proposed_tmt || new Date().toISOString().slice(0, 10) });
    const place = h('input', { name: 'place', required: true, autocomplete: 'address-level2' });
    const signer = select([...(user.nip ? [['self', t('mutasi.signer_self', { name: user.name || user.nip })]] : []), ['other', t('mutasi.signer_other')]], { name: 'signer' });
    const name = h('input', { name: 'name', required: true });
    const title = h('input', { name: 'title', required: true, value: p.deciding_official || '' });
    const nip = h('input', { name: 'nip', inputmode: 'numeric', pattern: '\\d{18}' });
    const why = h('textarea', { name: 'on_behalf_reason' });
    const forOther = h('div', {}, field(t('mutasi.signatory_nip'), nip, { hint: t('mutasi.signatory_nip_hint') }), field(t('mutasi.decree_on_behalf_reason'), why, { required: true, hint: t('mutasi.decree_on_behalf_hint') }));
    const showSigner = () => {
      const own = signer.value === 'self';
      name.readOnly = own;
      name.value = own ? user.name || '' : '';
      forOther.hidden = own;
      for (const control of [nip, why]) control.disabled = own;
    };
    signer.addEventListener('change', showSigner);
    showSigner();
    const data = await dialog(t('mutasi.issue_decree'), h('div', {}, field(t('mutasi.tmt'), tmt, { required: true }), field(t('mutasi.decree_place'), place, { required: true }), field(t('mutasi.signer'), signer), field(t('mutasi.signatory_name'), name, { required: true }), field(t('mutasi.signatory_title'), title, { required: true }), forOther), { submitText: t('mutasi.issue_decree') });
    if (!data) return;
    const own = data.signer === 'self';
    const body = { tmt: data.tmt, place: data.place, signatory: { name: data.name, title: data.title, nip: own ? user.nip : data.nip || null }, on_behalf_reason: own ? null : data.on_behalf_reason };
    await act(feedback, () => request(`/mutations/${p.id}/decree`, { method: 'POST', ifMatch: etag, json: body }), t('mutasi.decree_issued'));
  };

  const actionsOf = (p, explanation, feedback) => {
    const buttons = p.actions
      .filter((action) => action !== 'retry' || p.state === 'failed')
      .map((action) =>
        action === 'issue_decree'
          ? button(t('mutasi.issue_decree'), issueDecree(p, feedback), { class: 'btn btn-primary' })
          : action === 'retry'
            ? button(label('mutation_actions', action), () => act(feedback, () => request(`/mutations/${p.id}/retry`, { method: 'POST', ifMatch: etag }), t('mutasi.action_done', { action: label('mutation_actions', action) })))
            : button(label('mutation_actions', action), transition(p, action, feedback), { class: ['reject', 'cancel', 'withdraw'].includes(action) ? 'btn btn-danger' : 'btn btn-primary' }),
      );
    const recheck = hasRole('hr_officer', 'approver', 'admin', 'bkn_reviewer') && !['completed', 'rejected', 'withdrawn', 'cancelled'].includes(p.state)
      ? button(t('mutasi.recheck'), () => act(feedback, () => api.post(`/mutations/${p.id}/checks`, {}), t('mutasi.rechecked')))
      : null;
    return h(
      'div',
      {},
      buttons.length ? null : h('p', { class: 'muted' }, t('mutasi.no_actions')),
      h('div', { class: 'actions' }, buttons, recheck),
    );
  };

  const overrideButton = (p, check, feedback) => {
    if (check.outcome !== 'fail' || !check.blocking || !hasRole('approver', 'admin')) return null;
    if (['completed', 'rejected', 'withdrawn', 'cancelled', 'decree_issued', 'effective'].includes(p.state)) return null;
    return button(
      t('mutasi.override'),
      async () => {
        const text = h('textarea', { name: 'reason', required: true });
        const data = await dialog(t('mutasi.override_title', { title: check.title }), h('div', {}, h('p', {}, t('mutasi.override_warning')), field(t('common.reason'), text, { required: true })), { submitText: t('mutasi.override'), danger: true });
        if (!data) return;
        await act(feedback, () => request(`/mutations/${p.id}/overrides`, { method: 'POST', ifMatch: etag, json: { rule: check.rule, reason: data.reason } }), t('mutasi.overridden'));
      },
      { class: 'btn btn-danger', 'aria-label': t('mutasi.override_named', { title: check.title }) },
    );
  };

  const responsesOf = (p, explanation, feedback) => {
    const own = user.nip && user.nip === p.nip;
    const open = !['completed', 'rejected', 'withdrawn', 'cancelled', 'effective'].includes(p.state);
    const items = explanation.responses.map((r) =>
      h(
        'li',
        { class: 'check' },
        h('strong', {}, label('employee_responses', r.response)),
        ` · ${formatDateTime(r.at)}`,
        r.reason ? h('p', { class: 'reason' }, r.reason) : null,
        r.response === 'objected'
          ? h('p', { class: 'small' }, t('mutasi.objection_state', { state: label('objection_states', r.state) }), r.answer ? ` — ${r.answer}` : '')
          : null,
        r.response === 'objected' && r.state === 'open' && hasRole('approver', 'admin')
          ? button(t('mutasi.answer_objection'), async () => {
              const decision = select([['dismissed', label('objection_states', 'dismissed')], ['upheld', label('objection_states', 'upheld')]], { name: 'decision' });
              const note = h('textarea', { name: 'note', required: true });
              const data = await dialog(t('mutasi.answer_objection'), h('div', {}, h('p', { class: 'small' }, t('mutasi.answer_hint')), field(t('penilaian.decision'), decision), field(t('penilaian.note'), note, { required: true })));
              if (!data) return;
              await act(feedback, () => api.post(`/mutations/${p.id}/responses/${r.id}/answer`, { decision: data.decision, note: data.note }), t('mutasi.objection_answered'));
            })
          : null,
      ),
    );
    return h(
      'div',
      {},
      items.length ? h('ul', { class: 'checks' }, items) : h('p', { class: 'muted' }, t('mutasi.no_responses')),
      own && open && !p.employee_response ? respondButtons(p, feedback, act) : null,
    );
  };

  await render();
}

// The employee's answer to a proposal about them: accept, or object with a reason.
export function respondButtons(p, feedback, act) {
  const accept = button(t('mutasi.accept_move'), () => act(feedback, () => api.post(`/mutations/${p.id}/responses`, { response: 'accepted' }), t('mutasi.accepted_done')), { class: 'btn btn-primary' });
  const object = button(
    t('mutasi.object_move'),
    async () => {
      const reason = h('textarea', { name: 'reason', required: true, minlength: '5' });
      const data = await dialog(t('mutasi.object_title'), field(t('common.reason'), reason, { required: true, hint: t('mutasi.object_hint') }), { submitText: t('mutasi.object_move'), danger: true });
      if (!data) return;
      await act(feedback, () => api.post(`/mutations/${p.id}/responses`, { response: 'objected', reason: data.reason }), t('mutasi.objected_done'));
    },
    { class: 'btn btn-danger' },
  );
  return h('div', {}, h('p', {}, t('mutasi.respond_intro')), h('div', { class: 'actions' }, accept, object));
}

// The platform's own actor, and what it says of a step: a code the catalogue words (the register's refusal
// keeps its own words as a detail).
const actorName = (actor) => (actor === 'system' ? t('mutasi.system_actor') : actor);

function platformSays(transition) {
  const code = transition.reason_code;
  if (!code) return null;
  const params = transition.reason_params || {};
  if (code === 'move-refused') {
    const problem = t(`mutasi.move_problems.${params.problem in MOVE_PROBLEMS ? params.problem : 'refused'}`);
    const said = t('mutasi.reason_codes.move-refused', { problem });
    return params.detail ? `${said} ${t('mutasi.reason_detail', { detail: params.detail })}` : said;
  }
  const dated = params.tmt ? { ...params, tmt: formatDate(params.tmt) } : params;
  return t(`mutasi.reason_codes.${code}`, dated);
}

const MOVE_PROBLEMS = { 'invalid-change': 1, 'unknown-reference': 1, 'not-found': 1 };

// Why the proposal failed: the platform's words for its last failure, else what was recorded.
function failureOf(p, explanation) {
  const failed = explanation.transitions.filter((tr) => tr.action === 'fail').pop();
  return (failed && platformSays(failed)) || p.failure_reason;
}

// Whose act a step records when its actor entered it for them: the employee by name, a signatory as named.
function enteredFor(transition, p) {
  if (!transition.on_behalf_of) return null;
  const whom = transition.on_behalf_of === p.nip ? `${p.employee_name} (${p.nip})` : transition.on_behalf_of;
  return t('mutasi.on_behalf_step', { actor: actorName(transition.actor), whom, reason: transition.on_behalf_reason });
}

function timeline(explanation) {
  const items = [
    ...explanation.transitions.map((tr) => ({ at: tr.at, text: t('mutasi.transition', { action: label('mutation_actions', tr.action), actor: actorName(tr.actor), state: label('mutation_states', tr.to_state) }), entered: enteredFor(tr, explanation.proposal), reason: tr.reason, said: platformSays(tr), checks: tr.check_outcome })),
    ...explanation.overrides.map((o) => ({ at: o.at, text: t('mutasi.override_entry', { rule: label('check_rules', o.rule), approver: o.approver }), reason: o.reason })),
  ].sort((a, b) => String(a.at).localeCompare(String(b.at)));
  if (!items.length) return h('p', { class: 'muted' }, t('mutasi.no_transitions'));
  return h(
    'ol',
    { class: 'timeline', 'data-testid': 'timeline' },
    items.map((i) =>
      h(
        'li',
        {},
        h('time', { datetime: i.at }, formatDateTime(i.at)),
        i.text,
        i.entered ? h('div', { class: 'small' }, i.entered) : null,
        i.said ? h('div', { class: 'small' }, i.said) : null,
        i.reason ? h('div', { class: 'small' }, t('mutasi.with_reason', { reason: i.reason })) : null,
        i.checks ? h('div', { class: 'small muted' }, t('mutasi.checks_at', { outcome: label('outcomes', i.checks) })) : null,
      ),
    ),
  );
}

// Where the move stands in SIASN (BKN's register): the employee service's push of the new position.
async function siasnStatus(mutationId) {
  try {
    const page = await api.get(`/siasn/pushes?mutation_id=${encodeURIComponent(mutationId)}`);
    const push = page.items[0];
    if (!push) return t('mutasi.siasn_not_sent');
    return push.message ? `${label('siasn_push_states', push.state)}: ${push.message}` : label('siasn_push_states', push.state);
  } catch {
    return '—';
  }
}

async function decreesOf(container, p) {
  const items = await api.get(`/mutations/${p.id}/decrees`);
  if (!items.length) {
    clear(container, h('p', { class: 'muted' }, t('mutasi.no_decree')));
    return;
  }
  const feedback = h('div', { 'aria-live': 'polite' });
  clear(
    container,
    table(
      [
        { label: t('mutasi.decree_number'), cell: (d) => d.number },
        { label: t('mutasi.decree_kind'), cell: (d) => label('decree_kinds', d.kind) },
        { label: t('common.status'), cell: (d) => label('decree_status', d.status) },
        { label: t('mutasi.tmt'), cell: (d) => formatDate(d.tmt) },
        { label: t('mutasi.signatory'), cell: (d) => `${d.signatory.name}, ${d.signatory.title}` },
        {
          label: t('mutasi.entered_by'),
          cell: (d) => (d.entered_by ? t('mutasi.entry_with_reason', { who: d.entered_by, reason: d.on_behalf_reason }) : t('mutasi.signed_themself', { who: d.issued_by })),
        },
        { label: t('mutasi.issued'), cell: (d) => formatDateTime(d.issued_at) },
        {
          label: t('common.download'),
          cell: (d) =>
            button(t('mutasi.download_pdf'), async () => {
              try {
                const name = await download(d.pdf_url.replace(/^\/api\/v1/, ''), `SK-${d.number.replace(/[^\w.-]+/g, '_')}.pdf`, 'application/pdf');
                clear(feedback, message(t('mutasi.downloaded', { name }), 'success'));
              } catch (error) {
                clear(feedback, errorMessage(error, t('services.mutation')));
              }
            }, { 'aria-label': t('mutasi.download_named', { number: d.number }) }),
        },
      ],
      items,
    ),
    h('p', { class: 'small muted' }, t('mutasi.decree_hash')),
    feedback,
  );
}

async function documentsOf(container, p, missing, feedback) {
  const [items, reference] = await Promise.all([api.get(`/mutations/${p.id}/documents`), api.get('/mutations/reference').catch(() => null)]);
  const kinds = reference ? reference.document_kinds : [];
  const kind = select(kinds.map((k) => [k.kind, k.label]), { name: 'kind', value: missing[0] || '' });
  const file = h('input', { type: 'file', name: 'file', accept: 'application/pdf,image/jpeg,image/png', required: true });
  const upload = h('form', { class: 'form-row' }, field(t('mutasi.document_kind'), kind), field(t('mutasi.document_file'), file), h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn' }, t('mutasi.upload'))));
  upload.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!file.files.length) return;
    const body = new FormData();
    body.append('kind', kind.value);
    body.append('file', file.files[0]);
    try {
      await request(`/mutations/${p.id}/documents`, { method: 'POST', formData: body });
      clear(feedback, message(t('mutasi.uploaded'), 'success'));
      await documentsOf(clear(container), p, missing.filter((m) => m !== kind.value), feedback);
    } catch (error) {
      clear(feedback, errorMessage(error, t('services.mutation')));
    }
  });
  const labels = Object.fromEntries(kinds.map((k) => [k.kind, k.label]));
  clear(
    container,
    missing.length ? message(t('mutasi.missing_documents'), 'warning', missing.map((m) => labels[m] || m)) : message(t('mutasi.file_complete'), 'success'),
    table(
      [
        { label: t('mutasi.document_kind'), cell: (d) => d.kind_label },
        { label: t('mutasi.document_file'), cell: (d) => d.filename },
        { label: t('mutasi.uploaded_by'), cell: (d) => `${d.uploaded_by} · ${formatDateTime(d.uploaded_at)}` },
        { label: t('common.download'), cell: (d) => button(t('common.download'), () => download(`/mutations/${p.id}/documents/${d.id}`, d.filename).catch((error) => clear(feedback, errorMessage(error)))) },
      ],
      items,
      { emptyText: t('mutasi.no_documents') },
    ),
    hasRole('hr_officer', 'admin', 'approver') || (currentUser().nip === p.nip) ? upload : null,
  );
}
