import { Pending } from '../components/Pending';

export function Audit() {
  return <Pending titleKey="nav.audit" />;
}
