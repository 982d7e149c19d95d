"""The ledger saved again by a real spreadsheet program (LibreOffice Calc, headless): uploading
it changes nothing. A program keeps dates, percentages and numbers its own way; the upload
reads them by their meaning."""

import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from tests.test_ledger_round_trip import Ledger, _export, plan  # noqa: F401 — the fixture

pytestmark = pytest.mark.django_db


def _resave(path: Path, out: Path) -> Path:
    """Open the workbook in LibreOffice and save it as .xlsx again."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but LibreOffice (soffice) is missing")
        pytest.skip("no LibreOffice on this machine")
    profile = out / "profile"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out / "saved"),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return out / "saved" / path.name


def test_a_ledger_saved_again_by_libreoffice_uploads_as_no_change(
    coordinator_client,
    plan,  # noqa: F811
    tmp_path,
):
    exported = tmp_path / "台账.xlsx"
    exported.write_bytes(Ledger(_export(coordinator_client)).bytes())
    saved = _resave(exported, tmp_path)
    ledger = Ledger(openpyxl.load_workbook(saved))
    data = ledger.command(tmp_path, "--dry-run")
    assert (data["changes"], data["errors"], data["ignored"], data["stale"]) == ([], [], [], [])


def test_an_edit_made_in_libreoffice_is_read(coordinator_client, plan, tmp_path):  # noqa: F811
    ledger = Ledger(_export(coordinator_client))
    ledger.cell(plan["plain"], "progress").value = 0.35
    ledger.cell(plan["plain"], "progress").number_format = "0%"
    ledger.cell(plan["lasting"], "due_date").value = "2027年6月底前"
    edited = tmp_path / "台账.xlsx"
    edited.write_bytes(ledger.bytes())
    saved = Ledger(openpyxl.load_workbook(_resave(edited, tmp_path)))
    data = saved.command(tmp_path, "--dry-run")
    assert data["errors"] == [] and data["ignored"] == []
    found = {(c["id"], c["field"]): c["new"] for c in data["changes"]}
    assert found[(plan["plain"].pk, "progress")] == 35
    assert found[(plan["lasting"].pk, "deadline_note")] == "2027年6月底前"
    assert found[(plan["lasting"].pk, "due_date")] == "2027-06-30"
