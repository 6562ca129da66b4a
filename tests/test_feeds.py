"""Product feeds in: detection, mapping, Shopify merging, HTML, prices, skipping, URL feeds, mapping errors."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from adbatch.feeds import format_price, html_to_text, parse_price, resolved
from adbatch.stages.catalog import CatalogError, RowError, load_catalog
from tests.conftest import make_png
from tests.feeds_helpers import EXAMPLES, serve, served_copy

CURRENCIES = resolved(None).currencies


def validate(cat, row: int, tmp_path: Path):
    return cat.validate_row(row, image_cache=tmp_path / "cache", max_mb=10.0, timeout_s=5)


def write(path: Path, rows: list[list[str]], sep: str = ",") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, delimiter=sep, lineterminator="\n").writerows(rows)
    return path


@pytest.fixture
def www(tmp_path: Path):
    """A local HTTP server on 127.0.0.1 holding the example feeds (host rewritten to it) and their images."""
    with serve(tmp_path / "www") as (root, base):
        yield root, base


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("google_merchant.tsv", "google"),
        ("google_merchant.xml", "google"),
        ("meta_catalog.csv", "meta"),
        ("shopify_products_export.csv", "shopify"),
        ("shopify_products_export_legacy.csv", "shopify_legacy"),
    ],
)
def test_format_is_detected_from_the_header(www, name: str, expected: str) -> None:
    """Each example feed is read as its own format without being told."""
    root, base = www
    assert load_catalog(served_copy(name, root, base)).format == expected


def test_adbatch_csv_is_still_the_adbatch_format() -> None:
    """The existing catalog reads as before: same columns, no feed mapping."""
    cat = load_catalog(EXAMPLES.parent / "catalog.csv")
    assert cat.format == "adbatch" and cat.columns == {} and len(cat) == 7


def test_catalog_format_forces_a_format(www) -> None:
    """catalog.format=meta reads a Google feed with Meta's mapping; an unknown name is refused."""
    root, base = www
    path = served_copy("google_merchant.tsv", root, base)
    conf = resolved(None)
    conf.format = "meta"
    assert load_catalog(path, conf).format == "meta"
    conf.format = "nope"
    with pytest.raises(CatalogError, match="catalog.format='nope' is not a known format"):
        load_catalog(path, conf)


def test_google_tsv_maps_fields_sale_price_and_extra_photos(www, tmp_path: Path) -> None:
    """Title, link, sale price with its currency, additional_image_link as extra photos, slugged id."""
    root, base = www
    cat = load_catalog(served_copy("google_merchant.tsv", root, base))
    p = validate(cat, 1, tmp_path)
    assert p.id == "gs-30ml" and p.name.startswith("Glow Serum")
    assert p.url == "https://shop.example.com/products/glow-serum" and p.extra["brand"] == "Northwind Goods"
    assert (p.price, p.currency, p.price_text) == (29.99, "USD", "$29.99")
    assert len(p.extra_images) == 3 and len(set(p.photos)) == 4


def test_google_xml_reads_the_g_namespace_and_repeated_elements(www, tmp_path: Path) -> None:
    """g:-prefixed fields map like the TSV's; repeated g:additional_image_link become extra photos; EUR shows as EUR."""
    root, base = www
    p = validate(load_catalog(served_copy("google_merchant.xml", root, base)), 1, tmp_path)
    assert p.name == "Glow Serum" and p.extra["title"] == "Glow Serum - Vitamin C & Hyaluronic Acid, 30 ml"
    assert len(p.extra_images) == 2
    assert (p.currency, p.price_text) == ("EUR", "34,90 €")


def test_meta_csv_maps_and_keeps_its_currency(www, tmp_path: Path) -> None:
    """Meta's columns map like Google's; a rupee price keeps its currency and its format."""
    root, base = www
    cat = load_catalog(served_copy("meta_catalog.csv", root, base))
    assert [validate(cat, r, tmp_path).id for r in (1, 2)] == ["summit-bottle-750", "candle-cedar-fig"]
    assert validate(cat, 2, tmp_path).price_text == "₹1,299"


def test_out_of_stock_items_are_skipped_by_default(www) -> None:
    """out_of_stock (Google) and "out of stock" (Meta) rows make no product; skip_unavailable=false keeps them."""
    root, base = www
    google, meta = served_copy("google_merchant.tsv", root, base), served_copy("meta_catalog.csv", root, base)
    assert list(load_catalog(google).table["id"]) == ["gs-30ml", "km-01"]
    assert list(load_catalog(meta).table["id"]) == ["summit-bottle-750", "candle-cedar-fig"]
    conf = resolved(None)
    conf.skip_unavailable = False
    assert list(load_catalog(google, conf).table["id"]) == ["gs-30ml", "km-01", "pb-blk"]


