"""StrideIQ's web app in a real browser (docs/web-app.md; README "Tests and CI").

Run by scripts/browser-suite, which starts the fake LLM providers and `strideiq serve` and sets SUITE_BASE_URL,
SUITE_OUT (the screenshots' folder), SUITE_COACH_EVENTS (the coach fake's events file) and SUITE_COACH_ANSWER.
Walks the athlete's path (sign up → … → sign back in), imports activity files (imports.py), checks the Progress
screen against the analytics endpoints (progress.py), the 422/409/429/consent cases, and on every screen
the console, axe in light and dark, and screenshots at 390×844 and 1280×800. One line per check; a summary;
exit 1 on any failure.
"""
import json, os, re, sys, time, traceback
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from selenium.webdriver.common.by import By

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (BASE, OUT, SIZES, TIMEZONE, Browser, SuiteFailure, console_problems, expect, fetch_bytes,
                     http, login_token, median)
import imports
import progress

COACH_EVENTS = os.environ.get("SUITE_COACH_EVENTS", "")
COACH_ANSWER = os.environ.get("SUITE_COACH_ANSWER", "")
PLAIN_ANSWER = re.sub(r"\*+", "", COACH_ANSWER)
PASSWORD = "tempo-run-42-suite"
TIMING_LIMIT_MS = 300
ASSET_LIMIT = 150_000  # the 150 KB, as the Swift test (WebAppTests) counts it
# No failed request is allowed unless a step provokes it: a signed-out page makes no refresh call at all (the
# page asks only when the readable `strideiq_session` hint cookie says a session may exist).
ALWAYS_ALLOWED = set()


