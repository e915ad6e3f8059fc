// Sinkronisasi SIASN: the agency's exchange with BKN's national system through the employee service's SIASN
// API. Three tabs: the reconciliation queue (pull people from SIASN as a job, then accept SIASN's value or
// keep ours, per row or for the selected rows), the pushes of completed mutations (state, SIASN's message,
// a retry of a failed one), and the mapping of our units and positions to SIASN's where names differ.
// HR officers and administrators act; a BKN reviewer reads.

import { h, add, clear, field, select, table, card, loading, message, errorMessage, guarded, pager, button, link, badge, tabs } from '../dom.js';
import { t, label, formatDate, formatDateTime, formatNumber, formatCount } from '../i18n.js';
import { api, getAll } from '../api.js';
import { agencySelect, rankText } from '../common.js';
import { unitName, positionName, later } from '../lookups.js';
import { hasRole } from '../session.js';

const BASE = '/siasn';
const PAGE_SIZE = 50;
const DIFFERENCE_STATES = ['open', 'accepted', 'rejected', 'resolved'];
const PUSH_STATES = ['waiting', 'sending', 'sent', 'failed'];
const DATE_FIELDS = new Set(['birth_date', 'tmt_cpns', 'tmt_pns']);
// The job poll waits longer each round (a pull of a whole agency takes minutes), never more than this.
const POLL_FIRST_MS = 400;
const POLL_MAX_MS = 4000;
const POLL_GROWTH = 1.5;
// Which SIASN reference lists hold the records a kind of ours is linked to.
const MAPPINGS = {
  unit: { lists: ['ref-unor'] },
  position: { lists: ['jabatan-fungsional', 'jabatan-fungsional-umum'] },
};
// How many SIASN entries of a list the suggestions are drawn from; the search box reaches the rest.
const MAX_CANDIDATES = 5000;
const SUGGESTIONS = 5;

function keeper() {
  return hasRole('admin', 'hr_officer');
}

function pause(ms) {
  return new Promise((resolve) => {
    setTimeout(resolve, ms);
  });
}

function stateBadge(group, state) {
  const tone = {
    open: 'warning',
    accepted: 'success',
    rejected: 'neutral',
    resolved: 'info',
    waiting: 'info',
    sending: 'info',
    sent: 'success',
    failed: 'danger',
  }[state] || 'neutral';
  return badge(label(group, state), tone);
}

// A value of the queue as a person reads it: dates written out, codes named, compound values summarised.
function valueText(name, value) {
  if (value === null || value === undefined || value === '') return '—';
  if (name === 'record') return value.name ? t('siasn.record_value', { name: value.name }) : '—';
  if (name === 'rank') return value.code ? `${rankText(value.code)} · TMT ${formatDate(value.tmt)}` : '—';
  if (name === 'education') return [value.level, value.graduation_year].filter(Boolean).join(' · ');
  if (name === 'placement') {
    const parts = [];
    if (value.unit_id) parts.push(later(unitName(value.unit_id)));
    else if (value.siasn_unor_id) parts.push(t('siasn.unor_id', { id: value.siasn_unor_id }));
    if (value.position_id) parts.push(later(positionName(value.position_id)));
    else if (value.siasn_jabatan_id) parts.push(t('siasn.jabatan_id', { id: value.siasn_jabatan_id }));
    if (value.tmt) parts.push(`TMT ${formatDate(value.tmt)}`);
    return parts.length ? h('span', {}, parts.flatMap((part, i) => (i ? [' · ', part] : [part]))) : '—';
  }
  if (name === 'gender') return label('gender', value);
  if (name === 'status') return label('employee_status', value);
  if (DATE_FIELDS.has(name)) return formatDate(value);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function nipsOf(text) {
  return [...new Set((text || '').split(/[\s,;]+/).filter(Boolean))];
}

export async function overview(root, ctx) {
  const q = ctx.query;
  const agency = await agencySelect({ value: q.agency, id: 'siasn-agency' });
  const chosen = () => agency.value.trim();
  const tabNames = ['perbedaan', 'pengiriman', 'pemetaan'];
  const selected = Math.max(tabNames.indexOf(q.tab), 0);
  agency.addEventListener('change', () => ctx.navigate('/siasn', { agency: chosen(), tab: q.tab }));
  root.append(
    h('p', { class: 'lead' }, t(keeper() ? 'siasn.intro' : 'siasn.intro_reader')),
    h('div', { class: 'form-row' }, field(t('common.agency'), agency)),
  );
  if (!chosen()) {
    root.append(message(t('siasn.choose_agency'), 'info'));
    return;
  }
  root.append(
    tabs(
      [
        { label: t('siasn.tab_differences'), render: (panel) => differences(panel, chosen(), q) },
        { label: t('siasn.tab_pushes'), render: (panel) => pushes(panel, chosen()) },
        { label: t('siasn.tab_mapping'), render: (panel) => mapping(panel, chosen()) },
      ],
      { selected },
    ),
  );
}

// --- the reconciliation queue ---------------------------------------------------------------------------

function differences(panel, agencyCode, q) {
  const state = q.state === undefined ? 'open' : q.state;
  const list = h('div');
  const reload = () => renderDifferences(list, agencyCode, stateSelect.value);
  const stateSelect = select([['', t('common.any')], ...DIFFERENCE_STATES.map((s) => [s, label('siasn_difference_states', s)])], { name: 'state', value: state });
  const filters = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': t('siasn.differences_filters') },
    field(t('common.status'), stateSelect),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.show'))),
  );
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    reload();
  });
  if (keeper()) panel.append(pullCard(agencyCode, reload));
  panel.append(filters, list);
  reload();
}

