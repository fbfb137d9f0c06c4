// poll.js follows a briefing being rewritten.
import {api, session} from '../lib/api.js';
import {h, formError, toast, card, facts, button, link} from '../lib/dom.js';
import {distance, duration, paceOf, date, dateTime, weekday, todayISO, cap, plural, workoutName} from '../lib/format.js';
import {pollBriefing} from '../lib/poll.js';
import {scale, sleepField, onCheckinSubmit} from './checkin.js';


const PENDING = new Set(['refreshing', 'stale', 'missing']);

const BRIEFING_PARTS = [['coach_noticed', 'What your coach noticed'], ['today_context', 'Today'], ['workout_why', 'Why this workout'],
  ['week_assessment', 'Your week'], ['checkin_reaction', 'Your check-in'], ['race_assessment', 'Your race']];

/** `fallback_reason` in words: the first prefix that matches. */
const FALLBACK = [
  ['no_llm_configured', 'No AI model is set up on this server.'],
  ['circuit_open', 'The AI model failed several times in a row, so it is paused for a while.'],
  ['provider_time', 'The AI model took too long to answer.'],
  ['provider_refused', 'The AI model declined to write it.'],
  ['', 'The AI model could not be reached.'],
];
const fallbackWords = (reason) => reason && FALLBACK.find(([prefix]) => reason.startsWith(prefix))[1];

const linkLine = (href, text, ...rest) => h('p', link(href, text), ...rest);
const icon = (text) => h('span', {'aria-hidden': 'true'}, text);

export async function render(main, {signal}) {
  let poller = null, timedOut = false, briefing = null;
  const today = card('home-today', 'today-title', 'Today’s workout');
  const brief = card('home-briefing', 'briefing-title', 'Coach briefing', {'aria-live': 'polite'});
  const week = card('home-week', 'week-title', 'This week');
  const checkin = card('home-checkin', 'checkin-card-title', 'Check-in');
  const race = card('home-race', 'race-title', 'Race');
  const lastRun = card('home-last-run', 'last-run-title', 'Last run');
  const {data} = await api('/v1/home', {signal}), name = session.athlete?.display_name;
  main.append(
    h('div.home-head',
      h('h1', 'Today'),
      h('p.muted', date(todayISO(), {weekday: 'long', day: 'numeric', month: 'long'}), name && ` · Hello, ${name}`)),
    h('div.grid.home-grid', today, brief, week, checkin, race, lastRun));
  paint(data);
  function paint(home) {
    paintToday(today, home);
    paintWeek(week, home.week);
    paintCheckin(home);
    paintRace(race, home.race_countdown);
    paintLastRun(lastRun, home);
    briefing = home;
    paintBriefing();
    if (PENDING.has(home.briefing_state)) startPoll();
    else stopPoll();
  }
  function startPoll() {
    if (poller) return;
    timedOut = false;
    poller = pollBriefing({
      onUpdate: (b) => { briefing = b; paintBriefing(); },
      onEnd: (reason) => {
        poller = null;
        if (reason === 'timeout') { timedOut = true; paintBriefing(); }
      },
    });
  }
  function stopPoll() { poller?.stop(); poller = null; }
  function paintBriefing() {
    const b = briefing, state = b.briefing_state, content = b.coach_briefing, pending = PENDING.has(state);
    brief.dataset.state = state;
    if (b.briefing_source) brief.dataset.source = b.briefing_source; else delete brief.dataset.source;
    brief.setAttribute('aria-busy', String(pending && !timedOut));
    if (state === 'consent_required') {
      return brief.paint(
        h('p', 'Your daily briefing is written by an AI model from your training data: your runs, your plan and your check-ins. AI features are turned off for your account.'),
        linkLine('/settings', 'Turn on AI consent in Settings', ' to get a briefing each morning. You can turn it off again at any time.'));
    }
    const status = pending && (timedOut
      ? h('div.briefing-status', {role: 'status'},
        h('p', content ? 'The new briefing is taking longer than usual; this is the previous one.' : 'Your briefing is taking longer than usual.'),
        button('Check again', () => { startPoll(); paintBriefing(); brief.querySelector('h2').focus(); }, 'secondary'))
      : h('p.briefing-status.pending',
        h('span.spinner.pulse', {'aria-hidden': 'true'}, '⟳'),
        h('span', content ? 'Your coach is updating this briefing for your latest data…' : 'Your coach is writing today’s briefing…')));
    if (!content) {
      return brief.paint(status || h('p.muted', 'No briefing yet.'),
        pending && h('div.skeleton.pulse', {'aria-hidden': 'true'}, h('span'), h('span'), h('span')));
    }
    const parts = BRIEFING_PARTS.filter(([key]) => content[key]);
    const rules = b.briefing_source === 'deterministic';
    brief.paint(status,
      h('div', {class: ['briefing-body', pending && 'is-old']},
        content.morning_voice && h('p.lead', content.morning_voice),
        parts.length > 0 && h('dl.briefing-parts', parts.map(([key, label]) => [h('dt', label), h('dd', content[key])]))),
      b.briefing_is_interim && h('p.briefing-interim', icon('✎ '), 'A fuller briefing is on its way.'),
      h('p.briefing-source',
        h('span.badge.muted', rules ? 'From your data' : 'AI coach'), ' ',
        rules
          ? ['Written from your training data by StrideIQ’s rules, not by an AI model.', fallbackWords(b.fallback_reason)].filter(Boolean).join(' ')
          : `Written by an AI model${b.briefing_source_model ? ` (${b.briefing_source_model})` : ''} from your training data.`,
        b.briefing_last_updated_at ? ` Updated ${dateTime(b.briefing_last_updated_at)}.` : ''));
  }
  function paintCheckin(home) {
    const c = home.today_checkin;
    if (c) {
      return checkin.paint(
        h('p.done-line', icon('✓ '), 'Checked in today'),
        facts([
          ['Readiness', c.readiness_label ?? '—'],
          ['Sleep', [c.sleep_h != null && `${c.sleep_h} h`, c.sleep_label].filter(Boolean).join(', ') || '—'],
          ['Soreness', c.soreness_label ?? '—']]),
        linkLine('/checkin', 'Edit today’s check-in'));
    }
    if (!home.checkin_needed) return checkin.paint(h('p', 'No check-in today.'), linkLine('/checkin', 'Check in'));
    checkin.paint(onCheckinSubmit(h('form', {novalidate: true, 'aria-labelledby': 'checkin-card-title'},
      h('p.muted', 'How are you today? Three quick answers help your coach shape the day.'),
      formError(),
      scale('readiness_1_5', null, 'Readiness to train'),
      sleepField(null),
      scale('soreness_1_5', null, 'Muscle soreness'),
      h('div.row.spread', h('button', {type: 'submit'}, 'Save check-in'), link('/checkin', 'Full check-in'))),
    ['readiness_1_5', 'sleep_h', 'soreness_1_5'], {
      signal,
      done: async () => {
        const {data: fresh} = await api('/v1/home', {signal});
        stopPoll();
        paint(fresh); // the check-in queued a rewrite: the poll restarts
        toast('Check-in saved. Your coach is updating the briefing.');
        checkin.querySelector('h2').focus();
      },
    }));
  }
  return stopPoll;
}

