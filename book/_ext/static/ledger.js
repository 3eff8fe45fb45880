// Sortable ledger tables: click a heading to sort by that column (numbers by data-sort when given).
document.addEventListener("DOMContentLoaded", () => {
  for (const table of document.querySelectorAll("table.sortable")) {
    table.querySelectorAll("thead th").forEach((th, column) => {
      th.style.cursor = "pointer";
      th.title = "Sort by this column";
      th.addEventListener("click", () => {
        const body = table.tBodies[0];
        const ascending = th.dataset.order !== "asc";
        th.dataset.order = ascending ? "asc" : "desc";
        const key = (row) => {
          const cell = row.cells[column];
          const raw = cell.dataset.sort ?? cell.textContent.trim();
          const number = Number(raw);
          return Number.isNaN(number) ? raw.toLowerCase() : number;
        };
        const rows = Array.from(body.rows).sort((a, b) => {
          const [x, y] = [key(a), key(b)];
          return (x > y ? 1 : x < y ? -1 : 0) * (ascending ? 1 : -1);
        });
        body.append(...rows);
      });
    });
  }
});
