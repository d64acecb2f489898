"""bench/generate_catalog.py: deterministic, varied, valid catalogs in the import format."""

import json

from bench.generate_catalog import generate, main
from motcua.catalog.importing import read_catalog, validate_catalog


def test_same_seed_same_catalog_other_seed_other_catalog():
    assert generate(50, seed=1) == generate(50, seed=1)
    assert generate(50, seed=1) != generate(50, seed=2)


def test_generated_catalog_is_valid_varied_and_has_unique_codes():
    procedures = generate(800, seed=5)["procedures"]
    codes = [p["code"] for p in procedures]
    assert len(set(codes)) == 800
    result = validate_catalog(read_catalog(json.dumps({"procedures": procedures}).encode()))
    assert result.errors == []
    assert len(result.procedures) == 800
    assert len({p["name"] for p in procedures}) > 400
    assert len({p["field"] for p in procedures}) >= 20
    assert {p["online"] for p in procedures} == {"full", "partial", "none"}
    assert {p["status"] for p in procedures} == {"active", "suspended", "abolished"}
    assert any("working_hours" in p["processing_time"] for p in procedures)
    # Mostly consistent internal processes, a few that don't add up (warnings to show).
    assert 0 < len(result.warnings) < 80


def test_cli_writes_json_and_excel(tmp_path, capsys):
    assert main(["30", str(tmp_path / "c.json"), "--seed", "4"]) == 0
    data = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert data == generate(30, seed=4)
    assert main(["30", str(tmp_path / "c.xlsx"), "--seed", "4", "--xlsx"]) == 0
    from_xlsx = validate_catalog(read_catalog((tmp_path / "c.xlsx").read_bytes()))
    assert from_xlsx.errors == [] and len(from_xlsx.procedures) == 30
    assert "30 procedures" in capsys.readouterr().out
