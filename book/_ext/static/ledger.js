// The verification ledger as an index. Without JavaScript every chapter's group still opens and closes
// (<details>) and every row keeps its id; this script adds two things:
// - a link to a row (a display's verification line links to its check) opens the groups around the row,
//   on load and whenever the address's #fragment changes, and brings the row into view;
// - a filter: rows whose text (or whose chapter's title) lacks one of the typed words are hidden, the
//   chapters with a match open, and a status line (read out by screen readers) says how many match.
(() => {
  const groups = Array.from(document.querySelectorAll("details.ledger-chapter"));
  const box = document.querySelector(".ledger-filter");
  const input = document.getElementById("ledger-filter-input");
  const status = document.getElementById("ledger-filter-status");
  const rows = groups.flatMap((group) => {
    const title = group.querySelector(".ledger-chapter-title").textContent;
    return Array.from(group.querySelectorAll("li.ledger-check")).map((row) => ({
      row,
      group,
      text: `${title} ${row.textContent}`.toLowerCase(),
    }));
  });

  const filter = () => {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    const matches = new Map(groups.map((group) => [group, 0]));
    for (const { row, group, text } of rows) {
      const match = words.every((word) => text.includes(word));
      row.hidden = !match;
      if (match) matches.set(group, matches.get(group) + 1);
    }
    // A group the filter opened closes again once it has no match (or the filter is emptied); a group the
    // reader opened stays open.
    for (const group of groups) {
      const found = words.length > 0 && matches.get(group) > 0;
      group.hidden = words.length > 0 && !found;
      if (found && !group.open) {
        group.open = true;
        group.dataset.openedByFilter = "";
      } else if (!found && "openedByFilter" in group.dataset) {
        group.open = false;
        delete group.dataset.openedByFilter;
      }
    }
    const shown = Array.from(matches.values()).reduce((a, b) => a + b, 0);
    const chapters = Array.from(matches.values()).filter((n) => n > 0).length;
    status.textContent = words.length
      ? `${shown} of ${rows.length} checks match, in ${chapters} chapter${chapters === 1 ? "" : "s"}.`
      : "";
  };

  const openTarget = () => {
    const id = decodeURIComponent(window.location.hash.slice(1));
    const target = id && document.getElementById(id);
    if (!target || !target.closest(".ledger-index")) return;
    if (target.hidden || (target.closest("details") || {}).hidden) {
      input.value = "";
      filter();
    }
    for (let group = target.closest("details"); group; group = group.parentElement.closest("details")) {
      group.open = true;
    }
    target.scrollIntoView({ block: "center" });
  };

  if (box && input && status) {
    box.hidden = false;
    input.addEventListener("input", filter);
    if (input.value) filter(); // a value the browser restored on going back
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
})();
