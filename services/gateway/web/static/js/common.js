// What several pages share: the agency chooser, rank codes, masking rules, formatting of domain values.

import { h, select, field, badge } from './dom.js';
import { t, label } from './i18n.js';
import { agencyChoices } from './lookups.js';
import { currentUser, hasRole } from './session.js';

export const RANKS = [
  'I/a', 'I/b', 'I/c', 'I/d', 'II/a', 'II/b', 'II/c', 'II/d',
  'III/a', 'III/b', 'III/c', 'III/d', 'IV/a', 'IV/b', 'IV/c', 'IV/d', 'IV/e',
];
export const EMPLOYEE_STATUSES = ['active', 'leave', 'study_leave', 'suspended', 'retired', 'deceased', 'dismissed'];
export const PREDICATES = ['sangat_baik', 'baik', 'butuh_perbaikan', 'kurang', 'sangat_kurang'];
export const RATINGS = ['di_atas_ekspektasi', 'sesuai_ekspektasi', 'di_bawah_ekspektasi'];
export const CORE_VALUES = ['berorientasi_pelayanan', 'akuntabel', 'kompeten', 'harmonis', 'loyal', 'adaptif', 'kolaboratif'];
export const BANDS = ['A', 'B', 'C', 'D', 'E'];

export function rankText(code) {
  if (!code) return '—';
  const name = label('ranks', code.replace('/', '_'));
  return name === code.replace('/', '_') ? code : `${name} (${code})`;
}

export function predicateBadge(predicate) {
  if (!predicate) return '—';
  const tone = { sangat_baik: 'success', baik: 'success', butuh_perbaikan: 'warning', kurang: 'danger', sangat_kurang: 'danger' }[predicate] || 'neutral';
  return badge(label('predicates', predicate), tone);
}

export function bandBadge(band) {
  if (!band) return badge(t('workload.unstaffed'), 'neutral');
  const tone = { A: 'danger', B: 'success', C: 'info', D: 'warning', E: 'warning' }[band] || 'neutral';
  return badge(`${band} · ${label('bands', band)}`, tone);
}

export function staffingBadge(staffing) {
  const tone = { under: 'danger', over: 'warning', balanced: 'success' }[staffing] || 'neutral';
  return badge(label('staffing', staffing), tone);
}

// Which record fields a role sees in full. The API already masks the NIK (region and last two digits);
// the rest is hidden here from roles that have no need for it (need-to-know).
const FULL_VIEW_ROLES = ['admin', 'hr_officer'];
const DECISION_ROLES = ['admin', 'hr_officer', 'approver', 'bkn_reviewer'];

export function canSee(fieldName, nip) {
  const user = currentUser();
  if (user && user.nip && user.nip === nip) return true;
  switch (fieldName) {
    case 'nik':
    case 'birth_place':
      return hasRole(...FULL_VIEW_ROLES);
    case 'birth_date':
    case 'disciplinary_status':
    case 'ten_year_bond_until':
      return hasRole(...DECISION_ROLES);
    default:
      return true;
  }
}

export function masked() {
  return h('span', { class: 'masked', title: t('mask.why') }, t('mask.hidden'));
}

// A select of the agencies in the user's scope; `allOption` adds "every agency". Without a list to choose
// from (a national role and no agency list in the API) it is a text field for the agency code.
export async function agencySelect({ value, allOption = false, name = 'agency', id } = {}) {
  const choices = await agencyChoices();
  if (!choices.length) {
    return h('input', { name, id, value: value || '', inputmode: 'numeric', autocomplete: 'off', placeholder: t('common.agency_code_hint') });
  }
  const options = choices.map((c) => [c.code, `${c.name} (${c.code})`]);
  if (allOption) options.unshift(['', t('common.all_agencies')]);
  const chosen = value || (allOption ? '' : choices[0] ? choices[0].code : '');
  return select(options, { name, id, value: chosen });
}

export async function agencyField(opts = {}) {
  const control = await agencySelect(opts);
  return { control, element: field(t('common.agency'), control) };
}

export function defaultAgency(query) {
  return query.agency || null;
}

export function nipOk(value) {
  return /^\d{18}$/.test(value || '');
}
