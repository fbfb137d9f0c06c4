// Plan and race: the active plan week by week (Monday–Sunday), its goal race and its workouts. Every change
// goes to the server and the plan is read back; home reads the same data, so it follows at once.
import { api, ApiError } from '../lib/api.js';
import { h, replace, field, formError, showErrors, toast } from '../lib/dom.js';
import * as fmt from '../lib/format.js';

const cap = (t) => t[0].toUpperCase() + t.slice(1).replace('_', ' ');
const TYPES = 'easy long recovery tempo threshold intervals hills fartlek strides marathon_pace race rest cross_training'
  .split(' ').map((t) => [t, t === 'long' ? 'Long run' : cap(t)]);
const PHASES = [['', 'None'], ...'base build peak taper recovery race'.split(' ').map((t) => [t, cap(t)])];
const RACES = [['5000', '5K'], ['10000', '10K'], ['21097.5', 'Half marathon'], ['42195', 'Marathon'], ['custom', 'Custom distance']];
const DM = { day: 'numeric', month: 'short' };
const typeName = (t) => TYPES.find(([v]) => v === t)?.[1] ?? t;
const preset = (m) => RACES.find(([v]) => Math.abs(Number(v) - m) < 1);
const r2 = (x) => Math.round(x * 100) / 100;
const hms = (s) => `${Math.floor(s / 3600)}:${fmt.duration(s % 3600).padStart(5, '0')}`;
const btn = (text, cls, click, attrs = {}) => h('button', { type: 'button', class: cls, on: { click }, ...attrs }, text);
const invalid = (errors) => new ApiError({ status: 422, code: 'invalid', errors });

