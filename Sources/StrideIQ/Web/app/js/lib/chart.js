// A small SVG bar chart that is also a table: the picture for the eye, the same numbers in a <table> for
// screen readers and for anyone who prefers them (behind "Show as table"). No colours carry meaning here:
// every number is in the table, and each bar has a <title> with its label and value.
import { h, s } from './dom.js';

let nextId = 0;

const W = 360;   // viewBox width: the chart scales to its container, keeping the text readable on a phone
const H = 190;
const PAD = { top: 12, right: 8, bottom: 26, left: 36 };

/** A "nice" upper bound for the axis: 1, 2, 2.5 or 5 times a power of ten, at least the largest value. */
function niceMax(max) {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

function fmt(n) {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/**
 * barChart({labels, values, unit, title, caption}) → <figure> with an <svg role="img" aria-labelledby> and
 * a <details> holding a <table> of the same numbers. `labels` are the category names shown under the bars
 * (every other one when there are many), `longLabels` (optional) name them fully in the table and tooltips.
 */
export function barChart({ labels, values, unit = '', title, longLabels = labels, categoryHeader = 'Week', valueHeader = 'Distance' }) {
  const id = `chart-${++nextId}`;
  const n = values.length;
  const top = niceMax(Math.max(0, ...values));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, n);
  const barW = Math.max(2, slot * 0.64);
  const y = (v) => PAD.top + plotH - (v / top) * plotH;
  const total = values.reduce((a, b) => a + b, 0);
  const desc = `${n} bars, from ${longLabels[0] ?? ''} to ${longLabels[n - 1] ?? ''}; highest ${fmt(Math.max(0, ...values))} ${unit}, total ${fmt(total)} ${unit}.`;

  const grid = [0, 0.5, 1].map((f) => {
    const v = top * f;
    return s('g', { class: 'chart-grid' },
      s('line', { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v) }),
      s('text', { x: PAD.left - 4, y: y(v) + 4, 'text-anchor': 'end' }, fmt(v)));
  });

  const every = n > 8 ? 2 : 1;
  const bars = values.map((v, i) => {
    const x = PAD.left + i * slot + (slot - barW) / 2;
    const height = Math.max(0, (v / top) * plotH);
    const last = i === n - 1;
    return s('g', { class: ['chart-bar', last && 'chart-bar-current'] },
      s('title', {}, `${longLabels[i]}: ${fmt(v)} ${unit}`),
      // A zero still gets a hairline, so "nothing that week" reads as a bar, not as missing data.
      s('rect', { x, y: y(v) - (height < 1 ? 1 : 0), width: barW, height: Math.max(1, height), rx: 2 }),
      (n - 1 - i) % every === 0
        ? s('text', { class: 'chart-label', x: x + barW / 2, y: H - PAD.bottom + 16, 'text-anchor': 'middle' }, labels[i])
        : null);
  });

  const svg = s('svg', {
    class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': `${id}-title ${id}-desc`,
    preserveAspectRatio: 'xMidYMid meet', focusable: 'false',
  },
  s('title', { id: `${id}-title` }, `${title} (${unit})`),
  s('desc', { id: `${id}-desc` }, desc),
  ...grid,
  s('line', { class: 'chart-axis', x1: PAD.left, x2: W - PAD.right, y1: y(0), y2: y(0) }),
  ...bars);

  const table = h('table', { class: 'chart-table' },
    h('caption', {}, `${title} (${unit})`),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, categoryHeader), h('th', { scope: 'col' }, `${valueHeader} (${unit})`))),
    h('tbody', {}, values.map((v, i) => h('tr', {},
      h('th', { scope: 'row' }, longLabels[i]), h('td', {}, fmt(v))))),
    h('tfoot', {}, h('tr', {}, h('th', { scope: 'row' }, 'Total'), h('td', {}, fmt(total)))));

  return h('figure', { class: 'chart-figure' },
    h('figcaption', { id: `${id}-caption`, class: 'chart-caption' }, title),
    svg,
    h('details', { class: 'chart-details' }, h('summary', {}, 'Show as table'), table));
}