class Suite:
    def __init__(self):
        self.results = []      # (name, ok, observed)
        self.audits = {}       # screen → {theme: {...}}
        self.timing = []
        self.browser = None
        self.allowed = []
        stamp = int(time.time() * 1000)
        self.email = f"runner-{stamp}@example.com"
        self.locked_email = f"locked-{stamp}@example.com"
        self.api_token = None
        self.activity_id = None

    # --- the runner -----------------------------------------------------------------------------------------
    def check(self, name, fn, allowed=frozenset()):
        # A check inside another (a screen audit during a step) also tolerates what the outer step provoked.
        allowed = set(allowed) | (self.allowed[-1] if self.allowed else set())
        self.allowed.append(allowed)
        try:
            return self._check(name, fn, allowed)
        finally:
            self.allowed.pop()

    def _check(self, name, fn, allowed):
        started = time.time()
        try:
            observed = fn() or ""
            ok = True
        except SuiteFailure as e:
            ok, observed = False, str(e)
        except Exception as e:  # a crash in a check is a failure of that check, not of the run
            ok, observed = False, f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
            traceback.print_exc(file=sys.stderr)
        if self.browser is not None:
            bad = console_problems(self.browser.drain_console(name), ALWAYS_ALLOWED | set(allowed))
            if bad:
                ok = False
                observed += f"; console errors: {bad}"
            if not ok:
                try:
                    observed += f" [screenshot {self.browser.screenshot('FAIL-' + re.sub(r'[^a-z0-9]+', '-', name.lower()))}]"
                except Exception:
                    pass
        self.results.append((name, ok, observed))
        print(f"{'PASS' if ok else 'FAIL'} {name} ({time.time() - started:.1f} s): {observed}", flush=True)
        return ok

    def screen(self, label):
        """The per-screen checks on what is showing now: axe in both themes, screenshots, console clean."""
        def audit():
            report, files = self.browser.audit(label)
            self.audits[label] = report
            problems = []
            for theme, r in report.items():
                for rule, target, summary in r["serious"]:
                    problems.append(f"{theme}: {rule} at {target}: {summary}")
            counts = ", ".join(f"{t} " + (", ".join(f"{k} {v}" for k, v in sorted(r['counts'].items())) or "none")
                               + (f" (+{sum(r['ignored'].values())} known axe-core 3.1.1 false positives)" if r["ignored"] else "")
                               for t, r in report.items())
            expect(not problems, f"axe serious/critical violations ({counts}): " + " | ".join(problems[:8]))
            return f"axe {counts}; {len(files)} screenshots; no console error since the last check"
        return self.check(f"screen {label}", audit)

    def api(self, method, path, body=None):
        if self.api_token is None:
            self.api_token = login_token(self.email, PASSWORD)
        return http(method, path, body, token=self.api_token)

    # --- the checks -----------------------------------------------------------------------------------------
    def security_headers(self):
        status, headers, _ = http("GET", "/")
        expect(status == 200, f"GET / answered {status}")
        csp = headers.get("Content-Security-Policy") or ""
        directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";") if d.strip()}
        problems = []
        if "unsafe-inline" in csp or "unsafe-eval" in csp: problems.append("CSP allows unsafe-inline/unsafe-eval")
        if directives.get("default-src") != "default-src 'self'": problems.append(f"default-src is {directives.get('default-src')!r}")
        if directives.get("frame-ancestors") != "frame-ancestors 'none'": problems.append("no frame-ancestors 'none'")
        if directives.get("base-uri") != "base-uri 'none'": problems.append("no base-uri 'none'")
        if (headers.get("X-Content-Type-Options") or "").lower() != "nosniff": problems.append("no nosniff")
        if (headers.get("Referrer-Policy") or "").lower() != "same-origin": problems.append(f"Referrer-Policy {headers.get('Referrer-Policy')!r}")
        expect(not problems, "; ".join(problems) + f" (CSP: {csp!r})")
        return f"CSP {csp!r}; nosniff; Referrer-Policy same-origin"

    def signin_screen(self):
        self.browser.goto("/signin")
        expect(self.browser.find("#email") and self.browser.find("#password"), "no #email/#password on /signin")
        return "signed-out /signin ready"

    def signup_screen(self):
        b = self.browser
        b.nav("/signup")
        for fid in ("email", "password"):
            expect(b.find(f"#{fid}") is not None, f"no #{fid} on /signup")
            expect(b.find(f'label[for="{fid}"]') is not None, f"no <label for={fid}>")
        rules = b.testid("password-rules")
        b.wait_css(rules)
        b.fill("password", "abc")
        b.wait(lambda: any(li.get_attribute("data-ok") == "false" for li in b.find_all(rules + " [data-ok]")), 5,
               "a password rule to show as not met for 'abc'")
        short = {li.text.strip(): li.get_attribute("data-ok") for li in b.find_all(rules + " [data-ok]")}
        b.fill("password", PASSWORD)
        b.wait(lambda: all(li.get_attribute("data-ok") == "true" for li in b.find_all(rules + " [data-ok]")), 5,
               "every password rule to show as met")
        return f"password rules update as one types: 'abc' → {short}; a good password → all met"

    def field_error_422(self):
        b = self.browser
        b.fill("email", self.email)
        if b.find("#display_name"): b.fill("display_name", "Suite Runner")
        b.fill("password", "marathon1")  # long enough, but on the server's list of well-known passwords
        b.submit()
        b.wait(lambda: (b.text("#password-error") or "") != "", 10, "the server's 422 message in #password-error")
        message = b.text("#password-error")
        invalid = b.find("#password").get_attribute("aria-invalid")
        described = b.find("#password").get_attribute("aria-describedby") or ""
        expect(invalid == "true", f"#password has aria-invalid={invalid!r}")
        expect("password-error" in described, f"#password aria-describedby={described!r}")
        expect(b.path() == "/signup", f"left /signup for {b.path()}")
        return f"#password-error says {message!r}, aria-invalid=true, described by it"

    def sign_up(self):
        b = self.browser
        zone = b.js("return Intl.DateTimeFormat().resolvedOptions().timeZone")
        expect(zone == TIMEZONE, f"the browser's zone is {zone}, not the emulated {TIMEZONE}")
        b.fill("email", self.email)
        if b.find("#display_name"): b.fill("display_name", "Suite Runner")
        b.fill("password", PASSWORD)
        b.unready()
        b.submit()
        screen = b.wait_screen(re.compile(r"/(?!signup|signin).*"), 20)
        return f"signed up as {self.email}; landed on {b.path()} (screen {screen})"

    def session_storage(self):
        b = self.browser
        cookies = b.cdp("Network.getAllCookies").get("cookies", [])
        refresh = [c for c in cookies if c["name"] == "strideiq_refresh"]
        expect(refresh, f"no strideiq_refresh cookie (cookies: {[c['name'] for c in cookies]})")
        c = refresh[0]
        expect(c.get("httpOnly") is True, "the refresh cookie is not HttpOnly")
        expect(c.get("sameSite") == "Strict", f"SameSite={c.get('sameSite')}")
        expect(c.get("path") == "/v1/auth", f"Path={c.get('path')}")
        stored = b.js("const all = {}; for (const s of [localStorage, sessionStorage]) for (let i = 0; i < s.length; i++) "
                      "{ const k = s.key(i); all[k] = s.getItem(k); } return all;")
        jwt = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")
        leaks = [k for k, v in stored.items() if jwt.search(v or "") or "token" in k.lower()]
        expect(not leaks, f"token-like entries in web storage: {leaks}")
        expect("strideiq_refresh" not in b.js("return document.cookie"), "the refresh cookie is readable from JavaScript")
        return (f"strideiq_refresh: HttpOnly, SameSite=Strict, Path=/v1/auth; web storage keys {sorted(stored)} "
                f"hold no token; document.cookie does not show it")

    def time_zone(self):
        deadline = time.time() + 10
        while True:
            status, _, me = self.api("GET", "/v1/athlete")
            expect(status == 200, f"GET /v1/athlete answered {status}")
            if me.get("timezone") == TIMEZONE or time.time() > deadline:
                break
            time.sleep(0.2)
        expect(me.get("timezone") == TIMEZONE, f"GET /v1/athlete shows timezone {me.get('timezone')!r}, not {TIMEZONE}")
        b = self.browser
        b.nav("/settings")
        b.wait_css(b.testid("settings-form"))
        tz = b.find("#timezone")
        shown = (tz.get_attribute("value") if tz is not None else None) or ""
        expect(tz is not None and shown == TIMEZONE, f"settings #timezone shows {shown!r}")
        return f"GET /v1/athlete → timezone {me['timezone']}; settings #timezone shows it"

    def consent_off(self):
        b = self.browser
        status, _, me = self.api("GET", "/v1/athlete")
        expect(me.get("ai_consent") is False, f"a new athlete has ai_consent={me.get('ai_consent')}")
        b.nav("/coach")
        box = b.wait_css(b.testid("coach-consent"))
        text = box.text.strip()
        expect(not b.find(b.testid("coach-answer")), "a coach answer shows without consent")
        button = b.button("turn on", "enable", "allow", "consent", "agree", within=box)
        expect(button is not None, f"coach-consent offers no button to turn consent on: {text[:120]!r}")
        label = button.text.strip()
        b.click(button)
        deadline = time.time() + 10
        while True:
            _, _, me = self.api("GET", "/v1/athlete")
            if me.get("ai_consent") or time.time() > deadline: break
            time.sleep(0.2)
        expect(me.get("ai_consent") is True, f"pressing {label!r} did not set ai_consent")
        b.wait(lambda: b.find(b.testid("coach-consent")) is None or not b.find(b.testid("coach-consent")).is_displayed(),
               10, "coach-consent to go away once consent is on")
        return f"coach-consent shown ({text[:70]!r}…); {label!r} turned ai_consent on"

    def checkin(self):
        b = self.browser
        _, _, me = self.api("GET", "/v1/athlete")
        b.nav("/checkin")
        self.screen("checkin")
        values = {"sleep_h": "7.5", "sleep_quality_1_5": 4, "readiness_1_5": 4, "soreness_1_5": 2, "stress_1_5": 2,
                  "notes": "Legs feel fresh."}
        filled = []
        for fid, value in values.items():
            if b.find(f"#{fid}") is not None or b.find_all(f'input[type="radio"][name="{fid}"]'):
                b.fill(fid, value)
                filled.append(fid)
        expect("sleep_h" in filled and "readiness_1_5" in filled, f"check-in form lacks sleep_h/readiness_1_5 (found {filled})")
        b.submit()
        deadline = time.time() + 10
        while True:
            status, _, body = self.api("GET", "/v1/daily-checkin/today")
            if (status == 200 and body and body.get("sleep_h") == 7.5) or time.time() > deadline: break
            time.sleep(0.2)
        expect(status == 200 and body.get("sleep_h") == 7.5 and body.get("readiness_1_5") == 4,
               f"GET /v1/daily-checkin/today → {status} {body}")
        return f"filled {filled}; GET /v1/daily-checkin/today → sleep_h 7.5, readiness 4"

    def fill_run(self):
        """Fills the new-activity form: yesterday 07:00 in the athlete's zone, 52:30, 10.5 km."""
        b = self.browser
        yesterday = (datetime.now(ZoneInfo(TIMEZONE)) - timedelta(days=1)).strftime("%Y-%m-%d")
        filled = []
        def first(ids, value):
            for fid in ids:
                if b.find(f"#{fid}") is not None:
                    b.fill(fid, value); filled.append(fid); return fid
            return None
        first(["name"], "Suite easy run")
        if b.find("#sport") is not None and b.find("#sport").tag_name == "select":
            b.fill("sport", "run"); filled.append("sport")
        start = b.find("#start_time")
        if start is not None and start.get_attribute("type") == "datetime-local":
            first(["start_time"], f"{yesterday}T07:00")
        else:
            expect(first(["local_date", "date", "start_date"], yesterday), "no date input")
            expect(first(["start_time", "time"], "07:00"), "no start time input")
        expect(first(["duration_s", "duration", "moving_time_s"], "0:52:30"), "no duration input")
        expect(first(["distance_m", "distance", "distance_km"], "10.5"), "no distance input")
        return filled

    def add_run(self):
        b = self.browser
        b.nav("/activities")
        b.nav("/activities/new")
        self.screen("activity-new")
        filled = self.fill_run()
        b.unready()
        b.submit()
        deadline = time.time() + 10
        while True:
            status, _, body = self.api("GET", "/v1/activities")
            if (status == 200 and body.get("total", 0) >= 1) or time.time() > deadline: break
            time.sleep(0.2)
        expect(status == 200 and body.get("total") == 1, f"GET /v1/activities → {status} total {body.get('total')}")
        a = body["activities"][0]
        self.activity_id = a["id"]
        expect(abs((a.get("distance_m") or 0) - 10500) < 1, f"distance_m {a.get('distance_m')}, not 10500")
        expect(a.get("duration_s") == 3150 or a.get("moving_time_s") == 3150, f"duration {a.get('duration_s')}/{a.get('moving_time_s')}, not 3150 s")
        b.wait_screen(None, 15)
        return f"filled {filled}; stored {a['sport']} {a['distance_m']} m, {a.get('duration_s')} s on {a['local_date']}; app went to {b.path()}"

    def home_briefing(self):
        b = self.browser
        before = b.js("""
            window.__suiteMarker = 'still-here'; window.__briefingStates = [];
            window.__briefingTimer = setInterval(() => {
              const el = document.querySelector('[data-testid="home-briefing"]');
              const s = el ? el.dataset.state : null, a = window.__briefingStates;
              if (s && a[a.length - 1] !== s) a.push(s);
            }, 20);
            return performance.timeOrigin;""")
        b.nav("/")
        b.wait(lambda: "10.5" in (b.text(b.testid("home-last-run")) or ""), 10, "home-last-run to show the 10.5 km run")
        last_run = b.text(b.testid("home-last-run")).replace("\n", " ")
        b.wait(lambda: "fresh" in (b.js("return window.__briefingStates") or []), 45, "home-briefing data-state=fresh")
        states = b.js("clearInterval(window.__briefingTimer); return window.__briefingStates")
        after = b.js("return [window.__suiteMarker, performance.timeOrigin]")
        expect(after[0] == "still-here" and after[1] == before, "the page reloaded (the window marker is gone)")
        expect("refreshing" in states and states.index("refreshing") < states.index("fresh"),
               f"home-briefing went through {states}, not refreshing → fresh")
        el = b.find(b.testid("home-briefing"))
        source = el.get_attribute("data-source")
        self.screen("home")
        return f"home-last-run {last_run[:60]!r}; home-briefing data-state {' → '.join(states)} without a reload; data-source {source}"

    def duplicate(self):
        b = self.browser
        b.nav("/activities")
        b.wait_css(b.testid("activity-list"))
        rows = b.find_all(b.testid("activity-row"))
        expect(len(rows) == 1, f"{len(rows)} activity-row(s) listed, 1 expected")
        expect(b.find(b.testid("weekly-chart")) is not None, "no weekly-chart")
        self.screen("activities")
        b.nav("/activities/new")
        self.fill_run()
        b.submit()
        link = b.wait_css(b.testid("duplicate-link"), 10)
        href = link.get_attribute("href") or ""
        expect(href.endswith(f"/activities/{self.activity_id}"), f"duplicate-link points to {href}, not the existing activity {self.activity_id}")
        text = link.text.strip()
        b.unready()
        b.click(link)
        b.wait_screen(f"/activities/{self.activity_id}")
        _, _, body = self.api("GET", "/v1/activities")
        expect(body.get("total") == 1, f"{body.get('total')} activities stored after the duplicate")
        self.screen("activity-detail")
        return f"409 → duplicate-link {text!r} → /activities/{self.activity_id}; still 1 activity"

    def main_text(self):
        return self.browser.js("return document.getElementById('main').textContent")

    def plan(self):
        """Creates a plan from its goal race, renames the race, adds a workout and deletes it, all by the UI."""
        b = self.browser
        b.nav("/plan")
        b.click(b.wait_css("#plan-create"))
        b.fill("goal_race_name", "Suite Marathon")
        b.fill("goal_race_date", (datetime.now(ZoneInfo(TIMEZONE)) + timedelta(days=70)).strftime("%Y-%m-%d"))
        b.submit("form.plan-form")
        b.click(b.wait_css("#race-edit"))
        b.fill("goal_race_name", "Suite Spring Marathon")
        b.submit("form.plan-form")
        b.wait(lambda: (b.text("#plan-race-title") or "") == "Suite Spring Marathon", 10, "the renamed goal race")
        b.click(b.wait_css("#workout-add"))
        b.fill("title", "Suite tempo")
        b.fill("workout_type", "tempo")
        b.submit("form.plan-form")
        b.wait(lambda: "Suite tempo" in self.main_text(), 10, "the new workout in the weeks")
        status, _, plans = self.api("GET", "/v1/plans")
        active = [p for p in plans["plans"] if p["status"] == "active"]
        _, _, plan = self.api("GET", f"/v1/plans/{active[0]['id']}")
        names = [w["title"] for w in plan["workouts"]]
        expect(plan.get("goal_race_name") == "Suite Spring Marathon" and names == ["Suite tempo"], f"the API has {plan.get('goal_race_name')!r}, {names}")
        b.js("document.querySelector('[data-workout] .plan-del').click()")
        b.click(b.wait_css("dialog[open] button.danger"))
        b.wait(lambda: "Suite tempo" not in self.main_text(), 10, "the workout to go")
        return f"created a plan for {plan['goal_race_date']}, renamed its race, added {names} and deleted it"

    def coach_state(self):
        """[data-streaming, how many characters of the fake's answer are visible, text] of the last coach-answer.
        Visible = the longest prefix of the answer (markdown marks removed) found in the element's text, so the
        header and any "thinking" placeholder do not count."""
        return self.browser.js("""const all = document.querySelectorAll('[data-testid="coach-answer"]');
            const el = all[all.length - 1]; if (!el) return null;
            const text = el.textContent, answer = arguments[0];
            let lo = 0, hi = answer.length;
            while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (text.includes(answer.slice(0, mid))) lo = mid; else hi = mid - 1; }
            return [el.dataset.streaming || null, lo, text];""", PLAIN_ANSWER)

    def ask(self, text):
        b = self.browser
        field = None
        for fid in ("message", "coach-message", "question"):
            field = b.find(f"#{fid}")
            if field is not None: break
        field = field or b.find("main form textarea")
        expect(field is not None, "no message field on /coach")
        field.clear()
        field.send_keys(text)
        b.submit(field.find_element(By.XPATH, "./ancestor::form"))

    def coach_stream(self):
        b = self.browser
        b.nav("/coach")
        b.wait_css(b.testid("coach-history"), visible=False)
        self.ask("How should today's run feel?")
        b.wait(lambda: (self.coach_state() or [None])[0] == "true", 10, "coach-answer data-streaming=true")
        samples, end = [], time.time() + 30
        while time.time() < end:
            state = self.coach_state()
            if not state or state[0] != "true": break
            samples.append(state[1])
            time.sleep(0.1)  # sampling, not waiting: the lengths tell whether text arrived before `done`
        final = self.coach_state()
        growth = sorted(set(s for s in samples if s > 0))
        expect(final is not None and final[0] != "true", "the answer was still streaming after 30 s")
        expect(len(growth) >= 3, f"while streaming the answer length was {samples}: fewer than 3 growing lengths before done")
        expect(samples == sorted(samples), f"the answer length went down while streaming: {samples}")
        expect(final[1] == len(PLAIN_ANSWER) and "**" not in final[2], f"final answer text {final[2][:160]!r}")
        strong = b.js("return [...document.querySelectorAll('main strong')].map(e => e.textContent)")
        expect("Easy miles" in strong, f"the **bold** markdown did not render as <strong> (strong: {strong})")
        self.screen("coach")
        return f"{len(samples)} samples while data-streaming=true, lengths {growth[:3]}…{growth[-1]} grew before done; final {final[1]} chars, **bold** → <strong>"

    def coach_stop(self):
        b = self.browser
        def events():
            try:
                with open(COACH_EVENTS) as f: return [json.loads(l) for l in f if l.strip()]
            except FileNotFoundError:
                return []
        seen = len(events())
        self.ask("And what about tomorrow?")
        b.wait(lambda: (self.coach_state() or [None, 0])[0] == "true" and self.coach_state()[1] >= 10, 10,
               "the second answer to be streaming (≥ 10 characters shown)")
        stop = b.wait_css(b.testid("coach-stop"))
        expect(stop.tag_name == "button", f"coach-stop is a <{stop.tag_name}>")
        stop.click()
        stopped_at = time.time()
        b.wait(lambda: (self.coach_state() or ["x"])[0] != "true", 5, "the answer to stop streaming after Stop")
        length = self.coach_state()[1] if self.coach_state() else 0
        time.sleep(1.0)  # the observation window: no more text may arrive after Stop
        later = self.coach_state()[1] if self.coach_state() else 0
        expect(later == length, f"text kept arriving after Stop ({length} → {later} chars)")
        expect(0 < length < len(PLAIN_ANSWER) - 10, f"the stopped answer has {length} chars: it was not cut short")
        expect(COACH_EVENTS, "no events file (SUITE_COACH_EVENTS)")
        # The fake needs 6 s for the whole answer; the disconnect must come well before that.
        closed = None
        end = stopped_at + 3
        while time.time() < end and closed is None:
            new = events()[seen:]
            requests = [e["index"] for e in new if e.get("event") == "request"]
            for e in new:
                if e.get("event") == "closed" and e.get("by") == "client" and set(e.get("requests") or []) & set(requests):
                    closed = e
            if closed is None: time.sleep(0.1)
        expect(closed is not None, f"the coach fake saw no client disconnect within 3 s of Stop (new events: {events()[seen:]})")
        took = time.time() - stopped_at
        return f"Stop ended the stream at {length} of {len(PLAIN_ANSWER)} chars, nothing more after 1 s; the fake provider logged {json.dumps(closed)} (read {took:.1f} s after Stop)"

    def reload_keeps_session(self):
        b = self.browser
        b.driver.refresh()
        screen = b.wait_screen("/coach")
        expect(screen == "coach", f"after a reload the screen is {screen}")
        b.wait_css(b.testid("coach-history"), visible=False)
        return f"reload of /coach → still signed in, screen {screen}"

    def two_tabs_refresh(self):
        # Two tabs reloading together both refresh with the same single-use cookie; presenting it twice would
        # revoke the session. Two separate instances of api.js (as two tabs have) refresh at the same moment:
        # the Web Lock must serialise them so both succeed and the session survives.
        b = self.browser
        b.goto("/")
        b.wait_screen("/")
        outcome = b.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            const api = document.querySelector('script[type=module]').src.replace(/js\\/main\\.js$/, 'js/lib/api.js');
            Promise.all([import(api + '?tab=a'), import(api + '?tab=b')])
              .then(([a, b]) => Promise.all([a.session.restore(), b.session.restore()]))
              .then(done, (e) => done(String(e)));""")
        expect(outcome == [True, True], f"two simultaneous refreshes answered {outcome}, not [true, true]")
        b.driver.refresh()
        screen = b.wait_screen("/")
        expect(screen == "home", f"after the two refreshes a reload shows {screen}: the session was revoked")
        return "two api.js instances refreshed at once: both succeeded; a reload is still signed in"

    def home_timing(self):
        b = self.browser
        rows = []
        for i in range(9):  # 2 warm-ups, 7 measured
            b.goto("/")
            b.wait(lambda: b.js("return document.readyState === 'complete' && performance.getEntriesByType('navigation')[0].loadEventEnd > 0"),
                   10, "the load event")
            # + when the session refresh and /v1/home answered (responseEnd), to tell the server from the page.
            n = b.js("""const n = performance.getEntriesByType('navigation')[0];
                const end = (part) => { const e = performance.getEntriesByType('resource').find((r) => new URL(r.name).pathname === part);
                                        return e ? e.responseEnd : null; };
                return [n.responseEnd, n.domInteractive, n.domContentLoadedEventEnd, n.loadEventEnd, window.__suiteReadyAt,
                        window.__suiteReadyScreen, end('/v1/auth/refresh'), end('/v1/home')];""")
            if i > 1: rows.append(n)
        self.timing = rows
        interactive = median([r[1] for r in rows])
        ready = median([r[4] for r in rows if r[4] is not None])
        expect(all(r[5] == "home" for r in rows), f"first ready screen was {[r[5] for r in rows]}")
        expect(interactive <= TIMING_LIMIT_MS and ready <= TIMING_LIMIT_MS,
               f"median domInteractive {interactive:.0f} ms, main[data-ready] {ready:.0f} ms (limit {TIMING_LIMIT_MS} ms)")
        return f"median of {len(rows)} loads after 2 warm-ups: domInteractive {interactive:.0f} ms, main[data-ready] {ready:.0f} ms (≤ {TIMING_LIMIT_MS})"

    def sign_out(self):
        b = self.browser
        b.nav("/settings")
        b.wait_css(b.testid("settings-form"))
        self.screen("settings")
        button = b.button("sign out", "log out")
        expect(button is not None, "no Sign out button on /settings")
        b.unready()
        b.click(button)
        b.wait_screen("/signin")
        cookies = [c for c in b.cdp("Network.getAllCookies").get("cookies", []) if c["name"] == "strideiq_refresh" and c.get("value")]
        expect(not cookies, "the refresh cookie is still set after sign-out")
        b.goto("/", expect_path="/signin")
        return "Sign out → /signin, cookie cleared; a reload of / stays signed out"

    def lockout(self):
        status, _, _ = http("POST", "/v1/auth/register", {"email": self.locked_email, "password": PASSWORD})
        expect(status == 201, f"registering the lockout athlete answered {status}")
        b = self.browser
        b.goto("/signin")
        messages = []
        for attempt in range(6):
            b.js("for (const e of document.querySelectorAll('[data-testid=\"form-error\"]')) e.textContent = '';")
            b.fill("email", self.locked_email)
            b.fill("password", f"wrong-password-{attempt}")
            b.submit()
            b.wait(lambda: any(e.text.strip() for e in b.find_all(b.testid("form-error"))), 10,
                   f"form-error after wrong password #{attempt + 1}")
            messages.append(" ".join(e.text.strip() for e in b.find_all(b.testid("form-error")) if e.text.strip()))
        last = messages[-1]
        expect(re.search(r"\b\d+\s*(minutes?|mins?|seconds?|secs?|hours?)\b|\b\d{1,2}:\d{2}\b", last, re.I),
               f"the 6th attempt's form-error does not say when to try again: {last!r}")
        expect(b.path().startswith("/signin"), f"left /signin for {b.path()}")
        return f"attempts 1–5: {messages[0]!r}; 6th: {last!r}"

    def sign_in(self):
        b = self.browser
        b.fill("email", self.email)
        b.fill("password", PASSWORD)
        b.unready()
        b.submit()
        screen = b.wait_screen("/")
        b.wait_css(b.testid("home-last-run"))
        return f"signed in again as {self.email} → home (screen {screen})"

    def asset_bytes(self):
        b = self.browser
        status, _, html = http("GET", "/")
        for ref in re.findall(r'(?:href|src)="(/assets/[^"]+\.(?:js|css))"', html if isinstance(html, str) else ""):
            b.resources.add(ref)
        sizes = {p: len(fetch_bytes(BASE + p)) for p in sorted(b.resources)}
        js = sum(v for k, v in sizes.items() if not k.endswith(".css"))
        css = sum(v for k, v in sizes.items() if k.endswith(".css"))
        self.assets = sizes
        expect(js + css <= ASSET_LIMIT, f"{js + css} bytes of JS and CSS, over {ASSET_LIMIT}")
        return f"{len(sizes)} files: JS {js} B + CSS {css} B = {js + css} B ({(js + css) / 1024:.1f} KiB ≤ 150 KiB)"

    # --- the run --------------------------------------------------------------------------------------------
    def run(self):
        t0 = time.time()
        print(f"browser suite against {BASE}; screenshots in {OUT}", flush=True)
        self.check("security headers on /", self.security_headers)
        self.browser = Browser()
        try:
            c = self.check
            c("open /signin signed out", self.signin_screen)
            self.screen("signin")
            c("signup: password rules as one types", self.signup_screen)
            self.screen("signup")
            c("422: the server's field error next to its field", self.field_error_422, {("/v1/auth/register", 422)})
            c("01 sign up", self.sign_up)
            c("progress before any run: the empty states", lambda: progress.empty(self))
            c("session: refresh cookie HttpOnly/Strict/Path, no token in web storage", self.session_storage)
            c("02 the time zone is set from the browser", self.time_zone)
            c("consent off: coach shows coach-consent, its button turns consent on", self.consent_off)
            c("03 check in", self.checkin)
            c("04 add a run", self.add_run)
            c("05 home shows the run; briefing refreshing → fresh, no reload", self.home_briefing)
            c("409: the same run again links to the existing one", self.duplicate, {("/v1/activities", 409)})
            c("11 import: a GPX and a broken file, per-file results; the GPX dropped again is a duplicate; a zip runs as a job",
              lambda: imports.import_files(self))
            c("12 the imported activity: route SVG, splits, best efforts, Download GPX", lambda: imports.imported_detail(self))
            c("13 settings: Download all my data is a zip", lambda: imports.export_all(self))
            c("14 progress: the fitness/fatigue/form chart and its table from the API, paces, predictions, records",
              lambda: progress.with_data(self))
            c("plan: create from a goal race, rename the race, add and delete a workout", self.plan)
            self.screen("plan")
            c("06 coach answer streams token by token", self.coach_stream)
            c("07 Stop cancels; the fake provider sees the disconnect", self.coach_stop)
            c("08 a reload keeps the session", self.reload_keeps_session)
            c("two tabs refreshing at once keep the session", self.two_tabs_refresh)
            c("home reaches interactive within 300 ms", self.home_timing)
            c("09 sign out", self.sign_out)
            c("429: the 6th wrong password says when to try again", self.lockout,
              {("/v1/auth/login", 401), ("/v1/auth/login", 429)})
            c("10 sign back in", self.sign_in)
            c("JS + CSS served ≤ 150 KB", self.asset_bytes)
        finally:
            self.browser.quit()
        self.report(time.time() - t0)
        return 0 if all(ok for _, ok, _ in self.results) else 1

    def report(self, seconds):
        print("\nNavigation Timing of home (ms from navigation start; 7 loads after 2 warm-ups)")
        heads = [("responseEnd", 0), ("domInteractive", 1), ("domContentLoadedEventEnd", 2), ("loadEventEnd", 3),
                 ("main[data-ready]", 4), ("refresh answered", 6), ("/v1/home answered", 7)]
        print("  run " + " ".join(f"{h:>{len(h)}}" for h, _ in heads))
        num = lambda v, w: f"{v:>{w}.1f}" if isinstance(v, (int, float)) else f"{'—':>{w}}"
        for i, r in enumerate(self.timing, 1):
            print(f"  {i:>3} " + " ".join(num(r[k], len(h)) for h, k in heads))
        if self.timing:
            print("  med " + " ".join(num(median([r[k] for r in self.timing if r[k] is not None]), len(h)) for h, k in heads))
        print("\naxe violations per screen and theme (by impact; serious + critical must be 0)")
        for screen, report in self.audits.items():
            for theme, r in report.items():
                counts = r["counts"]
                print(f"  {screen:<16} {theme:<5} critical {counts.get('critical', 0)}, serious {counts.get('serious', 0)}, "
                      f"moderate {counts.get('moderate', 0)}, minor {counts.get('minor', 0)}"
                      + (f" [{', '.join(f'{k} ×{v}' for k, v in sorted(r['rules'].items()))}]" if r["rules"] else "")
                      + (f"; not counted: {sum(r['ignored'].values())} known false positives" if r["ignored"] else ""))
        reasons = sorted({why for report in self.audits.values() for r in report.values() for why in r["ignored"]})
        for why in reasons:
            print(f"  not counted: {why}")
        if getattr(self, "assets", None):
            total = sum(self.assets.values())
            print(f"\nserved JS + CSS: {total} bytes in {len(self.assets)} files")
            for p, n in sorted(self.assets.items(), key=lambda kv: -kv[1]):
                print(f"  {n:>7}  {re.sub(r'^/assets/[^/]+/', '', p)}")
        shots = sorted(f for f in os.listdir(OUT) if f.endswith(".png")) if os.path.isdir(OUT) else []
        fails = [f for f in shots if f.startswith("FAIL-")]
        print(f"\nscreenshots: {len(shots) - len(fails)} of {len(self.audits)} screens in {OUT} "
              f"({', '.join(f'{w}x{h}' for w, h in SIZES)}, light and dark)" + (f", + {len(fails)} of failed checks (FAIL-*.png)" if fails else ""))
        failed = [r for r in self.results if not r[1]]
        for name, _, observed in failed:
            print(f"  FAILED: {name}: {observed}")
        print(f"browser suite took {seconds:.0f} s")
        print(f"{len(self.results) - len(failed)} passed, {len(failed)} failed")


if __name__ == "__main__":
    if os.path.isdir(OUT):
        for f in os.listdir(OUT):
            if f.endswith(".png"): os.remove(os.path.join(OUT, f))
    sys.exit(Suite().run())
