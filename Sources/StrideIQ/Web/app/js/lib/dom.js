// Building the page from data without ever parsing HTML: every string becomes a text node, so nothing a
// server, a model or an athlete wrote can turn into markup (and the CSP forbids inline script anyway).

const SVG = 'http://www.w3.org/2000/svg';

const make = (create) => (tag, attrs, ...children) => {
  const [name, ...classes] = tag.split('.'), [type, id] = name.split('#');
  if (attrs?.constructor !== Object) { children.unshift(attrs); attrs = {}; }
  const el = create(type), svg = el.namespaceURI === SVG;
  if (id) attrs = {id, ...attrs};
  if (classes.length) attrs = {...attrs, class: [...classes, attrs.class].flat()};
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'style') throw new Error('style attributes are forbidden by the CSP: use a class');
    if (key === 'on') for (const [event, fn] of Object.entries(value)) el.addEventListener(event, fn);
    else if (key === 'class') el.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value);
    else if (!svg && key === 'value' && 'value' in el) el.value = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
};

export const h = make((tag) => document.createElement(tag));

export const empty = (text) => h('p.empty', text);
export const link = (href, text, cls) => h('a', {href, class: cls}, text);
export const button = (text, click, cls, attrs) => h('button', {type: 'button', class: cls, on: {click}, ...attrs}, text);
export const problem = (e, retry) => h('div.notice.notice-error', {role: 'alert'}, h('p', '⚠ Could not load: ', e.message), button('Try again', retry));

export const s = make((tag) => document.createElementNS(SVG, tag));

const append = (el, children) => el.append(...children.flat(Infinity).filter((c) => c != null && c !== false));

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const table = (caption, heads, rows, {foot, ...attrs} = {}) => {
  const tr = (r, cell = 'td.num') => h('tr', r.map((v, i) => h(i ? cell : 'th', {scope: i ? null : 'row'}, v || '—')));
  return h('table', attrs, caption && h('caption', caption),
    h('thead', h('tr', heads.map((t, i) => h(i ? 'th.num' : 'th', {scope: 'col'}, t)))),
    h('tbody', rows.map((r) => tr(r))), foot && h('tfoot', tr(foot)));
};

export function card(testid, id, title, attrs) {
  const heading = h('h2', {id, tabindex: '-1'}, title);
  const el = h('section.card', {'data-testid': testid, 'aria-labelledby': id, ...attrs});
  el.paint = (...children) => replace(el, heading, children);
  return el;
}

// A list, not a <dl>: older axe rejects <div> groups inside <dl>.
export const facts = (pairs) => h('ul.facts', pairs.map(([k, v]) => v && h('li', h('span.fact-k', k), ' ', h('span.fact-v', v))));

export function field({id, label, type = 'text', value, hint, attrs = {}}) {
  const {options = [], ...rest} = attrs;
  const common = {id, name: id, 'aria-describedby': `${hint ? `${id}-hint ` : ''}${id}-error`, ...rest};
  const control = type === 'select'
    ? h('select', common, options.map(([v, text]) => h('option', {value: v, selected: String(v) === String(value ?? '')}, text)))
    : h(type === 'textarea' ? type : 'input', {type: type === 'textarea' ? null : type, ...common});
  if (value != null && type !== 'select') control.value = value;
  return h('div.field',
    h('label', {for: id}, label),
    hint && h('p.hint', {id: `${id}-hint`}, hint),
    control,
    h('p.field-error', {id: `${id}-error`}));
}

export const formError = () => h('div.form-error', {role: 'alert', 'data-testid': 'form-error'});

export function clearErrors(form) {
  for (const el of form.querySelectorAll('.field-error, .form-error')) el.textContent = '';
  for (const el of form.querySelectorAll('[aria-invalid="true"]')) el.removeAttribute('aria-invalid');
}

export function showErrors(form, error) {
  clearErrors(form);
  const leftovers = [];
  for (const {field: name, message} of error?.errors ?? []) {
    const input = name && (form.querySelector(`#${CSS.escape(name)}`) ?? form.querySelector(`[name="${CSS.escape(name)}"]`));
    const slot = input && form.querySelector(`#${CSS.escape(input.id || name)}-error`);
    if (slot) {
      slot.textContent = `${slot.textContent} ${message}`.trim();
      input.setAttribute('aria-invalid', 'true');
    } else leftovers.push(name ? `${name}: ${message}` : message);
  }
  const invalid = form.querySelector('[aria-invalid="true"]'), general = form.querySelector('.form-error');
  if (general && (leftovers.length || !invalid)) general.textContent = leftovers.join(' ') || (error?.detail ?? String(error));
  invalid?.focus();
  return Boolean(invalid || general);
}

export function confirm(title, text, action, after) {
  const error = h('p.form-error', {role: 'alert'});
  const yes = button('Delete', async () => {
    yes.disabled = true;
    try {
      await action();
    } catch (e) {
      yes.disabled = false;
      return e.name === 'AbortError' || (error.textContent = e.message);
    }
    dialog.close();
    after();
  }, 'danger');
  const dialog = h('dialog', {'aria-labelledby': 'confirm-title', on: {close: () => dialog.remove()}},
    h('h2#confirm-title', title), h('p', text), error,
    h('div.row.dialog-actions', yes, button('Keep it', () => dialog.close(), 'secondary', {autofocus: true})));
  document.getElementById('main').append(dialog);
  dialog.showModal();
}

// A fresh text node a tick later is announced even when the text repeats.
export function announce(text) {
  const region = document.getElementById('announcer');
  region.textContent = '';
  setTimeout(() => { region.textContent = text; }, 30);
}

let toastTimer = null;
export function toast(text) {
  const el = document.getElementById('toast');
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; el.textContent = ''; }, 4000);
}
