// Sign in and sign up (/signin, /signup). The server is the judge of every rule; the password list only mirrors
// what can be checked here (length in UTF-8 bytes, not the email) so the athlete sees it while typing.

import { session } from '../lib/api.js';
import { h, field, formError, showErrors, clearErrors } from '../lib/dom.js';
import { waitInWords } from '../lib/format.js';
import { navigate } from '../lib/router.js';
import { syncTimezoneFromBrowser, unitsField } from './settings.js';

const MIN_BYTES = 8;
const MAX_BYTES = 72;
const bytes = (text) => new TextEncoder().encode(text).length;

// The email typed on one screen is offered on the other (kept in memory only, never in a URL).
let rememberedEmail = '';

export function renderSignIn(main, { query } = {}) {
  const form = authForm('Sign in', [emailField(), passwordField('current-password')]);
  form.addEventListener('submit', (event) => submit(event, form, query, () => session.signIn(rememberEmail(form), form.password.value)));
  page(main, form, 'Sign in', 'Welcome back. Sign in to see today’s plan and briefing.',
    'New to StrideIQ? ', '/signup', 'Create an account', query);
}

export function renderSignUp(main, { query } = {}) {
  const name = field({
    id: 'display_name', label: 'Name (optional)',
    hint: 'How the coach greets you.', attrs: { autocomplete: 'nickname', maxlength: '100' },
  });
  const password = passwordField('new-password');
  const rules = passwordRules();
  password.append(rules.el,
    h('p', { class: 'hint' }, 'Very common passwords are refused too; that is checked when you create the account.'));
  // The API's default units; one tap to change.
  const form = authForm('Create account', [name, emailField(), password, unitsField('Distances in', 'metric')]);
  const update = () => rules.update(form.password.value, form.email.value);
  form.password.addEventListener('input', update);
  form.email.addEventListener('input', update);
  update();

  form.addEventListener('submit', (event) => submit(event, form, query, () => session.signUp({
    email: rememberEmail(form),
    password: form.password.value,
    units: form.elements.units.value,
    display_name: form.display_name.value.trim() || undefined,
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || undefined,
  })));
  page(main, form, 'Create your account', 'Daily check-ins, your runs and a coach that knows both.',
    'Already have an account? ', '/signin', 'Sign in', query);
}

function page(main, form, title, lede, question, path, linkText, query) {
  const next = nextPath(query);
  const link = h('a', {
    href: next ? `${path}?next=${encodeURIComponent(next)}` : path,
    on: { click: () => rememberEmail(form) },
  }, linkText);
  main.append(h('section', { class: 'auth' },
    h('h1', { tabindex: '-1' }, title),
    h('p', { class: 'auth-lede' }, lede),
    form,
    h('p', { class: 'auth-switch' }, question, link)));
}

// ---- the form and its submission

function authForm(submitLabel, fields) {
  return h('form', { class: 'auth-form card', novalidate: true },
    formError(),
    fields,
    h('button', { type: 'submit', class: 'auth-submit' }, submitLabel));
}

function rememberEmail(form) {
  rememberedEmail = form.email.value.trim();
  return rememberedEmail;
}

async function submit(event, form, query, action) {
  event.preventDefault();
  const button = form.querySelector('[type="submit"]');
  if (button.disabled) return;
  clearErrors(form);
  button.disabled = true;
  form.ariaBusy = 'true';
  try {
    await action();
  } catch (err) {
    button.disabled = false;
    form.ariaBusy = null;
    explain(form, err);
    return;
  }
  // main.js starts the same sync; it is idempotent and shares one request. Waiting for it means the first
  // screen already shows the athlete's zone.
  try { await syncTimezoneFromBrowser(); } catch { /* quiet: the athlete can set it in Settings */ }
  navigate(nextPath(query) || '/', { replace: true });
}

