"""Activity files made at run time for scripts/bench-import and scripts/fuzz-files, and the HTTP helpers both use.

Nothing here is committed data: GPX, TCX and FIT files are written from a seeded random walk (a run at 2.6–3.6 m/s
with heart rate, cadence and altitude), then zipped or gzipped as the exports of watches and Strava are. The FIT
writer follows the FIT protocol (14-byte header with its CRC, definition and data messages, the file CRC) and
writes `file_id`, `event`, `record`, `lap`, `session` and `activity`; it can also write big-endian definitions,
compressed-timestamp headers and a developer field, so the fuzz starts from files that use those paths.

Python standard library only, so the fuzz runs in CI without a virtualenv.
"""
import gzip, http.client, io, json, math, os, random, re, signal, socket, struct, subprocess, sys, time, urllib.parse, zipfile

FIT_EPOCH = 631065600  # 1989-12-31T00:00:00Z in seconds since 1970

# --- a run ------------------------------------------------------------------------------------------------------

def walk(seed, start, seconds, noisy=False):
    """1 Hz samples of one run: (t, lat, lon, ele, hr, cad, dist_m, speed)."""
    rng = random.Random(seed)
    lat, lon = 52.3 + rng.uniform(-0.3, 0.3), 13.2 + rng.uniform(-0.3, 0.3)
    heading, ele, dist, hr = rng.uniform(0, 2 * math.pi), rng.uniform(20, 300), 0.0, 95.0
    base_speed = rng.uniform(2.6, 3.6)
    out = []
    for i in range(seconds):
        speed = max(0.5, base_speed + rng.gauss(0, 0.25 if noisy else 0.08))
        heading += rng.gauss(0, 0.08)
        dy, dx = speed * math.cos(heading), speed * math.sin(heading)
        lat += dy / 111320.0
        lon += dx / (111320.0 * math.cos(math.radians(lat)))
        ele += rng.gauss(0, 0.6 if noisy else 0.15)
        hr += (150 - hr) * 0.01 + rng.gauss(0, 1.5 if noisy else 0.4)
        dist += speed
        cad = 168 + rng.randint(-6, 6)
        if noisy:  # GPS jitter in the last digits: what keeps deflate from shrinking a real export much
            lat += rng.gauss(0, 2e-6); lon += rng.gauss(0, 2e-6)
        out.append((start + i, lat, lon, ele, int(hr), cad, dist, speed))
    return out

def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))

# --- GPX and TCX ------------------------------------------------------------------------------------------------

GPX_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="StrideIQ fixtures" '
            'xmlns="http://www.topografix.com/GPX/1/1" '
            'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">\n')

def gpx(samples, name="Morning Run", kind="running", doctype=""):
    parts = [GPX_HEAD.replace("<gpx", doctype + "<gpx", 1) if doctype else GPX_HEAD,
             f" <metadata><name>{name}</name><time>{iso(samples[0][0])}</time></metadata>\n",
             f" <trk><name>{name}</name><type>{kind}</type><trkseg>\n"]
    for t, lat, lon, ele, hr, cad, _, _ in samples:
        parts.append(f'  <trkpt lat="{lat:.7f}" lon="{lon:.7f}"><ele>{ele:.1f}</ele><time>{iso(t)}</time>'
                     f'<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>{hr}</gpxtpx:hr><gpxtpx:cad>{cad // 2}</gpxtpx:cad>'
                     f'</gpxtpx:TrackPointExtension></extensions></trkpt>\n')
    parts.append(" </trkseg></trk>\n</gpx>\n")
    return "".join(parts).encode()

def gpx10(samples, name="Evening Run"):
    parts = ['<?xml version="1.0"?>\n<gpx version="1.0" creator="StrideIQ fixtures" xmlns="http://www.topografix.com/GPX/1/0">\n',
             f"<trk><name>{name}</name><trkseg>\n"]
    for t, lat, lon, ele, *_ in samples:
        parts.append(f'<trkpt lat="{lat:.6f}" lon="{lon:.6f}"><ele>{ele:.1f}</ele><time>{iso(t)}</time></trkpt>\n')
    parts.append("</trkseg></trk></gpx>\n")
    return "".join(parts).encode()

