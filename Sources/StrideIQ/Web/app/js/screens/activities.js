// Activities: the list (filters and page in the URL, the last 12 weeks as a chart), one activity (with
// delete), adding a run. Distances and paces in the athlete's unit, dates in the athlete's time zone.
import { api, ApiError, session } from '../lib/api.js';
import { h, replace, field, formError, showErrors, clearErrors, toast } from '../lib/dom.js';
import * as fmt from '../lib/format.js';
import { navigate } from '../lib/router.js';
import { barChart } from '../lib/chart.js';

const SPORTS = [['run', 'Run'], ['walking', 'Walk'], ['hiking', 'Hike'], ['cycling', 'Ride'], ['swimming', 'Swim'],
  ['strength', 'Strength'], ['flexibility', 'Mobility'], ['other', 'Other']];
const SPORT = Object.fromEntries(SPORTS);
const PAGE = 20;
const WEEKS = 12;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const NO_FILTERS = { sport: '', since: '', until: '', page: 1 };

// The athlete's zone may differ from the browser's: wall-clock times are converted with Intl.
const zone = () => session.athlete?.timezone || Intl.DateTimeFormat().resolvedOptions().timeZone;

/** Seconds east of UTC in force in `tz` at the instant `ms`. */
function offsetAt(ms, tz) {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
    timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  }).formatToParts(new Date(ms)).map((x) => [x.type, Number(x.value)]));
  return (Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute, p.second) - Math.floor(ms / 1000) * 1000) / 1000;
}

/** A wall-clock day and "HH:MM" in the athlete's zone → {ms, offset}. */
function zoned(day, time = '00:00', tz = zone()) {
  const [y, m, d] = day.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  const ms = wall - offsetAt(wall - offsetAt(wall, tz) * 1000, tz) * 1000;
  return { ms, offset: offsetAt(ms, tz) };
}

const instant = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
const shortDay = (day) => fmt.date(day, { day: 'numeric', month: 'short' });
const btn = (text, click, cls = 'secondary') => h('button', { type: 'button', class: cls, on: { click } }, text);
const back = () => h('p', { class: 'back' }, h('a', { href: '/activities' }, '← All activities'));
const heading = (text) => h('h1', { tabindex: '-1' }, text);
const problem = (e, retry) => h('div', { class: 'notice notice-error', role: 'alert' },
  h('p', {}, '⚠ Could not load: ', e?.detail ?? String(e)), btn('Try again', retry, ''));

// ---- the list ----

function readFilters() {
  const q = new URLSearchParams(location.search);
  const day = (k) => (DAY.test(q.get(k) ?? '') ? q.get(k) : '');
  return { sport: SPORT[q.get('sport')] ? q.get('sport') : '', since: day('since'), until: day('until'),
    page: Math.max(1, Number.parseInt(q.get('page'), 10) || 1) };
}

function row(a) {
  const time = a.moving_time_s ?? a.duration_s;
  const stat = (label, value) => h('span', {}, h('span', { class: 'visually-hidden' }, `${label}: `), value);
  return h('li', { 'data-testid': 'activity-row' },
    h('a', { href: `/activities/${a.id}`, class: 'activity-link' },
      h('span', { class: 'activity-title' },
        h('span', { class: 'activity-name' }, a.name), h('span', { class: 'activity-sport' }, SPORT[a.sport] ?? a.sport)),
      h('time', { class: 'activity-date', datetime: a.start_time }, fmt.dateTime(a.start_time)),
      h('span', { class: 'activity-stats' },
        a.distance_m != null && stat('Distance', fmt.distance(a.distance_m, { decimals: 2 })),
        time != null && stat('Time', fmt.duration(time)),
        a.pace_s_per_km && stat('Pace', fmt.pace(a.pace_s_per_km)))));
}

