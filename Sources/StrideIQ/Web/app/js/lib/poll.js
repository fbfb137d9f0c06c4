// Polls GET /v1/home/briefing until the briefing settles. The server never waits for a model: it answers with the
// briefing as it stands and an ETag (`If-None-Match` on an unchanged one gets 304). Waits 2 s, then 4, 8, 16 and
// 30 s (the cap); stops on `fresh` or `consent_required`; pauses while the tab is hidden and asks at once when it
// is visible again; gives up after 2 minutes of polling (hidden time does not count).
import { api } from './api.js';

const SETTLED = new Set(['fresh', 'consent_required']);

/**
 * pollBriefing({onUpdate, onEnd, etag}) → {stop()}: onUpdate(briefing) on every changed answer (a 200);
 * onEnd(reason) once: 'settled', 'timeout' (the 2-minute cap) or 'stopped' (stop(), or the session ended).
 */
export function pollBriefing({ onUpdate = () => {}, onEnd = () => {}, etag = null, firstDelay = 2000, maxDelay = 30000, budget = 120000 } = {}) {
  let delay = firstDelay;
  let spent = 0; // ms of visible polling time used
  let since = document.hidden ? null : performance.now(); // start of the current visible stretch
  let timer = null;
  let controller = null;
  let ended = false;

  const elapsed = () => spent + (since === null ? 0 : performance.now() - since);

  function end(reason) {
    if (ended) return;
    ended = true;
    clearTimeout(timer);
    controller?.abort();
    document.removeEventListener('visibilitychange', onVisibility);
    onEnd(reason);
  }

  function schedule(ms) {
    clearTimeout(timer);
    const left = budget - elapsed();
    if (left <= 0) return end('timeout');
    timer = setTimeout(tick, Math.min(ms, left));
  }

  async function tick() {
    timer = null;
    if (ended || document.hidden) return; // visibilitychange resumes
    if (elapsed() >= budget) return end('timeout');
    controller = new AbortController();
    delay = Math.min(delay * 2, maxDelay); // the wait after this request: 4, 8, 16, 30, 30… s
    let wait = delay;
    try {
      const headers = etag ? { 'If-None-Match': etag } : {};
      const res = await api('/v1/home/briefing', { headers, signal: controller.signal });
      if (ended) return;
      if (res.status !== 304 && res.data) {
        etag = res.headers.get('ETag') || null;
        onUpdate(res.data);
        if (SETTLED.has(res.data.briefing_state)) return end('settled');
      }
    } catch (e) {
      if (ended || e?.name === 'AbortError') return;
      if (e?.status === 401) return end('stopped'); // the session is gone; the router takes over
      if (e?.retryAfter) wait = Math.max(wait, e.retryAfter * 1000);
    }
    if (!ended && !document.hidden) schedule(wait);
  }

  function onVisibility() {
    if (ended) return;
    if (document.hidden) {
      if (since !== null) spent += performance.now() - since;
      since = null;
      clearTimeout(timer);
      timer = null;
      controller?.abort();
    } else {
      since = performance.now();
      schedule(0); // ask at once: the briefing may have settled meanwhile
    }
  }

  document.addEventListener('visibilitychange', onVisibility);
  if (!document.hidden) schedule(delay);

  return { stop: () => end('stopped') };
}
