// Plan builder screens.
import {api} from '../lib/api.js';
import {h, empty, link, replace, field, formError, showErrors, clearErrors, toast, button as btn} from '../lib/dom.js';
import {navigate} from '../lib/router.js';
import * as F from '../lib/format.js';

const DAYS = 'monday tuesday wednesday thursday friday saturday sunday'.split(' ');
const VOL = [['current_weekly_distance_m', 'Weekly volume now'], ['peak_weekly_distance_min_m', 'Peak week, min.'], ['peak_weekly_distance_max_m', 'Peak week, max.']];
const NUM = {type: 'number', step: 'any', min: 0};
const fld = (id, label, attrs, type) => field({id, label, attrs, type});
const sel = (id, label, value, options) => field({id, label, type: 'select', value, attrs: {options}});
const head = (main, t) => replace(main, h('h1', t));
const ul = (items, fn) => h('ul', items.map(fn));
const li = c => h('li', c);
const row = (...c) => h('div.row', c);
const td = (t, cls) => h('td', {class: cls}, t);
const facts = w => [w.distance_m ? F.distance(w.distance_m) : w.duration_s && F.duration(w.duration_s),
  w.pace_fast_s_per_km && F.pace(w.pace_fast_s_per_km, w.pace_slow_s_per_km)]
  .filter(Boolean).map(t => ` · ${t}`).join('');
const wdesc = w => w ? w.title + facts(w) : 'nothing';

export function renderBuild(main, {signal}) {
  const u = F.units(), out = h('section', {'data-testid': 'plan-preview'});
  const f = h('form.card', {novalidate: true, 'data-testid': 'plan-build-form', on: {submit: e => send(1, e.preventDefault()), change: toggle}},
    fld('race_name', 'Race name (optional)'), fld('race_date', 'Race date', {}, 'date'),
    sel('race_distance', 'Distance', 'half_marathon', '5K 10K 10_mile half_marathon marathon custom'.split(' ').map(r => [r.toLowerCase(), F.cap(r)])),
    fld('race_distance_m', `Custom distance (${u})`, NUM),
    fld('goal_time_seconds', 'Goal time, h:mm:ss (optional)'),
    h('div.grid.two', sel('days_per_week', 'Running days per week', 5, [3, 4, 5, 6, 7].map(n => [n, n])),
      sel('long_run_day', 'Long-run day', 'sunday', DAYS.map(d => [d, F.cap(d)]))),
    h('fieldset#unavailable_days', { 'aria-describedby': 'unavailable_days-error'}, h('legend', 'Days never available'),
      row(DAYS.map(d => h('label.check', h('input', {type: 'checkbox', name: 'un', value: d}), F.cap(d)))),
      h('p.field-error', {id: 'unavailable_days-error'})),
    h('div.grid.three', VOL.map(([id, l]) => fld(id, `${l} (${u}, optional)`, NUM))),
    formError(), out, row(h('button', 'Preview'), btn('Create this plan', () => send(0), 'secondary')));
  head(main, 'Build my plan').append(f);
  const el = f.elements, dist = el.race_distance;
  toggle();

  function toggle() { el.race_distance_m.parentNode.hidden = dist.value !== 'custom'; }

  async function send(preview) {
    const v = id => el[id].value.trim() || undefined;
    const m = id => v(id) && Math.round(F.toMeters(v(id)));
    const g = v('goal_time_seconds'), gs = g && F.parseDuration(g);
    if (g && !gs) return showErrors(f, {errors: [{field: 'goal_time_seconds', message: 'Use h:mm:ss.'}]});
    const b = {days_per_week: +v('days_per_week'), unavailable_days: [...f.querySelectorAll('[name=un]:checked')].map(c => c.value), goal_time_seconds: gs};
    for (const id of ['race_name', 'race_date', 'long_run_day']) b[id] = v(id);
    if (dist.value === 'custom') b.race_distance_m = m('race_distance_m');
    else b.race_distance = dist.value;
    for (const [id] of VOL) b[id] = m(id);
    try {
      const {data} = await api(`/v1/plans/generate${preview ? '/preview' : ''}`, {method: 'POST', body: b, signal});
      clearErrors(f);
      if (!preview) return toast('Your plan is ready.'), navigate('/plan');
      replace(out, result(data)).querySelector('h2').focus();
    } catch (e) {
      if (e.name === 'AbortError') return;
      if (e.code === 'plan_too_short') e.errors = [{field: 'race_date', message: e.detail}];
      showErrors(f, e);
      if (e.code === 'active_plan_exists') f.querySelector('.form-error').append(' ', link('/plan', 'Open your plan'));
    }
  }

  function result(d) {
    return h('div', h('h2', {tabindex: '-1'}, `Preview: ${d.race.name || F.distance(d.race.distance_m)}, ${F.date(d.race.date)}`),
      h('p', `Fitness: VDOT ${d.fitness.vdot} (from ${d.fitness.source.replace('_', ' ')}).`),
      ul(d.notes, li), h('div.pb-scroll', h('table', {},
        h('tr', 'Week Starts Phase Volume Long_run Quality'.split(' ').map(t => h('th', F.cap(t)))), d.weeks.map(week))));
  }

  function week(w) {
    const list = h('tr', {hidden: true}, h('td', {colSpan: 6}, ul(w.workouts, x =>
      li([h('strong', `${F.date(x.date)} · ${F.workoutName(x.workout_type)}: ${x.title}`), facts(x), h('br'), h('small', x.why)]))));
    const t = btn(`Week ${w.week}`, () => { t.ariaExpanded = list.hidden; list.hidden = !list.hidden; }, 'link');
    t.ariaExpanded = false;
    const q = w.workouts.filter(x => !/^(easy|long|recovery|rest|cross)/.test(x.workout_type)).map(x => x.title);
    return h('tbody', h('tr', h('th', t), td(F.shortDate(w.start_date)),
      td([F.cap(w.phase), w.is_recovery && ' (recovery week)']), [w.volume_m, w.long_run_m].map(m => td(F.distance(m), 'num')),
      td(q.join('; ') || '—')), list);
  }
}

