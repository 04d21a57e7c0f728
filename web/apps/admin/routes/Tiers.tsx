import { Pending } from '../components/Pending';

export function Tiers() {
  return <Pending titleKey="nav.tiers" />;
}
