import { useEffect, useState, type RefObject } from 'react';

/**
 * The element's scroll position, read in a passive listener and applied at most
 * once per animation frame, so a fast scroll re-renders a virtual list once per
 * frame rather than once per scroll event.
 */
export function useScrollTop(scroller: RefObject<HTMLElement | null>): number {
  const [scrollTop, setScrollTop] = useState(0);
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    let frame: number | null = null;
    const onScroll = () => {
      if (frame !== null) return;
      frame = requestAnimationFrame(() => {
        frame = null;
        setScrollTop(el.scrollTop);
      });
    };
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => {
      el.removeEventListener('scroll', onScroll);
      if (frame !== null) cancelAnimationFrame(frame);
    };
  }, [scroller]);
  return scrollTop;
}
