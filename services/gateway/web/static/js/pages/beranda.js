// Beranda: the overview of an agency or a whole province. Every figure and chart links to the list
// behind it.

import { h, clear, field, select, card, loading, message, guarded } from '../dom.js';
import { t, label, formatNumber } from '../i18n.js';
import { api, getAll } from '../api.js';
import { agencyChoices, agency as loadAgency } from '../lookups.js';
import { userAgencies } from '../session.js';
import { barChart } from '../charts.js';
import { BANDS, PREDICATES } from '../common.js';
import { mutationSummary } from './shared/mutations.js';
import { jpSummary } from './shared/training.js';

async function scopeOptions() {
  const choices = await agencyChoices();
  const options = choices.map((c) => [`agency:${c.code}`, `${c.name} (${c.code})`]);
  if (userAgencies() === null || choices.length > 1) {
    const kinds = await Promise.all(choices.map((c) => loadAgency(c.code).catch(() => null)));
    kinds.forEach((found, i) => {
      if (found && found.kind === 'province') options.unshift([`province:${choices[i].code}`, t('beranda.whole_province', { name: found.name })]);
    });
  }
  return options;
}

function stat(value, text, href, testid) {
  const inner = [h('span', { class: 'value', 'data-testid': testid }, value), h('span', { class: 'label' }, text)];
  return h('div', { class: 'stat' }, href ? h('a', { href }, ...inner) : inner);
}

