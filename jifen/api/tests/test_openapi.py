"""The OpenAPI document: one meaning per schema name, problem answers documented, served to signed-in users."""

import glob
import importlib
import inspect
import json
from collections import defaultdict
from pathlib import Path

from ninja import Schema

import jifen
from jifen.api.api import api


def test_no_two_api_schemas_share_a_name_with_different_shapes():
    """The document keeps one schema per name: a second one of another shape would describe the wrong body."""
    root = Path(jifen.__file__).parent.parent
    shapes = defaultdict(dict)
    for path in sorted(glob.glob(str(root / "jifen/**/api*.py"), recursive=True)):
        if "/tests/" in path:
            continue
        module_name = str(Path(path).relative_to(root))[:-3].replace("/", ".")
        module = importlib.import_module(module_name)
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, Schema) and obj.__module__ == module_name:
                shapes[name][module_name] = json.dumps(obj.model_json_schema(), sort_keys=True)
    clashes = {name: sorted(by_module) for name, by_module in shapes.items() if len(set(by_module.values())) > 1}
    assert not clashes


def test_every_operation_documents_its_problem_answers():
    schema = api.get_openapi_schema()
    assert schema["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status", "detail"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            declared = [str(status) for status in operation["responses"]]
            for status in ("400", "401", "403", "404", "422", "429"):
                assert status in declared, (method, path, status)
            # one answer per status: an int key and its string beside it would be the same key twice in
            # the JSON document, which Swagger refuses to read ("duplicated mapping key")
            assert len(declared) == len(set(declared)), (method, path, declared)


def test_the_document_and_its_docs_page_are_for_signed_in_users(client, org):
    assert client.get("/api/v1/openapi.json").status_code == 302
    client.force_login(org.system_admin())
    document = client.get("/api/v1/openapi.json")
    assert document.status_code == 200 and "/api/v1/tokens" in document.json()["paths"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content
    assert b"cdn." not in docs.content  # intranets: the page's scripts are served by the app itself
