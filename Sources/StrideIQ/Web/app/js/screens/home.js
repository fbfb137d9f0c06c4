// Home (`/`), the first screen after sign-in: today's workout, the coach briefing, the week, the check-in card,
// the race countdown and the last run, all from GET /v1/home. The briefing is cached on the server and
// rewritten in the background: while it is not fresh a placeholder stays and js/lib/poll.js asks again.
import { api, session } from '../lib/api.js';
import { h, replace, formError, showErrors, clearErrors, toast } from '../lib/dom.js';
import { distance, duration, paceOf, date, dateTime, weekday, todayISO } from '../lib/format.js';
import { pollBriefing } from '../lib/poll.js';
import { scale, sleepField, readFields, checkinBody } from './checkin.js';

const WORKOUT = {
  easy: 'Easy run', long: 'Long run', recovery: 'Recovery run', tempo: 'Tempo run', threshold: 'Threshold run',
  intervals: 'Intervals', hills: 'Hills', fartlek: 'Fartlek', strides: 'Strides', marathon_pace: 'Marathon pace',
  race: 'Race', rest: 'Rest', cross_training: 'Cross-training',
};
const workoutName = (type) => WORKOUT[type] ?? String(type ?? '').replace(/_/g, ' ');

const PENDING = new Set(['refreshing', 'stale', 'missing']);

const BRIEFING_PARTS = [
  ['coach_noticed', 'What your coach noticed'],
  ['today_context', 'Today'],
  ['workout_why', 'Why this workout'],
  ['week_assessment', 'Your week'],
  ['checkin_reaction', 'Your check-in'],
  ['race_assessment', 'Your race'],
];

/** Why no model wrote the briefing, in plain words. */
function fallbackWords(reason) {
  if (!reason) return null;
  if (reason === 'no_llm_configured') return 'No AI model is set up on this server.';
  if (reason === 'circuit_open') return 'The AI model failed several times in a row, so it is paused for a while.';
  if (reason.startsWith('provider_time')) return 'The AI model took too long to answer.';
  if (reason === 'provider_refused') return 'The AI model declined to write it.';
  return 'The AI model could not be reached.';
}

