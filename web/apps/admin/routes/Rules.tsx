import { Pending } from '../components/Pending';

export function Rules() {
  return <Pending titleKey="nav.rules" />;
}
