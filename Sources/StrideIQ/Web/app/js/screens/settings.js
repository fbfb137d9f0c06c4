// Settings (/settings): name, time zone, units, AI consent (GET/PATCH /v1/athlete, only changed fields are
// sent) and sign out. Also the quiet first-sign-in time zone sync (syncTimezoneFromBrowser).

import { api, session } from '../lib/api.js';
import { h, field, showErrors, clearErrors, toast, announce } from '../lib/dom.js';
import { navigate } from '../lib/router.js';

const DEFAULT_ZONE = 'UTC'; // what the API gives an account created without a zone (AuthService.register)
const CHOSEN_KEY = 'strideiq.timezone-chosen.';

export async function render(main) {
  const controller = new AbortController();
  let athlete;
  try {
    ({ data: athlete } = await api('/v1/athlete', { signal: controller.signal }));
  } catch (err) {
    if (!session.athlete) throw err;
    athlete = session.athlete; // the session's copy is good enough to edit
  }

  const form = h('form', { class: 'settings-form card', 'data-testid': 'settings-form', novalidate: true },
    h('div', { class: 'form-error', 'data-testid': 'form-error', role: 'alert' }),
    field({
      id: 'display_name', label: 'Name', value: athlete.display_name ?? '',
      hint: 'How the coach greets you. Leave empty for none.', attrs: { autocomplete: 'nickname', maxlength: '100' },
    }),
    zoneField(athlete.timezone),
    unitsField(athlete.units),
    consentField(athlete.ai_consent),
    h('div', { class: 'row' },
      h('button', { type: 'submit' }, 'Save changes'),
      h('p', { class: 'settings-status muted', id: 'settings-status', role: 'status' })));

  const status = form.querySelector('#settings-status');
  form.addEventListener('input', () => { status.textContent = ''; });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    if (button.disabled) return;
    clearErrors(form);
    status.textContent = '';
    const changes = changed(form, athlete);
    if (Object.keys(changes).length === 0) {
      status.textContent = 'Nothing to save: no changes.';
      return;
    }
    button.disabled = true;
    try {
      const { data } = await api('/v1/athlete', { method: 'PATCH', body: changes });
      athlete = data;
      if ('timezone' in changes) markZoneChosen(athlete.id);
      session.setAthlete(athlete);
      status.textContent = '✓ Saved.';
      toast('Settings saved.');
    } catch (err) {
      if (!showErrors(form, err)) status.textContent = 'Could not save. Please try again.';
    } finally {
      button.disabled = false;
    }
  });

  const signOut = h('button', {
    type: 'button', class: 'secondary',
    on: {
      click: async () => {
        signOut.disabled = true;
        try { await session.signOut(); } catch { /* signed out locally either way */ }
        navigate('/signin');
      },
    },
  }, 'Sign out');

  main.append(
    h('h1', { tabindex: '-1' }, 'Settings'),
    form,
    h('section', { class: 'card settings-account', 'aria-labelledby': 'settings-account' },
      h('h2', { id: 'settings-account' }, 'Account'),
      h('p', {}, 'Signed in as ', h('strong', {}, athlete.email), '.'),
      signOut),
  );
  return () => controller.abort();
}

/** Only what differs from the saved athlete; an emptied name clears it (null). */
function changed(form, athlete) {
  const changes = {};
  const name = form.querySelector('#display_name').value.trim();
  if (name !== (athlete.display_name ?? '')) changes.display_name = name || null;
  const zone = form.querySelector('#timezone').value;
  if (zone && zone !== athlete.timezone) changes.timezone = zone;
  const units = form.querySelector('input[name="units"]:checked')?.value;
  if (units && units !== athlete.units) changes.units = units;
  const consent = form.querySelector('#ai_consent').checked;
  if (consent !== Boolean(athlete.ai_consent)) changes.ai_consent = consent;
  return changes;
}

