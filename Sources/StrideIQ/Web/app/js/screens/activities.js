import {api, session, upload, download} from '../lib/api.js';
import {h, s, replace, field, formError, showErrors, clearErrors, toast, confirm, table, button, facts, problem, card, link} from '../lib/dom.js';
import * as fmt from '../lib/format.js';
import {navigate} from '../lib/router.js';
import {barChart} from '../lib/chart.js';

const SPORTS = [['run', 'Run'], ['walking', 'Walk'], ['hiking', 'Hike'], ['cycling', 'Ride'], ['swimming', 'Swim'],
  ['strength', 'Strength'], ['flexibility', 'Mobility'], ['other', 'Other']];
const SPORT = Object.fromEntries(SPORTS), PAGE = 20, WEEKS = 12;
const NO_FILTERS = {sport: '', since: '', until: '', page: 1};

/** Seconds east of UTC in the athlete's zone at the instant `ms`. */
function offsetAt(ms) {
  const name = new Intl.DateTimeFormat('en-US', {timeZone: fmt.zone(), timeZoneName: 'longOffset'}).format(ms);
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
const btn = (text, click) => button(text, click, 'secondary');
const back = () => h('p.back', link('/activities', '← All activities'));

function row(a) {
  const time = a.moving_time_s ?? a.duration_s;
  const stat = (label, value) => h('span', h('span.visually-hidden', `${label}: `), value);
  return h('li', {'data-testid': 'activity-row'},
    h('a', {href: `/activities/${a.id}`, class: 'card activity-link'},
      h('span.row.activity-title',
        h('span.activity-name', a.name), h('span.badge.muted.activity-sport', SPORT[a.sport])),
      h('time.activity-date', {datetime: a.start_time}, fmt.dateTime(a.start_time)),
      h('span.row.activity-stats',
        a.distance_m != null && stat('Distance', fmt.distance(a.distance_m, {decimals: 2})),
        time != null && stat('Time', fmt.duration(time)),
        a.pace_s_per_km && stat('Pace', fmt.pace(a.pace_s_per_km)))));
}

async function weeklyChart(sport, signal) {
  const first = fmt.addDays(fmt.mondayOf(fmt.todayISO()), -7 * (WEEKS - 1)), totals = new Array(WEEKS).fill(0);
  for (let offset = 0; offset < 5000; offset += 100) {
    const {data} = await api('/v1/activities', {query: {since: iso(zoned(first)), sport, limit: 100, offset}, signal});
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
    labels: mondays.map(fmt.shortDate),
    longLabels: mondays.map((d, i) => `${i === WEEKS - 1 ? 'This week, from' : 'Week of'} ${fmt.shortDate(d)}`),
    values: totals.map((m) => Math.round(fmt.fromMeters(m) * 10) / 10),
  });
}

const WORD = {created: ['ok', 'Imported'], duplicate: ['muted', 'Already recorded'], failed: ['danger', 'Not imported']};

/** Drop zone and file picker → POST /v1/activities/import, then the job's progress until it ends. */
function importer(signal, done) {
  const over = (on) => (e) => { e.preventDefault(); e.currentTarget.classList.toggle('over', on); };
  const input = h('input', { type: 'file', id: 'import-files', multiple: true, accept: '.fit,.gpx,.tcx,.gz,.zip', 'aria-describedby': 'import-hint',
    on: {change: () => send(input.files)} });
  const bar = h('progress', {max: 100, hidden: true, 'aria-label': 'Import progress'});
  const status = h('p', {role: 'status'}), list = h('ul.import-results', {'data-testid': 'import-results'});
  const show = (job) => {
    bar.value = job.progress_pct;
    status.textContent = job.status === 'failed' ? `⚠ The import failed after ${fmt.plural(job.files_done, 'file')}.`
      : job.status === 'completed' ? `Done: ${job.created} imported, ${job.duplicate} already recorded, ${job.failed} not imported.`
        : `Importing: ${job.files_done} of ${fmt.plural(job.files_total, 'file')}…`;
    replace(list, job.results.map((r) => {
      const id = r.activity_id ?? r.activity_ids?.[0], [cls, word] = WORD[r.status];
      return h('li', {'data-status': r.status}, h('span', {class: `badge ${cls}`}, word), ' ', id ? link(`/activities/${id}`, r.file) : r.file,
        r.activity_ids?.length > 1 && ` (+${r.activity_ids.length - 1} more)`, r.reason && `: ${r.reason}`);
    }));
  };
  async function send(chosen) {
    if (!chosen.length || input.disabled) return;
    const form = new FormData();
    for (const f of chosen) form.append('file', f, f.name);
    input.disabled = true;
    bar.hidden = false;
    bar.value = 0;
    replace(list);
    status.textContent = `Uploading ${fmt.plural(chosen.length, 'file')}…`;
    try {
      let {data: job} = await upload('/v1/activities/import', form, (f) => { bar.value = f * 100; });
      while (/queued|running/.test(job.status)) {
        show(job);
        await new Promise((r) => setTimeout(r, 1000));
        ({data: job} = await api(`/v1/imports/${job.id}`, {signal}));
      }
      show(job);
      if (job.created) done();
    } catch (e) {
      if (e.name !== 'AbortError') status.textContent = `⚠ ${e.message}`;
    }
    input.disabled = false;
    input.value = '';
  }
  return card('import', 'import-title', 'Import files', { class: 'import',
    on: {dragover: over(true), dragleave: over(false), drop: (e) => { over(false)(e); send(e.dataTransfer.files); }} }).paint(
    h('label', {for: 'import-files'}, 'Files to import'),
    h('p#import-hint.hint', 'FIT, GPX or TCX files from your watch or apps (also .gz), or a whole .zip export: drop them here or choose them.'),
    input, bar, status, list);
}

