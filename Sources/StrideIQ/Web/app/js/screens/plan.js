// Plan and race: the active plan week by week (Monday–Sunday), its goal race, and the planned workouts.
// Every change goes to the server and the plan is read back; home reads the same data, so it follows at once.
import { api, ApiError } from '../lib/api.js';
import { h, replace, field, formError, showErrors, announce, toast } from '../lib/dom.js';
import * as fmt from '../lib/format.js';

const TYPES = [
  ['easy', 'Easy'], ['long', 'Long run'], ['recovery', 'Recovery'], ['tempo', 'Tempo'], ['threshold', 'Threshold'],
  ['intervals', 'Intervals'], ['hills', 'Hills'], ['fartlek', 'Fartlek'], ['strides', 'Strides'],
  ['marathon_pace', 'Marathon pace'], ['race', 'Race'], ['rest', 'Rest'], ['cross_training', 'Cross-training'],
];
const PHASES = [['', 'None'], ['base', 'Base'], ['build', 'Build'], ['peak', 'Peak'], ['taper', 'Taper'], ['recovery', 'Recovery'], ['race', 'Race']];
const RACES = [['5000', '5K'], ['10000', '10K'], ['21097.5', 'Half marathon'], ['42195', 'Marathon'], ['custom', 'Custom distance']];
const typeName = (t) => TYPES.find(([v]) => v === t)?.[1] ?? t;
const raceName = (m) => RACES.find(([v]) => Math.abs(Number(v) - m) < 1)?.[1];

