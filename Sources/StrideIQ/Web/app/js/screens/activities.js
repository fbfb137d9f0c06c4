import { api, session } from '../lib/api.js';
import { h, replace, field, formError, showErrors, clearErrors, toast } from '../lib/dom.js';
import * as fmt from '../lib/format.js';
import { navigate } from '../lib/router.js';
import { barChart } from '../lib/chart.js';

const SPORTS = [['run', 'Run'], ['walking', 'Walk'], ['hiking', 'Hike'], ['cycling', 'Ride'], ['swimming', 'Swim'],
  ['strength', 'Strength'], ['flexibility', 'Mobility'], ['other', 'Other']];
const SPORT = Object.fromEntries(SPORTS);
const PAGE = 20, WEEKS = 12;
const NO_FILTERS = { sport: '', since: '', until: '', page: 1 };

/** Seconds east of UTC in the athlete's zone at the instant `ms`. */
function offsetAt(ms) {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: session.athlete?.timezone || undefined, timeZoneName: 'longOffset' }).format(ms);
  const [, sign, hh, mm] = /([+-])(\d\d):(\d\d)/.exec(name) ?? [0, '+', 0, 0]; // "GMT" is 0
  return (sign === '-' ? -1 : 1) * (hh * 3600 + mm * 60);
}

/** A day and "HH:MM" in the athlete's zone → ms; asks twice, for DST changes. */
function zoned(day, time = '00:00') {
  const wall = Date.parse(`${day}T${time}Z`);
  return wall - offsetAt(wall - offsetAt(wall) * 1000) * 1000;
}

const iso = (ms) => new Date(ms).toISOString();
const hhmm = (s) => iso(s * 1000).slice(11, 16);
const shortDay = (day) => fmt.date(day, { day: 'numeric', month: 'short' });
const btn = (text, click, cls = 'secondary') => h('button', { type: 'button', class: cls, on: { click } }, text);
const link = (href, text, cls = 'button') => h('a', { href, class: cls }, text);
const back = () => h('p', { class: 'back' }, link('/activities', '← All activities', null));
const heading = (text) => h('h1', { tabindex: '-1' }, text);
const problem = (e, retry) => h('div', { class: 'notice notice-error', role: 'alert' },
  h('p', {}, '⚠ Could not load: ', e.message), btn('Try again', retry, ''));

function row(a) {
  const time = a.moving_time_s ?? a.duration_s;
  const stat = (label, value) => h('span', {}, h('span', { class: 'visually-hidden' }, `${label}: `), value);
  return h('li', { 'data-testid': 'activity-row' },
    h('a', { href: `/activities/${a.id}`, class: 'card activity-link' },
      h('span', { class: 'row activity-title' },
        h('span', { class: 'activity-name' }, a.name), h('span', { class: 'badge muted activity-sport' }, SPORT[a.sport])),
      h('time', { class: 'activity-date', datetime: a.start_time }, fmt.dateTime(a.start_time)),
      h('span', { class: 'row activity-stats' },
        a.distance_m != null && stat('Distance', fmt.distance(a.distance_m, { decimals: 2 })),
        time != null && stat('Time', fmt.duration(time)),
        a.pace_s_per_km && stat('Pace', fmt.pace(a.pace_s_per_km)))));
}

async function weeklyChart(sport, signal) {
  const first = fmt.addDays(fmt.mondayOf(fmt.todayISO()), -7 * (WEEKS - 1));
  const totals = new Array(WEEKS).fill(0);
  for (let offset = 0; offset < 5000; offset += 100) {
    const { data } = await api('/v1/activities', { query: { since: iso(zoned(first)), sport, limit: 100, offset }, signal });
    for (const a of data.activities) {
      const week = Math.floor((Date.parse(fmt.localISODate(a.start_time)) - Date.parse(first)) / 604800000);
      if (a.distance_m && week < WEEKS) totals[week] += a.distance_m;
    }
    if (offset + 100 >= data.total || !data.activities.length) break;
  }
  const mondays = totals.map((_, i) => fmt.addDays(first, 7 * i));
  return barChart({
    title: `${sport ? `${SPORT[sport]} distance` : 'Distance'} per week, last ${WEEKS} weeks${sport ? '' : ' (all sports)'}`,
    unit: fmt.units(),
    labels: mondays.map(shortDay),
    longLabels: mondays.map((d, i) => `${i === WEEKS - 1 ? 'This week, from' : 'Week of'} ${shortDay(d)}`),
    values: totals.map((m) => Math.round(fmt.fromMeters(m) * 10) / 10),
  });
}

