"""Catalog validation: every rule, one bad row each, and whole-file failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from adbatch.stages.catalog import CatalogError, RowError, load_catalog
from tests.conftest import make_png, product_row, write_catalog


def validate(path: Path, row: int, tmp_path: Path, max_mb: float = 10.0):
    return load_catalog(path).validate_row(row, image_cache=tmp_path / "cache", max_mb=max_mb, timeout_s=5)


def one_bad_row(tmp_path: Path, **over: str) -> Path:
    make_png(tmp_path / "images" / "good-one.png")
    make_png(tmp_path / "images" / "bad-one.png")
    row = product_row("bad-one")
    row.update(over)
    return write_catalog(tmp_path, [product_row("good-one"), row])


def row_error(path: Path, tmp_path: Path, row: int = 2) -> RowError:
    with pytest.raises(RowError) as info:
        validate(path, row, tmp_path)
    return info.value


def test_valid_row_becomes_a_product(tiny_catalog: Path, tmp_path: Path) -> None:
    """A good row yields a Product with parsed price, benefits, reviews and an absolute image path."""
    product = validate(tiny_catalog, 1, tmp_path)
    assert product.id == "alpha-mug" and product.price == 19.99 and product.price_text == "$19.99"
    assert product.benefits == ("saves time", "feels great", "lasts for years")
    assert len(product.reviews) == 2 and product.image.is_absolute() and product.row == 1


def test_error_names_catalog_row_and_field(tmp_path: Path) -> None:
    """The message reads like: catalog.csv row 2, field "price": ..."""
    err = row_error(one_bad_row(tmp_path, price="cheap"), tmp_path)
    assert (err.row, err.field) == (2, "price")
    assert str(err).startswith('catalog.csv row 2, field "price":') and "'cheap'" in str(err)


@pytest.mark.parametrize("bad_id", ["Bad Id!", "../etc/passwd", "-lead", "UPPER", "a" * 70, ""])
def test_unsafe_ids_are_rejected(tmp_path: Path, bad_id: str) -> None:
    """Ids become path components, so only lowercase slugs pass."""
    assert row_error(one_bad_row(tmp_path, id=bad_id), tmp_path).field == "id"


def test_duplicate_id_is_rejected_on_the_second_row(tmp_path: Path) -> None:
    """The first occurrence stays valid; the duplicate names the row it repeats."""
    make_png(tmp_path / "images" / "twin.png")
    path = write_catalog(tmp_path, [product_row("twin"), product_row("twin")])
    assert validate(path, 1, tmp_path).id == "twin"
    err = row_error(path, tmp_path, row=2)
    assert err.field == "id" and "duplicates row 1" in err.reason


@pytest.mark.parametrize("field", ["name", "description", "image"])
def test_required_fields_must_not_be_empty(tmp_path: Path, field: str) -> None:
    """Empty required cells are reported by field name."""
    err = row_error(one_bad_row(tmp_path, **{field: ""}), tmp_path)
    assert err.field == field and "required" in err.reason


def test_text_renamed_to_png_is_rejected_by_content(tmp_path: Path) -> None:
    """A text file named .png is not an image: content is checked, not the extension."""
    (tmp_path / "images").mkdir(parents=True, exist_ok=True)
    (tmp_path / "images" / "fake.png").write_text("definitely not a picture")
    err = row_error(one_bad_row(tmp_path, image="images/fake.png"), tmp_path)
    assert err.field == "image" and "not a PNG, JPEG or WebP" in err.reason


def test_truncated_png_is_rejected(tmp_path: Path) -> None:
    """A PNG header followed by garbage fails Pillow's check."""
    data = make_png(tmp_path / "images" / "whole.png").read_bytes()
    (tmp_path / "images" / "cut.png").write_bytes(data[:40])
    err = row_error(one_bad_row(tmp_path, image="images/cut.png"), tmp_path)
    assert err.field == "image" and "damaged" in err.reason


def test_gif_is_rejected(tmp_path: Path) -> None:
    """Only PNG, JPEG and WebP are accepted."""
    from PIL import Image

    (tmp_path / "images").mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 8)).save(tmp_path / "images" / "anim.gif")
    assert row_error(one_bad_row(tmp_path, image="images/anim.gif"), tmp_path).field == "image"


def test_jpeg_and_webp_are_accepted(tmp_path: Path) -> None:
    """JPEG and WebP pass the content check whatever their extension says."""
    from PIL import Image

    folder = tmp_path / "images"
    folder.mkdir(parents=True)
    Image.new("RGB", (16, 16), "red").save(folder / "photo.jpg", "JPEG")
    Image.new("RGB", (16, 16), "blue").save(folder / "photo.bin", "WEBP")
    path = write_catalog(
        tmp_path, [product_row("j", image="images/photo.jpg"), product_row("w", image="images/photo.bin")]
    )
    assert validate(path, 1, tmp_path).image.name == "photo.jpg"
    assert validate(path, 2, tmp_path).image.name == "photo.bin"


