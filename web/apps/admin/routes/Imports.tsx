import { Pending } from '../components/Pending';

export function Imports() {
  return <Pending titleKey="nav.imports" />;
}
