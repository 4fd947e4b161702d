"""Make tests/corpus/files/libreoffice.xlsx: a workbook written by openpyxl, then opened and saved
by LibreOffice Calc, which stores the file its own way (its styles, shared strings, cached formula
results it calculated itself). The saved file is committed; this script records how it was made.

Run from the tests directory, with LibreOffice installed (Debian: libreoffice-calc-nogui)::

    cd tests && python -m corpus.make_libreoffice
"""

from __future__ import annotations

import random
import shutil
import subprocess
import tempfile
from pathlib import Path

import openpyxl

from corpus.case import Obs, month, months

OUTPUT = Path(__file__).resolve().parent / "files" / "libreoffice.xlsx"
TEAMS = {"W-ROW": "Rowan Ward (medium secure)", "W-YEW": "YEW WARD (LOW SECURE)"}
MONTHS = months(month(2023, 4), 4)


def observations() -> list[Obs]:
    """The figures the workbook holds, in the store's terms."""
    rng = random.Random(31)
    out = []
    for unit in TEAMS:
        for period in MONTHS:
            out.append(Obs(unit, "RP_RATE", period, numerator=rng.randint(4, 30), denominator=rng.randint(420, 460)))
            out.append(Obs(unit, "SECL_HRS", period, value=rng.randint(0, 600) / 4))
    return out


def openpyxl_workbook(path: Path) -> None:
    """The workbook as openpyxl writes it: formulas without results, a merged title, date cells."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Return"
    sheet.append(["Forensic services — monthly return"])
    sheet.merge_cells("A1:F1")
    sheet.append(["Ward", "Month", "Incidents", "OBD", "Rate per 1000 OBD", "Seclusion hours"])
    by_key = {(o.unit, o.period, o.measure): o for o in observations()}
    for unit, name in TEAMS.items():
        for period in MONTHS:
            r = sheet.max_row + 1
            rp, secl = by_key[(unit, period, "RP_RATE")], by_key[(unit, period, "SECL_HRS")]
            sheet.append([name, period, rp.numerator, rp.denominator, f"=C{r}/D{r}*1000", secl.value])
            sheet.cell(r, 2).number_format = "mmm-yy"
    book.save(path)


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "source" / "libreoffice.xlsx"
        source.parent.mkdir()
        openpyxl_workbook(source)
        out = Path(work) / "out"
        subprocess.run(
            ["soffice", f"-env:UserInstallation=file://{work}/profile", "--headless", "--convert-to", "xlsx",
             "--outdir", str(out), str(source)],
            check=True, capture_output=True, timeout=120,
        )
        OUTPUT.parent.mkdir(exist_ok=True)
        shutil.copyfile(out / "libreoffice.xlsx", OUTPUT)
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
