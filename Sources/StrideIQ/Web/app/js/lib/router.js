// Client-side routing with the History API. The server answers the same page for every app path
// (docs/web-app.md), so a reload or a shared link lands on the right screen.
import { session } from './api.js';
import { h, replace, announce } from './dom.js';

const routes = [];
let cleanup = null;
let generation = 0;

/** route('/activities/:id', () => import('../screens/activities.js').then(m => m.renderDetail), {title}) */
export function route(pattern, load, { auth = true, title = 'StrideIQ', name } = {}) {
  const keys = [];
  const regex = new RegExp(`^${pattern.replace(/\/:(\w+)/g, (_, key) => { keys.push(key); return '/([^/]+)'; })}/?$`);
  routes.push({ pattern, regex, keys, load, auth, title, name: name ?? (pattern.split('/')[1] || 'home') });
}

function match(pathname) {
  for (const r of routes) {
    const m = r.regex.exec(pathname);
    if (m) return { route: r, params: Object.fromEntries(r.keys.map((k, i) => [k, decodeURIComponent(m[i + 1])])) };
  }
  return null;
}

export function current() {
  return location.pathname + location.search;
}

export function navigate(path, { replace: replaceState = false } = {}) {
  if (path === current()) return render();
  history[replaceState ? 'replaceState' : 'pushState'](null, '', path);
  return render();
}

async function render() {
  const mine = ++generation;
  const main = document.getElementById('main');
  if (cleanup) { try { cleanup(); } catch (e) { console.warn(e); } cleanup = null; }
  const found = match(location.pathname);
  if (!found) {
    main.dataset.screen = 'not-found';
    replace(main, h('h1', { tabindex: '-1' }, 'Page not found'), h('p', {}, h('a', { href: '/' }, 'Go to today')));
    main.dataset.ready = 'true';
    return;
  }
  const { route: r, params } = found;
  if (r.auth && !session.signedIn) {
    const next = current() === '/' ? '' : `?next=${encodeURIComponent(current())}`;
    history.replaceState(null, '', `/signin${next}`);
    return render();
  }
  if (!r.auth && session.signedIn && (r.name === 'signin' || r.name === 'signup')) {
    history.replaceState(null, '', '/');
    return render();
  }
  main.dataset.ready = 'false';
  main.dataset.screen = r.name;
  document.title = `${r.title} · StrideIQ`;
  updateNav(location.pathname);
  try {
    const view = await r.load();
    if (mine !== generation) return;
    replace(main);
    const result = await view(main, { params, query: new URLSearchParams(location.search) });
    if (mine !== generation) { if (typeof result === 'function') result(); return; }
    cleanup = typeof result === 'function' ? result : null;
  } catch (e) {
    if (mine !== generation) return;
    console.warn(e);
    replace(main, h('h1', { tabindex: '-1' }, 'Something went wrong'),
      h('p', { class: 'form-error', role: 'alert' }, e?.detail ?? e?.message ?? String(e)),
      h('p', {}, h('a', { href: current() }, 'Try again')));
  }
  main.dataset.ready = 'true';
  const heading = main.querySelector('h1');
  if (heading) {
    if (!heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1');
    if (navigatedByUser) { heading.focus({ preventScroll: false }); announce(heading.textContent); }
  }
  navigatedByUser = true;
}

let navigatedByUser = false;

function updateNav(pathname) {
  for (const a of document.querySelectorAll('#nav a')) {
    const href = a.getAttribute('href');
    const active = href === '/' ? pathname === '/' : pathname.startsWith(href);
    if (active) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
}

export function start() {
  document.addEventListener('click', (event) => {
    const a = event.target.closest?.('a[href]');
    if (!a || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    if (a.target || a.hasAttribute('download')) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/v1/') || url.pathname.startsWith('/assets/')) return;
    event.preventDefault();
    navigate(url.pathname + url.search + url.hash);
  });
  window.addEventListener('popstate', () => render());
  return render();
}
