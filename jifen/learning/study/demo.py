"""Demo lessons of the online information security course.

No video is made or downloaded (the demo must work offline and ship nothing binary): the lessons are
document lessons whose reading is on the page; the last one asks for the demo quiz to be passed.
Idempotent: lessons are found by course and title."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from jifen.learning.exams.demo import build_demo as build_exams_demo
from jifen.learning.exams.demo import demo_course
from jifen.learning.study import services
from jifen.learning.study.models import Lesson

LESSONS = [
    ("第 1 讲 密码与账号安全",
     "一、密码至少 10 位，包含大小写字母、数字和符号，不同系统使用不同密码。\n\n"
     "二、开启多因素认证（MFA）：即使密码泄露，他人也无法登录。\n\n"
     "三、不要把密码写在便签、贴在显示器上，也不要通过聊天工具发送。\n\n"
     "四、离开工位时按 Win+L 锁屏。"),
    ("第 2 讲 识别钓鱼邮件",
     "钓鱼邮件常见特征：发件人地址与显示名称不符；催促你立即点击链接或打开附件；要求输入账号密码；"
     "冒充领导或财务要求紧急转账。\n\n"
     "遇到可疑邮件：不点击、不回复，通过电话或当面核实，并转发至信息安全部邮箱。"),
    ("第 3 讲 数据保护与事件报告",
     "客户资料按“秘密”级管理。禁止使用个人网盘、个人邮箱存储或传送公司资料；对外发送合同使用公司加密邮件。\n\n"
     "发现信息安全事件（中毒、勒索、数据泄露、设备丢失）应立即断网，并在 2 小时内报告信息安全部。\n\n"
     "学完本讲后，请完成“信息安全随堂测验”，通过后本讲完成。"),
]


@transaction.atomic
def build_demo(now: dt.datetime | None = None) -> list[Lesson]:
    quizzes = build_exams_demo(now=now)
    course = demo_course()
    lessons = []
    for position, (title, body) in enumerate(LESSONS, start=1):
        lesson = Lesson.objects.filter(course=course, title=title).first()
        if lesson is None:
            lesson = services.lesson_save(
                course=course, title=title, kind=Lesson.Kind.DOCUMENT, position=position, body=body,
                min_seconds=60, quiz=quizzes["quiz"] if position == len(LESSONS) else None,
            )
        lessons.append(lesson)
    return lessons
