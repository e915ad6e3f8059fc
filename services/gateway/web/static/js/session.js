// The signed-in user: tokens from the gateway's OAuth2 token endpoint, kept for this browser tab only
// (sessionStorage), refreshed before they expire; the user's roles and agencies from /auth/me.

import { configureAuth, request } from './api.js';

const STORAGE_KEY = 'asn.session';
const REFRESH_MARGIN_MS = 30000;
const listeners = new Set();
let state = load();
let refreshing = null;
let timer = null;

function load() {
  try {
    return JSON.parse(sessionStorage.getItem(STORAGE_KEY)) || null;
  } catch {
    return null;
  }
}

function save(next) {
  state = next;
  if (next) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  else sessionStorage.removeItem(STORAGE_KEY);
  schedule();
}

function emit(event) {
  for (const listener of listeners) listener(event);
}

export function onSessionChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function currentUser() {
  return state ? state.user : null;
}

function accept(tokens) {
  return {
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token || (state && state.refresh_token) || null,
    expires_at: Date.now() + (Number(tokens.expires_in) || 300) * 1000,
    user: state ? state.user : null,
  };
}

export async function login(username, password) {
  const { data } = await request('/auth/token', {
    method: 'POST',
    form: { grant_type: 'password', username, password },
    auth: false,
  });
  state = accept(data);
  const me = await request('/auth/me');
  save({ ...state, user: me.data });
  emit('login');
  return me.data;
}

export async function logout() {
  if (state) {
    try {
      await request('/auth/logout', { method: 'POST' });
    } catch {
      // The session ends here whatever the gateway answers: a revoked or expired token is as good as gone.
    }
  }
  save(null);
  emit('logout');
}

// One refresh at a time: several requests failing with 401 together share it.
export function refresh() {
  if (!state || !state.refresh_token) return Promise.resolve(false);
  if (!refreshing) {
    refreshing = request('/auth/token', {
      method: 'POST',
      form: { grant_type: 'refresh_token', refresh_token: state.refresh_token },
      auth: false,
    })
      .then(({ data }) => {
        save(accept(data));
        return true;
      })
      .catch(() => false)
      .finally(() => {
        refreshing = null;
      });
  }
  return refreshing;
}

function expire() {
  if (!state) return;
  save(null);
  emit('expired');
}

function schedule() {
  clearTimeout(timer);
  if (!state || !state.expires_at) return;
  const wait = Math.max(state.expires_at - Date.now() - REFRESH_MARGIN_MS, 1000);
  timer = setTimeout(async () => {
    if (!(await refresh())) expire();
  }, wait);
}

configureAuth({
  token: () => (state ? state.access_token : null),
  refresh,
  expired: expire,
});
schedule();

// Roles, scope and helpers the pages and the navigation use.
export function hasRole(...roles) {
  const user = currentUser();
  return Boolean(user && (user.roles || []).some((role) => roles.includes(role)));
}

export function isStaff() {
  return hasRole('admin', 'hr_officer', 'approver', 'bkn_reviewer', 'supervisor', 'auditor');
}

// The agencies the user may look at; null means all (national or provincial administration).
export function userAgencies() {
  const user = currentUser();
  if (!user) return [];
  return user.agencies === null || user.agencies === undefined ? null : user.agencies;
}
