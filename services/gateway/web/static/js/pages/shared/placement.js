// Why a move is in a placement plan, as a person reads it: one sentence from the reason code the engine
// gives with its figures (a tie says so and names the rule that settled it), then the score part by part,
// the best other person for the position and the best other position for the person with the margins,
// the runners-up, the binding constraints. The placement page shows it per move, a proposal made from a plan
// shows the one it keeps.

import { h, table } from '../../dom.js';
import { t, has, label, formatNumber } from '../../i18n.js';

function points(value) {
  return formatNumber(value, 2);
}

function reasonSentence(reason) {
  if (!reason || !has(`placement_reasons.${reason.code}`)) return null;
  const params = Object.fromEntries(Object.entries(reason.params || {}).map(([name, value]) => [name, points(value)]));
  return t(`placement_reasons.${reason.code}`, params);
}

// `e` is a move's explanation; `score` and `locked` come with the move.
export function placementExplanation(e, { score, locked } = {}) {
  const explanation = e || {};
  const components = explanation.components || {};
  const sentence = reasonSentence(explanation.reason);
  const other = (key, item) =>
    item ? h('p', { class: 'small' }, t(key, { name: item.name, score: points(item.score), margin: formatNumber(item.margin, 2, { signed: true }) })) : null;
  const none = (key, item) => (item === null ? h('p', { class: 'small' }, t(key)) : null);
  return h(
    'div',
    {},
    sentence ? h('p', { class: 'small', 'data-testid': 'move-reason' }, sentence) : null,
    h(
      'details',
      {},
      h('summary', {}, t('penempatan.why')),
      table(
        [
          { label: t('penempatan.component'), cell: (c) => label('placement_components', c.name) },
          { label: t('penempatan.value'), cell: (c) => formatNumber(c.value, 2), numeric: true },
          { label: t('penempatan.points'), cell: (c) => points(c.points), numeric: true },
        ],
        Object.entries(components).map(([name, c]) => ({ name, ...c })),
        { caption: t('penempatan.score_parts', { score: points(score ?? explanation.score) }) },
      ),
      other('penempatan.best_other_candidate', explanation.best_other_candidate),
      none('penempatan.no_other_candidate', explanation.best_other_candidate),
      other('penempatan.best_other_position', explanation.best_other_position),
      none('penempatan.no_other_position', explanation.best_other_position),
      explanation.runners_up && explanation.runners_up.length
        ? h('p', { class: 'small' }, t('penempatan.runners_up'), ' ', explanation.runners_up.map((r) => t('penempatan.runner_up', { name: r.name, loss: points(r.reduced_cost) })).join('; '))
        : null,
      explanation.next_best_position
        ? h('p', { class: 'small' }, t('penempatan.next_best', { name: explanation.next_best_position.name, loss: points(explanation.next_best_position.reduced_cost) }))
        : null,
      explanation.bound && explanation.bound.length
        ? h('p', { class: 'small' }, t('penempatan.bound', { constraints: explanation.bound.map((b) => t('penempatan.bound_item', { what: label('placement_constraints', b.constraint), price: points(b.shadow_price) })).join('; ') }))
        : null,
      explanation.forbid_loss !== null && explanation.forbid_loss !== undefined ? h('p', { class: 'small' }, t('penempatan.forbid_loss', { loss: points(explanation.forbid_loss) })) : null,
      (locked ?? explanation.locked) ? h('p', { class: 'small' }, t('penempatan.locked')) : null,
    ),
  );
}
