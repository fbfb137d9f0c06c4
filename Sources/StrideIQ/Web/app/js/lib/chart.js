// Every chart's numbers are in its table too ("Show as table").
import {h, s, table} from './dom.js';

let nextId = 0;

// A small viewBox keeps the text readable when scaled to a phone.
const W = 360, H = 190, TOP = 12, RIGHT = 8, BOTTOM = 26, LEFT = 40, PLOT = H - TOP - BOTTOM;

// Steps of 1, 2, 2.5 or 5 × 10ⁿ from `lo` to `hi`.
function axis(lo, hi) {
  const third = (hi - lo || Math.abs(hi) || 1) / 3, p = 10 ** Math.floor(Math.log10(third));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * p >= third) * p, ticks = [];
  for (let v = Math.floor(lo / step) * step; ticks.length < 2 || ticks.at(-1) < hi - 1e-9; v += step) ticks.push(+v.toPrecision(12));
  const [a, b] = [ticks[0], ticks.at(-1)];
  return {ticks, y: (v) => TOP + PLOT - ((v - a) / (b - a || 1)) * PLOT};
}

const num = (n) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

function figure({title, unit, desc, y, ticks, marks, after, heads, rows, foot}) {
  const id = `chart-${++nextId}`;
  const line = (cls, v) => s('line', {class: cls, x1: LEFT, x2: W - RIGHT, y1: y(v), y2: y(v)});
  return h('figure.chart-figure',
    h('figcaption.chart-caption', title),
    s('svg.chart', {viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': `${id}-title ${id}-desc`},
      s('title', {id: `${id}-title`}, `${title} (${unit})`),
      s('desc', {id: `${id}-desc`}, desc),
      ticks.map((v) => s('g.chart-grid', line(null, v), s('text', {x: LEFT - 4, y: y(v) + 4, 'text-anchor': 'end'}, num(v)))),
      ticks.includes(0) && line('chart-axis', 0),
      marks),
    after,
    h('details.chart-details', h('summary', 'Show as table'),
      table(`${title} (${unit})`, heads, rows, {class: 'chart-table', foot})));
}

export function barChart({labels, values, unit = '', title, longLabels = labels}) {
  const n = values.length, max = Math.max(0, ...values), {ticks, y} = axis(0, max);
  const slot = (W - LEFT - RIGHT) / Math.max(1, n), barW = Math.max(2, slot * 0.64);
  const total = values.reduce((a, b) => a + b, 0), every = n > 8 ? 2 : 1;
  return figure({
    title, unit, y, ticks,
    desc: `${n} bars, from ${longLabels[0] ?? ''} to ${longLabels[n - 1] ?? ''}; highest ${num(max)} ${unit}, total ${num(total)} ${unit}.`,
    marks: values.map((v, i) => {
      const x = LEFT + i * slot + (slot - barW) / 2, height = y(0) - y(v);
      return s('g.chart-bar',
        s('title', `${longLabels[i]}: ${num(v)} ${unit}`),
        // A zero gets a hairline: a bar, not missing data.
        s('rect', {x, y: y(v) - (height < 1 ? 1 : 0), width: barW, height: Math.max(1, height), rx: 2}),
        (n - 1 - i) % every === 0 && s('text', {x: x + barW / 2, y: H - BOTTOM + 16, 'text-anchor': 'middle'}, labels[i]));
    }),
    heads: ['Week', `Distance (${unit})`],
    rows: values.map((v, i) => [longLabels[i], num(v)]),
    foot: ['Total', num(total)],
  });
}

// The lines differ by dash pattern as well as colour (.chart-line-<i>); sparse ones get dots.
export function lineChart({labels, longLabels, series, unit, title}) {
  const n = labels.length, all = series.flatMap((l) => l.values), {ticks, y} = axis(Math.min(...all), Math.max(...all));
  const x = (i) => LEFT + (n > 1 ? i / (n - 1) : 0.5) * (W - LEFT - RIGHT);
  const label = (i, anchor) => s('text', {x: x(i), y: H - BOTTOM + 16, 'text-anchor': anchor}, labels[i]);
  const style = (k) => `chart-line chart-line-${k}`;
  return figure({
    title, unit, y, ticks,
    desc: `From ${longLabels[0]} to ${longLabels[n - 1]}: ${series.map((l) => `${l.name} ${num(l.values[0])} to ${num(l.values[n - 1])}`).join('; ')}.`,
    marks: [label(0, 'start'), n > 1 && label(n - 1, 'end'), series.map((l, k) => s('g', {class: style(k)},
      s('polyline', {points: l.values.map((v, i) => `${x(i)},${y(v)}`).join(' ')}),
      n < 32 && l.values.map((v, i) => s('circle', {cx: x(i), cy: y(v), r: 2.5}))))],
    after: h('ul.row.chart-legend', series.map((l, k) => h('li',
      s('svg', {width: 28, height: 6, 'aria-hidden': 'true'}, s('line', {class: style(k), x2: 28, y1: 3, y2: 3})), ` ${l.name}`))),
    heads: ['Date', ...series.map((l) => `${l.name} (${unit})`)],
    rows: labels.map((_, i) => [longLabels[i], ...series.map((l) => num(l.values[i]))]),
  });
}
