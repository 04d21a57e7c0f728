import { Pending } from '../components/Pending';

export function Staff() {
  return <Pending titleKey="nav.staff" />;
}
