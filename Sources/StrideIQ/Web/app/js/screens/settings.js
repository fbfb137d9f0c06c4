// Also the quiet time zone sync after a sign-in.
import {api, session, download} from '../lib/api.js';
import {h, field, formError, showErrors, clearErrors, toast, announce, card, button as btn} from '../lib/dom.js';
import {navigate} from '../lib/router.js';

const DEFAULT_ZONE = 'UTC'; // an account created without a zone (AuthService.register)
const CHOSEN_KEY = 'strideiq.timezone-chosen.';

export async function render(main) {
  let {data: athlete} = await api('/v1/athlete').catch(() => ({data: session.athlete}));
  const consent = field({
    id: 'ai_consent', label: 'Use the AI coach', type: 'checkbox', attrs: {checked: athlete.ai_consent},
    hint: 'When on, your check-ins, runs and plan are sent to an AI model to write your daily briefing and answer '
      + 'your coach questions. When off, nothing is sent to a model, and the briefing and coach stay off.',
  });
  consent.prepend(h('div.check', consent.querySelector('input'), consent.querySelector('label'))); // box first
  const status = h('p.settings-status.muted', {role: 'status'});
  const button = h('button', {type: 'submit'}, 'Save changes');
  const form = h('form.settings-form.card', {'data-testid': 'settings-form', novalidate: true},
    formError(),
    field({id: 'display_name', label: 'Name', value: athlete.display_name, hint: 'How the coach greets you. Leave empty for none.', attrs: {autocomplete: 'nickname', maxlength: '100'}}),
    zoneField(athlete.timezone),
    unitsField('Distances and paces in', athlete.units),
    consent,
    h('div.row', button, status));
  form.oninput = () => { status.textContent = ''; };
  form.onsubmit = async (event) => {
    event.preventDefault();
    if (button.disabled) return;
    clearErrors(form);
    // An emptied name clears it: null, the API has no empty name.
    const values = {
      display_name: form.display_name.value.trim() || null, timezone: form.timezone.value,
      units: form.elements.units.value, ai_consent: form.ai_consent.checked,
    };
    const changes = Object.fromEntries(Object.entries(values).filter(([key, value]) => value !== athlete[key]));
    status.textContent = '';
    if (!Object.keys(changes).length) { status.textContent = 'Nothing to save: no changes.'; return; }
    button.disabled = true;
    try {
      ({data: athlete} = await api('/v1/athlete', {method: 'PATCH', body: changes}));
      if (changes.timezone) markZoneChosen(athlete.id);
      session.setAthlete(athlete);
      status.textContent = '✓ Saved.';
      toast('Settings saved.');
    } catch (err) {
      if (!showErrors(form, err)) status.textContent = 'Could not save. Please try again.';
    }
    button.disabled = false;
  };
  const signOut = btn('Sign out', async () => {
    signOut.disabled = true;
    await session.signOut().catch(() => {}); // signed out here either way
    navigate('/signin');
  }, 'secondary');
  main.append(
    h('h1', 'Settings'),
    form,
    card(null, 'settings-account', 'Account', {class: 'settings-account'}).paint(
      h('p', 'Signed in as ', h('strong', athlete.email), '.'),
      h('div.row', signOut, btn('Download all my data', () => download('/v1/export', 'strideiq-export.zip').catch((e) => toast(e.message)), 'secondary',
        {'data-testid': 'export-all'}))));
}

export function unitsField(legend, current) {
  const option = (value, label) => h('label.check', {for: `units-${value}`},
    h('input', {type: 'radio', name: 'units', id: `units-${value}`, value, checked: value === current}), label);
  return h('fieldset#units.units', {'aria-describedby': 'units-error'},
    h('legend', legend),
    h('div.row', option('metric', 'Kilometres (km)'), option('imperial', 'Miles (mi)')),
    h('p#units-error.field-error'));
}

export const deviceZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;
const spaced = (zone) => zone.replaceAll('_', ' ');

/** As TimeZoneRules.isValid. */
const serverAccepts = (zone) => zone === 'UTC' || zone.includes('/');

function zoneField(current) {
  const device = deviceZone();
  const zones = new Set([current, device, ...Intl.supportedValuesOf('timeZone')].filter(serverAccepts));
  zones.delete(DEFAULT_ZONE); // first in the list
  const options = [DEFAULT_ZONE, ...[...zones].sort()].map((z) => [z, `${spaced(z)}${z === device ? ' (this device)' : ''}`]);
  const wrapper = field({id: 'timezone', label: 'Time zone', type: 'select', value: current, hint: 'Your days, check-ins and weekly totals follow this zone.', attrs: {options}});
  if (device !== current && serverAccepts(device)) {
    const select = wrapper.querySelector('select');
    const use = () => {
      select.value = device;
      select.dispatchEvent(new Event('input', {bubbles: true})); // clears the "Saved" status
      announce(`Time zone set to ${device}. Save to keep it.`);
    };
    select.after(btn(`Use this device’s zone (${spaced(device)})`, use, 'link settings-use-device'));
  }
  return wrapper;
}

// localStorage throws when blocked: the sync may then offer the zone again.
const zoneChosen = (id) => { try { return localStorage.getItem(CHOSEN_KEY + id) === '1'; } catch { return false; } };
const markZoneChosen = (id) => { try { localStorage.setItem(CHOSEN_KEY + id, '1'); } catch { /* blocked */ } };

let syncing = null;
const checked = new Set();

/** An athlete on UTC who never chose a zone here gets the browser's, once per page. True if changed. */
export async function syncTimezoneFromBrowser() {
  if (syncing) return syncing;
  const athlete = session.athlete, zone = deviceZone();
  if (!athlete || checked.has(athlete.id)) return false;
  checked.add(athlete.id);
  if (!serverAccepts(zone) || athlete.timezone !== DEFAULT_ZONE || zone === DEFAULT_ZONE || zoneChosen(athlete.id)) return false;
  syncing = api('/v1/athlete', {method: 'PATCH', body: {timezone: zone}}).then(({data}) => {
    session.setAthlete(data);
    toast(`Time zone set to ${spaced(zone)} from this device. Change it in Settings.`);
    return true;
  }, () => {
    checked.delete(athlete.id); // again after the next sign-in
    return false;
  }).finally(() => { syncing = null; });
  return syncing;
}
