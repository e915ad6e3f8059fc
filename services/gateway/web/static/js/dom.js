// A small element builder and the components every page shares. Text always goes in as text nodes, never
// as HTML, so nothing a user or an API typed can inject markup.

import { t, has, formatNumber } from './i18n.js';

export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === 'class') {
      element.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    } else if (name === 'dataset') {
      Object.assign(element.dataset, value);
    } else if (name === 'value' && 'value' in element) {
      element.value = value;
    } else if (name === 'checked' || name === 'selected' || name === 'disabled') {
      element[name] = Boolean(value);
      if (value) element.setAttribute(name, '');
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

// Appends children, skipping null/false (the DOM's own append would write them as text).
export function add(element, ...children) {
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

let idCounter = 0;
export function uid(prefix = 'id') {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

// A labelled form field; `control` is an input, select or textarea element.
export function field(labelText, control, { hint, required } = {}) {
  if (!control.id) control.id = uid('f');
  const hintId = hint ? `${control.id}-hint` : null;
  if (hintId) control.setAttribute('aria-describedby', hintId);
  if (required) control.required = true;
  return h(
    'div',
    { class: 'field' },
    h('label', { for: control.id }, labelText, required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
    control,
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
  );
}

export function select(options, attrs = {}) {
  return h(
    'select',
    attrs,
    options.map(([value, text]) =>
      h('option', { value, selected: String(attrs.value ?? '') === String(value) }, text),
    ),
  );
}

export function button(text, onClick, attrs = {}) {
  return h('button', { type: 'button', class: 'btn', onclick: onClick, ...attrs }, text);
}

export function link(text, href, attrs = {}) {
  return h('a', { href, ...attrs }, text);
}

export function badge(text, tone = 'neutral') {
  return h('span', { class: `badge badge-${tone}` }, text);
}

// Messages: `status` for news that may wait, `alert` for errors the user must notice.
export function message(text, tone = 'info', details) {
  const role = tone === 'error' ? 'alert' : 'status';
  return h(
    'div',
    { class: `msg msg-${tone}`, role },
    h('p', {}, text),
    details ? (Array.isArray(details) ? h('ul', {}, details.map((d) => h('li', {}, d))) : h('p', { class: 'small' }, details)) : null,
  );
}

export function loading(text) {
  return h('p', { class: 'loading', role: 'status' }, text || t('common.loading'));
}

export function emptyRow(columns, text) {
  return h('tr', {}, h('td', { colspan: columns, class: 'empty' }, text || t('common.empty')));
}

// A table with a caption; `columns` = [{label, cell(row) -> node|text, numeric?}].
export function table(columns, rows, { caption, rowClass, emptyText } = {}) {
  return h(
    'div',
    { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption || t('common.table') },
    h(
      'table',
      // Rows become stacked label/value cards on a narrow screen (see app.css).
      { class: 'stack' },
      caption ? h('caption', {}, caption) : null,
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.numeric ? 'num' : null }, c.label)))),
      h(
        'tbody',
        {},
        rows.length === 0
          ? emptyRow(columns.length, emptyText)
          : rows.map((row) =>
              h(
                'tr',
                { class: rowClass ? rowClass(row) : null },
                columns.map((c) => h('td', { class: c.numeric ? 'num' : null, 'data-label': c.label }, c.cell(row))),
              ),
            ),
      ),
    ),
  );
}

export function dl(pairs) {
  return h(
    'dl',
    { class: 'facts' },
    pairs.filter(Boolean).map(([term, value]) => h('div', {}, h('dt', {}, term), h('dd', {}, value ?? '—'))),
  );
}

export function card(title, ...children) {
  const headingId = uid('card');
  return h('section', { class: 'card', 'aria-labelledby': headingId }, h('h2', { id: headingId }, title), ...children);
}

export function num(value, digits = 0) {
  return formatNumber(value, digits);
}

