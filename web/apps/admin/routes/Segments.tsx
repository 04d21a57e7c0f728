import { Pending } from '../components/Pending';

export function Segments() {
  return <Pending titleKey="nav.segments" />;
}
