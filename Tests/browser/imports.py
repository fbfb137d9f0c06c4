"""Activity-file import in the browser: the drop zone and file input on /activities, the per-file results, and
the imported activity's route SVG, splits and GPX download, and an archive's background job. Called by suite.py with its Suite (its browser, its
API session, its screen audits); no test runs on its own here.

The files are written by the test: a GPX of a 2.2 km loop in Denver (one point every 5 s at 5:00 /km, heart rate
in Garmin's TrackPointExtension) three days ago, so it is not a duplicate of the suite's hand-entered run, and a
FIT-named file of garbage, which must fail alone with a reason."""
import atexit, math, os, shutil, tempfile, time, zipfile
from datetime import datetime, timedelta, timezone

from harness import expect

POINTS = 133            # one every 5 s: 660 s
STEP_M = 1000 / 300 * 5  # 5:00 /km
LAT0, LON0 = 39.7392, -104.9903


def loop_points():
    """(lat, lon, ele) around a 600 m × 500 m rectangle, counter-clockwise, STEP_M apart."""
    m_lat = 111_320.0
    m_lon = m_lat * math.cos(math.radians(LAT0))
    corners = [(0, 0), (600, 0), (600, 500), (0, 500)]  # metres east, north
    perimeter = 2 * (600 + 500)
    out = []
    for i in range(POINTS):
        d = (i * STEP_M) % perimeter
        for (x0, y0), (x1, y1) in zip(corners, corners[1:] + corners[:1]):
            side = abs(x1 - x0) + abs(y1 - y0)
            if d <= side:
                f = d / side
                x, y = x0 + (x1 - x0) * f, y0 + (y1 - y0) * f
                break
            d -= side
        out.append((LAT0 + y / m_lat, LON0 + x / m_lon, 1600 + 8 * math.sin(i / 12)))
    return out


def gpx(start):
    rows = []
    for i, (lat, lon, ele) in enumerate(loop_points()):
        t = (start + timedelta(seconds=5 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        rows.append(f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}"><ele>{ele:.1f}</ele><time>{t}</time>'
                    f'<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>{140 + i % 10}</gpxtpx:hr>'
                    f'</gpxtpx:TrackPointExtension></extensions></trkpt>')
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<gpx version="1.1" creator="StrideIQ browser suite" xmlns="http://www.topografix.com/GPX/1/1" '
            'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
            '<metadata><name>Suite loop</name></metadata><trk><name>Suite loop</name><type>running</type><trkseg>'
            + "".join(rows) + '</trkseg></trk></gpx>\n')


def tempdir(prefix):
    """A temporary folder removed when the suite exits."""
    folder = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, folder, True)
    return folder


