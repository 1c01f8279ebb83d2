"""Excel downloads never carry a formula someone typed into a name, a note or a measure."""

import datetime as dt
import io
from decimal import Decimal

from openpyxl import load_workbook

from jifen.core.spreadsheets import Book, safe_cell


def test_text_that_starts_like_a_formula_is_kept_as_text():
    for dangerous in ("=1+1", "+86 138", "-2", "@SUM(A1)", "\t=cmd", "\r=cmd"):
        assert safe_cell(dangerous) == "'" + dangerous
    assert safe_cell("普通文字 = 1") == "普通文字 = 1"


def test_numbers_and_dates_stay_numbers_and_dates():
    moment = dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert safe_cell(-3) == -3 and safe_cell(Decimal("-1.5")) == Decimal("-1.5")
    assert safe_cell(moment) == dt.datetime(2026, 11, 24, 9, 30)  # wall time, no zone (Excel has none)
    assert safe_cell(None) is None


def test_a_workbook_written_with_book_holds_no_formula():
    book = Book()
    book.sheet("名单", ["姓名", "备注"], [["=HYPERLINK(\"http://x\")", "@x"], ["郑雨桐", 5]])
    sheet = load_workbook(io.BytesIO(book.bytes()))["名单"]
    assert [c.data_type for c in sheet[2]] == ["s", "s"]
    assert sheet["A2"].value == "'=HYPERLINK(\"http://x\")" and sheet["B3"].value == 5
