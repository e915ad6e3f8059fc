// The 9-box grid (PermenPANRB 3/2020): potential from top (high) to bottom (low), performance from left
// (below expectations) to right (above). Every box is a button, so the grid works from the keyboard.

import { h } from '../../dom.js';
import { t, label } from '../../i18n.js';

export const LAYOUT = [
  ['high', [6, 8, 9]],
  ['medium', [3, 5, 7]],
  ['low', [1, 2, 4]],
];
const PERFORMANCE_COLUMNS = ['below', 'meets', 'above'];

export function boxTone(box) {
  if (box >= 7) return 'pool';
  if (box >= 4) return 'mid';
  return 'low';
}

export function describeBox(box) {
  for (const [potential, boxes] of LAYOUT) {
    const column = boxes.indexOf(box);
    if (column >= 0) {
      return t('ninebox.describe', {
        box,
        performance: label('performance', PERFORMANCE_COLUMNS[column]),
        potential: label('potential', potential),
      });
    }
  }
  return String(box);
}

// counts: {box: employees}; onSelect(box) when a box is chosen; `marker` highlights one person's box.
export function nineBoxGrid({ counts = null, onSelect = null, selected = null, marker = null, caption } = {}) {
  const grid = h('div', { class: 'ninebox', role: 'group', 'aria-label': caption || t('ninebox.title') });
  for (const [potential, boxes] of LAYOUT) {
    grid.append(h('div', { class: 'axis' }, label('potential', potential)));
    for (const box of boxes) {
      const count = counts ? counts[box] || 0 : null;
      const text = describeBox(box) + (count !== null ? `: ${t('ninebox.count', { count })}` : '');
      const button = h(
        onSelect ? 'button' : 'div',
        {
          type: onSelect ? 'button' : null,
          class: ['cell', boxTone(box), marker === box ? 'marker' : null],
          'aria-label': onSelect ? text : null,
          'aria-pressed': onSelect ? String(selected === box) : null,
          'aria-hidden': onSelect ? null : 'true',
          'data-box': String(box),
        },
        h('span', { class: 'box-no', 'aria-hidden': 'true' }, t('ninebox.box', { box })),
        count !== null ? h('span', { class: 'box-count', 'aria-hidden': 'true' }, String(count)) : null,
        marker === box ? h('span', { class: 'small', 'aria-hidden': 'true' }, t('ninebox.here')) : null,
      );
      if (onSelect) {
        button.addEventListener('click', () => {
          for (const other of grid.querySelectorAll('button.cell')) other.setAttribute('aria-pressed', 'false');
          button.setAttribute('aria-pressed', 'true');
          onSelect(box);
        });
      }
      grid.append(button);
    }
  }
  grid.append(h('div', { class: 'axis' }));
  for (const performance of PERFORMANCE_COLUMNS) grid.append(h('div', { class: 'axis' }, label('performance', performance)));
  return grid;
}

export function nineBoxMini(marker) {
  const grid = nineBoxGrid({ marker });
  grid.setAttribute('role', 'img');
  grid.setAttribute('aria-label', marker ? describeBox(marker) : t('ninebox.no_marker'));
  return grid;
}