export async function render(main) {
  const ctl = new AbortController();
  const signal = ctl.signal;
  const body = h('div', { class: 'plan' });
  const dialog = h('dialog', { class: 'plan-confirm', 'aria-labelledby': 'plan-confirm-title' });
  replace(main, h('h1', { tabindex: '-1' }, 'Plan and race'), body, dialog);
  // editing: null | 'race' | 'new' | a workout id. One form at a time: inputs use the API field names as ids.
  const st = { plan: null, editing: null, open: new Map(), error: null };

  async function load() {
    st.error = null;
    try {
      const active = (await api('/v1/plans', { signal })).data.plans.find((p) => p.status === 'active');
      st.plan = active ? (await api(`/v1/plans/${active.id}`, { signal })).data : null;
      if (st.openFor !== st.plan?.id) { st.open.clear(); st.openFor = st.plan?.id; }
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      st.error = e;
    }
  }

  async function reload(focus) {
    await load();
    draw(focus);
  }

  function draw(focus) {
    const p = st.plan;
    if (st.error) {
      replace(body, h('p', { class: 'form-error', role: 'alert' }, st.error.detail ?? 'Could not load your plan.'), btn('Try again', '', () => reload('h1')));
    } else if (!p) {
      replace(body, h('section', { class: 'card', 'aria-labelledby': 'plan-none' },
        h('h2', { id: 'plan-none' }, 'No active plan'),
        h('p', {}, 'A plan starts from a goal race: its name, date, distance and, if you have one, a goal time. '
          + 'Then add your workouts week by week; today’s workout shows on your home screen.'),
        st.editing === 'race' ? raceForm(null) : btn('Create a plan', 'primary', () => edit('race', '#goal_race_name'), { id: 'plan-create' })));
    } else {
      replace(body, raceCard(p), weeksSection(p));
    }
    if (focus) main.querySelector(focus)?.focus();
  }

  function edit(what, focus) {
    st.editing = what;
    draw(focus);
  }

  // Sends a form's body; on success closes the form and reloads, else shows the errors next to the fields.
  async function submit(form, path, method, out, done, focus, fix) {
    const button = form.querySelector('[type=submit]');
    button.disabled = true;
    try {
      const { data } = await api(path, { method, body: out, signal });
      st.editing = null;
      toast(done);
      await reload(focus(data));
    } catch (e) {
      if (e.name === 'AbortError') return;
      button.disabled = false;
      fix?.(e);
      showErrors(form, e);
    }
  }

  // Goal race

  function raceCard(p) {
    const goal = p.goal_time_seconds, m = p.goal_race_distance_m, known = preset(m)?.[1];
    const facts = [
      ['Date', `${fmt.date(p.goal_race_date, { weekday: 'short', ...DM, year: 'numeric' })} (${fmt.daysFromNow(p.goal_race_date)})`],
      ['Distance', `${fmt.distance(m, { decimals: 2 })}${known ? ` (${known})` : ''}`],
      ['Goal time', goal ? `${hms(goal)} · ${fmt.pace(goal / (m / 1000))}` : 'No goal time'],
    ];
    return h('section', { class: 'card plan-race', 'aria-labelledby': 'plan-race-title' },
      h('p', { class: 'plan-kicker' }, 'Goal race'),
      h('h2', { id: 'plan-race-title', tabindex: '-1' }, p.goal_race_name || p.name),
      st.editing === 'race' ? raceForm(p) : [
        h('dl', { class: 'plan-facts' }, facts.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v)))),
        h('div', { class: 'plan-actions' },
          btn('Edit goal race', 'secondary', () => edit('race', '#goal_race_name'), { id: 'race-edit' }),
          btn('Delete plan', 'danger', () => confirm('Delete this plan?', `${p.goal_race_name || p.name} and all its workouts will be deleted. This cannot be undone.`,
            `/v1/plans/${p.id}`, 'Plan deleted', 'h1'))),
      ]);
  }

  function raceForm(p) {
    const m = p?.goal_race_distance_m;
    const pick = m ? (preset(m)?.[0] ?? 'custom') : '42195';
    const dist = field({ id: 'goal_race_distance_m', label: 'Distance', type: 'select', value: pick, attrs: { options: RACES, required: true } });
    const custom = field({
      id: 'goal_race_distance_custom', label: `Custom distance (${fmt.units()})`, type: 'number',
      value: pick === 'custom' ? r2(fmt.fromMeters(m)) : '', attrs: { step: '0.01', min: '0.1', inputmode: 'decimal' },
    });
    const select = dist.querySelector('select');
    custom.hidden = pick !== 'custom';
    select.addEventListener('change', () => { custom.hidden = select.value !== 'custom'; });
    const form = h('form', { class: 'plan-form race-form', novalidate: true, on: { submit: save } },
      field({ id: 'goal_race_name', label: 'Race name', value: p?.goal_race_name ?? '', attrs: { maxlength: 200, autocomplete: 'off' } }),
      field({ id: 'goal_race_date', label: 'Race date', type: 'date', value: p?.goal_race_date ?? '', attrs: { required: true } }),
      dist, custom,
      field({
        id: 'goal_time_seconds', label: 'Goal time (optional)', hint: 'h:mm:ss, for example 3:45:00',
        value: p?.goal_time_seconds ? hms(p.goal_time_seconds) : '', attrs: { autocomplete: 'off' },
      }),
      formError(),
      h('div', { class: 'plan-actions' },
        h('button', { type: 'submit', class: 'primary' }, p ? 'Save goal race' : 'Create plan'),
        btn('Cancel', 'secondary', () => edit(null, p ? '#race-edit' : '#plan-create'))));

    function save(ev) {
      ev.preventDefault();
      const v = (id) => form.querySelector(`#${id}`).value.trim();
      const errors = v('goal_race_date') ? [] : [{ field: 'goal_race_date', message: 'Choose the race date.' }];
      const meters = select.value === 'custom' ? fmt.toMeters(Number(v('goal_race_distance_custom'))) : Number(select.value);
      if (!(meters > 0)) errors.push({ field: 'goal_race_distance_custom', message: 'Enter the race distance.' });
      const goal = v('goal_time_seconds') ? fmt.parseDuration(v('goal_time_seconds')) : null;
      if (v('goal_time_seconds') && goal === null) errors.push({ field: 'goal_time_seconds', message: 'Use h:mm:ss, for example 3:45:00.' });
      if (errors.length) return showErrors(form, invalid(errors));
      const name = v('goal_race_name');
      const out = { goal_race_name: name || null, goal_race_date: v('goal_race_date'), goal_race_distance_m: Math.round(meters * 10) / 10, goal_time_seconds: goal };
      if (!p) Object.assign(out, { name: name || `${preset(meters)?.[1] ?? fmt.distance(meters)} plan`, status: 'active', goal_race_name: name || undefined });
      else if (name && p.name === (p.goal_race_name || p.name)) out.name = name; // the plan is named after its race
      submit(form, p ? `/v1/plans/${p.id}` : '/v1/plans', p ? 'PATCH' : 'POST', out,
        p ? 'Goal race saved' : 'Plan created', () => (p ? '#race-edit' : '#plan-race-title'));
    }
    return form;
  }

  // Weeks

  function weeksSection(p) {
    const today = fmt.todayISO();
    const thisMonday = fmt.mondayOf(today);
    const workouts = p.workouts ?? [];
    const byDate = new Map(workouts.map((w) => [w.scheduled_date, w]));
    const dates = workouts.map((w) => w.scheduled_date);
    const first = [p.plan_start_date, dates[0], today < p.goal_race_date ? today : null].filter(Boolean).sort()[0] ?? p.goal_race_date;
    const last = [p.plan_end_date, dates.at(-1), p.goal_race_date].filter(Boolean).sort().pop();
    const weeks = [];
    for (let mon = fmt.mondayOf(first); mon <= last && weeks.length < 104; mon = fmt.addDays(mon, 7)) weeks.push(mon);
    const inWeek = (d, mon) => d >= mon && d <= fmt.addDays(mon, 6);
    const range = (a, b) => `${fmt.date(a, DM)} – ${fmt.date(b, DM)}`;
    // A run of past weeks without workouts folds into one line.
    const emptyPast = (mon) => mon && fmt.addDays(mon, 6) < today && !dates.some((d) => inWeek(d, mon));

    return h('section', { class: 'plan-workouts', 'aria-labelledby': 'plan-weeks-title' },
      h('div', { class: 'plan-head' },
        h('h2', { id: 'plan-weeks-title', tabindex: '-1' }, 'Week by week'),
        st.editing === 'new' ? null : btn('Add workout', 'primary', () => edit('new', '#scheduled_date'), { id: 'workout-add' })),
      st.editing === 'new' ? h('div', { class: 'card' }, h('h3', {}, 'New workout'), workoutForm(null, p)) : null,
      workouts.length ? null : h('p', { class: 'empty' }, 'No workouts yet. Add your first one to start filling the weeks.'),
      h('div', { class: 'plan-weeks', 'data-testid': 'plan-weeks' }, weeks.map((mon, i) => {
        if (emptyPast(mon)) {
          if (emptyPast(weeks[i - 1])) return null;
          let j = i;
          while (emptyPast(weeks[j + 1])) j++;
          return h('p', { class: 'plan-week-gap' },
            `${j > i ? `Weeks ${i + 1}–${j + 1}` : `Week ${i + 1}`} (${range(mon, fmt.addDays(weeks[j], 6))}, past): no workouts`);
        }
        const sunday = fmt.addDays(mon, 6);
        const days = [];
        const free = (d, text) => h('li', { class: ['plan-day', 'plan-day-free', d === today && 'is-today'] }, dateCell(d, d === today), h('p', { class: 'plan-day-body' }, text));
        for (let d = mon; d <= sunday; d = fmt.addDays(d, 1)) {
          if (byDate.has(d)) days.push(dayRow(byDate.get(d), d === today, p));
          else if (d === today) days.push(free(d, 'Nothing planned today'));
          else if (d === p.goal_race_date) days.push(free(d, 'Race day (no workout entered)'));
        }
        const mine = workouts.filter((w) => inWeek(w.scheduled_date, mon));
        const total = mine.reduce((sum, w) => sum + (w.target_distance_m ?? 0), 0);
        const past = sunday < today;
        const when = mon === thisMonday ? 'This week' : (inWeek(p.goal_race_date, mon) ? 'Race week' : null);
        const open = st.open.get(mon) ?? (!past && days.length > 0 && (mon <= fmt.addDays(thisMonday, 14) || when !== null));
        return h('details', {
          class: ['plan-week', past && 'is-past', mon === thisMonday && 'is-current'], open, 'data-week': mon,
          on: { toggle: (ev) => st.open.set(mon, ev.currentTarget.open) },
        },
        h('summary', {},
          h('span', { class: 'plan-week-name' }, `Week ${i + 1}`),
          when ? h('span', { class: 'badge' }, when) : null,
          h('span', { class: 'plan-week-range' }, range(mon, sunday)),
          h('span', { class: 'plan-week-sum' }, mine.length ? `${mine.length} workout${mine.length === 1 ? '' : 's'}${total ? ` · ${fmt.distance(total)}` : ''}` : 'No workouts'),
          past ? h('span', { class: 'visually-hidden' }, ' (past)') : null),
        days.length ? h('ol', { class: 'plan-days' }, days) : h('p', { class: 'empty' }, 'No workouts this week.'));
      })));
  }

  function dateCell(iso, isToday) {
    return h('p', { class: 'plan-day-date' },
      h('time', { datetime: iso }, h('span', { class: 'plan-wd' }, fmt.weekday(iso)), ' ', fmt.date(iso, DM)),
      isToday ? h('span', { class: 'badge badge-today' }, 'Today') : null);
  }

  function dayRow(w, isToday, p) {
    if (st.editing === w.id) {
      return h('li', { class: ['plan-day', 'is-editing', isToday && 'is-today'], 'data-workout': w.id },
        h('h3', { class: 'visually-hidden' }, `Edit ${w.title}`), workoutForm(w, p));
    }
    const lo = w.target_pace_min_s_per_km, hi = w.target_pace_max_s_per_km;
    const pace = lo && hi && lo !== hi ? `${fmt.pace(lo).split(' ')[0]}–${fmt.pace(hi)}` : (lo || hi) && fmt.pace(lo || hi);
    const facts = [
      w.target_distance_m && fmt.distance(w.target_distance_m),
      w.target_duration_s && fmt.duration(w.target_duration_s),
      pace && `pace ${pace}`,
      w.phase && `${cap(w.phase)} phase`,
    ].filter(Boolean);
    const label = `${typeName(w.workout_type)} on ${fmt.date(w.scheduled_date)}`;
    const hidden = h('span', { class: 'visually-hidden' }, ` ${label}`);
    return h('li', { class: ['plan-day', isToday && 'is-today', `type-${w.workout_type}`], 'data-workout': w.id, 'data-date': w.scheduled_date },
      dateCell(w.scheduled_date, isToday),
      h('div', { class: 'plan-day-body' },
        h('p', { class: 'plan-day-title' }, h('span', { class: 'plan-type' }, typeName(w.workout_type)), ' ', w.title),
        facts.length ? h('p', { class: 'plan-day-facts' }, facts.map((f, i) => [i ? ' · ' : '', h('span', {}, f)])) : null,
        w.description ? h('p', { class: 'plan-day-notes' }, w.description) : null,
        w.coach_notes ? h('p', { class: 'plan-day-notes' }, h('strong', {}, 'Notes: '), w.coach_notes) : null),
      h('div', { class: 'plan-actions plan-day-actions' },
        h('button', { type: 'button', class: 'secondary small', 'data-edit': w.id, on: { click: () => edit(w.id, '#title') } }, 'Edit', hidden),
        h('button', {
          type: 'button', class: 'secondary small plan-del',
          on: { click: () => confirm('Delete this workout?', `${label}: ${w.title}. This cannot be undone.`, `/v1/plans/${p.id}/workouts/${w.id}`, 'Workout deleted', '#plan-weeks-title') },
        }, 'Delete', hidden.cloneNode(true))));
  }

  // Workout form

  function workoutForm(w, p) {
    const per = fmt.toMeters(1) / 1000; // paces are typed per km or per mile
    const unit = fmt.units();
    const paceIn = (s) => (s ? fmt.duration(Math.round(s * per)) : '');
    const taken = new Set((p.workouts ?? []).map((x) => x.scheduled_date));
    let day = fmt.todayISO();
    while (taken.has(day)) day = fmt.addDays(day, 1);
    const text = (id, label, value, more = {}) => field({ id, label, value: value ?? '', attrs: { autocomplete: 'off', ...more } });
    const form = h('form', { class: 'plan-form', novalidate: true, on: { submit: save } },
      h('div', { class: 'plan-grid' },
        field({ id: 'scheduled_date', label: 'Date', type: 'date', value: w?.scheduled_date ?? day, attrs: { required: true } }),
        field({ id: 'workout_type', label: 'Type', type: 'select', value: w?.workout_type ?? 'easy', attrs: { options: TYPES, required: true } })),
      text('title', 'Title', w?.title, { required: true, maxlength: 200 }),
      h('div', { class: 'plan-grid' },
        field({
          id: 'target_distance_m', label: `Distance (${unit})`, type: 'number',
          value: w?.target_distance_m ? r2(fmt.fromMeters(w.target_distance_m)) : '', attrs: { step: '0.01', min: '0', inputmode: 'decimal' },
        }),
        field({ id: 'target_duration_s', label: 'Duration', hint: 'h:mm:ss or minutes', value: w?.target_duration_s ? fmt.duration(w.target_duration_s) : '', attrs: { autocomplete: 'off' } })),
      h('fieldset', { class: 'plan-pace' },
        h('legend', {}, `Pace (min:sec per ${unit})`),
        h('div', { class: 'plan-grid' },
          text('target_pace_min_s_per_km', 'From (faster)', paceIn(w?.target_pace_min_s_per_km), { placeholder: '5:00' }),
          text('target_pace_max_s_per_km', 'To (slower)', paceIn(w?.target_pace_max_s_per_km), { placeholder: '5:30' }))),
      field({ id: 'phase', label: 'Training phase', type: 'select', value: w?.phase ?? '', attrs: { options: PHASES } }),
      field({ id: 'description', label: 'Details', type: 'textarea', value: w?.description ?? '', attrs: { rows: 2, maxlength: 2000 } }),
      field({ id: 'coach_notes', label: 'Notes', type: 'textarea', value: w?.coach_notes ?? '', attrs: { rows: 2, maxlength: 2000 } }),
      formError(),
      h('div', { class: 'plan-actions' },
        h('button', { type: 'submit', class: 'primary' }, w ? 'Save workout' : 'Add workout'),
        btn('Cancel', 'secondary', () => edit(null, w ? `[data-edit="${w.id}"]` : '#workout-add'))));

    function save(ev) {
      ev.preventDefault();
      const v = (id) => form.querySelector(`#${id}`).value.trim();
      const errors = v('scheduled_date') ? [] : [{ field: 'scheduled_date', message: 'Choose a date.' }];
      const num = (id, parse, message) => {
        if (!v(id)) return null;
        const value = parse(v(id));
        if (value === null || !Number.isFinite(value)) errors.push({ field: id, message });
        return value;
      };
      const pace = (t) => { const s = fmt.parseDuration(t.includes(':') ? t : `${t}:00`); return s === null ? null : Math.round(s / per); };
      const out = {
        scheduled_date: v('scheduled_date'), workout_type: v('workout_type'), title: v('title'),
        target_distance_m: num('target_distance_m', (t) => (Number(t) >= 0 ? Math.round(fmt.toMeters(Number(t))) : null), `Enter a distance in ${unit}.`),
        target_duration_s: num('target_duration_s', fmt.parseDuration, 'Use h:mm:ss, mm:ss or minutes.'),
        target_pace_min_s_per_km: num('target_pace_min_s_per_km', pace, 'Use min:sec, for example 5:10.'),
        target_pace_max_s_per_km: num('target_pace_max_s_per_km', pace, 'Use min:sec, for example 5:40.'),
        phase: v('phase') || null, description: v('description') || null, coach_notes: v('coach_notes') || null,
      };
      if (errors.length) return showErrors(form, invalid(errors));
      if (!w) for (const k of Object.keys(out)) if (out[k] === null) delete out[k];
      submit(form, `/v1/plans/${p.id}/workouts${w ? `/${w.id}` : ''}`, w ? 'PATCH' : 'POST', out, w ? 'Workout saved' : 'Workout added',
        (data) => { st.open.set(fmt.mondayOf(data.scheduled_date), true); return `[data-edit="${data.id}"]`; },
        (e) => { if (e.code === 'workout_date_taken') e.errors = [{ field: 'scheduled_date', message: e.detail }]; });
    }
    return form;
  }

  // Deleting (a modal dialog; "Keep it" has the focus)

  function confirm(title, text, path, done, focus) {
    const error = h('p', { class: 'form-error', role: 'alert' });
    const yes = btn('Delete', 'danger', async () => {
      yes.disabled = true;
      try {
        await api(path, { method: 'DELETE', signal });
        dialog.close();
        st.editing = null;
        toast(done);
        await reload(focus);
      } catch (e) {
        yes.disabled = false;
        if (e.name !== 'AbortError') error.textContent = e.detail ?? String(e);
      }
    });
    replace(dialog, h('h2', { id: 'plan-confirm-title' }, title), h('p', {}, text), error,
      h('div', { class: 'plan-actions' }, yes, btn('Keep it', 'secondary', () => dialog.close(), { autofocus: true })));
    dialog.showModal();
  }

  await load();
  draw();
  return () => { ctl.abort(); if (dialog.open) dialog.close(); };
}
