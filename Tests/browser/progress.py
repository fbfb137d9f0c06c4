"""The Progress screen (docs/web-app.md): its empty state before any run, then the chart and tables drawn from
the stored analytics (`/v1/analytics/…`), compared with what the API answers. Used by suite.py."""
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from harness import TIMEZONE, expect

DAYS = 91  # the chart's range (js/screens/progress.js)


def day_range(days):
    today = datetime.now(ZoneInfo(TIMEZONE)).date()
    return (today - timedelta(days=days - 1)).isoformat(), today.isoformat()


def empty(suite):
    """Right after sign-up: no run, no check-in pairs, so every card says what is missing."""
    b = suite.browser
    status, _, load = suite.api("GET", "/v1/analytics/load?from=%s&to=%s" % day_range(42))
    expect(status == 200, f"GET /v1/analytics/load answered {status}")
    _, _, works = suite.api("GET", "/v1/analytics/what-works")
    b.nav("/progress")
    text = b.wait_css(b.testid("progress-load")).text
    expect("Log a few runs" in text, f"progress-load before any run says {text!r}")
    expect(b.find(b.testid("progress-load") + " svg") is None, "a chart shows before any run")
    needed = works.get("pairs_needed")
    works_text = b.text(b.testid("progress-what-works")) or ""
    expect(needed and f"{needed} more check-in" in works_text, f"progress-what-works says {works_text!r}; the API needs {needed} pairs")
    suite.screen("progress-empty")
    return f"API load current {load.get('current')}; progress-load {text.splitlines()[-1]!r}; what works {works_text.splitlines()[-1]!r}"


def wait_for_analytics(suite, timeout=30):
    """The analytics job runs after each write: wait until its figures include the current load."""
    deadline = time.time() + timeout
    while True:
        status, _, load = suite.api("GET", "/v1/analytics/load?from=%s&to=%s" % day_range(42))
        if status == 200 and load.get("current") or time.time() > deadline:
            return load
        time.sleep(0.5)


def rows(b, card):
    return b.js("""return [...document.querySelectorAll(arguments[0] + ' tbody tr')].map((r) => r.textContent)""", b.testid(card))


def with_data(suite):
    """After the runs: the fitness/fatigue/form chart and its table match the API's days over the last 3 months;
    paces, predictions and records match their endpoints; records link to their runs."""
    b = suite.browser
    load = wait_for_analytics(suite)
    expect(load.get("current"), f"no current load 30 s after the runs were saved: {load}")
    b.nav("/progress")
    card = b.testid("progress-load")
    b.wait_css(card + " svg")
    _, _, api = suite.api("GET", "/v1/analytics/load?from=%s&to=%s" % day_range(DAYS))
    n = len(api["days"])
    expect(n > 0, f"the API has no days: {api}")
    b.wait(lambda: len(rows(b, "progress-load")) == n, 10, f"{n} table rows (the API's days)")
    svg = b.find(card + " svg[role=img]")
    points = b.js("return [...arguments[0].querySelectorAll('polyline')].map((p) => p.getAttribute('points').trim().split(/\\s+/).length)", svg)
    expect(points == [n, n, n], f"polylines of {points} points, the API has {n} days")
    caption = b.js("return document.querySelector(arguments[0]).textContent", card + " table caption")  # in a closed <details>
    expect("last 3 months" in caption, f"the table's caption is {caption!r}")
    seen = [f"3 lines × {n} points, {n} rows"]
    _, _, paces = suite.api("GET", "/v1/analytics/paces")
    _, _, preds = suite.api("GET", "/v1/analytics/predictions")
    _, _, recs = suite.api("GET", "/v1/analytics/records")
    expect(len(rows(b, "progress-paces")) == len(paces.get("paces") or []), f"paces rows {rows(b, 'progress-paces')} vs {paces}")
    expect(len(rows(b, "progress-predictions")) == len(preds.get("predictions") or []), f"prediction rows vs {preds}")
    links = b.js("return [...document.querySelectorAll(arguments[0] + ' tbody a')].map((a) => a.getAttribute('href'))", b.testid("progress-records"))
    expect(links == [f"/activities/{r['activity_id']}" for r in recs.get("records") or []], f"record links {links} vs the API's {recs}")
    suite.screen("progress")
    return f"{'; '.join(seen)}; paces {len(paces.get('paces') or [])}, predictions {len(preds.get('predictions') or [])}, records {len(links)} (linked to their runs)"
