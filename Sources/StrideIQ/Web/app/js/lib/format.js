// Units, distances, paces, durations and dates as the athlete wants them. The API speaks metres, seconds
// and UTC; the athlete's `units` (`metric` | `imperial`) and IANA `timezone` decide what the screen shows.
import { session } from './api.js';

const METERS_PER_MILE = 1609.344;

/** 'km' or 'mi', from the athlete's `units`. */
export function units() {
  return session.athlete?.units === 'imperial' ? 'mi' : 'km';
}

function unitMeters() {
  return units() === 'mi' ? METERS_PER_MILE : 1000;
}

function zone() {
  return session.athlete?.timezone || Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** 12345 → "12.3 km" (or "7.7 mi"). */
export function distance(meters, { decimals = 1 } = {}) {
  if (meters === null || meters === undefined || Number.isNaN(Number(meters))) return '—';
  return `${fromMeters(meters).toFixed(decimals)} ${units()}`;
}

/** Metres → the athlete's unit (a number). */
export function fromMeters(meters) {
  return Number(meters) / unitMeters();
}

/** A number in the athlete's unit → metres. */
export function toMeters(value) {
  return Number(value) * unitMeters();
}

/** Seconds per km → "5:12 /km" or "8:22 /mi". */
export function pace(secondsPerKm) {
  if (!secondsPerKm || !Number.isFinite(Number(secondsPerKm))) return '—';
  const perUnit = Math.round(Number(secondsPerKm) * unitMeters() / 1000);
  return `${Math.floor(perUnit / 60)}:${String(perUnit % 60).padStart(2, '0')} /${units()}`;
}

/** Pace of a whole activity: metres and seconds → "5:12 /km". */
export function paceOf(meters, seconds) {
  if (!meters || !seconds) return '—';
  return pace(seconds / (meters / 1000));
}

/** 3723 → "1:02:03"; 2530 → "42:10". */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(Number(seconds))) return '—';
  const total = Math.round(Number(seconds));
  const hh = Math.floor(total / 3600);
  const mm = Math.floor((total % 3600) / 60);
  const ss = total % 60;
  return hh > 0 ? `${hh}:${String(mm).padStart(2, '0')}:${String(ss).padStart(2, '0')}` : `${mm}:${String(ss).padStart(2, '0')}`;
}

/** "1:02:03", "42:10" or "45" (minutes) → seconds; null when it does not parse. */
export function parseDuration(text) {
  const t = String(text ?? '').trim();
  if (/^\d+$/.test(t)) return Number(t) * 60;
  const m = /^(?:(\d+):)?([0-5]?\d):([0-5]\d)$/.exec(t);
  if (!m) return null;
  const seconds = Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]);
  return seconds > 0 ? seconds : null;
}

function toDate(value) {
  if (value instanceof Date) return value;
  // A bare calendar date ("2026-12-03") is a day, not an instant: show it as that day in any zone.
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return new Date(`${value}T12:00:00Z`);
  return new Date(value);
}

function isBareDate(value) {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);
}

/** A date in the athlete's zone: "Thu 3 Dec". */
export function date(value, options = { weekday: 'short', day: 'numeric', month: 'short' }) {
  if (!value) return '—';
  return new Intl.DateTimeFormat(undefined, { ...options, timeZone: isBareDate(value) ? 'UTC' : zone() }).format(toDate(value));
}

/** Date and time in the athlete's zone: "Thu 3 Dec, 07:30". */
export function dateTime(value) {
  if (!value) return '—';
  return new Intl.DateTimeFormat(undefined, {
    weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: zone(),
  }).format(toDate(value));
}

/** "Mon", "Tue", … for a calendar date. */
export function weekday(isoDate, style = 'short') {
  return new Intl.DateTimeFormat(undefined, { weekday: style, timeZone: 'UTC' }).format(toDate(isoDate));
}

/** The calendar date of an instant in the athlete's zone: "2026-12-03". */
export function localISODate(value = new Date()) {
  const parts = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: zone() })
    .formatToParts(toDate(value));
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** Today in the athlete's zone. */
export function todayISO() {
  return localISODate(new Date());
}

/** Adds days to a calendar date: ("2026-12-03", 1) → "2026-12-04". */
export function addDays(isoDate, days) {
  const d = new Date(`${isoDate}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The Monday on or before a calendar date. */
export function mondayOf(isoDate) {
  const d = new Date(`${isoDate}T00:00:00Z`);
  return addDays(isoDate, -((d.getUTCDay() + 6) % 7));
}

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "today", "tomorrow", "in 3 days", "2 days ago". */
export function daysFromNow(isoDate) {
  const days = Math.round((Date.parse(`${isoDate}T00:00:00Z`) - Date.parse(`${todayISO()}T00:00:00Z`)) / 86400000);
  const near = { 0: 'today', 1: 'tomorrow', '-1': 'yesterday' }[days];
  return near ?? (days > 0 ? `in ${days} days` : `${-days} days ago`);
}

/** Seconds until a moment, in words: "14 minutes", "30 seconds". */
export function waitInWords(seconds) {
  const s = Math.max(1, Math.round(Number(seconds)));
  if (s < 60) return plural(s, 'second');
  const m = Math.ceil(s / 60);
  return m < 60 ? plural(m, 'minute') : plural(Math.ceil(m / 60), 'hour');
}
