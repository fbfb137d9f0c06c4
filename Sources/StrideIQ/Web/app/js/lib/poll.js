// Polls the briefing until it settles: 2 s, doubling to 30 s; paused while hidden; 2 minutes of visible polling at most.
import {api} from './api.js';

export function pollBriefing({onUpdate = () => {}, onEnd = () => {}, etag = null, firstDelay = 2000, maxDelay = 30000, budget = 120000} = {}) {
  let delay = firstDelay;
  let spent = 0; // visible ms before the current visible stretch
  let since = document.hidden ? null : performance.now();
  let timer = null, controller = null, ended = false;
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
    if (ended || document.hidden) return;
    if (elapsed() >= budget) return end('timeout');
    controller = new AbortController();
    delay = Math.min(delay * 2, maxDelay);
    let wait = delay;
    try {
      const res = await api('/v1/home/briefing', {headers: etag ? {'If-None-Match': etag} : {}, signal: controller.signal});
      if (ended) return;
      if (res.status !== 304 && res.data) {
        etag = res.headers.get('ETag') || null;
        onUpdate(res.data);
        if (['fresh', 'consent_required'].includes(res.data.briefing_state)) return end('settled');
      }
    } catch (e) {
      if (ended || e.name === 'AbortError') return;
      if (e.status === 401) return end('stopped'); // signed out: the router takes over
      if (e.retryAfter) wait = Math.max(wait, e.retryAfter * 1000);
    }
    if (!ended && !document.hidden) schedule(wait);
  }
  function onVisibility() {
    if (ended) return;
    if (document.hidden) {
      if (since !== null) spent += performance.now() - since;
      since = null;
      clearTimeout(timer);
      controller?.abort();
    } else {
      since = performance.now();
      schedule(0);
    }
  }
  document.addEventListener('visibilitychange', onVisibility);
  if (!document.hidden) schedule(delay);
  return {stop: () => end('stopped')};
}
