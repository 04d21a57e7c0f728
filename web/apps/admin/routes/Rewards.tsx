import { Pending } from '../components/Pending';

export function Rewards() {
  return <Pending titleKey="nav.rewards" />;
}