def tcx(samples, sport="Running"):
    first, last = samples[0], samples[-1]
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<TrainingCenterDatabase '
             'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" '
             'xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2">\n',
             f'<Activities><Activity Sport="{sport}"><Id>{iso(first[0])}</Id>\n',
             f'<Lap StartTime="{iso(first[0])}"><TotalTimeSeconds>{last[0] - first[0]}</TotalTimeSeconds>'
             f'<DistanceMeters>{last[6]:.1f}</DistanceMeters><Calories>0</Calories><Intensity>Active</Intensity>'
             f'<TriggerMethod>Manual</TriggerMethod><Track>\n']
    for t, lat, lon, ele, hr, cad, dist, speed in samples:
        parts.append(f'<Trackpoint><Time>{iso(t)}</Time><Position><LatitudeDegrees>{lat:.7f}</LatitudeDegrees>'
                     f'<LongitudeDegrees>{lon:.7f}</LongitudeDegrees></Position><AltitudeMeters>{ele:.1f}</AltitudeMeters>'
                     f'<DistanceMeters>{dist:.1f}</DistanceMeters><HeartRateBpm><Value>{hr}</Value></HeartRateBpm>'
                     f'<Extensions><ns3:TPX><ns3:Speed>{speed:.3f}</ns3:Speed><ns3:RunCadence>{cad // 2}</ns3:RunCadence>'
                     f'</ns3:TPX></Extensions></Trackpoint>\n')
    parts.append("</Track></Lap>\n<Creator><Name>StrideIQ fixtures</Name></Creator></Activity></Activities>\n</TrainingCenterDatabase>\n")
    return "".join(parts).encode()

# --- FIT --------------------------------------------------------------------------------------------------------

_CRC_TABLE = (0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
              0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400)

def fit_crc(data, crc=0):
    for b in data:
        tmp = _CRC_TABLE[crc & 0xF]; crc = (crc >> 4) & 0x0FFF; crc ^= tmp ^ _CRC_TABLE[b & 0xF]
        tmp = _CRC_TABLE[crc & 0xF]; crc = (crc >> 4) & 0x0FFF; crc ^= tmp ^ _CRC_TABLE[(b >> 4) & 0xF]
    return crc

# base type id → struct code
_BASE = {0x00: "B", 0x01: "b", 0x02: "B", 0x83: "h", 0x84: "H", 0x85: "i", 0x86: "I", 0x8C: "I", 0x07: "s"}

class FitWriter:
    def __init__(self, big_endian=False):
        self.out, self.defs, self.big = bytearray(), {}, big_endian

    def define(self, local, global_num, fields, dev_fields=()):
        """fields: [(field_num, base_type)] (strings as (num, 0x07, size)); dev_fields: [(num, size, dev_index)]."""
        order = ">" if self.big else "<"
        header = 0x40 | local | (0x20 if dev_fields else 0)
        self.out += bytes([header, 0, 1 if self.big else 0]) + struct.pack(order + "H", global_num) + bytes([len(fields)])
        codes = []
        for f in fields:
            num, base = f[0], f[1]
            size = f[2] if base == 0x07 else struct.calcsize(_BASE[base])
            self.out += bytes([num, size, base])
            codes.append(f"{size}s" if base == 0x07 else _BASE[base])
        if dev_fields:
            self.out += bytes([len(dev_fields)])
            for num, size, idx in dev_fields:
                self.out += bytes([num, size, idx])
        self.defs[local] = (order + "".join(codes), sum(d[1] for d in dev_fields))

    def data(self, local, *values, dev=b"", compressed_offset=None):
        fmt, dev_size = self.defs[local]
        header = (0x80 | (local << 5) | (compressed_offset & 0x1F)) if compressed_offset is not None else local
        self.out += bytes([header]) + struct.pack(fmt, *values) + dev.ljust(dev_size, b"\0")[:dev_size]

    def file(self, protocol=0x20, profile=2132):
        body = bytes(self.out)
        head = struct.pack("<BBHI4s", 14, protocol, profile, len(body), b".FIT")
        head += struct.pack("<H", fit_crc(head))
        whole = head + body
        return whole + struct.pack("<H", fit_crc(whole))