export async function renderList(main, { query }) {
  const aborter = new AbortController();
  const { signal } = aborter;
  const day = (k) => (/^\d{4}-\d\d-\d\d$/.test(query.get(k)) ? query.get(k) : '');
  let filters = { sport: SPORT[query.get('sport')] ? query.get('sport') : '', since: day('since'), until: day('until'),
    page: Math.max(1, Number.parseInt(query.get('page'), 10) || 1) };
  const form = h('form', { class: 'activity-filters', 'aria-label': 'Filter activities', novalidate: true },
    field({ id: 'sport', label: 'Sport', type: 'select', value: filters.sport, attrs: { options: [['', 'All sports'], ...SPORTS] } }),
    field({ id: 'since', label: 'From', type: 'date', value: filters.since }),
    field({ id: 'until', label: 'To', type: 'date', value: filters.until }),
    h('div', { class: 'row filter-actions' }, h('button', {}, 'Apply filters'), btn('Clear', () => apply(NO_FILTERS, true))),
    formError());
  const chart = h('section', { class: 'card', 'data-testid': 'weekly-chart', 'aria-label': 'Weekly distance' });
  const summary = h('p', { class: 'activity-summary', role: 'status' });
  const list = h('ul', { class: 'activity-list', 'data-testid': 'activity-list' });
  const empty = h('div', { class: 'empty', hidden: true });
  // The button pressed may now be disabled: keep the focus on a usable one.
  const turn = (by) => apply({ ...filters, page: filters.page + by }).then(() => {
    const el = document.activeElement;
    if (el.disabled || el === document.body) (prev.disabled ? next : prev).focus();
  });
  const prev = btn('← Previous', () => turn(-1));
  const next = btn('Next →', () => turn(1));
  const pageInfo = h('span', { class: 'pager-info' });
  const pager = h('nav', { class: 'row spread pager', 'aria-label': 'Pages', hidden: true }, prev, pageInfo, next);
  replace(main,
    h('div', { class: 'row spread page-head' }, heading('Activities'), link('/activities/new', '+ Add a run')),
    chart, form, summary, list, empty, pager);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = { ...Object.fromEntries(new FormData(form)), page: 1 };
    if (f.since && f.until && f.until < f.since) showErrors(form, { errors: [{ field: 'until', message: 'Must be on or after the “From” date.' }] });
    else apply(f, f.sport !== filters.sport);
  });
  async function loadChart() {
    replace(chart, h('p', { class: 'muted' }, 'Loading the weekly chart…'));
    try {
      replace(chart, await weeklyChart(filters.sport, signal));
    } catch (e) {
      if (e.name !== 'AbortError') replace(chart, problem(e, loadChart));
    }
  }
  async function loadPage() {
    const { since, until, sport, page } = filters;
    const q = { limit: PAGE, offset: (page - 1) * PAGE, sport,
      since: since && iso(zoned(since)), until: until && iso(zoned(fmt.addDays(until, 1))) };
    try {
      const { data: { activities, total, offset } } = await api('/v1/activities', { query: q, signal });
      const pages = Math.max(1, Math.ceil(total / PAGE));
      if (!activities.length && total && page > 1) return apply({ ...filters, page: pages });
      replace(list, activities.map(row));
      list.hidden = !activities.length;
      empty.hidden = total > 0;
      replace(empty, since || until || sport
        ? [h('p', {}, 'No activities match these filters.'), btn('Clear filters', () => apply(NO_FILTERS, true))]
        : [h('p', {}, 'No activities yet. Log your first run and it will show up here.'), link('/activities/new', 'Add a run')]);
      summary.textContent = total ? `Showing ${offset + 1}–${offset + activities.length} of ${total} ${total === 1 ? 'activity' : 'activities'}` : '';
      pager.hidden = pages < 2;
      pageInfo.textContent = `Page ${page} of ${pages}`;
      prev.disabled = page < 2;
      next.disabled = page >= pages;
    } catch (e) {
      if (e.name === 'AbortError') return;
      if (e.status === 422) return showErrors(form, e);
      list.hidden = pager.hidden = true;
      summary.textContent = '';
      empty.hidden = false;
      replace(empty, problem(e, loadPage));
    }
  }
  async function apply(f, withChart) {
    filters = f;
    for (const k of ['sport', 'since', 'until']) form[k].value = f[k];
    clearErrors(form);
    const q = String(new URLSearchParams(Object.entries(f).filter(([, v]) => v && v !== 1)));
    history.replaceState(null, '', `/activities${q && `?${q}`}`);
    main.dataset.ready = 'false';
    await Promise.all([loadPage(), withChart && loadChart()]);
    main.dataset.ready = 'true';
  }
  await Promise.all([loadPage(), loadChart()]);
  return () => aborter.abort();
}

