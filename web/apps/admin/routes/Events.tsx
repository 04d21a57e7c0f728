import { Pending } from '../components/Pending';

export function Events() {
  return <Pending titleKey="nav.events" />;
}