export async function overview(root, ctx) {
  const options = await scopeOptions();
  let scopeValue;
  if (options.length) {
    const wanted = ctx.query.province ? `province:${ctx.query.province}` : ctx.query.agency ? `agency:${ctx.query.agency}` : options[0][0];
    const scope = select(options, { name: 'scope', value: wanted });
    scope.addEventListener('change', () => {
      const [kind, code] = scope.value.split(':');
      ctx.navigate('/beranda', { [kind]: code });
    });
    root.append(h('div', { class: 'filters' }, field(t('beranda.scope'), scope)));
    scopeValue = scope.value;
  } else {
    // National roles without an agency list: they name the agency or province by its code.
    const code = h('input', { name: 'code', value: ctx.query.province || ctx.query.agency || '', inputmode: 'numeric', placeholder: t('common.agency_code_hint') });
    const form = h('form', { class: 'filters' }, field(t('beranda.scope_code'), code), h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.show'))));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const found = await loadAgency(code.value.trim()).catch(() => null);
      if (!found) {
        clear(feedback, message(t('beranda.unknown_code'), 'error'));
        return;
      }
      ctx.navigate('/beranda', { [found.kind === 'province' ? 'province' : 'agency']: found.code });
    });
    const feedback = h('div', { 'aria-live': 'polite' });
    root.append(form, feedback);
    scopeValue = ctx.query.province ? `province:${ctx.query.province}` : ctx.query.agency ? `agency:${ctx.query.agency}` : '';
  }
  if (!scopeValue) {
    root.append(message(t('beranda.no_scope')));
    return;
  }
  const [kind, code] = scopeValue.split(':');
  const where = kind === 'province' ? { province: code } : { agency: code };
  // Links to the per-agency pages: a province links to its own agency's lists.
  const agencyCode = code;

  const stats = h('div', { class: 'stats' }, loading());
  const gaps = h('div');
  const bands = h('div');
  const predicates = h('div');
  const mutations = h('div');
  const jp = h('div');
  root.append(
    stats,
    h(
      'div',
      { class: 'grid' },
      card(t('beranda.gaps_by_unit'), gaps),
      card(t('beranda.band_distribution'), bands),
      card(t('beranda.predicates'), predicates),
      card(t('beranda.mutations'), mutations),
      card(t('beranda.jp'), jp),
    ),
  );

  const statItems = { workload: null, mutation: null, jp: null };
  const drawStats = () => {
    const items = [];
    if (statItems.workload) {
      const w = statItems.workload;
      items.push(
        stat(formatNumber(w.present), t('beranda.headcount'), `#/pegawai?agency=${kind === 'agency' ? code : ''}`, 'headcount'),
        stat(formatNumber(w.needed), t('beranda.needed'), `#/beban-kerja?agency=${agencyCode}`, 'needed'),
        stat(w.gap > 0 ? `+${formatNumber(w.gap)}` : formatNumber(w.gap), t('beranda.gap'), `#/beban-kerja?agency=${agencyCode}&status=under`, 'gap'),
      );
    }
    if (statItems.mutation) items.push(...statItems.mutation);
    if (statItems.jp) items.push(...statItems.jp);
    clear(stats, items.length ? items : loading());
  };

  const agenciesInScope = getAll('/workload', { ...where, level: 'agency' }, 500);
  const workloadWork = guarded(gaps, async () => {
    const agencies = await agenciesInScope;
    statItems.workload = agencies.reduce(
      (sum, a) => ({ present: sum.present + a.present, needed: sum.needed + a.staff_needed, gap: sum.gap + a.gap }),
      { present: 0, needed: 0, gap: 0 },
    );
    drawStats();
    const units = await getAll('/workload', { ...where, level: 'unit', sort: '-gap' }, 1000);
    const top = units
      .filter((u) => u.gap !== 0)
      .sort((a, b) => Math.abs(b.gap) - Math.abs(a.gap))
      .slice(0, 15);
    clear(gaps);
    barChart(
      gaps,
      top.map((u) => ({
        label: kind === 'province' ? `${u.agency_code} · ${u.name}` : u.name,
        value: u.gap,
        href: `#/beban-kerja?agency=${u.agency_code}&unit=${u.id}`,
        color: u.gap > 0 ? '#a4161a' : '#7a4b00',
        note: label('staffing', u.staffing),
      })),
      { title: t('beranda.gaps_by_unit'), valueLabel: t('workload.gap'), horizontal: true },
    );
    gaps.append(h('p', { class: 'small muted' }, t('beranda.gap_legend')));
    // An agency's positions (EJ); a whole province's units (EU), a few hundred rows rather than thousands.
    const level = kind === 'province' ? 'unit' : 'position';
    const rows = level === 'unit' ? units : await getAll('/workload', { ...where, level }, 3000);
    const byBand = Object.fromEntries(BANDS.map((b) => [b, 0]));
    let unstaffed = 0;
    for (const p of rows) {
      if (p.band) byBand[p.band] += 1;
      else unstaffed += 1;
    }
    clear(bands);
    barChart(
      bands,
      BANDS.map((b) => ({ label: `${b} · ${label('bands', b)}`, value: byBand[b], href: `#/beban-kerja?agency=${agencyCode}&level=${level}&band=${b}` })),
      { title: t('beranda.band_distribution'), valueLabel: t(level === 'unit' ? 'beranda.units' : 'beranda.positions') },
    );
    bands.prepend(h('p', { class: 'small' }, t(level === 'unit' ? 'beranda.band_of_units' : 'beranda.band_of_positions')));
    if (unstaffed) bands.append(h('p', { class: 'small muted' }, t(level === 'unit' ? 'beranda.unstaffed_units' : 'beranda.unstaffed_positions', { count: unstaffed })));
  }, t('services.employee'));

  const appraisalWork = guarded(predicates, async () => {
    const codes = kind === 'agency' ? [code] : (await agenciesInScope.catch(() => [])).map((a) => a.id);
    const relevant = (await Promise.all(codes.map((c) => getAll('/appraisal-periods', { agency: c }, 100)))).flat();
    if (!relevant.length) {
      clear(predicates, message(t('beranda.no_periods')));
      return;
    }
    const latestYear = Math.max(...relevant.map((p) => p.year));
    const ofYear = relevant.filter((p) => p.year === latestYear);
    const counts = Object.fromEntries(PREDICATES.map((p) => [p, 0]));
    const violations = [];
    let population = 0;
    for (const period of ofYear.slice(0, 30)) {
      // The latest point that has ratings: the annual one once it exists, else the last periodic one.
      const points = [...period.points].reverse();
      for (const point of points) {
        const d = point.finalisation
          ? { counts: point.finalisation.counts, population: point.finalisation.population, violations: point.finalisation.violations }
          : await api.get(`/appraisal-periods/${period.id}/points/${point.key}/distribution`);
        const rated = Object.values(d.counts).reduce((a, b) => a + b, 0);
        if (!rated) continue;
        for (const p of PREDICATES) counts[p] += d.counts[p] || 0;
        population += d.population;
        for (const v of d.violations || []) violations.push({ ...v, agency: period.agency_code, period: period.id });
        break;
      }
    }
    clear(predicates, h('p', { class: 'small' }, t('beranda.predicates_year', { year: latestYear, count: population })));
    const target = ofYear.length === 1 ? `#/penilaian/periode/${ofYear[0].id}` : `#/penilaian?tab=periode`;
    barChart(
      predicates,
      PREDICATES.map((p) => ({ label: label('predicates', p), value: counts[p], href: target })),
      { title: t('beranda.predicates'), valueLabel: t('penilaian.count') },
    );
    predicates.append(
      violations.length
        ? message(
            t('beranda.cap_violations', { count: violations.length }),
            'warning',
            violations.map((v) => `${v.agency}: ${t(v.limit === 'at most' ? 'penilaian.violation_at_most' : 'penilaian.violation_at_least', { allowed: v.allowed, population: v.population, predicates: v.predicates.map((p) => label('predicates', p)).join(' / '), actual: v.actual })}`),
          )
        : message(t('beranda.within_caps'), 'success'),
    );
  }, t('services.appraisal'));

  const mutationWork = mutationSummary(mutations, { kind, code }).then((items) => {
    statItems.mutation = items ? items.map((i) => stat(i.value, i.label, i.href, i.testid)) : null;
    drawStats();
  });
  const jpWork = jpSummary(jp, { kind, code, agencies: agenciesInScope.then((rows) => rows.map((r) => r.id)) }).then((items) => {
    statItems.jp = items ? items.map((i) => stat(i.value, i.label, i.href, i.testid)) : null;
    drawStats();
  });
  await Promise.all([workloadWork, appraisalWork, mutationWork, jpWork]);
  drawStats();
}
