// Beban kerja (ABK): need vs present per unit and position, over/under highlighted; a position's task list
// can be edited and its figures recompute as the user types (PermenPANRB 1/2020: 1,250 effective hours).

import { h, clear, field, select, table, card, loading, message, errorMessage, guarded, link, dl, button } from '../dom.js';
import { t, label, formatNumber, formatDateTime } from '../i18n.js';
import { getAll, request } from '../api.js';
import { agencySelect, bandBadge, staffingBadge, BANDS } from '../common.js';
import { unitName, later, position as loadPosition } from '../lookups.js';

const EFFECTIVE_HOURS = 1250;

export function bandOf(efficiency) {
  if (efficiency === null || efficiency === undefined) return null;
  if (efficiency > 1) return 'A';
  if (efficiency >= 0.9) return 'B';
  if (efficiency >= 0.7) return 'C';
  if (efficiency >= 0.5) return 'D';
  return 'E';
}

function rowClass(row) {
  return row.staffing === 'under' ? 'row-under' : row.staffing === 'over' ? 'row-over' : null;
}

export async function overview(root, ctx) {
  const q = ctx.query;
  const agency = await agencySelect({ value: q.agency });
  const level = select([['unit', t('workload.level_unit')], ['position', t('workload.level_position')]], { name: 'level', value: q.level || 'unit' });
  const status = select([['', t('common.any')], ['under', label('staffing', 'under')], ['over', label('staffing', 'over')], ['balanced', label('staffing', 'balanced')]], { name: 'status', value: q.status || '' });
  const band = select([['', t('common.any')], ...BANDS.map((b) => [b, `${b} · ${label('bands', b)}`])], { name: 'band', value: q.band || '' });
  const form = h(
    'form',
    { class: 'filters', 'aria-label': t('workload.filters') },
    field(t('common.agency'), agency),
    field(t('workload.level'), level),
    field(t('workload.staffing'), status),
    field(t('workload.band'), band),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.show'))),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    ctx.navigate('/beban-kerja', { agency: agency.value, level: level.value, status: status.value, band: band.value });
  });
  const out = h('div', { class: 'page' }, loading());
  root.append(
    h('p', { class: 'lead' }, t('workload.intro')),
    form,
    out,
  );
  const chosenAgency = agency.value;
  if (!chosenAgency) {
    clear(out, message(t('workload.choose_agency')));
    return;
  }
  const chosenLevel = q.unit ? 'position' : q.level || 'unit';
  await guarded(out, async () => {
    let rows = await getAll('/workload', { agency: chosenAgency, level: chosenLevel, status: q.status });
    if (q.band) rows = rows.filter((r) => r.band === q.band);
    if (q.unit) rows = rows.filter((r) => r.parent_unit_id === q.unit);
    const summary = h('p', {}, q.unit ? h('span', {}, t('workload.positions_of'), ' ', h('strong', {}, later(unitName(q.unit))), ' · ', link(t('workload.all_units'), `#/beban-kerja?agency=${chosenAgency}`)) : null);
    const columns = [
      {
        label: chosenLevel === 'unit' ? t('workload.unit') : t('workload.position'),
        cell: (r) =>
          chosenLevel === 'unit'
            ? link(r.name, `#/beban-kerja?agency=${chosenAgency}&unit=${r.id}`)
            : link(r.name, `#/beban-kerja/jabatan/${r.id}`),
      },
      { label: t('workload.hours'), cell: (r) => formatNumber(r.workload_hours, 0), numeric: true },
      { label: t('workload.needed'), cell: (r) => formatNumber(r.staff_needed), numeric: true },
      { label: t('workload.present'), cell: (r) => formatNumber(r.present), numeric: true },
      { label: t('workload.gap'), cell: (r) => (r.gap > 0 ? `+${r.gap}` : String(r.gap)), numeric: true },
      { label: t('workload.efficiency'), cell: (r) => (r.efficiency === null ? '—' : formatNumber(r.efficiency, 2)), numeric: true },
      { label: t('workload.band'), cell: (r) => bandBadge(r.band) },
      { label: t('workload.staffing'), cell: (r) => staffingBadge(r.staffing) },
    ];
    const rendered = table(columns, rows, {
      caption: t('workload.caption', { agency: chosenAgency, count: rows.length }),
      rowClass,
    });
    rendered.querySelector('table').classList.add('stack');
    clear(out, summary, h('p', { class: 'small muted' }, t('workload.legend')), rendered);
  }, t('services.employee'));
}

