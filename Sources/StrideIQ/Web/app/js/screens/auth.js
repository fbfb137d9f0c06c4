// The server judges every rule; the password list only mirrors some.
import {session} from '../lib/api.js';
import {h, link, button, field, formError, showErrors, clearErrors} from '../lib/dom.js';
import {waitInWords} from '../lib/format.js';
import {navigate} from '../lib/router.js';
import {syncTimezoneFromBrowser, unitsField, deviceZone} from './settings.js';

const MIN_BYTES = 8, MAX_BYTES = 72;
const bytes = (text) => new TextEncoder().encode(text).length;

// Offered on the other screen (in memory only).
let rememberedEmail = '';

export function renderSignIn(main, {query} = {}) {
  const form = page(main, query, 'Sign in', 'Welcome back. Sign in to see today’s plan and briefing.',
    'New to StrideIQ? ', '/signup', 'Create an account', 'Sign in', [emailField(), passwordField('current-password')],
    () => session.signIn(rememberEmail(form), form.password.value));
}

export function renderSignUp(main, {query} = {}) {
  const password = passwordField('new-password'), rules = passwordRules();
  password.append(rules.el,
    h('p.hint', 'Very common passwords are refused too; that is checked when you create the account.'));
  const form = page(main, query, 'Create your account', 'Daily check-ins, your runs and a coach that knows both.',
    'Already have an account? ', '/signin', 'Sign in', 'Create account', [
      field({id: 'display_name', label: 'Name (optional)', hint: 'How the coach greets you.', attrs: {autocomplete: 'nickname', maxlength: '100'}}),
      emailField(), password, unitsField('Distances in', 'metric'),
    ], () => session.signUp({
      email: rememberEmail(form),
      password: form.password.value,
      units: form.elements.units.value,
      display_name: form.display_name.value.trim() || undefined,
      timezone: deviceZone() || undefined,
    }));
  form.oninput = () => rules.update(form.password.value, form.email.value);
}

function page(main, query, title, lede, question, path, linkText, submitLabel, fields, action) {
  const next = nextPath(query);
  const form = h('form.auth-form.card', {novalidate: true, on: {submit: (event) => submit(event, form, query, action)}},
    formError(), fields, h('button.auth-submit', {type: 'submit'}, submitLabel));
  main.append(h('section.auth',
    h('h1', title),
    h('p.auth-lede', lede),
    form,
    h('p.auth-switch', question, h('a', {
      href: next ? `${path}?next=${encodeURIComponent(next)}` : path,
      on: {click: () => rememberEmail(form)},
    }, linkText))));
  return form;
}

const rememberEmail = (form) => (rememberedEmail = form.email.value.trim());

async function submit(event, form, query, action) {
  event.preventDefault();
  const submitter = form.querySelector('[type="submit"]');
  if (submitter.disabled) return;
  clearErrors(form);
  submitter.disabled = true;
  form.ariaBusy = 'true';
  try {
    await action();
  } catch (err) {
    submitter.disabled = false;
    form.ariaBusy = null;
    explain(form, err);
    return;
  }
  // Shared with main.js's; waiting means the first screen shows the athlete's zone.
  try { await syncTimezoneFromBrowser(); } catch { /* quiet */ }
  navigate(nextPath(query) || '/', {replace: true});
}

function explain(form, err) {
  const say = (text) => { form.querySelector('.form-error').textContent = text; };
  if (err.status === 429) {
    say(`Too many attempts. ${retryText(err.retryAfter)}`);
  } else if (err.status === 401) {
    say('Email or password is incorrect.');
    form.password.focus();
  } else if (err.code === 'email_already_registered') {
    rememberEmail(form);
    form.querySelector('#email-error').append('This email already has an account. ', link('/signin', 'Sign in instead'), '.');
    form.email.setAttribute('aria-invalid', 'true');
    form.email.focus();
  } else if (err.status === 0) {
    say(err.detail || 'Could not reach StrideIQ. Check your connection.');
  } else if (!showErrors(form, err)) {
    say(err.detail || 'Something went wrong. Please try again.');
  }
}

function retryText(seconds) {
  if (seconds == null) return 'Try again later.';
  if (seconds <= 3600) return `Try again in ${waitInWords(seconds)}.`;
  const at = new Date(Date.now() + seconds * 1000);
  const time = at.toLocaleTimeString([], {hour: '2-digit', minute: '2-digit'});
  return at.toDateString() === new Date().toDateString() ? `Try again at ${time}.`
    : `Try again on ${at.toLocaleDateString([], {weekday: 'long'})} at ${time}.`;
}

const emailField = () => field({ id: 'email', label: 'Email', type: 'email', value: rememberedEmail,
  attrs: {autocomplete: 'email', required: true, autocapitalize: 'none', spellcheck: 'false'} });

function passwordField(autocomplete) {
  const el = field({id: 'password', label: 'Password', type: 'password', attrs: {autocomplete, required: true, spellcheck: 'false', autocapitalize: 'none'}});
  const input = el.querySelector('input');
  if (autocomplete === 'new-password') input.setAttribute('aria-describedby', 'password-error password-rules');
  const toggle = button('Show password', () => {
    const show = input.type === 'password';
    input.type = show ? 'text' : 'password';
    toggle.ariaPressed = String(show);
    toggle.textContent = show ? 'Hide password' : 'Show password';
  }, 'secondary auth-reveal', {'aria-controls': 'password', 'aria-pressed': 'false'});
  input.after(toggle);
  return el;
}

/** Met / not met in words and a mark, not by colour alone. */
function passwordRules() {
  const items = [
    [(p) => bytes(p) >= MIN_BYTES, `At least ${MIN_BYTES} characters`],
    [(p) => bytes(p) <= MAX_BYTES, `At most ${MAX_BYTES} bytes (accented letters and emoji count as 2–4)`],
    [(p, e) => p.length > 0 && !isEmail(p, e), 'Not your email address'],
  ].map(([test, text]) => {
    const mark = h('span.rule-mark', {'aria-hidden': 'true'}), state = h('span.visually-hidden');
    return {test, mark, state, li: h('li.password-rule', mark, ' ', text, state)};
  });
  const update = (password, email) => {
    for (const {test, li, mark, state} of items) {
      const ok = String(test(password, email));
      if (li.dataset.ok === ok) continue; // nothing new to announce
      li.dataset.ok = ok;
      mark.textContent = ok === 'true' ? '✓' : '✗';
      state.textContent = ok === 'true' ? ' — met' : ' — not met yet';
    }
  };
  update('', ''); // the password starts empty
  return {update, el: h('ul.password-rules', {'data-testid': 'password-rules', id: 'password-rules', 'aria-live': 'polite'}, items.map((i) => i.li))};
}

/** Mirrors PasswordPolicy. */
function isEmail(password, email) {
  const e = email.trim().toLowerCase(), p = password.toLowerCase();
  return Boolean(e) && (p === e || p === e.split('@')[0]);
}

/** `next` when it is a path on this origin, not an auth screen. */
function nextPath(query) {
  const raw = query?.get('next');
  if (!raw?.startsWith('/') || raw.startsWith('//') || raw.includes('\\')) return null;
  try {
    // The parser drops tabs and newlines: "/\t/evil.example" needs the origin check.
    const url = new URL(raw, location.origin);
    if (url.origin !== location.origin || ['/signin', '/signup'].includes(url.pathname)) return null;
    return url.pathname + url.search + url.hash;
  } catch {
    return null;
  }
}
