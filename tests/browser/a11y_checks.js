// Checks the browser tests run inside the page (WCAG 2.1 AA). Each is a function expression.
({
  // Every visible element with its own text, against the first opaque background behind it: large text
  // (24px, or 18.66px bold) needs 3:1, the rest 4.5:1 (success criterion 1.4.3).
  lowContrast: () => {
    const parse = (colour) => {
      const m = colour.match(/[\d.]+/g).map(Number);
      return { r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1 };
    };
    const channel = (v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    const luminance = ({ r, g, b }) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    const background = (element) => {
      for (let e = element; e; e = e.parentElement) {
        const colour = parse(getComputedStyle(e).backgroundColor);
        if (colour.a > 0.9) return colour;
      }
      return { r: 255, g: 255, b: 255, a: 1 };
    };
    const found = [];
    for (const element of document.querySelectorAll('body *')) {
      if (element.closest('svg, .chart, option')) continue;
      const ownText = [...element.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!ownText) continue;
      const style = getComputedStyle(element);
      const box = element.getBoundingClientRect();
      if (style.visibility === 'hidden' || box.width === 0 || box.height === 0) continue;
      const [high, low] = [luminance(parse(style.color)), luminance(background(element))].sort((a, b) => b - a);
      const ratio = (high + 0.05) / (low + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) {
        found.push(`${element.tagName} "${element.textContent.trim().slice(0, 40)}" ${ratio.toFixed(2)}`);
      }
    }
    return found;
  },
  // Form controls without an accessible name (1.3.1, 4.1.2).
  unnamedControls: () =>
    [...document.querySelectorAll('input, select, textarea, button')]
      .filter((el) => el.type !== 'hidden' && el.getClientRects().length)
      .filter((el) => !(el.labels && el.labels.length))
      .filter((el) => !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
      .filter((el) => !(el.tagName === 'BUTTON' && el.textContent.trim()))
      .map((el) => el.outerHTML.slice(0, 80)),
})
