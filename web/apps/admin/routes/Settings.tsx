import { Pending } from '../components/Pending';

export function Settings() {
  return <Pending titleKey="nav.settings" />;
}
