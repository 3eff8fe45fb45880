"""The experimental side of the book: data sets and training loops that chapters run and assert on."""