/** The last 12 Monday weeks' distance (athlete's zone and unit), paging through the API's 100 at a time. */
async function weeklyChart(sport, signal) {
  const first = fmt.addDays(fmt.mondayOf(fmt.todayISO()), -7 * (WEEKS - 1));
  const since = instant(zoned(first).ms);
  const totals = new Array(WEEKS).fill(0);
  for (let offset = 0, seen = 0; offset < 5000; offset += 100) {
    const { data } = await api('/v1/activities', { query: { since, sport, limit: 100, offset }, signal });
    for (const a of data.activities) {
      const week = Math.floor((Date.parse(fmt.localISODate(a.start_time)) - Date.parse(first)) / 604800000);
      if (a.distance_m && week >= 0 && week < WEEKS) totals[week] += a.distance_m;
    }
    seen += data.activities.length;
    if (seen >= data.total || !data.activities.length) break;
  }
  const mondays = totals.map((_, i) => fmt.addDays(first, 7 * i));
  const stat = (label, m) => h('div', {}, h('dt', {}, label), h('dd', {}, fmt.distance(m)));
  return [
    barChart({
      title: `${sport ? `${SPORT[sport]} distance` : 'Distance'} per week, last ${WEEKS} weeks${sport ? '' : ' (all sports)'}`,
      unit: fmt.units(),
      labels: mondays.map(shortDay),
      longLabels: mondays.map((d, i) => `${i === WEEKS - 1 ? 'This week, from' : 'Week of'} ${shortDay(d)}`),
      values: totals.map((m) => Math.round(fmt.fromMeters(m) * 10) / 10),
    }),
    h('dl', { class: 'weekly-stats' }, stat('This week', totals[WEEKS - 1]), stat('Last week', totals[WEEKS - 2]),
      stat(`${WEEKS}-week average`, totals.reduce((x, y) => x + y, 0) / WEEKS)),
  ];
}

