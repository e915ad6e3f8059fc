// Names behind codes and ids (agencies, units, positions, people), fetched once per page load.

import { api, getAll } from './api.js';
import { userAgencies } from './session.js';

const caches = new Map();

function cached(kind, key, load) {
  const id = `${kind}:${key}`;
  if (!caches.has(id)) {
    caches.set(
      id,
      load().catch((error) => {
        caches.delete(id);
        throw error;
      }),
    );
  }
  return caches.get(id);
}

export function agency(code) {
  return cached('agency', code, () => api.get(`/agencies/${encodeURIComponent(code)}`));
}

export async function agencyName(code) {
  if (!code) return '—';
  try {
    return (await agency(code)).name;
  } catch {
    return code;
  }
}

export function position(id) {
  return cached('position', id, () => api.get(`/positions/${id}`));
}

export function unit(id) {
  return cached('unit', id, () => api.get(`/units/${id}`));
}

export async function positionName(id) {
  if (!id) return '—';
  try {
    return (await position(id)).name;
  } catch {
    return id;
  }
}

export async function unitName(id) {
  if (!id) return '—';
  try {
    return (await unit(id)).name;
  } catch {
    return id;
  }
}

export async function employeeName(nip) {
  if (!nip) return '—';
  try {
    const employee = await cached('employee', nip, () => api.get(`/employees/${nip}`));
    return employee.display_name || employee.name;
  } catch {
    return nip;
  }
}

// A text node filled in when the name arrives, so tables render at once.
export function later(promise, fallback = '…') {
  const node = document.createTextNode(fallback);
  promise.then((text) => {
    node.textContent = text;
  });
  return node;
}

// The agencies the user may choose from: theirs, or for national roles every agency the API lists. Empty
// when the API offers no list; callers then ask for an agency code instead.
export async function agencyChoices() {
  const scope = userAgencies();
  if (scope !== null) {
    return Promise.all(scope.map(async (code) => ({ code, name: await agencyName(code) })));
  }
  return cached('agencies', 'all', async () => {
    try {
      const rows = await getAll('/agencies', {}, 1000);
      return rows.map((row) => ({ code: row.code, name: row.name })).sort((a, b) => a.code.localeCompare(b.code));
    } catch {
      return [];
    }
  });
}
