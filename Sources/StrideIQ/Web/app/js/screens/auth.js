// Sign in and sign up (/signin, /signup). The server is the judge of every rule; the password list only mirrors
// what can be checked here (length in UTF-8 bytes, not the email) so the athlete sees it while typing.

import { session } from '../lib/api.js';
import { h, field, showErrors, clearErrors } from '../lib/dom.js';
import { navigate } from '../lib/router.js';
import { syncTimezoneFromBrowser } from './settings.js';

const MIN_BYTES = 8;
const MAX_BYTES = 72;
const encoder = new TextEncoder();

// The email typed on one screen is offered on the other (kept in memory only, never in a URL).
let rememberedEmail = '';

export function renderSignIn(main, ctx = {}) {
  const next = nextPath(ctx.query);
  const email = field({
    id: 'email', label: 'Email', type: 'email', value: rememberedEmail,
    attrs: { autocomplete: 'email', required: true, autocapitalize: 'none', spellcheck: 'false' },
  });
  const password = passwordField('current-password');
  const form = authForm('Sign in', [email, password.el]);

  form.addEventListener('submit', (event) => submit(event, form, async () => {
    const { value: e } = input(form, 'email');
    rememberedEmail = e.trim();
    await session.signIn(e.trim(), input(form, 'password').value);
  }, next));

  main.append(
    h('section', { class: 'auth' },
      h('h1', { tabindex: '-1' }, 'Sign in'),
      h('p', { class: 'auth-lede' }, 'Welcome back. Sign in to see today’s plan and briefing.'),
      form,
      h('p', { class: 'auth-switch' }, 'New to StrideIQ? ', switchLink('/signup', next, 'Create an account'))),
  );
}

export function renderSignUp(main, ctx = {}) {
  const next = nextPath(ctx.query);
  const name = field({
    id: 'display_name', label: 'Name (optional)', value: '',
    hint: 'How the coach greets you.', attrs: { autocomplete: 'nickname', maxlength: '100' },
  });
  const email = field({
    id: 'email', label: 'Email', type: 'email', value: rememberedEmail,
    attrs: { autocomplete: 'email', required: true, autocapitalize: 'none', spellcheck: 'false' },
  });
  const password = passwordField('new-password');
  const rules = passwordRules();
  password.el.append(rules.el,
    h('p', { class: 'hint' }, 'Very common passwords are refused too; that is checked when you create the account.'));

  const units = unitsChoice('metric'); // the API's default; one tap to change
  const form = authForm('Create account', [name, email, password.el, units]);

  const update = () => rules.update(input(form, 'password').value, input(form, 'email').value);
  input(form, 'password').addEventListener('input', update);
  input(form, 'email').addEventListener('input', update);
  update();

  form.addEventListener('submit', (event) => submit(event, form, async () => {
    const e = input(form, 'email').value.trim();
    rememberedEmail = e;
    const displayName = input(form, 'display_name').value.trim();
    const body = {
      email: e,
      password: input(form, 'password').value,
      units: form.elements.units.value || 'metric',
    };
    if (displayName) body.display_name = displayName;
    const zone = browserZone();
    if (zone) body.timezone = zone;
    await session.signUp(body);
  }, next));

  main.append(
    h('section', { class: 'auth' },
      h('h1', { tabindex: '-1' }, 'Create your account'),
      h('p', { class: 'auth-lede' }, 'Daily check-ins, your runs and a coach that knows both.'),
      form,
      h('p', { class: 'auth-switch' }, 'Already have an account? ', switchLink('/signin', next, 'Sign in'))),
  );
}

// ---- the form and its submission ------------------------------------------------------------------------

function authForm(submitLabel, fields) {
  return h('form', { class: 'auth-form', novalidate: true },
    h('div', { class: 'form-error', 'data-testid': 'form-error', role: 'alert' }),
    ...fields,
    h('button', { type: 'submit', class: 'auth-submit' }, submitLabel));
}

async function submit(event, form, action, next) {
  event.preventDefault();
  const button = form.querySelector('button[type="submit"]');
  if (button.disabled) return;
  clearErrors(form);
  button.disabled = true;
  form.setAttribute('aria-busy', 'true');
  try {
    await action();
  } catch (err) {
    button.disabled = false;
    form.removeAttribute('aria-busy');
    explain(form, err);
    return;
  }
  // The lead's boot code may also sync the zone; the function is idempotent and shares one request.
  try { await syncTimezoneFromBrowser(); } catch { /* quiet: the athlete can set it in Settings */ }
  navigate(next || '/', { replace: true });
}

/** Puts an ApiError where the athlete will read it. */
function explain(form, err) {
  const formError = form.querySelector('.form-error');
  const say = (text) => { formError.textContent = text; };
  if (err?.status === 429) {
    say(`Too many attempts. ${retryText(err.retryAfter)}`);
  } else if (err?.status === 401) {
    say('Email or password is incorrect.');
    input(form, 'password').focus();
  } else if (err?.status === 409 && err.code === 'email_already_registered') {
    const email = input(form, 'email');
    const slot = form.querySelector('#email-error');
    rememberedEmail = email.value.trim();
    slot.replaceChildren('This email already has an account. ', h('a', { href: '/signin' }, 'Sign in instead'), '.');
    email.setAttribute('aria-invalid', 'true');
    email.focus();
  } else if (err?.status === 0) {
    say(err.detail || 'Could not reach StrideIQ. Check your connection.');
  } else if (!showErrors(form, err)) {
    say(err?.detail || 'Something went wrong. Please try again.');
  } else {
    form.querySelector('[aria-invalid="true"]')?.focus();
  }
}

