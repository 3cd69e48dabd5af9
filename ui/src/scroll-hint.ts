// A row that scrolls sideways (tabs on a narrow screen) says so: while some of its content is out
// of view, the element carries data-more="left", "right" or "both", and the style sheet fades that
// edge.
import { useEffect, useRef } from 'react';

export function useScrollHint<T extends HTMLElement>(contentKey: unknown) {
  const ref = useRef<T>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const update = () => {
      const left = el.scrollLeft > 1;
      const right = el.scrollLeft + el.clientWidth < el.scrollWidth - 1;
      const more = left && right ? 'both' : left ? 'left' : right ? 'right' : '';
      if (more) el.dataset.more = more;
      else delete el.dataset.more;
    };
    update();
    el.addEventListener('scroll', update, { passive: true });
    // the row's width and its items' widths (a count that arrives later) both change what fits
    const resized = new ResizeObserver(update);
    resized.observe(el);
    for (const child of Array.from(el.children)) resized.observe(child);
    return () => {
      el.removeEventListener('scroll', update);
      resized.disconnect();
    };
  }, [contentKey]);
  return ref;
}
