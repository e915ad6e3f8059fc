// The shell: sign-in, navigation by role, the user's agency, and a router over the URL fragment
// (`#/mutasi/<id>`), so the gateway serves one page and never shadows its API paths.

import { loadCatalogue, t, label } from './i18n.js';
import { h, clear, message, loading, errorMessage } from './dom.js';
import { api } from './api.js';
import { currentUser, login, logout, onSessionChange, hasRole } from './session.js';
import { agencyName } from './lookups.js';

const STAFF = ['admin', 'hr_officer', 'approver', 'bkn_reviewer', 'supervisor', 'auditor'];

// Each page: where it lives, who sees it in the navigation, and which module renders it.
export const NAVIGATION = [
  { key: 'beranda', path: '/beranda', roles: ['admin', 'hr_officer', 'approver', 'bkn_reviewer', 'auditor', 'supervisor'] },
  { key: 'pegawai', path: '/pegawai', roles: STAFF },
  { key: 'beban_kerja', path: '/beban-kerja', roles: ['admin', 'hr_officer', 'approver'] },
  { key: 'mutasi', path: '/mutasi', roles: ['admin', 'hr_officer', 'approver', 'bkn_reviewer', 'auditor'] },
  { key: 'penempatan', path: '/penempatan', roles: ['admin', 'hr_officer', 'approver'] },
  { key: 'penilaian', path: '/penilaian', roles: ['admin', 'hr_officer', 'approver', 'supervisor'] },
  { key: 'kompetensi', path: '/kompetensi', roles: ['admin', 'hr_officer', 'supervisor'] },
  { key: 'mandiri', path: '/mandiri', roles: ['employee', 'supervisor'], needsNip: true },
  { key: 'siasn', path: '/siasn', roles: ['admin', 'hr_officer', 'bkn_reviewer'] },
  { key: 'audit', path: '/audit', roles: ['admin', 'auditor'] },
];

const ROUTES = [
  ['/beranda', 'beranda', 'overview'],
  ['/pegawai', 'pegawai', 'search'],
  ['/pegawai/:nip', 'pegawai', 'dossier'],
  ['/beban-kerja', 'bebankerja', 'overview'],
  ['/beban-kerja/jabatan/:id', 'bebankerja', 'tasks'],
  ['/mutasi', 'mutasi', 'list'],
  ['/mutasi/baru', 'mutasi', 'create'],
  ['/mutasi/:id', 'mutasi', 'proposal'],
  ['/penempatan', 'penempatan', 'list'],
  ['/penempatan/:id', 'penempatan', 'round'],
  ['/penilaian', 'penilaian', 'overview'],
  ['/penilaian/skp/:id', 'penilaian', 'skp'],
  ['/penilaian/periode/:id', 'penilaian', 'period'],
  ['/kompetensi', 'kompetensi', 'overview'],
  ['/mandiri', 'mandiri', 'overview'],
  ['/siasn', 'siasn', 'overview'],
  ['/audit', 'audit', 'log'],
];

const OPEN_ROUTES = new Set(['/mutasi/:id']);

function visibleNavigation(user) {
  if (!user) return [];
  return NAVIGATION.filter(
    (item) => (user.roles || []).some((role) => item.roles.includes(role)) && (!item.needsNip || user.nip),
  );
}

function homePath(user) {
  const first = visibleNavigation(user)[0];
  return first ? first.path : '/mandiri';
}

