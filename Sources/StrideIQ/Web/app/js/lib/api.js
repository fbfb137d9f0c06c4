// The access token lives in memory only; the refresh token never reaches JavaScript (docs/web-app.md, Sessions).

const OFFLINE = 'Could not reach StrideIQ. Check your connection.';

export class ApiError extends Error {
  constructor({status, code, detail, errors = [], retryAfter = null, data = null}) {
    super(detail || code || `HTTP ${status}`);
    Object.assign(this, {status, code, detail, errors, retryAfter, data});
  }
}

let accessToken = null, refreshing = null;
const listeners = new Set();

const emit = () => listeners.forEach((fn) => { try { fn(session.athlete); } catch (e) { console.warn(e); } });

function adopt(tokens) {
  accessToken = tokens.access_token;
  session.setAthlete(tokens.athlete);
  return tokens.athlete;
}

function forget() {
  const had = accessToken !== null || session.athlete !== null;
  accessToken = session.athlete = null;
  if (had) emit();
}

async function toError(response) {
  const data = await response.json().catch(() => null);
  const retry = response.headers.get('Retry-After');
  return new ApiError({
    status: response.status, code: data?.code ?? `http_${response.status}`, detail: data?.detail ?? response.statusText,
    errors: Array.isArray(data?.errors) ? data.errors : [], retryAfter: /^\d+$/.test(retry) ? Number(retry) : null, data,
  });
}

async function send(path, {method = 'GET', body, query, headers = {}, signal} = {}, auth = true) {
  const h = {Accept: 'application/json', ...headers};
  if (path.startsWith('/v1/auth/')) h['X-StrideIQ-Client'] = 'web';
  if (body !== undefined) h['Content-Type'] = 'application/json';
  if (auth && accessToken) h.Authorization = `Bearer ${accessToken}`;
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query ?? {})) if (v != null && v !== '') url.searchParams.set(k, v);
  try {
    return await fetch(url, {method, headers: h, signal, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body)});
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError({status: 0, code: 'network_error', detail: OFFLINE});
  }
}

// Presenting a rotated refresh token revokes the session, as two tabs reloading together would: a Web Lock
// makes the second tab's refresh wait for the first's new cookie.
const acrossTabs = (fn) => (navigator.locks?.request ? navigator.locks.request('strideiq-refresh', fn) : fn());

// Parallel 401s share one refresh.
function refresh() {
  refreshing ??= acrossTabs(() => send('/v1/auth/refresh', {method: 'POST'}, false))
    .then(async (response) => response.ok && !!adopt(await response.json()))
    .finally(() => { refreshing = null; });
  return refreshing;
}

export async function api(path, options = {}) {
  let response = await send(path, options);
  if (response.status === 401 && accessToken && !path.startsWith('/v1/auth/')) {
    if (await refresh()) response = await send(path, options);
    else { forget(); onSessionLost(); }
  }
  const {status, headers} = response;
  if (status === 304) return {status, data: null, headers};
  if (!response.ok) throw await toError(response);
  if (options.raw) return {status, data: response, headers};
  const text = status === 204 ? '' : await response.text();
  return {status, data: text ? JSON.parse(text) : null, headers};
}

// XMLHttpRequest: fetch reports no upload progress.
export async function upload(path, form, onProgress) {
  for (let again = true; ; again = false) {
    const x = new XMLHttpRequest();
    x.open('POST', path);
    x.setRequestHeader('Accept', 'application/json');
    if (accessToken) x.setRequestHeader('Authorization', `Bearer ${accessToken}`);
    x.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    await new Promise((done) => { x.onloadend = done; x.send(form); });
    if (!x.status) throw new ApiError({status: 0, code: 'network_error', detail: OFFLINE});
    if (x.status === 401 && again && accessToken && await refresh()) continue;
    const res = new Response(x.response, {status: x.status});
    if (!res.ok) throw await toError(res);
    return {status: x.status, data: await res.json()};
  }
}

export async function download(path, name) {
  const {data} = await api(path, {raw: true, headers: {Accept: '*/*'}});
  const url = URL.createObjectURL(await data.blob());
  Object.assign(document.createElement('a'), {href: url, download: name}).click();
  setTimeout(() => URL.revokeObjectURL(url), 1e4);
}

let onSessionLost = () => {};
export const setSessionLostHandler = (fn) => { onSessionLost = fn; };

export const session = {
  athlete: null,
  get signedIn() { return accessToken !== null && this.athlete !== null; },
  signIn: async (email, password) => adopt((await api('/v1/auth/login', {method: 'POST', body: {email, password}})).data),
  signUp: async (fields) => adopt((await api('/v1/auth/register', {method: 'POST', body: fields})).data),

  // Without the readable `strideiq_session` hint a refresh can only fail.
  async restore() {
    if (!document.cookie.split(';').some((c) => c.trim().startsWith('strideiq_session=1'))) return false;
    return refresh().catch(() => false);
  },

  async signOut() {
    try { await send('/v1/auth/logout', {method: 'POST'}); } finally { forget(); }
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