export async function render(main) {
  const controller = new AbortController();
  let poller = null;
  let pollEnded = null; // null while polling or idle; 'timeout' when it gave up
  let briefing = null;

  const sections = {
    today: section('home-today', 'today-title'),
    briefing: section('home-briefing', 'briefing-title', { 'aria-live': 'polite', class: 'card briefing' }),
    week: section('home-week', 'week-title', { class: 'card week' }),
    checkin: section('home-checkin', 'checkin-card-title'),
    race: section('home-race', 'race-title'),
    lastRun: section('home-last-run', 'last-run-title'),
  };

  const { data } = await api('/v1/home', { signal: controller.signal });
  const name = session.athlete?.display_name;
  main.append(
    h('div', { class: 'home-head' },
      h('h1', { tabindex: '-1' }, 'Today'),
      h('p', { class: 'muted' }, date(todayISO(), { weekday: 'long', day: 'numeric', month: 'long' }), name ? ` · Hello, ${name}` : '')),
    h('div', { class: 'home-grid' },
      sections.today, sections.briefing, sections.week, sections.checkin, sections.race, sections.lastRun));
  paint(data);

  function paint(home) {
    paintToday(sections.today, home);
    paintWeek(sections.week, home.week);
    paintCheckin(home);
    paintRace(sections.race, home.race_countdown);
    paintLastRun(sections.lastRun, home);
    setBriefing(home);
  }


  function setBriefing(b) {
    briefing = b;
    paintBriefing();
    if (PENDING.has(b.briefing_state)) startPoll();
    else stopPoll();
  }

  function startPoll(etag = null) {
    if (poller) return;
    pollEnded = null;
    poller = pollBriefing({
      etag,
      onUpdate: (b) => { briefing = b; paintBriefing(); },
      onEnd: (reason) => {
        poller = null;
        if (reason === 'timeout') { pollEnded = 'timeout'; paintBriefing(); }
      },
    });
  }

  function stopPoll() {
    const p = poller;
    poller = null;
    p?.stop();
  }

  function paintBriefing() {
    const el = sections.briefing;
    const b = briefing;
    const state = b.briefing_state;
    el.dataset.state = state;
    if (b.briefing_source) el.dataset.source = b.briefing_source; else delete el.dataset.source;
    const pending = PENDING.has(state);
    el.setAttribute('aria-busy', String(pending && pollEnded === null));
    const title = h('h2', { id: 'briefing-title', tabindex: '-1' }, 'Coach briefing');

    if (state === 'consent_required') {
      replace(el, title,
        h('p', {}, 'Your daily briefing is written by an AI model from your training data: your runs, your plan and your check-ins. AI features are turned off for your account.'),
        h('p', {}, h('a', { href: '/settings' }, 'Turn on AI consent in Settings'), ' to get a briefing each morning. You can turn it off again at any time.'));
      return;
    }

    const content = b.coach_briefing;
    let status = null;
    if (pending && pollEnded === 'timeout') {
      status = h('div', { class: 'briefing-status', role: 'status' },
        h('p', {}, content ? 'The new briefing is taking longer than usual; this is the previous one.' : 'Your briefing is taking longer than usual.'),
        h('button', { type: 'button', class: 'secondary', on: { click: () => { startPoll(); paintBriefing(); el.querySelector('h2').focus(); } } }, 'Check again'));
    } else if (pending) {
      status = h('p', { class: 'briefing-status pending' },
        h('span', { class: 'spinner pulse', 'aria-hidden': 'true' }, '⟳'),
        h('span', {}, content ? 'Your coach is updating this briefing for your latest data…' : 'Your coach is writing today’s briefing…'));
    }

    if (!content) {
      replace(el, title, status ?? h('p', { class: 'muted' }, 'No briefing yet.'),
        pending ? h('div', { class: 'skeleton', 'aria-hidden': 'true' }, h('span'), h('span'), h('span')) : null);
      return;
    }

    const parts = BRIEFING_PARTS.filter(([key]) => content[key]);
    const source = b.briefing_source === 'deterministic'
      ? ['Written from your training data by StrideIQ’s rules, not by an AI model.', fallbackWords(b.fallback_reason)]
      : [`Written by an AI model${b.briefing_source_model ? ` (${b.briefing_source_model})` : ''} from your training data.`];
    replace(el, title, status,
      h('div', { class: pending ? 'briefing-body is-old' : 'briefing-body' },
        content.morning_voice ? h('p', { class: 'briefing-lead' }, content.morning_voice) : null,
        parts.length ? h('dl', { class: 'briefing-parts' }, parts.map(([key, label]) => [h('dt', {}, label), h('dd', {}, content[key])])) : null),
      b.briefing_is_interim ? h('p', { class: 'briefing-interim' }, h('span', { 'aria-hidden': 'true' }, '✎ '), 'A fuller briefing is on its way.') : null,
      h('p', { class: 'briefing-source' },
        h('span', { class: 'badge muted' }, b.briefing_source === 'deterministic' ? 'From your data' : 'AI coach'), ' ',
        source.filter(Boolean).join(' '),
        b.briefing_last_updated_at ? ` Updated ${dateTime(b.briefing_last_updated_at)}.` : ''));
  }


  function paintCheckin(home) {
    const el = sections.checkin;
    const title = h('h2', { id: 'checkin-card-title', tabindex: '-1' }, 'Check-in');
    const c = home.today_checkin;
    if (c) {
      const sleep = [c.sleep_h !== null && c.sleep_h !== undefined ? `${c.sleep_h} h` : null, c.sleep_label].filter(Boolean).join(', ');
      replace(el, title,
        h('p', { class: 'done-line' }, h('span', { 'aria-hidden': 'true' }, '✓ '), 'Checked in today'),
        h('ul', { class: 'facts' },
          fact('Readiness', c.readiness_label ?? '—'),
          fact('Sleep', sleep || '—'),
          fact('Soreness', c.soreness_label ?? '—')),
        h('p', {}, h('a', { href: '/checkin' }, 'Edit today’s check-in')));
      return;
    }
    if (!home.checkin_needed) {
      replace(el, title, h('p', {}, 'No check-in today.'), h('p', {}, h('a', { href: '/checkin' }, 'Check in')));
      return;
    }
    const submit = h('button', { type: 'submit' }, 'Save check-in');
    const form = h('form', { class: 'quick-checkin', novalidate: true, 'aria-labelledby': 'checkin-card-title' },
      h('p', { class: 'muted' }, 'How are you today? Three quick answers help your coach shape the day.'),
      formError(),
      scale('readiness_1_5', null, 'Readiness to train'),
      sleepField(null),
      scale('soreness_1_5', null, 'Muscle soreness'),
      h('div', { class: 'row spread' }, submit, h('a', { href: '/checkin' }, 'Full check-in')));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearErrors(form);
      const values = readFields(form, ['readiness_1_5', 'sleep_h', 'soreness_1_5']);
      if (Object.values(values).every((v) => v === null)) {
        showErrors(form, { errors: [], detail: 'Answer at least one question before saving.' });
        return;
      }
      submit.disabled = true;
      try {
        await api('/v1/daily-checkin', { method: 'POST', body: checkinBody(todayISO(), values), signal: controller.signal });
        const { data: fresh } = await api('/v1/home', { signal: controller.signal });
        stopPoll();
        paint(fresh); // the check-in queued a rewrite: the briefing shows it is refreshing and the poll restarts
        toast('Check-in saved. Your coach is updating the briefing.');
        el.querySelector('h2')?.focus();
      } catch (e) {
        if (e?.name === 'AbortError') return;
        if (form.isConnected) showErrors(form, e);
      } finally {
        submit.disabled = false;
      }
    });
    replace(el, title, form);
  }

  return () => {
    controller.abort();
    stopPoll();
  };
}

