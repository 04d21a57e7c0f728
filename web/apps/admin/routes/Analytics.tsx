import { Pending } from '../components/Pending';

export function Analytics() {
  return <Pending titleKey="nav.analytics" />;
}