function paintToday(el, home) {
  const t = home.today;
  const rest = (title) => h('p.today-main', icon('☾ '), title);
  if (!t.has_workout) {
    return el.paint(home.week.status === 'no_plan' && !home.race_countdown
      ? [h('p.today-main', 'No plan yet'),
        h('p', 'Run as you feel today, or ', link('/plan', 'set up a plan and a goal race'), ' to get a workout each day.')]
      : [rest('Rest day'), h('p', 'Nothing is planned today. Rest is part of training: your legs adapt while you recover.')]);
  }
  if (t.workout_type === 'rest') {
    return el.paint(rest(t.title || 'Rest day'), h('p.muted', 'Rest day'), t.why_context && h('p', t.why_context));
  }
  const type = workoutName(t.workout_type);
  const meta = [t.title && t.title !== type && type, t.distance_m && distance(t.distance_m)].filter(Boolean);
  el.paint(
    h('p.today-main', t.title || type),
    meta.length > 0 && h('p.today-meta', meta.map((m, i) => [i > 0 && icon(' · '), h('span', m)])),
    t.pace_guidance && h('p', h('strong', 'Pace: '), t.pace_guidance),
    t.why_context && h('p', h('strong', 'Why: '), t.why_context),
    linkLine('/plan', 'See the plan'));
}

// [class, icon, word]: the icon and the word carry the state, not the colour.
function dayStatus(d, past, hasPlan) {
  if (d.completed) return ['done', '✓', 'Done'];
  if (d.workout_type === 'rest') return ['rest', '–', 'Rest'];
  if (d.workout_type) return past ? ['missed', '✗', 'Missed'] : ['planned', '○', 'Planned'];
  return ['none', '–', hasPlan ? 'Rest' : past ? 'No run' : 'Open'];
}