function parseHash() {
  const raw = decodeURIComponent(location.hash.replace(/^#/, '')) || '/';
  const [path, search = ''] = raw.split('?');
  return { path: path || '/', query: Object.fromEntries(new URLSearchParams(search)) };
}

export function navigate(path, query) {
  const search = query ? new URLSearchParams(Object.entries(query).filter(([, v]) => v !== '' && v != null)).toString() : '';
  const target = `#${path}${search ? `?${search}` : ''}`;
  if (location.hash === target) route();
  else location.hash = target;
}

function match(path) {
  for (const [pattern, module, view] of ROUTES) {
    const names = [];
    const regex = new RegExp(
      `^${pattern.replace(/:(\w+)/g, (_, name) => {
        names.push(name);
        return '([^/]+)';
      })}$`,
    );
    const found = regex.exec(path);
    if (found) {
      const params = Object.fromEntries(names.map((name, i) => [name, found[i + 1]]));
      return { pattern, module, view, params };
    }
  }
  return null;
}

const app = document.getElementById('app');
let main;
let nav;
let notice = null;

function skipLink() {
  return h(
    'a',
    {
      class: 'skip-link',
      href: '#main',
      onclick: (event) => {
        event.preventDefault();
        document.getElementById('main').focus();
      },
    },
    t('shell.skip'),
  );
}

async function agencyText(user) {
  if (user.agencies === null || user.agencies === undefined) return t('shell.all_agencies');
  if (!user.agencies.length) return t('shell.no_agency');
  // A province-wide scope lists every agency of the province: name the first (the province's own
  // government when it is among them) and count the rest.
  const codes = [...user.agencies].sort();
  const first = await agencyName(codes[0]);
  return codes.length === 1 ? first : t('shell.and_more', { first, count: codes.length - 1 });
}

function renderShell(user) {
  const menuButton = h(
    'button',
    { type: 'button', class: 'menu-toggle', 'aria-expanded': 'false', 'aria-controls': 'nav' },
    t('shell.menu'),
  );
  nav = h('nav', { id: 'nav', 'aria-label': t('shell.navigation') });
  const agency = h('span', { class: 'who-agency', 'data-testid': 'user-agency' }, '…');
  const roles = (user.roles || []).map((role) => label('roles', role)).join(', ');
  const header = h(
    'header',
    { class: 'topbar' },
    skipLink(),
    menuButton,
    h('a', { class: 'brand', href: '#/' }, t('app.title')),
    h(
      'div',
      { class: 'who' },
      h('span', { class: 'who-name', 'data-testid': 'user-name' }, user.name || user.subject),
      h('span', { class: 'who-role' }, roles),
      agency,
    ),
    h('button', { type: 'button', class: 'btn btn-quiet logout', onclick: onLogout }, t('shell.logout')),
  );
  main = h('main', { id: 'main', tabindex: '-1' });
  menuButton.addEventListener('click', () => {
    const open = menuButton.getAttribute('aria-expanded') !== 'true';
    menuButton.setAttribute('aria-expanded', String(open));
    nav.classList.toggle('open', open);
  });
  nav.addEventListener('click', (event) => {
    if (event.target.closest('a')) {
      menuButton.setAttribute('aria-expanded', 'false');
      nav.classList.remove('open');
    }
  });
  clear(app, header, h('div', { class: 'layout' }, nav, main));
  nav.append(
    h(
      'ul',
      {},
      visibleNavigation(user).map((item) =>
        h('li', {}, h('a', { href: `#${item.path}`, 'data-nav': item.key }, t(`nav.${item.key}`))),
      ),
    ),
  );
  agencyText(user).then((text) => {
    agency.textContent = text;
  });
}

async function onLogout() {
  await logout();
  notice = { text: t('login.logged_out'), tone: 'success' };
  navigate('/login');
}

function markCurrent(path) {
  for (const anchor of nav.querySelectorAll('a[data-nav]')) {
    const itemPath = anchor.getAttribute('href').slice(1);
    const current = path === itemPath || path.startsWith(`${itemPath}/`);
    if (current) anchor.setAttribute('aria-current', 'page');
    else anchor.removeAttribute('aria-current');
  }
}

function renderLogin(query) {
  const username = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const feedback = h('div', { class: 'login-feedback' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('login.submit'));
  const form = h(
    'form',
    { class: 'login-form', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'username' }, t('login.username')), username),
    h('div', { class: 'field' }, h('label', { for: 'password' }, t('login.password')), password),
    submit,
  );
  if (notice) {
    feedback.append(message(notice.text, notice.tone));
    notice = null;
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!username.value || !password.value) {
      clear(feedback, message(t('login.missing'), 'error'));
      (username.value ? password : username).focus();
      return;
    }
    submit.disabled = true;
    clear(feedback, loading(t('login.signing_in')));
    try {
      await login(username.value.trim(), password.value);
      const next = query.next && query.next.startsWith('/') && query.next !== '/login' ? query.next : null;
      navigate(next || homePath(currentUser()));
    } catch (error) {
      submit.disabled = false;
      password.value = '';
      let text = t('login.failed');
      if (error.status === 423 || error.code === 'account-locked') text = t('login.locked');
      else if (error.status === 429) text = t('login.too_many');
      else if (error.status !== 401 && error.status !== 400) {
        clear(feedback, errorMessage(error, t('login.service')));
        password.focus();
        return;
      }
      clear(feedback, message(text, 'error'));
      password.focus();
    }
  });
  clear(
    app,
    h(
      'main',
      { id: 'main', class: 'login-page', tabindex: '-1' },
      h(
        'div',
        { class: 'login-box' },
        h('h1', {}, t('app.title')),
        h('p', { class: 'lead' }, t('login.intro')),
        feedback,
        form,
      ),
    ),
  );
  document.title = `${t('login.title')} · ${t('app.title')}`;
  username.focus();
}

