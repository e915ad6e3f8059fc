// The one way the app talks to the platform: the gateway's public API under /api/v1, same origin, with the
// user's bearer token. Problems (RFC 9457) become ApiError; a 401 tries the refresh token once.

const BASE = '/api/v1';

export class ApiError extends Error {
  constructor(status, problem = {}) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }

  get code() {
    const type = this.problem.type || '';
    return type.startsWith('/problems/') ? type.slice('/problems/'.length) : this.problem.code || null;
  }

  get detail() {
    return this.problem.detail || null;
  }

  get errors() {
    return this.problem.errors || [];
  }

  // The backend behind this route is absent or down: no route (404 without detail, 405), or the gateway
  // could not reach the service (502, 503, 504).
  get unavailable() {
    if ([502, 503, 504].includes(this.status)) return true;
    if (this.status === 405) return true;
    return this.status === 404 && !this.problem.detail;
  }
}

let tokenSource = () => null;
let refresher = async () => false;
let onExpired = () => {};

export function configureAuth({ token, refresh, expired }) {
  tokenSource = token;
  refresher = refresh;
  onExpired = expired;
}

export function query(params = {}) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === '') continue;
    search.append(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

async function send(path, options) {
  const headers = { Accept: 'application/json, application/problem+json', ...(options.headers || {}) };
  const token = options.auth === false ? null : tokenSource();
  if (token) headers.Authorization = `Bearer ${token}`;
  let body;
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form !== undefined) {
    body = new URLSearchParams(options.form);
  } else if (options.formData !== undefined) {
    // The browser sets the multipart Content-Type with its boundary.
    body = options.formData;
  }
  if (options.ifMatch) headers['If-Match'] = options.ifMatch;
  if (options.accept) headers.Accept = options.accept;
  return fetch(BASE + path, { method: options.method || 'GET', headers, body, credentials: 'same-origin' });
}

const MAX_RATE_RETRIES = 2;

function pause(ms) {
  return new Promise((resolve) => {
    setTimeout(resolve, ms);
  });
}

export async function request(path, options = {}) {
  let response;
  try {
    response = await send(path, options);
    if (response.status === 401 && options.auth !== false && (await refresher())) {
      response = await send(path, options);
    }
    // The gateway's rate limit answers 429 with Retry-After: a page that asks a lot waits and goes on.
    for (let retry = 0; response.status === 429 && retry < MAX_RATE_RETRIES; retry += 1) {
      const seconds = Number(response.headers.get('Retry-After')) || 1;
      await pause(Math.min(seconds, 10) * 1000);
      response = await send(path, options);
    }
  } catch (error) {
    const failure = new ApiError(0, { title: 'network', detail: String(error.message || error) });
    throw failure;
  }
  if (response.status === 401 && options.auth !== false) onExpired();
  if (!response.ok) {
    let problem = {};
    try {
      problem = await response.json();
    } catch {
      problem = {};
    }
    throw new ApiError(response.status, problem);
  }
  const etag = response.headers.get('ETag');
  if (options.blob) return { data: await response.blob(), etag, response };
  if (response.status === 204) return { data: null, etag, response };
  const type = response.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await response.json() : await response.text();
  return { data, etag, response };
}

export const api = {
  async get(path, params) {
    return (await request(path + query(params))).data;
  },
  async getWithEtag(path, params) {
    return request(path + query(params));
  },
  async post(path, json, options = {}) {
    return (await request(path, { method: 'POST', json, ...options })).data;
  },
  async put(path, json, options = {}) {
    return (await request(path, { method: 'PUT', json, ...options })).data;
  },
  async patch(path, json, options = {}) {
    return (await request(path, { method: 'PATCH', json, ...options })).data;
  },
  async del(path, options = {}) {
    return (await request(path, { method: 'DELETE', ...options })).data;
  },
  async blob(path, accept) {
    return request(path, { blob: true, accept });
  },
};

// Every page of a cursor list, up to `max` items (for summaries and charts over a bounded list).
export async function getAll(path, params = {}, max = 2000) {
  const items = [];
  let cursor = null;
  do {
    const page = await api.get(path, { ...params, limit: 500, cursor });
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return items;
}

// Saves a response body as a file: the download goes through fetch so it carries the bearer token.
export async function download(path, fallbackName, accept) {
  const { data, response } = await api.blob(path, accept);
  const disposition = response.headers.get('Content-Disposition') || '';
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
  const name = match ? decodeURIComponent(match[1]) : fallbackName;
  const url = URL.createObjectURL(data);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = name;
  anchor.hidden = true;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  return name;
}
