"""The load test's data and its checks, run inside Django (bench_load.py calls these in its own process).

``build`` adds what the load needs on top of whatever the database holds (the demo organisation, or a small
roster of its own): a course with sessions whose check-in is open and everyone enrolled, one session nobody
is enrolled in, three rewards (unlimited, scarce, limited per person), two training admins who import and a
trainer who shows the check-in codes. It answers the fixture the locust users read.

``check`` compares what the clients saw succeed (the outcomes file the locust users write) with what the
database holds: every accepted check-in, order and import row exactly once, and nothing the clients saw
refused.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

from django.contrib.auth.hashers import PBKDF2PasswordHasher

PASSWORD = "jifen-load-test"  # noqa: S105 - a throw-away database's test logins
SESSIONS = 6
REWARD_PEN, REWARD_MUG, REWARD_BOOK = "LOAD-PEN", "LOAD-MUG", "LOAD-BOOK"
ORDER_PREFIX = "load-"
COURSE = "LOAD-101"


class QuickPBKDF2(PBKDF2PasswordHasher):
    """Loading: PBKDF2 at 1,000 rounds, so making hundreds of logins takes seconds. The server checks a
    hash with the rounds written in it, then stores it again at its full rounds (Django's upgrade on
    login): each learner's first sign-in costs what a real one does."""

    iterations = 1000


def quick_passwords():
    from django.test.utils import override_settings

    return override_settings(PASSWORD_HASHERS=["load.scenario.QuickPBKDF2"])


def _small_roster(people: int) -> None:
    """Without the demo: a company, three teams, ``people`` learners (a sixth without points)."""
    from django.utils import timezone

    from jifen.org import services
    from jifen.org.models import OrgUnit, Person
    from jifen.rules.services import EventIn, record_events

    root = OrgUnit.get_first_root_node() or services.unit_create(name="总部", kind=OrgUnit.Kind.COMPANY)
    teams = [services.unit_create(name=f"负载组{t}", parent=root, kind=OrgUnit.Kind.TEAM) for t in range(1, 4)]
    made = []
    for n in range(1, people + 1):
        made.append(services.person_create(employee_no=f"LD{n:04d}", name=f"学员{n}", org_unit=teams[n % 3],
                                           hire_date=dt.date(2020, 1, 1), password=PASSWORD))
    now = timezone.now()
    events = [EventIn(f"load:seed:{p.pk}", "contribution.trainer", p.employee_no, now - dt.timedelta(days=2), None, {})
              for i, p in enumerate(made) if i % 6 != 5]
    for start in range(0, len(events), 500):
        record_events(events=events[start:start + 500], source="load-seed", now=now)
    assert Person.objects.filter(employee_no__startswith="LD").count() == people