function pullCard(agencyCode, onDone) {
  const nips = h('textarea', { name: 'nips', rows: '2', autocomplete: 'off', spellcheck: 'false' });
  const progress = h('div', { 'data-testid': 'pull-progress' });
  const start = h('button', { type: 'submit', class: 'btn btn-primary' }, t('siasn.pull'));
  const form = h('form', { 'aria-label': t('siasn.pull_title') }, field(t('siasn.pull_nips'), nips, { hint: t('siasn.pull_nips_hint') }), h('div', { class: 'actions' }, start));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const wanted = nipsOf(nips.value);
    const bad = wanted.filter((nip) => !/^\d{18}$/.test(nip));
    if (bad.length) {
      clear(progress, message(t('siasn.pull_bad_nips'), 'error', bad));
      nips.focus();
      return;
    }
    start.disabled = true;
    clear(progress, loading(t('siasn.pull_starting')));
    try {
      const job = await api.post(`${BASE}/pulls`, { agency_code: agencyCode, nips: wanted });
      const finished = await followPull(job, progress);
      if (finished) onDone();
    } catch (error) {
      clear(progress, errorMessage(error, t('services.siasn')));
    } finally {
      start.disabled = false;
    }
  });
  return card(t('siasn.pull_title'), h('p', {}, t('siasn.pull_intro')), form, progress);
}