def semicircles(deg):
    return int(round(deg * (2 ** 31) / 180.0))

def fit(samples, big_endian=False, compressed_timestamps=False, developer_field=False, sport=1):
    """An activity FIT file: file_id, start event, 1 Hz records, stop event, one lap, one session, activity."""
    w = FitWriter(big_endian)
    t0, t1 = samples[0][0] - FIT_EPOCH, samples[-1][0] - FIT_EPOCH
    w.define(0, 0, [(0, 0x00), (1, 0x84), (2, 0x84), (3, 0x8C), (4, 0x86)])  # file_id
    w.data(0, 4, 1, 3415, 3_900_000_000 + samples[0][0] % 1000, t0)
    w.define(1, 21, [(253, 0x86), (0, 0x00), (1, 0x00)])  # event
    w.data(1, t0, 0, 0)
    dev = ()
    if developer_field:
        w.define(5, 207, [(3, 0x02), (4, 0x86)])  # developer_data_id: developer_data_index, application_version
        w.data(5, 0, 1)
        w.define(6, 206, [(0, 0x02), (1, 0x02), (2, 0x02), (3, 0x07, 8)])  # field_description
        w.data(6, 0, 0, 0x84, b"power\0\0\0")
        dev = ((0, 2, 0),)
    record = [(0, 0x85), (1, 0x85), (2, 0x84), (3, 0x02), (4, 0x02), (5, 0x86), (6, 0x84)]
    w.define(2, 20, [(253, 0x86)] + record, dev)
    if compressed_timestamps:
        w.define(3, 20, record, dev)
    for i, (t, lat, lon, ele, hr, cad, dist, speed) in enumerate(samples):
        vals = (semicircles(lat), semicircles(lon), int((ele + 500) * 5), hr, cad // 2, int(dist * 100), int(speed * 1000))
        extra = struct.pack("<H", 250 + i % 50) if dev else b""
        if compressed_timestamps and i % 30:
            w.data(3, *vals, dev=extra, compressed_offset=(t - FIT_EPOCH) & 0x1F)
        else:
            w.data(2, t - FIT_EPOCH, *vals, dev=extra)
    w.data(1, t1, 0, 4)
    elapsed, dist = (t1 - t0) * 1000, int(samples[-1][6] * 100)
    avg_hr = sum(s[4] for s in samples) // len(samples)
    max_hr = max(s[4] for s in samples)
    ascent = int(sum(max(0.0, b[3] - a[3]) for a, b in zip(samples, samples[1:])))
    lat0, lon0 = semicircles(samples[0][1]), semicircles(samples[0][2])
    w.define(4, 19, [(253, 0x86), (0, 0x00), (1, 0x00), (2, 0x86), (3, 0x85), (4, 0x85), (7, 0x86), (8, 0x86), (9, 0x86),
                     (15, 0x02), (16, 0x02), (25, 0x00)])  # lap
    w.data(4, t1, 9, 1, t0, lat0, lon0, elapsed, elapsed, dist, avg_hr, max_hr, sport)
    w.define(7, 18, [(253, 0x86), (0, 0x00), (1, 0x00), (2, 0x86), (3, 0x85), (4, 0x85), (5, 0x00), (6, 0x00), (7, 0x86),
                     (8, 0x86), (9, 0x86), (16, 0x02), (17, 0x02), (18, 0x02), (22, 0x84), (23, 0x84), (25, 0x84), (26, 0x84)])
    w.data(7, t1, 8, 1, t0, lat0, lon0, sport, 0, elapsed, elapsed, dist, avg_hr, max_hr, 84, ascent, ascent, 0, 1)
    w.define(8, 34, [(253, 0x86), (0, 0x86), (1, 0x84), (2, 0x00), (3, 0x00), (4, 0x00), (5, 0x86)])  # activity
    w.data(8, t1, elapsed, 1, 0, 26, 1, t1)
    return w.file()

# --- archives ---------------------------------------------------------------------------------------------------

def gz(data):
    return gzip.compress(data, compresslevel=6, mtime=0)

def zip_bytes(entries, method=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in entries:
            z.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data, compress_type=method)
    return buf.getvalue()

STRAVA_HEADER = ("Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Elapsed Time,Distance,"
                 "Max Heart Rate,Relative Effort,Commute,Activity Private Note,Activity Gear,Filename,Athlete Weight,"
                 "Bike Weight,Elapsed Time,Moving Time,Distance,Max Speed,Average Speed,Elevation Gain\n")

def strava_row(activity_id, start, name, kind, elapsed, dist, filename):
    date = time.strftime("%b %d, %Y, %I:%M:%S %p", time.gmtime(start)).replace(" 0", " ")
    return (f'{activity_id},"{date}",{name},{kind},,{elapsed},{dist / 1000:.2f},,,false,,,{filename},,,'
            f'{elapsed:.1f},{elapsed:.1f},{dist:.1f},,,\n')

# --- HTTP -------------------------------------------------------------------------------------------------------

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port

def request(port, method, path, body=None, headers=None, token=None, timeout=600, length=None):
    """(status, headers, parsed JSON or raw bytes). `body` may be bytes or a file object (sent in 1 MiB blocks)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, blocksize=1 << 20)
    h = dict(headers or {})
    if token: h["Authorization"] = "Bearer " + token
    if body is not None and length is not None: h["Content-Length"] = str(length)
    try:
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        raw = r.read()
        try: parsed = json.loads(raw) if raw else None
        except ValueError: parsed = raw
        return r.status, dict(r.getheaders()), parsed
    finally:
        conn.close()

def multipart(files, boundary=None):
    """files: [(filename, content_type, bytes)] → (content type, body)."""
    boundary = boundary or "strideiq" + os.urandom(12).hex()
    out = bytearray()
    for name, ctype, data in files:
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                f"Content-Type: {ctype}\r\n\r\n").encode() + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", bytes(out)

def register(port, label):
    email = f"{label}-{os.getpid()}-{time.time_ns()}@example.com"
    status, _, body = request(port, "POST", "/v1/auth/register", json.dumps({"email": email, "password": "import-bench-pass-42"}).encode(),
                              {"Content-Type": "application/json"})
    if status != 201: sys.exit(f"register answered {status}: {body}")
    return body["access_token"]

def wait_ping(port, proc, log, timeout=120):
    end = time.time() + timeout
    while time.time() < end:
        if proc is not None and proc.poll() is not None: sys.exit(f"the server exited with {proc.returncode}; see {log}")
        try:
            if request(port, "GET", "/ping", timeout=2)[0] == 200: return
        except OSError: pass
        time.sleep(0.2)
    sys.exit(f"the server did not answer /ping; see {log}")

def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"): return int(line.split()[1])
    except OSError: return None
    return None

class Procs:
    """Processes started here, each in its own session, stopped by their own PID on exit."""
    def __init__(self): self.procs = []
    def start(self, args, env, log, cwd=None):
        p = subprocess.Popen(args, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT, cwd=cwd, start_new_session=True)
        self.procs.append(p); return p
    def stop(self, p):
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
            try: p.wait(30)
            except subprocess.TimeoutExpired: os.killpg(p.pid, signal.SIGKILL); p.wait()
    def stop_all(self):
        for p in reversed(self.procs): self.stop(p)