def test_shopify_rows_merge_per_handle_with_images_by_position(www, tmp_path: Path) -> None:
    """4 rows of one handle are one product: the hero is image position 1, the rest extra shots in order;
    the draft product is skipped; the description is text; the price is the lowest variant's."""
    root, base = www
    cat = load_catalog(served_copy("shopify_products_export.csv", root, base))
    assert list(cat.table["id"]) == ["northwind-daypack"]
    assert cat.table["image"][0].endswith("northwind-daypack.webp")
    assert [u.rsplit("/", 1)[1] for u in cat.table["extra_images"][0].split("|")] == [
        f"northwind-daypack-{n}.png" for n in (2, 3, 4)
    ]
    p = validate(cat, 1, tmp_path)
    assert p.price_text == "$89" and len(p.photos) == 4
    assert p.description.startswith("Our Daypack carries a 15-inch laptop") and "<" not in p.description
    assert p.benefits == ("Water-resistant recycled nylon", "Padded laptop sleeve", "Lifetime repairs")


def test_legacy_shopify_merges_variants_and_skips_drafts(www, tmp_path: Path) -> None:
    """Legacy header: Image Position orders the photos whatever the row order; the lowest Variant Price wins;
    a variant in stock keeps the product; Status draft is skipped."""
    root, base = www
    cat = load_catalog(served_copy("shopify_products_export_legacy.csv", root, base))
    assert list(cat.table["id"]) == ["pulse-earbuds"]
    assert cat.table["image"][0].endswith("/pulse-earbuds.png")
    p = validate(cat, 1, tmp_path)
    assert p.price == 75.0 and len(p.extra_images) == 2 and "font" not in p.description


def test_shopify_product_with_every_variant_sold_out_is_skipped(tmp_path: Path) -> None:
    """Tracked inventory at 0 with a deny policy on every variant: out of stock."""
    header = ["Handle", "Title", "Body (HTML)", "Image Src", "Image Position", "Variant Price"]
    header += ["Variant Inventory Tracker", "Variant Inventory Qty", "Variant Inventory Policy", "Status"]
    rows = [header, ["a", "A", "", "a.png", "1", "10", "shopify", "0", "deny", "active"]]
    rows += [["b", "B", "", "b.png", "1", "10", "shopify", "0", "continue", "active"]]
    make_png(tmp_path / "a.png")
    make_png(tmp_path / "b.png")
    cat = load_catalog(write(tmp_path / "export.csv", rows))
    assert list(cat.table["id"]) == ["b"]


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Glow Serum - Vitamin C & Hyaluronic Acid Face Serum, 30 ml", "Glow Serum"),
        ("Pulse Wireless Earbuds, Black", "Pulse Wireless Earbuds"),
        ("Cedar & Fig Candle (Winter Edition)", "Cedar & Fig Candle"),
        ("Summit Insulated Bottle 750 ml", "Summit Insulated Bottle 750 ml"),
        ("An extraordinarily long product title without any separator at all", "An extraordinarily long product title"),
    ],
)
def test_feed_titles_become_short_ad_names(title: str, name: str) -> None:
    """Feed titles stack keywords after the name: the name is the part before the first separator, <= 40 chars."""
    from adbatch.feeds._text import short_name

    conf = resolved(None)
    assert short_name(title, conf.name_max, list(conf.title_separators)) == name


def test_html_is_reduced_to_text() -> None:
    """Editor junk (spans, &nbsp;, empty paragraphs, comments, styles, scripts) goes; blocks become sentences."""
    cleaned = html_to_text(
        '<p data-mce-fragment="1"><span style="x">Warm&nbsp;light</span></p>\n<p><br></p><!-- c -->'
        "<style>p{}</style><script>x()</script><ul><li>Soy wax</li><li>50 h burn</li></ul><p>Made in &amp; for you!</p>"
    )
    assert cleaned.text == "Warm light. Soy wax. 50 h burn. Made in & for you!"
    assert cleaned.items == ("Soy wax", "50 h burn")


@pytest.mark.parametrize(
    ("cell", "amount", "currency"),
    [
        ("34.00 USD", 34.0, "USD"),
        ("USD 34", 34.0, "USD"),
        ("$1,299.99", 1299.99, "USD"),
        ("34,90 EUR", 34.9, "EUR"),
        ("1.299,00 €", 1299.0, "EUR"),
        ("1 299,50 SEK", 1299.5, "SEK"),
        ("29.99", 29.99, ""),
    ],
)
def test_prices_keep_their_currency(cell: str, amount: float, currency: str) -> None:
    """Amount and ISO code are read from every common way of writing a price."""
    price = parse_price(cell)
    assert price is not None and (price.amount, price.currency) == (amount, currency)


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [(29.99, "USD", "$29.99"), (30.0, "USD", "$30"), (34.9, "EUR", "34,90 €"), (1299.0, "GBP", "£1,299")]
    + [(1500.0, "JPY", "¥1,500"), (12.5, "CHF", "12.50 CHF")],
)
def test_prices_are_shown_in_their_currency_format(amount: float, currency: str, shown: str) -> None:
    """catalog.currencies decides symbol, place and marks; an unknown currency shows its code."""
    assert format_price(amount, currency, CURRENCIES) == shown


