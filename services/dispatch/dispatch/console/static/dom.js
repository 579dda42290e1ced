// The console's only way to put server data on the page: DOM nodes whose strings are text, never HTML.
//
// Unit and camera names, notes, areas, categories and every other string from the server may be hostile
// (anyone who can name a unit or a camera, or write a note). Build every panel, tooltip and label with `el`,
// which appends strings as text nodes; never assign innerHTML / outerHTML, never call insertAdjacentHTML or
// document.write, never hand Leaflet a string (bindTooltip, bindPopup, divIcon `html` and attributions parse
// strings as HTML): hand it a node from `el`. The page's Content-Security-Policy is the second line of defence.

// `el("li", { class: "note", "data-id": id, onclick: handler }, "text", otherNode, [more, nodes])`.
// Attributes are set as values (an `on…` key must be a function: it becomes an event listener); children are
// nodes, or strings and numbers appended as text; null, undefined and false children are skipped.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key.startsWith("on")) {
      if (typeof value !== "function") throw new TypeError(`${key} must be a function`);
      node.addEventListener(key.slice(2), value);
    } else if (value !== undefined && value !== null && value !== false) {
      node.setAttribute(key, value);
    }
  }
  for (const child of children.flat()) {
    if (child != null && child !== false) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// A Leaflet tooltip, popup or divIcon body: text only.
export const label = (...parts) => el("span", {}, ...parts);
