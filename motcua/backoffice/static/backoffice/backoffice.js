/* Mộtcửa back office: keyboard helpers. Loaded with defer from a static file (the CSP allows no
   inline code). Everything here is an enhancement: the pages work without it. */
(function () {
  "use strict";

  function optionsOf(list) {
    return Array.prototype.slice.call(list.querySelectorAll('[role="option"]'));
  }

  // The procedure box of the counter intake: an ARIA combobox whose list htmx fills from the
  // catalog search. ↓/↑ move, Enter picks the highlighted procedure (the first by default),
  // Escape closes the list. Without this script Enter submits the box and the server decides.
  function setupCombobox(input) {
    var list = document.getElementById(input.getAttribute("aria-controls"));
    if (!list) {
      return;
    }
    var active = -1;

    function highlight(index) {
      var items = optionsOf(list);
      active = items.length ? Math.max(0, Math.min(index, items.length - 1)) : -1;
      items.forEach(function (item, i) {
        var on = i === active;
        item.setAttribute("aria-selected", on ? "true" : "false");
        item.classList.toggle("is-active", on);
      });
      if (active >= 0) {
        input.setAttribute("aria-activedescendant", items[active].id);
        items[active].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
      input.setAttribute("aria-expanded", items.length ? "true" : "false");
    }

    function close() {
      list.innerHTML = "";
      highlight(-1);
    }

    // An option holds no link (no control inside a control): it carries the address to open.
    function pick(option) {
      if (option.dataset.href) {
        window.location.assign(option.dataset.href);
      }
    }

    list.addEventListener("click", function (event) {
      var option = event.target.closest('[role="option"]');
      if (option && list.contains(option)) {
        pick(option);
      }
    });

    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail && event.detail.target === list) {
        highlight(0);
      }
    });

    input.addEventListener("keydown", function (event) {
      var items = optionsOf(list);
      if (event.key === "ArrowDown" && items.length) {
        event.preventDefault();
        highlight(active + 1);
      } else if (event.key === "ArrowUp" && items.length) {
        event.preventDefault();
        highlight(active - 1);
      } else if (event.key === "Enter" && active >= 0 && items[active]) {
        event.preventDefault();
        pick(items[active]);
      } else if (event.key === "Escape" && items.length) {
        event.preventDefault();
        close();
      }
    });
  }

  // Alt+letter runs the page's access keys in every browser (Firefox wants Alt+Shift, and
  // synthesised key events never reach the browser's own handling). When the browser has already
  // acted on its access key it marks the event handled, and nothing runs twice.
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey || event.shiftKey || event.defaultPrevented) {
      return;
    }
    var code = event.code || "";
    var key = code.indexOf("Key") === 0 ? code.slice(3).toLowerCase() : (event.key || "").toLowerCase();
    if (!/^[a-z]$/.test(key)) {
      return;
    }
    var element = document.querySelector('[accesskey="' + key + '"]');
    if (!element) {
      return;
    }
    event.preventDefault();
    if (/^(INPUT|SELECT|TEXTAREA)$/.test(element.tagName) && element.type !== "submit") {
      element.focus();
    } else {
      element.click();
    }
  });

  // "/" puts the cursor in the page's search box (worklists), unless one is typing already.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) {
      return;
    }
    var field = document.querySelector('[data-shortcut-focus="/"]');
    if (field) {
      event.preventDefault();
      field.focus();
      if (field.select) {
        field.select();
      }
    }
  });

  document.querySelectorAll('input[role="combobox"][aria-controls]').forEach(setupCombobox);
})();