/** One label/value pair of a .facts list (a <ul>: no <div> inside <dl>, which older axe rejects). */
function fact(label, ...value) {
  return h('li', {}, h('span', { class: 'fact-k' }, label), ' ', h('span', { class: 'fact-v' }, ...value));
}

function section(testid, titleId, extra = {}) {
  return h('section', { class: 'card', 'data-testid': testid, 'aria-labelledby': titleId, ...extra });
}


function paintToday(el, home) {
  const t = home.today;
  const title = h('h2', { id: 'today-title' }, 'Today’s workout');
  if (!t.has_workout) {
    const noPlan = home.week?.status === 'no_plan' && !home.race_countdown;
    replace(el, title,
      noPlan
        ? [h('p', { class: 'today-main' }, 'No plan yet'),
          h('p', {}, 'Run as you feel today, or ', h('a', { href: '/plan' }, 'set up a plan and a goal race'), ' to get a workout each day.')]
        : [h('p', { class: 'today-main' }, h('span', { 'aria-hidden': 'true' }, '☾ '), 'Rest day'),
          h('p', {}, 'Nothing is planned today. Rest is part of training: your legs adapt while you recover.')]);
    return;
  }
  if (t.workout_type === 'rest') {
    replace(el, title,
      h('p', { class: 'today-main' }, h('span', { 'aria-hidden': 'true' }, '☾ '), t.title || 'Rest day'),
      h('p', { class: 'muted' }, 'Rest day'),
      t.why_context ? h('p', {}, t.why_context) : null);
    return;
  }
  const meta = [t.title && t.title !== workoutName(t.workout_type) ? workoutName(t.workout_type) : null,
    t.distance_m ? distance(t.distance_m) : null].filter(Boolean);
  replace(el, title,
    h('p', { class: 'today-main' }, t.title || workoutName(t.workout_type)),
    meta.length ? h('p', { class: 'today-meta' }, meta.map((m, i) => [i ? h('span', { 'aria-hidden': 'true' }, ' · ') : null, h('span', {}, m)])) : null,
    t.pace_guidance ? h('p', { class: 'today-pace' }, h('strong', {}, 'Pace: '), t.pace_guidance) : null,
    t.why_context ? h('p', { class: 'today-why' }, h('strong', {}, 'Why: '), t.why_context) : null,
    h('p', {}, h('a', { href: '/plan' }, 'See the plan')));
}


function dayStatus(d, past, hasPlan) {
  const planned = d.workout_type && d.workout_type !== 'rest';
  if (d.completed) return ['done', '✓', 'Done'];
  if (d.workout_type === 'rest') return ['rest', '–', 'Rest'];
  if (planned && past) return ['missed', '✗', 'Missed'];
  if (planned) return ['planned', '○', 'Planned'];
  if (past) return ['none', '–', hasPlan ? 'Rest' : 'No run'];
  return ['none', '–', hasPlan ? 'Rest' : 'Open'];
}