export async function renderDetail(main, { params }) {
  let a;
  try {
    ({ data: a } = await api(`/v1/activities/${encodeURIComponent(params.id)}`));
  } catch (e) {
    const gone = [400, 404, 422].includes(e.status);
    replace(main, back(), heading(gone ? 'Activity not found' : 'Could not load this activity'),
      h('p', {}, gone ? 'It may have been deleted.' : e.message));
    return;
  }
  // At another offset than the athlete's zone: " (07:30 local time, UTC−05:00)".
  const start = Date.parse(a.start_time);
  const o = a.utc_offset_s;
  const elsewhere = offsetAt(start) === o ? '' : ` (${hhmm(start / 1000 + o)} local time, UTC${o < 0 ? '−' : '+'}${hhmm(Math.abs(o))})`;
  const feet = fmt.units() === 'mi';
  const facts = [
    ['Date', fmt.dateTime(start) + elsewhere],
    ['Sport', SPORT[a.sport]],
    ['Distance', a.distance_m != null && fmt.distance(a.distance_m, { decimals: 2 })],
    ['Moving time', a.moving_time_s != null && fmt.duration(a.moving_time_s)],
    ['Elapsed time', a.duration_s != null && a.duration_s !== a.moving_time_s && fmt.duration(a.duration_s)],
    ['Pace', a.pace_s_per_km && fmt.pace(a.pace_s_per_km)],
    ['Average heart rate', a.avg_hr && `${a.avg_hr} bpm`],
    ['Max heart rate', a.max_hr && `${a.max_hr} bpm`],
    ['Elevation gain', a.elevation_gain_m != null && `${Math.round(a.elevation_gain_m * (feet ? 3.28084 : 1))} ${feet ? 'ft' : 'm'}`],
    ['Time zone', a.timezone],
    ['Source', a.source === 'manual' ? 'Added by hand' : a.source + (a.external_id ? ` (id ${a.external_id})` : '')],
    ['Recorded', a.created_at && fmt.dateTime(a.created_at)],
  ];
  const error = h('p', { class: 'form-error', role: 'alert' });
  const cancel = btn('Cancel', () => dialog.close());
  const confirm = btn('Delete', remove, 'danger');
  const dialog = h('dialog', { 'aria-labelledby': 'delete-title', 'aria-describedby': 'delete-desc' },
    h('h2', { id: 'delete-title' }, 'Delete this activity?'),
    h('p', { id: 'delete-desc' }, `“${a.name}” on ${fmt.date(start)} will be removed for good.`),
    error, h('div', { class: 'row dialog-actions' }, cancel, confirm));
  const busy = (on) => { confirm.disabled = cancel.disabled = on; confirm.textContent = on ? 'Deleting…' : 'Delete'; };
  async function remove() {
    busy(true);
    try {
      await api(`/v1/activities/${a.id}`, { method: 'DELETE' });
    } catch (e) {
      if (e.status !== 404) { error.textContent = e.message; return busy(false); } // 404: gone already
    }
    dialog.close();
    toast(`Deleted “${a.name}”.`);
    navigate('/activities');
  }
  replace(main, back(), heading(a.name),
    h('dl', { class: 'activity-facts' }, facts.map(([k, v]) => v && h('div', {}, h('dt', {}, k), h('dd', {}, v)))),
    btn('Delete activity', () => { error.textContent = ''; dialog.showModal(); }, 'danger'),
    dialog);
  return () => dialog.open && dialog.close();
}

