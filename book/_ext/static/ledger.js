// Sortable ledger tables: a heading is a button (reachable by Tab, pressed with Enter or Space) that sorts
// by its column, numbers by data-sort when given; aria-sort tells a screen reader the order.
document.addEventListener("DOMContentLoaded", () => {
  for (const table of document.querySelectorAll("table.sortable")) {
    const headings = Array.from(table.querySelectorAll("thead th"));
    headings.forEach((th, column) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "sort-button";
      button.title = "Sort by this column";
      button.append(...th.childNodes);
      th.append(button);
      button.addEventListener("click", () => {
        const body = table.tBodies[0];
        const ascending = th.getAttribute("aria-sort") !== "ascending";
        headings.forEach((other) => other.removeAttribute("aria-sort"));
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
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