// Follows the pull's job until it ends, polling with a growing wait, showing people pulled of the total.
async function followPull(job, holder) {
  const bar = h('progress', { max: '1', value: '0', 'aria-label': t('siasn.pull_progress') });
  const status = h('p', { role: 'status' }, t('siasn.job_queued'));
  clear(holder, h('div', { class: 'card', 'data-testid': 'job-progress' }, bar, status));
  let current = job;
  let wait = POLL_FIRST_MS;
  while (current.state === 'queued' || current.state === 'running') {
    await pause(wait);
    wait = Math.min(wait * POLL_GROWTH, POLL_MAX_MS);
    current = await api.get(`/employee/jobs/${current.id}`);
    const p = current.progress || {};
    if (p.total) {
      bar.max = p.total;
      bar.value = p.pulled || 0;
    }
    status.textContent = current.state === 'queued'
      ? t('siasn.job_queued')
      : t('siasn.job_running', { pulled: formatNumber(p.pulled || 0), total: formatNumber(p.total || 0), differences: formatNumber(p.differences || 0) });
  }
  if (current.state !== 'succeeded') {
    const problem = current.problem || {};
    clear(holder, message(t('siasn.job_failed'), 'error', problem.detail ? [problem.detail] : null));
    return null;
  }
  const r = current.result || {};
  const details = [
    t('siasn.result_pulled', { pulled: formatNumber(r.pulled || 0), total: formatNumber(r.total || 0) }),
    t('siasn.result_differences', { opened: formatNumber(r.opened || 0), open: formatNumber(r.open || 0) }),
    r.not_in_siasn ? t('siasn.result_not_in_siasn', { count: formatNumber(r.not_in_siasn) }) : null,
    r.registrable ? t('siasn.result_registrable', { count: formatNumber(r.registrable) }) : null,
    r.failed ? t('siasn.result_failed', { count: formatNumber(r.failed) }) : null,
    ...(r.failures || []).slice(0, 10).map((f) => `${f.nip || ''} ${f.message || ''}`.trim()),
  ].filter(Boolean);
  clear(holder, message(t('siasn.job_done'), 'success', details));
  return current;
}

function renderDifferences(list, agencyCode, state) {
  const feedback = h('div', { 'data-testid': 'decision-feedback' });
  const holder = h('div');
  const rows = [];
  const chosen = new Set();
  const acting = keeper();
  const bulk = acting
    ? h(
        'div',
        { class: 'actions', role: 'group', 'aria-label': t('siasn.bulk') },
        button(t('siasn.select_all'), () => {
          for (const row of rows) if (row.state === 'open') chosen.add(row.id);
          draw();
        }),
        button(t('siasn.accept_selected'), () => decideSelected('accept'), { class: 'btn btn-primary' }),
        button(t('siasn.reject_selected'), () => decideSelected('reject')),
      )
    : null;
  clear(list, bulk, feedback, holder);

  async function decideOne(row, decision, trigger) {
    trigger.disabled = true;
    clear(feedback);
    try {
      Object.assign(row, await api.post(`${BASE}/differences/${row.id}/${decision}`));
      chosen.delete(row.id);
      clear(feedback, message(t(`siasn.decided_${decision}`, { field: label('siasn_fields', row.field), nip: row.nip }), 'success'));
      draw();
    } catch (error) {
      trigger.disabled = false;
      clear(feedback, errorMessage(error, t('services.siasn')));
    }
  }

  async function decideSelected(decision) {
    const ids = rows.filter((row) => chosen.has(row.id)).map((row) => row.id);
    if (!ids.length) {
      clear(feedback, message(t('siasn.none_selected'), 'warning'));
      return;
    }
    clear(feedback, loading());
    try {
      const made = await api.post(`${BASE}/differences/decisions`, { ids, decision });
      const byId = new Map(rows.map((row) => [row.id, row]));
      const refused = [];
      for (const outcome of made.items) {
        const row = byId.get(outcome.id);
        row.state = outcome.state;
        if (outcome.problem) {
          refused.push(`${row.nip} · ${label('siasn_fields', row.field)}: ${outcome.problem.detail || outcome.problem.title}`);
        } else {
          chosen.delete(outcome.id);
        }
      }
      const text = t(`siasn.bulk_${decision}`, { count: formatNumber(made.decided) });
      clear(feedback, refused.length ? message(`${text} ${t('siasn.bulk_refused', { count: formatNumber(refused.length) })}`, 'warning', refused) : message(text, 'success'));
      draw();
    } catch (error) {
      clear(feedback, errorMessage(error, t('services.siasn')));
    }
  }

  const columns = [
    ...(acting
      ? [{
          label: t('siasn.choose'),
          cell: (row) => (row.state === 'open'
            ? h('input', {
                type: 'checkbox',
                checked: chosen.has(row.id),
                'aria-label': t('siasn.choose_row', { field: label('siasn_fields', row.field), nip: row.nip }),
                onchange: (event) => (event.target.checked ? chosen.add(row.id) : chosen.delete(row.id)),
              })
            : ''),
        }]
      : []),
    { label: 'NIP', cell: (row) => (row.field === 'record' ? row.nip : link(row.nip, `#/pegawai/${row.nip}`)) },
    { label: t('siasn.field'), cell: (row) => label('siasn_fields', row.field) },
    { label: t('siasn.ours'), cell: (row) => (row.field === 'record' ? t('siasn.not_registered') : valueText(row.field, row.ours)) },
    { label: t('siasn.theirs'), cell: (row) => valueText(row.field, row.theirs) },
    { label: t('siasn.since'), cell: (row) => formatDateTime(row.since) },
    { label: t('common.status'), cell: (row) => add(h('span'), stateBadge('siasn_difference_states', row.state), row.decided_by ? h('span', { class: 'small muted' }, ` ${row.decided_by}`) : null) },
    ...(acting
      ? [{
          label: t('common.actions'),
          cell: (row) => {
            if (row.state !== 'open') return '';
            const what = { field: label('siasn_fields', row.field), nip: row.nip };
            const accept = button(t('siasn.accept'), () => decideOne(row, 'accept', accept), { 'aria-label': t('siasn.accept_row', what) });
            const reject = button(t('siasn.reject'), () => decideOne(row, 'reject', reject), { 'aria-label': t('siasn.reject_row', what) });
            return h('span', { class: 'row-actions' }, accept, ' ', reject);
          },
        }]
      : []),
  ];
  let more = false;
  function draw() {
    const count = formatCount({ loaded: rows.length, more });
    clear(holder, table(columns, rows, { caption: t('siasn.differences_caption', { count }), emptyText: t('siasn.no_differences') }));
    if (!rows.length) return;
    holder.querySelectorAll('tbody tr').forEach((tr, i) => {
      tr.dataset.testid = 'difference';
      tr.dataset.id = rows[i].id;
    });
  }
  return guarded(
    list,
    () =>
      pager(
        list,
        (cursor) => api.get(`${BASE}/differences`, { agency: agencyCode, state, limit: PAGE_SIZE, cursor }),
        (items, hasMore) => {
          rows.push(...items);
          more = hasMore;
          draw();
        },
      ),
    t('services.siasn'),
  );
}