export async function renderChanges(main, {signal}) {
  const get = async p => (await api(p, {signal})).data;
  const box = h('div'), say = h('p', {role: 'status'});
  const fail = (e, el = box) => { if (e.name !== 'AbortError') replace(el, h('p', {role: 'alert'}, e.detail)); };
  head(main, 'Plan changes').append(box);
  let plan;
  try {
    plan = (await get('/v1/plans')).plans.find(p => p.status === 'active');
  } catch (e) { return fail(e); }
  if (!plan) return replace(box, empty(['You have no active plan. ', link('/plan/build', 'Build my plan')]));
  const base = `/v1/plans/${plan.id}/`;
  const [props, hist] = ['proposals', 'history'].map(t => h('section.card', {'data-testid': `plan-${t}`}));
  replace(box, h('div.card', h('h2', plan.name), btn('Check my plan now', () =>
    post('adapt', d => d.status === 'no_changes' ? 'Your plan is on track: no changes needed.' : 'Changes proposed below.')), say), props, hist);
  await load();

  async function post(path, ok) {
    try {
      say.textContent = ok((await api(base + path, {method: 'POST', body: {}, signal})).data);
    } catch (e) {
      if (e.name === 'AbortError') return;
      say.textContent = e.code === 'proposal_stale' ? 'Your plan changed since this proposal: check again.' : e.detail;
    }
    await load();
  }

  async function load() {
    try {
      const [ps, hs] = await Promise.all([get(base + 'proposals'), get(base + 'history')]);
      const pend = ps.proposals.filter(p => p.status === 'pending');
      const act = (p, a, text, cls) => btn(F.cap(a), () => post(`proposals/${p.id}/${a}`, () => text), cls);
      replace(props, h('h2', 'Proposed changes'), pend.length ? pend.map(p => h('article', {},
        ul(p.summary, li), ul(p.changes, c => change(c)),
        row(act(p, 'accept', 'Accepted: plan updated.'), act(p, 'reject', 'Rejected: nothing changed.', 'secondary'))))
        : empty('No changes waiting.'));
      replace(hist, h('h2', 'History'), hs.entries.length
        ? ul(hs.entries, e => change(e, F.dateTime(e.at))) : empty('No changes yet.'));
    } catch (e) { fail(e, props); }
  }

  function change(c, when) {
    return li([when && h('small', when, h('br')), h('span.badge', F.cap(c.kind)),
      ` ${F.date(c.date)}: ${wdesc(c.before)} → ${wdesc(c.after)}`, c.reason && [h('br'), h('small', c.reason)]]);
  }
}
