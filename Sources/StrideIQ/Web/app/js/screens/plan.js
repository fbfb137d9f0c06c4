// Every change is read back from the server.
import {api} from '../lib/api.js';
import {h, replace, field, formError, showErrors, toast, confirm, button, facts, problem, card, link, empty} from '../lib/dom.js';
import * as fmt from '../lib/format.js';

const TYPES = 'easy long recovery tempo threshold intervals hills fartlek strides marathon_pace race rest cross_training'
  .split(' ').map((t) => [t, fmt.workoutName(t)]);
const PHASES = [['', 'None'], ...'base build peak taper recovery race'.split(' ').map((t) => [t, fmt.cap(t)])];
const RACES = [['5000', '5K'], ['10000', '10K'], ['21097.5', 'Half marathon'], ['42195', 'Marathon'], ['custom', 'Custom distance']];
const DECIMAL = {step: '0.01', inputmode: 'decimal'};
const OFF = {autocomplete: 'off'}, NOTES = {rows: 2, maxlength: 2000};
const preset = (m) => RACES.find(([v]) => Math.abs(Number(v) - m) < 1);
const r2 = (x) => Math.round(x * 100) / 100;
const hms = (s) => `${Math.floor(s / 3600)}:${fmt.duration(s % 3600).padStart(5, '0')}`;
const input = (id, label, value, attrs, type, hint) => field({id, label, value, attrs, type, hint});