export async function render(main) {
  const ctl = new AbortController();
  const signal = ctl.signal;
  const body = h('div', { class: 'plan' });
  const dialog = h('dialog', { class: 'plan-confirm', 'aria-labelledby': 'plan-confirm-title' });
  replace(main, h('h1', { tabindex: '-1' }, 'Plan and race'), body, dialog);

  // editing: null | 'race' | 'new' | a workout id. Only one form at a time (inputs carry the API field names as ids).
  const st = { plans: [], plan: null, editing: null, open: new Map(), error: null };

  async function load() {
    st.error = null;
    try {
      const { data } = await api('/v1/plans', { signal });
      st.plans = data.plans;
      const active = data.plans.find((p) => p.status === 'active');
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
    if (st.error) {
      replace(body, h('p', { class: 'form-error', role: 'alert' }, st.error.detail ?? 'Could not load your plan.'),
        h('button', { type: 'button', on: { click: () => reload('h1') } }, 'Try again'));
    } else if (!st.plan) {
      replace(body, noPlan());
    } else {
      replace(body, raceCard(st.plan), workoutsSection(st.plan));
    }
    if (focus) (typeof focus === 'string' ? main.querySelector(focus) : focus)?.focus();
  }

  function edit(what, focus) {
    st.editing = what;
    draw(focus);
  }

  // ---- No plan ------------------------------------------------------------------------------------------

  function noPlan() {
    const drafts = st.plans.filter((p) => p.status === 'draft');
    return [
      h('section', { class: 'card', 'aria-labelledby': 'plan-none' },
        h('h2', { id: 'plan-none' }, 'No active plan'),
        h('p', {}, 'A plan starts from a goal race: pick the race, its date and distance, and a goal time if you have one. '
          + 'Then add your workouts week by week; today’s workout shows on your home screen.'),
        st.editing === 'race' ? raceForm(null)
          : h('button', { type: 'button', class: 'primary', id: 'plan-create', on: { click: () => edit('race', '#goal_race_name') } }, 'Create a plan')),
      drafts.length ? h('section', { class: 'card', 'aria-labelledby': 'plan-drafts' },
        h('h2', { id: 'plan-drafts' }, 'Draft plans'),
        h('ul', { class: 'plan-drafts' }, drafts.map((p) => h('li', {},
          h('span', {}, `${p.goal_race_name || p.name} · ${fmt.date(p.goal_race_date, { day: 'numeric', month: 'short', year: 'numeric' })}`),
          h('span', { class: 'plan-actions' },
            h('button', { type: 'button', class: 'secondary', on: { click: (ev) => activate(p, ev.currentTarget) } }, 'Make active'),
            h('button', { type: 'button', class: 'danger', on: { click: () => confirmDeletePlan(p) } }, 'Delete'))))))
        : null,
    ];
  }

  async function activate(p, button) {
    button.disabled = true;
    try {
      await api(`/v1/plans/${p.id}`, { method: 'PATCH', body: { status: 'active' }, signal });
      toast('Plan is active');
      await reload('h1');
    } catch (e) {
      button.disabled = false;
      if (e.name !== 'AbortError') toast(e.detail ?? 'Could not activate the plan');
    }
  }

  // ---- Goal race ---------------------------------------------------------------------------------------

  function raceCard(plan) {
    const goal = plan.goal_time_seconds;
    const facts = [
      ['Date', `${fmt.date(plan.goal_race_date, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' })} (${fmt.daysFromNow(plan.goal_race_date)})`],
      ['Distance', `${fmt.distance(plan.goal_race_distance_m, { decimals: 2 })}${raceName(plan.goal_race_distance_m) ? ` (${raceName(plan.goal_race_distance_m)})` : ''}`],
      ['Goal time', goal ? `${fmt.duration(goal)} · ${fmt.pace(goal / (plan.goal_race_distance_m / 1000))}` : 'No goal time'],
    ];
    return h('section', { class: 'card plan-race', 'aria-labelledby': 'plan-race-title' },
      h('p', { class: 'plan-kicker' }, 'Goal race'),
      h('h2', { id: 'plan-race-title', tabindex: '-1' }, plan.goal_race_name || plan.name),
      st.editing === 'race' ? raceForm(plan) : [
        h('dl', { class: 'plan-facts' }, facts.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v)))),
        h('div', { class: 'plan-actions' },
          h('button', { type: 'button', class: 'secondary', id: 'race-edit', on: { click: () => edit('race', '#goal_race_name') } }, 'Edit goal race'),
          h('button', { type: 'button', class: 'danger', on: { click: () => confirmDeletePlan(plan) } }, 'Delete plan')),
      ]);
  }

  function raceForm(plan) {
    const m = plan?.goal_race_distance_m;
    const preset = m ? (RACES.find(([v]) => v !== 'custom' && Math.abs(Number(v) - m) < 1)?.[0] ?? 'custom') : '42195';
    const distField = field({ id: 'goal_race_distance_m', label: 'Distance', type: 'select', value: preset, attrs: { options: RACES, required: true } });
    const custom = field({
      id: 'goal_race_distance_custom', label: `Custom distance (${fmt.units()})`, type: 'number',
      value: preset === 'custom' && m ? round2(fmt.fromMeters(m)) : '', attrs: { step: '0.01', min: '0.1', inputmode: 'decimal' },
    });
    custom.hidden = preset !== 'custom';
    const select = distField.querySelector('select');
    select.addEventListener('change', () => { custom.hidden = select.value !== 'custom'; });

    const form = h('form', { class: 'stack plan-form', novalidate: true, on: { submit: save } },
      field({ id: 'goal_race_name', label: 'Race name', value: plan?.goal_race_name ?? '', attrs: { maxlength: 200, autocomplete: 'off' } }),
      field({ id: 'goal_race_date', label: 'Race date', type: 'date', value: plan?.goal_race_date ?? '', attrs: { required: true } }),
      distField, custom,
      field({
        id: 'goal_time_seconds', label: 'Goal time (optional)', hint: 'h:mm:ss, for example 3:45:00',
        value: plan?.goal_time_seconds ? fmt.duration(plan.goal_time_seconds) : '', attrs: { autocomplete: 'off', inputmode: 'numeric' },
      }),
      formError(),
      h('div', { class: 'plan-actions' },
        h('button', { type: 'submit', class: 'primary' }, plan ? 'Save goal race' : 'Create plan'),
        h('button', { type: 'button', class: 'secondary', on: { click: () => edit(null, plan ? '#race-edit' : '#plan-create') } }, 'Cancel')));

    async function save(ev) {
      ev.preventDefault();
      const v = (id) => form.querySelector(`#${id}`).value.trim();
      const errors = v('goal_race_date') ? [] : [{ field: 'goal_race_date', message: 'Choose the race date.' }];
      let meters = select.value === 'custom' ? fmt.toMeters(Number(v('goal_race_distance_custom'))) : Number(select.value);
      if (!(meters > 0)) errors.push({ field: 'goal_race_distance_custom', message: 'Enter the race distance.' });
      const timeText = v('goal_time_seconds');
      const goal = timeText ? fmt.parseDuration(timeText) : null;
      if (timeText && goal === null) errors.push({ field: 'goal_time_seconds', message: 'Use h:mm:ss, for example 3:45:00.' });
      if (errors.length) return showErrors(form, new ApiError({ status: 422, code: 'invalid', errors }));
      const name = v('goal_race_name');
      const out = {
        goal_race_name: name || null, goal_race_date: v('goal_race_date'),
        goal_race_distance_m: Math.round(meters * 10) / 10, goal_time_seconds: goal,
      };
      if (!plan) {
        out.name = name || `${raceName(meters) ?? fmt.distance(meters)} plan`;
        out.status = 'active';
        if (!out.goal_race_name) delete out.goal_race_name;
      } else if (name && plan.name === (plan.goal_race_name || plan.name)) {
        out.name = name;
      }
      const button = form.querySelector('[type=submit]');
      button.disabled = true;
      try {
        await api(plan ? `/v1/plans/${plan.id}` : '/v1/plans', { method: plan ? 'PATCH' : 'POST', body: out, signal });
        st.editing = null;
        toast(plan ? 'Goal race saved' : 'Plan created');
        await reload(plan ? '#race-edit' : '#plan-race-title');
      } catch (e) {
        if (e.name === 'AbortError') return;
        button.disabled = false;
        showErrors(form, e);
      }
    }
    return form;
  }

  // ---- Weeks -------------------------------------------------------------------------------------------

  function workoutsSection(plan) {
    const today = fmt.todayISO();
    const workouts = plan.workouts ?? [];
    const byDate = new Map(workouts.map((w) => [w.scheduled_date, w]));
    const dates = workouts.map((w) => w.scheduled_date);
    const first = [plan.plan_start_date, dates[0], today < plan.goal_race_date ? today : null].filter(Boolean).sort()[0] ?? plan.goal_race_date;
    const last = [plan.plan_end_date, dates[dates.length - 1], plan.goal_race_date].filter(Boolean).sort().pop();
    const weeks = [];
    for (let mon = fmt.mondayOf(first); mon <= last && weeks.length < 104; mon = fmt.addDays(mon, 7)) weeks.push(mon);
    const thisMonday = fmt.mondayOf(today);

    return h('section', { class: 'plan-workouts', 'aria-labelledby': 'plan-weeks-title' },
      h('div', { class: 'plan-head' },
        h('h2', { id: 'plan-weeks-title', tabindex: '-1' }, 'Week by week'),
        st.editing === 'new' ? null
          : h('button', { type: 'button', class: 'primary', id: 'workout-add', on: { click: () => edit('new', '#scheduled_date') } }, 'Add workout')),
      st.editing === 'new' ? h('div', { class: 'card' }, h('h3', {}, 'New workout'), workoutForm(null, plan)) : null,
      workouts.length ? null : h('p', { class: 'empty' }, 'No workouts yet. Add your first one to start filling the weeks.'),
      h('div', { class: 'plan-weeks', 'data-testid': 'plan-weeks' }, weeks.map((mon, i) => {
        // A run of past weeks without workouts folds into one line.
        const emptyPast = (m) => m && fmt.addDays(m, 6) < today && !dates.some((d) => d >= m && d <= fmt.addDays(m, 6));
        if (emptyPast(mon)) {
          if (emptyPast(weeks[i - 1])) return null;
          let j = i;
          while (emptyPast(weeks[j + 1])) j++;
          const range = `${fmt.date(mon, { day: 'numeric', month: 'short' })} – ${fmt.date(fmt.addDays(weeks[j], 6), { day: 'numeric', month: 'short' })}`;
          return h('p', { class: 'plan-week-gap' }, `${j > i ? `Weeks ${i + 1}–${j + 1}` : `Week ${i + 1}`} (${range}, past): no workouts`);
        }
        const sunday = fmt.addDays(mon, 6);
        const days = [];
        for (let d = mon; d <= sunday; d = fmt.addDays(d, 1)) {
          if (byDate.has(d)) days.push(dayRow(byDate.get(d), d === today, plan));
          else if (d === today) days.push(h('li', { class: 'plan-day is-today plan-day-free' }, dateCell(d, true), h('p', { class: 'plan-day-body' }, 'Nothing planned today')));
          else if (d === plan.goal_race_date) days.push(h('li', { class: 'plan-day plan-day-free' }, dateCell(d, false), h('p', { class: 'plan-day-body' }, 'Race day (no workout entered)')));
        }
        const total = workouts.filter((w) => w.scheduled_date >= mon && w.scheduled_date <= sunday)
          .reduce((sum, w) => sum + (w.target_distance_m ?? 0), 0);
        const count = days.filter((d) => !d.classList.contains('plan-day-free')).length;
        const past = sunday < today;
        const when = mon === thisMonday ? 'This week' : (plan.goal_race_date >= mon && plan.goal_race_date <= sunday ? 'Race week' : null);
        const open = st.open.has(mon) ? st.open.get(mon) : !past && days.length > 0 && (mon <= fmt.addDays(thisMonday, 14) || when !== null);
        return h('details', {
          class: ['plan-week', past && 'is-past', mon === thisMonday && 'is-current'], open, 'data-week': mon,
          on: { toggle: (ev) => st.open.set(mon, ev.currentTarget.open) },
        },
        h('summary', {},
          h('span', { class: 'plan-week-name' }, `Week ${i + 1}`),
          when ? h('span', { class: 'badge' }, when) : null,
          h('span', { class: 'plan-week-range' }, `${fmt.date(mon, { day: 'numeric', month: 'short' })} – ${fmt.date(sunday, { day: 'numeric', month: 'short' })}`),
          h('span', { class: 'plan-week-sum' }, count ? `${count} workout${count === 1 ? '' : 's'}${total ? ` · ${fmt.distance(total)}` : ''}` : 'No workouts'),
          past ? h('span', { class: 'visually-hidden' }, ' (past)') : null),
        days.length ? h('ol', { class: 'plan-days' }, days) : h('p', { class: 'empty' }, 'No workouts this week.'));
      })));
  }

  function dateCell(iso, isToday) {
    return h('p', { class: 'plan-day-date' },
      h('time', { datetime: iso }, h('span', { class: 'plan-wd' }, fmt.weekday(iso)), ' ', fmt.date(iso, { day: 'numeric', month: 'short' })),
      isToday ? h('span', { class: 'badge badge-today' }, 'Today') : null);
  }

  function dayRow(w, isToday, plan) {
    if (st.editing === w.id) {
      return h('li', { class: ['plan-day', 'is-editing', isToday && 'is-today'], 'data-workout': w.id },
        h('h3', { class: 'visually-hidden' }, `Edit ${w.title}`), workoutForm(w, plan));
    }
    const low = w.target_pace_min_s_per_km, high = w.target_pace_max_s_per_km;
    let paceText = null;
    if (low && high && low !== high) paceText = `${fmt.pace(low).split(' ')[0]}–${fmt.pace(high)}`;
    else if (low || high) paceText = fmt.pace(low || high);
    const facts = [
      w.target_distance_m ? fmt.distance(w.target_distance_m) : null,
      w.target_duration_s ? fmt.duration(w.target_duration_s) : null,
      paceText ? `pace ${paceText}` : null,
      w.phase ? `${w.phase[0].toUpperCase()}${w.phase.slice(1)} phase` : null,
    ].filter(Boolean);
    const label = `${typeName(w.workout_type)} on ${fmt.date(w.scheduled_date)}`;
    return h('li', { class: ['plan-day', isToday && 'is-today', `type-${w.workout_type}`], 'data-workout': w.id, 'data-date': w.scheduled_date },
      dateCell(w.scheduled_date, isToday),
      h('div', { class: 'plan-day-body' },
        h('p', { class: 'plan-day-title' }, h('span', { class: 'plan-type' }, typeName(w.workout_type)), ' ', w.title),
        facts.length ? h('p', { class: 'plan-day-facts' }, facts.map((f, i) => [i ? ' · ' : '', h('span', {}, f)])) : null,
        w.description ? h('p', { class: 'plan-day-notes' }, w.description) : null,
        w.coach_notes ? h('p', { class: 'plan-day-notes' }, h('strong', {}, 'Notes: '), w.coach_notes) : null),
      h('div', { class: 'plan-actions plan-day-actions' },
        h('button', { type: 'button', class: 'secondary small', 'data-edit': w.id, on: { click: () => edit(w.id, '#title') } }, 'Edit', h('span', { class: 'visually-hidden' }, ` ${label}`)),
        h('button', { type: 'button', class: 'secondary small plan-del', on: { click: () => confirmDeleteWorkout(plan, w, label) } }, 'Delete', h('span', { class: 'visually-hidden' }, ` ${label}`))));
  }

  // ---- Workout form ------------------------------------------------------------------------------------

  function workoutForm(w, plan) {
    const per = fmt.toMeters(1) / 1000; // km (or mi) per… scale for paces typed in the athlete's unit
    const paceIn = (s) => (s ? fmt.duration(Math.round(s * per)) : '');
    const defaultDate = (() => {
      const taken = new Set((plan.workouts ?? []).map((x) => x.scheduled_date));
      let d = fmt.todayISO();
      while (taken.has(d)) d = fmt.addDays(d, 1);
      return d;
    })();
    const unit = fmt.units();
    const form = h('form', { class: 'stack plan-form', novalidate: true, on: { submit: save } },
      h('div', { class: 'plan-grid' },
        field({ id: 'scheduled_date', label: 'Date', type: 'date', value: w?.scheduled_date ?? defaultDate, attrs: { required: true } }),
        field({ id: 'workout_type', label: 'Type', type: 'select', value: w?.workout_type ?? 'easy', attrs: { options: TYPES, required: true } })),
      field({ id: 'title', label: 'Title', value: w?.title ?? '', attrs: { required: true, maxlength: 200, autocomplete: 'off' } }),
      h('div', { class: 'plan-grid' },
        field({ id: 'target_distance_m', label: `Distance (${unit})`, type: 'number', value: w?.target_distance_m ? round2(fmt.fromMeters(w.target_distance_m)) : '', attrs: { step: '0.01', min: '0', inputmode: 'decimal' } }),
        field({ id: 'target_duration_s', label: 'Duration', hint: 'h:mm:ss or minutes', value: w?.target_duration_s ? fmt.duration(w.target_duration_s) : '', attrs: { autocomplete: 'off' } })),
      h('fieldset', { class: 'plan-pace' },
        h('legend', {}, `Pace (min:sec per ${unit})`),
        h('div', { class: 'plan-grid' },
          field({ id: 'target_pace_min_s_per_km', label: 'From (faster)', value: paceIn(w?.target_pace_min_s_per_km), attrs: { autocomplete: 'off', placeholder: '5:00' } }),
          field({ id: 'target_pace_max_s_per_km', label: 'To (slower)', value: paceIn(w?.target_pace_max_s_per_km), attrs: { autocomplete: 'off', placeholder: '5:30' } }))),
      field({ id: 'phase', label: 'Training phase', type: 'select', value: w?.phase ?? '', attrs: { options: PHASES } }),
      field({ id: 'description', label: 'Details', type: 'textarea', value: w?.description ?? '', attrs: { rows: 2, maxlength: 2000 } }),
      field({ id: 'coach_notes', label: 'Notes', type: 'textarea', value: w?.coach_notes ?? '', attrs: { rows: 2, maxlength: 2000 } }),
      formError(),
      h('div', { class: 'plan-actions' },
        h('button', { type: 'submit', class: 'primary' }, w ? 'Save workout' : 'Add workout'),
        h('button', { type: 'button', class: 'secondary', on: { click: () => edit(null, w ? `[data-edit="${w.id}"]` : '#workout-add') } }, 'Cancel')));

    async function save(ev) {
      ev.preventDefault();
      const v = (id) => form.querySelector(`#${id}`).value.trim();
      const errors = v('scheduled_date') ? [] : [{ field: 'scheduled_date', message: 'Choose a date.' }];
      const num = (id, parse, message) => {
        const text = v(id);
        if (!text) return null;
        const value = parse(text);
        if (value === null || !Number.isFinite(value)) errors.push({ field: id, message });
        return value;
      };
      const dist = num('target_distance_m', (t) => (Number(t) >= 0 ? Math.round(fmt.toMeters(Number(t))) : null), `Enter a distance in ${unit}.`);
      const dur = num('target_duration_s', fmt.parseDuration, 'Use h:mm:ss, mm:ss or minutes.');
      const pace = (t) => { const s = fmt.parseDuration(t.includes(':') ? t : `${t}:00`); return s === null ? null : Math.round(s / per); };
      const low = num('target_pace_min_s_per_km', pace, 'Use min:sec, for example 5:10.');
      const high = num('target_pace_max_s_per_km', pace, 'Use min:sec, for example 5:40.');
      if (errors.length) return showErrors(form, new ApiError({ status: 422, code: 'invalid', errors }));
      const out = {
        scheduled_date: v('scheduled_date'), workout_type: v('workout_type'), title: v('title'),
        target_distance_m: dist, target_duration_s: dur, target_pace_min_s_per_km: low, target_pace_max_s_per_km: high,
        phase: v('phase') || null, description: v('description') || null, coach_notes: v('coach_notes') || null,
      };
      if (!w) for (const k of Object.keys(out)) if (out[k] === null) delete out[k];
      const button = form.querySelector('[type=submit]');
      button.disabled = true;
      try {
        const path = `/v1/plans/${plan.id}/workouts${w ? `/${w.id}` : ''}`;
        const { data } = await api(path, { method: w ? 'PATCH' : 'POST', body: out, signal });
        st.editing = null;
        st.open.set(fmt.mondayOf(data.scheduled_date), true);
        toast(w ? 'Workout saved' : 'Workout added');
        await reload(`[data-edit="${data.id}"]`);
      } catch (e) {
        if (e.name === 'AbortError') return;
        button.disabled = false;
        if (e instanceof ApiError && e.code === 'workout_date_taken') e.errors = [{ field: 'scheduled_date', message: e.detail }];
        showErrors(form, e);
      }
    }
    return form;
  }

  // ---- Deleting ----------------------------------------------------------------------------------------

  function confirm(title, text, action, onDone) {
    const error = h('p', { class: 'form-error', role: 'alert' });
    const yes = h('button', { type: 'button', class: 'danger', on: { click: async () => {
      yes.disabled = true;
      try {
        await action();
        dialog.close();
        await onDone();
      } catch (e) {
        yes.disabled = false;
        if (e.name !== 'AbortError') error.textContent = e.detail ?? String(e);
      }
    } } }, 'Delete');
    replace(dialog,
      h('h2', { id: 'plan-confirm-title' }, title), h('p', {}, text), error,
      h('div', { class: 'plan-actions' }, yes, h('button', { type: 'button', class: 'secondary', autofocus: true, on: { click: () => dialog.close() } }, 'Keep it')));
    dialog.showModal();
  }

  function confirmDeleteWorkout(plan, w, label) {
    confirm('Delete this workout?', `${label}: ${w.title}. This cannot be undone.`,
      () => api(`/v1/plans/${plan.id}/workouts/${w.id}`, { method: 'DELETE', signal }),
      async () => { announce('Workout deleted'); toast('Workout deleted'); await reload('#plan-weeks-title'); });
  }

  function confirmDeletePlan(p) {
    confirm('Delete this plan?', `${p.goal_race_name || p.name} and all its workouts will be deleted. This cannot be undone.`,
      () => api(`/v1/plans/${p.id}`, { method: 'DELETE', signal }),
      async () => { st.editing = null; toast('Plan deleted'); await reload('h1'); });
  }

  await load();
  draw();
  return () => { ctl.abort(); if (dialog.open) dialog.close(); };
}

function round2(x) {
  return Math.round(x * 100) / 100;
}
