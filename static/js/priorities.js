/* 优先序: drag-and-drop reordering on top of the plain forms of the priority list.
 *
 * Dragging a row by its handle (mouse, pen or touch), or moving it with the arrow keys while its
 * handle has the focus, only rearranges the page. Dropping it fills the row's "move to" form with
 * the new position and submits that form, exactly as if the position had been typed: the server
 * does the move and sends the page back. Without JavaScript the forms work on their own.
 *
 * Keyboard, on a focused handle: ArrowUp/ArrowDown move the row one place, Home/End to the top
 * or bottom of this page; Enter or Space saves it there; Escape (or leaving the handle) puts it
 * back. Texts come translated from the table's data-msg-* attributes.
 */
(function () {
  "use strict";

  const table = document.querySelector("table.priorities[data-movable]");
  if (!table || !table.tBodies.length) {
    return;
  }
  const tbody = table.tBodies[0];
  const first = Number(table.dataset.firstPosition) || 1;
  const status = document.getElementById("drag-status");
  const EDGE = 48; // pixels from the window's top or bottom where a drag scrolls the page

  // The row being moved: { row, handle, from (its index when picked up), pointerId }.
  let active = null;

  function rows() {
    return Array.from(tbody.rows);
  }

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (match, key) {
      return key in values ? String(values[key]) : match;
    });
  }

  function announce(name, row) {
    const template = table.dataset["msg" + name];
    if (status && template) {
      const position = first + rows().indexOf(row);
      status.textContent = format(template, { title: row.dataset.title, position: position });
    }
  }

  function renumber() {
    rows().forEach(function (row, index) {
      const number = row.querySelector(".position-number");
      if (number) {
        number.textContent = String(first + index);
      }
    });
  }

  // Put `row` at `index` by moving the rows around it, never the row itself: a focused handle
  // keeps its focus.
  function place(row, index) {
    const list = rows();
    const current = list.indexOf(row);
    const target = Math.max(0, Math.min(index, list.length - 1));
    if (target < current) {
      const after = row.nextElementSibling;
      list.slice(target, current).forEach(function (other) {
        tbody.insertBefore(other, after);
      });
    } else if (target > current) {
      list.slice(current + 1, target + 1).forEach(function (other) {
        tbody.insertBefore(other, row);
      });
    }
    if (target !== current) {
      renumber();
    }
  }

  function pickUp(row, handle) {
    active = { row: row, handle: handle, from: rows().indexOf(row), pointerId: null };
    row.classList.add("dragging");
    tbody.classList.add("sorting");
    handle.setAttribute("aria-pressed", "true");
  }

  function letGo() {
    active.row.classList.remove("dragging");
    tbody.classList.remove("sorting");
    active.handle.setAttribute("aria-pressed", "false");
    active = null;
  }

  function cancel(quietly) {
    if (!active) {
      return;
    }
    const row = active.row;
    place(row, active.from);
    letGo();
    if (!quietly) {
      announce("Cancelled", row);
    }
  }

  function drop() {
    const row = active.row;
    const from = active.from;
    const to = rows().indexOf(row);
    if (to === from) {
      cancel(true);
      return;
    }
    const form = row.querySelector("form.move-to");
    form.elements.position.value = String(first + to);
    letGo();
    row.classList.add("saving");
    tbody.querySelectorAll(".drag-handle").forEach(function (handle) {
      handle.disabled = true;
    });
    announce("Saving", row);
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit();
    } else {
      form.submit();
    }
  }

  // Pointer: press the handle, move, release.
  tbody.addEventListener("pointerdown", function (event) {
    const handle = event.target.closest(".drag-handle");
    if (!handle || handle.disabled || active || event.button !== 0) {
      return;
    }
    event.preventDefault();
    handle.setPointerCapture(event.pointerId);
    pickUp(handle.closest("tr"), handle);
    active.pointerId = event.pointerId;
  });

  tbody.addEventListener("pointermove", function (event) {
    if (!active || active.pointerId !== event.pointerId) {
      return;
    }
    const y = event.clientY;
    let index = 0;
    rows().forEach(function (other) {
      if (other !== active.row) {
        const box = other.getBoundingClientRect();
        if (y > box.top + box.height / 2) {
          index += 1;
        }
      }
    });
    place(active.row, index);
    if (y < EDGE) {
      window.scrollBy(0, -EDGE / 2);
    } else if (y > window.innerHeight - EDGE) {
      window.scrollBy(0, EDGE / 2);
    }
  });

  tbody.addEventListener("pointerup", function (event) {
    if (active && active.pointerId === event.pointerId) {
      drop();
    }
  });

  tbody.addEventListener("pointercancel", function (event) {
    if (active && active.pointerId === event.pointerId) {
      cancel(false);
    }
  });

  // Keyboard, on a focused handle.
  tbody.addEventListener("keydown", function (event) {
    const handle = event.target.closest(".drag-handle");
    if (!handle || handle.disabled || (active && active.handle !== handle)) {
      return;
    }
    const row = handle.closest("tr");
    const key = event.key;
    if (key === "ArrowUp" || key === "ArrowDown" || key === "Home" || key === "End") {
      event.preventDefault();
      if (!active) {
        pickUp(row, handle);
      }
      const index = rows().indexOf(row);
      const targets = { ArrowUp: index - 1, ArrowDown: index + 1, Home: 0, End: rows().length };
      place(row, targets[key]);
      announce("Moving", row);
    } else if (key === "Enter" || key === " ") {
      event.preventDefault();
      if (active) {
        drop();
      } else {
        pickUp(row, handle);
        announce("Lifted", row);
      }
    } else if (key === "Escape" && active) {
      event.preventDefault();
      cancel(false);
    }
  });

  tbody.addEventListener("focusout", function (event) {
    if (active && active.pointerId === null && event.target === active.handle) {
      cancel(false);
    }
  });

  // The handles and the help are for those with this script only.
  document.querySelectorAll(".drag-only").forEach(function (element) {
    element.hidden = false;
  });
})();