export function renderNew(main) {
  const unit = fmt.units();
  const example = unit === 'mi' ? '6.2' : '10.5';
  const today = fmt.todayISO();
  const optional = { autocomplete: 'off' };
  const duplicate = h('div', { class: 'notice', role: 'alert', hidden: true });
  const save = h('button', {}, 'Save run');
  const form = h('form', { class: 'activity-form', novalidate: true },
    h('div', { class: 'field-row' },
      field({ id: 'local_date', label: 'Date', type: 'date', value: today, attrs: { max: today, required: true } }),
      field({ id: 'start_time', label: 'Start time', type: 'time', value: hhmm(Date.now() / 1000 + offsetAt(Date.now())), attrs: { required: true } })),
    field({ id: 'sport', label: 'Sport', type: 'select', value: 'run', attrs: { options: SPORTS } }),
    h('div', { class: 'field-row' },
      field({ id: 'distance_m', label: `Distance (${unit})`, hint: `e.g. ${example}`, attrs: { ...optional, inputmode: 'decimal' } }),
      field({ id: 'duration_s', label: 'Duration (h:mm:ss)', hint: 'e.g. 45:00 or 1:05:30', attrs: { ...optional, spellcheck: 'false' } })),
    field({ id: 'name', label: 'Name (optional)', hint: 'Defaults to the sport, e.g. “Run”.', attrs: { maxlength: 200 } }),
    field({ id: 'avg_hr', label: 'Average heart rate (bpm, optional)', attrs: { ...optional, inputmode: 'numeric' } }),
    formError(), duplicate,
    h('div', { class: 'row' }, save, link('/activities', 'Cancel', 'button secondary')));
  replace(main, back(), heading('Add a run'), form);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    duplicate.hidden = true;
    const [day, time, sport, distanceText, duration, name, hr] = [...new FormData(form).values()].map((v) => v.trim());
    const distance = Number(distanceText.replace(',', '.'));
    const seconds = fmt.parseDuration(duration);
    const errors = [];
    const fail = (f, message) => errors.push({ field: f, message });
    if (!day) fail('local_date', 'Enter the date of the run.');
    if (!time) fail('start_time', 'Enter the time it started.');
    if (distanceText ? !(distance > 0 && distance < 1e4) : !['strength', 'flexibility', 'other'].includes(sport)) fail('distance_m', `Enter the distance in ${unit}, e.g. ${example}.`);
    if (seconds === null) fail('duration_s', 'Enter the time as h:mm:ss, e.g. 45:00 or 1:05:30.');
    if (hr && !/^\d{2,3}$/.test(hr)) fail('avg_hr', 'Enter beats per minute, e.g. 150.');
    if (errors.length) return showErrors(form, { errors });
    clearErrors(form);
    const start = zoned(day, time);
    const body = {
      start_time: iso(start), utc_offset_s: offsetAt(start), timezone: session.athlete?.timezone, sport,
      distance_m: distanceText ? Math.round(fmt.toMeters(distance) * 10) / 10 : undefined, duration_s: seconds,
      name: name || undefined, avg_hr: hr ? +hr : undefined,
    };
    save.disabled = true;
    try {
      const { data } = await api('/v1/activities', { method: 'POST', body });
      toast(`Saved “${data.name}”.`);
      navigate(`/activities/${data.id}`);
    } catch (err) {
      save.disabled = false;
      const existing = err.status === 409 && err.data?.existing_activity_id;
      if (!existing) return showErrors(form, err);
      const go = h('a', { href: `/activities/${existing}`, 'data-testid': 'duplicate-link' }, 'View the existing activity');
      replace(duplicate,
        h('p', {}, 'This run is already recorded: an activity starting within 2 minutes of it, with about the same distance, exists.'),
        h('p', {}, go));
      duplicate.hidden = false;
      go.focus();
    }
  });
}
