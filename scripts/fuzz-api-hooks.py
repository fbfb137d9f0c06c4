"""Schemathesis hooks for scripts/fuzz-api.

The coach's stream (`POST /v1/coach/chat/stream`, `text/event-stream`) is documented the OpenAPI 3.1 way: its
`schema` is the body as a whole, a string, and the schema of one event is the media type's `x-itemSchema` (what
OpenAPI 3.2 calls `itemSchema`). Schemathesis reads the `schema` of a 3.1 event stream as the schema of one
event, so `before_load_schema` puts `x-itemSchema` there: every event of every stream is then checked, and
its `data` against the event's JSON schema (`contentMediaType` + `contentSchema`).

Some rules cannot be stated in a schema: a check-in is for today or one of the 30 days before (in the
athlete's time zone), an activity starts after 1990 and not in the future, a time zone must be one the
server's database knows. Random values almost never qualify, so positive test cases would stop at 422
before reaching the handlers' logic. This moves those values of *positive* cases (every part valid against
the schema) into what the server accepts, three times in four; negative cases are left exactly as
generated, so negative_data_rejection still sees every violation.

A JSON body with a key given twice reads differently to different parsers (the first or the last value wins),
and a NUL cannot be stored in PostgreSQL text. One JSON-object body in four is therefore sent as raw text with a
key given twice, one copy carrying a NUL (`duplicate_key_variant`); such a request is marked with the
`X-Fuzz-Variant` header, and the `smuggled_body_refused` check requires a 4xx for it, never a 2xx or a 5xx.
"""

import ast
import datetime
import json
import random
import threading

import schemathesis
from schemathesis import GenerationMode

# CPython 3.11 (gh-106905): `ast.parse` in two threads at once can fail with "SystemError: AST constructor
# recursion depth mismatch". Hypothesis parses lambda sources to describe strategies, and the runs use two
# workers (threads), so an operation's tests now and then errored inside Schemathesis. One parse at a time.
_ast_parse = ast.parse
_ast_lock = threading.Lock()


def _serialized_parse(*args, **kwargs):
    with _ast_lock:
        return _ast_parse(*args, **kwargs)


ast.parse = _serialized_parse

TIME_ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Pacific/Kiritimati", "Pacific/Pago_Pago"]


def _positive(case) -> bool:
    meta = case.meta
    return (
        meta is not None
        and meta.generation.mode == GenerationMode.POSITIVE
        and all(component.mode == GenerationMode.POSITIVE for component in meta.components.values())
    )


@schemathesis.hook
def before_load_schema(context, raw_schema):
    for item in raw_schema.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for response in operation.get("responses", {}).values():
                media = response.get("content", {}).get("text/event-stream")
                if media is not None and "x-itemSchema" in media:
                    media["schema"] = media.pop("x-itemSchema")


@schemathesis.hook
def map_case(context, case):
    if not _positive(case) or not isinstance(case.body, dict):
        return case
    now = datetime.datetime.now(datetime.timezone.utc)
    label = case.operation.label
    # Seeded by the case itself, so a run with --seed stays reproducible.
    rng = random.Random(repr(case.body))
    # Three quarters of the time, so out-of-window values (422) are still exercised.
    if rng.random() < 0.75:
        if "timezone" in case.body and label in ("POST /v1/auth/register", "PATCH /v1/athlete", "POST /v1/activities"):
            case.body["timezone"] = rng.choice(TIME_ZONES)
        if label == "POST /v1/daily-checkin" and "date" in case.body:
            # 1–29 days back: inside the window whatever time zone the fuzzer gave the athlete.
            day = now.date() - datetime.timedelta(days=rng.randint(1, 29))
            case.body["date"] = day.isoformat()
        elif label == "POST /v1/activities" and "start_time" in case.body:
            start = now - datetime.timedelta(seconds=rng.randint(60, 5 * 365 * 86400))
            case.body["start_time"] = start.replace(microsecond=0).isoformat()
    return case


VARIANT_HEADER = "X-Fuzz-Variant"


def duplicate_key_variant(body: dict, rng: random.Random) -> tuple[bytes, str]:
    """`body` as JSON text with one key given twice, a NUL hidden in one of the two copies."""
    if not body:
        return b'{"x":"\\u0000","x":1}', "x"
    key = rng.choice(sorted(body))
    nul = json.dumps(f"x{chr(0)}")
    whole = json.dumps(body)
    if rng.random() < 0.5:
        # The NUL first, the generated value last (the parse that keeps the last value sees a clean one).
        text = "{" + json.dumps(key) + ":" + nul + "," + whole[1:]
    else:
        text = whole[:-1] + "," + json.dumps(key) + ":" + nul + "}"
    return text.encode(), key


@schemathesis.hook("map_case")
def map_case_duplicate_keys(context, case):
    if not isinstance(case.body, dict) or case.media_type not in (None, "application/json"):
        return case
    rng = random.Random("duplicate:" + repr(case.body))
    if rng.random() < 0.25:
        # The marker is a constant: a generated key can hold characters no header value may carry.
        case.body, _ = duplicate_key_variant(case.body, rng)
        case.headers = {**(case.headers or {}), VARIANT_HEADER: "duplicate-key"}
    return case


@schemathesis.check
def smuggled_body_refused(ctx, response, case):
    """A body with a key given twice (one copy carrying a NUL) is refused with a 4xx: never stored, never a 5xx."""
    marker = (case.headers or {}).get(VARIANT_HEADER)
    if marker is None:
        return None
    if not 400 <= response.status_code < 500:
        body = case.body.decode(errors="replace") if isinstance(case.body, bytes) else repr(case.body)
        raise AssertionError(f"{marker}: expected a 4xx for a body with a repeated key, got {response.status_code}: {body[:200]}")
    return None
