import { Pending } from '../components/Pending';

export function Loyalty() {
  return <Pending titleKey="nav.loyalty" />;
}