/** Puts an ApiError where the athlete will read it. */
function explain(form, err) {
  const say = (text) => { form.querySelector('.form-error').textContent = text; };
  if (err.status === 429) {
    say(`Too many attempts. ${retryText(err.retryAfter)}`);
  } else if (err.status === 401) {
    say('Email or password is incorrect.');
    form.password.focus();
  } else if (err.code === 'email_already_registered') {
    rememberEmail(form);
    form.querySelector('#email-error').append('This email already has an account. ', h('a', { href: '/signin' }, 'Sign in instead'), '.');
    form.email.setAttribute('aria-invalid', 'true');
    form.email.focus();
  } else if (err.status === 0) {
    say(err.detail || 'Could not reach StrideIQ. Check your connection.');
  } else if (!showErrors(form, err)) {
    say(err.detail || 'Something went wrong. Please try again.');
  }
}

/** "Try again in 14 minutes." for a wait up to an hour, "Try again at 18:42." (or "on Friday at …") beyond. */
function retryText(seconds) {
  if (seconds == null) return 'Try again later.';
  if (seconds <= 3600) return `Try again in ${waitInWords(seconds)}.`;
  const at = new Date(Date.now() + seconds * 1000);
  const time = at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return at.toDateString() === new Date().toDateString() ? `Try again at ${time}.`
    : `Try again on ${at.toLocaleDateString([], { weekday: 'long' })} at ${time}.`;
}

// ---- fields

function emailField() {
  return field({
    id: 'email', label: 'Email', type: 'email', value: rememberedEmail,
    attrs: { autocomplete: 'email', required: true, autocapitalize: 'none', spellcheck: 'false' },
  });
}

function passwordField(autocomplete) {
  const el = field({
    id: 'password', label: 'Password', type: 'password',
    attrs: { autocomplete, required: true, spellcheck: 'false', autocapitalize: 'none' },
  });
  const input = el.querySelector('input');
  if (autocomplete === 'new-password') input.setAttribute('aria-describedby', 'password-error password-rules');
  const toggle = h('button', {
    type: 'button', class: 'secondary auth-reveal', 'aria-controls': 'password', 'aria-pressed': 'false',
    on: {
      click: () => {
        const show = input.type === 'password';
        input.type = show ? 'text' : 'password';
        toggle.ariaPressed = String(show);
        toggle.textContent = show ? 'Hide password' : 'Show password';
      },
    },
  }, 'Show password');
  input.after(toggle);
  return el;
}

/** The rules as a list whose items say met / not met in words and a mark, never by colour alone. */
function passwordRules() {
  const items = [
    [(p) => bytes(p) >= MIN_BYTES, `At least ${MIN_BYTES} characters`],
    [(p) => bytes(p) <= MAX_BYTES, `At most ${MAX_BYTES} bytes (accented letters and emoji count as 2–4)`],
    [(p, e) => p.length > 0 && !isEmail(p, e), 'Not your email address'],
  ].map(([test, text]) => {
    const mark = h('span', { class: 'rule-mark', 'aria-hidden': 'true' });
    const state = h('span', { class: 'visually-hidden' });
    return { test, mark, state, li: h('li', { class: 'password-rule' }, mark, ' ', text, state) };
  });
  return {
    el: h('ul', { class: 'password-rules', 'data-testid': 'password-rules', id: 'password-rules', 'aria-live': 'polite' },
      items.map((i) => i.li)),
    update(password, email) {
      for (const { test, li, mark, state } of items) {
        const ok = String(test(password, email));
        if (li.dataset.ok === ok) continue; // unchanged: nothing new to announce
        li.dataset.ok = ok;
        mark.textContent = ok === 'true' ? '✓' : '✗';
        state.textContent = ok === 'true' ? ' — met' : ' — not met yet';
      }
    },
  };
}

// ---- helpers

/** Mirrors PasswordPolicy: the whole email or its part before the @, case-insensitively. */
function isEmail(password, email) {
  const e = email.trim().toLowerCase();
  const p = password.toLowerCase();
  return Boolean(e) && (p === e || p === e.split('@')[0]);
}

/** The `next` query parameter when it is a path on this origin (never another site, never the auth screens). */
function nextPath(query) {
  const raw = query?.get('next');
  if (!raw?.startsWith('/') || raw.startsWith('//') || raw.includes('\\')) return null;
  try {
    // The URL parser drops tabs and newlines, so "/\t/evil.example" still has to be checked for its origin.
    const url = new URL(raw, location.origin);
    if (url.origin !== location.origin || ['/signin', '/signup'].includes(url.pathname)) return null;
    return url.pathname + url.search + url.hash;
  } catch {
    return null;
  }
}