// --- pushes of completed mutations ----------------------------------------------------------------------

function pushes(panel, agencyCode) {
  const list = h('div');
  const stateSelect = select([['', t('common.any')], ...PUSH_STATES.map((s) => [s, label('siasn_push_states', s)])], { name: 'push_state', value: '' });
  const filters = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': t('siasn.pushes_filters') },
    field(t('common.status'), stateSelect),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.show'))),
  );
  const reload = () => renderPushes(list, agencyCode, stateSelect.value);
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    reload();
  });
  panel.append(h('p', {}, t('siasn.pushes_intro')), filters, list);
  reload();
}

function renderPushes(list, agencyCode, state) {
  const feedback = h('div');
  const holder = h('div');
  const rows = [];
  let more = false;
  clear(list, feedback, holder);
  const retry = async (row, trigger) => {
    trigger.disabled = true;
    clear(feedback);
    try {
      Object.assign(row, await api.post(`${BASE}/pushes/${row.id}/retry`));
      clear(feedback, message(t('siasn.retried', { nip: row.nip }), 'success'));
      draw();
    } catch (error) {
      trigger.disabled = false;
      clear(feedback, errorMessage(error, t('services.siasn')));
    }
  };
  const columns = [
    { label: 'NIP', cell: (row) => link(row.nip, `#/pegawai/${row.nip}`) },
    { label: t('siasn.mutation'), cell: (row) => link(row.decree_number || row.mutation_id.slice(0, 8), `#/mutasi/${row.mutation_id}`) },
    { label: 'TMT', cell: (row) => formatDate(row.tmt) },
    { label: t('common.status'), cell: (row) => stateBadge('siasn_push_states', row.state) },
    { label: t('siasn.step'), cell: (row) => label('siasn_push_steps', row.step) },
    { label: t('siasn.attempts'), cell: (row) => formatNumber(row.attempts), numeric: true },
    { label: t('siasn.message'), cell: (row) => row.message || '—' },
    { label: t('siasn.updated'), cell: (row) => formatDateTime(row.updated_at) },
    ...(keeper()
      ? [{
          label: t('common.actions'),
          cell: (row) => {
            if (row.state !== 'failed') return '';
            const again = button(t('siasn.retry'), () => retry(row, again), { 'aria-label': t('siasn.retry_row', { nip: row.nip }) });
            return again;
          },
        }]
      : []),
  ];
  function draw() {
    const count = formatCount({ loaded: rows.length, more });
    clear(holder, table(columns, rows, { caption: t('siasn.pushes_caption', { count }), emptyText: t('siasn.no_pushes') }));
  }
  return guarded(
    list,
    () =>
      pager(
        list,
        (cursor) => api.get(`${BASE}/pushes`, { agency: agencyCode, state, limit: PAGE_SIZE, cursor }),
        (items, hasMore) => {
          rows.push(...items);
          more = hasMore;
          draw();
        },
      ),
    t('services.siasn'),
  );
}

