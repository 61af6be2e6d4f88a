"""Import: upload files of any supported format; progress; a per-file summary with errors."""
from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from app_pages.common import current_user, get_db, run_safely, text_block
from app_pages.i18n import t
from review.importing import import_file

MAX_MB = 200
TYPES = ["txt", "html", "htm", "jsonl", "ndjson", "csv", "rss", "atom", "xml", "gz"]


def render() -> None:
    """Upload → import each file in its own transaction → summary."""
    st.title(t("nav.import"))
    st.caption(t("import.help"))
    with st.form("import_form", clear_on_submit=True):
        files = st.file_uploader(t("import.files"), type=TYPES, accept_multiple_files=True, key="import_files")
        coverage_only = st.checkbox(t("import.coverage_only"), key="import_coverage_only")
        skip_invalid = st.checkbox(t("import.skip_invalid"), key="import_skip_invalid")
        go = st.form_submit_button(t("import.run"), type="primary")
    if not go or not files:
        return
    user = current_user()
    bar = st.progress(0.0, text=t("import.progress", done=0, total=len(files)))
    results = []
    db = get_db()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for n, upload in enumerate(files, 1):
                if upload.size > MAX_MB * 2**20:
                    results.append((upload.name, None, t("import.too_big", mb=MAX_MB)))
                    continue
                path = Path(tmp) / Path(upload.name).name  # keep the name: formats are detected from it
                path.write_bytes(upload.getvalue())
                result = import_file(db, path, actor=user.name, claims=not coverage_only, skip_invalid=skip_invalid)
                results.append((upload.name, result, None))
                bar.progress(n / len(files), text=t("import.progress", done=n, total=len(files)))
    finally:
        db.close()
    rows = []
    for name, result, problem in results:
        if result is None or result.error:
            error = problem or f"{'line ' + str(result.error.line) + ': ' if result.error.line else ''}" \
                               f"{result.error.problem}"
            rows.append({t("import.file"): name, t("import.status"): t("import.failed"), t("import.items"): 0,
                         t("import.duplicates"): 0, t("import.claims"): 0, t("import.error"): error})
        else:
            rows.append({t("import.file"): name, t("import.status"): t("import.ok"),
                         t("import.items"): result.imported, t("import.duplicates"): result.duplicates,
                         t("import.claims"): result.claims,
                         t("import.error"): t("import.skipped", n=len(result.skipped)) if result.skipped else ""})
    failed = sum(1 for _, r, p in results if r is None or r.error)
    (st.warning if failed else st.success)(t("import.summary", files=len(results), failed=failed))
    st.dataframe(rows, hide_index=True, key="import_results")
    for _, result, _ in results:
        for skipped in (result.skipped if result else [])[:20]:
            text_block(str(skipped), muted=True)


run_safely(render)