class Files:
    def __init__(self):
        self.dir = tempdir("strideiq-import-")
        start = (datetime.now(timezone.utc) - timedelta(days=3)).replace(hour=13, minute=0, second=0, microsecond=0)
        self.gpx_text = gpx(start)
        self.gpx = os.path.join(self.dir, "suite-loop.gpx")
        self.broken = os.path.join(self.dir, "broken.fit")
        with open(self.gpx, "w") as f:
            f.write(self.gpx_text)
        with open(self.broken, "wb") as f:
            f.write(b"this is not a FIT file" * 8)
        # An archive runs as a background job (202, then GET /v1/imports/{id}): the same loop again and a new
        # one a day earlier.
        self.zip = os.path.join(self.dir, "suite-export.zip")
        with zipfile.ZipFile(self.zip, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("activities/suite-loop.gpx", self.gpx_text)
            z.writestr("activities/suite-loop-earlier.gpx", gpx(start - timedelta(days=1)))


def results(b):
    """[(data-status, text, href or None)] of the per-file results shown."""
    return b.js("""return [...document.querySelectorAll('[data-testid="import-results"] li')].map((li) => {
        const a = li.querySelector('a'); return [li.dataset.status, li.textContent, a ? a.getAttribute('href') : null]; });""")


def wait_done(b, count, what):
    b.wait(lambda: len(results(b)) == count and "Done" in (b.text('[data-testid="import"] [role="status"]') or ""), 30,
           f"{count} import result(s) and a Done status after {what}")
    return results(b)


def import_files(suite):
    """Both files through the file input → one created (a link to it), one failed (its reason); the same GPX
    again, dropped on the zone → duplicate, linking to the same activity."""
    b = suite.browser
    files = suite.import_files = Files()
    b.nav("/activities")
    zone = b.wait_css(b.testid("import"))
    field = b.find("#import-files")
    expect(field is not None and field.get_attribute("type") == "file", "no file input #import-files in the import zone")
    accept = field.get_attribute("accept") or ""
    expect(all(x in accept for x in (".fit", ".gpx", ".tcx", ".gz", ".zip")), f"accept={accept!r}")
    expect(field.get_attribute("multiple") is not None, "the file input does not take several files")
    expect(b.find('label[for="import-files"]') is not None, "the file input has no label")
    field.send_keys(files.gpx + "\n" + files.broken)
    shown = wait_done(b, 2, "choosing two files")
    by = {s: (text, href) for s, text, href in shown}
    expect(set(by) == {"created", "failed"}, f"results {shown}: one created and one failed expected")
    created_text, href = by["created"]
    expect("suite-loop.gpx" in created_text and (href or "").startswith("/activities/"),
           f"the created result {created_text!r} does not link to its activity ({href})")
    failed_text, failed_href = by["failed"]
    expect("broken.fit" in failed_text and failed_href is None and len(failed_text.split(":", 1)[-1].strip()) > 5,
           f"the failed result {failed_text!r} gives no reason")
    bar = b.js("const p = document.querySelector('[data-testid=\"import\"] progress'); return p && [p.value, p.max, p.hidden];")
    expect(bar == [100, 100, False], f"the progress bar ends at {bar}, not 100 of 100")
    suite.imported_id = href.rsplit("/", 1)[1]
    b.wait(lambda: any(r.get_attribute("href") or "" for r in b.find_all(f'{b.testid("activity-row")} a[href="{href}"]')), 10,
           "the imported activity in the list below")
    suite.screen("activities-import")

    # The same file dropped on the zone (a DataTransfer with a File, as a drag from the desktop delivers).
    b.js("""const zone = arguments[0], dt = new DataTransfer();
        dt.items.add(new File([arguments[1]], 'suite-loop.gpx', { type: 'application/gpx+xml' }));
        for (const type of ['dragover', 'drop']) zone.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));""",
         zone, files.gpx_text)
    again = wait_done(b, 1, "dropping the same GPX")
    expect(again[0][0] == "duplicate" and again[0][2] == href, f"the same GPX again shows {again}, not a duplicate linking to {href}")

    # A zip: its job's progress is polled to the end; one entry is the loop again, one is new.
    b.find("#import-files").send_keys(files.zip)
    archive = wait_done(b, 2, "choosing a zip")
    statuses = sorted(s for s, _, _ in archive)
    expect(statuses == ["created", "duplicate"] and all(h for _, _, h in archive), f"the zip's results {archive}")
    expect(href in [h for s, _, h in archive if s == "duplicate"], f"the zip's copy of the loop does not link to {href}: {archive}")
    _, _, listed = suite.api("GET", "/v1/activities?limit=100")
    names = [a["name"] for a in listed["activities"]]
    expect(listed["total"] == 3, f"{listed['total']} activities after the imports ({names}): the run and two imports expected")
    return (f"created → {href}; failed: {failed_text.strip()!r}; dropped again → duplicate of the same id; progress 100/100; "
            f"zip → {statuses}")


def imported_detail(suite):
    """The created activity: route SVG (role=img, labelled, a polyline of the track), splits in the athlete's
    units, best efforts, and the GPX download."""
    b = suite.browser
    expect(getattr(suite, "imported_id", None), "no imported activity (the import check failed)")
    path = f"/activities/{suite.imported_id}"
    b.unready()
    b.click(b.find(f'[data-testid="import-results"] a[href="{path}"]') or b.find(f'a[href="{path}"]'))
    b.wait_screen(path)
    svg = b.wait_css(b.testid("activity-route"))
    expect(svg.get_attribute("role") == "img" and "Route" in (svg.get_attribute("aria-label") or ""),
           f"route svg role={svg.get_attribute('role')!r} aria-label={svg.get_attribute('aria-label')!r}")
    points = b.js("const l = arguments[0].querySelector('polyline'); return l ? l.getAttribute('points').trim().split(/\\s+/).length : 0;", svg)
    box = b.js("const r = arguments[0].getBoundingClientRect(); return [r.width, r.height];", svg)
    _, _, a = suite.api("GET", f"/v1/activities/{suite.imported_id}")
    track = len((a.get("track") or {}).get("coordinates") or [])
    # The simplified track of the rectangular loop is its corners: at least 4 points.
    expect(points == track >= 4 and box[0] > 100 and box[1] > 100,
           f"route polyline of {points} points (the API's track: {track}) in a {box} box")
    rows = b.js("""return [...document.querySelectorAll('[data-testid="activity-splits"] tbody tr')].map((r) => r.textContent);""")
    head = b.text(f'{b.testid("activity-splits")} thead') or ""
    expect(len(rows) == len(a["splits"]["km"]) >= 2 and "km" in head, f"splits table rows {rows} (head {head!r}), API km splits {len(a['splits']['km'])}")
    efforts = b.js("""return [...document.querySelectorAll('[data-testid="best-efforts"] tbody th')].map((r) => r.textContent);""")
    expect(len(efforts) == len(a.get("best_efforts") or []) > 0, f"best efforts {efforts} vs the API's {a.get('best_efforts')}")
    suite.screen("activity-imported")
    saved = download(b, lambda: b.click(b.button("Download GPX")), ".gpx")
    with open(saved, "rb") as f:
        body = f.read()
    expect(b"<gpx" in body and b"<trkpt" in body, f"the downloaded {os.path.basename(saved)} is not a GPX track ({body[:80]!r})")
    return (f"route svg: {points} points in {box[0]:.0f}×{box[1]:.0f} px; splits {len(rows)} rows ({rows[0].strip()!r} …); "
            f"best efforts {efforts}; Download GPX saved {os.path.basename(saved)} ({len(body)} bytes)")


def download(b, click, suffix, timeout=15):
    """Clicks, then waits for a finished file ending in `suffix` in a fresh download folder."""
    folder = tempdir("strideiq-download-")
    b.cdp("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": folder})
    click()
    deadline = time.time() + timeout
    while time.time() < deadline:
        done = [f for f in os.listdir(folder) if f.endswith(suffix)]
        if done:
            return os.path.join(folder, done[0])
        time.sleep(0.1)
    expect(False, f"no *{suffix} download within {timeout} s (folder: {os.listdir(folder)})")


def export_all(suite):
    """Settings → Download all my data: a zip."""
    b = suite.browser
    b.nav("/settings")
    button = b.wait_css(b.testid("export-all"))
    saved = download(b, lambda: b.click(button), ".zip", timeout=30)
    with open(saved, "rb") as f:
        magic = f.read(4)
    expect(magic == b"PK\x03\x04", f"{os.path.basename(saved)} starts with {magic!r}, not a zip")
    return f"saved {os.path.basename(saved)} ({os.path.getsize(saved)} bytes, a zip)"