// Tabs per the WAI-ARIA pattern: arrow keys move between tabs, each tab controls one panel.
export function tabs(items, { selected = 0, onSelect } = {}) {
  const list = h('div', { role: 'tablist', class: 'tabs' });
  const panels = [];
  const buttons = items.map((item, index) => {
    const tabId = uid('tab');
    const panelId = `${tabId}-panel`;
    const tab = h(
      'button',
      {
        type: 'button',
        role: 'tab',
        id: tabId,
        'aria-controls': panelId,
        'aria-selected': String(index === selected),
        tabindex: index === selected ? '0' : '-1',
      },
      item.label,
    );
    const panel = h('div', { role: 'tabpanel', id: panelId, 'aria-labelledby': tabId, tabindex: '0', hidden: index !== selected });
    panels.push(panel);
    return tab;
  });
  const rendered = new Set();
  const show = (index) => {
    buttons.forEach((b, i) => {
      b.setAttribute('aria-selected', String(i === index));
      b.tabIndex = i === index ? 0 : -1;
      panels[i].hidden = i !== index;
    });
    if (!rendered.has(index)) {
      rendered.add(index);
      items[index].render(panels[index]);
    }
    if (onSelect) onSelect(index);
  };
  buttons.forEach((b, index) => {
    b.addEventListener('click', () => show(index));
    b.addEventListener('keydown', (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1, Home: -index, End: buttons.length - 1 - index }[event.key];
      if (step === undefined) return;
      event.preventDefault();
      const next = (index + step + buttons.length) % buttons.length;
      buttons[next].focus();
      show(next);
    });
  });
  list.append(...buttons);
  const root = h('div', { class: 'tabset' }, list, ...panels);
  show(selected);
  return root;
}

// A modal dialog (native <dialog>: focus is trapped and Escape closes it). Resolves with the form's data
// on submit, or null when cancelled.
export function dialog(title, body, { submitText, cancelText, danger } = {}) {
  return new Promise((resolve) => {
    const titleId = uid('dlg');
    const form = h(
      'form',
      { method: 'dialog' },
      h('h2', { id: titleId }, title),
      body,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'submit', class: danger ? 'btn btn-danger' : 'btn btn-primary', value: 'ok' }, submitText || t('common.ok')),
        h('button', { type: 'button', class: 'btn', onclick: () => element.close('cancel') }, cancelText || t('common.cancel')),
      ),
    );
    const element = h('dialog', { 'aria-labelledby': titleId }, form);
    form.addEventListener('submit', (event) => {
      if (!form.checkValidity()) {
        event.preventDefault();
        form.reportValidity();
        return;
      }
      event.preventDefault();
      const data = Object.fromEntries(new FormData(form).entries());
      element.close('ok');
      resolve(data);
    });
    element.addEventListener('close', () => {
      element.remove();
      if (element.returnValue !== 'ok') resolve(null);
    });
    document.body.append(element);
    element.showModal();
  });
}

// "Load more" paging over a cursor list: calls fetchPage(cursor) -> {items, next_cursor}, then
// renderItems(items, hasMore) — hasMore: another page follows (a caption says "lebih dari N").
export function pager(container, fetchPage, renderItems) {
  let cursor = null;
  const more = h('button', { type: 'button', class: 'btn' }, t('common.load_more'));
  const status = h('p', { class: 'sr-only', role: 'status' });
  const load = async () => {
    more.disabled = true;
    const page = await fetchPage(cursor);
    renderItems(page.items, Boolean(page.next_cursor));
    cursor = page.next_cursor;
    more.hidden = !cursor;
    more.disabled = false;
    status.textContent = t('common.loaded', { count: formatNumber(page.items.length) });
  };
  more.addEventListener('click', () => load().catch((error) => container.append(errorMessage(error))));
  container.append(h('div', { class: 'pager' }, more, status));
  return load();
}

export function errorMessage(error, context) {
  const text = describeError(error, context);
  return message(text.main, 'error', text.details);
}

export function describeError(error, context) {
  if (error && error.unavailable) {
    return { main: t('errors.unavailable', { what: context || t('errors.this_data') }), details: null };
  }
  if (error && error.status) {
    let main = t('errors.generic');
    if (error.code && has(`problems.${error.code}`)) main = t(`problems.${error.code}`);
    else if (has(`errors.status_${error.status}`)) main = t(`errors.status_${error.status}`);
    const details = [];
    if (error.detail) details.push(t('errors.detail', { detail: error.detail }));
    for (const problem of error.errors || []) {
      const value = problem.value !== undefined && problem.value !== null && typeof problem.value !== 'object' ? ` (${problem.value})` : '';
      details.push(problem.field ? `${problem.field}: ${problem.message}${value}` : `${problem.message}${value}`);
    }
    return { main, details: details.length ? details : null };
  }
  return { main: t('errors.network'), details: error && error.message ? [String(error.message)] : null };
}

// Runs `work` and shows its error in `container` instead of failing the whole page.
export async function guarded(container, work, context) {
  try {
    return await work();
  } catch (error) {
    console.error(error);
    clear(container, errorMessage(error, context));
    return undefined;
  }
}
