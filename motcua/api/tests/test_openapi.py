"""The committed OpenAPI document (docs/openapi.yaml) must match the code: `make schema` updates it."""

from pathlib import Path

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer
from drf_spectacular.validation import validate_schema

COMMITTED = Path(__file__).resolve().parents[3] / "docs" / "openapi.yaml"


def test_schema_is_valid_and_committed():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    generated = OpenApiYamlRenderer().render(schema, renderer_context={}).decode()
    assert COMMITTED.exists(), "run `make schema` to write docs/openapi.yaml"
    assert COMMITTED.read_text() == generated, "docs/openapi.yaml is stale: run `make schema`"
