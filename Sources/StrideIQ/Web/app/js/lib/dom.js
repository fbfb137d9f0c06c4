// Building the page from data without ever parsing HTML: every string becomes a text node, so nothing a
// server, a model or an athlete wrote can turn into markup (and the CSP forbids inline script anyway).

const BOOLEAN_PROPS = new Set(['checked', 'disabled', 'selected', 'required', 'hidden', 'open', 'multiple', 'readOnly']);
const SVG = 'http://www.w3.org/2000/svg';

function build(el, attrs, children) {
  const svg = el.namespaceURI === SVG;
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'style') throw new Error('style attributes are forbidden by the CSP: use a class');
    if (key === 'on') for (const [event, fn] of Object.entries(value)) el.addEventListener(event, fn);
    else if (key === 'class') el.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value);
    else if (!svg && key === 'value' && 'value' in el) el.value = value;
    else if (!svg && BOOLEAN_PROPS.has(key)) el[key] = Boolean(value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/** h('button', {class: 'primary', on: {click}}, 'Save') */
export const h = (tag, attrs = {}, ...children) => build(document.createElement(tag), attrs, children);

/** Same as h() for SVG elements. */
export const s = (tag, attrs = {}, ...children) => build(document.createElementNS(SVG, tag), attrs, children);

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

export function replace(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

/** A labelled input with a hint and an error slot: {id, label, type, value, hint, attrs}. */
export function field({ id, label, type = 'text', value, hint, attrs = {} }) {
  const { options = [], ...rest } = attrs;
  const describedBy = [hint ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(' ');
  const common = { id, name: id, 'aria-describedby': describedBy, ...rest };
  let control;
  if (type === 'textarea') control = h('textarea', common);
  else if (type === 'select') {
    control = h('select', common, ...options.map(([v, text]) => h('option', { value: v, selected: String(v) === String(value ?? '') }, text)));
  } else control = h('input', { type, ...common });
  if (value !== undefined && value !== null && type !== 'select') control.value = value;
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
    control,
    h('p', { class: 'field-error', id: `${id}-error` }));
}

/** The form-level error slot (put one in every form). */
export function formError() {
  return h('div', { class: 'form-error', role: 'alert', 'data-testid': 'form-error' });
}

export function clearErrors(form) {
  for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
  for (const el of form.querySelectorAll('[aria-invalid="true"]')) el.removeAttribute('aria-invalid');
  const general = form.querySelector('.form-error');
  if (general) general.textContent = '';
}

/** Shows an ApiError: field messages next to their inputs, the rest in the form's .form-error. */
export function showErrors(form, error) {
  clearErrors(form);
  let shown = false;
  const leftovers = [];
  for (const { field: name, message } of error?.errors ?? []) {
    const input = name ? form.querySelector(`#${CSS.escape(name)}`) ?? form.querySelector(`[name="${CSS.escape(name)}"]`) : null;
    const slot = input ? form.querySelector(`#${CSS.escape(input.id || name)}-error`) : null;
    if (input && slot) {
      slot.textContent = slot.textContent ? `${slot.textContent} ${message}` : message;
      input.setAttribute('aria-invalid', 'true');
      shown = true;
    } else {
      leftovers.push(name ? `${name}: ${message}` : message);
    }
  }
  const general = form.querySelector('.form-error');
  if (general && (leftovers.length || !shown)) {
    general.textContent = leftovers.length ? leftovers.join(' ') : (error?.detail ?? String(error));
    shown = true;
  }
  const firstInvalid = form.querySelector('[aria-invalid="true"]');
  if (firstInvalid) firstInvalid.focus();
  return shown;
}

/** A polite announcement for screen readers (the global live region in index.html). */
export function announce(text) {
  const region = document.getElementById('announcer');
  if (!region) return;
  region.textContent = '';
  // A fresh text node a tick later is announced even when the text repeats.
  setTimeout(() => { region.textContent = text; }, 30);
}

let toastTimer = null;
/** A short visible message (also announced). */
export function toast(text) {
  const el = document.getElementById('toast');
  if (!el) return;
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; el.textContent = ''; }, 4000);
}
