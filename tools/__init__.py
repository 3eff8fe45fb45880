"""Tools that measure or prove a built book: its pages' layout and accessibility in Chromium, its PDF's completeness.

The tests (tests/test_browser.py, tests/test_pdf_check.py), ``make pdf`` and bench/ run them; each also runs on
its own on a built site (``python -m tools.<name>``; see each module).
"""