def test_image_over_the_size_limit_is_rejected(tmp_path: Path) -> None:
    """The size limit is checked before decoding and reported in MB."""
    path = one_bad_row(tmp_path)
    with pytest.raises(RowError) as info:
        validate(path, 2, tmp_path, max_mb=0.0001)
    assert info.value.field == "image" and "the limit is 0.0001 MB" in info.value.reason


def test_image_path_escaping_the_catalog_folder_is_rejected(tmp_path: Path) -> None:
    """../ paths and absolute paths outside the catalog's folder are refused."""
    make_png(tmp_path / "secret.png")
    catalog_dir = tmp_path / "cat"
    err = row_error(one_bad_row(catalog_dir, image="../secret.png"), catalog_dir)
    assert err.field == "image" and "outside the catalog's folder" in err.reason
    err = row_error(one_bad_row(catalog_dir, image=str(tmp_path / "secret.png")), catalog_dir)
    assert err.field == "image"


def test_missing_image_file_is_reported(tmp_path: Path) -> None:
    """A path that does not exist names the field and the path."""
    err = row_error(one_bad_row(tmp_path, image="images/nope.png"), tmp_path)
    assert err.field == "image" and "does not exist" in err.reason


@pytest.mark.parametrize("url", ["ftp://example.com/a.png", "file:///etc/passwd", "javascript:alert(1)"])
def test_non_http_image_urls_are_rejected(tmp_path: Path, url: str) -> None:
    """Only http(s) URLs may be fetched."""
    err = row_error(one_bad_row(tmp_path, image=url), tmp_path)
    assert err.field == "image" and "http(s)" in err.reason


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("brand_color", "blue"),
        ("brand_color", "#12345"),
        ("url", "www.example.com"),
        ("price", "-3"),
        ("name", "x" * 81),
    ],
)
def test_optional_fields_are_checked(tmp_path: Path, field: str, value: str) -> None:
    """Colours are #RRGGBB, URLs http(s), prices non-negative numbers, texts within limits."""
    assert row_error(one_bad_row(tmp_path, **{field: value}), tmp_path).field == field


def test_extra_columns_are_kept(tmp_path: Path) -> None:
    """Columns adbatch does not know reach the product as ``extra``."""
    make_png(tmp_path / "images" / "x.png")
    row = product_row("x") | {"material": "oak"}
    path = write_catalog(tmp_path, [row], columns=[*row.keys()])
    assert validate(path, 1, tmp_path).extra == {"material": "oak"}


def test_missing_required_column_fails_the_whole_catalog(tmp_path: Path) -> None:
    """A catalog without the image column is unusable: one clear CatalogError."""
    path = write_catalog(tmp_path, [product_row("x")], columns=["id", "name", "description"])
    with pytest.raises(CatalogError, match="lacks required column.*image"):
        load_catalog(path)


def test_header_only_catalog_fails(tmp_path: Path) -> None:
    """No rows is an error, not an empty sweep."""
    with pytest.raises(CatalogError, match="no product rows"):
        load_catalog(write_catalog(tmp_path, []))


def test_unparseable_catalog_fails(tmp_path: Path) -> None:
    """Binary garbage is reported as unreadable CSV."""
    path = tmp_path / "catalog.csv"
    path.write_bytes(b"\xff\xfe\x00\x00garbage\x00\x81")
    with pytest.raises(CatalogError, match="cannot be read"):
        load_catalog(path)


def test_a_row_longer_than_the_header_names_its_line(tmp_path: Path) -> None:
    """A row with more cells than the header has columns cannot be mapped to fields: the whole file is refused,
    naming the line (a quoted cell spanning two lines counts both)."""
    path = tmp_path / "catalog.csv"
    path.write_text('id,name,description,image\nok,Ok,"two\nlines",images/ok.png\nx,X,d,images/x.png,surplus\n')
    with pytest.raises(CatalogError, match="line 4 has 5 fields; the header has 4"):
        load_catalog(path)


def test_the_csv_reads_as_pandas_read_it(tmp_path: Path) -> None:
    """As pandas' read_csv read the catalog before (so rows keep their numbers and cells their hashes): a
    byte-order mark and header case are ignored, blank and whitespace-only lines skipped, a row of empty cells
    kept (an invalid row, not a vanished one), a short row's missing cells empty, an unnamed header cell named
    ``unnamed: N`` and a repeated column numbered, skipping a number another column has."""
    make_png(tmp_path / "images" / "ok.png")
    path = tmp_path / "catalog.csv"
    header = "ID, Name ,description,image,name,name.1,\r\n"
    body = "\r\nok, Ok ,A mug.,images/ok.png,Other,More,\r\n   \r\n,,,,,,\r\nshort,Short,A lamp.\r\n"
    path.write_bytes(b"\xef\xbb\xbf" + (header + body).encode())
    cat = load_catalog(path)
    assert cat.table.columns[:7] == ("id", "name", "description", "image", "name.2", "name.1", "unnamed: 6")
    assert len(cat) == 3 and cat.table["id"] == ["ok", "", "short"]
    product = validate(path, 1, tmp_path)
    assert (product.name, product.extra) == ("Ok", {"name.2": "Other", "name.1": "More", "unnamed: 6": ""})
    assert row_error(path, tmp_path, row=2).field == "id"
    error = row_error(path, tmp_path, row=3)
    assert (error.row, error.field, error.reason) == (3, "image", "is required but empty")