export async function tasks(root, ctx) {
  const { id } = ctx.params;
  let position;
  let current;
  try {
    [position, current] = await Promise.all([loadPosition(id), request(`/positions/${id}/tasks`)]);
  } catch (error) {
    root.append(errorMessage(error, t('services.employee')));
    return;
  }
  ctx.setTitle(t('workload.tasks_title', { name: position.name }));
  let etag = current.etag || 'W/"0"';
  let list = current.data;
  let present = list.workload ? list.workload.present : null;
  if (present === null) {
    try {
      const holders = await getAll('/employees', { position: id, status: 'active' }, 500);
      present = holders.length;
    } catch {
      present = 0;
    }
  }

  const figures = h('div', { 'aria-live': 'polite', 'data-testid': 'live-figures' });
  const saved = h('div');
  const body = h('tbody');
  const rows = [];

  const recompute = () => {
    let minutes = 0;
    let valid = true;
    for (const row of rows) {
      const volume = Number(row.volume.value);
      const norm = Number(row.norm.value);
      const ok = row.volume.value !== '' && volume >= 0 && norm > 0;
      row.volume.setAttribute('aria-invalid', String(!(row.volume.value !== '' && volume >= 0)));
      row.norm.setAttribute('aria-invalid', String(!(norm > 0)));
      if (!ok) valid = false;
      const hours = ok ? (volume * norm) / 60 : 0;
      row.hours.textContent = ok ? formatNumber(hours, 2) : '—';
      minutes += ok ? volume * norm : 0;
    }
    const hours = minutes / 60;
    const exact = hours / EFFECTIVE_HOURS;
    const needed = Math.floor(exact + 0.5);
    const efficiency = present > 0 ? hours / (present * EFFECTIVE_HOURS) : null;
    const gap = needed - present;
    clear(
      figures,
      dl([
        [t('workload.hours'), h('span', { 'data-testid': 'hours' }, formatNumber(hours, 2))],
        [t('workload.needed_exact'), formatNumber(exact, 2)],
        [t('workload.needed'), h('span', { 'data-testid': 'needed' }, formatNumber(needed))],
        [t('workload.present'), formatNumber(present)],
        [t('workload.gap'), gap > 0 ? `+${gap}` : String(gap)],
        [t('workload.efficiency'), efficiency === null ? t('workload.unstaffed') : formatNumber(efficiency, 2)],
        [t('workload.band'), bandBadge(bandOf(efficiency))],
      ]),
      valid ? null : message(t('workload.invalid_rows'), 'warning'),
    );
    return valid;
  };

  const addRow = (task = { name: '', yearly_volume: '', output_unit: '', time_norm_minutes: '' }) => {
    const index = rows.length + 1;
    const input = (value, attrs) => h('input', { value: value === '' ? '' : String(value), ...attrs, oninput: recompute });
    const row = {
      name: input(task.name, { 'aria-label': t('workload.task_name_n', { n: index }), required: true }),
      volume: input(task.yearly_volume, { type: 'number', min: '0', step: '0.01', inputmode: 'decimal', 'aria-label': t('workload.volume_n', { n: index }) }),
      unit: input(task.output_unit, { 'aria-label': t('workload.output_unit_n', { n: index }) }),
      norm: input(task.time_norm_minutes, { type: 'number', min: '0.01', step: '0.01', inputmode: 'decimal', 'aria-label': t('workload.norm_n', { n: index }) }),
      hours: h('span'),
    };
    row.element = h(
      'tr',
      { class: 'task-row' },
      h('td', { 'data-label': t('workload.task_name') }, row.name),
      h('td', { 'data-label': t('workload.volume') }, row.volume),
      h('td', { 'data-label': t('workload.output_unit') }, row.unit),
      h('td', { 'data-label': t('workload.norm') }, row.norm),
      h('td', { class: 'num', 'data-label': t('workload.row_hours') }, row.hours),
      h(
        'td',
        {},
        button(t('workload.remove'), () => {
          rows.splice(rows.indexOf(row), 1);
          row.element.remove();
          recompute();
        }, { class: 'btn btn-quiet', 'aria-label': t('workload.remove_n', { n: index }) }),
      ),
    );
    rows.push(row);
    body.append(row.element);
    return row;
  };

  for (const task of list.tasks) addRow(task);
  if (rows.length === 0) addRow();

  const showServer = () =>
    clear(
      saved,
      list.workload
        ? h('p', { class: 'small muted' }, t('workload.saved_at', { when: formatDateTime(list.assessed_at), version: list.version }))
        : h('p', { class: 'small muted' }, t('workload.never_assessed')),
    );
  showServer();

  const save = async () => {
    if (!recompute()) return;
    const payload = {
      tasks: rows.map((r) => ({
        name: r.name.value.trim(),
        yearly_volume: Number(r.volume.value),
        output_unit: r.unit.value.trim() || '-',
        time_norm_minutes: Number(r.norm.value),
      })),
    };
    if (payload.tasks.some((task) => !task.name)) {
      clear(saved, message(t('workload.name_required'), 'error'));
      return;
    }
    try {
      const answer = await request(`/positions/${id}/tasks`, { method: 'PUT', json: payload, ifMatch: etag });
      etag = answer.etag;
      list = answer.data;
      if (list.workload) present = list.workload.present;
      recompute();
      showServer();
      saved.prepend(message(t('workload.saved', { needed: list.workload ? list.workload.staff_needed : 0 }), 'success'));
    } catch (error) {
      clear(saved, error.status === 412 ? message(t('workload.stale'), 'error') : errorMessage(error, t('services.employee')));
    }
  };

  root.append(
    h('p', {}, link(t('workload.back'), `#/beban-kerja?agency=${position.agency_code}&unit=${position.unit_id}`)),
    card(t('workload.figures'), figures),
    card(
      t('workload.task_list'),
      h('p', { class: 'small muted' }, t('workload.tasks_hint')),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'stack' },
          h('caption', {}, t('workload.task_list_of', { name: position.name })),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, t('workload.task_name')),
              h('th', { scope: 'col' }, t('workload.volume')),
              h('th', { scope: 'col' }, t('workload.output_unit')),
              h('th', { scope: 'col' }, t('workload.norm')),
              h('th', { scope: 'col', class: 'num' }, t('workload.row_hours')),
              h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, t('common.actions'))),
            ),
          ),
          body,
        ),
      ),
      h(
        'div',
        { class: 'actions' },
        button(t('workload.add_task'), () => {
          const row = addRow();
          recompute();
          row.name.focus();
        }),
        button(t('workload.save'), save, { class: 'btn btn-primary' }),
      ),
      saved,
    ),
  );
  recompute();
}