export async function renderList(main) {
  const controller = new AbortController();
  const { signal } = controller;
  let filters = readFilters();

  const form = h('form', { class: 'activity-filters', 'aria-label': 'Filter activities', novalidate: true },
    field({ id: 'sport', label: 'Sport', type: 'select', value: filters.sport, attrs: { options: [['', 'All sports'], ...SPORTS] } }),
    field({ id: 'since', label: 'From', type: 'date', value: filters.since }),
    field({ id: 'until', label: 'To', type: 'date', value: filters.until }),
    h('div', { class: 'filter-actions' }, h('button', { type: 'submit' }, 'Apply filters'), btn('Clear', () => apply(NO_FILTERS, true))),
    formError());
  const chartBox = h('section', { class: 'weekly-chart card', 'data-testid': 'weekly-chart', 'aria-label': 'Weekly distance' });
  const summary = h('p', { class: 'activity-summary', role: 'status' });
  const list = h('ul', { class: 'activity-list', 'data-testid': 'activity-list' });
  const empty = h('div', { class: 'activity-empty', hidden: true });
  // Paging keeps the focus on a usable button (the one pressed may now be disabled).
  const turn = (by) => apply({ ...filters, page: filters.page + by }).then(() => {
    if (document.activeElement?.disabled || document.activeElement === document.body) (prev.disabled ? next : prev).focus();
  });
  const prev = btn('← Previous', () => turn(-1));
  const next = btn('Next →', () => turn(1));
  const pageInfo = h('span', { class: 'pager-info' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages', hidden: true }, prev, pageInfo, next);

  replace(main,
    h('div', { class: 'page-head' }, heading('Activities'), h('a', { href: '/activities/new', class: 'button' }, '+ Add a run')),
    chartBox, form, summary, list, empty, pager);

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = { sport: form.sport.value, since: form.since.value, until: form.until.value, page: 1 };
    if (f.since && f.until && f.until < f.since) {
      showErrors(form, new ApiError({ status: 422, errors: [{ field: 'until', message: 'Must be on or after the “From” date.' }] }));
    } else {
      apply(f, f.sport !== filters.sport);
    }
  });

  async function loadChart() {
    replace(chartBox, h('p', { class: 'muted' }, 'Loading the weekly chart…'));
    try {
      replace(chartBox, await weeklyChart(filters.sport, signal));
    } catch (e) {
      if (e.name !== 'AbortError') replace(chartBox, problem(e, loadChart));
    }
  }

  async function loadPage() {
    const { since, until, sport, page } = filters;
    const query = { limit: PAGE, offset: (page - 1) * PAGE, sport,
      since: since && instant(zoned(since).ms), until: until && instant(zoned(fmt.addDays(until, 1)).ms) };
    try {
      const { data } = await api('/v1/activities', { query, signal });
      const { activities, total, offset } = data;
      const pages = Math.max(1, Math.ceil(total / PAGE));
      if (!activities.length && total && page > 1) return apply({ ...filters, page: pages });
      replace(list, activities.map(row));
      list.hidden = !activities.length;
      empty.hidden = total > 0;
      replace(empty, since || until || sport
        ? [h('p', {}, 'No activities match these filters.'), btn('Clear filters', () => apply(NO_FILTERS, true))]
        : [h('p', {}, 'No activities yet. Log your first run and it will show up here.'),
          h('a', { href: '/activities/new', class: 'button' }, 'Add a run')]);
      summary.textContent = total ? `Showing ${offset + 1}–${offset + activities.length} of ${total} ${total === 1 ? 'activity' : 'activities'}` : '';
      pager.hidden = pages <= 1;
      pageInfo.textContent = `Page ${page} of ${pages}`;
      prev.disabled = page <= 1;
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

  // Filters and page go into the URL (a reload keeps them) without a new render of the screen.
  async function apply(f, withChart = false) {
    filters = f;
    for (const k of ['sport', 'since', 'until']) form[k].value = f[k];
    clearErrors(form);
    const q = new URLSearchParams(Object.entries(f).filter(([k, v]) => v && !(k === 'page' && v === 1))).toString();
    history.replaceState(null, '', `/activities${q ? `?${q}` : ''}`);
    main.dataset.ready = 'false';
    await Promise.all([loadPage(), withChart && loadChart()]);
    main.dataset.ready = 'true';
  }

  await Promise.all([loadPage(), loadChart()]);
  return () => controller.abort();
}

// ---- one activity ----

/** " (07:30 local time, UTC−05:00)" when it happened at another offset than the athlete's zone has. */
function elsewhere(a) {
  const ms = Date.parse(a.start_time);
  const o = a.utc_offset_s;
  if (offsetAt(ms, zone()) === o) return '';
  const local = new Date(ms + o * 1000).toISOString().slice(11, 16);
  const hhmm = new Date(Math.abs(o) * 1000).toISOString().slice(11, 16);
  return ` (${local} local time, UTC${o < 0 ? '−' : '+'}${hhmm})`;
}

export async function renderDetail(main, { params }) {
  let a;
  try {
    ({ data: a } = await api(`/v1/activities/${encodeURIComponent(params.id)}`));
  } catch (e) {
    const gone = [400, 404, 422].includes(e.status);
    replace(main, back(), heading(gone ? 'Activity not found' : 'Could not load this activity'),
      h('p', {}, gone ? 'It may have been deleted.' : e.detail ?? String(e)));
    return undefined;
  }
  const has = (v) => v !== null && v !== undefined;
  const feet = fmt.units() === 'mi';
  const facts = [
    ['Date', fmt.dateTime(a.start_time) + elsewhere(a)],
    ['Sport', SPORT[a.sport] ?? a.sport],
    ['Distance', has(a.distance_m) && fmt.distance(a.distance_m, { decimals: 2 })],
    ['Moving time', has(a.moving_time_s) && fmt.duration(a.moving_time_s)],
    ['Elapsed time', has(a.duration_s) && a.duration_s !== a.moving_time_s && fmt.duration(a.duration_s)],
    ['Pace', a.pace_s_per_km && fmt.pace(a.pace_s_per_km)],
    ['Average heart rate', has(a.avg_hr) && `${a.avg_hr} bpm`],
    ['Max heart rate', has(a.max_hr) && `${a.max_hr} bpm`],
    ['Elevation gain', has(a.elevation_gain_m) && `${Math.round(a.elevation_gain_m * (feet ? 3.28084 : 1))} ${feet ? 'ft' : 'm'}`],
    ['Time zone', a.timezone],
    ['Source', a.source === 'manual' ? 'Added by hand' : a.source + (a.external_id ? ` (id ${a.external_id})` : '')],
    ['Recorded', a.created_at && fmt.dateTime(a.created_at)],
  ].filter(([, v]) => v);

  const error = h('p', { class: 'form-error', role: 'alert' });
  const cancel = btn('Cancel', () => dialog.close());
  const confirm = btn('Delete', remove, 'danger');
  const dialog = h('dialog', { 'aria-labelledby': 'delete-title', 'aria-describedby': 'delete-desc' },
    h('h2', { id: 'delete-title' }, 'Delete this activity?'),
    h('p', { id: 'delete-desc' }, `“${a.name}” on ${fmt.date(a.start_time)} will be removed for good.`),
    error, h('div', { class: 'dialog-actions' }, cancel, confirm));
  const busy = (on) => { confirm.disabled = cancel.disabled = on; confirm.textContent = on ? 'Deleting…' : 'Delete'; };

  async function remove() {
    busy(true);
    try {
      await api(`/v1/activities/${a.id}`, { method: 'DELETE' });
    } catch (e) {
      if (e.status !== 404) { error.textContent = e.detail ?? String(e); return busy(false); }
    }
    dialog.close();
    toast(`Deleted “${a.name}”.`);
    navigate('/activities');
  }

  replace(main, back(), heading(a.name),
    h('dl', { class: 'activity-facts' }, facts.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v)))),
    btn('Delete activity', () => { error.textContent = ''; dialog.showModal(); }, 'danger'),
    dialog);
  return () => dialog.open && dialog.close();
}