def build(*, demo_people: int, people: int) -> dict:
    """Make the data; answer the fixture (JSON-able). ``demo_people`` > 0: the demo organisation first."""
    from django.core.management import call_command
    from django.utils import timezone

    from jifen.api.models import TokenScope
    from jifen.api.tokens import token_create
    from jifen.catalog import services as catalog
    from jifen.org import services as org
    from jifen.org.models import OrgUnit, Person, Role
    from jifen.org.permissions import access_for_user
    from jifen.rewards.models import LimitPeriod, Reward, RewardCategory
    from jifen.rules.rule_services import install_defaults

    install_defaults()  # a database copied from a flushed test database may have lost them
    with quick_passwords():
        if demo_people:
            call_command("demo", people=demo_people, password=PASSWORD, verbosity=0)
        else:
            _small_roster(people)
        root = OrgUnit.get_first_root_node()
        staff = {}
        for no, name, role in [("LOADADM1", "导入员甲", Role.TRAINING_ADMIN), ("LOADADM2", "导入员乙", Role.TRAINING_ADMIN),
                               ("LOADTR1", "讲师丙", Role.TRAINER)]:
            person = org.person_create(employee_no=no, name=name, org_unit=root, password=PASSWORD)
            org.role_grant(user=person.user, role=role, scope=root)
            staff[no] = person
    learners = list(
        Person.objects.filter(status=Person.Status.ACTIVE, user__isnull=False, user__is_active=True)
        .exclude(employee_no__startswith="LOAD").exclude(user__password__startswith="!")  # noqa: S106
        .order_by("employee_no")
    )
    course = catalog.course_create(code=COURSE, title="负载测试：高并发下的学分记账", credits=Decimal(1), hours=Decimal(2))
    now = timezone.now()
    sessions = []
    for n in range(SESSIONS + 1):
        session = catalog.session_create(
            course=course, title=f"负载测试第{n + 1}场", org_unit=root, trainer=staff["LOADTR1"],
            starts_at=now + dt.timedelta(minutes=40 + n), ends_at=now + dt.timedelta(minutes=160 + n),
            place=f"{n + 1}号教室", late_after_minutes=10, checkin_opens_minutes=120)
        if n < SESSIONS:  # the last one: nobody enrolled (a scan there is refused)
            catalog.enrolment_assign(session=session, people=learners, by=staff["LOADADM1"].user, now=now)
        sessions.append(session.pk)
    Reward.objects.create(code=REWARD_PEN, name="负载测试签字笔", category=RewardCategory.MATERIAL, price=Decimal(1),
                          stock=None, description="价格 1 积分,不限量。")
    Reward.objects.create(code=REWARD_MUG, name="负载测试马克杯", category=RewardCategory.MATERIAL, price=Decimal(5),
                          stock=max(10, len(learners) // 8), description="数量有限,兑完即止。")
    Reward.objects.create(code=REWARD_BOOK, name="负载测试手册", category=RewardCategory.MATERIAL, price=Decimal(3),
                          stock=None, limit_per_person=2, limit_period=LimitPeriod.YEAR, description="每人每年 2 本。")
    importer = staff["LOADADM1"].user
    _token, raw = token_create(user=importer, name="load test", scope=TokenScope.WRITE, access=access_for_user(importer))
    return {
        "password": PASSWORD, "learners": [p.employee_no for p in learners], "sessions": sessions[:SESSIONS],
        "closed_session": sessions[SESSIONS], "api_importer": "LOADADM1", "page_importer": "LOADADM2",
        "trainer": "LOADTR1", "token": raw, "rewards": {"pen": REWARD_PEN, "mug": REWARD_MUG, "book": REWARD_BOOK},
        "started_at": now.isoformat(), "time_zone": str(timezone.get_current_timezone()),
    }


def _rules_for(event_type: str) -> int:
    from jifen.rules.services import versions_in_force

    return sum(1 for version in versions_in_force() if version.event_type == event_type and not version.conditions
               and not (version.cap_day or version.cap_week or version.cap_month or version.cap_year))


def check(outcomes: list[dict], fixture: dict) -> dict:
    """Answer {"problems": [...], "counts": {...}}: an empty problems list is a pass."""
    from django.contrib.contenttypes.models import ContentType

    from jifen.imports.kinds.contributions import contribution_key
    from jifen.learning.attendance.models import Attendance, Method
    from jifen.ledger.models import Entry
    from jifen.org.models import Person
    from jifen.rewards.models import Redemption
    from jifen.rules.models import Event

    problems: list[str] = []
    counts: Counter = Counter()
    event_type = ContentType.objects.get_for_model(Event)

    def entries_of(event_ids: list[int]) -> Counter:
        found: Counter = Counter()
        for part in range(0, len(event_ids), 5000):
            found.update(Entry.objects.filter(source_type=event_type, source_id__in=event_ids[part:part + 5000])
                         .values_list("source_id", flat=True))
        return found

    for o in outcomes:
        if o["type"] == "retry":
            counts[f"retried: {o['cause']}"] += o["count"]

    # ---- check-ins: each (session, person) the clients saw checked in, exactly once; nothing else
    people = dict(Person.objects.values_list("employee_no", "pk"))
    seen_in: set[tuple[int, int]] = set()
    for o in outcomes:
        if o["type"] != "checkin":
            continue
        counts[f"check-in {o['result']}" + (f" ({o['code']})" if o.get("code") else "")] += 1
        if o["result"] in ("present", "late"):
            seen_in.add((o["session"], people[o["person"]]))
    sessions = [*fixture["sessions"], fixture["closed_session"]]
    records = list(Attendance.objects.filter(session_id__in=sessions, method=Method.QR)
                   .values_list("session_id", "person_id", "status", "event_key"))
    held = {(s, p) for s, p, _st, _k in records}
    if len(held) != len(records):
        problems.append(f"check-ins: {len(records) - len(held)} people hold two records for one session")
    for pair in sorted(seen_in - held)[:20]:
        problems.append(f"check-in lost: session {pair[0]}, person {pair[1]} saw it accepted; no record")
    for pair in sorted(held - seen_in)[:20]:
        problems.append(f"check-in nobody saw accepted: session {pair[0]}, person {pair[1]}")
    events = dict(Event.objects.filter(key__in=[k for *_x, k in records]).values_list("key", "pk"))
    expected_entries = {"present": _rules_for("attendance.present"), "late": _rules_for("attendance.late")}
    per_event = entries_of(list(events.values()))
    for _s, _p, status, key in records:
        if key not in events:
            problems.append(f"check-in without its event: {key}")
        elif per_event[events[key]] != expected_entries.get(status, 0):
            problems.append(f"check-in {key}: {per_event[events[key]]} ledger entries, "
                            f"{expected_entries.get(status, 0)} expected")
    counts["check-ins in the database"] = len(records)
    counts["check-ins seen accepted"] = len(seen_in)
    counts["check-in ledger entries"] = sum(per_event.values())

    # ---- orders: each key the clients saw placed, exactly once, its points spent once; refused keys absent
    placed: dict[str, int | None] = {}
    refused: set[str] = set()
    for o in outcomes:
        if o["type"] != "order":
            continue
        counts[f"order {o['result']}" + (f" ({o['code']})" if o.get("code") else "")] += 1
        if o["result"] in ("created", "repeat"):
            if o["key"] in placed and o.get("id") and placed[o["key"]] and placed[o["key"]] != o["id"]:
                problems.append(f"order key {o['key']} answered two different orders")
            placed[o["key"]] = placed.get(o["key"]) or o.get("id")
        else:
            refused.add(o["key"])
    orders = list(Redemption.objects.filter(key__startswith=ORDER_PREFIX).values_list("key", "pk", "points"))
    in_db = {key: (pk, points) for key, pk, points in orders}
    for key in sorted(set(placed) - set(in_db))[:20]:
        problems.append(f"order lost: {key} was placed; no order in the database")
    for key in sorted(set(in_db) - set(placed))[:20]:
        problems.append(f"order nobody saw placed: {key}" + (" (its client saw it refused)" if key in refused else ""))
    for key, known_id in placed.items():
        if key in in_db and known_id and known_id != in_db[key][0]:
            problems.append(f"order {key}: the client saw order {known_id}, the database holds {in_db[key][0]}")
    spends = dict(Entry.objects.filter(idempotency_key__in=[f"redeem:{k}" for k in in_db])
                  .values_list("idempotency_key", "amount"))
    for key, (_pk, points) in in_db.items():
        amount = spends.get(f"redeem:{key}")
        if amount is None or amount != -points:
            problems.append(f"order {key}: spend entry {amount}, expected {-points}")
    counts["orders in the database"] = len(in_db)
    counts["orders seen placed"] = len(placed)

    # ---- imports: each committed row exactly once, with its entries; no row the clients did not send
    committed: set[str] = set()
    reported_new = 0
    for o in outcomes:
        if o["type"] != "import":
            continue
        counts[f"import {o['via']} {o['result']}"] += 1
        if o["result"] == "committed":
            reported_new += o.get("new") or 0
            for no, title, day in o["rows"]:
                committed.add(contribution_key(people[no], "trainer", dt.date.fromisoformat(day), title))
    imported = dict(Event.objects.filter(key__startswith="imp:contrib:", recorded_at__gte=dt.datetime.fromisoformat(fixture["started_at"]))
                    .values_list("key", "pk"))
    for key in sorted(committed - set(imported))[:20]:
        problems.append(f"import row lost: {key}")
    for key in sorted(set(imported) - committed)[:20]:
        problems.append(f"import row nobody committed: {key}")
    per_row = entries_of(list(imported.values()))
    wanted = _rules_for("contribution.trainer")
    wrong = [key for key, pk in imported.items() if per_row[pk] != wanted]
    for key in wrong[:20]:
        problems.append(f"import row {key}: {per_row[imported[key]]} ledger entries, {wanted} expected")
    api_rows = sum(len(o["rows"]) for o in outcomes
                   if o["type"] == "import" and o["via"] == "api" and o["result"] == "committed")
    if reported_new != api_rows:
        problems.append(f"imports over the API reported {reported_new} rows added for {api_rows} rows sent")
    counts["import rows committed"] = len(committed)
    counts["import rows in the database"] = len(imported)
    counts["import ledger entries"] = sum(per_row.values())
    return {"problems": problems, "counts": dict(counts)}
