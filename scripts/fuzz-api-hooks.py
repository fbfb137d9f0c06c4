"""Schemathesis hooks for scripts/fuzz-api.

Some rules depend on today's date, which a schema cannot state: a check-in is for today or one of the 30
days before (in the athlete's time zone), an activity starts after 1990 and not in the future. Random
dates almost never qualify, so positive test cases would stop at 422 before reaching the handlers' logic.
This moves the dates of *positive* cases (every part valid against the schema) into those windows; negative
cases are left exactly as generated, so negative_data_rejection still sees every violation.
"""

import datetime
import random

import schemathesis
from schemathesis import GenerationMode


def _positive(case) -> bool:
    meta = case.meta
    return (
        meta is not None
        and meta.generation.mode == GenerationMode.POSITIVE
        and all(component.mode == GenerationMode.POSITIVE for component in meta.components.values())
    )


@schemathesis.hook
def map_case(context, case):
    if not _positive(case) or not isinstance(case.body, dict):
        return case
    now = datetime.datetime.now(datetime.timezone.utc)
    label = case.operation.label
    # Three quarters of the time, so out-of-window dates (422) are still exercised.
    if random.random() < 0.75:
        if label == "POST /v1/daily-checkin" and "date" in case.body:
            # 1–29 days back: inside the window whatever time zone the fuzzer gave the athlete.
            day = now.date() - datetime.timedelta(days=random.randint(1, 29))
            case.body["date"] = day.isoformat()
        elif label == "POST /v1/activities" and "start_time" in case.body:
            start = now - datetime.timedelta(seconds=random.randint(60, 5 * 365 * 86400))
            case.body["start_time"] = start.replace(microsecond=0).isoformat()
    return case
