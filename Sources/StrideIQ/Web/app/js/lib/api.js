// The one way the app talks to the API: JSON in and out, errors as ApiError, the access token in memory only,
// one refresh-and-retry on a 401. The refresh token never reaches JavaScript: it lives in an HttpOnly cookie
// that the server sets and reads only when `X-StrideIQ-Client: web` is sent (a cross-site form cannot send it).

const CLIENT_HEADER = { 'X-StrideIQ-Client': 'web' };

export class ApiError extends Error {
  constructor({ status, code, detail, errors = [], retryAfter = null, data = null }) {
    super(detail || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.errors = errors;
    this.retryAfter = retryAfter;
    this.data = data;
  }
}

let accessToken = null;
let refreshing = null;
const listeners = new Set();

function emit() {
  for (const fn of listeners) {
    try { fn(session.athlete); } catch (e) { console.warn(e); }
  }
}

function adopt(tokens) {
  accessToken = tokens.access_token;
  session.athlete = tokens.athlete;
  emit();
  return tokens.athlete;
}

function forget() {
  const had = accessToken !== null || session.athlete !== null;
  accessToken = null;
  session.athlete = null;
  if (had) emit();
}

function buildURL(path, query) {
  const url = new URL(path, location.origin);
  if (query) {
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
    }
  }
  return url;
}

async function toError(response) {
  let data = null;
  try { data = await response.json(); } catch { /* not JSON */ }
  const header = response.headers.get('Retry-After');
  const retryAfter = header !== null && /^\d+$/.test(header) ? Number(header) : null;
  return new ApiError({
    status: response.status,
    code: data?.code ?? `http_${response.status}`,
    detail: data?.detail ?? response.statusText,
    errors: Array.isArray(data?.errors) ? data.errors : [],
    retryAfter,
    data,
  });
}

async function send(path, { method = 'GET', body, query, headers = {}, signal } = {}, auth = true) {
  const h = { Accept: 'application/json', ...headers };
  if (path.startsWith('/v1/auth/')) Object.assign(h, CLIENT_HEADER);
  if (body !== undefined) h['Content-Type'] = 'application/json';
  if (auth && accessToken) h.Authorization = `Bearer ${accessToken}`;
  try {
    return await fetch(buildURL(path, query), {
      method, headers: h, signal, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError({ status: 0, code: 'network_error', detail: 'Could not reach StrideIQ. Check your connection.' });
  }
}

// Refresh tokens are single use, and presenting a rotated one revokes the whole session. Two tabs reloading
// together would do exactly that, so refreshes are serialised across tabs with a Web Lock: the second tab's
// request leaves after the first has rotated the cookie, and carries the new one.
function acrossTabs(fn) {
  return navigator.locks?.request ? navigator.locks.request('strideiq-refresh', fn) : fn();
}

async function refresh() {
  // One refresh at a time in this tab too: parallel 401s share it.
  refreshing ??= (async () => {
    try {
      const response = await acrossTabs(() => send('/v1/auth/refresh', { method: 'POST' }, false));
      if (!response.ok) return false;
      adopt(await response.json());
      return true;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** Calls the API. Resolves {status, data, headers}; rejects with ApiError (see docs/web-app.md). */
export async function api(path, options = {}) {
  let response = await send(path, options);
  if (response.status === 401 && accessToken && !path.startsWith('/v1/auth/')) {
    if (await refresh()) {
      response = await send(path, options);
    } else {
      forget();
      onSessionLost();
    }
  }
  if (response.status === 304) return { status: 304, data: null, headers: response.headers };
  if (!response.ok) throw await toError(response);
  if (options.raw) return { status: response.status, data: response, headers: response.headers };
  const text = response.status === 204 ? '' : await response.text();
  return { status: response.status, data: text ? JSON.parse(text) : null, headers: response.headers };
}

let onSessionLost = () => {};
/** The router sets this: where to go when the session cannot be renewed. */
export function setSessionLostHandler(fn) { onSessionLost = fn; }

export const session = {
  athlete: null,
  get signedIn() { return accessToken !== null && this.athlete !== null; },

  async signIn(email, password) {
    const { data } = await api('/v1/auth/login', { method: 'POST', body: { email, password } });
    return adopt(data);
  },

  async signUp(fields) {
    const { data } = await api('/v1/auth/register', { method: 'POST', body: fields });
    return adopt(data);
  },

  /** Restores a session from the refresh cookie (a page reload). The readable `strideiq_session` hint says
   *  whether there may be one, so a first visit does not make a refresh that can only fail. */
  async restore() {
    if (!document.cookie.split(';').some((c) => c.trim().startsWith('strideiq_session=1'))) return false;
    try { return await refresh(); } catch { return false; }
  },

  async signOut() {
    try {
      await send('/v1/auth/logout', { method: 'POST' });
    } finally {
      forget();
    }
  },

  setAthlete(athlete) {
    this.athlete = athlete;
    emit();
  },

  onChange(fn) {
    listeners.add(fn);
    return () => listeners.delete(fn);
  },
};