// --- mapping our units and positions to SIASN's ---------------------------------------------------------

// A name as compared: lower case, SIASN's usual abbreviations written out, punctuation gone.
function normalised(name) {
  return ` ${(name || '').toLowerCase()} `
    .replace(/\bbid\.?(?=\s)/g, 'bidang')
    .replace(/\bsubbag\.?(?=\s)/g, 'sub bagian')
    .replace(/\bsubbid\.?(?=\s)/g, 'sub bidang')
    .replace(/\bkab\.?(?=\s)/g, 'kabupaten')
    .replace(/\bprov\.?(?=\s)/g, 'provinsi')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

function bigrams(text) {
  const grams = new Map();
  for (let i = 0; i < text.length - 1; i += 1) {
    const gram = text.slice(i, i + 2);
    grams.set(gram, (grams.get(gram) || 0) + 1);
  }
  return grams;
}

// Dice's coefficient over character pairs: 1 for the same name, 0 for nothing in common.
function similarity(a, b) {
  const x = bigrams(a);
  const y = bigrams(b);
  let common = 0;
  let total = 0;
  for (const [gram, count] of x) {
    common += Math.min(count, y.get(gram) || 0);
    total += count;
  }
  for (const count of y.values()) total += count;
  return total ? (2 * common) / total : 0;
}

function closest(name, candidates, taken) {
  const wanted = normalised(name);
  return candidates
    .filter((c) => !taken.has(c.id))
    .map((c) => ({ ...c, score: similarity(wanted, c.key) }))
    .sort((a, b) => b.score - a.score || a.name.localeCompare(b.name))
    .slice(0, SUGGESTIONS);
}

async function mapping(panel, agencyCode) {
  const feedback = h('div');
  const units = h('div');
  const positions = h('div');
  const refreshed = h('div');
  let drawn = 0;
  const redraw = () => {
    drawn += 1;
    renderMapping(units, 'unit', agencyCode, feedback, drawn);
    renderMapping(positions, 'position', agencyCode, feedback, drawn);
  };
  const refresh = keeper()
    ? button(t('siasn.refresh_references'), async () => {
        refresh.disabled = true;
        clear(refreshed, loading(t('siasn.refreshing')));
        try {
          const result = await api.post(`${BASE}/references/refresh`);
          const lists = Object.entries(result.lists).map(([name, count]) => `${name}: ${formatNumber(count)}`);
          clear(refreshed, message(t('siasn.refreshed'), 'success', lists));
          redraw();
        } catch (error) {
          clear(refreshed, errorMessage(error, t('services.siasn')));
        } finally {
          refresh.disabled = false;
        }
      })
    : null;
  panel.append(
    h('p', {}, t(keeper() ? 'siasn.mapping_intro' : 'siasn.mapping_intro_reader')),
    refresh ? h('div', { class: 'actions' }, refresh) : null,
    refreshed,
    feedback,
    card(t('siasn.units_unlinked'), units),
    card(t('siasn.positions_unlinked'), positions),
  );
  redraw();
}

async function candidatesOf(kind) {
  const found = [];
  for (const list of MAPPINGS[kind].lists) {
    const entries = await getAll(`${BASE}/references/${list}`, {}, MAX_CANDIDATES);
    found.push(...entries.map((e) => ({ id: e.id, name: e.name, list, key: normalised(e.name) })));
  }
  return found;
}

function renderMapping(holder, kind, agencyCode, feedback, round) {
  clear(holder, loading());
  return guarded(
    holder,
    async () => {
      const [records, linked, candidates] = await Promise.all([
        getAll(`${BASE}/identities/${kind}`, { agency: agencyCode, linked: false }, 500),
        getAll(`${BASE}/identities/${kind}`, { agency: agencyCode, linked: true }, 20000),
        candidatesOf(kind),
      ]);
      // A SIASN unor is one unit's: those linked already are not offered again. A jabatan fungsional is
      // shared by every position of its name, so positions are offered all of them.
      const taken = kind === 'unit' ? new Set(linked.map((r) => r.siasn_id)) : new Set();
      if (!candidates.length) {
        clear(holder, message(t('siasn.no_references'), 'info'));
        return;
      }
      const columns = [
        { label: t(`siasn.our_${kind}`), cell: (r) => r.name },
        { label: t('siasn.suggestion'), cell: (r) => mappingChoice(r, kind, candidates, taken, feedback, round) },
      ];
      const caption = t(`siasn.${kind}_caption`, { count: formatCount({ loaded: records.length }) });
      clear(holder, table(columns, records, { caption, emptyText: t(`siasn.all_${kind}s_linked`) }));
    },
    t('services.siasn'),
  );
}

function mappingChoice(record, kind, candidates, taken, feedback, round) {
  const idBase = `map-${kind}-${round}-${record.ref}`;
  const options = (entries) => entries.map((c) => [c.id, `${c.name} (${c.id})`]);
  const suggested = closest(record.name, candidates, taken);
  const choice = select(options(suggested), { id: `${idBase}-choice`, name: 'siasn_id' });
  const search = h('input', { id: `${idBase}-search`, type: 'search', autocomplete: 'off' });
  if (!keeper()) return suggested.length ? `${suggested[0].name} (${suggested[0].id})` : '—';
  search.addEventListener('change', async () => {
    const name = search.value.trim();
    if (!name) {
      clear(choice, ...options(suggested).map(([v, text]) => h('option', { value: v }, text)));
      return;
    }
    const found = [];
    try {
      for (const list of MAPPINGS[kind].lists) {
        const page = await api.get(`${BASE}/references/${list}`, { name, limit: 20 });
        found.push(...page.items.filter((e) => !taken.has(e.id)));
      }
    } catch (error) {
      clear(feedback, errorMessage(error, t('services.siasn')));
      return;
    }
    clear(choice, ...(found.length ? options(found).map(([v, text]) => h('option', { value: v }, text)) : [h('option', { value: '' }, t('siasn.search_none'))]));
  });
  const linkIt = button(t('siasn.link'), async () => {
    if (!choice.value) return;
    linkIt.disabled = true;
    try {
      const done = await api.put(`${BASE}/identities/${kind}/${encodeURIComponent(record.ref)}`, { siasn_id: choice.value });
      taken.add(done.siasn_id);
      clear(feedback, message(t('siasn.linked', { name: record.name, id: done.siasn_id }), 'success'));
      const cell = linkIt.closest('td');
      clear(cell, stateBadge('siasn_link', 'linked'), ' ', done.siasn_id);
    } catch (error) {
      linkIt.disabled = false;
      clear(feedback, errorMessage(error, t('services.siasn')));
    }
  }, { 'aria-label': t('siasn.link_row', { name: record.name }) });
  return h(
    'div',
    { class: 'form-row' },
    field(t('siasn.suggested'), choice),
    field(t('siasn.search_siasn'), search, { hint: t('siasn.search_hint') }),
    h('div', { class: 'actions' }, linkIt),
  );
}
