// mamori: progressive enhancement only; every page works without it.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});

// A long list of people (a company of thousands) gets a box above it that
// narrows the list as one types part of a name; the list itself stays the
// control, so the form is the same with or without this script.
const squash = (text) => text.replace(/\s+/g, "").toLowerCase();
for (const select of document.querySelectorAll("select[data-pick]")) {
  const options = Array.from(select.options);
  if (options.length < 30) continue;
  const box = document.createElement("input");
  box.type = "search";
  box.className = "pick";
  box.placeholder = select.dataset.pick;
  box.setAttribute("aria-label", select.dataset.pick);
  if (select.id) {
    box.id = `${select.id}-pick`;
    box.setAttribute("aria-controls", select.id);
  }
  const names = options.map((o) => squash(o.textContent));
  box.addEventListener("input", () => {
    const words = box.value.split(/\s+/).map(squash).filter(Boolean);
    let first = null;
    options.forEach((o, n) => {
      const match = o.value !== "" && words.every((w) => names[n].includes(w));
      if (match && first === null && words.length > 0) first = o;
      o.hidden = !(match || o.value === "" || (select.multiple && o.selected));
    });
    // A single choice moves to the first match; a multiple one keeps what
    // was chosen and only narrows what is offered.
    if (!select.multiple && first !== null) select.value = first.value;
  });
  select.before(box);
}