const WEEK_STATUS = {on_track: ['ok', 'On track'], ahead: ['ok', 'Ahead of plan'], behind: ['warn', 'Behind plan']};

function paintWeek(el, week) {
  const hasPlan = week.status !== 'no_plan';
  const todayIndex = week.days.findIndex((d) => d.is_today);
  const sub = [week.week_number && week.total_weeks && `Week ${week.week_number} of ${week.total_weeks}`, week.phase && `${cap(week.phase)} phase`]
    .filter(Boolean).join(' · ');
  const badge = WEEK_STATUS[week.status];
  const bar = week.planned_m > 0 && h('div.week-bar', {'aria-hidden': 'true'}, h('span'));
  if (bar) bar.firstChild.style.width = `${Math.min(100, (week.completed_m / week.planned_m) * 100).toFixed(1)}%`;
  const days = week.days.map((d, i) => {
    const [kind, mark, word] = dayStatus(d, i < todayIndex, hasPlan);
    const planned = d.workout_type && d.workout_type !== 'rest' && `${workoutName(d.workout_type)}${d.planned_distance_m ? `, ${distance(d.planned_distance_m)}` : ''}`;
    const done = d.run_count > 0 && distance(d.distance_m), others = d.other_activities?.length;
    return h('li', {class: ['day', `is-${kind}`, d.is_today && 'is-today'], 'aria-current': d.is_today && 'date'},
      h('p.day-name',
        weekday(d.date), ' ', h('span.day-date', date(d.date, {day: 'numeric'})),
        d.is_today && h('span.day-today', 'Today')),
      h('p.day-status', h('span.day-icon', {'aria-hidden': 'true'}, mark), ' ', word),
      h('p.day-detail',
        planned && h('span.muted', h('span.visually-hidden', 'Planned: '), planned),
        done && h('span.day-done', h('span.visually-hidden', 'Ran: '),
          d.activity_id ? link(`/activities/${d.activity_id}`, done) : done,
          d.run_count > 1 && ` (${d.run_count} runs)`),
        others > 0 && h('span.day-other', `+ ${plural(others, 'other activity', 'other activities')}`)));
  });
  el.paint(
    sub && h('p.muted', sub),
    h('p.week-line', week.trajectory_sentence, badge && [' ', h('span', {class: `badge ${badge[0]}`}, badge[1])]),
    bar,
    h('ol.week-days', {'aria-label': 'Monday to Sunday'}, days));
}

function paintRace(el, race) {
  if (!race) {
    return el.paint(h('p', 'No goal race yet.'),
      linkLine('/plan', 'Set a goal race', ' and StrideIQ counts down to it and shapes your plan around it.'));
  }
  const n = race.days_remaining;
  el.paint(
    h('p.card-name', race.race_name),
    h('p.race-countdown', n === 0 ? 'Race day is today!' : n === 1 ? 'Tomorrow' : `${n} days to go`),
    facts([
      ['Date', date(race.race_date)],
      ['Distance', distance(race.distance_m)],
      ['Goal', race.goal_time && [race.goal_time, race.goal_pace && ` (${race.goal_pace})`]]]),
    linkLine('/plan', 'Race and plan'));
}

function paintLastRun(el, home) {
  const run = home.last_run, y = home.yesterday;
  if (!run) {
    return el.paint(
      y?.last_activity_id
        ? h('p', 'Your last run was ', link(`/activities/${y.last_activity_id}`, y.last_activity_name || 'a run'), y.days_since_last ? `, ${y.days_since_last} days ago.` : '.')
        : h('p', home.has_any_activities ? 'No run in the last few days.' : 'No runs yet.'),
      linkLine('/activities/new', 'Add a run'));
  }
  el.paint(
    h('p.card-name', link(`/activities/${run.activity_id}`, run.name || 'Run')),
    h('p.muted', dateTime(run.start_time)),
    facts([
      ['Distance', distance(run.distance_m)],
      ['Time', run.moving_time_s > 0 && duration(run.moving_time_s)],
      ['Pace', run.distance_m > 0 && run.moving_time_s > 0 && paceOf(run.distance_m, run.moving_time_s)],
      ['Avg HR', run.average_hr > 0 && `${run.average_hr} bpm`]]),
    y?.insight && h('p.muted', y.insight));
}