def test_adbatch_csv_prices_read_as_before(tmp_path: Path) -> None:
    """A bare amount is in catalog.currency (USD): shown as before, "$19.99"."""
    cat = load_catalog(EXAMPLES.parent / "catalog.csv")
    p = validate(cat, 1, tmp_path)
    assert (p.price, p.price_text, p.currency, p.extra_images) == (29.99, "$29.99", "USD", ())


def test_mapping_error_names_the_feed_row_and_column(tmp_path: Path) -> None:
    """A bad price in a Meta feed's 2nd data row names row 2 and the column "price"; a missing image
    names "image_link"; a broken extra photo names "additional_image_link"."""
    make_png(tmp_path / "ok.png")
    (tmp_path / "bad.png").write_text("not an image")
    header = ["id", "title", "description", "availability", "condition", "price", "link", "image_link"]
    header += ["brand", "additional_image_link"]
    rows = [header, ["a", "A", "d", "in stock", "new", "10.00 USD", "https://x.example/a", "ok.png", "b", ""]]
    rows += [["b", "B", "d", "in stock", "new", "ten dollars", "https://x.example/b", "ok.png", "b", ""]]
    rows += [["c", "C", "d", "in stock", "new", "10.00 USD", "https://x.example/c", "", "b", ""]]
    rows += [["d", "D", "d", "in stock", "new", "10.00 USD", "https://x.example/d", "ok.png", "b", "bad.png"]]
    cat = load_catalog(write(tmp_path / "meta.csv", rows))
    errors = {}
    for row in (2, 3, 4):
        with pytest.raises(RowError) as info:
            validate(cat, row, tmp_path)
        errors[row] = info.value
    assert (errors[2].row, errors[2].field) == (2, "price") and "'ten dollars'" in str(errors[2])
    assert str(errors[2]).startswith('meta.csv row 2, field "price":')
    assert (errors[3].row, errors[3].field, errors[3].reason) == (3, "image_link", "is required but empty")
    assert (errors[4].row, errors[4].field) == (4, "additional_image_link")


def test_error_rows_count_skipped_products(tmp_path: Path) -> None:
    """Rows keep the feed's numbering when an out-of-stock row before them is skipped."""
    make_png(tmp_path / "ok.png")
    header = ["id", "title", "description", "link", "image_link", "price", "availability", "gtin"]
    rows = [header, ["a", "A", "d", "https://x.example/a", "ok.png", "1 USD", "out_of_stock", ""]]
    rows += [["b", "B", "d", "https://x.example/b", "ok.png", "-3 USD", "in_stock", ""]]
    with pytest.raises(RowError) as info:
        validate(load_catalog(write(tmp_path / "feed.tsv", rows, sep="\t")), 1, tmp_path)
    assert (info.value.row, info.value.field) == (2, "price") and "out of range" in info.value.reason


def test_feed_missing_a_mapped_column_names_it(tmp_path: Path) -> None:
    """A forced format whose image column is absent stops the catalog, naming the column and the fix."""
    conf = resolved(None)
    conf.format = "google"
    path = write(tmp_path / "f.csv", [["id", "title", "link", "price"], ["a", "A", "https://x.example", "1 USD"]])
    with pytest.raises(CatalogError, match="lacks column.*image_link.*catalog.format"):
        load_catalog(path, conf)


def test_url_feed_is_downloaded_with_the_image_limits(www, tmp_path: Path) -> None:
    """products=http://... is fetched into the given folder and read; over the size limit it is refused."""
    from adbatch.feeds import localize

    root, base = www
    served_copy("meta_catalog.csv", root, base)
    local = localize(f"{base}/meta_catalog.csv", into=tmp_path / "sweep", max_mb=1, timeout_s=5)
    assert local.parent == (tmp_path / "sweep").resolve() and load_catalog(local).format == "meta"
    with pytest.raises(CatalogError, match="limit"):
        localize(f"{base}/meta_catalog.csv", into=tmp_path / "s2", max_mb=0.0001, timeout_s=5)
    with pytest.raises(CatalogError, match="HTTP 404"):
        localize(f"{base}/missing.csv", into=tmp_path / "s3", max_mb=1, timeout_s=5)


