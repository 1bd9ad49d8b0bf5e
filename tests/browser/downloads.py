"""Downloading a file the way a person does: clicking its link."""

import csv


def downloaded(page, link_name: str, path) -> tuple[str, list[list[str]]]:
    """Click the link named `link_name`, save what it downloads to `path`; returns the
    browser's file name and the rows of the CSV."""
    with page.expect_download() as download_info:
        page.get_by_role("link", name=link_name).click()
    download_info.value.save_as(path)
    with path.open(newline="") as handle:
        return download_info.value.suggested_filename, list(csv.reader(handle))
