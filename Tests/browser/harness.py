"""The browser suite's tools: the Chromium driver, waits, forms, themes and sizes, screenshots, axe, the
console log, and plain HTTP to the API. Used by suite.py; no test lives here."""
import json, os, re, statistics, time, urllib.error, urllib.request
from collections import Counter
from urllib.parse import urlparse

from axe_selenium_python import Axe
from selenium import webdriver
from selenium.common.exceptions import JavascriptException, TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE = os.environ.get("SUITE_BASE_URL", "http://127.0.0.1:8080").rstrip("/")
OUT = os.environ.get("SUITE_OUT", "/tmp/strideiq-browser-suite")
SIZES = [(390, 844), (1280, 800)]
TIMEZONE = "America/Denver"

# Records, from the first byte of every document, when the screen first reports ready (the router sets
# main[data-ready="true"] once the screen rendered). Injected through CDP, so the page's CSP does not apply.
READY_PROBE = """
(() => {
  const seen = () => {
    const m = document.querySelector('main[data-ready="true"]');
    if (m && window.__suiteReadyAt === undefined) { window.__suiteReadyAt = performance.now(); window.__suiteReadyScreen = m.dataset.screen; }
  };
  new MutationObserver(seen).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-ready'] });
})();
"""


class SuiteFailure(AssertionError):
    pass


def expect(ok, message):
    if not ok:
        raise SuiteFailure(message)


# --- HTTP straight to the API (for facts the UI does not show, and the headers) -----------------------------

def http(method, path, body=None, token=None, headers=None):
    """→ (status, headers, parsed JSON or text). Never raises on an HTTP status."""
    req = urllib.request.Request(BASE + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=15) as r:
            status, hdrs, raw = r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        status, hdrs, raw = e.code, e.headers, e.read()
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        data = raw.decode("utf-8", "replace")
    return status, hdrs, data


def fetch_bytes(url):
    req = urllib.request.Request(url)  # no Accept-Encoding: the uncompressed size
    with urllib.request.urlopen(req, timeout=15) as r:
        return r.read()


def login_token(email, password):
    status, _, body = http("POST", "/v1/auth/login", {"email": email, "password": password})
    expect(status == 200, f"API login for {email} answered {status}: {body}")
    return body["access_token"]


# --- the browser --------------------------------------------------------------------------------------------

