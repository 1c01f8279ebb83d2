"""Demo question bank, quiz, pre-test and exam for the online information security course.

Idempotent: questions are found by their text, quizzes by their title, before anything is made."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from jifen.catalog.models import Course, CourseKind, Delivery
from jifen.learning.exams import services
from jifen.learning.exams.models import Question, QuestionKind, Quiz, QuizKind

COURSE_CODE = "ONLINE-SEC"

QUESTIONS = [
    (QuestionKind.SINGLE, "公司规定的登录密码最少应包含几个字符？", ["6 个", "8 个", "10 个", "12 个"], [2],
     "《信息安全管理制度》要求密码不少于 10 位，并包含大小写字母、数字和符号。"),
    (QuestionKind.SINGLE, "收到“财务部”要求紧急转账的邮件，正确的做法是？",
     ["立即转账，以免耽误业务", "回复邮件确认", "通过电话或当面向财务部核实", "转发给同事看看"], [2],
     "冒充领导或财务的钓鱼邮件很常见，应通过独立渠道核实。"),
    (QuestionKind.MULTIPLE, "以下哪些是钓鱼邮件的常见特征？",
     ["发件人地址与显示名称不符", "催促你立即点击链接或打开附件", "使用公司统一的邮件签名", "要求输入账号密码"],
     [0, 1, 3], ""),
    (QuestionKind.MULTIPLE, "离开工位时，应当做到哪些？",
     ["锁定电脑屏幕（Win+L）", "收好纸质机密文件", "把 U 盘留在电脑上方便回来使用", "不在便签上写密码"],
     [0, 1, 3], "“清桌清屏”是基本要求。"),
    (QuestionKind.TRUE_FALSE, "为了方便记忆，可以在多个系统中使用同一个密码。", [], [False],
     "一个系统泄露会连累所有系统。"),
    (QuestionKind.TRUE_FALSE, "在公共场所使用公司电脑时，应连接公司 VPN 后再访问内网系统。", [], [True], ""),
    (QuestionKind.TRUE_FALSE, "捡到的来历不明的 U 盘，可以插到办公电脑上查看失主信息。", [], [False],
     "来历不明的 U 盘可能携带恶意程序，应交给信息安全部。"),
    (QuestionKind.FILL, "发现信息安全事件后，应在多少小时内向信息安全部报告？（填数字）", [], ["2", "两"],
     "《信息安全事件管理办法》规定 2 小时内报告。"),
    (QuestionKind.FILL, "除密码外再验证一次身份（如手机验证码）的登录方式，英文缩写是什么？", [], ["MFA", "2FA"],
     "多因素认证（MFA）。"),
    (QuestionKind.SINGLE, "客户资料属于哪一级信息？", ["公开", "内部", "秘密", "绝密"], [2],
     "客户资料按“秘密”级管理，只能在授权范围内使用。"),
    (QuestionKind.MULTIPLE, "下列哪些做法符合数据保护要求？",
     ["用个人网盘备份客户名单", "通过公司加密邮件发送合同", "打印的机密文件用碎纸机销毁", "离职前导出全部项目资料"],
     [1, 2], ""),
    (QuestionKind.SINGLE, "电脑出现勒索软件提示时，首先应该？",
     ["按提示支付赎金", "立即拔掉网线并报告信息安全部", "重启电脑试试", "继续工作"], [1], ""),
]


def demo_course() -> Course:
    course, _created = Course.objects.get_or_create(code=COURSE_CODE, defaults={
        "title": "信息安全意识（在线课程）", "kind": CourseKind.REQUIRED, "delivery": Delivery.ONLINE,
        "credits": Decimal(2), "hours": Decimal("1.5"),
        "description": "全员必修的在线课程：密码安全、钓鱼邮件识别、数据保护与事件报告。",
    })
    return course


@transaction.atomic
def build_demo(now: dt.datetime | None = None) -> dict[str, Quiz]:
    course = demo_course()
    bank = []
    for kind, text, options, answer, explanation in QUESTIONS:
        question = Question.objects.filter(course=course, text=text).first()
        bank.append(question or services.question_create(course=course, kind=kind, text=text, options=options,
                                                         answer=answer, explanation=explanation))
    quizzes = {}
    specs = [
        ("quiz", "信息安全随堂测验", QuizKind.QUIZ,
         {"selection": "fixed", "questions": bank[:5], "max_attempts": 3, "pass_mark": 60, "show_answers": True}),
        ("pretest", "信息安全课前测", QuizKind.PRETEST,
         {"selection": "random", "random_count": 8, "max_attempts": 1, "pass_mark": 60, "show_answers": False,
          "time_limit_minutes": 15}),
        ("exam", "信息安全结业考试", QuizKind.EXAM,
         {"selection": "random", "random_count": 10, "max_attempts": 2, "pass_mark": 60, "show_answers": True,
          "time_limit_minutes": 20}),
    ]
    for key, title, kind, options in specs:
        quiz = Quiz.objects.filter(course=course, title=title).first()
        quizzes[key] = quiz or services.quiz_save(course=course, title=title, kind=kind, **options)
    return quizzes