export async function render(main, {signal}) {
  const body = h('div.plan');
  const links = h('p.row', link('/plan/build', 'Build my plan'), link('/plan/changes', 'Plan changes'));
  replace(main, h('h1', 'Plan and race'), links, body);
  // editing: null | 'race' | 'new' | a workout id (one form at a time).
  const st = {plan: null, editing: null, open: new Map(), error: null};
  let today;
  async function reload(focus) {
    st.error = null;
    try {
      const active = (await api('/v1/plans', {signal})).data.plans.find((p) => p.status === 'active');
      st.plan = active ? (await api(`/v1/plans/${active.id}`, {signal})).data : null;
      if (st.openFor !== st.plan?.id) { st.open.clear(); st.openFor = st.plan?.id; }
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      st.error = e;
    }
    draw(focus);
  }
  function draw(focus) {
    today = fmt.todayISO();
    const p = st.plan;
    replace(body, st.error
      ? problem(st.error, () => reload('h1'))
      : p ? [raceCard(p), weeksSection(p)]
        : card(null, 'plan-none', 'No active plan', {class: 'plan-race'}).paint(
          h('p', 'A plan starts from a goal race: its name, date, distance and, if you have one, a goal time. '
            + 'Then add your workouts week by week; today’s workout shows on your home screen.'),
          st.editing === 'race' ? raceForm(null) : button('Create a plan', () => edit('race', '#goal_race_name'), null, {id: 'plan-create'})));
    if (focus) main.querySelector(focus)?.focus();
  }
  function edit(what, focus) {
    st.editing = what;
    draw(focus);
  }
  async function changed(text, focus) {
    st.editing = null;
    toast(text);
    await reload(focus);
  }
  // save(bad, value) → [path, method, body, toast, focus(data)]; bad(field, message) for what cannot be sent.
  function form(label, back, fields, save) {
    const ok = h('button', {type: 'submit'}, label);
    const f = h('form.plan-form', {novalidate: true, on: {submit}}, fields, formError(), h('div.row', ok, button('Cancel', () => edit(null, back), 'secondary')));
    async function submit(ev) {
      ev.preventDefault();
      const errors = [];
      const [path, method, out, done, focus] = save((name, message) => errors.push({field: name, message}), (id) => f.elements[id].value.trim());
      if (errors.length) return showErrors(f, {errors});
      ok.disabled = true;
      try {
        const {data} = await api(path, {method, body: out, signal});
        await changed(done, focus(data));
      } catch (e) {
        if (e.name === 'AbortError') return;
        ok.disabled = false;
        // One workout a day: the 409 belongs next to the date.
        if (e.code === 'workout_date_taken') e.errors = [{field: 'scheduled_date', message: e.detail}];
        showErrors(f, e);
      }
    }
    return f;
  }
  function raceCard(p) {
    const goal = p.goal_time_seconds, m = p.goal_race_distance_m, known = preset(m)?.[1], name = p.goal_race_name || p.name;
    return h('section.card.plan-race', {'aria-labelledby': 'plan-race-title'},
      h('p.plan-kicker', 'Goal race'),
      h('h2#plan-race-title', {tabindex: '-1'}, name),
      st.editing === 'race' ? raceForm(p) : [
        facts([
          ['Date', `${fmt.date(p.goal_race_date, {weekday: 'short', day: 'numeric', month: 'short', year: 'numeric'})} (${fmt.daysFromNow(p.goal_race_date)})`],
          ['Distance', `${fmt.distance(m, {decimals: 2})}${known ? ` (${known})` : ''}`],
          ['Goal time', goal ? `${hms(goal)} · ${fmt.pace(goal / (m / 1000))}` : 'No goal time'],
        ]),
        h('div.row',
          button('Edit goal race', () => edit('race', '#goal_race_name'), 'secondary', {id: 'race-edit'}),
          button('Delete plan', () => remove('Delete this plan?', `${name} and all its workouts will be deleted. This cannot be undone.`,
            `/v1/plans/${p.id}`, 'Plan deleted', 'h1'), 'danger')),
      ]);
  }
  function raceForm(p) {
    const m = p?.goal_race_distance_m, pick = m ? (preset(m)?.[0] ?? 'custom') : '42195';
    const custom = input('goal_race_distance_custom', `Custom distance (${fmt.units()})`, pick === 'custom' ? r2(fmt.fromMeters(m)) : '',
      {...DECIMAL, min: '0.1'}, 'number');
    custom.hidden = pick !== 'custom';
    const change = (ev) => { custom.hidden = ev.target.value !== 'custom'; };
    return form(p ? 'Save goal race' : 'Create plan', p ? '#race-edit' : '#plan-create', [
      input('goal_race_name', 'Race name', p?.goal_race_name, {...OFF, maxlength: 200}),
      input('goal_race_date', 'Race date', p?.goal_race_date, {required: true}, 'date'),
      input('goal_race_distance_m', 'Distance', pick, {options: RACES, required: true, on: {change}}, 'select'),
      custom,
      input('goal_time_seconds', 'Goal time (optional)', p?.goal_time_seconds && hms(p.goal_time_seconds), OFF, 'text', 'h:mm:ss, for example 3:45:00'),
    ], (bad, v) => {
      if (!v('goal_race_date')) bad('goal_race_date', 'Choose the race date.');
      const pick = v('goal_race_distance_m'), time = v('goal_time_seconds');
      const meters = pick === 'custom' ? fmt.toMeters(Number(v('goal_race_distance_custom'))) : Number(pick);
      if (!(meters > 0)) bad('goal_race_distance_custom', 'Enter the race distance.');
      const goal = time ? fmt.parseDuration(time) : null;
      if (time && goal === null) bad('goal_time_seconds', 'Use h:mm:ss, for example 3:45:00.');
      const name = v('goal_race_name');
      const out = {goal_race_name: name || null, goal_race_date: v('goal_race_date'), goal_race_distance_m: Math.round(meters * 10) / 10, goal_time_seconds: goal};
      if (!p) Object.assign(out, {name: name || `${preset(meters)?.[1] ?? fmt.distance(meters)} plan`, status: 'active', goal_race_name: name || undefined});
      else if (name && p.name === (p.goal_race_name || p.name)) out.name = name; // the plan is named after its race
      return [p ? `/v1/plans/${p.id}` : '/v1/plans', p ? 'PATCH' : 'POST', out, p ? 'Goal race saved' : 'Plan created', () => (p ? '#race-edit' : '#plan-race-title')];
    });
  }
  function weeksSection(p) {
    const {workouts} = p, add = fmt.addDays, thisMonday = fmt.mondayOf(today);
    const byDate = new Map(workouts.map((w) => [w.scheduled_date, w]));
    const dates = [...byDate.keys()];
    const first = [p.plan_start_date, dates[0], today < p.goal_race_date && today].filter(Boolean).sort()[0] ?? p.goal_race_date;
    const last = [p.plan_end_date, dates.at(-1), p.goal_race_date].filter(Boolean).sort().pop(), weeks = [];
    for (let mon = fmt.mondayOf(first); mon <= last && weeks.length < 104; mon = add(mon, 7)) weeks.push(mon);
    const inWeek = (d, mon) => d >= mon && d <= add(mon, 6);
    const range = (a, b) => `${fmt.shortDate(a)} – ${fmt.shortDate(b)}`;
    // Past weeks without workouts fold into one line.
    const emptyPast = (mon) => mon && add(mon, 6) < today && !dates.some((d) => inWeek(d, mon));
    const adding = st.editing === 'new';
    return h('section', {'aria-labelledby': 'plan-weeks-title'},
      h('div.row.spread.plan-head',
        h('h2#plan-weeks-title', {tabindex: '-1'}, 'Week by week'),
        !adding && button('Add workout', () => edit('new', '#scheduled_date'), null, {id: 'workout-add'})),
      adding && h('div.card', h('h3', 'New workout'), workoutForm(null, p)),
      !workouts.length && empty('No workouts yet. Add your first one to start filling the weeks.'),
      h('div.plan-weeks', {'data-testid': 'plan-weeks'}, weeks.map((mon, i) => {
        if (emptyPast(mon)) {
          if (emptyPast(weeks[i - 1])) return null;
          let j = i;
          while (emptyPast(weeks[j + 1])) j++;
          return h('p.plan-week-gap',
            `${j > i ? `Weeks ${i + 1}–${j + 1}` : `Week ${i + 1}`} (${range(mon, add(weeks[j], 6))}, past): no workouts`);
        }
        const sunday = add(mon, 6), past = sunday < today, days = [];
        for (let d = mon; d <= sunday; d = add(d, 1)) {
          const free = d === today ? 'Nothing planned today' : d === p.goal_race_date && 'Race day (no workout entered)';
          if (byDate.has(d)) days.push(dayRow(byDate.get(d), p));
          else if (free) days.push(h('li', {class: ['plan-day', 'plan-day-free', d === today && 'is-today']}, dateCell(d), h('p.plan-day-body', free)));
        }
        const mine = workouts.filter((w) => inWeek(w.scheduled_date, mon));
        const total = mine.reduce((sum, w) => sum + (w.target_distance_m ?? 0), 0);
        const when = mon === thisMonday ? 'This week' : inWeek(p.goal_race_date, mon) && 'Race week';
        const open = st.open.get(mon) ?? (!past && days.length > 0 && (mon <= add(thisMonday, 14) || !!when));
        return h('details', {
          class: ['card plan-week', past && 'is-past', mon === thisMonday && 'is-current'], open, 'data-week': mon,
          on: {toggle: (ev) => st.open.set(mon, ev.currentTarget.open)},
        },
        h('summary', {},
          h('span.plan-week-name', `Week ${i + 1}`),
          when && h('span.badge', when),
          h('span.muted', range(mon, sunday)),
          h('span.plan-week-sum', mine.length ? `${fmt.plural(mine.length, 'workout')}${total ? ` · ${fmt.distance(total)}` : ''}` : 'No workouts'),
          past && h('span.visually-hidden', ' (past)')),
        days.length ? h('ol.plan-days', days) : empty('No workouts this week.'));
      })));
  }
  function dateCell(iso) {
    return h('p.plan-day-date',
      h('time', {datetime: iso}, h('span.plan-wd', fmt.weekday(iso)), ' ', fmt.shortDate(iso)),
      iso === today && h('span.badge.badge-today', 'Today'));
  }
  function dayRow(w, p) {
    const cls = ['plan-day', w.scheduled_date === today && 'is-today'];
    if (st.editing === w.id) {
      return h('li', {class: [...cls, 'is-editing'], 'data-workout': w.id}, h('h3.visually-hidden', `Edit ${w.title}`), workoutForm(w, p));
    }
    const lo = w.target_pace_min_s_per_km, hi = w.target_pace_max_s_per_km;
    const pace = (lo || hi) && fmt.pace(lo || hi, lo && lo !== hi && hi);
    const parts = [
      w.target_distance_m && fmt.distance(w.target_distance_m),
      w.target_duration_s && fmt.duration(w.target_duration_s),
      pace && `pace ${pace}`,
      w.phase && `${fmt.cap(w.phase)} phase`,
    ].filter(Boolean);
    const type = fmt.workoutName(w.workout_type), label = `${type} on ${fmt.date(w.scheduled_date)}`;
    const hidden = () => h('span.visually-hidden', ` ${label}`);
    return h('li', {class: [...cls, `type-${w.workout_type}`], 'data-workout': w.id, 'data-date': w.scheduled_date},
      dateCell(w.scheduled_date),
      h('div.plan-day-body',
        h('p.plan-day-title', h('span.plan-type', type), ' ', w.title),
        parts.length > 0 && h('p.plan-day-facts', parts.map((f, i) => [i ? ' · ' : '', h('span', f)])),
        w.description && h('p.plan-day-notes', w.description),
        w.coach_notes && h('p.plan-day-notes', h('strong', 'Notes: '), w.coach_notes)),
      h('div.row.plan-day-actions',
        button(['Edit', hidden()], () => edit(w.id, '#title'), 'secondary small', {'data-edit': w.id}),
        button(['Delete', hidden()], () => remove('Delete this workout?', `${label}: ${w.title}. This cannot be undone.`,
          `/v1/plans/${p.id}/workouts/${w.id}`, 'Workout deleted', '#plan-weeks-title'), 'secondary small plan-del')));
  }
  function workoutForm(w, p) {
    const unit = fmt.units(), per = fmt.toMeters(1) / 1000; // paces are typed per km or per mile
    const paceIn = (s) => s && fmt.duration(Math.round(s * per));
    const pair = (...fields) => h('div.plan-grid', fields);
    let day = today;
    while (p.workouts.some((x) => x.scheduled_date === day)) day = fmt.addDays(day, 1);
    return form(w ? 'Save workout' : 'Add workout', w ? `[data-edit="${w.id}"]` : '#workout-add', [
      pair(
        input('scheduled_date', 'Date', w?.scheduled_date ?? day, {required: true}, 'date'),
        input('workout_type', 'Type', w?.workout_type ?? 'easy', {options: TYPES, required: true}, 'select')),
      input('title', 'Title', w?.title, {...OFF, required: true, maxlength: 200}),
      pair(
        input('target_distance_m', `Distance (${unit})`, w?.target_distance_m ? r2(fmt.fromMeters(w.target_distance_m)) : '', {...DECIMAL, min: '0'}, 'number'),
        input('target_duration_s', 'Duration', w?.target_duration_s && fmt.duration(w.target_duration_s), OFF, 'text', 'h:mm:ss or minutes')),
      h('fieldset.plan-pace',
        h('legend', `Pace (min:sec per ${unit})`),
        pair(
          input('target_pace_min_s_per_km', 'From (faster)', paceIn(w?.target_pace_min_s_per_km), {...OFF, placeholder: '5:00'}),
          input('target_pace_max_s_per_km', 'To (slower)', paceIn(w?.target_pace_max_s_per_km), {...OFF, placeholder: '5:30'}))),
      input('phase', 'Training phase', w?.phase, {options: PHASES}, 'select'),
      input('description', 'Details', w?.description, NOTES, 'textarea'),
      input('coach_notes', 'Notes', w?.coach_notes, NOTES, 'textarea'),
    ], (bad, v) => {
      if (!v('scheduled_date')) bad('scheduled_date', 'Choose a date.');
      const out = {scheduled_date: v('scheduled_date'), workout_type: v('workout_type'), title: v('title')};
      for (const k of ['phase', 'description', 'coach_notes']) out[k] = v(k) || null;
      const num = (id, parse, message) => {
        out[id] = v(id) ? parse(v(id)) : null;
        if (v(id) && !Number.isFinite(out[id])) bad(id, message);
      };
      const pace = (t) => { const s = fmt.parseDuration(t.includes(':') ? t : `${t}:00`); return s && Math.round(s / per); };
      num('target_distance_m', (t) => (Number(t) >= 0 ? Math.round(fmt.toMeters(Number(t))) : null), `Enter a distance in ${unit}.`);
      num('target_duration_s', fmt.parseDuration, 'Use h:mm:ss, mm:ss or minutes.');
      num('target_pace_min_s_per_km', pace, 'Use min:sec, for example 5:10.');
      num('target_pace_max_s_per_km', pace, 'Use min:sec, for example 5:40.');
      if (!w) for (const k in out) if (out[k] === null) delete out[k];
      return [`/v1/plans/${p.id}/workouts${w ? `/${w.id}` : ''}`, w ? 'PATCH' : 'POST', out, w ? 'Workout saved' : 'Workout added',
        (data) => { st.open.set(fmt.mondayOf(data.scheduled_date), true); return `[data-edit="${data.id}"]`; }];
    });
  }
  const remove = (title, text, path, done, focus) => confirm(title, text, () => api(path, {method: 'DELETE', signal}), () => changed(done, focus));
  await reload();
}
