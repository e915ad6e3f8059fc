// Layanan mandiri: an employee's own data, SKP (with objections), mutation proposals (accept or object),
// development plan and JP. Built for a phone first.

import { h, clear, field, card, tabs, loading, message, errorMessage, guarded, dialog, button } from '../dom.js';
import { t, label, formatDate, formatNumber } from '../i18n.js';
import { api, getAll } from '../api.js';
import { currentUser } from '../session.js';
import { predicateBadge } from '../common.js';
import { employeeName, later } from '../lookups.js';
import { dataPanel } from './pegawai.js';
import { pointLabel } from './penilaian.js';
import { myProposals } from './shared/mutations.js';
import { myDevelopment } from './shared/training.js';

export async function overview(root, ctx) {
  const user = currentUser();
  if (!user.nip) {
    root.append(message(t('mandiri.no_nip'), 'warning'));
    return;
  }
  const sections = ['data', 'skp', 'mutasi', 'pengembangan'];
  const selected = Math.max(0, sections.indexOf(ctx.query.tab || 'data'));
  root.append(
    tabs(
      [
        { label: t('mandiri.tab_data'), render: (panel) => myData(panel, user.nip) },
        { label: t('mandiri.tab_skp'), render: (panel) => mySkp(panel, user.nip) },
        { label: t('mandiri.tab_mutations'), render: (panel) => myProposals(panel, user.nip) },
        { label: t('mandiri.tab_development'), render: (panel) => myDevelopment(panel, user.nip) },
      ],
      { selected },
    ),
  );
}

async function myData(panel, nip) {
  panel.append(loading());
  await guarded(panel, async () => {
    const employee = await api.get(`/employees/${nip}`);
    clear(panel, h('p', { class: 'lead' }, t('mandiri.data_intro')));
    dataPanel(panel, employee);
  }, t('services.employee'));
}

async function mySkp(panel, nip) {
  panel.append(loading());
  const render = async () => {
    const summaries = await getAll('/skp', { nip }, 100);
    const skps = await Promise.all(summaries.map((s) => api.get(`/skp/${s.id}`)));
    skps.sort((a, b) => b.year - a.year);
    clear(panel);
    if (!skps.length) {
      panel.append(message(t('mandiri.no_skp')));
      return;
    }
    for (const skp of skps) {
      const objectedPoints = new Set(skp.objections.map((o) => o.point));
      panel.append(
        card(
          t('mandiri.skp_year', { year: skp.year }),
          h('p', { class: 'small' }, t('penilaian.appraiser'), ': ', later(employeeName(skp.appraiser_nip), skp.appraiser_nip)),
          h('h3', {}, t('penilaian.indicators')),
          h('ul', {}, skp.indicators.map((i) => h('li', {}, `${i.description} — ${formatNumber(i.target.quantity)} ${i.target.quantity_unit}`))),
          h('h3', {}, t('penilaian.evaluations')),
          skp.evaluations.length === 0
            ? h('p', { class: 'muted' }, t('penilaian.no_evaluations'))
            : h(
                'ul',
                { class: 'checks' },
                skp.evaluations.map((e) =>
                  h(
                    'li',
                    { class: 'check' },
                    h('strong', {}, pointLabel(e.point)),
                    ' ',
                    predicateBadge(e.predicate),
                    h('p', { class: 'small' }, `${t('penilaian.results')}: ${label('ratings', e.results)} · ${t('penilaian.behaviour')}: ${label('ratings', e.behaviour)}`),
                    e.finalised_at && !objectedPoints.has(e.point)
                      ? button(t('mandiri.object_skp'), () => objectSkp(skp, e.point, nip, panel, render))
                      : null,
                  ),
                ),
              ),
          skp.objections.length
            ? h(
                'div',
                {},
                h('h3', {}, t('penilaian.objections')),
                h(
                  'ul',
                  {},
                  skp.objections.map((o) =>
                    h(
                      'li',
                      {},
                      `${pointLabel(o.point)} · ${formatDate(o.filed_at)}: ${o.reason} — `,
                      o.decision ? label('objection_decisions', o.decision) : t('penilaian.objection_pending'),
                    ),
                  ),
                ),
              )
            : null,
        ),
      );
    }
  };
  await guarded(panel, render, t('services.appraisal'));
}

async function objectSkp(skp, point, nip, panel, render) {
  const reason = h('textarea', { name: 'reason', required: true, minlength: '10' });
  const data = await dialog(t('mandiri.object_skp_title', { point: pointLabel(point) }), field(t('common.reason'), reason, { hint: t('mandiri.object_hint') }), { submitText: t('common.submit') });
  if (!data) return;
  try {
    await api.post(`/skp/${skp.id}/evaluations/${point}/objections`, { nip, reason: data.reason });
    await render();
    panel.prepend(message(t('mandiri.objection_filed'), 'success'));
  } catch (error) {
    panel.prepend(errorMessage(error, t('services.appraisal')));
  }
}
