// The server answers the same page for every app path, so a reload or a shared link lands on its screen.
import {session} from './api.js';
import {h, link, replace, announce} from './dom.js';

const routes = [];
let cleanup = null, aborter = null, generation = 0, navigatedByUser = false;

export function route(pattern, load, {auth = true, title = 'StrideIQ', name} = {}) {
  const keys = [];
  const regex = new RegExp(`^${pattern.replace(/\/:(\w+)/g, (_, key) => { keys.push(key); return '/([^/]+)'; })}/?$`);
  routes.push({regex, keys, load, auth, title, name: name ?? (pattern.split('/')[1] || 'home')});
}

const current = () => location.pathname + location.search;

export function navigate(path, {replace: replaceState = false} = {}) {
  if (path !== current()) history[replaceState ? 'replaceState' : 'pushState'](null, '', path);
  return render();
}

const failure = (title, ...rest) => [h('h1', title), ...rest];

async function render() {
  const mine = ++generation, main = document.getElementById('main');
  try { cleanup?.(); } catch (e) { console.warn(e); }
  cleanup = null;
  aborter?.abort();
  const {signal} = (aborter = new AbortController());
  let r, m;
  for (r of routes) if ((m = r.regex.exec(location.pathname))) break;
  if (m && r.auth && !session.signedIn) {
    history.replaceState(null, '', `/signin${current() === '/' ? '' : `?next=${encodeURIComponent(current())}`}`);
    return render();
  }
  if (m && session.signedIn && ['signin', 'signup'].includes(r.name)) {
    history.replaceState(null, '', '/');
    return render();
  }
  main.dataset.ready = 'false';
  main.dataset.screen = m ? r.name : 'not-found';
  if (!m) replace(main, failure('Page not found', h('p', link('/', 'Go to today'))));
  else {
    document.title = `${r.title} · StrideIQ`;
    for (const a of document.querySelectorAll('#nav a')) {
      const href = a.getAttribute('href');
      a.ariaCurrent = (href === '/' ? location.pathname === '/' : location.pathname.startsWith(href)) ? 'page' : null;
    }
    try {
      const view = await r.load();
      if (mine !== generation) return;
      replace(main);
      const params = Object.fromEntries(r.keys.map((k, i) => [k, decodeURIComponent(m[i + 1])]));
      const result = await view(main, {params, query: new URLSearchParams(location.search), signal});
      if (mine !== generation) return typeof result === 'function' && result();
      if (typeof result === 'function') cleanup = result;
    } catch (e) {
      if (mine !== generation) return;
      console.warn(e);
      replace(main, failure('Something went wrong', h('p.form-error', {role: 'alert'}, e?.detail ?? e?.message ?? String(e)),
        h('p', link(current(), 'Try again'))));
    }
  }
  main.dataset.ready = 'true';
  const heading = main.querySelector('h1');
  if (heading) {
    if (!heading.hasAttribute('tabindex')) heading.tabIndex = -1;
    if (navigatedByUser) { heading.focus(); announce(heading.textContent); }
  }
  navigatedByUser = true;
}

export function start() {
  document.addEventListener('click', (event) => {
    const a = event.target.closest?.('a[href]');
    if (!a || event.defaultPrevented || event.button || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    if (a.target || a.hasAttribute('download')) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || /^\/(v1|assets)\//.test(url.pathname)) return;
    event.preventDefault();
    navigate(url.pathname + url.search + url.hash);
  });
  window.onpopstate = () => render();
  return render();
}
