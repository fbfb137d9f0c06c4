import {api} from '../lib/api.js';
import {h, field, formError, showErrors, clearErrors, toast} from '../lib/dom.js';
import {date, todayISO} from '../lib/format.js';
import {navigate} from '../lib/router.js';

/** The server's labels where it has them. */
const SCALES = {
  readiness_1_5: {legend: 'How ready do you feel to train?', words: ['Poor', 'Low', 'Neutral', 'Good', 'High']},
  sleep_quality_1_5: {legend: 'How well did you sleep?', words: ['Awful', 'Poor', 'OK', 'Good', 'Great']},
  soreness_1_5: {legend: 'How sore are your muscles?', words: ['None', 'Mild', 'Moderate', 'Sore', 'Very sore']},
  stress_1_5: {legend: 'How stressed are you?', words: ['Calm', 'Low', 'Moderate', 'High', 'Very high']},
};

/** Radios named <field>; the first has id=<field> so errors find it. */
export function scale(name, value, legend = SCALES[name].legend) {
  const {words} = SCALES[name];
  // Phones show only the end words: this line repeats the chosen one.
  const choice = h('p.scale-choice', {'aria-hidden': 'true'});
  const show = (v) => { choice.textContent = v ? `${v} · ${words[v - 1]}` : ''; };
  show(Number(value) || 0);
  return h('fieldset.scale', {'aria-describedby': `${name}-error`, on: {change: (e) => show(Number(e.target.value))}},
    h('legend', legend),
    h('div.scale-options',
      words.map((word, i) => {
        const id = i ? `${name}-${i + 1}` : name;
        return h('label.scale-option', {for: id},
          h('input', {type: 'radio', name, id, value: String(i + 1), checked: Number(value) === i + 1}),
          h('span.scale-num', i + 1),
          h('span.scale-word', word));
      })),
    choice,
    h('p.field-error', {id: `${name}-error`}));
}

export function sleepField(value) {
  return field({id: 'sleep_h', label: 'Hours of sleep', type: 'number', value, attrs: {inputmode: 'decimal', step: '0.1', min: '0', max: '24'}});
}

function readFields(form, names) {
  const out = {};
  for (const name of names) {
    const raw = form.elements.namedItem(name).value.trim();
    const n = Number(raw.replace(',', '.')); // unparsable: sent as typed, the server says why
    out[name] = raw === '' ? null : name === 'notes' || Number.isNaN(n) ? raw : n;
  }
  return out;
}

/** null for a field emptied, as only sent fields change. */
function checkinBody(day, values, previous = null) {
  const body = {date: day};
  for (const [k, v] of Object.entries(values)) if (v !== null || previous?.[k] != null) body[k] = v;
  return body;
}

/** Also home's quick form. */
export function onCheckinSubmit(form, names, {day, existing = null, signal, done}) {
  const submit = form.querySelector('[type=submit]');
  form.onsubmit = async (event) => {
    event.preventDefault();
    clearErrors(form);
    const values = readFields(form, names);
    if (!existing && Object.values(values).every((v) => v === null)) {
      return showErrors(form, {errors: [], detail: 'Answer at least one question before saving.'});
    }
    const busy = (on) => { submit.disabled = on; submit.ariaBusy = on ? 'true' : null; };
    busy(true);
    try {
      const {status} = await api('/v1/daily-checkin', {method: 'POST', body: checkinBody(day ?? todayISO(), values, existing), signal});
      await done(status);
    } catch (e) {
      if (e.name !== 'AbortError' && form.isConnected) showErrors(form, e);
    } finally {
      busy(false);
    }
  };
  return form;
}

export async function render(main, {signal}) {
  const {data: existing} = await api('/v1/daily-checkin/today', {signal})
    .catch((e) => { if (e.status === 404) return {data: null}; throw e; });
  const day = existing?.date ?? todayISO();
  const form = h('form.checkin-form.card', {novalidate: true, 'aria-labelledby': 'checkin-title'},
    formError(),
    scale('readiness_1_5', existing?.readiness_1_5),
    h('div.checkin-sleep', sleepField(existing?.sleep_h), scale('sleep_quality_1_5', existing?.sleep_quality_1_5)),
    scale('soreness_1_5', existing?.soreness_1_5),
    scale('stress_1_5', existing?.stress_1_5),
    field({
      id: 'notes', label: 'Notes', type: 'textarea', value: existing?.notes,
      hint: 'Anything your coach should know: niggles, travel, how the legs feel.', attrs: {maxlength: '2000', rows: '3'},
    }),
    h('div.row', h('button', {type: 'submit'}, existing ? 'Save changes' : 'Save check-in'), h('a.button.secondary', {href: '/'}, 'Cancel')));
  onCheckinSubmit(form, ['sleep_h', 'sleep_quality_1_5', 'readiness_1_5', 'soreness_1_5', 'stress_1_5', 'notes'], {
    day, existing, signal,
    done: (status) => {
      toast(`Check-in ${status === 201 ? 'saved' : 'updated'}. Your coach is updating the briefing.`);
      navigate('/');
    },
  });
  main.append(
    h('h1#checkin-title', {tabindex: '-1'}, 'Daily check-in'),
    h('p.muted', existing
      ? `You checked in today (${date(day)}). Change anything and save.`
      : `How are you today (${date(day)})? A few taps help your coach shape the day.`),
    form);
}