function zoneField(current) {
  const device = browserZone();
  const zones = new Set([DEFAULT_ZONE, ...supportedZones().filter(serverAccepts)]);
  if (current) zones.add(current);
  if (device && serverAccepts(device)) zones.add(device);
  const sorted = [DEFAULT_ZONE, ...[...zones].filter((z) => z !== DEFAULT_ZONE).sort()];
  const options = sorted.map((z) => [z, `${z.replaceAll('_', ' ')}${z === device ? ' (this device)' : ''}`]);
  const wrapper = field({
    id: 'timezone', label: 'Time zone', type: 'select', value: current,
    hint: 'Your days, check-ins and weekly totals follow this zone.', attrs: { options },
  });
  if (device && device !== current && serverAccepts(device)) {
    const select = wrapper.querySelector('select');
    const use = h('button', {
      type: 'button', class: 'link settings-use-device',
      on: {
        click: () => {
          select.value = device;
          select.dispatchEvent(new Event('input', { bubbles: true }));
          announce(`Time zone set to ${device}. Save to keep it.`);
        },
      },
    }, `Use this device’s zone (${device.replaceAll('_', ' ')})`);
    select.after(use);
  }
  return wrapper;
}

function unitsField(current) {
  const option = (value, label) => h('label', { class: 'check', for: `units-${value}` },
    h('input', { type: 'radio', name: 'units', id: `units-${value}`, value, checked: value === current }),
    label);
  return h('fieldset', { class: 'settings-units', id: 'units', 'aria-describedby': 'units-error' },
    h('legend', {}, 'Distances and paces in'),
    h('div', { class: 'row settings-choices' }, option('metric', 'Kilometres (km)'), option('imperial', 'Miles (mi)')),
    h('p', { class: 'field-error', id: 'units-error' }));
}

function consentField(on) {
  return h('div', { class: 'field settings-consent' },
    h('div', { class: 'check' },
      h('input', {
        type: 'checkbox', id: 'ai_consent', name: 'ai_consent', checked: Boolean(on),
        'aria-describedby': 'ai_consent-hint ai_consent-error',
      }),
      h('label', { for: 'ai_consent' }, 'Use the AI coach')),
    h('p', { class: 'hint', id: 'ai_consent-hint' },
      'When on, your check-ins, runs and plan are sent to an AI model to write your daily briefing and answer '
      + 'your coach questions. When off, nothing is sent to a model, and the briefing and coach stay off.'),
    h('p', { class: 'field-error', id: 'ai_consent-error' }));
}

// ---- time zone -------------------------------------------------------------------------------------------

function browserZone() {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || null; } catch { return null; }
}

function supportedZones() {
  try { return Intl.supportedValuesOf('timeZone'); } catch { return []; }
}

/** The server takes IANA names with a region, or UTC (TimeZoneRules.isValid). */
function serverAccepts(zone) { return zone === 'UTC' || zone.includes('/'); }

function zoneChosen(id) {
  try { return localStorage.getItem(CHOSEN_KEY + id) === '1'; } catch { return false; }
}

function markZoneChosen(id) {
  try { localStorage.setItem(CHOSEN_KEY + id, '1'); } catch { /* storage off: the sync may offer the zone again */ }
}

let syncing = null;
const checked = new Set();

/**
 * After a sign-in or sign-up: if the athlete still has the API's default zone (UTC), never picked one in
 * Settings on this device, and the browser is elsewhere, sets the zone to the browser's. Idempotent (one
 * request at a time, once per athlete per page), quiet (a toast only when it changed something, no error shown).
 * Resolves true when it changed the zone.
 */
export function syncTimezoneFromBrowser() {
  if (syncing) return syncing;
  const athlete = session.athlete;
  if (!athlete || checked.has(athlete.id)) return Promise.resolve(false);
  checked.add(athlete.id);
  const zone = browserZone();
  if (!zone || !serverAccepts(zone) || athlete.timezone === zone || athlete.timezone !== DEFAULT_ZONE
    || zoneChosen(athlete.id)) return Promise.resolve(false);
  syncing = (async () => {
    try {
      const { data } = await api('/v1/athlete', { method: 'PATCH', body: { timezone: zone } });
      session.setAthlete(data);
      toast(`Time zone set to ${zone.replaceAll('_', ' ')} from this device. Change it in Settings.`);
      return true;
    } catch {
      checked.delete(athlete.id); // try again after the next sign-in
      return false;
    } finally {
      syncing = null;
    }
  })();
  return syncing;
}
