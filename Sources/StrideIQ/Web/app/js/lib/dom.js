// Building the page from data without ever parsing HTML: every string becomes a text node, so nothing a
// server, a model or an athlete wrote can turn into markup (and the CSP forbids inline script anyway).

const BOOLEAN_PROPS = new Set(['checked', 'disabled', 'selected', 'required', 'hidden', 'open', 'multiple', 'readOnly']);
const SVG = 'http://www.w3.org/2000/svg';

// h('p.hint.muted', 'text'): classes after the tag name; the attributes object may be left out.
const make = (create) => (tag, attrs, ...children) => {
  const [name, ...classes] = tag.split('.');
  if (attrs?.constructor !== Object) { children.unshift(attrs); attrs = {}; }
  const el = create(name), svg = el.namespaceURI === SVG;
  if (classes.length) attrs = { ...attrs, class: [...classes, attrs.class].flat() };
  for (const [key, value] of Object.entries(attrs)) {
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
};

/** h('button.secondary', {type: 'button', on: {click}}, 'Save') */
export const h = make((tag) => document.createElement(tag));

/** Same as h() for SVG elements. */
export const s = make((tag) => document.createElementNS(SVG, tag));

// append() of a string makes a text node.
const append = (el, children) => el.append(...children.flat(Infinity).filter((c) => c != null && c !== false));

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A labelled input with a hint and an error slot: {id, label, type, value, hint, attrs}. */
export function field({ id, label, type = 'text', value, hint, attrs = {} }) {
  const { options = [], ...rest } = attrs;
  const common = { id, name: id, 'aria-describedby': `${hint ? `${id}-hint ` : ''}${id}-error`, ...rest };
  const control = type === 'select'
    ? h('select', common, options.map(([v, text]) => h('option', { value: v, selected: String(v) === String(value ?? '') }, text)))
    : h(type === 'textarea' ? type : 'input', { type: type === 'textarea' ? null : type, ...common });
  if (value != null && type !== 'select') control.value = value;
  return h('div.field',
    h('label', { for: id }, label),
    hint && h('p.hint', { id: `${id}-hint` }, hint),
    control,
    h('p.field-error', { id: `${id}-error` }));
}

/** The form-level error slot (put one in every form). */
export const formError = () => h('div.form-error', { role: 'alert', 'data-testid': 'form-error' });

export function clearErrors(form) {
  for (const el of form.querySelectorAll('.field-error, .form-error')) el.textContent = '';
  for (const el of form.querySelectorAll('[aria-invalid="true"]')) el.removeAttribute('aria-invalid');
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

/** A modal "Delete …?" question: Delete runs `action` (its error shows here), then closes and runs `after`. */
export function confirm(title, text, action, after) {
  const error = h('p.form-error', { role: 'alert' });
  const button = (label, cls, click, autofocus) => h('button', { type: 'button', class: cls, autofocus, on: { click } }, label);
  const yes = button('Delete', 'danger', async () => {
    yes.disabled = true;
    try {
      await action();
    } catch (e) {
      yes.disabled = false;
      return e.name === 'AbortError' || (error.textContent = e.message);
    }
    dialog.close();
    after();
  });
  const dialog = h('dialog', { 'aria-labelledby': 'confirm-title', on: { close: () => dialog.remove() } },
    h('h2', { id: 'confirm-title' }, title), h('p', text), error,
    h('div.row.dialog-actions', yes, button('Keep it', 'secondary', () => dialog.close(), true)));
  document.getElementById('main').append(dialog);
  dialog.showModal();
}

/** A polite announcement for screen readers (the live region in index.html): a fresh text node a tick later
 *  is announced even when the text repeats. */
export function announce(text) {
  const region = document.getElementById('announcer');
  region.textContent = '';
  setTimeout(() => { region.textContent = text; }, 30);
}

let toastTimer = null;
/** A short visible message (a live region too). */
export function toast(text) {
  const el = document.getElementById('toast');
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; el.textContent = ''; }, 4000);
}
