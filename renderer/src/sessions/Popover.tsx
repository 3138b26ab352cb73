// A small panel that drops from a header button: focus moves into it when it opens and back to the
// button when it closes; Escape or a click outside closes it.
import { useEffect, useRef, type ReactNode, type RefObject } from 'react';

interface PopoverProps {
  label: string;
  testId: string;
  className?: string;
  /** The button that opened it: focus returns there, and clicks on it are not "outside". */
  anchor: RefObject<HTMLElement | null>;
  onClose(): void;
  children: ReactNode;
}

export function Popover({ label, testId, className, anchor, onClose, children }: PopoverProps) {
  const panelRef = useRef<HTMLDivElement>(null);
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useEffect(() => {
    const panel = panelRef.current!;
    const anchorElement = anchor.current;
    panel.querySelector<HTMLElement>('input, select, button, [tabindex]')?.focus();
    function onPointerDown(event: PointerEvent): void {
      const target = event.target as Node;
      if (!panel.contains(target) && !anchorElement?.contains(target)) onCloseRef.current();
    }
    // On the document, not the panel: focus may have left it (a button disabled while it works).
    function onKeyDown(event: KeyboardEvent): void {
      if (event.key === 'Escape' && !event.defaultPrevented) onCloseRef.current();
    }
    document.addEventListener('pointerdown', onPointerDown);
    document.addEventListener('keydown', onKeyDown);
    return () => {
      document.removeEventListener('pointerdown', onPointerDown);
      document.removeEventListener('keydown', onKeyDown);
      // Only when focus was inside: a click elsewhere keeps the focus it gave.
      if (panel.contains(document.activeElement) || document.activeElement === document.body) anchorElement?.focus();
    };
  }, [anchor]);

  return (
    <div ref={panelRef} className={className ? `popover ${className}` : 'popover'} role="dialog" aria-label={label} data-testid={testId}>
      {children}
    </div>
  );
}
