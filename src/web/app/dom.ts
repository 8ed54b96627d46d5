/// <reference lib="dom" />

type Attributes = Record<string, string | boolean | number | undefined>;
type Child = Node | string | null | undefined | false;

/** Creates an element with attributes (`false`/undefined omitted) and children: no HTML strings anywhere. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child);
  }
  return element;
}

/** The main region, emptied for a page. */
export function mainRegion(): HTMLElement {
  const main = document.getElementById('main');
  if (!main) throw new Error('the page has no #main');
  main.replaceChildren();
  return main;
}