/** "Try again in 14 minutes." for a short wait, "Try again at 18:42." for a long one. */
export function retryText(seconds) {
  if (seconds == null || !(seconds >= 0)) return 'Try again later.';
  if (seconds < 60) {
    const s = Math.max(1, Math.ceil(seconds));
    return `Try again in ${s} second${s === 1 ? '' : 's'}.`;
  }
  const minutes = Math.ceil(seconds / 60);
  if (minutes <= 60) return `Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
  const at = new Date(Date.now() + seconds * 1000);
  const sameDay = at.toDateString() === new Date().toDateString();
  const time = at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return sameDay ? `Try again at ${time}.`
    : `Try again on ${at.toLocaleDateString([], { weekday: 'long' })} at ${time}.`;
}

// ---- fields ---------------------------------------------------------------------------------------------

function passwordField(autocomplete) {
  const el = field({
    id: 'password', label: 'Password', type: 'password',
    attrs: { autocomplete, required: true, spellcheck: 'false', autocapitalize: 'none' },
  });
  const inputEl = el.querySelector('input');
  if (autocomplete === 'new-password') {
    inputEl.setAttribute('aria-describedby', `${inputEl.getAttribute('aria-describedby')} password-rules`);
  }
  const toggle = h('button', {
    type: 'button', class: 'secondary auth-reveal', 'aria-controls': 'password', 'aria-pressed': 'false',
    on: {
      click: () => {
        const show = inputEl.type === 'password';
        inputEl.type = show ? 'text' : 'password';
        toggle.setAttribute('aria-pressed', String(show));
        toggle.textContent = show ? 'Hide password' : 'Show password';
      },
    },
  }, 'Show password');
  inputEl.after(toggle);
  return { el };
}

function passwordRules() {
  const items = [
    { test: (p) => bytes(p) >= MIN_BYTES, text: `At least ${MIN_BYTES} characters` },
    { test: (p) => bytes(p) <= MAX_BYTES, text: `At most ${MAX_BYTES} bytes (accented letters and emoji count as 2–4)` },
    { test: (p, e) => p.length > 0 && !isEmail(p, e), text: 'Not your email address' },
  ].map((rule) => {
    const mark = h('span', { class: 'rule-mark', 'aria-hidden': 'true' });
    const state = h('span', { class: 'visually-hidden auth-sr' });
    const li = h('li', { class: 'password-rule', 'data-ok': 'false' }, mark, ' ', rule.text, state);
    return { rule, li, mark, state };
  });
  const el = h('ul', { class: 'password-rules', 'data-testid': 'password-rules', id: 'password-rules', 'aria-live': 'polite' },
    items.map((i) => i.li));
  return {
    el,
    update(password, email) {
      for (const { rule, li, mark, state } of items) {
        const ok = rule.test(password, email);
        if (li.dataset.ok === String(ok) && mark.textContent) continue;
        li.dataset.ok = String(ok);
        mark.textContent = ok ? '✓' : '✗';
        state.textContent = ok ? ' — met' : ' — not met yet';
      }
    },
  };
}

function unitsChoice(selected) {
  const option = (value, label) => h('label', { class: 'auth-choice', for: `units-${value}` },
    h('input', { type: 'radio', name: 'units', id: `units-${value}`, value, checked: value === selected }),
    ' ', label);
  return h('fieldset', { class: 'auth-units', id: 'units', 'aria-describedby': 'units-error' },
    h('legend', {}, 'Distances in'),
    h('div', { class: 'row' }, option('metric', 'Kilometres (km)'), option('imperial', 'Miles (mi)')),
    h('p', { class: 'field-error', id: 'units-error' }));
}

// ---- helpers --------------------------------------------------------------------------------------------

function input(form, id) { return form.querySelector(`#${id}`); }

function bytes(text) { return encoder.encode(text).length; }

/** Mirrors PasswordPolicy: the whole email or its part before the @, case-insensitively. */
function isEmail(password, email) {
  const e = email.trim().toLowerCase();
  if (!e) return false;
  const p = password.toLowerCase();
  return p === e || p === e.split('@')[0];
}

function browserZone() {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || null; } catch { return null; }
}

function queryValue(query, key) {
  if (!query) return null;
  if (typeof query.get === 'function') return query.get(key);
  return query[key] ?? null;
}

/** The `next` query parameter when it is a path on this origin (never another site, never the auth screens). */
function nextPath(query) {
  const raw = queryValue(query, 'next');
  if (!raw || typeof raw !== 'string' || !raw.startsWith('/') || raw.startsWith('//') || raw.includes('\\')) return null;
  try {
    const url = new URL(raw, location.origin);
    if (url.origin !== location.origin) return null;
    if (url.pathname === '/signin' || url.pathname === '/signup') return null;
    return url.pathname + url.search + url.hash;
  } catch {
    return null;
  }
}

function switchLink(path, next, text) {
  const href = next ? `${path}?next=${encodeURIComponent(next)}` : path;
  return h('a', {
    href,
    on: { click: () => { const e = document.getElementById('email'); if (e) rememberedEmail = e.value.trim(); } },
  }, text);
}
