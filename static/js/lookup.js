/* Pickers that search as you type (tasks/widgets.py): bodies, people, areas, documents.
 *
 * Each text box marked data-lookup becomes a combobox with a listbox popup (the ARIA 1.2
 * pattern, list autocomplete): typing asks data-lookup (`/lookup/<kind>/?q=…`, twenty names a
 * page, "More…" for the next twenty) and lists what fits. Without this script the box still
 * works: the server looks up a typed name.
 *
 * - One row (data-lookup-value holds its id): a hidden input takes the field's name and sends
 *   the picked row's id (or, until one is picked, the text typed, which the server looks up).
 * - Several rows (data-lookup-many names the list of ticked boxes): picking adds a ticked box;
 *   unticking one removes it.
 *
 * Keyboard, in the box: ArrowDown opens the list or moves down, ArrowUp moves up, Enter picks,
 * Escape closes the list (or, when it is closed, empties the box); Tab leaves, picking nothing.
 * Texts come translated from the box's data-msg-* attributes; a status region reads them out.
 */
(function () {
  "use strict";

  const WAIT = 200; // ms after the last key before asking
  let made = 0;

  function format(template, values) {
    return (template || "").replace(/%\((\w+)\)s/g, function (match, key) {
      return key in values ? String(values[key]) : match;
    });
  }

  function Picker(input) {
    made += 1;
    this.input = input;
    this.url = input.dataset.lookup;
    this.key = input.id || "lookup-" + made;
    this.page = 1;
    this.active = -1;
    this.timer = null;
    this.request = null;
    this.many = input.dataset.lookupMany
      ? document.getElementById(input.dataset.lookupMany)
      : null;

    const list = document.createElement("ul");
    list.id = this.key + "-list";
    list.className = "lookup-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    const label = input.labels && input.labels[0];
    if (label) {
      label.id = label.id || this.key + "-label";
      list.setAttribute("aria-labelledby", label.id);
    }
    const status = document.createElement("span");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    input.after(list, status);
    this.list = list;
    this.status = status;

    if (!this.many) {
      // the id goes with the form; the box shows the name
      const hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = input.name;
      hidden.value = input.dataset.lookupValue || input.value.trim();
      input.removeAttribute("name");
      input.after(hidden);
      this.hidden = hidden;
    }
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.dataset.lookupReady = "";

    input.addEventListener("input", this.typed.bind(this));
    input.addEventListener("keydown", this.keyDown.bind(this));
    input.addEventListener("click", this.clicked.bind(this));
    input.addEventListener("blur", this.close.bind(this));
    // a press on the list keeps the focus in the box (and the list open)
    list.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });
    list.addEventListener("click", this.listClicked.bind(this));
  }

  Picker.prototype.say = function (text) {
    this.status.textContent = text || "";
  };

  Picker.prototype.options = function () {
    return Array.from(this.list.querySelectorAll("[role=option]"));
  };

  Picker.prototype.isOpen = function () {
    return !this.list.hidden;
  };

  Picker.prototype.typed = function () {
    if (this.hidden) {
      this.hidden.value = this.input.value.trim(); // looked up by the server unless picked
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(this.search.bind(this, 1, false), WAIT);
  };

  Picker.prototype.clicked = function () {
    if (!this.isOpen()) {
      this.search(1, false);
    }
  };

  Picker.prototype.search = function (page, focusFirst) {
    const picker = this;
    if (picker.request) {
      picker.request.abort();
    }
    picker.request = new AbortController();
    let url = picker.url + "?q=" + encodeURIComponent(picker.input.value.trim());
    if (page > 1) {
      url += "&page=" + page;
    }
    fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      signal: picker.request.signal,
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (answer) {
        picker.request = null;
        picker.show(answer, page, focusFirst);
      })
      .catch(function (error) {
        if (error.name !== "AbortError") {
          picker.request = null;
          picker.close();
          picker.say(picker.input.dataset.msgFailed);
        }
      });
  };

  Picker.prototype.show = function (answer, page, focusFirst) {
    const list = this.list;
    const more = list.querySelector(".lookup-more");
    if (page === 1) {
      list.replaceChildren();
      this.active = -1;
    } else if (more) {
      more.remove();
    }
    const before = this.options().length;
    const picker = this;
    answer.results.forEach(function (row) {
      const option = document.createElement("li");
      option.id = picker.key + "-option-" + row.id;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.dataset.id = row.id;
      option.dataset.text = row.text;
      option.append(row.text);
      if (row.detail) {
        const detail = document.createElement("span");
        detail.className = "lookup-detail";
        detail.textContent = " · " + row.detail;
        option.append(detail);
      }
      list.append(option);
    });
    this.page = page;
    if (answer.pagination && answer.pagination.more) {
      const next = document.createElement("li");
      next.id = this.key + "-more";
      next.className = "lookup-more";
      next.setAttribute("role", "option");
      next.setAttribute("aria-selected", "false");
      next.textContent = this.input.dataset.msgMore;
      list.append(next);
    }
    const found = this.options().filter(function (option) {
      return !option.classList.contains("lookup-more");
    }).length;
    if (!found) {
      this.close();
      this.say(this.input.dataset.msgNone);
      return;
    }
    list.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    const shown = answer.pagination && answer.pagination.more ? found + "+" : found;
    this.say(format(this.input.dataset.msgCount, { count: shown }));
    if (page > 1) {
      this.moveTo(before); // the first of the names just added
    } else if (focusFirst) {
      this.moveTo(0);
    }
  };

  Picker.prototype.moveTo = function (index) {
    const options = this.options();
    if (!options.length) {
      return;
    }
    this.active = (index + options.length) % options.length;
    options.forEach(function (option, at) {
      option.setAttribute("aria-selected", at === this.active ? "true" : "false");
    }, this);
    const option = options[this.active];
    this.input.setAttribute("aria-activedescendant", option.id);
    option.scrollIntoView({ block: "nearest" });
  };

  Picker.prototype.close = function () {
    this.list.hidden = true;
    this.active = -1;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  };

  Picker.prototype.pick = function (option) {
    if (option.classList.contains("lookup-more")) {
      this.search(this.page + 1, false);
      return;
    }
    const id = option.dataset.id;
    const text = option.dataset.text;
    if (this.many) {
      this.add(id, text);
      this.input.value = "";
      this.close();
      this.say(format(this.input.dataset.msgAdded, { name: text }));
    } else {
      this.input.value = text;
      this.hidden.value = id;
      this.close();
    }
  };

  // a ticked box for a row picked into a field of several (ticked again if it was there)
  Picker.prototype.add = function (id, text) {
    const name = this.input.name;
    const boxes = Array.from(this.many.querySelectorAll("input[type=checkbox]"));
    const known = boxes.find(function (box) {
      return box.value === id;
    });
    if (known) {
      known.checked = true;
      return;
    }
    const item = document.createElement("li");
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.name = name;
    box.value = id;
    box.checked = true;
    label.append(box, " " + text);
    item.append(label);
    this.many.append(item);
  };

  Picker.prototype.listClicked = function (event) {
    const option = event.target.closest("[role=option]");
    if (option) {
      this.pick(option);
    }
  };

  Picker.prototype.keyDown = function (event) {
    const open = this.isOpen();
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        if (open) {
          this.moveTo(this.active + 1);
        } else {
          this.search(1, true);
        }
        break;
      case "ArrowUp":
        if (open) {
          event.preventDefault();
          this.moveTo(this.active < 0 ? -1 : this.active - 1);
        }
        break;
      case "Enter":
        if (open && this.active >= 0) {
          event.preventDefault(); // picks; the form is not sent
          this.pick(this.options()[this.active]);
        }
        break;
      case "Escape":
        if (open) {
          event.preventDefault();
          this.close();
        } else if (this.input.value) {
          event.preventDefault();
          this.input.value = "";
          if (this.hidden) {
            this.hidden.value = "";
          }
        }
        break;
      case "Tab":
        this.close();
        break;
      default:
        break;
    }
  };

  function enhance(root) {
    root.querySelectorAll("input[data-lookup]:not([data-lookup-ready])").forEach(function (input) {
      new Picker(input);
    });
  }

  enhance(document);
  // a section htmx puts in place (the measure page's assignment, after saving)
  document.addEventListener("htmx:load", function (event) {
    enhance(event.target);
  });
})();