function paintWeek(el, week) {
  const hasPlan = week.status !== 'no_plan';
  const todayIndex = week.days.findIndex((d) => d.is_today);
  const title = h('h2', { id: 'week-title' }, 'This week');
  const sub = [
    week.week_number && week.total_weeks ? `Week ${week.week_number} of ${week.total_weeks}` : null,
    week.phase ? `${week.phase[0].toUpperCase()}${week.phase.slice(1)} phase` : null,
  ].filter(Boolean).join(' · ');
  const STATUS = { on_track: ['ok', 'On track'], ahead: ['ok', 'Ahead of plan'], behind: ['warn', 'Behind plan'] };
  const badge = STATUS[week.status];
  const bar = h('div', { class: 'week-bar', 'aria-hidden': 'true' }, h('span'));
  if (week.planned_m > 0) bar.firstChild.style.width = `${Math.min(100, (week.completed_m / week.planned_m) * 100).toFixed(1)}%`;

  const days = week.days.map((d, i) => {
    const past = todayIndex >= 0 ? i < todayIndex : false;
    const [kind, icon, word] = dayStatus(d, past, hasPlan);
    const planned = d.workout_type && d.workout_type !== 'rest'
      ? `${workoutName(d.workout_type)}${d.planned_distance_m ? `, ${distance(d.planned_distance_m)}` : ''}` : null;
    const done = d.run_count > 0 ? distance(d.distance_m) : null;
    const others = d.other_activities?.length ?? 0;
    return h('li', { class: ['day', `is-${kind}`, d.is_today ? 'is-today' : null], 'aria-current': d.is_today ? 'date' : null },
      h('p', { class: 'day-name' },
        h('span', { class: 'day-wd' }, weekday(d.date)), ' ',
        h('span', { class: 'day-date' }, date(d.date, { day: 'numeric' })),
        d.is_today ? h('span', { class: 'day-today' }, 'Today') : null),
      h('p', { class: 'day-status' }, h('span', { class: 'day-icon', 'aria-hidden': 'true' }, icon), ' ', word),
      h('p', { class: 'day-detail' },
        planned ? h('span', { class: 'day-planned' }, h('span', { class: 'visually-hidden' }, 'Planned: '), planned) : null,
        done
          ? h('span', { class: 'day-done' }, h('span', { class: 'visually-hidden' }, 'Ran: '),
            d.activity_id ? h('a', { href: `/activities/${d.activity_id}` }, done) : done,
            d.run_count > 1 ? ` (${d.run_count} runs)` : '')
          : null,
        others ? h('span', { class: 'day-other' }, `+ ${others} other ${others === 1 ? 'activity' : 'activities'}`) : null));
  });

  replace(el, title,
    sub ? h('p', { class: 'muted' }, sub) : null,
    h('div', { class: 'week-summary' },
      h('p', {}, week.trajectory_sentence, badge ? [' ', h('span', { class: `badge ${badge[0]}` }, badge[1])] : null),
      week.planned_m > 0 ? bar : null),
    h('ol', { class: 'week-days', 'aria-label': 'Monday to Sunday' }, days));
}


function paintRace(el, race) {
  const title = h('h2', { id: 'race-title' }, 'Race');
  if (!race) {
    replace(el, title,
      h('p', {}, 'No goal race yet.'),
      h('p', {}, h('a', { href: '/plan' }, 'Set a goal race'), ' and StrideIQ counts down to it and shapes your plan around it.'));
    return;
  }
  const n = race.days_remaining;
  const countdown = n === 0 ? 'Race day is today!' : n === 1 ? 'Tomorrow' : `${n} days to go`;
  replace(el, title,
    h('p', { class: 'race-name' }, race.race_name),
    h('p', { class: 'race-countdown' }, countdown),
    h('ul', { class: 'facts' },
      fact('Date', date(race.race_date)),
      fact('Distance', distance(race.distance_m, { decimals: 1 })),
      race.goal_time ? fact('Goal', race.goal_time, race.goal_pace ? ` (${race.goal_pace})` : '') : null),
    h('p', {}, h('a', { href: '/plan' }, 'Race and plan')));
}


function paintLastRun(el, home) {
  const title = h('h2', { id: 'last-run-title' }, 'Last run');
  const run = home.last_run;
  if (!run) {
    const y = home.yesterday;
    replace(el, title,
      y?.last_activity_id
        ? h('p', {}, 'Your last run was ', h('a', { href: `/activities/${y.last_activity_id}` }, y.last_activity_name || 'a run'),
          y.days_since_last ? `, ${y.days_since_last} days ago.` : '.')
        : h('p', {}, home.has_any_activities ? 'No run in the last few days.' : 'No runs yet.'),
      h('p', {}, h('a', { href: '/activities/new' }, 'Add a run')));
    return;
  }
  replace(el, title,
    h('p', { class: 'last-run-name' }, h('a', { href: `/activities/${run.activity_id}` }, run.name || 'Run')),
    h('p', { class: 'muted' }, dateTime(run.start_time)),
    h('ul', { class: 'facts' },
      fact('Distance', distance(run.distance_m)),
      run.moving_time_s ? fact('Time', duration(run.moving_time_s)) : null,
      run.distance_m && run.moving_time_s ? fact('Pace', paceOf(run.distance_m, run.moving_time_s)) : null,
      run.average_hr ? fact('Avg HR', `${run.average_hr} bpm`) : null),
    home.yesterday?.insight ? h('p', { class: 'muted' }, home.yesterday.insight) : null);
}