def test_xml_with_entity_declarations_is_refused(tmp_path: Path) -> None:
    """A feed needs no DTD entities; refusing them keeps entity-expansion attacks out."""
    path = tmp_path / "feed.xml"
    path.write_text('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rss><channel><item/></channel></rss>')
    with pytest.raises(CatalogError, match="entity"):
        load_catalog(path)


def test_a_mapping_in_config_reads_an_unusual_feed(tmp_path: Path) -> None:
    """A format added as data (what conf/catalog/my_shop.yaml adds) is detected and mapped; no code needed."""
    make_png(tmp_path / "p.png")
    conf = resolved(None)
    conf.formats["my_shop"] = {
        "detect": {"all": ["sku", "product_name", "photo"]},
        "columns": {"id": "sku", "name": "product_name", "description": "blurb", "image": "photo", "price": "cost"},
        "extra": {"colour": "colour"},
    }
    path = write(tmp_path / "shop.csv", [["SKU", "Product_Name", "Blurb", "Photo", "Cost", "Colour"]])
    with path.open("a", encoding="utf-8") as fh:
        fh.write("AB-1,Tote Bag,A sturdy canvas tote.,p.png,15.00 GBP,navy\n")
    cat = load_catalog(path, conf)
    p = validate(cat, 1, tmp_path)
    assert (cat.format, p.id, p.name, p.price_text, p.extra["colour"]) == ("my_shop", "ab-1", "Tote Bag", "£15", "navy")


def intake_hash(path: Path, tmp_path: Path, *overrides: str) -> str:
    """The input hash a job would give row 1 of ``path`` under ``overrides``."""
    from hydra import compose, initialize_config_dir

    from adbatch.config import register_configs, typed
    from adbatch.paths import CONF_DIR
    from adbatch.stages import run

    register_configs()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        args = [f"products={path}", f"cache_dir={tmp_path / 'c'}", *overrides]
        cfg = typed(compose(config_name="config", overrides=args))
    return run.intake(cfg, load_catalog(path, cfg.catalog), 1).input_hash


def test_upload_sheet_settings_do_not_re_render_videos(tmp_path: Path) -> None:
    """platforms.ads (sheet platform, UTM templates) is not part of a video's input hash."""
    make_png(tmp_path / "images" / "a.png")
    path = write(tmp_path / "catalog.csv", [["id", "name", "description", "image"], ["a", "A", "d", "images/a.png"]])
    first = intake_hash(path, tmp_path)
    assert intake_hash(path, tmp_path, "platforms.ads.platform=tiktok", "platforms.ads.utm.utm_medium=cpc") == first
    assert intake_hash(path, tmp_path, "platforms.tiktok.max_mb=100") != first  # delivery specs still count


def test_a_changed_extra_photo_makes_the_video_again(tmp_path: Path) -> None:
    """The video's input hash covers the extra photos' content, as it does the hero's: a rerun never reuses
    a finished video whose extra shot changed. (The adbatch CSV takes an extra_images column too.)"""
    make_png(tmp_path / "images" / "a.png")
    make_png(tmp_path / "images" / "b.png", color=(10, 200, 10))
    rows = [["id", "name", "description", "image", "extra_images"], ["a", "A", "d", "images/a.png", "images/b.png"]]
    path = write(tmp_path / "catalog.csv", rows)
    first = intake_hash(path, tmp_path)
    assert intake_hash(path, tmp_path) == first
    make_png(tmp_path / "images" / "b.png", color=(10, 10, 200))
    assert intake_hash(path, tmp_path) != first


def test_ids_that_slug_alike_are_duplicates_named_by_feed_row(tmp_path: Path) -> None:
    """SKU_1 and sku-1 become the same id: the second is refused, naming the feed row of the first."""
    make_png(tmp_path / "ok.png")
    header = ["id", "title", "description", "link", "image_link", "price", "availability", "gtin"]
    rows = [header, ["gone", "G", "d", "https://x.example/g", "ok.png", "1 USD", "out_of_stock", ""]]
    rows += [["SKU_1", "A", "d", "https://x.example/a", "ok.png", "1 USD", "in_stock", ""]]
    rows += [["sku-1", "B", "d", "https://x.example/b", "ok.png", "1 USD", "in_stock", ""]]
    cat = load_catalog(write(tmp_path / "feed.tsv", rows, sep="\t"))
    assert validate(cat, 1, tmp_path).id == "sku-1"
    with pytest.raises(RowError) as info:
        validate(cat, 2, tmp_path)
    assert (info.value.row, info.value.field) == (3, "id") and "duplicates row 2" in info.value.reason