def test_a_quote_never_closed_refuses_the_file(tmp_path: Path) -> None:
    """An opening quote with no closing one would swallow every later row into one cell: the file is refused."""
    path = tmp_path / "catalog.csv"
    path.write_text('id,name,description,image\na,A,"oops,images/a.png\nb,B,d,images/b.png\nc,C,d,images/c.png\n')
    with pytest.raises(CatalogError, match="cannot be read as a UTF-8 CSV"):
        load_catalog(path)


def test_job_keys_use_ids_or_row_numbers(tmp_path: Path) -> None:
    """Valid ids are job keys; unusable ids become _row<N>, and keys map back to rows."""
    make_png(tmp_path / "images" / "ok.png")
    path = write_catalog(tmp_path, [product_row("ok"), product_row("Not OK"), product_row("ok")])
    cat = load_catalog(path)
    assert [cat.job_key(r) for r in (1, 2, 3)] == ["ok", "_row2", "_row3"]
    assert [cat.row_for_key(k) for k in ("ok", "_row2", "_row3")] == [1, 2, 3]
    with pytest.raises(CatalogError):
        cat.row_for_key("missing")


@pytest.fixture
def image_server(tmp_path: Path):
    """A local HTTP server on 127.0.0.1 serving tmp_path/www (URL images without the internet)."""
    import functools
    import http.server
    import threading

    www = tmp_path / "www"
    www.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(www))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield www, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_image_url_is_fetched_checked_and_cached(tmp_path: Path, image_server) -> None:
    """An http image URL is downloaded once into the cache and checked by content."""
    www, base = image_server
    make_png(www / "shot.png")
    path = write_catalog(tmp_path / "cat", [product_row("web", image=f"{base}/shot.png")])
    product = validate(path, 1, tmp_path)
    assert product.image.is_file() and product.image.is_relative_to(tmp_path / "cache")
    (www / "shot.png").unlink()  # a second validation uses the cached copy
    assert validate(path, 1, tmp_path).image == product.image


def test_image_url_over_the_size_limit_is_refused_while_downloading(tmp_path: Path, image_server) -> None:
    """A URL image larger than the limit fails with the limit in the message, and leaves no file."""
    www, base = image_server
    make_png(www / "big.png", size=(400, 400))
    path = write_catalog(tmp_path / "cat", [product_row("web", image=f"{base}/big.png")])
    with pytest.raises(RowError) as info:
        validate(path, 1, tmp_path, max_mb=0.001)
    assert info.value.field == "image" and "limit" in info.value.reason
    assert not list((tmp_path / "cache").rglob("*.img"))


def test_image_url_that_is_not_an_image_is_refused(tmp_path: Path, image_server) -> None:
    """HTML at an image URL is caught by the content check; a 404 is reported as such."""
    www, base = image_server
    (www / "page.png").write_text("<html>nope</html>")
    path = write_catalog(
        tmp_path / "cat", [product_row("a", image=f"{base}/page.png"), product_row("b", image=f"{base}/missing.png")]
    )
    assert "not a PNG, JPEG or WebP" in row_error(path, tmp_path, row=1).reason
    assert "HTTP 404" in row_error(path, tmp_path, row=2).reason


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("r.txt", "Loved it, best mug ever.\n\nKeeps coffee hot for hours.\n"),
        ("r.csv", 'stars,review\n5,"Loved it, best mug ever."\n4,Keeps coffee hot for hours.\n'),
        ("r.json", '[{"text": "Loved it, best mug ever."}, "Keeps coffee hot for hours."]'),
    ],
)
def test_reviews_file_adds_reviews(tmp_path: Path, name: str, content: str) -> None:
    """A reviews_file (TXT, CSV or JSON) next to the catalog adds its reviews to the row's."""
    make_png(tmp_path / "images" / "m.png")
    (tmp_path / name).write_text(content)
    row = product_row("m", image="images/m.png", reviews="Inline one.") | {"reviews_file": name}
    path = write_catalog(tmp_path, [row], columns=[*row])
    assert validate(path, 1, tmp_path).reviews == (
        "Inline one.",
        "Loved it, best mug ever.",
        "Keeps coffee hot for hours.",
    )


def test_reviews_file_outside_the_folder_is_rejected(tmp_path: Path) -> None:
    """reviews_file follows the same containment rule as images."""
    make_png(tmp_path / "cat" / "images" / "m.png")
    (tmp_path / "secret.txt").write_text("x")
    row = product_row("m", image="images/m.png") | {"reviews_file": "../secret.txt"}
    path = write_catalog(tmp_path / "cat", [row], columns=[*row])
    assert row_error(path, tmp_path / "cat", row=1).field == "reviews_file"
