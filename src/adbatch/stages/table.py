"""The adbatch CSV catalog as a table of strings, read as pandas' ``read_csv(dtype=str, keep_default_na=False)``
read it before: blank and whitespace-only lines skipped (a row of empty cells is a row), a short row padded
with empty cells, a header cell left empty named ``unnamed: N``, a repeated column numbered (``name.1``).

Plain rows, not a DataFrame: the catalog is looked up by row and column and nothing more, and importing pandas
cost every job 0.45 s and 34 MB. Column names are matched stripped and lower-cased, as before, and since the
job's input hash covers a row's cells by column name, a catalog that pandas read keeps its hashes (and its
finished videos).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

# the csv module refuses a cell over 128 KiB, which would refuse the whole file; a cell that long fails its own
# row instead (catalog.TEXT_LIMITS), as it did when pandas read the file
CELL_LIMIT = 16 * 1024 * 1024
csv.field_size_limit(max(csv.field_size_limit(), CELL_LIMIT))


@dataclass(frozen=True)
class Table:
    """Cells by row and column: every cell a string, every row as long as the header."""

    columns: tuple[str, ...]
    cells: tuple[tuple[str, ...], ...]

    @classmethod
    def of(cls, columns: Iterable[str], rows: Iterable[Iterable[str]]) -> Table:
        """A table of ``rows`` under ``columns``, a short row padded with empty cells."""
        header = tuple(columns)
        padded = tuple((*row, *[""] * (len(header) - len(row))) for row in map(tuple, rows))
        return cls(header, padded)

    @classmethod
    def of_records(cls, records: Iterable[Mapping[str, str]]) -> Table:
        """Records (dicts) as a table: the columns in order of first appearance, a missing cell empty."""
        records = list(records)
        columns = list(dict.fromkeys(key for record in records for key in record))
        return cls.of(columns, ([str(r.get(c, "")) for c in columns] for r in records))

    def __len__(self) -> int:
        return len(self.cells)

    def __getitem__(self, column: str) -> list[str]:
        """Every row's cell of ``column``; KeyError when the table has no such column."""
        try:
            k = self.columns.index(column)
        except ValueError:
            raise KeyError(column) from None
        return [row[k] for row in self.cells]

    def row(self, row: int) -> dict[str, str]:
        """The cells of 1-based data row ``row``, by column."""
        return dict(zip(self.columns, self.cells[row - 1], strict=True))

    def with_columns(self, names: Iterable[str]) -> Table:
        """This table with each of ``names`` it lacks added, empty."""
        more = [n for n in names if n not in self.columns]
        return Table((*self.columns, *more), tuple((*row, *[""] * len(more)) for row in self.cells))


def read_csv(path: Path, *, encoding: str = "utf-8-sig") -> Table:
    """``path`` as a table: header names stripped and lower-cased, cells stripped. ValueError for a file with no
    header or a row longer than the header (naming its line); csv.Error for broken quoting (a quote never
    closed would otherwise swallow the rest of the file into one cell); UnicodeDecodeError for bytes that are
    not ``encoding``."""
    with path.open(encoding=encoding, newline="") as f:
        reader = csv.reader(f, strict=True)
        lines = [(reader.line_num, row) for row in reader if row and (len(row) > 1 or row[0].strip())]
    if not lines:
        raise ValueError("the file has no header row")
    (_, header), data = lines[0], lines[1:]
    for line, row in data:
        if len(row) > len(header):
            raise ValueError(f"line {line} has {len(row)} fields; the header has {len(header)}")
    named = [name.strip().lower() or f"unnamed: {i}" for i, name in enumerate(header)]
    return Table.of(numbered(named), ([cell.strip() for cell in row] for _, row in data))


def numbered(names: list[str]) -> list[str]:
    """Column names with a repeat numbered as pandas numbers them (``name``, ``name.1``, ...; a number another
    column already has is skipped), so no column hides another."""
    taken, given, out = set(names), set[str](), []
    for name in names:
        unique, n = name, 0
        while unique in given or (n and unique in taken):
            n += 1
            unique = f"{name}.{n}"
        given.add(unique)
        out.append(unique)
    return out