// ---- adding a run ----

const NEEDS_DISTANCE = ['run', 'walking', 'hiking', 'cycling', 'swimming'];

export function renderNew(main) {
  const unit = fmt.units();
  const example = unit === 'mi' ? '6.2' : '10.5';
  const today = fmt.todayISO();
  const now = new Intl.DateTimeFormat('en-GB', { timeZone: zone(), hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date());
  const optional = { autocomplete: 'off' };
  const duplicate = h('div', { class: 'notice', role: 'alert', hidden: true });
  const save = h('button', { type: 'submit' }, 'Save run');
  const form = h('form', { class: 'activity-form', novalidate: true },
    h('div', { class: 'field-row' },
      field({ id: 'local_date', label: 'Date', type: 'date', value: today, attrs: { max: today, required: true } }),
      field({ id: 'start_time', label: 'Start time', type: 'time', value: now, attrs: { required: true } })),
    field({ id: 'sport', label: 'Sport', type: 'select', value: 'run', attrs: { options: SPORTS } }),
    h('div', { class: 'field-row' },
      field({ id: 'distance_m', label: `Distance (${unit})`, hint: `e.g. ${example}`, attrs: { ...optional, inputmode: 'decimal' } }),
      field({ id: 'duration_s', label: 'Duration (h:mm:ss)', hint: 'e.g. 45:00 or 1:05:30', attrs: { ...optional, spellcheck: 'false' } })),
    field({ id: 'name', label: 'Name (optional)', hint: 'Defaults to the sport, e.g. “Run”.', attrs: { maxlength: 200 } }),
    field({ id: 'avg_hr', label: 'Average heart rate (bpm, optional)', attrs: { ...optional, inputmode: 'numeric' } }),
    formError(), duplicate,
    h('div', { class: 'form-actions' }, save, h('a', { href: '/activities', class: 'button secondary' }, 'Cancel')));
  replace(main, back(), heading('Add a run'), form);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    duplicate.hidden = true;
    const v = (id) => form.elements[id].value.trim();
    const errors = [];
    const fail = (f, message) => errors.push({ field: f, message });
    const [day, time, sport, hr] = [v('local_date'), v('start_time'), v('sport') || 'run', v('avg_hr')];
    const distanceText = v('distance_m').replace(',', '.');
    const distance = Number(distanceText);
    const seconds = fmt.parseDuration(v('duration_s'));
    if (!DAY.test(day)) fail('local_date', 'Enter the date of the run.');
    if (!/^\d\d:\d\d/.test(time)) fail('start_time', 'Enter the time it started.');
    if (distanceText ? !(distance > 0 && distance < 1e4) : NEEDS_DISTANCE.includes(sport)) fail('distance_m', `Enter the distance in ${unit}, e.g. ${example}.`);
    if (seconds === null) fail('duration_s', 'Enter the time as h:mm:ss, e.g. 45:00 or 1:05:30.');
    if (hr && !/^\d{2,3}$/.test(hr)) fail('avg_hr', 'Enter beats per minute, e.g. 150.');
    if (errors.length) return showErrors(form, new ApiError({ status: 422, errors }));
    clearErrors(form);
    const start = zoned(day, time);
    const body = {
      start_time: instant(start.ms), utc_offset_s: start.offset, timezone: session.athlete?.timezone || undefined, sport,
      distance_m: distanceText ? Math.round(fmt.toMeters(distance) * 10) / 10 : undefined, duration_s: seconds,
      name: v('name') || undefined, avg_hr: hr ? Number(hr) : undefined,
    };
    save.disabled = true;
    try {
      const { data } = await api('/v1/activities', { method: 'POST', body });
      toast(`Saved “${data.name}”.`);
      navigate(`/activities/${data.id}`);
    } catch (err) {
      save.disabled = false;
      const existing = err.status === 409 && err.data?.existing_activity_id;
      if (!existing) return showErrors(form, err);  // the API's field errors, next to their fields
      replace(duplicate,
        h('p', {}, 'This run is already recorded: an activity starting within 2 minutes of it, with about the same distance, exists.'),
        h('p', {}, h('a', { href: `/activities/${existing}`, 'data-testid': 'duplicate-link' }, 'View the existing activity')));
      duplicate.hidden = false;
      duplicate.querySelector('a').focus();
    }
  });
}
