import { Button } from './Button';

/** Cursor pagination: the API gives the next page's cursor; the pages seen so far give the way back. */
export function Pager({ label, previousLabel, nextLabel, hasPrevious, hasNext, onPrevious, onNext }: {
  label: string;
  previousLabel: string;
  nextLabel: string;
  hasPrevious: boolean;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
}) {
  if (!hasPrevious && !hasNext) return null;
  return (
    <nav className="pager" aria-label={label}>
      <Button onClick={onPrevious} disabled={!hasPrevious}>
        {previousLabel}
      </Button>
      <Button onClick={onNext} disabled={!hasNext}>
        {nextLabel}
      </Button>
    </nav>
  );
}
