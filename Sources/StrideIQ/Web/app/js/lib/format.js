// The API speaks metres, seconds and UTC; the athlete's `units` and `timezone` decide what the screen shows.
import {session} from './api.js';

const pad = (n) => String(n).padStart(2, '0');
export const zone = () => session.athlete?.timezone || Intl.DateTimeFormat().resolvedOptions().timeZone;
const bad = (v) => v == null || Number.isNaN(Number(v));

export const units = () => (session.athlete?.units === 'imperial' ? 'mi' : 'km');
const unitMeters = () => (units() === 'mi' ? 1609.344 : 1000);

export const fromMeters = (meters) => Number(meters) / unitMeters();
export const toMeters = (value) => Number(value) * unitMeters();

export const distance = (meters, {decimals = 1} = {}) => (bad(meters) ? '—' : `${fromMeters(meters).toFixed(decimals)} ${units()}`);

export function pace(secondsPerKm, slower) {
  if (!Number.isFinite(Number(secondsPerKm)) || !secondsPerKm) return '—';
  const s = Math.round(secondsPerKm * unitMeters() / 1000);
  return `${Math.floor(s / 60)}:${pad(s % 60)}${slower ? `–${pace(slower)}` : ` /${units()}`}`;
}

export const paceOf = (meters, seconds) => (meters && seconds ? pace(seconds / (meters / 1000)) : '—');

export function duration(seconds) {
  if (bad(seconds)) return '—';
  const t = Math.round(seconds), hh = Math.floor(t / 3600), mm = Math.floor(t / 60) % 60;
  return hh ? `${hh}:${pad(mm)}:${pad(t % 60)}` : `${mm}:${pad(t % 60)}`;
}

export function parseDuration(text) {
  const t = String(text ?? '').trim();
  if (/^\d+$/.test(t)) return t * 60;
  const m = /^(?:(\d+):)?([0-5]?\d):([0-5]\d)$/.exec(t), s = m && (m[1] ?? 0) * 3600 + m[2] * 60 + Number(m[3]);
  return s > 0 ? s : null;
}

// A bare calendar date ("2026-12-03") is a day, not an instant: shown as that day in any zone.
const bare = (v) => typeof v === 'string' && /^\d{4}-\d\d-\d\d$/.test(v);
const toDate = (v) => (v instanceof Date ? v : new Date(bare(v) ? `${v}T12:00:00Z` : v));
const fmt = (value, options, locale) => new Intl.DateTimeFormat(locale, {timeZone: bare(value) ? 'UTC' : zone(), ...options}).format(toDate(value));
const DAY = {weekday: 'short', day: 'numeric', month: 'short'};

export const date = (value, options = DAY) => (value ? fmt(value, options) : '—');
export const shortDate = (value) => date(value, {day: 'numeric', month: 'short'});
export const dateTime = (value) => (value ? fmt(value, {...DAY, hour: '2-digit', minute: '2-digit', timeZone: zone()}) : '—');

export const weekday = (isoDate, style = 'short') => fmt(isoDate, {weekday: style, timeZone: 'UTC'});

// en-CA writes ISO dates.
export const localISODate = (value = new Date()) => fmt(value, {year: 'numeric', month: '2-digit', day: '2-digit', timeZone: zone()}, 'en-CA');
export const todayISO = () => localISODate();

export const addDays = (isoDate, days) => new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * 864e5).toISOString().slice(0, 10);

export const mondayOf = (isoDate) => addDays(isoDate, -((new Date(`${isoDate}T00:00:00Z`).getUTCDay() + 6) % 7));

export const cap = (t) => t[0].toUpperCase() + t.slice(1).replace(/_/g, ' ');

const WORKOUT = {long: 'Long run', marathon_pace: 'Marathon pace', cross_training: 'Cross-training'};
export const workoutName = (t) => WORKOUT[t] ?? (['easy', 'recovery', 'tempo', 'threshold'].includes(t) ? `${cap(t)} run` : cap(t));

export const distanceName = (name) => cap(name.replace(/(\d)(\D)/, '$1 $2').replace(/k$/, 'km'));

export const plural = (n, word, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;
export function daysFromNow(isoDate) {
  const days = Math.round((Date.parse(isoDate) - Date.parse(todayISO())) / 864e5);
  return {0: 'today', 1: 'tomorrow', '-1': 'yesterday'}[days] ?? (days > 0 ? `in ${days} days` : `${-days} days ago`);
}

export function waitInWords(seconds) {
  const s = Math.max(1, Math.round(seconds)), m = Math.ceil(s / 60);
  return s < 60 ? plural(s, 'second') : m < 60 ? plural(m, 'minute') : plural(Math.ceil(m / 60), 'hour');
}