class Browser:
    def __init__(self):
        options = webdriver.ChromeOptions()
        options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=en-US",
                    "--window-size=1280,800", "--force-device-scale-factor=1", "--no-first-run",
                    "--disable-extensions", "--disable-background-networking", "--disable-sync"):
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
        self.driver = webdriver.Chrome(service=service, options=options)
        self.driver.set_script_timeout(30)
        self.cdp("Page.addScriptToEvaluateOnNewDocument", {"source": READY_PROBE})
        self.cdp("Emulation.setTimezoneOverride", {"timezoneId": TIMEZONE})
        self.theme = "light"
        self.size = SIZES[1]
        self.set_media("light")
        self.set_size(*self.size)
        self.console = []          # every browser log entry, with the step it arrived in
        self.resources = set()     # every asset URL the pages loaded
        self.axe = Axe(self.driver)

    def quit(self):
        try:
            self.driver.quit()
        except WebDriverException:
            pass

    def cdp(self, cmd, args=None):
        return self.driver.execute_cdp_cmd(cmd, args or {})

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    # -- media and size --
    def set_media(self, theme):
        self.theme = theme
        self.cdp("Emulation.setEmulatedMedia", {"features": [
            {"name": "prefers-color-scheme", "value": theme}, {"name": "prefers-reduced-motion", "value": "reduce"}]})

    def set_size(self, width, height):
        self.size = (width, height)
        self.cdp("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                        "mobile": width < 600})

    def settle(self):
        """Two animation frames: styles and layout of the last change are applied."""
        self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));")

    # -- waits --
    def wait(self, condition, timeout=10, message="condition"):
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.05,
                                 ignored_exceptions=(JavascriptException,)).until(lambda d: condition())
        except TimeoutException:
            raise SuiteFailure(f"timed out after {timeout} s waiting for {message} (at {self.path()})") from None

    def path(self):
        try:
            return self.js("return location.pathname + location.search")
        except WebDriverException:
            return "?"

    def find(self, css):
        found = self.driver.find_elements(By.CSS_SELECTOR, css)
        return found[0] if found else None

    def find_all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def wait_css(self, css, timeout=10, visible=True):
        def present():
            el = self.find(css)
            return el if el is not None and (not visible or el.is_displayed()) else None
        return self.wait(present, timeout, f"{css}{' to be visible' if visible else ''}")

    def testid(self, name):
        return f'[data-testid="{name}"]'

    def text(self, css):
        el = self.find(css)
        return el.text.strip() if el is not None else None

    # -- screens --
    def unready(self):
        """Clears main's ready flag so the next wait_screen waits for a new render, not the previous one."""
        self.js("const m = document.getElementById('main'); if (m) delete m.dataset.ready;")

    def wait_screen(self, path=None, timeout=15):
        """Waits until the router has rendered (main[data-ready="true"]) at `path` (a string, a regex or None)."""
        def ready():
            state = self.js("const m = document.getElementById('main');"
                            "return [location.pathname, m ? m.dataset.ready : null, m ? m.dataset.screen : null];")
            here = state[0]
            at = path is None or (path.fullmatch(here) if isinstance(path, re.Pattern) else here == path)
            return state if at and state[1] == "true" else None
        state = self.wait(ready, timeout, f"the screen at {getattr(path, 'pattern', path)} to be ready")
        self.collect_resources()
        return state[2]

    def goto(self, path, expect_path=None, timeout=15):
        """A full page load (the session is restored from the cookie)."""
        self.driver.get(BASE + path)
        return self.wait_screen(expect_path if expect_path is not None else path, timeout)

    def click(self, el):
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
        el.click()

    def nav(self, href, expect_path=None, timeout=15):
        """Client-side navigation: clicks a visible link to `href` (the app's nav first)."""
        links = [a for a in self.find_all(f'#nav a[href="{href}"], header a[href="{href}"], a[href="{href}"]') if a.is_displayed()]
        expect(links, f"no visible link to {href} on {self.path()}")
        self.unready()
        self.click(links[0])
        return self.wait_screen(expect_path if expect_path is not None else href, timeout)

    def button(self, *labels, within=None):
        """A visible <button> whose text contains one of `labels` (case-insensitive)."""
        root = within if within is not None else self.driver
        for b in root.find_elements(By.CSS_SELECTOR, "button"):
            if b.is_displayed() and any(l.lower() in b.text.strip().lower() for l in labels):
                return b
        return None

    def submit(self, form="main form"):
        """Clicks the submit button of `form` (a CSS selector or the form element)."""
        form = self.wait_css(form) if isinstance(form, str) else form
        buttons = [b for b in form.find_elements(By.CSS_SELECTOR, 'button[type="submit"], button:not([type])') if b.is_displayed()]
        expect(buttons, f"no submit button in the form on {self.path()}")
        self.click(buttons[0])

    def fill(self, field_id, value):
        """Sets the input with the API field name `field_id` as a person would (typing where one types)."""
        el = self.find(f"#{field_id}")
        if el is None or (el.get_attribute("type") or "").lower() == "radio":
            name = el.get_attribute("name") if el is not None else field_id
            radios = self.find_all(f'input[type="radio"][name="{name}"]')
            expect(radios, f"no input #{field_id} (nor radios named {field_id}) on {self.path()}")
            choice = [r for r in radios if r.get_attribute("value") == str(value)]
            expect(choice, f"no radio {field_id}={value}")
            radio = choice[0]
            # A styled radio is often visually hidden: a person clicks its label.
            target = radio if radio.is_displayed() else self.find(f'label[for="{radio.get_attribute("id")}"]')
            expect(target is not None, f"radio {field_id}={value} is hidden and has no label to click")
            self.click(target)
            expect(radio.is_selected(), f"clicking radio {field_id}={value} did not select it")
            return
        tag, kind = el.tag_name.lower(), (el.get_attribute("type") or "").lower()
        if tag == "select":
            Select(el).select_by_value(str(value))
        elif kind == "checkbox":
            if el.is_selected() != bool(value):
                self.click(el)
        elif kind in ("date", "time", "datetime-local", "range", "month", "week", "color"):
            self.js("const el = arguments[0];"
                    "Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(el, arguments[1]);"
                    "el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true}));",
                    el, str(value))
        else:
            self.js("arguments[0].scrollIntoView({block: 'center'})", el)
            el.clear()
            el.send_keys(str(value))

    # -- console --
    def drain_console(self, step):
        try:
            entries = self.driver.get_log("browser")
        except WebDriverException:
            entries = []
        for e in entries:
            e["step"] = step
        self.console.extend(entries)
        return entries

    # -- assets --
    def collect_resources(self):
        try:
            names = self.js("return performance.getEntriesByType('resource').map(e => e.name)"
                            ".concat([...document.querySelectorAll('link[href], script[src]')].map(e => e.href || e.src))")
        except WebDriverException:
            return
        for n in names or []:
            u = urlparse(n)
            if u.netloc == urlparse(BASE).netloc and re.search(r"\.(js|mjs|css)$", u.path):
                self.resources.add(u.path)

    # -- screenshots and axe --
    def screenshot(self, name):
        os.makedirs(OUT, exist_ok=True)
        path = os.path.join(OUT, name + ".png")
        self.driver.save_screenshot(path)
        return path

    def run_axe(self):
        self.axe.inject()
        return self.axe.run()

    def known_false_positive(self, rule, target):
        """Why a violation is a known false positive of the axe-core that axe-selenium-python carries (3.1.1),
        checked on the element itself, or None. Only these two, each fixed upstream in a later axe-core:
        - dlitem / definition-list: <dt>/<dd> grouped in a <div> child of <dl>, valid HTML since 5.2
          (dequelabs/axe-core#1265, #1201);
        - autocomplete-valid: autocomplete="off", valid on every input type (dequelabs/axe-core#1109)."""
        if not target or not isinstance(target[0], str):
            return None
        return self.js("""
            const el = document.querySelector(arguments[1]); if (!el) return null;
            const rule = arguments[0], tag = (n) => n && n.tagName ? n.tagName.toLowerCase() : '';
            const grouped = (d) => tag(d) === 'div' && tag(d.parentElement) === 'dl'
              && [...d.children].every((c) => ['dt', 'dd'].includes(tag(c)));
            if (rule === 'dlitem' && ['dt', 'dd'].includes(tag(el)) && grouped(el.parentElement))
              return 'axe-core 3.1.1: <dt>/<dd> in a <div> group of a <dl> (valid HTML; axe-core#1265)';
            if (rule === 'definition-list' && tag(el) === 'dl'
                && [...el.children].every((c) => ['dt', 'dd', 'script', 'template'].includes(tag(c)) || grouped(c)))
              return 'axe-core 3.1.1: <div> groups in a <dl> (valid HTML; axe-core#1201)';
            if (rule === 'autocomplete-valid' && (el.getAttribute('autocomplete') || '').trim().toLowerCase() === 'off')
              return 'axe-core 3.1.1: autocomplete="off" (valid on every input; axe-core#1109)';
            return null;""", rule, target[0])

    def audit(self, label):
        """Screenshots at every size in both themes and axe in both themes (at every size, violations merged).
        → {theme: {"counts": Counter(impact), "serious": [(rule, target, summary)]}}, [files]"""
        original = self.size
        report, files = {}, []
        for theme in ("light", "dark"):
            self.set_media(theme)
            seen, ignored = {}, {}
            for width, height in SIZES:
                self.set_size(width, height)
                self.js("window.scrollTo(0, 0)")
                self.settle()
                files.append(self.screenshot(f"{label}-{theme}-{width}x{height}"))
                for v in self.run_axe().get("violations", []):
                    for node in v.get("nodes", []):
                        key = (v["id"], json.dumps(node.get("target")))
                        if key in seen or key in ignored:
                            continue
                        why = self.known_false_positive(v["id"], node.get("target"))
                        if why:
                            ignored[key] = why
                            continue
                        seen[key] = (v.get("impact") or node.get("impact") or "unknown", v["id"],
                                     " ".join(map(str, node.get("target", []))),
                                     (node.get("failureSummary") or v.get("help", "")).replace("\n", " ")[:200])
            counts = Counter(impact for impact, *_ in seen.values())
            serious = [(rule, target, summary) for impact, rule, target, summary in seen.values() if impact in ("serious", "critical")]
            rules = Counter(f"{rule} ({impact})" for impact, rule, *_ in seen.values())
            report[theme] = {"counts": counts, "serious": serious, "ignored": Counter(ignored.values()), "rules": rules}
        self.set_media("light")
        self.set_size(*original)
        self.settle()
        return report, files


def median(values):
    return statistics.median(values) if values else float("nan")


def console_problems(entries, allowed):
    """SEVERE entries that are not an allowed network failure. `allowed` is a set of (path, status) pairs
    (status None = any): a failed request the step provoked on purpose, which Chromium logs as an error."""
    bad = []
    for e in entries:
        if e.get("level") != "SEVERE":
            continue
        m = re.match(r"(\S+) - Failed to load resource: the server responded with a status of (\d+)", e.get("message", ""))
        if e.get("source") == "network" and m:
            path, status = urlparse(m.group(1)).path, int(m.group(2))
            if (path, status) in allowed or (path, None) in allowed:
                continue
        bad.append(e.get("message", "")[:300])
    return bad
