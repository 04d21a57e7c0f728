import { useEffect, useId, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { sessionKeys, signOut, signOutEverywhere, type Staff } from '../../../packages/api-client';
import { useI18n } from '../../../packages/i18n';
import { Button } from '../../../packages/ui';

/** The staff user's menu: who is signed in, sign out here or everywhere. */
export function UserMenu({ staff }: { staff: Staff }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const client = useQueryClient();
  const navigate = useNavigate();
  const ref = useRef<HTMLDivElement>(null);
  const menuId = useId();
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent | KeyboardEvent) => {
      if (e instanceof KeyboardEvent ? e.key === 'Escape' : !ref.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', close);
    };
  }, [open]);
  const leave = async (everywhere: boolean) => {
    await (everywhere ? signOutEverywhere() : signOut()).catch(() => undefined);
    client.clear();
    client.setQueryData(sessionKeys.current, null);
    await navigate('/sign-in');
  };
  return (
    <div className="menu" ref={ref}>
      <Button variant="ghost" aria-expanded={open} aria-controls={menuId} onClick={() => setOpen((o) => !o)}>
        {t('shell.userMenu', { name: staff.name || staff.email })}
      </Button>
      {open ? (
        <ul className="menu-list" id={menuId}>
          <li className="menu-who">
            {staff.email} · {t(`roles.${staff.role}`)}
          </li>
          <li>
            <Button variant="ghost" onClick={() => void leave(false)}>
              {t('shell.signOut')}
            </Button>
          </li>
          <li>
            <Button variant="ghost" onClick={() => void leave(true)}>
              {t('shell.signOutEverywhere')}
            </Button>
          </li>
        </ul>
      ) : null}
    </div>
  );
}
