// The same numbers in a table ("Show as table") for screen readers.
import { h, s } from './dom.js';

let nextId = 0;

// A small viewBox keeps the text readable when scaled to a phone.
const W = 360, H = 190, TOP = 12, RIGHT = 8, BOTTOM = 26, LEFT = 36;

/** The axis top: 1, 2, 2.5, 5 or 10 times a power of ten. */
function niceMax(max) {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 2.5, 5, 10].find((m) => m * p >= max) * p;
}

const num = (n) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

export function barChart({ labels, values, unit = '', title, longLabels = labels }) {
  const id = `chart-${++nextId}`, n = values.length, max = Math.max(0, ...values), top = niceMax(max);
  const plotH = H - TOP - BOTTOM, slot = (W - LEFT - RIGHT) / Math.max(1, n), barW = Math.max(2, slot * 0.64);
  const y = (v) => TOP + plotH - (v / top) * plotH;
  const total = values.reduce((a, b) => a + b, 0);
  const line = (cls, v) => s('line', { class: cls, x1: LEFT, x2: W - RIGHT, y1: y(v), y2: y(v) });
  const every = n > 8 ? 2 : 1;
  const svg = s('svg.chart', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': `${id}-title ${id}-desc` },
    s('title', { id: `${id}-title` }, `${title} (${unit})`),
    s('desc', { id: `${id}-desc` },
      `${n} bars, from ${longLabels[0] ?? ''} to ${longLabels[n - 1] ?? ''}; highest ${num(max)} ${unit}, total ${num(total)} ${unit}.`),
    [0, 0.5, 1].map((f) => s('g.chart-grid',
      line(null, top * f),
      s('text', { x: LEFT - 4, y: y(top * f) + 4, 'text-anchor': 'end' }, num(top * f)))),
    line('chart-axis', 0),
    values.map((v, i) => {
      const x = LEFT + i * slot + (slot - barW) / 2, height = (v / top) * plotH;
      return s('g.chart-bar',
        s('title', `${longLabels[i]}: ${num(v)} ${unit}`),
        // A zero gets a hairline: a bar, not missing data.
        s('rect', { x, y: y(v) - (height < 1 ? 1 : 0), width: barW, height: Math.max(1, height), rx: 2 }),
        (n - 1 - i) % every === 0 && s('text', { x: x + barW / 2, y: H - BOTTOM + 16, 'text-anchor': 'middle' }, labels[i]));
    }));
  const row = (label, v) => h('tr', h('th', { scope: 'row' }, label), h('td', num(v)));
  return h('figure.chart-figure',
    h('figcaption.chart-caption', title),
    svg,
    h('details.chart-details', h('summary', 'Show as table'),
      h('table.chart-table',
        h('caption', `${title} (${unit})`),
        h('thead', h('tr', h('th', { scope: 'col' }, 'Week'), h('th', { scope: 'col' }, `Distance (${unit})`))),
        h('tbody', values.map((v, i) => row(longLabels[i], v))),
        h('tfoot', row('Total', total)))));
}
