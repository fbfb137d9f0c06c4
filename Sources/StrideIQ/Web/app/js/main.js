// Screens load on demand; the server preloads every module, so there is no waterfall.
import {session, setSessionLostHandler} from './lib/api.js';
import {route, start, navigate} from './lib/router.js';

const screen = (file, name = 'render') => () => import(`./screens/${file}.js`).then((m) => m[name]);

route('/signin', screen('auth', 'renderSignIn'), {auth: false, title: 'Sign in'});
route('/signup', screen('auth', 'renderSignUp'), {auth: false, title: 'Create your account'});
route('/', screen('home'), {title: 'Today'});
route('/checkin', screen('checkin'), {title: 'Check-in'});
route('/activities', screen('activities', 'renderList'), {title: 'Activities'});
route('/activities/new', screen('activities', 'renderNew'), {title: 'Add a run', name: 'activity-new'});
route('/activities/:id', screen('activities', 'renderDetail'), {title: 'Activity', name: 'activity'});
route('/progress', screen('progress'), {title: 'Progress'});
route('/plan', screen('plan'), {title: 'Plan and race'});
route('/plan/build', screen('plan-builder', 'renderBuild'), {title: 'Build my plan', name: 'plan-build'});
route('/plan/changes', screen('plan-builder', 'renderChanges'), {title: 'Plan changes', name: 'plan-changes'});
route('/coach', screen('coach'), {title: 'Coach'});
route('/settings', screen('settings'), {title: 'Settings'});

setSessionLostHandler(() => navigate(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`, {replace: true}));

function renderChrome() {
  const signedIn = session.signedIn;
  document.getElementById('nav').hidden = !signedIn;
  const who = document.getElementById('who');
  who.textContent = signedIn ? (session.athlete.display_name || session.athlete.email) : '';
}

session.onChange(renderChrome);

// After any sign-in, adopt the browser's time zone if the athlete never chose one (settings.js decides).
let syncedFor = null;
session.onChange((athlete) => {
  if (!athlete || syncedFor === athlete.id) return;
  syncedFor = athlete.id;
  import('./screens/settings.js')
    .then((m) => m.syncTimezoneFromBrowser?.())
    .catch((e) => console.warn('time zone sync failed', e));
});

await session.restore();
renderChrome();
document.body.classList.remove('booting');
await start();
