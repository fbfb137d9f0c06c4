// What the analytics job stored after the last change: read here, never computed.
import {api} from '../lib/api.js';
import {h, card, empty, facts, table, link, problem} from '../lib/dom.js';
import * as fmt from '../lib/format.js';
import {lineChart} from '../lib/chart.js';

const DAYS = 91;
const YEAR = {day: 'numeric', month: 'short', year: 'numeric'};
const signed = (n) => (n > 0 ? '+' : n < 0 ? '−' : '') + Math.abs(n).toFixed(1);
const times = (x) => [fmt.distanceName(x.name ?? x.category), x.time, x.pace];
const ratio = (r) => (r < 0.8 ? 'lighter than usual' : r <= 1.3 ? 'usual' : r <= 1.5 ? 'higher than usual' : 'a spike');

export async function render(main, {signal}) {
  const get = (path, query) => api(path, {query, signal}).then((r) => r.data);
  const load = async (el) => {
    const to = fmt.todayISO(), {days = [], current: s} = await get('/v1/analytics/load', {from: fmt.addDays(to, 1 - DAYS), to});
    if (!s) return el.paint(empty('Log a few runs and your fitness, fatigue and form show here.'));
    const r = s.acute_chronic_ratio;
    el.paint(h('p.lead', `Form ${signed(s.form)} (${s.tsb_context})`),
      facts([['Fitness', s.fitness.toFixed(1)], ['Fatigue', s.fatigue.toFixed(1)], ['Ramp', `${signed(s.ramp_rate)} a week`],
        ['7-day against 28-day load', r == null ? '—' : `${r.toFixed(2)} (${ratio(r)})`]]),
      days.length ? lineChart({
        title: 'Fitness, fatigue and form, last 3 months', unit: 'points',
        labels: days.map((x) => fmt.shortDate(x.date)), longLabels: days.map((x) => fmt.date(x.date)),
        series: ['fitness', 'fatigue', 'form'].map((k) => ({name: fmt.cap(k), values: days.map((x) => x[k])})),
      }) : empty('No training in this range.'));
  };
  const level = async (el) => {
    const [{paces = []}, {vdot, source: s, predictions = []}] = await Promise.all([get('/v1/analytics/paces'), get('/v1/analytics/predictions')]);
    if (!paces.length && !predictions.length) return el.paint(empty('Log a race or a hard run to see your training paces and race predictions.'));
    el.paint(s && h('p', `Fitness level (VDOT) ${vdot.toFixed(1)}, from `, link(`/activities/${s.activity_id}`, `${s.distance} in ${s.time}`), ` (${fmt.cap(s.kind)}, ${fmt.date(s.date, YEAR)}).`),
      paces.length > 0 && table('Training paces', ['Pace', 'Range'], paces.map((p) => [fmt.cap(p.name), p.display]), {'data-testid': 'progress-paces'}),
      predictions.length > 0 && table('Race predictions (VDOT, and Riegel from the same run)', ['Race', 'VDOT', 'Pace', 'Riegel'],
        predictions.map((x) => [...times(x), x.riegel_time]), {'data-testid': 'progress-predictions'}));
  };
  const records = async (el) => {
    const {records: list = []} = await get('/v1/analytics/records');
    el.paint(list.length ? table(null, ['Distance', 'Time', 'Pace', 'Date'], list.map((x) => [...times(x), link(`/activities/${x.activity_id}`, fmt.date(x.date, YEAR))]))
      : empty('No records yet: your best times from 400 m to the marathon show here.'));
  };
  const works = async (el) => {
    const {pairs_needed: more, min_sample_size: min, what_works: good = [], what_doesnt_work: bad = []} = await get('/v1/analytics/what-works');
    const findings = [...good, ...bad];
    el.paint(more > 0 ? empty(`${fmt.plural(more, 'more check-in')} followed by a run needed: nothing is claimed below ${min}.`)
      : findings.length ? h('ul', findings.map((f) => h('li', f.sentence))) : empty('Nothing in your check-ins stands out beyond chance yet.'));
  };
  // Each card reads its own endpoints and fails on its own.
  const show = (el, draw) => draw(el).catch((e) => e.name === 'AbortError' || el.paint(problem(e, () => show(el, draw))));
  const cards = [['load', 'Fitness, fatigue and form', load], ['fitness', 'Paces and race predictions', level],
    ['records', 'Personal records', records], ['what-works', 'What works', works]].map(([k, title, draw]) => [card(`progress-${k}`, `${k}-title`, title), draw]);
  main.append(h('h1', 'Progress'), h('div.grid.two.progress', cards.map(([el]) => el)));
  await Promise.all(cards.map(([el, draw]) => show(el, draw)));
}
