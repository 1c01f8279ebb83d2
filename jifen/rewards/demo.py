"""Demo rewards: one of each kind seeds 000 and 002 ask for, and a few orders in every state, placed
through the real services (points really spent, stock really held). Idempotent."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from jifen.core.errors import ApplicationError
from jifen.org.models import Person
from jifen.rewards import services
from jifen.rewards.models import LimitPeriod, Redemption, Reward, RewardCategory

REWARDS = [
    ("BOOK-01", "《高效能人士的七个习惯》", RewardCategory.MATERIAL, 60, 20, "经典自我管理读物,纸质版。"),
    ("NOTE-02", "定制笔记本与签字笔套装", RewardCategory.MATERIAL, 30, 50, "公司定制款。"),
    ("CARD-50", "50 元书店礼品卡", RewardCategory.GIFT_CARD, 100, 30, "全国连锁书店通用。"),
    ("SEAT-PM", "PMP 认证培训名额", RewardCategory.COURSE_SEAT, 800, 3, "外部认证课程,公司承担学费。"),
    ("CONF-AI", "行业 AI 大会参会名额", RewardCategory.CONFERENCE, 600, 2, "含差旅,会后需做一次分享。"),
    ("FUND-1K", "1000 元学习基金", RewardCategory.LEARNING_FUND, 500, None, "用于购买课程或书籍,凭票报销。"),
    ("STAR-Q", "季度学习之星称号", RewardCategory.HONOUR, 300, None, "在公司年会上表彰。"),
    ("MENTOR", "与高管一对一辅导一小时", RewardCategory.MENTORING, 400, 5, "由人力资源部安排时间。"),
    ("INTERN", "跨部门轮岗实习机会", RewardCategory.INTERNSHIP, 700, 2, "为期两周,需直属上级同意。"),
    ("LEAVE-1", "带薪学习假一天", RewardCategory.STUDY_LEAVE, 450, None, "每年限兑一次。"),
]

# What each costs the company, in yuan (an honour costs nothing; study leave is a day's pay).
COSTS = {"BOOK-01": Decimal(59), "NOTE-02": Decimal(35), "CARD-50": Decimal(50), "SEAT-PM": Decimal(3800),
         "CONF-AI": Decimal(2600), "FUND-1K": Decimal(1000), "STAR-Q": Decimal(0), "MENTOR": Decimal(600),
         "INTERN": Decimal(0), "LEAVE-1": Decimal(420)}


def build_demo(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    for code, name, category, price, stock, description in REWARDS:
        Reward.objects.get_or_create(code=code, defaults={
            "name": name, "category": category, "price": Decimal(price), "stock": stock,
            "unit_cost": COSTS.get(code),
            "description": description, "limit_per_person": 1 if code == "LEAVE-1" else None,
            "limit_period": LimitPeriod.YEAR})
    if Redemption.objects.exists():
        return Reward.objects.count()
    people = list(Person.objects.filter(employee_no__startswith="JF").order_by("employee_no")[:12])
    admin = Person.objects.filter(employee_no="JF0003").select_related("user").first()
    plan = [("NOTE-02", "fulfil"), ("BOOK-01", "approve"), ("CARD-50", None), ("NOTE-02", "reject"),
            ("BOOK-01", None), ("CARD-50", "fulfil")]
    for index, person in enumerate(people):
        code, action = plan[index % len(plan)]
        try:
            order = services.redeem(reward=Reward.objects.get(code=code), person=person, key=f"demo-{person.pk}",
                                    ordered_by=person.user, now=now - dt.timedelta(days=index))
        except ApplicationError:
            continue  # not enough points yet: nothing ordered
        by = admin.user if admin else None
        if action == "approve":
            services.approve(redemption=order.redemption, by=by)
        elif action == "fulfil":
            services.fulfil(redemption=order.redemption, by=by, note="请到行政前台凭领取码领取")
        elif action == "reject":
            services.reject(redemption=order.redemption, by=by, note="该款式已停产,积分已退回")
    return Reward.objects.count()
