"""The course category tree, and rules that name a category matching every course below it."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jifen.catalog import services
from jifen.catalog.models import Category
from jifen.catalog.tests.factories import course
from jifen.core.errors import ApplicationError
from jifen.rules.evaluation import Facts, conditions_match
from jifen.rules.models import RuleVersion

pytestmark = pytest.mark.django_db


def test_a_category_knows_its_whole_lineage():
    safety = services.category_ensure(path="通用能力/安全")
    assert safety.lineage == ["通用能力", "安全"]
    assert safety.parent.name_path == "通用能力"


def test_renaming_a_category_renames_everything_under_it():
    top = services.category_ensure(path="通用能力")
    services.category_ensure(path="通用能力/安全/消防")
    services.category_update(category=top, name="通用素质", parent=None)
    assert set(Category.objects.values_list("name_path", flat=True)) == {"通用素质", "通用素质/安全", "通用素质/安全/消防"}


def test_a_category_cannot_move_under_itself():
    top = services.category_ensure(path="通用能力")
    below = services.category_ensure(path="通用能力/安全")
    with pytest.raises(ApplicationError):
        services.category_update(category=top, name="通用能力", parent=below)


def test_a_category_with_courses_cannot_be_deleted():
    top = services.category_ensure(path="专业技能")
    course(category=top)
    with pytest.raises(ApplicationError):
        services.category_delete(category=top)


def _facts(course_obj):
    return Facts(key="k", type="course.completed", person_id=1, unit_path="总部", position_code="",
                 course=course_obj, occurred_at=timezone.now(), data={})


@pytest.mark.parametrize(("wanted", "matches"), [
    (["通用能力"], True), (["安全"], True), (["通用能力/安全"], True), (["专业技能"], False),
])
def test_a_rule_for_a_category_covers_its_subcategories(wanted, matches):
    fire = course(category=services.category_ensure(path="通用能力/安全"))
    version = RuleVersion(conditions={"course_categories": wanted})
    assert conditions_match(version, _facts(fire)) is matches


def test_a_rule_for_a_category_does_not_match_a_course_without_one():
    version = RuleVersion(conditions={"course_categories": ["通用能力"]})
    assert conditions_match(version, _facts(course())) is False


def test_course_materials_accept_documents_and_refuse_other_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    c = course()
    material = services.material_add(course=c, title="讲义", file=SimpleUploadedFile("讲义.pdf", b"%PDF-1.4"))
    assert material.file.name.endswith(".pdf")
    with pytest.raises(ValidationError):
        services.material_add(course=c, title="脚本", file=SimpleUploadedFile("run.exe", b"MZ"))
    with pytest.raises(ValidationError):
        services.material_add(course=c, title="空", file=SimpleUploadedFile("empty.pdf", b""))


def _docx() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "data"), [
    ("讲义.pdf", b"<html><script>alert(1)</script></html>"),  # a page renamed to .pdf
    ("图.png", b"GIF89a fake"),
    ("课件.pptx", _docx()),  # a Word file is not slides
    ("说明.txt", b"<script>document.location='//evil'</script>"),
    ("笔记.md", b"\xff\xfe\x00\xd8bad"),
    ("视频.mp4", b"MZ\x90\x00 not a video"),
])
def test_a_material_that_is_not_what_its_name_says_is_refused(settings, tmp_path, name, data):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ValidationError) as refused:
        services.material_add(course=course(), title="伪装", file=SimpleUploadedFile(name, data))
    assert [error.code for error in refused.value.error_dict["file"]] == ["file_content"]


@pytest.mark.parametrize(("name", "data"), [
    ("讲义.docx", _docx()),
    ("说明.txt", "安全生产操作规程，第一章。".encode() * 700),  # over 8 KB: a character is cut where we stop reading
    ("说明.md", "# 标题\n正文".encode("gb18030")),
    ("视频.mp4", b"\x00\x00\x00\x18ftypmp42rest"),
])
def test_real_documents_of_each_kind_are_accepted(settings, tmp_path, name, data):
    settings.MEDIA_ROOT = tmp_path
    assert services.material_add(course=course(), title="资料", file=SimpleUploadedFile(name, data)).pk


def test_assignments_name_exactly_one_target(org):
    with pytest.raises(ApplicationError):
        services.assignment_create(course=course(), due_on=dt.date(2026, 12, 31))
    with pytest.raises(ApplicationError):
        services.assignment_create(course=course(), due_on=dt.date(2026, 12, 31), org_unit=org.rnd,
                                   position=org.engineer)