let renderedFor = null;

async function route() {
  const { path, query } = parseHash();
  const user = currentUser();
  if (path === '/login') {
    if (user) return navigate(homePath(user));
    renderedFor = null;
    return renderLogin(query);
  }
  if (!user) {
    return navigate('/login', path !== '/' ? { next: path } : undefined);
  }
  if (path === '/' || path === '') return navigate(homePath(user));
  if (renderedFor !== user.subject || !main || !document.body.contains(main)) {
    renderShell(user);
    renderedFor = user.subject;
  }
  markCurrent(path);
  const found = match(path);
  const heading = h('h1', { tabindex: '-1' });
  const body = h('div', { class: 'page' });
  clear(main, heading, body);
  main.setAttribute('aria-busy', 'true');
  const setTitle = (text) => {
    heading.textContent = text;
    document.title = `${text} · ${t('app.title')}`;
  };
  if (!found) {
    setTitle(t('shell.not_found'));
    body.append(message(t('shell.not_found_text'), 'warning'));
    main.removeAttribute('aria-busy');
    return undefined;
  }
  const item = NAVIGATION.find((n) => found.pattern === n.path || found.pattern.startsWith(`${n.path}/`));
  // A proposal's own page is open to everyone it concerns (the employee too); the API decides who sees it.
  const openToAll = OPEN_ROUTES.has(found.pattern);
  if (item && !openToAll && !(user.roles || []).some((role) => item.roles.includes(role))) {
    setTitle(t('shell.forbidden'));
    body.append(message(t('shell.forbidden_text'), 'warning'));
    main.removeAttribute('aria-busy');
    return undefined;
  }
  setTitle(t(`nav.${item ? item.key : 'beranda'}`));
  body.append(loading());
  // The focus goes to the new page's heading (where a screen reader starts reading) at once, not once the
  // page's data has arrived: by then the user may be typing in one of its fields, and moving the focus would
  // take it from them and scroll the page under their pointer.
  heading.focus({ preventScroll: false });
  try {
    const module = await import(`./pages/${found.module}.js`);
    clear(body);
    await module[found.view](body, { params: found.params, query, user, setTitle, navigate, api });
  } catch (error) {
    console.error(error);
    clear(body, errorMessage(error));
  } finally {
    main.removeAttribute('aria-busy');
  }
  return undefined;
}

onSessionChange((event) => {
  if (event === 'expired') {
    notice = { text: t('login.expired'), tone: 'warning' };
    renderedFor = null;
    const { path } = parseHash();
    navigate('/login', path !== '/login' ? { next: path } : undefined);
  }
});

export function isAllowed(...roles) {
  return hasRole(...roles);
}

async function start() {
  await loadCatalogue(localStorage.getItem('asn.language') || 'id');
  app.removeAttribute('aria-busy');
  window.addEventListener('hashchange', route);
  await route();
}

start().catch((error) => {
  console.error(error);
  app.textContent = 'Aplikasi gagal dimuat. / The application failed to load.';
});