export async function renderList(main, {query, signal}) {
  const day = (k) => (/^\d{4}-\d\d-\d\d$/.test(query.get(k)) ? query.get(k) : '');
  let filters = { sport: SPORT[query.get('sport')] ? query.get('sport') : '', since: day('since'), until: day('until'),
    page: Math.max(1, Number.parseInt(query.get('page'), 10) || 1) };
  const form = h('form.activity-filters', {'aria-label': 'Filter activities', novalidate: true},
    field({id: 'sport', label: 'Sport', type: 'select', value: filters.sport, attrs: {options: [['', 'All sports'], ...SPORTS]}}),
    field({id: 'since', label: 'From', type: 'date', value: filters.since}),
    field({id: 'until', label: 'To', type: 'date', value: filters.until}),
    h('div.row.filter-actions', h('button', 'Apply filters'), btn('Clear', () => apply(NO_FILTERS, true))),
    formError());
  const chart = h('section.card', {'data-testid': 'weekly-chart', 'aria-label': 'Weekly distance'});
  const summary = h('p.activity-summary', {role: 'status'});
  const list = h('ul.activity-list', {'data-testid': 'activity-list'});
  const empty = h('div.empty', {hidden: true});
  // The button pressed may now be disabled: keep the focus on a usable one.
  const turn = (by) => apply({...filters, page: filters.page + by}).then(() => {
    const el = document.activeElement;
    if (el.disabled || el === document.body) (prev.disabled ? next : prev).focus();
  });
  const prev = btn('← Previous', () => turn(-1));
  const next = btn('Next →', () => turn(1));
  const pageInfo = h('span.pager-info');
  const pager = h('nav.row.spread.pager', {'aria-label': 'Pages', hidden: true}, prev, pageInfo, next);
  replace(main,
    h('div.row.spread.page-head', h('h1', 'Activities'), link('/activities/new', '+ Add a run', 'button')),
    importer(signal, () => apply(filters, true)), chart, form, summary, list, empty, pager);
  form.onsubmit = (e) => {
    e.preventDefault();
    const f = {...Object.fromEntries(new FormData(form)), page: 1};
    if (f.since && f.until && f.until < f.since) showErrors(form, {errors: [{field: 'until', message: 'Must be on or after the “From” date.'}]});
    else apply(f, f.sport !== filters.sport);
  };
  async function loadChart() {
    replace(chart, h('p.muted', 'Loading the weekly chart…'));
    try {
      replace(chart, await weeklyChart(filters.sport, signal));
    } catch (e) {
      if (e.name !== 'AbortError') replace(chart, problem(e, loadChart));
    }
  }
  async function loadPage() {
    const {since, until, sport, page} = filters;
    const q = { limit: PAGE, offset: (page - 1) * PAGE, sport,
      since: since && iso(zoned(since)), until: until && iso(zoned(fmt.addDays(until, 1))) };
    try {
      const {data: {activities, total, offset}} = await api('/v1/activities', {query: q, signal});
      const pages = Math.max(1, Math.ceil(total / PAGE));
      if (!activities.length && total && page > 1) return apply({...filters, page: pages});
      replace(list, activities.map(row));
      list.hidden = !activities.length;
      empty.hidden = total > 0;
      replace(empty, since || until || sport
        ? [h('p', 'No activities match these filters.'), btn('Clear filters', () => apply(NO_FILTERS, true))]
        : [h('p', 'No activities yet. Log your first run and it will show up here.'), link('/activities/new', 'Add a run', 'button')]);
      summary.textContent = total ? `Showing ${offset + 1}–${offset + activities.length} of ${fmt.plural(total, 'activity', 'activities')}` : '';
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
}

/** The track, equirectangular (x scaled by the cosine of the middle latitude) in ~1 m units; the viewBox fits it. */
function routeMap(points, name) {
  const lats = points.map((p) => p[1]), k = Math.cos((Math.min(...lats) + Math.max(...lats)) * Math.PI / 360);
  const xy = points.map(([lon, lat]) => [Math.round(lon * k * 1e5), Math.round(-lat * 1e5)]);
  const [x, y, x1, y1] = [Math.min, Math.max].flatMap((f) => [0, 1].map((i) => f(...xy.map((p) => p[i]))));
  const pad = Math.max(x1 - x, y1 - y) / 20 + 1;
  const line = (cls, ...p) => s('polyline', {class: cls, points: p.join(' ')});
  return h('figure.card.route', s('svg', { viewBox: [x - pad, y - pad, x1 - x + 2 * pad, y1 - y + 2 * pad].join(' '), role: 'img',
    'data-testid': 'activity-route', 'aria-label': `Route of “${name}”, start and finish marked` },
  line(null, ...xy), line('end', xy.at(-1), xy.at(-1)), line('start', xy[0], xy[0])));
}

export async function renderDetail(main, {params}) {
  let a;
  try {
    ({data: a} = await api(`/v1/activities/${encodeURIComponent(params.id)}`));
  } catch (e) {
    const gone = [400, 404, 422].includes(e.status);
    replace(main, back(), h('h1', gone ? 'Activity not found' : 'Could not load this activity'),
      h('p', gone ? 'It may have been deleted.' : e.message));
    return;
  }
  // At another offset than the athlete's zone: " (07:30 local time, UTC−05:00)".
  const start = Date.parse(a.start_time), o = a.utc_offset_s;
  const elsewhere = offsetAt(start) === o ? '' : ` (${hhmm(start / 1000 + o)} local time, UTC${o < 0 ? '−' : '+'}${hhmm(Math.abs(o))})`;
  const mi = fmt.units() === 'mi', file = a.source_file;
  const elev = (m) => m != null && `${Math.round(m * (mi ? 3.28084 : 1))} ${mi ? 'ft' : 'm'}`;
  const list = [
    ['Date', fmt.dateTime(start) + elsewhere],
    ['Sport', SPORT[a.sport]],
    ['Distance', a.distance_m != null && fmt.distance(a.distance_m, {decimals: 2})],
    ['Moving time', a.moving_time_s != null && fmt.duration(a.moving_time_s)],
    ['Elapsed time', a.duration_s != null && a.duration_s !== a.moving_time_s && fmt.duration(a.duration_s)],
    ['Pace', a.pace_s_per_km && fmt.pace(a.pace_s_per_km)],
    ['Average heart rate', a.avg_hr && `${a.avg_hr} bpm`],
    ['Max heart rate', a.max_hr && `${a.max_hr} bpm`],
    ['Elevation gain', elev(a.elevation_gain_m)],
    ['Elevation loss', elev(a.elevation_loss_m)],
    ['Average cadence', a.avg_cadence && `${Math.round(a.avg_cadence)} spm`],
    ['Time zone', a.timezone],
    ['Source', a.source === 'manual' ? 'Added by hand' : file ? 'Imported file' : a.source + (a.external_id ? ` (id ${a.external_id})` : '')],
    ['File', file && [file.file_name, file.format.toUpperCase(), file.device].filter(Boolean).join(' · ')],
    ['Recorded', a.created_at && fmt.dateTime(a.created_at)],
  ];
  const splits = a.splits?.[mi ? 'mile' : 'km'] ?? [];
  const scroll = (id, title, heads, rows) => rows.length > 0 && [h('h2', title),
    h('div.table-scroll', {tabindex: 0, role: 'region', 'aria-label': title}, table(null, heads, rows, {'data-testid': id}))];
  replace(main, back(), h('h1', a.name),
    h('div.card', facts(list)),
    a.track?.coordinates.length > 1 && routeMap(a.track.coordinates, a.name),
    scroll('activity-splits', `Splits per ${mi ? 'mile' : 'km'}`, [fmt.units(), 'Time', 'Pace', 'Elevation', 'Heart rate'], splits.map((x, i) => [
      x.distance_m < fmt.toMeters(0.99) ? fmt.distance(x.distance_m, {decimals: 2}) : String(i + 1), fmt.duration(x.elapsed_s),
      fmt.pace(x.moving_s / x.distance_m * 1000), elev(x.elevation_gain_m), x.avg_hr && `${Math.round(x.avg_hr)} bpm`])),
    scroll('best-efforts', 'Best efforts', ['Distance', 'Time', 'Pace'], (a.best_efforts ?? []).map((b) => [
      fmt.distanceName(b.name), fmt.duration(b.elapsed_s), fmt.paceOf(b.distance_m, b.elapsed_s)])),
    h('div.row', a.has_streams && btn('Download GPX', () => download(`/v1/activities/${a.id}/export.gpx`, `${a.name}.gpx`).catch((e) => toast(e.message))),
      button('Delete activity', () => confirm('Delete this activity?', `“${a.name}” on ${fmt.date(start)} will be removed for good.`,
        () => api(`/v1/activities/${a.id}`, {method: 'DELETE'}).catch((e) => { if (e.status !== 404) throw e; }), // 404: gone already
        () => { toast(`Deleted “${a.name}”.`); navigate('/activities'); }), 'danger')));
}

export function renderNew(main) {
  const unit = fmt.units(), example = unit === 'mi' ? '6.2' : '10.5', today = fmt.todayISO();
  const optional = {autocomplete: 'off'}, duplicate = h('div.notice', {role: 'alert', hidden: true});
  const save = h('button', 'Save run');
  const form = h('form.activity-form', {novalidate: true},
    h('div.field-row',
      field({id: 'local_date', label: 'Date', type: 'date', value: today, attrs: {max: today, required: true}}),
      field({id: 'start_time', label: 'Start time', type: 'time', value: hhmm(Date.now() / 1000 + offsetAt(Date.now())), attrs: {required: true}})),
    field({id: 'sport', label: 'Sport', type: 'select', value: 'run', attrs: {options: SPORTS}}),
    h('div.field-row',
      field({id: 'distance_m', label: `Distance (${unit})`, hint: `e.g. ${example}`, attrs: {...optional, inputmode: 'decimal'}}),
      field({id: 'duration_s', label: 'Duration (h:mm:ss)', hint: 'e.g. 45:00 or 1:05:30', attrs: {...optional, spellcheck: 'false'}})),
    field({id: 'name', label: 'Name (optional)', hint: 'Defaults to the sport, e.g. “Run”.', attrs: {maxlength: 200}}),
    field({id: 'avg_hr', label: 'Average heart rate (bpm, optional)', attrs: {...optional, inputmode: 'numeric'}}),
    formError(), duplicate,
    h('div.row', save, link('/activities', 'Cancel', 'button secondary')));
  replace(main, back(), h('h1', 'Add a run'), form);
  form.onsubmit = async (e) => {
    e.preventDefault();
    duplicate.hidden = true;
    const [day, time, sport, distanceText, duration, name, hr] = [...new FormData(form).values()].map((v) => v.trim());
    const distance = Number(distanceText.replace(',', '.')), seconds = fmt.parseDuration(duration), errors = [];
    const fail = (f, message) => errors.push({field: f, message});
    if (!day) fail('local_date', 'Enter the date of the run.');
    if (!time) fail('start_time', 'Enter the time it started.');
    if (distanceText ? !(distance > 0 && distance < 1e4) : !['strength', 'flexibility', 'other'].includes(sport)) fail('distance_m', `Enter the distance in ${unit}, e.g. ${example}.`);
    if (seconds === null) fail('duration_s', 'Enter the time as h:mm:ss, e.g. 45:00 or 1:05:30.');
    if (hr && !/^\d{2,3}$/.test(hr)) fail('avg_hr', 'Enter beats per minute, e.g. 150.');
    if (errors.length) return showErrors(form, {errors});
    clearErrors(form);
    const start = zoned(day, time);
    const body = {
      start_time: iso(start), utc_offset_s: offsetAt(start), timezone: session.athlete?.timezone, sport,
      distance_m: distanceText ? Math.round(fmt.toMeters(distance) * 10) / 10 : undefined, duration_s: seconds,
      name: name || undefined, avg_hr: hr ? +hr : undefined,
    };
    save.disabled = true;
    try {
      const {data} = await api('/v1/activities', {method: 'POST', body});
      toast(`Saved “${data.name}”.`);
      navigate(`/activities/${data.id}`);
    } catch (err) {
      save.disabled = false;
      const existing = err.status === 409 && err.data?.existing_activity_id;
      if (!existing) return showErrors(form, err);
      const go = h('a', {href: `/activities/${existing}`, 'data-testid': 'duplicate-link'}, 'View the existing activity');
      replace(duplicate,
        h('p', 'This run is already recorded: an activity starting within 2 minutes of it, with about the same distance, exists.'),
        h('p', go));
      duplicate.hidden = false;
      go.focus();
    }
  };
}
