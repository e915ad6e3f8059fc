// Every text the user reads comes from one catalogue per language (static/i18n/<lang>.json). Keys are
// dotted paths; `{name}` placeholders are filled from params.

// Adding a language is adding static/i18n/<code>.json: a language without a catalogue falls back to
// Bahasa Indonesia. The choice is kept in localStorage ('asn.language').
const DEFAULT_LANGUAGE = 'id';
let catalogue = {};
let language = DEFAULT_LANGUAGE;

async function fetchCatalogue(code) {
  const response = await fetch(`/static/i18n/${encodeURIComponent(code)}.json`, { cache: 'no-cache' });
  if (!response.ok) throw new Error(`catalogue ${code}: HTTP ${response.status}`);
  return response.json();
}

export async function loadCatalogue(wanted) {
  const code = /^[a-z]{2}$/.test(wanted || '') ? wanted : DEFAULT_LANGUAGE;
  try {
    catalogue = await fetchCatalogue(code);
    language = code;
  } catch (error) {
    if (code === DEFAULT_LANGUAGE) throw error;
    catalogue = await fetchCatalogue(DEFAULT_LANGUAGE);
    language = DEFAULT_LANGUAGE;
  }
  document.documentElement.lang = language;
}

export function currentLanguage() {
  return language;
}

function lookup(key) {
  let node = catalogue;
  for (const part of key.split('.')) {
    if (node == null || typeof node !== 'object') return undefined;
    node = node[part];
  }
  return node;
}

export function t(key, params = {}) {
  const text = lookup(key);
  if (typeof text !== 'string') {
    // A missing text shows its key, which a reviewer spots at once, rather than an empty label.
    console.warn(`missing text: ${key}`);
    return key;
  }
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in params ? String(params[name]) : match));
}

// The text for a value of an enumeration (a status, a predicate...), or the value itself when unknown.
export function label(group, value) {
  if (value === null || value === undefined || value === '') return '—';
  const text = lookup(`${group}.${value}`);
  return typeof text === 'string' ? text : String(value);
}

export function has(key) {
  return typeof lookup(key) === 'string';
}

const LOCALES = { id: 'id-ID', en: 'en-GB' };

export function locale() {
  return LOCALES[language] || 'id-ID';
}

// A value that rounds to zero at the digits shown is zero: never "−0,00" (a -0.001 or a -0 from the API).
function unsignedZero(value, digits) {
  return Math.abs(value) < 0.5 * 10 ** -digits ? 0 : value;
}

// The one way a number is written for people: the language's separators (Indonesian 1.234,56), `digits`
// decimals, and no negative zero; `signed` writes a difference's plus sign too (+2,50, −2,50, 0,00).
export function formatNumber(value, digits = 0, { signed = false } = {}) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return '—';
  return new Intl.NumberFormat(locale(), {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
    signDisplay: signed ? 'exceptZero' : 'auto',
  }).format(unsignedZero(Number(value), digits));
}

export function formatPercent(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return '—';
  return new Intl.NumberFormat(locale(), {
    style: 'percent',
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(unsignedZero(Number(value), digits + 2));
}

// How many items a list holds, for its caption: the total when the API gives one, "lebih dari N" when
// only the first N are loaded and there is a next page, else the N loaded.
export function formatCount({ loaded, total = null, more = false }) {
  if (total !== null && total !== undefined) return formatNumber(total);
  return more ? t('common.more_than', { count: formatNumber(loaded) }) : formatNumber(loaded);
}

export function formatDate(value) {
  if (!value) return '—';
  const date = new Date(value.length === 10 ? `${value}T00:00:00` : value);
  if (Number.isNaN(date.getTime())) return String(value);
  return new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'long', year: 'numeric' }).format(date);
}

export function formatDateTime(value) {
  if (!value) return '—';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return new Intl.DateTimeFormat(locale(), {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }).format(date);
}
