import csv
import io

from openpyxl import Workbook

from jifen.imports.kinds import KINDS, Context
from jifen.org.permissions import access_for_user


def xlsx(header, *rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(header, *rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def ctx_of(person_or_user, **extra) -> Context:
    user = getattr(person_or_user, "user", person_or_user)
    return Context(user=user, access=access_for_user(user), **extra)


def check(kind: str, data: bytes, who, name: str = "file.xlsx"):
    found = KINDS[kind]
    return found.check(found.read(data, name), ctx_of(who))


def commit(kind: str, data: bytes, who, name: str = "file.xlsx"):
    found = KINDS[kind]
    return found.commit(found.read(data, name), ctx_of(who))
